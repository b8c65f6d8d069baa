//! Paying for an unpaid order at the locker, before its door opens: the
//! kiosk's QRIS payment screen, for the order's total.
//!
//! The stages are the cart's [`PayStage`]s, but fewer: no customer-presented
//! code, no retrying while the central is out of reach (an order is paid
//! through the central, so the customer is told plainly and keeps the code),
//! and a paid payment opens the compartment instead of recording a sale.

use std::time::Instant;

use super::pickup::{entering, opening};
use super::{
    EXPIRY_GRACE, Effect, Event, ExpiryCheck, Failure, FoundOrder, NotCreated, PayStage,
    PickupProblem, PickupStage, State, Visit, stale,
};
use crate::domain::Rupiah;

impl Visit {
    /// A new try at paying for `order`, with a key of its own.
    pub(super) fn start_order_attempt(&mut self, order: FoundOrder) -> (State, Vec<Effect>) {
        let attempt = self.new_attempt_key();
        let paying = |order, attempt, stage| State::Pickup {
            stage: PickupStage::Paying { order, attempt, stage },
        };
        if order.total > Rupiah::QRIS_MAX {
            let stage = PayStage::Failed { failure: Failure::OverLimit };
            return (paying(order, attempt, stage), vec![]);
        }
        let effect = Effect::PayOrder {
            attempt: attempt.clone(),
            order_id: order.order_id.clone(),
            amount: order.total,
        };
        let stage = PayStage::Creating { tries: 1, failing_since: None };
        (paying(order, attempt, stage), vec![effect])
    }

    /// The transitions of the payment screen while an order is paid.
    pub(super) fn next_pickup_paying(
        &mut self,
        order: FoundOrder,
        attempt: String,
        stage: PayStage,
        event: Event,
        now: Instant,
    ) -> (State, Vec<Effect>) {
        use Event as E;
        use PayStage as P;

        let paying = |stage| State::Pickup {
            stage: PickupStage::Paying { order: order.clone(), attempt: attempt.clone(), stage },
        };
        match (stage, event) {
            (P::Creating { .. }, E::PaymentCreated { attempt: a, payment }) if a == attempt => {
                let effect = Effect::WatchPayment { id: payment.id.clone() };
                (paying(P::Pending { payment, problem: None }), vec![effect])
            }
            // Without the central no payment can be made: the customer
            // is told so, and the code stays valid. A payment the lost
            // answer may have made is the one the next try gets back.
            (P::Creating { .. }, E::PaymentNotCreated { attempt: a, why }) if a == attempt => {
                match why {
                    NotCreated::Unreachable => {
                        (entering(Some(PickupProblem::UnpaidOffline)), vec![])
                    }
                    NotCreated::OverLimit => {
                        (paying(P::Failed { failure: Failure::OverLimit }), vec![])
                    }
                    NotCreated::Refused { message } => {
                        (paying(P::Failed { failure: Failure::Refused { message } }), vec![])
                    }
                }
            }
            // The answer, when it comes, is stale and cancelled as such.
            (P::Creating { .. }, E::Cancel) => (entering(None), vec![]),

            // The code on screen.
            (P::Pending { payment, .. }, E::Tick) if now >= payment.expires_at => {
                (paying(P::Expired { payment, check: ExpiryCheck::Checking }), vec![])
            }
            (P::Pending { payment, .. }, E::Cancel) => {
                let effect = Effect::CancelPayment { id: payment.id.clone() };
                (paying(P::Cancelling { payment }), vec![effect])
            }
            (P::Pending { payment, problem }, E::SimulatePaid) => {
                let effect = Effect::SimulatePayment { id: payment.id.clone() };
                (paying(P::Pending { payment, problem }), vec![effect])
            }

            // The central's word on the payment: paid opens the door.
            (stage, E::PaymentPaid { id }) if pays(&stage, &id) => opening(order, Some(id)),
            (
                P::Cancelling { payment },
                E::PaymentCancelled { id } | E::PaymentExpired { id } | E::PaymentFailed { id },
            ) if id == payment.id => (entering(Some(PickupProblem::PaymentCancelled)), vec![]),
            // Whether the customer paid is unknown; if they did, the next
            // try finds that payment paid and opens without a second one.
            (P::Cancelling { payment }, E::CancelUnconfirmed { id }) if id == payment.id => {
                (entering(Some(PickupProblem::Unavailable)), vec![])
            }
            (
                P::Pending { payment, .. } | P::Expired { payment, check: ExpiryCheck::Checking },
                E::PaymentExpired { id } | E::PaymentCancelled { id },
            ) if id == payment.id => {
                (paying(P::Expired { payment, check: ExpiryCheck::Confirmed }), vec![])
            }
            (
                P::Pending { payment, .. } | P::Expired { payment, check: ExpiryCheck::Checking },
                E::PaymentFailed { id },
            ) if id == payment.id => (paying(P::Failed { failure: Failure::Declined }), vec![]),

            // Out of time.
            (P::Expired { payment, check: ExpiryCheck::Checking }, E::Tick)
                if now >= payment.expires_at + EXPIRY_GRACE =>
            {
                (paying(P::Expired { payment, check: ExpiryCheck::Unknown }), vec![])
            }
            (
                P::Expired { check: ExpiryCheck::Confirmed | ExpiryCheck::Unknown, .. },
                E::PayAgain,
            ) => self.start_order_attempt(order),
            (P::Failed { failure }, E::PayAgain) if failure != Failure::OverLimit => {
                self.start_order_attempt(order)
            }
            (
                P::Expired { check: ExpiryCheck::Confirmed | ExpiryCheck::Unknown, .. }
                | P::Failed { .. },
                E::BackToCart | E::Cancel,
            ) => (entering(None), vec![]),

            (
                stage,
                E::PaymentCreated { attempt: a, .. } | E::PaymentNotCreated { attempt: a, .. },
            ) if a == attempt => (paying(stage), vec![]),
            (stage, event) => (paying(stage), stale(event)),
        }
    }
}

/// Returns true if and only if `stage` waits on payment `id` and a report
/// that it was paid opens the door: after the code ran out on screen too,
/// while the customer is still there.
fn pays(stage: &PayStage, id: &str) -> bool {
    match stage {
        PayStage::Pending { payment, .. }
        | PayStage::Cancelling { payment }
        | PayStage::Expired { payment, check: ExpiryCheck::Checking | ExpiryCheck::Unknown } => {
            payment.id == id
        }
        _ => false,
    }
}
