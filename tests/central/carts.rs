//! Carts handed between channels, over HTTP on port 0: creation, opening
//! by hand-off code, closing by the sale that pays it, refusals of closed,
//! expired and forged codes, and the device's side.

use std::path::Path;
use std::time::Duration;

use swalayan::central::api::{
    CartStatus, CartView, Channel, NewCart, NewCartLine, NewPayment, NewTransaction, Payment,
    PaymentStatus, SaleLine,
};
use swalayan::central::client::{Client, ClientError};
use swalayan::central::server::{self, Config, Running};
use swalayan::checkout::{Device, DeviceError};
use swalayan::domain::Rupiah;
use swalayan::domain::handoff::Change;
use swalayan::tokens::{Kind, Signer};

const CATALOG: &str = "barcode,name,price,category\n\
    8991101000070,MamyPoko Pants M 34,89000,bayi-ibu\n\
    8991101000179,Merries Pants L 26,99000,bayi-ibu\n\
    8991101000285,Sweety Silver Pants M 30,79000,bayi-ibu\n";

async fn start(dir: &Path, catalog: &str, cart_ttl: Duration) -> (Running, Client) {
    let path = dir.join("catalog.csv");
    std::fs::write(&path, catalog).unwrap();
    let config = Config {
        db: Some(dir.join("central.db")),
        catalog: Some(path),
        cart_ttl,
        ..Default::default()
    };
    let central = server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("starts");
    let client = Client::new(&central.url()).unwrap();
    (central, client)
}

const DAY: Duration = Duration::from_secs(24 * 3600);

fn refusal(e: &ClientError) -> (u16, &str, &str) {
    match e {
        ClientError::Refused { status, code, message, .. } => (status.as_u16(), code, message),
        other => panic!("not a refusal: {other}"),
    }
}

fn web_cart(lines: &[(&str, u32)]) -> NewCart {
    NewCart {
        lines: lines.iter().map(|(b, q)| NewCartLine { barcode: (*b).into(), qty: *q }).collect(),
        member: Some("M0001".into()),
        channel: Channel::Web,
    }
}

/// Two MamyPoko (2 x 89.000) and one Merries (99.000): Rp 277.000.
fn two_mamypoko_one_merries() -> NewCart {
    web_cart(&[("8991101000070", 2), ("8991101000179", 1)])
}

async fn pay(client: &Client, key: &str, amount: i64, cart: Option<&str>) -> Payment {
    let body =
        NewPayment { amount: Rupiah(amount), cart: cart.map(str::to_owned), ..Default::default() };
    let p = client.create_payment_with(&body, key).await.unwrap();
    client.simulate_payment(&p.id, PaymentStatus::Paid).await.unwrap()
}

