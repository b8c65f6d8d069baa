//! The device database: catalog cache, outbox and the visit in progress.
//!
//! Blocking rusqlite; the kiosk calls it from Tokio's blocking pool, never
//! from the UI thread.

mod outbox;
mod pickup;
mod pictures;
mod promotions;
mod restricted;
mod stock_cache;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::central::api::CatalogEntry;
use crate::domain::restricted::Restriction;
use crate::domain::variable::Layouts;
use crate::domain::{Product, Rupiah};

pub use outbox::OutboxItem;
pub use pickup::{Opening, PICKUP_STORE};
pub use pictures::WantedPicture;
pub use restricted::{AuditEntry, StaffMember};

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/device/0001_init.sql")),
        M::up(include_str!("../../migrations/device/0002_given_up.sql")),
        M::up(include_str!("../../migrations/device/0003_promotions.sql")),
        M::up(include_str!("../../migrations/device/0004_stock_cache.sql")),
        M::up(include_str!("../../migrations/device/0005_restricted.sql")),
        M::up(include_str!("../../migrations/device/0006_pickup.sql")),
        M::up(include_str!("../../migrations/device/0007_pictures.sql")),
    ])
});

/// The setting that keeps the store's variable-measure layouts (JSON).
const VARIABLE_MEASURE: &str = "variable_measure";

