//! `swalayan qris`: reading a QRIS payload as JSON, and making a static code
//! dynamic.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};

use crate::domain::Rupiah;
use crate::domain::qris::{
    self, AccountInfo, DataObject, Fee, Initiation, Percent, Sale, Tip,
    cpm::{self, BerObject},
};

/// `swalayan qris parse`: prints what the payload says and everything wrong
/// with it as JSON; exits 0 when it can be paid, 1 when it cannot.
pub fn parse(payload: &str) -> anyhow::Result<ExitCode> {
    let text = read_payload(payload)?;
    let (json, payable) = describe(&text);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &json)?;
    writeln!(out)?;
    Ok(if payable { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The options of `swalayan qris dynamic`.
pub struct DynamicOptions {
    pub payload: String,
    pub amount: i64,
    pub fee_fixed: Option<i64>,
    pub fee_percent: Option<Percent>,
    pub bill: Option<String>,
}

/// `swalayan qris dynamic`: prints the dynamic code of one sale made from
/// the payload.
pub fn dynamic(o: DynamicOptions) -> anyhow::Result<ExitCode> {
    let text = read_payload(&o.payload)?;
    if qris::is_cpm(&text) {
        anyhow::bail!(
            "this is a customer-presented code; only a merchant's code can be made dynamic"
        );
    }
    let fee = match (o.fee_fixed, o.fee_percent) {
        (Some(f), _) => Some(Fee::Fixed(Rupiah(f))),
        (None, Some(p)) => Some(Fee::Percent(p)),
        (None, None) => None,
    };
    let sale = Sale { amount: Rupiah(o.amount), fee, bill: o.bill };
    let out = qris::to_dynamic(&text, &sale).context("cannot make the code dynamic")?;
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// The payload from the argument, or from standard input for `-` (without
/// the line break a shell or scanner adds).
fn read_payload(arg: &str) -> anyhow::Result<String> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read the payload from stdin")?;
    let end = text.trim_end_matches(['\n', '\r']).len();
    text.truncate(end);
    Ok(text)
}

/// The JSON description of a payload of either mode, and whether it can be
/// paid.
pub fn describe(text: &str) -> (Value, bool) {
    if qris::is_cpm(text) { describe_cpm(text) } else { describe_mpm(text) }
}

fn describe_mpm(text: &str) -> (Value, bool) {
    let report = qris::inspect(text);
    let p = &report.payload;
    let accounts: Vec<Value> = p
        .accounts
        .iter()
        .map(|a| match &a.info {
            AccountInfo::Primitive(v) => json!({ "id": format!("{:02}", a.id), "value": v }),
            AccountInfo::Template(_) => json!({
                "id": format!("{:02}", a.id),
                "domain": a.domain(),
                "pan": a.sub(1),
                "merchant_id": a.sub(2),
                "criteria": a.sub(3),
            }),
        })
        .collect();
    let fee = p.tip.as_ref().map(|t| match t {
        Tip::Prompt => json!({ "type": "prompt" }),
        Tip::Fixed { value, rupiah } => {
            json!({ "type": "fixed", "value": value, "rupiah": rupiah.map(|r| r.0) })
        }
        Tip::Percent(x) => json!({ "type": "percent", "value": x.to_string() }),
    });
    let errors: Vec<Value> =
        report.errors.iter().map(|e| problem(&e.id, e.offset, &e.kind)).collect();
    let warnings: Vec<Value> =
        report.warnings.iter().map(|w| problem(&w.id, w.offset, &w.kind)).collect();
    let json = json!({
        "mode": "mpm",
        "payable": report.is_payable(),
        "initiation": match p.initiation {
            Initiation::Static => "static",
            Initiation::Dynamic => "dynamic",
        },
        "merchant": {
            "name": p.merchant_name,
            "city": p.merchant_city,
            "country": p.country,
            "postal_code": p.postal_code,
            "category": p.mcc,
            "nmid": p.nmid,
            "criteria": p.criteria,
            "accounts": accounts,
        },
        "currency": p.currency,
        "amount": p.amount,
        "amount_rupiah": p.amount_rupiah.map(|r| r.0),
        "fee": fee,
        "bill_number": p.bill_number,
        "terminal_label": p.terminal_label,
        "objects": p.objects.iter().map(mpm_object).collect::<Vec<_>>(),
        "errors": errors,
        "warnings": warnings,
    });
    (json, report.is_payable())
}

/// A data object: a template's value is the list of its objects.
fn mpm_object(o: &DataObject) -> Value {
    let value = match &o.children {
        Some(children) => Value::Array(children.iter().map(mpm_object).collect()),
        None => Value::String(o.value.clone()),
    };
    json!({ "id": format!("{:02}", o.id), "offset": o.offset, "value": value })
}

fn problem(id: &str, offset: usize, message: &dyn std::fmt::Display) -> Value {
    json!({ "id": id, "offset": offset, "message": message.to_string() })
}

fn describe_cpm(text: &str) -> (Value, bool) {
    let report = cpm::inspect(text);
    let p = &report.payload;
    let applications: Vec<Value> = p
        .applications
        .iter()
        .map(|a| {
            json!({
                "id": cpm::tag_hex(a.tag),
                "offset": a.offset,
                "aid": a.aid,
                "qris": a.is_qris(),
                "label": a.label,
                "account": a.account,
                "track2": a.track2,
                "cardholder": a.cardholder,
                "languages": a.languages,
                "issuer_data": a.issuer_data,
            })
        })
        .collect();
    let errors: Vec<Value> =
        report.errors.iter().map(|e| problem(&e.tag, e.offset, &e.kind)).collect();
    let warnings: Vec<Value> =
        report.warnings.iter().map(|w| problem(&w.tag, w.offset, &w.why)).collect();
    let json = json!({
        "mode": "cpm",
        "payable": report.is_payable(),
        "format": p.format,
        "applications": applications,
        "objects": p.objects.iter().map(cpm_object).collect::<Vec<_>>(),
        "errors": errors,
        "warnings": warnings,
    });
    (json, report.is_payable())
}

/// A BER-TLV object: primitive values in hex, constructed ones as lists.
fn cpm_object(o: &BerObject) -> Value {
    let value = match &o.children {
        Some(children) => Value::Array(children.iter().map(cpm_object).collect()),
        None => Value::String(cpm::hex(&o.value)),
    };
    json!({ "id": o.tag_hex(), "offset": o.offset, "value": value })
}
