//! Converts any payload to a dynamic code: never panics, and whatever it
//! writes reads back payable with the sale's amount, fee and bill number.

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
    pub(crate) use super::money::Rupiah;
    pub(crate) use super::qris_codec as qris;
}
mod crc;

use domain::Rupiah;
use domain::qris::{self, Fee, Percent, Sale, Tip};
use crc::with_fresh_crc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes choose the sale, the rest is the payload.
    if data.len() < 8 {
        return;
    }
    let (head, rest) = data.split_at(8);
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let amount = i64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]])) - 1_000;
    let fee = match head[4] % 4 {
        0 => None,
        1 => Some(Fee::Fixed(Rupiah(i64::from(head[5]) * 100 - 100))),
        _ => Percent::from_hundredths(u16::from_le_bytes([head[5], head[6]])).map(Fee::Percent),
    };
    let bill = (head[7] % 3 != 0).then(|| "B".repeat(usize::from(head[7] % 30)));
    let sale = Sale { amount: Rupiah(amount), fee, bill: bill.clone() };

    // Fix the CRC up so that mutations get past it.
    let text = with_fresh_crc(text).unwrap_or_else(|| text.to_owned());
    let Ok(out) = qris::to_dynamic(&text, &sale) else { return };
    let p = qris::parse(&out).expect("a converted code reads back");
    assert_eq!(p.initiation, qris::Initiation::Dynamic);
    assert_eq!(p.amount_rupiah, Some(Rupiah(amount)));
    match fee {
        None => assert_eq!(p.tip, None),
        Some(Fee::Fixed(f)) => {
            assert!(matches!(p.tip, Some(Tip::Fixed { rupiah: Some(r), .. }) if r == f))
        }
        Some(Fee::Percent(x)) => assert_eq!(p.tip, Some(Tip::Percent(x))),
    }
    if let Some(b) = bill {
        assert_eq!(p.bill_number, Some(b));
    }
    let before = qris::parse(&text).expect("the input was payable");
    let kept = |p: &qris::Payload| -> Vec<(u8, String)> {
        let skip = |id| matches!(id, 1 | 54..=57 | 62 | 63);
        p.objects.iter().filter(|o| !skip(o.id)).map(|o| (o.id, o.value.clone())).collect()
    };
    assert_eq!(kept(&p), kept(&before));
});
