//! The omnichannel cart screen: the member, vouchers, points, carts from
//! and to the phone, an item's stock and recommendations. Prices come from
//! a hand-written pricer whose every figure is worked out below.

use super::*;

const INDOMIE: &str = "8998866200301";
const TEH: &str = "8996001600146";

/// Indomie two for Rp 6.000 (Rp 1.000 off each pair of Rp 3.500), voucher
/// HEMAT5 Rp 500 off a subtotal of at least Rp 10.000, and points per full
/// Rp 1.000 paid: silver 1, gold 2, platinum 3.
fn pricer() -> Pricer {
    Pricer::new(|cart, shopper| {
        let subtotal = cart.total();
        let mut discounts = vec![];
        let pairs = cart.lines().iter().find(|l| l.barcode == INDOMIE).map_or(0, |l| l.qty / 2);
        if pairs > 0 {
            discounts.push(("Indomie 2 for Rp 6.000".to_owned(), Rupiah(1_000 * i64::from(pairs))));
        }
        let mut unused_vouchers = vec![];
        for v in &shopper.vouchers {
            if v == "HEMAT5" && subtotal >= Rupiah(10_000) {
                discounts.push(("Voucher HEMAT5".to_owned(), Rupiah(500)));
            } else {
                unused_vouchers.push(v.clone());
            }
        }
        let total = Rupiah(subtotal.0 - discounts.iter().map(|(_, d)| d.0).sum::<i64>());
        let per_thousand = match shopper.member.as_ref().map(|m| m.tier.as_str()) {
            Some("silver") => 1,
            Some("gold") => 2,
            Some("platinum") => 3,
            _ => 0,
        };
        let paid = total.0 - shopper.points_redeemed as i64;
        Totals {
            subtotal,
            discounts,
            promotions: vec![],
            total,
            points_earned: (paid / 1_000) as u64 * per_thousand,
            unused_vouchers,
        }
    })
}

fn siti(points: u64) -> Member {
    Member {
        id: "m-001".into(),
        name: "Siti Rahayu".into(),
        tier: "gold".into(),
        points,
        birthday: None,
    }
}

/// Two Indomie and a Teh Botol (Rp 12.500 at shelf prices), priced.
fn priced(t0: Instant) -> Visit {
    let mut v = scanning_with_items(t0);
    v.set_pricer(pricer());
    v
}

/// [`priced`], with Siti identified by her app's code.
fn with_siti(t0: Instant, points: u64) -> Visit {
    let mut v = priced(t0);
    v.step(Event::Scanned { code: "SWM1.body.sig".into() }, t0);
    v.step(Event::MemberIdentified { member: siti(points) }, t0);
    v
}

fn panel(v: &Visit) -> &Panel {
    match v.state() {
        State::Scanning { panel, .. } => panel,
        other => panic!("not scanning: {other:?}"),
    }
}

fn keypad(v: &Visit) -> (KeypadMode, &str) {
    match v.state() {
        State::Scanning { keypad, typed, .. } => (*keypad, typed),
        other => panic!("not scanning: {other:?}"),
    }
}

#[test]
fn the_bill_lists_the_discounts_and_pay_asks_for_the_discounted_total() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    // 12.500 - 1.000 for the pair of Indomie = 11.500.
    let bill = v.bill().clone();
    assert_eq!(bill.subtotal, Rupiah(12_500));
    assert_eq!(bill.discounts, vec![("Indomie 2 for Rp 6.000".to_owned(), Rupiah(1_000))]);
    assert_eq!((bill.total, bill.to_pay, bill.points_earned), (Rupiah(11_500), Rupiah(11_500), 0));

    let effects = v.step(Event::Pay, t0);
    let [Effect::CreatePayment { amount, checkout, .. }] = &effects[..] else {
        panic!("no payment asked: {effects:?}");
    };
    assert_eq!(*amount, Rupiah(11_500));
    assert_eq!(checkout.bill, bill);
    assert_eq!(checkout.member, None);
}

