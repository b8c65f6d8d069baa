//! A fake DOKU SNAP QRIS server for tests, on 127.0.0.1 port 0.
//!
//! It checks every request the way DOKU's documentation defines it, with
//! its own code (never the adapter's): the access-token request's
//! SHA256withRSA signature over `clientId|X-TIMESTAMP` against the
//! merchant's public key, and each transactional request's HMAC-SHA512 over
//! `POST:path:token:lowerhex(sha256(minified body)):X-TIMESTAMP`, the
//! bearer token, X-PARTNER-ID, a numeric X-EXTERNAL-ID unique per day and a
//! `+07:00` X-TIMESTAMP. It keeps QR codes, payments and refunds, and can
//! be told to fail, stall or revoke its tokens.

#![allow(dead_code)]

mod handlers;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use ring::{digest, hmac};
use serde_json::{Value, json};
use swalayan::central::server::gateway::doku::DokuConfig;

pub const CLIENT_ID: &str = "BRN-0201-1700000000001";
pub const CLIENT_SECRET: &str = "SK-fake-doku-client-secret";
pub const MERCHANT_ID: &str = "2115";
pub const TERMINAL_ID: &str = "A01";

/// The committed test keys.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doku").join(name)
}

/// One QR code the fake issued.
#[derive(Clone, Debug)]
pub struct Qr {
    pub reference_no: String,
    pub amount: i64,
    pub validity: String,
    /// SNAP latestTransactionStatus: 03 pending, 00 paid, 04 refunded,
    /// 05 cancelled.
    pub status: &'static str,
    pub paid_at: Option<String>,
    /// partnerRefundNo -> amount.
    pub refunds: Vec<(String, i64)>,
}

impl Qr {
    pub fn refunded(&self) -> i64 {
        self.refunds.iter().map(|(_, a)| a).sum()
    }
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
pub struct FakeState {
    /// Valid tokens and when each expires.
    tokens: HashMap<String, Instant>,
    pub tokens_issued: usize,
    /// expiresIn of new tokens.
    pub token_lifetime: u64,
    /// Every token request is refused as unauthorised.
    pub refuse_tokens: bool,
    /// Every transactional request is refused as an invalid token.
    pub refuse_all_tokens: bool,
    /// (WIB date, X-EXTERNAL-ID) seen.
    external_ids: HashSet<(NaiveDate, String)>,
    pub qrs: HashMap<String, Qr>,
    next_reference: u64,
    /// Answer the next this many transactional requests with HTTP 500.
    pub fail_next: usize,
    /// Wait this long before answering the next request.
    pub delay_next: Option<Duration>,
    /// Register the next generated code, then wait this long before
    /// answering: DOKU took the code although the caller gave up.
    pub stall_next_generate: Option<Duration>,
    /// Override the amount value a query answers with.
    pub query_amount: Option<String>,
    /// Every transactional request that reached a handler.
    pub received: Vec<Received>,
    /// Why any request was refused for its headers or signature.
    pub rejections: Vec<String>,
}

pub struct FakeDoku {
    pub url: String,
    pub state: Arc<Mutex<FakeState>>,
    doku_key: Arc<RsaKeyPair>,
}

#[derive(Clone)]
struct App {
    state: Arc<Mutex<FakeState>>,
    merchant_public_key: Arc<Vec<u8>>,
}

impl FakeDoku {
    /// The gateway's settings for talking to this fake, with the test
    /// keys and a time limit of `timeout` per request.
    pub fn gateway_config(&self, timeout: Duration) -> DokuConfig {
        DokuConfig {
            base_url: self.url.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            private_key: fixture("merchant_private.pem"),
            public_key: fixture("doku_public.pem"),
            merchant_id: MERCHANT_ID.into(),
            terminal_id: TERMINAL_ID.into(),
            channel_id: "H2H".into(),
            timeout,
        }
    }

