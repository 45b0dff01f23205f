//! What each kind of document says, as data: the offer letter, the invoice and the credit
//! note, the reminder and the account statement. Rendering turns these into pages; the
//! invoicing services fill them from what they have issued.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::contribution::{Conversion, VatTreatment};
use crate::domain::invoicing::{AccountingVat, BillingPlan, Invoice};
use crate::domain::member::{ContactDetails, MemberDetails};
use crate::domain::money::Money;
use crate::domain::organisation::{PaymentAccounts, Signatory};
use crate::domain::{Address, Currency, Language};

vocabulary! {
    /// The kinds of document avtal produces.
    DocumentKind {
        Offer = "offer",
        Invoice = "invoice",
        CreditNote = "credit-note",
        Reminder = "reminder",
        Statement = "statement",
    }
}

/// The kind an issued invoice's or credit note's e-invoice (Peppol BIS Billing 3.0 UBL) is
/// stored under beside the PDFs. Not a [`DocumentKind`]: it is written, not rendered from a
/// template, and is served as XML rather than as a PDF.
pub const EINVOICE_KIND: &str = "e-invoice";

/// The issuing organisation as its documents present it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    pub name: String,
    pub legal_name: String,
    pub address: Address,
    /// As printed, e.g. `222000-1891` or `974 760 673`.
    pub org_number: String,
    /// As printed, e.g. `SE222000189101` or `974 760 673 MVA`; `None` when not registered.
    pub vat_number: Option<String>,
    pub f_skatt: bool,
    /// Norwegian companies print "Foretaksregisteret" after the number.
    pub in_business_register: bool,
    pub seat: String,
    pub email: String,
    pub accounts: PaymentAccounts,
    /// The currency of the accounts' default IBAN (see [`PaymentAccounts::accepting`]).
    pub default_currency: Currency,
    pub signatories: Vec<Signatory>,
}

/// The member a document is addressed to, as it is when the document is made: an issued
/// document keeps it (its PDF and e-invoice are stored), whatever later changes the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    pub name: String,
    pub address: Option<Address>,
    pub org_number: Option<String>,
    /// As printed, e.g. `NO940875560MVA`.
    pub vat_number: Option<String>,
}

impl Buyer {
    pub fn of(member: &MemberDetails) -> Self {
        Buyer {
            name: member.name.clone(),
            address: member.billing_address.clone(),
            org_number: member.org_number.as_ref().map(ToString::to_string),
            vat_number: member.vat_number.as_ref().map(ToString::to_string),
        }
    }
}

/// The bank reference a payer quotes: an OCR number in Sweden, a KID in Norway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentReference {
    Ocr(String),
    Kid(String),
}

impl PaymentReference {
    pub fn as_str(&self) -> &str {
        match self {
            PaymentReference::Ocr(s) | PaymentReference::Kid(s) => s,
        }
    }
}

/// The part of a member's agreement an offer letter sets out for one fee year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferLetter {
    pub language: Language,
    pub date: NaiveDate,
    pub diarienummer: Option<String>,
    /// Whom the letter is for within the member, e.g. "Till kommundirektör och
    /// utbildningschef"; the template's default when `None`.
    pub addressees: Option<String>,
    pub seller: Seller,
    pub buyer: Buyer,
    pub fee_year: i32,
    /// The agreed period: the agreement's own start and end, `None` for until further
    /// notice.
    pub period_start: NaiveDate,
    pub period_end: Option<NaiveDate>,
    /// Uppsägningstid, in months.
    pub notice_months: i32,
    /// How the agreement is invoiced, and the date of its first invoice.
    pub billing: BillingPlan,
    pub first_invoice: Option<NaiveDate>,
    pub answer_by: NaiveDate,
    pub currency: Currency,
    /// The conversion the fees are computed under when the fee models are in another
    /// currency (an EUR budget paid in SEK or NOK).
    pub conversion: Option<Conversion>,
    /// Fixed components: what they are, how they were computed, and the amount.
    pub fixed: Vec<OfferFixedLine>,
    /// Whether the agreement has a variable part: services ordered under it. A fee-only
    /// agreement's letter says nothing of services.
    pub variable: bool,
    /// The services a member may order, with their prices.
    pub menu: Vec<MenuItem>,
    /// What the member has already ordered for the year, priced.
    pub ordered: Vec<OfferFixedLine>,
    /// Every fee year of an agreement with an end that spans more than one: what each
    /// year costs. Empty otherwise.
    pub years: Vec<OfferYear>,
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFixedLine {
    pub description: String,
    /// The figures behind the amount, e.g. 9 784 inhabitants × 28.50.
    pub calculation: Calculation,
    /// The population count's date, for a fee by inhabitants or a share by population.
    pub population_date: Option<NaiveDate>,
    /// The amount before conversion, in the fee model's currency.
    pub converted_from: Option<Money>,
    /// The index the fee model's values were uplifted by: its base year and the factor.
    pub index: Option<(i32, Decimal)>,
    pub amount: Money,
}

