//! Drives the real kiosk screens through Slint's testing backend, against a
//! real central on a loopback port, pressing buttons by accessible label
//! as a screen reader (or a shopper) would.
//!
//! Slint's testing backend can be set up once per process, so the whole
//! story is one test: a checkout, an idle reset, then the central going
//! away.

use std::time::{Duration, Instant};

use slint::{ComponentHandle, Model};

use swalayan::kiosk::{Kiosk, KioskOptions, ui};

use crate::kiosk_ui::*;

const IDLE: Duration = Duration::from_secs(4);

#[test]
fn shopper_checks_out_by_keypad_and_pays_by_simulated_qris() {
    if !in_own_process() {
        return;
    }
    let (runtime, central) = start_story();
    let url = central.url();
    let data = tempfile::tempdir().unwrap();

    let catalog = demo_catalog();
    let indomie = catalog.iter().find(|p| p.name == "Indomie Goreng 85 g").unwrap().clone();
    let teh = catalog.iter().find(|p| p.name == "Teh Botol Sosro 450 ml").unwrap().clone();
    // A code with a right check digit (the EAN sum of 899000000000 is 44)
    // that the catalog lacks, and the same code mistyped.
    let unknown = "8990000000006";
    let typo = "8990000000000";
    assert!(catalog.iter().all(|p| p.barcode != unknown));

    let kiosk = Kiosk::start(KioskOptions {
        central: Some(url.clone()),
        data_dir: Some(data.path().to_owned()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: IDLE,
        pickup: None,
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
        type_on_keypad(&app, typo).await;
        let refused = format!(
            "The code {typo} does not read right (a check digit is wrong); nothing was added. Please scan or type it again, or call a staff member."
        );
        until("the wrong-check-digit message", || exists(&app, &refused)).await;

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

        // The member, stock and hand-off calls go to the central: a phone
        // number no demo member has (assets/members.csv) is not found, the
        // item page shows the stock of the central's first store (KMG has
        // 23 Indomie Goreng in assets/stock.csv), and the cart goes to the
        // phone as a code. The cart stays as it was through all three.
        press(&app, "Member: type your phone number");
        for digit in "081200001234".chars() {
            press(&app, &digit.to_string());
        }
        until("the typed phone number", || value(&app, "Typed code") == "081200001234").await;
        press(&app, "Find member by phone");
        let unknown_member = "No member found with this phone number or code";
        until("the unknown-member message", || exists(&app, unknown_member)).await;
        assert_eq!(value(&app, "Typed code"), "", "the phone number stayed on screen");
        press(&app, &format!("Details of {}", indomie.name));
        until("the item page", || {
            exists(&app, "Stock here") && value(&app, "Stock here") == "23 in stock at this store"
        })
        .await;
        press(&app, "Close");
        press(&app, "Continue on phone");
        let made =
            "Scan the code with the store's app: your cart is there, to pay or pick up later.";
        let hand_off = || app.global::<ui::HandOffAdapter>();
        until("the hand-off code", || exists(&app, made) && hand_off().get_qr().size().width > 0)
            .await;
        assert!(!hand_off().get_failed());
        press(&app, "Back to cart");
        until("the cart again", || !exists(&app, made)).await;
        assert_eq!(value(&app, "Total"), two_indomie);

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

    // With the central gone the kiosk still scans from its cache; Pay keeps
    // trying to reach it, and the shopper can give up and find the cart
    // with a plain word that payment is unavailable.
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
        let connecting = "Server pusat tidak menjawab. Mencoba lagi…";
        until("the connecting state", || {
            find(&app, "Status pembayaran")
                .and_then(|e| e.accessible_value())
                .is_some_and(|v| v == connecting)
        })
        .await;
        assert_eq!(screen(&app), ui::Screen::Payment);
        assert_eq!(app.global::<ui::PaymentAdapter>().get_qr().size().width, 0);
        press(&app, "Batalkan pembayaran");
        let offline = "Pembayaran tidak tersedia: server pusat tidak terjangkau";
        until("the offline message", || exists(&app, offline)).await;
        assert_eq!(screen(&app), ui::Screen::Scanning);
        assert_eq!(value(&app, "Total"), rupiah(teh.price));
    });
    drop(kiosk);
}
