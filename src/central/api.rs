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

/// Where a payment is in its life. Only `pending` can still be paid;
/// `paid` can still become `refunded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    Pending,
    Paid,
    Expired,
    Cancelled,
    /// The gateway refused or could not complete it: nothing was charged.
    Failed,
    /// Paid, then the whole amount went back to the payer.
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

    /// True if and only if the shopper can no longer pay it: a device stops
    /// waiting. (A `paid` payment may still be refunded later, and one that
    /// ended unpaid may turn out paid late and be refunded; see the README.)
    pub fn is_final(self) -> bool {
        self != PaymentStatus::Pending
    }
}

/// The header that makes a `POST` safe to repeat.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// `POST /v1/payments`, with the key in the `Idempotency-Key` header.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewPayment {
    pub amount: Rupiah,
    /// The device's own reference for what is paid (a cart, an order),
    /// kept with the payment for staff and reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The key as older devices send it, in the body; when the header is
    /// given too, the two must be equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub amount: Rupiah,
    pub status: PaymentStatus,
    /// The dynamic QRIS payload to show the shopper; empty for a payment
    /// the gateway reports paid under an attempt whose code was never
    /// shown (the answer to its creation was lost).
    pub qris: String,
    pub created_at: String,
    pub expires_at: String,
    /// Seconds left until expiry when the server answered.
    pub expires_in: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The gateway that issued the code: `simulator`, `doku`.
    #[serde(default)]
    pub gateway: String,
    /// The gateway's own reference, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_ref: Option<String>,
    /// The sum of the refunds done so far.
    #[serde(default)]
    pub refunded: Rupiah,
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// Every change of status, oldest first, with its cause.
    #[serde(default)]
    pub history: Vec<PaymentEvent>,
}

/// One change in a payment's life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub at: String,
    /// The status after the change.
    pub status: PaymentStatus,
    /// What happened, for people: `created`, `paid (gateway notification)`,
    /// `refunded 5000 of 17000: damaged box`.
    pub cause: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundStatus {
    /// Asked of the gateway, no answer yet; the central asks again.
    Pending,
    Done,
    /// The gateway refused it; it does not count.
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Done => "done",
            RefundStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RefundStatus> {
        match s {
            "pending" => Some(RefundStatus::Pending),
            "done" => Some(RefundStatus::Done),
            "failed" => Some(RefundStatus::Failed),
            _ => None,
        }
    }
}

/// One refund of a paid payment, possibly partial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: Rupiah,
    pub reason: String,
    pub status: RefundStatus,
    pub created_at: String,
}

/// `POST /v1/payments/{id}/refund`, with an `Idempotency-Key` header.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewRefund {
    pub amount: Rupiah,
    pub reason: String,
}

/// `POST /v1/payments/{id}/customer-code`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustomerCodeCharge {
    /// The customer-presented QRIS payload as scanned: base64 of BER-TLV.
    pub code: String,
}

/// `POST /v1/payments/{id}/simulate`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Simulate {
    /// `paid`, `failed` or `expired` (`cancelled` too, as the bank side
    /// cancelling the code).
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

/// `GET /v1/keys`: what a device needs to check the central's codes
/// offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    /// The Ed25519 public key of member and cart codes, unpadded base64url
    /// (see [`crate::tokens`]).
    pub tokens: String,
}

/// The body of every error answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// A stable machine-readable reason, e.g. `not_found`.
    pub code: String,
}

// Promotions and pricing (issue 4, part P).

/// `GET /v1/promotions?known=VERSION`: the central's promotion set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionSet {
    /// [`crate::domain::pricing::Promotions::version`] of the set.
    pub version: String,
    /// The set; `None` when the device already holds this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotions: Option<crate::domain::pricing::Promotions>,
}

/// `POST /v1/price`, and the cart file of `swalayan price`: lines by
/// barcode, the shopper, and the time to price at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRequest {
    pub lines: Vec<crate::domain::pricing::LineRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<crate::domain::pricing::MemberFacts>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vouchers: Vec<String>,
    /// RFC 3339; the central's clock when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The answer of `POST /v1/price`: the cart priced, and with what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceAnswer {
    #[serde(flatten)]
    pub priced: crate::domain::pricing::Priced,
    /// The time it was priced at, RFC 3339 in Jakarta time.
    pub at: String,
    /// The version of the promotion set used.
    pub promotions_version: String,
}
