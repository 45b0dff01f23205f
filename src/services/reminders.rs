//! Reminder runs: for each member with invoices overdue by the organisation's number of
//! days, a påminnelse (purring) listing them with a new date to pay by, and the interest,
//! fee and compensation it charges on an invoice of their own. The original invoices never
//! change.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::agreement::version_on;
use crate::domain::contribution::VatTreatment;
use crate::domain::documents::{
    Buyer, DocumentKind, OverdueItem, PaymentReference, ReminderDocument,
};
use crate::domain::invoicing::{
    CollectionRules, FEE_COMPONENT, Inkassosats, InterestError, InvoiceLine, InvoiceStatus,
    OverdueInvoice, ReferenceRate, ReferenceScheme, ReminderRules, STATUTORY_MARGIN,
    reminder_charge,
};
use crate::domain::member::Member;
use crate::domain::money::{Money, parse_amount};
use crate::domain::{Currency, Invalid, Language, MemberKind};
use crate::error::Error;
use crate::pdf::{context, format};
use crate::services::agreements::stored_terms;
use crate::services::audit::{self, Change, Entity};
use crate::services::documents::seller;
use crate::services::invoicing::{self, Book, DraftInput, Issuer};
pub use crate::storage::invoicing::ReminderItemRow;
use crate::storage::invoicing::{self as store, InvoiceRow, ReminderRow};
use crate::storage::{DbConnection, members, new_id, now};

/// How a reminder run charges; the organisation's settings say which invoices it reminds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRequest {
    pub date: NaiveDate,
    /// Dröjsmålsränta on what is overdue (räntelagen 6 §).
    pub charge_interest: bool,
    /// Förseningsersättning, 450 kr once per invoice, for debtors that are businesses or
    /// public authorities (Swedish kronor only).
    pub charge_compensation: bool,
}

/// One invoice a reminder lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub invoice: InvoiceRow,
    pub outstanding: Money,
    pub days_late: i64,
    /// The interest this reminder charges on it (what accrued since earlier reminders).
    pub interest: Money,
    pub compensation: Money,
}

/// A reminder a run would send (dry run) or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub member_id: String,
    pub member_name: String,
    pub language: Language,
    pub currency: Currency,
    pub date: NaiveDate,
    pub new_due_date: NaiveDate,
    pub items: Vec<Item>,
    /// Påminnelseavgift (purregebyr), when an agreement of the listed invoices allows one.
    pub fee: Money,
    /// Reference rate + 8 points on the reminder's date, when the rate is known.
    pub interest_percent: Option<Decimal>,
    /// The rules of the debtor's country, which the reminder follows and cites.
    pub rules: CollectionRules,
}

impl Proposal {
    fn sum(&self, f: impl Fn(&Item) -> Money) -> Money {
        let minor = self.items.iter().map(|i| f(i).to_minor()).sum();
        Money::from_minor(minor, self.currency)
    }

    pub fn outstanding(&self) -> Money {
        self.sum(|i| i.outstanding)
    }

    pub fn interest(&self) -> Money {
        self.sum(|i| i.interest)
    }

    pub fn compensation(&self) -> Money {
        self.sum(|i| i.compensation)
    }

    /// What the reminder charges on top of what was overdue.
    pub fn charges(&self) -> Money {
        Money::from_minor(
            self.interest().to_minor() + self.fee.to_minor() + self.compensation().to_minor(),
            self.currency,
        )
    }

    pub fn total(&self) -> Money {
        Money::from_minor(
            self.outstanding().to_minor() + self.charges().to_minor(),
            self.currency,
        )
    }
}

/// A reminder as stored, with what it listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub row: ReminderRow,
    pub items: Vec<ReminderItemRow>,
}

/// What a stored reminder asks the member to pay, in minor units of its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub currency: String,
    /// The påminnelseavgift on the reminder's charge invoice.
    pub fee_minor: i64,
    /// The overdue amounts, the interest and compensation charged, and the fee.
    pub total_minor: i64,
    /// The charge invoice's OCR number or KID, which pays the whole reminder.
    pub reference: Option<String>,
}

