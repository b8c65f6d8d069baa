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

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use ring::{digest, hmac};
use serde_json::{Value, json};

use swalayan::domain::Rupiah;
use swalayan::domain::qris::{Merchant, dynamic_payload};

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
    pub async fn start() -> FakeDoku {
        let state = Arc::new(Mutex::new(FakeState { token_lifetime: 900, ..Default::default() }));
        let merchant_public_key = pem_der(&fixture("merchant_public_pkcs1.pem"), "RSA PUBLIC KEY");
        let doku_key =
            RsaKeyPair::from_pkcs8(&pem_der(&fixture("doku_private.pem"), "PRIVATE KEY"))
                .expect("the fake DOKU key loads");
        let app = App { state: state.clone(), merchant_public_key: Arc::new(merchant_public_key) };
        let router = Router::new()
            .route("/authorization/v1/access-token/b2b", post(token))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-generate", post(generate))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-query", post(query))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-refund", post(refund))
            .route("/snap-adapter/b2b/v1.0/qr/qr-mpm-cancel", post(cancel))
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

/// Checks an X-TIMESTAMP: `YYYY-MM-DDTHH:mm:ss+07:00`, within five
/// minutes of now.
fn check_timestamp(ts: &str) -> Result<DateTime<FixedOffset>, String> {
    if ts.len() != 25 || !ts.ends_with("+07:00") || ts.as_bytes()[10] != b'T' {
        return Err(format!("X-TIMESTAMP {ts:?} is not YYYY-MM-DDTHH:mm:ss+07:00"));
    }
    let at = DateTime::parse_from_rfc3339(ts).map_err(|_| format!("X-TIMESTAMP {ts:?}"))?;
    if (Utc::now() - at.with_timezone(&Utc)).abs() > chrono::TimeDelta::minutes(5) {
        return Err(format!("X-TIMESTAMP {ts:?} is not now"));
    }
    Ok(at)
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn snap_error(status: StatusCode, code: &str, message: &str) -> Response {
    answer(status, json!({"responseCode": code, "responseMessage": message}))
}

async fn pause(app: &App) {
    let delay = app.state.lock().unwrap().delay_next.take();
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
}

async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    pause(&app).await;
    let check = || -> Result<(), String> {
        let key = header(&headers, "X-CLIENT-KEY").ok_or("no X-CLIENT-KEY")?;
        if key != CLIENT_ID {
            return Err(format!("X-CLIENT-KEY {key:?} is not the client id"));
        }
        let ts = header(&headers, "X-TIMESTAMP").ok_or("no X-TIMESTAMP")?;
        check_timestamp(ts)?;
        let sig = header(&headers, "X-SIGNATURE").ok_or("no X-SIGNATURE")?;
        let sig = STANDARD.decode(sig).map_err(|_| "X-SIGNATURE is not base64")?;
        let rsa = UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            app.merchant_public_key.as_slice(),
        );
        rsa.verify(format!("{CLIENT_ID}|{ts}").as_bytes(), &sig)
            .map_err(|_| "token X-SIGNATURE does not verify with the merchant key")?;
        let body: Value = serde_json::from_slice(&body).map_err(|_| "token body is not JSON")?;
        if body != json!({"grantType": "client_credentials"}) {
            return Err(format!("token body {body}"));
        }
        Ok(())
    };
    let mut s = app.state.lock().unwrap();
    if let Err(why) = check() {
        s.rejections.push(why);
        return snap_error(StatusCode::UNAUTHORIZED, "4017300", "Unauthorized. Signature");
    }
    if s.refuse_tokens {
        return snap_error(StatusCode::UNAUTHORIZED, "4017300", "Unauthorized. Client");
    }
    s.tokens_issued += 1;
    let value = format!("eyJhbGciOiJSUzI1NiJ9.fake-{}-{}", s.tokens_issued, rand::random::<u32>());
    let lifetime = s.token_lifetime;
    s.tokens.insert(value.clone(), Instant::now() + Duration::from_secs(lifetime));
    answer(
        StatusCode::OK,
        json!({
            "responseCode": "2007300",
            "responseMessage": "Successful",
            "accessToken": value,
            "tokenType": "Bearer",
            "expiresIn": lifetime.to_string(),
            "additionalInfo": ""
        }),
    )
}

