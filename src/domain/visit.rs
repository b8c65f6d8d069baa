//! The checkout visit: one shopper's use of a kiosk, from the first tap to the
//! idle reset, as a pure state machine.
//!
//! [`Visit::step`] takes the state, one [`Event`] and the time now, and
//! returns the [`Effect`]s the runtime must carry out; their results come
//! back as further events.
//! Nothing here does I/O or reads a clock, so every path is unit-tested with
//! hand-picked instants.

use std::time::{Duration, Instant};

use super::cart::{Cart, CartError};
use super::idle::{Idle, IdleTimer};
use super::money::Rupiah;
use super::restricted::unapproved;

/// Where the shopper is in the visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Nobody is using the kiosk; the screen invites a tap.
    Welcome,
    /// Products are being scanned into the cart; `typed` holds the digits
    /// typed on the on-screen keypad so far, into what `keypad` says; a
    /// `panel` may be open over the cart.
    Scanning { cart: Cart, notice: Option<Notice>, typed: String, keypad: KeypadMode, panel: Panel },
    /// The cart is locked while it is paid for. `attempt` is the
    /// idempotency key of this try at paying: every request for it, retries
    /// included, carries the same key, so the central makes one payment.
    Paying { cart: Cart, attempt: String, stage: PayStage },
    /// Paid and recorded: the receipt is on screen until the shopper leaves.
    Done { receipt: Receipt },
    /// A customer collects an order from the lockers.
    Pickup { stage: PickupStage },
    /// A customer brings goods back.
    Return { stage: ReturnStage },
    /// Staff load orders into the lockers or take expired ones out.
    Staff { stage: StaffStage },
}

/// The steps of paying for a cart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayStage {
    /// The central is being asked for the attempt's QRIS payment; `tries`
    /// counts the requests, this one included. `failing_since` is when the
    /// first of them failed to reach the central, if one did.
    Creating { tries: u32, failing_since: Option<Instant> },
    /// The central could not be reached; the same request goes again at
    /// `retry_at`, with the same key.
    Connecting { tries: u32, failing_since: Instant, retry_at: Instant },
    /// The QRIS code is on screen, waiting for the shopper's bank.
    /// `problem` says why a customer-presented code scanned just now did
    /// not pay.
    Pending { payment: Payment, problem: Option<CodeProblem> },
    /// A customer-presented code is being charged for the payment.
    Charging { payment: Payment },
    /// The shopper asked to cancel; the central decides whether it was paid.
    Cancelling { payment: Payment },
    /// The code's time ran out; it is no longer on screen.
    Expired { payment: Payment, check: ExpiryCheck },
    /// The payment could not be made; the screen says what to do.
    Failed { failure: Failure },
    /// The payment is confirmed and the sale is being recorded.
    Recording { payment: Payment },
    /// Paid, but the sale could not be recorded: staff must help.
    RecordFailed { payment: Payment },
}

/// What the central said about a payment whose time ran out on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryCheck {
    /// Not yet asked or not yet answered: the shopper may have paid at the
    /// last second, so the kiosk waits before offering a new code.
    Checking,
    /// The central confirmed it expired unpaid.
    Confirmed,
    /// The central stayed silent past [`EXPIRY_GRACE`]: the kiosk gave the
    /// payment up; if it turns out paid, the central refunds it.
    Unknown,
}

/// Why a payment could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The cart is above [`Rupiah::QRIS_MAX`], the most one QRIS payment
    /// may be.
    OverLimit,
    /// The central refused to create the payment, saying why.
    Refused { message: String },
    /// The central could not be reached for [`CONNECT_PATIENCE`].
    Unreachable,
    /// The bank or the wallet declined the payment.
    Declined,
}

/// Why a scanned customer-presented code did not pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeProblem {
    /// The central refused the code, saying why (not a valid code, say).
    Refused { message: String },
    /// The central did not answer; the payment is still watched, so a
    /// charge that went through shows up all the same.
    NoAnswer,
}

/// Why the central made no payment for an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotCreated {
    /// No answer (down, slow, or a server error): it may be asked again
    /// with the same key.
    Unreachable,
    /// The cart is above the QRIS limit.
    OverLimit,
    /// The central said no, and why; asking again gives the same answer.
    Refused { message: String },
}