impl Reminder {
    /// What the reminder asks for: its currency is its charge invoice's, or else its first
    /// listed invoice's.
    pub fn asked(&self, conn: &mut DbConnection, org: &str) -> Result<Asked, Error> {
        let mut currency = None;
        let mut fee_minor = 0;
        let mut reference = None;
        if let Some(charge) = &self.row.charge_invoice_id {
            let invoice = store::invoice(conn, org, charge)?;
            reference = invoice.payment_reference.clone();
            currency = Some(invoice.currency);
            fee_minor = store::lines(conn, charge)?
                .iter()
                .filter(|l| l.component.as_deref() == Some(FEE_COMPONENT))
                .map(|l| l.amount_minor)
                .sum();
        }
        if currency.is_none()
            && let Some(first) = self.items.first()
        {
            currency = Some(store::invoice(conn, org, &first.invoice_id)?.currency);
        }
        let total_minor = fee_minor
            + self
                .items
                .iter()
                .map(|i| i.outstanding_minor + i.interest_minor + i.compensation_minor)
                .sum::<i64>();
        Ok(Asked {
            currency: currency.unwrap_or_else(|| "SEK".to_owned()),
            fee_minor,
            total_minor,
            reference,
        })
    }
}

/// The reminders of an organisation, oldest first, optionally of one member.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    member: Option<&str>,
) -> Result<Vec<Reminder>, Error> {
    let mut items: HashMap<String, Vec<ReminderItemRow>> = HashMap::new();
    for (_, item) in store::reminder_items(conn, org)? {
        items
            .entry(item.reminder_id.clone())
            .or_default()
            .push(item);
    }
    Ok(store::reminders(conn, org)?
        .into_iter()
        .filter(|r| member.is_none_or(|m| r.member_id == m))
        .map(|row| Reminder {
            items: items.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn read(conn: &mut DbConnection, org: &str, id: &str) -> Result<Reminder, Error> {
    let row = store::reminder(conn, org, id)?;
    let items = store::reminder_items(conn, org)?
        .into_iter()
        .filter(|(r, _)| r.id == row.id)
        .map(|(_, item)| item)
        .collect();
    Ok(Reminder { row, items })
}

/// What earlier reminders did to each invoice.
#[derive(Default)]
struct Earlier {
    interest: HashMap<String, i64>,
    compensated: HashSet<String>,
    /// The latest new due date each invoice was given.
    due_again: HashMap<String, NaiveDate>,
    /// Invoices that carry a reminder's charges: they bear no interest themselves.
    charges: HashSet<String>,
}

impl Earlier {
    fn load(conn: &mut DbConnection, org: &str) -> Result<Self, Error> {
        let mut earlier = Earlier::default();
        for (reminder, item) in store::reminder_items(conn, org)? {
            *earlier.interest.entry(item.invoice_id.clone()).or_default() += item.interest_minor;
            if item.compensation_minor > 0 {
                earlier.compensated.insert(item.invoice_id.clone());
            }
            let due = earlier
                .due_again
                .entry(item.invoice_id)
                .or_insert(reminder.new_due_date);
            *due = (*due).max(reminder.new_due_date);
        }
        earlier.charges = store::reminders(conn, org)?
            .into_iter()
            .filter_map(|r| r.charge_invoice_id)
            .collect();
        Ok(earlier)
    }
}

/// The påminnelseavgift an agreement's terms allow on `on`, if any.
fn agreed_fee(
    conn: &mut DbConnection,
    org: &str,
    agreement_id: &str,
    on: NaiveDate,
    currency: Currency,
) -> Result<Option<Money>, Error> {
    let versions = crate::storage::agreements::versions(conn, org, agreement_id)?;
    let Some(version) = version_on(&versions, on).or(versions.first()) else {
        return Ok(None);
    };
    let terms = stored_terms(version)?;
    let Some(raw) = terms.billing.and_then(|b| b.reminder_fee) else {
        return Ok(None);
    };
    parse_amount(&raw, currency)
        .map(Some)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored reminder fee {raw}")))
}

fn interest_error(e: InterestError) -> Error {
    match e {
        // The rate table lacks a half-year the interest runs over: an administrator must
        // enter it (PUT /reference-rates/{country}/{from}) before interest can be charged.
        InterestError::NoReferenceRate { .. } => Error::field(
            "charge_interest",
            Invalid::Mismatch {
                other: "reference_rates",
            },
        ),
        other => Error::Internal(anyhow::anyhow!("interest: {other}")),
    }
}

/// Which reminders a run on `req.date` would send, changing nothing. An invoice is
/// reminded when it is overdue by at least the organisation's number of days and any new
/// date an earlier reminder gave has passed.
pub fn propose(
    conn: &mut DbConnection,
    issuer: &Issuer<'_>,
    req: &RunRequest,
) -> Result<Vec<Proposal>, Error> {
    let org = issuer.org().to_owned();
    let book = Book::load(conn, &org)?;
    let earlier = Earlier::load(conn, &org)?;
    let inkassosats = invoicing::inkassosats(conn)?;
    let mut proposals = Vec::new();
    for ((member_id, currency), rows) in overdue_by_member(&book, &earlier, req.date) {
        let member = members::get(conn, &org, &member_id)?;
        let currency = Currency::parse(&currency)
            .map_err(|_| Error::Internal(anyhow::anyhow!("stored currency {currency}")))?;
        let case = Case::new(issuer, req, &member, currency, &inkassosats);
        let rows = case.remindable(&book, rows);
        if rows.is_empty() {
            continue;
        }
        let fees = agreed_fees(conn, &org, &rows, req.date, currency)?;
        proposals.push(case.propose(&book, &earlier, rows, &fees)?);
    }
    proposals.sort_by(|a, b| (&a.member_name, &a.member_id).cmp(&(&b.member_name, &b.member_id)));
    Ok(proposals)
}

/// The organisation's overdue invoices that no earlier reminder is still waiting on, by
/// member and currency.
fn overdue_by_member<'b>(
    book: &'b Book,
    earlier: &Earlier,
    date: NaiveDate,
) -> BTreeMap<(String, String), Vec<&'b InvoiceRow>> {
    let mut by_member: BTreeMap<(String, String), Vec<&InvoiceRow>> = BTreeMap::new();
    for row in &book.invoices {
        let waiting = earlier
            .due_again
            .get(&row.id)
            .is_some_and(|again| *again >= date);
        if row.kind == DocumentKind::Invoice.as_str()
            && book.status(row, date) == InvoiceStatus::Overdue
            && !waiting
        {
            by_member
                .entry((row.member_id.clone(), row.currency.clone()))
                .or_default()
                .push(row);
        }
    }
    by_member
}

/// The reminder fee each invoice's agreement allows, by invoice.
fn agreed_fees(
    conn: &mut DbConnection,
    org: &str,
    rows: &[&InvoiceRow],
    date: NaiveDate,
    currency: Currency,
) -> Result<HashMap<String, Money>, Error> {
    let mut fees = HashMap::new();
    for row in rows {
        let due = row.due_date.unwrap_or(date);
        if let Some(agreement) = &row.agreement_id
            && let Some(fee) = agreed_fee(conn, org, agreement, due, currency)?
        {
            fees.insert(row.id.clone(), fee);
        }
    }
    Ok(fees)
}

/// One member's reminder in one currency: the rules of its country, and the organisation's
/// days, never fewer than the law's.
struct Case<'a> {
    req: &'a RunRequest,
    member: &'a Member,
    currency: Currency,
    rules: CollectionRules,
    rates: &'a [ReferenceRate],
    interest_percent: Option<Decimal>,
    after_days: i64,
    pay_days: i64,
    minimum: i64,
}

impl<'a> Case<'a> {
    fn new(
        issuer: &'a Issuer<'_>,
        req: &'a RunRequest,
        member: &'a Member,
        currency: Currency,
        inkassosats: &[Inkassosats],
    ) -> Self {
        let settings = &issuer.settings;
        let country = member.details.country;
        let rules = CollectionRules::of(
            country,
            currency,
            member.details.kind != MemberKind::Other,
            req.date,
            inkassosats,
        );
        // The organisation may wait longer and give more time than the law asks, never less.
        let after_days = i64::from(settings.reminder_after_days).max(rules.earliest_after_days);
        let pay_days = i64::from(settings.reminder_pay_days).max(rules.least_pay_days);
        Self {
            req,
            member,
            currency,
            rates: issuer.rates(country),
            interest_percent: issuer.late_interest_percent(country, req.date),
            rules,
            after_days,
            pay_days,
            minimum: settings.reminder_minimum,
        }
    }

    fn days_late(&self, row: &InvoiceRow) -> i64 {
        (self.req.date - row.due_date.unwrap_or(self.req.date)).num_days()
    }

    /// The invoices late enough and large enough to remind.
    fn remindable<'b>(&self, book: &Book, rows: Vec<&'b InvoiceRow>) -> Vec<&'b InvoiceRow> {
        rows.into_iter()
            .filter(|row| {
                self.days_late(row) >= self.after_days && book.outstanding(row) >= self.minimum
            })
            .collect()
    }

    /// The reminder: each invoice with its interest and compensation, and one fee.
    fn propose(
        self,
        book: &Book,
        earlier: &Earlier,
        rows: Vec<&InvoiceRow>,
        fees: &HashMap<String, Money>,
    ) -> Result<Proposal, Error> {
        let req = self.req;
        let compensation = self.rules.compensation.filter(|_| req.charge_compensation);
        let interest_rules = ReminderRules {
            date: req.date,
            rates: self.rates,
            charge_interest: req.charge_interest,
            compensation,
        };
        let mut items = Vec::with_capacity(rows.len());
        let mut agreed: Option<Money> = None;
        let mut every_invoice_compensated = true;
        for row in rows {
            let overdue = self.overdue(book, earlier, row, compensation.is_some());
            let charge = reminder_charge(&overdue, &interest_rules).map_err(interest_error)?;
            // A reminder's own charges are not a claim of their own: a fee for them would
            // be a fee on the compensated invoices.
            if !overdue.compensation_charged
                && charge.compensation.is_zero()
                && !earlier.charges.contains(&row.id)
            {
                every_invoice_compensated = false;
            }
            if let Some(fee) = fees.get(&row.id)
                && agreed.is_none_or(|a| fee.to_minor() > a.to_minor())
            {
                // One fee per reminder, however many invoices it lists.
                agreed = Some(*fee);
            }
            items.push(Item {
                outstanding: Money::from_minor(book.outstanding(row), self.currency),
                days_late: self.days_late(row),
                interest: charge.interest,
                compensation: charge.compensation,
                invoice: row.clone(),
            });
        }
        items.sort_by(|a, b| {
            (a.invoice.due_date, &a.invoice.number).cmp(&(b.invoice.due_date, &b.invoice.number))
        });
        Ok(Proposal {
            member_name: self.member.details.name.clone(),
            language: self.member.details.language,
            member_id: self.member.id.clone(),
            currency: self.currency,
            date: req.date,
            new_due_date: req.date + chrono::Duration::days(self.pay_days),
            items,
            fee: self
                .rules
                .fee(agreed, every_invoice_compensated)
                .unwrap_or(Money::zero(self.currency)),
            interest_percent: self.interest_percent,
            rules: self.rules,
        })
    }

    /// An invoice as the interest calculation sees it.
    fn overdue(
        &self,
        book: &Book,
        earlier: &Earlier,
        row: &InvoiceRow,
        compensates: bool,
    ) -> OverdueInvoice {
        let money = |minor| Money::from_minor(minor, self.currency);
        OverdueInvoice {
            principal: money(row.total_minor - book.credited(&row.id)),
            due_date: row.due_date.unwrap_or(self.req.date),
            payments: book
                .payments_of
                .get(&row.id)
                .map(|p| p.iter().map(|(d, m)| (*d, money(*m))).collect())
                .unwrap_or_default(),
            interest_charged: money(earlier.interest.get(&row.id).copied().unwrap_or(0)),
            compensation_charged: earlier.compensated.contains(&row.id),
            // Without interest or compensation to charge, no rate is needed.
            bears_interest: !earlier.charges.contains(&row.id)
                && (self.req.charge_interest || compensates),
        }
    }
}

