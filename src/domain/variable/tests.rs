//! Every expected value here was worked out by hand from the GS1 rules
//! (weighting factor tables and the EAN mod-10 sum), as the comments show.

use super::*;

fn issue_layouts() -> Layouts {
    Layouts::new(vec![Layout {
        prefixes: vec![21],
        item_digits: 5,
        price_check_digit: true,
        value_digits: 4,
        value: Value::Price,
    }])
    .unwrap()
}

#[test]
fn four_digit_price_check_digits() {
    // 2875: 2- of 2 = 4, 2- of 8 = 6-1 = 5, 3 of 7 = 1, 5- of 5 = 5-2 = 3;
    // sum 13, times 3 = 39: 9.
    assert_eq!(price_check_digit("2875"), Some(9));
    // 1250: 2 + 4 + 5 + 0 = 11, times 3 = 33: 3.
    assert_eq!(price_check_digit("1250"), Some(3));
    // 9999: 2- of 9 = 8-1 = 7, 7, 3 of 9 = 7, 5- of 9 = 5-4 = 1; 22 x 3 = 66.
    assert_eq!(price_check_digit("9999"), Some(6));
    assert_eq!(price_check_digit("0000"), Some(0));
}

#[test]
fn five_digit_price_check_digits() {
    // 14685: 5+ of 1 = 5, 2- of 4 = 8, 5- of 6 = 0-3 = 7, 5+ of 8 = 0+4 = 4,
    // 2- of 5 = 0-1 = 9; sum 33, 10 - 3 = 7, and 5- of 6 is 7: 6.
    assert_eq!(price_check_digit("14685"), Some(6));
    // 12500: 5 + 4 + (5-2 = 3) + 0 + 0 = 12, 10 - 2 = 8, 5- of 4 = 0-2 = 8: 4.
    assert_eq!(price_check_digit("12500"), Some(4));
    assert_eq!(price_check_digit("00000"), Some(0));
}

#[test]
fn price_check_digit_needs_four_or_five_digits() {
    assert_eq!(price_check_digit("125"), None);
    assert_eq!(price_check_digit("123456"), None);
    assert_eq!(price_check_digit("12a4"), None);
}

#[test]
fn reads_the_example_code_as_item_12345_at_rp_1250() {
    // 21 | 12345 | 3 | 1250 | 7: the EAN sum of 211234531250 is 53, so 7.
    let r = issue_layouts().parse("2112345312507").unwrap();
    assert_eq!(r.item, "12345");
    assert_eq!(r.measure, Measure::LabelPrice(Rupiah(1_250)));
    // The key 211234500000 has the EAN sum 32: check digit 8.
    assert_eq!(r.key, "2112345000008");
    assert_eq!(r.code, "2112345312507");
}

#[test]
fn a_wrong_price_check_digit_is_refused() {
    // The price check digit 2 instead of 3; the EAN check digit made right
    // again (that digit weighs 3, so the sum is 50: 0).
    let e = issue_layouts().parse("2112345212500").unwrap_err();
    assert_eq!(
        e,
        CodeError::PriceCheck {
            code: "2112345212500".into(),
            what: "price",
            value: "1250".into(),
            got: 2,
            want: 3
        }
    );
    assert!(e.to_string().contains("price check digit is 2"), "{e}");
}

#[test]
fn a_wrong_ean_check_digit_is_refused() {
    let e = issue_layouts().parse("2112345312508").unwrap_err();
    assert_eq!(e, CodeError::EanCheck { code: "2112345312508".into(), got: 8, want: 7 });
}

#[test]
fn other_prefixes_are_not_variable_measure() {
    // 8991101000070 is a valid EAN-13 of the demo catalog.
    let e = issue_layouts().parse("8991101000070").unwrap_err();
    assert_eq!(e, CodeError::NotVariable { code: "8991101000070".into(), prefix: "89".into() });
    assert!(!issue_layouts().covers("8991101000070"));
    // 2700000000007 (EAN sum 23: 7) is in range, but the demo has no
    // layout for 27: an ordinary in-store code.
    let demo = Layouts::default();
    assert!(!demo.covers("2700000000007"));
    assert_eq!(
        demo.parse("2700000000007").unwrap_err(),
        CodeError::NoLayout { code: "2700000000007".into(), prefix: 27 }
    );
    assert_eq!(
        demo.parse("21123453125").unwrap_err(),
        CodeError::NotEan13 { code: "21123453125".into() }
    );
}

#[test]
fn a_zero_price_or_weight_is_refused() {
    // The key itself, scanned: price 0000, price check digit 0, valid EAN.
    let e = issue_layouts().parse("2112345000008").unwrap_err();
    assert_eq!(e, CodeError::Zero { code: "2112345000008".into(), what: "price" });
}

#[test]
fn the_demo_layouts_read_weights_and_five_digit_prices() {
    let demo = Layouts::default();
    assert_eq!(demo.layouts().len(), 3);
    // 23 | 00101 | 00482 | 1: EAN sum of 230010100482 is 39.
    let r = demo.parse("2300101004821").unwrap();
    assert_eq!((r.item.as_str(), r.measure), ("00101", Measure::WeightG(482)));
    // Key 230010100000: sum 13, check digit 7.
    assert_eq!(r.key, "2300101000007");
    // 26 | 0042 | 4 | 12500 | 6: price check digit of 12500 is 4, EAN sum
    // of 260042412500 is 54.
    let r = demo.parse("2600424125006").unwrap();
    assert_eq!((r.item.as_str(), r.measure), ("0042", Measure::LabelPrice(Rupiah(12_500))));
    assert!(demo.covers("2600424125006"));
}

