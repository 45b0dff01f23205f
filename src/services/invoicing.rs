//! Invoices and credit notes: drafts, issuing with gapless numbers and payment references,
//! credit notes, invoice runs over the organisation's agreements, and the book every
//! balance and status is derived from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::domain::agreement::AgreementStatus;
use crate::domain::contribution::{ContributionError, LineKind, StatementLine, VatTreatment};
use crate::domain::documents::{
    Buyer, Calculation, DocumentKind, EINVOICE_KIND, InvoiceDocument, PaymentReference,
};
use crate::domain::invoicing::{
    AccountingVat, AccountingVatError, Billable, Billed, BilledPart, BuyerFacts, Discount,
    ExchangeRate, Inkassosats, Invoice, InvoiceFacts, InvoiceGap, InvoiceLine, InvoiceNumber,
    InvoiceStatus, REMINDER_MINIMUM_MINOR, ReferenceRate, ReferenceScheme, RunWindow,
    STATUTORY_MARGIN, Schedule, accounting_vat, due_invoices, exchange_rate_on, instalments,
    invoice_gaps, invoice_reference, invoices_by_vat_scope, net_and_vat, reference_rate_on,
    totals_fit,
};
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::organisation::{Organisation, OrganisationDetails};
use crate::domain::{Country, Currency, Invalid, Language, MemberKind, VatStatus};
use crate::einvoice;
use crate::email::templates::MessageKind;
use crate::error::{Error, StateConflict};
use crate::pdf::page::Raster;
use crate::pdf::template::Template;
use crate::pdf::{Renderer, context, format};
use crate::services::agreements::{Contributions, LineSource, stored_terms};
use crate::services::audit::{self, Change, Entity};
use crate::services::documents::{
    LineNames, calculation, conversion_note, own_template_and_logo, seller,
};
use crate::storage::documents::{self as documents_store, NewDocument};
use crate::storage::invoicing::{
    self as store, AllocationRow, EventRow, InvoiceFilter, InvoiceRow, LineRow, RunRow, SettingsRow,
};
use crate::storage::payments::LOOKUP;
use crate::storage::{DbConnection, members, new_id, now, organisations};

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

fn change<'a>(
    org: &'a str,
    entity: Entity,
    id: &'a str,
    action: &'a str,
    actor: &'a str,
) -> Change<'a> {
    Change {
        org,
        entity,
        entity_id: id,
        action,
        actor,
    }
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

fn draft_row(
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
        credits_invoice_id: None,
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
        series: None,
        number: None,
        invoice_date: None,
        due_date: None,
        payment_reference: None,
        net_minor: net.to_minor(),
        vat_minor: vat.to_minor(),
        rounding_minor: 0,
        total_minor: net.to_minor() + vat.to_minor(),
        document_id: None,
        einvoice_document_id: None,
        issued_by: None,
        issued_at: None,
        created_by: actor.to_owned(),
        created_at: at,
        updated_at: at,
        accounting_currency: None,
        exchange_rate: None,
        exchange_rate_date: None,
        exchange_rate_source: None,
        accounting_vat_minor: None,
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

/// What every document of one issuing pass shares: the organisation, its settings, the
/// reference rates of every country its members may be in (late payment follows the
/// debtor's law), the exchange rates quoted in its currency, its templates and its logo
/// (decoded once).
pub struct Issuer<'r> {
    pub renderer: &'r Renderer,
    pub organisation: Organisation,
    pub settings: Settings,
    rates: HashMap<Country, Vec<ReferenceRate>>,
    exchange_rates: Vec<ExchangeRate>,
    templates: HashMap<(DocumentKind, Language), Option<Template>>,
    logo: Option<Option<Arc<Raster>>>,
}

impl<'r> Issuer<'r> {
    pub fn new(conn: &mut DbConnection, renderer: &'r Renderer, org: &str) -> Result<Self, Error> {
        let organisation = organisation(conn, org)?;
        let settings = settings(conn, &organisation)?;
        let rates = Country::ALL
            .iter()
            .map(|c| Ok((*c, reference_rates(conn, *c)?)))
            .collect::<Result<_, Error>>()?;
        let exchange_rates = crate::services::exchange_rates::quoted_in(
            conn,
            organisation.details.default_currency,
        )?;
        Ok(Issuer {
            renderer,
            organisation,
            settings,
            rates,
            exchange_rates,
            templates: HashMap::new(),
            logo: None,
        })
    }

    pub fn org(&self) -> &str {
        &self.organisation.id
    }

    /// The statutory late-payment rate in a debtor's country on a day, when its
    /// reference rate is known.
    pub fn late_interest_percent(&self, country: Country, on: NaiveDate) -> Option<Decimal> {
        reference_rate_on(self.rates(country), on).map(|r| r + STATUTORY_MARGIN)
    }

    /// The reference rates of a country: Sveriges Riksbank's for Sweden, Norges Bank's
    /// policy rate for Norway (each + 8 points is the statutory rate).
    pub fn rates(&self, country: Country) -> &[ReferenceRate] {
        self.rates.get(&country).map_or(&[], Vec::as_slice)
    }

    /// What a document states of its VAT in the organisation's own currency (see
    /// [`accounting_vat`]): converted at the latest rate on or before its date or, for a
    /// credit note, at the rate of the invoice it credits. A document that charges VAT in
    /// another currency without a rate is refused, naming `exchange_rate`.
    fn accounting_vat(
        &self,
        invoice: &Invoice,
        credited: Option<&InvoiceRow>,
    ) -> Result<Option<AccountingVat>, Error> {
        let own = self.organisation.details.default_currency;
        let stored = match credited {
            Some(c) => c.accounting_vat()?.map(|a| a.rate),
            None => None,
        };
        let (accounting, on, rate) = match (stored, credited) {
            (Some(rate), _) => (rate.quote, rate.date, Some(rate)),
            // An invoice issued before its rate was stored: the rate of its own date.
            (None, Some(c)) => {
                let on = c.invoice_date.unwrap_or(invoice.date);
                (own, on, self.exchange_rate(invoice.currency, on).cloned())
            }
            (None, None) => (
                own,
                invoice.date,
                self.exchange_rate(invoice.currency, invoice.date).cloned(),
            ),
        };
        accounting_vat(invoice.vat(), accounting, on, rate.as_ref()).map_err(exchange_error)
    }

