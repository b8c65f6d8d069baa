//! What the payment screen and the idle warning show.

use std::time::{Duration, Instant};

use slint::{Rgb8Pixel, SharedPixelBuffer};

use crate::domain::qris::{Merchant, dynamic_payload};
use crate::domain::visit::{Event, Payment, Visit};
use crate::domain::{Product, Rupiah};
use crate::kiosk::ui;
use crate::kiosk::view::{IdleView, Qr, View};

fn draw(payload: &str) -> Option<Qr> {
    Some(Qr { payload: payload.to_owned(), pixels: SharedPixelBuffer::<Rgb8Pixel>::new(1, 1) })
}

fn product(price: i64) -> Product {
    Product {
        barcode: "8991508000406".into(),
        name: "Indomie Goreng 85 g".into(),
        price: Rupiah(price),
        category: None,
        restriction: Default::default(),
    }
}

/// A merchant other than the demo's, so nothing is taken from elsewhere.
fn merchant() -> Merchant {
    Merchant {
        acquirer_domain: "ID.CO.BANKCONTOH.WWW".into(),
        merchant_pan: "936001230000004567".into(),
        merchant_id: "BCX000000004567".into(),
        nmid: "ID2021998877665".into(),
        criteria: "UKE".into(),
        mcc: "5411".into(),
        name: "Toko Sumber Rejeki".into(),
        city: "BANDUNG".into(),
        postal_code: "40115".into(),
    }
}

/// Two items at Rp 3.500 on the cart screen, then a code for them that
/// expires 180 s after t0.
fn paying(t0: Instant) -> Visit {
    let mut v = Visit::new(Duration::from_secs(60), "k", t0);
    v.step(Event::Start, t0);
    v.step(Event::ProductFound { product: product(3_500) }, t0);
    v.step(Event::ProductFound { product: product(3_500) }, t0);
    v.step(Event::Pay, t0);
    let payment = Payment {
        id: "pay-1".into(),
        qris: dynamic_payload(&merchant(), Rupiah(7_000), "k-1").unwrap(),
        amount: Rupiah(7_000),
        expires_at: t0 + Duration::from_secs(180),
    };
    v.step(Event::PaymentCreated { attempt: "k-1".into(), payment }, t0);
    v
}

#[test]
fn the_payment_screen_names_the_merchant_and_nmid_of_the_code_shown() {
    let t0 = Instant::now();
    let v = paying(t0);
    let view = View::of(&v, t0, true, &mut draw);
    assert_eq!(view.merchant_name, "Toko Sumber Rejeki");
    assert_eq!(view.nmid, "ID2021998877665");
    // The amount is the cart's total: two at Rp 3.500.
    assert_eq!((view.amount.as_str(), view.total.as_str()), ("Rp 7.000", "Rp 7.000"));
    // The countdown is the expiry's: 180 s, then 180 - 61.
    assert_eq!(view.seconds_left, 180);
    assert_eq!(View::of(&v, t0 + Duration::from_secs(61), true, &mut draw).seconds_left, 119);
}

#[test]
fn at_zero_the_code_and_its_merchant_leave_the_screen() {
    let t0 = Instant::now();
    let mut v = paying(t0);
    v.step(Event::Tick, t0 + Duration::from_secs(180));
    let view = View::of(&v, t0 + Duration::from_secs(180), true, &mut draw);
    assert_eq!(view.seconds_left, 0);
    assert!(view.payment_qr.is_none());
    assert_eq!((view.merchant_name.as_str(), view.nmid.as_str()), ("", ""));
}

#[test]
fn a_cart_above_the_qris_limit_shows_why_it_cannot_be_paid() {
    let t0 = Instant::now();
    let mut v = Visit::new(Duration::from_secs(60), "k", t0);
    v.step(Event::Start, t0);
    // Rp 5.000.001 twice: Rp 10.000.002, Rp 2 above the limit.
    v.step(Event::ProductFound { product: product(5_000_001) }, t0);
    v.step(Event::ProductFound { product: product(5_000_001) }, t0);
    assert!(v.step(Event::Pay, t0).is_empty(), "a payment was asked for");
    let view = View::of(&v, t0, true, &mut draw);
    assert_eq!(view.screen, ui::Screen::Payment);
    assert_eq!((view.pay_stage, view.problem), (ui::PayStage::Failed, ui::PayProblem::OverLimit));
    assert_eq!(view.notice, ui::Notice::None, "not the generic notice");
}

#[test]
fn the_idle_warning_counts_down_the_last_twenty_seconds() {
    let t0 = Instant::now();
    let mut v = Visit::new(Duration::from_secs(60), "k", t0);
    v.step(Event::Start, t0);
    let at = |s| t0 + Duration::from_millis(s);
    assert_eq!(View::of(&v, at(39_000), true, &mut draw).idle, IdleView::default());
    let warned = |seconds_left, more_time| IdleView { warning: true, seconds_left, more_time };
    assert_eq!(View::of(&v, at(40_000), true, &mut draw).idle, warned(20, true));
    // 0.4 s left is still a second on screen, never a 0 that stays.
    assert_eq!(View::of(&v, at(59_600), true, &mut draw).idle, warned(1, true));
    // While the code is on screen, no warning whatever the time.
    let v = paying(t0);
    assert_eq!(View::of(&v, at(170_000), true, &mut draw).idle, IdleView::default());
}
