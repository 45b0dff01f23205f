//! Import of municipalities over the API: from the shipped public data, or a CSV body.

use actix_web::{HttpRequest, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::{Country, Errors, Invalid, MemberStatus, MunicipalityCode};
use crate::error::Error;
use crate::http::extract::{CSV_LIMIT, Caller, parse_json, read_body};
use crate::http::names;
use crate::http::problem::Problem;
use crate::services::import::ImportReport;
use crate::services::import::{ImportRequest, Selection, import};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityImportBody {
    /// `SE` when not given.
    #[schema(value_type = Option<names::Country>)]
    pub country: Option<String>,
    /// Municipality codes to import, e.g. `["1443", "1490"]`.
    pub codes: Option<Vec<String>>,
    /// Import every municipality of the country.
    pub all: Option<bool>,
    /// The status new members get (default `member`).
    #[schema(value_type = Option<names::MemberStatus>)]
    pub status: Option<String>,
}

/// Query parameters when the body is CSV (`text/csv`).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CsvImportQuery {
    #[param(value_type = Option<names::Country>, inline)]
    pub country: Option<String>,
    /// Comma-separated codes; all rows of the CSV when left out.
    pub codes: Option<String>,
    /// When the population was counted. Required with CSV.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub reference_date: Option<String>,
    #[param(value_type = Option<names::MemberStatus>, inline)]
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Ids of the members created or updated.
    pub changed_ids: Vec<String>,
}

impl From<ImportReport> for ImportResult {
    fn from(r: ImportReport) -> Self {
        Self {
            created: r.created.len(),
            updated: r.updated.len(),
            unchanged: r.unchanged.len(),
            changed_ids: r.created.into_iter().chain(r.updated).collect(),
        }
    }
}

fn parse_codes<'a>(codes: impl Iterator<Item = &'a str>, e: &mut Errors) -> Vec<MunicipalityCode> {
    codes
        .enumerate()
        .filter_map(|(i, c)| e.check(&format!("codes[{i}]"), MunicipalityCode::parse(c)))
        .collect()
}

fn from_json(body: MunicipalityImportBody) -> Result<ImportRequest, Error> {
    let mut e = Errors::new();
    let country = e
        .check_opt("country", body.country.as_deref(), Country::parse)
        .map(|c| c.unwrap_or(Country::Se));
    let status = e
        .check_opt("status", body.status.as_deref(), MemberStatus::parse)
        .map(|s| s.unwrap_or(MemberStatus::Member));
    let selection = match (body.all.unwrap_or(false), body.codes) {
        (true, None) => Some(Selection::All),
        (false, Some(codes)) if !codes.is_empty() => Some(Selection::Codes(parse_codes(
            codes.iter().map(String::as_str),
            &mut e,
        ))),
        _ => {
            e.add(
                "codes",
                Invalid::Format {
                    expected: "antingen codes eller all: true",
                },
            );
            None
        }
    };
    e.finish(|| {
        Some(ImportRequest {
            country: country?,
            selection: selection?,
            csv: None,
            reference_date: None,
            status: status?,
        })
    })
    .map_err(Error::Validation)
}

fn from_csv(query: CsvImportQuery, csv: Vec<u8>) -> Result<ImportRequest, Error> {
    let mut e = Errors::new();
    let country = e
        .check_opt("country", query.country.as_deref(), Country::parse)
        .map(|c| c.unwrap_or(Country::Se));
    let status = e
        .check_opt("status", query.status.as_deref(), MemberStatus::parse)
        .map(|s| s.unwrap_or(MemberStatus::Member));
    let reference_date = e.require(
        "reference_date",
        query.reference_date.as_deref(),
        crate::domain::iso_date,
    );
    let selection = match query.codes {
        None => Selection::All,
        Some(codes) => Selection::Codes(parse_codes(codes.split(',').map(str::trim), &mut e)),
    };
    e.finish(|| {
        Some(ImportRequest {
            country: country?,
            selection,
            csv: Some(csv),
            reference_date: Some(reference_date?),
            status: status?,
        })
    })
    .map_err(Error::Validation)
}

/// Creates or updates municipalities as members, with their population. JSON selects from
/// the public data avtal ships (SCB 2025-12-31, SSB 2024-01-01); a `text/csv` body with the
/// columns `code,name,county_code,county_name,population,org_number` brings its own.
/// Running the same import again changes nothing.
#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), CsvImportQuery),
    request_body(content(
        (MunicipalityImportBody = "application/json"),
        (String = "text/csv"),
    )),
    responses((status = 200, body = ImportResult), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/imports/municipalities")]
pub async fn municipalities(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<CsvImportQuery>,
    payload: web::Payload,
) -> Result<web::Json<ImportResult>, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let request = match content_type.as_str() {
        "text/csv" => {
            let body = read_body(&mut payload.into_inner(), CSV_LIMIT).await?;
            from_csv(query.into_inner(), body.to_vec())?
        }
        "application/json" => {
            let body =
                read_body(&mut payload.into_inner(), crate::http::extract::BODY_LIMIT).await?;
            from_json(parse_json(&body)?)?
        }
        _ => return Err(Error::UnsupportedMediaType),
    };
    let report = db.run(move |conn| import(conn, &org, &request)).await?;
    Ok(web::Json(report.into()))
}
