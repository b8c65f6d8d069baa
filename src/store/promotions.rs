//! The cached promotion set.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, now, query};
use crate::domain::pricing::Promotions;

impl Store {
    /// Replaces the cached promotion set.
    pub fn save_promotions(&self, version: &str, promotions: &Promotions) -> Result<()> {
        let body = serde_json::to_string(promotions)
            .map_err(|source| StoreError::Json { what: "promotion set", source })?;
        self.conn
            .execute(
                "INSERT INTO promotion_set (id, version, body, synced_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                     body = excluded.body, synced_at = excluded.synced_at",
                params![version, body, now()],
            )
            .map_err(query("save promotions"))?;
        Ok(())
    }

    /// The version of the cached set; `None` before the first sync.
    pub fn promotions_version(&self) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT version FROM promotion_set WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(query("promotions version"))
    }

    /// The cached set, checked as the central checked it; an empty set
    /// before the first sync.
    pub fn promotions(&self) -> Result<Promotions> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM promotion_set WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(query("load promotions"))?;
        match body {
            None => Ok(Promotions::default()),
            Some(b) => serde_json::from_str(&b)
                .map_err(|source| StoreError::Json { what: "promotion set", source }),
        }
    }
}