    /// The rate of `currency` in the organisation's own currency on a day.
    fn exchange_rate(&self, currency: Currency, on: NaiveDate) -> Option<&ExchangeRate> {
        let own = self.organisation.details.default_currency;
        exchange_rate_on(&self.exchange_rates, own, currency, on)
    }

    /// Renders a document context with the organisation's template and logo, and stores
    /// the PDF with its SHA-256.
    pub fn store_pdf(
        &mut self,
        conn: &mut DbConnection,
        context: &context::Context,
        kind: DocumentKind,
        member_id: &str,
        agreement_id: Option<&str>,
        actor: &str,
    ) -> Result<String, Error> {
        self.load_template(conn, kind, context.language)?;
        let bytes = self.render(context, kind)?;
        self.store_rendered(conn, context, kind, &bytes, member_id, agreement_id, actor)
    }

    /// Loads the organisation's own template for a kind and language, and its logo, once
    /// per pass.
    fn load_template(
        &mut self,
        conn: &mut DbConnection,
        kind: DocumentKind,
        language: Language,
    ) -> Result<(), Error> {
        let key = (kind, language);
        if !self.templates.contains_key(&key) || self.logo.is_none() {
            let (template, logo) = own_template_and_logo(conn, self.org(), kind, language)?;
            self.templates.insert(key, template);
            self.logo.get_or_insert(logo);
        }
        Ok(())
    }

    /// Renders with what [`Self::load_template`] loaded. Needs no connection, so a run
    /// renders its invoices on every core.
    fn render(&self, context: &context::Context, kind: DocumentKind) -> Result<Vec<u8>, Error> {
        let template = self
            .templates
            .get(&(kind, context.language))
            .and_then(Option::as_ref);
        let logo = self.logo.clone().flatten();
        self.renderer
            .render(context, template, logo)
            .map_err(|e| Error::Internal(e.into()))
    }

    #[allow(clippy::too_many_arguments)]
    fn store_rendered(
        &self,
        conn: &mut DbConnection,
        context: &context::Context,
        kind: DocumentKind,
        bytes: &[u8],
        member_id: &str,
        agreement_id: Option<&str>,
        actor: &str,
    ) -> Result<String, Error> {
        let doc = documents_store::insert(
            conn,
            &NewDocument {
                organisation_id: &self.organisation.id,
                kind: kind.as_str(),
                language: context.language.as_str(),
                member_id,
                agreement_id,
                fee_year: None,
                title: &context.title,
                content: bytes,
                created_by: actor,
            },
        )?;
        Ok(doc.id)
    }

    /// Writes the e-invoice (Peppol BIS Billing 3.0 UBL) of an invoice or credit note and
    /// stores it like the PDF, with its SHA-256. Written for every member: a buyer's
    /// Peppol address may be registered after the invoice was issued.
    pub fn store_einvoice(
        &self,
        conn: &mut DbConnection,
        document: &InvoiceDocument,
        member: &Member,
        title: &str,
        agreement_id: Option<&str>,
        actor: &str,
    ) -> Result<String, Error> {
        let details = &self.organisation.details;
        let parties = einvoice::Parties {
            seller_org_number: details.org_number.clone(),
            seller_vat_number: match details.vat_status {
                VatStatus::Registered => details.vat_number.clone(),
                VatStatus::NotRegistered => None,
            },
            buyer_org_number: member.details.org_number.clone(),
            buyer_vat_number: member.details.vat_number.clone(),
            buyer_endpoint: member.details.peppol.clone(),
        };
        let bytes = einvoice::invoice_ubl(document, &parties);
        let doc = documents_store::insert(
            conn,
            &NewDocument {
                organisation_id: &self.organisation.id,
                kind: EINVOICE_KIND,
                language: document.invoice.language.as_str(),
                member_id: &member.id,
                agreement_id,
                fee_year: None,
                title,
                content: &bytes,
                created_by: actor,
            },
        )?;
        Ok(doc.id)
    }
}

/// Issues a draft in the caller's transaction: the next number of its series, the payment
/// reference derived from it, the dates, the frozen totals and the stored PDF. The draft
/// row is updated once; after that nothing changes it.
pub fn issue(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    id: &str,
    date: NaiveDate,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    issue_due(conn, issuer, id, date, None, actor)
}

/// [`issue`] with a due date of the caller's instead of the payment terms': a reminder's
/// charges fall due with the reminder.
pub fn issue_due(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    id: &str,
    date: NaiveDate,
    due: Option<NaiveDate>,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let numbered = number(conn, issuer, id, date, due)?;
    let pdf = issuer.render(&numbered.context, numbered.kind)?;
    finish(conn, issuer, numbered, &pdf, actor)
}

/// A draft that has its number, reference, dates and totals in the caller's transaction,
/// and waits for its PDF.
struct Numbered {
    draft: InvoiceRow,
    kind: DocumentKind,
    member: Member,
    document: InvoiceDocument,
    context: context::Context,
    series: String,
    reference: Option<String>,
}

