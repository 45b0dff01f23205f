//! Price lists (the variable-part menu per fee year), index series and fee models: each
//! change checked, written and recorded in the audit trail as the API shows the record.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::contribution::{IndexSeries, PriceListItem, Unit, VatTreatment};
use crate::domain::money::{Rounding, parse_amount};
use crate::domain::{Currency, Errors, Invalid, NAME_MAX, text};
use crate::error::Error;
use crate::schemas as names;
use crate::services::audit::{self, Change, Entity};
use crate::services::fee_models::{FeeModelSpec, IndexationSpec, ModelSpec};
use crate::storage::DbConnection;
use crate::storage::pricing as store;

pub use crate::storage::pricing::{FeeModelRecord, IndexSeriesRecord, Names, PriceItem};

/// A fee year, or the error that names `field`.
pub fn fee_year_at(raw: i64, field: &str) -> Result<i32, Error> {
    crate::services::fee_models::fee_year(raw).map_err(|invalid| Error::field(field, invalid))
}

/// A service on the price list. Prices are decimal strings in `currency`.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PriceItemBody {
    #[schema(example = "SKOLPROG", value_type = String, pattern = r"^[A-Za-z0-9_-]{1,30}$")]
    pub code: Option<String>,
    #[schema(example = "Skolprogram i Navet", value_type = String)]
    pub name_sv: Option<String>,
    pub name_nb: Option<String>,
    pub name_en: Option<String>,
    #[schema(value_type = names::Unit)]
    pub unit: Option<String>,
    #[schema(value_type = names::Amount, example = "1450.00")]
    pub unit_price: Option<String>,
    #[schema(value_type = names::Currency)]
    pub currency: Option<String>,
    /// `exempt` needs `vat_exempt_reason`.
    #[schema(value_type = names::Vat)]
    pub vat: Option<String>,
    pub vat_exempt_reason: Option<String>,
    /// Charge the seller's own VAT also to a buyer in another country, where the law places
    /// the supply in the seller's country (e.g. admission to an event held there). Otherwise
    /// a rate is turned into a reverse charge for a buyer abroad. False when not given.
    #[serde(default)]
    #[schema(example = false)]
    pub domestic_vat_abroad: bool,
    /// When creating: the same item on the price list of every fee year from the path's
    /// year through this one (at most ten years), in one request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 2018, minimum = 2000, maximum = 2100)]
    pub through_year: Option<i64>,
}

impl PriceItemBody {
    pub fn parse(self) -> Result<(Names, PriceListItem), Error> {
        let mut e = Errors::new();
        let code = e.require("code", self.code.as_deref(), |c| crate::domain::code(c, 30));
        let sv = e.require("name_sv", self.name_sv.as_deref(), |s| text(s, NAME_MAX));
        let nb = e.check_opt("name_nb", self.name_nb.as_deref(), |s| text(s, NAME_MAX));
        let en = e.check_opt("name_en", self.name_en.as_deref(), |s| text(s, NAME_MAX));
        let unit = e.require("unit", self.unit.as_deref(), Unit::parse);
        let currency = e.require("currency", self.currency.as_deref(), Currency::parse);
        let price = currency.and_then(|c| {
            e.require("unit_price", self.unit_price.as_deref(), |p| {
                parse_amount(p, c)
            })
        });
        let vat = e.require("vat", self.vat.as_deref(), |v| {
            VatTreatment::parse(v, self.vat_exempt_reason.as_deref())
        });
        let parsed = e.finish(|| {
            Some((
                Names {
                    sv: sv?,
                    nb: nb?,
                    en: en?,
                },
                PriceListItem {
                    code: code?,
                    unit: unit?,
                    unit_price: price?,
                    vat: vat?,
                    domestic_vat_abroad: self.domestic_vat_abroad,
                },
            ))
        });
        parsed.map_err(|mut fields| {
            for f in &mut fields {
                // A missing reason is reported where it belongs.
                if f.field == "vat" && f.invalid == Invalid::Required {
                    f.field = "vat_exempt_reason".to_owned();
                }
            }
            Error::Validation(fields)
        })
    }

