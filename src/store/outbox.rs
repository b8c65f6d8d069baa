//! The outbox: what the central must learn, kept until it says it has.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, now, query};

/// One event waiting for the central.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub idempotency_key: String,
    pub body: serde_json::Value,
    pub attempts: u32,
}

impl Store {
    /// Queues an event. Queuing the same key twice keeps the first: the
    /// event is the same event.
    pub fn outbox_push(&self, kind: &str, key: &str, body: &serde_json::Value) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO outbox (kind, idempotency_key, body, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (idempotency_key) DO NOTHING",
                params![kind, key, body.to_string(), now()],
            )
            .map_err(query("outbox push"))?;
        Ok(())
    }

    /// The oldest events not yet acknowledged, oldest first.
    pub fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id, kind, idempotency_key, body, attempts FROM outbox
                 WHERE acked_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT ?1",
            )
            .map_err(query("outbox pending"))?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?))
            })
            .map_err(query("outbox pending"))?;
        let mut items = Vec::new();
        for row in rows {
            let (id, kind, idempotency_key, body, attempts) =
                row.map_err(query("outbox pending"))?;
            let body = serde_json::from_str(&body)
                .map_err(|source| StoreError::Json { what: "outbox body", source })?;
            items.push(OutboxItem { id, kind, idempotency_key, body, attempts });
        }
        Ok(items)
    }

    /// Marks an event acknowledged, keeping the central's answer.
    pub fn outbox_ack(&self, key: &str, response: &serde_json::Value) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE outbox SET acked_at = ?2, response = ?3 WHERE idempotency_key = ?1",
                params![key, now(), response.to_string()],
            )
            .map_err(query("outbox ack"))?;
        Ok(())
    }

    /// Notes a failed delivery; the event stays queued.
    pub fn outbox_failed(&self, key: &str, error: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE idempotency_key = ?1",
                params![key, error],
            )
            .map_err(query("outbox failure"))?;
        Ok(())
    }

    /// Takes an event the central refused for good out of the queue, so the
    /// events behind it can go; it stays in the table for staff to see.
    pub fn outbox_park(&self, key: &str, error: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, parked_at = ?3
                 WHERE idempotency_key = ?1",
                params![key, error, now()],
            )
            .map_err(query("outbox park"))?;
        Ok(())
    }

    /// Why the central refused a parked event, if it did.
    pub fn outbox_parked_reason(&self, key: &str) -> Result<Option<String>> {
        let row: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT last_error FROM outbox WHERE idempotency_key = ?1 AND parked_at IS NOT NULL",
                [key],
                |r| r.get(0),
            )
            .optional()
            .map_err(query("outbox parked"))?;
        Ok(row.flatten())
    }

    /// The central's answer to an acknowledged event, if it has one.
    pub fn outbox_response(&self, key: &str) -> Result<Option<serde_json::Value>> {
        let text: Option<Option<String>> = self
            .conn()
            .query_row("SELECT response FROM outbox WHERE idempotency_key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(query("outbox response"))?;
        text.flatten()
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|source| StoreError::Json { what: "outbox response", source })
    }

    /// Returns true if and only if an event with `key` was ever queued.
    pub fn outbox_has(&self, key: &str) -> Result<bool> {
        self.conn()
            .prepare_cached("SELECT 1 FROM outbox WHERE idempotency_key = ?1")
            .and_then(|mut stmt| stmt.exists([key]))
            .map_err(query("outbox has"))
    }

    pub fn outbox_len(&self) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM outbox WHERE acked_at IS NULL AND parked_at IS NULL",
                [],
                |r| r.get(0),
            )
            .map_err(query("outbox length"))
    }
}
