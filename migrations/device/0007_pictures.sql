-- A product's picture as the catalog sync names it, with the central's
-- ETag of its bytes.
ALTER TABLE product ADD COLUMN image TEXT;
ALTER TABLE product ADD COLUMN image_etag TEXT;

-- The pictures fetched from the central, by name: the produce list shows
-- them offline. A picture whose etag is the product's is up to date and
-- is not fetched again.
CREATE TABLE picture (
    name       TEXT PRIMARY KEY NOT NULL,
    etag       TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    fetched_at TEXT NOT NULL
) WITHOUT ROWID;
