//! Requests, replies and frame errors common to the board families.

use super::{Family, dip8a, kerong};

/// What the host asks one board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Release one lock (`lock` from 1).
    Unlock { address: u8, lock: u8 },
    /// Report every lock (and sensor) of the board.
    Status { address: u8 },
}

impl Request {
    pub fn address(&self) -> u8 {
        match *self {
            Request::Unlock { address, .. } | Request::Status { address } => address,
        }
    }
}

/// The lock and sensor bits of one board, index 0 for lock 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardBits {
    pub locks: Vec<bool>,
    /// None on boards without sensors.
    pub sensors: Option<Vec<bool>>,
}

/// A board's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The board it came from.
    pub address: u8,
    pub state: ReplyState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyState {
    /// Every lock of the board (a KR-CU reply to either request, an 8A/80
    /// reply to query-all).
    Board(BoardBits),
    /// One lock (an 8A/80 reply to an unlock).
    Lock { lock: u8, set: bool },
}

/// What is wrong with a frame, and at which byte (from 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is {got} bytes; {what} is {expected}")]
    Length { got: usize, expected: usize, what: &'static str },
    #[error("byte 0: expected {expected}, got 0x{got:02X}")]
    Start { expected: &'static str, got: u8 },
    #[error("byte {offset}: expected {expected} 0x{want:02X}, got 0x{got:02X}")]
    Marker { offset: usize, expected: &'static str, want: u8, got: u8 },
    #[error("byte {offset}: checksum expected 0x{expected:02X}, got 0x{got:02X}")]
    Checksum { offset: usize, expected: u8, got: u8 },
    #[error("byte {offset}: 0x{got:02X} is not {what}")]
    Value { offset: usize, got: u8, what: &'static str },
    #[error("byte {offset}: a reply from board {got}, expected board {expected}")]
    OtherBoard { offset: usize, expected: u8, got: u8 },
    #[error("byte {offset}: a reply to command 0x{got:02X}, expected one to 0x{expected:02X}")]
    OtherCommand { offset: usize, expected: u8, got: u8 },
    #[error("byte {offset}: a reply about lock {got}, expected lock {expected}")]
    OtherLock { offset: usize, expected: u8, got: u8 },
}

impl FrameError {
    /// Returns true if and only if the frame is whole and sound but answers
    /// another request (another board, command or lock): a reply that came
    /// late, to be discarded rather than reported.
    pub fn is_for_another_request(&self) -> bool {
        matches!(
            self,
            FrameError::OtherBoard { .. }
                | FrameError::OtherCommand { .. }
                | FrameError::OtherLock { .. }
        )
    }
}

/// Builds and parses the frames of one family for boards of a given size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Codec {
    pub family: Family,
    pub locks_per_board: u8,
}

impl Codec {
    pub fn new(family: Family, locks_per_board: u8) -> Codec {
        Codec { family, locks_per_board }
    }

    /// The frame that asks `request`.
    pub fn request(&self, request: &Request) -> Vec<u8> {
        match self.family {
            Family::Kerong => kerong::request(request),
            Family::Dip8a => dip8a::request(request),
        }
    }

    /// The length of a reply frame that starts with `first`, or None if no
    /// reply of the family starts with that byte.
    pub fn reply_len(&self, first: u8) -> Option<usize> {
        match self.family {
            Family::Kerong => kerong::reply_len(first),
            Family::Dip8a => dip8a::reply_len(first, self.locks_per_board),
        }
    }

    /// Reads one reply frame (whole: as long as [`Codec::reply_len`] says),
    /// checking its start, length, markers and checksum.
    pub fn parse_reply(&self, frame: &[u8]) -> Result<Reply, FrameError> {
        match self.family {
            Family::Kerong => kerong::parse_reply(frame, self.locks_per_board),
            Family::Dip8a => dip8a::parse_reply(frame, self.locks_per_board),
        }
    }

    /// Reads a reply frame and checks that it answers `request`: from the
    /// same board, to the same command (and lock, where it names one).
    pub fn answer(&self, request: &Request, frame: &[u8]) -> Result<Reply, FrameError> {
        let reply = self.parse_reply(frame)?;
        if reply.address != request.address() {
            let (expected, got) = (request.address(), reply.address);
            return Err(FrameError::OtherBoard { offset: 1, expected, got });
        }
        if self.family == Family::Dip8a {
            dip8a::check_answers(request, &reply, frame)?;
        }
        Ok(reply)
    }

    /// Reads a request frame, as a board (or the simulator) does.
    pub fn parse_request(&self, frame: &[u8]) -> Result<Request, FrameError> {
        match self.family {
            Family::Kerong => kerong::parse_request(frame),
            Family::Dip8a => dip8a::parse_request(frame),
        }
    }

    /// The first byte of every request frame of the family.
    pub fn is_request_start(&self, byte: u8) -> bool {
        match self.family {
            Family::Kerong => byte == kerong::STX,
            Family::Dip8a => byte == dip8a::UNLOCK || byte == dip8a::QUERY,
        }
    }

    /// The length of every request frame of both families.
    pub const REQUEST_LEN: usize = 5;

    /// The frame a board whose bits are `bits` answers `request` with.
    pub fn reply(&self, request: &Request, bits: &BoardBits) -> Vec<u8> {
        match self.family {
            Family::Kerong => kerong::reply(request, bits),
            Family::Dip8a => dip8a::reply(request, bits, self.locks_per_board),
        }
    }
}

/// Bits `0..count` of `bytes`, least significant bit of the first byte
/// first.
pub(super) fn bits_lsb_first(bytes: &[u8], count: u8) -> Vec<bool> {
    (0..usize::from(count)).map(|i| bytes[i / 8] & (1 << (i % 8)) != 0).collect()
}

/// `bits` packed into `len` bytes, lock 1 in bit 0 of the first.
pub(super) fn pack_lsb_first(bits: &[bool], len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b).take(len * 8) {
        bytes[i / 8] |= 1 << (i % 8);
    }
    bytes
}
