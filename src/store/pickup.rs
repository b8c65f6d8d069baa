//! Click and collect in the device database: the pickup manifest, the
//! compartments opened for orders, and the lockout of typed codes.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, now, query};
use crate::central::api::ManifestEntry;
use crate::domain::Rupiah;
use crate::domain::restricted::Lockout;

/// The setting naming the store whose lockers this kiosk serves.
pub const PICKUP_STORE: &str = "pickup_store";

/// A compartment this kiosk opened for an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    pub order_id: String,
    pub compartment: u32,
    /// RFC 3339, by the device's clock.
    pub opened_at: String,
    /// True if and only if the central could not be asked when it opened.
    pub offline: bool,
    /// The QRIS payment that paid an unpaid order first.
    pub payment_id: Option<String>,
    /// The Idempotency-Key of its collect.
    pub collect_key: String,
    /// Set once the compartment was found empty and the collect queued.
    pub confirmed_at: Option<String>,
}

fn opening_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Opening> {
    Ok(Opening {
        order_id: r.get(0)?,
        compartment: r.get(1)?,
        opened_at: r.get(2)?,
        offline: r.get(3)?,
        payment_id: r.get(4)?,
        collect_key: r.get(5)?,
        confirmed_at: r.get(6)?,
    })
}

const OPENING: &str = "SELECT order_id, compartment, opened_at, offline, payment_id, collect_key, confirmed_at \
     FROM pickup_opening";

fn manifest_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ManifestEntry> {
    Ok(ManifestEntry {
        order_id: r.get(0)?,
        compartment: r.get(1)?,
        expires_at: r.get(2)?,
        expires_s: r.get(3)?,
        code_hash: r.get(4)?,
        paid: r.get(5)?,
        total: Rupiah(r.get(6)?),
    })
}

const MANIFEST: &str = "SELECT order_id, compartment, expires_at, expires_s, code_hash, paid, total \
     FROM pickup_manifest";

impl Store {
    /// Makes the manifest equal to `entries` of `store`, in one transaction.
    pub fn replace_manifest(&mut self, store: &str, entries: &[ManifestEntry]) -> Result<()> {
        self.in_transaction(|s| {
            let c = s.conn();
            c.execute("DELETE FROM pickup_manifest", []).map_err(query("manifest replace"))?;
            let mut insert = c
                .prepare_cached(
                    "INSERT INTO pickup_manifest (order_id, compartment, expires_at, expires_s,
                         code_hash, paid, total, synced_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(query("manifest replace"))?;
            let at = now();
            for e in entries {
                insert
                    .execute(params![
                        e.order_id,
                        e.compartment,
                        e.expires_at,
                        e.expires_s,
                        e.code_hash,
                        e.paid,
                        e.total.0,
                        at
                    ])
                    .map_err(query("manifest replace"))?;
            }
            s.set_setting(PICKUP_STORE, store)
        })
    }

    /// The manifest, by compartment.
    pub fn manifest(&self) -> Result<Vec<ManifestEntry>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("{MANIFEST} ORDER BY compartment, order_id"))
            .map_err(query("manifest"))?;
        stmt.query_map([], manifest_row)
            .map_err(query("manifest"))?
            .collect::<rusqlite::Result<_>>()
            .map_err(query("manifest"))
    }

    pub fn manifest_entry(&self, order_id: &str) -> Result<Option<ManifestEntry>> {
        self.conn()
            .query_row(&format!("{MANIFEST} WHERE order_id = ?1"), [order_id], manifest_row)
            .optional()
            .map_err(query("manifest entry"))
    }

    /// Records that the compartment of `order_id` opens now, unless it was
    /// opened before: `Ok(None)` is the opening made now, `Ok(Some(_))`
    /// the earlier one, left as it was.
    pub fn record_opening(&self, o: &Opening) -> Result<Option<Opening>> {
        if let Some(earlier) = self.opening(&o.order_id)? {
            return Ok(Some(earlier));
        }
        self.conn()
            .execute(
                "INSERT INTO pickup_opening (order_id, compartment, opened_at, offline,
                     payment_id, collect_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    o.order_id,
                    o.compartment,
                    o.opened_at,
                    o.offline,
                    o.payment_id,
                    o.collect_key
                ],
            )
            .map_err(query("record opening"))?;
        Ok(None)
    }

    pub fn opening(&self, order_id: &str) -> Result<Option<Opening>> {
        self.conn()
            .query_row(&format!("{OPENING} WHERE order_id = ?1"), [order_id], opening_row)
            .optional()
            .map_err(query("opening"))
    }

    /// Takes back an opening whose door was never opened (it locked again
    /// in time): the pickup code stays valid. A confirmed one stays.
    pub fn forget_opening(&self, order_id: &str) -> Result<bool> {
        let n = self
            .conn()
            .execute(
                "DELETE FROM pickup_opening WHERE order_id = ?1 AND confirmed_at IS NULL",
                [order_id],
            )
            .map_err(query("forget opening"))?;
        Ok(n > 0)
    }

    pub fn confirm_opening(&self, order_id: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE pickup_opening SET confirmed_at = ?2
                 WHERE order_id = ?1 AND confirmed_at IS NULL",
                params![order_id, now()],
            )
            .map_err(query("confirm opening"))?;
        Ok(())
    }

    /// Openings not confirmed yet (a kiosk stopped between the unlock and
    /// the empty compartment): the kiosk looks at them again at start.
    pub fn unconfirmed_openings(&self) -> Result<Vec<Opening>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("{OPENING} WHERE confirmed_at IS NULL ORDER BY opened_at"))
            .map_err(query("unconfirmed openings"))?;
        stmt.query_map([], opening_row)
            .map_err(query("unconfirmed openings"))?
            .collect::<rusqlite::Result<_>>()
            .map_err(query("unconfirmed openings"))
    }

    /// The wrong typed codes counted offline.
    pub fn pickup_lockout(&self) -> Result<Lockout> {
        let row: Option<(u32, Option<String>)> = self
            .conn()
            .query_row("SELECT failures, locked_until FROM pickup_lockout WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(query("pickup lockout"))?;
        let Some((failures, until)) = row else { return Ok(Lockout::default()) };
        let locked_until = until
            .map(|t| DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()))
            .transpose()
            .map_err(|e| StoreError::Json {
                what: "pickup lockout time",
                source: serde_json::Error::io(std::io::Error::other(e)),
            })?;
        Ok(Lockout { failures, locked_until })
    }

    pub fn save_pickup_lockout(&self, lockout: &Lockout) -> Result<()> {
        let until = lockout.locked_until.map(|t: DateTime<Utc>| t.to_rfc3339());
        self.conn()
            .execute(
                "INSERT INTO pickup_lockout (id, failures, locked_until) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET
                     failures = excluded.failures, locked_until = excluded.locked_until",
                params![lockout.failures, until],
            )
            .map_err(query("save pickup lockout"))?;
        Ok(())
    }
}
