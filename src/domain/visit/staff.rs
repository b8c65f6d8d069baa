//! Staff at the lockers: the staff PIN, then loading an order into a free
//! compartment or taking expired orders out again.
//!
//! Staff come in through the small *Staff* button of the pickup screen.
//! The PIN is checked as an approval's is (the same lockout and audit
//! log); the locker's work is done by effects whose results come back as
//! events, as a pickup's are.

use super::approval::Pin;
use super::{ApprovalProblem, Effect, Event, State, Visit};
use crate::domain::Rupiah;
use crate::domain::locker::{Free, Size};
use crate::domain::restricted::PIN_DIGITS;

/// What an order's QR carries: its id, `ORD-` and 16 hexadecimal digits,
/// as the channel prints it on the order's slip.
pub const ORDER_PREFIX: &str = "ORD-";
/// The hexadecimal digits of an order id after its prefix.
pub const ORDER_DIGITS: usize = 16;

/// The member of staff signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    pub id: String,
    pub name: String,
}

/// Where a compartment's door is while staff work at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Door {
    /// The order is being checked and a compartment chosen.
    Checking,
    /// The unlock is sent; the door is awaited.
    Opening { compartment: u32 },
    /// Open; `left_open` once it has been open too long.
    Open { compartment: u32, left_open: bool },
}

/// One order to take out of the lockers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToUnload {
    pub order_id: String,
    pub compartment: u32,
    pub paid: bool,
    pub total: Rupiah,
    /// Cancelled while in its compartment (else it expired).
    pub cancelled: bool,
}

/// How the taking out of one order ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnloadResult {
    /// Paid through the central, refunded in full.
    Refunded { amount: Rupiah },
    /// Paid; the policy keeps the money for staff to decide.
    Held,
    /// Never paid: nothing to give back.
    Unpaid,
    /// Paid on its channel: refunded there.
    Channel,
    /// Out of the compartment; the central is told when it answers, and
    /// applies the policy then.
    Queued,
    /// The door was not opened in time; nothing changed.
    DoorNotOpened,
    /// The door closed with goods still inside; nothing changed.
    NotEmpty,
    /// The lockers or the kiosk failed; nothing changed.
    Failed,
}

impl UnloadResult {
    /// Returns true if and only if the compartment was emptied.
    pub fn is_out(&self) -> bool {
        !matches!(self, UnloadResult::DoorNotOpened | UnloadResult::NotEmpty | UnloadResult::Failed)
    }
}

/// One order taken out, or tried, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unloaded {
    pub order_id: String,
    pub compartment: u32,
    pub result: UnloadResult,
}

/// Why an order was not loaded; the order stays `placed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadProblem {
    /// No order has this id.
    Unknown,
    /// The order is another store's.
    OtherStore {
        store: String,
    },
    /// The order is in a compartment already.
    AlreadyLoaded {
        compartment: Option<u32>,
    },
    Cancelled,
    /// Collected, expired or returned: `state` names it.
    Ended {
        state: String,
    },
    /// What was scanned is no order id.
    NotAnOrder,
    /// Every compartment is open, holds an item or holds an order.
    NoFreeCompartment,
    /// The free compartments (`free`) are all smaller than the order's
    /// `size`.
    NoneBigEnough {
        size: Size,
        free: Free,
    },
    /// The central did not answer; it issues the pickup code.
    Offline,
    DoorNotOpened {
        compartment: u32,
    },
    /// The door shut with the sensor showing nothing inside.
    ClosedEmpty {
        compartment: u32,
    },
    /// The door was still open when the kiosk stopped waiting.
    LeftOpen {
        compartment: u32,
    },
    /// The goods are in, but the central did not record it.
    NotRecorded {
        compartment: u32,
    },
    /// The lockers or the kiosk failed.
    Unavailable,
}

