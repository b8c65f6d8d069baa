//! The visit state machine, step by step, with hand-picked instants.

use super::*;
use crate::domain::Product;
use crate::domain::cart::{Line, MAX_QTY};

const IDLE: Duration = Duration::from_secs(60);
/// The key prefix of the visits under test: attempts are `k-1`, `k-2`...
const PREFIX: &str = "k";

fn indomie() -> Product {
    Product {
        barcode: "8998866200301".into(),
        name: "Indomie Goreng 85 g".into(),
        price: Rupiah(3_500),
        category: None,
        restriction: Default::default(),
    }
}

fn teh() -> Product {
    Product {
        barcode: "8996001600146".into(),
        name: "Teh Botol Sosro 450 ml".into(),
        price: Rupiah(5_500),
        category: None,
        restriction: Default::default(),
    }
}

fn payment(t0: Instant, amount: i64) -> Payment {
    Payment {
        id: "pay-1".into(),
        qris: "000201".into(),
        amount: Rupiah(amount),
        expires_at: t0 + Duration::from_secs(300),
    }
}

fn at(t0: Instant, secs: u64) -> Instant {
    t0 + Duration::from_secs(secs)
}

/// A visit on the scanning screen with two Indomie and one Teh Botol.
fn scanning_with_items(t0: Instant) -> Visit {
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.step(Event::Start, t0);
    for p in [indomie(), indomie(), teh()] {
        assert_eq!(
            v.step(Event::Scanned { code: p.barcode.clone() }, t0),
            vec![Effect::LookUp { code: p.barcode.clone() }]
        );
        v.step(Event::ProductFound { product: p }, t0);
    }
    v
}

/// The central's answer to the first attempt's create.
fn created(t0: Instant) -> Event {
    Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 12_500) }
}

fn cart_of(v: &Visit) -> &Cart {
    match v.state() {
        State::Scanning { cart, .. } | State::Paying { cart, .. } => cart,
        other => panic!("no cart in {other:?}"),
    }
}

/// What a cart of `total` at shelf prices, for nobody in particular,
/// carries to the central.
fn plain_checkout(total: i64) -> Checkout {
    let total = Rupiah(total);
    Checkout {
        bill: Bill { subtotal: total, total, to_pay: total, ..Bill::default() },
        ..Checkout::default()
    }
}

mod approval;
mod idle;
mod omni;
mod paying;
mod pickup;
mod produce;
mod returns;

#[test]
fn scans_fill_the_cart_and_pay_asks_for_the_total() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    // 2 x 3.500 + 5.500 = 12.500
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
    assert_eq!(cart_of(&v).lines()[0].qty, 2);

    let effects = v.step(Event::Pay, t0);
    assert_eq!(
        effects,
        vec![Effect::CreatePayment {
            attempt: "k-1".into(),
            cart: cart_of(&v).clone(),
            amount: Rupiah(12_500),
            checkout: plain_checkout(12_500),
        }]
    );
    assert!(matches!(v.state(), State::Paying { stage: PayStage::Creating { .. }, .. }));
}

#[test]
fn whole_visit_ends_with_a_receipt_and_no_cart() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    let effects = v.step(created(t0), t0);
    assert_eq!(effects, vec![Effect::WatchPayment { id: "pay-1".into() }]);

    assert_eq!(
        v.step(Event::SimulatePaid, t0),
        vec![Effect::SimulatePayment { id: "pay-1".into() }]
    );
    let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    assert!(matches!(&effects[..], [Effect::RecordSale { payment, .. }] if payment.id == "pay-1"));

    let recorded = Event::SaleRecorded {
        transaction_id: Some("trx-9".into()),
        url: Some("http://r/9".into()),
    };
    v.step(recorded, t0);
    assert_eq!(
        v.state(),
        &State::Done {
            receipt: Receipt {
                transaction_id: Some("trx-9".into()),
                url: Some("http://r/9".into()),
                total: Rupiah(12_500),
                points_redeemed: 0,
                points_earned: 0,
            }
        }
    );
    assert_eq!(v.step(Event::Finish, t0), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}