/// One fee year of a multi-year agreement as its offer letter lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferYear {
    pub year: i32,
    pub fixed: Money,
    pub ordered: Money,
    /// The fixed part before conversion, when the fees are converted.
    pub converted_from: Option<Money>,
}

/// Whom an offer letter is for within the member: the contacts who receive offers, or
/// failing those every contact with a role, by name and role — "Till Anna Lind,
/// kommundirektör, och Per Ek, utbildningschef". `None` when the member has no such
/// contact: the letter then goes to the member as a whole.
pub fn offer_addressees(contacts: &[ContactDetails], lang: Language) -> Option<String> {
    let flagged: Vec<&ContactDetails> = contacts.iter().filter(|c| c.mailings.offers).collect();
    let chosen = if flagged.is_empty() {
        contacts.iter().filter(|c| c.title.is_some()).collect()
    } else {
        flagged
    };
    let names: Vec<String> = chosen
        .iter()
        .map(|c| match &c.title {
            Some(title) => format!("{}, {title}", c.name),
            None => c.name.clone(),
        })
        .collect();
    let (to, and) = match lang {
        Language::Sv => ("Till", "och"),
        Language::Nb => ("Til", "og"),
        Language::En => ("To", "and"),
    };
    let (last, rest) = names.split_last()?;
    let with_titles = chosen.iter().any(|c| c.title.is_some());
    Some(if rest.is_empty() {
        format!("{to} {last}")
    } else if with_titles {
        // "Till Anna Lind, kommundirektör, och Per Ek, utbildningschef": the comma
        // before "och" keeps a name and the role after it together.
        format!("{to} {}, {and} {last}", rest.join(", "))
    } else {
        format!("{to} {} {and} {last}", rest.join(", "))
    })
}

/// How a fixed amount came about, in a form each language can phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Calculation {
    /// A quantity times a price: inhabitants × fee, ordered units × price.
    PerUnit {
        quantity: Decimal,
        unit: String,
        price: Money,
        /// A discount agreed on the price, in percent.
        discount_percent: Option<Decimal>,
    },
    /// A share of a pool, in percent, of a net amount.
    Share { percent: Decimal, of: Money },
    /// A flat amount; nothing to show.
    Flat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    pub service: String,
    pub unit: String,
    pub price: Money,
    pub vat: VatTreatment,
}

/// An invoice or a credit note as issued: the [`Invoice`] with its number, due date,
/// parties and payment reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    pub invoice: Invoice,
    pub number: String,
    pub due_date: NaiveDate,
    pub seller: Seller,
    pub buyer: Buyer,
    pub reference: PaymentReference,
    /// For a credit note: the invoice it credits, number and date.
    pub credits: Option<(String, NaiveDate)>,
    /// Dröjsmålsränta: the reference rate + 8 points, printed in the late-payment line;
    /// `None` when no reference rate is known for the invoice date, and the line names the
    /// rule instead.
    pub late_interest_percent: Option<Decimal>,
    /// On a document in another currency than the organisation's: its VAT total in the
    /// organisation's currency and the rate it was converted at (ML 17 kap. 24 §), when a
    /// rate was found; always found when the document charges VAT.
    pub accounting_vat: Option<AccountingVat>,
}

/// A påminnelse: what is overdue, with interest and fees, and a new date to pay by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderDocument {
    pub language: Language,
    pub date: NaiveDate,
    pub new_due_date: NaiveDate,
    pub seller: Seller,
    pub buyer: Buyer,
    pub currency: Currency,
    pub overdue: Vec<OverdueItem>,
    /// Påminnelseavgift, when the agreement allows one.
    pub fee: Money,
    /// Förseningsersättning, once per invoice, for businesses and authorities.
    pub compensation: Money,
    pub interest_percent: Decimal,
    pub reference: PaymentReference,
    /// The law the reminder follows, cited at its foot: the debtor's country's.
    pub law: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueItem {
    pub number: String,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub outstanding: Money,
    pub days_late: i64,
    pub interest: Money,
}

