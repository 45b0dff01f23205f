//! The collection rules of the debtor's country: when a reminder may be sent, how long it
//! must give to pay, the most a reminder fee may be, the statutory compensation, and the
//! smallest amount worth reminding. A reminder follows the law of the country its debtor is
//! in, and cites it.
//!
//! - Sweden: dröjsmålsränta at the reference rate + 8 (räntelagen 6 §); a påminnelseavgift
//!   only when agreed, at most 60 kr; förseningsersättning 450 kr once per invoice from a
//!   business or a public body, and a reminder fee for the same invoice only to the extent
//!   it exceeds it (lag 1981:739, 4 a §) — never both.
//! - Norway: forsinkelsesrente at Norges Bank's policy rate + 8 (forsinkelsesrenteloven
//!   § 3); a purregebyr at most 1/10 of the year's inkassosats (inkassoforskriften § 1-1),
//!   no earlier than 14 days after the due date, giving at least 14 days more to pay
//!   (inkassoloven § 9).
//!
//! The figures that change (reference rates, the inkassosats) are data; the rules are here.

use chrono::{Datelike, NaiveDate};

use crate::domain::money::Money;
use crate::domain::{Country, Currency, Language};

/// Förseningsersättning (lag 1981:739, 4 a §): 450 kr once per invoice.
pub const LATE_COMPENSATION_SEK: i64 = 45_000;

/// The most a Swedish påminnelseavgift may be (lag 1981:739, 2 §): 60 kr.
pub const REMINDER_FEE_MAX_SEK: i64 = 6_000;

/// Norway: a purregebyr may not exceed this part of the inkassosats.
const PURREGEBYR_PART_OF_INKASSOSATS: i64 = 10;

/// Norway: the fewest days after the due date before a purring, and the fewest it gives.
const NORWEGIAN_DAYS: i64 = 14;

/// The smallest outstanding amount a reminder chases unless the organisation sets its own:
/// 10 kr. Below it, a rounding residue or a small short payment is left alone.
pub const REMINDER_MINIMUM_MINOR: i64 = 1_000;

/// Norway's inkassosats of a year, with where the figure comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inkassosats {
    pub year: i32,
    pub amount: Money,
    pub source: String,
}

/// The collection rules a reminder to one debtor follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRules {
    pub country: Country,
    /// The fewest days past the due date before a reminder; the organisation may wait
    /// longer.
    pub earliest_after_days: i64,
    /// The fewest days a reminder gives to pay; the organisation may give more.
    pub least_pay_days: i64,
    /// The most a reminder fee may be, when one is agreed; `None` when none may be charged
    /// (no inkassosats known for the year, or a currency the rule is not stated in).
    pub fee_cap: Option<Money>,
    /// The statutory compensation per invoice, when the debtor owes one.
    pub compensation: Option<Money>,
}

impl CollectionRules {
    /// The rules for a debtor in `country`, billed in `currency`, reminded on `on`.
    /// `business_or_authority` decides the Swedish förseningsersättning (not owed by a
    /// consumer); `inkassosats` is Norway's table.
    pub fn of(
        country: Country,
        currency: Currency,
        business_or_authority: bool,
        on: NaiveDate,
        inkassosats: &[Inkassosats],
    ) -> Self {
        match country {
            Country::No => CollectionRules {
                country,
                earliest_after_days: NORWEGIAN_DAYS,
                least_pay_days: NORWEGIAN_DAYS,
                fee_cap: inkassosats_of(inkassosats, on.year())
                    .filter(|s| s.amount.currency() == currency)
                    .map(|s| {
                        Money::from_minor(
                            s.amount.to_minor() / PURREGEBYR_PART_OF_INKASSOSATS,
                            currency,
                        )
                    }),
                compensation: None,
            },
            Country::Se => CollectionRules {
                country,
                earliest_after_days: 1,
                least_pay_days: 1,
                fee_cap: (currency == Currency::Sek)
                    .then(|| Money::from_minor(REMINDER_FEE_MAX_SEK, currency)),
                compensation: (business_or_authority && currency == Currency::Sek)
                    .then(|| Money::from_minor(LATE_COMPENSATION_SEK, currency)),
            },
        }
    }

    /// The reminder fee a reminder charges: what the agreement allows, at most the cap,
    /// and nothing when every invoice it lists carries the compensation (now or from an
    /// earlier reminder), which absorbs a fee below it.
    pub fn fee(&self, agreed: Option<Money>, every_invoice_compensated: bool) -> Option<Money> {
        let agreed = agreed.filter(|a| a.to_minor() > 0)?;
        let cap = self.fee_cap?;
        if agreed.currency() != cap.currency() {
            return None;
        }
        if every_invoice_compensated
            && let Some(c) = self.compensation
            && agreed.to_minor() <= c.to_minor()
        {
            return None;
        }
        Some(Money::from_minor(
            agreed.to_minor().min(cap.to_minor()),
            cap.currency(),
        ))
    }

