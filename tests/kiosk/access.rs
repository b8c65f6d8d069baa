//! Accessibility by measurement, through Slint's testing backend: every
//! screen of a visit (with fixture data, as the screenshots show them) in
//! normal and large text, on the default panel and a smaller one; then a
//! real kiosk, whose large text and language go back to normal when the
//! visit ends. The testing backend is set up once per process, so the
//! window part is one test; the contrast of the theme needs no window.

use std::time::Duration;

use access_walk::{Findings, measure};
use slint::{ComponentHandle, LogicalSize};
use swalayan::kiosk::access::{self, Panel, Size};
use swalayan::kiosk::{Kiosk, KioskOptions, fit_to_panel, tour, ui};

use crate::access_walk;
use crate::kiosk_ui::*;

/// Every screen and panel of [`tour`], each of which must be measured.
const SCREENS: [&str; 33] = [
    "welcome",
    "scanning",
    "scanning-en",
    "payment",
    "payment-offline",
    "payment-expired",
    "payment-connecting",
    "payment-failed",
    "done",
    "member-phone",
    "scanning-member",
    "item-stock",
    "hand-off",
    "cart-changes",
    "produce",
    "pickup",
    "pickup-wrong",
    "pickup-open",
    "pickup-left-open",
    "pickup-collected",
    "pickup-pay",
    "pickup-unpaid-offline",
    "return-scan",
    "return",
    "return-confirm",
    "return-confirm-points",
    "return-open",
    "return-stowed",
    "return-not-stowed",
    "staff-pin",
    "staff-menu",
    "staff-load",
    "staff-unload",
];

/// Walks every screen on `panel`, in each text size of `modes` (large
/// text on or off).
fn walk(app: &ui::AppWindow, panel: &Panel, modes: &[bool]) -> Findings {
    fit_to_panel(app, panel);
    let mut found = Findings::default();
    for &large in modes {
        app.global::<ui::AppAdapter>().set_large_text(large);
        tour(app, &mut |name| {
            measure(app, name, panel, &mut found);
            Ok(())
        })
        .unwrap();
    }
    app.global::<ui::AppAdapter>().set_large_text(false);
    found
}

#[test]
fn every_screen_measures_up_and_a_visit_ends_in_indonesian_normal_text() {
    if !in_own_process() {
        return;
    }
    set_up_backend();

    let app = ui::AppWindow::new().unwrap();
    app.window().set_size(LogicalSize::new(1280.0, 800.0));
    app.show().unwrap();

    // The default panel: 0.2235 mm a pixel, so targets of 44 px are 9.8 mm
    // and large text needs ceil(6.1 / 0.2235) = 28 px.
    let panel = Panel::DEFAULT;
    let found = walk(&app, &panel, &[false, true]);
    assert!(found.problems.is_empty(), "{:#?}", found.problems);
    for screen in SCREENS {
        for mode in ["", " (large text)"] {
            let name = format!("{screen}{mode}");
            assert!(found.screens.contains(&name), "{name} not measured: {:?}", found.screens);
        }
    }
    // Each screen has the header's three controls at least.
    assert!(found.targets.len() >= 3 * found.screens.len(), "{} targets", found.targets.len());
    let smallest = found.smallest_target_px().unwrap();
    assert!(smallest.rect.w.min(smallest.rect.h) >= 48.0, "{smallest}");
    assert_eq!(found.smallest_font, [Some(16.0), Some(28.0)]);
    assert!(panel.mm_y(28.0) >= 6.1);

    // A 10.1-inch 1280x800 panel (216.96 x 135.6 mm, 0.1695 mm a pixel):
    // 9 mm is 53.1 px, so every target grows to 54 px.
    // TODO: its large text (ceil(6.1 / 0.1695) = 36 px) pushes the member's
    // cart past the window's edge; the cart column would need a layout of
    // its own (the bill beside the cart, say) before this panel gets it.
    let small = Panel::new(Size(216.96, 135.6), Size(1280, 800)).unwrap();
    assert_eq!(small.large_font_px(), 36.0);
    let found = walk(&app, &small, &[false]);
    assert!(found.problems.is_empty(), "{:#?}", found.problems);
    let smallest = found.smallest_target_px().unwrap();
    assert!(smallest.rect.w.min(smallest.rect.h) >= 54.0, "{smallest}");
    assert_eq!(found.smallest_font, [Some(16.0), None]);
    fit_to_panel(&app, &panel);
    drop(app);

    // A real kiosk: large text and English for one visit, prices grouped
    // the Indonesian way in English too, and the next visit in Indonesian
    // with normal text.
    let data = tempfile::tempdir().unwrap();
    let kiosk = Kiosk::start(KioskOptions {
        central: None,
        data_dir: Some(data.path().to_owned()),
        camera: None,
        frames: None,
        demo: true,
        idle_timeout: Duration::from_secs(3),
        pickup: None,
    })
    .unwrap();
    let app = kiosk.window().clone_strong();
    app.show().unwrap();
    let data_dir = data.path().to_owned();
    let catalog = demo_catalog();
    let susu = catalog.iter().find(|p| p.barcode == "8991804000841").unwrap().clone();
    assert_eq!(susu.price, 12_500);

    run_in_event_loop(async move {
        let large = || app.global::<ui::AppAdapter>().get_large_text();
        let theme = || app.global::<ui::Theme>();
        assert_eq!(screen(&app), ui::Screen::Welcome);
        assert!(exists(&app, "Mulai"));
        until("the catalog sync", || product_count(&data_dir) >= catalog.len() as u64).await;

        press(&app, "Teks besar");
        until("large text", large).await;
        assert_eq!(theme().get_font_small(), 28.0);
        press(&app, "English");
        assert!(exists(&app, "Start") && exists(&app, "Large text"));
        press(&app, "Start");
        until("the scanning screen", || screen(&app) == ui::Screen::Scanning).await;
        assert!(large(), "large text did not last into the visit");
        type_on_keypad(&app, &susu.barcode).await;
        until("the line", || value_if_shown(&app, "Total").as_deref() == Some("Rp 12.500")).await;
        let lines = cart_lines(&app);
        assert_eq!(lines, vec![(susu.barcode.clone(), 1, "Rp 12.500".to_owned())]);

        // Large text off and on again from the scanning screen's header.
        press(&app, "Large text");
        until("normal text", || !large()).await;
        assert_eq!(theme().get_font_small(), 16.0);
        press(&app, "Large text");
        until("large text", large).await;

        until("the idle reset", || screen(&app) == ui::Screen::Welcome).await;
        until("Indonesian again", || exists(&app, "Mulai")).await;
        assert_eq!(app.global::<ui::AppAdapter>().get_language(), "id");
        until("normal text again", || !large()).await;
        assert_eq!(theme().get_font_small(), 16.0);
    });
    drop(kiosk);
}

#[test]
fn every_text_and_background_pair_of_the_theme_has_enough_contrast() {
    let measured = access::measure_pairs(access::THEME_SOURCE).unwrap();
    let failing: Vec<String> =
        measured.iter().filter(|m| !m.passes()).map(ToString::to_string).collect();
    assert!(failing.is_empty(), "{failing:#?}");

    // Every colour of the theme is in some pair, so none escapes the check.
    let colours = access::theme_colours(access::THEME_SOURCE).unwrap();
    assert!(colours.len() >= 20, "{colours:?}");
    for (name, _) in &colours {
        assert!(
            access::PAIRS.iter().any(|p| p.fg == name.as_str() || p.bg == name.as_str()),
            "theme colour {name} is in no pair of access::PAIRS"
        );
    }
}
