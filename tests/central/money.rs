//! The money paths of orders, payments and returns under a hostile or
//! buggy client: concurrent requests, a payment used twice, refunds made
//! by hand in between. Each case was once a way to charge twice, keep a
//! customer's money or refund more than was paid.

use std::time::Duration;

use common::click::{self, POPOK, SABUN, order, placed_and_loaded};
use common::refusal;
use swalayan::central::api::{
    NewOrderLine, NewPayment, NewReturn, NewTransaction, OrderStep, PaidElsewhere, PaymentStatus,
    RefundTo, SaleLine, UnloadOutcome,
};
use swalayan::central::client::Client;
use swalayan::central::server::Config;
use swalayan::domain::Rupiah;

use crate::common;

/// A kiosk sale of `qty` Popok (Rp 50.000 each) paid by `payment`.
fn popok_sale(
    key: &str,
    payment: &str,
    qty: u32,
    member: Option<&str>,
    points: u64,
) -> NewTransaction {
    let total = Rupiah(50_000 * i64::from(qty));
    NewTransaction {
        idempotency_key: key.into(),
        device_id: "kiosk-1".into(),
        payment_id: payment.into(),
        lines: vec![SaleLine {
            barcode: POPOK.into(),
            name: "Popok M 34".into(),
            qty,
            unit_price: Rupiah(50_000),
            line_total: total,
            measure: None,
        }],
        total,
        member: member.map(Into::into),
        points_redeemed: points,
        ..Default::default()
    }
}

fn back_of_sale(sale: &str, qty: u32) -> NewReturn {
    NewReturn {
        order: None,
        sale: Some(sale.into()),
        lines: vec![NewOrderLine { barcode: POPOK.into(), qty }],
        reason: "rusak / damaged".into(),
        refund_to: RefundTo::Qris,
        member: None,
        device: Some("kiosk-1".into()),
    }
}

async fn paid(client: &Client, amount: i64, key: &str) -> String {
    let p = client.create_payment(Rupiah(amount), key).await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    p.id
}

#[tokio::test(flavor = "multi_thread")]
async fn six_kiosks_asking_at_once_get_one_payment_for_an_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    let view = placed_and_loaded(&client, &order(&[(SABUN, 1)]), 2).await;
    let asks = (0..6).map(|i| {
        let client = client.clone();
        let new = NewPayment {
            amount: Rupiah(6_750),
            order: Some(view.id.clone()),
            ..Default::default()
        };
        tokio::spawn(async move { client.create_payment_with(&new, &format!("kiosk-{i}")).await })
    });
    let mut ids = Vec::new();
    for ask in asks {
        ids.push(ask.await.unwrap().unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one payment for the order: {ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_paid_after_its_order_was_cancelled_is_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config { late_refund_grace: Duration::ZERO, ..click::config(dir.path()) };
    let (_central, client) = common::start(config).await;
    let view = placed_and_loaded(&client, &order(&[(SABUN, 1)]), 2).await;
    let new =
        NewPayment { amount: Rupiah(6_750), order: Some(view.id.clone()), ..Default::default() };
    let payment = client.create_payment_with(&new, "pay-2").await.unwrap();
    client.order_step(&view.id, "cancel", &OrderStep::default()).await.unwrap();
    let unload = OrderStep { staff_id: Some("S001".into()), ..Default::default() };
    let out = client.order_step(&view.id, "unload", &unload).await.unwrap();
    assert_eq!(out.unloaded.unwrap().outcome, UnloadOutcome::Unpaid);

    // The customer's phone pays the code all the same.
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let p = common::until(&client, &payment.id, |p| p.status == PaymentStatus::Refunded).await;
    assert_eq!((p.refunded.0, p.refunds.len()), (6_750, 1));
    assert!(!client.order(&view.id).await.unwrap().paid);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_payment_pays_one_purchase() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // A kiosk sale's payment may not also pay a web order.
    let pid = paid(&client, 50_000, "kiosk-pay").await;
    client.post_transaction(&popok_sale("sale-1", &pid, 1, None, 0)).await.unwrap();
    let mut web = order(&[(POPOK, 1)]);
    web.paid = Some(PaidElsewhere {
        amount: Rupiah(50_000),
        reference: "W".into(),
        payment_id: Some(pid.clone()),
    });
    let e = client.place_order(&web, "web-1").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "payment_used"));
    assert!(e.refusal().unwrap().contains("already pays sale TRX-"), "{e}");

    // Nor one web order's payment a second order, nor a sale.
    let pid = paid(&client, 50_000, "web-pay").await;
    web.paid.as_mut().unwrap().payment_id = Some(pid.clone());
    let first = client.place_order(&web, "web-2").await.unwrap();
    let e = client.place_order(&web, "web-3").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "payment_used"));
    assert!(e.refusal().unwrap().ends_with(&format!("already pays order {}", first.id)), "{e}");
    let e = client.post_transaction(&popok_sale("sale-2", &pid, 1, None, 0)).await.unwrap_err();
    assert_eq!(refusal(&e), (409, "payment_used"));

    // A payment partly refunded by hand pays no order.
    let pid = paid(&client, 50_000, "web-pay-3").await;
    client.refund_payment(&pid, Rupiah(1_000), "price adjustment", "adj-1").await.unwrap();
    web.paid.as_mut().unwrap().payment_id = Some(pid);
    let e = client.place_order(&web, "web-4").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "payment_refunded"));
}

