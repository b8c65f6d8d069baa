//! Frames of the common DIP-addressed "8A/80" lock boards (9600 8N1).
//!
//! Layout, as open-source locker drivers use these boards (no maker's
//! document was at hand; one Python RS-485 driver of a 24-lock board with
//! its hard-coded frames is the source of the vectors in the tests):
//!
//! - unlock `8A BOARD LOCK 11 XOR`, the board answering
//!   `8A BOARD LOCK STATE XOR` with STATE 0x00 for an open lock and 0x11
//!   for one still locked;
//! - query-all `80 BOARD 00 33 XOR` (`80 01 00 33 B2` for board 1),
//!   answered by `80 BOARD Dn .. D1 33 XOR`: one byte per eight locks, the
//!   highest locks first, so a 24-lock board sends locks 17 to 24, then 9
//!   to 16, then 1 to 8 (bit 0 the lowest lock of each); a set bit is a
//!   locked door (`80 01 01 01 01 33 B3`: locks 1, 9 and 17 locked);
//! - XOR is the exclusive or of every byte before it.
//!
//! These boards have no item sensors. Boards are numbered by their DIP
//! switches from 1; lock 0 in an unlock opens every lock and is never
//! sent.

use super::frame::{BoardBits, FrameError, Reply, ReplyState, Request, bits_lsb_first};

pub(super) const UNLOCK: u8 = 0x8A;
pub(super) const QUERY: u8 = 0x80;
const UNLOCK_FN: u8 = 0x11;
const QUERY_FN: u8 = 0x33;
const OPEN: u8 = 0x00;
const LOCKED: u8 = 0x11;

fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |x, b| x ^ b)
}

/// Bitmap bytes in a query-all reply of a board of `locks`.
fn bitmap_len(locks: u8) -> usize {
    usize::from(locks).div_ceil(8)
}

pub(super) fn request(request: &Request) -> Vec<u8> {
    let mut frame = match *request {
        Request::Unlock { address, lock } => vec![UNLOCK, address, lock, UNLOCK_FN],
        Request::Status { address } => vec![QUERY, address, 0x00, QUERY_FN],
    };
    frame.push(xor(&frame));
    frame
}

pub(super) fn reply_len(first: u8, locks: u8) -> Option<usize> {
    match first {
        UNLOCK => Some(5),
        QUERY => Some(4 + bitmap_len(locks)),
        _ => None,
    }
}

fn check_xor(frame: &[u8]) -> Result<(), FrameError> {
    let last = frame.len() - 1;
    let expected = xor(&frame[..last]);
    if frame[last] != expected {
        return Err(FrameError::Checksum { offset: last, expected, got: frame[last] });
    }
    Ok(())
}

fn check_len(frame: &[u8], expected: usize, what: &'static str) -> Result<(), FrameError> {
    if frame.len() != expected {
        return Err(FrameError::Length { got: frame.len(), expected, what });
    }
    Ok(())
}

pub(super) fn parse_reply(frame: &[u8], locks: u8) -> Result<Reply, FrameError> {
    let expected_start = "0x8A or 0x80";
    let Some(&first) = frame.first() else {
        return Err(FrameError::Length { got: 0, expected: 5, what: "an 8A/80 reply" });
    };
    match first {
        UNLOCK => {
            check_len(frame, 5, "an 8A unlock reply")?;
            check_xor(frame)?;
            let set = match frame[3] {
                OPEN => false,
                LOCKED => true,
                got => {
                    return Err(FrameError::Value {
                        offset: 3,
                        got,
                        what: "a lock state (00, 11)",
                    });
                }
            };
            Ok(Reply { address: frame[1], state: ReplyState::Lock { lock: frame[2], set } })
        }
        QUERY => {
            let n = bitmap_len(locks);
            check_len(frame, 4 + n, "an 80 query-all reply")?;
            check_xor(frame)?;
            let marker = frame[2 + n];
            if marker != QUERY_FN {
                let (offset, want) = (2 + n, QUERY_FN);
                let expected = "the query-all code";
                return Err(FrameError::Marker { offset, expected, want, got: marker });
            }
            // Highest locks first on the wire; lowest first for reading.
            let bytes: Vec<u8> = frame[2..2 + n].iter().rev().copied().collect();
            let bits = BoardBits { locks: bits_lsb_first(&bytes, locks), sensors: None };
            Ok(Reply { address: frame[1], state: ReplyState::Board(bits) })
        }
        got => Err(FrameError::Start { expected: expected_start, got }),
    }
}

/// Checks that `reply` (from the right board) is of the kind and lock that
/// `request` asked for.
pub(super) fn check_answers(
    request: &Request,
    reply: &Reply,
    frame: &[u8],
) -> Result<(), FrameError> {
    match (request, &reply.state) {
        (Request::Unlock { lock, .. }, ReplyState::Lock { lock: got, .. }) if got != lock => {
            Err(FrameError::OtherLock { offset: 2, expected: *lock, got: *got })
        }
        (Request::Unlock { .. }, ReplyState::Board(_)) => {
            Err(FrameError::OtherCommand { offset: 0, expected: UNLOCK, got: frame[0] })
        }
        (Request::Status { .. }, ReplyState::Lock { .. }) => {
            Err(FrameError::OtherCommand { offset: 0, expected: QUERY, got: frame[0] })
        }
        _ => Ok(()),
    }
}

