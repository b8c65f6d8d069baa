//! Base64 (RFC 4648, standard alphabet), strict: the wallet's payload is
//! read exactly as written or refused.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why a text is not base64, and at which character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base64Error {
    pub offset: usize,
    pub why: &'static str,
}

/// The decoded bytes and whether the `=` padding was left out.
#[derive(Debug)]
pub struct Decoded {
    pub bytes: Vec<u8>,
    pub unpadded: bool,
}

fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `text`; padding may be left out, but unused bits must be zero
/// and nothing else (spaces, line breaks, the URL alphabet) is allowed.
pub fn decode(text: &str) -> Result<Decoded, Base64Error> {
    let input = text.as_bytes();
    let pad = input.iter().rev().take_while(|&&c| c == b'=').count();
    let body = &input[..input.len() - pad];
    let err = |offset, why| Err(Base64Error { offset, why });
    if let Some(i) = body.iter().position(|&c| value(c).is_none()) {
        return err(text[..i].chars().count(), "a character outside the base64 alphabet");
    }
    if pad > 2 {
        return err(body.len(), "more than two padding characters");
    }
    if pad > 0 && !input.len().is_multiple_of(4) {
        return err(body.len(), "padding that does not end a group of four");
    }
    if body.len() % 4 == 1 {
        return err(body.len() - 1, "a lone character ends the text");
    }
    let mut bytes = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in body {
        let v = value(c).unwrap_or(0);
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if acc != 0 {
        return err(body.len() - 1, "unused bits at the end are not zero");
    }
    Ok(Decoded { bytes, unpadded: pad == 0 && !body.len().is_multiple_of(4) })
}

/// Encodes `bytes` with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_rfc_4648_test_vectors() {
        // RFC 4648, section 10.
        let cases = [("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo")];
        for (text, plain) in cases.iter().chain(&[("Zm9vYg==", "foob"), ("Zm9vYmE=", "fooba")]) {
            assert_eq!(decode(text).unwrap().bytes, plain.as_bytes(), "{text}");
            assert_eq!(encode(plain.as_bytes()), *text);
        }
        assert_eq!(decode("Zm9vYmFy").unwrap().bytes, b"foobar");
    }

    #[test]
    fn missing_padding_is_read_and_noted() {
        let d = decode("Zm8").unwrap();
        assert_eq!(d.bytes, b"fo");
        assert!(d.unpadded);
    }

    #[test]
    fn base64_refuses_what_is_not_canonical() {
        assert_eq!(decode("Zm9v YmFy").unwrap_err().offset, 4);
        assert!(decode("Zm9=").is_err(), "unused bits set");
        assert!(decode("Zg=").is_err(), "padding out of place");
        assert!(decode("Z===").is_err());
        assert!(decode("Zm9-").is_err(), "URL alphabet");
        assert!(decode("Zm9vY").is_err(), "lone character");
    }
}
