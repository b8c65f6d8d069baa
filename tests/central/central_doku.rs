//! The central with the DOKU gateway, end to end: a device's client over
//! HTTP, the central on port 0, and a fake DOKU that checks every
//! signature and posts signed notifications.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use common::until;
use fake_doku::{CLIENT_ID, CLIENT_SECRET, FakeDoku, MERCHANT_ID, TERMINAL_ID, fixture};
use swalayan::central::api::{Payment, PaymentStatus, RefundStatus};
use swalayan::central::client::{Client, ClientError};
use swalayan::central::server::gateway::doku::{Doku, DokuConfig};
use swalayan::central::server::gateway::{Gateway, GatewayError, QrRequest};
use swalayan::central::server::{self, Config, GatewayChoice, Running};
use swalayan::domain::{Rupiah, qris};

use crate::common;
use crate::fake_doku;

/// Where the central takes DOKU's notifications.
const NOTIFY_PATH: &str = "/v1/gateway/doku/notify";

/// What the automatic refund of a late payment says, as the README states.
const LATE_REASON: &str =
    "paid after the payment had ended on the device, so the shopper did not take the goods";

/// The adapter's time limit per DOKU request in these tests.
const DOKU_TIMEOUT: Duration = Duration::from_secs(1);

fn doku_config(fake: &FakeDoku) -> DokuConfig {
    fake.gateway_config(DOKU_TIMEOUT)
}

struct Setup {
    fake: FakeDoku,
    central: Running,
    client: Client,
    _dir: tempfile::TempDir,
}

/// A fake DOKU and a central using it; the poller asks every `poll`.
async fn setup(poll: Duration) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDoku::start().await;
    let central = start_central(&fake, dir.path(), poll).await;
    let client = Client::new(&central.url()).unwrap();
    Setup { fake, central, client, _dir: dir }
}

async fn start_central(fake: &FakeDoku, dir: &Path, poll: Duration) -> Running {
    let doku = Doku::new(doku_config(fake)).expect("the test keys load");
    let config = Config {
        db: Some(dir.join("central.db")),
        gateway: GatewayChoice::Custom(Arc::new(doku)),
        poll_interval: poll,
        late_refund_grace: Duration::ZERO,
        ..Default::default()
    };
    server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("central starts")
}

/// Long enough that the poller only runs when a test makes it.
const NO_POLL: Duration = Duration::from_secs(3600);

