//! `swalayan pickup` and `swalayan locker load`: one customer pickup and
//! one staff loading at a locker bank, without a screen.
//!
//! Both drive the same pieces as the kiosk: the device's pickup functions
//! (`crate::checkout::pickup`) and the locker driver. The bank is blocking
//! and used by this one command, so it is called straight from the async
//! code: nothing else runs on this thread while a door is watched.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use serde_json::json;
use tracing::{info, warn};

use super::PayMode;
use super::locker::{BoardArgs, usage};
use crate::central::api::PaymentStatus;
use crate::central::client::Client;
use crate::checkout::{Device, Pickup, default_data_dir, settle_earlier_openings};
use crate::checkout::{DoorPolicy, DoorStep, Fit, LoadError, Loaded};
use crate::domain::pickup::PickupError;
use crate::locker::poll::{DoorEvent, DoorLimits, unlock_and_watch_until};
use crate::locker::{self, BankConfig, DoorState, LockerBank, Occupancy, SerialBank, Sizes};
use crate::store::PICKUP_STORE;

/// Exit code: the door was not opened in time and is locked again.
const NOT_OPENED: u8 = 3;
/// Exit code: the door did not end shut with the compartment as it should
/// be (goods left in at a pickup, nothing put in at a loading, or still
/// open when the command stopped waiting).
const NOT_DONE: u8 = 5;

/// The locker bank a command drives.
#[derive(clap::Args)]
pub struct LockerArgs {
    /// The serial device of the locker bank, e.g. /dev/ttyUSB0 or the path
    /// that `swalayan locker sim` printed.
    #[arg(long = "locker", value_name = "PATH")]
    port: String,
    #[command(flatten)]
    boards: BoardArgs,
    /// How long each request waits for the board's reply.
    #[arg(long, value_name = "MS", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    timeout_ms: u64,
    /// How big the compartments are, e.g. S:1-8,M:9-14,L:15-16 (S < M <
    /// L; a compartment not named is S): a loading takes the smallest free
    /// one that fits the order's size.
    #[arg(long, value_name = "SIZE:N-N,...")]
    sizes: Option<String>,
}

/// How long a door may take, for both commands.
#[derive(clap::Args)]
pub struct DoorArgs {
    /// Seconds to open the door after the unlock; then it counts as not
    /// opened.
    #[arg(long, value_name = "N", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    door_timeout_s: u64,
    /// Seconds a door may stay open before a warning.
    #[arg(long, value_name = "N", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    left_open_s: u64,
    /// Seconds after the unlock when the command stops waiting for the
    /// door to close.
    #[arg(long, value_name = "N", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    give_up_s: u64,
    /// Time between two readings of the door.
    #[arg(long, value_name = "MS", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(10..=10_000))]
    every_ms: u64,
}

/// `swalayan pickup`.
#[derive(clap::Args)]
pub struct PickupArgs {
    /// The central API, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    central: String,
    /// The scanned pickup QR (its `SWP1.` token) or the 6-digit code, which
    /// needs --phone-last4.
    #[arg(long, value_name = "CODE")]
    code: String,
    /// The last 4 digits of the customer's phone, with a 6-digit code.
    #[arg(long, value_name = "NNNN")]
    phone_last4: Option<String>,
    /// The store whose lockers these are (default: the one this data
    /// directory served last, set by `swalayan locker load` or a pickup).
    #[arg(long, value_name = "ID")]
    store: Option<String>,
    /// How to pay an unpaid order; `simulated` has the gateway simulator
    /// pay. Without it an unpaid order is refused.
    #[arg(long, value_enum)]
    pay: Option<PayMode>,
    /// Where the device keeps its database (default: the user's data
    /// directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    locker: LockerArgs,
    #[command(flatten)]
    door: DoorArgs,
}

/// `swalayan locker load`.
#[derive(clap::Args)]
pub struct LoadArgs {
    /// The central API, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    central: String,
    /// The order to load (ORD-...).
    #[arg(long, value_name = "ID")]
    order: String,
    /// The PIN of the member of staff loading it, checked against the
    /// synced staff list; the environment variable keeps it off the command
    /// line.
    #[arg(long, value_name = "PIN", env = "SWALAYAN_STAFF_PIN", hide_env_values = true)]
    staff_pin: String,
    /// Where the device keeps its database (default: the user's data
    /// directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    locker: LockerArgs,
    #[command(flatten)]
    door: DoorArgs,
}

