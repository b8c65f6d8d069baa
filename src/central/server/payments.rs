//! The payment routes of the central API.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use tracing::{info, warn};

use super::AppState;
use super::gateway::simulator::{Outcome, SimError};
use super::gateway::{CustomerCode, GatewayError, QrIssued, QrRequest};
use super::ledger::{self, PaymentRow};
use super::lifecycle::{self, Cancelled, LifeError, gateway_payment, load, new_id, now_ms};
use super::points;
use super::routes::{Failure, bad_request, json_body, not_found, query};
use crate::central::api::{
    CustomerCodeCharge, IDEMPOTENCY_KEY, NewPayment, NewRefund, Payment, PaymentStatus, Refund,
    RefundStatus, Simulate,
};
use crate::domain::Rupiah;
use crate::domain::qris::{self, cpm};

type Shared = State<Arc<AppState>>;

/// The longest a client may wait on a payment in one request.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Fills in the seconds left, as of now.
pub(super) fn fresh(row: PaymentRow) -> Payment {
    let mut p = row.payment;
    p.expires_in = if p.status == PaymentStatus::Pending {
        ((row.expires_ms - now_ms()) / 1000).max(0)
    } else {
        0
    };
    p
}

fn gateway_failure(e: &GatewayError) -> Failure {
    match e {
        GatewayError::Unreachable { .. } => Failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "gateway_unreachable",
            format!("{e}; nothing was lost, try again with the same Idempotency-Key"),
        ),
        GatewayError::Refused { .. } => {
            Failure(StatusCode::BAD_GATEWAY, "gateway_refused", e.to_string())
        }
        GatewayError::Unsupported { .. } => {
            Failure(StatusCode::NOT_IMPLEMENTED, "unsupported", e.to_string())
        }
        GatewayError::BadNotification(_) => {
            Failure(StatusCode::UNAUTHORIZED, "bad_notification", e.to_string())
        }
    }
}

impl From<LifeError> for Failure {
    fn from(e: LifeError) -> Failure {
        match e {
            LifeError::Gateway(g) => gateway_failure(&g),
            LifeError::Internal(e) => e.into(),
        }
    }
}

fn payment_final(p: &Payment) -> Failure {
    Failure(
        StatusCode::CONFLICT,
        "payment_final",
        format!("payment {} is already {}", p.id, p.status.as_str()),
    )
}

/// The idempotency key of a request: the header, or for payments the body
/// field older devices send. Both given must agree.
pub(super) fn idempotency_key(headers: &HeaderMap, body: Option<&str>) -> Result<String, Failure> {
    let header = match headers.get(IDEMPOTENCY_KEY) {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| bad_request("the Idempotency-Key header must be plain ASCII"))?,
        ),
        None => None,
    };
    let key = match (header, body) {
        (Some(h), Some(b)) if h != b => {
            return Err(bad_request(format!(
                "the Idempotency-Key header {h:?} and the body's idempotency_key {b:?} differ"
            )));
        }
        (Some(k), _) | (None, Some(k)) => k,
        (None, None) => return Err(bad_request("an Idempotency-Key header is required")),
    };
    if key.is_empty() || key.len() > 100 {
        return Err(bad_request("the idempotency key must be 1 to 100 characters"));
    }
    Ok(key.to_owned())
}

/// Checks that the code a gateway issued is a QRIS payload for `amount`.
fn check_issued(qr: &QrIssued, amount: Rupiah) -> Result<(), Failure> {
    let wrong = |why: String| {
        warn!(why, "gateway issued a code that cannot be shown");
        Failure(StatusCode::BAD_GATEWAY, "gateway_invalid", format!("the gateway's QR code {why}"))
    };
    match qris::parse(&qr.qris) {
        Ok(p) if p.amount_rupiah == Some(amount) => Ok(()),
        Ok(p) => Err(wrong(format!("is for {:?}, not {}", p.amount, amount.0))),
        Err(e) => Err(wrong(format!("is not valid QRIS: {e}"))),
    }
}

