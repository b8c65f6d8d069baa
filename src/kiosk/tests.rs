//! Checks on the kiosk that need no window.

use std::collections::HashMap;
use std::path::Path;

/// The first argument of every `@tr("...")` in the `.slint` files under `dir`.
fn ui_strings(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            ui_strings(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("@tr(\"").skip(1) {
                let end = piece.find('"').unwrap();
                out.push((path.display().to_string(), piece[..end].to_owned()));
            }
        }
    }
}

/// The `msgid`s of a `.po` file with their (first) translation.
fn po_entries(text: &str) -> HashMap<String, String> {
    let mut entries = HashMap::new();
    let mut id = None;
    for line in text.lines() {
        let quoted = |prefix: &str| {
            line.strip_prefix(prefix).map(|rest| rest.trim().trim_matches('"').to_owned())
        };
        if let Some(msgid) = quoted("msgid ") {
            id = Some(msgid);
        } else if let Some(msgstr) = quoted("msgstr ").or_else(|| quoted("msgstr[0] "))
            && let Some(id) = id.take()
        {
            entries.insert(id, msgstr);
        }
    }
    entries
}

#[test]
fn every_ui_string_has_an_indonesian_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut strings = vec![];
    ui_strings(&root.join("ui"), &mut strings);
    assert!(strings.len() > 40, "found only {} strings", strings.len());

    let po = std::fs::read_to_string(root.join("lang/id/LC_MESSAGES/swalayan.po")).unwrap();
    let entries = po_entries(&po);
    let missing: Vec<_> =
        strings.iter().filter(|(_, s)| entries.get(s).is_none_or(|t| t.is_empty())).collect();
    assert!(missing.is_empty(), "untranslated: {missing:#?}");
}

#[test]
fn offline_message_is_the_agreed_indonesian_text() {
    let po = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("lang/id/LC_MESSAGES/swalayan.po"),
    )
    .unwrap();
    let entries = po_entries(&po);
    assert_eq!(
        entries["Payment unavailable: the central server cannot be reached"],
        "Pembayaran tidak tersedia: server pusat tidak terjangkau"
    );
    assert_eq!(entries["Product not found: {}"], "Produk tidak ditemukan: {}");
    assert_eq!(entries["Simulate payment (demo)"], "Simulasikan pembayaran (demo)");
}

mod payment_view {
    use std::time::{Duration, Instant};

    use slint::{Rgb8Pixel, SharedPixelBuffer};

    use crate::domain::visit::{Event, Payment, Visit};
    use crate::domain::{Product, Rupiah};
    use crate::kiosk::ui;
    use crate::kiosk::view::{Qr, View};

    fn draw(payload: &str) -> Option<Qr> {
        Some(Qr { payload: payload.to_owned(), pixels: SharedPixelBuffer::<Rgb8Pixel>::new(1, 1) })
    }

    /// A visit with a code expiring at t0 + 300 s on screen.
    fn code_on_screen(t0: Instant) -> Visit {
        let mut v = Visit::new(Duration::from_secs(60), "k", t0);
        v.step(Event::Start, t0);
        let product = Product {
            barcode: "8991508000406".into(),
            name: "Indomie Goreng 85 g".into(),
            price: Rupiah(3_500),
            category: None,
            restriction: Default::default(),
        };
        v.step(Event::ProductFound { product }, t0);
        v.step(Event::Pay, t0);
        let payment = Payment {
            id: "pay-1".into(),
            qris: "000201".into(),
            amount: Rupiah(3_500),
            expires_at: t0 + Duration::from_secs(300),
        };
        v.step(Event::PaymentCreated { attempt: "k-1".into(), payment }, t0);
        v
    }

    #[test]
    fn the_code_is_hidden_at_zero_seconds_even_before_the_next_tick() {
        let t0 = Instant::now();
        let v = code_on_screen(t0);
        let view = View::of(&v, t0 + Duration::from_millis(298_900), true, &mut draw);
        assert_eq!((view.pay_stage, view.seconds_left), (ui::PayStage::Pending, 1));
        assert!(view.payment_qr.is_some());
        // 0.5 s left shows as 0:00, so no code.
        let view = View::of(&v, t0 + Duration::from_millis(299_500), true, &mut draw);
        assert_eq!(view.seconds_left, 0);
        assert!(view.payment_qr.is_none());
    }

    #[test]
    fn a_lost_connection_shows_on_the_code_and_keeps_it() {
        let t0 = Instant::now();
        let mut v = code_on_screen(t0);
        v.step(Event::Connectivity { online: false }, t0);
        let view = View::of(&v, t0 + Duration::from_secs(100), true, &mut draw);
        assert!(view.connection_lost);
        assert!(view.payment_qr.is_some());
        assert_eq!(view.seconds_left, 200);
    }

