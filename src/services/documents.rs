//! Documents from stored data: the offer letter of an agreement (previewed or issued), and
//! the templates and logo an organisation prints its documents with.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use chrono::Datelike;

use crate::domain::agreement::{Agreement, AgreementStatus, TransitionDetails};
use crate::domain::contribution::{InputName, LineKind, StatementLine, Step, Value};
use crate::domain::documents::{
    Buyer, Calculation, DocumentKind, MenuItem, OfferFixedLine, OfferLetter, OfferYear, Seller,
    offer_addressees,
};
use crate::domain::invoicing::instalments;
use crate::domain::money::Money;
use crate::domain::organisation::Organisation;
use crate::domain::{Country, Invalid, Language, VatStatus};
use crate::error::Error;
use crate::pdf::page::Raster;
use crate::pdf::template::{Template, TemplateError};
use crate::pdf::{Renderer, context, format, parse_template, writer};
use crate::services::agreements::{self, stored_terms};
use crate::storage::documents::{self as store, DocumentRecord, NewDocument};
use crate::storage::{DbConnection, members, organisations, pricing};

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

/// A document ready to render: its values, the organisation's own template if it has one,
/// and its logo.
pub struct Prepared {
    pub context: context::Context,
    pub template: Option<Template>,
    pub logo: Option<Arc<Raster>>,
    pub member_id: String,
    /// The fee year an offer letter sets out.
    pub fee_year: Option<i32>,
}

/// The organisation as its documents present it.
pub fn seller(org: &Organisation) -> Seller {
    let d = &org.details;
    Seller {
        name: d.name.clone(),
        legal_name: d.legal_name.clone(),
        address: d.address.clone(),
        org_number: d.org_number.to_string(),
        vat_number: match d.vat_status {
            VatStatus::Registered => d.vat_number.as_ref().map(|v| v.to_string()),
            VatStatus::NotRegistered => None,
        },
        f_skatt: d.f_skatt,
        // Norwegian bodies that invoice (companies, IKS) are in Foretaksregisteret.
        in_business_register: d.country == Country::No,
        seat: d.seat.clone(),
        email: d.contact_email.as_str().to_owned(),
        accounts: d.accounts.clone(),
        default_currency: d.default_currency,
        signatories: d.signatories.clone(),
    }
}

/// `9 784 invånare × 28,50 kr`: the population times the rate, when the line is a fee
/// per inhabitant; the quantity times the price for a service.
pub(crate) fn calculation(line: &StatementLine, lang: Language, unit_word: &str) -> Calculation {
    let input = |name: InputName| line.input(name);
    let currency = line.amount.currency();
    if let Some(Value::PopulationAt { count, .. }) = input(InputName::Population) {
        let population = Decimal::from(*count);
        let rate = line.steps.iter().find_map(|s| match s {
            Step::Multiplied { left, right, .. } if *right == population => Some(*left),
            Step::Multiplied { left, right, .. } if *left == population => Some(*right),
            _ => None,
        });
        if let Some(rate) = rate.and_then(|r| Money::new(r, currency).ok()) {
            return Calculation::PerUnit {
                quantity: Decimal::from(*count),
                unit: format::inhabitants(lang).to_owned(),
                price: rate,
                discount_percent: None,
            };
        }
    }
    if let Some(Value::Decimal(quantity)) = input(InputName::Quantity) {
        let price = match (
            input(InputName::UnitPriceOverride),
            input(InputName::UnitPrice),
        ) {
            (Some(Value::Money(p)), _) | (None, Some(Value::Money(p))) => Some(*p),
            _ => None,
        };
        let discount = match input(InputName::DiscountPercent) {
            Some(Value::Percent(p) | Value::Decimal(p)) => Some(*p),
            _ => None,
        };
        if let Some(price) = price {
            return Calculation::PerUnit {
                quantity: *quantity,
                unit: unit_word.to_owned(),
                price,
                discount_percent: discount,
            };
        }
    }
    Calculation::Flat
}

/// What the lines of a contribution statement are called in each language: the fee
/// model's name for a fixed component, the price list's name for a service.
pub(crate) struct LineNames {
    pub prices: Vec<pricing::PriceItem>,
    models: Vec<(String, String)>,
}

