//! Spoken guidance: what the kiosk says on each screen, prompt and error,
//! in Bahasa Indonesia and in English, and the shopper's settings for it.
//!
//! [`prompts_of`] tells what a visit's screen says; [`Spoken::text`] words
//! it in a language. Every [`Prompt`] has its two texts in one arm of
//! [`texts`], so a prompt without a text does not compile, and a test
//! checks that no text is empty, untranslated, or missing a value.

use std::time::{Duration, Instant};

use super::idle::Idle;
use super::money::Rupiah;
use super::qris;
use super::visit::{
    ApprovalProblem, CodeProblem, Door, ExpiryCheck, Failure, KeypadMode, NotIdentified, NotOpened,
    Notice, Panel, PayStage, PickupStage, StaffStage, State, Visit,
};

/// A language the kiosk speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    En,
}

impl Language {
    /// The language of a code as the screens name it: `id` or `en`.
    pub fn from_code(code: &str) -> Option<Language> {
        match code {
            "id" => Some(Language::Id),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The code, which is also the name of espeak-ng's voice.
    pub fn code(self) -> &'static str {
        match self {
            Language::Id => "id",
            Language::En => "en",
        }
    }
}

/// The loudness of speech, in percent of the voice's normal loudness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Volume(u8);

impl Volume {
    pub const DEFAULT: Volume = Volume(100);
    pub const MIN: Volume = Volume(25);
    pub const MAX: Volume = Volume(200);
    /// One press of louder or softer.
    pub const STEP: u8 = 25;

    pub fn percent(self) -> u8 {
        self.0
    }

    pub fn louder(self) -> Volume {
        Volume(self.0.saturating_add(Volume::STEP).min(Volume::MAX.0))
    }

    pub fn softer(self) -> Volume {
        Volume(self.0.saturating_sub(Volume::STEP).max(Volume::MIN.0))
    }
}

impl Default for Volume {
    fn default() -> Volume {
        Volume::DEFAULT
    }
}

/// The shopper's choice about speech: off, at the default volume, until
/// they turn it on; back to that when the visit ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guidance {
    pub on: bool,
    pub volume: Volume,
}

/// Something the kiosk can say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prompt {
    // Screens.
    Welcome,
    Scanning,
    /// The cart's total: `{}` the amount.
    Total,
    KeypadPhone,
    KeypadVoucher,
    Identifying,
    ItemPage,
    HandOffMaking,
    HandOffReady,
    HandOffFailed,
    CartChanges,
    /// The list of produce without a barcode.
    Produce,
    PaymentCreating,
    PaymentConnecting,
    /// `{}` the amount, `{}` the merchant.
    PaymentPending,
    PaymentCharging,
    PaymentCancelling,
    PaymentExpiredChecking,
    PaymentExpired,
    PaymentExpiredUnknown,
    PaymentRecording,
    PaymentRecordFailed,
    /// `{}` the amount paid.
    Done,

    // Payment errors.
    OverLimit,
    Refused,
    Unreachable,
    Declined,
    CodeRefused,
    CodeNoAnswer,
    ConnectionLost,

    // Notices on the cart screen.
    /// `{}` the code.
    NotFound,
    /// `{}` the code.
    LookUpFailed,
    /// `{}` the product.
    TooMany,
    PaymentUnavailable,
    PaymentTimedOut,
    PaymentCancelled,
    CancelUnconfirmed,
    MemberUnknown,
    MemberExpired,
    MemberInvalid,
    MemberUnavailable,
    CartClosed,
    CartExpired,
    CartInvalid,
    CartUnavailable,
    /// `{}` the number of items.
    CartOpened,
    /// `{}` the voucher.
    VoucherApplied,
    /// `{}` the voucher.
    VoucherNotApplicable,
    /// `{}` the label's code.
    LabelRefused,
    /// `{}` the product.
    TobaccoRefused,

    // The staff approval of age-restricted items.
    Approval,
    /// `{}` the tries left.
    ApprovalWrongPin,
    /// `{}` the minutes left.
    ApprovalLocked,
    ApprovalUnavailable,

    // Paying for an order at the lockers.
    /// The code ran out on an order's payment screen.
    OrderPaymentExpired,
    /// An unpaid order, and no central to pay it with.
    PickupUnpaidOffline,
    PickupPaymentCancelled,
    // Staff at the lockers.
    StaffSignIn,
    StaffPinUnavailable,
    StaffMenu,
    StaffLoad,
    StaffLoadRefused,
    /// `{}` the compartment.
    StaffLoadOpen,
    /// `{}` the compartment.
    StaffLoaded,
    /// `{}` the number of orders.
    StaffUnloadList,
    /// `{}` the compartment.
    StaffUnloadOpen,

    // The idle warning and speech itself.
    /// `{}` the seconds left.
    IdleWarning,
    /// `{}` the seconds left; no more time can be given.
    IdleLastWarning,
    GuidanceOn,
    /// `{}` the volume in percent.
    Volume,

    // Collecting an order at the lockers (texts in `pickup`).
    PickupEntering,
    PickupChecking,
    /// `{}` the compartment.
    PickupOpen,
    /// `{}` the compartment.
    PickupLeftOpen,
    PickupCollected,
    PickupUnknown,
    PickupAlreadyCollected,
    /// `{}` the tries left.
    PickupWrongDigits,
    /// `{}` the wait, e.g. `4 min 30 s`.
    PickupLocked,
    PickupExpired,
    PickupBadQr,
    /// `{}` the compartment.
    PickupDoorNotOpened,
    /// `{}` the compartment.
    PickupNotTaken,
    PickupUnavailable,
    // Bringing goods back (texts in `returns`).
    ReturnScan,
    ReturnLooking,
    ReturnPicking,
    /// `{}` the items, `{}` the refund.
    ReturnConfirm,
    ReturnPosting,
    /// `{}` the compartment.
    ReturnOpen,
    /// `{}` the compartment.
    ReturnLeftOpen,
    /// `{}` the refund.
    ReturnStowed,
    /// `{}` the refund.
    ReturnNotStowed,
    ReturnBadQr,
    ReturnNotFound,
    ReturnNotCollected,
    ReturnUnreachable,
    ReturnNoAnswer,
    ReturnNoCompartment,
    ReturnAlreadyBack,
    ReturnTooLate,
    ReturnRefused,
}

