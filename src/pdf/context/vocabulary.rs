//! What each kind of document offers its template: placeholders, tables with their
//! fields and alignment, and lists.

use crate::domain::documents::DocumentKind;
use crate::pdf::template::{Align, Vocabulary};

macro_rules! values {
    ($($extra:literal),* $(,)?) => {{
        const V: &[&str] = &[
            "organisation.name",
            "organisation.legal_name",
            "organisation.address",
            "organisation.address_line",
            "organisation.org_number",
            "organisation.vat_number",
            "organisation.mva",
            "organisation.f_skatt",
            "organisation.register",
            "organisation.seat",
            "organisation.email",
            "organisation.bankgiro",
            "organisation.plusgiro",
            "organisation.iban",
            "organisation.bic",
            "organisation.kontonummer",
            "member.name",
            "member.address",
            "member.org_number",
            "member.vat_number",
            "signatory.name",
            "signatory.title",
            "document.date",
            $($extra),*
        ];
        V
    }};
}

use Align::{Left as L, Right as R};

static OFFER: Vocabulary = Vocabulary {
    values: values!(
        "fee_year",
        "offer.date",
        "offer.diarienummer",
        "offer.addressees",
        "offer.answer_by",
        "offer.period",
        "offer.fixed_total",
        "offer.ordered_total",
        "offer.total",
        "offer.currency",
        "offer.notice",
        "offer.billing",
        "offer.first_invoice",
        "offer.conversion",
        "offer.variable",
        "offer.years",
        "offer.unconverted",
    ),
    tables: &[
        ("terms", &[("term", L), ("value", L)]),
        (
            "years",
            &[
                ("year", L),
                ("converted_from", R),
                ("fixed", R),
                ("ordered", R),
                ("total", R),
            ],
        ),
        (
            "fixed",
            &[("description", L), ("calculation", L), ("amount", R)],
        ),
        (
            "ordered",
            &[("description", L), ("calculation", L), ("amount", R)],
        ),
        (
            "menu",
            &[("service", L), ("unit", L), ("price", R), ("vat", R)],
        ),
    ],
    lists: &["attachments"],
};

static INVOICE: Vocabulary = Vocabulary {
    values: values!(
        "invoice.number",
        "invoice.date",
        "invoice.due_date",
        "invoice.period",
        "invoice.buyer_reference",
        "invoice.our_reference",
        "invoice.net",
        "invoice.vat",
        "invoice.rounding",
        "invoice.total",
        "invoice.currency",
        "invoice.reference",
        "invoice.vat_note",
        "invoice.accounting_vat",
        "invoice.interest",
        "credited.number",
        "credited.date",
    ),
    tables: &[
        (
            "lines",
            &[
                ("description", L),
                ("quantity", R),
                ("unit", L),
                ("unit_price", R),
                ("vat", R),
                ("amount", R),
            ],
        ),
        (
            "vat_summary",
            &[("vat", L), ("base", R), ("vat_amount", R), ("total", R)],
        ),
    ],
    lists: &[],
};

static REMINDER: Vocabulary = Vocabulary {
    values: values!(
        "reminder.date",
        "reminder.due_date",
        "reminder.outstanding",
        "reminder.interest",
        "reminder.interest_percent",
        "reminder.fee",
        "reminder.compensation",
        "reminder.total",
        "reminder.reference",
        "reminder.law",
    ),
    tables: &[(
        "overdue",
        &[
            ("number", L),
            ("date", L),
            ("due_date", L),
            ("days", R),
            ("outstanding", R),
            ("interest", R),
        ],
    )],
    lists: &[],
};

static STATEMENT: Vocabulary = Vocabulary {
    values: values!(
        "statement.date",
        "statement.balance",
        "statement.overdue",
        "statement.on_account"
    ),
    tables: &[(
        "items",
        &[
            ("type", L),
            ("number", L),
            ("date", L),
            ("due_date", L),
            ("amount", R),
            ("paid", R),
            ("outstanding", R),
        ],
    )],
    lists: &[],
};

/// The placeholders, tables and lists a kind of document offers its template.
pub fn vocabulary(kind: DocumentKind) -> &'static Vocabulary {
    match kind {
        DocumentKind::Offer => &OFFER,
        // A credit note is an invoice with negative lines and a reference.
        DocumentKind::Invoice | DocumentKind::CreditNote => &INVOICE,
        DocumentKind::Reminder => &REMINDER,
        DocumentKind::Statement => &STATEMENT,
    }
}
