//! The headless checkout with promotions, a member, vouchers, redeemed points
//! and a cart handed over from the web: the real binary and a real central on
//! port 0, with the demo promotions (assets/promotions.toml) and the demo
//! members (assets/members.csv).
//!
//! The catalog is the demo catalog (assets/catalog.csv) plus the products of
//! the sample photos (assets/sample-photos.csv), so photos can be scanned:
//! ean13-1/2.png is Kopi Bubuk 200 g (Rp 12.500, kopi-teh), ean13-1/1.png
//! Minyak Zaitun 250 ml (Rp 45.000, sembako), ean8-1/2.png Permen Mint
//! (Rp 7.250, cokelat-permen).
//!
//! The member is M0006 Hendra Gunawan, platinum (3 points per full
//! Rp 1.000 paid), 800 points, phone 0812-0000-0006, and no birthday, so no
//! birthday offer can apply whatever day the test runs.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use swalayan::central::api::{Channel, NewCart, NewCartLine, PaymentStatus};
use swalayan::central::client::Client;
use swalayan::central::server::Running;
use swalayan::checkout::{Checkout, Device};
use swalayan::domain::cart::Cart;

use crate::common;

const KOPI: &str = "8480010092271";
const ZAITUN: &str = "8413000065504";
const ROMA: &str = "8991175000136";
const ULTRA: &str = "8991804000643";
const HENDRA_PHONE: &str = "0812-0000-0006";

/// The demo catalog and the sample photos' products, in one file.
fn catalog() -> String {
    let demo = include_str!("../../assets/catalog.csv");
    let photos = include_str!("../../assets/sample-photos.csv");
    let rows = photos.lines().skip(1).collect::<Vec<_>>().join("\n");
    format!("{}\n{rows}\n", demo.trim_end())
}

async fn central(dir: &Path) -> Running {
    common::start_central(Some(&catalog()), dir).await
}

/// Runs `swalayan` with `args`: exit code, stdout as JSON (`Null` if none),
/// stderr.
async fn swalayan(args: Vec<String>) -> (i32, Value, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_swalayan")).args(&args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), json, stderr)
    })
    .await
    .unwrap()
}

