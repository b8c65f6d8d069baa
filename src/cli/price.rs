//! `swalayan price`: prices a cart file from the device cache, without
//! paying, and prints the receipt's shape.

use std::path::PathBuf;

use anyhow::Context;
use serde::Serialize;
use tracing::warn;

use crate::central::api::PriceRequest;
use crate::central::client::Client;
use crate::central::server::pricing::price_time;
use crate::checkout::{Device, default_data_dir};
use crate::domain::Rupiah;
use crate::domain::pricing::{Discount, MemberFacts, PricedLine, Shopper, VoucherOutcome};

pub struct PriceOptions {
    pub central: String,
    pub cart: PathBuf,
    pub data_dir: Option<PathBuf>,
}

/// What `swalayan price` prints: the receipt's fields, nothing paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriceReceipt {
    pub lines: Vec<PricedLine>,
    pub subtotal: Rupiah,
    pub discounts: Vec<Discount>,
    pub total: Rupiah,
    pub points_earned: u64,
    pub points_redeemed: u64,
    pub vouchers: Vec<VoucherOutcome>,
    /// The time priced at, RFC 3339 in Jakarta time.
    pub at: String,
    /// True if and only if the central answered the sync; false when the
    /// cache as last synced was used.
    pub synced: bool,
}

/// Syncs if the central answers (warns and uses the cache if not), then
/// prices from the cache only.
pub async fn run(opts: PriceOptions) -> anyhow::Result<PriceReceipt> {
    let text = tokio::fs::read_to_string(&opts.cart)
        .await
        .with_context(|| format!("cannot read the cart file {}", opts.cart.display()))?;
    let cart: PriceRequest = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a cart file", opts.cart.display()))?;
    let at = price_time(cart.at.as_deref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", opts.cart.display()))?;
    let client = Client::new(&opts.central)?;
    let data_dir = opts.data_dir.unwrap_or_else(default_data_dir);
    let device = Device::open(&data_dir, client)
        .with_context(|| format!("cannot open the device data in {}", data_dir.display()))?;
    let synced = match device.sync_catalog().await {
        Ok(_) => true,
        Err(e) => {
            warn!(error = %e, "sync failed; pricing from the device cache");
            false
        }
    };
    let points_member = cart.member.clone();
    let shopper = Shopper { member: cart.member, vouchers: cart.vouchers };
    let priced = device
        .price(&cart.lines, &shopper, at)
        .await
        .with_context(|| format!("cannot price {}", opts.cart.display()))?;
    Ok(PriceReceipt {
        points_earned: points_earned(points_member.as_ref(), priced.total),
        points_redeemed: 0,
        lines: priced.lines,
        subtotal: priced.subtotal,
        discounts: priced.discounts,
        total: priced.total,
        vouchers: priced.vouchers,
        at: at.to_rfc3339(),
        synced,
    })
}

/// Points for paying `paid`: per full Rp 1.000, silver 1, gold 2, platinum
/// 3 (the rule of the issue 4 plan).
// TODO: the loyalty module (src/domain/loyalty.rs) owns this rule; call it
// here once it is merged, so the two cannot differ.
fn points_earned(member: Option<&MemberFacts>, paid: Rupiah) -> u64 {
    let per_thousand = match member.map(|m| m.tier.as_str()) {
        Some("silver") => 1,
        Some("gold") => 2,
        Some("platinum") => 3,
        _ => 0,
    };
    (paid.0.max(0) as u64 / 1_000) * per_thousand
}
