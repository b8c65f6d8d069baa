//! A payment's life on the central: what the gateway's answers do to it,
//! the late-payment rule, refunds, and the poller that recovers missed
//! notifications.
//!
//! The late-payment rule: a payment the gateway reports paid after it ended
//! on the central (cancelled by the device, expired, failed) was paid by a
//! shopper whose screen had already given up, so nobody took the goods. It
//! is recorded as paid late, shows `paid`, and is refunded in full
//! automatically once `Config::late_refund_grace` has passed, unless a sale
//! is recorded for it first (a kiosk whose shopper is still there, a device
//! reconciling an interrupted visit); then it stays a sale.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use tracing::{debug, error, info, warn};

use super::gateway::{GatewayError, GatewayPayment, GatewayState, RefundRequest};
use super::ledger::{self, PaymentRow};
use super::{AppState, db};
use crate::central::api::{PaymentStatus, Refund, RefundStatus};
use crate::domain::Rupiah;

/// The reason written on the automatic refund of a late payment.
pub(super) const LATE_REASON: &str =
    "paid after the payment had ended on the device, so the shopper did not take the goods";

#[derive(Debug, thiserror::Error)]
pub(super) enum LifeError {
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<rusqlite::Error> for LifeError {
    fn from(e: rusqlite::Error) -> LifeError {
        LifeError::Internal(e.into())
    }
}

/// Named async locks: one operation at a time per payment (a cancel, the
/// poller's query, a refund), and per idempotency key at creation, so two
/// requests never call the gateway for the same thing at once.
#[derive(Default)]
pub(super) struct Locks(
    /// A std mutex: held only to find the lock, never across an `.await`.
    std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
);

impl Locks {
    pub async fn lock(&self, name: String) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            // Locks nobody holds or waits for are dropped as we go.
            map.retain(|_, l| Arc::strong_count(l) > 1);
            map.entry(name).or_default().clone()
        };
        lock.lock_owned().await
    }

    pub async fn payment(&self, id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        self.lock(format!("payment:{id}")).await
    }
}

pub(super) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub(super) fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    format!("{prefix}-{}", &hex[..16])
}

/// Reads an issued payment (expiring it first if its time is up).
pub(super) async fn load(s: &AppState, id: &str) -> anyhow::Result<Option<PaymentRow>> {
    let id = id.to_owned();
    let row = s.db.run(move |c| Ok(ledger::by_id(c, &id, now_ms())?)).await?;
    Ok(row.filter(|r| r.issued))
}

/// Reads a payment, issued or not (expiring it first if its time is up).
pub(super) async fn load_any(s: &AppState, id: &str) -> anyhow::Result<Option<PaymentRow>> {
    let id = id.to_owned();
    s.db.run(move |c| Ok(ledger::by_id(c, &id, now_ms())?)).await
}

/// The payment as the gateway is told about it.
pub(super) fn gateway_payment(row: &PaymentRow) -> GatewayPayment {
    GatewayPayment {
        payment_id: row.payment.id.clone(),
        reference: row.reference.clone(),
        gateway_ref: row.payment.gateway_ref.clone(),
        amount: row.payment.amount,
        created_at: DateTime::parse_from_rfc3339(&row.payment.created_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now()),
    }
}

/// Applies what the gateway says of a payment; `how` names where it came
/// from, for the history. The caller holds the payment's lock.
pub(super) async fn apply(
    s: &AppState,
    id: &str,
    state: GatewayState,
    how: &'static str,
) -> Result<(), LifeError> {
    let key = id.to_owned();
    let grace = s.config.late_refund_grace;
    let late =
        s.db.run(move |c| {
            let tx = c.transaction()?;
            let Some(row) = ledger::by_id(&tx, &key, now_ms())? else {
                return Ok(false);
            };
            let late = apply_in(&tx, &row, &state, how, grace)?;
            tx.commit()?;
            Ok(late)
        })
        .await?;
    s.payments_changed.notify_waiters();
    if late {
        late_found(s, id).await?;
    }
    Ok(())
}

