//! Accessibility by measurement: the panel the kiosk runs on, what a
//! logical pixel is on it, and the contrast of the theme's colours.
//!
//! A touch target must be 44 px and 9 mm of the panel at least, and large
//! text 6.1 mm at its smallest (readable from 50 cm), so both depend on the
//! panel's size and resolution: `swalayan kiosk --panel-mm --panel-px`.
//! Contrast follows WCAG 2.x: relative luminance of sRGB, ratio
//! `(L1 + 0.05) / (L2 + 0.05)`.

use std::fmt;
use std::str::FromStr;

/// The smallest touch target in logical pixels, whatever the panel (WCAG
/// 2.5.5).
pub const TARGET_MIN_PX: f32 = 44.0;
/// The smallest touch target on the panel, in millimetres.
pub const TARGET_MIN_MM: f32 = 9.0;
/// The kiosk's own smallest target: more than the rules ask.
pub const DESIGN_TARGET_PX: f32 = 48.0;
/// The smallest text of large-text mode, in millimetres of the panel.
pub const LARGE_TEXT_MIN_MM: f32 = 6.1;

/// The physical panel: its active area and its resolution, with one
/// logical pixel to a panel pixel (the kiosk runs unscaled).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Panel {
    pub width_mm: f32,
    pub height_mm: f32,
    pub width_px: u32,
    pub height_px: u32,
}

impl Panel {
    /// The default: Innolux N133IGE-L41, a 13.3-inch 1280x800 panel with an
    /// active area of 286.08 x 178.8 mm (pixel pitch 0.2235 mm).
    pub const DEFAULT: Panel =
        Panel { width_mm: 286.08, height_mm: 178.8, width_px: 1280, height_px: 800 };

    /// The panel of the given active area (`WIDTHxHEIGHT` in mm) and
    /// resolution (`WIDTHxHEIGHT` in px).
    ///
    /// # Errors
    ///
    /// When a size is not two positive numbers, or the pixels are not
    /// nearly square (the pitches differ by more than 5 %).
    pub fn new(mm: Size<f32>, px: Size<u32>) -> Result<Panel, PanelError> {
        let panel = Panel { width_mm: mm.0, height_mm: mm.1, width_px: px.0, height_px: px.1 };
        let (h, v) = (panel.mm_per_px_x(), panel.mm_per_px_y());
        if (h - v).abs() > 0.05 * h.max(v) {
            return Err(PanelError::NotSquare { h, v });
        }
        Ok(panel)
    }

    fn mm_per_px_x(&self) -> f32 {
        self.width_mm / self.width_px as f32
    }

    fn mm_per_px_y(&self) -> f32 {
        self.height_mm / self.height_px as f32
    }

    /// Millimetres of `px` logical pixels across.
    pub fn mm_x(&self, px: f32) -> f32 {
        px * self.mm_per_px_x()
    }

    /// Millimetres of `px` logical pixels down.
    pub fn mm_y(&self, px: f32) -> f32 {
        px * self.mm_per_px_y()
    }

    /// The fewest whole pixels that are at least `mm` both ways.
    pub fn px_for_mm(&self, mm: f32) -> f32 {
        (mm / self.mm_per_px_x().min(self.mm_per_px_y()) - 1e-3).ceil()
    }

    /// `Theme.touch-min`: 44 px and 9 mm at least, and the kiosk's 48 px.
    pub fn touch_min_px(&self) -> f32 {
        self.px_for_mm(TARGET_MIN_MM).max(TARGET_MIN_PX).max(DESIGN_TARGET_PX)
    }

    /// The smallest font of large-text mode: 6.1 mm of the panel.
    pub fn large_font_px(&self) -> f32 {
        self.px_for_mm(LARGE_TEXT_MIN_MM)
    }

    /// The diagonal in inches, for people who buy panels by it.
    pub fn diagonal_inches(&self) -> f32 {
        self.width_mm.hypot(self.height_mm) / 25.4
    }
}

impl Default for Panel {
    fn default() -> Panel {
        Panel::DEFAULT
    }
}

impl fmt::Display for Panel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.1}-inch {}x{} px, {}x{} mm",
            self.diagonal_inches(),
            self.width_px,
            self.height_px,
            self.width_mm,
            self.height_mm
        )
    }
}

/// `WIDTHxHEIGHT`, as `--panel-mm 286.08x178.8` or `--panel-px 1280x800`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size<T>(pub T, pub T);

impl<T: FromStr + PartialOrd + Default + Copy> FromStr for Size<T> {
    type Err = PanelError;

