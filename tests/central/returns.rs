//! Returns on the central: refunded to the original QRIS payment (shared
//! out over a promotion's saving) or to points, refused by the rule that
//! refuses them, and confirmed by staff.

use common::click::{self, PISANG, POPOK, SABUN, order, placed_and_loaded};
use common::refusal;
use swalayan::central::api::{
    CollectOrder, ConfirmReturn, NewOrderLine, NewPayment, NewReturn, NewTransaction, OrderView,
    PaidElsewhere, PaymentStatus, RefundTo, ReturnStatus, ReturnStowed, SaleLine,
};
use swalayan::central::client::Client;
use swalayan::checkout::Device;
use swalayan::domain::Rupiah;
use swalayan::domain::order::OrderState;

use crate::common;

fn back(order: &str, lines: &[(&str, u32)], to: RefundTo) -> NewReturn {
    NewReturn {
        order: Some(order.into()),
        sale: None,
        lines: lines
            .iter()
            .map(|(barcode, qty)| NewOrderLine { barcode: (*barcode).into(), qty: *qty })
            .collect(),
        reason: "rusak / damaged".into(),
        refund_to: to,
        member: None,
        device: Some("kiosk-1".into()),
    }
}

async fn ret(
    client: &Client,
    r: NewReturn,
    key: &str,
) -> Result<swalayan::central::api::ReturnView, swalayan::central::client::ClientError> {
    client.create_return(&r, key).await
}

