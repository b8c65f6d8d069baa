//! The device's promotions: synced with the catalog, priced from the cache.

use chrono::{DateTime, FixedOffset};
use tracing::{debug, info};

use super::{Device, Result};
use crate::domain::pricing::{self, LineRequest, Priced, Promotions, Shopper};

impl Device {
    /// Pulls the central's promotion set when it changed; returns true if
    /// and only if the cached set changed.
    pub async fn sync_promotions(&self) -> Result<bool> {
        let known = self.with_store_blocking(|s| s.promotions_version()).await?;
        let answer = self.client.promotions(known.as_deref()).await?;
        let Some(set) = answer.promotions else {
            debug!(version = %answer.version, "promotions unchanged");
            return Ok(false);
        };
        // The version is the device's own fingerprint of what it stores, so
        // the next sync compares like with like.
        let version = set.version();
        let count = set.len();
        self.with_store_blocking(move |s| s.save_promotions(&version, &set)).await?;
        info!(count, version = %answer.version, "promotions synced");
        Ok(true)
    }

    /// The cached promotion set (empty before the first sync).
    pub async fn promotions(&self) -> Result<Promotions> {
        self.with_store_blocking(|s| s.promotions()).await
    }

    /// Prices requested lines from the device cache only: catalog and
    /// promotions as last synced.
    pub async fn price(
        &self,
        lines: &[LineRequest],
        shopper: &Shopper,
        at: DateTime<FixedOffset>,
    ) -> Result<Priced> {
        let requested = lines.to_vec();
        let (lines, promotions) = self
            .with_store_blocking(move |s| {
                let layouts = s.variable_measure()?;
                let lines = pricing::try_cart_lines(&requested, &layouts, |b| s.product(b))?;
                Ok((lines, s.promotions()?))
            })
            .await?;
        Ok(pricing::price(&lines?, &promotions, shopper, at))
    }
}
