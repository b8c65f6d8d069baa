//! Produce without a barcode, chosen from the list by name.

use super::*;

/// Bananas by the piece, as the demo catalog sells them (PLU 4011).
fn pisang() -> Product {
    Product {
        barcode: "4011".into(),
        name: "Pisang Cavendish (per buah)".into(),
        price: Rupiah(2_500),
        category: Some("buah-sayur".into()),
        restriction: Default::default(),
    }
}

fn brokoli() -> Product {
    Product {
        barcode: "4060".into(),
        name: "Brokoli (per bonggol)".into(),
        price: Rupiah(12_000),
        category: Some("buah-sayur".into()),
        restriction: Default::default(),
    }
}

fn panel(v: &Visit) -> &Panel {
    match v.state() {
        State::Scanning { panel, .. } => panel,
        other => panic!("not scanning: {other:?}"),
    }
}

#[test]
fn choosing_produce_from_the_list_adds_one_line_at_the_catalog_price() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    assert_eq!(v.step(Event::OpenProduce, t0), vec![Effect::ListProduce]);
    assert_eq!(panel(&v), &Panel::Produce { items: None, failed: false });

    let items = vec![brokoli(), pisang()];
    v.step(Event::ProduceListed { items: items.clone() }, t0);
    assert_eq!(panel(&v), &Panel::Produce { items: Some(items), failed: false });

    // The tap looks the PLU up, as the keypad's Add would, and closes the
    // list on the cart.
    let effects = v.step(Event::ChooseProduce { barcode: "4011".into() }, t0);
    assert_eq!(effects, vec![Effect::LookUp { code: "4011".into() }]);
    assert_eq!(panel(&v), &Panel::None);
    v.step(Event::ProductFound { product: pisang() }, t0);

    // Two Indomie and a Teh Botol (Rp 12.500), then one banana: Rp 15.000.
    let cart = cart_of(&v);
    assert_eq!(cart.lines().len(), 3);
    let line = cart.lines().iter().find(|l| l.barcode == "4011").expect("the banana line");
    assert_eq!((line.qty, line.unit_price), (1, Rupiah(2_500)));
    assert_eq!(cart.total(), Rupiah(15_000));
}

#[test]
fn a_list_that_cannot_be_read_says_so_and_a_choice_after_closing_adds_nothing() {
    let t0 = Instant::now();
    let mut v = scanning_with_items(t0);
    v.step(Event::OpenProduce, t0);
    v.step(Event::ProduceUnavailable, t0);
    assert_eq!(panel(&v), &Panel::Produce { items: None, failed: true });

    v.step(Event::ClosePanel, t0);
    assert_eq!(v.step(Event::ChooseProduce { barcode: "4011".into() }, t0), vec![]);
    // A late list does not open the panel again.
    v.step(Event::ProduceListed { items: vec![pisang()] }, t0);
    assert_eq!(panel(&v), &Panel::None);
    assert_eq!(cart_of(&v).item_count(), 3);
}
