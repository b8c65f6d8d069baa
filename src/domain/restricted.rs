//! Age-restricted goods: what a catalog row may say about who may buy it,
//! which cart lines a staff member still has to approve, and the lockout of
//! the staff PIN after repeated failures.
//!
//! Indonesian rules as the shop applies them: alcohol is sold to buyers of
//! 21 and older, which a member of staff checks at the kiosk; tobacco and
//! e-cigarettes are not sold through self-service machines at all.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cart::{Cart, Line};

/// Who may buy a product at a kiosk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Restriction {
    /// Anyone.
    #[default]
    None,
    /// Buyers of 21 or older (alcohol): a member of staff approves the sale
    /// with their PIN before it can be paid.
    Age21,
    /// Tobacco and e-cigarettes: never sold by a self-service machine; the
    /// shopper buys them at a cashier.
    Tobacco,
}

impl Restriction {
    /// The catalog's word for it: empty, `age21` or `tobacco`.
    pub fn as_str(self) -> &'static str {
        match self {
            Restriction::None => "",
            Restriction::Age21 => "age21",
            Restriction::Tobacco => "tobacco",
        }
    }

    /// Reads the catalog's word (any case, empty for none).
    pub fn parse(text: &str) -> Option<Restriction> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Some(Restriction::None),
            "age21" => Some(Restriction::Age21),
            "tobacco" => Some(Restriction::Tobacco),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        *self == Restriction::None
    }
}

/// The message that sends a shopper with tobacco to a cashier, Bahasa
/// Indonesia first: for the command line and the logs (the kiosk's screen
/// has its own translated text).
pub const TOBACCO_REFUSED: &str = "Rokok dan rokok elektrik tidak dijual di mesin swalayan; \
     silakan beli di kasir. / Tobacco and e-cigarettes are not sold at self-service \
     machines; please buy them at a cashier.";

/// The lines of `cart` a member of staff must still approve: the age-21
/// lines holding more units than were approved.
///
/// An approval covers the units of each line the staff member saw: fewer
/// of them stay approved, but another restricted product, or more units of
/// one, needs a new approval, since the staff member approves what is on
/// the screen, not the shopper for the rest of the visit.
pub fn unapproved(cart: &Cart) -> Vec<&Line> {
    cart.lines()
        .iter()
        .filter(|l| l.restriction == Restriction::Age21 && l.approved < l.qty)
        .collect()
}

/// The fewest and most digits of a staff PIN.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// How many failed PIN attempts in a row lock a device's approvals.
pub const MAX_PIN_FAILURES: u32 = 5;
/// How long a device refuses PINs after [`MAX_PIN_FAILURES`].
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);

/// The failed staff PIN attempts at one device, kept in its database so a
/// restart does not reset them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lockout {
    /// Failures since the last success or the last lockout.
    pub failures: u32,
    /// Until when no PIN is checked.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A PIN attempt refused before it was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "too many wrong staff PINs: approvals are locked for {} more (Terlalu banyak PIN salah: \
     persetujuan dikunci {} lagi)",
    wait_text(*.left),
    wait_text(*.left)
)]
pub struct Locked {
    /// The time left, rounded up to the second.
    pub left: Duration,
}

/// "4 min 5 s", "59 s": how long a shopper waits.
pub fn wait_text(left: Duration) -> String {
    let s = left.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// What a failed attempt did to the lockout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failed {
    /// Another try is allowed; `left` more before the lockout.
    Again { left: u32 },
    /// This failure locked approvals until the time given.
    LockedUntil(DateTime<Utc>),
}