pub(super) fn parse_request(frame: &[u8]) -> Result<Request, FrameError> {
    check_len(frame, 5, "an 8A/80 request")?;
    match frame[0] {
        UNLOCK | QUERY => {}
        got => return Err(FrameError::Start { expected: "0x8A or 0x80", got }),
    }
    check_xor(frame)?;
    let (address, lock, code) = (frame[1], frame[2], frame[3]);
    match (frame[0], code) {
        (UNLOCK, UNLOCK_FN) if lock > 0 => Ok(Request::Unlock { address, lock }),
        (UNLOCK, UNLOCK_FN) => {
            Err(FrameError::Value { offset: 2, got: lock, what: "a single lock (unlock-all)" })
        }
        (QUERY, QUERY_FN) if lock == 0 => Ok(Request::Status { address }),
        (QUERY, QUERY_FN) => {
            Err(FrameError::Value { offset: 2, got: lock, what: "00 (a single-lock query)" })
        }
        (UNLOCK, got) => {
            Err(FrameError::Marker { offset: 3, expected: "the unlock code", want: UNLOCK_FN, got })
        }
        (_, got) => {
            Err(FrameError::Marker { offset: 3, expected: "the query code", want: QUERY_FN, got })
        }
    }
}

pub(super) fn reply(request: &Request, bits: &BoardBits, locks: u8) -> Vec<u8> {
    let mut frame = match *request {
        Request::Unlock { address, lock } => {
            let set = bits.locks.get(usize::from(lock) - 1).copied().unwrap_or(false);
            vec![UNLOCK, address, lock, if set { LOCKED } else { OPEN }]
        }
        Request::Status { address } => {
            let mut bytes = super::frame::pack_lsb_first(&bits.locks, bitmap_len(locks));
            bytes.reverse();
            let mut frame = vec![QUERY, address];
            frame.extend(bytes);
            frame.push(QUERY_FN);
            frame
        }
    };
    frame.push(xor(&frame));
    frame
}

#[cfg(test)]
mod tests {
    use super::super::{Codec, Family};
    use super::*;

    fn codec() -> Codec {
        Codec::new(Family::Dip8a, 24)
    }

    #[test]
    fn unlock_frames_end_in_the_xor_of_the_others() {
        // 8A ^ 01 = 8B, ^ 01 = 8A, ^ 11 = 9B.
        let frame = codec().request(&Request::Unlock { address: 1, lock: 1 });
        assert_eq!(frame, [0x8A, 0x01, 0x01, 0x11, 0x9B]);
        // 8A ^ 02 = 88, ^ 18 = 90, ^ 11 = 81 (board 2, lock 24).
        let frame = codec().request(&Request::Unlock { address: 2, lock: 24 });
        assert_eq!(frame, [0x8A, 0x02, 0x18, 0x11, 0x81]);
    }

    #[test]
    fn query_all_of_board_1_is_the_documented_frame() {
        // 80 ^ 01 = 81, ^ 00 = 81, ^ 33 = B2.
        let frame = codec().request(&Request::Status { address: 1 });
        assert_eq!(frame, [0x80, 0x01, 0x00, 0x33, 0xB2]);
    }

    /// The source's example: locks 1, 9 and 17 locked, the rest open.
    /// 80 ^ 01 = 81, ^ 01 = 80, ^ 01 = 81, ^ 01 = 80, ^ 33 = B3.
    const QUERY_REPLY: [u8; 7] = [0x80, 0x01, 0x01, 0x01, 0x01, 0x33, 0xB3];

