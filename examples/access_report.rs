//! Prints the kiosk's accessibility figures on a panel: the smallest touch
//! target (px and mm), the lowest contrast of the theme (with its pair),
//! and the smallest text in normal and large text (px and mm).
//!
//! ```sh
//! cargo run --example access_report -- [--panel-mm 286.08x178.8] [--panel-px 1280x800]
//! ```
//!
//! It walks every screen of a visit through Slint's testing backend, as
//! `tests/kiosk/access.rs` does, which fails where these figures fall short.

#[path = "../tests/kiosk/access_walk.rs"]
mod access_walk;

use std::process::ExitCode;

use access_walk::{Findings, measure};
use slint::{ComponentHandle, LogicalSize};
use swalayan::kiosk::access::{self, LARGE_TEXT_MIN_MM, Panel, Size};
use swalayan::kiosk::{fit_to_panel, tour, ui};

fn main() -> ExitCode {
    match report() {
        Ok(ok) => {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("access_report: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The panel of the command line, as `swalayan kiosk` takes it.
fn panel() -> anyhow::Result<Panel> {
    let d = Panel::DEFAULT;
    let (mut mm, mut px) = (Size(d.width_mm, d.height_mm), Size(d.width_px, d.height_px));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--panel-mm" => mm = value()?.parse()?,
            "--panel-px" => px = value()?.parse()?,
            other => anyhow::bail!("unknown argument {other:?} (--panel-mm, --panel-px)"),
        }
    }
    Ok(Panel::new(mm, px)?)
}

/// Prints the figures; true when every one meets its target.
fn report() -> anyhow::Result<bool> {
    let panel = panel()?;
    i_slint_backend_testing::init_no_event_loop();
    let app = ui::AppWindow::new()?;
    app.window().set_size(LogicalSize::new(panel.width_px as f32, panel.height_px as f32));
    app.show()?;
    fit_to_panel(&app, &panel);

    let mut found = Findings::default();
    for large in [false, true] {
        app.global::<ui::AppAdapter>().set_large_text(large);
        tour(&app, &mut |name| {
            measure(&app, name, &panel, &mut found);
            Ok(())
        })?;
    }

    println!("panel: {panel}, {:.4} mm a pixel", panel.mm_x(1.0));
    println!("screens walked: {} ({} touch targets)", found.screens.len(), found.targets.len());
    let smallest = found.smallest_target().ok_or_else(|| anyhow::anyhow!("no targets"))?;
    println!("smallest target: {smallest} (needs 44 px and 9 mm)");

    let pairs = access::measure_pairs(access::THEME_SOURCE).map_err(anyhow::Error::msg)?;
    let lowest = pairs
        .iter()
        .min_by(|a, b| a.ratio.total_cmp(&b.ratio))
        .ok_or_else(|| anyhow::anyhow!("no colour pairs"))?;
    let lowest_text = pairs
        .iter()
        .filter(|m| m.pair.used == access::Use::Text)
        .min_by(|a, b| a.ratio.total_cmp(&b.ratio))
        .ok_or_else(|| anyhow::anyhow!("no text pairs"))?;
    println!("lowest contrast: {lowest}");
    println!("lowest contrast of text: {lowest_text}");

    let [normal, large] = found.smallest_font.map(|f| f.unwrap_or(0.0));
    println!("smallest text, normal: {normal} px = {:.2} mm", panel.mm_y(normal));
    println!(
        "smallest text, large text: {large} px = {:.2} mm (needs {LARGE_TEXT_MIN_MM} mm)",
        panel.mm_y(large)
    );
    for problem in &found.problems {
        println!("problem: {problem}");
    }
    let failing = pairs.iter().filter(|m| !m.passes()).count();
    if failing > 0 {
        println!("{failing} colour pairs below their ratio");
    }
    Ok(found.problems.is_empty() && failing == 0 && panel.mm_y(large) >= LARGE_TEXT_MIN_MM)
}
