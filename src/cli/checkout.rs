//! `swalayan checkout`: one whole self-checkout without a screen.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use tracing::{info, warn};

use crate::central::api::{Payment, PaymentStatus};
use crate::central::client::Client;
use crate::checkout::{
    Checkout, Device, DeviceError, IdentifiedMember, Receipt, default_data_dir, items_to_approve,
};
use crate::domain::cart::Cart;
use crate::domain::gtin;
use crate::domain::restricted::{Restriction, TOBACCO_REFUSED};
use crate::scan::decoder::decode_file;

/// How the headless checkout pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PayMode {
    /// The central's gateway simulator marks the payment paid.
    Simulated,
}

/// One thing put in the cart, in the order of the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CartInput {
    /// A photo of a product's code (`--scan`).
    Scan(PathBuf),
    /// A code typed on the keypad or read by a USB scanner (`--code`).
    Code(String),
}

pub struct CheckoutOptions {
    pub central: String,
    /// The photos and typed codes, in the cart's order.
    pub items: Vec<CartInput>,
    pub pay: PayMode,
    pub data_dir: Option<PathBuf>,
    /// A member code or phone number, identified with the central.
    pub member: Option<String>,
    /// A hand-off code of a cart from another channel.
    pub cart: Option<String>,
    pub vouchers: Vec<String>,
    pub redeem_points: u64,
    /// A staff PIN approving the age-restricted items.
    pub staff_pin: Option<String>,
}

/// How long the checkout waits for the central to record the sale before it
/// leaves it in the outbox.
const RECORD_PATIENCE: Duration = Duration::from_secs(10);

/// Asks the gateway simulator to pay, retrying a lost answer: settling a
/// payment as paid twice is the same as once.
pub(super) async fn simulate_paid(client: &Client, id: &str) {
    for attempt in 1..=5 {
        match client.simulate_payment(id, PaymentStatus::Paid).await {
            Ok(_) => return,
            Err(e) => {
                warn!(payment = id, attempt, error = %e, "payment simulation failed");
                if !e.is_retryable() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(300 * attempt)).await;
            }
        }
    }
}

/// The payment was started but its end was never heard of: the shopper may
/// have paid. `swalayan checkout` exits 4 on it, apart from a refusal (1).
#[derive(Debug, thiserror::Error)]
#[error(
    "payment {payment} may have been paid ({cause}); the next run on this data directory \
     settles it: records the sale if it was paid, cancels it if not"
)]
pub struct Unsettled {
    pub payment: String,
    cause: String,
}

