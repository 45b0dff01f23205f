//! Invoice and credit-note rows and their lines. Only drafts are updated or deleted
//! (`issued_at IS NULL` is part of every such statement); issuing sets the rest once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::domain::StateConflict;
use crate::domain::contribution::VatTreatment;
use crate::domain::invoicing::{AccountingVat, Discount, ExchangeRate, Invoice, InvoiceLine};
use crate::domain::money::Money;
use crate::domain::{Currency, Language};
use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::schema::invoice_lines::dsl as il;
use crate::storage::schema::invoices::dsl as inv;

#[derive(
    Debug,
    Default,
    Clone,
    PartialEq,
    Eq,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    serde::Serialize,
)]
#[diesel(table_name = crate::storage::schema::invoices, treat_none_as_null = true)]
pub struct InvoiceRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: String,
    pub agreement_id: Option<String>,
    pub run_id: Option<String>,
    pub kind: String,
    pub credits_invoice_id: Option<String>,
    pub language: String,
    pub currency: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub buyer_reference: Option<String>,
    pub our_reference: Option<String>,
    pub series: Option<String>,
    pub number: Option<String>,
    pub invoice_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub payment_reference: Option<String>,
    pub net_minor: i64,
    pub vat_minor: i64,
    pub rounding_minor: i64,
    pub total_minor: i64,
    pub document_id: Option<String>,
    pub issued_by: Option<String>,
    pub issued_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The stored e-invoice (UBL); `None` for drafts and for invoices issued before avtal
    /// wrote e-invoices.
    pub einvoice_document_id: Option<String>,
    /// On an issued invoice in another currency than the organisation's: that currency,
    /// the rate the VAT was converted at (units of it for one of the invoice's), the
    /// rate's date and source, and the VAT total so converted. `None` otherwise, and
    /// where no rate was needed or known.
    pub accounting_currency: Option<String>,
    pub exchange_rate: Option<String>,
    pub exchange_rate_date: Option<NaiveDate>,
    pub exchange_rate_source: Option<String>,
    pub accounting_vat_minor: Option<i64>,
}

impl InvoiceRow {
    /// The row without what issuing gave it: no number, dates, reference, documents or
    /// booking rate.
    pub fn unissued(&self) -> InvoiceRow {
        InvoiceRow {
            series: None,
            number: None,
            invoice_date: None,
            due_date: None,
            payment_reference: None,
            document_id: None,
            einvoice_document_id: None,
            issued_by: None,
            issued_at: None,
            accounting_currency: None,
            exchange_rate: None,
            exchange_rate_date: None,
            exchange_rate_source: None,
            accounting_vat_minor: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::invoice_lines)]
pub struct LineRow {
    pub invoice_id: String,
    pub position: i32,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price_minor: i64,
    pub vat: String,
    pub vat_exempt_reason: Option<String>,
    pub amount_minor: i64,
    pub component: Option<String>,
    pub fee_year: Option<i32>,
    pub discount_percent: Option<String>,
    pub discount_minor: Option<i64>,
    pub domestic_vat_abroad: bool,
}

impl LineRow {
    /// A line as stored, at its position (from 1) on its invoice.
    pub fn of(invoice_id: &str, position: usize, line: &InvoiceLine) -> Self {
        LineRow {
            invoice_id: invoice_id.to_owned(),
            position: i32::try_from(position).unwrap_or(i32::MAX),
            description: line.description.clone(),
            quantity: line.quantity.normalize().to_string(),
            unit: line.unit.clone(),
            unit_price_minor: line.unit_price.to_minor(),
            vat: line.vat.code(),
            vat_exempt_reason: line.vat.exempt_reason().map(str::to_owned),
            amount_minor: line.amount.to_minor(),
            component: line.component.clone(),
            fee_year: line.fee_year,
            discount_percent: line
                .discount
                .as_ref()
                .map(|d| d.percent.normalize().to_string()),
            discount_minor: line.discount.as_ref().map(|d| d.amount.to_minor()),
            domestic_vat_abroad: line.domestic_vat_abroad,
        }
    }

