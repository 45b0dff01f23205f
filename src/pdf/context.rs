//! The values a template can use, per kind of document, and how each document's data
//! becomes those values: already formatted for its language.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::domain::contribution::VatTreatment;
use crate::domain::documents::{
    Buyer, Calculation, DocumentKind, InvoiceDocument, ItemKind, OfferLetter, PaymentReference,
    ReminderDocument, Seller, StatementDocument,
};
use crate::domain::money::Money;
use crate::domain::organisation::PayTo;
use crate::domain::{Address, Bic, Country, Currency, Iban, Language};
use crate::pdf::format;
use crate::pdf::template::{Align, Vocabulary};

/// What one document fills its template with.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub kind: DocumentKind,
    pub language: Language,
    pub date: chrono::NaiveDate,
    /// The document's title in its metadata, e.g. "Faktura NAV-2026-0001".
    pub title: String,
    pub author: String,
    pub values: HashMap<&'static str, String>,
    pub tables: HashMap<&'static str, Vec<Vec<String>>>,
    pub lists: HashMap<&'static str, Vec<String>>,
    pub signatories: Vec<(String, String)>,
    /// The payment QR code's text when there is something to pay to an account of the
    /// document's currency: UsingQR JSON for SEK, an EPC code for EUR.
    pub qr: Option<String>,
}

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

/// What a kind of document is called, in titles and in the statement's item list.
pub fn kind_name(kind: DocumentKind, lang: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    match (kind, lang) {
        (DocumentKind::Offer, Sv) => "Erbjudande",
        (DocumentKind::Offer, Nb) => "Tilbud",
        (DocumentKind::Offer, En) => "Offer",
        (DocumentKind::Invoice, Sv | Nb) => "Faktura",
        (DocumentKind::Invoice, En) => "Invoice",
        (DocumentKind::CreditNote, Sv) => "Kreditfaktura",
        (DocumentKind::CreditNote, Nb) => "Kreditnota",
        (DocumentKind::CreditNote, En) => "Credit note",
        (DocumentKind::Reminder, Sv) => "Påminnelse",
        (DocumentKind::Reminder, Nb) => "Purring",
        (DocumentKind::Reminder, En) => "Reminder",
        (DocumentKind::Statement, Sv) => "Kontoutdrag",
        (DocumentKind::Statement, Nb) => "Kontoutskrift",
        (DocumentKind::Statement, En) => "Statement of account",
    }
}

/// What a line of a statement is called.
fn item_name(kind: ItemKind, lang: Language) -> &'static str {
    match (kind, lang) {
        (ItemKind::Document(kind), _) => kind_name(kind, lang),
        (ItemKind::Payment, Language::Sv) => "Inbetalning",
        (ItemKind::Payment, Language::Nb) => "Innbetaling",
        (ItemKind::Payment, Language::En) => "Payment",
    }
}

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

/// Lines of an address: street, c/o, postal code and city.
fn address_lines(a: &Address) -> String {
    let mut out = a.line1.clone();
    if let Some(l2) = &a.line2 {
        out.push('\n');
        out.push_str(l2);
    }
    out.push('\n');
    out.push_str(&a.postal_code);
    out.push_str("  ");
    out.push_str(&a.city);
    out
}

struct Builder {
    lang: Language,
    values: HashMap<&'static str, String>,
}

