//! Loyalty rules: tiers, how many points a sale earns, how many may be
//! redeemed, and how a phone number is written down.
//!
//! Pure code: the central credits and checks points with it, the device
//! shows the same figures before paying.

use std::fmt;

use crate::domain::Rupiah;

/// A member's tier: it sets how fast points are earned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Silver,
    Gold,
    Platinum,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Silver, Tier::Gold, Tier::Platinum];

    /// The tier's name on the wire and in the members file.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }

    /// The tier named `text` (lowercase, as [`Tier::as_str`] writes it).
    pub fn parse(text: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// Points earned per full Rp 1.000 paid.
    pub fn points_per_thousand(self) -> u64 {
        match self {
            Tier::Silver => 1,
            Tier::Gold => 2,
            Tier::Platinum => 3,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one point is worth when redeemed: Rp 1.
pub const POINT_VALUE: Rupiah = Rupiah(1);

/// The points a member of `tier` earns for a sale of which they `paid` this
/// much themselves: the total after discounts minus the points redeemed.
///
/// Only full thousands count (Rp 12.999 earns as Rp 12.000), so the shop
/// never credits a fraction of a point; nothing is earned on zero or less.
pub fn points_earned(tier: Tier, paid: Rupiah) -> u64 {
    if paid.0 <= 0 {
        return 0;
    }
    (paid.0 as u64 / 1_000) * tier.points_per_thousand()
}

/// The most points that may pay part of `total` when `available` points
/// are free to spend: the QRIS payment is always at least Rp 1, so at most
/// `total - 1` points, and never more than the member has.
pub fn redeem_cap(total: Rupiah, available: u64) -> u64 {
    let room = u64::try_from(total.0 - 1).unwrap_or(0);
    room.min(available)
}

/// Why a phone number was not accepted. The messages never repeat the
/// number: they end up in logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number holds digits, spaces, dashes, dots and a leading +, not {0:?}")]
    BadCharacter(char),
    #[error("only Indonesian numbers (+62 or 0...) are accepted")]
    NotIndonesian,
    #[error("the phone number has {0} digits after 62; an Indonesian number has 7 to 12")]
    Length(usize),
}

/// A phone number as the central keeps it: `62` then the national number,
/// digits only. `0812-3456-7890`, `+62 812 3456 7890`, `(0812) 3456.7890`
/// and `6281234567890` are all `6281234567890`.
pub fn normalise_phone(text: &str) -> Result<String, PhoneError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            other => return Err(PhoneError::BadCharacter(other)),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    // 00 is the international prefix dialled from Indonesia: 0062 is +62.
    let (plus, digits) = match digits.strip_prefix("00") {
        Some(international) if !plus => (true, international.to_owned()),
        _ => (plus, digits),
    };
    let national = if let Some(n) = digits.strip_prefix("62") {
        n
    } else if plus {
        return Err(PhoneError::NotIndonesian);
    } else if let Some(n) = digits.strip_prefix('0') {
        n
    } else {
        return Err(PhoneError::NotIndonesian);
    };
    // A national number never starts with the trunk 0 (+62 0812... is a
    // slip, kept as 62812...).
    let national = national.strip_prefix('0').unwrap_or(national);
    if !(7..=12).contains(&national.len()) {
        return Err(PhoneError::Length(national.len()));
    }
    Ok(format!("62{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_international_prefix_00_reads_as_a_plus() {
        assert_eq!(normalise_phone("0062 812 0000 0001").unwrap(), "6281200000001");
        assert_eq!(normalise_phone("0062-0812-0000-0001").unwrap(), "6281200000001");
        assert_eq!(normalise_phone("0065 6123 4567"), Err(PhoneError::NotIndonesian));
    }

    #[test]
    fn tiers_earn_one_two_three_points_per_full_thousand() {
        // Rp 25.500 holds 25 full thousands.
        assert_eq!(points_earned(Tier::Silver, Rupiah(25_500)), 25);
        assert_eq!(points_earned(Tier::Gold, Rupiah(25_500)), 50);
        assert_eq!(points_earned(Tier::Platinum, Rupiah(25_500)), 75);
        // Below a thousand, nothing; exactly a thousand, one unit.
        assert_eq!(points_earned(Tier::Platinum, Rupiah(999)), 0);
        assert_eq!(points_earned(Tier::Silver, Rupiah(1_000)), 1);
        assert_eq!(points_earned(Tier::Gold, Rupiah(0)), 0);
        assert_eq!(points_earned(Tier::Gold, Rupiah(-5_000)), 0);
    }

    #[test]
    fn earn_counts_only_what_the_member_paid_after_points() {
        // A Rp 48.000 total with 3.500 points redeemed: Rp 44.500 paid,
        // 44 thousands, gold earns 88.
        let paid = Rupiah(48_000 - 3_500);
        assert_eq!(points_earned(Tier::Gold, paid), 88);
    }

    #[test]
    fn redeeming_leaves_at_least_one_rupiah_to_pay() {
        assert_eq!(redeem_cap(Rupiah(10_000), 50_000), 9_999);
        assert_eq!(redeem_cap(Rupiah(10_000), 1_200), 1_200);
        assert_eq!(redeem_cap(Rupiah(1), 500), 0);
        assert_eq!(redeem_cap(Rupiah(0), 500), 0);
        assert_eq!(POINT_VALUE, Rupiah(1));
    }

    #[test]
    fn tiers_parse_only_their_lowercase_names() {
        assert_eq!(Tier::parse("gold"), Some(Tier::Gold));
        assert_eq!(Tier::parse("platinum"), Some(Tier::Platinum));
        assert_eq!(Tier::parse("Gold"), None);
        assert_eq!(Tier::parse("bronze"), None);
        assert_eq!(Tier::Silver.to_string(), "silver");
    }

    #[test]
    fn the_usual_ways_of_writing_one_number_are_one_number() {
        for written in [
            "0812-3456-7890",
            "+62 812 3456 7890",
            "6281234567890",
            "(0812) 3456.7890",
            " 081234567890 ",
            "+62 0812 3456 7890",
        ] {
            assert_eq!(normalise_phone(written).as_deref(), Ok("6281234567890"), "{written}");
        }
        assert_eq!(normalise_phone("0812-0000-0001").as_deref(), Ok("6281200000001"));
        // A Jakarta landline: 021 then 8 digits.
        assert_eq!(normalise_phone("021-2345-6789").as_deref(), Ok("622123456789"));
    }

    #[test]
    fn a_number_that_is_not_an_indonesian_phone_is_refused_without_echoing_it() {
        assert_eq!(normalise_phone(""), Err(PhoneError::Empty));
        assert_eq!(normalise_phone(" - "), Err(PhoneError::Empty));
        assert_eq!(normalise_phone("0812-3456-789O"), Err(PhoneError::BadCharacter('O')));
        assert_eq!(normalise_phone("+1 415 555 0100"), Err(PhoneError::NotIndonesian));
        assert_eq!(normalise_phone("812345678"), Err(PhoneError::NotIndonesian));
        // 0812-345 is 6 digits after the trunk 0; 0812 3456 7890 123 is 14.
        assert_eq!(normalise_phone("0812-345"), Err(PhoneError::Length(6)));
        assert_eq!(normalise_phone("0812 3456 7890 123"), Err(PhoneError::Length(14)));
        let text = normalise_phone("0812-345").unwrap_err().to_string();
        assert!(!text.contains("812"), "{text}");
    }
}
