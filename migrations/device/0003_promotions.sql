-- The central's promotion set as last synced, so pricing works offline:
-- one row, the set as the central sent it (JSON) and its version, which the
-- next sync sends so that an unchanged set is not sent again.
CREATE TABLE promotion_set (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    version   TEXT NOT NULL,
    body      TEXT NOT NULL,
    synced_at TEXT NOT NULL
);
