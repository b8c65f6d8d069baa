//! Click-and-collect orders on the central: placing one from another
//! channel (priced here, its stock reserved at its store), reading it, and
//! the steps that end it (cancel, expire, unload). Loading and collecting
//! are in [`pickup`].

mod alerts;
mod pickup;
pub(super) mod rows;

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension};
use tracing::{debug, info, warn};

use super::AppState;
use super::lifecycle::new_id;
use super::routes::{Failure, bad_request, json_body, not_found};
use crate::central::api::{
    NewOrder, OrderMessages, OrderPlaced, OrderStep, OrderView, PaymentStatus, SaleLine, ToUnload,
    UnloadList, UnloadOutcome,
};
use crate::domain::Rupiah;
use crate::domain::cart::MAX_QTY;
use crate::domain::locker::Size;
use crate::domain::order::{self, ExpiryRefund, OrderState, Step};
use crate::domain::pricing::{self, LineRequest, Shopper};
use crate::domain::restricted::Restriction;

pub(super) use alerts::alert;
pub(super) use pickup::{collect, load, manifest, typed_code};

type Shared = State<Arc<AppState>>;

/// The most lines one order may hold.
pub const MAX_LINES: usize = 200;

/// The furthest a pickup deadline may be: thirty days.
pub const MAX_DEADLINE_DAYS: i64 = 30;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A refusal for a step the order's state does not allow.
fn refused(e: order::Refused) -> Failure {
    Failure(StatusCode::CONFLICT, "order_state", e.to_string())
}

/// Checks a new order's shape; merges repeated barcodes into one line,
/// keeping the line number each was first given on.
fn checked_lines(req: &NewOrder) -> Result<Vec<(usize, String, u32)>, Failure> {
    if req.lines.is_empty() {
        return Err(bad_request("an order needs at least one line"));
    }
    if req.lines.len() > MAX_LINES {
        return Err(bad_request(format!(
            "an order holds at most {MAX_LINES} lines; this one has {}",
            req.lines.len()
        )));
    }
    let mut merged: Vec<(usize, String, u32)> = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        let barcode = l.barcode.trim();
        if barcode.is_empty() || barcode.len() > 64 {
            return Err(bad_request(format!(
                "line {}: the barcode must be 1 to 64 characters",
                i + 1
            )));
        }
        if l.qty == 0 || l.qty > MAX_QTY {
            return Err(bad_request(format!(
                "line {}: {barcode} has a quantity of {}; from 1 to {MAX_QTY}",
                i + 1,
                l.qty
            )));
        }
        match merged.iter_mut().find(|(_, b, _)| b == barcode) {
            Some((_, _, qty)) => *qty = qty.saturating_add(l.qty).min(MAX_QTY),
            None => merged.push((i + 1, barcode.to_owned(), l.qty)),
        }
    }
    Ok(merged)
}

/// The pickup deadline a new order asks for, or the default.
fn deadline(
    req: &NewOrder,
    default_days: u32,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, Failure> {
    let Some(text) = &req.deadline else {
        return Ok(now + chrono::Duration::days(i64::from(default_days)));
    };
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|e| bad_request(format!("deadline {text:?} is not RFC 3339: {e}")))?
        .to_utc();
    if at <= now {
        return Err(bad_request(format!("deadline {text} has passed already")));
    }
    if at > now + chrono::Duration::days(MAX_DEADLINE_DAYS) {
        return Err(bad_request(format!(
            "deadline {text} is more than {MAX_DEADLINE_DAYS} days away"
        )));
    }
    Ok(at)
}