    #[test]
    fn an_expired_code_is_not_drawn() {
        let t0 = Instant::now();
        let mut v = code_on_screen(t0);
        v.step(Event::Tick, t0 + Duration::from_secs(300));
        let view = View::of(&v, t0 + Duration::from_secs(300), true, &mut draw);
        assert_eq!(view.pay_stage, ui::PayStage::ExpiredChecking);
        assert!(view.payment_qr.is_none());
        assert_eq!(view.amount, "Rp 3.500");
    }
}

mod omni_view {
    use std::time::{Duration, Instant};

    use crate::domain::visit::{Event, Member, NearbyStock, Recommendation, Stock, Visit};
    use crate::domain::{Product, Rupiah};
    use crate::kiosk::view::{View, distance};

    #[test]
    fn distances_read_in_metres_then_kilometres_with_a_comma() {
        assert_eq!(distance(850), "850 m");
        assert_eq!(distance(999), "999 m");
        assert_eq!(distance(1_000), "1,0 km");
        // Rounded to the nearest 100 m.
        assert_eq!(distance(2_140), "2,1 km");
        assert_eq!(distance(4_850), "4,9 km");
        assert_eq!(distance(12_345), "12,3 km");
    }

    fn teh() -> Product {
        Product {
            barcode: "8991545000735".into(),
            name: "Teh Botol Sosro 450 ml".into(),
            price: Rupiah(5_500),
            category: None,
            restriction: Default::default(),
        }
    }

    fn sold_out() -> Stock {
        Stock {
            here: 0,
            nearest: vec![NearbyStock { store: "Kemang".into(), qty: 14, metres: 2_140 }],
            age: Duration::from_secs(12 * 60 + 59),
        }
    }

    fn view(v: &Visit) -> View {
        View::of(v, Instant::now(), false, &mut |_| None)
    }

    #[test]
    fn the_subscribe_button_is_for_a_member_and_an_item_sold_out_here() {
        let t0 = Instant::now();
        let mut v = Visit::new(Duration::from_secs(60), "k", t0);
        v.step(Event::Start, t0);
        v.step(Event::ProductFound { product: teh() }, t0);
        v.step(Event::OpenItem { barcode: teh().barcode }, t0);
        v.step(Event::Stock { barcode: teh().barcode, stock: sold_out() }, t0);
        let item = view(&v).omni.item;
        assert!(!item.can_subscribe, "offered to an anonymous shopper");
        assert_eq!((item.here, item.age_minutes), (0, 12));
        assert_eq!(item.nearest[0].distance, "2,1 km");

        v.step(Event::ClosePanel, t0);
        v.step(Event::Scanned { code: "SWM1.a.b".into() }, t0);
        let member = Member {
            id: "m-1".into(),
            name: "Siti".into(),
            tier: "gold".into(),
            points: 12_500,
            birthday: None,
        };
        v.step(Event::MemberIdentified { member }, t0);
        let omni = view(&v).omni;
        assert_eq!(omni.member.points, "12.500");
        // 12.500 points for a Rp 5.500 total: at most 5.499.
        assert_eq!(omni.redeemable, "5.499");

        v.step(Event::OpenItem { barcode: teh().barcode }, t0);
        v.step(Event::Stock { barcode: teh().barcode, stock: sold_out() }, t0);
        assert!(view(&v).omni.item.can_subscribe);
        let in_stock = Stock { here: 2, ..sold_out() };
        v.step(Event::Stock { barcode: teh().barcode, stock: in_stock }, t0);
        assert!(!view(&v).omni.item.can_subscribe);

        // Three suggestions at most on screen.
        let item = |i: u32| Recommendation {
            barcode: format!("89900000000{i}"),
            name: format!("Item {i}"),
            price: Rupiah(1_000),
        };
        let items = (10..15).map(item).collect();
        v.step(Event::Recommendations { member: "m-1".into(), items }, t0);
        assert_eq!(view(&v).omni.recommendations.len(), 3);
    }
}

/// The kiosk's pricer over the demo promotions (assets/promotions.toml),
/// every figure worked out by hand from the file and the demo catalog.
mod pricer {
    use chrono::{NaiveDate, TimeZone};

    use crate::central::server::pricing::DEMO_PROMOTIONS;
    use crate::domain::cart::Cart;
    use crate::domain::pricing::{self, Discount, Promotions};
    use crate::domain::visit::{Member, Shopper};
    use crate::domain::{Product, Rupiah};
    use crate::kiosk::omni::price;

    fn product(barcode: &str, name: &str, price: i64, category: &str) -> Product {
        Product {
            barcode: barcode.into(),
            name: name.into(),
            price: Rupiah(price),
            category: Some(category.into()),
            restriction: Default::default(),
        }
    }

