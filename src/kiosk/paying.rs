//! The worker's payment tasks: each talks to the central for one effect of
//! the visit and reports back with events.
//!
//! Nothing here decides what the shopper sees: a task reports what the
//! central said (or that it said nothing), and the visit decides. In
//! particular no task ever reports `paid` unless the central answered so.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::clock::Clock;
use super::worker::Report;
use crate::central::api::{self, PaymentStatus};
use crate::checkout::{Checkout, Device, DeviceError};
use crate::domain::Rupiah;
use crate::domain::visit::{self, CodeProblem, Event, NotCreated};

/// How long one long-poll for a payment's status waits.
const POLL: Duration = Duration::from_secs(10);
/// How long past its expiry a payment is still watched: past the visit's
/// own grace, so a late word still reaches a shopper who is there.
const WATCH_PAST_EXPIRY: Duration = Duration::from_secs(120);
/// How often a cancel is sent before the kiosk calls it unconfirmed.
const CANCEL_TRIES: u32 = 2;

fn send(reports: &mpsc::UnboundedSender<Report>, event: Event) {
    // The worker is gone only when the kiosk stops; nobody is left to tell.
    let _ = reports.send(Report::Event(event));
}

/// True if and only if the central did not answer (down, slow or a server
/// error): asking again may succeed, and what happened is unknown.
/// Reports the payment the central created for `attempt` (a cart's or an
/// order's): to the visit, with the gateway's expiry on the clock the visit
/// runs on, and to the worker, which watches it.
pub(super) fn report_created(
    attempt: String,
    payment: api::Payment,
    clock: &Clock,
    reports: &mpsc::UnboundedSender<Report>,
) {
    let expires_in = Duration::from_secs(payment.expires_in.max(0) as u64);
    let event = Event::PaymentCreated {
        attempt,
        payment: visit::Payment {
            id: payment.id.clone(),
            qris: payment.qris.clone(),
            amount: payment.amount,
            expires_at: clock.now() + expires_in,
        },
    };
    let _ = reports.send(Report::Online(true));
    let _ = reports.send(Report::Payment(payment));
    send(reports, event);
}

fn unanswered(e: &DeviceError) -> bool {
    matches!(e, DeviceError::Central(c) if c.is_retryable())
}

/// Asks the central for the payment of `attempt`. The key is the attempt's,
/// so a retry after a lost answer returns the same payment.
pub(super) async fn create_payment(
    device: Device,
    attempt: String,
    checkout: Checkout,
    shown: Rupiah,
    clock: Clock,
    reports: mpsc::UnboundedSender<Report>,
) {
    // Priced again from the same cache the screen was priced from, so the
    // bill stored with the open payment is the device's own; the two agree
    // unless a promotion began or ended in between, and then the payment
    // screen shows the amount the central was asked for.
    let started = match device.bill(checkout).await {
        Ok(bill) => {
            if bill.amount() != shown {
                warn!(
                    shown = shown.0,
                    billed = bill.amount().0,
                    "the bill changed since the cart screen was priced"
                );
            }
            device.start_payment(&bill, &attempt).await
        }
        Err(e) => Err(e),
    };
    match started {
        Ok(payment) => {
            info!(payment = payment.id, amount = payment.amount.0, "payment created");
            report_created(attempt, payment, &clock, &reports);
        }
        Err(e) => {
            let why = match &e {
                DeviceError::OverQrisLimit { .. } => NotCreated::OverLimit,
                e if unanswered(e) => {
                    let _ = reports.send(Report::Online(false));
                    NotCreated::Unreachable
                }
                DeviceError::Central(c) => {
                    NotCreated::Refused { message: c.refusal().unwrap_or_default().to_owned() }
                }
                other => NotCreated::Refused { message: other.to_string() },
            };
            warn!(error = %e, "payment not created");
            send(&reports, Event::PaymentNotCreated { attempt, why });
        }
    }
}