    pub fn from_domain(p: &PriceItem) -> Self {
        Self {
            code: Some(p.item.code.clone()),
            name_sv: Some(p.names.sv.clone()),
            name_nb: p.names.nb.clone(),
            name_en: p.names.en.clone(),
            unit: Some(p.item.unit.as_str().to_owned()),
            unit_price: Some(p.item.unit_price.amount().to_string()),
            currency: Some(p.item.unit_price.currency().as_str().to_owned()),
            vat: Some(p.item.vat.code()),
            vat_exempt_reason: p.item.vat.exempt_reason().map(str::to_owned),
            domestic_vat_abroad: p.item.domestic_vat_abroad,
            through_year: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PriceItemView {
    pub id: String,
    pub fee_year: i32,
    #[serde(flatten)]
    pub body: PriceItemBody,
}

impl From<PriceItem> for PriceItemView {
    fn from(p: PriceItem) -> Self {
        Self {
            body: PriceItemBody::from_domain(&p),
            id: p.id,
            fee_year: p.fee_year,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IndexSeriesView {
    pub id: String,
    pub name: String,
    pub points: BTreeMap<String, String>,
}

impl From<IndexSeriesRecord> for IndexSeriesView {
    fn from(r: IndexSeriesRecord) -> Self {
        let points = r
            .series
            .points
            .iter()
            .map(|(y, p)| (y.to_string(), p.to_string()))
            .collect();
        Self {
            id: r.id,
            name: r.name,
            points,
        }
    }
}

/// A fee model: the parameters a board decided for a fee year, reusable by many agreements.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeModelBody {
    #[schema(example = 2027, minimum = 2000, maximum = 2100)]
    pub fee_year: i64,
    #[schema(example = "Medlemsavgift per invånare")]
    pub name: String,
    // The specification's fields, named here rather than `#[serde(flatten)]`: serde reads
    // a flattened part from a buffer of its own, past the strict reading of
    // `extract::from_value`.
    pub model: ModelSpec,
    pub indexation: Option<IndexationSpec>,
}

impl FeeModelBody {
    pub fn spec(&self) -> FeeModelSpec {
        FeeModelSpec {
            model: self.model.clone(),
            indexation: self.indexation.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FeeModelView {
    pub id: String,
    pub fee_year: i32,
    pub name: String,
    #[serde(flatten)]
    pub spec: FeeModelSpec,
}

impl TryFrom<FeeModelRecord> for FeeModelView {
    type Error = Error;

    fn try_from(r: FeeModelRecord) -> Result<Self, Error> {
        let spec = crate::services::fee_models::saved_spec(&r)?;
        Ok(Self {
            id: r.id,
            fee_year: r.fee_year,
            name: r.name,
            spec,
        })
    }
}

/// Checks a fee model body against the organisation's data (its index series) and returns
/// what is stored: the year, the name and the specification as JSON.
pub fn validate_fee_model(
    conn: &mut DbConnection,
    org: &str,
    body: &FeeModelBody,
) -> Result<(i32, String, String), Error> {
    let year = fee_year_at(body.fee_year, "fee_year")?;
    let name = text(&body.name, NAME_MAX).map_err(|e| Error::field("name", e))?;
    let spec = body.spec();
    crate::services::fee_models::resolve(conn, org, &spec, "")?;
    let spec = serde_json::to_string(&spec).map_err(|e| Error::Internal(e.into()))?;
    Ok((year, name, spec))
}

/// A price-list item's id in the audit trail: its fee year and code.
fn item_id(year: i32, code: &str) -> String {
    format!("{year}/{code}")
}

fn item_change<'a>(org: &'a str, id: &'a str, action: &'a str, actor: &'a str) -> Change<'a> {
    Change::new(org, Entity::PriceItem, id, action, actor)
}

/// The price list of a fee year, ordered by code.
pub fn price_list(conn: &mut DbConnection, org: &str, year: i32) -> Result<Vec<PriceItem>, Error> {
    Ok(store::price_list(conn, org, year)?)
}

/// Puts the same item on the price list of every fee year in `years`, and returns the
/// first year's.
pub fn add_item(
    conn: &mut DbConnection,
    org: &str,
    years: std::ops::RangeInclusive<i32>,
    names: &Names,
    item: &PriceListItem,
    actor: &str,
) -> Result<PriceItem, Error> {
    let mut first = None;
    for year in years {
        let created = store::insert_item(conn, org, year, names, item)?;
        let id = item_id(year, &created.item.code);
        audit::created(
            conn,
            &item_change(org, &id, "create", actor),
            &PriceItemView::from(created.clone()),
        )?;
        first.get_or_insert(created);
    }
    first.ok_or_else(|| Error::Internal(anyhow::anyhow!("no year to create")))
}

/// Changes a price-list item by `edit`, which makes its new names and item from the item
/// as it stands.
pub fn patch_item(
    conn: &mut DbConnection,
    org: &str,
    year: i32,
    code: &str,
    edit: impl FnOnce(&PriceItem) -> Result<(Names, PriceListItem), Error>,
    actor: &str,
) -> Result<PriceItem, Error> {
    let current = store::get_item(conn, org, year, code)?;
    let (names, item) = edit(&current)?;
    let updated = store::update_item(conn, org, year, code, &names, &item)?;
    audit::changed(
        conn,
        &item_change(org, &item_id(year, code), "update", actor),
        &PriceItemView::from(current),
        &PriceItemView::from(updated.clone()),
    )?;
    Ok(updated)
}

pub fn delete_item(
    conn: &mut DbConnection,
    org: &str,
    year: i32,
    code: &str,
    actor: &str,
) -> Result<(), Error> {
    let current = store::get_item(conn, org, year, code)?;
    store::delete_item(conn, org, year, code)?;
    audit::removed(
        conn,
        &item_change(org, &item_id(year, code), "delete", actor),
        &PriceItemView::from(current),
    )
}

/// Copies the price list of `from` into `year`, every price times `factor` and rounded by
/// `rounding`.
pub fn copy_price_list(
    conn: &mut DbConnection,
    org: &str,
    (from, year): (i32, i32),
    factor: Decimal,
    rounding: Rounding,
    actor: &str,
) -> Result<Vec<PriceItem>, Error> {
    let items = store::copy_price_list(conn, org, from, year, factor, rounding)?;
    for item in &items {
        let id = item_id(year, &item.item.code);
        audit::created(
            conn,
            &item_change(org, &id, "copy", actor),
            &PriceItemView::from(item.clone()),
        )?;
    }
    Ok(items)
}

/// The organisation's index series.
pub fn index_series(conn: &mut DbConnection, org: &str) -> Result<Vec<IndexSeriesRecord>, Error> {
    Ok(store::index_series(conn, org)?)
}

pub fn get_index_series(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<IndexSeriesRecord, Error> {
    Ok(store::get_index_series(conn, org, id)?)
}

pub fn add_index_series(
    conn: &mut DbConnection,
    org: &str,
    name: &str,
    series: &IndexSeries,
    actor: &str,
) -> Result<IndexSeriesRecord, Error> {
    let created = store::insert_index_series(conn, org, name, series)?;
    audit::created(
        conn,
        &Change::new(org, Entity::IndexSeries, &created.id, "create", actor),
        &IndexSeriesView::from(created.clone()),
    )?;
    Ok(created)
}

/// Replaces an index series' name and points.
pub fn replace_index_series(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    name: &str,
    series: &IndexSeries,
    actor: &str,
) -> Result<IndexSeriesRecord, Error> {
    let current = store::get_index_series(conn, org, id)?;
    let updated = store::update_index_series(conn, org, id, name, series)?;
    audit::changed(
        conn,
        &Change::new(org, Entity::IndexSeries, id, "replace", actor),
        &IndexSeriesView::from(current),
        &IndexSeriesView::from(updated.clone()),
    )?;
    Ok(updated)
}

pub fn delete_index_series(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    actor: &str,
) -> Result<(), Error> {
    let current = store::get_index_series(conn, org, id)?;
    store::delete_index_series(conn, org, id)?;
    audit::removed(
        conn,
        &Change::new(org, Entity::IndexSeries, id, "delete", actor),
        &IndexSeriesView::from(current),
    )
}

/// The organisation's fee models, of one fee year when given.
pub fn fee_models(
    conn: &mut DbConnection,
    org: &str,
    year: Option<i32>,
) -> Result<Vec<FeeModelRecord>, Error> {
    Ok(store::fee_models(conn, org, year)?)
}

pub fn get_fee_model(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<FeeModelRecord, Error> {
    Ok(store::get_fee_model(conn, org, id)?)
}

pub fn add_fee_model(
    conn: &mut DbConnection,
    org: &str,
    body: &FeeModelBody,
    actor: &str,
) -> Result<FeeModelRecord, Error> {
    let (year, name, spec) = validate_fee_model(conn, org, body)?;
    let created = store::insert_fee_model(conn, org, year, &name, &spec)?;
    audit::created(
        conn,
        &Change::new(org, Entity::FeeModel, &created.id, "create", actor),
        &FeeModelView::try_from(created.clone())?,
    )?;
    Ok(created)
}

/// Replaces a fee model's year, name and parameters.
pub fn replace_fee_model(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    body: &FeeModelBody,
    actor: &str,
) -> Result<FeeModelRecord, Error> {
    let (year, name, spec) = validate_fee_model(conn, org, body)?;
    let current = store::get_fee_model(conn, org, id)?;
    let updated = store::update_fee_model(conn, org, id, year, &name, &spec)?;
    audit::changed(
        conn,
        &Change::new(org, Entity::FeeModel, id, "replace", actor),
        &FeeModelView::try_from(current)?,
        &FeeModelView::try_from(updated.clone())?,
    )?;
    Ok(updated)
}

pub fn delete_fee_model(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    actor: &str,
) -> Result<(), Error> {
    let current = store::get_fee_model(conn, org, id)?;
    store::delete_fee_model(conn, org, id)?;
    audit::removed(
        conn,
        &Change::new(org, Entity::FeeModel, id, "delete", actor),
        &FeeModelView::try_from(current)?,
    )
}
