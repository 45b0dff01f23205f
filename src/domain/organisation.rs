//! The issuing body: a municipal federation, a think tank, a project. Every other record
//! belongs to exactly one organisation.

use std::collections::BTreeMap;

use crate::domain::mail_sender::{self, Mailbox, Senders};
use crate::domain::{
    Address, Bankgiro, Bic, Country, Currency, Email, Iban, Kontonummer, Language, OrgNumber,
    Plusgiro, VatNumber, VatStatus,
};

/// A person who signs the organisation's letters, e.g. "Lisa Belfrage, Verksamhetschef".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatory {
    pub name: String,
    pub title: String,
}

/// Where members pay. Bankgiro and plusgiro take SEK; `iban` and `bic` are the account in
/// the organisation's default currency; `by_currency` holds the accounts of other
/// currencies (a Norwegian kontonummer for NOK, a EUR IBAN). An invoice is paid to an account
/// of its own currency (see [`PaymentAccounts::for_currency`]), and is not issued without one;
/// an organisation may be registered before it has any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentAccounts {
    pub bankgiro: Option<Bankgiro>,
    pub plusgiro: Option<Plusgiro>,
    pub iban: Option<Iban>,
    pub bic: Option<Bic>,
    pub by_currency: BTreeMap<Currency, CurrencyAccount>,
}

/// The accounts that take payments in one currency, beside the Swedish giros.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrencyAccount {
    /// Only for NOK: what Norwegian payers pay to from any bank.
    pub kontonummer: Option<Kontonummer>,
    pub iban: Option<Iban>,
    pub bic: Option<Bic>,
}

/// One account an invoice can be paid to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayTo {
    Bankgiro(Bankgiro),
    Plusgiro(Plusgiro),
    Kontonummer(Kontonummer),
    Iban { iban: Iban, bic: Option<Bic> },
}

impl PaymentAccounts {
    /// Every account that takes payments in `currency`, the preferred first: for SEK the
    /// bankgiro, then the plusgiro; for NOK the kontonummer; then the currency's own IBAN,
    /// then the default IBAN when `currency` is the organisation's `default_currency`.
    pub fn accepting(&self, currency: Currency, default_currency: Currency) -> Vec<PayTo> {
        let mut out = Vec::new();
        if currency == Currency::Sek {
            out.extend(self.bankgiro.clone().map(PayTo::Bankgiro));
            out.extend(self.plusgiro.clone().map(PayTo::Plusgiro));
        }
        let own = self.by_currency.get(&currency);
        if currency == Currency::Nok {
            out.extend(
                own.and_then(|a| a.kontonummer.clone())
                    .map(PayTo::Kontonummer),
            );
        }
        if let Some(a) = own
            && let Some(iban) = &a.iban
        {
            out.push(PayTo::Iban {
                iban: iban.clone(),
                bic: a.bic.clone(),
            });
        }
        if currency == default_currency
            && let Some(iban) = &self.iban
            && own.and_then(|a| a.iban.as_ref()) != Some(iban)
        {
            out.push(PayTo::Iban {
                iban: iban.clone(),
                bic: self.bic.clone(),
            });
        }
        out
    }

    /// The account an invoice in `currency` is paid to; `None` when the organisation has
    /// none for that currency, and the invoice cannot be issued.
    pub fn for_currency(&self, currency: Currency, default_currency: Currency) -> Option<PayTo> {
        self.accepting(currency, default_currency)
            .into_iter()
            .next()
    }

    /// Refuses a currency without an account, naming where one is given (`accounts.NOK`),
    /// before anything is numbered.
    pub fn require(
        &self,
        currency: Currency,
        default_currency: Currency,
    ) -> Result<PayTo, crate::domain::FieldError> {
        self.for_currency(currency, default_currency)
            .ok_or_else(|| crate::domain::FieldError {
                field: format!("accounts.{}", currency.as_str()),
                invalid: crate::domain::Invalid::NoAccount {
                    currency: currency.as_str(),
                },
            })
    }
}

