//! The kiosk's staff approval of age-restricted items: the panel's
//! callbacks, its view, and the PIN check on the device.

use tracing::{info, warn};

use super::omni::ReplyTo;
use super::ui;
use super::worker::Report;
use crate::central::api::AuditItem;
use crate::checkout::{ApprovalError, Device};
use crate::domain::visit::{Approval, ApprovalProblem, Event, Pin, ToApprove};

/// What the approval panel shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApprovalView {
    pub items: Vec<ui::ApprovalItem>,
    pub pin_length: i32,
    pub checking: bool,
    pub problem: ui::ApprovalProblem,
    pub tries_left: i32,
    pub locked_minutes: i32,
}

impl ApprovalView {
    pub fn of(approval: &Approval) -> ApprovalView {
        let mut view = ApprovalView {
            items: approval
                .items
                .iter()
                .map(|i| ui::ApprovalItem { name: i.name.as_str().into(), qty: i.qty as i32 })
                .collect(),
            pin_length: approval.pin.len() as i32,
            checking: approval.checking,
            ..ApprovalView::default()
        };
        match &approval.problem {
            None => {}
            Some(ApprovalProblem::WrongPin { left }) => {
                view.problem = ui::ApprovalProblem::WrongPin;
                view.tries_left = *left as i32;
            }
            Some(ApprovalProblem::Locked { secs }) => {
                view.problem = ui::ApprovalProblem::Locked;
                view.locked_minutes = secs.div_ceil(60) as i32;
            }
            Some(ApprovalProblem::Unavailable) => {
                view.problem = ui::ApprovalProblem::Unavailable;
            }
        }
        view
    }

    pub fn apply(&self, window: &ui::AppWindow) {
        use slint::{ComponentHandle, ModelRc, VecModel};

        let adapter = window.global::<ui::ApprovalAdapter>();
        adapter.set_items(ModelRc::new(VecModel::from(self.items.clone())));
        adapter.set_pin_length(self.pin_length);
        adapter.set_checking(self.checking);
        adapter.set_problem(self.problem);
        adapter.set_tries_left(self.tries_left);
        adapter.set_locked_minutes(self.locked_minutes);
    }
}

/// Wires the approval panel's callbacks to visit events.
pub(super) fn connect(window: &ui::AppWindow, send: &(impl Fn(Event) + Clone + 'static)) {
    use slint::ComponentHandle;

    let adapter = window.global::<ui::ApprovalAdapter>();
    adapter.on_digit({
        let send = send.clone();

        move |d| send(Event::StaffPinDigit { digit: d.chars().next().unwrap_or(' ') })
    });
    adapter.on_delete({
        let send = send.clone();

        move || send(Event::StaffPinDelete)
    });
    adapter.on_enter({
        let send = send.clone();

        move || send(Event::StaffPinEnter)
    });
    adapter.on_cancel({
        let send = send.clone();

        move || send(Event::ClosePanel)
    });
}

/// Checks a staff PIN for the items on the panel and answers the visit.
pub(super) async fn approve(
    device: Device,
    pin: Pin,
    items: Vec<ToApprove>,
    attempt: String,
    to: ReplyTo,
) {
    let items: Vec<AuditItem> = items
        .into_iter()
        .map(|i| AuditItem { barcode: i.barcode, name: i.name, qty: i.qty })
        .collect();
    let result = device.approve_restricted(pin.expose(), items, &attempt, chrono::Utc::now()).await;
    let event = match result {
        Ok(staff) => {
            info!(staff = %staff.id, "restricted items approved at the kiosk");
            Event::Approved { staff: staff.name }
        }
        Err(e) => {
            info!(error = %e, "staff PIN did not approve");
            Event::ApprovalRefused { why: problem_of(e) }
        }
    };
    // The worker is gone only when the kiosk stops.
    let _ = to.reports.send(Report::Omni { visit: to.visit, event });
}

/// What the PIN keypad says about a PIN that was refused.
pub(super) fn problem_of(e: ApprovalError) -> ApprovalProblem {
    match e {
        ApprovalError::WrongPin { left } => ApprovalProblem::WrongPin { left },
        ApprovalError::Locked(l) => ApprovalProblem::Locked { secs: l.left.as_secs() },
        ApprovalError::LockedNow { left } => ApprovalProblem::Locked { secs: left.as_secs() },
        ApprovalError::NoStaff => ApprovalProblem::Unavailable,
        ApprovalError::Device(e) => {
            warn!(error = %e, "staff PIN could not be checked");
            ApprovalProblem::Unavailable
        }
    }
}
