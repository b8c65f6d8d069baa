//! The DOKU gateway against a fake DOKU that checks every signature.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use fake_doku::{FakeDoku, MERCHANT_ID, TERMINAL_ID, fixture};
use swalayan::central::server::gateway::doku::{Doku, DokuConfig, DokuConfigError};
use swalayan::central::server::gateway::{
    CustomerCode, Gateway, GatewayError, GatewayPayment, GatewayState, QrRequest, RefundRequest,
};
use swalayan::domain::Rupiah;
use swalayan::domain::qris;

use crate::fake_doku;

const NOTIFY_PATH: &str = "/v1/payments/notify/doku";

fn config(fake: &FakeDoku) -> DokuConfig {
    fake.gateway_config(Duration::from_secs(5))
}

async fn setup() -> (FakeDoku, Doku) {
    let fake = FakeDoku::start().await;
    let doku = Doku::new(config(&fake)).expect("the test keys load");
    (fake, doku)
}

fn request(id: &str, rupiah: i64) -> QrRequest {
    // Whole seconds: DOKU's validityPeriod carries no fraction.
    let expires_at = DateTime::from_timestamp(Utc::now().timestamp() + 300, 0).unwrap();
    QrRequest { payment_id: id.into(), reference: id.into(), amount: Rupiah(rupiah), expires_at }
}

fn payment(req: &QrRequest, gateway_ref: Option<String>) -> GatewayPayment {
    GatewayPayment {
        payment_id: req.payment_id.clone(),
        reference: req.reference.clone(),
        gateway_ref,
        amount: req.amount,
        created_at: Utc::now(),
    }
}

/// Issues a code and returns the payment as the central would keep it.
async fn issued(doku: &Doku, id: &str, rupiah: i64) -> GatewayPayment {
    let req = request(id, rupiah);
    let qr = doku.create_qr(&req).await.expect("DOKU issues a code");
    payment(&req, qr.gateway_ref)
}

