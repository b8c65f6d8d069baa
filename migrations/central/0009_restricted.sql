-- Who may buy a product at a kiosk: '' (anyone), 'age21' (a member of staff
-- approves the sale), 'tobacco' (never sold at a self-service machine).
ALTER TABLE product ADD COLUMN restriction TEXT NOT NULL DEFAULT '';

-- What devices report of staff approvals of age-restricted items, failed
-- PIN attempts and lockouts, as their outbox delivers it; the device's id
-- and its own entry number make a replay land once.
CREATE TABLE audit_event (
    device    TEXT NOT NULL,
    entry     INTEGER NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    staff_id  TEXT,
    visit     TEXT,
    items     TEXT NOT NULL,
    hash      TEXT NOT NULL,
    received  TEXT NOT NULL,
    PRIMARY KEY (device, entry)
) WITHOUT ROWID;
