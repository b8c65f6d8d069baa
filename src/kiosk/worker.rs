//! The kiosk's worker: it owns the visit, runs its effects on the Tokio
//! runtime and pushes what the screens show.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;
use tokio::sync::mpsc;
use tracing::{Instrument, debug, info, info_span, warn};

use super::camera::{Reading, ReadingMode};
use super::clock::Clock;
use super::omni::{self, Identify, OmniService, ReplyTo};
use super::speech::Speaker;
use super::view::{GuidanceView, Qr, View};
use super::{DEFAULT_LANGUAGE, KioskOptions, camera, paying, qr, select_language, ui};
use crate::central::api::{self, PaymentStatus};
use crate::checkout::{Checked, Checkout, Device, DeviceError, Fit, IdentifiedMember};
use crate::domain::cart::Cart;
use crate::domain::gtin;
use crate::domain::loyalty::Tier;
use crate::domain::speech::{self, Guidance, Language, Prompt, Spoken};
use crate::domain::variable::Item;
use crate::domain::visit::{self, Effect, Event, PayStage, State, Visit};
use crate::scan::Wedge;

/// What the UI thread asks of the worker.
#[derive(Debug)]
pub enum Command {
    /// Something the shopper did.
    Visit { event: Event },
    /// The text of one key press: how a USB barcode scanner (a keyboard
    /// wedge) types a code, digits then Enter.
    ScannerKey { text: String },
    /// The shopper chose the language of the screens (`id` or `en`).
    Language { code: String },
    /// A press on the spoken-guidance controls.
    Speech { action: SpeechAction },
    /// The window closed.
    Shutdown,
}

/// The spoken-guidance controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpeechAction {
    Toggle,
    Repeat,
    Stop,
    Louder,
    Softer,
}

/// What the worker's own tasks report back.
#[derive(Debug)]
pub(super) enum Report {
    Event(Event),
    /// The central's latest word on a payment, kept to record the sale.
    Payment(api::Payment),
    Online(bool),
    /// The promotions the pricer reads changed: the cart is priced again.
    PromotionsChanged,
    /// An omnichannel answer for visit number `visit`: dropped once that
    /// visit has ended, so one shopper's member never reaches the next.
    Omni {
        visit: u64,
        event: Event,
    },
    /// An order a pickup code found, kept to open it.
    Pickup(crate::checkout::Pickup),
    /// The produce list's pictures, decoded, by barcode: sent before the
    /// list itself.
    ProducePictures(super::produce::Pictures),
}

/// How often the kiosk checks the central, settles given-up payments,
/// replays the outbox and syncs the catalog.
const SYNC_EVERY: Duration = Duration::from_secs(30);

pub(super) struct Worker {
    visit: Visit,
    /// Counts the visits: what an omnichannel answer is checked against.
    visit_no: u64,
    device: Device,
    omni: OmniService,
    demo: bool,
    frames: camera::Source,
    /// What the frame thread decodes: products on the scanning screen,
    /// wallet codes while a payment code is on screen, nothing otherwise.
    reading: Arc<ReadingMode>,
    window: slint::Weak<ui::AppWindow>,
    reports: mpsc::UnboundedSender<Report>,
    reports_rx: mpsc::UnboundedReceiver<Report>,
    lookups: mpsc::UnboundedSender<String>,
    lookups_rx: Option<mpsc::UnboundedReceiver<String>>,
    /// The central's payments of this visit by id; forgotten when it ends.
    payments: HashMap<String, api::Payment>,
    qr_cache: Vec<Qr>,
    /// The pictures of the produce list last read.
    produce_pictures: super::produce::Pictures,
    wedge: Wedge,
    shown: Option<View>,
    clock: Clock,
    speaker: Arc<dyn Speaker>,
    /// The visit's spoken-guidance settings and language; back to the
    /// defaults when it ends.
    guidance: Guidance,
    language: Language,
    /// What was last said of the screen, so it is said once.
    spoken: Vec<Spoken>,
    /// The idle warning now up was announced.
    warned: bool,
    /// The locker bank, if this kiosk has one.
    bank: Option<super::pickup::SharedBank>,
    /// The store whose pickup manifest is synced.
    pickup_store: Option<String>,
    /// The order the last pickup code found, until it opens.
    found: Option<crate::checkout::Pickup>,
    /// How long a door may take.
    door_limits: crate::locker::poll::DoorLimits,
    /// The compartments set aside for returned goods.
    return_compartments: Vec<u16>,
    /// How big each compartment is, for a loading to pick one that fits.
    sizes: crate::locker::Sizes,
}

