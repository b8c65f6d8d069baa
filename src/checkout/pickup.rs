//! Click and collect at the kiosk, without the locker hardware: the
//! pickup manifest, checking a scanned pickup QR or a typed code (with the
//! central, or offline), recording that a compartment opens (once per
//! order), paying an unpaid order, and confirming the pickup through the
//! outbox.
//!
//! A pickup goes: [`Device::pickup_by_token`] or [`Device::pickup_by_code`]
//! finds the order; [`Device::pay_order`] pays it if unpaid;
//! [`Device::open_for_pickup`] records the opening, and only then does
//! the kiosk send the unlock; once the door closed on an empty
//! compartment, [`Device::confirm_pickup`] queues the collect. A door
//! that was never opened is taken back with [`Device::door_not_opened`],
//! and the code stays valid; one left open is told to staff with
//! [`Device::door_left_open`]. Openings a stopped kiosk never saw to an
//! end are settled at the next start by [`settle_earlier_openings`].

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::{Device, DeviceError, PICKUP, PICKUP_ALERT};
use crate::central::api::{CollectOrder, OrderAlert, OrderView, Payment, TypedPickupCode};
use crate::central::client::ClientError;
use crate::domain::Rupiah;
use crate::domain::order::OrderState;
use crate::domain::pickup::{self, Held, PickupError};
use crate::domain::restricted::{Failed, wait_text};
use crate::locker::{Compartment, DoorState, LockerBank, LockerError, Occupancy};
use crate::store::{Opening, PICKUP_STORE};
use crate::tokens::Verifier;

/// Why a pickup cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum PickupFailure {
    /// The code, the order or the compartment does not allow it.
    #[error(transparent)]
    Refused(#[from] PickupError),
    /// The central refused it (its message says why).
    #[error("{}", .0.refusal().map(str::to_owned).unwrap_or_else(|| .0.to_string()))]
    Central(ClientError),
    #[error(
        "this kiosk has no pickup manifest yet: it serves no store's lockers / kios belum \
         menerima daftar pesanan loker"
    )]
    NoStore,
    #[error(
        "this kiosk has not received the central's key, so it cannot check a pickup QR / \
         kios belum menerima kunci pusat"
    )]
    NoKey,
    #[error(transparent)]
    Device(#[from] DeviceError),
}

impl From<crate::store::StoreError> for PickupFailure {
    fn from(e: crate::store::StoreError) -> PickupFailure {
        PickupFailure::Device(e.into())
    }
}

/// An order found for a pickup, ready to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pickup {
    pub order_id: String,
    pub compartment: u32,
    pub paid: bool,
    /// What an unpaid order costs, paid by QRIS before its door opens.
    pub total: Rupiah,
    /// Unix seconds of the pickup deadline.
    pub expires_s: i64,
    /// False when the central was out of reach and the manifest decided.
    pub online: bool,
}

/// What the outbox carries to `POST /v1/orders/{id}/collect`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct CollectEvent {
    pub order_id: String,
    #[serde(flatten)]
    pub collect: CollectOrder,
}

/// What the outbox carries to `POST /v1/orders/{id}/alerts`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct AlertEvent {
    pub order_id: String,
    #[serde(flatten)]
    pub alert: OrderAlert,
}

