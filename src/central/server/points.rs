//! Points and voucher codes held by payments, and the points ledger.
//!
//! A payment that redeems points or gives voucher codes holds them from the
//! database transaction that creates it. The hold is released when the
//! payment ends unpaid ([`release`], called by every such change of status)
//! and committed when its sale is recorded ([`settle_sale`]). The central's
//! one connection runs one transaction at a time, so the check of what is
//! available and the hold that follows cannot interleave with another
//! device's: two payments never hold the same points or the same code.

use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, params};

use crate::central::api::{Member, NewTransaction, PointEntry};
use crate::domain::Rupiah;
use crate::domain::loyalty::{self, Tier};

/// What a payment holds, or a sale says it used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claim {
    pub member: Option<String>,
    pub points: u64,
    /// Trimmed, upper case and sorted, so that a code is one code however it
    /// was typed or scanned (as the pricing engine compares them), and two
    /// lists of the same codes compare equal.
    pub vouchers: Vec<String>,
}

impl Claim {
    pub fn new(member: Option<String>, points: u64, vouchers: &[String]) -> Claim {
        let mut vouchers: Vec<String> =
            vouchers.iter().map(|v| crate::domain::pricing::normalise_code(v)).collect();
        vouchers.sort();
        Claim { member, points, vouchers }
    }

    /// True if and only if it holds nothing, so no reservation is kept.
    fn is_empty(&self) -> bool {
        self.member.is_none() && self.points == 0 && self.vouchers.is_empty()
    }
}

/// Why a hold or a sale's use of points was refused: status, stable code
/// and a sentence (never a phone number).
pub type Refusal = (StatusCode, &'static str, String);

fn refusal(status: StatusCode, code: &'static str, why: String) -> Refusal {
    (status, code, why)
}

/// A member row.
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    pub birthday: Option<String>,
}

fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    let tier: String = r.get(2)?;
    Ok(MemberRow {
        id: r.get(0)?,
        name: r.get(1)?,
        // The table's CHECK allows only the three names.
        tier: Tier::parse(&tier).unwrap_or(Tier::Silver),
        birthday: r.get(3)?,
    })
}

pub fn member(conn: &Connection, id: &str) -> rusqlite::Result<Option<MemberRow>> {
    conn.query_row("SELECT id, name, tier, birthday FROM member WHERE id = ?1", [id], member_row)
        .optional()
}

/// What the pricing engine knows of a member: tier and birthday.
pub fn member_facts(m: &MemberRow) -> crate::domain::pricing::MemberFacts {
    crate::domain::pricing::MemberFacts::new(&m.id, m.tier.as_str(), m.birthday.as_deref())
}

/// The member with this normalised phone number.
pub fn member_by_phone(conn: &Connection, phone: &str) -> rusqlite::Result<Option<MemberRow>> {
    conn.query_row(
        "SELECT id, name, tier, birthday FROM member WHERE phone = ?1",
        [phone],
        member_row,
    )
    .optional()
}

/// The sum of a member's ledger.
pub fn balance(conn: &Connection, id: &str) -> rusqlite::Result<u64> {
    let sum: i64 = conn.query_row(
        "SELECT coalesce(sum(delta), 0) FROM point_entry WHERE member_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(sum.max(0) as u64)
}

/// The points a member's open payments hold, leaving `except` out.
fn held(conn: &Connection, id: &str, except: Option<&str>) -> rusqlite::Result<u64> {
    let sum: i64 = conn.query_row(
        "SELECT coalesce(sum(points), 0) FROM reservation
         WHERE member_id = ?1 AND state = 'held' AND payment_id IS NOT ?2",
        params![id, except],
        |r| r.get(0),
    )?;
    Ok(sum.max(0) as u64)
}

pub fn reserved(conn: &Connection, id: &str) -> rusqlite::Result<u64> {
    held(conn, id, None)
}

/// The points a member may spend now.
pub fn available(conn: &Connection, id: &str) -> rusqlite::Result<u64> {
    Ok(balance(conn, id)?.saturating_sub(reserved(conn, id)?))
}

/// The member as a kiosk shows them, with their available points.
pub fn member_view(conn: &Connection, m: &MemberRow) -> rusqlite::Result<Member> {
    Ok(Member {
        id: m.id.clone(),
        name: m.name.clone(),
        tier: m.tier.as_str().to_owned(),
        points: available(conn, &m.id)?,
        birthday: m.birthday.clone(),
    })
}

pub fn ledger(conn: &Connection, id: &str) -> rusqlite::Result<Vec<PointEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, delta, kind, sale_id FROM point_entry WHERE member_id = ?1 ORDER BY seq",
    )?;
    stmt.query_map([id], |r| {
        Ok(PointEntry { at: r.get(0)?, delta: r.get(1)?, kind: r.get(2)?, sale_id: r.get(3)? })
    })?
    .collect()
}

