//! What invoicing requests carry, and how each is parsed into typed values.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::contribution::VatTreatment;
use crate::domain::invoicing::InvoiceLine;
use crate::domain::money::{Money, parse_amount, parse_quantity};
use crate::domain::{Currency, Errors, Invalid, LINE_MAX, Language, iso_date, text};
use crate::error::Error;
use crate::http::names;
use crate::services::invoicing::{DraftInput, Settings};

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

pub(super) fn parse_lines(
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
pub(super) fn parse_draft(
    body: &DraftBody,
    member_currency: &mut dyn FnMut(&str) -> Result<Currency, Error>,
) -> Result<DraftInput, Error> {
    let mut e = Errors::new();
    let language = e.check_opt("language", body.language.as_deref(), Language::parse);
    let currency = match e
        .check_opt("currency", body.currency.as_deref(), Currency::parse)
        .flatten()
    {
        Some(c) => c,
        None => member_currency(&body.member_id)?,
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

/// The date an action takes effect; today when not given.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DateBody {
    #[schema(example = "2027-01-15", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
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

/// What can happen to an issued invoice besides payment.
pub const EVENT_KINDS: &[&str] = names::INVOICE_EVENTS;

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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[param(value_type = Option<names::AuditEntity>, inline)]
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}
