//! What a run proposes to invoice, and how an agreement's proposals are decided from what
//! was gathered for them (see [`super::proposals`]): pure, no connection.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::agreement::Agreement;
use crate::domain::contribution::{ContributionError, LineKind, StatementLine, VatTreatment};
use crate::domain::documents::{Calculation, DocumentKind};
use crate::domain::invoicing::{
    Billable, Billed, BilledPart, BillingPlan, Charge, Discount, DueInvoice, ExchangeRate,
    Instalment, Invoice, InvoiceLine, RunWindow, Schedule, accounting_vat, due_invoices,
    exchange_rate_on, instalments, invoices_by_vat_scope, totals_fit,
};
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::organisation::OrganisationDetails;
use crate::domain::{Invalid, Language};
use crate::error::Error;
use crate::pdf::format;
use crate::services::agreements::{Contribution, LineSource};
use crate::services::documents::{LineNames, calculation, conversion_note};
use crate::storage::invoicing::LineRow;

use super::issuer::exchange_error;

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
    pub(super) fn period(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.invoices
            .first()
            .map(|i| (i.period_start, i.period_end))
    }

    /// Numbers follow the invoice dates within a series, then the members' names.
    pub(super) fn order(&self) -> (Option<NaiveDate>, &str, &str, Option<NaiveDate>) {
        let first = self.invoices.first();
        (
            first.map(|i| i.date),
            &self.member_name,
            &self.agreement_id,
            first.map(|i| i.period_start),
        )
    }
}

/// The periods already billed: (agreement, part, first day).
pub(super) type BilledPeriods = HashSet<(String, String, NaiveDate)>;

/// What deciding an agreement's proposals needs from the database: its member, and for
/// each fee year of the run with something due what it bills from. Reading stops at the
/// first failure, which ends `years`: deciding raises it where the reading stopped, after
/// what the years before decide.
pub(super) struct AgreementInputs {
    pub member: Member,
    pub years: Vec<Result<YearInputs, Error>>,
}

/// A fee year of an agreement as gathered for a run.
pub(super) struct YearInputs {
    pub year: i32,
    pub plan: BillingPlan,
    /// What the plan makes due in the run, never empty.
    pub due: Vec<DueInvoice>,
    /// The whole year's contribution, whose fixed lines the instalments bill.
    pub whole_year: Contribution,
    pub names: LineNames,
    /// The lines issued documents billed of the year, with their document kind.
    pub billed_lines: Vec<(LineRow, String)>,
    /// The contribution through the end of each due variable period, in `due`'s order;
    /// ended by the first that could not be calculated.
    pub variable: Vec<Result<Contribution, Error>>,
}

/// What the plan makes due of an agreement's fee year in the run's window: each
/// instalment of the fixed part that starts in it and is not billed, and the variable
/// part when the year has one.
pub(super) fn due_in(
    plan: &BillingPlan,
    has_variable: bool,
    year: i32,
    agreement: &Agreement,
    window: &RunWindow,
    billed: &BilledPeriods,
) -> Vec<DueInvoice> {
    due_invoices(
        plan,
        year,
        agreement.header.start_date,
        agreement.header.end_date,
        window,
        |part, start| billed.contains(&(agreement.id.clone(), part.as_str().to_owned(), start)),
    )
    .into_iter()
    // A usage period of a year without a variable part has nothing to bill.
    .filter(|d| d.instalment.is_some() || has_variable)
    .collect()
}

/// Who sells to whom, and what the run asks: shared by every proposal of an agreement.
pub(super) struct Deciding<'a> {
    pub seller: &'a OrganisationDetails,
    pub exchange_rates: &'a [ExchangeRate],
    pub agreement: &'a Agreement,
    pub req: &'a RunRequest,
    pub billed: &'a BilledPeriods,
}

/// What the run bills of one agreement, one proposal per invoice the plan makes due
/// ([`due_invoices`]): each instalment of the fixed part that starts in the run, and the
/// variable part — advance: ordered services and usage before the period, with the first
/// instalment; arrears: what was used in a period, billed by the run holding the day after
/// it ends. What each of them bills is the pure [`Billed`]'s to decide: an instalment's part
/// of the year's fixed amount (re-splitting what is left when the amount changed after
/// earlier instalments were issued), and the variable part as the difference between the
/// year's statement up to then and what earlier invoices and credit notes billed. This
/// function asks, and words the lines.
pub(super) fn decide(at: &Deciding<'_>, inputs: AgreementInputs) -> Result<Vec<Proposal>, Error> {
    let AgreementInputs { member, years } = inputs;
    let mut proposals = Vec::new();
    for year in years {
        proposals.extend(decide_year(at, &member, year?)?);
    }
    Ok(proposals)
}

