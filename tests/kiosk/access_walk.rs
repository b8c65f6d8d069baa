//! Measures what is on a kiosk screen through Slint's testing backend: every
//! element with an interactive accessible role (its size in px and in mm of
//! the panel, its label, its spacing from the others), every image's label,
//! and the theme's smallest font. Generic: it walks the whole element tree,
//! so a new screen is measured without being named here.
//!
//! Used by `tests/kiosk/access.rs` (which fails on any problem) and
//! `examples/access_report.rs` (which prints the figures).

#![allow(dead_code)]

use std::fmt;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::ComponentHandle;
use swalayan::kiosk::access::{Panel, TARGET_MIN_MM, TARGET_MIN_PX};
use swalayan::kiosk::ui;

/// WCAG 2.5.8: an undersized target needs a 24 px circle of its own.
const SPACING_PX: f32 = 24.0;

/// Roles a shopper acts on. A list item counts when it can be selected.
fn interactive(e: &ElementHandle) -> bool {
    use AccessibleRole as R;
    match e.accessible_role() {
        Some(
            R::Button
            | R::Checkbox
            | R::Combobox
            | R::Slider
            | R::Spinbox
            | R::Tab
            | R::TextInput
            | R::Switch
            | R::RadioButton,
        ) => true,
        Some(R::ListItem) => e.accessible_item_selectable() == Some(true),
        _ => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    fn of(e: &ElementHandle) -> Rect {
        let (p, s) = (e.absolute_position(), e.size());
        Rect { x: p.x, y: p.y, w: s.width, h: s.height }
    }

    fn contains(&self, o: &Rect) -> bool {
        const E: f32 = 0.5;
        o.x >= self.x - E
            && o.y >= self.y - E
            && o.x + o.w <= self.x + self.w + E
            && o.y + o.h <= self.y + self.h + E
    }

    /// Overlap by more than half a pixel each way.
    fn overlaps(&self, o: &Rect) -> bool {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        w > 0.5 && h > 0.5
    }

    fn centre(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Distance from a point to the nearest point of the rectangle.
    fn distance_to(&self, (px, py): (f32, f32)) -> f32 {
        let dx = (self.x - px).max(0.0).max(px - (self.x + self.w));
        let dy = (self.y - py).max(0.0).max(py - (self.y + self.h));
        dx.hypot(dy)
    }

    fn intersection(&self, o: &Rect) -> Option<Rect> {
        let (x, y) = (self.x.max(o.x), self.y.max(o.y));
        let w = (self.x + self.w).min(o.x + o.w) - x;
        let h = (self.y + self.h).min(o.y + o.h) - y;
        (w > 0.5 && h > 0.5).then_some(Rect { x, y, w, h })
    }

    fn undersized(&self) -> bool {
        self.w < SPACING_PX || self.h < SPACING_PX
    }
}

/// One touch target as measured.
#[derive(Clone, Debug)]
pub struct Target {
    pub screen: String,
    pub label: String,
    pub rect: Rect,
    /// The part a finger can reach: the rectangle less what a scrolling
    /// list clips.
    pub shown: Rect,
    pub mm: (f32, f32),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} on {}: {}x{} px, {:.1}x{:.1} mm",
            self.label, self.screen, self.rect.w, self.rect.h, self.mm.0, self.mm.1
        )
    }
}

/// What the walk found over every screen it was shown.
#[derive(Default)]
pub struct Findings {
    pub targets: Vec<Target>,
    pub problems: Vec<String>,
    /// Screens measured, with the mode.
    pub screens: Vec<String>,
    /// The theme's smallest font (px) with large text off and on.
    pub smallest_font: [Option<f32>; 2],
}

impl Findings {
    /// The target with the smallest side, in mm of the panel.
    pub fn smallest_target(&self) -> Option<&Target> {
        self.targets.iter().min_by(|a, b| a.mm.0.min(a.mm.1).total_cmp(&b.mm.0.min(b.mm.1)))
    }

    /// The target with the fewest pixels on a side.
    pub fn smallest_target_px(&self) -> Option<&Target> {
        self.targets.iter().min_by(|a, b| a.rect.w.min(a.rect.h).total_cmp(&b.rect.w.min(b.rect.h)))
    }
}

/// The labels of the header's controls, which every screen must offer.
pub const LANGUAGE_LABELS: [&str; 2] = ["Bahasa Indonesia", "English"];
pub const LARGE_TEXT_LABELS: [&str; 2] = ["Large text", "Teks besar"];

/// A key that tells two handles of one element apart from others.
fn key(e: &ElementHandle) -> (Option<String>, Rect, Option<AccessibleRole>) {
    (e.accessible_label().map(|l| l.to_string()), Rect::of(e), e.accessible_role())
}

