-- What of a return's amount went to the member's points: all of it for a
-- refund to points; for a refund to QRIS of a sale paid partly with
-- points, the points' share (the payment refunded the rest).
ALTER TABLE goods_return ADD COLUMN points INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0);
UPDATE goods_return SET points = amount WHERE refund_to = 'points';
