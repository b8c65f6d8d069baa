//! The omnichannel side of a visit: the member, vouchers, the priced bill,
//! carts handed over from another channel or to the phone, an item's stock
//! and recommendations.
//!
//! Pricing is not done here: a [`Pricer`] given to the visit prices the
//! cart for the shopper, so the kiosk uses the same engine as every other
//! channel and the tests use a hand-written one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{Effect, Event, Notice, State, Visit};
use crate::domain::cart::{Cart, Line, MAX_QTY};
use crate::domain::pricing::{Discount, MemberFacts};
use crate::domain::{Product, Rupiah, loyalty};

/// A member as the screen shows them, from the central's answer to an
/// identification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: String,
    /// `silver`, `gold` or `platinum`.
    pub tier: String,
    /// Points available now (the balance minus what other payments hold).
    pub points: u64,
    /// For birthday offers; only the pricer reads it.
    pub birthday: Option<chrono::NaiveDate>,
}

impl Member {
    /// What the pricing engine is told of the member: tier and birthday.
    pub fn facts(&self) -> MemberFacts {
        MemberFacts { id: self.id.clone(), tier: self.tier.clone(), birthday: self.birthday }
    }
}

/// Who the cart is priced for: what the pricer needs to know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shopper {
    pub member: Option<Member>,
    /// Voucher codes given, in the order the shopper gave them.
    pub vouchers: Vec<String>,
    /// Points paying part of the total: the pricer's `points_earned` is on
    /// the amount left to pay, so it needs them.
    pub points_redeemed: u64,
}

/// A cart priced for a shopper, as the pricer returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// The lines at their shelf prices.
    pub subtotal: Rupiah,
    /// Each promotion applied, by the name the screen shows, and what it
    /// saved, in the order the engine applied them.
    pub discounts: Vec<(String, Rupiah)>,
    /// The same discounts by promotion id, as the receipt and the central
    /// record them (`{"promotion":"ID","amount":N}`).
    pub promotions: Vec<Discount>,
    /// The subtotal minus the discounts: what the shopper owes.
    pub total: Rupiah,
    /// Points the member earns on the amount paid (the total minus the
    /// points redeemed); zero for an anonymous shopper.
    pub points_earned: u64,
    /// Vouchers the shopper gave that no promotion took (unknown, not
    /// valid now, not met by this cart).
    pub unused_vouchers: Vec<String>,
}

impl Totals {
    /// The cart at shelf prices, with no promotion and no points: what a
    /// kiosk without a pricing engine charges.
    pub fn plain(cart: &Cart, shopper: &Shopper) -> Totals {
        Totals {
            subtotal: cart.total(),
            discounts: vec![],
            promotions: vec![],
            total: cart.total(),
            points_earned: 0,
            unused_vouchers: shopper.vouchers.clone(),
        }
    }
}

/// Prices a cart for a shopper. The runtime's pricer may read the clock
/// (promotions have validity windows); the visit calls it whenever the
/// cart or the shopper changes while scanning, never while paying.
#[derive(Clone)]
pub struct Pricer(Arc<PriceFn>);

/// The function a [`Pricer`] calls.
pub type PriceFn = dyn Fn(&Cart, &Shopper) -> Totals + Send + Sync;

impl Pricer {
    pub fn new(f: impl Fn(&Cart, &Shopper) -> Totals + Send + Sync + 'static) -> Pricer {
        Pricer(Arc::new(f))
    }

    /// [`Totals::plain`]: shelf prices only.
    pub fn plain() -> Pricer {
        Pricer::new(Totals::plain)
    }

    pub fn price(&self, cart: &Cart, shopper: &Shopper) -> Totals {
        (self.0)(cart, shopper)
    }
}

impl fmt::Debug for Pricer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pricer")
    }
}

