//! The reference central's API, over HTTP on port 0.

use std::time::Duration;

use swalayan::central::api::{NewTransaction, PaymentStatus, SaleLine};
use swalayan::central::client::{Client, ClientError};
use swalayan::domain::{Rupiah, qris};

use crate::common;

const CATALOG: &str = "barcode,name,price,category\n\
    8991101000070,MamyPoko Pants M 34,89000,bayi-ibu\n\
    8991101000179,Merries Pants L 26,99000,bayi-ibu\n\
    8991101000285,Sweety Silver Pants M 30,79000,bayi-ibu\n";

fn sale(key: &str, payment: &str, qty: u32, price: i64) -> NewTransaction {
    NewTransaction {
        idempotency_key: key.into(),
        device_id: "dev-test".into(),
        payment_id: payment.into(),
        lines: vec![SaleLine {
            barcode: "8991101000070".into(),
            name: "MamyPoko Pants M 34".into(),
            qty,
            unit_price: Rupiah(price),
            line_total: Rupiah(price * i64::from(qty)),
            measure: None,
        }],
        total: Rupiah(price * i64::from(qty)),
        ..Default::default()
    }
}

#[tokio::test]
async fn health_and_demo_catalog_of_at_least_200_indonesian_products() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(None, dir.path()).await;
    let client = Client::new(&central.url()).unwrap();
    client.health().await.unwrap();
    let doc: serde_json::Value = reqwest::get(format!("{}/v1/openapi.json", central.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/payments"]["post"].is_object());

    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.catalog_page(cursor.as_deref(), 64).await.unwrap();
        assert!(page.products.len() <= 64);
        all.extend(page.products);
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    assert!(all.len() >= 200, "{} products", all.len());
    // Indonesian GTINs (GS1 prefix 899), the store's own codes of weighed
    // goods (prefixes 20 to 29) and produce PLUs.
    for p in &all {
        let in_store = p.barcode.starts_with('2') && p.barcode.len() == 13;
        if swalayan::domain::variable::is_plu(&p.barcode) {
            assert!(p.name.contains("per "), "{} is sold per piece", p.name);
        } else {
            assert!(
                (p.barcode.starts_with("899") || in_store) && p.barcode.len() == 13,
                "{}",
                p.barcode
            );
            assert!(swalayan::domain::gtin::is_valid(&p.barcode), "{}", p.barcode);
        }
        assert!(p.price.0 > 0);
    }
    assert!(all.iter().filter(|p| p.barcode.starts_with("899")).count() >= 200);
    // Nothing changed, so the cursor gives nothing more.
    let rest = client.catalog_page(cursor.as_deref(), 64).await.unwrap();
    assert!(rest.products.is_empty() && !rest.more);
}

#[tokio::test]
async fn catalog_cursor_returns_only_what_changed_after_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let first = common::start_central(Some(CATALOG), dir.path()).await;
    let client = Client::new(&first.url()).unwrap();
    let page = client.catalog_page(None, 100).await.unwrap();
    assert_eq!(page.products.len(), 3);
    let cursor = page.cursor;
    first.stop().await;

    // The same database, a catalog with one price changed and one product gone.
    let changed = "barcode,name,price,category\n\
        8991101000070,MamyPoko Pants M 34,91000,bayi-ibu\n\
        8991101000179,Merries Pants L 26,99000,bayi-ibu\n";
    let second = common::start_central(Some(changed), dir.path()).await;
    let client = Client::new(&second.url()).unwrap();
    let delta = client.catalog_page(Some(&cursor), 100).await.unwrap();
    assert!(!delta.reset, "the same database keeps its history");
    let summary: Vec<(String, i64, bool)> =
        delta.products.iter().map(|p| (p.barcode.clone(), p.price.0, p.deleted)).collect();
    assert_eq!(
        summary,
        vec![("8991101000070".into(), 91_000, false), ("8991101000285".into(), 79_000, true)]
    );
}

