//! The device side of a self-checkout, shared by the kiosk and the headless
//! `swalayan checkout`: catalog sync, lookup, payment and recording the sale
//! through the outbox.

mod bill;
mod handoff;
mod pictures;

pub use bill::{Bill, Checkout, check_redeem, earned, member_facts};
pub use handoff::OpenedCart;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tracing::{debug, info, warn};

use crate::central::api::{
    AuditEvent, NewTransaction, Payment, PaymentStatus, SaleLine, Transaction,
};
use crate::central::client::{Client, ClientError};
use crate::domain::gtin;
use crate::domain::pricing::Discount;
use crate::domain::restricted::Restriction;
use crate::domain::variable::Item;
use crate::domain::{Product, Rupiah};
use crate::store::{Store, StoreError};

mod member;

pub use member::{Checked, IdentifiedMember, IdentifyError};
mod loading;
mod pickup;
mod pricing;
mod restricted;
mod returns;

pub use loading::{
    DoorPolicy, DoorStep, Fit, LoadError, LoadRefusal, Loaded, UnloadError, Unloading,
    free_compartment,
};
pub use pickup::{
    DOOR_LEFT_OPEN, Earlier, Pickup, PickupFailure, read_earlier_openings, settle_earlier_openings,
    settle_read,
};

pub use restricted::{ApprovalError, Approver, items_to_approve};

/// How many catalog changes one sync request asks for.
const SYNC_PAGE: u32 = 500;

/// The reason on the refund of a payment the kiosk gave up and the shopper
/// paid all the same.
pub const GIVEN_UP_REFUND_REASON: &str =
    "paid after the kiosk gave the payment up; goods not taken";

/// The outbox kind of a completed sale.
pub const SALE: &str = "sale";
/// The outbox kind of an audit log entry (staff approvals).
pub const AUDIT: &str = "audit";
/// The outbox kind of a click-and-collect pickup.
pub const PICKUP: &str = "pickup";
/// The outbox kind of an alert about an order's compartment for staff.
pub const PICKUP_ALERT: &str = "pickup_alert";
/// The outbox kind of staff taking an expired order out of its locker.
pub const UNLOAD: &str = "unload";
/// The outbox kind of how a return's compartment ended.
pub const RETURN_STOWED: &str = "return_stowed";

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Central(#[from] ClientError),
    #[error("the cart is empty")]
    EmptyCart,
    /// Age-restricted items no member of staff approved: no payment is
    /// made for them.
    #[error(
        "{} needs a member of staff to approve the sale (buyer 21 or older) before payment \
         / perlu persetujuan staf (pembeli 21 tahun ke atas) sebelum pembayaran",
        .names.join(", ")
    )]
    NotApproved { names: Vec<String> },
    /// Tobacco or e-cigarettes: never sold at a self-service machine.
    #[error("{name}: {}", crate::domain::restricted::TOBACCO_REFUSED)]
    Tobacco { name: String },
    #[error(
        "the total {total} is above {}, the most one QRIS payment may be; \
         please pay part of the items at a cashier",
        Rupiah::QRIS_MAX
    )]
    OverQrisLimit { total: Rupiah },
    #[error("payment {id} is {status}, not paid")]
    NotPaid { id: String, status: &'static str },
    /// The central refused the sale for good; it is kept on the device for
    /// staff, and the payment stays with the gateway.
    #[error("the central refused the sale paid by {payment}: {why}")]
    SaleRefused { payment: String, why: String },
    /// The central will not hand over or store this cart: `code` is its
    /// reason (`cart_closed`, `cart_expired`, `forged_code`, `bad_code`,
    /// `unknown_product`, `not_found`).
    #[error("this cart cannot be continued: {message}")]
    CartRefused { code: String, message: String },
    #[error(transparent)]
    Lines(#[from] crate::domain::pricing::LineError),
    /// A variable-measure code that cannot be read: a check digit is wrong.
    #[error(transparent)]
    Code(#[from] crate::domain::variable::CodeError),
    /// Vouchers took the whole total off: there is nothing for a QRIS
    /// payment, which is at least Rp 1.
    #[error(
        "the total after discounts is {total}: nothing is left to pay by QRIS; \
         please keep a voucher for another purchase"
    )]
    NothingToPay { total: Rupiah },
    #[error("voucher {code} cannot be used: {reason}")]
    Voucher { code: String, reason: String },
    #[error("points are redeemed by a member; identify the member first")]
    PointsNeedMember,
    #[error("{asked} points asked, but the member has {available} points available")]
    PointsOverAvailable { asked: u64, available: u64 },
    #[error(
        "{asked} points asked, but at most {most} may pay part of the total {total}: \
         at least Rp 1 is paid by QRIS"
    )]
    PointsOverCap { asked: u64, most: u64, total: Rupiah },
    #[error("order {order} has no compartment opening on this kiosk to confirm")]
    NoOpening { order: String },
    #[error("the device database is busy in a task that failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

