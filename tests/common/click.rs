//! A central set up for click and collect: a small catalog, two stores
//! with known stock, one promotion, so every figure can be worked out by
//! hand.

use std::path::Path;

use swalayan::central::api::{LoadOrder, NewOrder, NewOrderLine, OrderView};
use swalayan::central::client::Client;
use swalayan::central::server::{Config, Running};

pub const POPOK: &str = "8991101000070";
pub const PISANG: &str = "8991101000179";
pub const SABUN: &str = "8991101000278";

/// Popok Rp 50.000, Pisang Rp 10.000 (fruit: final sale), Sabun Rp 7.500.
const CATALOG: &str = "barcode,name,price,category
8991101000070,Popok M 34,50000,bayi-ibu
8991101000179,Pisang Cavendish 1 kg,10000,buah-sayur
8991101000278,Sabun Mandi 90 g,7500,kebersihan-rumah
";

const STORES: &str = "store_id,name,city,latitude,longitude
KMG,Swalayan Demo Kemang,Jakarta Selatan,-6.2607,106.8137
BLM,Swalayan Demo Blok M,Jakarta Selatan,-6.2443,106.8004
";

/// At Kemang: 5 Popok, 10 Pisang, 4 Sabun.
const STOCK: &str = "store_id,barcode,qty
KMG,8991101000070,5
KMG,8991101000179,10
KMG,8991101000278,4
BLM,8991101000070,1
";

/// 10 % off Sabun.
const PROMOTIONS: &str = r#"
[[promotion]]
id = "SABUN-10"
name = "Sabun hemat 10%"
kind = "percent_off"
percent = 10
items = ["8991101000278"]
from = 2025-01-01
until = 2035-12-31
"#;

/// The config of a click-and-collect central keeping its files in `dir`.
pub fn config(dir: &Path) -> Config {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    Config {
        db: Some(dir.join("central.db")),
        catalog: Some(write("catalog.csv", CATALOG)),
        stores: Some(write("stores.csv", STORES)),
        stock: Some(write("stock.csv", STOCK)),
        promotions: Some(write("promotions.toml", PROMOTIONS)),
        ..Default::default()
    }
}

pub async fn start(dir: &Path) -> (Running, Client) {
    super::start(config(dir)).await
}

/// An order at Kemang for the demo member M0001's phone (last four
/// digits 0001), unpaid.
pub fn order(lines: &[(&str, u32)]) -> NewOrder {
    NewOrder {
        lines: lines
            .iter()
            .map(|(barcode, qty)| NewOrderLine { barcode: (*barcode).into(), qty: *qty })
            .collect(),
        store: "KMG".into(),
        member: None,
        phone: "0812-0000-0001".into(),
        paid: None,
        deadline: None,
        size: None,
    }
}

/// Places `order` and has staff S001 load it into `compartment` from the
/// kiosk `kiosk-1`.
pub async fn placed_and_loaded(client: &Client, order: &NewOrder, compartment: u32) -> OrderView {
    let key = format!("order-{compartment}-{}", order.lines.len());
    let placed = client.place_order(order, &key).await.unwrap();
    let load = LoadOrder { device: "kiosk-1".into(), compartment, staff_id: "S001".into() };
    client.load_order(&placed.id, &load).await.unwrap()
}

/// How many of `barcode` Kemang has on hand.
pub async fn on_hand(client: &Client, barcode: &str) -> u32 {
    client.stock(barcode, Some("KMG"), 0).await.unwrap().store.qty
}
