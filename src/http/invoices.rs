//! Invoicing: settings and reference rates, draft and issued invoices, credit notes, the
//! events an invoice's status follows, invoice runs, and the audit trail.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::contribution::VatTreatment;
use crate::domain::invoicing::{
    Inkassosats, InvoiceGap, InvoiceLine, REMINDER_MINIMUM_MINOR, ReferenceScheme,
};
use crate::domain::money::{Money, parse_amount, parse_decimal, parse_quantity};
use crate::domain::{Country, Currency, Errors, Invalid, LINE_MAX, Language, iso_date, text};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::openapi::names;
use crate::http::paging::{ListQuery, Paging, PagingParams};
use crate::http::problem::Problem;
use crate::pdf::Renderer;
use crate::services::audit::{self, Change, Entity};
use crate::services::invoicing::{
    self as service, Book, DraftInput, Issuer, Proposal, RunRequest, Settings,
};
use crate::services::mail::{self, Composer};
use crate::storage::invoicing::{self as store, InvoiceFilter, InvoiceRow, LineRow};

pub(crate) fn money(minor: i64, currency: &str) -> String {
    Money::from_minor(minor, Currency::parse(currency).unwrap_or(Currency::Sek))
        .amount()
        .to_string()
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// How an organisation invoices.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// The credit-note series, e.g. NAV-K.
    #[schema(example = "NAV-K")]
    pub credit_note_prefix: String,
    /// ocr (Sweden), kid_mod10 or kid_mod11 (Norway).
    #[schema(value_type = names::ReferenceScheme)]
    pub reference_scheme: String,
    /// Öresavrundning: round totals to whole kronor.
    pub round_to_whole: bool,
    /// Days past the due date before a reminder.
    #[schema(example = 10, minimum = 0, maximum = 365)]
    pub reminder_after_days: i64,
    /// Days a reminder gives to pay (Norway: at least 14).
    #[schema(example = 10, minimum = 0, maximum = 365)]
    pub reminder_pay_days: i64,
    /// Issuing an invoice, alone or in a run, or a reminder run also emails them to the
    /// members' invoice recipients (through the outbox); off when not given.
    #[serde(default)]
    pub send_on_issue: bool,
    /// The smallest outstanding amount a reminder chases, in the invoice's currency
    /// (default 10): a rounding residue or a small short payment is left alone.
    #[serde(default)]
    #[schema(value_type = Option<names::Amount>)]
    pub reminder_minimum: Option<String>,
}

