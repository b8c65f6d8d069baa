-- What promotions took off a sale's lines, as the device priced it: a JSON
-- list of {"promotion": ID, "amount": N}. A sale's total is its lines less
-- these; sales recorded before promotions have none.
ALTER TABLE sale ADD COLUMN discounts TEXT NOT NULL DEFAULT '[]';
