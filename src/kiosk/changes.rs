//! What changed in a cart brought from another channel, in the words the
//! changes panel shows.
//!
//! The visit carries the changes as finished text, and the panel shows each
//! as it is, so the words are made here rather than through the UI's
//! translations. A shopper may read either language, so each change is said
//! in Bahasa Indonesia first, the kiosk's first language, then in English.

use crate::central::api::Channel;
use crate::domain::handoff::Change;

/// Where the shopper filled the cart, as the sentence names it.
fn channel_id(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "di situs web",
        Channel::App => "di aplikasi",
        Channel::Kiosk => "di kios lain",
    }
}

fn channel_en(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "on the website",
        Channel::App => "in the app",
        Channel::Kiosk => "at the other kiosk",
    }
}

/// The words for `change` of a cart filled on `channel`; `promotion` names
/// a promotion by its id (the promotions file's `name`).
pub fn describe(change: &Change, channel: Channel, promotion: &dyn Fn(&str) -> String) -> String {
    let (id, en) = match change {
        Change::NotSoldHere { name, qty, .. } => (
            format!("{name} (x{qty}) tidak dijual di toko ini"),
            "not sold at this store".to_owned(),
        ),
        Change::OutOfStock { name, qty, .. } => {
            (format!("{name} (x{qty}) habis di toko ini"), "out of stock at this store".to_owned())
        }
        Change::FewerInStock { name, wanted, here, .. } => (
            format!("{name}: hanya {here} tersedia, bukan {wanted}"),
            format!("only {here} in stock, not {wanted}"),
        ),
        Change::PriceChanged { name, was, now, .. } => (
            format!("{name}: {now} di sini ({was} {})", channel_id(channel)),
            format!("{now} here ({was} {})", channel_en(channel)),
        ),
        Change::PromotionEnded { promotion: id } => {
            let name = promotion(id);
            (format!("Promo {name} sudah berakhir"), "this promotion has ended".to_owned())
        }
    };
    format!("{id} · {en}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rupiah;

    fn no_name(id: &str) -> String {
        id.to_owned()
    }

    #[test]
    fn each_change_is_said_in_indonesian_then_english() {
        let oreo = || ("8991175000334".to_owned(), "Oreo Vanila 133 g".to_owned());
        let (barcode, name) = oreo();
        let gone = Change::OutOfStock { barcode, name, qty: 2 };
        assert_eq!(
            describe(&gone, Channel::App, &no_name),
            "Oreo Vanila 133 g (x2) habis di toko ini · out of stock at this store"
        );
        let (barcode, name) = oreo();
        let fewer = Change::FewerInStock { barcode, name, wanted: 5, here: 3 };
        assert_eq!(
            describe(&fewer, Channel::Web, &no_name),
            "Oreo Vanila 133 g: hanya 3 tersedia, bukan 5 · only 3 in stock, not 5"
        );
        let (barcode, name) = oreo();
        let price = Change::PriceChanged { barcode, name, was: Rupiah(9_000), now: Rupiah(9_500) };
        assert_eq!(
            describe(&price, Channel::Web, &no_name),
            "Oreo Vanila 133 g: Rp 9.500 di sini (Rp 9.000 di situs web) · \
             Rp 9.500 here (Rp 9.000 on the website)"
        );
        let (barcode, name) = oreo();
        let not_here = Change::NotSoldHere { barcode, name, qty: 1 };
        assert_eq!(
            describe(&not_here, Channel::Kiosk, &no_name),
            "Oreo Vanila 133 g (x1) tidak dijual di toko ini · not sold at this store"
        );
    }

    #[test]
    fn an_ended_promotion_is_named_as_the_promotions_file_names_it() {
        let ended = Change::PromotionEnded { promotion: "MINYAK-10".into() };
        let name = |id: &str| match id {
            "MINYAK-10" => "Minyak goreng hemat 10%".to_owned(),
            other => other.to_owned(),
        };
        assert_eq!(
            describe(&ended, Channel::App, &name),
            "Promo Minyak goreng hemat 10% sudah berakhir · this promotion has ended"
        );
    }
}
