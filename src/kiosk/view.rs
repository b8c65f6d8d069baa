//! What the screens show, worked out from the visit on the worker and set
//! into the adapters on the UI thread.
//!
//! [`View`] is plain data that can cross threads; only [`View::apply`] touches
//! Slint objects, so it runs inside `upgrade_in_event_loop`.

use std::time::Instant;

use slint::{ComponentHandle, Image, Model, ModelRc, Rgb8Pixel, SharedPixelBuffer, VecModel};

use super::ui;
use crate::domain::cart::Cart;
use crate::domain::idle::Idle;
use crate::domain::variable::Measure;
use crate::domain::visit::{self, CodeProblem, ExpiryCheck, Failure, PayStage, State, Visit};
use crate::domain::{Rupiah, qris, speech, visit::Panel};

/// A QR code drawn for the screen, with the text it encodes.
#[derive(Clone)]
pub struct Qr {
    pub payload: String,
    pub pixels: SharedPixelBuffer<Rgb8Pixel>,
}

impl PartialEq for Qr {
    /// Two drawings of one payload are the same picture.
    fn eq(&self, other: &Qr) -> bool {
        self.payload == other.payload
    }
}

impl std::fmt::Debug for Qr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Qr").field("payload", &self.payload).finish_non_exhaustive()
    }
}

/// Everything the screens show, for one moment of the visit.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub screen: ui::Screen,
    pub lines: Vec<ui::CartLine>,
    pub item_count: i32,
    pub total: String,
    pub notice: ui::Notice,
    pub notice_arg: String,
    pub typed: String,
    pub pay_stage: ui::PayStage,
    /// Only while the code may be paid: never once its time is up.
    pub payment_qr: Option<Qr>,
    pub connection_lost: bool,
    pub problem: ui::PayProblem,
    pub amount: String,
    /// The merchant name and NMID read from the code on screen; empty
    /// while no code is.
    pub merchant_name: String,
    pub nmid: String,
    pub seconds_left: i32,
    /// The payment is of an order collected from the lockers, not a cart.
    pub paying_order: bool,
    pub demo: bool,
    pub transaction_id: String,
    pub receipt_qr: Option<Qr>,
    pub done_seconds_left: i32,
    pub done_points_earned: String,
    pub omni: OmniView,
    pub idle: IdleView,
    pub guidance: GuidanceView,
    pub pickup: super::pickup::PickupView,
    pub returns: super::returns::ReturnView,
    pub staff: super::staff::StaffView,
}

/// The warning before the visit times out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdleView {
    pub warning: bool,
    pub seconds_left: i32,
    pub more_time: bool,
}

/// The spoken-guidance controls; the worker fills them from its speech
/// settings.
#[derive(Clone, Debug, PartialEq)]
pub struct GuidanceView {
    pub on: bool,
    pub available: bool,
    pub volume: i32,
}

impl Default for GuidanceView {
    fn default() -> GuidanceView {
        GuidanceView { on: false, available: true, volume: 100 }
    }
}

/// What the cart screen shows of the member, the bill and the panels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OmniView {
    pub keypad_mode: ui::KeypadMode,
    pub subtotal: String,
    pub discounts: Vec<ui::DiscountLine>,
    /// The points paying part of the total, as money, or empty.
    pub points_used: String,
    /// Empty when nothing is earned.
    pub points_earned: String,
    pub has_member: bool,
    pub member: ui::MemberBadge,
    pub identifying: bool,
    pub can_redeem: bool,
    pub redeem: bool,
    pub redeemable: String,
    pub recommendations: Vec<ui::Recommended>,
    pub panel: ui::Panel,
    pub changes: Vec<String>,
    pub item: ItemView,
    /// The hand-off code, drawn; `None` while it is made.
    pub hand_off_qr: Option<Qr>,
    pub hand_off_failed: bool,
    pub approval: super::approval::ApprovalView,
    pub produce: super::produce::ProduceView,
}

/// The item page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemView {
    pub name: String,
    pub barcode: String,
    pub loading: bool,
    pub unavailable: bool,
    pub here: i32,
    pub nearest: Vec<ui::NearStore>,
    pub age_minutes: i32,
    pub can_subscribe: bool,
    pub alert: ui::AlertState,
}

/// The most recommendations on screen: more would be too small to tap.
const SHOWN_RECOMMENDATIONS: usize = 3;
/// The most with large text: with a third, no name would show.
const SHOWN_RECOMMENDATIONS_LARGE: usize = 2;

