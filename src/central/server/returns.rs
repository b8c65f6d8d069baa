//! Returns on the central: goods of a collected order or of a kiosk sale
//! brought back, checked against the return rules (see
//! [`crate::domain::returns`]), refunded to the QRIS payment or to the
//! member's points, and confirmed by staff once they have the goods.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use tracing::info;

use super::AppState;
use super::lifecycle::new_id;
use super::orders::rows;
use super::routes::{Failure, bad_request, json_body, not_found};
use crate::central::api::{
    ConfirmReturn, LineRefusal, NewReturn, RefundTo, ReturnStatus, ReturnStowed, ReturnView,
    Returnable, ReturnableLine, SaleLine,
};
use crate::domain::Rupiah;
use crate::domain::order::{OrderState, Step};
use crate::domain::returns::{self, PurchaseRef, Returning};
use crate::tokens::Kind;

type Shared = State<Arc<AppState>>;

/// The default rules shipped with the binary.
pub const DEFAULT_RULES: &str = include_str!("../../../assets/returns.toml");

/// What a return is checked against: the purchase.
struct Purchase {
    order: Option<rows::Row>,
    sale: Option<String>,
    bought_at: DateTime<Utc>,
    lines: Vec<SaleLine>,
    /// What the purchase cost (after promotions).
    paid: Rupiah,
    /// What of `paid` points paid (a kiosk sale's redeemed points).
    points_paid: Rupiah,
    payment_id: Option<String>,
    member: Option<String>,
}

fn refusal(code: StatusCode, kind: &'static str, why: String) -> Failure {
    Failure(code, kind, why)
}

fn purchase(
    conn: &Connection,
    order: &Option<String>,
    sale: &Option<String>,
) -> anyhow::Result<Result<Purchase, Failure>> {
    let parse = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.to_utc());
    match (order, sale) {
        (Some(id), None) => {
            let Some(o) = rows::load(conn, id)? else { return Ok(Err(not_found("order", id))) };
            if !matches!(o.state, OrderState::Collected | OrderState::Returned) {
                return Ok(Err(refusal(
                    StatusCode::CONFLICT,
                    "not_collected",
                    format!("order {id} is {}; only a collected order comes back", o.state),
                )));
            }
            let at = rows::collected_at(conn, id)?.unwrap_or_else(|| o.created_at.clone());
            Ok(Ok(Purchase {
                bought_at: parse(&at)?,
                lines: o.lines.clone(),
                paid: o.total,
                points_paid: Rupiah::ZERO,
                payment_id: o.payment_id.clone(),
                member: o.member.clone(),
                sale: None,
                order: Some(o),
            }))
        }
        (None, Some(id)) => {
            let Some(t) = super::db::sale(conn, id)? else {
                return Ok(Err(not_found("transaction", id)));
            };
            Ok(Ok(Purchase {
                bought_at: parse(&t.created_at)?,
                lines: t.lines,
                paid: t.total,
                points_paid: Rupiah(i64::try_from(t.points_redeemed).unwrap_or(i64::MAX)),
                payment_id: Some(t.payment_id),
                member: t.member,
                sale: Some(t.id),
                order: None,
            }))
        }
        _ => Ok(Err(bad_request("give exactly one of order and sale"))),
    }
}

/// How many of `barcode` earlier returns of the purchase took back.
fn returned(conn: &Connection, p: &Purchase, barcode: &str) -> rusqlite::Result<u32> {
    let (column, id) = match (&p.order, &p.sale) {
        (Some(o), _) => ("order_id", o.id.as_str()),
        (None, Some(s)) => ("sale_id", s.as_str()),
        (None, None) => return Ok(0),
    };
    conn.query_row(
        &format!(
            "SELECT coalesce(sum(l.qty), 0) FROM goods_return_line l
             JOIN goods_return r ON r.id = l.return_id WHERE r.{column} = ?1 AND l.barcode = ?2"
        ),
        [id, barcode],
        |r| r.get(0),
    )
}

