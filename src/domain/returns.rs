//! Which goods may come back, and what they refund.
//!
//! The central reads its rules from a TOML file (`assets/returns.toml` is
//! the default):
//!
//! ```toml
//! days = 7
//! final_sale = ["buah-sayur", "pulsa-voucher"]
//! ```
//!
//! `days` is how long after the purchase (a sale's time, or an order's
//! collection) goods come back; `final_sale` lists the catalog categories
//! never taken back. A return is refused whole by the first rule a line
//! breaks, and the refusal names the rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Rupiah;

/// The most days a rules file may allow.
pub const MAX_DAYS: u32 = 365;

/// The return rules of the central.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRules {
    /// Whole days after the purchase during which goods come back.
    pub days: u32,
    /// Catalog categories that are final sale.
    #[serde(default)]
    pub final_sale: Vec<String>,
}

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{source_name}: {message}")]
    Toml { source_name: String, message: String },
    #[error("{source_name}: days = {days}: from 0 to {MAX_DAYS}")]
    Days { source_name: String, days: u32 },
    #[error("{source_name}: final_sale holds an empty category")]
    EmptyCategory { source_name: String },
}

impl ReturnRules {
    /// Reads a rules file; `source_name` names it in errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<ReturnRules, RulesError> {
        let rules: ReturnRules = toml::from_str(text).map_err(|e| RulesError::Toml {
            source_name: source_name.to_owned(),
            message: e.to_string(),
        })?;
        if rules.days > MAX_DAYS {
            return Err(RulesError::Days { source_name: source_name.to_owned(), days: rules.days });
        }
        if rules.final_sale.iter().any(|c| c.trim().is_empty()) {
            return Err(RulesError::EmptyCategory { source_name: source_name.to_owned() });
        }
        Ok(rules)
    }
}

/// One line a customer brings back, with what the purchase says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returning<'a> {
    pub barcode: &'a str,
    pub name: &'a str,
    pub category: Option<&'a str>,
    /// How many come back now.
    pub qty: u32,
    /// How many the purchase holds.
    pub bought: u32,
    /// How many earlier returns took back.
    pub returned: u32,
}

/// A return the rules refuse, naming the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (rule {rule})")]
pub struct NotReturnable {
    /// `days`, `final_sale` or `quantity`.
    pub rule: &'static str,
    pub reason: String,
}

/// Checks a return of `lines` from a purchase made at `bought_at`, at `now`.
pub fn check(
    rules: &ReturnRules,
    bought_at: DateTime<Utc>,
    now: DateTime<Utc>,
    lines: &[Returning<'_>],
) -> Result<(), NotReturnable> {
    let limit = bought_at + chrono::Duration::days(i64::from(rules.days));
    if now > limit {
        let days = (now - bought_at).num_days();
        return Err(NotReturnable {
            rule: "days",
            reason: format!(
                "bought {days} days ago; goods come back within {} days of purchase",
                rules.days
            ),
        });
    }
    for l in lines {
        if let Some(c) = l.category.filter(|c| rules.final_sale.iter().any(|f| f == c)) {
            return Err(NotReturnable {
                rule: "final_sale",
                reason: format!("{} ({}) is in the final-sale category {c}", l.name, l.barcode),
            });
        }
        let left = l.bought.saturating_sub(l.returned);
        if l.qty == 0 || l.qty > left {
            return Err(NotReturnable {
                rule: "quantity",
                reason: format!(
                    "{} ({}): {} asked back, {} of {} bought can still come back",
                    l.name, l.barcode, l.qty, left, l.bought
                ),
            });
        }
    }
    Ok(())
}

/// What a return refunds: the returned lines' list value scaled by what
/// the purchase cost against its list value (so promotions' savings are
/// shared out), rounded down to the rupiah. The return that brings the
/// last goods back refunds whatever of `paid` is left, so the rounding
/// never keeps money.
pub fn refund_amount(
    returned_value: Rupiah,
    list_value: Rupiah,
    paid: Rupiah,
    refunded_before: Rupiah,
    is_last: bool,
) -> Rupiah {
    let left = Rupiah((paid.0 - refunded_before.0).max(0));
    if is_last {
        return left;
    }
    if list_value.0 <= 0 {
        return Rupiah::ZERO;
    }
    let share = i128::from(returned_value.0) * i128::from(paid.0) / i128::from(list_value.0);
    Rupiah((share as i64).min(left.0))
}

/// Where a refund to QRIS goes when the purchase was paid partly with
/// points: the payment gets back its share and the member's points theirs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefundSplit {
    pub qris: Rupiah,
    pub points: Rupiah,
}

