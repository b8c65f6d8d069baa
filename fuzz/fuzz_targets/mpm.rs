//! Reads any text as a merchant-presented payload: `inspect` and `parse`
//! never panic, agree with each other, and point inside the payload.

#![no_main]

// Only the QRIS codec and the money it uses: the rest of the domain needs
// crates the fuzz build has no reason to carry.
#[allow(dead_code, unused_imports)]
#[path = "../../src/domain/money.rs"]
mod money;
#[allow(dead_code, unused_imports)]
#[path = "../../src/domain/qris/mod.rs"]
mod qris_codec;
mod domain {
    pub(crate) use super::money;
    pub(crate) use super::qris_codec as qris;
}
mod crc;

use domain::qris;
use crc::with_fresh_crc;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    let report = qris::inspect(text);
    let len = text.chars().count();
    for e in &report.errors {
        assert!(e.offset <= len, "error past the end: {e}");
        let _ = e.to_string();
    }
    for w in &report.warnings {
        assert!(w.offset <= len, "warning past the end: {w}");
    }
    match qris::parse(text) {
        Ok(p) => {
            assert!(report.errors.is_empty());
            assert_eq!(p, report.payload);
        }
        Err(e) => assert_eq!(Some(&e), report.errors.first()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check(text);
    // Most mutations break the CRC; fix it up so the other rules get
    // explored too.
    if let Some(fixed) = with_fresh_crc(text) {
        check(&fixed);
    }
});