/// What earlier returns of the purchase refunded.
fn refunded_before(conn: &Connection, p: &Purchase) -> rusqlite::Result<Rupiah> {
    let (column, id) = match (&p.order, &p.sale) {
        (Some(o), _) => ("order_id", o.id.as_str()),
        (None, Some(s)) => ("sale_id", s.as_str()),
        (None, None) => return Ok(Rupiah::ZERO),
    };
    conn.query_row(
        &format!("SELECT coalesce(sum(amount), 0) FROM goods_return WHERE {column} = ?1"),
        [id],
        |r| Ok(Rupiah(r.get(0)?)),
    )
}

fn view_of(conn: &Connection, id: &str) -> anyhow::Result<Option<ReturnView>> {
    let row = conn
        .query_row(
            "SELECT id, order_id, sale_id, lines, reason, refund_to, amount, payment_id, member_id,
                    status, created_at, confirmed_at, confirmed_by, compartment, stowed, points
             FROM goods_return WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?),
                    (r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get::<_, i64>(6)?),
                    (r.get(7)?, r.get(8)?, r.get::<_, String>(9)?, r.get(10)?),
                    (r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?),
                    r.get::<_, i64>(15)?,
                ))
            },
        )
        .optional()?;
    let Some((
        (id, order, sale, lines),
        (reason, to, amount),
        (payment_id, member, status, at),
        c,
        points,
    )) = row
    else {
        return Ok(None);
    };
    Ok(Some(ReturnView {
        id,
        order,
        sale,
        lines: serde_json::from_str(&lines)?,
        reason,
        refund_to: if to == "points" { RefundTo::Points } else { RefundTo::Qris },
        amount: Rupiah(amount),
        points: Rupiah(points),
        payment_id,
        member,
        status: if status == "confirmed" {
            ReturnStatus::Confirmed
        } else {
            ReturnStatus::AwaitingStaff
        },
        created_at: at,
        confirmed_at: c.0,
        confirmed_by: c.1,
        compartment: c.2,
        stowed: c.3,
    }))
}

/// What a checked return will do, decided before any money moves.
struct Plan {
    id: String,
    lines: Vec<SaleLine>,
    amount: Rupiah,
    /// What of `amount` goes to `member`'s points; the payment gets the rest.
    points: Rupiah,
    payment_id: Option<String>,
    member: Option<String>,
    /// True if and only if it brings the last of an order back.
    closes_order: bool,
}

