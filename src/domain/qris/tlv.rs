//! The EMVCo data-object format: a 2-digit id, a 2-digit length, the value.
//!
//! Lengths and offsets count characters (Unicode scalar values), not bytes:
//! the EMVCo merchant-presented specification defines the length as "the
//! number of characters in the value".

use super::{ErrorKind, QrisError};

/// The most characters one data object may hold.
pub const MAX_LEN: usize = 99;

/// One data object of a merchant-presented payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataObject {
    /// The id, 0 to 99.
    pub id: u8,
    /// Character offset of the id in the whole payload.
    pub offset: usize,
    /// The value as written; for a template, its data objects unparsed.
    pub value: String,
    /// The nested data objects of a template (ids 26-51, 62, 64, 80-99 at
    /// the top level), in payload order; `None` for a primitive object and
    /// for a template whose value is not data objects (an error).
    pub children: Option<Vec<DataObject>>,
}

impl DataObject {
    /// A primitive data object; `offset` is left at 0 for writing.
    pub fn primitive(id: u8, value: impl Into<String>) -> DataObject {
        DataObject { id, offset: 0, value: value.into(), children: None }
    }

    /// A template from its sub-objects, its value written from them.
    pub fn template(id: u8, children: Vec<DataObject>) -> Result<DataObject, QrisError> {
        let mut value = String::new();
        for c in &children {
            write(&mut value, c.id, &c.value)?;
        }
        Ok(DataObject { id, offset: 0, value, children: Some(children) })
    }

    /// The first sub-object with `id`, for a template.
    pub fn child(&self, id: u8) -> Option<&DataObject> {
        self.children.as_deref()?.iter().find(|c| c.id == id)
    }

    /// The value of the first sub-object with `id`, for a template.
    pub fn child_value(&self, id: u8) -> Option<&str> {
        self.child(id).map(|c| c.value.as_str())
    }
}

/// Whether a top-level id is a template (its value holds data objects).
pub fn is_template(id: u8) -> bool {
    matches!(id, 26..=51 | 62 | 64 | 80..=99)
}

/// The result of splitting a run of characters into data objects.
pub struct Split {
    /// The objects read before the first structural error, if any.
    pub objects: Vec<DataObject>,
    /// What stopped the reading; nothing after it can be trusted.
    pub error: Option<QrisError>,
}

/// Splits `chars` into data objects, in order, stopping at the first
/// structural error.
///
/// `base` is the offset of `chars` in the whole payload and `parent` the id
/// path of the enclosing template (empty at the top level), so that errors
/// in a template point at the right place. At the top level, templates are
/// split too; an error inside one goes to `nested` and leaves the template
/// without children, and the reading goes on after it.
pub fn split(chars: &[char], base: usize, parent: &str, nested: &mut Vec<QrisError>) -> Split {
    let mut objects = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let offset = base + at;
        let left = chars.len() - at;
        let err = |id: String, kind| Split {
            objects: Vec::new(),
            error: Some(QrisError { id, offset, kind }),
        };
        let id_text: String = chars[at..chars.len().min(at + 2)].iter().collect();
        let path =
            |id: &str| if parent.is_empty() { id.to_owned() } else { format!("{parent}.{id}") };
        if left < 4 {
            return Split { objects, ..err(path(&id_text), ErrorKind::Truncated { left }) };
        }
        let Some(id) = two_digits(&chars[at..at + 2]) else {
            return Split { objects, ..err(path(&id_text), ErrorKind::BadId { found: id_text }) };
        };
        let Some(len) = two_digits(&chars[at + 2..at + 4]) else {
            let found = chars[at + 2..at + 4].iter().collect();
            return Split { objects, ..err(path(&id_text), ErrorKind::BadLength { found }) };
        };
        let start = at + 4;
        let end = start + usize::from(len);
        if end > chars.len() {
            let kind = ErrorKind::Overrun { len: len.into(), left: chars.len() - start };
            return Split { objects, ..err(path(&id_text), kind) };
        }
        let value: String = chars[start..end].iter().collect();
        let children = if parent.is_empty() && is_template(id) {
            let inner = split(&chars[start..end], base + start, &id_text, nested);
            match inner.error {
                None => Some(inner.objects),
                Some(e) => {
                    nested.push(QrisError {
                        id: id_text.clone(),
                        offset,
                        kind: ErrorKind::BadTemplate { inner: Box::new(e) },
                    });
                    None
                }
            }
        } else {
            None
        };
        objects.push(DataObject { id, offset, value, children });
        at = end;
    }
    Split { objects, error: None }
}

/// Writes one data object; the value must be at most 99 characters.
pub fn write(out: &mut String, id: u8, value: &str) -> Result<(), QrisError> {
    let len = value.chars().count();
    if len > MAX_LEN {
        return Err(QrisError {
            id: format!("{id:02}"),
            offset: out.chars().count(),
            kind: ErrorKind::TooLong { len },
        });
    }
    out.push_str(&format!("{id:02}{len:02}{value}"));
    Ok(())
}

fn two_digits(c: &[char]) -> Option<u8> {
    match c {
        [a @ '0'..='9', b @ '0'..='9'] => Some((*a as u8 - b'0') * 10 + (*b as u8 - b'0')),
        _ => None,
    }
}
