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
use super::money::Rupiah;
use super::product::Product;

/// Where the shopper is in the visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Nobody is using the kiosk; the screen invites a tap.
    Welcome,
    /// Products are being scanned into the cart; `typed` holds the digits
    /// typed on the on-screen keypad so far.
    Scanning { cart: Cart, notice: Option<Notice>, typed: String },
    /// The cart is locked while it is paid for.
    Paying { cart: Cart, stage: PayStage },
    /// Paid and recorded: the receipt is on screen until the shopper leaves.
    Done { receipt: Receipt },
}

/// The steps of paying for a cart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayStage {
    /// The central is being asked for a QRIS payment.
    Creating,
    /// The QRIS code is on screen, waiting for the shopper's bank.
    Pending { payment: Payment },
    /// The shopper asked to cancel; the central decides whether it was paid.
    Cancelling { payment: Payment },
    /// The payment is confirmed and the sale is being recorded.
    Recording { payment: Payment },
    /// Paid, but the sale could not be recorded: staff must help.
    RecordFailed { payment: Payment },
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
    pub total: Rupiah,
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
    /// A line already holds the most one line may.
    TooMany {
        name: String,
    },
    /// The central could not be reached to create a payment.
    PaymentUnavailable,
    PaymentExpired,
    PaymentCancelled,
}

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
    PaymentCreated {
        payment: Payment,
    },
    /// Creating the payment failed; the central is most likely unreachable.
    PaymentUnavailable,
    PaymentPaid {
        id: String,
    },
    PaymentExpired {
        id: String,
    },
    PaymentCancelled {
        id: String,
    },
    /// The shopper pressed Cancel on the payment screen.
    Cancel,
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
    /// Time passes; sent about once a second so that idle visits end.
    Tick,
    /// The central became reachable or unreachable.
    Connectivity {
        online: bool,
    },
}

/// Work for the runtime; each reports back with an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Look `code` up in the local catalog cache.
    LookUp {
        code: String,
    },
    /// Ask the central for a QRIS payment of the cart's total.
    CreatePayment {
        cart: Cart,
        amount: Rupiah,
    },
    /// Wait for the central to report the payment paid, expired or cancelled.
    WatchPayment {
        id: String,
    },
    CancelPayment {
        id: String,
    },
    /// Demo mode only: have the gateway simulator pay.
    SimulatePayment {
        id: String,
    },
    /// Record the sale (through the outbox) and make its receipt.
    RecordSale {
        cart: Cart,
        payment: Payment,
    },
    /// The visit is over: forget everything about the shopper.
    EndVisit,
}

/// One visit after another on one kiosk.
#[derive(Clone, Debug)]
pub struct Visit {
    state: State,
    idle_timeout: Duration,
    last_activity: Instant,
    online: bool,
}

impl Visit {
    /// A kiosk showing the welcome screen; a visit with no touch for
    /// `idle_timeout` goes back to it.
    pub fn new(idle_timeout: Duration, now: Instant) -> Visit {
        Visit { state: State::Welcome, idle_timeout, last_activity: now, online: true }
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
        let idles = match &self.state {
            State::Welcome => false,
            State::Scanning { .. } | State::Done { .. } => true,
            State::Paying { stage, .. } => matches!(stage, PayStage::RecordFailed { .. }),
        };
        let idle_for = now.saturating_duration_since(self.last_activity);
        idles.then(|| self.idle_timeout.saturating_sub(idle_for))
    }

    /// Applies `event` at `now` and returns the effects to carry out.
    pub fn step(&mut self, event: Event, now: Instant) -> Vec<Effect> {
        match event {
            Event::Tick => {
                if self.idle_left(now).is_some_and(|left| left.is_zero()) {
                    self.state = State::Welcome;
                    return vec![Effect::EndVisit];
                }
                return vec![];
            }
            Event::Connectivity { online } => {
                self.online = online;
                return vec![];
            }
            _ => self.last_activity = now,
        }
        let state = std::mem::replace(&mut self.state, State::Welcome);
        let (state, effects) = Visit::next(state, event);
        self.state = state;
        effects
    }

