//! The JSON the central API speaks, shared by the server and the device's
//! client so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use crate::domain::Rupiah;

/// The most a device may ask for in one catalog page.
pub const MAX_PAGE: u32 = 1_000;

/// One product as the catalog sync sends it; `deleted` tells a device to
/// drop a product it cached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub barcode: String,
    pub name: String,
    pub price: Rupiah,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// `GET /v1/catalog?since=CURSOR&limit=N`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CatalogPage {
    pub products: Vec<CatalogEntry>,
    /// Pass as `since` to get what comes after this page.
    pub cursor: String,
    /// True if and only if more changes follow this page.
    pub more: bool,
    /// True if and only if the cursor asked with was not from this
    /// catalog's history: this page starts the whole catalog again, and
    /// the device must drop what it cached before applying it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    Pending,
    Paid,
    Expired,
    Cancelled,
    /// The gateway refused or could not complete it.
    Failed,
    /// Paid, then the money went back to the payer.
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        match s {
            "pending" => Some(PaymentStatus::Pending),
            "paid" => Some(PaymentStatus::Paid),
            "expired" => Some(PaymentStatus::Expired),
            "cancelled" => Some(PaymentStatus::Cancelled),
            "failed" => Some(PaymentStatus::Failed),
            "refunded" => Some(PaymentStatus::Refunded),
            _ => None,
        }
    }

    /// True if and only if the payment can no longer change.
    pub fn is_final(self) -> bool {
        self != PaymentStatus::Pending
    }
}

/// `POST /v1/payments`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewPayment {
    pub amount: Rupiah,
    /// The same key returns the same payment, so a retried request never
    /// creates a second QR for one cart.
    pub idempotency_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub amount: Rupiah,
    pub status: PaymentStatus,
    /// The dynamic QRIS payload to show the shopper.
    pub qris: String,
    pub created_at: String,
    pub expires_at: String,
    /// Seconds left until expiry when the server answered.
    pub expires_in: i64,
}

/// `POST /v1/payments/{id}/customer-code`: a code the shopper's wallet app
/// shows, to charge for the payment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustomerCodeCharge {
    /// The customer-presented QRIS payload as scanned (base64 text).
    pub code: String,
}

/// `POST /v1/payments/{id}/simulate`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Simulate {
    pub result: PaymentStatus,
}

/// One line of a recorded sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub barcode: String,
    pub name: String,
    pub qty: u32,
    pub unit_price: Rupiah,
    pub line_total: Rupiah,
}

/// `POST /v1/transactions`: a completed sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransaction {
    pub idempotency_key: String,
    pub device_id: String,
    pub payment_id: String,
    pub lines: Vec<SaleLine>,
    pub total: Rupiah,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    pub idempotency_key: String,
    pub device_id: String,
    pub payment_id: String,
    pub lines: Vec<SaleLine>,
    pub total: Rupiah,
    pub created_at: String,
}

/// The body of every error answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// A stable machine-readable reason, e.g. `not_found`.
    pub code: String,
}
