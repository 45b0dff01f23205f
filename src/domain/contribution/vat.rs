//! VAT treatment: how VAT applies to a statement line, and to a buyer in another country.

use rust_decimal::Decimal;

/// How VAT applies to a line. A pure membership contribution is usually outside the scope of
/// VAT; services are taxed at a rate or exempt with a reason the invoice must state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VatTreatment {
    OutsideScope,
    Exempt {
        reason: String,
    },
    /// The rate in percent, e.g. 25, 12 or 6.
    Rate(Decimal),
    /// A taxable service to a business or a public body established in another country:
    /// not taxed where the seller is (mervärdesskattelagen 6 kap. 33 §), the buyer accounts
    /// for the VAT (omvänd betalningsskyldighet; omvendt avgiftsplikt in Norway).
    ReverseCharge,
}

impl VatTreatment {
    /// The Swedish (25, 12, 6) and Norwegian (25, 15, 12) standard and reduced rates.
    pub const RATES: &'static [&'static str] = &["25", "15", "12", "6"];
    /// Every spelling [`VatTreatment::parse`] takes.
    pub const NAMES: &'static [&'static str] = &[
        "outside_scope",
        "exempt",
        "reverse_charge",
        "25",
        "15",
        "12",
        "6",
    ];

    /// Parses `outside_scope`, `exempt` (with the reason the invoice must state) or a rate.
    pub fn parse(raw: &str, exempt_reason: Option<&str>) -> Result<Self, crate::domain::Invalid> {
        use crate::domain::Invalid;
        match raw.trim() {
            "outside_scope" => Ok(VatTreatment::OutsideScope),
            "reverse_charge" => Ok(VatTreatment::ReverseCharge),
            "exempt" => match exempt_reason.map(str::trim).filter(|r| !r.is_empty()) {
                Some(reason) => Ok(VatTreatment::Exempt {
                    reason: reason.to_owned(),
                }),
                None => Err(Invalid::Required),
            },
            rate if Self::RATES.contains(&rate) => rate
                .parse::<Decimal>()
                .map(VatTreatment::Rate)
                .map_err(|_| Invalid::OneOf {
                    allowed: Self::RATES,
                }),
            _ => Err(Invalid::OneOf {
                allowed: Self::NAMES,
            }),
        }
    }

    /// The stored form: `outside_scope`, `exempt` or the rate; the reason is kept apart.
    pub fn code(&self) -> String {
        match self {
            VatTreatment::OutsideScope => "outside_scope".to_owned(),
            VatTreatment::Exempt { .. } => "exempt".to_owned(),
            VatTreatment::Rate(rate) => rate.normalize().to_string(),
            VatTreatment::ReverseCharge => "reverse_charge".to_owned(),
        }
    }

    /// The treatment of a sale from a seller in one country to a buyer in another: a rate
    /// of the seller's country is not charged abroad; the buyer reverse-charges it
    /// (mervärdesskattelagen 6 kap. 33 §). Unless `domestic_vat_abroad`: the law places
    /// some supplies where the seller is whoever buys them (admission to an event held
    /// there, 6 kap. 34–36 §§; a service on property there), and the seller charges its own
    /// rate. Exempt and outside-scope sales stay as they are.
    pub fn for_buyer(
        self,
        seller: crate::domain::Country,
        buyer: crate::domain::Country,
        domestic_vat_abroad: bool,
    ) -> Self {
        match self {
            VatTreatment::Rate(_) if seller != buyer && !domestic_vat_abroad => {
                VatTreatment::ReverseCharge
            }
            other => other,
        }
    }

    pub fn exempt_reason(&self) -> Option<&str> {
        match self {
            VatTreatment::Exempt { reason } => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::d;

    #[test]
    fn a_rate_is_reverse_charged_abroad_unless_the_supply_is_taxed_at_home() {
        use crate::domain::Country::{No, Se};
        let rate = VatTreatment::Rate(d("25"));
        assert_eq!(rate.clone().for_buyer(Se, Se, false), rate);
        assert_eq!(
            rate.clone().for_buyer(Se, No, false),
            VatTreatment::ReverseCharge
        );
        // Admission to an event in Sweden: Swedish VAT whoever buys.
        assert_eq!(rate.clone().for_buyer(Se, No, true), rate);
        assert_eq!(rate.clone().for_buyer(No, Se, true), rate);
        assert_eq!(rate.clone().for_buyer(Se, Se, true), rate);
        for other in [
            VatTreatment::OutsideScope,
            VatTreatment::Exempt {
                reason: "utbildning".into(),
            },
            VatTreatment::ReverseCharge,
        ] {
            for overridden in [false, true] {
                assert_eq!(other.clone().for_buyer(Se, No, overridden), other);
            }
        }
    }
}
