//! Price lists, index series and fee models of an organisation. Every query is scoped by
//! the organisation.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::domain::Currency;
use crate::domain::contribution::{IndexSeries, PriceListItem, Unit, VatTreatment};
use crate::domain::money::{Money, Rounding};
use crate::storage::Error;
use crate::storage::schema::fee_models::dsl as fm;
use crate::storage::schema::index_series::dsl as ix;
use crate::storage::schema::price_items::dsl as pi;
use crate::storage::{DbConnection, new_id, now};

/// A service's name in the languages letters and invoices are written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub sv: String,
    pub nb: Option<String>,
    pub en: Option<String>,
}

/// A price-list item as stored, for one fee year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceItem {
    pub id: String,
    pub fee_year: i32,
    pub names: Names,
    pub item: PriceListItem,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = crate::storage::schema::price_items, treat_none_as_null = true)]
struct PriceItemRow {
    id: String,
    organisation_id: String,
    fee_year: i32,
    code: String,
    name_sv: String,
    name_nb: Option<String>,
    name_en: Option<String>,
    unit: String,
    unit_price_minor: i64,
    currency: String,
    vat: String,
    vat_exempt_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    domestic_vat_abroad: bool,
}

impl PriceItemRow {
    fn new(
        org: &str,
        fee_year: i32,
        names: &Names,
        item: &PriceListItem,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: new_id(),
            organisation_id: org.to_owned(),
            fee_year,
            code: item.code.clone(),
            name_sv: names.sv.clone(),
            name_nb: names.nb.clone(),
            name_en: names.en.clone(),
            unit: item.unit.as_str().to_owned(),
            unit_price_minor: item.unit_price.to_minor(),
            currency: item.unit_price.currency().as_str().to_owned(),
            vat: item.vat.code(),
            vat_exempt_reason: item.vat.exempt_reason().map(str::to_owned),
            created_at: now,
            updated_at: now,
            domestic_vat_abroad: item.domestic_vat_abroad,
        }
    }

    fn into_domain(self) -> Result<PriceItem, Error> {
        let bad = |what: &str| {
            Error::Internal(anyhow::anyhow!(
                "stored price item {} has a bad {what}",
                self.id
            ))
        };
        let currency = Currency::parse(&self.currency).map_err(|_| bad("currency"))?;
        let item = PriceListItem {
            code: self.code.clone(),
            unit: Unit::parse(&self.unit).map_err(|_| bad("unit"))?,
            unit_price: Money::from_minor(self.unit_price_minor, currency),
            vat: VatTreatment::parse(&self.vat, self.vat_exempt_reason.as_deref())
                .map_err(|_| bad("vat"))?,
            domestic_vat_abroad: self.domestic_vat_abroad,
        };
        Ok(PriceItem {
            id: self.id,
            fee_year: self.fee_year,
            names: Names {
                sv: self.name_sv,
                nb: self.name_nb,
                en: self.name_en,
            },
            item,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub fn price_list(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
) -> Result<Vec<PriceItem>, Error> {
    let rows: Vec<PriceItemRow> = pi::price_items
        .filter(pi::organisation_id.eq(org))
        .filter(pi::fee_year.eq(fee_year))
        .order(pi::code.asc())
        .select(PriceItemRow::as_select())
        .load(conn)?;
    rows.into_iter().map(PriceItemRow::into_domain).collect()
}

fn item_row(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
    code: &str,
) -> Result<PriceItemRow, Error> {
    pi::price_items
        .filter(pi::organisation_id.eq(org))
        .filter(pi::fee_year.eq(fee_year))
        .filter(pi::code.eq(code))
        .select(PriceItemRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("price item"))
}

pub fn insert_item(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
    names: &Names,
    item: &PriceListItem,
) -> Result<PriceItem, Error> {
    let row = PriceItemRow::new(org, fee_year, names, item, now());
    diesel::insert_into(pi::price_items)
        .values(&row)
        .execute(conn)?;
    row.into_domain()
}

pub fn update_item(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
    code: &str,
    names: &Names,
    item: &PriceListItem,
) -> Result<PriceItem, Error> {
    let existing = item_row(conn, org, fee_year, code)?;
    let mut row = PriceItemRow::new(org, fee_year, names, item, now());
    row.id = existing.id.clone();
    row.created_at = existing.created_at;
    diesel::update(pi::price_items.filter(pi::id.eq(&existing.id)))
        .set(&row)
        .execute(conn)?;
    row.into_domain()
}

pub fn get_item(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
    code: &str,
) -> Result<PriceItem, Error> {
    item_row(conn, org, fee_year, code)?.into_domain()
}

pub fn delete_item(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
    code: &str,
) -> Result<(), Error> {
    let existing = item_row(conn, org, fee_year, code)?;
    diesel::delete(pi::price_items.filter(pi::id.eq(existing.id))).execute(conn)?;
    Ok(())
}

/// Copies a year's price list into another year with every price uplifted by `factor` and
/// rounded by `rounding`. The target year must be empty, so a copy never overwrites prices
/// someone has already set.
pub fn copy_price_list(
    conn: &mut DbConnection,
    org: &str,
    from_year: i32,
    to_year: i32,
    factor: Decimal,
    rounding: Rounding,
) -> Result<Vec<PriceItem>, Error> {
    if !price_list(conn, org, to_year)?.is_empty() {
        return Err(Error::Conflict {
            field: Some("fee_year".to_owned()),
        });
    }
    let source = price_list(conn, org, from_year)?;
    if source.is_empty() {
        return Err(Error::NotFound("price list"));
    }
    let now = now();
    let mut rows = Vec::with_capacity(source.len());
    for p in &source {
        let uplifted = rounding.apply(p.item.unit_price.amount() * factor);
        // Two decimals at most are stored: a finer rounding rule still ends at öre.
        let amount = Rounding::ORE.apply(uplifted);
        let price = Money::new(amount, p.item.unit_price.currency())
            .map_err(|e| Error::Internal(anyhow::anyhow!("uplifted price: {e}")))?;
        let item = PriceListItem {
            unit_price: price,
            ..p.item.clone()
        };
        rows.push(PriceItemRow::new(org, to_year, &p.names, &item, now));
    }
    on_backend!(conn, |c| diesel::insert_into(pi::price_items)
        .values(&rows)
        .execute(c))?;
    price_list(conn, org, to_year)
}

/// An index series as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSeriesRecord {
    pub id: String,
    pub name: String,
    pub series: IndexSeries,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type SeriesTuple = (String, String, String, NaiveDateTime, NaiveDateTime);

fn points_json(series: &IndexSeries) -> Result<String, Error> {
    let map: BTreeMap<String, String> = series
        .points
        .iter()
        .map(|(y, p)| (y.to_string(), p.to_string()))
        .collect();
    serde_json::to_string(&map).map_err(|e| Error::Internal(e.into()))
}

fn series_from(
    (id, name, points, created_at, updated_at): SeriesTuple,
) -> Result<IndexSeriesRecord, Error> {
    let map: BTreeMap<i32, String> =
        serde_json::from_str(&points).map_err(|e| Error::Internal(e.into()))?;
    let mut out = BTreeMap::new();
    for (year, pct) in map {
        let pct: Decimal = pct
            .parse()
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored index point {year}: {e}")))?;
        out.insert(year, pct);
    }
    Ok(IndexSeriesRecord {
        id,
        name,
        series: IndexSeries { points: out },
        created_at,
        updated_at,
    })
}

const SERIES_COLUMNS: (ix::id, ix::name, ix::points, ix::created_at, ix::updated_at) =
    (ix::id, ix::name, ix::points, ix::created_at, ix::updated_at);

pub fn index_series(conn: &mut DbConnection, org: &str) -> Result<Vec<IndexSeriesRecord>, Error> {
    let rows: Vec<SeriesTuple> = ix::index_series
        .filter(ix::organisation_id.eq(org))
        .order(ix::name.asc())
        .select(SERIES_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(series_from).collect()
}

pub fn get_index_series(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<IndexSeriesRecord, Error> {
    let row: Option<SeriesTuple> = ix::index_series
        .filter(ix::organisation_id.eq(org))
        .filter(ix::id.eq(id))
        .select(SERIES_COLUMNS)
        .load(conn)?
        .pop();
    series_from(row.ok_or(Error::NotFound("index series"))?)
}

pub fn insert_index_series(
    conn: &mut DbConnection,
    org: &str,
    name: &str,
    series: &IndexSeries,
) -> Result<IndexSeriesRecord, Error> {
    let id = new_id();
    let now = now();
    diesel::insert_into(ix::index_series)
        .values((
            ix::id.eq(&id),
            ix::organisation_id.eq(org),
            ix::name.eq(name),
            ix::points.eq(points_json(series)?),
            ix::created_at.eq(now),
            ix::updated_at.eq(now),
        ))
        .execute(conn)?;
    get_index_series(conn, org, &id)
}

pub fn update_index_series(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    name: &str,
    series: &IndexSeries,
) -> Result<IndexSeriesRecord, Error> {
    get_index_series(conn, org, id)?;
    diesel::update(ix::index_series.filter(ix::id.eq(id)))
        .set((
            ix::name.eq(name),
            ix::points.eq(points_json(series)?),
            ix::updated_at.eq(now()),
        ))
        .execute(conn)?;
    get_index_series(conn, org, id)
}

pub fn delete_index_series(conn: &mut DbConnection, org: &str, id: &str) -> Result<(), Error> {
    get_index_series(conn, org, id)?;
    diesel::delete(ix::index_series.filter(ix::id.eq(id))).execute(conn)?;
    Ok(())
}

/// A fee model as stored: its specification is the API's JSON, parsed by the service layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeModelRecord {
    pub id: String,
    pub fee_year: i32,
    pub name: String,
    pub spec: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type ModelTuple = (String, i32, String, String, NaiveDateTime, NaiveDateTime);

const MODEL_COLUMNS: (
    fm::id,
    fm::fee_year,
    fm::name,
    fm::spec,
    fm::created_at,
    fm::updated_at,
) = (
    fm::id,
    fm::fee_year,
    fm::name,
    fm::spec,
    fm::created_at,
    fm::updated_at,
);

fn model_from((id, fee_year, name, spec, created_at, updated_at): ModelTuple) -> FeeModelRecord {
    FeeModelRecord {
        id,
        fee_year,
        name,
        spec,
        created_at,
        updated_at,
    }
}

pub fn fee_models(
    conn: &mut DbConnection,
    org: &str,
    fee_year: Option<i32>,
) -> Result<Vec<FeeModelRecord>, Error> {
    let mut q = fm::fee_models
        .filter(fm::organisation_id.eq(org.to_owned()))
        .select(MODEL_COLUMNS)
        .order((fm::fee_year.desc(), fm::name.asc()))
        .into_boxed();
    if let Some(year) = fee_year {
        q = q.filter(fm::fee_year.eq(year));
    }
    Ok(q.load::<ModelTuple>(conn)?
        .into_iter()
        .map(model_from)
        .collect())
}

pub fn get_fee_model(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<FeeModelRecord, Error> {
    let row: Option<ModelTuple> = fm::fee_models
        .filter(fm::organisation_id.eq(org))
        .filter(fm::id.eq(id))
        .select(MODEL_COLUMNS)
        .load(conn)?
        .pop();
    row.map(model_from).ok_or(Error::NotFound("fee model"))
}

pub fn insert_fee_model(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
    name: &str,
    spec: &str,
) -> Result<FeeModelRecord, Error> {
    let id = new_id();
    let now = now();
    diesel::insert_into(fm::fee_models)
        .values((
            fm::id.eq(&id),
            fm::organisation_id.eq(org),
            fm::fee_year.eq(fee_year),
            fm::name.eq(name),
            fm::spec.eq(spec),
            fm::created_at.eq(now),
            fm::updated_at.eq(now),
        ))
        .execute(conn)?;
    get_fee_model(conn, org, &id)
}

pub fn update_fee_model(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    fee_year: i32,
    name: &str,
    spec: &str,
) -> Result<FeeModelRecord, Error> {
    get_fee_model(conn, org, id)?;
    diesel::update(fm::fee_models.filter(fm::id.eq(id)))
        .set((
            fm::fee_year.eq(fee_year),
            fm::name.eq(name),
            fm::spec.eq(spec),
            fm::updated_at.eq(now()),
        ))
        .execute(conn)?;
    get_fee_model(conn, org, id)
}

pub fn delete_fee_model(conn: &mut DbConnection, org: &str, id: &str) -> Result<(), Error> {
    get_fee_model(conn, org, id)?;
    diesel::delete(fm::fee_models.filter(fm::id.eq(id))).execute(conn)?;
    Ok(())
}
