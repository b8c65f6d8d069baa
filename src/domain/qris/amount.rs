//! Amounts (tags 54 and 56), percentages (tag 57) and the fees a sale adds.

use std::fmt;
use std::str::FromStr;

use crate::domain::money::Rupiah;

/// The most characters tag 54 may hold.
pub const AMOUNT_MAX_LEN: usize = 13;

/// An amount as tags 54 and 56 write it, checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    /// The amount in whole rupiah when the fraction is all zeros.
    pub whole: Option<i64>,
    pub is_zero: bool,
}

/// Checks the amount grammar: digits, then optionally a `.` and one to
/// `decimals` digits; no sign, no spaces, no thousands separators.
pub fn check(text: &str, decimals: usize) -> Result<Written, &'static str> {
    if text.len() > AMOUNT_MAX_LEN {
        return Err("longer than 13 characters");
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) {
        return Err("not digits with an optional decimal point");
    }
    if let Some(f) = frac {
        if !digits(f) {
            return Err("not digits with an optional decimal point");
        }
        if f.len() > decimals {
            return Err("more decimals than the currency has");
        }
    }
    let frac_zero = frac.is_none_or(|f| f.bytes().all(|b| b == b'0'));
    let is_zero = whole.bytes().all(|b| b == b'0') && frac_zero;
    // At most 13 digits, so it always fits.
    let value: i64 = whole.parse().map_err(|_| "not a number")?;
    Ok(Written { whole: frac_zero.then_some(value), is_zero })
}

/// A percentage with two decimals, as tag 57 carries it: 0.01 to 99.99.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent {
    hundredths: u16,
}

impl Percent {
    /// The percentage of `hundredths` hundredths of a percent (250 is
    /// 2.5 %), if it is between 0.01 and 99.99.
    pub fn from_hundredths(hundredths: u16) -> Option<Percent> {
        (1..=9_999).contains(&hundredths).then_some(Percent { hundredths })
    }

    pub fn hundredths(self) -> u16 {
        self.hundredths
    }
}

/// Writes the shortest form: `3`, `2.5`, `0.25`.
impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.hundredths / 100, self.hundredths % 100);
        match frac {
            0 => write!(f, "{whole}"),
            _ if frac % 10 == 0 => write!(f, "{whole}.{}", frac / 10),
            _ => write!(f, "{whole}.{frac:02}"),
        }
    }
}

/// Reads `2.5`, `02.50`, `3`: one or two digits, optionally a `.` and one
/// or two decimals, between 0.01 and 99.99.
impl FromStr for Percent {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Percent, &'static str> {
        const GRAMMAR: &str = "not a percentage like 2.5 (0.01 to 99.99)";
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 2 || !digits(whole) {
            return Err(GRAMMAR);
        }
        if s.contains('.') && (frac.is_empty() || frac.len() > 2 || !digits(frac)) {
            return Err(GRAMMAR);
        }
        let whole: u16 = whole.parse().map_err(|_| GRAMMAR)?;
        let frac: u16 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u16>().map_err(|_| GRAMMAR)? * 10,
            _ => frac.parse().map_err(|_| GRAMMAR)?,
        };
        Percent::from_hundredths(whole * 100 + frac).ok_or("a percentage fee must be above zero")
    }
}

/// The convenience fee a dynamic code may add to the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fee {
    /// `55` = `02`, the fee in 56.
    Fixed(Rupiah),
    /// `55` = `03`, the percentage in 57.
    Percent(Percent),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_grammar_refuses_separators_signs_and_empty_parts() {
        for bad in ["", "1,000", "1.000.00", "-5", "+5", " 5", "5.", ".5", "1e3", "12345678901234"]
        {
            assert!(check(bad, 2).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn amount_grammar_reads_whole_rupiah_and_zero() {
        assert_eq!(check("39000.00", 2), Ok(Written { whole: Some(39_000), is_zero: false }));
        assert_eq!(check("17000", 2), Ok(Written { whole: Some(17_000), is_zero: false }));
        assert_eq!(check("10.5", 2), Ok(Written { whole: None, is_zero: false }));
        assert_eq!(check("0.00", 2), Ok(Written { whole: Some(0), is_zero: true }));
        assert_eq!(check("1.234", 2), Err("more decimals than the currency has"));
    }

    #[test]
    fn percent_reads_and_writes_its_shortest_form() {
        assert_eq!("2.5".parse::<Percent>().unwrap().hundredths(), 250);
        assert_eq!("02.50".parse::<Percent>().unwrap().to_string(), "2.5");
        assert_eq!("0.25".parse::<Percent>().unwrap().to_string(), "0.25");
        assert_eq!("3".parse::<Percent>().unwrap().to_string(), "3");
        assert_eq!("99.99".parse::<Percent>().unwrap().hundredths(), 9_999);
        for bad in ["0", "0.00", "100", "1.234", "", ".5", "5.", "-1", "1,5"] {
            assert!(bad.parse::<Percent>().is_err(), "{bad:?} must be refused");
        }
    }
}
