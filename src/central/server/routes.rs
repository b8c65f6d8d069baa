//! HTTP routes of the central API.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracing::{debug, info, warn};

use super::lifecycle::{new_id, now_ms};
use super::{
    AppState, carts, db, ledger, members, orders, payments, personal, points, pricing, returns,
    stock,
};
use crate::central::api::{
    ApiError, CatalogPage, MAX_PAGE, NewTransaction, Payment, PaymentStatus, Transaction,
};
use crate::domain::Rupiah;

type Shared = State<Arc<AppState>>;

pub(super) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/catalog", get(catalog))
        .route("/v1/images/{name}", get(super::pictures::get))
        .route("/v1/keys", get(keys))
        .route("/v1/staff", get(super::staff::list))
        .route("/v1/audit", post(super::staff::record))
        .route("/v1/payments", post(payments::create_payment))
        .route("/v1/payments/{id}", get(payments::get_payment))
        .route("/v1/payments/{id}/events", get(payments::payment_events))
        .route("/v1/payments/{id}/simulate", post(payments::simulate))
        .route("/v1/payments/{id}/cancel", post(payments::cancel))
        .route("/v1/payments/{id}/refund", post(payments::refund))
        .route("/v1/payments/{id}/customer-code", post(payments::customer_code))
        .route("/v1/gateway/{name}/notify", post(payments::notify))
        .route("/v1/carts", post(carts::create))
        .route("/v1/carts/open", post(carts::open))
        .route("/v1/members/identify", post(members::identify))
        .route("/v1/members/{id}", get(members::account))
        .route("/v1/members/{id}/code", post(members::code))
        .route("/v1/transactions", post(record_sale))
        .route("/v1/transactions/{id}", get(get_sale))
        .route("/v1/promotions", get(pricing::promotions))
        .route("/v1/price", post(pricing::price))
        .route("/receipt/{id}", get(receipt))
        .route("/v1/stock/{barcode}", get(stock::get_stock))
        .route(
            "/v1/members/{id}/subscriptions",
            post(personal::subscribe).get(personal::subscriptions),
        )
        .route("/v1/members/{id}/recommendations", get(personal::recommendations))
        .route("/v1/orders", post(orders::place))
        .route("/v1/orders/pickup-code", post(orders::typed_code))
        .route("/v1/orders/{id}", get(orders::get))
        .route("/v1/orders/{id}/messages", get(orders::messages))
        .route("/v1/orders/{id}/load", post(orders::load))
        .route("/v1/orders/{id}/collect", post(orders::collect))
        .route("/v1/orders/{id}/alerts", post(orders::alert))
        .route("/v1/orders/{id}/cancel", post(orders::cancel))
        .route("/v1/orders/{id}/expire", post(orders::expire))
        .route("/v1/orders/{id}/unload", post(orders::unload))
        .route("/v1/stores/{id}/pickup-manifest", get(orders::manifest))
        .route("/v1/stores/{id}/unload-list", get(orders::unload_list))
        .route("/v1/returns", post(returns::create))
        .route("/v1/returns/eligible", get(returns::eligible))
        .route("/v1/returns/{id}", get(returns::get))
        .route("/v1/returns/{id}/confirm", post(returns::confirm))
        .route("/v1/returns/{id}/stowed", post(returns::stowed))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
}

/// An error answer: status, a stable code and a sentence for people.
pub(super) struct Failure(pub StatusCode, pub &'static str, pub String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ApiError { error: self.2, code: self.1.to_owned() };
        (self.0, Json(body)).into_response()
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        warn!(error = format!("{e:#}"), "request failed");
        Failure(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".into())
    }
}

pub(super) fn bad_request(msg: impl Into<String>) -> Failure {
    Failure(StatusCode::BAD_REQUEST, "bad_request", msg.into())
}

pub(super) fn not_found(what: &str, id: &str) -> Failure {
    Failure(StatusCode::NOT_FOUND, "not_found", format!("no {what} {id}"))
}

pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Failure> {
    q.map(|Query(v)| v).map_err(|e| bad_request(e.body_text()))
}

