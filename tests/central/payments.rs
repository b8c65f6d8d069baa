//! Payments on the central: idempotent creation, the gateway's answers,
//! late payments, refunds, and ways to wait, over HTTP on port 0.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::gateway::TestGateway;
use common::until;
use swalayan::central::api::{NewTransaction, Payment, PaymentStatus, RefundStatus, SaleLine};
use swalayan::central::client::{Client, ClientError};
use swalayan::central::server::gateway::simulator::Outcome;
use swalayan::central::server::{self, Config, GatewayChoice, Running};
use swalayan::checkout::Device;
use swalayan::domain::cart::Cart;
use swalayan::domain::{Rupiah, qris};

use crate::common;

/// What the automatic refund of a late payment says, as the README states.
const LATE_REASON: &str =
    "paid after the payment had ended on the device, so the shopper did not take the goods";

fn config(dir: &Path) -> Config {
    Config {
        db: Some(dir.join("central.db")),
        late_refund_grace: Duration::ZERO,
        ..Default::default()
    }
}

async fn start(config: Config) -> (Running, Client) {
    let central = server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("starts");
    let client = Client::new(&central.url()).unwrap();
    (central, client)
}

/// A central whose gateway is `gw`; the poller asks every `poll`.
async fn start_with(dir: &Path, gw: &Arc<TestGateway>, poll: Duration) -> (Running, Client) {
    start(Config { gateway: GatewayChoice::Custom(gw.clone()), poll_interval: poll, ..config(dir) })
        .await
}

fn statuses(p: &Payment) -> Vec<PaymentStatus> {
    p.history.iter().map(|e| e.status).collect()
}

fn causes(p: &Payment) -> Vec<&str> {
    p.history.iter().map(|e| e.cause.as_str()).collect()
}

fn refused_code(e: &ClientError) -> &str {
    match e {
        ClientError::Refused { code, .. } => code,
        other => panic!("not a refusal: {other}"),
    }
}

fn sale(payment: &Payment) -> NewTransaction {
    NewTransaction {
        idempotency_key: format!("sale-{}", payment.id),
        device_id: "dev-test".into(),
        payment_id: payment.id.clone(),
        lines: vec![SaleLine {
            barcode: "8991101000070".into(),
            name: "MamyPoko Pants M 34".into(),
            qty: 1,
            unit_price: payment.amount,
            line_total: payment.amount,
            measure: None,
        }],
        total: payment.amount,
        ..Default::default()
    }
}

/// Posts a notification as the test gateway would, signed or not.
async fn notify(central: &Running, payment_id: &str, signed: bool) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{}/v1/gateway/test/notify", central.url()))
        .json(&serde_json::json!({"payment_id": payment_id}));
    if signed {
        req = req.header("x-test-signature", "good");
    }
    req.send().await.unwrap()
}