#[tokio::test]
async fn a_code_is_issued_with_exact_amount_and_validity() {
    let (fake, doku) = setup().await;
    let req = request("pay-0001", 17_000);
    let qr = doku.create_qr(&req).await.unwrap();

    let payload = qris::parse(&qr.qris).expect("DOKU's qrContent is valid QRIS");
    assert_eq!(payload.amount_rupiah, Some(Rupiah(17_000)));
    assert_eq!(qr.gateway_ref.as_deref(), Some(fake.qr("pay-0001").reference_no.as_str()));

    let sent = fake.with(|s| s.received[0].clone());
    assert_eq!(sent.path, "/snap-adapter/b2b/v1.0/qr/qr-mpm-generate");
    assert_eq!(sent.body["partnerReferenceNo"], "pay-0001");
    assert_eq!(sent.body["amount"], json!({"value": "17000.00", "currency": "IDR"}));
    assert_eq!(sent.body["merchantId"], MERCHANT_ID);
    assert_eq!(sent.body["terminalId"], TERMINAL_ID);
    // The expiry, written in Jakarta time.
    let validity = sent.body["validityPeriod"].as_str().unwrap();
    assert!(validity.ends_with("+07:00"), "{validity}");
    assert_eq!(DateTime::parse_from_rfc3339(validity).unwrap(), req.expires_at);
    assert_eq!(sent.headers["CHANNEL-ID"], "H2H");
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn the_token_is_fetched_once_and_cached() {
    let (fake, doku) = setup().await;
    let p = issued(&doku, "pay-cache", 5_000).await;
    for _ in 0..3 {
        assert_eq!(doku.query(&p).await.unwrap(), GatewayState::Pending);
    }
    assert_eq!(fake.tokens_issued(), 1);
    // Four requests in one day, four distinct external ids.
    let ids: std::collections::HashSet<String> = fake.with(|s| {
        s.received.iter().map(|r| r.headers["X-EXTERNAL-ID"].to_str().unwrap().to_owned()).collect()
    });
    assert_eq!(ids.len(), 4);
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let (fake, doku) = setup().await;
    let doku = std::sync::Arc::new(doku);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let doku = doku.clone();
        tasks.push(tokio::spawn(async move {
            doku.create_qr(&request(&format!("pay-c{i}"), 1_000 + i)).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(fake.tokens_issued(), 1);
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn a_new_token_is_fetched_after_expiry() {
    let (fake, doku) = setup().await;
    fake.with(|s| s.token_lifetime = 2);
    let p = issued(&doku, "pay-expiry", 5_000).await;
    assert_eq!(fake.tokens_issued(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(doku.query(&p).await.unwrap(), GatewayState::Pending);
    assert_eq!(fake.tokens_issued(), 2);
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once() {
    let (fake, doku) = setup().await;
    let p = issued(&doku, "pay-revoke", 5_000).await;
    fake.revoke_tokens();
    assert_eq!(doku.query(&p).await.unwrap(), GatewayState::Pending);
    assert_eq!(fake.tokens_issued(), 2);

    // A DOKU that refuses every token gets one new token, not a loop.
    fake.with(|s| s.refuse_all_tokens = true);
    let err = doku.query(&p).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { code, .. } if code == "4015101"), "{err}");
    assert_eq!(fake.tokens_issued(), 3);
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_as_an_invalid_signature() {
    let fake = FakeDoku::start().await;
    let doku =
        Doku::new(DokuConfig { client_secret: "not-the-secret".into(), ..config(&fake) }).unwrap();
    let err = doku.create_qr(&request("pay-badsig", 5_000)).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { code, .. } if code == "4017300"), "{err}");
    assert!(!err.is_retryable());
    // Once with the first token and once with a new one.
    assert_eq!(fake.rejections().len(), 2, "{:?}", fake.rejections());
}

#[tokio::test]
async fn a_key_doku_does_not_know_gets_no_token() {
    let fake = FakeDoku::start().await;
    // DOKU's own key instead of the merchant's: the RSA check fails.
    let doku = Doku::new(DokuConfig { private_key: fixture("doku_private.pem"), ..config(&fake) })
        .unwrap();
    let err = doku.create_qr(&request("pay-badkey", 5_000)).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { code, .. } if code == "4017300"), "{err}");
    assert_eq!(fake.tokens_issued(), 0);
}

#[tokio::test]
async fn a_pkcs1_private_key_signs_as_well() {
    let fake = FakeDoku::start().await;
    let doku = Doku::new(DokuConfig {
        private_key: fixture("merchant_private_pkcs1.pem"),
        ..config(&fake)
    })
    .unwrap();
    doku.create_qr(&request("pay-pkcs1", 5_000)).await.unwrap();
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn key_files_that_are_not_keys_name_the_variable_and_path() {
    let fake = FakeDoku::start().await;
    let readme = fixture("README.md");
    let err = Doku::new(DokuConfig { public_key: readme.clone(), ..config(&fake) })
        .err()
        .expect("a README is no key");
    assert!(matches!(err, DokuConfigError::KeyFormat { var: "DOKU_PUBLIC_KEY", .. }), "{err}");
    assert!(err.to_string().contains(&readme.display().to_string()), "{err}");
    // A private key where the public one belongs.
    let err = Doku::new(DokuConfig { public_key: fixture("doku_private.pem"), ..config(&fake) })
        .err()
        .expect("a private key is not DOKU's public key");
    assert!(err.to_string().contains("DOKU_PUBLIC_KEY"), "{err}");
}

#[tokio::test]
async fn query_follows_a_payment_from_pending_to_paid() {
    let (fake, doku) = setup().await;
    let p = issued(&doku, "pay-query", 17_000).await;
    assert_eq!(doku.query(&p).await.unwrap(), GatewayState::Pending);

    fake.pay("pay-query");
    let paid_time = fake.qr("pay-query").paid_at.unwrap();
    let paid_at = DateTime::parse_from_rfc3339(&paid_time).unwrap().with_timezone(&Utc);
    assert_eq!(doku.query(&p).await.unwrap(), GatewayState::Paid { paid_at: Some(paid_at) });

    let sent = fake.with(|s| s.received.last().unwrap().body.clone());
    assert_eq!(sent["originalPartnerReferenceNo"], "pay-query");
    assert_eq!(sent["originalReferenceNo"], fake.qr("pay-query").reference_no.as_str());
    assert_eq!(sent["serviceCode"], "47");
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn a_paid_amount_with_a_fraction_or_another_value_is_refused() {
    let (fake, doku) = setup().await;
    let p = issued(&doku, "pay-frac", 17_000).await;
    fake.pay("pay-frac");
    fake.with(|s| s.query_amount = Some("17000.50".into()));
    let err = doku.query(&p).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { message, .. } if message.contains("fraction")));
    fake.with(|s| s.query_amount = Some("16000.00".into()));
    assert!(matches!(doku.query(&p).await, Err(GatewayError::Refused { .. })));
}

#[tokio::test]
async fn cancel_stops_a_pending_code_and_reports_a_paid_one() {
    let (fake, doku) = setup().await;
    let p = issued(&doku, "pay-cancel", 8_000).await;
    assert_eq!(doku.cancel(&p).await.unwrap(), GatewayState::Cancelled);
    assert_eq!(fake.qr("pay-cancel").status, "05");
    assert_eq!(doku.query(&p).await.unwrap(), GatewayState::Cancelled);
    // Cancelling again is harmless.
    assert_eq!(doku.cancel(&p).await.unwrap(), GatewayState::Cancelled);

    // The shopper paid before the cancel arrived: DOKU refuses, and the
    // answer is the payment's state.
    let p = issued(&doku, "pay-late", 8_000).await;
    fake.pay("pay-late");
    assert!(matches!(doku.cancel(&p).await.unwrap(), GatewayState::Paid { .. }));
    assert_eq!(fake.qr("pay-late").status, "00");
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn partial_refunds_add_up_and_a_retried_refund_moves_money_once() {
    let (fake, doku) = setup().await;
    let p = issued(&doku, "pay-refund", 17_000).await;
    let refund = |id: &str, amount| RefundRequest {
        refund_id: id.into(),
        amount: Rupiah(amount),
        reason: "item returned".into(),
    };
    // Not paid yet: nothing to refund.
    let err = doku.refund(&p, &refund("rf-0", 1_000)).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { code, .. } if code == "4037815"), "{err}");

    fake.pay("pay-refund");
    doku.refund(&p, &refund("rf-1", 5_000)).await.unwrap();
    doku.refund(&p, &refund("rf-1", 5_000)).await.unwrap();
    assert_eq!(fake.qr("pay-refund").refunded(), 5_000);
    doku.refund(&p, &refund("rf-2", 12_000)).await.unwrap();
    assert_eq!(fake.qr("pay-refund").refunded(), 17_000);
    let err = doku.refund(&p, &refund("rf-3", 1)).await.unwrap_err();
    assert!(matches!(err, GatewayError::Refused { .. }), "{err}");
    assert_eq!(fake.qr("pay-refund").refunded(), 17_000);

    let sent = fake.with(|s| s.received.last().unwrap().body.clone());
    assert_eq!(sent["partnerRefundNo"], "rf-3");
    assert_eq!(sent["refundAmount"], json!({"value": "1.00", "currency": "IDR"}));
    assert_eq!(sent["reason"], "item returned");
    // Fully refunded is still a paid payment for the gateway.
    assert!(matches!(doku.query(&p).await.unwrap(), GatewayState::Paid { .. }));
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retryable() {
    let (fake, doku) = setup().await;
    fake.with(|s| s.fail_next = 1);
    let err = doku.create_qr(&request("pay-5xx", 5_000)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().contains("500"), "{err}");

    let doku = Doku::new(DokuConfig { timeout: Duration::from_secs(1), ..config(&fake) }).unwrap();
    let p = issued(&doku, "pay-slow", 5_000).await;
    fake.with(|s| s.delay_next = Some(Duration::from_millis(1500)));
    let started = std::time::Instant::now();
    let err = doku.query(&p).await.unwrap_err();
    assert!(matches!(err, GatewayError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[tokio::test]
async fn an_unreachable_doku_is_retryable() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let fake = FakeDoku::start().await;
    let doku =
        Doku::new(DokuConfig { base_url: format!("http://127.0.0.1:{port}"), ..config(&fake) })
            .unwrap();
    let err = doku.create_qr(&request("pay-down", 5_000)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn a_signed_notification_names_the_payment() {
    let (fake, doku) = setup().await;
    issued(&doku, "pay-notify", 17_000).await;
    fake.pay("pay-notify");

    let (headers, body) = fake.notification("pay-notify", NOTIFY_PATH);
    let n = doku.notification(NOTIFY_PATH, &headers, &body).unwrap();
    assert_eq!(n.reference, "pay-notify");
    assert_eq!(n.reply, json!({"responseCode": "2005200", "responseMessage": "Successful"}));

    let (headers, body) = fake.notification_hmac_signed("pay-notify", NOTIFY_PATH, "tok-123");
    assert_eq!(doku.notification(NOTIFY_PATH, &headers, &body).unwrap().reference, "pay-notify");

    let (headers, body) = fake.notification_client_signed("pay-notify", Utc::now());
    assert_eq!(doku.notification(NOTIFY_PATH, &headers, &body).unwrap().reference, "pay-notify");
}

#[tokio::test]
async fn forged_notifications_are_refused() {
    let (fake, doku) = setup().await;
    issued(&doku, "pay-forged", 17_000).await;
    issued(&doku, "pay-other", 17_000).await;
    let bad = |r: Result<_, GatewayError>| matches!(r, Err(GatewayError::BadNotification(_)));

    // The body changed after DOKU signed it.
    let (headers, body) = fake.notification("pay-forged", NOTIFY_PATH);
    let text = String::from_utf8(body).unwrap().replace("pay-forged", "pay-other");
    assert!(bad(doku.notification(NOTIFY_PATH, &headers, text.as_bytes())));

    // Signed for another path.
    let (headers, body) = fake.notification("pay-forged", "/elsewhere");
    assert!(bad(doku.notification(NOTIFY_PATH, &headers, &body)));

    // An HMAC with another secret.
    let (mut headers, body) = fake.notification_hmac_signed("pay-forged", NOTIFY_PATH, "tok");
    headers.insert("Authorization", "Bearer other-token".parse().unwrap());
    assert!(bad(doku.notification(NOTIFY_PATH, &headers, &body)));

    // A body-less signature replayed an hour later.
    let an_hour_ago = Utc::now() - chrono::TimeDelta::hours(1);
    let (headers, body) = fake.notification_client_signed("pay-forged", an_hour_ago);
    assert!(bad(doku.notification(NOTIFY_PATH, &headers, &body)));

    // No signature, or no timestamp, at all.
    let (mut headers, body) = fake.notification("pay-forged", NOTIFY_PATH);
    headers.remove("X-SIGNATURE");
    assert!(bad(doku.notification(NOTIFY_PATH, &headers, &body)));
    let (mut headers, body) = fake.notification("pay-forged", NOTIFY_PATH);
    headers.remove("X-TIMESTAMP");
    assert!(bad(doku.notification(NOTIFY_PATH, &headers, &body)));
}

#[tokio::test]
async fn customer_presented_codes_are_unsupported() {
    let (_fake, doku) = setup().await;
    let req = request("pay-cpm", 5_000);
    let code =
        CustomerCode { payload: "hQVDUFYwMQ==".into(), account: "9360001410190013903".into() };
    let err = doku.charge_customer_code(&payment(&req, None), &code).await.unwrap_err();
    assert!(matches!(err, GatewayError::Unsupported { gateway: "doku", .. }), "{err}");
    assert_eq!(doku.name(), "doku");
}
