//! DOKU's SNAP QRIS API as a [`Gateway`]: merchant-presented codes that
//! DOKU issues, queried, cancelled and refunded.
//!
//! Every transactional call carries a fresh X-EXTERNAL-ID, a WIB timestamp
//! and an HMAC-SHA512 signature made with a cached B2B access token; see
//! [`sign`] for the exact strings. DOKU's answers are never trusted more
//! than its query: a notification only names the payment to ask about.

mod config;
mod sign;
mod wire;

pub use config::{DEFAULT_CHANNEL_ID, DEFAULT_TIMEOUT, DokuConfig, DokuConfigError, SANDBOX_URL};

use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use ring::signature::RsaKeyPair;
use serde_json::{Value, json};
use tracing::{debug, info, warn};

use super::{
    CustomerCode, Gateway, GatewayError, GatewayPayment, GatewayState, Notification, QrIssued,
    QrRequest, RefundRequest,
};
use crate::domain::{Rupiah, qris};
use sign::{ExternalIds, NotificationParts, NotificationSignature};
use wire::{Amount, service};

const NAME: &str = "doku";

/// DOKU's B2B access-token path.
pub const TOKEN_PATH: &str = "/authorization/v1/access-token/b2b";
pub const GENERATE_PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-generate";
pub const QUERY_PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-query";
pub const REFUND_PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-refund";
pub const CANCEL_PATH: &str = "/snap-adapter/b2b/v1.0/qr/qr-mpm-cancel";

/// How long a token is taken to last when DOKU's answer omits expiresIn:
/// 900 seconds, the lifetime SNAP's examples and DOKU's tokens carry.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// A `clientId|timestamp` notification signature covers no body, so it is
/// taken only this close to the central's clock, to narrow replays.
const CLIENT_SIGNATURE_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The DOKU gateway. Cheap to share behind an `Arc`; calls run concurrently
/// and share one access token.
pub struct Doku {
    config: DokuConfig,
    private_key: RsaKeyPair,
    /// DOKU's public key as PKCS#1 `RSAPublicKey` DER.
    doku_public_key: Vec<u8>,
    http: reqwest::Client,
    external_ids: ExternalIds,
    // A tokio mutex because it is held across the token request: callers
    // that find no valid token wait for the one fetch instead of each
    // asking DOKU for another.
    token: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    value: String,
    /// When to fetch a new one: shortly before DOKU's expiresIn.
    refresh_at: Instant,
}

