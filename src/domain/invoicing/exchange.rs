//! The VAT of an invoice in a foreign currency, stated in the organisation's own currency
//! too: mervärdesskattelagen 17 kap. 24 § wants the VAT amount in Swedish kronor on an
//! invoice in another currency, and the rate it was converted at. The rates are data (the
//! operator enters them with their source, like the reference rates); the conversion and
//! the decision whether an invoice can be issued without one are here.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::money::{Money, Rounding, parse_decimal};
use crate::domain::{Currency, Invalid};

/// The largest rate the table takes: far above any rate between SEK, NOK and EUR, so
/// that no conversion of an amount avtal holds can overflow in practice.
pub const EXCHANGE_RATE_MAX: i64 = 1_000;

/// The most decimals a rate is given with (Riksbanken quotes 4, ECB 4–6).
pub const EXCHANGE_RATE_DECIMALS: u32 = 10;

/// One rate of the table: `rate` units of `quote` for one unit of `currency` on `date`
/// (11.2345 SEK for 1 EUR), and where the figure comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRate {
    /// The currency the rate is quoted in: an organisation's accounting currency.
    pub quote: Currency,
    /// The currency one unit of which costs `rate` of `quote`.
    pub currency: Currency,
    pub date: NaiveDate,
    pub rate: Decimal,
    /// e.g. "Riksbanken".
    pub source: String,
}

/// A rate written as text: more than zero, at most [`EXCHANGE_RATE_MAX`], and at most
/// [`EXCHANGE_RATE_DECIMALS`] decimals; never rounded.
pub fn parse_exchange_rate(raw: &str) -> Result<Decimal, Invalid> {
    let rate = parse_decimal(raw)?;
    if rate <= Decimal::ZERO || rate > Decimal::from(EXCHANGE_RATE_MAX) {
        return Err(Invalid::OutOfRange {
            min: 0,
            max: EXCHANGE_RATE_MAX,
        });
    }
    if rate.normalize().scale() > EXCHANGE_RATE_DECIMALS {
        return Err(Invalid::Format {
            expected: "högst 10 decimaler",
        });
    }
    Ok(rate.normalize())
}

/// The rate of `currency` in `quote` on `day`: the table's latest on or before it (a rate
/// is published on bank days; an invoice dated on a Sunday takes Friday's).
pub fn exchange_rate_on(
    rates: &[ExchangeRate],
    quote: Currency,
    currency: Currency,
    day: NaiveDate,
) -> Option<&ExchangeRate> {
    rates
        .iter()
        .filter(|r| r.quote == quote && r.currency == currency && r.date <= day)
        .max_by_key(|r| r.date)
}

impl ExchangeRate {
    /// `amount` in the quote currency: times the rate, rounded to the öre half away from
    /// zero ([`Rounding::ORE`], the rule of every amount); `None` for an amount in another
    /// currency than the rate's, or one too large to hold.
    pub fn convert(&self, amount: Money) -> Option<Money> {
        if amount.currency() != self.currency {
            return None;
        }
        let exact = amount.amount().checked_mul(self.rate)?;
        Money::new(Rounding::ORE.apply(exact), self.quote).ok()
    }
}

/// An invoice's VAT total in the organisation's accounting currency, with the rate it was
/// converted at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountingVat {
    pub rate: ExchangeRate,
    /// The invoice's VAT total times the rate (negative on a credit note).
    pub vat: Money,
}

/// Why an invoice's VAT cannot be stated in the accounting currency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountingVatError {
    /// The invoice charges VAT and the table has no rate on or before its date.
    #[error("no rate of {currency} in {quote} on or before {on}")]
    NoRate {
        currency: Currency,
        quote: Currency,
        on: NaiveDate,
    },
    #[error("the VAT is too large to convert")]
    Overflow,
}

