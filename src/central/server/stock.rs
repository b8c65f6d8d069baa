//! Stores and their stock: the stores and stock CSV imports, what a sale
//! takes off the shelf, and `GET /v1/stock/{barcode}`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use tracing::{debug, info, warn};

use super::AppState;
use super::catalog::line_at;
use super::db::Db;
use super::routes::{Failure, bad_request, not_found, query};
use crate::central::api::{Stock, StoreStock, Transaction};
use crate::domain::geo::{LatLon, distance_m};
use crate::domain::gtin;

/// The demo stores shipped with the binary: a handful around Jakarta.
pub const DEMO_STORES: &str = include_str!("../../../assets/stores.csv");

/// The demo stock: every demo product in every demo store, some sold out.
pub const DEMO_STOCK: &str = include_str!("../../../assets/stock.csv");

/// The nearest stores `GET /v1/stock` gives when not asked.
pub const DEFAULT_NEAREST: u32 = 3;

/// The most nearest stores one answer gives.
pub const MAX_NEAREST: u32 = 20;

/// Why a stores or stock file was refused. Nothing of it was imported.
#[derive(Debug, thiserror::Error)]
pub enum StockFileError {
    #[error("{source_name}: line {line}: {reason}")]
    Row { source_name: String, line: u64, reason: String },
    #[error("{source_name}: the header must name {expected} (found: {found})")]
    Header { source_name: String, expected: String, found: String },
    #[error("{source_name}: the file holds no rows")]
    Empty { source_name: String },
    #[error("stock database write failed")]
    Db(#[from] rusqlite::Error),
}

/// One validated row of a stores file.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreRow {
    pub id: String,
    pub name: String,
    pub city: String,
    pub at: LatLon,
}

/// One validated row of a stock file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRow {
    pub store_id: String,
    pub barcode: String,
    pub qty: u32,
    /// Where it is in its file, for errors found against the database.
    pub line: u64,
}

/// Reads a CSV whose header names `columns` (in any order, more allowed)
/// and hands each non-blank record's fields, in the order of `columns`,
/// to `row` with its line number.
fn read_csv<T>(
    text: &str,
    source_name: &str,
    columns: &'static [&'static str],
    mut row: impl FnMut(u64, Vec<&str>) -> Result<T, String>,
) -> Result<Vec<T>, StockFileError> {
    let row_err = |line: u64, reason: String| StockFileError::Row {
        source_name: source_name.to_owned(),
        line,
        reason,
    };
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| row_err(1, e.to_string()))?.clone();
    let index: Option<Vec<usize>> =
        columns.iter().map(|c| headers.iter().position(|h| h.eq_ignore_ascii_case(c))).collect();
    let Some(index) = index else {
        return Err(StockFileError::Header {
            source_name: source_name.to_owned(),
            expected: columns.join(","),
            found: headers.iter().collect::<Vec<_>>().join(","),
        });
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| row_err(line_at(text, e.position()), e.to_string()))?;
        let line = line_at(text, record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut fields = Vec::with_capacity(columns.len());
        for (&i, name) in index.iter().zip(columns) {
            match record.get(i) {
                Some(v) if !v.is_empty() => fields.push(v),
                _ => return Err(row_err(line, format!("missing {name}"))),
            }
        }
        out.push(row(line, fields).map_err(|reason| row_err(line, reason))?);
    }
    if out.is_empty() {
        return Err(StockFileError::Empty { source_name: source_name.to_owned() });
    }
    Ok(out)
}

/// Reads and checks a whole stores CSV
/// (`store_id,name,city,latitude,longitude`, decimal degrees).
pub fn parse_stores(text: &str, source_name: &str) -> Result<Vec<StoreRow>, StockFileError> {
    const COLUMNS: &[&str] = &["store_id", "name", "city", "latitude", "longitude"];
    let mut first_line: HashMap<String, u64> = HashMap::new();
    read_csv(text, source_name, COLUMNS, |line, f| {
        let degrees = |name: &str, text: &str, limit: f64| match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v),
            _ => {
                Err(format!("{name} {text:?} is not a number of degrees from -{limit} to {limit}"))
            }
        };
        let id = f[0].to_owned();
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("store id {id:?} may hold only letters, digits, - and _"));
        }
        if let Some(first) = first_line.insert(id.clone(), line) {
            return Err(format!("store {id} already on line {first}"));
        }
        let at = LatLon {
            lat: degrees("latitude", f[3], 90.0)?,
            lon: degrees("longitude", f[4], 180.0)?,
        };
        Ok(StoreRow { id, name: f[1].to_owned(), city: f[2].to_owned(), at })
    })
}

