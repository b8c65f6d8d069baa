//! Helpers for driving the real kiosk screens through Slint's testing
//! backend: find and press elements by accessible label, type as a USB
//! scanner does, wait for a state while the event loop runs.

#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model};
use swalayan::kiosk::{Kiosk, KioskOptions, ui};

/// Set in a story's own process, to the story's name.
const STORY: &str = "SWALAYAN_TEST_STORY";

/// Slint's testing backend can be set up only once a process, so each
/// story runs in a process of its own. Called first in a story: in the
/// test binary's own run it runs the binary again for this one test,
/// waits for it (one story at a time, so that no story's timeouts are
/// measured while another's kiosk takes the machine), fails with the
/// story's output if the story failed, and returns `false`; in the story's
/// process it returns `true` and the story goes on.
pub fn in_own_process() -> bool {
    if std::env::var_os(STORY).is_some() {
        return true;
    }
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|failed| failed.into_inner());
    let name = std::thread::current().name().expect("libtest names a test's thread").to_owned();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name.as_str(), "--exact", "--test-threads=1", "--nocapture"])
        .env(STORY, &name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name} failed ({}):\n{stdout}\n{stderr}", out.status);
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{name} did not run in its own process:\n{stdout}\n{stderr}"
    );
    print!("{stdout}{stderr}");
    false
}

/// Sets up Slint's testing backend (once a process: see
/// [`in_own_process`]) and the kiosk's log, shown when a test fails.
pub fn set_up_backend() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let _ =
        tracing_subscriber::fmt().with_env_filter("swalayan=debug").with_test_writer().try_init();
}

/// Sets up Slint's testing backend (once a process) and the kiosk's log,
/// shown when a test fails, and starts a demo central on 127.0.0.1 port 0
/// on a runtime of its own. Keep both alive for the story.
pub fn start_story() -> (tokio::runtime::Runtime, swalayan::central::server::Running) {
    use swalayan::central::server::{self, Config};
    set_up_backend();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let central =
        runtime.block_on(server::start(Config::default(), "127.0.0.1:0".parse().unwrap())).unwrap();
    (runtime, central)
}