/// `POST /v1/orders`.
pub(super) async fn place(
    State(s): Shared,
    headers: HeaderMap,
    body: Result<Json<NewOrder>, JsonRejection>,
) -> Result<(StatusCode, Json<OrderPlaced>), Failure> {
    let req = json_body(body)?;
    let key = super::payments::idempotency_key(&headers, None)?;
    let lines = checked_lines(&req)?;
    let phone = crate::domain::loyalty::normalise_phone(&req.phone)
        .map_err(|e| bad_request(format!("phone: {e}")))?;
    if let Some(p) = &req.paid {
        let n = p.reference.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(bad_request("paid.reference must be 1 to 100 characters"));
        }
    }
    let size = match req.size.as_deref() {
        None => Size::S,
        Some(text) => Size::parse(text).ok_or_else(|| {
            Failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_size",
                format!("size: {text:?} is not a compartment size (S, M or L)"),
            )
        })?,
    };
    let now = Utc::now();
    let deadline = deadline(&req, s.config.pickup_days, now)?;
    let request = serde_json::to_string(&req).map_err(anyhow::Error::from)?;
    let promotions = s.promotions.set.clone();
    let layouts = s.layouts.clone();
    let at = now.with_timezone(&pricing::jakarta());

    let outcome =
        s.db.run(move |conn| {
            let tx = conn.transaction()?;
            if let Some(o) = rows::by_key(&tx, &key)? {
                if o.request != request {
                    return Ok(Err(Failure(
                        StatusCode::CONFLICT,
                        "idempotency_conflict",
                        format!(
                            "idempotency key already places order {} with other contents",
                            o.id
                        ),
                    )));
                }
                return Ok(Ok((StatusCode::OK, o.id, o.state)));
            }
            if !super::stock::store_exists(&tx, &req.store)? {
                return Ok(Err(Failure(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_store",
                    format!("store: {} is not one of the stores", req.store),
                )));
            }
            let member = match &req.member {
                Some(id) => match super::points::member(&tx, id)? {
                    Some(m) => Some(super::points::member_facts(&m)),
                    None => {
                        return Ok(Err(Failure(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "unknown_member",
                            format!("member: no member {id}"),
                        )));
                    }
                },
                None => None,
            };
            // Every line is checked before any answer, so the channel hears
            // of all its unknown or short lines at once.
            let mut unknown = Vec::new();
            let mut restricted = Vec::new();
            let mut short = Vec::new();
            for (n, barcode, qty) in &lines {
                let Some(product) = super::pricing::product(&tx, barcode)? else {
                    unknown.push(format!("line {n}: {barcode} is not in the catalog"));
                    continue;
                };
                let name = &product.name;
                // A locker hands goods over with nobody to check the
                // buyer's age, and the law keeps tobacco out of
                // self-service machines.
                match product.restriction {
                    Restriction::None => {}
                    Restriction::Age21 => restricted.push(format!(
                        "line {n}: {barcode} ({name}) is sold only to buyers of 21 or older, \
                         which a locker cannot check"
                    )),
                    Restriction::Tobacco => restricted.push(format!(
                        "line {n}: {barcode} ({name}) is tobacco, which self-service machines \
                         such as lockers may not hand over"
                    )),
                }
                let on_hand = super::stock::qty(&tx, &req.store, barcode)?;
                let held = rows::reserved(&tx, &req.store, barcode)?;
                let free = on_hand.saturating_sub(held);
                if *qty > free {
                    short.push(format!(
                        "line {n}: {barcode} ({name}): {qty} asked, {free} available at store {}",
                        req.store
                    ));
                }
            }
            if !unknown.is_empty() {
                let why = unknown.join("; ");
                return Ok(Err(Failure(StatusCode::UNPROCESSABLE_ENTITY, "unknown_product", why)));
            }
            if !restricted.is_empty() {
                let why = format!("{}; sell these at the counter", restricted.join("; "));
                return Ok(Err(Failure(StatusCode::UNPROCESSABLE_ENTITY, "restricted_item", why)));
            }
            if !short.is_empty() {
                let why = short.join("; ");
                return Ok(Err(Failure(StatusCode::CONFLICT, "not_enough_stock", why)));
            }

            // Priced as every channel prices: the catalog and the engine.
            let requested: Vec<LineRequest> = lines
                .iter()
                .map(|(_, barcode, qty)| LineRequest { barcode: barcode.clone(), qty: *qty })
                .collect();
            let cart = match pricing::try_cart_lines(&requested, &layouts, |b| {
                super::pricing::product(&tx, b)
            })? {
                Ok(cart) => cart,
                Err(e) => return Ok(Err(bad_request(e.to_string()))),
            };
            let priced =
                pricing::price(&cart, &promotions, &Shopper { member, vouchers: vec![] }, at);
            let sale_lines: Vec<SaleLine> = priced.lines.iter().map(SaleLine::from).collect();
            if let Some(p) = &req.paid
                && p.amount != priced.total
            {
                return Ok(Err(Failure(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "amount_mismatch",
                    format!(
                        "paid.amount: {} paid, the order costs {} as this central prices it",
                        p.amount.0, priced.total.0
                    ),
                )));
            }
            if let Some(pid) = req.paid.as_ref().and_then(|p| p.payment_id.as_ref()) {
                let row = super::ledger::by_id(&tx, pid, super::lifecycle::now_ms())?;
                let used_by = match super::db::sale_by_payment(&tx, pid)? {
                    Some(sale) => Some(format!("sale {}", sale.id)),
                    None => order_of_payment(&tx, pid)?.map(|o| format!("order {o}")),
                };
                if let Some(used_by) = used_by {
                    return Ok(Err(Failure(
                        StatusCode::CONFLICT,
                        "payment_used",
                        format!("paid.payment_id: {pid} already pays {used_by}"),
                    )));
                }
                if super::ledger::refund_committed(&tx, pid)?.0 > 0 {
                    return Ok(Err(Failure(
                        StatusCode::CONFLICT,
                        "payment_refunded",
                        format!("paid.payment_id: {pid} is being refunded; it can pay no order"),
                    )));
                }
                match row {
                    Some(r)
                        if r.payment.status == PaymentStatus::Paid
                            && r.payment.amount == priced.total => {}
                    _ => {
                        return Ok(Err(Failure(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "unknown_payment",
                            format!(
                                "paid.payment_id: {pid} is not a paid payment of {}",
                                priced.total.0
                            ),
                        )));
                    }
                }
            }
            let o = rows::Row {
                id: new_id("ORD"),
                idempotency_key: key,
                request,
                store: req.store.clone(),
                member: req.member.clone(),
                phone,
                state: OrderState::Placed,
                lines: sale_lines,
                discounts: priced.discounts.clone(),
                total: priced.total,
                paid_reference: req.paid.as_ref().map(|p| p.reference.trim().to_owned()),
                payment_id: req.paid.as_ref().and_then(|p| p.payment_id.clone()),
                paid: req.paid.is_some(),
                deadline: rfc3339(deadline),
                deadline_s: deadline.timestamp(),
                compartment: None,
                code: None,
                code_hash: None,
                token: None,
                collect_key: None,
                unloaded_at: None,
                unload_outcome: None,
                created_at: rfc3339(now),
                size,
            };
            rows::insert(&tx, &o)?;
            for l in &o.lines {
                rows::reserve(&tx, &o.id, &o.store, &l.barcode, l.qty)?;
            }
            let cause = match &o.paid_reference {
                Some(r) => format!("placed, paid on its channel ({r}); total {}", o.total.0),
                None => format!("placed, to be paid by QRIS at pickup; total {}", o.total.0),
            };
            rows::add_event(&tx, &o.id, OrderState::Placed, "place", None, &cause)?;
            tx.commit()?;
            Ok(Ok((StatusCode::CREATED, o.id, o.state)))
        })
        .await?;
    let (status, id, state) = outcome?;
    if status == StatusCode::CREATED {
        info!(order = id, "order placed");
    }
    Ok((status, Json(OrderPlaced { id, status: state })))
}

