-- What unloading an expired or cancelled order did with its money, so that
-- a replayed unload answers the same and finishes a refund it started:
-- 'unpaid', 'held' (policy hold), 'refunded' (policy full, through the
-- central's payment) or 'channel' (paid on its channel: refunded there).
ALTER TABLE click_order ADD COLUMN unload_outcome TEXT
    CHECK (unload_outcome IN ('unpaid', 'held', 'refunded', 'channel'));