/// `POST /v1/returns`, with an `Idempotency-Key` header.
///
/// The refund is made before the return is recorded, under a key derived
/// from the return's: a retry after a lost answer or a gateway hiccup
/// finds the same refund and records the return once.
pub(super) async fn create(
    State(s): Shared,
    headers: HeaderMap,
    body: Result<Json<NewReturn>, JsonRejection>,
) -> Result<(StatusCode, Json<ReturnView>), Failure> {
    let req = json_body(body)?;
    let key = super::payments::idempotency_key(&headers, None)?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(bad_request("reason: 1 to 200 characters"));
    }
    if req.lines.is_empty() {
        return Err(bad_request("lines: a return needs at least one line"));
    }
    for (i, l) in req.lines.iter().enumerate() {
        if let Some(j) = req.lines[..i].iter().position(|e| e.barcode == l.barcode) {
            return Err(bad_request(format!(
                "line {}: {} is on line {} already; give each product once, with its quantity",
                i + 1,
                l.barcode,
                j + 1
            )));
        }
    }
    let request = serde_json::to_string(&req).map_err(anyhow::Error::from)?;
    // One return of a purchase at a time, from its check to its record:
    // two at once would both find the goods not yet back, and both refund.
    // And one per key first: the same key on two purchases at once would
    // refund both and record one.
    let _key = s.locks.lock(format!("return-key:{key}")).await;
    let purchase_key = format!("{:?}/{:?}", req.order, req.sale);
    let _purchase = s.locks.lock(format!("return:{purchase_key}")).await;
    let rules = s.returns.clone();
    let (k, r) = (key.clone(), req.clone());
    let plan =
        s.db.run(move |c| {
            if let Some(id) = c
                .query_row(
                    "SELECT id, request FROM goods_return WHERE idempotency_key = ?1",
                    [&k],
                    |x| Ok((x.get::<_, String>(0)?, x.get::<_, String>(1)?)),
                )
                .optional()?
            {
                if id.1 != request {
                    return Ok(Err(refusal(
                        StatusCode::CONFLICT,
                        "idempotency_conflict",
                        format!(
                            "idempotency key already records return {} with other contents",
                            id.0
                        ),
                    )));
                }
                return Ok(Ok(Err(id.0)));
            }
            let p = match purchase(c, &r.order, &r.sale)? {
                Ok(p) => p,
                Err(f) => return Ok(Err(f)),
            };
            let mut checked = Vec::new();
            for (i, l) in r.lines.iter().enumerate() {
                let Some(bought) = p.lines.iter().find(|b| b.barcode == l.barcode) else {
                    return Ok(Err(bad_request(format!(
                        "line {}: {} is not in the purchase",
                        i + 1,
                        l.barcode
                    ))));
                };
                let category = super::catalog::category_of(c, &l.barcode)?;
                checked.push((bought.clone(), category, l.qty, returned(c, &p, &l.barcode)?));
            }
            let lines: Vec<Returning<'_>> = checked
                .iter()
                .map(|(b, cat, qty, back)| Returning {
                    barcode: &b.barcode,
                    name: &b.name,
                    category: cat.as_deref(),
                    qty: *qty,
                    bought: b.qty,
                    returned: *back,
                })
                .collect();
            if let Err(e) = returns::check(&rules, p.bought_at, Utc::now(), &lines) {
                let kind = match e.rule {
                    "days" => "return_too_late",
                    "final_sale" => "final_sale",
                    _ => "return_quantity",
                };
                return Ok(Err(refusal(StatusCode::UNPROCESSABLE_ENTITY, kind, e.to_string())));
            }
            // Every line of the purchase fully back, counting this return.
            let is_last = p.lines.iter().all(|b| {
                let now: u32 = checked
                    .iter()
                    .filter(|(x, ..)| x.barcode == b.barcode)
                    .map(|(_, _, q, back)| q + back)
                    .sum();
                now >= b.qty
            });
            let list: i64 = p.lines.iter().map(|l| l.line_total.0).sum();
            let back_lines: Vec<SaleLine> = checked
                .iter()
                .map(|(b, _, qty, _)| SaleLine {
                    qty: *qty,
                    line_total: Rupiah(b.unit_price.0 * i64::from(*qty)),
                    ..b.clone()
                })
                .collect();
            let value: i64 = back_lines.iter().map(|l| l.line_total.0).sum();
            let before = refunded_before(c, &p)?;
            let amount =
                returns::refund_amount(Rupiah(value), Rupiah(list), p.paid, before, is_last);
            // What the payment refunded other than through returns (by
            // hand, say) is given back already: no route refunds it again.
            if let Some(pid) = &p.payment_id {
                let by_returns: i64 = c.query_row(
                    "SELECT coalesce(sum(amount - points), 0) FROM goods_return
                     WHERE payment_id = ?1",
                    [pid],
                    |x| x.get(0),
                )?;
                let by_hand = (super::ledger::refund_committed(c, pid)?.0 - by_returns).max(0);
                let left = p.paid.0 - before.0 - by_hand;
                if by_hand > 0 && amount.0 > left {
                    return Ok(Err(refusal(
                        StatusCode::CONFLICT,
                        "over_refund",
                        format!(
                            "payment {pid} had {by_hand} refunded otherwise than by a return; \
                             {} of the purchase is left to refund, not {}: refund it by hand",
                            left.max(0),
                            amount.0
                        ),
                    )));
                }
            }
            let (payment_id, member, points) = match r.refund_to {
                RefundTo::Qris => match &p.payment_id {
                    Some(pid) => {
                        let split = returns::split_refund(amount, before, p.paid, p.points_paid);
                        let left = super::ledger::left_to_refund(c, pid)?.0;
                        if split.qris.0 > left {
                            // Refunded otherwise meanwhile (by hand, say):
                            // more would pass what it took.
                            return Ok(Err(refusal(
                                StatusCode::CONFLICT,
                                "over_refund",
                                format!(
                                    "refund_to: payment {pid} has {} left to refund and this \
                                     return would take {} from it; refund it by hand",
                                    left, split.qris.0
                                ),
                            )));
                        }
                        match (&p.member, split.points.0 > 0) {
                            (_, false) => (Some(pid.clone()), None, Rupiah::ZERO),
                            (Some(m), true) => (Some(pid.clone()), Some(m.clone()), split.points),
                            // Points paid part of it, so it names a member.
                            (None, true) => {
                                return Ok(Err(bad_request(
                                    "the purchase was paid partly with points but names no member",
                                )));
                            }
                        }
                    }
                    None => {
                        return Ok(Err(refusal(
                            StatusCode::CONFLICT,
                            "no_qris_payment",
                            "refund_to: the purchase was paid on its channel, not by a QRIS \
                             payment here; refund it there or refund to points"
                                .into(),
                        )));
                    }
                },
                // To the points of the member who bought it, nobody else's.
                RefundTo::Points => match (p.member.clone(), r.member.clone()) {
                    (Some(bought), Some(named)) if bought != named => {
                        return Ok(Err(refusal(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "member_mismatch",
                            format!(
                                "member: {named} did not buy it; a refund to points goes to \
                                 {bought}, who did"
                            ),
                        )));
                    }
                    (Some(m), _) if super::points::member(c, &m)?.is_some() => {
                        (None, Some(m), amount)
                    }
                    (Some(m), _) => {
                        return Ok(Err(refusal(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "unknown_member",
                            format!("member: no member {m}"),
                        )));
                    }
                    (None, _) => {
                        return Ok(Err(bad_request(
                            "member: a refund to points needs a member; the purchase names none",
                        )));
                    }
                },
            };
            let closes_order = p.order.is_some() && is_last;
            let id = new_id("RET");
            Ok(Ok(Ok(Plan {
                id,
                lines: back_lines,
                amount,
                points,
                payment_id,
                member,
                closes_order,
            })))
        })
        .await??;
    let plan = match plan {
        Ok(plan) => plan,
        Err(existing) => {
            let v = s.db.run(move |c| view_of(c, &existing)).await?;
            return Ok((StatusCode::OK, Json(v.expect("a stored return"))));
        }
    };

    let device = req.device.clone();
    let id = plan.id.clone();
    let outcome =
        s.db.run(move |c| {
            let tx = c.transaction()?;
            // The refund is written down with the return, in one
            // transaction: neither is recorded without the other. The
            // gateway makes it after (the poller, if it does not answer).
            let to_payment = Rupiah(plan.amount.0 - plan.points.0);
            let mut refund = None;
            if let (Some(pid), true) = (&plan.payment_id, to_payment.0 > 0) {
                let why = format!("return: {reason}");
                let refund_key = format!("return-{key}");
                match super::payments::queue_refund_of(&tx, pid, to_payment, why, &refund_key)? {
                    Ok(id) => refund = Some((pid.clone(), id)),
                    Err(refused) => return Ok(Err(refused)),
                }
            }
            tx.execute(
                "INSERT INTO goods_return (id, idempotency_key, request, order_id, sale_id, lines,
                     reason, refund_to, amount, payment_id, member_id, status, device, created_at,
                     points)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'awaiting_staff', ?12, ?13,
                     ?14)",
                params![
                    plan.id,
                    key,
                    serde_json::to_string(&req)?,
                    req.order,
                    req.sale,
                    serde_json::to_string(&plan.lines)?,
                    reason,
                    req.refund_to.as_str(),
                    plan.amount.0,
                    plan.payment_id,
                    plan.member,
                    device,
                    crate::store::now(),
                    plan.points.0,
                ],
            )?;
            for l in &plan.lines {
                tx.execute(
                    "INSERT INTO goods_return_line (return_id, barcode, qty) VALUES (?1, ?2, ?3)",
                    params![plan.id, l.barcode, l.qty],
                )?;
            }
            if let Some(m) = &plan.member
                && plan.points.0 > 0
            {
                super::points::add_entry(&tx, m, plan.points.0, "refund", Some(&plan.id))?;
            }
            if let Some(order) = &req.order {
                let (state, step) = if plan.closes_order {
                    (OrderState::Returned, Step::Return)
                } else {
                    (OrderState::Collected, Step::Return)
                };
                let cause = format!(
                    "return {}: {} item(s) back, {} refunded to {}",
                    plan.id,
                    plan.lines.iter().map(|l| l.qty).sum::<u32>(),
                    plan.amount.0,
                    req.refund_to.as_str()
                );
                if plan.closes_order {
                    rows::set_state(&tx, order, state, step, device.as_deref(), &cause)?;
                } else {
                    rows::add_event(&tx, order, state, "return", device.as_deref(), &cause)?;
                }
            }
            tx.commit()?;
            Ok(Ok((view_of(c, &plan.id)?.expect("just stored"), refund)))
        })
        .await??;
    let (view, refund) = outcome;
    if let Some((payment, refund)) = refund {
        super::payments::make_refund(&s, &payment, &refund, &format!("return {id}")).await;
    }
    info!(r#return = id, amount = view.amount.0, to = view.refund_to.as_str(), "return recorded");
    Ok((StatusCode::CREATED, Json(view)))
}

