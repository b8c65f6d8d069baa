//! The transitions of the payment screen: creating the payment (retried
//! with the same key while the central cannot be reached), the code on
//! screen until it is paid, cancelled, failed or out of time, and the sale.

use std::time::{Duration, Instant};

use super::{
    CONNECT_PATIENCE, EXPIRY_GRACE, Effect, Event, ExpiryCheck, Failure, NotCreated, Notice,
    PayStage, Payment, State, Visit, scanning, stale,
};
use crate::domain::cart::Cart;
use crate::domain::qris;

/// The longest pause between two tries at creating a payment.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

impl Visit {
    pub(super) fn next_paying(
        &mut self,
        cart: Cart,
        attempt: String,
        stage: PayStage,
        event: Event,
        now: Instant,
    ) -> (State, Vec<Effect>) {
        use Event as E;
        use PayStage as P;

        let paying = |stage| State::Paying { cart: cart.clone(), attempt: attempt.clone(), stage };
        match (stage, event) {
            // Creating the payment.
            (
                P::Creating { .. } | P::Connecting { .. },
                E::PaymentCreated { attempt: a, payment },
            ) if a == attempt => {
                let effect = Effect::WatchPayment { id: payment.id.clone() };
                (paying(P::Pending { payment, problem: None }), vec![effect])
            }
            (P::Creating { tries, failing_since }, E::PaymentNotCreated { attempt: a, why })
                if a == attempt =>
            {
                match why {
                    NotCreated::Unreachable => {
                        let since = failing_since.unwrap_or(now);
                        let retry_at = now + backoff(tries);
                        if retry_at.saturating_duration_since(since) > CONNECT_PATIENCE {
                            let failed = P::Failed { failure: Failure::Unreachable };
                            (paying(failed), vec![Effect::GiveUpPayment { attempt }])
                        } else {
                            (
                                paying(P::Connecting { tries, failing_since: since, retry_at }),
                                vec![],
                            )
                        }
                    }
                    NotCreated::OverLimit => {
                        (paying(P::Failed { failure: Failure::OverLimit }), vec![])
                    }
                    NotCreated::Refused { message } => {
                        (paying(P::Failed { failure: Failure::Refused { message } }), vec![])
                    }
                }
            }
            (P::Connecting { tries, failing_since, retry_at }, E::Tick) if now >= retry_at => {
                let effect = Effect::CreatePayment {
                    attempt: attempt.clone(),
                    cart: cart.clone(),
                    amount: self.bill.to_pay,
                    checkout: self.checkout(),
                };
                let stage = P::Creating { tries: tries + 1, failing_since: Some(failing_since) };
                (paying(stage), vec![effect])
            }
            // A request is out: its answer, when it comes, is stale and
            // handled as such.
            (P::Creating { .. }, E::Cancel) => (scanning(cart, None), vec![]),
            // The payment may exist: it must never become a sale.
            (P::Connecting { .. }, E::Cancel) => {
                (scanning(cart, None), vec![Effect::GiveUpPayment { attempt }])
            }

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
            // A wallet's own code, shown to the scanner, pays the payment
            // on screen; anything else scanned here is ignored.
            (P::Pending { payment, .. }, E::Scanned { code })
                if now < payment.expires_at && qris::is_cpm(&code) =>
            {
                let effect = Effect::ChargeCustomerCode { id: payment.id.clone(), code };
                (paying(P::Charging { payment }), vec![effect])
            }
            (P::Charging { payment }, E::CodeNotCharged { id, why }) if id == payment.id => {
                (paying(P::Pending { payment, problem: Some(why) }), vec![])
            }

            // The central's word on the payment.
            (stage, E::PaymentPaid { id }) if pays(&stage, &id) => {
                let payment = payment_of(&stage).expect("a stage that pays has a payment").clone();
                let effect = Effect::RecordSale {
                    cart: cart.clone(),
                    payment: payment.clone(),
                    checkout: self.checkout(),
                };
                (paying(P::Recording { payment }), vec![effect])
            }
            (P::Cancelling { payment }, E::PaymentExpired { id }) if id == payment.id => {
                (scanning(cart, Some(Notice::PaymentExpired)), vec![])
            }
            (P::Cancelling { payment }, E::PaymentCancelled { id } | E::PaymentFailed { id })
                if id == payment.id =>
            {
                (scanning(cart, Some(Notice::PaymentCancelled)), vec![])
            }
            // The kiosk cannot know whether the shopper paid; the cart goes
            // back and the payment is given up.
            (P::Cancelling { payment }, E::CancelUnconfirmed { id }) if id == payment.id => {
                let effect = Effect::GiveUpPayment { attempt };
                (scanning(cart, Some(Notice::CancelUnconfirmed)), vec![effect])
            }
            (
                P::Pending { payment, .. }
                | P::Charging { payment }
                | P::Expired { payment, check: ExpiryCheck::Checking },
                E::PaymentExpired { id } | E::PaymentCancelled { id },
            ) if id == payment.id => {
                (paying(P::Expired { payment, check: ExpiryCheck::Confirmed }), vec![])
            }
            (
                P::Pending { payment, .. }
                | P::Charging { payment }
                | P::Expired { payment, check: ExpiryCheck::Checking },
                E::PaymentFailed { id },
            ) if id == payment.id => (paying(P::Failed { failure: Failure::Declined }), vec![]),

            // Out of time.
            (P::Expired { payment, check: ExpiryCheck::Checking }, E::Tick)
                if now >= payment.expires_at + EXPIRY_GRACE =>
            {
                let stage = P::Expired { payment, check: ExpiryCheck::Unknown };
                (paying(stage), vec![Effect::GiveUpPayment { attempt }])
            }
            (
                P::Expired { check: ExpiryCheck::Confirmed | ExpiryCheck::Unknown, .. },
                E::PayAgain,
            ) => self.start_attempt(cart),
            (P::Failed { failure }, E::PayAgain) if failure != Failure::OverLimit => {
                self.start_attempt(cart)
            }
            (
                P::Expired { check: ExpiryCheck::Confirmed | ExpiryCheck::Unknown, .. }
                | P::Failed { .. },
                E::BackToCart,
            ) => (scanning(cart, None), vec![]),

            // The sale.
            (P::Recording { .. }, E::SaleRecorded { transaction_id, url }) => {
                let receipt = super::Receipt {
                    transaction_id,
                    url,
                    total: self.bill.to_pay,
                    points_redeemed: self.bill.points_redeemed,
                    points_earned: self.bill.points_earned,
                };
                // The cart is dropped here: the shopper's items leave memory.
                (State::Done { receipt }, vec![])
            }
            (P::Recording { payment }, E::SaleFailed) => {
                (paying(P::RecordFailed { payment }), vec![])
            }

            // Reports about another attempt, a late lookup, a scan of
            // anything else, a touch: nothing changes but the idle clock.
            // The attempt's own answer cannot come twice (one request is
            // out at a time); one that did must not cancel its payment.
            (
                stage,
                E::PaymentCreated { attempt: a, .. } | E::PaymentNotCreated { attempt: a, .. },
            ) if a == attempt => (paying(stage), vec![]),
            (stage, event) => (paying(stage), stale(event)),
        }
    }
}

