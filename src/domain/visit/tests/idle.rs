//! The idle warning and *More time* through the visit, with a 60 s
//! timeout: warned from 40 s, out at 60 s.

use super::*;
use crate::domain::idle::{Idle, MAX_EXTENSIONS};

fn warned(left: u64, more_time: bool) -> Idle {
    Idle::Warning { left: Duration::from_secs(left), more_time }
}

#[test]
fn the_scanning_screen_warns_twenty_seconds_before_it_times_out() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    assert_eq!(v.idle(at(t0, 39)), Idle::Counting { left: Duration::from_secs(21) });
    assert_eq!(v.step(Event::Tick, at(t0, 40)), vec![]);
    assert_eq!(v.idle(at(t0, 40)), warned(20, true));
    assert_eq!(v.step(Event::Tick, at(t0, 59)), vec![]);
    assert_eq!(v.step(Event::Tick, at(t0, 60)), vec![Effect::EndVisit]);
    assert_eq!(v.state(), &State::Welcome);
}

#[test]
fn more_time_keeps_the_cart_for_another_whole_timeout() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    assert_eq!(v.step(Event::MoreTime, at(t0, 50)), vec![]);
    // 50 s + 60 s: warned again from 90 s, out at 110 s.
    assert_eq!(v.idle(at(t0, 50)), Idle::Counting { left: Duration::from_secs(60) });
    assert_eq!(v.step(Event::Tick, at(t0, 100)), vec![]);
    assert_eq!(cart_of(&v).item_count(), 3);
    assert_eq!(v.idle(at(t0, 100)), warned(10, true));
    assert_eq!(v.step(Event::Tick, at(t0, 110)), vec![Effect::EndVisit]);
}

#[test]
fn more_time_is_granted_ten_times_in_a_row() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    // A tap 45 s into each countdown (15 s left).
    let mut tap = 0;
    for _ in 0..MAX_EXTENSIONS {
        tap += 45;
        assert_eq!(v.idle(at(t0, tap)), warned(15, true));
        v.step(Event::MoreTime, at(t0, tap));
    }
    tap += 45;
    assert_eq!(v.idle(at(t0, tap)), warned(15, false));
    v.step(Event::MoreTime, at(t0, tap));
    assert_eq!(v.step(Event::Tick, at(t0, tap + 15)), vec![Effect::EndVisit]);
}

#[test]
fn more_time_before_the_warning_changes_nothing() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::MoreTime, at(t0, 30));
    assert_eq!(v.step(Event::Tick, at(t0, 60)), vec![Effect::EndVisit]);
}

#[test]
fn no_warning_and_no_timeout_while_the_code_is_on_screen() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(created(t0), t0);
    for s in [40, 60, 299] {
        assert_eq!(v.idle(at(t0, s)), Idle::Held, "at {s} s");
        assert_eq!(v.step(Event::Tick, at(t0, s)), vec![]);
    }
    assert!(matches!(v.state(), State::Paying { stage: PayStage::Pending { .. }, .. }));
}

#[test]
fn the_done_screen_warns_before_it_goes_back_to_welcome() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::Pay, t0);
    v.step(created(t0), t0);
    v.step(Event::PaymentPaid { id: "pay-1".into() }, t0);
    v.step(Event::SaleRecorded { transaction_id: None, url: None }, at(t0, 10));
    assert_eq!(v.idle(at(t0, 50)), warned(20, true));
    v.step(Event::MoreTime, at(t0, 55));
    assert_eq!(v.step(Event::Tick, at(t0, 70)), vec![]);
    assert_eq!(v.step(Event::Tick, at(t0, 115)), vec![Effect::EndVisit]);
}

#[test]
fn the_welcome_screen_never_warns() {
    let t0 = Instant::now();
    let v = Visit::new(IDLE, PREFIX, t0);
    assert_eq!(v.idle(at(t0, 3_600)), Idle::Held);
}