impl Doku {
    /// Loads the keys the configuration names and prepares the HTTP client.
    pub fn new(config: DokuConfig) -> Result<Doku, DokuConfigError> {
        let private_key = config::load_private_key(&config.private_key)?;
        let doku_public_key = config::load_public_key(&config.public_key)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(DokuConfigError::Http)?;
        info!(base_url = %config.base_url, merchant_id = %config.merchant_id, "doku gateway ready");
        Ok(Doku {
            config,
            private_key,
            doku_public_key,
            http,
            external_ids: ExternalIds::default(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The access token to sign with: the cached one, or a new one when it
    /// is missing, near its expiry, or is `rejected` (DOKU answered 401).
    async fn token(&self, rejected: Option<&str>) -> Result<String, GatewayError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() < t.refresh_at
            && Some(t.value.as_str()) != rejected
        {
            return Ok(t.value.clone());
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    async fn fetch_token(&self) -> Result<Token, GatewayError> {
        const WHAT: &str = "the access token request";
        let ts = sign::timestamp(Utc::now());
        let signature = sign::token_signature(&self.private_key, &self.config.client_id, &ts);
        let started = Instant::now();
        let response = self
            .http
            .post(format!("{}{TOKEN_PATH}", self.config.base_url))
            .header("X-CLIENT-KEY", &self.config.client_id)
            .header("X-TIMESTAMP", &ts)
            .header("X-SIGNATURE", signature)
            .json(&json!({"grantType": "client_credentials"}))
            .send()
            .await
            .map_err(|e| unreachable(WHAT, &e))?;
        let (status, body) = read_answer(WHAT, response).await?;
        let (code, message) = wire::code_and_message(&body);
        if status.is_server_error() {
            return Err(server_error(WHAT, status, &code, &message));
        }
        if !status.is_success() || !wire::is_success(&code) {
            return Err(refused(WHAT, code, message));
        }
        let value = wire::text(&body, "accessToken")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| refused(WHAT, code, "answer has no accessToken".into()))?;
        // expiresIn is seconds, as a string in some answers, a number in
        // others.
        let lifetime = wire::text(&body, "expiresIn")
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TOKEN_LIFETIME);
        // Refresh a tenth of the lifetime (at most a minute) early, counted
        // from when the request left, so a token never expires in flight.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        debug!(lifetime_secs = lifetime.as_secs(), "doku access token fetched");
        Ok(Token { value, refresh_at: started + lifetime - margin })
    }

    /// Sends one signed transactional request and returns DOKU's answer
    /// when its responseCode says success. On a 401 it fetches a new token
    /// and tries once more.
    async fn call(
        &self,
        what: &'static str,
        path: &'static str,
        body: &Value,
    ) -> Result<Value, GatewayError> {
        // serde_json writes no whitespace: these are the minified bytes
        // that are both hashed and sent.
        let body = serde_json::to_vec(body).expect("JSON values serialise");
        let mut token = self.token(None).await?;
        for attempt in 0..2 {
            let (status, answer) = self.send(what, path, &token, &body).await?;
            let (code, message) = wire::code_and_message(&answer);
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                debug!(path, code = %code, "doku refused the token; fetching a new one");
                token = self.token(Some(&token)).await?;
                continue;
            }
            if status.is_server_error() || code.starts_with('5') {
                return Err(server_error(what, status, &code, &message));
            }
            if !status.is_success() || !wire::is_success(&code) {
                return Err(refused(what, code, message));
            }
            return Ok(answer);
        }
        unreachable!("the second attempt always returns")
    }

    async fn send(
        &self,
        what: &'static str,
        path: &str,
        token: &str,
        body: &[u8],
    ) -> Result<(StatusCode, Value), GatewayError> {
        let now = Utc::now();
        let ts = sign::timestamp(now);
        let external_id = self.external_ids.next(now);
        let string = sign::transaction_string("POST", path, token, body, &ts);
        let signature = sign::hmac_signature(&self.config.client_secret, &string);
        debug!(path, external_id = %external_id, "doku request");
        let response = self
            .http
            .post(format!("{}{path}", self.config.base_url))
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Bearer {token}"))
            .header("X-PARTNER-ID", &self.config.client_id)
            .header("X-EXTERNAL-ID", &external_id)
            .header("X-TIMESTAMP", &ts)
            .header("X-SIGNATURE", signature)
            .header("CHANNEL-ID", &self.config.channel_id)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| unreachable(what, &e))?;
        let answer = read_answer(what, response).await?;
        debug!(path, external_id = %external_id, status = answer.0.as_u16(), "doku answer");
        Ok(answer)
    }

    /// The fields that name a payment in query, cancel and refund bodies.
    fn original(&self, p: &GatewayPayment) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("originalPartnerReferenceNo".into(), p.reference.clone().into());
        if let Some(r) = &p.gateway_ref {
            m.insert("originalReferenceNo".into(), r.clone().into());
        }
        m.insert("merchantId".into(), self.config.merchant_id.clone().into());
        m
    }
}

