//! Bringing goods back at the kiosk: asking the central what may come
//! back, posting the return, and the return compartment's door.

use slint::{ComponentHandle, ModelRc, VecModel};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::pickup::{LIMITS, POLL_EVERY, SharedBank};
use super::ui;
use super::worker::Report;
use crate::central::api::{self, NewOrderLine, NewReturn};
use crate::central::client::ClientError;
use crate::checkout::Device;
use crate::domain::Rupiah;
use crate::domain::visit::{
    Event, LineRefused, NotStowed, Refund, RefundTo, ReturnLine, ReturnProblem, ReturnPurchase,
    ReturnReason, ReturnRequest, ReturnStage,
};
use crate::locker::poll::{DoorEvent, unlock_and_watch};
use crate::locker::{DoorState, Occupancy};

fn send(reports: &mpsc::UnboundedSender<Report>, event: Event) {
    let _ = reports.send(Report::Event(event));
}

/// Asks the central what of the purchase `reference` names may come back.
pub(super) async fn find(
    device: Device,
    reference: String,
    reports: mpsc::UnboundedSender<Report>,
) {
    let event = match device.client().returnable(&reference).await {
        Ok(r) => Event::ReturnableFound { purchase: purchase_of(r) },
        Err(e) => {
            info!(error = %e, "nothing to return found");
            Event::ReturnNotFound { why: lookup_problem(&e) }
        }
    };
    send(&reports, event);
}

/// Finds a free return compartment, then posts the return under `key`.
/// With no compartment free nothing is posted, so nothing is refunded
/// that has nowhere to go.
pub(super) async fn post(
    device: Device,
    bank: Option<SharedBank>,
    compartments: Vec<u16>,
    key: String,
    request: ReturnRequest,
    reports: mpsc::UnboundedSender<Report>,
) {
    let Some(bank) = bank else {
        send(&reports, Event::ReturnNotRecorded { why: ReturnProblem::NoCompartment });
        return;
    };
    let free = tokio::task::spawn_blocking(move || {
        let mut bank = bank.lock().unwrap_or_else(|p| p.into_inner());
        let status = bank.status()?;
        // The first set-aside compartment that is shut and shows nothing
        // inside (a board without sensors cannot tell: shut is enough).
        Ok::<_, crate::locker::LockerError>(compartments.into_iter().find(|n| {
            status.iter().any(|c| {
                c.number == *n
                    && c.door == DoorState::Closed
                    && c.occupancy != Some(Occupancy::Occupied)
            })
        }))
    })
    .await;
    let compartment = match free {
        Ok(Ok(Some(n))) => u32::from(n),
        Ok(Ok(None)) => {
            warn!("no return compartment free");
            send(&reports, Event::ReturnNotRecorded { why: ReturnProblem::NoCompartment });
            return;
        }
        Ok(Err(e)) => {
            warn!(error = %e, "lockers not read for a return");
            send(&reports, Event::ReturnNotRecorded { why: ReturnProblem::NoCompartment });
            return;
        }
        Err(e) => {
            warn!(error = %e, "locker reading stopped");
            send(&reports, Event::ReturnNotRecorded { why: ReturnProblem::NoCompartment });
            return;
        }
    };

    let body = NewReturn {
        order: request.order,
        sale: request.sale,
        lines: request
            .lines
            .into_iter()
            .map(|(barcode, qty)| NewOrderLine { barcode, qty })
            .collect(),
        reason: request.reason.text().to_owned(),
        refund_to: match request.refund_to {
            RefundTo::Qris => api::RefundTo::Qris,
            RefundTo::Points => api::RefundTo::Points,
        },
        member: None,
        device: Some(device.device_id().to_owned()),
    };
    let event = match device.client().create_return(&body, &key).await {
        Ok(r) => {
            info!(
                r#return = r.id,
                amount = r.amount.0,
                to = r.refund_to.as_str(),
                compartment,
                "return refunded"
            );
            let to = match r.refund_to {
                api::RefundTo::Qris => RefundTo::Qris,
                api::RefundTo::Points => RefundTo::Points,
            };
            Event::ReturnRecorded {
                refund: Refund { return_id: r.id, amount: r.amount, to, points: r.points },
                compartment,
            }
        }
        Err(e) if e.is_retryable() => {
            warn!(error = %e, "return unanswered; the same key goes again");
            Event::ReturnNotRecorded { why: ReturnProblem::NoAnswer }
        }
        Err(e) => {
            info!(error = %e, "return refused");
            Event::ReturnNotRecorded { why: lookup_problem(&e) }
        }
    };
    send(&reports, event);
}