async fn no_route(uri: axum::http::Uri) -> Failure {
    Failure(StatusCode::NOT_FOUND, "not_found", format!("no route {}", uri.path()))
}

/// A known route asked with a method it does not take: a JSON error like
/// every other, rather than axum's empty 405.
async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> Failure {
    Failure(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} does not take {method}", uri.path()),
    )
}

pub(super) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Failure> {
    body.map(|Json(v)| v).map_err(|e| bad_request(e.body_text()))
}

/// The public key that checks the central's member and cart codes.
async fn keys(State(state): Shared) -> Json<crate::central::api::Keys> {
    Json(crate::central::api::Keys { tokens: state.signer.verifier().to_base64() })
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// The API description, kept beside the code in `assets/openapi.json`.
async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/json")], include_str!("../../../assets/openapi.json"))
}

#[derive(Deserialize)]
struct CatalogQuery {
    since: Option<String>,
    limit: Option<u32>,
}

async fn catalog(
    State(s): Shared,
    q: Result<Query<CatalogQuery>, QueryRejection>,
) -> Result<Json<CatalogPage>, Failure> {
    let q = query(q)?;
    // A cursor is "EPOCH.SEQ". One from another epoch, or past this
    // catalog's end, comes from another database: start again.
    let asked = match q.since.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            c.split_once('.')
                .and_then(|(e, n)| Some((e.to_owned(), n.parse::<i64>().ok().filter(|n| *n >= 0)?)))
                .ok_or_else(|| bad_request(format!("cursor {c:?} is not one this server gave")))?,
        ),
    };
    let limit = q.limit.unwrap_or(500).clamp(1, MAX_PAGE);
    let (page, epoch, since, reset) =
        s.db.run(move |conn| {
            let (epoch, head) = db::catalog_head(conn)?;
            let (since, reset) = match asked {
                None => (0, false),
                Some((e, n)) if e == epoch && n <= head => (n, false),
                Some(_) => (0, true),
            };
            Ok((db::catalog_page(conn, since, limit)?, epoch, since, reset))
        })
        .await?;
    let (products, last, more) = page;
    debug!(since, count = products.len(), more, reset, "catalog page");
    Ok(Json(CatalogPage {
        products,
        cursor: format!("{epoch}.{last}"),
        more,
        reset,
        variable_measure: Some((*s.layouts).clone()),
    }))
}

/// Checks a sale against itself and its payment; returns why it is wrong.
fn check_sale(req: &NewTransaction, payment: &Payment) -> Result<(), String> {
    if req.lines.is_empty() {
        return Err("a sale needs at least one line".into());
    }
    let mut sum = 0i64;
    for (i, l) in req.lines.iter().enumerate() {
        // A cart holds a product on one line; returns count by product.
        if let Some(j) = req.lines[..i].iter().position(|e| e.barcode == l.barcode) {
            return Err(format!(
                "line {}: {} is on line {} already; a sale lists each product once",
                i + 1,
                l.barcode,
                j + 1
            ));
        }
        let want = l.unit_price.0.checked_mul(i64::from(l.qty));
        if l.qty == 0 || l.unit_price.0 <= 0 || want != Some(l.line_total.0) {
            return Err(format!(
                "line {}: {} x {} is not {}",
                i + 1,
                l.qty,
                l.unit_price.0,
                l.line_total.0
            ));
        }
        sum = sum.checked_add(l.line_total.0).ok_or("total overflows")?;
    }
    // The promotions' savings come off the lines' sum; the central keeps
    // the device's figures (it priced with the promotions it had synced).
    let mut saved = 0i64;
    for d in &req.discounts {
        if d.amount.0 <= 0 || d.promotion.is_empty() {
            return Err(format!(
                "discount {:?} of {} is not a promotion's saving above zero",
                d.promotion, d.amount.0
            ));
        }
        saved = saved.checked_add(d.amount.0).ok_or("discounts overflow")?;
    }
    if saved > sum {
        return Err(format!("discounts of {saved} pass the lines' {sum}"));
    }
    if Rupiah(sum - saved) != req.total {
        return Err(if saved == 0 {
            format!("lines add up to {sum}, total says {}", req.total.0)
        } else {
            format!("lines add up to {sum} less {saved} of discounts, total says {}", req.total.0)
        });
    }
    // Points pay part of the total; the QRIS payment the rest.
    let points = i64::try_from(req.points_redeemed).map_err(|_| "points overflow")?;
    if payment.amount.0.checked_add(points) != Some(req.total.0) {
        return Err(format!(
            "payment {} is for {} and {} points are redeemed, sale is {}",
            payment.id, payment.amount.0, points, req.total.0
        ));
    }
    if payment.status != PaymentStatus::Paid {
        return Err(format!("payment {} is {}, not paid", payment.id, payment.status.as_str()));
    }
    Ok(())
}

