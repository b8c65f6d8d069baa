//! The payment screen: retries with one key, expiry, failures, cancels
//! without the central, and customer-presented codes.

use super::*;

/// The customer-presented code of `../shared/samples/qris/cpm.tsv`.
const WALLET_CODE: &str = concat!(
    "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3QbY2hl",
    "cXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0"
);

fn ms(t0: Instant, millis: u64) -> Instant {
    t0 + Duration::from_millis(millis)
}

fn stage(v: &Visit) -> &PayStage {
    match v.state() {
        State::Paying { stage, .. } => stage,
        other => panic!("not paying: {other:?}"),
    }
}

fn attempt(v: &Visit) -> &str {
    match v.state() {
        State::Paying { attempt, .. } => attempt,
        other => panic!("not paying: {other:?}"),
    }
}

fn unreachable(attempt: &str) -> Event {
    Event::PaymentNotCreated { attempt: attempt.into(), why: NotCreated::Unreachable }
}

fn create(attempt: &str) -> Effect {
    Effect::CreatePayment {
        attempt: attempt.into(),
        cart: cart_for_12_500(),
        amount: Rupiah(12_500),
        checkout: plain_checkout(12_500),
    }
}

/// The cart of [`scanning_with_items`]: two Indomie, one Teh Botol.
fn cart_for_12_500() -> Cart {
    let mut cart = Cart::new();
    for p in [indomie(), indomie(), teh()] {
        cart.add(&p).unwrap();
    }
    cart
}

/// A visit with the code of `pay-1` (expiring at t0 + 300 s) on screen.
fn code_on_screen(t0: Instant) -> Visit {
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    assert_eq!(v.step(created(t0), t0), vec![Effect::WatchPayment { id: "pay-1".into() }]);
    v
}

#[test]
fn an_unreachable_central_is_asked_again_with_the_same_key() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    assert_eq!(v.step(Event::Pay, t0), vec![create("k-1")]);

    // First failure: the next try one second later, not before.
    assert_eq!(v.step(unreachable("k-1"), t0), vec![]);
    assert!(matches!(stage(&v), PayStage::Connecting { tries: 1, .. }));
    assert_eq!(v.step(Event::Tick, ms(t0, 999)), vec![]);
    assert_eq!(v.step(Event::Tick, at(t0, 1)), vec![create("k-1")]);
    assert!(matches!(stage(&v), PayStage::Creating { tries: 2, .. }));

    // Second failure at 1 s: two seconds' pause, the same key again.
    v.step(unreachable("k-1"), at(t0, 1));
    assert_eq!(v.step(Event::Tick, ms(t0, 2_999)), vec![]);
    assert_eq!(v.step(Event::Tick, at(t0, 3)), vec![create("k-1")]);

    // The central answers: the one payment of the attempt is on screen.
    v.step(created(t0), at(t0, 4));
    assert!(matches!(stage(&v), PayStage::Pending { payment, .. } if payment.id == "pay-1"));
    assert_eq!(attempt(&v), "k-1");
}

#[test]
fn connecting_gives_up_after_a_minute_and_the_attempt_with_it() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    // Pauses 1, 2, 4, 8, 8... from the first failure at 0 s: tries fail at
    // 0, 1, 3, 7, 15, 23, 31, 39, 47 and 55 s; the tenth would go at 63 s,
    // past the 60 s of patience.
    for secs in [0, 1, 3, 7, 15, 23, 31, 39, 47] {
        assert_eq!(v.step(unreachable("k-1"), at(t0, secs)), vec![], "failure at {secs} s");
        let PayStage::Connecting { retry_at, .. } = stage(&v).clone() else {
            panic!("not connecting after the failure at {secs} s");
        };
        assert_eq!(v.step(Event::Tick, retry_at), vec![create("k-1")]);
    }
    let effects = v.step(unreachable("k-1"), at(t0, 55));
    assert_eq!(effects, vec![Effect::GiveUpPayment { attempt: "k-1".into() }]);
    assert_eq!(stage(&v), &PayStage::Failed { failure: Failure::Unreachable });

    // Trying again is a new attempt with a new key.
    assert_eq!(v.step(Event::PayAgain, at(t0, 56)), vec![create("k-2")]);
}