impl Builder {
    /// The organisation's accounts are those that take `currency`, the document's: an NOK
    /// invoice from a Swedish body shows its kontonummer and NOK IBAN, not its bankgiro.
    fn new(
        lang: Language,
        seller: &Seller,
        buyer: &Buyer,
        date: chrono::NaiveDate,
        currency: Currency,
    ) -> Self {
        let mut b = Builder {
            lang,
            values: HashMap::with_capacity(48),
        };
        let s = seller;
        b.set("organisation.name", &s.name);
        b.set("organisation.legal_name", &s.legal_name);
        b.set("organisation.address", &address_lines(&s.address));
        b.set(
            "organisation.address_line",
            &format!(
                "{}, {} {}",
                s.address.line1, s.address.postal_code, s.address.city
            ),
        );
        b.set("organisation.org_number", &s.org_number);
        b.set(
            "organisation.vat_number",
            s.vat_number.as_deref().unwrap_or(""),
        );
        // Norwegian VAT-registered businesses print "MVA" after the organisation number; a
        // Swedish seller's Norwegian-language documents state its VAT number, as every
        // invoice must (ML 17 kap. 24 §).
        let mva = match (&s.vat_number, s.address.country) {
            (None, _) => String::new(),
            (Some(_), Country::No) => "MVA".to_owned(),
            (Some(v), Country::Se) => format!("MVA-nr. {v}"),
        };
        b.set("organisation.mva", &mva);
        let f_skatt = match (s.f_skatt, lang) {
            (false, _) => "",
            (true, Language::Sv | Language::Nb) => "Godkänd för F-skatt",
            (true, Language::En) => "Approved for F-tax (Godkänd för F-skatt)",
        };
        b.set("organisation.f_skatt", f_skatt);
        b.set(
            "organisation.register",
            if s.in_business_register {
                "Foretaksregisteret"
            } else {
                ""
            },
        );
        b.set("organisation.seat", &s.seat);
        b.set("organisation.email", &s.email);
        let (mut bankgiro, mut plusgiro, mut kontonummer) = (None, None, None);
        let mut iban = None;
        for account in s.accounts.accepting(currency, s.default_currency) {
            match account {
                PayTo::Bankgiro(g) => bankgiro = Some(g.to_string()),
                PayTo::Plusgiro(g) => plusgiro = Some(g.to_string()),
                PayTo::Kontonummer(k) => kontonummer = Some(k.to_string()),
                PayTo::Iban { iban: i, bic } if iban.is_none() => iban = Some((i, bic)),
                PayTo::Iban { .. } => {}
            }
        }
        b.set("organisation.bankgiro", &bankgiro.unwrap_or_default());
        b.set("organisation.plusgiro", &plusgiro.unwrap_or_default());
        b.set("organisation.kontonummer", &kontonummer.unwrap_or_default());
        let (iban, bic) = match iban {
            Some((i, bic)) => (i.to_string(), bic.map(|b| b.as_str().to_owned())),
            None => (String::new(), None),
        };
        b.set("organisation.iban", &iban);
        b.set("organisation.bic", &bic.unwrap_or_default());
        b.set("member.name", &buyer.name);
        b.set(
            "member.address",
            &buyer
                .address
                .as_ref()
                .map(address_lines)
                .unwrap_or_default(),
        );
        b.set(
            "member.org_number",
            buyer.org_number.as_deref().unwrap_or(""),
        );
        b.set(
            "member.vat_number",
            buyer.vat_number.as_deref().unwrap_or(""),
        );
        if let Some(first) = s.signatories.first() {
            b.set("signatory.name", &first.name);
            b.set("signatory.title", &first.title);
        }
        b.set("document.date", &format::date(date, lang));
        b
    }

    fn set(&mut self, key: &'static str, value: &str) {
        self.values.insert(key, value.to_owned());
    }

    fn money(&mut self, key: &'static str, m: Money) {
        let v = format::money(m, self.lang);
        self.set(key, &v);
    }

    /// Like `money`, but empty when zero, so the template's row disappears.
    fn money_unless_zero(&mut self, key: &'static str, m: Money) {
        if m.is_zero() {
            self.set(key, "");
        } else {
            self.money(key, m);
        }
    }

    fn date(&mut self, key: &'static str, d: chrono::NaiveDate) {
        let v = format::date(d, self.lang);
        self.set(key, &v);
    }
}

fn signatories(seller: &Seller) -> Vec<(String, String)> {
    seller
        .signatories
        .iter()
        .map(|s| (s.name.clone(), s.title.clone()))
        .collect()
}

fn calculation(c: &Calculation, lang: Language) -> String {
    match c {
        Calculation::PerUnit {
            quantity,
            unit,
            price,
            discount_percent,
        } => {
            let mut text = format!(
                "{}{}{} × {}",
                format::number(*quantity, lang, 0),
                format::NBSP,
                unit,
                format::money(*price, lang)
            );
            if let Some(d) = discount_percent.filter(|d| !d.is_zero()) {
                text.push_str(&format!(" − {}", format::percent(d, lang)));
            }
            text
        }
        Calculation::Share { percent, of } => {
            let of_word = match lang {
                Language::Sv => "av",
                Language::Nb => "av",
                Language::En => "of",
            };
            format!(
                "{} {of_word} {}",
                format::percent(*percent, lang),
                format::money(*of, lang)
            )
        }
        Calculation::Flat => String::new(),
    }
}

