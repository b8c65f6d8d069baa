//! The driver of a bank of real (or simulated) boards on one serial port.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, DataBits, FlowControl, Parity, SerialPort, StopBits, TTYPort};
use tracing::{debug, info, warn};

use super::{BankConfig, LockerBank, LockerError};
use crate::domain::locker::{
    Codec, Compartment, DoorState, Layout, Polarity, RawCompartment, Reply, ReplyState, Request,
};

/// A bank on one serial port, one request at a time.
///
/// Each request clears what the port had received, is sent once, and waits
/// for its own reply: a frame from another board, or for another command
/// or lock, is discarded and the wait goes on until the timeout. After a
/// request that went unanswered, the next one first waits one more timeout
/// and throws away whatever comes in meanwhile, so that a board's late
/// answer is not read as the answer to the next request.
///
/// A late reply that comes after that and has the very shape of the
/// expected one (the same board and command, as two KR-CU replies always
/// do) cannot be told apart by its bytes; it would be a board answering
/// more than twice the timeout late.
pub struct SerialBank {
    port: TTYPort,
    name: String,
    layout: Layout,
    codec: Codec,
    polarity: Polarity,
    timeout: Duration,
    /// When the last request went unanswered: its reply may still come.
    unanswered_at: Option<Instant>,
}

impl SerialBank {
    /// Opens the port at the family's speed, 8N1, for this process alone.
    pub fn open(config: &BankConfig) -> Result<SerialBank, LockerError> {
        let family = config.layout.family;
        let port = serialport::new(&config.port, family.baud_rate())
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .timeout(config.timeout)
            .open_native()
            .map_err(|source| LockerError::Open { port: config.port.clone(), source })?;
        info!(port = %config.port, family = %family, boards = config.layout.boards, "locker bank open");
        Ok(SerialBank {
            port,
            name: config.port.clone(),
            layout: config.layout,
            codec: config.layout.codec(),
            polarity: config.polarity,
            timeout: config.timeout,
            unanswered_at: None,
        })
    }

    fn io_error(&self, request: &str, source: std::io::Error) -> LockerError {
        LockerError::Io { port: self.name.clone(), request: request.to_owned(), source }
    }

    /// Reads and drops whatever arrives until one timeout has passed since
    /// the last unanswered request.
    fn wait_out_late_replies(&mut self, what: &str) -> Result<(), LockerError> {
        let Some(since) = self.unanswered_at.take() else { return Ok(()) };
        let until = since + self.timeout;
        let mut chunk = [0u8; 64];
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if left.is_zero() {
                break;
            }
            self.port.set_timeout(left).map_err(|e| self.io_error(what, e.into()))?;
            match self.port.read(&mut chunk) {
                Ok(n) => {
                    debug!(port = %self.name, bytes = %hex(&chunk[..n]), "late reply discarded")
                }
                Err(e) if e.kind() == ErrorKind::TimedOut => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(what, e)),
            }
        }
        Ok(())
    }

    /// Sends `request` once and returns its own reply.
    fn exchange(&mut self, request: Request, what: &str) -> Result<Reply, LockerError> {
        self.wait_out_late_replies(what)?;
        self.port.clear(ClearBuffer::Input).map_err(|e| self.io_error(what, e.into()))?;

        let frame = self.codec.request(&request);
        debug!(port = %self.name, frame = %hex(&frame), "locker request");
        self.port.write_all(&frame).map_err(|e| self.io_error(what, e))?;
        self.port.flush().map_err(|e| self.io_error(what, e))?;

        let result = self.read_reply(&request, what);
        if result.as_ref().is_err_and(LockerError::is_unanswered) {
            self.unanswered_at = Some(Instant::now());
        }
        result
    }

    fn read_reply(&mut self, request: &Request, what: &str) -> Result<Reply, LockerError> {
        let deadline = Instant::now() + self.timeout;
        let mut buf: Vec<u8> = Vec::new();
        let mut broken = None;
        let mut discarded = 0;
        let mut chunk = [0u8; 64];
        loop {
            // Take every whole frame out of what has come so far.
            while let Some(&first) = buf.first() {
                let Some(len) = self.codec.reply_len(first) else {
                    buf.remove(0);
                    continue;
                };
                if buf.len() < len {
                    break;
                }
                match self.codec.answer(request, &buf[..len]) {
                    Ok(reply) => return Ok(reply),
                    Err(e) if e.is_for_another_request() => {
                        debug!(port = %self.name, frame = %hex(&buf[..len]), reason = %e, "reply to another request discarded");
                        discarded += 1;
                        buf.drain(..len);
                    }
                    // Not a sound frame: look for one further on, and
                    // report this one if none comes.
                    Err(e) => {
                        warn!(port = %self.name, frame = %hex(&buf[..len]), reason = %e, "broken reply");
                        broken = Some((hex(&buf[..len]), e));
                        buf.remove(0);
                    }
                }
            }

            let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
            if left.is_zero() {
                break;
            }
            self.port.set_timeout(left).map_err(|e| self.io_error(what, e.into()))?;
            match self.port.read(&mut chunk) {
                Ok(0) => {
                    let e = std::io::Error::new(ErrorKind::UnexpectedEof, "the port was closed");
                    return Err(self.io_error(what, e));
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::TimedOut => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(what, e)),
            }
        }

        // A frame cut short is broken too, not missing.
        if broken.is_none()
            && !buf.is_empty()
            && let Err(e) = self.codec.parse_reply(&buf)
        {
            broken = Some((hex(&buf), e));
        }
        Err(match broken {
            Some((frame, source)) => {
                LockerError::BadReply { request: what.to_owned(), frame, source }
            }
            None => {
                LockerError::NoReply { request: what.to_owned(), timeout: self.timeout, discarded }
            }
        })
    }
}