#[test]
fn a_member_code_identifies_the_member_and_asks_for_recommendations() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    let effects = v.step(Event::Scanned { code: "SWM1.body.sig".into() }, t0);
    assert_eq!(effects, vec![Effect::IdentifyMember { code: "SWM1.body.sig".into() }]);
    assert!(v.identifying());

    let effects = v.step(Event::MemberIdentified { member: siti(5_000) }, t0);
    assert_eq!(
        effects,
        vec![Effect::FetchRecommendations {
            member: "m-001".into(),
            cart: vec![INDOMIE.into(), TEH.into()]
        }]
    );
    assert!(!v.identifying());
    assert_eq!(v.member().map(|m| m.name.as_str()), Some("Siti Rahayu"));
    // Gold: 2 points for each of the 11 full thousands of Rp 11.500.
    assert_eq!(v.bill().points_earned, 22);
    assert_eq!(v.checkout().member.as_deref(), Some("m-001"));
}

#[test]
fn a_member_code_on_the_welcome_screen_starts_the_visit() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    let effects = v.step(Event::Scanned { code: "SWM1.x.y".into() }, t0);
    assert_eq!(effects, vec![Effect::IdentifyMember { code: "SWM1.x.y".into() }]);
    assert!(matches!(v.state(), State::Scanning { .. }));
    v.step(Event::MemberIdentified { member: siti(0) }, t0);
    assert!(v.member().is_some());
}

#[test]
fn a_phone_number_typed_in_member_mode_identifies() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::KeypadDigit { digit: '8' }, t0);
    // A new mode starts afresh.
    v.step(Event::KeypadMode { mode: KeypadMode::Phone }, t0);
    assert_eq!(keypad(&v), (KeypadMode::Phone, ""));
    for digit in "08120000".chars() {
        v.step(Event::KeypadDigit { digit }, t0);
    }
    // Eight digits are fewer than the nine a number needs.
    assert_eq!(v.step(Event::KeypadEnter, t0), vec![]);
    for digit in "0001".chars() {
        v.step(Event::KeypadDigit { digit }, t0);
    }
    let effects = v.step(Event::KeypadEnter, t0);
    assert_eq!(effects, vec![Effect::IdentifyPhone { phone: "081200000001".into() }]);
    // The number leaves the keypad and the keypad goes back to barcodes.
    assert_eq!(keypad(&v), (KeypadMode::Barcode, ""));
    assert!(v.identifying());

    // At most 15 digits.
    v.step(Event::KeypadMode { mode: KeypadMode::Phone }, t0);
    for _ in 0..20 {
        v.step(Event::KeypadDigit { digit: '1' }, t0);
    }
    assert_eq!(keypad(&v).1.len(), 15);
}

#[test]
fn a_member_not_identified_says_why_and_unasked_answers_are_dropped() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    // Nobody asked: no member.
    v.step(Event::MemberIdentified { member: siti(100) }, t0);
    assert_eq!(v.member(), None);

    v.step(Event::Scanned { code: "SWM1.old.sig".into() }, t0);
    v.step(Event::MemberNotIdentified { why: NotIdentified::Expired }, t0);
    assert_eq!(v.notice(), Some(Notice::MemberNotIdentified { why: NotIdentified::Expired }));
    assert!(!v.identifying());
}

#[test]
fn an_identification_answered_while_paying_is_dropped() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::Scanned { code: "SWM1.body.sig".into() }, t0);
    v.step(Event::Pay, t0);
    v.step(Event::MemberIdentified { member: siti(100) }, t0);
    assert_eq!(v.member(), None);
    assert!(!v.identifying(), "the badge would say 'checking' for ever");
}

#[test]
fn points_pay_part_of_the_total_and_earn_on_the_rest() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 5_000);
    v.step(Event::ToggleRedeem, t0);
    assert!(v.redeeming());
    // 11.500 - 5.000 points = 6.500 to pay; gold earns 2 x 6 = 12 points.
    let bill = v.bill();
    assert_eq!((bill.points_redeemed, bill.to_pay, bill.points_earned), (5_000, Rupiah(6_500), 12));

    let effects = v.step(Event::Pay, t0);
    let [Effect::CreatePayment { amount, checkout, .. }] = &effects[..] else {
        panic!("no payment asked: {effects:?}");
    };
    assert_eq!(*amount, Rupiah(6_500));
    assert_eq!(checkout.bill.points_redeemed, 5_000);

    // Paid: the receipt has what was paid and the points.
    v.step(Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 6_500) }, t0);
    let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    assert!(matches!(&effects[..], [Effect::RecordSale { checkout, .. }]
        if checkout.member.as_deref() == Some("m-001") && checkout.bill.to_pay == Rupiah(6_500)));
    v.step(Event::SaleRecorded { transaction_id: None, url: None }, t0);
    let State::Done { receipt } = v.state() else { panic!("not done") };
    assert_eq!(
        (receipt.total, receipt.points_redeemed, receipt.points_earned),
        (Rupiah(6_500), 5_000, 12)
    );
}