/// The audit log's kind of a door left open at a pickup.
pub const DOOR_LEFT_OPEN: &str = "door_left_open";

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Device {
    /// Replaces the manifest with the orders loaded into `store`'s lockers,
    /// and makes `store` the one this kiosk serves. Returns how many.
    pub async fn sync_pickup_manifest(&self, store: &str) -> super::Result<usize> {
        let manifest = self.client.pickup_manifest(store).await?;
        // The key checks pickup QRs offline; fetched with the manifest.
        self.refresh_token_key().await?;
        let n = manifest.orders.len();
        self.with_store_blocking(move |s| s.replace_manifest(&manifest.store, &manifest.orders))
            .await?;
        info!(store, orders = n, "pickup manifest synced");
        Ok(n)
    }

    async fn pickup_store(&self) -> Result<String, PickupFailure> {
        self.with_store_blocking(|s| s.setting(PICKUP_STORE)).await?.ok_or(PickupFailure::NoStore)
    }

    async fn cached_key(&self) -> Result<Verifier, PickupFailure> {
        let text = self.with_store_blocking(|s| s.setting(super::member::TOKEN_KEY)).await?;
        text.and_then(|k| Verifier::from_base64(&k).ok()).ok_or(PickupFailure::NoKey)
    }

    /// Checks a scanned pickup QR at `now`: the signature, the store and
    /// the expiry here, with no network; then the order as the central has
    /// it, or as the manifest has it when the central is out of reach;
    /// and that this kiosk has not opened its compartment already.
    pub async fn pickup_by_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Pickup, PickupFailure> {
        let store = self.pickup_store().await?;
        let key = self.cached_key().await?;
        let claims = pickup::verify_token(&key, token, &store, now.timestamp())?;
        let found = self.find(&claims.o, now).await?;
        if found.compartment != claims.c {
            // The manifest or the central moved it since the code was made.
            warn!(order = %claims.o, "pickup code names another compartment than the order's");
        }
        Ok(found)
    }

    /// Checks a typed code and the last four digits of the phone at `now`:
    /// by the central when it answers (which counts wrong tries for the
    /// store), else against the manifest's hashes, counting wrong tries
    /// here.
    pub async fn pickup_by_code(
        &self,
        code: &str,
        phone_last4: &str,
        now: DateTime<Utc>,
    ) -> Result<Pickup, PickupFailure> {
        let (code, tail) = pickup::typed(code, phone_last4)?;
        let store = self.pickup_store().await?;
        let typed = TypedPickupCode {
            store,
            device: self.device_id.clone(),
            code: code.clone(),
            phone_last4: tail.clone(),
        };
        match self.client.typed_pickup_code(&typed).await {
            Ok(view) => {
                let pickup = from_view(&view)?;
                self.not_opened_here(&pickup.order_id).await?;
                return Ok(pickup);
            }
            Err(e) if !out_of_reach(&e) => return Err(PickupFailure::Central(e)),
            Err(e) => warn!(error = %e, "central out of reach; pickup code checked offline"),
        }

        let mut lockout = self.with_store_blocking(|s| s.pickup_lockout()).await?;
        if let Err(locked) = lockout.check(now) {
            return Err(PickupError::Locked { wait: wait_text(locked.left) }.into());
        }
        let entries = self.with_store_blocking(|s| s.manifest()).await?;
        // Argon2 is slow on purpose: off the async threads.
        let matched = tokio::task::spawn_blocking(move || {
            entries.into_iter().find(|e| pickup::code_matches(&e.code_hash, &code, &tail))
        })
        .await
        .map_err(DeviceError::from)?;
        let outcome = match matched {
            Some(e) => {
                lockout.succeed();
                Ok(e.order_id)
            }
            None => Err(match lockout.fail(now) {
                Failed::Again { left } => PickupError::WrongCode { left },
                Failed::LockedUntil(until) => PickupError::Locked {
                    wait: wait_text((until - now).to_std().unwrap_or_default()),
                },
            }),
        };
        self.with_store_blocking(move |s| s.save_pickup_lockout(&lockout)).await?;
        self.find_offline(&outcome?, now).await
    }

    /// The order `id` as the central has it now, or as the manifest has it
    /// when the central is out of reach.
    async fn find(&self, id: &str, now: DateTime<Utc>) -> Result<Pickup, PickupFailure> {
        match self.client.order(id).await {
            Ok(view) => {
                let pickup = from_view(&view)?;
                self.not_opened_here(id).await?;
                Ok(pickup)
            }
            Err(e) if !out_of_reach(&e) => Err(PickupFailure::Central(e)),
            Err(e) => {
                warn!(order = id, error = %e, "central out of reach; pickup checked offline");
                self.find_offline(id, now).await
            }
        }
    }

    async fn find_offline(&self, id: &str, now: DateTime<Utc>) -> Result<Pickup, PickupFailure> {
        let key = id.to_owned();
        let (entry, opened) = self
            .with_store_blocking(move |s| Ok((s.manifest_entry(&key)?, s.opening(&key)?)))
            .await?;
        let entry = entry.ok_or(PickupError::NotHere)?;
        let held = Held { expires_s: entry.expires_s, paid: entry.paid, opened: opened.is_some() };
        pickup::may_open_offline(&held, now.timestamp())?;
        Ok(Pickup {
            order_id: entry.order_id,
            compartment: entry.compartment,
            paid: entry.paid,
            total: entry.total,
            expires_s: entry.expires_s,
            online: false,
        })
    }

    async fn not_opened_here(&self, id: &str) -> Result<(), PickupFailure> {
        let key = id.to_owned();
        match self.with_store_blocking(move |s| s.opening(&key)).await? {
            Some(_) => Err(PickupError::OpenedAlready.into()),
            None => Ok(()),
        }
    }

    /// Creates the QRIS payment of an unpaid order's total (the same
    /// `idempotency_key` gives the same payment). Settle it as any other;
    /// then open with its id.
    pub async fn pay_order(
        &self,
        pickup: &Pickup,
        idempotency_key: &str,
    ) -> Result<Payment, PickupFailure> {
        self.client
            .pay_order(&pickup.order_id, pickup.total, idempotency_key)
            .await
            .map_err(PickupFailure::Central)
    }

    /// Records, before the kiosk sends the unlock, that the compartment of
    /// `pickup` opens at `now`. A second opening of the same order is
    /// refused, whichever code asks. An unpaid order needs `payment_id`,
    /// the paid QRIS payment of its total.
    pub async fn open_for_pickup(
        &self,
        pickup: &Pickup,
        payment_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Opening, PickupFailure> {
        if !pickup.paid && payment_id.is_none() {
            return Err(if pickup.online {
                PickupFailure::Central(ClientError::Refused {
                    what: "order collection",
                    status: reqwest::StatusCode::PAYMENT_REQUIRED,
                    code: "order_unpaid".into(),
                    message: format!(
                        "order {} is unpaid: pay {} by QRIS first",
                        pickup.order_id, pickup.total
                    ),
                })
            } else {
                PickupError::UnpaidOffline.into()
            });
        }
        let opening = Opening {
            order_id: pickup.order_id.clone(),
            compartment: pickup.compartment,
            opened_at: rfc3339(now),
            offline: !pickup.online,
            payment_id: payment_id.map(str::to_owned),
            collect_key: format!("collect-{}-{}", self.device_id, pickup.order_id),
            confirmed_at: None,
        };
        let o = opening.clone();
        match self.with_store_blocking(move |s| s.record_opening(&o)).await? {
            None => {
                info!(order = %opening.order_id, compartment = opening.compartment, "pickup opening");
                Ok(opening)
            }
            Some(_) => Err(PickupError::OpenedAlready.into()),
        }
    }

    /// The door of an opening was never opened and locked again: the
    /// opening is taken back and the order's code stays valid. Returns
    /// false if there was no such opening (or it was confirmed).
    pub async fn door_not_opened(&self, order_id: &str) -> super::Result<bool> {
        let key = order_id.to_owned();
        self.with_store_blocking(move |s| s.forget_opening(&key)).await
    }

    /// The compartment of `order_id` was found empty after its door closed:
    /// the collect enters the outbox (with the opening, in one
    /// transaction) and goes to the central if it answers. Confirming
    /// again queues nothing new. Returns the order as the central answered,
    /// or `None` while the collect waits in the outbox.
    pub async fn confirm_pickup(&self, order_id: &str) -> super::Result<Option<OrderView>> {
        let key = order_id.to_owned();
        let device = self.device_id.clone();
        let queued = self
            .with_store_blocking(move |s| {
                s.in_transaction(|s| {
                    let Some(o) = s.opening(&key)? else { return Ok(None) };
                    let event = CollectEvent {
                        order_id: o.order_id.clone(),
                        collect: CollectOrder {
                            device,
                            payment_id: o.payment_id.clone(),
                            opened_at: Some(o.opened_at.clone()),
                            offline: o.offline,
                        },
                    };
                    let body = serde_json::to_value(&event).expect("a collect always serialises");
                    s.outbox_push(PICKUP, &o.collect_key, &body)?;
                    s.confirm_opening(&key)?;
                    Ok(Some(o.collect_key))
                })
            })
            .await?;
        let Some(collect_key) = queued else {
            return Err(DeviceError::NoOpening { order: order_id.to_owned() });
        };
        if let Err(e) = self.flush_outbox().await {
            warn!(error = %e, "pickup waits in the outbox");
        }
        let answer = self.with_store_blocking(move |s| s.outbox_response(&collect_key)).await?;
        Ok(answer.and_then(|v| serde_json::from_value(v).ok()))
    }

    /// The door of `order_id`'s opening has been open too long at `now`:
    /// the device's audit log gets an entry (kind [`DOOR_LEFT_OPEN`], the
    /// order as its visit), and an alert for staff goes through the outbox
    /// to the order's history on the central. Once per opening: a second
    /// call for the same opening writes nothing. Returns false then, or
    /// when there is no such opening.
    pub async fn door_left_open(&self, order_id: &str, now: DateTime<Utc>) -> super::Result<bool> {
        let key = order_id.to_owned();
        let device = self.device_id.clone();
        let queued = self
            .with_store_blocking(move |s| {
                s.in_transaction(|s| {
                    let Some(o) = s.opening(&key)? else { return Ok(None) };
                    let alert_key = format!("left-open-{device}-{}-{}", o.order_id, o.opened_at);
                    if s.outbox_has(&alert_key)? {
                        return Ok(None);
                    }
                    s.audit(now, DOOR_LEFT_OPEN, None, Some(&o.order_id), &[])?;
                    let event = AlertEvent {
                        order_id: o.order_id.clone(),
                        alert: OrderAlert {
                            device,
                            kind: "left_open".into(),
                            compartment: o.compartment,
                            opened_at: o.opened_at.clone(),
                            at: rfc3339(now),
                        },
                    };
                    let body = serde_json::to_value(&event).expect("an alert always serialises");
                    s.outbox_push(PICKUP_ALERT, &alert_key, &body)?;
                    Ok(Some(o.compartment))
                })
            })
            .await?;
        let Some(compartment) = queued else { return Ok(false) };
        warn!(order = order_id, compartment, "door left open; staff alerted");
        if let Err(e) = self.flush_outbox().await {
            warn!(error = %e, "the door alert waits in the outbox");
        }
        Ok(true)
    }

    /// Openings a kiosk stopped in the middle of (between the unlock and
    /// the empty compartment), for it to look at again at start.
    pub async fn unconfirmed_openings(&self) -> super::Result<Vec<Opening>> {
        self.with_store_blocking(|s| s.unconfirmed_openings()).await
    }
}

/// How an opening an earlier run left unconfirmed stands now.
#[derive(Debug)]
pub enum Earlier {
    /// Shut and not holding goods: the pickup is confirmed now.
    Confirmed(Opening),
    /// Open, or with goods inside: left for staff, never opened again.
    ForStaff(Opening, Compartment),
    /// Its compartment could not be read (or is not in this bank).
    Unread(Opening, String),
}

/// Reads, on `bank`, the compartment of each opening an earlier run left
/// unconfirmed. Blocking: the bank is read from the calling thread.
pub fn read_earlier_openings<B: LockerBank + ?Sized>(
    bank: &mut B,
    openings: Vec<Opening>,
) -> Vec<(Opening, Result<Compartment, LockerError>)> {
    openings
        .into_iter()
        .map(|o| {
            // A number past u16 is past every bank: refused as such.
            let read = bank.compartment(u16::try_from(o.compartment).unwrap_or(u16::MAX));
            (o, read)
        })
        .collect()
}

/// Settles the openings an earlier run made and never saw to an end (it
/// was stopped, or killed, with the door open): a compartment now shut and
/// not holding goods confirms its pickup, once, through the outbox; any
/// other is left for staff and never opened again. The kiosk does this at
/// start, and `swalayan pickup` before each pickup.
///
/// The bank is read with no `.await` in between (see
/// [`read_earlier_openings`]), so a kiosk can lend it from its std mutex.
pub async fn settle_earlier_openings<B: LockerBank + ?Sized>(
    device: &Device,
    bank: &mut B,
) -> super::Result<Vec<Earlier>> {
    let openings = device.unconfirmed_openings().await?;
    if openings.is_empty() {
        return Ok(Vec::new());
    }
    settle_read(device, read_earlier_openings(bank, openings)).await
}

/// Confirms or leaves each opening as its compartment was read.
pub async fn settle_read(
    device: &Device,
    read: Vec<(Opening, Result<Compartment, LockerError>)>,
) -> super::Result<Vec<Earlier>> {
    let mut settled = Vec::new();
    for (o, compartment) in read {
        let order = o.order_id.clone();
        settled.push(match compartment {
            Ok(Compartment { door: DoorState::Closed, occupancy, .. })
                if occupancy != Some(Occupancy::Occupied) =>
            {
                warn!(order, compartment = o.compartment, "an earlier pickup confirmed now");
                device.confirm_pickup(&order).await?;
                Earlier::Confirmed(o)
            }
            Ok(c) => {
                warn!(
                    order,
                    compartment = o.compartment,
                    door = c.door.as_str(),
                    "an earlier pickup is not shut and empty; staff should look"
                );
                Earlier::ForStaff(o, c)
            }
            Err(e) => {
                warn!(order, error = %e, "cannot read an earlier pickup");
                Earlier::Unread(o, e.to_string())
            }
        });
    }
    Ok(settled)
}

/// True if and only if the central did not answer `e` itself: the kiosk
/// then decides from its manifest. A central that asks to wait (too many
/// wrong codes) answered, and its lockout must not be stepped around.
fn out_of_reach(e: &ClientError) -> bool {
    match e {
        ClientError::Refused { status, .. } => status.is_server_error(),
        other => other.is_retryable(),
    }
}

/// The pickup the central's view of an order allows, or why not.
fn from_view(view: &OrderView) -> Result<Pickup, PickupFailure> {
    let refused = |e: crate::domain::order::Refused| {
        PickupFailure::Central(ClientError::Refused {
            what: "order collection",
            status: reqwest::StatusCode::CONFLICT,
            code: "order_state".into(),
            message: e.to_string(),
        })
    };
    crate::domain::order::next(view.status, crate::domain::order::Step::Collect)
        .map_err(refused)?;
    debug_assert_eq!(view.status, OrderState::Loaded);
    let compartment = view.compartment.ok_or(PickupError::NotHere)?;
    let expires_s = DateTime::parse_from_rfc3339(&view.deadline).map_or(0, |t| t.timestamp());
    Ok(Pickup {
        order_id: view.id.clone(),
        compartment,
        paid: view.paid,
        total: view.total,
        expires_s,
        online: true,
    })
}