impl View {
    /// The view of `visit` at `now`. `draw` turns a payload into a QR code;
    /// the worker passes one that caches, since a payload rarely changes.
    pub fn of(
        visit: &Visit,
        now: Instant,
        demo: bool,
        draw: &mut dyn FnMut(&str) -> Option<Qr>,
    ) -> View {
        let empty = Cart::new();
        let (screen, cart) = match visit.state() {
            State::Welcome => (ui::Screen::Welcome, &empty),
            State::Scanning { cart, .. } => (ui::Screen::Scanning, cart),
            State::Paying { cart, .. } => (ui::Screen::Payment, cart),
            State::Done { .. } => (ui::Screen::Done, &empty),
            State::Pickup { stage: visit::PickupStage::Paying { .. } } => {
                (ui::Screen::Payment, &empty)
            }
            State::Pickup { .. } => (ui::Screen::Pickup, &empty),
            State::Return { .. } => (ui::Screen::Returns, &empty),
            State::Staff { .. } => (ui::Screen::Staff, &empty),
        };
        let (notice, notice_arg) = notice_of(visit.notice());
        let mut view = View {
            screen,
            lines: cart.lines().iter().map(cart_line).collect(),
            item_count: cart.item_count() as i32,
            total: visit.bill().to_pay.to_string(),
            notice,
            notice_arg,
            typed: match visit.state() {
                State::Scanning { typed, .. } => typed.clone(),
                _ => String::new(),
            },
            pay_stage: ui::PayStage::Creating,
            payment_qr: None,
            connection_lost: false,
            problem: ui::PayProblem::None,
            amount: visit.bill().to_pay.to_string(),
            merchant_name: String::new(),
            nmid: String::new(),
            seconds_left: 0,
            paying_order: false,
            demo,
            transaction_id: String::new(),
            receipt_qr: None,
            done_seconds_left: 0,
            done_points_earned: String::new(),
            omni: OmniView::of(visit, draw),
            idle: IdleView::of(visit.idle(now)),
            guidance: GuidanceView::default(),
            pickup: super::pickup::PickupView::default(),
            returns: super::returns::ReturnView::default(),
            staff: super::staff::StaffView::default(),
        };

        match visit.state() {
            State::Paying { stage, .. } => view.show_payment(stage, visit.online(), now, draw),
            State::Pickup { stage: visit::PickupStage::Paying { order, stage, .. } } => {
                view.paying_order = true;
                view.amount = order.total.to_string();
                view.show_payment(stage, visit.online(), now, draw);
            }
            State::Done { receipt } => {
                view.total = receipt.total.to_string();
                view.amount = receipt.total.to_string();
                view.transaction_id = receipt.transaction_id.clone().unwrap_or_default();
                view.receipt_qr = receipt.url.as_deref().and_then(&mut *draw);
                view.done_seconds_left =
                    visit.idle_left(now).map(|d| d.as_secs_f32().ceil() as i32).unwrap_or(0);
                view.done_points_earned = points_or_empty(receipt.points_earned);
            }
            State::Pickup { stage } => view.pickup = super::pickup::PickupView::of(stage),
            State::Return { stage } => view.returns = super::returns::ReturnView::of(stage),
            State::Staff { stage } => view.staff = super::staff::StaffView::of(stage),
            _ => {}
        }
        view
    }

    /// The payment screen at `stage`, for a cart or an order alike.
    fn show_payment(
        &mut self,
        stage: &PayStage,
        online: bool,
        now: Instant,
        draw: &mut dyn FnMut(&str) -> Option<Qr>,
    ) {
        self.pay_stage = stage_of(stage);
        self.problem = problem_of(stage);
        if let Some(payment) = visit::payment_of(stage) {
            self.amount = payment.amount.to_string();
            self.seconds_left = payment.expires_at.saturating_duration_since(now).as_secs() as i32;
        }
        if let PayStage::Pending { payment, .. } = stage
            && self.seconds_left > 0
        {
            self.payment_qr = draw(&payment.qris);
            self.connection_lost = !online;
            // Read from the code drawn, so the screen names whom the
            // shopper's app will pay.
            let shown = qris::inspect(&payment.qris).payload;
            self.merchant_name = shown.merchant_name;
            self.nmid = shown.nmid.unwrap_or_default();
        }
    }