/// The words of a reminder's charge lines.
fn charge_words(lang: Language) -> (&'static str, &'static str, &'static str, &'static str) {
    match lang {
        Language::Sv => (
            "Dröjsmålsränta, faktura",
            "t.o.m.",
            "Påminnelseavgift",
            "Förseningsersättning, faktura",
        ),
        Language::Nb => (
            "Forsinkelsesrente, faktura",
            "t.o.m.",
            "Purregebyr",
            "Forsinkelseserstatning, faktura",
        ),
        Language::En => (
            "Late-payment interest, invoice",
            "until",
            "Reminder fee",
            "Late-payment compensation, invoice",
        ),
    }
}

fn charge_line(description: String, amount: Money, component: String) -> InvoiceLine {
    InvoiceLine {
        description,
        quantity: Decimal::ONE,
        unit: String::new(),
        unit_price: amount,
        // Interest, reminder fees and compensation are damages, not supplies: no VAT.
        vat: VatTreatment::OutsideScope,
        component: Some(component),
        fee_year: None,
        discount: None,
        amount,
        domestic_vat_abroad: false,
    }
}

/// Sends a run's reminders in the caller's transaction: for each proposal, its charges as
/// an issued invoice falling due with the reminder, the reminder's PDF, and the reminder
/// with its items. On PostgreSQL the organisation's reminder runs are held apart, so two
/// at once never remind an invoice twice.
pub fn issue_run(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    req: &RunRequest,
    actor: &str,
) -> Result<Vec<(Reminder, Proposal)>, Error> {
    store::lock_runs(conn, issuer.org(), "reminders")?;
    let proposals = propose(conn, issuer, req)?;
    let mut out = Vec::with_capacity(proposals.len());
    for p in proposals {
        let reminder = issue_one(conn, issuer, req, &p, actor)?;
        out.push((reminder, p));
    }
    Ok(out)
}