pub type Result<T> = std::result::Result<T, DeviceError>;

/// An outbox event as it goes to the central.
enum Outgoing {
    Sale(NewTransaction),
    Audit(AuditEvent),
    Pickup(pickup::CollectEvent),
    Alert(pickup::AlertEvent),
    Unload(loading::UnloadEvent),
    Stowed(returns::StowedEvent),
}

/// What a catalog sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pages: u32,
    pub changes: usize,
    pub products: u64,
    /// True if and only if the promotion set changed.
    pub promotions_changed: bool,
    /// Pictures fetched because they were new or had changed.
    pub pictures_fetched: usize,
    /// Pictures that could not be fetched: their products show without
    /// one until a later sync fetches them.
    pub pictures_failed: usize,
}

/// A sale as the shopper's receipt shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The central's transaction id; `None` while the sale waits in the
    /// outbox for the central to come back.
    pub transaction_id: Option<String>,
    /// At list prices; the promotions' savings are in `discounts`.
    pub lines: Vec<SaleLine>,
    /// The lines' totals before any discount.
    pub subtotal: Rupiah,
    /// One entry per promotion applied: `{"promotion":"ID","amount":N}`.
    pub discounts: Vec<Discount>,
    /// `subtotal` less `discounts`: paid by QRIS and `points_redeemed`.
    pub total: Rupiah,
    /// The member who earned points, if one identified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The points credited: the central's figure once it recorded the sale,
    /// the device's by the same rule while it waits in the outbox.
    pub points_earned: u64,
    pub points_redeemed: u64,
    /// The voucher codes spent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vouchers: Vec<String>,
    pub payment: ReceiptPayment,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReceiptPayment {
    pub method: &'static str,
    pub status: &'static str,
    pub id: String,
    /// What QRIS paid: the total less the points redeemed.
    pub amount: Rupiah,
}

/// How many stores near this one the item page shows the stock of.
pub const STOCK_NEAREST: u32 = 3;

/// A product's stock as the item page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockView {
    pub stock: crate::central::api::Stock,
    /// True if and only if the central answered just now; otherwise this
    /// is the last answer the device kept.
    pub fresh: bool,
    /// When the device received the answer (RFC 3339, UTC).
    pub fetched_at: String,
    /// How old the answer is by the device's clock: zero when fresh.
    pub age: Duration,
}

/// The default place of the device's data: the user's data directory.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("id", "swalayan", "swalayan")
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from(".swalayan"))
}

/// A device: its database and its central.
#[derive(Clone)]
pub struct Device {
    /// A std mutex: every use is inside `spawn_blocking`, never across an
    /// `.await`.
    store: Arc<Mutex<Store>>,
    client: Client,
    device_id: String,
    /// Held while one open payment is settled and while a sale is
    /// recorded, so that the kiosk recording the sale of a given-up payment
    /// its shopper stayed for and the background refund of that payment
    /// never both happen.
    settling: Arc<tokio::sync::Mutex<()>>,
}

impl Device {
    /// Opens the device database `device.db` in `data_dir`.
    pub fn open(data_dir: &Path, client: Client) -> Result<Device> {
        let store = Store::open(&data_dir.join("device.db"))?;
        Device::with_store(store, client)
    }

