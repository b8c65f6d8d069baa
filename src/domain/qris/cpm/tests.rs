//! Tests of the customer-presented reader; the expected values come from
//! decoding C01 of the shared samples by hand.

use proptest::prelude::*;

use super::*;

/// C01 of the shared samples: a wallet's QRIS customer-presented code.
///
/// By hand: 85 05 "CPV01" (byte 0); 61 45 (byte 7) holding 4F 07
/// A0000006022020 (9), 50 07 "QRISCPM" (18), 5A 0A 9360091430100531720F
/// (27), 5F2D 04 "iden" (39), 63 1E (46) holding 9F74 1B
/// "cheque:95677249509051898074" (48). 78 bytes in all.
const C01: &str = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3QbY2hl\
    cXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

/// C01 with a 00 byte after it.
const TRAILING: &str = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3Qb\
    Y2hlcXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0AA==";

/// C01 without its last byte.
const SHORT: &str = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3QbY2hl\
    cXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc=";

/// C01 with the application id ending 21 instead of 20.
const OTHER_AID: &str = "hQVDUFYwMWFFTwegAAAGAiAhUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3Qb\
    Y2hlcXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

/// C01 with the first account byte A3: not a digit.
const BAD_DIGIT: &str = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqjYAkUMBAFMXIPXy0EaWRlbmMen3Qb\
    Y2hlcXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

/// C01 with the last account byte F0: padding before a digit.
const PAD_INSIDE: &str = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXLwXy0EaWRlbmMen3Qb\
    Y2hlcXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

/// C01 with the length of 85 written 81 05.
const LONG_LENGTH: &str = "hYEFQ1BWMDFhRU8HoAAABgIgIFAHUVJJU0NQTVoKk2AJFDAQBTFyD18tBGlkZW5jHp90\
    G2NoZXF1ZTo5NTY3NzI0OTUwOTA1MTg5ODA3NA==";

/// C01 with the length of 85 written 80 (indefinite).
const INDEFINITE: &str = "hYBDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3Qb\
    Y2hlcXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

/// C01 with the indicator CPV02.
const VERSION_2: &str = "hQVDUFYwMmFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3Qb\
    Y2hlcXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

fn first_error(text: &str) -> (String, usize, CpmErrorKind) {
    let e = decode(text).unwrap_err();
    (e.tag, e.offset, e.kind)
}

