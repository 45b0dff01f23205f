//! An organisation's invoicing settings, and the reference rates and inkassosats the
//! deployment's operator enters.

use actix_web::{get, put, web};
use rust_decimal::Decimal;

use super::bodies::{InkassosatsBody, ReferenceRateBody, SettingsBody};
use crate::domain::invoicing::{Inkassosats, REMINDER_MINIMUM_MINOR, ReferenceScheme};
use crate::domain::money::{parse_amount, parse_decimal};
use crate::domain::{Country, Currency, Errors, Invalid, LINE_MAX, iso_date, text};
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::services::invoicing::{self as service, Settings};

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), responses((status = 200, body = SettingsBody), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoicing-settings")]
pub async fn read_settings(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<SettingsBody>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let s = db.run(move |conn| service::settings_of(conn, &org)).await?;
    Ok(web::Json(s.into()))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = SettingsBody, responses((status = 200, body = SettingsBody), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/invoicing-settings")]
pub async fn put_settings(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<SettingsBody>,
) -> Result<web::Json<SettingsBody>, Error> {
    let org = path.into_inner();
    caller.configure(&org)?;
    let mut e = Errors::new();
    let prefix = e.check(
        "credit_note_prefix",
        crate::domain::organisation::invoice_prefix(&body.credit_note_prefix),
    );
    let scheme = e.check(
        "reference_scheme",
        ReferenceScheme::parse(&body.reference_scheme),
    );
    let days = |v: i64| {
        i32::try_from(v)
            .ok()
            .filter(|d| (0..=365).contains(d))
            .ok_or(Invalid::OutOfRange { min: 0, max: 365 })
    };
    let after = e.check("reminder_after_days", days(body.reminder_after_days));
    let pay = e.check("reminder_pay_days", days(body.reminder_pay_days));
    let minimum = match body.reminder_minimum.as_deref() {
        None => Some(REMINDER_MINIMUM_MINOR),
        Some(raw) => e.check(
            "reminder_minimum",
            parse_amount(raw, Currency::Sek).and_then(|m| {
                Some(m.to_minor())
                    .filter(|m| (0..=10_000_000).contains(m))
                    .ok_or(Invalid::OutOfRange {
                        min: 0,
                        max: 100_000,
                    })
            }),
        ),
    };
    let settings = e
        .finish(|| {
            Some(Settings {
                credit_note_prefix: prefix?,
                reference_scheme: scheme?,
                round_to_whole: body.round_to_whole,
                reminder_after_days: after?,
                reminder_pay_days: pay?,
                send_on_issue: body.send_on_issue,
                reminder_minimum: minimum?,
            })
        })
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let s = db
        .write(move |conn| service::put_settings(conn, &org, &settings, &actor))
        .await?;
    Ok(web::Json(s.into()))
}

fn parse_country(raw: &str) -> Result<Country, Error> {
    Country::parse(raw).map_err(|i| Error::field("country", i))
}

/// The reference rates dröjsmålsränta is computed from.
#[utoipa::path(tag = "invoicing", params(("country" = inline(names::Country), Path), PagingParams), responses((status = 200, body = Items<ReferenceRateBody>)), security(("bearer" = [])))]
#[get("/reference-rates/{country}")]
pub async fn reference_rates(
    db: web::Data<Db>,
    _caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<ReferenceRateBody>>, Error> {
    let country = parse_country(&path.into_inner())?;
    let rates = db
        .run(move |conn| service::reference_rates(conn, country))
        .await?;
    Ok(web::Json(
        paging.page(
            rates
                .into_iter()
                .map(|r| ReferenceRateBody {
                    valid_from: Some(r.from.to_string()),
                    percent: r.percent.normalize().to_string(),
                })
                .collect::<Vec<_>>(),
        ),
    ))
}

/// Sets a reference rate; the deployment's operator enters them for every organisation.
#[utoipa::path(tag = "invoicing", params(("country" = inline(names::Country), Path), ("from" = NaiveDate, Path)), request_body = ReferenceRateBody, responses((status = 200, body = ReferenceRateBody), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/reference-rates/{country}/{from}")]
pub async fn put_reference_rate(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<ReferenceRateBody>,
) -> Result<web::Json<ReferenceRateBody>, Error> {
    caller.operator()?;
    let (country, from) = path.into_inner();
    let mut e = Errors::new();
    let country = e.check("country", Country::parse(&country));
    let from = e.check("valid_from", iso_date(&from));
    let percent = e.check(
        "percent",
        parse_decimal(&body.percent).and_then(|p| {
            if p.abs() <= Decimal::from(50) {
                Ok(p)
            } else {
                Err(Invalid::OutOfRange { min: -50, max: 50 })
            }
        }),
    );
    let (country, from, percent) = e
        .finish(|| Some((country?, from?, percent?)))
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let text = percent.normalize().to_string();
    db.write(move |conn| service::put_reference_rate(conn, country, from, percent, &actor))
        .await?;
    Ok(web::Json(ReferenceRateBody {
        valid_from: Some(from.to_string()),
        percent: text,
    }))
}

/// Norway's inkassosats by year, oldest first.
#[utoipa::path(tag = "invoicing", params(PagingParams), responses((status = 200, body = Items<InkassosatsBody>)), security(("bearer" = [])))]
#[get("/inkassosats")]
pub async fn inkassosats(
    db: web::Data<Db>,
    _caller: Caller,
    paging: Paging,
) -> Result<web::Json<Items<InkassosatsBody>>, Error> {
    let table = db.run(service::inkassosats).await?;
    Ok(web::Json(
        paging.page(
            table
                .into_iter()
                .map(|s| InkassosatsBody {
                    year: Some(s.year),
                    amount: s.amount.amount().to_string(),
                    source: s.source,
                })
                .collect::<Vec<_>>(),
        ),
    ))
}

/// Sets a year's inkassosats; the deployment's operator enters it for every organisation.
#[utoipa::path(tag = "invoicing", params(("year" = i32, Path, minimum = 2000, maximum = 2100)), request_body = InkassosatsBody, responses((status = 200, body = InkassosatsBody), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/inkassosats/{year}")]
pub async fn put_inkassosats(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<InkassosatsBody>,
) -> Result<web::Json<InkassosatsBody>, Error> {
    caller.operator()?;
    let mut e = Errors::new();
    let year = e.check(
        "year",
        path.into_inner()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or(Invalid::OutOfRange {
                min: 2000,
                max: 2100,
            }),
    );
    let amount = e.check(
        "amount",
        parse_amount(&body.amount, Currency::Nok).and_then(|a| {
            Some(a)
                .filter(|a| (1..=1_000_000).contains(&a.to_minor()))
                .ok_or(Invalid::OutOfRange {
                    min: 0,
                    max: 10_000,
                })
        }),
    );
    let source = e.check("source", text(&body.source, LINE_MAX));
    let sats = e
        .finish(|| {
            Some(Inkassosats {
                year: year?,
                amount: amount?,
                source: source?,
            })
        })
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let out = InkassosatsBody {
        year: Some(sats.year),
        amount: sats.amount.amount().to_string(),
        source: sats.source.clone(),
    };
    db.write(move |conn| service::put_inkassosats(conn, &sats, &actor))
        .await?;
    Ok(web::Json(out))
}