fn sum(amounts: impl Iterator<Item = Money>, currency: Currency) -> Money {
    Money::from_minor(amounts.map(Money::to_minor).sum(), currency)
}

/// The values of an offer letter.
pub fn offer(doc: &OfferLetter) -> Context {
    let lang = doc.language;
    let mut b = Builder::new(lang, &doc.seller, &doc.buyer, doc.date, doc.currency);
    b.set("fee_year", &doc.fee_year.to_string());
    b.date("offer.date", doc.date);
    b.set(
        "offer.diarienummer",
        doc.diarienummer.as_deref().unwrap_or(""),
    );
    b.set("offer.addressees", doc.addressees.as_deref().unwrap_or(""));
    b.date("offer.answer_by", doc.answer_by);
    let period = format::agreed_period(doc.period_start, doc.period_end, lang);
    b.set("offer.period", &period);
    let notice = format::months(doc.notice_months, lang);
    b.set("offer.notice", &notice);
    let billing = format::billing_plan(&doc.billing, doc.variable, lang);
    b.set("offer.billing", &billing);
    match doc.first_invoice {
        Some(d) => b.date("offer.first_invoice", d),
        None => b.set("offer.first_invoice", ""),
    }
    let conversion = doc
        .conversion
        .as_ref()
        .map(|c| format::conversion(c, lang))
        .unwrap_or_default();
    b.set("offer.conversion", &conversion);
    b.set("offer.variable", if doc.variable { "1" } else { "" });
    b.set("offer.years", if doc.years.len() > 1 { "1" } else { "" });
    b.set(
        "offer.unconverted",
        if doc.conversion.is_none() { "1" } else { "" },
    );
    let fixed = sum(doc.fixed.iter().map(|l| l.amount), doc.currency);
    let ordered = sum(doc.ordered.iter().map(|l| l.amount), doc.currency);
    b.money("offer.fixed_total", fixed);
    b.money_unless_zero("offer.ordered_total", ordered);
    b.money(
        "offer.total",
        sum([fixed, ordered].into_iter(), doc.currency),
    );
    b.set("offer.currency", doc.currency.as_str());
    let lines = |lines: &[crate::domain::documents::OfferFixedLine]| {
        lines
            .iter()
            .map(|l| {
                let mut how = match (&l.calculation, l.population_date) {
                    // "9 784 invånare (2025-12-31) × 28,50 kr": the count with its date.
                    (
                        Calculation::PerUnit {
                            quantity,
                            unit,
                            price,
                            discount_percent: None,
                        },
                        Some(on),
                    ) => format!(
                        "{}{}{unit} ({}) × {}",
                        format::number(*quantity, lang, 0),
                        format::NBSP,
                        format::date(on, lang),
                        format::money(*price, lang)
                    ),
                    (other, Some(on)) => {
                        let at = match lang {
                            Language::Sv => "invånare den",
                            Language::Nb => "innbyggere per",
                            Language::En => "inhabitants on",
                        };
                        let how = calculation(other, lang);
                        let note = format!("{at} {}", format::date(on, lang));
                        if how.is_empty() {
                            note
                        } else {
                            format!("{how} ({note})")
                        }
                    }
                    (other, None) => calculation(other, lang),
                };
                if let Some((base, factor)) = l.index {
                    let factor = format::number(factor.round_dp(4), lang, 0);
                    let indexed = match lang {
                        Language::Sv => format!("uppräknat med index sedan {base}: ×{factor}"),
                        Language::Nb => format!("indeksregulert fra {base}: ×{factor}"),
                        Language::En => format!("indexed since {base}: ×{factor}"),
                    };
                    how = if how.is_empty() {
                        indexed
                    } else {
                        format!("{how}, {indexed}")
                    };
                }
                if let (Some(from), Some(c)) = (l.converted_from, &doc.conversion) {
                    let converted = format::converted(from, c.rate, lang);
                    how = if how.is_empty() {
                        converted
                    } else {
                        format!("{how} = {converted}")
                    };
                }
                vec![l.description.clone(), how, format::money(l.amount, lang)]
            })
            .collect::<Vec<_>>()
    };
    let menu = doc
        .menu
        .iter()
        .map(|m| {
            vec![
                m.service.clone(),
                m.unit.clone(),
                format::money(m.price, lang),
                format::vat(&m.vat, lang),
            ]
        })
        .collect();
    let terms_label = |sv: &str, nb: &str, en: &str| -> String {
        match lang {
            Language::Sv => sv,
            Language::Nb => nb,
            Language::En => en,
        }
        .to_owned()
    };
    let mut terms = vec![
        vec![terms_label("Avtalsperiod", "Avtaleperiode", "Term"), period],
        vec![
            terms_label("Uppsägningstid", "Oppsigelsestid", "Notice period"),
            notice,
        ],
        vec![
            terms_label("Fakturering", "Fakturering", "Invoicing"),
            billing,
        ],
    ];
    if let Some(d) = doc.first_invoice {
        terms.push(vec![
            terms_label("Första faktura", "Første faktura", "First invoice"),
            format::date(d, lang),
        ]);
    }
    if let Some(c) = &doc.conversion {
        terms.push(vec![
            terms_label("Valutakurs", "Valutakurs", "Exchange rate"),
            format!(
                "{}{}{} per {} ({}, {})",
                format::number(c.rate, lang, 0),
                format::NBSP,
                c.to,
                c.from,
                c.source,
                format::date(c.date, lang)
            ),
        ]);
    }
    let years = doc
        .years
        .iter()
        .map(|y| {
            vec![
                y.year.to_string(),
                y.converted_from
                    .map(|m| format::money(m, lang))
                    .unwrap_or_default(),
                format::money(y.fixed, lang),
                format::money(y.ordered, lang),
                format::money(sum([y.fixed, y.ordered].into_iter(), doc.currency), lang),
            ]
        })
        .collect();
    let title = format!(
        "{} {} – {}",
        kind_name(DocumentKind::Offer, lang),
        doc.fee_year,
        doc.buyer.name
    );
    Context {
        kind: DocumentKind::Offer,
        language: lang,
        date: doc.date,
        title,
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([
            ("fixed", lines(&doc.fixed)),
            ("ordered", lines(&doc.ordered)),
            ("menu", menu),
            ("terms", terms),
            ("years", years),
        ]),
        lists: HashMap::from([("attachments", doc.attachments.clone())]),
        signatories: signatories(&doc.seller),
        qr: None,
    }
}

