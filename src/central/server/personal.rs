//! A member's personal touches: back-in-stock subscriptions and
//! recommendations, under `/v1/members/{id}/`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use tracing::{debug, info};

use super::routes::{Failure, bad_request, json_body, not_found, query};
use super::{AppState, stock};
use crate::central::api::{
    NewSubscription, Recommendation, Recommendations, Subscription, SubscriptionStatus,
    Subscriptions,
};
use crate::domain::Rupiah;
use crate::domain::recommend::{Basket, score};

/// The recommendations one answer gives when not asked.
pub const DEFAULT_RECOMMENDATIONS: u32 = 5;

/// The most recommendations one answer gives.
pub const MAX_RECOMMENDATIONS: u32 = 50;

type Shared = State<Arc<AppState>>;

/// Checks the member id of a request; `Err` is the answer to give.
fn member(conn: &Connection, id: &str) -> Result<Result<(), Failure>, anyhow::Error> {
    if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
        return Ok(Err(bad_request(format!("{id:?} is not a member id"))));
    }
    if super::points::member(conn, id)?.is_none() {
        return Ok(Err(Failure(
            StatusCode::NOT_FOUND,
            "unknown_member",
            format!("no member {id}"),
        )));
    }
    Ok(Ok(()))
}

fn subscription_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscription> {
    let notified_at: Option<String> = r.get(5)?;
    Ok(Subscription {
        member_id: r.get(0)?,
        barcode: r.get(1)?,
        name: r.get(2)?,
        store: r.get(3)?,
        status: if notified_at.is_some() {
            SubscriptionStatus::Notified
        } else {
            SubscriptionStatus::Waiting
        },
        created_at: r.get(4)?,
        notified_at,
    })
}

const SUBSCRIPTION_SELECT: &str = "SELECT s.member_id, s.barcode, coalesce(p.name, s.barcode),
        s.store_id, s.created_at, s.notified_at
    FROM subscription s LEFT JOIN product p ON p.barcode = s.barcode";

fn find_subscription(
    conn: &Connection,
    member_id: &str,
    barcode: &str,
    store: &str,
) -> rusqlite::Result<Option<Subscription>> {
    conn.query_row(
        &format!(
            "{SUBSCRIPTION_SELECT}
             WHERE s.member_id = ?1 AND s.barcode = ?2 AND s.store_id = ?3"
        ),
        [member_id, barcode, store],
        subscription_row,
    )
    .optional()
}

/// `POST /v1/members/{id}/subscriptions {barcode, store?}`.
///
/// Only an item out of stock at the store can be waited for (409
/// `in_stock` otherwise). Asking again while waiting answers the same
/// subscription (200); after a notification, asking again while the item
/// is out of stock once more waits again (201).
pub(super) async fn subscribe(
    State(s): Shared,
    Path(member_id): Path<String>,
    body: Result<Json<NewSubscription>, JsonRejection>,
) -> Result<(StatusCode, Json<Subscription>), Failure> {
    let req = json_body(body)?;
    let store = req.store.or_else(|| s.config.store.clone()).unwrap_or_default();
    let outcome =
        s.db.run(move |conn| {
            if let Err(f) = member(conn, &member_id)? {
                return Ok(Err(f));
            }
            if !stock::store_exists(conn, &store)? {
                return Ok(Err(not_found("store", &store)));
            }
            let barcode = req.barcode;
            if stock::product_name(conn, &barcode)?.is_none() {
                return Ok(Err(not_found("product", &barcode)));
            }
            let tx = conn.transaction()?;
            let existing = find_subscription(&tx, &member_id, &barcode, &store)?;
            if let Some(waiting) = existing.filter(|e| e.status == SubscriptionStatus::Waiting) {
                return Ok(Ok((StatusCode::OK, waiting)));
            }
            let qty = stock::qty(&tx, &store, &barcode)?;
            if qty > 0 {
                return Ok(Err(Failure(
                    StatusCode::CONFLICT,
                    "in_stock",
                    format!("{barcode} is in stock at store {store} ({qty}); nothing to wait for"),
                )));
            }
            tx.execute(
                "INSERT INTO subscription (member_id, barcode, store_id, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (member_id, barcode, store_id) DO UPDATE SET
                     created_at = excluded.created_at, notified_at = NULL",
                params![member_id, barcode, store, crate::store::now()],
            )?;
            let made = find_subscription(&tx, &member_id, &barcode, &store)?
                .expect("the subscription was just written");
            tx.commit()?;
            Ok(Ok((StatusCode::CREATED, made)))
        })
        .await?;
    let (status, sub) = outcome?;
    if status == StatusCode::CREATED {
        info!(barcode = %sub.barcode, store = %sub.store, "back-in-stock subscription");
    }
    Ok((status, Json(sub)))
}

