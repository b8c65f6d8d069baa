//! A member's checkout through the real kiosk screens, against a real
//! central with the demo members: the member types their phone number,
//! scans two products (one of them promoted), pays part of the bill with
//! points and the rest with the simulated QRIS payment; the central's
//! payment, sale and points ledger say what the screens said.
//!
//! One story in one test: the testing backend is set up once per process.

use std::path::Path;
use std::time::Duration;

use swalayan::central::api::PaymentStatus;
use swalayan::central::client::Client;
use swalayan::central::server::{self, Config};
use swalayan::domain::Rupiah;
use swalayan::domain::pricing::Discount;
use swalayan::kiosk::ui;

use crate::kiosk_ui::*;

/// Hendra Gunawan of `assets/members.csv`: platinum, 800 points, no
/// birthday (so the birthday offer never applies, whatever the date).
const MEMBER: &str = "M0006";
const PHONE: &str = "081200000006";

// The figures, by hand from assets/catalog.csv, assets/promotions.toml and
// the loyalty rules (src/domain/loyalty.rs):
//
//   Kapal Api Special Mix 10 x 24 g (kopi-teh)  2 x Rp 15.500 = Rp 31.000
//   Oreo Vanila 133 g (biskuit, no promotion)   1 x Rp  9.500 = Rp  9.500
//   subtotal                                                    Rp 40.500
//   KOPI-TEH-2000, Rp 2.000 off each kopi-teh unit (2025-2030):  - Rp 4.000
//   total (Rp 36.500 after item promotions: neither the Rp 100.000 nor
//   the Rp 200.000 spend threshold is met)                      Rp 36.500
//   points redeemed: min(800 held, 36.500 - 1)                       800
//   to pay by QRIS: 36.500 - 800                                Rp 35.700
//   earned, platinum 3 per full Rp 1.000 paid: 35 x 3                105
//   (before redeeming: 36 x 3 = 108)
//   balance afterwards: 800 - 800 + 105                              105
const SUBTOTAL: i64 = 40_500;
const KOPI_TEH_OFF: i64 = 4_000;
const TOTAL: i64 = 36_500;
const OPENING: u64 = 800;
const REDEEMED: u64 = 800;
const TO_PAY: i64 = 35_700;
const EARNED: u64 = 105;
const EARNED_WITHOUT_POINTS: u64 = 108;
const BALANCE_AFTER: u64 = 105;

