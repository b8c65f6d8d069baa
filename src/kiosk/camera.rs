//! Frames for the scanning screen: decoded off the UI thread into scans, and
//! shown as the live camera picture. While a payment code is on screen the
//! same camera reads the code a shopper's wallet app shows.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Rgb8Pixel, SharedPixelBuffer};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::worker::Report;
use super::{KioskOptions, ui};
use crate::domain::qris;
use crate::domain::visit::Event;
use crate::scan::{Debouncer, FolderFrames, Format, Frame, FrameDecoder, FrameSource};

/// A folder plays like a slow camera: a photo that stays is one item held
/// still (one scan), and the debounce window decides when it counts again.
const FOLDER_PACE: Duration = Duration::from_millis(200);
/// The preview needs no more pixels than its box on screen.
const PREVIEW_WIDTH: u32 = 480;

/// What the frames are decoded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reading {
    /// Nothing: no screen takes a scan.
    Nothing = 0,
    /// Products for the cart: the catalog keys of the codes.
    Products = 1,
    /// Customer-presented QRIS codes, for the payment on screen.
    CustomerCodes = 2,
    /// Pickup QR codes (`SWP1.`), on the screen that collects an order.
    PickupCodes = 3,
    /// A receipt's or an order's QR, on the screen that takes returns.
    PurchaseCodes = 4,
    /// Order QR codes (the order id, `ORD-...`), on the staff screen that
    /// loads an order.
    OrderCodes = 5,
}

/// The [`Reading`] of the moment, shared by the worker and the frame thread.
#[derive(Debug, Default)]
pub(super) struct ReadingMode(AtomicU8);

impl ReadingMode {
    pub(super) fn set(&self, reading: Reading) {
        self.0.store(reading as u8, Ordering::Relaxed);
    }

    pub(super) fn get(&self) -> Reading {
        match self.0.load(Ordering::Relaxed) {
            1 => Reading::Products,
            2 => Reading::CustomerCodes,
            3 => Reading::PickupCodes,
            4 => Reading::PurchaseCodes,
            5 => Reading::OrderCodes,
            _ => Reading::Nothing,
        }
    }
}

/// Where frames come from.
#[derive(Debug, Default)]
pub(super) enum Source {
    #[default]
    None,
    /// A folder of images, cycled through (demos and tests).
    Folder(PathBuf),
    /// A V4L2 camera by index.
    Camera(u32),
}

impl Source {
    pub(super) fn from_options(opts: &KioskOptions) -> Source {
        match (&opts.frames, opts.camera) {
            (Some(dir), _) => Source::Folder(dir.clone()),
            (None, Some(index)) => Source::Camera(index),
            (None, None) => Source::None,
        }
    }
}

/// Starts reading frames on a thread of their own, if there is a source.
/// Frames are decoded only while `reading` asks for something; they are
/// shown all the time.
///
/// The thread is a plain one: a frame source blocks until the next frame,
/// and a camera handle may not move between the runtime's threads.
pub(super) fn spawn(
    source: Source,
    reading: Arc<ReadingMode>,
    window: slint::Weak<ui::AppWindow>,
    reports: mpsc::UnboundedSender<Report>,
) {
    if matches!(source, Source::None) {
        return;
    }
    let spawned = std::thread::Builder::new().name("kiosk-frames".into()).spawn(move || {
        let (frames, pace): (Box<dyn FrameSource>, Duration) = match open(&source) {
            Ok(opened) => opened,
            Err(e) => {
                warn!(?source, error = %e, "no frames; scanning by keypad and USB scanner only");
                return;
            }
        };
        info!(?source, "reading frames");
        set_has_camera(&window, true);
        read_frames(frames, pace, &reading, &window, &reports);
    });
    if let Err(e) = spawned {
        warn!(error = %e, "cannot start the frame thread");
    }
}

fn open(source: &Source) -> Result<(Box<dyn FrameSource>, Duration), crate::scan::FrameError> {
    match source {
        Source::None => unreachable!("checked by the caller"),
        Source::Folder(dir) => Ok((Box::new(FolderFrames::open(dir)?), FOLDER_PACE)),
        #[cfg(feature = "camera")]
        Source::Camera(index) => Ok((Box::new(crate::scan::Camera::open(*index)?), Duration::ZERO)),
        #[cfg(not(feature = "camera"))]
        Source::Camera(index) => Err(crate::scan::FrameError::NoCamera {
            index: *index,
            reason: "built without the camera feature".into(),
        }),
    }
}

