//! Barcode decoding with zxing-cpp, the most accurate open-source reader.
//!
//! Two efforts. For a still image, [`decode_image`], [`decode_file`] and
//! [`decode_luma`] try everything zxing-cpp knows (rotations, inverted codes,
//! downscaling) and, if that reads nothing, the image at twice the size.
//! For live camera frames, [`FrameDecoder`] keeps within a budget of 15 ms a
//! frame, since the next frame comes along in a few tens of milliseconds.

use std::io;
use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use image::{DynamicImage, GenericImageView, ImageBuffer, ImageReader, Luma};
use tracing::warn;
use zxingcpp::{Barcode, BarcodeFormat, BarcodeReader, ImageFormat, ImageView, TextMode};

use super::overlap::{Read, drop_outvoted};
use super::symbol::{Format, Symbol};

/// What zxing-cpp is asked to look for: the six formats of [`Format`].
/// The other QR variants (Micro QR, rMQR) are left out on purpose.
const FORMATS: [BarcodeFormat; 7] = [
    BarcodeFormat::EAN13,
    BarcodeFormat::EAN8,
    BarcodeFormat::UPCA,
    BarcodeFormat::UPCE,
    BarcodeFormat::Code128,
    BarcodeFormat::QRCodeModel1,
    BarcodeFormat::QRCodeModel2,
];

/// Why an image file could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("{}: no such file", path.display())]
    Missing { path: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{}: not an image: {source}", path.display())]
    NotImage { path: PathBuf, source: image::ImageError },
}

/// Reads an image file and decodes every symbol in it, at full effort.
///
/// # Errors
///
/// [`DecodeError`] names the file and says whether it is missing,
/// unreadable, or not an image of a format we read (PNG, JPEG, BMP).
pub fn decode_file(path: &Path) -> Result<Vec<Symbol>, DecodeError> {
    Ok(decode_image(&open_image(path)?))
}

/// Reads an image file, telling a missing file, an unreadable one and one
/// that is not an image apart.
pub(super) fn open_image(path: &Path) -> Result<DynamicImage, DecodeError> {
    let unreadable = |source: io::Error| match source.kind() {
        io::ErrorKind::NotFound => DecodeError::Missing { path: path.to_path_buf() },
        _ => DecodeError::Unreadable { path: path.to_path_buf(), source },
    };
    ImageReader::open(path)
        .and_then(ImageReader::with_guessed_format)
        .map_err(unreadable)?
        .decode()
        .map_err(|source| match source {
            image::ImageError::IoError(e) => unreadable(e),
            source => DecodeError::NotImage { path: path.to_path_buf(), source },
        })
}

/// Decodes every symbol in a still image, at full effort.
///
/// If that reads nothing in an image of up to 2 megapixels, it tries once
/// more at twice the size.
pub fn decode_image(image: &DynamicImage) -> Vec<Symbol> {
    let reader = full_effort();
    let (width, height) = (image.width(), image.height());

    // Hand zxing-cpp the pixels as they are where it knows the layout: its
    // own gray conversion is the one its thresholds were tuned on.
    let symbols = match image {
        DynamicImage::ImageLuma8(i) => read(&reader, i.as_raw(), width, height, ImageFormat::Lum),
        DynamicImage::ImageLumaA8(i) => read(&reader, i.as_raw(), width, height, ImageFormat::LumA),
        DynamicImage::ImageRgb8(i) => read(&reader, i.as_raw(), width, height, ImageFormat::RGB),
        DynamicImage::ImageRgba8(i) => read(&reader, i.as_raw(), width, height, ImageFormat::RGBA),
        other => read(&reader, other.to_rgb8().as_raw(), width, height, ImageFormat::RGB),
    };
    if symbols.is_empty() && fits_upscaling(width, height) {
        return read_upscaled(&reader, &image.to_luma8());
    }
    symbols
}

/// Decodes every symbol in a gray image of `width` x `height` pixels, one
/// byte each, row after row, at full effort, as [`decode_image`] does.
///
/// Returns nothing (and logs a warning) if `luma` is shorter than that.
pub fn decode_luma(width: u32, height: u32, luma: &[u8]) -> Vec<Symbol> {
    let reader = full_effort();
    let symbols = read(&reader, luma, width, height, ImageFormat::Lum);
    if symbols.is_empty() && fits_upscaling(width, height) {
        let len = width as usize * height as usize;
        if let Some(gray) = luma.get(..len).and_then(|l| ImageBuffer::from_raw(width, height, l)) {
            return read_upscaled(&reader, &gray);
        }
    }
    symbols
}

/// The largest still image that is tried again at twice the size when
/// nothing was read: 2 megapixels, so the enlarged copy stays within 8.
const UPSCALE_MAX_PIXELS: u64 = 2_000_000;

