//! Carts handed from one channel to another: `POST /v1/carts` stores a cart
//! and returns its hand-off code, `POST /v1/carts/open` gives it back to the
//! kiosk (or phone) that scanned the code, and recording the sale that pays
//! it closes it.
//!
//! The code is a [`Kind::Cart`] token carrying only the cart's id; the
//! cart's lines, status and expiry stay in the database, so a code cannot
//! be altered into another cart and a paid cart is refused however fresh
//! its code.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tracing::{debug, info};

use super::AppState;
use super::lifecycle::{new_id, now_ms};
use super::routes::{Failure, bad_request, json_body, not_found};
use crate::central::api::{CartStatus, CartView, Channel, NewCart, OpenCart, SaleLine};
use crate::domain::Rupiah;
use crate::domain::cart::MAX_QTY;
use crate::tokens::{Kind, TokenError};

type Shared = State<Arc<AppState>>;

/// The most lines one cart may hold.
pub const MAX_LINES: usize = 200;

/// What a cart's hand-off code carries: the cart's id and nothing else.
#[derive(Serialize, Deserialize)]
struct Claims {
    cart: String,
}

/// A cart as stored.
struct Row {
    view: CartView,
    expires_s: i64,
    sale_id: Option<String>,
}

fn now_s() -> i64 {
    Utc::now().timestamp()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn load(conn: &Connection, id: &str) -> anyhow::Result<Option<Row>> {
    let row = conn
        .query_row(
            "SELECT id, channel, member_id, lines, total, status, created_at, expires_at,
                    expires_s, sale_id, promotions
             FROM cart WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, String>(10)?,
                ))
            },
        )
        .optional()?;
    let Some((
        id,
        channel,
        member,
        lines,
        total,
        status,
        created_at,
        expires_at,
        exp,
        sale,
        promos,
    )) = row
    else {
        return Ok(None);
    };
    let channel = Channel::parse(&channel)
        .ok_or_else(|| anyhow::anyhow!("cart {id} has the unknown channel {channel:?}"))?;
    let status = if status == "closed" { CartStatus::Closed } else { CartStatus::Open };
    let view = CartView {
        id,
        code: String::new(),
        channel,
        member,
        status,
        lines: serde_json::from_str(&lines)?,
        total: Rupiah(total),
        promotions: serde_json::from_str(&promos)?,
        created_at,
        expires_at,
    };
    Ok(Some(Row { view, expires_s: exp, sale_id: sale }))
}

/// Why the cart `id` cannot be paid now, if it cannot.
fn unpayable(row: Option<&Row>, id: &str, now_s: i64) -> Option<Failure> {
    let Some(row) = row else {
        return Some(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_cart",
            format!("no cart {id}"),
        ));
    };
    if let Some(sale) = &row.sale_id {
        return Some(Failure(
            StatusCode::CONFLICT,
            "cart_closed",
            format!("cart {id} is closed: sale {sale} paid it"),
        ));
    }
    if now_s > row.expires_s {
        return Some(Failure(
            StatusCode::GONE,
            "cart_expired",
            format!("cart {id} expired at {}; fill a new cart", row.view.expires_at),
        ));
    }
    None
}

/// Refuses a payment for a cart that is unknown, closed or expired, or that
/// another payment is paying: one payment at a time, so two shoppers
/// continuing one cart on two kiosks are never both charged.
pub(super) fn check_payable(conn: &Connection, id: &str) -> anyhow::Result<Result<(), Failure>> {
    let row = load(conn, id)?;
    if let Some(refusal) = unpayable(row.as_ref(), id, now_s()) {
        return Ok(Err(refusal));
    }
    if let Some(other) = super::ledger::paying_cart(conn, id, now_ms())? {
        return Ok(Err(Failure(
            StatusCode::CONFLICT,
            "cart_in_payment",
            format!(
                "cart {id} is being paid by payment {other}; it can be paid again once that \
                 one ends unpaid"
            ),
        )));
    }
    Ok(Ok(()))
}

/// Closes the cart `id` for the sale `sale_id`, inside the transaction that
/// records the sale (so a refusal rolls the sale back too).
///
/// A cart past its expiry is closed all the same: its payment was only
/// accepted while it was open, and refusing the sale would not give the
/// money back. A cart another sale closed is refused.
pub(super) fn close_for_sale(
    conn: &Connection,
    id: &str,
    sale_id: &str,
) -> anyhow::Result<Result<(), Failure>> {
    let row = load(conn, id)?;
    match unpayable(row.as_ref(), id, i64::MIN) {
        Some(refusal) => Ok(Err(refusal)),
        None => {
            conn.execute(
                "UPDATE cart SET status = 'closed', sale_id = ?2, closed_at = ?3
                 WHERE id = ?1 AND status = 'open'",
                params![id, sale_id, rfc3339(Utc::now())],
            )?;
            info!(cart = id, sale = sale_id, "cart closed");
            Ok(Ok(()))
        }
    }
}

