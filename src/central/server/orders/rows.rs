//! How orders, their history and their stock reservations are stored.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::central::api::{
    OrderEvent, OrderPayment, OrderView, PickupCode, SaleLine, UnloadOutcome, Unloaded,
};
use crate::domain::Rupiah;
use crate::domain::locker::Size;
use crate::domain::order::{OrderState, Step};
use crate::domain::pricing::Discount;

/// An order as stored.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub id: String,
    pub idempotency_key: String,
    pub request: String,
    pub store: String,
    pub member: Option<String>,
    pub phone: String,
    pub state: OrderState,
    pub lines: Vec<SaleLine>,
    pub discounts: Vec<Discount>,
    pub total: Rupiah,
    pub paid_reference: Option<String>,
    pub payment_id: Option<String>,
    pub paid: bool,
    pub deadline: String,
    pub deadline_s: i64,
    pub compartment: Option<u32>,
    pub code: Option<String>,
    pub code_hash: Option<String>,
    pub token: Option<String>,
    pub collect_key: Option<String>,
    pub unloaded_at: Option<String>,
    pub unload_outcome: Option<String>,
    pub created_at: String,
    pub size: Size,
}

const COLUMNS: &str = "id, idempotency_key, request, store_id, member_id, phone, state, lines, \
     discounts, total, paid_reference, payment_id, paid, deadline, deadline_s, compartment, code, \
     code_hash, token, collect_key, unloaded_at, created_at, unload_outcome, size";

fn json<T: serde::de::DeserializeOwned>(i: usize, text: String) -> rusqlite::Result<T> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let state: String = r.get(6)?;
    Ok(Row {
        id: r.get(0)?,
        idempotency_key: r.get(1)?,
        request: r.get(2)?,
        store: r.get(3)?,
        member: r.get(4)?,
        phone: r.get(5)?,
        // The table's CHECK allows only the six names.
        state: OrderState::parse(&state).unwrap_or(OrderState::Placed),
        lines: json(7, r.get(7)?)?,
        discounts: json(8, r.get(8)?)?,
        total: Rupiah(r.get(9)?),
        paid_reference: r.get(10)?,
        payment_id: r.get(11)?,
        paid: r.get(12)?,
        deadline: r.get(13)?,
        deadline_s: r.get(14)?,
        compartment: r.get(15)?,
        code: r.get(16)?,
        code_hash: r.get(17)?,
        token: r.get(18)?,
        collect_key: r.get(19)?,
        unloaded_at: r.get(20)?,
        created_at: r.get(21)?,
        unload_outcome: r.get(22)?,
        // The table's CHECK allows only S, M and L.
        size: Size::parse(&r.get::<_, String>(23)?).unwrap_or_default(),
    })
}

pub(crate) fn load(conn: &Connection, id: &str) -> rusqlite::Result<Option<Row>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM click_order WHERE id = ?1"), [id], row)
        .optional()
}

pub(crate) fn by_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<Row>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM click_order WHERE idempotency_key = ?1"),
        [key],
        row,
    )
    .optional()
}

/// The loaded order of `store` whose pickup code is `code`.
pub(crate) fn by_code(conn: &Connection, store: &str, code: &str) -> rusqlite::Result<Option<Row>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM click_order
             WHERE store_id = ?1 AND code = ?2 AND state = 'loaded'"
        ),
        [store, code],
        row,
    )
    .optional()
}

/// The orders loaded into `store`'s lockers, by compartment.
pub(crate) fn loaded_at(conn: &Connection, store: &str) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM click_order WHERE store_id = ?1 AND state = 'loaded'
         ORDER BY compartment, id"
    ))?;
    stmt.query_map([store], row)?.collect()
}

/// The orders of `store` that expired or were cancelled in their
/// compartment and are not yet taken out, by compartment.
pub(crate) fn to_unload_at(conn: &Connection, store: &str) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM click_order WHERE store_id = ?1
         AND state IN ('expired', 'cancelled') AND compartment IS NOT NULL
         AND unloaded_at IS NULL
         ORDER BY compartment, id"
    ))?;
    stmt.query_map([store], row)?.collect()
}

/// Stores a new order, placed, with the first line of its history.
pub(crate) fn insert(conn: &Connection, o: &Row) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO click_order (id, idempotency_key, request, store_id, member_id, phone, state,
             lines, discounts, total, paid_reference, payment_id, paid, deadline, deadline_s,
             created_at, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            o.id,
            o.idempotency_key,
            o.request,
            o.store,
            o.member,
            o.phone,
            o.state.as_str(),
            serde_json::to_string(&o.lines)?,
            serde_json::to_string(&o.discounts)?,
            o.total.0,
            o.paid_reference,
            o.payment_id,
            o.paid,
            o.deadline,
            o.deadline_s,
            o.created_at,
            o.size.as_str(),
        ],
    )?;
    Ok(())
}

