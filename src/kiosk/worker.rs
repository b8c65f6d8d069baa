//! The kiosk's worker: it owns the visit, runs its effects on the Tokio
//! runtime and pushes what the screens show.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tracing::{Instrument, debug, info, info_span, warn};

use super::view::{Qr, View};
use super::{DEFAULT_LANGUAGE, KioskOptions, camera, qr, select_language, ui};
use crate::central::api::{self, PaymentStatus};
use crate::central::client::ClientError;
use crate::checkout::{Device, DeviceError};
use crate::domain::cart::Cart;
use crate::domain::gtin;
use crate::domain::visit::{self, Effect, Event, Visit};
use crate::scan::Wedge;

/// What the UI thread asks of the worker.
#[derive(Debug)]
pub enum Command {
    /// Something the shopper did.
    Visit { event: Event },
    /// The text of one key press: how a USB barcode scanner (a keyboard
    /// wedge) types a code, digits then Enter.
    ScannerKey { text: String },
    /// The window closed.
    Shutdown,
}

/// What the worker's own tasks report back.
#[derive(Debug)]
pub(super) enum Report {
    Event(Event),
    /// The central's latest word on a payment, kept to record the sale.
    Payment(api::Payment),
    Online(bool),
}

/// How often the kiosk checks the central and syncs the catalog.
const SYNC_EVERY: Duration = Duration::from_secs(30);
/// How long one long-poll for a payment's status waits.
const POLL: Duration = Duration::from_secs(20);
/// How long past its expiry a payment is watched when the central is silent.
const EXPIRY_GRACE: Duration = Duration::from_secs(60);

pub(super) struct Worker {
    visit: Visit,
    device: Device,
    demo: bool,
    frames: camera::Source,
    /// Set while the scanning screen is up; the frame thread decodes then.
    scanning: Arc<AtomicBool>,
    window: slint::Weak<ui::AppWindow>,
    reports: mpsc::UnboundedSender<Report>,
    reports_rx: mpsc::UnboundedReceiver<Report>,
    lookups: mpsc::UnboundedSender<String>,
    lookups_rx: Option<mpsc::UnboundedReceiver<String>>,
    /// The central's payments of this visit by id; forgotten when it ends.
    payments: HashMap<String, api::Payment>,
    qr_cache: Vec<Qr>,
    wedge: Wedge,
    shown: Option<View>,
}

impl Worker {
    pub(super) fn new(
        opts: &KioskOptions,
        device: Device,
        window: slint::Weak<ui::AppWindow>,
    ) -> Worker {
        let (reports, reports_rx) = mpsc::unbounded_channel();
        let (lookups, lookups_rx) = mpsc::unbounded_channel();
        Worker {
            visit: Visit::new(opts.idle_timeout, Instant::now()),
            device,
            demo: opts.demo,
            frames: camera::Source::from_options(opts),
            scanning: Arc::new(AtomicBool::new(false)),
            window,
            reports,
            reports_rx,
            lookups,
            lookups_rx: Some(lookups_rx),
            payments: HashMap::new(),
            qr_cache: Vec::new(),
            wedge: Wedge::default(),
            shown: None,
        }
    }

