//! The gateway simulator: a bank in memory, for demos and tests.
//!
//! It issues real dynamic QRIS codes for the configured merchant and keeps
//! its own state per payment, as a real gateway would; nothing is paid
//! until someone drives it with [`Simulator::settle`] (the API's
//! `POST /v1/payments/{id}/simulate`) or charges a customer-presented code.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use super::{
    CustomerCode, Gateway, GatewayError, GatewayPayment, GatewayState, Notification, QrIssued,
    QrRequest, RefundRequest,
};
use crate::domain::Rupiah;
use crate::domain::qris::{self, Merchant};

const NAME: &str = "simulator";

/// How a simulated shopper or bank ends a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    Failed,
    Expired,
    Cancelled,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the simulator issued no code under reference {0}")]
    Unknown(String),
    #[error("the simulated code of payment {id} is {state}, no longer payable")]
    NotPayable { id: String, state: &'static str },
}

/// How often each gateway call was made, for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calls {
    pub create_qr: u32,
    pub query: u32,
    pub cancel: u32,
    pub refund: u32,
    pub charge_customer_code: u32,
}

#[derive(Default)]
struct Counters {
    create_qr: AtomicU32,
    query: AtomicU32,
    cancel: AtomicU32,
    refund: AtomicU32,
    charge_customer_code: AtomicU32,
}

struct SimPayment {
    qris: String,
    amount: Rupiah,
    expires_at: DateTime<Utc>,
    state: GatewayState,
    refunded: Rupiah,
    refund_ids: HashSet<String>,
}

impl SimPayment {
    /// The state as of `now`: a pending code past its validity is expired.
    fn current(&mut self, now: DateTime<Utc>) -> &GatewayState {
        if self.state == GatewayState::Pending && now >= self.expires_at {
            self.state = GatewayState::Expired;
        }
        &self.state
    }
}

fn state_name(s: &GatewayState) -> &'static str {
    match s {
        GatewayState::Pending => "pending",
        GatewayState::Paid { .. } => "paid",
        GatewayState::Expired => "expired",
        GatewayState::Cancelled => "cancelled",
        GatewayState::Failed { .. } => "failed",
    }
}

struct Inner {
    merchant: Merchant,
    /// A std mutex: held only for map updates, never across an `.await`.
    payments: Mutex<HashMap<String, SimPayment>>,
    calls: Counters,
}

/// The simulator; clones share one state.
#[derive(Clone)]
pub struct Simulator(Arc<Inner>);

impl Simulator {
    /// A simulator whose codes pay `merchant`.
    pub fn new(merchant: Merchant) -> Simulator {
        Simulator(Arc::new(Inner {
            merchant,
            payments: Mutex::new(HashMap::new()),
            calls: Counters::default(),
        }))
    }

    /// How many times each call was made so far.
    pub fn calls(&self) -> Calls {
        let c = &self.0.calls;
        let get = |a: &AtomicU32| a.load(Ordering::SeqCst);
        Calls {
            create_qr: get(&c.create_qr),
            query: get(&c.query),
            cancel: get(&c.cancel),
            refund: get(&c.refund),
            charge_customer_code: get(&c.charge_customer_code),
        }
    }

    /// Ends a payable code the way a shopper or the bank would. The central
    /// only learns of it when it asks (a notification, its poller).
    /// `reference` is the code's partner reference: the payment id unless
    /// the central needed more than one attempt to issue it.
    pub fn settle(&self, reference: &str, outcome: Outcome) -> Result<(), SimError> {
        let mut payments = self.lock();
        let p = payments.get_mut(reference).ok_or_else(|| SimError::Unknown(reference.into()))?;
        let state = p.current(Utc::now());
        if *state != GatewayState::Pending {
            return Err(SimError::NotPayable { id: reference.into(), state: state_name(state) });
        }
        p.state = match outcome {
            Outcome::Paid => GatewayState::Paid { paid_at: Some(Utc::now()) },
            Outcome::Failed => GatewayState::Failed { reason: "declined by the issuer".into() },
            Outcome::Expired => GatewayState::Expired,
            Outcome::Cancelled => GatewayState::Cancelled,
        };
        Ok(())
    }