async fn record_sale(
    State(s): Shared,
    body: Result<Json<NewTransaction>, JsonRejection>,
) -> Result<(StatusCode, Json<Transaction>), Failure> {
    let req = json_body(body)?;
    // The sale's items leave the shelves of this central's store.
    let store = s.config.store.clone().unwrap_or_default();
    let promotions = s.promotions.set.clone();
    let layouts = s.layouts.clone();
    enum Outcome {
        Recorded(Transaction),
        Replayed(Transaction),
        Refused(StatusCode, &'static str, String),
    }
    let outcome =
        s.db.run(move |conn| {
            let tx = conn.transaction()?;
            if let Some(existing) = db::sale_by_key(&tx, &req.idempotency_key)? {
                if existing.payment_id != req.payment_id
                    || existing.total != req.total
                    || existing.lines != req.lines
                    || carts::of_sale(&tx, &existing.id)? != req.cart
                    || existing.member != req.member
                    || existing.points_redeemed != req.points_redeemed
                    || existing.vouchers != req.vouchers
                    || existing.discounts != req.discounts
                {
                    return Ok(Outcome::Refused(
                        StatusCode::CONFLICT,
                        "idempotency_conflict",
                        format!(
                            "idempotency key already records sale {} with other contents",
                            existing.id
                        ),
                    ));
                }
                return Ok(Outcome::Replayed(existing));
            }
            let found = ledger::by_id(&tx, &req.payment_id, now_ms())?.filter(|r| r.issued);
            let Some(row) = found else {
                return Ok(Outcome::Refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_payment",
                    format!("no payment {}", req.payment_id),
                ));
            };
            if let Err(why) = check_sale(&req, &row.payment) {
                return Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_sale", why));
            }
            // A refund, the automatic one of a late payment included, means
            // the money is going back: the sale must come first.
            if ledger::refund_committed(&tx, &req.payment_id)?.0 > 0 {
                return Ok(Outcome::Refused(
                    StatusCode::CONFLICT,
                    "payment_refunded",
                    format!("payment {} is being refunded; it can settle no sale", req.payment_id),
                ));
            }
            if let Some(other) = db::sale_by_payment(&tx, &req.payment_id)? {
                return Ok(Outcome::Refused(
                    StatusCode::CONFLICT,
                    "payment_used",
                    format!("payment {} already settles sale {}", req.payment_id, other.id),
                ));
            }
            if let Some(order) = super::orders::order_of_payment(&tx, &req.payment_id)? {
                return Ok(Outcome::Refused(
                    StatusCode::CONFLICT,
                    "payment_used",
                    format!("payment {} pays order {order}; it can settle no sale", req.payment_id),
                ));
            }
            let cart = req.cart.clone();
            let member = req.member.clone();
            let sale_id = new_id("TRX");
            let settled = match points::settle_sale(&tx, &req, row.payment.amount, &sale_id)? {
                Ok(settled) => settled,
                Err((code, kind, why)) => return Ok(Outcome::Refused(code, kind, why)),
            };
            // The shopper paid what the device priced, so the sale stands
            // as priced; a total this central would not have reached (a
            // stale cache, a changed promotion) is kept beside it.
            let at = pricing::price_time(Some(&row.payment.created_at))
                .or_else(|_| pricing::price_time(None))
                .map_err(anyhow::Error::msg)?;
            let central_total = match pricing::sale_total(&tx, &promotions, &layouts, &req, at)? {
                Ok(total) if total == req.total => None,
                Ok(total) => {
                    warn!(
                        sale = %sale_id,
                        device = %req.device_id,
                        device_total = req.total.0,
                        central_total = total.0,
                        "sale priced otherwise than the central prices it"
                    );
                    Some(total)
                }
                Err(why) => {
                    let device = &req.device_id;
                    warn!(sale = %sale_id, device, why, "sale cannot be priced here");
                    None
                }
            };
            let sale = Transaction {
                id: sale_id,
                idempotency_key: req.idempotency_key,
                device_id: req.device_id,
                payment_id: req.payment_id,
                lines: req.lines,
                total: req.total,
                discounts: req.discounts,
                created_at: crate::store::now(),
                member: req.member,
                points_redeemed: req.points_redeemed,
                points_earned: settled.points_earned,
                vouchers: req.vouchers,
                central_total,
            };
            db::insert_sale(&tx, &sale)?;
            // The cart closes with the sale, or neither is written.
            if let Some(cart) = &cart
                && let Err(Failure(code, kind, why)) = carts::close_for_sale(&tx, cart, &sale.id)?
            {
                return Ok(Outcome::Refused(code, kind, why));
            }
            stock::on_sale(&tx, &sale, member.as_deref(), &store)?;
            if row.refund_due_ms.is_some() {
                // A late payment whose refund had not started: the sale wins.
                ledger::set_refund_due(&tx, &sale.payment_id, None)?;
                let cause = format!("kept: sale {} was recorded for it, so no refund", sale.id);
                ledger::add_event(&tx, &sale.payment_id, PaymentStatus::Paid, &cause)?;
            }
            tx.commit()?;
            Ok(Outcome::Recorded(sale))
        })
        .await?;
    match outcome {
        Outcome::Recorded(t) => {
            info!(transaction = %t.id, total = t.total.0, "sale recorded");
            Ok((StatusCode::CREATED, Json(t)))
        }
        Outcome::Replayed(t) => Ok((StatusCode::OK, Json(t))),
        Outcome::Refused(code, kind, why) => Err(Failure(code, kind, why)),
    }
}

