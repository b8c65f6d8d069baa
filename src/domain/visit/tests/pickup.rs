//! Collecting an order: the keypad, the check, the door and the thank-you.

use super::*;

fn typed(visit: &mut Visit, digits: &str, t0: Instant) -> Vec<Effect> {
    digits.chars().flat_map(|digit| visit.step(Event::KeypadDigit { digit }, t0)).collect()
}

fn stage(visit: &Visit) -> &PickupStage {
    match visit.state() {
        State::Pickup { stage } => stage,
        other => panic!("not collecting an order: {other:?}"),
    }
}

fn found(paid: bool) -> Event {
    Event::PickupFound {
        order: FoundOrder { order_id: "ORD-1".into(), compartment: 3, paid, total: Rupiah(15_000) },
    }
}

#[test]
fn six_digits_of_code_then_four_of_phone_are_checked_once_complete() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    // Twelve digits typed: the last two find no room.
    assert!(typed(&mut visit, "123456789012", t0).is_empty());
    let PickupStage::Entering { code, phone, .. } = stage(&visit) else { panic!() };
    assert_eq!((code.as_str(), phone.as_str()), ("123456", "7890"));
    // Deleting takes the phone's digits first, then the code's.
    for _ in 0..5 {
        visit.step(Event::KeypadDelete, t0);
    }
    let PickupStage::Entering { code, phone, .. } = stage(&visit) else { panic!() };
    assert_eq!((code.as_str(), phone.as_str()), ("12345", ""));
    // Not complete: OK does nothing.
    assert!(visit.step(Event::KeypadEnter, t0).is_empty());
    typed(&mut visit, "60001", t0);
    let effects = visit.step(Event::KeypadEnter, t0);
    let want = Effect::VerifyPickupCode { code: "123456".into(), phone_last4: "0001".into() };
    assert_eq!(effects, [want]);
    assert_eq!(stage(&visit), &PickupStage::Checking);
}

#[test]
fn a_found_paid_order_opens_and_ends_in_thanks() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    let effects = visit.step(Event::Scanned { code: "SWP1.abc".into() }, t0);
    assert_eq!(effects, [Effect::VerifyPickupToken { token: "SWP1.abc".into() }]);
    let effects = visit.step(found(true), t0);
    let open =
        Effect::OpenCompartment { order_id: "ORD-1".into(), compartment: 3, payment_id: None };
    assert_eq!(effects, [open]);
    visit.step(Event::DoorOpened, t0);
    visit.step(Event::DoorLeftOpen, t0);
    let open = PickupStage::Open { order_id: "ORD-1".into(), compartment: 3, left_open: true };
    assert_eq!(stage(&visit), &open);
    // An open door never idles out, however long.
    assert_eq!(visit.idle_left(t0 + IDLE * 10), None);
    visit.step(Event::PickupCollected, t0);
    assert_eq!(stage(&visit), &PickupStage::Collected { compartment: 3 });
    assert_eq!(visit.step(Event::Finish, t0), [Effect::EndVisit]);
    assert_eq!(visit.state(), &State::Welcome);
}

#[test]
fn a_refusal_says_why_and_cancel_leaves() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    typed(&mut visit, "1234569999", t0);
    visit.step(Event::KeypadEnter, t0);
    visit.step(Event::PickupRefused { why: PickupProblem::WrongDigits { left: 2 } }, t0);
    let PickupStage::Entering { problem, code, .. } = stage(&visit) else { panic!() };
    assert_eq!(problem, &Some(PickupProblem::WrongDigits { left: 2 }));
    assert!(code.is_empty(), "a new try starts afresh");
    assert_eq!(visit.step(Event::Cancel, t0), [Effect::EndVisit]);
    assert_eq!(visit.state(), &State::Welcome);
}

/// A visit that checked a typed code and found the unpaid order of
/// Rp 15.000 in compartment 3.
fn unpaid_found(t0: Instant) -> (Visit, Vec<Effect>) {
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    typed(&mut visit, "1234560001", t0);
    visit.step(Event::KeypadEnter, t0);
    let effects = visit.step(found(false), t0);
    (visit, effects)
}

fn pay_stage(visit: &Visit) -> &PayStage {
    match stage(visit) {
        PickupStage::Paying { stage, .. } => stage,
        other => panic!("not paying for the order: {other:?}"),
    }
}

