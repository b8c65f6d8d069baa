//! Alerts for staff that kiosks raise about an order's compartment: a door
//! left open after a pickup. Each is a line of the order's history, where
//! staff look an order up; nothing else about the order changes.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::DateTime;
use rusqlite::params;
use tracing::{info, warn};

use super::{Shared, fresh, rows};
use crate::central::api::{OrderAlert, OrderView};
use crate::central::server::routes::{Failure, bad_request, json_body, not_found};

/// The kinds of alert a kiosk may raise.
const KINDS: [&str; 1] = ["left_open"];

/// `POST /v1/orders/{id}/alerts`, with an `Idempotency-Key` header. The
/// same key again answers the order as it is, with no second line.
pub(in crate::central::server) async fn alert(
    State(s): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<OrderAlert>, JsonRejection>,
) -> Result<Json<OrderView>, Failure> {
    let req = json_body(body)?;
    let key = crate::central::server::payments::idempotency_key(&headers, None)?;
    if req.device.trim().is_empty() {
        return Err(bad_request("device: the alerting device's id is required"));
    }
    if !KINDS.contains(&req.kind.as_str()) {
        return Err(bad_request(format!("kind: {:?} is not one of {KINDS:?}", req.kind)));
    }
    for (field, t) in [("opened_at", &req.opened_at), ("at", &req.at)] {
        DateTime::parse_from_rfc3339(t)
            .map_err(|e| bad_request(format!("{field} {t:?} is not RFC 3339: {e}")))?;
    }
    let oid = id.clone();
    let alert = req.clone();
    let outcome =
        s.db.run(move |c| {
            let Some(o) = fresh(c, &oid)? else { return Ok(Err(not_found("order", &oid))) };
            let tx = c.transaction()?;
            let added = tx.execute(
                "INSERT INTO order_alert
                     (idempotency_key, order_id, kind, device, compartment, opened_at, at,
                      received)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (idempotency_key) DO NOTHING",
                params![
                    key,
                    oid,
                    alert.kind,
                    alert.device,
                    alert.compartment,
                    alert.opened_at,
                    alert.at,
                    crate::store::now()
                ],
            )? == 1;
            if added {
                let cause = format!(
                    "the door of compartment {} was left open after the pickup opened it at \
                     {}; staff should check it is shut (alert at {})",
                    alert.compartment, alert.opened_at, alert.at
                );
                rows::add_event(&tx, &oid, o.state, "left_open", Some(&alert.device), &cause)?;
            }
            tx.commit()?;
            Ok(Ok((added, rows::view(c, &o)?)))
        })
        .await??;
    let (added, view) = outcome;
    if added {
        warn!(order = id, compartment = req.compartment, device = req.device, "door left open");
    } else {
        info!(order = id, "alert replayed; kept once");
    }
    Ok(Json(view))
}