/// What the cart screen shows under the lines, and what is paid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bill {
    pub subtotal: Rupiah,
    pub discounts: Vec<(String, Rupiah)>,
    /// The discounts by promotion id, for the payment, the sale and the
    /// receipt.
    pub promotions: Vec<Discount>,
    /// After discounts, before points.
    pub total: Rupiah,
    /// Points paying part of the total (one point pays Rp 1).
    pub points_redeemed: u64,
    /// The QRIS payment: the total minus the points, at least Rp 1 when
    /// points are used.
    pub to_pay: Rupiah,
    pub points_earned: u64,
    /// The vouchers the pricer applied: only these go with the payment.
    pub vouchers: Vec<String>,
}

/// What the payment and the sale carry to the central beyond the cart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkout {
    pub member: Option<String>,
    pub vouchers: Vec<String>,
    /// The central's id of a cart handed over from another channel: paying
    /// closes it.
    pub cart_id: Option<String>,
    pub bill: Bill,
}

/// Why a member was not identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotIdentified {
    /// No member has this phone number or code.
    Unknown,
    /// The app's code is out of date (a screenshot, say): show a fresh one.
    Expired,
    /// The code is damaged or not the central's.
    Invalid,
    /// The central cannot be asked now.
    Unavailable,
}

/// Why a cart from another channel could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotOpened {
    /// Already paid for.
    Closed,
    Expired,
    Invalid,
    Unavailable,
}

/// Another store's stock of an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearbyStock {
    pub store: String,
    pub qty: u32,
    /// From this store, rounded to the metre.
    pub metres: u32,
}

/// An item's stock here and nearby, and how old the figures are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stock {
    pub here: u32,
    /// Nearest first.
    pub nearest: Vec<NearbyStock>,
    /// Zero when the central answered just now; the cache's age otherwise.
    pub age: Duration,
}

/// A product suggested to the member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recommendation {
    pub barcode: String,
    pub name: String,
    pub price: Rupiah,
}

/// What the keypad types into.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeypadMode {
    #[default]
    Barcode,
    /// A member's phone number, to identify them.
    Phone,
    /// A numeric voucher code (others are scanned as a QR code).
    Voucher,
}

/// A card over the cart screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Panel {
    #[default]
    None,
    /// An item's page: its stock here and nearby. `stock` is `None` while
    /// asked, `unavailable` once the asking failed.
    Item { barcode: String, name: String, stock: Option<Stock>, unavailable: bool, alert: Alert },
    /// "Continue on phone": the hand-off code, `None` while it is made.
    HandOff { code: Option<String>, failed: bool },
    /// What changed in a cart brought from another channel.
    Changes { changes: Vec<String> },
    /// A member of staff approves the age-restricted lines with their PIN.
    Approval(super::Approval),
    /// Produce without a barcode, to choose by name: the catalog's PLU
    /// items by name, `None` while they are read, `failed` if the cache
    /// could not be read.
    Produce { items: Option<Vec<Product>>, failed: bool },
}

/// The state of "tell me when it is back" on an item's page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Alert {
    #[default]
    Off,
    Asking,
    On,
    Failed,
}

/// Everything the visit knows about the shopper beyond the cart; all of it
/// goes when the visit ends.
#[derive(Clone, Debug, Default)]
pub(super) struct Profile {
    pub member: Option<Member>,
    /// An identification is out; only its answer is taken.
    pub identifying: bool,
    /// A cart from another channel is being opened.
    pub opening: bool,
    pub vouchers: Vec<String>,
    pub redeem: bool,
    pub cart_id: Option<String>,
    pub recommendations: Vec<Recommendation>,
}

/// The most digits of a phone number (E.164 allows 15).
pub const MAX_PHONE: usize = 15;
/// The fewest digits a phone number is sent with.
pub const MIN_PHONE: usize = 9;

/// What a scanned code is, by its look.
pub(super) enum Scan {
    Member,
    Cart,
    /// Anything with a character that is not a digit: no product barcode
    /// (the catalog holds GTINs only), so a voucher code.
    Voucher,
    Product,
}

pub(super) fn classify(code: &str) -> Scan {
    if code.starts_with("SWM1.") {
        Scan::Member
    } else if code.starts_with("SWC1.") {
        Scan::Cart
    } else if code.chars().all(|c| c.is_ascii_digit()) {
        Scan::Product
    } else {
        Scan::Voucher
    }
}

