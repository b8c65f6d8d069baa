use std::time::{Duration, Instant};

use super::*;
use crate::domain::visit::{PickupStage, Visit};

const ID: &str = "ORD-7F3A00C1B2D4E5F6";

fn rina() -> StaffMember {
    StaffMember { id: "S001".into(), name: "Rina Wulandari".into() }
}

fn stage(v: &Visit) -> &StaffStage {
    match v.state() {
        State::Staff { stage } => stage,
        other => panic!("not a staff screen: {other:?}"),
    }
}

/// A kiosk on the pickup screen, at `t0`.
fn on_pickup(t0: Instant) -> Visit {
    let mut v = Visit::new(Duration::from_secs(90), "k", t0);
    v.step(Event::StartPickup, t0);
    assert!(matches!(v.state(), State::Pickup { stage: PickupStage::Entering { .. } }));
    v
}

/// Staff signed in as Rina, on the menu.
fn signed_in(t0: Instant) -> Visit {
    let mut v = on_pickup(t0);
    v.step(Event::StartStaff, t0);
    for d in "2468".chars() {
        v.step(Event::StaffPinDigit { digit: d }, t0);
    }
    let effects = v.step(Event::StaffPinEnter, t0);
    assert_eq!(effects, vec![Effect::CheckStaffPin { pin: Pin::new("2468") }]);
    v.step(Event::StaffSignedIn { staff: rina() }, t0);
    assert_eq!(stage(&v), &StaffStage::Menu { staff: rina() });
    v
}

fn expired(order_id: &str, compartment: u32) -> ToUnload {
    ToUnload {
        order_id: order_id.into(),
        compartment,
        paid: true,
        total: Rupiah(6_750),
        cancelled: false,
    }
}

#[test]
fn a_wrong_pin_says_the_tries_left_and_opens_nothing() {
    let t0 = Instant::now();
    let mut v = on_pickup(t0);
    v.step(Event::StartStaff, t0);
    for d in "1111".chars() {
        v.step(Event::StaffPinDigit { digit: d }, t0);
    }
    v.step(Event::StaffPinEnter, t0);
    let effects = v.step(Event::ApprovalRefused { why: ApprovalProblem::WrongPin { left: 4 } }, t0);
    assert!(effects.is_empty());
    assert_eq!(
        stage(&v),
        &StaffStage::SignIn {
            pin: Pin::default(),
            checking: false,
            problem: Some(ApprovalProblem::WrongPin { left: 4 })
        }
    );
    // The menu's choices do nothing before a PIN signs in.
    assert!(v.step(Event::StaffLoad, t0).is_empty());
    assert!(matches!(stage(&v), StaffStage::SignIn { .. }));
}

#[test]
fn three_digits_are_too_few_for_a_pin() {
    let t0 = Instant::now();
    let mut v = on_pickup(t0);
    v.step(Event::StartStaff, t0);
    for d in "246".chars() {
        v.step(Event::StaffPinDigit { digit: d }, t0);
    }
    assert!(v.step(Event::StaffPinEnter, t0).is_empty(), "PINs have 4 to 8 digits");
}

#[test]
fn a_typed_order_is_loaded_into_the_compartment_the_kiosk_chose() {
    let t0 = Instant::now();
    let mut v = signed_in(t0);
    v.step(Event::StaffLoad, t0);
    // Typed in small letters, kept in capitals.
    for d in "7f3a00c1b2d4e5f6".chars() {
        v.step(Event::KeypadDigit { digit: d }, t0);
    }
    let effects = v.step(Event::KeypadEnter, t0);
    assert_eq!(effects, vec![Effect::LoadOrder { order_id: ID.into(), staff_id: "S001".into() }]);

    v.step(Event::DoorUnlocking { compartment: 2 }, t0);
    v.step(Event::DoorOpened, t0);
    assert!(matches!(
        stage(&v),
        StaffStage::Loading { door: Door::Open { compartment: 2, left_open: false }, .. }
    ));
    v.step(Event::OrderLoaded { compartment: 2 }, t0);
    assert_eq!(
        stage(&v),
        &StaffStage::Loaded { staff: rina(), order_id: ID.into(), compartment: 2 }
    );
}

