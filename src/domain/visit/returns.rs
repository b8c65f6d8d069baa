//! Bringing goods back at the kiosk: the receipt's or the order's QR, the
//! lines that may come back, the customer's picks, the refund, and the
//! return compartment that takes the goods.
//!
//! The central decides what may come back and refunds; the kiosk asks it
//! first ([`Effect::FindReturnable`]), then posts the return with a key of
//! its own ([`Effect::PostReturn`]), so a retry after a lost answer never
//! refunds twice. Only once the refund is made does a compartment open; a
//! door that then goes wrong leaves the refund as it is and sends the
//! customer to staff.

use super::{Effect, Event, State, Visit};
use crate::domain::Rupiah;
use crate::domain::returns::{RefundSplit, refund_amount, split_refund};

/// The steps of a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReturnStage {
    /// The customer scans the receipt's or the order's QR; `problem` says
    /// why the last scan found nothing to return.
    Scanning { problem: Option<ReturnProblem> },
    /// The central is asked what of the purchase may come back.
    Looking,
    /// The customer picks the items, a reason and where the refund goes.
    Picking { choice: ReturnChoice },
    /// The return is summed up for the customer to confirm. `retry` is
    /// the key of a post the central did not answer: confirming again
    /// sends the same one, so a refund made meanwhile is not made twice.
    Confirming { choice: ReturnChoice, retry: Option<String>, problem: Option<ReturnProblem> },
    /// The return is posted under `key` (after a free return compartment
    /// was found).
    Posting { choice: ReturnChoice, key: String },
    /// Refunded; compartment `compartment` is unlocked for the goods.
    Opening { refund: Refund, compartment: u32 },
    /// Its door is open; `left_open` once it has been open too long.
    Open { refund: Refund, compartment: u32, left_open: bool },
    /// The door closed on the goods: staff check them later.
    Stowed { refund: Refund, compartment: u32 },
    /// Refunded, but the goods did not go in: staff must help.
    NotStowed { refund: Refund, compartment: u32, why: NotStowed },
}

/// Why a return went no further; nothing was refunded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReturnProblem {
    /// Not a receipt's or an order's code.
    BadQr,
    /// No purchase of this store has that code.
    NotFound,
    /// The order has not been collected yet.
    NotCollected,
    /// The central cannot be reached: returns need it; nothing changed.
    Unreachable,
    /// The post went unanswered: the refund may have been made; trying
    /// again sends the same key.
    NoAnswer,
    /// No return compartment is free; nothing changed.
    NoCompartment,
    /// Some of the items came back meanwhile (another kiosk, the
    /// counter): the customer scans the receipt again.
    AlreadyBack,
    /// The days for returns passed meanwhile.
    TooLate,
    /// The central refused it for a reason the customer cannot act on
    /// (its words are in the log): staff help.
    Refused,
}

/// Why the goods of a refunded return are not in the compartment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotStowed {
    /// The door was not opened in time and locked again.
    DoorNotOpened,
    /// The door closed with nothing inside.
    Empty,
    /// The lockers did not answer.
    LockerFailed,
}

/// Where a refund goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundTo {
    /// Back to the QRIS payment that paid the purchase.
    Qris,
    /// To the member's points.
    Points,
}

/// The reasons a customer picks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnReason {
    Damaged,
    WrongItem,
    Expired,
    ChangedMind,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 4] = [
        ReturnReason::Damaged,
        ReturnReason::WrongItem,
        ReturnReason::Expired,
        ReturnReason::ChangedMind,
    ];

    /// The reason as the central records it, in both languages for staff.
    pub fn text(self) -> &'static str {
        match self {
            ReturnReason::Damaged => "rusak / damaged",
            ReturnReason::WrongItem => "salah barang / wrong item",
            ReturnReason::Expired => "kedaluwarsa / past its date",
            ReturnReason::ChangedMind => "berubah pikiran / changed mind",
        }
    }
}

/// A purchase as the central describes it for a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnPurchase {
    /// The order (`ORD-...`) or the sale (`TRX-...`).
    pub order: Option<String>,
    pub sale: Option<String>,
    /// What it cost after promotions, its lines at list prices, and what
    /// earlier returns refunded: a refund is a share of the first.
    pub paid: Rupiah,
    pub list_total: Rupiah,
    pub refunded: Rupiah,
    /// What of `paid` points paid: a refund to QRIS gives the points
    /// their share back.
    pub points_paid: Rupiah,
    /// Where a refund may go.
    pub refund_to: Vec<RefundTo>,
    pub lines: Vec<ReturnLine>,
}

