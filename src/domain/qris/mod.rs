//! QRIS, Bank Indonesia's profile of the EMVCo merchant-presented QR code:
//! reading a payload, checking it, and writing the dynamic code of a sale.

mod crc;
mod customer_code;
mod tlv;

pub use crc::{crc_hex, crc16};
pub use customer_code::{CUSTOMER_CODE_PREFIX, looks_like_customer_code};

use crate::domain::money::Rupiah;

/// What is wrong with a payload, and where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QrisError {
    #[error("payload ends inside the data object at byte {offset}")]
    Truncated { offset: usize },
    #[error("data object id {id:?} at byte {offset} is not two digits")]
    BadId { offset: usize, id: String },
    #[error("length of tag {id} at byte {offset} is not two digits")]
    BadLength { offset: usize, id: String },
    #[error("tag {id} at byte {offset} claims {len} bytes, past the end of the payload")]
    Overrun { offset: usize, id: String, len: u8 },
    #[error("a value at byte {offset} splits a UTF-8 character")]
    NotUtf8Boundary { offset: usize },
    #[error("tag {id} is {len} bytes; a data object holds at most 99")]
    TooLong { id: String, len: usize },
    #[error("tag 00 must come first and be \"01\"")]
    FormatIndicator,
    #[error("tag 63 (CRC) must come last, with 4 hex digits")]
    CrcPlacement,
    #[error("tag 63 value {found:?} is not hexadecimal")]
    CrcNotHex { found: String },
    #[error("CRC mismatch: payload says {found}, content gives {computed}")]
    CrcMismatch { found: String, computed: String },
    #[error("required tag {id} is missing")]
    Missing { id: &'static str },
    #[error("tag {id} appears twice (bytes {first} and {second})")]
    Duplicate { id: String, first: usize, second: usize },
    #[error("tag {id} value {value:?} is invalid: {why}")]
    Invalid { id: &'static str, value: String, why: &'static str },
}

/// Whether the code is for one sale (dynamic, with an amount) or for many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiation {
    Static,
    Dynamic,
}

/// A checked payload: its data objects and the values a payer needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub initiation: Initiation,
    pub merchant_name: String,
    pub merchant_city: String,
    /// Tag 54 as written; `None` on a static code.
    pub amount: Option<String>,
    /// Tag 54 in whole rupiah, when it has no fraction other than zeros.
    pub amount_rupiah: Option<Rupiah>,
    /// The National Merchant ID (NMID) from the QRIS template 51, subtag 02.
    pub nmid: Option<String>,
    /// Every top-level data object in payload order, as (id, value).
    pub fields: Vec<(u8, String)>,
}

impl Payload {
    pub fn field(&self, id: u8) -> Option<&str> {
        self.fields.iter().find(|(i, _)| *i == id).map(|(_, v)| v.as_str())
    }
}

/// Reads and checks a merchant-presented payload.
pub fn parse(text: &str) -> Result<Payload, QrisError> {
    let fields = tlv::parse(text, 0)?;

    // Position rules: 00 first, 63 last.
    match fields.first() {
        Some(f) if f.id == 0 && f.value == "01" => {}
        _ => return Err(QrisError::FormatIndicator),
    }
    let crc = match fields.last() {
        Some(f) if f.id == 63 && f.value.len() == 4 => f,
        _ => return Err(QrisError::CrcPlacement),
    };
    if !crc.value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(QrisError::CrcNotHex { found: crc.value.to_owned() });
    }
    let computed = crc_hex(&text.as_bytes()[..crc.offset + 4]);
    if !computed.eq_ignore_ascii_case(crc.value) {
        return Err(QrisError::CrcMismatch { found: crc.value.to_owned(), computed });
    }
    for (i, f) in fields.iter().enumerate() {
        if let Some(g) = fields[..i].iter().find(|g| g.id == f.id) {
            return Err(QrisError::Duplicate {
                id: format!("{:02}", f.id),
                first: g.offset,
                second: f.offset,
            });
        }
    }

    let get = |id: u8| fields.iter().find(|f| f.id == id).map(|f| f.value);
    let initiation = match get(1) {
        Some("11") => Initiation::Static,
        Some("12") => Initiation::Dynamic,
        Some(v) => {
            return Err(QrisError::Invalid { id: "01", value: v.into(), why: "not 11 or 12" });
        }
        None => return Err(QrisError::Missing { id: "01" }),
    };
    let country = get(58).ok_or(QrisError::Missing { id: "58" })?;
    let currency = get(53).ok_or(QrisError::Missing { id: "53" })?;
    if country == "ID" && currency != "360" {
        return Err(QrisError::Invalid {
            id: "53",
            value: currency.into(),
            why: "an Indonesian merchant is paid in rupiah (360)",
        });
    }
    let merchant_name = get(59).ok_or(QrisError::Missing { id: "59" })?;
    if merchant_name.chars().count() > 25 {
        return Err(QrisError::Invalid {
            id: "59",
            value: merchant_name.into(),
            why: "longer than 25 characters",
        });
    }
    let merchant_city = get(60).ok_or(QrisError::Missing { id: "60" })?;
    if merchant_city.chars().count() > 15 {
        return Err(QrisError::Invalid {
            id: "60",
            value: merchant_city.into(),
            why: "longer than 15 characters",
        });
    }
    let amount = get(54).map(str::to_owned);
    let amount_rupiah = match &amount {
        Some(a) => Some(check_amount(a)?),
        None => None,
    }
    .flatten();
    let nmid = match get(51) {
        Some(t) => tlv::parse(t, 0)?.into_iter().find(|f| f.id == 2).map(|f| f.value.to_owned()),
        None => None,
    };

    Ok(Payload {
        initiation,
        merchant_name: merchant_name.to_owned(),
        merchant_city: merchant_city.to_owned(),
        amount,
        amount_rupiah,
        nmid,
        fields: fields.iter().map(|f| (f.id, f.value.to_owned())).collect(),
    })
}