    /// Serves commands until the window closes.
    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        if let Some(rx) = self.lookups_rx.take() {
            tokio::spawn(look_up_in_order(self.device.clone(), rx, self.reports.clone()));
        }
        tokio::spawn(keep_in_sync(self.device.clone(), self.reports.clone()));
        let frames = std::mem::take(&mut self.frames);
        camera::spawn(frames, self.scanning.clone(), self.window.clone(), self.reports.clone());

        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        self.push_view();
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    None | Some(Command::Shutdown) => break,
                    Some(Command::Visit { event }) => self.handle(event),
                    Some(Command::ScannerKey { text }) => {
                        if let Some(code) = self.wedge.push_text(&text, Instant::now()) {
                            self.handle(Event::Scanned { code });
                        }
                    }
                },
                Some(report) = self.reports_rx.recv() => match report {
                    Report::Event(event) => self.handle(event),
                    Report::Payment(payment) => {
                        self.payments.insert(payment.id.clone(), payment);
                    }
                    Report::Online(online) => self.handle(Event::Connectivity { online }),
                },
                _ = tick.tick() => self.handle(Event::Tick),
            }
        }
        info!("kiosk worker stopped");
    }

    fn handle(&mut self, event: Event) {
        if !matches!(event, Event::Tick) {
            debug!(event = event_name(&event), "visit event");
        }
        let effects = self.visit.step(event, Instant::now());
        for effect in effects {
            self.run_effect(effect);
        }
        self.push_view();
    }

    fn run_effect(&mut self, effect: Effect) {
        let (device, reports) = (self.device.clone(), self.reports.clone());
        match effect {
            Effect::LookUp { code } => {
                let _ = self.lookups.send(code);
            }
            Effect::CreatePayment { cart, .. } => {
                tokio::spawn(
                    create_payment(device, cart, reports).instrument(info_span!("payment")),
                );
            }
            Effect::WatchPayment { id } => match self.payments.get(&id).cloned() {
                Some(payment) => {
                    tokio::spawn(watch_payment(device, payment, reports));
                }
                None => warn!(payment = id, "asked to watch a payment never created"),
            },
            Effect::CancelPayment { id } => {
                tokio::spawn(cancel_payment(device, id, reports));
            }
            Effect::SimulatePayment { id } if self.demo => {
                tokio::spawn(async move {
                    if let Err(e) = device.client().simulate_payment(&id, PaymentStatus::Paid).await
                    {
                        warn!(payment = id, error = %e, "simulated payment failed");
                    }
                });
            }
            Effect::SimulatePayment { id } => {
                warn!(payment = id, "simulated payment refused outside demo mode");
            }
            Effect::RecordSale { cart, payment } => {
                let known = self.payments.get(&payment.id).cloned();
                tokio::spawn(record_sale(device, cart, payment.id, known, reports));
            }
            Effect::EndVisit => self.end_visit(),
        }
    }

    /// Forgets the shopper: payments, drawn codes, half-typed input, and
    /// their choice of language.
    fn end_visit(&mut self) {
        info!("visit ended");
        self.payments.clear();
        self.qr_cache.clear();
        self.wedge = Wedge::default();
        let _ = self.window.upgrade_in_event_loop(|w| select_language(&w, DEFAULT_LANGUAGE));
    }

    /// Sends the view to the UI thread if it changed.
    fn push_view(&mut self) {
        let cache = &mut self.qr_cache;
        let mut draw = |payload: &str| draw_cached(cache, payload);
        let view = View::of(&self.visit, Instant::now(), self.demo, &mut draw);
        self.scanning.store(view.screen == ui::Screen::Scanning, Ordering::Relaxed);
        if self.shown.as_ref() == Some(&view) {
            return;
        }
        self.shown = Some(view.clone());
        let pushed = self.window.upgrade_in_event_loop(move |w| view.apply(&w));
        if pushed.is_err() {
            debug!("the event loop is gone; view dropped");
        }
    }
}

/// Draws a payload once; a visit shows at most two codes.
fn draw_cached(cache: &mut Vec<Qr>, payload: &str) -> Option<Qr> {
    if let Some(qr) = cache.iter().find(|q| q.payload == payload) {
        return Some(qr.clone());
    }
    match qr::render(payload, 1) {
        Ok(pixels) => {
            let qr = Qr { payload: payload.to_owned(), pixels };
            cache.push(qr.clone());
            Some(qr)
        }
        Err(e) => {
            warn!(error = %e, len = payload.len(), "cannot draw a QR code");
            None
        }
    }
}

/// The catalog key of a typed or wedge-scanned code: a 12-digit UPC-A is
/// keyed as its 13-digit GTIN, like a decoded one.
fn catalog_key(code: &str) -> String {
    match code.len() {
        12 => gtin::to_gtin13_upc(code).unwrap_or_else(|| code.to_owned()),
        _ => code.to_owned(),
    }
}

/// Looks codes up one at a time, so that lines appear in scanning order.
async fn look_up_in_order(
    device: Device,
    mut codes: mpsc::UnboundedReceiver<String>,
    reports: mpsc::UnboundedSender<Report>,
) {
    while let Some(code) = codes.recv().await {
        let mut found = device.lookup(&catalog_key(&code)).await;
        // Eight digits typed by a scanner are an EAN-8 or a UPC-E; the
        // scanner does not say which, so try the UPC-E's GTIN second.
        if matches!(found, Ok(None))
            && code.len() == 8
            && let Some(upce) = gtin::to_gtin13_upc(&code).filter(|k| gtin::is_valid(k))
        {
            found = device.lookup(&upce).await;
        }
        let event = match found {
            Ok(Some(product)) => Event::ProductFound { product },
            Ok(None) => {
                debug!(code, "not in the catalog");
                Event::ProductNotFound { code }
            }
            Err(e) => {
                warn!(code, error = %e, "catalog lookup failed");
                Event::LookUpFailed { code }
            }
        };
        if reports.send(Report::Event(event)).is_err() {
            return;
        }
    }
}

