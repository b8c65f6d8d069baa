-- Click and collect at this kiosk: the orders in its store's lockers (so a
-- pickup works with no central), the compartments it opened for them, and
-- the wrong typed codes it counted.

-- The store whose lockers this kiosk serves is the setting pickup_store.
-- The manifest is replaced whole at every sync. code_hash is an argon2id
-- PHC string of CODE:LAST4; the phone number itself never reaches a kiosk.
CREATE TABLE pickup_manifest (
    order_id    TEXT PRIMARY KEY NOT NULL,
    compartment INTEGER NOT NULL,
    expires_at  TEXT NOT NULL,
    expires_s   INTEGER NOT NULL,
    code_hash   TEXT NOT NULL,
    paid        INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    synced_at   TEXT NOT NULL
) WITHOUT ROWID;

-- A compartment this kiosk opened for an order: written before the unlock
-- is sent, so a pickup code opens its compartment once, even across a
-- crash or a power cut. collect_key is the Idempotency-Key of the collect
-- the outbox carries to the central once the compartment is found empty.
CREATE TABLE pickup_opening (
    order_id     TEXT PRIMARY KEY NOT NULL,
    compartment  INTEGER NOT NULL,
    opened_at    TEXT NOT NULL,
    offline      INTEGER NOT NULL,
    payment_id   TEXT,
    collect_key  TEXT NOT NULL UNIQUE,
    confirmed_at TEXT
) WITHOUT ROWID;

-- Wrong typed pickup codes checked here with no central: five in a row
-- lock typed codes for a while, and a restart does not reset the count.
CREATE TABLE pickup_lockout (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    failures     INTEGER NOT NULL,
    locked_until TEXT
);
