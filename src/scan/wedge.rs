//! Input from a USB barcode scanner that types like a keyboard.

use std::time::{Duration, Instant};

/// Collects the keys of a keyboard-wedge scanner into codes.
///
/// A wedge scanner types the code's characters, then Enter, within a few
/// tens of milliseconds. The rules, kept simple on purpose:
///
/// - Enter (`'\r'` or `'\n'`) ends a code; an empty one is ignored, so a
///   scanner that sends CR LF yields one code.
/// - A pause longer than `max_gap` between two keys drops what came before:
///   a fragment left by an interrupted scan or a stray key press does not
///   stick to the front of the next code. Slow human typing is dropped the
///   same way; manual entry belongs to the on-screen keypad, not here.
/// - A code longer than `max_len` is dropped whole at Enter, never cut: a cut
///   code could name another product.
/// - Other control characters are ignored, and so are the private-use
///   characters that UI toolkits (Slint among them) give arrow and function
///   keys.
///
/// It holds no clock: every call passes `now`, so tests control time.
#[derive(Debug, Clone)]
pub struct Wedge {
    max_gap: Duration,
    max_len: usize,
    buffer: String,
    /// Characters in `buffer`, counted as they come.
    len: usize,
    /// Set once the code passed `max_len`; the code is dropped at Enter.
    overflowed: bool,
    last_key: Option<Instant>,
}

impl Wedge {
    /// Scanners type a key every 2-20 ms; a gap this long means the code
    /// before it was abandoned.
    pub const DEFAULT_MAX_GAP: Duration = Duration::from_millis(200);
    /// Room for an EMVCo (QRIS) payload, which is at most 512 characters.
    pub const DEFAULT_MAX_LEN: usize = 512;

    pub fn new(max_gap: Duration, max_len: usize) -> Self {
        Wedge { max_gap, max_len, buffer: String::new(), len: 0, overflowed: false, last_key: None }
    }

    /// Feeds the text of one key event (usually one character) typed at
    /// `now`, and returns the code that an Enter in it completed.
    ///
    /// If the text holds more than one Enter, the last code completed wins.
    pub fn push_text(&mut self, text: &str, now: Instant) -> Option<String> {
        text.chars().fold(None, |done, c| self.push(c, now).or(done))
    }

    /// Feeds one character typed at `now`, and returns the code it completed
    /// if it is Enter.
    pub fn push(&mut self, c: char, now: Instant) -> Option<String> {
        if let Some(last) = self.last_key.replace(now)
            && now.saturating_duration_since(last) > self.max_gap
        {
            self.reset();
        }

        match c {
            '\r' | '\n' => {
                let code = std::mem::take(&mut self.buffer);
                let overflowed = self.overflowed;
                self.reset();
                (!code.is_empty() && !overflowed).then_some(code)
            }
            c if c.is_control() || ('\u{e000}'..='\u{f8ff}').contains(&c) => None,
            c => {
                if self.len < self.max_len {
                    self.buffer.push(c);
                    self.len += 1;
                } else {
                    self.overflowed = true;
                }
                None
            }
        }
    }

    fn reset(&mut self) {
        self.buffer.clear();
        self.len = 0;
        self.overflowed = false;
    }
}

impl Default for Wedge {
    fn default() -> Self {
        Wedge::new(Wedge::DEFAULT_MAX_GAP, Wedge::DEFAULT_MAX_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Types `keys` one every `every` starting at `t0`, and returns each code.
    fn type_keys(w: &mut Wedge, keys: &str, t0: Instant, every: Duration) -> Vec<String> {
        let mut codes = Vec::new();
        for (i, c) in keys.chars().enumerate() {
            codes.extend(w.push(c, t0 + every * i as u32));
        }
        codes
    }

    #[test]
    fn a_scan_is_the_digits_before_enter() {
        let mut w = Wedge::default();
        let codes = type_keys(&mut w, "8991234567890\r", Instant::now(), ms(5));
        assert_eq!(codes, vec!["8991234567890"]);
    }

    #[test]
    fn cr_lf_and_bare_enter_yield_no_empty_code() {
        let mut w = Wedge::default();
        let codes = type_keys(&mut w, "\n96385074\r\n\r", Instant::now(), ms(5));
        assert_eq!(codes, vec!["96385074"]);
    }

    #[test]
    fn a_long_pause_drops_the_fragment_before_it() {
        let t0 = Instant::now();
        let mut w = Wedge::default();
        assert_eq!(type_keys(&mut w, "123", t0, ms(5)), Vec::<String>::new());
        // 1 s later a full scan arrives; "123" must not stick to its front.
        let codes = type_keys(&mut w, "96385074\n", t0 + ms(1000), ms(5));
        assert_eq!(codes, vec!["96385074"]);
    }

    #[test]
    fn an_enter_after_a_long_pause_yields_nothing() {
        let t0 = Instant::now();
        let mut w = Wedge::default();
        type_keys(&mut w, "96385074", t0, ms(5));
        assert_eq!(w.push('\n', t0 + ms(35 + 201)), None);
    }

    #[test]
    fn a_gap_just_within_the_limit_keeps_the_code() {
        let mut w = Wedge::default();
        let codes = type_keys(&mut w, "96385074\n", Instant::now(), Wedge::DEFAULT_MAX_GAP);
        assert_eq!(codes, vec!["96385074"]);
    }

    #[test]
    fn a_code_past_the_cap_is_dropped_whole_not_cut() {
        let t0 = Instant::now();
        let mut w = Wedge::new(ms(200), 8);
        assert_eq!(type_keys(&mut w, "123456789\n", t0, ms(5)), Vec::<String>::new());
        // The next code starts clean, and exactly 8 characters fit.
        let codes = type_keys(&mut w, "96385074\n", t0 + ms(60), ms(5));
        assert_eq!(codes, vec!["96385074"]);
    }

    #[test]
    fn key_event_text_and_control_characters() {
        let t0 = Instant::now();
        let mut w = Wedge::default();
        assert_eq!(w.push_text("9638", t0), None);
        // A shift key event arrives as a control character and is ignored.
        assert_eq!(w.push_text("\u{10}", t0), None);
        // So does an arrow key, a private-use character in Slint.
        assert_eq!(w.push_text("\u{f700}", t0), None);
        assert_eq!(w.push_text("5074\n", t0 + ms(5)).as_deref(), Some("96385074"));
        assert_eq!(w.push_text("A1\nB2\n", t0 + ms(10)).as_deref(), Some("B2"));
    }
}
