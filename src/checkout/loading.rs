//! Staff at the lockers: loading an order into a free compartment, and
//! taking an expired (or cancelled) one out again. The kiosk's staff
//! screens and `swalayan locker load` run these same steps.
//!
//! Both hold the bank behind a std mutex and drive it inside
//! `spawn_blocking`: the bank's calls block, and the mutex is never held
//! across an `.await`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::{Device, DeviceError, UNLOAD};
use crate::central::api::{LoadOrder, OrderStep, OrderView, ToUnload, Unloaded};
use crate::central::client::ClientError;
use crate::domain::locker::Compartment;
use crate::domain::order::OrderState;
use crate::locker::poll::{DoorEvent, DoorLimits, unlock_and_watch_until};
use crate::locker::{DoorState, LockerBank, LockerError, Occupancy};

/// How long a door may take, and how often it is read.
#[derive(Clone, Copy, Debug)]
pub struct DoorPolicy {
    pub limits: DoorLimits,
    pub every: Duration,
    /// When to stop following a door left open; `None` waits for good.
    pub give_up: Option<Duration>,
}

/// What happens at the door, as it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoorStep {
    /// Compartment `compartment` was chosen and its unlock is sent next.
    Unlocking {
        compartment: u16,
    },
    Opened,
    LeftOpen,
}

/// Why an order is not loaded, said before any door opens.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadRefusal {
    #[error("no order {order} on the central")]
    Unknown { order: String },
    #[error("order {order} is for store {store}, not this kiosk's")]
    OtherStore { order: String, store: String },
    #[error("order {order} is {state}{}: only a placed order is loaded", place(*.compartment))]
    NotPlaced { order: String, state: OrderState, compartment: Option<u32> },
    #[error("no free compartment: each is open, holds an item or holds an order")]
    NoFreeCompartment,
}

fn place(compartment: Option<u32>) -> String {
    compartment.map(|c| format!(" (compartment {c})")).unwrap_or_default()
}

/// Why a loading did not end with the order loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Refused(LoadRefusal),
    /// The central did not answer: it issues the pickup code, so nothing
    /// is loaded without it.
    #[error("the central cannot be reached, and loading needs it (it issues the pickup code)")]
    Offline(#[source] ClientError),
    #[error("the central refused the loading")]
    Central(#[source] ClientError),
    #[error("the locker failed")]
    Locker(#[from] LockerError),
    #[error("the door of compartment {compartment} was not opened in time and is locked again")]
    NotOpened { compartment: u16 },
    #[error("compartment {compartment} was closed with nothing inside")]
    ClosedEmpty { compartment: u16 },
    #[error("the door of compartment {compartment} is still open")]
    LeftOpen { compartment: u16 },
    #[error(
        "order {order} is in compartment {compartment}, but the central did not record the load"
    )]
    NotRecorded {
        order: String,
        compartment: u16,
        #[source]
        source: ClientError,
    },
    #[error("the door watch stopped")]
    Stopped,
}

impl LoadError {
    fn of_central(e: ClientError) -> LoadError {
        if e.is_retryable() { LoadError::Offline(e) } else { LoadError::Central(e) }
    }
}

/// An order loaded: the central's order, with its pickup codes.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub order: OrderView,
    pub compartment: u16,
}

/// Why an unloading did not end with the compartment empty.
#[derive(Debug, thiserror::Error)]
pub enum UnloadError {
    #[error("compartment {compartment} is not in this bank (1 to {count})")]
    NotInBank { compartment: u32, count: u16 },
    #[error("the locker failed")]
    Locker(#[from] LockerError),
    #[error("the door of compartment {compartment} was not opened in time and is locked again")]
    NotOpened { compartment: u16 },
    #[error("compartment {compartment} was closed with the goods still inside")]
    NotEmpty { compartment: u16 },
    #[error("the door of compartment {compartment} is still open")]
    LeftOpen { compartment: u16 },
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("the door watch stopped")]
    Stopped,
}

/// An unloading recorded on the device: the central's word on the money,
/// or `None` while it waits in the outbox (the central was out of reach).
pub type Unloading = Option<Unloaded>;

/// The outbox's body of an unloading.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct UnloadEvent {
    pub order_id: String,
    pub step: OrderStep,
}

/// The lowest compartment that is shut, shows no item and holds no order:
/// the one a loading opens.
///
/// TODO: the bank's configuration has no compartment sizes, so the first
/// free one is taken whatever the order's size; sizes in `BankConfig` and
/// on the order would let this pick the smallest that fits.
pub fn free_compartment(status: &[Compartment], held: &HashSet<u32>) -> Option<u16> {
    status
        .iter()
        .find(|c| {
            c.door == DoorState::Closed
                && c.occupancy != Some(Occupancy::Occupied)
                && !held.contains(&u32::from(c.number))
        })
        .map(|c| c.number)
}

