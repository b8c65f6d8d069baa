//! The central's payment storage: payments, their history and refunds.
//!
//! Every change of status goes through [`transition`], which writes the
//! history row in the same transaction, so the history cannot miss a change.

use rusqlite::{Connection, OptionalExtension, params};

use crate::central::api::{Payment, PaymentEvent, PaymentStatus, Refund, RefundStatus};
use crate::domain::Rupiah;

/// A payment with what the central keeps about it besides the wire form.
#[derive(Clone, Debug)]
pub struct PaymentRow {
    pub payment: Payment,
    pub expires_ms: i64,
    /// False until the gateway issued the code; such a payment is not shown
    /// to anyone and is finished by a retry with the same key.
    pub issued: bool,
    /// True while the gateway may still take money for the code.
    pub gateway_open: bool,
    /// For a late payment whose automatic refund has not started: when it
    /// starts, in Unix milliseconds.
    pub refund_due_ms: Option<i64>,
    /// The partner reference of the latest attempt at having the gateway
    /// issue the code: what the gateway knows the code by.
    pub reference: String,
}

/// The idempotency key of the automatic refund of a late payment.
pub const LATE_REFUND_KEY: &str = "late-payment";
/// How the keys of the central's other refunds begin: an unloaded order's,
/// a cancelled order's, a return's.
pub const OWN_REFUND_KEYS: [&str; 3] = ["expired-", "cancelled-", "return-"];

const COLUMNS: &str = "id, idempotency_key, amount, reference, qris, status, created_at, \
     expires_at, expires_ms, gateway, gateway_ref, gateway_open, refund_due_ms, \
     coalesce(attempt_ref, id) FROM payment";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PaymentRow> {
    let status: String = r.get(5)?;
    let qris: Option<String> = r.get(4)?;
    Ok(PaymentRow {
        issued: qris.is_some(),
        payment: Payment {
            id: r.get(0)?,
            amount: Rupiah(r.get(2)?),
            reference: r.get(3)?,
            qris: qris.unwrap_or_default(),
            status: PaymentStatus::parse(&status).unwrap_or(PaymentStatus::Failed),
            created_at: r.get(6)?,
            expires_at: r.get(7)?,
            expires_in: 0,
            gateway: r.get(9)?,
            gateway_ref: r.get(10)?,
            refunded: Rupiah(0),
            refunds: Vec::new(),
            history: Vec::new(),
        },
        expires_ms: r.get(8)?,
        gateway_open: r.get(11)?,
        refund_due_ms: r.get(12)?,
        reference: r.get(13)?,
    })
}

/// Fills in the history and refunds of a bare row.
fn complete(conn: &Connection, mut p: PaymentRow) -> rusqlite::Result<PaymentRow> {
    p.payment.history = history(conn, &p.payment.id)?;
    p.payment.refunds = refunds(conn, &p.payment.id)?;
    p.payment.refunded = Rupiah(
        p.payment
            .refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Done)
            .map(|r| r.amount.0)
            .sum(),
    );
    Ok(p)
}

pub fn by_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<PaymentRow>> {
    let found = conn
        .query_row(&format!("SELECT {COLUMNS} WHERE idempotency_key = ?1"), [key], row)
        .optional()?;
    found.map(|p| complete(conn, p)).transpose()
}

/// Reads a payment, first turning a pending one past its expiry into
/// `expired`, so every reader sees the same answer.
pub fn by_id(conn: &Connection, id: &str, now_ms: i64) -> rusqlite::Result<Option<PaymentRow>> {
    expire_if_due(conn, id, now_ms)?;
    let found = conn.query_row(&format!("SELECT {COLUMNS} WHERE id = ?1"), [id], row).optional()?;
    found.map(|p| complete(conn, p)).transpose()
}

/// What a new payment starts with.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub key: &'a str,
    pub amount: Rupiah,
    pub reference: Option<&'a str>,
    pub gateway: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
    pub expires_ms: i64,
    /// The cart it pays, if it came from another channel.
    pub cart: Option<&'a str>,
}