/// Expires what is due, then reads the order `id`.
pub(super) fn fresh(conn: &mut Connection, id: &str) -> anyhow::Result<Option<rows::Row>> {
    rows::expire_due(conn, Utc::now())?;
    Ok(rows::load(conn, id)?)
}

/// `GET /v1/orders/{id}`.
pub(super) async fn get(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, Failure> {
    let key = id.clone();
    let found =
        s.db.run(move |c| match fresh(c, &key)? {
            Some(o) => Ok(Some(rows::view(c, &o)?)),
            None => Ok(None),
        })
        .await?;
    found.map(Json).ok_or_else(|| not_found("order", &id))
}

/// `GET /v1/orders/{id}/messages`: what the customer was sent.
pub(super) async fn messages(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<Json<OrderMessages>, Failure> {
    let key = id.clone();
    let found =
        s.db.run(move |c| match rows::load(c, &key)? {
            Some(_) => Ok(Some(super::notify::of_order(c, &key)?)),
            None => Ok(None),
        })
        .await?;
    let messages = found.ok_or_else(|| not_found("order", &id))?;
    Ok(Json(OrderMessages { messages }))
}

/// Applies `step` (cancel or expire) to the order `id` as reported.
async fn end(
    s: &AppState,
    id: &str,
    step: Step,
    req: OrderStep,
) -> Result<Json<OrderView>, Failure> {
    let key = id.to_owned();
    let policy = s.config.expired_refund;
    let outcome =
        s.db.run(move |c| {
            let Some(o) = fresh(c, &key)? else { return Ok(Err(not_found("order", &key))) };
            if step == Step::Expire && o.state == OrderState::Expired {
                // What the sweep did already: the same answer.
                return Ok(Ok((rows::view(c, &o)?, None)));
            }
            if step == Step::Expire {
                // Live and not due (`fresh` expires what is), or ended.
                let why = match order::next(o.state, step) {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("order {key}'s deadline {} has not passed", o.deadline),
                };
                return Ok(Err(Failure(StatusCode::CONFLICT, "order_state", why)));
            }
            let to = match order::next(o.state, step) {
                Ok(to) => to,
                Err(e) => return Ok(Err(refused(e))),
            };
            let tx = c.transaction()?;
            rows::release(&tx, &key)?;
            let mut cause = match req.cause.trim() {
                "" => "cancelled".to_owned(),
                why => format!("cancelled: {why}"),
            };
            // A paid order that never reached a locker has nothing for
            // staff to take out, so its money goes back with the cancel
            // (one in a compartment is settled when it is unloaded).
            let mut refund = None;
            if step == Step::Cancel && o.paid && o.compartment.is_none() {
                let (note, queued) = settle_cancelled(&tx, &o, policy)?;
                cause.push_str(&note);
                refund = queued;
            }
            rows::set_state(&tx, &key, to, step, req.device.as_deref(), &cause)?;
            tx.commit()?;
            let o = rows::load(c, &key)?.expect("the order was just changed");
            Ok(Ok((rows::view(c, &o)?, refund)))
        })
        .await??;
    let (view, refund) = outcome;
    if let Some((payment, refund)) = refund {
        super::payments::make_refund(s, &payment, &refund, &format!("cancelled order {id}")).await;
    }
    info!(order = id, step = step.as_str(), status = %view.status, "order step");
    Ok(Json(view))
}

/// What the cancel of paid order `o`, in no compartment, does with its
/// money by `policy`: the words for its history, and the refund written
/// down in `tx` (payment and refund ids) for the gateway to make.
fn settle_cancelled(
    tx: &rusqlite::Transaction<'_>,
    o: &rows::Row,
    policy: ExpiryRefund,
) -> anyhow::Result<(String, Option<(String, String)>)> {
    let Some(pid) = (policy == ExpiryRefund::Full).then_some(o.payment_id.as_ref()).flatten()
    else {
        return Ok((
            match (policy, &o.paid_reference) {
                (ExpiryRefund::Hold, _) => "; the payment is held for staff (policy hold)".into(),
                (_, r) => format!(
                    "; paid on its channel ({}): refund it there",
                    r.as_deref().unwrap_or("no reference")
                ),
            },
            None,
        ));
    };
    let reason = format!("order {} cancelled before it was loaded", o.id);
    let key = format!("cancelled-{}", o.id);
    let due = refund_left(tx, pid, &key, o.total)?;
    if due.0 == 0 {
        return Ok((format!("; payment {pid} has nothing left to refund"), None));
    }
    let done = match due == o.total {
        true => "refunded in full".to_owned(),
        false => format!("refunded {}, what was left of it", due.0),
    };
    Ok(match super::payments::queue_refund_of(tx, pid, due, reason, &key)? {
        Ok(refund) => (format!("; payment {pid} {done}"), Some((pid.clone(), refund))),
        Err(Failure(_, kind, why)) => {
            warn!(order = o.id, payment = pid, kind, why, "cancelled order not refunded");
            (format!("; payment {pid} not refunded ({why}): refund it by hand"), None)
        }
    })
}

/// `POST /v1/orders/{id}/cancel`.
pub(super) async fn cancel(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<OrderStep>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    end(&s, &id, Step::Cancel, json_body(body)?).await
}

/// `POST /v1/orders/{id}/expire`: refused before the deadline; the sweep
/// does the same by itself.
pub(super) async fn expire(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<OrderStep>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    end(&s, &id, Step::Expire, json_body(body)?).await
}

/// `POST /v1/orders/{id}/unload`: staff took an expired or cancelled order
/// out of its compartment. A paid one is refunded by the expiry refund
/// policy.
///
/// The refund is written down with the unloading, in one transaction, and
/// made after it. A replay (a kiosk's outbox after a lost answer) answers
/// the same order and asks the gateway again for a refund still pending
/// (the gateway was down): the refund is one per key, so it is made once.
pub(super) async fn unload(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<OrderStep>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    let req = json_body(body)?;
    let staff = req.staff_id.clone().unwrap_or_default();
    if !s.staff.iter().any(|m| m.id == staff) {
        return Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_staff",
            format!("staff_id: {staff:?} is not a member of staff"),
        ));
    }
    let policy = s.config.expired_refund;
    let key = id.clone();
    let refund =
        s.db.run(move |c| {
            let Some(o) = fresh(c, &key)? else { return Ok(Err(not_found("order", &key))) };
            let refund_key = rows::unload_refund_key(&key);
            let reason = match o.state {
                OrderState::Cancelled => format!("order {key} cancelled"),
                _ => format!("order {key} not collected by its deadline"),
            };
            let tx = c.transaction()?;
            if o.unloaded_at.is_some() {
                // A replay: the refund written down with the unloading is
                // made now if the gateway did not take it then.
                let again = o.unload_outcome.as_deref() == Some(UnloadOutcome::Refunded.as_str());
                let Some(pid) = o.payment_id.clone().filter(|_| again) else {
                    return Ok(Ok(None));
                };
                let pending = super::ledger::refund_by_key(&tx, &pid, &refund_key)?
                    .filter(|r| r.status == crate::central::api::RefundStatus::Pending);
                return Ok(Ok(pending.map(|r| (pid, r.id))));
            }
            if let Err(e) = order::next(o.state, Step::Unload) {
                return Ok(Err(refused(e)));
            }
            if o.compartment.is_none() {
                return Ok(Err(Failure(
                    StatusCode::CONFLICT,
                    "not_in_locker",
                    format!("order {key} was never loaded: there is nothing to take out"),
                )));
            }
            let out = format!("taken out by staff {staff}");
            let due = match &o.payment_id {
                Some(pid) => refund_left(&tx, pid, &refund_key, o.total)?,
                None => Rupiah::ZERO,
            };
            let (cause, outcome) = match (o.paid, &o.payment_id, policy) {
                (false, _, _) => (format!("{out}; it was not paid"), UnloadOutcome::Unpaid),
                (true, _, ExpiryRefund::Hold) => (
                    format!("{out}; the payment is held for staff (policy hold)"),
                    UnloadOutcome::Held,
                ),
                (true, Some(pid), ExpiryRefund::Full) if due.0 == 0 => (
                    format!("{out}; payment {pid} has nothing left to refund"),
                    UnloadOutcome::Held,
                ),
                (true, Some(pid), ExpiryRefund::Full) if due == o.total => (
                    format!("{out}; payment {pid} refunded in full (policy full)"),
                    UnloadOutcome::Refunded,
                ),
                (true, Some(pid), ExpiryRefund::Full) => (
                    format!(
                        "{out}; payment {pid} refunded {}, what was left of it (policy full)",
                        due.0
                    ),
                    UnloadOutcome::Refunded,
                ),
                (true, None, ExpiryRefund::Full) => (
                    format!(
                        "{out}; paid on its channel ({}): refund it there (policy full)",
                        o.paid_reference.as_deref().unwrap_or("no reference")
                    ),
                    UnloadOutcome::Channel,
                ),
            };
            // The refund is written down with the unloading, in one
            // transaction: neither is recorded without the other.
            let mut refund = None;
            if outcome == UnloadOutcome::Refunded
                && let Some(pid) = &o.payment_id
            {
                match super::payments::queue_refund_of(&tx, pid, due, reason, &refund_key)? {
                    Ok(id) => refund = Some((pid.clone(), id)),
                    Err(refused) => return Ok(Err(refused)),
                }
            }
            tx.execute(
                "UPDATE click_order SET unloaded_at = ?2, unload_outcome = ?3 WHERE id = ?1",
                rusqlite::params![key, crate::store::now(), outcome.as_str()],
            )?;
            rows::add_event(
                &tx,
                &key,
                o.state,
                Step::Unload.as_str(),
                req.device.as_deref(),
                &cause,
            )?;
            tx.commit()?;
            Ok(Ok(refund))
        })
        .await??;
    if let Some((payment, refund)) = refund {
        super::payments::make_refund(&s, &payment, &refund, &format!("unloaded order {id}")).await;
    }
    let key = id.clone();
    let view =
        s.db.run(move |c| {
            let o = rows::load(c, &key)?.expect("the order exists");
            Ok(rows::view(c, &o)?)
        })
        .await?;
    Ok(Json(view))
}

