//! Collecting an order at the kiosk: checking the code on the device,
//! paying an unpaid order, the locker's door from its unlock until it
//! closes again, and the openings an earlier run left unconfirmed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tracing::{info, warn};

use slint::ComponentHandle;

use super::clock::Clock;
use super::ui;
use super::worker::Report;
use crate::checkout::{Device, Pickup, PickupFailure};
use crate::domain::pickup::PickupError;
use crate::domain::visit::NotCreated;
use crate::domain::visit::{
    CODE_DIGITS, Event, FoundOrder, PHONE_DIGITS, PickupProblem, PickupStage,
};
use crate::locker::poll::{DoorEvent, DoorLimits, unlock_and_watch};
use crate::locker::{BankConfig, LockerBank, Occupancy};
use crate::tokens::TokenError;

/// The lockers of a kiosk: which bank, the store whose orders it holds,
/// and how long a door may take.
#[derive(Clone, Debug)]
pub struct PickupOptions {
    pub bank: BankConfig,
    /// The store id on the central (`KMG`): its pickup manifest is synced.
    pub store: String,
    /// How long a customer has to pull the door, and to close it again
    /// before the screen and staff are warned.
    pub door: DoorLimits,
    /// The compartments set aside for returned goods (`--return-compartments
    /// 7,8`); a return takes the first that is shut and empty. None: the
    /// kiosk takes no returns.
    pub returns: Vec<u16>,
}

impl PickupOptions {
    /// The lockers on `bank` holding `store`'s orders, with the kiosk's
    /// usual door limits and no compartment for returns.
    pub fn new(bank: BankConfig, store: &str) -> PickupOptions {
        PickupOptions { bank, store: store.to_owned(), door: LIMITS, returns: vec![] }
    }
}

/// The bank, shared by the worker's tasks. A std mutex: it is only taken
/// inside `spawn_blocking`, never across an `.await`.
pub(super) type SharedBank = Arc<Mutex<Box<dyn LockerBank>>>;

/// How long a customer has to pull the door, and to close it again before
/// the screen and staff are warned, unless the options say otherwise.
pub const LIMITS: DoorLimits =
    DoorLimits { open_within: Duration::from_secs(30), close_within: Duration::from_secs(60) };
/// How often the door is read while it is watched.
pub(super) const POLL_EVERY: Duration = Duration::from_millis(200);

fn send(reports: &mpsc::UnboundedSender<Report>, event: Event) {
    let _ = reports.send(Report::Event(event));
}

/// Checks a typed code, or a scanned QR when `phone_last4` is `None`, and
/// reports the order found (kept by the worker to open it) or why not.
pub(super) async fn verify(
    device: Device,
    code: String,
    phone_last4: Option<String>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let found = match &phone_last4 {
        Some(tail) => device.pickup_by_code(&code, tail, Utc::now()).await,
        None => device.pickup_by_token(&code, Utc::now()).await,
    };
    match found {
        Ok(pickup) => {
            let order = FoundOrder {
                order_id: pickup.order_id.clone(),
                compartment: pickup.compartment,
                paid: pickup.paid,
                total: pickup.total,
            };
            let _ = reports.send(Report::Pickup(pickup));
            send(&reports, Event::PickupFound { order });
        }
        Err(e) => {
            info!(error = %e, "pickup refused");
            send(&reports, Event::PickupRefused { why: problem_of(&e) });
        }
    }
}