/// Everything that describes an organisation, as created or updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationDetails {
    pub name: String,
    pub legal_name: String,
    pub country: Country,
    pub org_number: OrgNumber,
    pub vat_status: VatStatus,
    pub vat_number: Option<VatNumber>,
    pub address: Address,
    /// Säte: the municipality where the body has its registered seat.
    pub seat: String,
    /// "Godkänd för F-skatt", printed on Swedish invoices when set.
    pub f_skatt: bool,
    pub accounts: PaymentAccounts,
    pub default_currency: Currency,
    pub default_language: Language,
    pub payment_terms_days: u16,
    /// Invoice numbers read `PREFIX-YEAR-SEQUENCE`, e.g. `NAV-2026-0001`.
    pub invoice_prefix: String,
    pub contact_email: Email,
    pub signatories: Vec<Signatory>,
    /// The From of the organisation's email; `None`: the deployment's sender in the
    /// organisation's name (see [`mail_sender::senders`]).
    pub email_from: Option<Mailbox>,
    /// Where replies to its email go; `None`: the contact address.
    pub email_reply_to: Option<Mailbox>,
}

impl OrganisationDetails {
    /// "Vår referens" on every invoice unless one is given: the first signatory, the person
    /// members know the agreements by.
    pub fn our_reference(&self) -> Option<String> {
        self.signatories.first().map(|s| s.name.clone())
    }

    /// The From and Reply-To of the organisation's messages, given the deployment's own
    /// sender (`None` when it has none that can be answered).
    pub fn senders(&self, deployment: Option<&Email>) -> Senders {
        mail_sender::senders(
            &self.name,
            &self.contact_email,
            self.email_from.as_ref(),
            self.email_reply_to.as_ref(),
            deployment,
        )
    }
}

/// Letters, digits and hyphens, so that invoice numbers survive every bank and Peppol field.
pub fn invoice_prefix(raw: &str) -> Result<String, crate::domain::Invalid> {
    let p = raw.trim().to_uppercase();
    let ok = (1..=10).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(p)
    } else {
        Err(crate::domain::Invalid::Format {
            expected: "1–10 tecken A–Z, 0–9 eller -",
        })
    }
}

/// The invoice prefix an organisation gets when it names none: the initials of its name's
/// words when it has several ("Scandinavian Science Cluster" → "SSC"), else the name's
/// first three letters ("Navet" → "NAV"), in A–Z (å, ä, ö → A, A, O); "AVT" when the name
/// has no letters to take.
pub fn default_invoice_prefix(name: &str) -> String {
    let fold = |c: char| match c.to_ascii_uppercase() {
        'Å' | 'Ä' | 'å' | 'ä' | 'Æ' | 'æ' => Some('A'),
        'Ö' | 'ö' | 'Ø' | 'ø' => Some('O'),
        'É' | 'é' => Some('E'),
        'Ü' | 'ü' => Some('U'),
        c if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase()),
        _ => None,
    };
    let words: Vec<Vec<char>> = name
        .split(|c: char| c.is_whitespace() || c == '-')
        .map(|w| w.chars().filter_map(fold).collect::<Vec<char>>())
        .filter(|w| !w.is_empty())
        .collect();
    let prefix: String = if words.len() >= 2 {
        words.iter().take(4).map(|w| w[0]).collect()
    } else {
        words.concat().into_iter().take(3).collect()
    };
    if prefix.is_empty() {
        "AVT".to_owned()
    } else {
        prefix
    }
}