/// The steps of staff work at the lockers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffStage {
    /// The staff PIN keypad.
    SignIn {
        pin: Pin,
        checking: bool,
        problem: Option<ApprovalProblem>,
    },
    /// Load an order, or take expired ones out.
    Menu {
        staff: StaffMember,
    },
    /// The order's id is scanned or typed (the hexadecimal digits after
    /// `ORD-`).
    Load {
        staff: StaffMember,
        typed: String,
        problem: Option<LoadProblem>,
    },
    Loading {
        staff: StaffMember,
        order_id: String,
        door: Door,
    },
    Loaded {
        staff: StaffMember,
        order_id: String,
        compartment: u32,
    },
    /// The orders to take out; `None` while they are fetched. `done`
    /// lists what was taken out since the list was opened.
    Unload {
        staff: StaffMember,
        orders: Option<Vec<ToUnload>>,
        unavailable: bool,
        done: Vec<Unloaded>,
    },
    /// One order's compartment is open; `queue` follows it, one by one.
    Unloading {
        staff: StaffMember,
        order: ToUnload,
        door: Door,
        queue: Vec<ToUnload>,
        done: Vec<Unloaded>,
    },
}

impl StaffStage {
    /// Returns true if and only if the screen may time out: never while a
    /// door is opening or open, or a PIN is checked.
    pub(super) fn idles(&self) -> bool {
        match self {
            StaffStage::SignIn { checking, .. } => !checking,
            StaffStage::Loading { .. } | StaffStage::Unloading { .. } => false,
            _ => true,
        }
    }
}

pub(super) fn signing_in() -> State {
    State::Staff {
        stage: StaffStage::SignIn { pin: Pin::default(), checking: false, problem: None },
    }
}

/// The order id in `code`, scanned or typed after `ORD-`, in capitals.
pub fn order_id_of(code: &str) -> Option<String> {
    let code = code.trim();
    let digits = code.strip_prefix(ORDER_PREFIX).unwrap_or(code);
    (digits.len() == ORDER_DIGITS && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("{ORDER_PREFIX}{}", digits.to_ascii_uppercase()))
}

fn loading(staff: StaffMember, order_id: String) -> (State, Vec<Effect>) {
    let effect = Effect::LoadOrder { order_id: order_id.clone(), staff_id: staff.id.clone() };
    let stage = StaffStage::Loading { staff, order_id, door: Door::Checking };
    (State::Staff { stage }, vec![effect])
}

fn unloading(
    staff: StaffMember,
    order: ToUnload,
    queue: Vec<ToUnload>,
    done: Vec<Unloaded>,
) -> (State, Vec<Effect>) {
    let effect = Effect::UnloadOrder { order: order.clone(), staff_id: staff.id.clone() };
    let stage = StaffStage::Unloading { staff, order, door: Door::Checking, queue, done };
    (State::Staff { stage }, vec![effect])
}

fn unload_list(staff: StaffMember, done: Vec<Unloaded>) -> (State, Vec<Effect>) {
    let stage = StaffStage::Unload { staff, orders: None, unavailable: false, done };
    (State::Staff { stage }, vec![Effect::ListUnload])
}

/// The door's events, in whichever stage watches one.
fn door_step(door: Door, event: &Event) -> Door {
    match (door, event) {
        (Door::Checking, Event::DoorUnlocking { compartment }) => {
            Door::Opening { compartment: *compartment }
        }
        (Door::Opening { compartment }, Event::DoorOpened) => {
            Door::Open { compartment, left_open: false }
        }
        (Door::Open { compartment, .. }, Event::DoorLeftOpen) => {
            Door::Open { compartment, left_open: true }
        }
        (door, _) => door,
    }
}

