//! The headless checkout with age-restricted goods: a beer stops before any
//! payment unless a member of staff's PIN approves it; tobacco always stops
//! it. The real binary, real photos, a real central on port 0.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use swalayan::central::server::{self, Config, Running};
use swalayan::store::Store;

use crate::common;

/// The photos' products, made restricted for the test: the coffee photo
/// (ean13-1/2.png) is a beer, the mint photo (ean8-1/2.png) a cigarette
/// pack, the soap photo (upca-1/2.png) anyone may buy. No demo promotion
/// covers these categories, so the total is the sum of the prices:
/// 38.500 + 4.300 = 42.800.
const CATALOG: &str = "barcode,name,price,category,restriction\n\
    8480010092271,Bintang Pilsener 620 ml,38500,minuman-beralkohol,age21\n\
    0036602301467,Sabun Cair 250 ml,4300,perawatan-diri\n\
    12345670,Sampoerna Mild 16 batang,35500,rokok,tobacco\n";

const BEER: &str = "ean13-1/2.png";
const SOAP: &str = "upca-1/2.png";
const CIGARETTES: &str = "ean8-1/2.png";

/// The PIN of the test's one member of staff.
const PIN: &str = "4321";

async fn start(dir: &Path) -> Running {
    let catalog = dir.join("catalog.csv");
    std::fs::write(&catalog, CATALOG).unwrap();
    let hash = swalayan::staff::hash_pin(PIN).unwrap();
    let staff = dir.join("staff.csv");
    std::fs::write(&staff, format!("staff_id,name,pin_hash\nT01,Rina Wulandari,{hash}\n")).unwrap();
    let config = Config {
        db: Some(dir.join("central.db")),
        catalog: Some(catalog),
        staff: Some(staff),
        ..Default::default()
    };
    server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("central starts")
}

fn checkout(central: &str, data_dir: &Path, photos: &[&str], pin: Option<&str>) -> Run {
    let samples = common::samples();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swalayan"));
    cmd.args(["checkout", "--central", central, "--pay", "simulated", "--data-dir"])
        .arg(data_dir)
        .env_remove("SWALAYAN_STAFF_PIN");
    if let Some(pin) = pin {
        cmd.args(["--staff-pin", pin]);
    }
    cmd.arg("--scan");
    for p in photos {
        cmd.arg(samples.join(p));
    }
    let out = cmd.output().expect("swalayan runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().unwrap_or(-1),
        receipt: serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

struct Run {
    code: i32,
    receipt: Value,
    stderr: String,
}

async fn run(
    central: &Running,
    data: &Path,
    photos: &'static [&'static str],
    pin: Option<&str>,
) -> Run {
    let (url, data, pin) = (central.url(), data.to_owned(), pin.map(str::to_owned));
    tokio::task::spawn_blocking(move || checkout(&url, &data, photos, pin.as_deref()))
        .await
        .unwrap()
}

/// How many payments the central ever made.
fn central_payments(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("central.db")).unwrap();
    conn.query_row("SELECT count(*) FROM payment", [], |r| r.get(0)).unwrap()
}

