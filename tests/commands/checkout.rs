//! The headless self-checkout, end to end: the real binary, real photos, a
//! real central on port 0.

use std::process::Command;

use serde_json::Value;

use crate::common;

/// Prices chosen for the test, so the total is worked out by hand:
/// 2 x 12.500 + 4.300 + 7.250 = 36.550 before promotions. The central
/// serves the demo promotions; of them only KOPI-TEH-2000 (Rp 2.000 off each
/// unit in the kopi-teh category) applies: 2 x 2.000 = 4.000 off, 32.550.
const CATALOG: &str = "barcode,name,price,category\n\
    8480010092271,Kopi Bubuk 200 g,12500,kopi-teh\n\
    0036602301467,Sabun Cair 250 ml,4300,perawatan-diri\n\
    12345670,Permen Mint,7250,cokelat-permen\n";

fn checkout(central: &str, data_dir: &std::path::Path, photos: &[&str]) -> (i32, Value, String) {
    let samples = common::samples();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swalayan"));
    cmd.args(["checkout", "--central", central, "--pay", "simulated", "--data-dir"])
        .arg(data_dir)
        .arg("--scan");
    for p in photos {
        cmd.arg(samples.join(p));
    }
    let out = cmd.output().expect("swalayan runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn headless_checkout_of_real_photos_totals_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let url = central.url();
    let data = dir.path().join("device");

    let photos = ["ean13-1/2.png", "upca-1/2.png", "ean13-1/2.png", "ean8-1/2.png"];
    let (code, receipt, stderr) =
        tokio::task::spawn_blocking(move || checkout(&url, &data, &photos)).await.unwrap();
    assert_eq!(code, 0, "stderr: {stderr}");

    assert_eq!(receipt["subtotal"], 36_550);
    assert_eq!(
        receipt["discounts"],
        serde_json::json!([{"promotion": "KOPI-TEH-2000", "amount": 4000}])
    );
    assert_eq!(receipt["total"], 32_550);
    assert_eq!(receipt["payment"]["amount"], 32_550);
    assert_eq!(receipt["points_earned"], 0, "no member");
    assert_eq!(receipt["points_redeemed"], 0);
    assert_eq!(receipt["payment"]["method"], "qris");
    assert_eq!(receipt["payment"]["status"], "paid");
    let lines = receipt["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["barcode"], "8480010092271");
    assert_eq!(lines[0]["qty"], 2);
    assert_eq!(lines[0]["unit_price"], 12_500);
    assert_eq!(lines[0]["line_total"], 25_000);
    assert_eq!(lines[1]["barcode"], "0036602301467");
    assert_eq!(lines[1]["line_total"], 4_300);
    assert_eq!(lines[2]["barcode"], "12345670");
    assert_eq!(lines[2]["name"], "Permen Mint");

    // The central holds the same sale under the printed id.
    let id = receipt["transaction_id"].as_str().unwrap();
    let client = swalayan::central::client::Client::new(&central.url()).unwrap();
    let tx = client.transaction(id).await.unwrap();
    assert_eq!(tx.total.0, 32_550);
    assert_eq!(tx.lines.len(), 3);
    assert_eq!(tx.discounts.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_code_stops_before_payment_and_names_file_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let url = central.url();
    let data = dir.path().join("device");
    // ean13-1/3.png reads 8480000823274, which this catalog lacks.
    let (code, receipt, stderr) = tokio::task::spawn_blocking(move || {
        checkout(&url, &data, &["ean13-1/2.png", "ean13-1/3.png"])
    })
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert_eq!(receipt, Value::Null, "no receipt may be printed");
    assert!(stderr.contains("ean13-1/3.png"), "{stderr}");
    assert!(stderr.contains("8480000823274 is not in the catalog"), "{stderr}");
    assert!(stderr.contains("no payment was created"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn photo_without_a_product_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let url = central.url();
    let data = dir.path().join("device");
    // A QR code of a URL is a code, but not a product.
    let (code, _, stderr) =
        tokio::task::spawn_blocking(move || checkout(&url, &data, &["qrcode-1/1.png"]))
            .await
            .unwrap();
    assert_ne!(code, 0);
    assert!(
        stderr.contains("qrcode-1/1.png") && stderr.contains("not a product barcode"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreadable_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let bogus = dir.path().join("struk.png");
    std::fs::write(&bogus, b"not an image").unwrap();
    let url = central.url();
    let data = dir.path().join("device");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_swalayan"))
            .args(["checkout", "--central", &url, "--pay", "simulated", "--data-dir"])
            .arg(&data)
            .arg("--scan")
            .arg(&bogus)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("struk.png: not an image"), "{stderr}");
    assert!(stderr.contains("no payment was created"), "{stderr}");
}