/// What an invoice with the VAT total `vat`, dated `on`, states of its VAT in the
/// organisation's `accounting` currency, given the rate found for it (the latest on or
/// before its date; a credit note's is the invoice's it credits):
///
/// - in the accounting currency itself: nothing;
/// - with a rate of its currency in the accounting currency: the VAT converted, also when
///   it is nothing (the rate serves the bookkeeping);
/// - without one: nothing when it charges no VAT, and when it does it cannot be issued.
pub fn accounting_vat(
    vat: Money,
    accounting: Currency,
    on: NaiveDate,
    rate: Option<&ExchangeRate>,
) -> Result<Option<AccountingVat>, AccountingVatError> {
    let currency = vat.currency();
    if currency == accounting {
        return Ok(None);
    }
    match rate.filter(|r| r.quote == accounting && r.currency == currency) {
        Some(rate) => Ok(Some(AccountingVat {
            vat: rate.convert(vat).ok_or(AccountingVatError::Overflow)?,
            rate: rate.clone(),
        })),
        None if vat.is_zero() => Ok(None),
        None => Err(AccountingVatError::NoRate {
            currency,
            quote: accounting,
            on,
        }),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::test_support::{d, date};

    fn eur(s: &str) -> Money {
        Money::new(d(s), Currency::Eur).unwrap()
    }

    fn rate(on: NaiveDate, rate: &str) -> ExchangeRate {
        ExchangeRate {
            quote: Currency::Sek,
            currency: Currency::Eur,
            date: on,
            rate: d(rate),
            source: "Riksbanken".into(),
        }
    }

    #[test]
    fn the_vat_is_converted_and_rounded_to_the_ore_half_away_from_zero() {
        let r = rate(date(2027, 3, 1), "11.23");
        // 250.00 EUR × 11.23 = 2 807.50 SEK exactly.
        assert_eq!(
            r.convert(eur("250.00")),
            Some(Money::new(d("2807.50"), Currency::Sek).unwrap())
        );
        // 617.06 × 11.2345 = 6 932.36… → 6 932.36; 0.05 × 11.23 = 0.5615 → 0.56.
        let r = rate(date(2027, 3, 1), "11.2345");
        assert_eq!(r.convert(eur("617.06")).unwrap().to_minor(), 693_236);
        assert_eq!(r.convert(eur("0.05")).unwrap().to_minor(), 56);
        // A midpoint goes away from zero, either way: 1.00 × 0.125 = 0.125 → 0.13, and
        // −1.00 × 0.125 → −0.13.
        let r = rate(date(2027, 3, 1), "0.125");
        assert_eq!(r.convert(eur("1.00")).unwrap().to_minor(), 13);
        assert_eq!(r.convert(eur("-1.00")).unwrap().to_minor(), -13);
        // Only amounts of the rate's currency.
        assert_eq!(r.convert(Money::new(d("1"), Currency::Nok).unwrap()), None);
        // Too large to hold in öre.
        let huge = Money::from_minor(i64::MAX, Currency::Eur);
        assert_eq!(rate(date(2027, 3, 1), "1000").convert(huge), None);
    }

    #[test]
    fn the_latest_rate_on_or_before_the_day_is_used() {
        let table = [
            rate(date(2027, 3, 1), "11.23"),
            rate(date(2027, 4, 2), "11.50"),
            rate(date(2027, 2, 1), "11.10"),
            ExchangeRate {
                currency: Currency::Nok,
                ..rate(date(2027, 3, 31), "0.98")
            },
        ];
        let on = |day| {
            exchange_rate_on(&table, Currency::Sek, Currency::Eur, day).map(|r| r.rate.to_string())
        };
        assert_eq!(on(date(2027, 4, 1)).as_deref(), Some("11.23"));
        assert_eq!(on(date(2027, 3, 1)).as_deref(), Some("11.23"));
        assert_eq!(on(date(2027, 4, 2)).as_deref(), Some("11.50"));
        assert_eq!(on(date(2027, 2, 15)).as_deref(), Some("11.10"));
        assert_eq!(on(date(2027, 1, 31)), None);
        // Another pair is never taken.
        assert_eq!(
            exchange_rate_on(&table, Currency::Nok, Currency::Eur, date(2027, 4, 1)),
            None
        );
    }

    #[test]
    fn only_an_invoice_that_charges_vat_needs_a_rate() {
        let day = date(2027, 4, 1);
        let r = rate(date(2027, 3, 1), "11.23");
        // 25 % of 1 000 EUR: 250 EUR, 2 807.50 SEK at 11.23.
        let out = accounting_vat(eur("250.00"), Currency::Sek, day, Some(&r))
            .unwrap()
            .unwrap();
        assert_eq!(out.vat, Money::from_minor(280_750, Currency::Sek));
        assert_eq!(out.rate, r);
        // A credit note's VAT is negative, and so is its conversion.
        let out = accounting_vat(eur("-250.00"), Currency::Sek, day, Some(&r))
            .unwrap()
            .unwrap();
        assert_eq!(out.vat, Money::from_minor(-280_750, Currency::Sek));
        // No VAT: the rate is kept when there is one, and not needed when there is none.
        let out = accounting_vat(eur("0"), Currency::Sek, day, Some(&r)).unwrap();
        assert_eq!(out.map(|o| o.vat.to_minor()), Some(0));
        assert_eq!(accounting_vat(eur("0"), Currency::Sek, day, None), Ok(None));
        // VAT without a rate: refused, saying which.
        assert_eq!(
            accounting_vat(eur("250.00"), Currency::Sek, day, None),
            Err(AccountingVatError::NoRate {
                currency: Currency::Eur,
                quote: Currency::Sek,
                on: day
            })
        );
        // A rate of another pair is no rate.
        let nok = ExchangeRate {
            currency: Currency::Nok,
            ..r.clone()
        };
        assert!(accounting_vat(eur("250.00"), Currency::Sek, day, Some(&nok)).is_err());
        // In the accounting currency itself nothing is converted.
        let sek = Money::from_minor(25_000, Currency::Sek);
        assert_eq!(accounting_vat(sek, Currency::Sek, day, Some(&r)), Ok(None));
        let eur_org = accounting_vat(eur("250.00"), Currency::Eur, day, None);
        assert_eq!(eur_org, Ok(None));
    }

    #[test]
    fn rates_are_positive_bounded_and_exact() {
        assert_eq!(parse_exchange_rate("11.2345"), Ok(d("11.2345")));
        assert_eq!(parse_exchange_rate(" 11,2300 "), Ok(d("11.23")));
        assert_eq!(parse_exchange_rate("1000"), Ok(d("1000")));
        assert_eq!(parse_exchange_rate("0.0000000001"), Ok(d("0.0000000001")));
        for bad in ["0", "-11.23", "0.00", "1000.01"] {
            assert_eq!(
                parse_exchange_rate(bad).map_err(|e| e.code()),
                Err("out_of_range"),
                "{bad}"
            );
        }
        for bad in ["elva", "", "1e3", "0.00000000001"] {
            assert_eq!(
                parse_exchange_rate(bad).map_err(|e| e.code()),
                Err("format"),
                "{bad}"
            );
        }
    }

    proptest! {
        /// A conversion is the exact product rounded once: never more than half an öre
        /// off, and a credit mirrors its charge öre for öre.
        #[test]
        fn a_conversion_is_within_half_an_ore_and_symmetric(
            minor in -10_000_000_000i64..10_000_000_000,
            units in 1i64..10_000_000,
        ) {
            let r = rate(date(2027, 3, 1), &Decimal::new(units, 4).to_string());
            let vat = Money::from_minor(minor, Currency::Eur);
            let sek = r.convert(vat).unwrap();
            let exact = vat.amount() * r.rate;
            prop_assert!((sek.amount() - exact).abs() <= Decimal::new(5, 3));
            let back = r.convert(Money::from_minor(-minor, Currency::Eur)).unwrap();
            prop_assert_eq!(back.to_minor(), -sek.to_minor());
            prop_assert_eq!(sek.currency(), Currency::Sek);
        }
    }
}
