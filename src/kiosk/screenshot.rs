//! Renders each kiosk screen to a PNG with Slint's software renderer, with
//! no display: the README's screenshots (`tools/screenshots.sh`).
//!
//! The screens are filled the way the worker fills them: a [`Visit`] is
//! stepped through a checkout of demo-catalog products and each
//! [`View`] is applied to the real window.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, PlatformError, Rgb8Pixel, SharedPixelBuffer};

use super::view::{Qr, View};
use super::{Panel, fit_to_panel, qr, select_language, ui};
use crate::central::server::{DEMO_CATALOG, demo_merchant};
use crate::domain::cart::Line;
use crate::domain::restricted::Restriction;
use crate::domain::visit::{
    Event, FoundOrder, KeypadMode, Member, NearbyStock, NotCreated, PayStage, Payment,
    PickupProblem, Pricer, Recommendation, State, Stock, Totals, Visit,
};
use crate::domain::{Product, Rupiah, qris};
use crate::scan::{FolderFrames, FrameSource};

/// The kiosk's screen: 1280x800, landscape.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// The demo-catalog products in the scanning screenshot, in scan order.
const SCANNED: [&str; 4] = ["8991508000406", "8991545000735", "8991508000406", "8991471000373"];

/// The customer-presented code of `../shared/samples/qris/cpm.tsv`.
const WALLET_CODE: &str = concat!(
    "hQVDUFYwMWFFTwegAAAGAiAgUAdRUklTQ1BNWgqTYAkUMBAFMXIPXy0EaWRlbmMen3QbY2hl",
    "cXVlOjk1Njc3MjQ5NTA5MDUxODk4MDc0"
);

/// A platform with one offscreen window.
struct Offscreen {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

/// Writes `welcome.png`, `scanning.png`, `payment.png` and `done.png` into
/// `dir`, with `scanning-en.png` (the English one) and the payment screen's
/// other states: `payment-offline.png` (the connection lost while the code
/// is up), `payment-expired.png`, `payment-connecting.png` and
/// `payment-failed.png`, and the omnichannel ones of [`shoot_omni`].
/// Then, with large text on, `welcome-large.png`, `scanning-large.png`,
/// `payment-large.png`, `item-stock-large.png`, `scanning-member-large.png`,
/// `done-large.png` and `produce-large.png` (and the pickup ones).
/// Returns their paths. The first image of the folder
/// `frames`, if given, stands in for the camera picture.
///
/// Must run before any other Slint window is made in the process: it
/// installs its own platform.
///
/// # Errors
///
/// When the platform is already set, a demo product is missing from the
/// catalog, or a file cannot be written.
pub fn screenshots(dir: &Path, frames: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Offscreen { window: window.clone() }))
        .map_err(|e| anyhow!("cannot install the offscreen platform: {e}"))?;
    let app = ui::AppWindow::new()?;
    window.set_size(PhysicalSize::new(WIDTH, HEIGHT));
    app.show()?;
    select_language(&app, super::DEFAULT_LANGUAGE);
    fit_to_panel(&app, &Panel::DEFAULT);

    if let Some(folder) = frames {
        let frame = FolderFrames::open(folder)?.next_frame()?;
        let image = frame.rgb.context("the frame has no colour picture")?;
        let pixels = SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(
            image.as_raw(),
            image.width(),
            image.height(),
        );
        let scan = app.global::<ui::ScanAdapter>();
        scan.set_has_camera(true);
        scan.set_camera_frame(slint::Image::from_rgb8(pixels));
    }

    let mut written = vec![];
    let mut save_as = |name: String| -> anyhow::Result<()> {
        let path = dir.join(format!("{name}.png"));
        save(&window, &path)?;
        written.push(path);
        Ok(())
    };
    tour(&app, &mut |name| save_as(name.to_owned()))?;
    // Large text, on the screens with the most to fit.
    app.global::<ui::AppAdapter>().set_large_text(true);
    tour(&app, &mut |name| {
        if LARGE_SHOTS.contains(&name) { save_as(format!("{name}-large")) } else { Ok(()) }
    })?;
    app.global::<ui::AppAdapter>().set_large_text(false);
    Ok(written)
}

/// The screens shot again with large text.
const LARGE_SHOTS: [&str; 13] = [
    "welcome",
    "scanning",
    "payment",
    "item-stock",
    "scanning-member",
    "done",
    "pickup-wrong",
    "pickup-open",
    "produce",
    "pickup-pay",
    "return",
    "return-not-stowed",
    "staff-load",
];

