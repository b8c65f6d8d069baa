//! Signed, short-lived tokens that the central issues and devices check: a
//! member's identity QR (`SWM1`), a cart's hand-off code (`SWC1`) and an
//! order's pickup QR (`SWP1`).
//!
//! A token is `PREFIX.CLAIMS.SIGNATURE`: the claims are JSON in unpadded
//! base64url, the signature is Ed25519 over `PREFIX.CLAIMS` in unpadded
//! base64url. The prefix names the kind, so a cart code shown where a member
//! code is expected is refused as the wrong kind rather than misread. A
//! device holding the central's public key checks a token offline.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What a token stands for; its prefix on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A loyalty member, shown as a QR by the member's app.
    Member,
    /// A cart started on another channel, handed to a kiosk or a phone.
    Cart,
    /// A click-and-collect order waiting in a locker compartment.
    Pickup,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Member => "SWM1",
            Kind::Cart => "SWC1",
            Kind::Pickup => "SWP1",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Member => "member code",
            Kind::Cart => "cart code",
            Kind::Pickup => "pickup code",
        }
    }

    /// The kind whose prefix starts `text`, if any.
    pub fn of(text: &str) -> Option<Kind> {
        [Kind::Member, Kind::Cart, Kind::Pickup]
            .into_iter()
            .find(|k| text.strip_prefix(k.prefix()).is_some_and(|rest| rest.starts_with('.')))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("not a {}: it does not start with {}.", .0.describe(), .0.prefix())]
    WrongKind(Kind),
    #[error("the {} is damaged: {}", .0.describe(), .1)]
    Malformed(Kind, &'static str),
    #[error("the {} was not issued by this retailer (its signature does not match)", .0.describe())]
    BadSignature(Kind),
    #[error("the {} expired; open the app again for a fresh one", .0.describe())]
    Expired(Kind),
    #[error("the signing key is damaged")]
    BadKey,
}

/// The claims every token carries around its own fields.
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    /// Unix seconds after which the token is refused.
    exp: i64,
    #[serde(flatten)]
    body: T,
}

/// The central's private signing key.
pub struct Signer {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl Signer {
    /// A new random key.
    pub fn generate() -> Signer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .expect("the system random source works");
        Signer::from_pkcs8(pkcs8.as_ref()).expect("a generated key is valid")
    }

    /// The key as [`Signer::pkcs8`] gave it.
    pub fn from_pkcs8(der: &[u8]) -> Result<Signer, TokenError> {
        let pair = Ed25519KeyPair::from_pkcs8(der).map_err(|_| TokenError::BadKey)?;
        Ok(Signer { pair, pkcs8: der.to_vec() })
    }

    /// The key in PKCS#8 DER, to store it.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key devices check tokens with.
    pub fn verifier(&self) -> Verifier {
        Verifier(self.pair.public_key().as_ref().to_vec())
    }

    /// A token of `kind` carrying `body`, valid until `exp` (Unix seconds).
    pub fn sign<T: Serialize>(&self, kind: Kind, body: &T, exp: i64) -> String {
        let claims =
            serde_json::to_vec(&Envelope { exp, body }).expect("token claims always serialise");
        let signed = format!("{}.{}", kind.prefix(), URL_SAFE_NO_PAD.encode(claims));
        let sig = self.pair.sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

/// A public key that checks tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier(Vec<u8>);

impl Verifier {
    /// The raw 32-byte Ed25519 public key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Verifier, TokenError> {
        if bytes.len() != 32 {
            return Err(TokenError::BadKey);
        }
        Ok(Verifier(bytes.to_vec()))
    }

    /// The key in unpadded base64url, as `GET /v1/keys` serves it.
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }

    pub fn from_base64(text: &str) -> Result<Verifier, TokenError> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| TokenError::BadKey)?;
        Verifier::from_bytes(&bytes)
    }

    /// Checks `token` as a `kind` token at `now` (Unix seconds) and returns
    /// its body.
    pub fn verify<T: DeserializeOwned>(
        &self,
        kind: Kind,
        token: &str,
        now: i64,
    ) -> Result<T, TokenError> {
        let token = token.trim();
        let head = token.get(..kind.prefix().len());
        if head.is_some_and(|h| h != kind.prefix() && h.eq_ignore_ascii_case(kind.prefix())) {
            return Err(TokenError::Malformed(
                kind,
                "its letters changed case on the way (a scanner set to upper or lower case?)",
            ));
        }
        let rest = token
            .strip_prefix(kind.prefix())
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(TokenError::WrongKind(kind))?;
        let (claims, sig) =
            rest.split_once('.').ok_or(TokenError::Malformed(kind, "it has no signature"))?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| TokenError::Malformed(kind, "the signature is not base64url"))?;
        let signed = &token[..kind.prefix().len() + 1 + claims.len()];
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(signed.as_bytes(), &sig)
            .map_err(|_| TokenError::BadSignature(kind))?;
        // Signed by the central, so what follows can only fail if the
        // central wrote a token of another version.
        let claims = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| TokenError::Malformed(kind, "the claims are not base64url"))?;
        let envelope: Envelope<T> = serde_json::from_slice(&claims)
            .map_err(|_| TokenError::Malformed(kind, "the claims are not what this kiosk reads"))?;
        if now > envelope.exp {
            return Err(TokenError::Expired(kind));
        }
        Ok(envelope.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Member {
        m: String,
    }

    fn member() -> Member {
        Member { m: "M0001".into() }
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let signer = Signer::generate();
        let v = signer.verifier();
        let t = signer.sign(Kind::Member, &member(), 1_000);
        assert!(t.starts_with("SWM1."), "{t}");
        assert_eq!(Kind::of(&t), Some(Kind::Member));
        assert_eq!(v.verify::<Member>(Kind::Member, &t, 1_000), Ok(member()));
        assert_eq!(
            v.verify::<Member>(Kind::Member, &t, 1_001),
            Err(TokenError::Expired(Kind::Member))
        );
    }

    #[test]
    fn another_kind_another_key_or_one_changed_character_is_refused() {
        let signer = Signer::generate();
        let t = signer.sign(Kind::Member, &member(), 1_000);
        let v = signer.verifier();
        assert_eq!(v.verify::<Member>(Kind::Cart, &t, 0), Err(TokenError::WrongKind(Kind::Cart)));
        let other = Signer::generate().verifier();
        assert_eq!(
            other.verify::<Member>(Kind::Member, &t, 0),
            Err(TokenError::BadSignature(Kind::Member))
        );
        // Change one character of the claims: the signature no longer fits.
        let i = "SWM1.".len() + 3;
        let mut bytes = t.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(bytes).unwrap();
        assert_eq!(
            v.verify::<Member>(Kind::Member, &forged, 0),
            Err(TokenError::BadSignature(Kind::Member))
        );
        assert_eq!(
            v.verify::<Member>(Kind::Member, "SWM1.abc", 0),
            Err(TokenError::Malformed(Kind::Member, "it has no signature"))
        );
    }

    #[test]
    fn a_token_whose_case_changed_is_called_damaged() {
        let signer = Signer::generate();
        let t = signer.sign(Kind::Member, &member(), 1_000).to_ascii_lowercase();
        let e = signer.verifier().verify::<Member>(Kind::Member, &t, 0).unwrap_err();
        assert!(matches!(e, TokenError::Malformed(Kind::Member, _)), "{e}");
        // A cart code is still the wrong kind, whatever its case.
        let c = signer.sign(Kind::Cart, &member(), 1_000).to_ascii_lowercase();
        let e = signer.verifier().verify::<Member>(Kind::Member, &c, 0);
        assert_eq!(e, Err(TokenError::WrongKind(Kind::Member)));
    }

    #[test]
    fn a_stored_key_signs_as_before() {
        let signer = Signer::generate();
        let again = Signer::from_pkcs8(signer.pkcs8()).unwrap();
        assert_eq!(signer.verifier(), again.verifier());
        let v = Verifier::from_base64(&again.verifier().to_base64()).unwrap();
        let t = again.sign(Kind::Cart, &member(), 10);
        assert_eq!(v.verify::<Member>(Kind::Cart, &t, 5), Ok(member()));
        assert_eq!(Verifier::from_base64("short"), Err(TokenError::BadKey));
    }
}