fn fits_upscaling(width: u32, height: u32) -> bool {
    u64::from(width) * u64::from(height) <= UPSCALE_MAX_PIXELS
}

/// Reads `gray` enlarged twice.
///
/// Bars under about two pixels wide blur into each other, and zxing-cpp only
/// ever scales down. Twice the size, with a sharpening filter, reads
/// ean13-1/34.png (a book's EAN-13 on a 640x480 photo) that full effort
/// misses; on every other sample photo it reads the same as without.
fn read_upscaled<I>(reader: &BarcodeReader, gray: &I) -> Vec<Symbol>
where
    I: GenericImageView<Pixel = Luma<u8>>,
{
    let (width, height) = (gray.width() * 2, gray.height() * 2);
    let large = imageops::resize(gray, width, height, FilterType::CatmullRom);
    read(reader, large.as_raw(), width, height, ImageFormat::Lum)
}

/// Decodes live camera frames, 1280x720 within 15 ms (median, one core).
///
/// It reads the caller's gray buffer in place, so a frame costs no copy of
/// its pixels, and it never enlarges a frame. It looks for inverted (light on
/// dark) codes only on every other frame: that search adds about a third to
/// the time of a frame, and the code on a phone in dark mode is still read
/// within two frames. On the sample photos padded to 1280x720, either kind of
/// frame reads as many codes as full effort does (see `benches/scan.rs`).
#[derive(Debug, Default)]
pub struct FrameDecoder {
    frames: u64,
}

impl FrameDecoder {
    pub fn new() -> Self {
        FrameDecoder::default()
    }

    /// Decodes a gray frame of `width` x `height` pixels, one byte each, row
    /// after row.
    pub fn decode(&mut self, width: u32, height: u32, luma: &[u8]) -> Vec<Symbol> {
        let try_invert = self.frames % 2 == 1;
        self.frames = self.frames.wrapping_add(1);

        // Building the options costs a small allocation and a few
        // microseconds; keeping them would make the decoder neither `Send`
        // nor `Sync`, since zxing-cpp's handle to them is a raw pointer.
        let reader = zxingcpp::read()
            .formats(FORMATS)
            .try_harder(true)
            .try_rotate(true)
            .try_invert(try_invert)
            .try_downscale(true)
            .text_mode(TextMode::Plain);
        read(&reader, luma, width, height, ImageFormat::Lum)
    }
}

/// The options for still images: every trick zxing-cpp has.
fn full_effort() -> BarcodeReader {
    zxingcpp::read()
        .formats(FORMATS)
        .try_harder(true)
        .try_rotate(true)
        .try_invert(true)
        .try_downscale(true)
        .text_mode(TextMode::Plain)
}

fn read(
    reader: &BarcodeReader,
    pixels: &[u8],
    width: u32,
    height: u32,
    layout: ImageFormat,
) -> Vec<Symbol> {
    let view = match ImageView::from_slice(pixels, width, height, layout) {
        Ok(view) => view,
        Err(e) => {
            warn!(width, height, len = pixels.len(), "image buffer rejected: {e}");
            return Vec::new();
        }
    };
    let barcodes = match reader.from(view) {
        Ok(barcodes) => barcodes,
        Err(e) => {
            warn!("zxing-cpp failed: {e}");
            return Vec::new();
        }
    };
    let reads = barcodes.iter().filter_map(|b| {
        let symbol = to_symbol(b)?;
        let p = b.position();
        let at = [p.top_left, p.top_right, p.bottom_right, p.bottom_left];
        Some(Read { symbol, lines: b.line_count(), at: at.map(|c| [c.x as f32, c.y as f32]) })
    });
    drop_outvoted(reads.collect())
}