/// Appends one line to an order's history.
pub(crate) fn add_event(
    conn: &Connection,
    id: &str,
    state: OrderState,
    step: &str,
    device: Option<&str>,
    cause: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO click_order_event (order_id, at, state, step, device, cause)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, crate::store::now(), state.as_str(), step, device, cause],
    )?;
    Ok(())
}

/// Moves an order to `to` by `step`, with its history line.
pub(crate) fn set_state(
    conn: &Connection,
    id: &str,
    to: OrderState,
    step: Step,
    device: Option<&str>,
    cause: &str,
) -> rusqlite::Result<()> {
    conn.execute("UPDATE click_order SET state = ?2 WHERE id = ?1", params![id, to.as_str()])?;
    add_event(conn, id, to, step.as_str(), device, cause)
}

pub(crate) fn history(conn: &Connection, id: &str) -> rusqlite::Result<Vec<OrderEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, state, step, device, cause FROM click_order_event WHERE order_id = ?1
         ORDER BY seq",
    )?;
    stmt.query_map([id], |r| {
        let state: String = r.get(1)?;
        Ok(OrderEvent {
            at: r.get(0)?,
            status: OrderState::parse(&state).unwrap_or(OrderState::Placed),
            step: r.get(2)?,
            device: r.get(3)?,
            cause: r.get(4)?,
        })
    })?
    .collect()
}

/// When the order's history says it was collected.
pub(crate) fn collected_at(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT at FROM click_order_event WHERE order_id = ?1 AND step = 'collect'
         ORDER BY seq DESC LIMIT 1",
        [id],
        |r| r.get(0),
    )
    .optional()
}

/// The order as `GET /v1/orders/{id}` shows it.
pub(crate) fn view(conn: &Connection, o: &Row) -> rusqlite::Result<OrderView> {
    let payment = if let Some(reference) = &o.paid_reference {
        Some(OrderPayment {
            by: "channel".into(),
            amount: o.total,
            reference: Some(reference.clone()),
            payment_id: o.payment_id.clone(),
        })
    } else if o.paid {
        Some(OrderPayment {
            by: "qris".into(),
            amount: o.total,
            reference: None,
            payment_id: o.payment_id.clone(),
        })
    } else {
        None
    };
    let pickup = match (&o.code, &o.token) {
        (Some(code), Some(token)) if o.state == OrderState::Loaded => Some(PickupCode {
            code: code.clone(),
            token: token.clone(),
            expires_at: o.deadline.clone(),
        }),
        _ => None,
    };
    Ok(OrderView {
        id: o.id.clone(),
        status: o.state,
        store: o.store.clone(),
        member: o.member.clone(),
        phone_last4: crate::domain::pickup::last4(&o.phone).unwrap_or_default().to_owned(),
        lines: o.lines.clone(),
        discounts: o.discounts.clone(),
        total: o.total,
        paid: o.paid,
        payment,
        deadline: o.deadline.clone(),
        size: o.size,
        compartment: o.compartment,
        pickup,
        created_at: o.created_at.clone(),
        history: history(conn, &o.id)?,
        unloaded: unloaded(conn, o)?,
    })
}

/// The key of the refund an unloading makes.
pub(crate) fn unload_refund_key(order: &str) -> String {
    format!("expired-{order}")
}

/// The unloading of `o`, once staff took it out.
fn unloaded(conn: &Connection, o: &Row) -> rusqlite::Result<Option<Unloaded>> {
    let (Some(at), Some(outcome)) =
        (o.unloaded_at.clone(), o.unload_outcome.as_deref().and_then(UnloadOutcome::parse))
    else {
        return Ok(None);
    };
    let refunded = match (&o.payment_id, outcome) {
        (Some(pid), UnloadOutcome::Refunded) => {
            crate::central::server::ledger::refund_by_key(conn, pid, &unload_refund_key(&o.id))?
                .map(|r| r.amount)
        }
        _ => None,
    };
    Ok(Some(Unloaded { at, outcome, refunded }))
}

