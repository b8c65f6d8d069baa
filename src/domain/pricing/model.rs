//! The promotion model: what a promotion gives, to whom, and when.
//!
//! The same types travel as JSON in the catalog sync, so a device checks a
//! set it receives exactly as the central checked the file.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::Rupiah;
use crate::domain::{gtin, variable};

/// The loyalty tiers a promotion may be limited to.
pub const TIERS: [&str; 3] = ["silver", "gold", "platinum"];

/// The largest amount or price a promotion may name: Rp 1.000.000.000, as
/// for a catalog price.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// One promotion: its effect and the conditions under which it applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// Stable id, on receipts and in the sale: `A-Z a-z 0-9 - _`.
    pub id: String,
    /// What the screen and the receipt call it.
    pub name: String,
    pub effect: Effect,
    /// First second it runs (Unix seconds); `None`: since always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    /// First second it no longer runs (Unix seconds); `None`: for ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    /// Higher goes first; ties go by id.
    #[serde(default)]
    pub priority: i32,
    /// When it gives a discount, nothing ranked after it applies.
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub audience: Audience,
    /// Only for a member whose birthday is at most this many days from the
    /// day of the purchase (Jakarta dates); 0 is the birthday itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday_within_days: Option<u32>,
    /// Voucher codes (upper case); when any, the promotion applies only
    /// for a shopper who gave one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
}

/// What a promotion gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// A percentage off each unit of the target, or off the cart.
    PercentOff { percent: u32, target: Target },
    /// An amount off each unit of the target, or once off the cart.
    AmountOff { amount: Rupiah, target: Target },
    /// For every `buy` units of the target, `get` units free: the cheapest
    /// of each group, or units of `free_item` when named.
    BuyGet {
        buy: u32,
        get: u32,
        target: Target,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        free_item: Option<String>,
    },
    /// These units together (a barcode twice is two units) for `price`.
    Bundle { items: Vec<String>, price: Rupiah },
    /// A lower unit price of these items, for members or tiers.
    MemberPrice { items: Vec<String>, price: Rupiah },
    /// Spend at least `min_spend` (after item promotions), get a reward.
    SpendThreshold { min_spend: Rupiah, reward: Reward },
}

impl Effect {
    /// True if and only if it applies to the cart's running total, after
    /// every item promotion.
    pub fn is_cart_level(&self) -> bool {
        matches!(
            self,
            Effect::PercentOff { target: Target::Cart, .. }
                | Effect::AmountOff { target: Target::Cart, .. }
                | Effect::SpendThreshold { .. }
        )
    }

    /// The kind's name as the promotions file spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::PercentOff { .. } => "percent_off",
            Effect::AmountOff { .. } => "amount_off",
            Effect::BuyGet { .. } => "buy_get",
            Effect::Bundle { .. } => "bundle",
            Effect::MemberPrice { .. } => "member_price",
            Effect::SpendThreshold { .. } => "spend_threshold",
        }
    }
}

/// What a spend threshold gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reward {
    AmountOff(Rupiah),
    /// One unit of this item free; it must be in the cart.
    FreeItem(String),
}

/// Which lines a promotion looks at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The whole cart.
    Cart,
    /// Lines whose barcode is listed or whose category is listed.
    Items {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        barcodes: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        categories: Vec<String>,
    },
}

impl Target {
    /// True if and only if a line of this barcode and category is targeted.
    pub fn covers(&self, barcode: &str, category: Option<&str>) -> bool {
        match self {
            Target::Cart => true,
            Target::Items { barcodes, categories } => {
                barcodes.iter().any(|b| b == barcode)
                    || category.is_some_and(|c| categories.iter().any(|k| k == c))
            }
        }
    }
}

/// Who a promotion is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    #[default]
    Everyone,
    /// Any identified member.
    Members,
    /// Members of these tiers.
    Tiers(Vec<String>),
}

/// Why a promotion is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("promotion {id}: {reason}")]
pub struct InvalidPromotion {
    pub id: String,
    pub reason: String,
}

impl Promotion {
    /// Checks the promotion on its own; returns why it is wrong.
    pub fn check(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err("the id must be 1 to 40 of A-Z, a-z, 0-9, - and _".into());
        }
        if self.name.trim().is_empty() {
            return Err("the name is empty".into());
        }
        if let (Some(from), Some(until)) = (self.from, self.until)
            && from >= until
        {
            return Err("`from` is not before `until`".into());
        }
        if let Audience::Tiers(tiers) = &self.audience {
            if tiers.is_empty() {
                return Err("`tiers` is empty".into());
            }
            if let Some(t) = tiers.iter().find(|t| !TIERS.contains(&t.as_str())) {
                return Err(format!("tier {t:?} is not one of silver, gold, platinum"));
            }
        }
        if self.birthday_within_days.is_some_and(|d| d > 31) {
            return Err("`birthday_within_days` is above 31".into());
        }
        for code in &self.codes {
            check_code(code)?;
        }
        self.check_effect()
    }

    fn check_effect(&self) -> Result<(), String> {
        match &self.effect {
            Effect::PercentOff { percent, target } => {
                if !(1..=100).contains(percent) {
                    return Err(format!("percent {percent} is not 1 to 100"));
                }
                check_target(target)
            }
            Effect::AmountOff { amount, target } => {
                check_amount("amount", *amount)?;
                check_target(target)
            }
            Effect::BuyGet { buy, get, target, free_item } => {
                if !(1..=99).contains(buy) || !(1..=99).contains(get) {
                    return Err(format!("buy {buy} and get {get} must each be 1 to 99"));
                }
                if let Some(item) = free_item {
                    check_barcode(item)?;
                }
                check_target(target)
            }
            Effect::Bundle { items, price } => {
                check_amount("price", *price)?;
                if items.len() < 2 {
                    return Err("a bundle needs at least two items".into());
                }
                items.iter().try_for_each(|b| check_barcode(b))
            }
            Effect::MemberPrice { items, price } => {
                check_amount("price", *price)?;
                if self.audience == Audience::Everyone {
                    return Err("a member price needs `members_only = true` or `tiers`".into());
                }
                if items.is_empty() {
                    return Err("`items` is empty".into());
                }
                items.iter().try_for_each(|b| check_barcode(b))
            }
            Effect::SpendThreshold { min_spend, reward } => {
                check_amount("min_spend", *min_spend)?;
                match reward {
                    Reward::AmountOff(a) => check_amount("amount", *a),
                    Reward::FreeItem(b) => check_barcode(b),
                }
            }
        }
    }
}

