//! Telling a customer-presented QRIS code (the one a wallet app shows for
//! the merchant to scan) from anything else a scanner reads.
//!
//! This is a router's check, not the codec: it reads only the payload
//! format indicator at the start, so that the kiosk knows where to send a
//! scan. The central decodes and checks the whole code before charging it.

/// How every customer-presented payload starts: tag 85 (payload format
/// indicator), length 5, `CPV01`.
pub const CUSTOMER_CODE_PREFIX: [u8; 7] = [0x85, 0x05, b'C', b'P', b'V', b'0', b'1'];

/// Returns true if and only if `text` is base64 whose bytes start with the
/// customer-presented payload format indicator ([`CUSTOMER_CODE_PREFIX`]).
///
/// Surrounding white space is ignored, as a scanner may add a line end;
/// padding (`=`) may be left out, as some wallets do.
pub fn looks_like_customer_code(text: &str) -> bool {
    decode_base64(text.trim()).is_some_and(|bytes| bytes.starts_with(&CUSTOMER_CODE_PREFIX))
}

/// Decodes standard base64 (`+` and `/`), with or without padding; `None`
/// for anything that is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    // Four characters carry three bytes; a lone last character carries none.
    if body.is_empty() || padding > 2 || body.len() % 4 == 1 {
        return None;
    }
    if padding > 0 && !(body.len() + padding).is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut bits, mut held) = (0u32, 0u32);
    for c in body.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_shared_wallet_code_is_a_customer_code() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/qris/cpm.tsv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut rows = text.lines().skip(1).filter(|l| !l.trim().is_empty());
        let payload = rows.next().unwrap().split('\t').nth(2).unwrap();
        assert!(looks_like_customer_code(payload));
        // A scanner's line end does not change it.
        assert!(looks_like_customer_code(&format!("{payload}\r\n")));
    }

    #[test]
    fn the_indicator_alone_is_enough_and_another_version_is_not() {
        // 85 05 43 50 56 30 31 in base64, worked out by hand: 850543 ->
        // hQVD, 505630 -> UFYw, 31 -> MQ==.
        assert!(looks_like_customer_code("hQVDUFYwMQ=="));
        assert!(looks_like_customer_code("hQVDUFYwMQ"));
        // CPV02: 32 -> Mg==.
        assert!(!looks_like_customer_code("hQVDUFYwMg=="));
        // Cut before the last byte of the indicator.
        assert!(!looks_like_customer_code("hQVDUFYw"));
    }

    #[test]
    fn product_codes_and_merchant_codes_are_not_customer_codes() {
        assert!(!looks_like_customer_code("8991234567890"));
        assert!(!looks_like_customer_code(
            "00020101021226590013ID.CO.QRIS.WWW0215ID10200000000010303UMI5204541153033605802ID"
        ));
        assert!(!looks_like_customer_code("https://example.com/p/1"));
        assert!(!looks_like_customer_code(""));
        // Base64 characters, broken padding.
        assert!(!looks_like_customer_code("hQVDUFYwMQ==="));
        assert!(!looks_like_customer_code("hQVDUFYwM"));
    }

    #[test]
    fn base64_decodes_as_the_rfc_examples() {
        // RFC 4648, section 10.
        assert_eq!(decode_base64("Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64("Zm9vYg==").unwrap(), b"foob");
        assert_eq!(decode_base64("Zm9vYg").unwrap(), b"foob");
        assert_eq!(decode_base64("Zg==").unwrap(), b"f");
        assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_base64("Zm9v!"), None);
    }
}
