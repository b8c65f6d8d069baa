//! Bringing goods back through the real screens: a kiosk sale paid by
//! QRIS on a real central, a simulated Kerong bank on a pseudo-terminal
//! with compartments 7 and 8 set aside for returns.
//!
//! The customer taps "Return items" and scans the e-receipt's QR; the
//! fruit is shown as final sale, one Popok of the sale comes back, damaged,
//! to the QRIS payment. The central refunds its share of what was paid
//! once; compartment 8 (7 holds goods already) opens, the goods go in, and
//! the return waits for staff. Then the central goes down: a second try
//! is told so plainly and nothing changes.
//!
//! One story in one test: the testing backend is set up once per process.

use std::time::Duration;

use common::click::{self, PISANG, POPOK, SABUN};
use swalayan::central::api::{NewTransaction, PaymentStatus, ReturnStatus, SaleLine};
use swalayan::domain::Rupiah;
use swalayan::domain::pricing::Discount;
use swalayan::kiosk::{KioskOptions, PickupOptions, ui};
use swalayan::locker::sim::{SimBank, SimConfig};
use swalayan::locker::{BankConfig, Family};

use crate::common;
use crate::kiosk_ui::*;

fn line(barcode: &str, name: &str, qty: u32, price: i64) -> SaleLine {
    SaleLine {
        barcode: barcode.into(),
        name: name.into(),
        qty,
        unit_price: Rupiah(price),
        line_total: Rupiah(price * i64::from(qty)),
        measure: None,
    }
}