/// Puts every screen and panel of a visit on `app` in turn, with fixture
/// data, and calls `stop` with its name (`welcome`, `scanning`, ...) while
/// it is up: the screenshots shoot it, the accessibility test and report
/// measure it.
///
/// # Errors
///
/// When a demo product is missing from the catalog, or `stop` fails.
pub fn tour(
    app: &ui::AppWindow,
    stop: &mut dyn FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let products = demo_products()?;
    let pictures = demo_pictures()?;
    let t0 = Instant::now();
    let mut visit = Visit::new(Duration::from_secs(90), "shot", t0);
    let mut shoot = |visit: &Visit, now: Instant, name: &str| -> anyhow::Result<()> {
        let mut view = View::of(visit, now, true, &mut draw);
        view.omni.produce.show_pictures(&pictures);
        view.apply(app);
        stop(name)
    };

    shoot(&visit, t0, "welcome")?;

    visit.step(Event::Start, t0);
    for code in SCANNED {
        visit.step(Event::Scanned { code: code.into() }, t0);
        let product = products.iter().find(|p| p.barcode == code).cloned();
        visit
            .step(Event::ProductFound { product: product.context("not in the demo catalog")? }, t0);
    }
    // An unknown code, to show the message area.
    visit.step(Event::Scanned { code: "8991234567899".into() }, t0);
    visit.step(Event::ProductNotFound { code: "8991234567899".into() }, t0);
    for digit in "89915".chars() {
        visit.step(Event::KeypadDigit { digit }, t0);
    }
    shoot(&visit, t0, "scanning")?;
    // The same in English, the second language.
    select_language(app, "en");
    shoot(&visit, t0, "scanning-en")?;
    select_language(app, super::DEFAULT_LANGUAGE);

    visit.step(Event::Pay, t0);
    let amount: Rupiah = match visit.state() {
        crate::domain::visit::State::Paying { cart, .. } => cart.total(),
        _ => unreachable!("a full cart can be paid"),
    };
    let payment = |id: &str, reference: &str| -> anyhow::Result<Payment> {
        Ok(Payment {
            id: id.into(),
            qris: qris::dynamic_payload(&demo_merchant(), amount, reference)?,
            amount,
            expires_at: t0 + Duration::from_secs(300),
        })
    };
    let created = |attempt: &str, payment: Payment| Event::PaymentCreated {
        attempt: attempt.into(),
        payment,
    };
    visit.step(created("shot-1", payment("pay-demo", "SWL0001")?), t0);
    // 46 seconds into the five minutes: 4:14 left.
    shoot(&visit, t0 + Duration::from_secs(46), "payment")?;
    // The central goes silent with 2:05 left: the code stays up.
    visit.step(Event::Connectivity { online: false }, t0);
    shoot(&visit, t0 + Duration::from_secs(175), "payment-offline")?;
    visit.step(Event::Connectivity { online: true }, t0);

    // Out of time, and the central says so.
    let at = |secs: u64| t0 + Duration::from_secs(secs);
    visit.step(Event::Tick, at(300));
    visit.step(Event::PaymentExpired { id: "pay-demo".into() }, at(300));
    shoot(&visit, at(301), "payment-expired")?;

    // A new code, while the central does not answer.
    visit.step(Event::PayAgain, at(302));
    let unreachable =
        Event::PaymentNotCreated { attempt: "shot-2".into(), why: NotCreated::Unreachable };
    visit.step(unreachable, at(302));
    shoot(&visit, at(303), "payment-connecting")?;

    // It answers; the shopper's wallet code is declined.
    let retry_at = match visit.state() {
        State::Paying { stage: PayStage::Connecting { retry_at, .. }, .. } => *retry_at,
        _ => unreachable!("a create without an answer is retried"),
    };
    visit.step(Event::Tick, retry_at);
    let mut second = payment("pay-demo-2", "SWL0002")?;
    second.expires_at = at(600);
    visit.step(created("shot-2", second), at(304));
    visit.step(Event::Scanned { code: WALLET_CODE.into() }, at(310));
    visit.step(Event::PaymentFailed { id: "pay-demo-2".into() }, at(311));
    shoot(&visit, at(312), "payment-failed")?;

    // The third code is paid.
    visit.step(Event::PayAgain, at(320));
    let mut third = payment("pay-demo-3", "SWL0003")?;
    third.expires_at = at(620);
    visit.step(created("shot-3", third), at(321));
    visit.step(Event::PaymentPaid { id: "pay-demo-3".into() }, at(330));
    let transaction_id = "TRX-7B5ECAF09FBA4D1C".to_owned();
    visit.step(
        Event::SaleRecorded {
            url: Some(format!("http://127.0.0.1:8080/receipt/{transaction_id}")),
            transaction_id: Some(transaction_id),
        },
        at(330),
    );
    shoot(&visit, at(333), "done")?;

    shoot_omni(&products, t0, &mut shoot)?;
    shoot_restricted(&products, t0, &mut shoot)?;
    shoot_produce(&products, t0, &mut shoot)?;
    shoot_pickup(t0, &mut shoot)?;
    shoot_return(t0, &mut shoot)?;
    shoot_staff(t0, &mut shoot)?;

    // The done screen 15 s before it times out (done at 330 s, a 90 s
    // timeout), with spoken guidance on: `idle-warning`.
    let mut view = View::of(&visit, at(405), true, &mut draw);
    view.guidance.on = true;
    view.apply(app);
    stop("idle-warning")
}

