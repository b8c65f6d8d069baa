//! The JSON the central API speaks, shared by the server and the device's
//! client so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use crate::domain::Rupiah;

mod orders;

pub use orders::*;

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
    /// `age21` or `tobacco`; absent for a product anyone may buy (and from
    /// a central of an earlier version).
    #[serde(default, skip_serializing_if = "crate::domain::restricted::Restriction::is_none")]
    pub restriction: crate::domain::restricted::Restriction,
    /// The product's picture, to fetch from `GET /v1/images/{image}`;
    /// absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The picture's strong ETag: a device that holds the picture with
    /// this ETag has it already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_etag: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// The largest picture a central serves (`GET /v1/images/{name}`) and a
/// device keeps: 512 KiB.
pub const MAX_PICTURE_BYTES: usize = 512 * 1024;

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
    /// How the store lays out its variable-measure codes; every page
    /// carries it, and a device keeps the last it received. Absent from a
    /// central that predates it: the device keeps what it had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_measure: Option<crate::domain::variable::Layouts>,
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
    /// The id of the central's cart this pays (one opened from a hand-off
    /// code); a cart that is closed or expired cannot be paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart: Option<String>,
    /// The id of the click-and-collect order this pays at pickup; the
    /// amount must be the order's total, and the order must be unpaid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
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
    /// The weight (`{"weight_g":482}`) or the label price
    /// (`{"label_price":1250}`) of a variable-measure code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<crate::domain::variable::Measure>,
}

impl From<&crate::domain::pricing::PricedLine> for SaleLine {
    /// The line at its list price, as a sale or an order records it.
    fn from(l: &crate::domain::pricing::PricedLine) -> SaleLine {
        SaleLine {
            barcode: l.barcode.clone(),
            name: l.name.clone(),
            qty: l.qty,
            unit_price: l.unit_price,
            line_total: l.line_total,
            measure: l.measure,
        }
    }
}

/// `POST /v1/transactions`: a completed sale.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransaction {
    pub idempotency_key: String,
    pub device_id: String,
    pub payment_id: String,
    pub lines: Vec<SaleLine>,
    /// What the sale costs before points: the lines less `discounts`, and
    /// the payment's amount plus `points_redeemed`.
    pub total: Rupiah,
    /// What promotions took off the lines, as the device priced them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounts: Vec<crate::domain::pricing::Discount>,
    /// The id of the central's cart this sale settles; recording the sale
    /// closes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart: Option<String>,
    /// The loyalty member, who earns points on it; the sale joins their
    /// purchase history.
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
    /// What promotions took off the lines: `total` is the lines less these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounts: Vec<crate::domain::pricing::Discount>,
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
    /// The central's own total for these lines, member and vouchers (its
    /// catalog and promotions when the payment was made), present only
    /// when it differs from `total`. The sale is recorded as the device
    /// priced it (the shopper paid that); this is for staff to look into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub central_total: Option<Rupiah>,
}

/// `GET /v1/keys`: what a device needs to check the central's codes
/// offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    /// The Ed25519 public key of member, cart and pickup codes, unpadded
    /// base64url
    /// (see [`crate::tokens`]).
    pub tokens: String,
}

/// The channel a cart was filled on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Web,
    App,
    Kiosk,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::App => "app",
            Channel::Kiosk => "kiosk",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "web" => Some(Channel::Web),
            "app" => Some(Channel::App),
            "kiosk" => Some(Channel::Kiosk),
            _ => None,
        }
    }
}

/// One line of a cart to hand off: a product and how many.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCartLine {
    pub barcode: String,
    pub qty: u32,
}

/// `POST /v1/carts`: a cart filled on one channel, to finish on another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCart {
    pub lines: Vec<NewCartLine>,
    /// The loyalty member the cart belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub channel: Channel,
}

/// Whether a cart can still be opened and paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CartStatus {
    Open,
    /// A sale settled it.
    Closed,
}

