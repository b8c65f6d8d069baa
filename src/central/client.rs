//! The device's client of the central API.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::api::{
    self, ApiError, CartView, CatalogPage, CustomerCodeCharge, IDEMPOTENCY_KEY, IdentifyMember,
    Member, MemberAccount, MemberCode, NewCart, NewPayment, NewRefund, NewTransaction, OpenCart,
    Payment, PaymentStatus, Simulate, Transaction,
};
use crate::domain::Rupiah;

/// Why a call to the central failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("central URL {url:?} is not valid: {why}")]
    BadUrl { url: String, why: String },
    /// The central could not be reached or did not answer in time; the
    /// request may or may not have been applied.
    #[error("central unreachable ({what}): {source}")]
    Unreachable { what: &'static str, source: reqwest::Error },
    /// The central answered with an error.
    #[error("central refused {what}: {message} ({status}, {code})")]
    Refused { what: &'static str, status: StatusCode, code: String, message: String },
    #[error("central sent an answer to {what} that cannot be read: {source}")]
    BadAnswer { what: &'static str, source: reqwest::Error },
}

impl ClientError {
    /// True if and only if the call may succeed when tried again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            // An answer cut off or garbled on the way says nothing of what
            // the central did, like no answer at all.
            ClientError::Unreachable { .. } | ClientError::BadAnswer { .. } => true,
            // A proxy or the central asking to come back later.
            ClientError::Refused { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::TOO_MANY_REQUESTS
            }
            ClientError::BadUrl { .. } => false,
        }
    }
}