/// The first half of issuing: claims the next number of the series and freezes what the
/// documents show. Loads the organisation's template, so rendering needs no connection.
fn number(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    id: &str,
    date: NaiveDate,
    due: Option<NaiveDate>,
) -> Result<Numbered, Error> {
    let org = issuer.organisation.id.clone();
    let draft = store::invoice(conn, &org, id)?;
    if draft.issued_at.is_some() {
        return Err(Error::State(StateConflict::AlreadyIssued));
    }
    let kind = DocumentKind::parse(&draft.kind)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored invoice kind {}", draft.kind)))?;
    let credited = match &draft.credits_invoice_id {
        Some(c) => Some(store::invoice(conn, &org, c)?),
        None => None,
    };
    let details = &issuer.organisation.details;
    let series = match kind {
        DocumentKind::CreditNote => issuer.settings.credit_note_prefix.clone(),
        _ => details.invoice_prefix.clone(),
    };
    let invoice = draft
        .invoice(&store::lines(conn, id)?, date)?
        .rounded(issuer.settings.round_to_whole);
    if kind == DocumentKind::Invoice && invoice.total().to_minor() < 0 {
        return Err(Error::field("lines", Invalid::CreditNoteRequired));
    }
    // Refused before a number is taken: numbers have no gaps. A credit note pays nothing.
    if kind != DocumentKind::CreditNote {
        details
            .accounts
            .require(invoice.currency, details.default_currency)
            .map_err(|e| Error::Validation(vec![e]))?;
    }
    let accounting_vat = issuer.accounting_vat(&invoice, credited.as_ref())?;
    let sequence = store::next_number(conn, &org, &series, date.year())?;
    let number = InvoiceNumber {
        prefix: series.clone(),
        year: date.year(),
        sequence,
    }
    .to_string();
    // A credit note quotes the reference of the invoice it credits; an invoice gets its own.
    let reference = match &credited {
        Some(c) => c.payment_reference.clone().unwrap_or_default(),
        None => reference_for(issuer.settings.reference_scheme, date.year(), sequence)?,
    };
    let language = invoice.language;
    let due_date = match (kind, due) {
        (DocumentKind::CreditNote, _) => date,
        (_, Some(due)) => due,
        _ => date + chrono::Duration::days(i64::from(details.payment_terms_days)),
    };
    let member = members::get(conn, &org, &draft.member_id)?;
    let document = InvoiceDocument {
        invoice,
        number,
        due_date,
        seller: seller(&issuer.organisation),
        buyer: Buyer::of(&member.details),
        reference: match issuer.settings.reference_scheme {
            ReferenceScheme::Ocr => PaymentReference::Ocr(reference.clone()),
            _ => PaymentReference::Kid(reference.clone()),
        },
        credits: credited.as_ref().map(|c| {
            (
                c.number.clone().unwrap_or_default(),
                c.invoice_date.unwrap_or(date),
            )
        }),
        late_interest_percent: issuer.late_interest_percent(member.details.country, date),
        accounting_vat,
    };
    let context = context::invoice(&document);
    issuer.load_template(conn, kind, language)?;
    Ok(Numbered {
        draft,
        kind,
        member,
        document,
        context,
        series,
        reference: Some(reference).filter(|r| !r.is_empty() && credited.is_none()),
    })
}

/// The second half of issuing, in the transaction that numbered the draft: stores the
/// PDF and the e-invoice and updates the draft row once; after that nothing changes it.
fn finish(
    conn: &mut DbConnection,
    issuer: &Issuer<'_>,
    numbered: Numbered,
    pdf: &[u8],
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let Numbered {
        draft,
        kind,
        member,
        document,
        context,
        series,
        reference,
    } = numbered;
    let agreement_id = draft.agreement_id.as_deref();
    let document_id = issuer.store_rendered(
        conn,
        &context,
        kind,
        pdf,
        &draft.member_id,
        agreement_id,
        actor,
    )?;
    let einvoice_id = issuer.store_einvoice(
        conn,
        &document,
        &member,
        &format!("{} (Peppol BIS Billing 3.0)", context.title),
        agreement_id,
        actor,
    )?;
    let invoice = &document.invoice;
    let date = invoice.date;
    let mut row = draft.clone();
    row.series = Some(series);
    row.number = Some(document.number);
    row.invoice_date = Some(date);
    row.due_date = Some(document.due_date);
    row.payment_reference = reference;
    row.net_minor = invoice.net().to_minor();
    row.vat_minor = invoice.vat().to_minor();
    row.rounding_minor = invoice.rounding.to_minor();
    row.total_minor = invoice.total().to_minor();
    row.document_id = Some(document_id);
    row.einvoice_document_id = Some(einvoice_id);
    row.set_accounting_vat(document.accounting_vat.as_ref());
    row.issued_by = Some(actor.to_owned());
    row.issued_at = Some(now());
    row.updated_at = now();
    store::issue(conn, &row)?;
    store::insert_event(
        conn,
        &EventRow {
            id: new_id(),
            invoice_id: row.id.clone(),
            kind: "issued".into(),
            note: None,
            occurred_on: date,
            created_by: actor.to_owned(),
            created_at: now(),
        },
    )?;
    audit::changed(
        conn,
        &change(issuer.org(), Entity::Invoice, &row.id, "issue", actor),
        &draft,
        &row,
    )?;
    crate::services::webhooks::invoice_issued(conn, &row)?;
    Ok(row)
}

/// What each invoice of a proposal would lack or get wrong (see [`invoice_gaps`]): the
/// invoice address, the reference public buyers require, an e-invoice receiver, someone to
/// email it to (the member's, looked up once), and VAT charged to a buyer abroad that no
/// line chose to charge there.
pub fn gaps(
    conn: &mut DbConnection,
    seller: &Organisation,
    member: &Member,
    invoices: &[Invoice],
) -> Result<Vec<Vec<InvoiceGap>>, Error> {
    let d = &member.details;
    let recipients =
        crate::services::mail::recipients(conn, &seller.id, member, MessageKind::Invoice)?;
    let facts = BuyerFacts {
        foreign_with_vat: false,
        public: matches!(
            d.kind,
            MemberKind::Municipality | MemberKind::Region | MemberKind::University
        ),
        billing_address: d.billing_address.is_some(),
        buyer_reference: d
            .buyer_reference
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty()),
        einvoice_address: d.peppol.is_some() || d.org_number.is_some(),
        invoice_recipient: !recipients.is_empty(),
    };
    let abroad = d.country != seller.details.country;
    Ok(invoices
        .iter()
        .map(|i| {
            invoice_gaps(BuyerFacts {
                // A rate charged abroad by choice (the supply is taxed where the seller
                // is) is no mistake to point out.
                foreign_with_vat: abroad
                    && i.lines
                        .iter()
                        .any(|l| matches!(l.vat, VatTreatment::Rate(_)) && !l.domestic_vat_abroad),
                ..facts
            })
        })
        .collect())
}

/// Why a document's VAT cannot be stated in the organisation's currency, as the API says
/// it: no rate is named by the field `exchange_rate`, where the table is to be completed.
fn exchange_error(e: AccountingVatError) -> Error {
    match e {
        AccountingVatError::NoRate {
            currency,
            quote,
            on,
        } => Error::field(
            "exchange_rate",
            Invalid::NoExchangeRate {
                currency: currency.as_str(),
                quote: quote.as_str(),
                on,
            },
        ),
        AccountingVatError::Overflow => Error::Contribution(ContributionError::Overflow),
    }
}

