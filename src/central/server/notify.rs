//! Messages to customers (the pickup code of a loaded order): queued in
//! the database with the change that causes them, then handed to a
//! [`Notifier`], the adapter to an SMS or chat provider.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, params};
use tracing::{debug, info, warn};

use super::AppState;
use crate::central::api::OrderMessage;

/// Sends a text to a phone number. A provider's adapter implements it;
/// [`LogNotifier`] is the default.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// A short name for logs: `log`, `sms-provider`.
    fn name(&self) -> &'static str;

    /// Sends `text` to `phone` (normalised, `62...`); `Err` says why not.
    async fn send(&self, phone: &str, text: &str) -> Result<(), String>;
}

/// Sends nothing: logs that a message went, without its number or text
/// (both are the customer's; the text holds a pickup code).
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn send(&self, _phone: &str, text: &str) -> Result<(), String> {
        info!(chars = text.chars().count(), "customer message (log only, not sent)");
        Ok(())
    }
}

/// Which notifier a central uses.
#[derive(Clone, Default)]
pub enum NotifierChoice {
    /// [`LogNotifier`].
    #[default]
    Log,
    /// One the caller built.
    Custom(Arc<dyn Notifier>),
}

impl std::fmt::Debug for NotifierChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotifierChoice::Log => f.write_str("Log"),
            NotifierChoice::Custom(n) => write!(f, "Custom({})", n.name()),
        }
    }
}

impl NotifierChoice {
    pub(super) fn build(&self) -> Arc<dyn Notifier> {
        match self {
            NotifierChoice::Log => Arc::new(LogNotifier),
            NotifierChoice::Custom(n) => n.clone(),
        }
    }
}

/// The phone as a message list shows it: all but the last four digits
/// hidden.
pub(super) fn masked(phone: &str) -> String {
    let keep = phone.len().saturating_sub(4);
    format!("{}{}", "•".repeat(keep), &phone[keep..])
}

/// Queues a message in the caller's transaction.
pub(super) fn queue(
    conn: &Connection,
    order_id: &str,
    phone: &str,
    text: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO customer_message (order_id, phone, text, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![order_id, phone, text, crate::store::now()],
    )?;
    Ok(())
}

/// The messages of one order, oldest first.
pub(super) fn of_order(conn: &Connection, order_id: &str) -> rusqlite::Result<Vec<OrderMessage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, order_id, phone, text, created_at, sent_at, error FROM customer_message
         WHERE order_id = ?1 ORDER BY id",
    )?;
    stmt.query_map([order_id], |r| {
        Ok(OrderMessage {
            id: r.get(0)?,
            order_id: r.get(1)?,
            to: masked(&r.get::<_, String>(2)?),
            text: r.get(3)?,
            created_at: r.get(4)?,
            sent_at: r.get(5)?,
            error: r.get(6)?,
        })
    })?
    .collect()
}

/// Hands every unsent message to the notifier, oldest first. A failure is
/// kept on the message and tried again next time.
pub(super) async fn deliver(s: &AppState) -> anyhow::Result<()> {
    let queued: Vec<(i64, String, String)> =
        s.db.run(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, phone, text FROM customer_message WHERE sent_at IS NULL ORDER BY id
                 LIMIT 50",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
        .await?;
    for (id, phone, text) in queued {
        let outcome = s.notifier.send(&phone, &text).await;
        if let Err(why) = &outcome {
            warn!(message = id, notifier = s.notifier.name(), why, "customer message not sent");
        } else {
            debug!(message = id, notifier = s.notifier.name(), "customer message sent");
        }
        s.db.run(move |c| {
            match outcome {
                Ok(()) => c.execute(
                    "UPDATE customer_message SET sent_at = ?2, error = NULL WHERE id = ?1",
                    params![id, crate::store::now()],
                )?,
                Err(why) => c.execute(
                    "UPDATE customer_message SET error = ?2 WHERE id = ?1",
                    params![id, why],
                )?,
            };
            Ok(())
        })
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_phone_shows_its_last_four_digits_only() {
        assert_eq!(masked("6281200000009"), "•••••••••0009");
        assert_eq!(masked("12"), "12");
    }
}
