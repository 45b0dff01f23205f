//! What changes under an agreement once it is concluded: new versions of its terms, and
//! usage recorded against it.

use chrono::NaiveDate;

use crate::domain::{Errors, FieldError, Invalid};
use crate::error::{Error, StateConflict};
use crate::services::audit;
use crate::storage::DbConnection;
use crate::storage::agreements::{self as store, NewUsage, UsageRecord, VersionRecord};
use crate::storage::pricing;

use super::terms::{TermsSpec, resolve_terms, terms_json};
use super::{change, fields_of};

/// Agrees new terms from `effective_from`, which must come after the latest version's and
/// within the agreement's period. Earlier versions stay as they were.
pub fn add_version(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    effective_from: NaiveDate,
    terms: &TermsSpec,
    actor: &str,
) -> Result<VersionRecord, Error> {
    let agreement = store::get(conn, org, id)?;
    if !agreement.status.accepts_new_versions() {
        return Err(Error::State(StateConflict::AgreementNotInForce(
            agreement.status,
        )));
    }
    let mut fields = Vec::new();
    let latest = store::versions(conn, org, id)?
        .into_iter()
        .map(|v| v.effective_from)
        .max();
    if latest.is_some_and(|latest| effective_from <= latest) {
        fields.push(FieldError {
            field: "effective_from".to_owned(),
            invalid: Invalid::Mismatch {
                other: "previous_version.effective_from",
            },
        });
    }
    if agreement
        .header
        .end_date
        .is_some_and(|end| effective_from > end)
    {
        fields.push(FieldError {
            field: "effective_from".to_owned(),
            invalid: Invalid::Mismatch { other: "end_date" },
        });
    }
    fields_of(
        resolve_terms(conn, org, terms, agreement.header.currency, "terms."),
        &mut fields,
    )?;
    if !fields.is_empty() {
        return Err(Error::Validation(fields));
    }
    let version = store::insert_version(conn, org, id, effective_from, &terms_json(terms)?)?;
    audit::created(conn, &change(org, id, "add_version", actor), &version)?;
    Ok(version)
}

/// Records usage of a service under a concluded agreement, within its period. The service
/// must be on the price list of the year it was used in: a wrong code would otherwise stop
/// the year's calculation until someone noticed.
pub fn record_usage(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    usage: &NewUsage,
    actor: &str,
) -> Result<UsageRecord, Error> {
    let agreement = store::get(conn, org, id)?;
    if !agreement.status.accepts_usage() {
        return Err(Error::State(StateConflict::AgreementNotConcluded(
            agreement.status,
        )));
    }
    let mut e = Errors::new();
    if usage.used_on < agreement.header.start_date {
        e.add(
            "used_on",
            Invalid::Mismatch {
                other: "start_date",
            },
        );
    }
    if agreement
        .header
        .end_date
        .is_some_and(|end| usage.used_on > end)
    {
        e.add("used_on", Invalid::Mismatch { other: "end_date" });
    }
    let year = chrono::Datelike::year(&usage.used_on);
    let listed = pricing::price_list(conn, org, year)?
        .iter()
        .any(|p| p.item.code == usage.item_code);
    if !listed {
        e.add(
            "item_code",
            Invalid::OneOf {
                allowed: &["en tjänst i prislistan för året"],
            },
        );
    }
    e.finish(|| Some(())).map_err(Error::Validation)?;
    let recorded = store::insert_usage(conn, org, id, usage)?;
    audit::created(conn, &change(org, id, "record_usage", actor), &recorded)?;
    Ok(recorded)
}

/// Every version of an agreement's terms, oldest first.
pub fn versions(conn: &mut DbConnection, org: &str, id: &str) -> Result<Vec<VersionRecord>, Error> {
    Ok(store::versions(conn, org, id)?)
}

/// One version of an agreement's terms.
pub fn version(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    number: i32,
) -> Result<VersionRecord, Error> {
    Ok(store::get_version(conn, org, id, number)?)
}

/// The usage recorded under an agreement, by date; of one year when given.
pub fn usage(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    year: Option<i32>,
) -> Result<Vec<UsageRecord>, Error> {
    Ok(store::usage(conn, org, id, year)?)
}