impl LockerArgs {
    fn config(&self) -> Result<BankConfig, String> {
        let layout = self.boards.layout()?;
        let sizes = match &self.sizes {
            Some(text) => {
                Sizes::parse(text, layout.compartments()).map_err(|e| format!("--sizes: {e}"))?
            }
            None => Sizes::default(),
        };
        Ok(BankConfig {
            port: self.port.clone(),
            layout,
            polarity: self.boards.polarity(),
            timeout: Duration::from_millis(self.timeout_ms),
            sizes,
        })
    }
}

impl DoorArgs {
    fn limits(&self) -> DoorLimits {
        DoorLimits {
            open_within: Duration::from_secs(self.door_timeout_s),
            close_within: Duration::from_secs(self.left_open_s),
        }
    }

    /// Unlocks `number` once and follows its door, warning on standard
    /// error when it is left open (and calling `left_open` then); `None`
    /// when it was still open at --give-up-s.
    fn unlock_and_watch(
        &self,
        bank: &mut SerialBank,
        number: u16,
        left_open: impl Fn(),
    ) -> anyhow::Result<Option<DoorEvent>> {
        let left_open_s = self.left_open_s;
        let warn_open = move |e: DoorEvent| {
            if e == DoorEvent::LeftOpen {
                eprintln!(
                    "swalayan: warning: the door of compartment {number} has been open for \
                     {left_open_s} s; please close it / pintu loker {number} masih terbuka, \
                     mohon ditutup"
                );
                left_open();
            }
        };
        let every = Duration::from_millis(self.every_ms);
        let give_up = Some(Duration::from_secs(self.give_up_s));
        unlock_and_watch_until(bank, number, self.limits(), every, give_up, warn_open)
            .with_context(|| format!("the locker failed while compartment {number} was open"))
    }
}

/// A compartment number of the order, as the bank numbers them.
fn in_bank(bank: &SerialBank, compartment: u32) -> anyhow::Result<u16> {
    let count = bank.layout().compartments();
    match u16::try_from(compartment) {
        Ok(n) if (1..=count).contains(&n) => Ok(n),
        _ => bail!(
            "compartment {compartment} is not in this bank (1 to {count}); no door was opened"
        ),
    }
}

fn print_line(value: serde_json::Value) {
    println!("{value}");
}

fn runtime_and_config(
    locker: &LockerArgs,
) -> Result<(tokio::runtime::Runtime, BankConfig), String> {
    let config = locker.config()?;
    let runtime = super::runtime().map_err(|e| e.to_string())?;
    Ok((runtime, config))
}

/// `swalayan pickup`: exits 0 when collected, 3 when the door was not
/// opened (the code stays valid), 4 when a payment's end is unknown,
/// 5 when it was not collected, 1 when refused, 2 on bad usage.
pub fn pickup(args: PickupArgs) -> anyhow::Result<ExitCode> {
    let typed = !args.code.trim().starts_with("SWP1.");
    if typed && args.phone_last4.is_none() {
        return usage("--code: a 6-digit code needs --phone-last4 (the pickup QR does not)");
    }
    let (runtime, config) = match runtime_and_config(&args.locker) {
        Ok(both) => both,
        Err(message) => return usage(&message),
    };
    runtime.block_on(run_pickup(args, config))
}