/// A late payment came to light: refund it now, or wake the poller to do
/// it after the grace period. The caller holds the payment's lock.
async fn late_found(s: &AppState, id: &str) -> Result<(), LifeError> {
    warn!(payment = id, "payment paid after it ended; refund due");
    if s.config.late_refund_grace.is_zero() {
        refund_late(s, id).await
    } else {
        s.poke_poller.notify_one();
        Ok(())
    }
}

/// The state change of one gateway answer; true if the payment turned out
/// paid late and its refund is now due.
fn apply_in(
    c: &Connection,
    row: &PaymentRow,
    state: &GatewayState,
    how: &str,
    grace: Duration,
) -> rusqlite::Result<bool> {
    use GatewayState as G;
    use PaymentStatus as P;
    let id = row.payment.id.as_str();
    match (row.payment.status, state) {
        (P::Pending, G::Pending) => {}
        (P::Pending, G::Paid { .. }) => {
            let ended = ledger::paid(c, id, &format!("paid ({how})"), grace)?;
            info!(payment = id, "payment paid");
            if ended {
                return Ok(true);
            }
        }
        (P::Pending, G::Expired) => ledger::transition(
            c,
            id,
            P::Expired,
            &format!("expired at the gateway ({how})"),
            false,
        )?,
        (P::Pending, G::Cancelled) => ledger::transition(
            c,
            id,
            P::Cancelled,
            &format!("cancelled at the gateway ({how})"),
            false,
        )?,
        (P::Pending, G::Failed { reason }) => {
            ledger::transition(c, id, P::Failed, &format!("failed: {reason} ({how})"), false)?
        }
        (ended @ (P::Cancelled | P::Expired | P::Failed), G::Paid { .. }) => {
            let cause = format!(
                "paid late, after the payment was {} ({how}); refunded in full unless a sale \
                 is recorded for it within {} s",
                ended.as_str(),
                grace.as_secs()
            );
            ledger::transition(c, id, P::Paid, &cause, false)?;
            ledger::set_refund_due(c, id, Some(now_ms() + grace.as_millis() as i64))?;
            return Ok(true);
        }
        // Still payable at the gateway although it ended here: the poller
        // cancels it there.
        (P::Cancelled | P::Expired | P::Failed, G::Pending) => {}
        _ if row.gateway_open => ledger::close_gateway(c, id)?,
        _ => {}
    }
    Ok(false)
}

/// Stops a code from being payable at the gateway and says what became of
/// it, with where the answer came from; `None` when the gateway knows no
/// such code (it never registered it, or forgot it).
async fn close_at_gateway(
    s: &AppState,
    gp: &GatewayPayment,
) -> Result<(Option<GatewayState>, &'static str), GatewayError> {
    use GatewayError::{Refused, Unsupported};
    match s.gateway.cancel(gp).await {
        // The gateway will not cancel it: ask what it knows.
        Err(Refused { .. } | Unsupported { .. }) => match s.gateway.query(gp).await {
            Err(Refused { .. } | Unsupported { .. }) => Ok((None, "gateway query")),
            other => other.map(|state| (Some(state), "gateway query")),
        },
        other => other.map(|state| (Some(state), "the gateway's answer to the central's cancel")),
    }
}

/// What became of the open attempt of a payment without a code.
pub(super) enum AttemptEnd {
    /// The gateway holds no payable code for it: a new attempt may start.
    Dead,
    /// The shopper paid it, so the payment is paid.
    Paid,
}