    /// The transition for every event but the clock and connectivity.
    fn next(state: State, event: Event) -> (State, Vec<Effect>) {
        use Event as E;
        use State as S;

        match (state, event) {
            (S::Welcome, E::Start) => (scanning(Cart::new(), None), vec![]),
            // A scan on the welcome screen starts the visit with that item.
            (S::Welcome, E::Scanned { code }) => {
                (scanning(Cart::new(), None), vec![Effect::LookUp { code }])
            }
            (S::Paying { cart, stage: PayStage::Creating }, E::PaymentCreated { payment }) => {
                let effect = Effect::WatchPayment { id: payment.id.clone() };
                (S::Paying { cart, stage: PayStage::Pending { payment } }, vec![effect])
            }
            // A payment created after the shopper gave up on it must not stay open.
            (state, E::PaymentCreated { payment }) => {
                (state, vec![Effect::CancelPayment { id: payment.id }])
            }
            (S::Scanning { cart, notice, typed }, event) => {
                Visit::next_scanning(cart, notice, typed, event)
            }
            (S::Paying { cart, stage: PayStage::Creating }, E::PaymentUnavailable) => {
                (scanning(cart, Some(Notice::PaymentUnavailable)), vec![])
            }
            (S::Paying { cart, stage: PayStage::Creating }, E::Cancel) => {
                (scanning(cart, None), vec![])
            }
            (S::Paying { cart, stage: PayStage::Pending { payment } }, E::Cancel) => {
                let effect = Effect::CancelPayment { id: payment.id.clone() };
                (S::Paying { cart, stage: PayStage::Cancelling { payment } }, vec![effect])
            }
            (S::Paying { cart, stage: PayStage::Pending { payment } }, E::SimulatePaid) => {
                let effect = Effect::SimulatePayment { id: payment.id.clone() };
                (S::Paying { cart, stage: PayStage::Pending { payment } }, vec![effect])
            }
            (S::Paying { cart, stage }, E::PaymentPaid { id }) => match stage {
                PayStage::Pending { payment } | PayStage::Cancelling { payment }
                    if payment.id == id =>
                {
                    let effect =
                        Effect::RecordSale { cart: cart.clone(), payment: payment.clone() };
                    (S::Paying { cart, stage: PayStage::Recording { payment } }, vec![effect])
                }
                stage => (S::Paying { cart, stage }, vec![]),
            },
            (S::Paying { cart, stage }, E::PaymentExpired { id }) => match stage {
                PayStage::Pending { payment } | PayStage::Cancelling { payment }
                    if payment.id == id =>
                {
                    (scanning(cart, Some(Notice::PaymentExpired)), vec![])
                }
                stage => (S::Paying { cart, stage }, vec![]),
            },
            (S::Paying { cart, stage }, E::PaymentCancelled { id }) => match stage {
                PayStage::Pending { payment } | PayStage::Cancelling { payment }
                    if payment.id == id =>
                {
                    (scanning(cart, Some(Notice::PaymentCancelled)), vec![])
                }
                stage => (S::Paying { cart, stage }, vec![]),
            },
            (
                S::Paying { cart, stage: PayStage::Recording { .. } },
                E::SaleRecorded { transaction_id, url },
            ) => {
                let receipt = Receipt { transaction_id, url, total: cart.total() };
                // The cart is dropped here: the shopper's items leave memory.
                (S::Done { receipt }, vec![])
            }
            (S::Paying { cart, stage: PayStage::Recording { payment } }, E::SaleFailed) => {
                (S::Paying { cart, stage: PayStage::RecordFailed { payment } }, vec![])
            }
            (S::Done { .. }, E::Finish) => (S::Welcome, vec![Effect::EndVisit]),

            // Anything else (a late lookup, a scan on the payment screen, a
            // touch) changes nothing but the idle clock.
            (state, _) => (state, vec![]),
        }
    }

    /// The transitions of the scanning screen.
    fn next_scanning(
        mut cart: Cart,
        notice: Option<Notice>,
        mut typed: String,
        event: Event,
    ) -> (State, Vec<Effect>) {
        use Event as E;

        let mut effects = vec![];
        let notice = match event {
            E::Scanned { code } => {
                effects.push(Effect::LookUp { code });
                None
            }
            E::KeypadDigit { digit } if digit.is_ascii_digit() && typed.len() < MAX_TYPED => {
                typed.push(digit);
                notice
            }
            E::KeypadDelete => {
                typed.pop();
                notice
            }
            E::KeypadEnter if !typed.is_empty() => {
                effects.push(Effect::LookUp { code: std::mem::take(&mut typed) });
                None
            }
            E::ProductFound { product } => match cart.add(&product) {
                Ok(()) => None,
                Err(_) => Some(Notice::TooMany { name: product.name }),
            },
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
            E::Pay if !cart.is_empty() => {
                let effect = Effect::CreatePayment { cart: cart.clone(), amount: cart.total() };
                return (State::Paying { cart, stage: PayStage::Creating }, vec![effect]);
            }
            _ => notice,
        };
        (State::Scanning { cart, notice, typed }, effects)
    }
}

/// The most digits the keypad takes: a GTIN-14.
pub const MAX_TYPED: usize = 14;

fn scanning(cart: Cart, notice: Option<Notice>) -> State {
    State::Scanning { cart, notice, typed: String::new() }
}

fn name_of(cart: &Cart, barcode: &str) -> String {
    cart.lines().iter().find(|l| l.barcode == barcode).map(|l| l.name.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
