//! The staff who approve age-restricted sales, the PIN lockout and the
//! audit log of approvals.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, query};
use crate::central::api::AuditItem;
use crate::domain::restricted::Lockout;

pub use crate::central::api::StaffMember;

/// One entry of the device's audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// `approved`, `pin_failed` or `locked_out`.
    pub kind: String,
    pub staff_id: Option<String>,
    pub visit: Option<String>,
    pub items: Vec<AuditItem>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The SHA-256 of an entry's fields and the hash before it, in hex.
fn chain_hash(
    prev: &str,
    at: &str,
    kind: &str,
    staff: Option<&str>,
    visit: Option<&str>,
    items: &str,
) -> String {
    // Fields are joined by a byte that none of them holds.
    let text = [prev, at, kind, staff.unwrap_or(""), visit.unwrap_or(""), items].join("\u{1f}");
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Makes the staff list equal to `staff`, in one transaction.
    pub fn replace_staff(&mut self, staff: &[StaffMember]) -> Result<()> {
        self.in_transaction(|s| {
            s.conn().execute("DELETE FROM staff", []).map_err(query("staff replace"))?;
            let mut insert = s
                .conn()
                .prepare_cached("INSERT INTO staff (staff_id, name, pin_hash) VALUES (?1, ?2, ?3)")
                .map_err(query("staff replace"))?;
            for m in staff {
                insert
                    .execute(params![m.id, m.name, m.pin_hash])
                    .map_err(query("staff replace"))?;
            }
            Ok(())
        })
    }

    /// The staff as last synced, in id order.
    pub fn staff(&self) -> Result<Vec<StaffMember>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT staff_id, name, pin_hash FROM staff ORDER BY staff_id")
            .map_err(query("staff"))?;
        stmt.query_map([], |r| {
            Ok(StaffMember { id: r.get(0)?, name: r.get(1)?, pin_hash: r.get(2)? })
        })
        .map_err(query("staff"))?
        .collect::<rusqlite::Result<_>>()
        .map_err(query("staff"))
    }

    /// The failed PIN attempts kept for this device.
    pub fn lockout(&self) -> Result<Lockout> {
        let row: Option<(u32, Option<String>)> = self
            .conn()
            .query_row("SELECT failures, locked_until FROM pin_lockout WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(query("lockout"))?;
        let Some((failures, until)) = row else { return Ok(Lockout::default()) };
        let locked_until = until
            .map(|t| DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()))
            .transpose()
            .map_err(|e| StoreError::Json {
                what: "lockout time",
                source: serde_json::Error::io(std::io::Error::other(e)),
            })?;
        Ok(Lockout { failures, locked_until })
    }

    pub fn save_lockout(&self, lockout: &Lockout) -> Result<()> {
        let until = lockout.locked_until.map(|t: DateTime<Utc>| t.to_rfc3339());
        self.conn()
            .execute(
                "INSERT INTO pin_lockout (id, failures, locked_until) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET
                     failures = excluded.failures, locked_until = excluded.locked_until",
                params![lockout.failures, until],
            )
            .map_err(query("save lockout"))?;
        Ok(())
    }

    /// Appends an entry to the audit log, chained to the one before, and
    /// returns it.
    pub fn audit(
        &self,
        at: DateTime<Utc>,
        kind: &str,
        staff_id: Option<&str>,
        visit: Option<&str>,
        items: &[AuditItem],
    ) -> Result<AuditEntry> {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let items_json = serde_json::to_string(items).expect("audit items always serialise");
        let prev: String = self
            .conn()
            .query_row("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(query("audit"))?
            .unwrap_or_else(|| GENESIS.to_owned());
        let hash = chain_hash(&prev, &at, kind, staff_id, visit, &items_json);
        self.conn()
            .execute(
                "INSERT INTO audit_log (at, kind, staff_id, visit, items, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![at, kind, staff_id, visit, items_json, prev, hash],
            )
            .map_err(query("audit"))?;
        Ok(AuditEntry {
            id: self.conn().last_insert_rowid(),
            at,
            kind: kind.to_owned(),
            staff_id: staff_id.map(str::to_owned),
            visit: visit.map(str::to_owned),
            items: items.to_vec(),
            prev_hash: prev,
            hash,
        })
    }

    /// The whole audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, at, kind, staff_id, visit, items, prev_hash, hash
                 FROM audit_log ORDER BY id",
            )
            .map_err(query("audit log"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, String>(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .map_err(query("audit log"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(query("audit log"))?;
        rows.into_iter()
            .map(|(id, at, kind, staff_id, visit, items, prev_hash, hash)| {
                let items = serde_json::from_str(&items)
                    .map_err(|source| StoreError::Json { what: "audit items", source })?;
                Ok(AuditEntry { id, at, kind, staff_id, visit, items, prev_hash, hash })
            })
            .collect()
    }

    /// Returns true if and only if every entry's hash is its fields and
    /// the hash before it: no entry was changed, removed or slipped in.
    pub fn audit_chain_holds(&self) -> Result<bool> {
        let mut prev = GENESIS.to_owned();
        for e in self.audit_log()? {
            let items = serde_json::to_string(&e.items).expect("audit items always serialise");
            let hash = chain_hash(
                &prev,
                &e.at,
                &e.kind,
                e.staff_id.as_deref(),
                e.visit.as_deref(),
                &items,
            );
            if e.prev_hash != prev || e.hash != hash {
                return Ok(false);
            }
            prev = e.hash;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn lockout_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.db");
        let until = at("2026-03-10T10:05:00Z");
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.lockout().unwrap(), Lockout::default());
            store.save_lockout(&Lockout { failures: 0, locked_until: Some(until) }).unwrap();
        }
        let store = Store::open(&path).unwrap();
        let lock = store.lockout().unwrap();
        assert_eq!(lock.locked_until, Some(until));
        assert!(lock.check(at("2026-03-10T10:04:00Z")).is_err());
    }

    #[test]
    fn audit_log_is_chained_and_append_only() {
        let store = Store::open_in_memory().unwrap();
        let beer = AuditItem { barcode: "8998989100120".into(), name: "Bir".into(), qty: 2 };
        let t = at("2026-03-10T10:00:00Z");
        store.audit(t, "pin_failed", None, Some("k-1"), std::slice::from_ref(&beer)).unwrap();
        let second = store.audit(t, "approved", Some("S001"), Some("k-1"), &[beer]).unwrap();
        let log = store.audit_log().unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].prev_hash, GENESIS);
        assert_eq!(log[1].prev_hash, log[0].hash);
        assert_eq!(log[1], second);
        assert!(store.audit_chain_holds().unwrap());
        let err = store.conn().execute("UPDATE audit_log SET staff_id = 'S002'", []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        assert!(store.conn().execute("DELETE FROM audit_log", []).is_err());
    }
}