    /// The law the reminder cites, in its language.
    pub fn law(&self, lang: Language) -> &'static str {
        match (self.country, lang) {
            (Country::Se, Language::Sv) => {
                "Dröjsmålsränta beräknas per dag från förfallodagen enligt räntelagen (referensräntan + 8 procentenheter). Påminnelseavgift och förseningsersättning enligt lagen (1981:739) om ersättning för inkassokostnader m.m.; påminnelseavgift tas inte ut för en faktura som bär förseningsersättning."
            }
            (Country::Se, Language::Nb) => {
                "Forsinkelsesrente beregnes per dag fra forfallsdato etter svensk rentelov (räntelagen, referanserenten + 8 prosentpoeng). Purregebyr og forsinkelseserstatning etter svensk lov (1981:739) om erstatning for inkassokostnader."
            }
            (Country::Se, Language::En) => {
                "Interest is charged per day from the due date under the Swedish Interest Act (reference rate + 8 percentage points). Reminder fee and late-payment compensation under the Swedish Act on Compensation for Debt Recovery Costs (1981:739); no reminder fee is charged on an invoice that bears the compensation."
            }
            (Country::No, Language::Nb) => {
                "Forsinkelsesrente beregnes per dag fra forfallsdato etter forsinkelsesrenteloven (Norges Banks styringsrente + 8 prosentpoeng). Purregebyr etter inkassoforskriften § 1-1, høyst 1/10 av inkassosatsen. Fristen for betaling er minst 14 dager."
            }
            (Country::No, Language::Sv) => {
                "Dröjsmålsränta beräknas per dag från förfallodagen enligt norsk lag (forsinkelsesrenteloven, Norges Banks styrränta + 8 procentenheter). Påminnelseavgift enligt inkassoforskriften § 1-1, högst 1/10 av inkassosatsen. Betalningsfristen är minst 14 dagar."
            }
            (Country::No, Language::En) => {
                "Interest is charged per day from the due date under the Norwegian Late Payment Interest Act (forsinkelsesrenteloven; Norges Bank's policy rate + 8 percentage points). Reminder fee under the Norwegian Debt Collection Regulations § 1-1, at most 1/10 of the debt collection rate. At least 14 days are given to pay."
            }
        }
    }
}

/// The inkassosats of a year: the year's own, or else the latest before it (the rate is
/// set for a year and stands until it is changed).
pub fn inkassosats_of(table: &[Inkassosats], year: i32) -> Option<&Inkassosats> {
    table
        .iter()
        .filter(|s| s.year <= year)
        .max_by_key(|s| s.year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{date, sek};

    fn nok(minor: i64) -> Money {
        Money::from_minor(minor, Currency::Nok)
    }

    fn table() -> Vec<Inkassosats> {
        vec![Inkassosats {
            year: 2025,
            amount: nok(70_000),
            source: "inkassoforskriften § 1-1".into(),
        }]
    }

    #[test]
    fn a_swedish_fee_is_at_most_sixty_kronor_and_absorbed_by_the_compensation() {
        let public = CollectionRules::of(Country::Se, Currency::Sek, true, date(2027, 3, 1), &[]);
        assert_eq!(public.compensation, Some(sek("450")));
        // 60 kr agreed, the invoice gets 450 kr: the fee is owed only beyond 450, so not.
        assert_eq!(public.fee(Some(sek("60")), true), None);
        // Another invoice on the reminder bears no compensation: the fee is for that one.
        assert_eq!(public.fee(Some(sek("60")), false), Some(sek("60")));
        assert_eq!(public.fee(Some(sek("100")), false), Some(sek("60")));
        // Nothing agreed, nothing charged.
        assert_eq!(public.fee(None, false), None);
        let consumer =
            CollectionRules::of(Country::Se, Currency::Sek, false, date(2027, 3, 1), &[]);
        assert_eq!(consumer.compensation, None);
        assert_eq!(consumer.fee(Some(sek("60")), true), Some(sek("60")));
    }

    #[test]
    fn a_norwegian_purregebyr_is_a_tenth_of_the_years_inkassosats_after_fourteen_days() {
        let rules =
            CollectionRules::of(Country::No, Currency::Nok, true, date(2026, 2, 1), &table());
        assert_eq!((rules.earliest_after_days, rules.least_pay_days), (14, 14));
        // The 2025 rate stands in 2026 until a new one is entered.
        assert_eq!(rules.fee_cap, Some(nok(7_000)));
        assert_eq!(rules.fee(Some(nok(10_000)), false), Some(nok(7_000)));
        assert_eq!(rules.fee(Some(nok(3_500)), true), Some(nok(3_500)));
        // No förseningsersättning in Norway.
        assert_eq!(rules.compensation, None);
        // Before any known inkassosats, or billed in SEK: no fee can be shown lawful.
        let early =
            CollectionRules::of(Country::No, Currency::Nok, true, date(2024, 6, 1), &table());
        assert_eq!(early.fee(Some(nok(7_000)), false), None);
        let sek_to_norway =
            CollectionRules::of(Country::No, Currency::Sek, true, date(2026, 2, 1), &table());
        assert_eq!(sek_to_norway.fee(Some(sek("60")), false), None);
    }

    #[test]
    fn each_reminder_cites_the_law_of_its_debtors_country() {
        let se = CollectionRules::of(Country::Se, Currency::Sek, true, date(2027, 3, 1), &[]);
        let no = CollectionRules::of(Country::No, Currency::Nok, true, date(2027, 3, 1), &table());
        for lang in Language::ALL {
            assert!(!se.law(*lang).contains("forsinkelsesrenteloven"));
            assert!(no.law(*lang).contains("forsinkelsesrenteloven"));
        }
        assert!(se.law(Language::Sv).contains("räntelagen"));
    }
}