/// Measures the screen `app` shows now, as `screen`, on `panel`.
pub fn measure(app: &ui::AppWindow, screen: &str, panel: &Panel, found: &mut Findings) {
    let large = app.global::<ui::AppAdapter>().get_large_text();
    let screen = format!("{screen}{}", if large { " (large text)" } else { "" });
    found.screens.push(screen.clone());
    let window = app.window().size().to_logical(app.window().scale_factor());
    let window = Rect { x: 0.0, y: 0.0, w: window.width, h: window.height };
    let all = app.root_element().query_descendants().find_all();

    // An overlay (anything inheriting Modal) hides what lies under it but
    // its own elements.
    let overlays: Vec<(Rect, Vec<_>)> = all
        .iter()
        .filter(|e| {
            e.type_name().is_some_and(|t| t == "Modal")
                || e.bases().is_some_and(|mut b| b.any(|t| t == "Modal"))
        })
        .map(|m| {
            let own = m.query_descendants().find_all();
            // The part that takes the touches, where the Modal names it.
            let area = own
                .iter()
                .find(|e| e.id().is_some_and(|id| id.ends_with("::blocker")))
                .map_or_else(|| Rect::of(m), Rect::of);
            (area, own.iter().map(key).collect())
        })
        .collect();
    let hidden = |e: &ElementHandle| {
        let (r, k) = (Rect::of(e), key(e));
        overlays.iter().any(|(area, own)| area.contains(&r) && !own.contains(&k))
    };

    // A scrolling list shows only what is inside it.
    let lists: Vec<(Rect, Vec<_>)> = all
        .iter()
        .filter(|e| {
            e.type_name().is_some_and(|t| t == "Flickable")
                || e.bases().is_some_and(|mut b| b.any(|t| t == "Flickable"))
        })
        .map(|l| (Rect::of(l), l.query_descendants().find_all().iter().map(key).collect()))
        .collect();

    let mut here: Vec<Target> = vec![];
    for e in all.iter().filter(|e| interactive(e) && !hidden(e)) {
        let rect = Rect::of(e);
        let k = key(e);
        let mut shown = Some(rect);
        for (area, inside) in &lists {
            if inside.contains(&k) {
                shown = shown.and_then(|s| s.intersection(area));
            }
        }
        // Scrolled out of sight.
        let Some(shown) = shown else { continue };
        let label = e.accessible_label().map(|l| l.to_string()).unwrap_or_default();
        let target = Target {
            screen: screen.clone(),
            label: label.clone(),
            rect,
            shown,
            mm: (panel.mm_x(rect.w), panel.mm_y(rect.h)),
        };
        if label.trim().is_empty() {
            found.problems.push(format!("{target}: no accessible label"));
        }
        if rect.w < TARGET_MIN_PX || rect.h < TARGET_MIN_PX {
            found.problems.push(format!("{target}: under {TARGET_MIN_PX} px"));
        }
        // A hundredth of a millimetre for the float sums.
        if target.mm.0 < TARGET_MIN_MM - 0.01 || target.mm.1 < TARGET_MIN_MM - 0.01 {
            found.problems.push(format!("{target}: under {TARGET_MIN_MM} mm"));
        }
        if !window.contains(&shown) {
            found.problems.push(format!("{target}: outside the {}x{} window", window.w, window.h));
        }
        here.push(target);
    }

    // Spacing (WCAG 2.5.8): targets never overlap; one under 24 px also
    // keeps a 24 px circle round its centre clear of every other target
    // and of their circles.
    for (i, a) in here.iter().enumerate() {
        for b in &here[i + 1..] {
            if a.shown.overlaps(&b.shown) {
                found.problems.push(format!("{a} overlaps {b}"));
            }
            for (small, other) in [(a, b), (b, a)] {
                if !small.rect.undersized() {
                    continue;
                }
                let c = small.shown.centre();
                let too_close = other.shown.distance_to(c) < SPACING_PX / 2.0
                    || (other.rect.undersized() && {
                        let (ox, oy) = other.shown.centre();
                        (c.0 - ox).hypot(c.1 - oy) < SPACING_PX
                    });
                if too_close {
                    found.problems.push(format!("{small} is closer than 24 px spacing to {other}"));
                }
            }
        }
    }

    // Informative images are labelled; decoration has no image role.
    for e in all.iter().filter(|e| e.accessible_role() == Some(AccessibleRole::Image)) {
        if !hidden(e) && e.accessible_label().is_none_or(|l| l.trim().is_empty()) {
            found.problems.push(format!("an image on {screen} has no accessible label"));
        }
    }

    // The language and the text size are one tap away on every screen.
    let offers = |labels: &[&str]| here.iter().any(|t| labels.contains(&t.label.as_str()));
    for label in LANGUAGE_LABELS {
        if !offers(&[label]) {
            found.problems.push(format!("{screen} has no {label:?} language button"));
        }
    }
    if !offers(&LARGE_TEXT_LABELS) {
        found.problems.push(format!("{screen} has no large-text switch"));
    }

    // Every font of the screens is one of the theme's (tests/kiosk/source.rs).
    let theme = app.global::<ui::Theme>();
    let smallest = [
        theme.get_font_small(),
        theme.get_font_body(),
        theme.get_font_large(),
        theme.get_font_title(),
        theme.get_font_hero(),
    ]
    .into_iter()
    .fold(f32::INFINITY, f32::min);
    let slot = &mut found.smallest_font[usize::from(large)];
    *slot = Some(slot.map_or(smallest, |s| s.min(smallest)));
    found.targets.extend(here);
}
