//! `swalayan locker`: a simulated bank, and the status, unlocking and
//! commissioning of a real or simulated one.
//!
//! The arguments are declared here rather than in `main.rs` so that the
//! locker commands grow in one place.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use crate::domain::locker::{Family, Layout, Polarity, Verdict};
use crate::locker::poll::{Change, Poller};
use crate::locker::sim::{SimBank, SimConfig};
use crate::locker::{self, BankConfig, DoorState, LockerBank, LockerError};

/// Exit code of an unlock or reading that the board did not answer.
const NO_REPLY: u8 = 3;
/// Exit code of bad usage, as clap's own.
const USAGE: u8 = 2;

#[derive(clap::Subcommand)]
pub enum LockerCommand {
    /// Starts a simulated bank on a pseudo-terminal, prints its device path
    /// and runs until killed; door commands are read from standard input
    /// (open N, close N, put N, take N, stick N, show; type help).
    Sim(SimArgs),
    /// Prints every compartment's door and sensor.
    Status {
        #[command(flatten)]
        bank: BankArgs,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Unlocks one compartment, once, and prints its door as JSON; exits 0
    /// when it opened, 1 when the board refused or there is no such
    /// compartment, 3 when the board did not answer (the door may have
    /// opened: read the status before unlocking again).
    Open {
        #[command(flatten)]
        bank: BankArgs,
        /// The compartment, from 1 (board 1 holds 1 to N, board 2 the next N).
        compartment: u16,
    },
    /// Polls the bank and prints each change as one JSON line (a door
    /// opened or closed, a compartment emptied or filled) until killed;
    /// says on standard error when the first reading is taken.
    Watch {
        #[command(flatten)]
        bank: BankArgs,
        /// Time between two readings of the bank.
        #[arg(long, value_name = "MS", default_value_t = 250,
              value_parser = clap::value_parser!(u64).range(10..=60_000))]
        every_ms: u64,
    },
    /// Commissioning: reads a compartment that you have made sure is closed
    /// and empty and tells whether --polarity reads it so; exits 0 when it
    /// does, 1 when not (naming the polarity that would), 3 without reply.
    Check {
        #[command(flatten)]
        bank: BankArgs,
        /// A compartment that is shut and empty.
        compartment: u16,
    },
    /// Staff loading: checks the staff PIN, opens a free compartment,
    /// waits for its door to close on the order and has the central mark
    /// the order loaded; prints it as JSON with its pickup code.
    Load(super::pickup::LoadArgs),
}

/// Which boards, how many and how big.
#[derive(clap::Args)]
pub struct BoardArgs {
    /// The board family: kerong (KR-CU, 19200 baud) or 8a (8A/80 boards,
    /// 9600 baud).
    #[arg(long, value_name = "FAMILY")]
    board: Family,
    /// Boards on the bus, addressed one after the other from the first
    /// (kerong: 0, 8a: 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    boards: u8,
    /// Locks on each board (default: kerong 16, 8a 24).
    #[arg(long, value_name = "N")]
    locks_per_board: Option<u8>,
    /// What a set status bit means: normal (a latched door, an item),
    /// inverted, door-inverted or sensor-inverted. Default: the family's,
    /// normal for both.
    #[arg(long, value_name = "POLARITY")]
    polarity: Option<Polarity>,
}

#[derive(clap::Args)]
pub struct SimArgs {
    #[command(flatten)]
    boards: BoardArgs,
}

#[derive(clap::Args)]
pub struct BankArgs {
    /// The serial device of the bank, e.g. /dev/ttyUSB0 or the path that
    /// `swalayan locker sim` printed.
    #[arg(long, value_name = "PATH")]
    port: String,
    #[command(flatten)]
    boards: BoardArgs,
    /// How long each request waits for the board's reply.
    #[arg(long, value_name = "MS", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    timeout_ms: u64,
}

/// Runs one `swalayan locker` command.
pub fn run(command: LockerCommand) -> anyhow::Result<ExitCode> {
    match command {
        LockerCommand::Sim(a) => sim(a),
        LockerCommand::Status { bank, json } => with_bank(&bank, |b| status(b, json)),
        LockerCommand::Open { bank, compartment } => with_bank(&bank, |b| open(b, compartment)),
        LockerCommand::Watch { bank, every_ms } => {
            with_bank(&bank, |b| watch(b, Duration::from_millis(every_ms)))
        }
        LockerCommand::Check { bank, compartment } => with_bank(&bank, |b| check(b, compartment)),
        LockerCommand::Load(args) => super::pickup::load(args),
    }
}

impl BoardArgs {
    pub(super) fn layout(&self) -> Result<Layout, String> {
        let locks = self.locks_per_board.unwrap_or(self.board.default_locks());
        Layout::new(self.board, self.boards, locks)
            .map_err(|e| format!("--board, --boards, --locks-per-board: {e}"))
    }

    pub(super) fn polarity(&self) -> Polarity {
        self.polarity.unwrap_or(self.board.default_polarity())
    }
}

pub(super) fn usage(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("swalayan: {message}");
    Ok(ExitCode::from(USAGE))
}

