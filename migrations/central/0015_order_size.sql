-- The compartment size an order needs (crate::domain::locker::Size): a
-- loading opens the smallest free compartment of that size or larger.
-- Orders placed before sizes existed need a small one.
ALTER TABLE click_order ADD COLUMN size TEXT NOT NULL DEFAULT 'S'
    CHECK (size IN ('S', 'M', 'L'));