#[async_trait]
impl Gateway for Doku {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_qr(&self, req: &QrRequest) -> Result<QrIssued, GatewayError> {
        const WHAT: &str = "a new QRIS code";
        let amount = Amount::idr(req.amount)
            .ok_or_else(|| invalid(WHAT, format!("amount {} is not above zero", req.amount.0)))?;
        // validityPeriod on every code: without it DOKU keeps a code payable
        // for 30 days, long after the kiosk gave up on it.
        let body = json!({
            "partnerReferenceNo": req.reference,
            "amount": amount,
            "merchantId": self.config.merchant_id,
            "terminalId": self.config.terminal_id,
            "validityPeriod": sign::timestamp(req.expires_at),
        });
        let answer = self.call(WHAT, GENERATE_PATH, &body).await?;
        let (code, _) = wire::code_and_message(&answer);
        let qris = wire::text(&answer, "qrContent")
            .filter(|q| !q.is_empty())
            .ok_or_else(|| refused(WHAT, code.clone(), "answer has no qrContent".into()))?;
        check_qr(&qris, req.amount).map_err(|why| refused(WHAT, code, why))?;
        let gateway_ref = wire::text(&answer, "referenceNo").filter(|r| !r.is_empty());
        info!(payment = %req.payment_id, reference = %req.reference, "doku issued a qris code");
        Ok(QrIssued { qris, gateway_ref })
    }

