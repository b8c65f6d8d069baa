//! Helpers shared by the end-to-end tests: a real central on port 0.

#![allow(dead_code)]

pub mod click;
pub mod gateway;

use std::path::{Path, PathBuf};
use std::time::Duration;

use swalayan::central::api::Payment;
use swalayan::central::client::{Client, ClientError};
use swalayan::central::server::{self, Config, Running};

/// The shared sample photos, beside the repository.
pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/barcodes")
}

/// Starts a central on 127.0.0.1, port 0, with `catalog` (CSV text) or the
/// demo catalog.
pub async fn start_central(catalog: Option<&str>, dir: &Path) -> Running {
    start_central_with(catalog, dir, Duration::from_secs(300)).await
}

pub async fn start_central_with(catalog: Option<&str>, dir: &Path, ttl: Duration) -> Running {
    let catalog = catalog.map(|text| {
        let path = dir.join("catalog.csv");
        std::fs::write(&path, text).unwrap();
        path
    });
    let config = Config {
        db: Some(dir.join("central.db")),
        catalog,
        payment_ttl: ttl,
        ..Default::default()
    };
    server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("central starts")
}

/// Starts a central with `config` on 127.0.0.1, port 0, and a client of it.
pub async fn start(config: Config) -> (Running, Client) {
    let central = server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("starts");
    let client = Client::new(&central.url()).unwrap();
    (central, client)
}

/// The status and error code of a refusal; panics on any other error.
pub fn refusal(e: &ClientError) -> (u16, &str) {
    match e {
        ClientError::Refused { status, code, .. } => (status.as_u16(), code),
        other => panic!("not a refusal: {other}"),
    }
}

/// Reads the payment until `done` holds, for up to ten seconds.
pub async fn until(client: &Client, id: &str, done: impl Fn(&Payment) -> bool) -> Payment {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let p = client.payment(id).await.unwrap();
        if done(&p) {
            return p;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting; payment is {p:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