/// The ids of the returns the central holds, read from its database.
fn returns_in(db: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut q = conn.prepare("SELECT id FROM goods_return").unwrap();
    q.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_sale_comes_back_at_the_kiosk_refunded_to_its_qris_payment_once() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = runtime.block_on(click::start(dir.path()));

    // A kiosk sale: a Popok (50 000), two Sabun (15 000 at list prices,
    // 10 % off: 1 500) and a Pisang (10 000, fruit: final sale). 75 000
    // at list prices, 73 500 paid by QRIS.
    let (payment, sale) = runtime.block_on(async {
        let payment = client.create_payment(Rupiah(73_500), "kiosk-pay").await.unwrap();
        client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
        let sale = NewTransaction {
            idempotency_key: "kiosk-sale".into(),
            device_id: "kiosk-0".into(),
            payment_id: payment.id.clone(),
            lines: vec![
                line(POPOK, "Popok M 34", 1, 50_000),
                line(SABUN, "Sabun Mandi 90 g", 2, 7_500),
                line(PISANG, "Pisang Cavendish 1 kg", 1, 10_000),
            ],
            discounts: vec![Discount { promotion: "SABUN-10".into(), amount: Rupiah(1_500) }],
            total: Rupiah(73_500),
            ..Default::default()
        };
        (payment, client.post_transaction(&sale).await.unwrap())
    });
    let receipt_qr = client.receipt_url(&sale.id);

    // One Kerong board of 16; compartment 7 still holds an earlier return.
    let sim = SimBank::start(SimConfig::new(Family::Kerong, 1, 16).unwrap()).unwrap();
    sim.put(7);
    let (kiosk, app) = show_kiosk(KioskOptions {
        central: Some(central.url()),
        data_dir: Some(dir.path().join("kiosk")),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: Duration::from_secs(120),
        pickup: Some(PickupOptions {
            returns: vec![7, 8],
            ..PickupOptions::new(BankConfig::new(sim.path(), Family::Kerong, 1).unwrap(), "KMG")
        }),
    });
    let sim = std::rc::Rc::new(sim);
    let door = sim.clone();
    let central = std::rc::Rc::new(std::cell::RefCell::new(Some(central)));
    let db = dir.path().join("central.db");
    let (story_central, story_db) = (central.clone(), db.clone());
    let story_runtime = tokio::runtime::Handle::clone(runtime.handle());

    run_in_event_loop(async move {
        press(&app, "English");
        press(&app, "Return items");
        until("the return screen", || screen(&app) == ui::Screen::Returns).await;
        scanner_types(&app, &receipt_qr);
        until("the purchase's lines", || exists(&app, "One more Popok M 34")).await;

        // The fruit cannot come back, by the final-sale rule.
        assert!(exists(&app, "Final sale (buah sayur): cannot be returned"), "{:?}", labels(&app));
        assert!(!exists(&app, "One more Pisang Cavendish 1 kg"));

        // One Popok, damaged, back to the QRIS payment (the only place
        // its refund may go: no member bought it).
        press(&app, "One more Popok M 34");
        until("one Popok picked", || value(&app, "How many Popok M 34 to return") == "1").await;
        // One was bought: no more may come back.
        let more = find(&app, "One more Popok M 34").unwrap();
        assert_eq!(more.accessible_enabled(), Some(false));
        press(&app, "Damaged");
        // 50 000 of the 75 000 list, of the 73 500 paid: 49 000.
        let summary = format!("1 item(s) · refund {}", rupiah(49_000));
        until("the refund worked out", || exists(&app, &summary)).await;
        let ready = || find(&app, "Continue the return").unwrap().accessible_enabled();
        until("a reason and a refund chosen", || ready() == Some(true)).await;
        press(&app, "Continue the return");
        let question =
            format!("Return 1 item(s) and refund {} to your QRIS payment?", rupiah(49_000));
        until("the summary", || exists(&app, &question)).await;
        press(&app, "Confirm the return");

        // Refunded: compartment 8 opens, 7 being full.
        until("the open compartment", || exists(&app, "Compartment 8 is open")).await;
        assert_eq!((door.unlocks_received(8), door.unlocks_received(7)), (1, 0));
        door.put(8);
        door.close_door(8);
        until("the thank-you", || exists(&app, "Thank you!")).await;
        let said = format!("{} was refunded to your QRIS payment.", rupiah(49_000));
        assert!(exists(&app, &said), "{:?}", labels(&app));
        press(&app, "Finish");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
        assert_eq!(returns_in(&story_db).len(), 1);

        // The central goes down: a return is refused plainly, and nothing
        // is refunded or opened.
        let running = story_central.borrow_mut().take().unwrap();
        story_runtime.block_on(running.stop());
        press(&app, "English");
        press(&app, "Return items");
        until("the return screen", || screen(&app) == ui::Screen::Returns).await;
        scanner_types(&app, &receipt_qr);
        let down = "Returns need the store's system, which cannot be reached now. Nothing was \
                    changed. Please try again later or ask staff.";
        until("the plain message", || exists(&app, down)).await;
        press(&app, "Cancel the return");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
    });
    drop(kiosk);
    assert_eq!(sim.unlocks_received(8), 1, "one unlock for the one return");
    assert_eq!(sim.unlocks_received(7), 0);

    // The central, back on its database: one return, refunded once to the
    // sale's payment, its goods in compartment 8, waiting for staff.
    let ids = returns_in(&db);
    assert_eq!(ids.len(), 1, "{ids:?}");
    let (central, client) = runtime.block_on(click::start(dir.path()));
    let r = runtime.block_on(client.goods_return(&ids[0])).unwrap();
    assert_eq!(r.sale.as_deref(), Some(sale.id.as_str()));
    assert_eq!((r.amount.0, r.status), (49_000, ReturnStatus::AwaitingStaff));
    assert_eq!(r.payment_id.as_deref(), Some(payment.id.as_str()));
    assert_eq!((r.compartment, r.stowed.as_deref()), (Some(8), Some("stowed")));
    assert_eq!(r.lines.len(), 1);
    assert_eq!((r.lines[0].barcode.as_str(), r.lines[0].qty), (POPOK, 1));
    let p = runtime.block_on(client.payment(&payment.id)).unwrap();
    assert_eq!((p.status, p.refunded.0, p.refunds.len()), (PaymentStatus::Paid, 49_000, 1));
    assert_eq!(p.refunds[0].reason, "return: rusak / damaged");
    runtime.block_on(central.stop());
}
