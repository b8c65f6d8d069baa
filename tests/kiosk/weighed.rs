//! Goods that need more than a scan, through the real screens against a
//! real central with the demo catalog and the default label layouts
//! (assets/variable-measure.toml): a weighed tomato label and a price
//! label read by a USB scanner, a label whose check digit is wrong
//! refused, and a banana chosen twice from the produce list, which shows
//! the banana's picture from the central.
//!
//! One story in one test: the testing backend is set up once per process.

use std::time::Duration;

use slint::{ComponentHandle, Model};

use swalayan::kiosk::ui;

use crate::kiosk_ui::*;

/// Prefix 23 (weight): item 00102 (Tomat Merah, Rp 18.000 a kg), 483 g.
/// The EAN check digit of 230010200483: from the right, 3·3 + 8 + 4·3 + 0
/// + 0·3 + 2 + 0·3 + 1 + 0·3 + 0 + 3·3 + 2 = 43, so 7.
const TOMATO_483G: &str = "2300102004837";
/// 483 × 18.000 / 1.000 = 8.694 exactly.
const TOMATO_PRICE: i64 = 8_694;
/// Prefix 21 (price): item 12345 (Kue Lapis Legit) at Rp 1.250, the
/// issue's own example.
const CAKE_1250: &str = "2112345312507";
/// The same label with price check digit 4 instead of 3, and an EAN check
/// digit that fits it (211234541250: 0·3 + 5 + 2·3 + 1 + 4·3 + 5 + 4·3 + 3
/// + 2·3 + 1 + 1·3 + 2 = 56, so 4): only the price check is wrong.
const CAKE_BAD_PRICE_CHECK: &str = "2112345412504";

fn unit_price(app: &ui::AppWindow, barcode: &str) -> String {
    let lines = app.global::<ui::ScanAdapter>().get_lines();
    let line = lines.iter().find(|l| l.barcode == barcode);
    line.unwrap_or_else(|| panic!("no line {barcode}")).unit_price.to_string()
}

#[test]
fn weighed_and_labelled_goods_and_produce_without_a_barcode_are_sold() {
    if !in_own_process() {
        return;
    }
    let (runtime, central) = start_story();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();
    let catalog = demo_catalog();
    let price_of = |barcode: &str| catalog.iter().find(|p| p.barcode == barcode).unwrap().price;
    assert_eq!(price_of("2300102000006"), 18_000, "the tomato's price per kg");
    assert_eq!(price_of("4011"), 2_500, "the banana's price");

    let (kiosk, app) = show_demo_kiosk(&central.url(), data.path(), Duration::from_secs(120));
    let count = catalog.len() as u64;

    run_in_event_loop(async move {
        until("the kiosk's catalog sync", || product_count(&data_dir) >= count).await;
        until("the banana's picture", || picture_synced(&data_dir, "banana.png")).await;
        start_visit_in_english(&app).await;

        // A weighed label from the scale, read by the USB scanner: the line
        // shows the weight and the price worked out from it.
        scanner_types(&app, TOMATO_483G);
        until("the tomato in the cart", || cart_lines(&app).len() == 1).await;
        assert_eq!(cart_lines(&app)[0], (TOMATO_483G.into(), 1, rupiah(TOMATO_PRICE)));
        // Weights read as on the scale's label, with the decimal comma.
        assert_eq!(unit_price(&app, TOMATO_483G), "0,483 kg");

        // A label whose price check digit is wrong is refused, not guessed.
        scanner_types(&app, CAKE_BAD_PRICE_CHECK);
        let refused = format!(
            "The code {CAKE_BAD_PRICE_CHECK} does not read right (a check digit is wrong); \
             nothing was added. Please scan or type it again, or call a staff member."
        );
        until("the refused label", || exists(&app, &refused)).await;
        assert_eq!(cart_lines(&app).len(), 1);

        // The price label: its embedded price is the line's price.
        scanner_types(&app, CAKE_1250);
        until("the cake in the cart", || cart_lines(&app).len() == 2).await;
        assert_eq!(cart_lines(&app)[1], (CAKE_1250.into(), 1, rupiah(1_250)));
        assert_eq!(unit_price(&app, CAKE_1250), rupiah(1_250));

        // Two bananas from the produce list, each one tap.
        let banana = "Add Pisang Cavendish (per buah), Rp 2.500";
        press(&app, "Fruit & veg without a barcode: choose by name");
        until("the produce list", || exists(&app, banana)).await;
        // The banana's tile shows its picture, the committed PNG scaled to
        // fit the tile's 52 px square; the broccoli's too. The button's
        // label stays the name and price.
        let items = app.global::<ui::ProduceAdapter>().get_items();
        let tile = |barcode: &str| items.iter().find(|i| i.barcode == barcode).unwrap();
        for (barcode, picture) in [("4011", "banana.png"), ("4060", "broccoli.png")] {
            let item = tile(barcode);
            assert!(item.has_picture, "{barcode} shows {picture}");
            let size = item.picture.size();
            let (width, height) = png_size(picture);
            let longest = width.max(height);
            let fitted =
                ((width * 52 + longest / 2) / longest, (height * 52 + longest / 2) / longest);
            assert_eq!((size.width, size.height), fitted, "{picture} is {width}x{height}");
        }
        assert_eq!(
            find(&app, banana).and_then(|b| b.accessible_role()),
            Some(i_slint_backend_testing::AccessibleRole::Button)
        );
        press(&app, banana);
        until("the banana in the cart", || cart_lines(&app).len() == 3).await;
        press(&app, "Fruit & veg without a barcode: choose by name");
        until("the produce list again", || exists(&app, banana)).await;
        press(&app, banana);
        until("two bananas", || cart_lines(&app).get(2).is_some_and(|l| l.1 == 2)).await;
        assert_eq!(cart_lines(&app)[2], ("4011".into(), 2, rupiah(5_000)));

        // 8.694 + 1.250 + 2 × 2.500 = 14.944, and that is what QRIS asks.
        assert_eq!(value(&app, "Total"), rupiah(14_944));
        press(&app, "Pay");
        until("the QRIS code", || exists(&app, "Simulate payment (demo)")).await;
        assert_eq!(value(&app, "Amount to pay"), rupiah(14_944));
        press(&app, "Simulate payment (demo)");
        until("the done screen", || screen(&app) == ui::Screen::Done).await;
    });

    drop(kiosk);
    runtime.block_on(central.stop());
}
