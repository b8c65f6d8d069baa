-- Payments through a gateway: failed and refunded states, the gateway's
-- name and reference, a history of every change, and refunds.
--
-- SQLite cannot change a CHECK constraint, so the payment table is rebuilt
-- and its rows copied. Foreign keys are off during migrations (the default),
-- so sale's reference to payment survives the swap.

CREATE TABLE payment_new (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reference       TEXT,
    -- NULL until the gateway issued the code: a payment whose creation did
    -- not reach the gateway is finished by a retry with the same key.
    qris            TEXT,
    status          TEXT NOT NULL CHECK (status IN
                        ('pending', 'paid', 'expired', 'cancelled', 'failed', 'refunded')),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    -- Unix milliseconds of expires_at, for comparisons.
    expires_ms      INTEGER NOT NULL,
    settled_at      TEXT,
    gateway         TEXT NOT NULL,
    gateway_ref     TEXT,
    -- 1 while the gateway may still take money for this code: pending, or
    -- ended on the central (cancelled, expired) before the gateway confirmed
    -- the code closed. The poller asks the gateway about these.
    gateway_open    INTEGER NOT NULL DEFAULT 0,
    -- For a payment paid after it ended on the central: the Unix
    -- milliseconds when its automatic refund starts, unless a sale is
    -- recorded for it first. NULL otherwise.
    refund_due_ms   INTEGER
) WITHOUT ROWID;

INSERT INTO payment_new (id, idempotency_key, amount, qris, status, created_at, expires_at,
                         expires_ms, settled_at, gateway, gateway_open)
SELECT id, idempotency_key, amount, qris, status, created_at, expires_at, expires_ms,
       settled_at, 'simulator', status = 'pending'
FROM payment;

DROP TABLE payment;
ALTER TABLE payment_new RENAME TO payment;

CREATE INDEX payment_gateway_open ON payment (gateway_open) WHERE gateway_open = 1;

CREATE TABLE payment_event (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT NOT NULL REFERENCES payment (id),
    at         TEXT NOT NULL,
    status     TEXT NOT NULL,
    cause      TEXT NOT NULL
);

CREATE INDEX payment_event_payment ON payment_event (payment_id, seq);

-- The payments made before history was kept get what is known of theirs.
INSERT INTO payment_event (payment_id, at, status, cause)
SELECT id, created_at, 'pending', 'created' FROM payment ORDER BY created_at;
INSERT INTO payment_event (payment_id, at, status, cause)
SELECT id, coalesce(settled_at, created_at), status, status || ' (before history was kept)'
FROM payment WHERE status <> 'pending' ORDER BY created_at;

CREATE TABLE refund (
    id              TEXT PRIMARY KEY NOT NULL,
    payment_id      TEXT NOT NULL REFERENCES payment (id),
    idempotency_key TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    created_at      TEXT NOT NULL,
    done_at         TEXT,
    UNIQUE (payment_id, idempotency_key)
) WITHOUT ROWID;
