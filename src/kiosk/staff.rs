//! Staff at the lockers on the kiosk: the screens' callbacks and view, and
//! the tasks that check the PIN, load an order and take expired ones out.

use std::time::Duration;

use chrono::Utc;
use slint::{ComponentHandle, ModelRc, VecModel};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::pickup::SharedBank;
use super::ui;
use super::worker::Report;
use crate::central::api::{self, UnloadOutcome};
use crate::checkout::{Device, DoorPolicy, DoorStep, Fit, LoadError, LoadRefusal, UnloadError};
use crate::domain::Rupiah;
use crate::domain::order::OrderState;
use crate::domain::visit::{
    ApprovalProblem, Door, Event, LoadProblem, ORDER_DIGITS, Pin, StaffMember, StaffStage,
    ToUnload, UnloadResult,
};
use crate::locker::poll::DoorLimits;

/// How long staff have to pull a door, and to close it before the screen
/// warns; a door is followed for ten minutes at most.
const DOOR: DoorPolicy = DoorPolicy {
    limits: DoorLimits {
        open_within: Duration::from_secs(30),
        close_within: Duration::from_secs(60),
    },
    every: Duration::from_millis(200),
    give_up: Some(Duration::from_secs(600)),
};

fn send(reports: &mpsc::UnboundedSender<Report>, event: Event) {
    // The worker is gone only when the kiosk stops.
    let _ = reports.send(Report::Event(event));
}

/// The door's progress, as visit events.
fn door_events(reports: &mpsc::UnboundedSender<Report>) -> impl FnMut(DoorStep) + Send + 'static {
    let reports = reports.clone();
    move |step| match step {
        DoorStep::Unlocking { compartment } => {
            send(&reports, Event::DoorUnlocking { compartment: u32::from(compartment) })
        }
        DoorStep::Opened => send(&reports, Event::DoorOpened),
        DoorStep::LeftOpen => send(&reports, Event::DoorLeftOpen),
    }
}

/// Checks a staff PIN as approvals do (the same lockout and audit log,
/// under the visit `lockers-...`).
pub(super) async fn sign_in(device: Device, pin: Pin, reports: mpsc::UnboundedSender<Report>) {
    let visit = format!("lockers-{}", uuid::Uuid::new_v4().simple());
    let event = match device.approve_restricted(pin.expose(), Vec::new(), &visit, Utc::now()).await
    {
        Ok(staff) => {
            info!(staff = %staff.id, "staff signed in at the lockers");
            Event::StaffSignedIn { staff: StaffMember { id: staff.id, name: staff.name } }
        }
        Err(e) => {
            info!(error = %e, "staff PIN refused at the lockers");
            Event::ApprovalRefused { why: super::approval::problem_of(e) }
        }
    };
    send(&reports, event);
}

/// Checks `order_id` with the central and loads it into the smallest free
/// compartment of `store`'s bank that fits it.
pub(super) async fn load(
    device: Device,
    bank: SharedBank,
    fit: Fit,
    store: String,
    order_id: String,
    staff_id: String,
    reports: mpsc::UnboundedSender<Report>,
) {
    let loaded = match device.order_to_load(&order_id, Some(&store)).await {
        Ok(order) => {
            let steps = door_events(&reports);
            device.load_order(&bank, &fit, &order, &staff_id, DOOR, steps).await
        }
        Err(e) => Err(e),
    };
    let event = match loaded {
        Ok(l) => {
            info!(order = %l.order.id, compartment = l.compartment, "order loaded at the kiosk");
            Event::OrderLoaded { compartment: u32::from(l.compartment) }
        }
        Err(e) => {
            warn!(order = %order_id, error = %e, "order not loaded");
            Event::LoadRefused { why: load_problem(&e) }
        }
    };
    send(&reports, event);
}

/// What staff are told about a loading that failed.
fn load_problem(e: &LoadError) -> LoadProblem {
    use LoadProblem as P;
    match e {
        LoadError::Refused(r) => match r {
            LoadRefusal::Unknown { .. } => P::Unknown,
            LoadRefusal::OtherStore { store, .. } => P::OtherStore { store: store.clone() },
            LoadRefusal::NotPlaced { state: OrderState::Loaded, compartment, .. } => {
                P::AlreadyLoaded { compartment: *compartment }
            }
            LoadRefusal::NotPlaced { state: OrderState::Cancelled, .. } => P::Cancelled,
            LoadRefusal::NotPlaced { state, .. } => P::Ended { state: state.as_str().to_owned() },
            LoadRefusal::NoFreeCompartment { free, .. } if free.is_empty() => P::NoFreeCompartment,
            LoadRefusal::NoFreeCompartment { size, free } => {
                P::NoneBigEnough { size: *size, free: free.clone() }
            }
        },
        LoadError::Offline(_) => P::Offline,
        LoadError::NotOpened { compartment } => {
            P::DoorNotOpened { compartment: u32::from(*compartment) }
        }
        LoadError::ClosedEmpty { compartment } => {
            P::ClosedEmpty { compartment: u32::from(*compartment) }
        }
        LoadError::LeftOpen { compartment } => P::LeftOpen { compartment: u32::from(*compartment) },
        LoadError::NotRecorded { compartment, .. } => {
            P::NotRecorded { compartment: u32::from(*compartment) }
        }
        LoadError::Central(_) | LoadError::Locker(_) | LoadError::Stopped => P::Unavailable,
    }
}

