//! The reference central and the device's client of it, over HTTP on
//! loopback port 0: carts, payments and the DOKU gateway, loyalty, orders,
//! returns, stock, pictures, promotions and the outbox.
//!
//! One test binary for all of them: each binary links the whole of
//! swalayan, and one is far quicker to build and smaller on disk than a
//! dozen.

#[path = "../common/mod.rs"]
mod common;
mod fake_doku;

mod api;
mod carts;
mod central_doku;
mod doku;
mod loyalty;
mod loyalty_device;
mod loyalty_regressions;
mod money;
mod orders;
mod outbox;
mod payments;
mod pictures;
mod pricing;
mod returns;
mod stock;