    fn bimoli() -> Product {
        product("8991767000919", "Minyak Goreng Bimoli 2 L", 41_000, "sembako")
    }

    fn skm() -> Product {
        product("8991804000841", "Frisian Flag Susu Kental Manis 370 g", 12_500, "susu")
    }

    fn cart(items: &[(Product, u32)]) -> Cart {
        let mut cart = Cart::new();
        for (p, qty) in items {
            for _ in 0..*qty {
                cart.add(p).unwrap();
            }
        }
        cart
    }

    fn demo() -> Promotions {
        Promotions::from_toml(DEMO_PROMOTIONS, "demo").unwrap()
    }

    /// 20 April 2026, 10:00 in Jakarta: inside every demo window.
    fn at() -> chrono::DateTime<chrono::FixedOffset> {
        pricing::jakarta().with_ymd_and_hms(2026, 4, 20, 10, 0, 0).unwrap()
    }

    fn siti(birthday: Option<NaiveDate>) -> Member {
        Member {
            id: "M0001".into(),
            name: "Siti Rahayu".into(),
            tier: "silver".into(),
            points: 1_200,
            birthday,
        }
    }

    #[test]
    fn a_percent_off_item_shows_under_its_name_and_earns_nothing_anonymously() {
        let teh = product("8991545000735", "Teh Botol Sosro 450 ml", 5_500, "minuman");
        let totals = price(&cart(&[(bimoli(), 1), (teh, 1)]), &Shopper::default(), &demo(), at());
        // 41.000 + 5.500; MINYAK-10 takes 10 % of 41.000.
        assert_eq!(totals.subtotal, Rupiah(46_500));
        assert_eq!(totals.discounts, vec![("Minyak goreng hemat 10%".to_owned(), Rupiah(4_100))]);
        let ids = vec![Discount { promotion: "MINYAK-10".into(), amount: Rupiah(4_100) }];
        assert_eq!(totals.promotions, ids);
        assert_eq!(totals.total, Rupiah(42_400));
        assert_eq!(totals.points_earned, 0);
    }

    #[test]
    fn a_member_gets_the_member_price_and_earns_on_what_is_left_after_points() {
        let shopper = Shopper { member: Some(siti(None)), vouchers: vec![], points_redeemed: 700 };
        let totals = price(&cart(&[(bimoli(), 2), (skm(), 1)]), &shopper, &demo(), at());
        // 82.000 + 12.500 = 94.500; 10 % of 82.000 is 8.200; the member
        // price of 10.900 takes 1.600 off the milk: 84.700. After 700
        // points the member pays 84.000: silver earns 84.
        assert_eq!(totals.subtotal, Rupiah(94_500));
        let names: Vec<_> = totals.discounts.iter().map(|(n, a)| (n.as_str(), a.0)).collect();
        assert!(names.contains(&("Minyak goreng hemat 10%", 8_200)), "{names:?}");
        assert!(names.contains(&("Harga member Frisian Flag Kental Manis", 1_600)), "{names:?}");
        assert_eq!(totals.total, Rupiah(84_700));
        assert_eq!(totals.points_earned, 84);
    }

    #[test]
    fn the_members_birthday_reaches_the_engine() {
        let birthday = NaiveDate::from_ymd_opt(1990, 4, 17);
        let shopper = Shopper { member: Some(siti(birthday)), ..Shopper::default() };
        let totals = price(&cart(&[(bimoli(), 1)]), &shopper, &demo(), at());
        // 41.000 less 4.100 is 36.900; three days after her birthday the
        // birthday gift takes 15 %, floored: 5.535. 31.365 left, 31 points.
        let ids: Vec<_> =
            totals.promotions.iter().map(|d| (d.promotion.as_str(), d.amount.0)).collect();
        assert_eq!(ids, [("MINYAK-10", 4_100), ("ULANG-TAHUN-15", 5_535)]);
        assert_eq!(totals.total, Rupiah(31_365));
        assert_eq!(totals.points_earned, 31);
    }

    #[test]
    fn a_voucher_counts_as_given_whatever_its_case_and_an_unknown_one_is_unused() {
        let vouchers = vec!["swl-25rb-0001".to_owned(), "NOPE-1".to_owned()];
        let shopper = Shopper { vouchers, ..Shopper::default() };
        let totals = price(&cart(&[(bimoli(), 1)]), &shopper, &demo(), at());
        // 36.900 after MINYAK-10, less the Rp 25.000 voucher.
        assert_eq!(totals.total, Rupiah(11_900));
        assert_eq!(
            totals.discounts.last(),
            Some(&("Voucher Rp 25.000".to_owned(), Rupiah(25_000)))
        );
        assert_eq!(totals.unused_vouchers, vec!["NOPE-1".to_owned()]);
    }
}

mod timing_view;
