//! Bringing goods back: the scan, the picks, the refund worked out as the
//! central does, one key per return, and the door after the refund.

use super::*;
use crate::domain::returns::RefundSplit;

fn stage(visit: &Visit) -> &ReturnStage {
    match visit.state() {
        State::Return { stage } => stage,
        other => panic!("not returning goods: {other:?}"),
    }
}

/// A kiosk sale of 2 Popok (Rp 50.000) and 2 Sabun (Rp 7.500, 10 % off)
/// and a Pisang (final sale): 125 000 at list prices, 123 500 paid by
/// QRIS, to a member.
fn purchase() -> ReturnPurchase {
    let line = |barcode: &str, name: &str, price, bought, refused| ReturnLine {
        barcode: barcode.into(),
        name: name.into(),
        unit_price: Rupiah(price),
        bought,
        returned: 0,
        refused,
    };
    let fruit = Some(LineRefused::FinalSale { category: "buah-sayur".into() });
    ReturnPurchase {
        order: None,
        sale: Some("TRX-1".into()),
        paid: Rupiah(123_500),
        list_total: Rupiah(125_000),
        refunded: Rupiah::ZERO,
        points_paid: Rupiah::ZERO,
        refund_to: vec![RefundTo::Qris, RefundTo::Points],
        lines: vec![
            line("8991101000070", "Popok M 34", 50_000, 2, None),
            line("8991101000278", "Sabun Mandi 90 g", 7_500, 2, None),
            line("8991101000179", "Pisang Cavendish 1 kg", 10_000, 1, fruit),
        ],
    }
}

/// A visit on the picking screen of [`purchase`].
fn picking(t0: Instant) -> Visit {
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartReturn, t0);
    let effects = visit.step(Event::Scanned { code: "http://c/receipt/TRX-1".into() }, t0);
    assert_eq!(effects, vec![Effect::FindReturnable { reference: "TRX-1".into() }]);
    assert_eq!(stage(&visit), &ReturnStage::Looking);
    visit.step(Event::ReturnableFound { purchase: purchase() }, t0);
    visit
}

fn choice(visit: &Visit) -> &ReturnChoice {
    match stage(visit) {
        ReturnStage::Picking { choice }
        | ReturnStage::Confirming { choice, .. }
        | ReturnStage::Posting { choice, .. } => choice,
        other => panic!("no choice yet: {other:?}"),
    }
}

#[test]
fn a_scan_that_names_no_purchase_is_refused_without_asking_the_central() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartReturn, t0);
    assert!(visit.step(Event::Scanned { code: "8991101000070".into() }, t0).is_empty());
    assert_eq!(stage(&visit), &ReturnStage::Scanning { problem: Some(ReturnProblem::BadQr) });
    // The central down: said plainly, and back to scanning.
    visit.step(Event::Scanned { code: "TRX-1".into() }, t0);
    visit.step(Event::ReturnNotFound { why: ReturnProblem::Unreachable }, t0);
    let problem = Some(ReturnProblem::Unreachable);
    assert_eq!(stage(&visit), &ReturnStage::Scanning { problem });
    assert_eq!(visit.step(Event::Cancel, t0), vec![Effect::EndVisit]);
    assert_eq!(visit.state(), &State::Welcome);
}

#[test]
fn picks_stay_within_what_may_come_back_and_the_refund_shares_the_discount() {
    let t0 = Instant::now();
    let mut visit = picking(t0);
    // Nothing picked, no reason, two places for the refund: not ready.
    assert!(!choice(&visit).ready());
    assert_eq!(choice(&visit).refund_to, None);
    // Three Popok asked, two bought; the fruit is final sale.
    for _ in 0..3 {
        visit.step(Event::ReturnMore { line: 0 }, t0);
    }
    visit.step(Event::ReturnMore { line: 2 }, t0);
    visit.step(Event::ReturnMore { line: 9 }, t0);
    assert_eq!(choice(&visit).picks, vec![2, 0, 0]);
    visit.step(Event::ReturnLess { line: 0 }, t0);
    visit.step(Event::ReturnLess { line: 1 }, t0);
    assert_eq!(choice(&visit).picks, vec![1, 0, 0]);
    // One Popok: 50 000 x 123 500 / 125 000 = 49 400.
    assert_eq!(choice(&visit).refund(), Rupiah(49_400));
    // Both Sabun too: 65 000 x 123 500 / 125 000 = 64 220.
    visit.step(Event::ReturnMore { line: 1 }, t0);
    visit.step(Event::ReturnMore { line: 1 }, t0);
    assert_eq!(choice(&visit).refund(), Rupiah(64_220));
    // Continue waits for a reason and a refund.
    assert!(visit.step(Event::ReturnReview, t0).is_empty());
    assert!(matches!(stage(&visit), ReturnStage::Picking { .. }));
    visit.step(Event::ReturnReasonChosen { reason: ReturnReason::Damaged }, t0);
    visit.step(Event::ReturnRefundChosen { to: RefundTo::Points }, t0);
    visit.step(Event::ReturnReview, t0);
    assert!(matches!(stage(&visit), ReturnStage::Confirming { retry: None, .. }));
}

#[test]
fn the_last_goods_back_refund_what_is_left() {
    // 2 Popok and 2 Sabun, 115 000 at list prices, 113 500 paid; one
    // Popok came back for 49 347 before.
    let mut p = purchase();
    p.lines.truncate(2);
    p.lines[0].returned = 1;
    (p.paid, p.list_total, p.refunded) = (Rupiah(113_500), Rupiah(115_000), Rupiah(49_347));
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartReturn, t0);
    visit.step(Event::Scanned { code: "TRX-1".into() }, t0);
    visit.step(Event::ReturnableFound { purchase: p }, t0);
    for line in [0, 1, 1] {
        visit.step(Event::ReturnMore { line }, t0);
    }
    // All that is left of 113 500: 64 153.
    assert_eq!(choice(&visit).picks, vec![1, 2]);
    assert_eq!(choice(&visit).refund(), Rupiah(64_153));
}