/// The staff approval of a beer, with three digits of the PIN typed
/// (`approval.png`), and a cigarette pack refused (`tobacco.png`).
fn shoot_restricted(
    products: &[Product],
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut visit = Visit::new(Duration::from_secs(90), "shot-restricted", t0);
    visit.set_pricer(demo_pricer());
    visit.step(Event::Start, t0);
    // Two Indomie and two Bintang Pilsener.
    for code in ["8991508000406", "8991508000406", "8991878000075", "8991878000075"] {
        let product = products.iter().find(|p| p.barcode == code).cloned();
        visit
            .step(Event::ProductFound { product: product.context("not in the demo catalog")? }, t0);
    }
    // A cigarette pack: refused, with the message.
    let product = products.iter().find(|p| p.restriction == Restriction::Tobacco).cloned();
    visit.step(
        Event::ProductFound { product: product.context("no tobacco in the demo catalog")? },
        t0,
    );
    shoot(&visit, t0, "tobacco")?;
    visit.step(Event::Pay, t0);
    for digit in "246".chars() {
        visit.step(Event::StaffPinDigit { digit }, t0);
    }
    shoot(&visit, t0, "approval")?;
    Ok(())
}

/// Collecting an order from the lockers: the code and two phone digits
/// typed (`pickup.png`), wrong phone digits (`pickup-wrong.png`), the open
/// door (`pickup-open.png`), left open (`pickup-left-open.png`) and the
/// thank-you (`pickup-collected.png`).
fn shoot_pickup(
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut visit = Visit::new(Duration::from_secs(90), "shot-pickup", t0);
    visit.step(Event::StartPickup, t0);
    let type_digits = |visit: &mut Visit, digits: &str| {
        for digit in digits.chars() {
            visit.step(Event::KeypadDigit { digit }, t0);
        }
    };
    type_digits(&mut visit, "48219300");
    shoot(&visit, t0, "pickup")?;
    type_digits(&mut visit, "19");
    visit.step(Event::KeypadEnter, t0);
    visit.step(Event::PickupRefused { why: PickupProblem::WrongDigits { left: 4 } }, t0);
    shoot(&visit, t0, "pickup-wrong")?;
    type_digits(&mut visit, "4821930001");
    visit.step(Event::KeypadEnter, t0);
    let order = FoundOrder {
        order_id: "ORD-7F3A".into(),
        compartment: 7,
        paid: true,
        total: Rupiah(57_500),
    };
    visit.step(Event::PickupFound { order }, t0);
    visit.step(Event::DoorOpened, t0);
    shoot(&visit, t0, "pickup-open")?;
    visit.step(Event::DoorLeftOpen, t0);
    shoot(&visit, t0, "pickup-left-open")?;
    visit.step(Event::PickupCollected, t0);
    shoot(&visit, t0, "pickup-collected")?;
    shoot_pickup_pay(t0, shoot)
}

