//! Payment gateways: the one boundary between the central and the bank side.
//!
//! The central owns a payment's life (its states, history, refunds and the
//! rule that a late payment is never lost); a gateway only issues QR codes,
//! says what it knows of a payment and moves money back. Querying the gateway
//! is the source of truth: a notification only tells the central to ask.

pub mod doku;
pub mod simulator;

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use crate::domain::Rupiah;

/// What the central asks a gateway for when a device starts a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrRequest {
    /// The central's payment id, for logs.
    pub payment_id: String,
    /// The partner reference of this attempt at issuing the payment's code:
    /// unique per attempt, so a retry after an attempt whose outcome is
    /// unknown is never refused as a duplicate. Gateways key the code by it.
    pub reference: String,
    pub amount: Rupiah,
    /// When the code must stop being payable. Every QR gets one: a code
    /// without one stays payable for the gateway's default (30 days at DOKU).
    pub expires_at: DateTime<Utc>,
}

/// A QR code the gateway issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrIssued {
    /// The merchant-presented QRIS payload to show the shopper.
    pub qris: String,
    /// The gateway's own reference for the payment, if it gives one.
    pub gateway_ref: Option<String>,
}

/// A payment as the central hands it to the gateway for a query, a cancel
/// or a refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayPayment {
    pub payment_id: String,
    /// The partner reference the code was asked for with (see
    /// [`QrRequest::reference`]).
    pub reference: String,
    pub gateway_ref: Option<String>,
    pub amount: Rupiah,
    pub created_at: DateTime<Utc>,
}

/// What the gateway says of a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayState {
    /// Not paid yet, and still payable.
    Pending,
    /// The shopper's money has moved.
    Paid { paid_at: Option<DateTime<Utc>> },
    /// No longer payable: its validity ran out.
    Expired,
    /// No longer payable: it was cancelled.
    Cancelled,
    /// The gateway refused or could not complete it.
    Failed { reason: String },
}

/// One refund, possibly partial; the central sums them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRequest {
    /// Unique per refund: a retried refund with the same id moves money once.
    pub refund_id: String,
    pub amount: Rupiah,
    pub reason: String,
}

/// A customer-presented code (the QR a wallet app shows) to charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerCode {
    /// The payload as scanned (base64 of the BER-TLV data).
    pub payload: String,
    /// The account number (tag 5A) the codec read from it, for logs that
    /// must show only its last digits.
    pub account: String,
}

/// A notification the gateway sent, once its signature checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The partner reference ([`QrRequest::reference`]) it is about.
    pub reference: String,
    /// The body the gateway expects as the answer.
    pub reply: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The gateway did not answer in time or could not be reached: the
    /// outcome is unknown, and asking again later is safe.
    #[error("{gateway} did not answer ({what}): {detail}")]
    Unreachable { gateway: &'static str, what: &'static str, detail: String },
    /// The gateway answered and said no.
    #[error("{gateway} refused {what}: {code} {message}")]
    Refused { gateway: &'static str, what: &'static str, code: String, message: String },
    /// A notification whose signature or form is wrong.
    #[error("notification rejected: {0}")]
    BadNotification(String),
    /// The gateway cannot do this at all (e.g. no customer-presented mode).
    #[error("{gateway} does not support {what}")]
    Unsupported { gateway: &'static str, what: &'static str },
}

impl GatewayError {
    /// True if and only if the outcome is unknown and the request may be
    /// sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, GatewayError::Unreachable { .. })
    }
}

/// A payment gateway. Every call may be retried with the same arguments
/// without moving money twice.
#[async_trait]
pub trait Gateway: Send + Sync {
    /// A short name for logs and the API: `simulator`, `doku`.
    fn name(&self) -> &'static str;

    /// Issues a dynamic QRIS code for one payment.
    async fn create_qr(&self, req: &QrRequest) -> Result<QrIssued, GatewayError>;

    /// Asks what became of a payment.
    async fn query(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError>;

    /// Stops a code from being payable. Answers the state after the call:
    /// `Paid` when the shopper paid before the cancel arrived.
    async fn cancel(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError>;

    /// Moves `refund.amount` of a paid payment back to the payer.
    async fn refund(&self, p: &GatewayPayment, refund: &RefundRequest) -> Result<(), GatewayError>;

    /// Charges a customer-presented code for a pending payment's amount.
    async fn charge_customer_code(
        &self,
        p: &GatewayPayment,
        code: &CustomerCode,
    ) -> Result<GatewayState, GatewayError>;

    /// Checks a notification the gateway posted to the central. Anything
    /// not signed by the gateway is an error.
    fn notification(
        &self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, GatewayError>;
}

/// Builds the DOKU gateway from its environment variables; the one place
/// `swalayan central --gateway doku` reaches it.
pub fn doku_from_env() -> anyhow::Result<Arc<dyn Gateway>> {
    use anyhow::Context;

    let config = doku::DokuConfig::from_env().context("setting up the DOKU gateway")?;
    Ok(Arc::new(doku::Doku::new(config).context("setting up the DOKU gateway")?))
}
