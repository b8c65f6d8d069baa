//! The locker bank: a driver trait, the serial driver of real boards, a
//! simulated bank on a pseudo-terminal, and polling of doors and sensors.
//!
//! The trait is blocking, not async: one RS-485 bus carries one request at
//! a time and each waits for its own reply, so a bank is a `&mut` thing
//! used by one caller. The kiosk's Tokio worker owns it behind a std mutex
//! and calls it inside `spawn_blocking` (the mutex is never held across an
//! `.await`, only inside that blocking closure).
//!
//! The frames themselves are built and read in `crate::domain::locker`.

pub mod poll;
mod serial;
pub mod sim;

use std::time::Duration;

pub use crate::domain::locker::{
    Commissioning, Compartment, DoorState, Family, Layout, Occupancy, Polarity, RawCompartment,
    Size, Sizes,
};
use crate::domain::locker::{FrameError, LayoutError};
pub use serial::SerialBank;

/// How to reach and read one bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankConfig {
    /// The serial device, e.g. `/dev/ttyUSB0` or a simulator's `/dev/pts/5`.
    pub port: String,
    pub layout: Layout,
    pub polarity: Polarity,
    /// How long each request waits for its reply.
    pub timeout: Duration,
    /// How big each compartment is; a loading picks the smallest that
    /// fits the order.
    pub sizes: Sizes,
}

impl BankConfig {
    /// A bank of `boards` boards of the family's usual size, its default
    /// polarity, a 500 ms reply timeout and every compartment small.
    pub fn new(port: &str, family: Family, boards: u8) -> Result<BankConfig, LayoutError> {
        Ok(BankConfig {
            port: port.to_owned(),
            layout: Layout::new(family, boards, family.default_locks())?,
            polarity: family.default_polarity(),
            timeout: Duration::from_millis(500),
            sizes: Sizes::default(),
        })
    }
}

/// Why the bank could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum LockerError {
    #[error(
        "no compartment {number}: this bank has 1 to {count} (give --boards and \
         --locks-per-board as the bank is built)"
    )]
    NoSuchCompartment { number: u16, count: u16 },
    #[error("cannot open the locker port {port}")]
    Open {
        port: String,
        #[source]
        source: serialport::Error,
    },
    #[error("the locker port {port} failed during {request}")]
    Io {
        port: String,
        request: String,
        #[source]
        source: std::io::Error,
    },
    /// No sound reply in time. After an unlock the door may have opened all
    /// the same: the unlock is not sent again, the caller reads the status.
    #[error("no reply to {request} within {} ms{}", timeout.as_millis(), discarded_note(*discarded))]
    NoReply { request: String, timeout: Duration, discarded: usize },
    /// A reply came but was not sound (a bad checksum, a broken frame).
    #[error("a broken reply to {request} ({frame}): {source}")]
    BadReply {
        request: String,
        /// The frame in hex, as received.
        frame: String,
        #[source]
        source: FrameError,
    },
}

fn discarded_note(discarded: usize) -> String {
    match discarded {
        0 => String::new(),
        1 => " (1 reply to another request discarded)".to_owned(),
        n => format!(" ({n} replies to other requests discarded)"),
    }
}

impl LockerError {
    /// Returns true if and only if the board gave no usable answer (none in
    /// time, or a broken one): an unlock may or may not have happened.
    pub fn is_unanswered(&self) -> bool {
        matches!(self, LockerError::NoReply { .. } | LockerError::BadReply { .. })
    }
}

/// A bank of locker compartments.
pub trait LockerBank: Send {
    /// The numbering of the bank's boards and compartments.
    fn layout(&self) -> Layout;

    /// How the bank's status bits read as doors and sensors.
    fn polarity(&self) -> Polarity;

    /// Sends one unlock to compartment `number` (from 1) and returns its
    /// door as the board reports it in its reply. Never retried: when the
    /// reply is lost the door may already be open.
    fn unlock(&mut self, number: u16) -> Result<DoorState, LockerError>;

    /// The bits of every compartment, before polarity, in number order.
    fn raw_status(&mut self) -> Result<Vec<RawCompartment>, LockerError>;

    /// Every compartment's door and sensor, in number order.
    fn status(&mut self) -> Result<Vec<Compartment>, LockerError> {
        let polarity = self.polarity();
        Ok(self.raw_status()?.into_iter().map(|r| r.read(polarity)).collect())
    }

    /// One compartment's door and sensor.
    fn compartment(&mut self, number: u16) -> Result<Compartment, LockerError> {
        let count = self.layout().compartments();
        if number == 0 || number > count {
            return Err(LockerError::NoSuchCompartment { number, count });
        }
        Ok(self.status()?[usize::from(number) - 1])
    }
}

/// A boxed bank is a bank: the kiosk keeps whichever it opened behind one
/// box, and the shared locker steps take any bank.
impl<B: LockerBank + ?Sized> LockerBank for Box<B> {
    fn layout(&self) -> Layout {
        (**self).layout()
    }

    fn polarity(&self) -> Polarity {
        (**self).polarity()
    }

    fn unlock(&mut self, number: u16) -> Result<DoorState, LockerError> {
        (**self).unlock(number)
    }

    fn raw_status(&mut self) -> Result<Vec<RawCompartment>, LockerError> {
        (**self).raw_status()
    }
}

/// Reads compartment `number`, which the operator has made sure is closed
/// and empty, and tells whether the bank's polarity reads it so.
pub fn commission(bank: &mut dyn LockerBank, number: u16) -> Result<Commissioning, LockerError> {
    let count = bank.layout().compartments();
    if number == 0 || number > count {
        return Err(LockerError::NoSuchCompartment { number, count });
    }
    let raw = bank.raw_status()?[usize::from(number) - 1];
    Ok(crate::domain::locker::commission(raw, bank.polarity()))
}

/// Opens the serial bank that `config` describes.
pub fn open(config: &BankConfig) -> Result<SerialBank, LockerError> {
    SerialBank::open(config)
}