#[test]
fn member_by_phone_pays_part_with_points_and_earns_on_the_rest() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let members = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/members.csv");
    let config = Config { members: Some(members), ..Config::default() };
    let central = runtime.block_on(server::start(config, "127.0.0.1:0".parse().unwrap())).unwrap();
    let client = Client::new(&central.url()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();

    // The prices the figures above were worked out from.
    let catalog = demo_catalog();
    let named = |name: &str| catalog.iter().find(|p| p.name == name).unwrap().clone();
    let kapal_api = named("Kapal Api Special Mix 10 x 24 g");
    let oreo = named("Oreo Vanila 133 g");
    assert_eq!((kapal_api.price, oreo.price), (15_500, 9_500));
    assert_eq!(2 * kapal_api.price + oreo.price, SUBTOTAL);

    let (kiosk, app) = show_demo_kiosk(&central.url(), data.path(), Duration::from_secs(120));
    let (ask, during) = (client.clone(), runtime.handle().clone());
    let (paid_out, paid_in) = std::sync::mpsc::channel();

    let (kapal_api2, oreo2) = (kapal_api.clone(), oreo.clone());
    run_in_event_loop(async move {
        let (kapal_api, oreo) = (kapal_api2, oreo2);
        until("the kiosk's catalog sync", || product_count(&data_dir) >= catalog.len() as u64)
            .await;
        start_visit_in_english(&app).await;

        // The member types their phone number; the badge shows them with
        // their points.
        type_phone_on_keypad(&app, PHONE).await;
        until("the member's badge", || {
            value_if_shown(&app, "Member").is_some_and(|name| name == "Hendra Gunawan")
        })
        .await;
        assert_eq!(value(&app, "Points"), OPENING.to_string());
        assert_eq!(value(&app, "Typed code"), "", "the phone number stayed on screen");

        // Two Kapal Api and an Oreo by keypad.
        type_on_keypad(&app, &kapal_api.barcode).await;
        let one_more = format!("One more {}", kapal_api.name);
        until("the Kapal Api line", || exists(&app, &one_more)).await;
        press(&app, &one_more);
        let two = rupiah(2 * kapal_api.price);
        until("two Kapal Api", || value_if_shown(&app, "Subtotal").is_some_and(|s| s == two)).await;
        type_on_keypad(&app, &oreo.barcode).await;

        // The promotion comes off: the kiosk may still be loading the
        // promotions, and prices the cart again when they arrive.
        until("the discounted total", || value(&app, "Total") == rupiah(TOTAL)).await;
        assert_eq!(value(&app, "Subtotal"), rupiah(SUBTOTAL));
        let discount = value(&app, "Kopi dan teh Rp 2.000 lebih murah");
        assert_eq!(discount, format!("\u{2212}{}", rupiah(KOPI_TEH_OFF)));
        let earns = |n: u64| format!("3 items · you earn {n} points");
        assert!(exists(&app, &earns(EARNED_WITHOUT_POINTS)), "{:?}", labels(&app));

        // Points pay part of it.
        press(&app, "Pay with points");
        until("the points on the bill", || value(&app, "Total") == rupiah(TO_PAY)).await;
        assert_eq!(value(&app, "Paid with points"), format!("\u{2212}{}", rupiah(REDEEMED as i64)));
        assert!(exists(&app, &earns(EARNED)), "{:?}", labels(&app));
        let to_pay = value(&app, "Total");

        // The QRIS payment is the rest; the points are held meanwhile.
        press(&app, "Pay");
        until("the QRIS code", || exists(&app, "Simulate payment (demo)")).await;
        assert_eq!(value(&app, "Amount to pay"), to_pay);
        let held = during.spawn(async move { ask.member_account(MEMBER).await }).await;
        let held = held.unwrap().unwrap();
        assert_eq!((held.balance, held.reserved), (OPENING, REDEEMED));

        press(&app, "Simulate payment (demo)");
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
        assert_eq!(value(&app, "Points earned"), EARNED.to_string());
        paid_out.send((value(&app, "Transaction number"), to_pay)).unwrap();
    });

    // The payment was for the amount on screen, and it was paid.
    let (transaction_id, to_pay) = paid_in.recv().unwrap();
    let tx = runtime.block_on(client.transaction(&transaction_id)).unwrap();
    let payment = runtime.block_on(client.payment(&tx.payment_id)).unwrap();
    assert_eq!(payment.status, PaymentStatus::Paid);
    assert_eq!(rupiah(payment.amount.0), to_pay);
    assert_eq!(payment.amount, Rupiah(TO_PAY));

    // The sale: the member, the points, the promotion, the lines at list
    // prices.
    assert_eq!(tx.member.as_deref(), Some(MEMBER));
    assert_eq!(tx.points_redeemed, REDEEMED);
    assert_eq!(tx.points_earned, EARNED);
    assert_eq!(tx.total, Rupiah(TOTAL));
    assert_eq!(
        tx.discounts,
        vec![Discount { promotion: "KOPI-TEH-2000".into(), amount: Rupiah(KOPI_TEH_OFF) }]
    );
    assert!(tx.vouchers.is_empty());
    let lines: Vec<_> =
        tx.lines.iter().map(|l| (l.barcode.as_str(), l.qty, l.unit_price)).collect();
    assert_eq!(
        lines,
        vec![
            (kapal_api.barcode.as_str(), 2, Rupiah(kapal_api.price)),
            (oreo.barcode.as_str(), 1, Rupiah(oreo.price)),
        ]
    );
    assert_eq!(tx.central_total, None, "the central priced the cart differently");

    // The account: opening balance, less what was redeemed, plus what was
    // earned, and nothing held any more.
    let account = runtime.block_on(client.member_account(MEMBER)).unwrap();
    assert_eq!(account.balance, BALANCE_AFTER);
    assert_eq!(account.reserved, 0);
    let ledger: Vec<_> =
        account.ledger.iter().map(|e| (e.kind.as_str(), e.delta, e.sale_id.as_deref())).collect();
    let sale = Some(transaction_id.as_str());
    assert_eq!(
        ledger,
        vec![
            ("opening", OPENING as i64, None),
            ("redeem", -(REDEEMED as i64), sale),
            ("earn", EARNED as i64, sale),
        ]
    );
    drop(kiosk);
    runtime.block_on(central.stop());
}
