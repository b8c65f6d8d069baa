-- The central's last answer about a product's stock (this store and the
-- nearest), shown with its age when the central does not answer.
CREATE TABLE stock_cache (
    barcode    TEXT PRIMARY KEY NOT NULL,
    answer     TEXT NOT NULL,
    -- When this device received it (RFC 3339, UTC), by the device's clock.
    fetched_at TEXT NOT NULL
) WITHOUT ROWID;
