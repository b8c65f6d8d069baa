//! Pricing and promotions: one engine for the central and every device.
//!
//! [`price`] is a pure function of the cart lines, the promotion set, the
//! shopper and the time, so the same inputs give the same [`Priced`] to the
//! rupiah on every machine, online or offline.
//!
//! # Order and stacking
//!
//! Promotions are ranked: item promotions (everything but whole-cart
//! percent/amount off and spend thresholds) before cart promotions; within
//! each, higher `priority` first, then id in byte order. They are tried in
//! that order:
//!
//! - each unit of a line takes at most one item promotion, the first ranked
//!   that uses it; a buy-get or bundle uses all the units of its groups;
//! - cart promotions then apply one after another to the running total
//!   (the subtotal less every discount so far), and stack;
//! - an `exclusive` promotion that gives a discount stops every promotion
//!   ranked after it.
//!
//! # Rounding
//!
//! A percentage is taken of a line's units together (or of the running
//! total) and floored to the whole rupiah: 10 % of Rp 12.345 is Rp 1.234.
//! No discount is ever larger than what it applies to, so no total is
//! negative.

mod engine;
mod file;
mod model;

use chrono::{FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::variable::{CodeError, Layouts, Measure};
use crate::domain::{Product, Rupiah, cart};

pub use engine::price;
pub use file::PromotionFileError;
pub use model::{
    Audience, Effect, InvalidPromotion, MAX_AMOUNT, Promotion, Promotions, Reward, TIERS, Target,
    normalise_code,
};

/// Asia/Jakarta time, UTC+07:00 all year (no daylight saving): promotion
/// windows and birthdays are Jakarta dates and times.
pub fn jakarta() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+07:00 is a valid offset")
}

/// Who is buying, as far as promotions care.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shopper {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberFacts>,
    /// Voucher codes the shopper gave, as typed or scanned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vouchers: Vec<String>,
}

/// What promotions may know of an identified member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFacts {
    pub id: String,
    pub tier: String,
    /// `YYYY-MM-DD` in JSON.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "iso_date")]
    pub birthday: Option<NaiveDate>,
}

impl MemberFacts {
    /// The facts of member `id` of `tier`, their birthday given as the
    /// `YYYY-MM-DD` text the central stores and sends; text that is no such
    /// date is no birthday.
    pub fn new(id: &str, tier: &str, birthday: Option<&str>) -> MemberFacts {
        MemberFacts {
            id: id.to_owned(),
            tier: tier.to_owned(),
            birthday: birthday.and_then(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").ok()),
        }
    }
}

/// An optional date as `YYYY-MM-DD` (chrono is built without serde here).
mod iso_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| {
                NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
                    serde::de::Error::custom(format!("birthday {t:?} is not a YYYY-MM-DD date"))
                })
            })
            .transpose()
    }
}

/// A cart priced: every line, every discount, the totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priced {
    pub lines: Vec<PricedLine>,
    /// The lines' totals before any discount.
    pub subtotal: Rupiah,
    /// One entry per promotion that saved something, in the order applied.
    pub discounts: Vec<Discount>,
    /// `subtotal` less every discount; never negative.
    pub total: Rupiah,
    /// What became of each voucher code the shopper gave, in their order.
    pub vouchers: Vec<VoucherOutcome>,
}

impl Priced {
    /// The sum of every discount.
    pub fn saved(&self) -> Rupiah {
        Rupiah(self.discounts.iter().map(|d| d.amount.0).sum())
    }

    /// The ids of promotions applied in `before` that are not in `self`
    /// (a cart handed over from another channel whose promotion ended).
    pub fn lost_since<'a>(&self, before: &'a Priced) -> Vec<&'a str> {
        before
            .discounts
            .iter()
            .filter(|d| !self.discounts.iter().any(|n| n.promotion == d.promotion))
            .map(|d| d.promotion.as_str())
            .collect()
    }
}

