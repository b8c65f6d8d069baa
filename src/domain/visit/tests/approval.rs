//! Age-restricted items in a visit: Pay opens the staff approval panel,
//! the PIN is checked by the runtime, tobacco never enters the cart.

use super::*;
use crate::domain::restricted::Restriction;

fn bintang() -> Product {
    Product {
        barcode: "8991878000075".into(),
        name: "Bintang Pilsener 620 ml".into(),
        price: Rupiah(38_500),
        category: Some("minuman-beralkohol".into()),
        restriction: Restriction::Age21,
    }
}

fn anker() -> Product {
    Product {
        barcode: "8991878000174".into(),
        name: "Anker Bir Kaleng 330 ml".into(),
        price: Rupiah(21_500),
        category: Some("minuman-beralkohol".into()),
        restriction: Restriction::Age21,
    }
}

fn sampoerna() -> Product {
    Product {
        barcode: "8991915000075".into(),
        name: "Sampoerna Mild 16 batang".into(),
        price: Rupiah(35_500),
        category: Some("rokok".into()),
        restriction: Restriction::Tobacco,
    }
}

fn add(v: &mut Visit, p: Product, t: Instant) {
    v.step(Event::Scanned { code: p.barcode.clone() }, t);
    v.step(Event::ProductFound { product: p }, t);
}

fn approval(v: &Visit) -> &Approval {
    match v.state() {
        State::Scanning { panel: Panel::Approval(a), .. } => a,
        other => panic!("no approval panel in {other:?}"),
    }
}

fn type_pin(v: &mut Visit, pin: &str, t: Instant) -> Vec<Effect> {
    for d in pin.chars() {
        v.step(Event::StaffPinDigit { digit: d }, t);
    }
    v.step(Event::StaffPinEnter, t)
}

#[test]
fn pay_with_an_unapproved_beer_opens_the_panel_and_makes_no_payment() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, bintang(), t0);
    assert_eq!(v.step(Event::Pay, t0), vec![]);
    let a = approval(&v);
    assert_eq!(
        a.items,
        [ToApprove {
            barcode: "8991878000075".into(),
            name: "Bintang Pilsener 620 ml".into(),
            qty: 1
        }]
    );
    // No attempt was used: the first payment is still k-1.
    assert_eq!(v.next_attempt_key(), "k-1");
}

#[test]
fn the_right_pin_approves_and_the_payment_starts() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, bintang(), t0);
    add(&mut v, bintang(), t0);
    v.step(Event::Pay, t0);
    let effects = type_pin(&mut v, "2468", t0);
    let items = vec![ToApprove {
        barcode: "8991878000075".into(),
        name: "Bintang Pilsener 620 ml".into(),
        qty: 2,
    }];
    assert_eq!(
        effects,
        vec![Effect::ApproveRestricted { pin: Pin::new("2468"), items, attempt: "k-1".into() }]
    );
    // The PIN left the panel with the effect; only "checking" shows.
    assert!(approval(&v).pin.is_empty() && approval(&v).checking);
    let effects = v.step(Event::Approved { staff: "Rina Wulandari".into() }, t0);
    // 2 x 3.500 + 5.500 + 2 x 38.500
    let total = 89_500;
    let State::Paying { cart, attempt, .. } = v.state() else { panic!("{:?}", v.state()) };
    assert_eq!(attempt, "k-1");
    assert_eq!(cart.lines()[2].approved, 2);
    assert!(matches!(
        &effects[..],
        [Effect::CreatePayment { attempt, amount, .. }] if attempt == "k-1" && amount.0 == total
    ));
}

#[test]
fn a_wrong_pin_says_so_and_the_panel_stays() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, bintang(), t0);
    v.step(Event::Pay, t0);
    type_pin(&mut v, "1111", t0);
    let why = ApprovalProblem::WrongPin { left: 4 };
    assert_eq!(v.step(Event::ApprovalRefused { why: why.clone() }, t0), vec![]);
    assert_eq!(approval(&v).problem, Some(why));
    assert!(!approval(&v).checking);
    // Pay again asks again; the cart is still not payable.
    assert_eq!(v.step(Event::Pay, t0), vec![]);
    assert!(matches!(v.state(), State::Scanning { panel: Panel::Approval(_), .. }));
    // Closing the panel goes back to the cart, still unapproved.
    v.step(Event::ClosePanel, t0);
    assert!(matches!(v.state(), State::Scanning { panel: Panel::None, .. }));
    assert_eq!(cart_of(&v).lines()[2].approved, 0);
}

#[test]
fn a_short_pin_is_not_sent() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, bintang(), t0);
    v.step(Event::Pay, t0);
    assert_eq!(type_pin(&mut v, "123", t0), vec![]);
    assert_eq!(approval(&v).pin.len(), 3);
    v.step(Event::StaffPinDelete, t0);
    assert_eq!(approval(&v).pin.len(), 2);
}

#[test]
fn another_restricted_item_after_approval_needs_approval_again() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, bintang(), t0);
    v.step(Event::Pay, t0);
    type_pin(&mut v, "2468", t0);
    v.step(Event::Approved { staff: "Rina".into() }, t0);
    // The shopper cancels the code and adds a can of Anker.
    v.step(Event::Cancel, t0);
    assert!(matches!(v.state(), State::Scanning { .. }));
    add(&mut v, anker(), t0);
    assert_eq!(v.step(Event::Pay, t0), vec![]);
    let names: Vec<_> = approval(&v).items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Anker Bir Kaleng 330 ml"]);
    // The next attempt is k-2: k-1 was the cancelled one.
    let effects = type_pin(&mut v, "2468", t0);
    assert!(
        matches!(&effects[..], [Effect::ApproveRestricted { attempt, .. }] if attempt == "k-2")
    );
}

#[test]
fn a_cart_changed_while_the_pin_is_checked_is_asked_about_again() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, bintang(), t0);
    v.step(Event::Pay, t0);
    type_pin(&mut v, "2468", t0);
    // A second Bintang arrives from the scanner while the PIN is checked.
    v.step(Event::ProductFound { product: bintang() }, t0);
    assert_eq!(v.step(Event::Approved { staff: "Rina".into() }, t0), vec![]);
    assert_eq!(approval(&v).items[0].qty, 2);
    assert_eq!(cart_of(&v).lines()[2].approved, 1);
}

#[test]
fn tobacco_is_refused_and_never_enters_the_cart() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    add(&mut v, sampoerna(), t0);
    assert_eq!(cart_of(&v).lines().len(), 2);
    assert_eq!(
        v.notice(),
        Some(Notice::TobaccoRefused { name: "Sampoerna Mild 16 batang".into() })
    );
    // A visit started by scanning it has an empty cart.
    let mut w = Visit::new(IDLE, PREFIX, t0);
    add(&mut w, sampoerna(), t0);
    assert!(cart_of(&w).is_empty());
}

#[test]
fn a_pin_is_never_in_a_debug_print() {
    let effect =
        Effect::ApproveRestricted { pin: Pin::new("2468"), items: vec![], attempt: "k-1".into() };
    let text = format!("{effect:?}");
    assert!(!text.contains("2468"), "{text}");
    assert!(text.contains("Pin(4 digits)"), "{text}");
}
