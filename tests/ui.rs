//! Drives the real kiosk screens through Slint's testing backend, against a
//! real central on a loopback port, pressing buttons by accessible label
//! as a screen reader (or a shopper) would.
//!
//! Slint's testing backend can be set up once per process, so the whole
//! story is one test: a checkout, an idle reset, then the central going
//! away.

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model};
use swalayan::central::server::{self, Config};
use swalayan::kiosk::{Kiosk, KioskOptions, ui};

/// How long the test waits for the kiosk to reach a state.
const PATIENCE: Duration = Duration::from_secs(30);
const IDLE: Duration = Duration::from_secs(4);

/// A product of the demo catalog, read by the test from the CSV itself.
#[derive(Clone, Debug)]
struct Product {
    barcode: String,
    name: String,
    price: i64,
}

fn demo_catalog() -> Vec<Product> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("barcode,name,price"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            // The demo names hold no commas, so a split is enough here.
            let f: Vec<&str> = l.split(',').collect();
            Product { barcode: f[0].into(), name: f[1].into(), price: f[2].parse().unwrap() }
        })
        .collect()
}

/// Rupiah as shoppers read them: `Rp 7.000`.
fn rupiah(amount: i64) -> String {
    let digits = amount.to_string();
    let mut out = String::from("Rp ");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

async fn sleep(d: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    slint::Timer::single_shot(d, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// Lets the event loop run until `cond` holds.
async fn until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        sleep(Duration::from_millis(20)).await;
    }
}

/// Every accessible label on screen, for a failing test to show.
fn labels(app: &ui::AppWindow) -> Vec<String> {
    let all = app.root_element().query_descendants().find_all();
    all.iter().filter_map(|e| e.accessible_label()).map(|l| l.to_string()).collect()
}

fn find(app: &ui::AppWindow, label: &str) -> Option<ElementHandle> {
    ElementHandle::find_by_accessible_label(app, label).next()
}

fn exists(app: &ui::AppWindow, label: &str) -> bool {
    find(app, label).is_some()
}

/// Presses the button labelled `label` (a Text inside it has the same label
/// but is not a button).
fn press(app: &ui::AppWindow, label: &str) {
    let button = ElementHandle::find_by_accessible_label(app, label)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .unwrap_or_else(|| panic!("no button labelled {label:?} among {:?}", labels(app)));
    assert!(button.accessible_enabled() != Some(false), "{label:?} is disabled");
    let size = button.size();
    assert!(
        size.width >= 44.0 && size.height >= 44.0,
        "{label:?} is {}x{}, smaller than a fingertip",
        size.width,
        size.height
    );
    button.invoke_accessible_default_action();
}

/// The value of the element labelled `label`; a caption with the same text
/// has none.
fn value(app: &ui::AppWindow, label: &str) -> String {
    ElementHandle::find_by_accessible_label(app, label)
        .find_map(|e| e.accessible_value())
        .unwrap_or_else(|| panic!("no value labelled {label:?} among {:?}", labels(app)))
        .to_string()
}

fn screen(app: &ui::AppWindow) -> ui::Screen {
    app.global::<ui::AppAdapter>().get_screen()
}

fn product_count(data_dir: &Path) -> u64 {
    swalayan::store::Store::open(&data_dir.join("device.db"))
        .and_then(|s| s.product_count())
        .unwrap_or(0)
}

/// Types `code` on the on-screen keypad and presses Add.
async fn type_on_keypad(app: &ui::AppWindow, code: &str) {
    for digit in code.chars() {
        press(app, &digit.to_string());
    }
    until("the typed code on screen", || value(app, "Typed code") == code).await;
    press(app, "Add typed code");
}

/// Types `code` and Enter as a USB barcode scanner does.
fn scanner_types(app: &ui::AppWindow, code: &str) {
    for c in code.chars() {
        let text: slint::SharedString = c.to_string().into();
        app.window().dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        app.window().dispatch_event(WindowEvent::KeyReleased { text });
    }
    let enter: slint::SharedString = Key::Return.into();
    app.window().dispatch_event(WindowEvent::KeyPressed { text: enter.clone() });
    app.window().dispatch_event(WindowEvent::KeyReleased { text: enter });
}

fn run_in_event_loop(story: impl Future<Output = ()> + 'static) {
    slint::spawn_local(async move {
        story.await;
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}

#[test]
fn shopper_checks_out_by_keypad_and_pays_by_simulated_qris() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    // The kiosk's log, shown when the test fails.
    let _ =
        tracing_subscriber::fmt().with_env_filter("swalayan=debug").with_test_writer().try_init();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let central =
        runtime.block_on(server::start(Config::default(), "127.0.0.1:0".parse().unwrap())).unwrap();
    let url = central.url();
    let data = tempfile::tempdir().unwrap();

    let catalog = demo_catalog();
    let indomie = catalog.iter().find(|p| p.name == "Indomie Goreng 85 g").unwrap().clone();
    let teh = catalog.iter().find(|p| p.name == "Teh Botol Sosro 450 ml").unwrap().clone();
    let unknown = "8990000000000";
    assert!(catalog.iter().all(|p| p.barcode != unknown));

    let kiosk = Kiosk::start(KioskOptions {
        central: Some(url.clone()),
        data_dir: Some(data.path().to_owned()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: IDLE,
    })
    .unwrap();
    let app = kiosk.window().clone_strong();
    app.show().unwrap();
    let data_dir = data.path().to_owned();
    let client = swalayan::central::client::Client::new(&url).unwrap();
    let (tx_id_out, tx_id_in) = std::sync::mpsc::channel();

    let (indomie2, teh2) = (indomie.clone(), teh.clone());
    run_in_event_loop(async move {
        let (indomie, teh) = (indomie2, teh2);
        // Bahasa Indonesia first; the welcome screen does not idle out, so
        // the kiosk's own catalog sync can take its time.
        assert_eq!(screen(&app), ui::Screen::Welcome);
        assert!(exists(&app, "Mulai"), "the welcome screen is not in Indonesian");
        until("the kiosk's catalog sync", || product_count(&data_dir) >= catalog.len() as u64)
            .await;

        press(&app, "English");
        assert!(exists(&app, "Start"));
        press(&app, "Start");
        until("the scanning screen", || screen(&app) == ui::Screen::Scanning).await;
        assert_eq!(value(&app, "Total"), "Rp 0");

        // An unknown code says so and adds nothing.
        type_on_keypad(&app, unknown).await;
        let not_found = format!("Product not found: {unknown}");
        until("the not-found message", || exists(&app, &not_found)).await;

        // Indomie by keypad, then one more with +.
        type_on_keypad(&app, &indomie.barcode).await;
        until("the Indomie line", || exists(&app, &format!("One more {}", indomie.name))).await;
        assert!(!exists(&app, &not_found), "the message outlived the next scan");
        press(&app, &format!("One more {}", indomie.name));
        let two_indomie = rupiah(2 * indomie.price);
        until("two Indomie", || value(&app, "Total") == two_indomie).await;

        // Teh Botol from the USB scanner, then removed again.
        scanner_types(&app, &teh.barcode);
        let with_teh = rupiah(2 * indomie.price + teh.price);
        until("the Teh Botol line", || value(&app, "Total") == with_teh).await;
        press(&app, &format!("Remove {}", teh.name));
        until("Teh Botol removed", || value(&app, "Total") == two_indomie).await;

        // Pay: the QRIS code and the amount, then the demo button.
        press(&app, "Pay");
        until("the QRIS code", || exists(&app, "Simulate payment (demo)")).await;
        assert_eq!(screen(&app), ui::Screen::Payment);
        assert_eq!(value(&app, "Amount to pay"), two_indomie);
        let qr = app.global::<ui::PaymentAdapter>().get_qr().size();
        // One pixel a module: a QRIS payload needs more than version 1's 21
        // modules plus the 8 of the quiet zone.
        assert!(qr.width > 29 && qr.width == qr.height, "QR is {qr:?}");
        let left: i32 = value(&app, "Time left").parse().unwrap();
        assert!((250..=300).contains(&left), "{left} s left of a 300 s payment");

        press(&app, "Simulate payment (demo)");
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
        let transaction_id = value(&app, "Transaction number");
        assert!(!transaction_id.is_empty());
        assert!(app.global::<ui::DoneAdapter>().get_receipt_qr().size().width > 0);
        tx_id_out.send(transaction_id).unwrap();

        // Finish: back to welcome, in Indonesian, with the cart gone.
        press(&app, "Finish");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
        until("Indonesian again", || exists(&app, "Mulai")).await;
        assert_eq!(app.global::<ui::ScanAdapter>().get_lines().row_count(), 0);

        // A visit left alone idles out, and takes its cart with it.
        press(&app, "Mulai");
        until("the scanning screen", || screen(&app) == ui::Screen::Scanning).await;
        press(&app, "English");
        type_on_keypad(&app, &indomie.barcode).await;
        until("the Indomie line", || value(&app, "Total") == rupiah(indomie.price)).await;
        press(&app, "8");
        let idle_from = Instant::now();
        until("the idle reset", || screen(&app) == ui::Screen::Welcome).await;
        let idled = idle_from.elapsed();
        assert!(idled >= IDLE - Duration::from_millis(200), "reset after {idled:?}");
        assert_eq!(app.global::<ui::ScanAdapter>().get_lines().row_count(), 0);
        assert_eq!(app.global::<ui::ScanAdapter>().get_typed(), "");
    });

    // The central recorded exactly what the screens showed.
    let transaction_id = tx_id_in.recv().unwrap();
    let tx = runtime.block_on(client.transaction(&transaction_id)).unwrap();
    assert_eq!(tx.total.0, 2 * indomie.price);
    assert_eq!(tx.lines.len(), 1);
    assert_eq!((tx.lines[0].barcode.as_str(), tx.lines[0].qty), (indomie.barcode.as_str(), 2));

    // With the central gone the kiosk still scans from its cache, and says
    // plainly that payment is unavailable.
    runtime.block_on(central.stop());
    let app = kiosk.window().clone_strong();
    run_in_event_loop(async move {
        press(&app, "Mulai");
        until("the scanning screen", || screen(&app) == ui::Screen::Scanning).await;
        press(&app, "English");
        type_on_keypad(&app, &teh.barcode).await;
        until("the Teh Botol line", || value(&app, "Total") == rupiah(teh.price)).await;
        press(&app, "Bahasa Indonesia");
        press(&app, "Bayar");
        let offline = "Pembayaran tidak tersedia: server pusat tidak terjangkau";
        until("the offline message", || exists(&app, offline)).await;
        assert_eq!(screen(&app), ui::Screen::Scanning);
        assert_eq!(value(&app, "Total"), rupiah(teh.price));
    });
    drop(kiosk);
}
