//! The kiosk's omnichannel calls: members, carts from and to other
//! channels, stock, "tell me when it is back", recommendations and the
//! pricer, behind one struct the worker uses.
//!
//! Every call answers "not available" for now: the device's loyalty, cart,
//! stock and pricing calls come with their own parts, and each method here
//! is then one call of [`Device`] mapped to [`OmniError`].

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::worker::Report;
use crate::checkout::Device;
use crate::domain::cart::{Cart, Line};
use crate::domain::visit::{
    Event, Member, NotIdentified, NotOpened, Pricer, Recommendation, Stock,
};

/// Why an omnichannel call gave no answer the visit can use.
#[derive(Debug, thiserror::Error)]
pub enum OmniError {
    #[error("{what} is not available on this kiosk yet")]
    NotAvailable { what: &'static str },
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

/// The omnichannel calls the worker makes.
#[derive(Clone)]
pub struct OmniService {
    #[expect(dead_code, reason = "the device's omnichannel calls are not on this branch yet")]
    device: Device,
}

fn not_available<T>(what: &'static str) -> Result<T, OmniError> {
    Err(OmniError::NotAvailable { what })
}

impl OmniService {
    pub fn new(device: Device) -> OmniService {
        OmniService { device }
    }

    /// Prices carts for the visit.
    // TODO: shelf prices only; the pricing engine over the device's cached
    // promotions, with the clock in Asia/Jakarta time, goes here.
    pub fn pricer(&self) -> Pricer {
        Pricer::plain()
    }

    /// The member whose app shows `code` (`SWM1.`).
    pub async fn identify_code(&self, _code: &str) -> Result<Member, OmniError> {
        not_available("member identification")
    }

    /// The member with this phone number, as typed; it goes to the central
    /// only, never to the database or the logs.
    pub async fn identify_phone(&self, _phone: &str) -> Result<Member, OmniError> {
        not_available("member identification")
    }

    /// The cart whose hand-off code (`SWC1.`) was scanned.
    pub async fn open_cart(&self, _code: &str) -> Result<OpenedCart, OmniError> {
        not_available("opening a cart")
    }

    /// Posts the kiosk's cart for the shopper's phone; returns its code.
    pub async fn hand_off(&self, _cart: &Cart, _member: Option<&str>) -> Result<String, OmniError> {
        not_available("continue on phone")
    }

    pub async fn stock(&self, _barcode: &str) -> Result<Stock, OmniError> {
        not_available("stock")
    }

    pub async fn subscribe(&self, _member: &str, _barcode: &str) -> Result<(), OmniError> {
        not_available("back-in-stock alerts")
    }

    pub async fn recommendations(
        &self,
        _member: &str,
        _cart: &[String],
    ) -> Result<Vec<Recommendation>, OmniError> {
        not_available("recommendations")
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
