//! Writing merchant-presented payloads: from typed fields, and a dynamic code
//! from a static one.

use super::amount::Fee;
use super::tlv::{self, DataObject};
use super::{
    Account, AccountInfo, ErrorKind, Initiation, QRIS_DOMAIN, QrisError, crc_hex, inspect, parse,
};
use crate::domain::money::Rupiah;

/// The most characters of a sub-object of 62 with id 01 to 09 (bill number,
/// terminal label and the like).
const ADDITIONAL_MAX_LEN: usize = 25;

/// A merchant-presented code as typed fields, for writing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub initiation: Initiation,
    /// Ids 02 to 51; written in ascending id order.
    pub accounts: Vec<Account>,
    /// Tag 52, four digits.
    pub mcc: String,
    /// Tag 53, `360` for rupiah.
    pub currency: String,
    /// Tag 58.
    pub country: String,
    /// Tag 59, at most 25 characters.
    pub name: String,
    /// Tag 60, at most 15 characters.
    pub city: String,
    /// Tag 61, required when the country is `ID`.
    pub postal_code: Option<String>,
    /// Tag 54; only on a dynamic code.
    pub amount: Option<Rupiah>,
    /// Tags 55 to 57.
    pub fee: Option<Fee>,
    /// The sub-objects of 62 as (id, value): 01 the bill number, 07 the
    /// terminal label, and so on; written in ascending id order.
    pub additional: Vec<(u8, String)>,
}

/// What one sale adds to a merchant's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sale {
    /// Tag 54, above zero.
    pub amount: Rupiah,
    pub fee: Option<Fee>,
    /// The bill number, in 62 sub 01; at most 25 characters.
    pub bill: Option<String>,
}

impl Code {
    /// Writes the payload: ids in ascending order, the CRC last, uppercase
    /// and zero-padded.
    ///
    /// # Errors
    ///
    /// A value longer than 99 characters, a bill number or terminal label
    /// longer than 25, an amount or fee of zero or less, and anything
    /// [`inspect`] would call an error in the result.
    pub fn render(&self) -> Result<String, QrisError> {
        let mut objects = vec![DataObject::primitive(0, "01")];
        let initiation = match self.initiation {
            Initiation::Static => "11",
            Initiation::Dynamic => "12",
        };
        objects.push(DataObject::primitive(1, initiation));
        let mut accounts: Vec<&Account> = self.accounts.iter().collect();
        accounts.sort_by_key(|a| a.id);
        for a in accounts {
            objects.push(match &a.info {
                AccountInfo::Primitive(v) => DataObject::primitive(a.id, v.as_str()),
                AccountInfo::Template(subs) => template(a.id, subs)?,
            });
        }
        objects.push(DataObject::primitive(52, self.mcc.as_str()));
        objects.push(DataObject::primitive(53, self.currency.as_str()));
        if let Some(amount) = self.amount {
            objects.extend(sale_objects(amount, self.fee)?);
        } else if self.fee.is_some() {
            return Err(invalid("55", "", "a fee needs an amount"));
        }
        objects.push(DataObject::primitive(58, self.country.as_str()));
        objects.push(DataObject::primitive(59, self.name.as_str()));
        objects.push(DataObject::primitive(60, self.city.as_str()));
        if let Some(postal) = &self.postal_code {
            objects.push(DataObject::primitive(61, postal.as_str()));
        }
        if !self.additional.is_empty() {
            let mut subs = self.additional.clone();
            subs.sort_by_key(|(id, _)| *id);
            check_additional(&subs)?;
            objects.push(template(62, &subs)?);
        }
        finish(&objects)
    }
}

/// The merchant facts the central writes its codes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// Reverse-domain id of the acquirer's merchant template (26, sub 00).
    pub acquirer_domain: String,
    /// Merchant PAN in the acquirer's template (26, sub 01).
    pub merchant_pan: String,
    /// The acquirer's merchant id (26, sub 02).
    pub merchant_id: String,
    /// National Merchant ID, in the QRIS template 51.
    pub nmid: String,
    /// `UMI`, `UKE`, `UME`, `UBE` or `URE`: the merchant's business size.
    pub criteria: String,
    /// ISO 18245 merchant category code.
    pub mcc: String,
    pub name: String,
    pub city: String,
    pub postal_code: String,
}

impl Merchant {
    /// The merchant's code: static without a sale, dynamic with one.
    pub fn code(&self, sale: Option<&Sale>) -> Code {
        let acquirer = vec![
            (0, self.acquirer_domain.clone()),
            (1, self.merchant_pan.clone()),
            (2, self.merchant_id.clone()),
            (3, self.criteria.clone()),
        ];
        let national =
            vec![(0, QRIS_DOMAIN.to_owned()), (2, self.nmid.clone()), (3, self.criteria.clone())];
        let mut additional = vec![(7, "A01".to_owned())];
        if let Some(bill) = sale.and_then(|s| s.bill.clone()) {
            additional.insert(0, (1, bill));
        }
        Code {
            initiation: if sale.is_some() { Initiation::Dynamic } else { Initiation::Static },
            accounts: vec![
                Account { id: 26, info: AccountInfo::Template(acquirer) },
                Account { id: 51, info: AccountInfo::Template(national) },
            ],
            mcc: self.mcc.clone(),
            currency: "360".into(),
            country: "ID".into(),
            name: self.name.clone(),
            city: self.city.clone(),
            postal_code: Some(self.postal_code.clone()),
            amount: sale.map(|s| s.amount),
            fee: sale.and_then(|s| s.fee),
            additional,
        }
    }
}

/// Writes the static QRIS payload of a merchant (01 = `11`, no amount).
pub fn static_payload(m: &Merchant) -> Result<String, QrisError> {
    m.code(None).render()
}

