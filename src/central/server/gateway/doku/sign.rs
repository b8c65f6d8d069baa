//! SNAP signatures as DOKU defines them, and the headers' formats.
//!
//! - Access token: SHA256withRSA (RSASSA-PKCS1-v1_5) with the merchant's key
//!   over `clientId|X-TIMESTAMP`, base64.
//! - Transactional requests: HMAC-SHA512 keyed with the client secret over
//!   `METHOD:PATH:TOKEN:lowerhex(SHA-256(minified body)):X-TIMESTAMP`,
//!   base64.
//! - DOKU's notifications: see [`verify_notification`].

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, Utc};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use ring::{digest, hmac};

/// Western Indonesia Time (WIB), the offset DOKU's examples and SNAP use.
fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

/// Formats a time the way DOKU's X-TIMESTAMP and validityPeriod read:
/// `2020-12-21T14:56:11+07:00`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&wib()).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The base64 SHA256withRSA signature of an access-token request.
pub fn token_signature(key: &RsaKeyPair, client_id: &str, timestamp: &str) -> String {
    let message = format!("{client_id}|{timestamp}");
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), message.as_bytes(), &mut sig)
        .expect("RSA signing with a checked key and a buffer of the modulus size succeeds");
    STANDARD.encode(sig)
}

/// The string a transactional request's HMAC covers. `body` must be the
/// exact bytes sent, already minified.
pub fn transaction_string(
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    format!("{method}:{path}:{token}:{}:{timestamp}", sha256_hex(body))
}

/// The base64 HMAC-SHA512 signature of a transactional request.
pub fn hmac_signature(secret: &str, string_to_sign: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA512, secret.as_bytes());
    STANDARD.encode(hmac::sign(&key, string_to_sign.as_bytes()).as_ref())
}

/// Lowercase hex of the SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let hash = digest::digest(&digest::SHA256, bytes);
    hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Removes the whitespace between JSON tokens, keeping everything inside
/// strings: SNAP's "minify". It never reorders keys or rewrites values, so
/// the hash is over what the sender hashed.
pub fn minify_json(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
            out.push(b);
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            out.push(b);
        }
    }
    out
}

/// Which of DOKU's signature forms a notification carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationSignature {
    /// HMAC-SHA512 with the client secret over
    /// `POST:path:token:hash:timestamp`, the token from its Authorization.
    Symmetric,
    /// SHA256withRSA by DOKU over `POST:path:hash:timestamp`.
    AsymmetricTransaction,
    /// SHA256withRSA by DOKU over `clientId|timestamp`.
    AsymmetricClient,
}

/// What [`verify_notification`] needs to know of the request.
pub struct NotificationParts<'a> {
    pub path: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
    /// The bearer token of its Authorization header, if any.
    pub token: Option<&'a str>,
    pub body: &'a [u8],
}

/// Checks a notification's X-SIGNATURE against every form DOKU's SNAP
/// documentation describes for requests it sends to a merchant, and says
/// which one matched.
///
/// DOKU's pages name both kinds: the SNAP signature page says the merchant
/// verifies DOKU's notifications like a symmetric (HMAC) signature, and the
/// asymmetric page says the transactional form's EndpointUrl is the path of
/// the merchant's notification URL when DOKU sends. The `clientId|timestamp`
/// form is what DOKU signs when it asks a merchant for a token; it does not
/// cover the body, so [`super::Doku`] only takes it with a fresh timestamp,
/// and the central never acts on a body without querying DOKU.
pub fn verify_notification(
    parts: &NotificationParts<'_>,
    client_id: &str,
    client_secret: &str,
    doku_public_key: &[u8],
) -> Option<NotificationSignature> {
    let sig = STANDARD.decode(parts.signature.trim()).ok()?;
    let hash = sha256_hex(&minify_json(parts.body));
    let ts = parts.timestamp;

    if let Some(token) = parts.token {
        let string = format!("POST:{}:{token}:{hash}:{ts}", parts.path);
        let key = hmac::Key::new(hmac::HMAC_SHA512, client_secret.as_bytes());
        if hmac::verify(&key, string.as_bytes(), &sig).is_ok() {
            return Some(NotificationSignature::Symmetric);
        }
    }
    let rsa = UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, doku_public_key);
    let string = format!("POST:{}:{hash}:{ts}", parts.path);
    if rsa.verify(string.as_bytes(), &sig).is_ok() {
        return Some(NotificationSignature::AsymmetricTransaction);
    }
    let string = format!("{client_id}|{ts}");
    if rsa.verify(string.as_bytes(), &sig).is_ok() {
        return Some(NotificationSignature::AsymmetricClient);
    }
    None
}

/// Makes X-EXTERNAL-ID values: numeric, at most 36 digits, unique per day.
///
/// Milliseconds since 1970 (13 digits), a per-process counter (6 digits)
/// and 4 random digits: a restart starts at a later millisecond, and two
/// processes sharing the credentials would have to meet on the same
/// millisecond, counter and random digits.
#[derive(Debug, Default)]
pub struct ExternalIds {
    counter: AtomicU64,
}

impl ExternalIds {
    pub fn next(&self, now: DateTime<Utc>) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let noise = rand::random::<u16>() % 10_000;
        format!("{:013}{n:06}{noise:04}", now.timestamp_millis().max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_in_western_indonesia_time() {
        let at = Utc.with_ymd_and_hms(2020, 12, 21, 7, 56, 11).unwrap();
        assert_eq!(timestamp(at), "2020-12-21T14:56:11+07:00");
        // Late UTC evening is the next day in Jakarta.
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(timestamp(at), "2027-01-01T00:00:00+07:00");
    }

    #[test]
    fn sha256_of_the_empty_string_is_the_known_digest() {
        // FIPS 180-2's digest of the empty message.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hmac_sha512_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for
        // nothing?"; the digest below is the RFC's, in base64.
        let expected_hex = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                            9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
        let bytes: Vec<u8> = (0..expected_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&expected_hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(hmac_signature("Jefe", "what do ya want for nothing?"), STANDARD.encode(bytes));
    }

    #[test]
    fn the_transaction_string_joins_with_colons() {
        let s = transaction_string("POST", "/p", "tok", b"", "2020-12-21T14:56:11+07:00");
        assert_eq!(
            s,
            "POST:/p:tok:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:\
             2020-12-21T14:56:11+07:00"
        );
    }

    #[test]
    fn minify_keeps_spaces_inside_strings_and_escaped_quotes() {
        let body = b"{\n  \"name\" : \"Jokul Doe\",\n  \"q\": \"a \\\" b\" ,\"n\": [1, 2]\n}";
        assert_eq!(
            String::from_utf8(minify_json(body)).unwrap(),
            "{\"name\":\"Jokul Doe\",\"q\":\"a \\\" b\",\"n\":[1,2]}"
        );
    }

    #[test]
    fn external_ids_are_numeric_short_and_distinct() {
        let ids = ExternalIds::default();
        let now = Utc::now();
        let a = ids.next(now);
        let b = ids.next(now);
        assert_ne!(a, b);
        assert!(a.len() <= 36 && a.bytes().all(|c| c.is_ascii_digit()), "{a}");
    }
}
