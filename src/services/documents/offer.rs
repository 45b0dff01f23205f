//! The offer letter of an agreement: prepared from what is stored now, previewed, or issued
//! (stored, and the agreement offered).

use chrono::{Datelike, NaiveDate};

use crate::domain::agreement::{Agreement, AgreementStatus, TransitionDetails};
use crate::domain::contribution::LineKind;
use crate::domain::documents::{
    Buyer, Calculation, DocumentKind, MenuItem, OfferFixedLine, OfferLetter, OfferYear, Seller,
    offer_addressees,
};
use crate::domain::invoicing::instalments;
use crate::domain::money::Money;
use crate::domain::{Currency, Invalid, Language};
use crate::error::Error;
use crate::pdf::{Renderer, context, format};
use crate::services::agreements::{self, stored_terms};
use crate::storage::DbConnection;
use crate::storage::documents::{self as store, DocumentRecord, NewDocument};
use crate::storage::{members, organisations, pricing};

use super::lines::{LineNames, calculation, line_index, population_date, share_of_pool};
use super::templates::own_template_and_logo;
use super::{Prepared, render, seller};

/// What an offer letter says beyond the agreement itself.
#[derive(Debug, Clone)]
pub struct OfferOptions {
    /// The fee year whose fees the letter sets out; the agreement's first year (or the
    /// letter's year, when the agreement started earlier) when not given.
    pub fee_year: Option<i32>,
    /// The member's language when not given.
    pub language: Option<Language>,
    pub date: NaiveDate,
    /// 30 days after the letter's date when not given.
    pub answer_by: Option<NaiveDate>,
    pub diarienummer: Option<String>,
    /// Whom the letter is for within the member; the member's contacts who receive
    /// offers, by name and role, when not given.
    pub addressees: Option<String>,
    pub attachments: Vec<String>,
}

/// The fee year an offer sets out when none is asked for: the agreement's first year, or
/// the letter's own year for an agreement that began earlier, within the agreement.
fn offered_year(agreement: &Agreement, letter_date: NaiveDate) -> i32 {
    let first = agreement.header.start_date.year();
    let year = first.max(letter_date.year());
    agreement
        .header
        .end_date
        .map_or(year, |end| year.min(end.year()))
}

/// The fee year a letter sets out when none is asked for, with its contribution: the
/// first of [`offered_year`] and the three years after it (within the agreement) whose fees
/// can be calculated — a letter issued today for an agreement that began years ago shows
/// the fees of the latest year the population counts allow — or the first year's error.
fn default_year(
    conn: &mut DbConnection,
    org: &str,
    agreement: &Agreement,
    letter_date: NaiveDate,
    contributions: &mut agreements::Contributions,
) -> Result<(i32, agreements::Contribution), Error> {
    let first = offered_year(agreement, letter_date);
    let mut first_error = None;
    for year in first..=first + 3 {
        if !agreement.reaches_into(year) {
            break;
        }
        match contributions.through(conn, org, &agreement.id, year, None) {
            Ok(c) => return Ok((year, c)),
            Err(e @ Error::Contribution(_)) => {
                first_error.get_or_insert(e);
            }
            Err(other) => return Err(other),
        }
    }
    Err(first_error.unwrap_or(Error::field(
        "fee_year",
        Invalid::Mismatch {
            other: "start_date",
        },
    )))
}