/// Members expect 30 days; the law allows agreeing other terms, but not beyond a year.
pub fn payment_terms_days(days: i64) -> Result<u16, crate::domain::Invalid> {
    if (0..=365).contains(&days) {
        Ok(days as u16)
    } else {
        Err(crate::domain::Invalid::OutOfRange { min: 0, max: 365 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(invoice_prefix("nav"), Ok("NAV".into()));
        assert!(invoice_prefix("NAV 2").is_err());
        assert!(invoice_prefix("").is_err());
        assert!(invoice_prefix("ABCDEFGHIJK").is_err());
    }

    #[test]
    fn a_prefix_is_made_from_the_name() {
        assert_eq!(
            default_invoice_prefix("Scandinavian Science Cluster"),
            "SSC"
        );
        assert_eq!(default_invoice_prefix("Navet"), "NAV");
        assert_eq!(
            default_invoice_prefix("Hälsinglands Utbildningsförbund"),
            "HU"
        );
        assert_eq!(default_invoice_prefix("Ösby"), "OSB");
        assert_eq!(
            default_invoice_prefix("RegEnt – Regionalt Entreprenörskap i Halland"),
            "RREI"
        );
        assert_eq!(default_invoice_prefix("2030"), "AVT");
        for name in [
            "Navet science center",
            "Å",
            "Bergslagsakademin",
            "x y z w v",
        ] {
            assert!(
                invoice_prefix(&default_invoice_prefix(name)).is_ok(),
                "{name}"
            );
        }
    }

    fn swedish_with_nok_and_eur() -> PaymentAccounts {
        PaymentAccounts {
            bankgiro: Bankgiro::parse("5050-1055").ok(),
            plusgiro: Plusgiro::parse("28 65 43-4").ok(),
            iban: Iban::parse("SE45 5000 0000 0583 9825 7466").ok(),
            bic: Bic::parse("ESSESESS").ok(),
            by_currency: BTreeMap::from([
                (
                    Currency::Nok,
                    CurrencyAccount {
                        kontonummer: Kontonummer::parse("1234.56.78903").ok(),
                        iban: Iban::parse("NO93 8601 1117 947").ok(),
                        bic: Bic::parse("DNBANOKK").ok(),
                    },
                ),
                (
                    Currency::Eur,
                    CurrencyAccount {
                        kontonummer: None,
                        iban: Iban::parse("DE89 3704 0044 0532 0130 00").ok(),
                        bic: Bic::parse("COBADEFFXXX").ok(),
                    },
                ),
            ]),
        }
    }

    #[test]
    fn each_currency_is_paid_to_its_own_account() {
        let a = swedish_with_nok_and_eur();
        let sek = Currency::Sek;
        assert_eq!(
            a.for_currency(Currency::Sek, sek),
            Some(PayTo::Bankgiro(Bankgiro::parse("5050-1055").unwrap()))
        );
        assert_eq!(
            a.for_currency(Currency::Nok, sek),
            Some(PayTo::Kontonummer(
                Kontonummer::parse("12345678903").unwrap()
            ))
        );
        assert!(matches!(
            a.for_currency(Currency::Eur, sek),
            Some(PayTo::Iban { iban, bic: Some(bic) })
                if iban.as_str() == "DE89370400440532013000" && bic.as_str() == "COBADEFFXXX"
        ));
        // SEK takes the giros and the default IBAN; NOK the kontonummer and its own IBAN.
        assert_eq!(a.accepting(Currency::Sek, sek).len(), 3);
        let nok = a.accepting(Currency::Nok, sek);
        assert_eq!(nok.len(), 2);
        assert!(matches!(&nok[1], PayTo::Iban { iban, .. } if iban.as_str().starts_with("NO")));
    }

    #[test]
    fn the_default_iban_takes_only_the_default_currency() {
        let a = PaymentAccounts {
            iban: Iban::parse("NO93 8601 1117 947").ok(),
            bic: Bic::parse("DNBANOKK").ok(),
            ..PaymentAccounts::default()
        };
        // A Norwegian body with one IBAN is paid NOK there, and nothing else.
        assert!(matches!(
            a.for_currency(Currency::Nok, Currency::Nok),
            Some(PayTo::Iban { .. })
        ));
        assert_eq!(a.for_currency(Currency::Sek, Currency::Nok), None);
        assert_eq!(a.for_currency(Currency::Eur, Currency::Nok), None);
    }

    #[test]
    fn a_currency_without_an_account_is_refused_naming_where_to_give_one() {
        let a = PaymentAccounts {
            bankgiro: Bankgiro::parse("5050-1055").ok(),
            ..PaymentAccounts::default()
        };
        assert!(a.require(Currency::Sek, Currency::Sek).is_ok());
        let e = a.require(Currency::Nok, Currency::Sek).unwrap_err();
        assert_eq!(e.field, "accounts.NOK");
        assert_eq!(e.invalid.code(), "no_account");
        // A bankgiro never takes NOK or EUR, even for a body whose default they are.
        assert!(a.for_currency(Currency::Eur, Currency::Eur).is_none());
        assert!(
            PaymentAccounts::default()
                .for_currency(Currency::Sek, Currency::Sek)
                .is_none()
        );
    }

    #[test]
    fn terms() {
        assert_eq!(payment_terms_days(30), Ok(30));
        assert!(payment_terms_days(-1).is_err());
        assert!(payment_terms_days(366).is_err());
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: String,
    pub details: OrganisationDetails,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