    pub async fn start() -> FakeDoku {
        let state = Arc::new(Mutex::new(FakeState { token_lifetime: 900, ..Default::default() }));
        let merchant_public_key = pem_der(&fixture("merchant_public_pkcs1.pem"), "RSA PUBLIC KEY");
        let doku_key =
            RsaKeyPair::from_pkcs8(&pem_der(&fixture("doku_private.pem"), "PRIVATE KEY"))
                .expect("the fake DOKU key loads");
        let app = App { state: state.clone(), merchant_public_key: Arc::new(merchant_public_key) };
        let router = Router::new()
            .route("/authorization/v1/access-token/b2b", post(handlers::token))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-generate", post(handlers::generate))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-query", post(handlers::query))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-refund", post(handlers::refund))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-cancel", post(handlers::cancel))
            .with_state(app);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeDoku { url: format!("http://{addr}"), state, doku_key: Arc::new(doku_key) }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn tokens_issued(&self) -> usize {
        self.with(|s| s.tokens_issued)
    }

    pub fn rejections(&self) -> Vec<String> {
        self.with(|s| s.rejections.clone())
    }

    pub fn revoke_tokens(&self) {
        self.with(|s| s.tokens.clear());
    }

    pub fn qr(&self, partner_reference: &str) -> Qr {
        self.with(|s| s.qrs[partner_reference].clone())
    }

    /// The shopper pays the code.
    pub fn pay(&self, partner_reference: &str) {
        self.with(|s| {
            let qr = s.qrs.get_mut(partner_reference).expect("a QR with that reference");
            assert_eq!(qr.status, "03", "only a pending code can be paid");
            qr.status = "00";
            qr.paid_at = Some(wib_timestamp(Utc::now()));
        });
    }

    /// The codes issued so far, as (partnerReferenceNo, latestTransactionStatus).
    pub fn statuses(&self) -> Vec<(String, &'static str)> {
        let mut all: Vec<_> =
            self.with(|s| s.qrs.iter().map(|(k, q)| (k.clone(), q.status)).collect());
        all.sort();
        all
    }

    /// The transactional requests to `path` (e.g. `qr-mpm-cancel`, matched
    /// at the end) received so far.
    pub fn received_at(&self, path_end: &str) -> Vec<Received> {
        self.with(|s| s.received.iter().filter(|r| r.path.ends_with(path_end)).cloned().collect())
    }

    /// Posts the payment notification for `partner_reference` to a
    /// merchant's `{base}{path}`, as DOKU does once the shopper paid;
    /// returns the HTTP status and the JSON answer.
    pub async fn notify(&self, base: &str, path: &str, partner_reference: &str) -> (u16, Value) {
        let (headers, body) = self.notification(partner_reference, path);
        post_notification(&format!("{base}{path}"), headers, body).await
    }

    /// A payment notification for `partner_reference` as DOKU would post it
    /// to the merchant's `path`: pretty-printed, signed SHA256withRSA by
    /// DOKU over `POST:path:lowerhex(sha256(minified body)):X-TIMESTAMP`.
    pub fn notification(&self, partner_reference: &str, path: &str) -> (HeaderMap, Vec<u8>) {
        let body = self.notification_body(partner_reference);
        let ts = wib_timestamp(Utc::now());
        let string = format!("POST:{path}:{}:{ts}", hex_sha256(&own_minify(&body)));
        let sig = self.rsa_sign(string.as_bytes());
        (self.notification_headers(&ts, &sig, None), body)
    }

    /// The same, signed the way DOKU signs its token requests:
    /// SHA256withRSA over `clientId|X-TIMESTAMP` at `at`.
    pub fn notification_client_signed(
        &self,
        partner_reference: &str,
        at: DateTime<Utc>,
    ) -> (HeaderMap, Vec<u8>) {
        let body = self.notification_body(partner_reference);
        let ts = wib_timestamp(at);
        let sig = self.rsa_sign(format!("{CLIENT_ID}|{ts}").as_bytes());
        (self.notification_headers(&ts, &sig, None), body)
    }

