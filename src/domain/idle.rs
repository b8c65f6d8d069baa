//! The idle timeout of a visit, as a pure state machine.
//!
//! A visit nobody touches for its timeout goes back to the welcome screen,
//! so the next shopper never finds the last one's cart.
//! For the last [`WARNING`] of the timeout the kiosk warns, on screen and
//! aloud, and one tap on *More time* gives the whole timeout again, up to
//! [`MAX_EXTENSIONS`] times in a row.
//! A visit that is held (a payment under way) never times out.
//!
//! The time is always passed in: nothing here reads a clock or sleeps.

use std::time::{Duration, Instant};

/// How long before the timeout the shopper is warned.
pub const WARNING: Duration = Duration::from_secs(20);

/// How many taps on *More time* are granted in a row, with no other touch
/// in between; any other touch starts the count over.
/// Ten extensions of a 90 s timeout give a slow shopper a quarter of an
/// hour without touching anything else, while a kiosk left with the
/// warning tapped away still frees itself in the end.
pub const MAX_EXTENSIONS: u32 = 10;

/// Where the idle countdown of a visit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idle {
    /// The visit cannot time out now: nobody is using the kiosk, or a
    /// payment is under way.
    Held,
    /// Counting down, with `left` to the timeout; no warning yet.
    Counting { left: Duration },
    /// The warning is up, `left` before the timeout; `more_time` is true
    /// if and only if a tap still gets more time.
    Warning { left: Duration, more_time: bool },
    /// The visit is over.
    TimedOut,
}

/// The idle countdown of one visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdleTimer {
    timeout: Duration,
    /// The last touch, or the last time more time was granted.
    since: Instant,
    /// Taps on *More time* since the last other touch.
    extensions: u32,
}

impl IdleTimer {
    /// A countdown of `timeout` from `now`. A timeout shorter than the
    /// [`WARNING`] is lengthened to it, so that the warning always comes
    /// the whole [`WARNING`] ahead.
    pub fn new(timeout: Duration, now: Instant) -> IdleTimer {
        IdleTimer { timeout: timeout.max(WARNING), since: now, extensions: 0 }
    }

    /// The timeout in force (at least [`WARNING`]).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The shopper touched the kiosk (or a screen began that idles): the
    /// whole timeout again, and the count of extensions starts over.
    pub fn touched(&mut self, now: Instant) {
        self.since = now;
        self.extensions = 0;
    }

    /// A tap on *More time* at `now`; `held` as in [`IdleTimer::status`].
    /// Returns true if and only if more time was granted: the warning was
    /// up and fewer than [`MAX_EXTENSIONS`] were granted in a row.
    /// The whole timeout then runs again from `now`.
    pub fn more_time(&mut self, now: Instant, held: bool) -> bool {
        match self.status(now, held) {
            Idle::Warning { more_time: true, .. } => {
                self.since = now;
                self.extensions += 1;
                true
            }
            _ => false,
        }
    }

    /// Extensions a tap may still get before the next other touch.
    pub fn extensions_left(&self) -> u32 {
        MAX_EXTENSIONS.saturating_sub(self.extensions)
    }

