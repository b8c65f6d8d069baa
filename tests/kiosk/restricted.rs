//! Age-restricted goods through the real screens, against a real central
//! with the demo catalog and the demo staff: a cigarette pack is refused
//! with the cashier message, a beer makes Pay open the staff approval
//! panel, a wrong PIN says how many tries are left, the right one (Rina
//! Wulandari's 2468 of assets/staff.csv) approves, the payment starts and
//! the audit log has both attempts.
//!
//! One story in one test: the testing backend is set up once per process.

use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;

use swalayan::kiosk::ui;
use swalayan::store::Store;

use crate::kiosk_ui::*;

const BINTANG: &str = "8991878000075";
const SAMPOERNA: &str = "8991915000075";
const INDOMIE: &str = "8991508000406";

/// Presses the last button labelled `label`: the approval panel's keypad
/// lies over the cart screen's, whose keys have the same digits.
fn press_on_panel(app: &ui::AppWindow, label: &str) {
    let button = ElementHandle::find_by_accessible_label(app, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .last()
        .unwrap_or_else(|| panic!("no button labelled {label:?} among {:?}", labels(app)));
    assert!(button.accessible_enabled() != Some(false), "{label:?} is disabled");
    button.invoke_accessible_default_action();
}

fn staff_synced(data_dir: &std::path::Path) -> bool {
    Store::open(&data_dir.join("device.db")).and_then(|s| s.staff()).is_ok_and(|s| s.len() == 2)
}

#[test]
fn a_beer_is_paid_after_a_staff_pin_and_tobacco_is_refused() {
    if !in_own_process() {
        return;
    }
    let (runtime, central) = start_story();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();
    let catalog = demo_catalog();
    let product = |barcode: &str| catalog.iter().find(|p| p.barcode == barcode).unwrap().clone();
    let (bintang, indomie) = (product(BINTANG), product(INDOMIE));
    assert_eq!((bintang.price, indomie.price), (38_500, 3_500));

    let (kiosk, app) = show_demo_kiosk(&central.url(), data.path(), Duration::from_secs(120));
    let dir = data_dir.clone();

    run_in_event_loop(async move {
        until("the kiosk's catalog and staff sync", || {
            product_count(&dir) >= catalog.len() as u64 && staff_synced(&dir)
        })
        .await;
        start_visit_in_english(&app).await;

        // The cigarette pack is refused and stays out of the cart.
        type_on_keypad(&app, SAMPOERNA).await;
        let refused = "Sampoerna Mild 16 batang: tobacco and e-cigarettes are not sold at \
                       self-service machines. Please buy them at a cashier.";
        until("the tobacco message", || exists(&app, refused)).await;
        assert!(cart_lines(&app).is_empty());

        // A beer and an Indomie; Pay opens the approval panel.
        type_on_keypad(&app, BINTANG).await;
        until("the beer in the cart", || cart_lines(&app).len() == 1).await;
        type_on_keypad(&app, INDOMIE).await;
        until("the Indomie in the cart", || cart_lines(&app).len() == 2).await;
        press(&app, "Pay");
        until("the approval panel", || exists(&app, "Approve with staff PIN")).await;
        assert_eq!(screen(&app), ui::Screen::Scanning, "no payment screen before approval");
        assert!(exists(&app, "1 × Bintang Pilsener 620 ml"), "{:?}", labels(&app));

        // A wrong PIN: shown as dots, then the tries left.
        for d in "1111".chars() {
            press_on_panel(&app, &d.to_string());
        }
        until("four dots", || app.global::<ui::ApprovalAdapter>().get_pin_length() == 4).await;
        press_on_panel(&app, "Approve with staff PIN");
        let wrong = "Wrong staff PIN. 4 more tries before approval is locked.";
        until("the wrong PIN message", || exists(&app, wrong)).await;
        assert_eq!(screen(&app), ui::Screen::Scanning);

        // Rina's PIN approves, and the payment starts at once.
        for d in "2468".chars() {
            press_on_panel(&app, &d.to_string());
        }
        until("four dots again", || app.global::<ui::ApprovalAdapter>().get_pin_length() == 4)
            .await;
        press_on_panel(&app, "Approve with staff PIN");
        until("the QRIS code", || exists(&app, "Simulate payment (demo)")).await;
        assert_eq!(value(&app, "Amount to pay"), rupiah(bintang.price + indomie.price));
        press(&app, "Simulate payment (demo)");
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
    });

    let store = Store::open(&data_dir.join("device.db")).unwrap();
    let log = store.audit_log().unwrap();
    let kinds: Vec<_> = log.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["pin_failed", "approved"]);
    assert_eq!(log[1].staff_id.as_deref(), Some("S001"));
    assert_eq!(log[1].items.len(), 1);
    assert_eq!((log[1].items[0].barcode.as_str(), log[1].items[0].qty), (BINTANG, 1));
    assert!(log[1].visit.as_deref().is_some_and(|v| v.starts_with("pay-")), "{:?}", log[1].visit);
    assert!(store.audit_chain_holds().unwrap());

    drop(kiosk);
    runtime.block_on(central.stop());
}
