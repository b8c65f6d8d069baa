//! Benchmarks of the scanning hot path.
//!
//! `decode`: one live camera frame, 1280x720 gray, made from a sample photo
//! scaled to the frame's height and padded with mid gray, as the kiosk's
//! camera loop hands it to `FrameDecoder`. The budget is 15 ms median on one
//! core. `FrameDecoder` searches for inverted codes on every other frame, so
//! the time reported is the mean of the two kinds of frame.
//!
//! Run with `cargo bench --bench scan -- decode`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use image::{GrayImage, Luma, imageops};
use swalayan::scan::{FrameDecoder, decode_luma};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;

/// A camera-sized gray frame holding the sample photo `name`.
fn frame(name: &str) -> GrayImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/barcodes").join(name);
    let photo = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let photo = photo.into_luma8();

    let scale = f64::min(
        f64::from(WIDTH) / f64::from(photo.width()),
        f64::from(HEIGHT) / f64::from(photo.height()),
    );
    let (w, h) =
        ((f64::from(photo.width()) * scale) as u32, (f64::from(photo.height()) * scale) as u32);
    let scaled = imageops::resize(&photo, w, h, imageops::FilterType::Triangle);

    let mut frame = GrayImage::from_pixel(WIDTH, HEIGHT, Luma([128]));
    imageops::overlay(&mut frame, &scaled, i64::from((WIDTH - w) / 2), i64::from((HEIGHT - h) / 2));
    frame
}

fn decode_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.sample_size(30).measurement_time(Duration::from_secs(5));

    for (label, name) in [("ean13", "ean13-1/1.png"), ("qr", "qrcode-3/01.png")] {
        let frame = frame(name);
        let mut decoder = FrameDecoder::new();
        assert!(!decoder.decode(WIDTH, HEIGHT, frame.as_raw()).is_empty(), "{name} not read");

        group.bench_function(format!("frame_{label}_1280x720"), |b| {
            b.iter(|| decoder.decode(WIDTH, HEIGHT, black_box(frame.as_raw())))
        });
    }

    // What a frame with nothing to read costs: the decoder tries everything.
    let empty =
        GrayImage::from_fn(WIDTH, HEIGHT, |x, y| Luma([((x / 7 + y / 5 * 3) * 37 % 256) as u8]));
    let mut decoder = FrameDecoder::new();
    group.bench_function("frame_empty_1280x720", |b| {
        b.iter(|| decoder.decode(WIDTH, HEIGHT, black_box(empty.as_raw())))
    });

    // Full effort on the same EAN-13 frame, for comparison.
    let ean13 = frame("ean13-1/1.png");
    group.bench_function("full_effort_ean13_1280x720", |b| {
        b.iter(|| decode_luma(WIDTH, HEIGHT, black_box(ean13.as_raw())))
    });
    group.finish();
}

// One group per hot path; the lead adds the catalog lookup group here and
// lists it beside `decode_frame`.
criterion_group!(benches, decode_frame);
criterion_main!(benches);
