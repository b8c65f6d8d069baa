//! Paying for an order at the locker, through the real screens: a real
//! central on port 0, a simulated Kerong bank on a pseudo-terminal.
//!
//! 1. An unpaid order of one Popok and two Sabun is typed by its code; the
//!    QRIS screen asks Rp 63.500 (Popok Rp 50.000, Sabun Rp 7.500 less
//!    10 % = Rp 6.750, twice: Rp 13.500); the gateway simulator pays; the
//!    door opens once; it is left open, so staff are alerted on the
//!    central, once; the order is taken and the central holds one payment
//!    and the order collected.
//! 2. The kiosk stops with the door of a second order open; the order is
//!    taken and the door closed while no kiosk runs; the kiosk started
//!    again confirms the pickup once, without opening the door again.
//! 3. With the central stopped, a third order, unpaid, cannot be paid: the
//!    screen says so plainly and the code stays valid.
//!
//! One story in one test: the testing backend is set up once per process.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use common::click::{self, PISANG, POPOK, SABUN, order, placed_and_loaded};
use slint::ComponentHandle;
use swalayan::central::api::{OrderView, PaidElsewhere, PaymentStatus};
use swalayan::domain::Rupiah;
use swalayan::domain::order::OrderState;
use swalayan::kiosk::{KioskOptions, PickupOptions, ui};
use swalayan::locker::poll::DoorLimits;
use swalayan::locker::sim::{SimBank, SimConfig};
use swalayan::locker::{BankConfig, Family};
use swalayan::store::{PICKUP_STORE, Store};

use crate::common;
use crate::kiosk_ui::*;

const PAID_HERE: u16 = 3;
const KILLED: u16 = 5;
const OFFLINE: u16 = 7;

fn manifest_synced(data_dir: &Path) -> bool {
    Store::open(&data_dir.join("device.db"))
        .and_then(|s| s.setting(PICKUP_STORE))
        .is_ok_and(|store| store.as_deref() == Some("KMG"))
}

