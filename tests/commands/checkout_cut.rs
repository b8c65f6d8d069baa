//! The headless checkout when the network to the central is cut after the
//! payment exists: the real binary, a real central on port 0, and between
//! them a gate that forwards every request until it is told to refuse some.
//!
//! Cut before the sale is recorded: the receipt comes without a transaction
//! id, exit 3, and the next run delivers the sale once. Cut before the
//! kiosk hears that the payment was made: no receipt, exit 4, and the next
//! run records that sale (and says so) before its own.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use swalayan::central::server::{self, Config};

/// One Indomie Goreng (Rp 3.500) and one Teh Botol Sosro 450 ml
/// (Rp 5.500) of the demo catalog: no demo promotion applies to one unit of
/// either (the noodles' "buy 3, 1 free" needs three).
const INDOMIE: &str = "8991508000406";
const TEH: &str = "8991545000735";

/// Which requests the gate refuses with 503, by method and path prefix.
#[derive(Default)]
struct Gate {
    upstream: String,
    refuse: Mutex<Vec<(Method, &'static str)>>,
    refused: Mutex<u32>,
}

async fn forward(State(gate): State<Arc<Gate>>, req: Request<Body>) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let cut = gate.refuse.lock().unwrap().iter().any(|(m, p)| *m == method && path.starts_with(p));
    if cut {
        *gate.refused.lock().unwrap() += 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "the network is cut").into_response();
    }
    let url = format!("{}{}", gate.upstream, req.uri());
    let mut out = reqwest::Client::new().request(method, url);
    for (name, value) in req.headers() {
        if name != "host" {
            out = out.header(name, value);
        }
    }
    let body: Bytes = axum::body::to_bytes(req.into_body(), usize::MAX).await.unwrap();
    let answer = match out.body(body).send().await {
        Ok(a) => a,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let mut res = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        res = res.header(name, value);
    }
    res.body(Body::from(answer.bytes().await.unwrap_or_default())).unwrap()
}

async fn start_gate(upstream: String) -> (Arc<Gate>, String) {
    let gate = Arc::new(Gate { upstream, ..Default::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(forward).with_state(gate.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (gate, url)
}

/// Runs `swalayan checkout` with `codes` typed, off the async runtime.
async fn checkout(central: &str, data: &Path, codes: &[&str]) -> (i32, Value, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swalayan"));
    cmd.args(["checkout", "--central", central, "--pay", "simulated", "--data-dir"]).arg(data);
    for c in codes {
        cmd.args(["--code", c]);
    }
    let out =
        tokio::task::spawn_blocking(move || cmd.output().expect("swalayan runs")).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The sales the central holds, by payment: read from its database.
fn sales(central_db: &Path) -> Vec<(String, i64)> {
    let db = rusqlite::Connection::open(central_db).unwrap();
    let mut q = db.prepare("SELECT payment_id, total FROM sale ORDER BY created_at").unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

async fn central(dir: &Path, ttl: Duration) -> server::Running {
    let config =
        Config { db: Some(dir.join("central.db")), payment_ttl: ttl, ..Default::default() };
    server::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("central starts")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_the_central_did_not_take_exits_3_and_goes_out_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path(), Duration::from_secs(300)).await;
    let (gate, url) = start_gate(central.url()).await;
    let data = dir.path().join("device");
    gate.refuse.lock().unwrap().push((Method::POST, "/v1/transactions"));

    // One Indomie at Rp 3.500: the payment is made, the sale is not taken.
    let (code, receipt, stderr) = checkout(&url, &data, &[INDOMIE]).await;
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(receipt["total"], 3_500, "{receipt}");
    assert_eq!(receipt["transaction_id"], Value::Null, "{receipt}");
    assert_eq!(receipt["payment"]["status"], "paid", "{receipt}");
    let first = receipt["payment"]["id"].as_str().unwrap().to_owned();
    assert!(*gate.refused.lock().unwrap() >= 1);
    assert!(sales(&dir.path().join("central.db")).is_empty());

    // The network back: the next run delivers it first, then its own
    // Teh Botol (Rp 5.500); each sale once.
    gate.refuse.lock().unwrap().clear();
    let (code, receipt, stderr) = checkout(&url, &data, &[TEH]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(receipt["total"], 5_500, "{receipt}");
    let second = receipt["payment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(sales(&dir.path().join("central.db")), [(first, 3_500), (second, 5_500)]);
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_whose_end_was_never_heard_exits_4_and_the_next_run_records_it() {
    let dir = tempfile::tempdir().unwrap();
    // A code that expires in 3 s: the checkout gives up 10 s after it.
    let central = central(dir.path(), Duration::from_secs(3)).await;
    let (gate, url) = start_gate(central.url()).await;
    let data = dir.path().join("device");
    // The shopper's payment goes through (the simulator pays it); every
    // question about it afterwards meets a cut network.
    gate.refuse.lock().unwrap().push((Method::GET, "/v1/payments/"));

    let (code, receipt, stderr) = checkout(&url, &data, &[INDOMIE]).await;
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(receipt, Value::Null, "no receipt is printed: {receipt}");
    assert!(stderr.contains("may have been paid"), "{stderr}");
    assert!(sales(&dir.path().join("central.db")).is_empty());

    // Back: the earlier sale is recorded first, and said so on stderr.
    gate.refuse.lock().unwrap().clear();
    let (code, receipt, stderr) = checkout(&url, &data, &[TEH]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("an earlier run's paid checkout was recorded now"), "{stderr}");
    let recorded = sales(&dir.path().join("central.db"));
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(recorded[0].1, 3_500);
    assert_eq!(recorded[1], (receipt["payment"]["id"].as_str().unwrap().to_owned(), 5_500));
    central.stop().await;
}