/// Writes the dynamic QRIS payload of one sale: `amount` in tag 54 and
/// `reference` (the payment id) as the bill number in tag 62, sub 01.
pub fn dynamic_payload(m: &Merchant, amount: Rupiah, reference: &str) -> Result<String, QrisError> {
    let sale = Sale { amount, fee: None, bill: Some(reference.to_owned()) };
    m.code(Some(&sale)).render()
}

/// Turns a payload (usually a static code) into the dynamic code of one
/// sale, rebuilt from its parsed objects.
///
/// 01 becomes `12`, any old 54 to 57 go, the amount and fee of `sale` come
/// in before the first object with a higher id, the bill number replaces or
/// joins 62 sub 01, and the CRC is computed afresh. Every other object keeps
/// its value and place.
///
/// # Errors
///
/// Any error of the payload (see [`inspect`]), a payload not in rupiah, and
/// a sale [`Code::render`] would refuse.
pub fn to_dynamic(text: &str, sale: &Sale) -> Result<String, QrisError> {
    let payload = parse(text)?;
    if payload.currency != "360" {
        let at = payload.object(53).map_or(0, |o| o.offset);
        return Err(QrisError {
            offset: at,
            ..invalid("53", &payload.currency, "the amount is in rupiah, the code is not")
        });
    }
    let mut objects: Vec<DataObject> = Vec::with_capacity(payload.objects.len() + 4);
    for o in payload.objects {
        match o.id {
            1 => objects.push(DataObject::primitive(1, "12")),
            54..=57 | 63 => {}
            62 if sale.bill.is_some() => {
                let bill = sale.bill.clone().unwrap_or_default();
                objects.push(with_bill(&o, bill)?);
            }
            _ => objects.push(o),
        }
    }
    if !objects.iter().any(|o| o.id == 1) {
        objects.insert(1, DataObject::primitive(1, "12"));
    }
    let at = objects.iter().position(|o| o.id > 54).unwrap_or(objects.len());
    let added = sale_objects(sale.amount, sale.fee)?;
    objects.splice(at..at, added);
    if let Some(bill) = &sale.bill
        && !objects.iter().any(|o| o.id == 62)
    {
        let subs = vec![(1, bill.clone())];
        check_additional(&subs)?;
        let at = objects.iter().position(|o| o.id > 62).unwrap_or(objects.len());
        objects.insert(at, template(62, &subs)?);
    }
    finish(&objects)
}

/// Template 62 with sub 01 set to `bill`, every other sub kept in place.
fn with_bill(o: &DataObject, bill: String) -> Result<DataObject, QrisError> {
    let mut subs: Vec<(u8, String)> =
        o.children.iter().flatten().map(|s| (s.id, s.value.clone())).collect();
    match subs.iter_mut().find(|(id, _)| *id == 1) {
        Some(sub) => sub.1 = bill,
        None => {
            let at = subs.iter().position(|(id, _)| *id > 1).unwrap_or(subs.len());
            subs.insert(at, (1, bill));
        }
    }
    check_additional(&subs)?;
    template(62, &subs)
}

/// Tags 54 to 57 of a sale.
fn sale_objects(amount: Rupiah, fee: Option<Fee>) -> Result<Vec<DataObject>, QrisError> {
    if amount.0 <= 0 {
        return Err(invalid("54", &amount.0.to_string(), "a sale needs an amount above zero"));
    }
    let mut objects = vec![DataObject::primitive(54, amount.0.to_string())];
    match fee {
        None => {}
        Some(Fee::Fixed(f)) if f.0 <= 0 => {
            return Err(invalid("56", &f.0.to_string(), "a fixed fee is above zero"));
        }
        Some(Fee::Fixed(f)) => {
            objects.push(DataObject::primitive(55, "02"));
            objects.push(DataObject::primitive(56, f.0.to_string()));
        }
        Some(Fee::Percent(p)) => {
            objects.push(DataObject::primitive(55, "03"));
            objects.push(DataObject::primitive(57, p.to_string()));
        }
    }
    Ok(objects)
}

/// Subs 01 to 09 of 62 hold at most 25 characters and something.
fn check_additional(subs: &[(u8, String)]) -> Result<(), QrisError> {
    for (id, value) in subs.iter().filter(|(id, _)| (1..=9).contains(id)) {
        let len = value.chars().count();
        if len == 0 || len > ADDITIONAL_MAX_LEN {
            let why = "a bill number or label is 1 to 25 characters";
            return Err(invalid(&format!("62.{id:02}"), value, why));
        }
    }
    Ok(())
}

/// A template from (id, value) subs, an over-long sub named by its path.
fn template(id: u8, subs: &[(u8, String)]) -> Result<DataObject, QrisError> {
    let children = subs.iter().map(|(i, v)| DataObject::primitive(*i, v.as_str())).collect();
    DataObject::template(id, children).map_err(|e| QrisError {
        id: format!("{id:02}.{}", e.id),
        offset: 0,
        ..e
    })
}

/// Writes the objects, then 63 with the CRC over everything before its
/// value; refuses a result that [`inspect`] finds an error in, so that no
/// unpayable code ever leaves this module.
fn finish(objects: &[DataObject]) -> Result<String, QrisError> {
    let mut out = String::new();
    for o in objects {
        tlv::write(&mut out, o.id, &o.value)?;
    }
    out.push_str("6304");
    let crc = crc_hex(out.as_bytes());
    out.push_str(&crc);
    match inspect(&out).errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn invalid(id: &str, value: &str, why: &'static str) -> QrisError {
    QrisError {
        id: id.to_owned(),
        offset: 0,
        kind: ErrorKind::Invalid { value: value.to_owned(), why },
    }
}