impl From<Settings> for SettingsBody {
    fn from(s: Settings) -> Self {
        SettingsBody {
            credit_note_prefix: s.credit_note_prefix,
            reference_scheme: s.reference_scheme.as_str().to_owned(),
            round_to_whole: s.round_to_whole,
            reminder_after_days: i64::from(s.reminder_after_days),
            reminder_pay_days: i64::from(s.reminder_pay_days),
            send_on_issue: s.send_on_issue,
            reminder_minimum: Some(
                Money::from_minor(s.reminder_minimum, Currency::Sek)
                    .amount()
                    .to_string(),
            ),
        }
    }
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), responses((status = 200, body = SettingsBody), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoicing-settings")]
pub async fn read_settings(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<SettingsBody>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let s = db
        .run(move |conn| {
            let o = service::organisation(conn, &org)?;
            service::settings(conn, &o)
        })
        .await?;
    Ok(web::Json(s.into()))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = SettingsBody, responses((status = 200, body = SettingsBody), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/invoicing-settings")]
pub async fn put_settings(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<SettingsBody>,
) -> Result<web::Json<SettingsBody>, Error> {
    let org = path.into_inner();
    caller.configure(&org)?;
    let mut e = Errors::new();
    let prefix = e.check(
        "credit_note_prefix",
        crate::domain::organisation::invoice_prefix(&body.credit_note_prefix),
    );
    let scheme = e.check(
        "reference_scheme",
        ReferenceScheme::parse(&body.reference_scheme),
    );
    let days = |v: i64| {
        i32::try_from(v)
            .ok()
            .filter(|d| (0..=365).contains(d))
            .ok_or(Invalid::OutOfRange { min: 0, max: 365 })
    };
    let after = e.check("reminder_after_days", days(body.reminder_after_days));
    let pay = e.check("reminder_pay_days", days(body.reminder_pay_days));
    let minimum = match body.reminder_minimum.as_deref() {
        None => Some(REMINDER_MINIMUM_MINOR),
        Some(raw) => e.check(
            "reminder_minimum",
            parse_amount(raw, Currency::Sek).and_then(|m| {
                Some(m.to_minor())
                    .filter(|m| (0..=10_000_000).contains(m))
                    .ok_or(Invalid::OutOfRange {
                        min: 0,
                        max: 100_000,
                    })
            }),
        ),
    };
    let settings = e
        .finish(|| {
            Some(Settings {
                credit_note_prefix: prefix?,
                reference_scheme: scheme?,
                round_to_whole: body.round_to_whole,
                reminder_after_days: after?,
                reminder_pay_days: pay?,
                send_on_issue: body.send_on_issue,
                reminder_minimum: minimum?,
            })
        })
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let s = db
        .write(move |conn| service::put_settings(conn, &org, &settings, &actor))
        .await?;
    Ok(web::Json(s.into()))
}

/// A central bank reference rate from a date (1 January, 1 July).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRateBody {
    /// The path's date; a value here is not read.
    #[schema(example = "2026-07-01", value_type = Option<String>, format = Date)]
    pub valid_from: Option<String>,
    /// Percent, from -50 to 50.
    #[schema(example = "1.75", pattern = r"^-?[0-9]{1,2}([.,][0-9]{1,10})?$")]
    pub percent: String,
}

fn parse_country(raw: &str) -> Result<Country, Error> {
    Country::parse(raw).map_err(|i| Error::field("country", i))
}

/// The reference rates dröjsmålsränta is computed from.
#[utoipa::path(tag = "invoicing", params(("country" = inline(names::Country), Path), PagingParams), responses((status = 200, body = Items<ReferenceRateBody>)), security(("bearer" = [])))]
#[get("/reference-rates/{country}")]
pub async fn reference_rates(
    db: web::Data<Db>,
    _caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<ReferenceRateBody>>, Error> {
    let country = parse_country(&path.into_inner())?;
    let rates = db
        .run(move |conn| service::reference_rates(conn, country))
        .await?;
    Ok(web::Json(
        paging.page(
            rates
                .into_iter()
                .map(|r| ReferenceRateBody {
                    valid_from: Some(r.from.to_string()),
                    percent: r.percent.normalize().to_string(),
                })
                .collect::<Vec<_>>(),
        ),
    ))
}

/// Sets a reference rate; the deployment's operator enters them for every organisation.
#[utoipa::path(tag = "invoicing", params(("country" = inline(names::Country), Path), ("from" = NaiveDate, Path)), request_body = ReferenceRateBody, responses((status = 200, body = ReferenceRateBody), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/reference-rates/{country}/{from}")]
pub async fn put_reference_rate(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<ReferenceRateBody>,
) -> Result<web::Json<ReferenceRateBody>, Error> {
    caller.operator()?;
    let (country, from) = path.into_inner();
    let mut e = Errors::new();
    let country = e.check("country", Country::parse(&country));
    let from = e.check("valid_from", iso_date(&from));
    let percent = e.check(
        "percent",
        parse_decimal(&body.percent).and_then(|p| {
            if p.abs() <= Decimal::from(50) {
                Ok(p)
            } else {
                Err(Invalid::OutOfRange { min: -50, max: 50 })
            }
        }),
    );
    let (country, from, percent) = e
        .finish(|| Some((country?, from?, percent?)))
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let text = percent.normalize().to_string();
    let stored = text.clone();
    db.write(move |conn| {
        let before = store::put_reference_rate(conn, country.as_str(), from, &stored)?;
        let id = format!("{}/{from}", country.as_str());
        let c = Change {
            org: "",
            entity: Entity::ReferenceRate,
            entity_id: &id,
            action: "set",
            actor: &actor,
        };
        match before {
            Some(b) => audit::changed(conn, &c, &b, &stored),
            None => audit::created(conn, &c, &stored),
        }
    })
    .await?;
    Ok(web::Json(ReferenceRateBody {
        valid_from: Some(from.to_string()),
        percent: text,
    }))
}

/// Norway's inkassosats of a year: a purregebyr may be at most a tenth of it
/// (inkassoforskriften § 1-1).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InkassosatsBody {
    /// The path's year; a value here is not read.
    #[schema(example = 2027)]
    #[serde(default)]
    pub year: Option<i32>,
    /// In NOK, at most 10 000.
    #[schema(value_type = names::Amount, example = "700.00")]
    pub amount: String,
    /// Where the figure comes from.
    #[schema(example = "Inkassoforskriften § 1-1, fastsatt av Justis- og beredskapsdepartementet")]
    pub source: String,
}

/// Norway's inkassosats by year, oldest first.
#[utoipa::path(tag = "invoicing", params(PagingParams), responses((status = 200, body = Items<InkassosatsBody>)), security(("bearer" = [])))]
#[get("/inkassosats")]
pub async fn inkassosats(
    db: web::Data<Db>,
    _caller: Caller,
    paging: Paging,
) -> Result<web::Json<Items<InkassosatsBody>>, Error> {
    let table = db.run(service::inkassosats).await?;
    Ok(web::Json(
        paging.page(
            table
                .into_iter()
                .map(|s| InkassosatsBody {
                    year: Some(s.year),
                    amount: s.amount.amount().to_string(),
                    source: s.source,
                })
                .collect::<Vec<_>>(),
        ),
    ))
}

/// Sets a year's inkassosats; the deployment's operator enters it for every organisation.
#[utoipa::path(tag = "invoicing", params(("year" = i32, Path, minimum = 2000, maximum = 2100)), request_body = InkassosatsBody, responses((status = 200, body = InkassosatsBody), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/inkassosats/{year}")]
pub async fn put_inkassosats(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<InkassosatsBody>,
) -> Result<web::Json<InkassosatsBody>, Error> {
    caller.operator()?;
    let mut e = Errors::new();
    let year = e.check(
        "year",
        path.into_inner()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or(Invalid::OutOfRange {
                min: 2000,
                max: 2100,
            }),
    );
    let amount = e.check(
        "amount",
        parse_amount(&body.amount, Currency::Nok).and_then(|a| {
            Some(a)
                .filter(|a| (1..=1_000_000).contains(&a.to_minor()))
                .ok_or(Invalid::OutOfRange {
                    min: 0,
                    max: 10_000,
                })
        }),
    );
    let source = e.check("source", text(&body.source, LINE_MAX));
    let sats = e
        .finish(|| {
            Some(Inkassosats {
                year: year?,
                amount: amount?,
                source: source?,
            })
        })
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let out = InkassosatsBody {
        year: Some(sats.year),
        amount: sats.amount.amount().to_string(),
        source: sats.source.clone(),
    };
    db.write(move |conn| service::put_inkassosats(conn, &sats, &actor))
        .await?;
    Ok(web::Json(out))
}

/// An invoice line as a request gives it.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    #[schema(example = "Fortbildningsdag")]
    pub description: String,
    #[schema(value_type = names::SignedDecimal, example = "2")]
    pub quantity: String,
    #[serde(default)]
    #[schema(example = "dag")]
    pub unit: Option<String>,
    #[schema(value_type = names::Amount, example = "12000.00")]
    pub unit_price: String,
    /// outside_scope when not given; exempt needs `vat_exempt_reason`. Rates: 25, 12, 6 in
    /// Sweden, 25, 15, 12 in Norway.
    #[serde(default)]
    #[schema(value_type = Option<names::Vat>)]
    pub vat: Option<String>,
    #[serde(default)]
    pub vat_exempt_reason: Option<String>,
    /// Charge the seller's own VAT also to a buyer in another country, where the law places
    /// the supply in the seller's country (e.g. admission to an event held there). Otherwise
    /// a rate is turned into a reverse charge for a buyer abroad.
    #[serde(default)]
    #[schema(example = false)]
    pub domestic_vat_abroad: bool,
}

fn parse_lines(
    lines: &[LineBody],
    currency: Currency,
    field: &str,
    e: &mut Errors,
) -> Option<Vec<InvoiceLine>> {
    if lines.is_empty() {
        e.add(field, Invalid::Required);
        return None;
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let at = |f: &str| format!("{field}[{i}].{f}");
            let description = e.check(&at("description"), text(&l.description, LINE_MAX));
            let quantity = e.check(&at("quantity"), parse_quantity(&l.quantity));
            let unit = match l.unit.as_deref() {
                Some(u) if !u.trim().is_empty() => e.check(&at("unit"), text(u, 30)),
                _ => Some(String::new()),
            };
            let price = e.check(&at("unit_price"), parse_amount(&l.unit_price, currency));
            let vat = e.check(
                &at("vat"),
                VatTreatment::parse(
                    l.vat.as_deref().unwrap_or("outside_scope"),
                    l.vat_exempt_reason.as_deref(),
                ),
            );
            let price = price?;
            let line =
                InvoiceLine::priced(description?, quantity?, unit?, price, vat?).map(|priced| {
                    InvoiceLine {
                        domestic_vat_abroad: l.domestic_vat_abroad,
                        ..priced
                    }
                });
            if line.is_none() {
                // The quantity times the price is more than any amount may be.
                let max = InvoiceLine::max_quantity(price);
                e.add(at("quantity"), Invalid::OutOfRange { min: -max, max });
            }
            line
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// A draft invoice with free lines.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    pub member_id: String,
    #[serde(default)]
    pub agreement_id: Option<String>,
    /// The member's language when not given.
    #[serde(default)]
    #[schema(value_type = Option<names::Language>)]
    pub language: Option<String>,
    /// The currency of the prices; the member's when not given.
    #[serde(default)]
    #[schema(value_type = Option<names::Currency>)]
    pub currency: Option<String>,
    #[schema(example = "2026-11-01", format = Date)]
    pub period_start: String,
    #[schema(example = "2026-11-30", format = Date)]
    pub period_end: String,
    #[serde(default)]
    pub buyer_reference: Option<String>,
    #[serde(default)]
    pub our_reference: Option<String>,
    #[schema(min_items = 1)]
    pub lines: Vec<LineBody>,
}

/// Parses a draft once its currency is known: the request's, else the member's.
fn parse_draft(
    conn: &mut crate::storage::DbConnection,
    org: &str,
    body: &DraftBody,
) -> Result<DraftInput, Error> {
    let mut e = Errors::new();
    let language = e.check_opt("language", body.language.as_deref(), Language::parse);
    let currency = match e
        .check_opt("currency", body.currency.as_deref(), Currency::parse)
        .flatten()
    {
        Some(c) => c,
        None => {
            crate::storage::members::get(conn, org, &body.member_id)?
                .details
                .currency
        }
    };
    let start = e.check("period_start", iso_date(&body.period_start));
    let end = e.check("period_end", iso_date(&body.period_end));
    let line = |v: &Option<String>, f: &str, e: &mut Errors| {
        e.check_opt(f, v.as_deref(), |r| text(r, LINE_MAX))
    };
    let buyer_reference = line(&body.buyer_reference, "buyer_reference", &mut e);
    let our_reference = line(&body.our_reference, "our_reference", &mut e);
    let lines = parse_lines(&body.lines, currency, "lines", &mut e);
    e.finish(|| {
        Some(DraftInput {
            member_id: body.member_id.clone(),
            agreement_id: body.agreement_id.clone(),
            language: language?,
            period_start: start?,
            period_end: end?,
            buyer_reference: buyer_reference?,
            our_reference: our_reference?,
            lines: lines?,
        })
    })
    .map_err(Error::Validation)
}

#[derive(Serialize, ToSchema)]
pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub vat: String,
    pub vat_exempt_reason: Option<String>,
    /// The seller's own VAT charged to a buyer in another country by choice, where the law
    /// places the supply in the seller's country (e.g. admission to an event held there).
    pub domestic_vat_abroad: bool,
    /// Net of VAT, after the discount.
    pub amount: String,
    /// The discount agreed on the quantity times the unit price, in percent.
    #[schema(example = "10")]
    pub discount_percent: Option<String>,
    /// What the discount takes off the quantity times the unit price.
    #[schema(example = "3500.00")]
    pub discount: Option<String>,
}

impl LineView {
    fn of(l: &LineRow, currency: &str) -> Self {
        LineView {
            description: l.description.clone(),
            quantity: l.quantity.clone(),
            unit: l.unit.clone(),
            unit_price: money(l.unit_price_minor, currency),
            vat: l.vat.clone(),
            vat_exempt_reason: l.vat_exempt_reason.clone(),
            domestic_vat_abroad: l.domestic_vat_abroad,
            amount: money(l.amount_minor, currency),
            discount_percent: l.discount_percent.clone(),
            discount: l.discount_minor.map(|m| money(m, currency)),
        }
    }
}

/// An invoice or credit note with its derived status and balance.
#[derive(Serialize, ToSchema)]
pub struct InvoiceView {
    pub id: String,
    /// invoice or credit-note.
    pub kind: String,
    /// draft, issued, sent, partially_paid, paid, overdue, credited, written_off: derived
    /// from what happened to the invoice, never set by hand.
    pub status: String,
    pub member_id: String,
    pub agreement_id: Option<String>,
    pub run_id: Option<String>,
    pub credits_invoice_id: Option<String>,
    pub number: Option<String>,
    pub invoice_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The OCR number or KID to pay with.
    pub payment_reference: Option<String>,
    pub buyer_reference: Option<String>,
    pub our_reference: Option<String>,
    pub language: String,
    pub currency: String,
    pub net: String,
    pub vat: String,
    pub rounding: String,
    pub total: String,
    pub credited: String,
    pub paid: String,
    pub outstanding: String,
    /// The issued PDF, at /documents/{document_id}/pdf.
    pub document_id: Option<String>,
    /// Whether the issued e-invoice (Peppol BIS Billing 3.0) is at /invoices/{id}/e-invoice.
    pub einvoice: bool,
    pub issued_by: Option<String>,
    /// On an issued invoice or credit note in another currency than the organisation's:
    /// its VAT in the organisation's currency and the rate it was converted at (ML 17 kap.
    /// 24 §); null otherwise.
    pub exchange_rate: Option<ExchangeRateView>,
    pub lines: Vec<LineView>,
}

/// The VAT of an invoice in the organisation's own currency, with the rate from the
/// exchange-rate table it was converted at when the invoice was issued (a credit note's:
/// its invoice's).
#[derive(Serialize, ToSchema)]
pub struct ExchangeRateView {
    /// Units of `currency` for one unit of the invoice's currency.
    #[schema(example = "11.23")]
    pub rate: String,
    /// The rate's date: the latest in the table on or before the invoice date.
    pub date: NaiveDate,
    #[schema(example = "Riksbanken")]
    pub source: String,
    /// The organisation's own currency, which the VAT is stated in.
    #[schema(value_type = names::Currency)]
    pub currency: String,
    /// The invoice's VAT total times the rate, rounded to the öre half away from zero
    /// (negative on a credit note).
    #[schema(value_type = names::SignedAmount, example = "2807.50")]
    pub vat_amount: String,
}

impl ExchangeRateView {
    fn of(row: &InvoiceRow) -> Option<Self> {
        Some(ExchangeRateView {
            rate: row.exchange_rate.clone()?,
            date: row.exchange_rate_date?,
            source: row.exchange_rate_source.clone()?,
            vat_amount: money(
                row.accounting_vat_minor?,
                row.accounting_currency.as_deref()?,
            ),
            currency: row.accounting_currency.clone()?,
        })
    }
}

fn view(row: InvoiceRow, lines: &[LineRow], book: &Book, on: NaiveDate) -> InvoiceView {
    let c = row.currency.clone();
    let (status, credited, paid, outstanding) = if row.issued_at.is_some() {
        (
            book.status(&row, on).as_str().to_owned(),
            book.credited(&row.id),
            book.paid(&row.id),
            book.outstanding(&row),
        )
    } else {
        ("draft".to_owned(), 0, 0, 0)
    };
    InvoiceView {
        exchange_rate: ExchangeRateView::of(&row),
        lines: lines.iter().map(|l| LineView::of(l, &c)).collect(),
        status,
        credited: money(credited, &c),
        paid: money(paid, &c),
        outstanding: money(outstanding, &c),
        net: money(row.net_minor, &c),
        vat: money(row.vat_minor, &c),
        rounding: money(row.rounding_minor, &c),
        total: money(row.total_minor, &c),
        id: row.id,
        kind: row.kind,
        member_id: row.member_id,
        agreement_id: row.agreement_id,
        run_id: row.run_id,
        credits_invoice_id: row.credits_invoice_id,
        number: row.number,
        invoice_date: row.invoice_date,
        due_date: row.due_date,
        period_start: row.period_start,
        period_end: row.period_end,
        payment_reference: row.payment_reference,
        buyer_reference: row.buyer_reference,
        our_reference: row.our_reference,
        language: row.language,
        currency: row.currency,
        document_id: row.document_id,
        einvoice: row.einvoice_document_id.is_some(),
        issued_by: row.issued_by,
    }
}

/// Loads an invoice with its lines and the book it is judged by.
fn load_view(
    conn: &mut crate::storage::DbConnection,
    org: &str,
    id: &str,
) -> Result<InvoiceView, Error> {
    let row = store::invoice(conn, org, id)?;
    let lines = store::lines(conn, id)?;
    let book = Book::load_for(conn, org, std::slice::from_ref(&row.id))?;
    Ok(view(row, &lines, &book, today()))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = DraftBody, responses((status = 201, body = InvoiceView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<DraftBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let input = parse_draft(conn, &org, &body)?;
            let row = service::create_draft(conn, &org, &input, &actor)?;
            load_view(conn, &org, &row.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = DraftBody, responses((status = 200, body = InvoiceView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/invoices/{id}")]
pub async fn replace(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<DraftBody>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let input = parse_draft(conn, &org, &body)?;
            service::replace_draft(conn, &org, &id, &input, &actor)?;
            load_view(conn, &org, &id)
        })
        .await?;
    Ok(web::Json(v))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 204), (status = 409, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/invoices/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| service::delete_draft(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    pub member_id: Option<String>,
    pub run_id: Option<String>,
    /// Only invoices with this derived status.
    #[param(value_type = Option<names::InvoiceStatus>, inline)]
    pub status: Option<String>,
    /// The day statuses are seen on (an invoice is overdue after its due date); today
    /// when not given.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), InvoiceQuery, PagingParams), responses((status = 200, body = Items<InvoiceView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoices")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<InvoiceQuery>,
) -> Result<web::Json<Items<InvoiceView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    let status = q
        .status
        .as_deref()
        .map(crate::domain::invoicing::InvoiceStatus::parse)
        .transpose()
        .map_err(|i| Error::field("status", i))?;
    let on = date_or_today(q.on.as_deref(), "on")?;
    let items = db
        .run(move |conn| {
            let rows = store::invoices(
                conn,
                &org,
                &InvoiceFilter {
                    member_id: q.member_id,
                    run_id: q.run_id,
                    ..InvoiceFilter::default()
                },
            )?;
            let book = Book::load(conn, &org)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let lines = store::lines(conn, &row.id)?;
                let v = view(row, &lines, &book, on);
                if status.is_none_or(|s| s.as_str() == v.status) {
                    out.push(v);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(web::Json(paging.page(items)))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, body = InvoiceView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoices/{id}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    Ok(web::Json(
        db.run(move |conn| load_view(conn, &org, &id)).await?,
    ))
}

/// The e-invoice of an issued invoice or credit note: Peppol BIS Billing 3.0 (UBL 2.1; EHF
/// in Norway), byte for byte as it was stored at issue; its ETag is its SHA-256. 404 for a
/// draft and for an invoice issued before avtal wrote e-invoices.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoices/{id}/e-invoice")]
pub async fn einvoice(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let (number, bytes) = db
        .run(move |conn| {
            let row = store::invoice(conn, &org, &id)?;
            let document = row
                .einvoice_document_id
                .as_deref()
                .ok_or(Error::NotFound("e-invoice"))?;
            let bytes = crate::storage::documents::einvoice_content(conn, &org, document)?;
            Ok((row.number.unwrap_or(row.id), bytes))
        })
        .await?;
    let etag = format!("\"{}\"", crate::storage::documents::sha256_hex(&bytes));
    // The number is the file name; it is ours (prefix, year, sequence), but a header value
    // must not carry a quote.
    let filename: String = number
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}.xml\""),
        ))
        .insert_header((actix_web::http::header::ETAG, etag))
        .body(bytes))
}

/// The date an action takes effect; today when not given.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DateBody {
    #[schema(example = "2027-01-15", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
}

fn date_or_today(raw: Option<&str>, field: &str) -> Result<NaiveDate, Error> {
    raw.map_or(Ok(today()), |d| {
        iso_date(d).map_err(|i| Error::field(field, i))
    })
}

/// Issues a draft: its number, payment reference, dates and PDF, once and for all.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = DateBody, responses((status = 200, body = InvoiceView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/issue")]
pub async fn issue(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<DateBody>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let date = date_or_today(body.date.as_deref(), "date")?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let mut issuer = Issuer::new(conn, &renderer, &org)?;
            service::issue(conn, &mut issuer, &id, date, &actor)?;
            // In the issuing transaction: the invoice and its email stand or fall together.
            // A member without an invoice recipient gets its invoice all the same.
            if issuer.settings.send_on_issue {
                mail::queue_invoice(conn, &composer, &org, &id, today(), &actor)?;
            }
            load_view(conn, &org, &id)
        })
        .await?;
    Ok(web::Json(v))
}