/// One reminder: its charges invoiced, its PDF stored, the reminder and its items written.
fn issue_one(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    req: &RunRequest,
    p: &Proposal,
    actor: &str,
) -> Result<Reminder, Error> {
    let org = issuer.org().to_owned();
    let charge_invoice = issue_charges(conn, issuer, req, p, actor)?;
    // Paid with the charges' reference, a payment settles the charges and then the
    // listed invoices (see `payments::register`); without charges, with the reference
    // of the oldest invoice.
    let reference = charge_invoice
        .as_ref()
        .and_then(|c| c.payment_reference.clone())
        .or_else(|| {
            p.items
                .first()
                .and_then(|i| i.invoice.payment_reference.clone())
        })
        .unwrap_or_default();
    let member = members::get(conn, &org, &p.member_id)?;
    let document = reminder_document(issuer, &member, req, p, reference);
    let document_id = issuer.store_pdf(
        conn,
        &context::reminder(&document),
        DocumentKind::Reminder,
        &p.member_id,
        None,
        actor,
    )?;
    let row = ReminderRow {
        id: new_id(),
        organisation_id: org.clone(),
        member_id: p.member_id.clone(),
        reminder_date: req.date,
        new_due_date: p.new_due_date,
        charge_invoice_id: charge_invoice.map(|c| c.id),
        document_id,
        created_by: actor.to_owned(),
        created_at: now(),
    };
    let items: Vec<ReminderItemRow> = p
        .items
        .iter()
        .map(|i| ReminderItemRow {
            reminder_id: row.id.clone(),
            invoice_id: i.invoice.id.clone(),
            outstanding_minor: i.outstanding.to_minor(),
            interest_minor: i.interest.to_minor(),
            compensation_minor: i.compensation.to_minor(),
        })
        .collect();
    for i in &p.items {
        crate::services::webhooks::invoice_overdue(conn, &i.invoice, i.outstanding, i.days_late)?;
    }
    store::insert_reminder(conn, &row, &items)?;
    audit::created(
        conn,
        &Change {
            org: &org,
            entity: Entity::Reminder,
            entity_id: &row.id,
            action: "create",
            actor,
        },
        &(&row, &items),
    )?;
    Ok(Reminder { row, items })
}

