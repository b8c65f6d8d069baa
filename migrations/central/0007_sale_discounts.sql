-- What promotions took off a sale's lines, as the device priced it: a JSON
-- list of {"promotion": ID, "amount": N}. A sale's total is its lines less
-- these; sales recorded before promotions have none.
ALTER TABLE sale ADD COLUMN discounts TEXT NOT NULL DEFAULT '[]';
-- The central's own price of a sale's lines (its catalog and promotions at
-- the time the payment was made), kept only when it differs from the
-- device's total: a device priced from a stale cache is found here.
ALTER TABLE sale ADD COLUMN central_total INTEGER;
