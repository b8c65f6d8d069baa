//! A cart handed from another channel (the web shop, the app, another
//! kiosk), continued here: what this kiosk can sell of it, at its own
//! prices and stock, and what changed for the shopper.
//!
//! The rules, in the order they are applied to each of the channel's lines:
//!
//! 1. A product this kiosk's catalog does not hold is dropped
//!    ([`Change::NotSoldHere`]).
//! 2. A product with no stock here is dropped ([`Change::OutOfStock`]); one
//!    with fewer in stock than the cart asks is kept at the quantity in
//!    stock ([`Change::FewerInStock`]). A product whose stock is not known
//!    (no stock data, the central out of reach) is kept as asked: the
//!    shopper may be holding it.
//! 3. A kept product takes this kiosk's name and price; a price that is not
//!    the one the channel showed is told ([`Change::PriceChanged`]).
//!
//! Promotions the channel applied that no longer apply here are found by
//! [`promotions_ended`] once the cart is priced here.

use std::fmt;

use serde::Serialize;

use super::Rupiah;
use super::cart::{Cart, MAX_QTY};
use super::product::Product;

/// One line of a cart as its channel showed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelLine {
    pub barcode: String,
    pub name: String,
    pub qty: u32,
    pub unit_price: Rupiah,
}

/// How many of a product this store has, if that is known.
pub trait StockLookup {
    /// The quantity on hand here; `None` when it is not known.
    fn on_hand(&self, barcode: &str) -> Option<u32>;
}

impl<F: Fn(&str) -> Option<u32>> StockLookup for F {
    fn on_hand(&self, barcode: &str) -> Option<u32> {
        self(barcode)
    }
}

/// No stock data: every product is taken to be there.
pub struct NoStockData;

impl StockLookup for NoStockData {
    fn on_hand(&self, _barcode: &str) -> Option<u32> {
        None
    }
}

/// One difference between the channel's cart and the cart here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// This store does not sell the product; it left the cart.
    NotSoldHere { barcode: String, name: String, qty: u32 },
    /// None in stock here; it left the cart.
    OutOfStock { barcode: String, name: String, qty: u32 },
    /// Fewer in stock here than the cart asked; the cart holds what there is.
    FewerInStock { barcode: String, name: String, wanted: u32, here: u32 },
    /// The price here is not the one the channel showed.
    PriceChanged { barcode: String, name: String, was: Rupiah, now: Rupiah },
    /// A promotion the channel applied no longer applies.
    PromotionEnded { promotion: String },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::NotSoldHere { name, qty, .. } => {
                write!(f, "{name} (x{qty}) is not sold at this store")
            }
            Change::OutOfStock { name, qty, .. } => {
                write!(f, "{name} (x{qty}) is out of stock at this store")
            }
            Change::FewerInStock { name, wanted, here, .. } => {
                write!(f, "only {here} of {name} in stock here ({wanted} in the cart)")
            }
            Change::PriceChanged { name, was, now, .. } => {
                write!(f, "{name} costs {now} here ({was} in the cart)")
            }
            Change::PromotionEnded { promotion } => {
                write!(f, "promotion {promotion} no longer applies")
            }
        }
    }
}

/// The cart continued here and what changed, in the channel's line order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandOff {
    pub cart: Cart,
    pub changes: Vec<Change>,
}

/// Continues the channel's cart `lines` at this kiosk, with its `catalog`
/// and `stock` (see the module's rules).
///
/// A barcode on several lines counts as one line of their total; a quantity
/// past [`MAX_QTY`] is held at it (the central refuses such carts anyway).
pub fn continue_here(
    lines: &[ChannelLine],
    catalog: impl Fn(&str) -> Option<Product>,
    stock: &dyn StockLookup,
) -> HandOff {
    let mut merged: Vec<ChannelLine> = Vec::with_capacity(lines.len());
    for l in lines {
        match merged.iter_mut().find(|m| m.barcode == l.barcode) {
            Some(m) => m.qty = m.qty.saturating_add(l.qty),
            None => merged.push(l.clone()),
        }
    }
    let mut out = HandOff::default();
    for l in merged.into_iter().filter(|l| l.qty > 0) {
        let (barcode, name) = (l.barcode.clone(), l.name.clone());
        let Some(product) = catalog(&l.barcode) else {
            out.changes.push(Change::NotSoldHere { barcode, name, qty: l.qty });
            continue;
        };
        let wanted = l.qty.min(MAX_QTY);
        let qty = match stock.on_hand(&l.barcode) {
            Some(0) => {
                out.changes.push(Change::OutOfStock { barcode, name, qty: l.qty });
                continue;
            }
            Some(here) if here < wanted => {
                out.changes.push(Change::FewerInStock { barcode, name, wanted, here });
                here
            }
            _ => wanted,
        };
        if product.price != l.unit_price {
            out.changes.push(Change::PriceChanged {
                barcode: l.barcode.clone(),
                name: product.name.clone(),
                was: l.unit_price,
                now: product.price,
            });
        }
        // Neither can fail: the line is new (barcodes were merged) and qty
        // is 1 to MAX_QTY.
        let added = out.cart.add(&product).and_then(|()| out.cart.set_qty(&product.barcode, qty));
        debug_assert!(added.is_ok(), "{added:?}");
    }
    out
}

