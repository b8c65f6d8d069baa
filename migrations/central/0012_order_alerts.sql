-- Alerts kiosks raise for staff about an order's compartment (a door left
-- open after a pickup), kept once per idempotency key so that an outbox
-- replay adds no second line to the order's history.
CREATE TABLE order_alert (
    idempotency_key TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES click_order (id),
    kind            TEXT NOT NULL,
    device          TEXT NOT NULL,
    compartment     INTEGER NOT NULL,
    opened_at       TEXT NOT NULL,
    at              TEXT NOT NULL,
    received        TEXT NOT NULL
);

CREATE INDEX order_alert_order ON order_alert (order_id);
