-- The reference central's database.

-- Every change to a product takes the next value of the catalog sequence, so
-- a device asks for "everything after N" and gets exactly what changed.
CREATE TABLE product (
    barcode  TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    price    INTEGER NOT NULL CHECK (price > 0),
    category TEXT,
    seq      INTEGER NOT NULL UNIQUE,
    deleted  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE counter (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO counter (name, value) VALUES ('catalog_seq', 0);

-- A random name for this database's catalog history. Cursors carry it, so a
-- device that synced with another database (a restore, a new server) is
-- told to start again instead of keeping stale prices.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('catalog_epoch', lower(hex(randomblob(8))));

CREATE TABLE payment (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    qris            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'expired', 'cancelled')),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    -- Unix milliseconds of expires_at, for comparisons.
    expires_ms      INTEGER NOT NULL,
    settled_at      TEXT
) WITHOUT ROWID;

CREATE TABLE sale (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    device_id       TEXT NOT NULL,
    payment_id      TEXT NOT NULL UNIQUE REFERENCES payment (id),
    total           INTEGER NOT NULL,
    lines           TEXT NOT NULL,
    created_at      TEXT NOT NULL
) WITHOUT ROWID;
