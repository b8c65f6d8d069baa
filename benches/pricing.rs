//! Pricing a 50-line cart against 200 active promotions of every kind, as a
//! device does on each scan: prints percentiles (target: p99 <= 1 ms).
//!
//! `cargo bench --bench pricing`

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use swalayan::domain::Rupiah;
use swalayan::domain::cart::Line;
use swalayan::domain::pricing::{
    Audience, Effect, MemberFacts, Promotion, Promotions, Reward, Shopper, Target, price,
};

const CATALOG: &str = include_str!("../assets/catalog.csv");
const PROMOTIONS: usize = 200;
const LINES: usize = 50;
const RUNS: usize = 20_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A xorshift generator: the same promotions and carts on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn main() {
    let products: Vec<(String, i64, String)> = CATALOG
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[2].parse().unwrap(), f[3].to_owned())
        })
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pick = |rng: &mut Rng| products[rng.next(products.len())].clone();

    // 200 promotions, all running now, cycling through every kind.
    let mut list = Vec::with_capacity(PROMOTIONS);
    for i in 0..PROMOTIONS {
        let (a, price_a, cat) = pick(&mut rng);
        let (b, _, _) = pick(&mut rng);
        let items = Target::Items { barcodes: vec![a.clone(), b.clone()], categories: vec![] };
        let effect = match i % 9 {
            0 => Effect::PercentOff { percent: 5 + (i % 20) as u32, target: items },
            1 => Effect::AmountOff { amount: Rupiah(500), target: items },
            2 => Effect::PercentOff {
                percent: 3,
                target: Target::Items { barcodes: vec![], categories: vec![cat] },
            },
            3 => Effect::BuyGet { buy: 2, get: 1, target: items, free_item: None },
            4 => Effect::BuyGet { buy: 1, get: 1, target: items, free_item: Some(b) },
            5 => Effect::Bundle { items: vec![a, b], price: Rupiah(price_a) },
            6 => Effect::MemberPrice { items: vec![a], price: Rupiah(price_a * 9 / 10 + 1) },
            7 => Effect::SpendThreshold {
                min_spend: Rupiah(100_000 + i as i64 * 1_000),
                reward: Reward::AmountOff(Rupiah(1_000)),
            },
            _ => Effect::PercentOff { percent: 1, target: Target::Cart },
        };
        list.push(Promotion {
            id: format!("P{i:03}"),
            name: format!("Promosi {i}"),
            effect,
            from: Some(1_700_000_000),
            until: Some(2_000_000_000),
            priority: (i % 7) as i32,
            exclusive: false,
            audience: if i % 9 == 6 { Audience::Members } else { Audience::Everyone },
            birthday_within_days: None,
            codes: vec![],
        });
    }
    let promotions = Promotions::new(list).expect("generated promotions are valid");
    let shopper = Shopper {
        member: Some(MemberFacts {
            id: "M-BENCH".into(),
            tier: "gold".into(),
            birthday: NaiveDate::from_ymd_opt(1990, 6, 1),
        }),
        vouchers: vec![],
    };
    let at = DateTime::parse_from_rfc3339("2026-03-10T10:00:00+07:00").unwrap();

    // Carts of 50 different products, 1 to 5 of each.
    let carts: Vec<Vec<Line>> = (0..64)
        .map(|_| {
            let mut lines: Vec<Line> = Vec::with_capacity(LINES);
            while lines.len() < LINES {
                let (barcode, price, category) = pick(&mut rng);
                if lines.iter().all(|l| l.barcode != barcode) {
                    lines.push(Line {
                        name: barcode.clone(),
                        barcode,
                        unit_price: Rupiah(price),
                        qty: 1 + rng.next(5) as u32,
                        category: Some(category),
                        restriction: Default::default(),
                        approved: 0,
                        measure: None,
                    });
                }
            }
            lines
        })
        .collect();

    let mut samples = Vec::with_capacity(RUNS);
    let mut applied = 0usize;
    for run in 0..RUNS {
        let cart = &carts[run % carts.len()];
        let t = Instant::now();
        let priced = price(cart, &promotions, &shopper, at);
        samples.push(t.elapsed());
        applied += priced.discounts.len();
        assert!(priced.total.0 >= 0);
    }
    samples.sort();
    let p99 = percentile(&samples, 0.99);
    println!(
        "price {LINES} lines, {PROMOTIONS} promotions: n={} p50={:.1?} p90={:.1?} p99={:.1?} \
         max={:.1?} (promotions applied per cart: {:.1}; target p99 <= 1 ms: {})",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.90),
        p99,
        samples[samples.len() - 1],
        applied as f64 / RUNS as f64,
        if p99 <= Duration::from_millis(1) { "met" } else { "missed" },
    );
}
