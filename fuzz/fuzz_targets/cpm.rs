//! Reads any input as a customer-presented payload, both as text (to reach
//! the base64 reader) and as raw bytes put into base64 (to reach the
//! BER-TLV reader directly): nothing panics, and a payable payload written
//! back reads the same.

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

use domain::qris::cpm;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    let report = cpm::inspect(text);
    for e in &report.errors {
        let _ = e.to_string();
    }
    if report.is_payable() {
        let again = cpm::decode(&cpm::encode(&report.payload.objects)).expect("re-encoded reads");
        assert_eq!(again.applications, report.payload.applications);
        assert_eq!(again.format, report.payload.format);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    check(&base64(data));
});

/// Standard base64 with padding, written here independently of the codec.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            let c = match i <= chunk.len() {
                true => ALPHABET[(n >> (18 - 6 * i) & 63) as usize],
                false => b'=',
            };
            out.push(c as char);
        }
    }
    out
}
