//! The issuing body: a municipal federation, a think tank, a project. Every other record
//! belongs to exactly one organisation.

use crate::domain::{
    Address, Bankgiro, Bic, Country, Currency, Email, Iban, Language, OrgNumber, Plusgiro,
    VatNumber, VatStatus,
};

/// A person who signs the organisation's letters, e.g. "Lisa Belfrage, Verksamhetschef".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatory {
    pub name: String,
    pub title: String,
}

/// Where members pay. At least one of bankgiro, plusgiro or IBAN (with BIC) is needed
/// before invoices can be issued, but an organisation may be registered before it has one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentAccounts {
    pub bankgiro: Option<Bankgiro>,
    pub plusgiro: Option<Plusgiro>,
    pub iban: Option<Iban>,
    pub bic: Option<Bic>,
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
