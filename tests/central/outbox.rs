//! Nothing lost, nothing twice: a sale paid while the central goes away.

use std::path::Path;
use std::time::Duration;

use swalayan::central::api::PaymentStatus;
use swalayan::central::client::Client;
use swalayan::central::server::Running;
use swalayan::checkout::{Bill, Device};
use swalayan::domain::Rupiah;
use swalayan::domain::cart::Cart;

use crate::common;

const CATALOG: &str = "barcode,name,price\n8991101000070,MamyPoko Pants M 34,89000\n";
const BARCODE: &str = "8991101000070";

/// A device keeping its database in `data`, talking to `central`.
fn open_device(data: &Path, central: &Running) -> Device {
    Device::open(data, Client::new(&central.url()).unwrap()).unwrap()
}

/// Syncs the catalog and puts `qty` of the catalog's first product in a cart.
async fn synced_cart(device: &Device, qty: u32) -> Cart {
    device.sync_catalog().await.unwrap();
    let product = device.lookup(BARCODE).await.unwrap().unwrap();
    let mut cart = Cart::new();
    for _ in 0..qty {
        cart.add(&product).unwrap();
    }
    cart
}

/// [`synced_cart`] priced for an anonymous shopper: what a payment is for.
async fn synced_bill(device: &Device, qty: u32) -> Bill {
    let cart = synced_cart(device, qty).await;
    device.bill(cart.into()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sale_paid_while_central_is_down_is_delivered_once_on_replay() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");

    // Sync, scan, and pay while the central is up.
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 2).await;
    let payment = device.start_payment(&bill, "visit-1").await.unwrap();
    device.client().simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let payment = device.wait_payment(&payment, Duration::from_secs(5)).await.unwrap();
    let url = central.url();

    // The central goes down before the sale is recorded.
    central.stop().await;
    let receipt = device.record_sale(&bill, &payment).await.unwrap();
    assert_eq!(receipt.transaction_id, None);
    assert_eq!(receipt.total.0, 178_000);
    drop(device);

    // The device restarts; the central is back on the same database.
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    assert_ne!(central.url(), url, "a new port: the device must not rely on the old one");
    let device = open_device(&data, &central);
    assert_eq!(device.flush_outbox().await.unwrap(), 1);
    assert_eq!(device.flush_outbox().await.unwrap(), 0);

    // Recording again (a retry after a crash) finds the same transaction.
    let again = device.record_sale(&bill, &payment).await.unwrap();
    let id = again.transaction_id.expect("recorded after replay");
    let tx = device.client().transaction(&id).await.unwrap();
    assert_eq!(tx.total.0, 178_000);
    assert_eq!(tx.payment_id, payment.id);
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_device_still_prices_from_its_cache() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    device.sync_catalog().await.unwrap();
    central.stop().await;

    assert!(device.sync_catalog().await.is_err());
    let product = device.lookup("8991101000070").await.unwrap().expect("cached");
    assert_eq!(product.price.0, 89_000);
    let mut cart = Cart::new();
    cart.add(&product).unwrap();
    let bill = device.bill(cart.into()).await.expect("priced from the cache");
    let err = device.start_payment(&bill, "visit-2").await.unwrap_err();
    assert!(err.to_string().contains("unreachable"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn paid_payment_of_a_crashed_visit_is_recorded_once_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;

    // The device creates a payment, the shopper pays, and the device dies
    // before it hears of it: no sale recorded, nothing in the outbox.
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;
    let payment = device.start_payment(&bill, "visit-crash").await.unwrap();
    device.client().simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    drop(device);

    // On restart the device settles what it left open.
    let device = open_device(&data, &central);
    let receipts = device.reconcile().await.unwrap();
    assert_eq!(receipts.len(), 1);
    let id = receipts[0].transaction_id.clone().expect("recorded");
    let tx = device.client().transaction(&id).await.unwrap();
    assert_eq!((tx.payment_id.as_str(), tx.total.0), (payment.id.as_str(), 89_000));
    assert!(device.reconcile().await.unwrap().is_empty(), "settled once only");
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_payment_of_a_crashed_visit_is_cancelled_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;
    let payment = device.start_payment(&bill, "visit-left").await.unwrap();
    drop(device);

    let device = open_device(&data, &central);
    assert!(device.reconcile().await.unwrap().is_empty());
    let seen = device.client().payment(&payment.id).await.unwrap();
    assert_eq!(seen.status, PaymentStatus::Cancelled, "no QR may stay payable for a gone cart");
}

#[tokio::test(flavor = "multi_thread")]
async fn cart_above_the_qris_limit_is_refused_before_any_payment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let catalog = "barcode,name,price\n8991101000070,Emas Batangan 10 g,9000000\n";
    let central = common::start_central(Some(catalog), dir.path()).await;
    let device = open_device(&data, &central);
    let cart = synced_cart(&device, 2).await;
    // 2 x 9.000.000 = 18.000.000, less the demo promotion BELANJA-200RB
    // (Rp 20.000 off from Rp 200.000) = 17.980.000, above the Rp 10.000.000
    // limit: refused when priced, before any payment.
    let err = device.bill(cart.into()).await.unwrap_err();
    assert!(err.to_string().contains("Rp 17.980.000 is above Rp 10.000.000"), "{err}");
    assert!(device.reconcile().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_synced_with_another_central_database_drops_stale_prices() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let first = tempfile::tempdir().unwrap();
    let central = common::start_central(Some(CATALOG), first.path()).await;
    let device = open_device(&data, &central);
    device.sync_catalog().await.unwrap();
    central.stop().await;

    // A new central database with a higher price and another product. The
    // changed product takes sequence 1, which the old cursor (1) is past.
    let second = tempfile::tempdir().unwrap();
    let catalog = "barcode,name,price\n8991101000070,MamyPoko Pants M 34,91000\n\
                   8991101000179,Merries Pants L 26,99000\n";
    let central = common::start_central(Some(catalog), second.path()).await;
    let device = open_device(&data, &central);
    device.sync_catalog().await.unwrap();
    let product = device.lookup("8991101000070").await.unwrap().unwrap();
    assert_eq!(product.price.0, 91_000, "the old price must not survive");
    assert!(device.lookup("8991101000179").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_given_up_while_the_central_is_down_is_cancelled_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;
    let payment = device.start_payment(&bill, "visit-gave-up").await.unwrap();

    // The central goes silent while the code is on screen; the kiosk gives
    // the payment up when its time runs out.
    central.stop().await;
    device.give_up_payment("visit-gave-up").await.unwrap();
    assert_eq!(device.given_up_keys().await.unwrap(), ["visit-gave-up"]);
    assert!(device.reconcile().await.unwrap().is_empty());
    assert_eq!(device.given_up_keys().await.unwrap(), ["visit-gave-up"], "kept for later");

    // Back (on a new port): the kiosk settles it without a restart.
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let keys = device.given_up_keys().await.unwrap();
    assert!(device.reconcile_only(Some(&keys)).await.unwrap().is_empty());
    let seen = device.client().payment(&payment.id).await.unwrap();
    assert_eq!(seen.status, PaymentStatus::Cancelled, "no QR may stay payable for a gone cart");
    assert!(device.open_payment_keys().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_paid_after_the_kiosk_gave_it_up_is_never_recorded_as_a_sale() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;
    let payment = device.start_payment(&bill, "visit-paid-late").await.unwrap();

    // The kiosk told the shopper the code was over; the bank pays it all
    // the same before the device could cancel it.
    device.give_up_payment(&payment.id).await.unwrap();
    device.client().simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();

    assert!(device.reconcile().await.unwrap().is_empty(), "no receipt: the goods were not sold");
    assert!(device.open_payment_keys().await.unwrap().is_empty(), "settled once");
    let key = format!("sale-{}", payment.id);
    let store = swalayan::store::Store::open(&data.join("device.db")).unwrap();
    assert_eq!(store.outbox_response(&key).unwrap(), None, "no sale queued for the central");
    assert_eq!(store.outbox_len().unwrap(), 0);
    // Paid in time as far as the central knows, so its late-payment rule
    // does not apply: the device, which told the shopper it was over,
    // refunds the whole amount.
    let seen = device.client().payment(&payment.id).await.unwrap();
    assert_eq!(seen.status, PaymentStatus::Refunded);
    assert_eq!(seen.refunded, seen.amount);
    assert_eq!(seen.refunds.len(), 1);
    assert_eq!(seen.refunds[0].reason, swalayan::checkout::GIVEN_UP_REFUND_REASON);
    // Reconciling again (a retry after a lost answer) refunds nothing more.
    assert!(device.reconcile().await.unwrap().is_empty());
    let again = device.client().payment(&payment.id).await.unwrap();
    assert_eq!(again.refunds.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_given_up_payment_whose_sale_the_kiosk_records_meanwhile_is_not_also_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;

    // The kiosk gave the code up on screen, the shopper is still there, and
    // the word that it was paid arrives: the visit records the sale just as
    // the background settling of given-up payments runs. The goods are
    // either sold or the money goes back, never both.
    for round in 0..10 {
        let payment = device.start_payment(&bill, &format!("visit-both-{round}")).await.unwrap();
        device.give_up_payment(&payment.id).await.unwrap();
        let paid =
            device.client().simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
        let (kiosk, background) = (device.clone(), device.clone());
        let (cart2, paid2) = (bill.clone(), paid.clone());
        let sale = tokio::spawn(async move { kiosk.record_sale(&cart2, &paid2).await });
        let settle = tokio::spawn(async move { background.reconcile().await });
        let sold = sale.await.unwrap().is_ok_and(|r| r.transaction_id.is_some());
        settle.await.unwrap().unwrap();

        let seen = device.client().payment(&payment.id).await.unwrap();
        let refunded = seen.refunded.0 > 0 || !seen.refunds.is_empty();
        assert!(sold != refunded, "round {round}: sold {sold}, refunded {refunded}: {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_the_central_refuses_does_not_hold_up_the_other_open_payments() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;

    // Two visits interrupted after their shoppers paid; the first payment
    // is being refunded meanwhile, so the central refuses its sale.
    let first = device.start_payment(&bill, "visit-refused").await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = device.start_payment(&bill, "visit-fine").await.unwrap();
    for p in [&first, &second] {
        device.client().simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap();
    }
    let refund = device.client().refund_payment(&first.id, Rupiah(1_000), "rusak", "staff-1");
    refund.await.unwrap();

    let receipts = device.reconcile().await.expect("a refused sale is no failure of the rest");
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].payment.id, second.id);
    assert!(receipts[0].transaction_id.is_some());
    assert!(device.open_payment_keys().await.unwrap().is_empty());
}

/// A stand-in for the central behind a hostile network: every request gets
/// `answer`, then the connection closes.
async fn hostile_central(answer: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            let _ = conn.write_all(answer.as_bytes()).await;
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_open_payment_survives_a_cut_or_throttled_answer_and_is_sold_later() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let bill = synced_bill(&device, 1).await;
    let payment = device.start_payment(&bill, "visit-cut").await.unwrap();
    device.client().simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    drop(device);

    // The device restarts behind a proxy that throttles it, then behind a
    // network that cuts the answer after its headers: neither says what
    // became of the payment, so it stays open.
    for answer in [
        "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"id\":",
    ] {
        let url = hostile_central(answer).await;
        let device = Device::open(&data, Client::new(&url).unwrap()).unwrap();
        assert!(device.reconcile().await.unwrap().is_empty());
        assert_eq!(device.open_payment_keys().await.unwrap(), ["visit-cut"], "{answer:?}");
    }

    let device = open_device(&data, &central);
    let receipts = device.reconcile().await.unwrap();
    assert_eq!(receipts.len(), 1, "the paid shopper's sale is recorded");
    assert!(receipts[0].transaction_id.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_payment_of_an_earlier_version_holding_a_bare_cart_is_still_settled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let central = common::start_central(Some(CATALOG), dir.path()).await;
    let device = open_device(&data, &central);
    let cart = synced_cart(&device, 1).await;
    drop(device);

    // An earlier version wrote the cart alone, asked for the payment by its
    // amount and died before the answer; the shopper paid.
    let store = swalayan::store::Store::open(&data.join("device.db")).unwrap();
    store.open_payment("visit-old", &serde_json::to_value(&cart).unwrap()).unwrap();
    drop(store);
    let client = Client::new(&central.url()).unwrap();
    let payment = client.create_payment(Rupiah(89_000), "visit-old").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();

    let device = open_device(&data, &central);
    let receipts = device.reconcile().await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!((receipts[0].total.0, receipts[0].payment.id.as_str()), (89_000, &*payment.id));
    assert!(device.open_payment_keys().await.unwrap().is_empty());
}
