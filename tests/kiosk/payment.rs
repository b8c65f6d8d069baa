//! The payment screen through Slint's testing backend, against a real
//! central whose codes expire after a few seconds: a code that runs out
//! and a new one, then a wallet's own code typed by the USB scanner paying
//! the payment on screen; then Pay while the central is down, retried with
//! the same key until it is back.
//!
//! One story in one test: the testing backend is set up once per process.

use std::path::Path;
use std::time::Duration;

use slint::ComponentHandle;
use swalayan::central::api::PaymentStatus;
use swalayan::central::client::Client;
use swalayan::central::server::{self, Config};
use swalayan::kiosk::ui;
use swalayan::store::{OpenPayment, Store};

use crate::kiosk_ui::*;

/// Long enough to see the code and scan a wallet's code, short enough to
/// watch it run out.
const TTL: Duration = Duration::from_secs(8);

/// The customer-presented code of `../shared/samples/qris/cpm.tsv`.
fn wallet_code() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/qris/cpm.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().nth(1).unwrap().split('\t').nth(2).unwrap().to_owned()
}

/// The one payment open on the device (the one on screen).
fn open_payment(data_dir: &Path) -> OpenPayment {
    let open = Store::open(&data_dir.join("device.db")).unwrap().open_payments().unwrap();
    assert_eq!(open.len(), 1, "one payment open at a time: {open:?}");
    open.into_iter().next().unwrap()
}

fn status(app: &ui::AppWindow) -> String {
    find(app, "Payment status")
        .and_then(|e| e.accessible_value())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn qr_shown(app: &ui::AppWindow) -> bool {
    app.global::<ui::PaymentAdapter>().get_qr().size().width > 0
}

#[test]
fn expired_code_gives_way_to_a_new_one_and_a_wallet_code_pays() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let data = tempfile::tempdir().unwrap();
    let central_db = data.path().join("central.db");
    let config = Config { payment_ttl: TTL, db: Some(central_db.clone()), ..Config::default() };
    let central =
        runtime.block_on(server::start(config.clone(), "127.0.0.1:0".parse().unwrap())).unwrap();
    let client = Client::new(&central.url()).unwrap();
    let data_dir = data.path().to_owned();

    let catalog = demo_catalog();
    let indomie = catalog.iter().find(|p| p.name == "Indomie Goreng 85 g").unwrap().clone();
    let (kiosk, app) = show_demo_kiosk(&central.url(), data.path(), Duration::from_secs(60));
    let code = wallet_code();
    let (paid_out, paid_in) = std::sync::mpsc::channel();

    run_in_event_loop(async move {
        until("the kiosk's catalog sync", || product_count(&data_dir) >= catalog.len() as u64)
            .await;
        start_visit_in_english(&app).await;
        type_on_keypad(&app, &indomie.barcode).await;
        until("the Indomie line", || value(&app, "Total") == rupiah(indomie.price)).await;

        // The first code, left to run out.
        press(&app, "Pay");
        until("the first code", || exists(&app, "Simulate payment (demo)")).await;
        assert!(qr_shown(&app));
        let first = open_payment(&data_dir);
        let expired = "The QR code has expired. Nothing was charged.";
        until("the expiry", || status(&app) == expired).await;
        assert!(!qr_shown(&app), "an expired code must not stay scannable");
        assert!(!exists(&app, "Simulate payment (demo)"));
        assert_eq!(value(&app, "Amount to pay"), rupiah(indomie.price));

        // A new code: a new payment under a new key, for the same cart.
        press(&app, "New QR code");
        until("the second code", || exists(&app, "Simulate payment (demo)")).await;
        let second = open_payment(&data_dir);
        assert_ne!(second.key, first.key);
        assert_ne!(second.payment_id, first.payment_id);
        assert!(second.payment_id.is_some());

        // The shopper shows the wallet's own code to the USB scanner
        // instead of scanning the kiosk's.
        scanner_types(&app, &code);
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
        paid_out.send((second.payment_id.unwrap(), value(&app, "Transaction number"))).unwrap();
    });

    // The central recorded the sale paid by the second payment.
    let (payment_id, transaction_id) = paid_in.recv().unwrap();
    let tx = runtime.block_on(client.transaction(&transaction_id)).unwrap();
    assert_eq!(tx.payment_id, payment_id);
    assert_eq!(tx.total.0, indomie.price);
    let paid = runtime.block_on(client.payment(&payment_id)).unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);

    // Another shopper; the central goes down before Pay.
    let app = kiosk.window().clone_strong();
    let teh = demo_catalog().into_iter().find(|p| p.name == "Teh Botol Sosro 450 ml").unwrap();
    let price = teh.price;
    run_in_event_loop(async move {
        press(&app, "Finish");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
        start_visit_in_english(&app).await;
        type_on_keypad(&app, &teh.barcode).await;
        until("the Teh Botol line", || value(&app, "Total") == rupiah(teh.price)).await;
    });
    let addr = central.addr;
    runtime.block_on(central.stop());

    // Pay: no answer, so the kiosk keeps asking, with the attempt's key.
    let (app, data_dir) = (kiosk.window().clone_strong(), data.path().to_owned());
    let (key_out, key_in) = std::sync::mpsc::channel();
    run_in_event_loop(async move {
        press(&app, "Pay");
        let connecting = "The central server is not answering. Trying again…";
        until("the connecting state", || status(&app) == connecting).await;
        assert!(!qr_shown(&app));
        assert!(exists(&app, "Cancel payment"), "the shopper can give up");
        let open = open_payment(&data_dir);
        assert_eq!(open.payment_id, None, "no payment known yet");
        key_out.send(open.key).unwrap();
    });
    let key = key_in.recv().unwrap();

    // The central is back on the same address: the retry gets the one
    // payment of the attempt, and the code goes up.
    let central = runtime.block_on(server::start(config, addr)).unwrap();
    let (app, data_dir) = (kiosk.window().clone_strong(), data.path().to_owned());
    let (id_out, id_in) = std::sync::mpsc::channel();
    run_in_event_loop(async move {
        until("the code after the retry", || exists(&app, "Simulate payment (demo)")).await;
        assert!(qr_shown(&app));
        let open = open_payment(&data_dir);
        assert_eq!(open.key, key, "the retry used the attempt's key");
        press(&app, "Simulate payment (demo)");
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
        id_out.send(open.payment_id.unwrap()).unwrap();
    });
    let payment_id = id_in.recv().unwrap();

    // Three attempts, three payments: the retries made no second one.
    let db = rusqlite::Connection::open(&central_db).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM payment"), 3);
    let paid = runtime.block_on(Client::new(&central.url()).unwrap().payment(&payment_id)).unwrap();
    assert_eq!((paid.status, paid.amount.0), (PaymentStatus::Paid, price));
    drop(kiosk);
    runtime.block_on(central.stop());
}