/// Shares a refund of `amount` to QRIS, after earlier returns refunded
/// `refunded_before`, between the QRIS payment and the points that paid
/// `points_paid` of `paid`. The shares are of running totals: the payment's
/// part of everything refunded so far is that total times what QRIS paid
/// over `paid`, rounded down, and this return gives the payment what that
/// part grew by and the points the rest. So the rounding never drifts: once
/// every rupiah of `paid` is refunded, the payment got back exactly what
/// QRIS paid and the points what they paid. A purchase paid by QRIS alone
/// refunds all of it to QRIS.
pub fn split_refund(
    amount: Rupiah,
    refunded_before: Rupiah,
    paid: Rupiah,
    points_paid: Rupiah,
) -> RefundSplit {
    if paid.0 <= 0 || points_paid.0 <= 0 {
        return RefundSplit { qris: amount, points: Rupiah::ZERO };
    }
    let qris_paid = i128::from((paid.0 - points_paid.0).max(0));
    let share = |refunded: i64| {
        let refunded = i128::from(refunded.clamp(0, paid.0));
        (refunded * qris_paid / i128::from(paid.0)) as i64
    };
    let qris = share(refunded_before.0 + amount.0) - share(refunded_before.0);
    RefundSplit { qris: Rupiah(qris), points: Rupiah(amount.0 - qris) }
}

/// What a scanned or typed code names as the purchase goods come back from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurchaseRef {
    /// A kiosk sale, `TRX-...`: the id itself or its e-receipt's address
    /// (the QR on the done screen, `https://.../receipt/TRX-...`).
    Sale(String),
    /// A click-and-collect order, `ORD-...`.
    Order(String),
    /// An order's pickup QR (`SWP1.`), which names the order; only the
    /// central, which signed it, reads it.
    PickupQr(String),
}

impl PurchaseRef {
    /// Reads `text`; `None` when it names no purchase (a product's
    /// barcode, a payment code, another shop's address).
    pub fn parse(text: &str) -> Option<PurchaseRef> {
        let text = text.trim();
        if text.starts_with("SWP1.") {
            return Some(PurchaseRef::PickupQr(text.to_owned()));
        }
        let id = match text.rsplit_once("/receipt/") {
            Some((base, id)) if base.starts_with("http://") || base.starts_with("https://") => {
                id.split(['?', '#']).next().unwrap_or_default()
            }
            Some(_) => return None,
            None => text,
        };
        let well_formed = |prefix: &str| {
            id.strip_prefix(prefix).is_some_and(|rest| {
                (1..=40).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
            })
        };
        if well_formed("TRX-") {
            Some(PurchaseRef::Sale(id.to_owned()))
        } else if well_formed("ORD-") && !text.contains('/') {
            Some(PurchaseRef::Order(id.to_owned()))
        } else {
            None
        }
    }

    /// The text to send the central as `ref`.
    pub fn as_str(&self) -> &str {
        match self {
            PurchaseRef::Sale(s) | PurchaseRef::Order(s) | PurchaseRef::PickupQr(s) => s,
        }
    }
}