async fn run_pickup(args: PickupArgs, config: BankConfig) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.central)?;
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let device = Device::open(&data_dir, client.clone())?;

    // What earlier runs left goes first: collects still in the outbox,
    // then openings they never saw to an end.
    match device.flush_outbox().await {
        Ok(0) => {}
        Ok(n) => info!(delivered = n, "earlier collects delivered"),
        Err(e) => warn!(error = %e, "earlier collects wait in the outbox"),
    }
    let kept = device.with_store_blocking(|s| s.setting(PICKUP_STORE)).await?;
    let Some(store) = args.store.clone().or(kept) else {
        bail!(
            "this data directory serves no store's lockers yet: give --store; no door was opened"
        );
    };
    if let Err(e) = device.sync_pickup_manifest(&store).await {
        warn!(store = %store, error = %e, "pickup manifest not synced; the kept one decides");
    }
    let mut bank = locker::open(&config)?;
    // The bank is this command's alone: read straight from here.
    settle_earlier_openings(&device, &mut bank).await?;

    // The code, then the order, then its payment: all before the unlock.
    let now = Utc::now();
    let code = args.code.trim();
    let found = match &args.phone_last4 {
        Some(tail) if !code.starts_with("SWP1.") => device.pickup_by_code(code, tail, now).await,
        _ => device.pickup_by_token(code, now).await,
    };
    let pickup = found.context("the pickup was refused; no door was opened")?;
    let number = in_bank(&bank, pickup.compartment)?;
    let payment = match (pickup.paid, args.pay) {
        (true, _) => None,
        (false, _) if !pickup.online => {
            return Err(anyhow::Error::from(PickupError::UnpaidOffline))
                .context("the pickup was refused; no door was opened");
        }
        (false, None) => bail!(
            "order {} is unpaid ({}): it is paid by QRIS before its door opens; give \
             --pay simulated to have the gateway simulator pay; no door was opened",
            pickup.order_id,
            pickup.total
        ),
        (false, Some(PayMode::Simulated)) => Some(pay(&device, &client, &pickup).await?),
    };
    let before = bank.compartment(number).context("no door was opened")?;
    if before.door == DoorState::Open {
        warn!(compartment = number, "the compartment's door is open already");
    }

    // Written before the unlock: the code opens this compartment once,
    // even if this process dies while the door is open.
    device
        .open_for_pickup(&pickup, payment.as_deref(), Utc::now())
        .await
        .context("the pickup was refused; no door was opened")?;
    // Staff hear of a door left open through the audit log and the
    // central; the watch blocks this thread, so a runtime thread tells.
    let alert = {
        let (device, order) = (device.clone(), pickup.order_id.clone());
        let runtime = tokio::runtime::Handle::current();
        move || {
            let (device, order) = (device.clone(), order.clone());
            runtime.spawn(async move {
                if let Err(e) = device.door_left_open(&order, Utc::now()).await {
                    warn!(order, error = %e, "door left open not recorded");
                }
            });
        }
    };
    let outcome = args.door.unlock_and_watch(&mut bank, number, alert)?;
    let id = &pickup.order_id;
    match outcome {
        Some(DoorEvent::NotOpened) => {
            device.door_not_opened(id).await?;
            eprintln!(
                "swalayan: the door of compartment {number} was not opened within {} s and is \
                 locked again; the pickup code stays valid / pintu tidak dibuka, kode masih \
                 berlaku",
                args.door.door_timeout_s
            );
            Ok(ExitCode::from(NOT_OPENED))
        }
        Some(DoorEvent::Closed { occupancy: Some(Occupancy::Occupied) }) => {
            eprintln!(
                "swalayan: compartment {number} was closed with goods still inside: order {id} \
                 is not collected; its code has been used, staff should look / barang masih \
                 di loker, hubungi staf"
            );
            Ok(ExitCode::from(NOT_DONE))
        }
        Some(DoorEvent::Closed { occupancy }) => {
            if occupancy.is_none() {
                warn!(compartment = number, "no item sensor; the shut door confirms the pickup");
            }
            if device.confirm_pickup(id).await?.is_none() {
                warn!(order = %id, "central out of reach; the collect waits in the outbox");
            }
            print_line(json!({ "order_id": id, "compartment": number, "status": "collected" }));
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!(
                "swalayan: the door of compartment {number} is still open after {} s: order \
                 {id} is not confirmed; the next pickup on this data directory confirms it once \
                 the door is shut and the compartment empty",
                args.door.give_up_s
            );
            Ok(ExitCode::from(NOT_DONE))
        }
    }
}

