//! The kiosk's list of produce without a barcode: the panel's view and
//! callbacks, and reading the list and its pictures from the device's
//! catalog cache.

use std::collections::HashMap;

use slint::{Rgba8Pixel, SharedPixelBuffer};
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
    pub items: Vec<Tile>,
    pub loading: bool,
    pub failed: bool,
}

/// One item of the list: [`ui::ProduceItem`] with its picture as pixels,
/// which can cross threads where a Slint image cannot.
#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    pub barcode: String,
    pub name: String,
    pub price: String,
    pub initial: String,
    pub starts_group: bool,
    pub tint: i32,
    /// The catalog's picture of the item, if the device holds it; the tile
    /// shows the initial without one.
    pub picture: Option<Picture>,
}

/// A product picture, decoded and scaled for its tile, its pixels
/// premultiplied by their alpha.
#[derive(Clone)]
pub struct Picture {
    pub name: String,
    pub pixels: SharedPixelBuffer<Rgba8Pixel>,
}

impl PartialEq for Picture {
    /// One picture name, one picture: the cache holds one version of each.
    fn eq(&self, other: &Picture) -> bool {
        self.name == other.name && self.pixels.size() == other.pixels.size()
    }
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (w, h) = (self.pixels.width(), self.pixels.height());
        write!(f, "Picture({} {w}x{h})", self.name)
    }
}

/// The produce list's pictures, by barcode.
pub type Pictures = HashMap<String, Picture>;

/// The side of the square a tile's picture is drawn in, in pixels: the
/// `Image` of `ui/pages/produce-panel.slint` (the kiosk runs at scale 1).
pub const PICTURE_PX: u32 = 52;

impl Picture {
    /// Decodes a picture the central sent (PNG, JPEG or WebP) and scales it
    /// to fit [`PICTURE_PX`]; `None`, with a warning, for one that cannot
    /// be read.
    ///
    /// The renderer scales a picture by sampling it, which leaves jagged
    /// edges on one more than twice the size it is drawn at; scaled here
    /// with a filter, once, it is drawn pixel for pixel. The pixels are
    /// premultiplied by their alpha first, so the transparent pixels'
    /// colour does not bleed into the edges.
    pub fn decode(name: &str, bytes: &[u8]) -> Option<Picture> {
        use image::imageops::{FilterType, resize};

        let decoded = match image::load_from_memory(bytes) {
            Ok(decoded) => decoded,
            Err(e) => {
                warn!(picture = name, error = %e, "picture cannot be decoded; the tile keeps the initial");
                return None;
            }
        };
        let mut rgba = decoded.to_rgba8();
        for pixel in rgba.pixels_mut() {
            let alpha = u16::from(pixel[3]);
            for channel in &mut pixel.0[..3] {
                *channel = ((u16::from(*channel) * alpha + 127) / 255) as u8;
            }
        }
        let (width, height) = fitted(rgba.dimensions());
        if (width, height) != rgba.dimensions() {
            rgba = resize(&rgba, width, height, FilterType::Triangle);
        }
        let pixels = SharedPixelBuffer::clone_from_slice(rgba.as_raw(), width, height);
        Some(Picture { name: name.to_owned(), pixels })
    }
}

/// The size of a picture of `(width, height)` scaled down, keeping its
/// shape, to fit a square of [`PICTURE_PX`]; a smaller one stays as it is.
fn fitted((width, height): (u32, u32)) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= PICTURE_PX {
        return (width, height);
    }
    let scale = |side: u32| ((side * PICTURE_PX + longest / 2) / longest).max(1);
    (scale(width), scale(height))
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
            shown.push(Tile {
                barcode: p.barcode.clone(),
                name: p.name.clone(),
                price: p.price.to_string(),
                initial: initial.clone(),
                starts_group: last.as_ref() != Some(&initial),
                tint: (i % TINTS) as i32,
                picture: None,
            });
            last = Some(initial);
        }
        ProduceView { items: shown, loading: false, failed: false }
    }

    /// Gives each item the picture of its barcode among `pictures`.
    pub fn show_pictures(&mut self, pictures: &Pictures) {
        for tile in &mut self.items {
            tile.picture = pictures.get(&tile.barcode).cloned();
        }
    }

    pub fn apply(&self, window: &ui::AppWindow) {
        use slint::{ComponentHandle, Image, ModelRc, VecModel};

        let items: Vec<ui::ProduceItem> = self
            .items
            .iter()
            .map(|t| ui::ProduceItem {
                barcode: t.barcode.as_str().into(),
                name: t.name.as_str().into(),
                price: t.price.as_str().into(),
                initial: t.initial.as_str().into(),
                starts_group: t.starts_group,
                tint: t.tint,
                has_picture: t.picture.is_some(),
                picture: t
                    .picture
                    .as_ref()
                    .map(|p| Image::from_rgba8_premultiplied(p.pixels.clone()))
                    .unwrap_or_default(),
            })
            .collect();
        let adapter = window.global::<ui::ProduceAdapter>();
        adapter.set_items(ModelRc::new(VecModel::from(items)));
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

/// Reads the produce list from the catalog cache and answers the visit,
/// after its pictures: one that cannot be read leaves its tile with the
/// initial.
pub(super) async fn list(device: Device, to: ReplyTo) {
    let pictures = match device.produce_pictures().await {
        Ok(held) => {
            let decode = move || {
                let decoded = held.iter().filter_map(|(barcode, name, bytes)| {
                    Some((barcode.clone(), Picture::decode(name, bytes)?))
                });
                decoded.collect::<Pictures>()
            };
            tokio::task::spawn_blocking(decode).await.unwrap_or_default()
        }
        Err(e) => {
            warn!(error = %e, "produce pictures not read; the tiles show initials");
            Pictures::new()
        }
    };
    let _ = to.reports.send(super::worker::Report::ProducePictures(pictures));
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
    fn each_tile_gets_the_picture_of_its_barcode() {
        let banana = include_bytes!("../../assets/images/banana.png");
        // The PNG's size from its header: IHDR's width and height words.
        let word = |at: usize| u32::from_be_bytes(banana[at..at + 4].try_into().unwrap());
        let (width, height) = (word(16), word(20));
        assert!(width > PICTURE_PX && height > PICTURE_PX, "{width}x{height}");
        let picture = Picture::decode("banana.png", banana).unwrap();
        // Scaled to the tile's picture: the longer side is PICTURE_PX.
        let scaled =
            (width * PICTURE_PX / width.max(height), height * PICTURE_PX / width.max(height));
        assert_eq!((picture.pixels.width(), picture.pixels.height()), scaled);
        // By hand: 120 by 60 to 52 by 26; 30 by 40 stays.
        assert_eq!(fitted((120, 60)), (52, 26));
        assert_eq!(fitted((30, 40)), (30, 40));
        assert_eq!(Picture::decode("rusak.png", &banana[..40]), None);

        let items = [plu("4060", "Brokoli", 12_000), plu("4011", "Pisang", 2_500)];
        let mut view = ProduceView::of(Some(&items), false);
        view.show_pictures(&Pictures::from([("4011".to_owned(), picture.clone())]));
        assert_eq!(view.items[0].picture, None);
        assert_eq!(view.items[1].picture, Some(picture));
    }

    #[test]
    fn the_list_is_loading_until_read() {
        let view = ProduceView::of(None, false);
        assert!(view.loading && !view.failed && view.items.is_empty());
        let view = ProduceView::of(None, true);
        assert!(!view.loading && view.failed);
    }
}