/// `GET /v1/members/{id}/subscriptions`, newest first.
pub(super) async fn subscriptions(
    State(s): Shared,
    Path(member_id): Path<String>,
) -> Result<Json<Subscriptions>, Failure> {
    let list =
        s.db.run(move |conn| {
            if let Err(f) = member(conn, &member_id)? {
                return Ok(Err(f));
            }
            let mut stmt = conn.prepare_cached(&format!(
                "{SUBSCRIPTION_SELECT} WHERE s.member_id = ?1
                 ORDER BY s.created_at DESC, s.barcode, s.store_id"
            ))?;
            let rows = stmt
                .query_map([&member_id], subscription_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Ok(rows))
        })
        .await??;
    Ok(Json(Subscriptions { subscriptions: list }))
}

#[derive(Deserialize)]
pub(super) struct RecommendationsQuery {
    limit: Option<u32>,
    /// Barcodes in the cart, comma-separated.
    cart: Option<String>,
    store: Option<String>,
}

/// The baskets (distinct items per sale) `sql` selects as `(sale_id,
/// barcode)` rows ordered by sale.
fn baskets(conn: &Connection, sql: &str, param: &str) -> rusqlite::Result<Vec<Basket>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut by_sale: BTreeMap<String, Basket> = BTreeMap::new();
    let rows = stmt.query_map([param], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (sale, barcode) = row?;
        by_sale.entry(sale).or_default().insert(barcode);
    }
    Ok(by_sale.into_values().collect())
}

/// `GET /v1/members/{id}/recommendations?limit=N&cart=A,B&store=ID`: the
/// rule of [`crate::domain::recommend`], keeping only products in the
/// catalog and in stock at the store (the central's own by default).
pub(super) async fn recommendations(
    State(s): Shared,
    Path(member_id): Path<String>,
    q: Result<Query<RecommendationsQuery>, QueryRejection>,
) -> Result<Json<Recommendations>, Failure> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(DEFAULT_RECOMMENDATIONS);
    if !(1..=MAX_RECOMMENDATIONS).contains(&limit) {
        return Err(bad_request(format!("limit={limit}: from 1 to {MAX_RECOMMENDATIONS}")));
    }
    let cart: BTreeSet<String> = q
        .cart
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
        .collect();
    let store = q.store.or_else(|| s.config.store.clone()).unwrap_or_default();
    let id = member_id.clone();
    let list =
        s.db.run(move |conn| {
            if let Err(f) = member(conn, &id)? {
                return Ok(Err(f));
            }
            if !stock::store_exists(conn, &store)? {
                return Ok(Err(not_found("store", &store)));
            }
            let own = baskets(
                conn,
                "SELECT sale_id, barcode FROM sale_item WHERE member_id = ?1 ORDER BY sale_id",
                &id,
            )?;
            let seeds: BTreeSet<&String> = own.iter().flatten().chain(&cart).collect();
            let seeds = serde_json::to_string(&seeds).expect("strings always serialise");
            let sales = baskets(
                conn,
                "SELECT sale_id, barcode FROM sale_item WHERE sale_id IN (
                     SELECT sale_id FROM sale_item
                     WHERE barcode IN (SELECT value FROM json_each(?1)))
                 ORDER BY sale_id",
                &seeds,
            )?;
            let mut product = conn.prepare_cached(
                "SELECT name, price FROM product WHERE barcode = ?1 AND deleted = 0",
            )?;
            let mut out = Vec::new();
            for scored in score(&own, &sales, &cart) {
                let found = product
                    .query_row([&scored.barcode], |r| {
                        Ok((r.get::<_, String>(0)?, Rupiah(r.get(1)?)))
                    })
                    .optional()?;
                let Some((name, price)) = found else { continue };
                if stock::qty(conn, &store, &scored.barcode)? == 0 {
                    continue;
                }
                out.push(Recommendation {
                    barcode: scored.barcode,
                    name,
                    price,
                    score: scored.score,
                    bought: scored.bought,
                    together: scored.together,
                });
                if out.len() == limit as usize {
                    break;
                }
            }
            Ok(Ok(out))
        })
        .await??;
    debug!(count = list.len(), "recommendations");
    Ok(Json(Recommendations { member_id, recommendations: list }))
}
