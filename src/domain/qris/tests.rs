use super::*;

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

#[test]
fn every_published_vector_is_read_as_its_crc_column_says() {
    for (name, crc, payload) in vectors() {
        let result = parse(&payload);
        match crc.as_str() {
            "valid" => assert!(result.is_ok(), "{name}: {result:?}"),
            _ => assert!(result.is_err(), "{name} must be refused"),
        }
    }
}

#[test]
fn non_hex_crc_is_refused_by_name() {
    let (_, _, v13) = vectors().into_iter().find(|v| v.0 == "V13").unwrap();
    assert_eq!(parse(&v13), Err(QrisError::CrcNotHex { found: "M2B3".into() }));
}

#[test]
fn reads_the_facts_of_a_dynamic_code() {
    // V15 by hand: 01=12, 54=17000, 59="Toko Berkah, BNY NYR",
    // 60="PROBOLINGGO", NMID in 51/02 = ID1026572242539.
    let (_, _, v15) = vectors().into_iter().find(|v| v.0 == "V15").unwrap();
    let p = parse(&v15).unwrap();
    assert_eq!(p.initiation, Initiation::Dynamic);
    assert_eq!(p.amount.as_deref(), Some("17000"));
    assert_eq!(p.amount_rupiah, Some(Rupiah(17_000)));
    assert_eq!(p.merchant_name, "Toko Berkah, BNY NYR");
    assert_eq!(p.merchant_city, "PROBOLINGGO");
    assert_eq!(p.nmid.as_deref(), Some("ID1026572242539"));
}

#[test]
fn decimal_amount_keeps_whole_rupiah() {
    // V08 carries 39000.00.
    let (_, _, v08) = vectors().into_iter().find(|v| v.0 == "V08").unwrap();
    assert_eq!(parse(&v08).unwrap().amount_rupiah, Some(Rupiah(39_000)));
}

#[test]
fn lowercase_crc_is_accepted() {
    let (_, _, v01) = vectors().into_iter().find(|v| v.0 == "V01").unwrap();
    let lower = format!("{}{}", &v01[..v01.len() - 4], v01[v01.len() - 4..].to_lowercase());
    assert!(parse(&lower).is_ok());
}

#[test]
fn a_changed_byte_breaks_the_crc() {
    let (_, _, v01) = vectors().into_iter().find(|v| v.0 == "V01").unwrap();
    let tampered = v01.replacen("Warung", "Warunk", 1);
    assert!(matches!(parse(&tampered), Err(QrisError::CrcMismatch { .. })));
}

#[test]
fn truncated_payload_says_where() {
    // 00 02 "01", 01 02 "12", then 26 claims 5 bytes and only "ab" follow.
    assert_eq!(
        parse("0002010102122605ab"),
        Err(QrisError::Overrun { offset: 12, id: "26".into(), len: 5 })
    );
    assert_eq!(parse("000201010212265"), Err(QrisError::Truncated { offset: 12 }));
}

fn merchant() -> Merchant {
    Merchant {
        acquirer_domain: "ID.CO.SWALAYAN.WWW".into(),
        merchant_pan: "936000000000000017".into(),
        merchant_id: "SWL0001".into(),
        nmid: "ID1026000000017".into(),
        criteria: "UMI".into(),
        mcc: "5411".into(),
        name: "Swalayan Demo".into(),
        city: "JAKARTA".into(),
        postal_code: "10110".into(),
    }
}

#[test]
fn dynamic_payload_round_trips_with_amount_in_tag_54() {
    let text = dynamic_payload(&merchant(), Rupiah(19_000), "PAY123").unwrap();
    // Written by hand from the EMVCo layout: the fixed head of the code.
    assert!(text.starts_with("000201010212"), "{text}");
    assert!(text.contains("540519000"), "{text}");
    assert!(text.contains("5303360"), "{text}");
    let p = parse(&text).unwrap();
    assert_eq!(p.amount_rupiah, Some(Rupiah(19_000)));
    assert_eq!(p.nmid.as_deref(), Some("ID1026000000017"));
    // The CRC over everything before its value, computed here from scratch.
    let body = &text[..text.len() - 4];
    assert_eq!(&text[text.len() - 4..], format!("{:04X}", crc16(body.as_bytes())));
}

#[test]
fn zero_amount_is_refused() {
    assert!(dynamic_payload(&merchant(), Rupiah(0), "PAY").is_err());
}