/// The lines of a reminder's charges: interest and compensation per invoice, one fee.
fn charge_lines(req: &RunRequest, p: &Proposal) -> Vec<InvoiceLine> {
    let (interest, when, fee_word, compensation) = charge_words(p.language);
    let mut lines = Vec::new();
    for item in &p.items {
        let number = item.invoice.number.clone().unwrap_or_default();
        if !item.interest.is_zero() {
            lines.push(charge_line(
                format!(
                    "{interest} {number} {when} {}",
                    format::date(req.date, p.language)
                ),
                item.interest,
                format!("interest:{}", item.invoice.id),
            ));
        }
        if !item.compensation.is_zero() {
            lines.push(charge_line(
                format!("{compensation} {number}"),
                item.compensation,
                format!("compensation:{}", item.invoice.id),
            ));
        }
    }
    if !p.fee.is_zero() {
        lines.push(charge_line(
            fee_word.to_owned(),
            p.fee,
            FEE_COMPONENT.into(),
        ));
    }
    lines
}

/// The reminder's charges as an issued invoice falling due with it; none without charges.
fn issue_charges(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    req: &RunRequest,
    p: &Proposal,
    actor: &str,
) -> Result<Option<InvoiceRow>, Error> {
    let lines = charge_lines(req, p);
    if lines.is_empty() {
        return Ok(None);
    }
    let org = issuer.org().to_owned();
    let draft = invoicing::create_draft(
        conn,
        &org,
        &DraftInput {
            member_id: p.member_id.clone(),
            agreement_id: None,
            language: Some(p.language),
            period_start: req.date,
            period_end: req.date,
            buyer_reference: None,
            our_reference: None,
            lines,
        },
        actor,
    )?;
    invoicing::issue_due(
        conn,
        issuer,
        &draft.id,
        req.date,
        Some(p.new_due_date),
        actor,
    )
    .map(Some)
}

