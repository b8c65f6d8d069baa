//! HTTP routes of the central API.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracing::{debug, info, warn};

use super::{AppState, db};
use crate::central::api::{
    ApiError, CatalogPage, CustomerCodeCharge, MAX_PAGE, NewPayment, NewTransaction, Payment,
    PaymentStatus, Simulate, Transaction,
};
use crate::domain::{Rupiah, qris};

type Shared = State<Arc<AppState>>;

/// The longest a client may wait on a payment in one request.
const MAX_WAIT: Duration = Duration::from_secs(60);

pub(super) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/catalog", get(catalog))
        .route("/v1/payments", post(create_payment))
        .route("/v1/payments/{id}", get(get_payment))
        .route("/v1/payments/{id}/simulate", post(simulate))
        .route("/v1/payments/{id}/cancel", post(cancel))
        .route("/v1/payments/{id}/customer-code", post(customer_code))
        .route("/v1/transactions", post(record_sale))
        .route("/v1/transactions/{id}", get(get_sale))
        .route("/receipt/{id}", get(receipt))
        .fallback(no_route)
        .with_state(state)
}

/// An error answer: status, a stable code and a sentence for people.
pub(super) struct Failure(StatusCode, &'static str, String);

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

fn bad_request(msg: impl Into<String>) -> Failure {
    Failure(StatusCode::BAD_REQUEST, "bad_request", msg.into())
}

fn not_found(what: &str, id: &str) -> Failure {
    Failure(StatusCode::NOT_FOUND, "not_found", format!("no {what} {id}"))
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Failure> {
    q.map(|Query(v)| v).map_err(|e| bad_request(e.body_text()))
}

async fn no_route(uri: axum::http::Uri) -> Failure {
    Failure(StatusCode::NOT_FOUND, "not_found", format!("no route {}", uri.path()))
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Failure> {
    body.map(|Json(v)| v).map_err(|e| bad_request(e.body_text()))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    format!("{prefix}-{}", &hex[..16])
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
    Ok(Json(CatalogPage { products, cursor: format!("{epoch}.{last}"), more, reset }))
}

/// Fills in the seconds left, as of now.
fn fresh(row: db::PaymentRow) -> Payment {
    let mut p = row.payment;
    p.expires_in = if p.status == PaymentStatus::Pending {
        ((row.expires_ms - now_ms()) / 1000).max(0)
    } else {
        0
    };
    p
}

async fn create_payment(
    State(s): Shared,
    body: Result<Json<NewPayment>, JsonRejection>,
) -> Result<(StatusCode, Json<Payment>), Failure> {
    let req = json_body(body)?;
    if req.amount.0 <= 0 {
        return Err(bad_request(format!("amount {} must be above zero", req.amount.0)));
    }
    if req.amount > Rupiah::QRIS_MAX {
        return Err(bad_request(format!(
            "amount {} is above {}, the most one QRIS payment may be",
            req.amount.0,
            Rupiah::QRIS_MAX
        )));
    }
    if req.idempotency_key.is_empty() || req.idempotency_key.len() > 100 {
        return Err(bad_request("idempotency_key must be 1 to 100 characters"));
    }
    let id = new_id("PAY");
    let qris = qris::dynamic_payload(&s.config.merchant, req.amount, &id)
        .map_err(|e| bad_request(e.to_string()))?;
    let ttl = s.config.payment_ttl;
    let created = chrono::Utc::now();
    let expires = created + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let payment = Payment {
        id,
        amount: req.amount,
        status: PaymentStatus::Pending,
        qris,
        created_at: fmt(created),
        expires_at: fmt(expires),
        expires_in: ttl.as_secs() as i64,
    };
    let expires_ms = expires.timestamp_millis();
    let key = req.idempotency_key.clone();
    let amount = req.amount;
    let (status, row) =
        s.db.run(move |conn| {
            let tx = conn.transaction()?;
            if let Some(existing) = db::payment_by_key(&tx, &key)? {
                return Ok((StatusCode::OK, existing));
            }
            db::insert_payment(&tx, &key, &payment, expires_ms)?;
            tx.commit()?;
            Ok((StatusCode::CREATED, db::PaymentRow { payment, expires_ms }))
        })
        .await?;
    if status == StatusCode::OK && row.payment.amount != amount {
        return Err(Failure(
            StatusCode::CONFLICT,
            "idempotency_conflict",
            format!(
                "idempotency key already used for a payment of {} (this request asks {})",
                row.payment.amount, amount
            ),
        ));
    }
    if status == StatusCode::CREATED {
        info!(payment = %row.payment.id, amount = amount.0, "payment created");
    }
    Ok((status, Json(fresh(row))))
}

#[derive(Deserialize)]
struct WaitQuery {
    /// Seconds to wait for the payment to leave `pending`.
    wait: Option<f64>,
}

async fn load_payment(s: &AppState, id: &str) -> Result<db::PaymentRow, Failure> {
    let key = id.to_owned();
    s.db.run(move |conn| Ok(db::payment(conn, &key, now_ms())?))
        .await?
        .ok_or_else(|| not_found("payment", id))
}

async fn get_payment(
    State(s): Shared,
    Path(id): Path<String>,
    q: Result<Query<WaitQuery>, QueryRejection>,
) -> Result<Json<Payment>, Failure> {
    let q = query(q)?;
    let wait = match q.wait {
        None => Duration::ZERO,
        Some(w) if w.is_nan() => return Err(bad_request("wait must be a number of seconds")),
        Some(w) => Duration::from_secs_f64(w.clamp(0.0, MAX_WAIT.as_secs_f64())),
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Register for the wake-up before reading, so a change between the
        // read and the wait is not missed.
        let changed = s.payments_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let row = load_payment(&s, &id).await?;
        if row.payment.status.is_final() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(fresh(row)));
        }
        let until_expiry = Duration::from_millis((row.expires_ms - now_ms()).max(0) as u64 + 5);
        let wake = deadline.min(tokio::time::Instant::now() + until_expiry);
        tokio::select! {
            _ = changed => {}
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
}

async fn settle(s: &AppState, id: &str, status: PaymentStatus) -> Result<Json<Payment>, Failure> {
    let key = id.to_owned();
    let moved =
        s.db.run(move |conn| {
            if db::payment(conn, &key, now_ms())?.is_none() {
                return Ok(None);
            }
            Ok(Some(db::settle_payment(conn, &key, status)?))
        })
        .await?
        .ok_or_else(|| not_found("payment", id))?;
    let row = load_payment(s, id).await?;
    if !moved && row.payment.status != status {
        return Err(Failure(
            StatusCode::CONFLICT,
            "payment_final",
            format!("payment {id} is already {}", row.payment.status.as_str()),
        ));
    }
    if moved {
        info!(payment = id, status = status.as_str(), "payment settled");
        s.payments_changed.notify_waiters();
    }
    Ok(Json(fresh(row)))
}

/// The gateway simulator: what a real gateway's callback would do.
async fn simulate(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<Simulate>, JsonRejection>,
) -> Result<Json<Payment>, Failure> {
    let req = json_body(body)?;
    if req.result == PaymentStatus::Pending {
        return Err(bad_request("result must be paid, expired or cancelled"));
    }
    settle(&s, &id, req.result).await
}

async fn cancel(State(s): Shared, Path(id): Path<String>) -> Result<Json<Payment>, Failure> {
    settle(&s, &id, PaymentStatus::Cancelled).await
}

/// Charges a customer-presented code for a pending payment.
///
/// This is the gateway simulator's behaviour only, for the kiosk and its
/// tests: any code that reads as a customer-presented one (base64 starting
/// with tag 85, length 5, `CPV01`) pays the payment; anything else is a 400.
// TODO: the payments rework charges the code through the gateway trait
// (`Gateway::charge_customer_code`) after decoding it whole, and records a
// failed charge; this handler goes when that lands.
async fn customer_code(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<CustomerCodeCharge>, JsonRejection>,
) -> Result<Json<Payment>, Failure> {
    let req = json_body(body)?;
    if !qris::looks_like_customer_code(&req.code) {
        return Err(bad_request("the code is not a customer-presented QRIS code"));
    }
    let row = load_payment(&s, &id).await?;
    if row.payment.status != PaymentStatus::Pending {
        return Err(Failure(
            StatusCode::CONFLICT,
            "payment_final",
            format!("payment {id} is already {}", row.payment.status.as_str()),
        ));
    }
    settle(&s, &id, PaymentStatus::Paid).await
}

/// Checks a sale against itself and its payment; returns why it is wrong.
fn check_sale(req: &NewTransaction, payment: &Payment) -> Result<(), String> {
    if req.lines.is_empty() {
        return Err("a sale needs at least one line".into());
    }
    let mut sum = 0i64;
    for (i, l) in req.lines.iter().enumerate() {
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
    if Rupiah(sum) != req.total {
        return Err(format!("lines add up to {sum}, total says {}", req.total.0));
    }
    if payment.amount != req.total {
        return Err(format!("payment {} is for {}, sale is {}", payment.id, payment.amount.0, sum));
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
            let Some(row) = db::payment(&tx, &req.payment_id, now_ms())? else {
                return Ok(Outcome::Refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_payment",
                    format!("no payment {}", req.payment_id),
                ));
            };
            if let Err(why) = check_sale(&req, &row.payment) {
                return Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_sale", why));
            }
            if let Some(other) = db::sale_by_payment(&tx, &req.payment_id)? {
                return Ok(Outcome::Refused(
                    StatusCode::CONFLICT,
                    "payment_used",
                    format!("payment {} already settles sale {}", req.payment_id, other.id),
                ));
            }
            let sale = Transaction {
                id: new_id("TRX"),
                idempotency_key: req.idempotency_key,
                device_id: req.device_id,
                payment_id: req.payment_id,
                lines: req.lines,
                total: req.total,
                created_at: crate::store::now(),
            };
            db::insert_sale(&tx, &sale)?;
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
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{} x {}</td><td>{}</td></tr>",
            esc(&l.name),
            l.qty,
            l.unit_price,
            l.line_total
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