pub(super) async fn create_payment(
    State(s): Shared,
    headers: HeaderMap,
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
    if req.reference.as_ref().is_some_and(|r| r.chars().count() > 100) {
        return Err(bad_request("reference must be at most 100 characters"));
    }
    let key = idempotency_key(&headers, req.idempotency_key.as_deref())?;
    if req.order.is_some() && (req.points > 0 || !req.vouchers.is_empty()) {
        return Err(bad_request(
            "an order's payment is its total: points and vouchers are redeemed at a kiosk sale, \
             not on an order",
        ));
    }
    let claim = loyalty_claim(&s, &req)?;
    // One creation per key at a time: a second request with the key waits
    // and then finds the payment, so the gateway is asked once.
    let _lock = s.locks.lock(format!("key:{key}")).await;
    // And one per order: a second kiosk, or one restarted with a new key,
    // waits for the first code and then gets it back (the order's one live
    // payment), so concurrent requests never charge an order twice.
    let _order = match &req.order {
        Some(order) => Some(s.locks.lock(format!("order:{order}")).await),
        None => None,
    };

    enum Found {
        Issued(Box<PaymentRow>),
        Conflict(Rupiah),
        Refused(Failure),
        Issue(String, chrono::DateTime<chrono::Utc>),
    }
    let ttl = chrono::Duration::from_std(s.config.payment_ttl).unwrap_or(chrono::Duration::MAX);
    let created = chrono::Utc::now();
    let expires = created + ttl;
    let gateway = s.gateway.name();
    let (amount, reference, cart) = (req.amount, req.reference.clone(), req.cart.clone());
    let order = req.order.clone();
    let found =
        s.db.run(move |c| {
            let fmt = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            let tx = c.transaction()?;
            let found = match ledger::by_key(&tx, &key)? {
                Some(row) if row.payment.amount != amount => Found::Conflict(row.payment.amount),
                Some(row) if made_for(&tx, &row.payment.id)? != (order.clone(), cart.clone()) => {
                    Found::Refused(Failure(
                        StatusCode::CONFLICT,
                        "idempotency_conflict",
                        format!(
                            "idempotency key already used for payment {} of another order or cart",
                            row.payment.id
                        ),
                    ))
                }
                Some(row) if points::claim_of(&tx, &row.payment.id)? != claim => {
                    let (code, kind, why) = claim_conflict();
                    Found::Refused(Failure(code, kind, why))
                }
                Some(row) if row.issued => {
                    let row = ledger::by_id(&tx, &row.payment.id, now_ms())?.unwrap_or(row);
                    Found::Issued(Box::new(row))
                }
                Some(row) => {
                    // An earlier try did not get a code from the gateway.
                    let id = row.payment.id;
                    let ms = expires.timestamp_millis();
                    ledger::renew_unissued(&tx, &id, &fmt(created), &fmt(expires), ms)?;
                    match points::hold(&tx, &id, &claim, now_ms())? {
                        Some((code, kind, why)) => {
                            return Ok(Found::Refused(Failure(code, kind, why)));
                        }
                        None => Found::Issue(id, expires),
                    }
                }
                None => {
                    if let Some(cart) = &cart
                        && let Err(refusal) = super::carts::check_payable(&tx, cart)?
                    {
                        return Ok(Found::Refused(refusal));
                    }
                    // One live payment per order, whatever the key: the
                    // pending one, or the one that paid it (a kiosk that
                    // restarted after its customer paid opens the door).
                    if let Some(order) = &order {
                        let live = super::orders::live_payment(&tx, order, now_ms())?;
                        let live_id = live.as_ref().map(|l| l.payment.id.as_str());
                        if let Err(refusal) =
                            super::orders::check_payable(&tx, order, amount, live_id)?
                        {
                            return Ok(Found::Refused(refusal));
                        }
                        if let Some(live) = live {
                            info!(
                                order,
                                payment = live.payment.id,
                                "the order's live payment reused"
                            );
                            return Ok(Found::Issued(Box::new(live)));
                        }
                    }
                    let id = new_id("PAY");
                    ledger::insert(
                        &tx,
                        &ledger::NewRow {
                            id: &id,
                            key: &key,
                            amount,
                            reference: reference.as_deref(),
                            gateway,
                            created_at: &fmt(created),
                            expires_at: &fmt(expires),
                            expires_ms: expires.timestamp_millis(),
                            cart: cart.as_deref(),
                        },
                    )?;
                    if let Some(order) = &order {
                        super::orders::pay_with(&tx, &id, order)?;
                    }
                    // Held in the transaction that creates the payment.
                    match points::hold(&tx, &id, &claim, now_ms())? {
                        Some((code, kind, why)) => {
                            return Ok(Found::Refused(Failure(code, kind, why)));
                        }
                        None => Found::Issue(id, expires),
                    }
                }
            };
            tx.commit()?;
            Ok(found)
        })
        .await?;
    let (id, expires_at) = match found {
        Found::Issued(row) => return Ok((StatusCode::OK, Json(fresh(*row)))),
        Found::Conflict(earlier) => {
            return Err(Failure(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                format!(
                    "idempotency key already used for a payment of {earlier} (this request asks {})",
                    req.amount
                ),
            ));
        }
        Found::Refused(refusal) => return Err(refusal),
        Found::Issue(id, expires_at) => (id, expires_at),
    };

    // The payment's lock too: the poller may be closing an earlier attempt.
    let _payment_lock = s.locks.payment(&id).await;
    let row = lifecycle::load_any(&s, &id).await?.ok_or_else(|| not_found("payment", &id))?;
    if row.issued {
        // The poller found an earlier attempt paid.
        return Ok((StatusCode::OK, Json(fresh(row))));
    }
    if row.gateway_open {
        // An earlier attempt's answer was lost: DOKU, for one, may have
        // registered its code, cannot give it again and refuses its
        // reference a second time. It is cancelled before a new attempt,
        // so the shopper is only ever shown one payable code.
        let end = lifecycle::end_attempt(&s, &row).await.map_err(|e| {
            warn!(payment = id, error = %e, "earlier attempt not closed; no new code");
            Failure::from(e)
        })?;
        if let lifecycle::AttemptEnd::Paid = end {
            let row = find(&s, &id).await?;
            return Ok((StatusCode::OK, Json(fresh(row))));
        }
    }
    let key_id = id.clone();
    let reference = s.db.run(move |c| Ok(ledger::next_attempt(c, &key_id)?)).await?;
    let qr_request =
        QrRequest { payment_id: id.clone(), reference: reference.clone(), amount, expires_at };
    let qr = match s.gateway.create_qr(&qr_request).await {
        Ok(qr) => qr,
        Err(e) => {
            warn!(payment = id, reference, error = %e, "gateway issued no code");
            if !e.is_retryable() {
                // A refusal leaves no code behind.
                let key_id = id.clone();
                s.db.run(move |c| {
                    ledger::close_gateway(c, &key_id)?;
                    // No code, so nothing to pay: what it held goes back.
                    Ok(points::release(c, &key_id)?)
                })
                .await?;
            }
            return Err(gateway_failure(&e));
        }
    };
    // A code that cannot be shown stays open: the poller cancels it.
    check_issued(&qr, amount)?;
    let key_id = id.clone();
    let row =
        s.db.run(move |c| {
            let tx = c.transaction()?;
            ledger::issue(&tx, &key_id, &qr.qris, qr.gateway_ref.as_deref())?;
            let row = ledger::by_id(&tx, &key_id, now_ms())?.expect("just stored");
            tx.commit()?;
            Ok(row)
        })
        .await?;
    info!(payment = id, amount = amount.0, gateway, "payment created");
    s.poke_poller.notify_one();
    Ok((StatusCode::CREATED, Json(fresh(row))))
}

