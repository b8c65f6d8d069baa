//! No state is shown by colour alone: every control with two states (the
//! language, large text, the keypad's mode tabs, paying with points) is
//! drawn in both, with Slint's software renderer, and the two pictures must
//! differ in shape, not only in hue.
//!
//! A picture's *ink* is the set of pixels that stand out from the colour
//! around the control (a distance in RGB above [`INK`]). A change of colour
//! alone (a green box turned red) leaves the ink where it was; a knob that
//! moves, a box filled instead of outlined, a word that changes, moves it.
//! Two states must differ in at least [`MIN_CHANGE`] of their ink.

use std::rc::Rc;

use i_slint_backend_testing::ElementHandle;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, PlatformError, Rgb8Pixel};
use swalayan::kiosk::{Panel, fit_to_panel, select_language, tour, ui};

use crate::kiosk_ui::in_own_process;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;
/// How far from the surrounding colour a pixel is ink: about a fifth of
/// black to white along one channel, well above anti-aliasing noise.
const INK: f64 = 48.0;
/// The share of the ink of either state that the other lacks.
const MIN_CHANGE: f64 = 0.15;

struct Offscreen {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

type Frame = Vec<Rgb8Pixel>;

/// A control's label, what its states are, and how to put it in each.
type Case<'a> = (&'static str, &'static str, Box<dyn Fn() + 'a>, Box<dyn Fn() + 'a>);

fn render(window: &MinimalSoftwareWindow) -> Frame {
    slint::platform::update_timers_and_animations();
    let mut pixels = vec![Rgb8Pixel::default(); (WIDTH * HEIGHT) as usize];
    window.request_redraw();
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, WIDTH as usize);
    });
    pixels
}

/// A rectangle of the window, in pixels: x, y, width, height.
#[derive(Clone, Copy, Debug)]
struct Rect(u32, u32, u32, u32);

impl Rect {
    fn of(app: &ui::AppWindow, label: &str) -> Rect {
        let e = ElementHandle::find_by_accessible_label(app, label)
            .next()
            .unwrap_or_else(|| panic!("nothing labelled {label:?}"));
        let (p, s) = (e.absolute_position(), e.size());
        Rect(
            p.x.round() as u32,
            p.y.round() as u32,
            s.width.round() as u32,
            s.height.round() as u32,
        )
    }

    fn union(self, o: Rect) -> Rect {
        let (x, y) = (self.0.min(o.0), self.1.min(o.1));
        let right = (self.0 + self.2).max(o.0 + o.2);
        let bottom = (self.1 + self.3).max(o.1 + o.3);
        Rect(x, y, right - x, bottom - y)
    }
}

fn distance(a: Rgb8Pixel, b: Rgb8Pixel) -> f64 {
    let d = |x: u8, y: u8| f64::from(x) - f64::from(y);
    (d(a.r, b.r).powi(2) + d(a.g, b.g).powi(2) + d(a.b, b.b).powi(2)).sqrt()
}

