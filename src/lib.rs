//! swalayan: the application of an omnichannel retailer's self-service
//! kiosks and scan-and-go handhelds, and a reference central API.

pub mod central;
pub mod checkout;
pub mod cli;
pub mod domain;
pub mod kiosk;
pub mod locker;
pub mod scan;
pub mod staff;
pub mod store;
pub mod tokens;
