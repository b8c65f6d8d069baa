//! `swalayan qris parse` and `swalayan qris dynamic`, run as the real binary
//! on the shared sample payloads; expected values worked out by hand.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn vector(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/qris/vectors.tsv");
    let text = std::fs::read_to_string(path).expect("shared QRIS vectors");
    let line = text.lines().find(|l| l.starts_with(&format!("{name}\t"))).expect(name);
    line.rsplit('\t').next().unwrap().to_owned()
}

const C01: &str = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3QbY2hl\
    cXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0";

fn swalayan(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the swalayan binary starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn parse_json(args: &[&str], stdin: Option<&str>) -> (i32, Value) {
    let out = swalayan(args, stdin);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    });
    (out.status.code().unwrap(), json)
}

#[test]
fn parse_prints_a_static_code_and_exits_0() {
    let (code, j) = parse_json(&["qris", "parse", &vector("V01")], None);
    assert_eq!(code, 0);
    assert_eq!(j["mode"], "mpm");
    assert_eq!(j["initiation"], "static");
    assert_eq!(j["merchant"]["name"], "Warung Sayur Bu Sugeng");
    assert_eq!(j["merchant"]["city"], "Kab. Demak");
    assert_eq!(j["merchant"]["country"], "ID");
    assert_eq!(j["merchant"]["nmid"], "ID1020017611473");
    assert_eq!(j["merchant"]["accounts"][0]["domain"], "ID.DANA.WWW");
    assert_eq!(j["merchant"]["accounts"][0]["pan"], "936009153022591481");
    assert_eq!(j["errors"], serde_json::json!([]));
    // 26 at character 12, a template: its value is the list of its objects.
    assert_eq!(j["objects"][2]["id"], "26");
    assert_eq!(j["objects"][2]["offset"], 12);
    assert_eq!(j["objects"][2]["value"][0]["id"], "00");
    assert_eq!(j["objects"][2]["value"][0]["offset"], 16);
    assert_eq!(j["objects"][2]["value"][0]["value"], "ID.DANA.WWW");
}

#[test]
fn parse_prints_amount_and_fixed_fee() {
    let (code, j) = parse_json(&["qris", "parse", &vector("V06")], None);
    assert_eq!(code, 0);
    assert_eq!(j["initiation"], "dynamic");
    assert_eq!(j["amount"], "1000");
    assert_eq!(j["amount_rupiah"], 1000);
    assert_eq!(j["fee"]["type"], "fixed");
    assert_eq!(j["fee"]["rupiah"], 500);
}

#[test]
fn parse_of_a_broken_crc_exits_1_naming_object_and_offset() {
    let (code, j) = parse_json(&["qris", "parse", &vector("V13")], None);
    assert_eq!(code, 1);
    assert_eq!(j["payable"], false);
    assert_eq!(j["errors"][0]["id"], "63");
    assert_eq!(j["errors"][0]["offset"], 191);
    assert!(j["errors"][0]["message"].as_str().unwrap().contains("M2B3"));
}

#[test]
fn parse_reads_standard_input_without_its_line_break() {
    let (code, j) = parse_json(&["qris", "parse", "-"], Some(&format!("{}\n", vector("V15"))));
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["amount_rupiah"], 17000);
}

#[test]
fn parse_decodes_a_customer_presented_code() {
    let (code, j) = parse_json(&["qris", "parse", C01], None);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["mode"], "cpm");
    assert_eq!(j["format"], "CPV01");
    assert_eq!(j["applications"][0]["aid"], "A0000006022020");
    assert_eq!(j["applications"][0]["label"], "QRISCPM");
    assert_eq!(j["applications"][0]["account"], "9360091430100531720");
    assert_eq!(j["objects"][1]["id"], "61");
    assert_eq!(j["objects"][1]["offset"], 7);
    assert_eq!(j["objects"][1]["value"][0]["value"], "A0000006022020");
}

#[test]
fn parse_of_a_truncated_customer_code_exits_1_with_byte_offset() {
    // C01 less its last byte: 61 at byte 7 claims 69 bytes, 68 follow.
    let short = "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3QbY2hl\
        cXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc=";
    let (code, j) = parse_json(&["qris", "parse", short], None);
    assert_eq!(code, 1);
    assert_eq!(j["errors"][0]["id"], "61");
    assert_eq!(j["errors"][0]["offset"], 7);
}

#[test]
fn dynamic_prints_the_converted_code() {
    // V14 for Rp 17,000 with bill ABC, worked out by hand.
    let out =
        swalayan(&["qris", "dynamic", &vector("V14"), "--amount", "17000", "--bill", "ABC"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G4648855360303UMI\
        51440014ID.CO.QRIS.WWW0215ID10265722425390303UMI5204549953033605405170005802ID\
        5920Toko Berkah, BNY NYR6011PROBOLINGGO61056727562140103ABC0703A0163040AA1\n";
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn dynamic_with_a_percentage_fee() {
    let args = ["qris", "dynamic", &vector("V14"), "--amount", "17000", "--fee-percent", "2.5"];
    let out = swalayan(&args, None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("540517000550203" /* 54, then 55 = 03 */), "{text}");
    assert!(text.contains("57032.5"), "{text}");
}

#[test]
fn dynamic_of_a_broken_payload_exits_1_naming_object_and_offset() {
    let out = swalayan(&["qris", "dynamic", &vector("V13"), "--amount", "1000"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("object 63 at character 191"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn dynamic_refuses_a_customer_presented_code() {
    let out = swalayan(&["qris", "dynamic", C01, "--amount", "1000"], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_largest_qris_amount_is_accepted() {
    let out = swalayan(&["qris", "dynamic", &vector("V14"), "--amount", "10000000"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().contains("540810000000"));
}

#[test]
fn usage_errors_exit_2() {
    let v14 = vector("V14");
    let both = ["qris", "dynamic", &v14, "--amount", "1", "--fee-fixed", "1", "--fee-percent", "2"];
    for args in [
        &both[..],
        &["qris", "dynamic", &v14],
        &["qris", "dynamic", &v14, "--amount", "abc"],
        &["qris", "dynamic", &v14, "--amount", "1", "--fee-percent", "150"],
        // Options the codec would otherwise blame on a tag of the result.
        &["qris", "dynamic", &v14, "--amount", "0"],
        &["qris", "dynamic", &v14, "--amount", "10000001"],
        &["qris", "dynamic", &v14, "--amount", "1", "--fee-fixed", "0"],
        &["qris", "dynamic", &v14, "--amount", "1", "--bill", "12345678901234567890123456"],
        &["qris", "parse"],
    ] {
        assert_eq!(swalayan(args, None).status.code(), Some(2), "{args:?}");
    }
}