/// How one fee year's lines are worded for the member.
struct Wording<'a> {
    names: &'a LineNames,
    lang: Language,
    year: i32,
    seller: &'a OrganisationDetails,
    member: &'a Member,
}

impl Wording<'_> {
    /// A line's VAT as the buyer is charged (see [`VatTreatment::for_buyer`]).
    fn vat_for_buyer(&self, line: &StatementLine) -> VatTreatment {
        line.vat.clone().for_buyer(
            self.seller.country,
            self.member.details.country,
            line.domestic_vat_abroad,
        )
    }
}

/// The proposals of one fee year, in the order the plan makes them due.
fn decide_year(
    at: &Deciding<'_>,
    member: &Member,
    inputs: YearInputs,
) -> Result<Vec<Proposal>, Error> {
    let YearInputs {
        year,
        plan,
        due,
        whole_year,
        names,
        billed_lines,
        variable,
    } = inputs;
    let wording = Wording {
        names: &names,
        lang: member.details.language,
        year,
        seller: at.seller,
        member,
    };
    let mut billed_instalments = instalments_billed(at, &plan, year);
    let mut billed = billed_before(&billed_lines);
    let (fixed, fixed_billables) = fixed_of(&whole_year);
    let mut variable = variable.into_iter();
    let mut proposals = Vec::new();
    for d in due {
        let mut lines: Vec<InvoiceLine> = Vec::new();
        let mut resplit = false;
        if let Some(inst) = d.instalment {
            let (charges, re) = billed.instalment(&inst, &fixed_billables, &billed_instalments);
            billed_instalments.push(inst.index);
            resplit = re;
            lines.extend(charges.iter().map(|c| {
                let key = &fixed_billables[c.index].key;
                instalment_line(
                    &wording,
                    fixed[c.index],
                    key,
                    c.amount,
                    &inst,
                    plan.schedule,
                )
            }));
        }
        let variable_before = billed.variable_total();
        let mut bills_variable = false;
        if let Some(v) = d.variable {
            let contribution = variable.next().ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("no contribution through {}", v.through))
            })??;
            let now_billed =
                variable_lines(&wording, &mut billed, &contribution, d.start, v.through);
            bills_variable = !now_billed.is_empty();
            lines.extend(now_billed);
        }
        if lines.is_empty() {
            continue;
        }
        let billing = Billing {
            member,
            due: &d,
            year,
            bills_variable,
            variable_before,
            resplit,
        };
        proposals.push(proposal(at, &billing, lines)?);
    }
    Ok(proposals)
}

/// The year's instalments already billed, by number: runs of later periods may have come
/// first, and the instalments left share what is left.
fn instalments_billed(at: &Deciding<'_>, plan: &BillingPlan, year: i32) -> Vec<u32> {
    let agreement = at.agreement;
    instalments(
        plan,
        year,
        agreement.header.start_date,
        agreement.header.end_date,
    )
    .into_iter()
    .filter(|i| {
        at.billed.contains(&(
            agreement.id.clone(),
            BilledPart::Fixed.as_str().to_owned(),
            i.start,
        ))
    })
    .map(|i| i.index)
    .collect()
}

/// The fixed lines of the year's statement, and what each of them bills.
fn fixed_of(whole_year: &Contribution) -> (Vec<&StatementLine>, Vec<Billable>) {
    let fixed: Vec<&StatementLine> = whole_year
        .statement
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Fixed)
        .collect();
    let billables = fixed
        .iter()
        .map(|l| Billable {
            key: component_key(l, LineSource::Terms),
            amount: l.amount,
            per_unit: None,
        })
        .collect();
    (fixed, billables)
}

/// What the year's issued invoices and credit notes billed, per component.
fn billed_before(billed_lines: &[(LineRow, String)]) -> Billed {
    Billed::from_lines(billed_lines.iter().filter_map(|(line, kind)| {
        let key = line.component.as_deref()?;
        Some((
            key,
            kind == DocumentKind::CreditNote.as_str(),
            line.amount_minor,
        ))
    }))
}

/// A fixed component's share of an instalment, named with the year or, when the year is
/// billed in several instalments, the instalment's period.
fn instalment_line(
    w: &Wording<'_>,
    line: &StatementLine,
    key: &str,
    amount: Money,
    inst: &Instalment,
    schedule: Schedule,
) -> InvoiceLine {
    let (lang, year) = (w.lang, w.year);
    let mut description = if inst.count > 1 {
        format!(
            "{}, {}",
            w.names.describe(line, lang),
            period_name(schedule, inst.start, inst.end, lang)
        )
    } else {
        format!("{} {}", w.names.describe(line, lang), year)
    };
    if let Some(note) = conversion_note(line, lang) {
        description = format!("{description}, {note}");
    }
    InvoiceLine {
        description,
        quantity: Decimal::ONE,
        unit: String::new(),
        unit_price: amount,
        vat: w.vat_for_buyer(line),
        component: Some(key.to_owned()),
        fee_year: Some(year),
        amount,
        discount: None,
        domestic_vat_abroad: line.domestic_vat_abroad,
    }
}