impl LockerBank for SerialBank {
    fn layout(&self) -> Layout {
        self.layout
    }

    fn polarity(&self) -> Polarity {
        self.polarity
    }

    fn unlock(&mut self, number: u16) -> Result<DoorState, LockerError> {
        let count = self.layout.compartments();
        let slot =
            self.layout.locate(number).ok_or(LockerError::NoSuchCompartment { number, count })?;
        let what = format!(
            "the unlock of compartment {number} (board {}, lock {})",
            slot.address, slot.lock
        );
        let request = Request::Unlock { address: slot.address, lock: slot.lock };
        let reply = match self.exchange(request, &what) {
            Ok(reply) => reply,
            Err(e) => {
                warn!(compartment = number, error = %e, "unlock unanswered; not sent again");
                return Err(e);
            }
        };
        let bit = match reply.state {
            ReplyState::Board(bits) => bits.locks[usize::from(slot.lock) - 1],
            ReplyState::Lock { set, .. } => set,
        };
        let door = self.polarity.door(bit);
        info!(compartment = number, door = door.as_str(), "locker unlock answered");
        Ok(door)
    }

    fn raw_status(&mut self) -> Result<Vec<RawCompartment>, LockerError> {
        let mut all = Vec::with_capacity(usize::from(self.layout.compartments()));
        for address in self.layout.addresses().collect::<Vec<_>>() {
            all.extend(self.raw_board(address)?);
        }
        Ok(all)
    }

    /// Reads only the board of compartment `number`.
    fn compartment(&mut self, number: u16) -> Result<Compartment, LockerError> {
        let count = self.layout.compartments();
        let slot =
            self.layout.locate(number).ok_or(LockerError::NoSuchCompartment { number, count })?;
        let raw = self.raw_board(slot.address)?[usize::from(slot.lock) - 1];
        Ok(raw.read(self.polarity))
    }
}

impl SerialBank {
    /// The bits of every compartment of the board at `address`.
    fn raw_board(&mut self, address: u8) -> Result<Vec<RawCompartment>, LockerError> {
        let what = format!("the status of board {address}");
        let reply = self.exchange(Request::Status { address }, &what)?;
        let ReplyState::Board(bits) = reply.state else {
            unreachable!("Codec::answer takes only a board reply to a status request")
        };
        let layout = self.layout;
        let raw = bits.locks.iter().enumerate().map(|(i, lock_bit)| {
            let number = layout.number(address, i as u8 + 1).expect("a lock of this board");
            let sensor_bit = bits.sensors.as_ref().map(|s| s[i]);
            RawCompartment { number, lock_bit: *lock_bit, sensor_bit }
        });
        Ok(raw.collect())
    }
}

impl Drop for SerialBank {
    /// Gives the port back: the exclusive flag stays on a terminal while any
    /// other process (such as the simulator) holds it open.
    fn drop(&mut self) {
        let _ = self.port.set_exclusive(false);
    }
}

/// Bytes as spaced uppercase hex, as board manuals print frames.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}