/// Fetches what `store`'s lockers hold that must come out.
pub(super) async fn list(device: Device, store: String, reports: mpsc::UnboundedSender<Report>) {
    let event = match device.client().unload_list(&store).await {
        Ok(list) => Event::UnloadListed {
            orders: list
                .orders
                .into_iter()
                .map(|o| ToUnload {
                    order_id: o.order_id,
                    compartment: o.compartment,
                    paid: o.paid,
                    total: o.total,
                    cancelled: o.status == OrderState::Cancelled,
                })
                .collect(),
        },
        Err(e) => {
            warn!(store, error = %e, "unload list not fetched");
            Event::UnloadListFailed
        }
    };
    send(&reports, event);
}

/// Opens `order`'s compartment and records its unloading once it is empty.
pub(super) async fn unload(
    device: Device,
    bank: SharedBank,
    order: ToUnload,
    staff_id: String,
    reports: mpsc::UnboundedSender<Report>,
) {
    let entry = api::ToUnload {
        order_id: order.order_id.clone(),
        compartment: order.compartment,
        status: if order.cancelled { OrderState::Cancelled } else { OrderState::Expired },
        paid: order.paid,
        total: order.total,
        deadline: String::new(),
    };
    let result =
        match device.unload_order(&bank, &entry, &staff_id, DOOR, door_events(&reports)).await {
            Ok(Some(unloaded)) => match unloaded.outcome {
                UnloadOutcome::Refunded => {
                    UnloadResult::Refunded { amount: unloaded.refunded.unwrap_or(order.total) }
                }
                UnloadOutcome::Held => UnloadResult::Held,
                UnloadOutcome::Unpaid => UnloadResult::Unpaid,
                UnloadOutcome::Channel => UnloadResult::Channel,
            },
            Ok(None) => UnloadResult::Queued,
            Err(UnloadError::NotOpened { .. }) => UnloadResult::DoorNotOpened,
            Err(UnloadError::NotEmpty { .. }) => UnloadResult::NotEmpty,
            Err(e) => {
                warn!(order = %order.order_id, error = %e, "order not unloaded");
                UnloadResult::Failed
            }
        };
    info!(order = %order.order_id, result = ?result, "unloading ended");
    send(&reports, Event::OrderUnloaded { order_id: order.order_id, result });
}

/// Wires the staff screens' callbacks to visit events.
pub(super) fn connect(window: &ui::AppWindow, send: &(impl Fn(Event) + Clone + 'static)) {
    let adapter = window.global::<ui::StaffAdapter>();
    adapter.on_digit({
        let (window, send) = (window.as_weak(), send.clone());

        // The one keypad types the PIN on sign-in, an order id after it.
        move |d| {
            let digit = d.chars().next().unwrap_or(' ');
            let signing_in = window.upgrade().is_some_and(|w| {
                w.global::<ui::StaffAdapter>().get_stage() == ui::StaffStage::SignIn
            });
            send(if signing_in {
                Event::StaffPinDigit { digit }
            } else {
                Event::KeypadDigit { digit }
            })
        }
    });
    adapter.on_delete({
        let (window, send) = (window.as_weak(), send.clone());

        move || {
            let signing_in = window.upgrade().is_some_and(|w| {
                w.global::<ui::StaffAdapter>().get_stage() == ui::StaffStage::SignIn
            });
            send(if signing_in { Event::StaffPinDelete } else { Event::KeypadDelete })
        }
    });
    adapter.on_enter({
        let (window, send) = (window.as_weak(), send.clone());

        move || {
            let signing_in = window.upgrade().is_some_and(|w| {
                w.global::<ui::StaffAdapter>().get_stage() == ui::StaffStage::SignIn
            });
            send(if signing_in { Event::StaffPinEnter } else { Event::KeypadEnter })
        }
    });
    adapter.on_cancel({
        let send = send.clone();

        move || send(Event::Cancel)
    });
    adapter.on_load({
        let send = send.clone();

        move || send(Event::StaffLoad)
    });
    adapter.on_unload({
        let send = send.clone();

        move || send(Event::StaffUnload)
    });
    adapter.on_unload_one({
        let send = send.clone();

        move |id| send(Event::UnloadOne { order_id: id.into() })
    });
    adapter.on_unload_all({
        let send = send.clone();

        move || send(Event::UnloadAll)
    });
    window.global::<ui::PickupAdapter>().on_staff({
        let send = send.clone();

        move || send(Event::StartStaff)
    });
}

/// What the staff screens show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaffView {
    pub stage: ui::StaffStage,
    pub staff_name: String,
    pub pin_length: i32,
    pub checking: bool,
    pub pin_problem: ui::ApprovalProblem,
    pub tries_left: i32,
    pub locked_minutes: i32,
    pub typed: String,
    pub ready: bool,
    pub load_problem: ui::LoadProblem,
    pub problem_arg: String,
    /// The free compartments, when none is big enough for the order.
    pub problem_free: String,
    pub order_id: String,
    pub compartment: i32,
    pub door_open: bool,
    pub left_open: bool,
    pub orders: Vec<ui::StaffOrder>,
    pub listing: bool,
    pub list_unavailable: bool,
    pub done: Vec<ui::StaffDone>,
}