/// Paying for an unpaid order before its door opens (`pickup-pay.png`),
/// and the refusal with no central to pay it (`pickup-unpaid-offline.png`).
fn shoot_pickup_pay(
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut visit = Visit::new(Duration::from_secs(90), "shot-order", t0);
    visit.step(Event::StartPickup, t0);
    visit.step(Event::Scanned { code: "SWP1.demo".into() }, t0);
    let total = Rupiah(63_500);
    let order = FoundOrder { order_id: "ORD-9B21".into(), compartment: 3, paid: false, total };
    visit.step(Event::PickupFound { order }, t0);
    let payment = Payment {
        id: "pay-order".into(),
        qris: qris::dynamic_payload(&demo_merchant(), total, "ORD-9B21")?,
        amount: total,
        expires_at: t0 + Duration::from_secs(300),
    };
    visit.step(Event::PaymentCreated { attempt: "shot-order-1".into(), payment }, t0);
    // 20 seconds into the five minutes: 4:40 left.
    shoot(&visit, t0 + Duration::from_secs(20), "pickup-pay")?;

    let mut visit = Visit::new(Duration::from_secs(90), "shot-order", t0);
    visit.step(Event::StartPickup, t0);
    visit.step(Event::Scanned { code: "SWP1.demo".into() }, t0);
    visit.step(Event::PickupRefused { why: PickupProblem::UnpaidOffline }, t0);
    shoot(&visit, t0, "pickup-unpaid-offline")
}

/// Bringing goods back: the receipt's QR asked for (`return-scan.png`),
/// one Popok of a sale picked with the fruit refused as final sale
/// (`return.png`), the summary (`return-confirm.png`, and
/// `return-confirm-points.png` for a sale paid partly with points), the open return
/// compartment (`return-open.png`), the thank-you (`return-stowed.png`),
/// and a door closed on nothing after the refund (`return-not-stowed.png`).
fn shoot_return(
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use crate::domain::visit::{
        LineRefused, NotStowed, Refund, RefundTo, ReturnLine, ReturnPurchase, ReturnReason,
    };
    let line = |barcode: &str, name: &str, price, bought, refused| ReturnLine {
        barcode: barcode.into(),
        name: name.into(),
        unit_price: Rupiah(price),
        bought,
        returned: 0,
        refused,
    };
    // The sale of the UI story: 75 000 at list prices, 73 500 paid.
    let fruit = Some(LineRefused::FinalSale { category: "buah-sayur".into() });
    let purchase = ReturnPurchase {
        order: None,
        sale: Some("TRX-5C1D".into()),
        paid: Rupiah(73_500),
        list_total: Rupiah(75_000),
        refunded: Rupiah::ZERO,
        points_paid: Rupiah::ZERO,
        refund_to: vec![RefundTo::Qris, RefundTo::Points],
        lines: vec![
            line("8991101000070", "Popok M 34", 50_000, 1, None),
            line("8991101000278", "Sabun Mandi 90 g", 7_500, 2, None),
            line("8991101000179", "Pisang Cavendish 1 kg", 10_000, 1, fruit),
        ],
    };
    let mut visit = Visit::new(Duration::from_secs(90), "shot-return", t0);
    visit.step(Event::StartReturn, t0);
    shoot(&visit, t0, "return-scan")?;
    visit.step(Event::Scanned { code: "http://127.0.0.1:8080/receipt/TRX-5C1D".into() }, t0);
    visit.step(Event::ReturnableFound { purchase: purchase.clone() }, t0);
    visit.step(Event::ReturnMore { line: 0 }, t0);
    visit.step(Event::ReturnReasonChosen { reason: ReturnReason::Damaged }, t0);
    visit.step(Event::ReturnRefundChosen { to: RefundTo::Qris }, t0);
    shoot(&visit, t0, "return")?;
    visit.step(Event::ReturnReview, t0);
    shoot(&visit, t0, "return-confirm")?;
    // The same sale with Rp 23.500 of it paid in points: of the 49.000,
    // 49.000 x 50.000 / 73.500 = 33.333 go to QRIS and 15.667 to points.
    let mut with_points = Visit::new(Duration::from_secs(90), "shot-return-points", t0);
    with_points.step(Event::StartReturn, t0);
    with_points.step(Event::Scanned { code: "TRX-5C1D".into() }, t0);
    let paid_with_points = ReturnPurchase { points_paid: Rupiah(23_500), ..purchase.clone() };
    with_points.step(Event::ReturnableFound { purchase: paid_with_points }, t0);
    with_points.step(Event::ReturnMore { line: 0 }, t0);
    with_points.step(Event::ReturnReasonChosen { reason: ReturnReason::Damaged }, t0);
    with_points.step(Event::ReturnRefundChosen { to: RefundTo::Qris }, t0);
    with_points.step(Event::ReturnReview, t0);
    shoot(&with_points, t0, "return-confirm-points")?;
    visit.step(Event::ReturnConfirm, t0);
    let refund = Refund {
        return_id: "RET-9A0B".into(),
        amount: Rupiah(49_000),
        to: RefundTo::Qris,
        points: Rupiah::ZERO,
    };
    visit.step(Event::ReturnRecorded { refund, compartment: 8 }, t0);
    visit.step(Event::DoorOpened, t0);
    shoot(&visit, t0, "return-open")?;
    let mut stuck = visit.clone();
    visit.step(Event::ReturnStowed, t0);
    shoot(&visit, t0, "return-stowed")?;
    stuck.step(Event::ReturnNotStowed { why: NotStowed::Empty }, t0);
    shoot(&stuck, t0, "return-not-stowed")
}

