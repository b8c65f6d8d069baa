//! The kiosk runtime: the Slint window on the main thread, a worker that
//! owns a Tokio runtime, and a command channel between the two.
//!
//! UI callbacks only send a [`Command`]; the worker steps the visit state
//! machine, carries out its effects (catalog lookups in SQLite, calls to the
//! central) and pushes the resulting [`view::View`] back with
//! `upgrade_in_event_loop`.

pub mod access;
mod approval;
mod camera;
mod changes;
pub mod clock;
pub mod omni;
mod paying;
mod pickup;
mod produce;
pub mod qr;
mod returns;
mod screenshot;
pub mod speech;
mod staff;
pub mod view;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use slint::ComponentHandle;
use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::central::client::Client;
use crate::checkout::{Device, default_data_dir};
use crate::domain::visit::{Event, Visit};
pub use access::Panel;
pub use clock::Clock;
pub use pickup::PickupOptions;
pub use screenshot::{screenshots, tour};
pub use speech::{Espeak, Speaker};
pub use worker::{Command, SpeechAction};

/// The generated Slint code: the window and one adapter per screen.
pub mod ui {
    slint::include_modules!();
}

/// The language a visit starts in.
pub const DEFAULT_LANGUAGE: &str = "id";

/// How `swalayan kiosk` runs.
#[derive(Clone, Debug)]
pub struct KioskOptions {
    /// The central API; `None` starts the reference central in-process on a
    /// loopback port with the demo catalog.
    pub central: Option<String>,
    /// Where the device database lives; the user's data directory if `None`.
    pub data_dir: Option<PathBuf>,
    /// A camera to scan with (V4L2 index).
    pub camera: Option<u32>,
    /// A folder of images to scan, cycling, instead of a camera.
    pub frames: Option<PathBuf>,
    /// Shows the button that has the gateway simulator pay.
    pub demo: bool,
    /// A visit with no touch for this long returns to the welcome screen
    /// (never while a payment is pending), after a warning for its last
    /// 20 s; a shorter one is lengthened to 20 s.
    pub idle_timeout: Duration,
    /// The locker bank and its store; without it the welcome screen says
    /// that lockers are not available.
    pub pickup: Option<PickupOptions>,
}

impl Default for KioskOptions {
    fn default() -> KioskOptions {
        KioskOptions {
            central: None,
            data_dir: None,
            camera: None,
            frames: None,
            demo: true,
            idle_timeout: Duration::from_secs(90),
            pickup: None,
        }
    }
}

/// Opens the kiosk window on `panel` and runs until it is closed.
pub fn run(opts: KioskOptions, panel: Panel) -> anyhow::Result<()> {
    let kiosk = Kiosk::start(opts)?;
    fit_to_panel(kiosk.window(), &panel);
    kiosk.window().run().context("the kiosk window failed")?;
    kiosk.stop();
    Ok(())
}

