//! A simulated bank that answers the boards' frames on a pseudo-terminal,
//! so that the serial driver is tested and demonstrated as it runs against
//! real boards.
//!
//! Each compartment has a door (open or shut and latched), an item or not,
//! and may be stuck (an unlock does not open it, as when a customer never
//! pulls the door). An unlock opens an unstuck door at once, as the spring
//! of a released lock does. The bank answers only for its own boards, like
//! boards on a bus; bad frames get no answer. Faults can be set for the
//! next replies: dropped, held back (and sent later), or with a broken
//! checksum.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};
use tracing::{debug, warn};

use super::serial::hex;
use crate::domain::locker::{
    BoardBits, Codec, Compartment, DoorState, Family, Layout, LayoutError, Occupancy, Polarity,
    Request,
};

/// What to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    pub layout: Layout,
    /// How the simulated boards set their bits; another polarity than the
    /// driver's simulates a bank wired the other way.
    pub wiring: Polarity,
}

impl SimConfig {
    pub fn new(family: Family, boards: u8, locks_per_board: u8) -> Result<SimConfig, LayoutError> {
        let layout = Layout::new(family, boards, locks_per_board)?;
        Ok(SimConfig { layout, wiring: family.default_polarity() })
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Door {
    open: bool,
    item: bool,
    stuck: bool,
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Drop,
    Hold,
    CorruptChecksum,
}

#[derive(Debug, Default)]
struct State {
    doors: Vec<Door>,
    frames: usize,
    unlocks: Vec<usize>,
    faults: VecDeque<Fault>,
    held: Vec<Vec<u8>>,
    release_before_next: bool,
}

struct Shared {
    config: SimConfig,
    codec: Codec,
    // std mutexes: taken by the simulator's thread and the caller's, never
    // across an await. Always the state first, then the writer.
    state: Mutex<State>,
    writer: Mutex<TTYPort>,
    stop: AtomicBool,
}

/// A running simulated bank; it stops when dropped.
pub struct SimBank {
    path: String,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    // Held open so that the terminal stays up between the driver's opens.
    _device: TTYPort,
}

impl SimBank {
    /// Starts the bank on a new pseudo-terminal, every door shut and every
    /// compartment empty.
    pub fn start(config: SimConfig) -> std::io::Result<SimBank> {
        let (mut board_side, device) = TTYPort::pair().map_err(std::io::Error::from)?;
        let path = device.name().ok_or_else(|| std::io::Error::other("the pty has no name"))?;
        board_side.set_timeout(Duration::from_millis(50)).map_err(std::io::Error::from)?;
        let writer = board_side.try_clone_native().map_err(std::io::Error::from)?;
        let count = usize::from(config.layout.compartments());
        let state = State {
            doors: vec![Door::default(); count],
            unlocks: vec![0; count],
            ..State::default()
        };
        let shared = Arc::new(Shared {
            config,
            codec: config.layout.codec(),
            state: Mutex::new(state),
            writer: Mutex::new(writer),
            stop: AtomicBool::new(false),
        });
        let thread = std::thread::Builder::new().name("locker-sim".into()).spawn({
            let shared = Arc::clone(&shared);
            move || serve(&shared, board_side)
        })?;
        Ok(SimBank { path, shared, thread: Some(thread), _device: device })
    }

    /// The device the driver opens, e.g. `/dev/pts/5`.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn layout(&self) -> Layout {
        self.shared.config.layout
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The index of compartment `number` in the state.
    ///
    /// # Panics
    ///
    /// If the bank has no such compartment, as every method taking one.
    fn index(&self, number: u16) -> usize {
        let count = self.layout().compartments();
        assert!((1..=count).contains(&number), "no compartment {number} in 1 to {count}");
        usize::from(number) - 1
    }

    fn with_door(&self, number: u16, f: impl FnOnce(&mut Door)) {
        let i = self.index(number);
        f(&mut self.state().doors[i]);
    }

    /// A person opens the door (a stuck one too).
    pub fn open_door(&self, number: u16) {
        self.with_door(number, |d| d.open = true);
    }

    /// A person shuts the door; the lock latches.
    pub fn close_door(&self, number: u16) {
        self.with_door(number, |d| d.open = false);
    }

    /// An item goes into the compartment.
    pub fn put(&self, number: u16) {
        self.with_door(number, |d| d.item = true);
    }

    /// The item is taken out.
    pub fn take(&self, number: u16) {
        self.with_door(number, |d| d.item = false);
    }

    /// Whether an unlock leaves the door shut.
    pub fn stick(&self, number: u16, stuck: bool) {
        self.with_door(number, |d| d.stuck = stuck);
    }

    /// The compartment as it really is (not as any board reports it).
    pub fn compartment(&self, number: u16) -> Compartment {
        let door = self.state().doors[self.index(number)];
        Compartment {
            number,
            door: if door.open { DoorState::Open } else { DoorState::Closed },
            occupancy: Some(if door.item { Occupancy::Occupied } else { Occupancy::Empty }),
        }
    }

    /// Request frames received so far (sound ones, to any board).
    pub fn frames_received(&self) -> usize {
        self.state().frames
    }

    /// Unlock frames received for compartment `number`.
    pub fn unlocks_received(&self, number: u16) -> usize {
        let i = self.index(number);
        self.state().unlocks[i]
    }

    /// The next reply is not sent.
    pub fn drop_next_reply(&self) {
        self.state().faults.push_back(Fault::Drop);
    }

    /// The next reply is kept back until [`SimBank::release_held`] or the
    /// reply after it, see [`SimBank::release_held_before_next_reply`].
    pub fn hold_next_reply(&self) {
        self.state().faults.push_back(Fault::Hold);
    }

    /// The next reply goes out with its checksum byte changed.
    pub fn corrupt_next_checksum(&self) {
        self.state().faults.push_back(Fault::CorruptChecksum);
    }

    /// Sends the held replies now: late.
    pub fn release_held(&self) -> std::io::Result<()> {
        let mut state = self.state();
        let late: Vec<u8> = state.held.drain(..).flatten().collect();
        let mut writer = self.shared.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.write_all(&late)?;
        writer.flush()
    }

    /// Sends the held replies just before the next reply, as a board that
    /// answers late and then at once answers the next request.
    pub fn release_held_before_next_reply(&self) {
        self.state().release_before_next = true;
    }

    /// Runs one command typed at `swalayan locker sim`, returning the line
    /// to print: `open N`, `close N`, `put N`, `take N`, `stick N`,
    /// `unstick N`, `show [N]`, `drop`, `hold`, `release`, `corrupt`,
    /// `help`.
    pub fn command(&self, line: &str) -> Result<String, String> {
        let mut words = line.split_whitespace();
        let Some(verb) = words.next() else { return Ok(String::new()) };
        let count = self.layout().compartments();
        let number = match words.next() {
            None => None,
            Some(w) => match w.parse::<u16>() {
                Ok(n) if (1..=count).contains(&n) => Some(n),
                _ => return Err(format!("{w:?}: expected a compartment from 1 to {count}")),
            },
        };
        let need = |n: Option<u16>| n.ok_or_else(|| format!("{verb}: which compartment?"));
        match verb {
            "open" => self.open_door(need(number)?),
            "close" => self.close_door(need(number)?),
            "put" => self.put(need(number)?),
            "take" => self.take(need(number)?),
            "stick" => self.stick(need(number)?, true),
            "unstick" => self.stick(need(number)?, false),
            "show" => {}
            "drop" => {
                self.drop_next_reply();
                return Ok("the next reply will be dropped".into());
            }
            "hold" => {
                self.hold_next_reply();
                return Ok("the next reply will be held until `release`".into());
            }
            "release" => {
                self.release_held().map_err(|e| format!("release: {e}"))?;
                return Ok("held replies sent".into());
            }
            "corrupt" => {
                self.corrupt_next_checksum();
                return Ok("the next reply will have a bad checksum".into());
            }
            "help" => return Ok(HELP.into()),
            _ => return Err(format!("unknown command {verb:?}; type help")),
        }
        let shown: Vec<u16> = match number {
            Some(n) => vec![n],
            None => (1..=count).collect(),
        };
        Ok(shown.iter().map(|n| self.describe(*n)).collect::<Vec<_>>().join("\n"))
    }

    fn describe(&self, number: u16) -> String {
        let c = self.compartment(number);
        let stuck = self.state().doors[self.index(number)].stuck;
        format!(
            "{number}: door {}, {}{}",
            c.door.as_str(),
            c.occupancy.map_or("no sensor", Occupancy::as_str),
            if stuck { ", stuck" } else { "" }
        )
    }
}

const HELP: &str = "open N | close N | put N | take N | stick N | unstick N | show [N] \
                    | drop | hold | release | corrupt | help";

impl Drop for SimBank {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The boards' side: reads request frames and answers them.
fn serve(shared: &Shared, mut port: TTYPort) {
    let codec = shared.codec;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 64];
    while !shared.stop.load(Ordering::Relaxed) {
        match port.read(&mut chunk) {
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::TimedOut => continue,
            // No one has the device open (EIO): wait for the next opener.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        }
        loop {
            let junk = buf.iter().take_while(|b| !codec.is_request_start(**b)).count();
            if junk > 0 {
                debug!(bytes = %hex(&buf[..junk]), "sim: bytes outside a frame ignored");
                buf.drain(..junk);
            }
            if buf.len() < Codec::REQUEST_LEN {
                break;
            }
            match codec.parse_request(&buf[..Codec::REQUEST_LEN]) {
                Ok(request) => {
                    buf.drain(..Codec::REQUEST_LEN);
                    if let Err(e) = answer(shared, request) {
                        warn!(error = %e, "sim: cannot write a reply");
                    }
                }
                Err(e) => {
                    warn!(frame = %hex(&buf[..Codec::REQUEST_LEN]), reason = %e, "sim: bad request ignored");
                    buf.remove(0);
                }
            }
        }
    }
}

fn answer(shared: &Shared, request: Request) -> std::io::Result<()> {
    let layout = shared.config.layout;
    let wiring = shared.config.wiring;
    let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    state.frames += 1;
    let address = request.address();
    if !layout.addresses().any(|a| a == address) {
        debug!(address, "sim: a request for another board");
        return Ok(());
    }
    if let Request::Unlock { lock, .. } = request {
        let Some(number) = layout.number(address, lock) else {
            debug!(address, lock, "sim: no such lock; no reply");
            return Ok(());
        };
        let i = usize::from(number) - 1;
        state.unlocks[i] += 1;
        if !state.doors[i].stuck {
            state.doors[i].open = true;
        }
    }

    let first = usize::from(layout.number(address, 1).expect("lock 1 of a board")) - 1;
    let doors = &state.doors[first..first + usize::from(layout.locks_per_board)];
    let door = |d: &Door| if d.open { DoorState::Open } else { DoorState::Closed };
    let item = |d: &Door| if d.item { Occupancy::Occupied } else { Occupancy::Empty };
    let bits = BoardBits {
        locks: doors.iter().map(|d| wiring.lock_bit(door(d))).collect(),
        sensors: layout
            .family
            .has_sensors()
            .then(|| doors.iter().map(|d| wiring.sensor_bit(item(d))).collect()),
    };
    let mut frame = shared.codec.reply(&request, &bits);

    let mut out = Vec::new();
    if std::mem::take(&mut state.release_before_next) {
        out.extend(state.held.drain(..).flatten());
    }
    match state.faults.pop_front() {
        None => out.extend(frame),
        Some(Fault::Drop) => debug!("sim: reply dropped"),
        Some(Fault::Hold) => state.held.push(frame),
        Some(Fault::CorruptChecksum) => {
            *frame.last_mut().expect("a frame") ^= 0x01;
            out.extend(frame);
        }
    }
    if out.is_empty() {
        return Ok(());
    }
    debug!(frame = %hex(&out), "sim: reply");
    let mut writer = shared.writer.lock().unwrap_or_else(|p| p.into_inner());
    writer.write_all(&out)?;
    writer.flush()
}