/// Stores a payment the gateway has not issued a code for yet, with no
/// attempt made ([`next_attempt`] starts the first).
pub fn insert(conn: &Connection, p: &NewRow<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO payment (id, idempotency_key, amount, reference, status, created_at,
                              expires_at, expires_ms, gateway, attempt, cart_id)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, 0, ?9)",
        params![
            p.id,
            p.key,
            p.amount.0,
            p.reference,
            p.created_at,
            p.expires_at,
            p.expires_ms,
            p.gateway,
            p.cart
        ],
    )?;
    Ok(())
}

/// The payment that is paying the cart `cart` now: pending and not past
/// its time, or paid.
pub fn paying_cart(conn: &Connection, cart: &str, now_ms: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM payment
         WHERE cart_id = ?1 AND ((status = 'pending' AND expires_ms > ?2) OR status = 'paid')
         ORDER BY created_at LIMIT 1",
        params![cart, now_ms],
        |r| r.get(0),
    )
    .optional()
}

/// Gives an unissued payment a new validity: nobody has seen its code, so
/// the time to pay starts when it is issued.
pub fn renew_unissued(
    conn: &Connection,
    id: &str,
    created_at: &str,
    expires_at: &str,
    expires_ms: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE payment SET created_at = ?2, expires_at = ?3, expires_ms = ?4
         WHERE id = ?1 AND qris IS NULL",
        params![id, created_at, expires_at, expires_ms],
    )?;
    Ok(())
}

/// The partner reference of a payment's `attempt`-th attempt: the payment
/// id for the first, `{id}-{attempt}` after.
pub fn attempt_reference(id: &str, attempt: u32) -> String {
    if attempt <= 1 { id.to_owned() } else { format!("{id}-{attempt}") }
}

/// Starts the next attempt of an unissued payment whose earlier attempts
/// are known to hold no code; returns its reference. The attempt is open
/// until the gateway answers.
pub fn next_attempt(conn: &Connection, id: &str) -> rusqlite::Result<String> {
    let attempt: u32 = conn.query_row(
        "SELECT attempt + 1 FROM payment WHERE id = ?1 AND qris IS NULL",
        [id],
        |r| r.get(0),
    )?;
    let reference = attempt_reference(id, attempt);
    conn.execute(
        "UPDATE payment SET attempt = ?2, attempt_ref = ?3, gateway_open = 1 WHERE id = ?1",
        params![id, attempt, reference],
    )?;
    Ok(reference)
}

/// The payment whose latest attempt has partner reference `reference`.
pub fn by_reference(conn: &Connection, reference: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT id FROM payment WHERE attempt_ref = ?1", [reference], |r| r.get(0))
        .optional()
}

/// Records that the gateway reports an unissued payment's open attempt
/// paid: the shopper's money moved for a code the central never showed.
/// The payment counts as issued, with no code to show, and is paid.
pub fn paid_unshown(
    conn: &Connection,
    id: &str,
    cause: &str,
    grace: std::time::Duration,
) -> rusqlite::Result<()> {
    conn.execute("UPDATE payment SET qris = '' WHERE id = ?1 AND qris IS NULL", [id])?;
    add_event(conn, id, PaymentStatus::Pending, "created")?;
    // A refund this makes due is the poller's.
    paid(conn, id, cause, grace).map(|_| ())
}

/// Moves a payment that was still payable to paid. An order it was made
/// for is paid from now on, whether or not its customer ever takes it out,
/// so that an order paid at a kiosk and never collected is refunded when
/// staff unload it. (A payment paid late, after it ended here, goes
/// through [`transition`] alone: it is refunded, and pays no order unless
/// a collect names it.)
///
/// An order that ended meanwhile (cancelled, expired, taken out, or paid
/// by another payment) is collected with nobody's money: the payment is
/// then refunded as a late one is, after `grace` unless a collect names it
/// first, and this returns true.
pub fn paid(
    conn: &Connection,
    id: &str,
    cause: &str,
    grace: std::time::Duration,
) -> rusqlite::Result<bool> {
    transition(conn, id, PaymentStatus::Paid, cause, false)?;
    if let Some(ended) = super::orders::paid_by(conn, id)? {
        let cause = format!(
            "{ended}, so nobody collects it with this payment; refunded in full unless a \
             collect names it within {} s",
            grace.as_secs()
        );
        add_event(conn, id, PaymentStatus::Paid, &cause)?;
        set_refund_due(conn, id, Some(super::lifecycle::now_ms() + grace.as_millis() as i64))?;
        return Ok(true);
    }
    Ok(false)
}

