//! What the screens show, worked out from the visit on the worker and set
//! into the adapters on the UI thread.
//!
//! [`View`] is plain data that can cross threads; only [`View::apply`] touches
//! Slint objects, so it runs inside `upgrade_in_event_loop`.

use std::time::Instant;

use slint::{ComponentHandle, Image, Model, ModelRc, Rgb8Pixel, SharedPixelBuffer, VecModel};

use super::ui;
use crate::domain::cart::Cart;
use crate::domain::visit::{self, CodeProblem, ExpiryCheck, Failure, PayStage, State, Visit};

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
    pub detail: String,
    pub amount: String,
    pub seconds_left: i32,
    pub demo: bool,
    pub transaction_id: String,
    pub receipt_qr: Option<Qr>,
    pub done_seconds_left: i32,
}

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
        };
        let (notice, notice_arg) = notice_of(visit.notice());
        let mut view = View {
            screen,
            lines: cart.lines().iter().map(cart_line).collect(),
            item_count: cart.item_count() as i32,
            total: cart.total().to_string(),
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
            detail: String::new(),
            amount: cart.total().to_string(),
            seconds_left: 0,
            demo,
            transaction_id: String::new(),
            receipt_qr: None,
            done_seconds_left: 0,
        };

        match visit.state() {
            State::Paying { stage, .. } => {
                view.pay_stage = stage_of(stage);
                (view.problem, view.detail) = problem_of(stage);
                if let Some(payment) = visit::payment_of(stage) {
                    view.amount = payment.amount.to_string();
                    view.seconds_left =
                        payment.expires_at.saturating_duration_since(now).as_secs() as i32;
                }
                if let PayStage::Pending { payment, .. } = stage
                    && view.seconds_left > 0
                {
                    view.payment_qr = draw(&payment.qris);
                    view.connection_lost = !visit.online();
                }
            }
            State::Done { receipt } => {
                view.total = receipt.total.to_string();
                view.amount = receipt.total.to_string();
                view.transaction_id = receipt.transaction_id.clone().unwrap_or_default();
                view.receipt_qr = receipt.url.as_deref().and_then(&mut *draw);
                view.done_seconds_left =
                    visit.idle_left(now).map(|d| d.as_secs_f32().ceil() as i32).unwrap_or(0);
            }
            _ => {}
        }
        view
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
        pay.set_seconds_left(self.seconds_left);
        pay.set_connection_lost(self.connection_lost);
        pay.set_problem(self.problem);
        pay.set_detail(self.detail.as_str().into());
        pay.set_demo(self.demo);

        let done = window.global::<ui::DoneAdapter>();
        done.set_transaction_id(self.transaction_id.as_str().into());
        done.set_total(self.total.as_str().into());
        done.set_receipt_qr(image_of(&self.receipt_qr));
        done.set_seconds_left(self.done_seconds_left);
    }
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
        unit_price: line.unit_price.to_string().into(),
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

/// What went wrong in `stage`, and the central's words on it.
fn problem_of(stage: &PayStage) -> (ui::PayProblem, String) {
    use ui::PayProblem as U;
    match stage {
        PayStage::Failed { failure } => match failure {
            Failure::OverLimit => (U::OverLimit, String::new()),
            Failure::Refused { message } => (U::Refused, message.clone()),
            Failure::Unreachable => (U::Unreachable, String::new()),
            Failure::Declined => (U::Declined, String::new()),
        },
        PayStage::Pending { problem: Some(CodeProblem::Refused { message }), .. } => {
            (U::CodeRefused, message.clone())
        }
        PayStage::Pending { problem: Some(CodeProblem::NoAnswer), .. } => {
            (U::CodeNoAnswer, String::new())
        }
        _ => (U::None, String::new()),
    }
}

fn notice_of(notice: Option<visit::Notice>) -> (ui::Notice, String) {
    use visit::Notice as N;
    match notice {
        None => (ui::Notice::None, String::new()),
        Some(N::NotFound { code }) => (ui::Notice::NotFound, code),
        Some(N::LookUpFailed { code }) => (ui::Notice::LookupFailed, code),
        Some(N::TooMany { name }) => (ui::Notice::TooMany, name),
        Some(N::PaymentUnavailable) => (ui::Notice::PaymentUnavailable, String::new()),
        Some(N::PaymentExpired) => (ui::Notice::PaymentExpired, String::new()),
        Some(N::PaymentCancelled) => (ui::Notice::PaymentCancelled, String::new()),
        Some(N::CancelUnconfirmed) => (ui::Notice::CancelUnconfirmed, String::new()),
    }
}
