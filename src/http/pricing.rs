//! Price lists (the variable-part menu per fee year), index series and fee models.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::contribution::{PriceListItem, Unit, VatTreatment};
use crate::domain::money::{Rounding, parse_amount, parse_decimal};
use crate::domain::{Currency, Errors, Invalid, NAME_MAX, text};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller, from_value};
use crate::http::openapi::names;
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::problem::Problem;
use crate::http::{merge_patch, to_value};
use crate::services::audit::{self, Change, Entity};
use crate::services::fee_models::{
    FeeModelSpec, IndexationSpec, ModelSpec, RoundingSpec, parse_index_points,
};
use crate::storage::pricing::{self as store, FeeModelRecord, IndexSeriesRecord, Names, PriceItem};

fn fee_year(raw: i64, field: &str) -> Result<i32, Error> {
    match raw {
        2000..=2100 => Ok(raw as i32),
        _ => Err(Error::field(
            field,
            Invalid::OutOfRange {
                min: 2000,
                max: 2100,
            },
        )),
    }
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
    fn parse(self) -> Result<(Names, PriceListItem), Error> {
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

    fn from_domain(p: &PriceItem) -> Self {
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
pub struct PriceList {
    pub fee_year: i32,
    pub items: Vec<PriceItemView>,
}

fn price_list_view(fee_year: i32, items: Vec<PriceItem>) -> web::Json<PriceList> {
    web::Json(PriceList {
        fee_year,
        items: items.into_iter().map(Into::into).collect(),
    })
}

/// The price list of a fee year.
#[utoipa::path(tag = "price lists", params(("org" = String, Path), ("year" = i64, Path, minimum = 2000, maximum = 2100)), responses((status = 200, body = PriceList), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/price-lists/{year}")]
pub async fn price_list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PriceList>, Error> {
    let (org, year) = path.into_inner();
    caller.read_members(&org)?;
    let year = fee_year(year, "year")?;
    let items = db
        .run(move |conn| store::price_list(conn, &org, year))
        .await?;
    Ok(price_list_view(year, items))
}

#[utoipa::path(tag = "price lists", params(("org" = String, Path), ("year" = i64, Path, minimum = 2000, maximum = 2100)), request_body = PriceItemBody, responses((status = 201, body = PriceItemView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/price-lists/{year}/items")]
pub async fn create_item(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, i64)>,
    Body(body): Body<PriceItemBody>,
) -> Result<HttpResponse, Error> {
    let (org, year) = path.into_inner();
    caller.write_members(&org)?;
    let year = fee_year(year, "year")?;
    let last = match body.through_year {
        None => year,
        Some(through) if (i64::from(year)..=i64::from(year) + 10).contains(&through) => {
            fee_year(through, "through_year")?
        }
        Some(_) => {
            return Err(Error::field(
                "through_year",
                Invalid::OutOfRange {
                    min: i64::from(year),
                    max: i64::from(year) + 10,
                },
            ));
        }
    };
    let (names, item) = body.parse()?;
    let actor = caller.0.name.clone();
    let created = db
        .write(move |conn| {
            let mut first = None;
            for year in year..=last {
                let created = store::insert_item(conn, &org, year, &names, &item)?;
                let id = item_id(year, &created.item.code);
                audit::created(
                    conn,
                    &Change::new(&org, Entity::PriceItem, &id, "create", &actor),
                    &PriceItemView::from(created.clone()),
                )?;
                first.get_or_insert(created);
            }
            first.ok_or_else(|| Error::Internal(anyhow::anyhow!("no year to create")))
        })
        .await?;
    let mut view = PriceItemView::from(created);
    view.body.through_year = (last > year).then_some(i64::from(last));
    Ok(HttpResponse::Created().json(view))
}

/// A price-list item's id in the audit trail: its fee year and code.
fn item_id(year: i32, code: &str) -> String {
    format!("{year}/{code}")
}

/// Changes a price-list item with a JSON merge patch (RFC 7396).
#[utoipa::path(tag = "price lists", params(("org" = String, Path), ("year" = i64, Path, minimum = 2000, maximum = 2100), ("code" = String, Path, pattern = r"^[A-Za-z0-9_-]{1,30}$")), request_body(content = PriceItemBody, content_type = "application/merge-patch+json"), responses((status = 200, body = PriceItemView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/organisations/{org}/price-lists/{year}/items/{code}")]
pub async fn update_item(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, i64, String)>,
    Body(patch): Body<serde_json::Value>,
) -> Result<web::Json<PriceItemView>, Error> {
    let (org, year, code) = path.into_inner();
    caller.write_members(&org)?;
    let year = fee_year(year, "year")?;
    let actor = caller.0.name.clone();
    let updated = db
        .write(move |conn| {
            let current = store::get_item(conn, &org, year, &code)?;
            let mut doc = to_value(&PriceItemBody::from_domain(&current))?;
            merge_patch(&mut doc, &patch);
            let body = from_value::<PriceItemBody>(doc)?;
            // An item changes year by year; several years are created together only.
            if body.through_year.is_some() {
                return Err(Error::field(
                    "through_year",
                    Invalid::Mismatch { other: "year" },
                ));
            }
            let (names, item) = body.parse()?;
            let updated = store::update_item(conn, &org, year, &code, &names, &item)?;
            audit::changed(
                conn,
                &Change::new(
                    &org,
                    Entity::PriceItem,
                    &item_id(year, &code),
                    "update",
                    &actor,
                ),
                &PriceItemView::from(current),
                &PriceItemView::from(updated.clone()),
            )?;
            Ok(updated)
        })
        .await?;
    Ok(web::Json(updated.into()))
}

#[utoipa::path(tag = "price lists", params(("org" = String, Path), ("year" = i64, Path, minimum = 2000, maximum = 2100), ("code" = String, Path, pattern = r"^[A-Za-z0-9_-]{1,30}$")), responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/price-lists/{year}/items/{code}")]
pub async fn delete_item(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, i64, String)>,
) -> Result<HttpResponse, Error> {
    let (org, year, code) = path.into_inner();
    caller.write_members(&org)?;
    let year = fee_year(year, "year")?;
    let actor = caller.0.name.clone();
    db.write(move |conn| {
        let current = store::get_item(conn, &org, year, &code)?;
        store::delete_item(conn, &org, year, &code)?;
        audit::removed(
            conn,
            &Change::new(
                &org,
                Entity::PriceItem,
                &item_id(year, &code),
                "delete",
                &actor,
            ),
            &PriceItemView::from(current),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Copy a year's prices into this year with an index applied.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyBody {
    #[schema(example = 2026, minimum = 2000, maximum = 2100)]
    pub from_year: i64,
    /// The uplift in percent, e.g. "3.2"; "0" copies the prices unchanged. More than -100.
    #[schema(value_type = names::SignedDecimal, example = "3.2")]
    pub index_percent: String,
    /// How the uplifted price is rounded (default: to öre, half up).
    pub rounding: Option<RoundingSpec>,
}

#[utoipa::path(tag = "price lists", params(("org" = String, Path), ("year" = i64, Path, minimum = 2000, maximum = 2100)), request_body = CopyBody, responses((status = 201, body = PriceList), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/price-lists/{year}/copy")]
pub async fn copy_price_list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, i64)>,
    Body(body): Body<CopyBody>,
) -> Result<HttpResponse, Error> {
    let (org, year) = path.into_inner();
    caller.write_members(&org)?;
    let year = fee_year(year, "year")?;
    let from = fee_year(body.from_year, "from_year")?;
    let mut e = Errors::new();
    let pct = e.check(
        "index_percent",
        parse_decimal(&body.index_percent).and_then(|p| {
            if p > rust_decimal::Decimal::NEGATIVE_ONE * rust_decimal::Decimal::ONE_HUNDRED {
                Ok(p)
            } else {
                Err(Invalid::OutOfRange {
                    min: -100,
                    max: 1000,
                })
            }
        }),
    );
    let rounding = match &body.rounding {
        None => Some(Rounding::ORE),
        Some(r) => r.parse("rounding", &mut e),
    };
    let (pct, rounding) = e
        .finish(|| Some((pct?, rounding?)))
        .map_err(Error::Validation)?;
    let factor = rust_decimal::Decimal::ONE + pct / rust_decimal::Decimal::ONE_HUNDRED;
    let actor = caller.0.name.clone();
    let items = db
        .write(move |conn| {
            let items = store::copy_price_list(conn, &org, from, year, factor, rounding)?;
            for item in &items {
                audit::created(
                    conn,
                    &Change::new(
                        &org,
                        Entity::PriceItem,
                        &item_id(year, &item.item.code),
                        "copy",
                        &actor,
                    ),
                    &PriceItemView::from(item.clone()),
                )?;
            }
            Ok(items)
        })
        .await?;
    Ok(HttpResponse::Created().json(price_list_view(year, items).into_inner()))
}

/// An index series: percent per year, e.g. SKR's PKV.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexSeriesBody {
    #[schema(example = "PKV")]
    pub name: String,
    /// Year → percent, as decimal strings: {"2026": "3.0", "2027": "2.5"}.
    #[schema(value_type = BTreeMap<String, names::SignedDecimal>)]
    pub points: BTreeMap<String, String>,
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

fn parse_series(
    body: &IndexSeriesBody,
) -> Result<(String, crate::domain::contribution::IndexSeries), Error> {
    let mut e = Errors::new();
    let name = e.check("name", text(&body.name, NAME_MAX));
    let series = match parse_index_points(&body.points) {
        Ok(s) => Some(s),
        Err(fields) => {
            for f in fields {
                e.add(f.field, f.invalid);
            }
            None
        }
    };
    e.finish(|| Some((name?, series?)))
        .map_err(Error::Validation)
}

#[utoipa::path(tag = "index series", params(("org" = String, Path)), responses((status = 200, body = Items<IndexSeriesView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/index-series")]
pub async fn list_series(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<Items<IndexSeriesView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let items = db.run(move |conn| store::index_series(conn, &org)).await?;
    Ok(web::Json(Items::of(items)))
}

#[utoipa::path(tag = "index series", params(("org" = String, Path)), request_body = IndexSeriesBody, responses((status = 201, body = IndexSeriesView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/index-series")]
pub async fn create_series(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<IndexSeriesBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let (name, series) = parse_series(&body)?;
    let actor = caller.0.name.clone();
    let created = db
        .write(move |conn| {
            let created = store::insert_index_series(conn, &org, &name, &series)?;
            audit::created(
                conn,
                &Change::new(&org, Entity::IndexSeries, &created.id, "create", &actor),
                &IndexSeriesView::from(created.clone()),
            )?;
            Ok(created)
        })
        .await?;
    Ok(HttpResponse::Created().json(IndexSeriesView::from(created)))
}

#[utoipa::path(tag = "index series", params(("org" = String, Path), ("series" = String, Path)), responses((status = 200, body = IndexSeriesView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/index-series/{series}")]
pub async fn read_series(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<IndexSeriesView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let found = db
        .run(move |conn| store::get_index_series(conn, &org, &id))
        .await?;
    Ok(web::Json(found.into()))
}

/// Replaces an index series' name and points.
#[utoipa::path(tag = "index series", params(("org" = String, Path), ("series" = String, Path)), request_body = IndexSeriesBody, responses((status = 200, body = IndexSeriesView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/index-series/{series}")]
pub async fn replace_series(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<IndexSeriesBody>,
) -> Result<web::Json<IndexSeriesView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let (name, series) = parse_series(&body)?;
    let actor = caller.0.name.clone();
    let updated = db
        .write(move |conn| {
            let current = store::get_index_series(conn, &org, &id)?;
            let updated = store::update_index_series(conn, &org, &id, &name, &series)?;
            audit::changed(
                conn,
                &Change::new(&org, Entity::IndexSeries, &id, "replace", &actor),
                &IndexSeriesView::from(current),
                &IndexSeriesView::from(updated.clone()),
            )?;
            Ok(updated)
        })
        .await?;
    Ok(web::Json(updated.into()))
}

