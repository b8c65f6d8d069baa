//! The JSON of click and collect: orders placed on another channel,
//! loaded into lockers and collected at a kiosk, the kiosk's pickup
//! manifest, and returns.

use serde::{Deserialize, Serialize};

use super::SaleLine;
use crate::domain::Rupiah;
use crate::domain::locker::Size;
use crate::domain::order::OrderState;

/// One line of a new order: a product and how many.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrderLine {
    pub barcode: String,
    pub qty: u32,
}

/// How an order placed on another channel was paid there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidElsewhere {
    /// What the customer paid; it must be the order's total as the
    /// central prices it.
    pub amount: Rupiah,
    /// The channel's reference of the payment (1 to 100 characters).
    pub reference: String,
    /// The central's payment that paid it, when the channel paid through
    /// `POST /v1/payments`: refunds of the order go back through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
}

/// `POST /v1/orders`, with an `Idempotency-Key` header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    pub lines: Vec<NewOrderLine>,
    /// The store whose lockers it is collected from; its stock is reserved.
    pub store: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The customer's phone, in any usual form; the last four digits check
    /// a typed pickup code, and the pickup message goes to it.
    pub phone: String,
    /// Present when the order was paid on its channel; absent, it is paid
    /// by QRIS at pickup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<PaidElsewhere>,
    /// When it must be collected by (RFC 3339); the central's default
    /// number of days from now when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// The compartment size it needs, `S`, `M` or `L` (S when absent).
    /// Text, not a [`Size`], so that a wrong one is refused naming the
    /// field rather than as unreadable JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

/// The answer of `POST /v1/orders`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlaced {
    pub id: String,
    pub status: OrderState,
}

/// How an order is paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayment {
    /// `channel` (paid where it was placed) or `qris` (at the kiosk).
    pub by: String,
    pub amount: Rupiah,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
}

/// The codes that open an order's compartment, issued when it is loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupCode {
    /// The 6 digits typed with the last 4 digits of the phone.
    pub code: String,
    /// The signed `SWP1.` token the QR carries.
    pub token: String,
    pub expires_at: String,
}

/// One change of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub at: String,
    /// The state after the change.
    pub status: OrderState,
    /// `place`, `load`, `pay`, `collect`, `cancel`, `expire`, `unload`,
    /// `return`, or `left_open`: an alert for staff that changes nothing
    /// (the door of the order's compartment stayed open after a pickup).
    pub step: String,
    /// The device that reported it; absent for the central's own steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// What happened, for people.
    pub cause: String,
}

/// `GET /v1/orders/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub status: OrderState,
    pub store: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The last four digits of the customer's phone, for staff.
    pub phone_last4: String,
    /// Priced by the central at placement, at list prices.
    pub lines: Vec<SaleLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounts: Vec<crate::domain::pricing::Discount>,
    pub total: Rupiah,
    /// True if and only if the order is paid (on its channel, or by QRIS
    /// at the kiosk); an unpaid one is paid by QRIS before its door opens.
    pub paid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<OrderPayment>,
    pub deadline: String,
    /// The compartment size it needs; S from a central that keeps none.
    #[serde(default)]
    pub size: Size,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compartment: Option<u32>,
    /// Present from loading until the order leaves its locker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<PickupCode>,
    pub created_at: String,
    /// Every change, oldest first.
    pub history: Vec<OrderEvent>,
    /// Present once staff took an expired or cancelled order out of its
    /// compartment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unloaded: Option<Unloaded>,
}

/// What unloading an expired or cancelled order did with its money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnloadOutcome {
    /// It was not paid: nothing to give back.
    Unpaid,
    /// Paid, and kept by the policy `hold`: staff decide.
    Held,
    /// Paid through the central, refunded in full by the policy `full`.
    Refunded,
    /// Paid on its channel with no payment here: refunded there.
    Channel,
}

impl UnloadOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            UnloadOutcome::Unpaid => "unpaid",
            UnloadOutcome::Held => "held",
            UnloadOutcome::Refunded => "refunded",
            UnloadOutcome::Channel => "channel",
        }
    }

    pub fn parse(text: &str) -> Option<UnloadOutcome> {
        [Self::Unpaid, Self::Held, Self::Refunded, Self::Channel]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// When staff unloaded an order, and what became of its money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unloaded {
    pub at: String,
    pub outcome: UnloadOutcome,
    /// What was refunded, with the outcome `refunded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Rupiah>,
}

/// One order staff must take out of a store's lockers: it expired or was
/// cancelled while in its compartment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToUnload {
    pub order_id: String,
    pub compartment: u32,
    /// `expired` or `cancelled`.
    pub status: OrderState,
    pub paid: bool,
    pub total: Rupiah,
    pub deadline: String,
}

/// `GET /v1/stores/{id}/unload-list`: the orders to take out of the
/// store's lockers, by compartment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnloadList {
    pub store: String,
    pub orders: Vec<ToUnload>,
    pub as_of: String,
}

/// `POST /v1/orders/{id}/load`: staff put the order into a compartment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadOrder {
    pub device: String,
    pub compartment: u32,
    pub staff_id: String,
}

/// `POST /v1/orders/{id}/collect`, with an `Idempotency-Key` header: the
/// customer took the order out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectOrder {
    pub device: String,
    /// The QRIS payment that paid an unpaid order at the kiosk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// When the door opened, by the device's clock (RFC 3339): an order
    /// collected offline before its deadline is collected, even if the
    /// central expired it meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    /// True if and only if the device opened the door with no central.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offline: bool,
}

