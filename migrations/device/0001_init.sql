-- The device's own database: a cache of the central catalog, the outbox of
-- everything the central must learn, and the visit in progress.

CREATE TABLE product (
    barcode  TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    price    INTEGER NOT NULL CHECK (price > 0),
    category TEXT
) WITHOUT ROWID;

-- Key/value facts about the device: its id, the catalog sync cursor.
CREATE TABLE setting (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Events for the central, replayed in id order until acknowledged. The
-- central de-duplicates by idempotency key, so a replay is always safe.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    acked_at        TEXT,
    -- Set when the central refused the event for good (not a network
    -- failure): it stops blocking the queue and waits for staff.
    parked_at       TEXT,
    -- The central's answer once acknowledged (for a sale, its transaction).
    response        TEXT
);

CREATE INDEX outbox_pending ON outbox (id) WHERE acked_at IS NULL AND parked_at IS NULL;

-- Payments this device asked for and has not yet seen to an end. A row is
-- written before the central is asked, so that after a crash, a lost answer
-- or a cut network the device can find out whether the shopper paid and
-- record the sale, or cancel the payment.
CREATE TABLE open_payment (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    cart            TEXT NOT NULL,
    payment_id      TEXT,
    created_at      TEXT NOT NULL
) WITHOUT ROWID;

-- The one visit in progress, so that a crash or power cut resumes it.
CREATE TABLE open_visit (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