/// Converts what zxing-cpp read to a [`Symbol`], or drops it.
///
/// zxing-cpp reports a UPC-A as the EAN-13 with a leading zero that it is
/// bar for bar; we call it UPC-A again and keep the 12 printed digits. It
/// reports a UPC-E as its 13-digit expansion and keeps the 8 digits aside.
/// A product code whose check digit is wrong is dropped: no read is better
/// than charging for the wrong product.
fn to_symbol(barcode: &Barcode) -> Option<Symbol> {
    let text = barcode.text();
    let symbol = match barcode.format() {
        BarcodeFormat::EAN13 | BarcodeFormat::UPCA => match text.strip_prefix('0') {
            Some(upca) if text.len() == 13 => Symbol::new(Format::UpcA, upca),
            _ => Symbol::new(Format::Ean13, text),
        },
        BarcodeFormat::EAN8 => Symbol::new(Format::Ean8, text),
        BarcodeFormat::UPCE => Symbol::new(Format::UpcE, barcode.extra_with_key("UPCE")),
        BarcodeFormat::Code128 => return Some(Symbol::new(Format::Code128, text)),
        // zxing-cpp names the symbology here, not the model it decoded.
        BarcodeFormat::QRCode | BarcodeFormat::QRCodeModel1 | BarcodeFormat::QRCodeModel2 => {
            return Some(Symbol::new(Format::Qr, text));
        }
        _ => return None,
    };
    if symbol.catalog_key().is_none() {
        warn!(format = %symbol.format, "dropped a product code with a bad check digit");
        return None;
    }
    Some(symbol)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/barcodes").join(name)
    }

    /// The text a correct reader returns, from the `.txt` beside the photo.
    fn expected(name: &str) -> String {
        let txt = sample(name).with_extension("txt");
        std::fs::read_to_string(&txt).unwrap().trim().to_owned()
    }

    #[test]
    fn reads_product_codes_in_real_photos() {
        // UPC-A and UPC-E are written in the .txt as 13-digit GTINs, which is
        // what the catalog key is.
        let photos = [
            ("ean13-1/1.png", Format::Ean13, "8413000065504"),
            ("ean8-1/1.png", Format::Ean8, "48512343"),
            ("upca-1/2.png", Format::UpcA, "036602301467"),
            ("upce-1/2.png", Format::UpcE, "00123457"),
        ];
        for (name, format, printed) in photos {
            let symbols = decode_file(&sample(name)).unwrap();
            assert_eq!(symbols, vec![Symbol::new(format, printed)], "{name}");
            assert_eq!(symbols[0].catalog_key(), Some(expected(name)), "{name}");
        }
    }

    #[test]
    fn reads_code128_and_qr_in_real_photos() {
        for (name, format) in [("code128-1/1.png", Format::Code128), ("qrcode-1/1.png", Format::Qr)]
        {
            let symbols = decode_file(&sample(name)).unwrap();
            assert_eq!(symbols, vec![Symbol::new(format, expected(name))], "{name}");
        }
    }

    #[test]
    fn blurred_ean13_misread_is_outvoted() {
        // zxing-cpp also reads 7034759003930 here, on 3 scan lines against 8.
        let symbols = decode_file(&sample("ean13-1/35.png")).unwrap();
        assert_eq!(symbols, vec![Symbol::new(Format::Ean13, expected("ean13-1/35.png"))]);
    }

    #[test]
    fn narrow_bars_are_read_at_twice_the_size() {
        let name = "ean13-1/34.png";
        let symbols = decode_file(&sample(name)).unwrap();
        assert_eq!(symbols, vec![Symbol::new(Format::Ean13, expected(name))]);

        let gray = open_image(&sample(name)).unwrap().into_luma8();
        let symbols = decode_luma(gray.width(), gray.height(), gray.as_raw());
        assert_eq!(symbols, vec![Symbol::new(Format::Ean13, "9781558604971")]);
    }

    #[test]
    fn frame_decoder_reads_a_padded_camera_sized_frame() {
        let photo = open_image(&sample("ean13-1/1.png")).unwrap().into_luma8();
        let mut frame = image::GrayImage::from_pixel(1280, 720, image::Luma([128]));
        image::imageops::overlay(&mut frame, &photo, 300, 100);

        // Both kinds of frame: with and without the search for inverted codes.
        let mut decoder = FrameDecoder::new();
        for _ in 0..2 {
            let symbols = decoder.decode(1280, 720, frame.as_raw());
            assert_eq!(symbols, vec![Symbol::new(Format::Ean13, "8413000065504")]);
        }
        assert_eq!(
            decode_luma(1280, 720, frame.as_raw()),
            decoder.decode(1280, 720, frame.as_raw())
        );
    }

    #[test]
    fn nothing_is_read_from_a_blank_or_short_buffer() {
        assert_eq!(decode_luma(640, 480, &vec![200; 640 * 480]), vec![]);
        assert_eq!(decode_luma(640, 480, &[0; 100]), vec![]);
    }

    #[test]
    fn file_errors_name_the_file_and_the_fault() {
        let dir = tempfile::tempdir().unwrap();

        let missing = dir.path().join("gone.png");
        let err = decode_file(&missing).unwrap_err();
        assert!(matches!(err, DecodeError::Missing { .. }), "{err}");
        assert_eq!(err.to_string(), format!("{}: no such file", missing.display()));

        let text = dir.path().join("notes.png");
        std::fs::write(&text, "8991234567890").unwrap();
        let err = decode_file(&text).unwrap_err();
        assert!(matches!(err, DecodeError::NotImage { .. }), "{err}");
        assert!(err.to_string().starts_with(&format!("{}: not an image", text.display())));

        let err = decode_file(dir.path()).unwrap_err();
        assert!(matches!(err, DecodeError::Unreadable { .. }), "{err}");
    }
}