/// A running kiosk: its window and its worker. Tests drive the window
/// through Slint's testing backend; dropping the kiosk stops the worker.
pub struct Kiosk {
    window: ui::AppWindow,
    commands: mpsc::UnboundedSender<Command>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Kiosk {
    /// Connects to the central (or starts one), opens the device database,
    /// creates the window (for the default panel: [`fit_to_panel`] changes
    /// it) and starts the worker. The window is not shown;
    /// [`run`] shows it.
    ///
    /// # Errors
    ///
    /// When the runtime, the in-process central, the device database or the
    /// window cannot be set up.
    pub fn start(opts: KioskOptions) -> anyhow::Result<Kiosk> {
        Kiosk::start_with(opts, Clock::System, Arc::new(Espeak::detect()))
    }

    /// [`Kiosk::start`] with the clock the visit's timeouts run on and the
    /// speaker it talks through (a test's manual clock and recorder).
    ///
    /// # Errors
    ///
    /// As [`Kiosk::start`].
    pub fn start_with(
        opts: KioskOptions,
        clock: Clock,
        speaker: Arc<dyn Speaker>,
    ) -> anyhow::Result<Kiosk> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kiosk-worker")
            .enable_all()
            .build()
            .context("cannot start the kiosk's async runtime")?;

        // Without --central the kiosk brings its own, as a demo does.
        let (url, central) = match &opts.central {
            Some(url) => (url.clone(), None),
            None => {
                let config = crate::central::server::Config::default();
                let running = runtime
                    .block_on(crate::central::server::start(config, ([127, 0, 0, 1], 0).into()))
                    .context("cannot start the in-process central")?;
                (running.url(), Some(running))
            }
        };
        info!(central = url, in_process = central.is_some(), "kiosk starting");

        let data_dir = opts.data_dir.clone().unwrap_or_else(default_data_dir);
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let client = Client::new(&url).context("bad central URL")?;
        let device = Device::open(&data_dir, client).with_context(|| {
            format!("cannot open the device database in {}", data_dir.display())
        })?;

        let bank = match &opts.pickup {
            Some(p) => {
                let bank = crate::locker::open(&p.bank)
                    .with_context(|| format!("cannot open the locker bank on {}", p.bank.port))?;
                let bank: Box<dyn crate::locker::LockerBank> = Box::new(bank);
                Some(Arc::new(std::sync::Mutex::new(bank)))
            }
            None => None,
        };

        let window = ui::AppWindow::new().context("cannot create the kiosk window")?;
        let welcome = window.global::<ui::WelcomeAdapter>();
        welcome.set_pickup_available(bank.is_some());
        let returns = opts.pickup.as_ref().is_some_and(|p| !p.returns.is_empty());
        welcome.set_returns_available(returns);
        select_language(&window, DEFAULT_LANGUAGE);
        fit_to_panel(&window, &Panel::DEFAULT);
        // The welcome screen from the first frame on, not the preview data.
        let now = clock.now();
        let mut first =
            view::View::of(&Visit::new(opts.idle_timeout, "", now), now, opts.demo, &mut |_| None);
        first.guidance.available = speaker.available();
        first.apply(&window);

        let (commands, rx) = mpsc::unbounded_channel();
        connect(&window, &commands);
        let worker = worker::Worker::new(&opts, device, window.as_weak(), clock, speaker, bank);
        let thread = std::thread::Builder::new()
            .name("kiosk".into())
            .spawn(move || {
                runtime.block_on(worker.run(rx));
                // The in-process central stops with the worker.
                drop(central);
                runtime.shutdown_timeout(Duration::from_secs(2));
            })
            .context("cannot start the kiosk worker thread")?;
        Ok(Kiosk { window, commands, worker: Some(thread) })
    }

    pub fn window(&self) -> &ui::AppWindow {
        &self.window
    }

    /// A sender of commands, as the UI callbacks use it.
    pub fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.commands.clone()
    }

    /// Stops the worker and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.worker.take()
            && thread.join().is_err()
        {
            warn!("kiosk worker panicked");
        }
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Switches the bundled translation and tells the screens.
pub fn select_language(window: &ui::AppWindow, language: &str) {
    if let Err(e) = slint::select_bundled_translation(language) {
        warn!(language, error = %e, "translation not available");
        return;
    }
    window.global::<ui::AppAdapter>().set_language(language.into());
}

/// Sizes touch targets and large text for the panel (see [`access`]).
pub fn fit_to_panel(window: &ui::AppWindow, panel: &Panel) {
    let app = window.global::<ui::AppAdapter>();
    app.set_touch_min(panel.touch_min_px());
    app.set_large_font(panel.large_font_px());
    info!(%panel, touch_min = panel.touch_min_px(), large_font = panel.large_font_px(), "panel");
}