    /// Sets the view into the window's adapters.
    pub fn apply(&self, window: &ui::AppWindow) {
        let app = window.global::<ui::AppAdapter>();
        app.set_screen(self.screen);

        let scan = window.global::<ui::ScanAdapter>();
        // The cart model is updated in place, so the list keeps its scroll
        // position; the first push replaces the preview data.
        let model = scan.get_lines();
        match model.as_any().downcast_ref::<VecModel<ui::CartLine>>() {
            Some(lines) => update_lines(lines, &self.lines),
            None => scan.set_lines(ModelRc::new(VecModel::from(self.lines.clone()))),
        }
        scan.set_item_count(self.item_count);
        scan.set_total(self.total.as_str().into());
        scan.set_notice(self.notice);
        scan.set_notice_arg(self.notice_arg.as_str().into());
        scan.set_typed(self.typed.as_str().into());

        let pay = window.global::<ui::PaymentAdapter>();
        pay.set_stage(self.pay_stage);
        pay.set_qr(image_of(&self.payment_qr));
        pay.set_amount(self.amount.as_str().into());
        pay.set_merchant_name(self.merchant_name.as_str().into());
        pay.set_nmid(self.nmid.as_str().into());
        pay.set_seconds_left(self.seconds_left);
        pay.set_paying_order(self.paying_order);
        pay.set_connection_lost(self.connection_lost);
        pay.set_problem(self.problem);
        pay.set_demo(self.demo);

        let done = window.global::<ui::DoneAdapter>();
        done.set_transaction_id(self.transaction_id.as_str().into());
        done.set_total(self.total.as_str().into());
        done.set_receipt_qr(image_of(&self.receipt_qr));
        done.set_seconds_left(self.done_seconds_left);
        done.set_points_earned(self.done_points_earned.as_str().into());

        self.omni.apply(window);
        self.pickup.apply(window);
        self.returns.apply(window);
        self.staff.apply(window);

        let idle = window.global::<ui::IdleAdapter>();
        idle.set_warning(self.idle.warning);
        idle.set_seconds_left(self.idle.seconds_left);
        idle.set_more_time(self.idle.more_time);

        let speech = window.global::<ui::SpeechAdapter>();
        speech.set_on(self.guidance.on);
        speech.set_available(self.guidance.available);
        speech.set_volume(self.guidance.volume);
    }
}

impl IdleView {
    fn of(idle: Idle) -> IdleView {
        match idle {
            Idle::Warning { left, more_time } => IdleView {
                warning: true,
                seconds_left: speech::whole_seconds(left) as i32,
                more_time,
            },
            Idle::Held | Idle::Counting { .. } | Idle::TimedOut => IdleView::default(),
        }
    }
}

impl OmniView {
    fn of(visit: &Visit, draw: &mut dyn FnMut(&str) -> Option<Qr>) -> OmniView {
        let bill = visit.bill();
        let mut view = OmniView {
            subtotal: bill.subtotal.to_string(),
            discounts: bill
                .discounts
                .iter()
                .map(|(label, amount)| ui::DiscountLine {
                    label: label.as_str().into(),
                    amount: minus(*amount).into(),
                })
                .collect(),
            points_used: match bill.points_redeemed {
                0 => String::new(),
                n => minus(Rupiah(n as i64)),
            },
            points_earned: points_or_empty(bill.points_earned),
            identifying: visit.identifying(),
            redeem: visit.redeeming(),
            recommendations: visit
                .recommendations()
                .into_iter()
                .take(SHOWN_RECOMMENDATIONS)
                .map(|r| ui::Recommended {
                    barcode: r.barcode.as_str().into(),
                    name: r.name.as_str().into(),
                    price: r.price.to_string().into(),
                })
                .collect(),
            ..OmniView::default()
        };
        if let Some(member) = visit.member() {
            let redeemable = visit::redeemable(member.points, bill.total);
            view.has_member = true;
            view.member = ui::MemberBadge {
                name: member.name.as_str().into(),
                tier: member.tier.as_str().into(),
                points: points(member.points).into(),
            };
            view.can_redeem = redeemable > 0;
            view.redeemable = points(redeemable);
        }
        let State::Scanning { keypad, panel, .. } = visit.state() else {
            return view;
        };
        view.keypad_mode = match keypad {
            visit::KeypadMode::Barcode => ui::KeypadMode::Barcode,
            visit::KeypadMode::Phone => ui::KeypadMode::Phone,
            visit::KeypadMode::Voucher => ui::KeypadMode::Voucher,
        };
        match panel {
            Panel::None => {}
            Panel::Item { barcode, name, stock, unavailable, alert } => {
                view.panel = ui::Panel::Item;
                view.item = ItemView {
                    name: name.clone(),
                    barcode: barcode.clone(),
                    loading: stock.is_none() && !unavailable,
                    unavailable: *unavailable,
                    here: stock.as_ref().map_or(0, |s| s.here as i32),
                    nearest: stock.iter().flat_map(|s| &s.nearest).map(near_store).collect(),
                    age_minutes: stock.as_ref().map_or(0, |s| (s.age.as_secs() / 60) as i32),
                    // Only a member can be told, and only about an item
                    // that is out here.
                    can_subscribe: visit.member().is_some()
                        && stock.as_ref().is_some_and(|s| s.here == 0),
                    alert: match alert {
                        visit::Alert::Off => ui::AlertState::Off,
                        visit::Alert::Asking => ui::AlertState::Asking,
                        visit::Alert::On => ui::AlertState::On,
                        visit::Alert::Failed => ui::AlertState::Failed,
                    },
                };
            }
            Panel::HandOff { code, failed } => {
                view.panel = ui::Panel::HandOff;
                view.hand_off_qr = code.as_deref().and_then(&mut *draw);
                view.hand_off_failed = *failed;
            }
            Panel::Changes { changes } => {
                view.panel = ui::Panel::Changes;
                view.changes = changes.clone();
            }
            Panel::Approval(approval) => {
                view.panel = ui::Panel::Approval;
                view.approval = super::approval::ApprovalView::of(approval);
            }
            Panel::Produce { items, failed } => {
                view.panel = ui::Panel::Produce;
                view.produce = super::produce::ProduceView::of(items.as_deref(), *failed);
            }
        }
        view
    }