/// Long-polls the central until the payment is settled, telling the visit
/// when the connection comes and goes. Past the expiry the visit decides on
/// its own clock; the watch goes on a while, so that a payment made at the
/// last second still reaches the shopper.
pub(super) async fn watch_payment(
    device: Device,
    payment: api::Payment,
    reports: mpsc::UnboundedSender<Report>,
) {
    let id = payment.id.clone();
    let stop =
        Instant::now() + Duration::from_secs(payment.expires_in.max(0) as u64) + WATCH_PAST_EXPIRY;
    let mut connected = true;
    while !reports.is_closed() && Instant::now() < stop {
        match device.wait_payment(&payment, POLL).await {
            Ok(p) => {
                if !connected {
                    info!(payment = id, "payment watch reconnected");
                    connected = true;
                    let _ = reports.send(Report::Online(true));
                }
                if p.status != PaymentStatus::Pending {
                    info!(payment = id, status = p.status.as_str(), "payment settled");
                    report_settled(&device, p, &reports).await;
                    return;
                }
            }
            Err(e) => {
                if connected && unanswered(&e) {
                    warn!(payment = id, error = %e, "payment watch lost the central");
                    connected = false;
                    let _ = reports.send(Report::Online(false));
                } else {
                    debug!(payment = id, error = %e, "payment status unavailable");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    if Instant::now() >= stop {
        warn!(payment = id, "payment status unknown long past its expiry; watch stopped");
    }
}

/// Tells the visit how a payment ended. One that ended unpaid is no longer
/// open on the device; a paid one stays open until its sale is recorded.
async fn report_settled(device: &Device, p: api::Payment, reports: &mpsc::UnboundedSender<Report>) {
    if p.status != PaymentStatus::Paid
        && let Err(e) = device.payment_ended(&p.id).await
    {
        warn!(payment = p.id, error = %e, "ended payment still open on the device");
    }
    let event = settled(&p);
    let _ = reports.send(Report::Payment(p));
    send(reports, event);
}

fn settled(p: &api::Payment) -> Event {
    let id = p.id.clone();
    match p.status {
        PaymentStatus::Paid => Event::PaymentPaid { id },
        PaymentStatus::Expired | PaymentStatus::Pending => Event::PaymentExpired { id },
        PaymentStatus::Cancelled => Event::PaymentCancelled { id },
        // Money that went back is no payment for the goods.
        PaymentStatus::Failed | PaymentStatus::Refunded => Event::PaymentFailed { id },
    }
}

/// Cancels a payment. The answer may be `paid`: the bank was quicker than
/// the shopper. Without an answer the visit is told the cancel is
/// unconfirmed, and gives the payment up.
pub(super) async fn cancel_payment(
    device: Device,
    id: String,
    reports: mpsc::UnboundedSender<Report>,
) {
    let mut unanswered = false;
    for tries in 1..=CANCEL_TRIES {
        match device.client().cancel_payment(&id).await {
            Ok(p) => return report_settled(&device, p, &reports).await,
            Err(e) if e.is_retryable() => {
                unanswered = true;
                warn!(payment = id, tries, error = %e, "payment cancel unanswered");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            // Refused: most likely no longer pending. Its status says how
            // it ended.
            Err(e) => {
                debug!(payment = id, error = %e, "payment cancel refused");
                match device.client().payment(&id).await {
                    Ok(p) if p.status != PaymentStatus::Pending => {
                        return report_settled(&device, p, &reports).await;
                    }
                    Ok(_) => warn!(payment = id, "payment still pending after a refused cancel"),
                    Err(e) => warn!(payment = id, error = %e, "payment status unavailable"),
                }
                break;
            }
        }
    }
    if unanswered {
        let _ = reports.send(Report::Online(false));
    }
    send(&reports, Event::CancelUnconfirmed { id });
}

/// Charges a customer-presented code for the payment.
pub(super) async fn charge_customer_code(
    device: Device,
    id: String,
    code: String,
    reports: mpsc::UnboundedSender<Report>,
) {
    match device.client().charge_customer_code(&id, &code).await {
        Ok(p) if p.status == PaymentStatus::Pending => {
            warn!(payment = id, "customer code answered but the payment is still pending");
            send(&reports, Event::CodeNotCharged { id, why: CodeProblem::NoAnswer });
        }
        Ok(p) => {
            info!(payment = id, status = p.status.as_str(), "customer code charged");
            report_settled(&device, p, &reports).await;
        }
        Err(e) if e.is_retryable() => {
            // The charge may have gone through; the watch will tell.
            warn!(payment = id, error = %e, "customer code charge unanswered");
            let _ = reports.send(Report::Online(false));
            send(&reports, Event::CodeNotCharged { id, why: CodeProblem::NoAnswer });
        }
        Err(e) => {
            info!(payment = id, error = %e, "customer code refused");
            let message = e.refusal().unwrap_or_default().to_owned();
            send(&reports, Event::CodeNotCharged { id, why: CodeProblem::Refused { message } });
        }
    }
}

/// Notes on the device that the visit gave the attempt up.
pub(super) async fn give_up_payment(device: Device, attempt: String) {
    match device.give_up_payment(&attempt).await {
        Ok(()) => info!(attempt, "payment given up; settled when the central answers"),
        Err(e) => tracing::error!(attempt, error = %e, "cannot note a given-up payment"),
    }
}

pub(super) async fn record_sale(
    device: Device,
    checkout: Checkout,
    id: String,
    known: Option<api::Payment>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let payment = match known {
        Some(p) if p.status == PaymentStatus::Paid => Ok(p),
        _ => device.client().payment(&id).await.map_err(DeviceError::from),
    };
    let recorded = match payment {
        // The bill the payment was made for, as stored when it started; the
        // checkout billed again, as the payment was, only if that row is
        // gone (settled meanwhile: the same sale then answers as recorded).
        Ok(payment) => match device.open_bill(&payment.id).await {
            Ok(Some(bill)) => device.record_sale(&bill, &payment).await,
            Ok(None) => match device.bill(checkout).await {
                Ok(bill) => device.record_sale(&bill, &payment).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let event = match recorded {
        Ok(receipt) => {
            info!(payment = id, transaction = ?receipt.transaction_id, "sale recorded");
            Event::SaleRecorded { transaction_id: receipt.transaction_id, url: receipt.receipt_url }
        }
        Err(e) => {
            tracing::error!(payment = id, error = %e, "paid sale not recorded");
            Event::SaleFailed
        }
    };
    send(&reports, event);
}