/// A demo-mode kiosk on `central`, keeping its database in `data_dir`,
/// with no camera, its window shown. Keep the [`Kiosk`] alive for the test.
pub fn show_demo_kiosk(central: &str, data_dir: &Path, idle: Duration) -> (Kiosk, ui::AppWindow) {
    show_kiosk(KioskOptions {
        central: Some(central.to_owned()),
        data_dir: Some(data_dir.to_owned()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: idle,
        pickup: None,
    })
}

/// A kiosk started with `opts`, its window shown.
pub fn show_kiosk(opts: KioskOptions) -> (Kiosk, ui::AppWindow) {
    let kiosk = Kiosk::start(opts).unwrap();
    let app = kiosk.window().clone_strong();
    app.show().unwrap();
    (kiosk, app)
}

/// Switches the welcome screen to English, taps Start and waits for the
/// scanning screen.
pub async fn start_visit_in_english(app: &ui::AppWindow) {
    press(app, "English");
    press(app, "Start");
    until("the scanning screen", || screen(app) == ui::Screen::Scanning).await;
}

/// How long the test waits for the kiosk to reach a state.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A product of the demo catalog, read by the test from the CSV itself.
#[derive(Clone, Debug)]
pub struct Product {
    pub barcode: String,
    pub name: String,
    pub price: i64,
}

pub fn demo_catalog() -> Vec<Product> {
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
pub fn rupiah(amount: i64) -> String {
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

pub async fn sleep(d: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    slint::Timer::single_shot(d, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// Lets the event loop run until `cond` holds.
pub async fn until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        sleep(Duration::from_millis(20)).await;
    }
}

/// Every accessible label on screen, for a failing test to show.
pub fn labels(app: &ui::AppWindow) -> Vec<String> {
    let all = app.root_element().query_descendants().find_all();
    all.iter().filter_map(|e| e.accessible_label()).map(|l| l.to_string()).collect()
}

pub fn find(app: &ui::AppWindow, label: &str) -> Option<ElementHandle> {
    ElementHandle::find_by_accessible_label(app, label).next()
}

pub fn exists(app: &ui::AppWindow, label: &str) -> bool {
    find(app, label).is_some()
}

/// Presses the button labelled `label` (a Text inside it has the same label
/// but is not a button).
pub fn press(app: &ui::AppWindow, label: &str) {
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
pub fn value(app: &ui::AppWindow, label: &str) -> String {
    ElementHandle::find_by_accessible_label(app, label)
        .find_map(|e| e.accessible_value())
        .unwrap_or_else(|| panic!("no value labelled {label:?} among {:?}", labels(app)))
        .to_string()
}

/// The value of the element labelled `label`, if one is on screen yet.
pub fn value_if_shown(app: &ui::AppWindow, label: &str) -> Option<String> {
    ElementHandle::find_by_accessible_label(app, label)
        .find_map(|e| e.accessible_value())
        .map(|v| v.to_string())
}

pub fn screen(app: &ui::AppWindow) -> ui::Screen {
    app.global::<ui::AppAdapter>().get_screen()
}

pub fn product_count(data_dir: &Path) -> u64 {
    swalayan::store::Store::open(&data_dir.join("device.db"))
        .and_then(|s| s.product_count())
        .unwrap_or(0)
}

/// Returns true if and only if the kiosk holds the picture `name`, fetched
/// at its catalog sync.
pub fn picture_synced(data_dir: &Path, name: &str) -> bool {
    swalayan::store::Store::open(&data_dir.join("device.db"))
        .and_then(|s| s.picture(name))
        .is_ok_and(|p| p.is_some())
}

/// The width and height of a committed PNG under `assets/images/`, read
/// from its header: the IHDR chunk's first two big-endian words, at bytes
/// 16 to 23 (PNG specification, 11.2.2).
pub fn png_size(name: &str) -> (u32, u32) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/images").join(name);
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[12..16], b"IHDR", "{name} starts with its header");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// Returns true if and only if the kiosk has stored the central's
/// promotions: a catalog sync stores the products first, the promotions
/// last.
pub fn promotions_synced(data_dir: &Path) -> bool {
    swalayan::store::Store::open(&data_dir.join("device.db"))
        .and_then(|s| s.promotions_version())
        .is_ok_and(|v| v.is_some())
}

/// The cart's lines on the scanning screen: barcode, quantity and line
/// total as shown.
pub fn cart_lines(app: &ui::AppWindow) -> Vec<(String, i32, String)> {
    let lines = app.global::<ui::ScanAdapter>().get_lines();
    lines.iter().map(|l| (l.barcode.to_string(), l.qty, l.line_total.to_string())).collect()
}

/// Types `code` on the on-screen keypad and presses Add.
pub async fn type_on_keypad(app: &ui::AppWindow, code: &str) {
    for digit in code.chars() {
        press(app, &digit.to_string());
    }
    until("the typed code on screen", || value(app, "Typed code") == code).await;
    press(app, "Add typed code");
}

/// Switches the keypad to the member's phone number, types `phone` and
/// presses Find.
pub async fn type_phone_on_keypad(app: &ui::AppWindow, phone: &str) {
    press(app, "Member: type your phone number");
    for digit in phone.chars() {
        press(app, &digit.to_string());
    }
    until("the typed phone number", || value(app, "Typed code") == phone).await;
    press(app, "Find member by phone");
}

/// Types `code` and Enter as a USB barcode scanner does.
pub fn scanner_types(app: &ui::AppWindow, code: &str) {
    for c in code.chars() {
        let text: slint::SharedString = c.to_string().into();
        app.window().dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        app.window().dispatch_event(WindowEvent::KeyReleased { text });
    }
    let enter: slint::SharedString = Key::Return.into();
    app.window().dispatch_event(WindowEvent::KeyPressed { text: enter.clone() });
    app.window().dispatch_event(WindowEvent::KeyReleased { text: enter });
}

pub fn run_in_event_loop(story: impl Future<Output = ()> + 'static) {
    slint::spawn_local(async move {
        story.await;
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}