    /// The same, signed symmetrically: HMAC-SHA512 with the client secret
    /// over `POST:path:token:lowerhex(sha256(minified body)):X-TIMESTAMP`.
    pub fn notification_hmac_signed(
        &self,
        partner_reference: &str,
        path: &str,
        token: &str,
    ) -> (HeaderMap, Vec<u8>) {
        let body = self.notification_body(partner_reference);
        let ts = wib_timestamp(Utc::now());
        let string = format!("POST:{path}:{token}:{}:{ts}", hex_sha256(&own_minify(&body)));
        let key = hmac::Key::new(hmac::HMAC_SHA512, CLIENT_SECRET.as_bytes());
        let sig = STANDARD.encode(hmac::sign(&key, string.as_bytes()).as_ref());
        (self.notification_headers(&ts, &sig, Some(token)), body)
    }

    fn notification_body(&self, partner_reference: &str) -> Vec<u8> {
        let qr = self.qr(partner_reference);
        // The shape of SNAP's QR MPM notify; the payer fields stand for the
        // personal data the adapter must never log.
        let body = json!({
            "originalReferenceNo": qr.reference_no,
            "originalPartnerReferenceNo": partner_reference,
            "latestTransactionStatus": "00",
            "transactionStatusDesc": "Success",
            "amount": {"value": format!("{}.00", qr.amount), "currency": "IDR"},
            "additionalInfo": {
                "customerName": "BUDI SANTOSO",
                "customerNumber": "9360001410190013903",
                "issuer": "BCA",
                "paidTime": qr.paid_at.unwrap_or_default(),
            }
        });
        serde_json::to_vec_pretty(&body).unwrap()
    }

    fn notification_headers(&self, ts: &str, sig: &str, token: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("Content-Type", HeaderValue::from_static("application/json"));
        h.insert("X-TIMESTAMP", HeaderValue::from_str(ts).unwrap());
        h.insert("X-SIGNATURE", HeaderValue::from_str(sig).unwrap());
        h.insert("X-PARTNER-ID", HeaderValue::from_static(CLIENT_ID));
        h.insert("X-EXTERNAL-ID", HeaderValue::from_static("418075533589"));
        h.insert("CHANNEL-ID", HeaderValue::from_static("H2H"));
        if let Some(t) = token {
            h.insert("Authorization", HeaderValue::from_str(&format!("Bearer {t}")).unwrap());
        }
        h
    }

    fn rsa_sign(&self, message: &[u8]) -> String {
        let mut sig = vec![0; self.doku_key.public().modulus_len()];
        self.doku_key
            .sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .unwrap();
        STANDARD.encode(sig)
    }
}

/// Posts a notification's headers and body to `url`; the HTTP status and
/// the JSON answer.
pub async fn post_notification(url: &str, headers: HeaderMap, body: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::Client::new().post(url).headers(headers).body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Reads a PEM file's DER, checking its label.
fn pem_der(path: &Path, label: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).expect("PEM begin line") + begin.len();
    let stop = text.find(&end).expect("PEM end line");
    let b64: String = text[start..stop].split_whitespace().collect();
    STANDARD.decode(b64).unwrap()
}

fn wib_timestamp(at: DateTime<Utc>) -> String {
    let wib = FixedOffset::east_opt(7 * 3600).unwrap();
    at.with_timezone(&wib).format("%Y-%m-%dT%H:%M:%S+07:00").to_string()
}

fn hex_sha256(bytes: &[u8]) -> String {
    let d = digest::digest(&digest::SHA256, bytes);
    let mut out = String::new();
    for b in d.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// SNAP's minify, written here apart from the adapter's: drop the
/// whitespace that is not inside a JSON string.
fn own_minify(body: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(body).expect("JSON is UTF-8");
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(s) = chars.next() {
                    out.push(s);
                    if s == '\\' {
                        out.push(chars.next().expect("an escaped character"));
                    } else if s == '"' {
                        break;
                    }
                }
            }
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    out.into_bytes()
}
