//! The real kiosk screens, driven through Slint's testing backend against
//! a real central on port 0: a shopper's visit from every side, the
//! lockers, staff, accessibility by measurement and the `.slint` sources.
//!
//! Slint's testing backend can be set up once a process, so each story
//! runs in a process of its own, one after another: see
//! [`kiosk_ui::in_own_process`].

mod access_walk;
#[path = "../common/mod.rs"]
mod common;
mod kiosk_ui;

mod access;
mod cart;
mod colour;
mod member;
mod payment;
mod pickup;
mod pickup_pay;
mod restricted;
mod returns;
mod sale;
mod source;
mod staff;
mod timing;
mod weighed;