    fn apply(&self, window: &ui::AppWindow) {
        let scan = window.global::<ui::ScanAdapter>();
        scan.set_keypad_mode(self.keypad_mode);
        scan.set_subtotal(self.subtotal.as_str().into());
        scan.set_discounts(model(&self.discounts));
        scan.set_points_used(self.points_used.as_str().into());
        scan.set_points_earned(self.points_earned.as_str().into());
        scan.set_has_member(self.has_member);
        scan.set_member(self.member.clone());
        scan.set_identifying(self.identifying);
        scan.set_can_redeem(self.can_redeem);
        scan.set_redeem(self.redeem);
        scan.set_redeemable(self.redeemable.as_str().into());
        scan.set_recommendations(model(&self.recommendations));
        let few =
            &self.recommendations[..self.recommendations.len().min(SHOWN_RECOMMENDATIONS_LARGE)];
        scan.set_recommendations_large(model(few));
        scan.set_panel(self.panel);
        let changes: Vec<slint::SharedString> =
            self.changes.iter().map(|c| c.as_str().into()).collect();
        scan.set_changes(model(&changes));

        let item = window.global::<ui::ItemAdapter>();
        let i = &self.item;
        item.set_name(i.name.as_str().into());
        item.set_barcode(i.barcode.as_str().into());
        item.set_loading(i.loading);
        item.set_unavailable(i.unavailable);
        item.set_here(i.here);
        item.set_nearest(model(&i.nearest));
        item.set_age_minutes(i.age_minutes);
        item.set_can_subscribe(i.can_subscribe);
        item.set_alert(i.alert);

        let hand_off = window.global::<ui::HandOffAdapter>();
        hand_off.set_qr(image_of(&self.hand_off_qr));
        hand_off.set_failed(self.hand_off_failed);
        self.approval.apply(window);
        self.produce.apply(window);
    }
}

fn model<T: Clone + 'static>(items: &[T]) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items.to_vec()))
}

/// Points with Indonesian digit grouping: `12.500`.
fn points(n: u64) -> String {
    Rupiah(i64::try_from(n).unwrap_or(i64::MAX)).grouped()
}

fn points_or_empty(n: u64) -> String {
    if n == 0 { String::new() } else { points(n) }
}

/// An amount taken off: `−Rp 1.000` (with a minus sign, U+2212).
fn minus(amount: Rupiah) -> String {
    format!("\u{2212}{amount}")
}

fn near_store(s: &visit::NearbyStock) -> ui::NearStore {
    ui::NearStore {
        store: s.store.as_str().into(),
        qty: s.qty as i32,
        distance: distance(s.metres).into(),
    }
}

/// A distance as shoppers read it: `850 m`, or kilometres to one decimal
/// with a decimal comma, `2,1 km`, rounded to the nearest 100 m.
pub fn distance(metres: u32) -> String {
    if metres < 1_000 {
        return format!("{metres} m");
    }
    let tenths = (metres + 50) / 100;
    format!("{},{} km", tenths / 10, tenths % 10)
}

fn update_lines(model: &VecModel<ui::CartLine>, lines: &[ui::CartLine]) {
    if model.row_count() != lines.len() {
        model.set_vec(lines.to_vec());
        return;
    }
    for (i, line) in lines.iter().enumerate() {
        if model.row_data(i).as_ref() != Some(line) {
            model.set_row_data(i, line.clone());
        }
    }
}

