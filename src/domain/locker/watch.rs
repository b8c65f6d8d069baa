//! What changed between two readings of the bank, and how one unlocked
//! door goes: opened, closed again, with or without an item inside.
//!
//! The kiosk's loading and pickup flows unlock a compartment, then feed
//! each poll of the bank to a [`DoorWatch`]; the time of each reading is
//! passed in.

use std::time::{Duration, Instant};

use super::{Compartment, DoorState, Occupancy};

/// One change of one compartment between two readings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    DoorOpened(u16),
    DoorClosed(u16),
    Emptied(u16),
    Filled(u16),
}

/// The changes from `before` to `after` (readings of the same bank), in
/// compartment order, a door's change before its sensor's.
pub fn changes(before: &[Compartment], after: &[Compartment]) -> Vec<Change> {
    let mut out = Vec::new();
    for (b, a) in before.iter().zip(after) {
        debug_assert_eq!(b.number, a.number);
        match (b.door, a.door) {
            (DoorState::Closed, DoorState::Open) => out.push(Change::DoorOpened(a.number)),
            (DoorState::Open, DoorState::Closed) => out.push(Change::DoorClosed(a.number)),
            _ => {}
        }
        match (b.occupancy, a.occupancy) {
            (Some(Occupancy::Occupied), Some(Occupancy::Empty)) => {
                out.push(Change::Emptied(a.number))
            }
            (Some(Occupancy::Empty), Some(Occupancy::Occupied)) => {
                out.push(Change::Filled(a.number))
            }
            _ => {}
        }
    }
    out
}

/// How long a door may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoorLimits {
    /// From the unlock until the door must have opened; after that the
    /// latch has caught again and the unlock counts as not used.
    pub open_within: Duration,
    /// From the door opening until it is called left open (a warning; the
    /// watch goes on until it closes).
    pub close_within: Duration,
}

/// What happened to the watched door.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoorEvent {
    Opened,
    /// Not opened within the limit: the door is locked again.
    NotOpened,
    /// Open for longer than the limit.
    LeftOpen,
    /// Closed again: the end of the watch, with what the sensor sees.
    Closed {
        occupancy: Option<Occupancy>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    WaitingToOpen,
    Open { since: Instant, warned: bool },
    Done,
}

/// One compartment from its unlock until its door is closed again (or was
/// never opened).
#[derive(Clone, Debug)]
pub struct DoorWatch {
    before: Compartment,
    unlocked_at: Instant,
    limits: DoorLimits,
    phase: Phase,
}

impl DoorWatch {
    /// Starts watching; `before` is the compartment as read before the
    /// unlock.
    pub fn new(before: Compartment, unlocked_at: Instant, limits: DoorLimits) -> DoorWatch {
        DoorWatch { before, unlocked_at, limits, phase: Phase::WaitingToOpen }
    }

    /// Returns true if and only if the watch has ended (closed again or
    /// never opened).
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Takes one reading of the compartment made at `now`.
    pub fn observe(&mut self, now: Compartment, at: Instant) -> Vec<DoorEvent> {
        let mut events = Vec::new();
        match self.phase {
            Phase::WaitingToOpen if now.door == DoorState::Open => {
                events.push(DoorEvent::Opened);
                self.phase = Phase::Open { since: at, warned: false };
                self.check_left_open(at, &mut events);
            }
            // Opened and closed again between two readings: only the
            // sensor can tell, by seeing something else than before.
            Phase::WaitingToOpen if now.occupancy != self.before.occupancy => {
                events.push(DoorEvent::Opened);
                events.push(DoorEvent::Closed { occupancy: now.occupancy });
                self.phase = Phase::Done;
            }
            Phase::WaitingToOpen => {
                if at.duration_since(self.unlocked_at) >= self.limits.open_within {
                    events.push(DoorEvent::NotOpened);
                    self.phase = Phase::Done;
                }
            }
            Phase::Open { .. } if now.door == DoorState::Closed => {
                events.push(DoorEvent::Closed { occupancy: now.occupancy });
                self.phase = Phase::Done;
            }
            Phase::Open { .. } => self.check_left_open(at, &mut events),
            Phase::Done => {}
        }
        events
    }

