//! The locker bank's rules: board families and their frames, how status
//! bits read as doors and sensors, how compartments are numbered and how
//! big each is.
//!
//! Pure code: the serial port, the clock and the simulator live in
//! `crate::locker`.

mod dip8a;
mod frame;
mod kerong;
mod size;
pub mod watch;

use std::fmt;
use std::str::FromStr;

pub use frame::{BoardBits, Codec, FrameError, Reply, ReplyState, Request};
pub use size::{Free, Size, Sizes, SizesError};

/// A family of lock control boards: one frame layout and checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Kerong KR-CU (16 locks and 16 infrared sensors a board), 19200 8N1.
    Kerong,
    /// The DIP-addressed boards that take `8A board lock 11` and
    /// `80 board 00 33` (commonly 24 locks, no sensors), 9600 8N1.
    Dip8a,
}

impl Family {
    /// The line speed the family's boards leave the factory with (8N1).
    pub fn baud_rate(self) -> u32 {
        match self {
            Family::Kerong => 19_200,
            Family::Dip8a => 9_600,
        }
    }

    /// Locks on one board of the family as usually sold.
    pub fn default_locks(self) -> u8 {
        match self {
            Family::Kerong => 16,
            Family::Dip8a => 24,
        }
    }

    /// The most locks one board can address.
    pub fn max_locks(self) -> u8 {
        match self {
            // Four bits of the address byte and two bitmap bytes.
            Family::Kerong => 16,
            // One byte for the lock; the bitmap grows with the board.
            Family::Dip8a => 64,
        }
    }

    /// The address of the first board when the DIP switches count from
    /// the factory setting.
    pub fn first_address(self) -> u8 {
        match self {
            Family::Kerong => 0,
            Family::Dip8a => 1,
        }
    }

    /// The highest board address the frames can carry.
    pub fn max_address(self) -> u8 {
        match self {
            Family::Kerong => 0x0F,
            Family::Dip8a => 0xFF,
        }
    }

    /// Whether the boards report an item sensor per compartment.
    pub fn has_sensors(self) -> bool {
        matches!(self, Family::Kerong)
    }

    /// How the family's boards set their bits as the sources describe them
    /// (see `kerong.rs` and `dip8a.rs`): a set lock bit is a locked door, a
    /// set sensor bit an item. A bank wired otherwise sets its own.
    pub fn default_polarity(self) -> Polarity {
        Polarity::NORMAL
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Kerong => "kerong",
            Family::Dip8a => "8a",
        })
    }
}

impl FromStr for Family {
    type Err = String;

    fn from_str(s: &str) -> Result<Family, String> {
        match s.to_ascii_lowercase().as_str() {
            "kerong" | "kr-cu" => Ok(Family::Kerong),
            "8a" | "8a/80" | "dip8a" => Ok(Family::Dip8a),
            _ => Err(format!("unknown board family {s:?}; expected kerong or 8a")),
        }
    }
}

/// Whether a compartment's door is shut and latched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DoorState {
    Open,
    Closed,
}

impl DoorState {
    pub fn as_str(self) -> &'static str {
        match self {
            DoorState::Open => "open",
            DoorState::Closed => "closed",
        }
    }
}

/// Whether a compartment's sensor sees an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Occupancy {
    Empty,
    Occupied,
}

impl Occupancy {
    pub fn as_str(self) -> &'static str {
        match self {
            Occupancy::Empty => "empty",
            Occupancy::Occupied => "occupied",
        }
    }
}

/// What a set status bit means on one bank.
///
/// Boards and their feedback switches and sensors are wired both ways
/// (normally open or normally closed), so this is a setting of the bank,
/// checked at commissioning with [`commission`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Polarity {
    /// A set lock bit is a closed, latched door.
    pub locked_when_set: bool,
    /// A set sensor bit is an item in the compartment.
    pub occupied_when_set: bool,
}

impl Polarity {
    pub const NORMAL: Polarity = Polarity { locked_when_set: true, occupied_when_set: true };

    /// The door a lock bit stands for.
    pub fn door(self, bit: bool) -> DoorState {
        if bit == self.locked_when_set { DoorState::Closed } else { DoorState::Open }
    }

    /// The occupancy a sensor bit stands for.
    pub fn occupancy(self, bit: bool) -> Occupancy {
        if bit == self.occupied_when_set { Occupancy::Occupied } else { Occupancy::Empty }
    }

    /// The lock bit a board wired this way sends for `door`.
    pub fn lock_bit(self, door: DoorState) -> bool {
        (door == DoorState::Closed) == self.locked_when_set
    }

    /// The sensor bit a board wired this way sends for `occupancy`.
    pub fn sensor_bit(self, occupancy: Occupancy) -> bool {
        (occupancy == Occupancy::Occupied) == self.occupied_when_set
    }
}

impl fmt::Display for Polarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.locked_when_set, self.occupied_when_set) {
            (true, true) => "normal",
            (false, false) => "inverted",
            (false, true) => "door-inverted",
            (true, false) => "sensor-inverted",
        })
    }
}