/// Records the code the gateway issued; from now on the payment is shown.
pub fn issue(
    conn: &Connection,
    id: &str,
    qris: &str,
    gateway_ref: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE payment SET qris = ?2, gateway_ref = ?3, gateway_open = 1 WHERE id = ?1",
        params![id, qris, gateway_ref],
    )?;
    add_event(conn, id, PaymentStatus::Pending, "created")
}

/// Writes one line of a payment's history.
pub fn add_event(
    conn: &Connection,
    id: &str,
    status: PaymentStatus,
    cause: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO payment_event (payment_id, at, status, cause) VALUES (?1, ?2, ?3, ?4)",
        params![id, crate::store::now(), status.as_str(), cause],
    )?;
    Ok(())
}

/// Moves a payment to `to`, with its cause in the history, and says whether
/// the gateway may still take money for the code.
pub fn transition(
    conn: &Connection,
    id: &str,
    to: PaymentStatus,
    cause: &str,
    gateway_open: bool,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE payment SET status = ?2, settled_at = ?3, gateway_open = ?4 WHERE id = ?1",
        params![id, to.as_str(), crate::store::now(), gateway_open],
    )?;
    // Ended unpaid: what the payment held goes back to the member.
    if matches!(
        to,
        PaymentStatus::Expired
            | PaymentStatus::Cancelled
            | PaymentStatus::Failed
            | PaymentStatus::Refunded
    ) {
        super::points::release(conn, id)?;
    }
    add_event(conn, id, to, cause)
}

/// Notes that the gateway will take no money for the code any more.
pub fn close_gateway(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("UPDATE payment SET gateway_open = 0 WHERE id = ?1", [id])?;
    Ok(())
}

/// Sets or clears (`None`) when the automatic refund of a late payment
/// starts.
pub fn set_refund_due(conn: &Connection, id: &str, due_ms: Option<i64>) -> rusqlite::Result<()> {
    conn.execute("UPDATE payment SET refund_due_ms = ?2 WHERE id = ?1", params![id, due_ms])?;
    Ok(())
}

/// Expires a pending payment whose time is up; true if it did. The code
/// stays open at the gateway until the poller has cancelled it there.
pub fn expire_if_due(conn: &Connection, id: &str, now_ms: i64) -> rusqlite::Result<bool> {
    let due: bool = conn
        .query_row(
            "SELECT 1 FROM payment
             WHERE id = ?1 AND status = 'pending' AND qris IS NOT NULL AND expires_ms <= ?2",
            params![id, now_ms],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if due {
        transition(conn, id, PaymentStatus::Expired, "expired", true)?;
    }
    Ok(due)
}

/// Expires every pending payment whose time is up; returns their ids.
pub fn expire_all_due(conn: &Connection, now_ms: i64) -> rusqlite::Result<Vec<String>> {
    let ids = ids_where(
        conn,
        "status = 'pending' AND qris IS NOT NULL AND expires_ms <= ?1",
        Some(now_ms),
    )?;
    for id in &ids {
        transition(conn, id, PaymentStatus::Expired, "expired", true)?;
    }
    Ok(ids)
}

fn ids_where(conn: &Connection, clause: &str, arg: Option<i64>) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT id FROM payment WHERE {clause} ORDER BY id"))?;
    match arg {
        Some(a) => stmt.query_map([a], |r| r.get(0))?.collect(),
        None => stmt.query_map([], |r| r.get(0))?.collect(),
    }
}

/// The payments the gateway may still take money for.
pub fn gateway_open(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    ids_where(conn, "gateway_open = 1 AND qris IS NOT NULL", None)
}

/// The payments without a code whose latest attempt may have left one at
/// the gateway (its answer was lost).
pub fn attempts_open(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    ids_where(conn, "gateway_open = 1 AND qris IS NULL", None)
}

/// Late payments whose automatic refund is due by `now_ms`.
pub fn refunds_due(conn: &Connection, now_ms: i64) -> rusqlite::Result<Vec<String>> {
    ids_where(conn, "refund_due_ms <= ?1", Some(now_ms))
}