/// A credit note: all of the invoice when no lines are given, else the lines (positive
/// amounts, credited).
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    #[schema(example = "2027-02-01", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    #[schema(min_items = 1)]
    pub lines: Option<Vec<LineBody>>,
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = CreditBody, responses((status = 201, body = InvoiceView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/credit-notes")]
pub async fn credit(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<CreditBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let date = date_or_today(body.date.as_deref(), "date")?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let original = store::invoice(conn, &org, &id)?;
            let currency = Currency::parse(&original.currency)
                .map_err(|_| Error::Internal(anyhow::anyhow!("stored currency")))?;
            let lines = match &body.lines {
                None => None,
                Some(lines) => {
                    let mut e = Errors::new();
                    let parsed = parse_lines(lines, currency, "lines", &mut e);
                    Some(e.finish(|| parsed).map_err(Error::Validation)?)
                }
            };
            let mut issuer = Issuer::new(conn, &renderer, &org)?;
            let note = service::credit(conn, &mut issuer, &id, lines, date, &actor)?;
            if issuer.settings.send_on_issue {
                mail::queue_invoice(conn, &composer, &org, &note.id, today(), &actor)?;
            }
            load_view(conn, &org, &note.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// What can happen to an issued invoice besides payment.
pub const EVENT_KINDS: &[&str] = &["sent", "written_off"];

/// Something that happened to an issued invoice: sent (by post or mail), written off.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    #[schema(value_type = names::InvoiceEvent)]
    pub kind: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    pub note: Option<String>,
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = EventBody, responses((status = 200, body = InvoiceView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/events")]
pub async fn event(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<EventBody>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let kind = match body.kind.trim() {
        k if EVENT_KINDS.contains(&k) => k.to_owned(),
        _ => {
            return Err(Error::field(
                "kind",
                Invalid::OneOf {
                    allowed: EVENT_KINDS,
                },
            ));
        }
    };
    let date = date_or_today(body.date.as_deref(), "date")?;
    let note = body
        .note
        .as_deref()
        .map(|n| text(n, LINE_MAX))
        .transpose()
        .map_err(|i| Error::field("note", i))?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            service::record_event(conn, &org, &id, &kind, date, note, &actor)?;
            load_view(conn, &org, &id)
        })
        .await?;
    Ok(web::Json(v))
}

/// An invoice run: every agreement period starting between `from` and `to` is billed.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    #[schema(example = "2027-01-01", format = Date)]
    pub from: String,
    #[schema(example = "2027-03-31", format = Date)]
    pub to: String,
    /// Dates every invoice; each agreement's own rule (e.g. the 15th) when not given.
    #[schema(value_type = Option<String>, format = Date)]
    pub invoice_date: Option<String>,
    /// Shows what would be invoiced without changing anything.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalView {
    pub agreement_id: String,
    pub member_id: String,
    pub member_name: String,
    pub invoice_date: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub currency: String,
    pub net: String,
    pub vat: String,
    pub total: String,
    pub lines: Vec<LineView>,
    /// What the invoice would lack or likely get wrong, to put right before issuing:
    /// billing_address, buyer_reference, einvoice_address, invoice_recipient, foreign_vat.
    pub gaps: Vec<GapView>,
    /// What the run does differently from the plan as first issued: fixed_part_resplit
    /// when the year's fixed amount changed after earlier instalments were issued.
    pub notes: Vec<GapView>,
}

#[derive(Serialize, ToSchema)]
pub struct GapView {
    pub code: &'static str,
    pub message: &'static str,
}

/// One view per invoice a proposal would create: an agreement whose outside-scope and
/// taxed lines fall due together gets two.
/// `gaps` holds each invoice's own.
fn proposal_views(p: Proposal, gaps: Vec<Vec<InvoiceGap>>) -> impl Iterator<Item = ProposalView> {
    p.invoices
        .into_iter()
        .zip(gaps)
        .map(move |(invoice, gaps)| ProposalView {
            notes: if p.resplit {
                vec![GapView {
                    code: crate::domain::invoicing::RESPLIT_CODE,
                    message: crate::domain::invoicing::resplit_message(Language::Sv),
                }]
            } else {
                Vec::new()
            },
            gaps: gaps
                .iter()
                .map(|g| GapView {
                    code: g.code(),
                    message: g.message(Language::Sv),
                })
                .collect(),
            lines: invoice
                .lines
                .iter()
                .map(|l| LineView {
                    description: l.description.clone(),
                    quantity: l.quantity.normalize().to_string(),
                    unit: l.unit.clone(),
                    unit_price: l.unit_price.amount().to_string(),
                    vat: l.vat.code(),
                    vat_exempt_reason: l.vat.exempt_reason().map(str::to_owned),
                    domestic_vat_abroad: l.domestic_vat_abroad,
                    amount: l.amount.amount().to_string(),
                    discount_percent: l
                        .discount
                        .as_ref()
                        .map(|d| d.percent.normalize().to_string()),
                    discount: l.discount.as_ref().map(|d| d.amount.amount().to_string()),
                })
                .collect(),
            agreement_id: p.agreement_id.clone(),
            member_id: p.member_id.clone(),
            member_name: p.member_name.clone(),
            invoice_date: invoice.date,
            period_start: invoice.period_start,
            period_end: invoice.period_end,
            currency: invoice.currency.as_str().to_owned(),
            net: invoice.net().amount().to_string(),
            vat: invoice.vat().amount().to_string(),
            total: invoice.total().amount().to_string(),
        })
}

#[derive(Serialize, ToSchema)]
pub struct RunView {
    /// None for a dry run.
    pub id: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dry_run: bool,
    /// What a dry run would invoice, one entry per invoice: an agreement whose fees
    /// (outside the scope of VAT) and taxed services fall due together gets two.
    pub proposals: Vec<ProposalView>,
    /// What the run issued.
    pub invoices: Vec<InvoiceView>,
    /// Agreements whose periods another run billed first.
    pub already_billed: Vec<String>,
    /// Agreements whose contribution could not be calculated, with the reason.
    pub skipped: Vec<SkippedView>,
    /// With `send_on_issue`: members whose invoices were not emailed for want of an
    /// invoice recipient.
    pub without_recipient: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SkippedView {
    pub agreement_id: String,
    pub member_id: String,
    pub reason: String,
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = RunBody, responses((status = 200, body = RunView), (status = 201, body = RunView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoice-runs")]
pub async fn run(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<RunBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let mut e = Errors::new();
    let from = e.check("from", iso_date(&body.from));
    let to = e.check("to", iso_date(&body.to));
    let invoice_date = e.check_opt("invoice_date", body.invoice_date.as_deref(), iso_date);
    let req = e
        .finish(|| {
            Some(RunRequest {
                from: from?,
                to: to?,
                invoice_date: invoice_date?,
            })
        })
        .map_err(Error::Validation)?;
    let with = (db, renderer, composer);
    run_view(with, caller, org, req, body.dry_run, None).await
}

/// An invoice run that was issued (or began to be): its invoices are listed by
/// `GET …/invoices?run_id=`, and `…/resume` issues what it has not.
#[derive(Serialize, ToSchema)]
pub struct RunSummaryView {
    pub id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// How many invoices and credit notes the run has issued so far.
    pub issued: i64,
    /// `running` while a request (in any avtal process) issues it, `finished` once it went
    /// through, `interrupted` when it stopped part of the way and can be resumed.
    pub status: &'static str,
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), PagingParams), responses((status = 200, body = Items<RunSummaryView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoice-runs")]
pub async fn runs(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<RunSummaryView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let runs = db.run(move |conn| store::runs(conn, &org)).await?;
    let at = crate::storage::now();
    Ok(web::Json(
        paging.page(
            runs.into_iter()
                .map(|(r, issued)| RunSummaryView {
                    status: r.status(at),
                    id: r.id,
                    from: r.period_start,
                    to: r.period_end,
                    created_by: r.created_by,
                    created_at: r.created_at.and_utc(),
                    issued,
                })
                .collect::<Vec<_>>(),
        ),
    ))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 201, body = RunView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoice-runs/{id}/resume")]
pub async fn resume(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let placeholder = RunRequest {
        from: today(),
        to: today(),
        invoice_date: None,
    };
    let with = (db, renderer, composer);
    run_view(with, caller, org, placeholder, false, Some(id)).await
}

async fn run_view(
    (db, renderer, composer): (web::Data<Db>, web::Data<Renderer>, web::Data<Composer>),
    caller: Caller,
    org: String,
    req: RunRequest,
    dry_run: bool,
    resume_id: Option<String>,
) -> Result<HttpResponse, Error> {
    let actor = caller.0.name.clone();
    let v = db
        .run(move |conn| {
            if dry_run {
                let (proposals, skipped) = service::propose(conn, &org, &req)?;
                let seller = service::organisation(conn, &org)?;
                let mut views = Vec::with_capacity(proposals.len());
                for p in proposals {
                    let member = crate::storage::members::get(conn, &org, &p.member_id)?;
                    let gaps = service::gaps(conn, &seller, &member, &p.invoices)?;
                    views.extend(proposal_views(p, gaps));
                }
                return Ok(RunView {
                    id: None,
                    from: req.from,
                    to: req.to,
                    dry_run,
                    proposals: views,
                    invoices: Vec::new(),
                    already_billed: Vec::new(),
                    skipped: skipped.into_iter().map(skipped_view).collect(),
                    without_recipient: Vec::new(),
                });
            }
            let out =
                service::issue_run(conn, &renderer, &org, &req, resume_id.as_deref(), &actor)?;
            let organisation = service::organisation(conn, &org)?;
            let settings = service::settings(conn, &organisation)?;
            // After the run's own transactions: a crash in between leaves the invoices
            // unsent, and resuming the run (or …/send) queues them, each once.
            let without_recipient = if settings.send_on_issue {
                let run_id = &out.run.id;
                crate::storage::write(conn, |c| {
                    mail::send_invoice_run(c, &composer, &org, run_id, today(), &actor)
                })?
                .without_recipient
                .into_iter()
                .map(|m| m.member_id)
                .collect()
            } else {
                Vec::new()
            };
            let book = Book::load(conn, &org)?;
            let mut invoices = Vec::with_capacity(out.issued.len());
            for row in out.issued {
                let lines = store::lines(conn, &row.id)?;
                invoices.push(view(row, &lines, &book, today()));
            }
            Ok(RunView {
                id: Some(out.run.id),
                from: out.run.period_start,
                to: out.run.period_end,
                dry_run,
                proposals: Vec::new(),
                invoices,
                already_billed: out.already_billed,
                skipped: out.skipped.into_iter().map(skipped_view).collect(),
                without_recipient,
            })
        })
        .await?;
    Ok(if v.dry_run {
        HttpResponse::Ok().json(v)
    } else {
        HttpResponse::Created().json(v)
    })
}

fn skipped_view(s: service::Skipped) -> SkippedView {
    SkippedView {
        agreement_id: s.agreement_id,
        member_id: s.member_id,
        reason: s.reason,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[param(value_type = Option<names::AuditEntity>, inline)]
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    /// The name of the token that made the change.
    pub actor: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// The record before the change, as the API showed it; absent for a creation.
    pub before: Option<serde_json::Value>,
    /// The record after the change; absent for a deletion.
    pub after: Option<serde_json::Value>,
}

/// Who changed what and when, oldest first. The trail cannot be changed through the API.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), AuditQuery, PagingParams), responses((status = 200, body = Items<AuditView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/audit")]
pub async fn audit_trail(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<AuditQuery>,
) -> Result<web::Json<Items<AuditView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    if let Some(e) = q.entity.as_deref()
        && !Entity::NAMES.contains(&e)
    {
        return Err(Error::field(
            "entity",
            Invalid::OneOf {
                allowed: Entity::NAMES,
            },
        ));
    }
    let rows = db
        .run(move |conn| store::audit(conn, &org, q.entity.as_deref(), q.entity_id.as_deref()))
        .await?;
    let parse = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    Ok(web::Json(
        paging.page(
            rows.into_iter()
                .map(|r| AuditView {
                    entity: r.entity,
                    entity_id: r.entity_id,
                    action: r.action,
                    actor: r.actor,
                    occurred_at: r.occurred_at.and_utc(),
                    before: parse(r.old_value),
                    after: parse(r.new_value),
                })
                .collect::<Vec<_>>(),
        ),
    ))
}