#[test]
fn points_never_pay_the_last_rupiah() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 20_000);
    v.step(Event::ToggleRedeem, t0);
    // At most 11.500 - 1 = 11.499 points: Rp 1 is left for QRIS, which
    // earns nothing.
    let bill = v.bill();
    assert_eq!((bill.points_redeemed, bill.to_pay, bill.points_earned), (11_499, Rupiah(1), 0));
    // Off again: the whole total.
    v.step(Event::ToggleRedeem, t0);
    assert_eq!((v.bill().points_redeemed, v.bill().to_pay), (0, Rupiah(11_500)));

    assert_eq!(redeemable(5_000, Rupiah(11_500)), 5_000);
    assert_eq!(redeemable(20_000, Rupiah(11_500)), 11_499);
    assert_eq!(redeemable(10, Rupiah(1)), 0);
    assert_eq!(redeemable(10, Rupiah(0)), 0);
}

#[test]
fn the_redeem_toggle_needs_a_member_with_points() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::ToggleRedeem, t0);
    assert!(!v.redeeming());
    let mut v = with_siti(t0, 0);
    v.step(Event::ToggleRedeem, t0);
    assert!(!v.redeeming());
}

#[test]
fn the_qris_limit_is_checked_on_the_amount_to_pay() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.set_pricer(pricer());
    v.step(Event::Scanned { code: "SWM1.a.b".into() }, t0);
    v.step(Event::MemberIdentified { member: siti(10) }, t0);
    let gold = Product {
        barcode: "8990000000017".into(),
        name: "Emas".into(),
        price: Rupiah(5_000_001),
        category: None,
        restriction: Default::default(),
    };
    v.step(Event::ProductFound { product: gold.clone() }, t0);
    v.step(Event::ProductFound { product: gold }, t0);
    v.step(Event::ToggleRedeem, t0);
    // 10.000.002 - 10 points = 9.999.992, under the Rp 10.000.000 limit.
    let effects = v.step(Event::Pay, t0);
    let asked = |amount: &Rupiah| *amount == Rupiah(9_999_992);
    assert!(
        matches!(&effects[..], [Effect::CreatePayment { amount, .. }] if asked(amount)),
        "{effects:?}"
    );
}

#[test]
fn a_voucher_applies_when_the_pricer_takes_it() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::Scanned { code: "HEMAT5".into() }, t0);
    assert_eq!(v.notice(), Some(Notice::VoucherApplied { code: "HEMAT5".into() }));
    // 11.500 - 500 = 11.000.
    assert_eq!(v.bill().total, Rupiah(11_000));
    assert_eq!(v.checkout().vouchers, vec!["HEMAT5".to_owned()]);

    // A code the pricer does not take is kept but not sent with the payment.
    v.step(Event::Scanned { code: "NOPE-1".into() }, t0);
    assert_eq!(v.notice(), Some(Notice::VoucherNotApplicable { code: "NOPE-1".into() }));
    assert_eq!(v.vouchers(), ["HEMAT5".to_owned(), "NOPE-1".to_owned()]);
    assert_eq!(v.checkout().vouchers, vec!["HEMAT5".to_owned()]);
    assert_eq!(v.bill().total, Rupiah(11_000));
}

#[test]
fn a_voucher_below_its_threshold_applies_once_the_cart_reaches_it() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.set_pricer(pricer());
    v.step(Event::Start, t0);
    v.step(Event::ProductFound { product: teh() }, t0);
    // Rp 5.500 is under the Rp 10.000 HEMAT5 needs.
    v.step(Event::Scanned { code: "HEMAT5".into() }, t0);
    assert_eq!(v.notice(), Some(Notice::VoucherNotApplicable { code: "HEMAT5".into() }));
    assert_eq!(v.bill().total, Rupiah(5_500));
    v.step(Event::ProductFound { product: teh() }, t0);
    // 11.000 - 500 = 10.500.
    assert_eq!(v.bill().total, Rupiah(10_500));
    assert_eq!(v.checkout().vouchers, vec!["HEMAT5".to_owned()]);
}