#[test]
fn one_key_a_return_kept_for_a_retry_after_no_answer() {
    let t0 = Instant::now();
    let mut visit = picking(t0);
    visit.step(Event::ReturnMore { line: 0 }, t0);
    visit.step(Event::ReturnReasonChosen { reason: ReturnReason::WrongItem }, t0);
    visit.step(Event::ReturnRefundChosen { to: RefundTo::Qris }, t0);
    visit.step(Event::ReturnReview, t0);
    let request = ReturnRequest {
        order: None,
        sale: Some("TRX-1".into()),
        lines: vec![("8991101000070".into(), 1)],
        reason: ReturnReason::WrongItem,
        refund_to: RefundTo::Qris,
    };
    let key = format!("{PREFIX}-return-1");
    let posted = visit.step(Event::ReturnConfirm, t0);
    assert_eq!(posted, vec![Effect::PostReturn { key: key.clone(), request: request.clone() }]);
    // No answer: confirming again sends the same key.
    visit.step(Event::ReturnNotRecorded { why: ReturnProblem::NoAnswer }, t0);
    assert_eq!(visit.step(Event::ReturnConfirm, t0), posted);
    // A plain refusal: the next try is another return, with a key of its own.
    visit.step(Event::ReturnNotRecorded { why: ReturnProblem::NoCompartment }, t0);
    let again = visit.step(Event::ReturnConfirm, t0);
    assert_eq!(again, vec![Effect::PostReturn { key: format!("{PREFIX}-return-2"), request }]);
}

#[test]
fn the_compartment_opens_only_after_the_refund_and_a_bad_door_keeps_it() {
    let t0 = Instant::now();
    let mut visit = picking(t0);
    visit.step(Event::ReturnMore { line: 0 }, t0);
    visit.step(Event::ReturnReasonChosen { reason: ReturnReason::Damaged }, t0);
    visit.step(Event::ReturnRefundChosen { to: RefundTo::Qris }, t0);
    visit.step(Event::ReturnReview, t0);
    visit.step(Event::ReturnConfirm, t0);
    assert!(visit.idle_left(t0).is_none(), "no timeout while the refund is made");
    let refund = Refund {
        return_id: "RET-1".into(),
        amount: Rupiah(49_400),
        to: RefundTo::Qris,
        points: Rupiah::ZERO,
    };
    let effects = visit.step(Event::ReturnRecorded { refund: refund.clone(), compartment: 7 }, t0);
    assert_eq!(
        effects,
        vec![Effect::OpenReturnCompartment { return_id: "RET-1".into(), compartment: 7 }]
    );
    // A touch while the door is awaited changes nothing.
    visit.step(Event::Touch, t0);
    assert_eq!(stage(&visit), &ReturnStage::Opening { refund: refund.clone(), compartment: 7 });
    visit.step(Event::DoorOpened, t0);
    visit.step(Event::DoorLeftOpen, t0);
    let open = ReturnStage::Open { refund: refund.clone(), compartment: 7, left_open: true };
    assert_eq!(stage(&visit), &open);
    // Closed on nothing: the refund stands, staff help.
    visit.step(Event::ReturnNotStowed { why: NotStowed::Empty }, t0);
    let stuck = ReturnStage::NotStowed { refund, compartment: 7, why: NotStowed::Empty };
    assert_eq!(stage(&visit), &stuck);
    assert_eq!(visit.step(Event::Finish, t0), vec![Effect::EndVisit]);
    assert_eq!(visit.state(), &State::Welcome);
}

#[test]
fn a_purchase_with_one_place_for_its_refund_needs_no_choice() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartReturn, t0);
    visit.step(Event::Scanned { code: "ORD-5".into() }, t0);
    let mut p = purchase();
    p.refund_to = vec![RefundTo::Qris];
    visit.step(Event::ReturnableFound { purchase: p }, t0);
    assert_eq!(choice(&visit).refund_to, Some(RefundTo::Qris));
    // Points are not offered: choosing them changes nothing.
    visit.step(Event::ReturnRefundChosen { to: RefundTo::Points }, t0);
    assert_eq!(choice(&visit).refund_to, Some(RefundTo::Qris));
}

#[test]
fn a_refund_to_qris_of_a_purchase_paid_partly_with_points_shows_both_parts() {
    // The same purchase with Rp 23.500 of its 123.500 paid in points. One
    // Popok back: 50.000 x 123.500 / 125.000 = 49.400, of which
    // 49.400 x 100.000 / 123.500 = 40.000 to QRIS and 9.400 to points.
    let purchase = ReturnPurchase { points_paid: Rupiah(23_500), ..purchase() };
    let mut choice = ReturnChoice {
        purchase,
        picks: vec![1, 0, 0],
        reason: Some(ReturnReason::Damaged),
        refund_to: Some(RefundTo::Qris),
    };
    assert_eq!(choice.refund(), Rupiah(49_400));
    assert_eq!(choice.refund_split(), RefundSplit { qris: Rupiah(40_000), points: Rupiah(9_400) });
    // To points, all of it goes there.
    choice.refund_to = Some(RefundTo::Points);
    assert_eq!(choice.refund_split(), RefundSplit { qris: Rupiah::ZERO, points: Rupiah(49_400) });
}
