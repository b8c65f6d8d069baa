//! Writing payloads and turning static codes into dynamic ones.

use super::*;

/// V14 made dynamic for Rp 17,000 by hand: 010211 -> 010212, 540517000
/// before 58, everything else as in V14; CRC computed independently.
const V14_17000: &str = "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G46488553\
    60303UMI51440014ID.CO.QRIS.WWW0215ID10265722425390303UMI5204549953033605405170005802ID\
    5920Toko Berkah, BNY NYR6011PROBOLINGGO61056727562070703A0163041A6D";

/// The same with bill number ABC joining 62 before its sub 07.
const V14_17000_BILL: &str = "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G464885\
    5360303UMI51440014ID.CO.QRIS.WWW0215ID10265722425390303UMI5204549953033605405170005802\
    ID5920Toko Berkah, BNY NYR6011PROBOLINGGO61056727562140103ABC0703A0163040AA1";

/// With a fixed fee of Rp 500 (55=02, 56=500).
const V14_17000_FEE: &str = "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G4648855\
    360303UMI51440014ID.CO.QRIS.WWW0215ID10265722425390303UMI520454995303360540517000550202\
    56035005802ID5920Toko Berkah, BNY NYR6011PROBOLINGGO61056727562070703A0163042040";

/// With a fee of 2.5 % (55=03, 57=2.5).
const V14_17000_PERCENT: &str = "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G46488\
    55360303UMI51440014ID.CO.QRIS.WWW0215ID10265722425390303UMI5204549953033605405170005502\
    0357032.55802ID5920Toko Berkah, BNY NYR6011PROBOLINGGO61056727562070703A0163041F1D";

/// A static code whose account numbers and name hold "010211" and "5405":
/// string replacement would corrupt them.
const TRAP: &str = "00020101021126520014ID.CO.TEST.WWW011693600102115405100210010211540551440014\
    ID.CO.QRIS.WWW0215ID12345678901230303UMI5204541153033605802ID5911Toko 0102116007Jakarta\
    61051234563046398";

/// TRAP made dynamic for Rp 25,000 by hand.
const TRAP_25000: &str = "00020101021226520014ID.CO.TEST.WWW011693600102115405100210010211540551\
    440014ID.CO.QRIS.WWW0215ID12345678901230303UMI5204541153033605405250005802ID5911Toko 010211\
    6007Jakarta61051234563046BCF";

/// V08 (54 after 61) re-priced at Rp 25,000: the old 54 goes, the new one
/// comes after 53.
const V08_25000: &str = "00020101021226610014COM.GO-JEK.WWW01189360091432343267810210G23432678103\
    03UBE51440014ID.CO.QRIS.WWW0215ID20190143816000303UBE5204581253033605405250005802ID5910\
    Starbucks 6013JAKARTA PUSAT6105102106239502801202104130502044NMWVA6P4CID0703A036304236A";

fn sale(amount: i64) -> Sale {
    Sale { amount: Rupiah(amount), fee: None, bill: None }
}

#[test]
fn v14_becomes_dynamic_exactly_as_worked_out_by_hand() {
    assert_eq!(to_dynamic(&vector("V14"), &sale(17_000)).unwrap(), V14_17000);
}

#[test]
fn conversion_matches_the_issuers_own_dynamic_code_outside_62() {
    // V15 is what the issuer made of V14 for Rp 17,000; it also put a
    // per-transaction token in 62, which a conversion cannot know. Every
    // other object must be the same, in the same order.
    let ours = parse(&to_dynamic(&vector("V14"), &sale(17_000)).unwrap()).unwrap();
    let theirs = parse(&vector("V15")).unwrap();
    let outside = |p: &Payload| -> Vec<(u8, String)> {
        p.objects
            .iter()
            .filter(|o| o.id != 62 && o.id != 63)
            .map(|o| (o.id, o.value.clone()))
            .collect()
    };
    assert_eq!(outside(&ours), outside(&theirs));
    assert_eq!(ours.field(62), Some("0703A01"), "V14's own 62 is kept");
}

#[test]
fn bill_number_joins_62_before_its_higher_subs() {
    let s = Sale { bill: Some("ABC".into()), ..sale(17_000) };
    assert_eq!(to_dynamic(&vector("V14"), &s).unwrap(), V14_17000_BILL);
}

#[test]
fn fixed_and_percentage_fees_are_written_with_their_indicator() {
    let fixed = Sale { fee: Some(Fee::Fixed(Rupiah(500))), ..sale(17_000) };
    assert_eq!(to_dynamic(&vector("V14"), &fixed).unwrap(), V14_17000_FEE);
    let percent = Sale { fee: Some(Fee::Percent("2.5".parse().unwrap())), ..sale(17_000) };
    assert_eq!(to_dynamic(&vector("V14"), &percent).unwrap(), V14_17000_PERCENT);
}

