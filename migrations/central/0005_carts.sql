-- Carts started on one channel (the web shop, the app, a kiosk) and
-- finished on another. A cart is open until a sale closes it or it expires;
-- its lines keep the prices the channel showed, so the kiosk that opens it
-- can say what changed.
CREATE TABLE cart (
    id         TEXT PRIMARY KEY NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('web', 'app', 'kiosk')),
    member_id  TEXT,
    -- JSON array of {barcode, name, qty, unit_price, line_total}.
    lines      TEXT NOT NULL,
    total      INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- Unix seconds of expires_at; the hand-off code expires at the same one.
    expires_s  INTEGER NOT NULL,
    closed_at  TEXT,
    -- The sale that closed it; set in the transaction that records the sale.
    sale_id    TEXT UNIQUE REFERENCES sale (id),
    CHECK ((status = 'closed') = (sale_id IS NOT NULL))
) WITHOUT ROWID;