/// The offer letter of an agreement, from what is stored now: the agreed period and
/// notice, how and from when it is invoiced, the fees of the fee year with their
/// calculation (and each year's, for an agreement of several years with an end), the
/// conversion when the fees are in another currency, the services only when the
/// agreement orders any, addressed to the member's contacts who receive offers.
pub fn prepare_offer(
    conn: &mut DbConnection,
    org: &str,
    agreement_id: &str,
    opts: &OfferOptions,
) -> Result<Prepared, Error> {
    let organisation = organisations::get(conn, org)?.ok_or(Error::NotFound("organisation"))?;
    let agreement = crate::storage::agreements::get(conn, org, agreement_id)?;
    let mut contributions = agreements::Contributions::default();
    let (fee_year, contribution) = match opts.fee_year {
        Some(year) => {
            // A letter offering a year the agreement does not cover would offer nothing.
            if !agreement.reaches_into(year) {
                return Err(Error::field(
                    "fee_year",
                    Invalid::Mismatch {
                        other: "start_date",
                    },
                ));
            }
            (
                year,
                contributions.through(conn, org, agreement_id, year, None)?,
            )
        }
        None => default_year(conn, org, &agreement, opts.date, &mut contributions)?,
    };
    let member = members::get(conn, org, &contribution.agreement.header.member_id)?;
    let lang = opts.language.unwrap_or(member.details.language);
    let terms = stored_terms(&contribution.version)?;
    let prices = pricing::price_list(conn, org, fee_year)?;
    let names = LineNames::load(conn, org, &terms, prices)?;
    let years = year_totals(conn, org, &contribution.agreement, &mut contributions)?;
    let addressees = match &opts.addressees {
        Some(given) => Some(given.clone()),
        None => offer_addressees(
            &members::contacts(conn, org, &member.id)?
                .into_iter()
                .map(|c| c.details)
                .collect::<Vec<_>>(),
            lang,
        ),
    };
    let parties = Parties {
        seller: seller(&organisation),
        buyer: Buyer::of(&member.details),
        addressees,
    };
    let variable = !terms.variable.is_empty();
    let letter = OfferLetter {
        years,
        ..offer_letter(
            &contribution,
            fee_year,
            variable,
            &names,
            lang,
            opts,
            parties,
        )
    };
    let (template, logo) = own_template_and_logo(conn, org, DocumentKind::Offer, lang)?;
    Ok(Prepared {
        context: context::offer(&letter),
        template,
        logo,
        member_id: member.id,
        fee_year: Some(fee_year),
    })
}

/// What each year of an agreement with an end that spans several costs: its fixed part,
/// what it orders, and the fixed part's amount before conversion. Nothing for an
/// agreement within one year, or until further notice.
fn year_totals(
    conn: &mut DbConnection,
    org: &str,
    agreement: &Agreement,
    contributions: &mut agreements::Contributions,
) -> Result<Vec<OfferYear>, Error> {
    let header = &agreement.header;
    let start = header.start_date;
    let mut years = Vec::new();
    if let Some(end) = header.end_date
        && end.year() > start.year()
    {
        for year in start.year()..=end.year() {
            let c = contributions.through(conn, org, &agreement.id, year, None)?;
            years.push(year_total(&c, year, header.currency));
        }
    }
    Ok(years)
}

/// One year's [`year_totals`].
fn year_total(c: &agreements::Contribution, year: i32, currency: Currency) -> OfferYear {
    let sum_of = |kind: fn(&LineKind) -> bool| {
        Money::from_minor(
            c.statement
                .lines
                .iter()
                .filter(|l| kind(&l.kind))
                .map(|l| l.amount.to_minor())
                .sum(),
            currency,
        )
    };
    let converted: Vec<Money> = c
        .statement
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Fixed)
        .filter_map(|l| l.conversion().map(|(from, _)| from))
        .collect();
    OfferYear {
        year,
        fixed: sum_of(|k| *k == LineKind::Fixed),
        ordered: sum_of(|k| *k != LineKind::Fixed),
        converted_from: converted.first().map(|first| {
            Money::from_minor(
                converted.iter().map(|m| m.to_minor()).sum(),
                first.currency(),
            )
        }),
    }
}

/// Who an offer letter is from, and whom it is for.
struct Parties {
    seller: Seller,
    buyer: Buyer,
    addressees: Option<String>,
}

