//! A product as the catalog knows it.

use serde::{Deserialize, Serialize};

use super::money::Rupiah;
use super::restricted::Restriction;

/// One catalog entry, keyed by its barcode (a GTIN, 13 digits for UPC codes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub barcode: String,
    pub name: String,
    pub price: Rupiah,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Who may buy it at a kiosk (the catalog's `restriction` column).
    #[serde(default, skip_serializing_if = "Restriction::is_none")]
    pub restriction: Restriction,
}
