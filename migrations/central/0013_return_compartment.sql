-- Where a return's goods went at the kiosk: the compartment that opened
-- for them and how it ended, so staff know where to look, and which
-- refunded returns never had their goods put in.
ALTER TABLE goods_return ADD COLUMN compartment INTEGER;
-- 'stowed', 'door_not_opened', 'empty' or 'locker_failed'.
ALTER TABLE goods_return ADD COLUMN stowed TEXT
    CHECK (stowed IN ('stowed', 'door_not_opened', 'empty', 'locker_failed'));
ALTER TABLE goods_return ADD COLUMN stowed_at TEXT;
