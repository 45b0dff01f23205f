//! What every document of one issuing pass shares, loaded once: the organisation, its
//! settings, rates, templates and logo.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::settings::{Settings, organisation, reference_rates, settings};
use crate::domain::contribution::ContributionError;
use crate::domain::documents::{
    Buyer, DocumentKind, EINVOICE_KIND, InvoiceDocument, PaymentReference,
};
use crate::domain::invoicing::{
    AccountingVat, AccountingVatError, ExchangeRate, Invoice, InvoiceNumber, ReferenceRate,
    ReferenceScheme, STATUTORY_MARGIN, accounting_vat, exchange_rate_on, reference_rate_on,
};
use crate::domain::member::Member;
use crate::domain::organisation::Organisation;
use crate::domain::{Country, Currency, Invalid, Language, VatStatus};
use crate::einvoice;
use crate::error::Error;
use crate::pdf::page::Raster;
use crate::pdf::template::Template;
use crate::pdf::{Renderer, context};
use crate::services::documents::{own_template_and_logo, seller};
use crate::storage::DbConnection;
use crate::storage::documents::{self as documents_store, NewDocument};
use crate::storage::invoicing::InvoiceRow;

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
    pub(super) fn accounting_vat(
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

    /// The series a document is numbered in and its VAT in the organisation's currency,
    /// or why it cannot be issued: an invoice that takes money back (that is a credit
    /// note), an invoice in a currency the organisation has no account for (a credit note
    /// pays nothing), VAT in another currency without a rate.
    pub(super) fn issuable(
        &self,
        kind: DocumentKind,
        invoice: &Invoice,
        credited: Option<&InvoiceRow>,
    ) -> Result<(String, Option<AccountingVat>), Error> {
        let details = &self.organisation.details;
        let series = match kind {
            DocumentKind::CreditNote => self.settings.credit_note_prefix.clone(),
            _ => details.invoice_prefix.clone(),
        };
        if kind == DocumentKind::Invoice && invoice.total().to_minor() < 0 {
            return Err(Error::field("lines", Invalid::CreditNoteRequired));
        }
        if kind != DocumentKind::CreditNote {
            details
                .accounts
                .require(invoice.currency, details.default_currency)
                .map_err(|e| Error::Validation(vec![e]))?;
        }
        Ok((series, self.accounting_vat(invoice, credited)?))
    }

    /// The document a numbered invoice or credit note is, as its PDF and e-invoice show it.
    pub(super) fn document(
        &self,
        invoice: Invoice,
        member: &Member,
        terms: Terms<'_>,
    ) -> InvoiceDocument {
        let date = invoice.date;
        let due_date = match (terms.kind, terms.due) {
            (DocumentKind::CreditNote, _) => date,
            (_, Some(due)) => due,
            _ => {
                let days = self.organisation.details.payment_terms_days;
                date + chrono::Duration::days(i64::from(days))
            }
        };
        let reference = terms.reference.to_owned();
        InvoiceDocument {
            invoice,
            number: terms.number.to_string(),
            due_date,
            seller: seller(&self.organisation),
            buyer: Buyer::of(&member.details),
            reference: match self.settings.reference_scheme {
                ReferenceScheme::Ocr => PaymentReference::Ocr(reference),
                _ => PaymentReference::Kid(reference),
            },
            credits: terms.credited.map(|c| {
                (
                    c.number.clone().unwrap_or_default(),
                    c.invoice_date.unwrap_or(date),
                )
            }),
            late_interest_percent: self.late_interest_percent(member.details.country, date),
            accounting_vat: terms.accounting_vat,
        }
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
    pub(super) fn load_template(
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
    pub(super) fn render(
        &self,
        context: &context::Context,
        kind: DocumentKind,
    ) -> Result<Vec<u8>, Error> {
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
    pub(super) fn store_rendered(
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

/// What numbering decided of a document besides its invoice.
pub(super) struct Terms<'a> {
    pub kind: DocumentKind,
    pub number: InvoiceNumber,
    /// The caller's due date instead of the payment terms' (not for a credit note).
    pub due: Option<NaiveDate>,
    pub reference: &'a str,
    pub credited: Option<&'a InvoiceRow>,
    pub accounting_vat: Option<AccountingVat>,
}

/// Why a document's VAT cannot be stated in the organisation's currency, as the API says
/// it: no rate is named by the field `exchange_rate`, where the table is to be completed.
pub(super) fn exchange_error(e: AccountingVatError) -> Error {
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