impl FromStr for Polarity {
    type Err = String;

    /// `normal` (a set bit is a closed door and an item), `inverted` (both
    /// the other way), `door-inverted` or `sensor-inverted`.
    fn from_str(s: &str) -> Result<Polarity, String> {
        let (locked, occupied) = match s {
            "normal" => (true, true),
            "inverted" => (false, false),
            "door-inverted" => (false, true),
            "sensor-inverted" => (true, false),
            _ => {
                return Err(format!(
                    "unknown polarity {s:?}; expected normal, inverted, door-inverted or \
                     sensor-inverted"
                ));
            }
        };
        Ok(Polarity { locked_when_set: locked, occupied_when_set: occupied })
    }
}

/// One compartment as the bank reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compartment {
    /// The bank-wide number, 1 to the bank's size.
    pub number: u16,
    pub door: DoorState,
    /// None on boards without item sensors.
    pub occupancy: Option<Occupancy>,
}

/// One compartment's bits as the board sent them, before polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawCompartment {
    pub number: u16,
    pub lock_bit: bool,
    pub sensor_bit: Option<bool>,
}

impl RawCompartment {
    /// The compartment these bits stand for on a bank wired as `polarity`.
    pub fn read(self, polarity: Polarity) -> Compartment {
        Compartment {
            number: self.number,
            door: polarity.door(self.lock_bit),
            occupancy: self.sensor_bit.map(|b| polarity.occupancy(b)),
        }
    }
}

/// How the bank's boards and locks are numbered.
///
/// Compartments are numbered across the boards in address order: board 1
/// (the first address) holds 1 to N, board 2 N+1 to 2N, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub family: Family,
    pub boards: u8,
    pub locks_per_board: u8,
    /// The address of the first board; the others follow one by one.
    pub first_address: u8,
}

/// Where one compartment is wired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// 0 for the first board.
    pub board: u8,
    /// The board's address on the bus.
    pub address: u8,
    /// The lock on that board, from 1.
    pub lock: u8,
}

/// A layout that the family's frames cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("a bank has at least one board")]
    NoBoards,
    #[error("{locks} locks per board; a {family} board has 1 to {max}")]
    Locks { family: Family, locks: u8, max: u8 },
    #[error(
        "{boards} boards from address {first} go past address {max}, the last a {family} \
         board can have"
    )]
    Addresses { family: Family, boards: u8, first: u8, max: u8 },
}

impl Layout {
    /// A bank of `boards` boards of `locks_per_board` locks from the
    /// family's first address.
    pub fn new(family: Family, boards: u8, locks_per_board: u8) -> Result<Layout, LayoutError> {
        Layout::with_first_address(family, boards, locks_per_board, family.first_address())
    }

    pub fn with_first_address(
        family: Family,
        boards: u8,
        locks_per_board: u8,
        first_address: u8,
    ) -> Result<Layout, LayoutError> {
        if boards == 0 {
            return Err(LayoutError::NoBoards);
        }
        let max = family.max_locks();
        if locks_per_board == 0 || locks_per_board > max {
            return Err(LayoutError::Locks { family, locks: locks_per_board, max });
        }
        let last = u16::from(first_address) + u16::from(boards) - 1;
        if last > u16::from(family.max_address()) {
            let max = family.max_address();
            return Err(LayoutError::Addresses { family, boards, first: first_address, max });
        }
        Ok(Layout { family, boards, locks_per_board, first_address })
    }

    /// How many compartments the bank has.
    pub fn compartments(&self) -> u16 {
        u16::from(self.boards) * u16::from(self.locks_per_board)
    }

    /// The board and lock of compartment `number`, if the bank has it.
    pub fn locate(&self, number: u16) -> Option<Slot> {
        if number == 0 || number > self.compartments() {
            return None;
        }
        let per = u16::from(self.locks_per_board);
        let board = ((number - 1) / per) as u8;
        let lock = ((number - 1) % per) as u8 + 1;
        Some(Slot { board, address: self.first_address + board, lock })
    }

    /// The bank-wide number of `lock` (from 1) on the board at `address`.
    pub fn number(&self, address: u8, lock: u8) -> Option<u16> {
        let board = address.checked_sub(self.first_address)?;
        if board >= self.boards || lock == 0 || lock > self.locks_per_board {
            return None;
        }
        Some(u16::from(board) * u16::from(self.locks_per_board) + u16::from(lock))
    }

    /// The addresses of the boards, in order.
    pub fn addresses(&self) -> impl Iterator<Item = u8> + '_ {
        (0..self.boards).map(|b| self.first_address + b)
    }

    /// The codec of the bank's boards.
    pub fn codec(&self) -> Codec {
        Codec::new(self.family, self.locks_per_board)
    }
}

/// Whether one reading agrees with the configured polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Matches,
    Inverted,
}

