//! Collecting an order: the keypad, the check, the door and the thank-you.

use super::*;

fn typed(visit: &mut Visit, digits: &str, t0: Instant) -> Vec<Effect> {
    digits.chars().flat_map(|digit| visit.step(Event::KeypadDigit { digit }, t0)).collect()
}

fn stage(visit: &Visit) -> &PickupStage {
    match visit.state() {
        State::Pickup { stage } => stage,
        other => panic!("not collecting an order: {other:?}"),
    }
}

fn found(paid: bool) -> Event {
    Event::PickupFound {
        order: FoundOrder { order_id: "ORD-1".into(), compartment: 3, paid, total: Rupiah(15_000) },
    }
}

#[test]
fn six_digits_of_code_then_four_of_phone_are_checked_once_complete() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    // Twelve digits typed: the last two find no room.
    assert!(typed(&mut visit, "123456789012", t0).is_empty());
    let PickupStage::Entering { code, phone, .. } = stage(&visit) else { panic!() };
    assert_eq!((code.as_str(), phone.as_str()), ("123456", "7890"));
    // Deleting takes the phone's digits first, then the code's.
    for _ in 0..5 {
        visit.step(Event::KeypadDelete, t0);
    }
    let PickupStage::Entering { code, phone, .. } = stage(&visit) else { panic!() };
    assert_eq!((code.as_str(), phone.as_str()), ("12345", ""));
    // Not complete: OK does nothing.
    assert!(visit.step(Event::KeypadEnter, t0).is_empty());
    typed(&mut visit, "60001", t0);
    let effects = visit.step(Event::KeypadEnter, t0);
    let want = Effect::VerifyPickupCode { code: "123456".into(), phone_last4: "0001".into() };
    assert_eq!(effects, [want]);
    assert_eq!(stage(&visit), &PickupStage::Checking);
}

#[test]
fn a_found_paid_order_opens_and_ends_in_thanks() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    let effects = visit.step(Event::Scanned { code: "SWP1.abc".into() }, t0);
    assert_eq!(effects, [Effect::VerifyPickupToken { token: "SWP1.abc".into() }]);
    let effects = visit.step(found(true), t0);
    assert_eq!(effects, [Effect::OpenCompartment { order_id: "ORD-1".into(), compartment: 3 }]);
    visit.step(Event::DoorOpened, t0);
    visit.step(Event::DoorLeftOpen, t0);
    let open = PickupStage::Open { order_id: "ORD-1".into(), compartment: 3, left_open: true };
    assert_eq!(stage(&visit), &open);
    // An open door never idles out, however long.
    assert_eq!(visit.idle_left(t0 + IDLE * 10), None);
    visit.step(Event::PickupCollected, t0);
    assert_eq!(stage(&visit), &PickupStage::Collected { compartment: 3 });
    assert_eq!(visit.step(Event::Finish, t0), [Effect::EndVisit]);
    assert_eq!(visit.state(), &State::Welcome);
}

#[test]
fn an_unpaid_order_does_not_open_and_a_refusal_says_why() {
    let t0 = Instant::now();
    let mut visit = Visit::new(IDLE, PREFIX, t0);
    visit.step(Event::StartPickup, t0);
    typed(&mut visit, "1234560001", t0);
    visit.step(Event::KeypadEnter, t0);
    assert!(visit.step(found(false), t0).is_empty());
    let PickupStage::Entering { problem, code, .. } = stage(&visit) else { panic!() };
    assert_eq!(problem, &Some(PickupProblem::Unpaid { total: Rupiah(15_000) }));
    assert!(code.is_empty(), "a new try starts afresh");

    typed(&mut visit, "1234569999", t0);
    visit.step(Event::KeypadEnter, t0);
    visit.step(Event::PickupRefused { why: PickupProblem::WrongDigits { left: 2 } }, t0);
    let PickupStage::Entering { problem, .. } = stage(&visit) else { panic!() };
    assert_eq!(problem, &Some(PickupProblem::WrongDigits { left: 2 }));
    assert_eq!(visit.step(Event::Cancel, t0), [Effect::EndVisit]);
    assert_eq!(visit.state(), &State::Welcome);
}