#[utoipa::path(tag = "index series", params(("org" = String, Path), ("series" = String, Path)), responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/index-series/{series}")]
pub async fn delete_series(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| {
        let current = store::get_index_series(conn, &org, &id)?;
        store::delete_index_series(conn, &org, &id)?;
        audit::removed(
            conn,
            &Change::new(&org, Entity::IndexSeries, &id, "delete", &actor),
            &IndexSeriesView::from(current),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
    fn spec(&self) -> FeeModelSpec {
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
    conn: &mut crate::storage::DbConnection,
    org: &str,
    body: &FeeModelBody,
) -> Result<(i32, String, String), Error> {
    let year = fee_year(body.fee_year, "fee_year")?;
    let name = text(&body.name, NAME_MAX).map_err(|e| Error::field("name", e))?;
    let spec = body.spec();
    crate::services::fee_models::resolve(conn, org, &spec, "")?;
    let spec = serde_json::to_string(&spec).map_err(|e| Error::Internal(e.into()))?;
    Ok((year, name, spec))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeeModelQuery {
    /// Only the models of this fee year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
}

#[utoipa::path(tag = "fee models", params(("org" = String, Path), FeeModelQuery, PagingParams), responses((status = 200, body = Items<FeeModelView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/fee-models")]
pub async fn list_models(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<FeeModelQuery>,
) -> Result<web::Json<Items<FeeModelView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let year = query.year.map(|y| fee_year(y, "year")).transpose()?;
    let items = db
        .run(move |conn| store::fee_models(conn, &org, year))
        .await?;
    Ok(web::Json(
        paging.page(
            items
                .into_iter()
                .map(FeeModelView::try_from)
                .collect::<Result<Vec<_>, _>>()?,
        ),
    ))
}

#[utoipa::path(tag = "fee models", params(("org" = String, Path)), request_body = FeeModelBody, responses((status = 201, body = FeeModelView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/fee-models")]
pub async fn create_model(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<FeeModelBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let created = db
        .write(move |conn| {
            let (year, name, spec) = validate_fee_model(conn, &org, &body)?;
            let created = store::insert_fee_model(conn, &org, year, &name, &spec)?;
            audit::created(
                conn,
                &Change::new(&org, Entity::FeeModel, &created.id, "create", &actor),
                &FeeModelView::try_from(created.clone())?,
            )?;
            Ok(created)
        })
        .await?;
    Ok(HttpResponse::Created().json(FeeModelView::try_from(created)?))
}

#[utoipa::path(tag = "fee models", params(("org" = String, Path), ("model" = String, Path)), responses((status = 200, body = FeeModelView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/fee-models/{model}")]
pub async fn read_model(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<FeeModelView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let found = db
        .run(move |conn| store::get_fee_model(conn, &org, &id))
        .await?;
    Ok(web::Json(found.try_into()?))
}

/// Replaces a fee model's year, name and parameters.
#[utoipa::path(tag = "fee models", params(("org" = String, Path), ("model" = String, Path)), request_body = FeeModelBody, responses((status = 200, body = FeeModelView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/fee-models/{model}")]
pub async fn replace_model(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<FeeModelBody>,
) -> Result<web::Json<FeeModelView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let updated = db
        .write(move |conn| {
            let (year, name, spec) = validate_fee_model(conn, &org, &body)?;
            let current = store::get_fee_model(conn, &org, &id)?;
            let updated = store::update_fee_model(conn, &org, &id, year, &name, &spec)?;
            audit::changed(
                conn,
                &Change::new(&org, Entity::FeeModel, &id, "replace", &actor),
                &FeeModelView::try_from(current)?,
                &FeeModelView::try_from(updated.clone())?,
            )?;
            Ok(updated)
        })
        .await?;
    Ok(web::Json(updated.try_into()?))
}

#[utoipa::path(tag = "fee models", params(("org" = String, Path), ("model" = String, Path)), responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/fee-models/{model}")]
pub async fn delete_model(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| {
        let current = store::get_fee_model(conn, &org, &id)?;
        store::delete_fee_model(conn, &org, &id)?;
        audit::removed(
            conn,
            &Change::new(&org, Entity::FeeModel, &id, "delete", &actor),
            &FeeModelView::try_from(current)?,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
