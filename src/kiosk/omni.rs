//! The kiosk's omnichannel calls: members, carts from and to other
//! channels, stock, "tell me when it is back", recommendations and the
//! pricer, behind one struct the worker uses.
//!
//! Each method is one call of [`Device`] (or its [`crate::central::client::Client`])
//! with its failure mapped to an [`OmniError`], which says which notice the
//! shopper sees.

use std::sync::{Arc, RwLock};

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::changes;
use super::worker::Report;
use crate::central::client::ClientError;
use crate::checkout::{Device, DeviceError, IdentifiedMember, IdentifyError, StockView};
use crate::domain::cart::{Cart, Line};
use crate::domain::loyalty::{self, Tier};
use crate::domain::pricing::{self, Promotions, VoucherStatus, normalise_code};
use crate::domain::visit::{
    Event, Member, NearbyStock, NotIdentified, NotOpened, Pricer, Recommendation, Stock, Totals,
};
use crate::domain::{Rupiah, visit};
use crate::tokens::TokenError;

/// Why an omnichannel call gave no answer the visit can use.
#[derive(Debug, thiserror::Error)]
pub enum OmniError {
    #[error("no member has this phone number or code")]
    UnknownMember,
    #[error("the code has expired")]
    Expired,
    #[error("the code is not valid: {reason}")]
    InvalidCode { reason: String },
    #[error("the cart was already paid for")]
    CartClosed,
    #[error("the central cannot be reached for {what}: {detail}")]
    Unreachable { what: &'static str, detail: String },
    /// The central answered no for a reason the shopper cannot act on (an
    /// unknown product, say), or the device itself failed.
    #[error("{what} failed: {detail}")]
    Failed { what: &'static str, detail: String },
}

/// A cart opened from its hand-off code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCart {
    /// The central's id of the cart: the payment and the sale close it.
    pub id: Option<String>,
    /// At this kiosk's prices, without what is not sold here.
    pub lines: Vec<Line>,
    /// What changed, in words for the screen.
    pub changes: Vec<String>,
}

/// How many recommendations are asked for: more than the strip shows, since
/// the visit drops those already in the cart.
const RECOMMENDATIONS: u32 = 6;

/// The omnichannel calls the worker makes.
#[derive(Clone)]
pub struct OmniService {
    device: Device,
    /// The device's cached promotions, read by every pricing. A std lock:
    /// it is held only to clone or swap the `Arc`, never across an
    /// `.await`, and the pricer runs on the worker outside async code.
    promotions: Arc<RwLock<Arc<Promotions>>>,
}

impl OmniService {
    /// The calls of `device`, with no promotions until
    /// [`OmniService::refresh_promotions`] reads the cached ones.
    pub fn new(device: Device) -> OmniService {
        OmniService { device, promotions: Arc::default() }
    }

    /// Reads the device's cached promotions again (after a sync); returns
    /// true if and only if they changed.
    pub async fn refresh_promotions(&self) -> Result<bool, DeviceError> {
        let fresh = self.device.promotions().await?;
        let mut current = self.promotions.write().unwrap_or_else(|p| p.into_inner());
        if current.version() == fresh.version() {
            return Ok(false);
        }
        info!(count = fresh.len(), "promotions loaded for pricing");
        *current = Arc::new(fresh);
        Ok(true)
    }

    /// Prices carts for the visit with the pricing engine over the cached
    /// promotions, at the time of the call in Asia/Jakarta time.
    pub fn pricer(&self) -> Pricer {
        let promotions = self.promotions.clone();
        Pricer::new(move |cart, shopper| {
            let current = promotions.read().unwrap_or_else(|p| p.into_inner()).clone();
            let at = chrono::Utc::now().with_timezone(&pricing::jakarta());
            price(cart, shopper, &current, at)
        })
    }

    /// The member whose app shows `code` (`SWM1.`). With the central out of
    /// reach a code that checks out with the cached key still identifies:
    /// the member's id and tier are what the code carries.
    pub async fn identify_code(&self, code: &str) -> Result<Member, OmniError> {
        let found = self.device.identify_member(code).await.map_err(identify_error)?;
        Ok(member_of(found))
    }