#[test]
fn a_numeric_voucher_is_typed_in_voucher_mode() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::KeypadMode { mode: KeypadMode::Voucher }, t0);
    for digit in "123456".chars() {
        v.step(Event::KeypadDigit { digit }, t0);
    }
    assert_eq!(v.step(Event::KeypadEnter, t0), vec![]);
    assert_eq!(v.notice(), Some(Notice::VoucherNotApplicable { code: "123456".into() }));
    assert_eq!(keypad(&v), (KeypadMode::Barcode, ""));
}

#[test]
fn a_cart_from_the_phone_merges_into_the_cart() {
    let t0 = Instant::now();
    let mut v = Visit::new(IDLE, PREFIX, t0);
    let effects = v.step(Event::Scanned { code: "SWC1.cart.sig".into() }, t0);
    assert_eq!(effects, vec![Effect::OpenCart { code: "SWC1.cart.sig".into() }]);
    v.step(Event::ProductFound { product: indomie() }, t0);

    let phone_line = |product: Product, qty| Line {
        barcode: product.barcode,
        name: product.name,
        unit_price: product.price,
        qty,
        category: product.category,
        restriction: Default::default(),
        approved: 0,
        measure: None,
    };
    let lines = vec![phone_line(indomie(), 3), phone_line(teh(), 1)];
    v.step(Event::CartOpened { cart_id: Some("cart-7".into()), lines, changes: vec![] }, t0);
    assert_eq!(v.notice(), Some(Notice::CartOpened { items: 4 }));
    // 1 scanned + 3 from the phone.
    assert_eq!(cart_of(&v).lines()[0].qty, 4);
    // 4 x 3.500 + 5.500 = 19.500.
    assert_eq!(cart_of(&v).total(), Rupiah(19_500));
    assert_eq!(v.checkout().cart_id.as_deref(), Some("cart-7"));
}

#[test]
fn what_changed_in_a_cart_from_the_phone_is_shown_until_closed() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 0);
    v.step(Event::Scanned { code: "SWC1.cart.sig".into() }, t0);
    let changes = vec!["Oreo Vanila 133 g is out of stock here".to_owned()];
    let effects =
        v.step(Event::CartOpened { cart_id: None, lines: vec![], changes: changes.clone() }, t0);
    // The member's suggestions follow the new cart.
    assert!(
        matches!(&effects[..], [Effect::FetchRecommendations { member, .. }] if member == "m-001")
    );
    assert_eq!(panel(&v), &Panel::Changes { changes });
    v.step(Event::ClosePanel, t0);
    assert_eq!(panel(&v), &Panel::None);
}

#[test]
fn a_cart_that_cannot_be_opened_says_why() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::Scanned { code: "SWC1.paid.sig".into() }, t0);
    v.step(Event::CartNotOpened { why: NotOpened::Closed }, t0);
    assert_eq!(v.notice(), Some(Notice::CartNotOpened { why: NotOpened::Closed }));
    // A second answer nobody asked for changes nothing.
    let lines = vec![Line {
        barcode: TEH.into(),
        name: "Teh".into(),
        unit_price: Rupiah(5_500),
        qty: 5,
        category: None,
        restriction: Default::default(),
        approved: 0,
        measure: None,
    }];
    v.step(Event::CartOpened { cart_id: None, lines, changes: vec![] }, t0);
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));
}

#[test]
fn continue_on_phone_shows_the_code_and_finish_ends_the_visit() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 0);
    let effects = v.step(Event::ContinueOnPhone, t0);
    assert_eq!(
        effects,
        vec![Effect::HandOff { cart: cart_of(&v).clone(), member: Some("m-001".into()) }]
    );
    assert_eq!(panel(&v), &Panel::HandOff { code: None, failed: false });
    // Finish does nothing before the code is there.
    assert_eq!(v.step(Event::Finish, t0), vec![]);

    v.step(Event::HandedOff { code: "SWC1.new.sig".into() }, t0);
    assert_eq!(panel(&v), &Panel::HandOff { code: Some("SWC1.new.sig".into()), failed: false });
    assert_eq!(v.step(Event::Finish, t0), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
    assert_eq!(v.member(), None);
}

