//! Loyalty on the central: members, member codes, identify, and points and
//! voucher codes held by payments, over HTTP on port 0.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::gateway::TestGateway;
use common::{refusal, start};
use swalayan::central::server::gateway::simulator::Outcome;

use swalayan::central::api::{IdentifyMember, NewPayment, NewTransaction, PaymentStatus, SaleLine};
use swalayan::central::client::Client;
use swalayan::central::server::{Config, GatewayChoice, Running};
use swalayan::domain::Rupiah;

use crate::common;

const MEMBERS: &str = "member_id,name,phone,tier,points,birthday
L1,Wulan Sari,0812-0000-0101,gold,1000,1991-03-05
L2,Joko Prasetyo,+62 812 0000 0102,silver,0,
L3,Maya Putri,6281200000103,platinum,50000,
";

fn config(dir: &Path) -> Config {
    let members = dir.join("members.csv");
    std::fs::write(&members, MEMBERS).unwrap();
    Config {
        db: Some(dir.join("central.db")),
        members: Some(members),
        voucher_codes: vec!["HEMAT10".into(), "GRATIS1".into()],
        late_refund_grace: Duration::ZERO,
        ..Default::default()
    }
}

fn by_code(code: &str) -> IdentifyMember {
    IdentifyMember { code: Some(code.into()), phone: None }
}

fn by_phone(phone: &str) -> IdentifyMember {
    IdentifyMember { code: None, phone: Some(phone.into()) }
}

/// A payment of `amount` by QRIS redeeming `points` of `member`.
fn redeeming(amount: i64, member: &str, points: u64, vouchers: &[&str]) -> NewPayment {
    NewPayment {
        amount: Rupiah(amount),
        member: Some(member.into()),
        points,
        vouchers: vouchers.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    }
}

/// The sale of one item of `total` paid by `payment`.
fn sale(payment: &str, total: i64, member: &str, points: u64, vouchers: &[&str]) -> NewTransaction {
    NewTransaction {
        idempotency_key: format!("sale-{payment}"),
        device_id: "dev-test".into(),
        payment_id: payment.into(),
        lines: vec![SaleLine {
            barcode: "8991101000070".into(),
            name: "MamyPoko Pants M 34".into(),
            qty: 1,
            unit_price: Rupiah(total),
            line_total: Rupiah(total),
            measure: None,
        }],
        total: Rupiah(total),
        member: Some(member.into()),
        points_redeemed: points,
        vouchers: vouchers.iter().map(|v| v.to_string()).collect(),
        points_earned: 0,
        cart: None,
        discounts: Vec::new(),
    }
}

#[tokio::test]
async fn a_member_is_identified_by_a_fresh_code_or_any_form_of_their_phone() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(config(dir.path())).await;

    let code = client.member_code("L1").await.unwrap();
    assert!(code.code.starts_with("SWM1."), "{}", code.code);
    let m = client.identify_member(&by_code(&code.code)).await.unwrap();
    assert_eq!((m.id.as_str(), m.name.as_str(), m.tier.as_str()), ("L1", "Wulan Sari", "gold"));
    assert_eq!((m.points, m.birthday.as_deref()), (1000, Some("1991-03-05")));

    for typed in ["0812-0000-0102", "+62 812 0000 0102", "6281200000102", "081200000102"] {
        let m = client.identify_member(&by_phone(typed)).await.unwrap();
        assert_eq!((m.id.as_str(), m.tier.as_str(), m.points), ("L2", "silver", 0), "{typed}");
    }

    let e = client.identify_member(&by_phone("0812-9999-9999")).await.unwrap_err();
    assert_eq!(refusal(&e), (404, "unknown_phone"));
    assert!(!e.to_string().contains("9999"), "{e}");
    let e = client.identify_member(&by_phone("hello")).await.unwrap_err();
    assert_eq!(refusal(&e), (400, "bad_phone"));
    let e = client.member_code("NOBODY").await.unwrap_err();
    assert_eq!(refusal(&e), (404, "unknown_member"));

    // One character of the claims changed: the signature no longer fits.
    let i = "SWM1.".len() + 4;
    let mut forged = code.code.clone().into_bytes();
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let e = client.identify_member(&by_code(&forged)).await.unwrap_err();
    assert_eq!(refusal(&e), (401, "code_forged"));
    let e = client.identify_member(&by_code("SWC1.abc.def")).await.unwrap_err();
    assert_eq!(refusal(&e), (400, "bad_code"));
    let e = client.identify_member(&IdentifyMember::default()).await.unwrap_err();
    assert_eq!(refusal(&e), (400, "bad_request"));
}

