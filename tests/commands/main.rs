//! The `swalayan` commands run as the real binary: the headless checkout
//! (with cuts of the network, members, restricted and weighed goods), the
//! locker commands against the simulated bank, pickup, and `qris`.

#[path = "../common/mod.rs"]
mod common;

mod checkout;
mod checkout_cut;
mod checkout_loyalty;
mod checkout_restricted;
mod checkout_weighed;
mod locker;
mod pickup;
mod qris;