impl Prompt {
    /// Every prompt, for the checks of the table.
    pub const ALL: [Prompt; 102] = {
        use Prompt::*;
        [
            Welcome,
            Scanning,
            Total,
            KeypadPhone,
            KeypadVoucher,
            Identifying,
            ItemPage,
            HandOffMaking,
            HandOffReady,
            HandOffFailed,
            CartChanges,
            Produce,
            PaymentCreating,
            PaymentConnecting,
            PaymentPending,
            PaymentCharging,
            PaymentCancelling,
            PaymentExpiredChecking,
            PaymentExpired,
            PaymentExpiredUnknown,
            PaymentRecording,
            PaymentRecordFailed,
            Done,
            OverLimit,
            Refused,
            Unreachable,
            Declined,
            CodeRefused,
            CodeNoAnswer,
            ConnectionLost,
            NotFound,
            LookUpFailed,
            TooMany,
            PaymentUnavailable,
            PaymentTimedOut,
            PaymentCancelled,
            CancelUnconfirmed,
            MemberUnknown,
            MemberExpired,
            MemberInvalid,
            MemberUnavailable,
            CartClosed,
            CartExpired,
            CartInvalid,
            CartUnavailable,
            CartOpened,
            VoucherApplied,
            VoucherNotApplicable,
            LabelRefused,
            TobaccoRefused,
            Approval,
            ApprovalWrongPin,
            ApprovalLocked,
            ApprovalUnavailable,
            OrderPaymentExpired,
            PickupUnpaidOffline,
            PickupPaymentCancelled,
            StaffSignIn,
            StaffPinUnavailable,
            StaffMenu,
            StaffLoad,
            StaffLoadRefused,
            StaffLoadOpen,
            StaffLoaded,
            StaffUnloadList,
            StaffUnloadOpen,
            IdleWarning,
            IdleLastWarning,
            GuidanceOn,
            Volume,
            PickupEntering,
            PickupChecking,
            PickupOpen,
            PickupLeftOpen,
            PickupCollected,
            PickupUnknown,
            PickupAlreadyCollected,
            PickupWrongDigits,
            PickupLocked,
            PickupExpired,
            PickupBadQr,
            PickupDoorNotOpened,
            PickupNotTaken,
            PickupUnavailable,
            ReturnScan,
            ReturnLooking,
            ReturnPicking,
            ReturnConfirm,
            ReturnPosting,
            ReturnOpen,
            ReturnLeftOpen,
            ReturnStowed,
            ReturnNotStowed,
            ReturnBadQr,
            ReturnNotFound,
            ReturnNotCollected,
            ReturnUnreachable,
            ReturnNoAnswer,
            ReturnNoCompartment,
            ReturnAlreadyBack,
            ReturnTooLate,
            ReturnRefused,
        ]
    };