#[test]
fn cancel_while_connecting_gives_the_attempt_up() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(unreachable("k-1"), t0);
    assert_eq!(v.step(Event::Cancel, t0), vec![Effect::GiveUpPayment { attempt: "k-1".into() }]);
    assert!(matches!(v.state(), State::Scanning { notice: None, .. }));
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn an_answer_for_an_older_attempt_is_never_shown() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(Event::Cancel, t0);
    v.step(Event::Pay, t0);
    assert_eq!(attempt(&v), "k-2");

    // k-1's late answer: cancelled and given up; k-2 still waits.
    let effects = v.step(created(t0), t0);
    assert_eq!(
        effects,
        vec![
            Effect::GiveUpPayment { attempt: "k-1".into() },
            Effect::CancelPayment { id: "pay-1".into() }
        ]
    );
    assert!(matches!(stage(&v), PayStage::Creating { tries: 1, .. }));
    // A failure of k-1 that may have made a payment is given up too.
    assert_eq!(
        v.step(unreachable("k-1"), t0),
        vec![Effect::GiveUpPayment { attempt: "k-1".into() }]
    );
    assert!(matches!(stage(&v), PayStage::Creating { .. }));
}

#[test]
fn a_refusal_shows_the_central_reason_and_offers_another_try() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    let why = NotCreated::Refused { message: "merchant suspended".into() };
    assert_eq!(v.step(Event::PaymentNotCreated { attempt: "k-1".into(), why }, t0), vec![]);
    assert_eq!(
        stage(&v),
        &PayStage::Failed { failure: Failure::Refused { message: "merchant suspended".into() } }
    );
    assert_eq!(v.step(Event::PayAgain, t0), vec![create("k-2")]);
}

#[test]
fn a_cart_above_the_qris_limit_fails_before_any_payment() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.step(Event::Start, t0);
    let gold = Product {
        barcode: "8990000000017".into(),
        name: "Emas".into(),
        price: Rupiah(5_000_001),
        category: None,
        restriction: Default::default(),
    };
    v.step(Event::ProductFound { product: gold.clone() }, t0);
    v.step(Event::ProductFound { product: gold }, t0);
    // 2 x 5.000.001 = 10.000.002, two rupiah above Rp 10.000.000.
    assert_eq!(v.step(Event::Pay, t0), vec![]);
    assert_eq!(stage(&v), &PayStage::Failed { failure: Failure::OverLimit });
    // Asking again would fail again: only the way back is offered.
    assert_eq!(v.step(Event::PayAgain, t0), vec![]);
    v.step(Event::BackToCart, t0);
    assert_eq!(cart_of(&v).total(), Rupiah(10_000_002));
    assert!(matches!(v.state(), State::Scanning { .. }));
}

#[test]
fn the_code_leaves_the_screen_at_zero_and_a_new_one_needs_the_centrals_word() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    assert_eq!(v.step(Event::Tick, ms(t0, 299_999)), vec![]);
    assert!(matches!(stage(&v), PayStage::Pending { .. }));
    v.step(Event::Tick, at(t0, 300));
    assert!(matches!(stage(&v), PayStage::Expired { check: ExpiryCheck::Checking, .. }));
    // The shopper may have paid at the last second: no new code yet.
    assert_eq!(v.step(Event::PayAgain, at(t0, 300)), vec![]);
    assert_eq!(v.step(Event::BackToCart, at(t0, 300)), vec![]);
    assert!(matches!(stage(&v), PayStage::Expired { .. }));

    v.step(Event::PaymentExpired { id: "pay-1".into() }, at(t0, 301));
    assert!(matches!(stage(&v), PayStage::Expired { check: ExpiryCheck::Confirmed, .. }));
    // A new code for the same cart is a new attempt.
    assert_eq!(v.step(Event::PayAgain, at(t0, 305)), vec![create("k-2")]);
    assert_eq!(attempt(&v), "k-2");
}

#[test]
fn the_central_saying_expired_before_the_kiosk_clock_ends_the_code_too() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::PaymentExpired { id: "pay-0".into() }, at(t0, 299));
    assert!(matches!(stage(&v), PayStage::Pending { .. }), "another payment's report");
    v.step(Event::PaymentExpired { id: "pay-1".into() }, at(t0, 299));
    assert!(matches!(stage(&v), PayStage::Expired { check: ExpiryCheck::Confirmed, .. }));
    v.step(Event::BackToCart, at(t0, 300));
    assert_eq!(v.notice(), None);
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn a_payment_made_at_the_last_second_still_becomes_the_sale() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::Tick, at(t0, 300));
    let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, at(t0, 302));
    assert!(matches!(&effects[..], [Effect::RecordSale { payment, .. }] if payment.id == "pay-1"));
}