fn check_amount(field: &str, amount: Rupiah) -> Result<(), String> {
    if amount.0 <= 0 || amount.0 > MAX_AMOUNT {
        return Err(format!("`{field}` {} is not 1 to {MAX_AMOUNT} rupiah", amount.0));
    }
    Ok(())
}

fn check_barcode(barcode: &str) -> Result<(), String> {
    // Produce without a barcode is named by its PLU, as the catalog keys it.
    if !gtin::is_valid(barcode) && !variable::is_plu(barcode) {
        return Err(format!(
            "barcode {barcode:?} is not a GTIN with a valid check digit, nor a PLU \
             (3000 to 4999, or five digits from 9)"
        ));
    }
    Ok(())
}

fn check_target(target: &Target) -> Result<(), String> {
    match target {
        Target::Cart => Ok(()),
        Target::Items { barcodes, categories } => {
            if barcodes.is_empty() && categories.is_empty() {
                return Err("name `items`, `categories` or `cart = true`".into());
            }
            barcodes.iter().try_for_each(|b| check_barcode(b))
        }
    }
}

/// Checks a voucher code as it is stored: already normalised.
fn check_code(code: &str) -> Result<(), String> {
    let ok = (4..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(format!("voucher code {code:?} is not 4 to 32 of A-Z, 0-9 and -"));
    }
    Ok(())
}

/// A voucher code as the engine compares it: trimmed, upper case (a typed
/// code and a scanned one are the same code).
pub fn normalise_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// A checked set of promotions, in the order the engine ranks them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PromotionList", into = "PromotionList")]
pub struct Promotions {
    /// Item promotions first, then cart promotions; each by priority
    /// (highest first), then id.
    ranked: Vec<Promotion>,
    by_id: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
}

/// The JSON form: `{"promotions": [...]}`.
#[derive(Clone, Serialize, Deserialize)]
struct PromotionList {
    promotions: Vec<Promotion>,
}

impl TryFrom<PromotionList> for Promotions {
    type Error = InvalidPromotion;
    fn try_from(list: PromotionList) -> Result<Promotions, InvalidPromotion> {
        Promotions::new(list.promotions)
    }
}

impl From<Promotions> for PromotionList {
    fn from(p: Promotions) -> PromotionList {
        PromotionList { promotions: p.ranked }
    }
}

impl Promotions {
    /// Checks every promotion, and that ids and voucher codes are unique.
    pub fn new(list: Vec<Promotion>) -> Result<Promotions, InvalidPromotion> {
        let mut ranked = list;
        for p in &ranked {
            p.check().map_err(|reason| InvalidPromotion { id: p.id.clone(), reason })?;
        }
        ranked.sort_by(|a, b| {
            (a.effect.is_cart_level(), -i64::from(a.priority), &a.id).cmp(&(
                b.effect.is_cart_level(),
                -i64::from(b.priority),
                &b.id,
            ))
        });
        let mut by_id = HashMap::new();
        let mut by_code = HashMap::new();
        for (i, p) in ranked.iter().enumerate() {
            if by_id.insert(p.id.clone(), i).is_some() {
                let reason = "the id is used twice".into();
                return Err(InvalidPromotion { id: p.id.clone(), reason });
            }
            for code in &p.codes {
                if let Some(other) = by_code.insert(code.clone(), i) {
                    let reason =
                        format!("voucher code {code} is also a code of {}", ranked[other].id);
                    return Err(InvalidPromotion { id: p.id.clone(), reason });
                }
            }
        }
        Ok(Promotions { ranked, by_id, by_code })
    }

    /// The promotions in the engine's order.
    pub fn ranked(&self) -> &[Promotion] {
        &self.ranked
    }

    pub fn len(&self) -> usize {
        self.ranked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Promotion> {
        self.by_id.get(id).map(|&i| &self.ranked[i])
    }

    /// The promotion's name for the screen and the receipt.
    pub fn name(&self, id: &str) -> Option<&str> {
        self.get(id).map(|p| p.name.as_str())
    }

    /// The promotion a voucher code belongs to (the code as typed or
    /// scanned; it is normalised first).
    pub fn voucher(&self, code: &str) -> Option<&Promotion> {
        self.by_code.get(&normalise_code(code)).map(|&i| &self.ranked[i])
    }

    /// Every voucher code with its promotion's id, sorted by code.
    pub fn voucher_codes(&self) -> Vec<(&str, &str)> {
        let mut codes: Vec<(&str, &str)> =
            self.by_code.iter().map(|(c, &i)| (c.as_str(), self.ranked[i].id.as_str())).collect();
        codes.sort();
        codes
    }

    /// A short fingerprint of the set (hex), so a device skips an unchanged
    /// set at sync. Equal sets have equal versions on every machine.
    pub fn version(&self) -> String {
        let json = serde_json::to_vec(&self.ranked).expect("promotions always serialise");
        let digest = ring::digest::digest(&ring::digest::SHA256, &json);
        digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}