/// Closes at the gateway the latest attempt of a payment without a code,
/// whose answer was lost (a time-out after the gateway registered it, say):
/// nobody was shown its code, so it is cancelled before another attempt
/// gives the payment a code. An error leaves the attempt open; the poller
/// and the device's retry ask again. The caller holds the payment's lock.
pub(super) async fn end_attempt(s: &AppState, row: &PaymentRow) -> Result<AttemptEnd, LifeError> {
    let id = row.payment.id.clone();
    let (state, how) = close_at_gateway(s, &gateway_payment(row)).await?;
    let end = match state {
        None
        | Some(GatewayState::Cancelled | GatewayState::Expired | GatewayState::Failed { .. }) => {
            AttemptEnd::Dead
        }
        Some(GatewayState::Paid { .. }) => AttemptEnd::Paid,
        Some(GatewayState::Pending) => {
            return Err(LifeError::Gateway(GatewayError::Refused {
                gateway: s.gateway.name(),
                what: "the cancel of an earlier attempt at this payment's code",
                code: "still_payable".into(),
                message: format!(
                    "the code of {} is still payable and was not cancelled",
                    row.reference
                ),
            }));
        }
    };
    let paid = matches!(end, AttemptEnd::Paid);
    let key = id.clone();
    let grace = s.config.late_refund_grace;
    s.db.run(move |c| {
        let tx = c.transaction()?;
        if paid {
            let cause =
                format!("paid ({how}: the shopper paid a code whose issue was not confirmed)");
            ledger::paid_unshown(&tx, &key, &cause, grace)?;
        } else {
            ledger::close_gateway(&tx, &key)?;
        }
        tx.commit()?;
        Ok(())
    })
    .await?;
    if paid {
        warn!(payment = id, reference = row.reference, "an unconfirmed attempt was paid");
        s.payments_changed.notify_waiters();
    } else {
        debug!(payment = id, reference = row.reference, "earlier attempt closed at the gateway");
    }
    Ok(end)
}

/// What a device's cancel came to.
pub(super) enum Cancelled {
    /// The payment as it now is: cancelled, or paid if the gateway said the
    /// shopper was quicker.
    Done(PaymentRow),
    /// It had already ended otherwise.
    Final(PaymentRow),
    NotFound,
}

/// Cancels a pending payment for a device that gave up on it. The gateway
/// is asked first; when it cannot be reached, the payment is cancelled here
/// all the same and the poller repeats the cancel at the gateway.
pub(super) async fn cancel_by_device(s: &AppState, id: &str) -> Result<Cancelled, LifeError> {
    let _lock = s.locks.payment(id).await;
    let Some(row) = load(s, id).await? else {
        return Ok(Cancelled::NotFound);
    };
    match row.payment.status {
        PaymentStatus::Pending => {}
        PaymentStatus::Cancelled => return Ok(Cancelled::Done(row)),
        _ => return Ok(Cancelled::Final(row)),
    }
    let answer = s.gateway.cancel(&gateway_payment(&row)).await;
    let grace = s.config.late_refund_grace;
    if let Err(e) = &answer {
        warn!(payment = id, error = %e, "gateway cancel failed; the poller repeats it");
    }
    let key = id.to_owned();
    let late =
        s.db.run(move |c| {
            use GatewayState as G;
            let tx = c.transaction()?;
            let row = ledger::by_id(&tx, &key, now_ms())?.expect("a payment is never deleted");
            let how = "the gateway's answer to the device's cancel";
            let late = if row.payment.status != PaymentStatus::Pending {
                // It expired while the gateway was asked.
                match &answer {
                    Ok(state) => apply_in(&tx, &row, state, how, grace)?,
                    Err(_) => false,
                }
            } else {
                let (to, cause, open) = match answer {
                    Ok(G::Paid { .. }) => {
                        let cause = format!("paid ({how}: the shopper paid first)");
                        (PaymentStatus::Paid, cause, false)
                    }
                    Ok(G::Cancelled | G::Expired) => {
                        (PaymentStatus::Cancelled, "cancelled by device".to_owned(), false)
                    }
                    Ok(G::Failed { reason }) => {
                        (PaymentStatus::Failed, format!("failed: {reason} ({how})"), false)
                    }
                    Ok(G::Pending) => (
                        PaymentStatus::Cancelled,
                        "cancelled by device; the gateway still shows the code payable and is \
                         asked again"
                            .to_owned(),
                        true,
                    ),
                    Err(_) => (
                        PaymentStatus::Cancelled,
                        "cancelled by device; the gateway was not reached and is asked again"
                            .to_owned(),
                        true,
                    ),
                };
                match to {
                    PaymentStatus::Paid => ledger::paid(&tx, &key, &cause, grace)?,
                    _ => {
                        ledger::transition(&tx, &key, to, &cause, open)?;
                        false
                    }
                }
            };
            tx.commit()?;
            Ok(late)
        })
        .await?;
    s.payments_changed.notify_waiters();
    if late {
        late_found(s, id).await?;
    }
    let row = load(s, id).await?.expect("a payment is never deleted");
    Ok(Cancelled::Done(row))
}