#[tokio::test(flavor = "multi_thread")]
async fn returns_at_once_take_the_goods_back_once_and_a_refund_by_hand_is_not_paid_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // 2 Popok, Rp 100.000: M0001 redeems 1 000 points, 99 000 by QRIS.
    let new = NewPayment {
        amount: Rupiah(99_000),
        member: Some("M0001".into()),
        points: 1_000,
        ..Default::default()
    };
    let p = client.create_payment_with(&new, "pts").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    let sale = client
        .post_transaction(&popok_sale("pts-sale", &p.id, 2, Some("M0001"), 1_000))
        .await
        .unwrap();
    let before = client.member_account("M0001").await.unwrap().balance;

    // Six returns of both Popok at once, each with its own key.
    let tries = (0..6).map(|i| {
        let client = client.clone();
        let r = back_of_sale(&sale.id, 2);
        tokio::spawn(async move { client.create_return(&r, &format!("ret-{i}")).await })
    });
    let mut made = 0;
    for t in tries {
        match t.await.unwrap() {
            Ok(r) => {
                made += 1;
                assert_eq!((r.amount.0, r.points.0), (100_000, 1_000));
            }
            Err(e) => assert_eq!(refusal(&e), (422, "return_quantity")),
        }
    }
    assert_eq!(made, 1);
    let p = client.payment(&p.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0), (PaymentStatus::Refunded, 99_000));
    assert_eq!(client.member_account("M0001").await.unwrap().balance, before + 1_000);

    // A QRIS sale part of whose payment was refunded by hand: a return
    // that would take more than is left is refused, and no points are
    // made of the difference.
    let pid = paid(&client, 100_000, "plain").await;
    let sale = client
        .post_transaction(&popok_sale("plain-sale", &pid, 2, Some("M0002"), 0))
        .await
        .unwrap();
    client.refund_payment(&pid, Rupiah(60_000), "price adjustment", "adj-2").await.unwrap();
    let e = client.create_return(&back_of_sale(&sale.id, 1), "plain-ret").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "over_refund"));
    assert!(e.refusal().unwrap().contains("40000 of the purchase is left to refund"), "{e}");
    let refunds = client.member_account("M0002").await.unwrap().ledger;
    assert!(refunds.iter().all(|e| e.kind != "refund"), "{refunds:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_refunded_in_part_by_hand_gets_the_rest_at_unload_and_keys_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // 1 Popok, Rp 50.000, paid at the kiosk; 5 000 refunded by hand.
    let view = placed_and_loaded(&client, &order(&[(POPOK, 1)]), 4).await;
    let new =
        NewPayment { amount: Rupiah(50_000), order: Some(view.id.clone()), ..Default::default() };
    let p = client.create_payment_with(&new, "pay-4").await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    // The central's own keys are not for refunds by hand.
    for key in [format!("expired-{}", view.id), format!("cancelled-{}", view.id), "return-x".into()]
    {
        let e = client.refund_payment(&p.id, Rupiah(1), "planted", &key).await.unwrap_err();
        assert_eq!(refusal(&e).0, 400, "{key}: {e}");
    }
    client.refund_payment(&p.id, Rupiah(5_000), "price adjustment", "adj-4").await.unwrap();

    client.order_step(&view.id, "cancel", &OrderStep::default()).await.unwrap();
    let unload = OrderStep { staff_id: Some("S001".into()), ..Default::default() };
    let out = client.order_step(&view.id, "unload", &unload).await.unwrap();
    let unloaded = out.unloaded.unwrap();
    // 50 000 - 5 000 = 45 000, what was left.
    assert_eq!(
        (unloaded.outcome, unloaded.refunded),
        (UnloadOutcome::Refunded, Some(Rupiah(45_000)))
    );
    assert!(
        out.history
            .last()
            .unwrap()
            .cause
            .ends_with("refunded 45000, what was left of it (policy full)")
    );
    client.order_step(&view.id, "unload", &unload).await.unwrap();
    let p = client.payment(&p.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0, p.refunds.len()), (PaymentStatus::Refunded, 50_000, 2));
    assert_eq!(p.refunds[1].reason, format!("order {} cancelled", view.id));

    // An order cancelled before it was loaded is in no locker.
    let placed = client.place_order(&order(&[(SABUN, 1)]), "never-loaded").await.unwrap();
    client.order_step(&placed.id, "cancel", &OrderStep::default()).await.unwrap();
    let e = client.order_step(&placed.id, "unload", &unload).await.unwrap_err();
    assert_eq!(refusal(&e), (409, "not_in_locker"));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_key_on_two_purchases_at_once_refunds_one_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    let mut sales = Vec::new();
    for i in 0..2 {
        let pid = paid(&client, 50_000, &format!("pay-{i}")).await;
        let sale = client
            .post_transaction(&popok_sale(&format!("sale-{i}"), &pid, 1, None, 0))
            .await
            .unwrap();
        sales.push((pid, sale.id));
    }
    let tries = sales.iter().map(|(_, sale)| {
        let (client, r) = (client.clone(), back_of_sale(sale, 1));
        tokio::spawn(async move { client.create_return(&r, "SAME").await })
    });
    let mut answers = Vec::new();
    for t in tries {
        answers.push(t.await.unwrap());
    }
    let made = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(made, 1, "{answers:?}");
    for e in answers.iter().filter_map(|a| a.as_ref().err()) {
        assert_eq!(refusal(e), (409, "idempotency_conflict"));
    }
    // One payment refunded, the other untouched.
    let mut refunded = Vec::new();
    for (pid, _) in &sales {
        refunded.push(client.payment(pid).await.unwrap().refunded.0);
    }
    refunded.sort();
    assert_eq!(refunded, [0, 50_000]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_names_one_purchase_and_points_go_only_where_they_belong() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // The same payment key for another order is refused, not answered
    // with the first order's payment.
    let a = placed_and_loaded(&client, &order(&[(SABUN, 1)]), 2).await;
    let b = placed_and_loaded(&client, &order(&[(SABUN, 1), (POPOK, 1)]), 3).await;
    let for_a =
        NewPayment { amount: Rupiah(6_750), order: Some(a.id.clone()), ..Default::default() };
    client.create_payment_with(&for_a, "K").await.unwrap();
    let for_b = NewPayment { order: Some(b.id.clone()), ..for_a.clone() };
    let e = client.create_payment_with(&for_b, "K").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "idempotency_conflict"));
    // An order's payment redeems no points.
    let points = NewPayment { member: Some("M0005".into()), points: 5_000, ..for_a };
    assert_eq!(refusal(&client.create_payment_with(&points, "K2").await.unwrap_err()).0, 400);

    // A sale bought by M0002: its refund to points goes to M0002, not to
    // another member; and after 30 000 refunded by hand, a refund to
    // points cannot give the whole 50 000 again.
    let pid = paid(&client, 50_000, "m2-pay").await;
    let sale =
        client.post_transaction(&popok_sale("m2-sale", &pid, 1, Some("M0002"), 0)).await.unwrap();
    let to_other = NewReturn {
        refund_to: RefundTo::Points,
        member: Some("M0003".into()),
        ..back_of_sale(&sale.id, 1)
    };
    assert_eq!(
        refusal(&client.create_return(&to_other, "r1").await.unwrap_err()),
        (422, "member_mismatch")
    );
    client.refund_payment(&pid, Rupiah(30_000), "price adjustment", "adj-m2").await.unwrap();
    let to_points = NewReturn { refund_to: RefundTo::Points, ..back_of_sale(&sale.id, 1) };
    let e = client.create_return(&to_points, "r2").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "over_refund"));
    assert!(
        e.refusal().unwrap().contains("20000 of the purchase is left to refund, not 50000"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_product_named_twice_is_refused_before_any_money_moves() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    let pid = paid(&client, 100_000, "twice-pay").await;
    // A sale lists each product once (a kiosk's cart does).
    let mut twice = popok_sale("twice-sale", &pid, 1, None, 0);
    twice.lines.push(twice.lines[0].clone());
    twice.total = Rupiah(100_000);
    let e = client.post_transaction(&twice).await.unwrap_err();
    assert_eq!(refusal(&e), (422, "invalid_sale"));
    assert!(e.refusal().unwrap().contains("line 2: 8991101000070 is on line 1 already"), "{e}");

    // A return naming the same Popok on two lines would count each
    // against what came back before it: refused, and nothing refunded.
    let sale = client.post_transaction(&popok_sale("once-sale", &pid, 2, None, 0)).await.unwrap();
    let mut r = back_of_sale(&sale.id, 1);
    r.lines.push(r.lines[0].clone());
    for key in ["dup-1", "dup-2"] {
        let e = client.create_return(&r, key).await.unwrap_err();
        assert_eq!(refusal(&e).0, 400, "{e}");
    }
    assert_eq!(client.payment(&pid).await.unwrap().refunds.len(), 0);
    let left = client.returnable(&sale.id).await.unwrap();
    assert_eq!((left.lines[0].bought, left.lines[0].returned), (2, 0));
}
