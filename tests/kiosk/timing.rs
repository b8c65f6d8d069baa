//! Time, speech and the QRIS screen through Slint's testing backend,
//! against a real central, with the kiosk on a manual clock: the test
//! decides when time passes, so the idle warning, *More time* and the
//! payment countdown are checked to the second, and a recorder stands in
//! for espeak-ng.
//!
//! The screens show what the worker computes from its clock, so Slint's
//! own clock (its timers drive the test's waits) stays the system's.
//! One story in one test: the testing backend is set up once per process.

use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;
use swalayan::central::server::{self, Config, demo_merchant};
use swalayan::domain::speech::{Language, Volume};
use swalayan::kiosk::speech::{Heard, Recorder};
use swalayan::kiosk::{Clock, Kiosk, KioskOptions, ui};

use crate::kiosk_ui::*;

const IDLE: Duration = Duration::from_secs(60);
const TTL: Duration = Duration::from_secs(300);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn status(app: &ui::AppWindow) -> String {
    value_if_shown(app, "Payment status").unwrap_or_default()
}

fn qr_shown(app: &ui::AppWindow) -> bool {
    app.global::<ui::PaymentAdapter>().get_qr().size().width > 0
}

fn warning(app: &ui::AppWindow) -> bool {
    app.global::<ui::IdleAdapter>().get_warning()
}

/// Rupiah as shown, back to a number: `Rp 10.071.500` is 10071500.
fn amount(shown: &str) -> i64 {
    shown.trim_start_matches("Rp ").replace('.', "").parse().unwrap()
}

/// Rupiah as the English voice says them: `3,500 rupiah`.
fn spoken_en(amount: i64) -> String {
    format!("{} rupiah", rupiah(amount).trim_start_matches("Rp ").replace('.', ","))
}

/// The worker ticks once a second: two seconds is a tick for sure.
async fn a_tick() {
    sleep(Duration::from_millis(2_100)).await;
}