#[tokio::test]
async fn bad_catalog_is_refused_whole_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = format!("{CATALOG}8991101000391,Harga Salah,12.500,x\n");
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, bad).unwrap();
    let config = swalayan::central::server::Config {
        db: Some(dir.path().join("central.db")),
        catalog: Some(path),
        ..Default::default()
    };
    let err = swalayan::central::server::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("a bad catalog must stop the start");
    assert!(format!("{err:#}").contains("line 5: price \"12.500\""), "{err:#}");

    // Nothing of it was imported, not even the good rows before line 5.
    let conn = rusqlite::Connection::open(dir.path().join("central.db")).unwrap();
    let count: i64 = conn.query_row("SELECT count(*) FROM product", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn payment_is_idempotent_carries_a_valid_qris_and_is_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let client = Client::new(&central.url()).unwrap();

    let p = client.create_payment(Rupiah(178_000), "cart-1").await.unwrap();
    assert_eq!(p.status, PaymentStatus::Pending);
    let again = client.create_payment(Rupiah(178_000), "cart-1").await.unwrap();
    assert_eq!(again.id, p.id);

    let payload = qris::parse(&p.qris).expect("a valid QRIS payload");
    assert_eq!(payload.initiation, qris::Initiation::Dynamic);
    assert_eq!(payload.amount.as_deref(), Some("178000"));

    // A waiter started before the gateway pays sees the change.
    let waiter = {
        let client = client.clone();
        let id = p.id.clone();
        tokio::spawn(async move { client.wait_payment(&id, Duration::from_secs(20)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let seen =
        tokio::time::timeout(Duration::from_secs(10), waiter).await.unwrap().unwrap().unwrap();
    assert_eq!(seen.status, PaymentStatus::Paid);

    // A paid payment cannot be cancelled.
    let err = client.cancel_payment(&p.id).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Refused { ref code, .. } if code == "payment_final"),
        "{err}"
    );
}

#[tokio::test]
async fn reusing_a_payment_key_for_another_amount_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let client = Client::new(&central.url()).unwrap();
    client.create_payment(Rupiah(1_000), "k").await.unwrap();
    let err = client.create_payment(Rupiah(2_000), "k").await.unwrap_err();
    assert!(matches!(err, ClientError::Refused { ref code, .. } if code == "idempotency_conflict"));
}

#[tokio::test]
async fn payments_expire_after_the_configured_time() {
    let dir = tempfile::tempdir().unwrap();
    let central =
        common::start_central_with(Some(CATALOG), dir.path(), Duration::from_millis(300)).await;
    let client = Client::new(&central.url()).unwrap();
    let p = client.create_payment(Rupiah(89_000), "cart-exp").await.unwrap();
    let seen = client.wait_payment(&p.id, Duration::from_secs(10)).await.unwrap();
    assert_eq!(seen.status, PaymentStatus::Expired);
    // An expired payment cannot be paid any more.
    assert!(client.simulate_payment(&p.id, PaymentStatus::Paid).await.is_err());
}

#[tokio::test]
async fn a_sale_is_recorded_once_per_key_and_once_per_payment() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let client = Client::new(&central.url()).unwrap();
    let p = client.create_payment(Rupiah(178_000), "cart-2").await.unwrap();

    // Not paid yet: refused.
    let early = client.post_transaction(&sale("s1", &p.id, 2, 89_000)).await.unwrap_err();
    assert!(matches!(early, ClientError::Refused { ref code, .. } if code == "invalid_sale"));

    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let t1 = client.post_transaction(&sale("s1", &p.id, 2, 89_000)).await.unwrap();
    let t2 = client.post_transaction(&sale("s1", &p.id, 2, 89_000)).await.unwrap();
    assert_eq!(t1, t2);
    assert_eq!(client.transaction(&t1.id).await.unwrap().total, Rupiah(178_000));

    // The same key with other contents is a conflict, not a replay.
    let other = client.post_transaction(&sale("s1", &p.id, 1, 178_000)).await.unwrap_err();
    assert!(
        matches!(other, ClientError::Refused { ref code, .. } if code == "idempotency_conflict")
    );

    // Another key for the same payment would count the money twice.
    let twice = client.post_transaction(&sale("s2", &p.id, 2, 89_000)).await.unwrap_err();
    assert!(matches!(twice, ClientError::Refused { ref code, .. } if code == "payment_used"));
}

#[tokio::test]
async fn a_sale_that_does_not_add_up_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let client = Client::new(&central.url()).unwrap();
    let p = client.create_payment(Rupiah(178_000), "cart-3").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let mut bad = sale("s3", &p.id, 2, 89_000);
    bad.lines[0].line_total = Rupiah(170_000);
    let err = client.post_transaction(&bad).await.unwrap_err();
    assert!(err.to_string().contains("line 1: 2 x 89000 is not 170000"), "{err}");
}

#[tokio::test]
async fn malformed_requests_get_a_clear_400() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/v1/payments", central.url()))
        .header("content-type", "application/json")
        .body(r#"{"amount": 12.5, "idempotency_key": "x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert!(body["error"].as_str().unwrap().contains("amount"), "{body}");

    for path in ["/v1/catalog?since=abc", "/v1/catalog?limit=-1", "/v1/payments/x?wait=abc"] {
        let resp = http.get(format!("{}{path}", central.url())).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{path}");
        let body: serde_json::Value = resp.json().await.expect("a JSON error body");
        assert_eq!(body["code"], "bad_request", "{path}");
    }
    let resp = http.get(format!("{}/v1/nothing", central.url())).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], "not_found");
}

#[tokio::test]
async fn amounts_above_the_qris_limit_and_nan_waits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let client = Client::new(&central.url()).unwrap();
    let err = client.create_payment(Rupiah(10_000_001), "too-big").await.unwrap_err();
    assert!(err.to_string().contains("above Rp 10.000.000"), "{err}");
    let p = client.create_payment(Rupiah(10_000_000), "at-limit").await.unwrap();
    let resp =
        reqwest::get(format!("{}/v1/payments/{}?wait=NaN", central.url(), p.id)).await.unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn a_payment_lifetime_outside_reason_is_refused_at_start() {
    for ttl in [Duration::ZERO, Duration::from_secs(99_999_999_999)] {
        let config = swalayan::central::server::Config { payment_ttl: ttl, ..Default::default() };
        let err = swalayan::central::server::start(config, "127.0.0.1:0".parse().unwrap()).await;
        assert!(err.is_err(), "ttl {ttl:?} must be refused");
    }
}