/// Why no VAT is charged, for the invoice to state (ML 17 kap. 24 §).
fn vat_note(doc: &InvoiceDocument) -> String {
    let lang = doc.invoice.language;
    let mut notes: Vec<String> = Vec::new();
    // A reminder's charges: interest, compensation and fees, all damages.
    let damages = doc.invoice.lines.iter().all(|l| {
        l.component
            .as_deref()
            .is_some_and(crate::domain::invoicing::is_reminder_charge)
    });
    for line in &doc.invoice.lines {
        let note = match &line.vat {
            VatTreatment::Rate(_) => continue,
            VatTreatment::Exempt { reason } => reason.clone(),
            VatTreatment::OutsideScope if damages => match lang {
                Language::Sv => "Dröjsmålsränta och avgifter för sen betalning är ersättning, inte omsättning, och ligger utanför momsens tillämpningsområde.".into(),
                Language::Nb => "Forsinkelsesrente og gebyrer for sen betaling er erstatning, ikke omsetning, og er utenfor merverdiavgiftsområdet.".into(),
                Language::En => "Late-payment interest and fees are compensation, not a supply, and outside the scope of VAT.".into(),
            },
            VatTreatment::OutsideScope => match lang {
                Language::Sv => "Medlemsavgiften ligger utanför momsens tillämpningsområde.".into(),
                Language::Nb => "Medlemskontingenten er utenfor merverdiavgiftsområdet.".into(),
                Language::En => "The membership contribution is outside the scope of VAT.".into(),
            },
            VatTreatment::ReverseCharge => {
                // The buyer accounts for the VAT under its VAT registration; the
                // organisation number identifies a buyer that gave none.
                let buyer = doc
                    .buyer
                    .vat_number
                    .as_deref()
                    .or(doc.buyer.org_number.as_deref())
                    .unwrap_or("");
                // The seller's country, whose law does not tax the service.
                match (lang, doc.seller.address.country) {
                    (Language::Sv, Country::Se) => format!("Omvänd betalningsskyldighet. Tjänsten är inte skattepliktig i Sverige (mervärdesskattelagen 6 kap. 33 §); köparen ({buyer}) redovisar mervärdesskatten."),
                    (Language::Sv, Country::No) => format!("Omvänd betalningsskyldighet. Tjänsten är inte skattepliktig i Norge (merverdiavgiftsloven § 6-22); köparen ({buyer}) redovisar mervärdesskatten."),
                    (Language::Nb, Country::Se) => format!("Omvendt avgiftsplikt. Tjenesten er ikke avgiftspliktig i Sverige; kjøperen ({buyer}) beregner merverdiavgiften."),
                    (Language::Nb, Country::No) => format!("Omvendt avgiftsplikt. Tjenesten er ikke avgiftspliktig i Norge (merverdiavgiftsloven § 6-22); kjøperen ({buyer}) beregner merverdiavgiften."),
                    (Language::En, Country::Se) => format!("Reverse charge. The service is not taxable in Sweden; the buyer ({buyer}) accounts for the VAT."),
                    (Language::En, Country::No) => format!("Reverse charge. The service is not taxable in Norway; the buyer ({buyer}) accounts for the VAT."),
                }
            }
        };
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes.join(" ")
}

/// The payment QR code of a document to pay, for the account of its currency: the UsingQR
/// JSON Swedish banking apps read for SEK, the EPC (SEPA credit transfer) code European
/// banking apps read for EUR. NOK has no code Norwegian banks share, so none.
fn payment_qr(
    seller: &Seller,
    reference: &PaymentReference,
    date: chrono::NaiveDate,
    due: chrono::NaiveDate,
    amount: Money,
) -> Option<String> {
    if amount.to_minor() <= 0 {
        return None;
    }
    let currency = amount.currency();
    let account = seller
        .accounts
        .for_currency(currency, seller.default_currency)?;
    match (currency, account) {
        (Currency::Sek, PayTo::Bankgiro(bg)) => Some(using_qr(
            seller,
            reference,
            date,
            due,
            amount,
            "BG",
            &bg.to_string(),
        )),
        (Currency::Sek, PayTo::Plusgiro(pg)) => Some(using_qr(
            seller,
            reference,
            date,
            due,
            amount,
            "PG",
            &pg.to_string(),
        )),
        (Currency::Sek, PayTo::Iban { iban, .. }) => Some(using_qr(
            seller,
            reference,
            date,
            due,
            amount,
            "IBAN",
            iban.as_str(),
        )),
        (Currency::Eur, PayTo::Iban { iban, bic }) => {
            epc_qr(seller, reference, amount, &iban, bic.as_ref())
        }
        _ => None,
    }
}

/// The UsingQR payload: the keys Swedish banking apps read to fill in a payment.
fn using_qr(
    seller: &Seller,
    reference: &PaymentReference,
    date: chrono::NaiveDate,
    due: chrono::NaiveDate,
    amount: Money,
    pt: &str,
    account: &str,
) -> String {
    // Written by hand so that `due` is a JSON number with exactly two decimals, as the
    // format wants, without passing through a float; the keys in the order of the spec.
    let text = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "{{\"uqr\":1,\"tp\":1,\"nme\":{},\"cid\":{},\"iref\":{},\"idt\":\"{}\",\"ddt\":\"{}\",\"due\":{},\"cur\":\"{}\",\"pt\":\"{}\",\"acc\":{}}}",
        text(&seller.name),
        text(&seller.org_number),
        text(reference.as_str()),
        date.format("%Y%m%d"),
        due.format("%Y%m%d"),
        amount.amount().round_dp(2),
        amount.currency().as_str(),
        pt,
        text(account),
    )
}