/// One line of the purchase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnLine {
    pub barcode: String,
    pub name: String,
    pub unit_price: Rupiah,
    pub bought: u32,
    pub returned: u32,
    /// Why none of it may come back, if so.
    pub refused: Option<LineRefused>,
}

impl ReturnLine {
    /// How many may still come back.
    pub fn left(&self) -> u32 {
        if self.refused.is_some() { 0 } else { self.bought.saturating_sub(self.returned) }
    }
}

/// The rule that keeps a line from coming back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineRefused {
    /// Bought more than `days` days ago.
    TooLate { days: u32 },
    /// Its category is final sale.
    FinalSale { category: String },
    /// All of it came back already.
    AllBack,
    /// A rule this kiosk does not know, in the central's words.
    Other { reason: String },
}

/// What the customer has chosen so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnChoice {
    pub purchase: ReturnPurchase,
    /// How many of each line come back, in the purchase's order.
    pub picks: Vec<u32>,
    pub reason: Option<ReturnReason>,
    pub refund_to: Option<RefundTo>,
}

impl ReturnChoice {
    fn new(purchase: ReturnPurchase) -> ReturnChoice {
        // With one place for the refund, there is nothing to choose.
        let refund_to = match purchase.refund_to.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        let picks = vec![0; purchase.lines.len()];
        ReturnChoice { purchase, picks, reason: None, refund_to }
    }

    /// How many items come back.
    pub fn items(&self) -> u32 {
        self.picks.iter().sum()
    }

    /// Returns true if and only if the return may be summed up: items,
    /// a reason and a place for the refund.
    pub fn ready(&self) -> bool {
        self.items() > 0 && self.reason.is_some() && self.refund_to.is_some()
    }

    /// What the central will refund, by the same rule it uses: the picked
    /// lines' list value as a share of what the purchase cost; the return
    /// that brings the last goods back refunds what is left.
    pub fn refund(&self) -> Rupiah {
        let p = &self.purchase;
        let value: i64 =
            p.lines.iter().zip(&self.picks).map(|(l, n)| l.unit_price.0 * i64::from(*n)).sum();
        refund_amount(Rupiah(value), p.list_total, p.paid, p.refunded, self.brings_the_last_back())
    }

    /// Returns true if and only if the picks bring the last of every line
    /// back.
    fn brings_the_last_back(&self) -> bool {
        let mut lines = self.purchase.lines.iter().zip(&self.picks);
        lines.all(|(l, n)| l.returned + n >= l.bought)
    }

    /// Where [`Self::refund`] goes, by the central's rule: to points all of
    /// it; to QRIS the payment's share, and the points' share back to the
    /// points when some of the purchase was paid with them.
    pub fn refund_split(&self) -> RefundSplit {
        let p = &self.purchase;
        let amount = self.refund();
        match self.refund_to {
            Some(RefundTo::Points) => RefundSplit { qris: Rupiah::ZERO, points: amount },
            _ => split_refund(amount, p.refunded, p.paid, p.points_paid),
        }
    }

    /// The lines coming back, as `(barcode, qty)`.
    pub fn lines(&self) -> Vec<(String, u32)> {
        let lines = self.purchase.lines.iter().zip(&self.picks);
        lines.filter(|(_, n)| **n > 0).map(|(l, n)| (l.barcode.clone(), *n)).collect()
    }
}

/// A return the central recorded and refunded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refund {
    pub return_id: String,
    pub amount: Rupiah,
    pub to: RefundTo,
    /// What of `amount` went to the member's points.
    pub points: Rupiah,
}

/// What the kiosk posts to the central.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnRequest {
    pub order: Option<String>,
    pub sale: Option<String>,
    pub lines: Vec<(String, u32)>,
    pub reason: ReturnReason,
    pub refund_to: RefundTo,
}

pub(super) fn scanning(problem: Option<ReturnProblem>) -> State {
    State::Return { stage: ReturnStage::Scanning { problem } }
}

