//! Collecting an order from the lockers: the code (or the pickup QR), its
//! check, the open door and the thank-you.
//!
//! The kiosk types the 6-digit code and then the last four digits of the
//! phone into one keypad; the check, the unlock and the door's watch are
//! effects, whose results come back as events. An unpaid order is paid by
//! QRIS first, on the payment screen (see [`super::pickup_pay`]).

use std::time::Instant;

use super::{Effect, Event, PayStage, State, Visit};
use crate::domain::Rupiah;

/// The digits of a typed pickup code.
pub const CODE_DIGITS: usize = crate::domain::pickup::CODE_DIGITS;
/// The digits of the phone number's end that go with it.
pub const PHONE_DIGITS: usize = 4;

/// The steps of collecting an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickupStage {
    /// The customer types the code, then the phone digits, or scans the
    /// QR; `problem` says why the last try did not open.
    Entering { code: String, phone: String, problem: Option<PickupProblem> },
    /// The code is being checked (with the central, or the manifest).
    Checking,
    /// The order is unpaid: its total is paid by QRIS on the payment
    /// screen before the door opens. `attempt` is the idempotency key of
    /// this try at paying, as a cart's attempt is; the central also never
    /// makes a second live payment for one order (see the README).
    Paying { order: FoundOrder, attempt: String, stage: PayStage },
    /// The opening is recorded and the unlock sent; the door is awaited.
    Opening { order_id: String, compartment: u32 },
    /// The door is open; `left_open` once it has been open too long.
    Open { order_id: String, compartment: u32, left_open: bool },
    /// The door closed on an empty compartment: collected.
    Collected { compartment: u32 },
}

/// Why a pickup did not open, or did not end in a collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickupProblem {
    /// No order has this code (or it is not in this store's lockers).
    Unknown,
    /// The order was collected already.
    Collected,
    /// The code or the phone digits are wrong; `left` tries remain.
    WrongDigits { left: u32 },
    /// Too many wrong tries: typed codes wait `wait` (in words).
    Locked { wait: String },
    /// The order is not paid, and the kiosk has no central to pay it
    /// with: the code stays valid for when it is back.
    UnpaidOffline,
    /// The payment of the order was cancelled (or ran out) and nothing
    /// was charged; the code stays valid.
    PaymentCancelled,
    /// Past its pickup deadline.
    Expired,
    /// The pickup QR is damaged or not this retailer's.
    BadQr,
    /// The door was not opened in time and locked again; the code stays
    /// valid.
    DoorNotOpened { compartment: u32 },
    /// The door closed with the order still inside; the code stays valid.
    NotTaken { compartment: u32 },
    /// The kiosk or the lockers could not do it; staff can help.
    Unavailable,
}

/// An order found for a pickup, as the visit needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundOrder {
    pub order_id: String,
    pub compartment: u32,
    pub paid: bool,
    pub total: Rupiah,
}

/// The opening of `order`'s compartment, paid by `payment_id` if it was
/// paid here.
pub(super) fn opening(order: FoundOrder, payment_id: Option<String>) -> (State, Vec<Effect>) {
    let FoundOrder { order_id, compartment, .. } = order;
    let effect = Effect::OpenCompartment { order_id: order_id.clone(), compartment, payment_id };
    (State::Pickup { stage: PickupStage::Opening { order_id, compartment } }, vec![effect])
}

pub(super) fn entering(problem: Option<PickupProblem>) -> State {
    State::Pickup {
        stage: PickupStage::Entering { code: String::new(), phone: String::new(), problem },
    }
}

impl Visit {
    /// The transitions of collecting an order.
    pub(super) fn next_pickup(
        &mut self,
        stage: PickupStage,
        event: Event,
        now: Instant,
    ) -> (State, Vec<Effect>) {
        use Event as E;
        use PickupStage as P;

        let at = |stage| State::Pickup { stage };
        match (stage, event) {
            (P::Entering { mut code, mut phone, problem }, E::KeypadDigit { digit })
                if digit.is_ascii_digit() =>
            {
                // The code first; its last digit moves on to the phone.
                if code.len() < CODE_DIGITS {
                    code.push(digit);
                } else if phone.len() < PHONE_DIGITS {
                    phone.push(digit);
                }
                (at(P::Entering { code, phone, problem }), vec![])
            }
            (P::Entering { mut code, mut phone, problem }, E::KeypadDelete) => {
                if phone.pop().is_none() {
                    code.pop();
                }
                (at(P::Entering { code, phone, problem }), vec![])
            }
            (P::Entering { code, phone, .. }, E::KeypadEnter)
                if code.len() == CODE_DIGITS && phone.len() == PHONE_DIGITS =>
            {
                (at(P::Checking), vec![Effect::VerifyPickupCode { code, phone_last4: phone }])
            }
            (P::Entering { .. }, E::Scanned { code }) => {
                (at(P::Checking), vec![Effect::VerifyPickupToken { token: code }])
            }
            (P::Entering { .. }, E::Cancel) => (State::Welcome, vec![Effect::EndVisit]),
            (P::Checking, E::PickupFound { order }) if !order.paid => {
                self.start_order_attempt(order)
            }
            (P::Checking, E::PickupFound { order }) => opening(order, None),
            (P::Paying { order, attempt, stage }, event) => {
                self.next_pickup_paying(order, attempt, stage, event, now)
            }
            (P::Checking | P::Opening { .. } | P::Open { .. }, E::PickupRefused { why }) => {
                (entering(Some(why)), vec![])
            }
            (P::Opening { order_id, compartment }, E::DoorOpened) => {
                (at(P::Open { order_id, compartment, left_open: false }), vec![])
            }
            (P::Open { order_id, compartment, .. }, E::DoorLeftOpen) => {
                (at(P::Open { order_id, compartment, left_open: true }), vec![])
            }
            (P::Opening { compartment, .. } | P::Open { compartment, .. }, E::PickupCollected) => {
                (at(P::Collected { compartment }), vec![])
            }
            (P::Collected { .. }, E::Finish) => (State::Welcome, vec![Effect::EndVisit]),
            // A payment made for a try the customer left is cancelled.
            (stage, event) => (at(stage), super::stale(event)),
        }
    }
}