/// `POST /v1/orders/{id}/alerts`, with an `Idempotency-Key` header: a
/// kiosk warns staff about the order's compartment. It adds a line to the
/// order's history (a replay adds none) and changes nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAlert {
    pub device: String,
    /// `left_open`: the door stayed open past the kiosk's limit.
    pub kind: String,
    pub compartment: u32,
    /// When the door was opened for the pickup (RFC 3339, device clock).
    pub opened_at: String,
    /// When the kiosk raised the alert (RFC 3339, device clock).
    pub at: String,
}

/// `POST /v1/orders/{id}/cancel`, `/expire`, `/unload`, `/return`: a step a
/// device or a channel reports, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    #[serde(default)]
    pub cause: String,
}

/// `POST /v1/orders/pickup-code`: a typed code and phone digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedPickupCode {
    pub store: String,
    pub device: String,
    pub code: String,
    pub phone_last4: String,
}

/// One message to a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessage {
    pub id: i64,
    pub order_id: String,
    /// The phone, masked but for its last four digits.
    pub to: String,
    /// Bahasa Indonesia first, English second.
    pub text: String,
    pub created_at: String,
    /// Set once the notifier took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /v1/orders/{id}/messages`, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessages {
    pub messages: Vec<OrderMessage>,
}

/// One order in a store's lockers, as a kiosk keeps it to hand it over
/// with no central.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub order_id: String,
    pub compartment: u32,
    pub expires_at: String,
    /// Unix seconds of `expires_at`.
    pub expires_s: i64,
    /// The argon2id PHC string of `CODE:LAST4` (see
    /// [`crate::domain::pickup::code_hash`]).
    pub code_hash: String,
    pub paid: bool,
    pub total: Rupiah,
}

/// `GET /v1/stores/{id}/pickup-manifest`: every order loaded into the
/// store's lockers; a kiosk replaces its copy with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupManifest {
    pub store: String,
    pub orders: Vec<ManifestEntry>,
    pub as_of: String,
}

/// Where a return's refund goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundTo {
    /// Back to the QRIS payment that paid the purchase.
    Qris,
    /// To the member's loyalty points, a point for each rupiah.
    Points,
}

impl RefundTo {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundTo::Qris => "qris",
            RefundTo::Points => "points",
        }
    }
}

/// `POST /v1/returns`, with an `Idempotency-Key` header: exactly one of
/// `order` and `sale`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReturn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// A sale (receipt) id, `TRX-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<String>,
    pub lines: Vec<NewOrderLine>,
    pub reason: String,
    pub refund_to: RefundTo,
    /// The member credited by a refund to points, when the purchase names
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// Where a return is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Refunded; the goods wait in the return compartment for staff.
    AwaitingStaff,
    /// Staff found the goods and took them.
    Confirmed,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::AwaitingStaff => "awaiting_staff",
            ReturnStatus::Confirmed => "confirmed",
        }
    }
}

/// A return as the central keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnView {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<String>,
    /// The lines coming back, at the prices they were bought at.
    pub lines: Vec<SaleLine>,
    pub reason: String,
    pub refund_to: RefundTo,
    /// What is refunded (see the README for how it is worked out).
    pub amount: Rupiah,
    /// What of `amount` went to the member's points: all of it for a
    /// refund to points; for a refund to QRIS of a purchase paid partly
    /// with points, the points' share (the payment gets the rest).
    #[serde(default)]
    pub points: Rupiah,
    /// The payment refunded, for a refund to QRIS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The member credited, for a refund to points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub status: ReturnStatus,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<String>,
    /// The compartment that opened for the goods at the kiosk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compartment: Option<u32>,
    /// How that ended: `stowed`, `door_not_opened`, `empty` or
    /// `locker_failed` (the goods are not in it: staff take them by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stowed: Option<String>,
}

/// `POST /v1/returns/{id}/stowed`: where the kiosk put a return's goods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnStowed {
    pub compartment: u32,
    /// `stowed`, `door_not_opened`, `empty` or `locker_failed`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// `POST /v1/returns/{id}/confirm`: staff found the goods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmReturn {
    pub staff_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// `GET /v1/returns/eligible?ref=...`: what of a purchase may come back,
/// and why the rest may not. Read-only: the rules stay on the central.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returnable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<String>,
    /// When it was bought (a sale's time, an order's collection).
    pub bought_at: String,
    /// The last moment goods of it come back, by the `days` rule.
    pub return_by: String,
    pub days: u32,
    /// What the purchase cost, after promotions.
    pub paid: Rupiah,
    /// Its lines at list prices: a refund is a share of `paid` by this.
    pub list_total: Rupiah,
    /// What earlier returns of it refunded.
    pub refunded: Rupiah,
    /// What of `paid` the member paid with points: a refund to QRIS
    /// gives the points their share back.
    #[serde(default)]
    pub points_paid: Rupiah,
    /// What the QRIS payment has refunded so far, by returns or otherwise.
    #[serde(default)]
    pub qris_refunded: Rupiah,
    /// Where a refund may go: `qris` when a QRIS payment here paid it,
    /// `points` when it names a member.
    pub refund_to: Vec<RefundTo>,
    pub lines: Vec<ReturnableLine>,
}

/// One line of a purchase, as a return sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnableLine {
    pub barcode: String,
    pub name: String,
    pub unit_price: Rupiah,
    pub bought: u32,
    /// How many earlier returns took back.
    pub returned: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Why none of it may come back now; absent when some may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<LineRefusal>,
}

/// The rule that keeps a line from coming back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRefusal {
    /// `days`, `final_sale` or `quantity`.
    pub rule: String,
    pub reason: String,
}
