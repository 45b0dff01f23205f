//! Invoices and credit notes, their numbering, the periods they billed, payments and where
//! their money went, idempotency keys, reminders and the audit trail.
//!
//! Only drafts are updated or deleted (`issued_at IS NULL` is part of every such statement);
//! everything issued, paid or recorded is only ever inserted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::domain::contribution::VatTreatment;
use crate::domain::invoicing::{AccountingVat, Discount, ExchangeRate, Invoice, InvoiceLine};
use crate::domain::money::Money;
use crate::domain::{Currency, Language};
use crate::error::{Error, StateConflict};
use crate::storage::schema::allocations::dsl as al;
use crate::storage::schema::audit_log::dsl as au;
use crate::storage::schema::billed_periods::dsl as bp;
use crate::storage::schema::idempotency_keys::dsl as ik;
use crate::storage::schema::inkassosats::dsl as ik_sats;
use crate::storage::schema::invoice_events::dsl as ev;
use crate::storage::schema::invoice_lines::dsl as il;
use crate::storage::schema::invoice_runs::dsl as ir;
use crate::storage::schema::invoices::dsl as inv;
use crate::storage::schema::invoicing_settings::dsl as st;
use crate::storage::schema::payments::dsl as pay;
use crate::storage::schema::reference_rates::dsl as rr;
use crate::storage::schema::reminder_items::dsl as ri;
use crate::storage::schema::reminders::dsl as rm;
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

#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize,
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

