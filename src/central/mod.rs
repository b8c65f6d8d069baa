//! The retailer's central API: the wire types, the device's client, and the
//! reference server that runs the same API on one machine.

pub mod api;
pub mod client;
pub mod server;
