//! Money: integer rupiah, never a float.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of Indonesian rupiah.
///
/// The rupiah has no minor unit in practice, so one unit is one rupiah and
/// every amount is a whole number.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    /// The most one QRIS payment may be: Rp 10.000.000, Bank Indonesia's
    /// limit per transaction.
    pub const QRIS_MAX: Rupiah = Rupiah(10_000_000);

    /// Returns `self * qty`, or `None` on overflow.
    pub fn times(self, qty: u32) -> Option<Rupiah> {
        self.0.checked_mul(i64::from(qty)).map(Rupiah)
    }

    /// Returns `self + other`, or `None` on overflow.
    pub fn plus(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_add(other.0).map(Rupiah)
    }

    /// The amount with Indonesian digit grouping and no prefix: `12.500`.
    pub fn grouped(self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    }
}

/// Shows the amount as shoppers read it in Indonesia, `Rp 12.500`, in every
/// language the kiosk speaks.
impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rp {}", self.grouped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_with_dots() {
        assert_eq!(Rupiah(0).to_string(), "Rp 0");
        assert_eq!(Rupiah(500).to_string(), "Rp 500");
        assert_eq!(Rupiah(1_000).to_string(), "Rp 1.000");
        assert_eq!(Rupiah(12_500).to_string(), "Rp 12.500");
        assert_eq!(Rupiah(10_000_000).to_string(), "Rp 10.000.000");
        assert_eq!(Rupiah(-2_500).to_string(), "Rp -2.500");
    }

    #[test]
    fn arithmetic_reports_overflow() {
        assert_eq!(Rupiah(3_500).times(2), Some(Rupiah(7_000)));
        assert_eq!(Rupiah(i64::MAX).times(2), None);
        assert_eq!(Rupiah(i64::MAX).plus(Rupiah(1)), None);
    }
}