/// The query of `GET /v1/returns/eligible`.
#[derive(serde::Deserialize)]
pub(super) struct EligibleQuery {
    /// What the customer scanned: a receipt's QR or id, an order id, a
    /// pickup QR.
    #[serde(rename = "ref")]
    reference: String,
}

/// `GET /v1/returns/eligible?ref=...`: the purchase a code names, each
/// line with what may come back and, for a line none of which may, the
/// rule that says so. Changes nothing.
pub(super) async fn eligible(
    State(s): Shared,
    q: Result<Query<EligibleQuery>, QueryRejection>,
) -> Result<Json<Returnable>, Failure> {
    let q = super::routes::query(q)?;
    let (order, sale) = match PurchaseRef::parse(&q.reference) {
        Some(PurchaseRef::Sale(id)) => (None, Some(id)),
        Some(PurchaseRef::Order(id)) => (Some(id), None),
        // Returns come after the collection, often past the pickup
        // deadline the QR expires at: only its signature is checked here
        // (a `now` of 0), and the order's own state says the rest.
        Some(PurchaseRef::PickupQr(token)) => {
            let claims: crate::domain::pickup::PickupClaims =
                s.signer.verifier().verify(Kind::Pickup, &token, 0).map_err(|e| {
                    Failure(StatusCode::UNPROCESSABLE_ENTITY, "bad_token", format!("ref: {e}"))
                })?;
            (Some(claims.o), None)
        }
        None => {
            return Err(bad_request(
                "ref: not a receipt (TRX-... or its e-receipt address), an order (ORD-...) or a \
                 pickup QR (SWP1....)",
            ));
        }
    };
    let rules = s.returns.clone();
    let answer =
        s.db.run(move |c| {
            let p = match purchase(c, &order, &sale)? {
                Ok(p) => p,
                Err(f) => return Ok(Err(f)),
            };
            let now = Utc::now();
            let mut lines = Vec::new();
            for l in &p.lines {
                let category = super::catalog::category_of(c, &l.barcode)?;
                let back = returned(c, &p, &l.barcode)?;
                let line = Returning {
                    barcode: &l.barcode,
                    name: &l.name,
                    category: category.as_deref(),
                    qty: 0,
                    bought: l.qty,
                    returned: back,
                };
                let refused = returns::line_refusal(&rules, p.bought_at, now, &line)
                    .map(|e| LineRefusal { rule: e.rule.to_owned(), reason: e.to_string() });
                lines.push(ReturnableLine {
                    barcode: l.barcode.clone(),
                    name: l.name.clone(),
                    unit_price: l.unit_price,
                    bought: l.qty,
                    returned: back,
                    category,
                    refused,
                });
            }
            let mut refund_to = Vec::new();
            if p.payment_id.is_some() {
                refund_to.push(RefundTo::Qris);
            }
            if let Some(m) = &p.member
                && super::points::member(c, m)?.is_some()
            {
                refund_to.push(RefundTo::Points);
            }
            let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            Ok(Ok(Returnable {
                order: p.order.as_ref().map(|o| o.id.clone()),
                sale: p.sale.clone(),
                bought_at: stamp(p.bought_at),
                return_by: stamp(p.bought_at + chrono::Duration::days(i64::from(rules.days))),
                days: rules.days,
                paid: p.paid,
                list_total: Rupiah(p.lines.iter().map(|l| l.line_total.0).sum()),
                refunded: refunded_before(c, &p)?,
                points_paid: p.points_paid,
                qris_refunded: match &p.payment_id {
                    Some(pid) => super::ledger::refund_committed(c, pid)?,
                    None => Rupiah::ZERO,
                },
                refund_to,
                lines,
            }))
        })
        .await??;
    Ok(Json(answer))
}

