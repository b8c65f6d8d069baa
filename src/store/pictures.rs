//! The products' pictures, fetched from the central at sync and kept in the
//! device database, so the produce list shows them offline.

use rusqlite::params;

use super::{Result, Store, now, query};

/// A picture the catalog names that the device lacks, or holds in an older
/// version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WantedPicture {
    pub name: String,
    /// The ETag the catalog gives it.
    pub etag: Option<String>,
    /// The ETag of the copy held, if any: sent as `If-None-Match`.
    pub held: Option<String>,
}

impl Store {
    /// The pictures the cached catalog names whose copy here is missing or
    /// has another ETag than the catalog's, by name.
    pub fn wanted_pictures(&self) -> Result<Vec<WantedPicture>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT p.image, p.image_etag, c.etag FROM product p
                 LEFT JOIN picture c ON c.name = p.image
                 WHERE p.image IS NOT NULL AND (c.etag IS NOT p.image_etag OR c.etag IS NULL)
                 ORDER BY p.image",
            )
            .map_err(query("wanted pictures"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(WantedPicture { name: r.get(0)?, etag: r.get(1)?, held: r.get(2)? })
            })
            .map_err(query("wanted pictures"))?;
        rows.collect::<rusqlite::Result<_>>().map_err(query("wanted pictures"))
    }

    /// Keeps a picture fetched from the central, replacing any older copy.
    pub fn store_picture(&self, name: &str, etag: &str, bytes: &[u8]) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO picture (name, etag, bytes, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, bytes = excluded.bytes,
                     fetched_at = excluded.fetched_at",
                params![name, etag, bytes, now()],
            )
            .map_err(query("store picture"))?;
        Ok(())
    }

    /// Notes that the copy held of `name` is the one with `etag` (the
    /// central answered 304 Not Modified).
    pub fn picture_is_current(&self, name: &str, etag: &str) -> Result<()> {
        self.conn
            .execute("UPDATE picture SET etag = ?2 WHERE name = ?1", params![name, etag])
            .map_err(query("picture etag"))?;
        Ok(())
    }

    /// Drops the pictures no cached product names any more; returns how
    /// many.
    pub fn forget_unused_pictures(&self) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM picture WHERE name NOT IN
                     (SELECT image FROM product WHERE image IS NOT NULL)",
                [],
            )
            .map_err(query("forget pictures"))
    }

    /// The bytes of the picture `name`, if the device holds it.
    pub fn picture(&self, name: &str) -> Result<Option<Vec<u8>>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT bytes FROM picture WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(query("picture"))
    }

    /// The pictures of the produce without a barcode that the device holds:
    /// barcode, picture name and bytes, for each PLU item that has one.
    pub fn produce_pictures(&self) -> Result<Vec<(String, String, Vec<u8>)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.barcode, c.name, c.bytes FROM product p
                 JOIN picture c ON c.name = p.image
                 WHERE length(p.barcode) IN (4, 5) ORDER BY p.barcode",
            )
            .map_err(query("produce pictures"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(query("produce pictures"))?;
        let mut pictures = vec![];
        for row in rows {
            let row: (String, String, Vec<u8>) = row.map_err(query("produce pictures"))?;
            if crate::domain::variable::is_plu(&row.0) {
                pictures.push(row);
            }
        }
        Ok(pictures)
    }
}

#[cfg(test)]
mod tests {
    use crate::central::api::CatalogEntry;
    use crate::domain::Rupiah;
    use crate::store::{Store, WantedPicture};

    fn entry(barcode: &str, image: Option<(&str, &str)>) -> CatalogEntry {
        CatalogEntry {
            barcode: barcode.into(),
            name: format!("item {barcode}"),
            price: Rupiah(1_000),
            category: None,
            restriction: Default::default(),
            image: image.map(|(name, _)| name.into()),
            image_etag: image.map(|(_, etag)| etag.into()),
            deleted: false,
        }
    }

    fn wanted(name: &str, etag: &str, held: Option<&str>) -> WantedPicture {
        WantedPicture { name: name.into(), etag: Some(etag.into()), held: held.map(Into::into) }
    }

    #[test]
    fn only_missing_or_changed_pictures_are_wanted() {
        let mut store = Store::open_in_memory().unwrap();
        // Two products share one picture; a third has its own; one none.
        let entries = [
            entry("4011", Some(("banana.png", "\"b1\""))),
            entry("94011", Some(("banana.png", "\"b1\""))),
            entry("4087", Some(("tomato.png", "\"t1\""))),
            entry("4060", None),
        ];
        store.apply_catalog_page(&entries, "1").unwrap();
        assert_eq!(
            store.wanted_pictures().unwrap(),
            [wanted("banana.png", "\"b1\"", None), wanted("tomato.png", "\"t1\"", None)]
        );
        store.store_picture("banana.png", "\"b1\"", b"banana").unwrap();
        store.store_picture("tomato.png", "\"t1\"", b"tomato").unwrap();
        assert_eq!(store.wanted_pictures().unwrap(), []);

        // The tomato's picture changed at the central: wanted again, with
        // the copy held to ask about.
        store.apply_catalog_page(&[entry("4087", Some(("tomato.png", "\"t2\"")))], "2").unwrap();
        assert_eq!(
            store.wanted_pictures().unwrap(),
            [wanted("tomato.png", "\"t2\"", Some("\"t1\""))]
        );
        store.picture_is_current("tomato.png", "\"t2\"").unwrap();
        assert_eq!(store.wanted_pictures().unwrap(), []);

        let produce = store.produce_pictures().unwrap();
        let names: Vec<(&str, &str)> =
            produce.iter().map(|(b, n, _)| (b.as_str(), n.as_str())).collect();
        assert_eq!(
            names,
            [("4011", "banana.png"), ("4087", "tomato.png"), ("94011", "banana.png")]
        );

        // The tomato leaves the catalog: its picture goes with it.
        store.apply_catalog_page(&[entry("4087", None)], "3").unwrap();
        assert_eq!(store.forget_unused_pictures().unwrap(), 1);
        assert_eq!(store.picture("tomato.png").unwrap(), None);
        assert_eq!(store.picture("banana.png").unwrap().as_deref(), Some(&b"banana"[..]));
    }
}