/// `PRAGMA application_id` of a device database: "SWLD".
pub const DEVICE_APPLICATION_ID: i64 = 0x5357_4C44;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path} is an SQLite database, but not a swalayan device database")]
    NotDevice { path: PathBuf },
    #[error("cannot create the data directory {path}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open the device database {path}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error(
        "the device database {path} is damaged or not a swalayan database; \
         move it aside to start with a fresh cache (unsent sales in it are then not replayed)"
    )]
    Corrupt { path: PathBuf, source: rusqlite::Error },
    #[error("cannot bring the device database {path} up to date")]
    Migrate { path: PathBuf, source: rusqlite_migration::Error },
    #[error("device database query failed: {what}")]
    Query { what: &'static str, source: rusqlite::Error },
    #[error("device database holds bad JSON in {what}")]
    Json { what: &'static str, source: serde_json::Error },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A payment the device asked for and has not seen to an end.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenPayment {
    /// The attempt's idempotency key.
    pub key: String,
    /// The cart it pays, as JSON.
    pub cart: serde_json::Value,
    /// The central's id, once it answered.
    pub payment_id: Option<String>,
    /// True if and only if the kiosk gave it up: it must never become a
    /// sale.
    pub given_up: bool,
}

/// The open device database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies the
    /// migrations it lacks.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::CreateDir { path: dir.to_owned(), source })?;
        }
        let conn = Connection::open(path)
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        Store::init(conn, path)
    }

    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()
            .map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
        Store::init(conn, Path::new(":memory:"))
    }

    fn init(mut conn: Connection, path: &Path) -> Result<Store> {
        let corrupt = |source| StoreError::Corrupt { path: path.to_owned(), source };
        // WAL lets the outbox replay read while a scan writes. FULL syncs
        // every commit, so a sale in the outbox survives a power cut, not
        // only a killed process; the writes are few, so the cost is small.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(corrupt)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(corrupt)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(corrupt)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(corrupt)?;
        let check: String =
            conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(corrupt)?;
        if check != "ok" {
            return Err(corrupt(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(check),
            )));
        }
        // The application id tells a device database from a central one
        // (or any other SQLite file), which share schema version numbers.
        let app: i64 =
            conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(corrupt)?;
        let version: i64 =
            conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(corrupt)?;
        if app != DEVICE_APPLICATION_ID && (app != 0 || version != 0) {
            return Err(StoreError::NotDevice { path: path.to_owned() });
        }
        MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate { path: path.to_owned(), source })?;
        conn.pragma_update(None, "application_id", DEVICE_APPLICATION_ID).map_err(corrupt)?;
        Ok(Store { conn })
    }

    /// Looks a product up by its catalog key (see `scan::Symbol::catalog_key`).
    pub fn product(&self, barcode: &str) -> Result<Option<Product>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT barcode, name, price, category, restriction FROM product
                 WHERE barcode = ?1",
            )
            .map_err(query("product lookup"))?;
        stmt.query_row([barcode], product_row).optional().map_err(query("product lookup"))
    }

    /// The produce sold without a barcode: every product keyed by a PLU
    /// ([`crate::domain::variable::is_plu`]), by name.
    pub fn produce(&self) -> Result<Vec<Product>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT barcode, name, price, category, restriction FROM product
                 WHERE length(barcode) IN (4, 5) ORDER BY name, barcode",
            )
            .map_err(query("produce list"))?;
        let rows = stmt.query_map([], product_row).map_err(query("produce list"))?;
        let mut produce = vec![];
        for row in rows {
            let product = row.map_err(query("produce list"))?;
            if crate::domain::variable::is_plu(&product.barcode) {
                produce.push(product);
            }
        }
        Ok(produce)
    }

    /// The store's variable-measure layouts as last synced; the demo
    /// layouts before the first sync (see `domain::variable`).
    pub fn variable_measure(&self) -> Result<Layouts> {
        match self.setting(VARIABLE_MEASURE)? {
            None => Ok(Layouts::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|source| StoreError::Json { what: "variable-measure layouts", source }),
        }
    }

    /// Keeps the layouts the central sent with the catalog.
    pub fn set_variable_measure(&self, layouts: &Layouts) -> Result<()> {
        let json = serde_json::to_string(layouts).expect("layouts always serialise");
        self.set_setting(VARIABLE_MEASURE, &json)
    }

    pub fn product_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM product", [], |r| r.get(0))
            .map_err(query("product count"))
    }

    /// Applies one page of catalog changes and moves the cursor past it, in
    /// one transaction: a sync cut off halfway resumes from the last page.
    pub fn apply_catalog_page(&mut self, entries: &[CatalogEntry], cursor: &str) -> Result<()> {
        self.apply_catalog(entries, cursor, false)
    }

    /// Like [`Store::apply_catalog_page`]; with `reset` the cached catalog
    /// is dropped first, in the same transaction.
    pub fn apply_catalog(
        &mut self,
        entries: &[CatalogEntry],
        cursor: &str,
        reset: bool,
    ) -> Result<()> {
        let tx = self.conn.transaction().map_err(query("catalog page"))?;
        if reset {
            tx.execute("DELETE FROM product", []).map_err(query("catalog reset"))?;
        }
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO product
                        (barcode, name, price, category, restriction, image, image_etag)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (barcode) DO UPDATE SET
                        name = excluded.name, price = excluded.price, category = excluded.category,
                        restriction = excluded.restriction, image = excluded.image,
                        image_etag = excluded.image_etag",
                )
                .map_err(query("catalog upsert"))?;
            let mut delete = tx
                .prepare_cached("DELETE FROM product WHERE barcode = ?1")
                .map_err(query("catalog delete"))?;
            for e in entries {
                if e.deleted {
                    delete.execute([&e.barcode]).map_err(query("catalog delete"))?;
                } else {
                    upsert
                        .execute(params![
                            e.barcode,
                            e.name,
                            e.price.0,
                            e.category,
                            e.restriction.as_str(),
                            e.image,
                            e.image_etag
                        ])
                        .map_err(query("catalog upsert"))?;
                }
            }
        }
        set_setting(&tx, "catalog_cursor", cursor)?;
        tx.commit().map_err(query("catalog page"))
    }

    /// Where the next catalog sync starts; `None` before the first one.
    pub fn catalog_cursor(&self) -> Result<Option<String>> {
        self.setting("catalog_cursor")
    }

    /// This device's id, made once and kept.
    pub fn device_id(&self) -> Result<String> {
        if let Some(id) = self.setting("device_id")? {
            return Ok(id);
        }
        let id = format!("dev-{}", uuid::Uuid::new_v4().simple());
        set_setting(&self.conn, "device_id", &id)?;
        Ok(id)
    }

    /// Sets a key/value fact about the device.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        set_setting(&self.conn, key, value)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(query("setting"))
    }

    /// Keeps the state of the visit in progress, so a restart resumes it.
    pub fn save_visit(&self, state: &serde_json::Value) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO open_visit (id, state, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                params![state.to_string(), now()],
            )
            .map_err(query("save visit"))?;
        Ok(())
    }

    pub fn load_visit(&self) -> Result<Option<serde_json::Value>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT state FROM open_visit WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(query("load visit"))?;
        text.map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|source| StoreError::Json { what: "open visit", source })
    }

    /// Forgets the visit: the shopper's cart leaves the device.
    pub fn clear_visit(&self) -> Result<()> {
        self.conn.execute("DELETE FROM open_visit", []).map_err(query("clear visit"))?;
        Ok(())
    }

    /// Runs `f` in one SQLite transaction: all of its writes or none.
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(query("begin"))?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT").map_err(query("commit"))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Notes a payment about to be asked for, with the cart it pays.
    pub fn open_payment(&self, key: &str, cart: &serde_json::Value) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO open_payment (idempotency_key, cart, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (idempotency_key) DO UPDATE SET cart = excluded.cart",
                params![key, cart.to_string(), now()],
            )
            .map_err(query("open payment"))?;
        Ok(())
    }

    /// Notes the central's id of an open payment.
    pub fn open_payment_created(&self, key: &str, payment_id: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE open_payment SET payment_id = ?2 WHERE idempotency_key = ?1",
                params![key, payment_id],
            )
            .map_err(query("open payment"))?;
        Ok(())
    }

    /// Forgets an open payment, by its key or by the central's id.
    pub fn close_payment(&self, key_or_id: &str) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM open_payment WHERE idempotency_key = ?1 OR payment_id = ?1",
                [key_or_id],
            )
            .map_err(query("close payment"))?;
        Ok(())
    }

    /// Notes that the kiosk gave an open payment up (by its key or the
    /// central's id): its sale must never be recorded from here on.
    pub fn give_up_payment(&self, key_or_id: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE open_payment SET given_up_at = ?2
                 WHERE (idempotency_key = ?1 OR payment_id = ?1) AND given_up_at IS NULL",
                params![key_or_id, now()],
            )
            .map_err(query("give up payment"))?;
        Ok(())
    }

    /// Every open payment, oldest first.
    pub fn open_payments(&self) -> Result<Vec<OpenPayment>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT idempotency_key, cart, payment_id, given_up_at IS NOT NULL
                 FROM open_payment ORDER BY created_at",
            )
            .map_err(query("open payments"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)))
            .map_err(query("open payments"))?
            .collect::<rusqlite::Result<Vec<(String, String, Option<String>, bool)>>>()
            .map_err(query("open payments"))?;
        rows.into_iter()
            .map(|(key, cart, payment_id, given_up)| {
                let cart = serde_json::from_str(&cart)
                    .map_err(|source| StoreError::Json { what: "open payment cart", source })?;
                Ok(OpenPayment { key, cart, payment_id, given_up })
            })
            .collect()
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
    .map_err(query("set setting"))?;
    Ok(())
}

fn query(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests;

/// A product from a row of `barcode, name, price, category, restriction`.
fn product_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        barcode: r.get(0)?,
        name: r.get(1)?,
        price: Rupiah(r.get(2)?),
        category: r.get(3)?,
        // A word this version does not know is the strictest.
        restriction: Restriction::parse(&r.get::<_, String>(4)?).unwrap_or(Restriction::Tobacco),
    })
}