/// Reads and checks a whole stock CSV (`store_id,barcode,qty`); the stores
/// and products it names are checked at import.
pub fn parse_stock(text: &str, source_name: &str) -> Result<Vec<StockRow>, StockFileError> {
    const COLUMNS: &[&str] = &["store_id", "barcode", "qty"];
    let mut first_line: HashMap<(String, String), u64> = HashMap::new();
    read_csv(text, source_name, COLUMNS, |line, f| {
        let barcode = catalog_key(f[1])
            .ok_or_else(|| format!("barcode {:?} is not a GTIN with a valid check digit", f[1]))?;
        let qty = match f[2].parse::<u32>() {
            Ok(q) if f[2].bytes().all(|b| b.is_ascii_digit()) => q,
            _ => return Err(format!("qty {:?} is not a whole number from 0 up", f[2])),
        };
        let store_id = f[0].to_owned();
        if let Some(first) = first_line.insert((store_id.clone(), barcode.clone()), line) {
            return Err(format!("store {store_id} and barcode {barcode} already on line {first}"));
        }
        Ok(StockRow { store_id, barcode, qty, line })
    })
}

/// The key a product has in the catalog: a UPC-A as its GTIN-13, a GTIN-14
/// with a leading zero as its GTIN-13 (as the catalog import keys them).
fn catalog_key(barcode: &str) -> Option<String> {
    if !gtin::is_valid(barcode) {
        return None;
    }
    Some(match barcode.len() {
        12 => format!("0{barcode}"),
        14 if barcode.starts_with('0') => barcode[1..].to_owned(),
        _ => barcode.to_owned(),
    })
}

/// What a stores import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoresReport {
    pub total: usize,
    /// Stores no longer in the file, removed with their stock and
    /// subscriptions.
    pub removed: usize,
}

/// Makes the stores equal to `rows`, in one transaction. A store missing
/// from the file is removed, with its stock and its subscriptions.
pub fn import_stores(
    conn: &mut Connection,
    rows: &[StoreRow],
) -> Result<StoresReport, StockFileError> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare(
            "INSERT INTO store (id, name, city, latitude, longitude, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, city = excluded.city,
                 latitude = excluded.latitude, longitude = excluded.longitude,
                 position = excluded.position",
        )?;
        for (i, r) in rows.iter().enumerate() {
            upsert.execute(params![r.id, r.name, r.city, r.at.lat, r.at.lon, i as i64])?;
        }
    }
    let listed = serde_json::to_string(&rows.iter().map(|r| &r.id).collect::<Vec<_>>())
        .expect("a list of strings always serialises");
    let gone = "SELECT id FROM store WHERE id NOT IN (SELECT value FROM json_each(?1))";
    tx.execute(&format!("DELETE FROM stock WHERE store_id IN ({gone})"), [&listed])?;
    tx.execute(&format!("DELETE FROM subscription WHERE store_id IN ({gone})"), [&listed])?;
    let removed = tx.execute(&format!("DELETE FROM store WHERE id IN ({gone})"), [&listed])?;
    tx.commit()?;
    Ok(StoresReport { total: rows.len(), removed })
}

/// What a stock import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StockReport {
    pub rows: usize,
    /// Rows left out because their product is not in the catalog (demo
    /// stock over another catalog only).
    pub skipped: usize,
    /// Subscriptions whose product came back.
    pub notified: usize,
}