impl Worker {
    pub(super) fn new(
        opts: &KioskOptions,
        device: Device,
        window: slint::Weak<ui::AppWindow>,
        clock: Clock,
        speaker: Arc<dyn Speaker>,
        bank: Option<super::pickup::SharedBank>,
    ) -> Worker {
        let (reports, reports_rx) = mpsc::unbounded_channel();
        let (lookups, lookups_rx) = mpsc::unbounded_channel();
        let omni = OmniService::new(device.clone());
        // Attempt keys unique to this run: the central keeps them all.
        let mut visit = Visit::new(
            opts.idle_timeout,
            &format!("pay-{}", uuid::Uuid::new_v4().simple()),
            clock.now(),
        );
        visit.set_pricer(omni.pricer());
        Worker {
            visit,
            visit_no: 0,
            device,
            omni,
            demo: opts.demo,
            frames: camera::Source::from_options(opts),
            reading: Arc::new(ReadingMode::default()),
            window,
            reports,
            reports_rx,
            lookups,
            lookups_rx: Some(lookups_rx),
            payments: HashMap::new(),
            qr_cache: Vec::new(),
            produce_pictures: Default::default(),
            wedge: Wedge::default(),
            shown: None,
            clock,
            speaker,
            guidance: Guidance::default(),
            language: Language::default(),
            spoken: Vec::new(),
            warned: false,
            bank,
            pickup_store: opts.pickup.as_ref().map(|p| p.store.clone()),
            found: None,
            door_limits: opts.pickup.as_ref().map_or(super::pickup::LIMITS, |p| p.door),
            return_compartments: opts
                .pickup
                .as_ref()
                .map(|p| p.returns.clone())
                .unwrap_or_default(),
            sizes: opts.pickup.as_ref().map(|p| p.bank.sizes.clone()).unwrap_or_default(),
        }
    }