/// The cart a recorded sale closed, if any.
pub(super) fn of_sale(conn: &Connection, sale_id: &str) -> anyhow::Result<Option<String>> {
    Ok(conn
        .query_row("SELECT id FROM cart WHERE sale_id = ?1", [sale_id], |r| r.get(0))
        .optional()?)
}

/// Checks a new cart's shape and merges repeated barcodes into one line.
fn checked_lines(req: &NewCart) -> Result<Vec<(String, u32)>, Failure> {
    if req.lines.is_empty() {
        return Err(bad_request("a cart needs at least one line"));
    }
    if req.lines.len() > MAX_LINES {
        return Err(bad_request(format!(
            "a cart holds at most {MAX_LINES} lines; this one has {}",
            req.lines.len()
        )));
    }
    if let Some(m) = &req.member
        && (m.trim().is_empty() || m.chars().count() > 64)
    {
        return Err(bad_request("member must be a member id of 1 to 64 characters"));
    }
    let mut merged: Vec<(String, u32)> = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        let barcode = l.barcode.trim();
        if barcode.is_empty() || barcode.len() > 64 {
            return Err(bad_request(format!(
                "line {}: the barcode must be 1 to 64 characters",
                i + 1
            )));
        }
        if l.qty == 0 {
            return Err(bad_request(format!("line {}: {barcode} has a quantity of 0", i + 1)));
        }
        match merged.iter_mut().find(|(b, _)| b == barcode) {
            Some((_, qty)) => *qty = qty.saturating_add(l.qty),
            None => merged.push((barcode.to_owned(), l.qty)),
        }
    }
    if let Some((barcode, qty)) = merged.iter().find(|(_, q)| *q > MAX_QTY) {
        return Err(bad_request(format!(
            "{barcode}: {qty} asked, at most {MAX_QTY} of one product"
        )));
    }
    Ok(merged)
}

/// Prices `lines` from the catalog; names every barcode it does not sell.
fn priced(
    conn: &Connection,
    lines: &[(String, u32)],
) -> anyhow::Result<Result<(Vec<SaleLine>, Rupiah), Failure>> {
    let mut stmt =
        conn.prepare_cached("SELECT name, price FROM product WHERE barcode = ?1 AND deleted = 0")?;
    let mut out = Vec::with_capacity(lines.len());
    let mut unknown = Vec::new();
    let mut total = Rupiah::ZERO;
    for (barcode, qty) in lines {
        let found: Option<(String, i64)> =
            stmt.query_row([barcode], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        let Some((name, price)) = found else {
            unknown.push(barcode.as_str());
            continue;
        };
        let line_total = Rupiah(price).times(*qty);
        let Some((line_total, sum)) = line_total.and_then(|t| Some((t, total.plus(t)?))) else {
            return Ok(Err(bad_request("the cart's total overflows")));
        };
        total = sum;
        out.push(SaleLine {
            barcode: barcode.clone(),
            name,
            qty: *qty,
            unit_price: Rupiah(price),
            line_total,
            measure: None,
        });
    }
    if !unknown.is_empty() {
        return Ok(Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_product",
            format!("not in the catalog: {}", unknown.join(", ")),
        )));
    }
    Ok(Ok((out, total)))
}

/// The ids of the promotions the engine applies to `lines` for `member` at
/// `at`, in the order the receipt lists them.
fn applied_promotions(
    conn: &Connection,
    lines: &[SaleLine],
    promotions: &crate::domain::pricing::Promotions,
    member: Option<crate::domain::pricing::MemberFacts>,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    use crate::domain::pricing;
    let mut cart = Vec::with_capacity(lines.len());
    for l in lines {
        let category = super::catalog::category_of(conn, &l.barcode)?;
        cart.push(crate::domain::cart::Line {
            barcode: l.barcode.clone(),
            name: l.name.clone(),
            unit_price: l.unit_price,
            qty: l.qty,
            category,
            restriction: Default::default(),
            approved: 0,
            measure: None,
        });
    }
    let shopper = pricing::Shopper { member, vouchers: Vec::new() };
    let at = at.with_timezone(&pricing::jakarta());
    let priced = pricing::price(&cart, promotions, &shopper, at);
    Ok(priced.discounts.into_iter().map(|d| d.promotion).collect())
}