/// Sets the counts `rows` list, in one transaction; counts the file does
/// not list stay as they are. A row naming an unknown store, or a product
/// not in the catalog, refuses the whole file, unless `skip_unknown_products`
/// (the demo stock, over whatever catalog was imported).
///
/// Waiting subscriptions whose product is now in stock at their store are
/// marked notified.
pub fn import_stock(
    conn: &mut Connection,
    rows: &[StockRow],
    source_name: &str,
    skip_unknown_products: bool,
) -> Result<StockReport, StockFileError> {
    let tx = conn.transaction()?;
    let now = crate::store::now();
    let mut report = StockReport::default();
    {
        let mut store_known = tx.prepare("SELECT 1 FROM store WHERE id = ?1")?;
        let mut product_known =
            tx.prepare("SELECT 1 FROM product WHERE barcode = ?1 AND deleted = 0")?;
        let mut upsert = tx.prepare(
            "INSERT INTO stock (store_id, barcode, qty, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (store_id, barcode) DO UPDATE SET qty = excluded.qty,
                 updated_at = excluded.updated_at",
        )?;
        let refuse = |line: u64, reason: String| StockFileError::Row {
            source_name: source_name.to_owned(),
            line,
            reason,
        };
        for r in rows {
            if !store_known.exists([&r.store_id])? {
                return Err(refuse(r.line, format!("store {} is not in the stores", r.store_id)));
            }
            if !product_known.exists([&r.barcode])? {
                if skip_unknown_products {
                    report.skipped += 1;
                    continue;
                }
                return Err(refuse(r.line, format!("barcode {} is not in the catalog", r.barcode)));
            }
            upsert.execute(params![r.store_id, r.barcode, r.qty, now])?;
            report.rows += 1;
        }
    }
    report.notified = notify_back_in_stock(&tx, &now)?;
    tx.commit()?;
    Ok(report)
}

/// Marks notified every waiting subscription whose product is in stock at
/// its store again. Returns how many.
fn notify_back_in_stock(conn: &Connection, now: &str) -> rusqlite::Result<usize> {
    let mut back = conn.prepare(
        "UPDATE subscription SET notified_at = ?1
         WHERE notified_at IS NULL AND EXISTS (
             SELECT 1 FROM stock WHERE stock.store_id = subscription.store_id
                 AND stock.barcode = subscription.barcode AND stock.qty > 0)
         RETURNING store_id, barcode",
    )?;
    let rows = back
        .query_map([now], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // TODO: the members are not told yet; a push or a message to their app
    // goes here once there is a channel to reach them. The log line says
    // what would be sent, without who to.
    for (store, barcode) in &rows {
        info!(store, barcode, "back in stock; subscriber to notify");
    }
    Ok(rows.len())
}

/// Imports the stores and stock at start and returns the id of the store
/// this central's kiosks stand in.
///
/// With no stores file and no stores in the database yet (a first start),
/// the demo stores and the demo stock are imported; later starts keep the
/// stock that sales have lowered.
pub(super) async fn setup(
    db: &Db,
    stores: Option<&PathBuf>,
    stock: Option<&PathBuf>,
    home: Option<&str>,
) -> anyhow::Result<String> {
    let read = |path: &PathBuf, what: &str| {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} {}", path.display()))
    };
    let known: i64 =
        db.run(|c| Ok(c.query_row("SELECT count(*) FROM store", [], |r| r.get(0))?)).await?;
    let (stores_text, stores_source, demo) = match stores {
        Some(p) => (Some(read(p, "stores file")?), p.display().to_string(), false),
        None if known == 0 => (Some(DEMO_STORES.to_owned()), "demo stores".to_owned(), true),
        None => (None, String::new(), false),
    };
    if let Some(text) = stores_text {
        let rows = parse_stores(&text, &stores_source)?;
        let report = db.run(move |c| Ok(import_stores(c, &rows)?)).await?;
        info!(
            source = stores_source,
            stores = report.total,
            removed = report.removed,
            "stores imported"
        );
    }
    let stock_text = match stock {
        Some(p) => Some((read(p, "stock file")?, p.display().to_string(), false)),
        None if demo => Some((DEMO_STOCK.to_owned(), "demo stock".to_owned(), true)),
        None => None,
    };
    if let Some((text, source, lenient)) = stock_text {
        let rows = parse_stock(&text, &source)?;
        let name = source.clone();
        let report = db.run(move |c| Ok(import_stock(c, &rows, &name, lenient)?)).await?;
        info!(
            source,
            rows = report.rows,
            skipped = report.skipped,
            notified = report.notified,
            "stock imported"
        );
    }

    let home = home.map(str::to_owned);
    db.run(move |c| {
        let ids: Vec<String> = c
            .prepare("SELECT id FROM store ORDER BY position, id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match home {
            Some(id) if ids.contains(&id) => Ok(id),
            Some(id) => anyhow::bail!("store {id} is not one of the stores ({})", ids.join(", ")),
            None => ids.into_iter().next().context("there are no stores; give a stores file"),
        }
    })
    .await
}

