//! Regression tests for loyalty defects found by attacking the central as a
//! bad client would, over HTTP on port 0. Each test is named after what
//! broke.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::gateway::TestGateway;
use common::{refusal, start};
use swalayan::central::api::{NewPayment, NewTransaction, PaymentStatus, SaleLine};
use swalayan::central::server::{self, Config, GatewayChoice};
use swalayan::domain::Rupiah;

use crate::common;

const MEMBERS: &str = "member_id,name,phone,tier,points,birthday
L1,Wulan Sari,0812-0000-0101,gold,1000,1991-03-05
L2,Joko Prasetyo,+62 812 0000 0102,silver,0,
";

fn config(dir: &Path, members: &str) -> Config {
    let file = dir.join("members.csv");
    std::fs::write(&file, members).unwrap();
    Config {
        db: Some(dir.join("central.db")),
        members: Some(file),
        voucher_codes: vec!["HEMAT10".into()],
        ..Default::default()
    }
}

fn paying(amount: i64, member: &str, points: u64, vouchers: &[&str]) -> NewPayment {
    NewPayment {
        amount: Rupiah(amount),
        member: Some(member.into()),
        points,
        vouchers: vouchers.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    }
}

/// The sale of one item of `total` paid by `payment`.
fn sale(payment: &str, total: i64, member: &str, vouchers: &[&str]) -> NewTransaction {
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
        points_redeemed: 0,
        vouchers: vouchers.iter().map(|v| v.to_string()).collect(),
        points_earned: 0,
        ..Default::default()
    }
}

/// The engine takes a code trimmed and in any case, so the holds must too:
/// `hemat10` was held (and spent) beside `HEMAT10`, one voucher used twice.
#[tokio::test]
async fn a_voucher_typed_in_another_case_is_the_same_single_use_code() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(config(dir.path(), MEMBERS)).await;

    let a = client.create_payment_with(&paying(5_000, "L1", 0, &["HEMAT10"]), "a").await.unwrap();
    for (key, typed) in [("b", "hemat10"), ("c", " HEMAT10 "), ("d", "Hemat10\n")] {
        let e = client.create_payment_with(&paying(5_000, "L2", 0, &[typed]), key).await;
        assert_eq!(refusal(&e.unwrap_err()), (409, "voucher_unavailable"), "{typed:?}");
    }
    let twice = paying(5_000, "L2", 0, &["HEMAT10", "hemat10"]);
    let e = client.create_payment_with(&twice, "e").await.unwrap_err();
    assert_eq!(refusal(&e), (400, "bad_request"));

    // The sale may name the code as the shopper typed it; once it is
    // recorded, no spelling of the code is free again.
    client.simulate_payment(&a.id, PaymentStatus::Paid).await.unwrap();
    client.post_transaction(&sale(&a.id, 5_000, "L1", &["hemat10"])).await.unwrap();
    let e = client.create_payment_with(&paying(5_000, "L2", 0, &["hEmAt10"]), "f").await;
    let e = e.unwrap_err();
    assert_eq!(refusal(&e), (409, "voucher_unavailable"));
    assert!(e.to_string().contains("already used"), "{e}");
}

/// An opening balance near `i64::MAX` was taken, and after one earn every
/// route that sums the member's ledger answered 500.
#[tokio::test]
async fn an_opening_balance_past_a_billion_points_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let members = format!("{MEMBERS}L3,Maya Putri,0812-0000-0103,gold,9223372036854775807,\n");
    let e = server::start(config(dir.path(), &members), "127.0.0.1:0".parse().unwrap()).await;
    let e = format!("{:#}", e.err().expect("refused"));
    assert!(e.contains("line 4"), "{e}");
    assert!(e.contains("points 9223372036854775807 is more than 1000000000"), "{e}");

    // A billion exactly is taken, and earning on it still adds up:
    // gold, Rp 10.000.000 paid, 2 points per Rp 1.000 = 20 000.
    let dir = tempfile::tempdir().unwrap();
    let members = format!("{MEMBERS}L3,Maya Putri,0812-0000-0103,gold,1000000000,\n");
    let (_central, client) = start(config(dir.path(), &members)).await;
    let p = client.create_payment_with(&paying(10_000_000, "L3", 0, &[]), "k").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let t = client.post_transaction(&sale(&p.id, 10_000_000, "L3", &[])).await.unwrap();
    assert_eq!(t.points_earned, 20_000);
    assert_eq!(client.member_account("L3").await.unwrap().balance, 1_000_020_000);
}

/// A payment whose code never came (the gateway down, or the central
/// stopped) kept its points held past its expiry until some other payment
/// held something; the member's points looked spent meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn points_held_by_a_payment_that_never_got_a_code_come_back_at_its_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (_central, client) = start(Config {
        gateway: GatewayChoice::Custom(gw.clone()),
        payment_ttl: Duration::from_secs(1),
        poll_interval: Duration::from_millis(100),
        ..config(dir.path(), MEMBERS)
    })
    .await;

    gw.down.store(true, Ordering::SeqCst);
    let e = client.create_payment_with(&paying(4_000, "L1", 700, &[]), "k").await.unwrap_err();
    assert_eq!(refusal(&e), (503, "gateway_unreachable"));
    assert_eq!(client.member_account("L1").await.unwrap().reserved, 700);

    // Nobody retries and no other payment is made.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let account = client.member_account("L1").await.unwrap();
        if account.reserved == 0 {
            assert_eq!(account.member.points, 1000);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still held: {account:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A route asked with a method it does not take answered an empty 405.
#[tokio::test]
async fn a_wrong_method_is_answered_with_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let (central, _client) = start(config(dir.path(), MEMBERS)).await;
    let url = format!("{}/v1/members/identify", central.url());
    let answer = reqwest::Client::new().get(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 405);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    assert_eq!(body["error"], "/v1/members/identify does not take GET");
}