impl Lockout {
    /// Whether a PIN may be checked at `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Locked> {
        match self.locked_until {
            Some(until) if until > now => {
                let left = (until - now).to_std().unwrap_or_default();
                // Rounded up: "0 s left" while still locked would mislead.
                let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                Err(Locked { left: Duration::from_secs(secs) })
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong PIN at `now`; the last allowed one locks.
    pub fn fail(&mut self, now: DateTime<Utc>) -> Failed {
        self.failures += 1;
        if self.failures >= MAX_PIN_FAILURES {
            let until = now + chrono::Duration::from_std(LOCKOUT).expect("a short lockout");
            *self = Lockout { failures: 0, locked_until: Some(until) };
            Failed::LockedUntil(until)
        } else {
            Failed::Again { left: MAX_PIN_FAILURES - self.failures }
        }
    }

    /// A right PIN starts the count afresh.
    pub fn succeed(&mut self) {
        *self = Lockout::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Product, Rupiah};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn product(barcode: &str, restriction: Restriction) -> Product {
        Product {
            barcode: barcode.into(),
            name: barcode.into(),
            price: Rupiah(1_000),
            category: None,
            restriction,
        }
    }

    #[test]
    fn catalog_words() {
        assert_eq!(Restriction::parse(""), Some(Restriction::None));
        assert_eq!(Restriction::parse(" AGE21 "), Some(Restriction::Age21));
        assert_eq!(Restriction::parse("tobacco"), Some(Restriction::Tobacco));
        assert_eq!(Restriction::parse("age18"), None);
    }

    fn approve_all(cart: &mut Cart) {
        let seen: Vec<_> = unapproved(cart).iter().map(|l| (l.barcode.clone(), l.qty)).collect();
        for (barcode, qty) in seen {
            cart.approve(&barcode, qty);
        }
    }

    #[test]
    fn approval_covers_the_units_seen_and_no_more() {
        let mut cart = Cart::new();
        cart.add(&product("1", Restriction::None)).unwrap();
        cart.add(&product("2", Restriction::Age21)).unwrap();
        cart.add(&product("2", Restriction::Age21)).unwrap();
        let lines: Vec<_> = unapproved(&cart).iter().map(|l| l.barcode.clone()).collect();
        assert_eq!(lines, ["2"]);
        approve_all(&mut cart);
        assert!(unapproved(&cart).is_empty());
        // One fewer stays approved; a third unit is new.
        cart.decrement("2").unwrap();
        assert!(unapproved(&cart).is_empty());
        cart.increment("2").unwrap();
        assert!(unapproved(&cart).is_empty(), "2 units were approved");
        cart.increment("2").unwrap();
        assert_eq!(unapproved(&cart).len(), 1);
        // Another restricted product needs its own approval.
        approve_all(&mut cart);
        cart.add(&product("3", Restriction::Age21)).unwrap();
        let lines: Vec<_> = unapproved(&cart).iter().map(|l| l.barcode.clone()).collect();
        assert_eq!(lines, ["3"]);
        // A line removed and scanned again starts unapproved.
        approve_all(&mut cart);
        cart.remove("2").unwrap();
        cart.add(&product("2", Restriction::Age21)).unwrap();
        assert_eq!(unapproved(&cart).len(), 1);
    }

    #[test]
    fn five_failures_lock_for_five_minutes() {
        let mut lock = Lockout::default();
        let t0 = at("2026-03-10T10:00:00Z");
        for left in [4, 3, 2, 1] {
            assert_eq!(lock.check(t0), Ok(()));
            assert_eq!(lock.fail(t0), Failed::Again { left });
        }
        assert_eq!(lock.fail(t0), Failed::LockedUntil(at("2026-03-10T10:05:00Z")));
        // 10:01:30.5: 3 min 29.5 s left, said as 3 min 30 s.
        let err = lock.check(at("2026-03-10T10:01:30.5Z")).unwrap_err();
        assert_eq!(err.left, Duration::from_secs(210));
        assert!(err.to_string().contains("locked for 3 min 30 s more"), "{err}");
        assert!(lock.check(at("2026-03-10T10:04:59Z")).is_err());
        assert_eq!(lock.check(at("2026-03-10T10:05:00Z")), Ok(()));
        // After the lockout the count starts again from zero.
        assert_eq!(lock.fail(at("2026-03-10T10:06:00Z")), Failed::Again { left: 4 });
    }

    #[test]
    fn a_right_pin_resets_the_count() {
        let mut lock = Lockout::default();
        let t0 = at("2026-03-10T10:00:00Z");
        for _ in 0..4 {
            lock.fail(t0);
        }
        lock.succeed();
        assert_eq!(lock.fail(t0), Failed::Again { left: 4 });
    }

    #[test]
    fn wait_texts() {
        assert_eq!(wait_text(Duration::from_secs(59)), "59 s");
        assert_eq!(wait_text(Duration::from_secs(300)), "5 min");
        assert_eq!(wait_text(Duration::from_secs(245)), "4 min 5 s");
    }
}
