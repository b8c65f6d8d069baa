//! Loyalty members on the central: the members file, member codes, and
//! identifying a member by code or phone number.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, params};

use super::AppState;
use super::points;
use super::routes::{Failure, bad_request, json_body};
use crate::central::api::{IdentifyMember, Member, MemberAccount, MemberClaims, MemberCode};
use crate::domain::loyalty::{Tier, normalise_phone};
use crate::tokens::{Kind, TokenError};

type Shared = State<Arc<AppState>>;

/// The demo members shipped with the binary, used when no file is given.
pub const DEMO_MEMBERS: &str = include_str!("../../../assets/members.csv");

/// Why a members file was refused. Nothing of it was imported.
#[derive(Debug, thiserror::Error)]
pub enum MembersError {
    #[error("{source_name}: line {line}: {reason}")]
    Row { source_name: String, line: u64, reason: String },
    #[error(
        "{source_name}: the header must be member_id,name,phone,tier,points,birthday \
         (found: {found})"
    )]
    Header { source_name: String, found: String },
    #[error("{source_name}: {reason}")]
    Conflict { source_name: String, reason: String },
    #[error("members database write failed")]
    Db(#[from] rusqlite::Error),
}

/// One checked row of the members file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberFileRow {
    pub id: String,
    pub name: String,
    /// Normalised (`62...`).
    pub phone: String,
    pub tier: Tier,
    /// The opening balance.
    pub points: u64,
    pub birthday: Option<String>,
}

/// The largest opening balance a members file may give. The ledger sums a
/// member's points in SQLite's 64-bit integers, which refuse to overflow:
/// a balance near `i64::MAX` would make every later sum fail after one
/// earn. A billion points (Rp 1.000.000.000) leaves that far out of reach.
pub const MAX_OPENING_POINTS: u64 = 1_000_000_000;

const HEADER: [&str; 6] = ["member_id", "name", "phone", "tier", "points", "birthday"];

/// Reads and checks a whole members CSV; `source_name` names it in errors.
/// Error messages name the line, never the phone number on it.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<MemberFileRow>, MembersError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let row_err = |line: u64, reason: String| MembersError::Row {
        source_name: source_name.to_owned(),
        line,
        reason,
    };
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(row_err(1, e.to_string())),
        None => csv::StringRecord::new(),
    };
    if !header.iter().map(str::to_ascii_lowercase).eq(HEADER.iter().map(|h| h.to_string())) {
        return Err(MembersError::Header {
            source_name: source_name.to_owned(),
            found: header.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut rows = Vec::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    let mut phones: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = record.map_err(|e| {
            row_err(e.position().map_or(0, |p| p.line()), "not a CSV row".to_owned())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != HEADER.len() {
            return Err(row_err(line, format!("{} fields, the header has 6", record.len())));
        }
        let field = |i: usize| record.get(i).unwrap_or_default();
        let id = field(0);
        if id.is_empty()
            || id.len() > 40
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(row_err(
                line,
                format!("member_id {id:?} must be 1 to 40 letters, digits or dashes"),
            ));
        }
        let name = field(1);
        if name.is_empty() || name.chars().count() > 100 {
            return Err(row_err(line, "name must be 1 to 100 characters".into()));
        }
        let phone = normalise_phone(field(2)).map_err(|e| row_err(line, e.to_string()))?;
        let tier = Tier::parse(field(3)).ok_or_else(|| {
            row_err(line, format!("tier {:?} is not silver, gold or platinum", field(3)))
        })?;
        let points = field(4)
            .parse::<u64>()
            .ok()
            .filter(|_| field(4).bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                row_err(line, format!("points {:?} is not a whole number of 0 or more", field(4)))
            })?;
        if points > MAX_OPENING_POINTS {
            return Err(row_err(
                line,
                format!(
                    "points {points} is more than {MAX_OPENING_POINTS}, the most a balance opens with"
                ),
            ));
        }
        let birthday = match field(5) {
            "" => None,
            b => match chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d") {
                Ok(d) if b.len() == 10 => Some(d.format("%Y-%m-%d").to_string()),
                _ => {
                    return Err(row_err(
                        line,
                        format!("birthday {b:?} is not a date written YYYY-MM-DD"),
                    ));
                }
            },
        };
        if let Some(first) = ids.insert(id.to_owned(), line) {
            return Err(row_err(line, format!("member_id {id} is on line {first} already")));
        }
        if let Some(first) = phones.insert(phone.clone(), line) {
            return Err(row_err(line, format!("the phone number is on line {first} already")));
        }
        rows.push(MemberFileRow {
            id: id.to_owned(),
            name: name.to_owned(),
            phone,
            tier,
            points,
            birthday,
        });
    }
    Ok(rows)
}

