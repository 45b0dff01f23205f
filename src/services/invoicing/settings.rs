//! How an organisation invoices, and the reference rates and inkassosats every
//! organisation's late-payment interest and reminder charges follow.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::change;
use crate::domain::invoicing::{
    Inkassosats, REMINDER_MINIMUM_MINOR, ReferenceRate, ReferenceScheme,
};
use crate::domain::money::Money;
use crate::domain::organisation::Organisation;
use crate::domain::{Country, Currency, Invalid};
use crate::error::Error;
use crate::services::audit::{self, Entity};
use crate::storage::invoicing::{self as store, SettingsRow};
use crate::storage::{DbConnection, now, organisations};

/// How an organisation invoices; defaults follow its country until it saves its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub credit_note_prefix: String,
    pub reference_scheme: ReferenceScheme,
    /// Öresavrundning: totals rounded to whole kronor, the difference shown as a line.
    pub round_to_whole: bool,
    /// Days past the due date before an invoice gets a reminder.
    pub reminder_after_days: i32,
    /// Days a reminder gives to pay (at least 14 in Norway).
    pub reminder_pay_days: i32,
    /// Issuing an invoice, alone or in a run, or a reminder run also queues the emails.
    pub send_on_issue: bool,
    /// The smallest outstanding amount (minor units) a reminder chases.
    pub reminder_minimum: i64,
}

impl Settings {
    pub fn defaults(org: &Organisation) -> Self {
        let norway = org.details.country == Country::No;
        Settings {
            credit_note_prefix: format!("{}-K", org.details.invoice_prefix),
            reference_scheme: if norway {
                ReferenceScheme::KidMod10
            } else {
                ReferenceScheme::Ocr
            },
            round_to_whole: false,
            reminder_after_days: 10,
            reminder_pay_days: if norway { 14 } else { 10 },
            send_on_issue: false,
            reminder_minimum: REMINDER_MINIMUM_MINOR,
        }
    }
}

pub fn organisation(conn: &mut DbConnection, org: &str) -> Result<Organisation, Error> {
    organisations::get(conn, org)?.ok_or(Error::NotFound("organisation"))
}

pub fn settings(conn: &mut DbConnection, org: &Organisation) -> Result<Settings, Error> {
    let Some(row) = store::settings(conn, &org.id)? else {
        return Ok(Settings::defaults(org));
    };
    let bad = |what: &str| Error::Internal(anyhow::anyhow!("stored invoicing setting {what}"));
    Ok(Settings {
        credit_note_prefix: row.credit_note_prefix,
        reference_scheme: ReferenceScheme::parse(&row.reference_scheme)
            .map_err(|_| bad("reference_scheme"))?,
        round_to_whole: row.round_to_whole,
        reminder_after_days: row.reminder_after_days,
        reminder_pay_days: row.reminder_pay_days,
        send_on_issue: row.send_on_issue,
        reminder_minimum: row.reminder_minimum_minor,
    })
}

pub fn put_settings(
    conn: &mut DbConnection,
    org: &str,
    new: &Settings,
    actor: &str,
) -> Result<Settings, Error> {
    let organisation = organisation(conn, org)?;
    let before = store::settings(conn, org)?;
    if organisation.details.country == Country::No && new.reminder_pay_days < 14 {
        // Inkassoloven § 9: a reminder gives at least 14 days.
        return Err(Error::field(
            "reminder_pay_days",
            Invalid::OutOfRange { min: 14, max: 90 },
        ));
    }
    let row = SettingsRow {
        organisation_id: org.to_owned(),
        credit_note_prefix: new.credit_note_prefix.clone(),
        reference_scheme: new.reference_scheme.as_str().to_owned(),
        round_to_whole: new.round_to_whole,
        reminder_after_days: new.reminder_after_days,
        reminder_pay_days: new.reminder_pay_days,
        send_on_issue: new.send_on_issue,
        updated_at: now(),
        reminder_minimum_minor: new.reminder_minimum,
    };
    store::put_settings(conn, &row)?;
    audit::changed(
        conn,
        &change(org, Entity::Settings, org, "update", actor),
        &before,
        &row,
    )?;
    Ok(new.clone())
}

/// The reference rates of the country an organisation invoices in.
pub fn reference_rates(
    conn: &mut DbConnection,
    country: Country,
) -> Result<Vec<ReferenceRate>, Error> {
    store::reference_rates(conn, country.as_str())?
        .into_iter()
        .map(|(from, percent)| {
            let percent = percent.parse::<Decimal>().map_err(|e| {
                Error::Internal(anyhow::anyhow!("stored reference rate {from}: {e}"))
            })?;
            Ok(ReferenceRate { from, percent })
        })
        .collect()
}

/// Norway's inkassosats by year, as the operator entered it.
pub fn inkassosats(conn: &mut DbConnection) -> Result<Vec<Inkassosats>, Error> {
    store::inkassosats(conn)?
        .into_iter()
        .map(|(year, minor, currency, source)| {
            let currency = Currency::parse(&currency).map_err(|_| {
                Error::Internal(anyhow::anyhow!("stored inkassosats currency {currency}"))
            })?;
            Ok(Inkassosats {
                year,
                amount: Money::from_minor(minor, currency),
                source,
            })
        })
        .collect()
}

/// Sets a year's inkassosats with its source; the deployment's operator enters it when
/// the ministry publishes it.
pub fn put_inkassosats(
    conn: &mut DbConnection,
    sats: &Inkassosats,
    actor: &str,
) -> Result<(), Error> {
    let currency = sats.amount.currency().as_str();
    let before = store::put_inkassosats(
        conn,
        sats.year,
        sats.amount.to_minor(),
        currency,
        &sats.source,
    )?;
    let after = (sats.amount.to_minor(), currency, &sats.source);
    let id = sats.year.to_string();
    let c = change("", Entity::Inkassosats, &id, "set", actor);
    match before {
        Some(b) => audit::changed(conn, &c, &b, &after),
        None => audit::created(conn, &c, &after),
    }
}

/// An organisation's invoicing settings: its own, or its country's defaults.
pub fn settings_of(conn: &mut DbConnection, org: &str) -> Result<Settings, Error> {
    let organisation = organisation(conn, org)?;
    settings(conn, &organisation)
}

/// Sets a country's reference rate from a day, stored in canonical decimal form; the
/// deployment's operator enters them for every organisation.
pub fn put_reference_rate(
    conn: &mut DbConnection,
    country: Country,
    from: NaiveDate,
    percent: Decimal,
    actor: &str,
) -> Result<(), Error> {
    let stored = percent.normalize().to_string();
    let before = store::put_reference_rate(conn, country.as_str(), from, &stored)?;
    let id = format!("{}/{from}", country.as_str());
    let c = change("", Entity::ReferenceRate, &id, "set", actor);
    match before {
        Some(b) => audit::changed(conn, &c, &b, &stored),
        None => audit::created(conn, &c, &stored),
    }
}
