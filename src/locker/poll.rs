//! Polling the bank: the changes of every compartment, and one door from
//! its unlock until it is closed again.

use std::time::{Duration, Instant};

use tracing::{info, warn};

use super::{LockerBank, LockerError};
use crate::domain::locker::Compartment;
pub use crate::domain::locker::watch::{Change, DoorEvent, DoorLimits};
use crate::domain::locker::watch::{DoorWatch, changes};

/// Reports what changed in the bank since its last poll.
#[derive(Debug, Default)]
pub struct Poller {
    last: Option<Vec<Compartment>>,
}

impl Poller {
    pub fn new() -> Poller {
        Poller::default()
    }

    /// Reads the bank; the first poll reports no change, only the reading.
    pub fn poll(&mut self, bank: &mut dyn LockerBank) -> Result<Vec<Change>, LockerError> {
        let now = bank.status()?;
        let found = self.last.as_deref().map(|before| changes(before, &now)).unwrap_or_default();
        self.last = Some(now);
        Ok(found)
    }

    /// The last reading, if any.
    pub fn last(&self) -> Option<&[Compartment]> {
        self.last.as_deref()
    }
}

/// Readings in a row that may fail before a watch gives up.
const READ_FAILURES: u32 = 3;

/// Unlocks compartment `number` once and follows its door until it is
/// closed again or was not opened in time; `on_event` hears every event
/// (opened, left open) as it happens, and the last one is returned.
///
/// An unlock that goes unanswered is not sent again: the door may have
/// opened, and the readings that follow tell.
pub fn unlock_and_watch(
    bank: &mut dyn LockerBank,
    number: u16,
    limits: DoorLimits,
    every: Duration,
    on_event: impl FnMut(DoorEvent),
) -> Result<DoorEvent, LockerError> {
    let last = unlock_and_watch_until(bank, number, limits, every, None, on_event)?;
    Ok(last.expect("a watch with no give-up ends with an event"))
}

/// Like [`unlock_and_watch`], but stops following the door when its watch
/// has not ended `give_up` after the unlock (a door left open), and
/// returns `None` then: the door may close later, and whoever reads the
/// bank next tells how it ended.
pub fn unlock_and_watch_until(
    bank: &mut dyn LockerBank,
    number: u16,
    limits: DoorLimits,
    every: Duration,
    give_up: Option<Duration>,
    mut on_event: impl FnMut(DoorEvent),
) -> Result<Option<DoorEvent>, LockerError> {
    let before = bank.compartment(number)?;
    let unlocked_at = Instant::now();
    match bank.unlock(number) {
        Ok(door) => info!(compartment = number, door = door.as_str(), "unlocked; watching"),
        Err(e) if e.is_unanswered() => {
            warn!(compartment = number, error = %e, "unlock unanswered; watching the door")
        }
        Err(e) => return Err(e),
    }

    let mut watch = DoorWatch::new(before, unlocked_at, limits);
    let mut failures = 0;
    loop {
        std::thread::sleep(every);
        let now = match bank.compartment(number) {
            Ok(c) => {
                failures = 0;
                c
            }
            // A status read is safe to repeat, unlike an unlock.
            Err(e) if e.is_unanswered() && failures + 1 < READ_FAILURES => {
                failures += 1;
                warn!(compartment = number, error = %e, "door reading failed; reading again");
                continue;
            }
            Err(e) => return Err(e),
        };
        let events = watch.observe(now, Instant::now());
        events.iter().for_each(|e| on_event(*e));
        if let (true, Some(last)) = (watch.is_done(), events.last()) {
            return Ok(Some(*last));
        }
        if give_up.is_some_and(|limit| unlocked_at.elapsed() >= limit) {
            warn!(compartment = number, "door not closed in time; no longer watched");
            return Ok(None);
        }
    }
}
