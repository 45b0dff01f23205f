//! Late-payment interest (dröjsmålsränta, räntelagen 6 §): per day, on what is
//! outstanding, at the reference rate in force plus the statutory margin.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::Currency;
use crate::domain::money::Money;

/// A reference rate in force from `from` (normally 1 January or 1 July, as the Riksbank
/// sets it for each half-year), in percent. The table is data an administrator keeps up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReferenceRate {
    pub from: NaiveDate,
    pub percent: Decimal,
}

/// Räntelagen 6 §: dröjsmålsränta is the reference rate plus 8 percentage points.
pub const STATUTORY_MARGIN: Decimal = Decimal::from_parts(8, 0, 0, false, 0);

/// Why interest could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterestError {
    /// A charged day precedes every entry of the rate table.
    #[error("no reference rate is in force on {on}")]
    NoReferenceRate { on: NaiveDate },
    /// A payment in another currency than the principal: never converted.
    #[error("a payment is in another currency than the invoice")]
    CurrencyMismatch,
    #[error("the interest is too large to compute")]
    Overflow,
}

/// A maximal run of charged days with the same principal and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterestPeriod {
    /// First day charged.
    pub from: NaiveDate,
    /// Last day charged, inclusive.
    pub to: NaiveDate,
    pub days: i64,
    /// What was outstanding on these days.
    pub principal: Money,
    /// Reference rate + margin.
    pub percent: Decimal,
    /// This period's interest rounded to öre, for display; see [`Interest::total`].
    pub interest: Money,
}

/// Interest owed on one invoice, with the periods that make it up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interest {
    pub periods: Vec<InterestPeriod>,
    /// The exact sum over all days rounded once to öre, half away from zero. It may differ
    /// by an öre from the sum of the periods' rounded figures; the total is what is owed.
    pub total: Money,
}

/// The reference rate in force on `day`: the entry with the latest `from` on or before it
/// (the table need not be sorted; of two entries with the same date, the later listed wins).
pub fn reference_rate_on(rates: &[ReferenceRate], day: NaiveDate) -> Option<Decimal> {
    rates
        .iter()
        .filter(|r| r.from <= day)
        .max_by_key(|r| r.from)
        .map(|r| r.percent)
}

/// Interest on an invoice from its due date until `until` (inclusive), as räntelagen 6 §
/// has it: each day, on the amount then outstanding, at the reference rate in force that
/// day plus `margin` (normally [`STATUTORY_MARGIN`]).
///
/// - Days charged are `(due_date, until]`: due 2026-01-30, until 2026-01-31 is one day.
/// - `principal` is what was outstanding at the due date; each `(date, amount)` in
///   `payments` reduces it from that date on, so day D of a payment on D is no longer
///   charged on the paid part, and payments on or before the due date reduce it from the
///   start. Whatever goes below zero (an overpayment) counts as nothing outstanding.
/// - Day basis actual/365: a day is 1/365 of the yearly rate, in leap years too.
/// - Days with nothing outstanding, or with a rate of zero or less, are not charged and
///   belong to no period.
/// - The total is the exact sum over all days, rounded once to öre (half away from zero),
///   so it may differ by an öre from the sum of the periods' rounded figures. Never
///   negative; zero with no periods when `until <= due_date` or nothing is outstanding.
///
/// Fails when a charged day with something outstanding has no reference rate in force.
pub fn late_interest(
    principal: Money,
    due_date: NaiveDate,
    payments: &[(NaiveDate, Money)],
    until: NaiveDate,
    rates: &[ReferenceRate],
    margin: Decimal,
) -> Result<Interest, InterestError> {
    let currency = principal.currency();
    if payments.iter().any(|(_, m)| m.currency() != currency) {
        return Err(InterestError::CurrencyMismatch);
    }
    let zero = Interest {
        periods: Vec::new(),
        total: Money::zero(currency),
    };
    let Some(first) = due_date.succ_opt() else {
        return Ok(zero);
    };
    if until < first {
        return Ok(zero);
    }

    let cuts = cuts(first, until, payments, rates);
    let mut periods = periods(&cuts, until, principal, payments, rates, margin)?;
    let total = total(&mut periods, currency)?;
    Ok(Interest { periods, total })
}