    /// The text in `language`, with a `{}` for each value it takes.
    pub fn template(self, language: Language) -> &'static str {
        let (id, en) = texts(self);
        match language {
            Language::Id => id,
            Language::En => en,
        }
    }
}

/// A value said within a prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Said as written: a name, a code, a count.
    Text(String),
    /// Said as the language says money: `12.500 rupiah` in Bahasa
    /// Indonesia, `12,500 rupiah` in English (a voice reads `12.500` in
    /// English as twelve point five).
    Money(Rupiah),
}

impl Value {
    fn text(&self, language: Language) -> String {
        match (self, language) {
            (Value::Text(t), _) => t.clone(),
            (Value::Money(r), Language::Id) => format!("{} rupiah", r.grouped()),
            (Value::Money(r), Language::En) => format!("{} rupiah", r.grouped().replace('.', ",")),
        }
    }
}

/// A prompt with its values (an amount, a product's name), ready to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spoken {
    pub prompt: Prompt,
    pub values: Vec<Value>,
}

impl Spoken {
    pub fn new(prompt: Prompt) -> Spoken {
        Spoken { prompt, values: vec![] }
    }

    pub fn with(prompt: Prompt, values: &[&str]) -> Spoken {
        Spoken { prompt, values: values.iter().map(|v| Value::Text((*v).to_owned())).collect() }
    }

    pub fn money(prompt: Prompt, amount: Rupiah) -> Spoken {
        Spoken { prompt, values: vec![Value::Money(amount)] }
    }

    /// The words in `language`, each `{}` replaced by the next value.
    pub fn text(&self, language: Language) -> String {
        let mut values = self.values.iter();
        let mut parts = self.prompt.template(language).split("{}");
        let mut out = parts.next().unwrap_or_default().to_owned();
        for part in parts {
            out.push_str(&values.next().map(|v| v.text(language)).unwrap_or_default());
            out.push_str(part);
        }
        out
    }
}

/// Several prompts said one after the other.
pub fn say_all(spoken: &[Spoken], language: Language) -> String {
    spoken.iter().map(|s| s.text(language)).collect::<Vec<_>>().join(" ")
}

/// What the visit's screen says now: the screen, then its message. The
/// countdowns are left out, so the words change only when the screen does.
pub fn prompts_of(visit: &Visit, now: Instant) -> Vec<Spoken> {
    let mut out = vec![];
    match visit.state() {
        State::Welcome => out.push(Spoken::new(Prompt::Welcome)),
        State::Scanning { keypad, panel, .. } => {
            if let Some(notice) = visit.notice() {
                out.push(notice_prompt(&notice));
            }
            match panel {
                Panel::None => {}
                Panel::Item { .. } => out.push(Spoken::new(Prompt::ItemPage)),
                Panel::HandOff { failed: true, .. } => out.push(Spoken::new(Prompt::HandOffFailed)),
                Panel::HandOff { code: None, .. } => out.push(Spoken::new(Prompt::HandOffMaking)),
                Panel::HandOff { code: Some(_), .. } => out.push(Spoken::new(Prompt::HandOffReady)),
                Panel::Changes { .. } => out.push(Spoken::new(Prompt::CartChanges)),
                Panel::Produce { .. } => out.push(Spoken::new(Prompt::Produce)),
                Panel::Approval(approval) => out.push(match approval.problem {
                    None => Spoken::new(Prompt::Approval),
                    Some(ApprovalProblem::WrongPin { left }) => {
                        Spoken::with(Prompt::ApprovalWrongPin, &[&left.to_string()])
                    }
                    Some(ApprovalProblem::Locked { secs }) => {
                        Spoken::with(Prompt::ApprovalLocked, &[&secs.div_ceil(60).to_string()])
                    }
                    Some(ApprovalProblem::Unavailable) => Spoken::new(Prompt::ApprovalUnavailable),
                }),
            }
            if visit.identifying() {
                out.push(Spoken::new(Prompt::Identifying));
            }
            match keypad {
                KeypadMode::Barcode => {}
                KeypadMode::Phone => out.push(Spoken::new(Prompt::KeypadPhone)),
                KeypadMode::Voucher => out.push(Spoken::new(Prompt::KeypadVoucher)),
            }
            if out.is_empty() {
                out.push(Spoken::new(Prompt::Scanning));
            }
            out.push(Spoken::money(Prompt::Total, visit.bill().to_pay));
        }
        State::Paying { stage, .. } => out.extend(stage_prompts(visit, stage, now)),
        State::Done { receipt } => out.push(Spoken::money(Prompt::Done, receipt.total)),
        State::Pickup { stage: PickupStage::Paying { stage, .. } } => {
            out.extend(stage_prompts(visit, stage, now).into_iter().map(|s| match s.prompt {
                Prompt::PaymentExpired => Spoken::new(Prompt::OrderPaymentExpired),
                _ => s,
            }))
        }
        State::Pickup { stage } => out.extend(pickup::prompts(stage)),
        State::Return { stage } => out.extend(returns::prompts(stage)),
        State::Staff { stage } => out.extend(staff_prompts(stage)),
    }
    out
}

