-- Stores, their stock, back-in-stock subscriptions and the purchase history
-- recommendations are made from.

-- The stores of the chain; `position` is the order of the stores file, and
-- the first is the default store of this central's kiosks.
CREATE TABLE store (
    id        TEXT PRIMARY KEY NOT NULL,
    name      TEXT NOT NULL,
    city      TEXT NOT NULL,
    latitude  REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    position  INTEGER NOT NULL
) WITHOUT ROWID;

-- How many of a product a store has. No row is the same as none.
CREATE TABLE stock (
    store_id   TEXT NOT NULL REFERENCES store (id),
    barcode    TEXT NOT NULL,
    qty        INTEGER NOT NULL CHECK (qty >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (store_id, barcode)
) WITHOUT ROWID;

-- "Tell me when it is back": one per member, product and store. A stock
-- import that brings the product back sets notified_at.
CREATE TABLE subscription (
    member_id   TEXT NOT NULL,
    barcode     TEXT NOT NULL,
    store_id    TEXT NOT NULL REFERENCES store (id),
    created_at  TEXT NOT NULL,
    notified_at TEXT,
    PRIMARY KEY (member_id, barcode, store_id)
) WITHOUT ROWID;

CREATE INDEX subscription_waiting ON subscription (store_id, barcode) WHERE notified_at IS NULL;

-- The lines of every recorded sale, with its member when there was one:
-- the purchase history and what is bought together.
CREATE TABLE sale_item (
    sale_id   TEXT NOT NULL REFERENCES sale (id),
    line      INTEGER NOT NULL,
    member_id TEXT,
    store_id  TEXT NOT NULL,
    barcode   TEXT NOT NULL,
    qty       INTEGER NOT NULL,
    PRIMARY KEY (sale_id, line)
) WITHOUT ROWID;

CREATE INDEX sale_item_member ON sale_item (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX sale_item_barcode ON sale_item (barcode, sale_id);
