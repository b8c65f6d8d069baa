//! The kiosk's clock: the system's, or one a test moves by hand.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the kiosk's worker reads the time from: idle timeouts, the idle
/// warning and payment countdowns all run on it.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system's monotonic clock.
    #[default]
    System,
    /// A clock that stands still until [`Clock::advance`] moves it, so a
    /// test decides when a timeout comes. A std mutex: held only to read
    /// or add, never across an await.
    Manual(Arc<Mutex<Instant>>),
}

impl Clock {
    /// A manual clock, standing at the system's time now.
    pub fn manual() -> Clock {
        Clock::Manual(Arc::new(Mutex::new(Instant::now())))
    }

    pub fn now(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Moves a manual clock on by `by`.
    ///
    /// # Panics
    ///
    /// On the system clock, which nobody moves.
    pub fn advance(&self, by: Duration) {
        match self {
            Clock::System => panic!("the system clock cannot be advanced"),
            Clock::Manual(at) => *at.lock().unwrap_or_else(|p| p.into_inner()) += by,
        }
    }
}