/// Takes a recorded sale's items off its store's shelf and keeps them in
/// the purchase history, in the caller's transaction.
///
/// A count never goes below zero: a sale is never refused for stock (the
/// shopper holds the item, so the count was wrong), and a product the store
/// has no count of keeps none.
pub(super) fn on_sale(
    conn: &Connection,
    sale: &Transaction,
    member: Option<&str>,
    store: &str,
) -> rusqlite::Result<()> {
    let mut item = conn.prepare_cached(
        "INSERT INTO sale_item (sale_id, line, member_id, store_id, barcode, qty)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut lower = conn.prepare_cached(
        "UPDATE stock SET qty = max(qty - ?3, 0), updated_at = ?4
         WHERE store_id = ?1 AND barcode = ?2",
    )?;
    for (i, l) in sale.lines.iter().enumerate() {
        item.execute(params![sale.id, i as i64 + 1, member, store, l.barcode, l.qty])?;
        lower.execute(params![store, l.barcode, l.qty, sale.created_at])?;
    }
    Ok(())
}

/// A store's count of a product; no row counts as none.
pub(super) fn qty(conn: &Connection, store: &str, barcode: &str) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT qty FROM stock WHERE store_id = ?1 AND barcode = ?2",
        [store, barcode],
        |r| r.get(0),
    )
    .optional()
    .map(|q| q.unwrap_or(0))
}

/// True if and only if `id` is a store.
pub(super) fn store_exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM store WHERE id = ?1")?.exists([id])
}

/// A product's name, if it is in the catalog.
pub(super) fn product_name(conn: &Connection, barcode: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT name FROM product WHERE barcode = ?1 AND deleted = 0", [barcode], |r| {
        r.get(0)
    })
    .optional()
}

#[derive(Deserialize)]
pub(super) struct StockQuery {
    store: Option<String>,
    nearest: Option<u32>,
}