impl StaffView {
    pub(super) fn of(stage: &StaffStage) -> StaffView {
        use StaffStage as S;
        let mut view = StaffView::default();
        let door = |view: &mut StaffView, door: &Door| match door {
            Door::Checking => {}
            Door::Opening { compartment } => view.compartment = *compartment as i32,
            Door::Open { compartment, left_open } => {
                view.compartment = *compartment as i32;
                view.door_open = true;
                view.left_open = *left_open;
            }
        };
        match stage {
            S::SignIn { pin, checking, problem } => {
                view.stage = ui::StaffStage::SignIn;
                view.pin_length = pin.len() as i32;
                view.checking = *checking;
                match problem {
                    None => {}
                    Some(ApprovalProblem::WrongPin { left }) => {
                        view.pin_problem = ui::ApprovalProblem::WrongPin;
                        view.tries_left = *left as i32;
                    }
                    Some(ApprovalProblem::Locked { secs }) => {
                        view.pin_problem = ui::ApprovalProblem::Locked;
                        view.locked_minutes = secs.div_ceil(60) as i32;
                    }
                    Some(ApprovalProblem::Unavailable) => {
                        view.pin_problem = ui::ApprovalProblem::Unavailable;
                    }
                }
            }
            S::Menu { staff } => {
                view.stage = ui::StaffStage::Menu;
                view.staff_name = staff.name.clone();
            }
            S::Load { staff, typed, problem } => {
                view.stage = ui::StaffStage::Load;
                view.staff_name = staff.name.clone();
                view.typed = typed.clone();
                view.ready = typed.len() == ORDER_DIGITS;
                if let Some(p) = problem {
                    (view.load_problem, view.problem_arg, view.compartment) = problem_view(p);
                }
                if let Some(LoadProblem::NoneBigEnough { free, .. }) = problem {
                    view.problem_free = free.to_string();
                }
            }
            S::Loading { staff, order_id, door: d } => {
                view.stage = ui::StaffStage::Loading;
                view.staff_name = staff.name.clone();
                view.order_id = order_id.clone();
                door(&mut view, d);
            }
            S::Loaded { staff, order_id, compartment } => {
                view.stage = ui::StaffStage::Loaded;
                view.staff_name = staff.name.clone();
                view.order_id = order_id.clone();
                view.compartment = *compartment as i32;
            }
            S::Unload { staff, orders, unavailable, done } => {
                view.stage = ui::StaffStage::Unload;
                view.staff_name = staff.name.clone();
                view.listing = orders.is_none() && !unavailable;
                view.list_unavailable = *unavailable;
                view.orders = orders.iter().flatten().map(staff_order).collect();
                view.done = done.iter().map(staff_done).collect();
            }
            S::Unloading { staff, order, door: d, done, .. } => {
                view.stage = ui::StaffStage::Unloading;
                view.staff_name = staff.name.clone();
                view.order_id = order.order_id.clone();
                view.done = done.iter().map(staff_done).collect();
                door(&mut view, d);
            }
        }
        view
    }

