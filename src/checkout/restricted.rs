//! Staff approval of age-restricted items at the device: the PIN checked
//! offline against the synced hashes, the lockout after repeated failures
//! (kept in the device database), and the audit log, which the outbox
//! carries to the central.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::{AUDIT, Device, DeviceError};
use crate::central::api::{AuditEvent, AuditItem};
use crate::domain::cart::Cart;
use crate::domain::restricted::{Failed, Locked, Lockout, unapproved, wait_text};
use crate::store::{AuditEntry, Store, StoreError};

/// Why a staff PIN did not approve.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Locked(#[from] Locked),
    #[error(
        "the staff PIN is wrong; {left} more tries before approvals lock \
         (PIN staf salah; {left} kali lagi sebelum dikunci)"
    )]
    WrongPin { left: u32 },
    #[error(
        "the staff PIN is wrong: too many wrong PINs, approvals are locked for {} \
         (PIN staf salah: terlalu banyak, persetujuan dikunci {})",
        wait_text(*.left), wait_text(*.left)
    )]
    LockedNow { left: std::time::Duration },
    #[error(
        "this device has no staff list from the central yet, so no PIN can be checked \
         (perangkat belum menerima daftar staf)"
    )]
    NoStaff,
    #[error(transparent)]
    Device(#[from] DeviceError),
}

/// Who approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approver {
    pub id: String,
    pub name: String,
}

/// The restricted lines of `cart` a staff member must still approve, as
/// the audit log names them.
pub fn items_to_approve(cart: &Cart) -> Vec<AuditItem> {
    unapproved(cart)
        .into_iter()
        .map(|l| AuditItem { barcode: l.barcode.clone(), name: l.name.clone(), qty: l.qty })
        .collect()
}

impl Device {
    /// Checks a staff PIN for `items` (see [`items_to_approve`]) at `now`,
    /// for the payment attempt `visit`. Every outcome but a lockout already
    /// in force is written to the audit log and queued for the central:
    /// the approval with the staff member and the items, a wrong PIN, and
    /// the lockout it caused.
    pub async fn approve_restricted(
        &self,
        pin: &str,
        items: Vec<AuditItem>,
        visit: &str,
        now: DateTime<Utc>,
    ) -> Result<Approver, ApprovalError> {
        let staff = self.with_store_blocking(|s| s.staff()).await?;
        if staff.is_empty() {
            return Err(ApprovalError::NoStaff);
        }
        let lockout = self.with_store_blocking(|s| s.lockout()).await?;
        lockout.check(now)?;
        // Argon2 is slow on purpose: off the async threads.
        let pin = pin.to_owned();
        let found =
            tokio::task::spawn_blocking(move || crate::staff::find_by_pin(&staff, &pin).cloned())
                .await
                .map_err(DeviceError::from)?;
        let visit = visit.to_owned();
        let device = self.device_id().to_owned();
        let outcome = self
            .with_store_blocking(move |s| {
                s.in_transaction(|s| record(s, &device, found, &items, &visit, now))
            })
            .await?;
        // The audit entries go to the central now if it answers, later if
        // not; a failure here is the outbox's to retry.
        if let Err(e) = self.flush_outbox().await {
            warn!(error = %e, "audit entries wait in the outbox");
        }
        outcome
    }

    /// The device's audit log, oldest first.
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>, DeviceError> {
        self.with_store_blocking(|s| s.audit_log()).await
    }
}

/// Writes the outcome of one PIN check: lockout, audit log and outbox, in
/// the caller's transaction.
fn record(
    s: &Store,
    device: &str,
    found: Option<crate::central::api::StaffMember>,
    items: &[AuditItem],
    visit: &str,
    now: DateTime<Utc>,
) -> Result<Result<Approver, ApprovalError>, StoreError> {
    let mut lockout: Lockout = s.lockout()?;
    let audit = |kind: &str, staff: Option<&str>| -> Result<(), StoreError> {
        let entry = s.audit(now, kind, staff, Some(visit), items)?;
        let event = AuditEvent {
            device: device.to_owned(),
            entry: entry.id,
            at: entry.at,
            kind: entry.kind,
            staff_id: entry.staff_id,
            visit: entry.visit,
            items: entry.items,
            hash: entry.hash,
        };
        let body = serde_json::to_value(&event).expect("an audit event always serialises");
        s.outbox_push(AUDIT, &format!("audit-{device}-{}", event.entry), &body)
    };
    let outcome = match found {
        Some(member) => {
            lockout.succeed();
            audit("approved", Some(&member.id))?;
            info!(staff = %member.id, items = items.len(), "restricted items approved");
            Ok(Approver { id: member.id, name: member.name })
        }
        None => {
            audit("pin_failed", None)?;
            match lockout.fail(now) {
                Failed::Again { left } => Err(ApprovalError::WrongPin { left }),
                Failed::LockedUntil(until) => {
                    audit("locked_out", None)?;
                    warn!(until = %until, "staff approvals locked after wrong PINs");
                    let left = (until - now).to_std().unwrap_or_default();
                    Err(ApprovalError::LockedNow { left })
                }
            }
        }
    };
    s.save_lockout(&lockout)?;
    Ok(outcome)
}
