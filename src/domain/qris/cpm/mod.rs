//! Customer-presented QRIS: the code a wallet shows for the merchant to scan.
//!
//! The payload is base64 of BER-TLV (EMVCo consumer-presented mode): the
//! payload format indicator 85 = `CPV01`, then one or more application
//! templates 61 (the QRIS one has application id `A0000006022020`), each
//! with a label (50), the account number (5A, packed digits padded with F),
//! and issuer data in the transparent template 63. Offsets count bytes of
//! the decoded payload, except base64 errors, which count characters.

mod base64;
mod ber;

pub use ber::{BerObject, is_constructed, tag_hex};

/// The application id of QRIS customer-presented mode.
pub const QRIS_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x06, 0x02, 0x20, 0x20];

/// What makes a customer-presented payload unpayable, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", place(tag, *offset, matches!(kind, CpmErrorKind::Base64 { .. })))]
pub struct CpmError {
    /// The tag path, `"61.5A"`; empty for the payload as a whole.
    pub tag: String,
    /// Byte offset in the decoded payload (character offset for base64).
    pub offset: usize,
    pub kind: CpmErrorKind,
}

/// A deviation that does not stop a payment.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{why}", place(tag, *offset, false))]
pub struct CpmWarning {
    pub tag: String,
    pub offset: usize,
    pub why: &'static str,
}

fn place(tag: &str, offset: usize, in_text: bool) -> String {
    if in_text {
        format!("at character {offset}: ")
    } else if tag.is_empty() {
        format!("at byte {offset}: ")
    } else {
        format!("tag {tag} at byte {offset}: ")
    }
}

