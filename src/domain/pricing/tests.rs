//! Engine and file tests; every expected amount is worked out by hand in
//! the comment beside it.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::*;
use crate::domain::cart::Line;

const DEMO: &str = include_str!("../../../assets/promotions.toml");

fn demo() -> Promotions {
    Promotions::from_toml(DEMO, "demo").unwrap()
}

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

/// A Tuesday in the demo promotions' windows.
fn march() -> DateTime<FixedOffset> {
    at("2026-03-10T10:00:00+07:00")
}

fn line(barcode: &str, price: i64, qty: u32, category: &str) -> Line {
    Line {
        barcode: barcode.into(),
        name: barcode.into(),
        unit_price: Rupiah(price),
        qty,
        category: Some(category.into()),
        restriction: Default::default(),
        approved: 0,
        measure: None,
    }
}

fn anyone() -> Shopper {
    Shopper::default()
}

fn member(tier: &str, birthday: Option<&str>) -> Shopper {
    Shopper {
        member: Some(MemberFacts {
            id: "M-1".into(),
            tier: tier.into(),
            birthday: birthday.map(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").unwrap()),
        }),
        vouchers: vec![],
    }
}

fn discounts(p: &Priced) -> Vec<(&str, i64)> {
    p.discounts.iter().map(|d| (d.promotion.as_str(), d.amount.0)).collect()
}

const FILMA: &str = "8991767001015";
const RAMOS: &str = "8991767000612";
const TEMPE: &str = "8991138000609";

#[test]
fn percent_is_floored_to_the_rupiah() {
    let promos = Promotions::from_toml(
        "[[promotion]]\nid = \"P\"\nname = \"p\"\nkind = \"percent_off\"\npercent = 10\n\
         categories = [\"x\"]\n",
        "t",
    )
    .unwrap();
    // 10 % of 12.345 is 1.234,5: floored to 1.234.
    let p = price(&[line(FILMA, 12_345, 1, "x")], &promos, &anyone(), march());
    assert_eq!(discounts(&p), [("P", 1_234)]);
    assert_eq!(p.total, Rupiah(11_111));
}

#[test]
fn buy_three_get_the_cheapest_free() {
    let mie = |b: &str, price, qty| line(b, price, qty, "mi-instan");
    // Units dearest first: 3.800, 3.500, 3.500, 3.300; the fourth is free.
    let cart = [
        mie("8991508000406", 3_500, 2),
        mie("8991508000505", 3_300, 1),
        mie("8991508000703", 3_800, 1),
    ];
    let p = price(&cart, &demo(), &anyone(), march());
    assert_eq!(p.subtotal, Rupiah(14_100));
    assert_eq!(discounts(&p), [("MIE-3-GRATIS-1", 3_300)]);
    assert_eq!(p.total, Rupiah(10_800));
    // With a 4.500 more: 4.500, 3.800, 3.500, 3.500 make the group and the
    // second 3.500 is free; the 3.300 is left over.
    let mut more = cart.to_vec();
    more.push(mie("8991508001403", 4_500, 1));
    let p = price(&more, &demo(), &anyone(), march());
    assert_eq!(discounts(&p), [("MIE-3-GRATIS-1", 3_500)]);
    assert_eq!(p.total, Rupiah(18_600 - 3_500));
}

#[test]
fn named_free_item_goes_first_then_the_other_unit_takes_the_percent() {
    // Ramos 78.000 + 2 x Filma 20.500 = 119.000. The free Filma (priority
    // 20) is 20.500; 10 % of the other Filma is 2.050. Spend 96.450 is
    // under both thresholds.
    let cart = [line(RAMOS, 78_000, 1, "sembako"), line(FILMA, 20_500, 2, "sembako")];
    let p = price(&cart, &demo(), &anyone(), march());
    assert_eq!(discounts(&p), [("BERAS-GRATIS-MINYAK", 20_500), ("MINYAK-10", 2_050)]);
    assert_eq!(p.total, Rupiah(96_450));
    assert_eq!(p.lines[1].discount, Rupiah(22_550));
    assert_eq!(p.lines[1].promotions, ["BERAS-GRATIS-MINYAK", "MINYAK-10"]);
    // Without the Filma in the cart nothing is given.
    let p = price(&cart[..1], &demo(), &anyone(), march());
    assert!(p.discounts.is_empty());
}

#[test]
fn bundle_prices_whole_sets_only() {
    // Roma 10.500 + Ultra 6.500 = 17.000 for 15.000: 2.000 off one set;
    // the second Ultra pays full price.
    let cart =
        [line("8991175000136", 10_500, 1, "biskuit"), line("8991804000643", 6_500, 2, "susu")];
    let p = price(&cart, &demo(), &anyone(), march());
    assert_eq!(discounts(&p), [("SARAPAN-HEMAT", 2_000)]);
    assert_eq!(p.total, Rupiah(21_500));
}

#[test]
fn produce_sold_by_its_plu_can_be_on_promotion() {
    // Three bananas at 2.500 for 6.000: one set, 1.500 off; the organic
    // ones (94011) are not in it.
    let toml = "[[promotion]]\nid = \"PISANG-3\"\nname = \"3 pisang Rp 6.000\"\n\
                kind = \"bundle\"\nitems = [\"4011\", \"4011\", \"4011\"]\nprice = 6000\n";
    let set = Promotions::from_toml(toml, "p.toml").unwrap();
    let cart = [line("4011", 2_500, 3, "buah-sayur"), line("94011", 3_500, 1, "buah-sayur")];
    let p = price(&cart, &set, &anyone(), march());
    assert_eq!(discounts(&p), [("PISANG-3", 1_500)]);
    assert_eq!(p.total, Rupiah(7_500 + 3_500 - 1_500));
}

#[test]
fn member_prices_need_a_member_of_the_tier() {
    let cart =
        [line("8991804000841", 12_500, 2, "susu"), line("8991175000235", 62_000, 1, "biskuit")];
    assert!(price(&cart, &demo(), &anyone(), march()).discounts.is_empty());
    // Silver: (12.500 - 10.900) x 2 = 3.200 on the milk, no Khong Guan price.
    let p = price(&cart, &demo(), &member("silver", None), march());
    assert_eq!(discounts(&p), [("MEMBER-SKM", 3_200)]);
    // Gold: also 62.000 - 55.000 = 7.000. Ranked by id at equal priority.
    let p = price(&cart, &demo(), &member("gold", None), march());
    assert_eq!(discounts(&p), [("GOLD-KHONG-GUAN", 7_000), ("MEMBER-SKM", 3_200)]);
    assert_eq!(p.total, Rupiah(87_000 - 10_200));
}

#[test]
fn spend_thresholds_stack_in_id_order() {
    // 3 x Maknyuss 82.000 + Teh Botol 5.500 = 251.500, over both
    // thresholds: the tea (5.500) and 20.000 off.
    let cart = [line("8991767000711", 82_000, 3, "sembako"), line("8991545000735", 5_500, 1, "m")];
    let p = price(&cart, &demo(), &anyone(), march());
    assert_eq!(discounts(&p), [("BELANJA-100RB-TEH", 5_500), ("BELANJA-200RB", 20_000)]);
    assert_eq!(p.total, Rupiah(226_000));
}

#[test]
fn vouchers_apply_once_and_say_why_not() {
    // 5 x tempe 6.000 = 30.000, less 25.000.
    let cart = [line(TEMPE, 6_000, 5, "beku-segar")];
    let shopper = Shopper {
        member: None,
        vouchers: vec![" swl-25rb-0001 ".into(), "SWL-25RB-0002".into(), "NOPE-1234".into()],
    };
    let p = price(&cart, &demo(), &shopper, march());
    assert_eq!(discounts(&p), [("VOUCHER-25RB", 25_000)]);
    assert_eq!(p.total, Rupiah(5_000));
    let status: Vec<_> = p.vouchers.iter().map(|v| (v.code.as_str(), v.status)).collect();
    assert_eq!(
        status,
        [
            ("SWL-25RB-0001", VoucherStatus::Applied),
            ("SWL-25RB-0002", VoucherStatus::NotApplicable),
            ("NOPE-1234", VoucherStatus::Unknown),
        ]
    );
    assert_eq!(
        p.vouchers[1].reason.as_deref(),
        Some("VOUCHER-25RB already takes code SWL-25RB-0001")
    );
    // Worth more than the cart: the total stops at zero.
    let p = price(&cart[..0], &demo(), &shopper, march());
    assert_eq!(p.total, Rupiah(0));
    let one = [line(TEMPE, 6_000, 1, "beku-segar")];
    assert_eq!(price(&one, &demo(), &shopper, march()).total, Rupiah(0));
    // Without a code the promotion does not apply.
    assert_eq!(price(&cart, &demo(), &anyone(), march()).total, Rupiah(30_000));
}

#[test]
fn birthday_offer_is_exclusive_and_wraps_the_year() {
    let cart = [line(TEMPE, 6_000, 5, "beku-segar")];
    let mut shopper = member("silver", Some("1990-03-14"));
    shopper.vouchers = vec!["SWL-25RB-0003".into()];
    // Four days before the birthday: 15 % of 30.000 = 4.500, and being
    // exclusive it stops the voucher.
    let p = price(&cart, &demo(), &shopper, march());
    assert_eq!(discounts(&p), [("ULANG-TAHUN-15", 4_500)]);
    assert_eq!(
        p.vouchers[0].reason.as_deref(),
        Some("exclusive promotion ULANG-TAHUN-15 applies instead")
    );
    // Eight days after it: no birthday offer, the voucher applies.
    let p = price(&cart, &demo(), &shopper, at("2026-03-22T10:00:00+07:00"));
    assert_eq!(discounts(&p), [("VOUCHER-25RB", 25_000)]);
    // 2 January is 3 days after 30 December.
    let newyear = member("gold", Some("2001-01-02"));
    let p = price(&cart, &demo(), &newyear, at("2026-12-30T20:00:00+07:00"));
    assert_eq!(discounts(&p), [("ULANG-TAHUN-15", 4_500)]);
    // 29 February falls on 28 February in 2026, 3 days after the 25th.
    let leap = member("gold", Some("2000-02-29"));
    let p = price(&cart, &demo(), &leap, at("2026-02-25T12:00:00+07:00"));
    assert_eq!(discounts(&p), [("ULANG-TAHUN-15", 4_500)]);
}

#[test]
fn windows_are_jakarta_time_and_a_date_until_covers_the_day() {
    let cart = [line(FILMA, 20_000, 1, "sembako")];
    let d = |t: &str| price(&cart, &demo(), &anyone(), at(t)).discounts.len();
    // until = 2030-12-31: through the 31st in Jakarta.
    assert_eq!(d("2030-12-31T23:59:59+07:00"), 1);
    assert_eq!(d("2031-01-01T00:00:00+07:00"), 0);
    // 17:00 UTC on the 31st is already midnight in Jakarta.
    assert_eq!(d("2030-12-31T16:59:59Z"), 1);
    assert_eq!(d("2030-12-31T17:00:00Z"), 0);
    // from = 2025-01-01: midnight Jakarta is 17:00 UTC the day before.
    assert_eq!(d("2024-12-31T16:59:59Z"), 0);
    assert_eq!(d("2024-12-31T17:00:00Z"), 1);
}

#[test]
fn higher_priority_takes_the_unit_and_exclusive_stops_the_rest() {
    let text = "\
[[promotion]]
id = \"A\"
name = \"a\"
kind = \"amount_off\"
amount = 1000
items = [\"8991767001015\"]
priority = 5

[[promotion]]
id = \"B\"
name = \"b\"
kind = \"percent_off\"
percent = 50
items = [\"8991767001015\"]

[[promotion]]
id = \"C\"
name = \"c\"
kind = \"percent_off\"
percent = 10
cart = true
";
    let cart = [line(FILMA, 20_000, 2, "sembako"), line(RAMOS, 10_000, 1, "sembako")];
    // A takes both Filma units (2 x 1.000), B finds none left; C takes 10 %
    // of 50.000 - 2.000 = 48.000, i.e. 4.800.
    let promos = Promotions::from_toml(text, "t").unwrap();
    let p = price(&cart, &promos, &anyone(), march());
    assert_eq!(discounts(&p), [("A", 2_000), ("C", 4_800)]);
    assert_eq!(p.total, Rupiah(43_200));
    let exclusive = text.replace("priority = 5", "priority = 5\nexclusive = true");
    let promos = Promotions::from_toml(&exclusive, "t").unwrap();
    let p = price(&cart, &promos, &anyone(), march());
    assert_eq!(discounts(&p), [("A", 2_000)]);
}

fn file_error(text: &str) -> String {
    Promotions::from_toml(text, "p.toml").unwrap_err().to_string()
}

#[test]
fn bad_files_name_the_promotion_the_line_and_the_reason() {
    let good = "[[promotion]]\nid = \"OK\"\nname = \"ok\"\nkind = \"amount_off\"\namount = 1\n\
                cart = true\n\n";
    let pct = format!(
        "{good}[[promotion]]\nid = \"BAD\"\nname = \"b\"\nkind = \"percent_off\"\n\
                       percent = 120\ncart = true\n"
    );
    assert_eq!(file_error(&pct), "p.toml: line 9: promotion BAD: percent 120 is not 1 to 100");
    let field = format!(
        "{good}[[promotion]]\nid = \"BAD\"\nname = \"b\"\nkind = \"bundle\"\n\
                         items = [\"8991767001015\", \"8991767000612\"]\nprice = 5\npercent = 3\n"
    );
    assert_eq!(
        file_error(&field),
        "p.toml: line 9: promotion BAD: field `percent` does not belong to kind bundle"
    );
    let dup = format!("{good}{}", good.replace("amount = 1", "amount = 2"));
    assert_eq!(file_error(&dup), "p.toml: line 9: promotion OK: the id is used twice");
    let tier = good.replace("cart = true", "cart = true\ntiers = [\"bronze\"]");
    assert_eq!(
        file_error(&tier),
        "p.toml: line 2: promotion OK: tier \"bronze\" is not one of silver, gold, platinum"
    );
    let gtin = good.replace("cart = true", "items = [\"8991767001016\"]");
    assert_eq!(
        file_error(&gtin),
        "p.toml: line 2: promotion OK: barcode \"8991767001016\" is not a GTIN with a valid \
         check digit, nor a PLU (3000 to 4999, or five digits from 9)"
    );
    // Bananas sold by their PLU may be on promotion; 5011 is no PLU.
    let plu = good.replace("cart = true", "items = [\"4011\", \"94011\"]");
    assert_eq!(Promotions::from_toml(&plu, "p.toml").unwrap().len(), 1);
    let not_plu = good.replace("cart = true", "items = [\"5011\"]");
    assert!(file_error(&not_plu).contains("barcode \"5011\" is not a GTIN"));
    let member = "[[promotion]]\nid = \"M\"\nname = \"m\"\nkind = \"member_price\"\n\
                  items = [\"8991767001015\"]\nprice = 5\n";
    assert!(file_error(member).ends_with("a member price needs `members_only = true` or `tiers`"));
    let code = good.replace("cart = true", "cart = true\ncodes = [\"OK\"]");
    assert!(file_error(&code).contains("voucher code \"OK\" is not 4 to 32"));
    let window = good.replace("cart = true", "cart = true\nfrom = 2026-01-02\nuntil = 2026-01-01");
    assert!(file_error(&window).ends_with("`from` is not before `until`"));
    let kind = good.replace("amount_off", "half_price");
    assert!(file_error(&kind).starts_with("p.toml: line 2: promotion OK: kind \"half_price\""));
    assert!(file_error("[[promotion]]\nname = 3\n").contains("promotion number 1 has no `id`"));
    assert!(file_error("[[promotion]\n").contains("line 1"), "{}", file_error("[[promotion]\n"));
}

#[test]
fn json_sync_keeps_the_set_and_its_version() {
    let promos = demo();
    let json = serde_json::to_string(&promos).unwrap();
    let back: Promotions = serde_json::from_str(&json).unwrap();
    assert_eq!(back, promos);
    assert_eq!(back.version(), promos.version());
    assert_eq!(promos.version().len(), 16);
    let changed =
        Promotions::from_toml(&DEMO.replace("percent = 10", "percent = 11"), "d").unwrap();
    assert_ne!(changed.version(), promos.version());
    // A set changed on the way is checked like a file.
    let bad = json.replace("\"percent\":10", "\"percent\":0");
    assert!(
        serde_json::from_str::<Promotions>(&bad).unwrap_err().to_string().contains("MINYAK-10")
    );
}

#[test]
fn lookups_for_the_screen_and_the_central() {
    let promos = demo();
    assert_eq!(promos.name("MINYAK-10"), Some("Minyak goreng hemat 10%"));
    assert_eq!(promos.voucher("swl-25rb-0002").map(|p| p.id.as_str()), Some("VOUCHER-25RB"));
    assert_eq!(promos.voucher_codes()[0], ("SWL-25RB-0001", "VOUCHER-25RB"));
    assert_eq!(promos.voucher_codes().len(), 3);
}

#[test]
fn receipt_discount_shape() {
    let d = Discount { promotion: "MINYAK-10".into(), amount: Rupiah(2_050) };
    assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"promotion":"MINYAK-10","amount":2050}"#);
}
