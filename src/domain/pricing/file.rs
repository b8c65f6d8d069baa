//! The promotions file: TOML, one `[[promotion]]` table per promotion.
//!
//! The README documents the format with an example of every kind. A file is
//! taken whole or refused whole, with the promotion's id, the reason and the
//! line where it can be told.

use chrono::{FixedOffset, NaiveDate, TimeZone};
use serde::Deserialize;

use super::jakarta;
use super::model::{Audience, Effect, Promotion, Promotions, Reward, Target, normalise_code};
use crate::domain::Rupiah;

/// Why a promotions file was refused. Nothing of it was loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PromotionFileError {
    /// Not TOML, or not a list of `[[promotion]]` tables.
    #[error("{source_name}: {message}")]
    Syntax { source_name: String, message: String },
    #[error("{source_name}: promotion number {index} has no `id`")]
    NoId { source_name: String, index: usize },
    #[error("{source_name}: line {line}: promotion {id}: {reason}")]
    Promotion { source_name: String, line: usize, id: String, reason: String },
}

/// One `[[promotion]]` table as written; every field but the id, the name
/// and the kind is optional here and checked per kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    name: String,
    kind: String,
    percent: Option<u32>,
    amount: Option<i64>,
    items: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    cart: Option<bool>,
    buy: Option<u32>,
    get: Option<u32>,
    free_item: Option<String>,
    price: Option<i64>,
    min_spend: Option<i64>,
    from: Option<toml::value::Datetime>,
    until: Option<toml::value::Datetime>,
    priority: Option<i32>,
    exclusive: Option<bool>,
    members_only: Option<bool>,
    tiers: Option<Vec<String>>,
    birthday_within_days: Option<u32>,
    codes: Option<Vec<String>>,
}

/// The fields every kind may have.
const COMMON: &[&str] = &[
    "id",
    "name",
    "kind",
    "from",
    "until",
    "priority",
    "exclusive",
    "members_only",
    "tiers",
    "birthday_within_days",
    "codes",
];

/// The fields of each kind, besides [`COMMON`].
fn kind_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "percent_off" => &["percent", "items", "categories", "cart"],
        "amount_off" => &["amount", "items", "categories", "cart"],
        "buy_get" => &["buy", "get", "items", "categories", "cart", "free_item"],
        "bundle" => &["items", "price"],
        "member_price" => &["items", "price"],
        "spend_threshold" => &["min_spend", "amount", "free_item"],
        _ => return None,
    })
}

impl Promotions {
    /// Reads a promotions file; `source` names it in errors.
    pub fn from_toml(text: &str, source: &str) -> Result<Promotions, PromotionFileError> {
        let syntax = |message: String| PromotionFileError::Syntax {
            source_name: source.to_owned(),
            message,
        };
        let mut top: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            syntax(e.to_string().trim_end().replace('\n', " ").replace("  ", " "))
        })?;
        if let Some(key) = top.keys().find(|k| *k != "promotion") {
            return Err(syntax(format!("unknown top-level key `{key}`; write [[promotion]]")));
        }
        let tables = match top.remove("promotion") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a,
            Some(_) => return Err(syntax("`promotion` must be written [[promotion]]".into())),
        };

        let mut list = Vec::with_capacity(tables.len());
        let mut lines = Vec::with_capacity(tables.len());
        for (i, value) in tables.into_iter().enumerate() {
            let id = value.get("id").and_then(toml::Value::as_str).map(str::to_owned);
            let Some(id) = id else {
                return Err(PromotionFileError::NoId {
                    source_name: source.to_owned(),
                    index: i + 1,
                });
            };
            let line = line_of(text, &id, lines.last().copied().unwrap_or(0));
            let fail = |reason: String| PromotionFileError::Promotion {
                source_name: source.to_owned(),
                line,
                id: id.clone(),
                reason,
            };
            let table = value.as_table().ok_or_else(|| fail("not a table".into()))?;
            let kind = table.get("kind").and_then(toml::Value::as_str).unwrap_or("");
            let allowed = kind_fields(kind).ok_or_else(|| {
                fail(format!(
                    "kind {kind:?} is not one of percent_off, amount_off, buy_get, bundle, \
                     member_price, spend_threshold"
                ))
            })?;
            if let Some(k) = table
                .keys()
                .find(|k| !COMMON.contains(&k.as_str()) && !allowed.contains(&k.as_str()))
            {
                return Err(fail(format!("field `{k}` does not belong to kind {kind}")));
            }
            let raw: Raw = value
                .try_into()
                .map_err(|e: toml::de::Error| fail(e.message().trim_end().replace('\n', " ")))?;
            let promotion = convert(raw).map_err(fail)?;
            promotion.check().map_err(fail)?;
            list.push(promotion);
            lines.push(line);
        }
        let ids: Vec<String> = list.iter().map(|p| p.id.clone()).collect();
        Promotions::new(list).map_err(|e| {
            // Duplicates are found in rank order; name the later line.
            let line = ids
                .iter()
                .zip(&lines)
                .filter(|(id, _)| **id == e.id)
                .map(|(_, l)| *l)
                .max()
                .unwrap_or(0);
            PromotionFileError::Promotion {
                source_name: source.to_owned(),
                line,
                id: e.id,
                reason: e.reason,
            }
        })
    }
}