/// What a members import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MembersReport {
    pub total: usize,
    pub added: usize,
}

/// Stores the members of a file, all or none. A new member starts with the
/// file's points as the opening balance; a member already known gets the
/// file's name, phone, tier and birthday, and keeps the balance the ledger
/// holds (the file's points are an opening balance, not a correction).
pub fn import(
    conn: &mut Connection,
    rows: &[MemberFileRow],
    source_name: &str,
) -> Result<MembersReport, MembersError> {
    let tx = conn.transaction()?;
    let mut report = MembersReport { total: rows.len(), added: 0 };
    for r in rows {
        let holder: Option<String> = tx
            .query_row(
                "SELECT id FROM member WHERE phone = ?1 AND id <> ?2",
                [&r.phone, &r.id],
                |x| x.get(0),
            )
            .optional()?;
        if let Some(other) = holder {
            return Err(MembersError::Conflict {
                source_name: source_name.to_owned(),
                reason: format!("member {}'s phone number belongs to member {other}", r.id),
            });
        }
        let known = points::member(&tx, &r.id)?.is_some();
        tx.execute(
            "INSERT INTO member (id, name, phone, tier, birthday, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone,
                 tier = excluded.tier, birthday = excluded.birthday",
            params![r.id, r.name, r.phone, r.tier.as_str(), r.birthday, crate::store::now()],
        )?;
        if !known {
            report.added += 1;
            if r.points > 0 {
                points::add_entry(&tx, &r.id, r.points as i64, "opening", None)?;
            }
        }
    }
    tx.commit()?;
    Ok(report)
}

fn unknown_member(id: &str) -> Failure {
    Failure(StatusCode::NOT_FOUND, "unknown_member", format!("no member {id}"))
}

/// `POST /v1/members/{id}/code`: a fresh member code for the app to show.
/// The reference central does not authenticate the app (see the README).
pub(super) async fn code(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<MemberCode>), Failure> {
    let key = id.clone();
    let found = s.db.run(move |c| Ok(points::member(c, &key)?)).await?;
    let m = found.ok_or_else(|| unknown_member(&id))?;
    let ttl = chrono::Duration::from_std(s.config.member_code_ttl).unwrap_or(chrono::Duration::MAX);
    let expires = chrono::Utc::now() + ttl;
    let claims = MemberClaims { m: m.id, t: m.tier.as_str().to_owned() };
    let code = s.signer.sign(Kind::Member, &claims, expires.timestamp());
    let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok((StatusCode::CREATED, Json(MemberCode { code, expires_at })))
}