impl ReminderDocument {
    pub fn interest(&self) -> Money {
        let minor = self.overdue.iter().map(|o| o.interest.to_minor()).sum();
        Money::from_minor(minor, self.currency)
    }

    pub fn outstanding(&self) -> Money {
        let minor = self.overdue.iter().map(|o| o.outstanding.to_minor()).sum();
        Money::from_minor(minor, self.currency)
    }

    pub fn total(&self) -> Money {
        let minor = self.outstanding().to_minor()
            + self.interest().to_minor()
            + self.fee.to_minor()
            + self.compensation.to_minor();
        Money::from_minor(minor, self.currency)
    }
}

/// A kontoutdrag: a member's open items and balance on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementDocument {
    pub language: Language,
    pub date: NaiveDate,
    pub seller: Seller,
    pub buyer: Buyer,
    pub currency: Currency,
    pub items: Vec<OpenItem>,
}

/// What a line of a statement is: a document still open, or money the member paid that
/// is not yet set against one (its credit, which lowers the balance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Document(DocumentKind),
    Payment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub kind: ItemKind,
    /// The document's number, or the payment's reference (empty without one).
    pub number: String,
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    /// Negative for credit notes and payments on account.
    pub amount: Money,
    /// What was paid of a document; of a payment, what was set against documents.
    pub paid: Money,
}

impl OpenItem {
    pub fn outstanding(&self) -> Money {
        Money::from_minor(
            self.amount.to_minor() - self.paid.to_minor(),
            self.amount.currency(),
        )
    }
}

impl StatementDocument {
    pub fn balance(&self) -> Money {
        let minor = self.items.iter().map(|i| i.outstanding().to_minor()).sum();
        Money::from_minor(minor, self.currency)
    }

    /// The member's money not yet set against a document: negative, as it lowers the
    /// balance.
    pub fn on_account(&self) -> Money {
        let minor: i64 = self
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Payment)
            .map(|i| i.outstanding().to_minor())
            .sum();
        Money::from_minor(minor, self.currency)
    }

    /// What was due before the statement's date.
    pub fn overdue(&self) -> Money {
        let minor = self
            .items
            .iter()
            .filter(|i| i.due_date.is_some_and(|d| d < self.date))
            .map(|i| i.outstanding().to_minor())
            .sum();
        Money::from_minor(minor, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::member::Mailings;

    fn contact(name: &str, title: Option<&str>, offers: bool) -> ContactDetails {
        ContactDetails {
            name: name.into(),
            title: title.map(Into::into),
            email: None,
            phone: None,
            mailings: Mailings {
                offers,
                invoices: false,
                newsletters: false,
            },
        }
    }

    #[test]
    fn an_offer_is_addressed_to_the_contacts_who_receive_offers() {
        let contacts = [
            contact("Anna Lind", Some("kommundirektör"), true),
            contact("Eva Ek", Some("ekonomichef"), false),
            contact("Per Ek", Some("utbildningschef"), true),
        ];
        assert_eq!(
            offer_addressees(&contacts, Language::Sv).as_deref(),
            Some("Till Anna Lind, kommundirektör, och Per Ek, utbildningschef")
        );
        assert_eq!(
            offer_addressees(&contacts[..1], Language::Nb).as_deref(),
            Some("Til Anna Lind, kommundirektör")
        );
        // Nobody flagged: everyone with a role; nobody at all: no addressee line.
        let unflagged = [
            contact("Eva Ek", Some("ekonomichef"), false),
            contact("Bo Ek", None, false),
        ];
        assert_eq!(
            offer_addressees(&unflagged, Language::En).as_deref(),
            Some("To Eva Ek, ekonomichef")
        );
        assert_eq!(offer_addressees(&[], Language::Sv), None);
        let three = [
            contact("A", None, true),
            contact("B", None, true),
            contact("C", None, true),
        ];
        assert_eq!(
            offer_addressees(&three, Language::Sv).as_deref(),
            Some("Till A, B och C")
        );
    }
}
