//! The shopper's cart: lines of products with quantities.

use serde::{Deserialize, Serialize};

use super::money::Rupiah;
use super::product::Product;
use super::restricted::Restriction;
use super::variable::Measure;

/// The most of one product a single line may hold; past it a scan is
/// refused, so a stuck scanner cannot run a total up.
pub const MAX_QTY: u32 = 99;

/// One product in the cart with its quantity, priced when it was added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub barcode: String,
    pub name: String,
    pub unit_price: Rupiah,
    pub qty: u32,
    /// The product's category, copied when the line is added, so that
    /// category promotions apply to a cart on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Who may buy it, copied from the product like the category.
    #[serde(default, skip_serializing_if = "Restriction::is_none")]
    pub restriction: Restriction,
    /// How many units of an age-restricted line a member of staff
    /// approved (see [`crate::domain::restricted::unapproved`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub approved: u32,
    /// For a variable-measure code (the barcode is the whole code): the
    /// weight or the price its label carries; `unit_price` is the
    /// package's price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Line {
    /// The line's total. Saturates rather than wraps: an absurd price gives
    /// an absurd total that the payment limit refuses, never a small one.
    pub fn total(&self) -> Rupiah {
        Rupiah(self.unit_price.0.saturating_mul(i64::from(self.qty)))
    }
}

/// Why the cart refused a change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CartError {
    #[error("{barcode} is not in the cart")]
    NotInCart { barcode: String },
    #[error("at most {MAX_QTY} of one product per line")]
    TooMany,
}

/// The lines in the order they were first scanned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    lines: Vec<Line>,
    /// The id of the central's cart this one continues (opened from a
    /// hand-off code); paying this cart closes that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    central_id: Option<String>,
}

impl Cart {
    pub fn new() -> Cart {
        Cart::default()
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Adds one of `product`: a new line, or one more on its existing line.
    pub fn add(&mut self, product: &Product) -> Result<(), CartError> {
        self.add_item(product, None)
    }

    /// Adds one of `product` as a code found it, with the weight or price
    /// of a variable-measure label: the same label twice is one line of two.
    pub fn add_item(
        &mut self,
        product: &Product,
        measure: Option<Measure>,
    ) -> Result<(), CartError> {
        match self.lines.iter_mut().find(|l| l.barcode == product.barcode) {
            Some(line) if line.qty >= MAX_QTY => Err(CartError::TooMany),
            Some(line) => {
                line.qty += 1;
                Ok(())
            }
            None => {
                self.lines.push(Line {
                    barcode: product.barcode.clone(),
                    name: product.name.clone(),
                    unit_price: product.price,
                    qty: 1,
                    category: product.category.clone(),
                    restriction: product.restriction,
                    approved: 0,
                    measure,
                });
                Ok(())
            }
        }
    }

    /// Sets the quantity of a line; zero removes it.
    pub fn set_qty(&mut self, barcode: &str, qty: u32) -> Result<(), CartError> {
        if qty > MAX_QTY {
            return Err(CartError::TooMany);
        }
        let i = self.position(barcode)?;
        if qty == 0 {
            self.lines.remove(i);
        } else {
            self.lines[i].qty = qty;
        }
        Ok(())
    }

    /// One more of a line already in the cart.
    pub fn increment(&mut self, barcode: &str) -> Result<(), CartError> {
        let i = self.position(barcode)?;
        self.set_qty(barcode, self.lines[i].qty + 1)
    }

    /// One fewer of a line; the last one removes the line.
    pub fn decrement(&mut self, barcode: &str) -> Result<(), CartError> {
        let i = self.position(barcode)?;
        self.set_qty(barcode, self.lines[i].qty - 1)
    }

    pub fn remove(&mut self, barcode: &str) -> Result<(), CartError> {
        self.set_qty(barcode, 0)
    }

    /// Notes that a member of staff approved `qty` units of a line (an
    /// age-restricted one); a line no longer in the cart is left alone.
    pub fn approve(&mut self, barcode: &str, qty: u32) {
        if let Some(line) = self.lines.iter_mut().find(|l| l.barcode == barcode) {
            line.approved = line.approved.max(qty);
        }
    }

    /// The number of items, counting quantities.
    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    /// The cart's total; saturates like [`Line::total`].
    pub fn total(&self) -> Rupiah {
        Rupiah(self.lines.iter().fold(0i64, |sum, l| sum.saturating_add(l.total().0)))
    }

    /// Empties the cart for the next shopper, forgetting the central cart
    /// it continued too.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.central_id = None;
    }

    /// The id of the central's cart this one continues, if it was opened
    /// from a hand-off code.
    pub fn central_id(&self) -> Option<&str> {
        self.central_id.as_deref()
    }

    pub fn set_central_id(&mut self, id: Option<String>) {
        self.central_id = id;
    }

    fn position(&self, barcode: &str) -> Result<usize, CartError> {
        self.lines
            .iter()
            .position(|l| l.barcode == barcode)
            .ok_or_else(|| CartError::NotInCart { barcode: barcode.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(barcode: &str, price: i64) -> Product {
        Product {
            barcode: barcode.into(),
            name: barcode.into(),
            price: Rupiah(price),
            category: None,
            restriction: Restriction::None,
        }
    }

    #[test]
    fn same_product_twice_is_one_line_of_two() {
        let mut cart = Cart::new();
        cart.add(&product("8991234567890", 3_500)).unwrap();
        cart.add(&product("8991234567890", 3_500)).unwrap();
        cart.add(&product("8990000000017", 12_000)).unwrap();
        assert_eq!(cart.lines().len(), 2);
        assert_eq!(cart.lines()[0].qty, 2);
        assert_eq!(cart.lines()[0].total(), Rupiah(7_000));
        // 2 x 3.500 + 12.000
        assert_eq!(cart.total(), Rupiah(19_000));
        assert_eq!(cart.item_count(), 3);
    }

    #[test]
    fn decrement_to_zero_removes_the_line() {
        let mut cart = Cart::new();
        cart.add(&product("1", 1_000)).unwrap();
        cart.increment("1").unwrap();
        cart.decrement("1").unwrap();
        assert_eq!(cart.lines()[0].qty, 1);
        cart.decrement("1").unwrap();
        assert!(cart.is_empty());
        assert_eq!(cart.decrement("1"), Err(CartError::NotInCart { barcode: "1".into() }));
    }

    #[test]
    fn absurd_prices_saturate_instead_of_wrapping() {
        // 3 x 6148914691236517539 wraps to 1001 in i64; the cart must not.
        let mut cart = Cart::new();
        let p = product("1", 6_148_914_691_236_517_539);
        for _ in 0..3 {
            cart.add(&p).unwrap();
        }
        assert_eq!(cart.total(), Rupiah(i64::MAX));
        cart.add(&product("2", i64::MAX)).unwrap();
        assert_eq!(cart.total(), Rupiah(i64::MAX));
    }

    #[test]
    fn refuses_more_than_the_line_limit() {
        let mut cart = Cart::new();
        cart.add(&product("1", 1_000)).unwrap();
        cart.set_qty("1", MAX_QTY).unwrap();
        assert_eq!(cart.add(&product("1", 1_000)), Err(CartError::TooMany));
        assert_eq!(cart.total(), Rupiah(99_000));
    }
}
