//! What invoicing answers show: invoices with their derived status, run proposals, runs and
//! the audit trail.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::money;
use crate::domain::Language;
use crate::domain::invoicing::InvoiceGap;
use crate::http::names;
use crate::services::invoicing::{
    self as service, Book, InvoiceRow, LineRow, Listed, Proposal, Shown,
};

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

pub(super) fn view(row: InvoiceRow, lines: &[LineRow], book: &Book, on: NaiveDate) -> InvoiceView {
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
pub(super) fn proposal_views(
    p: Proposal,
    gaps: Vec<Vec<InvoiceGap>>,
) -> impl Iterator<Item = ProposalView> {
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

pub(super) fn skipped_view(s: service::Skipped) -> SkippedView {
    SkippedView {
        agreement_id: s.agreement_id,
        member_id: s.member_id,
        reason: s.reason,
    }
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

/// An invoice as read, seen on a day.
pub(super) fn shown_view(shown: Shown, on: NaiveDate) -> InvoiceView {
    view(shown.invoice, &shown.lines, &shown.book, on)
}

/// Listed invoices, seen on a day.
pub(super) fn listed_views(listed: Listed, on: NaiveDate) -> impl Iterator<Item = InvoiceView> {
    let Listed { invoices, book } = listed;
    invoices
        .into_iter()
        .map(move |(row, lines)| view(row, &lines, &book, on))
}