/// Starts the automatic refund of a late payment, unless a sale was
/// recorded for it first. The caller holds the payment's lock.
pub(super) async fn refund_late(s: &AppState, id: &str) -> Result<(), LifeError> {
    let key = id.to_owned();
    let started =
        s.db.run(move |c| {
            let tx = c.transaction()?;
            let Some(row) = ledger::by_id(&tx, &key, now_ms())? else {
                return Ok(None);
            };
            if row.refund_due_ms.is_none() {
                return Ok(None);
            }
            ledger::set_refund_due(&tx, &key, None)?;
            let kept = match db::sale_by_payment(&tx, &key)? {
                Some(sale) => Some(format!("sale {} was recorded for it", sale.id)),
                None => super::orders::collected_with(&tx, &key)?
                    .map(|order| format!("order {order} was collected with it")),
            };
            if let Some(why) = kept {
                let cause = format!("kept: {why} first, so no refund");
                ledger::add_event(&tx, &key, row.payment.status, &cause)?;
                tx.commit()?;
                return Ok(None);
            }
            let left = ledger::left_to_refund(&tx, &key)?.0;
            let refund = (left > 0).then(|| Refund {
                id: new_id("RFD"),
                amount: Rupiah(left),
                reason: LATE_REASON.into(),
                status: RefundStatus::Pending,
                created_at: crate::store::now(),
            });
            if let Some(r) = &refund {
                ledger::insert_refund(&tx, &key, ledger::LATE_REFUND_KEY, r)?;
            }
            // No sale will come: the points and codes go back.
            super::points::release(&tx, &key)?;
            tx.commit()?;
            Ok(refund.map(|r| r.id))
        })
        .await?;
    if let Some(refund_id) = started {
        match execute_refund(s, id, &refund_id).await {
            Err(LifeError::Gateway(e)) if e.is_retryable() => {
                warn!(payment = id, error = %e, "late payment refund not through yet; retried");
            }
            Err(LifeError::Gateway(e)) => {
                error!(payment = id, error = %e, "gateway refused the refund of a late payment");
            }
            other => other?,
        }
    }
    Ok(())
}

