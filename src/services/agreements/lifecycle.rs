//! An agreement's lifecycle: created as a draft with its terms as version 1, its details
//! changed and deleted while a draft, and moved from offer to end.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::agreement::{
    self, Agreement, AgreementHeader, AgreementStatus, TransitionDetails,
};
use crate::domain::contribution::ProRata;
use crate::domain::{Currency, FieldError, Invalid};
use crate::error::{Error, StateConflict};
use crate::services::audit;
use crate::storage::DbConnection;
use crate::storage::agreements::{
    self as store, AgreementFilter, AgreementRow, EventRecord, StatusChange, VersionRecord,
};
use crate::storage::members;

use super::terms::{TermsSpec, resolve_terms, stored_terms, terms_json};
use super::{change, fields_of};

/// An agreement's details as asked for; the currency defaults to the member's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInput {
    pub member_id: String,
    pub currency: Option<Currency>,
    pub pro_rata: ProRata,
    pub notice_months: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// The header for `input`: the member must belong to the organisation and not be archived.
/// Field errors are added to `fields`; `None` when the member is unknown and no currency was
/// given, so the currency cannot be known.
fn header_for(
    conn: &mut DbConnection,
    org: &str,
    input: &HeaderInput,
    current: Option<&str>,
    fields: &mut Vec<FieldError>,
) -> Result<Option<AgreementHeader>, Error> {
    let member = match members::get(conn, org, &input.member_id) {
        Ok(m) => Some(m),
        Err(crate::storage::Error::NotFound(_)) => {
            fields.push(FieldError {
                field: "member_id".to_owned(),
                invalid: Invalid::OneOf {
                    allowed: &["en medlem i organisationen"],
                },
            });
            None
        }
        Err(other) => return Err(other.into()),
    };
    if let Some(m) = &member {
        members::ensure_active(m)?;
    }
    let Some(currency) = input.currency.or(member.map(|m| m.details.currency)) else {
        return Ok(None);
    };
    let header = AgreementHeader {
        member_id: input.member_id.clone(),
        currency,
        pro_rata: input.pro_rata,
        notice_months: input.notice_months,
        start_date: input.start_date,
        end_date: input.end_date,
    };
    // One member has one agreement with the organisation at a time.
    let others = store::list(
        conn,
        org,
        &store::AgreementFilter {
            member_id: Some(header.member_id.clone()),
            status: None,
        },
    )?;
    if others.iter().any(|o| {
        Some(o.id.as_str()) != current && o.status.occupies_period() && o.header.overlaps(&header)
    }) {
        fields.push(FieldError {
            field: "start_date".to_owned(),
            invalid: Invalid::OverlapsAgreement,
        });
    }
    Ok(Some(AgreementHeader {
        member_id: input.member_id.clone(),
        currency,
        pro_rata: input.pro_rata,
        notice_months: input.notice_months,
        start_date: input.start_date,
        end_date: input.end_date,
    }))
}

/// An agreement as the audit trail records it where its versions change with it (created,
/// its details changed — version 1 follows the start date — or deleted): the stored fields
/// and every version of the terms.
#[derive(Serialize)]
struct Recorded {
    #[serde(flatten)]
    agreement: AgreementRow,
    versions: Vec<VersionRecord>,
}

fn recorded(conn: &mut DbConnection, org: &str, agreement: &Agreement) -> Result<Recorded, Error> {
    Ok(Recorded {
        agreement: agreement.into(),
        versions: store::versions(conn, org, &agreement.id)?,
    })
}

/// Creates a draft whose terms become version 1, effective from the start date.
pub fn create(
    conn: &mut DbConnection,
    org: &str,
    input: &HeaderInput,
    terms: &TermsSpec,
    actor: &str,
) -> Result<Agreement, Error> {
    let mut fields = Vec::new();
    let header = header_for(conn, org, input, None, &mut fields)?;
    if let Some(h) = &header {
        fields_of(
            resolve_terms(conn, org, terms, h.currency, "terms."),
            &mut fields,
        )?;
    }
    let created = match header {
        Some(h) if fields.is_empty() => store::insert(conn, org, &h, &terms_json(terms)?)?,
        _ => return Err(Error::Validation(fields)),
    };
    let after = recorded(conn, org, &created)?;
    audit::created(conn, &change(org, &created.id, "create", actor), &after)?;
    Ok(created)
}

/// Creates a draft as [`create`] does, and returns it as [`read`] does.
pub fn create_and_read(
    conn: &mut DbConnection,
    org: &str,
    input: &HeaderInput,
    terms: &TermsSpec,
    actor: &str,
) -> Result<AgreementRecord, Error> {
    let created = create(conn, org, input, terms, actor)?;
    read(conn, org, &created.id)
}

