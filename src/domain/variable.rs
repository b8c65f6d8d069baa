//! Goods that need more than a scan: in-store variable-measure codes and
//! produce PLU codes.
//!
//! A store prints its own EAN-13 labels for weighed and cut goods, with a
//! prefix from 20 to 29 (GS1 restricted circulation): the prefix, an item
//! number, an optional price check digit, a price or a weight, and the EAN
//! check digit. Where the item number ends and what the value means is the
//! store's choice, so it is configured per store as [`Layouts`]; the
//! central sends it to its devices with the catalog, and both read a code
//! with the same layouts, so both price it the same.
//!
//! The catalog holds such an item once, under its *key*: the code with the
//! price check digit and the value as zeros, and a valid EAN check digit
//! (item 12345 under prefix 21 is `2112345000008`). For a weight layout
//! its catalog price is the price per kilogram.
//!
//! # Rounding
//!
//! A weighed line costs the price per kilogram times the weight in grams,
//! divided by 1 000 and rounded half up to the whole rupiah: 482 g at
//! Rp 12.345 per kg is Rp 5.950,29, charged Rp 5.950; 500 g at Rp 1.001 per
//! kg is Rp 500,5, charged Rp 501. A package is never charged less than
//! Rp 1 (1 g at Rp 400 per kg is Rp 1), as no sale line may be Rp 0.

use serde::{Deserialize, Serialize};

use super::gtin;
use super::money::Rupiah;
use super::product::Product;

/// What the value digits of a layout mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// The price of the package, in whole rupiah.
    Price,
    /// The weight of the package, in grams.
    Weight,
}

/// How one store lays out the codes of some prefixes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// The prefixes (20 to 29) whose codes are laid out this way.
    pub prefixes: Vec<u8>,
    /// How many digits after the prefix are the item number.
    pub item_digits: u8,
    /// True if and only if a price check digit (GS1, over the value)
    /// follows the item number; only for a value of 4 or 5 digits.
    pub price_check_digit: bool,
    /// How many digits the value has; with the others, they fill the ten
    /// digits between the prefix and the EAN check digit.
    pub value_digits: u8,
    pub value: Value,
}

/// What a variable-measure code says of its package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The weight in grams; the line is priced from the price per kg.
    WeightG(u32),
    /// The price printed on the label, charged as it is.
    LabelPrice(Rupiah),
}

impl Measure {
    /// The measure as the screen and the receipt show it: `0,482 kg`
    /// (Indonesian decimal comma), or `Rp 1.250`.
    pub fn label(self) -> String {
        match self {
            Measure::WeightG(g) => format!("{},{:03} kg", g / 1000, g % 1000),
            Measure::LabelPrice(p) => p.to_string(),
        }
    }
}

/// One variable-measure code read with its store's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The code as read, 13 digits.
    pub code: String,
    /// The item number, as printed (leading zeros kept).
    pub item: String,
    /// The catalog key of the item (see the module documentation).
    pub key: String,
    pub measure: Measure,
}

/// A product the shopper can put in the cart, as a code found it: for a
/// variable-measure code its barcode is the whole code, its price the
/// package's, and `measure` what the label says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub product: Product,
    pub measure: Option<Measure>,
}

impl Reading {
    /// The package as a cart item, from its catalog entry: the label's
    /// price, or the price per kilogram times the weight (see the module
    /// documentation for the rounding).
    pub fn item(&self, product: Product) -> Item {
        let price = match self.measure {
            Measure::LabelPrice(p) => p,
            Measure::WeightG(g) => weighed_price(product.price, g).max(Rupiah(1)),
        };
        Item {
            product: Product { barcode: self.code.clone(), price, ..product },
            measure: Some(self.measure),
        }
    }
}

/// Why a code could not be read as a variable-measure code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("code {code:?} is not 13 digits")]
    NotEan13 { code: String },
    #[error(
        "code {code}: its last digit is {got}, but the EAN check digit of its digits is {want}"
    )]
    EanCheck { code: String, got: u8, want: u8 },
    #[error("code {code}: prefix {prefix} is not a variable-measure prefix (20 to 29)")]
    NotVariable { code: String, prefix: String },
    #[error("code {code}: this store has no layout for prefix {prefix}")]
    NoLayout { code: String, prefix: u8 },
    #[error(
        "code {code}: its price check digit is {got}, but the check digit of {what} {value} is {want}"
    )]
    PriceCheck { code: String, what: &'static str, value: String, got: u8, want: u8 },
    #[error("code {code}: the {what} on the label is zero")]
    Zero { code: String, what: &'static str },
}

/// Why a set of layouts is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("{source_name}: {message}")]
    Syntax { source_name: String, message: String },
    #[error("{source_name}: layout number {index}: {reason}")]
    Layout { source_name: String, index: usize, reason: String },
}

