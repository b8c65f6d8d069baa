//! Counting a code once while it stays in front of the camera.

use std::time::{Duration, Instant};

/// Decides whether a read is a new scan or the same item seen again.
///
/// The camera reads a code on every frame for as long as the shopper holds
/// the item up, and a USB scanner fires twice if the trigger bounces. A code
/// counts again only once it has gone unseen for the whole window: the window
/// restarts at every read, so holding an item still for ten seconds adds it
/// once. To add a second of the same item, the shopper takes the first away
/// and shows the second after the window (1.5 s by default).
///
/// It holds no clock: every call passes `now`, so tests control time.
#[derive(Debug, Clone)]
pub struct Debouncer {
    window: Duration,
    /// Each code seen within the window, with when it was last seen.
    seen: Vec<(String, Instant)>,
}

impl Debouncer {
    /// The default window: long enough to cover the frames of one showing,
    /// short enough that a second item of the same product scans promptly.
    pub const DEFAULT_WINDOW: Duration = Duration::from_millis(1500);

    pub fn new(window: Duration) -> Self {
        Debouncer { window, seen: Vec::new() }
    }

    /// Records a read of `code` at `now` and returns true if and only if it
    /// counts as a new scan.
    ///
    /// Pass the catalog key where there is one, so that two reads of one
    /// product that name it differently still count once.
    pub fn accept(&mut self, code: &str, now: Instant) -> bool {
        // Forget what the window has passed; what is left is a handful of
        // codes, so a vector beats a map.
        let window = self.window;
        self.seen.retain(|(_, at)| now.saturating_duration_since(*at) < window);

        match self.seen.iter_mut().find(|(seen, _)| seen == code) {
            Some((_, at)) => {
                *at = now;
                false
            }
            None => {
                self.seen.push((code.to_owned(), now));
                true
            }
        }
    }

    /// Forgets every code, so the next read of any counts (at the end of a
    /// visit, say).
    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

impl Default for Debouncer {
    fn default() -> Self {
        Debouncer::new(Debouncer::DEFAULT_WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_repeat_within_the_window_counts_once() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert!(d.accept("8991234567890", t0));
        assert!(!d.accept("8991234567890", t0 + ms(100)));
        assert!(!d.accept("8991234567890", t0 + ms(1400)));
    }

    #[test]
    fn holding_an_item_up_keeps_it_one_scan() {
        // Frames every 100 ms for 5 s: each read restarts the window.
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        let counted = (0..50).filter(|i| d.accept("8991234567890", t0 + ms(i * 100))).count();
        assert_eq!(counted, 1);
    }

    #[test]
    fn the_same_code_counts_again_after_the_window() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(ms(1500));
        assert!(d.accept("8991234567890", t0));
        // Exactly the window later is outside it.
        assert!(d.accept("8991234567890", t0 + ms(1500)));
        assert!(!d.accept("8991234567890", t0 + ms(1600)));
        assert!(d.accept("8991234567890", t0 + ms(3200)));
    }

    #[test]
    fn different_codes_are_independent() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert!(d.accept("8991234567890", t0));
        assert!(d.accept("96385074", t0 + ms(10)));
        assert!(!d.accept("8991234567890", t0 + ms(20)));
        assert!(!d.accept("96385074", t0 + ms(30)));
    }

    #[test]
    fn clear_forgets_every_code() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert!(d.accept("96385074", t0));
        d.clear();
        assert!(d.accept("96385074", t0 + ms(10)));
    }
}
