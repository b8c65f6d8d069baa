//! The cache of the central's stock answers.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, query};
use crate::central::api::Stock;

impl Store {
    /// Keeps the central's answer about a product's stock, received at
    /// `fetched_at` (RFC 3339), in place of the one before.
    pub fn cache_stock(&self, stock: &Stock, fetched_at: &str) -> Result<()> {
        let answer = serde_json::to_string(stock).expect("a stock answer always serialises");
        self.conn()
            .execute(
                "INSERT INTO stock_cache (barcode, answer, fetched_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (barcode) DO UPDATE SET
                     answer = excluded.answer, fetched_at = excluded.fetched_at",
                params![stock.barcode, answer, fetched_at],
            )
            .map_err(query("cache stock"))?;
        Ok(())
    }

    /// The last stock answer about `barcode` and when it was received.
    pub fn cached_stock(&self, barcode: &str) -> Result<Option<(Stock, String)>> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT answer, fetched_at FROM stock_cache WHERE barcode = ?1",
                [barcode],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(query("cached stock"))?;
        row.map(|(answer, at)| {
            serde_json::from_str(&answer)
                .map(|stock| (stock, at))
                .map_err(|source| StoreError::Json { what: "cached stock", source })
        })
        .transpose()
    }

    /// Forgets the stock of a product the central no longer knows.
    pub fn forget_stock(&self, barcode: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM stock_cache WHERE barcode = ?1", [barcode])
            .map_err(query("forget stock"))?;
        Ok(())
    }
}