impl ClientError {
    /// What the central said when it refused, if it did.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            ClientError::Refused { message, .. } if !message.is_empty() => Some(message),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// How long a shopper waits for one payment request (create, cancel,
/// charge) before the kiosk calls it unanswered and, where safe, asks again.
const PAYMENT_CALL: Duration = Duration::from_secs(10);

/// A connection to one central, cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// Makes a client for the central at `base` (`http://` or `https://`).
    pub fn new(base: &str) -> Result<Client> {
        let bad = |why: &str| ClientError::BadUrl { url: base.to_owned(), why: why.to_owned() };
        let url = reqwest::Url::parse(base).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(90))
            .user_agent(concat!("swalayan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        Ok(Client { base: base.trim_end_matches('/').to_owned(), http })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The URL of a sale's e-receipt, for the QR on the done screen.
    pub fn receipt_url(&self, transaction_id: &str) -> String {
        format!("{}/receipt/{transaction_id}", self.base)
    }

    pub async fn health(&self) -> Result<()> {
        let req = self.http.get(self.url("/v1/health")).timeout(Duration::from_secs(3));
        send::<serde_json::Value>(req, "health check").await.map(|_| ())
    }

    /// One page of catalog changes after `since` (`None` for everything).
    /// The public key of the central's member and cart codes (check it
    /// with [`crate::tokens::Verifier::from_base64`]).
    pub async fn keys(&self) -> Result<crate::central::api::Keys> {
        send(self.http.get(self.url("/v1/keys")), "key fetch").await
    }

    /// One page of catalog changes after `since` (`None` for everything).
    pub async fn catalog_page(&self, since: Option<&str>, limit: u32) -> Result<CatalogPage> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(s) = since {
            query.push(("since", s.to_owned()));
        }
        send(self.http.get(self.url("/v1/catalog")).query(&query), "catalog sync").await
    }

    /// The picture `name` (`GET /v1/images/{name}`), unless `held` is the
    /// ETag of the copy the device has and the central says it is current
    /// (304): then `None`.
    pub async fn picture(&self, name: &str, held: Option<&str>) -> Result<Option<FetchedPicture>> {
        const WHAT: &str = "picture fetch";
        let mut url = reqwest::Url::parse(&self.url("/v1/images/"))
            .map_err(|e| ClientError::BadUrl { url: self.base.clone(), why: e.to_string() })?;
        // The name is one path segment, escaped as such.
        url.path_segments_mut()
            .map_err(|()| ClientError::BadUrl { url: self.base.clone(), why: "no path".into() })?
            .pop_if_empty()
            .push(name);
        let mut req = self.http.get(url).timeout(Duration::from_secs(20));
        if let Some(etag) = held {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let resp =
            req.send().await.map_err(|source| ClientError::Unreachable { what: WHAT, source })?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let resp = refused(resp, WHAT).await?;
        let header =
            |name| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let etag = header(reqwest::header::ETAG);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let bytes =
            resp.bytes().await.map_err(|source| ClientError::BadAnswer { what: WHAT, source })?;
        Ok(Some(FetchedPicture { bytes: bytes.to_vec(), etag, content_type }))
    }

    /// Creates a QRIS payment; the same `idempotency_key` returns the same
    /// payment, so retrying after a lost answer is safe.
    pub async fn create_payment(&self, amount: Rupiah, idempotency_key: &str) -> Result<Payment> {
        self.create_payment_for(amount, idempotency_key, None).await
    }

    /// Like [`Client::create_payment`], with the device's own reference
    /// for what is paid.
    pub async fn create_payment_for(
        &self,
        amount: Rupiah,
        idempotency_key: &str,
        reference: Option<&str>,
    ) -> Result<Payment> {
        let body =
            NewPayment { amount, reference: reference.map(str::to_owned), ..Default::default() };
        let req = self.http.post(self.url("/v1/payments")).header(IDEMPOTENCY_KEY, idempotency_key);
        send(req.json(&body).timeout(PAYMENT_CALL), "payment creation").await
    }

    /// Creates a payment described whole by `body` (with the member, the
    /// points and the vouchers it holds); retrying with the same key and
    /// body is safe.
    pub async fn create_payment_with(
        &self,
        body: &NewPayment,
        idempotency_key: &str,
    ) -> Result<Payment> {
        let req = self.http.post(self.url("/v1/payments")).header(IDEMPOTENCY_KEY, idempotency_key);
        send(req.json(body).timeout(PAYMENT_CALL), "payment creation").await
    }

    /// Stores a cart to finish on another channel; the answer carries its
    /// hand-off code.
    pub async fn create_cart(&self, cart: &NewCart) -> Result<CartView> {
        self.post("/v1/carts", cart, "cart hand-off").await
    }

    /// The cart behind a hand-off code. A closed cart is refused with the
    /// code `cart_closed`, an expired one `cart_expired`, a forged one
    /// `forged_code` and a damaged one `bad_code`.
    pub async fn open_cart(&self, code: &str) -> Result<CartView> {
        self.post("/v1/carts/open", &OpenCart { code: code.to_owned() }, "cart opening").await
    }

    /// A fresh member code for member `id` (what the member's app shows).
    pub async fn member_code(&self, id: &str) -> Result<MemberCode> {
        let path = format!("/v1/members/{id}/code");
        self.post(&path, &serde_json::json!({}), "member code").await
    }

    /// Identifies a member by a scanned code or a typed phone number (sent
    /// in the body, never in the URL).
    pub async fn identify_member(&self, by: &IdentifyMember) -> Result<Member> {
        let req = self.http.post(self.url("/v1/members/identify")).json(by);
        send(req.timeout(Duration::from_secs(5)), "member identification").await
    }

    /// A member's balance, held points and ledger.
    pub async fn member_account(&self, id: &str) -> Result<MemberAccount> {
        send(self.http.get(self.url(&format!("/v1/members/{id}"))), "member account").await
    }

    pub async fn payment(&self, id: &str) -> Result<Payment> {
        send(self.http.get(self.url(&format!("/v1/payments/{id}"))), "payment status").await
    }

    /// Waits up to `wait` for the payment to leave `pending`, and returns it
    /// as it then is.
    pub async fn wait_payment(&self, id: &str, wait: Duration) -> Result<Payment> {
        let req = self
            .http
            .get(self.url(&format!("/v1/payments/{id}")))
            .query(&[("wait", wait.as_secs_f64().to_string())])
            .timeout(wait + Duration::from_secs(10));
        send(req, "payment status").await
    }

    /// Asks the gateway simulator to settle a payment (demo and tests).
    pub async fn simulate_payment(&self, id: &str, result: PaymentStatus) -> Result<Payment> {
        self.post(
            &format!("/v1/payments/{id}/simulate"),
            &Simulate { result },
            "payment simulation",
        )
        .await
    }

    /// Cancels a pending payment. The answer may say `paid`: the shopper
    /// paid before the cancel reached the gateway, and the sale goes on.
    pub async fn cancel_payment(&self, id: &str) -> Result<Payment> {
        let req = self
            .http
            .post(self.url(&format!("/v1/payments/{id}/cancel")))
            .json(&serde_json::json!({}))
            .timeout(PAYMENT_CALL);
        send(req, "payment cancel").await
    }

    /// Charges a customer-presented QRIS code (the one the shopper's wallet
    /// app shows) for a pending payment. The answer is the payment: `paid`
    /// when the charge went through, `failed` when it was declined.
    pub async fn charge_customer_code(&self, id: &str, code: &str) -> Result<Payment> {
        let body = CustomerCodeCharge { code: code.to_owned() };
        let req = self
            .http
            .post(self.url(&format!("/v1/payments/{id}/customer-code")))
            .json(&body)
            .timeout(PAYMENT_CALL);
        send(req, "customer code charge").await
    }

    /// Refunds part or all of a paid payment; the same `idempotency_key`
    /// refunds once.
    pub async fn refund_payment(
        &self,
        id: &str,
        amount: Rupiah,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<Payment> {
        let body = NewRefund { amount, reason: reason.to_owned() };
        let req = self
            .http
            .post(self.url(&format!("/v1/payments/{id}/refund")))
            .header(IDEMPOTENCY_KEY, idempotency_key)
            .json(&body);
        send(req, "payment refund").await
    }

    /// Opens the payment's event stream: the payment now, then on every
    /// change until it ends.
    pub async fn payment_events(&self, id: &str) -> Result<PaymentEvents> {
        let what = "payment events";
        let resp = self
            .http
            .get(self.url(&format!("/v1/payments/{id}/events")))
            .header("accept", "text/event-stream")
            .timeout(Duration::from_secs(24 * 3600))
            .send()
            .await
            .map_err(|source| ClientError::Unreachable { what, source })?;
        let resp = refused(resp, what).await?;
        Ok(PaymentEvents { resp, buf: Vec::new() })
    }

    /// Records a completed sale; the same idempotency key returns the same
    /// transaction.
    pub async fn post_transaction(&self, sale: &NewTransaction) -> Result<Transaction> {
        self.post("/v1/transactions", sale, "sale recording").await
    }

    /// The staff who approve age-restricted sales, with their PIN hashes.
    pub async fn staff(&self) -> Result<crate::central::api::StaffList> {
        send(self.http.get(self.url("/v1/staff")), "staff sync").await
    }

    /// Delivers one entry of the device's audit log; a replay is safe.
    pub async fn post_audit(
        &self,
        event: &crate::central::api::AuditEvent,
    ) -> Result<crate::central::api::AuditEvent> {
        self.post("/v1/audit", event, "audit delivery").await
    }

    pub async fn transaction(&self, id: &str) -> Result<Transaction> {
        send(self.http.get(self.url(&format!("/v1/transactions/{id}"))), "transaction lookup").await
    }

    // Stock, back-in-stock subscriptions and recommendations.

    /// A product's stock at `store` (the central's own when `None`) and at
    /// the `nearest` other stores.
    pub async fn stock(
        &self,
        barcode: &str,
        store: Option<&str>,
        nearest: u32,
    ) -> Result<crate::central::api::Stock> {
        let mut query = vec![("nearest", nearest.to_string())];
        if let Some(s) = store {
            query.push(("store", s.to_owned()));
        }
        let req = self.http.get(self.url(&format!("/v1/stock/{barcode}"))).query(&query);
        send(req.timeout(Duration::from_secs(5)), "stock lookup").await
    }

    /// "Tell me when it is back": subscribes a member to a product out of
    /// stock at `store` (the central's own when `None`). Asking again is
    /// safe: it answers the same subscription.
    pub async fn subscribe(
        &self,
        member_id: &str,
        barcode: &str,
        store: Option<&str>,
    ) -> Result<crate::central::api::Subscription> {
        let body = crate::central::api::NewSubscription {
            barcode: barcode.to_owned(),
            store: store.map(str::to_owned),
        };
        self.post(&format!("/v1/members/{member_id}/subscriptions"), &body, "subscription").await
    }

    /// A member's back-in-stock subscriptions, newest first.
    pub async fn subscriptions(
        &self,
        member_id: &str,
    ) -> Result<crate::central::api::Subscriptions> {
        let url = self.url(&format!("/v1/members/{member_id}/subscriptions"));
        send(self.http.get(url), "subscription list").await
    }

    /// Up to `limit` recommendations for a member with `cart` (barcodes)
    /// in the cart.
    pub async fn recommendations(
        &self,
        member_id: &str,
        cart: &[String],
        limit: u32,
    ) -> Result<crate::central::api::Recommendations> {
        let query = [("limit", limit.to_string()), ("cart", cart.join(","))];
        let url = self.url(&format!("/v1/members/{member_id}/recommendations"));
        send(self.http.get(url).query(&query), "recommendations").await
    }

    /// The central's promotion set; `known` is the version the device
    /// holds, answered with the version alone when unchanged.
    pub async fn promotions(
        &self,
        known: Option<&str>,
    ) -> Result<crate::central::api::PromotionSet> {
        let mut req = self.http.get(self.url("/v1/promotions"));
        if let Some(v) = known {
            req = req.query(&[("known", v)]);
        }
        send(req, "promotions sync").await
    }

    /// The central's pricing of a cart, to compare with the device's.
    pub async fn price(
        &self,
        request: &crate::central::api::PriceRequest,
    ) -> Result<crate::central::api::PriceAnswer> {
        self.post("/v1/price", request, "pricing").await
    }

    // Click and collect.

    /// Places an order from another channel; the same `idempotency_key`
    /// places it once.
    pub async fn place_order(
        &self,
        order: &api::NewOrder,
        idempotency_key: &str,
    ) -> Result<api::OrderPlaced> {
        let req = self.http.post(self.url("/v1/orders")).header(IDEMPOTENCY_KEY, idempotency_key);
        send(req.json(order), "order placement").await
    }

    /// An order: its state, lines, history and, once loaded, its codes.
    pub async fn order(&self, id: &str) -> Result<api::OrderView> {
        send(self.http.get(self.url(&format!("/v1/orders/{id}"))), "order lookup").await
    }

    /// The messages the order's customer was sent.
    pub async fn order_messages(&self, id: &str) -> Result<api::OrderMessages> {
        let url = self.url(&format!("/v1/orders/{id}/messages"));
        send(self.http.get(url), "order messages").await
    }

    /// Staff put the order into a compartment; the central issues its
    /// pickup codes. Asking again with the same compartment is safe.
    pub async fn load_order(&self, id: &str, load: &api::LoadOrder) -> Result<api::OrderView> {
        self.post(&format!("/v1/orders/{id}/load"), load, "order loading").await
    }

    /// The customer took the order out. The same `idempotency_key` counts
    /// once (a replay from the outbox); another collect is refused.
    pub async fn collect_order(
        &self,
        id: &str,
        collect: &api::CollectOrder,
        idempotency_key: &str,
    ) -> Result<api::OrderView> {
        let req = self
            .http
            .post(self.url(&format!("/v1/orders/{id}/collect")))
            .header(IDEMPOTENCY_KEY, idempotency_key);
        send(req.json(collect), "order collection").await
    }

    /// Warns staff about an order's compartment (a door left open); the
    /// same `idempotency_key` adds one line to the order's history.
    pub async fn order_alert(
        &self,
        id: &str,
        alert: &api::OrderAlert,
        idempotency_key: &str,
    ) -> Result<api::OrderView> {
        let req = self
            .http
            .post(self.url(&format!("/v1/orders/{id}/alerts")))
            .header(IDEMPOTENCY_KEY, idempotency_key);
        send(req.json(alert), "order alert").await
    }

    /// `step` is `cancel`, `expire` or `unload`.
    pub async fn order_step(
        &self,
        id: &str,
        step: &str,
        body: &api::OrderStep,
    ) -> Result<api::OrderView> {
        self.post(&format!("/v1/orders/{id}/{step}"), body, "order step").await
    }

    /// The order behind a typed pickup code and phone digits, with its
    /// pickup token. A wrong pair is refused with `wrong_code`, a locked
    /// store with `code_locked`.
    pub async fn typed_pickup_code(&self, typed: &api::TypedPickupCode) -> Result<api::OrderView> {
        let req = self.http.post(self.url("/v1/orders/pickup-code")).json(typed);
        send(req.timeout(Duration::from_secs(5)), "pickup code check").await
    }

    /// The orders loaded into `store`'s lockers.
    pub async fn pickup_manifest(&self, store: &str) -> Result<api::PickupManifest> {
        let url = self.url(&format!("/v1/stores/{store}/pickup-manifest"));
        send(self.http.get(url), "pickup manifest").await
    }

    /// The orders to take out of `store`'s lockers: expired, or cancelled
    /// in their compartment.
    pub async fn unload_list(&self, store: &str) -> Result<api::UnloadList> {
        let url = self.url(&format!("/v1/stores/{store}/unload-list"));
        send(self.http.get(url), "unload list").await
    }

    /// A QRIS payment of an unpaid order's total, to pay at pickup.
    pub async fn pay_order(
        &self,
        order_id: &str,
        amount: Rupiah,
        idempotency_key: &str,
    ) -> Result<Payment> {
        let body = NewPayment {
            amount,
            order: Some(order_id.to_owned()),
            reference: Some(format!("order {order_id}")),
            ..Default::default()
        };
        self.create_payment_with(&body, idempotency_key).await
    }

    /// Brings goods back; the same `idempotency_key` returns (and refunds)
    /// once.
    pub async fn create_return(
        &self,
        ret: &api::NewReturn,
        idempotency_key: &str,
    ) -> Result<api::ReturnView> {
        let req = self.http.post(self.url("/v1/returns")).header(IDEMPOTENCY_KEY, idempotency_key);
        send(req.json(ret), "return").await
    }

    /// What of the purchase `reference` names (a receipt's QR or id, an
    /// order id, a pickup QR) may come back, and why the rest may not.
    pub async fn returnable(&self, reference: &str) -> Result<api::Returnable> {
        let req = self.http.get(self.url("/v1/returns/eligible")).query(&[("ref", reference)]);
        send(req, "return check").await
    }

    pub async fn goods_return(&self, id: &str) -> Result<api::ReturnView> {
        send(self.http.get(self.url(&format!("/v1/returns/{id}"))), "return lookup").await
    }

    /// Where the kiosk put a return's goods, and how that ended.
    pub async fn return_stowed(
        &self,
        id: &str,
        stowed: &api::ReturnStowed,
    ) -> Result<api::ReturnView> {
        self.post(&format!("/v1/returns/{id}/stowed"), stowed, "return compartment").await
    }

    /// Staff found a return's goods.
    pub async fn confirm_return(
        &self,
        id: &str,
        confirm: &api::ConfirmReturn,
    ) -> Result<api::ReturnView> {
        self.post(&format!("/v1/returns/{id}/confirm"), confirm, "return confirmation").await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        what: &'static str,
    ) -> Result<T> {
        send(self.http.post(self.url(path)).json(body), what).await
    }
}

/// A payment's server-sent events, read one at a time.
pub struct PaymentEvents {
    resp: reqwest::Response,
    /// Bytes received past the last complete event.
    buf: Vec<u8>,
}

impl PaymentEvents {
    /// The payment as the next event has it; `None` when the stream ended
    /// (after a final status).
    pub async fn next(&mut self) -> Result<Option<Payment>> {
        let what = "payment events";
        loop {
            // An event ends with a blank line; `data:` lines carry the JSON.
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&block);
                let data: String = text
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect::<Vec<_>>()
                    .join("\n");
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                let payment = serde_json::from_str(&data).map_err(|e| ClientError::Refused {
                    what,
                    status: StatusCode::OK,
                    code: "bad_event".into(),
                    message: format!("an event that is not a payment: {e}"),
                })?;
                return Ok(Some(payment));
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.buf.extend_from_slice(&bytes),
                Ok(None) => return Ok(None),
                Err(source) => return Err(ClientError::Unreachable { what, source }),
            }
        }
    }
}

/// Passes a successful answer through; turns an error answer into
/// [`ClientError::Refused`].
async fn refused(resp: reqwest::Response, what: &'static str) -> Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ApiError>(&text) {
        Ok(e) => (e.code, e.error),
        Err(_) => ("http".to_owned(), text.chars().take(200).collect()),
    };
    Err(ClientError::Refused { what, status, code, message })
}

async fn send<T: DeserializeOwned>(req: reqwest::RequestBuilder, what: &'static str) -> Result<T> {
    let resp = req.send().await.map_err(|source| ClientError::Unreachable { what, source })?;
    let resp = refused(resp, what).await?;
    resp.json().await.map_err(|source| ClientError::BadAnswer { what, source })
}

/// A picture as the central sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedPicture {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
    pub content_type: Option<String>,
}
