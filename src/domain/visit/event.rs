//! What goes into the visit ([`Event`]) and what comes out ([`Effect`]).

use super::{
    ApprovalProblem, Checkout, CodeProblem, FoundOrder, KeypadMode, LoadProblem, Member,
    NotCreated, NotIdentified, NotOpened, NotStowed, Payment, PickupProblem, Pin, Recommendation,
    Refund, RefundTo, ReturnProblem, ReturnPurchase, ReturnReason, ReturnRequest, StaffMember,
    Stock, ToApprove, ToUnload, UnloadResult,
};
use crate::domain::cart::{Cart, Line};
use crate::domain::variable::Measure;
use crate::domain::{Product, Rupiah};

/// Something that happened: a shopper's intent, or the result of an effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The shopper tapped the welcome screen.
    Start,
    /// A code came from the camera or the USB scanner.
    Scanned {
        code: String,
    },
    /// A digit pressed on the on-screen keypad.
    KeypadDigit {
        digit: char,
    },
    KeypadDelete,
    /// The keypad's Add key: look the typed digits up.
    KeypadEnter,
    ProductFound {
        product: Product,
    },
    /// A variable-measure code found its item: the product priced for the
    /// package, with the weight or price on its label.
    MeasuredFound {
        product: Product,
        measure: Measure,
    },
    /// A code refused as it was read (a wrong check digit): nothing added.
    CodeRefused {
        code: String,
    },
    ProductNotFound {
        code: String,
    },
    LookUpFailed {
        code: String,
    },
    Increment {
        barcode: String,
    },
    Decrement {
        barcode: String,
    },
    Remove {
        barcode: String,
    },
    /// The shopper pressed Pay.
    Pay,
    /// The central made the payment of `attempt`.
    PaymentCreated {
        attempt: String,
        payment: Payment,
    },
    /// The central made no payment for `attempt`.
    PaymentNotCreated {
        attempt: String,
        why: NotCreated,
    },
    PaymentPaid {
        id: String,
    },
    PaymentExpired {
        id: String,
    },
    PaymentCancelled {
        id: String,
    },
    /// The payment failed at the bank or the wallet (or was refunded).
    PaymentFailed {
        id: String,
    },
    /// A cancel could not reach the central.
    CancelUnconfirmed {
        id: String,
    },
    /// A customer-presented code did not pay the payment.
    CodeNotCharged {
        id: String,
        why: CodeProblem,
    },
    /// The shopper pressed Cancel on the payment screen.
    Cancel,
    /// The shopper asked for a new code after an expiry or a failure.
    PayAgain,
    /// The shopper went back to the cart after an expiry or a failure.
    BackToCart,
    /// The demo button: have the gateway simulator pay.
    SimulatePaid,
    SaleRecorded {
        transaction_id: Option<String>,
        url: Option<String>,
    },
    SaleFailed,
    /// The shopper pressed Finish on the done screen.
    Finish,
    /// Any touch that is not one of the intents above, such as a keypad digit.
    Touch,
    /// The shopper tapped *More time* on the idle warning.
    MoreTime,
    /// Time passes; sent about once a second so that idle visits end and
    /// payment deadlines are kept.
    Tick,
    /// The central became reachable or unreachable.
    Connectivity {
        online: bool,
    },

    // The member, vouchers and points.
    MemberIdentified {
        member: Member,
    },
    MemberNotIdentified {
        why: NotIdentified,
    },
    /// The shopper tapped "not me": the member leaves the visit.
    ForgetMember,
    /// The keypad types a barcode, a phone number or a voucher.
    KeypadMode {
        mode: KeypadMode,
    },
    /// Pay part of the total with points, or stop doing so.
    ToggleRedeem,
    Recommendations {
        member: String,
        items: Vec<Recommendation>,
    },
    AddRecommended {
        barcode: String,
    },

    // Carts from and to other channels.
    CartOpened {
        cart_id: Option<String>,
        lines: Vec<Line>,
        /// What differs at this kiosk, in words (an item not sold here,
        /// a price that changed, a promotion that ended).
        changes: Vec<String>,
    },
    CartNotOpened {
        why: NotOpened,
    },
    ContinueOnPhone,
    HandedOff {
        code: String,
    },
    HandOffFailed,

    // An item's page.
    /// The shopper tapped a cart line.
    OpenItem {
        barcode: String,
    },
    Stock {
        barcode: String,
        stock: Stock,
    },
    StockUnavailable {
        barcode: String,
    },
    /// "Tell me when it is back".
    Subscribe,
    Subscribed {
        barcode: String,
    },
    NotSubscribed {
        barcode: String,
    },
    /// Closes the item page, the hand-off code or the list of changes.
    ClosePanel,

    // Produce without a barcode.
    /// The shopper tapped "Fruit & veg": list the PLU items.
    OpenProduce,
    /// The catalog's PLU items, by name.
    ProduceListed {
        items: Vec<Product>,
    },
    /// The catalog cache could not be read for the list.
    ProduceUnavailable,
    /// The shopper tapped an item of the list: add it by its PLU.
    ChooseProduce {
        barcode: String,
    },

    // Staff approval of age-restricted items.
    /// A digit of the staff PIN on the approval panel's keypad.
    StaffPinDigit {
        digit: char,
    },
    StaffPinDelete,
    /// The approval panel's OK: check the PIN typed.
    StaffPinEnter,
    /// The PIN is a member of staff's: the lines are approved.
    Approved {
        staff: String,
    },
    ApprovalRefused {
        why: ApprovalProblem,
    },

    // Collecting an order from the lockers.
    /// The customer tapped "Collect an order" on the welcome screen.
    StartPickup,
    /// The code or the pickup QR found an order that may open here.
    PickupFound {
        order: FoundOrder,
    },
    /// The pickup did not open, or ended without a collection.
    PickupRefused {
        why: PickupProblem,
    },
    /// The unlocked door was opened.
    DoorOpened,
    /// The door has been open longer than it should.
    DoorLeftOpen,
    /// The door closed on an empty compartment and the pickup is confirmed
    /// (sent to the central, or waiting in the outbox).
    PickupCollected,

    // Bringing goods back.
    /// The customer tapped "Return items" on the welcome screen.
    StartReturn,
    /// The central said what of the scanned purchase may come back.
    ReturnableFound {
        purchase: ReturnPurchase,
    },
    ReturnNotFound {
        why: ReturnProblem,
    },
    /// One more, or one fewer, of the purchase's line `line`.
    ReturnMore {
        line: usize,
    },
    ReturnLess {
        line: usize,
    },
    ReturnReasonChosen {
        reason: ReturnReason,
    },
    ReturnRefundChosen {
        to: RefundTo,
    },
    /// "Continue": sum the return up for the customer to confirm.
    ReturnReview,
    /// The customer confirmed the return.
    ReturnConfirm,
    /// The central refunded the return; `compartment` takes the goods.
    ReturnRecorded {
        refund: Refund,
        compartment: u32,
    },
    /// Nothing was refunded (or, for `NoAnswer`, it is not known).
    ReturnNotRecorded {
        why: ReturnProblem,
    },
    /// The door closed on the goods.
    ReturnStowed,
    ReturnNotStowed {
        why: NotStowed,
    },
    // Staff at the lockers.
    /// The small *Staff* button of the pickup screen.
    StartStaff,
    /// The PIN is a member of staff's: the staff screen opens.
    StaffSignedIn {
        staff: StaffMember,
    },
    /// *Load an order*.
    StaffLoad,
    /// *Unload expired orders*.
    StaffUnload,
    /// A compartment was chosen and its unlock is sent.
    DoorUnlocking {
        compartment: u32,
    },
    /// The order is in `compartment` and the central has it loaded.
    OrderLoaded {
        compartment: u32,
    },
    LoadRefused {
        why: LoadProblem,
    },
    UnloadListed {
        orders: Vec<ToUnload>,
    },
    UnloadListFailed,
    /// Take this order out.
    UnloadOne {
        order_id: String,
    },
    /// Take every listed order out, one after the other.
    UnloadAll,
    OrderUnloaded {
        order_id: String,
        result: UnloadResult,
    },
}