/// Why none of `line` may come back at `now`, if so: the rule that would
/// refuse a return of all that is left of it (of one, when nothing is).
pub fn line_refusal(
    rules: &ReturnRules,
    bought_at: DateTime<Utc>,
    now: DateTime<Utc>,
    line: &Returning<'_>,
) -> Option<NotReturnable> {
    let left = line.bought.saturating_sub(line.returned).max(1);
    check(rules, bought_at, now, &[Returning { qty: left, ..line.clone() }]).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn rules() -> ReturnRules {
        ReturnRules::from_toml("days = 7\nfinal_sale = [\"buah-sayur\"]\n", "r.toml").unwrap()
    }

    fn line<'a>(category: Option<&'a str>, qty: u32) -> Returning<'a> {
        Returning { barcode: "8991101000070", name: "Popok", category, qty, bought: 2, returned: 0 }
    }

    #[test]
    fn within_the_days_a_line_comes_back() {
        let bought = at("2026-03-01T10:00:00Z");
        let lines = [line(Some("bayi-ibu"), 2)];
        // Seven days to the second after the purchase is the last moment.
        assert_eq!(check(&rules(), bought, at("2026-03-08T10:00:00Z"), &lines), Ok(()));
        let late = check(&rules(), bought, at("2026-03-08T10:00:01Z"), &lines).unwrap_err();
        assert_eq!(late.rule, "days");
        assert_eq!(
            late.to_string(),
            "bought 7 days ago; goods come back within 7 days of purchase (rule days)"
        );
    }

    #[test]
    fn a_final_sale_line_or_too_many_is_refused_naming_the_rule() {
        let now = at("2026-03-02T10:00:00Z");
        let bought = at("2026-03-01T10:00:00Z");
        let e = check(&rules(), bought, now, &[line(Some("buah-sayur"), 1)]).unwrap_err();
        assert_eq!(e.rule, "final_sale");
        assert!(e.reason.contains("final-sale category buah-sayur"), "{e}");
        let e = check(&rules(), bought, now, &[line(None, 3)]).unwrap_err();
        assert_eq!(e.rule, "quantity");
        assert!(e.reason.contains("3 asked back, 2 of 2 bought"), "{e}");
        let twice = Returning { returned: 2, ..line(None, 1) };
        assert_eq!(check(&rules(), bought, now, &[twice]).unwrap_err().rule, "quantity");
    }

    #[test]
    fn a_refund_of_a_sale_paid_partly_with_points_gives_each_its_share() {
        // Rp 75.000: 50.000 by QRIS, 25.000 in points. Goods worth 30.000
        // back: 30.000 x 50.000 / 75.000 = 20.000 to QRIS, 10.000 to points.
        let (paid, points) = (Rupiah(75_000), Rupiah(25_000));
        let first = split_refund(Rupiah(30_000), Rupiah::ZERO, paid, points);
        assert_eq!(first, RefundSplit { qris: Rupiah(20_000), points: Rupiah(10_000) });
        // The rest, 45.000: the payment's part of all 75.000 is 50.000, of
        // which 20.000 came back, so 30.000, and 15.000 to points. In all
        // 50.000 and 25.000, what each paid.
        let last = split_refund(Rupiah(45_000), Rupiah(30_000), paid, points);
        assert_eq!(last, RefundSplit { qris: Rupiah(30_000), points: Rupiah(15_000) });
        // Rounding: 10.001 x 50.000 / 75.000 = 6.667,33, so 6.667 and 3.334.
        let odd = split_refund(Rupiah(10_001), Rupiah::ZERO, paid, points);
        assert_eq!(odd, RefundSplit { qris: Rupiah(6_667), points: Rupiah(3_334) });
        // No points: all to QRIS.
        let plain = split_refund(Rupiah(49_347), Rupiah::ZERO, Rupiah(113_500), Rupiah::ZERO);
        assert_eq!(plain, RefundSplit { qris: Rupiah(49_347), points: Rupiah::ZERO });
        // Twenty returns of one of twenty items at 10.500, the sale of
        // 210.000 paid 209.999 by QRIS and 1 point: the rounding does not
        // drift, the payment gets back 209.999 and the points 1.
        let (paid, points) = (Rupiah(210_000), Rupiah(1));
        let (mut qris, mut back) = (0, 0);
        for i in 0..20 {
            let s = split_refund(Rupiah(10_500), Rupiah(10_500 * i), paid, points);
            (qris, back) = (qris + s.qris.0, back + s.points.0);
        }
        assert_eq!((qris, back), (209_999, 1));
    }

    #[test]
    fn a_refund_shares_the_discount_out_and_the_last_return_takes_the_rest() {
        // Lines worth 30 000 paid 27 000 (10 % off): returning 10 000 of
        // them refunds 10 000 x 27 000 / 30 000 = 9 000.
        let r = refund_amount(Rupiah(10_000), Rupiah(30_000), Rupiah(27_000), Rupiah::ZERO, false);
        assert_eq!(r, Rupiah(9_000));
        // 10 001 of 30 000 at 27 000: 9 000.9, rounded down to 9 000.
        let r = refund_amount(Rupiah(10_001), Rupiah(30_000), Rupiah(27_000), Rupiah::ZERO, false);
        assert_eq!(r, Rupiah(9_000));
        // The rest: 27 000 - 9 000 = 18 000.
        let r = refund_amount(Rupiah(20_000), Rupiah(30_000), Rupiah(27_000), Rupiah(9_000), true);
        assert_eq!(r, Rupiah(18_000));
    }

    #[test]
    fn a_bad_rules_file_says_what_is_wrong() {
        let e = ReturnRules::from_toml("days = 400\n", "r.toml").unwrap_err();
        assert_eq!(e.to_string(), "r.toml: days = 400: from 0 to 365");
        let e = ReturnRules::from_toml("days = 7\nfinal = []\n", "r.toml").unwrap_err();
        assert!(e.to_string().starts_with("r.toml: ") && e.to_string().contains("final"), "{e}");
    }

    #[test]
    fn a_receipt_qr_an_order_id_or_a_pickup_qr_names_the_purchase() {
        let sale = |s: &str| Some(PurchaseRef::Sale(s.into()));
        assert_eq!(PurchaseRef::parse("http://127.0.0.1:8080/receipt/TRX-9F2A"), sale("TRX-9F2A"));
        assert_eq!(PurchaseRef::parse(" https://pos.example/receipt/TRX-1?x=1 "), sale("TRX-1"));
        assert_eq!(PurchaseRef::parse("TRX-AB12"), sale("TRX-AB12"));
        assert_eq!(PurchaseRef::parse("ORD-77"), Some(PurchaseRef::Order("ORD-77".into())));
        let qr = PurchaseRef::parse("SWP1.abc.def").unwrap();
        assert_eq!(qr, PurchaseRef::PickupQr("SWP1.abc.def".into()));
        // Not a purchase: a barcode, a receipt path with no scheme, a
        // payment code, a receipt id with a slash or a space in it.
        for text in ["8991101000070", "receipt/TRX-1", "00020101021226", "TRX-", "TRX-1 2"] {
            assert_eq!(PurchaseRef::parse(text), None, "{text}");
        }
        assert_eq!(PurchaseRef::parse("http://x/receipt/ORD-1"), None);
    }

    #[test]
    fn a_line_is_refused_by_its_own_rule_or_by_nothing_left() {
        let now = at("2026-03-02T10:00:00Z");
        let bought = at("2026-03-01T10:00:00Z");
        assert_eq!(line_refusal(&rules(), bought, now, &line(Some("bayi-ibu"), 0)), None);
        let fruit = line_refusal(&rules(), bought, now, &line(Some("buah-sayur"), 0)).unwrap();
        assert_eq!(fruit.rule, "final_sale");
        // Both of two came back already: one more is one too many.
        let gone = Returning { returned: 2, ..line(None, 0) };
        let e = line_refusal(&rules(), bought, now, &gone).unwrap();
        assert_eq!((e.rule, e.reason.contains("1 asked back, 0 of 2 bought")), ("quantity", true));
        let late = line_refusal(&rules(), bought, at("2026-03-09T10:00:00Z"), &line(None, 0));
        assert_eq!(late.unwrap().rule, "days");
    }
}