/// The result of reading a compartment known to be closed and empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commissioning {
    pub compartment: u16,
    /// Whether the lock bit read as a closed door.
    pub door: Verdict,
    /// Whether the sensor bit read as empty; None without sensors.
    pub sensor: Option<Verdict>,
    /// The polarity under which this reading is closed and empty.
    pub suggested: Polarity,
}

impl Commissioning {
    /// Returns true if and only if the configured polarity reads the
    /// compartment as it is.
    pub fn matches(&self) -> bool {
        self.door == Verdict::Matches && self.sensor != Some(Verdict::Inverted)
    }
}

/// Checks `configured` against the bits of a compartment that the operator
/// knows to be closed (door shut and latched) and empty.
pub fn commission(raw: RawCompartment, configured: Polarity) -> Commissioning {
    let read = raw.read(configured);
    let door = if read.door == DoorState::Closed { Verdict::Matches } else { Verdict::Inverted };
    let sensor = read
        .occupancy
        .map(|o| if o == Occupancy::Empty { Verdict::Matches } else { Verdict::Inverted });
    let suggested = Polarity {
        locked_when_set: raw.lock_bit,
        occupied_when_set: raw.sensor_bit.map_or(configured.occupied_when_set, |b| !b),
    };
    Commissioning { compartment: raw.number, door, sensor, suggested }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compartments_number_across_boards() {
        let layout = Layout::new(Family::Kerong, 2, 16).unwrap();
        assert_eq!(layout.compartments(), 32);
        assert_eq!(layout.locate(1), Some(Slot { board: 0, address: 0, lock: 1 }));
        assert_eq!(layout.locate(16), Some(Slot { board: 0, address: 0, lock: 16 }));
        assert_eq!(layout.locate(17), Some(Slot { board: 1, address: 1, lock: 1 }));
        assert_eq!(layout.locate(32), Some(Slot { board: 1, address: 1, lock: 16 }));
        assert_eq!(layout.locate(0), None);
        assert_eq!(layout.locate(33), None);
        assert_eq!(layout.number(1, 3), Some(19));
        assert_eq!(layout.number(2, 1), None);
    }

    #[test]
    fn eight_a_boards_count_from_address_1() {
        let layout = Layout::new(Family::Dip8a, 2, 24).unwrap();
        assert_eq!(layout.locate(25), Some(Slot { board: 1, address: 2, lock: 1 }));
        assert_eq!(layout.number(1, 24), Some(24));
        assert_eq!(layout.number(0, 1), None);
    }

    #[test]
    fn layouts_the_frames_cannot_carry_are_refused() {
        assert_eq!(Layout::new(Family::Kerong, 0, 16), Err(LayoutError::NoBoards));
        assert!(matches!(Layout::new(Family::Kerong, 1, 17), Err(LayoutError::Locks { .. })));
        // Kerong boards are addressed by four bits: 0 to 15, so 17 boards
        // cannot be.
        assert!(matches!(Layout::new(Family::Kerong, 17, 16), Err(LayoutError::Addresses { .. })));
        assert!(Layout::new(Family::Kerong, 16, 16).is_ok());
    }

    #[test]
    fn polarity_maps_bits_both_ways() {
        let normal = Polarity::NORMAL;
        assert_eq!(normal.door(true), DoorState::Closed);
        assert_eq!(normal.door(false), DoorState::Open);
        assert_eq!(normal.occupancy(true), Occupancy::Occupied);
        let inverted: Polarity = "inverted".parse().unwrap();
        assert_eq!(inverted.door(true), DoorState::Open);
        assert_eq!(inverted.occupancy(true), Occupancy::Empty);
        assert!(!inverted.lock_bit(DoorState::Closed));
        assert!(inverted.sensor_bit(Occupancy::Empty));
        for name in ["normal", "inverted", "door-inverted", "sensor-inverted"] {
            assert_eq!(name.parse::<Polarity>().unwrap().to_string(), name);
        }
        assert!("upside-down".parse::<Polarity>().is_err());
    }

    #[test]
    fn commissioning_flags_an_inverted_board_and_names_the_fix() {
        // A closed, empty compartment on a board that clears the lock bit
        // for a latched door and sets the sensor bit when nothing is there.
        let raw = RawCompartment { number: 5, lock_bit: false, sensor_bit: Some(true) };
        let check = commission(raw, Polarity::NORMAL);
        assert_eq!(check.door, Verdict::Inverted);
        assert_eq!(check.sensor, Some(Verdict::Inverted));
        assert!(!check.matches());
        assert_eq!(check.suggested.to_string(), "inverted");
        let again = commission(raw, check.suggested);
        assert!(again.matches());
    }

    #[test]
    fn commissioning_without_sensors_checks_the_door_only() {
        let raw = RawCompartment { number: 1, lock_bit: true, sensor_bit: None };
        let check = commission(raw, Polarity::NORMAL);
        assert_eq!(check.sensor, None);
        assert!(check.matches());
    }
}
