//! Frames of the Kerong KR-CU16 lock control board (19200 8N1, RS-485).
//!
//! Layout, as open-source drivers of the board implement it (no maker's
//! document was at hand): the CartWise KR-CU16 RS-485 module (Python) and
//! jin0949/KR-CU16_locker (Python), which agree on all of it:
//!
//! - request `02 ADDR CMD 03 SUM`; ADDR's high nibble is the board (DIP
//!   switches, 0 to 15), its low nibble the lock (0 for lock 1 to 15 for
//!   lock 16); CMD 0x30 asks the board's status, 0x31 unlocks the lock;
//! - SUM is the low 8 bits of the sum of every byte before it, STX and ETX
//!   included: the status request of board 0 is `02 00 30 03 35`, the
//!   frame KR-CU16_locker sends verbatim;
//! - the reply, to either command, is nine bytes
//!   `02 ADDR 35 L1 L2 S1 S2 03 SUM`: L1 has locks 1 to 8 (bit 0 is lock
//!   1), L2 locks 9 to 16, S1 and S2 the infrared sensors in the same
//!   order; both drivers read a set lock bit as locked, CartWise a set
//!   sensor bit as an item inside.
//!
//! Only the board nibble of a reply's ADDR is checked: the sources do not
//! say whether a board echoes the lock nibble of an unlock.

use super::frame::{BoardBits, FrameError, Reply, ReplyState, Request, bits_lsb_first};

pub(super) const STX: u8 = 0x02;
const ETX: u8 = 0x03;
const STATUS: u8 = 0x30;
const UNLOCK: u8 = 0x31;
const STATUS_REPLY: u8 = 0x35;
const REPLY_LEN: usize = 9;

/// The low 8 bits of the sum of `bytes`.
fn sum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |s, b| s.wrapping_add(*b))
}

fn address_byte(request: &Request) -> u8 {
    match *request {
        Request::Unlock { address, lock } => address << 4 | (lock - 1),
        Request::Status { address } => address << 4,
    }
}

pub(super) fn request(request: &Request) -> Vec<u8> {
    let cmd = match request {
        Request::Unlock { .. } => UNLOCK,
        Request::Status { .. } => STATUS,
    };
    let mut frame = vec![STX, address_byte(request), cmd, ETX];
    frame.push(sum(&frame));
    frame
}

pub(super) fn reply_len(first: u8) -> Option<usize> {
    (first == STX).then_some(REPLY_LEN)
}

/// Start, ETX at `etx` and the sum in the last byte of a frame of `len`.
fn check_frame(frame: &[u8], len: usize, what: &'static str) -> Result<(), FrameError> {
    if frame.first().is_some_and(|b| *b != STX) {
        return Err(FrameError::Start { expected: "STX 0x02", got: frame[0] });
    }
    if frame.len() != len {
        return Err(FrameError::Length { got: frame.len(), expected: len, what });
    }
    if frame[len - 2] != ETX {
        let got = frame[len - 2];
        return Err(FrameError::Marker { offset: len - 2, expected: "ETX", want: ETX, got });
    }
    let expected = sum(&frame[..len - 1]);
    if frame[len - 1] != expected {
        return Err(FrameError::Checksum { offset: len - 1, expected, got: frame[len - 1] });
    }
    Ok(())
}

pub(super) fn parse_reply(frame: &[u8], locks: u8) -> Result<Reply, FrameError> {
    check_frame(frame, REPLY_LEN, "a KR-CU reply")?;
    if frame[2] != STATUS_REPLY {
        let got = frame[2];
        return Err(FrameError::OtherCommand { offset: 2, expected: STATUS_REPLY, got });
    }
    let bits = BoardBits {
        locks: bits_lsb_first(&frame[3..5], locks),
        sensors: Some(bits_lsb_first(&frame[5..7], locks)),
    };
    Ok(Reply { address: frame[1] >> 4, state: ReplyState::Board(bits) })
}

pub(super) fn parse_request(frame: &[u8]) -> Result<Request, FrameError> {
    check_frame(frame, 5, "a KR-CU request")?;
    let address = frame[1] >> 4;
    match frame[2] {
        STATUS => Ok(Request::Status { address }),
        UNLOCK => Ok(Request::Unlock { address, lock: (frame[1] & 0x0F) + 1 }),
        got => Err(FrameError::Value { offset: 2, got, what: "a KR-CU command (0x30, 0x31)" }),
    }
}