/// What the staff screens say.
fn staff_prompts(stage: &StaffStage) -> Vec<Spoken> {
    use Prompt as P;
    let compartment = |door: &Door| match door {
        Door::Checking => None,
        Door::Opening { compartment } | Door::Open { compartment, .. } => {
            Some(compartment.to_string())
        }
    };
    let spoken = match stage {
        StaffStage::SignIn { problem: None, .. } => Spoken::new(P::StaffSignIn),
        StaffStage::SignIn { problem: Some(why), .. } => match why {
            ApprovalProblem::WrongPin { left } => {
                Spoken::with(P::ApprovalWrongPin, &[&left.to_string()])
            }
            ApprovalProblem::Locked { secs } => {
                Spoken::with(P::ApprovalLocked, &[&secs.div_ceil(60).to_string()])
            }
            ApprovalProblem::Unavailable => Spoken::new(P::StaffPinUnavailable),
        },
        StaffStage::Menu { .. } => Spoken::new(P::StaffMenu),
        StaffStage::Load { problem: None, .. } => Spoken::new(P::StaffLoad),
        StaffStage::Load { problem: Some(_), .. } => Spoken::new(P::StaffLoadRefused),
        StaffStage::Loading { door, .. } => match compartment(door) {
            Some(c) => Spoken::with(P::StaffLoadOpen, &[&c]),
            None => return vec![],
        },
        StaffStage::Loaded { compartment, .. } => {
            Spoken::with(P::StaffLoaded, &[&compartment.to_string()])
        }
        StaffStage::Unload { orders: Some(orders), .. } => {
            Spoken::with(P::StaffUnloadList, &[&orders.len().to_string()])
        }
        StaffStage::Unload { .. } => return vec![],
        StaffStage::Unloading { door, .. } => match compartment(door) {
            Some(c) => Spoken::with(P::StaffUnloadOpen, &[&c]),
            None => return vec![],
        },
    };
    vec![spoken]
}

/// What the kiosk says when the idle warning comes up.
pub fn idle_prompt(idle: Idle) -> Option<Spoken> {
    let Idle::Warning { left, more_time } = idle else {
        return None;
    };
    let seconds = whole_seconds(left).to_string();
    let prompt = if more_time { Prompt::IdleWarning } else { Prompt::IdleLastWarning };
    Some(Spoken::with(prompt, &[&seconds]))
}