#[test]
fn a_failed_hand_off_says_so_and_the_cart_stays() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::ContinueOnPhone, t0);
    v.step(Event::HandOffFailed, t0);
    assert_eq!(panel(&v), &Panel::HandOff { code: None, failed: true });
    v.step(Event::ClosePanel, t0);
    assert_eq!(cart_of(&v).total(), Rupiah(12_500));

    // An empty cart has nothing to hand over.
    let mut v = Visit::new(IDLE, PREFIX, t0);
    v.step(Event::Start, t0);
    assert_eq!(v.step(Event::ContinueOnPhone, t0), vec![]);
}

fn sold_out_here() -> Stock {
    Stock {
        here: 0,
        nearest: vec![NearbyStock { store: "Swalayan Kemang".into(), qty: 14, metres: 2_140 }],
        age: Duration::from_secs(600),
    }
}

#[test]
fn a_cart_line_opens_its_stock_page() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    let effects = v.step(Event::OpenItem { barcode: TEH.into() }, t0);
    assert_eq!(effects, vec![Effect::FetchStock { barcode: TEH.into() }]);
    assert!(matches!(panel(&v), Panel::Item { name, stock: None, .. }
        if name == "Teh Botol Sosro 450 ml"));

    // Another item's answer is not this page's.
    v.step(Event::Stock { barcode: INDOMIE.into(), stock: sold_out_here() }, t0);
    assert!(matches!(panel(&v), Panel::Item { stock: None, .. }));
    v.step(Event::Stock { barcode: TEH.into(), stock: sold_out_here() }, t0);
    assert!(matches!(panel(&v), Panel::Item { stock: Some(s), .. } if *s == sold_out_here()));

    // Nothing to subscribe for an anonymous shopper.
    assert_eq!(v.step(Event::Subscribe, t0), vec![]);

    // Something not in the cart has no page here.
    v.step(Event::ClosePanel, t0);
    assert_eq!(v.step(Event::OpenItem { barcode: "8990000000000".into() }, t0), vec![]);
    assert_eq!(panel(&v), &Panel::None);
}

#[test]
fn stock_that_cannot_be_read_says_so() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    v.step(Event::OpenItem { barcode: TEH.into() }, t0);
    v.step(Event::StockUnavailable { barcode: TEH.into() }, t0);
    assert!(matches!(panel(&v), Panel::Item { stock: None, unavailable: true, .. }));
}

#[test]
fn a_member_subscribes_to_an_item_sold_out_here() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 0);
    v.step(Event::OpenItem { barcode: TEH.into() }, t0);
    // Not before the stock is known.
    assert_eq!(v.step(Event::Subscribe, t0), vec![]);
    v.step(Event::Stock { barcode: TEH.into(), stock: sold_out_here() }, t0);
    let effects = v.step(Event::Subscribe, t0);
    assert_eq!(effects, vec![Effect::Subscribe { member: "m-001".into(), barcode: TEH.into() }]);
    assert!(matches!(panel(&v), Panel::Item { alert: Alert::Asking, .. }));
    // One request at a time.
    assert_eq!(v.step(Event::Subscribe, t0), vec![]);
    v.step(Event::Subscribed { barcode: TEH.into() }, t0);
    assert!(matches!(panel(&v), Panel::Item { alert: Alert::On, .. }));
    assert_eq!(v.step(Event::Subscribe, t0), vec![]);

    // In stock here: no alert to set.
    v.step(Event::ClosePanel, t0);
    v.step(Event::OpenItem { barcode: INDOMIE.into() }, t0);
    let in_stock = Stock { here: 3, ..sold_out_here() };
    v.step(Event::Stock { barcode: INDOMIE.into(), stock: in_stock }, t0);
    assert_eq!(v.step(Event::Subscribe, t0), vec![]);
}