/// Unlocks `compartment` for a refunded return and follows its door: the
/// goods are in when it closes on an item. Whatever happens, the refund
/// stands; the central records the compartment and how it ended, for
/// staff.
pub(super) async fn open(
    device: Device,
    bank: SharedBank,
    return_id: String,
    compartment: u32,
    reports: mpsc::UnboundedSender<Report>,
) {
    let Ok(number) = u16::try_from(compartment) else {
        send(&reports, Event::ReturnNotStowed { why: NotStowed::LockerFailed });
        return;
    };
    let tx = reports.clone();
    let watched = tokio::task::spawn_blocking(move || {
        let mut bank = bank.lock().unwrap_or_else(|p| p.into_inner());
        unlock_and_watch(bank.as_mut(), number, LIMITS, POLL_EVERY, |e| match e {
            DoorEvent::Opened => send(&tx, Event::DoorOpened),
            DoorEvent::LeftOpen => send(&tx, Event::DoorLeftOpen),
            DoorEvent::NotOpened | DoorEvent::Closed { .. } => {}
        })
    })
    .await;
    let r = return_id.as_str();
    let event = match watched {
        // A bank without sensors cannot tell: a door opened and shut again
        // is taken as the goods put in, and staff find out when they look.
        Ok(Ok(DoorEvent::Closed { occupancy: Some(Occupancy::Occupied) | None })) => {
            info!(r#return = r, compartment, "return goods in the compartment");
            Event::ReturnStowed
        }
        Ok(Ok(DoorEvent::Closed { occupancy: Some(Occupancy::Empty) })) => {
            warn!(
                r#return = r,
                compartment, "return refunded; door closed on nothing: staff check"
            );
            Event::ReturnNotStowed { why: NotStowed::Empty }
        }
        Ok(Ok(DoorEvent::NotOpened | DoorEvent::Opened | DoorEvent::LeftOpen)) => {
            warn!(r#return = r, compartment, "return refunded; door not opened: staff check");
            Event::ReturnNotStowed { why: NotStowed::DoorNotOpened }
        }
        Ok(Err(e)) => {
            warn!(r#return = r, compartment, error = %e, "return refunded; locker failed");
            Event::ReturnNotStowed { why: NotStowed::LockerFailed }
        }
        Err(e) => {
            warn!(r#return = r, compartment, error = %e, "return refunded; door watch stopped");
            Event::ReturnNotStowed { why: NotStowed::LockerFailed }
        }
    };
    let outcome = match &event {
        Event::ReturnNotStowed { why: NotStowed::DoorNotOpened } => "door_not_opened",
        Event::ReturnNotStowed { why: NotStowed::Empty } => "empty",
        Event::ReturnNotStowed { why: NotStowed::LockerFailed } => "locker_failed",
        _ => "stowed",
    };
    let note = api::ReturnStowed {
        compartment,
        outcome: outcome.to_owned(),
        device: Some(device.device_id().to_owned()),
    };
    if let Err(e) = device.record_stowed(r, note).await {
        warn!(r#return = r, compartment, outcome, error = %e, "return compartment not recorded");
    }
    send(&reports, event);
}

/// The central's answer as the visit needs it.
fn purchase_of(r: api::Returnable) -> ReturnPurchase {
    let days = r.days;
    let lines = r
        .lines
        .into_iter()
        .map(|l| ReturnLine {
            refused: l.refused.map(|why| match why.rule.as_str() {
                "days" => LineRefused::TooLate { days },
                "final_sale" => LineRefused::FinalSale { category: l.category.unwrap_or_default() },
                "quantity" => LineRefused::AllBack,
                _ => LineRefused::Other { reason: why.reason },
            }),
            barcode: l.barcode,
            name: l.name,
            unit_price: l.unit_price,
            bought: l.bought,
            returned: l.returned,
        })
        .collect();
    let refund_to = r
        .refund_to
        .iter()
        .map(|t| match t {
            api::RefundTo::Qris => RefundTo::Qris,
            api::RefundTo::Points => RefundTo::Points,
        })
        .collect();
    ReturnPurchase {
        order: r.order,
        sale: r.sale,
        paid: r.paid,
        list_total: r.list_total,
        refunded: r.refunded,
        points_paid: r.points_paid,
        refund_to,
        lines,
    }
}

/// What the customer is told when the central refused a look-up or a
/// return, by the refusal's code (its words, in English, are only logged).
fn lookup_problem(e: &ClientError) -> ReturnProblem {
    match e {
        _ if e.is_retryable() => ReturnProblem::Unreachable,
        ClientError::Refused { code, .. } => match code.as_str() {
            "not_found" => ReturnProblem::NotFound,
            "not_collected" => ReturnProblem::NotCollected,
            "bad_request" | "bad_token" => ReturnProblem::BadQr,
            "return_quantity" => ReturnProblem::AlreadyBack,
            "return_too_late" => ReturnProblem::TooLate,
            _ => ReturnProblem::Refused,
        },
        _ => ReturnProblem::Unreachable,
    }
}

/// What the return screens show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReturnView {
    pub stage: ui::ReturnStage,
    pub problem: ui::ReturnProblem,
    pub problem_arg: String,
    pub items: Vec<ui::ReturnItem>,
    pub reason: ui::ReturnReason,
    pub refund_to: ui::RefundTo,
    pub can_qris: bool,
    pub can_points: bool,
    pub picked: i32,
    pub refund: String,
    /// For a refund to QRIS of a purchase paid partly with points, the
    /// payment's part and the points' part; empty otherwise.
    pub refund_qris: String,
    pub refund_points: String,
    pub ready: bool,
    pub compartment: i32,
    pub left_open: bool,
    pub not_stowed: ui::NotStowed,
}

impl ReturnView {
    pub(super) fn of(stage: &ReturnStage) -> ReturnView {
        use ReturnStage as S;
        let mut view = ReturnView::default();
        let (problem, choice, refund, compartment) = match stage {
            S::Scanning { problem } => (problem.as_ref(), None, None, None),
            S::Looking => {
                view.stage = ui::ReturnStage::Looking;
                (None, None, None, None)
            }
            S::Picking { choice } => {
                view.stage = ui::ReturnStage::Picking;
                (None, Some(choice), None, None)
            }
            S::Confirming { choice, problem, .. } => {
                view.stage = ui::ReturnStage::Confirming;
                (problem.as_ref(), Some(choice), None, None)
            }
            S::Posting { choice, .. } => {
                view.stage = ui::ReturnStage::Posting;
                (None, Some(choice), None, None)
            }
            S::Opening { refund, compartment } => {
                view.stage = ui::ReturnStage::Open;
                (None, None, Some(refund), Some(*compartment))
            }
            S::Open { refund, compartment, left_open } => {
                view.stage = ui::ReturnStage::Open;
                view.left_open = *left_open;
                (None, None, Some(refund), Some(*compartment))
            }
            S::Stowed { refund, compartment } => {
                view.stage = ui::ReturnStage::Stowed;
                (None, None, Some(refund), Some(*compartment))
            }
            S::NotStowed { refund, compartment, why } => {
                view.stage = ui::ReturnStage::NotStowed;
                view.not_stowed = match why {
                    NotStowed::DoorNotOpened => ui::NotStowed::DoorNotOpened,
                    NotStowed::Empty => ui::NotStowed::Empty,
                    NotStowed::LockerFailed => ui::NotStowed::LockerFailed,
                };
                (None, None, Some(refund), Some(*compartment))
            }
        };
        if let Some(p) = problem {
            (view.problem, view.problem_arg) = problem_view(p);
        }
        if let Some(c) = choice {
            view.items = c.purchase.lines.iter().zip(&c.picks).map(|(l, n)| item(l, *n)).collect();
            view.reason = match c.reason {
                None => ui::ReturnReason::None,
                Some(ReturnReason::Damaged) => ui::ReturnReason::Damaged,
                Some(ReturnReason::WrongItem) => ui::ReturnReason::WrongItem,
                Some(ReturnReason::Expired) => ui::ReturnReason::Expired,
                Some(ReturnReason::ChangedMind) => ui::ReturnReason::ChangedMind,
            };
            view.refund_to = refund_to_ui(c.refund_to);
            view.can_qris = c.purchase.refund_to.contains(&RefundTo::Qris);
            view.can_points = c.purchase.refund_to.contains(&RefundTo::Points);
            view.picked = c.items() as i32;
            view.refund = c.refund().to_string();
            if c.refund_to == Some(RefundTo::Qris) {
                let split = c.refund_split();
                view.set_split(split.qris, split.points);
            }
            view.ready = c.ready();
        }
        if let Some(r) = refund {
            view.refund = r.amount.to_string();
            view.refund_to = refund_to_ui(Some(r.to));
            if r.to == RefundTo::Qris {
                view.set_split(Rupiah(r.amount.0 - r.points.0), r.points);
            }
        }
        view.compartment = compartment.map_or(0, |c| c as i32);
        view
    }

    /// Shows a refund to QRIS as its two parts when points get some of it.
    fn set_split(&mut self, qris: Rupiah, points: Rupiah) {
        if points.0 > 0 {
            self.refund_qris = qris.to_string();
            self.refund_points = points.to_string();
        }
    }

    pub(super) fn apply(&self, window: &ui::AppWindow) {
        let r = window.global::<ui::ReturnAdapter>();
        r.set_stage(self.stage);
        r.set_problem(self.problem);
        r.set_problem_arg(self.problem_arg.as_str().into());
        r.set_items(ModelRc::new(VecModel::from(self.items.clone())));
        r.set_reason(self.reason);
        r.set_refund_to(self.refund_to);
        r.set_can_qris(self.can_qris);
        r.set_can_points(self.can_points);
        r.set_picked(self.picked);
        r.set_refund(self.refund.as_str().into());
        r.set_refund_qris(self.refund_qris.as_str().into());
        r.set_refund_points(self.refund_points.as_str().into());
        r.set_ready(self.ready);
        r.set_compartment(self.compartment);
        r.set_left_open(self.left_open);
        r.set_not_stowed(self.not_stowed);
    }
}

fn refund_to_ui(to: Option<RefundTo>) -> ui::RefundTo {
    match to {
        None => ui::RefundTo::None,
        Some(RefundTo::Qris) => ui::RefundTo::Qris,
        Some(RefundTo::Points) => ui::RefundTo::Points,
    }
}

fn item(l: &ReturnLine, picked: u32) -> ui::ReturnItem {
    let (refusal, arg) = match &l.refused {
        None => (ui::ReturnRefusal::None, String::new()),
        Some(LineRefused::TooLate { days }) => (ui::ReturnRefusal::TooLate, days.to_string()),
        Some(LineRefused::FinalSale { category }) => {
            (ui::ReturnRefusal::FinalSale, category.replace('-', " "))
        }
        Some(LineRefused::AllBack) => (ui::ReturnRefusal::AllBack, String::new()),
        Some(LineRefused::Other { reason }) => (ui::ReturnRefusal::Other, reason.clone()),
    };
    ui::ReturnItem {
        name: l.name.as_str().into(),
        price: l.unit_price.to_string().into(),
        bought: l.bought as i32,
        left: l.left() as i32,
        picked: picked as i32,
        refusal,
        refusal_arg: arg.into(),
    }
}

/// The problem on screen and the words its text needs.
fn problem_view(problem: &ReturnProblem) -> (ui::ReturnProblem, String) {
    use ReturnProblem as P;
    use ui::ReturnProblem as U;
    match problem {
        P::BadQr => (U::BadQr, String::new()),
        P::NotFound => (U::NotFound, String::new()),
        P::NotCollected => (U::NotCollected, String::new()),
        P::Unreachable => (U::Unreachable, String::new()),
        P::NoAnswer => (U::NoAnswer, String::new()),
        P::NoCompartment => (U::NoCompartment, String::new()),
        P::AlreadyBack => (U::AlreadyBack, String::new()),
        P::TooLate => (U::TooLate, String::new()),
        P::Refused => (U::Refused, String::new()),
    }
}

/// Wires the return screens' callbacks.
pub(super) fn connect(window: &ui::AppWindow, send: &(impl Fn(Event) + Clone + 'static)) {
    let adapter = window.global::<ui::ReturnAdapter>();
    adapter.on_more({
        let send = send.clone();

        move |line| send(Event::ReturnMore { line: usize::try_from(line).unwrap_or(usize::MAX) })
    });
    adapter.on_less({
        let send = send.clone();

        move |line| send(Event::ReturnLess { line: usize::try_from(line).unwrap_or(usize::MAX) })
    });
    adapter.on_choose_reason({
        let send = send.clone();

        move |reason| {
            let reason = match reason {
                ui::ReturnReason::Damaged => ReturnReason::Damaged,
                ui::ReturnReason::WrongItem => ReturnReason::WrongItem,
                ui::ReturnReason::Expired => ReturnReason::Expired,
                ui::ReturnReason::ChangedMind => ReturnReason::ChangedMind,
                ui::ReturnReason::None => return send(Event::Touch),
            };
            send(Event::ReturnReasonChosen { reason })
        }
    });
    adapter.on_choose_refund({
        let send = send.clone();

        move |to| match to {
            ui::RefundTo::Qris => send(Event::ReturnRefundChosen { to: RefundTo::Qris }),
            ui::RefundTo::Points => send(Event::ReturnRefundChosen { to: RefundTo::Points }),
            ui::RefundTo::None => send(Event::Touch),
        }
    });
    adapter.on_review({
        let send = send.clone();

        move || send(Event::ReturnReview)
    });
    adapter.on_confirm({
        let send = send.clone();

        move || send(Event::ReturnConfirm)
    });
    adapter.on_cancel({
        let send = send.clone();

        move || send(Event::Cancel)
    });
    adapter.on_finish({
        let send = send.clone();

        move || send(Event::Finish)
    });
}