#[test]
fn a_silent_central_past_the_expiry_gets_the_payment_given_up() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::Connectivity { online: false }, at(t0, 100));
    v.step(Event::Tick, at(t0, 300));
    // 300 s + 30 s of grace.
    assert_eq!(v.step(Event::Tick, ms(t0, 329_999)), vec![]);
    let effects = v.step(Event::Tick, at(t0, 330));
    assert_eq!(effects, vec![Effect::GiveUpPayment { attempt: "k-1".into() }]);
    assert!(matches!(stage(&v), PayStage::Expired { check: ExpiryCheck::Unknown, .. }));

    // Back to the cart; a payment that turns out paid later is no sale.
    v.step(Event::BackToCart, at(t0, 331));
    assert_eq!(v.step(Event::PaymentPaid { id: "pay-1".into() }, at(t0, 340)), vec![]);
    assert!(matches!(v.state(), State::Scanning { .. }));
}

#[test]
fn an_expired_code_idles_out_a_whole_timeout_after_it_appears() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    assert_eq!(v.idle_left(at(t0, 200)), None);
    v.step(Event::Tick, at(t0, 300));
    assert_eq!(v.idle_left(at(t0, 300)), None, "not while the central is asked");
    v.step(Event::PaymentExpired { id: "pay-1".into() }, at(t0, 301));
    // 301 s + 60 s idle timeout.
    assert_eq!(v.step(Event::Tick, at(t0, 360)), vec![]);
    assert_eq!(v.step(Event::Tick, at(t0, 361)), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}

#[test]
fn a_wallet_code_scanned_on_the_payment_screen_pays_it() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    let effects = v.step(Event::Scanned { code: WALLET_CODE.into() }, at(t0, 20));
    assert_eq!(
        effects,
        vec![Effect::ChargeCustomerCode { id: "pay-1".into(), code: WALLET_CODE.into() }]
    );
    assert!(matches!(stage(&v), PayStage::Charging { .. }));
    // A second scan while charging does nothing.
    assert_eq!(v.step(Event::Scanned { code: WALLET_CODE.into() }, at(t0, 21)), vec![]);

    let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, at(t0, 22));
    assert!(matches!(&effects[..], [Effect::RecordSale { payment, .. }] if payment.id == "pay-1"));
}

#[test]
fn product_codes_and_late_wallet_codes_on_the_payment_screen_are_ignored() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    assert_eq!(v.step(Event::Scanned { code: indomie().barcode }, at(t0, 20)), vec![]);
    assert!(matches!(stage(&v), PayStage::Pending { .. }));
    // At 300 s the code is gone from screen, even before the next tick.
    assert_eq!(v.step(Event::Scanned { code: WALLET_CODE.into() }, at(t0, 300)), vec![]);
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn a_refused_wallet_code_keeps_the_qr_and_says_why() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::Scanned { code: WALLET_CODE.into() }, at(t0, 20));
    let why = CodeProblem::Refused { message: "not a customer-presented code".into() };
    v.step(Event::CodeNotCharged { id: "pay-1".into(), why: why.clone() }, at(t0, 21));
    assert!(matches!(stage(&v), PayStage::Pending { problem: Some(p), .. } if *p == why));
    // The central did not answer: still pending; the watch would see a
    // charge that went through.
    v.step(Event::Scanned { code: WALLET_CODE.into() }, at(t0, 30));
    let why = CodeProblem::NoAnswer;
    v.step(Event::CodeNotCharged { id: "pay-1".into(), why }, at(t0, 31));
    assert!(matches!(stage(&v), PayStage::Pending { problem: Some(CodeProblem::NoAnswer), .. }));
    let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, at(t0, 32));
    assert!(matches!(&effects[..], [Effect::RecordSale { .. }]));
}

#[test]
fn a_declined_payment_says_so_and_offers_a_new_code() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::Scanned { code: WALLET_CODE.into() }, at(t0, 20));
    v.step(Event::PaymentFailed { id: "pay-1".into() }, at(t0, 21));
    assert_eq!(stage(&v), &PayStage::Failed { failure: Failure::Declined });
    assert!(v.idle_left(at(t0, 21)).is_some(), "a failure screen idles out");
    assert_eq!(v.step(Event::PayAgain, at(t0, 25)), vec![create("k-2")]);
}

#[test]
fn a_cancel_the_central_never_heard_gives_the_payment_up() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::Cancel, at(t0, 10));
    let effects = v.step(Event::CancelUnconfirmed { id: "pay-1".into() }, at(t0, 15));
    assert_eq!(effects, vec![Effect::GiveUpPayment { attempt: "k-1".into() }]);
    assert_eq!(v.notice(), Some(Notice::CancelUnconfirmed));
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn cancelling_a_payment_the_central_already_expired_returns_to_the_cart() {
    let t0 = Instant::now();
    let mut v = code_on_screen(t0);
    v.step(Event::Cancel, at(t0, 10));
    v.step(Event::PaymentExpired { id: "pay-1".into() }, at(t0, 11));
    assert_eq!(v.notice(), Some(Notice::PaymentExpired));
}
