-- The cart a payment pays. A cart is paid by one payment at a time: while
-- one is pending (and not past its time) or paid, another is refused, so
-- two shoppers continuing one cart on two kiosks are never both charged.
ALTER TABLE payment ADD COLUMN cart_id TEXT;
CREATE INDEX payment_cart ON payment (cart_id) WHERE cart_id IS NOT NULL;
