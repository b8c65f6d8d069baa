use serde_json::json;

use super::*;

fn entry(barcode: &str, price: i64, deleted: bool) -> CatalogEntry {
    CatalogEntry {
        barcode: barcode.into(),
        name: format!("item {barcode}"),
        price: Rupiah(price),
        category: None,
        restriction: Default::default(),
        image: None,
        image_etag: None,
        deleted,
    }
}

#[test]
fn catalog_pages_upsert_delete_and_move_the_cursor() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.catalog_cursor().unwrap(), None);
    store.apply_catalog_page(&[entry("1", 1_000, false), entry("2", 2_000, false)], "2").unwrap();
    store.apply_catalog_page(&[entry("1", 1_500, false), entry("2", 2_000, true)], "4").unwrap();
    assert_eq!(store.product("1").unwrap().unwrap().price, Rupiah(1_500));
    assert_eq!(store.product("2").unwrap(), None);
    assert_eq!(store.product_count().unwrap(), 1);
    assert_eq!(store.catalog_cursor().unwrap().as_deref(), Some("4"));
}

#[test]
fn outbox_keeps_one_event_per_key_until_acknowledged() {
    let store = Store::open_in_memory().unwrap();
    store.outbox_push("sale", "k1", &json!({"n": 1})).unwrap();
    store.outbox_push("sale", "k1", &json!({"n": 2})).unwrap();
    store.outbox_push("sale", "k2", &json!({"n": 3})).unwrap();
    let pending = store.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].body, json!({"n": 1}));
    store.outbox_failed("k1", "central unreachable").unwrap();
    assert_eq!(store.outbox_pending(10).unwrap()[0].attempts, 1);
    store.outbox_ack("k1", &json!({"id": "T1"})).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 1);
    assert_eq!(store.outbox_response("k1").unwrap(), Some(json!({"id": "T1"})));
}

#[test]
fn device_id_is_stable_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/device.db");
    let first = Store::open(&path).unwrap().device_id().unwrap();
    let second = Store::open(&path).unwrap().device_id().unwrap();
    assert_eq!(first, second);
}

#[test]
fn corrupted_database_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    std::fs::write(&path, b"this is not sqlite, it is a shopping list: beras, telur").unwrap();
    let err = Store::open(&path).err().expect("garbage must not open");
    let text = err.to_string();
    assert!(text.contains("device.db") && text.contains("damaged"), "{text}");
}

#[test]
fn another_sqlite_database_is_not_taken_for_a_device_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 1;").unwrap();
    drop(other);
    let err = Store::open(&path).err().expect("a foreign database must not open");
    assert!(err.to_string().contains("not a swalayan device database"), "{err}");
}

#[test]
fn open_visit_survives_reopen_and_clears() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    Store::open(&path).unwrap().save_visit(&json!({"cart": [1, 2]})).unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.load_visit().unwrap(), Some(json!({"cart": [1, 2]})));
    store.clear_visit().unwrap();
    assert_eq!(store.load_visit().unwrap(), None);
}

#[test]
fn stock_cache_keeps_the_last_answer_per_product() {
    use crate::central::api::{Stock, StoreStock};
    let store = Store::open_in_memory().unwrap();
    let answer = |qty| Stock {
        barcode: "1".into(),
        name: "item 1".into(),
        store: StoreStock {
            id: "S1".into(),
            name: "Toko".into(),
            city: "Jakarta".into(),
            qty,
            reserved: 0,
            distance_m: None,
        },
        nearest: vec![],
        as_of: "2025-01-01T00:00:00.000Z".into(),
    };
    assert_eq!(store.cached_stock("1").unwrap(), None);
    store.cache_stock(&answer(3), "2025-01-01T00:00:01.000Z").unwrap();
    store.cache_stock(&answer(2), "2025-01-01T00:00:09.000Z").unwrap();
    let (kept, at) = store.cached_stock("1").unwrap().unwrap();
    assert_eq!((kept.store.qty, at.as_str()), (2, "2025-01-01T00:00:09.000Z"));
    store.forget_stock("1").unwrap();
    assert_eq!(store.cached_stock("1").unwrap(), None);
}

#[test]
fn migrations_are_valid() {
    MIGRATIONS.validate().unwrap();
}