    /// The member with this phone number, as typed; it goes to the central
    /// only, never to the database or the logs.
    pub async fn identify_phone(&self, phone: &str) -> Result<Member, OmniError> {
        let found = self.device.identify_member(phone).await.map_err(|e| match e {
            // A typed number that is no phone number is no member's.
            IdentifyError::Phone(_) => OmniError::UnknownMember,
            e => identify_error(e),
        })?;
        Ok(member_of(found))
    }

    /// The cart whose hand-off code (`SWC1.`) was scanned, continued with
    /// this store's catalog and stock.
    pub async fn open_cart(&self, code: &str) -> Result<OpenedCart, OmniError> {
        let device = self.device.clone();
        let stock = move |barcode: String| {
            let device = device.clone();
            async move { device.stock(&barcode).await.ok().map(|s| s.stock.store.available()) }
        };
        let opened =
            self.device.open_cart_with_stock(code, stock).await.map_err(cart_error("a cart"))?;
        let promotions = self.promotions.read().unwrap_or_else(|p| p.into_inner()).clone();
        let name = |id: &str| promotions.name(id).unwrap_or(id).to_owned();
        let channel = opened.central.channel;
        Ok(OpenedCart {
            id: Some(opened.central.id.clone()),
            lines: opened.cart.lines().to_vec(),
            changes: opened.changes.iter().map(|c| changes::describe(c, channel, &name)).collect(),
        })
    }

    /// Posts the kiosk's cart for the shopper's phone; returns its hand-off
    /// code, to draw as a QR.
    pub async fn hand_off(&self, cart: &Cart, member: Option<&str>) -> Result<String, OmniError> {
        let view =
            self.device.hand_off(cart, member).await.map_err(cart_error("continue on phone"))?;
        Ok(view.code)
    }

    /// The item's stock here and nearby: the central's answer, or the last
    /// one the device kept, with its age.
    pub async fn stock(&self, barcode: &str) -> Result<Stock, OmniError> {
        let view = self.device.stock(barcode).await.map_err(device_error("stock"))?;
        Ok(stock_of(view))
    }

    pub async fn subscribe(&self, member: &str, barcode: &str) -> Result<(), OmniError> {
        let client = self.device.client();
        client
            .subscribe(member, barcode, None)
            .await
            .map_err(|e| client_error("back-in-stock alerts", e))?;
        Ok(())
    }