/// Pays an unpaid order by the gateway simulator; returns the paid
/// payment's id. The key is this run's: a run after a lost answer still
/// finds the order's pending or paid payment (the central keeps one live
/// payment an order, whatever its key), and a run after a cancelled or
/// expired one pays afresh.
async fn pay(device: &Device, client: &Client, pickup: &Pickup) -> anyhow::Result<String> {
    let run: u32 = rand::random();
    let key = format!("pickup-{}-{}-{run:08x}", device.device_id(), pickup.order_id);
    let payment =
        device.pay_order(pickup, &key).await.context("cannot pay the order; no door was opened")?;
    info!(payment = %payment.id, total = payment.amount.0, "order payment created");
    if payment.status != PaymentStatus::Paid {
        super::checkout::simulate_paid(client, &payment.id).await;
    }
    let payment = super::checkout::wait_settled(device, &payment).await?;
    if payment.status != PaymentStatus::Paid {
        bail!(
            "payment {} ended {}, nothing was charged; no door was opened",
            payment.id,
            payment.status.as_str()
        );
    }
    Ok(payment.id)
}

/// `swalayan locker load`: exits 0 when loaded, 3 when the door was not
/// opened, 5 when it was closed with nothing inside (or left open), 1 when
/// refused, 2 on bad usage.
pub fn load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let (runtime, config) = match runtime_and_config(&args.locker) {
        Ok(both) => both,
        Err(message) => return usage(&message),
    };
    runtime.block_on(run_load(args, config))
}

async fn run_load(args: LoadArgs, config: BankConfig) -> anyhow::Result<ExitCode> {
    let pin = args.staff_pin.trim();
    crate::staff::check_pin(pin).map_err(|e| anyhow::anyhow!("--staff-pin: {e}"))?;
    let client = Client::new(&args.central)?;
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let device = Device::open(&data_dir, client.clone())?;

    // The staff list as the central has it now; the kept one otherwise.
    match client.staff().await {
        Ok(list) => device.with_store_blocking(move |s| s.replace_staff(&list.staff)).await?,
        Err(e) => warn!(error = %e, "staff list not fetched; the kept one checks the PIN"),
    }
    let visit = format!("load-{}", args.order);
    let staff = device
        .approve_restricted(pin, Vec::new(), &visit, Utc::now())
        .await
        .context("the staff PIN was not accepted; no door was opened")?;

    let order = device.order_to_load(&args.order, None).await.context("no door was opened")?;
    let bank = Arc::new(Mutex::new(locker::open(&config)?));
    let door = DoorPolicy {
        limits: args.door.limits(),
        every: Duration::from_millis(args.door.every_ms),
        give_up: Some(Duration::from_secs(args.door.give_up_s)),
    };
    let left_open = args.door.left_open_s;
    let mut number = 0;
    let warn_open = move |step| match step {
        DoorStep::Unlocking { compartment } => number = compartment,
        DoorStep::LeftOpen => eprintln!(
            "swalayan: warning: the door of compartment {number} has been open for {left_open} \
             s; please close it / pintu loker {number} masih terbuka, mohon ditutup"
        ),
        DoorStep::Opened => {}
    };
    let loaded = device
        .load_order(
            &bank,
            &Fit { sizes: config.sizes.clone(), set_aside: vec![] },
            &order,
            &staff.id,
            door,
            warn_open,
        )
        .await;
    let id = &order.id;
    match loaded {
        Ok(Loaded { order: view, compartment }) => {
            let mut line =
                json!({ "order_id": view.id, "compartment": compartment, "status": "loaded" });
            if let Some(code) = &view.pickup {
                line["pickup_code"] = json!(code.code);
                line["pickup_token"] = json!(code.token);
            }
            print_line(line);
            Ok(ExitCode::SUCCESS)
        }
        Err(LoadError::NotOpened { compartment }) => {
            eprintln!(
                "swalayan: the door of compartment {compartment} was not opened within {} s and \
                 is locked again; order {id} is not loaded",
                args.door.door_timeout_s
            );
            Ok(ExitCode::from(NOT_OPENED))
        }
        Err(LoadError::ClosedEmpty { compartment }) => {
            eprintln!(
                "swalayan: compartment {compartment} was closed with nothing inside: order {id} \
                 is not loaded"
            );
            Ok(ExitCode::from(NOT_DONE))
        }
        Err(LoadError::LeftOpen { compartment }) => {
            eprintln!(
                "swalayan: the door of compartment {compartment} is still open after {} s: \
                 order {id} is not loaded",
                args.door.give_up_s
            );
            Ok(ExitCode::from(NOT_DONE))
        }
        Err(e @ LoadError::NotRecorded { .. }) => Err(e.into()),
        Err(e) => Err(anyhow::Error::from(e).context("no door was opened")),
    }
}
