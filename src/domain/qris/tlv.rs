//! The EMVCo data-object format: a 2-digit id, a 2-digit length, the value.

use super::QrisError;

/// One data object, its value borrowed from the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    pub id: u8,
    pub value: &'a str,
    /// Byte offset of the id in the payload, for error messages.
    pub offset: usize,
}

/// Splits `text` into its data objects, in order.
///
/// `base` is the offset of `text` inside the whole payload, so that errors in
/// a nested template point at the right place.
pub fn parse(text: &str, base: usize) -> Result<Vec<Field<'_>>, QrisError> {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let offset = base + at;
        if bytes.len() - at < 4 {
            return Err(QrisError::Truncated { offset });
        }
        let id = two_digits(&bytes[at..at + 2])
            .ok_or_else(|| QrisError::BadId { offset, id: lossy(&bytes[at..at + 2]) })?;
        let len = two_digits(&bytes[at + 2..at + 4])
            .ok_or_else(|| QrisError::BadLength { offset, id: format!("{id:02}") })?;
        let start = at + 4;
        let end = start + usize::from(len);
        if end > bytes.len() {
            return Err(QrisError::Overrun { offset, id: format!("{id:02}"), len });
        }
        let value = text.get(start..end).ok_or(QrisError::NotUtf8Boundary { offset })?;
        fields.push(Field { id, value, offset });
        at = end;
    }
    Ok(fields)
}

/// Writes one data object; the value must be at most 99 bytes.
pub fn write(out: &mut String, id: u8, value: &str) -> Result<(), QrisError> {
    let len = value.len();
    if len > 99 {
        return Err(QrisError::TooLong { id: format!("{id:02}"), len });
    }
    out.push_str(&format!("{id:02}{len:02}{value}"));
    Ok(())
}

fn two_digits(b: &[u8]) -> Option<u8> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