/// Checks the central now and then, replays the outbox and syncs the
/// catalog whenever it answers.
async fn keep_in_sync(device: Device, reports: mpsc::UnboundedSender<Report>) {
    // Payments a previous run left open (a crash, a power cut) are settled
    // once the central answers: a paid one gets its sale recorded.
    let mut left_open = match device.open_payment_keys().await {
        Ok(keys) => keys,
        Err(e) => {
            warn!(error = %e, "cannot read the open payments");
            Vec::new()
        }
    };
    let mut every = tokio::time::interval(SYNC_EVERY);
    loop {
        every.tick().await;
        let online = device.client().health().await.is_ok();
        if reports.send(Report::Online(online)).is_err() {
            return;
        }
        if !online {
            debug!("central unreachable");
            continue;
        }
        if !left_open.is_empty() {
            match device.reconcile_only(Some(&left_open)).await {
                Ok(receipts) => {
                    info!(recorded = receipts.len(), "payments of an earlier run settled");
                    left_open = device
                        .open_payment_keys()
                        .await
                        .map(|now| left_open.iter().filter(|k| now.contains(k)).cloned().collect())
                        .unwrap_or_default();
                }
                Err(e) => warn!(error = %e, "payments of an earlier run not settled yet"),
            }
        }
        if let Err(e) = device.flush_outbox().await {
            warn!(error = %e, "outbox replay failed");
        }
        if let Err(e) = device.sync_catalog().instrument(info_span!("sync")).await {
            warn!(error = %e, "catalog sync failed; scanning from the cache");
        }
    }
}

fn is_unreachable(e: &DeviceError) -> bool {
    matches!(e, DeviceError::Central(c) if c.is_retryable())
        || matches!(e, DeviceError::Central(ClientError::Unreachable { .. }))
}

async fn create_payment(device: Device, cart: Cart, reports: mpsc::UnboundedSender<Report>) {
    // A fresh key per Pay press: a retried request returns this payment,
    // a new press after a cancel makes a new one.
    let key = format!("pay-{}", uuid::Uuid::new_v4());
    match device.start_payment(&cart, &key).await {
        Ok(payment) => {
            info!(payment = payment.id, amount = payment.amount.0, "payment created");
            let expires_in = Duration::from_secs(payment.expires_in.max(0) as u64);
            let event = Event::PaymentCreated {
                payment: visit::Payment {
                    id: payment.id.clone(),
                    qris: payment.qris.clone(),
                    amount: payment.amount,
                    expires_at: Instant::now() + expires_in,
                },
            };
            let _ = reports.send(Report::Online(true));
            let _ = reports.send(Report::Payment(payment));
            let _ = reports.send(Report::Event(event));
        }
        Err(e) => {
            warn!(error = %e, "payment could not be created");
            if is_unreachable(&e) {
                let _ = reports.send(Report::Online(false));
            }
            let _ = reports.send(Report::Event(Event::PaymentUnavailable));
        }
    }
}