/// Asks the central for the QRIS payment of an unpaid order, under the
/// attempt's key, and reports it as a cart's payment is reported (the
/// worker watches it the same way). The central answers an order's live
/// payment, if it has one, whatever the key: never a second.
pub(super) async fn pay_order(
    device: Device,
    pickup: Pickup,
    attempt: String,
    clock: Clock,
    reports: mpsc::UnboundedSender<Report>,
) {
    match device.pay_order(&pickup, &attempt).await {
        Ok(payment) => {
            info!(payment = payment.id, amount = payment.amount.0, "order payment created");
            super::paying::report_created(attempt, payment, &clock, &reports);
        }
        Err(e) => {
            warn!(order = %pickup.order_id, error = %e, "order payment not created");
            let why = match &e {
                PickupFailure::Central(c) if c.is_retryable() => {
                    let _ = reports.send(Report::Online(false));
                    NotCreated::Unreachable
                }
                PickupFailure::Central(c) => {
                    NotCreated::Refused { message: c.refusal().unwrap_or_default().to_owned() }
                }
                other => NotCreated::Refused { message: other.to_string() },
            };
            send(&reports, Event::PaymentNotCreated { attempt, why });
        }
    }
}

/// Records the opening of `pickup` (paid by `payment_id` if it was paid
/// here), unlocks its compartment once and follows the door: an empty
/// compartment after it closes confirms the pickup; a door never opened,
/// or closed on the order, takes the opening back so the code stays
/// valid; a door left open is told to staff.
pub(super) async fn open(
    device: Device,
    bank: SharedBank,
    pickup: Pickup,
    payment_id: Option<String>,
    limits: DoorLimits,
    reports: mpsc::UnboundedSender<Report>,
) {
    if let Err(e) = device.open_for_pickup(&pickup, payment_id.as_deref(), Utc::now()).await {
        warn!(order = %pickup.order_id, error = %e, "pickup not opened");
        send(&reports, Event::PickupRefused { why: problem_of(&e) });
        return;
    }
    let compartment = pickup.compartment;
    let Ok(number) = u16::try_from(compartment) else {
        send(&reports, Event::PickupRefused { why: PickupProblem::Unavailable });
        return;
    };
    let (tx, runtime) = (reports.clone(), tokio::runtime::Handle::current());
    let (alerting, order_id) = (device.clone(), pickup.order_id.clone());
    let watched = tokio::task::spawn_blocking(move || {
        let mut bank = bank.lock().unwrap_or_else(|p| p.into_inner());
        unlock_and_watch(bank.as_mut(), number, limits, POLL_EVERY, |e| match e {
            DoorEvent::Opened => send(&tx, Event::DoorOpened),
            DoorEvent::LeftOpen => {
                send(&tx, Event::DoorLeftOpen);
                // The watch goes on here; the alert goes from the runtime.
                let (device, order) = (alerting.clone(), order_id.clone());
                runtime.spawn(async move {
                    if let Err(e) = device.door_left_open(&order, Utc::now()).await {
                        warn!(order, error = %e, "door left open not recorded");
                    }
                });
            }
            DoorEvent::NotOpened | DoorEvent::Closed { .. } => {}
        })
    })
    .await;

    let order = pickup.order_id.as_str();
    let event = match watched {
        // A bank without sensors cannot tell; a door opened and closed
        // again is taken as collected.
        Ok(Ok(DoorEvent::Closed { occupancy: Some(Occupancy::Empty) | None })) => {
            match device.confirm_pickup(order).await {
                Ok(answer) => {
                    info!(order, compartment, sent = answer.is_some(), "pickup confirmed");
                    Event::PickupCollected
                }
                Err(e) => {
                    warn!(order, error = %e, "pickup not confirmed; staff must check");
                    Event::PickupRefused { why: PickupProblem::Unavailable }
                }
            }
        }
        Ok(Ok(DoorEvent::Closed { occupancy: Some(Occupancy::Occupied) })) => {
            take_back(&device, order).await;
            Event::PickupRefused { why: PickupProblem::NotTaken { compartment } }
        }
        Ok(Ok(DoorEvent::NotOpened | DoorEvent::Opened | DoorEvent::LeftOpen)) => {
            take_back(&device, order).await;
            Event::PickupRefused { why: PickupProblem::DoorNotOpened { compartment } }
        }
        // The opening stays recorded, unconfirmed: staff look at it.
        Ok(Err(e)) => {
            warn!(order, compartment, error = %e, "locker failed during a pickup");
            Event::PickupRefused { why: PickupProblem::Unavailable }
        }
        Err(e) => {
            warn!(order, compartment, error = %e, "door watch stopped");
            Event::PickupRefused { why: PickupProblem::Unavailable }
        }
    };
    send(&reports, event);
}