/// `GET /v1/stores/{id}/unload-list`: what staff must take out of the
/// store's lockers (expired, or cancelled in a compartment).
pub(super) async fn unload_list(
    State(s): Shared,
    Path(store): Path<String>,
) -> Result<Json<UnloadList>, Failure> {
    let key = store.clone();
    let orders =
        s.db.run(move |c| {
            rows::expire_due(c, Utc::now())?;
            if !super::stock::store_exists(c, &key)? {
                return Ok(None);
            }
            let orders = rows::to_unload_at(c, &key)?
                .into_iter()
                .filter_map(|o| {
                    Some(ToUnload {
                        order_id: o.id,
                        compartment: o.compartment?,
                        status: o.state,
                        paid: o.paid,
                        total: o.total,
                        deadline: o.deadline,
                    })
                })
                .collect::<Vec<_>>();
            Ok(Some(orders))
        })
        .await?
        .ok_or_else(|| not_found("store", &store))?;
    Ok(Json(UnloadList { store, orders, as_of: crate::store::now() }))
}

/// Refuses a payment for an order that is unknown, not live, paid (other
/// than by `live`, its live payment), or for another amount than its
/// total; `Ok(Ok(()))` lets it be created, or `live` be given again.
pub(super) fn check_payable(
    conn: &Connection,
    id: &str,
    amount: Rupiah,
    live: Option<&str>,
) -> anyhow::Result<Result<(), Failure>> {
    let Some(o) = rows::load(conn, id)? else {
        return Ok(Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_order",
            format!("order: no order {id}"),
        )));
    };
    if o.paid && (live.is_none() || o.payment_id.as_deref() != live) {
        return Ok(Err(Failure(
            StatusCode::CONFLICT,
            "order_paid",
            format!("order {id} is paid already"),
        )));
    }
    if o.state != OrderState::Loaded {
        return Ok(Err(Failure(
            StatusCode::CONFLICT,
            "order_state",
            format!("order {id} is {}; only an order waiting in its locker is paid", o.state),
        )));
    }
    if amount != o.total {
        return Ok(Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount_mismatch",
            format!("amount: order {id} costs {}, not {}", o.total.0, amount.0),
        )));
    }
    Ok(Ok(()))
}

