//! Staff at the lockers through the real screens: a real central on port
//! 0, a simulated Kerong bank on a pseudo-terminal. Staff tap *Staff* on
//! the pickup screen, a wrong PIN is refused, the right one signs in; an
//! order typed by its number goes into the first free compartment (the
//! simulator's occupancy says which), and the central has it loaded
//! there; then an expired paid order is taken out and refunded by the
//! policy `full`.
//!
//! One story in one test: the testing backend is set up once per process.

use std::time::Duration;

use common::click::{self, SABUN, order, placed_and_loaded};
use swalayan::central::api::{PaidElsewhere, PaymentStatus, UnloadOutcome};
use swalayan::domain::Rupiah;
use swalayan::domain::order::OrderState;
use swalayan::kiosk::{KioskOptions, PickupOptions, ui};
use swalayan::locker::sim::{SimBank, SimConfig};
use swalayan::locker::{BankConfig, Family};

use crate::common;
use crate::kiosk_ui::*;

/// Compartment 1 holds a forgotten parcel, 2 is kept for returned goods
/// and 5 holds the expired order: the first shut, empty compartment holding
/// no order and kept for nothing else is 3.
const FILLED: u16 = 1;
const RETURNS: u16 = 2;
const EXPIRED_IN: u16 = 5;
const FIRST_FREE: u16 = 3;

#[test]
fn staff_load_an_order_into_the_first_free_compartment_and_unload_an_expired_one() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (central, client) = runtime.block_on(click::start(dir.path()));

    // To load: one Sabun, placed. To unload: one Sabun paid through the
    // central, 7 500 less 10 % = 6 750, past its deadline in 2 s.
    let placed = runtime.block_on(client.place_order(&order(&[(SABUN, 1)]), "to-load")).unwrap();
    let paid = runtime.block_on(async {
        let payment = client.create_payment(Rupiah(6_750), "web-pay").await.unwrap();
        client.simulate_payment(&payment.id, PaymentStatus::Paid).await.unwrap();
        let mut late = order(&[(SABUN, 1)]);
        late.paid = Some(PaidElsewhere {
            amount: Rupiah(6_750),
            reference: "WEB-9".into(),
            payment_id: Some(payment.id.clone()),
        });
        late.deadline = Some((chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339());
        let view = placed_and_loaded(&client, &late, u32::from(EXPIRED_IN)).await;
        (view.id, payment.id)
    });
    let (late_id, payment_id) = paid;
    runtime.block_on(async {
        let patience = tokio::time::Instant::now() + Duration::from_secs(15);
        while client.order(&late_id).await.unwrap().status != OrderState::Expired {
            assert!(tokio::time::Instant::now() < patience, "the order never expired");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });

    let sim = SimBank::start(SimConfig::new(Family::Kerong, 1, 16).unwrap()).unwrap();
    sim.put(FILLED);
    sim.put(EXPIRED_IN);
    let (kiosk, app) = show_kiosk(KioskOptions {
        central: Some(central.url()),
        data_dir: Some(dir.path().join("kiosk")),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: Duration::from_secs(120),
        pickup: Some(PickupOptions {
            returns: vec![RETURNS],
            ..PickupOptions::new(BankConfig::new(sim.path(), Family::Kerong, 1).unwrap(), "KMG")
        }),
    });
    let sim = std::rc::Rc::new(sim);
    let door = sim.clone();
    let digits = placed.id.strip_prefix("ORD-").unwrap().to_owned();
    let late = late_id.clone();

    run_in_event_loop(async move {
        press(&app, "English");
        press(&app, "Collect an order");
        until("the pickup screen", || screen(&app) == ui::Screen::Pickup).await;
        press(&app, "Staff: load or unload the lockers");
        until("the staff screen", || screen(&app) == ui::Screen::Staff).await;

        // A wrong PIN first: refused, one try of five gone.
        for d in "1111".chars() {
            press(&app, &d.to_string());
        }
        until("four dots", || value(&app, "Typed code") == "●●●●").await;
        press(&app, "Sign in with staff PIN");
        let wrong = "Wrong staff PIN. 4 more tries before the PIN is locked.";
        until("the wrong PIN refused", || exists(&app, wrong)).await;
        assert!(!exists(&app, "Load an order"));
        for d in "2468".chars() {
            press(&app, &d.to_string());
        }
        until("four dots", || value(&app, "Typed code") == "●●●●").await;
        press(&app, "Sign in with staff PIN");
        until("the staff menu", || exists(&app, "Hello, Rina Wulandari")).await;

        // The order's number, typed on the keypad.
        press(&app, "Load an order");
        until("the order entry", || exists(&app, "Order number")).await;
        for d in digits.chars() {
            press(&app, &d.to_string());
        }
        let typed = format!("ORD-{digits}");
        until("the typed number", || value(&app, "Order number") == typed).await;
        press(&app, "Load this order");
        until("the open door", || exists(&app, "Compartment 3 is open")).await;
        assert_eq!(door.unlocks_received(FIRST_FREE), 1);
        assert_eq!(door.unlocks_received(FILLED), 0);

        // Staff put the order in and close the door.
        door.put(FIRST_FREE);
        door.close_door(FIRST_FREE);
        until("the order loaded", || exists(&app, "Loaded into compartment 3")).await;
        press(&app, "Back to the staff menu");

        // The expired order, listed with its compartment.
        until("the staff menu", || exists(&app, "Unload expired orders")).await;
        press(&app, "Unload expired orders");
        until("the expired order", || exists(&app, "Take out compartment 5")).await;
        press(&app, "Take out compartment 5");
        until("its open door", || exists(&app, "Compartment 5 is open")).await;
        door.take(EXPIRED_IN);
        door.close_door(EXPIRED_IN);
        let refunded = format!("Compartment 5: {late} taken out, refunded Rp 6.750.");
        until("the refund said", || exists(&app, &refunded)).await;
        until("the list emptied", || exists(&app, "No order is waiting to be taken out.")).await;
        press(&app, "Back to the staff menu");
        until("the staff menu", || exists(&app, "Sign out")).await;
        press(&app, "Sign out");
        until("the welcome screen", || screen(&app) == ui::Screen::Welcome).await;
    });
    assert_eq!(sim.unlocks_received(FIRST_FREE), 1, "one unlock for the loading");
    assert_eq!(sim.unlocks_received(RETURNS), 0, "the returns compartment stays shut");
    assert_eq!(sim.unlocks_received(EXPIRED_IN), 1, "one unlock for the unloading");

    let loaded = runtime.block_on(client.order(&placed.id)).unwrap();
    assert_eq!(loaded.status, OrderState::Loaded);
    assert_eq!(loaded.compartment, Some(u32::from(FIRST_FREE)));
    let load = loaded.history.last().unwrap();
    assert!(load.cause.contains("by staff S001"), "{}", load.cause);

    let unloaded = runtime.block_on(client.order(&late_id)).unwrap();
    let how = unloaded.unloaded.expect("the order was unloaded");
    assert_eq!((how.outcome, how.refunded), (UnloadOutcome::Refunded, Some(Rupiah(6_750))));
    let payment = runtime.block_on(client.payment(&payment_id)).unwrap();
    assert_eq!(payment.status, PaymentStatus::Refunded);
    assert_eq!(payment.refunded, Rupiah(6_750));
    assert_eq!(payment.refunds.len(), 1);

    drop(kiosk);
    runtime.block_on(central.stop());
}
