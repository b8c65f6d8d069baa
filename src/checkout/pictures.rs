//! The products' pictures: fetched at sync when the catalog names one the
//! device lacks or holds in another version, kept in the device database.

use tracing::{debug, warn};

use super::{Device, Result};
use crate::central::api::MAX_PICTURE_BYTES;
use crate::store::WantedPicture;

impl Device {
    /// Fetches the pictures the synced catalog names that the device lacks
    /// or holds with another ETag, and drops those no product names any
    /// more. A picture that cannot be fetched is warned about and left out:
    /// its product shows without it, and the next sync tries again.
    /// Returns how many were fetched and how many failed.
    pub(super) async fn sync_pictures(&self) -> Result<(usize, usize)> {
        let wanted = self.with_store_blocking(|s| s.wanted_pictures()).await?;
        let (mut fetched, mut failed) = (0, 0);
        for picture in wanted {
            let name = picture.name.clone();
            match self.fetch_picture(picture).await {
                Ok(true) => fetched += 1,
                Ok(false) => {}
                Err(why) => {
                    warn!(picture = name, why, "picture not fetched; its tile keeps the initial");
                    failed += 1;
                }
            }
        }
        let forgotten = self.with_store_blocking(|s| s.forget_unused_pictures()).await?;
        if fetched + failed + forgotten > 0 {
            debug!(fetched, failed, forgotten, "pictures synced");
        }
        Ok((fetched, failed))
    }

    /// Fetches one picture and keeps it; `Ok(false)` when the copy held was
    /// current. The error says why it was not kept.
    async fn fetch_picture(&self, wanted: WantedPicture) -> std::result::Result<bool, String> {
        let answer = self.client.picture(&wanted.name, wanted.held.as_deref()).await;
        let store_err = |e: super::DeviceError| format!("the device database: {e}");
        let WantedPicture { name, etag, held } = wanted;
        let Some(got) = answer.map_err(|e| e.to_string())? else {
            // Not modified: the copy held is the catalog's version.
            let etag = etag.or(held).unwrap_or_default();
            self.with_store_blocking(move |s| s.picture_is_current(&name, &etag))
                .await
                .map_err(store_err)?;
            return Ok(false);
        };
        if got.bytes.len() > MAX_PICTURE_BYTES {
            return Err(format!(
                "{} bytes, more than the {MAX_PICTURE_BYTES} a picture may be",
                got.bytes.len()
            ));
        }
        if !got.content_type.as_deref().is_some_and(|t| t.starts_with("image/")) {
            return Err(format!("sent as {:?}, not as a picture", got.content_type));
        }
        // The central's own word on the version sent, else the catalog's.
        let etag = got.etag.or(etag).unwrap_or_default();
        self.with_store_blocking(move |s| s.store_picture(&name, &etag, &got.bytes))
            .await
            .map_err(store_err)?;
        Ok(true)
    }

    /// The pictures of the produce without a barcode held on the device:
    /// barcode, picture name and bytes.
    pub async fn produce_pictures(&self) -> Result<Vec<(String, String, Vec<u8>)>> {
        self.with_store_blocking(|s| s.produce_pictures()).await
    }
}
