//! GTIN (EAN-13, EAN-8, UPC-A, UPC-E) check digits and normalisation.

/// Computes the GS1 mod-10 check digit of `body`, the digits before the check
/// digit, or `None` if `body` holds anything but ASCII digits.
///
/// Weights alternate 3, 1, 3, ... from the rightmost digit of the body.
pub fn check_digit(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in body.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 { 3 * d } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Returns true if and only if `code` is 8, 12, 13 or 14 digits and its last
/// digit is the right check digit.
pub fn is_valid(code: &str) -> bool {
    if !matches!(code.len(), 8 | 12 | 13 | 14) {
        return false;
    }
    let (body, check) = code.split_at(code.len() - 1);
    match (check_digit(body), check.as_bytes()[0]) {
        (Some(want), got) => got == b'0' + want,
        (None, _) => false,
    }
}

/// Expands an 8-digit UPC-E (number system, six digits, check) to the 12
/// digits of the UPC-A it stands for, or `None` if it is not 8 digits.
pub fn upce_to_upca(upce: &str) -> Option<String> {
    if upce.len() != 8 || !upce.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (ns, d, check) = (&upce[0..1], &upce[1..7], &upce[7..8]);
    let body = match d.as_bytes()[5] {
        b'0'..=b'2' => format!("{}{}0000{}", &d[0..2], &d[5..6], &d[2..5]),
        b'3' => format!("{}00000{}", &d[0..3], &d[3..5]),
        b'4' => format!("{}00000{}", &d[0..4], &d[4..5]),
        _ => format!("{}0000{}", &d[0..5], &d[5..6]),
    };
    Some(format!("{ns}{body}{check}"))
}

/// The 13-digit form under which the catalog keys a product read as UPC-A
/// (12 digits) or UPC-E (8 digits); EAN-13 and EAN-8 stay as they are.
pub fn to_gtin13_upc(upc: &str) -> Option<String> {
    match upc.len() {
        12 => Some(format!("0{upc}")),
        8 => upce_to_upca(upc).map(|a| format!("0{a}")),
        _ => None,
    }
}

/// The catalog key of a code typed on a keypad or by a USB scanner: a
/// 12-digit UPC-A is keyed as its 13-digit GTIN, like a decoded one, and a
/// GTIN-14 of a single item (indicator 0) as the 13 digits after the 0.
pub fn typed_key(code: &str) -> String {
    match code.len() {
        12 => to_gtin13_upc(code).unwrap_or_else(|| code.to_owned()),
        14 if code.starts_with('0') => code[1..].to_owned(),
        _ => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_are_keyed_as_the_catalog_keys_them() {
        assert_eq!(typed_key("036000291452"), "0036000291452");
        assert_eq!(typed_key("08480010092271"), "8480010092271");
        // Indicator 1 is a case of items: another product than the item.
        assert_eq!(typed_key("18480010092278"), "18480010092278");
        assert_eq!(typed_key("8480010092271"), "8480010092271");
        assert_eq!(typed_key("4011"), "4011");
    }

    #[test]
    fn check_digits_match_gs1_examples() {
        // GS1's own worked example: 629104150021 -> 3.
        assert_eq!(check_digit("629104150021"), Some(3));
        // EAN-8 from the GS1 calculator: 9638507 -> 4.
        assert_eq!(check_digit("9638507"), Some(4));
        assert_eq!(check_digit("12a"), None);
    }

    #[test]
    fn validates_whole_codes() {
        assert!(is_valid("6291041500213"));
        assert!(!is_valid("6291041500214"));
        assert!(is_valid("96385074"));
        // UPC-A 036000291452 (a well-known tissue box code).
        assert!(is_valid("036000291452"));
        assert!(!is_valid("12345"));
        assert!(!is_valid("629104150021x"));
    }

    #[test]
    fn expands_upce_like_the_gs1_table() {
        // 0 654321 ... last digit 1: 65 1 0000 432.
        assert_eq!(upce_to_upca("06543217").as_deref(), Some("065100004327"));
        // Last digit 3: 123 00000 45.
        assert_eq!(upce_to_upca("01234531").as_deref(), Some("012300000451"));
        // Last digit 4: 1234 00000 5.
        assert_eq!(upce_to_upca("01234543").as_deref(), Some("012340000053"));
        // Last digit 5..9: 12345 0000 6.
        assert_eq!(upce_to_upca("01234565").as_deref(), Some("012345000065"));
        assert_eq!(to_gtin13_upc("036000291452").as_deref(), Some("0036000291452"));
    }
}