/// The kinds of the device's audit entries, oldest first.
fn audit_kinds(data: &Path) -> Vec<String> {
    let store = Store::open(&data.join("device.db")).unwrap();
    store.audit_log().unwrap().into_iter().map(|e| e.kind).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn beer_without_a_pin_stops_before_payment() {
    let dir = tempfile::tempdir().unwrap();
    let central = start(dir.path()).await;
    let data = dir.path().join("device");

    let r = run(&central, &data, &[BEER, SOAP], None).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("Bintang Pilsener 620 ml needs a member of staff"), "{}", r.stderr);
    assert!(r.stderr.contains("--staff-pin"), "{}", r.stderr);
    assert!(r.stderr.contains("no payment was created"), "{}", r.stderr);
    assert_eq!(r.receipt, Value::Null);
    assert_eq!(central_payments(dir.path()), 0);
    // Nobody typed a PIN: nothing to audit.
    assert!(audit_kinds(&data).is_empty());

    // An empty PIN is no PIN; "12ab" is not a PIN at all: neither uses up
    // a try, neither is audited.
    let r = run(&central, &data, &[BEER], Some("")).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("give their PIN with --staff-pin"), "{}", r.stderr);
    let r = run(&central, &data, &[BEER], Some("12ab")).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("--staff-pin: a staff PIN is 4 to 8 digits"), "{}", r.stderr);
    assert!(r.stderr.contains("no payment was created"), "{}", r.stderr);
    assert_eq!(central_payments(dir.path()), 0);
    assert!(audit_kinds(&data).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn beer_with_a_wrong_pin_stops_before_payment_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let central = start(dir.path()).await;
    let data = dir.path().join("device");

    let r = run(&central, &data, &[BEER], Some("1234")).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("the staff PIN is wrong; 4 more tries"), "{}", r.stderr);
    assert!(!r.stderr.contains("1234"), "the PIN is never printed: {}", r.stderr);
    assert_eq!(central_payments(dir.path()), 0);
    assert_eq!(audit_kinds(&data), ["pin_failed"]);
    // The failure went to the central through the outbox.
    let conn = rusqlite::Connection::open(dir.path().join("central.db")).unwrap();
    let kind: String = conn.query_row("SELECT kind FROM audit_event", [], |r| r.get(0)).unwrap();
    assert_eq!(kind, "pin_failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn beer_with_the_right_pin_is_paid_and_the_approval_audited() {
    let dir = tempfile::tempdir().unwrap();
    let central = start(dir.path()).await;
    let data = dir.path().join("device");

    let r = run(&central, &data, &[BEER, SOAP], Some(PIN)).await;
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(r.receipt["total"], 42_800);
    assert_eq!(r.receipt["payment"]["status"], "paid");
    assert_eq!(central_payments(dir.path()), 1);

    let store = Store::open(&data.join("device.db")).unwrap();
    let log = store.audit_log().unwrap();
    assert_eq!(log.len(), 1);
    let entry = &log[0];
    assert_eq!(entry.kind, "approved");
    assert_eq!(entry.staff_id.as_deref(), Some("T01"));
    assert_eq!(entry.items.len(), 1, "the soap needs no approval");
    assert_eq!(entry.items[0].barcode, "8480010092271");
    assert_eq!(entry.items[0].name, "Bintang Pilsener 620 ml");
    assert_eq!(entry.items[0].qty, 1);
    assert!(store.audit_chain_holds().unwrap());

    // The entry names the payment the approval was for, and the central
    // holds the same entry.
    let conn = rusqlite::Connection::open(dir.path().join("central.db")).unwrap();
    let key: String =
        conn.query_row("SELECT idempotency_key FROM payment", [], |r| r.get(0)).unwrap();
    assert_eq!(entry.visit.as_deref(), Some(key.as_str()));
    let (staff, hash): (String, String) = conn
        .query_row("SELECT staff_id, hash FROM audit_event WHERE kind = 'approved'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((staff.as_str(), hash.as_str()), ("T01", entry.hash.as_str()));
}

/// Staff are called only for a cart that can be paid otherwise: with a
/// voucher that does not exist, the right PIN approves nothing and leaves
/// no entry in the log.
#[tokio::test(flavor = "multi_thread")]
async fn a_cart_refused_for_another_reason_is_not_approved() {
    let dir = tempfile::tempdir().unwrap();
    let central = start(dir.path()).await;
    let data = dir.path().join("device");
    let (url, photo) = (central.url(), common::samples().join(BEER));
    let out = tokio::task::spawn_blocking({
        let data = data.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_swalayan"))
                .args(["checkout", "--central", &url, "--pay", "simulated", "--data-dir"])
                .arg(&data)
                .args(["--voucher", "NOPE", "--staff-pin", PIN, "--scan"])
                .arg(photo)
                .env_remove("SWALAYAN_STAFF_PIN")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("voucher NOPE"), "{stderr}");
    assert_eq!(central_payments(dir.path()), 0);
    assert!(audit_kinds(&data).is_empty(), "{:?}", audit_kinds(&data));
}

#[tokio::test(flavor = "multi_thread")]
async fn tobacco_always_stops_the_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let central = start(dir.path()).await;
    let data = dir.path().join("device");

    let r = run(&central, &data, &[SOAP, CIGARETTES], Some(PIN)).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("Sampoerna Mild 16 batang"), "{}", r.stderr);
    assert!(r.stderr.contains("silakan beli di kasir"), "{}", r.stderr);
    assert!(r.stderr.contains("please buy them at a cashier"), "{}", r.stderr);
    assert_eq!(central_payments(dir.path()), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_pins_lock_the_device_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let central = start(dir.path()).await;
    let data = dir.path().join("device");

    for left in [4, 3, 2, 1] {
        let r = run(&central, &data, &[BEER], Some("0000")).await;
        assert!(r.stderr.contains(&format!("{left} more tries")), "{}", r.stderr);
    }
    let r = run(&central, &data, &[BEER], Some("0000")).await;
    assert!(r.stderr.contains("approvals are locked for 5 min"), "{}", r.stderr);
    // Each run is a new process: the lockout is in the device database,
    // and even the right PIN is refused now.
    let r = run(&central, &data, &[BEER], Some(PIN)).await;
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    // Some seconds of the five minutes have passed by now.
    assert!(
        r.stderr.contains("too many wrong staff PINs: approvals are locked for"),
        "{}",
        r.stderr
    );
    assert_eq!(central_payments(dir.path()), 0);
    let kinds = audit_kinds(&data);
    assert_eq!(kinds.iter().filter(|k| *k == "pin_failed").count(), 5);
    assert_eq!(kinds.last().map(String::as_str), Some("locked_out"));
}