/// Makes a late payment: the device cancels, the cancel never reaches the
/// gateway, and the shopper pays the code all the same.
async fn pay_after_a_lost_cancel(client: &Client, gw: &TestGateway, id: &str) {
    gw.cancel_down.store(true, Ordering::SeqCst);
    let cancelled = client.cancel_payment(id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Cancelled);
    gw.sim.settle(id, Outcome::Paid).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_gives_the_same_payment_and_asks_the_gateway_once() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = start(config(dir.path())).await;

    // Three requests with one key at once, then one more.
    let tries = (0..3).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.create_payment(Rupiah(17_000), "cart-1").await })
    });
    let mut seen = Vec::new();
    for t in tries {
        seen.push(t.await.unwrap().unwrap());
    }
    seen.push(client.create_payment(Rupiah(17_000), "cart-1").await.unwrap());
    for p in &seen {
        assert_eq!((p.id.as_str(), p.qris.as_str()), (seen[0].id.as_str(), seen[0].qris.as_str()));
        assert_eq!(p.status, PaymentStatus::Pending);
    }
    assert_eq!(central.simulator().unwrap().calls().create_qr, 1);
    let payload = qris::parse(&seen[0].qris).unwrap();
    assert_eq!(payload.amount.as_deref(), Some("17000"));
    assert_eq!(seen[0].gateway, "simulator");

    // The key in the old body field is the same key; header and body must
    // agree; another amount under the key is a conflict.
    let http = reqwest::Client::new();
    let url = format!("{}/v1/payments", central.url());
    let body = serde_json::json!({"amount": 17000, "idempotency_key": "cart-1"});
    let old: Payment = http.post(&url).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(old.id, seen[0].id);
    let resp =
        http.post(&url).header("Idempotency-Key", "cart-2").json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let err = client.create_payment(Rupiah(18_000), "cart-1").await.unwrap_err();
    assert_eq!(refused_code(&err), "idempotency_conflict");
    let resp = http.post(&url).json(&serde_json::json!({"amount": 1000})).send().await.unwrap();
    assert_eq!(resp.status(), 400, "no key at all");
    assert_eq!(central.simulator().unwrap().calls().create_qr, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_gateway_at_creation_leaves_nothing_a_retry_cannot_finish() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (_central, client) = start_with(dir.path(), &gw, Duration::from_secs(3600)).await;

    gw.down.store(true, Ordering::SeqCst);
    let err = client.create_payment(Rupiah(17_000), "visit-9").await.unwrap_err();
    match &err {
        ClientError::Refused { status, code, message, .. } => {
            assert_eq!((status.as_u16(), code.as_str()), (503, "gateway_unreachable"));
            assert!(message.contains("same Idempotency-Key"), "{message}");
        }
        other => panic!("{other}"),
    }
    assert!(err.is_retryable(), "a device retries a 503");

    gw.down.store(false, Ordering::SeqCst);
    let p = client.create_payment(Rupiah(17_000), "visit-9").await.unwrap();
    assert_eq!(p.status, PaymentStatus::Pending);
    assert!(p.qris.starts_with("000201"), "{}", p.qris);
    let again = client.create_payment(Rupiah(17_000), "visit-9").await.unwrap();
    assert_eq!(again.id, p.id);
    // Two attempts reached the test gateway; one code was issued.
    assert_eq!(gw.create_attempts.load(Ordering::SeqCst), 2);
    assert_eq!(gw.sim.calls().create_qr, 1);
    assert_eq!(causes(&p), ["created"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_that_loses_the_race_with_the_shopper_answers_paid() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (_central, client) = start_with(dir.path(), &gw, Duration::from_secs(3600)).await;
    let p = client.create_payment(Rupiah(25_500), "race").await.unwrap();

    // The shopper pays; the notification has not arrived when the device
    // cancels.
    gw.sim.settle(&p.id, Outcome::Paid).unwrap();
    let answer = client.cancel_payment(&p.id).await.unwrap();
    assert_eq!(answer.status, PaymentStatus::Paid);
    assert_eq!(statuses(&answer), [PaymentStatus::Pending, PaymentStatus::Paid]);
    assert!(answer.history[1].cause.contains("answer to the device's cancel"), "{answer:?}");

    // So the device completes the sale.
    let t = client.post_transaction(&sale(&answer)).await.unwrap();
    assert_eq!(t.total, Rupiah(25_500));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_after_the_device_cancelled_is_refunded_automatically() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start_with(dir.path(), &gw, Duration::from_secs(3600)).await;
    let p = client.create_payment(Rupiah(17_000), "late-cancel").await.unwrap();

    pay_after_a_lost_cancel(&client, &gw, &p.id).await;
    assert_eq!(notify(&central, &p.id, true).await.status(), 200);

    let end = until(&client, &p.id, |p| p.status == PaymentStatus::Refunded).await;
    assert_eq!(
        statuses(&end),
        [
            PaymentStatus::Pending,
            PaymentStatus::Cancelled,
            PaymentStatus::Paid,
            PaymentStatus::Refunded
        ]
    );
    let c = causes(&end);
    assert_eq!(c[0], "created");
    assert!(c[1].starts_with("cancelled by device"), "{c:?}");
    assert!(c[2].starts_with("paid late, after the payment was cancelled (gateway notification)"));
    assert_eq!(c[3], format!("refunded 17000 of 17000: {LATE_REASON}"));
    assert_eq!(end.refunded, Rupiah(17_000));
    assert_eq!(end.refunds.len(), 1);
    assert_eq!(end.refunds[0].status, RefundStatus::Done);
    assert_eq!(gw.sim.refunded(&p.id), Some(Rupiah(17_000)));
    let times: Vec<&str> = end.history.iter().map(|e| e.at.as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The money went back: no sale can use the payment.
    let err = client.post_transaction(&sale(&end)).await.unwrap_err();
    assert_eq!(refused_code(&err), "invalid_sale");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_at_the_edge_of_expiry_is_refunded_and_retried_until_through() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    // The poller asks every second, and at the expiry.
    let (_central, client) = start(Config {
        gateway: GatewayChoice::Custom(gw.clone()),
        poll_interval: Duration::from_secs(1),
        payment_ttl: Duration::from_millis(600),
        ..config(dir.path())
    })
    .await;
    let p = client.create_payment(Rupiah(17_000), "late-expiry").await.unwrap();

    // The shopper pays just before the expiry and the notification is lost.
    // At expiry the central cancels the code, and the gateway answers that
    // it was paid. The refund first finds the gateway down.
    tokio::time::sleep(Duration::from_millis(300)).await;
    gw.sim.settle(&p.id, Outcome::Paid).unwrap();
    gw.refund_down.store(true, Ordering::SeqCst);
    let paid = until(&client, &p.id, |p| p.status == PaymentStatus::Paid).await;
    assert_eq!(statuses(&paid)[..2], [PaymentStatus::Pending, PaymentStatus::Expired]);
    assert!(paid.history[2].cause.starts_with("paid late, after the payment was expired"));
    let pending = until(&client, &p.id, |p| !p.refunds.is_empty()).await;
    assert_eq!(pending.refunds[0].status, RefundStatus::Pending);
    assert_eq!(pending.refunded, Rupiah(0));

    gw.refund_down.store(false, Ordering::SeqCst);
    let end = until(&client, &p.id, |p| p.status == PaymentStatus::Refunded).await;
    assert_eq!(end.refunded, Rupiah(17_000));
    assert_eq!(
        end.history.last().unwrap().cause,
        format!("refunded 17000 of 17000: {LATE_REASON}")
    );
    assert_eq!(gw.sim.refunded(&p.id), Some(Rupiah(17_000)), "moved back once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_payment_whose_sale_is_recorded_within_the_grace_stays_a_sale() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start(Config {
        gateway: GatewayChoice::Custom(gw.clone()),
        poll_interval: Duration::from_millis(100),
        late_refund_grace: Duration::from_secs(600),
        ..config(dir.path())
    })
    .await;
    let p = client.create_payment(Rupiah(9_000), "late-sale").await.unwrap();
    pay_after_a_lost_cancel(&client, &gw, &p.id).await;
    notify(&central, &p.id, true).await;

    let paid = until(&client, &p.id, |p| p.status == PaymentStatus::Paid).await;
    client.post_transaction(&sale(&paid)).await.unwrap();
    let kept = client.payment(&p.id).await.unwrap();
    assert_eq!(kept.status, PaymentStatus::Paid);
    assert!(kept.history.last().unwrap().cause.starts_with("kept: sale TRX-"), "{kept:?}");
    assert!(kept.refunds.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_refunds_add_up_never_past_the_amount_paid() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = start(config(dir.path())).await;
    let p = client.create_payment(Rupiah(17_000), "refunds").await.unwrap();
    let err = client.refund_payment(&p.id, Rupiah(1_000), "early", "r0").await.unwrap_err();
    assert_eq!(refused_code(&err), "not_paid");
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();

    let first = client.refund_payment(&p.id, Rupiah(5_000), "kemasan rusak", "r1").await.unwrap();
    assert_eq!((first.status, first.refunded), (PaymentStatus::Paid, Rupiah(5_000)));
    // The same key again refunds nothing more.
    let replay = client.refund_payment(&p.id, Rupiah(5_000), "kemasan rusak", "r1").await.unwrap();
    assert_eq!((replay.refunded, replay.refunds.len()), (Rupiah(5_000), 1));
    let err = client.refund_payment(&p.id, Rupiah(6_000), "kemasan rusak", "r1").await.unwrap_err();
    assert_eq!(refused_code(&err), "idempotency_conflict");

    // 17000 - 5000 = 12000 left: 12001 is too much.
    let err = client.refund_payment(&p.id, Rupiah(12_001), "sisa", "r2").await.unwrap_err();
    assert_eq!(refused_code(&err), "over_refund");
    assert!(err.to_string().contains("at most Rp 12.000 is left"), "{err}");
    let last = client.refund_payment(&p.id, Rupiah(12_000), "sisa", "r3").await.unwrap();
    assert_eq!((last.status, last.refunded), (PaymentStatus::Refunded, Rupiah(17_000)));
    let err = client.refund_payment(&p.id, Rupiah(1), "lagi", "r4").await.unwrap_err();
    assert_eq!(refused_code(&err), "not_paid");

    let sim = central.simulator().unwrap();
    assert_eq!(sim.refunded(&p.id), Some(Rupiah(17_000)));
    assert_eq!(sim.calls().refund, 2, "the replay did not ask the gateway");
    let c = causes(&last);
    assert_eq!(
        c,
        [
            "created",
            "paid (gateway notification)",
            "refunded 5000 of 17000: kemasan rusak",
            "refunded 12000 of 17000: sisa"
        ]
    );
    assert_eq!(
        statuses(&last),
        [PaymentStatus::Pending, PaymentStatus::Paid, PaymentStatus::Paid, PaymentStatus::Refunded]
    );

    // A refund needs its key in the header.
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/payments/{}/refund", central.url(), p.id))
        .json(&serde_json::json!({"amount": 1, "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_event_stream_delivers_paid_and_then_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = start(config(dir.path())).await;
    let p = client.create_payment(Rupiah(4_500), "sse").await.unwrap();
    let mut events = client.payment_events(&p.id).await.unwrap();
    let first = events.next().await.unwrap().unwrap();
    assert_eq!(first.status, PaymentStatus::Pending);

    let payer = {
        let client = client.clone();
        let id = p.id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            client.simulate_payment(&id, PaymentStatus::Paid).await.unwrap();
        })
    };
    let next = tokio::time::timeout(Duration::from_secs(10), events.next()).await.unwrap();
    assert_eq!(next.unwrap().unwrap().status, PaymentStatus::Paid);
    let end = tokio::time::timeout(Duration::from_secs(10), events.next()).await.unwrap();
    assert!(end.unwrap().is_none(), "the stream ends after a final status");
    payer.await.unwrap();

    let resp = reqwest::get(format!("{}/v1/payments/nope/events", central.url())).await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_poll_sees_a_notified_payment_and_the_poller_a_missed_one() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start_with(dir.path(), &gw, Duration::from_millis(200)).await;

    let a = client.create_payment(Rupiah(1_000), "notified").await.unwrap();
    let waiter = {
        let client = client.clone();
        let id = a.id.clone();
        tokio::spawn(async move { client.wait_payment(&id, Duration::from_secs(20)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    gw.sim.settle(&a.id, Outcome::Paid).unwrap();
    notify(&central, &a.id, true).await;
    let seen = tokio::time::timeout(Duration::from_secs(10), waiter).await.unwrap().unwrap();
    let seen = seen.unwrap();
    assert_eq!(seen.status, PaymentStatus::Paid);
    // The poller may have asked first; either way the gateway said so.
    assert!(seen.history[1].cause.starts_with("paid (gateway"), "{seen:?}");

    // No notification at all: the poller finds it.
    let b = client.create_payment(Rupiah(2_000), "missed").await.unwrap();
    gw.sim.settle(&b.id, Outcome::Paid).unwrap();
    let seen = client.wait_payment(&b.id, Duration::from_secs(10)).await.unwrap();
    assert_eq!(seen.status, PaymentStatus::Paid);
    assert_eq!(seen.history[1].cause, "paid (gateway query)");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_without_a_valid_signature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start_with(dir.path(), &gw, Duration::from_secs(3600)).await;
    let p = client.create_payment(Rupiah(3_000), "forged").await.unwrap();
    gw.sim.settle(&p.id, Outcome::Paid).unwrap();

    let resp = notify(&central, &p.id, false).await;
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "bad_notification");
    assert_eq!(client.payment(&p.id).await.unwrap().status, PaymentStatus::Pending);

    let resp = reqwest::Client::new()
        .post(format!("{}/v1/gateway/doku/notify", central.url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "not this central's gateway");
    assert_eq!(notify(&central, &p.id, true).await.status(), 200);
    assert_eq!(client.payment(&p.id).await.unwrap().status, PaymentStatus::Paid);
}

/// The customer-presented payload of the shared samples (C01): what a
/// wallet app shows, base64 of BER-TLV with the QRIS CPM application.
fn cpm_code() -> String {
    let tsv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/qris/cpm.tsv"),
    )
    .unwrap();
    let row = tsv.lines().find(|l| l.starts_with("C01\t")).unwrap();
    row.split('\t').nth(2).unwrap().to_owned()
}

/// 85 05 CPV01, then an application template (61) whose application id
/// (A0000006021010) is not QRIS's.
fn foreign_cpm_code() -> String {
    use base64::Engine;
    let mut data = vec![0x85, 0x05];
    data.extend_from_slice(b"CPV01");
    data.extend_from_slice(&[0x61, 0x09, 0x4F, 0x07, 0xA0, 0x00, 0x00, 0x06, 0x02, 0x10, 0x10]);
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_presented_code_pays_at_once_and_garbage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = start(config(dir.path())).await;
    let p = client.create_payment(Rupiah(12_500), "cpm").await.unwrap();

    for (code, says) in [
        ("not base64 at all!", "not base64"),
        // "hello" in base64: decodes, but is no CPM payload.
        ("aGVsbG8=", "cannot be read"),
        (&foreign_cpm_code(), "application id A0000006022020"),
        // The sample cut short inside its account number.
        (&cpm_code()[..40], "cannot be read"),
    ] {
        let err = client.charge_customer_code(&p.id, code).await.unwrap_err();
        match &err {
            ClientError::Refused { status, message, .. } => {
                assert_eq!(status.as_u16(), 400);
                assert!(message.contains(says), "{message}");
            }
            other => panic!("{other}"),
        }
    }
    let paid = client.charge_customer_code(&p.id, &cpm_code()).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.history[1].cause, "paid (customer-presented code)");
    assert_eq!(central.simulator().unwrap().calls().charge_customer_code, 1);
    let err = client.charge_customer_code(&p.id, &cpm_code()).await.unwrap_err();
    assert_eq!(refused_code(&err), "payment_final");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_from_before_the_payment_history_keeps_its_payments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.db");
    {
        // The schema of migration 1 with one paid payment in it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../migrations/central/0001_init.sql")).unwrap();
        conn.execute_batch(
            "INSERT INTO payment VALUES ('PAY-OLD', 'k-old', 8000, '000201', 'paid',
                 '2026-01-02T03:04:05.000Z', '2026-01-02T03:09:05.000Z', 1767323345000,
                 '2026-01-02T03:05:00.000Z');
             PRAGMA user_version = 1; PRAGMA application_id = 1398230083;",
        )
        .unwrap();
    }
    let (_central, client) = start(config(dir.path())).await;
    let p = client.payment("PAY-OLD").await.unwrap();
    assert_eq!((p.status, p.amount), (PaymentStatus::Paid, Rupiah(8_000)));
    assert_eq!(causes(&p), ["created", "paid (before history was kept)"]);
    assert_eq!(p.history[1].at, "2026-01-02T03:05:00.000Z");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_payment_route_is_in_the_served_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let (central, _client) = start(config(dir.path())).await;
    let doc: serde_json::Value = reqwest::get(format!("{}/v1/openapi.json", central.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/v1/payments", "post"),
        ("/v1/payments/{id}", "get"),
        ("/v1/payments/{id}/events", "get"),
        ("/v1/payments/{id}/cancel", "post"),
        ("/v1/payments/{id}/refund", "post"),
        ("/v1/payments/{id}/customer-code", "post"),
        ("/v1/payments/{id}/simulate", "post"),
        ("/v1/gateway/{name}/notify", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} undocumented");
    }
    let states = &doc["components"]["schemas"]["Payment"]["properties"]["status"]["enum"];
    let want = ["pending", "paid", "expired", "cancelled", "failed", "refunded"];
    assert_eq!(states, &serde_json::json!(want));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_device_that_reconciles_a_late_payment_within_the_grace_keeps_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.csv");
    std::fs::write(&catalog, "barcode,name,price\n8991101000070,MamyPoko Pants M 34,89000\n")
        .unwrap();
    let gw = TestGateway::new();
    let (_central, client) = start(Config {
        catalog: Some(catalog),
        gateway: GatewayChoice::Custom(gw.clone()),
        // Asked at the expiry, well before the first round.
        poll_interval: Duration::from_secs(30),
        payment_ttl: Duration::from_millis(600),
        late_refund_grace: Duration::from_secs(600),
        ..config(dir.path())
    })
    .await;

    // The device makes the payment and dies; the shopper pays, and the
    // central, not told, expires it and then learns it was paid.
    let data = dir.path().join("device");
    let device = Device::open(&data, client.clone()).unwrap();
    device.sync_catalog().await.unwrap();
    let mut cart = Cart::new();
    cart.add(&device.lookup("8991101000070").await.unwrap().unwrap()).unwrap();
    let bill = device.bill(cart.into()).await.unwrap();
    let p = device.start_payment(&bill, "visit-crash").await.unwrap();
    drop(device);
    gw.sim.settle(&p.id, Outcome::Paid).unwrap();
    let late = until(&client, &p.id, |p| p.history.len() == 3).await;
    assert_eq!(
        statuses(&late),
        [PaymentStatus::Pending, PaymentStatus::Expired, PaymentStatus::Paid]
    );

    // Restarted within the grace, the device records the sale: no refund.
    let device = Device::open(&data, client.clone()).unwrap();
    let receipts = device.reconcile().await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert!(receipts[0].transaction_id.is_some());
    let kept = client.payment(&p.id).await.unwrap();
    assert_eq!(kept.status, PaymentStatus::Paid);
    assert!(kept.history[3].cause.starts_with("kept: sale TRX-"), "{kept:?}");
    assert!(kept.refunds.is_empty());
    assert_eq!(gw.sim.refunded(&p.id), Some(Rupiah(0)));
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_a_restarted_simulator_forgot_are_not_asked_about_forever() {
    let dir = tempfile::tempdir().unwrap();
    let short = || Config {
        payment_ttl: Duration::from_millis(400),
        poll_interval: Duration::from_millis(100),
        ..config(dir.path())
    };
    let (central, client) = start(short()).await;
    let p = client.create_payment(Rupiah(1_000), "forgotten").await.unwrap();
    central.stop().await;

    // A new simulator knows nothing of the code; once it expires the
    // central stops asking.
    let (_central, client) = start(short()).await;
    until(&client, &p.id, |p| p.status == PaymentStatus::Expired).await;
    let db = rusqlite::Connection::open(dir.path().join("central.db")).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let open: bool = db
            .query_row("SELECT gateway_open FROM payment WHERE id = ?1", [&p.id], |r| r.get(0))
            .unwrap();
        if !open {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still asked about");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_near_the_largest_amount_cannot_wrap_past_the_amount_paid() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = start(config(dir.path())).await;
    let p = client.create_payment(Rupiah(17_000), "huge-refund").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    client.refund_payment(&p.id, Rupiah(5_000), "kemasan rusak", "r1").await.unwrap();

    // 5000 + i64::MAX does not fit in an i64: it is too much, not a crash
    // and not a negative total that passes the check.
    let err = client.refund_payment(&p.id, Rupiah(i64::MAX), "semua", "r2").await.unwrap_err();
    assert_eq!(refused_code(&err), "over_refund");
    let after = client.payment(&p.id).await.unwrap();
    assert_eq!(
        (after.status, after.refunded, after.refunds.len()),
        (PaymentStatus::Paid, Rupiah(5_000), 1)
    );
    assert_eq!(central.simulator().unwrap().refunded(&p.id), Some(Rupiah(5_000)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_refund_key_cannot_take_the_late_refund_key() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start(Config {
        gateway: GatewayChoice::Custom(gw.clone()),
        poll_interval: Duration::from_millis(100),
        late_refund_grace: Duration::from_millis(1500),
        ..config(dir.path())
    })
    .await;
    let p = client.create_payment(Rupiah(17_000), "late-key").await.unwrap();
    pay_after_a_lost_cancel(&client, &gw, &p.id).await;
    notify(&central, &p.id, true).await;
    until(&client, &p.id, |p| p.status == PaymentStatus::Paid).await;

    // Staff refund part of it in the grace, with the key the central uses
    // for its own automatic refund: refused, so the automatic one can run.
    let err = client
        .refund_payment(&p.id, Rupiah(1_000), "kemasan rusak", "late-payment")
        .await
        .unwrap_err();
    assert_eq!(refused_code(&err), "bad_request");
    assert!(err.to_string().contains("reserved"), "{err}");

    let end = until(&client, &p.id, |p| p.status == PaymentStatus::Refunded).await;
    assert_eq!(end.refunded, Rupiah(17_000));
    assert_eq!(gw.sim.refunded(&p.id), Some(Rupiah(17_000)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_from_before_the_payment_history_keeps_its_sales() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.db");
    {
        // Migration 1 with a paid payment and the sale it settled.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../migrations/central/0001_init.sql")).unwrap();
        conn.execute_batch(
            "INSERT INTO payment VALUES ('PAY-OLD', 'k-old', 8000, '000201', 'paid',
                 '2026-01-02T03:04:05.000Z', '2026-01-02T03:09:05.000Z', 1767323345000,
                 '2026-01-02T03:05:00.000Z');
             INSERT INTO sale VALUES ('TRX-OLD', 'sale-PAY-OLD', 'dev-1', 'PAY-OLD', 8000,
                 '[{\"barcode\":\"8991101000070\",\"name\":\"Susu\",\"qty\":1,
                    \"unit_price\":8000,\"line_total\":8000}]', '2026-01-02T03:05:01.000Z');
             PRAGMA user_version = 1; PRAGMA application_id = 1398230083;",
        )
        .unwrap();
    }
    let (_central, client) = start(config(dir.path())).await;
    let t = client.transaction("TRX-OLD").await.unwrap();
    assert_eq!((t.payment_id.as_str(), t.total), ("PAY-OLD", Rupiah(8_000)));
    let p = client.payment("PAY-OLD").await.unwrap();
    assert_eq!(p.status, PaymentStatus::Paid);
    // The payment settles that sale and no other.
    let mut again = sale(&p);
    again.idempotency_key = "sale-again".into();
    let err = client.post_transaction(&again).await.unwrap_err();
    assert_eq!(refused_code(&err), "payment_used");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_refund_under_way_at_a_restart_is_finished_once() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start_with(dir.path(), &gw, Duration::from_millis(100)).await;
    let p = client.create_payment(Rupiah(17_000), "late-restart").await.unwrap();
    pay_after_a_lost_cancel(&client, &gw, &p.id).await;
    // The refund starts but the gateway does not answer; the central stops.
    gw.refund_down.store(true, Ordering::SeqCst);
    notify(&central, &p.id, true).await;
    until(&client, &p.id, |p| !p.refunds.is_empty()).await;
    central.stop().await;

    // Back on the same database, with the gateway answering again.
    gw.refund_down.store(false, Ordering::SeqCst);
    let (_central, client) = start_with(dir.path(), &gw, Duration::from_millis(100)).await;
    let end = until(&client, &p.id, |p| p.status == PaymentStatus::Refunded).await;
    assert_eq!((end.refunded, end.refunds.len()), (Rupiah(17_000), 1));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let later = client.payment(&p.id).await.unwrap();
    assert_eq!((later.refunded, later.refunds.len()), (Rupiah(17_000), 1));
    assert_eq!(gw.sim.refunded(&p.id), Some(Rupiah(17_000)), "moved back once");
}