/// `swalayan checkout` of `photos` with `extra` flags.
async fn checkout(url: &str, data: &Path, photos: &[&str], extra: &[&str]) -> (i32, Value, String) {
    let samples = common::samples();
    let mut args: Vec<String> = ["checkout", "--central", url, "--pay", "simulated"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push("--data-dir".into());
    args.push(data.display().to_string());
    if !photos.is_empty() {
        args.push("--scan".into());
        args.extend(photos.iter().map(|p| samples.join(p).display().to_string()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    swalayan(args).await
}

/// A web cart of one Roma Kelapa and one Ultra Milk, for `member`.
async fn web_cart(client: &Client, member: Option<&str>) -> String {
    let lines = [ROMA, ULTRA].map(|b| NewCartLine { barcode: b.into(), qty: 1 }).to_vec();
    let body = NewCart { lines, member: member.map(str::to_owned), channel: Channel::Web };
    client.create_cart(&body).await.unwrap().code
}

fn ledger(account: &swalayan::central::api::MemberAccount) -> Vec<(String, i64)> {
    account.ledger.iter().map(|e| (e.kind.clone(), e.delta)).collect()
}

/// Two Kopi Bubuk and one Minyak Zaitun for M0006 with voucher
/// SWL-25RB-0001 and 500 points:
///
/// - subtotal 2 x 12.500 + 45.000 = 70.000;
/// - KOPI-TEH-2000, Rp 2.000 off each kopi-teh unit: 2 x 2.000 = 4.000
///   (an item promotion, applied first), running total 66.000;
/// - VOUCHER-25RB, Rp 25.000 off the cart: 66.000 - 25.000 = 41.000 (the
///   spend thresholds need Rp 100.000 and 200.000; nothing else matches);
/// - 500 points pay part: QRIS pays 40.500, which holds 40 full thousands,
///   so platinum earns 3 x 40 = 120 points;
/// - balance after: 800 - 500 + 120 = 420.
#[tokio::test(flavor = "multi_thread")]
async fn member_checkout_with_a_promotion_a_voucher_and_points_matches_price_and_the_hand_figures()
{
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path()).await;
    let url = central.url();
    let client = Client::new(&url).unwrap();

    // `swalayan price` first: the member as a phone number, from a cart
    // file; nothing is paid or held.
    let file = dir.path().join("cart.json");
    let cart = json!({
        "lines": [{"barcode": KOPI, "qty": 2}, {"barcode": ZAITUN, "qty": 1}],
        "member": HENDRA_PHONE,
        "vouchers": ["SWL-25RB-0001"],
        "redeem_points": 500,
    });
    std::fs::write(&file, cart.to_string()).unwrap();
    let price_data = dir.path().join("price-device");
    let (code, priced, stderr) = swalayan(vec![
        "price".into(),
        "--central".into(),
        url.clone(),
        "--cart".into(),
        file.display().to_string(),
        "--data-dir".into(),
        price_data.display().to_string(),
    ])
    .await;
    assert_eq!(code, 0, "stderr: {stderr}");
    let discounts = json!([
        {"promotion": "KOPI-TEH-2000", "amount": 4000},
        {"promotion": "VOUCHER-25RB", "amount": 25000},
    ]);
    assert_eq!(priced["subtotal"], 70_000);
    assert_eq!(priced["discounts"], discounts);
    assert_eq!(priced["total"], 41_000);
    assert_eq!(priced["points_redeemed"], 500);
    assert_eq!(priced["points_earned"], 120);
    assert_eq!(client.member_account("M0006").await.unwrap().reserved, 0, "price holds nothing");

    // The checkout of the same cart, scanned; the code typed in lower case.
    let data = dir.path().join("device");
    let photos = ["ean13-1/2.png", "ean13-1/1.png", "ean13-1/2.png"];
    let flags = ["--member", HENDRA_PHONE, "--voucher", "swl-25rb-0001", "--redeem-points", "500"];
    let (code, receipt, stderr) = checkout(&url, &data, &photos, &flags).await;
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(receipt["subtotal"], 70_000);
    assert_eq!(receipt["discounts"], discounts);
    assert_eq!(receipt["total"], 41_000);
    assert_eq!(receipt["points_redeemed"], 500);
    assert_eq!(receipt["points_earned"], 120);
    assert_eq!(receipt["payment"]["amount"], 40_500);
    assert_eq!(receipt["member"], "M0006");
    assert_eq!(receipt["vouchers"], json!(["SWL-25RB-0001"]));
    // The lines keep their list prices; the savings are the discounts.
    let lines = receipt["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!((&lines[0]["barcode"], &lines[0]["qty"]), (&json!(KOPI), &json!(2)));
    assert_eq!(lines[0]["line_total"], 25_000);
    assert_eq!((&lines[1]["barcode"], &lines[1]["line_total"]), (&json!(ZAITUN), &json!(45_000)));
    // The same figures as `swalayan price`, key by key.
    for key in ["subtotal", "discounts", "total", "points_earned", "points_redeemed"] {
        assert_eq!(receipt[key], priced[key], "{key}");
    }

    // The central recorded the same sale and the member's points.
    let tx = client.transaction(receipt["transaction_id"].as_str().unwrap()).await.unwrap();
    assert_eq!((tx.total.0, tx.points_redeemed, tx.points_earned), (41_000, 500, 120));
    assert_eq!(tx.discounts.len(), 2);
    let account = client.member_account("M0006").await.unwrap();
    assert_eq!((account.balance, account.reserved), (420, 0));
    assert_eq!(
        ledger(&account),
        [("opening".into(), 800), ("redeem".into(), -500), ("earn".into(), 120)]
    );

    // The voucher is spent: a second checkout with it is refused, and
    // nothing is charged or held.
    let (code, receipt, stderr) =
        checkout(&url, &data, &["ean13-1/1.png"], &["--voucher", "SWL-25RB-0001"]).await;
    assert_ne!(code, 0);
    assert_eq!(receipt, Value::Null);
    assert!(stderr.contains("voucher SWL-25RB-0001 is already used"), "{stderr}");
}

/// A web cart of Roma Kelapa (10.500) and Ultra Milk (6.500) for M0002
/// (silver, 0 points, no birthday), continued at the kiosk with a scanned
/// Kopi Bubuk (12.500):
///
/// - subtotal 10.500 + 6.500 + 12.500 = 29.500;
/// - item promotions in id order (all priority 0): KOPI-TEH-2000 takes
///   2.000 off the coffee, then SARAPAN-HEMAT sells Roma + Ultra Milk for
///   15.000, saving 17.000 - 15.000 = 2.000;
/// - total 29.500 - 4.000 = 25.500; the cart's member earns silver 1 x 25.
#[tokio::test(flavor = "multi_thread")]
async fn a_web_cart_is_finished_at_the_kiosk_with_a_scan_and_then_closed() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path()).await;
    let url = central.url();
    let client = Client::new(&url).unwrap();
    let code = web_cart(&client, Some("M0002")).await;

    let data = dir.path().join("device");
    let (status, receipt, stderr) =
        checkout(&url, &data, &["ean13-1/2.png"], &["--cart", &code]).await;
    assert_eq!(status, 0, "stderr: {stderr}");
    let barcodes: Vec<&str> = receipt["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["barcode"].as_str().unwrap())
        .collect();
    assert_eq!(barcodes, [ROMA, ULTRA, KOPI], "the web cart's lines, then the scan");
    assert_eq!(receipt["subtotal"], 29_500);
    assert_eq!(
        receipt["discounts"],
        json!([
            {"promotion": "KOPI-TEH-2000", "amount": 2000},
            {"promotion": "SARAPAN-HEMAT", "amount": 2000},
        ])
    );
    assert_eq!(receipt["total"], 25_500);
    assert_eq!(receipt["member"], "M0002");
    assert_eq!(receipt["points_earned"], 25);
    let account = client.member_account("M0002").await.unwrap();
    assert_eq!(account.balance, 25);

    // Paid: the cart is closed and cannot be continued again.
    let err = client.open_cart(&code).await.unwrap_err();
    assert!(err.to_string().contains("cart_closed"), "{err}");
    let (status, _, stderr) = checkout(&url, &data, &[], &["--cart", &code]).await;
    assert_ne!(status, 0);
    assert!(stderr.contains("cannot open the cart; no payment was created"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn vouchers_and_points_that_cannot_be_used_stop_before_payment_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path()).await;
    let url = central.url();
    let client = Client::new(&url).unwrap();
    let data = dir.path().join("device");
    let kopi = ["ean13-1/2.png"];
    let refused = |stderr: &str, reason: &str| {
        assert!(stderr.contains(reason), "{stderr}");
        assert!(stderr.contains("no payment was created"), "{stderr}");
    };

    let (code, out, stderr) = checkout(&url, &data, &kopi, &["--voucher", "NOPE-1"]).await;
    assert_ne!(code, 0);
    assert_eq!(out, Value::Null);
    refused(&stderr, "voucher NOPE-1 cannot be used: no promotion has this code");

    // Two codes of one single-voucher promotion: the second does not apply.
    let two = ["--voucher", "SWL-25RB-0002", "--voucher", "SWL-25RB-0003"];
    let (code, _, stderr) = checkout(&url, &data, &["ean13-1/1.png"], &two).await;
    assert_ne!(code, 0);
    refused(&stderr, "voucher SWL-25RB-0003 cannot be used: VOUCHER-25RB already takes code");

    // More points than M0006 has (800).
    let flags = ["--member", HENDRA_PHONE, "--redeem-points", "900"];
    let (code, _, stderr) = checkout(&url, &data, &["ean13-1/1.png"], &flags).await;
    assert_ne!(code, 0);
    refused(&stderr, "900 points asked, but the member has 800 points available");

    // Within the balance, past the cap: the web cart (Roma + Ultra Milk,
    // bundled for 15.000) and a Kopi Bubuk (12.500 - 2.000 = 10.500) make
    // 25.500; the Rp 25.000 voucher leaves 500, so at most 499 points.
    let cart = web_cart(&client, None).await;
    let flags = [
        "--cart",
        &cart,
        "--voucher",
        "SWL-25RB-0003",
        "--member",
        HENDRA_PHONE,
        "--redeem-points",
        "600",
    ];
    let (code, _, stderr) = checkout(&url, &data, &kopi, &flags).await;
    assert_ne!(code, 0);
    refused(&stderr, "600 points asked, but at most 499 may pay part of the total Rp 500");

    // Points need a member.
    let (code, _, stderr) = checkout(&url, &data, &kopi, &["--redeem-points", "10"]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("--member"), "{stderr}");

    // Nothing was held by any of them, and the cart is still open.
    let account = client.member_account("M0006").await.unwrap();
    assert_eq!((account.balance, account.reserved, account.member.points), (800, 0, 800));
    assert!(client.open_cart(&cart).await.is_ok());
}

/// A device whose database is in `data`.
fn device(data: &Path, url: &str) -> Device {
    Device::open(data, Client::new(url).unwrap()).unwrap()
}

/// M0006 buys two Kopi Bubuk and one Minyak Zaitun with `voucher` and
/// `points`, priced by `device` (the figures of the first test).
async fn hendra_checkout(device: &Device, voucher: &str, points: u64) -> Checkout {
    device.sync_catalog().await.unwrap();
    let member = device.identify_member(HENDRA_PHONE).await.unwrap();
    let mut cart = Cart::new();
    for b in [KOPI, KOPI, ZAITUN] {
        cart.add(&device.lookup(b).await.unwrap().unwrap()).unwrap();
    }
    Checkout { cart, member: Some(member), vouchers: vec![voucher.into()], points }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loyalty_payment_paid_as_the_device_died_is_committed_once_at_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path()).await;
    let url = central.url();
    let client = Client::new(&url).unwrap();
    let data = dir.path().join("device");

    // Created, paid by the shopper, and the device dies before it hears.
    let first = device(&data, &url);
    let bill = first.bill(hendra_checkout(&first, "SWL-25RB-0001", 500).await).await.unwrap();
    assert_eq!(bill.amount().0, 40_500);
    let payment = first.start_payment(&bill, "visit-killed").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    drop(first);
    let held = client.member_account("M0006").await.unwrap();
    assert_eq!((held.balance, held.reserved), (800, 500), "held, not spent, while open");

    // The next run (an anonymous Permen Mint, Rp 7.250, no promotion)
    // records the interrupted sale first.
    let (code, receipt, stderr) = checkout(&url, &data, &["ean8-1/2.png"], &[]).await;
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(receipt["total"], 7_250);
    let account = client.member_account("M0006").await.unwrap();
    assert_eq!((account.balance, account.reserved), (420, 0));
    assert_eq!(
        ledger(&account),
        [("opening".into(), 800), ("redeem".into(), -500), ("earn".into(), 120)]
    );

    // Settling again changes nothing: committed once.
    assert!(device(&data, &url).reconcile().await.unwrap().is_empty());
    assert_eq!(ledger(&client.member_account("M0006").await.unwrap()).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unpaid_loyalty_payment_of_a_dead_device_is_cancelled_and_its_points_released() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path()).await;
    let url = central.url();
    let client = Client::new(&url).unwrap();
    let data = dir.path().join("device");

    let first = device(&data, &url);
    let bill = first.bill(hendra_checkout(&first, "SWL-25RB-0002", 300).await).await.unwrap();
    let payment = first.start_payment(&bill, "visit-left").await.unwrap();
    drop(first);
    assert_eq!(client.member_account("M0006").await.unwrap().reserved, 300);

    let again = device(&data, &url);
    assert!(again.reconcile().await.unwrap().is_empty(), "nothing sold");
    assert_eq!(client.payment(&payment.id).await.unwrap().status, PaymentStatus::Cancelled);
    let account = client.member_account("M0006").await.unwrap();
    assert_eq!((account.balance, account.reserved, account.member.points), (800, 0, 800));
    assert_eq!(ledger(&account), [("opening".into(), 800)], "nothing spent");

    // The voucher and the points are free again for the next shopper.
    let bill = again.bill(hendra_checkout(&again, "SWL-25RB-0002", 800).await).await.unwrap();
    let next = again.start_payment(&bill, "visit-next").await.unwrap();
    assert_eq!(next.amount.0, 41_000 - 800);
    client.cancel_payment(&next.id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loyalty_payment_whose_creation_answer_was_lost_is_found_with_the_same_body() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path()).await;
    let url = central.url();
    let client = Client::new(&url).unwrap();
    let data = dir.path().join("device");

    // The device noted the bill and sent the creation; the central made
    // the payment, but the device died before the answer came, so it
    // never learnt the payment's id. The shopper paid.
    let first = device(&data, &url);
    let bill = first.bill(hendra_checkout(&first, "SWL-25RB-0003", 500).await).await.unwrap();
    drop(first);
    let store = swalayan::store::Store::open(&data.join("device.db")).unwrap();
    store.open_payment("visit-lost", &serde_json::to_value(&bill).unwrap()).unwrap();
    drop(store);
    let payment = client.create_payment_with(&bill.new_payment(), "visit-lost").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();

    // Asking again with the same key and the same member, points and
    // voucher gives back that payment (a bare amount would be refused),
    // and its sale is recorded.
    let again = device(&data, &url);
    let receipts = again.reconcile().await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].payment.id, payment.id);
    assert_eq!((receipts[0].total.0, receipts[0].points_redeemed), (41_000, 500));
    let account = client.member_account("M0006").await.unwrap();
    assert_eq!((account.balance, account.reserved), (420, 0));
    // Settled: the open payment is gone, and a later run records nothing.
    assert!(again.open_payment_keys().await.unwrap().is_empty());
    assert!(again.reconcile().await.unwrap().is_empty());
    assert_eq!(ledger(&client.member_account("M0006").await.unwrap()).len(), 3);
}

/// `swalayan price` of `cart` (the file's JSON text) on a fresh device.
async fn price(url: &str, dir: &Path, cart: &str) -> (i32, Value, String) {
    let file = dir.join("cart.json");
    std::fs::write(&file, cart).unwrap();
    let data = dir.join("price-device");
    let args = ["price", "--central", url, "--cart", &file.display().to_string()];
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.extend(["--data-dir".into(), data.display().to_string()]);
    swalayan(args).await
}

/// One Minyak Zaitun (Rp 45.000, no item promotion) for a silver member
/// whose birthday, 12 March, is two days after the time priced at:
/// ULANG-TAHUN-15 takes 15 % of 45.000 = 6.750 off, total 38.250, and
/// silver earns 1 point per full Rp 1.000: 38. A misspelt field in the
/// member or in a line must be refused, not dropped: dropping `birthday`
/// would price 45.000 without a word.
#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_field_in_a_price_file_member_or_line_is_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let running = central(dir.path()).await;
    let url = running.url();
    let cart = |member: &str, line: &str| {
        format!(
            r#"{{"lines": [{{"barcode": "{ZAITUN}", "qty": 1{line}}}],
                "member": {{"id": "M-1", "tier": "silver", {member}}},
                "at": "2026-03-10T10:00:00+07:00"}}"#
        )
    };

    let (code, priced, stderr) =
        price(&url, dir.path(), &cart(r#""birthday": "1990-03-12""#, "")).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(priced["discounts"], json!([{"promotion": "ULANG-TAHUN-15", "amount": 6_750}]));
    assert_eq!(priced["total"], 38_250);
    assert_eq!(priced["points_earned"], 38);

    let (code, priced, stderr) =
        price(&url, dir.path(), &cart(r#""birthdya": "1990-03-12""#, "")).await;
    assert_ne!(code, 0, "priced as {priced}");
    assert!(stderr.contains("member") && stderr.contains("`birthdya`"), "{stderr}");

    let (code, priced, stderr) =
        price(&url, dir.path(), &cart(r#""birthday": "1990-03-12""#, r#", "price": 1"#)).await;
    assert_ne!(code, 0, "priced as {priced}");
    assert!(stderr.contains("`price`"), "{stderr}");

    let (code, _, stderr) = price(&url, dir.path(), &cart(r#""birthday": "1990-13-40""#, "")).await;
    assert_ne!(code, 0);
    assert!(stderr.contains(r#"birthday "1990-13-40" is not a YYYY-MM-DD date"#), "{stderr}");
    running.stop().await;
}

/// A device that never synced has no catalog: with the central down,
/// `swalayan price` must say so, not that the product is unknown.
#[tokio::test(flavor = "multi_thread")]
async fn price_with_the_central_down_and_no_cache_says_the_device_never_synced() {
    let dir = tempfile::tempdir().unwrap();
    let running = central(dir.path()).await;
    let url = running.url();
    running.stop().await;

    let cart = format!(r#"{{"lines": [{{"barcode": "{KOPI}", "qty": 1}}]}}"#);
    let (code, _, stderr) = price(&url, dir.path(), &cart).await;
    assert_ne!(code, 0);
    assert!(!stderr.contains("is not in the catalog"), "{stderr}");
    assert!(stderr.contains("never synced"), "{stderr}");
}
