//! The fake DOKU's endpoints: token, generate, query, refund, cancel.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, Utc};
use ring::hmac;
use ring::signature::{self, UnparsedPublicKey};
use serde_json::{Value, json};

use super::{
    App, CLIENT_ID, CLIENT_SECRET, FakeState, MERCHANT_ID, Qr, Received, TERMINAL_ID, hex_sha256,
    own_minify, wib_timestamp,
};
use swalayan::domain::Rupiah;
use swalayan::domain::qris::{Merchant, dynamic_payload};

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

pub(super) async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
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
) -> Result<Value, Box<Response>> {
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
                let error = snap_error(StatusCode::INTERNAL_SERVER_ERROR, &code, "General Error");
                return Err(Box::new(error));
            }
            Ok(json)
        }
        Err(r) => {
            if let Some(why) = r.why {
                s.rejections.push(why);
            }
            Err(Box::new(snap_error(r.status, &r.code, &r.message)))
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

pub(super) async fn generate(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-generate";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "47", &headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
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

    let (reference_no, qr_content, stall) = {
        let mut s = app.state.lock().unwrap();
        // SNAP refuses a partnerReferenceNo it has seen, even when the
        // first request's answer never reached the caller.
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
        (reference_no, qr_content, s.stall_next_generate.take())
    };
    if let Some(d) = stall {
        tokio::time::sleep(d).await;
    }
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
fn find_qr<'a>(
    s: &'a mut FakeState,
    req: &Value,
    service: &str,
) -> Result<&'a mut Qr, Box<Response>> {
    let not_found = || {
        let code = format!("404{service}01");
        Box::new(snap_error(StatusCode::NOT_FOUND, &code, "Transaction Not Found"))
    };
    let partner = str_field(req, "originalPartnerReferenceNo").ok_or_else(not_found)?;
    if str_field(req, "merchantId") != Some(MERCHANT_ID) {
        let code = format!("400{service}01");
        return Err(Box::new(snap_error(
            StatusCode::BAD_REQUEST,
            &code,
            "Invalid Field Format merchantId",
        )));
    }
    let qr = s.qrs.get_mut(partner).ok_or_else(not_found)?;
    if let Some(r) = str_field(req, "originalReferenceNo")
        && r != qr.reference_no
    {
        return Err(not_found());
    }
    Ok(qr)
}

pub(super) async fn query(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-query";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "51", &headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if str_field(&req, "serviceCode") != Some("47") {
        return snap_error(StatusCode::BAD_REQUEST, "4005101", "Invalid Field Format serviceCode");
    }
    let mut s = app.state.lock().unwrap();
    let override_amount = s.query_amount.clone();
    let qr = match find_qr(&mut s, &req, "51") {
        Ok(qr) => qr.clone(),
        Err(r) => return *r,
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

pub(super) async fn refund(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-refund";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "78", &headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
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
        Err(r) => return *r,
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

pub(super) async fn cancel(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-cancel";
    pause(&app).await;
    let req = match check_transaction(&app, PATH, "77", &headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if str_field(&req, "reason").is_none() {
        return snap_error(StatusCode::BAD_REQUEST, "4007702", "Invalid Mandatory Field reason");
    }
    let mut s = app.state.lock().unwrap();
    let qr = match find_qr(&mut s, &req, "77") {
        Ok(qr) => qr,
        Err(r) => return *r,
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