    /// The stored line as the domain's, in its invoice's currency.
    pub fn line(&self, currency: Currency) -> Result<InvoiceLine, Error> {
        let bad = |what: &str| Error::Internal(anyhow::anyhow!("stored invoice line {what}"));
        Ok(InvoiceLine {
            description: self.description.clone(),
            quantity: self.quantity.parse().map_err(|_| bad("quantity"))?,
            unit: self.unit.clone(),
            unit_price: Money::from_minor(self.unit_price_minor, currency),
            vat: VatTreatment::parse(&self.vat, self.vat_exempt_reason.as_deref())
                .map_err(|_| bad("vat"))?,
            amount: Money::from_minor(self.amount_minor, currency),
            component: self.component.clone(),
            fee_year: self.fee_year,
            discount: match (&self.discount_percent, self.discount_minor) {
                (Some(p), Some(minor)) => Some(Discount {
                    percent: p.parse().map_err(|_| bad("discount"))?,
                    amount: Money::from_minor(minor, currency),
                }),
                _ => None,
            },
            domestic_vat_abroad: self.domestic_vat_abroad,
        })
    }
}

/// Lines as stored on one invoice, in their order.
pub fn line_rows(invoice_id: &str, lines: &[InvoiceLine]) -> Vec<LineRow> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow::of(invoice_id, i + 1, l))
        .collect()
}

impl InvoiceRow {
    pub fn currency(&self) -> Result<Currency, Error> {
        Currency::parse(&self.currency)
            .map_err(|_| Error::Internal(anyhow::anyhow!("stored currency {}", self.currency)))
    }

    pub fn language(&self) -> Result<Language, Error> {
        Language::parse(&self.language)
            .map_err(|_| Error::Internal(anyhow::anyhow!("stored language {}", self.language)))
    }

    /// The VAT converted into the organisation's currency as it was stored at issue, with
    /// its rate; `None` when nothing was converted.
    pub fn accounting_vat(&self) -> Result<Option<AccountingVat>, Error> {
        let (Some(quote), Some(rate), Some(date), Some(source), Some(vat)) = (
            &self.accounting_currency,
            &self.exchange_rate,
            self.exchange_rate_date,
            &self.exchange_rate_source,
            self.accounting_vat_minor,
        ) else {
            return Ok(None);
        };
        let bad = |what: &str| Error::Internal(anyhow::anyhow!("stored exchange {what}"));
        let quote = Currency::parse(quote).map_err(|_| bad("currency"))?;
        Ok(Some(AccountingVat {
            rate: ExchangeRate {
                quote,
                currency: self.currency()?,
                date,
                rate: rate.parse().map_err(|_| bad("rate"))?,
                source: source.clone(),
            },
            vat: Money::from_minor(vat, quote),
        }))
    }

    /// Records the VAT converted into the organisation's currency, or that none was.
    pub fn set_accounting_vat(&mut self, converted: Option<&AccountingVat>) {
        self.accounting_currency = converted.map(|a| a.rate.quote.as_str().to_owned());
        self.exchange_rate = converted.map(|a| a.rate.rate.normalize().to_string());
        self.exchange_rate_date = converted.map(|a| a.rate.date);
        self.exchange_rate_source = converted.map(|a| a.rate.source.clone());
        self.accounting_vat_minor = converted.map(|a| a.vat.to_minor());
    }

    /// The stored invoice with its lines as the domain's, dated `date` (a draft has no
    /// date until it is issued).
    pub fn invoice(&self, lines: &[LineRow], date: NaiveDate) -> Result<Invoice, Error> {
        let currency = self.currency()?;
        Ok(Invoice {
            language: self.language()?,
            currency,
            date,
            period_start: self.period_start,
            period_end: self.period_end,
            buyer_reference: self.buyer_reference.clone(),
            our_reference: self.our_reference.clone(),
            lines: lines
                .iter()
                .map(|l| l.line(currency))
                .collect::<Result<_, _>>()?,
            rounding: Money::from_minor(self.rounding_minor, currency),
        })
    }
}

pub fn insert_invoice(
    conn: &mut DbConnection,
    row: &InvoiceRow,
    lines: &[LineRow],
) -> Result<(), Error> {
    diesel::insert_into(inv::invoices)
        .values(row)
        .execute(conn)?;
    insert_lines(conn, lines)
}

fn insert_lines(conn: &mut DbConnection, lines: &[LineRow]) -> Result<(), Error> {
    if !lines.is_empty() {
        on_backend!(conn, |c| diesel::insert_into(il::invoice_lines)
            .values(lines)
            .execute(c)?);
    }
    Ok(())
}

