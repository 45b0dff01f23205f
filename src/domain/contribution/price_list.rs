//! The organisation's price list: the services it sells, each in a unit at a price.

use std::collections::BTreeMap;

use super::error::ContributionError;
use super::vat::VatTreatment;
use crate::domain::money::Money;

vocabulary! {
    /// What a price-list item is counted in.
    Unit {
        Class = "class",
        Participant = "participant",
        Day = "day",
        Visit = "visit",
        Hour = "hour",
        Piece = "piece",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListItem {
    pub code: String,
    pub unit: Unit,
    pub unit_price: Money,
    pub vat: VatTreatment,
    /// Charge `vat` also to a buyer in another country (see [`VatTreatment::for_buyer`]).
    pub domestic_vat_abroad: bool,
}

/// The price list by code, refusing duplicates: two prices for one code would make the line
/// depend on list order.
pub(crate) fn price_index(
    items: &[PriceListItem],
) -> Result<BTreeMap<&str, &PriceListItem>, ContributionError> {
    let mut index = BTreeMap::new();
    for item in items {
        if index.insert(item.code.as_str(), item).is_some() {
            return Err(ContributionError::DuplicatePriceListItem {
                code: item.code.clone(),
            });
        }
    }
    Ok(index)
}
