//! Stores, stock, back-in-stock subscriptions and recommendations on the
//! central, and the device's stock cache, over HTTP on port 0.

use std::path::Path;
use std::time::Duration;

use swalayan::central::api::{NewTransaction, SaleLine, Stock, SubscriptionStatus};
use swalayan::central::client::{Client, ClientError};
use swalayan::central::server::{self, Config, Running};
use swalayan::checkout::{Device, DeviceError};
use swalayan::domain::Rupiah;

use crate::common;

// Six products whose barcodes sort A < B < ... < F (check digits by hand
// with the GS1 mod-10 rule, as in the demo catalog).
const A: &str = "8991101000070";
const B: &str = "8991101000179";
const C: &str = "8991101000278";
const D: &str = "8991101000377";
const E: &str = "8991101000476";
const F: &str = "8991101000575";

const CATALOG: &str = "barcode,name,price\n\
    8991101000070,MamyPoko Pants M 34,89000\n\
    8991101000179,Merries Pants L 26,99000\n\
    8991101000278,Sweety Silver Pants M 30,79000\n\
    8991101000377,Zwitsal Baby Bath 300 ml,27000\n\
    8991101000476,Cussons Baby Powder 200 g,16500\n\
    8991101000575,Mitu Tisu Basah 50 s,14000\n";

// S2, S3 and S4 lie south of S1 on its meridian (106.80 E), S5 east of it on
// its parallel (6.20 S). On a sphere of radius 6 371 000 m, worked out
// independently of the program:
// - along a meridian, the distance is R x (difference of latitude in radians):
//   0.01 degree 1 111.95 m, 0.04 degree 4 447.80 m, 0.05 degree 5 559.75 m,
//   0.10 degree 11 119.49 m;
// - S1 to S5, by the spherical law of cosines,
//   R acos(sin^2(6.20) + cos^2(6.20) cos(0.01)) = 1 105.45 m;
// - S3 to S5, R acos(sin(6.25) sin(6.20) + cos(6.25) cos(6.20) cos(0.01))
//   = 5 668.57 m.
const STORES: &str = "store_id,name,city,latitude,longitude\n\
    S1,Toko Satu,Jakarta Selatan,-6.20,106.80\n\
    S2,Toko Dua,Jakarta Selatan,-6.21,106.80\n\
    S3,Toko Tiga,Depok,-6.25,106.80\n\
    S4,Toko Empat,Depok,-6.30,106.80\n\
    S5,Toko Lima,Jakarta Timur,-6.20,106.81\n";

/// A central on port 0 with the catalog above, these stores and `stock`.
async fn start(dir: &Path, stock: &str) -> (Running, Client) {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let config = Config {
        db: Some(dir.join("central.db")),
        catalog: Some(write("catalog.csv", CATALOG)),
        stores: Some(write("stores.csv", STORES)),
        stock: Some(write("stock.csv", stock)),
        ..Default::default()
    };
    let central = server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("starts");
    let client = Client::new(&central.url()).unwrap();
    (central, client)
}

fn refused(e: &ClientError) -> (u16, &str) {
    match e {
        ClientError::Refused { status, code, .. } => (status.as_u16(), code),
        other => panic!("not a refusal: {other}"),
    }
}

fn stores_of(stock: &Stock) -> Vec<(&str, u32, Option<u64>)> {
    stock.nearest.iter().map(|s| (s.id.as_str(), s.qty, s.distance_m)).collect()
}