/// Unlocks `number` once in a blocking task and follows its door.
async fn watch<B: LockerBank + 'static>(
    bank: &Arc<Mutex<B>>,
    number: u16,
    door: DoorPolicy,
    mut on_step: impl FnMut(DoorStep) + Send + 'static,
) -> Result<Result<Option<DoorEvent>, LockerError>, tokio::task::JoinError> {
    let bank = bank.clone();
    tokio::task::spawn_blocking(move || {
        let mut bank = bank.lock().unwrap_or_else(|p| p.into_inner());
        on_step(DoorStep::Unlocking { compartment: number });
        let bank: &mut dyn LockerBank = &mut *bank;
        unlock_and_watch_until(bank, number, door.limits, door.every, door.give_up, |e| match e {
            DoorEvent::Opened => on_step(DoorStep::Opened),
            DoorEvent::LeftOpen => on_step(DoorStep::LeftOpen),
            DoorEvent::NotOpened | DoorEvent::Closed { .. } => {}
        })
    })
    .await
}

impl Device {
    /// Asks the central for order `id` and checks that it may be loaded
    /// here: it exists, is `placed` and, when `store` is given, is that
    /// store's.
    ///
    /// # Errors
    ///
    /// [`LoadError::Refused`] with the reason, [`LoadError::Offline`] when
    /// the central does not answer.
    pub async fn order_to_load(
        &self,
        id: &str,
        store: Option<&str>,
    ) -> Result<OrderView, LoadError> {
        let order = match self.client().order(id).await {
            Ok(order) => order,
            Err(ClientError::Refused { status, .. }) if status.as_u16() == 404 => {
                return Err(LoadError::Refused(LoadRefusal::Unknown { order: id.to_owned() }));
            }
            Err(e) => return Err(LoadError::of_central(e)),
        };
        if let Some(here) = store
            && order.store != here
        {
            let refusal = LoadRefusal::OtherStore { order: order.id, store: order.store };
            return Err(LoadError::Refused(refusal));
        }
        if order.status != OrderState::Placed {
            let (state, compartment) = (order.status, order.compartment);
            let refusal = LoadRefusal::NotPlaced { order: order.id, state, compartment };
            return Err(LoadError::Refused(refusal));
        }
        Ok(order)
    }