/// When the poller has something to do by the clock: the earliest expiry
/// of a pending payment or start of a late payment's refund, in Unix
/// milliseconds.
pub fn next_deadline(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT min(t) FROM (
             SELECT min(expires_ms) AS t FROM payment WHERE status = 'pending' AND qris IS NOT NULL
             UNION ALL SELECT min(refund_due_ms) FROM payment)",
        [],
        |r| r.get(0),
    )
}

pub fn history(conn: &Connection, id: &str) -> rusqlite::Result<Vec<PaymentEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, status, cause FROM payment_event WHERE payment_id = ?1 ORDER BY seq",
    )?;
    stmt.query_map([id], |r| {
        let status: String = r.get(1)?;
        Ok(PaymentEvent {
            at: r.get(0)?,
            status: PaymentStatus::parse(&status).unwrap_or(PaymentStatus::Failed),
            cause: r.get(2)?,
        })
    })?
    .collect()
}

const REFUND_COLUMNS: &str = "id, amount, reason, status, created_at FROM refund";

fn refund_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Refund> {
    let status: String = r.get(3)?;
    Ok(Refund {
        id: r.get(0)?,
        amount: Rupiah(r.get(1)?),
        reason: r.get(2)?,
        status: RefundStatus::parse(&status).unwrap_or(RefundStatus::Failed),
        created_at: r.get(4)?,
    })
}

pub fn refunds(conn: &Connection, payment_id: &str) -> rusqlite::Result<Vec<Refund>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REFUND_COLUMNS} WHERE payment_id = ?1 ORDER BY created_at, id"
    ))?;
    stmt.query_map([payment_id], refund_row)?.collect()
}

pub fn refund_by_key(
    conn: &Connection,
    payment_id: &str,
    key: &str,
) -> rusqlite::Result<Option<Refund>> {
    conn.query_row(
        &format!("SELECT {REFUND_COLUMNS} WHERE payment_id = ?1 AND idempotency_key = ?2"),
        [payment_id, key],
        refund_row,
    )
    .optional()
}

/// The refunds asked of the gateway that it has not answered, as
/// (payment id, refund id).
pub fn pending_refunds(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare("SELECT payment_id, id FROM refund WHERE status = 'pending' ORDER BY id")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
}

/// The sum of the refunds that are done or may still be done: what a new
/// refund must fit beside.
pub fn refund_committed(conn: &Connection, payment_id: &str) -> rusqlite::Result<Rupiah> {
    conn.query_row(
        "SELECT coalesce(sum(amount), 0) FROM refund
         WHERE payment_id = ?1 AND status IN ('pending', 'done')",
        [payment_id],
        |r| Ok(Rupiah(r.get(0)?)),
    )
}

/// What payment `payment_id` may still refund: its amount less the
/// refunds made or being made (zero for a payment not found).
pub fn left_to_refund(conn: &Connection, payment_id: &str) -> rusqlite::Result<Rupiah> {
    let paid: Option<i64> = conn
        .query_row("SELECT amount FROM payment WHERE id = ?1", [payment_id], |r| r.get(0))
        .optional()?;
    let Some(paid) = paid else { return Ok(Rupiah::ZERO) };
    Ok(Rupiah((paid - refund_committed(conn, payment_id)?.0).max(0)))
}

pub fn insert_refund(
    conn: &Connection,
    payment_id: &str,
    key: &str,
    refund: &Refund,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO refund (id, payment_id, idempotency_key, amount, reason, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
        params![refund.id, payment_id, key, refund.amount.0, refund.reason, refund.created_at],
    )?;
    Ok(())
}

/// Ends a pending refund; false if it was not pending.
pub fn finish_refund(conn: &Connection, id: &str, status: RefundStatus) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE refund SET status = ?2, done_at = ?3 WHERE id = ?1 AND status = 'pending'",
        params![id, status.as_str(), crate::store::now()],
    )?;
    Ok(n == 1)
}

pub fn refund(conn: &Connection, id: &str) -> rusqlite::Result<Option<Refund>> {
    conn.query_row(&format!("SELECT {REFUND_COLUMNS} WHERE id = ?1"), [id], refund_row).optional()
}