/// Checks tag 54 (digits, an optional `.` and decimals, never zero) and
/// returns it in whole rupiah when its fraction is all zeros.
fn check_amount(a: &str) -> Result<Option<Rupiah>, QrisError> {
    let bad = |why| QrisError::Invalid { id: "54", value: a.to_owned(), why };
    let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("not digits with an optional decimal point"));
    }
    if a.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad("not digits with an optional decimal point"));
    }
    if whole.bytes().all(|b| b == b'0') && frac.bytes().all(|b| b == b'0') {
        return Err(bad("zero"));
    }
    let rupiah = whole.parse::<i64>().map_err(|_| bad("too large"))?;
    Ok(frac.bytes().all(|b| b == b'0').then_some(Rupiah(rupiah)))
}

/// The merchant facts a dynamic code carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// Reverse-domain id of the acquirer's merchant template (26, subtag 00).
    pub acquirer_domain: String,
    /// Merchant PAN in the acquirer's template (26, subtag 01).
    pub merchant_pan: String,
    /// The acquirer's merchant id (26, subtag 02).
    pub merchant_id: String,
    /// National Merchant ID, in the QRIS template 51.
    pub nmid: String,
    /// `UMI`, `UKE`, `UME` or `UBE`: the merchant's business size.
    pub criteria: String,
    /// ISO 18245 merchant category code.
    pub mcc: String,
    pub name: String,
    pub city: String,
    pub postal_code: String,
}

/// Writes the dynamic QRIS payload of one sale: `amount` in tag 54 and
/// `reference` (the payment id) as the bill number in tag 62, subtag 01.
pub fn dynamic_payload(m: &Merchant, amount: Rupiah, reference: &str) -> Result<String, QrisError> {
    if amount.0 <= 0 {
        return Err(QrisError::Invalid {
            id: "54",
            value: amount.0.to_string(),
            why: "a payment needs an amount above zero",
        });
    }
    let mut acquirer = String::new();
    tlv::write(&mut acquirer, 0, &m.acquirer_domain)?;
    tlv::write(&mut acquirer, 1, &m.merchant_pan)?;
    tlv::write(&mut acquirer, 2, &m.merchant_id)?;
    tlv::write(&mut acquirer, 3, &m.criteria)?;
    let mut national = String::new();
    tlv::write(&mut national, 0, "ID.CO.QRIS.WWW")?;
    tlv::write(&mut national, 2, &m.nmid)?;
    tlv::write(&mut national, 3, &m.criteria)?;
    let mut extra = String::new();
    tlv::write(&mut extra, 1, reference)?;
    tlv::write(&mut extra, 7, "A01")?;

    let mut out = String::new();
    tlv::write(&mut out, 0, "01")?;
    tlv::write(&mut out, 1, "12")?;
    tlv::write(&mut out, 26, &acquirer)?;
    tlv::write(&mut out, 51, &national)?;
    tlv::write(&mut out, 52, &m.mcc)?;
    tlv::write(&mut out, 53, "360")?;
    tlv::write(&mut out, 54, &amount.0.to_string())?;
    tlv::write(&mut out, 58, "ID")?;
    tlv::write(&mut out, 59, &m.name)?;
    tlv::write(&mut out, 60, &m.city)?;
    tlv::write(&mut out, 61, &m.postal_code)?;
    tlv::write(&mut out, 62, &extra)?;
    out.push_str("6304");
    let crc = crc_hex(out.as_bytes());
    out.push_str(&crc);
    Ok(out)
}

#[cfg(test)]
mod tests;
