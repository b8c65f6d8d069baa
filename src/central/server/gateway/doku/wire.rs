//! DOKU's JSON: amounts, response codes and the fields the adapter reads.

use serde::Serialize;
use serde_json::Value;

use crate::domain::Rupiah;

/// SNAP service codes, the middle two digits of a responseCode (token 73,
/// query 51, cancel 77, refund 78 are only read, never written).
pub mod service {
    /// Generate QR (MPM).
    pub const GENERATE: &str = "47";
    /// QR (MPM) payment notification.
    pub const NOTIFY: &str = "52";
}

/// A SNAP amount: `{"value":"17000.00","currency":"IDR"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Amount {
    pub value: String,
    pub currency: &'static str,
}

impl Amount {
    /// Writes whole rupiah with the two decimals SNAP wants, by integer
    /// formatting only; `None` for an amount that is not above zero.
    pub fn idr(r: Rupiah) -> Option<Amount> {
        (r.0 > 0).then(|| Amount { value: format!("{}.00", r.0), currency: "IDR" })
    }
}

/// Why an amount in DOKU's answer cannot be taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount is missing")]
    Missing,
    #[error("amount currency {0:?} is not IDR")]
    Currency(String),
    #[error("amount value {0:?} is not a decimal number")]
    Format(String),
    #[error("amount value {0:?} has a fraction of a rupiah")]
    Fraction(String),
    #[error("amount value {0:?} is too large")]
    Overflow(String),
}

/// Reads a SNAP amount value (`"17000.00"`, `"17000"`) as whole rupiah,
/// refusing any fraction: rupiah have no minor unit to round to.
pub fn parse_value(value: &str) -> Result<Rupiah, AmountError> {
    let format = || AmountError::Format(value.to_owned());
    let (whole, frac) = match value.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return Err(format()),
        None => (value, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format());
    }
    if frac.bytes().any(|b| b != b'0') {
        return Err(AmountError::Fraction(value.to_owned()));
    }
    whole.parse::<i64>().map(Rupiah).map_err(|_| AmountError::Overflow(value.to_owned()))
}

/// Reads an amount object of an answer, checking its currency.
pub fn parse_amount(v: Option<&Value>) -> Result<Rupiah, AmountError> {
    let v = v.filter(|v| !v.is_null()).ok_or(AmountError::Missing)?;
    if let Some(currency) = v.get("currency").and_then(Value::as_str)
        && currency != "IDR"
    {
        return Err(AmountError::Currency(currency.to_owned()));
    }
    let value = v.get("value").and_then(Value::as_str).ok_or(AmountError::Missing)?;
    parse_value(value)
}

/// A text field of an answer. DOKU writes some codes as JSON numbers (its
/// own examples show `"responseCode": 2005300`), so numbers read as text.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The responseCode and responseMessage of an answer, or placeholders.
pub fn code_and_message(v: &Value) -> (String, String) {
    let code = text(v, "responseCode").unwrap_or_else(|| "-".to_owned());
    let message = text(v, "responseMessage").unwrap_or_default();
    (code, message)
}

/// True if and only if a responseCode says the request succeeded: SNAP's
/// codes are the HTTP status, the service code and a case code, so
/// `2004700` is "200, generate QR, success" and `202xxxx` "accepted".
pub fn is_success(code: &str) -> bool {
    code.len() == 7 && (code.starts_with("200") || code.starts_with("202"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_rupiah_get_two_zero_decimals() {
        assert_eq!(Amount::idr(Rupiah(17_000)).unwrap().value, "17000.00");
        assert_eq!(Amount::idr(Rupiah(1)).unwrap().value, "1.00");
        // 2^53 + 1 would lose its last digit through an f64.
        assert_eq!(
            Amount::idr(Rupiah(9_007_199_254_740_993)).unwrap().value,
            "9007199254740993.00"
        );
        assert!(Amount::idr(Rupiah(0)).is_none());
        assert!(Amount::idr(Rupiah(-5)).is_none());
    }

    #[test]
    fn values_parse_exactly_and_fractions_are_refused() {
        assert_eq!(parse_value("17000.00"), Ok(Rupiah(17_000)));
        assert_eq!(parse_value("17000"), Ok(Rupiah(17_000)));
        assert_eq!(parse_value("17000.0"), Ok(Rupiah(17_000)));
        assert_eq!(parse_value("9007199254740993.00"), Ok(Rupiah(9_007_199_254_740_993)));
        assert_eq!(parse_value("17000.50"), Err(AmountError::Fraction("17000.50".into())));
        assert_eq!(parse_value("0.01"), Err(AmountError::Fraction("0.01".into())));
        for bad in ["", ".00", "17000.", "-1.00", "+1.00", "1e3", "17,000.00", " 1.00", "1.0x"] {
            assert_eq!(parse_value(bad), Err(AmountError::Format(bad.into())), "{bad:?}");
        }
        assert!(matches!(parse_value("99999999999999999999.00"), Err(AmountError::Overflow(_))));
    }

    #[test]
    fn amount_objects_check_the_currency() {
        let ok = json!({"value": "2000.00", "currency": "IDR"});
        assert_eq!(parse_amount(Some(&ok)), Ok(Rupiah(2000)));
        let usd = json!({"value": "2000.00", "currency": "USD"});
        assert_eq!(parse_amount(Some(&usd)), Err(AmountError::Currency("USD".into())));
        assert_eq!(parse_amount(None), Err(AmountError::Missing));
    }

    #[test]
    fn response_codes_read_as_text_from_strings_or_numbers() {
        let v = json!({"responseCode": 2005300, "responseMessage": "Successful"});
        assert_eq!(code_and_message(&v), ("2005300".into(), "Successful".into()));
        assert!(is_success("2004700"));
        assert!(is_success("2027800"));
        assert!(!is_success("4017300"));
        assert!(!is_success("200"));
    }
}
