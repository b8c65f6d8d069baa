-- Who may buy a product at a kiosk, from the catalog sync: '' (anyone),
-- 'age21' (staff approve the sale with their PIN), 'tobacco' (refused).
ALTER TABLE product ADD COLUMN restriction TEXT NOT NULL DEFAULT '';

-- The staff who may approve age-restricted sales, from the central, so
-- approval works offline. Only argon2id hashes (PHC strings) of the PINs.
CREATE TABLE staff (
    staff_id TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    pin_hash TEXT NOT NULL
) WITHOUT ROWID;

-- Failed PIN attempts at this device: five in a row lock approvals for a
-- while, and a restart does not reset the count.
CREATE TABLE pin_lockout (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    failures     INTEGER NOT NULL,
    locked_until TEXT
);

-- Approvals, failed PIN attempts and lockouts. Append-only: each entry's
-- hash covers the one before it, and the triggers refuse changes.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    -- 'approved', 'pin_failed' or 'locked_out'.
    kind      TEXT NOT NULL,
    staff_id  TEXT,
    -- The payment attempt the approval was for (its idempotency key).
    visit     TEXT,
    -- JSON: [{"barcode","name","qty"}] of the restricted lines.
    items     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
