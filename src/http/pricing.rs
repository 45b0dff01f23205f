//! Price lists (the variable-part menu per fee year), index series and fee models.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::contribution::{IndexSeries, PriceListItem};
use crate::domain::money::{Rounding, parse_decimal};
use crate::domain::{Errors, Invalid, NAME_MAX, text};
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::names;
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::patch::{self, Patchable};
use crate::http::problem::Problem;
use crate::services::fee_models::{RoundingSpec, parse_index_points};
use crate::services::pricing::{self as service, Names, PriceItem, fee_year_at as fee_year};

pub use crate::services::pricing::{
    FeeModelBody, FeeModelView, IndexSeriesView, PriceItemBody, PriceItemView, validate_fee_model,
};

impl Patchable for PriceItemBody {
    type Record = PriceItem;
    type Input = (Names, PriceListItem);

    fn of(item: &PriceItem) -> Self {
        Self::from_domain(item)
    }

    fn parse(self) -> Result<(Names, PriceListItem), Error> {
        // An item changes year by year; several years are created together only.
        if self.through_year.is_some() {
            return Err(Error::field(
                "through_year",
                Invalid::Mismatch { other: "year" },
            ));
        }
        PriceItemBody::parse(self)
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
        .run(move |conn| service::price_list(conn, &org, year))
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
        .write(move |conn| service::add_item(conn, &org, year..=last, &names, &item, &actor))
        .await?;
    let mut view = PriceItemView::from(created);
    view.body.through_year = (last > year).then_some(i64::from(last));
    Ok(HttpResponse::Created().json(view))
}

/// Changes a price-list item with a JSON merge patch (RFC 7396).
#[utoipa::path(tag = "price lists", params(("org" = String, Path), ("year" = i64, Path, minimum = 2000, maximum = 2100), ("code" = String, Path, pattern = r"^[A-Za-z0-9_-]{1,30}$")), request_body(content = PriceItemBody, content_type = "application/merge-patch+json"), responses((status = 200, body = PriceItemView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/organisations/{org}/price-lists/{year}/items/{code}")]
pub async fn update_item(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, i64, String)>,
    Body(body): Body<serde_json::Value>,
) -> Result<web::Json<PriceItemView>, Error> {
    let (org, year, code) = path.into_inner();
    caller.write_members(&org)?;
    let year = fee_year(year, "year")?;
    let actor = caller.0.name.clone();
    let updated = db
        .write(move |conn| {
            let edit = patch::edit::<PriceItemBody>(body);
            service::patch_item(conn, &org, year, &code, edit, &actor)
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
    db.write(move |conn| service::delete_item(conn, &org, year, &code, &actor))
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
            service::copy_price_list(conn, &org, (from, year), factor, rounding, &actor)
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

fn parse_series(body: &IndexSeriesBody) -> Result<(String, IndexSeries), Error> {
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
    let items = db
        .run(move |conn| service::index_series(conn, &org))
        .await?;
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
        .write(move |conn| service::add_index_series(conn, &org, &name, &series, &actor))
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
        .run(move |conn| service::get_index_series(conn, &org, &id))
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
        .write(move |conn| service::replace_index_series(conn, &org, &id, &name, &series, &actor))
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
    db.write(move |conn| service::delete_index_series(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
        .run(move |conn| service::fee_models(conn, &org, year))
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
        .write(move |conn| service::add_fee_model(conn, &org, &body, &actor))
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
        .run(move |conn| service::get_fee_model(conn, &org, &id))
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
        .write(move |conn| service::replace_fee_model(conn, &org, &id, &body, &actor))
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
    db.write(move |conn| service::delete_fee_model(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