/// Records a paid sale of one of each of `items`, for `member` if given.
async fn sell(client: &Client, key: &str, member: Option<&str>, items: &[(&str, u32)]) {
    let lines: Vec<SaleLine> = items
        .iter()
        .map(|&(barcode, qty)| SaleLine {
            barcode: barcode.into(),
            name: format!("item {barcode}"),
            qty,
            unit_price: Rupiah(1_000),
            line_total: Rupiah(1_000 * i64::from(qty)),
            measure: None,
        })
        .collect();
    let total = Rupiah(lines.iter().map(|l| l.line_total.0).sum());
    let payment = client.create_payment(total, key).await.unwrap();
    client
        .simulate_payment(&payment.id, swalayan::central::api::PaymentStatus::Paid)
        .await
        .unwrap();
    let sale = NewTransaction {
        idempotency_key: format!("sale-{key}"),
        device_id: "dev-test".into(),
        payment_id: payment.id,
        lines,
        total,
        member: member.map(str::to_owned),
        ..Default::default()
    };
    client.post_transaction(&sale).await.unwrap();
    // Replayed, as an outbox does: the stock must not go down twice.
    client.post_transaction(&sale).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn nearest_stores_come_nearest_first_with_hand_worked_distances() {
    let dir = tempfile::tempdir().unwrap();
    let stock = "store_id,barcode,qty\nS1,8991101000070,4\nS2,8991101000070,0\n\
                 S3,8991101000070,7\nS5,8991101000070,2\n";
    let (_central, client) = start(dir.path(), stock).await;

    // The central's own store is the first of the file, S1.
    let here = client.stock(A, None, 3).await.unwrap();
    assert_eq!((here.store.id.as_str(), here.store.qty, here.store.distance_m), ("S1", 4, None));
    assert_eq!(here.name, "MamyPoko Pants M 34");
    assert_eq!(
        stores_of(&here),
        vec![("S5", 2, Some(1_105)), ("S2", 0, Some(1_112)), ("S3", 7, Some(5_560))]
    );
    assert!(chrono::DateTime::parse_from_rfc3339(&here.as_of).is_ok(), "{}", here.as_of);

    // From S3: S1 and S4 are both 5 560 m away, and come in id order; S4
    // has no row for the product, which is none.
    let there = client.stock(A, Some("S3"), 4).await.unwrap();
    assert_eq!(there.store.qty, 7);
    assert_eq!(
        stores_of(&there),
        vec![
            ("S2", 0, Some(4_448)),
            ("S1", 4, Some(5_560)),
            ("S4", 0, Some(5_560)),
            ("S5", 2, Some(5_669)),
        ]
    );
    assert!(client.stock(A, None, 0).await.unwrap().nearest.is_empty());

    let unknown = client.stock("8991101000681", None, 3).await.unwrap_err();
    assert_eq!(refused(&unknown), (404, "not_found"));
    let no_store = client.stock(A, Some("S9"), 3).await.unwrap_err();
    assert_eq!(refused(&no_store), (404, "not_found"));
    let too_many = client.stock(A, None, 21).await.unwrap_err();
    assert_eq!(refused(&too_many), (400, "bad_request"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_lowers_its_stores_stock_once_and_never_below_zero() {
    let dir = tempfile::tempdir().unwrap();
    let stock = "store_id,barcode,qty\nS1,8991101000070,5\nS2,8991101000070,5\n\
                 S1,8991101000179,1\n";
    let (_central, client) = start(dir.path(), stock).await;

    // 2 of A and 3 of B (a count of 1: the shopper had them all the same).
    sell(&client, "cart-1", None, &[(A, 2), (B, 3)]).await;
    let a = client.stock(A, None, 2).await.unwrap();
    assert_eq!(a.store.qty, 5 - 2);
    // S5 (1 105 m) has no count of A; S2 (1 112 m) keeps its 5.
    assert_eq!(stores_of(&a), vec![("S5", 0, Some(1_105)), ("S2", 5, Some(1_112))]);
    assert_eq!(client.stock(B, None, 0).await.unwrap().store.qty, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_only_for_sold_out_items_once_each_and_notified_on_restock() {
    let dir = tempfile::tempdir().unwrap();
    let stock =
        "store_id,barcode,qty\nS1,8991101000070,3\nS1,8991101000179,0\nS2,8991101000179,6\n";
    let (central, client) = start(dir.path(), stock).await;

    // A is on the shelf here: nothing to wait for.
    let in_stock = client.subscribe("M0001", A, None).await.unwrap_err();
    assert_eq!(refused(&in_stock), (409, "in_stock"));

    // B is sold out here (in stock at S2, which does not matter); C has no
    // count at all, which is none.
    let b = client.subscribe("M0001", B, None).await.unwrap();
    assert_eq!((b.barcode.as_str(), b.store.as_str()), (B, "S1"));
    assert_eq!((b.status, b.name.as_str()), (SubscriptionStatus::Waiting, "Merries Pants L 26"));
    let again = client.subscribe("M0001", B, None).await.unwrap();
    assert_eq!(again, b, "asking twice answers the same subscription");
    let c = client.subscribe("M0001", C, Some("S2")).await.unwrap();
    assert_eq!(c.store, "S2");
    // Asked of S2, where B is in stock.
    let there = client.subscribe("M0001", B, Some("S2")).await.unwrap_err();
    assert_eq!(refused(&there), (409, "in_stock"));

    let unknown = client.subscribe("M0001", "8991101000681", None).await.unwrap_err();
    assert_eq!(refused(&unknown), (404, "not_found"));
    let no_store = client.subscribe("M0001", B, Some("S9")).await.unwrap_err();
    assert_eq!(refused(&no_store), (404, "not_found"));
    // Only members of the demo members file subscribe.
    let stranger = client.subscribe("M9999", B, None).await.unwrap_err();
    assert_eq!(refused(&stranger), (404, "unknown_member"));

    let list = client.subscriptions("M0001").await.unwrap().subscriptions;
    let mut seen: Vec<(&str, &str)> =
        list.iter().map(|s| (s.barcode.as_str(), s.store.as_str())).collect();
    seen.sort();
    assert_eq!(seen, vec![(B, "S1"), (C, "S2")]);
    assert!(client.subscriptions("M0002").await.unwrap().subscriptions.is_empty());

    // A stock count brings B back at S1; C stays out at S2.
    central.stop().await;
    let restock = "store_id,barcode,qty\nS1,8991101000179,12\n";
    let (_central, client) = start(dir.path(), restock).await;
    let list = client.subscriptions("M0001").await.unwrap().subscriptions;
    let status = |barcode: &str| list.iter().find(|s| s.barcode == barcode).unwrap().clone();
    assert_eq!(status(B).status, SubscriptionStatus::Notified);
    assert!(status(B).notified_at.is_some());
    assert_eq!(status(C).status, SubscriptionStatus::Waiting);
    // The counts the file did not list stay: A still 3 at S1.
    assert_eq!(client.stock(A, None, 0).await.unwrap().store.qty, 3);

    // Back on the shelf, B cannot be waited for; sold out again, it can,
    // and the notified subscription waits again.
    let back = client.subscribe("M0001", B, None).await.unwrap_err();
    assert_eq!(refused(&back), (409, "in_stock"));
    sell(&client, "all-of-b", None, &[(B, 12)]).await;
    let rearmed = client.subscribe("M0001", B, None).await.unwrap();
    assert_eq!((rearmed.status, rearmed.notified_at), (SubscriptionStatus::Waiting, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn recommendations_follow_the_hand_worked_order() {
    let dir = tempfile::tempdir().unwrap();
    // Everything in stock at S1 but C.
    let stock = "store_id,barcode,qty\n\
        S1,8991101000070,50\nS1,8991101000179,50\nS1,8991101000278,0\n\
        S1,8991101000377,50\nS1,8991101000476,50\nS1,8991101000575,50\n";
    let (_central, client) = start(dir.path(), stock).await;
    // M1 bought {A, B}, {A, C} and {B}; M2 bought {B, D, E}; anonymous
    // shoppers bought {A, D}, {C, E} and {D, F}.
    sell(&client, "s1", Some("M0001"), &[(A, 1), (B, 2)]).await;
    sell(&client, "s2", Some("M0001"), &[(A, 1), (C, 1)]).await;
    sell(&client, "s3", Some("M0001"), &[(B, 1)]).await;
    sell(&client, "s4", Some("M0002"), &[(B, 1), (D, 1), (E, 1)]).await;
    sell(&client, "s5", None, &[(A, 1), (D, 1)]).await;
    sell(&client, "s6", None, &[(C, 1), (E, 1)]).await;
    sell(&client, "s7", None, &[(D, 1), (F, 1)]).await;

    let got = |r: swalayan::central::api::Recommendations| {
        r.recommendations
            .into_iter()
            .map(|r| (r.barcode, r.score, r.bought, r.together))
            .collect::<Vec<_>>()
    };
    let own = |b: &str, s, bo, t| (b.to_owned(), s, bo, t);

    // With E in the cart. bought: A 2, B 2, C 1 (sales, not units). Seeds
    // A, B, C, E. together (seeds in the sale other than the item):
    //   {A,B}: A 1, B 1    {A,C}: A 1, C 1    {B}: -    {B,D,E}: B 1, D 2
    //   {A,D}: D 1         {C,E}: C 1         {D,F}: no seed
    // A 2+2 = 4, B 2+2 = 4, C 1+2 = 3, D 0+3 = 3; E is in the cart, F 0.
    // A and B tie on score and bought: barcode order. C is out of stock.
    let with_cart = client.recommendations("M0001", &[E.to_owned()], 5).await.unwrap();
    assert_eq!(with_cart.member_id, "M0001");
    assert_eq!(got(with_cart), vec![own(A, 4, 2, 2), own(B, 4, 2, 2), own(D, 3, 0, 3)]);
    let two = client.recommendations("M0001", &[E.to_owned()], 2).await.unwrap();
    assert_eq!(got(two), vec![own(A, 4, 2, 2), own(B, 4, 2, 2)]);

    // With an empty cart, seeds A, B, C:
    //   {A,B}: A 1, B 1    {A,C}: A 1, C 1    {B,D,E}: D 1, E 1    {A,D}: D 1
    //   {C,E}: E 1
    // A 2+2 = 4, B 2+1 = 3, C 1+1 = 2 (out of stock), D 0+2 = 2, E 0+2 = 2.
    let bare = client.recommendations("M0001", &[], 5).await.unwrap();
    assert_eq!(got(bare), vec![own(A, 4, 2, 2), own(B, 3, 2, 1), own(D, 2, 0, 2), own(E, 2, 0, 2)]);

    // A member with no history and an empty cart gets nothing.
    assert!(client.recommendations("M0006", &[], 5).await.unwrap().recommendations.is_empty());
    let zero = client.recommendations("M0001", &[], 0).await.unwrap_err();
    assert_eq!(refused(&zero), (400, "bad_request"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_device_shows_cached_stock_with_its_age_when_the_central_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let stock = "store_id,barcode,qty\nS1,8991101000070,4\nS2,8991101000070,9\n";
    let (central, client) = start(dir.path(), stock).await;
    let device = Device::open(&dir.path().join("device"), client).unwrap();

    let fresh = device.stock(A).await.unwrap();
    assert!(fresh.fresh);
    assert_eq!(fresh.age, Duration::ZERO);
    assert_eq!(fresh.stock.store.qty, 4);
    assert_eq!(fresh.stock.nearest[1].id, "S2", "S5 (1 105 m) comes before S2 (1 112 m)");

    central.stop().await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let cached = device.stock(A).await.unwrap();
    assert!(!cached.fresh);
    assert_eq!(cached.stock, fresh.stock);
    assert_eq!(cached.fetched_at, fresh.fetched_at);
    assert!(cached.age >= Duration::from_millis(1_200), "{:?}", cached.age);
    assert!(cached.age < Duration::from_secs(30), "{:?}", cached.age);

    // Nothing kept for B: there is nothing to show.
    let none = device.stock(B).await.unwrap_err();
    assert!(matches!(none, DeviceError::Central(ClientError::Unreachable { .. })), "{none}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_central_has_stock_for_every_demo_product_some_sold_out() {
    let dir = tempfile::tempdir().unwrap();
    let central = common::start_central(None, dir.path()).await;
    let client = Client::new(&central.url()).unwrap();
    let mut cursor = None;
    let (mut products, mut sold_out_here) = (0, 0);
    loop {
        let page = client.catalog_page(cursor.as_deref(), 1_000).await.unwrap();
        for p in &page.products {
            let stock = client.stock(&p.barcode, None, 20).await.unwrap();
            assert_eq!(stock.store.id, "KMG");
            assert_eq!(stock.nearest.len(), 6, "seven demo stores");
            products += 1;
            sold_out_here += usize::from(stock.store.qty == 0);
        }
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    assert!(products >= 200, "{products}");
    assert!(sold_out_here > 0 && sold_out_here < products / 2, "{sold_out_here}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_weighed_package_shows_the_stock_of_its_item() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // Tomatoes under the default weight layout of prefix 23: item 00102,
    // listed under its key 2300102000006.
    let config = Config {
        db: Some(dir.path().join("central.db")),
        catalog: Some(write("catalog.csv", "barcode,name,price\n2300102000006,Tomat,18000\n")),
        stores: Some(write("stores.csv", STORES)),
        stock: Some(write("stock.csv", "store_id,barcode,qty\nS1,2300102000006,12\n")),
        ..Default::default()
    };
    let central = server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("starts");
    let client = Client::new(&central.url()).unwrap();
    let device = Device::open(&dir.path().join("device"), client).unwrap();
    device.sync_catalog().await.unwrap();

    // The package of 483 g (check digit 7, worked out in tests/kiosk/weighed.rs).
    let view = device.stock("2300102004837").await.unwrap();
    assert_eq!((view.stock.barcode.as_str(), view.stock.store.qty), ("2300102000006", 12));
    central.stop().await;
}
