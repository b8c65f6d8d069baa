//! Staff PINs: argon2id hashes in PHC strings, the staff file the central
//! reads, and finding which member of staff a PIN belongs to.
//!
//! A PIN is never stored or logged: the central's file holds only hashes,
//! devices receive only hashes, and `swalayan staff hash-pin` makes one
//! from a PIN read on standard input.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};

use crate::central::api::StaffMember;

pub use crate::domain::restricted::PIN_DIGITS;

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("a staff PIN is {} to {} digits", PIN_DIGITS.start(), PIN_DIGITS.end())]
    BadPin,
    #[error("{source_name}: line {line}: {reason}")]
    Row { source_name: String, line: u64, reason: String },
    #[error("{source_name}: the header must be staff_id,name,pin_hash (found: {found})")]
    Header { source_name: String, found: String },
}

/// Checks the PIN's form: digits only, 4 to 8 of them.
pub fn check_pin(pin: &str) -> Result<(), StaffError> {
    if PIN_DIGITS.contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(StaffError::BadPin)
    }
}

/// The argon2id hash of `pin` with a fresh random salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$...`), with argon2's default costs.
pub fn hash_pin(pin: &str) -> Result<String, StaffError> {
    check_pin(pin)?;
    let salt: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    let hash = Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("argon2 hashes a short PIN with its default costs");
    Ok(hash.to_string())
}

/// Returns true if and only if `pin` is the PIN hashed in `phc`, an
/// argon2id PHC string. A string that is not one never matches.
pub fn verify_pin(pin: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    Argon2::default().verify_password(pin.as_bytes(), &hash).is_ok()
}

/// The member of staff whose PIN `pin` is, if any. PINs are told apart
/// by trying each hash (their salts differ), so every member of staff
/// needs a PIN of their own.
pub fn find_by_pin<'a>(staff: &'a [StaffMember], pin: &str) -> Option<&'a StaffMember> {
    if check_pin(pin).is_err() {
        return None;
    }
    staff.iter().find(|m| verify_pin(pin, &m.pin_hash))
}

/// The least memory cost of a staff hash, in KiB: OWASP's lowest argon2id
/// setting (m=7168 KiB with t=5).
const MIN_MEMORY_KIB: u32 = 7168;
/// The least memory times passes: each of OWASP's argon2id settings, from
/// m=47104 t=1 to m=7168 t=5, costs at least this.
const MIN_COST_KIB: u32 = 35_840;

/// The costs of an argon2id PHC string, as `m=…,t=…`, when they are below
/// what a staff PIN needs; `None` when they are enough.
fn weak_costs(phc: &str) -> Option<String> {
    let hash = PasswordHash::new(phc).ok()?;
    let Ok(params) = argon2::Params::try_from(&hash) else {
        return Some("costs that cannot be read".into());
    };
    let (m, t) = (params.m_cost(), params.t_cost());
    let enough = m >= MIN_MEMORY_KIB && m.saturating_mul(t) >= MIN_COST_KIB;
    (!enough).then(|| format!("m={m},t={t}"))
}

/// The demo staff shipped with the binary (PINs in the README).
pub const DEMO_STAFF: &str = include_str!("../assets/staff.csv");

