//! Pro-rating: a member that joins or leaves during the fee year pays for the part of the
//! year its agreement is active, by whole months or by days, as agreed.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::error::ContributionError;

vocabulary! {
    /// How a part of a year is counted.
    ///
    /// `whole_months` — twelfths: a calendar month counts when the agreement is active on its
    /// first day. So joining on 15 March pays from April (9/12), joining on 1 March pays March
    /// too (10/12), and leaving on 15 September pays through September (9/12 for a January
    /// start) — the common Swedish practice of "from the month after joining, through the
    /// month of leaving". Leaving on 31 August pays through August.
    ///
    /// `days` — active days (both ends inclusive) over the days of the year, 365 or 366.
    ProRata { WholeMonths = "whole_months", Days = "days" }
}

/// An exact fraction of a year. Twelfths and 365ths have no exact decimal form (1/12 =
/// 0.0833…), so the fraction is kept as numerator and denominator and applied as
/// `amount × numerator / denominator` before a single rounding to öre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    pub numerator: i64,
    pub denominator: i64,
}

impl Fraction {
    /// The whole year: nothing to pro-rate.
    pub fn is_whole(self) -> bool {
        self.numerator == self.denominator
    }

    /// Not active at all in the year.
    pub fn is_zero(self) -> bool {
        self.numerator == 0
    }

    /// `value × numerator / denominator`, multiplying first so that a whole result stays
    /// exact; a non-terminating result is correct to Decimal's 28 significant digits, which
    /// decides any later rounding to öre correctly.
    pub fn apply(self, value: Decimal) -> Option<Decimal> {
        value
            .checked_mul(Decimal::from(self.numerator))?
            .checked_div(Decimal::from(self.denominator))
    }

    /// As a decimal, for display and comparison; see [`Fraction::apply`] for its precision.
    pub fn to_decimal(self) -> Option<Decimal> {
        self.apply(Decimal::ONE)
    }
}