/// The promotions the channel applied (`channel`, by id) that do not apply
/// to the cart priced here (`here`), in the channel's order.
///
/// This is the hook for the promotions engine: the channel's cart records
/// the ids it applied, the kiosk prices its cart and passes the ids of the
/// discounts it got.
pub fn promotions_ended(channel: &[String], here: &[String]) -> Vec<Change> {
    let mut ended: Vec<Change> = Vec::new();
    for id in channel {
        let seen = ended
            .iter()
            .any(|c| matches!(c, Change::PromotionEnded { promotion } if promotion == id));
        if !here.contains(id) && !seen {
            ended.push(Change::PromotionEnded { promotion: id.clone() });
        }
    }
    ended
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(barcode: &str, name: &str, price: i64) -> Product {
        Product {
            barcode: barcode.into(),
            name: name.into(),
            price: Rupiah(price),
            category: None,
            restriction: Default::default(),
        }
    }

    fn line(barcode: &str, name: &str, qty: u32, price: i64) -> ChannelLine {
        ChannelLine { barcode: barcode.into(), name: name.into(), qty, unit_price: Rupiah(price) }
    }

    fn catalog(barcode: &str) -> Option<Product> {
        match barcode {
            "8992388101012" => Some(product(barcode, "Indomie Goreng", 3_500)),
            "8992761111113" => Some(product(barcode, "Aqua 600 ml", 4_000)),
            "8991002101517" => Some(product(barcode, "Teh Botol Sosro 450 ml", 6_000)),
            "8996001600146" => Some(product(barcode, "Kapal Api 165 g", 12_000)),
            _ => None,
        }
    }

    fn stock(barcode: &str) -> Option<u32> {
        match barcode {
            "8992761111113" => Some(1),
            "8991002101517" => Some(0),
            "8992388101012" => Some(50),
            _ => None,
        }
    }

    #[test]
    fn every_kind_of_change_in_the_channels_order() {
        let channel = [
            // Rp 3.100 on the web, Rp 3.500 here.
            line("8992388101012", "Indomie Goreng", 2, 3_100),
            // 3 asked, 1 in stock.
            line("8992761111113", "Aqua 600 ml", 3, 4_000),
            // Not in this catalog.
            line("8990000000001", "Roti Tawar Web Only", 1, 15_000),
            // None in stock.
            line("8991002101517", "Teh Botol Sosro 450 ml", 2, 6_000),
            // Stock unknown: kept as asked.
            line("8996001600146", "Kapal Api 165 g", 1, 12_000),
        ];
        let got = continue_here(&channel, catalog, &stock);
        let kept: Vec<(&str, u32, i64)> =
            got.cart.lines().iter().map(|l| (l.barcode.as_str(), l.qty, l.unit_price.0)).collect();
        assert_eq!(
            kept,
            [
                ("8992388101012", 2, 3_500),
                ("8992761111113", 1, 4_000),
                ("8996001600146", 1, 12_000)
            ]
        );
        // 2 x 3.500 + 1 x 4.000 + 1 x 12.000
        assert_eq!(got.cart.total(), Rupiah(23_000));
        assert_eq!(
            got.changes,
            [
                Change::PriceChanged {
                    barcode: "8992388101012".into(),
                    name: "Indomie Goreng".into(),
                    was: Rupiah(3_100),
                    now: Rupiah(3_500),
                },
                Change::FewerInStock {
                    barcode: "8992761111113".into(),
                    name: "Aqua 600 ml".into(),
                    wanted: 3,
                    here: 1,
                },
                Change::NotSoldHere {
                    barcode: "8990000000001".into(),
                    name: "Roti Tawar Web Only".into(),
                    qty: 1,
                },
                Change::OutOfStock {
                    barcode: "8991002101517".into(),
                    name: "Teh Botol Sosro 450 ml".into(),
                    qty: 2,
                },
            ]
        );
        assert_eq!(
            got.changes[0].to_string(),
            "Indomie Goreng costs Rp 3.500 here (Rp 3.100 in the cart)"
        );
    }

    #[test]
    fn the_same_cart_at_the_same_prices_changes_nothing() {
        let channel = [line("8996001600146", "Kapal Api 165 g", 2, 12_000)];
        let got = continue_here(&channel, catalog, &NoStockData);
        assert!(got.changes.is_empty(), "{:?}", got.changes);
        assert_eq!(got.cart.total(), Rupiah(24_000));
    }

    #[test]
    fn a_barcode_on_two_lines_is_one_line_and_stock_counts_their_sum() {
        // 1 + 2 = 3 Aqua asked, 1 in stock.
        let channel =
            [line("8992761111113", "Aqua", 1, 4_000), line("8992761111113", "Aqua", 2, 4_000)];
        let got = continue_here(&channel, catalog, &stock);
        assert_eq!(got.cart.lines().len(), 1);
        assert_eq!(got.cart.lines()[0].qty, 1);
        assert_eq!(
            got.changes,
            [Change::FewerInStock {
                barcode: "8992761111113".into(),
                name: "Aqua".into(),
                wanted: 3,
                here: 1
            }]
        );
    }

    #[test]
    fn promotions_the_channel_had_and_this_kiosk_does_not_have_ended() {
        let channel = ["PROMO-A".to_owned(), "PROMO-B".to_owned(), "PROMO-A".to_owned()];
        let here = ["PROMO-B".to_owned(), "PROMO-C".to_owned()];
        assert_eq!(
            promotions_ended(&channel, &here),
            [Change::PromotionEnded { promotion: "PROMO-A".into() }]
        );
        assert!(promotions_ended(&[], &here).is_empty());
    }

    #[test]
    fn changes_serialise_with_their_kind() {
        let c = Change::OutOfStock { barcode: "1".into(), name: "X".into(), qty: 2 };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"kind": "out_of_stock", "barcode": "1", "name": "X", "qty": 2})
        );
    }
}