    /// Where the countdown stands at `now`. `held` is true while the visit
    /// must not time out (a payment pending): it is then [`Idle::Held`]
    /// whatever the time.
    pub fn status(&self, now: Instant, held: bool) -> Idle {
        if held {
            return Idle::Held;
        }
        let idle_for = now.saturating_duration_since(self.since);
        let left = self.timeout.saturating_sub(idle_for);
        if left.is_zero() {
            Idle::TimedOut
        } else if left <= WARNING {
            Idle::Warning { left, more_time: self.extensions < MAX_EXTENSIONS }
        } else {
            Idle::Counting { left }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(90);

    fn at(t0: Instant, secs: u64) -> Instant {
        t0 + Duration::from_secs(secs)
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn counts_down_then_warns_twenty_seconds_ahead_then_times_out() {
        let t0 = Instant::now();
        let idle = IdleTimer::new(TIMEOUT, t0);
        // 90 s timeout: no warning up to 70 s, the warning from 70 s, out at 90 s.
        assert_eq!(idle.status(at(t0, 0), false), Idle::Counting { left: secs(90) });
        assert_eq!(idle.status(at(t0, 69), false), Idle::Counting { left: secs(21) });
        assert_eq!(
            idle.status(at(t0, 70), false),
            Idle::Warning { left: secs(20), more_time: true }
        );
        assert_eq!(
            idle.status(at(t0, 89), false),
            Idle::Warning { left: secs(1), more_time: true }
        );
        assert_eq!(idle.status(at(t0, 90), false), Idle::TimedOut);
        assert_eq!(idle.status(at(t0, 500), false), Idle::TimedOut);
    }

    #[test]
    fn a_touch_gives_the_whole_timeout_again() {
        let t0 = Instant::now();
        let mut idle = IdleTimer::new(TIMEOUT, t0);
        idle.touched(at(t0, 80));
        // 80 s + 90 s: out at 170 s, warned from 150 s.
        assert_eq!(idle.status(at(t0, 149), false), Idle::Counting { left: secs(21) });
        assert!(matches!(idle.status(at(t0, 150), false), Idle::Warning { .. }));
        assert_eq!(idle.status(at(t0, 170), false), Idle::TimedOut);
    }

    #[test]
    fn never_times_out_while_held() {
        let t0 = Instant::now();
        let mut idle = IdleTimer::new(TIMEOUT, t0);
        assert_eq!(idle.status(at(t0, 80), true), Idle::Held);
        assert_eq!(idle.status(at(t0, 3_600), true), Idle::Held);
        // No more time while held: there is no warning to answer.
        assert!(!idle.more_time(at(t0, 80), true));
        assert_eq!(idle.extensions_left(), MAX_EXTENSIONS);
    }

    #[test]
    fn more_time_is_granted_only_while_the_warning_is_up() {
        let t0 = Instant::now();
        let mut idle = IdleTimer::new(TIMEOUT, t0);
        assert!(!idle.more_time(at(t0, 69), false), "granted before the warning");
        assert!(!idle.more_time(at(t0, 90), false), "granted after the timeout");
        assert_eq!(idle.status(at(t0, 90), false), Idle::TimedOut);
        assert_eq!(idle.extensions_left(), 10);
    }

    #[test]
    fn more_time_is_granted_ten_times_in_a_row_then_refused() {
        let t0 = Instant::now();
        let mut idle = IdleTimer::new(TIMEOUT, t0);
        // Each tap at 75 s into the countdown (15 s left): the countdown
        // starts again from the tap, so taps fall at 75, 150, 225... s.
        let mut tap = 0;
        for n in 1..=10 {
            tap += 75;
            assert_eq!(
                idle.status(at(t0, tap), false),
                Idle::Warning { left: secs(15), more_time: true },
                "warning before tap {n}"
            );
            assert!(idle.more_time(at(t0, tap), false), "tap {n} refused");
            assert_eq!(idle.status(at(t0, tap), false), Idle::Counting { left: secs(90) });
        }
        assert_eq!(idle.extensions_left(), 0);
        // The eleventh warning offers no more time, and a tap changes nothing.
        tap += 75;
        assert_eq!(
            idle.status(at(t0, tap), false),
            Idle::Warning { left: secs(15), more_time: false }
        );
        assert!(!idle.more_time(at(t0, tap), false));
        assert_eq!(idle.status(at(t0, tap + 15), false), Idle::TimedOut);
    }

    #[test]
    fn another_touch_starts_the_count_of_extensions_over() {
        let t0 = Instant::now();
        let mut idle = IdleTimer::new(TIMEOUT, t0);
        for n in 1..=10 {
            assert!(idle.more_time(at(t0, n * 75), false));
        }
        idle.touched(at(t0, 800));
        assert_eq!(idle.extensions_left(), 10);
        assert_eq!(
            idle.status(at(t0, 875), false),
            Idle::Warning { left: secs(15), more_time: true }
        );
        assert!(idle.more_time(at(t0, 875), false));
    }

    #[test]
    fn a_timeout_shorter_than_the_warning_is_lengthened_to_it() {
        let t0 = Instant::now();
        let idle = IdleTimer::new(secs(4), t0);
        assert_eq!(idle.timeout(), WARNING);
        assert_eq!(
            idle.status(at(t0, 0), false),
            Idle::Warning { left: secs(20), more_time: true }
        );
        assert_eq!(
            idle.status(at(t0, 19), false),
            Idle::Warning { left: secs(1), more_time: true }
        );
        assert_eq!(idle.status(at(t0, 20), false), Idle::TimedOut);
    }
}
