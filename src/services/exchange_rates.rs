//! The exchange-rate table: shared by every organisation like the reference rates, entered
//! by the deployment's operator with the source of each rate, and read when an invoice in
//! another currency than the organisation's states its VAT in the organisation's own.

use crate::domain::Currency;
use crate::domain::invoicing::ExchangeRate;
use crate::error::Error;
use crate::services::audit::{self, Change, Entity};
use crate::storage::DbConnection;
use crate::storage::exchange_rates::{self as store, RateRow};

fn rate(quote: Currency, currency: Currency, row: RateRow) -> Result<ExchangeRate, Error> {
    let rate = row.rate.parse().map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "stored exchange rate {quote}/{currency}/{}: {e}",
            row.date
        ))
    })?;
    Ok(ExchangeRate {
        quote,
        currency,
        date: row.date,
        rate,
        source: row.source,
    })
}

/// The rates of `currency` in `quote`, oldest first.
pub fn rates(
    conn: &mut DbConnection,
    quote: Currency,
    currency: Currency,
) -> Result<Vec<ExchangeRate>, Error> {
    store::rates(conn, quote.as_str(), currency.as_str())?
        .into_iter()
        .map(|row| rate(quote, currency, row))
        .collect()
}

/// Every rate quoted in `quote`: what an organisation whose currency it is converts with.
pub fn quoted_in(conn: &mut DbConnection, quote: Currency) -> Result<Vec<ExchangeRate>, Error> {
    store::quoted_in(conn, quote.as_str())?
        .into_iter()
        // A currency avtal no longer bills in is of no use to it.
        .filter_map(|(currency, row)| Some((Currency::parse(&currency).ok()?, row)))
        .map(|(currency, row)| rate(quote, currency, row))
        .collect()
}

/// Sets the rate of a date, with its source; the deployment's operator enters the rates
/// for every organisation. Audited like the reference rates.
pub fn put(conn: &mut DbConnection, new: &ExchangeRate, actor: &str) -> Result<(), Error> {
    let row = RateRow {
        date: new.date,
        rate: new.rate.normalize().to_string(),
        source: new.source.clone(),
    };
    let before = store::put(conn, new.quote.as_str(), new.currency.as_str(), &row)?;
    let id = format!("{}/{}/{}", new.quote, new.currency, new.date);
    let c = Change::new("", Entity::ExchangeRate, &id, "set", actor);
    match before {
        Some(b) => audit::changed(conn, &c, &b, &row),
        None => audit::created(conn, &c, &row),
    }
}