pub(super) fn reply(request: &Request, bits: &BoardBits) -> Vec<u8> {
    let locks = super::frame::pack_lsb_first(&bits.locks, 2);
    let sensors = super::frame::pack_lsb_first(bits.sensors.as_deref().unwrap_or(&[]), 2);
    let mut frame = vec![STX, address_byte(request), STATUS_REPLY];
    frame.extend(locks);
    frame.extend(sensors);
    frame.push(ETX);
    frame.push(sum(&frame));
    frame
}

#[cfg(test)]
mod tests {
    use super::super::{Codec, Family};
    use super::*;

    fn codec() -> Codec {
        Codec::new(Family::Kerong, 16)
    }

    #[test]
    fn status_request_of_board_0_is_the_documented_frame() {
        // 02 + 00 + 30 + 03 = 0x35, the frame KR-CU16_locker sends.
        assert_eq!(
            codec().request(&Request::Status { address: 0 }),
            [0x02, 0x00, 0x30, 0x03, 0x35]
        );
        // 02 + 10 + 30 + 03 = 0x45.
        assert_eq!(
            codec().request(&Request::Status { address: 1 }),
            [0x02, 0x10, 0x30, 0x03, 0x45]
        );
    }

    #[test]
    fn unlock_puts_board_and_lock_in_the_address_byte() {
        // Board 0, lock 1: ADDR 0x00; 02 + 00 + 31 + 03 = 0x36.
        let frame = codec().request(&Request::Unlock { address: 0, lock: 1 });
        assert_eq!(frame, [0x02, 0x00, 0x31, 0x03, 0x36]);
        // Board 1, lock 16: ADDR 0x1F; 02 + 1F + 31 + 03 = 0x55.
        let frame = codec().request(&Request::Unlock { address: 1, lock: 16 });
        assert_eq!(frame, [0x02, 0x1F, 0x31, 0x03, 0x55]);
        // Board 10, lock 3: ADDR 0xA2; 02 + A2 + 31 + 03 = 0xD8.
        let frame = codec().request(&Request::Unlock { address: 10, lock: 3 });
        assert_eq!(frame, [0x02, 0xA2, 0x31, 0x03, 0xD8]);
    }

    /// Board 0, every lock latched but lock 3 (L1 = 1111 1011 = 0xFB,
    /// L2 = 0xFF), an item in compartment 1 only (S1 = 0x01, S2 = 0x00).
    /// SUM: 02 + 00 + 35 + FB + FF + 01 + 00 + 03 = 0x235, low byte 0x35.
    const STATUS_REPLY_FRAME: [u8; 9] = [0x02, 0x00, 0x35, 0xFB, 0xFF, 0x01, 0x00, 0x03, 0x35];

    #[test]
    fn status_reply_reads_lock_and_sensor_bitmaps() {
        let reply = codec().parse_reply(&STATUS_REPLY_FRAME).unwrap();
        assert_eq!(reply.address, 0);
        let ReplyState::Board(bits) = reply.state else { panic!("a board reply") };
        let mut locks = vec![true; 16];
        locks[2] = false;
        assert_eq!(bits.locks, locks);
        let mut sensors = vec![false; 16];
        sensors[0] = true;
        assert_eq!(bits.sensors, Some(sensors));
    }

    #[test]
    fn reply_is_built_as_it_is_read() {
        let reply = codec().parse_reply(&STATUS_REPLY_FRAME).unwrap();
        let ReplyState::Board(bits) = reply.state else { panic!("a board reply") };
        let built = codec().reply(&Request::Status { address: 0 }, &bits);
        assert_eq!(built, STATUS_REPLY_FRAME);
    }

    #[test]
    fn a_board_of_twelve_reads_twelve_locks() {
        let reply = Codec::new(Family::Kerong, 12).parse_reply(&STATUS_REPLY_FRAME).unwrap();
        let ReplyState::Board(bits) = reply.state else { panic!("a board reply") };
        assert_eq!(bits.locks.len(), 12);
    }