impl Visit {
    /// The transitions of a return.
    pub(super) fn next_return(&mut self, stage: ReturnStage, event: Event) -> (State, Vec<Effect>) {
        use Event as E;
        use ReturnStage as R;

        let at = |stage| State::Return { stage };
        match (stage, event) {
            (R::Scanning { .. }, E::Scanned { code }) => {
                match crate::domain::returns::PurchaseRef::parse(&code) {
                    Some(r) => {
                        let reference = r.as_str().to_owned();
                        (at(R::Looking), vec![Effect::FindReturnable { reference }])
                    }
                    None => (scanning(Some(ReturnProblem::BadQr)), vec![]),
                }
            }
            (R::Scanning { .. }, E::Cancel) => (State::Welcome, vec![Effect::EndVisit]),
            (R::Looking, E::ReturnableFound { purchase }) => {
                (at(R::Picking { choice: ReturnChoice::new(purchase) }), vec![])
            }
            (R::Looking, E::ReturnNotFound { why }) => (scanning(Some(why)), vec![]),
            (R::Picking { mut choice }, event) => {
                match event {
                    E::ReturnMore { line } => {
                        if let (Some(n), Some(l)) =
                            (choice.picks.get_mut(line), choice.purchase.lines.get(line))
                            && *n < l.left()
                        {
                            *n += 1;
                        }
                    }
                    E::ReturnLess { line } => {
                        if let Some(n) = choice.picks.get_mut(line) {
                            *n = n.saturating_sub(1);
                        }
                    }
                    E::ReturnReasonChosen { reason } => choice.reason = Some(reason),
                    E::ReturnRefundChosen { to } if choice.purchase.refund_to.contains(&to) => {
                        choice.refund_to = Some(to);
                    }
                    E::ReturnReview if choice.ready() => {
                        return (at(R::Confirming { choice, retry: None, problem: None }), vec![]);
                    }
                    E::Cancel => return (State::Welcome, vec![Effect::EndVisit]),
                    _ => {}
                }
                (at(R::Picking { choice }), vec![])
            }
            (R::Confirming { choice, retry, .. }, E::ReturnConfirm) => {
                let key = retry.unwrap_or_else(|| {
                    self.attempts += 1;
                    format!("{}-return-{}", self.key_prefix, self.attempts)
                });
                let effect = Effect::PostReturn { key: key.clone(), request: request_of(&choice) };
                (at(R::Posting { choice, key }), vec![effect])
            }
            // Back to the picks; a post left unanswered is not retried
            // with other contents under its key.
            (R::Confirming { choice, .. }, E::Cancel) => (at(R::Picking { choice }), vec![]),
            (R::Posting { choice, key }, E::ReturnNotRecorded { why }) => match why {
                ReturnProblem::NoAnswer => {
                    let problem = Some(ReturnProblem::NoAnswer);
                    (at(R::Confirming { choice, retry: Some(key), problem }), vec![])
                }
                why => (at(R::Confirming { choice, retry: None, problem: Some(why) }), vec![]),
            },
            (R::Posting { .. }, E::ReturnRecorded { refund, compartment }) => {
                let effect = Effect::OpenReturnCompartment {
                    return_id: refund.return_id.clone(),
                    compartment,
                };
                (at(R::Opening { refund, compartment }), vec![effect])
            }
            (R::Opening { refund, compartment }, E::DoorOpened) => {
                (at(R::Open { refund, compartment, left_open: false }), vec![])
            }
            (R::Open { refund, compartment, .. }, E::DoorLeftOpen) => {
                (at(R::Open { refund, compartment, left_open: true }), vec![])
            }
            (
                R::Opening { refund, compartment } | R::Open { refund, compartment, .. },
                E::ReturnStowed,
            ) => (at(R::Stowed { refund, compartment }), vec![]),
            (
                R::Opening { refund, compartment } | R::Open { refund, compartment, .. },
                E::ReturnNotStowed { why },
            ) => (at(R::NotStowed { refund, compartment, why }), vec![]),
            (R::Stowed { .. } | R::NotStowed { .. }, E::Finish) => {
                (State::Welcome, vec![Effect::EndVisit])
            }
            (stage, _) => (at(stage), vec![]),
        }
    }
}

fn request_of(choice: &ReturnChoice) -> ReturnRequest {
    ReturnRequest {
        order: choice.purchase.order.clone(),
        sale: choice.purchase.sale.clone(),
        lines: choice.lines(),
        reason: choice.reason.expect("a return is confirmed with its reason"),
        refund_to: choice.refund_to.expect("a return is confirmed with its refund"),
    }
}