/// The payment reference of an invoice number (see [`invoice_reference`]).
fn reference_for(scheme: ReferenceScheme, year: i32, sequence: i64) -> Result<String, Error> {
    invoice_reference(scheme, year, sequence)
        .map(|r| r.as_str().to_owned())
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "no payment reference for {year}/{sequence}"
            ))
        })
}

/// Records that an invoice was sent (by post or mail) or written off: events its status is
/// derived from.
pub fn record_event(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    kind: &str,
    on: NaiveDate,
    note: Option<String>,
    actor: &str,
) -> Result<(), Error> {
    let row = store::invoice(conn, org, id)?;
    if row.issued_at.is_none() {
        return Err(Error::State(StateConflict::InvoiceNotIssued));
    }
    let event = EventRow {
        id: new_id(),
        invoice_id: id.to_owned(),
        kind: kind.to_owned(),
        note,
        occurred_on: on,
        created_by: actor.to_owned(),
        created_at: now(),
    };
    store::insert_event(conn, &event)?;
    if kind == "sent" {
        crate::services::webhooks::invoice_sent(conn, &row, on)?;
    }
    audit::created(conn, &change(org, Entity::Invoice, id, kind, actor), &event)
}

/// A credit note for all of an invoice, or for the given lines (positive amounts that are
/// credited). Issued at once in the credit-note series; the original's balance falls by it.
pub fn credit(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    invoice_id: &str,
    lines: Option<Vec<InvoiceLine>>,
    date: NaiveDate,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let org = issuer.organisation.id.clone();
    let original = store::invoice(conn, &org, invoice_id)?;
    if original.issued_at.is_none() {
        return Err(Error::State(StateConflict::InvoiceNotIssued));
    }
    if original.kind != DocumentKind::Invoice.as_str() {
        return Err(Error::field("invoice", Invalid::Mismatch { other: "kind" }));
    }
    let currency = original.currency()?;
    let book = Book::load_for(conn, &org, std::slice::from_ref(&original.id))?;
    let creditable = original.total_minor - book.credited(&original.id);
    let lines = match lines {
        Some(lines) => {
            one_vat_scope(&lines)?;
            lines
        }
        None => {
            // A full credit: the original's lines as they were, less what is already credited.
            if book.credited(&original.id) > 0 {
                return Err(Error::field(
                    "lines",
                    Invalid::Mismatch { other: "credited" },
                ));
            }
            store::lines(conn, invoice_id)?
                .iter()
                .map(|r| r.line(currency))
                .collect::<Result<Vec<_>, Error>>()?
        }
    };
    if lines.is_empty() {
        return Err(Error::field("lines", Invalid::Required));
    }
    let id = new_id();
    let credited: Vec<InvoiceLine> = lines.iter().map(InvoiceLine::credited).collect();
    let (net, vat) = net_and_vat(&credited, currency);
    let total = net.to_minor() + vat.to_minor();
    let rows = store::line_rows(&id, &credited);
    if -total > creditable || total >= 0 {
        return Err(Error::field(
            "lines",
            Invalid::OutOfRange {
                min: 0,
                max: creditable / 100,
            },
        ));
    }
    let at = now();
    let row = InvoiceRow {
        id: id.clone(),
        kind: DocumentKind::CreditNote.as_str().to_owned(),
        credits_invoice_id: Some(original.id.clone()),
        run_id: None,
        series: None,
        number: None,
        invoice_date: None,
        due_date: None,
        payment_reference: None,
        document_id: None,
        einvoice_document_id: None,
        issued_by: None,
        issued_at: None,
        created_by: actor.to_owned(),
        created_at: at,
        updated_at: at,
        accounting_currency: None,
        exchange_rate: None,
        exchange_rate_date: None,
        exchange_rate_source: None,
        accounting_vat_minor: None,
        ..original.clone()
    };
    store::insert_invoice(conn, &row, &rows)?;
    issue(conn, issuer, &id, date, actor)
}

/// Everything issued and paid in an organisation, from which each invoice's balance and
/// status are derived: nothing of it is ever typed in.
pub struct Book {
    pub invoices: Vec<InvoiceRow>,
    credited: HashMap<String, i64>,
    paid: HashMap<String, i64>,
    /// Allocation dates and amounts per invoice, for interest on what stayed unpaid.
    pub payments_of: HashMap<String, Vec<(NaiveDate, i64)>>,
    sent: HashSet<String>,
    written_off: HashSet<String>,
}

impl Book {
    pub fn load(conn: &mut DbConnection, org: &str) -> Result<Self, Error> {
        let invoices = store::invoices(
            conn,
            org,
            &InvoiceFilter {
                issued_only: true,
                ..InvoiceFilter::default()
            },
        )?;
        let allocations = store::allocations(conn, org)?;
        let events = store::events(conn, org)?;
        Ok(Book::of(invoices, allocations, events))
    }

