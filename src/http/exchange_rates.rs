//! The exchange-rate table, shared by every organisation like the reference rates: read by
//! anyone, set by the deployment's operator with each rate's source.

use actix_web::{get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Db;
use crate::domain::invoicing::{ExchangeRate, parse_exchange_rate};
use crate::domain::{Currency, Errors, Invalid, LINE_MAX, iso_date, text};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::services::exchange_rates as service;

/// The rate of one unit of a currency in the quote currency on a date, and where it comes
/// from. An invoice in another currency than its organisation's takes the latest rate on
/// or before its date to state its VAT in the organisation's currency too.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRateBody {
    /// The path's date; a value here is not read.
    #[schema(example = "2027-03-01", value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub date: Option<String>,
    /// Units of the quote currency for one unit of the currency: more than 0, at most
    /// 1000, at most 10 decimals.
    #[schema(example = "11.2345", pattern = r"^[0-9]{1,4}([.,][0-9]{1,10})?$")]
    pub rate: String,
    /// Where the rate comes from.
    #[schema(example = "Riksbanken")]
    pub source: String,
}

impl From<ExchangeRate> for ExchangeRateBody {
    fn from(r: ExchangeRate) -> Self {
        ExchangeRateBody {
            date: Some(r.date.to_string()),
            rate: r.rate.normalize().to_string(),
            source: r.source,
        }
    }
}

/// The quote currency and the currency of a path, each checked; the same currency twice
/// is no rate.
fn pair(quote: &str, currency: &str, e: &mut Errors) -> Option<(Currency, Currency)> {
    let quote = e.check("quote", Currency::parse(quote));
    let currency = e.check(
        "currency",
        Currency::parse(currency).and_then(|c| match quote {
            Some(q) if q == c => Err(Invalid::Mismatch { other: "quote" }),
            _ => Ok(c),
        }),
    );
    Some((quote?, currency?))
}

/// The rates of `currency` in `quote` (SEK per EUR: `/exchange-rates/SEK/EUR`), oldest
/// first.
#[utoipa::path(tag = "invoicing", params(("quote" = inline(names::Currency), Path), ("currency" = inline(names::Currency), Path), PagingParams), responses((status = 200, body = Items<ExchangeRateBody>), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/exchange-rates/{quote}/{currency}")]
pub async fn list(
    db: web::Data<Db>,
    _caller: Caller,
    paging: Paging,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Items<ExchangeRateBody>>, Error> {
    let (quote, currency) = path.into_inner();
    let mut e = Errors::new();
    let pair = pair(&quote, &currency, &mut e);
    let (quote, currency) = e.finish(|| pair).map_err(Error::Validation)?;
    let rates = db
        .run(move |conn| service::rates(conn, quote, currency))
        .await?;
    Ok(web::Json(paging.page(rates)))
}

/// Sets the rate of a date; the deployment's operator enters the rates for every
/// organisation.
#[utoipa::path(tag = "invoicing", params(("quote" = inline(names::Currency), Path), ("currency" = inline(names::Currency), Path), ("date" = NaiveDate, Path)), request_body = ExchangeRateBody, responses((status = 200, body = ExchangeRateBody), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/exchange-rates/{quote}/{currency}/{date}")]
pub async fn set(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    Body(body): Body<ExchangeRateBody>,
) -> Result<web::Json<ExchangeRateBody>, Error> {
    caller.operator()?;
    let (quote, currency, date) = path.into_inner();
    let mut e = Errors::new();
    let pair = pair(&quote, &currency, &mut e);
    let date = e.check("date", iso_date(&date));
    let rate = e.check("rate", parse_exchange_rate(&body.rate));
    let source = e.check("source", text(&body.source, LINE_MAX));
    let new = e
        .finish(|| {
            let (quote, currency) = pair?;
            Some(ExchangeRate {
                quote,
                currency,
                date: date?,
                rate: rate?,
                source: source?,
            })
        })
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let out = ExchangeRateBody::from(new.clone());
    db.write(move |conn| service::put(conn, &new, &actor))
        .await?;
    Ok(web::Json(out))
}