    fn check_left_open(&mut self, at: Instant, events: &mut Vec<DoorEvent>) {
        if let Phase::Open { since, warned: false } = self.phase
            && at.duration_since(since) >= self.limits.close_within
        {
            events.push(DoorEvent::LeftOpen);
            self.phase = Phase::Open { since, warned: true };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(number: u16, door: DoorState, occupancy: Occupancy) -> Compartment {
        Compartment { number, door, occupancy: Some(occupancy) }
    }

    const LIMITS: DoorLimits =
        DoorLimits { open_within: Duration::from_secs(30), close_within: Duration::from_secs(60) };

    #[test]
    fn changes_name_each_door_and_sensor() {
        use DoorState::*;
        use Occupancy::*;
        let before = [c(1, Closed, Occupied), c(2, Open, Empty), c(3, Closed, Empty)];
        let after = [c(1, Open, Empty), c(2, Closed, Occupied), c(3, Closed, Empty)];
        assert_eq!(
            changes(&before, &after),
            [Change::DoorOpened(1), Change::Emptied(1), Change::DoorClosed(2), Change::Filled(2)]
        );
    }

    #[test]
    fn pickup_goes_opened_then_closed_empty() {
        let t0 = Instant::now();
        let before = c(4, DoorState::Closed, Occupancy::Occupied);
        let mut watch = DoorWatch::new(before, t0, LIMITS);
        assert_eq!(watch.observe(before, t0 + Duration::from_secs(1)), []);
        let open = c(4, DoorState::Open, Occupancy::Empty);
        assert_eq!(watch.observe(open, t0 + Duration::from_secs(2)), [DoorEvent::Opened]);
        assert_eq!(watch.observe(open, t0 + Duration::from_secs(3)), []);
        let shut = c(4, DoorState::Closed, Occupancy::Empty);
        assert_eq!(
            watch.observe(shut, t0 + Duration::from_secs(9)),
            [DoorEvent::Closed { occupancy: Some(Occupancy::Empty) }]
        );
        assert!(watch.is_done());
    }

    #[test]
    fn a_door_not_opened_in_time_ends_the_watch() {
        let t0 = Instant::now();
        let before = c(4, DoorState::Closed, Occupancy::Occupied);
        let mut watch = DoorWatch::new(before, t0, LIMITS);
        assert_eq!(watch.observe(before, t0 + Duration::from_secs(29)), []);
        assert_eq!(watch.observe(before, t0 + Duration::from_secs(30)), [DoorEvent::NotOpened]);
        assert!(watch.is_done());
    }

    #[test]
    fn a_door_left_open_warns_once_and_is_still_watched() {
        let t0 = Instant::now();
        let mut watch = DoorWatch::new(c(2, DoorState::Closed, Occupancy::Empty), t0, LIMITS);
        let open = c(2, DoorState::Open, Occupancy::Empty);
        assert_eq!(watch.observe(open, t0), [DoorEvent::Opened]);
        assert_eq!(watch.observe(open, t0 + Duration::from_secs(59)), []);
        assert_eq!(watch.observe(open, t0 + Duration::from_secs(60)), [DoorEvent::LeftOpen]);
        assert_eq!(watch.observe(open, t0 + Duration::from_secs(90)), []);
        let shut = c(2, DoorState::Closed, Occupancy::Occupied);
        assert_eq!(
            watch.observe(shut, t0 + Duration::from_secs(95)),
            [DoorEvent::Closed { occupancy: Some(Occupancy::Occupied) }]
        );
    }

    #[test]
    fn a_door_opened_and_closed_between_readings_is_seen_by_its_sensor() {
        let t0 = Instant::now();
        let mut watch = DoorWatch::new(c(7, DoorState::Closed, Occupancy::Occupied), t0, LIMITS);
        let emptied = c(7, DoorState::Closed, Occupancy::Empty);
        assert_eq!(
            watch.observe(emptied, t0 + Duration::from_secs(5)),
            [DoorEvent::Opened, DoorEvent::Closed { occupancy: Some(Occupancy::Empty) }]
        );
    }
}
