//! QRIS, Bank Indonesia's profile of the EMVCo QR code for payments.
//!
//! Merchant-presented payloads (what a merchant prints or shows) are read by
//! [`inspect`] (every problem, as errors and warnings) or [`parse`] (the first
//! error), written by [`Code::render`] and [`dynamic_payload`], and turned
//! from static into dynamic by [`to_dynamic`]. Customer-presented payloads
//! (what a wallet shows) are read by the [`cpm`] module.
//!
//! Lengths and offsets of merchant-presented payloads count characters; the
//! CRC covers the UTF-8 bytes.

mod amount;
pub mod cpm;
mod crc;
mod generate;
mod tlv;
mod validate;

pub use amount::{Fee, Percent};
pub use crc::{crc_hex, crc16};
pub use generate::{Code, Merchant, Sale, dynamic_payload, static_payload, to_dynamic};
pub use tlv::{DataObject, MAX_LEN, is_template};
pub use validate::{Inspection, inspect};

use crate::domain::money::Rupiah;

/// One problem that makes a payload unpayable, and where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", place(id, *offset))]
pub struct QrisError {
    /// The data object: `"54"`, or `"51.02"` inside a template; empty when
    /// the problem is the payload as a whole.
    pub id: String,
    /// Character offset of the object's id (or of the problem) in the
    /// payload.
    pub offset: usize,
    pub kind: ErrorKind,
}

/// A deviation that real issuers print and wallets accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", place(id, *offset))]
pub struct QrisWarning {
    /// The data object, as in [`QrisError::id`].
    pub id: String,
    /// Character offset of the object's id in the payload.
    pub offset: usize,
    pub kind: WarningKind,
}

fn place(id: &str, offset: usize) -> String {
    if id.is_empty() {
        format!("at character {offset}: ")
    } else {
        format!("object {id} at character {offset}: ")
    }
}

/// What is wrong, in a [`QrisError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("the payload is empty")]
    Empty,
    #[error("the payload ends inside a data object header ({left} characters left)")]
    Truncated { left: usize },
    #[error("id {found:?} is not two digits")]
    BadId { found: String },
    #[error("length {found:?} is not two digits")]
    BadLength { found: String },
    #[error("length {len} runs past the end: only {left} characters follow")]
    Overrun { len: usize, left: usize },
    #[error("a template must hold data objects, but {inner}")]
    BadTemplate { inner: Box<QrisError> },
    #[error("the value is {len} characters; a data object holds at most 99")]
    TooLong { len: usize },
    #[error("appears twice at one level (first at character {first})")]
    Duplicate { first: usize },
    #[error("the payload format indicator must be the first object")]
    NotFirst,
    #[error("the CRC must be the last object")]
    NotLast,
    #[error("CRC value {found:?} is not four hexadecimal digits")]
    CrcNotHex { found: String },
    #[error("CRC mismatch: the payload says {found}, its content gives {computed}")]
    CrcMismatch { found: String, computed: String },
    #[error("mandatory object is missing")]
    Missing,
    #[error("no merchant account information (ids 02 to 51)")]
    NoAccount,
    #[error("value {value:?} is invalid: {why}")]
    Invalid { value: String, why: &'static str },
}

/// What deviates, in a [`QrisWarning`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WarningKind {
    #[error("{len} characters, more than the {max} the specification allows")]
    Long { len: usize, max: usize },
    #[error("value {value:?}: {why}")]
    Unusual { value: String, why: &'static str },
}

/// Whether the code is for one sale (dynamic, with an amount) or for many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiation {
    /// `01` = `11`: printed once, the payer types the amount.
    Static,
    /// `01` = `12`: made for one sale.
    Dynamic,
}

/// Tag 55 and its fee: what the payer adds to the amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tip {
    /// `55` = `01`: the wallet asks the payer for a tip.
    Prompt,
    /// `55` = `02`: a fixed fee in 56, as written and in whole rupiah when
    /// it has no fraction.
    Fixed { value: String, rupiah: Option<Rupiah> },
    /// `55` = `03`: a percentage of the amount in 57.
    Percent(Percent),
}