/// Returns true if and only if `stage` is waiting on payment `id` and a
/// report that it was paid completes the sale. After the kiosk gave the
/// code up on screen but before the shopper moved on, a payment that turns
/// out paid still becomes the sale: the shopper is there with the goods.
fn pays(stage: &PayStage, id: &str) -> bool {
    match stage {
        PayStage::Pending { payment, .. }
        | PayStage::Charging { payment }
        | PayStage::Cancelling { payment }
        | PayStage::Expired { payment, check: ExpiryCheck::Checking | ExpiryCheck::Unknown } => {
            payment.id == id
        }
        _ => false,
    }
}

/// The payment a stage is about, if it has one.
pub fn payment_of(stage: &PayStage) -> Option<&Payment> {
    match stage {
        PayStage::Creating { .. } | PayStage::Connecting { .. } | PayStage::Failed { .. } => None,
        PayStage::Pending { payment, .. }
        | PayStage::Charging { payment }
        | PayStage::Cancelling { payment }
        | PayStage::Expired { payment, .. }
        | PayStage::Recording { payment }
        | PayStage::RecordFailed { payment } => Some(payment),
    }
}

/// The pause after the `tries`-th failed request: 1, 2, 4, then 8 s.
fn backoff(tries: u32) -> Duration {
    (Duration::from_secs(1) * 2u32.pow(tries.saturating_sub(1).min(3))).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_eight_seconds() {
        let secs: Vec<u64> = (1..=6).map(|t| backoff(t).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 8, 8]);
    }
}