    #[test]
    fn query_all_reply_reads_highest_locks_first() {
        let reply = codec().parse_reply(&QUERY_REPLY).unwrap();
        assert_eq!(reply.address, 1);
        let ReplyState::Board(bits) = reply.state else { panic!("a board reply") };
        let locked: Vec<usize> =
            bits.locks.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i + 1).collect();
        assert_eq!(locked, [1, 9, 17]);
        assert_eq!(bits.sensors, None);
        // Board 2, only lock 2 locked: the last byte is 0000 0010;
        // 80 ^ 02 ^ 00 ^ 00 ^ 02 ^ 33 = B3.
        let frame = [0x80, 0x02, 0x00, 0x00, 0x02, 0x33, 0xB3];
        let ReplyState::Board(bits) = codec().parse_reply(&frame).unwrap().state else {
            panic!("a board reply")
        };
        assert!(bits.locks[1] && bits.locks.iter().filter(|b| **b).count() == 1);
    }

    #[test]
    fn a_board_of_sixteen_sends_two_bitmap_bytes() {
        let c = Codec::new(Family::Dip8a, 16);
        assert_eq!(c.reply_len(0x80), Some(6));
        // All 16 locked: 80 ^ 01 = 81, ^ FF = 7E, ^ FF = 81, ^ 33 = B2.
        let frame = [0x80, 0x01, 0xFF, 0xFF, 0x33, 0xB2];
        let ReplyState::Board(bits) = c.parse_reply(&frame).unwrap().state else {
            panic!("a board reply")
        };
        assert_eq!(bits.locks, vec![true; 16]);
    }

    #[test]
    fn replies_are_built_as_they_are_read() {
        let ReplyState::Board(bits) = codec().parse_reply(&QUERY_REPLY).unwrap().state else {
            panic!("a board reply")
        };
        assert_eq!(codec().reply(&Request::Status { address: 1 }, &bits), QUERY_REPLY);
        // Lock 1 locked: the board says 11; the frame equals the request.
        let unlock = Request::Unlock { address: 1, lock: 1 };
        assert_eq!(codec().reply(&unlock, &bits), [0x8A, 0x01, 0x01, 0x11, 0x9B]);
    }

    #[test]
    fn unlock_reply_reads_the_lock_state() {
        // Opened: 8A ^ 01 ^ 01 ^ 00 = 8A.
        let reply = codec().parse_reply(&[0x8A, 0x01, 0x01, 0x00, 0x8A]).unwrap();
        assert_eq!(reply.state, ReplyState::Lock { lock: 1, set: false });
        let reply = codec().parse_reply(&[0x8A, 0x01, 0x01, 0x11, 0x9B]).unwrap();
        assert_eq!(reply.state, ReplyState::Lock { lock: 1, set: true });
        // 8A ^ 01 ^ 01 ^ 05 = 8F: sound, but 05 is no state.
        let e = codec().parse_reply(&[0x8A, 0x01, 0x01, 0x05, 0x8F]).unwrap_err();
        assert_eq!(e.to_string(), "byte 3: 0x05 is not a lock state (00, 11)");
    }

    #[test]
    fn every_structural_error_names_its_byte() {
        let c = codec();
        let e = c.parse_reply(&[0x02, 0x01, 0x01, 0x00, 0x8A]).unwrap_err();
        assert_eq!(e.to_string(), "byte 0: expected 0x8A or 0x80, got 0x02");
        let e = c.parse_reply(&[0x8A, 0x01, 0x01, 0x00, 0x8B]).unwrap_err();
        assert_eq!(e, FrameError::Checksum { offset: 4, expected: 0x8A, got: 0x8B });
        let e = c.parse_reply(&QUERY_REPLY[..6]).unwrap_err();
        assert_eq!(e, FrameError::Length { got: 6, expected: 7, what: "an 80 query-all reply" });
        // The 33 replaced by 34 and the XOR redone: B3 ^ 33 ^ 34 = B4.
        let frame = [0x80, 0x01, 0x01, 0x01, 0x01, 0x34, 0xB4];
        let e = c.parse_reply(&frame).unwrap_err();
        assert_eq!(e.to_string(), "byte 5: expected the query-all code 0x33, got 0x34");
    }

    #[test]
    fn replies_to_other_requests_are_flagged() {
        let c = codec();
        let unlock_3 = Request::Unlock { address: 1, lock: 3 };
        // A late reply about lock 1 while lock 3 was asked.
        let e = c.answer(&unlock_3, &[0x8A, 0x01, 0x01, 0x00, 0x8A]).unwrap_err();
        assert_eq!(e, FrameError::OtherLock { offset: 2, expected: 3, got: 1 });
        // A query-all reply while an unlock was asked.
        let e = c.answer(&unlock_3, &QUERY_REPLY).unwrap_err();
        assert_eq!(e, FrameError::OtherCommand { offset: 0, expected: 0x8A, got: 0x80 });
        // Board 1's reply while board 2 was asked.
        let e = c.answer(&Request::Status { address: 2 }, &QUERY_REPLY).unwrap_err();
        assert_eq!(e, FrameError::OtherBoard { offset: 1, expected: 2, got: 1 });
        assert!(e.is_for_another_request());
    }

    #[test]
    fn requests_are_read_back_as_a_board_reads_them() {
        let c = codec();
        assert_eq!(
            c.parse_request(&[0x8A, 0x02, 0x18, 0x11, 0x81]),
            Ok(Request::Unlock { address: 2, lock: 24 })
        );
        assert_eq!(
            c.parse_request(&[0x80, 0x01, 0x00, 0x33, 0xB2]),
            Ok(Request::Status { address: 1 })
        );
        // Unlock-all (lock 0): 8A ^ 01 ^ 00 ^ 11 = 9A; never simulated.
        let e = c.parse_request(&[0x8A, 0x01, 0x00, 0x11, 0x9A]).unwrap_err();
        assert!(matches!(e, FrameError::Value { offset: 2, got: 0, .. }));
        let e = c.parse_request(&[0x8A, 0x01, 0x01, 0x11, 0x9C]).unwrap_err();
        assert_eq!(e, FrameError::Checksum { offset: 4, expected: 0x9B, got: 0x9C });
    }
}
