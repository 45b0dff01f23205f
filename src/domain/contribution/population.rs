//! Which population count a fee uses: the count at a reference date stated by a rule, e.g.
//! "31 December two years before the fee year" (SCB) or "1 January of the fee year" (SSB).

use chrono::NaiveDate;

use super::error::ContributionError;
use crate::domain::member::PopulationCount;

/// A reference date relative to the fee year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReferenceDateRule {
    pub month: u32,
    pub day: u32,
    /// How many years before the fee year; 0 is the fee year itself.
    pub years_before: i32,
}

impl ReferenceDateRule {
    /// SCB's count at 31 December two years before the fee year: the newest count published
    /// when the budget for the fee year is decided.
    pub const SCB_TWO_YEARS_BEFORE: ReferenceDateRule = ReferenceDateRule {
        month: 12,
        day: 31,
        years_before: 2,
    };

    /// SSB's count at 1 January of the fee year.
    pub const SSB_FEE_YEAR: ReferenceDateRule = ReferenceDateRule {
        month: 1,
        day: 1,
        years_before: 0,
    };

    /// The date for a fee year; an error for a date that does not exist (e.g. 29 February
    /// in a common year), since silently moving it would pick another count.
    pub fn date_for(&self, fee_year: i32) -> Result<NaiveDate, ContributionError> {
        let year = fee_year.saturating_sub(self.years_before);
        NaiveDate::from_ymd_opt(year, self.month, self.day).ok_or(
            ContributionError::InvalidReferenceDate {
                year,
                month: self.month,
                day: self.day,
            },
        )
    }
}

/// The count at exactly `date`. A count at a nearby date is not used: the agreement names the
/// date, and a fee on the wrong count is worse than asking for the right one.
pub fn population_at<'a>(
    member: &str,
    history: &'a [PopulationCount],
    date: NaiveDate,
) -> Result<&'a PopulationCount, ContributionError> {
    let mut matching = history.iter().filter(|c| c.reference_date == date);
    let first = matching
        .next()
        .ok_or_else(|| ContributionError::MissingPopulation {
            member: member.to_owned(),
            date,
        })?;
    if matching.any(|other| other.count != first.count) {
        return Err(ContributionError::AmbiguousPopulation {
            member: member.to_owned(),
            date,
        });
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::date;

    fn count(date: NaiveDate, count: i64) -> PopulationCount {
        PopulationCount {
            reference_date: date,
            count,
            source: Some("SCB".into()),
        }
    }

    #[test]
    fn reference_dates() {
        assert_eq!(
            ReferenceDateRule::SCB_TWO_YEARS_BEFORE
                .date_for(2027)
                .unwrap(),
            date(2025, 12, 31)
        );
        assert_eq!(
            ReferenceDateRule::SSB_FEE_YEAR.date_for(2026).unwrap(),
            date(2026, 1, 1)
        );
        let leap = ReferenceDateRule {
            month: 2,
            day: 29,
            years_before: 1,
        };
        assert_eq!(leap.date_for(2025).unwrap(), date(2024, 2, 29));
        assert_eq!(
            leap.date_for(2026),
            Err(ContributionError::InvalidReferenceDate {
                year: 2025,
                month: 2,
                day: 29
            })
        );
    }

    #[test]
    fn only_the_exact_date_counts() {
        let history = [
            count(date(2024, 12, 31), 9_700),
            count(date(2025, 12, 31), 9_784),
            count(date(2025, 11, 1), 9_790),
        ];
        assert_eq!(
            population_at("mark", &history, date(2025, 12, 31))
                .unwrap()
                .count,
            9_784
        );
        assert_eq!(
            population_at("mark", &history, date(2026, 1, 1)),
            Err(ContributionError::MissingPopulation {
                member: "mark".into(),
                date: date(2026, 1, 1)
            })
        );
        let conflicting = [
            count(date(2025, 12, 31), 9_784),
            count(date(2025, 12, 31), 9_785),
        ];
        assert!(matches!(
            population_at("mark", &conflicting, date(2025, 12, 31)),
            Err(ContributionError::AmbiguousPopulation { .. })
        ));
        let repeated = [
            count(date(2025, 12, 31), 9_784),
            count(date(2025, 12, 31), 9_784),
        ];
        assert!(population_at("mark", &repeated, date(2025, 12, 31)).is_ok());
    }
}