impl Visit {
    /// The transitions of staff work at the lockers.
    pub(super) fn next_staff(&mut self, stage: StaffStage, event: Event) -> (State, Vec<Effect>) {
        use Event as E;
        use StaffStage as S;

        let at = |stage| State::Staff { stage };
        match (stage, event) {
            // The PIN.
            (S::SignIn { mut pin, checking: false, .. }, E::StaffPinDigit { digit })
                if digit.is_ascii_digit() && pin.len() < *PIN_DIGITS.end() =>
            {
                pin.push(digit);
                (at(S::SignIn { pin, checking: false, problem: None }), vec![])
            }
            (S::SignIn { mut pin, checking: false, problem }, E::StaffPinDelete) => {
                pin.pop();
                (at(S::SignIn { pin, checking: false, problem }), vec![])
            }
            (S::SignIn { pin, checking: false, problem }, E::StaffPinEnter)
                if pin.len() >= *PIN_DIGITS.start() =>
            {
                let stage = S::SignIn { pin: Pin::default(), checking: true, problem };
                (at(stage), vec![Effect::CheckStaffPin { pin }])
            }
            (S::SignIn { checking: true, .. }, E::StaffSignedIn { staff }) => {
                (at(S::Menu { staff }), vec![])
            }
            (S::SignIn { checking: true, pin, .. }, E::ApprovalRefused { why }) => {
                (at(S::SignIn { pin, checking: false, problem: Some(why) }), vec![])
            }
            (S::SignIn { checking: false, .. } | S::Menu { .. }, E::Cancel) => {
                (State::Welcome, vec![Effect::EndVisit])
            }

            // The menu.
            (S::Menu { staff } | S::Loaded { staff, .. }, E::StaffLoad) => {
                (at(S::Load { staff, typed: String::new(), problem: None }), vec![])
            }
            (S::Menu { staff }, E::StaffUnload) => unload_list(staff, Vec::new()),

            // Loading.
            (S::Load { staff, mut typed, .. }, E::KeypadDigit { digit })
                if digit.is_ascii_hexdigit() && typed.len() < ORDER_DIGITS =>
            {
                typed.push(digit.to_ascii_uppercase());
                (at(S::Load { staff, typed, problem: None }), vec![])
            }
            (S::Load { staff, mut typed, problem }, E::KeypadDelete) => {
                typed.pop();
                (at(S::Load { staff, typed, problem }), vec![])
            }
            (S::Load { staff, typed, problem }, E::KeypadEnter) => match order_id_of(&typed) {
                Some(id) => loading(staff, id),
                None => (at(S::Load { staff, typed, problem }), vec![]),
            },
            (S::Load { staff, typed, .. }, E::Scanned { code }) => match order_id_of(&code) {
                Some(id) => loading(staff, id),
                None => {
                    (at(S::Load { staff, typed, problem: Some(LoadProblem::NotAnOrder) }), vec![])
                }
            },
            (
                S::Load { staff, .. } | S::Loaded { staff, .. } | S::Unload { staff, .. },
                E::Cancel,
            ) => (at(S::Menu { staff }), vec![]),
            (
                S::Loading { staff, order_id, door },
                event @ (E::DoorUnlocking { .. } | E::DoorOpened | E::DoorLeftOpen),
            ) => (at(S::Loading { staff, order_id, door: door_step(door, &event) }), vec![]),
            (S::Loading { staff, order_id, .. }, E::OrderLoaded { compartment }) => {
                (at(S::Loaded { staff, order_id, compartment }), vec![])
            }
            (S::Loading { staff, order_id, .. }, E::LoadRefused { why }) => {
                let typed = order_id.strip_prefix(ORDER_PREFIX).unwrap_or(&order_id).to_owned();
                (at(S::Load { staff, typed, problem: Some(why) }), vec![])
            }

            // Taking expired orders out.
            (S::Unload { staff, done, .. }, E::UnloadListed { orders }) => {
                (at(S::Unload { staff, orders: Some(orders), unavailable: false, done }), vec![])
            }
            (S::Unload { staff, done, .. }, E::UnloadListFailed) => {
                (at(S::Unload { staff, orders: None, unavailable: true, done }), vec![])
            }
            (
                S::Unload { staff, orders: Some(orders), done, unavailable },
                E::UnloadOne { order_id },
            ) => match orders.iter().find(|o| o.order_id == order_id) {
                Some(order) => unloading(staff, order.clone(), Vec::new(), done),
                None => (at(S::Unload { staff, orders: Some(orders), unavailable, done }), vec![]),
            },
            (S::Unload { staff, orders: Some(orders), done, .. }, E::UnloadAll)
                if !orders.is_empty() =>
            {
                let mut queue = orders;
                let first = queue.remove(0);
                unloading(staff, first, queue, done)
            }
            (
                S::Unloading { staff, order, door, queue, done },
                event @ (E::DoorUnlocking { .. } | E::DoorOpened | E::DoorLeftOpen),
            ) => {
                let door = door_step(door, &event);
                (at(S::Unloading { staff, order, door, queue, done }), vec![])
            }
            (
                S::Unloading { staff, order, mut queue, mut done, .. },
                E::OrderUnloaded { order_id, result },
            ) if order_id == order.order_id => {
                let out = result.is_out();
                done.push(Unloaded { order_id, compartment: order.compartment, result });
                // One that did not come out stops the round: staff look.
                if out && !queue.is_empty() {
                    let next = queue.remove(0);
                    return unloading(staff, next, queue, done);
                }
                unload_list(staff, done)
            }
            (stage, _) => (at(stage), vec![]),
        }
    }
}

#[cfg(test)]
mod tests;