#[test]
fn an_unpaid_order_is_paid_by_qris_and_then_opens_with_its_payment() {
    let t0 = Instant::now();
    let (mut visit, effects) = unpaid_found(t0);
    // The order's total, under the visit's first key.
    let pay = Effect::PayOrder {
        attempt: "k-1".into(),
        order_id: "ORD-1".into(),
        amount: Rupiah(15_000),
    };
    assert_eq!(effects, [pay]);
    assert!(matches!(pay_stage(&visit), PayStage::Creating { tries: 1, .. }));

    let created = Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 15_000) };
    assert_eq!(visit.step(created, t0), [Effect::WatchPayment { id: "pay-1".into() }]);
    assert!(matches!(pay_stage(&visit), PayStage::Pending { .. }));
    // A code on screen never idles out: the customer may be paying.
    assert_eq!(visit.idle_left(at(t0, 200)), None);
    assert_eq!(
        visit.step(Event::SimulatePaid, t0),
        [Effect::SimulatePayment { id: "pay-1".into() }]
    );

    let effects = visit.step(Event::PaymentPaid { id: "pay-1".into() }, at(t0, 20));
    let open = Effect::OpenCompartment {
        order_id: "ORD-1".into(),
        compartment: 3,
        payment_id: Some("pay-1".into()),
    };
    assert_eq!(effects, [open]);
    assert_eq!(stage(&visit), &PickupStage::Opening { order_id: "ORD-1".into(), compartment: 3 });
    // A second report of the same payment opens nothing more.
    assert!(visit.step(Event::PaymentPaid { id: "pay-1".into() }, at(t0, 21)).is_empty());
}

#[test]
fn with_the_central_out_of_reach_an_unpaid_order_is_refused_plainly() {
    let t0 = Instant::now();
    let (mut visit, _) = unpaid_found(t0);
    let why = NotCreated::Unreachable;
    assert!(visit.step(Event::PaymentNotCreated { attempt: "k-1".into(), why }, t0).is_empty());
    let PickupStage::Entering { problem, code, .. } = stage(&visit) else { panic!() };
    assert_eq!(problem, &Some(PickupProblem::UnpaidOffline));
    assert!(code.is_empty());
    // A payment that the lost answer made after all is cancelled.
    let late = Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 15_000) };
    assert_eq!(
        visit.step(late, t0),
        [
            Effect::GiveUpPayment { attempt: "k-1".into() },
            Effect::CancelPayment { id: "pay-1".into() }
        ]
    );
}

#[test]
fn an_expired_code_gives_a_new_payment_under_a_new_key() {
    let t0 = Instant::now();
    let (mut visit, _) = unpaid_found(t0);
    visit.step(Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 15_000) }, t0);
    visit.step(Event::Tick, at(t0, 300));
    let expired = PayStage::Expired { payment: payment(t0, 15_000), check: ExpiryCheck::Checking };
    assert_eq!(pay_stage(&visit), &expired);
    // Not yet: the central may still say it was paid.
    assert!(visit.step(Event::PayAgain, at(t0, 301)).is_empty());
    visit.step(Event::PaymentExpired { id: "pay-1".into() }, at(t0, 302));
    let pay = Effect::PayOrder {
        attempt: "k-2".into(),
        order_id: "ORD-1".into(),
        amount: Rupiah(15_000),
    };
    assert_eq!(visit.step(Event::PayAgain, at(t0, 303)), [pay]);
}

#[test]
fn a_cancelled_payment_keeps_the_code_and_a_payment_made_meanwhile_opens() {
    let t0 = Instant::now();
    let (mut visit, _) = unpaid_found(t0);
    visit.step(Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 15_000) }, t0);
    assert_eq!(visit.step(Event::Cancel, t0), [Effect::CancelPayment { id: "pay-1".into() }]);
    visit.step(Event::PaymentCancelled { id: "pay-1".into() }, t0);
    let PickupStage::Entering { problem, .. } = stage(&visit) else { panic!() };
    assert_eq!(problem, &Some(PickupProblem::PaymentCancelled));

    // The customer's bank was quicker than the cancel.
    let (mut visit, _) = unpaid_found(t0);
    visit.step(Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 15_000) }, t0);
    visit.step(Event::Cancel, t0);
    let effects = visit.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    assert!(
        matches!(&effects[..], [Effect::OpenCompartment { payment_id: Some(id), .. }] if id == "pay-1")
    );
}

#[test]
fn an_order_above_the_qris_limit_is_not_asked_for() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    visit.step(Event::Scanned { code: "SWP1.abc".into() }, t0);
    let order = FoundOrder {
        order_id: "ORD-2".into(),
        compartment: 1,
        paid: false,
        total: Rupiah(10_000_001),
    };
    assert!(visit.step(Event::PickupFound { order }, t0).is_empty());
    assert_eq!(pay_stage(&visit), &PayStage::Failed { failure: Failure::OverLimit });
    assert!(visit.step(Event::PayAgain, t0).is_empty(), "no second try at the same refusal");
    visit.step(Event::BackToCart, t0);
    assert!(matches!(stage(&visit), PickupStage::Entering { problem: None, .. }));
}