    async fn query(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError> {
        const WHAT: &str = "the status query";
        let mut body = self.original(p);
        // The service code of the transaction asked about: 47, generate QR.
        body.insert("serviceCode".into(), service::GENERATE.into());
        let answer = self.call(WHAT, QUERY_PATH, &Value::Object(body)).await?;
        let state = state_of(&answer, p.amount)?;
        debug!(payment = %p.payment_id, state = ?state, "doku query");
        Ok(state)
    }

    async fn cancel(&self, p: &GatewayPayment) -> Result<GatewayState, GatewayError> {
        const WHAT: &str = "the cancel";
        let mut body = self.original(p);
        body.insert("reason".into(), "cancelled at the kiosk".into());
        match self.call(WHAT, CANCEL_PATH, &Value::Object(body)).await {
            Ok(_) => Ok(GatewayState::Cancelled),
            // DOKU refuses to cancel a code that is paid or already closed:
            // its query says which.
            Err(refusal @ GatewayError::Refused { .. }) => match self.query(p).await? {
                GatewayState::Pending => Err(refusal),
                settled => Ok(settled),
            },
            Err(e) => Err(e),
        }
    }

    async fn refund(&self, p: &GatewayPayment, refund: &RefundRequest) -> Result<(), GatewayError> {
        const WHAT: &str = "the refund";
        let amount = Amount::idr(refund.amount).ok_or_else(|| {
            invalid(WHAT, format!("refund amount {} is not above zero", refund.amount.0))
        })?;
        let mut body = self.original(p);
        // partnerRefundNo is DOKU's idempotency key: a retry with the same
        // refund id moves money once.
        body.insert("partnerRefundNo".into(), refund.refund_id.clone().into());
        body.insert("refundAmount".into(), serde_json::to_value(amount).expect("serialises"));
        body.insert("reason".into(), refund.reason.clone().into());
        let answer = self.call(WHAT, REFUND_PATH, &Value::Object(body)).await?;
        if answer.get("refundAmount").is_some() {
            let (code, _) = wire::code_and_message(&answer);
            let granted = wire::parse_amount(answer.get("refundAmount"))
                .map_err(|e| refused(WHAT, code.clone(), format!("refundAmount: {e}")))?;
            if granted != refund.amount {
                return Err(refused(
                    WHAT,
                    code,
                    format!("refunded {} instead of {}", granted.0, refund.amount.0),
                ));
            }
        }
        info!(payment = %p.payment_id, refund = %refund.refund_id, "doku refunded");
        Ok(())
    }

    async fn charge_customer_code(
        &self,
        _p: &GatewayPayment,
        _code: &CustomerCode,
    ) -> Result<GatewayState, GatewayError> {
        // DOKU's SNAP QRIS guide documents merchant-presented codes only
        // (generate, query, refund, cancel, and decode/payment for paying a
        // code); it documents no customer-presented (CPM) payment endpoint.
        Err(GatewayError::Unsupported { gateway: NAME, what: "customer-presented QRIS codes" })
    }

    fn notification(
        &self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, GatewayError> {
        self.check_notification(path, headers, body, Utc::now()).inspect_err(|e| {
            // The reason only: the body holds the payer's details.
            warn!(path, reason = %e, "doku notification rejected");
        })
    }
}

impl Doku {
    fn check_notification(
        &self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Notification, GatewayError> {
        let bad = |why: &str| GatewayError::BadNotification(why.to_owned());
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let timestamp = header("X-TIMESTAMP").ok_or_else(|| bad("no X-TIMESTAMP header"))?;
        let signature = header("X-SIGNATURE").ok_or_else(|| bad("no X-SIGNATURE header"))?;
        let token = header("Authorization").and_then(|a| a.strip_prefix("Bearer "));
        let parts = NotificationParts { path, timestamp, signature, token, body };
        let form = sign::verify_notification(
            &parts,
            &self.config.client_id,
            &self.config.client_secret,
            &self.doku_public_key,
        )
        .ok_or_else(|| bad("X-SIGNATURE does not verify"))?;
        if form == NotificationSignature::AsymmetricClient {
            let sent = DateTime::parse_from_rfc3339(timestamp)
                .map_err(|_| bad("X-TIMESTAMP is not an ISO 8601 time"))?;
            if (now - sent.with_timezone(&Utc)).abs() > CLIENT_SIGNATURE_WINDOW {
                return Err(bad("X-TIMESTAMP is too far from now for a body-less signature"));
            }
        }

        let v: Value = serde_json::from_slice(body).map_err(|_| bad("body is not JSON"))?;
        let reference = wire::text(&v, "originalPartnerReferenceNo")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| bad("body has no originalPartnerReferenceNo"))?;
        if v.get("amount").is_some() {
            wire::parse_amount(v.get("amount")).map_err(|e| bad(&format!("amount: {e}")))?;
        }
        debug!(reference = %reference, form = ?form, "doku notification accepted");
        let reply = json!({
            "responseCode": format!("200{}00", service::NOTIFY),
            "responseMessage": "Successful",
        });
        Ok(Notification { reference, reply })
    }
}

/// Reads a query answer as a state. latestTransactionStatus follows SNAP:
/// 00 success, 01 initiated, 02 paying, 03 pending, 04 refunded,
/// 05 cancelled, 06 failed, 07 not found; some acquirers add 08 expired.
fn state_of(answer: &Value, expected: Rupiah) -> Result<GatewayState, GatewayError> {
    const WHAT: &str = "the status query";
    let (code, _) = wire::code_and_message(answer);
    let status = wire::text(answer, "latestTransactionStatus").unwrap_or_default();
    let desc = wire::text(answer, "transactionStatusDesc").unwrap_or_default();
    let state = match status.as_str() {
        // A refunded payment was paid; the central keeps the refunds.
        "00" | "04" => {
            let paid = wire::parse_amount(answer.get("amount"))
                .map_err(|e| refused(WHAT, code.clone(), format!("paid amount: {e}")))?;
            if paid != expected {
                return Err(refused(
                    WHAT,
                    code,
                    format!("paid {} but the payment is for {}", paid.0, expected.0),
                ));
            }
            let paid_at = wire::text(answer, "paidTime")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc));
            GatewayState::Paid { paid_at }
        }
        "01" | "02" | "03" => GatewayState::Pending,
        "05" => GatewayState::Cancelled,
        "06" => GatewayState::Failed { reason: format!("DOKU: {desc}") },
        "07" => GatewayState::Failed { reason: "DOKU knows no such payment".into() },
        "08" => GatewayState::Expired,
        // An unknown status says nothing of the money: ask again later
        // rather than settle on a guess.
        other => {
            return Err(GatewayError::Unreachable {
                gateway: NAME,
                what: WHAT,
                detail: format!("unknown latestTransactionStatus {other:?} ({desc})"),
            });
        }
    };
    Ok(state)
}