/// Seconds as a countdown shows them: 19.2 s left is 20.
pub fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn stage_prompts(visit: &Visit, stage: &PayStage, now: Instant) -> Vec<Spoken> {
    use Prompt as P;
    let one = |p| vec![Spoken::new(p)];
    match stage {
        PayStage::Creating { tries: 1, .. } => one(P::PaymentCreating),
        PayStage::Creating { .. } | PayStage::Connecting { .. } => one(P::PaymentConnecting),
        PayStage::Pending { payment, problem } if now < payment.expires_at => {
            let merchant = qris::inspect(&payment.qris).payload.merchant_name;
            let mut out = vec![];
            match problem {
                Some(CodeProblem::Refused { .. }) => out.push(Spoken::new(P::CodeRefused)),
                Some(CodeProblem::NoAnswer) => out.push(Spoken::new(P::CodeNoAnswer)),
                None => {}
            }
            if !visit.online() {
                out.push(Spoken::new(P::ConnectionLost));
            }
            out.push(Spoken {
                prompt: P::PaymentPending,
                values: vec![Value::Money(payment.amount), Value::Text(merchant)],
            });
            out
        }
        PayStage::Pending { .. } | PayStage::Expired { check: ExpiryCheck::Checking, .. } => {
            one(P::PaymentExpiredChecking)
        }
        PayStage::Charging { .. } => one(P::PaymentCharging),
        PayStage::Cancelling { .. } => one(P::PaymentCancelling),
        PayStage::Expired { check: ExpiryCheck::Confirmed, .. } => one(P::PaymentExpired),
        PayStage::Expired { check: ExpiryCheck::Unknown, .. } => one(P::PaymentExpiredUnknown),
        PayStage::Failed { failure } => one(match failure {
            Failure::OverLimit => P::OverLimit,
            Failure::Refused { .. } => P::Refused,
            Failure::Unreachable => P::Unreachable,
            Failure::Declined => P::Declined,
        }),
        PayStage::Recording { .. } => one(P::PaymentRecording),
        PayStage::RecordFailed { .. } => one(P::PaymentRecordFailed),
    }
}

fn notice_prompt(notice: &Notice) -> Spoken {
    use Prompt as P;
    match notice {
        Notice::NotFound { code } => Spoken::with(P::NotFound, &[code]),
        Notice::LookUpFailed { code } => Spoken::with(P::LookUpFailed, &[code]),
        Notice::TooMany { name } => Spoken::with(P::TooMany, &[name]),
        Notice::PaymentUnavailable => Spoken::new(P::PaymentUnavailable),
        Notice::PaymentExpired => Spoken::new(P::PaymentTimedOut),
        Notice::PaymentCancelled => Spoken::new(P::PaymentCancelled),
        Notice::CancelUnconfirmed => Spoken::new(P::CancelUnconfirmed),
        Notice::MemberNotIdentified { why } => Spoken::new(match why {
            NotIdentified::Unknown => P::MemberUnknown,
            NotIdentified::Expired => P::MemberExpired,
            NotIdentified::Invalid => P::MemberInvalid,
            NotIdentified::Unavailable => P::MemberUnavailable,
        }),
        Notice::CartNotOpened { why } => Spoken::new(match why {
            NotOpened::Closed => P::CartClosed,
            NotOpened::Expired => P::CartExpired,
            NotOpened::Invalid => P::CartInvalid,
            NotOpened::Unavailable => P::CartUnavailable,
        }),
        Notice::CartOpened { items } => Spoken::with(P::CartOpened, &[&items.to_string()]),
        Notice::VoucherApplied { code } => Spoken::with(P::VoucherApplied, &[code]),
        Notice::VoucherNotApplicable { code } => Spoken::with(P::VoucherNotApplicable, &[code]),
        Notice::CodeRefused { code } => Spoken::with(P::LabelRefused, &[code]),
        Notice::TobaccoRefused { name } => Spoken::with(P::TobaccoRefused, &[name]),
    }
}

