//! Click-and-collect orders end to end: placed on the central with stock
//! reserved, loaded with a pickup code, collected once (online, offline,
//! replayed), typed codes and their lockout, expiry, and unpaid orders
//! paid by QRIS at the kiosk.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use common::click::{self, POPOK, SABUN, on_hand, order, placed_and_loaded};
use common::gateway::TestGateway;
use common::{refusal, until};
use swalayan::central::api::{
    CollectOrder, LoadOrder, NewOrder, NewPayment, OrderStep, PaidElsewhere, PaymentStatus,
    UnloadOutcome,
};
use swalayan::central::client::Client;
use swalayan::central::server::gateway::simulator::Outcome;
use swalayan::central::server::{Config, GatewayChoice, Running};
use swalayan::checkout::{Device, PickupFailure};
use swalayan::domain::Rupiah;
use swalayan::domain::locker::Size;
use swalayan::domain::order::OrderState;
use swalayan::domain::pickup::{PickupError, verify_token};
use swalayan::tokens::Verifier;

use crate::common;

fn collect(device: &str) -> CollectOrder {
    CollectOrder { device: device.into(), ..Default::default() }
}

fn paid(amount: i64, reference: &str) -> Option<PaidElsewhere> {
    Some(PaidElsewhere { amount: Rupiah(amount), reference: reference.into(), payment_id: None })
}