/// The first charged day and every payment or rate date after it up to `until`, sorted.
///
/// Principal and rate change only on payment dates and rate dates, so the charged days
/// are cut there and each piece priced whole, instead of walking day by day.
fn cuts(
    first: NaiveDate,
    until: NaiveDate,
    payments: &[(NaiveDate, Money)],
    rates: &[ReferenceRate],
) -> Vec<NaiveDate> {
    let mut cuts: Vec<NaiveDate> = payments
        .iter()
        .map(|(d, _)| *d)
        .chain(rates.iter().map(|r| r.from))
        .filter(|d| *d > first && *d <= until)
        .collect();
    cuts.push(first);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The charged periods between the cuts, neighbours with the same principal and rate
/// joined; their days and interest are filled in by [`total`].
fn periods(
    cuts: &[NaiveDate],
    until: NaiveDate,
    principal: Money,
    payments: &[(NaiveDate, Money)],
    rates: &[ReferenceRate],
    margin: Decimal,
) -> Result<Vec<InterestPeriod>, InterestError> {
    let currency = principal.currency();
    let mut periods: Vec<InterestPeriod> = Vec::new();
    for (i, &from) in cuts.iter().enumerate() {
        let to = match cuts.get(i + 1) {
            Some(next) => next.pred_opt().ok_or(InterestError::Overflow)?,
            None => until,
        };
        let outstanding = outstanding_on(principal, payments, from)?;
        if outstanding <= 0 {
            continue;
        }
        let reference =
            reference_rate_on(rates, from).ok_or(InterestError::NoReferenceRate { on: from })?;
        let percent = reference
            .checked_add(margin)
            .ok_or(InterestError::Overflow)?
            .normalize();
        if percent <= Decimal::ZERO {
            continue;
        }
        match periods.last_mut() {
            // Same principal and rate as the day before: one period, not two.
            Some(last)
                if last.principal.to_minor() == outstanding
                    && last.percent == percent
                    && last.to.succ_opt() == Some(from) =>
            {
                last.to = to;
            }
            _ => periods.push(InterestPeriod {
                from,
                to,
                days: 0,
                principal: Money::from_minor(outstanding, currency),
                percent,
                interest: Money::zero(currency),
            }),
        }
    }
    Ok(periods)
}

/// Fills in each period's days and rounded interest, and returns the total: the exact sum
/// rounded once to öre, never below zero.
fn total(periods: &mut [InterestPeriod], currency: Currency) -> Result<Money, InterestError> {
    // Σ principal_öre × percent × days over all periods, scaled to integers; divided by
    // 36 500 × 10^scale only once, at the end.
    let mut numerators: Vec<(i128, u32)> = Vec::new();
    for period in periods.iter_mut() {
        period.days = (period.to - period.from).num_days() + 1;
        let (numerator, scale) = interest_numerator(period)?;
        period.interest = Money::from_minor(to_ore(numerator, scale)?, currency);
        numerators.push((numerator, scale));
    }

    // Bring every numerator to the largest scale so they can be added exactly.
    let scale = numerators.iter().map(|&(_, s)| s).max().unwrap_or(0);
    let mut sum: i128 = 0;
    for (numerator, s) in numerators {
        let factor = 10_i128
            .checked_pow(scale - s)
            .ok_or(InterestError::Overflow)?;
        let scaled = numerator
            .checked_mul(factor)
            .ok_or(InterestError::Overflow)?;
        sum = sum.checked_add(scaled).ok_or(InterestError::Overflow)?;
    }
    Ok(Money::from_minor(to_ore(sum, scale)?.max(0), currency))
}

/// What is outstanding on `day`, in öre: the principal less every payment made on or
/// before that day.
fn outstanding_on(
    principal: Money,
    payments: &[(NaiveDate, Money)],
    day: NaiveDate,
) -> Result<i64, InterestError> {
    let paid = payments
        .iter()
        .filter(|(d, _)| *d <= day)
        .try_fold(0_i128, |acc, (_, m)| {
            acc.checked_add(i128::from(m.to_minor()))
        })
        .ok_or(InterestError::Overflow)?;
    let left = i128::from(principal.to_minor()) - paid;
    i64::try_from(left).map_err(|_| InterestError::Overflow)
}

/// `principal_öre × percent × days` as an integer `n` with the percent's scale `s`: the
/// period's interest in öre is `n / (36 500 × 10^s)` exactly (percent → /100, year → /365).
fn interest_numerator(period: &InterestPeriod) -> Result<(i128, u32), InterestError> {
    let n = i128::from(period.principal.to_minor())
        .checked_mul(period.percent.mantissa())
        .and_then(|n| n.checked_mul(i128::from(period.days)))
        .ok_or(InterestError::Overflow)?;
    Ok((n, period.percent.scale()))
}

/// `numerator / (36 500 × 10^scale)` rounded to whole öre, half away from zero. Integer
/// division, because a quotient by 365 does not terminate in decimal and a rounded decimal
/// quotient could land on the wrong side of a midpoint.
fn to_ore(numerator: i128, scale: u32) -> Result<i64, InterestError> {
    let denominator = 10_i128
        .checked_pow(scale)
        .and_then(|p| p.checked_mul(36_500))
        .ok_or(InterestError::Overflow)?;
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    // |remainder| ≥ half the denominator: the midpoint and beyond go away from zero.
    let rounded = if remainder.unsigned_abs() * 2 >= denominator.unsigned_abs() {
        quotient + numerator.signum()
    } else {
        quotient
    };
    i64::try_from(rounded).map_err(|_| InterestError::Overflow)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::RoundingStrategy;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::test_support::{d, date, sek};

    fn rates_2026() -> Vec<ReferenceRate> {
        vec![
            ReferenceRate {
                from: date(2026, 1, 1),
                percent: d("2.00"),
            },
            ReferenceRate {
                from: date(2026, 7, 1),
                percent: d("1.75"),
            },
        ]
    }

    fn interest(
        principal: &str,
        due: NaiveDate,
        payments: &[(NaiveDate, Money)],
        until: NaiveDate,
    ) -> Interest {
        late_interest(
            sek(principal),
            due,
            payments,
            until,
            &rates_2026(),
            STATUTORY_MARGIN,
        )
        .unwrap()
    }

    #[test]
    fn statutory_margin_is_eight_points() {
        assert_eq!(STATUTORY_MARGIN, d("8"));
    }

    #[test]
    fn one_month_at_ten_percent() {
        // 2.00 % + 8 = 10 %; 1–30 April = 30 days; 10 000 × 0.10 × 30 / 365 = 82.1917… → 82.19.
        let i = interest("10000", date(2026, 3, 31), &[], date(2026, 4, 30));
        assert_eq!(i.total, sek("82.19"));
        assert_eq!(
            i.periods,
            [InterestPeriod {
                from: date(2026, 4, 1),
                to: date(2026, 4, 30),
                days: 30,
                principal: sek("10000"),
                percent: d("10"),
                interest: sek("82.19"),
            }]
        );
    }

    #[test]
    fn the_day_after_the_due_date_is_the_first_charged() {
        // Due 30 Jan, until 31 Jan: one day; 10 000 × 0.10 / 365 = 2.7397… → 2.74.
        let i = interest("10000", date(2026, 1, 30), &[], date(2026, 1, 31));
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.periods[0].days, 1);
        assert_eq!(i.periods[0].from, date(2026, 1, 31));
        assert_eq!(i.total, sek("2.74"));
    }

    #[test]
    fn a_new_reference_rate_on_1_july_starts_a_new_period() {
        // 16–30 June: 15 days at 10 %:   10 000 × 0.10   × 15 / 365 = 41.0958… → 41.10
        // 1–15 July:  15 days at 9.75 %: 10 000 × 0.0975 × 15 / 365 = 40.0684… → 40.07
        // Exact sum 81.1643… → 81.16, an öre less than 41.10 + 40.07 = 81.17.
        let i = interest("10000", date(2026, 6, 15), &[], date(2026, 7, 15));
        assert_eq!(i.periods.len(), 2);
        let (june, july) = (&i.periods[0], &i.periods[1]);
        assert_eq!(
            (june.from, june.to, june.days),
            (date(2026, 6, 16), date(2026, 6, 30), 15)
        );
        assert_eq!(
            (july.from, july.to, july.days),
            (date(2026, 7, 1), date(2026, 7, 15), 15)
        );
        assert_eq!(june.percent, d("10"));
        assert_eq!(july.percent, d("9.75"));
        assert_eq!(june.interest, sek("41.10"));
        assert_eq!(july.interest, sek("40.07"));
        assert_eq!(i.total, sek("81.16"));
    }

    #[test]
    fn a_partial_payment_lowers_the_principal_from_its_day() {
        // 4 000 paid on 11 April: 1–10 April on 10 000, 11–30 April on 6 000, at 10 %.
        // 10 000 × 0.10 × 10 / 365 = 27.3972… → 27.40
        //  6 000 × 0.10 × 20 / 365 = 32.8767… → 32.88
        // Exact sum 60.2739… → 60.27.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[(date(2026, 4, 11), sek("4000"))],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 2);
        assert_eq!(i.periods[0].principal, sek("10000"));
        assert_eq!(i.periods[0].to, date(2026, 4, 10));
        assert_eq!(i.periods[0].interest, sek("27.40"));
        assert_eq!(i.periods[1].principal, sek("6000"));
        assert_eq!(i.periods[1].from, date(2026, 4, 11));
        assert_eq!(i.periods[1].days, 20);
        assert_eq!(i.periods[1].interest, sek("32.88"));
        assert_eq!(i.total, sek("60.27"));
    }

    #[test]
    fn payment_in_full_stops_the_interest() {
        // Paid on 11 April: only 1–10 April, 10 000 × 0.10 × 10 / 365 = 27.3972… → 27.40,
        // however late `until` is.
        let paid = [(date(2026, 4, 11), sek("10000"))];
        for until in [date(2026, 4, 30), date(2026, 12, 31), date(2030, 1, 1)] {
            let i = interest("10000", date(2026, 3, 31), &paid, until);
            assert_eq!(i.periods.len(), 1);
            assert_eq!(i.periods[0].to, date(2026, 4, 10));
            assert_eq!(i.total, sek("27.40"));
        }
        // Overpaid in two goes: nothing outstanding is nothing charged.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[
                (date(2026, 4, 6), sek("6000")),
                (date(2026, 4, 11), sek("6000")),
            ],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 2);
        assert_eq!(i.periods[1].to, date(2026, 4, 10));
    }

    #[test]
    fn payments_on_or_before_the_due_date_reduce_the_principal_from_the_start() {
        // 2 000 paid before and 0 on the due date: 8 000 × 0.10 × 30 / 365 = 65.7534… → 65.75.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[
                (date(2026, 3, 20), sek("2000")),
                (date(2026, 3, 31), sek("0")),
            ],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.periods[0].principal, sek("8000"));
        assert_eq!(i.total, sek("65.75"));
        // Paid in full by the due date: nothing at all.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[(date(2026, 3, 31), sek("10000"))],
            date(2026, 4, 30),
        );
        assert!(i.periods.is_empty());
        assert_eq!(i.total, sek("0"));
    }

    #[test]
    fn a_zero_payment_does_not_split_a_period() {
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[(date(2026, 4, 11), sek("0"))],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.total, sek("82.19"));
    }

    #[test]
    fn equal_rates_in_a_row_are_one_period() {
        let rates = [
            ReferenceRate {
                from: date(2026, 1, 1),
                percent: d("2"),
            },
            ReferenceRate {
                from: date(2026, 7, 1),
                percent: d("2.00"),
            },
        ];
        let i = late_interest(
            sek("10000"),
            date(2026, 6, 15),
            &[],
            date(2026, 7, 15),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.periods[0].days, 30);
        // 10 000 × 0.10 × 30 / 365 = 82.19, as in April.
        assert_eq!(i.total, sek("82.19"));
    }

    #[test]
    fn the_rate_table_need_not_be_sorted() {
        let mut rates = rates_2026();
        rates.reverse();
        let i = late_interest(
            sek("10000"),
            date(2026, 6, 15),
            &[],
            date(2026, 7, 15),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.total, sek("81.16"));
        assert_eq!(
            reference_rate_on(&rates, date(2026, 6, 30)),
            Some(d("2.00"))
        );
        assert_eq!(reference_rate_on(&rates, date(2026, 7, 1)), Some(d("1.75")));
        assert_eq!(reference_rate_on(&rates, date(2025, 12, 31)), None);
    }

    #[test]
    fn actual_365_charges_a_leap_year_for_366_days() {
        // 10 000 at 10 % through all of 2028 (366 days): 10 000 × 0.10 × 366 / 365 = 1 002.7397…
        // → 1 002.74, a little more than the 1 000.00 a year at 10 % would be.
        let rates = [ReferenceRate {
            from: date(2020, 1, 1),
            percent: d("2"),
        }];
        let i = late_interest(
            sek("10000"),
            date(2027, 12, 31),
            &[],
            date(2028, 12, 31),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.periods[0].days, 366);
        assert_eq!(i.total, sek("1002.74"));
    }

    #[test]
    fn a_missing_reference_rate_is_an_error() {
        let rates = [ReferenceRate {
            from: date(2026, 7, 1),
            percent: d("1.75"),
        }];
        assert_eq!(
            late_interest(
                sek("10000"),
                date(2026, 3, 31),
                &[],
                date(2026, 7, 31),
                &rates,
                STATUTORY_MARGIN
            ),
            Err(InterestError::NoReferenceRate {
                on: date(2026, 4, 1)
            })
        );
        // No rate is needed when nothing is outstanding.
        assert_eq!(
            late_interest(
                sek("0"),
                date(2026, 3, 31),
                &[],
                date(2026, 7, 31),
                &[],
                STATUTORY_MARGIN
            )
            .unwrap()
            .total,
            sek("0")
        );
    }

    #[test]
    fn nothing_is_charged_until_after_the_due_date() {
        for until in [date(2026, 3, 1), date(2026, 3, 31)] {
            let i = interest("10000", date(2026, 3, 31), &[], until);
            assert!(i.periods.is_empty());
            assert_eq!(i.total, sek("0"));
        }
        // Even without any rate table.
        let i = late_interest(
            sek("10000"),
            date(2026, 3, 31),
            &[],
            date(2026, 3, 31),
            &[],
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert!(i.periods.is_empty());
    }

    #[test]
    fn a_negative_or_zero_rate_charges_nothing() {
        let rates = [ReferenceRate {
            from: date(2026, 1, 1),
            percent: d("-0.50"),
        }];
        let i = late_interest(
            sek("10000"),
            date(2026, 3, 31),
            &[],
            date(2026, 4, 30),
            &rates,
            d("0.5"),
        )
        .unwrap();
        assert!(i.periods.is_empty());
        assert_eq!(i.total, sek("0"));
        // A negative reference rate with the statutory margin: 7.5 %,
        // 10 000 × 0.075 × 30 / 365 = 61.6438… → 61.64.
        let i = late_interest(
            sek("10000"),
            date(2026, 3, 31),
            &[],
            date(2026, 4, 30),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.total, sek("61.64"));
    }

    #[test]
    fn payments_in_another_currency_are_refused() {
        assert_eq!(
            late_interest(
                sek("10000"),
                date(2026, 3, 31),
                &[(date(2026, 4, 5), Money::from_minor(100, Currency::Nok))],
                date(2026, 4, 30),
                &rates_2026(),
                STATUTORY_MARGIN,
            ),
            Err(InterestError::CurrencyMismatch)
        );
    }

    #[test]
    fn huge_amounts_overflow_into_an_error() {
        let rates = [ReferenceRate {
            from: date(2000, 1, 1),
            percent: Decimal::MAX,
        }];
        assert_eq!(
            late_interest(
                Money::from_minor(i64::MAX, Currency::Sek),
                date(2026, 3, 31),
                &[],
                date(2026, 4, 30),
                &rates,
                Decimal::ZERO,
            ),
            Err(InterestError::Overflow)
        );
    }

    #[test]
    fn rounding_helper_goes_half_away_from_zero() {
        // 36 500 × 10^0 is the denominator: 18 250 is exactly half an öre.
        assert_eq!(to_ore(18_250, 0), Ok(1));
        assert_eq!(to_ore(18_249, 0), Ok(0));
        assert_eq!(to_ore(-18_250, 0), Ok(-1));
        assert_eq!(to_ore(36_500 * 7 + 18_250, 0), Ok(8));
        assert_eq!(to_ore(182_500, 1), Ok(1));
    }

    /// Rate tables of half-years from 2025 on, percent with two decimals.
    fn rate_table() -> impl Strategy<Value = Vec<ReferenceRate>> {
        prop::collection::vec(0_i64..=500, 1..8).prop_map(|percents| {
            percents
                .into_iter()
                .enumerate()
                .map(|(i, p)| ReferenceRate {
                    from: date(2025 + (i / 2) as i32, if i % 2 == 0 { 1 } else { 7 }, 1),
                    percent: Decimal::new(p, 2),
                })
                .collect()
        })
    }

    fn days(n: i64) -> chrono::Duration {
        chrono::Duration::days(n)
    }

    proptest! {
        #[test]
        fn interest_adds_up_grows_with_time_and_is_never_negative(
            principal in 0_i64..10_000_000_000,
            due_offset in 0_i64..400,
            payments in prop::collection::vec((-30_i64..600, 0_i64..3_000_000_000), 0..5),
            until_offset in -20_i64..700,
            later in 0_i64..200,
            rates in rate_table(),
        ) {
            let due = date(2025, 1, 1) + days(due_offset);
            let payments: Vec<(NaiveDate, Money)> = payments
                .into_iter()
                .map(|(o, m)| (due + days(o), Money::from_minor(m, Currency::Sek)))
                .collect();
            let until = due + days(until_offset);
            let principal = Money::from_minor(principal, Currency::Sek);
            let run = |until| {
                late_interest(principal, due, &payments, until, &rates, STATUTORY_MARGIN).unwrap()
            };
            let i = run(until);

            // The total is the once-rounded exact sum of principal × percent × days / 36 500.
            let exact: Decimal = i
                .periods
                .iter()
                .map(|p| p.principal.amount() * p.percent * Decimal::from(p.days))
                .sum();
            let expected = (exact / Decimal::from(36_500))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(i.total.amount(), expected);
            prop_assert!(i.total.to_minor() >= 0);

            // Each period's figure is its own rounded share; together within an öre per period.
            for p in &i.periods {
                let share = (p.principal.amount() * p.percent * Decimal::from(p.days)
                    / Decimal::from(36_500))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                prop_assert_eq!(p.interest.amount(), share);
                prop_assert_eq!(p.days, (p.to - p.from).num_days() + 1);
                prop_assert!(p.from > due && p.to <= until && p.principal.to_minor() > 0);
            }
            let rounded: i64 = i.periods.iter().map(|p| p.interest.to_minor()).sum();
            prop_assert!((rounded - i.total.to_minor()).abs() <= i.periods.len() as i64);

            // Periods are in order, apart, and maximal.
            for pair in i.periods.windows(2) {
                prop_assert!(pair[0].to < pair[1].from);
                if pair[0].to.succ_opt() == Some(pair[1].from) {
                    prop_assert!(
                        pair[0].principal != pair[1].principal || pair[0].percent != pair[1].percent
                    );
                }
            }

            // Every day with something outstanding is charged, the others are not.
            let charged: i64 = i.periods.iter().map(|p| p.days).sum();
            let mut owing_days = 0;
            let mut day = due + days(1);
            while day <= until {
                let paid: i64 = payments.iter().filter(|(d, _)| *d <= day).map(|(_, m)| m.to_minor()).sum();
                let rate = reference_rate_on(&rates, day).unwrap() + STATUTORY_MARGIN;
                if principal.to_minor() - paid > 0 && rate > Decimal::ZERO {
                    owing_days += 1;
                }
                day += days(1);
            }
            prop_assert_eq!(charged, owing_days);

            // Later never means less.
            let more = run(until + days(later));
            prop_assert!(more.total.to_minor() >= i.total.to_minor());
        }
    }
}