    /// The part of the book that judges the invoices `ids`: themselves, their credit notes,
    /// allocations and events. A view of one invoice reads a few rows, however long the
    /// organisation's history.
    pub fn load_for(conn: &mut DbConnection, org: &str, ids: &[String]) -> Result<Self, Error> {
        if ids.len() <= LOOKUP {
            let invoices = store::issued_with_credits(conn, org, ids)?;
            let allocations = store::allocations_to(conn, org, ids)?;
            let events = store::events_of(conn, org, ids)?;
            return Ok(Book::of(invoices, allocations, events));
        }
        // Many ids (a bank file's invoices) are read in slices, then put in the order one
        // query would have given; a credit note found through two slices is kept once.
        let (mut invoices, mut allocations, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for slice in ids.chunks(LOOKUP) {
            invoices.extend(store::issued_with_credits(conn, org, slice)?);
            allocations.extend(store::allocations_to(conn, org, slice)?);
            events.extend(store::events_of(conn, org, slice)?);
        }
        invoices.sort_by(|a, b| (a.issued_at, &a.id).cmp(&(b.issued_at, &b.id)));
        invoices.dedup_by(|a, b| a.id == b.id);
        allocations.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        events.sort_by_key(|e| e.created_at);
        Ok(Book::of(invoices, allocations, events))
    }

    fn of(
        invoices: Vec<InvoiceRow>,
        allocations: Vec<AllocationRow>,
        events: Vec<EventRow>,
    ) -> Self {
        let mut credited: HashMap<String, i64> = HashMap::new();
        for i in &invoices {
            if let Some(c) = &i.credits_invoice_id {
                *credited.entry(c.clone()).or_default() -= i.total_minor;
            }
        }
        let mut paid: HashMap<String, i64> = HashMap::new();
        let mut payments_of: HashMap<String, Vec<(NaiveDate, i64)>> = HashMap::new();
        for a in allocations {
            if let Some(invoice) = a.invoice_id {
                *paid.entry(invoice.clone()).or_default() += a.amount_minor;
                payments_of
                    .entry(invoice)
                    .or_default()
                    .push((a.allocated_on, a.amount_minor));
            }
        }
        let mut sent = HashSet::new();
        let mut written_off = HashSet::new();
        for e in events {
            match e.kind.as_str() {
                "sent" => {
                    sent.insert(e.invoice_id);
                }
                "written_off" => {
                    written_off.insert(e.invoice_id);
                }
                _ => {}
            }
        }
        Book {
            invoices,
            credited,
            paid,
            payments_of,
            sent,
            written_off,
        }
    }

    pub fn credited(&self, id: &str) -> i64 {
        self.credited.get(id).copied().unwrap_or(0)
    }

    pub fn paid(&self, id: &str) -> i64 {
        self.paid.get(id).copied().unwrap_or(0)
    }

    pub fn facts(&self, row: &InvoiceRow) -> InvoiceFacts {
        let currency = Currency::parse(&row.currency).unwrap_or(Currency::Sek);
        let money = |m| Money::from_minor(m, currency);
        InvoiceFacts {
            issued: row.issued_at.is_some(),
            sent: self.sent.contains(&row.id),
            total: money(row.total_minor),
            credited: money(self.credited(&row.id)),
            paid: money(self.paid(&row.id)),
            written_off: self.written_off.contains(&row.id),
            due_date: row.due_date.unwrap_or(NaiveDate::MAX),
        }
    }

    /// An issued invoice's status on a day; credit notes are `issued` (they are settled by
    /// the invoice they credit).
    pub fn status(&self, row: &InvoiceRow, today: NaiveDate) -> InvoiceStatus {
        if row.kind == DocumentKind::CreditNote.as_str() {
            return InvoiceStatus::Issued;
        }
        self.facts(row).status(today)
    }

    pub fn outstanding(&self, row: &InvoiceRow) -> i64 {
        if row.kind == DocumentKind::CreditNote.as_str() {
            return 0;
        }
        row.total_minor - self.credited(&row.id) - self.paid(&row.id)
    }
}

/// An invoice run's period: every agreement period that starts in it is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Dates every invoice of the run; each agreement's invoice date rule when not given.
    pub invoice_date: Option<NaiveDate>,
}

/// One invoice the plan makes due for an agreement, as one invoice or two when lines
/// outside the scope of VAT fall due with taxed or exempt ones (see
/// [`invoices_by_vat_scope`]). Its invoices are issued together, and the first claims the
/// periods they bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub agreement_id: String,
    pub member_id: String,
    pub member_name: String,
    /// Never empty; all of one date, period, currency and language.
    pub invoices: Vec<Invoice>,
    /// The agreement periods it bills: (part, first day).
    pub claims: Vec<(String, NaiveDate)>,
    /// The year's fixed amount changed after earlier instalments were issued (a member
    /// joined the pool, new terms): this instalment bills a share of what is left.
    pub resplit: bool,
}

impl Proposal {
    /// The period its invoices bill.
    fn period(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.invoices
            .first()
            .map(|i| (i.period_start, i.period_end))
    }

    /// Numbers follow the invoice dates within a series, then the members' names.
    fn order(&self) -> (Option<NaiveDate>, &str, &str, Option<NaiveDate>) {
        let first = self.invoices.first();
        (
            first.map(|i| i.date),
            &self.member_name,
            &self.agreement_id,
            first.map(|i| i.period_start),
        )
    }
}

/// Refuses lines that would need two invoices (see [`invoices_by_vat_scope`]).
fn one_vat_scope(lines: &[InvoiceLine]) -> Result<(), Error> {
    if invoices_by_vat_scope(lines.iter().collect(), |l| l.outside_scope()).len() > 1 {
        return Err(Error::field("lines", Invalid::MixedVatScope));
    }
    Ok(())
}

/// An agreement the run could not bill, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub agreement_id: String,
    pub member_id: String,
    pub reason: String,
}

/// The statement component a line bills, by source, so that the ordered and the used
/// quantity of one service are billed apart.
fn component_key(line: &StatementLine, source: LineSource) -> String {
    match line.kind {
        LineKind::Fixed => format!("fixed:{}", line.component),
        _ => format!("{}:{}", source.as_str(), line.component),
    }
}

fn period_name(schedule: Schedule, start: NaiveDate, end: NaiveDate, lang: Language) -> String {
    match schedule {
        Schedule::Annual if start.month() == 1 && start.day() == 1 && end.month() == 12 => {
            start.year().to_string()
        }
        _ => format::period(start, Some(end), lang),
    }
}

