-- Loyalty: members, their points ledger, and the points and voucher codes
-- held by payments until the sale is recorded or the payment ends unpaid.

CREATE TABLE member (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    -- Normalised: 62 then the national number, digits only.
    phone      TEXT NOT NULL UNIQUE,
    tier       TEXT NOT NULL CHECK (tier IN ('silver', 'gold', 'platinum')),
    -- YYYY-MM-DD, or NULL.
    birthday   TEXT,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Every change of a member's balance; the balance is their sum. A sale
-- writes at most one `redeem` and one `earn` line, so a replayed sale can
-- never credit twice.
CREATE TABLE point_entry (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id TEXT NOT NULL REFERENCES member (id),
    delta     INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('opening', 'earn', 'redeem')),
    sale_id   TEXT,
    at        TEXT NOT NULL,
    UNIQUE (sale_id, kind)
);

CREATE INDEX point_entry_member ON point_entry (member_id, seq);

-- What a payment holds: the member it is for and the points it redeems.
-- `held` counts against the member's available points; `committed` once the
-- sale is recorded (the redeem line is then in point_entry); `released`
-- when the payment ended unpaid.
CREATE TABLE reservation (
    payment_id TEXT PRIMARY KEY NOT NULL REFERENCES payment (id),
    member_id  TEXT REFERENCES member (id),
    points     INTEGER NOT NULL CHECK (points >= 0),
    state      TEXT NOT NULL CHECK (state IN ('held', 'committed', 'released')),
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX reservation_held ON reservation (member_id) WHERE state = 'held';

-- The single-use voucher codes a payment holds, with the same states. A
-- code is held or used by one payment at most.
CREATE TABLE voucher_hold (
    payment_id TEXT NOT NULL REFERENCES payment (id),
    code       TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('held', 'committed', 'released')),
    PRIMARY KEY (payment_id, code)
) WITHOUT ROWID;

CREATE UNIQUE INDEX voucher_taken ON voucher_hold (code) WHERE state IN ('held', 'committed');

-- What a sale did to a member's points.
ALTER TABLE sale ADD COLUMN member_id TEXT;
ALTER TABLE sale ADD COLUMN points_redeemed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sale ADD COLUMN points_earned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sale ADD COLUMN vouchers TEXT NOT NULL DEFAULT '[]';