/// Waits until `done` holds of the fake DOKU, for up to ten seconds.
async fn until_fake(fake: &FakeDoku, what: &str, done: impl Fn(&FakeDoku) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(fake) {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn refusal(e: &ClientError) -> (u16, &str) {
    match e {
        ClientError::Refused { status, code, .. } => (status.as_u16(), code.as_str()),
        other => panic!("not a refusal: {other}"),
    }
}

fn causes(p: &Payment) -> Vec<&str> {
    p.history.iter().map(|e| e.cause.as_str()).collect()
}

/// DOKU's SNAP reply to a QR MPM payment notification: HTTP 200 with
/// response code 200 + service 52 + case 00.
fn notify_reply() -> Value {
    json!({"responseCode": "2005200", "responseMessage": "Successful"})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_is_created_at_doku_and_paid_by_its_notification() {
    let t = setup(NO_POLL).await;
    let p = t.client.create_payment(Rupiah(17_000), "visit-1").await.unwrap();
    assert_eq!((p.status, p.gateway.as_str()), (PaymentStatus::Pending, "doku"));

    // The code shown is the one DOKU issued, for exactly the amount.
    let payload = qris::parse(&p.qris).expect("valid QRIS");
    assert_eq!(payload.amount.as_deref(), Some("17000"));
    let qr = t.fake.qr(&p.id);
    assert_eq!(p.gateway_ref.as_deref(), Some(qr.reference_no.as_str()));
    assert_eq!(qr.amount, 17_000);
    assert!(p.qris.contains(&qr.reference_no), "DOKU's code for its reference: {}", p.qris);
    let generated = t.fake.received_at("qr-mpm-generate");
    assert_eq!(generated.len(), 1);
    assert_eq!(generated[0].body["partnerReferenceNo"], p.id.as_str());
    assert_eq!(generated[0].body["amount"], json!({"value": "17000.00", "currency": "IDR"}));
    // The validity is the payment's expiry, in Jakarta time.
    let validity = DateTime::parse_from_rfc3339(&qr.validity).unwrap();
    let expires = DateTime::parse_from_rfc3339(&p.expires_at).unwrap();
    assert!(qr.validity.ends_with("+07:00"), "{}", qr.validity);
    assert!((validity - expires).num_milliseconds().abs() < 1000, "{validity} vs {expires}");

    // The shopper pays; DOKU posts its signed notification.
    t.fake.pay(&p.id);
    let (status, reply) = t.fake.notify(&t.central.url(), NOTIFY_PATH, &p.id).await;
    assert_eq!((status, reply), (200, notify_reply()));
    let paid = t.client.payment(&p.id).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(causes(&paid), ["created", "paid (gateway notification)"]);
    // The central asked DOKU (the notification only named the payment).
    let queried = t.fake.received_at("qr-mpm-query");
    assert_eq!(queried.len(), 1);
    assert_eq!(queried[0].body["originalPartnerReferenceNo"], p.id.as_str());
    assert_eq!(queried[0].body["originalReferenceNo"], qr.reference_no.as_str());
    assert_eq!(t.fake.rejections(), Vec::<String>::new(), "every signature checked out");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_notification_is_made_up_for_by_the_poller() {
    let t = setup(Duration::from_millis(200)).await;
    let p = t.client.create_payment(Rupiah(8_500), "visit-2").await.unwrap();
    t.fake.pay(&p.id);
    let paid = until(&t.client, &p.id, |p| p.status != PaymentStatus::Pending).await;
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(causes(&paid), ["created", "paid (gateway query)"]);
    assert_eq!(t.fake.rejections(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_notification_is_refused_and_changes_nothing() {
    let t = setup(NO_POLL).await;
    let p = t.client.create_payment(Rupiah(17_000), "visit-3").await.unwrap();
    t.fake.pay(&p.id);
    let url = format!("{}{NOTIFY_PATH}", t.central.url());

    // DOKU's signature over another body.
    let (headers, body) = t.fake.notification(&p.id, NOTIFY_PATH);
    let forged = String::from_utf8(body).unwrap().replace("17000.00", "1.00");
    let (status, answer) =
        fake_doku::post_notification(&url, headers.clone(), forged.into_bytes()).await;
    assert_eq!(status, 401);
    assert_eq!(answer["code"], "bad_notification", "{answer}");

    // No signature at all.
    let mut unsigned = headers;
    unsigned.remove("X-SIGNATURE");
    let (_, body) = t.fake.notification(&p.id, NOTIFY_PATH);
    let (status, _) = fake_doku::post_notification(&url, unsigned, body).await;
    assert_eq!(status, 401);

    // Signed for another path.
    let (headers, body) = t.fake.notification(&p.id, "/somewhere/else");
    let (status, _) = fake_doku::post_notification(&url, headers, body).await;
    assert_eq!(status, 401);

    // Nothing was asked of DOKU and the payment is as it was.
    assert!(t.fake.received_at("qr-mpm-query").is_empty());
    let still = t.client.payment(&p.id).await.unwrap();
    assert_eq!((still.status, causes(&still)), (PaymentStatus::Pending, vec!["created"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_at_the_device_cancels_the_code_at_doku() {
    let t = setup(NO_POLL).await;
    let p = t.client.create_payment(Rupiah(17_000), "visit-4").await.unwrap();
    let cancelled = t.client.cancel_payment(&p.id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Cancelled);
    assert_eq!(causes(&cancelled), ["created", "cancelled by device"]);
    assert_eq!(t.fake.qr(&p.id).status, "05", "cancelled at DOKU");
    let sent = t.fake.received_at("qr-mpm-cancel");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["originalPartnerReferenceNo"], p.id.as_str());
    assert_eq!(sent[0].body["merchantId"], MERCHANT_ID);
    assert!(sent[0].body["reason"].as_str().is_some_and(|r| !r.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_doku_answers_as_paid_leaves_the_payment_paid() {
    let t = setup(NO_POLL).await;
    let p = t.client.create_payment(Rupiah(25_500), "visit-5").await.unwrap();
    // The shopper pays; the device cancels before any notification.
    t.fake.pay(&p.id);
    let answer = t.client.cancel_payment(&p.id).await.unwrap();
    assert_eq!(answer.status, PaymentStatus::Paid);
    assert!(answer.history[1].cause.contains("the shopper paid first"), "{answer:?}");
    assert_eq!(t.fake.qr(&p.id).status, "00", "still paid at DOKU, nothing refunded");
    assert!(t.fake.qr(&p.id).refunds.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_and_full_refunds_reach_doku_with_their_amounts_and_ids() {
    let t = setup(NO_POLL).await;
    let p = t.client.create_payment(Rupiah(17_000), "visit-6").await.unwrap();
    t.fake.pay(&p.id);
    t.fake.notify(&t.central.url(), NOTIFY_PATH, &p.id).await;

    let after_one =
        t.client.refund_payment(&p.id, Rupiah(5_000), "one item returned", "rf-1").await.unwrap();
    assert_eq!((after_one.status, after_one.refunded), (PaymentStatus::Paid, Rupiah(5_000)));
    let first = after_one.refunds[0].id.clone();
    assert_eq!(t.fake.qr(&p.id).refunds, [(first.clone(), 5_000)]);
    assert_eq!(t.fake.qr(&p.id).status, "00");

    let all =
        t.client.refund_payment(&p.id, Rupiah(12_000), "the rest returned", "rf-2").await.unwrap();
    assert_eq!((all.status, all.refunded), (PaymentStatus::Refunded, Rupiah(17_000)));
    assert!(all.refunds.iter().all(|r| r.status == RefundStatus::Done));
    let second = all.refunds[1].id.clone();
    assert_eq!(t.fake.qr(&p.id).refunds, [(first.clone(), 5_000), (second.clone(), 12_000)]);
    assert_eq!(t.fake.qr(&p.id).status, "04", "refunded in full at DOKU");

    let sent = t.fake.received_at("qr-mpm-refund");
    assert_eq!(sent.len(), 2);
    for (req, (id, value)) in sent.iter().zip([(&first, "5000.00"), (&second, "12000.00")]) {
        assert_eq!(req.body["partnerRefundNo"], id.as_str());
        assert_eq!(req.body["refundAmount"], json!({"value": value, "currency": "IDR"}));
        assert_eq!(req.body["originalPartnerReferenceNo"], p.id.as_str());
    }
    // A retry of the first refund moves no money again.
    let again =
        t.client.refund_payment(&p.id, Rupiah(5_000), "one item returned", "rf-1").await.unwrap();
    assert_eq!(again.refunded, Rupiah(17_000));
    assert_eq!(t.fake.received_at("qr-mpm-refund").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_made_after_the_device_cancelled_is_refunded_through_doku() {
    let t = setup(NO_POLL).await;
    let p = t.client.create_payment(Rupiah(17_000), "visit-7").await.unwrap();
    // DOKU fails the cancel: the device's payment ends, the code stays
    // payable at DOKU, and the shopper pays it.
    t.fake.with(|s| s.fail_next = 1);
    let cancelled = t.client.cancel_payment(&p.id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Cancelled);
    t.fake.pay(&p.id);
    let (status, reply) = t.fake.notify(&t.central.url(), NOTIFY_PATH, &p.id).await;
    assert_eq!((status, reply), (200, notify_reply()));

    let refunded = until(&t.client, &p.id, |p| p.status == PaymentStatus::Refunded).await;
    assert_eq!(refunded.refunded, Rupiah(17_000));
    assert_eq!(refunded.refunds.len(), 1);
    assert_eq!(refunded.refunds[0].reason, LATE_REASON);
    let qr = t.fake.qr(&p.id);
    assert_eq!(qr.refunds, [(refunded.refunds[0].id.clone(), 17_000)]);
    assert_eq!(qr.status, "04");
}

#[tokio::test(flavor = "multi_thread")]
async fn doku_answering_500_at_creation_gives_503_then_the_retry_works() {
    let t = setup(NO_POLL).await;
    t.fake.with(|s| s.fail_next = 1);
    let err = t.client.create_payment(Rupiah(17_000), "visit-8").await.unwrap_err();
    assert_eq!(refusal(&err), (503, "gateway_unreachable"));
    assert!(err.is_retryable());
    assert!(t.fake.statuses().is_empty(), "DOKU registered nothing");

    let p = t.client.create_payment(Rupiah(17_000), "visit-8").await.unwrap();
    assert_eq!(p.status, PaymentStatus::Pending);
    // One code at DOKU, the one shown, under the second attempt's reference.
    let second = format!("{}-2", p.id);
    assert_eq!(t.fake.statuses(), [(second.clone(), "03")]);
    assert_eq!(p.gateway_ref, Some(t.fake.qr(&second).reference_no));
    let again = t.client.create_payment(Rupiah(17_000), "visit-8").await.unwrap();
    assert_eq!((again.id, again.qris), (p.id.clone(), p.qris.clone()));
    assert_eq!(t.fake.received_at("qr-mpm-generate").len(), 2);

    // The code is the payment's: paying it pays the payment.
    t.fake.pay(&second);
    let (status, _) = t.fake.notify(&t.central.url(), NOTIFY_PATH, &second).await;
    assert_eq!(status, 200);
    assert_eq!(t.client.payment(&p.id).await.unwrap().status, PaymentStatus::Paid);
    assert_eq!(t.fake.rejections(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creation_doku_took_but_answered_too_late_is_cancelled_before_the_retry() {
    let t = setup(NO_POLL).await;
    // DOKU registers the code but answers after the adapter gave up.
    t.fake.with(|s| s.stall_next_generate = Some(DOKU_TIMEOUT * 3));
    let err = t.client.create_payment(Rupiah(17_000), "visit-9").await.unwrap_err();
    assert_eq!(refusal(&err), (503, "gateway_unreachable"));
    // One code at DOKU: still payable ("03"), or already cancelled ("05")
    // if the central's poller, woken by the new payment, got to it first.
    let at_doku = t.fake.statuses();
    let [(first, "03" | "05")] = at_doku.as_slice() else {
        panic!("DOKU holds one code: {at_doku:?}");
    };
    let first = first.clone();

    // The retry cancels the code nobody saw, then asks for a new one under
    // a new reference: DOKU would refuse the first one as a duplicate.
    let p = t.client.create_payment(Rupiah(17_000), "visit-9").await.unwrap();
    assert_eq!(first, p.id);
    let second = format!("{}-2", p.id);
    assert_eq!(t.fake.statuses(), [(first.clone(), "05"), (second.clone(), "03")]);
    assert_eq!(p.gateway_ref, Some(t.fake.qr(&second).reference_no));
    assert!(p.qris.contains(&t.fake.qr(&second).reference_no), "the second code is shown");
    let generated: Vec<Value> = t
        .fake
        .received_at("qr-mpm-generate")
        .iter()
        .map(|r| r.body["partnerReferenceNo"].clone())
        .collect();
    assert_eq!(generated, [json!(first), json!(second)]);
    assert_eq!(causes(&p), ["created"]);
    assert_eq!(t.fake.rejections(), Vec::<String>::new());

    // Cancelling the payment cancels the code that was shown.
    let cancelled = t.client.cancel_payment(&p.id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Cancelled);
    assert_eq!(t.fake.statuses(), [(first, "05"), (second, "05")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_poller_cancels_a_code_whose_creation_timed_out() {
    let t = setup(Duration::from_millis(200)).await;
    t.fake.with(|s| s.stall_next_generate = Some(DOKU_TIMEOUT * 3));
    let err = t.client.create_payment(Rupiah(9_000), "visit-10").await.unwrap_err();
    assert_eq!(refusal(&err), (503, "gateway_unreachable"));
    // The device never comes back; the code nobody saw stops being payable.
    until_fake(&t.fake, "the cancel", |f| f.statuses().iter().all(|(_, s)| *s == "05")).await;
    let cancels = t.fake.received_at("qr-mpm-cancel").len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(t.fake.received_at("qr-mpm-cancel").len(), cancels, "not asked again");

    // A late retry needs no cancel and gets one new code.
    let p = t.client.create_payment(Rupiah(9_000), "visit-10").await.unwrap();
    assert_eq!(t.fake.received_at("qr-mpm-cancel").len(), cancels);
    let second = format!("{}-2", p.id);
    assert_eq!(t.fake.statuses(), [(p.id.clone(), "05"), (second, "03")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_paid_although_its_creation_timed_out_makes_the_payment_paid() {
    let t = setup(NO_POLL).await;
    t.fake.with(|s| s.stall_next_generate = Some(DOKU_TIMEOUT * 3));
    let err = t.client.create_payment(Rupiah(17_000), "visit-11").await.unwrap_err();
    assert_eq!(refusal(&err), (503, "gateway_unreachable"));
    let first = t.fake.statuses()[0].0.clone();
    // Money moved for that code (however the shopper came by it).
    t.fake.pay(&first);

    let p = t.client.create_payment(Rupiah(17_000), "visit-11").await.unwrap();
    assert_eq!((p.id.as_str(), p.status), (first.as_str(), PaymentStatus::Paid));
    assert_eq!(p.qris, "", "no code to show");
    assert!(p.history.last().unwrap().cause.contains("issue was not confirmed"), "{p:?}");
    assert_eq!(t.fake.received_at("qr-mpm-generate").len(), 1, "no second code");
    // It is refunded like any paid payment, at the code that was paid.
    let r = t.client.refund_payment(&p.id, Rupiah(17_000), "not taken", "rf").await.unwrap();
    assert_eq!(r.status, PaymentStatus::Refunded);
    assert_eq!(t.fake.qr(&first).refunds, [(r.refunds[0].id.clone(), 17_000)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn doku_refuses_a_partner_reference_it_has_seen() {
    // Why the central never asks twice under one reference: SNAP answers a
    // second generate with the same partnerReferenceNo with 409.
    let fake = FakeDoku::start().await;
    let doku = Doku::new(doku_config(&fake)).unwrap();
    let expires_at = DateTime::from_timestamp(Utc::now().timestamp() + 300, 0).unwrap();
    let req = QrRequest {
        payment_id: "PAY-1".into(),
        reference: "PAY-1".into(),
        amount: Rupiah(17_000),
        expires_at,
    };
    doku.create_qr(&req).await.unwrap();
    match doku.create_qr(&req).await.unwrap_err() {
        e @ GatewayError::Refused { .. } => {
            assert!(!e.is_retryable());
            let GatewayError::Refused { code, .. } = &e else { unreachable!() };
            assert_eq!(code, "4094700", "{e}");
        }
        other => panic!("not refused: {other}"),
    }
}

/// The `swalayan` binary with DOKU settings pointing at `fake`, less the
/// variables named in `without`; nothing inherited from the caller's
/// environment.
fn central_command(fake: &FakeDoku, without: &[&str]) -> std::process::Command {
    let settings = [
        ("DOKU_BASE_URL", fake.url.clone()),
        ("DOKU_CLIENT_ID", CLIENT_ID.to_owned()),
        ("DOKU_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("DOKU_PRIVATE_KEY", fixture("merchant_private.pem").display().to_string()),
        ("DOKU_PUBLIC_KEY", fixture("doku_public.pem").display().to_string()),
        ("DOKU_MERCHANT_ID", MERCHANT_ID.to_owned()),
        ("DOKU_TERMINAL_ID", TERMINAL_ID.to_owned()),
    ];
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"));
    cmd.args(["central", "--gateway", "doku", "--listen", "127.0.0.1:0"]);
    for (var, _) in std::env::vars().filter(|(v, _)| v.starts_with("DOKU_")) {
        cmd.env_remove(var);
    }
    for (var, value) in settings.iter().filter(|(v, _)| !without.contains(v)) {
        cmd.env(var, value);
    }
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn the_central_command_names_a_missing_doku_setting() {
    let fake = FakeDoku::start().await;
    for var in ["DOKU_BASE_URL", "DOKU_CLIENT_SECRET", "DOKU_TERMINAL_ID"] {
        let out = central_command(&fake, &[var]).output().unwrap();
        assert!(!out.status.success(), "started without {var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("{var} is not set")), "{var}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_central_command_serves_payments_through_doku_from_the_environment() {
    use std::io::BufRead;

    let fake = FakeDoku::start().await;
    let mut child = central_command(&fake, &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says where it listens on standard error, among its logs, which are
    // read to the end so the pipe never fills.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("central listening on ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)).ok())
        .await
        .unwrap();

    let result = async {
        let client = Client::new(url.as_deref().ok_or("no listening line")?).unwrap();
        let p = client.create_payment(Rupiah(17_000), "cli-1").await.map_err(|e| e.to_string())?;
        Ok::<_, String>(p)
    }
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let p = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((p.status, p.gateway.as_str()), (PaymentStatus::Pending, "doku"));
    assert_eq!(p.gateway_ref, Some(fake.qr(&p.id).reference_no));
    assert_eq!(fake.rejections(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_poller_refunds_a_payment_made_after_the_device_cancelled() {
    let t = setup(Duration::from_millis(200)).await;
    let p = t.client.create_payment(Rupiah(17_000), "visit-12").await.unwrap();
    // DOKU fails everything for a while: the device's cancel ends the
    // payment on the central only, and the shopper pays the code.
    t.fake.with(|s| s.fail_next = usize::MAX);
    let cancelled = t.client.cancel_payment(&p.id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Cancelled);
    t.fake.pay(&p.id);
    t.fake.with(|s| s.fail_next = 0);

    // No notification: the poller's cancel finds it paid, and refunds it.
    let refunded = until(&t.client, &p.id, |p| p.status == PaymentStatus::Refunded).await;
    assert!(
        refunded
            .history
            .iter()
            .any(|e| e.cause.starts_with("paid late, after the payment was cancelled")),
        "{refunded:?}"
    );
    assert_eq!(refunded.refunds[0].reason, LATE_REASON);
    assert_eq!(t.fake.qr(&p.id).refunds, [(refunded.refunds[0].id.clone(), 17_000)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_left_without_a_code_by_an_older_central_is_closed_at_doku() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDoku::start().await;
    // An older central asked DOKU for a code under the payment id and lost
    // the answer: DOKU holds the code, the database none.
    let doku = Doku::new(doku_config(&fake)).unwrap();
    let expires_at = DateTime::from_timestamp(Utc::now().timestamp() + 300, 0).unwrap();
    let req = QrRequest {
        payment_id: "PAY-OLD".into(),
        reference: "PAY-OLD".into(),
        amount: Rupiah(8_000),
        expires_at,
    };
    doku.create_qr(&req).await.unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join("central.db")).unwrap();
        conn.execute_batch(include_str!("../../migrations/central/0001_init.sql")).unwrap();
        conn.execute_batch(include_str!("../../migrations/central/0002_payment_lifecycle.sql"))
            .unwrap();
        conn.execute_batch(
            "INSERT INTO payment (id, idempotency_key, amount, status, created_at, expires_at,
                                  expires_ms, gateway)
             VALUES ('PAY-OLD', 'k-old', 8000, 'pending', '2026-01-02T03:04:05.000Z',
                     '2026-01-02T03:09:05.000Z', 1767323345000, 'doku');
             PRAGMA user_version = 2; PRAGMA application_id = 1398230083;",
        )
        .unwrap();
    }
    let central = start_central(&fake, dir.path(), Duration::from_millis(200)).await;
    until_fake(&fake, "the cancel", |f| f.statuses() == [("PAY-OLD".to_owned(), "05")]).await;

    // The device's retry gets a new code under the second reference.
    let client = Client::new(&central.url()).unwrap();
    let p = client.create_payment(Rupiah(8_000), "k-old").await.unwrap();
    assert_eq!((p.id.as_str(), p.status), ("PAY-OLD", PaymentStatus::Pending));
    assert_eq!(p.gateway_ref, Some(fake.qr("PAY-OLD-2").reference_no));
    assert_eq!(fake.rejections(), Vec::<String>::new());
}
