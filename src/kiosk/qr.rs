//! Drawing QR codes (the QRIS payment, the e-receipt) into pixel buffers.

use qrcode::{Color, EcLevel, QrCode};
use slint::{Rgb8Pixel, SharedPixelBuffer};

/// Light modules around the code, as ISO/IEC 18004 asks.
const QUIET_ZONE: usize = 4;

/// Draws `data` as a QR code, `module` pixels to a module, quiet zone
/// included.
///
/// The screens draw it one pixel to a module and let the UI scale it by a
/// whole factor with pixelated rendering, so every module stays sharp at any
/// size. Error correction is M, what QRIS acquirers print, which leaves room
/// for glare on a screen.
///
/// # Errors
///
/// When `data` is too long for a QR code.
pub fn render(
    data: &str,
    module: u32,
) -> Result<SharedPixelBuffer<Rgb8Pixel>, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = modules + 2 * QUIET_ZONE;
    let scale = module.max(1) as usize;
    let px = side * scale;

    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(px as u32, px as u32);
    let pixels = buffer.make_mut_slice();
    pixels.fill(Rgb8Pixel { r: 255, g: 255, b: 255 });
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Light {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for y in my * scale..(my + 1) * scale {
            let row = y * px;
            pixels[row + mx * scale..row + (mx + 1) * scale].fill(Rgb8Pixel { r: 0, g: 0, b: 0 });
        }
    }
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_whole_pixels_inside_a_quiet_zone() {
        // "HELLO" fits a version 1 code: 21 modules, 29 with the quiet zone.
        let buffer = render("HELLO", 10).unwrap();
        // 29 modules of 10 pixels.
        assert_eq!(buffer.width(), 290);
        assert_eq!(buffer.height(), 290);
        let at = |x: u32, y: u32| buffer.as_slice()[(y * 290 + x) as usize];
        // The quiet zone is white, the finder pattern's corner is black.
        assert_eq!(at(39, 39), Rgb8Pixel { r: 255, g: 255, b: 255 });
        assert_eq!(at(40, 40), Rgb8Pixel { r: 0, g: 0, b: 0 });
        assert_eq!(at(49, 49), Rgb8Pixel { r: 0, g: 0, b: 0 });
        // The finder's light ring starts one module in.
        assert_eq!(at(50, 50), Rgb8Pixel { r: 255, g: 255, b: 255 });
    }

    #[test]
    fn zero_pixels_a_module_still_draws_one() {
        let buffer = render("HELLO", 0).unwrap();
        assert_eq!(buffer.width(), 29);
    }

    #[test]
    fn a_qris_payload_reads_back_with_the_decoder() {
        let merchant = crate::central::server::demo_merchant();
        let payload =
            crate::domain::qris::dynamic_payload(&merchant, crate::domain::Rupiah(24_000), "T1")
                .unwrap();
        // Four pixels a module, as a phone camera might see it.
        let buffer = render(&payload, 4).unwrap();
        let luma: Vec<u8> = buffer.as_slice().iter().map(|p| p.r).collect();
        let symbols = crate::scan::decode_luma(buffer.width(), buffer.height(), &luma);
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].text, payload);
    }
}
