-- When the kiosk gave an open payment up: the shopper was told on screen
-- that it is over (cancelled, expired, or no answer) before the central
-- said so. Such a payment never becomes a sale on this device: it is
-- cancelled, or, if it turns out paid, left to the central's refund of
-- payments made after the kiosk stopped waiting.
ALTER TABLE open_payment ADD COLUMN given_up_at TEXT;