/// What is wrong, in a [`CpmError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CpmErrorKind {
    #[error("not base64: {why}")]
    Base64 { why: &'static str },
    #[error("the payload is empty")]
    Empty,
    #[error("byte {byte:#04X} where a tag belongs (padding is not allowed)")]
    Padding { byte: u8 },
    #[error("bad tag: {why}")]
    BadTag { why: &'static str },
    #[error("the payload ends inside a {what}")]
    Truncated { what: &'static str },
    #[error("bad length: {why}")]
    BadLength { why: &'static str },
    #[error("length {len} runs past the end: only {left} bytes follow")]
    Overrun { len: usize, left: usize },
    #[error("templates nested too deep")]
    TooDeep,
    #[error("appears twice at one level (first at byte {first})")]
    Duplicate { first: usize },
    #[error("the payload format indicator 85 must come first")]
    NotFirst,
    #[error("mandatory object is missing")]
    Missing,
    #[error("no application template with the QRIS application id A0000006022020")]
    NoQrisApplication,
    #[error("value {value} is invalid: {why}")]
    Invalid { value: String, why: &'static str },
}

/// One application (template 61, or the common data template 62) and what
/// it says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpmApplication {
    /// 0x61 or 0x62.
    pub tag: u32,
    pub offset: usize,
    /// 4F, in hex.
    pub aid: Option<String>,
    /// 50.
    pub label: Option<String>,
    /// 5A, the account number (PAN) as digits.
    pub account: Option<String>,
    /// 57, track 2 equivalent data: digits, `D`, digits.
    pub track2: Option<String>,
    /// 5F20.
    pub cardholder: Option<String>,
    /// 5F2D, two-letter ISO 639 codes in order of preference.
    pub languages: Vec<String>,
    /// 9F74 in the transparent template 63: the issuer's QRIS data, as text
    /// when it is printable ASCII, else in hex.
    pub issuer_data: Option<String>,
}

impl CpmApplication {
    /// Whether this is the QRIS customer-presented application.
    pub fn is_qris(&self) -> bool {
        self.aid.as_deref() == Some(&hex(&QRIS_AID))
    }
}

/// A customer-presented payload and what it says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpmPayload {
    /// 85, `CPV01`.
    pub format: Option<String>,
    /// Templates 61 and 62, in order.
    pub applications: Vec<CpmApplication>,
    /// Every top-level object, constructed ones nested.
    pub objects: Vec<BerObject>,
}

impl CpmPayload {
    /// The QRIS application, the one to charge.
    pub fn qris(&self) -> Option<&CpmApplication> {
        self.applications.iter().find(|a| a.is_qris())
    }
}

/// Everything learnt from a customer-presented payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpmInspection {
    pub payload: CpmPayload,
    pub errors: Vec<CpmError>,
    pub warnings: Vec<CpmWarning>,
}

impl CpmInspection {
    /// Whether the merchant can charge this payload: no errors.
    pub fn is_payable(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Whether `text` starts like a customer-presented payload: the base64 of
/// 85 05 `CPV0`. A merchant-presented payload starts with `000201`.
pub fn looks_like_cpm(text: &str) -> bool {
    text.starts_with("hQVDUFYw")
}

/// Reads a customer-presented payload, failing on its first error.
pub fn decode(text: &str) -> Result<CpmPayload, CpmError> {
    let mut i = inspect(text);
    if i.errors.is_empty() { Ok(i.payload) } else { Err(i.errors.swap_remove(0)) }
}

/// Writes objects as a customer-presented payload (BER-TLV in base64).
pub fn encode(objects: &[BerObject]) -> String {
    let mut bytes = Vec::new();
    for o in objects {
        ber::write(&mut bytes, o);
    }
    base64::encode(&bytes)
}

/// Checks a customer-presented payload, collecting every error and warning.
pub fn inspect(text: &str) -> CpmInspection {
    let mut out = CpmInspection::default();
    let decoded = match base64::decode(text) {
        Ok(d) => d,
        Err(e) => {
            let kind = CpmErrorKind::Base64 { why: e.why };
            out.errors.push(CpmError { tag: String::new(), offset: e.offset, kind });
            return out;
        }
    };
    if decoded.unpadded {
        out.warnings.push(CpmWarning {
            tag: String::new(),
            offset: 0,
            why: "base64 without its = padding",
        });
    }
    let bytes = decoded.bytes;
    if bytes.is_empty() {
        out.errors.push(CpmError { tag: String::new(), offset: 0, kind: CpmErrorKind::Empty });
        return out;
    }
    let mut c = Checker { errors: Vec::new(), warnings: Vec::new() };
    let read = ber::read(&bytes, 0, "", &mut c.errors);
    for (tag, offset) in read.long_lengths {
        c.warnings.push(CpmWarning { tag, offset, why: "a length in more bytes than needed" });
    }
    let broken = read.error.is_some();
    c.errors.extend(read.error);
    let objects = read.objects;
    c.duplicates(&objects, "", true);
    let mut payload = CpmPayload::default();
    for (i, o) in objects.iter().enumerate() {
        match o.tag {
            0x85 => {
                if i != 0 {
                    c.error("85", o.offset, CpmErrorKind::NotFirst);
                }
                if o.value != b"CPV01" {
                    c.invalid("85", o, "the payload format indicator is CPV01");
                }
                payload.format = Some(text_or_hex(&o.value));
            }
            0x61 | 0x62 => {
                if let Some(app) = c.application(o) {
                    payload.applications.push(app);
                }
            }
            _ => c.warn(&o.tag_hex(), o.offset, "a tag consumer-presented mode does not define"),
        }
    }
    if !broken {
        if !objects.iter().any(|o| o.tag == 0x85) {
            c.error("85", 0, CpmErrorKind::Missing);
        }
        if !objects.iter().any(|o| o.tag == 0x61) {
            c.error("61", bytes.len(), CpmErrorKind::Missing);
        } else if payload.qris().is_none() {
            c.error("61.4F", 0, CpmErrorKind::NoQrisApplication);
        }
    }
    payload.objects = objects;
    c.errors.sort_by_key(|e| e.offset);
    c.warnings.sort_by_key(|w| w.offset);
    CpmInspection { payload, errors: c.errors, warnings: c.warnings }
}

struct Checker {
    errors: Vec<CpmError>,
    warnings: Vec<CpmWarning>,
}

impl Checker {
    fn error(&mut self, tag: &str, offset: usize, kind: CpmErrorKind) {
        self.errors.push(CpmError { tag: tag.to_owned(), offset, kind });
    }

    fn invalid(&mut self, tag: &str, o: &BerObject, why: &'static str) {
        let kind = CpmErrorKind::Invalid { value: hex(&o.value), why };
        self.error(tag, o.offset, kind);
    }

    fn warn(&mut self, tag: &str, offset: usize, why: &'static str) {
        self.warnings.push(CpmWarning { tag: tag.to_owned(), offset, why });
    }

    /// No tag twice at one level; template 61 may repeat at the top.
    fn duplicates(&mut self, objects: &[BerObject], parent: &str, top: bool) {
        for (i, o) in objects.iter().enumerate() {
            if top && o.tag == 0x61 {
                continue;
            }
            if let Some(first) = objects[..i].iter().find(|p| p.tag == o.tag) {
                let kind = CpmErrorKind::Duplicate { first: first.offset };
                self.error(&join(parent, o), o.offset, kind);
            }
        }
        for o in objects {
            if let Some(children) = &o.children {
                self.duplicates(children, &join(parent, o), false);
            }
        }
    }

    /// One application template: each value checked and decoded.
    fn application(&mut self, t: &BerObject) -> Option<CpmApplication> {
        let children = t.children.as_ref()?;
        let parent = t.tag_hex();
        let mut app = CpmApplication { tag: t.tag, offset: t.offset, ..Default::default() };
        for o in children {
            let name = join(&parent, o);
            let name = name.as_str();
            let v = o.value.as_slice();
            match o.tag {
                0x4F if !(5..=16).contains(&v.len()) => {
                    self.invalid(name, o, "an application id is 5 to 16 bytes")
                }
                0x4F => app.aid = Some(hex(v)),
                0x50 if !printable(v, 1, 16) => {
                    self.invalid(name, o, "a label is 1 to 16 printable characters")
                }
                0x50 => app.label = Some(text_or_hex(v)),
                0x5A => match digits(v, false) {
                    Some(d) if (1..=10).contains(&v.len()) => app.account = Some(d),
                    _ => self.invalid(name, o, "an account number is packed digits, F-padded"),
                },
                0x57 => match digits(v, true) {
                    Some(d) if v.len() <= 19 && d.matches('D').count() == 1 => app.track2 = Some(d),
                    _ => self.invalid(name, o, "track 2 is packed digits, D, digits, F-padded"),
                },
                0x5F20 if !printable(v, 2, 26) => {
                    self.invalid(name, o, "a cardholder name is 2 to 26 printable characters")
                }
                0x5F20 => app.cardholder = Some(text_or_hex(v)),
                0x5F2D => {
                    let letters = v.iter().all(u8::is_ascii_lowercase);
                    if !letters || v.len() % 2 != 0 || !(2..=8).contains(&v.len()) {
                        self.invalid(name, o, "languages are one to four ISO 639 codes");
                    } else {
                        app.languages = v.chunks(2).map(text_or_hex).collect();
                    }
                }
                0x63 => {
                    let data = o.child(0x9F74).map(|d| text_or_hex(&d.value));
                    app.issuer_data = data;
                }
                0x5F50 | 0x9F08 | 0x9F19 | 0x9F24 | 0x9F25 => {}
                _ => self.warn(name, o.offset, "a tag an application template does not define"),
            }
        }
        // The common data template 62 carries no application id of its own.
        if t.tag == 0x61 && t.child(0x4F).is_none() {
            self.error(&format!("{parent}.4F"), t.offset, CpmErrorKind::Missing);
        }
        if app.is_qris() && app.account.is_none() && app.track2.is_none() {
            let missing = t.child(0x5A).is_none() && t.child(0x57).is_none();
            if missing {
                self.error(&format!("{parent}.5A"), t.offset, CpmErrorKind::Missing);
            }
        }
        Some(app)
    }
}

fn join(parent: &str, o: &BerObject) -> String {
    if parent.is_empty() { o.tag_hex() } else { format!("{parent}.{}", o.tag_hex()) }
}

/// Uppercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn printable(v: &[u8], min: usize, max: usize) -> bool {
    (min..=max).contains(&v.len()) && v.iter().all(|b| (0x20..=0x7E).contains(b))
}

fn text_or_hex(v: &[u8]) -> String {
    if v.iter().all(|b| (0x20..=0x7E).contains(b)) {
        String::from_utf8_lossy(v).into_owned()
    } else {
        hex(v)
    }
}

/// Packed digits (two per byte) with F padding allowed only in the last
/// nibble; with `separator`, one nibble may be D (track 2).
fn digits(v: &[u8], separator: bool) -> Option<String> {
    let nibbles: Vec<u8> = v.iter().flat_map(|b| [b >> 4, b & 0x0F]).collect();
    let (last, body) = nibbles.split_last()?;
    let mut out = String::with_capacity(nibbles.len());
    for &n in body {
        match n {
            0..=9 => out.push(char::from(b'0' + n)),
            0xD if separator => out.push('D'),
            _ => return None,
        }
    }
    match *last {
        0..=9 => out.push(char::from(b'0' + last)),
        0xD if separator => out.push('D'),
        0xF => {}
        _ => return None,
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests;