#[test]
fn c01_decodes_to_the_values_worked_out_by_hand() {
    let report = inspect(C01);
    assert!(report.is_payable(), "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let p = report.payload;
    assert_eq!(p.format.as_deref(), Some("CPV01"));
    let app = p.qris().expect("the QRIS application");
    assert_eq!((app.tag, app.offset), (0x61, 7));
    assert_eq!(app.aid.as_deref(), Some("A0000006022020"));
    assert_eq!(app.label.as_deref(), Some("QRISCPM"));
    assert_eq!(app.account.as_deref(), Some("9360091430100531720"));
    assert_eq!(app.languages, ["id", "en"]);
    assert_eq!(app.issuer_data.as_deref(), Some("cheque:95677249509051898074"));
}

#[test]
fn c01_objects_are_nested_with_byte_offsets_and_multi_byte_tags() {
    let p = decode(C01).unwrap();
    let top: Vec<(u32, usize)> = p.objects.iter().map(|o| (o.tag, o.offset)).collect();
    assert_eq!(top, [(0x85, 0), (0x61, 7)]);
    let app = &p.objects[1];
    let inner: Vec<(String, usize)> =
        app.children.as_ref().unwrap().iter().map(|o| (o.tag_hex(), o.offset)).collect();
    let expected = [("4F", 9), ("50", 18), ("5A", 27), ("5F2D", 39), ("63", 46)];
    assert_eq!(inner, expected.map(|(t, o)| (t.to_owned(), o)));
    let t63 = app.child(0x63).unwrap();
    let issuer = t63.child(0x9F74).unwrap();
    assert_eq!((issuer.offset, issuer.value.len()), (48, 27));
}

#[test]
fn cpm_is_told_apart_from_mpm() {
    assert!(looks_like_cpm(C01));
    assert!(crate::domain::qris::is_cpm(C01));
    assert!(!looks_like_cpm("00020101021126570011ID.DANA.WWW"));
}

#[test]
fn trailing_byte_is_refused_where_it_is() {
    let (tag, offset, kind) = first_error(TRAILING);
    assert_eq!((tag.as_str(), offset), ("", 78));
    assert_eq!(kind, CpmErrorKind::Padding { byte: 0 });
}

#[test]
fn truncated_template_is_refused_with_its_length() {
    let (tag, offset, kind) = first_error(SHORT);
    assert_eq!((tag.as_str(), offset), ("61", 7));
    assert_eq!(kind, CpmErrorKind::Overrun { len: 69, left: 68 });
}

#[test]
fn only_the_qris_application_id_is_payable() {
    let (tag, _, kind) = first_error(OTHER_AID);
    assert_eq!((tag.as_str(), kind), ("61.4F", CpmErrorKind::NoQrisApplication));
    assert_eq!(inspect(OTHER_AID).payload.applications[0].aid.as_deref(), Some("A0000006022021"));
}

#[test]
fn account_number_must_be_packed_digits_padded_at_the_end() {
    for text in [BAD_DIGIT, PAD_INSIDE] {
        let (tag, offset, kind) = first_error(text);
        assert_eq!((tag.as_str(), offset), ("61.5A", 27));
        assert!(matches!(kind, CpmErrorKind::Invalid { .. }), "{kind:?}");
    }
}

#[test]
fn lengths_in_more_bytes_than_needed_are_a_warning() {
    let report = inspect(LONG_LENGTH);
    assert!(report.is_payable(), "{:?}", report.errors);
    assert_eq!(report.warnings.len(), 1);
    assert_eq!((report.warnings[0].tag.as_str(), report.warnings[0].offset), ("85", 0));
    assert_eq!(report.payload.qris().unwrap().account.as_deref(), Some("9360091430100531720"));
}

#[test]
fn indefinite_length_is_refused() {
    let (tag, offset, kind) = first_error(INDEFINITE);
    assert_eq!((tag.as_str(), offset), ("85", 0));
    assert_eq!(kind, CpmErrorKind::BadLength { why: "an indefinite length" });
}

#[test]
fn only_version_cpv01_is_read() {
    let (tag, offset, _) = first_error(VERSION_2);
    assert_eq!((tag.as_str(), offset), ("85", 0));
}

#[test]
fn base64_errors_name_the_character() {
    let e = decode("hQVDUFYw MWFF").unwrap_err();
    assert_eq!(e.offset, 8);
    assert_eq!(e.kind, CpmErrorKind::Base64 { why: "a character outside the base64 alphabet" });
    assert_eq!(
        e.to_string(),
        "at character 8: not base64: a character outside the base64 alphabet"
    );
    assert_eq!(decode("").unwrap_err().kind, CpmErrorKind::Empty);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // 61 { 63 { 7F21 { 7F21 { 7F21 { 01 } } } } }: constructed all the way.
    let mut o = BerObject::primitive(0x01, vec![1]);
    for _ in 0..3 {
        o = BerObject::constructed(0x7F21, vec![o]);
    }
    let text = encode(&[
        BerObject::primitive(0x85, b"CPV01".to_vec()),
        BerObject::constructed(0x61, vec![BerObject::constructed(0x63, vec![o])]),
    ]);
    assert!(inspect(&text).errors.iter().any(|e| e.kind == CpmErrorKind::TooDeep));
}

#[test]
fn digits_unpack_with_f_padding_and_track_2_separator() {
    assert_eq!(digits(&[0x12, 0x3F], false).as_deref(), Some("123"));
    assert_eq!(digits(&[0x12, 0x34], false).as_deref(), Some("1234"));
    assert_eq!(digits(&[0x1F, 0x34], false), None);
    assert_eq!(digits(&[0x12, 0xD3, 0x4F], true).as_deref(), Some("12D34"));
    assert_eq!(digits(&[0xFF], false), None);
}

/// Packs digits two per byte, F-padded.
fn pack(d: &str) -> Vec<u8> {
    let mut nibbles: Vec<u8> = d.bytes().map(|b| b - b'0').collect();
    if nibbles.len() % 2 == 1 {
        nibbles.push(0xF);
    }
    nibbles.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
}

proptest! {
    #[test]
    fn encoded_applications_decode_equal(
        label in "[A-Z0-9 ]{1,16}",
        account in "[0-9]{1,20}",
        languages in proptest::collection::vec("[a-z]{2}", 1..=4),
        issuer in "[ -~]{1,60}",
    ) {
        let objects = vec![
            BerObject::primitive(0x85, b"CPV01".to_vec()),
            BerObject::constructed(0x61, vec![
                BerObject::primitive(0x4F, QRIS_AID.to_vec()),
                BerObject::primitive(0x50, label.as_bytes().to_vec()),
                BerObject::primitive(0x5A, pack(&account)),
                BerObject::primitive(0x5F2D, languages.concat().into_bytes()),
                BerObject::constructed(0x63, vec![
                    BerObject::primitive(0x9F74, issuer.as_bytes().to_vec()),
                ]),
            ]),
        ];
        let text = encode(&objects);
        let p = decode(&text).unwrap();
        let app = p.qris().unwrap();
        prop_assert_eq!(app.label.as_deref(), Some(label.as_str()));
        prop_assert_eq!(app.account.as_deref(), Some(account.as_str()));
        prop_assert_eq!(&app.languages, &languages);
        prop_assert_eq!(app.issuer_data.as_deref(), Some(issuer.as_str()));
        // Offsets aside, the tree read is the tree written.
        prop_assert_eq!(encode(&p.objects), text);
    }

    #[test]
    fn any_bytes_are_inspected_without_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = inspect(&base64::encode(&bytes));
    }
}