fn image_of(qr: &Option<Qr>) -> Image {
    qr.as_ref().map(|q| Image::from_rgb8(q.pixels.clone())).unwrap_or_default()
}

fn cart_line(line: &crate::domain::cart::Line) -> ui::CartLine {
    ui::CartLine {
        barcode: line.barcode.as_str().into(),
        name: line.name.as_str().into(),
        qty: line.qty as i32,
        // A weighed package shows its weight where a unit price would be;
        // a label's price is the unit price.
        unit_price: match line.measure {
            Some(m @ Measure::WeightG(_)) => m.label().into(),
            _ => line.unit_price.to_string().into(),
        },
        line_total: line.total().to_string().into(),
    }
}

fn stage_of(stage: &PayStage) -> ui::PayStage {
    use ui::PayStage as U;
    match stage {
        // A retry in flight is still connecting, not preparing.
        PayStage::Creating { tries: 1, .. } => U::Creating,
        PayStage::Creating { .. } | PayStage::Connecting { .. } => U::Connecting,
        PayStage::Pending { .. } => U::Pending,
        PayStage::Charging { .. } => U::Charging,
        PayStage::Cancelling { .. } => U::Cancelling,
        PayStage::Expired { check: ExpiryCheck::Checking, .. } => U::ExpiredChecking,
        PayStage::Expired { check: ExpiryCheck::Confirmed, .. } => U::Expired,
        PayStage::Expired { check: ExpiryCheck::Unknown, .. } => U::ExpiredUnknown,
        PayStage::Failed { .. } => U::Failed,
        PayStage::Recording { .. } => U::Recording,
        PayStage::RecordFailed { .. } => U::RecordFailed,
    }
}

/// What went wrong in `stage`. The central's own words on a refusal are
/// English only: they are in the log, and the screen says it in the
/// shopper's language.
fn problem_of(stage: &PayStage) -> ui::PayProblem {
    use ui::PayProblem as U;
    match stage {
        PayStage::Failed { failure } => match failure {
            Failure::OverLimit => U::OverLimit,
            Failure::Refused { .. } => U::Refused,
            Failure::Unreachable => U::Unreachable,
            Failure::Declined => U::Declined,
        },
        PayStage::Pending { problem: Some(CodeProblem::Refused { .. }), .. } => U::CodeRefused,
        PayStage::Pending { problem: Some(CodeProblem::NoAnswer), .. } => U::CodeNoAnswer,
        _ => U::None,
    }
}

fn notice_of(notice: Option<visit::Notice>) -> (ui::Notice, String) {
    use visit::{NotIdentified, NotOpened, Notice as N};
    match notice {
        None => (ui::Notice::None, String::new()),
        Some(N::NotFound { code }) => (ui::Notice::NotFound, code),
        Some(N::LookUpFailed { code }) => (ui::Notice::LookupFailed, code),
        Some(N::CodeRefused { code }) => (ui::Notice::CodeRefused, code),
        Some(N::TooMany { name }) => (ui::Notice::TooMany, name),
        Some(N::PaymentUnavailable) => (ui::Notice::PaymentUnavailable, String::new()),
        Some(N::PaymentExpired) => (ui::Notice::PaymentExpired, String::new()),
        Some(N::PaymentCancelled) => (ui::Notice::PaymentCancelled, String::new()),
        Some(N::CancelUnconfirmed) => (ui::Notice::CancelUnconfirmed, String::new()),
        Some(N::MemberNotIdentified { why }) => (
            match why {
                NotIdentified::Unknown => ui::Notice::MemberUnknown,
                NotIdentified::Expired => ui::Notice::MemberExpired,
                NotIdentified::Invalid => ui::Notice::MemberInvalid,
                NotIdentified::Unavailable => ui::Notice::MemberUnavailable,
            },
            String::new(),
        ),
        Some(N::CartNotOpened { why }) => (
            match why {
                NotOpened::Closed => ui::Notice::CartClosed,
                NotOpened::Expired => ui::Notice::CartExpired,
                NotOpened::Invalid => ui::Notice::CartInvalid,
                NotOpened::Unavailable => ui::Notice::CartUnavailable,
            },
            String::new(),
        ),
        Some(N::CartOpened { items }) => (ui::Notice::CartOpened, items.to_string()),
        Some(N::VoucherApplied { code }) => (ui::Notice::VoucherApplied, code),
        Some(N::VoucherNotApplicable { code }) => (ui::Notice::VoucherNotApplicable, code),
        Some(N::TobaccoRefused { name }) => (ui::Notice::TobaccoRefused, name),
    }
}