impl Visit {
    /// Sets the pricer the visit bills with; [`Pricer::plain`] until then.
    pub fn set_pricer(&mut self, pricer: Pricer) {
        self.pricer = pricer;
        self.reprice();
    }

    /// The identified member, if any.
    pub fn member(&self) -> Option<&Member> {
        self.profile.member.as_ref()
    }

    /// Returns true if and only if a member identification is out.
    pub fn identifying(&self) -> bool {
        self.profile.identifying
    }

    /// The vouchers the shopper gave, applied or not.
    pub fn vouchers(&self) -> &[String] {
        &self.profile.vouchers
    }

    /// Returns true if and only if the shopper asked to pay with points.
    pub fn redeeming(&self) -> bool {
        self.profile.redeem
    }

    /// The cart priced for the shopper, as of the last change.
    pub fn bill(&self) -> &Bill {
        &self.bill
    }

    /// Products suggested to the identified member, without what is in the
    /// cart already; always empty for an anonymous shopper.
    pub fn recommendations(&self) -> Vec<&Recommendation> {
        let Some(cart) = self.cart() else { return vec![] };
        if self.profile.member.is_none() {
            return vec![];
        }
        let in_cart = |b: &str| cart.lines().iter().any(|l| l.barcode == b);
        self.profile.recommendations.iter().filter(|r| !in_cart(&r.barcode)).collect()
    }

    /// What the payment and the sale carry to the central.
    pub fn checkout(&self) -> Checkout {
        Checkout {
            member: self.profile.member.as_ref().map(|m| m.id.clone()),
            vouchers: self.bill.vouchers.clone(),
            cart_id: self.profile.cart_id.clone(),
            bill: self.bill.clone(),
        }
    }

    fn cart(&self) -> Option<&Cart> {
        match &self.state {
            State::Scanning { cart, .. } | State::Paying { cart, .. } => Some(cart),
            _ => None,
        }
    }

    /// Prices the cart again while it can change; a cart being paid keeps
    /// the bill it was paid with.
    pub(super) fn reprice(&mut self) {
        let cart = match &self.state {
            State::Scanning { cart, .. } => cart.clone(),
            State::Welcome => Cart::new(),
            _ => return,
        };
        let mut totals = self.pricer.price(&cart, &self.shopper(0));
        let redeemed = match &self.profile.member {
            Some(m) if self.profile.redeem => redeemable(m.points, totals.total),
            _ => 0,
        };
        if redeemed > 0 {
            totals = self.pricer.price(&cart, &self.shopper(redeemed));
        }
        let applied = self.profile.vouchers.iter();
        let vouchers = applied.filter(|v| !totals.unused_vouchers.contains(v)).cloned().collect();
        self.bill = Bill {
            vouchers,
            subtotal: totals.subtotal,
            to_pay: Rupiah(totals.total.0 - redeemed as i64),
            discounts: totals.discounts,
            promotions: totals.promotions,
            total: totals.total,
            points_redeemed: redeemed,
            points_earned: totals.points_earned,
        };
    }

    /// The visit's end: the member and everything about them go.
    pub(super) fn forget_shopper(&mut self) {
        self.profile = Profile::default();
        self.reprice();
    }

    /// A code scanned on the welcome or the cart screen that is no product.
    pub(super) fn scanned_special(&mut self, code: String) -> Option<(Option<Notice>, Effect)> {
        match classify(&code) {
            Scan::Member => {
                self.profile.identifying = true;
                Some((None, Effect::IdentifyMember { code }))
            }
            Scan::Cart => {
                self.profile.opening = true;
                Some((None, Effect::OpenCart { code }))
            }
            Scan::Voucher | Scan::Product => None,
        }
    }

    /// Drops an identification's or a cart's answer that came after the
    /// cart screen was left: a member identified then would not be priced
    /// for, so the shopper identifies again once back.
    pub(super) fn drop_answer(&mut self, event: &Event) {
        match event {
            Event::MemberIdentified { .. } | Event::MemberNotIdentified { .. } => {
                self.profile.identifying = false;
            }
            Event::CartOpened { .. } | Event::CartNotOpened { .. } => self.profile.opening = false,
            _ => {}
        }
    }