/// A cart on the central, with the prices its channel showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub id: String,
    /// The hand-off code (a [`crate::tokens::Kind::Cart`] token) to show as
    /// a QR; it expires with the cart.
    pub code: String,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub status: CartStatus,
    /// Priced from the central's catalog when the cart was made.
    pub lines: Vec<SaleLine>,
    pub total: Rupiah,
    /// The promotions the channel applied, by id; empty until the channels
    /// price carts with the promotions engine.
    #[serde(default)]
    pub promotions: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// `POST /v1/carts/open`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCart {
    pub code: String,
}

// Stock, back-in-stock subscriptions and recommendations.

/// One store's count of a product in [`Stock`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStock {
    pub id: String,
    pub name: String,
    pub city: String,
    /// How many the store has; 0 when it has none or keeps no count.
    pub qty: u32,
    /// How many of `qty` live click-and-collect orders hold for their
    /// customers: not for sale to anyone else.
    #[serde(default)]
    pub reserved: u32,
    /// How far it is from the store asked about, in whole metres (great
    /// circle); absent for that store itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u64>,
}

impl StoreStock {
    /// How many a shopper may still buy there: what the store has less
    /// what orders hold.
    pub fn available(&self) -> u32 {
        self.qty.saturating_sub(self.reserved)
    }
}

/// `GET /v1/stock/{barcode}?store=ID&nearest=N`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub barcode: String,
    pub name: String,
    /// The store asked about (by default the central's own).
    pub store: StoreStock,
    /// The other stores, nearest first, at most N of them, in stock or not.
    pub nearest: Vec<StoreStock>,
    /// When the central answered (RFC 3339, UTC).
    pub as_of: String,
}

/// `POST /v1/members/{id}/subscriptions`: "tell me when it is back".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSubscription {
    pub barcode: String,
    /// The store to watch; the central's own store when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// Where a back-in-stock subscription is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionStatus {
    /// The product is still out of stock at the store.
    Waiting,
    /// A stock import brought it back; the member is to be told.
    Notified,
}

/// One back-in-stock subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub member_id: String,
    pub barcode: String,
    pub name: String,
    pub store: String,
    pub status: SubscriptionStatus,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<String>,
}

/// `GET /v1/members/{id}/subscriptions`, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriptions {
    pub subscriptions: Vec<Subscription>,
}

/// One recommended product, with the figures of its score (see the
/// README's rule).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub barcode: String,
    pub name: String,
    pub price: Rupiah,
    /// `bought + together`.
    pub score: u32,
    /// How many of the member's own sales hold it.
    pub bought: u32,
    /// How often it was bought together with what the member bought or
    /// has in the cart.
    pub together: u32,
}

/// `GET /v1/members/{id}/recommendations?limit=N&cart=BARCODE,BARCODE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendations {
    pub member_id: String,
    pub recommendations: Vec<Recommendation>,
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

/// A member of staff who may approve age-restricted sales at a kiosk, as
/// `GET /v1/staff` sends them to devices: the PIN only as its argon2id hash
/// (a PHC string), so a device approves offline and never learns the PIN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: String,
    pub name: String,
    pub pin_hash: String,
}

/// `GET /v1/staff`: every member of staff; a device replaces its list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// One restricted line an audit entry is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditItem {
    pub barcode: String,
    pub name: String,
    pub qty: u32,
}

/// `POST /v1/audit`: one entry of a device's audit log (an approval, a
/// failed staff PIN, a lockout). `device` and `entry` (the device's own
/// number of it) identify it, so a replay from the outbox lands once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub device: String,
    pub entry: i64,
    /// RFC 3339, UTC, by the device's clock.
    pub at: String,
    /// `approved`, `pin_failed` or `locked_out`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    /// The payment attempt (idempotency key) the approval was for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<String>,
    pub items: Vec<AuditItem>,
    /// The entry's link in the device's hash chain (SHA-256, hex).
    pub hash: String,
}