/// The EPC QR code (European Payments Council, EPC069-12, version 002, UTF-8): service tag,
/// version, character set, SCT, BIC, beneficiary, IBAN, amount, an empty purpose and
/// structured reference (the OCR number or KID is no ISO 11649 creditor reference), and
/// the reference as remittance text. The beneficiary is the legal name the account is
/// held in, which payee verification compares. `None` above the format's largest amount.
fn epc_qr(
    seller: &Seller,
    reference: &PaymentReference,
    amount: Money,
    iban: &Iban,
    bic: Option<&Bic>,
) -> Option<String> {
    let minor = amount.to_minor();
    if minor > 99_999_999_999 {
        return None;
    }
    let name: String = seller
        .legal_name
        .chars()
        .filter(|c| !c.is_control())
        .take(70)
        .collect();
    Some(format!(
        "BCD\n002\n1\nSCT\n{}\n{}\n{}\nEUR{}.{:02}\n\n\n{}",
        bic.map(Bic::as_str).unwrap_or_default(),
        name,
        iban.as_str(),
        minor / 100,
        minor % 100,
        reference.as_str(),
    ))
}

/// The values of an invoice or, when it credits another, a credit note.
pub fn invoice(doc: &InvoiceDocument) -> Context {
    let lang = doc.invoice.language;
    let kind = if doc.credits.is_some() {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    };
    let mut b = Builder::new(
        lang,
        &doc.seller,
        &doc.buyer,
        doc.invoice.date,
        doc.invoice.currency,
    );
    b.set("invoice.number", &doc.number);
    b.date("invoice.date", doc.invoice.date);
    b.date("invoice.due_date", doc.due_date);
    b.set(
        "invoice.period",
        &format::period(doc.invoice.period_start, Some(doc.invoice.period_end), lang),
    );
    b.set(
        "invoice.buyer_reference",
        doc.invoice.buyer_reference.as_deref().unwrap_or(""),
    );
    b.set(
        "invoice.our_reference",
        doc.invoice.our_reference.as_deref().unwrap_or(""),
    );
    let summary = doc.invoice.vat_summary();
    let total = doc.invoice.total();
    b.money("invoice.net", doc.invoice.net());
    b.money("invoice.vat", doc.invoice.vat());
    b.money_unless_zero("invoice.rounding", doc.invoice.rounding);
    b.money("invoice.total", total);
    b.set("invoice.currency", doc.invoice.currency.as_str());
    b.set("invoice.reference", doc.reference.as_str());
    b.set("invoice.vat_note", &vat_note(doc));
    // A document in another currency that charges VAT states it in the organisation's too.
    b.set(
        "invoice.accounting_vat",
        &doc.accounting_vat
            .as_ref()
            .filter(|a| !a.vat.is_zero())
            .map(|a| format::accounting_vat(a, lang))
            .unwrap_or_default(),
    );
    b.set(
        "invoice.interest",
        &doc.late_interest_percent.map_or_else(
            || {
                match lang {
                    Language::Sv => "referensräntan + 8 procentenheter",
                    Language::Nb => "styringsrenten + 8 prosentpoeng",
                    Language::En => "the reference rate + 8 percentage points",
                }
                .to_owned()
            },
            |p| format::percent(p, lang),
        ),
    );
    match &doc.credits {
        Some((number, date)) => {
            b.set("credited.number", number);
            b.date("credited.date", *date);
        }
        None => {
            b.set("credited.number", "");
            b.set("credited.date", "");
        }
    }
    // A discounted line shows the quantity times the price, and its discount on a row of
    // its own under it.
    let lines = doc
        .invoice
        .lines
        .iter()
        .flat_map(|l| {
            let line = vec![
                l.description.clone(),
                format::number(l.quantity, lang, 0),
                l.unit.clone(),
                format::amount(l.unit_price, lang),
                format::vat(&l.vat, lang),
                format::amount(l.gross(), lang),
            ];
            let discount = l.discount.as_ref().map(|d| {
                let word = crate::domain::invoicing::Discount::name(lang);
                vec![
                    format!("{word} {}", format::percent(d.percent, lang)),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format::amount(
                        Money::from_minor(-d.amount.to_minor(), d.amount.currency()),
                        lang,
                    ),
                ]
            });
            std::iter::once(line).chain(discount)
        })
        .collect();
    let vat_summary = summary
        .iter()
        .map(|s| {
            let total = Money::from_minor(
                s.base.to_minor() + s.vat_amount.to_minor(),
                doc.invoice.currency,
            );
            vec![
                format::vat(&s.vat, lang),
                format::amount(s.base, lang),
                format::amount(s.vat_amount, lang),
                format::amount(total, lang),
            ]
        })
        .collect();
    let qr = match kind {
        DocumentKind::Invoice => payment_qr(
            &doc.seller,
            &doc.reference,
            doc.invoice.date,
            doc.due_date,
            total,
        ),
        _ => None,
    };
    Context {
        kind,
        language: lang,
        date: doc.invoice.date,
        title: format!("{} {}", kind_name(kind, lang), doc.number),
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([("lines", lines), ("vat_summary", vat_summary)]),
        lists: HashMap::new(),
        signatories: signatories(&doc.seller),
        qr,
    }
}