#[test]
fn a_scanned_order_qr_loads_and_anything_else_is_refused() {
    let t0 = Instant::now();
    let mut v = signed_in(t0);
    v.step(Event::StaffLoad, t0);
    let effects = v.step(Event::Scanned { code: "8991101000278".into() }, t0);
    assert!(effects.is_empty());
    assert!(matches!(stage(&v), StaffStage::Load { problem: Some(LoadProblem::NotAnOrder), .. }));
    let effects = v.step(Event::Scanned { code: ID.into() }, t0);
    assert_eq!(effects, vec![Effect::LoadOrder { order_id: ID.into(), staff_id: "S001".into() }]);
}

#[test]
fn a_refused_loading_goes_back_to_the_entry_with_the_reason() {
    let t0 = Instant::now();
    let mut v = signed_in(t0);
    v.step(Event::StaffLoad, t0);
    v.step(Event::Scanned { code: ID.into() }, t0);
    v.step(Event::DoorUnlocking { compartment: 1 }, t0);
    v.step(Event::LoadRefused { why: LoadProblem::ClosedEmpty { compartment: 1 } }, t0);
    assert_eq!(
        stage(&v),
        &StaffStage::Load {
            staff: rina(),
            typed: "7F3A00C1B2D4E5F6".into(),
            problem: Some(LoadProblem::ClosedEmpty { compartment: 1 })
        }
    );
}

#[test]
fn order_ids_are_ord_and_sixteen_hexadecimal_digits() {
    assert_eq!(order_id_of("ORD-7F3A00C1B2D4E5F6").as_deref(), Some(ID));
    assert_eq!(order_id_of(" 7f3a00c1b2d4e5f6 ").as_deref(), Some(ID));
    assert_eq!(order_id_of("ORD-7F3A"), None);
    assert_eq!(order_id_of("ORD-7F3A00C1B2D4E5FG"), None);
    assert_eq!(order_id_of("SWP1.abc"), None);
}

#[test]
fn unload_all_opens_each_compartment_in_turn_and_stops_at_one_left_full() {
    let t0 = Instant::now();
    let mut v = signed_in(t0);
    assert_eq!(v.step(Event::StaffUnload, t0), vec![Effect::ListUnload]);
    let (a, b, c) = (expired("ORD-A", 1), expired("ORD-B", 4), expired("ORD-C", 6));
    v.step(Event::UnloadListed { orders: vec![a.clone(), b.clone(), c.clone()] }, t0);

    let effects = v.step(Event::UnloadAll, t0);
    assert_eq!(effects, vec![Effect::UnloadOrder { order: a.clone(), staff_id: "S001".into() }]);
    let result = UnloadResult::Refunded { amount: Rupiah(6_750) };
    let effects = v.step(Event::OrderUnloaded { order_id: "ORD-A".into(), result }, t0);
    assert_eq!(effects, vec![Effect::UnloadOrder { order: b, staff_id: "S001".into() }]);

    // B closed with its goods inside: the round stops, C is not opened.
    let result = UnloadResult::NotEmpty;
    let effects = v.step(Event::OrderUnloaded { order_id: "ORD-B".into(), result }, t0);
    assert_eq!(effects, vec![Effect::ListUnload]);
    let StaffStage::Unload { done, orders: None, .. } = stage(&v) else { panic!("{v:?}") };
    let results: Vec<_> = done.iter().map(|d| (d.compartment, d.result.clone())).collect();
    assert_eq!(
        results,
        [(1, UnloadResult::Refunded { amount: Rupiah(6_750) }), (4, UnloadResult::NotEmpty)]
    );
}

#[test]
fn the_staff_screen_times_out_to_welcome_but_never_with_a_door_open() {
    let t0 = Instant::now();
    let mut v = signed_in(t0);
    v.step(Event::StaffLoad, t0);
    v.step(Event::Scanned { code: ID.into() }, t0);
    v.step(Event::DoorUnlocking { compartment: 1 }, t0);
    v.step(Event::DoorOpened, t0);
    v.step(Event::Tick, t0 + Duration::from_secs(600));
    assert!(matches!(stage(&v), StaffStage::Loading { .. }), "a door is open");

    let t1 = t0 + Duration::from_secs(601);
    v.step(Event::OrderLoaded { compartment: 1 }, t1);
    let effects = v.step(Event::Tick, t1 + Duration::from_secs(91));
    assert_eq!(effects, vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}

#[test]
fn sign_out_from_the_menu_ends_the_visit() {
    let t0 = Instant::now();
    let mut v = signed_in(t0);
    assert_eq!(v.step(Event::Cancel, t0), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}
