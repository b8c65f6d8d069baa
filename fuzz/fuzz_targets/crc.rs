//! Shared by the targets that need payloads past the CRC check.

use crate::domain::qris;

/// `text` with its last four characters replaced by the CRC of the rest,
/// when it ends in `6304` and four characters.
pub fn with_fresh_crc(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n < 8 || chars[n - 8..n - 4].iter().collect::<String>() != "6304" {
        return None;
    }
    let body: String = chars[..n - 4].iter().collect();
    let crc = qris::crc_hex(body.as_bytes());
    Some(body + &crc)
}
