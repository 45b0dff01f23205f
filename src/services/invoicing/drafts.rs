//! Draft invoices: free lines to a member, editable until issued.

use chrono::NaiveDate;

use super::change;
use super::reading::{Shown, shown};
use super::settings::organisation;
use crate::domain::documents::DocumentKind;
use crate::domain::invoicing::{InvoiceLine, invoices_by_vat_scope, net_and_vat};
use crate::domain::{Currency, Invalid, Language};
use crate::error::{Error, StateConflict};
use crate::services::audit::{self, Entity};
use crate::storage::invoicing::{self as store, InvoiceRow};
use crate::storage::{DbConnection, members, new_id, now};

/// What a draft invoice says before it is issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftInput {
    pub member_id: String,
    pub agreement_id: Option<String>,
    pub language: Option<Language>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub buyer_reference: Option<String>,
    pub our_reference: Option<String>,
    pub lines: Vec<InvoiceLine>,
}

/// Creates a draft: free lines to a member, editable until issued.
pub fn create_draft(
    conn: &mut DbConnection,
    org: &str,
    input: &DraftInput,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let input = &for_buyer(conn, org, input)?;
    let row = draft_row(conn, org, &new_id(), input, actor, None)?;
    let lines = store::line_rows(&row.id, &input.lines);
    store::insert_invoice(conn, &row, &lines)?;
    audit::created(
        conn,
        &change(org, Entity::Invoice, &row.id, "create", actor),
        &(&row, &lines),
    )?;
    Ok(row)
}

/// A draft as its buyer is charged: a rate of the seller's country becomes a reverse
/// charge for a buyer in another country unless the line charges it there by choice (see
/// [`VatTreatment::for_buyer`]), and "Vår referens" is the organisation's unless one is
/// given.
fn for_buyer(conn: &mut DbConnection, org: &str, input: &DraftInput) -> Result<DraftInput, Error> {
    let seller = organisation(conn, org)?.details;
    let buyer = members::get(conn, org, &input.member_id)?.details.country;
    let mut input = input.clone();
    for line in &mut input.lines {
        line.vat = line
            .vat
            .clone()
            .for_buyer(seller.country, buyer, line.domestic_vat_abroad);
    }
    input.our_reference = input.our_reference.or_else(|| seller.our_reference());
    Ok(input)
}

pub(super) fn draft_row(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    input: &DraftInput,
    actor: &str,
    run_id: Option<&str>,
) -> Result<InvoiceRow, Error> {
    let member = members::get(conn, org, &input.member_id)?;
    let currency = match &input.agreement_id {
        Some(a) => {
            crate::storage::agreements::get(conn, org, a)?
                .header
                .currency
        }
        None => member.details.currency,
    };
    one_vat_scope(&input.lines)?;
    for (i, l) in input.lines.iter().enumerate() {
        if l.unit_price.currency() != currency {
            return Err(Error::field(
                &format!("lines[{i}].unit_price"),
                Invalid::Mismatch { other: "currency" },
            ));
        }
    }
    if input.period_end < input.period_start {
        return Err(Error::field(
            "period_end",
            Invalid::Mismatch {
                other: "period_start",
            },
        ));
    }
    let (net, vat) = net_and_vat(&input.lines, currency);
    let at = now();
    Ok(InvoiceRow {
        id: id.to_owned(),
        organisation_id: org.to_owned(),
        member_id: member.id.clone(),
        agreement_id: input.agreement_id.clone(),
        run_id: run_id.map(str::to_owned),
        kind: DocumentKind::Invoice.as_str().to_owned(),
        language: input
            .language
            .unwrap_or(member.details.language)
            .as_str()
            .to_owned(),
        currency: currency.as_str().to_owned(),
        period_start: input.period_start,
        period_end: input.period_end,
        buyer_reference: input
            .buyer_reference
            .clone()
            .or(member.details.buyer_reference.clone()),
        our_reference: input.our_reference.clone(),
        net_minor: net.to_minor(),
        vat_minor: vat.to_minor(),
        total_minor: net.to_minor() + vat.to_minor(),
        created_by: actor.to_owned(),
        created_at: at,
        updated_at: at,
        ..InvoiceRow::default()
    })
}

pub fn replace_draft(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    input: &DraftInput,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let before = store::invoice(conn, org, id)?;
    if before.issued_at.is_some() {
        return Err(Error::State(StateConflict::InvoiceIssued));
    }
    let before_lines = store::lines(conn, id)?;
    let input = &for_buyer(conn, org, input)?;
    let mut row = draft_row(conn, org, id, input, actor, before.run_id.as_deref())?;
    row.created_by = before.created_by.clone();
    row.created_at = before.created_at;
    let lines = store::line_rows(id, &input.lines);
    store::replace_draft(conn, &row, &lines)?;
    audit::changed(
        conn,
        &change(org, Entity::Invoice, id, "update", actor),
        &(&before, &before_lines),
        &(&row, &lines),
    )?;
    Ok(row)
}

pub fn delete_draft(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    actor: &str,
) -> Result<(), Error> {
    let before = store::invoice(conn, org, id)?;
    if before.issued_at.is_some() {
        return Err(Error::State(StateConflict::InvoiceIssued));
    }
    let lines = store::lines(conn, id)?;
    store::delete_draft(conn, org, id)?;
    audit::removed(
        conn,
        &change(org, Entity::Invoice, id, "delete", actor),
        &(&before, &lines),
    )
}

/// Refuses lines that would need two invoices (see [`invoices_by_vat_scope`]).
pub(super) fn one_vat_scope(lines: &[InvoiceLine]) -> Result<(), Error> {
    if invoices_by_vat_scope(lines.iter().collect(), |l| l.outside_scope()).len() > 1 {
        return Err(Error::field("lines", Invalid::MixedVatScope));
    }
    Ok(())
}

/// The currency of a member's invoices unless a draft names another.
fn member_currency(conn: &mut DbConnection, org: &str, member_id: &str) -> Result<Currency, Error> {
    Ok(members::get(conn, org, member_id)?.details.currency)
}

/// Creates a draft from its request, parsed once its currency is known (`parse` is handed
/// a lookup of a member's, for a request that names none), and reads it back as shown.
pub fn create_draft_shown(
    conn: &mut DbConnection,
    org: &str,
    parse: impl FnOnce(&mut dyn FnMut(&str) -> Result<Currency, Error>) -> Result<DraftInput, Error>,
    actor: &str,
) -> Result<Shown, Error> {
    let input = parse(&mut |member| member_currency(conn, org, member))?;
    let row = create_draft(conn, org, &input, actor)?;
    shown(conn, org, &row.id)
}

/// Replaces a draft from its request and reads it back as shown.
pub fn replace_draft_shown(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    parse: impl FnOnce(&mut dyn FnMut(&str) -> Result<Currency, Error>) -> Result<DraftInput, Error>,
    actor: &str,
) -> Result<Shown, Error> {
    let input = parse(&mut |member| member_currency(conn, org, member))?;
    replace_draft(conn, org, id, &input, actor)?;
    shown(conn, org, id)
}
