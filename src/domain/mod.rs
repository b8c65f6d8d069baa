//! Pure retail rules: no I/O, no clock, no randomness that is not passed in.

pub mod cart;
pub mod geo;
pub mod gtin;
pub mod handoff;
pub mod idle;
pub mod locker;
pub mod loyalty;
pub mod money;
pub mod order;
pub mod pickup;
pub mod pricing;
pub mod product;
pub mod qris;
pub mod recommend;
pub mod restricted;
pub mod returns;
pub mod speech;
pub mod variable;
pub mod visit;

pub use money::Rupiah;
pub use product::Product;