/// Writes one ledger line.
pub fn add_entry(
    conn: &Connection,
    member: &str,
    delta: i64,
    kind: &str,
    sale_id: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO point_entry (member_id, delta, kind, sale_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![member, delta, kind, sale_id, crate::store::now()],
    )?;
    Ok(())
}

/// What payment `payment_id` holds, and whether it still holds it
/// (`held`), used it (`committed`) or gave it back (`released`).
pub fn reservation(
    conn: &Connection,
    payment_id: &str,
) -> rusqlite::Result<Option<(Claim, String)>> {
    let row: Option<(Option<String>, i64, String)> = conn
        .query_row(
            "SELECT member_id, points, state FROM reservation WHERE payment_id = ?1",
            [payment_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((member, points, state)) = row else { return Ok(None) };
    let mut stmt =
        conn.prepare_cached("SELECT code FROM voucher_hold WHERE payment_id = ?1 ORDER BY code")?;
    let vouchers = stmt.query_map([payment_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(Some((Claim { member, points: points as u64, vouchers }, state)))
}

/// The claim a payment was made with; an empty one when it holds nothing.
pub fn claim_of(conn: &Connection, payment_id: &str) -> rusqlite::Result<Claim> {
    Ok(reservation(conn, payment_id)?.map(|(c, _)| c).unwrap_or_default())
}

/// Gives back what a payment holds. Called whenever a payment ends unpaid
/// (expired, cancelled, failed, refunded, or a late payment's refund
/// starts); what a recorded sale committed stays used.
pub fn release(conn: &Connection, payment_id: &str) -> rusqlite::Result<()> {
    let n = conn.execute(
        "UPDATE reservation SET state = 'released', updated_at = ?2
         WHERE payment_id = ?1 AND state = 'held'",
        params![payment_id, crate::store::now()],
    )?;
    conn.execute(
        "UPDATE voucher_hold SET state = 'released' WHERE payment_id = ?1 AND state = 'held'",
        [payment_id],
    )?;
    if n > 0 {
        tracing::debug!(payment = payment_id, "points and vouchers released");
    }
    Ok(())
}

/// Releases the holds of payments that never got a code and whose time is
/// up: a creation whose gateway call failed and was not retried would hold
/// the points for ever otherwise. A retry under the same key holds them
/// again, if they are still free ([`hold`]). Run before every hold and on
/// every tick of the poller.
pub(super) fn release_stale(conn: &Connection, now_ms: i64) -> rusqlite::Result<()> {
    let stale = "SELECT id FROM payment WHERE qris IS NULL AND expires_ms <= ?1";
    for table in ["reservation", "voucher_hold"] {
        conn.execute(
            &format!(
                "UPDATE {table} SET state = 'released'
                 WHERE state = 'held' AND payment_id IN ({stale})"
            ),
            [now_ms],
        )?;
    }
    Ok(())
}

/// Checks that `claim` can be held by `payment_id` now: the member exists
/// and has the points free (besides what this payment holds), and no other
/// payment holds or used its codes.
fn check_free(
    conn: &Connection,
    payment_id: &str,
    claim: &Claim,
) -> anyhow::Result<Option<Refusal>> {
    if let Some(id) = &claim.member {
        if member(conn, id)?.is_none() {
            return Ok(Some(refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_member",
                format!("no member {id}"),
            )));
        }
        let free = balance(conn, id)?.saturating_sub(held(conn, id, Some(payment_id))?);
        if claim.points > free {
            return Ok(Some(refusal(
                StatusCode::CONFLICT,
                "points_unavailable",
                format!(
                    "member {id} has {free} points available (the rest is held by open \
                     payments); {} asked",
                    claim.points
                ),
            )));
        }
    } else if claim.points > 0 {
        return Err(anyhow::anyhow!("points without a member pass the request checks"));
    }
    for code in &claim.vouchers {
        let taken: Option<(String, String)> = conn
            .query_row(
                "SELECT payment_id, state FROM voucher_hold
                 WHERE code = ?1 AND state IN ('held', 'committed') AND payment_id <> ?2",
                params![code, payment_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((_, state)) = taken {
            let how = if state == "committed" { "already used" } else { "held by another payment" };
            return Ok(Some(refusal(
                StatusCode::CONFLICT,
                "voucher_unavailable",
                format!("voucher {code} is {how}"),
            )));
        }
    }
    Ok(None)
}

/// Holds `claim` for payment `payment_id`, in the caller's transaction:
/// the first hold of a new payment, or again for a retried creation whose
/// earlier hold was released. `None` when held; the refusal otherwise
/// (the caller then rolls back).
pub fn hold(
    conn: &Connection,
    payment_id: &str,
    claim: &Claim,
    now_ms: i64,
) -> anyhow::Result<Option<Refusal>> {
    if claim.is_empty() {
        return Ok(None);
    }
    release_stale(conn, now_ms)?;
    if let Some((_, state)) = reservation(conn, payment_id)?
        && state != "released"
    {
        return Ok(None);
    }
    if let Some(why) = check_free(conn, payment_id, claim)? {
        return Ok(Some(why));
    }
    put(conn, payment_id, claim, "held")?;
    Ok(None)
}

/// Writes a payment's reservation and its codes in `state`.
fn put(conn: &Connection, payment_id: &str, claim: &Claim, state: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO reservation (payment_id, member_id, points, state, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (payment_id) DO UPDATE SET state = excluded.state,
                                                updated_at = excluded.updated_at",
        params![payment_id, claim.member, claim.points as i64, state, crate::store::now()],
    )?;
    for code in &claim.vouchers {
        conn.execute(
            "INSERT INTO voucher_hold (payment_id, code, state) VALUES (?1, ?2, ?3)
             ON CONFLICT (payment_id, code) DO UPDATE SET state = excluded.state",
            params![payment_id, code, state],
        )?;
    }
    Ok(())
}

/// What a recorded sale did to the member's points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub points_earned: u64,
}

/// Commits what the sale's payment held and credits the points the sale
/// earns, in the transaction that records the sale `sale_id` paid by a
/// QRIS payment of `paid`. The sale must use exactly what the payment held;
/// a payment that ended unpaid and was then paid late has given its hold
/// back, so the points are held again here if they are still free, and the
/// sale is refused if not (the late payment is then refunded).
pub fn settle_sale(
    conn: &Connection,
    req: &NewTransaction,
    paid: Rupiah,
    sale_id: &str,
) -> anyhow::Result<Result<Settled, Refusal>> {
    let asked = Claim::new(req.member.clone(), req.points_redeemed, &req.vouchers);
    let found = reservation(conn, &req.payment_id)?;
    let held = found.as_ref().map(|(c, _)| c.clone()).unwrap_or_default();
    let mismatch =
        |why: String| Ok(Err(refusal(StatusCode::UNPROCESSABLE_ENTITY, "loyalty_mismatch", why)));
    // A payment made without a member may still earn for one named at the
    // sale; points and codes must have been held by the payment.
    let earn_only = held.is_empty() && asked.points == 0 && asked.vouchers.is_empty();
    if !earn_only && held != asked {
        return mismatch(format!(
            "payment {} held {} points and vouchers {:?} for {}, the sale says {} points and \
             {:?} for {}",
            req.payment_id,
            held.points,
            held.vouchers,
            held.member.as_deref().unwrap_or("no member"),
            asked.points,
            asked.vouchers,
            asked.member.as_deref().unwrap_or("no member"),
        ));
    }
    let member = match &asked.member {
        Some(id) => match member(conn, id)? {
            Some(m) => Some(m),
            None => {
                return Ok(Err(refusal(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_member",
                    format!("no member {id}"),
                )));
            }
        },
        None => None,
    };
    if let Some((_, state)) = &found {
        if state == "released"
            && let Some(why) = check_free(conn, &req.payment_id, &asked)?
        {
            return Ok(Err(why));
        }
        if !earn_only {
            put(conn, &req.payment_id, &asked, "committed")?;
        }
    }
    let Some(m) = member else { return Ok(Ok(Settled::default())) };
    if asked.points > 0 {
        add_entry(conn, &m.id, -(asked.points as i64), "redeem", Some(sale_id))?;
    }
    let earned = loyalty::points_earned(m.tier, paid);
    if earned > 0 {
        add_entry(conn, &m.id, earned as i64, "earn", Some(sale_id))?;
    }
    if req.points_earned != earned {
        tracing::warn!(
            sale = sale_id,
            device = req.points_earned,
            central = earned,
            "device and central differ on the points earned; the central's figure is credited"
        );
    }
    Ok(Ok(Settled { points_earned: earned }))
}
