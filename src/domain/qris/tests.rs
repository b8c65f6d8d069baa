//! Tests of reading and checking; the expected payloads, offsets and CRCs
//! were worked out by hand and with an independent CRC-16/CCITT-FALSE.

use super::*;

mod convert;
mod property;

/// The published payloads in the shared samples, as (name, crc, payload).
fn vectors() -> Vec<(String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/qris/vectors.tsv");
    let text = std::fs::read_to_string(path).expect("shared QRIS vectors");
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut cols = l.splitn(3, '\t');
            let mut next = || cols.next().unwrap().to_owned();
            (next(), next(), next())
        })
        .collect()
}

fn vector(name: &str) -> String {
    vectors().into_iter().find(|v| v.0 == name).unwrap().2
}

/// 01 = 13, criteria XYZ, 53 = 840 in Indonesia, amount 1,000; CRC right.
const MANY_ERRORS: &str = "00020101021326250014ID.CO.TEST.WWW010312351440014ID.CO.QRIS.WWW\
    0215ID12345678901230303XYZ52045411530384054051,0005802ID5904Toko6007Jakarta61051234563048426";

/// A 3-digit category (581) and a 26-character name; CRC right.
const WARNINGS_ONLY: &str = "00020101021126250014ID.CO.TEST.WWW010312351440014ID.CO.QRIS.WWW\
    0215ID12345678901230303UMI520358153033605802ID5926Warung Makan Sederhana Jay6007Jakarta\
    6105123456304EC0C";

/// The name "Kopi Café": 9 characters, 10 UTF-8 bytes; CRC over UTF-8.
const UTF8_NAME: &str = "00020101021126250014ID.CO.TEST.WWW010312351440014ID.CO.QRIS.WWW\
    0215ID12345678901230303UMI5204581253033605802ID5909Kopi Café6007Jakarta610512345630456DB";

fn error_ids(text: &str) -> Vec<(String, usize)> {
    inspect(text).errors.into_iter().map(|e| (e.id, e.offset)).collect()
}

#[test]
fn every_published_vector_is_read_as_its_crc_column_says() {
    for (name, crc, payload) in vectors() {
        let report = inspect(&payload);
        match crc.as_str() {
            "valid" => assert!(report.is_payable(), "{name}: {:?}", report.errors),
            _ => assert!(!report.is_payable(), "{name} must be refused"),
        }
        assert_eq!(parse(&payload).is_ok(), crc == "valid", "{name}");
    }
}

#[test]
fn non_hex_crc_is_refused_by_name_and_offset() {
    // V13 ends in 6304M2B3; the 63 starts at character 191.
    let err = parse(&vector("V13")).unwrap_err();
    assert_eq!(err.id, "63");
    assert_eq!(err.offset, 191);
    assert_eq!(err.kind, ErrorKind::CrcNotHex { found: "M2B3".into() });
}

#[test]
fn objects_are_nested_in_payload_order_with_character_offsets() {
    let p = parse(&vector("V01")).unwrap();
    let top: Vec<(u8, usize)> = p.objects.iter().map(|o| (o.id, o.offset)).collect();
    let expected = [
        (0, 0),
        (1, 6),
        (26, 12),
        (51, 73),
        (52, 121),
        (53, 129),
        (58, 136),
        (59, 142),
        (60, 168),
        (61, 182),
        (63, 191),
    ];
    assert_eq!(top, expected);
    let t26 = p.object(26).unwrap();
    let subs: Vec<(u8, usize, &str)> =
        t26.children.as_ref().unwrap().iter().map(|c| (c.id, c.offset, c.value.as_str())).collect();
    // 26 at 12: header 4, then 00 (4+11), 01 (4+18), 02 (4+9), 03.
    assert_eq!(
        subs,
        [
            (0, 16, "ID.DANA.WWW"),
            (1, 31, "936009153022591481"),
            (2, 53, "022591481"),
            (3, 66, "UMI")
        ]
    );
    assert_eq!(p.object(52).unwrap().children, None, "52 is primitive");
}

#[test]
fn decoded_merchant_of_a_static_code() {
    let p = parse(&vector("V01")).unwrap();
    assert_eq!(p.initiation, Initiation::Static);
    assert_eq!(p.merchant_name, "Warung Sayur Bu Sugeng");
    assert_eq!(p.merchant_city, "Kab. Demak");
    assert_eq!(p.country, "ID");
    assert_eq!(p.postal_code.as_deref(), Some("59567"));
    assert_eq!(p.mcc, "5812");
    assert_eq!(p.nmid.as_deref(), Some("ID1020017611473"));
    assert_eq!(p.criteria.as_deref(), Some("UMI"));
    assert_eq!(p.amount, None);
    let domains: Vec<_> = p.accounts.iter().map(|a| (a.id, a.domain())).collect();
    assert_eq!(domains, [(26, Some("ID.DANA.WWW")), (51, Some("ID.CO.QRIS.WWW"))]);
    assert_eq!(p.accounts[0].sub(1), Some("936009153022591481"));
}