/// Replaces a draft and its lines; `NotFound` when it is not a draft (any more).
pub fn replace_draft(
    conn: &mut DbConnection,
    row: &InvoiceRow,
    lines: &[LineRow],
) -> Result<(), Error> {
    let updated = diesel::update(inv::invoices)
        .filter(inv::organisation_id.eq(&row.organisation_id))
        .filter(inv::id.eq(&row.id))
        .filter(inv::issued_at.is_null())
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        return Err(Error::NotFound("invoice"));
    }
    diesel::delete(il::invoice_lines.filter(il::invoice_id.eq(&row.id))).execute(conn)?;
    insert_lines(conn, lines)
}

pub fn delete_draft(conn: &mut DbConnection, org: &str, id: &str) -> Result<bool, Error> {
    let draft = inv::invoices
        .filter(inv::organisation_id.eq(org))
        .filter(inv::id.eq(id))
        .filter(inv::issued_at.is_null());
    diesel::delete(il::invoice_lines.filter(il::invoice_id.eq(id))).execute(conn)?;
    Ok(diesel::delete(draft).execute(conn)? == 1)
}

pub fn invoice(conn: &mut DbConnection, org: &str, id: &str) -> Result<InvoiceRow, Error> {
    inv::invoices
        .filter(inv::organisation_id.eq(org))
        .filter(inv::id.eq(id))
        .select(InvoiceRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("invoice"))
}

/// Which invoices a list asks for.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub member_id: Option<String>,
    pub run_id: Option<String>,
    pub credits_invoice_id: Option<String>,
    pub reference: Option<String>,
    pub issued_only: bool,
}

/// An organisation's invoices and credit notes, oldest first (drafts last).
pub fn invoices(
    conn: &mut DbConnection,
    org: &str,
    f: &InvoiceFilter,
) -> Result<Vec<InvoiceRow>, Error> {
    let mut q = inv::invoices
        .filter(inv::organisation_id.eq(org.to_owned()))
        .select(InvoiceRow::as_select())
        .order((
            inv::issued_at.is_null(),
            inv::issued_at.asc(),
            inv::id.asc(),
        ))
        .into_boxed();
    if let Some(m) = &f.member_id {
        q = q.filter(inv::member_id.eq(m.clone()));
    }
    if let Some(r) = &f.run_id {
        q = q.filter(inv::run_id.eq(r.clone()));
    }
    if let Some(c) = &f.credits_invoice_id {
        q = q.filter(inv::credits_invoice_id.eq(c.clone()));
    }
    if let Some(r) = &f.reference {
        q = q.filter(inv::payment_reference.eq(r.clone()));
    }
    if f.issued_only {
        q = q.filter(inv::issued_at.is_not_null());
    }
    Ok(q.load(conn)?)
}

pub fn lines(conn: &mut DbConnection, invoice_id: &str) -> Result<Vec<LineRow>, Error> {
    Ok(il::invoice_lines
        .filter(il::invoice_id.eq(invoice_id))
        .order(il::position.asc())
        .select(LineRow::as_select())
        .load(conn)?)
}

/// The lines of every issued document of an agreement that bill a fee year, credit notes
/// included (their lines are negative), each with its document's kind: what the agreement
/// was billed for that year.
pub fn billed_lines(
    conn: &mut DbConnection,
    agreement_id: &str,
    fee_year: i32,
) -> Result<Vec<(LineRow, String)>, Error> {
    Ok(il::invoice_lines
        .inner_join(inv::invoices)
        .filter(inv::agreement_id.eq(agreement_id))
        .filter(inv::issued_at.is_not_null())
        .filter(il::fee_year.eq(fee_year))
        .select((LineRow::as_select(), inv::kind))
        .load(conn)?)
}

/// Sets what issuing decides on a draft, once: the update only matches a draft.
pub fn issue(conn: &mut DbConnection, row: &InvoiceRow) -> Result<(), Error> {
    let updated = diesel::update(inv::invoices)
        .filter(inv::organisation_id.eq(&row.organisation_id))
        .filter(inv::id.eq(&row.id))
        .filter(inv::issued_at.is_null())
        .set(row)
        .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        // Another request issued it between our read and this update.
        Err(Error::State(StateConflict::AlreadyIssued))
    }
}
