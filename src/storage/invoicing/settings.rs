//! How an organisation invoices, and the rates and amounts the deployment's operator enters
//! for every organisation: reference rates and Norway's inkassosats.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::storage::Error;
use crate::storage::schema::inkassosats::dsl as ik_sats;
use crate::storage::schema::invoicing_settings::dsl as st;
use crate::storage::schema::reference_rates::dsl as rr;
use crate::storage::{DbConnection, now};

#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize,
)]
#[diesel(table_name = crate::storage::schema::invoicing_settings)]
pub struct SettingsRow {
    pub organisation_id: String,
    pub credit_note_prefix: String,
    pub reference_scheme: String,
    pub round_to_whole: bool,
    pub reminder_after_days: i32,
    pub reminder_pay_days: i32,
    pub send_on_issue: bool,
    pub updated_at: NaiveDateTime,
    pub reminder_minimum_minor: i64,
}

pub fn settings(conn: &mut DbConnection, org: &str) -> Result<Option<SettingsRow>, Error> {
    Ok(st::invoicing_settings
        .filter(st::organisation_id.eq(org))
        .select(SettingsRow::as_select())
        .load(conn)?
        .pop())
}

pub fn put_settings(conn: &mut DbConnection, row: &SettingsRow) -> Result<(), Error> {
    let updated = diesel::update(st::invoicing_settings)
        .filter(st::organisation_id.eq(&row.organisation_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(st::invoicing_settings)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The reference rates of a country, oldest first: (valid from, percent as decimal text).
pub fn reference_rates(
    conn: &mut DbConnection,
    country: &str,
) -> Result<Vec<(NaiveDate, String)>, Error> {
    Ok(rr::reference_rates
        .filter(rr::country.eq(country))
        .order(rr::valid_from.asc())
        .select((rr::valid_from, rr::percent))
        .load(conn)?)
}

/// Sets a rate; returns the percent it replaced.
pub fn put_reference_rate(
    conn: &mut DbConnection,
    country: &str,
    from: NaiveDate,
    percent: &str,
) -> Result<Option<String>, Error> {
    let before: Option<String> = rr::reference_rates
        .filter(rr::country.eq(country))
        .filter(rr::valid_from.eq(from))
        .select(rr::percent)
        .load(conn)?
        .pop();
    if before.is_some() {
        diesel::update(rr::reference_rates)
            .filter(rr::country.eq(country))
            .filter(rr::valid_from.eq(from))
            .set((rr::percent.eq(percent), rr::updated_at.eq(now())))
            .execute(conn)?;
    } else {
        diesel::insert_into(rr::reference_rates)
            .values((
                rr::country.eq(country),
                rr::valid_from.eq(from),
                rr::percent.eq(percent),
                rr::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(before)
}

/// Norway's inkassosats, oldest first: (year, amount in öre, currency, source).
pub fn inkassosats(conn: &mut DbConnection) -> Result<Vec<(i32, i64, String, String)>, Error> {
    Ok(ik_sats::inkassosats
        .order(ik_sats::year.asc())
        .select((
            ik_sats::year,
            ik_sats::amount_minor,
            ik_sats::currency,
            ik_sats::source,
        ))
        .load(conn)?)
}

/// Sets a year's inkassosats; returns what it replaced.
pub fn put_inkassosats(
    conn: &mut DbConnection,
    year: i32,
    amount_minor: i64,
    currency: &str,
    source: &str,
) -> Result<Option<(i64, String, String)>, Error> {
    let before = ik_sats::inkassosats
        .filter(ik_sats::year.eq(year))
        .select((ik_sats::amount_minor, ik_sats::currency, ik_sats::source))
        .load::<(i64, String, String)>(conn)?
        .pop();
    let values = (
        ik_sats::amount_minor.eq(amount_minor),
        ik_sats::currency.eq(currency),
        ik_sats::source.eq(source),
        ik_sats::updated_at.eq(now()),
    );
    if before.is_some() {
        diesel::update(ik_sats::inkassosats)
            .filter(ik_sats::year.eq(year))
            .set(values)
            .execute(conn)?;
    } else {
        diesel::insert_into(ik_sats::inkassosats)
            .values((ik_sats::year.eq(year), values))
            .execute(conn)?;
    }
    Ok(before)
}