/// What the reminder's PDF says.
fn reminder_document(
    issuer: &Issuer<'_>,
    member: &Member,
    req: &RunRequest,
    p: &Proposal,
    reference: String,
) -> ReminderDocument {
    ReminderDocument {
        language: p.language,
        date: req.date,
        new_due_date: p.new_due_date,
        seller: seller(&issuer.organisation),
        buyer: Buyer::of(&member.details),
        currency: p.currency,
        overdue: p
            .items
            .iter()
            .map(|i| OverdueItem {
                number: i.invoice.number.clone().unwrap_or_default(),
                date: i.invoice.invoice_date.unwrap_or(req.date),
                due_date: i.invoice.due_date.unwrap_or(req.date),
                outstanding: i.outstanding,
                days_late: i.days_late,
                interest: i.interest,
            })
            .collect(),
        fee: p.fee,
        compensation: p.compensation(),
        interest_percent: p.interest_percent.unwrap_or(STATUTORY_MARGIN),
        law: p.rules.law(p.language).to_owned(),
        reference: match issuer.settings.reference_scheme {
            ReferenceScheme::Ocr => PaymentReference::Ocr(reference),
            _ => PaymentReference::Kid(reference),
        },
    }
}

/// A stored reminder with what its view names: the invoices it listed (in its items'
/// order), the member, and the charges asked.
pub struct Charged {
    pub reminder: Reminder,
    pub asked: Asked,
    pub listed: Vec<InvoiceRow>,
    pub member_name: String,
}

pub fn charged(conn: &mut DbConnection, org: &str, reminder: Reminder) -> Result<Charged, Error> {
    let asked = reminder.asked(conn, org)?;
    let mut listed = Vec::with_capacity(reminder.items.len());
    for item in &reminder.items {
        listed.push(store::invoice(conn, org, &item.invoice_id)?);
    }
    let member_name = members::get(conn, org, &reminder.row.member_id)?
        .details
        .name;
    Ok(Charged {
        reminder,
        asked,
        listed,
        member_name,
    })
}
