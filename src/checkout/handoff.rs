//! Carts handed between channels, on the device: opening a hand-off code
//! scanned at the kiosk, and handing the kiosk's cart to the shopper's
//! phone ("continue on phone").

use std::collections::HashMap;

use tracing::info;

use super::{Device, DeviceError, Result};
use crate::central::api::{CartView, Channel, NewCart, NewCartLine};
use crate::central::client::ClientError;
use crate::domain::cart::Cart;
use crate::domain::handoff::{self, Change, ChannelLine};

/// A cart from another channel, continued at this kiosk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCart {
    /// What this kiosk sells of it, at its prices; paying it closes the
    /// central's cart ([`Cart::central_id`]).
    pub cart: Cart,
    /// What changed from the channel's cart, in its line order.
    pub changes: Vec<Change>,
    /// The cart as the central keeps it: member, channel, the channel's
    /// prices and promotions, expiry.
    pub central: CartView,
}

impl Device {
    /// Opens the cart behind a hand-off code, with no stock data (every
    /// product the catalog holds is taken to be on the shelf).
    pub async fn open_cart(&self, code: &str) -> Result<OpenedCart> {
        self.open_cart_with_stock(code, |_| async { None }).await
    }

    /// Opens the cart behind a hand-off code: asks the central for it, then
    /// continues it with this kiosk's catalog and with `stock`, which says
    /// how many of a barcode this store has (`None`: not known).
    pub async fn open_cart_with_stock<F, Fut>(&self, code: &str, stock: F) -> Result<OpenedCart>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Option<u32>>,
    {
        let central = self.client.open_cart(code).await.map_err(refused_cart)?;
        let lines: Vec<ChannelLine> = central
            .lines
            .iter()
            .map(|l| ChannelLine {
                barcode: l.barcode.clone(),
                name: l.name.clone(),
                qty: l.qty,
                unit_price: l.unit_price,
            })
            .collect();
        let barcodes: Vec<String> = lines.iter().map(|l| l.barcode.clone()).collect();
        let wanted = barcodes.clone();
        let products = self
            .with_store_blocking(move |s| {
                let mut found = HashMap::new();
                for b in wanted {
                    if let Some(p) = s.product(&b)? {
                        found.insert(b, p);
                    }
                }
                Ok(found)
            })
            .await?;
        // Tobacco is not sold at a self-service machine: such a line
        // leaves the cart as not sold here.
        let mut products = products;
        products.retain(|_, p| p.restriction != crate::domain::restricted::Restriction::Tobacco);
        let mut on_hand = HashMap::new();
        for b in barcodes.into_iter().filter(|b| products.contains_key(b)) {
            if let Some(n) = stock(b.clone()).await {
                on_hand.insert(b, n);
            }
        }
        let mut done = handoff::continue_here(&lines, |b| products.get(b).cloned(), &|b: &str| {
            on_hand.get(b).copied()
        });
        done.cart.set_central_id(Some(central.id.clone()));
        done.changes.extend(self.promotions_ended(&done.cart, &central).await?);
        info!(
            cart = central.id,
            channel = central.channel.as_str(),
            lines = done.cart.lines().len(),
            changes = done.changes.len(),
            "cart continued here"
        );
        Ok(OpenedCart { cart: done.cart, changes: done.changes, central })
    }

    /// The promotions the channel's price carried that this kiosk's price
    /// of `cart` does not. Priced for an anonymous shopper: promotions for
    /// members or with codes are left out, since they come back once the
    /// member identifies or gives the code here.
    async fn promotions_ended(&self, cart: &Cart, central: &CartView) -> Result<Vec<Change>> {
        use crate::domain::pricing::{self, Audience, Shopper};
        if central.promotions.is_empty() {
            return Ok(Vec::new());
        }
        let promotions = self.promotions().await?;
        let at = chrono::Utc::now().with_timezone(&pricing::jakarta());
        let priced = pricing::price(cart.lines(), &promotions, &Shopper::default(), at);
        let here: Vec<String> = priced.discounts.into_iter().map(|d| d.promotion).collect();
        let conditional = |id: &str| {
            promotions.get(id).is_some_and(|p| {
                !matches!(p.audience, Audience::Everyone)
                    || p.birthday_within_days.is_some()
                    || !p.codes.is_empty()
            })
        };
        let channel: Vec<String> =
            central.promotions.iter().filter(|id| !conditional(id)).cloned().collect();
        Ok(handoff::promotions_ended(&channel, &here))
    }

    /// Hands `cart` to the shopper's phone: stores it on the central as a
    /// `kiosk` cart (for `member`, if one identified) and returns it with
    /// the hand-off code to show as a QR.
    pub async fn hand_off(&self, cart: &Cart, member: Option<&str>) -> Result<CartView> {
        if cart.is_empty() {
            return Err(DeviceError::EmptyCart);
        }
        let body = NewCart {
            lines: cart
                .lines()
                .iter()
                .map(|l| NewCartLine { barcode: l.barcode.clone(), qty: l.qty })
                .collect(),
            member: member.map(str::to_owned),
            channel: Channel::Kiosk,
        };
        let view = self.client.create_cart(&body).await.map_err(refused_cart)?;
        info!(cart = view.id, lines = view.lines.len(), "cart handed off");
        Ok(view)
    }
}

/// A refusal of the central about a cart, as the shopper is told it; other
/// failures (unreachable) stay as they are.
fn refused_cart(e: ClientError) -> DeviceError {
    match e {
        ClientError::Refused { status, code, message, .. } if status.is_client_error() => {
            DeviceError::CartRefused { code, message }
        }
        e => DeviceError::Central(e),
    }
}