/// A payment the central created, as the visit needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    /// The dynamic QRIS payload to draw as a QR code.
    pub qris: String,
    pub amount: Rupiah,
    /// When the central stops accepting it, on the caller's monotonic clock.
    pub expires_at: Instant,
}

/// What the shopper takes away from a finished visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The central's id of the sale; `None` while the sale waits on the
    /// device for the central to come back.
    pub transaction_id: Option<String>,
    /// Where the e-receipt can be read; drawn as a QR code.
    pub url: Option<String>,
    /// What the QRIS payment was: the total after discounts and points.
    pub total: Rupiah,
    pub points_redeemed: u64,
    pub points_earned: u64,
}

/// Something the scanning screen tells the shopper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The code is not in the catalog; nothing was added.
    NotFound {
        code: String,
    },
    /// The catalog could not be read for this code.
    LookUpFailed {
        code: String,
    },
    /// A variable-measure code with a wrong check digit (misprinted or
    /// misread); nothing was added.
    CodeRefused {
        code: String,
    },
    /// A line already holds the most one line may.
    TooMany {
        name: String,
    },
    /// The central could not be reached to create a payment.
    PaymentUnavailable,
    PaymentExpired,
    PaymentCancelled,
    /// Cancelled on the kiosk, but the central could not be told: if the
    /// shopper paid all the same, staff must help.
    CancelUnconfirmed,
    MemberNotIdentified {
        why: NotIdentified,
    },
    CartNotOpened {
        why: NotOpened,
    },
    /// A cart from another channel is in, with nothing changed.
    CartOpened {
        items: u32,
    },
    VoucherApplied {
        code: String,
    },
    /// Kept, but no promotion takes it for this cart now.
    VoucherNotApplicable {
        code: String,
    },
    /// Tobacco or an e-cigarette: not sold at a self-service machine, so
    /// not added; the shopper buys it at a cashier.
    TobaccoRefused {
        name: String,
    },
}

/// How long past its expiry the kiosk waits for the central's word on a
/// code before giving the payment up.
pub const EXPIRY_GRACE: Duration = Duration::from_secs(30);
/// How long the kiosk keeps trying to reach the central for a new payment.
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(60);

/// One visit after another on one kiosk.
#[derive(Clone, Debug)]
pub struct Visit {
    state: State,
    pricer: Pricer,
    profile: Profile,
    bill: Bill,
    idle: IdleTimer,
    online: bool,
    /// Makes the attempts' keys unique to this kiosk run.
    key_prefix: String,
    attempts: u64,
}