#[test]
fn unknown_code_says_so_and_adds_nothing() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Scanned { code: "8990000000000".into() }, t0);
    v.step(Event::ProductNotFound { code: "8990000000000".into() }, t0);
    assert_eq!(v.notice(), Some(Notice::NotFound { code: "8990000000000".into() }));
    assert_eq!(cart_of(&v).item_count(), 3);
    // The next scan clears the notice.
    v.step(Event::Scanned { code: indomie().barcode }, t0);
    assert_eq!(v.notice(), None);
}

#[test]
fn a_scan_on_the_welcome_screen_starts_the_visit_with_it() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    let effects = v.step(Event::Scanned { code: indomie().barcode }, t0);
    assert_eq!(effects, vec![Effect::LookUp { code: indomie().barcode }]);
    v.step(Event::ProductFound { product: indomie() }, t0);
    assert_eq!(cart_of(&v).item_count(), 1);
}

#[test]
fn a_change_to_the_cart_clears_an_old_notice() {
    let t0 = Instant::now();
    for change in [
        Event::Increment { barcode: teh().barcode },
        Event::Decrement { barcode: teh().barcode },
        Event::Remove { barcode: teh().barcode },
    ] {
        let mut v = scanning_with_items(t0);
        v.step(Event::ProductNotFound { code: "8990000000000".into() }, t0);
        assert!(v.notice().is_some());
        v.step(change, t0);
        assert_eq!(v.notice(), None);
    }
}

#[test]
fn plus_minus_and_remove_change_the_lines() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Increment { barcode: teh().barcode }, t0);
    // 2 x 3.500 + 2 x 5.500 = 18.000
    assert_eq!(cart_of(&v).total(), Rupiah(18_000));
    v.step(Event::Decrement { barcode: indomie().barcode }, t0);
    v.step(Event::Decrement { barcode: indomie().barcode }, t0);
    // Indomie is gone: 2 x 5.500 = 11.000
    assert_eq!(cart_of(&v).lines().len(), 1);
    assert_eq!(cart_of(&v).total(), Rupiah(11_000));
    v.step(Event::Remove { barcode: teh().barcode }, t0);
    assert!(cart_of(&v).is_empty());
    // An empty cart cannot be paid for.
    assert_eq!(v.step(Event::Pay, t0), vec![]);
    assert!(matches!(v.state(), State::Scanning { .. }));
}

#[test]
fn line_limit_is_a_notice_not_an_error() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.step(Event::Start, t0);
    for _ in 0..MAX_QTY {
        v.step(Event::ProductFound { product: indomie() }, t0);
    }
    v.step(Event::ProductFound { product: indomie() }, t0);
    assert_eq!(v.notice(), Some(Notice::TooMany { name: "Indomie Goreng 85 g".into() }));
    assert_eq!(cart_of(&v).lines()[0].qty, 99);
}

#[test]
fn offline_kiosk_still_scans_and_says_payment_is_unavailable() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Connectivity { online: false }, t0);
    assert_eq!(v.notice(), Some(Notice::PaymentUnavailable));
    v.step(Event::ProductFound { product: teh() }, t0);
    assert_eq!(cart_of(&v).item_count(), 4);
}

#[test]
fn idle_scanning_returns_to_welcome_and_forgets_the_cart() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Touch, at(t0, 30));
    assert_eq!(v.idle_left(at(t0, 50)), Some(Duration::from_secs(40)));
    assert_eq!(v.step(Event::Tick, at(t0, 89)), vec![]);
    assert!(matches!(v.state(), State::Scanning { .. }));
    // 30 s + 60 s idle timeout.
    assert_eq!(v.step(Event::Tick, at(t0, 90)), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}

#[test]
fn never_idles_out_while_a_payment_is_pending() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    assert_eq!(v.step(Event::Tick, at(t0, 600)), vec![]);
    v.step(created(t0), t0);
    // Four minutes without a touch, past the 60 s idle timeout; the code
    // expires at 300 s.
    assert_eq!(v.idle_left(at(t0, 240)), None);
    assert_eq!(v.step(Event::Tick, at(t0, 240)), vec![]);
    assert!(matches!(v.state(), State::Paying { stage: PayStage::Pending { .. }, .. }));
}