#[test]
fn conversion_never_touches_look_alike_text_in_account_numbers() {
    assert_eq!(to_dynamic(TRAP, &sale(25_000)).unwrap(), TRAP_25000);
}

#[test]
fn old_amount_and_fees_are_removed_wherever_they_were() {
    assert_eq!(to_dynamic(&vector("V08"), &sale(25_000)).unwrap(), V08_25000);
    // V06 has 54, 55 and 56; a sale without a fee keeps none of them.
    let p = parse(&to_dynamic(&vector("V06"), &sale(2_000)).unwrap()).unwrap();
    assert_eq!(p.amount.as_deref(), Some("2000"));
    assert_eq!((p.field(55), p.field(56)), (None, None));
}

#[test]
fn conversion_refuses_a_broken_payload_or_a_zero_sale() {
    let err = to_dynamic(&vector("V13"), &sale(1_000)).unwrap_err();
    assert_eq!((err.id.as_str(), err.offset), ("63", 191));
    assert_eq!(to_dynamic(&vector("V14"), &sale(0)).unwrap_err().id, "54");
    let long_bill = Sale { bill: Some("B".repeat(26)), ..sale(1_000) };
    assert_eq!(to_dynamic(&vector("V14"), &long_bill).unwrap_err().id, "62.01");
    let free = Sale { fee: Some(Fee::Fixed(Rupiah(0))), ..sale(1_000) };
    assert_eq!(to_dynamic(&vector("V14"), &free).unwrap_err().id, "56");
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
fn dynamic_payload_is_written_as_worked_out_by_hand() {
    let text = dynamic_payload(&merchant(), Rupiah(19_000), "PAY123").unwrap();
    let expected = "00020101021226620018ID.CO.SWALAYAN.WWW01189360000000000000170207SWL0001\
        0303UMI51440014ID.CO.QRIS.WWW0215ID10260000000170303UMI5204541153033605405190005802ID\
        5913Swalayan Demo6007JAKARTA61051011062170106PAY1230703A0163048A08";
    assert_eq!(text, expected);
    assert_eq!(parse(&text).unwrap().bill_number.as_deref(), Some("PAY123"));
}

#[test]
fn static_payload_is_written_as_worked_out_by_hand() {
    let expected = "00020101021126620018ID.CO.SWALAYAN.WWW01189360000000000000170207SWL0001\
        0303UMI51440014ID.CO.QRIS.WWW0215ID10260000000170303UMI5204541153033605802ID\
        5913Swalayan Demo6007JAKARTA61051011062070703A016304B8B8";
    assert_eq!(static_payload(&merchant()).unwrap(), expected);
}

#[test]
fn zero_amount_is_refused() {
    assert!(dynamic_payload(&merchant(), Rupiah(0), "PAY").is_err());
}

#[test]
fn a_value_over_99_characters_is_refused() {
    let m = Merchant { merchant_pan: "9".repeat(100), ..merchant() };
    let err = static_payload(&m).unwrap_err();
    assert_eq!(err.id, "26.01");
    assert_eq!(err.kind, ErrorKind::TooLong { len: 100 });
    // 26 itself would pass 99 with a 90-digit PAN.
    let m = Merchant { merchant_pan: "9".repeat(90), ..merchant() };
    assert_eq!(static_payload(&m).unwrap_err().kind, ErrorKind::TooLong { len: 134 });
}

#[test]
fn generation_refuses_what_the_reader_would_refuse() {
    let m = Merchant { criteria: "BIG".into(), ..merchant() };
    assert_eq!(static_payload(&m).unwrap_err().id, "51.03");
}

#[test]
fn ids_are_written_in_ascending_order() {
    let p = parse(&dynamic_payload(&merchant(), Rupiah(5_000), "X").unwrap()).unwrap();
    let ids: Vec<u8> = p.objects.iter().map(|o| o.id).collect();
    assert_eq!(ids, [0, 1, 26, 51, 52, 53, 54, 58, 59, 60, 61, 62, 63]);
}

#[test]
fn crc_is_zero_padded() {
    // Find a bill reference whose payload CRC is below 0x1000 rather than
    // trust a constant, then check the four digits by recomputing them.
    let text = (0..)
        .map(|i| dynamic_payload(&merchant(), Rupiah(10_000), &format!("R{i}")).unwrap())
        .find(|t| crc16(&t.as_bytes()[..t.len() - 4]) < 0x1000)
        .unwrap();
    let crc = &text[text.len() - 4..];
    assert!(crc.starts_with('0'), "{crc}");
    assert_eq!(crc, format!("{:04X}", crc16(&text.as_bytes()[..text.len() - 4])));
    assert!(parse(&text).is_ok());
}