impl Visit {
    /// A kiosk showing the welcome screen; a visit with no touch for
    /// `idle_timeout` goes back to it, after a warning (see
    /// [`super::idle`]). Attempts at paying are keyed
    /// `{key_prefix}-1`, `{key_prefix}-2`...: the prefix must be unique to
    /// the run (a random one), since the central keeps keys for good.
    pub fn new(idle_timeout: Duration, key_prefix: &str, now: Instant) -> Visit {
        Visit {
            state: State::Welcome,
            pricer: Pricer::plain(),
            profile: Profile::default(),
            bill: Bill::default(),
            idle: IdleTimer::new(idle_timeout, now),
            online: true,
            key_prefix: key_prefix.to_owned(),
            attempts: 0,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Returns true if and only if the central answered last time it was asked.
    pub fn online(&self) -> bool {
        self.online
    }

    /// What the scanning screen should say: the last notice, or else that
    /// payment is unavailable while the central cannot be reached.
    pub fn notice(&self) -> Option<Notice> {
        match &self.state {
            State::Scanning { notice: Some(n), .. } => Some(n.clone()),
            State::Scanning { notice: None, .. } if !self.online => {
                Some(Notice::PaymentUnavailable)
            }
            _ => None,
        }
    }

    /// The time left before the visit idles out, or `None` while it cannot
    /// (on the welcome screen and while a payment is under way).
    pub fn idle_left(&self, now: Instant) -> Option<Duration> {
        match self.idle(now) {
            Idle::Held => None,
            Idle::Counting { left } | Idle::Warning { left, .. } => Some(left),
            Idle::TimedOut => Some(Duration::ZERO),
        }
    }

    /// Where the idle countdown stands at `now`: held on the welcome
    /// screen and while a payment is under way, so a visit never times
    /// out while the shopper may be paying.
    pub fn idle(&self, now: Instant) -> Idle {
        self.idle.status(now, !self.idles())
    }

    /// Returns true if and only if the visit's screen may time out.
    fn idles(&self) -> bool {
        match &self.state {
            State::Welcome => false,
            State::Scanning { .. } | State::Done { .. } => true,
            // Never while a door is open or opening.
            State::Pickup { stage: PickupStage::Paying { stage, .. } } => pay_idles(stage),
            State::Pickup { stage } => {
                matches!(stage, PickupStage::Entering { .. } | PickupStage::Collected { .. })
            }
            State::Staff { stage } => stage.idles(),
            // Never while the central or a door is being waited for.
            State::Return { stage } => matches!(
                stage,
                ReturnStage::Scanning { .. }
                    | ReturnStage::Picking { .. }
                    | ReturnStage::Confirming { .. }
                    | ReturnStage::Stowed { .. }
                    | ReturnStage::NotStowed { .. }
            ),
            State::Paying { stage, .. } => pay_idles(stage),
        }
    }

    /// Applies `event` at `now` and returns the effects to carry out.
    pub fn step(&mut self, event: Event, now: Instant) -> Vec<Effect> {
        match event {
            Event::Tick => {
                if self.idle(now) == Idle::TimedOut {
                    self.state = State::Welcome;
                    self.forget_shopper();
                    return vec![Effect::EndVisit];
                }
            }
            Event::Connectivity { online } => {
                self.online = online;
                return vec![];
            }
            // Nothing changes on screen but the warning, which goes.
            Event::MoreTime => {
                let held = !self.idles();
                self.idle.more_time(now, held);
                return vec![];
            }
            _ => self.idle.touched(now),
        }
        let idled = self.idle_left(now).is_some();
        if !matches!(self.state, State::Scanning { .. }) {
            self.drop_answer(&event);
        }
        let state = std::mem::replace(&mut self.state, State::Welcome);
        let (state, effects) = self.next(state, event, now);
        self.state = state;
        if self.state == State::Welcome {
            self.forget_shopper();
        } else {
            self.reprice();
        }
        // A screen that starts to idle (an expired code, a failure) gives
        // the shopper the whole timeout from when it appears.
        if !idled && self.idle_left(now).is_some() {
            self.idle.touched(now);
        }
        effects
    }

    /// The transition for every event but connectivity.
    fn next(&mut self, state: State, event: Event, now: Instant) -> (State, Vec<Effect>) {
        use Event as E;
        use State as S;

        match (state, event) {
            (S::Welcome, E::Start) => (scanning(Cart::new(), None), vec![]),
            (S::Welcome, E::StartPickup) => (pickup::entering(None), vec![]),
            // Staff come in through the pickup screen, where the lockers are.
            (S::Pickup { stage: PickupStage::Entering { .. } }, E::StartStaff) => {
                (staff::signing_in(), vec![])
            }
            (S::Pickup { stage }, event) => self.next_pickup(stage, event, now),
            (S::Welcome, E::StartReturn) => (returns::scanning(None), vec![]),
            (S::Return { stage }, event) => self.next_return(stage, event),
            (S::Staff { stage }, event) => self.next_staff(stage, event),
            // A scan on the welcome screen starts the visit with it: an
            // item, a member's code, a cart from the phone, a voucher.
            (S::Welcome, event @ E::Scanned { .. }) => {
                self.next_scanning(Cart::new(), None, String::new(), Scanning::default(), event)
            }
            (S::Scanning { cart, .. }, E::Pay) if !cart.is_empty() => self.start_attempt(cart),
            (S::Scanning { cart, panel: Panel::Approval(approval), .. }, E::Approved { .. })
                if approval.checking =>
            {
                self.approved(cart, approval)
            }
            // The cart went to the phone and the shopper leaves the kiosk.
            (S::Scanning { panel: Panel::HandOff { code: Some(_), .. }, .. }, E::Finish) => {
                (S::Welcome, vec![Effect::EndVisit])
            }
            (S::Scanning { cart, notice, typed, keypad, panel }, event) => {
                self.next_scanning(cart, notice, typed, Scanning { keypad, panel }, event)
            }
            (S::Paying { cart, attempt, stage }, event) => {
                self.next_paying(cart, attempt, stage, event, now)
            }
            (S::Done { .. }, E::Finish) => (S::Welcome, vec![Effect::EndVisit]),
            (state, event) => (state, stale(event)),
        }
    }

    /// The key of a new try at paying: unique to the run and the try.
    fn new_attempt_key(&mut self) -> String {
        let key = self.next_attempt_key();
        self.attempts += 1;
        key
    }

    /// A new try at paying for `cart`, with a key of its own.
    fn start_attempt(&mut self, cart: Cart) -> (State, Vec<Effect>) {
        // An age-restricted line no member of staff approved is never paid.
        if !unapproved(&cart).is_empty() {
            return (self.ask_approval(cart), vec![]);
        }
        let attempt = self.new_attempt_key();
        let amount = self.bill.to_pay;
        // No payment may be above the limit: say so before asking anyone.
        if amount > Rupiah::QRIS_MAX {
            let stage = PayStage::Failed { failure: Failure::OverLimit };
            return (State::Paying { cart, attempt, stage }, vec![]);
        }
        let checkout = self.checkout();
        let effect = Effect::CreatePayment {
            attempt: attempt.clone(),
            cart: cart.clone(),
            amount,
            checkout,
        };
        let stage = PayStage::Creating { tries: 1, failing_since: None };
        (State::Paying { cart, attempt, stage }, vec![effect])
    }

    /// The transitions of the scanning screen.
    fn next_scanning(
        &mut self,
        mut cart: Cart,
        notice: Option<Notice>,
        mut typed: String,
        Scanning { mut keypad, mut panel }: Scanning,
        event: Event,
    ) -> (State, Vec<Effect>) {
        use Event as E;

        let mut effects = vec![];
        let notice = match event {
            E::Scanned { code } => match classify(&code) {
                Scan::Product => {
                    effects.push(Effect::LookUp { code });
                    None
                }
                Scan::Voucher => Some(self.give_voucher(&cart, code)),
                Scan::Member | Scan::Cart => {
                    let (notice, effect) = self.scanned_special(code).expect("a special code");
                    effects.push(effect);
                    notice
                }
            },
            E::KeypadDigit { digit }
                if digit.is_ascii_digit() && typed.len() < max_typed(keypad) =>
            {
                typed.push(digit);
                notice
            }
            // Another mode starts afresh: a half-typed phone number is no
            // barcode.
            E::KeypadMode { mode } if mode != keypad => {
                typed.clear();
                keypad = mode;
                notice
            }
            E::KeypadDelete => {
                typed.pop();
                notice
            }
            E::KeypadEnter if keypad == KeypadMode::Phone && typed.len() < MIN_PHONE => notice,
            E::KeypadEnter if !typed.is_empty() => {
                let typed = std::mem::take(&mut typed);
                match std::mem::take(&mut keypad) {
                    KeypadMode::Barcode => {
                        effects.push(Effect::LookUp { code: typed });
                        None
                    }
                    KeypadMode::Phone => {
                        self.profile.identifying = true;
                        effects.push(Effect::IdentifyPhone { phone: typed });
                        None
                    }
                    KeypadMode::Voucher => Some(self.give_voucher(&cart, typed)),
                }
            }
            E::ProductFound { product } if approval::refused(&product).is_some() => {
                approval::refused(&product)
            }
            E::ProductFound { product } => match cart.add(&product) {
                Ok(()) => None,
                Err(_) => Some(Notice::TooMany { name: product.name }),
            },
            E::MeasuredFound { product, measure } => match cart.add_item(&product, Some(measure)) {
                Ok(()) => None,
                Err(_) => Some(Notice::TooMany { name: product.name }),
            },
            E::CodeRefused { code } => Some(Notice::CodeRefused { code }),
            E::ProductNotFound { code } => Some(Notice::NotFound { code }),
            E::LookUpFailed { code } => Some(Notice::LookUpFailed { code }),
            // A change the shopper made clears an old notice: it was about
            // something before.
            E::Increment { barcode } => match cart.increment(&barcode) {
                Err(CartError::TooMany) => Some(Notice::TooMany { name: name_of(&cart, &barcode) }),
                _ => None,
            },
            E::Decrement { barcode } => {
                // A line that is already gone has nothing to take away.
                let _ = cart.decrement(&barcode);
                None
            }
            E::Remove { barcode } => {
                let _ = cart.remove(&barcode);
                None
            }
            // The approval panel's own events change only the panel.
            event @ (E::StaffPinDigit { .. }
            | E::StaffPinDelete
            | E::StaffPinEnter
            | E::ApprovalRefused { .. }) => {
                effects = self.next_approval(&mut panel, &event).unwrap_or_default().1;
                notice
            }
            event => match self.next_omni(&mut cart, &mut panel, &mut keypad, event.clone()) {
                Some((None, omni)) => {
                    effects = omni;
                    notice
                }
                Some((new, omni)) => {
                    effects = omni;
                    new
                }
                None => {
                    effects = stale(event);
                    notice
                }
            },
        };
        (State::Scanning { cart, notice, typed, keypad, panel }, effects)
    }
}

/// Returns true if and only if a payment screen at `stage` may time out:
/// never while a payment may still be made.
fn pay_idles(stage: &PayStage) -> bool {
    matches!(
        stage,
        PayStage::RecordFailed { .. }
            | PayStage::Failed { .. }
            | PayStage::Expired { check: ExpiryCheck::Confirmed | ExpiryCheck::Unknown, .. }
    )
}

/// What a report about an attempt the visit has left calls for: a payment
/// made after the shopper gave up on it must not stay open, and one that
/// may exist must never become a sale.
fn stale(event: Event) -> Vec<Effect> {
    match event {
        Event::PaymentCreated { attempt, payment } => {
            vec![Effect::GiveUpPayment { attempt }, Effect::CancelPayment { id: payment.id }]
        }
        Event::PaymentNotCreated { attempt, why: NotCreated::Unreachable } => {
            vec![Effect::GiveUpPayment { attempt }]
        }
        _ => vec![],
    }
}

/// The most digits the keypad takes for a barcode: a GTIN-14.
pub const MAX_TYPED: usize = 14;
/// The most digits of a voucher typed on the keypad.
pub const MAX_VOUCHER: usize = 20;

fn max_typed(mode: KeypadMode) -> usize {
    match mode {
        KeypadMode::Barcode => MAX_TYPED,
        KeypadMode::Phone => MAX_PHONE,
        KeypadMode::Voucher => MAX_VOUCHER,
    }
}

/// The cart screen's keypad and panel, passed along with its cart.
#[derive(Default)]
struct Scanning {
    keypad: KeypadMode,
    panel: Panel,
}

fn scanning(cart: Cart, notice: Option<Notice>) -> State {
    State::Scanning {
        cart,
        notice,
        typed: String::new(),
        keypad: KeypadMode::Barcode,
        panel: Panel::None,
    }
}

fn name_of(cart: &Cart, barcode: &str) -> String {
    cart.lines().iter().find(|l| l.barcode == barcode).map(|l| l.name.clone()).unwrap_or_default()
}

mod approval;
mod event;
mod omni;
mod paying;
mod pickup;
mod pickup_pay;
mod returns;
mod staff;
pub use approval::{Approval, ApprovalProblem, Pin, ToApprove};
pub use event::{Effect, Event};
pub use omni::{
    Alert, Bill, Checkout, KeypadMode, Member, NearbyStock, NotIdentified, NotOpened, Panel,
    Pricer, Recommendation, Shopper, Stock, Totals, redeemable,
};
use omni::{MAX_PHONE, MIN_PHONE, Profile, Scan, classify};
pub use paying::payment_of;
pub use pickup::{CODE_DIGITS, FoundOrder, PHONE_DIGITS, PickupProblem, PickupStage};
pub use returns::{
    LineRefused, NotStowed, Refund, RefundTo, ReturnChoice, ReturnLine, ReturnProblem,
    ReturnPurchase, ReturnReason, ReturnRequest, ReturnStage,
};
pub use staff::{
    Door, LoadProblem, ORDER_DIGITS, ORDER_PREFIX, StaffMember, StaffStage, ToUnload, UnloadResult,
    Unloaded, order_id_of,
};

#[cfg(test)]
mod tests;