    /// What the pricer is told about the shopper.
    fn shopper(&self, points_redeemed: u64) -> Shopper {
        Shopper {
            member: self.profile.member.clone(),
            vouchers: self.profile.vouchers.clone(),
            points_redeemed,
        }
    }

    /// Keeps a voucher code the shopper gave, and says whether it applies
    /// to the cart now. One that does not is kept all the same: a spend
    /// threshold may be met later. Only the vouchers the pricer applied go
    /// with the payment.
    pub(super) fn give_voucher(&mut self, cart: &Cart, code: String) -> Notice {
        if !self.profile.vouchers.contains(&code) {
            self.profile.vouchers.push(code.clone());
        }
        if self.pricer.price(cart, &self.shopper(0)).unused_vouchers.contains(&code) {
            Notice::VoucherNotApplicable { code }
        } else {
            Notice::VoucherApplied { code }
        }
    }

    /// The omnichannel transitions of the cart screen. Returns `None` for
    /// an event that is not one of them.
    pub(super) fn next_omni(
        &mut self,
        cart: &mut Cart,
        panel: &mut Panel,
        keypad: &mut KeypadMode,
        event: Event,
    ) -> Option<(Option<Notice>, Vec<Effect>)> {
        use Event as E;

        let none = Some((None, vec![]));
        match event {
            E::MemberIdentified { member } if self.profile.identifying => {
                self.profile.identifying = false;
                let effect = Effect::FetchRecommendations {
                    member: member.id.clone(),
                    cart: barcodes(cart),
                };
                self.profile.member = Some(member);
                Some((None, vec![effect]))
            }
            E::MemberNotIdentified { why } if self.profile.identifying => {
                self.profile.identifying = false;
                Some((Some(Notice::MemberNotIdentified { why }), vec![]))
            }
            E::ForgetMember => {
                self.profile.member = None;
                self.profile.identifying = false;
                self.profile.redeem = false;
                self.profile.recommendations.clear();
                if matches!(panel, Panel::Item { .. }) {
                    *panel = Panel::None;
                }
                none
            }
            E::KeypadMode { mode } => {
                *keypad = mode;
                none
            }
            E::ToggleRedeem => {
                let has_points = self.profile.member.as_ref().is_some_and(|m| m.points > 0);
                self.profile.redeem = has_points && !self.profile.redeem;
                none
            }
            E::Recommendations { member, items }
                if self.profile.member.as_ref().is_some_and(|m| m.id == member) =>
            {
                self.profile.recommendations = items;
                none
            }
            E::AddRecommended { barcode } if self.profile.member.is_some() => {
                Some((None, vec![Effect::LookUp { code: barcode }]))
            }
            E::CartOpened { cart_id, lines, changes } if self.profile.opening => {
                self.profile.opening = false;
                if cart_id.is_some() {
                    self.profile.cart_id = cart_id;
                }
                let items: u32 = lines.iter().map(|l| l.qty).sum();
                for line in lines {
                    merge(cart, line);
                }
                let notice = if changes.is_empty() {
                    Some(Notice::CartOpened { items })
                } else {
                    *panel = Panel::Changes { changes };
                    None
                };
                let effects = match &self.profile.member {
                    Some(m) => vec![Effect::FetchRecommendations {
                        member: m.id.clone(),
                        cart: barcodes(cart),
                    }],
                    None => vec![],
                };
                Some((notice, effects))
            }
            E::CartNotOpened { why } if self.profile.opening => {
                self.profile.opening = false;
                Some((Some(Notice::CartNotOpened { why }), vec![]))
            }
            E::ContinueOnPhone if !cart.is_empty() => {
                *panel = Panel::HandOff { code: None, failed: false };
                let member = self.profile.member.as_ref().map(|m| m.id.clone());
                Some((None, vec![Effect::HandOff { cart: cart.clone(), member }]))
            }
            E::HandedOff { code } if matches!(panel, Panel::HandOff { code: None, .. }) => {
                *panel = Panel::HandOff { code: Some(code), failed: false };
                none
            }
            E::HandOffFailed if matches!(panel, Panel::HandOff { code: None, .. }) => {
                *panel = Panel::HandOff { code: None, failed: true };
                none
            }
            E::OpenItem { barcode } => {
                let line = cart.lines().iter().find(|l| l.barcode == barcode)?;
                *panel = Panel::Item {
                    barcode: barcode.clone(),
                    name: line.name.clone(),
                    stock: None,
                    unavailable: false,
                    alert: Alert::Off,
                };
                Some((None, vec![Effect::FetchStock { barcode }]))
            }
            E::Stock { barcode: b, stock: s } => {
                if let Panel::Item { barcode, stock, unavailable, .. } = panel
                    && *barcode == b
                {
                    (*stock, *unavailable) = (Some(s), false);
                }
                none
            }
            E::StockUnavailable { barcode: b } => {
                if let Panel::Item { barcode, stock: None, unavailable, .. } = panel
                    && *barcode == b
                {
                    *unavailable = true;
                }
                none
            }
            E::Subscribe => {
                let member = self.profile.member.as_ref()?;
                let Panel::Item { barcode, stock: Some(stock), alert, .. } = panel else {
                    return none;
                };
                if stock.here > 0 || matches!(alert, Alert::Asking | Alert::On) {
                    return none;
                }
                *alert = Alert::Asking;
                let effect =
                    Effect::Subscribe { member: member.id.clone(), barcode: barcode.clone() };
                Some((None, vec![effect]))
            }
            E::Subscribed { barcode: b } => {
                answer_alert(panel, &b, Alert::On);
                none
            }
            E::NotSubscribed { barcode: b } => {
                answer_alert(panel, &b, Alert::Failed);
                none
            }
            E::OpenProduce => {
                *panel = Panel::Produce { items: None, failed: false };
                Some((None, vec![Effect::ListProduce]))
            }
            E::ProduceListed { items: listed } => {
                if let Panel::Produce { items, failed } = panel {
                    (*items, *failed) = (Some(listed), false);
                }
                none
            }
            E::ProduceUnavailable => {
                if let Panel::Produce { items: None, failed } = panel {
                    *failed = true;
                }
                none
            }
            // As if its PLU had been typed: the catalog says what it costs
            // now, and the panel closes on the cart.
            E::ChooseProduce { barcode } if matches!(panel, Panel::Produce { .. }) => {
                *panel = Panel::None;
                Some((None, vec![Effect::LookUp { code: barcode }]))
            }
            E::ClosePanel => {
                *panel = Panel::None;
                none
            }
            _ => None,
        }
    }
}

