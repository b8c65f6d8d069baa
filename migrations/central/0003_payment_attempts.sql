-- Each try at having the gateway issue a payment's code is an attempt with
-- its own partner reference: the payment id for the first, `{id}-{n}` for
-- the n-th. A retry after an attempt whose outcome is unknown (a time-out
-- after DOKU registered the code) is then never refused as a duplicate; the
-- earlier attempt is cancelled at the gateway first.
ALTER TABLE payment ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE payment ADD COLUMN attempt_ref TEXT;
UPDATE payment SET attempt_ref = id;
CREATE UNIQUE INDEX payment_attempt_ref ON payment (attempt_ref);
-- A payment without a code may have one at the gateway from an attempt
-- whose answer was lost: the poller cancels it there.
UPDATE payment SET gateway_open = 1 WHERE qris IS NULL;