    #[test]
    fn bad_start_names_byte_0() {
        let mut frame = STATUS_REPLY_FRAME;
        frame[0] = 0x55;
        let e = codec().parse_reply(&frame).unwrap_err();
        assert_eq!(e, FrameError::Start { expected: "STX 0x02", got: 0x55 });
        assert_eq!(e.to_string(), "byte 0: expected STX 0x02, got 0x55");
    }

    #[test]
    fn bad_end_names_byte_7() {
        let mut frame = STATUS_REPLY_FRAME;
        frame[7] = 0x04;
        let e = codec().parse_reply(&frame).unwrap_err();
        assert_eq!(e.to_string(), "byte 7: expected ETX 0x03, got 0x04");
    }

    #[test]
    fn bad_checksum_names_byte_8_and_both_sums() {
        let mut frame = STATUS_REPLY_FRAME;
        frame[8] = 0x36;
        let e = codec().parse_reply(&frame).unwrap_err();
        assert_eq!(e, FrameError::Checksum { offset: 8, expected: 0x35, got: 0x36 });
        assert_eq!(e.to_string(), "byte 8: checksum expected 0x35, got 0x36");
        // A changed data byte: 02 + 00 + 35 + FA + FF + 01 + 00 + 03 = 0x234.
        let mut frame = STATUS_REPLY_FRAME;
        frame[3] = 0xFA;
        let e = codec().parse_reply(&frame).unwrap_err();
        assert_eq!(e, FrameError::Checksum { offset: 8, expected: 0x34, got: 0x35 });
    }

    #[test]
    fn short_frame_is_a_length_error() {
        let e = codec().parse_reply(&STATUS_REPLY_FRAME[..5]).unwrap_err();
        assert_eq!(e, FrameError::Length { got: 5, expected: 9, what: "a KR-CU reply" });
    }

    #[test]
    fn reply_of_another_command_is_flagged() {
        // 02 00 36 ... with the sum redone: 0x235 + 1 = 0x236.
        let mut frame = STATUS_REPLY_FRAME;
        frame[2] = 0x36;
        frame[8] = 0x36;
        let e = codec().parse_reply(&frame).unwrap_err();
        assert_eq!(e, FrameError::OtherCommand { offset: 2, expected: 0x35, got: 0x36 });
        assert!(e.is_for_another_request());
    }

    #[test]
    fn reply_of_another_board_is_flagged() {
        // Board 1 answering (ADDR 0x10): sum 0x235 + 0x10 = 0x245.
        let mut frame = STATUS_REPLY_FRAME;
        frame[1] = 0x10;
        frame[8] = 0x45;
        let e = codec().answer(&Request::Status { address: 0 }, &frame).unwrap_err();
        assert_eq!(e, FrameError::OtherBoard { offset: 1, expected: 0, got: 1 });
        assert!(e.is_for_another_request());
        assert!(codec().answer(&Request::Status { address: 1 }, &frame).is_ok());
    }

    #[test]
    fn requests_are_read_back_as_a_board_reads_them() {
        let c = codec();
        assert_eq!(
            c.parse_request(&[0x02, 0x1F, 0x31, 0x03, 0x55]),
            Ok(Request::Unlock { address: 1, lock: 16 })
        );
        assert_eq!(
            c.parse_request(&[0x02, 0x10, 0x30, 0x03, 0x45]),
            Ok(Request::Status { address: 1 })
        );
        // 02 + 00 + 32 + 03 = 0x37: sound, but a command not simulated.
        let e = c.parse_request(&[0x02, 0x00, 0x32, 0x03, 0x37]).unwrap_err();
        assert!(matches!(e, FrameError::Value { offset: 2, got: 0x32, .. }));
        let e = c.parse_request(&[0x02, 0x00, 0x30, 0x03, 0x36]).unwrap_err();
        assert_eq!(e, FrameError::Checksum { offset: 4, expected: 0x35, got: 0x36 });
    }

    #[test]
    fn only_stx_starts_a_reply() {
        assert_eq!(codec().reply_len(0x02), Some(9));
        assert_eq!(codec().reply_len(0x8A), None);
    }
}