/// Staff at the lockers: the PIN after a wrong one (`staff-pin.png`), the
/// menu (`staff-menu.png`), an order loaded (`staff-load.png`) and the
/// expired orders with one taken out and refunded (`staff-unload.png`).
fn shoot_staff(
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use crate::domain::visit::{StaffMember, ToUnload, UnloadResult};

    let mut visit = Visit::new(Duration::from_secs(90), "shot-staff", t0);
    visit.step(Event::StartPickup, t0);
    visit.step(Event::StartStaff, t0);
    let pin = |visit: &mut Visit, digits: &str| {
        for digit in digits.chars() {
            visit.step(Event::StaffPinDigit { digit }, t0);
        }
        visit.step(Event::StaffPinEnter, t0);
    };
    pin(&mut visit, "1111");
    let why = crate::domain::visit::ApprovalProblem::WrongPin { left: 4 };
    visit.step(Event::ApprovalRefused { why }, t0);
    visit.step(Event::StaffPinDigit { digit: '2' }, t0);
    visit.step(Event::StaffPinDigit { digit: '4' }, t0);
    shoot(&visit, t0, "staff-pin")?;
    pin(&mut visit, "68");
    let staff = StaffMember { id: "S001".into(), name: "Rina Wulandari".into() };
    visit.step(Event::StaffSignedIn { staff }, t0);
    shoot(&visit, t0, "staff-menu")?;
    visit.step(Event::StaffLoad, t0);
    visit.step(Event::Scanned { code: "ORD-7F3A00C1B2D4E5F6".into() }, t0);
    visit.step(Event::DoorUnlocking { compartment: 2 }, t0);
    visit.step(Event::DoorOpened, t0);
    visit.step(Event::OrderLoaded { compartment: 2 }, t0);
    shoot(&visit, t0, "staff-load")?;
    visit.step(Event::Cancel, t0);
    visit.step(Event::StaffUnload, t0);
    let expired = |order_id: &str, compartment, paid, total| ToUnload {
        order_id: order_id.into(),
        compartment,
        paid,
        total: Rupiah(total),
        cancelled: false,
    };
    let first = expired("ORD-0A0B0C0D0E0F1011", 4, true, 6_750);
    let orders = vec![first, expired("ORD-1C2B3A4D5E6F7081", 9, false, 13_500)];
    visit.step(Event::UnloadListed { orders }, t0);
    visit.step(Event::UnloadOne { order_id: "ORD-0A0B0C0D0E0F1011".into() }, t0);
    let result = UnloadResult::Refunded { amount: Rupiah(6_750) };
    visit.step(Event::OrderUnloaded { order_id: "ORD-0A0B0C0D0E0F1011".into(), result }, t0);
    let left = vec![expired("ORD-1C2B3A4D5E6F7081", 9, false, 13_500)];
    visit.step(Event::UnloadListed { orders: left }, t0);
    shoot(&visit, t0, "staff-unload")
}

