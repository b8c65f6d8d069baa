//! What a kiosk tells the central about the goods of a return it took in.

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::{Device, RETURN_STOWED};
use crate::central::api::ReturnStowed;

/// How a return's compartment ended, waiting in the outbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct StowedEvent {
    pub return_id: String,
    pub stowed: ReturnStowed,
}

impl Device {
    /// Records how the compartment of return `id` ended (the goods in it,
    /// the door never opened, shut on nothing, the locker failing): queued
    /// in the outbox first, then sent, so that a central that cannot be
    /// reached now learns it with the next delivery. The central keeps the
    /// first it hears for a return.
    pub async fn record_stowed(&self, id: &str, stowed: ReturnStowed) -> super::Result<()> {
        let key = format!("stowed-{id}");
        let event = StowedEvent { return_id: id.to_owned(), stowed };
        let body = serde_json::to_value(&event).expect("a return's outcome always serialises");
        self.with_store_blocking(move |s| s.outbox_push(RETURN_STOWED, &key, &body)).await?;
        if let Err(e) = self.flush_outbox().await {
            warn!(r#return = id, error = %e, "the return's compartment waits in the outbox");
        }
        Ok(())
    }
}
