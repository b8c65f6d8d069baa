//! Pickup codes: the signed QR token a locker opens for, and the 6-digit
//! code a customer types with the last four digits of their phone.
//!
//! The QR carries a [`Kind::Pickup`] token signed by the central: the
//! order, its store, its compartment, and an expiry (the pickup deadline).
//! A kiosk holding the central's public key checks it with no network.
//!
//! The typed code is checked against a hash: the central sends the kiosk
//! an argon2id PHC string of `CODE:LAST4` for each order in its lockers,
//! never the phone number, so a kiosk checks a typed code offline and its
//! database tells no one the codes. Ten digits (code and phone) are few,
//! which is why the hash is slow and why wrong tries lock the entry (see
//! [`Lockout`](super::restricted::Lockout)).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use serde::{Deserialize, Serialize};

use crate::tokens::{Kind, TokenError, Verifier};

/// How many digits a typed pickup code has.
pub const CODE_DIGITS: usize = 6;

/// What a pickup token carries beside its expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupClaims {
    /// The order id.
    pub o: String,
    /// The store whose lockers hold it.
    pub s: String,
    /// The compartment, numbered from 1 across the store's locker bank.
    pub c: u32,
}

/// Why a pickup is refused at the kiosk.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PickupError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("this pickup code is for another store ({store}) / kode ini untuk toko lain ({store})")]
    OtherStore { store: String },
    #[error(
        "a pickup code has {CODE_DIGITS} digits and the phone part 4 / kode {CODE_DIGITS} \
         angka dan 4 angka terakhir nomor HP"
    )]
    BadForm,
    #[error(
        "the code or the phone digits are wrong / kode atau 4 angka nomor HP salah \
         ({left} tries left / sisa {left} kali)"
    )]
    WrongCode { left: u32 },
    #[error(
        "too many wrong codes; use the QR or ask staff / terlalu banyak kode salah; \
         pakai QR atau minta bantuan staf (wait {wait} / tunggu {wait})"
    )]
    Locked { wait: String },
    #[error("this order is not in this store's lockers / pesanan tidak ada di loker toko ini")]
    NotHere,
    #[error("this order's compartment was opened already / loker pesanan ini sudah pernah dibuka")]
    OpenedAlready,
    #[error(
        "this order's pickup time has passed; please ask staff / batas waktu pengambilan \
         sudah lewat; silakan hubungi staf"
    )]
    Expired,
    #[error(
        "this order is unpaid and is paid by QRIS first, which needs the connection to the \
         central / pesanan belum dibayar; bayar dengan QRIS memerlukan koneksi"
    )]
    UnpaidOffline,
}

/// Checks a scanned pickup token at a kiosk of `store` at `now` (Unix
/// seconds): the central's signature, the expiry, and the store.
pub fn verify_token(
    verifier: &Verifier,
    token: &str,
    store: &str,
    now: i64,
) -> Result<PickupClaims, PickupError> {
    let claims: PickupClaims = verifier.verify(Kind::Pickup, token, now)?;
    if claims.s != store {
        return Err(PickupError::OtherStore { store: claims.s });
    }
    Ok(claims)
}

/// The 6-digit code of the number `n` (taken modulo a million), with its
/// leading zeros.
pub fn code_of(n: u32) -> String {
    format!("{:06}", n % 1_000_000)
}

/// The last four digits of a normalised phone number (`62...`).
pub fn last4(phone: &str) -> Option<&str> {
    let tail = phone.get(phone.len().checked_sub(4)?..)?;
    tail.bytes().all(|b| b.is_ascii_digit()).then_some(tail)
}

/// A typed code and phone part with spaces taken out, checked for form.
pub fn typed(code: &str, phone_last4: &str) -> Result<(String, String), PickupError> {
    let clean = |t: &str| t.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>();
    let (code, tail) = (clean(code), clean(phone_last4));
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(&code, CODE_DIGITS) || !digits(&tail, 4) {
        return Err(PickupError::BadForm);
    }
    Ok((code, tail))
}