    fn from_str(s: &str) -> Result<Self, PanelError> {
        let bad = || PanelError::BadSize(s.to_owned());
        let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let w: T = w.trim().parse().map_err(|_| bad())?;
        let h: T = h.trim().parse().map_err(|_| bad())?;
        if !(w > T::default() && h > T::default()) {
            return Err(bad());
        }
        Ok(Size(w, h))
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PanelError {
    #[error("{0:?} is not WIDTHxHEIGHT with two positive numbers")]
    BadSize(String),
    #[error("the pixels are not square: {h:.4} mm across, {v:.4} mm down")]
    NotSquare { h: f32, v: f32 },
}

/// A colour as the theme writes it, `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Reads `#rrggbb`.
    pub fn parse(hex: &str) -> Option<Rgb> {
        let digits = hex.strip_prefix('#')?;
        if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// WCAG 2.x relative luminance, 0 (black) to 1 (white).
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let s = f64::from(c) / 255.0;
            if s <= 0.04045 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The contrast ratio of two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// What a pair of colours shows, which sets the ratio it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Text under 24 px (18.66 px bold): 4.5:1.
    Text,
    /// Text of 24 px and more, or 18.66 px bold: 3:1.
    LargeText,
    /// A control's outline or state (a border, a switch's track): 3:1.
    Graphic,
}

impl Use {
    pub fn minimum(self) -> f64 {
        match self {
            Use::Text => 4.5,
            Use::LargeText | Use::Graphic => 3.0,
        }
    }
}

/// A foreground on a background, by their names in `ui/theme.slint`.
#[derive(Clone, Copy, Debug)]
pub struct Pair {
    pub fg: &'static str,
    pub bg: &'static str,
    pub used: Use,
    /// Where the screens show it.
    pub what: &'static str,
}

const fn pair(fg: &'static str, bg: &'static str, used: Use, what: &'static str) -> Pair {
    Pair { fg, bg, used, what }
}

/// Every text and background pair the screens use, and every outline that
/// shows where a control is. A new colour in the theme needs its pairs here
/// (the contrast test fails on a theme colour no pair uses).
pub const PAIRS: &[Pair] = &[
    pair("text", "background", Use::Text, "body text"),
    pair("text", "surface", Use::Text, "cart, cards, secondary buttons"),
    pair("text-muted", "background", Use::Text, "hints"),
    pair("text-muted", "surface", Use::Text, "unit prices, placeholders"),
    pair("text-muted", "surface-alt", Use::Text, "a disabled button"),
    pair("brand-dark", "background", Use::Text, "points, the welcome title"),
    pair("brand-dark", "surface", Use::Text, "discounts, in stock"),
    pair("brand", "surface", Use::Text, "the chosen language, +"),
    pair("on-brand", "brand", Use::Text, "header, primary buttons"),
    pair("on-brand", "brand-dark", Use::Text, "language switch, pressed buttons"),
    pair("on-brand-muted", "brand", Use::Text, "the step in the header"),
    pair("danger", "background", Use::Text, "failures, time running out"),
    pair("danger", "surface", Use::Text, "sold out"),
    pair("danger", "danger-bg", Use::Text, "a refused e-wallet code"),
    pair("on-brand", "danger", Use::Text, "a danger button"),
    pair("on-brand", "danger-pressed", Use::Text, "a pressed danger button"),
    pair("warning-text", "warning-bg", Use::Text, "notices"),
    pair("warning-text", "background", Use::Text, "old stock figures"),
    pair("demo", "background", Use::Text, "DEMO MODE"),
    pair("on-brand", "demo", Use::Text, "the demo button"),
    pair("on-brand", "demo-pressed", Use::Text, "the pressed demo button"),
    pair("on-brand", "tier-silver", Use::Text, "silver badge"),
    pair("on-brand", "tier-gold", Use::Text, "gold badge"),
    pair("on-brand", "tier-platinum", Use::Text, "platinum badge"),
    pair("on-brand", "produce-leaf", Use::Text, "a produce tile's initial"),
    pair("on-brand", "produce-carrot", Use::Text, "a produce tile's initial"),
    pair("on-brand", "produce-berry", Use::Text, "a produce tile's initial"),
    pair("on-brand", "produce-plum", Use::Text, "a produce tile's initial"),
    pair("on-camera", "camera-bg", Use::Text, "no camera"),
    pair("on-camera-muted", "camera-bg", Use::Text, "the camera hint, the aiming frame"),
    pair("text", "divider", Use::Text, "a pressed secondary button"),
    pair("brand-dark", "surface-alt", Use::Text, "a pressed line name"),
    pair("border", "surface", Use::Graphic, "secondary buttons, the keypad field"),
    pair("border", "background", Use::Graphic, "secondary buttons on the page"),
    pair("brand", "surface", Use::Graphic, "suggestions, the switch when on"),
    pair("on-brand", "brand", Use::Graphic, "the large-text switch's outline"),
    pair("surface", "border", Use::Graphic, "the switch's knob when off"),
];

/// The colours of `ui/theme.slint`: every `out property <color> NAME:
/// #rrggbb;`.
///
/// # Errors
///
/// Names a colour property whose value is not a plain `#rrggbb`, with its
/// line.
pub fn theme_colours(source: &str) -> Result<Vec<(String, Rgb)>, String> {
    let mut colours = vec![];
    for (n, line) in source.lines().enumerate() {
        let Some(rest) = line.trim().strip_prefix("out property <color> ") else { continue };
        let (name, value) = rest.split_once(':').ok_or(format!("line {}: no value", n + 1))?;
        let value = value.trim().trim_end_matches(';').trim();
        let rgb = Rgb::parse(value).ok_or(format!(
            "line {}: colour {name} is {value:?}, not #rrggbb",
            n + 1,
            name = name.trim()
        ))?;
        colours.push((name.trim().to_owned(), rgb));
    }
    Ok(colours)
}

/// One pair as measured.
#[derive(Clone, Debug)]
pub struct Measured {
    pub pair: Pair,
    pub fg: Rgb,
    pub bg: Rgb,
    pub ratio: f64,
}

impl Measured {
    pub fn passes(&self) -> bool {
        self.ratio >= self.pair.used.minimum()
    }
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.2}:1 {} {} on {} {} ({}, needs {}:1)",
            self.ratio,
            self.pair.fg,
            self.fg,
            self.pair.bg,
            self.bg,
            self.pair.what,
            self.pair.used.minimum()
        )
    }
}