/// What the run bills of one agreement, one proposal per invoice the plan makes due
/// ([`due_invoices`]): each instalment of the fixed part that starts in the run, and the
/// variable part — advance: ordered services and usage before the period, with the first
/// instalment; arrears: what was used in a period, billed by the run holding the day after
/// it ends. What each of them bills is the pure [`Billed`]'s to decide: an instalment's part
/// of the year's fixed amount (re-splitting what is left when the amount changed after
/// earlier instalments were issued), and the variable part as the difference between the
/// year's statement up to then and what earlier invoices and credit notes billed. This
/// function gathers (the plan, the statements, what was billed), asks, and words the lines.
#[allow(clippy::too_many_arguments)]
fn propose_agreement(
    conn: &mut DbConnection,
    org: &str,
    seller: &OrganisationDetails,
    exchange_rates: &[ExchangeRate],
    contributions: &mut Contributions,
    agreement: &crate::domain::agreement::Agreement,
    req: &RunRequest,
    billed: &HashSet<(String, String, NaiveDate)>,
) -> Result<Vec<Proposal>, Error> {
    let member = contributions
        .member(conn, org, &agreement.header.member_id)?
        .clone();
    let lang = member.details.language;
    let vat_for_buyer = |line: &StatementLine| {
        line.vat.clone().for_buyer(
            seller.country,
            member.details.country,
            line.domestic_vat_abroad,
        )
    };
    let window = RunWindow {
        from: req.from,
        to: req.to,
    };
    let mut proposals = Vec::new();
    for year in window.fee_years() {
        if !agreement.reaches_into(year) {
            continue;
        }
        let (plan, has_variable) = contributions.billing_of(conn, org, &agreement.id, year)?;
        let due: Vec<_> = due_invoices(
            &plan,
            year,
            agreement.header.start_date,
            agreement.header.end_date,
            &window,
            |part, start| billed.contains(&(agreement.id.clone(), part.as_str().to_owned(), start)),
        )
        .into_iter()
        // A usage period of a year without a variable part has nothing to bill.
        .filter(|d| d.instalment.is_some() || has_variable)
        .collect();
        if due.is_empty() {
            continue;
        }
        // The year's instalments already billed, by number: runs of later periods may have
        // come first, and the instalments left share what is left.
        let mut billed_instalments: Vec<u32> = instalments(
            &plan,
            year,
            agreement.header.start_date,
            agreement.header.end_date,
        )
        .into_iter()
        .filter(|i| {
            billed.contains(&(
                agreement.id.clone(),
                BilledPart::Fixed.as_str().to_owned(),
                i.start,
            ))
        })
        .map(|i| i.index)
        .collect();
        let whole_year = contributions.through(conn, org, &agreement.id, year, None)?;
        let terms = stored_terms(&whole_year.version)?;
        let prices = contributions.price_list(conn, org, year)?.to_vec();
        let names = LineNames::new(&terms, prices, |model| {
            contributions.model_name(conn, org, model)
        })?;
        let mut billed = Billed::from_lines(
            store::billed_lines(conn, &agreement.id, year)?
                .iter()
                .filter_map(|(line, kind)| {
                    let key = line.component.as_deref()?;
                    Some((
                        key,
                        kind == DocumentKind::CreditNote.as_str(),
                        line.amount_minor,
                    ))
                }),
        );
        let fixed: Vec<&StatementLine> = whole_year
            .statement
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Fixed)
            .collect();
        let fixed_billables: Vec<Billable> = fixed
            .iter()
            .map(|l| Billable {
                key: component_key(l, LineSource::Terms),
                amount: l.amount,
                per_unit: None,
            })
            .collect();
        for d in due {
            let mut lines: Vec<InvoiceLine> = Vec::new();
            let mut resplit = false;
            if let Some(inst) = d.instalment {
                let (charges, re) = billed.instalment(&inst, &fixed_billables, &billed_instalments);
                billed_instalments.push(inst.index);
                resplit = re;
                for c in charges {
                    let line = fixed[c.index];
                    let mut description = if inst.count > 1 {
                        format!(
                            "{}, {}",
                            names.describe(line, lang),
                            period_name(plan.schedule, inst.start, inst.end, lang)
                        )
                    } else {
                        format!("{} {}", names.describe(line, lang), year)
                    };
                    if let Some(note) = conversion_note(line, lang) {
                        description = format!("{description}, {note}");
                    }
                    lines.push(InvoiceLine {
                        description,
                        quantity: Decimal::ONE,
                        unit: String::new(),
                        unit_price: c.amount,
                        vat: vat_for_buyer(line),
                        component: Some(fixed_billables[c.index].key.clone()),
                        fee_year: Some(year),
                        amount: c.amount,
                        discount: None,
                        domestic_vat_abroad: line.domestic_vat_abroad,
                    });
                }
            }
            let mut bills_variable = false;
            let variable_before = billed.variable_total();
            if let Some(v) = d.variable {
                let through = v.through;
                let contribution =
                    contributions.through(conn, org, &agreement.id, year, Some(through))?;
                let variable: Vec<(&StatementLine, LineSource)> = contribution
                    .statement
                    .lines
                    .iter()
                    .zip(contribution.sources.iter().copied())
                    .filter(|(l, _)| l.kind != LineKind::Fixed)
                    .collect();
                let billables: Vec<Billable> = variable
                    .iter()
                    .map(|(line, source)| Billable {
                        key: component_key(line, *source),
                        amount: line.amount,
                        per_unit: match calculation(line, lang, names.unit(line, lang)) {
                            Calculation::PerUnit {
                                quantity,
                                price,
                                discount_percent: None,
                                ..
                            } => Some((quantity, price)),
                            _ => None,
                        },
                    })
                    .collect();
                for c in billed.variable(&billables) {
                    let (line, source) = variable[c.index];
                    let mut discount = None;
                    let (quantity, unit, price) =
                        match (c.per_unit, calculation(line, lang, names.unit(line, lang))) {
                            (Some((quantity, price)), _) => {
                                (quantity, names.unit(line, lang).to_owned(), price)
                            }
                            // The whole of a discounted component billed at once keeps its
                            // quantity and price; the discount is its own allowance.
                            (
                                None,
                                Calculation::PerUnit {
                                    quantity,
                                    price,
                                    discount_percent: Some(percent),
                                    ..
                                },
                            ) if c.amount == line.amount
                                && let Some(gross) = InvoiceLine::priced(
                                    String::new(),
                                    quantity,
                                    String::new(),
                                    price,
                                    VatTreatment::OutsideScope,
                                )
                                && gross.amount.to_minor() > c.amount.to_minor() =>
                            {
                                discount = Some(Discount {
                                    percent,
                                    amount: Money::from_minor(
                                        gross.amount.to_minor() - c.amount.to_minor(),
                                        c.amount.currency(),
                                    ),
                                });
                                (quantity, names.unit(line, lang).to_owned(), price)
                            }
                            _ => (Decimal::ONE, String::new(), c.amount),
                        };
                    let suffix = match source {
                        LineSource::Usage => format!(
                            ", {}",
                            format::period(
                                NaiveDate::from_ymd_opt(year, 1, 1)
                                    .unwrap_or(d.start)
                                    .max(d.start.min(through)),
                                Some(through),
                                lang
                            )
                        ),
                        _ => format!(" {year}"),
                    };
                    lines.push(InvoiceLine {
                        description: format!("{}{suffix}", names.describe(line, lang)),
                        quantity,
                        unit,
                        unit_price: price,
                        vat: vat_for_buyer(line),
                        component: Some(billables[c.index].key.clone()),
                        fee_year: Some(year),
                        amount: c.amount,
                        discount,
                        domestic_vat_abroad: line.domestic_vat_abroad,
                    });
                    bills_variable = true;
                }
            }
            if lines.is_empty() {
                continue;
            }
            let currency = agreement.header.currency;
            // An agreement in a currency the organisation has no account for is left out
            // of the run (and named in its answer), before anything is numbered.
            seller
                .accounts
                .require(currency, seller.default_currency)
                .map_err(|e| Error::Validation(vec![e]))?;
            let invoices = invoices_by_vat_scope(lines, InvoiceLine::outside_scope)
                .into_iter()
                .map(|lines| Invoice {
                    language: lang,
                    currency,
                    date: req.invoice_date.unwrap_or(d.invoice_date),
                    period_start: d.start,
                    period_end: d.end,
                    buyer_reference: member.details.buyer_reference.clone(),
                    our_reference: seller.our_reference(),
                    lines,
                    rounding: Money::zero(currency),
                })
                .collect::<Vec<_>>();
            if !invoices.iter().all(|i| totals_fit(&i.lines)) {
                // Large quantities times large prices: more than an invoice can hold.
                return Err(Error::Contribution(ContributionError::Overflow));
            }
            if invoices.iter().any(|i| i.total().to_minor() < 0) {
                // Less billed than before (usage corrected down): money back is a credit
                // note, which the run leaves to a person, naming the agreement.
                return Err(Error::field("lines", Invalid::CreditNoteRequired));
            }
            // VAT charged in another currency than the organisation's is stated in its own
            // too: without a rate for the invoice date the agreement is left out, named, as
            // issuing would refuse it.
            let own = seller.default_currency;
            for i in &invoices {
                let rate = exchange_rate_on(exchange_rates, own, currency, i.date);
                accounting_vat(i.vat(), own, i.date, rate).map_err(exchange_error)?;
            }
            proposals.push(Proposal {
                agreement_id: agreement.id.clone(),
                member_id: member.id.clone(),
                member_name: member.details.name.clone(),
                invoices,
                claims: d
                    .claims(bills_variable)
                    .into_iter()
                    .map(|(part, start)| (part.as_str().to_owned(), start))
                    // Variable charges are what the year comes to less what was billed:
                    // two runs computing them from the same billed state (at the same
                    // moment, over different periods) claim the same key, and only one
                    // issues them.
                    .chain(bills_variable.then(|| {
                        (
                            format!("variable-after:{variable_before}"),
                            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(d.start),
                        )
                    }))
                    .collect(),
                resplit,
            });
        }
    }
    Ok(proposals)
}