/// `POST /v1/members/identify`, by a member code or a phone number.
pub(super) async fn identify(
    State(s): Shared,
    body: Result<Json<IdentifyMember>, JsonRejection>,
) -> Result<Json<Member>, Failure> {
    let req = json_body(body)?;
    let by = match (req.code, req.phone) {
        (Some(code), None) => {
            let now = chrono::Utc::now().timestamp();
            let claims: MemberClaims =
                s.signer.verifier().verify(Kind::Member, &code, now).map_err(|e| match e {
                    TokenError::Expired(_) => {
                        Failure(StatusCode::GONE, "code_expired", e.to_string())
                    }
                    TokenError::BadSignature(_) => {
                        Failure(StatusCode::UNAUTHORIZED, "code_forged", e.to_string())
                    }
                    _ => Failure(StatusCode::BAD_REQUEST, "bad_code", e.to_string()),
                })?;
            Ok(claims.m)
        }
        (None, Some(phone)) => Err(normalise_phone(&phone)
            .map_err(|e| Failure(StatusCode::BAD_REQUEST, "bad_phone", e.to_string()))?),
        _ => return Err(bad_request("give exactly one of code and phone")),
    };
    let found =
        s.db.run(move |c| {
            let m = match &by {
                Ok(id) => points::member(c, id)?,
                Err(phone) => points::member_by_phone(c, phone)?,
            };
            Ok(match m {
                Some(m) => Ok(points::member_view(c, &m)?),
                None => Err(by.is_err()),
            })
        })
        .await?;
    match found {
        Ok(m) => {
            tracing::debug!(member = m.id, "member identified");
            Ok(Json(m))
        }
        Err(true) => Err(Failure(
            StatusCode::NOT_FOUND,
            "unknown_phone",
            "no member has that phone number".into(),
        )),
        Err(false) => Err(Failure(
            StatusCode::NOT_FOUND,
            "unknown_member",
            "the code's member is not known here".into(),
        )),
    }
}

/// `GET /v1/members/{id}`: balance, what is held, and the ledger.
pub(super) async fn account(
    State(s): Shared,
    Path(id): Path<String>,
) -> Result<Json<MemberAccount>, Failure> {
    let key = id.clone();
    let found =
        s.db.run(move |c| {
            let Some(m) = points::member(c, &key)? else { return Ok(None) };
            Ok(Some(MemberAccount {
                member: points::member_view(c, &m)?,
                balance: points::balance(c, &key)?,
                reserved: points::reserved(c, &key)?,
                ledger: points::ledger(c, &key)?,
            }))
        })
        .await?;
    found.map(Json).ok_or_else(|| unknown_member(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "member_id,name,phone,tier,points,birthday\n";

    #[test]
    fn the_demo_file_holds_every_tier() {
        let rows = parse(DEMO_MEMBERS, "demo").unwrap();
        for tier in Tier::ALL {
            assert!(rows.iter().any(|r| r.tier == tier), "{tier}");
        }
    }

    #[test]
    fn a_row_is_read_with_its_phone_normalised() {
        let rows =
            parse(&format!("{HEAD}M9,Ani,+62 812-0000-0009,gold,1500,1990-02-28\n"), "f").unwrap();
        assert_eq!(
            rows,
            vec![MemberFileRow {
                id: "M9".into(),
                name: "Ani".into(),
                phone: "6281200000009".into(),
                tier: Tier::Gold,
                points: 1500,
                birthday: Some("1990-02-28".into()),
            }]
        );
    }

    #[test]
    fn a_bad_row_is_refused_with_its_line_and_reason() {
        let cases = [
            ("M1,Ani,0812-0000-0001,bronze,0,", "line 2: tier \"bronze\""),
            ("M1,Ani,0812-0000-0001,gold,-5,", "line 2: points \"-5\""),
            ("M1,Ani,0812-0000-0001,gold,5,1990-02-30", "line 2: birthday \"1990-02-30\""),
            ("M1,Ani,12345,gold,5,", "line 2: only Indonesian numbers"),
            ("M1,,0812-0000-0001,gold,5,", "line 2: name must be"),
            ("M1,Ani,0812-0000-0001,gold", "line 2: 4 fields"),
        ];
        for (row, want) in cases {
            let err = parse(&format!("{HEAD}{row}\n"), "m.csv").unwrap_err().to_string();
            assert!(err.starts_with("m.csv: ") && err.contains(want), "{row}: {err}");
        }
        let twice =
            format!("{HEAD}M1,Ani,0812-0000-0001,gold,5,\nM2,Budi,+6281200000001,gold,5,\n");
        let err = parse(&twice, "m.csv").unwrap_err().to_string();
        assert!(err.contains("line 3: the phone number is on line 2 already"), "{err}");
        assert!(!err.contains("0001"), "{err}");
        let err = parse("id,name\n", "m.csv").unwrap_err().to_string();
        assert!(err.contains("the header must be"), "{err}");
    }
}
