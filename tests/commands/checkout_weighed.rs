//! Weighed goods, label-priced goods and produce PLUs bought headless with
//! `swalayan checkout --code`, against a real central on port 0 with the
//! demo variable-measure layouts (`assets/variable-measure.toml`).

use std::process::Command;

use serde_json::{Value, json};

use crate::common;

/// Prices chosen for the test. The keys are the items' codes with a zero
/// value (EAN check digits worked out by hand: 230010200000 sums to 14, so
/// 6; 211234500000 to 32, so 8).
const CATALOG: &str = "barcode,name,price,category\n\
    8480010092271,Kopi Bubuk 200 g,12500,kopi-teh\n\
    2300102000006,Tomat Merah (per kg),18500,buah-sayur\n\
    2112345000008,Kue Lapis Legit (harga di label),1000,roti\n\
    4011,Pisang Cavendish (per buah),2500,buah-sayur\n";

/// Tomat, 483 g: prefix 23, item 00102, weight 00483; the EAN sum of
/// 230010200483 is 43, so the check digit is 7.
const TOMAT_483_G: &str = "2300102004837";
/// The README's example: item 12345 at Rp 1.250, price check digit 3.
const KUE_RP_1250: &str = "2112345312507";

fn checkout(central: &str, data_dir: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swalayan"));
    cmd.args(["checkout", "--central", central, "--pay", "simulated", "--data-dir"])
        .arg(data_dir)
        .args(args);
    let out = cmd.output().expect("swalayan runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn weighed_label_priced_and_plu_items_total_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let url = central.url();
    let data = dir.path().join("device");
    let photo = common::samples().join("ean13-1/2.png").display().to_string();

    // Codes and a photo interleaved: the cart keeps the command line's
    // order.
    let (code, receipt, stderr) = tokio::task::spawn_blocking(move || {
        let args = [
            "--code",
            TOMAT_483_G,
            "--scan",
            &photo,
            "--code",
            KUE_RP_1250,
            "--code",
            "4011",
            "--code",
            "4011",
        ];
        checkout(&url, &data, &args)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "stderr: {stderr}");

    let lines = receipt["lines"].as_array().unwrap();
    let barcodes: Vec<&str> = lines.iter().map(|l| l["barcode"].as_str().unwrap()).collect();
    assert_eq!(barcodes, [TOMAT_483_G, "8480010092271", KUE_RP_1250, "4011"]);
    // 18.500 x 483 / 1000 = 8.935,5: half up, 8.936.
    assert_eq!(lines[0]["name"], "Tomat Merah (per kg)");
    assert_eq!(lines[0]["measure"], json!({"weight_g": 483}));
    assert_eq!(lines[0]["unit_price"], 8_936);
    assert_eq!(lines[0]["line_total"], 8_936);
    assert_eq!(lines[1]["line_total"], 12_500);
    assert!(lines[1].get("measure").is_none(), "a plain product has no measure");
    // The label's price, not the catalog's Rp 1.000.
    assert_eq!(lines[2]["measure"], json!({"label_price": 1250}));
    assert_eq!(lines[2]["line_total"], 1_250);
    assert_eq!(lines[3]["qty"], 2);
    assert_eq!(lines[3]["line_total"], 5_000);
    // 8.936 + 12.500 + 1.250 + 5.000 = 27.686, less KOPI-TEH-2000 on the
    // coffee: 25.686.
    assert_eq!(receipt["subtotal"], 27_686);
    assert_eq!(receipt["discounts"], json!([{"promotion": "KOPI-TEH-2000", "amount": 2000}]));
    assert_eq!(receipt["total"], 25_686);
    assert_eq!(receipt["payment"]["amount"], 25_686);
    assert_eq!(receipt["payment"]["status"], "paid");

    // The central priced the sale again with the same layouts and agrees:
    // no central_total is kept beside it.
    let id = receipt["transaction_id"].as_str().unwrap();
    let client = swalayan::central::client::Client::new(&central.url()).unwrap();
    let tx = client.transaction(id).await.unwrap();
    assert_eq!(tx.total.0, 25_686);
    assert_eq!(tx.central_total, None, "the central prices the weighed line the same");
    assert_eq!(tx.lines[0].measure, Some(swalayan::domain::variable::Measure::WeightG(483)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_price_check_digit_stops_before_any_payment() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let url = central.url();
    let data = dir.path().join("device");
    // KUE_RP_1250 with price check digit 2 instead of 3 and the EAN check
    // digit made right again (that digit weighs 3: sum 50, check 0).
    let (code, receipt, stderr) = tokio::task::spawn_blocking(move || {
        checkout(&url, &data, &["--code", "4011", "--code", "2112345212500"])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "stderr: {stderr}");
    assert_eq!(receipt, Value::Null, "no receipt may be printed");
    assert!(stderr.contains("--code 2112345212500"), "{stderr}");
    assert!(stderr.contains("price check digit is 2"), "{stderr}");
    assert!(stderr.contains("no payment was created"), "{stderr}");
    let calls = central.simulator().expect("the simulator is the gateway").calls();
    assert_eq!(calls.create_qr, 0, "no payment code was asked for");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_ean_check_digit_and_an_unknown_plu_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let url = central.url();
    let data = dir.path().join("device");
    let (code, _, stderr) = tokio::task::spawn_blocking({
        let (url, data) = (url.clone(), data.clone());
        move || checkout(&url, &data, &["--code", "2112345312508"])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(stderr.contains("EAN check digit of its digits is 7"), "{stderr}");

    // The coffee's barcode 8480010092271 typed with a 2 at the end: a typo,
    // not a product this shop lacks.
    let (code, _, stderr) = tokio::task::spawn_blocking({
        let (url, data) = (url.clone(), data.clone());
        move || checkout(&url, &data, &["--code", "8480010092272"])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(
        stderr.contains("its last digit is 2, but the EAN check digit of its digits is 1"),
        "{stderr}"
    );

    let (code, _, stderr) =
        tokio::task::spawn_blocking(move || checkout(&url, &data, &["--code", "4087"]))
            .await
            .unwrap();
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(stderr.contains("--code 4087: code 4087 is not in the catalog"), "{stderr}");
    assert_eq!(central.simulator().unwrap().calls().create_qr, 0);
}

/// A scanner set to send GTIN-14: the coffee's 8480010092271 as the
/// GTIN-14 of one item (indicator 0) is the coffee.
#[tokio::test(flavor = "multi_thread")]
async fn a_gtin14_of_one_item_is_its_gtin13() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let (url, data) = (central.url(), dir.path().join("device"));
    let (code, receipt, stderr) =
        tokio::task::spawn_blocking(move || checkout(&url, &data, &["--code", "08480010092271"]))
            .await
            .unwrap();
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(receipt["lines"][0]["barcode"], "8480010092271");
    assert_eq!(receipt["subtotal"], 12_500);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_central_prices_a_weighed_code_like_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let client = swalayan::central::client::Client::new(&central.url()).unwrap();
    let request = swalayan::central::api::PriceRequest {
        lines: vec![swalayan::domain::pricing::LineRequest { barcode: TOMAT_483_G.into(), qty: 2 }],
        ..Default::default()
    };
    let answer = client.price(&request).await.unwrap();
    // Two packages of 483 g: 2 x 8.936.
    assert_eq!(answer.priced.total.0, 17_872);
    // The catalog page tells devices the layouts.
    let page = client.catalog_page(None, 10).await.unwrap();
    let layouts = page.variable_measure.expect("the layouts come with the catalog");
    assert_eq!(layouts, swalayan::domain::variable::Layouts::default());
}

/// `swalayan central --variable-measure`: a bad file stops the central at
/// start with the file, the layout and the reason.
#[test]
fn the_central_takes_its_layouts_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("layouts.toml");
    std::fs::write(
        &bad,
        "[[layout]]\nprefixes = [23]\nitem_digits = 5\nprice_check_digit = false\n\
         value_digits = 5\nvalue = \"weight\"\n\n\
         [[layout]]\nprefixes = [19]\nitem_digits = 5\nprice_check_digit = false\n\
         value_digits = 5\nvalue = \"weight\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(["central", "--listen", "127.0.0.1:0", "--variable-measure"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("layouts.toml: layout number 2: prefix 19 is not 20 to 29"),
        "{stderr}"
    );
}