fn open_device(data: &Path, central: &Running) -> Device {
    Device::open(data, Client::new(&central.url()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_priced_by_the_engine_and_holds_its_stock() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;

    let two_each = order(&[(POPOK, 2), (SABUN, 2)]);
    let placed = client.place_order(&two_each, "web-1").await.unwrap();
    assert_eq!(placed.status, OrderState::Placed);
    let view = client.order(&placed.id).await.unwrap();
    // 2 x 50 000 + 2 x 7 500 = 115 000, less 10 % of the Sabun's 15 000.
    let totals: Vec<i64> = view.lines.iter().map(|l| l.line_total.0).collect();
    assert_eq!(totals, [100_000, 15_000]);
    assert_eq!(view.discounts.len(), 1);
    assert_eq!(
        (view.discounts[0].promotion.as_str(), view.discounts[0].amount.0),
        ("SABUN-10", 1_500)
    );
    assert_eq!(view.total.0, 113_500);
    assert!(!view.paid, "no payment was given: it is paid at pickup");
    assert_eq!(view.phone_last4, "0001");
    assert_eq!(view.history.len(), 1);
    assert_eq!(view.history[0].step, "place");

    // The same key places it once; other contents under it are refused.
    let again = client.place_order(&two_each, "web-1").await.unwrap();
    assert_eq!(again.id, placed.id);
    let e = client.place_order(&order(&[(POPOK, 1)]), "web-1").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "idempotency_conflict"));

    // Kemang has 5 Popok; the order holds 2, so 3 are left to promise.
    let e = client.place_order(&order(&[(SABUN, 1), (POPOK, 4)]), "web-2").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "not_enough_stock"));
    assert_eq!(
        e.refusal(),
        Some("line 2: 8991101000070 (Popok M 34): 4 asked, 3 available at store KMG")
    );
    let e = client.place_order(&order(&[(POPOK, 1), ("1234567890128", 1)]), "web-3").await;
    let e = e.unwrap_err();
    assert_eq!(refusal(&e), (422, "unknown_product"));
    assert_eq!(e.refusal(), Some("line 2: 1234567890128 is not in the catalog"));
    let mut elsewhere = order(&[(POPOK, 1)]);
    elsewhere.store = "XYZ".into();
    let e = client.place_order(&elsewhere, "web-4").await.unwrap_err();
    assert_eq!(refusal(&e), (422, "unknown_store"));
    let mut bad_phone = order(&[(POPOK, 1)]);
    bad_phone.phone = "12345".into();
    let e = client.place_order(&bad_phone, "web-5").await.unwrap_err();
    assert!(e.refusal().unwrap().starts_with("phone: "), "{e}");

    // A reservation lowers what may be promised, not what is on the shelf:
    // the stock says 5 at Kemang, 2 of them held, 3 for sale.
    assert_eq!(on_hand(&client, POPOK).await, 5);
    let kemang = client.stock(POPOK, Some("KMG"), 1).await.unwrap();
    assert_eq!((kemang.store.qty, kemang.store.reserved, kemang.store.available()), (5, 2, 3));
    // Blok M has 1 and holds none.
    assert_eq!((kemang.nearest[0].id.as_str(), kemang.nearest[0].reserved), ("BLM", 0));
    // Cancelled, the order gives its 2 back: 4 fit again.
    let step = OrderStep { cause: "customer changed their mind".into(), ..Default::default() };
    let cancelled = client.order_step(&placed.id, "cancel", &step).await.unwrap();
    assert_eq!(cancelled.status, OrderState::Cancelled);
    assert_eq!(cancelled.history.last().unwrap().cause, "cancelled: customer changed their mind");
    assert_eq!(client.stock(POPOK, Some("KMG"), 0).await.unwrap().store.reserved, 0);
    client.place_order(&order(&[(POPOK, 4)]), "web-6").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_with_alcohol_or_tobacco_is_refused_for_the_lockers() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("restricted.csv");
    std::fs::write(
        &catalog,
        "barcode,name,price,category,restriction
8991101000070,Popok M 34,50000,bayi-ibu,
8991101000179,Pisang Cavendish 1 kg,10000,buah-sayur,
8991101000278,Sabun Mandi 90 g,7500,kebersihan-rumah,
8991878000075,Bintang Pilsener 620 ml,38500,minuman-beralkohol,age21
8991915000075,Sampoerna Mild 16 batang,35500,rokok,tobacco
",
    )
    .unwrap();
    let (_central, client) =
        common::start(Config { catalog: Some(catalog), ..click::config(dir.path()) }).await;
    let lines = [(POPOK, 1), ("8991878000075", 2), ("8991915000075", 1)];
    let e = client.place_order(&order(&lines), "beer-and-smokes").await.unwrap_err();
    assert_eq!(refusal(&e), (422, "restricted_item"));
    assert_eq!(
        e.refusal().unwrap(),
        "line 2: 8991878000075 (Bintang Pilsener 620 ml) is sold only to buyers of 21 or older, \
         which a locker cannot check; line 3: 8991915000075 (Sampoerna Mild 16 batang) is \
         tobacco, which self-service machines such as lockers may not hand over; sell these at \
         the counter"
    );
    // Nothing was reserved: the Popok alone is taken.
    assert_eq!(
        client.place_order(&order(&[(POPOK, 5)]), "popok").await.unwrap().status,
        OrderState::Placed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_keeps_the_compartment_size_it_needs_and_a_wrong_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = click::start(dir.path()).await;

    // No size: a small compartment does.
    let small = client.place_order(&order(&[(POPOK, 1)]), "size-1").await.unwrap();
    assert_eq!(client.order(&small.id).await.unwrap().size, Size::S);
    let large = NewOrder { size: Some("L".into()), ..order(&[(POPOK, 1)]) };
    let large = client.place_order(&large, "size-2").await.unwrap();
    let raw: serde_json::Value = reqwest::get(format!("{}/v1/orders/{}", central.url(), large.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["size"], "L");
    assert_eq!(client.order(&large.id).await.unwrap().size, Size::L);

    for (key, size) in [("size-3", "XL"), ("size-4", "m"), ("size-5", "")] {
        let wrong = NewOrder { size: Some(size.into()), ..order(&[(POPOK, 1)]) };
        let e = client.place_order(&wrong, key).await.unwrap_err();
        assert_eq!(refusal(&e), (422, "unknown_size"));
        let said = format!("size: {size:?} is not a compartment size (S, M or L)");
        assert_eq!(e.refusal(), Some(said.as_str()));
    }
    // Kemang's 5 Popok: the two orders hold 2, the refused ones none.
    let three = client.place_order(&order(&[(POPOK, 3)]), "size-6").await;
    assert!(three.is_ok(), "{three:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn loading_issues_the_codes_and_the_customer_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;

    let view = placed_and_loaded(&client, &order(&[(SABUN, 1)]), 3).await;
    assert_eq!(view.status, OrderState::Loaded);
    assert_eq!(view.compartment, Some(3));
    let pickup = view.pickup.clone().expect("a loaded order has its codes");
    assert!(pickup.code.len() == 6 && pickup.code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(pickup.expires_at, view.deadline);

    // The QR's token is the central's, for this order, store and compartment.
    let key = Verifier::from_base64(&client.keys().await.unwrap().tokens).unwrap();
    let claims = verify_token(&key, &pickup.token, "KMG", Utc::now().timestamp()).unwrap();
    assert_eq!((claims.o.as_str(), claims.c), (view.id.as_str(), 3));

    // The customer's message: Indonesian first, then English, with the
    // code, the store and the deadline (Jakarta time).
    let messages = client.order_messages(&view.id).await.unwrap().messages;
    assert_eq!(messages.len(), 1);
    let text = &messages[0].text;
    let (id_part, en_part) = text.split_once('\n').unwrap();
    let deadline = chrono::DateTime::parse_from_rfc3339(&view.deadline).unwrap();
    let local = deadline.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap());
    let when = local.format("%d-%m-%Y %H:%M WIB").to_string();
    assert!(id_part.starts_with("Pesanan ") && id_part.contains(&pickup.code), "{text}");
    assert!(id_part.contains("Swalayan Demo Kemang") && id_part.contains(&when), "{text}");
    assert!(en_part.contains(&format!("Pickup code: {}", pickup.code)), "{text}");
    assert!(messages[0].to.ends_with("0001") && !messages[0].to.contains("812"));

    // History: who loaded it, where, from which kiosk.
    assert_eq!(view.history.len(), 2);
    let load = &view.history[1];
    assert_eq!((load.step.as_str(), load.status), ("load", OrderState::Loaded));
    assert_eq!(load.device.as_deref(), Some("kiosk-1"));
    assert!(load.cause.contains("compartment 3 by staff S001"), "{}", load.cause);
    assert_eq!(view.history[0].device, None);

    // Loading again into the same compartment is the same load.
    let again = LoadOrder { device: "kiosk-1".into(), compartment: 3, staff_id: "S001".into() };
    let same = client.load_order(&view.id, &again).await.unwrap();
    assert_eq!(same.pickup, Some(pickup));
    assert_eq!(client.order_messages(&view.id).await.unwrap().messages.len(), 1);
    // Compartment 3 is taken; an unknown member of staff loads nothing.
    let other = client.place_order(&order(&[(SABUN, 1)]), "web-x").await.unwrap();
    let e = client.load_order(&other.id, &again).await.unwrap_err();
    assert_eq!(refusal(&e), (409, "compartment_taken"));
    let nobody = LoadOrder { staff_id: "S999".into(), compartment: 4, ..again };
    assert_eq!(
        refusal(&client.load_order(&other.id, &nobody).await.unwrap_err()).1,
        "unknown_staff"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_collect_counts_once_and_a_second_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    let mut one = order(&[(POPOK, 1)]);
    one.paid = paid(50_000, "WEB-PAY-1");
    let view = placed_and_loaded(&client, &one, 1).await;
    assert!(view.paid);

    let first = client.collect_order(&view.id, &collect("kiosk-1"), "collect-a").await.unwrap();
    assert_eq!(first.status, OrderState::Collected);
    assert_eq!(first.pickup, None, "the codes end with the pickup");
    assert_eq!(on_hand(&client, POPOK).await, 4, "5 on hand, 1 collected");

    // The outbox's replay under the same key: the same answer, once.
    let replay = client.collect_order(&view.id, &collect("kiosk-1"), "collect-a").await.unwrap();
    assert_eq!(replay.history, first.history);
    assert_eq!(first.history.iter().filter(|e| e.step == "collect").count(), 1);
    assert_eq!(on_hand(&client, POPOK).await, 4);

    // Another collect of the same order is refused.
    let e = client.collect_order(&view.id, &collect("kiosk-2"), "collect-b").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "order_state"));
    assert!(e.refusal().unwrap().contains("it was collected already"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pickup_with_the_central_down_opens_once_and_is_reconciled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let (central, client) = click::start(dir.path()).await;
    let mut one = order(&[(POPOK, 1)]);
    one.paid = paid(50_000, "APP-7");
    let view = placed_and_loaded(&client, &one, 2).await;
    let token = view.pickup.unwrap().token;

    let device = open_device(&data, &central);
    assert_eq!(device.sync_pickup_manifest("KMG").await.unwrap(), 1);
    central.stop().await;

    // Checked offline: the signature, the store, the manifest.
    let pickup = device.pickup_by_token(&token, Utc::now()).await.unwrap();
    assert!(!pickup.online);
    assert_eq!(
        (pickup.order_id.as_str(), pickup.compartment, pickup.paid),
        (view.id.as_str(), 2, true)
    );
    let opening = device.open_for_pickup(&pickup, None, Utc::now()).await.unwrap();
    assert!(opening.offline);
    // The same token again: this compartment opened already.
    let e = device.pickup_by_token(&token, Utc::now()).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::OpenedAlready)), "{e}");
    let e = device.open_for_pickup(&pickup, None, Utc::now()).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::OpenedAlready)), "{e}");

    // The compartment is empty: the pickup waits in the outbox.
    assert_eq!(device.confirm_pickup(&view.id).await.unwrap(), None);
    let waiting = device.with_store_blocking(|s| s.outbox_len()).await.unwrap();
    assert_eq!(waiting, 1);
    let device_id = device.device_id().to_owned();
    drop(device);

    // The central comes back; the kiosk restarts and replays.
    let (central, client) = click::start(dir.path()).await;
    let device = open_device(&data, &central);
    assert_eq!(device.flush_outbox().await.unwrap(), 1);
    assert_eq!(device.flush_outbox().await.unwrap(), 0);
    let after = client.order(&view.id).await.unwrap();
    assert_eq!(after.status, OrderState::Collected);
    let collects: Vec<_> = after.history.iter().filter(|e| e.step == "collect").collect();
    assert_eq!(collects.len(), 1);
    assert_eq!(collects[0].device.as_deref(), Some(device_id.as_str()));
    assert!(collects[0].cause.contains("opened with no central"), "{}", collects[0].cause);
    assert_eq!(on_hand(&client, POPOK).await, 4);
    // Confirming again queues nothing new.
    device.confirm_pickup(&view.id).await.unwrap();
    assert_eq!(device.flush_outbox().await.unwrap(), 0);
    assert_eq!(client.order(&view.id).await.unwrap().history, after.history);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typed_code_needs_the_phone_digits_and_locks_after_five_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let (central, client) = click::start(dir.path()).await;
    let mut one = order(&[(SABUN, 1)]);
    one.paid = paid(6_750, "APP-8");
    let view = placed_and_loaded(&client, &one, 5).await;
    let code = view.pickup.unwrap().code;
    let device = open_device(&data, &central);
    device.sync_pickup_manifest("KMG").await.unwrap();

    // With the central: the right code and phone digits find the order.
    let found = device.pickup_by_code(&code, "0001", Utc::now()).await.unwrap();
    assert!(found.online);
    assert_eq!((found.order_id.as_str(), found.compartment), (view.id.as_str(), 5));

    // The right code with wrong phone digits: refused, tries counted.
    for left in (1..=4).rev() {
        let e = device.pickup_by_code(&code, "9999", Utc::now()).await.unwrap_err();
        let PickupFailure::Central(e) = e else { panic!("{e}") };
        assert_eq!(refusal(&e), (404, "wrong_code"));
        assert!(e.refusal().unwrap().contains(&format!("{left} tries left")), "{e}");
    }
    let e = device.pickup_by_code(&code, "9999", Utc::now()).await.unwrap_err();
    let PickupFailure::Central(e) = e else { panic!("{e}") };
    assert_eq!(refusal(&e), (429, "code_locked"));
    // Locked: now even the right pair waits.
    let e = device.pickup_by_code(&code, "0001", Utc::now()).await.unwrap_err();
    let PickupFailure::Central(e) = e else { panic!("{e}") };
    assert_eq!(refusal(&e), (429, "code_locked"));

    // Offline the kiosk checks the manifest's hash and counts on its own.
    central.stop().await;
    let e = device.pickup_by_code(&code, "0002", Utc::now()).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::WrongCode { left: 4 })), "{e}");
    let found = device.pickup_by_code(&code, "0001", Utc::now()).await.unwrap();
    assert!(!found.online);
    assert_eq!(found.order_id, view.id);
    let now = Utc::now();
    for _ in 0..4 {
        device.pickup_by_code(&code, "0002", now).await.unwrap_err();
    }
    let e = device.pickup_by_code(&code, "0002", now).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::Locked { .. })), "{e}");
    let e = device.pickup_by_code(&code, "0001", now).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::Locked { .. })), "{e}");
    let e = device.pickup_by_code("12345", "0001", now).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::BadForm)), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_past_its_deadline_expires_and_is_refunded_when_unloaded() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // Paid on the web through the central: 1 Sabun is 7 500 less 10 %.
    let payment = client.create_payment(Rupiah(6_750), "web-pay").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let mut one = order(&[(SABUN, 1)]);
    one.paid = Some(PaidElsewhere {
        amount: Rupiah(6_750),
        reference: "WEB-77".into(),
        payment_id: Some(payment.id.clone()),
    });
    one.deadline = Some((Utc::now() + chrono::Duration::seconds(2)).to_rfc3339());
    let view = placed_and_loaded(&client, &one, 4).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let expired = loop {
        let v = client.order(&view.id).await.unwrap();
        if v.status == OrderState::Expired {
            break v;
        }
        assert!(tokio::time::Instant::now() < deadline, "never expired: {v:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let last = expired.history.last().unwrap();
    assert_eq!(last.step, "expire");
    assert!(last.cause.starts_with("not collected by its deadline"), "{}", last.cause);
    assert_eq!(expired.pickup, None);
    assert!(client.pickup_manifest("KMG").await.unwrap().orders.is_empty());
    let e = client.collect_order(&view.id, &collect("kiosk-1"), "late").await.unwrap_err();
    assert_eq!(refusal(&e), (409, "order_state"));

    // It waits in compartment 4 for staff to take it out.
    let list = client.unload_list("KMG").await.unwrap();
    assert_eq!(list.orders.len(), 1);
    assert_eq!((list.orders[0].order_id.as_str(), list.orders[0].compartment), (&*view.id, 4));
    assert_eq!(list.orders[0].status, OrderState::Expired);

    // Staff take it out: the policy (full, the default) refunds it.
    let unload = OrderStep {
        staff_id: Some("S001".into()),
        device: Some("kiosk-1".into()),
        ..Default::default()
    };
    let out = client.order_step(&view.id, "unload", &unload).await.unwrap();
    assert!(out.history.last().unwrap().cause.contains("refunded in full (policy full)"));
    let unloaded = out.unloaded.clone().expect("the answer says what was done");
    assert_eq!(unloaded.outcome, UnloadOutcome::Refunded);
    assert_eq!(unloaded.refunded, Some(Rupiah(6_750)));
    assert!(client.unload_list("KMG").await.unwrap().orders.is_empty(), "taken out");
    let refunded = client.payment(&payment.id).await.unwrap();
    assert_eq!(refunded.status, PaymentStatus::Refunded);
    assert_eq!(refunded.refunded.0, 6_750);
    // Again: nothing more is refunded.
    client.order_step(&view.id, "unload", &unload).await.unwrap();
    assert_eq!(client.payment(&payment.id).await.unwrap().refunds.len(), 1);
    assert_eq!(on_hand(&client, SABUN).await, 4, "nothing left the store");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unpaid_order_is_paid_by_qris_before_its_door_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let (central, client) = click::start(dir.path()).await;
    // 2 Sabun: 15 000 less 10 % = 13 500, to pay at pickup.
    let view = placed_and_loaded(&client, &order(&[(SABUN, 2)]), 6).await;
    assert!(!view.paid);
    let device = open_device(&data, &central);
    device.sync_pickup_manifest("KMG").await.unwrap();
    let token = view.pickup.unwrap().token;

    let pickup = device.pickup_by_token(&token, Utc::now()).await.unwrap();
    assert_eq!((pickup.paid, pickup.total.0), (false, 13_500));
    assert!(device.open_for_pickup(&pickup, None, Utc::now()).await.is_err());
    let e = client.collect_order(&view.id, &collect("kiosk-1"), "early").await.unwrap_err();
    assert_eq!(refusal(&e), (402, "order_unpaid"));
    let wrong =
        NewPayment { amount: Rupiah(13_000), order: Some(view.id.clone()), ..Default::default() };
    let e = client.create_payment_with(&wrong, "pay-wrong").await.unwrap_err();
    assert_eq!(refusal(&e), (422, "amount_mismatch"));

    let payment = device.pay_order(&pickup, "pay-order-6").await.unwrap();
    assert_eq!((payment.amount.0, payment.status), (13_500, PaymentStatus::Pending));
    // Not paid yet: the central still refuses the collect.
    let pending = CollectOrder { payment_id: Some(payment.id.clone()), ..collect("kiosk-1") };
    let e = client.collect_order(&view.id, &pending, "too-soon").await.unwrap_err();
    assert_eq!(refusal(&e), (402, "order_unpaid"));
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();

    device.open_for_pickup(&pickup, Some(&payment.id), Utc::now()).await.unwrap();
    let done = device.confirm_pickup(&view.id).await.unwrap().expect("the central answered");
    assert_eq!(done.status, OrderState::Collected);
    assert!(done.paid);
    let by = done.payment.unwrap();
    assert_eq!((by.by.as_str(), by.payment_id.as_deref()), ("qris", Some(payment.id.as_str())));
    assert!(done.history.iter().any(|e| e.step == "pay" && e.cause.contains("13500")));

    // The same QR again, here or at another kiosk of the store: the
    // central says it was collected.
    let other = open_device(&dir.path().join("other-kiosk"), &central);
    other.sync_pickup_manifest("KMG").await.unwrap();
    for kiosk in [&device, &other] {
        let e = kiosk.pickup_by_token(&token, Utc::now()).await.unwrap_err();
        let PickupFailure::Central(e) = e else { panic!("{e}") };
        assert_eq!(refusal(&e), (409, "order_state"));
        assert!(e.refusal().unwrap().ends_with("it was collected already"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_paid_at_the_kiosk_and_never_collected_is_refunded_when_unloaded() {
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = click::start(dir.path()).await;
    // 1 Popok: Rp 50.000, to pay at pickup; a deadline soon after.
    let mut one = order(&[(POPOK, 1)]);
    one.deadline = Some((Utc::now() + chrono::Duration::seconds(4)).to_rfc3339());
    let view = placed_and_loaded(&client, &one, 5).await;
    let device = open_device(&dir.path().join("device"), &central);
    device.sync_pickup_manifest("KMG").await.unwrap();
    let pickup = device.pickup_by_token(&view.pickup.unwrap().token, Utc::now()).await.unwrap();

    // Paid at the kiosk; then the door never opens (the customer left,
    // the lock jammed) and no collect comes.
    let payment = device.pay_order(&pickup, "pay-order-5").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let paid = client.order(&view.id).await.unwrap();
    assert!(paid.paid, "{paid:?}");
    let by = paid.payment.clone().expect("the order shows its payment");
    assert_eq!((by.by.as_str(), by.payment_id.as_deref()), ("qris", Some(payment.id.as_str())));
    let pay = paid.history.iter().find(|e| e.step == "pay").expect("a pay line");
    assert!(pay.cause.contains("paid 50000 by QRIS"), "{}", pay.cause);
    // A kiosk that restarted and lost its key gets the payment that paid
    // it, not a refusal and not a second charge.
    let again =
        NewPayment { amount: Rupiah(50_000), order: Some(view.id.clone()), ..Default::default() };
    let same = client.create_payment_with(&again, "pay-order-5-after-restart").await.unwrap();
    assert_eq!((same.id.as_str(), same.status), (payment.id.as_str(), PaymentStatus::Paid));

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while client.order(&view.id).await.unwrap().status != OrderState::Expired {
        assert!(tokio::time::Instant::now() < deadline, "never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let list = client.unload_list("KMG").await.unwrap();
    assert_eq!(list.orders.len(), 1);
    assert!(list.orders[0].paid, "staff see it was paid");

    let unload = OrderStep { staff_id: Some("S001".into()), ..Default::default() };
    let out = client.order_step(&view.id, "unload", &unload).await.unwrap();
    let unloaded = out.unloaded.expect("the answer says what was done");
    assert_eq!(
        (unloaded.outcome, unloaded.refunded),
        (UnloadOutcome::Refunded, Some(Rupiah(50_000)))
    );
    client.order_step(&view.id, "unload", &unload).await.unwrap();
    let refunded = client.payment(&payment.id).await.unwrap();
    assert_eq!((refunded.status, refunded.refunded.0), (PaymentStatus::Refunded, 50_000));
    assert_eq!(refunded.refunds.len(), 1, "refunded once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_order_cancelled_before_it_is_loaded_is_refunded_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_central, client) = click::start(dir.path()).await;
    // 2 Sabun paid on the web through the central: 15 000 less 10 % = 13 500.
    let payment = client.create_payment(Rupiah(13_500), "web-pay-2").await.unwrap();
    client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
    let mut two = order(&[(SABUN, 2)]);
    two.paid = Some(PaidElsewhere {
        amount: Rupiah(13_500),
        reference: "WEB-88".into(),
        payment_id: Some(payment.id.clone()),
    });
    let placed = client.place_order(&two, "paid-then-cancelled").await.unwrap();
    let step = OrderStep { cause: "out of stock at the store".into(), ..Default::default() };
    let cancelled = client.order_step(&placed.id, "cancel", &step).await.unwrap();
    assert_eq!(cancelled.status, OrderState::Cancelled);
    let cause = &cancelled.history.last().unwrap().cause;
    assert_eq!(
        cause,
        &format!("cancelled: out of stock at the store; payment {} refunded in full", payment.id)
    );
    let p = client.payment(&payment.id).await.unwrap();
    assert_eq!((p.status, p.refunded.0, p.refunds.len()), (PaymentStatus::Refunded, 13_500, 1));
    // Not in a locker: nothing for staff to take out.
    assert!(client.unload_list("KMG").await.unwrap().orders.is_empty());
    // A second cancel is refused and refunds nothing more.
    let e = client.order_step(&placed.id, "cancel", &step).await.unwrap_err();
    assert_eq!(refusal(&e).1, "order_state");
    assert_eq!(client.payment(&payment.id).await.unwrap().refunds.len(), 1);

    // Paid on its channel with no payment here: the history says where
    // to refund it.
    let mut web = order(&[(SABUN, 1)]);
    web.paid = paid(6_750, "WEB-89");
    let placed = client.place_order(&web, "channel-then-cancelled").await.unwrap();
    let cancelled = client.order_step(&placed.id, "cancel", &OrderStep::default()).await.unwrap();
    let cause = &cancelled.history.last().unwrap().cause;
    assert_eq!(cause, "cancelled; paid on its channel (WEB-89): refund it there");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_collected_with_a_late_payment_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::new();
    let (central, client) = common::start(Config {
        gateway: GatewayChoice::Custom(gw.clone()),
        poll_interval: Duration::from_millis(100),
        late_refund_grace: Duration::from_secs(3),
        ..click::config(dir.path())
    })
    .await;
    // 2 Sabun: 15 000 less 10 % = 13 500, to pay at pickup.
    let view = placed_and_loaded(&client, &order(&[(SABUN, 2)]), 6).await;
    let new =
        NewPayment { amount: Rupiah(13_500), order: Some(view.id.clone()), ..Default::default() };
    let payment = client.create_payment_with(&new, "pay-order-6").await.unwrap();
    // The kiosk gave up on the code, its cancel never reached the gateway,
    // and the customer paid all the same: paid late, which pays no order.
    gw.cancel_down.store(true, Ordering::SeqCst);
    client.cancel_payment(&payment.id).await.unwrap();
    gw.sim.settle(&payment.id, Outcome::Paid).unwrap();
    let notified = reqwest::Client::new()
        .post(format!("{}/v1/gateway/test/notify", central.url()))
        .header("x-test-signature", "good")
        .json(&serde_json::json!({"payment_id": payment.id}))
        .send()
        .await
        .unwrap();
    assert!(notified.status().is_success(), "{notified:?}");
    let late = until(&client, &payment.id, |p| p.status == PaymentStatus::Paid).await;
    assert!(late.history.last().unwrap().cause.starts_with("paid late"), "{late:?}");
    assert!(!client.order(&view.id).await.unwrap().paid);

    // The kiosk, still there, collects with it before the refund is due.
    let with = CollectOrder { payment_id: Some(payment.id.clone()), ..collect("kiosk-1") };
    let done = client.collect_order(&view.id, &with, "collect-6").await.unwrap();
    assert_eq!((done.status, done.paid), (OrderState::Collected, true));
    let kept =
        until(&client, &payment.id, |p| p.history.last().unwrap().cause.starts_with("kept")).await;
    let cause = &kept.history.last().unwrap().cause;
    assert_eq!(
        cause,
        &format!("kept: order {} was collected with it first, so no refund", view.id)
    );
    assert_eq!((kept.status, kept.refunds.len()), (PaymentStatus::Paid, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_stopped_between_the_unlock_and_the_confirmation_records_the_pickup_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let (central, client) = click::start(dir.path()).await;
    let mut one = order(&[(POPOK, 1)]);
    one.paid = paid(50_000, "APP-9");
    let view = placed_and_loaded(&client, &one, 8).await;
    let device = open_device(&data, &central);
    device.sync_pickup_manifest("KMG").await.unwrap();
    let pickup = device.pickup_by_token(&view.pickup.unwrap().token, Utc::now()).await.unwrap();
    device.open_for_pickup(&pickup, None, Utc::now()).await.unwrap();
    // The kiosk dies with the door open.
    drop(device);

    let device = open_device(&data, &central);
    let left = device.unconfirmed_openings().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].order_id.as_str(), left[0].compartment), (view.id.as_str(), 8));
    let done = device.confirm_pickup(&view.id).await.unwrap().expect("the central answered");
    assert_eq!(done.status, OrderState::Collected);
    assert!(device.unconfirmed_openings().await.unwrap().is_empty());
    // Confirmed again after another restart: still one collect.
    drop(device);
    let device = open_device(&data, &central);
    device.confirm_pickup(&view.id).await.unwrap();
    let after = client.order(&view.id).await.unwrap();
    assert_eq!(after.history.iter().filter(|e| e.step == "collect").count(), 1);
    assert_eq!(on_hand(&client, POPOK).await, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_door_never_opened_leaves_the_code_valid() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let (central, client) = click::start(dir.path()).await;
    let mut one = order(&[(SABUN, 1)]);
    one.paid = paid(6_750, "APP-10");
    let view = placed_and_loaded(&client, &one, 9).await;
    let token = view.pickup.unwrap().token;
    let device = open_device(&data, &central);
    device.sync_pickup_manifest("KMG").await.unwrap();
    let pickup = device.pickup_by_token(&token, Utc::now()).await.unwrap();
    device.open_for_pickup(&pickup, None, Utc::now()).await.unwrap();
    assert!(device.door_not_opened(&view.id).await.unwrap());
    // The code opens the compartment again; nothing went to the central.
    let again = device.pickup_by_token(&token, Utc::now()).await.unwrap();
    device.open_for_pickup(&again, None, Utc::now()).await.unwrap();
    assert_eq!(client.order(&view.id).await.unwrap().status, OrderState::Loaded);
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_an_unpaid_order_stays_shut() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let (central, client) = click::start(dir.path()).await;
    let view = placed_and_loaded(&client, &order(&[(SABUN, 1)]), 7).await;
    let device = open_device(&data, &central);
    device.sync_pickup_manifest("KMG").await.unwrap();
    central.stop().await;
    let e = device.pickup_by_token(&view.pickup.unwrap().token, Utc::now()).await.unwrap_err();
    assert!(matches!(e, PickupFailure::Refused(PickupError::UnpaidOffline)), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_order_and_return_route_is_in_the_served_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let (central, _client) = click::start(dir.path()).await;
    let doc: serde_json::Value = reqwest::get(format!("{}/v1/openapi.json", central.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/v1/orders", "post"),
        ("/v1/orders/{id}", "get"),
        ("/v1/orders/{id}/messages", "get"),
        ("/v1/orders/{id}/load", "post"),
        ("/v1/orders/{id}/collect", "post"),
        ("/v1/orders/{id}/cancel", "post"),
        ("/v1/orders/{id}/expire", "post"),
        ("/v1/orders/{id}/unload", "post"),
        ("/v1/orders/pickup-code", "post"),
        ("/v1/stores/{id}/pickup-manifest", "get"),
        ("/v1/stores/{id}/unload-list", "get"),
        ("/v1/returns", "post"),
        ("/v1/returns/{id}", "get"),
        ("/v1/returns/{id}/confirm", "post"),
        ("/v1/returns/eligible", "get"),
        ("/v1/returns/{id}/stowed", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} undocumented");
    }
    let states = &doc["components"]["schemas"]["Order"]["properties"]["status"]["enum"];
    let want = ["placed", "loaded", "collected", "expired", "returned", "cancelled"];
    assert_eq!(states, &serde_json::json!(want));
}