#[test]
fn done_screen_idles_back_to_welcome() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(created(t0), t0);
    v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    v.step(Event::SaleRecorded { transaction_id: None, url: None }, at(t0, 10));
    assert_eq!(v.step(Event::Tick, at(t0, 69)), vec![]);
    assert_eq!(v.step(Event::Tick, at(t0, 70)), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}

#[test]
fn cancel_waits_for_the_central_because_the_shopper_may_have_paid() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(created(t0), t0);
    assert_eq!(v.step(Event::Cancel, t0), vec![Effect::CancelPayment { id: "pay-1".into() }]);
    assert!(matches!(v.state(), State::Paying { stage: PayStage::Cancelling { .. }, .. }));

    // The bank was quicker than the cancel: the sale goes through.
    let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    assert!(matches!(&effects[..], [Effect::RecordSale { .. }]));
}

#[test]
fn cancelled_payment_returns_to_the_cart() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(created(t0), t0);
    v.step(Event::Cancel, t0);
    // A report about another payment changes nothing.
    v.step(Event::PaymentCancelled { id: "pay-0".into() }, t0);
    assert!(matches!(v.state(), State::Paying { stage: PayStage::Cancelling { .. }, .. }));
    v.step(Event::PaymentCancelled { id: "pay-1".into() }, t0);
    assert_eq!(v.notice(), Some(Notice::PaymentCancelled));
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn payment_created_after_cancel_is_cancelled_too() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(Event::Cancel, t0);
    assert!(matches!(v.state(), State::Scanning { .. }));
    // It may exist on the central: given up, so it never becomes a sale,
    // and cancelled.
    let effects = v.step(created(t0), t0);
    assert_eq!(
        effects,
        vec![
            Effect::GiveUpPayment { attempt: "k-1".into() },
            Effect::CancelPayment { id: "pay-1".into() }
        ]
    );
}

#[test]
fn scans_on_the_payment_screen_are_ignored() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    assert_eq!(v.step(Event::Scanned { code: indomie().barcode }, t0), vec![]);
    // A lookup that returns after Pay does not change the locked cart.
    v.step(Event::ProductFound { product: indomie() }, t0);
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn keypad_digits_become_one_lookup() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.step(Event::Start, t0);
    for digit in "89912".chars() {
        v.step(Event::KeypadDigit { digit }, t0);
    }
    v.step(Event::KeypadDelete, t0);
    v.step(Event::KeypadDigit { digit: 'x' }, t0);
    assert!(matches!(v.state(), State::Scanning { typed, .. } if typed == "8991"));

    assert_eq!(v.step(Event::KeypadEnter, t0), vec![Effect::LookUp { code: "8991".into() }]);
    assert!(matches!(v.state(), State::Scanning { typed, .. } if typed.is_empty()));
    assert_eq!(v.step(Event::KeypadEnter, t0), vec![]);

    for _ in 0..20 {
        v.step(Event::KeypadDigit { digit: '9' }, t0);
    }
    assert!(matches!(v.state(), State::Scanning { typed, .. } if typed.len() == 14));
}

#[test]
fn a_weighed_label_adds_its_package_and_a_misread_one_adds_nothing() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    // Cabai, 482 g at Rp 80.000 per kg: Rp 38.560, as the worker found it.
    let cabai = Product {
        barcode: "2300101004821".into(),
        name: "Cabai Merah Keriting".into(),
        price: Rupiah(38_560),
        category: None,
        restriction: Default::default(),
    };
    let measure = crate::domain::variable::Measure::WeightG(482);
    v.step(Event::MeasuredFound { product: cabai, measure }, t0);
    let lines = cart_of(&v).lines().to_vec();
    assert_eq!(lines.len(), 3);
    assert_eq!((lines[2].barcode.as_str(), lines[2].measure), ("2300101004821", Some(measure)));
    // 2 x 3.500 + 5.500 + 38.560
    assert_eq!(cart_of(&v).total(), Rupiah(51_060));

    v.step(Event::CodeRefused { code: "2112345212500".into() }, t0);
    assert_eq!(v.notice(), Some(Notice::CodeRefused { code: "2112345212500".into() }));
    assert_eq!(cart_of(&v).item_count(), 4);
}