/// A store's layouts, checked: each prefix has at most one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Layout>", into = "Vec<Layout>")]
pub struct Layouts(Vec<Layout>);

impl TryFrom<Vec<Layout>> for Layouts {
    type Error = String;
    fn try_from(list: Vec<Layout>) -> Result<Layouts, String> {
        Layouts::new(list).map_err(|(i, reason)| format!("layout number {i}: {reason}"))
    }
}

impl From<Layouts> for Vec<Layout> {
    fn from(l: Layouts) -> Vec<Layout> {
        l.0
    }
}

/// The demo store's layouts, the default of `swalayan central`.
pub const DEMO_LAYOUTS: &str = include_str!("../../assets/variable-measure.toml");

impl Default for Layouts {
    /// The demo layouts, whose prefixes 20 to 22 are those of the example
    /// in the README: prefix, 5-digit item, price check digit, 4-digit
    /// price.
    fn default() -> Layouts {
        Layouts::from_toml(DEMO_LAYOUTS, "variable-measure.toml")
            .expect("the demo layouts are valid")
    }
}

impl Layouts {
    /// Checks every layout and that no prefix has two; the error is the
    /// layout's number (from 1) and why it is wrong.
    pub fn new(list: Vec<Layout>) -> Result<Layouts, (usize, String)> {
        let mut seen = Vec::new();
        for (i, l) in list.iter().enumerate() {
            l.check().map_err(|reason| (i + 1, reason))?;
            for &p in &l.prefixes {
                if seen.contains(&p) {
                    return Err((i + 1, format!("prefix {p} has a layout already")));
                }
                seen.push(p);
            }
        }
        Ok(Layouts(list))
    }

    /// Reads a layouts file: TOML, one `[[layout]]` table per layout.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Layouts, LayoutError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            layout: Vec<Layout>,
        }
        let file: File = toml::from_str(text).map_err(|e| LayoutError::Syntax {
            source_name: source_name.to_owned(),
            message: e.to_string().trim_end().replace('\n', " ").replace("  ", " "),
        })?;
        Layouts::new(file.layout).map_err(|(index, reason)| LayoutError::Layout {
            source_name: source_name.to_owned(),
            index,
            reason,
        })
    }

    pub fn layouts(&self) -> &[Layout] {
        &self.0
    }

    /// True if and only if `code` is 13 digits under a prefix this store
    /// has a layout for: it must then be read with [`Layouts::parse`],
    /// never looked up as it is. Another code of prefix 20 to 29 is an
    /// ordinary in-store code.
    pub fn covers(&self, code: &str) -> bool {
        code.len() == 13
            && code.bytes().all(|b| b.is_ascii_digit())
            && self.layout(prefix_of(code)).is_some()
    }

    /// The catalog key of a code under one of this store's layouts: the
    /// prefix and item number, zeros for the rest, and the EAN check
    /// digit; whatever the value and check digits of `code` are. `None`
    /// for a code the layouts do not cover.
    pub fn key_of(&self, code: &str) -> Option<String> {
        if !self.covers(code) {
            return None;
        }
        let layout = self.layout(prefix_of(code)).expect("covered");
        let item_end = 2 + usize::from(layout.item_digits);
        let body = format!("{}{}", &code[..item_end], "0".repeat(12 - item_end));
        let check = gtin::check_digit(&body).expect("12 digits");
        Some(format!("{body}{check}"))
    }

    /// Reads a variable-measure code: item number and price or weight.
    /// A wrong check digit is refused, never guessed around.
    pub fn parse(&self, code: &str) -> Result<Reading, CodeError> {
        if code.len() != 13 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::NotEan13 { code: code.to_owned() });
        }
        let digit = |i: usize| code.as_bytes()[i] - b'0';
        let want = gtin::check_digit(&code[..12]).expect("12 digits");
        if digit(12) != want {
            return Err(CodeError::EanCheck { code: code.to_owned(), got: digit(12), want });
        }
        let prefix = prefix_of(code);
        if !(20..=29).contains(&prefix) {
            return Err(CodeError::NotVariable {
                code: code.to_owned(),
                prefix: code[..2].to_owned(),
            });
        }
        let layout =
            self.layout(prefix).ok_or(CodeError::NoLayout { code: code.into(), prefix })?;

        let item_end = 2 + usize::from(layout.item_digits);
        let value_start = item_end + usize::from(layout.price_check_digit);
        let value_text = &code[value_start..12];
        let what = match layout.value {
            Value::Price => "price",
            Value::Weight => "weight",
        };
        if layout.price_check_digit {
            let want = price_check_digit(value_text).expect("4 or 5 digits, checked");
            let got = digit(item_end);
            if got != want {
                let value = value_text.to_owned();
                return Err(CodeError::PriceCheck {
                    code: code.to_owned(),
                    what,
                    value,
                    got,
                    want,
                });
            }
        }
        let value: u32 = value_text.parse().expect("at most 6 digits");
        if value == 0 {
            return Err(CodeError::Zero { code: code.to_owned(), what });
        }
        let measure = match layout.value {
            Value::Price => Measure::LabelPrice(Rupiah(i64::from(value))),
            Value::Weight => Measure::WeightG(value),
        };
        Ok(Reading {
            code: code.to_owned(),
            item: code[2..item_end].to_owned(),
            key: self.key_of(code).expect("covered"),
            measure,
        })
    }

    fn layout(&self, prefix: u8) -> Option<&Layout> {
        self.0.iter().find(|l| l.prefixes.contains(&prefix))
    }
}