/// The argon2 settings of code hashes: lighter than a staff PIN's (a kiosk
/// may try every order of its store for one typed code), heavy enough that
/// trying all 10^10 code and phone digits takes years.
fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(4 * 1024, 2, 1, None).expect("valid argon2 settings");
    Argon2::new(Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// The argon2id PHC string of a code and phone part, salted with `salt`
/// (16 random bytes the central draws).
pub fn code_hash(code: &str, phone_last4: &str, salt: [u8; 16]) -> String {
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    let text = format!("{code}:{phone_last4}");
    hasher().hash_password(text.as_bytes(), &salt).expect("argon2 hashes ten digits").to_string()
}

/// Returns true if and only if `code` and `phone_last4` are what `phc`
/// (from [`code_hash`]) hashes.
pub fn code_matches(phc: &str, code: &str, phone_last4: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    let text = format!("{code}:{phone_last4}");
    hasher().verify_password(text.as_bytes(), &hash).is_ok()
}

/// What a kiosk knows of one order in its lockers, from the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub expires_s: i64,
    pub paid: bool,
    /// True if and only if this kiosk opened its compartment already.
    pub opened: bool,
}

/// Whether a kiosk with no central may open the compartment of `held` at
/// `now` (Unix seconds): once, before its deadline, and only when paid
/// (paying needs the central).
pub fn may_open_offline(held: &Held, now: i64) -> Result<(), PickupError> {
    if held.opened {
        return Err(PickupError::OpenedAlready);
    }
    if now > held.expires_s {
        return Err(PickupError::Expired);
    }
    if !held.paid {
        return Err(PickupError::UnpaidOffline);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Signer;

    fn claims() -> PickupClaims {
        PickupClaims { o: "ORD-1".into(), s: "KMG".into(), c: 3 }
    }

    #[test]
    fn a_token_opens_only_in_its_store_and_before_its_expiry() {
        let signer = Signer::generate();
        let v = signer.verifier();
        let t = signer.sign(Kind::Pickup, &claims(), 1_000);
        assert!(t.starts_with("SWP1."), "{t}");
        assert_eq!(verify_token(&v, &t, "KMG", 1_000), Ok(claims()));
        assert_eq!(
            verify_token(&v, &t, "BSD", 1_000),
            Err(PickupError::OtherStore { store: "KMG".into() })
        );
        assert_eq!(
            verify_token(&v, &t, "KMG", 1_001),
            Err(PickupError::Token(TokenError::Expired(Kind::Pickup)))
        );
        let other = Signer::generate().verifier();
        assert_eq!(
            verify_token(&other, &t, "KMG", 0),
            Err(PickupError::Token(TokenError::BadSignature(Kind::Pickup)))
        );
        let cart = signer.sign(Kind::Cart, &claims(), 1_000);
        assert_eq!(
            verify_token(&v, &cart, "KMG", 0),
            Err(PickupError::Token(TokenError::WrongKind(Kind::Pickup)))
        );
    }

    #[test]
    fn codes_keep_their_leading_zeros() {
        assert_eq!(code_of(42), "000042");
        assert_eq!(code_of(1_234_567), "234567");
        assert_eq!(last4("6281200000009"), Some("0009"));
        assert_eq!(last4("62"), None);
    }

    #[test]
    fn a_typed_code_is_six_digits_and_the_phone_part_four() {
        assert_eq!(typed(" 123 456 ", "00-09"), Ok(("123456".into(), "0009".into())));
        assert_eq!(typed("12345", "0009"), Err(PickupError::BadForm));
        assert_eq!(typed("123456", "009"), Err(PickupError::BadForm));
        assert_eq!(typed("12345a", "0009"), Err(PickupError::BadForm));
    }

    #[test]
    fn a_code_hash_matches_its_code_and_phone_part_only() {
        let phc = code_hash("042017", "0009", [7; 16]);
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("042017"), "the hash must not hold the code");
        assert!(code_matches(&phc, "042017", "0009"));
        assert!(!code_matches(&phc, "042017", "0008"));
        assert!(!code_matches(&phc, "042018", "0009"));
        assert!(!code_matches("not a hash", "042017", "0009"));
    }

    #[test]
    fn offline_a_compartment_opens_once_paid_and_in_time() {
        let held = Held { expires_s: 100, paid: true, opened: false };
        assert_eq!(may_open_offline(&held, 100), Ok(()));
        assert_eq!(may_open_offline(&held, 101), Err(PickupError::Expired));
        let opened = Held { opened: true, ..held.clone() };
        assert_eq!(may_open_offline(&opened, 50), Err(PickupError::OpenedAlready));
        let unpaid = Held { paid: false, ..held };
        assert_eq!(may_open_offline(&unpaid, 50), Err(PickupError::UnpaidOffline));
    }
}
