//! Collecting an order through the real screens: an order placed and
//! loaded on a real central, a simulated Kerong bank on a pseudo-terminal.
//! The customer taps "Collect an order", types the pickup code and the
//! last four digits of their phone; compartment 3 unlocks once, the
//! customer takes the order and closes the door, the screen thanks them
//! and the central has the order collected.
//!
//! One story in one test: the testing backend is set up once per process.

use std::time::Duration;

use common::click::{self, SABUN, order, placed_and_loaded};
use swalayan::central::api::PaidElsewhere;
use swalayan::domain::Rupiah;
use swalayan::domain::order::OrderState;
use swalayan::kiosk::{KioskOptions, PickupOptions, ui};
use swalayan::locker::sim::{SimBank, SimConfig};
use swalayan::locker::{BankConfig, Family};
use swalayan::store::{PICKUP_STORE, Store};

use crate::common;
use crate::kiosk_ui::*;

const COMPARTMENT: u16 = 3;

fn manifest_synced(data_dir: &std::path::Path) -> bool {
    Store::open(&data_dir.join("device.db"))
        .and_then(|s| s.setting(PICKUP_STORE))
        .is_ok_and(|store| store.as_deref() == Some("KMG"))
}

#[test]
fn a_customer_types_the_code_takes_the_order_and_the_central_has_it_collected() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = runtime.block_on(click::start(dir.path()));
    // Sabun at 10 % off, Rp 6.750, paid in the app.
    let mut one = order(&[(SABUN, 1)]);
    one.paid =
        Some(PaidElsewhere { amount: Rupiah(6_750), reference: "APP-1".into(), payment_id: None });
    let view = runtime.block_on(placed_and_loaded(&client, &one, u32::from(COMPARTMENT)));
    let code = view.pickup.clone().expect("a loaded order has its codes").code;
    assert_eq!(code.len(), 6);

    // One Kerong board of 16; staff put the order into compartment 3.
    let sim = SimBank::start(SimConfig::new(Family::Kerong, 1, 16).unwrap()).unwrap();
    sim.put(COMPARTMENT);
    let data_dir = dir.path().join("kiosk");
    let (kiosk, app) = show_kiosk(KioskOptions {
        central: Some(central.url()),
        data_dir: Some(data_dir.clone()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: Duration::from_secs(120),
        pickup: Some(PickupOptions::new(
            BankConfig::new(sim.path(), Family::Kerong, 1).unwrap(),
            "KMG",
        )),
    });
    let sim = std::rc::Rc::new(sim);
    let door = sim.clone();

    run_in_event_loop(async move {
        until("the pickup manifest", || manifest_synced(&data_dir)).await;
        press(&app, "English");
        press(&app, "Collect an order");
        until("the pickup screen", || screen(&app) == ui::Screen::Pickup).await;

        // The code, then the phone's last four digits (0812-0000-0001).
        for d in format!("{code}0001").chars() {
            press(&app, &d.to_string());
        }
        until("the typed digits", || value(&app, "Last 4 digits of your phone") == "0001").await;
        assert_eq!(value(&app, "Pickup code"), code);
        press(&app, "Open my compartment");

        until("the open door", || exists(&app, "Compartment 3 is open")).await;
        assert_eq!(door.unlocks_received(COMPARTMENT), 1);
        assert_eq!(door.unlocks_received(COMPARTMENT - 1), 0);

        // The customer takes the order and closes the door.
        door.take(COMPARTMENT);
        door.close_door(COMPARTMENT);
        until("the thank-you", || exists(&app, "Thank you!")).await;
        press(&app, "Finish");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
    });
    assert_eq!(sim.unlocks_received(COMPARTMENT), 1, "one unlock for the whole pickup");

    let now = runtime.block_on(client.order(&view.id)).unwrap();
    assert_eq!(now.status, OrderState::Collected);
    let collects: Vec<_> = now.history.iter().filter(|e| e.step == "collect").collect();
    assert_eq!(collects.len(), 1, "{:?}", now.history);
    assert_eq!(collects[0].status, OrderState::Collected);
    assert!(collects[0].device.is_some(), "the kiosk reported it");

    drop(kiosk);
    runtime.block_on(central.stop());
}
