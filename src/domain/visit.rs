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
            (S::Scanning { cart, notice, typed }, event) => {
                Visit::next_scanning(cart, notice, typed, event)
            }

            (S::Paying { cart, stage: PayStage::Creating }, E::PaymentCreated { payment }) => {
                let effect = Effect::WatchPayment { id: payment.id.clone() };
                (S::Paying { cart, stage: PayStage::Pending { payment } }, vec![effect])
            }
            // A payment created after the shopper gave up on it must not stay open.
            (state, E::PaymentCreated { payment }) => {
                (state, vec![Effect::CancelPayment { id: payment.id }])
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
            E::Increment { barcode } => match cart.increment(&barcode) {
                Err(CartError::TooMany) => Some(Notice::TooMany { name: name_of(&cart, &barcode) }),
                _ => notice,
            },
            E::Decrement { barcode } => {
                // A line that is already gone has nothing to take away.
                let _ = cart.decrement(&barcode);
                notice
            }
            E::Remove { barcode } => {
                let _ = cart.remove(&barcode);
                notice
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
mod tests {
    use super::*;
    use crate::domain::cart::MAX_QTY;

    const IDLE: Duration = Duration::from_secs(60);

    fn indomie() -> Product {
        Product {
            barcode: "8998866200301".into(),
            name: "Indomie Goreng 85 g".into(),
            price: Rupiah(3_500),
            category: None,
        }
    }

    fn teh() -> Product {
        Product {
            barcode: "8996001600146".into(),
            name: "Teh Botol Sosro 450 ml".into(),
            price: Rupiah(5_500),
            category: None,
        }
    }

    fn payment(t0: Instant, amount: i64) -> Payment {
        Payment {
            id: "pay-1".into(),
            qris: "000201".into(),
            amount: Rupiah(amount),
            expires_at: t0 + Duration::from_secs(300),
        }
    }

    fn at(t0: Instant, secs: u64) -> Instant {
        t0 + Duration::from_secs(secs)
    }

    /// A visit on the scanning screen with two Indomie and one Teh Botol.
    fn scanning_with_items(t0: Instant) -> Visit {
        let mut v = Visit::new(IDLE, t0);
        v.step(Event::Start, t0);
        for p in [indomie(), indomie(), teh()] {
            assert_eq!(
                v.step(Event::Scanned { code: p.barcode.clone() }, t0),
                vec![Effect::LookUp { code: p.barcode.clone() }]
            );
            v.step(Event::ProductFound { product: p }, t0);
        }
        v
    }

    fn cart_of(v: &Visit) -> &Cart {
        match v.state() {
            State::Scanning { cart, .. } | State::Paying { cart, .. } => cart,
            other => panic!("no cart in {other:?}"),
        }
    }

    #[test]
    fn scans_fill_the_cart_and_pay_asks_for_the_total() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        // 2 x 3.500 + 5.500 = 12.500
        assert_eq!(cart_of(&v).total(), Rupiah(12_500));
        assert_eq!(cart_of(&v).lines()[0].qty, 2);

        let effects = v.step(Event::Pay, t0);
        assert_eq!(
            effects,
            vec![Effect::CreatePayment { cart: cart_of(&v).clone(), amount: Rupiah(12_500) }]
        );
        assert!(matches!(v.state(), State::Paying { stage: PayStage::Creating, .. }));
    }

    #[test]
    fn whole_visit_ends_with_a_receipt_and_no_cart() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        let effects = v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        assert_eq!(effects, vec![Effect::WatchPayment { id: "pay-1".into() }]);

        assert_eq!(
            v.step(Event::SimulatePaid, t0),
            vec![Effect::SimulatePayment { id: "pay-1".into() }]
        );
        let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
        assert!(
            matches!(&effects[..], [Effect::RecordSale { payment, .. }] if payment.id == "pay-1")
        );

        let recorded = Event::SaleRecorded {
            transaction_id: Some("trx-9".into()),
            url: Some("http://r/9".into()),
        };
        v.step(recorded, t0);
        assert_eq!(
            v.state(),
            &State::Done {
                receipt: Receipt {
                    transaction_id: Some("trx-9".into()),
                    url: Some("http://r/9".into()),
                    total: Rupiah(12_500)
                }
            }
        );
        assert_eq!(v.step(Event::Finish, t0), vec![Effect::EndVisit]);
        assert_eq!(v.state(), &State::Welcome);
    }

    #[test]
    fn unknown_code_says_so_and_adds_nothing() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Scanned { code: "8990000000000".into() }, t0);
        v.step(Event::ProductNotFound { code: "8990000000000".into() }, t0);
        assert_eq!(v.notice(), Some(Notice::NotFound { code: "8990000000000".into() }));
        assert_eq!(cart_of(&v).item_count(), 3);
        // The next scan clears the notice.
        v.step(Event::Scanned { code: indomie().barcode }, t0);
        assert_eq!(v.notice(), None);
    }

    #[test]
    fn plus_minus_and_remove_change_the_lines() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Increment { barcode: teh().barcode }, t0);
        // 2 x 3.500 + 2 x 5.500 = 18.000
        assert_eq!(cart_of(&v).total(), Rupiah(18_000));
        v.step(Event::Decrement { barcode: indomie().barcode }, t0);
        v.step(Event::Decrement { barcode: indomie().barcode }, t0);
        // Indomie is gone: 2 x 5.500 = 11.000
        assert_eq!(cart_of(&v).lines().len(), 1);
        assert_eq!(cart_of(&v).total(), Rupiah(11_000));
        v.step(Event::Remove { barcode: teh().barcode }, t0);
        assert!(cart_of(&v).is_empty());
        // An empty cart cannot be paid for.
        assert_eq!(v.step(Event::Pay, t0), vec![]);
        assert!(matches!(v.state(), State::Scanning { .. }));
    }

    #[test]
    fn line_limit_is_a_notice_not_an_error() {
        let t0 = Instant::now();
        let mut v = Visit::new(IDLE, t0);
        v.step(Event::Start, t0);
        for _ in 0..MAX_QTY {
            v.step(Event::ProductFound { product: indomie() }, t0);
        }
        v.step(Event::ProductFound { product: indomie() }, t0);
        assert_eq!(v.notice(), Some(Notice::TooMany { name: "Indomie Goreng 85 g".into() }));
        assert_eq!(cart_of(&v).lines()[0].qty, 99);
    }

    #[test]
    fn offline_kiosk_still_scans_and_says_payment_is_unavailable() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Connectivity { online: false }, t0);
        assert_eq!(v.notice(), Some(Notice::PaymentUnavailable));
        v.step(Event::ProductFound { product: teh() }, t0);
        assert_eq!(cart_of(&v).item_count(), 4);

        v.step(Event::Pay, t0);
        v.step(Event::PaymentUnavailable, t0);
        assert!(matches!(
            v.state(),
            State::Scanning { notice: Some(Notice::PaymentUnavailable), cart, .. } if cart.item_count() == 4
        ));
    }

    #[test]
    fn idle_scanning_returns_to_welcome_and_forgets_the_cart() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Touch, at(t0, 30));
        assert_eq!(v.idle_left(at(t0, 50)), Some(Duration::from_secs(40)));
        assert_eq!(v.step(Event::Tick, at(t0, 89)), vec![]);
        assert!(matches!(v.state(), State::Scanning { .. }));
        // 30 s + 60 s idle timeout.
        assert_eq!(v.step(Event::Tick, at(t0, 90)), vec![Effect::EndVisit]);
        assert_eq!(v.state(), &State::Welcome);
    }

    #[test]
    fn never_idles_out_while_a_payment_is_pending() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        assert_eq!(v.step(Event::Tick, at(t0, 600)), vec![]);
        v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        assert_eq!(v.idle_left(at(t0, 3_600)), None);
        assert_eq!(v.step(Event::Tick, at(t0, 3_600)), vec![]);
        assert!(matches!(v.state(), State::Paying { stage: PayStage::Pending { .. }, .. }));
    }

    #[test]
    fn done_screen_idles_back_to_welcome() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
        v.step(Event::SaleRecorded { transaction_id: None, url: None }, at(t0, 10));
        assert_eq!(v.step(Event::Tick, at(t0, 69)), vec![]);
        assert_eq!(v.step(Event::Tick, at(t0, 70)), vec![Effect::EndVisit]);
        assert_eq!(v.state(), &State::Welcome);
    }

    #[test]
    fn cancel_waits_for_the_central_because_the_shopper_may_have_paid() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        assert_eq!(v.step(Event::Cancel, t0), vec![Effect::CancelPayment { id: "pay-1".into() }]);
        assert!(matches!(v.state(), State::Paying { stage: PayStage::Cancelling { .. }, .. }));

        // The bank was quicker than the cancel: the sale goes through.
        let effects = v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
        assert!(matches!(&effects[..], [Effect::RecordSale { .. }]));
    }

    #[test]
    fn cancelled_or_expired_payment_returns_to_the_cart() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        v.step(Event::Cancel, t0);
        v.step(Event::PaymentCancelled { id: "pay-1".into() }, t0);
        assert_eq!(v.notice(), Some(Notice::PaymentCancelled));
        assert_eq!(cart_of(&v).total(), Rupiah(12_500));

        v.step(Event::Pay, t0);
        v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        // A report about another payment changes nothing.
        v.step(Event::PaymentExpired { id: "pay-0".into() }, t0);
        assert!(matches!(v.state(), State::Paying { stage: PayStage::Pending { .. }, .. }));
        v.step(Event::PaymentExpired { id: "pay-1".into() }, t0);
        assert_eq!(v.notice(), Some(Notice::PaymentExpired));
    }

    #[test]
    fn payment_created_after_cancel_is_cancelled_too() {
        let t0 = Instant::now();
        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        v.step(Event::Cancel, t0);
        assert!(matches!(v.state(), State::Scanning { .. }));
        let effects = v.step(Event::PaymentCreated { payment: payment(t0, 12_500) }, t0);
        assert_eq!(effects, vec![Effect::CancelPayment { id: "pay-1".into() }]);
    }

    #[test]
    fn scans_outside_the_scanning_screen_are_ignored() {
        let t0 = Instant::now();
        let mut v = Visit::new(IDLE, t0);
        assert_eq!(v.step(Event::Scanned { code: indomie().barcode }, t0), vec![]);
        assert_eq!(v.state(), &State::Welcome);

        let mut v = scanning_with_items(t0);
        v.step(Event::Pay, t0);
        assert_eq!(v.step(Event::Scanned { code: indomie().barcode }, t0), vec![]);
        // A lookup that returns after Pay does not change the locked cart.
        v.step(Event::ProductFound { product: indomie() }, t0);
        assert_eq!(cart_of(&v).total(), Rupiah(12_500));
    }

    #[test]
    fn keypad_digits_become_one_lookup() {
        let t0 = Instant::now();
        let mut v = Visit::new(IDLE, t0);
        v.step(Event::Start, t0);
        for digit in "89912".chars() {
            v.step(Event::KeypadDigit { digit }, t0);
        }
        v.step(Event::KeypadDelete, t0);
        v.step(Event::KeypadDigit { digit: 'x' }, t0);
        assert!(matches!(v.state(), State::Scanning { typed, .. } if typed == "8991"));

        assert_eq!(v.step(Event::KeypadEnter, t0), vec![Effect::LookUp { code: "8991".into() }]);
        assert!(matches!(v.state(), State::Scanning { typed, .. } if typed.is_empty()));
        assert_eq!(v.step(Event::KeypadEnter, t0), vec![]);

        for _ in 0..20 {
            v.step(Event::KeypadDigit { digit: '9' }, t0);
        }
        assert!(matches!(v.state(), State::Scanning { typed, .. } if typed.len() == 14));
    }
}
