//! The staff who approve age-restricted sales (`GET /v1/staff`) and the
//! audit entries devices send of approvals (`POST /v1/audit`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use rusqlite::params;
use tracing::info;

use super::AppState;
use super::routes::{Failure, bad_request};
use crate::central::api::{AuditEvent, StaffList};

/// Every member of staff with their PIN's hash, for devices to approve
/// offline. The reference central does not authenticate devices; a real
/// deployment serves this to enrolled devices only.
pub(super) async fn list(State(s): State<Arc<AppState>>) -> Json<StaffList> {
    Json(StaffList { staff: s.staff.as_ref().clone() })
}

/// Keeps one audit entry of a device; the same device and entry again is
/// answered 200 and kept once.
pub(super) async fn record(
    State(s): State<Arc<AppState>>,
    body: Result<Json<AuditEvent>, JsonRejection>,
) -> Result<(StatusCode, Json<AuditEvent>), Failure> {
    let Json(event) = body.map_err(|e| bad_request(e.body_text()))?;
    if !matches!(event.kind.as_str(), "approved" | "pin_failed" | "locked_out") {
        return Err(bad_request(format!(
            "audit kind {:?} is not approved, pin_failed or locked_out",
            event.kind
        )));
    }
    let kept = event.clone();
    let added =
        s.db.run(move |conn| {
            let items = serde_json::to_string(&kept.items)?;
            let received = chrono::Utc::now().to_rfc3339();
            Ok(conn.execute(
                "INSERT INTO audit_event
                     (device, entry, at, kind, staff_id, visit, items, hash, received)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (device, entry) DO NOTHING",
                params![
                    kept.device,
                    kept.entry,
                    kept.at,
                    kept.kind,
                    kept.staff_id,
                    kept.visit,
                    items,
                    kept.hash,
                    received
                ],
            )? == 1)
        })
        .await?;
    if added {
        info!(device = %event.device, entry = event.entry, kind = %event.kind, "audit entry kept");
    }
    Ok((if added { StatusCode::CREATED } else { StatusCode::OK }, Json(event)))
}