/// Checks that DOKU's code is a valid dynamic QRIS for exactly `amount`.
fn check_qr(qris: &str, amount: Rupiah) -> Result<(), String> {
    let payload = qris::parse(qris).map_err(|e| format!("qrContent is not valid QRIS: {e}"))?;
    if payload.initiation != qris::Initiation::Dynamic {
        return Err("qrContent is a static code, not one for this payment".into());
    }
    match payload.amount_rupiah {
        Some(a) if a == amount => Ok(()),
        _ => Err(format!(
            "qrContent amount {:?} is not the payment's {}",
            payload.amount.unwrap_or_default(),
            amount.0
        )),
    }
}

async fn read_answer(
    what: &'static str,
    response: reqwest::Response,
) -> Result<(StatusCode, Value), GatewayError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| unreachable(what, &e))?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Ok((status, v)),
        // A body that is not JSON says nothing of the outcome on a success
        // or a server error; on a refusal the status is enough.
        Err(_) if status.is_client_error() => Ok((status, Value::Null)),
        Err(_) => Err(GatewayError::Unreachable {
            gateway: NAME,
            what,
            detail: format!("HTTP {status} with a body that is not JSON"),
        }),
    }
}

fn unreachable(what: &'static str, e: &reqwest::Error) -> GatewayError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    GatewayError::Unreachable { gateway: NAME, what, detail: format!("{kind}: {e}") }
}

fn server_error(what: &'static str, status: StatusCode, code: &str, msg: &str) -> GatewayError {
    GatewayError::Unreachable {
        gateway: NAME,
        what,
        detail: format!("HTTP {} {code} {msg}", status.as_u16()),
    }
}

fn refused(what: &'static str, code: String, message: String) -> GatewayError {
    GatewayError::Refused { gateway: NAME, what, code, message }
}

fn invalid(what: &'static str, message: String) -> GatewayError {
    refused(what, "INVALID".into(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_statuses_map_to_states() {
        let paid = json!({"responseCode": "2005100", "latestTransactionStatus": "00",
            "paidTime": "2023-08-24T17:03:33+07:00",
            "amount": {"value": "2000.00", "currency": "IDR"}});
        let at = DateTime::parse_from_rfc3339("2023-08-24T10:03:33Z").unwrap().with_timezone(&Utc);
        assert_eq!(
            state_of(&paid, Rupiah(2000)).unwrap(),
            GatewayState::Paid { paid_at: Some(at) }
        );

        let pending = json!({"responseCode": "2005100", "latestTransactionStatus": "03"});
        assert_eq!(state_of(&pending, Rupiah(2000)).unwrap(), GatewayState::Pending);
        let cancelled = json!({"responseCode": "2005100", "latestTransactionStatus": "05"});
        assert_eq!(state_of(&cancelled, Rupiah(2000)).unwrap(), GatewayState::Cancelled);
        let unknown = json!({"responseCode": "2005100", "latestTransactionStatus": "99"});
        assert!(state_of(&unknown, Rupiah(2000)).unwrap_err().is_retryable());
    }

    #[test]
    fn a_paid_amount_other_than_the_payment_is_refused() {
        let paid = json!({"responseCode": "2005100", "latestTransactionStatus": "00",
            "amount": {"value": "1999.00", "currency": "IDR"}});
        let err = state_of(&paid, Rupiah(2000)).unwrap_err();
        assert!(matches!(err, GatewayError::Refused { .. }), "{err}");
        let fraction = json!({"responseCode": "2005100", "latestTransactionStatus": "00",
            "amount": {"value": "2000.50", "currency": "IDR"}});
        assert!(matches!(state_of(&fraction, Rupiah(2000)), Err(GatewayError::Refused { .. })));
    }
}