fn sale_of(cart: &CartView, payment: &Payment, key: &str) -> NewTransaction {
    NewTransaction {
        idempotency_key: key.into(),
        device_id: "dev-test".into(),
        payment_id: payment.id.clone(),
        lines: cart.lines.clone(),
        total: cart.total,
        cart: Some(cart.id.clone()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_web_cart_is_priced_from_the_catalog_and_opens_by_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = start(dir.path(), CATALOG, DAY).await;
    let doc: serde_json::Value = reqwest::get(format!("{}/v1/openapi.json", central.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/carts"]["post"].is_object());
    assert!(doc["paths"]["/v1/carts/open"]["post"].is_object());
    let made = client.create_cart(&two_mamypoko_one_merries()).await.unwrap();
    assert!(made.id.starts_with("CRT-"), "{}", made.id);
    assert!(made.code.starts_with("SWC1."), "{}", made.code);
    assert_eq!(made.status, CartStatus::Open);
    assert_eq!(made.channel, Channel::Web);
    assert_eq!(made.member.as_deref(), Some("M0001"));
    let mamypoko = SaleLine {
        barcode: "8991101000070".into(),
        name: "MamyPoko Pants M 34".into(),
        qty: 2,
        unit_price: Rupiah(89_000),
        line_total: Rupiah(178_000),
        measure: None,
    };
    let merries = SaleLine {
        barcode: "8991101000179".into(),
        name: "Merries Pants L 26".into(),
        qty: 1,
        unit_price: Rupiah(99_000),
        line_total: Rupiah(99_000),
        measure: None,
    };
    assert_eq!(made.lines, [mamypoko, merries]);
    assert_eq!(made.total, Rupiah(277_000));
    // 277.000 passes the demo file's Rp 200.000 spend threshold; nothing
    // else in it applies to two nappy packs.
    assert_eq!(made.promotions, ["BELANJA-200RB"]);
    // The default time-to-live is a day.
    let created = chrono::DateTime::parse_from_rfc3339(&made.created_at).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&made.expires_at).unwrap();
    assert_eq!((expires - created).num_seconds(), 24 * 3600);

    // Opened as many times as the shopper scans it, while open.
    for _ in 0..2 {
        let opened = client.open_cart(&made.code).await.unwrap();
        assert_eq!(opened, made);
    }
    // Repeated barcodes are one line.
    let merged =
        client.create_cart(&web_cart(&[("8991101000285", 1), ("8991101000285", 2)])).await.unwrap();
    assert_eq!(merged.lines.len(), 1);
    assert_eq!(merged.lines[0].qty, 3);
    assert_eq!(merged.total, Rupiah(237_000));
}

#[tokio::test]
async fn the_sale_that_pays_a_cart_closes_it_and_a_replay_is_the_same_sale() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, DAY).await;
    let cart = client.create_cart(&two_mamypoko_one_merries()).await.unwrap();
    let payment = pay(&client, "pay-1", 277_000, Some(&cart.id)).await;
    let sale = sale_of(&cart, &payment, "sale-1");
    let recorded = client.post_transaction(&sale).await.unwrap();

    let e = client.open_cart(&cart.code).await.unwrap_err();
    let (status, code, message) = refusal(&e);
    assert_eq!((status, code), (409, "cart_closed"));
    assert!(message.contains(&recorded.id), "{message}");
    let body =
        NewPayment { amount: Rupiah(277_000), cart: Some(cart.id.clone()), ..Default::default() };
    let e = client.create_payment_with(&body, "pay-again").await.unwrap_err();
    assert_eq!(refusal(&e).1, "cart_closed");

    // The outbox sending the sale again gets the same transaction.
    let again = client.post_transaction(&sale).await.unwrap();
    assert_eq!(again.id, recorded.id);
    // The same key claiming no cart, or another one, is not the same sale.
    let e =
        client.post_transaction(&NewTransaction { cart: None, ..sale.clone() }).await.unwrap_err();
    assert_eq!(refusal(&e).1, "idempotency_conflict");
}

/// One cart continued on two kiosks at once: while one payment for it is
/// pending or paid, another is refused, so the shopper is charged once.
#[tokio::test]
async fn a_cart_is_paid_by_one_payment_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, DAY).await;
    let cart = client.create_cart(&two_mamypoko_one_merries()).await.unwrap();
    let body =
        NewPayment { amount: Rupiah(277_000), cart: Some(cart.id.clone()), ..Default::default() };
    let in_payment = |e: &ClientError| refusal(e).1 == "cart_in_payment" && refusal(e).0 == 409;

    let first = client.create_payment_with(&body, "kiosk-1").await.unwrap();
    let e = client.create_payment_with(&body, "kiosk-2").await.unwrap_err();
    assert!(in_payment(&e), "a pending payment holds the cart: {e}");
    // The same key is the same payment, not a second one.
    assert_eq!(client.create_payment_with(&body, "kiosk-1").await.unwrap().id, first.id);

    // Ended unpaid, it lets the cart go.
    client.cancel_payment(&first.id).await.unwrap();
    let second = client.create_payment_with(&body, "kiosk-2").await.unwrap();
    let second = client.simulate_payment(&second.id, PaymentStatus::Paid).await.unwrap();
    let e = client.create_payment_with(&body, "kiosk-3").await.unwrap_err();
    assert!(in_payment(&e), "a paid payment holds the cart until its sale: {e}");
    client.post_transaction(&sale_of(&cart, &second, "sale-2")).await.unwrap();
    let e = client.create_payment_with(&body, "kiosk-4").await.unwrap_err();
    assert_eq!((refusal(&e).0, refusal(&e).1), (409, "cart_closed"));
}