/// The most of a member's `points` that may pay `total`: the loyalty rule
/// ([`loyalty::redeem_cap`]), at most `total - 1` so that the QRIS payment
/// stays at least Rp 1.
pub fn redeemable(points: u64, total: Rupiah) -> u64 {
    loyalty::redeem_cap(total, points)
}

/// Sets the item page's alert to the answer about `barcode`'s.
fn answer_alert(panel: &mut Panel, b: &str, answer: Alert) {
    if let Panel::Item { barcode, alert: alert @ Alert::Asking, .. } = panel
        && barcode == b
    {
        *alert = answer;
    }
}

fn barcodes(cart: &Cart) -> Vec<String> {
    cart.lines().iter().map(|l| l.barcode.clone()).collect()
}

/// Adds a line from another channel to the cart: its quantity onto the
/// line of the same product, at this kiosk's line price when there is one,
/// never past [`MAX_QTY`].
fn merge(cart: &mut Cart, line: Line) {
    let had = cart.lines().iter().find(|l| l.barcode == line.barcode).map(|l| l.qty);
    let product = Product {
        barcode: line.barcode.clone(),
        name: line.name.clone(),
        price: line.unit_price,
        category: line.category.clone(),
        restriction: line.restriction,
    };
    if cart.add(&product).is_err() {
        return;
    }
    let qty = (had.unwrap_or(0) + line.qty).min(MAX_QTY);
    let _ = cart.set_qty(&line.barcode, qty);
}