/// `GET /v1/returns/{id}`.
pub(super) async fn get(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<Json<ReturnView>, Failure> {
    let key = id.clone();
    s.db.run(move |c| view_of(c, &key)).await?.map(Json).ok_or_else(|| not_found("return", &id))
}

/// `POST /v1/returns/{id}/confirm`: staff found the goods. Confirming
/// again answers the same return.
pub(super) async fn confirm(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<ConfirmReturn>, JsonRejection>,
) -> Result<Json<ReturnView>, Failure> {
    let req = json_body(body)?;
    if !s.staff.iter().any(|m| m.id == req.staff_id) {
        return Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_staff",
            format!("staff_id: {:?} is not a member of staff", req.staff_id),
        ));
    }
    let key = id.clone();
    let view =
        s.db.run(move |c| {
            c.execute(
                "UPDATE goods_return SET status = 'confirmed', confirmed_at = ?2, confirmed_by = ?3
                 WHERE id = ?1 AND status = 'awaiting_staff'",
                params![key, crate::store::now(), req.staff_id],
            )?;
            view_of(c, &key)
        })
        .await?
        .ok_or_else(|| not_found("return", &id))?;
    Ok(Json(view))
}

/// `POST /v1/returns/{id}/stowed`: the kiosk says which compartment opened
/// for the goods and how it ended. Said again, the first word stays: a
/// replay changes nothing.
pub(super) async fn stowed(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<ReturnStowed>, JsonRejection>,
) -> Result<Json<ReturnView>, Failure> {
    let req = json_body(body)?;
    if !["stowed", "door_not_opened", "empty", "locker_failed"].contains(&req.outcome.as_str()) {
        return Err(bad_request(format!(
            "outcome: {:?}: one of stowed, door_not_opened, empty, locker_failed",
            req.outcome
        )));
    }
    let key = id.clone();
    let view =
        s.db.run(move |c| {
            c.execute(
                "UPDATE goods_return SET compartment = ?2, stowed = ?3, stowed_at = ?4
                 WHERE id = ?1 AND stowed IS NULL",
                params![key, req.compartment, req.outcome, crate::store::now()],
            )?;
            view_of(c, &key)
        })
        .await?
        .ok_or_else(|| not_found("return", &id))?;
    info!(r#return = view.id, compartment = ?view.compartment, stowed = ?view.stowed, "return goods");
    Ok(Json(view))
}