/// Work for the runtime; each reports back with an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Look `code` up in the local catalog cache.
    LookUp {
        code: String,
    },
    /// Ask the central for a QRIS payment of `amount` (the bill's amount
    /// to pay), with the attempt's idempotency key.
    CreatePayment {
        attempt: String,
        cart: Cart,
        amount: Rupiah,
        checkout: Checkout,
    },
    /// Wait for the central to report the payment paid, expired or cancelled.
    WatchPayment {
        id: String,
    },
    CancelPayment {
        id: String,
    },
    /// Charge a customer-presented code for the payment.
    ChargeCustomerCode {
        id: String,
        code: String,
    },
    /// The visit left the attempt without the central's last word on it:
    /// the device must never record its sale, only cancel it (or, if it
    /// turns out paid, leave it to the central's refund of late payments).
    GiveUpPayment {
        attempt: String,
    },
    /// Demo mode only: have the gateway simulator pay.
    SimulatePayment {
        id: String,
    },
    /// Record the sale (through the outbox) and make its receipt.
    RecordSale {
        cart: Cart,
        payment: Payment,
        checkout: Checkout,
    },
    /// Identify a member by the code of their app (`SWM1.`).
    IdentifyMember {
        code: String,
    },
    /// Identify a member by phone number, as typed (never logged or kept).
    IdentifyPhone {
        phone: String,
    },
    /// Open a cart from another channel by its hand-off code (`SWC1.`).
    OpenCart {
        code: String,
    },
    /// Hand the cart to the shopper's phone: answers with a code to show.
    HandOff {
        cart: Cart,
        member: Option<String>,
    },
    FetchStock {
        barcode: String,
    },
    /// "Tell me when it is back" for a member and an item out of stock here.
    Subscribe {
        member: String,
        barcode: String,
    },
    /// Suggestions for the member, without the cart's products.
    FetchRecommendations {
        member: String,
        cart: Vec<String>,
    },
    /// Check a staff PIN for the lines listed, approving them for the
    /// payment attempt `attempt` (the key it will have).
    ApproveRestricted {
        pin: Pin,
        items: Vec<ToApprove>,
        attempt: String,
    },
    /// List the local catalog's PLU items (produce without a barcode),
    /// by name.
    ListProduce,
    /// Check a typed pickup code and the phone's last four digits.
    VerifyPickupCode {
        code: String,
        phone_last4: String,
    },
    /// Check a scanned pickup QR.
    VerifyPickupToken {
        token: String,
    },
    /// Record the opening, unlock `compartment` and watch its door until
    /// it closes; confirm the pickup if the compartment is then empty.
    /// `payment_id` is the QRIS payment that paid an unpaid order here.
    OpenCompartment {
        order_id: String,
        compartment: u32,
        payment_id: Option<String>,
    },
    /// Ask the central for the QRIS payment of an unpaid order's total,
    /// with the attempt's idempotency key; answers as
    /// [`Effect::CreatePayment`] does.
    PayOrder {
        attempt: String,
        order_id: String,
        amount: Rupiah,
    },
    /// Ask the central what of the purchase `reference` names may come
    /// back.
    FindReturnable {
        reference: String,
    },
    /// Find a free return compartment, then post the return under `key`
    /// (the same for every retry of it) and report the refund and the
    /// compartment; with no compartment free, post nothing.
    PostReturn {
        key: String,
        request: ReturnRequest,
    },
    /// Unlock `compartment` for a refunded return's goods and watch its
    /// door until it closes, reporting whether the goods went in.
    OpenReturnCompartment {
        return_id: String,
        compartment: u32,
    },
    /// Check a staff PIN for staff work at the lockers (the same lockout
    /// and audit log as approvals).
    CheckStaffPin {
        pin: Pin,
    },
    /// Check the order with the central, open a free compartment, wait
    /// for it to shut on an item and have the central mark it loaded.
    LoadOrder {
        order_id: String,
        staff_id: String,
    },
    /// Fetch the orders to take out of this store's lockers.
    ListUnload,
    /// Open the order's compartment, wait for it to shut empty and record
    /// the unloading (through the outbox).
    UnloadOrder {
        order: ToUnload,
        staff_id: String,
    },
    /// The visit is over: forget everything about the shopper.
    EndVisit,
}