/// The letter for `contribution`'s fee year as its statement, its terms (`variable`: they
/// order services) and the options decide it; the other years are the caller's.
fn offer_letter(
    contribution: &agreements::Contribution,
    fee_year: i32,
    variable: bool,
    names: &LineNames,
    lang: Language,
    opts: &OfferOptions,
    parties: Parties,
) -> OfferLetter {
    let header = &contribution.agreement.header;
    let (fixed, ordered) = offered_lines(contribution, names, lang);
    let menu = if variable {
        names
            .prices
            .iter()
            .map(|p| MenuItem {
                service: names.service(&p.item.code, lang),
                unit: format::unit(p.item.unit, lang, false).to_owned(),
                price: p.item.unit_price,
                vat: p.item.vat.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let plan = contribution.billing.plan;
    let start = header.start_date;
    OfferLetter {
        language: lang,
        date: opts.date,
        diarienummer: opts.diarienummer.clone(),
        addressees: parties.addressees,
        seller: parties.seller,
        buyer: parties.buyer,
        fee_year,
        period_start: start,
        period_end: header.end_date,
        notice_months: header.notice_months,
        billing: plan,
        first_invoice: instalments(&plan, start.year(), start, header.end_date)
            .first()
            .map(|i| i.invoice_date),
        answer_by: opts
            .answer_by
            .unwrap_or_else(|| opts.date + chrono::Duration::days(30)),
        currency: header.currency,
        conversion: contribution
            .statement
            .lines
            .iter()
            .find_map(|l| l.conversion().map(|(_, c)| c)),
        fixed,
        variable,
        menu,
        ordered,
        years: Vec::new(),
        attachments: opts.attachments.clone(),
    }
}

/// The statement's lines as the letter sets them out: the fixed part's, and the ordered
/// services' with the cap.
fn offered_lines(
    contribution: &agreements::Contribution,
    names: &LineNames,
    lang: Language,
) -> (Vec<OfferFixedLine>, Vec<OfferFixedLine>) {
    let mut fixed = Vec::new();
    let mut ordered = Vec::new();
    for line in &contribution.statement.lines {
        let calculation = match calculation(line, lang, names.unit(line, lang)) {
            Calculation::Flat => share_of_pool(line).unwrap_or(Calculation::Flat),
            other => other,
        };
        let offered = OfferFixedLine {
            description: names.describe(line, lang),
            calculation,
            population_date: population_date(line),
            converted_from: line.conversion().map(|(from, _)| from),
            index: line_index(line),
            amount: line.amount,
        };
        match line.kind {
            LineKind::Fixed => fixed.push(offered),
            LineKind::Variable | LineKind::CapAdjustment => ordered.push(offered),
        }
    }
    (fixed, ordered)
}

/// Issues the offer: renders it, stores the PDF with its SHA-256 and moves a draft
/// agreement to offered, all in the caller's write transaction. Offering again (a new
/// year's letter to an agreement already offered or in force) stores a new document and
/// leaves the status alone.
pub fn issue_offer(
    conn: &mut DbConnection,
    renderer: &Renderer,
    org: &str,
    agreement_id: &str,
    opts: &OfferOptions,
    issued_by: &str,
) -> Result<DocumentRecord, Error> {
    let prepared = prepare_offer(conn, org, agreement_id, opts)?;
    let fee_year = prepared.fee_year.unwrap_or_default();
    let status = crate::storage::agreements::get(conn, org, agreement_id)?.status;
    // An agreement offered or in force may get another year's letter as it is; any other
    // moves to offered, and the lifecycle refuses that for a concluded one (409).
    if !matches!(
        status,
        AgreementStatus::Offered | AgreementStatus::Accepted | AgreementStatus::Active
    ) {
        agreements::change_status(
            conn,
            org,
            agreement_id,
            AgreementStatus::Offered,
            TransitionDetails::default(),
            Some(format!("Erbjudande {fee_year} utfärdat")),
            issued_by,
        )?;
    }
    let bytes = render(renderer, &prepared)?;
    let doc = store::insert(
        conn,
        &NewDocument {
            organisation_id: org,
            kind: DocumentKind::Offer.as_str(),
            language: prepared.context.language.as_str(),
            member_id: &prepared.member_id,
            agreement_id: Some(agreement_id),
            fee_year: prepared.fee_year,
            title: &prepared.context.title,
            content: &bytes,
            created_by: issued_by,
        },
    )?;
    crate::services::webhooks::offer_issued(conn, &doc)?;
    Ok(doc)
}