/// Wires every UI callback to a command for the worker.
fn connect(window: &ui::AppWindow, commands: &mpsc::UnboundedSender<Command>) {
    let send = {
        let commands = commands.clone();
        move |event: Event| {
            // The worker only stops when the window does; a failed send
            // means it is gone and there is nobody left to tell.
            let _ = commands.send(Command::Visit { event });
        }
    };

    let app = window.global::<ui::AppAdapter>();
    app.on_touched({
        let send = send.clone();

        move || send(Event::Touch)
    });
    app.on_select_language({
        let (window, commands) = (window.as_weak(), commands.clone());

        move |language| {
            if let Some(window) = window.upgrade() {
                select_language(&window, &language);
            }
            let _ = commands.send(Command::Language { code: language.into() });
        }
    });
    app.on_toggle_large_text({
        let (window, send) = (window.as_weak(), send.clone());

        move || {
            if let Some(window) = window.upgrade() {
                let app = window.global::<ui::AppAdapter>();
                app.set_large_text(!app.get_large_text());
            }
            send(Event::Touch)
        }
    });

    let speech = window.global::<ui::SpeechAdapter>();
    let speak = {
        let commands = commands.clone();
        move |action| {
            let _ = commands.send(Command::Speech { action });
        }
    };
    speech.on_toggle({
        let speak = speak.clone();

        move || speak(SpeechAction::Toggle)
    });
    speech.on_repeat({
        let speak = speak.clone();

        move || speak(SpeechAction::Repeat)
    });
    speech.on_stop({
        let speak = speak.clone();

        move || speak(SpeechAction::Stop)
    });
    speech.on_louder({
        let speak = speak.clone();

        move || speak(SpeechAction::Louder)
    });
    speech.on_softer(move || speak(SpeechAction::Softer));

    window.global::<ui::IdleAdapter>().on_more_time_pressed({
        let send = send.clone();

        move || send(Event::MoreTime)
    });

    let welcome = window.global::<ui::WelcomeAdapter>();
    welcome.on_start({
        let send = send.clone();

        move || send(Event::Start)
    });
    welcome.on_collect({
        let send = send.clone();

        move || send(Event::StartPickup)
    });
    welcome.on_return_items({
        let send = send.clone();

        move || send(Event::StartReturn)
    });
    returns::connect(window, &send);
    let pickup = window.global::<ui::PickupAdapter>();
    pickup.on_digit({
        let send = send.clone();

        move |d| send(Event::KeypadDigit { digit: d.chars().next().unwrap_or(' ') })
    });
    pickup.on_delete({
        let send = send.clone();

        move || send(Event::KeypadDelete)
    });
    pickup.on_enter({
        let send = send.clone();

        move || send(Event::KeypadEnter)
    });
    pickup.on_cancel({
        let send = send.clone();

        move || send(Event::Cancel)
    });
    pickup.on_finish({
        let send = send.clone();

        move || send(Event::Finish)
    });

    let scan = window.global::<ui::ScanAdapter>();
    scan.on_keypad_digit({
        let send = send.clone();

        move |d| send(Event::KeypadDigit { digit: d.chars().next().unwrap_or(' ') })
    });
    scan.on_keypad_delete({
        let send = send.clone();

        move || send(Event::KeypadDelete)
    });
    scan.on_keypad_enter({
        let send = send.clone();

        move || send(Event::KeypadEnter)
    });
    scan.on_key_text({
        let commands = commands.clone();

        move |text| {
            let _ = commands.send(Command::ScannerKey { text: text.into() });
        }
    });
    scan.on_increment({
        let send = send.clone();

        move |barcode| send(Event::Increment { barcode: barcode.into() })
    });
    scan.on_decrement({
        let send = send.clone();

        move |barcode| send(Event::Decrement { barcode: barcode.into() })
    });
    scan.on_remove({
        let send = send.clone();

        move |barcode| send(Event::Remove { barcode: barcode.into() })
    });
    scan.on_pay({
        let send = send.clone();

        move || send(Event::Pay)
    });
    connect_omni(&scan, &send);
    approval::connect(window, &send);
    produce::connect(window, &send);
    staff::connect(window, &send);

    let pay = window.global::<ui::PaymentAdapter>();
    pay.on_cancel({
        let send = send.clone();

        move || send(Event::Cancel)
    });
    pay.on_simulate_paid({
        let send = send.clone();

        move || send(Event::SimulatePaid)
    });
    pay.on_pay_again({
        let send = send.clone();

        move || send(Event::PayAgain)
    });
    pay.on_back_to_cart({
        let send = send.clone();

        move || send(Event::BackToCart)
    });

    window.global::<ui::DoneAdapter>().on_finish(move || send(Event::Finish));
}

/// Wires the cart screen's member, bill and panel callbacks.
fn connect_omni(scan: &ui::ScanAdapter, send: &(impl Fn(Event) + Clone + 'static)) {
    use crate::domain::visit::KeypadMode;

    scan.on_select_keypad({
        let send = send.clone();

        move |mode| {
            let mode = match mode {
                ui::KeypadMode::Barcode => KeypadMode::Barcode,
                ui::KeypadMode::Phone => KeypadMode::Phone,
                ui::KeypadMode::Voucher => KeypadMode::Voucher,
            };
            send(Event::KeypadMode { mode })
        }
    });
    scan.on_open_item({
        let send = send.clone();

        move |barcode| send(Event::OpenItem { barcode: barcode.into() })
    });
    scan.on_open_produce({
        let send = send.clone();

        move || send(Event::OpenProduce)
    });
    scan.on_forget_member({
        let send = send.clone();

        move || send(Event::ForgetMember)
    });
    scan.on_toggle_redeem({
        let send = send.clone();

        move || send(Event::ToggleRedeem)
    });
    scan.on_add_recommended({
        let send = send.clone();

        move |barcode| send(Event::AddRecommended { barcode: barcode.into() })
    });
    scan.on_continue_on_phone({
        let send = send.clone();

        move || send(Event::ContinueOnPhone)
    });
    scan.on_finish_hand_off({
        let send = send.clone();

        move || send(Event::Finish)
    });
    scan.on_subscribe({
        let send = send.clone();

        move || send(Event::Subscribe)
    });
    scan.on_close_panel({
        let send = send.clone();

        move || send(Event::ClosePanel)
    });
}

#[cfg(test)]
mod tests;