/// The values of a reminder.
pub fn reminder(doc: &ReminderDocument) -> Context {
    let lang = doc.language;
    let mut b = Builder::new(lang, &doc.seller, &doc.buyer, doc.date, doc.currency);
    b.date("reminder.date", doc.date);
    b.date("reminder.due_date", doc.new_due_date);
    b.money("reminder.outstanding", doc.outstanding());
    b.money_unless_zero("reminder.interest", doc.interest());
    b.set(
        "reminder.interest_percent",
        &format::percent(doc.interest_percent, lang),
    );
    b.money_unless_zero("reminder.fee", doc.fee);
    b.money_unless_zero("reminder.compensation", doc.compensation);
    let total = doc.total();
    b.money("reminder.total", total);
    b.set("reminder.reference", doc.reference.as_str());
    b.set("reminder.law", &doc.law);
    let rows = doc
        .overdue
        .iter()
        .map(|o| {
            vec![
                o.number.clone(),
                format::date(o.date, lang),
                format::date(o.due_date, lang),
                format::number(Decimal::from(o.days_late), lang, 0),
                format::amount(o.outstanding, lang),
                format::amount(o.interest, lang),
            ]
        })
        .collect();
    Context {
        kind: DocumentKind::Reminder,
        language: lang,
        date: doc.date,
        title: format!(
            "{} {}",
            kind_name(DocumentKind::Reminder, lang),
            doc.buyer.name
        ),
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([("overdue", rows)]),
        lists: HashMap::new(),
        signatories: signatories(&doc.seller),
        qr: payment_qr(
            &doc.seller,
            &doc.reference,
            doc.date,
            doc.new_due_date,
            total,
        ),
    }
}