/// How many of a product a store's live orders hold.
pub(crate) fn reserved(conn: &Connection, store: &str, barcode: &str) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT coalesce(sum(r.qty), 0) FROM stock_reservation r
         JOIN click_order o ON o.id = r.order_id
         WHERE r.store_id = ?1 AND r.barcode = ?2 AND o.state IN ('placed', 'loaded')",
        [store, barcode],
        |r| r.get(0),
    )
}

pub(crate) fn reserve(
    conn: &Connection,
    order: &str,
    store: &str,
    barcode: &str,
    qty: u32,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO stock_reservation (order_id, store_id, barcode, qty) VALUES (?1, ?2, ?3, ?4)",
        params![order, store, barcode, qty],
    )?;
    Ok(())
}

/// Gives an order's reservation back to its store.
pub(crate) fn release(conn: &Connection, order: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM stock_reservation WHERE order_id = ?1", [order])?;
    Ok(())
}

/// The goods of a collected order left the store: its reservation ends
/// and the store's counts go down by its lines (never below zero).
pub(crate) fn consume(conn: &Connection, o: &Row) -> rusqlite::Result<()> {
    release(conn, &o.id)?;
    let mut lower = conn.prepare_cached(
        "UPDATE stock SET qty = max(qty - ?3, 0), updated_at = ?4
         WHERE store_id = ?1 AND barcode = ?2",
    )?;
    for l in &o.lines {
        lower.execute(params![o.store, l.barcode, l.qty, crate::store::now()])?;
    }
    Ok(())
}

/// Expires every live order whose deadline passed by `now`, giving its
/// stock back; returns their ids.
pub(crate) fn expire_due(
    conn: &mut Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<String>> {
    let tx = conn.transaction()?;
    let due: Vec<(String, String, String)> = tx
        .prepare_cached(
            "SELECT id, state, deadline FROM click_order
             WHERE state IN ('placed', 'loaded') AND deadline_s < ?1",
        )?
        .query_map([now.timestamp()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, _, deadline) in &due {
        release(&tx, id)?;
        let cause = format!("not collected by its deadline {deadline}");
        set_state(&tx, id, OrderState::Expired, Step::Expire, None, &cause)?;
    }
    tx.commit()?;
    Ok(due.into_iter().map(|(id, _, _)| id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::central::server::db::Db;

    fn order(id: &str, deadline_s: i64) -> Row {
        Row {
            id: id.into(),
            idempotency_key: format!("key-{id}"),
            request: "{}".into(),
            store: "KMG".into(),
            member: None,
            phone: "6281200000001".into(),
            state: OrderState::Loaded,
            lines: Vec::new(),
            discounts: Vec::new(),
            total: Rupiah(1_000),
            paid_reference: None,
            payment_id: None,
            paid: false,
            deadline: "2026-03-04T10:00:00Z".into(),
            deadline_s,
            compartment: Some(1),
            code: Some("123456".into()),
            code_hash: None,
            token: None,
            collect_key: None,
            unloaded_at: None,
            unload_outcome: None,
            created_at: "2026-03-01T10:00:00Z".into(),
            size: Size::M,
        }
    }

    #[tokio::test]
    async fn the_sweep_expires_only_orders_past_their_deadline_and_frees_their_stock() {
        let db = Db::open(None).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-03-04T10:00:01Z").unwrap().to_utc();
        let (late, events) = db
            .run(move |c| {
                c.execute(
                    "INSERT INTO store (id, name, city, latitude, longitude, position)
                     VALUES ('KMG', 'Kemang', 'Jakarta', -6.26, 106.81, 0)",
                    [],
                )?;
                // One second past its deadline, and one exactly at it.
                insert(c, &order("ORD-LATE", now.timestamp() - 1))?;
                insert(c, &order("ORD-DUE", now.timestamp()))?;
                reserve(c, "ORD-LATE", "KMG", "8991101000070", 2)?;
                reserve(c, "ORD-DUE", "KMG", "8991101000070", 1)?;
                let expired = expire_due(c, now)?;
                assert_eq!(expired, ["ORD-LATE"]);
                let late = load(c, "ORD-LATE")?.unwrap();
                assert_eq!(load(c, "ORD-DUE")?.unwrap().state, OrderState::Loaded);
                assert_eq!(reserved(c, "KMG", "8991101000070")?, 1, "only ORD-DUE holds stock");
                Ok((late, history(c, "ORD-LATE")?))
            })
            .await
            .unwrap();
        assert_eq!(late.state, OrderState::Expired);
        assert_eq!(late.size, Size::M, "the size is stored and read back");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].step, "expire");
        assert_eq!(events[0].cause, "not collected by its deadline 2026-03-04T10:00:00Z");
    }
}