    /// Serves commands until the window closes.
    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        if let Some(rx) = self.lookups_rx.take() {
            tokio::spawn(look_up_in_order(self.device.clone(), rx, self.reports.clone()));
        }
        // A pickup an earlier run left with its door open is settled first.
        if let Some(bank) = self.bank.clone() {
            tokio::spawn(super::pickup::settle_at_start(self.device.clone(), bank));
        }
        let (device, omni, reports) =
            (self.device.clone(), self.omni.clone(), self.reports.clone());
        tokio::spawn(keep_in_sync(device, omni, self.pickup_store.clone(), reports));
        let frames = std::mem::take(&mut self.frames);
        camera::spawn(frames, self.reading.clone(), self.window.clone(), self.reports.clone());

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
                    Some(Command::Language { code }) => {
                        self.language = Language::from_code(&code).unwrap_or_default();
                        // Said again in the language chosen.
                        self.spoken.clear();
                        self.handle(Event::Touch);
                    }
                    Some(Command::Speech { action }) => {
                        self.speech(action);
                        self.handle(Event::Touch);
                    }
                },
                Some(report) = self.reports_rx.recv() => match report {
                    Report::Event(event) => self.handle(event),
                    Report::Payment(payment) => {
                        self.payments.insert(payment.id.clone(), payment);
                    }
                    Report::Online(online) => self.handle(Event::Connectivity { online }),
                    Report::PromotionsChanged => {
                        // A cart being paid keeps the bill it is paid with.
                        self.visit.set_pricer(self.omni.pricer());
                        self.push_view();
                    }
                    Report::Omni { visit, event } if visit == self.visit_no => self.handle(event),
                    Report::Omni { .. } => debug!("answer for an ended visit dropped"),
                    Report::Pickup(pickup) => self.found = Some(pickup),
                    Report::ProducePictures(pictures) => self.produce_pictures = pictures,
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
        let effects = self.visit.step(event, self.clock.now());
        for effect in effects {
            self.run_effect(effect);
        }
        self.push_view();
        self.speak_changes();
    }

    /// Carries out a press on the spoken-guidance controls.
    fn speech(&mut self, action: SpeechAction) {
        let now = self.clock.now();
        match action {
            SpeechAction::Toggle if self.guidance.on => {
                self.guidance.on = false;
                self.speaker.stop();
            }
            SpeechAction::Toggle => {
                self.guidance.on = true;
                self.spoken = speech::prompts_of(&self.visit, now);
                let mut all = vec![Spoken::new(Prompt::GuidanceOn)];
                all.extend(self.spoken.iter().cloned());
                self.say(&all);
            }
            SpeechAction::Repeat => {
                let idle = speech::idle_prompt(self.visit.idle(now));
                let all = idle.map_or_else(|| speech::prompts_of(&self.visit, now), |w| vec![w]);
                self.say(&all);
            }
            SpeechAction::Stop => self.speaker.stop(),
            SpeechAction::Louder | SpeechAction::Softer => {
                let v = self.guidance.volume;
                self.guidance.volume =
                    if action == SpeechAction::Louder { v.louder() } else { v.softer() };
                let percent = self.guidance.volume.percent().to_string();
                self.say(&[Spoken::with(Prompt::Volume, &[&percent])]);
            }
        }
    }

    /// Says what changed: the idle warning when it comes up (always: it
    /// must be heard), else the screen's words when they change and the
    /// shopper turned spoken guidance on.
    fn speak_changes(&mut self) {
        let now = self.clock.now();
        let idle = self.visit.idle(now);
        match speech::idle_prompt(idle) {
            Some(warning) if !self.warned => {
                self.warned = true;
                self.say(&[warning]);
                return;
            }
            Some(_) => return,
            None => self.warned = false,
        }
        if !self.guidance.on {
            return;
        }
        let prompts = speech::prompts_of(&self.visit, now);
        if prompts != self.spoken {
            self.say(&prompts);
            self.spoken = prompts;
        }
    }

    fn say(&self, spoken: &[Spoken]) {
        let text = speech::say_all(spoken, self.language);
        self.speaker.say(&text, self.language, self.guidance.volume);
    }

    fn run_effect(&mut self, effect: Effect) {
        let (device, reports) = (self.device.clone(), self.reports.clone());
        match effect {
            Effect::LookUp { code } => {
                let _ = self.lookups.send(code);
            }
            Effect::CreatePayment { attempt, cart, amount, checkout } => {
                let checkout = self.device_checkout(cart, &checkout);
                let clock = self.clock.clone();
                let task =
                    paying::create_payment(device, attempt, checkout, amount, clock, reports);
                tokio::spawn(task.instrument(info_span!("payment")));
            }
            Effect::WatchPayment { id } => match self.payments.get(&id).cloned() {
                Some(payment) => {
                    tokio::spawn(paying::watch_payment(device, payment, reports));
                }
                None => warn!(payment = id, "asked to watch a payment never created"),
            },
            Effect::CancelPayment { id } => {
                tokio::spawn(paying::cancel_payment(device, id, reports));
            }
            Effect::ChargeCustomerCode { id, code } => {
                tokio::spawn(paying::charge_customer_code(device, id, code, reports));
            }
            Effect::GiveUpPayment { attempt } => {
                tokio::spawn(paying::give_up_payment(device, attempt));
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
            // The sale is recorded from the bill stored when the payment
            // started, so it carries what the payment carried.
            Effect::RecordSale { cart, payment, checkout } => {
                let known = self.payments.get(&payment.id).cloned();
                let checkout = self.device_checkout(cart, &checkout);
                tokio::spawn(paying::record_sale(device, checkout, payment.id, known, reports));
            }
            Effect::EndVisit => self.end_visit(),
            Effect::VerifyPickupCode { code, phone_last4 } => {
                tokio::spawn(super::pickup::verify(device, code, Some(phone_last4), reports));
            }
            Effect::VerifyPickupToken { token } => {
                tokio::spawn(super::pickup::verify(device, token, None, reports));
            }
            Effect::PayOrder { attempt, order_id, .. } => {
                match self.found.clone().filter(|p| p.order_id == order_id) {
                    Some(pickup) => {
                        let clock = self.clock.clone();
                        let task =
                            super::pickup::pay_order(device, pickup, attempt, clock, reports);
                        tokio::spawn(task.instrument(info_span!("payment")));
                    }
                    None => {
                        warn!("no order found to pay");
                        let why = visit::NotCreated::Refused { message: String::new() };
                        self.handle(Event::PaymentNotCreated { attempt, why });
                    }
                }
            }
            Effect::OpenCompartment { order_id, compartment, payment_id } => {
                let found = self.found.take().filter(|p| p.order_id == order_id);
                match (self.bank.clone(), found) {
                    (Some(bank), Some(pickup)) => {
                        let limits = self.door_limits;
                        let task =
                            super::pickup::open(device, bank, pickup, payment_id, limits, reports);
                        tokio::spawn(task.instrument(info_span!("pickup", compartment)));
                    }
                    _ => {
                        warn!(compartment, "no locker bank or no order found to open");
                        let why = visit::PickupProblem::Unavailable;
                        self.handle(Event::PickupRefused { why });
                    }
                }
            }
            Effect::FindReturnable { reference } => {
                tokio::spawn(super::returns::find(device, reference, reports));
            }
            Effect::PostReturn { key, request } => {
                let (bank, compartments) = (self.bank.clone(), self.return_compartments.clone());
                let task = super::returns::post(device, bank, compartments, key, request, reports);
                tokio::spawn(task.instrument(info_span!("return")));
            }
            Effect::OpenReturnCompartment { return_id, compartment } => match self.bank.clone() {
                Some(bank) => {
                    let task = super::returns::open(device, bank, return_id, compartment, reports);
                    tokio::spawn(task.instrument(info_span!("return", compartment)));
                }
                None => {
                    let why = visit::NotStowed::LockerFailed;
                    self.handle(Event::ReturnNotStowed { why });
                }
            },
            effect @ (Effect::CheckStaffPin { .. }
            | Effect::LoadOrder { .. }
            | Effect::ListUnload
            | Effect::UnloadOrder { .. }) => self.run_staff(effect),
            effect => self.run_omni(effect),
        }
    }

    /// Starts the staff work of `effect` at the lockers.
    fn run_staff(&mut self, effect: Effect) {
        use super::staff;

        let (device, reports) = (self.device.clone(), self.reports.clone());
        let lockers = self.bank.clone().zip(self.pickup_store.clone());
        match (effect, lockers) {
            (Effect::CheckStaffPin { pin }, _) => {
                tokio::spawn(staff::sign_in(device, pin, reports));
            }
            (Effect::LoadOrder { order_id, staff_id }, Some((bank, store))) => {
                let fit =
                    Fit { sizes: self.sizes.clone(), set_aside: self.return_compartments.clone() };
                let task = staff::load(device, bank, fit, store, order_id, staff_id, reports);
                tokio::spawn(task.instrument(info_span!("loading")));
            }
            (Effect::ListUnload, Some((_, store))) => {
                tokio::spawn(staff::list(device, store, reports));
            }
            (Effect::UnloadOrder { order, staff_id }, Some((bank, _))) => {
                let task = staff::unload(device, bank, order, staff_id, reports);
                tokio::spawn(task.instrument(info_span!("unloading")));
            }
            (Effect::LoadOrder { .. }, None) => {
                self.handle(Event::LoadRefused { why: visit::LoadProblem::Unavailable });
            }
            (Effect::ListUnload, None) => self.handle(Event::UnloadListFailed),
            (Effect::UnloadOrder { order, .. }, None) => self.handle(Event::OrderUnloaded {
                order_id: order.order_id,
                result: visit::UnloadResult::Failed,
            }),
            (other, _) => warn!(effect = ?std::mem::discriminant(&other), "staff effect not run"),
        }
    }

    /// Starts the omnichannel call of `effect`.
    fn run_omni(&mut self, effect: Effect) {
        let omni = self.omni.clone();
        let to = ReplyTo { visit: self.visit_no, reports: self.reports.clone() };
        match effect {
            Effect::IdentifyMember { code } => {
                tokio::spawn(omni::identify(omni, Identify::Code(code), to));
            }
            Effect::IdentifyPhone { phone } => {
                tokio::spawn(omni::identify(omni, Identify::Phone(phone), to));
            }
            Effect::OpenCart { code } => {
                tokio::spawn(omni::open_cart(omni, code, to));
            }
            Effect::HandOff { cart, member } => {
                tokio::spawn(omni::hand_off(omni, cart, member, to));
            }
            Effect::FetchStock { barcode } => {
                tokio::spawn(omni::stock(omni, barcode, to));
            }
            Effect::Subscribe { member, barcode } => {
                tokio::spawn(omni::subscribe(omni, member, barcode, to));
            }
            Effect::FetchRecommendations { member, cart } => {
                tokio::spawn(omni::recommend(omni, member, cart, to));
            }
            Effect::ApproveRestricted { pin, items, attempt } => {
                let device = self.device.clone();
                tokio::spawn(super::approval::approve(device, pin, items, attempt, to));
            }
            Effect::ListProduce => {
                tokio::spawn(super::produce::list(self.device.clone(), to));
            }
            other => warn!(effect = ?std::mem::discriminant(&other), "effect not run"),
        }
    }

    /// What the device bills for the visit's checkout: the cart (with the
    /// central's id of a cart handed over from another channel), the
    /// member as identified, the vouchers that applied and the points.
    fn device_checkout(&self, mut cart: Cart, checkout: &visit::Checkout) -> Checkout {
        cart.set_central_id(checkout.cart_id.clone());
        let member = self.visit.member().and_then(|m| {
            Some(IdentifiedMember {
                id: m.id.clone(),
                tier: Tier::parse(&m.tier)?,
                name: Some(m.name.clone()),
                points: Some(m.points),
                birthday: m.birthday.map(|b| b.format("%Y-%m-%d").to_string()),
                checked: Checked::Online,
            })
        });
        Checkout {
            cart,
            member,
            vouchers: checkout.vouchers.clone(),
            points: checkout.bill.points_redeemed,
        }
    }

    /// Forgets the shopper: payments, drawn codes, half-typed input, and
    /// their choice of language, text size, speech and volume.
    fn end_visit(&mut self) {
        info!("visit ended");
        self.visit_no += 1;
        self.payments.clear();
        self.qr_cache.clear();
        self.wedge = Wedge::default();
        self.speaker.stop();
        self.guidance = Guidance::default();
        self.language = Language::default();
        self.spoken.clear();
        self.warned = false;
        let _ = self.window.upgrade_in_event_loop(|w| {
            select_language(&w, DEFAULT_LANGUAGE);
            w.global::<ui::AppAdapter>().set_large_text(false);
        });
    }

    /// Sends the view to the UI thread if it changed.
    fn push_view(&mut self) {
        let cache = &mut self.qr_cache;
        let mut draw = |payload: &str| draw_cached(cache, payload);
        let mut view = View::of(&self.visit, self.clock.now(), self.demo, &mut draw);
        view.omni.produce.show_pictures(&self.produce_pictures);
        view.guidance = GuidanceView {
            on: self.guidance.on,
            available: self.speaker.available(),
            volume: i32::from(self.guidance.volume.percent()),
        };
        self.reading.set(match self.visit.state() {
            State::Scanning { .. } => Reading::Products,
            State::Paying { stage: PayStage::Pending { .. }, .. } => Reading::CustomerCodes,
            State::Pickup { stage: visit::PickupStage::Entering { .. } } => Reading::PickupCodes,
            State::Return { stage: visit::ReturnStage::Scanning { .. } } => Reading::PurchaseCodes,
            State::Staff { stage: visit::StaffStage::Load { .. } } => Reading::OrderCodes,
            _ => Reading::Nothing,
        });
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

/// Looks codes up one at a time, so that lines appear in scanning order.
async fn look_up_in_order(
    device: Device,
    mut codes: mpsc::UnboundedReceiver<String>,
    reports: mpsc::UnboundedSender<Report>,
) {
    while let Some(code) = codes.recv().await {
        let mut found = device.item(&gtin::typed_key(&code)).await;
        // Eight digits typed by a scanner are an EAN-8 or a UPC-E; the
        // scanner does not say which, so try the UPC-E's GTIN second.
        if matches!(found, Ok(None))
            && code.len() == 8
            && let Some(upce) = gtin::to_gtin13_upc(&code).filter(|k| gtin::is_valid(k))
        {
            found = device.item(&upce).await;
        }
        let event = match found {
            Ok(Some(Item { product, measure: None })) => Event::ProductFound { product },
            Ok(Some(Item { product, measure: Some(measure) })) => {
                Event::MeasuredFound { product, measure }
            }
            Ok(None) => {
                debug!(code, "not in the catalog");
                Event::ProductNotFound { code }
            }
            Err(DeviceError::Code(e)) => {
                debug!(error = %e, "code refused");
                Event::CodeRefused { code }
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
async fn keep_in_sync(
    device: Device,
    omni: OmniService,
    pickup_store: Option<String>,
    reports: mpsc::UnboundedSender<Report>,
) {
    // The promotions of the last run price carts until the central answers.
    refresh_promotions(&omni, &reports).await;
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
        // Payments the visit gave up (a cancel or an expiry the central
        // never heard of) are settled as soon as it answers again, not
        // only at the next start. No shopper is paying them.
        let given_up = device.given_up_keys().await.unwrap_or_else(|e| {
            warn!(error = %e, "cannot read the given-up payments");
            Vec::new()
        });
        let mut settle = left_open.clone();
        settle.extend(given_up.into_iter().filter(|k| !left_open.contains(k)));
        if !settle.is_empty() {
            match device.reconcile_only(Some(&settle)).await {
                Ok(receipts) => {
                    let now = device.open_payment_keys().await.unwrap_or_default();
                    let left = settle.iter().filter(|k| now.contains(k)).count();
                    if left < settle.len() {
                        info!(recorded = receipts.len(), left, "open payments settled");
                    }
                    left_open.retain(|k| now.contains(k));
                }
                Err(e) => warn!(error = %e, "open payments not settled yet"),
            }
        }
        if let Err(e) = device.flush_outbox().await {
            warn!(error = %e, "outbox replay failed");
        }
        // The lockers' orders, so that a pickup code opens offline too.
        if let Some(store) = &pickup_store
            && let Err(e) = device.sync_pickup_manifest(store).await
        {
            warn!(store, error = %e, "pickup manifest not synced");
        }
        match device.sync_catalog().instrument(info_span!("sync")).await {
            Ok(report) if report.promotions_changed => refresh_promotions(&omni, &reports).await,
            Ok(_) => {}
            Err(e) => warn!(error = %e, "catalog sync failed; scanning from the cache"),
        }
    }
}

/// Loads the device's cached promotions into the pricer, and has the cart
/// priced again if they changed.
async fn refresh_promotions(omni: &OmniService, reports: &mpsc::UnboundedSender<Report>) {
    match omni.refresh_promotions().await {
        Ok(true) => {
            let _ = reports.send(Report::PromotionsChanged);
        }
        Ok(false) => {}
        Err(e) => warn!(error = %e, "cached promotions not read; pricing with the last set"),
    }
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
        Event::MeasuredFound { .. } => "measured item found",
        Event::CodeRefused { .. } => "code refused",
        Event::LookUpFailed { .. } => "lookup failed",
        Event::Increment { .. } => "increment",
        Event::Decrement { .. } => "decrement",
        Event::Remove { .. } => "remove",
        Event::Pay => "pay",
        Event::PaymentCreated { .. } => "payment created",
        Event::PaymentNotCreated { .. } => "payment not created",
        Event::PaymentPaid { .. } => "payment paid",
        Event::PaymentExpired { .. } => "payment expired",
        Event::PaymentCancelled { .. } => "payment cancelled",
        Event::PaymentFailed { .. } => "payment failed",
        Event::CancelUnconfirmed { .. } => "cancel unconfirmed",
        Event::CodeNotCharged { .. } => "customer code not charged",
        Event::Cancel => "cancel",
        Event::PayAgain => "pay again",
        Event::BackToCart => "back to cart",
        Event::SimulatePaid => "simulate paid",
        Event::SaleRecorded { .. } => "sale recorded",
        Event::SaleFailed => "sale failed",
        Event::Finish => "finish",
        Event::Touch => "touch",
        Event::Tick => "tick",
        Event::MoreTime => "more time",
        Event::Connectivity { .. } => "connectivity",
        Event::MemberIdentified { .. } => "member identified",
        Event::MemberNotIdentified { .. } => "member not identified",
        Event::ForgetMember => "forget member",
        Event::KeypadMode { .. } => "keypad mode",
        Event::ToggleRedeem => "toggle redeem",
        Event::Recommendations { .. } => "recommendations",
        Event::AddRecommended { .. } => "add recommended",
        Event::CartOpened { .. } => "cart opened",
        Event::CartNotOpened { .. } => "cart not opened",
        Event::ContinueOnPhone => "continue on phone",
        Event::HandedOff { .. } => "handed off",
        Event::HandOffFailed => "hand-off failed",
        Event::OpenItem { .. } => "open item",
        Event::Stock { .. } => "stock",
        Event::StockUnavailable { .. } => "stock unavailable",
        Event::Subscribe => "subscribe",
        Event::Subscribed { .. } => "subscribed",
        Event::NotSubscribed { .. } => "not subscribed",
        Event::ClosePanel => "close panel",
        Event::OpenProduce => "open produce",
        Event::ProduceListed { .. } => "produce listed",
        Event::ProduceUnavailable => "produce unavailable",
        Event::ChooseProduce { .. } => "choose produce",
        Event::StaffPinDigit { .. } => "staff pin digit",
        Event::StaffPinDelete => "staff pin delete",
        Event::StaffPinEnter => "staff pin enter",
        Event::Approved { .. } => "approved",
        Event::ApprovalRefused { .. } => "approval refused",
        Event::StartPickup => "start pickup",
        Event::PickupFound { .. } => "pickup found",
        Event::PickupRefused { .. } => "pickup refused",
        Event::DoorOpened => "door opened",
        Event::DoorLeftOpen => "door left open",
        Event::PickupCollected => "pickup collected",
        Event::StartReturn => "start return",
        Event::ReturnableFound { .. } => "returnable found",
        Event::ReturnNotFound { .. } => "returnable not found",
        Event::ReturnMore { .. } => "return more",
        Event::ReturnLess { .. } => "return less",
        Event::ReturnReasonChosen { .. } => "return reason chosen",
        Event::ReturnRefundChosen { .. } => "return refund chosen",
        Event::ReturnReview => "return review",
        Event::ReturnConfirm => "return confirm",
        Event::ReturnRecorded { .. } => "return recorded",
        Event::ReturnNotRecorded { .. } => "return not recorded",
        Event::ReturnStowed => "return stowed",
        Event::ReturnNotStowed { .. } => "return not stowed",
        Event::StartStaff => "start staff",
        Event::StaffSignedIn { .. } => "staff signed in",
        Event::StaffLoad => "staff load",
        Event::StaffUnload => "staff unload",
        Event::DoorUnlocking { .. } => "door unlocking",
        Event::OrderLoaded { .. } => "order loaded",
        Event::LoadRefused { .. } => "load refused",
        Event::UnloadListed { .. } => "unload listed",
        Event::UnloadListFailed => "unload list failed",
        Event::UnloadOne { .. } => "unload one",
        Event::UnloadAll => "unload all",
        Event::OrderUnloaded { .. } => "order unloaded",
    }
}