/// The values of an account statement.
pub fn statement(doc: &StatementDocument) -> Context {
    let lang = doc.language;
    let mut b = Builder::new(lang, &doc.seller, &doc.buyer, doc.date, doc.currency);
    b.date("statement.date", doc.date);
    b.money("statement.balance", doc.balance());
    b.money_unless_zero("statement.overdue", doc.overdue());
    b.money_unless_zero("statement.on_account", doc.on_account());
    let rows = doc
        .items
        .iter()
        .map(|i| {
            vec![
                item_name(i.kind, lang).to_owned(),
                i.number.clone(),
                format::date(i.date, lang),
                i.due_date
                    .map(|d| format::date(d, lang))
                    .unwrap_or_default(),
                format::amount(i.amount, lang),
                format::amount(i.paid, lang),
                format::amount(i.outstanding(), lang),
            ]
        })
        .collect();
    Context {
        kind: DocumentKind::Statement,
        language: lang,
        date: doc.date,
        title: format!(
            "{} {}",
            kind_name(DocumentKind::Statement, lang),
            doc.buyer.name
        ),
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([("items", rows)]),
        lists: HashMap::new(),
        signatories: signatories(&doc.seller),
        qr: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reverse-charged service names the seller's country, whose law leaves it untaxed.
    #[test]
    fn the_reverse_charge_note_names_the_sellers_country() {
        for (country, sv, nb) in [
            (
                Country::Se,
                "skattepliktig i Sverige (mervärdesskattelagen 6 kap. 33 §)",
                "i Sverige",
            ),
            (
                Country::No,
                "skattepliktig i Norge (merverdiavgiftsloven § 6-22)",
                "i Norge",
            ),
        ] {
            for (lang, expected) in [(Language::Sv, sv), (Language::Nb, nb)] {
                let mut doc = crate::pdf::sample::invoice(lang);
                doc.seller.address.country = country;
                for line in &mut doc.invoice.lines {
                    line.vat = VatTreatment::ReverseCharge;
                }
                let note = vat_note(&doc);
                assert!(note.contains(expected), "{note}");
            }
        }
    }
}