/// The part of `fee_year` an agreement active from `start` to `end` (both inclusive; `None`
/// = until further notice) covers, between 0/n and n/n. An agreement that does not reach
/// into the year — or whose end is before its start — covers 0.
pub fn pro_rata_fraction(
    rule: ProRata,
    fee_year: i32,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Result<Fraction, ContributionError> {
    let year_out_of_range = ContributionError::YearOutOfRange { year: fee_year };
    let first_day = NaiveDate::from_ymd_opt(fee_year, 1, 1).ok_or(year_out_of_range.clone())?;
    let last_day = NaiveDate::from_ymd_opt(fee_year, 12, 31).ok_or(year_out_of_range)?;
    let active = |day: NaiveDate| start <= day && end.is_none_or(|end| day <= end);
    match rule {
        ProRata::WholeMonths => {
            let months = (1..=12)
                .filter_map(|month| first_day.with_month(month))
                .filter(|first_of_month| active(*first_of_month))
                .count();
            Ok(Fraction {
                numerator: i64::try_from(months).map_err(|_| ContributionError::Overflow)?,
                denominator: 12,
            })
        }
        ProRata::Days => {
            let days_in_year = (last_day - first_day).num_days() + 1;
            let from = start.max(first_day);
            let to = end.map_or(last_day, |end| end.min(last_day));
            let days = if to < from {
                0
            } else {
                (to - from).num_days() + 1
            };
            Ok(Fraction {
                numerator: days,
                denominator: days_in_year,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::test_support::date;
    use proptest::prelude::*;

    use super::*;

    fn months(start: NaiveDate, end: Option<NaiveDate>) -> i64 {
        let f = pro_rata_fraction(ProRata::WholeMonths, 2026, start, end).unwrap();
        assert_eq!(f.denominator, 12);
        f.numerator
    }

    fn days(year: i32, start: NaiveDate, end: Option<NaiveDate>) -> (i64, i64) {
        let f = pro_rata_fraction(ProRata::Days, year, start, end).unwrap();
        (f.numerator, f.denominator)
    }

    #[test]
    fn whole_months_count_months_active_on_their_first_day() {
        assert_eq!(months(date(2026, 1, 1), None), 12);
        assert_eq!(months(date(2020, 6, 17), None), 12);
        assert_eq!(months(date(2026, 3, 15), None), 9);
        assert_eq!(months(date(2026, 3, 1), None), 10);
        assert_eq!(months(date(2026, 1, 2), None), 11);
        assert_eq!(months(date(2025, 1, 1), Some(date(2026, 9, 15))), 9);
        assert_eq!(months(date(2025, 1, 1), Some(date(2026, 8, 31))), 8);
        assert_eq!(months(date(2025, 1, 1), Some(date(2026, 9, 1))), 9);
        assert_eq!(months(date(2026, 3, 15), Some(date(2026, 9, 15))), 6);
        // Active only inside one month: no first day is covered.
        assert_eq!(months(date(2026, 3, 2), Some(date(2026, 3, 31))), 0);
        assert_eq!(months(date(2026, 12, 1), None), 1);
        assert_eq!(months(date(2026, 12, 2), None), 0);
        assert_eq!(months(date(2027, 1, 1), None), 0);
        assert_eq!(months(date(2020, 1, 1), Some(date(2025, 12, 31))), 0);
    }

    #[test]
    fn days_count_both_ends_and_know_leap_years() {
        assert_eq!(days(2026, date(2026, 1, 1), None), (365, 365));
        assert_eq!(days(2024, date(2024, 1, 1), None), (366, 366));
        assert_eq!(days(2024, date(2024, 3, 1), None), (306, 366));
        assert_eq!(days(2025, date(2025, 3, 1), None), (306, 365));
        assert_eq!(
            days(2024, date(2024, 2, 29), Some(date(2024, 2, 29))),
            (1, 366)
        );
        assert_eq!(
            days(2026, date(2026, 7, 1), Some(date(2026, 7, 31))),
            (31, 365)
        );
        assert_eq!(
            days(2026, date(2025, 1, 1), Some(date(2026, 1, 1))),
            (1, 365)
        );
        // Ended before the year began, starts after it, or ends before it starts.
        assert_eq!(
            days(2026, date(2020, 1, 1), Some(date(2025, 12, 31))),
            (0, 365)
        );
        assert_eq!(days(2026, date(2027, 1, 1), None), (0, 365));
        assert_eq!(
            days(2026, date(2026, 5, 1), Some(date(2026, 4, 1))),
            (0, 365)
        );
    }

    #[test]
    fn fractions_apply_exactly() {
        let nine_twelfths = Fraction {
            numerator: 9,
            denominator: 12,
        };
        assert_eq!(nine_twelfths.to_decimal(), Some(Decimal::new(75, 2)));
        assert_eq!(
            nine_twelfths.apply(Decimal::new(50_000, 0)),
            Some(Decimal::new(37_500, 0))
        );
        let one_twelfth = Fraction {
            numerator: 1,
            denominator: 12,
        };
        // 1000 × 1/12 = 83.333… rounds to 83.33, not to the product of a rounded 0.0833.
        let exact = one_twelfth.apply(Decimal::new(1000, 0)).unwrap();
        assert_eq!(exact.round_dp(2), Decimal::new(8333, 2));
    }

    proptest! {
        #[test]
        fn fraction_is_between_zero_and_one(
            year in 2000_i32..2100,
            start_offset in -800_i64..800,
            length in proptest::option::of(0_i64..1000),
            by_days in any::<bool>(),
        ) {
            let base = date(year, 1, 1);
            let start = base + chrono::Duration::days(start_offset);
            let end = length.map(|l| start + chrono::Duration::days(l));
            let rule = if by_days { ProRata::Days } else { ProRata::WholeMonths };
            let f = pro_rata_fraction(rule, year, start, end).unwrap();
            prop_assert!(f.numerator >= 0 && f.numerator <= f.denominator);
            // A longer agreement never covers less.
            let longer = pro_rata_fraction(rule, year, start, None).unwrap();
            prop_assert!(longer.numerator >= f.numerator);
        }

        /// Twelve agreements of one calendar month each, pro-rated by whole months, make
        /// exactly one full year: no month is counted twice or lost.
        #[test]
        fn twelve_pro_rated_months_make_a_full_year(year in 2000_i32..2100, by_days in any::<bool>()) {
            let rule = if by_days { ProRata::Days } else { ProRata::WholeMonths };
            let mut numerator = 0;
            let mut denominator = 0;
            for month in 1..=12 {
                let start = date(year, month, 1);
                let end = if month == 12 { date(year, 12, 31) } else { date(year, month + 1, 1) - chrono::Duration::days(1) };
                let f = pro_rata_fraction(rule, year, start, Some(end)).unwrap();
                numerator += f.numerator;
                denominator = f.denominator;
            }
            prop_assert_eq!(numerator, denominator);
            let whole = pro_rata_fraction(rule, year, date(year, 1, 1), None).unwrap();
            prop_assert!(whole.is_whole());
        }
    }
}
