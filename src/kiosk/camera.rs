//! Frames for the scanning screen: decoded off the UI thread into scans, and
//! shown as the live camera picture.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Rgb8Pixel, SharedPixelBuffer};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::worker::Report;
use super::{KioskOptions, ui};
use crate::domain::visit::Event;
use crate::scan::{Debouncer, FolderFrames, Frame, FrameDecoder, FrameSource};

/// A folder plays like a slow camera: a photo that stays is one item held
/// still (one scan), and the debounce window decides when it counts again.
const FOLDER_PACE: Duration = Duration::from_millis(200);
/// The preview needs no more pixels than its box on screen.
const PREVIEW_WIDTH: u32 = 480;

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
/// Frames are decoded only while `scanning` is set (the scanning screen is
/// up); they are shown all the time.
///
/// The thread is a plain one: a frame source blocks until the next frame,
/// and a camera handle may not move between the runtime's threads.
pub(super) fn spawn(
    source: Source,
    scanning: Arc<AtomicBool>,
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
        read_frames(frames, pace, &scanning, &window, &reports);
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
    scanning: &AtomicBool,
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

        let scanning = scanning.load(Ordering::Relaxed);
        for code in reader.read(&frame, scanning, Instant::now()) {
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
    /// The new scans in `frame` at `now`. Off the scanning screen nothing is
    /// decoded and everything is forgotten, so that an item already held up
    /// counts as soon as the visit starts.
    fn read(&mut self, frame: &Frame, scanning: bool, now: Instant) -> Vec<String> {
        if !scanning {
            self.debouncer.clear();
            return vec![];
        }
        self.decoder
            .decode(frame.width, frame.height, &frame.luma)
            .iter()
            .filter_map(|symbol| symbol.catalog_key())
            .filter(|code| self.debouncer.accept(code, now))
            .collect()
    }
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

        assert_eq!(reader.read(&frame, true, t0), vec![expected.clone()]);
        // Held still at 5 frames a second: still the one item.
        for i in 1..10 {
            assert!(reader.read(&frame, true, t0 + FOLDER_PACE * i).is_empty());
        }
        // Off the scanning screen nothing is read, and the item is forgotten.
        assert!(reader.read(&frame, false, t0 + Duration::from_secs(2)).is_empty());
        let back = t0 + Duration::from_millis(2_200);
        assert_eq!(reader.read(&frame, true, back), vec![expected]);
    }
}