    pub fn with_store(store: Store, client: Client) -> Result<Device> {
        let device_id = store.device_id()?;
        Ok(Device {
            store: Arc::new(Mutex::new(store)),
            client,
            device_id,
            settling: Arc::default(),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Runs `f` on the device database in the blocking pool.
    pub async fn with_store_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> std::result::Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
        .await??;
        Ok(out)
    }

    /// Pulls every catalog change since the last sync into the cache, then
    /// the promotion set if it changed.
    pub async fn sync_catalog(&self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let mut cursor = self.with_store_blocking(|s| s.catalog_cursor()).await?;
        loop {
            let page = self.client.catalog_page(cursor.as_deref(), SYNC_PAGE).await?;
            report.pages += 1;
            report.changes += page.products.len();
            let more = page.more;
            let next = page.cursor.clone();
            if page.reset {
                warn!("the central's catalog history is new to this device; syncing it whole");
            }
            self.with_store_blocking(move |s| {
                if let Some(layouts) = &page.variable_measure {
                    s.set_variable_measure(layouts)?;
                }
                s.apply_catalog(&page.products, &page.cursor, page.reset)
            })
            .await?;
            cursor = Some(next);
            if !more {
                break;
            }
        }
        report.products = self.with_store_blocking(|s| s.product_count()).await?;
        (report.pictures_fetched, report.pictures_failed) = self.sync_pictures().await?;
        // The key that checks member codes offline; a failure here leaves
        // the cached one, and the catalog is synced all the same.
        if let Err(e) = self.refresh_token_key().await {
            warn!(error = %e, "central's token key not fetched");
        }
        // The staff who approve restricted items, likewise (a central of
        // an earlier version has none to give).
        match self.client.staff().await {
            Ok(list) => self.with_store_blocking(move |s| s.replace_staff(&list.staff)).await?,
            Err(e) => warn!(error = %e, "staff list not fetched; the cached one stays"),
        }
        report.promotions_changed = self.sync_promotions().await?;
        // A sync runs every half minute; only one that changed something is
        // worth a line at info.
        if report.changes > 0 {
            info!(changes = report.changes, products = report.products, "catalog synced");
        } else {
            debug!(products = report.products, "catalog unchanged");
        }
        Ok(report)
    }

    /// Looks a product up in the local cache only.
    pub async fn lookup(&self, key: &str) -> Result<Option<Product>> {
        let key = key.to_owned();
        self.with_store_blocking(move |s| s.product(&key)).await
    }

    /// The produce without a barcode in the local cache, by name.
    pub async fn produce(&self) -> Result<Vec<Product>> {
        self.with_store_blocking(|s| s.produce()).await
    }

    /// What a scanned or typed code puts in the cart, from the local cache
    /// only: a variable-measure code is read with the store's layouts and
    /// priced from its item ([`DeviceError::Code`] when a check digit is
    /// wrong, or the label says zero); any other code, a PLU included, is
    /// looked up as it is.
    pub async fn item(&self, code: &str) -> Result<Option<Item>> {
        let code = code.to_owned();
        let found = self
            .with_store_blocking(move |s| {
                let layouts = s.variable_measure()?;
                if !layouts.covers(&code) {
                    let product = s.product(&code)?;
                    if product.is_none()
                        && let Some(wrong) = wrong_check_digit(&code)
                    {
                        return Ok(Err(wrong));
                    }
                    return Ok(Ok(product.map(|product| Item { product, measure: None })));
                }
                Ok(match layouts.parse(&code) {
                    Ok(reading) => Ok(s.product(&reading.key)?.map(|p| reading.item(p))),
                    Err(e) => Err(e),
                })
            })
            .await?;
        Ok(found?)
    }

    /// A product's stock here and at the nearest stores: the central's
    /// answer when it gives one (kept for later), else the last answer kept
    /// with its age. Fails when the central does not answer and nothing is
    /// kept, or when it says the product is unknown.
    pub async fn stock(&self, barcode: &str) -> Result<StockView> {
        // A weighed or label-priced package is counted as its item: the
        // label's own code is in no stock list.
        let label = barcode.to_owned();
        let key = self
            .with_store_blocking(move |s| Ok(s.variable_measure()?.key_of(&label).unwrap_or(label)))
            .await?;
        let barcode = key.clone();
        match self.client.stock(&barcode, None, STOCK_NEAREST).await {
            Ok(stock) => {
                let fetched_at = crate::store::now();
                let (kept, at) = (stock.clone(), fetched_at.clone());
                self.with_store_blocking(move |s| s.cache_stock(&kept, &at)).await?;
                Ok(StockView { stock, fresh: true, fetched_at, age: Duration::ZERO })
            }
            Err(e) if e.is_retryable() => {
                let Some((stock, fetched_at)) =
                    self.with_store_blocking(move |s| s.cached_stock(&key)).await?
                else {
                    return Err(e.into());
                };
                let age = chrono::DateTime::parse_from_rfc3339(&fetched_at)
                    .ok()
                    .and_then(|t| (chrono::Utc::now() - t.to_utc()).to_std().ok())
                    .unwrap_or(Duration::ZERO);
                debug!(%barcode, age_s = age.as_secs(), error = %e, "stock from the cache");
                Ok(StockView { stock, fresh: false, fetched_at, age })
            }
            Err(e) => {
                if let ClientError::Refused { status: reqwest::StatusCode::NOT_FOUND, .. } = &e {
                    self.with_store_blocking(move |s| s.forget_stock(&key)).await?;
                }
                Err(e.into())
            }
        }
    }

    /// Creates the QRIS payment of `bill` (see [`Device::bill`]): the total
    /// less the points, holding the member's points and the vouchers on the
    /// central. The same `idempotency_key` returns the same payment, so a
    /// retry after a lost answer is safe.
    pub async fn start_payment(&self, bill: &Bill, idempotency_key: &str) -> Result<Payment> {
        if bill.cart.is_empty() {
            return Err(DeviceError::EmptyCart);
        }
        let lines = bill.cart.lines();
        if let Some(l) = lines.iter().find(|l| l.restriction == Restriction::Tobacco) {
            return Err(DeviceError::Tobacco { name: l.name.clone() });
        }
        let unapproved = crate::domain::restricted::unapproved(&bill.cart);
        if !unapproved.is_empty() {
            let names = unapproved.iter().map(|l| l.name.clone()).collect();
            return Err(DeviceError::NotApproved { names });
        }
        if bill.amount() > Rupiah::QRIS_MAX {
            return Err(DeviceError::OverQrisLimit { total: bill.amount() });
        }
        // Written before the central is asked: if the answer is lost, the
        // payment may exist all the same, and `reconcile` finds it.
        let key = idempotency_key.to_owned();
        let stored = serde_json::to_value(bill).expect("a bill always serialises");
        self.with_store_blocking(move |s| s.open_payment(&key, &stored)).await?;
        let body = bill.new_payment();
        let payment = match self.client.create_payment_with(&body, idempotency_key).await {
            Ok(p) => p,
            Err(e) => {
                if !e.is_retryable() {
                    // Refused outright: no payment exists under this key.
                    let key = idempotency_key.to_owned();
                    self.with_store_blocking(move |s| s.close_payment(&key)).await?;
                }
                return Err(e.into());
            }
        };
        let (key, id) = (idempotency_key.to_owned(), payment.id.clone());
        self.with_store_blocking(move |s| s.open_payment_created(&key, &id)).await?;
        Ok(payment)
    }

    /// The bill an open payment was made for, by its key or the central's
    /// id; `None` once its sale is recorded or it ended.
    pub async fn open_bill(&self, key_or_id: &str) -> Result<Option<Bill>> {
        let key = key_or_id.to_owned();
        let open = self
            .with_store_blocking(move |s| {
                Ok(s.open_payments()?
                    .into_iter()
                    .find(|p| p.key == key || p.payment_id.as_deref() == Some(&key)))
            })
            .await?;
        Ok(open.and_then(|p| Bill::from_stored(p.cart).ok()))
    }

    /// Forgets a payment that ended unpaid (expired or cancelled).
    pub async fn payment_ended(&self, payment_id: &str) -> Result<()> {
        let id = payment_id.to_owned();
        self.with_store_blocking(move |s| s.close_payment(&id)).await
    }

    /// Notes that the kiosk gave a payment up (by its key or the central's
    /// id) without the central's last word: the shopper was told it is
    /// over. [`Device::reconcile`] then cancels it and never records its
    /// sale; if it turns out paid, the central refunds it.
    pub async fn give_up_payment(&self, key_or_id: &str) -> Result<()> {
        let key = key_or_id.to_owned();
        self.with_store_blocking(move |s| s.give_up_payment(&key)).await
    }

    /// Settles every payment a previous run left open: a paid one gets its
    /// sale recorded, a pending one is cancelled (the shopper who made it
    /// is gone), an ended one is forgotten. A payment the kiosk gave up is
    /// cancelled too, and never recorded, even when paid: the shopper was
    /// told it was over, so a paid one is refunded in full.
    /// Returns the receipts of the sales it recorded. Payments the central
    /// cannot tell about now stay open for the next call.
    pub async fn reconcile(&self) -> Result<Vec<Receipt>> {
        self.reconcile_only(None).await
    }

    /// The keys of the payments open now; a kiosk takes them at start and
    /// reconciles only those, never the payment a shopper is paying.
    pub async fn open_payment_keys(&self) -> Result<Vec<String>> {
        let open = self.with_store_blocking(|s| s.open_payments()).await?;
        Ok(open.into_iter().map(|p| p.key).collect())
    }

    /// The keys of the payments the kiosk gave up and has not settled yet;
    /// no shopper is paying them, so they can be settled at any time.
    pub async fn given_up_keys(&self) -> Result<Vec<String>> {
        let open = self.with_store_blocking(|s| s.open_payments()).await?;
        Ok(open.into_iter().filter(|p| p.given_up).map(|p| p.key).collect())
    }

    /// Like [`Device::reconcile`], limited to `keys` when given.
    pub async fn reconcile_only(&self, keys: Option<&[String]>) -> Result<Vec<Receipt>> {
        let mut open = self.with_store_blocking(|s| s.open_payments()).await?;
        if let Some(keys) = keys {
            open.retain(|p| keys.contains(&p.key));
        }
        let mut receipts = Vec::new();
        for open in open {
            let _settling = self.settling.lock().await;
            // Read again under the lock: the sale may have been recorded
            // (and the payment closed) since the list was read.
            let key = open.key.clone();
            let Some(open) = self
                .with_store_blocking(move |s| {
                    Ok(s.open_payments()?.into_iter().find(|p| p.key == key))
                })
                .await?
            else {
                continue;
            };
            let key = open.key.clone();
            let bill = match Bill::from_stored(open.cart) {
                Ok(b) => b,
                Err(e) => {
                    warn!(key, error = %e, "unreadable open payment dropped");
                    self.with_store_blocking(move |s| s.close_payment(&key)).await?;
                    continue;
                }
            };
            // The same key and body give back the payment this device
            // made, if the central ever received the request.
            let found = match &open.payment_id {
                Some(id) => self.client.payment(id).await,
                None => self.client.create_payment_with(&bill.new_payment(), &key).await,
            };
            let payment = match found {
                Ok(p) => p,
                Err(e) if e.is_retryable() => return Ok(receipts),
                Err(e) => {
                    warn!(key, error = %e, "open payment refused by the central; dropped");
                    self.with_store_blocking(move |s| s.close_payment(&key)).await?;
                    continue;
                }
            };
            if open.payment_id.is_none() {
                // Noted now, so that recording the sale (which closes the
                // row by the payment's id) or a later call finds it.
                let (k, id) = (key.clone(), payment.id.clone());
                self.with_store_blocking(move |s| s.open_payment_created(&k, &id)).await?;
            }
            let payment = match payment.status {
                PaymentStatus::Pending => match self.client.cancel_payment(&payment.id).await {
                    Ok(p) => p,
                    // Paid between the two calls: read it again.
                    Err(e) if !e.is_retryable() => self.client.payment(&payment.id).await?,
                    Err(_) => return Ok(receipts),
                },
                _ => payment,
            };
            match payment.status {
                PaymentStatus::Paid if open.given_up => {
                    // The shopper was told the payment was over and left
                    // without the goods (or paid again with a new code):
                    // recording this sale would sell them twice, and
                    // keeping the money would charge a shopper for nothing.
                    // The central refunds a payment that arrived after it
                    // was cancelled, but one paid in time, which the kiosk
                    // never heard of, only the device knows to refund.
                    warn!(payment = %payment.id, "paid after the kiosk gave it up; refunding");
                    let left = Rupiah(payment.amount.0 - payment.refunded.0);
                    if left.0 > 0 {
                        let refund_key = format!("given-up-{}", payment.id);
                        match self
                            .client
                            .refund_payment(&payment.id, left, GIVEN_UP_REFUND_REASON, &refund_key)
                            .await
                        {
                            Ok(_) => {}
                            Err(e) if e.is_retryable() => return Ok(receipts),
                            // Already refunded by the central's own rule (a
                            // late payment), or not refundable: nothing
                            // more the device can do; the central keeps
                            // the record.
                            Err(e) => {
                                warn!(payment = %payment.id, error = %e, "refund refused")
                            }
                        }
                    }
                    self.with_store_blocking(move |s| s.close_payment(&key)).await?;
                }
                PaymentStatus::Paid => {
                    info!(payment = %payment.id, "paid payment of an interrupted visit recorded");
                    match self.record_sale_settling(&bill, &payment).await {
                        Ok(receipt) => receipts.push(receipt),
                        // Parked in the outbox for staff; the payments
                        // after it are settled all the same.
                        Err(e @ DeviceError::SaleRefused { .. }) => {
                            warn!(payment = %payment.id, error = %e, "interrupted sale refused")
                        }
                        Err(e) => return Err(e),
                    }
                }
                status => {
                    info!(payment = %payment.id, status = status.as_str(), "open payment closed");
                    self.with_store_blocking(move |s| s.close_payment(&key)).await?;
                }
            }
        }
        Ok(receipts)
    }

    /// Records the sale of `bill` paid by `payment`: first into the outbox,
    /// which survives a crash, then to the central if it answers.
    pub async fn record_sale(&self, bill: &Bill, payment: &Payment) -> Result<Receipt> {
        let _settling = self.settling.lock().await;
        self.record_sale_settling(bill, payment).await
    }

    /// [`Device::record_sale`], for a caller holding `settling`.
    async fn record_sale_settling(&self, bill: &Bill, payment: &Payment) -> Result<Receipt> {
        if payment.status != PaymentStatus::Paid {
            return Err(DeviceError::NotPaid {
                id: payment.id.clone(),
                status: payment.status.as_str(),
            });
        }
        let sale = bill.sale(&self.device_id, payment);
        let key = sale.idempotency_key.clone();
        let body = serde_json::to_value(&sale).expect("a sale always serialises");
        let paid = payment.id.clone();
        // One transaction: the sale enters the outbox as the open payment
        // leaves, so a crash between the two cannot lose or double it.
        self.with_store_blocking(move |s| {
            s.in_transaction(|s| {
                s.outbox_push(SALE, &key, &body)?;
                s.close_payment(&paid)
            })
        })
        .await?;
        self.flush_outbox().await?;

        let key = sale.idempotency_key.clone();
        let (recorded, refused) = self
            .with_store_blocking(move |s| {
                Ok((s.outbox_response(&key)?, s.outbox_parked_reason(&key)?))
            })
            .await?;
        if let Some(why) = refused {
            return Err(DeviceError::SaleRefused { payment: payment.id.clone(), why });
        }
        let tx: Option<Transaction> = recorded.and_then(|v| serde_json::from_value(v).ok());
        Ok(Receipt {
            receipt_url: tx.as_ref().map(|t| self.client.receipt_url(&t.id)),
            points_earned: tx.as_ref().map_or(sale.points_earned, |t| t.points_earned),
            transaction_id: tx.map(|t| t.id),
            subtotal: bill.priced.subtotal,
            discounts: sale.discounts,
            lines: sale.lines,
            total: sale.total,
            member: sale.member,
            points_redeemed: sale.points_redeemed,
            vouchers: sale.vouchers,
            payment: ReceiptPayment {
                method: "qris",
                status: "paid",
                id: payment.id.clone(),
                amount: payment.amount,
            },
        })
    }

    /// Sends queued events to the central, oldest first, until the queue is
    /// empty or the central stops answering. Returns how many were sent.
    pub async fn flush_outbox(&self) -> Result<usize> {
        let mut sent = 0;
        loop {
            let batch = self.with_store_blocking(|s| s.outbox_pending(20)).await?;
            if batch.is_empty() {
                return Ok(sent);
            }
            for item in batch {
                let key = item.idempotency_key.clone();
                let event = match item.kind.as_str() {
                    SALE => serde_json::from_value::<NewTransaction>(item.body.clone())
                        .map(Outgoing::Sale)
                        .map_err(|e| format!("unreadable sale: {e}")),
                    AUDIT => serde_json::from_value::<AuditEvent>(item.body.clone())
                        .map(Outgoing::Audit)
                        .map_err(|e| format!("unreadable audit entry: {e}")),
                    PICKUP => serde_json::from_value::<pickup::CollectEvent>(item.body.clone())
                        .map(Outgoing::Pickup)
                        .map_err(|e| format!("unreadable pickup: {e}")),
                    PICKUP_ALERT => serde_json::from_value::<pickup::AlertEvent>(item.body.clone())
                        .map(Outgoing::Alert)
                        .map_err(|e| format!("unreadable pickup alert: {e}")),
                    UNLOAD => serde_json::from_value::<loading::UnloadEvent>(item.body.clone())
                        .map(Outgoing::Unload)
                        .map_err(|e| format!("unreadable unloading: {e}")),
                    RETURN_STOWED => {
                        serde_json::from_value::<returns::StowedEvent>(item.body.clone())
                            .map(Outgoing::Stowed)
                            .map_err(|e| format!("unreadable return compartment: {e}"))
                    }
                    other => Err(format!("unknown event kind {other:?} (from another version?)")),
                };
                let event = match event {
                    Ok(event) => event,
                    Err(why) => {
                        // This version cannot send it; parking it lets the
                        // sales behind it go, and keeps it for staff.
                        warn!(key, why, "outbox event parked");
                        self.with_store_blocking(move |s| s.outbox_park(&key, &why)).await?;
                        continue;
                    }
                };
                let result =
                    match &event {
                        Outgoing::Sale(sale) => self.client.post_transaction(sale).await.map(|t| {
                            serde_json::to_value(t).expect("a transaction always serialises")
                        }),
                        Outgoing::Audit(entry) => self.client.post_audit(entry).await.map(|e| {
                            serde_json::to_value(e).expect("an audit entry always serialises")
                        }),
                        Outgoing::Pickup(p) => {
                            self.client.collect_order(&p.order_id, &p.collect, &key).await.map(
                                |o| serde_json::to_value(o).expect("an order always serialises"),
                            )
                        }
                        Outgoing::Alert(a) => {
                            self.client.order_alert(&a.order_id, &a.alert, &key).await.map(|o| {
                                serde_json::to_value(o).expect("an order always serialises")
                            })
                        }
                        Outgoing::Unload(u) => {
                            self.client.order_step(&u.order_id, "unload", &u.step).await.map(|o| {
                                serde_json::to_value(o).expect("an order always serialises")
                            })
                        }
                        Outgoing::Stowed(r) => {
                            self.client.return_stowed(&r.return_id, &r.stowed).await.map(|v| {
                                serde_json::to_value(v).expect("a return always serialises")
                            })
                        }
                    };
                match result {
                    Ok(answer) => {
                        self.with_store_blocking(move |s| s.outbox_ack(&key, &answer)).await?;
                        sent += 1;
                    }
                    Err(e) if e.is_retryable() => {
                        // The central is down or overloaded: keep this event
                        // and those behind it, in order, for the next try.
                        let text = e.to_string();
                        debug!(key, error = text, "outbox delivery failed");
                        self.with_store_blocking(move |s| s.outbox_failed(&key, &text)).await?;
                        return Ok(sent);
                    }
                    Err(e) => {
                        let text = e.to_string();
                        warn!(
                            key,
                            error = text,
                            "central refused an outbox event; parked for staff"
                        );
                        self.with_store_blocking(move |s| s.outbox_park(&key, &text)).await?;
                    }
                }
            }
        }
    }

    /// Waits for `payment` to be settled, up to `limit`.
    pub async fn wait_payment(&self, payment: &Payment, limit: Duration) -> Result<Payment> {
        Ok(self.client.wait_payment(&payment.id, limit).await?)
    }
}

/// A code of 13 or 14 digits that is no GTIN because its last digit is
/// not its check digit: typed wrong, so "not in the catalog" would mislead.
/// Eight digits may be an EAN-8 or a UPC-E, whose check digits differ, so
/// they are left to the look-up.
fn wrong_check_digit(code: &str) -> Option<crate::domain::variable::CodeError> {
    if !matches!(code.len(), 13 | 14) || gtin::is_valid(code) {
        return None;
    }
    let (body, last) = code.split_at(code.len() - 1);
    let want = gtin::check_digit(body)?;
    let got = last.bytes().next().filter(u8::is_ascii_digit)? - b'0';
    Some(crate::domain::variable::CodeError::EanCheck { code: code.to_owned(), got, want })
}
