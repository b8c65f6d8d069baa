//! The central's storage: SQLite behind a mutex, used from the blocking pool.

use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::central::api::{CatalogEntry, SaleLine, Transaction};
use crate::domain::Rupiah;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/central/0001_init.sql")),
        M::up(include_str!("../../../migrations/central/0002_payment_lifecycle.sql")),
        M::up(include_str!("../../../migrations/central/0003_payment_attempts.sql")),
        M::up(include_str!("../../../migrations/central/0004_loyalty.sql")),
        M::up(include_str!("../../../migrations/central/0005_carts.sql")),
        M::up(include_str!("../../../migrations/central/0006_stock.sql")),
        M::up(include_str!("../../../migrations/central/0007_sale_discounts.sql")),
        M::up(include_str!("../../../migrations/central/0008_payment_cart.sql")),
        M::up(include_str!("../../../migrations/central/0009_restricted.sql")),
        M::up(include_str!("../../../migrations/central/0010_orders.sql")),
        M::up(include_str!("../../../migrations/central/0011_product_image.sql")),
        M::up(include_str!("../../../migrations/central/0012_order_alerts.sql")),
        M::up(include_str!("../../../migrations/central/0013_return_compartment.sql")),
        M::up(include_str!("../../../migrations/central/0014_order_unload.sql")),
        M::up(include_str!("../../../migrations/central/0015_order_size.sql")),
        M::up(include_str!("../../../migrations/central/0016_return_points.sql")),
    ])
});

/// `PRAGMA application_id` of a central database: "SWLC".
const CENTRAL_APPLICATION_ID: i64 = 0x5357_4C43;

/// A std mutex, not tokio's: it is only ever taken inside `spawn_blocking`
/// and never held across an `.await`.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn open(path: Option<&Path>) -> anyhow::Result<Db> {
        use anyhow::Context;
        let mut conn = match path {
            Some(p) => Connection::open(p)
                .with_context(|| format!("cannot open the central database {}", p.display()))?,
            None => Connection::open_in_memory()?,
        };
        let name = path.map_or(":memory:".into(), |p| p.display().to_string());
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| conn.pragma_update(None, "synchronous", "FULL"))
            .with_context(|| format!("{name} is damaged or not a database"))?;
        // A page damaged past the header opens fine and fails some request
        // later; the payments in it matter too much to find out that way.
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .with_context(|| format!("{name} is damaged or not a database"))?;
        if check != "ok" {
            anyhow::bail!(
                "{name} is damaged ({check}); restore it from a backup or repair it with \
                 sqlite3's .recover before serving payments from it"
            );
        }
        let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if app != CENTRAL_APPLICATION_ID && (app != 0 || version != 0) {
            anyhow::bail!("{name} is an SQLite database, but not a swalayan central database");
        }
        // Migrations rebuild tables that others reference (0002 swaps the
        // payment table under sale), which only works with foreign keys
        // off; the bundled SQLite turns them on by default. The migration
        // library checks every reference after each step all the same.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        MIGRATIONS.to_latest(&mut conn).with_context(|| format!("cannot migrate {name}"))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "application_id", CENTRAL_APPLICATION_ID)?;
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let db = self.0.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection is
            // still consistent (SQLite rolled back), so keep serving.
            let mut conn = db.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await?
    }
}

/// The central's token signing key, made at the first start and kept in the
/// database, so member codes and cart codes stay valid across restarts.
pub fn signer(conn: &Connection) -> anyhow::Result<crate::tokens::Signer> {
    use crate::tokens::Signer;
    let stored: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'signing_key'", [], |r| r.get(0))
        .optional()?;
    if let Some(hex) = stored {
        let der = (0..hex.len())
            .step_by(2)
            .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
            .collect::<Option<Vec<u8>>>();
        return der
            .and_then(|der| Signer::from_pkcs8(&der).ok())
            .ok_or_else(|| anyhow::anyhow!("the stored token signing key is damaged"));
    }
    let signer = Signer::generate();
    let hex: String = signer.pkcs8().iter().map(|b| format!("{b:02x}")).collect();
    conn.execute("INSERT INTO meta (key, value) VALUES ('signing_key', ?1)", [hex])?;
    Ok(signer)
}

/// A product's restriction as the database holds it; a word this version
/// does not know is taken as the strictest, never as none.
pub fn restriction(word: &str) -> crate::domain::restricted::Restriction {
    use crate::domain::restricted::Restriction;
    Restriction::parse(word).unwrap_or(Restriction::Tobacco)
}

/// The catalog's epoch and its highest sequence number.
pub fn catalog_head(conn: &Connection) -> rusqlite::Result<(String, i64)> {
    let epoch =
        conn.query_row("SELECT value FROM meta WHERE key = 'catalog_epoch'", [], |r| r.get(0))?;
    let seq =
        conn.query_row("SELECT value FROM counter WHERE name = 'catalog_seq'", [], |r| r.get(0))?;
    Ok((epoch, seq))
}