#[test]
fn the_kiosk_warns_before_it_times_out_speaks_and_shows_whom_a_code_pays() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = Config { payment_ttl: TTL, ..Config::default() };
    let central = runtime.block_on(server::start(config, "127.0.0.1:0".parse().unwrap())).unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();
    let catalog = demo_catalog();
    let product = |name: &str| catalog.iter().find(|p| p.name == name).unwrap().clone();
    let (indomie, merries, mamypoko) = (
        product("Indomie Goreng 85 g"),
        product("Merries Pants L 26"),
        product("MamyPoko Pants M 34"),
    );

    let options = |dir: &std::path::Path| KioskOptions {
        central: Some(central.url()),
        data_dir: Some(dir.to_owned()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: IDLE,
        pickup: None,
    };
    let clock = Clock::manual();
    let voice = Arc::new(Recorder::new());
    let kiosk = Kiosk::start_with(options(data.path()), clock.clone(), voice.clone()).unwrap();
    let app = kiosk.window().clone_strong();
    app.show().unwrap();

    // A kiosk without espeak-ng still runs, and says speech is unavailable.
    let bare_data = tempfile::tempdir().unwrap();
    let mute = Arc::new(Recorder::unavailable());
    let bare = Kiosk::start_with(options(bare_data.path()), Clock::manual(), mute).unwrap();
    let bare_app = bare.window().clone_strong();
    bare_app.show().unwrap();

    let merchant = demo_merchant();
    run_in_event_loop(async move {
        until("the kiosk's catalog sync", || product_count(&data_dir) >= catalog.len() as u64)
            .await;
        assert!(exists(&bare_app, "Suara tidak tersedia"), "{:?}", labels(&bare_app));
        assert!(!exists(&bare_app, "Panduan suara"));

        // Spoken guidance from the welcome screen, in English, louder.
        press(&app, "English");
        press(&app, "Spoken guidance");
        until("speech on", || app.global::<ui::SpeechAdapter>().get_on()).await;
        let welcome = "Spoken guidance is on. Press Repeat to hear it again, or Stop. \
                       Welcome. Touch the screen to start, or scan an item.";
        assert_eq!(voice.said(), [welcome]);
        press(&app, "Louder");
        until("the louder voice", || value(&app, "Volume") == "125").await;
        assert_eq!(voice.said().last().unwrap(), "Volume 125 percent.");

        // Every screen says what it is, once; Repeat says it again, Stop
        // stops it.
        press(&app, "Start");
        until("the scanning screen", || screen(&app) == ui::Screen::Scanning).await;
        type_on_keypad(&app, &indomie.barcode).await;
        until("the Indomie line", || value(&app, "Total") == rupiah(indomie.price)).await;
        let cart_words = format!(
            "Scan your items with the camera or the scanner, or type the barcode on the keypad. \
             Then press Pay. Total {}.",
            spoken_en(indomie.price)
        );
        until("the cart's words", || voice.said().last() == Some(&cart_words)).await;
        let times = |text: &str| voice.said().iter().filter(|s| *s == text).count();
        let before = times(&cart_words);
        press(&app, "Repeat");
        until("the words again", || times(&cart_words) == before + 1).await;
        press(&app, "Stop speaking");
        until("the stop", || voice.heard().last() == Some(&Heard::Stopped)).await;
        let Heard::Said { language, volume, .. } =
            voice.heard().into_iter().rev().find(|h| matches!(h, Heard::Said { .. })).unwrap()
        else {
            unreachable!()
        };
        assert_eq!((language, volume), (Language::En, Volume::DEFAULT.louder()));

        // 40 s without a touch: the warning, 20 s ahead, seen and heard.
        clock.advance(secs(39));
        a_tick().await;
        assert!(!warning(&app), "warned 21 s ahead of a 60 s timeout");
        clock.advance(secs(1));
        until("the idle warning", || exists(&app, "More time")).await;
        assert_eq!(value(&app, "Visit ends in"), "20");
        let warned = "Are you still there? This visit ends in 20 seconds. Tap More time to go on.";
        until("the spoken warning", || voice.said().last().map(String::as_str) == Some(warned))
            .await;
        clock.advance(secs(15));
        until("5 s left", || value(&app, "Visit ends in") == "5").await;

        // One tap for more time: the whole 60 s again, the cart kept.
        press(&app, "More time");
        until("the warning gone", || !warning(&app)).await;
        clock.advance(secs(39));
        a_tick().await;
        assert!(!warning(&app));
        assert_eq!(screen(&app), ui::Screen::Scanning);
        assert_eq!(value(&app, "Total"), rupiah(indomie.price));

        // The code: the demo merchant's name and NMID, the cart's total,
        // and the central's 300 s.
        let total = value(&app, "Total");
        press(&app, "Pay");
        until("the QRIS code", || qr_shown(&app)).await;
        assert_eq!(value(&app, "Merchant"), merchant.name);
        assert_eq!(value(&app, "NMID"), merchant.nmid);
        assert_eq!(value(&app, "Amount to pay"), total);
        let left: u64 = value(&app, "Time left").parse().unwrap();
        // The central answers in whole seconds, rounded down.
        assert!(left == 300 || left == 299, "{left} s left of a 300 s code");
        let pay_words = format!(
            "Pay {} to {}: scan the QR code on the screen with your bank or e-wallet app.",
            spoken_en(indomie.price),
            merchant.name
        );
        until("the payment's words", || voice.said().last() == Some(&pay_words)).await;

        // Far past the idle timeout while the code is up: no warning, no
        // timeout, and the countdown down by exactly the time gone.
        clock.advance(secs(100));
        until("100 s on", || value(&app, "Time left") == (left - 100).to_string()).await;
        clock.advance(secs(100));
        until("200 s on", || value(&app, "Time left") == (left - 200).to_string()).await;
        a_tick().await;
        assert!(!warning(&app), "an idle warning over a pending payment");
        assert_eq!(screen(&app), ui::Screen::Payment);
        assert!(qr_shown(&app));

        // At zero the code goes; once the central has stayed silent 30 s
        // past it, back to the cart.
        clock.advance(secs(left - 200));
        until("the code gone", || !qr_shown(&app)).await;
        assert_eq!(app.global::<ui::PaymentAdapter>().get_seconds_left(), 0);
        let checking = "The QR code has expired. Checking whether a payment came in…";
        assert_eq!(status(&app), checking);
        assert!(!exists(&app, "Merchant"), "the merchant outlived the code");
        clock.advance(secs(31));
        until("the payment given up", || status(&app).starts_with("The QR code has expired, and"))
            .await;
        press(&app, "Back to cart");
        until("the cart again", || screen(&app) == ui::Screen::Scanning).await;

        // Above Rp 10.000.000: refused, saying why, before any code.
        type_on_keypad(&app, &merries.barcode).await;
        until("the Merries line", || exists(&app, &format!("One more {}", merries.name))).await;
        for _ in 1..99 {
            press(&app, &format!("One more {}", merries.name));
        }
        type_on_keypad(&app, &mamypoko.barcode).await;
        until("the MamyPoko line", || exists(&app, &format!("One more {}", mamypoko.name))).await;
        for _ in 1..10 {
            press(&app, &format!("One more {}", mamypoko.name));
        }
        // 99 Merries at Rp 99.000, 10 MamyPoko at Rp 89.000 and an Indomie
        // are Rp 10.694.500 at list prices; the promotions take little off.
        let list = 99 * merries.price + 10 * mamypoko.price + indomie.price;
        assert_eq!(list, 10_694_500);
        let qty = |barcode: &str| {
            cart_lines(&app).iter().find(|(b, ..)| b == barcode).map_or(0, |(_, q, _)| *q)
        };
        until("the whole cart", || qty(&merries.barcode) == 99 && qty(&mamypoko.barcode) == 10)
            .await;
        let total = amount(&value(&app, "Total"));
        assert!(total > 10_000_000 && total <= list, "total Rp {total}");
        press(&app, "Pay");
        let over = "The total is above Rp 10.000.000, the most one QRIS payment may be.";
        until("the over-limit reason", || status(&app) == over).await;
        assert!(exists(&app, "Please pay part of the items at a cashier, or call a staff member."));
        assert!(!exists(&app, "Payment unavailable: the central server cannot be reached"));
        assert!(!qr_shown(&app));
        until("the reason, spoken", || {
            voice.said().last().is_some_and(|s| s.starts_with("The total is above Rp 10.000.000"))
        })
        .await;

        // The visit times out: speech off, the volume and the language
        // back to their defaults for the next shopper.
        press(&app, "Back to cart");
        until("the cart again", || screen(&app) == ui::Screen::Scanning).await;
        clock.advance(IDLE);
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
        until("speech off", || !app.global::<ui::SpeechAdapter>().get_on()).await;
        assert_eq!(app.global::<ui::SpeechAdapter>().get_volume(), 100);
        until("Indonesian again", || exists(&app, "Mulai")).await;
        assert_eq!(voice.heard().last(), Some(&Heard::Stopped));
        assert!(!warning(&app));
    });
    drop(bare);
    drop(kiosk);
}