/// The order's payment that is still live: one that was paid, or one whose
/// code may still be paid. A kiosk asking for an order's payment gets it
/// back whatever key it asks with, so that an order is never paid twice:
/// not by a kiosk that restarted during its payment (and lost its key),
/// nor by a second kiosk.
pub(super) fn live_payment(
    conn: &Connection,
    order: &str,
    now_ms: i64,
) -> rusqlite::Result<Option<super::ledger::PaymentRow>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM payment WHERE order_id = ?1 ORDER BY created_at DESC")?
        .query_map([order], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        let Some(row) = super::ledger::by_id(conn, &id, now_ms)? else { continue };
        let live = matches!(row.payment.status, PaymentStatus::Paid | PaymentStatus::Pending);
        if row.issued && live {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// What a refund of an order's `total` under `key` from `payment` comes
/// to: the refund made under the key before, if one was; otherwise the
/// total, or what is left of the payment when part of it was refunded
/// otherwise (a price adjustment by hand, say).
fn refund_left(
    conn: &Connection,
    payment: &str,
    key: &str,
    total: Rupiah,
) -> rusqlite::Result<Rupiah> {
    if let Some(r) = super::ledger::refund_by_key(conn, payment, key)? {
        return Ok(r.amount);
    }
    Ok(Rupiah(total.0.min(super::ledger::left_to_refund(conn, payment)?.0)))
}

/// Pays the order that `payment` was made for, now that it is paid while
/// payable (see [`super::ledger::paid`]); nothing when it was made for no
/// order. An order no longer waiting in its locker, or paid already by
/// another payment, takes no payment: this says why, for its refund.
pub(super) fn paid_by(conn: &Connection, payment: &str) -> rusqlite::Result<Option<String>> {
    let order = made_for(conn, payment)?;
    let Some(o) = order.map(|id| rows::load(conn, &id)).transpose()?.flatten() else {
        return Ok(None);
    };
    if o.paid {
        return Ok(match o.payment_id.as_deref() == Some(payment) {
            true => None,
            false => Some(format!("order {} was paid already", o.id)),
        });
    }
    if o.state != OrderState::Loaded || o.unloaded_at.is_some() {
        return Ok(Some(format!("order {} is {}", o.id, o.state)));
    }
    conn.execute(
        "UPDATE click_order SET paid = 1, payment_id = ?2 WHERE id = ?1",
        rusqlite::params![o.id, payment],
    )?;
    let cause = format!("paid {} by QRIS (payment {payment})", o.total.0);
    rows::add_event(conn, &o.id, o.state, "pay", None, &cause)?;
    Ok(None)
}

/// The order that `payment` pays or was made for, if any: a payment pays
/// one purchase, so a sale or another order may not claim it.
pub(super) fn order_of_payment(
    conn: &Connection,
    payment: &str,
) -> rusqlite::Result<Option<String>> {
    if let Some(order) = made_for(conn, payment)? {
        return Ok(Some(order));
    }
    conn.query_row(
        "SELECT id FROM click_order WHERE payment_id = ?1 ORDER BY created_at LIMIT 1",
        [payment],
        |r| r.get(0),
    )
    .optional()
}

/// The order `payment` was made for (`POST /v1/payments` with an order).
pub(super) fn made_for(conn: &Connection, payment: &str) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row("SELECT order_id FROM payment WHERE id = ?1", [payment], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The order that a collect took out with `payment`, if one did.
pub(super) fn collected_with(conn: &Connection, payment: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM click_order WHERE payment_id = ?1 AND paid = 1 AND state = 'collected'",
        [payment],
        |r| r.get(0),
    )
    .optional()
}

/// Links the new payment `payment` to the order it pays.
pub(super) fn pay_with(conn: &Connection, payment: &str, order: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE payment SET order_id = ?2 WHERE id = ?1",
        rusqlite::params![payment, order],
    )?;
    Ok(())
}

/// Expires due orders every `interval`, and hands queued messages to the
/// notifier. Runs until the server stops.
pub(super) async fn sweep(s: Arc<AppState>, interval: std::time::Duration) {
    loop {
        match s.db.run(|c| Ok(rows::expire_due(c, Utc::now())?)).await {
            Ok(ids) if !ids.is_empty() => debug!(count = ids.len(), "orders expired"),
            Ok(_) => {}
            Err(e) => warn!(error = format!("{e:#}"), "order sweep failed"),
        }
        if let Err(e) = super::notify::deliver(&s).await {
            warn!(error = format!("{e:#}"), "customer messages not delivered");
        }
        tokio::time::sleep(interval).await;
    }
}