/// Settles, at start, the openings an earlier run left unconfirmed (the
/// kiosk stopped between the unlock and the empty compartment): the bank
/// is read with its lock held in a blocking task, then each shut, empty
/// compartment confirms its pickup once.
pub(super) async fn settle_at_start(device: Device, bank: SharedBank) {
    let openings = match device.unconfirmed_openings().await {
        Ok(openings) if openings.is_empty() => return,
        Ok(openings) => openings,
        Err(e) => {
            warn!(error = %e, "cannot read the earlier openings");
            return;
        }
    };
    let read = tokio::task::spawn_blocking(move || {
        let mut bank = bank.lock().unwrap_or_else(|p| p.into_inner());
        crate::checkout::read_earlier_openings(bank.as_mut(), openings)
    })
    .await;
    let settled = match read {
        Ok(read) => crate::checkout::settle_read(&device, read).await,
        Err(e) => {
            warn!(error = %e, "earlier openings not read");
            return;
        }
    };
    match settled {
        Ok(settled) => info!(openings = settled.len(), "earlier openings settled"),
        Err(e) => warn!(error = %e, "earlier openings not settled"),
    }
}

async fn take_back(device: &Device, order: &str) {
    if let Err(e) = device.door_not_opened(order).await {
        warn!(order, error = %e, "opening not taken back");
    }
}

/// What the customer is told about `e`.
fn problem_of(e: &PickupFailure) -> PickupProblem {
    use PickupProblem as P;
    match e {
        PickupFailure::Refused(e) => match e {
            PickupError::Token(TokenError::Expired(_)) | PickupError::Expired => P::Expired,
            PickupError::Token(_) => P::BadQr,
            PickupError::WrongCode { left } => P::WrongDigits { left: *left },
            PickupError::Locked { wait } => P::Locked { wait: wait.clone() },
            PickupError::OpenedAlready => P::Collected,
            PickupError::OtherStore { .. } | PickupError::BadForm | PickupError::NotHere => {
                P::Unknown
            }
            PickupError::UnpaidOffline => P::UnpaidOffline,
        },
        PickupFailure::Central(e) => {
            let message = e.refusal().unwrap_or_default();
            match e {
                crate::central::client::ClientError::Refused { code, .. } => {
                    central_problem(code, message)
                }
                _ => P::Unavailable,
            }
        }
        PickupFailure::NoStore | PickupFailure::NoKey | PickupFailure::Device(_) => P::Unavailable,
    }
}

/// The customer's problem in a refusal of the central, by its code.
///
/// TODO: the central gives the tries left and the wait only inside its
/// message; fields of their own in the refusal would spare reading it.
fn central_problem(code: &str, message: &str) -> PickupProblem {
    use PickupProblem as P;
    match code {
        "wrong_code" => P::WrongDigits { left: tries_left(message).unwrap_or(0) },
        "code_locked" => P::Locked { wait: wait_of(message).unwrap_or_default() },
        "order_state" if message.contains("collected already") => P::Collected,
        "order_state" if message.contains("expired") => P::Expired,
        "not_found" | "order_state" => P::Unknown,
        _ => P::Unavailable,
    }
}

