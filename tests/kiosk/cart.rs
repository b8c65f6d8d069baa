//! A cart filled on the web shop, finished at the kiosk through the real
//! screens, against a real central with the demo catalog and promotions:
//! the shopper shows the cart's hand-off code to the USB scanner, adds one
//! more item by keypad and pays with the simulated QRIS payment; the
//! central's sale has every line and discount, and the web cart is closed.
//!
//! One story in one test: the testing backend is set up once per process.

use std::time::Duration;

use swalayan::central::api::{
    CartStatus, Channel, NewCart, NewCartLine, NewPayment, PaymentStatus,
};
use swalayan::central::client::{Client, ClientError};

use swalayan::domain::Rupiah;
use swalayan::domain::pricing::Discount;
use swalayan::kiosk::ui;

use crate::kiosk_ui::*;

// The figures, by hand from assets/catalog.csv and assets/promotions.toml
// (both promotions run 2025-2030 or always, so today counts):
//
//   web cart:
//   Kapal Api Special Mix 10 x 24 g (kopi-teh)  2 x Rp 15.500 = Rp 31.000
//   Roma Kelapa 300 g (biskuit)                 1 x Rp 10.500 = Rp 10.500
//   the web cart's total at list prices                         Rp 41.500
//   at the kiosk, by keypad:
//   Ultra Milk Full Cream 250 ml (susu)         1 x Rp  6.500 = Rp  6.500
//   subtotal                                                    Rp 48.000
//   KOPI-TEH-2000, Rp 2.000 off each kopi-teh unit: 2 x 2.000  - Rp 4.000
//   SARAPAN-HEMAT, Roma Kelapa + Ultra Milk for Rp 15.000:
//     10.500 + 6.500 - 15.000                                  - Rp 2.000
//   total (Rp 42.000 after item promotions: no spend threshold,
//   Rp 100.000 or Rp 200.000, is met)                           Rp 42.000
//
// No unit takes two item promotions (Kapal Api only KOPI-TEH-2000, Roma
// and Ultra Milk only the bundle), and item promotions of one priority go
// by id: KOPI-TEH-2000 before SARAPAN-HEMAT. Without Ultra Milk, the web
// cart takes KOPI-TEH-2000 alone (Rp 41.500 meets no threshold).
const KAPAL_API: &str = "8991397000310";
const ROMA: &str = "8991175000136";
const ULTRA_MILK: &str = "8991804000643";
const WEB_TOTAL: i64 = 41_500;
const SUBTOTAL: i64 = 48_000;
const KOPI_TEH_OFF: i64 = 4_000;
const BUNDLE_OFF: i64 = 2_000;
const TOTAL: i64 = 42_000;

fn refusal(e: &ClientError) -> (u16, &str, &str) {
    match e {
        ClientError::Refused { status, code, message, .. } => (status.as_u16(), code, message),
        other => panic!("not a refusal: {other}"),
    }
}

/// The lines as the kiosk shows them: barcode, quantity, line total.
fn line(barcode: &str, qty: i32, total: i64) -> (String, i32, String) {
    (barcode.to_owned(), qty, rupiah(total))
}