#[tokio::test]
async fn a_member_code_stops_working_when_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config { member_code_ttl: Duration::from_secs(1), ..config(dir.path()) };
    let (_central, client) = start(config).await;
    let code = client.member_code("L3").await.unwrap();
    assert!(client.identify_member(&by_code(&code.code)).await.is_ok());
    // Valid through its expiry second, refused after it.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let e = client.identify_member(&by_code(&code.code)).await.unwrap_err();
    assert_eq!(refusal(&e), (410, "code_expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn devices_asking_at_once_never_hold_more_points_than_the_member_has() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(config(dir.path())).await;

    // L1 has 1000 points; eight devices each redeem 300 at the same time:
    // three fit (900), a fourth would need 1200.
    let asks = (0..8).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client.create_payment_with(&redeeming(5_000, "L1", 300, &[]), &format!("k{i}")).await
        })
    });
    let answers = futures_util::future::join_all(asks).await;
    let mut made = Vec::new();
    for a in answers {
        match a.unwrap() {
            Ok(p) => made.push(p),
            Err(e) => assert_eq!(refusal(&e), (409, "points_unavailable")),
        }
    }
    assert_eq!(made.len(), 3);
    let account = client.member_account("L1").await.unwrap();
    assert_eq!((account.balance, account.reserved, account.member.points), (1000, 900, 100));

    // A cancelled payment gives its points back.
    client.cancel_payment(&made[0].id).await.unwrap();
    let account = client.member_account("L1").await.unwrap();
    assert_eq!((account.reserved, account.member.points), (600, 400));
    let fourth = client.create_payment_with(&redeeming(5_000, "L1", 400, &[]), "k-more").await;
    assert!(fourth.is_ok(), "{fourth:?}");
    let e =
        client.create_payment_with(&redeeming(5_000, "L1", 1, &[]), "k-none").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "points_unavailable"));
}

#[tokio::test]
async fn a_recorded_sale_spends_the_held_points_and_credits_the_earn_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(config(dir.path())).await;

    // A Rp 25.000 sale, 300 points redeemed: Rp 24.700 by QRIS, 24 full
    // thousands, gold earns 2 each: 48 points.
    let p = client.create_payment_with(&redeeming(24_700, "L1", 300, &[]), "pay-1").await.unwrap();
    assert_eq!(p.amount, Rupiah(24_700));
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let mut s = sale(&p.id, 25_000, "L1", 300, &[]);
    s.points_earned = 48;
    let t = client.post_transaction(&s).await.unwrap();
    assert_eq!((t.points_redeemed, t.points_earned), (300, 48));

    // The outbox replays the sale: the same transaction, no second earn.
    let again = client.post_transaction(&s).await.unwrap();
    assert_eq!(again, t);
    let account = client.member_account("L1").await.unwrap();
    // 1000 - 300 + 48.
    assert_eq!((account.balance, account.reserved, account.member.points), (748, 0, 748));
    let kinds: Vec<(&str, i64)> =
        account.ledger.iter().map(|e| (e.kind.as_str(), e.delta)).collect();
    assert_eq!(kinds, [("opening", 1000), ("redeem", -300), ("earn", 48)]);
    assert_eq!(account.ledger[2].sale_id.as_deref(), Some(t.id.as_str()));

    // The earn follows the tier: platinum, Rp 12.999 paid, 12 x 3 = 36.
    let p = client.create_payment_with(&redeeming(12_999, "L3", 0, &[]), "pay-2").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let t = client.post_transaction(&sale(&p.id, 12_999, "L3", 0, &[])).await.unwrap();
    assert_eq!(t.points_earned, 36);
    assert_eq!(client.member_account("L3").await.unwrap().balance, 50_036);
}