/// `GET /v1/stock/{barcode}?store=ID&nearest=N`.
pub(super) async fn get_stock(
    State(s): State<Arc<AppState>>,
    Path(barcode): Path<String>,
    q: Result<Query<StockQuery>, QueryRejection>,
) -> Result<Json<Stock>, Failure> {
    let q = query(q)?;
    let here = q.store.unwrap_or_else(|| s.config.store.clone().unwrap_or_default());
    let nearest = q.nearest.unwrap_or(DEFAULT_NEAREST);
    if nearest > MAX_NEAREST {
        return Err(bad_request(format!("nearest={nearest}: at most {MAX_NEAREST} stores")));
    }
    let (key, asked) = (barcode.clone(), here.clone());
    let answer =
        s.db.run(move |c| {
            let Some(name) = product_name(c, &key)? else { return Ok(Err("product")) };
            let mut stmt = c.prepare_cached(
                "SELECT s.id, s.name, s.city, s.latitude, s.longitude, coalesce(k.qty, 0),
                        (SELECT coalesce(sum(r.qty), 0) FROM stock_reservation r
                         JOIN click_order o ON o.id = r.order_id
                         WHERE r.store_id = s.id AND r.barcode = ?1
                           AND o.state IN ('placed', 'loaded'))
                 FROM store s LEFT JOIN stock k ON k.store_id = s.id AND k.barcode = ?1",
            )?;
            let all = stmt
                .query_map([&key], |r| {
                    let at = LatLon { lat: r.get(3)?, lon: r.get(4)? };
                    let row = StoreStock {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        city: r.get(2)?,
                        qty: r.get(5)?,
                        reserved: r.get(6)?,
                        distance_m: None,
                    };
                    Ok((row, at))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let Some((store, at)) = all.iter().find(|(r, _)| r.id == here).cloned() else {
                return Ok(Err("store"));
            };
            let mut others: Vec<StoreStock> = all
                .into_iter()
                .filter(|(r, _)| r.id != here)
                .map(|(r, there)| StoreStock { distance_m: Some(distance_m(at, there)), ..r })
                .collect();
            // Nearest first; two stores as far away in id order.
            others.sort_by(|a, b| a.distance_m.cmp(&b.distance_m).then(a.id.cmp(&b.id)));
            others.truncate(nearest as usize);
            Ok(Ok(Stock { barcode: key, name, store, nearest: others, as_of: crate::store::now() }))
        })
        .await?;
    match answer {
        Ok(stock) => {
            debug!(barcode = %stock.barcode, qty = stock.store.qty, "stock lookup");
            Ok(Json(stock))
        }
        Err("store") => {
            warn!(barcode, store = asked, "stock asked of an unknown store");
            Err(not_found("store", &asked))
        }
        Err(what) => Err(not_found(what, &barcode)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_stores(text: &str) -> String {
        parse_stores(text, "stores.csv").unwrap_err().to_string()
    }

    fn reason_stock(text: &str) -> String {
        parse_stock(text, "stock.csv").unwrap_err().to_string()
    }

    #[test]
    fn the_demo_files_read() {
        let stores = parse_stores(DEMO_STORES, "demo").unwrap();
        assert_eq!(stores[0].id, "KMG");
        assert!(parse_stock(DEMO_STOCK, "demo").unwrap().len() > 1_000);
    }

    #[test]
    fn bad_store_rows_name_their_line() {
        let head = "store_id,name,city,latitude,longitude\n";
        assert_eq!(
            reason_stores(&format!("{head}A,Toko,Jakarta,-6.2,106.8\nA,Lagi,Depok,-6.3,106.8\n")),
            "stores.csv: line 3: store A already on line 2"
        );
        assert_eq!(
            reason_stores(&format!("{head}A,Toko,Jakarta,-96.2,106.8\n")),
            "stores.csv: line 2: latitude \"-96.2\" is not a number of degrees from -90 to 90"
        );
        assert_eq!(
            reason_stores(&format!("{head}A,Toko,Jakarta,-6.2,timur\n")),
            "stores.csv: line 2: longitude \"timur\" is not a number of degrees from -180 to 180"
        );
        assert_eq!(
            reason_stores(&format!("{head}A,Toko,,-6.2,106.8\n")),
            "stores.csv: line 2: missing city"
        );
        assert!(
            reason_stores("id,name\n").contains("must name store_id,name,city,latitude,longitude")
        );
        assert_eq!(reason_stores(head), "stores.csv: the file holds no rows");
    }

    #[test]
    fn bad_stock_rows_name_their_line() {
        let head = "store_id,barcode,qty\n";
        assert_eq!(
            reason_stock(&format!("{head}A,8991101000071,1\n")),
            "stock.csv: line 2: barcode \"8991101000071\" is not a GTIN with a valid check digit"
        );
        assert_eq!(
            reason_stock(&format!("{head}A,8991101000070,-1\n")),
            "stock.csv: line 2: qty \"-1\" is not a whole number from 0 up"
        );
        assert_eq!(
            reason_stock(&format!("{head}A,8991101000070,1\r\nA,8991101000070,2\r\n")),
            "stock.csv: line 3: store A and barcode 8991101000070 already on line 2"
        );
    }

    #[test]
    fn stock_naming_an_unknown_store_or_product_is_refused_whole() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in [
            include_str!("../../../migrations/central/0001_init.sql"),
            include_str!("../../../migrations/central/0002_payment_lifecycle.sql"),
            include_str!("../../../migrations/central/0003_payment_attempts.sql"),
            include_str!("../../../migrations/central/0006_stock.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        let stores = "store_id,name,city,latitude,longitude\nA,Toko,Jakarta,-6.2,106.8\n";
        import_stores(&mut conn, &parse_stores(stores, "s").unwrap()).unwrap();
        conn.execute(
            "INSERT INTO product (barcode, name, price, seq) VALUES ('8991101000070', 'x', 1, 1)",
            [],
        )
        .unwrap();
        let text = "store_id,barcode,qty\nA,8991101000070,3\nB,8991101000070,1\n";
        let err = import_stock(&mut conn, &parse_stock(text, "k").unwrap(), "k", false);
        assert_eq!(err.unwrap_err().to_string(), "k: line 3: store B is not in the stores");
        let text = "store_id,barcode,qty\nA,8991101000070,3\nA,8991101000179,1\n";
        let rows = parse_stock(text, "k").unwrap();
        let err = import_stock(&mut conn, &rows, "k", false).unwrap_err();
        assert_eq!(err.to_string(), "k: line 3: barcode 8991101000179 is not in the catalog");
        let none: i64 = conn.query_row("SELECT count(*) FROM stock", [], |r| r.get(0)).unwrap();
        assert_eq!(none, 0, "nothing of a refused file is kept");
        let report = import_stock(&mut conn, &rows, "k", true).unwrap();
        assert_eq!((report.rows, report.skipped), (1, 1));
    }
}