/// Opens the bank and runs `f`; an unanswered request exits 3.
fn with_bank(
    args: &BankArgs,
    f: impl FnOnce(&mut dyn LockerBank) -> Result<ExitCode, LockerError>,
) -> anyhow::Result<ExitCode> {
    let layout = match args.boards.layout() {
        Ok(layout) => layout,
        Err(message) => return usage(&message),
    };
    let config = BankConfig {
        port: args.port.clone(),
        layout,
        polarity: args.boards.polarity(),
        timeout: Duration::from_millis(args.timeout_ms),
        sizes: Default::default(),
    };
    let mut bank = locker::open(&config)?;
    match f(&mut bank) {
        Ok(code) => Ok(code),
        Err(e) if e.is_unanswered() => {
            eprintln!("swalayan: {e}");
            Ok(ExitCode::from(NO_REPLY))
        }
        Err(e @ LockerError::NoSuchCompartment { .. }) => {
            eprintln!("swalayan: {e}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// `swalayan locker sim`.
fn sim(args: SimArgs) -> anyhow::Result<ExitCode> {
    let layout = match args.boards.layout() {
        Ok(layout) => layout,
        Err(message) => return usage(&message),
    };
    let wiring = args.boards.polarity();
    let sim =
        SimBank::start(SimConfig { layout, wiring }).context("cannot start the simulated bank")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", sim.path())?;
    out.flush()?;
    eprintln!(
        "simulating {} {} board(s) of {} locks, compartments 1 to {}, polarity {wiring}; \
         type help",
        layout.boards,
        layout.family,
        layout.locks_per_board,
        layout.compartments(),
    );

    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read standard input")?;
        match sim.command(&line) {
            Ok(text) if text.is_empty() => {}
            Ok(text) => writeln!(out, "{text}")?,
            Err(message) => writeln!(out, "error: {message}")?,
        }
        out.flush()?;
    }
    // Standard input is closed (a pipe, a service): serve until killed.
    loop {
        std::thread::park();
    }
}

fn sensor_name(c: &locker::Compartment) -> Option<&'static str> {
    c.occupancy.map(|o| o.as_str())
}

/// `swalayan locker status`.
fn status(bank: &mut dyn LockerBank, as_json: bool) -> Result<ExitCode, LockerError> {
    let layout = bank.layout();
    let all = bank.status()?;
    let slot = |n: u16| layout.locate(n).expect("a compartment of the bank");
    let mut out = std::io::stdout().lock();
    let text = if as_json {
        let rows: Vec<_> = all
            .iter()
            .map(|c| {
                let s = slot(c.number);
                json!({
                    "compartment": c.number,
                    "board": s.address,
                    "lock": s.lock,
                    "door": c.door.as_str(),
                    "sensor": sensor_name(c),
                })
            })
            .collect();
        let polarity = bank.polarity().to_string();
        format!("{}\n", json!({ "polarity": polarity, "compartments": rows }))
    } else {
        let mut text = String::from("compartment  board  lock  door    sensor\n");
        for c in &all {
            let s = slot(c.number);
            let sensor = sensor_name(c).unwrap_or("-");
            let door = c.door.as_str();
            text.push_str(&format!(
                "{:>11}  {:>5}  {:>4}  {door:<6}  {sensor}\n",
                c.number, s.address, s.lock
            ));
        }
        text
    };
    // A closed pipe (`| head`) is not the bank's failure.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(ExitCode::SUCCESS)
}

/// `swalayan locker open`.
fn open(bank: &mut dyn LockerBank, number: u16) -> Result<ExitCode, LockerError> {
    let door = bank.unlock(number)?;
    println!("{}", json!({ "compartment": number, "door": door.as_str() }));
    if door == DoorState::Open {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("swalayan: the board answered, but compartment {number} is still locked");
        Ok(ExitCode::FAILURE)
    }
}

/// `swalayan locker watch`: never returns but on a failure.
fn watch(bank: &mut dyn LockerBank, every: Duration) -> Result<ExitCode, LockerError> {
    let mut poller = Poller::new();
    poller.poll(bank)?;
    let count = bank.layout().compartments();
    eprintln!("watching compartments 1 to {count} every {} ms", every.as_millis());
    loop {
        std::thread::sleep(every);
        for change in poller.poll(bank)? {
            let (number, what) = match change {
                Change::DoorOpened(n) => (n, "door_opened"),
                Change::DoorClosed(n) => (n, "door_closed"),
                Change::Emptied(n) => (n, "emptied"),
                Change::Filled(n) => (n, "filled"),
            };
            let mut out = std::io::stdout().lock();
            let line = json!({ "compartment": number, "change": what });
            // Nobody reading any more (a closed pipe): stop.
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
}

/// `swalayan locker check`.
fn check(bank: &mut dyn LockerBank, number: u16) -> Result<ExitCode, LockerError> {
    let result = locker::commission(bank, number)?;
    let configured = bank.polarity();
    let verdict = |v: Verdict, right: &str, wrong: &str| match v {
        Verdict::Matches => format!("reads {right}: matches"),
        Verdict::Inverted => format!("reads {wrong}: inverted"),
    };
    println!("compartment {number}, polarity {configured}");
    println!("  door: {}", verdict(result.door, "closed", "open"));
    match result.sensor {
        Some(v) => println!("  sensor: {}", verdict(v, "empty", "occupied")),
        None => println!("  sensor: none on these boards"),
    }
    if result.matches() {
        println!("the polarity matches this bank");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("the polarity does not match: use --polarity {}", result.suggested);
        Ok(ExitCode::FAILURE)
    }
}
