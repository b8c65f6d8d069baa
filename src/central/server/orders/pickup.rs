//! Loading an order into a locker (which issues its pickup codes and the
//! customer's message), a typed code checked on the central, collecting,
//! and the manifest kiosks keep to hand orders over offline.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use tracing::{info, warn};

use super::{Shared, fresh, refused, rows};
use crate::central::api::{
    CollectOrder, LoadOrder, ManifestEntry, OrderView, PaymentStatus, PickupManifest,
    TypedPickupCode,
};
use crate::central::server::routes::{Failure, bad_request, json_body, not_found};
use crate::domain::order::{self, OrderState, Step};
use crate::domain::pickup::{self, PickupClaims};
use crate::domain::restricted::{Failed, Lockout};
use crate::tokens::Kind;

/// The highest compartment number a store's lockers may have.
pub const MAX_COMPARTMENT: u32 = 999;

/// The customer's message when an order is loaded: Bahasa Indonesia
/// first, English second.
fn pickup_message(order: &str, store: &str, code: &str, deadline: DateTime<Utc>) -> String {
    let local = deadline.with_timezone(&crate::domain::pricing::jakarta());
    let when = local.format("%d-%m-%Y %H:%M WIB");
    format!(
        "Pesanan {order} siap diambil di {store}. Kode ambil: {code}, masukkan bersama 4 angka \
         terakhir nomor HP Anda, atau pindai QR di aplikasi. Ambil sebelum {when}.\n\
         Order {order} is ready for pickup at {store}. Pickup code: {code}, typed with the last \
         4 digits of your phone, or scan the QR in the app. Collect by {when}."
    )
}

/// `POST /v1/orders/{id}/load`: staff put the order into a compartment.
/// Loading again into the same compartment answers the same order.
pub(in crate::central::server) async fn load(
    State(s): Shared,
    Path(id): Path<String>,
    body: Result<Json<LoadOrder>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    let req = json_body(body)?;
    if req.device.trim().is_empty() {
        return Err(bad_request("device: the loading device's id is required"));
    }
    if !(1..=MAX_COMPARTMENT).contains(&req.compartment) {
        return Err(bad_request(format!(
            "compartment: {} is not from 1 to {MAX_COMPARTMENT}",
            req.compartment
        )));
    }
    if !s.staff.iter().any(|m| m.id == req.staff_id) {
        return Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_staff",
            format!("staff_id: {:?} is not a member of staff", req.staff_id),
        ));
    }
    let signer = s.signer.clone();
    let key = id.clone();
    let view =
        s.db.run(move |c| {
            let Some(o) = fresh(c, &key)? else { return Ok(Err(not_found("order", &key))) };
            if o.state == OrderState::Loaded && o.compartment == Some(req.compartment) {
                return Ok(Ok((false, rows::view(c, &o)?)));
            }
            if let Err(e) = order::next(o.state, Step::Load) {
                return Ok(Err(refused(e)));
            }
            let tx = c.transaction()?;
            let taken: Option<String> = tx
                .query_row(
                    "SELECT id FROM click_order
                     WHERE store_id = ?1 AND compartment = ?2 AND state = 'loaded'",
                    params![o.store, req.compartment],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(other) = taken {
                return Ok(Err(Failure(
                    StatusCode::CONFLICT,
                    "compartment_taken",
                    format!("compartment {} holds order {other}", req.compartment),
                )));
            }
            // A code no other live order of the store has; the index
            // refuses a duplicate all the same.
            let mut code = None;
            for _ in 0..50 {
                let c = pickup::code_of(rand::random::<u32>());
                let used: bool = tx
                    .prepare_cached(
                        "SELECT 1 FROM click_order WHERE store_id = ?1 AND code = ?2
                         AND state IN ('placed', 'loaded')",
                    )?
                    .exists(params![o.store, c])?;
                if !used {
                    code = Some(c);
                    break;
                }
            }
            let code = code.ok_or_else(|| anyhow::anyhow!("no free pickup code at {}", o.store))?;
            let last4 = pickup::last4(&o.phone).unwrap_or("0000");
            let hash = pickup::code_hash(&code, last4, rand::random());
            let claims = PickupClaims { o: o.id.clone(), s: o.store.clone(), c: req.compartment };
            let token = signer.sign(Kind::Pickup, &claims, o.deadline_s);
            tx.execute(
                "UPDATE click_order SET compartment = ?2, code = ?3, code_hash = ?4, token = ?5
                 WHERE id = ?1",
                params![o.id, req.compartment, code, hash, token],
            )?;
            let cause = format!(
                "loaded into compartment {} by staff {}; pickup code issued",
                req.compartment, req.staff_id
            );
            rows::set_state(&tx, &o.id, OrderState::Loaded, Step::Load, Some(&req.device), &cause)?;
            let store_name: String =
                tx.query_row("SELECT name FROM store WHERE id = ?1", [&o.store], |r| r.get(0))?;
            let deadline = DateTime::from_timestamp(o.deadline_s, 0).unwrap_or_default();
            let text = pickup_message(&o.id, &store_name, &code, deadline);
            crate::central::server::notify::queue(&tx, &o.id, &o.phone, &text)?;
            tx.commit()?;
            let o = rows::load(c, &key)?.expect("the order was just loaded");
            Ok(Ok((true, rows::view(c, &o)?)))
        })
        .await??;
    let (loaded, view) = view;
    if loaded {
        info!(order = id, compartment = view.compartment, "order loaded");
        let s = s.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::central::server::notify::deliver(&s).await {
                warn!(error = format!("{e:#}"), "customer messages not delivered");
            }
        });
    }
    Ok(Json(view))
}

