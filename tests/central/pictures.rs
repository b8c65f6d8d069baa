//! Product pictures end to end: the central serves the demo pictures and a
//! retailer's own directory (`--images`), refuses a catalog naming a picture
//! it lacks, and a device caches the pictures at sync, fetching each once,
//! with a failed picture leaving the sync done.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use swalayan::central::client::Client;
use swalayan::central::server::{self, Config};
use swalayan::checkout::Device;
use swalayan::store::Store;

use crate::common;

fn committed(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/images").join(name)).unwrap()
}

/// The picture names of the demo catalog, read from the CSV itself: the
/// sixth column.
fn demo_picture_names() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog.csv"))
            .unwrap();
    assert!(text.starts_with("barcode,name,price,category,restriction,image\n"));
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(5))
        .filter(|n| !n.is_empty())
        .map(Into::into)
        .collect()
}

/// SHA-256 in hex, quoted: a strong ETag of the bytes.
fn sha256_etag(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    format!("\"{}\"", digest.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[tokio::test]
async fn the_central_serves_its_pictures_with_their_type_and_etag() {
    let (central, _client) = common::start(Config::default()).await;
    let http = reqwest::Client::new();
    let url = |name: &str| format!("{}/v1/images/{name}", central.url());

    let banana = committed("banana.png");
    let resp = http.get(url("banana.png")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let header = |resp: &reqwest::Response, name: &str| {
        resp.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header(&resp, "content-type").as_deref(), Some("image/png"));
    let etag = header(&resp, "etag").unwrap();
    assert_eq!(etag, sha256_etag(&banana));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &banana[..]);

    // Asked again with the ETag: not modified, no bytes.
    let again = http.get(url("banana.png")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    let unknown = http.get(url("semangka.png")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["error"], "no image semangka.png");

    // The catalog names the picture and its ETag.
    let page = Client::new(&central.url()).unwrap().catalog_page(None, 1000).await.unwrap();
    let item = page.products.iter().find(|p| p.barcode == "4011").unwrap();
    assert_eq!(item.image.as_deref(), Some("banana.png"));
    assert_eq!(item.image_etag.as_deref(), Some(etag.as_str()));
    central.stop().await;
}

#[tokio::test]
async fn a_retailers_picture_directory_is_served_and_checked_against_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    std::fs::create_dir(&images).unwrap();
    // A JPEG's first bytes are enough for the central, which sends them as
    // they are.
    let durian = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
    std::fs::write(images.join("durian.jpg"), durian).unwrap();
    let catalog = dir.path().join("catalog.csv");
    std::fs::write(&catalog, "barcode,name,price,image\n4260,Durian Montong,85000,durian.jpg\n")
        .unwrap();
    let config = Config {
        catalog: Some(catalog.clone()),
        images: Some(images.clone()),
        ..Default::default()
    };
    let (central, _) = common::start(config.clone()).await;
    let resp = reqwest::get(format!("{}/v1/images/durian.jpg", central.url())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &durian[..]);
    // The demo pictures are not this central's.
    let demo = reqwest::get(format!("{}/v1/images/banana.png", central.url())).await.unwrap();
    assert_eq!(demo.status(), 404);
    central.stop().await;

    // A row naming a picture the directory lacks stops the start.
    std::fs::write(
        &catalog,
        "barcode,name,price,image\n4260,Durian Montong,85000,durian.jpg\n4011,Pisang,2500,banana.png\n",
    )
    .unwrap();
    let e = server::start(config, "127.0.0.1:0".parse().unwrap()).await.err().unwrap();
    assert_eq!(
        format!("{e:#}"),
        format!(
            "{}: line 3: image \"banana.png\" is not in the pictures ({})",
            catalog.display(),
            images.display()
        )
    );
}

/// What the counting proxy saw and does.
#[derive(Default)]
struct Proxy {
    /// Requests for each picture, by name.
    asked: Mutex<Vec<String>>,
    /// A picture the proxy answers 503 for, as a central in trouble would.
    failing: Mutex<Option<String>>,
    requests: AtomicUsize,
}

/// Starts a proxy on 127.0.0.1 port 0 in front of `central` that counts
/// the picture requests; returns its URL.
async fn start_proxy(central: String, proxy: Arc<Proxy>) -> String {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::IntoResponse;

    let http = reqwest::Client::new();
    let forward = move |uri: Uri, headers: HeaderMap| {
        let (http, central, proxy) = (http.clone(), central.clone(), proxy.clone());
        async move {
            proxy.requests.fetch_add(1, Ordering::SeqCst);
            let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
            if let Some(name) = uri.path().strip_prefix("/v1/images/") {
                proxy.asked.lock().unwrap().push(name.to_owned());
                if proxy.failing.lock().unwrap().as_deref() == Some(name) {
                    return (StatusCode::SERVICE_UNAVAILABLE, HeaderMap::new(), Bytes::new())
                        .into_response();
                }
            }
            let mut req = http.get(format!("{central}{path}"));
            if let Some(tag) = headers.get("if-none-match") {
                req = req.header("if-none-match", tag.to_str().unwrap());
            }
            let resp = req.send().await.unwrap();
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
            let mut out = HeaderMap::new();
            for name in ["content-type", "etag"] {
                if let Some(v) = resp.headers().get(name) {
                    out.insert(name, v.to_str().unwrap().parse().unwrap());
                }
            }
            (status, out, resp.bytes().await.unwrap()).into_response()
        }
    };
    let app = axum::Router::new().fallback(axum::routing::get(forward));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn a_device_caches_each_picture_once_and_a_failed_one_leaves_the_sync_done() {
    let (central, _) = common::start(Config::default()).await;
    let proxy = Arc::new(Proxy::default());
    *proxy.failing.lock().unwrap() = Some("tomato.png".into());
    let url = start_proxy(central.url(), proxy.clone()).await;
    let device =
        Device::with_store(Store::open_in_memory().unwrap(), Client::new(&url).unwrap()).unwrap();
    let names = demo_picture_names();
    assert!(names.contains("banana.png") && names.contains("tomato.png"), "{names:?}");

    // First sync: every picture asked for once (the two bananas share
    // one); the tomato fails, and the sync is done all the same.
    let first = device.sync_catalog().await.unwrap();
    let asked: BTreeSet<String> = proxy.asked.lock().unwrap().iter().cloned().collect();
    assert_eq!(asked, names);
    assert_eq!(proxy.asked.lock().unwrap().len(), names.len());
    assert_eq!((first.pictures_fetched, first.pictures_failed), (names.len() - 1, 1));
    let held = |name: &'static str| {
        let device = device.clone();
        async move { device.with_store_blocking(move |s| s.picture(name)).await.unwrap() }
    };
    assert_eq!(held("banana.png").await, Some(committed("banana.png")));
    assert_eq!(held("tomato.png").await, None);

    // The central is fine again: only the tomato is asked for.
    *proxy.failing.lock().unwrap() = None;
    let second = device.sync_catalog().await.unwrap();
    assert_eq!(proxy.asked.lock().unwrap()[names.len()..], ["tomato.png"]);
    assert_eq!((second.pictures_fetched, second.pictures_failed), (1, 0));
    assert_eq!(held("tomato.png").await, Some(committed("tomato.png")));

    // Nothing changed: no picture is asked for again.
    let before = proxy.requests.load(Ordering::SeqCst);
    device.sync_catalog().await.unwrap();
    assert!(proxy.requests.load(Ordering::SeqCst) > before, "the third sync reached the central");
    assert_eq!(proxy.asked.lock().unwrap().len(), names.len() + 1);

    // Offline, the produce list's pictures come from the cache.
    central.stop().await;
    let produce = device.produce_pictures().await.unwrap();
    let banana = produce.iter().find(|(barcode, _, _)| barcode == "4011").unwrap();
    assert_eq!((banana.1.as_str(), &banana.2), ("banana.png", &committed("banana.png")));
}

#[tokio::test]
async fn the_picture_route_and_field_are_in_the_served_openapi_document() {
    let (central, _) = common::start(Config::default()).await;
    let url = format!("{}/v1/openapi.json", central.url());
    let doc: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let route = &doc["paths"]["/v1/images/{name}"]["get"];
    assert!(route["responses"]["200"]["content"]["image/png"].is_object(), "{route}");
    assert!(route["responses"]["404"].is_object(), "{route}");
    let entry = &doc["components"]["schemas"]["CatalogEntry"]["properties"];
    assert!(entry["image"].is_object() && entry["image_etag"].is_object(), "{entry}");
    central.stop().await;
}