async fn find_sale(s: &AppState, id: &str) -> Result<Transaction, Failure> {
    let key = id.to_owned();
    s.db.run(move |conn| db::sale(conn, &key)).await?.ok_or_else(|| not_found("transaction", id))
}

async fn get_sale(State(s): Shared, Path(id): Path<String>) -> Result<Json<Transaction>, Failure> {
    Ok(Json(find_sale(&s, &id).await?))
}

/// The e-receipt a shopper opens from the QR on the done screen.
async fn receipt(State(s): Shared, Path(id): Path<String>) -> Result<Html<String>, Failure> {
    let t = find_sale(&s, &id).await?;
    let esc = |text: &str| {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let mut rows = String::new();
    for l in &t.lines {
        // A weighed package shows its weight; a label price is the price.
        let name = match l.measure {
            Some(m @ crate::domain::variable::Measure::WeightG(_)) => {
                format!("{} {}", l.name, m.label())
            }
            _ => l.name.clone(),
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{} x {}</td><td>{}</td></tr>",
            esc(&name),
            l.qty,
            l.unit_price,
            l.line_total
        ));
    }
    for d in &t.discounts {
        let name = s.promotions.set.name(&d.promotion).unwrap_or(&d.promotion);
        rows.push_str(&format!("<tr><td>{}</td><td></td><td>-{}</td></tr>", esc(name), d.amount));
    }
    if t.points_redeemed > 0 {
        rows.push_str(&format!(
            "<tr><td>Poin ditukar</td><td></td><td>-{}</td></tr>",
            Rupiah(t.points_redeemed as i64)
        ));
    }
    Ok(Html(format!(
        "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>Struk {id}</title>\
         <h1>{merchant}</h1><p>Transaksi {id}<br>{when}</p><table>{rows}</table>\
         <p><b>Total {total}</b> · QRIS</p></html>",
        id = esc(&t.id),
        merchant = esc(&s.config.merchant.name),
        when = esc(&t.created_at),
        total = t.total,
    )))
}