/// The list of produce without a barcode over a cart (`produce.png`): the
/// demo catalog's PLU items, by name, as the device's cache lists them.
fn shoot_produce(
    products: &[Product],
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut visit = Visit::new(Duration::from_secs(90), "shot-produce", t0);
    visit.set_pricer(demo_pricer());
    visit.step(Event::Start, t0);
    let product = products.iter().find(|p| p.barcode == SCANNED[0]).cloned();
    visit.step(Event::ProductFound { product: product.context("not in the demo catalog")? }, t0);
    visit.step(Event::OpenProduce, t0);
    let mut items: Vec<Product> =
        products.iter().filter(|p| crate::domain::variable::is_plu(&p.barcode)).cloned().collect();
    items.sort_by(|a, b| (&a.name, &a.barcode).cmp(&(&b.name, &b.barcode)));
    anyhow::ensure!(!items.is_empty(), "no PLU items in the demo catalog");
    visit.step(Event::ProduceListed { items }, t0);
    shoot(&visit, t0, "produce")
}

/// The cart screen of a member, the phone entry, an item's stock page,
/// "continue on phone" and a cart brought from the app:
/// `member-phone.png`, `scanning-member.png`, `item-stock.png`,
/// `hand-off.png` and `cart-changes.png`.
fn shoot_omni(
    products: &[Product],
    t0: Instant,
    shoot: &mut dyn FnMut(&Visit, Instant, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let product = |code: &str| -> anyhow::Result<Product> {
        products.iter().find(|p| p.barcode == code).cloned().context("not in the demo catalog")
    };
    let mut visit = Visit::new(Duration::from_secs(90), "omni", t0);
    visit.set_pricer(demo_pricer());
    visit.step(Event::Start, t0);
    for code in SCANNED {
        visit.step(Event::ProductFound { product: product(code)? }, t0);
    }

    // A member types their phone number on the keypad.
    visit.step(Event::KeypadMode { mode: KeypadMode::Phone }, t0);
    for digit in "081200001234".chars() {
        visit.step(Event::KeypadDigit { digit }, t0);
    }
    shoot(&visit, t0, "member-phone")?;

    // Found: a gold member with a voucher, suggestions and points to spend.
    visit.step(Event::KeypadEnter, t0);
    let member = Member {
        id: "M-0002".into(),
        name: "Siti Rahayu".into(),
        tier: "gold".into(),
        points: 2_750,
        birthday: None,
    };
    visit.step(Event::MemberIdentified { member }, t0);
    visit.step(Event::Scanned { code: DEMO_VOUCHER.into() }, t0);
    let items = ["8991249000499", "8991397000310", "8991249000192"]
        .iter()
        .map(|code| {
            product(code).map(|p| Recommendation {
                barcode: p.barcode,
                name: p.name,
                price: p.price,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    visit.step(Event::Recommendations { member: "M-0002".into(), items }, t0);
    visit.step(Event::ToggleRedeem, t0);
    shoot(&visit, t0, "scanning-member")?;

    // Teh Botol's page: sold out here, in stock nearby.
    let teh = "8991545000735";
    visit.step(Event::OpenItem { barcode: teh.into() }, t0);
    let near = |store: &str, qty, metres| NearbyStock { store: store.into(), qty, metres };
    let stock = Stock {
        here: 0,
        nearest: vec![
            near("Swalayan Kemang", 14, 2_140),
            near("Swalayan Tebet", 3, 4_810),
            near("Swalayan Cikini", 0, 6_020),
        ],
        age: Duration::from_secs(12 * 60),
    };
    visit.step(Event::Stock { barcode: teh.into(), stock }, t0);
    shoot(&visit, t0, "item-stock")?;

    // The cart goes to the phone.
    visit.step(Event::ClosePanel, t0);
    visit.step(Event::ContinueOnPhone, t0);
    let code = format!("SWC1.{}.{}", "eyJjYXJ0IjoiQy0wMDQyIn0".repeat(3), "c2lnbmF0dXJl".repeat(4));
    visit.step(Event::HandedOff { code }, t0);
    shoot(&visit, t0, "hand-off")?;

    // Another shopper brings a cart from the app; some of it differs here.
    let mut visit = Visit::new(Duration::from_secs(90), "omni2", t0);
    visit.set_pricer(demo_pricer());
    visit.step(Event::Scanned { code: "SWC1.e30.c2ln".into() }, t0);
    let line = |code: &str, qty| -> anyhow::Result<Line> {
        let p = product(code)?;
        Ok(Line {
            barcode: p.barcode,
            name: p.name,
            unit_price: p.price,
            qty,
            category: p.category,
            restriction: Default::default(),
            approved: 0,
            measure: None,
        })
    };
    let lines = vec![line("8991508000406", 4)?, line("8991397000310", 1)?];
    let changes = vec![
        "Oreo Vanila 133 g tidak dijual di toko ini".to_owned(),
        "Kapal Api Special Mix 10 x 24 g: Rp 15.500 di sini (Rp 14.900 di aplikasi)".to_owned(),
    ];
    visit.step(Event::CartOpened { cart_id: Some("C-0042".into()), lines, changes }, t0);
    shoot(&visit, t0, "cart-changes")?;
    Ok(())
}

/// The demo voucher of [`demo_pricer`].
const DEMO_VOUCHER: &str = "HEMAT5K";

/// Stands in for the pricing engine in the screenshots: Indomie two for
/// Rp 6.000, voucher HEMAT5K Rp 5.000 off from Rp 20.000, and 2 points per
/// full Rp 1.000 paid for a member.
fn demo_pricer() -> Pricer {
    Pricer::new(|cart, shopper| {
        let subtotal = cart.total();
        let mut discounts = vec![];
        let indomie = cart.lines().iter().find(|l| l.barcode == "8991508000406");
        if let Some(pairs) = indomie.map(|l| l.qty / 2).filter(|&p| p > 0) {
            discounts.push(("Indomie 2 for Rp 6.000".to_owned(), Rupiah(1_000 * i64::from(pairs))));
        }
        let mut unused_vouchers = vec![];
        for v in &shopper.vouchers {
            if v == DEMO_VOUCHER && subtotal >= Rupiah(20_000) {
                discounts.push((format!("Voucher {DEMO_VOUCHER}"), Rupiah(5_000)));
            } else {
                unused_vouchers.push(v.clone());
            }
        }
        let total = Rupiah(subtotal.0 - discounts.iter().map(|(_, d)| d.0).sum::<i64>());
        let paid = total.0 - shopper.points_redeemed as i64;
        let points_earned = if shopper.member.is_some() { (paid / 1_000) as u64 * 2 } else { 0 };
        Totals { subtotal, discounts, promotions: vec![], total, points_earned, unused_vouchers }
    })
}

fn draw(payload: &str) -> Option<Qr> {
    qr::render(payload, 1).ok().map(|pixels| Qr { payload: payload.to_owned(), pixels })
}

fn demo_products() -> anyhow::Result<Vec<Product>> {
    // Rows without a restriction leave that last column off.
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(DEMO_CATALOG.as_bytes());
    let mut products = vec![];
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        products.push(Product {
            barcode: field(0),
            name: field(1),
            price: Rupiah(field(2).parse().context("demo catalog price")?),
            category: Some(field(3)),
            restriction: Restriction::parse(&field(4)).context("demo catalog restriction")?,
        });
    }
    Ok(products)
}

/// The demo catalog's pictures by barcode, as a kiosk holds them after a
/// sync with the demo central.
fn demo_pictures() -> anyhow::Result<super::produce::Pictures> {
    use crate::central::server::pictures::DEMO;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(DEMO_CATALOG.as_bytes());
    let mut pictures = super::produce::Pictures::new();
    for record in reader.records() {
        let record = record?;
        let (Some(barcode), Some(name)) = (record.get(0), record.get(5).filter(|n| !n.is_empty()))
        else {
            continue;
        };
        let bytes = DEMO.iter().find(|(n, _)| *n == name).map(|(_, b)| *b);
        let bytes = bytes.with_context(|| format!("the demo picture {name} is not built in"))?;
        let picture = super::produce::Picture::decode(name, bytes)
            .with_context(|| format!("the demo picture {name} cannot be decoded"))?;
        pictures.insert(barcode.to_owned(), picture);
    }
    Ok(pictures)
}

/// Renders the window as it is now and writes it as a PNG.
fn save(window: &MinimalSoftwareWindow, path: &Path) -> anyhow::Result<()> {
    slint::platform::update_timers_and_animations();
    let mut pixels = vec![Rgb8Pixel::default(); (WIDTH * HEIGHT) as usize];
    window.request_redraw();
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, WIDTH as usize);
    });
    let bytes: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    image::RgbImage::from_raw(WIDTH, HEIGHT, bytes)
        .context("the frame has the window's size")?
        .save(path)
        .with_context(|| format!("cannot write {}", path.display()))
}