pub fn catalog_page(
    conn: &Connection,
    since: i64,
    limit: u32,
) -> rusqlite::Result<(Vec<CatalogEntry>, i64, bool)> {
    let mut stmt = conn.prepare_cached(
        "SELECT barcode, name, price, category, deleted, seq, restriction, image, image_etag
         FROM product WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut last = since;
    let entries = stmt
        .query_map(params![since, i64::from(limit) + 1], |r| {
            Ok((
                CatalogEntry {
                    barcode: r.get(0)?,
                    name: r.get(1)?,
                    price: Rupiah(r.get(2)?),
                    category: r.get(3)?,
                    restriction: restriction(&r.get::<_, String>(6)?),
                    image: r.get(7)?,
                    image_etag: r.get(8)?,
                    deleted: r.get(4)?,
                },
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = entries.len() > limit as usize;
    let mut page = Vec::with_capacity(entries.len().min(limit as usize));
    for (entry, seq) in entries.into_iter().take(limit as usize) {
        last = seq;
        page.push(entry);
    }
    Ok((page, last, more))
}

fn sale_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Transaction, [String; 3])> {
    Ok((
        Transaction {
            id: r.get(0)?,
            idempotency_key: r.get(1)?,
            device_id: r.get(2)?,
            payment_id: r.get(3)?,
            total: Rupiah(r.get(4)?),
            lines: Vec::new(),
            created_at: r.get(6)?,
            member: r.get(7)?,
            points_redeemed: r.get::<_, i64>(8)? as u64,
            points_earned: r.get::<_, i64>(9)? as u64,
            vouchers: Vec::new(),
            discounts: Vec::new(),
            central_total: r.get::<_, Option<i64>>(12)?.map(Rupiah),
        },
        [r.get(5)?, r.get(10)?, r.get(11)?],
    ))
}

fn sale_where(conn: &Connection, clause: &str, value: &str) -> anyhow::Result<Option<Transaction>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT id, idempotency_key, device_id, payment_id, total, lines, created_at,
                        member_id, points_redeemed, points_earned, vouchers, discounts,
                        central_total
                 FROM sale WHERE {clause} = ?1"
            ),
            [value],
            sale_row,
        )
        .optional()?;
    Ok(match row {
        Some((mut tx, [lines, vouchers, discounts])) => {
            tx.lines = serde_json::from_str::<Vec<SaleLine>>(&lines)?;
            tx.vouchers = serde_json::from_str::<Vec<String>>(&vouchers)?;
            tx.discounts = serde_json::from_str(&discounts)?;
            Some(tx)
        }
        None => None,
    })
}

pub fn sale(conn: &Connection, id: &str) -> anyhow::Result<Option<Transaction>> {
    sale_where(conn, "id", id)
}

pub fn sale_by_key(conn: &Connection, key: &str) -> anyhow::Result<Option<Transaction>> {
    sale_where(conn, "idempotency_key", key)
}

pub fn sale_by_payment(conn: &Connection, payment_id: &str) -> anyhow::Result<Option<Transaction>> {
    sale_where(conn, "payment_id", payment_id)
}

pub fn insert_sale(conn: &Connection, tx: &Transaction) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO sale (id, idempotency_key, device_id, payment_id, total, lines, created_at,
                           member_id, points_redeemed, points_earned, vouchers, discounts,
                           central_total)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            tx.id,
            tx.idempotency_key,
            tx.device_id,
            tx.payment_id,
            tx.total.0,
            serde_json::to_string(&tx.lines)?,
            tx.created_at,
            tx.member,
            tx.points_redeemed as i64,
            tx.points_earned as i64,
            serde_json::to_string(&tx.vouchers)?,
            serde_json::to_string(&tx.discounts)?,
            tx.central_total.map(|t| t.0),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_damaged_past_its_first_pages_is_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("central.db");
        {
            let db = Db::open(Some(&path)).unwrap();
            let conn = db.0.lock().unwrap();
            // Enough rows to fill many pages, then everything on disk.
            conn.execute_batch("BEGIN").unwrap();
            for i in 0..2000 {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?1)",
                    [format!("filler-{i:05}-{}", "x".repeat(60))],
                )
                .unwrap();
            }
            conn.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        }
        // Scribble over the middle of the file, as a bad disk would.
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 64 * 1024, "{} bytes", bytes.len());
        let mid = bytes.len() / 2;
        bytes[mid..mid + 2048].fill(0xA5);
        std::fs::write(&path, bytes).unwrap();

        let err = Db::open(Some(&path)).err().expect("a damaged database is refused");
        let text = format!("{err:#}");
        assert!(text.contains("central.db is damaged"), "{text}");
    }
}
