-- Click and collect: orders placed on another channel, loaded into a
-- store's lockers and collected at a kiosk; the stock they hold; the
-- messages that tell the customer their pickup code; and returns.

-- One order. `state` follows crate::domain::order.
CREATE TABLE click_order (
    id              TEXT PRIMARY KEY NOT NULL,
    -- The channel's Idempotency-Key; a repeat with the same request gets
    -- the same order.
    idempotency_key TEXT NOT NULL UNIQUE,
    -- The request as received (JSON), to tell a repeat from a conflict.
    request         TEXT NOT NULL,
    store_id        TEXT NOT NULL REFERENCES store (id),
    member_id       TEXT,
    -- Normalised (62...), as member.phone keeps it; never logged.
    phone           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN
                        ('placed', 'loaded', 'collected', 'expired', 'returned', 'cancelled')),
    -- JSON array of sale lines at list prices, and of the promotions'
    -- savings; total is the lines less the savings.
    lines           TEXT NOT NULL,
    discounts       TEXT NOT NULL DEFAULT '[]',
    total           INTEGER NOT NULL CHECK (total >= 0),
    -- Paid on its channel: the channel's reference (NULL when unpaid).
    paid_reference  TEXT,
    -- The central's payment that paid it, on its channel or at pickup.
    payment_id      TEXT REFERENCES payment (id),
    -- 1 once it is paid, either way.
    paid            INTEGER NOT NULL DEFAULT 0,
    deadline        TEXT NOT NULL,
    -- Unix seconds of deadline.
    deadline_s      INTEGER NOT NULL,
    compartment     INTEGER,
    -- The 6-digit pickup code while the order is in its compartment, its
    -- hash for kiosks, and the signed QR token.
    code            TEXT,
    code_hash       TEXT,
    token           TEXT,
    -- The Idempotency-Key of the collect that took it out: a replay of it
    -- is answered again, another collect is refused.
    collect_key     TEXT UNIQUE,
    unloaded_at     TEXT,
    created_at      TEXT NOT NULL
) WITHOUT ROWID;

-- A pickup code is unique among the orders of a store still to collect.
CREATE UNIQUE INDEX click_order_live_code ON click_order (store_id, code)
    WHERE code IS NOT NULL AND state IN ('placed', 'loaded');
CREATE INDEX click_order_due ON click_order (deadline_s) WHERE state IN ('placed', 'loaded');

-- Every change of an order, oldest first.
CREATE TABLE click_order_event (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES click_order (id),
    at       TEXT NOT NULL,
    state    TEXT NOT NULL,
    step     TEXT NOT NULL,
    device   TEXT,
    cause    TEXT NOT NULL
);

CREATE INDEX click_order_event_order ON click_order_event (order_id, seq);

-- Stock a live order holds at its store: what the store may sell is its
-- count less these. A cancel or an expiry deletes the rows; a collect
-- deletes them and lowers the count.
CREATE TABLE stock_reservation (
    order_id TEXT NOT NULL REFERENCES click_order (id),
    store_id TEXT NOT NULL REFERENCES store (id),
    barcode  TEXT NOT NULL,
    qty      INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (order_id, barcode)
) WITHOUT ROWID;

CREATE INDEX stock_reservation_item ON stock_reservation (store_id, barcode);

-- The payment a kiosk created to pay an unpaid order at pickup.
ALTER TABLE payment ADD COLUMN order_id TEXT;
CREATE INDEX payment_order ON payment (order_id) WHERE order_id IS NOT NULL;

-- Messages to customers, queued in the transaction of what caused them;
-- the notifier sends them and sets sent_at (or error).
CREATE TABLE customer_message (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   TEXT NOT NULL REFERENCES click_order (id),
    phone      TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    error      TEXT
);

CREATE INDEX customer_message_order ON customer_message (order_id, id);

-- Wrong typed pickup codes at a store: five in a row lock typed codes
-- there for a while (the QR still works).
CREATE TABLE pickup_code_lockout (
    store_id     TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until TEXT
) WITHOUT ROWID;

-- Goods brought back, from an order or a sale.
CREATE TABLE goods_return (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    request         TEXT NOT NULL,
    order_id        TEXT REFERENCES click_order (id),
    sale_id         TEXT REFERENCES sale (id),
    -- JSON array of the sale lines coming back.
    lines           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    refund_to       TEXT NOT NULL CHECK (refund_to IN ('qris', 'points')),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    payment_id      TEXT REFERENCES payment (id),
    member_id       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('awaiting_staff', 'confirmed')),
    device          TEXT,
    created_at      TEXT NOT NULL,
    confirmed_at    TEXT,
    confirmed_by    TEXT,
    CHECK ((order_id IS NULL) <> (sale_id IS NULL))
) WITHOUT ROWID;

-- How many of each product each return took back, to count what is left.
CREATE TABLE goods_return_line (
    return_id TEXT NOT NULL REFERENCES goods_return (id),
    barcode   TEXT NOT NULL,
    qty       INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (return_id, barcode)
) WITHOUT ROWID;

-- A return refunded to points credits the member with a `refund` line,
-- whose sale_id holds the return's id. SQLite changes a CHECK only by
-- rebuilding the table.
CREATE TABLE point_entry_new (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id TEXT NOT NULL REFERENCES member (id),
    delta     INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('opening', 'earn', 'redeem', 'refund')),
    sale_id   TEXT,
    at        TEXT NOT NULL,
    UNIQUE (sale_id, kind)
);
INSERT INTO point_entry_new (seq, member_id, delta, kind, sale_id, at)
SELECT seq, member_id, delta, kind, sale_id, at FROM point_entry;
DROP TABLE point_entry;
ALTER TABLE point_entry_new RENAME TO point_entry;
CREATE INDEX point_entry_member ON point_entry (member_id, seq);