/// Asks the gateway for a pending refund and records the answer. On
/// `Unreachable` the refund stays pending, and asking again (the client's
/// retry, the poller) is safe: the gateway moves money once per refund id.
/// The caller holds the payment's lock.
pub(super) async fn execute_refund(
    s: &AppState,
    payment_id: &str,
    refund_id: &str,
) -> Result<(), LifeError> {
    let (pid, rid) = (payment_id.to_owned(), refund_id.to_owned());
    let found =
        s.db.run(move |c| Ok((ledger::by_id(c, &pid, now_ms())?, ledger::refund(c, &rid)?)))
            .await?;
    let (Some(row), Some(refund)) = found else {
        return Ok(());
    };
    if refund.status != RefundStatus::Pending {
        return Ok(());
    }
    let req = RefundRequest {
        refund_id: refund.id.clone(),
        amount: refund.amount,
        reason: refund.reason.clone(),
    };
    let answer = s.gateway.refund(&gateway_payment(&row), &req).await;
    if matches!(&answer, Err(e) if e.is_retryable()) {
        return answer.map_err(LifeError::from);
    }
    let (pid, ok) = (payment_id.to_owned(), answer.is_ok());
    let refused = answer.as_ref().err().map(|e| e.to_string());
    s.db.run(move |c| {
        let tx = c.transaction()?;
        let status = if ok { RefundStatus::Done } else { RefundStatus::Failed };
        if ledger::finish_refund(&tx, &refund.id, status)? {
            let row = ledger::by_id(&tx, &pid, now_ms())?.expect("a payment is never deleted");
            let (amount, paid) = (refund.amount.0, row.payment.amount.0);
            if let Some(why) = refused {
                let cause = format!("refund of {amount} refused by the gateway: {why}");
                ledger::add_event(&tx, &pid, row.payment.status, &cause)?;
            } else {
                let cause = format!("refunded {amount} of {paid}: {}", refund.reason);
                if row.payment.refunded.0 >= paid {
                    ledger::transition(&tx, &pid, PaymentStatus::Refunded, &cause, false)?;
                } else {
                    ledger::add_event(&tx, &pid, row.payment.status, &cause)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    })
    .await?;
    s.payments_changed.notify_waiters();
    if ok {
        info!(payment = payment_id, refund = refund_id, "refund done");
    }
    answer.map_err(LifeError::from)
}

/// Asks the gateway, in the background, about every payment it may still
/// take money for, every `poll_interval` and at each expiry; retries the
/// refunds not through yet. Runs until the server stops.
pub(super) async fn poll(s: Arc<AppState>) {
    loop {
        if let Err(e) = poll_once(&s).await {
            warn!(error = format!("{e:#}"), "gateway poll failed");
        }
        let next_round = tokio::time::Instant::now() + s.config.poll_interval;
        // A poke (a new payment, a late one) only moves the wake-up to its
        // deadline; it does not start a round by itself.
        loop {
            let mut wake = next_round;
            if let Ok(Some(ms)) = s.db.run(|c| Ok(ledger::next_deadline(c)?)).await {
                let until = Duration::from_millis((ms - now_ms()).max(0) as u64 + 5);
                wake = wake.min(tokio::time::Instant::now() + until);
            }
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => break,
                _ = s.poke_poller.notified() => {}
            }
        }
    }
}

async fn poll_once(s: &AppState) -> anyhow::Result<()> {
    let expired =
        s.db.run(|c| {
            let now = now_ms();
            let expired = ledger::expire_all_due(c, now)?;
            // A creation whose gateway call failed (or whose central stopped
            // before the code came) and that was never retried holds its
            // points until its time is up; without this they would stay
            // held until the next payment that holds anything.
            super::points::release_stale(c, now)?;
            Ok(expired)
        })
        .await?;
    if !expired.is_empty() {
        debug!(count = expired.len(), "payments expired");
        s.payments_changed.notify_waiters();
    }

    let open = s.db.run(|c| Ok(ledger::gateway_open(c)?)).await?;
    for id in open {
        let _lock = s.locks.payment(&id).await;
        let Some(row) = load(s, &id).await? else { continue };
        if !row.gateway_open {
            continue;
        }
        // A pending code is asked about; one that ended here is cancelled
        // at the gateway, whose answer says if the shopper paid first.
        let gp = gateway_payment(&row);
        let (answer, how) = if row.payment.status == PaymentStatus::Pending {
            (s.gateway.query(&gp).await, "gateway query")
        } else {
            match close_at_gateway(s, &gp).await {
                Ok((Some(state), how)) => (Ok(state), how),
                Ok((None, _)) => {
                    // Not a code it will take money for (e.g. the simulator
                    // restarted and forgot it).
                    warn!(payment = id, "gateway knows no open code; not asked again");
                    let key = id.clone();
                    s.db.run(move |c| Ok(ledger::close_gateway(c, &key)?)).await?;
                    continue;
                }
                Err(e) => (Err(e), "the gateway's answer to the central's cancel"),
            }
        };
        // One payment's trouble does not hold up the others.
        match answer {
            Ok(state) => {
                if let Err(e) = apply(s, &id, state, how).await {
                    warn!(payment = id, error = %e, "gateway answer not applied");
                }
            }
            Err(e) => debug!(payment = id, error = %e, "gateway not asked this round"),
        }
    }

    // Attempts whose answer was lost hold codes nobody was shown.
    for id in s.db.run(|c| Ok(ledger::attempts_open(c)?)).await? {
        let _lock = s.locks.payment(&id).await;
        let Some(row) = load_any(s, &id).await? else { continue };
        if row.issued || !row.gateway_open {
            continue;
        }
        if let Err(e) = end_attempt(s, &row).await {
            debug!(payment = id, error = %e, "earlier attempt not closed this round");
        }
    }

    for id in s.db.run(|c| Ok(ledger::refunds_due(c, now_ms())?)).await? {
        let _lock = s.locks.payment(&id).await;
        if let Err(e) = refund_late(s, &id).await {
            warn!(payment = id, error = %e, "late payment refund not started");
        }
    }
    for (payment, refund) in s.db.run(|c| Ok(ledger::pending_refunds(c)?)).await? {
        let _lock = s.locks.payment(&payment).await;
        if let Err(e) = execute_refund(s, &payment, &refund).await {
            debug!(payment, refund, error = %e, "refund not through yet");
        }
    }
    Ok(())
}
