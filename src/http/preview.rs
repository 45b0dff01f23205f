//! The fee table for the board: `POST …/contributions/preview` as JSON, CSV or XLSX.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::contribution::Preview;
use crate::domain::{Errors, Invalid, MemberStatus};
use crate::error::Error;
use crate::export::{FeeTable, FeeTableRow, shares, to_csv, to_xlsx, totals};
use crate::http::extract::{Body, Caller};
use crate::http::names;
use crate::http::problem::{Problem, request_language};
use crate::services::fee_models::FeeModelSpec;
use crate::services::ledger::Format;
use crate::services::preview::{ModelChoice, PreviewRequest, run};

/// What to preview: a saved fee model or proposed parameters, for a fee year.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    #[schema(example = 2027, minimum = 2000, maximum = 2100)]
    pub fee_year: i64,
    /// A saved fee model …
    pub fee_model_id: Option<String>,
    /// … or parameters proposed but not saved …
    pub fee_model: Option<FeeModelSpec>,
    /// … or several of either, whose fixed parts add up (e.g. a share of a pool plus a fee
    /// per inhabitant).
    pub models: Option<Vec<ModelRef>>,
    /// The members to include; by default every non-archived member with one of `statuses`.
    pub member_ids: Option<Vec<String>>,
    /// Default `["member"]`.
    #[schema(value_type = Option<Vec<names::MemberStatus>>)]
    pub statuses: Option<Vec<String>>,
}