/// Long-polls the central until the payment is settled.
async fn watch_payment(
    device: Device,
    payment: api::Payment,
    reports: mpsc::UnboundedSender<Report>,
) {
    let id = payment.id.clone();
    let give_up =
        Instant::now() + Duration::from_secs(payment.expires_in.max(0) as u64) + EXPIRY_GRACE;
    loop {
        match device.wait_payment(&payment, POLL).await {
            Ok(p) if p.status == PaymentStatus::Pending => {}
            Ok(p) => {
                info!(payment = id, status = p.status.as_str(), "payment settled");
                report_settled(&device, p, &reports).await;
                return;
            }
            Err(e) => {
                debug!(payment = id, error = %e, "payment status unavailable");
                if Instant::now() > give_up {
                    // TODO: the central stayed silent past the expiry, so the
                    // kiosk gives the cart back. The payment stays open on the
                    // device and is settled at the next start; settling it
                    // when the central comes back, without a restart, would
                    // be better.
                    warn!(payment = id, "payment status unknown past its expiry");
                    let _ = reports.send(Report::Event(Event::PaymentExpired { id }));
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        if reports.is_closed() {
            return;
        }
    }
}

/// Tells the visit how a payment ended. One that ended unpaid is no longer
/// open on the device; a paid one stays open until its sale is recorded.
async fn report_settled(device: &Device, p: api::Payment, reports: &mpsc::UnboundedSender<Report>) {
    if p.status != PaymentStatus::Paid {
        let _ = device.payment_ended(&p.id).await;
    }
    let event = settled(&p);
    let _ = reports.send(Report::Payment(p));
    let _ = reports.send(Report::Event(event));
}

fn settled(p: &api::Payment) -> Event {
    let id = p.id.clone();
    match p.status {
        PaymentStatus::Paid => Event::PaymentPaid { id },
        PaymentStatus::Expired | PaymentStatus::Pending => Event::PaymentExpired { id },
        // TODO: a failed payment (the bank declined) and a refunded one end
        // unpaid like a cancelled one; the payment screen has no notice of
        // its own for them yet.
        PaymentStatus::Cancelled | PaymentStatus::Failed | PaymentStatus::Refunded => {
            Event::PaymentCancelled { id }
        }
    }
}

async fn cancel_payment(device: Device, id: String, reports: mpsc::UnboundedSender<Report>) {
    match device.client().cancel_payment(&id).await {
        // The answer may be `paid`: the bank was quicker than the shopper.
        Ok(p) => report_settled(&device, p, &reports).await,
        // Already ended (paid a moment ago, or expired): say how.
        Err(e) if !e.is_retryable() => match device.client().payment(&id).await {
            Ok(p) if p.status.is_final() => report_settled(&device, p, &reports).await,
            _ => {
                warn!(payment = id, error = %e, "payment cancel refused");
                let _ = reports.send(Report::Event(Event::PaymentCancelled { id }));
            }
        },
        Err(e) => {
            // TODO: with the central unreachable the kiosk cannot know
            // whether the shopper paid; it gives the cart back. The payment
            // stays open on the device and is settled at the next start;
            // settling it when the central comes back would be better.
            warn!(payment = id, error = %e, "payment cancel failed");
            let _ = reports.send(Report::Event(Event::PaymentCancelled { id }));
        }
    }
}

async fn record_sale(
    device: Device,
    cart: Cart,
    id: String,
    known: Option<api::Payment>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let payment = match known {
        Some(p) if p.status == PaymentStatus::Paid => Ok(p),
        _ => device.client().payment(&id).await.map_err(DeviceError::from),
    };
    let recorded = match payment {
        Ok(payment) => device.record_sale(&cart, &payment).await,
        Err(e) => Err(e),
    };
    let event = match recorded {
        Ok(receipt) => {
            info!(payment = id, transaction = ?receipt.transaction_id, "sale recorded");
            Event::SaleRecorded { transaction_id: receipt.transaction_id, url: receipt.receipt_url }
        }
        Err(e) => {
            tracing::error!(payment = id, error = %e, "paid sale not recorded");
            Event::SaleFailed
        }
    };
    let _ = reports.send(Report::Event(event));
}

/// The name of an event for the logs, without the shopper's data.
fn event_name(event: &Event) -> &'static str {
    match event {
        Event::Start => "start",
        Event::Scanned { .. } => "scanned",
        Event::KeypadDigit { .. } => "keypad digit",
        Event::KeypadDelete => "keypad delete",
        Event::KeypadEnter => "keypad enter",
        Event::ProductFound { .. } => "product found",
        Event::ProductNotFound { .. } => "product not found",
        Event::LookUpFailed { .. } => "lookup failed",
        Event::Increment { .. } => "increment",
        Event::Decrement { .. } => "decrement",
        Event::Remove { .. } => "remove",
        Event::Pay => "pay",
        Event::PaymentCreated { .. } => "payment created",
        Event::PaymentUnavailable => "payment unavailable",
        Event::PaymentPaid { .. } => "payment paid",
        Event::PaymentExpired { .. } => "payment expired",
        Event::PaymentCancelled { .. } => "payment cancelled",
        Event::Cancel => "cancel",
        Event::SimulatePaid => "simulate paid",
        Event::SaleRecorded { .. } => "sale recorded",
        Event::SaleFailed => "sale failed",
        Event::Finish => "finish",
        Event::Touch => "touch",
        Event::Tick => "tick",
        Event::Connectivity { .. } => "connectivity",
    }
}