#[test]
fn reads_the_facts_of_a_dynamic_code() {
    // V15 by hand: 01=12, 54=17000, 59="Toko Berkah, BNY NYR",
    // 60="PROBOLINGGO", NMID in 51/02 = ID1026572242539.
    let p = parse(&vector("V15")).unwrap();
    assert_eq!(p.initiation, Initiation::Dynamic);
    assert_eq!(p.amount.as_deref(), Some("17000"));
    assert_eq!(p.amount_rupiah, Some(Rupiah(17_000)));
    assert_eq!(p.merchant_name, "Toko Berkah, BNY NYR");
    assert_eq!(p.merchant_city, "PROBOLINGGO");
    assert_eq!(p.nmid.as_deref(), Some("ID1026572242539"));
    assert_eq!(p.terminal_label.as_deref(), Some("A01"));
}

#[test]
fn sub_50_of_62_is_a_primitive_value_not_a_template() {
    // V15's 62/50 holds "A120260818025055rNt8gS9Lx9ID", which is not TLV.
    let p = parse(&vector("V15")).unwrap();
    let t62 = p.object(62).unwrap();
    assert_eq!(t62.child_value(50), Some("A120260818025055rNt8gS9Lx9ID"));
    assert_eq!(t62.child(50).unwrap().children, None);
}

#[test]
fn fixed_fee_of_a_doku_code() {
    // V06: 54=1000, 55=02, 56=500.
    let p = parse(&vector("V06")).unwrap();
    assert_eq!(p.amount_rupiah, Some(Rupiah(1_000)));
    assert_eq!(p.tip, Some(Tip::Fixed { value: "500".into(), rupiah: Some(Rupiah(500)) }));
    assert_eq!(p.criteria.as_deref(), Some("URE"));
}

#[test]
fn decimal_amount_after_61_keeps_whole_rupiah() {
    // V08 carries 39000.00 in a 54 placed after 61.
    let p = parse(&vector("V08")).unwrap();
    assert_eq!(p.amount_rupiah, Some(Rupiah(39_000)));
    assert_eq!(p.object(54).unwrap().offset, 186);
}

#[test]
fn lowercase_crc_is_accepted() {
    let v01 = vector("V01");
    let lower = format!("{}{}", &v01[..v01.len() - 4], v01[v01.len() - 4..].to_lowercase());
    assert!(lower.ends_with("58c7"));
    assert!(parse(&lower).is_ok());
}

#[test]
fn a_changed_byte_breaks_the_crc() {
    let tampered = vector("V01").replacen("Warung", "Warunk", 1);
    let err = parse(&tampered).unwrap_err();
    assert_eq!(err.id, "63");
    assert!(matches!(err.kind, ErrorKind::CrcMismatch { .. }), "{err}");
}

#[test]
fn payload_without_crc_is_refused() {
    // A parser that never checks the CRC would take V01 without its 63.
    let v01 = vector("V01");
    let bare = &v01[..v01.len() - 8];
    assert!(error_ids(bare).contains(&("63".into(), bare.len())));
}

#[test]
fn crc_is_over_utf8_bytes_and_lengths_count_characters() {
    let p = parse(UTF8_NAME).unwrap();
    assert_eq!(p.merchant_name, "Kopi Café");
    assert_eq!(p.object(60).unwrap().offset, 123, "offsets count characters");
    // The CRC a UTF-16 code-unit implementation computes (0x64E2) is wrong.
    let utf16 = UTF8_NAME.replace("56DB", "64E2");
    let err = parse(&utf16).unwrap_err();
    assert_eq!(err.kind, ErrorKind::CrcMismatch { found: "64E2".into(), computed: "56DB".into() });
}

#[test]
fn every_error_is_collected_with_its_id_and_offset() {
    let report = inspect(MANY_ERRORS);
    let got: Vec<(&str, usize)> = report.errors.iter().map(|e| (e.id.as_str(), e.offset)).collect();
    assert_eq!(got, [("01", 6), ("51.03", 82), ("53", 97), ("54", 104)]);
    assert_eq!(parse(MANY_ERRORS).unwrap_err().id, "01", "parse gives the first");
}

#[test]
fn real_issuer_deviations_are_warnings_not_errors() {
    let report = inspect(WARNINGS_ONLY);
    assert!(report.is_payable(), "{:?}", report.errors);
    let got: Vec<(&str, usize)> =
        report.warnings.iter().map(|w| (w.id.as_str(), w.offset)).collect();
    assert_eq!(got, [("52", 89), ("59", 109)]);
    assert_eq!(report.warnings[1].kind, WarningKind::Long { len: 26, max: 25 });
}