#[tokio::test]
async fn a_second_sale_for_a_paid_cart_is_refused_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, DAY).await;
    let cart = client.create_cart(&two_mamypoko_one_merries()).await.unwrap();
    let first = pay(&client, "pay-1", 277_000, Some(&cart.id)).await;
    // A payment that did not name the cart, whose sale then does.
    let second = pay(&client, "pay-2", 277_000, None).await;
    client.post_transaction(&sale_of(&cart, &first, "sale-1")).await.unwrap();
    let e = client.post_transaction(&sale_of(&cart, &second, "sale-2")).await.unwrap_err();
    assert_eq!(refusal(&e).0, 409);
    assert_eq!(refusal(&e).1, "cart_closed");
    // The refused sale was rolled back whole: its payment settles no sale
    // yet, and its key is free.
    let alone = NewTransaction { cart: None, ..sale_of(&cart, &second, "sale-2") };
    client.post_transaction(&alone).await.unwrap();
}

#[tokio::test]
async fn an_expired_cart_cannot_be_opened_or_paid() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, Duration::from_secs(1)).await;
    let cart = client.create_cart(&two_mamypoko_one_merries()).await.unwrap();
    client.open_cart(&cart.code).await.unwrap();
    // Expiry is in whole seconds: a cart made at second S lives through
    // S + 1, so 2.2 s later it is over whatever the fraction.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let e = client.open_cart(&cart.code).await.unwrap_err();
    assert_eq!(refusal(&e).0, 410);
    assert_eq!(refusal(&e).1, "cart_expired");
    let body =
        NewPayment { amount: Rupiah(277_000), cart: Some(cart.id.clone()), ..Default::default() };
    let e = client.create_payment_with(&body, "pay-late").await.unwrap_err();
    assert_eq!(refusal(&e).1, "cart_expired");
}

#[tokio::test]
async fn forged_damaged_and_wrong_kind_codes_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, DAY).await;
    let cart = client.create_cart(&two_mamypoko_one_merries()).await.unwrap();

    // A code for the real cart id, signed by another key.
    let far = chrono::Utc::now().timestamp() + 3600;
    let other = Signer::generate().sign(Kind::Cart, &serde_json::json!({"cart": cart.id}), far);
    let e = client.open_cart(&other).await.unwrap_err();
    assert_eq!(refusal(&e).0, 401);
    assert_eq!(refusal(&e).1, "forged_code");
    assert!(refusal(&e).2.contains("not issued by this retailer"), "{}", refusal(&e).2);

    // One character of the claims changed.
    let i = "SWC1.".len() + 5;
    let mut bytes = cart.code.clone().into_bytes();
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let e = client.open_cart(&String::from_utf8(bytes).unwrap()).await.unwrap_err();
    assert_eq!(refusal(&e).1, "forged_code");

    for (text, says) in [
        ("SWC1.abc", "damaged"),
        ("hello", "not a cart code"),
        ("SWM1.eyJ4IjoxfQ.AAAA", "not a cart code"),
    ] {
        let e = client.open_cart(text).await.unwrap_err();
        let (status, code, message) = refusal(&e);
        assert_eq!((status, code), (400, "bad_code"), "{text}");
        assert!(message.contains(says), "{text}: {message}");
    }
}

#[tokio::test]
async fn a_cart_with_a_product_not_in_the_catalog_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, DAY).await;
    let e = client
        .create_cart(&web_cart(&[("8991101000070", 1), ("8990000000001", 1)]))
        .await
        .unwrap_err();
    let (status, code, message) = refusal(&e);
    assert_eq!((status, code), (422, "unknown_product"));
    assert!(message.contains("8990000000001") && !message.contains("8991101000070"), "{message}");

    for (lines, says) in [
        (vec![], "at least one line"),
        (vec![("8991101000070", 0)], "quantity of 0"),
        (vec![("8991101000070", 60), ("8991101000070", 40)], "at most 99"),
    ] {
        let e = client.create_cart(&web_cart(&lines)).await.unwrap_err();
        let (status, _, message) = refusal(&e);
        assert_eq!(status, 400, "{message}");
        assert!(message.contains(says), "{message}");
    }
}

