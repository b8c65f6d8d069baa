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
use crate::domain::locker::{Compartment, Free, Size, Sizes};
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
    /// None free big enough for the order's `size`; `free` are those free
    /// but too small (none at all when it is empty).
    #[error("{}", no_fit(*.size, .free))]
    NoFreeCompartment { size: Size, free: Free },
}

fn no_fit(size: Size, free: &Free) -> String {
    if free.is_empty() {
        "no free compartment: each is open, holds an item or holds an order".to_owned()
    } else {
        format!("no free compartment is big enough for this size {size} order (free now: {free})")
    }
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

/// Which compartments a loading may take: the bank's sizes, and those
/// kept for returned goods (`--return-compartments`).
#[derive(Clone, Debug, Default)]
pub struct Fit {
    pub sizes: Sizes,
    pub set_aside: Vec<u16>,
}

/// The compartment a loading of a `size` order opens: of those that are
/// shut, show no item and hold no order, the smallest size that fits (the
/// order's or larger), and of those the lowest number. Large compartments
/// stay free for large orders as long as smaller ones do.
///
/// # Errors
///
/// The free compartments, each with its size, when none is big enough
/// (none at all when every compartment is taken).
pub fn free_compartment(
    status: &[Compartment],
    held: &HashSet<u32>,
    sizes: &Sizes,
    size: Size,
) -> Result<u16, Free> {
    let free: Vec<(u16, Size)> = status
        .iter()
        .filter(|c| {
            c.door == DoorState::Closed
                && c.occupancy != Some(Occupancy::Occupied)
                && !held.contains(&u32::from(c.number))
        })
        .map(|c| (c.number, sizes.of(c.number)))
        .collect();
    free.iter()
        .filter(|(_, s)| *s >= size)
        .min_by_key(|(number, s)| (*s, *number))
        .map(|(number, _)| *number)
        .ok_or(Free(free))
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
    /// member `staff_id`: picks the smallest free compartment of the bank
    /// (of `sizes`) that fits the order, unlocks it once, waits
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
        fit: &Fit,
        order: &OrderView,
        staff_id: &str,
        door: DoorPolicy,
        on_step: impl FnMut(DoorStep) + Send + 'static,
    ) -> Result<Loaded, LoadError> {
        let manifest =
            self.client().pickup_manifest(&order.store).await.map_err(LoadError::of_central)?;
        // Compartments holding orders, and those kept for returned goods.
        let held: HashSet<u32> = manifest
            .orders
            .iter()
            .map(|e| e.compartment)
            .chain(fit.set_aside.iter().map(|&n| u32::from(n)))
            .collect();
        let status = {
            let bank = bank.clone();
            tokio::task::spawn_blocking(move || {
                bank.lock().unwrap_or_else(|p| p.into_inner()).status()
            })
            .await
            .map_err(|_| LoadError::Stopped)??
        };
        let size = order.size;
        let number = free_compartment(&status, &held, &fit.sizes, size)
            .map_err(|free| LoadError::Refused(LoadRefusal::NoFreeCompartment { size, free }))?;
        info!(order = %order.id, compartment = number, %size, staff = staff_id, "loading");

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
        let pick = |held: &[u32]| {
            free_compartment(&status, &held.iter().copied().collect(), &Sizes::default(), Size::S)
        };
        assert_eq!(pick(&[]), Ok(3));
        assert_eq!(pick(&[3]), Ok(4));
        assert_eq!(pick(&[3, 4]), Err(Free(vec![])));
        // Boards without sensors: a shut door that holds no order is free.
        let unsensed = [c(1, DoorState::Closed, None)];
        assert_eq!(free_compartment(&unsensed, &HashSet::new(), &Sizes::default(), Size::S), Ok(1));
    }

    /// A bank of 16: S 1-8, M 9-14, L 15-16, all shut and empty.
    fn bank_of_sizes() -> (Vec<Compartment>, Sizes) {
        let status = (1..=16).map(|n| c(n, DoorState::Closed, Some(Occupancy::Empty))).collect();
        (status, Sizes::parse("S:1-8,M:9-14,L:15-16", 16).unwrap())
    }

    #[test]
    fn an_order_takes_the_smallest_size_that_fits_and_then_the_lowest_number() {
        let (mut status, sizes) = bank_of_sizes();
        // M 9 holds an item; S 1-8 and M 10 are free.
        status[8].occupancy = Some(Occupancy::Occupied);
        let none = HashSet::new();
        assert_eq!(free_compartment(&status, &none, &sizes, Size::M), Ok(10));
        assert_eq!(free_compartment(&status, &none, &sizes, Size::S), Ok(1));
        assert_eq!(free_compartment(&status, &none, &sizes, Size::L), Ok(15));
        // With every S taken, an S order goes to the smallest larger one.
        let held: HashSet<u32> = (1..=8).collect();
        assert_eq!(free_compartment(&status, &held, &sizes, Size::S), Ok(10));
    }

    #[test]
    fn an_order_bigger_than_every_free_compartment_is_refused_listing_them() {
        let (mut status, sizes) = bank_of_sizes();
        // L 15 is open, L 16 holds an order, M 11-14 hold items.
        status[14].door = DoorState::Open;
        for n in 11..=14 {
            status[n - 1].occupancy = Some(Occupancy::Occupied);
        }
        let held = HashSet::from([16]);
        let free = free_compartment(&status, &held, &sizes, Size::L).unwrap_err();
        let expected: Vec<(u16, Size)> =
            (1..=8).map(|n| (n, Size::S)).chain([(9, Size::M), (10, Size::M)]).collect();
        assert_eq!(free, Free(expected));
        let refusal = LoadRefusal::NoFreeCompartment { size: Size::L, free };
        assert_eq!(
            refusal.to_string(),
            "no free compartment is big enough for this size L order (free now: S 1-8; M 9-10)"
        );
        let none = LoadRefusal::NoFreeCompartment { size: Size::S, free: Free::default() };
        assert_eq!(
            none.to_string(),
            "no free compartment: each is open, holds an item or holds an order"
        );
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