#[test]
fn a_failed_subscription_can_be_asked_again() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 0);
    v.step(Event::OpenItem { barcode: TEH.into() }, t0);
    v.step(Event::Stock { barcode: TEH.into(), stock: sold_out_here() }, t0);
    v.step(Event::Subscribe, t0);
    v.step(Event::NotSubscribed { barcode: TEH.into() }, t0);
    assert!(matches!(panel(&v), Panel::Item { alert: Alert::Failed, .. }));
    assert_eq!(v.step(Event::Subscribe, t0).len(), 1);
}

fn aqua() -> Recommendation {
    Recommendation {
        barcode: "8886008101053".into(),
        name: "Aqua 600 ml".into(),
        price: Rupiah(3_500),
    }
}

#[test]
fn recommendations_are_for_the_member_only_and_skip_the_cart() {
    let t0 = Instant::now();
    let mut v = priced(t0);
    let items = vec![
        aqua(),
        Recommendation {
            barcode: TEH.into(),
            name: "Teh Botol Sosro 450 ml".into(),
            price: Rupiah(5_500),
        },
    ];
    // Anonymous: never shown, whatever comes.
    v.step(Event::Recommendations { member: "m-001".into(), items: items.clone() }, t0);
    assert!(v.recommendations().is_empty());
    assert_eq!(v.step(Event::AddRecommended { barcode: aqua().barcode }, t0), vec![]);

    let mut v = with_siti(t0, 0);
    // Another member's suggestions are not hers.
    v.step(Event::Recommendations { member: "m-002".into(), items: items.clone() }, t0);
    assert!(v.recommendations().is_empty());
    v.step(Event::Recommendations { member: "m-001".into(), items }, t0);
    // Teh Botol is in the cart already.
    assert_eq!(v.recommendations(), vec![&aqua()]);
    let effects = v.step(Event::AddRecommended { barcode: aqua().barcode }, t0);
    assert_eq!(effects, vec![Effect::LookUp { code: aqua().barcode }]);

    // "Not me": the member and their suggestions go.
    v.step(Event::ToggleRedeem, t0);
    v.step(Event::ForgetMember, t0);
    assert_eq!(v.member(), None);
    assert!(v.recommendations().is_empty());
    assert!(!v.redeeming());
}

#[test]
fn the_member_and_everything_about_them_is_forgotten_at_the_end() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 5_000);
    v.step(Event::ToggleRedeem, t0);
    v.step(Event::Scanned { code: "HEMAT5".into() }, t0);
    v.step(Event::Recommendations { member: "m-001".into(), items: vec![aqua()] }, t0);
    v.step(Event::Scanned { code: "SWC1.cart.sig".into() }, t0);
    v.step(
        Event::CartOpened { cart_id: Some("cart-7".into()), lines: vec![], changes: vec![] },
        t0,
    );
    assert!(v.member().is_some() && v.redeeming() && !v.vouchers().is_empty());

    // Idle for the whole timeout: back to welcome.
    assert_eq!(v.step(Event::Tick, at(t0, 60)), vec![Effect::EndVisit]);
    assert_eq!(v.member(), None);
    assert!(!v.redeeming());
    assert!(v.vouchers().is_empty());
    assert_eq!(v.checkout(), Checkout::default());
    assert_eq!(v.bill(), &Bill::default());

    // The next shopper starts with none of it; a late answer for the last
    // one is not theirs.
    v.step(Event::Start, at(t0, 61));
    v.step(Event::MemberIdentified { member: siti(5_000) }, at(t0, 61));
    v.step(Event::Recommendations { member: "m-001".into(), items: vec![aqua()] }, at(t0, 61));
    assert_eq!(v.member(), None);
    assert!(v.recommendations().is_empty());
    v.step(Event::ProductFound { product: teh() }, at(t0, 62));
    assert_eq!(v.checkout(), plain_checkout(5_500));
}

#[test]
fn finishing_after_paying_forgets_the_member_too() {
    let t0 = Instant::now();
    let mut v = with_siti(t0, 5_000);
    v.step(Event::Pay, t0);
    v.step(Event::PaymentCreated { attempt: "k-1".into(), payment: payment(t0, 11_500) }, t0);
    v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    v.step(Event::SaleRecorded { transaction_id: None, url: None }, t0);
    // The member stays for the receipt screen, then goes.
    assert!(v.member().is_some());
    v.step(Event::Finish, t0);
    assert_eq!(v.member(), None);
}
