//! Promotions and pricing on the central: the set devices sync, and the
//! same engine over the central's own catalog, for comparison.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use tracing::debug;

use super::AppState;
use super::routes::{Failure, bad_request, json_body, query};
use crate::central::api::{PriceAnswer, PriceRequest, PromotionSet};
use crate::domain::pricing::{self, Shopper, jakarta};
use crate::domain::variable::Layouts;
use crate::domain::{Product, Rupiah};

/// The demo promotions shipped with the binary, used when no file is given.
pub const DEMO_PROMOTIONS: &str = include_str!("../../../assets/promotions.toml");

/// The promotion set a central serves, with its version.
pub(crate) struct Loaded {
    pub set: Arc<pricing::Promotions>,
    pub version: String,
}

#[derive(Deserialize)]
pub(super) struct PromotionsQuery {
    known: Option<String>,
}

/// `GET /v1/promotions[?known=VERSION]`.
pub(super) async fn promotions(
    State(s): State<Arc<AppState>>,
    q: Result<Query<PromotionsQuery>, QueryRejection>,
) -> Result<Json<PromotionSet>, Failure> {
    let q = query(q)?;
    let loaded = &s.promotions;
    let unchanged = q.known.as_deref() == Some(loaded.version.as_str());
    debug!(version = %loaded.version, unchanged, "promotions asked");
    Ok(Json(PromotionSet {
        version: loaded.version.clone(),
        promotions: (!unchanged).then(|| (*loaded.set).clone()),
    }))
}

/// `POST /v1/price`: prices a cart as a device would, from the central's
/// catalog and promotions.
pub(super) async fn price(
    State(s): State<Arc<AppState>>,
    body: Result<Json<PriceRequest>, JsonRejection>,
) -> Result<Json<PriceAnswer>, Failure> {
    let req = json_body(body)?;
    let at = price_time(req.at.as_deref()).map_err(bad_request)?;
    let requested = req.lines.clone();
    let layouts = s.layouts.clone();
    let lines = s
        .db
        .run(move |conn| Ok(pricing::try_cart_lines(&requested, &layouts, |b| product(conn, b))?))
        .await?
        .map_err(|e| bad_request(e.to_string()))?;
    let shopper = Shopper { member: req.member, vouchers: req.vouchers };
    let priced = pricing::price(&lines, &s.promotions.set, &shopper, at);
    debug!(lines = lines.len(), total = priced.total.0, "cart priced");
    Ok(Json(PriceAnswer {
        priced,
        at: at.to_rfc3339(),
        promotions_version: s.promotions.version.clone(),
    }))
}

/// The time a request prices at: the one it gives (RFC 3339), or now, in
/// Jakarta time.
pub fn price_time(at: Option<&str>) -> Result<DateTime<FixedOffset>, String> {
    match at {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&jakarta()))
            .map_err(|e| format!("time {t:?} is not RFC 3339: {e}")),
        None => Ok(chrono::Utc::now().with_timezone(&jakarta())),
    }
}

pub(super) fn product(conn: &Connection, barcode: &str) -> rusqlite::Result<Option<Product>> {
    conn.prepare_cached(
        "SELECT barcode, name, price, category, restriction FROM product
         WHERE barcode = ?1 AND deleted = 0",
    )?
    .query_row([barcode], |r| {
        Ok(Product {
            barcode: r.get(0)?,
            name: r.get(1)?,
            price: Rupiah(r.get(2)?),
            category: r.get(3)?,
            restriction: super::db::restriction(&r.get::<_, String>(4)?),
        })
    })
    .optional()
}

/// The central's own total of a sale: its lines (by barcode and quantity,
/// a variable-measure code read with the store's `layouts`) priced with
/// this central's catalog and `promotions` at `at`, for the
/// sale's member (as the central knows them) and vouchers. `None` when a
/// line cannot be priced here (a product since removed, say): the caller
/// says so in its log.
pub(super) fn sale_total(
    conn: &Connection,
    promotions: &pricing::Promotions,
    layouts: &Layouts,
    sale: &crate::central::api::NewTransaction,
    at: DateTime<FixedOffset>,
) -> rusqlite::Result<Result<Rupiah, String>> {
    let requested: Vec<pricing::LineRequest> = sale
        .lines
        .iter()
        .map(|l| pricing::LineRequest { barcode: l.barcode.clone(), qty: l.qty })
        .collect();
    let lines = match pricing::try_cart_lines(&requested, layouts, |b| product(conn, b))? {
        Ok(lines) => lines,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let member = match &sale.member {
        Some(id) => super::points::member(conn, id)?.map(|m| super::points::member_facts(&m)),
        None => None,
    };
    let shopper = Shopper { member, vouchers: sale.vouchers.clone() };
    Ok(Ok(pricing::price(&lines, promotions, &shopper, at).total))
}
