//! The kiosk's list of produce without a barcode: the panel's view and
//! callbacks, and reading the list from the device's catalog cache.

use tracing::warn;

use super::omni::ReplyTo;
use super::ui;
use crate::checkout::Device;
use crate::domain::Product;
use crate::domain::visit::Event;

/// How many tile colours the panel has (`Theme.produce-*`).
const TINTS: usize = 4;

/// What the produce panel shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProduceView {
    pub items: Vec<ui::ProduceItem>,
    pub loading: bool,
    pub failed: bool,
}

impl ProduceView {
    /// The list as the visit has it, `None` while it is read; the items
    /// come by name, so each letter's first starts its group.
    pub fn of(items: Option<&[Product]>, failed: bool) -> ProduceView {
        let Some(items) = items else {
            return ProduceView { items: vec![], loading: !failed, failed };
        };
        let mut shown = Vec::with_capacity(items.len());
        let mut last = None;
        for (i, p) in items.iter().enumerate() {
            let initial = initial(&p.name);
            shown.push(ui::ProduceItem {
                barcode: p.barcode.as_str().into(),
                name: p.name.as_str().into(),
                price: p.price.to_string().into(),
                initial: initial.as_str().into(),
                starts_group: last.as_ref() != Some(&initial),
                tint: (i % TINTS) as i32,
            });
            last = Some(initial);
        }
        ProduceView { items: shown, loading: false, failed: false }
    }

    pub fn apply(&self, window: &ui::AppWindow) {
        use slint::{ComponentHandle, ModelRc, VecModel};

        let adapter = window.global::<ui::ProduceAdapter>();
        adapter.set_items(ModelRc::new(VecModel::from(self.items.clone())));
        adapter.set_loading(self.loading);
        adapter.set_failed(self.failed);
    }
}

/// The first letter of a name, in capitals: the tile's picture and the
/// group's heading.
fn initial(name: &str) -> String {
    name.trim().chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
}

/// Wires the produce panel's callbacks to visit events.
pub(super) fn connect(window: &ui::AppWindow, send: &(impl Fn(Event) + Clone + 'static)) {
    use slint::ComponentHandle;

    let adapter = window.global::<ui::ProduceAdapter>();
    adapter.on_choose({
        let send = send.clone();

        move |barcode| send(Event::ChooseProduce { barcode: barcode.into() })
    });
    adapter.on_close({
        let send = send.clone();

        move || send(Event::ClosePanel)
    });
}

/// Reads the produce list from the catalog cache and answers the visit.
pub(super) async fn list(device: Device, to: ReplyTo) {
    let event = match device.produce().await {
        Ok(items) => Event::ProduceListed { items },
        Err(e) => {
            warn!(error = %e, "produce list not read");
            Event::ProduceUnavailable
        }
    };
    // The worker is gone only when the kiosk stops.
    let _ = to.reports.send(super::worker::Report::Omni { visit: to.visit, event });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rupiah;
    use crate::domain::restricted::Restriction;

    fn plu(barcode: &str, name: &str, price: i64) -> Product {
        Product {
            barcode: barcode.into(),
            name: name.into(),
            price: Rupiah(price),
            category: Some("buah-sayur".into()),
            restriction: Restriction::None,
        }
    }

    #[test]
    fn each_letter_starts_a_group_once() {
        let items = [
            plu("4060", "Brokoli (per bonggol)", 12_000),
            plu("4011", "Pisang Cavendish (per buah)", 2_500),
            plu("94011", "Pisang Cavendish Organik (per buah)", 3_500),
            plu("4087", "Tomat Roma (per buah)", 1_500),
        ];
        let view = ProduceView::of(Some(&items), false);
        let groups: Vec<(&str, bool)> =
            view.items.iter().map(|i| (i.initial.as_str(), i.starts_group)).collect();
        assert_eq!(groups, [("B", true), ("P", true), ("P", false), ("T", true)]);
        assert_eq!(view.items[1].price.as_str(), "Rp 2.500");
        assert!(!view.loading);
    }

    #[test]
    fn the_list_is_loading_until_read() {
        let view = ProduceView::of(None, false);
        assert!(view.loading && !view.failed && view.items.is_empty());
        let view = ProduceView::of(None, true);
        assert!(!view.loading && view.failed);
    }
}
