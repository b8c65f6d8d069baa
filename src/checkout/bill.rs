//! What a checkout pays: the cart priced for one shopper at one time, with
//! the member, the vouchers and the points, kept whole from the screen to
//! the payment, the open-payment row and the sale.
//!
//! The sale's lines keep their list prices (`unit_price * qty`); what the
//! promotions took off is in the sale's `discounts`, so
//! `lines - discounts = total` and `payment + points_redeemed = total`, which
//! the central checks.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Device, DeviceError, IdentifiedMember, Result};
use crate::central::api::{NewPayment, NewTransaction, Payment, SaleLine};
use crate::domain::Rupiah;
use crate::domain::cart::Cart;
use crate::domain::loyalty::{self, Tier};
use crate::domain::pricing::{
    self, MemberFacts, Priced, Promotions, Shopper, VoucherStatus, jakarta,
};

/// What the shopper asked for at the till: the cart, who they are, their
/// voucher codes and the points they want to spend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkout {
    pub cart: Cart,
    pub member: Option<IdentifiedMember>,
    /// Voucher codes as typed or scanned.
    pub vouchers: Vec<String>,
    /// Points to redeem; needs a member.
    pub points: u64,
}

impl From<Cart> for Checkout {
    /// An anonymous checkout of `cart`: no member, no voucher, no points.
    fn from(cart: Cart) -> Checkout {
        Checkout { cart, ..Default::default() }
    }
}

/// A checkout priced: what the payment is for and what the sale records.
///
/// Stored as JSON in the device's open-payment row, so a run that stops
/// after the payment was asked for settles the same figures afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub cart: Cart,
    /// The member the promotions saw; they earn points on the sale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberFacts>,
    /// Points redeemed: they pay part of `priced.total`.
    #[serde(default)]
    pub points: u64,
    /// The cart priced from the device cache; `priced.vouchers` says what
    /// became of each code given.
    pub priced: Priced,
    /// The time priced at, RFC 3339 in Jakarta time.
    pub priced_at: String,
}

impl Bill {
    /// A bill of a bare cart at its list prices: how the open payments of
    /// earlier versions, which stored only the cart, are settled.
    pub fn unpriced(cart: Cart) -> Bill {
        let at = chrono::Utc::now().with_timezone(&jakarta());
        let priced = pricing::price(cart.lines(), &Promotions::default(), &Shopper::default(), at);
        Bill { cart, member: None, points: 0, priced, priced_at: at.to_rfc3339() }
    }

    /// Reads a bill from an open-payment row: a bill, or the bare cart an
    /// earlier version wrote.
    pub fn from_stored(value: serde_json::Value) -> serde_json::Result<Bill> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Bill(Box<Bill>),
            Cart(Cart),
        }
        Ok(match serde_json::from_value(value)? {
            Stored::Bill(bill) => *bill,
            Stored::Cart(cart) => Bill::unpriced(cart),
        })
    }

    /// The total after every discount, before points.
    pub fn total(&self) -> Rupiah {
        self.priced.total
    }

    /// What the QRIS payment asks: the total less the points redeemed.
    pub fn amount(&self) -> Rupiah {
        Rupiah(self.priced.total.0.saturating_sub(i64::try_from(self.points).unwrap_or(i64::MAX)))
    }

    /// The voucher codes spent with this sale (normalised), in the order
    /// given.
    pub fn vouchers(&self) -> Vec<String> {
        self.priced
            .vouchers
            .iter()
            .filter(|v| v.status == VoucherStatus::Applied)
            .map(|v| v.code.clone())
            .collect()
    }

    /// The points the member earns, by [`loyalty::points_earned`] on what
    /// they pay with money.
    pub fn points_earned(&self) -> u64 {
        earned(self.member.as_ref(), self.amount())
    }

    /// The body of the payment's creation. A retry must send the same, or
    /// the central refuses the key.
    pub fn new_payment(&self) -> NewPayment {
        NewPayment {
            amount: self.amount(),
            cart: self.cart.central_id().map(str::to_owned),
            member: self.member.as_ref().map(|m| m.id.clone()),
            points: self.points,
            vouchers: self.vouchers(),
            ..Default::default()
        }
    }

    /// The sale's lines at list prices.
    pub fn sale_lines(&self) -> Vec<SaleLine> {
        self.priced.lines.iter().map(SaleLine::from).collect()
    }

    /// The sale `payment` settles. One payment settles one sale, so the
    /// payment id makes the key.
    pub fn sale(&self, device_id: &str, payment: &Payment) -> NewTransaction {
        NewTransaction {
            idempotency_key: format!("sale-{}", payment.id),
            device_id: device_id.to_owned(),
            payment_id: payment.id.clone(),
            lines: self.sale_lines(),
            total: self.total(),
            discounts: self.priced.discounts.clone(),
            cart: self.cart.central_id().map(str::to_owned),
            member: self.member.as_ref().map(|m| m.id.clone()),
            points_redeemed: self.points,
            vouchers: self.vouchers(),
            points_earned: self.points_earned(),
        }
    }
}