/// Every pair of [`PAIRS`] with the theme's colours.
///
/// # Errors
///
/// When the theme cannot be read or a pair names a colour it lacks.
pub fn measure_pairs(theme_source: &str) -> Result<Vec<Measured>, String> {
    let colours = theme_colours(theme_source)?;
    let colour = |name: &str| {
        colours
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| *c)
            .ok_or(format!("the theme has no colour {name}"))
    };
    PAIRS
        .iter()
        .map(|&pair| {
            let (fg, bg) = (colour(pair.fg)?, colour(pair.bg)?);
            Ok(Measured { pair, fg, bg, ratio: contrast(fg, bg) })
        })
        .collect()
}

/// The theme as compiled into this binary.
pub const THEME_SOURCE: &str = include_str!("../../ui/theme.slint");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_the_known_wcag_values() {
        let white = Rgb(255, 255, 255);
        // #767676 on white is the classic 4.54:1, the lightest grey that
        // passes for body text.
        let grey = contrast(Rgb::parse("#767676").unwrap(), white);
        assert!((grey - 4.54).abs() < 0.005, "{grey}");
        assert!((contrast(Rgb(0, 0, 0), white) - 21.0).abs() < 1e-9);
        assert!((contrast(white, white) - 1.0).abs() < 1e-9);
        // #777777 just fails: 4.48:1.
        let lighter = contrast(Rgb::parse("#777777").unwrap(), white);
        assert!((lighter - 4.48).abs() < 0.005, "{lighter}");
    }

    #[test]
    fn the_default_panel_gives_44_px_targets_and_28_px_large_text() {
        let p = Panel::DEFAULT;
        // 286.08 mm / 1280 px = 0.2235 mm a pixel: 9 mm is 40.3 px, so the
        // 44 px rule (and the kiosk's 48) governs; 6.1 mm is 27.3 px.
        assert_eq!(p.px_for_mm(9.0), 41.0);
        assert_eq!(p.touch_min_px(), 48.0);
        assert_eq!(p.large_font_px(), 28.0);
        assert!((p.diagonal_inches() - 13.3).abs() < 0.05);
    }

    #[test]
    fn a_small_panel_needs_larger_targets() {
        // A 7-inch 1280x800 panel (150.72 x 94.2 mm, pitch 0.11775 mm):
        // 9 mm is 76.4 px, so 77 px; 6.1 mm is 51.8 px, so 52 px.
        let p = Panel::new("150.72x94.2".parse().unwrap(), "1280x800".parse().unwrap()).unwrap();
        assert_eq!(p.touch_min_px(), 77.0);
        assert_eq!(p.large_font_px(), 52.0);
        assert!(p.mm_x(77.0) >= 9.0 && p.mm_x(76.0) < 9.0);
    }

    #[test]
    fn bad_panel_sizes_say_what_is_wrong() {
        assert_eq!("286x".parse::<Size<f32>>(), Err(PanelError::BadSize("286x".into())),);
        assert!("0x800".parse::<Size<u32>>().is_err());
        assert!("1280*800".parse::<Size<u32>>().is_err());
        let err = Panel::new(Size(286.08, 100.0), Size(1280, 800)).unwrap_err();
        assert!(matches!(err, PanelError::NotSquare { .. }), "{err}");
    }

    #[test]
    fn theme_colours_must_be_plain_hex() {
        let bad = "export global Theme {\n    out property <color> x: #fff;\n}";
        assert_eq!(theme_colours(bad).unwrap_err(), "line 2: colour x is \"#fff\", not #rrggbb");
    }
}