/// `4` of "... (4 tries left / sisa 4 kali)".
fn tries_left(message: &str) -> Option<u32> {
    let before = &message[..message.find(" tries left")?];
    let digits = before.rsplit(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

/// `5 min` of "... (wait 5 min / tunggu 5 min)".
fn wait_of(message: &str) -> Option<String> {
    let from = message.find("(wait ")? + "(wait ".len();
    let len = message[from..].find(" /")?;
    Some(message[from..from + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_central_words_give_the_tries_left_and_the_wait() {
        // The central's texts, as PickupError displays them.
        let wrong = PickupError::WrongCode { left: 3 }.to_string();
        assert_eq!(central_problem("wrong_code", &wrong), PickupProblem::WrongDigits { left: 3 });
        let locked = PickupError::Locked { wait: "4 min 30 s".into() }.to_string();
        assert_eq!(
            central_problem("code_locked", &locked),
            PickupProblem::Locked { wait: "4 min 30 s".into() }
        );
        let collected = "cannot collect this order: it was collected already";
        assert_eq!(central_problem("order_state", collected), PickupProblem::Collected);
        assert_eq!(central_problem("boom", "?"), PickupProblem::Unavailable);
    }
}

/// What the pickup screens show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PickupView {
    pub stage: ui::PickupStage,
    pub code: String,
    pub phone: String,
    pub ready: bool,
    pub problem: ui::PickupProblem,
    pub problem_arg: String,
    pub compartment: i32,
    pub left_open: bool,
}

impl PickupView {
    pub(super) fn of(stage: &PickupStage) -> PickupView {
        use PickupStage as S;
        let mut view = PickupView::default();
        match stage {
            S::Entering { code, phone, problem } => {
                view.code = code.clone();
                view.phone = phone.clone();
                view.ready = code.len() == CODE_DIGITS && phone.len() == PHONE_DIGITS;
                if let Some(p) = problem {
                    (view.problem, view.problem_arg, view.compartment) = problem_view(p);
                }
            }
            // The payment screen shows the order being paid.
            S::Checking | S::Paying { .. } => view.stage = ui::PickupStage::Checking,
            S::Opening { compartment, .. } => {
                view.stage = ui::PickupStage::Open;
                view.compartment = *compartment as i32;
            }
            S::Open { compartment, left_open, .. } => {
                view.stage = ui::PickupStage::Open;
                view.compartment = *compartment as i32;
                view.left_open = *left_open;
            }
            S::Collected { compartment } => {
                view.stage = ui::PickupStage::Collected;
                view.compartment = *compartment as i32;
            }
        }
        view
    }

    pub(super) fn apply(&self, window: &ui::AppWindow) {
        let pickup = window.global::<ui::PickupAdapter>();
        pickup.set_stage(self.stage);
        pickup.set_code(self.code.as_str().into());
        pickup.set_phone(self.phone.as_str().into());
        pickup.set_ready(self.ready);
        pickup.set_problem(self.problem);
        pickup.set_problem_arg(self.problem_arg.as_str().into());
        pickup.set_compartment(self.compartment);
        pickup.set_left_open(self.left_open);
    }
}

/// The problem on screen, the words its text needs, and its compartment.
fn problem_view(problem: &PickupProblem) -> (ui::PickupProblem, String, i32) {
    use PickupProblem as P;
    use ui::PickupProblem as U;
    let none = String::new;
    match problem {
        P::Unknown => (U::Unknown, none(), 0),
        P::Collected => (U::Collected, none(), 0),
        P::WrongDigits { left } => (U::WrongDigits, left.to_string(), 0),
        P::Locked { wait } => (U::Locked, wait.clone(), 0),
        P::UnpaidOffline => (U::Unpaid, none(), 0),
        P::PaymentCancelled => (U::PaymentCancelled, none(), 0),
        P::Expired => (U::Expired, none(), 0),
        P::BadQr => (U::BadQr, none(), 0),
        P::DoorNotOpened { compartment } => (U::DoorNotOpened, none(), *compartment as i32),
        P::NotTaken { compartment } => (U::NotTaken, none(), *compartment as i32),
        P::Unavailable => (U::Unavailable, none(), 0),
    }
}
