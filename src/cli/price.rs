//! `swalayan price`: prices a cart file from the device cache, without
//! paying, and prints the receipt's shape.

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::central::client::Client;
use crate::central::server::pricing::price_time;
use crate::checkout::{
    Checked, Device, IdentifiedMember, check_redeem, default_data_dir, earned, member_facts,
};
use crate::domain::Rupiah;
use crate::domain::loyalty::Tier;
use crate::domain::pricing::{
    Discount, LineRequest, MemberFacts, PricedLine, Shopper, VoucherOutcome,
};

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

/// The cart file: lines by barcode, the member (a code or phone number to
/// identify, or the facts themselves), voucher codes, points to redeem and
/// the time to price at. A field it does not know is refused, in the lines
/// and the member too, so a typo never passes silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CartFile {
    lines: Vec<FileLine>,
    /// Read by [`member_ref`], which names what is wrong in it.
    #[serde(default)]
    member: Option<serde_json::Value>,
    #[serde(default)]
    vouchers: Vec<String>,
    #[serde(default)]
    redeem_points: u64,
    #[serde(default)]
    at: Option<String>,
}

/// A line of the cart file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLine {
    barcode: String,
    qty: u32,
}

/// A member as a cart file names them.
#[derive(Debug)]
enum MemberRef {
    /// A member code (`SWM1...`) or phone number, identified like at the
    /// kiosk.
    Text(String),
    /// `{"id":..,"tier":..,"birthday":..}`, taken as given (no points
    /// balance known).
    Facts(MemberFacts),
}

/// Reads the cart file's `member`: text to identify, or an object of the
/// facts with no other field (a misspelt `birthday` would otherwise drop
/// the birthday offer without a word).
fn member_ref(value: serde_json::Value) -> Result<MemberRef, String> {
    const FIELDS: [&str; 3] = ["id", "tier", "birthday"];
    match value {
        serde_json::Value::String(text) => Ok(MemberRef::Text(text)),
        serde_json::Value::Object(fields) => {
            if let Some(key) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
                return Err(format!("unknown field `{key}`, expected `id`, `tier` or `birthday`"));
            }
            serde_json::from_value(serde_json::Value::Object(fields))
                .map(MemberRef::Facts)
                .map_err(|e| e.to_string())
        }
        other => Err(format!(
            "{other} is neither a member code or phone number (text) nor an object of \
             `id`, `tier` and `birthday`"
        )),
    }
}

/// Syncs if the central answers (warns and uses the cache if not), then
/// prices from the cache only.
pub async fn run(opts: PriceOptions) -> anyhow::Result<PriceReceipt> {
    let file = opts.cart.display();
    let text = tokio::fs::read_to_string(&opts.cart)
        .await
        .with_context(|| format!("cannot read the cart file {file}"))?;
    let cart: CartFile =
        serde_json::from_str(&text).with_context(|| format!("{file} is not a cart file"))?;
    let at = price_time(cart.at.as_deref()).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let member =
        cart.member.map(member_ref).transpose().map_err(|e| anyhow!("{file}: member: {e}"))?;
    let lines: Vec<LineRequest> =
        cart.lines.into_iter().map(|l| LineRequest { barcode: l.barcode, qty: l.qty }).collect();
    let client = Client::new(&opts.central)?;
    let data_dir = opts.data_dir.clone().unwrap_or_else(default_data_dir);
    let device = Device::open(&data_dir, client)
        .with_context(|| format!("cannot open the device data in {}", data_dir.display()))?;
    let synced = match device.sync_catalog().await {
        Ok(_) => true,
        Err(e) => {
            // An empty cache would call every barcode unknown.
            if device.with_store_blocking(|s| s.product_count()).await? == 0 {
                bail!(
                    "this device ({}) has never synced a catalog and syncing now failed, so \
                     there is nothing to price from: {e}",
                    data_dir.display()
                );
            }
            warn!(error = %e, "sync failed; pricing from the device cache");
            false
        }
    };
    let member = match member {
        Some(MemberRef::Text(text)) => Some(
            device
                .identify_member(&text)
                .await
                .with_context(|| format!("{file}: cannot identify the member"))?,
        ),
        Some(MemberRef::Facts(facts)) => Some(IdentifiedMember {
            tier: Tier::parse(&facts.tier)
                .with_context(|| format!("{file}: unknown tier {:?}", facts.tier))?,
            id: facts.id,
            name: None,
            points: None,
            birthday: facts.birthday.map(|d| d.format("%Y-%m-%d").to_string()),
            checked: Checked::Offline,
        }),
        None => None,
    };
    let facts = member.as_ref().map(member_facts);
    let shopper = Shopper { member: facts.clone(), vouchers: cart.vouchers };
    let priced =
        device.price(&lines, &shopper, at).await.with_context(|| format!("cannot price {file}"))?;
    check_redeem(member.as_ref(), cart.redeem_points, priced.total)
        .with_context(|| format!("{file}: redeem_points"))?;
    let paid = Rupiah(priced.total.0 - cart.redeem_points as i64);
    Ok(PriceReceipt {
        points_earned: earned(facts.as_ref(), paid),
        points_redeemed: cart.redeem_points,
        lines: priced.lines,
        subtotal: priced.subtotal,
        discounts: priced.discounts,
        total: priced.total,
        vouchers: priced.vouchers,
        at: at.to_rfc3339(),
        synced,
    })
}