/// Checks the loyalty part of a new payment and returns what it holds.
/// The order and the cart a payment was made for.
fn made_for(
    conn: &rusqlite::Connection,
    id: &str,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    conn.query_row("SELECT order_id, cart_id FROM payment WHERE id = ?1", [id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

fn loyalty_claim(s: &AppState, req: &NewPayment) -> Result<points::Claim, Failure> {
    if req.points > 0 && req.member.is_none() {
        return Err(bad_request("points are redeemed by a member: give member too"));
    }
    if req.vouchers.len() > 20 {
        return Err(bad_request("a payment may hold at most 20 voucher codes"));
    }
    let mut seen = std::collections::HashSet::new();
    for code in &req.vouchers {
        // Compared as the engine compares them: trimmed, upper case.
        let code_n = crate::domain::pricing::normalise_code(code);
        if !seen.insert(code_n.clone()) {
            return Err(bad_request(format!("voucher {code} is given twice")));
        }
        let known = s.promotions.set.voucher(code).is_some()
            || s.config
                .voucher_codes
                .iter()
                .any(|c| crate::domain::pricing::normalise_code(c) == code_n);
        if !known {
            return Err(Failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_voucher",
                format!("{code:?} is not a voucher code of this shop"),
            ));
        }
    }
    Ok(points::Claim::new(req.member.clone(), req.points, &req.vouchers))
}

fn claim_conflict() -> points::Refusal {
    (
        StatusCode::CONFLICT,
        "idempotency_conflict",
        "idempotency key already used for a payment with another member, points or vouchers".into(),
    )
}

#[derive(Deserialize)]
pub(super) struct WaitQuery {
    /// Seconds to wait for the payment to leave `pending`.
    wait: Option<f64>,
}

async fn find(s: &AppState, id: &str) -> Result<PaymentRow, Failure> {
    load(s, id).await?.ok_or_else(|| not_found("payment", id))
}

/// How long until a pending payment expires, a little past it.
fn until_expiry(row: &PaymentRow) -> Duration {
    Duration::from_millis((row.expires_ms - now_ms()).max(0) as u64 + 5)
}

pub(super) async fn get_payment(
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
        let row = find(&s, &id).await?;
        if row.payment.status.is_final() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(fresh(row)));
        }
        let wake = deadline.min(tokio::time::Instant::now() + until_expiry(&row));
        tokio::select! {
            _ = changed => {}
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
}

/// What the event stream of one payment has sent so far.
struct Watch {
    s: Arc<AppState>,
    id: String,
    /// The history length last sent: every change adds a line to it.
    sent: Option<usize>,
    done: bool,
}

/// `GET /v1/payments/{id}/events`: the payment as an `event: payment` on
/// every change, starting with how it is now; the stream ends after a
/// final status.
pub(super) async fn payment_events(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Failure> {
    find(&s, &id).await?;
    let start = Watch { s, id, sent: None, done: false };
    let stream = futures_util::stream::unfold(start, |mut w| async move {
        if w.done {
            return None;
        }
        let s = w.s.clone();
        loop {
            let changed = s.payments_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let row = load(&s, &w.id).await.ok().flatten()?;
            if w.sent != Some(row.payment.history.len()) {
                w.sent = Some(row.payment.history.len());
                w.done = row.payment.status.is_final();
                let p = fresh(row);
                let event = Event::default().event("payment").json_data(&p).ok()?;
                return Some((Ok(event), w));
            }
            tokio::select! {
                _ = changed => {}
                _ = tokio::time::sleep(until_expiry(&row).min(MAX_WAIT)) => {}
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

pub(super) async fn cancel(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<Json<Payment>, Failure> {
    match lifecycle::cancel_by_device(&s, &id).await? {
        Cancelled::Done(row) => Ok(Json(fresh(row))),
        Cancelled::Final(row) => Err(payment_final(&row.payment)),
        Cancelled::NotFound => Err(not_found("payment", &id)),
    }
}

pub(super) async fn refund(
    State(s): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<NewRefund>, JsonRejection>,
) -> Result<(StatusCode, Json<Payment>), Failure> {
    let req = json_body(body)?;
    if req.amount.0 <= 0 {
        return Err(bad_request(format!("refund amount {} must be above zero", req.amount.0)));
    }
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(bad_request("a refund needs a reason of 1 to 200 characters"));
    }
    let key = idempotency_key(&headers, None)?;
    if key == ledger::LATE_REFUND_KEY {
        // Taken, the central's own refund of a late payment could never be
        // stored, and that payment would never be refunded.
        return Err(bad_request(format!(
            "the Idempotency-Key {key:?} is reserved for the central's automatic refund of a \
             late payment; use another key"
        )));
    }
    // Keys the central makes its own refunds under (an unloaded or
    // cancelled order, a return): one taken by hand would stop them.
    if let Some(prefix) = ledger::OWN_REFUND_KEYS.iter().find(|p| key.starts_with(**p)) {
        return Err(bad_request(format!(
            "Idempotency-Keys starting {prefix:?} are reserved for the central's own refunds \
             (orders and returns); use another key"
        )));
    }
    start_refund(&s, &id, req.amount, reason, key).await
}

/// A refund written down, for the gateway to make.
pub(super) enum Queued {
    /// The one written earlier under the same key.
    Again(Refund),
    New(Refund),
}

/// Writes down a refund of `amount` of the paid payment `row` under the
/// idempotency `key`, in the caller's transaction; the same key finds the
/// refund written before. Refuses a payment that is not paid, and a refund
/// that would pass what it paid. The refund is then made by
/// [`lifecycle::execute_refund`], or by the poller, which makes pending
/// refunds until the gateway answers.
pub(super) fn queue_refund(
    tx: &rusqlite::Transaction<'_>,
    row: &ledger::PaymentRow,
    amount: Rupiah,
    reason: String,
    key: &str,
) -> anyhow::Result<Result<Queued, Failure>> {
    let pid = row.payment.id.as_str();
    if let Some(r) = ledger::refund_by_key(tx, pid, key)? {
        if r.amount != amount || r.reason != reason {
            return Ok(Err(Failure(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                format!("idempotency key already used for refund {} of {}", r.id, r.amount),
            )));
        }
        return Ok(Ok(Queued::Again(r)));
    }
    let paid = row.payment.amount;
    if row.payment.status != PaymentStatus::Paid {
        return Ok(Err(Failure(
            StatusCode::CONFLICT,
            "not_paid",
            format!(
                "payment {pid} is {}; only a paid payment can be refunded",
                row.payment.status.as_str()
            ),
        )));
    }
    let committed = ledger::refund_committed(tx, pid)?;
    // Checked: an amount near i64::MAX must not wrap past the check.
    if committed.0.checked_add(amount.0).is_none_or(|total| total > paid.0) {
        return Ok(Err(Failure(
            StatusCode::CONFLICT,
            "over_refund",
            if committed.0 == 0 {
                format!("a refund of {amount} would pass the {paid} paid")
            } else {
                format!(
                    "a refund of {amount} would pass the {paid} paid: {committed} is already \
                     refunded or being refunded, so at most {} is left",
                    Rupiah(paid.0 - committed.0)
                )
            },
        )));
    }
    let r = Refund {
        id: new_id("RFD"),
        amount,
        reason,
        status: RefundStatus::Pending,
        created_at: crate::store::now(),
    };
    ledger::insert_refund(tx, pid, key, &r)?;
    Ok(Ok(Queued::New(r)))
}

/// Writes down in `tx` a refund of `amount` of payment `pid` under `key`
/// (see [`queue_refund`]) for [`make_refund`] to make once the caller's
/// transaction is committed; answers the refund's id.
pub(super) fn queue_refund_of(
    tx: &rusqlite::Transaction<'_>,
    pid: &str,
    amount: Rupiah,
    reason: String,
    key: &str,
) -> anyhow::Result<Result<String, Failure>> {
    let Some(row) = ledger::by_id(tx, pid, now_ms())? else {
        return Ok(Err(not_found("payment", pid)));
    };
    Ok(queue_refund(tx, &row, amount, reason, key)?.map(|q| match q {
        Queued::New(r) | Queued::Again(r) => r.id,
    }))
}

/// Asks the gateway for a refund written down by [`queue_refund_of`],
/// under the payment's lock; one it does not take now is the poller's.
/// `what` says in the log what the refund is for.
pub(super) async fn make_refund(s: &AppState, payment: &str, refund: &str, what: &str) {
    let _lock = s.locks.payment(payment).await;
    match lifecycle::execute_refund(s, payment, refund).await {
        Ok(()) => info!(payment, refund, what, "refund handed to the gateway"),
        Err(e) => {
            warn!(payment, refund, what, error = %e, "refund not through yet; the poller retries")
        }
    }
}

/// Refunds `amount` of the paid payment `id` under the idempotency `key`
/// (the same key refunds once) and answers the payment: the refund path
/// of `POST /v1/payments/{id}/refund`, shared with returns and expired
/// orders.
pub(super) async fn start_refund(
    s: &AppState,
    id: &str,
    amount: Rupiah,
    reason: String,
    key: String,
) -> Result<(StatusCode, Json<Payment>), Failure> {
    let id = id.to_owned();
    let _lock = s.locks.payment(&id).await;

    let row = find(s, &id).await?;
    let step =
        s.db.run(move |c| {
            let tx = c.transaction()?;
            let step = queue_refund(&tx, &row, amount, reason, &key)?;
            tx.commit()?;
            Ok(step)
        })
        .await?;
    let (status, refund) = match step {
        Err(refused) => return Err(refused),
        Ok(Queued::Again(r)) if r.status == RefundStatus::Failed => {
            return Err(Failure(
                StatusCode::CONFLICT,
                "refund_failed",
                format!("the gateway refused refund {} under this key; use a new key", r.id),
            ));
        }
        Ok(Queued::Again(r)) => (StatusCode::OK, r),
        Ok(Queued::New(r)) => (StatusCode::CREATED, r),
    };
    if refund.status == RefundStatus::Pending {
        lifecycle::execute_refund(s, &id, &refund.id).await?;
    }
    Ok((status, Json(fresh(find(s, &id).await?))))
}

/// Reads a customer-presented code with the QRIS codec: the whole BER-TLV
/// structure, the QRIS application and its account number (tag 5A).
pub(super) fn read_customer_code(code: &str) -> Result<CustomerCode, String> {
    let code = code.trim();
    let payload = cpm::decode(code)
        .map_err(|e| format!("the customer-presented code cannot be read: {e}"))?;
    let account = payload
        .qris()
        .and_then(|app| app.account.clone())
        .ok_or("the customer-presented code carries no QRIS account number (tag 5A)")?;
    Ok(CustomerCode { payload: code.to_owned(), account })
}

pub(super) async fn customer_code(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<CustomerCodeCharge>, JsonRejection>,
) -> Result<Json<Payment>, Failure> {
    let req = json_body(body)?;
    let code = read_customer_code(&req.code).map_err(bad_request)?;
    let _lock = s.locks.payment(&id).await;
    let row = find(&s, &id).await?;
    if row.payment.status != PaymentStatus::Pending {
        return Err(payment_final(&row.payment));
    }
    let state =
        s.gateway.charge_customer_code(&gateway_payment(&row), &code).await.map_err(|e| {
            warn!(payment = id, error = %e, "customer-presented code not charged");
            gateway_failure(&e)
        })?;
    lifecycle::apply(&s, &id, state, "customer-presented code").await?;
    Ok(Json(fresh(find(&s, &id).await?)))
}

/// Drives the gateway simulator, then asks it as a notification would.
pub(super) async fn simulate(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<Simulate>, JsonRejection>,
) -> Result<Json<Payment>, Failure> {
    let req = json_body(body)?;
    let outcome = match req.result {
        PaymentStatus::Paid => Outcome::Paid,
        PaymentStatus::Failed => Outcome::Failed,
        PaymentStatus::Expired => Outcome::Expired,
        PaymentStatus::Cancelled => Outcome::Cancelled,
        PaymentStatus::Pending | PaymentStatus::Refunded => {
            return Err(bad_request("result must be paid, failed, expired or cancelled"));
        }
    };
    let Some(sim) = &s.simulator else {
        return Err(Failure(
            StatusCode::NOT_FOUND,
            "not_simulated",
            format!("this central's gateway is {}, not the simulator", s.gateway.name()),
        ));
    };
    let _lock = s.locks.payment(&id).await;
    let row = find(&s, &id).await?;
    sim.settle(&row.reference, outcome).map_err(|e| match e {
        SimError::Unknown(_) => not_found("payment", &id),
        SimError::NotPayable { .. } => {
            Failure(StatusCode::CONFLICT, "payment_final", e.to_string())
        }
    })?;
    let state = s.gateway.query(&gateway_payment(&row)).await.map_err(|e| gateway_failure(&e))?;
    lifecycle::apply(&s, &id, state, "gateway notification").await?;
    Ok(Json(fresh(find(&s, &id).await?)))
}

/// `POST /v1/gateway/{name}/notify`: a gateway says something changed. The
/// notification only names the payment; the gateway's answer to a query
/// decides what changed.
pub(super) async fn notify(
    State(s): Shared,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, Failure> {
    if name != s.gateway.name() {
        return Err(not_found("gateway", &name));
    }
    let n = match s.gateway.notification(uri.path(), &headers, &body) {
        Ok(n) => n,
        Err(e) => {
            // The body and the error's detail may hold a payer's data.
            let kind = match e {
                GatewayError::BadNotification(_) => "bad signature or form",
                _ => "not accepted",
            };
            warn!(gateway = name, kind, body_bytes = body.len(), "gateway notification rejected");
            return Err(Failure(
                StatusCode::UNAUTHORIZED,
                "bad_notification",
                "notification rejected: it is not signed by the gateway or not in its form".into(),
            ));
        }
    };
    let reference = n.reference.clone();
    let Some(id) = s.db.run(move |c| Ok(ledger::by_reference(c, &reference)?)).await? else {
        warn!(gateway = name, "notification for an unknown payment");
        return Ok(Json(n.reply));
    };
    let _lock = s.locks.payment(&id).await;
    match lifecycle::load_any(&s, &id).await? {
        Some(row) if row.issued => match s.gateway.query(&gateway_payment(&row)).await {
            Ok(state) => lifecycle::apply(&s, &id, state, "gateway notification").await?,
            // The poller asks again.
            Err(e) => warn!(payment = id, error = %e, "gateway query after notification failed"),
        },
        // About an attempt whose answer was lost: closing it says if it
        // was paid.
        Some(row) if row.gateway_open => {
            if let Err(e) = lifecycle::end_attempt(&s, &row).await {
                warn!(payment = id, error = %e, "earlier attempt not closed after notification");
            }
        }
        _ => {}
    }
    Ok(Json(n.reply))
}