/// What a run would invoice, changing nothing: one proposal per agreement with something
/// due, and the agreements that could not be calculated. Everything it reads is of one
/// moment: an instalment's part follows from what is billed, and a run committing between
/// two reads would otherwise show its amounts in one and not its instalments in the other.
pub fn propose(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
) -> Result<(Vec<Proposal>, Vec<Skipped>), Error> {
    crate::storage::snapshot(conn, |c| propose_among(c, org, req, None))
}

/// [`propose`] for every agreement, or only for `only`.
fn propose_among(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
    only: Option<&str>,
) -> Result<(Vec<Proposal>, Vec<Skipped>), Error> {
    if req.to < req.from {
        return Err(Error::field("to", Invalid::Mismatch { other: "from" }));
    }
    let billed: HashSet<(String, String, NaiveDate)> =
        store::billed_periods(conn, org)?.into_iter().collect();
    let billable = [
        AgreementStatus::Accepted,
        AgreementStatus::Active,
        AgreementStatus::Terminated,
        AgreementStatus::Expired,
    ];
    let mut proposals = Vec::new();
    let mut skipped = Vec::new();
    let mut contributions = Contributions::default();
    let seller = organisation(conn, org)?.details;
    let exchange_rates = crate::services::exchange_rates::quoted_in(conn, seller.default_currency)?;
    for (agreement, _) in crate::storage::agreements::with_versions(conn, org, &billable)? {
        if only.is_some_and(|id| id != agreement.id) {
            continue;
        }
        match propose_agreement(
            conn,
            org,
            &seller,
            &exchange_rates,
            &mut contributions,
            &agreement,
            req,
            &billed,
        ) {
            Ok(due) => proposals.extend(due),
            Err(e @ (Error::Contribution(_) | Error::Validation(_))) => skipped.push(Skipped {
                agreement_id: agreement.id.clone(),
                member_id: agreement.header.member_id.clone(),
                reason: skip_reason(&e),
            }),
            Err(e) => return Err(e),
        }
    }
    proposals.sort_by(|a, b| a.order().cmp(&b.order()));
    Ok((proposals, skipped))
}

/// Why an agreement is left out of a run, in Swedish: the fields at fault by name (such as
/// `accounts.NOK`), so that whoever runs it knows what to complete.
fn skip_reason(e: &Error) -> String {
    match e {
        Error::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.invalid.message(Language::Sv)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.detail(Language::Sv),
    }
}

/// The outcome of issuing a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub run: RunRow,
    pub issued: Vec<InvoiceRow>,
    /// Proposals another run issued first (their periods were claimed meanwhile).
    pub already_billed: Vec<String>,
    pub skipped: Vec<Skipped>,
}

/// How many invoices of a run share one transaction: enough to keep every core rendering,
/// few enough that the write lock is held for tens of milliseconds only.
const RUN_BATCH: usize = 32;