/// The variable part a due invoice bills: each ordered or used component up to `through`
/// less what was billed of it before (which `billed` then counts as billed too).
fn variable_lines(
    w: &Wording<'_>,
    billed: &mut Billed,
    contribution: &Contribution,
    start: NaiveDate,
    through: NaiveDate,
) -> Vec<InvoiceLine> {
    let lang = w.lang;
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
            per_unit: match calculation(line, lang, w.names.unit(line, lang)) {
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
    billed
        .variable(&billables)
        .into_iter()
        .map(|c| {
            let (line, source) = variable[c.index];
            variable_line(w, line, source, &billables[c.index].key, &c, start, through)
        })
        .collect()
}

/// One variable charge as a line: with its quantity and price when it bills them (or the
/// whole of a discounted component), else one of its amount; usage names its period.
fn variable_line(
    w: &Wording<'_>,
    line: &StatementLine,
    source: LineSource,
    key: &str,
    c: &Charge,
    start: NaiveDate,
    through: NaiveDate,
) -> InvoiceLine {
    let (lang, year) = (w.lang, w.year);
    let unit = w.names.unit(line, lang);
    let mut discount = None;
    let (quantity, unit, price) = match (c.per_unit, calculation(line, lang, unit)) {
        (Some((quantity, price)), _) => (quantity, unit.to_owned(), price),
        // The whole of a discounted component billed at once keeps its quantity and
        // price; the discount is its own allowance.
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
            (quantity, unit.to_owned(), price)
        }
        _ => (Decimal::ONE, String::new(), c.amount),
    };
    let suffix = match source {
        LineSource::Usage => format!(
            ", {}",
            format::period(
                NaiveDate::from_ymd_opt(year, 1, 1)
                    .unwrap_or(start)
                    .max(start.min(through)),
                Some(through),
                lang
            )
        ),
        _ => format!(" {year}"),
    };
    InvoiceLine {
        description: format!("{}{suffix}", w.names.describe(line, lang)),
        quantity,
        unit,
        unit_price: price,
        vat: w.vat_for_buyer(line),
        component: Some(key.to_owned()),
        fee_year: Some(year),
        amount: c.amount,
        discount,
        domestic_vat_abroad: line.domestic_vat_abroad,
    }
}

/// What a due invoice's lines were decided from, for its proposal.
struct Billing<'a> {
    member: &'a Member,
    due: &'a DueInvoice,
    year: i32,
    bills_variable: bool,
    /// What was billed of the year's variable part before this invoice.
    variable_before: i64,
    resplit: bool,
}

/// A due invoice's lines as a proposal: one invoice, or two by VAT scope, refused (naming
/// the agreement) when they cannot be issued as they are.
fn proposal(
    at: &Deciding<'_>,
    b: &Billing<'_>,
    lines: Vec<InvoiceLine>,
) -> Result<Proposal, Error> {
    let (seller, agreement, member, d) = (at.seller, at.agreement, b.member, b.due);
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
            language: member.details.language,
            currency,
            date: at.req.invoice_date.unwrap_or(d.invoice_date),
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
        let rate = exchange_rate_on(at.exchange_rates, own, currency, i.date);
        accounting_vat(i.vat(), own, i.date, rate).map_err(exchange_error)?;
    }
    Ok(Proposal {
        agreement_id: agreement.id.clone(),
        member_id: member.id.clone(),
        member_name: member.details.name.clone(),
        invoices,
        claims: claims(d, b.year, b.bills_variable, b.variable_before),
        resplit: b.resplit,
    })
}

/// The agreement periods a due invoice claims: (part, first day).
fn claims(
    d: &DueInvoice,
    year: i32,
    bills_variable: bool,
    variable_before: i64,
) -> Vec<(String, NaiveDate)> {
    d.claims(bills_variable)
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
        .collect()
}

/// The statement component a line bills, by source, so that the ordered and the used
/// quantity of one service are billed apart.
pub(super) fn component_key(line: &StatementLine, source: LineSource) -> String {
    match line.kind {
        LineKind::Fixed => format!("fixed:{}", line.component),
        _ => format!("{}:{}", source.as_str(), line.component),
    }
}

pub(super) fn period_name(
    schedule: Schedule,
    start: NaiveDate,
    end: NaiveDate,
    lang: Language,
) -> String {
    match schedule {
        Schedule::Annual if start.month() == 1 && start.day() == 1 && end.month() == 12 => {
            start.year().to_string()
        }
        _ => format::period(start, Some(end), lang),
    }
}
