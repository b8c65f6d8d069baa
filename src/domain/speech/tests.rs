use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::*;
use crate::domain::Product;
use crate::domain::visit::{Event, Payment};

#[test]
fn every_prompt_has_a_text_in_both_languages() {
    let mut missing = vec![];
    for p in Prompt::ALL {
        let (id, en) = (p.template(Language::Id), p.template(Language::En));
        if id.trim().is_empty() || en.trim().is_empty() {
            missing.push(format!("{p:?}: a language has no text"));
        } else if id == en {
            missing.push(format!("{p:?}: the Indonesian text is the English one"));
        }
        // A value the English says must be said in Bahasa Indonesia too.
        if id.matches("{}").count() != en.matches("{}").count() {
            missing.push(format!("{p:?}: the two texts take different values"));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn the_list_of_prompts_holds_each_once() {
    let unique: HashSet<Prompt> = Prompt::ALL.into_iter().collect();
    assert_eq!(unique.len(), Prompt::ALL.len());
}

#[test]
fn values_fill_the_texts_and_money_is_said_as_each_language_says_it() {
    let s = Spoken::with(Prompt::NotFound, &["8990000000000"]);
    assert_eq!(s.text(Language::Id), "Produk tidak ditemukan: 8990000000000.");
    assert_eq!(s.text(Language::En), "Product not found: 8990000000000.");
    let s = Spoken::money(Prompt::Total, Rupiah(12_500));
    assert_eq!(s.text(Language::Id), "Total belanja 12.500 rupiah.");
    assert_eq!(s.text(Language::En), "Total 12,500 rupiah.");
}

#[test]
fn volume_steps_and_stays_within_its_range() {
    let v = Volume::DEFAULT;
    assert_eq!(v.percent(), 100);
    assert_eq!(v.louder().percent(), 125);
    assert_eq!(v.softer().percent(), 75);
    let loudest = (0..20).fold(v, |v, _| v.louder());
    assert_eq!(loudest, Volume::MAX);
    let softest = (0..20).fold(v, |v, _| v.softer());
    assert_eq!(softest, Volume::MIN);
    assert_eq!(Guidance::default(), Guidance { on: false, volume: Volume(100) });
}

fn indomie() -> Product {
    Product {
        barcode: "8998866200301".into(),
        name: "Indomie Goreng 85 g".into(),
        price: Rupiah(3_500),
        category: None,
        restriction: Default::default(),
    }
}

/// The demo merchant's dynamic code for Rp 7.000, as
/// `swalayan qris dynamic` writes it for the central's demo merchant.
fn payload() -> String {
    let m = crate::central::server::demo_merchant();
    crate::domain::qris::dynamic_payload(&m, Rupiah(7_000), "k-1").unwrap()
}

fn texts_of(v: &Visit, now: Instant, language: Language) -> String {
    say_all(&prompts_of(v, now), language)
}

#[test]
fn each_screen_says_what_it_shows() {
    let t0 = Instant::now();
    let mut v = Visit::new(Duration::from_secs(60), "k", t0);
    assert_eq!(prompts_of(&v, t0), vec![Spoken::new(Prompt::Welcome)]);

    v.step(Event::Start, t0);
    v.step(Event::ProductFound { product: indomie() }, t0);
    v.step(Event::ProductFound { product: indomie() }, t0);
    assert_eq!(
        texts_of(&v, t0, Language::En),
        "Scan your items with the camera or the scanner, or type the barcode on the keypad. \
         Then press Pay. Total 7,000 rupiah."
    );
    v.step(Event::ProductNotFound { code: "123".into() }, t0);
    assert_eq!(
        texts_of(&v, t0, Language::Id),
        "Produk tidak ditemukan: 123. Total belanja 7.000 rupiah."
    );

    v.step(Event::Pay, t0);
    assert_eq!(prompts_of(&v, t0), vec![Spoken::new(Prompt::PaymentCreating)]);
    let payment = Payment {
        id: "pay-1".into(),
        qris: payload(),
        amount: Rupiah(7_000),
        expires_at: t0 + Duration::from_secs(300),
    };
    v.step(Event::PaymentCreated { attempt: "k-1".into(), payment }, t0);
    assert_eq!(
        texts_of(&v, t0, Language::En),
        "Pay 7,000 rupiah to Swalayan Demo Kemang: scan the QR code on the screen with your \
         bank or e-wallet app."
    );
    // The countdown is not read out: the words stay while it runs.
    assert_eq!(prompts_of(&v, t0), prompts_of(&v, t0 + Duration::from_secs(100)));
    // At zero the code is gone, and so are its words.
    assert_eq!(
        prompts_of(&v, t0 + Duration::from_secs(300)),
        vec![Spoken::new(Prompt::PaymentExpiredChecking)]
    );
}

#[test]
fn a_cart_above_the_qris_limit_is_refused_in_words() {
    let t0 = Instant::now();
    let mut v = Visit::new(Duration::from_secs(60), "k", t0);
    v.step(Event::Start, t0);
    let dear = Product { price: Rupiah(5_000_001), ..indomie() };
    v.step(Event::ProductFound { product: dear.clone() }, t0);
    v.step(Event::ProductFound { product: dear }, t0);
    v.step(Event::Pay, t0);
    assert_eq!(prompts_of(&v, t0), vec![Spoken::new(Prompt::OverLimit)]);
    assert!(texts_of(&v, t0, Language::Id).starts_with("Total belanja melebihi Rp 10.000.000"));
}

#[test]
fn the_idle_warning_says_the_seconds_left_and_whether_more_time_can_be_had() {
    let w = Idle::Warning { left: Duration::from_millis(19_200), more_time: true };
    assert_eq!(
        idle_prompt(w).unwrap().text(Language::En),
        "Are you still there? This visit ends in 20 seconds. Tap More time to go on."
    );
    let last = Idle::Warning { left: Duration::from_secs(20), more_time: false };
    assert_eq!(
        idle_prompt(last).unwrap().text(Language::Id),
        "Kunjungan ini berakhir dalam 20 detik. Waktu tidak dapat ditambah lagi."
    );
    assert_eq!(idle_prompt(Idle::Counting { left: Duration::from_secs(30) }), None);
    assert_eq!(idle_prompt(Idle::Held), None);
}

#[test]
fn paying_for_an_order_speaks_its_total_and_an_offline_refusal_says_the_code_stays_valid() {
    use crate::domain::visit::{FoundOrder, NotCreated};
    let t0 = Instant::now();
    let mut visit = Visit::new(Duration::from_secs(60), "k", t0);
    visit.step(Event::StartPickup, t0);
    visit.step(Event::Scanned { code: "SWP1.abc".into() }, t0);
    let order =
        FoundOrder { order_id: "ORD-1".into(), compartment: 3, paid: false, total: Rupiah(15_000) };
    visit.step(Event::PickupFound { order: order.clone() }, t0);
    assert_eq!(prompts_of(&visit, t0), [Spoken::new(Prompt::PaymentCreating)]);
    let payment = Payment {
        id: "pay-1".into(),
        qris: "000201".into(),
        amount: Rupiah(15_000),
        expires_at: t0 + Duration::from_secs(300),
    };
    visit.step(Event::PaymentCreated { attempt: "k-1".into(), payment }, t0);
    let said = prompts_of(&visit, t0);
    assert_eq!(said[0].prompt, Prompt::PaymentPending);
    assert!(said[0].text(Language::En).starts_with("Pay 15,000 rupiah to"), "{said:?}");
    // Out of time and confirmed: the way back is to the pickup, not a cart.
    visit.step(Event::Tick, t0 + Duration::from_secs(300));
    visit.step(Event::PaymentExpired { id: "pay-1".into() }, t0 + Duration::from_secs(301));
    let said = prompts_of(&visit, t0 + Duration::from_secs(301));
    assert_eq!(said, [Spoken::new(Prompt::OrderPaymentExpired)]);
    assert!(!said[0].text(Language::En).contains("cart"));

    visit.step(Event::PayAgain, t0 + Duration::from_secs(302));
    let why = NotCreated::Unreachable;
    visit.step(Event::PaymentNotCreated { attempt: "k-2".into(), why }, t0);
    let said = prompts_of(&visit, t0);
    // The refusal, then how to try again.
    assert_eq!(
        said,
        [Spoken::new(Prompt::PickupUnpaidOffline), Spoken::new(Prompt::PickupEntering)]
    );
    assert!(said[0].text(Language::Id).contains("Kode Anda masih berlaku"));
}