impl LineNames {
    pub fn load(
        conn: &mut DbConnection,
        org: &str,
        terms: &agreements::TermsSpec,
        prices: Vec<pricing::PriceItem>,
    ) -> Result<Self, Error> {
        Self::new(terms, prices, |model| {
            match pricing::get_fee_model(conn, org, model) {
                Ok(m) => Ok(Some(m.name)),
                Err(Error::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        })
    }

    /// Names from `prices` and from the fee models `model_name` names.
    pub fn new(
        terms: &agreements::TermsSpec,
        prices: Vec<pricing::PriceItem>,
        mut model_name: impl FnMut(&str) -> Result<Option<String>, Error>,
    ) -> Result<Self, Error> {
        let mut models = Vec::new();
        for f in &terms.fixed {
            // A model deleted since, like a model given in the terms, has no name here.
            if let Some(model) = f.fee_model_id.as_deref()
                && let Some(name) = model_name(model)?
            {
                models.push((f.id.clone(), name));
            }
        }
        Ok(Self { prices, models })
    }

    pub fn service(&self, code: &str, lang: Language) -> String {
        self.prices
            .iter()
            .find(|p| p.item.code == code)
            .map(|p| match lang {
                Language::Sv => p.names.sv.clone(),
                Language::Nb => p.names.nb.clone().unwrap_or_else(|| p.names.sv.clone()),
                Language::En => p.names.en.clone().unwrap_or_else(|| p.names.sv.clone()),
            })
            .unwrap_or_else(|| code.to_owned())
    }

    /// The unit of a service line, plural, as printed.
    pub fn unit(&self, line: &StatementLine, lang: Language) -> &'static str {
        match line.kind {
            LineKind::Variable => self
                .prices
                .iter()
                .find(|p| p.item.code == line.component)
                .map_or("", |p| format::unit(p.item.unit, lang, true)),
            _ => "",
        }
    }

    pub fn describe(&self, line: &StatementLine, lang: Language) -> String {
        match line.kind {
            // A component priced in the terms themselves has no model name: it is the
            // fixed fee, in the document's language, never its identifier.
            LineKind::Fixed => self
                .models
                .iter()
                .find(|(id, _)| *id == line.component)
                .map_or_else(
                    || {
                        match lang {
                            Language::Sv | Language::Nb => "Fast avgift",
                            Language::En => "Fixed fee",
                        }
                        .to_owned()
                    },
                    |(_, name)| name.clone(),
                ),
            LineKind::Variable => self.service(&line.component, lang),
            LineKind::CapAdjustment => match lang {
                Language::Sv => "Tak för rörlig del".into(),
                Language::Nb => "Tak for variabel del".into(),
                Language::En => "Cap on the variable part".into(),
            },
        }
    }
}

/// The index a statement line's values were uplifted by: its base year and the factor.
fn line_index(line: &StatementLine) -> Option<(i32, Decimal)> {
    match (
        line.input(InputName::IndexBaseYear),
        line.input(InputName::IndexFactor),
    ) {
        (Some(Value::Year(base)), Some(Value::Decimal(factor))) => Some((*base, *factor)),
        _ => None,
    }
}

/// The date of the population count a statement line used.
fn population_date(line: &StatementLine) -> Option<NaiveDate> {
    match line.input(InputName::Population) {
        Some(Value::PopulationAt { date, .. }) => Some(*date),
        _ => None,
    }
}

/// `30 % av 1 803 424,00 EUR`: a pool share as its percentage of the pool's net.
fn share_of_pool(line: &StatementLine) -> Option<Calculation> {
    line.steps.iter().find_map(|s| match s {
        Step::Allocated {
            net,
            weight,
            total_weight,
            ..
        } if !total_weight.is_zero() => {
            let currency = match line.input(InputName::PoolTotal) {
                Some(Value::Money(total)) => total.currency(),
                _ => line.amount.currency(),
            };
            let percent = (*weight * Decimal::ONE_HUNDRED / *total_weight).round_dp(4);
            Some(Calculation::Share {
                percent: percent.normalize(),
                of: Money::new(*net, currency).ok()?,
            })
        }
        _ => None,
    })
}

/// What an invoice line of a converted fee says of the conversion: the year's amount in
/// the fee model's currency, the rate, its source and date — "årsbelopp 541 027,20 EUR ×
/// 11,4527 SEK/EUR (Riksbanken, 2026-12-30)".
pub(crate) fn conversion_note(line: &StatementLine, lang: Language) -> Option<String> {
    let (from, c) = line.conversion()?;
    let year_amount = match lang {
        Language::Sv => "årsbelopp",
        Language::Nb => "årsbeløp",
        Language::En => "yearly amount",
    };
    Some(format!(
        "{year_amount} {} {}/{} ({}, {})",
        format::converted(from, c.rate, lang),
        c.to,
        c.from,
        c.source,
        format::date(c.date, lang)
    ))
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
    let header = &contribution.agreement.header;
    let member = members::get(conn, org, &header.member_id)?;
    let lang = opts.language.unwrap_or(member.details.language);
    let terms = stored_terms(&contribution.version)?;
    let prices = pricing::price_list(conn, org, fee_year)?;
    let names = LineNames::load(conn, org, &terms, prices)?;
    let mut fixed = Vec::new();
    let mut ordered = Vec::new();
    for line in &contribution.statement.lines {
        let (population_date, converted_from) = (
            population_date(line),
            line.conversion().map(|(from, _)| from),
        );
        let calculation = match calculation(line, lang, names.unit(line, lang)) {
            Calculation::Flat => share_of_pool(line).unwrap_or(Calculation::Flat),
            other => other,
        };
        let offered = OfferFixedLine {
            description: names.describe(line, lang),
            calculation,
            population_date,
            converted_from,
            index: line_index(line),
            amount: line.amount,
        };
        match line.kind {
            LineKind::Fixed => fixed.push(offered),
            LineKind::Variable | LineKind::CapAdjustment => ordered.push(offered),
        }
    }
    let variable = !terms.variable.is_empty();
    let prices = &names.prices;
    let name_of = |code: &str| names.service(code, lang);
    let menu = if variable {
        prices
            .iter()
            .map(|p| MenuItem {
                service: name_of(&p.item.code),
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
    let first_invoice = instalments(&plan, start.year(), start, header.end_date)
        .first()
        .map(|i| i.invoice_date);
    // Every year of an agreement with an end that spans several: what each costs.
    let mut years = Vec::new();
    if let Some(end) = header.end_date
        && end.year() > start.year()
    {
        for year in start.year()..=end.year() {
            let c = contributions.through(conn, org, agreement_id, year, None)?;
            let sum_of = |kind: fn(&LineKind) -> bool| {
                Money::from_minor(
                    c.statement
                        .lines
                        .iter()
                        .filter(|l| kind(&l.kind))
                        .map(|l| l.amount.to_minor())
                        .sum(),
                    header.currency,
                )
            };
            let converted: Vec<Money> = c
                .statement
                .lines
                .iter()
                .filter(|l| l.kind == LineKind::Fixed)
                .filter_map(|l| l.conversion().map(|(from, _)| from))
                .collect();
            years.push(OfferYear {
                year,
                fixed: sum_of(|k| *k == LineKind::Fixed),
                ordered: sum_of(|k| *k != LineKind::Fixed),
                converted_from: converted.first().map(|first| {
                    Money::from_minor(
                        converted.iter().map(|m| m.to_minor()).sum(),
                        first.currency(),
                    )
                }),
            });
        }
    }
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
    let letter = OfferLetter {
        language: lang,
        date: opts.date,
        diarienummer: opts.diarienummer.clone(),
        addressees,
        seller: seller(&organisation),
        buyer: Buyer::of(&member.details),
        fee_year,
        period_start: start,
        period_end: header.end_date,
        notice_months: header.notice_months,
        billing: plan,
        first_invoice,
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
        years,
        attachments: opts.attachments.clone(),
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

/// The organisation's own template for a kind and language, and its logo.
pub(crate) fn own_template_and_logo(
    conn: &mut DbConnection,
    org: &str,
    kind: DocumentKind,
    lang: Language,
) -> Result<(Option<Template>, Option<Arc<Raster>>), Error> {
    let template =
        match store::template(conn, org, kind.as_str(), lang.as_str())? {
            // Stored templates were checked when saved; one that no longer parses (after an
            // upgrade renamed a placeholder) is an internal fault to fix, not the user's.
            Some((source, _)) => Some(parse_template(&source, kind, lang).map_err(|e| {
                Error::Internal(anyhow::anyhow!("stored template {kind}/{lang}: {e}"))
            })?),
            None => None,
        };
    let logo = match store::logo(conn, org)? {
        Some((_, bytes)) => {
            Some(Arc::new(writer::decode_logo(&bytes).map_err(|e| {
                Error::Internal(anyhow::anyhow!("stored logo: {e}"))
            })?))
        }
        None => None,
    };
    Ok((template, logo))
}

pub fn render(renderer: &Renderer, prepared: &Prepared) -> Result<Vec<u8>, Error> {
    renderer
        .render(
            &prepared.context,
            prepared.template.as_ref(),
            prepared.logo.clone(),
        )
        .map_err(|e| Error::Internal(e.into()))
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

/// A template error as the API reports it: on the `source` field, naming the line.
pub fn template_invalid(e: &TemplateError) -> Error {
    Error::field(
        "source",
        Invalid::Template {
            sv: e.message(Language::Sv),
            nb: e.message(Language::Nb),
            en: e.message(Language::En),
        },
    )
}

/// Checks and stores an organisation's own template.
pub fn put_template(
    conn: &mut DbConnection,
    org: &str,
    kind: DocumentKind,
    lang: Language,
    source: &str,
) -> Result<chrono::NaiveDateTime, Error> {
    parse_template(source, kind, lang).map_err(|e| template_invalid(&e))?;
    store::put_template(conn, org, kind.as_str(), lang.as_str(), source)
}

/// Checks an uploaded logo and stores it. The request's media type was one a logo may
/// have; bytes that are no such picture are invalid content, not another media type.
pub fn put_logo(conn: &mut DbConnection, org: &str, bytes: &[u8]) -> Result<(), Error> {
    let not_a_picture = || {
        Error::field(
            "logo",
            Invalid::Format {
                expected: "PNG eller JPEG",
            },
        )
    };
    let media_type = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        "image/jpeg"
    } else {
        return Err(not_a_picture());
    };
    writer::decode_logo(bytes).map_err(|_| not_a_picture())?;
    store::put_logo(conn, org, media_type, bytes)
}

/// The sample document of a kind, under the organisation's own name, address and
/// accounts, with its own template and logo.
pub fn prepare_sample(
    conn: &mut DbConnection,
    org: &str,
    kind: DocumentKind,
    lang: Language,
) -> Result<Prepared, Error> {
    use crate::pdf::sample;
    let organisation = organisations::get(conn, org)?.ok_or(Error::NotFound("organisation"))?;
    let me = seller(&organisation);
    let context = match kind {
        DocumentKind::Offer => context::offer(&OfferLetter {
            seller: me,
            ..sample::offer(lang)
        }),
        DocumentKind::Invoice => context::invoice(&crate::domain::documents::InvoiceDocument {
            seller: me,
            ..sample::invoice(lang)
        }),
        DocumentKind::CreditNote => context::invoice(&crate::domain::documents::InvoiceDocument {
            seller: me,
            ..sample::credit_note(lang)
        }),
        DocumentKind::Reminder => context::reminder(&crate::domain::documents::ReminderDocument {
            seller: me,
            ..sample::reminder(lang)
        }),
        DocumentKind::Statement => {
            context::statement(&crate::domain::documents::StatementDocument {
                seller: me,
                ..sample::statement(lang)
            })
        }
    };
    let (template, logo) = own_template_and_logo(conn, org, kind, lang)?;
    Ok(Prepared {
        context,
        template,
        logo,
        member_id: String::new(),
        fee_year: None,
    })
}