/// `POST /v1/orders/{id}/collect`, with an `Idempotency-Key` header.
///
/// A replay of the collect that took the order out (the outbox after a
/// lost answer, a kiosk back online) gets the same answer and counts once;
/// any other collect of a collected order is refused. An unpaid order is
/// refused unless `payment_id` is a paid QRIS payment made for it.
pub(in crate::central::server) async fn collect(
    State(s): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<CollectOrder>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    let req = json_body(body)?;
    let key = crate::central::server::payments::idempotency_key(&headers, None)?;
    if req.device.trim().is_empty() {
        return Err(bad_request("device: the collecting device's id is required"));
    }
    let opened_at = match &req.opened_at {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|e| bad_request(format!("opened_at {t:?} is not RFC 3339: {e}")))?
                .to_utc(),
        ),
        None => None,
    };
    let oid = id.clone();
    let outcome =
        s.db.run(move |c| {
            let Some(o) = fresh(c, &oid)? else { return Ok(Err(not_found("order", &oid))) };
            if o.collect_key.as_deref() == Some(key.as_str()) {
                return Ok(Ok((false, rows::view(c, &o)?)));
            }
            // Opened offline before the deadline, reported after the sweep
            // expired it: the customer has it, so it is collected.
            let late_report = o.state == OrderState::Expired
                && o.unloaded_at.is_none()
                && opened_at.is_some_and(|t| t.timestamp() <= o.deadline_s);
            if !late_report && let Err(e) = order::next(o.state, Step::Collect) {
                return Ok(Err(refused(e)));
            }
            let tx = c.transaction()?;
            if o.paid
                && let Some(pid) = &o.payment_id
                && crate::central::server::ledger::refund_committed(&tx, pid)? >= o.total
            {
                return Ok(Err(Failure(
                    StatusCode::CONFLICT,
                    "order_refunded",
                    format!("order {oid}'s payment {pid} was refunded; it is not collected"),
                )));
            }
            let mut paid_now = None;
            if !o.paid {
                let Some(pid) = &req.payment_id else {
                    return Ok(Err(Failure(
                        StatusCode::PAYMENT_REQUIRED,
                        "order_unpaid",
                        format!(
                            "order {oid} is unpaid: pay {} by QRIS first (POST /v1/payments \
                             with order {oid}), then collect with its payment_id",
                            o.total.0
                        ),
                    )));
                };
                let row = crate::central::server::ledger::by_id(
                    &tx,
                    pid,
                    crate::central::server::lifecycle::now_ms(),
                )?;
                let for_order = super::made_for(&tx, pid)?;
                let ok = row.as_ref().is_some_and(|r| {
                    r.payment.status == PaymentStatus::Paid && r.payment.amount == o.total
                });
                if !ok || for_order.as_deref() != Some(oid.as_str()) {
                    let status = row.map_or("unknown", |r| r.payment.status.as_str());
                    return Ok(Err(Failure(
                        StatusCode::PAYMENT_REQUIRED,
                        "order_unpaid",
                        format!(
                            "payment_id: {pid} is {status}, not a paid payment of {} for order \
                             {oid}",
                            o.total.0
                        ),
                    )));
                }
                paid_now = Some(pid.clone());
            }
            if let Some(pid) = &paid_now {
                tx.execute(
                    "UPDATE click_order SET paid = 1, payment_id = ?2 WHERE id = ?1",
                    params![oid, pid],
                )?;
                let cause = format!("paid {} by QRIS at the kiosk (payment {pid})", o.total.0);
                rows::add_event(&tx, &oid, o.state, "pay", Some(&req.device), &cause)?;
            }
            tx.execute("UPDATE click_order SET collect_key = ?2 WHERE id = ?1", params![oid, key])?;
            rows::consume(&tx, &o)?;
            let mut cause = format!(
                "collected from compartment {}",
                o.compartment.map_or("?".into(), |c| c.to_string())
            );
            if let Some(t) = &req.opened_at {
                cause.push_str(&format!("; door opened at {t}"));
            }
            if req.offline {
                cause.push_str("; opened with no central, reported later");
            }
            if late_report {
                cause.push_str("; before its deadline, so the expiry is undone");
            }
            rows::set_state(
                &tx,
                &oid,
                OrderState::Collected,
                Step::Collect,
                Some(&req.device),
                &cause,
            )?;
            tx.commit()?;
            let o = rows::load(c, &oid)?.expect("the order was just collected");
            Ok(Ok((true, rows::view(c, &o)?)))
        })
        .await??;
    let (collected, view) = outcome;
    if collected {
        info!(order = id, offline = req.offline, "order collected");
    }
    Ok(Json(view))
}

