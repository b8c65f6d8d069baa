//! Barcode lookup in a device cache of 100,000 products, and the path from a
//! frame with a code in it to the cart line: prints percentiles.
//!
//! `cargo bench --bench lookup`

use std::time::{Duration, Instant};

use swalayan::central::api::CatalogEntry;
use swalayan::domain::Rupiah;
use swalayan::domain::cart::Cart;
use swalayan::domain::gtin::check_digit;
use swalayan::scan::FrameDecoder;
use swalayan::store::Store;

const PRODUCTS: u64 = 100_000;
const LOOKUPS: usize = 200_000;

fn gtin(i: u64) -> String {
    let body = format!("899{:09}", i * 7 + 13);
    format!("{body}{}", check_digit(&body).unwrap())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name}: n={} p50={:.1?} p90={:.1?} p99={:.1?} max={:.1?}",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.90),
        percentile(&samples, 0.99),
        samples[samples.len() - 1],
    );
}

fn main() {
    // A file database, as on a device, not an in-memory one.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let entries: Vec<CatalogEntry> = (0..PRODUCTS)
        .map(|i| CatalogEntry {
            barcode: gtin(i),
            name: format!("Produk {i}"),
            price: Rupiah(1_000 + (i as i64 % 500) * 100),
            category: Some("umum".into()),
            restriction: Default::default(),
            image: None,
            image_etag: None,
            deleted: false,
        })
        .collect();
    for (n, page) in entries.chunks(500).enumerate() {
        store.apply_catalog_page(page, &n.to_string()).unwrap();
    }
    assert_eq!(store.product_count().unwrap(), PRODUCTS);

    // Random-order lookups, nine hits to one miss.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut samples = Vec::with_capacity(LOOKUPS);
    let mut cart = Cart::new();
    for _ in 0..LOOKUPS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let i = seed % (PRODUCTS * 10 / 9);
        let code = gtin(i);
        let t = Instant::now();
        let found = store.product(&code).unwrap();
        samples.push(t.elapsed());
        assert_eq!(found.is_some(), i < PRODUCTS);
        if let Some(p) = found.filter(|_| cart.lines().len() < 50) {
            let _ = cart.add(&p);
        }
    }
    report("lookup in 100k products", samples);

    frame_to_cart(&mut store);
}

/// A 1280x720 gray frame holding a sample photo of an EAN-13, centred on a
/// mid-gray background, as a camera frame would be.
fn sample_frame() -> (Vec<u8>, String) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/barcodes/ean13-1/");
    let photo = image::open(format!("{root}2.png")).expect("sample photo").into_luma8();
    let expected = std::fs::read_to_string(format!("{root}2.txt")).unwrap().trim().to_owned();
    let (w, h) = (1280u32, 720u32);
    let photo = if photo.width() > w || photo.height() > h {
        image::imageops::resize(
            &photo,
            w.min(photo.width()),
            h.min(photo.height()),
            image::imageops::FilterType::Triangle,
        )
    } else {
        photo
    };
    let mut frame = image::GrayImage::from_pixel(w, h, image::Luma([128]));
    image::imageops::overlay(
        &mut frame,
        &photo,
        i64::from((w - photo.width()) / 2),
        i64::from((h - photo.height()) / 2),
    );
    (frame.into_raw(), expected)
}

/// From a frame with a code in it to the cart line: decode, look up in the
/// 100k cache, add to the cart. The screen update that follows is one
/// property change on the UI thread.
fn frame_to_cart(store: &mut Store) {
    let (luma, expected) = sample_frame();
    let price = Rupiah(12_500);
    store
        .apply_catalog_page(
            &[CatalogEntry {
                barcode: expected.clone(),
                name: "Produk contoh".into(),
                price,
                category: None,
                restriction: Default::default(),
                image: None,
                image_etag: None,
                deleted: false,
            }],
            "sample",
        )
        .unwrap();
    let mut decoder = FrameDecoder::new();
    let mut samples = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        let symbols = decoder.decode(1280, 720, &luma);
        let key = symbols.iter().find_map(|s| s.catalog_key()).expect("the sample reads");
        let product = store.product(&key).unwrap().expect("in the catalog");
        let mut cart = Cart::new();
        cart.add(&product).unwrap();
        samples.push(t.elapsed());
        assert_eq!(cart.total(), price);
        assert_eq!(key, expected);
    }
    report("frame 1280x720 to cart line", samples);
}