/// How long a run's lease lasts unless renewed. Every batch renews it, so it runs out
/// only when its process died or hangs; the run can then be resumed elsewhere.
const RUN_LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Issues a run. Its invoices are issued in batches, each batch in one transaction: every
/// invoice in a savepoint that claims the periods it bills and takes its number (in the
/// run's order, so the numbers follow the members' names), then the batch's PDFs are
/// rendered on every core and stored with the rest. An interrupted run has issued whole
/// batches only; running it again (or the same period in a new run) issues the rest and
/// never bills a period twice.
///
/// The process issuing a run holds its lease (see [`store::claim_run`]), so that a resume
/// sent to any process while it works is refused, and gives it back when the run ends.
pub fn issue_run(
    conn: &mut DbConnection,
    renderer: &Renderer,
    org: &str,
    req: &RunRequest,
    resume: Option<&str>,
    actor: &str,
) -> Result<RunOutcome, Error> {
    if resume.is_none() && req.to < req.from {
        // Checked before the run is recorded: a run that cannot start leaves no trace.
        return Err(Error::field("to", Invalid::Mismatch { other: "from" }));
    }
    let at = now();
    let run = match resume {
        Some(id) => {
            crate::storage::write(conn, |c| store::claim_run(c, org, id, at, at + RUN_LEASE))?
        }
        None => {
            let run = RunRow {
                id: new_id(),
                organisation_id: org.to_owned(),
                period_start: req.from,
                period_end: req.to,
                created_by: actor.to_owned(),
                created_at: at,
                lease_until: Some(at + RUN_LEASE),
                finished_at: None,
            };
            crate::storage::write(conn, |c| store::insert_run(c, &run))?;
            run
        }
    };
    let req = RunRequest {
        from: run.period_start,
        to: run.period_end,
        invoice_date: req.invoice_date,
    };
    let id = run.id.clone();
    let outcome = issue_batches(conn, renderer, org, &req, run, actor);
    // Given back whatever happened, so that an interrupted run can be resumed at once.
    if let Err(e) = crate::storage::write(conn, |c| store::end_run(c, &id, outcome.is_ok())) {
        tracing::warn!(run = %id, error = %e, "the run's lease was not given back");
    }
    outcome
}

/// The body of [`issue_run`] once the run is recorded: any failure names the run, whose
/// finished batches stand.
fn issue_batches(
    conn: &mut DbConnection,
    renderer: &Renderer,
    org: &str,
    req: &RunRequest,
    run: RunRow,
    actor: &str,
) -> Result<RunOutcome, Error> {
    let interrupted = |cause: Error| Error::RunInterrupted {
        run: run.id.clone(),
        cause: Box::new(cause),
    };
    let (proposals, skipped) = propose(conn, org, req).map_err(interrupted)?;
    let mut issuer = Issuer::new(conn, renderer, org).map_err(interrupted)?;
    let mut issued = Vec::new();
    let mut already_billed = Vec::new();
    for batch in proposals.chunks(RUN_BATCH) {
        let rows = crate::storage::write(conn, |c| {
            // One batch of an organisation's runs at a time, in whatever process: a batch
            // claims periods and then waits for the number series, and two batches that
            // did so in opposite orders would deadlock. The numbers take turns anyway.
            store::lock_runs(c, org, "invoices")?;
            store::renew_run(c, &run.id, now() + RUN_LEASE)?;
            let mut numbered = Vec::with_capacity(batch.len());
            for p in batch {
                match number_in_savepoint(c, &mut issuer, &run.id, p, actor) {
                    Ok(n) => numbered.extend(n),
                    // Another run billed some of it after it was proposed: what is left of
                    // the same period, from what is billed now (which the lock holds still).
                    Err(Error::Conflict { .. }) => match propose_again(c, org, req, p)? {
                        Some(rest) => {
                            match number_in_savepoint(c, &mut issuer, &run.id, &rest, actor) {
                                Ok(n) => numbered.extend(n),
                                Err(Error::Conflict { .. }) => {
                                    already_billed.push(p.agreement_id.clone());
                                }
                                Err(e) => return Err(e),
                            }
                        }
                        None => already_billed.push(p.agreement_id.clone()),
                    },
                    Err(e) => return Err(e),
                }
            }
            let pdfs = numbered
                .par_iter()
                .map(|n| issuer.render(&n.context, n.kind))
                .collect::<Result<Vec<Vec<u8>>, Error>>()?;
            numbered
                .into_iter()
                .zip(pdfs)
                .map(|(n, pdf)| finish(c, &issuer, n, &pdf, actor))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(interrupted)?;
        issued.extend(rows);
    }
    Ok(RunOutcome {
        run,
        issued,
        already_billed,
        skipped,
    })
}

/// [`number_proposal`] in a savepoint, so that a conflict takes back its drafts alone.
fn number_in_savepoint(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    run: &str,
    p: &Proposal,
    actor: &str,
) -> Result<Vec<Numbered>, Error> {
    diesel::Connection::transaction(conn, |c| number_proposal(c, issuer, run, p, actor))
}

/// The proposal for `p`'s agreement and period made again from what is billed now; `None`
/// when nothing of it is left to bill.
fn propose_again(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
    p: &Proposal,
) -> Result<Option<Proposal>, Error> {
    let (fresh, _) = propose_among(conn, org, req, Some(&p.agreement_id))?;
    Ok(fresh.into_iter().find(|f| f.period() == p.period()))
}

/// A run's proposal as drafts, the first of which claims the periods they bill, each with
/// its number. A period another run claimed meanwhile is a conflict.
fn number_proposal(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    run: &str,
    p: &Proposal,
    actor: &str,
) -> Result<Vec<Numbered>, Error> {
    let org = issuer.organisation.id.clone();
    let mut ids = Vec::with_capacity(p.invoices.len());
    for invoice in &p.invoices {
        let id = new_id();
        let input = DraftInput {
            member_id: p.member_id.clone(),
            agreement_id: Some(p.agreement_id.clone()),
            language: Some(invoice.language),
            period_start: invoice.period_start,
            period_end: invoice.period_end,
            buyer_reference: invoice.buyer_reference.clone(),
            our_reference: invoice.our_reference.clone(),
            lines: invoice.lines.clone(),
        };
        let row = draft_row(conn, &org, &id, &input, actor, Some(run))?;
        store::insert_invoice(conn, &row, &store::line_rows(&id, &invoice.lines))?;
        ids.push((id, invoice.date));
    }
    let (first, _) = ids
        .first()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("a proposal without invoices")))?;
    for (part, start) in &p.claims {
        if !store::claim_period(conn, &p.agreement_id, part, *start, first)? {
            return Err(Error::Conflict { field: None });
        }
    }
    ids.iter()
        .map(|(id, date)| number(conn, issuer, id, *date, None))
        .collect()
}

/// The invoices of a member and their lines, keyed by id, for views.
pub fn lines_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<BTreeMap<String, Vec<LineRow>>, Error> {
    ids.iter()
        .map(|id| Ok((id.clone(), store::lines(conn, id)?)))
        .collect()
}