/// One cart line priced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub barcode: String,
    pub name: String,
    pub qty: u32,
    pub unit_price: Rupiah,
    /// `unit_price * qty`.
    pub line_total: Rupiah,
    /// What item promotions took off this line (cart promotions are only
    /// in [`Priced::discounts`]).
    pub discount: Rupiah,
    /// The item promotions that used this line, in the order applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<String>,
    /// The weight or label price of a variable-measure line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

/// One promotion applied, as the receipt lists it:
/// `{"promotion":"ID","amount":N}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub promotion: String,
    pub amount: Rupiah,
}

/// What became of one voucher code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherOutcome {
    /// The code, normalised (trimmed, upper case).
    pub code: String,
    /// The promotion it belongs to; `None` for an unknown code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<String>,
    pub status: VoucherStatus,
    /// Why it did not apply, for the screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// Its promotion gave a discount: the code is spent with the sale.
    Applied,
    /// No promotion has this code.
    Unknown,
    /// Its promotion did not apply; the code stays unused.
    NotApplicable,
}

/// One line asked for by barcode, as a cart file or `POST /v1/price` has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRequest {
    pub barcode: String,
    pub qty: u32,
}

/// Why requested lines cannot be priced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("line {line}: barcode {barcode} is not in the catalog")]
    Unknown { line: usize, barcode: String },
    #[error("line {line}: quantity {qty} of {barcode} is not 1 to {}", cart::MAX_QTY)]
    Qty { line: usize, barcode: String, qty: u32 },
    #[error("line {line}: {error}")]
    Code { line: usize, error: CodeError },
}

/// Cart lines for requested ones, from the catalog `lookup` (the central's
/// database or the device cache): names, prices and categories as the
/// catalog has them. A variable-measure code is read with the store's
/// `layouts` and priced from its item's catalog entry, the same way on
/// every machine.
pub fn cart_lines(
    requested: &[LineRequest],
    layouts: &Layouts,
    mut lookup: impl FnMut(&str) -> Option<Product>,
) -> Result<Vec<cart::Line>, LineError> {
    requested
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if !(1..=cart::MAX_QTY).contains(&r.qty) {
                return Err(LineError::Qty { line: i + 1, barcode: r.barcode.clone(), qty: r.qty });
            }
            let unknown = || LineError::Unknown { line: i + 1, barcode: r.barcode.clone() };
            let (p, measure) = if layouts.covers(&r.barcode) {
                let reading = layouts
                    .parse(&r.barcode)
                    .map_err(|error| LineError::Code { line: i + 1, error })?;
                let item = reading.item(lookup(&reading.key).ok_or_else(unknown)?);
                (item.product, item.measure)
            } else {
                (lookup(&r.barcode).ok_or_else(unknown)?, None)
            };
            Ok(cart::Line {
                barcode: p.barcode,
                name: p.name,
                unit_price: p.price,
                qty: r.qty,
                category: p.category,
                restriction: p.restriction,
                approved: 0,
                measure,
            })
        })
        .collect()
}

/// [`cart_lines`] from a catalog whose reads can fail (a database): the
/// first failed read is the outer error, a line the catalog cannot price
/// the inner one.
pub fn try_cart_lines<E>(
    requested: &[LineRequest],
    layouts: &Layouts,
    mut lookup: impl FnMut(&str) -> Result<Option<Product>, E>,
) -> Result<Result<Vec<cart::Line>, LineError>, E> {
    let mut failed = None;
    let lines = cart_lines(requested, layouts, |b| {
        lookup(b).unwrap_or_else(|e| {
            failed = Some(e);
            None
        })
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(lines),
    }
}

/// A cart's lines as requested lines (to send to `POST /v1/price`).
pub fn requested(lines: &[cart::Line]) -> Vec<LineRequest> {
    lines.iter().map(|l| LineRequest { barcode: l.barcode.clone(), qty: l.qty }).collect()
}

#[cfg(test)]
mod tests;