#[test]
fn common_data_template_needs_no_application_id() {
    // 85 CPV01, 61 { 4F QRIS, 5A 12 34 }, 62 { 5F20 "BUDI" }.
    let text = encode(&[
        BerObject::primitive(0x85, b"CPV01".to_vec()),
        BerObject::constructed(
            0x61,
            vec![
                BerObject::primitive(0x4F, QRIS_AID.to_vec()),
                BerObject::primitive(0x5A, vec![0x12, 0x34]),
            ],
        ),
        BerObject::constructed(0x62, vec![BerObject::primitive(0x5F20, b"BUDI".to_vec())]),
    ]);
    let report = inspect(&text);
    assert!(report.is_payable(), "{:?}", report.errors);
    assert_eq!(report.payload.applications[1].cardholder.as_deref(), Some("BUDI"));
    assert_eq!(report.payload.qris().unwrap().account.as_deref(), Some("1234"));
}

#[test]
fn application_without_id_is_refused() {
    let text = encode(&[
        BerObject::primitive(0x85, b"CPV01".to_vec()),
        BerObject::constructed(0x61, vec![BerObject::primitive(0x5A, vec![0x12, 0x34])]),
    ]);
    assert!(
        inspect(&text).errors.iter().any(|e| e.tag == "61.4F" && e.kind == CpmErrorKind::Missing)
    );
}

#[test]
fn duplicate_tags_in_an_application_are_refused() {
    let text = encode(&[
        BerObject::primitive(0x85, b"CPV01".to_vec()),
        BerObject::constructed(
            0x61,
            vec![
                BerObject::primitive(0x4F, QRIS_AID.to_vec()),
                BerObject::primitive(0x5A, vec![0x12, 0x34]),
                BerObject::primitive(0x5A, vec![0x56, 0x78]),
            ],
        ),
    ]);
    // 85 05 CPV01 is 7 bytes, 61 and its length 2, 4F 07 ... 9, 5A 02 .. 4.
    let e = decode(&text).unwrap_err();
    assert_eq!((e.tag.as_str(), e.offset), ("61.5A", 22));
    assert_eq!(e.kind, CpmErrorKind::Duplicate { first: 18 });
}