/// The colour around `r`: the most common pixel of the ring 3 px outside it.
fn surround(frame: &Frame, r: Rect) -> Rgb8Pixel {
    let at = |x: u32, y: u32| frame[(y.min(HEIGHT - 1) * WIDTH + x.min(WIDTH - 1)) as usize];
    let (left, top) = (r.0.saturating_sub(3), r.1.saturating_sub(3));
    let (right, bottom) = (r.0 + r.2 + 2, r.1 + r.3 + 2);
    let mut ring = vec![];
    for x in left..=right {
        ring.extend([at(x, top), at(x, bottom)]);
    }
    for y in top..=bottom {
        ring.extend([at(left, y), at(right, y)]);
    }
    let mut counts: Vec<(Rgb8Pixel, usize)> = vec![];
    for p in ring {
        match counts.iter_mut().find(|(q, _)| *q == p) {
            Some((_, n)) => *n += 1,
            None => counts.push((p, 1)),
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).unwrap().0
}

/// The ink of `frame` in `r`, one flag a pixel, row by row.
fn ink(frame: &Frame, r: Rect, around: Rgb8Pixel) -> Vec<bool> {
    let mut mask = vec![];
    for y in r.1..r.1 + r.3 {
        for x in r.0..r.0 + r.2 {
            mask.push(distance(frame[(y * WIDTH + x) as usize], around) > INK);
        }
    }
    mask
}

/// The share of ink that only one of the two masks has.
fn change(a: &[bool], b: &[bool]) -> f64 {
    let either = a.iter().zip(b).filter(|(x, y)| **x || **y).count();
    let one = a.iter().zip(b).filter(|(x, y)| x != y).count();
    one as f64 / either.max(1) as f64
}

/// Draws the control `label` in the state `a` and in the state `b` and
/// returns the share of ink that changed between them.
fn ink_change(
    window: &MinimalSoftwareWindow,
    app: &ui::AppWindow,
    label: &str,
    a: &dyn Fn(),
    b: &dyn Fn(),
) -> f64 {
    a();
    let first = render(window);
    let ra = Rect::of(app, label);
    b();
    let second = render(window);
    let rb = Rect::of(app, label);
    let r = ra.union(rb);
    let around = surround(&first, r);
    change(&ink(&first, r, around), &ink(&second, r, around))
}

#[test]
fn the_measure_tells_a_change_of_colour_from_a_change_of_shape() {
    // A 10x10 box, green then red on white: the same ink.
    let white = Rgb8Pixel { r: 255, g: 255, b: 255 };
    let (green, red) = (Rgb8Pixel { r: 11, g: 122, b: 75 }, Rgb8Pixel { r: 180, g: 30, b: 30 });
    let mut frame_g = vec![white; (WIDTH * HEIGHT) as usize];
    let mut frame_r = frame_g.clone();
    for y in 20..30 {
        for x in 20..30 {
            frame_g[(y * WIDTH + x) as usize] = green;
            frame_r[(y * WIDTH + x) as usize] = red;
        }
    }
    let r = Rect(15, 15, 20, 20);
    assert_eq!(surround(&frame_g, r), white);
    assert_eq!(change(&ink(&frame_g, r, white), &ink(&frame_r, r, white)), 0.0);
    // The same box outlined (its 36 border pixels) instead of filled: 64 of
    // its 100 pixels are ink in one state only.
    let mut frame_o = vec![white; (WIDTH * HEIGHT) as usize];
    for y in 20..30 {
        for x in 20..30 {
            if x == 20 || x == 29 || y == 20 || y == 29 {
                frame_o[(y * WIDTH + x) as usize] = green;
            }
        }
    }
    assert_eq!(change(&ink(&frame_g, r, white), &ink(&frame_o, r, white)), 0.64);
}

#[test]
fn no_state_is_shown_by_colour_alone() {
    if !in_own_process() {
        return;
    }
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Offscreen { window: window.clone() })).unwrap();
    let app = ui::AppWindow::new().unwrap();
    window.set_size(PhysicalSize::new(WIDTH, HEIGHT));
    app.show().unwrap();
    select_language(&app, "en");
    fit_to_panel(&app, &Panel::DEFAULT);

    let mut measured = vec![];
    tour(&app, &mut |stop| {
        // The member's cart has every two-state control of the header,
        // the keypad and the bill.
        if stop != "scanning-member" {
            return Ok(());
        }
        let app = &app;
        // The tour shows some screens in Indonesian; the labels below are English.
        select_language(app, "en");
        let language =
            |l: &'static str| move || app.global::<ui::AppAdapter>().set_language(l.into());
        let large = |on: bool| move || app.global::<ui::AppAdapter>().set_large_text(on);
        let mode = |m: ui::KeypadMode| move || app.global::<ui::ScanAdapter>().set_keypad_mode(m);
        let redeem = |on: bool| move || app.global::<ui::ScanAdapter>().set_redeem(on);
        let cases: [Case; 5] = [
            (
                "English",
                "English chosen or not",
                Box::new(language("en")),
                Box::new(language("id")),
            ),
            ("Large text", "large text on or off", Box::new(large(false)), Box::new(large(true))),
            (
                "Barcode",
                "the Barcode tab chosen or not",
                Box::new(mode(ui::KeypadMode::Barcode)),
                Box::new(mode(ui::KeypadMode::Phone)),
            ),
            (
                "Voucher",
                "the Voucher tab chosen or not",
                Box::new(mode(ui::KeypadMode::Voucher)),
                Box::new(mode(ui::KeypadMode::Barcode)),
            ),
            (
                "Pay with points",
                "points used or not",
                Box::new(redeem(true)),
                Box::new(redeem(false)),
            ),
        ];
        for (label, what, a, b) in cases {
            measured.push((what, ink_change(&window, app, label, &*a, &*b)));
            a();
        }
        Ok(())
    })
    .unwrap();

    assert_eq!(measured.len(), 5, "the member's cart was not on the tour");
    let colour_only: Vec<_> = measured.iter().filter(|(_, c)| *c < MIN_CHANGE).collect();
    assert!(colour_only.is_empty(), "shown by colour alone: {colour_only:?} (all: {measured:?})");
}