/// Decodes every frame and shows it, until the worker is gone.
fn read_frames(
    mut frames: Box<dyn FrameSource>,
    pace: Duration,
    reading: &ReadingMode,
    window: &slint::Weak<ui::AppWindow>,
    reports: &mpsc::UnboundedSender<Report>,
) {
    let mut reader = Reader::default();
    let mut failures = 0u32;
    while !reports.is_closed() {
        let started = Instant::now();
        let frame = match frames.next_frame() {
            Ok(frame) => {
                failures = 0;
                frame
            }
            Err(e) => {
                failures += 1;
                if failures == 1 || failures.is_multiple_of(100) {
                    warn!(error = %e, failures, "frame unreadable");
                }
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };

        for code in reader.read(&frame, reading.get(), Instant::now()) {
            let _ = reports.send(Report::Event(Event::Scanned { code }));
        }
        show(window, &frame);

        let spent = started.elapsed();
        if spent < pace {
            std::thread::sleep(pace - spent);
        }
    }
    set_has_camera(window, false);
}

/// Turns frames into scans: the catalog keys of the codes in them, each
/// counted once while it stays in view.
#[derive(Debug, Default)]
struct Reader {
    decoder: FrameDecoder,
    debouncer: Debouncer,
}

impl Reader {
    /// The new scans in `frame` at `now`. When nothing is read, nothing is
    /// decoded and everything is forgotten, so that an item already held up
    /// counts as soon as the visit starts.
    fn read(&mut self, frame: &Frame, reading: Reading, now: Instant) -> Vec<String> {
        if reading == Reading::Nothing {
            self.debouncer.clear();
            return vec![];
        }
        self.decoder
            .decode(frame.width, frame.height, &frame.luma)
            .iter()
            .filter_map(|symbol| match reading {
                Reading::Products => symbol.catalog_key().or_else(|| {
                    (symbol.format == Format::Qr && is_visit_code(&symbol.text))
                        .then(|| symbol.text.clone())
                }),
                Reading::PickupCodes => (symbol.format == Format::Qr
                    && symbol.text.starts_with(crate::tokens::Kind::Pickup.prefix()))
                .then(|| symbol.text.clone()),
                Reading::PurchaseCodes => (symbol.format == Format::Qr
                    && crate::domain::returns::PurchaseRef::parse(&symbol.text).is_some())
                .then(|| symbol.text.clone()),
                Reading::OrderCodes => (symbol.format == Format::Qr
                    && crate::domain::visit::order_id_of(&symbol.text).is_some())
                .then(|| symbol.text.clone()),
                _ => (symbol.format == Format::Qr && qris::is_cpm(&symbol.text))
                    .then(|| symbol.text.clone()),
            })
            .filter(|code| self.debouncer.accept(code, now))
            .collect()
    }
}

/// Returns true if and only if a QR code's text is for the cart screen
/// though no product: a member's or a cart's code, or what looks like a
/// voucher (short, letters, digits and dashes). Anything else, such as the
/// web address printed on a package, is not read.
fn is_visit_code(text: &str) -> bool {
    let voucher = (4..=32).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !text.chars().all(|c| c.is_ascii_digit());
    text.starts_with("SWM1.") || text.starts_with("SWC1.") || voucher
}

/// Pushes a small copy of the frame to the preview.
fn show(window: &slint::Weak<ui::AppWindow>, frame: &Frame) {
    let Some(rgb) = &frame.rgb else { return };
    let small;
    let rgb = if rgb.width() > PREVIEW_WIDTH {
        let height = (rgb.height() * PREVIEW_WIDTH / rgb.width()).max(1);
        small = image::imageops::thumbnail(rgb, PREVIEW_WIDTH, height);
        &small
    } else {
        rgb
    };
    let pixels =
        SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(rgb.as_raw(), rgb.width(), rgb.height());
    let _ = window.upgrade_in_event_loop(move |w| {
        w.global::<ui::ScanAdapter>().set_camera_frame(slint::Image::from_rgb8(pixels));
    });
}

fn set_has_camera(window: &slint::Weak<ui::AppWindow>, has: bool) {
    let _ =
        window.upgrade_in_event_loop(move |w| w.global::<ui::ScanAdapter>().set_has_camera(has));
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn a_code_held_in_view_is_one_scan_and_counts_again_after_the_window() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/barcodes/ean13-1");
        let photo = image::open(dir.join("1.png")).unwrap();
        // What a correct reader returns for this photo, per the sample set.
        let expected = std::fs::read_to_string(dir.join("1.txt")).unwrap().trim().to_owned();
        let frame = Frame::from_image(photo);
        let mut reader = Reader::default();
        let t0 = Instant::now();

        assert_eq!(reader.read(&frame, Reading::Products, t0), vec![expected.clone()]);
        // Held still at 5 frames a second: still the one item.
        for i in 1..10 {
            assert!(reader.read(&frame, Reading::Products, t0 + FOLDER_PACE * i).is_empty());
        }
        // Off the scanning screen nothing is read, and the item is forgotten.
        assert!(reader.read(&frame, Reading::Nothing, t0 + Duration::from_secs(2)).is_empty());
        let back = t0 + Duration::from_millis(2_200);
        // A product code is no wallet code.
        assert!(reader.read(&frame, Reading::CustomerCodes, back).is_empty());
        assert_eq!(reader.read(&frame, Reading::Products, back), vec![expected]);
    }

    #[test]
    fn member_cart_and_voucher_codes_are_read_but_web_addresses_are_not() {
        assert!(is_visit_code("SWM1.eyJpZCI6Ik0tMSJ9.c2ln"));
        assert!(is_visit_code("SWC1.eyJjIjoiQy0xIn0.c2ln"));
        assert!(is_visit_code("HEMAT5K"));
        assert!(is_visit_code("PROMO-2025-AB"));
        assert!(!is_visit_code("https://example.com/p/123"));
        assert!(!is_visit_code("12345678"));
        assert!(!is_visit_code("AB1"));
    }
}