/// Waits until the payment is settled. Through a cut network it keeps
/// asking until the payment's expiry has passed; then it gives up and leaves
/// the payment open, for the next run to settle.
pub(super) async fn wait_settled(device: &Device, payment: &Payment) -> anyhow::Result<Payment> {
    let give_up = tokio::time::Instant::now()
        + Duration::from_secs(payment.expires_in.max(0) as u64)
        + Duration::from_secs(10);
    loop {
        match device.wait_payment(payment, Duration::from_secs(20)).await {
            Ok(p) if p.status.is_final() => return Ok(p),
            Ok(_) => {}
            Err(e) if tokio::time::Instant::now() >= give_up => {
                return Err(Unsettled { payment: payment.id.clone(), cause: e.to_string() }.into());
            }
            Err(e) => {
                warn!(payment = %payment.id, error = %e, "payment status unavailable; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Syncs, scans every photo, pays and records the sale.
pub async fn run(opts: CheckoutOptions) -> anyhow::Result<Receipt> {
    let client = Client::new(&opts.central)?;
    let data_dir = opts.data_dir.clone().unwrap_or_else(default_data_dir);
    let device = Device::open(&data_dir, client.clone())?;

    // What a previous run left unfinished goes first: payments it did not
    // see to an end, then sales it could not deliver.
    match device.reconcile().await {
        Ok(receipts) if !receipts.is_empty() => {
            // Said on standard error: the shopper of that run was charged,
            // and this is where their sale went.
            let ids: Vec<_> = receipts.iter().filter_map(|r| r.transaction_id.as_deref()).collect();
            warn!(count = receipts.len(), transactions = ?ids, "an earlier run's paid checkout was recorded now")
        }
        Ok(_) => {}
        Err(e) => warn!(error = %e, "open payments of an earlier run not settled yet"),
    }
    let replayed = device.flush_outbox().await.unwrap_or(0);
    if replayed > 0 {
        info!(replayed, "earlier sales delivered");
    }
    device.sync_catalog().await.context("catalog sync failed; no payment was created")?;

    // The cart handed over, the member and every photo must all be good
    // before any payment exists.
    let mut cart = Cart::new();
    let mut cart_member = None;
    if let Some(code) = &opts.cart {
        let opened =
            device.open_cart(code).await.context("cannot open the cart; no payment was created")?;
        for change in &opened.changes {
            warn!(change = %change, "the handed-over cart changed here");
        }
        info!(cart = %opened.central.id, lines = opened.cart.lines().len(), "cart opened");
        cart = opened.cart;
        cart_member = opened.central.member;
    }
    let member = match (&opts.member, cart_member) {
        (Some(text), _) => Some(
            device
                .identify_member(text)
                .await
                .context("cannot identify the member; no payment was created")?,
        ),
        // The cart's code is signed by the central and names its member:
        // their prices and points apply, but spending points needs them
        // to identify here (--member).
        (None, Some(id)) => Some(cart_owner(&client, &id).await?),
        (None, None) => None,
    };
    for input in &opts.items {
        let (origin, key) = match input {
            CartInput::Scan(path) => (path.display().to_string(), scanned_key(path).await?),
            CartInput::Code(text) => (format!("--code {text}"), typed_key(text)?),
        };
        let item = match device.item(&key).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                bail!("{origin}: code {key} is not in the catalog; no payment was created")
            }
            Err(DeviceError::Code(e)) => bail!("{origin}: {e}; no payment was created"),
            Err(e) => return Err(e.into()),
        };
        if item.product.restriction == Restriction::Tobacco {
            bail!("{origin}: {}: {TOBACCO_REFUSED} No payment was created.", item.product.name);
        }
        cart.add_item(&item.product, item.measure).with_context(|| format!("{origin}: {key}"))?;
    }

    // The payment's key is made now: an approval's audit entry names it.
    let key = format!("checkout-{}", uuid::Uuid::new_v4().simple());
    let items = items_to_approve(&cart);
    let checkout = |cart| Checkout {
        cart,
        member: member.clone(),
        vouchers: opts.vouchers.clone(),
        points: opts.redeem_points,
    };
    if !items.is_empty() {
        // Staff are called only for a cart that can be paid otherwise: a
        // voucher or a total refused first leaves no approval in the log.
        device.bill(checkout(cart.clone())).await.context("no payment was created")?;
        let names: Vec<_> = items.iter().map(|i| i.name.as_str()).collect();
        // An empty value (a variable set to nothing) is no PIN; one that is
        // not a PIN at all is refused without using up a try.
        let pin = opts.staff_pin.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let Some(pin) = pin else {
            bail!(
                "{} needs a member of staff to approve the sale (buyer 21 or older): \
                 give their PIN with --staff-pin; no payment was created",
                names.join(", ")
            );
        };
        crate::staff::check_pin(pin)
            .map_err(|e| anyhow::anyhow!("--staff-pin: {e}; no payment was created"))?;
        let approver = device
            .approve_restricted(pin, items.clone(), &key, chrono::Utc::now())
            .await
            .context("the restricted items were not approved; no payment was created")?;
        info!(staff = %approver.id, items = items.len(), "restricted items approved");
        for item in &items {
            cart.approve(&item.barcode, item.qty);
        }
    }

    let bill = device.bill(checkout(cart)).await.context("no payment was created")?;
    for d in &bill.priced.discounts {
        info!(promotion = d.promotion, amount = d.amount.0, "promotion applied");
    }

    let payment = device.start_payment(&bill, &key).await.context("cannot create the payment")?;
    info!(payment = %payment.id, total = payment.amount.0, "payment created");
    match opts.pay {
        PayMode::Simulated => simulate_paid(&client, &payment.id).await,
    }
    let payment = wait_settled(&device, &payment).await?;
    if payment.status != PaymentStatus::Paid {
        device.payment_ended(&payment.id).await?;
        bail!("payment {} ended {}, nothing was charged", payment.id, payment.status.as_str());
    }

    let mut receipt = device.record_sale(&bill, &payment).await?;
    let deadline = tokio::time::Instant::now() + RECORD_PATIENCE;
    while receipt.transaction_id.is_none() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        receipt = device.record_sale(&bill, &payment).await?;
    }
    if receipt.transaction_id.is_none() {
        warn!(payment = %payment.id, "central unreachable; the sale waits in the outbox");
    }
    Ok(receipt)
}

/// The catalog key of the code in a photo.
async fn scanned_key(path: &Path) -> anyhow::Result<String> {
    let file = path.display();
    let symbols = tokio::task::spawn_blocking({
        let path = path.to_owned();
        move || decode_file(&path)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("{e}; no payment was created"))?;
    let Some(symbol) = symbols.first() else {
        bail!("{file}: no barcode or QR code could be read; no payment was created");
    };
    let Some(key) = symbols.iter().find_map(|s| s.catalog_key()) else {
        bail!(
            "{file}: code {:?} ({}) is not a product barcode; no payment was created",
            symbol.text,
            symbol.format
        );
    };
    Ok(key)
}

/// The catalog key of a typed code: digits only, a 12-digit UPC-A keyed
/// as its 13-digit GTIN like a scanned one.
fn typed_key(text: &str) -> anyhow::Result<String> {
    let code = text.trim();
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        bail!("--code {text:?}: a code is digits only; no payment was created");
    }
    Ok(gtin::typed_key(code))
}

/// The member a handed-over cart names, as the central has them.
async fn cart_owner(client: &Client, id: &str) -> anyhow::Result<IdentifiedMember> {
    let account = client
        .member_account(id)
        .await
        .context("cannot read the member of the cart; no payment was created")?;
    IdentifiedMember::online(account.member).context("cannot take the cart's member")
}