#[test]
fn truncated_payload_says_where() {
    // 00 02 "01", 01 02 "12", then 26 claims 5 characters and only "ab"
    // follow.
    let err = parse("0002010102122605ab").unwrap_err();
    assert_eq!((err.id.as_str(), err.offset), ("26", 12));
    assert_eq!(err.kind, ErrorKind::Overrun { len: 5, left: 2 });
    let err = parse("000201010212265").unwrap_err();
    assert_eq!((err.offset, err.kind), (12, ErrorKind::Truncated { left: 3 }));
}

#[test]
fn template_that_is_not_tlv_is_an_error() {
    let v01 = vector("V01");
    // Swap 26's first sub id for letters; the length stays right.
    let broken = v01.replacen("26570011ID.DANA", "2657XX11ID.DANA", 1);
    let report = inspect(&broken);
    let e = report.errors.iter().find(|e| e.id == "26").expect("26 named");
    assert_eq!(e.offset, 12);
    assert!(matches!(&e.kind, ErrorKind::BadTemplate { inner } if inner.id == "26.XX"));
}

#[test]
fn duplicate_ids_are_refused_at_each_level() {
    let v01 = vector("V01");
    let twice = v01.replacen("5802ID", "5802ID5802ID", 1);
    assert!(error_ids(&twice).contains(&("58".into(), 142)));
    let sub_twice = v01.replacen("51440014ID.CO.QRIS.WWW", "51510014ID.CO.QRIS.WWW0303UMI", 1);
    assert!(error_ids(&sub_twice).iter().any(|(id, _)| id == "51.03"));
}

#[test]
fn mandatory_objects_are_named_when_missing() {
    let v01 = vector("V01");
    let no_postal = v01.replacen("610559567", "", 1);
    assert!(error_ids(&no_postal).iter().any(|(id, _)| id == "61"));
    let no_name = v01.replacen("5922Warung Sayur Bu Sugeng", "", 1);
    assert!(error_ids(&no_name).iter().any(|(id, _)| id == "59"));
}

#[test]
fn fee_indicator_and_fee_must_agree() {
    let v06 = vector("V06");
    // 55=03 promises a percentage in 57, but 56 is there instead.
    let wrong = v06.replacen("550202", "550203", 1);
    let ids: Vec<String> = error_ids(&wrong).into_iter().map(|(id, _)| id).collect();
    assert!(ids.contains(&"56".into()) && ids.contains(&"57".into()), "{ids:?}");
    let stray = v06.replacen("550202", "", 1);
    assert!(error_ids(&stray).iter().any(|(id, _)| id == "56"));
}

#[test]
fn point_of_initiation_is_only_11_or_12() {
    assert!(error_ids(MANY_ERRORS).contains(&("01".into(), 6)));
}

#[test]
fn empty_payload_is_one_clear_error() {
    let report = inspect("");
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].kind, ErrorKind::Empty);
}

#[test]
fn error_message_names_object_and_offset() {
    let err = parse(&vector("V13")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "object 63 at character 191: CRC value \"M2B3\" is not four hexadecimal digits"
    );
}

#[test]
fn trailing_space_in_a_name_is_a_warning() {
    // V08's name is "Starbucks " (59 at character 146).
    let report = inspect(&vector("V08"));
    assert!(report.is_payable());
    let w: Vec<(&str, usize)> = report.warnings.iter().map(|w| (w.id.as_str(), w.offset)).collect();
    assert_eq!(w, [("59", 146)]);
}

/// With 64 = {00 "zh", 01 "商店"} and an unreserved template 80; CRC right.
const LANGUAGE: &str = "00020101021126250014ID.CO.TEST.WWW010312351440014ID.CO.QRIS.WWW\
    0215ID12345678901230303UMI5204541153033605802ID5904Toko6007Jakarta61051234564120002zh\
    0102商店80200011COM.EXAMPLE0101x6304982C";

/// With 64 = {00 "zh"} only: the alternate name is missing.
const LANGUAGE_NO_NAME: &str = "00020101021126250014ID.CO.TEST.WWW010312351440014ID.CO.QRIS.WWW\
    0215ID12345678901230303UMI5204541153033605802ID5904Toko6007Jakarta61051234564060002zh\
    630406A4";

#[test]
fn language_and_unreserved_templates_are_nested_and_checked() {
    let p = parse(LANGUAGE).unwrap();
    // "商店" is two characters (six UTF-8 bytes): 64 is 12 long.
    assert_eq!(p.object(64).unwrap().child_value(1), Some("商店"));
    assert_eq!(p.object(80).unwrap().offset, 154);
    assert_eq!(p.object(80).unwrap().child_value(0), Some("COM.EXAMPLE"));
    assert_eq!(error_ids(LANGUAGE_NO_NAME), [("64.01".to_owned(), 138)]);
}