#[tokio::test]
async fn a_sale_must_use_what_its_payment_held() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(config(dir.path())).await;
    let p = client.create_payment_with(&redeeming(9_500, "L1", 500, &[]), "pay-1").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();

    // 600 points said, 500 held (and the sums no longer fit either).
    let e = client.post_transaction(&sale(&p.id, 10_100, "L1", 600, &[])).await.unwrap_err();
    assert_eq!(refusal(&e), (422, "loyalty_mismatch"));
    // Another member.
    let e = client.post_transaction(&sale(&p.id, 10_000, "L3", 500, &[])).await.unwrap_err();
    assert_eq!(refusal(&e), (422, "loyalty_mismatch"));
    // The total must be the payment plus the points.
    let e = client.post_transaction(&sale(&p.id, 9_500, "L1", 500, &[])).await.unwrap_err();
    assert_eq!(refusal(&e), (422, "invalid_sale"));
    assert!(client.post_transaction(&sale(&p.id, 10_000, "L1", 500, &[])).await.is_ok());

    // Points without a payment that held them are refused.
    let bare = client.create_payment(Rupiah(1_000), "pay-bare").await.unwrap();
    client.simulate_payment(&bare.id, PaymentStatus::Paid).await.unwrap();
    let e = client.post_transaction(&sale(&bare.id, 1_100, "L1", 100, &[])).await.unwrap_err();
    assert_eq!(refusal(&e), (422, "loyalty_mismatch"));
    // But a member may be named at the sale to earn: silver Rp 1.000, 1.
    let t = client.post_transaction(&sale(&bare.id, 1_000, "L2", 0, &[])).await.unwrap();
    assert_eq!(t.points_earned, 1);

    // The same key with other points is another payment: refused.
    let e =
        client.create_payment_with(&redeeming(9_500, "L1", 400, &[]), "pay-1").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "idempotency_conflict"));
    let e =
        client.create_payment_with(&redeeming(100, "NOBODY", 0, &[]), "pay-x").await.unwrap_err();
    assert_eq!(refusal(&e), (422, "unknown_member"));
    let mut no_member = redeeming(100, "L1", 5, &[]);
    no_member.member = None;
    let e = client.create_payment_with(&no_member, "pay-y").await.unwrap_err();
    assert_eq!(refusal(&e), (400, "bad_request"));
}

#[tokio::test]
async fn a_voucher_code_is_held_by_one_payment_and_used_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(config(dir.path())).await;

    let e = client.create_payment_with(&redeeming(5_000, "L2", 0, &["NOPE"]), "a").await;
    assert_eq!(refusal(&e.unwrap_err()), (422, "unknown_voucher"));

    let a =
        client.create_payment_with(&redeeming(5_000, "L2", 0, &["HEMAT10"]), "a").await.unwrap();
    let e = client.create_payment_with(&redeeming(5_000, "L1", 0, &["HEMAT10"]), "b").await;
    let e = e.unwrap_err();
    assert_eq!(refusal(&e), (409, "voucher_unavailable"));
    assert!(e.to_string().contains("held by another payment"), "{e}");

    // Cancelled, the code is free again; used by a sale, it is gone.
    client.cancel_payment(&a.id).await.unwrap();
    let b =
        client.create_payment_with(&redeeming(5_000, "L1", 0, &["HEMAT10"]), "b").await.unwrap();
    client.simulate_payment(&b.id, PaymentStatus::Paid).await.unwrap();
    let t = client.post_transaction(&sale(&b.id, 5_000, "L1", 0, &["HEMAT10"])).await.unwrap();
    assert_eq!(t.vouchers, ["HEMAT10"]);
    let e = client.create_payment_with(&redeeming(5_000, "L3", 0, &["HEMAT10"]), "c").await;
    let e = e.unwrap_err();
    assert_eq!(refusal(&e), (409, "voucher_unavailable"));
    assert!(e.to_string().contains("already used"), "{e}");
}