#[test]
fn a_web_cart_scanned_at_the_kiosk_is_paid_there_and_closed() {
    if !in_own_process() {
        return;
    }
    let (runtime, central) = start_story();
    let client = Client::new(&central.url()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();

    // The prices and names the figures above were worked out from.
    let catalog = demo_catalog();
    let product = |barcode: &str| catalog.iter().find(|p| p.barcode == barcode).unwrap().clone();
    let (kapal_api, roma, ultra) = (product(KAPAL_API), product(ROMA), product(ULTRA_MILK));
    assert_eq!((kapal_api.price, roma.price, ultra.price), (15_500, 10_500, 6_500));
    assert_eq!(2 * kapal_api.price + roma.price + ultra.price, SUBTOTAL);

    // The shopper's cart on the web shop.
    let web = NewCart {
        lines: vec![
            NewCartLine { barcode: KAPAL_API.into(), qty: 2 },
            NewCartLine { barcode: ROMA.into(), qty: 1 },
        ],
        member: None,
        channel: Channel::Web,
    };
    let cart = runtime.block_on(client.create_cart(&web)).unwrap();
    assert!(cart.code.starts_with("SWC1."), "{}", cart.code);
    assert_eq!(cart.status, CartStatus::Open);
    assert_eq!(cart.total, Rupiah(WEB_TOTAL));
    assert_eq!(cart.promotions, ["KOPI-TEH-2000"]);

    let (kiosk, app) = show_demo_kiosk(&central.url(), data.path(), Duration::from_secs(120));
    let code = cart.code.clone();
    let names = (kapal_api.name.clone(), roma.name.clone());
    let (paid_out, paid_in) = std::sync::mpsc::channel();

    run_in_event_loop(async move {
        // The promotions are stored after the products: the kiosk compares
        // the web cart's promotions with its own when it opens the cart.
        until("the kiosk's catalog sync", || {
            product_count(&data_dir) >= catalog.len() as u64 && promotions_synced(&data_dir)
        })
        .await;
        start_visit_in_english(&app).await;

        // The shopper shows the web cart's code to the USB scanner: its
        // lines come in, nothing changed, so the notice says it is here.
        scanner_types(&app, &code);
        let here = "Your cart is here: 3 items";
        until("the web cart's lines", || exists(&app, here)).await;
        assert_eq!(
            cart_lines(&app),
            [line(KAPAL_API, 2, 2 * kapal_api.price), line(ROMA, 1, roma.price)]
        );
        assert!(exists(&app, &format!("One more {}", names.0)));
        assert!(exists(&app, &format!("One more {}", names.1)));
        let web_priced = rupiah(WEB_TOTAL - KOPI_TEH_OFF);
        until("the web cart priced", || value(&app, "Total") == web_priced).await;

        // One more item by keypad: the bundle with Roma Kelapa comes off.
        type_on_keypad(&app, ULTRA_MILK).await;
        until("the total with Ultra Milk", || value(&app, "Total") == rupiah(TOTAL)).await;
        assert_eq!(
            cart_lines(&app),
            [
                line(KAPAL_API, 2, 2 * kapal_api.price),
                line(ROMA, 1, roma.price),
                line(ULTRA_MILK, 1, ultra.price),
            ]
        );
        assert_eq!(value(&app, "Subtotal"), rupiah(SUBTOTAL));
        let off = |amount: i64| format!("\u{2212}{}", rupiah(amount));
        assert_eq!(value(&app, "Kopi dan teh Rp 2.000 lebih murah"), off(KOPI_TEH_OFF));
        let bundle = "Paket sarapan: Roma Kelapa + Ultra Milk Rp 15.000";
        assert_eq!(value(&app, bundle), off(BUNDLE_OFF));

        // Pay with the demo button.
        press(&app, "Pay");
        until("the QRIS code", || exists(&app, "Simulate payment (demo)")).await;
        assert_eq!(value(&app, "Amount to pay"), rupiah(TOTAL));
        press(&app, "Simulate payment (demo)");
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
        paid_out.send(value(&app, "Transaction number")).unwrap();
    });

    // The sale: every line at its list price, both discounts, the total.
    let transaction_id = paid_in.recv().unwrap();
    let tx = runtime.block_on(client.transaction(&transaction_id)).unwrap();
    let lines: Vec<_> =
        tx.lines.iter().map(|l| (l.barcode.as_str(), l.qty, l.unit_price)).collect();
    assert_eq!(
        lines,
        [
            (KAPAL_API, 2, Rupiah(kapal_api.price)),
            (ROMA, 1, Rupiah(roma.price)),
            (ULTRA_MILK, 1, Rupiah(ultra.price)),
        ]
    );
    assert_eq!(
        tx.discounts,
        [
            Discount { promotion: "KOPI-TEH-2000".into(), amount: Rupiah(KOPI_TEH_OFF) },
            Discount { promotion: "SARAPAN-HEMAT".into(), amount: Rupiah(BUNDLE_OFF) },
        ]
    );
    assert_eq!(tx.total, Rupiah(TOTAL));
    assert_eq!(tx.member, None);
    assert_eq!(tx.central_total, None, "the central priced the cart differently");
    let payment = runtime.block_on(client.payment(&tx.payment_id)).unwrap();
    assert_eq!((payment.status, payment.amount), (PaymentStatus::Paid, Rupiah(TOTAL)));

    // The web cart is closed by this sale: its code opens it no more, and
    // no new payment may name it.
    let e = runtime.block_on(client.open_cart(&cart.code)).unwrap_err();
    let (status, code, message) = refusal(&e);
    assert_eq!((status, code), (409, "cart_closed"));
    assert!(message.contains(&transaction_id), "{message}");
    let again =
        NewPayment { amount: Rupiah(TOTAL), cart: Some(cart.id.clone()), ..Default::default() };
    let e = runtime.block_on(client.create_payment_with(&again, "pay-web-cart-again")).unwrap_err();
    let (status, code, _) = refusal(&e);
    assert_eq!((status, code), (409, "cart_closed"));

    drop(kiosk);
    runtime.block_on(central.stop());
}