/// One fixed component of a preview: a saved fee model or proposed parameters.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelRef {
    pub fee_model_id: Option<String>,
    pub fee_model: Option<FeeModelSpec>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// `json` when not given. Exports use the `Accept-Language` language.
    #[param(value_type = Option<names::ReportFormat>, inline)]
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewPopulation {
    pub count: i64,
    #[schema(value_type = String, format = Date)]
    pub reference_date: chrono::NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewRowView {
    pub member_id: String,
    pub member: String,
    pub municipality_code: Option<String>,
    pub population: Option<PreviewPopulation>,
    #[schema(example = "278844.00")]
    pub fixed: String,
    pub variable: String,
    pub total: String,
    /// Share of the grand total in percent; the shares add up to exactly 100.00.
    #[schema(example = "4.21")]
    pub share_percent: String,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewTotals {
    pub fixed: String,
    pub variable: String,
    pub total: String,
}

/// A member whose fee could not be computed, and why.
#[derive(Serialize, ToSchema)]
pub struct PreviewFailureView {
    pub member_id: String,
    pub member: String,
    #[schema(example = "missing_population")]
    pub code: String,
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewView {
    pub fee_year: i32,
    pub currency: String,
    pub rows: Vec<PreviewRowView>,
    pub totals: PreviewTotals,
    pub failures: Vec<PreviewFailureView>,
}

fn parse(body: PreviewBody) -> Result<PreviewRequest, Error> {
    let mut e = Errors::new();
    let fee_year = e.check(
        "fee_year",
        match body.fee_year {
            y @ 2000..=2100 => Ok(y as i32),
            _ => Err(Invalid::OutOfRange {
                min: 2000,
                max: 2100,
            }),
        },
    );
    let choose = |id: Option<String>, spec: Option<FeeModelSpec>| match (id, spec) {
        (Some(id), None) => Some(ModelChoice::Saved(id)),
        (None, Some(spec)) => Some(ModelChoice::Proposed(Box::new(spec))),
        _ => None,
    };
    let mut models = Vec::new();
    let given = body.fee_model_id.is_some()
        || body.fee_model.is_some()
        || body.models.as_ref().is_some_and(|m| !m.is_empty());
    if body.fee_model_id.is_some() || body.fee_model.is_some() {
        match choose(body.fee_model_id, body.fee_model) {
            Some(m) => models.push(m),
            None => e.add(
                "fee_model",
                Invalid::Format {
                    expected: "antingen fee_model_id eller fee_model",
                },
            ),
        }
    }
    for (i, m) in body.models.unwrap_or_default().into_iter().enumerate() {
        match choose(m.fee_model_id, m.fee_model) {
            Some(m) => models.push(m),
            None => e.add(
                format!("models[{i}]"),
                Invalid::Format {
                    expected: "antingen fee_model_id eller fee_model",
                },
            ),
        }
    }
    if !given {
        e.add("fee_model_id", Invalid::Required);
    }
    let statuses: Vec<MemberStatus> = body
        .statuses
        .unwrap_or_else(|| vec!["member".to_owned()])
        .iter()
        .enumerate()
        .filter_map(|(i, s)| e.check(&format!("statuses[{i}]"), MemberStatus::parse(s)))
        .collect();
    e.finish(|| {
        Some(PreviewRequest {
            fee_year: fee_year?,
            models,
            member_ids: body.member_ids,
            statuses,
        })
    })
    .map_err(Error::Validation)
}

fn fee_table(organisation: String, p: &Preview) -> FeeTable {
    FeeTable {
        organisation,
        fee_year: p.fee_year,
        currency: p.currency,
        rows: p
            .rows
            .iter()
            .map(|r| FeeTableRow {
                member: r.name.clone(),
                municipality_code: r.municipality_code.clone(),
                population: r.population.as_ref().map(|p| p.count),
                population_date: r.population.as_ref().map(|p| p.reference_date),
                fixed: r.fixed,
                variable: r.variable,
                total: r.total,
            })
            .collect(),
    }
}

fn export_error(e: crate::export::ExportError) -> Error {
    Error::Internal(anyhow::anyhow!("fee table export: {e}"))
}

/// Computes every member's fixed part, variable part, total and share for a fee year from a
/// saved fee model or proposed parameters, without saving anything: the table a board
/// decides on. `?format=csv` or `?format=xlsx` downloads it with Swedish (or nb/en) headings.
#[utoipa::path(
    tag = "contributions",
    params(("org" = String, Path), PreviewQuery),
    request_body = PreviewBody,
    responses(
        (status = 200, description = "The fee table: JSON, or with `format` a CSV or XLSX file", content(
            (PreviewView = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/contributions/preview")]
pub async fn preview(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<PreviewQuery>,
    Body(body): Body<PreviewBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let format = Format::parse(query.into_inner().format.as_deref())
        .map_err(|i| Error::field("format", i))?;
    let request = parse(body)?;
    let (organisation, p) = db.run(move |conn| run(conn, &org, &request)).await?;
    let lang = request_language(&req);
    let table = fee_table(organisation, &p);
    let filename = format!("avgifter-{}", p.fee_year);
    match format {
        Format::Csv => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{filename}.csv\""),
            ))
            .body(to_csv(&table, lang).map_err(export_error)?)),
        Format::Xlsx => Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{filename}.xlsx\""),
            ))
            .body(to_xlsx(&table, lang).map_err(export_error)?)),
        Format::Json => {
            let (fixed, variable, total) =
                totals(&table.rows, table.currency).map_err(export_error)?;
            let share = shares(&table.rows);
            let rows = p
                .rows
                .iter()
                .zip(share)
                .map(|(r, s)| PreviewRowView {
                    member_id: r.member_id.clone(),
                    member: r.name.clone(),
                    municipality_code: r.municipality_code.clone(),
                    population: r.population.as_ref().map(|p| PreviewPopulation {
                        count: p.count,
                        reference_date: p.reference_date,
                    }),
                    fixed: r.fixed.amount().to_string(),
                    variable: r.variable.amount().to_string(),
                    total: r.total.amount().to_string(),
                    share_percent: s.to_string(),
                })
                .collect();
            let failures = p
                .failures
                .iter()
                .map(|f| PreviewFailureView {
                    member_id: f.member_id.clone(),
                    member: f.name.clone(),
                    code: f.error.code().to_owned(),
                    detail: f.error.to_string(),
                })
                .collect();
            Ok(HttpResponse::Ok().json(PreviewView {
                fee_year: p.fee_year,
                currency: p.currency.as_str().to_owned(),
                rows,
                totals: PreviewTotals {
                    fixed: fixed.amount().to_string(),
                    variable: variable.amount().to_string(),
                    total: total.amount().to_string(),
                },
                failures,
            }))
        }
    }
}