    pub async fn recommendations(
        &self,
        member: &str,
        cart: &[String],
    ) -> Result<Vec<Recommendation>, OmniError> {
        let client = self.device.client();
        let found = client
            .recommendations(member, cart, RECOMMENDATIONS)
            .await
            .map_err(|e| client_error("recommendations", e))?;
        let items = found.recommendations.into_iter();
        Ok(items
            .map(|r| Recommendation { barcode: r.barcode, name: r.name, price: r.price })
            .collect())
    }
}

/// Prices `cart` for `shopper` with `promotions` at `at`: the engine's
/// discounts named as the promotions file names them, and the points the
/// member's tier earns on what is left to pay after points.
pub fn price(
    cart: &Cart,
    shopper: &visit::Shopper,
    promotions: &Promotions,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Totals {
    let engine_shopper = pricing::Shopper {
        member: shopper.member.as_ref().map(Member::facts),
        vouchers: shopper.vouchers.clone(),
    };
    let priced = pricing::price(cart.lines(), promotions, &engine_shopper, at);
    let discounts = priced
        .discounts
        .iter()
        .map(|d| (promotions.name(&d.promotion).unwrap_or(&d.promotion).to_owned(), d.amount))
        .collect();
    // The engine reports each voucher by its normalised code; the visit
    // knows them as the shopper gave them.
    let applied = |v: &str| {
        let code = normalise_code(v);
        priced.vouchers.iter().any(|o| o.code == code && o.status == VoucherStatus::Applied)
    };
    let unused_vouchers = shopper.vouchers.iter().filter(|v| !applied(v)).cloned().collect();
    let paid = Rupiah(priced.total.0 - i64::try_from(shopper.points_redeemed).unwrap_or(i64::MAX));
    let tier = shopper.member.as_ref().and_then(|m| Tier::parse(&m.tier));
    Totals {
        subtotal: priced.subtotal,
        discounts,
        promotions: priced.discounts,
        total: priced.total,
        points_earned: tier.map_or(0, |t| loyalty::points_earned(t, paid)),
        unused_vouchers,
    }
}

/// The member as the visit keeps them. A member checked offline has no
/// name or points known: the badge shows their member id, and no points to
/// spend (the central could not hold them anyway).
fn member_of(m: IdentifiedMember) -> Member {
    let birthday =
        m.birthday.as_deref().and_then(|b| chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").ok());
    Member {
        name: m.name.unwrap_or_else(|| m.id.clone()),
        id: m.id,
        tier: m.tier.as_str().to_owned(),
        points: m.points.unwrap_or(0),
        birthday,
    }
}

fn stock_of(view: StockView) -> Stock {
    let nearest = view.stock.nearest.into_iter().map(|s| NearbyStock {
        qty: s.available(),
        store: s.name,
        metres: s.distance_m.map_or(0, |m| u32::try_from(m).unwrap_or(u32::MAX)),
    });
    Stock { here: view.stock.store.available(), nearest: nearest.collect(), age: view.age }
}

fn identify_error(e: IdentifyError) -> OmniError {
    const WHAT: &str = "member identification";
    match e {
        IdentifyError::Code(TokenError::Expired(_)) => OmniError::Expired,
        IdentifyError::Code(e) => OmniError::InvalidCode { reason: e.to_string() },
        IdentifyError::UnknownTier(_) => OmniError::InvalidCode { reason: e.to_string() },
        IdentifyError::Phone(_) => OmniError::InvalidCode { reason: e.to_string() },
        IdentifyError::NeedsCentral | IdentifyError::NoKey => {
            OmniError::Unreachable { what: WHAT, detail: e.to_string() }
        }
        IdentifyError::Central(ClientError::Refused { status, code, message, .. }) => {
            match (status.as_u16(), code.as_str()) {
                (404, _) => OmniError::UnknownMember,
                (410, _) | (_, "code_expired") => OmniError::Expired,
                (400 | 401, _) => OmniError::InvalidCode { reason: message },
                _ => OmniError::Unreachable { what: WHAT, detail: message },
            }
        }
        IdentifyError::Central(e) => client_error(WHAT, e),
        e @ (IdentifyError::Store(_) | IdentifyError::Task(_)) => {
            OmniError::Failed { what: WHAT, detail: e.to_string() }
        }
    }
}

/// A failure of a central call: out of reach (or busy) or refused.
fn client_error(what: &'static str, e: ClientError) -> OmniError {
    if e.is_retryable() {
        OmniError::Unreachable { what, detail: e.to_string() }
    } else {
        OmniError::Failed { what, detail: e.to_string() }
    }
}

fn device_error(what: &'static str) -> impl Fn(DeviceError) -> OmniError {
    move |e| match e {
        DeviceError::Central(e) => client_error(what, e),
        e => OmniError::Failed { what, detail: e.to_string() },
    }
}

/// A cart call's failure: the central's reasons for refusing a cart
/// (`cart_closed`, `cart_expired`, `forged_code`, `bad_code`...) as the
/// shopper is told them.
fn cart_error(what: &'static str) -> impl Fn(DeviceError) -> OmniError {
    move |e| match e {
        DeviceError::CartRefused { code, message } => match code.as_str() {
            "cart_closed" => OmniError::CartClosed,
            "cart_expired" => OmniError::Expired,
            "forged_code" | "bad_code" | "not_found" => OmniError::InvalidCode { reason: message },
            _ => OmniError::Failed { what, detail: message },
        },
        e => device_error(what)(e),
    }
}

/// Where an answer goes: the visit `visit`, dropped if it has ended.
pub(super) struct ReplyTo {
    pub visit: u64,
    pub reports: mpsc::UnboundedSender<Report>,
}

impl ReplyTo {
    fn send(&self, event: Event) {
        // The worker is gone only when the kiosk stops.
        let _ = self.reports.send(Report::Omni { visit: self.visit, event });
    }
}

fn not_identified(e: &OmniError) -> NotIdentified {
    match e {
        OmniError::UnknownMember => NotIdentified::Unknown,
        OmniError::Expired => NotIdentified::Expired,
        OmniError::InvalidCode { .. } => NotIdentified::Invalid,
        _ => NotIdentified::Unavailable,
    }
}

fn not_opened(e: &OmniError) -> NotOpened {
    match e {
        OmniError::CartClosed => NotOpened::Closed,
        OmniError::Expired => NotOpened::Expired,
        OmniError::InvalidCode { .. } => NotOpened::Invalid,
        _ => NotOpened::Unavailable,
    }
}

/// How a member is identified.
pub(super) enum Identify {
    Code(String),
    Phone(String),
}

pub(super) async fn identify(omni: OmniService, by: Identify, to: ReplyTo) {
    let found = match &by {
        Identify::Code(code) => omni.identify_code(code).await,
        Identify::Phone(phone) => omni.identify_phone(phone).await,
    };
    // No member id, name or phone number in the log: personal data.
    match found {
        Ok(member) => {
            info!(tier = member.tier, "member identified");
            to.send(Event::MemberIdentified { member });
        }
        Err(e) => {
            info!(error = %e, "member not identified");
            to.send(Event::MemberNotIdentified { why: not_identified(&e) });
        }
    }
}

pub(super) async fn open_cart(omni: OmniService, code: String, to: ReplyTo) {
    match omni.open_cart(&code).await {
        Ok(opened) => {
            info!(lines = opened.lines.len(), changes = opened.changes.len(), "cart opened");
            let OpenedCart { id, lines, changes } = opened;
            to.send(Event::CartOpened { cart_id: id, lines, changes });
        }
        Err(e) => {
            warn!(error = %e, "cart not opened");
            to.send(Event::CartNotOpened { why: not_opened(&e) });
        }
    }
}

pub(super) async fn hand_off(omni: OmniService, cart: Cart, member: Option<String>, to: ReplyTo) {
    match omni.hand_off(&cart, member.as_deref()).await {
        Ok(code) => {
            info!(lines = cart.lines().len(), "cart handed to the phone");
            to.send(Event::HandedOff { code });
        }
        Err(e) => {
            warn!(error = %e, "cart not handed off");
            to.send(Event::HandOffFailed);
        }
    }
}

pub(super) async fn stock(omni: OmniService, barcode: String, to: ReplyTo) {
    match omni.stock(&barcode).await {
        Ok(stock) => to.send(Event::Stock { barcode, stock }),
        Err(e) => {
            debug!(barcode, error = %e, "stock unavailable");
            to.send(Event::StockUnavailable { barcode });
        }
    }
}

pub(super) async fn subscribe(omni: OmniService, member: String, barcode: String, to: ReplyTo) {
    match omni.subscribe(&member, &barcode).await {
        Ok(()) => {
            info!(barcode, "back-in-stock alert set");
            to.send(Event::Subscribed { barcode });
        }
        Err(e) => {
            warn!(barcode, error = %e, "back-in-stock alert not set");
            to.send(Event::NotSubscribed { barcode });
        }
    }
}

pub(super) async fn recommend(omni: OmniService, member: String, cart: Vec<String>, to: ReplyTo) {
    match omni.recommendations(&member, &cart).await {
        Ok(items) => to.send(Event::Recommendations { member, items }),
        // Nothing to show is no problem for the shopper: the strip stays
        // empty.
        Err(e) => debug!(error = %e, "no recommendations"),
    }
}