/// `POST /v1/orders/pickup-code`: the order behind a typed code and the
/// last four digits of its phone, with its pickup token. A wrong code and
/// wrong phone digits get the same answer, so neither can be found alone;
/// five wrong tries in a row lock typed codes at the store for a while.
pub(in crate::central::server) async fn typed_code(
    State(s): Shared,
    body: Result<Json<TypedPickupCode>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    let req = json_body(body)?;
    let (code, tail) =
        pickup::typed(&req.code, &req.phone_last4).map_err(|e| bad_request(e.to_string()))?;
    let store = req.store.clone();
    let outcome =
        s.db.run(move |c| {
            let now = Utc::now();
            rows::expire_due(c, now)?;
            let tx = c.transaction()?;
            let mut lockout = load_lockout(&tx, &store)?;
            if let Err(locked) = lockout.check(now) {
                let wait = crate::domain::restricted::wait_text(locked.left);
                return Ok(Err(Failure(
                    StatusCode::TOO_MANY_REQUESTS,
                    "code_locked",
                    pickup::PickupError::Locked { wait }.to_string(),
                )));
            }
            let found = rows::by_code(&tx, &store, &code)?
                .filter(|o| pickup::last4(&o.phone) == Some(tail.as_str()));
            let answer = match found {
                Some(o) => {
                    lockout.succeed();
                    Ok(rows::view(&tx, &o)?)
                }
                None => Err(match lockout.fail(now) {
                    Failed::Again { left } => Failure(
                        StatusCode::NOT_FOUND,
                        "wrong_code",
                        pickup::PickupError::WrongCode { left }.to_string(),
                    ),
                    Failed::LockedUntil(until) => {
                        let left = (until - now).to_std().unwrap_or_default();
                        let wait = crate::domain::restricted::wait_text(left);
                        Failure(
                            StatusCode::TOO_MANY_REQUESTS,
                            "code_locked",
                            pickup::PickupError::Locked { wait }.to_string(),
                        )
                    }
                }),
            };
            save_lockout(&tx, &store, &lockout)?;
            tx.commit()?;
            Ok(answer)
        })
        .await?;
    if let Err(f) = &outcome {
        warn!(store = req.store, device = req.device, code = f.1, "typed pickup code refused");
    }
    Ok(Json(outcome?))
}

fn load_lockout(conn: &rusqlite::Connection, store: &str) -> anyhow::Result<Lockout> {
    let row: Option<(u32, Option<String>)> = conn
        .query_row(
            "SELECT failures, locked_until FROM pickup_code_lockout WHERE store_id = ?1",
            [store],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((failures, until)) = row else { return Ok(Lockout::default()) };
    let locked_until =
        until.map(|t| DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc())).transpose()?;
    Ok(Lockout { failures, locked_until })
}

fn save_lockout(conn: &rusqlite::Connection, store: &str, l: &Lockout) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO pickup_code_lockout (store_id, failures, locked_until) VALUES (?1, ?2, ?3)
         ON CONFLICT (store_id) DO UPDATE SET failures = excluded.failures,
             locked_until = excluded.locked_until",
        params![store, l.failures, l.locked_until.map(|t| t.to_rfc3339())],
    )?;
    Ok(())
}

/// `GET /v1/stores/{id}/pickup-manifest`.
pub(in crate::central::server) async fn manifest(
    State(s): Shared,
    Path(store): Path<String>,
) -> Result<Json<PickupManifest>, Failure> {
    let key = store.clone();
    let orders =
        s.db.run(move |c| {
            rows::expire_due(c, Utc::now())?;
            if !crate::central::server::stock::store_exists(c, &key)? {
                return Ok(None);
            }
            let entries = rows::loaded_at(c, &key)?
                .into_iter()
                .filter_map(|o| {
                    Some(ManifestEntry {
                        order_id: o.id,
                        compartment: o.compartment?,
                        expires_at: o.deadline,
                        expires_s: o.deadline_s,
                        code_hash: o.code_hash?,
                        paid: o.paid,
                        total: o.total,
                    })
                })
                .collect::<Vec<_>>();
            Ok(Some(entries))
        })
        .await?
        .ok_or_else(|| not_found("store", &store))?;
    Ok(Json(PickupManifest { store, orders, as_of: crate::store::now() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_gives_the_code_store_and_deadline_in_both_languages() {
        let deadline = DateTime::parse_from_rfc3339("2026-03-04T10:30:00Z").unwrap().to_utc();
        let text = pickup_message("ORD-1", "Swalayan Demo Kemang", "042017", deadline);
        let (id, en) = text.split_once('\n').unwrap();
        // 10:30 UTC is 17:30 in Jakarta (UTC+7).
        assert!(id.starts_with("Pesanan ORD-1 siap diambil di Swalayan Demo Kemang."), "{id}");
        assert!(id.contains("Kode ambil: 042017") && id.contains("04-03-2026 17:30 WIB"), "{id}");
        assert!(en.contains("Pickup code: 042017") && en.contains("04-03-2026 17:30 WIB"), "{en}");
    }
}