#[tokio::test]
async fn a_kiosk_continues_a_web_cart_at_its_prices_and_paying_it_closes_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (central, client) = start(dir.path(), CATALOG, DAY).await;
    Device::open(data.path(), client).unwrap().sync_catalog().await.unwrap();
    central.stop().await;

    // The web shop's MamyPoko goes up to Rp 91.000 after the kiosk last
    // synced: the kiosk still sells it at Rp 89.000.
    let web_catalog = CATALOG.replace("MamyPoko Pants M 34,89000", "MamyPoko Pants M 34,91000");
    let (_central, client) = start(dir.path(), &web_catalog, DAY).await;
    let device = Device::open(data.path(), client.clone()).unwrap();
    let web = client
        .create_cart(&web_cart(&[("8991101000070", 2), ("8991101000179", 1), ("8991101000285", 1)]))
        .await
        .unwrap();
    // No Sweety on this store's shelf.
    let stock = |b: String| async move { (b == "8991101000285").then_some(0) };
    let opened = device.open_cart_with_stock(&web.code, stock).await.unwrap();
    let kept: Vec<(&str, u32, i64)> =
        opened.cart.lines().iter().map(|l| (l.barcode.as_str(), l.qty, l.unit_price.0)).collect();
    assert_eq!(kept, [("8991101000070", 2, 89_000), ("8991101000179", 1, 99_000)]);
    // 2 x 89.000 + 99.000
    assert_eq!(opened.cart.total(), Rupiah(277_000));
    assert_eq!(opened.cart.central_id(), Some(web.id.as_str()));
    assert_eq!(
        opened.changes,
        [
            Change::PriceChanged {
                barcode: "8991101000070".into(),
                name: "MamyPoko Pants M 34".into(),
                was: Rupiah(91_000),
                now: Rupiah(89_000),
            },
            Change::OutOfStock {
                barcode: "8991101000285".into(),
                name: "Sweety Silver Pants M 30".into(),
                qty: 1,
            },
        ]
    );
    assert_eq!(opened.central.member.as_deref(), Some("M0001"));

    // Paid at the kiosk: the payment and the sale carry the cart.
    let bill = device.bill(opened.cart.clone().into()).await.unwrap();
    let payment = device.start_payment(&bill, "kiosk-pay-1").await.unwrap();
    let paid = client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let receipt = device.record_sale(&bill, &paid).await.unwrap();
    assert!(receipt.transaction_id.is_some());
    match device.open_cart(&web.code).await {
        Err(DeviceError::CartRefused { code, .. }) => assert_eq!(code, "cart_closed"),
        other => panic!("a paid cart opened again: {other:?}"),
    }

    // "Continue on phone": the kiosk's cart becomes a kiosk cart on the
    // central, priced there (MamyPoko at the central's Rp 91.000).
    let handed = device.hand_off(&opened.cart, None).await.unwrap();
    assert_eq!(handed.channel, Channel::Kiosk);
    assert_eq!(handed.member, None);
    let phone = client.open_cart(&handed.code).await.unwrap();
    let lines: Vec<(&str, u32)> = phone.lines.iter().map(|l| (l.barcode.as_str(), l.qty)).collect();
    assert_eq!(lines, [("8991101000070", 2), ("8991101000179", 1)]);
    // 2 x 91.000 + 99.000
    assert_eq!(phone.total, Rupiah(281_000));
    assert!(matches!(
        device.hand_off(&swalayan::domain::cart::Cart::new(), None).await,
        Err(DeviceError::EmptyCart)
    ));
}

#[tokio::test]
async fn a_threshold_the_channel_met_ends_when_an_item_is_out_of_stock_here() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (_central, client) = start(dir.path(), CATALOG, DAY).await;
    let device = Device::open(data.path(), client.clone()).unwrap();
    device.sync_catalog().await.unwrap();
    // 2 x 99.000 + 79.000 = 277.000 on the web: past the demo file's
    // Rp 200.000 threshold.
    let web =
        client.create_cart(&web_cart(&[("8991101000179", 2), ("8991101000285", 1)])).await.unwrap();
    assert_eq!(web.total, Rupiah(277_000));
    assert_eq!(web.promotions, ["BELANJA-200RB"]);
    // Without the Sweety the kiosk's cart is 198.000: the threshold is lost.
    let stock = |b: String| async move { (b == "8991101000285").then_some(0) };
    let opened = device.open_cart_with_stock(&web.code, stock).await.unwrap();
    assert_eq!(opened.cart.total(), Rupiah(198_000));
    assert_eq!(
        opened.changes,
        [
            Change::OutOfStock {
                barcode: "8991101000285".into(),
                name: "Sweety Silver Pants M 30".into(),
                qty: 1,
            },
            Change::PromotionEnded { promotion: "BELANJA-200RB".into() },
        ]
    );
}
