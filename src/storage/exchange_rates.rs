//! The exchange-rate table every organisation shares: rates of a currency in a quote
//! currency by date, each with its source, as the operator entered them.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::storage::Error;
use crate::storage::schema::exchange_rates::dsl as xr;
use crate::storage::{DbConnection, now};

/// One stored rate: its date, the rate as canonical decimal text, and its source.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, serde::Serialize)]
pub struct RateRow {
    pub date: NaiveDate,
    pub rate: String,
    pub source: String,
}

/// The rates of `currency` in `quote`, oldest first.
pub fn rates(conn: &mut DbConnection, quote: &str, currency: &str) -> Result<Vec<RateRow>, Error> {
    Ok(xr::exchange_rates
        .filter(xr::quote_currency.eq(quote))
        .filter(xr::currency.eq(currency))
        .order(xr::rate_date.asc())
        .select((xr::rate_date, xr::rate, xr::source))
        .load(conn)?)
}

/// Every rate quoted in `quote` (of every currency), oldest first: what an issuing pass of
/// an organisation whose currency it is looks rates up in.
pub fn quoted_in(conn: &mut DbConnection, quote: &str) -> Result<Vec<(String, RateRow)>, Error> {
    let rows: Vec<(String, NaiveDate, String, String)> = xr::exchange_rates
        .filter(xr::quote_currency.eq(quote))
        .order((xr::currency.asc(), xr::rate_date.asc()))
        .select((xr::currency, xr::rate_date, xr::rate, xr::source))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(currency, date, rate, source)| (currency, RateRow { date, rate, source }))
        .collect())
}

/// Sets the rate of a date; returns what it replaced.
pub fn put(
    conn: &mut DbConnection,
    quote: &str,
    currency: &str,
    row: &RateRow,
) -> Result<Option<RateRow>, Error> {
    let key = xr::quote_currency
        .eq(quote.to_owned())
        .and(xr::currency.eq(currency.to_owned()))
        .and(xr::rate_date.eq(row.date));
    let before = xr::exchange_rates
        .filter(key.clone())
        .select((xr::rate_date, xr::rate, xr::source))
        .load::<RateRow>(conn)?
        .pop();
    let values = (
        xr::rate.eq(&row.rate),
        xr::source.eq(&row.source),
        xr::updated_at.eq(now()),
    );
    if before.is_some() {
        diesel::update(xr::exchange_rates)
            .filter(key)
            .set(values)
            .execute(conn)?;
    } else {
        diesel::insert_into(xr::exchange_rates)
            .values((
                xr::quote_currency.eq(quote),
                xr::currency.eq(currency),
                xr::rate_date.eq(row.date),
                values,
            ))
            .execute(conn)?;
    }
    Ok(before)
}