/// The points a member (if any) earns for paying `paid` with money.
pub fn earned(member: Option<&MemberFacts>, paid: Rupiah) -> u64 {
    member.and_then(|m| Tier::parse(&m.tier)).map_or(0, |tier| loyalty::points_earned(tier, paid))
}

/// What the promotions may know of an identified member.
pub fn member_facts(m: &IdentifiedMember) -> MemberFacts {
    MemberFacts::new(&m.id, m.tier.as_str(), m.birthday.as_deref())
}

/// Checks `points` to redeem against a total: a member must be known, and
/// the points are at most what they have free (when known) and at most
/// `total - 1`, so the QRIS payment is at least Rp 1.
pub fn check_redeem(
    member: Option<&IdentifiedMember>,
    points: u64,
    total: Rupiah,
) -> std::result::Result<(), DeviceError> {
    if points == 0 {
        return Ok(());
    }
    let Some(member) = member else { return Err(DeviceError::PointsNeedMember) };
    if let Some(available) = member.points
        && points > available
    {
        return Err(DeviceError::PointsOverAvailable { asked: points, available });
    }
    let most = loyalty::redeem_cap(total, u64::MAX);
    if points > most {
        return Err(DeviceError::PointsOverCap { asked: points, most, total });
    }
    Ok(())
}

impl Device {
    /// Prices `checkout` now from the device cache; see [`Device::bill_at`].
    pub async fn bill(&self, checkout: Checkout) -> Result<Bill> {
        self.bill_at(checkout, chrono::Utc::now().with_timezone(&jakarta())).await
    }

    /// Prices `checkout` at `at` from the device cache (catalog and
    /// promotions as last synced) and checks that it can be paid: every
    /// voucher applies, the points are the member's and within the cap, and
    /// what is left fits one QRIS payment. A refusal names the figures;
    /// nothing has been asked of the central.
    pub async fn bill_at(&self, checkout: Checkout, at: DateTime<FixedOffset>) -> Result<Bill> {
        let Checkout { cart, member, vouchers, points } = checkout;
        if cart.is_empty() {
            return Err(DeviceError::EmptyCart);
        }
        if points > 0 && member.is_none() {
            return Err(DeviceError::PointsNeedMember);
        }
        let facts = member.as_ref().map(member_facts);
        let shopper = Shopper { member: facts.clone(), vouchers };
        let priced = self.price(&pricing::requested(cart.lines()), &shopper, at).await?;
        if let Some(v) = priced.vouchers.iter().find(|v| v.status != VoucherStatus::Applied) {
            return Err(DeviceError::Voucher {
                code: v.code.clone(),
                reason: v.reason.clone().unwrap_or_else(|| "it does not apply".into()),
            });
        }
        check_redeem(member.as_ref(), points, priced.total)?;
        let bill = Bill { cart, member: facts, points, priced, priced_at: at.to_rfc3339() };
        if bill.amount().0 < 1 {
            return Err(DeviceError::NothingToPay { total: bill.total() });
        }
        if bill.amount() > Rupiah::QRIS_MAX {
            return Err(DeviceError::OverQrisLimit { total: bill.amount() });
        }
        Ok(bill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_cart_of_an_earlier_version_reads_as_a_bill_at_list_prices() {
        let stored = serde_json::json!({"lines": [
            {"barcode": "8991101000070", "name": "MamyPoko", "unit_price": 89000, "qty": 2}
        ]});
        let bill = Bill::from_stored(stored).unwrap();
        assert_eq!(bill.total(), Rupiah(178_000));
        assert_eq!(bill.amount(), Rupiah(178_000));
        assert!(bill.priced.discounts.is_empty());
        assert_eq!(bill.new_payment().member, None);
        // And a bill reads back as itself.
        let again = Bill::from_stored(serde_json::to_value(&bill).unwrap()).unwrap();
        assert_eq!(again, bill);
    }

    #[test]
    fn points_are_refused_without_a_member_past_the_balance_and_past_the_cap() {
        let member = IdentifiedMember {
            id: "M0006".into(),
            tier: Tier::Platinum,
            name: None,
            points: Some(800),
            birthday: None,
            checked: super::super::Checked::Online,
        };
        assert!(matches!(check_redeem(None, 1, Rupiah(5_000)), Err(DeviceError::PointsNeedMember)));
        assert!(matches!(
            check_redeem(Some(&member), 801, Rupiah(5_000)),
            Err(DeviceError::PointsOverAvailable { asked: 801, available: 800 })
        ));
        // A Rp 500 total leaves room for 499 points.
        assert!(matches!(
            check_redeem(Some(&member), 500, Rupiah(500)),
            Err(DeviceError::PointsOverCap { asked: 500, most: 499, .. })
        ));
        assert!(check_redeem(Some(&member), 499, Rupiah(500)).is_ok());
        assert!(check_redeem(Some(&member), 800, Rupiah(5_000)).is_ok());
    }
}