impl Layout {
    fn check(&self) -> Result<(), String> {
        if self.prefixes.is_empty() {
            return Err("`prefixes` is empty".into());
        }
        if let Some(p) = self.prefixes.iter().find(|p| !(20..=29).contains(*p)) {
            return Err(format!("prefix {p} is not 20 to 29"));
        }
        let check = u8::from(self.price_check_digit);
        if self.item_digits == 0 || self.value_digits == 0 {
            return Err("`item_digits` and `value_digits` must be at least 1".into());
        }
        if u32::from(self.item_digits) + u32::from(check) + u32::from(self.value_digits) != 10 {
            return Err(format!(
                "{} item digits, {} check digit and {} value digits are not the 10 digits \
                 between the prefix and the EAN check digit",
                self.item_digits, check, self.value_digits
            ));
        }
        if self.price_check_digit && !matches!(self.value_digits, 4 | 5) {
            return Err(format!(
                "a price check digit is defined for a value of 4 or 5 digits, not {}",
                self.value_digits
            ));
        }
        Ok(())
    }
}

fn prefix_of(code: &str) -> u8 {
    code.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0)
}

/// The GS1 price check digit of a 4- or 5-digit price or weight
/// (GS1 General Specifications, 7.9.3), or `None` for other text.
///
/// Each digit goes through a weighting factor: `2-` (units of 2d less its
/// tens), `3` (units of 3d), `5+` (units of 5d plus its tens), `5-` (units
/// of 5d less its tens), all modulo 10. Four digits take 2-, 2-, 3, 5-;
/// the check digit is the units of three times their sum. Five digits take
/// 5+, 2-, 5-, 5+, 2-; the check digit is the digit whose 5- product is
/// ten less the units of their sum.
pub fn price_check_digit(value: &str) -> Option<u8> {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: Vec<u8> = value.bytes().map(|b| b - b'0').collect();
    match d.len() {
        4 => {
            let sum = two_minus(d[0]) + two_minus(d[1]) + three(d[2]) + five_minus(d[3]);
            Some(sum * 3 % 10)
        }
        5 => {
            let sum = five_plus(d[0])
                + two_minus(d[1])
                + five_minus(d[2])
                + five_plus(d[3])
                + two_minus(d[4]);
            let target = (10 - sum % 10) % 10;
            (0..10).find(|&c| five_minus(c) == target)
        }
        _ => None,
    }
}

fn two_minus(d: u8) -> u8 {
    let p = 2 * d;
    (p % 10 + 10 - p / 10) % 10
}

fn three(d: u8) -> u8 {
    3 * d % 10
}

fn five_plus(d: u8) -> u8 {
    let p = 5 * d;
    (p % 10 + p / 10) % 10
}

fn five_minus(d: u8) -> u8 {
    let p = 5 * d;
    (p % 10 + 10 - p / 10) % 10
}

/// What `grams` cost at `per_kg`, rounded half up to the rupiah (see the
/// module documentation). Saturates on absurd prices, like a cart line.
pub fn weighed_price(per_kg: Rupiah, grams: u32) -> Rupiah {
    let milli = i128::from(per_kg.0) * i128::from(grams);
    Rupiah(i64::try_from((milli + 500) / 1000).unwrap_or(i64::MAX))
}

/// True if and only if `code` is a produce PLU typed on the keypad: four
/// digits from 3000 to 4999, or five digits starting with 9 (an organic
/// item: 9 before its four-digit code). The catalog keys such products by
/// their PLU.
pub fn is_plu(code: &str) -> bool {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match code.len() {
        4 => code.parse::<u16>().is_ok_and(|n| (3000..=4999).contains(&n)),
        5 => code.starts_with('9'),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
