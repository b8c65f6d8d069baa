//! Checking a merchant-presented payload against every rule, collecting all
//! the problems rather than stopping at the first.

use super::amount::{self, Percent};
use super::tlv::{self, DataObject};
use super::{
    Account, AccountInfo, CRITERIA, ErrorKind, Initiation, Payload, QRIS_DOMAIN, QrisError,
    QrisWarning, Tip, WarningKind, crc_hex,
};
use crate::domain::money::Rupiah;

/// Everything learnt from a payload: its objects and facts, its errors (any
/// one makes it unpayable) and its warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// The facts, read as far as the payload allows.
    pub payload: Payload,
    /// In payload order, as far as possible.
    pub errors: Vec<QrisError>,
    pub warnings: Vec<QrisWarning>,
}

impl Inspection {
    /// Whether a wallet can pay this payload: no errors.
    pub fn is_payable(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks a merchant-presented payload: structure, CRC, mandatory objects
/// and value rules, collecting every error and warning.
pub fn inspect(text: &str) -> Inspection {
    let chars: Vec<char> = text.chars().collect();
    let mut c = Checker { errors: Vec::new(), warnings: Vec::new(), end: chars.len() };
    let mut nested = Vec::new();
    let split = tlv::split(&chars, 0, "", &mut nested);
    let objects = split.objects;
    let broken = split.error.is_some();
    c.errors.extend(nested);
    if chars.is_empty() {
        c.error("", 0, ErrorKind::Empty);
    }

    c.duplicates(&objects, "");
    for o in &objects {
        if let Some(children) = &o.children {
            c.duplicates(children, &format!("{:02}", o.id));
        }
    }
    c.positions(&objects, text, broken);
    if let Some(e) = split.error {
        c.errors.push(e);
    }
    if !broken && !chars.is_empty() {
        c.mandatory(&objects);
    }
    let payload = c.values(objects);
    c.errors.sort_by_key(|e| e.offset);
    c.warnings.sort_by_key(|w| w.offset);
    Inspection { payload, errors: c.errors, warnings: c.warnings }
}

struct Checker {
    errors: Vec<QrisError>,
    warnings: Vec<QrisWarning>,
    /// The payload length, the offset of a missing object.
    end: usize,
}

/// An object's id as errors name it: `"54"`, or `"51.02"` in a template.
fn path(parent: &str, id: u8) -> String {
    if parent.is_empty() { format!("{id:02}") } else { format!("{parent}.{id:02}") }
}

impl Checker {
    fn error(&mut self, id: &str, offset: usize, kind: ErrorKind) {
        self.errors.push(QrisError { id: id.to_owned(), offset, kind });
    }

    fn invalid(&mut self, id: &str, o: &DataObject, why: &'static str) {
        let kind = ErrorKind::Invalid { value: o.value.clone(), why };
        self.error(id, o.offset, kind);
    }

    fn warn(&mut self, id: &str, o: &DataObject, why: &'static str) {
        let kind = WarningKind::Unusual { value: o.value.clone(), why };
        self.warnings.push(QrisWarning { id: id.to_owned(), offset: o.offset, kind });
    }

    fn warn_long(&mut self, id: &str, o: &DataObject, max: usize) {
        let len = o.value.chars().count();
        if len > max {
            let kind = WarningKind::Long { len, max };
            self.warnings.push(QrisWarning { id: id.to_owned(), offset: o.offset, kind });
        }
    }

    /// No id twice at one level.
    fn duplicates(&mut self, objects: &[DataObject], parent: &str) {
        for (i, o) in objects.iter().enumerate() {
            if let Some(first) = objects[..i].iter().find(|p| p.id == o.id) {
                let kind = ErrorKind::Duplicate { first: first.offset };
                self.error(&path(parent, o.id), o.offset, kind);
            }
        }
    }

    /// 00 first, 63 last, and the CRC over the UTF-8 bytes before its value.
    fn positions(&mut self, objects: &[DataObject], text: &str, broken: bool) {
        for (i, o) in objects.iter().enumerate() {
            if o.id == 0 && i != 0 {
                self.error("00", o.offset, ErrorKind::NotFirst);
            }
            if o.id == 63 && (i + 1 != objects.len() || broken) {
                self.error("63", o.offset, ErrorKind::NotLast);
            }
        }
        if let Some(first) = objects.first()
            && first.id != 0
            && !objects.iter().any(|o| o.id == 0)
        {
            self.error("00", 0, ErrorKind::Missing);
        }
        let Some(crc) = objects.last().filter(|o| o.id == 63 && !broken) else { return };
        let hex = crc.value.len() == 4 && crc.value.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            self.error("63", crc.offset, ErrorKind::CrcNotHex { found: crc.value.clone() });
            return;
        }
        // Everything up to and including "6304", as UTF-8 bytes.
        let covered = text.char_indices().nth(crc.offset + 4).map_or(text.len(), |(b, _)| b);
        let computed = crc_hex(&text.as_bytes()[..covered]);
        if !computed.eq_ignore_ascii_case(&crc.value) {
            let kind = ErrorKind::CrcMismatch { found: crc.value.clone(), computed };
            self.error("63", crc.offset, kind);
        }
    }

    /// The objects every payload needs.
    fn mandatory(&mut self, objects: &[DataObject]) {
        let has = |id: u8| objects.iter().any(|o| o.id == id);
        for id in [52, 53, 58, 59, 60, 63] {
            if !has(id) {
                self.error(&format!("{id:02}"), self.end, ErrorKind::Missing);
            }
        }
        if !objects.iter().any(|o| (2..=51).contains(&o.id)) {
            self.error("", self.end, ErrorKind::NoAccount);
        }
        let indonesian = objects.iter().any(|o| o.id == 58 && o.value == "ID");
        if indonesian && !has(61) {
            self.error("61", self.end, ErrorKind::Missing);
        }
    }

    /// Checks each value and gathers the facts.
    fn values(&mut self, objects: Vec<DataObject>) -> Payload {
        let get = |id: u8| objects.iter().find(|o| o.id == id);
        let currency = get(53).map_or("", |o| o.value.as_str());
        let country = get(58).map_or("", |o| o.value.as_str());
        let rupiah = currency == "360";
        let mut p = Payload {
            initiation: Initiation::Static,
            merchant_name: get(59).map(|o| o.value.clone()).unwrap_or_default(),
            merchant_city: get(60).map(|o| o.value.clone()).unwrap_or_default(),
            country: country.to_owned(),
            postal_code: get(61).map(|o| o.value.clone()),
            mcc: get(52).map(|o| o.value.clone()).unwrap_or_default(),
            currency: currency.to_owned(),
            amount: get(54).map(|o| o.value.clone()),
            amount_rupiah: None,
            tip: None,
            nmid: None,
            criteria: None,
            accounts: Vec::new(),
            bill_number: None,
            terminal_label: None,
            objects: Vec::new(),
        };

        for o in &objects {
            let id = path("", o.id);
            let id = id.as_str();
            let v = o.value.as_str();
            if v.is_empty() {
                self.invalid(id, o, "a data object needs a value");
                continue;
            }
            if !matches!(o.id, 64 | 80..=99) && !v.is_ascii() {
                self.warn(id, o, "characters outside the EMVCo common character set");
            }
            match o.id {
                0 if v != "01" => self.invalid(id, o, "the payload format indicator is 01"),
                1 => match v {
                    "11" => p.initiation = Initiation::Static,
                    "12" => p.initiation = Initiation::Dynamic,
                    _ => self.invalid(id, o, "the point of initiation is 11 or 12"),
                },
                2..=25 => p
                    .accounts
                    .push(Account { id: o.id, info: AccountInfo::Primitive(o.value.clone()) }),
                26..=51 => {
                    if let Some(account) = self.account(o) {
                        if o.id == 51 && account.domain() == Some(QRIS_DOMAIN) {
                            p.nmid = account.sub(2).map(str::to_owned);
                            p.criteria = account.sub(3).map(str::to_owned);
                        }
                        p.accounts.push(account);
                    }
                }
                52 => self.category(o),
                53 => {
                    if v.len() != 3 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        self.invalid(id, o, "the currency is three digits (ISO 4217)");
                    } else if country == "ID" && !rupiah {
                        self.invalid(id, o, "an Indonesian merchant is paid in rupiah (360)");
                    }
                }
                54 => match amount::check(v, if rupiah { 2 } else { 3 }) {
                    Err(why) => self.invalid(id, o, why),
                    Ok(a) if a.is_zero => self.invalid(id, o, "the amount is zero"),
                    Ok(a) => {
                        p.amount_rupiah = a.whole.filter(|_| rupiah).map(Rupiah);
                        if rupiah && a.whole.is_none() {
                            self.warn(id, o, "a fraction of a rupiah");
                        }
                    }
                },
                55 => p.tip = self.tip(o, &objects, rupiah),
                56 | 57 if get(55).is_none() => {
                    self.invalid(id, o, "a convenience fee needs its indicator in 55")
                }
                58 if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_uppercase()) => {
                    self.invalid(id, o, "the country is two capital letters (ISO 3166)")
                }
                59 | 60 => {
                    self.warn_long(id, o, if o.id == 59 { 25 } else { 15 });
                    if v.trim() != v {
                        self.warn(id, o, "leading or trailing spaces");
                    }
                }
                61 => {
                    self.warn_long(id, o, 10);
                    let five_digits = v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit());
                    if country == "ID" && !five_digits {
                        self.warn(id, o, "an Indonesian postal code has five digits");
                    }
                }
                62 => {
                    if let Some(subs) = &o.children {
                        self.additional(subs);
                        let sub = |i: u8| subs.iter().find(|s| s.id == i);
                        p.bill_number = sub(1).map(|s| s.value.clone());
                        p.terminal_label = sub(7).map(|s| s.value.clone());
                    }
                }
                64 => self.language(o),
                65..=79 => self.warn(id, o, "an id reserved for future use"),
                _ => {}
            }
        }

        if p.initiation == Initiation::Dynamic && get(54).is_none() {
            let o = get(1).expect("01 was read");
            self.warn("01", o, "a dynamic code without an amount; the payer types it");
        }
        if get(1).is_none() && !objects.is_empty() {
            let kind = WarningKind::Unusual { value: String::new(), why: "no 01; read as static" };
            self.warnings.push(QrisWarning { id: "01".into(), offset: 0, kind });
        }
        p.objects = objects;
        p
    }

    /// A merchant account template (26-51): its sub 00 and, in the QRIS
    /// template 51, the NMID and merchant criteria.
    fn account(&mut self, o: &DataObject) -> Option<Account> {
        let subs = o.children.as_ref()?;
        let parent = format!("{:02}", o.id);
        self.subs_not_empty(&parent, subs);
        let account = Account {
            id: o.id,
            info: AccountInfo::Template(subs.iter().map(|s| (s.id, s.value.clone())).collect()),
        };
        let Some(domain) = o.child(0) else {
            self.error(
                &parent,
                o.offset,
                ErrorKind::Invalid {
                    value: o.value.clone(),
                    why: "a merchant account template needs its unique identifier in sub 00",
                },
            );
            return Some(account);
        };
        self.warn_long(&path(&parent, 0), domain, 32);
        if o.id != 51 || domain.value != QRIS_DOMAIN {
            return Some(account);
        }
        match o.child(2) {
            None => self.error("51.02", o.offset, ErrorKind::Missing),
            Some(nmid) => {
                let digits = nmid.value.strip_prefix("ID").unwrap_or("");
                if nmid.value.len() != 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    self.warn("51.02", nmid, "an NMID is ID and 13 digits");
                }
            }
        }
        match o.child(3) {
            None => self.error("51.03", o.offset, ErrorKind::Missing),
            Some(c) if !CRITERIA.contains(&c.value.as_str()) => {
                self.invalid("51.03", c, "the merchant criteria is UMI, UKE, UME, UBE or URE")
            }
            Some(_) => {}
        }
        Some(account)
    }

    fn subs_not_empty(&mut self, parent: &str, subs: &[DataObject]) {
        for s in subs.iter().filter(|s| s.value.is_empty()) {
            self.invalid(&path(parent, s.id), s, "a data object needs a value");
        }
    }

    /// Tag 52: four digits; three digits are printed by real issuers.
    fn category(&mut self, o: &DataObject) {
        let digits = o.value.bytes().all(|b| b.is_ascii_digit());
        match o.value.len() {
            4 if digits => {}
            3 if digits => self.warn("52", o, "a merchant category code has four digits"),
            _ => self.invalid("52", o, "the merchant category code is four digits"),
        }
    }

    /// Tag 55 and the fee in 56 or 57 it announces.
    fn tip(&mut self, o: &DataObject, objects: &[DataObject], rupiah: bool) -> Option<Tip> {
        let fee = |id: u8| objects.iter().find(|f| f.id == id);
        let (fixed, percent) = (fee(56), fee(57));
        let stray = |c: &mut Checker, f: Option<&DataObject>, why| {
            if let Some(f) = f {
                c.invalid(&path("", f.id), f, why);
            }
        };
        match o.value.as_str() {
            "01" => {
                stray(self, fixed, "a fixed fee needs 55 = 02");
                stray(self, percent, "a percentage fee needs 55 = 03");
                Some(Tip::Prompt)
            }
            "02" => {
                stray(self, percent, "a percentage fee needs 55 = 03");
                let Some(f) = fixed else {
                    self.error("56", o.offset, ErrorKind::Missing);
                    return None;
                };
                match amount::check(&f.value, if rupiah { 2 } else { 3 }) {
                    Err(why) => {
                        self.invalid("56", f, why);
                        None
                    }
                    Ok(a) => Some(Tip::Fixed {
                        value: f.value.clone(),
                        rupiah: a.whole.filter(|_| rupiah).map(Rupiah),
                    }),
                }
            }
            "03" => {
                stray(self, fixed, "a fixed fee needs 55 = 02");
                let Some(f) = percent else {
                    self.error("57", o.offset, ErrorKind::Missing);
                    return None;
                };
                match f.value.parse::<Percent>() {
                    Err(why) => {
                        self.invalid("57", f, why);
                        None
                    }
                    Ok(p) => Some(Tip::Percent(p)),
                }
            }
            _ => {
                self.invalid("55", o, "the tip indicator is 01, 02 or 03");
                None
            }
        }
    }

    /// Tag 62: the additional data, whose subs 01-09 hold at most 25.
    fn additional(&mut self, subs: &[DataObject]) {
        self.subs_not_empty("62", subs);
        for s in subs.iter().filter(|s| (1..=9).contains(&s.id)) {
            self.warn_long(&path("62", s.id), s, 25);
        }
    }

    /// Tag 64: the merchant's name in another language.
    fn language(&mut self, o: &DataObject) {
        let Some(subs) = &o.children else { return };
        self.subs_not_empty("64", subs);
        match o.child(0) {
            None => self.error("64.00", o.offset, ErrorKind::Missing),
            Some(l) if l.value.len() != 2 || !l.value.bytes().all(|b| b.is_ascii_lowercase()) => {
                self.invalid("64.00", l, "the language is two small letters (ISO 639)")
            }
            Some(_) => {}
        }
        match o.child(1) {
            None => self.error("64.01", o.offset, ErrorKind::Missing),
            Some(n) => self.warn_long("64.01", n, 25),
        }
    }
}