/// The line (from 1) of `id = "ID"` at or after line `after`; 0 when it
/// cannot be found (an id written in another style).
fn line_of(text: &str, id: &str, after: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(after)
        .find(|(_, l)| {
            let l = l.trim_start();
            l.strip_prefix("id").map(str::trim_start).and_then(|l| l.strip_prefix('=')).is_some_and(
                |v| {
                    let v = v.trim();
                    v.trim_matches(|c| c == '"' || c == '\'') == id
                        && (v.starts_with('"') || v.starts_with('\''))
                },
            )
        })
        .map_or(0, |(i, _)| i + 1)
}

fn convert(raw: Raw) -> Result<Promotion, String> {
    let target = || -> Result<Target, String> {
        match (raw.cart, &raw.items, &raw.categories) {
            (Some(true), None, None) => Ok(Target::Cart),
            (Some(true), _, _) => Err("`cart = true` goes without `items` or `categories`".into()),
            (_, None, None) => Err("name `items`, `categories` or `cart = true`".into()),
            _ => Ok(Target::Items {
                barcodes: raw.items.clone().unwrap_or_default(),
                categories: raw.categories.clone().unwrap_or_default(),
            }),
        }
    };
    let need = |v: Option<i64>, field: &str| {
        v.map(Rupiah).ok_or_else(|| format!("kind {} needs `{field}`", raw.kind))
    };
    let effect = match raw.kind.as_str() {
        "percent_off" => Effect::PercentOff {
            percent: raw.percent.ok_or("kind percent_off needs `percent`")?,
            target: target()?,
        },
        "amount_off" => {
            Effect::AmountOff { amount: need(raw.amount, "amount")?, target: target()? }
        }
        "buy_get" => Effect::BuyGet {
            buy: raw.buy.ok_or("kind buy_get needs `buy`")?,
            get: raw.get.ok_or("kind buy_get needs `get`")?,
            target: target()?,
            free_item: raw.free_item.clone(),
        },
        "bundle" => Effect::Bundle {
            items: raw.items.clone().ok_or("kind bundle needs `items`")?,
            price: need(raw.price, "price")?,
        },
        "member_price" => Effect::MemberPrice {
            items: raw.items.clone().ok_or("kind member_price needs `items`")?,
            price: need(raw.price, "price")?,
        },
        "spend_threshold" => Effect::SpendThreshold {
            min_spend: need(raw.min_spend, "min_spend")?,
            reward: match (raw.amount, &raw.free_item) {
                (Some(a), None) => Reward::AmountOff(Rupiah(a)),
                (None, Some(item)) => Reward::FreeItem(item.clone()),
                _ => return Err("a spend threshold gives either `amount` or `free_item`".into()),
            },
        },
        other => return Err(format!("kind {other:?} is unknown")),
    };
    let audience = match (raw.members_only, raw.tiers) {
        (_, Some(tiers)) => Audience::Tiers(tiers),
        (Some(true), None) => Audience::Members,
        _ => Audience::Everyone,
    };
    Ok(Promotion {
        id: raw.id,
        name: raw.name,
        effect,
        from: raw.from.map(|t| instant(&t, false)).transpose()?,
        until: raw.until.map(|t| instant(&t, true)).transpose()?,
        priority: raw.priority.unwrap_or(0),
        exclusive: raw.exclusive.unwrap_or(false),
        audience,
        birthday_within_days: raw.birthday_within_days,
        codes: raw.codes.unwrap_or_default().iter().map(|c| normalise_code(c)).collect(),
    })
}

/// A TOML date or date-time as Unix seconds. Without an offset it is
/// Jakarta time. A date alone is the start of that day, or for `until` the
/// start of the next one, so `until = 2025-12-31` runs through the 31st.
fn instant(t: &toml::value::Datetime, is_until: bool) -> Result<i64, String> {
    let d = t.date.ok_or_else(|| format!("{t} has no date"))?;
    let date = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .ok_or_else(|| format!("{t} is not a date"))?;
    let (time, next_day) = match t.time {
        None => (chrono::NaiveTime::MIN, is_until),
        Some(tm) => (
            chrono::NaiveTime::from_hms_opt(
                u32::from(tm.hour),
                u32::from(tm.minute),
                u32::from(tm.second.unwrap_or(0)),
            )
            .ok_or_else(|| format!("{t} is not a time of day"))?,
            false,
        ),
    };
    let offset = match t.offset {
        None => jakarta(),
        Some(toml::value::Offset::Z) => FixedOffset::east_opt(0).expect("zero offset"),
        Some(toml::value::Offset::Custom { minutes }) => {
            FixedOffset::east_opt(i32::from(minutes) * 60).ok_or("the offset is out of range")?
        }
    };
    let local = date.and_time(time);
    let at = offset.from_local_datetime(&local).single().ok_or("not a single instant")?;
    Ok(at.timestamp() + if next_day { 24 * 3600 } else { 0 })
}
