//! Property tests: random typed codes are written, read back and converted.

use proptest::prelude::*;

use super::*;

fn criteria() -> impl Strategy<Value = String> {
    proptest::sample::select(CRITERIA.to_vec()).prop_map(str::to_owned)
}

fn fee() -> impl Strategy<Value = Option<Fee>> {
    prop_oneof![
        Just(None),
        (1i64..=100_000).prop_map(|f| Some(Fee::Fixed(Rupiah(f)))),
        (1u16..=9_999).prop_map(|h| Some(Fee::Percent(Percent::from_hundredths(h).unwrap()))),
    ]
}

prop_compose! {
    fn accounts()(
        domain in "[A-Z]{2,8}\\.[A-Z]{2,8}\\.WWW",
        pan in "[0-9]{16,19}",
        merchant_id in "[A-Z0-9]{1,15}",
        nmid in "ID[0-9]{13}",
        criteria in criteria(),
        card in proptest::option::of((2u8..=25, "[0-9]{8,19}")),
    ) -> Vec<Account> {
        let mut accounts = vec![
            Account {
                id: 51,
                info: AccountInfo::Template(vec![
                    (0, QRIS_DOMAIN.to_owned()),
                    (2, nmid),
                    (3, criteria.clone()),
                ]),
            },
            Account {
                id: 26,
                info: AccountInfo::Template(vec![
                    (0, domain),
                    (1, pan),
                    (2, merchant_id),
                    (3, criteria),
                ]),
            },
        ];
        if let Some((id, value)) = card {
            accounts.push(Account { id, info: AccountInfo::Primitive(value) });
        }
        accounts
    }
}

prop_compose! {
    fn code()(
        accounts in accounts(),
        mcc in "[0-9]{4}",
        name in "[A-Za-z0-9 .,&'é]{1,25}",
        city in "[A-Za-z .]{1,15}",
        postal in "[0-9]{5}",
        sale in proptest::option::of((1i64..=10_000_000, fee())),
        bill in proptest::option::of("[A-Za-z0-9-]{1,25}"),
        label in proptest::option::of("[A-Z0-9]{1,8}"),
    ) -> Code {
        let mut additional = Vec::new();
        if let Some(l) = label {
            additional.push((7, l));
        }
        if let Some(b) = bill {
            additional.push((1, b));
        }
        Code {
            initiation: if sale.is_some() { Initiation::Dynamic } else { Initiation::Static },
            accounts,
            mcc,
            currency: "360".into(),
            country: "ID".into(),
            name,
            city,
            postal_code: Some(postal),
            amount: sale.map(|(a, _)| Rupiah(a)),
            fee: sale.and_then(|(_, f)| f),
            additional,
        }
    }
}

fn tip_of(fee: Option<Fee>) -> Option<Tip> {
    fee.map(|f| match f {
        Fee::Fixed(r) => Tip::Fixed { value: r.0.to_string(), rupiah: Some(r) },
        Fee::Percent(p) => Tip::Percent(p),
    })
}

proptest! {
    #[test]
    fn written_codes_read_back_equal(code in code()) {
        let text = code.render().unwrap();
        let p = parse(&text).unwrap();
        prop_assert_eq!(p.initiation, code.initiation);
        let mut accounts = code.accounts.clone();
        accounts.sort_by_key(|a| a.id);
        prop_assert_eq!(&p.accounts, &accounts);
        prop_assert_eq!(&p.mcc, &code.mcc);
        prop_assert_eq!(&p.merchant_name, &code.name);
        prop_assert_eq!(&p.merchant_city, &code.city);
        prop_assert_eq!(&p.postal_code, &code.postal_code);
        prop_assert_eq!(p.amount_rupiah, code.amount);
        prop_assert_eq!(p.tip, tip_of(code.fee));
        let bill = code.additional.iter().find(|(i, _)| *i == 1).map(|(_, b)| b.clone());
        prop_assert_eq!(p.bill_number, bill);
        // Ids come in ascending order, and the objects read, written once
        // more, give the same text.
        let ids: Vec<u8> = p.objects.iter().map(|o| o.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        prop_assert_eq!(ids, sorted);
        let mut again = String::new();
        for o in &p.objects {
            tlv::write(&mut again, o.id, &o.value).unwrap();
        }
        prop_assert_eq!(again, text);
    }

    #[test]
    fn converted_codes_keep_every_other_object(
        code in code(),
        amount in 1i64..=10_000_000,
        fee in fee(),
        bill in proptest::option::of("[A-Z0-9]{1,25}"),
    ) {
        let text = code.render().unwrap();
        let sale = Sale { amount: Rupiah(amount), fee, bill: bill.clone() };
        let out = parse(&to_dynamic(&text, &sale).unwrap()).unwrap();
        prop_assert_eq!(out.initiation, Initiation::Dynamic);
        prop_assert_eq!(out.amount_rupiah, Some(Rupiah(amount)));
        prop_assert_eq!(&out.tip, &tip_of(fee));
        let before = parse(&text).unwrap();
        match bill {
            Some(b) => prop_assert_eq!(out.bill_number.clone(), Some(b)),
            None => prop_assert_eq!(out.bill_number.clone(), before.bill_number.clone()),
        }
        let kept = |p: &Payload| -> Vec<DataObject> {
            p.objects.iter().filter(|o| !matches!(o.id, 1 | 54..=57 | 62 | 63)).map(|o| {
                DataObject { offset: 0, ..o.clone() }
            }).collect()
        };
        let without_offsets = |v: Vec<DataObject>| -> Vec<(u8, String)> {
            v.into_iter().map(|o| (o.id, o.value)).collect()
        };
        prop_assert_eq!(without_offsets(kept(&out)), without_offsets(kept(&before)));
        if sale.bill.is_none() {
            prop_assert_eq!(out.field(62), before.field(62));
        }
    }

    #[test]
    fn single_character_change_is_always_refused(
        code in code(),
        at in any::<proptest::sample::Index>(),
        c in proptest::char::range(' ', '~'),
    ) {
        let text = code.render().unwrap();
        let chars: Vec<char> = text.chars().collect();
        // Everything but the CRC digits, whose case does not matter.
        let i = at.index(chars.len() - 4);
        prop_assume!(chars[i] != c);
        let changed: String =
            chars.iter().enumerate().map(|(j, &d)| if j == i { c } else { d }).collect();
        prop_assert!(parse(&changed).is_err(), "{} was accepted", changed);
    }

    #[test]
    fn any_text_is_inspected_without_panic(text in "\\PC{0,300}") {
        let _ = inspect(&text);
    }
}
