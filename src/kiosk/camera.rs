//! Frames for the scanning screen: decoded off the UI thread into scans, and
//! shown as the live camera picture.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Rgb8Pixel, SharedPixelBuffer};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::worker::Report;
use super::{KioskOptions, ui};
use crate::domain::visit::Event;
use crate::scan::{Debouncer, FolderFrames, Frame, FrameDecoder, FrameSource};

/// How long each photo of a folder stays "in front of the camera": longer
/// than the debounce window, so that each showing is one scan.
const FOLDER_PACE: Duration = Duration::from_secs(2);
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
///
/// The thread is a plain one: a frame source blocks until the next frame,
/// and a camera handle may not move between the runtime's threads.
pub(super) fn spawn(
    source: Source,
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
        read_frames(frames, pace, &window, &reports);
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
    window: &slint::Weak<ui::AppWindow>,
    reports: &mpsc::UnboundedSender<Report>,
) {
    let mut decoder = FrameDecoder::new();
    let mut debouncer = Debouncer::default();
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
                if failures == 1 || failures % 100 == 0 {
                    warn!(error = %e, failures, "frame unreadable");
                }
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };

        for symbol in decoder.decode(frame.width, frame.height, &frame.luma) {
            let Some(code) = symbol.catalog_key() else { continue };
            if debouncer.accept(&code, Instant::now()) {
                let _ = reports.send(Report::Event(Event::Scanned { code }));
            }
        }
        show(window, &frame);

        let spent = started.elapsed();
        if spent < pace {
            std::thread::sleep(pace - spent);
        }
    }
    set_has_camera(window, false);
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
