//! BER-TLV as EMV uses it: tags of one to three bytes, definite lengths of
//! one to three bytes, constructed objects holding more of the same.

use super::{CpmError, CpmErrorKind};

/// How deep constructed objects may nest; EMV needs three levels (61, 63,
/// and what 63 holds), and a limit keeps hostile input from exhausting the
/// stack.
const MAX_DEPTH: usize = 4;

/// One BER-TLV data object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BerObject {
    /// The tag bytes read as one big-endian number: `0x5A`, `0x9F74`.
    pub tag: u32,
    /// Byte offset of the tag in the decoded payload.
    pub offset: usize,
    /// The value bytes; for a constructed object, its objects unparsed.
    pub value: Vec<u8>,
    /// The objects of a constructed tag (bit 6 of its first byte set), in
    /// order; `None` for a primitive one, and for a constructed one whose
    /// value is not BER-TLV (an error).
    pub children: Option<Vec<BerObject>>,
}

impl BerObject {
    /// A primitive object, for writing.
    pub fn primitive(tag: u32, value: impl Into<Vec<u8>>) -> BerObject {
        BerObject { tag, offset: 0, value: value.into(), children: None }
    }

    /// A constructed object from its children, for writing.
    pub fn constructed(tag: u32, children: Vec<BerObject>) -> BerObject {
        let mut value = Vec::new();
        for c in &children {
            write(&mut value, c);
        }
        BerObject { tag, offset: 0, value, children: Some(children) }
    }

    /// The tag in hex as EMV writes it: `"5F2D"`.
    pub fn tag_hex(&self) -> String {
        tag_hex(self.tag)
    }

    /// The first child with `tag`.
    pub fn child(&self, tag: u32) -> Option<&BerObject> {
        self.children.as_deref()?.iter().find(|c| c.tag == tag)
    }
}

/// A tag in hex: `"9F74"`.
pub fn tag_hex(tag: u32) -> String {
    let bytes = tag_bytes(tag);
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn tag_bytes(tag: u32) -> Vec<u8> {
    let all = tag.to_be_bytes();
    let skip = all.iter().take_while(|&&b| b == 0).count().min(3);
    all[skip..].to_vec()
}

/// Whether the first byte of a tag marks a constructed object.
pub fn is_constructed(tag: u32) -> bool {
    tag_bytes(tag)[0] & 0x20 != 0
}

/// What [`read`] found: the objects before the first structural error, and
/// that error.
pub struct Read {
    pub objects: Vec<BerObject>,
    pub error: Option<CpmError>,
    /// Lengths written in more bytes than needed, as (tag path, offset).
    pub long_lengths: Vec<(String, usize)>,
}

/// Reads `bytes` (at `base` in the payload, inside the object `parent`) as
/// a sequence of BER-TLV objects, nesting into constructed ones; errors
/// inside a constructed object go to `nested` and the reading goes on.
pub fn read(bytes: &[u8], base: usize, parent: &str, nested: &mut Vec<CpmError>) -> Read {
    let mut long_lengths = Vec::new();
    let mut r = read_level(bytes, base, parent, 0, nested, &mut long_lengths);
    r.long_lengths = long_lengths;
    r
}

fn read_level(
    bytes: &[u8],
    base: usize,
    parent: &str,
    depth: usize,
    nested: &mut Vec<CpmError>,
    long_lengths: &mut Vec<(String, usize)>,
) -> Read {
    let mut objects = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let offset = base + at;
        let fail = |objects, tag: &str, kind| Read {
            objects,
            error: Some(CpmError { tag: tag.to_owned(), offset, kind }),
            long_lengths: Vec::new(),
        };
        let (tag, tag_len) = match read_tag(&bytes[at..]) {
            Ok(t) => t,
            Err(kind) => return fail(objects, &join(parent, ""), kind),
        };
        let name = join(parent, &tag_hex(tag));
        let (len, len_len, minimal) = match read_length(&bytes[at + tag_len..]) {
            Ok(l) => l,
            Err(kind) => return fail(objects, &name, kind),
        };
        if !minimal {
            long_lengths.push((name.clone(), offset));
        }
        let start = at + tag_len + len_len;
        let left = bytes.len() - start;
        if len > left {
            return fail(objects, &name, CpmErrorKind::Overrun { len, left });
        }
        let value = bytes[start..start + len].to_vec();
        let children = if !is_constructed(tag) {
            None
        } else if depth + 1 >= MAX_DEPTH {
            nested.push(CpmError { tag: name.clone(), offset, kind: CpmErrorKind::TooDeep });
            None
        } else {
            let inner = read_level(&value, base + start, &name, depth + 1, nested, long_lengths);
            match inner.error {
                None => Some(inner.objects),
                Some(e) => {
                    nested.push(e);
                    None
                }
            }
        };
        objects.push(BerObject { tag, offset, value, children });
        at = start + len;
    }
    Read { objects, error: None, long_lengths: Vec::new() }
}

