//! What a decoder reads: a symbology and the text it carries.

use std::fmt;

use serde::Serialize;

use crate::domain::gtin;

/// The symbologies the kiosk reads; every other one is ignored at the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Ean13,
    Ean8,
    UpcA,
    UpcE,
    Code128,
    Qr,
}

impl Format {
    /// The lowercase name used in JSON output and logs: `ean13`, `upca`, `qr`, ...
    pub fn name(self) -> &'static str {
        match self {
            Format::Ean13 => "ean13",
            Format::Ean8 => "ean8",
            Format::UpcA => "upca",
            Format::UpcE => "upce",
            Format::Code128 => "code128",
            Format::Qr => "qr",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One symbol read from an image or a scanner.
///
/// `text` is what the symbol carries, as printed under the bars: 13 digits for
/// EAN-13, 8 for EAN-8, 12 for UPC-A and the 8 compressed digits for UPC-E.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Symbol {
    pub format: Format,
    pub text: String,
}

impl Symbol {
    pub fn new(format: Format, text: impl Into<String>) -> Self {
        Symbol { format, text: text.into() }
    }

    /// The key under which the catalog holds the product this symbol names,
    /// or `None` if it names no product.
    ///
    /// EAN-13 and EAN-8 are keys as they are; UPC-A and UPC-E become the
    /// 13-digit GTIN (a leading zero, UPC-E expanded first), which is how the
    /// same can of soup scanned as UPC-A or as EAN-13 finds one product.
    /// A Code 128 or QR symbol is a key only if its text is a valid 13-digit
    /// GTIN. The check digit is verified here too, so that a symbol typed in
    /// or built elsewhere is held to the same rule as a decoded one.
    pub fn catalog_key(&self) -> Option<String> {
        let key = match self.format {
            Format::Ean13 if self.text.len() == 13 => self.text.clone(),
            Format::Ean8 if self.text.len() == 8 => self.text.clone(),
            Format::UpcA if self.text.len() == 12 => gtin::to_gtin13_upc(&self.text)?,
            Format::UpcE if self.text.len() == 8 => gtin::to_gtin13_upc(&self.text)?,
            Format::Code128 | Format::Qr if self.text.len() == 13 => self.text.clone(),
            _ => return None,
        };
        gtin::is_valid(&key).then_some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_have_lowercase_names_in_json_and_display() {
        let names = [
            (Format::Ean13, "ean13"),
            (Format::Ean8, "ean8"),
            (Format::UpcA, "upca"),
            (Format::UpcE, "upce"),
            (Format::Code128, "code128"),
            (Format::Qr, "qr"),
        ];
        for (format, name) in names {
            assert_eq!(format.to_string(), name);
            assert_eq!(serde_json::to_string(&format).unwrap(), format!("\"{name}\""));
        }
        let symbol = Symbol::new(Format::Ean8, "96385074");
        assert_eq!(
            serde_json::to_string(&symbol).unwrap(),
            r#"{"format":"ean8","text":"96385074"}"#
        );
    }

    #[test]
    fn ean_codes_are_their_own_key() {
        // 629104150021 has check digit 3 (GS1's worked example).
        assert_eq!(
            Symbol::new(Format::Ean13, "6291041500213").catalog_key().as_deref(),
            Some("6291041500213")
        );
        assert_eq!(
            Symbol::new(Format::Ean8, "96385074").catalog_key().as_deref(),
            Some("96385074")
        );
        assert_eq!(Symbol::new(Format::Ean13, "6291041500214").catalog_key(), None);
        assert_eq!(Symbol::new(Format::Ean13, "96385074").catalog_key(), None);
    }

    #[test]
    fn upca_key_is_the_gtin13_with_a_leading_zero() {
        // 03600029145 -> odd positions 0+6+0+2+1+5 = 14, x3 = 42; even
        // positions 3+0+0+9+4 = 16; 58 -> check 2.
        assert_eq!(
            Symbol::new(Format::UpcA, "036000291452").catalog_key().as_deref(),
            Some("0036000291452")
        );
        assert_eq!(Symbol::new(Format::UpcA, "036000291453").catalog_key(), None);
    }

    #[test]
    fn upce_key_is_the_expanded_gtin13() {
        // UPC-E 0 425261 4: last digit 1 -> manufacturer 42 1 00, item 00526,
        // so UPC-A 0 42100 00526 4. Check over 04210000526: odd positions
        // 0+2+0+0+5+6 = 13, x3 = 39; even 4+1+0+0+2 = 7; 46 -> 4.
        assert_eq!(
            Symbol::new(Format::UpcE, "04252614").catalog_key().as_deref(),
            Some("0042100005264")
        );
        // Same body with a wrong check digit.
        assert_eq!(Symbol::new(Format::UpcE, "04252615").catalog_key(), None);
    }

    #[test]
    fn qr_and_code128_are_keys_only_when_they_hold_a_gtin13() {
        assert_eq!(Symbol::new(Format::Qr, "https://example.com/p/1").catalog_key(), None);
        assert_eq!(Symbol::new(Format::Code128, "ABC-123").catalog_key(), None);
        assert_eq!(
            Symbol::new(Format::Code128, "6291041500213").catalog_key().as_deref(),
            Some("6291041500213")
        );
        assert_eq!(Symbol::new(Format::Qr, "6291041500214").catalog_key(), None);
    }
}