/// Records that an invoice billed an agreement's period; false when one already did.
pub fn claim_period(
    conn: &mut DbConnection,
    agreement_id: &str,
    part: &str,
    period_start: NaiveDate,
    invoice_id: &str,
) -> Result<bool, Error> {
    let taken: i64 = bp::billed_periods
        .filter(bp::agreement_id.eq(agreement_id))
        .filter(bp::part.eq(part))
        .filter(bp::period_start.eq(period_start))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Ok(false);
    }
    diesel::insert_into(bp::billed_periods)
        .values((
            bp::agreement_id.eq(agreement_id),
            bp::part.eq(part),
            bp::period_start.eq(period_start),
            bp::invoice_id.eq(invoice_id),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The periods already billed for the given agreements: (agreement, part, start).
pub fn billed_periods(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(String, String, NaiveDate)>, Error> {
    Ok(bp::billed_periods
        .inner_join(inv::invoices)
        .filter(inv::organisation_id.eq(org))
        .select((bp::agreement_id, bp::part, bp::period_start))
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::invoice_runs)]
pub struct RunRow {
    pub id: String,
    pub organisation_id: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// Held by the process issuing the run until then.
    pub lease_until: Option<NaiveDateTime>,
    /// When the run last went through to its end.
    pub finished_at: Option<NaiveDateTime>,
}

impl RunRow {
    /// `running` while a process holds the lease, `finished` once it went through,
    /// `interrupted` otherwise (stopped by an error, or its process died).
    pub fn status(&self, at: NaiveDateTime) -> &'static str {
        match (self.lease_until, self.finished_at) {
            (Some(until), _) if until > at => "running",
            (_, Some(_)) => "finished",
            _ => "interrupted",
        }
    }
}

pub fn insert_run(conn: &mut DbConnection, row: &RunRow) -> Result<(), Error> {
    diesel::insert_into(ir::invoice_runs)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Takes a run's lease until `until`, in the caller's write transaction; a run whose lease
/// another request holds is under way (409). On PostgreSQL the row is claimed with
/// `FOR UPDATE SKIP LOCKED`: a process claiming the same run at this moment passes over it
/// instead of waiting and then taking it as well. SQLite's write lock orders the claims.
pub fn claim_run(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<RunRow, Error> {
    let found = run(conn, org, id)?;
    let free = ir::invoice_runs
        .filter(ir::organisation_id.eq(org))
        .filter(ir::id.eq(id))
        .filter(ir::lease_until.is_null().or(ir::lease_until.le(at)))
        .select(ir::id);
    let claimed: Vec<String> = match conn {
        DbConnection::Postgresql(c) => free.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => free.load(c)?,
    };
    if claimed.is_empty() {
        return Err(Error::State(StateConflict::RunUnderWay));
    }
    renew_run(conn, id, until)?;
    Ok(RunRow {
        lease_until: Some(until),
        ..found
    })
}

/// Keeps a run's lease until `until`: the run is still being issued.
pub fn renew_run(conn: &mut DbConnection, id: &str, until: NaiveDateTime) -> Result<(), Error> {
    diesel::update(ir::invoice_runs.filter(ir::id.eq(id)))
        .set(ir::lease_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

/// Gives a run's lease back; `finished` when it went through to its end.
pub fn end_run(conn: &mut DbConnection, id: &str, finished: bool) -> Result<(), Error> {
    let at = now();
    diesel::update(ir::invoice_runs.filter(ir::id.eq(id)))
        .set((
            ir::lease_until.eq(None::<NaiveDateTime>),
            ir::finished_at.eq(finished.then_some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// An organisation's invoice runs, newest first, each with how many invoices it issued:
/// what a person looks at to find a run to resume.
pub fn runs(conn: &mut DbConnection, org: &str) -> Result<Vec<(RunRow, i64)>, Error> {
    let runs: Vec<RunRow> = ir::invoice_runs
        .filter(ir::organisation_id.eq(org))
        .order((ir::created_at.desc(), ir::id.desc()))
        .select(RunRow::as_select())
        .load(conn)?;
    let issued: std::collections::HashMap<String, i64> = inv::invoices
        .filter(inv::organisation_id.eq(org))
        .filter(inv::issued_at.is_not_null())
        .filter(inv::run_id.is_not_null())
        .group_by(inv::run_id)
        .select((inv::run_id, diesel::dsl::count_star()))
        .load::<(Option<String>, i64)>(conn)?
        .into_iter()
        .filter_map(|(run, n)| Some((run?, n)))
        .collect();
    Ok(runs
        .into_iter()
        .map(|r| {
            let n = issued.get(&r.id).copied().unwrap_or(0);
            (r, n)
        })
        .collect())
}

pub fn run(conn: &mut DbConnection, org: &str, id: &str) -> Result<RunRow, Error> {
    ir::invoice_runs
        .filter(ir::organisation_id.eq(org))
        .filter(ir::id.eq(id))
        .select(RunRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("invoice run"))
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::invoice_events)]
pub struct EventRow {
    pub id: String,
    pub invoice_id: String,
    pub kind: String,
    pub note: Option<String>,
    pub occurred_on: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConnection, row: &EventRow) -> Result<(), Error> {
    diesel::insert_into(ev::invoice_events)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The events of an organisation's invoices.
/// The issued invoices among `ids` and the credit notes issued against them.
pub fn issued_with_credits(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<InvoiceRow>, Error> {
    Ok(inv::invoices
        .filter(inv::organisation_id.eq(org))
        .filter(inv::issued_at.is_not_null())
        .filter(inv::id.eq_any(ids).or(inv::credits_invoice_id.eq_any(ids)))
        .order((inv::issued_at.asc(), inv::id.asc()))
        .select(InvoiceRow::as_select())
        .load(conn)?)
}

/// The events of the invoices `ids`.
pub fn events_of(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<EventRow>, Error> {
    Ok(ev::invoice_events
        .inner_join(inv::invoices)
        .filter(inv::organisation_id.eq(org))
        .filter(ev::invoice_id.eq_any(ids))
        .order(ev::created_at.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}

pub fn events(conn: &mut DbConnection, org: &str) -> Result<Vec<EventRow>, Error> {
    Ok(ev::invoice_events
        .inner_join(inv::invoices)
        .filter(inv::organisation_id.eq(org))
        .order(ev::created_at.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
// Absent values are NULL, never DEFAULT: SQLite then takes many rows in one INSERT.
#[diesel(table_name = crate::storage::schema::payments, treat_none_as_default_value = false)]
pub struct PaymentRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_on: NaiveDate,
    pub payer: Option<String>,
    pub reference: Option<String>,
    pub source: String,
    pub reverses_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_payment(conn: &mut DbConnection, row: &PaymentRow) -> Result<(), Error> {
    diesel::insert_into(pay::payments)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Sets the member of a payment that had none (a match found by hand).
pub fn assign_payment_member(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    member: &str,
) -> Result<(), Error> {
    diesel::update(pay::payments)
        .filter(pay::organisation_id.eq(org))
        .filter(pay::id.eq(id))
        .filter(pay::member_id.is_null())
        .set(pay::member_id.eq(member))
        .execute(conn)?;
    Ok(())
}

pub fn payment(conn: &mut DbConnection, org: &str, id: &str) -> Result<PaymentRow, Error> {
    pay::payments
        .filter(pay::organisation_id.eq(org))
        .filter(pay::id.eq(id))
        .select(PaymentRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("payment"))
}

/// An organisation's payments, oldest first, optionally one member's.
pub fn payments(
    conn: &mut DbConnection,
    org: &str,
    member: Option<&str>,
) -> Result<Vec<PaymentRow>, Error> {
    let mut q = pay::payments
        .filter(pay::organisation_id.eq(org.to_owned()))
        .order((pay::paid_on.asc(), pay::id.asc()))
        .select(PaymentRow::as_select())
        .into_boxed();
    if let Some(m) = member {
        q = q.filter(pay::member_id.eq(m.to_owned()));
    }
    Ok(q.load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
// Absent values are NULL, never DEFAULT: SQLite then takes many rows in one INSERT.
#[diesel(table_name = crate::storage::schema::allocations, treat_none_as_default_value = false)]
pub struct AllocationRow {
    pub id: String,
    pub organisation_id: String,
    pub payment_id: String,
    pub invoice_id: Option<String>,
    pub amount_minor: i64,
    pub allocated_on: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_allocations(conn: &mut DbConnection, rows: &[AllocationRow]) -> Result<(), Error> {
    crate::storage::payments::insert_allocations(conn, rows)
}

/// An organisation's allocations, in the order they were made.
/// The allocations to the invoices `ids`.
pub fn allocations_to(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<AllocationRow>, Error> {
    Ok(al::allocations
        .filter(al::organisation_id.eq(org))
        .filter(al::invoice_id.eq_any(ids))
        .order((al::created_at.asc(), al::id.asc()))
        .select(AllocationRow::as_select())
        .load(conn)?)
}

pub fn allocations(conn: &mut DbConnection, org: &str) -> Result<Vec<AllocationRow>, Error> {
    Ok(al::allocations
        .filter(al::organisation_id.eq(org))
        .order((al::created_at.asc(), al::id.asc()))
        .select(AllocationRow::as_select())
        .load(conn)?)
}

/// What a key's first request stored, if the key was used before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: String,
    /// `None` while the first request is still running (it cannot be seen from another
    /// transaction: claiming the key waits for it).
    pub response: Option<(u16, String)>,
}

/// Claims an idempotency key for this request in the caller's transaction; returns what
/// an earlier request with the key stored, or `None` when this request is the first. On
/// PostgreSQL a concurrent first request holds the key's row until it commits, so the
/// insert waits and then finds it; on SQLite the write lock orders them.
pub fn claim_key(
    conn: &mut DbConnection,
    org: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<StoredResponse>, Error> {
    const CLAIM: &str = "INSERT INTO idempotency_keys \
         (organisation_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (organisation_id, key) DO NOTHING";
    let at = now();
    let inserted = on_backend!(conn, |c| diesel::sql_query(CLAIM)
        .bind::<Text, _>(org)
        .bind::<Text, _>(key)
        .bind::<Text, _>(request_hash)
        .bind::<diesel::sql_types::Timestamp, _>(at)
        .execute(c)?);
    if inserted == 1 {
        return Ok(None);
    }
    let row: Option<(String, Option<i32>, Option<String>)> = ik::idempotency_keys
        .filter(ik::organisation_id.eq(org))
        .filter(ik::key.eq(key))
        .select((ik::request_hash, ik::response_status, ik::response_body))
        .load(conn)?
        .pop();
    let (request_hash, status, body) =
        row.ok_or_else(|| Error::Internal(anyhow::anyhow!("idempotency key vanished")))?;
    Ok(Some(StoredResponse {
        request_hash,
        response: status.and_then(|s| u16::try_from(s).ok()).zip(body),
    }))
}

pub fn save_response(
    conn: &mut DbConnection,
    org: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), Error> {
    diesel::update(ik::idempotency_keys)
        .filter(ik::organisation_id.eq(org))
        .filter(ik::key.eq(key))
        .set((
            ik::response_status.eq(i32::from(status)),
            ik::response_body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::reminders)]
pub struct ReminderRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: String,
    pub reminder_date: NaiveDate,
    pub new_due_date: NaiveDate,
    pub charge_invoice_id: Option<String>,
    pub document_id: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::reminder_items)]
pub struct ReminderItemRow {
    pub reminder_id: String,
    pub invoice_id: String,
    pub outstanding_minor: i64,
    pub interest_minor: i64,
    pub compensation_minor: i64,
}

pub fn insert_reminder(
    conn: &mut DbConnection,
    row: &ReminderRow,
    items: &[ReminderItemRow],
) -> Result<(), Error> {
    diesel::insert_into(rm::reminders)
        .values(row)
        .execute(conn)?;
    on_backend!(conn, |c| diesel::insert_into(ri::reminder_items)
        .values(items)
        .execute(c)?);
    Ok(())
}

pub fn reminders(conn: &mut DbConnection, org: &str) -> Result<Vec<ReminderRow>, Error> {
    Ok(rm::reminders
        .filter(rm::organisation_id.eq(org))
        .order((rm::reminder_date.asc(), rm::id.asc()))
        .select(ReminderRow::as_select())
        .load(conn)?)
}

/// Every item an organisation's reminders listed.
pub fn reminder_items(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(ReminderRow, ReminderItemRow)>, Error> {
    Ok(ri::reminder_items
        .inner_join(rm::reminders)
        .filter(rm::organisation_id.eq(org))
        .select((ReminderRow::as_select(), ReminderItemRow::as_select()))
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
// Absent values are NULL, never DEFAULT: SQLite then takes many rows in one INSERT.
#[diesel(table_name = crate::storage::schema::audit_log, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub id: String,
    pub organisation_id: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub actor: String,
    pub occurred_at: NaiveDateTime,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

pub fn insert_audit(conn: &mut DbConnection, row: &AuditRow) -> Result<(), Error> {
    diesel::insert_into(au::audit_log)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An organisation's trail, oldest first, optionally for one entity kind or record.
pub fn audit(
    conn: &mut DbConnection,
    org: &str,
    entity: Option<&str>,
    entity_id: Option<&str>,
) -> Result<Vec<AuditRow>, Error> {
    let mut q = au::audit_log
        .filter(au::organisation_id.eq(org.to_owned()))
        .order((au::occurred_at.asc(), au::id.asc()))
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(e) = entity {
        q = q.filter(au::entity.eq(e.to_owned()));
    }
    if let Some(id) = entity_id {
        q = q.filter(au::entity_id.eq(id.to_owned()));
    }
    Ok(q.load(conn)?)
}

pub fn reminder(conn: &mut DbConnection, org: &str, id: &str) -> Result<ReminderRow, Error> {
    rm::reminders
        .filter(rm::organisation_id.eq(org))
        .filter(rm::id.eq(id))
        .select(ReminderRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("reminder"))
}

/// Holds one organisation's runs of one kind apart until the transaction ends, so that
/// two reminder runs never remind the same invoice twice. SQLite needs nothing: its write
/// transactions (`BEGIN IMMEDIATE`) already run one at a time.
pub fn lock_runs(conn: &mut DbConnection, org: &str, kind: &str) -> Result<(), Error> {
    if let DbConnection::Postgresql(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<Text, _>(format!("{kind}:{org}"))
            .execute(c)?;
    }
    Ok(())
}