/// One merchant account (ids 02 to 51): a primitive id (02-25, card
/// networks) or a template (26-51).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: u8,
    pub info: AccountInfo,
}

/// The content of a merchant account object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountInfo {
    /// Ids 02-25: the value as written.
    Primitive(String),
    /// Ids 26-51: the sub-objects as (id, value), in order.
    Template(Vec<(u8, String)>),
}

impl Account {
    /// Sub-object `id` of a template account.
    pub fn sub(&self, id: u8) -> Option<&str> {
        match &self.info {
            AccountInfo::Template(subs) => {
                subs.iter().find(|(i, _)| *i == id).map(|(_, v)| v.as_str())
            }
            AccountInfo::Primitive(_) => None,
        }
    }

    /// Sub 00: the reverse-domain name (globally unique identifier) of the
    /// acquirer or scheme.
    pub fn domain(&self) -> Option<&str> {
        self.sub(0)
    }
}

/// The merchant criteria of QRIS (template 51, sub 03): the business size.
pub const CRITERIA: [&str; 5] = ["UMI", "UKE", "UME", "UBE", "URE"];

/// The globally unique identifier of the QRIS national template 51.
pub const QRIS_DOMAIN: &str = "ID.CO.QRIS.WWW";

/// A merchant-presented payload and the values a payer needs.
///
/// Built by [`inspect`] even from a payload with errors (missing values are
/// empty), and returned by [`parse`] only from a payload without errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub initiation: Initiation,
    /// Tag 59.
    pub merchant_name: String,
    /// Tag 60.
    pub merchant_city: String,
    /// Tag 58, ISO 3166 alpha-2.
    pub country: String,
    /// Tag 61.
    pub postal_code: Option<String>,
    /// Tag 52, the ISO 18245 merchant category code.
    pub mcc: String,
    /// Tag 53, ISO 4217 numeric (`360` is the rupiah).
    pub currency: String,
    /// Tag 54 as written; `None` on a static code.
    pub amount: Option<String>,
    /// Tag 54 in whole rupiah, when it has no fraction other than zeros.
    pub amount_rupiah: Option<Rupiah>,
    /// Tags 55 to 57.
    pub tip: Option<Tip>,
    /// The National Merchant ID (NMID) from the QRIS template 51, sub 02.
    pub nmid: Option<String>,
    /// The merchant criteria from the QRIS template 51, sub 03.
    pub criteria: Option<String>,
    /// Every merchant account (ids 02 to 51), in payload order.
    pub accounts: Vec<Account>,
    /// Tag 62, sub 01.
    pub bill_number: Option<String>,
    /// Tag 62, sub 07.
    pub terminal_label: Option<String>,
    /// Every top-level data object in payload order, templates nested.
    pub objects: Vec<DataObject>,
}

impl Payload {
    /// The value of the first top-level object with `id`.
    pub fn field(&self, id: u8) -> Option<&str> {
        self.object(id).map(|o| o.value.as_str())
    }

    /// The first top-level object with `id`.
    pub fn object(&self, id: u8) -> Option<&DataObject> {
        self.objects.iter().find(|o| o.id == id)
    }
}

/// Reads and checks a merchant-presented payload, failing on its first
/// error; [`inspect`] gives every error and the warnings.
pub fn parse(text: &str) -> Result<Payload, QrisError> {
    let mut report = inspect(text);
    if report.errors.is_empty() { Ok(report.payload) } else { Err(report.errors.swap_remove(0)) }
}

/// Whether a scanned text is a customer-presented payload (base64 of
/// BER-TLV starting with the `CPV01` indicator) rather than a
/// merchant-presented one.
pub fn is_cpm(text: &str) -> bool {
    cpm::looks_like_cpm(text)
}

#[cfg(test)]
mod tests;