/// `POST /v1/carts`.
pub(super) async fn create(
    State(s): Shared,
    body: Result<Json<NewCart>, JsonRejection>,
) -> Result<(StatusCode, Json<CartView>), Failure> {
    let req = json_body(body)?;
    let lines = checked_lines(&req)?;
    let created = Utc::now();
    let ttl = s.config.cart_ttl.as_secs() as i64;
    let expires_s = created.timestamp() + ttl;
    let expires = DateTime::from_timestamp(expires_s, 0).unwrap_or(created);
    let id = new_id("CRT");
    let code = s.signer.sign(Kind::Cart, &Claims { cart: id.clone() }, expires_s);
    let member = req.member.map(|m| m.trim().to_owned());
    let view = CartView {
        id,
        code,
        channel: req.channel,
        member,
        status: CartStatus::Open,
        lines: Vec::new(),
        total: Rupiah::ZERO,
        promotions: Vec::new(),
        created_at: rfc3339(created),
        expires_at: rfc3339(expires),
    };
    let promotions = s.promotions.set.clone();
    let view =
        s.db.run(move |conn| {
            let facts = match &view.member {
                Some(id) => match super::points::member(conn, id)? {
                    Some(m) => Some(super::points::member_facts(&m)),
                    None => {
                        return Ok(Err(Failure(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "unknown_member",
                            format!("no member {id}"),
                        )));
                    }
                },
                None => None,
            };
            let (lines, total) = match priced(conn, &lines)? {
                Ok(p) => p,
                Err(refusal) => return Ok(Err(refusal)),
            };
            // The promotions this channel's price would carry now, so that
            // the kiosk that continues the cart can say which ended.
            let applied = applied_promotions(conn, &lines, &promotions, facts, created)?;
            let view = CartView { lines, total, promotions: applied, ..view };
            conn.execute(
                "INSERT INTO cart (id, channel, member_id, lines, total, status, created_at,
                                   expires_at, expires_s, promotions)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7, ?8, ?9)",
                params![
                    view.id,
                    view.channel.as_str(),
                    view.member,
                    serde_json::to_string(&view.lines)?,
                    view.total.0,
                    view.created_at,
                    view.expires_at,
                    expires_s,
                    serde_json::to_string(&view.promotions)?
                ],
            )?;
            Ok(Ok(view))
        })
        .await??;
    info!(
        cart = view.id,
        channel = view.channel.as_str(),
        lines = view.lines.len(),
        member = view.member.is_some(),
        "cart created"
    );
    Ok((StatusCode::CREATED, Json(view)))
}

/// Turns a code the central cannot read into its answer.
fn code_refused(e: TokenError) -> Failure {
    match e {
        TokenError::WrongKind(_) | TokenError::Malformed(..) => {
            Failure(StatusCode::BAD_REQUEST, "bad_code", e.to_string())
        }
        TokenError::BadSignature(_) => {
            Failure(StatusCode::UNAUTHORIZED, "forged_code", e.to_string())
        }
        // Not reached: the expiry is checked against the database below.
        TokenError::Expired(_) => Failure(StatusCode::GONE, "cart_expired", e.to_string()),
        TokenError::BadKey => anyhow::anyhow!("the token key is damaged").into(),
    }
}

/// `POST /v1/carts/open`: the cart behind a hand-off code.
pub(super) async fn open(
    State(s): Shared,
    body: Result<Json<OpenCart>, JsonRejection>,
) -> Result<Json<CartView>, Failure> {
    let req = json_body(body)?;
    let code = req.code.trim().to_owned();
    // The signature first; the expiry is the cart's own, read below, so that
    // a paid cart says it is closed even once its code has expired.
    let claims: Claims =
        s.signer.verifier().verify(Kind::Cart, &code, i64::MIN).map_err(code_refused)?;
    let id = claims.cart;
    let key = id.clone();
    let row = s.db.run(move |conn| load(conn, &key)).await?;
    let Some(row) = row else {
        // Signed by this central, so its database lost the cart (a restore).
        return Err(not_found("cart", &id));
    };
    if let Some(refusal) = unpayable(Some(&row), &id, now_s()) {
        debug!(cart = id, code = refusal.1, "cart not opened");
        return Err(refusal);
    }
    debug!(cart = id, "cart opened");
    Ok(Json(CartView { code, ..row.view }))
}
