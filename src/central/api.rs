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
    /// The loyalty member paying, whose points are redeemed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Points redeemed in this sale: `amount` is the total minus these. The
    /// central holds them for this payment until it ends.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub points: u64,
    /// Single-use voucher codes given in this sale, held likewise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vouchers: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransaction {
    pub idempotency_key: String,
    pub device_id: String,
    pub payment_id: String,
    pub lines: Vec<SaleLine>,
    /// What the sale costs before points: the payment's amount plus
    /// `points_redeemed`.
    pub total: Rupiah,
    /// The loyalty member, who earns points on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The points that paid part of `total`; they must be the ones the
    /// payment reserved.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub points_redeemed: u64,
    /// The voucher codes used; they must be the ones the payment reserved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vouchers: Vec<String>,
    /// The points the device expects the member to earn. The central
    /// credits its own figure, by the same rule, and answers with it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub points_earned: u64,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(default)]
    pub points_redeemed: u64,
    /// The points the central credited for this sale (once, however often
    /// the sale is replayed).
    #[serde(default)]
    pub points_earned: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vouchers: Vec<String>,
}

/// `GET /v1/keys`: what a device needs to check the central's codes
/// offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    /// The Ed25519 public key of member and cart codes, unpadded base64url
    /// (see [`crate::tokens`]).
    pub tokens: String,
}

/// `POST /v1/members/{id}/code`: what the member's app shows as a QR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCode {
    /// A signed `SWM1.` token (see [`crate::tokens`]).
    pub code: String,
    pub expires_at: String,
}

/// What a member code carries: the member and their tier, so a device can
/// apply member prices offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberClaims {
    /// The member id.
    pub m: String,
    /// The tier: `silver`, `gold`, `platinum`.
    pub t: String,
}

/// `POST /v1/members/identify`: exactly one of the two.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifyMember {
    /// A member code scanned from the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A phone number as typed, in any usual form (`0812-...`, `+62 ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A member as a kiosk shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    /// `silver`, `gold` or `platinum`.
    pub tier: String,
    /// Points free to spend: the balance minus what open payments hold.
    pub points: u64,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

/// `GET /v1/members/{id}`: a member's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccount {
    pub member: Member,
    /// The sum of the ledger.
    pub balance: u64,
    /// Points held by payments still open.
    pub reserved: u64,
    /// Every change of the balance, oldest first.
    pub ledger: Vec<PointEntry>,
}

/// One line of a member's points ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointEntry {
    pub at: String,
    /// Points added (earned, opening balance) or taken (redeemed, below 0).
    pub delta: i64,
    /// `opening`, `earn` or `redeem`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
}

/// The body of every error answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// A stable machine-readable reason, e.g. `not_found`.
    pub code: String,
}
