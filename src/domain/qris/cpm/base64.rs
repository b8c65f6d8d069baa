//! Base64 (RFC 4648, standard alphabet), strict: the wallet's payload is
//! read exactly as written or refused. The `base64` crate does the work;
//! this module pins down what is accepted and says where a text went wrong.

use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Padding may be left out (some wallets do); unused bits must be zero.
const STRICT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false),
);

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

/// Decodes `text`; padding may be left out, but unused bits must be zero
/// and nothing else (spaces, line breaks, the URL alphabet) is allowed.
pub fn decode(text: &str) -> Result<Decoded, Base64Error> {
    use base64::DecodeError as E;

    // The crate counts bytes; a shopper's screen and our errors count
    // characters.
    let chars = |byte: usize| text.char_indices().take_while(|&(i, _)| i < byte).count();
    let body = text.trim_end_matches('=');
    // The crate takes any amount of padding in this mode; RFC 4648 allows
    // it only to fill the last group of four.
    let pad = text.len() - body.len();
    if pad > 2 {
        return Err(Base64Error {
            offset: chars(body.len()),
            why: "more than two padding characters",
        });
    }
    if pad > 0 && !text.len().is_multiple_of(4) {
        let why = "padding that does not end a group of four";
        return Err(Base64Error { offset: chars(body.len()), why });
    }
    // A stray character is the first thing to name, wherever it is.
    let alien = |c: &u8| !(c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/');
    if let Some(at) = body.as_bytes().iter().position(alien) {
        return Err(Base64Error {
            offset: chars(at),
            why: "a character outside the base64 alphabet",
        });
    }
    let (offset, why) = match STRICT.decode(text) {
        Ok(bytes) => {
            let unpadded = body.len() == text.len() && !body.len().is_multiple_of(4);
            return Ok(Decoded { bytes, unpadded });
        }
        Err(E::InvalidByte(at, b'=')) => (chars(at), "padding that does not end the text"),
        Err(E::InvalidByte(at, _)) => (chars(at), "a character outside the base64 alphabet"),
        Err(E::InvalidLength(_)) => {
            (chars(body.len().saturating_sub(1)), "a lone character ends the text")
        }
        Err(E::InvalidLastSymbol(at, _)) => (chars(at), "unused bits at the end are not zero"),
        Err(E::InvalidPadding) => (chars(body.len()), "padding that does not end a group of four"),
    };
    Err(Base64Error { offset, why })
}

/// Encodes `bytes` with padding.
pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
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
        // Offsets count characters: "é" is two bytes but one character.
        assert_eq!(decode("éZm9vYmFy").unwrap_err().offset, 0);
        assert_eq!(decode("Zm9vé").unwrap_err().offset, 4);
    }

    #[test]
    fn a_character_of_two_bytes_in_a_short_text_is_named_not_sliced() {
        // Found by the cpm fuzz target: five bytes, the last two one "ą".
        let e = decode("hQVą").unwrap_err();
        assert_eq!((e.offset, e.why), (3, "a character outside the base64 alphabet"));
        assert!(decode("Zm9=").is_err(), "unused bits set");
        assert!(decode("Zg=").is_err(), "padding out of place");
        assert!(decode("Z===").is_err());
        assert!(decode("Zm9-").is_err(), "URL alphabet");
        assert!(decode("Zm9vY").is_err(), "lone character");
    }
}