/// Reads a staff file: header `staff_id,name,pin_hash`, one member a row,
/// the hash an argon2id PHC string. All of it or none.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<StaffMember>, StaffError> {
    // A PHC string holds commas (`m=19456,t=2,p=1`): quoted or not, the
    // rest of the row after the name is the hash.
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let row_err = |line: u64, reason: String| StaffError::Row {
        source_name: source_name.to_owned(),
        line,
        reason,
    };
    let headers = reader.headers().map_err(|e| row_err(1, e.to_string()))?.clone();
    if headers.iter().collect::<Vec<_>>() != ["staff_id", "name", "pin_hash"] {
        return Err(StaffError::Header {
            source_name: source_name.to_owned(),
            found: headers.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut staff: Vec<StaffMember> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() < 3 {
            return Err(row_err(line, "a row is staff_id,name,pin_hash".into()));
        }
        let (id, name) = (&record[0], &record[1]);
        let pin_hash = &record.iter().skip(2).collect::<Vec<_>>().join(",");
        let id_ok = !id.is_empty()
            && id.len() <= 32
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(row_err(
                line,
                format!("staff id {id:?} is not 1 to 32 letters, digits, - and _"),
            ));
        }
        if name.is_empty() {
            return Err(row_err(line, "missing name".into()));
        }
        // The hash is never repeated in the message: it is the PIN's.
        let argon2id =
            PasswordHash::new(pin_hash).is_ok_and(|h| h.algorithm == Algorithm::Argon2id.ident());
        if !argon2id {
            return Err(row_err(
                line,
                format!(
                    "pin_hash of {id} is not an argon2id PHC string \
                     (make one with `swalayan staff hash-pin`)"
                ),
            ));
        }
        if let Some(weak) = weak_costs(pin_hash) {
            return Err(row_err(
                line,
                format!(
                    "pin_hash of {id} is argon2id at {weak}, too cheap to guess against: a PIN \
                     has few digits, so at least m×t = {MIN_COST_KIB} KiB with m at least \
                     {MIN_MEMORY_KIB} KiB, as OWASP advises (`swalayan staff hash-pin` uses \
                     m=19456,t=2)"
                ),
            ));
        }
        if staff.iter().any(|m| m.id == id) {
            return Err(row_err(line, format!("staff id {id} given twice")));
        }
        staff.push(StaffMember { id: id.into(), name: name.into(), pin_hash: pin_hash.into() });
    }
    Ok(staff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_pin_only() {
        let phc = hash_pin("2468").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_pin("2468", &phc));
        assert!(!verify_pin("2469", &phc));
        assert!(!verify_pin("", &phc));
        // Two hashes of one PIN differ by their salt.
        assert_ne!(hash_pin("2468").unwrap(), phc);
        assert!(!verify_pin("2468", "not a hash"));
    }

    #[test]
    fn a_pin_is_four_to_eight_digits() {
        assert!(check_pin("1234").is_ok());
        assert!(check_pin("12345678").is_ok());
        assert!(check_pin("123").is_err());
        assert!(check_pin("123456789").is_err());
        assert!(check_pin("12a4").is_err());
    }

    #[test]
    fn the_demo_staff_have_the_readme_pins() {
        let staff = parse(DEMO_STAFF, "demo staff").unwrap();
        let ids: Vec<_> = staff.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["S001", "S002"]);
        assert_eq!(find_by_pin(&staff, "2468").map(|m| m.id.as_str()), Some("S001"));
        assert_eq!(find_by_pin(&staff, "1357").map(|m| m.id.as_str()), Some("S002"));
        assert_eq!(find_by_pin(&staff, "0000"), None);
    }

    #[test]
    fn bad_staff_rows_name_their_line() {
        let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$\
                   ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNoZmFrZWhhc2g";
        let text = format!("staff_id,name,pin_hash\nS1,Rina,{phc}\nS2,Agus,2468\n");
        let err = parse(&text, "staff.csv").unwrap_err().to_string();
        assert_eq!(
            err,
            "staff.csv: line 3: pin_hash of S2 is not an argon2id PHC string \
             (make one with `swalayan staff hash-pin`)"
        );
        assert!(!err.contains("2468"));
        let twice = format!("staff_id,name,pin_hash\nS1,Rina,{phc}\nS1,Agus,{phc}\n");
        assert_eq!(
            parse(&twice, "staff.csv").unwrap_err().to_string(),
            "staff.csv: line 3: staff id S1 given twice"
        );
    }

    #[test]
    fn hashes_too_cheap_for_a_pin_are_refused() {
        // OWASP's settings are enough: 19456×2, 47104×1, 7168×5.
        let salt = "$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNoZmFrZWhhc2g";
        let phc = |m: u32, t: u32| format!("$argon2id$v=19$m={m},t={t},p=1{salt}");
        for (m, t) in [(19456, 2), (47104, 1), (7168, 5)] {
            assert_eq!(weak_costs(&phc(m, t)), None, "m={m},t={t}");
        }
        // 19456×1 = 19456 KiB is below 35840; 4096 KiB is below 7168 at any t.
        assert_eq!(weak_costs(&phc(19456, 1)).as_deref(), Some("m=19456,t=1"));
        assert_eq!(weak_costs(&phc(4096, 10)).as_deref(), Some("m=4096,t=10"));
        let text = format!("staff_id,name,pin_hash\nS1,Rina,{}\n", phc(4096, 10));
        assert_eq!(
            parse(&text, "staff.csv").unwrap_err().to_string(),
            "staff.csv: line 2: pin_hash of S1 is argon2id at m=4096,t=10, too cheap to guess \
             against: a PIN has few digits, so at least m×t = 35840 KiB with m at least 7168 \
             KiB, as OWASP advises (`swalayan staff hash-pin` uses m=19456,t=2)"
        );
        // What hash-pin makes passes.
        assert_eq!(weak_costs(&hash_pin("2468").unwrap()), None);
    }
}