#[tokio::test]
async fn an_expired_payment_gives_its_points_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config { payment_ttl: Duration::from_secs(1), ..config(dir.path()) };
    let (_central, client) = start(config).await;
    let p = client.create_payment_with(&redeeming(1_000, "L1", 700, &[]), "k").await.unwrap();
    assert_eq!(client.member_account("L1").await.unwrap().reserved, 700);
    let p = common::until(&client, &p.id, |p| p.status == PaymentStatus::Expired).await;
    assert_eq!(p.status, PaymentStatus::Expired);
    let account = client.member_account("L1").await.unwrap();
    assert_eq!((account.reserved, account.member.points), (0, 1000));
}

/// Makes a late payment: the device cancels (the points go back), the
/// cancel never reaches the gateway, the shopper pays all the same, and the
/// gateway says so.
async fn pay_after_a_lost_cancel(central: &Running, client: &Client, gw: &TestGateway, id: &str) {
    gw.cancel_down.store(true, Ordering::SeqCst);
    let cancelled = client.cancel_payment(id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Cancelled);
    gw.sim.settle(id, Outcome::Paid).unwrap();
    reqwest::Client::new()
        .post(format!("{}/v1/gateway/test/notify", central.url()))
        .header("x-test-signature", "good")
        .json(&serde_json::json!({"payment_id": id}))
        .send()
        .await
        .unwrap();
    common::until(client, id, |p| p.status == PaymentStatus::Paid).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_payment_takes_its_points_again_for_its_sale_only_if_they_are_still_free() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = start(Config {
        gateway: GatewayChoice::Custom(gw.clone()),
        poll_interval: Duration::from_millis(100),
        late_refund_grace: Duration::from_secs(600),
        ..config(dir.path())
    })
    .await;

    // Still free: the sale spends them. Gold, Rp 4.000 paid: 8 earned.
    let p = client.create_payment_with(&redeeming(4_000, "L1", 600, &[]), "k1").await.unwrap();
    pay_after_a_lost_cancel(&central, &client, &gw, &p.id).await;
    assert_eq!(client.member_account("L1").await.unwrap().reserved, 0);
    let t = client.post_transaction(&sale(&p.id, 4_600, "L1", 600, &[])).await.unwrap();
    assert_eq!(t.points_earned, 8);
    let account = client.member_account("L1").await.unwrap();
    assert_eq!((account.balance, account.reserved), (1000 - 600 + 8, 0));

    // Spent meanwhile by another payment: the late one's sale is refused,
    // and the late payment is left to its refund.
    gw.cancel_down.store(false, Ordering::SeqCst);
    let late = client.create_payment_with(&redeeming(4_000, "L3", 30_000, &[]), "k2").await;
    let late = late.unwrap();
    pay_after_a_lost_cancel(&central, &client, &gw, &late.id).await;
    gw.cancel_down.store(false, Ordering::SeqCst);
    let other = client.create_payment_with(&redeeming(1_000, "L3", 30_000, &[]), "k3").await;
    assert!(other.is_ok(), "{other:?}");
    let e = client.post_transaction(&sale(&late.id, 34_000, "L3", 30_000, &[])).await.unwrap_err();
    assert_eq!(refusal(&e), (409, "points_unavailable"));
    let account = client.member_account("L3").await.unwrap();
    assert_eq!((account.balance, account.reserved), (50_000, 30_000));
}

#[tokio::test]
async fn every_member_route_is_in_the_served_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let (central, _client) = start(config(dir.path())).await;
    let url = format!("{}/v1/openapi.json", central.url());
    let doc: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    for (path, method) in [
        ("/v1/members/identify", "post"),
        ("/v1/members/{id}", "get"),
        ("/v1/members/{id}/code", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} undocumented");
    }
    let payment = &doc["components"]["schemas"]["NewPayment"]["properties"];
    assert!(payment["points"].is_object() && payment["vouchers"].is_object());
}