/// The two texts of a prompt: Bahasa Indonesia, then English.
fn texts(prompt: Prompt) -> (&'static str, &'static str) {
    use Prompt as P;
    match prompt {
        P::Welcome => (
            "Selamat datang. Sentuh layar untuk mulai, atau pindai barang.",
            "Welcome. Touch the screen to start, or scan an item.",
        ),
        P::Scanning => (
            "Pindai barang dengan kamera atau pemindai, atau ketik nomor barcode di papan angka. Lalu tekan Bayar.",
            "Scan your items with the camera or the scanner, or type the barcode on the keypad. Then press Pay.",
        ),
        P::Total => ("Total belanja {}.", "Total {}."),
        P::KeypadPhone => {
            ("Ketik nomor HP Anda, lalu tekan Cari.", "Type your phone number, then press Find.")
        }
        P::KeypadVoucher => {
            ("Ketik kode voucher, lalu tekan Pakai.", "Type the voucher code, then press Use.")
        }
        P::Identifying => ("Memeriksa keanggotaan Anda.", "Checking your membership."),
        P::ItemPage => (
            "Rincian barang: stok di toko ini dan di toko terdekat. Tekan Tutup untuk kembali.",
            "The item's details: the stock here and at the nearest stores. Press Close to go back.",
        ),
        P::HandOffMaking => ("Membuat kode untuk HP Anda.", "Making the code for your phone."),
        P::HandOffReady => (
            "Pindai kode di layar dengan aplikasi toko: keranjang Anda ada di sana.",
            "Scan the code on the screen with the store's app: your cart is there.",
        ),
        P::HandOffFailed => (
            "Server pusat tidak dapat menerima keranjang. Silakan coba lagi, atau bayar di sini.",
            "The central server could not take the cart. Please try again, or pay here.",
        ),
        P::CartChanges => (
            "Keranjang Anda sudah di sini. Ada yang berbeda di toko ini; lihat layar, lalu tekan Oke.",
            "Your cart is here. Some of it is different at this store; see the screen, then press OK.",
        ),
        P::Produce => (
            "Buah dan sayur tanpa kode batang. Sentuh satu untuk menambahkannya ke keranjang.",
            "Fruit and vegetables without a barcode. Touch one to add it to the cart.",
        ),
        P::PaymentCreating => ("Menyiapkan pembayaran.", "Preparing the payment."),
        P::PaymentConnecting => (
            "Server pusat tidak menjawab. Mencoba lagi.",
            "The central server is not answering. Trying again.",
        ),
        P::PaymentPending => (
            "Bayar {} kepada {}: pindai kode QR di layar dengan aplikasi bank atau dompet digital Anda.",
            "Pay {} to {}: scan the QR code on the screen with your bank or e-wallet app.",
        ),
        P::PaymentCharging => ("Menagih dompet digital Anda.", "Charging your e-wallet."),
        P::PaymentCancelling => ("Membatalkan pembayaran.", "Cancelling the payment."),
        P::PaymentExpiredChecking => (
            "Kode QR sudah kedaluwarsa. Memeriksa apakah ada pembayaran masuk.",
            "The QR code has expired. Checking whether a payment came in.",
        ),
        P::PaymentExpired => (
            "Kode QR sudah kedaluwarsa. Tidak ada dana yang ditagih. Tekan Kode QR baru, atau Kembali ke keranjang.",
            "The QR code has expired. Nothing was charged. Press New QR code, or Back to cart.",
        ),
        P::PaymentExpiredUnknown => (
            "Kode QR sudah kedaluwarsa, dan server pusat tidak dapat memastikan pembayaran. Jika aplikasi Anda menunjukkan pembayaran berhasil, silakan panggil petugas.",
            "The QR code has expired, and the central server could not confirm the payment. If your app shows that you paid, please call a staff member.",
        ),
        P::PaymentRecording => {
            ("Pembayaran diterima. Mencatat transaksi.", "Payment received. Recording the sale.")
        }
        P::PaymentRecordFailed => (
            "Pembayaran diterima, tetapi transaksi belum tercatat. Silakan panggil petugas.",
            "Payment received, but the sale was not recorded. Please call a staff member.",
        ),
        P::Done => (
            "Terima kasih! Pembayaran Anda sebesar {} telah diterima. Pindai kode di layar untuk struk elektronik Anda.",
            "Thank you! Your payment of {} has been received. Scan the code on the screen for your e-receipt.",
        ),
        P::OverLimit => (
            "Total belanja melebihi Rp 10.000.000, batas satu pembayaran QRIS. Silakan bayar sebagian barang di kasir, atau panggil petugas.",
            "The total is above Rp 10.000.000, the most one QRIS payment may be. Please pay part of the items at a cashier, or call a staff member.",
        ),
        P::Refused => (
            "Server pusat menolak pembayaran. Anda dapat mencoba lagi, membayar di kasir, atau memanggil petugas.",
            "The central server refused the payment. You can try again, pay at a cashier, or call a staff member.",
        ),
        P::Unreachable => (
            "Server pusat tidak dapat dihubungi. Anda dapat mencoba lagi, membayar di kasir, atau memanggil petugas.",
            "The central server cannot be reached. You can try again, pay at a cashier, or call a staff member.",
        ),
        P::Declined => (
            "Pembayaran ditolak. Anda dapat mencoba lagi, membayar di kasir, atau memanggil petugas.",
            "The payment was declined. You can try again, pay at a cashier, or call a staff member.",
        ),
        P::CodeRefused => (
            "Kode dompet digital ini tidak dapat dipakai membayar.",
            "This e-wallet code cannot pay.",
        ),
        P::CodeNoAnswer => (
            "Belum ada jawaban untuk kode dompet digital Anda. Jika sudah ditagih, layar ini akan memberi tahu.",
            "No answer for your e-wallet code yet. If it was charged, this screen will say so.",
        ),
        P::ConnectionLost => (
            "Koneksi ke server pusat terputus. Pembayaran Anda dikonfirmasi setelah koneksi pulih.",
            "Connection to the central server lost. Your payment is confirmed when it is back.",
        ),
        P::NotFound => ("Produk tidak ditemukan: {}.", "Product not found: {}."),
        P::LookUpFailed => (
            "Tidak dapat mencari {}; silakan coba lagi.",
            "Could not look up {}; please try again.",
        ),
        P::LabelRefused => (
            "Kode {} tidak terbaca dengan benar; tidak ada yang ditambahkan. Pindai atau ketik lagi, atau panggil petugas.",
            "The code {} does not read right; nothing was added. Scan or type it again, or call a staff member.",
        ),
        P::TobaccoRefused => (
            "{}: rokok dan rokok elektrik tidak dijual di mesin swalayan. Silakan beli di kasir.",
            "{}: tobacco and e-cigarettes are not sold at self-service machines. Please buy them at a cashier.",
        ),
        P::Approval => (
            "Barang ini hanya untuk pembeli berusia 21 tahun ke atas. Mohon tunggu: petugas akan memeriksa usia Anda dan mengetik PIN.",
            "These items are only for buyers aged 21 or older. Please wait: a staff member will check your age and type their PIN.",
        ),
        P::ApprovalWrongPin => {
            ("PIN petugas salah. Tersisa {} kali percobaan.", "Wrong staff PIN. {} tries left.")
        }
        P::ApprovalLocked => (
            "Terlalu banyak PIN salah. Persetujuan dikunci selama {} menit.",
            "Too many wrong PINs. Approval is locked for {} minutes.",
        ),
        P::ApprovalUnavailable => (
            "PIN tidak dapat diperiksa sekarang. Silakan bayar barang ini di kasir.",
            "The PIN cannot be checked now. Please pay for these items at a cashier.",
        ),
        P::StaffSignIn => ("Untuk petugas: ketik PIN Anda.", "For staff: type your PIN."),
        P::StaffPinUnavailable => (
            "PIN tidak dapat diperiksa di kiosk ini sekarang.",
            "The PIN cannot be checked on this kiosk now.",
        ),
        P::StaffMenu => (
            "Pilih: isi loker, atau keluarkan pesanan kedaluwarsa.",
            "Choose: load an order, or unload expired orders.",
        ),
        P::StaffLoad => (
            "Pindai kode QR pesanan, atau ketik nomornya.",
            "Scan the order's QR code, or type its number.",
        ),
        P::StaffLoadRefused => {
            ("Pesanan tidak dimuat. Lihat layar.", "The order was not loaded. See the screen.")
        }
        P::StaffLoadOpen => (
            "Loker {} terbuka. Masukkan pesanan, lalu tutup pintunya.",
            "Compartment {} is open. Put the order in, then close the door.",
        ),
        P::StaffLoaded => (
            "Pesanan dimuat di loker {}. Kode ambil sudah dikirim ke pelanggan.",
            "Loaded into compartment {}. The customer has been sent the code.",
        ),
        P::StaffUnloadList => {
            ("{} pesanan perlu dikeluarkan dari loker.", "{} orders to take out of the lockers.")
        }
        P::StaffUnloadOpen => (
            "Loker {} terbuka. Ambil barangnya, lalu tutup pintunya.",
            "Compartment {} is open. Take the goods out, then close the door.",
        ),
        P::TooMany => ("Jumlah {} sudah maksimal.", "No more of {} fits on one line."),
        P::PaymentUnavailable => (
            "Pembayaran tidak tersedia: server pusat tidak terjangkau.",
            "Payment unavailable: the central server cannot be reached.",
        ),
        P::PaymentTimedOut => (
            "Waktu pembayaran habis; tekan Bayar untuk mencoba lagi.",
            "The payment expired; press Pay to try again.",
        ),
        P::OrderPaymentExpired => (
            "Kode QR sudah kedaluwarsa. Tidak ada dana yang ditagih. Tekan Kode QR baru, atau Kembali.",
            "The QR code has expired. Nothing was charged. Press New QR code, or Back.",
        ),
        P::PickupUnpaidOffline => (
            "Pesanan ini belum dibayar, dan tidak dapat dibayar selama kios tidak terhubung ke server pusat. Kode Anda masih berlaku: silakan coba lagi nanti atau minta bantuan staf.",
            "This order is not paid yet, and it cannot be paid while the kiosk has no connection to the central server. Your code is still valid: please try again later or ask staff.",
        ),
        P::PickupPaymentCancelled => (
            "Pembayaran dibatalkan dan tidak ada dana yang ditagih. Kode Anda masih berlaku.",
            "The payment was cancelled and nothing was charged. Your code is still valid.",
        ),
        P::PaymentCancelled => ("Pembayaran dibatalkan.", "Payment cancelled."),
        P::CancelUnconfirmed => (
            "Pembayaran dibatalkan, tetapi server pusat belum dapat diberi tahu. Jika aplikasi Anda menunjukkan pembayaran berhasil, silakan panggil petugas.",
            "Payment cancelled, but the central server could not be told. If your app shows that you paid, please call a staff member.",
        ),
        P::MemberUnknown => (
            "Tidak ada member dengan nomor HP atau kode ini.",
            "No member found with this phone number or code.",
        ),
        P::MemberExpired => (
            "Kode member Anda kedaluwarsa; silakan buka lagi di aplikasi.",
            "Your member code has expired; please open it again in your app.",
        ),
        P::MemberInvalid => ("Kode member ini tidak sah.", "This member code is not valid."),
        P::MemberUnavailable => (
            "Keanggotaan tidak dapat diperiksa sekarang; Anda tetap bisa belanja dan membayar.",
            "Membership cannot be checked right now; you can still shop and pay.",
        ),
        P::CartClosed => ("Keranjang ini sudah dibayar.", "This cart has already been paid for."),
        P::CartExpired => (
            "Keranjang ini kedaluwarsa; silakan pindai produk Anda di sini.",
            "This cart has expired; please scan your products here.",
        ),
        P::CartInvalid => ("Kode keranjang ini tidak sah.", "This cart code is not valid."),
        P::CartUnavailable => (
            "Keranjang Anda tidak dapat dimuat sekarang; silakan pindai produk Anda di sini.",
            "Your cart cannot be loaded right now; please scan your products here.",
        ),
        P::CartOpened => (
            "Keranjang dari aplikasi sudah di sini: {} barang.",
            "Your cart from the app is here: {} items.",
        ),
        P::VoucherApplied => ("Voucher {} dipakai.", "Voucher {} applied."),
        P::VoucherNotApplicable => (
            "Voucher {} tidak berlaku untuk keranjang ini.",
            "Voucher {} does not apply to this cart.",
        ),
        P::IdleWarning => (
            "Masih di sana? Kunjungan ini berakhir dalam {} detik. Sentuh Tambah waktu untuk melanjutkan.",
            "Are you still there? This visit ends in {} seconds. Tap More time to go on.",
        ),
        P::IdleLastWarning => (
            "Kunjungan ini berakhir dalam {} detik. Waktu tidak dapat ditambah lagi.",
            "This visit ends in {} seconds. No more time can be added.",
        ),
        P::GuidanceOn => (
            "Panduan suara aktif. Tekan Ulangi untuk mendengar lagi, atau Berhenti.",
            "Spoken guidance is on. Press Repeat to hear it again, or Stop.",
        ),
        P::Volume => ("Volume {} persen.", "Volume {} percent."),
        p => match pickup::texts(p) {
            ("", "") => returns::texts(p),
            texts => texts,
        },
    }
}

mod pickup;
mod returns;
#[cfg(test)]
mod tests;
