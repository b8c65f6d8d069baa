//! Staff approval of age-restricted items in a visit: Pay with an
//! unapproved age-21 line opens the approval panel instead of a payment; a
//! member of staff types their PIN there; the device checks it (offline,
//! against the synced hashes) and the payment starts once it approves.
//! Tobacco never enters the cart.

use std::fmt;

use super::{Effect, Event, Notice, Panel, State, Visit};
use crate::domain::Product;
use crate::domain::cart::Cart;
use crate::domain::restricted::{PIN_DIGITS, Restriction, unapproved};

/// A staff PIN as typed: digits kept in memory only, never shown, never
/// in a debug print (so never in a log line).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn new(digits: &str) -> Pin {
        Pin(digits.to_owned())
    }

    /// The digits, for the check against the hashes.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// How many digits are typed: the screen shows as many dots.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn push(&mut self, digit: char) {
        self.0.push(digit);
    }

    pub(super) fn pop(&mut self) {
        self.0.pop();
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({} digits)", self.0.len())
    }
}

/// One line the staff member approves: what the panel lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToApprove {
    pub barcode: String,
    pub name: String,
    pub qty: u32,
}

/// Why the PIN did not approve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalProblem {
    /// Wrong PIN; `left` more tries before the lockout.
    WrongPin { left: u32 },
    /// Approvals are locked for `secs` more seconds.
    Locked { secs: u64 },
    /// The device has no staff list, or could not check.
    Unavailable,
}

/// The approval panel over the cart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Approval {
    pub items: Vec<ToApprove>,
    pub pin: Pin,
    /// The PIN is being checked.
    pub checking: bool,
    pub problem: Option<ApprovalProblem>,
}

/// The lines of `cart` that need approval, as the panel lists them.
pub(super) fn to_approve(cart: &Cart) -> Vec<ToApprove> {
    unapproved(cart)
        .into_iter()
        .map(|l| ToApprove { barcode: l.barcode.clone(), name: l.name.clone(), qty: l.qty })
        .collect()
}

impl Visit {
    /// The key the next payment attempt will have: the approval's audit
    /// entry names it.
    pub(super) fn next_attempt_key(&self) -> String {
        format!("{}-{}", self.key_prefix, self.attempts + 1)
    }

    /// The staff member's approval of the panel's lines: only what they saw
    /// is approved, even if the cart changed while the PIN was checked;
    /// then the payment starts, or the panel asks again for what changed.
    pub(super) fn approved(&mut self, mut cart: Cart, approval: Approval) -> (State, Vec<Effect>) {
        for item in &approval.items {
            cart.approve(&item.barcode, item.qty);
        }
        self.start_attempt(cart)
    }

    /// Pay with lines staff must approve first: the panel opens instead.
    pub(super) fn ask_approval(&self, cart: Cart) -> State {
        let panel = Panel::Approval(Approval { items: to_approve(&cart), ..Default::default() });
        State::Scanning {
            cart,
            notice: None,
            typed: String::new(),
            keypad: Default::default(),
            panel,
        }
    }

    /// The approval panel's transitions; `None` for an event that is not
    /// one of them.
    pub(super) fn next_approval(
        &mut self,
        panel: &mut Panel,
        event: &Event,
    ) -> Option<(Option<Notice>, Vec<Effect>)> {
        use Event as E;

        let Panel::Approval(approval) = panel else { return None };
        let none = Some((None, vec![]));
        match event {
            E::StaffPinDigit { digit }
                if digit.is_ascii_digit()
                    && !approval.checking
                    && approval.pin.len() < *PIN_DIGITS.end() =>
            {
                approval.pin.0.push(*digit);
                approval.problem = None;
                none
            }
            E::StaffPinDelete if !approval.checking => {
                approval.pin.0.pop();
                none
            }
            E::StaffPinEnter if !approval.checking && approval.pin.len() >= *PIN_DIGITS.start() => {
                approval.checking = true;
                let pin = std::mem::take(&mut approval.pin);
                let effect = Effect::ApproveRestricted {
                    pin,
                    items: approval.items.clone(),
                    attempt: self.next_attempt_key(),
                };
                Some((None, vec![effect]))
            }
            E::ApprovalRefused { why } if approval.checking => {
                approval.checking = false;
                approval.problem = Some(why.clone());
                none
            }
            // Typing or checking, the panel stays until closed; the cart
            // stays as it is.
            E::StaffPinDigit { .. } | E::StaffPinDelete | E::StaffPinEnter => none,
            _ => None,
        }
    }
}

/// Returns `Some` notice when `product` cannot go into the cart at a kiosk.
pub(super) fn refused(product: &Product) -> Option<Notice> {
    (product.restriction == Restriction::Tobacco)
        .then(|| Notice::TobaccoRefused { name: product.name.clone() })
}
