//! Gapless invoice numbers: one counter row per series and year.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::storage::DbConnection;
use crate::storage::Error;

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = BigInt)]
    last: i64,
}

/// The next number of a series for a year. The counter row is bumped by one statement in
/// the caller's transaction: a concurrent issuer waits on the row lock (PostgreSQL) or the
/// write lock (SQLite), and a rollback takes the number back, so numbers have no gaps.
pub fn next_number(
    conn: &mut DbConnection,
    org: &str,
    series: &str,
    year: i32,
) -> Result<i64, Error> {
    const BUMP: &str = "INSERT INTO number_series (organisation_id, series, year, last) \
         VALUES ($1, $2, $3, 1) \
         ON CONFLICT (organisation_id, series, year) DO UPDATE SET last = number_series.last + 1 \
         RETURNING last";
    let rows: Vec<Last> = on_backend!(conn, |c| diesel::sql_query(BUMP)
        .bind::<Text, _>(org)
        .bind::<Text, _>(series)
        .bind::<Integer, _>(year)
        .load(c)?);
    rows.into_iter()
        .next()
        .map(|r| r.last)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("number series {series} not bumped")))
}