/// The organisation's agreements, oldest first.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    filter: &AgreementFilter,
) -> Result<Vec<Agreement>, Error> {
    Ok(store::list(conn, org, filter)?)
}

fn ensure_draft(agreement: &Agreement) -> Result<(), Error> {
    if agreement.status.terms_editable() {
        Ok(())
    } else {
        Err(Error::State(StateConflict::AgreementNotDraft(
            agreement.status,
        )))
    }
}

/// Changes a draft's details. Its terms are checked again, as the currency may change.
pub fn update(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    input: &HeaderInput,
    actor: &str,
) -> Result<Agreement, Error> {
    let current = store::get(conn, org, id)?;
    ensure_draft(&current)?;
    let mut fields = Vec::new();
    let header = header_for(conn, org, input, Some(id), &mut fields)?;
    if let Some(h) = &header {
        let first = store::get_version(conn, org, id, 1)?;
        fields_of(
            resolve_terms(conn, org, &stored_terms(&first)?, h.currency, "terms."),
            &mut fields,
        )?;
    }
    let before = recorded(conn, org, &current)?;
    let updated = match header {
        Some(h) if fields.is_empty() => store::update_header(conn, org, id, &h)?,
        _ => return Err(Error::Validation(fields)),
    };
    let after = recorded(conn, org, &updated)?;
    audit::changed(conn, &change(org, id, "update", actor), &before, &after)?;
    Ok(updated)
}

/// Changes a draft's details by `edit`, which makes the new details from the agreement's
/// as they stand (a merge patch, say), and returns the agreement as [`read`] does.
pub fn patch(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    edit: impl FnOnce(&AgreementHeader) -> Result<HeaderInput, Error>,
    actor: &str,
) -> Result<AgreementRecord, Error> {
    let current = store::get(conn, org, id)?;
    let input = edit(&current.header)?;
    update(conn, org, id, &input, actor)?;
    read(conn, org, id)
}

pub fn delete(conn: &mut DbConnection, org: &str, id: &str, actor: &str) -> Result<(), Error> {
    let current = store::get(conn, org, id)?;
    ensure_draft(&current)?;
    let before = recorded(conn, org, &current)?;
    store::delete_draft(conn, org, id)?;
    audit::removed(conn, &change(org, id, "delete", actor), &before)
}

/// Replaces a draft's terms in place; after the offer, changed terms are a new version.
pub fn replace_terms(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    terms: &TermsSpec,
    actor: &str,
) -> Result<VersionRecord, Error> {
    let agreement = store::get(conn, org, id)?;
    ensure_draft(&agreement)?;
    resolve_terms(conn, org, terms, agreement.header.currency, "")?;
    let before = store::get_version(conn, org, id, 1)?;
    let after = store::replace_draft_terms(conn, org, id, &terms_json(terms)?)?;
    audit::changed(
        conn,
        &change(org, id, "replace_terms", actor),
        &before,
        &after,
    )?;
    Ok(after)
}

/// An agreement with every version of its terms and its lifecycle history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRecord {
    pub agreement: Agreement,
    pub versions: Vec<VersionRecord>,
    pub history: Vec<EventRecord>,
}

pub fn read(conn: &mut DbConnection, org: &str, id: &str) -> Result<AgreementRecord, Error> {
    Ok(AgreementRecord {
        agreement: store::get(conn, org, id)?,
        versions: store::versions(conn, org, id)?,
        history: store::events(conn, org, id)?,
    })
}

/// Moves an agreement through its lifecycle. The move itself is judged first, so that a
/// forbidden move is reported as such, not as a missing detail.
pub fn change_status(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    to: AgreementStatus,
    details: TransitionDetails,
    note: Option<String>,
    actor: &str,
) -> Result<AgreementRecord, Error> {
    let current = store::get(conn, org, id)?;
    agreement::transition(current.status, to)?;
    let (acceptance, termination) =
        agreement::transition_details(to, details).map_err(Error::Validation)?;
    if let Some(t) = &termination
        && t.on < current.header.start_date
    {
        return Err(Error::field(
            "date",
            Invalid::Mismatch {
                other: "start_date",
            },
        ));
    }
    if to == AgreementStatus::Offered {
        members::ensure_active(&members::get(conn, org, &current.header.member_id)?)?;
    }
    let changed = store::change_status(
        conn,
        org,
        id,
        &StatusChange {
            from: current.status,
            to,
            acceptance,
            termination,
            note,
        },
    )?;
    // The note is kept with the event in the agreement's history.
    audit::changed(
        conn,
        &change(org, id, "transition", actor),
        &AgreementRow::from(&current),
        &AgreementRow::from(&changed),
    )?;
    if to == AgreementStatus::Accepted {
        crate::services::webhooks::agreement_accepted(conn, &changed)?;
    }
    read(conn, org, id)
}