    /// The sum refunded of a code (by partner reference) so far.
    pub fn refunded(&self, reference: &str) -> Option<Rupiah> {
        self.lock().get(reference).map(|p| p.refunded)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SimPayment>> {
        self.0.payments.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn count(&self, pick: impl Fn(&Counters) -> &AtomicU32) {
        pick(&self.0.calls).fetch_add(1, Ordering::SeqCst);
    }

    fn refused(what: &'static str, code: &str, message: String) -> GatewayError {
        GatewayError::Refused { gateway: NAME, what, code: code.into(), message }
    }

    /// Runs `f` on the simulated payment, or refuses an unknown one.
    fn with<T>(
        &self,
        what: &'static str,
        id: &str,
        f: impl FnOnce(&mut SimPayment) -> Result<T, GatewayError>,
    ) -> Result<T, GatewayError> {
        let mut payments = self.lock();
        match payments.get_mut(id) {
            Some(p) => f(p),
            None => Err(Self::refused(what, "404", format!("no code issued for {id}"))),
        }
    }
}

#[async_trait]
impl Gateway for Simulator {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_qr(&self, req: &QrRequest) -> Result<QrIssued, GatewayError> {
        self.count(|c| &c.create_qr);
        let mut payments = self.lock();
        // The same reference gives the same code, as the trait asks.
        if let Some(p) = payments.get_mut(&req.reference) {
            if p.state == GatewayState::Pending {
                p.expires_at = req.expires_at;
            }
            return Ok(QrIssued {
                qris: p.qris.clone(),
                gateway_ref: Some(sim_ref(&req.reference)),
            });
        }
        let qris = qris::dynamic_payload(&self.0.merchant, req.amount, &req.reference)
            .map_err(|e| Self::refused("a QR code", "400", e.to_string()))?;
        payments.insert(
            req.reference.clone(),
            SimPayment {
                qris: qris.clone(),
                amount: req.amount,
                expires_at: req.expires_at,
                state: GatewayState::Pending,
                refunded: Rupiah(0),
                refund_ids: HashSet::new(),
            },
        );
        Ok(QrIssued { qris, gateway_ref: Some(sim_ref(&req.reference)) })
    }

    async fn query(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError> {
        self.count(|c| &c.query);
        self.with("a query", &p.reference, |sp| Ok(sp.current(Utc::now()).clone()))
    }

    async fn cancel(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError> {
        self.count(|c| &c.cancel);
        self.with("a cancel", &p.reference, |sp| {
            if *sp.current(Utc::now()) == GatewayState::Pending {
                sp.state = GatewayState::Cancelled;
            }
            Ok(sp.state.clone())
        })
    }

    async fn refund(&self, p: &GatewayPayment, refund: &RefundRequest) -> Result<(), GatewayError> {
        self.count(|c| &c.refund);
        self.with("a refund", &p.reference, |sp| {
            if sp.refund_ids.contains(&refund.refund_id) {
                return Ok(());
            }
            if !matches!(sp.state, GatewayState::Paid { .. }) {
                let state = state_name(&sp.state);
                return Err(Self::refused("a refund", "409", format!("the payment is {state}")));
            }
            let total = sp.refunded.0.checked_add(refund.amount.0);
            if total.is_none_or(|t| t > sp.amount.0) {
                return Err(Self::refused(
                    "a refund",
                    "409",
                    format!("{} more would pass the {} paid", refund.amount.0, sp.amount.0),
                ));
            }
            sp.refunded = Rupiah(sp.refunded.0 + refund.amount.0);
            sp.refund_ids.insert(refund.refund_id.clone());
            Ok(())
        })
    }

    async fn charge_customer_code(
        &self,
        p: &GatewayPayment,
        _code: &CustomerCode,
    ) -> Result<GatewayState, GatewayError> {
        self.count(|c| &c.charge_customer_code);
        self.with("a customer-presented code", &p.reference, |sp| {
            if *sp.current(Utc::now()) == GatewayState::Pending {
                sp.state = GatewayState::Paid { paid_at: Some(Utc::now()) };
            }
            Ok(sp.state.clone())
        })
    }

    /// Takes `{"payment_id":"..."}` unsigned: a notification only makes the
    /// central ask (query is the source of truth), so a forged one changes
    /// nothing.
    fn notification(
        &self,
        _path: &str,
        _headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, GatewayError> {
        #[derive(serde::Deserialize)]
        struct Body {
            payment_id: String,
        }
        let b: Body = serde_json::from_slice(body).map_err(|e| {
            GatewayError::BadNotification(format!("body is not the simulator's: {e}"))
        })?;
        Ok(Notification { reference: b.payment_id, reply: serde_json::json!({"status": "ok"}) })
    }
}

fn sim_ref(reference: &str) -> String {
    format!("SIM-{reference}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: &str, amount: i64, ttl_s: i64) -> QrRequest {
        QrRequest {
            payment_id: id.into(),
            reference: id.into(),
            amount: Rupiah(amount),
            expires_at: Utc::now() + chrono::Duration::seconds(ttl_s),
        }
    }

    fn gp(id: &str, amount: i64) -> GatewayPayment {
        GatewayPayment {
            payment_id: id.into(),
            reference: id.into(),
            gateway_ref: None,
            amount: Rupiah(amount),
            created_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn same_reference_gives_the_same_code() {
        let sim = Simulator::new(crate::central::server::demo_merchant());
        let a = sim.create_qr(&request("PAY-1", 17_000, 60)).await.unwrap();
        let b = sim.create_qr(&request("PAY-1", 17_000, 60)).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(sim.calls().create_qr, 2);
        let parsed = qris::parse(&a.qris).unwrap();
        assert_eq!(parsed.amount.as_deref(), Some("17000"));
    }

    #[tokio::test]
    async fn refunds_add_up_to_the_amount_paid_and_repeat_safely() {
        let sim = Simulator::new(crate::central::server::demo_merchant());
        sim.create_qr(&request("PAY-2", 17_000, 60)).await.unwrap();
        sim.settle("PAY-2", Outcome::Paid).unwrap();
        let r = |id: &str, amount| RefundRequest {
            refund_id: id.into(),
            amount: Rupiah(amount),
            reason: "test".into(),
        };
        sim.refund(&gp("PAY-2", 17_000), &r("R1", 5_000)).await.unwrap();
        sim.refund(&gp("PAY-2", 17_000), &r("R1", 5_000)).await.unwrap();
        sim.refund(&gp("PAY-2", 17_000), &r("R2", 12_000)).await.unwrap();
        assert_eq!(sim.refunded("PAY-2"), Some(Rupiah(17_000)));
        assert!(sim.refund(&gp("PAY-2", 17_000), &r("R3", 1)).await.is_err());
    }

    #[tokio::test]
    async fn a_code_past_its_validity_cannot_be_paid() {
        let sim = Simulator::new(crate::central::server::demo_merchant());
        sim.create_qr(&request("PAY-3", 1_000, -1)).await.unwrap();
        assert!(matches!(sim.settle("PAY-3", Outcome::Paid), Err(SimError::NotPayable { .. })));
        assert_eq!(sim.cancel(&gp("PAY-3", 1_000)).await.unwrap(), GatewayState::Expired);
    }
}