/// Collects a loaded order that is paid already.
async fn collected(client: &Client, view: &OrderView) {
    let c = CollectOrder { device: "kiosk-1".into(), ..Default::default() };
    let done = client.collect_order(&view.id, &c, &format!("collect-{}", view.id)).await.unwrap();
    assert_eq!(done.status, OrderState::Collected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_within_the_days_is_refunded_to_the_qris_payment() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // 2 Popok and 2 Sabun: 115 000 at list prices, 113 500 paid (10 % off
    // the Sabun's 15 000), by QRIS at the kiosk.
    let view = placed_and_loaded(&client, &order(&[(POPOK, 2), (SABUN, 2)]), 1).await;
    let payment = client.pay_order(&view.id, view.total, "pay-1").await.unwrap();
    assert_eq!(payment.amount.0, 113_500);
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let c = CollectOrder {
        device: "kiosk-1".into(),
        payment_id: Some(payment.id.clone()),
        ..Default::default()
    };
    client.collect_order(&view.id, &c, "collect-1").await.unwrap();

    // One Popok back: 50 000 of the 115 000 list, so 50 000 x 113 500 /
    // 115 000 = 49 347.8, rounded down.
    let first = ret(&client, back(&view.id, &[(POPOK, 1)], RefundTo::Qris), "ret-1");
    let first = first.await.unwrap();
    assert_eq!(first.amount.0, 49_347);
    assert_eq!(first.status, ReturnStatus::AwaitingStaff);
    assert_eq!(first.payment_id.as_deref(), Some(payment.id.as_str()));
    let p = client.payment(&payment.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0), (PaymentStatus::Paid, 49_347));
    assert_eq!(p.refunds.len(), 1);
    assert_eq!(p.refunds[0].reason, "return: rusak / damaged");
    // The same key again: the same return, refunded once.
    let again = ret(&client, back(&view.id, &[(POPOK, 1)], RefundTo::Qris), "ret-1");
    assert_eq!(again.await.unwrap().id, first.id);
    assert_eq!(client.payment(&payment.id).await.unwrap().refunds.len(), 1);
    let o = client.order(&view.id).await.unwrap();
    assert_eq!(o.status, OrderState::Collected, "part of it is still out");

    // The rest: what is left of the payment, 113 500 - 49 347 = 64 153.
    let rest = back(&view.id, &[(POPOK, 1), (SABUN, 2)], RefundTo::Qris);
    let second = client.create_return(&rest, "ret-2").await.unwrap();
    assert_eq!(second.amount.0, 64_153);
    let p = client.payment(&payment.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0), (PaymentStatus::Refunded, 113_500));
    let o = client.order(&view.id).await.unwrap();
    assert_eq!(o.status, OrderState::Returned);
    assert_eq!(o.history.last().unwrap().step, "return");

    // Nothing is left to bring back.
    let e = ret(&client, back(&view.id, &[(SABUN, 1)], RefundTo::Qris), "ret-3");
    let e = e.await.unwrap_err();
    assert_eq!(refusal(&e), (422, "return_quantity"));

    // Staff find the goods.
    let confirm = ConfirmReturn { staff_id: "S001".into(), device: None };
    let done = client.confirm_return(&first.id, &confirm).await.unwrap();
    assert_eq!(done.status, ReturnStatus::Confirmed);
    assert_eq!(done.confirmed_by.as_deref(), Some("S001"));
    let nobody = ConfirmReturn { staff_id: "S999".into(), device: None };
    assert_eq!(
        refusal(&client.confirm_return(&second.id, &nobody).await.unwrap_err()).1,
        "unknown_staff"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_final_sale_item_is_refused_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    let mut o = order(&[(PISANG, 1), (SABUN, 1)]);
    // 10 000 + 7 500 less 750.
    o.paid =
        Some(PaidElsewhere { amount: Rupiah(16_750), reference: "WEB-5".into(), payment_id: None });
    let view = placed_and_loaded(&client, &o, 2).await;

    // Not collected yet: nothing can come back.
    let e = ret(&client, back(&view.id, &[(SABUN, 1)], RefundTo::Points), "early");
    assert_eq!(refusal(&e.await.unwrap_err()), (409, "not_collected"));
    assert_eq!(refusal(&client.returnable(&view.id).await.unwrap_err()), (409, "not_collected"));
    collected(&client, &view).await;

    // Asked first, the central names the fruit's rule and takes the soap.
    let r = client.returnable(&view.id).await.unwrap();
    assert_eq!((r.order.as_deref(), r.days), (Some(view.id.as_str()), 7));
    assert_eq!((r.paid.0, r.list_total.0, r.refunded.0), (16_750, 17_500, 0));
    assert!(r.refund_to.is_empty(), "paid on its channel, no member: {:?}", r.refund_to);
    let pisang = r.lines.iter().find(|l| l.barcode == PISANG).unwrap();
    let why = pisang.refused.as_ref().expect("fruit is final sale");
    assert_eq!(why.rule, "final_sale");
    assert!(why.reason.contains("final-sale category buah-sayur"), "{}", why.reason);
    let sabun = r.lines.iter().find(|l| l.barcode == SABUN).unwrap();
    assert_eq!((sabun.bought, sabun.returned, &sabun.refused), (1, 0, &None));

    let e = ret(&client, back(&view.id, &[(PISANG, 1)], RefundTo::Points), "r-1");
    let e = e.await.unwrap_err();
    assert_eq!(refusal(&e), (422, "final_sale"));
    let why = e.refusal().unwrap();
    assert!(why.contains("final-sale category buah-sayur") && why.ends_with("(rule final_sale)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_to_points_credits_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    let before = client.member_account("M0001").await.unwrap().balance;
    let mut o = order(&[(SABUN, 1)]);
    o.member = Some("M0001".into());
    o.paid =
        Some(PaidElsewhere { amount: Rupiah(6_750), reference: "APP-1".into(), payment_id: None });
    let view = placed_and_loaded(&client, &o, 3).await;
    collected(&client, &view).await;

    // Paid in the app, not by a QRIS payment here: no QRIS refund.
    let e = ret(&client, back(&view.id, &[(SABUN, 1)], RefundTo::Qris), "p-0");
    assert_eq!(refusal(&e.await.unwrap_err()), (409, "no_qris_payment"));

    let r = ret(&client, back(&view.id, &[(SABUN, 1)], RefundTo::Points), "p-1");
    let r = r.await.unwrap();
    // The whole order back: all of its 6 750, a point a rupiah.
    assert_eq!(r.amount.0, 6_750);
    assert_eq!(r.member.as_deref(), Some("M0001"));
    let account = client.member_account("M0001").await.unwrap();
    assert_eq!(account.balance, before + 6_750);
    let last = account.ledger.last().unwrap();
    assert_eq!((last.kind.as_str(), last.delta), ("refund", 6_750));
    assert_eq!(last.sale_id.as_deref(), Some(r.id.as_str()));
    assert_eq!(client.order(&view.id).await.unwrap().status, OrderState::Returned);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_sale_comes_back_by_its_receipt_to_its_qris_payment() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // Two Popok bought at the kiosk: 100 000 by QRIS.
    let payment = client.create_payment(Rupiah(100_000), "kiosk-pay").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let sale = client
        .post_transaction(&NewTransaction {
            idempotency_key: "kiosk-sale".into(),
            device_id: "kiosk-1".into(),
            payment_id: payment.id.clone(),
            lines: vec![SaleLine {
                barcode: POPOK.into(),
                name: "Popok M 34".into(),
                qty: 2,
                unit_price: Rupiah(50_000),
                line_total: Rupiah(100_000),
                measure: None,
            }],
            total: Rupiah(100_000),
            ..Default::default()
        })
        .await
        .unwrap();

    let r = NewReturn {
        order: None,
        sale: Some(sale.id.clone()),
        ..back("", &[(POPOK, 1)], RefundTo::Qris)
    };
    let r = ret(&client, r, "sale-ret-1").await.unwrap();
    // One of two, no promotion: 50 000 of 100 000.
    assert_eq!((r.amount.0, r.sale.as_deref()), (50_000, Some(sale.id.as_str())));
    let p = client.payment(&payment.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0), (PaymentStatus::Paid, 50_000));
    // Asking for both back now: only one is left.
    let both = NewReturn {
        order: None,
        sale: Some(sale.id.clone()),
        ..back("", &[(POPOK, 2)], RefundTo::Qris)
    };
    let e = ret(&client, both, "sale-ret-2").await.unwrap_err();
    assert_eq!(refusal(&e), (422, "return_quantity"));
    assert!(e.refusal().unwrap().contains("2 asked back, 1 of 2 bought"), "{e}");

    // The receipt's QR, as the done screen draws it, names the sale; one
    // of the two Popok is left, and the refund may go back to QRIS only
    // (no member bought it).
    let r = client.returnable(&client.receipt_url(&sale.id)).await.unwrap();
    assert_eq!(r.sale.as_deref(), Some(sale.id.as_str()));
    assert_eq!((r.paid.0, r.list_total.0, r.refunded.0), (100_000, 100_000, 50_000));
    assert_eq!(r.refund_to, vec![RefundTo::Qris]);
    assert_eq!(r.lines.len(), 1);
    assert_eq!((r.lines[0].bought, r.lines[0].returned, r.lines[0].unit_price.0), (2, 1, 50_000));
    assert_eq!(r.lines[0].refused, None);
    // Not a purchase at all, or one that is not here.
    assert_eq!(refusal(&client.returnable("8991101000070").await.unwrap_err()).0, 400);
    assert_eq!(refusal(&client.returnable("TRX-NOSUCH").await.unwrap_err()), (404, "not_found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_compartment_the_central_missed_is_sent_later_once() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = click::start(dir.path()).await;
    // 1 Sabun (7 500 less 10 % = 6 750) paid by QRIS at the kiosk and
    // collected, then brought back into the return compartment 7.
    let view = placed_and_loaded(&client, &order(&[(SABUN, 1)]), 3).await;
    let payment = client.pay_order(&view.id, view.total, "pay-3").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    collected(&client, &view).await;
    let r = ret(&client, back(&view.id, &[(SABUN, 1)], RefundTo::Qris), "ret-stow").await.unwrap();
    assert_eq!(r.amount.0, 6_750);

    // The kiosk's network is down when the door shuts on nothing.
    let data = dir.path().join("kiosk");
    let offline = Device::open(&data, Client::new("http://127.0.0.1:9").unwrap()).unwrap();
    let empty =
        ReturnStowed { compartment: 7, outcome: "empty".into(), device: Some("kiosk-1".into()) };
    offline.record_stowed(&r.id, empty.clone()).await.unwrap();
    assert_eq!(client.goods_return(&r.id).await.unwrap().stowed, None, "not heard yet");
    drop(offline);

    // Back online (the kiosk restarted): the outbox delivers it, once.
    let online = Device::open(&data, Client::new(&central.url()).unwrap()).unwrap();
    assert_eq!(online.flush_outbox().await.unwrap(), 1);
    assert_eq!(online.flush_outbox().await.unwrap(), 0);
    let heard = client.goods_return(&r.id).await.unwrap();
    assert_eq!((heard.compartment, heard.stowed.as_deref()), (Some(7), Some("empty")));
    // A second word on the same return does not overwrite the first.
    let later = ReturnStowed { outcome: "stowed".into(), ..empty };
    client.return_stowed(&r.id, &later).await.unwrap();
    assert_eq!(client.goods_return(&r.id).await.unwrap().stowed.as_deref(), Some("empty"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_paid_partly_with_points_refunds_each_its_share() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // Two Popok at the kiosk, Rp 100.000: the member M0001 (1 200 points)
    // redeems 1 000 points and pays Rp 99.000 by QRIS.
    let pay = NewPayment {
        amount: Rupiah(99_000),
        member: Some("M0001".into()),
        points: 1_000,
        ..Default::default()
    };
    let payment = client.create_payment_with(&pay, "points-pay").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let sale = client
        .post_transaction(&NewTransaction {
            idempotency_key: "points-sale".into(),
            device_id: "kiosk-1".into(),
            payment_id: payment.id.clone(),
            lines: vec![SaleLine {
                barcode: POPOK.into(),
                name: "Popok M 34".into(),
                qty: 2,
                unit_price: Rupiah(50_000),
                line_total: Rupiah(100_000),
                measure: None,
            }],
            total: Rupiah(100_000),
            member: Some("M0001".into()),
            points_redeemed: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let before = client.member_account("M0001").await.unwrap().balance;
    let of_sale = |qty| NewReturn {
        order: None,
        sale: Some(sale.id.clone()),
        ..back("", &[(POPOK, qty)], RefundTo::Qris)
    };

    // What the kiosk is told before it asks.
    let r = client.returnable(&sale.id).await.unwrap();
    assert_eq!((r.paid.0, r.points_paid.0, r.qris_refunded.0), (100_000, 1_000, 0));

    // One Popok back to QRIS: Rp 50.000, of which 50.000 x 99.000 /
    // 100.000 = 49.500 to the payment and 500 back to the points.
    let first = ret(&client, of_sale(1), "points-ret-1").await.unwrap();
    assert_eq!((first.amount.0, first.points.0), (50_000, 500));
    let p = client.payment(&payment.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0), (PaymentStatus::Paid, 49_500));
    let r = client.returnable(&sale.id).await.unwrap();
    assert_eq!((r.refunded.0, r.qris_refunded.0), (50_000, 49_500));

    // The other, the last: what is left on the payment, 99.000 - 49.500 =
    // 49.500, and 500 to the points. Nothing is refused, and in all the
    // payment got back 99.000 and the points 1.000, what each paid.
    let second = ret(&client, of_sale(1), "points-ret-2").await.unwrap();
    assert_eq!((second.amount.0, second.points.0), (50_000, 500));
    let p = client.payment(&payment.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0), (PaymentStatus::Refunded, 99_000));
    let account = client.member_account("M0001").await.unwrap();
    assert_eq!(account.balance, before + 1_000);
    let refunds: Vec<i64> =
        account.ledger.iter().filter(|e| e.kind == "refund").map(|e| e.delta).collect();
    assert_eq!(refunds, [500, 500]);
}