#[test]
fn weighed_prices_round_half_up_to_the_rupiah() {
    // 80.000 x 482 / 1000 = 38.560 exactly.
    assert_eq!(weighed_price(Rupiah(80_000), 482), Rupiah(38_560));
    // 12.345 x 482 / 1000 = 5.950,29: down.
    assert_eq!(weighed_price(Rupiah(12_345), 482), Rupiah(5_950));
    // 1.001 x 500 / 1000 = 500,5: up.
    assert_eq!(weighed_price(Rupiah(1_001), 500), Rupiah(501));
    // 1.001 x 499 / 1000 = 499,499: down.
    assert_eq!(weighed_price(Rupiah(1_001), 499), Rupiah(499));
}

#[test]
fn an_item_takes_the_label_price_or_the_weighed_price() {
    let cabai = Product {
        barcode: "2300101000007".into(),
        name: "Cabai Merah Keriting".into(),
        price: Rupiah(80_000),
        category: Some("buah-sayur".into()),
        restriction: Default::default(),
    };
    let item = Layouts::default().parse("2300101004821").unwrap().item(cabai.clone());
    assert_eq!(item.product.barcode, "2300101004821");
    assert_eq!(item.product.price, Rupiah(38_560));
    assert_eq!(item.product.name, cabai.name);
    assert_eq!(item.measure, Some(Measure::WeightG(482)));
    let item = issue_layouts().parse("2112345312507").unwrap().item(cabai);
    assert_eq!(item.product.price, Rupiah(1_250));
}

#[test]
fn a_weighed_price_is_at_least_one_rupiah() {
    // 1 g at Rp 400 per kg is Rp 0,4: Rp 0 would be a line the central
    // refuses, so the package costs Rp 1.
    let p = Product {
        barcode: "k".into(),
        name: "n".into(),
        price: Rupiah(400),
        category: None,
        restriction: Default::default(),
    };
    let item = Layouts::default().parse(&with_check("230010100001")).unwrap().item(p);
    assert_eq!(item.product.price, Rupiah(1));
}

/// `body` and its EAN check digit (the GTIN function, tested on its own).
fn with_check(body: &str) -> String {
    format!("{body}{}", gtin::check_digit(body).unwrap())
}

#[test]
fn measures_read_as_shoppers_read_them() {
    assert_eq!(Measure::WeightG(482).label(), "0,482 kg");
    assert_eq!(Measure::WeightG(1_500).label(), "1,500 kg");
    assert_eq!(Measure::WeightG(12_005).label(), "12,005 kg");
    assert_eq!(Measure::LabelPrice(Rupiah(1_250)).label(), "Rp 1.250");
    assert_eq!(serde_json::to_string(&Measure::WeightG(482)).unwrap(), r#"{"weight_g":482}"#);
    assert_eq!(
        serde_json::to_string(&Measure::LabelPrice(Rupiah(1_250))).unwrap(),
        r#"{"label_price":1250}"#
    );
}

#[test]
fn bad_layouts_are_refused_with_the_reason() {
    let layout = |prefixes: Vec<u8>, item, check, value| Layout {
        prefixes,
        item_digits: item,
        price_check_digit: check,
        value_digits: value,
        value: Value::Price,
    };
    let why = |list| Layouts::new(list).unwrap_err();
    assert_eq!(why(vec![layout(vec![19], 5, true, 4)]), (1, "prefix 19 is not 20 to 29".into()));
    assert!(why(vec![layout(vec![20], 5, true, 5)]).1.contains("not the 10 digits"));
    assert!(why(vec![layout(vec![20], 7, true, 2)]).1.contains("4 or 5 digits, not 2"));
    assert_eq!(
        why(vec![layout(vec![20, 21], 5, true, 4), layout(vec![21], 4, true, 5)]),
        (2, "prefix 21 has a layout already".into())
    );
    let e = Layouts::from_toml("[[layout]]\nprefixes = [20]\nitem_digits = 5\n", "x.toml");
    assert!(matches!(e, Err(LayoutError::Syntax { .. })), "{e:?}");
    let text = "[[layout]]\nprefixes=[20]\nitem_digits=6\nprice_check_digit=true\n\
                value_digits=4\nvalue=\"weight\"\n";
    let e = Layouts::from_toml(text, "x.toml").unwrap_err();
    assert!(e.to_string().starts_with("x.toml: layout number 1: 6 item digits"), "{e}");
}

#[test]
fn layouts_travel_as_json_and_are_checked_on_arrival() {
    let json = serde_json::to_string(&Layouts::default()).unwrap();
    assert_eq!(serde_json::from_str::<Layouts>(&json).unwrap(), Layouts::default());
    let bad = r#"[{"prefixes":[30],"item_digits":5,"price_check_digit":true,
                   "value_digits":4,"value":"price"}]"#;
    assert!(serde_json::from_str::<Layouts>(bad).is_err());
}

#[test]
fn plu_codes_are_four_digits_3000_to_4999_or_five_from_9() {
    for plu in ["3000", "4011", "4999", "94011", "90000"] {
        assert!(is_plu(plu), "{plu}");
    }
    for not in ["2999", "5000", "401", "84011", "4a11", "940110", ""] {
        assert!(!is_plu(not), "{not}");
    }
}