    pub(super) fn apply(&self, window: &ui::AppWindow) {
        let a = window.global::<ui::StaffAdapter>();
        a.set_stage(self.stage);
        a.set_staff_name(self.staff_name.as_str().into());
        a.set_pin_length(self.pin_length);
        a.set_checking(self.checking);
        a.set_pin_problem(self.pin_problem);
        a.set_tries_left(self.tries_left);
        a.set_locked_minutes(self.locked_minutes);
        a.set_typed(self.typed.as_str().into());
        a.set_ready(self.ready);
        a.set_load_problem(self.load_problem);
        a.set_problem_arg(self.problem_arg.as_str().into());
        a.set_problem_free(self.problem_free.as_str().into());
        a.set_order_id(self.order_id.as_str().into());
        a.set_compartment(self.compartment);
        a.set_door_open(self.door_open);
        a.set_left_open(self.left_open);
        a.set_orders(ModelRc::new(VecModel::from(self.orders.clone())));
        a.set_listing(self.listing);
        a.set_list_unavailable(self.list_unavailable);
        a.set_done(ModelRc::new(VecModel::from(self.done.clone())));
    }
}

fn staff_order(o: &ToUnload) -> ui::StaffOrder {
    ui::StaffOrder {
        order_id: o.order_id.as_str().into(),
        compartment: o.compartment as i32,
        paid: o.paid,
        total: o.total.to_string().into(),
        cancelled: o.cancelled,
    }
}

fn staff_done(d: &crate::domain::visit::Unloaded) -> ui::StaffDone {
    use UnloadResult as R;
    use ui::UnloadResult as U;
    let (result, amount) = match &d.result {
        R::Refunded { amount } => (U::Refunded, *amount),
        R::Held => (U::Held, Rupiah(0)),
        R::Unpaid => (U::Unpaid, Rupiah(0)),
        R::Channel => (U::Channel, Rupiah(0)),
        R::Queued => (U::Queued, Rupiah(0)),
        R::DoorNotOpened => (U::DoorNotOpened, Rupiah(0)),
        R::NotEmpty => (U::NotEmpty, Rupiah(0)),
        R::Failed => (U::Failed, Rupiah(0)),
    };
    ui::StaffDone {
        order_id: d.order_id.as_str().into(),
        compartment: d.compartment as i32,
        result,
        amount: amount.to_string().into(),
    }
}

/// The problem on screen, the words its text needs (a store, a state, a
/// size), and its compartment.
fn problem_view(problem: &LoadProblem) -> (ui::LoadProblem, String, i32) {
    use LoadProblem as P;
    use ui::LoadProblem as U;
    let none = String::new;
    match problem {
        P::Unknown => (U::Unknown, none(), 0),
        P::OtherStore { store } => (U::OtherStore, store.clone(), 0),
        P::AlreadyLoaded { compartment } => {
            let place = compartment.map(|c| c.to_string()).unwrap_or_default();
            (U::AlreadyLoaded, place, 0)
        }
        P::Cancelled => (U::Cancelled, none(), 0),
        P::Ended { state } => (U::Ended, state.clone(), 0),
        P::NotAnOrder => (U::NotAnOrder, none(), 0),
        P::NoFreeCompartment => (U::NoFreeCompartment, none(), 0),
        P::NoneBigEnough { size, .. } => (U::NoneBigEnough, size.to_string(), 0),
        P::Offline => (U::Offline, none(), 0),
        P::DoorNotOpened { compartment } => (U::DoorNotOpened, none(), *compartment as i32),
        P::ClosedEmpty { compartment } => (U::ClosedEmpty, none(), *compartment as i32),
        P::LeftOpen { compartment } => (U::LeftOpen, none(), *compartment as i32),
        P::NotRecorded { compartment } => (U::NotRecorded, none(), *compartment as i32),
        P::Unavailable => (U::Unavailable, none(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::locker::{Free, Size};

    fn shown(e: LoadError) -> StaffView {
        let staff = StaffMember { id: "S001".into(), name: "Rina".into() };
        let problem = Some(load_problem(&e));
        StaffView::of(&StaffStage::Load { staff, typed: String::new(), problem })
    }

    #[test]
    fn staff_are_told_the_orders_size_and_what_is_free_when_none_is_big_enough() {
        let free = Free(vec![(1, Size::S), (2, Size::S), (9, Size::M)]);
        let refusal = LoadRefusal::NoFreeCompartment { size: Size::L, free };
        let view = shown(LoadError::Refused(refusal));
        assert_eq!(view.load_problem, ui::LoadProblem::NoneBigEnough);
        assert_eq!((view.problem_arg.as_str(), view.problem_free.as_str()), ("L", "S 1-2; M 9"));

        // Nothing free at all is the problem it always was.
        let refusal = LoadRefusal::NoFreeCompartment { size: Size::M, free: Free::default() };
        let view = shown(LoadError::Refused(refusal));
        assert_eq!(view.load_problem, ui::LoadProblem::NoFreeCompartment);
        assert_eq!(view.problem_free, "");
    }
}