/// Why the fake refused a request: the answer, and the reason when the
/// adapter is at fault (a token that expired is not).
struct Refusal {
    status: StatusCode,
    code: String,
    message: String,
    why: Option<String>,
}

fn refuse(status: StatusCode, code: String, message: &str, why: String) -> Refusal {
    Refusal { status, code, message: message.to_owned(), why: Some(why) }
}

/// Checks a transactional request's headers and signature; on success
/// returns its JSON body. `service` is the SNAP service code for errors.
fn check_transaction(
    app: &App,
    path: &str,
    service: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Response> {
    let mut s = app.state.lock().unwrap();
    match verify_transaction(&mut s, path, service, headers, body) {
        Ok(json) => {
            s.received.push(Received {
                path: path.to_owned(),
                headers: headers.clone(),
                body: json.clone(),
            });
            if s.fail_next > 0 {
                s.fail_next -= 1;
                let code = format!("500{service}00");
                return Err(snap_error(StatusCode::INTERNAL_SERVER_ERROR, &code, "General Error"));
            }
            Ok(json)
        }
        Err(r) => {
            if let Some(why) = r.why {
                s.rejections.push(why);
            }
            Err(snap_error(r.status, &r.code, &r.message))
        }
    }
}

fn verify_transaction(
    s: &mut FakeState,
    path: &str,
    service: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Refusal> {
    let unauthorized = |why: String| {
        refuse(StatusCode::UNAUTHORIZED, format!("401{service}00"), "Unauthorized", why)
    };
    let bad = |case: &str, message: &str, why: String| {
        refuse(StatusCode::BAD_REQUEST, format!("400{service}{case}"), message, why)
    };

    if header(headers, "Content-Type") != Some("application/json") {
        return Err(bad("00", "Bad Request", "Content-Type is not application/json".into()));
    }
    let Some(token) = header(headers, "Authorization").and_then(|a| a.strip_prefix("Bearer "))
    else {
        return Err(unauthorized("no bearer token".into()));
    };
    let valid = s.tokens.get(token).is_some_and(|exp| Instant::now() < *exp);
    if !valid || s.refuse_all_tokens {
        // Not the adapter's fault: tokens expire and are revoked.
        return Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            code: format!("401{service}01"),
            message: "Invalid Token (B2B)".into(),
            why: None,
        });
    }
    if header(headers, "X-PARTNER-ID") != Some(CLIENT_ID) {
        return Err(unauthorized("X-PARTNER-ID is not the client id".into()));
    }
    if header(headers, "CHANNEL-ID").is_none_or(str::is_empty) {
        return Err(bad("02", "Invalid Mandatory Field CHANNEL-ID", "no CHANNEL-ID".into()));
    }
    let ts = header(headers, "X-TIMESTAMP").ok_or_else(|| unauthorized("no X-TIMESTAMP".into()))?;
    let at = check_timestamp(ts).map_err(unauthorized)?;
    let external = header(headers, "X-EXTERNAL-ID").unwrap_or("");
    if external.is_empty() || external.len() > 36 || !external.bytes().all(|b| b.is_ascii_digit()) {
        let why = format!("X-EXTERNAL-ID {external:?} is not a numeric string of 1-36");
        return Err(bad("01", "Invalid Field Format X-EXTERNAL-ID", why));
    }
    if !s.external_ids.insert((at.date_naive(), external.to_owned())) {
        let why = format!("X-EXTERNAL-ID {external} used twice on {}", at.date_naive());
        return Err(refuse(StatusCode::CONFLICT, format!("409{service}00"), "Conflict", why));
    }

    let string = format!("POST:{path}:{token}:{}:{ts}", hex_sha256(&own_minify(body)));
    let key = hmac::Key::new(hmac::HMAC_SHA512, CLIENT_SECRET.as_bytes());
    let expected = STANDARD.encode(hmac::sign(&key, string.as_bytes()).as_ref());
    if header(headers, "X-SIGNATURE") != Some(expected.as_str()) {
        // DOKU's answer to a bad signature.
        let why = format!("X-SIGNATURE of {path} is not the HMAC-SHA512 DOKU computes");
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "4017300".into(),
            "Unauthorized. Signature",
            why,
        ));
    }
    serde_json::from_slice::<Value>(body)
        .map_err(|_| bad("00", "Bad Request", "body is not JSON".into()))
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Reads a request amount: `{"value":"17000.00","currency":"IDR"}`.
fn request_amount(v: Option<&Value>) -> Option<i64> {
    let v = v?;
    if v.get("currency")?.as_str()? != "IDR" {
        return None;
    }
    let value = v.get("value")?.as_str()?;
    let (whole, cents) = value.split_once('.')?;
    if cents != "00" || whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

fn demo_merchant() -> Merchant {
    Merchant {
        acquirer_domain: "ID.CO.DOKU.WWW".into(),
        merchant_pan: "936008990000047435".into(),
        merchant_id: MERCHANT_ID.into(),
        nmid: "ID1020021181745".into(),
        criteria: "UMI".into(),
        mcc: "5411".into(),
        name: "SWALAYAN TEST".into(),
        city: "JAKARTA".into(),
        postal_code: "10110".into(),
    }
}

async fn generate(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-generate";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "47", &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let missing = |f: &str| {
        snap_error(StatusCode::BAD_REQUEST, "4004702", &format!("Invalid Mandatory Field {f}"))
    };
    let format = |f: &str| {
        snap_error(StatusCode::BAD_REQUEST, "4004701", &format!("Invalid Field Format {f}"))
    };
    let Some(partner) = str_field(&req, "partnerReferenceNo") else {
        return missing("partnerReferenceNo");
    };
    let Some(amount) = request_amount(req.get("amount")) else { return format("amount") };
    if str_field(&req, "merchantId") != Some(MERCHANT_ID) {
        return format("merchantId");
    }
    if str_field(&req, "terminalId") != Some(TERMINAL_ID) {
        return format("terminalId");
    }
    let Some(validity) = str_field(&req, "validityPeriod") else {
        return missing("validityPeriod");
    };
    let valid_until = match check_validity(validity) {
        Ok(v) => v,
        Err(_) => return format("validityPeriod"),
    };
    let _ = valid_until;

    let mut s = app.state.lock().unwrap();
    if s.qrs.contains_key(partner) {
        return snap_error(StatusCode::CONFLICT, "4094700", "Duplicate partnerReferenceNo");
    }
    s.next_reference += 1;
    let reference_no = format!("A1201{:09}", s.next_reference);
    let qr_content = dynamic_payload(&demo_merchant(), Rupiah(amount), &reference_no).unwrap();
    s.qrs.insert(
        partner.to_owned(),
        Qr {
            reference_no: reference_no.clone(),
            amount,
            validity: validity.to_owned(),
            status: "03",
            paid_at: None,
            refunds: Vec::new(),
        },
    );
    answer(
        StatusCode::OK,
        json!({
            "responseCode": "2004700",
            "responseMessage": "Successful",
            "referenceNo": reference_no,
            "partnerReferenceNo": partner,
            "qrContent": qr_content,
            "terminalId": TERMINAL_ID,
            "additionalInfo": {"validityPeriod": validity}
        }),
    )
}