    /// Loads `order` (checked by [`Device::order_to_load`]) by staff
    /// member `staff_id`: picks a free compartment, unlocks it once, waits
    /// for its door to shut with the sensor showing an item, and has the
    /// central mark the order loaded. Nothing is recorded unless the door
    /// shut on an item, so a loading that fails leaves the order `placed`.
    ///
    /// # Errors
    ///
    /// As [`LoadError`]; only [`LoadError::NotRecorded`] comes after the
    /// goods went in.
    pub async fn load_order<B: LockerBank + 'static>(
        &self,
        bank: &Arc<Mutex<B>>,
        order: &OrderView,
        staff_id: &str,
        door: DoorPolicy,
        on_step: impl FnMut(DoorStep) + Send + 'static,
    ) -> Result<Loaded, LoadError> {
        let manifest =
            self.client().pickup_manifest(&order.store).await.map_err(LoadError::of_central)?;
        let held: HashSet<u32> = manifest.orders.iter().map(|e| e.compartment).collect();
        let status = {
            let bank = bank.clone();
            tokio::task::spawn_blocking(move || {
                bank.lock().unwrap_or_else(|p| p.into_inner()).status()
            })
            .await
            .map_err(|_| LoadError::Stopped)??
        };
        let Some(number) = free_compartment(&status, &held) else {
            return Err(LoadError::Refused(LoadRefusal::NoFreeCompartment));
        };
        info!(order = %order.id, compartment = number, staff = staff_id, "loading");

        match watch(bank, number, door, on_step).await.map_err(|_| LoadError::Stopped)?? {
            Some(DoorEvent::NotOpened) => Err(LoadError::NotOpened { compartment: number }),
            Some(DoorEvent::Closed { occupancy: Some(Occupancy::Empty) }) => {
                Err(LoadError::ClosedEmpty { compartment: number })
            }
            Some(DoorEvent::Closed { occupancy }) => {
                if occupancy.is_none() {
                    warn!(compartment = number, "no item sensor; the shut door confirms the load");
                }
                let load = LoadOrder {
                    device: self.device_id().to_owned(),
                    compartment: u32::from(number),
                    staff_id: staff_id.to_owned(),
                };
                let view = self.client().load_order(&order.id, &load).await.map_err(|source| {
                    LoadError::NotRecorded { order: order.id.clone(), compartment: number, source }
                })?;
                // This kiosk now hands the order over, offline too.
                if let Err(e) = self.sync_pickup_manifest(&order.store).await {
                    warn!(error = %e, "pickup manifest not synced");
                }
                Ok(Loaded { order: view, compartment: number })
            }
            _ => Err(LoadError::LeftOpen { compartment: number }),
        }
    }

    /// Takes `order` out of its compartment by staff member `staff_id`:
    /// unlocks it once, and once its door shuts on an empty compartment
    /// has the central record the unloading (which applies the refund
    /// policy) through the outbox, keyed by the order: a retry, or a
    /// replay after a lost answer, never refunds twice.
    ///
    /// # Errors
    ///
    /// As [`UnloadError`]; nothing is recorded unless the compartment was
    /// found empty.
    pub async fn unload_order<B: LockerBank + 'static>(
        &self,
        bank: &Arc<Mutex<B>>,
        order: &ToUnload,
        staff_id: &str,
        door: DoorPolicy,
        on_step: impl FnMut(DoorStep) + Send + 'static,
    ) -> Result<Unloading, UnloadError> {
        let count = bank.lock().unwrap_or_else(|p| p.into_inner()).layout().compartments();
        let number = match u16::try_from(order.compartment) {
            Ok(n) if (1..=count).contains(&n) => n,
            _ => return Err(UnloadError::NotInBank { compartment: order.compartment, count }),
        };
        info!(order = %order.order_id, compartment = number, staff = staff_id, "unloading");
        match watch(bank, number, door, on_step).await.map_err(|_| UnloadError::Stopped)?? {
            Some(DoorEvent::NotOpened) => Err(UnloadError::NotOpened { compartment: number }),
            Some(DoorEvent::Closed { occupancy: Some(Occupancy::Occupied) }) => {
                Err(UnloadError::NotEmpty { compartment: number })
            }
            Some(DoorEvent::Closed { .. }) => Ok(self.record_unload(order, staff_id).await?),
            _ => Err(UnloadError::LeftOpen { compartment: number }),
        }
    }

    /// Puts the unloading in the outbox, sends it, and reads the central's
    /// answer if it came.
    async fn record_unload(&self, order: &ToUnload, staff_id: &str) -> super::Result<Unloading> {
        let event = UnloadEvent {
            order_id: order.order_id.clone(),
            step: OrderStep {
                device: Some(self.device_id().to_owned()),
                staff_id: Some(staff_id.to_owned()),
                cause: String::new(),
            },
        };
        let key = format!("unload-{}", order.order_id);
        let body = serde_json::to_value(&event).expect("an unloading always serialises");
        let pushed = key.clone();
        self.with_store_blocking(move |s| s.outbox_push(UNLOAD, &pushed, &body)).await?;
        if let Err(e) = self.flush_outbox().await {
            warn!(error = %e, "unloading waits in the outbox");
        }
        let answer = self.with_store_blocking(move |s| s.outbox_response(&key)).await?;
        let view: Option<OrderView> = answer.and_then(|v| serde_json::from_value(v).ok());
        Ok(view.and_then(|v| v.unloaded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(number: u16, door: DoorState, occupancy: Option<Occupancy>) -> Compartment {
        Compartment { number, door, occupancy }
    }

    #[test]
    fn a_loading_skips_open_filled_and_held_compartments() {
        let empty = Some(Occupancy::Empty);
        let status = [
            c(1, DoorState::Open, empty),
            c(2, DoorState::Closed, Some(Occupancy::Occupied)),
            c(3, DoorState::Closed, empty),
            c(4, DoorState::Closed, empty),
        ];
        assert_eq!(free_compartment(&status, &HashSet::new()), Some(3));
        assert_eq!(free_compartment(&status, &HashSet::from([3])), Some(4));
        assert_eq!(free_compartment(&status, &HashSet::from([3, 4])), None);
        // Boards without sensors: a shut door that holds no order is free.
        assert_eq!(free_compartment(&[c(1, DoorState::Closed, None)], &HashSet::new()), Some(1));
    }

    #[test]
    fn a_refusal_names_the_state_and_the_compartment() {
        let loaded = LoadRefusal::NotPlaced {
            order: "ORD-1".into(),
            state: OrderState::Loaded,
            compartment: Some(3),
        };
        assert_eq!(
            loaded.to_string(),
            "order ORD-1 is loaded (compartment 3): only a placed order is loaded"
        );
    }
}