fn kiosk_options(central: &str, data_dir: &Path, sim: &SimBank) -> KioskOptions {
    let mut pickup =
        PickupOptions::new(BankConfig::new(sim.path(), Family::Kerong, 1).unwrap(), "KMG");
    // Left open after 2 s, so the alert comes within the story.
    pickup.door =
        DoorLimits { open_within: Duration::from_secs(30), close_within: Duration::from_secs(2) };
    KioskOptions {
        central: Some(central.to_owned()),
        data_dir: Some(data_dir.to_owned()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: Duration::from_secs(120),
        pickup: Some(pickup),
    }
}

/// The payments the central holds for `order`, read from its database:
/// id, status and amount.
fn payments_of(central_db: &Path, order: &str) -> Vec<(String, String, i64)> {
    let conn = rusqlite::Connection::open(central_db).unwrap();
    let mut stmt =
        conn.prepare("SELECT id, status, amount FROM payment WHERE order_id = ?1").unwrap();
    stmt.query_map([order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn steps(view: &OrderView, step: &str) -> usize {
    view.history.iter().filter(|e| e.step == step).count()
}

async fn type_code(app: &ui::AppWindow, code: &str) {
    press(app, "English");
    press(app, "Collect an order");
    until("the pickup screen", || screen(app) == ui::Screen::Pickup).await;
    // The code, then the phone's last four digits (0812-0000-0001).
    for d in format!("{code}0001").chars() {
        press(app, &d.to_string());
    }
    until("the typed digits", || value(app, "Last 4 digits of your phone") == "0001").await;
    press(app, "Open my compartment");
}

#[test]
fn an_unpaid_order_is_paid_at_the_kiosk_alerts_staff_and_survives_a_restart() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = Rc::new(tokio::runtime::Runtime::new().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = runtime.block_on(click::start(dir.path()));
    let central_db: PathBuf = dir.path().join("central.db");

    // Three orders in three compartments, all loaded before the kiosk
    // starts, so its manifest holds them all.
    let unpaid = runtime.block_on(placed_and_loaded(
        &client,
        &order(&[(POPOK, 1), (SABUN, 2)]),
        u32::from(PAID_HERE),
    ));
    let mut paid = order(&[(PISANG, 1)]);
    paid.paid =
        Some(PaidElsewhere { amount: Rupiah(10_000), reference: "APP-7".into(), payment_id: None });
    let paid = runtime.block_on(placed_and_loaded(&client, &paid, u32::from(KILLED)));
    let offline =
        runtime.block_on(placed_and_loaded(&client, &order(&[(SABUN, 1)]), u32::from(OFFLINE)));
    let code = |v: &OrderView| v.pickup.clone().expect("a loaded order has its codes").code;
    let codes = (code(&unpaid), code(&paid), code(&offline));
    assert!(!unpaid.paid && !offline.paid);

    let sim = Rc::new(SimBank::start(SimConfig::new(Family::Kerong, 1, 16).unwrap()).unwrap());
    for c in [PAID_HERE, KILLED, OFFLINE] {
        sim.put(c);
    }
    let data_dir = dir.path().join("kiosk");
    let url = central.url();
    let (kiosk, app) = show_kiosk(kiosk_options(&url, &data_dir, &sim));

    let (door, rt, c) = (sim.clone(), runtime.clone(), client.clone());
    let (unpaid_id, db) = (unpaid.id.clone(), central_db.clone());
    let dd = data_dir.clone();
    run_in_event_loop(async move {
        until("the pickup manifest", || manifest_synced(&dd)).await;
        type_code(&app, &codes.0).await;

        // The payment screen, for the order's total.
        until("the QRIS code", || value_if_shown(&app, "Time left").is_some()).await;
        assert_eq!(screen(&app), ui::Screen::Payment);
        assert_eq!(value(&app, "Amount to pay"), "Rp 63.500");
        assert!(!value(&app, "Merchant").is_empty());
        assert!(value(&app, "NMID").starts_with("ID"), "{}", value(&app, "NMID"));
        assert_eq!(door.unlocks_received(PAID_HERE), 0, "no door before the payment");

        // The customer's bank pays, through the gateway simulator.
        let made = payments_of(&db, &unpaid_id);
        assert_eq!(made.len(), 1, "{made:?}");
        assert_eq!(made[0].2, 63_500);
        rt.block_on(c.simulate_payment(&made[0].0, PaymentStatus::Paid)).unwrap();

        until("the open door", || exists(&app, "Compartment 3 is open")).await;
        assert_eq!(door.unlocks_received(PAID_HERE), 1);
        // Left open: on screen, and for staff on the central.
        let warning = "The door of compartment 3 is still open. Please close it.";
        until("the left-open warning", || exists(&app, warning)).await;
        let alerted = || rt.block_on(c.order(&unpaid_id)).unwrap();
        until("the alert on the central", || steps(&alerted(), "left_open") == 1).await;
        sleep(Duration::from_secs(1)).await;
        assert_eq!(steps(&alerted(), "left_open"), 1, "one alert for one opening");

        door.take(PAID_HERE);
        door.close_door(PAID_HERE);
        until("the thank-you", || exists(&app, "Thank you!")).await;
        press(&app, "Finish");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;

        // The second order: the kiosk stops while its door is open.
        type_code(&app, &codes.1).await;
        until("the open door", || exists(&app, "Compartment 5 is open")).await;
        app.hide().unwrap();
        drop(kiosk);
    });

    // Taken while no kiosk runs; the abandoned door watch sees it close
    // and stops reading the bank.
    sim.take(KILLED);
    sim.close_door(KILLED);
    let mut frames = sim.frames_received();
    loop {
        std::thread::sleep(Duration::from_millis(1_000));
        let now = sim.frames_received();
        if now == frames {
            break;
        }
        frames = now;
    }
    let before = runtime.block_on(client.order(&paid.id)).unwrap();
    assert_eq!(before.status, OrderState::Loaded, "not confirmed by the stopped kiosk");

    let (kiosk, app) = show_kiosk(kiosk_options(&url, &data_dir, &sim));
    let (door, rt, c) = (sim.clone(), runtime.clone(), client.clone());
    let (paid_id, unpaid_id, db) = (paid.id.clone(), unpaid.id.clone(), central_db.clone());
    run_in_event_loop(async move {
        let view = |id: &str| rt.block_on(c.order(id)).unwrap();
        until("the earlier pickup confirmed", || view(&paid_id).status == OrderState::Collected)
            .await;
        assert_eq!(door.unlocks_received(KILLED), 1, "never opened again");
        let second = view(&paid_id);
        assert_eq!(steps(&second, "collect"), 1, "{:?}", second.history);

        // The first order: one paid payment of its total, and one pay,
        // one collect and one alert in its history.
        let first = view(&unpaid_id);
        assert_eq!((first.status, first.paid), (OrderState::Collected, true));
        let payments = payments_of(&db, &unpaid_id);
        assert_eq!(payments.len(), 1, "{payments:?}");
        assert_eq!((payments[0].1.as_str(), payments[0].2), ("paid", 63_500));
        let by = first.payment.as_ref().expect("paid at the kiosk");
        assert_eq!(by.by, "qris");
        assert_eq!(by.payment_id.as_deref(), Some(payments[0].0.as_str()));
        let counts = (steps(&first, "pay"), steps(&first, "collect"), steps(&first, "left_open"));
        assert_eq!(counts, (1, 1, 1), "{:?}", first.history);

        // The central stops; the third order is unpaid.
        until("the pickup manifest", || manifest_synced(&data_dir)).await;
        rt.block_on(central.stop());
        type_code(&app, &codes.2).await;
        let plainly = "This order is not paid yet, and it cannot be paid while the kiosk has no \
                       connection to the central server. Your code is still valid: please try \
                       again later or ask staff.";
        until("the plain refusal", || exists(&app, plainly)).await;
        assert_eq!(door.unlocks_received(OFFLINE), 0);
        drop(kiosk);
    });

    // Nothing was asked of the central for the third order.
    assert!(payments_of(&central_db, &offline.id).is_empty());
}