/// validityPeriod: `+07:00` ISO 8601, in the future.
fn check_validity(v: &str) -> Result<DateTime<FixedOffset>, ()> {
    if v.len() != 25 || !v.ends_with("+07:00") {
        return Err(());
    }
    let at = DateTime::parse_from_rfc3339(v).map_err(|_| ())?;
    if at.with_timezone(&Utc) <= Utc::now() {
        return Err(());
    }
    Ok(at)
}

/// Finds the QR a query, cancel or refund names, checking the names agree.
fn find_qr<'a>(s: &'a mut FakeState, req: &Value, service: &str) -> Result<&'a mut Qr, Response> {
    let not_found =
        || snap_error(StatusCode::NOT_FOUND, &format!("404{service}01"), "Transaction Not Found");
    let partner = str_field(req, "originalPartnerReferenceNo").ok_or_else(not_found)?;
    if str_field(req, "merchantId") != Some(MERCHANT_ID) {
        return Err(snap_error(
            StatusCode::BAD_REQUEST,
            &format!("400{service}01"),
            "Invalid Field Format merchantId",
        ));
    }
    let qr = s.qrs.get_mut(partner).ok_or_else(not_found)?;
    if let Some(r) = str_field(req, "originalReferenceNo")
        && r != qr.reference_no
    {
        return Err(not_found());
    }
    Ok(qr)
}