fn join(parent: &str, tag: &str) -> String {
    match (parent.is_empty(), tag.is_empty()) {
        (true, _) => tag.to_owned(),
        (false, true) => parent.to_owned(),
        (false, false) => format!("{parent}.{tag}"),
    }
}

/// Reads a tag: one byte, or when its low five bits are all set, more
/// bytes while bit 8 is set; at most three bytes in all.
fn read_tag(bytes: &[u8]) -> Result<(u32, usize), CpmErrorKind> {
    let first = bytes[0];
    if first == 0x00 || first == 0xFF {
        return Err(CpmErrorKind::Padding { byte: first });
    }
    if first & 0x1F != 0x1F {
        return Ok((u32::from(first), 1));
    }
    let mut tag = u32::from(first);
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if i == 1 && b == 0x80 {
            // A leading group of zero bits. (EMV itself writes numbers below
            // 31 in two bytes, 9F08 for one, so those are allowed.)
            return Err(CpmErrorKind::BadTag { why: "a tag number not in its shortest form" });
        }
        tag = tag << 8 | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((tag, i + 1));
        }
        if i == 2 {
            return Err(CpmErrorKind::BadTag { why: "a tag longer than three bytes" });
        }
    }
    Err(CpmErrorKind::Truncated { what: "tag" })
}

/// Reads a definite length of one to three bytes; the flag says whether it
/// is in its shortest form.
fn read_length(bytes: &[u8]) -> Result<(usize, usize, bool), CpmErrorKind> {
    let Some(&first) = bytes.first() else {
        return Err(CpmErrorKind::Truncated { what: "length" });
    };
    match first {
        0..=0x7F => Ok((usize::from(first), 1, true)),
        0x80 => Err(CpmErrorKind::BadLength { why: "an indefinite length" }),
        0x81 | 0x82 => {
            let n = usize::from(first & 0x7F);
            let Some(digits) = bytes.get(1..1 + n) else {
                return Err(CpmErrorKind::Truncated { what: "length" });
            };
            let len = digits.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
            let minimal = if n == 1 { len >= 0x80 } else { len > 0xFF };
            Ok((len, 1 + n, minimal))
        }
        _ => Err(CpmErrorKind::BadLength { why: "a length of more than two bytes" }),
    }
}

/// Writes one object: its tag, its length in the shortest form, its value
/// (from its children when it has them).
///
/// # Panics
///
/// On a value over 65,535 bytes, which no QR code can hold.
pub fn write(out: &mut Vec<u8>, o: &BerObject) {
    let value = match &o.children {
        Some(children) => {
            let mut v = Vec::new();
            for c in children {
                write(&mut v, c);
            }
            v
        }
        None => o.value.clone(),
    };
    out.extend(tag_bytes(o.tag));
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend([0x81, n as u8]),
        n => {
            assert!(n <= 0xFFFF, "a BER-TLV value of {n} bytes");
            out.extend([0x82, (n >> 8) as u8, n as u8]);
        }
    }
    out.extend(value);
}