async fn query(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-query";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "51", &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if str_field(&req, "serviceCode") != Some("47") {
        return snap_error(StatusCode::BAD_REQUEST, "4005101", "Invalid Field Format serviceCode");
    }
    let mut s = app.state.lock().unwrap();
    let override_amount = s.query_amount.clone();
    let qr = match find_qr(&mut s, &req, "51") {
        Ok(qr) => qr.clone(),
        Err(r) => return r,
    };
    let desc = match qr.status {
        "00" => "Success",
        "04" => "Refunded",
        "05" => "Canceled",
        _ => "Pending",
    };
    let value = override_amount.unwrap_or_else(|| format!("{}.00", qr.amount));
    let mut body = json!({
        "responseCode": "2005100",
        "responseMessage": "Successful",
        "originalReferenceNo": qr.reference_no,
        "originalPartnerReferenceNo": req["originalPartnerReferenceNo"],
        "serviceCode": "47",
        "latestTransactionStatus": qr.status,
        "transactionStatusDesc": desc,
        "amount": {"value": value, "currency": "IDR"},
        "terminalId": TERMINAL_ID,
        "additionalInfo": {}
    });
    if let Some(paid) = qr.paid_at {
        body["paidTime"] = paid.into();
    }
    answer(StatusCode::OK, body)
}

async fn refund(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-refund";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "78", &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(refund_no) = str_field(&req, "partnerRefundNo").map(str::to_owned) else {
        return snap_error(
            StatusCode::BAD_REQUEST,
            "4007802",
            "Invalid Mandatory Field partnerRefundNo",
        );
    };
    let Some(amount) = request_amount(req.get("refundAmount")) else {
        return snap_error(StatusCode::BAD_REQUEST, "4007801", "Invalid Field Format refundAmount");
    };
    if str_field(&req, "reason").is_none() {
        return snap_error(StatusCode::BAD_REQUEST, "4007802", "Invalid Mandatory Field reason");
    }
    let mut s = app.state.lock().unwrap();
    let qr = match find_qr(&mut s, &req, "78") {
        Ok(qr) => qr,
        Err(r) => return r,
    };
    let done = |qr: &Qr, amount: i64| {
        answer(
            StatusCode::OK,
            json!({
                "responseCode": "2007800",
                "responseMessage": "Successful",
                "originalPartnerReferenceNo": req["originalPartnerReferenceNo"],
                "originalReferenceNo": qr.reference_no,
                "refundNo": format!("RF{}", refund_no),
                "partnerRefundNo": refund_no,
                "refundAmount": {"value": format!("{amount}.00"), "currency": "IDR"},
                "refundTime": wib_timestamp(Utc::now())
            }),
        )
    };
    // The same partnerRefundNo again is the same refund, answered again.
    if let Some((_, a)) = qr.refunds.iter().find(|(no, _)| *no == refund_no) {
        if *a != amount {
            return snap_error(StatusCode::CONFLICT, "4097800", "Conflict");
        }
        return done(qr, amount);
    }
    if !matches!(qr.status, "00" | "04") {
        return snap_error(StatusCode::FORBIDDEN, "4037815", "Transaction Not Permitted. Not paid");
    }
    if qr.refunded() + amount > qr.amount {
        return snap_error(
            StatusCode::FORBIDDEN,
            "4037815",
            "Transaction Not Permitted. Exceeds amount",
        );
    }
    qr.refunds.push((refund_no.clone(), amount));
    if qr.refunded() == qr.amount {
        qr.status = "04";
    }
    let qr = qr.clone();
    done(&qr, amount)
}

async fn cancel(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-cancel";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "77", &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if str_field(&req, "reason").is_none() {
        return snap_error(StatusCode::BAD_REQUEST, "4007702", "Invalid Mandatory Field reason");
    }
    let mut s = app.state.lock().unwrap();
    let qr = match find_qr(&mut s, &req, "77") {
        Ok(qr) => qr,
        Err(r) => return r,
    };
    match qr.status {
        "03" => qr.status = "05",
        "05" => {}
        _ => {
            return snap_error(StatusCode::FORBIDDEN, "4037715", "Transaction Not Permitted. Paid");
        }
    }
    answer(
        StatusCode::OK,
        json!({
            "responseCode": "2007700",
            "responseMessage": "Successful",
            "originalPartnerReferenceNo": req["originalPartnerReferenceNo"],
            "originalReferenceNo": qr.reference_no,
            "cancelTime": wib_timestamp(Utc::now())
        }),
    )
}
