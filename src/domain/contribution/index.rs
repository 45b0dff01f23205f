//! Indexation: rates and amounts uplifted each year by an index series (e.g. SKR's PKV),
//! compounding from the base year the amounts were decided in.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::error::ContributionError;
use super::explain::{InputName, Value};
use super::trace::{AppliedIndex, Trace, overflow};
use crate::domain::money::Rounding;

/// Yearly percentage changes by year, e.g. `2025 → 3.0` for +3,0 %.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSeries {
    pub points: BTreeMap<i32, Decimal>,
}

/// How a fee model follows an index: from which year, and how indexed values are rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexation {
    pub series: IndexSeries,
    /// The year the model's rates and amounts were decided in; its own change is not applied.
    pub base_year: i32,
    /// Applied to each indexed rate or amount (not to the factor).
    pub rounding: Rounding,
}

impl Indexation {
    /// The compounded factor Π (1 + pct/100) over the years after the base year up to and
    /// including the fee year; 1 in the base year itself.
    ///
    /// The factor is not rounded: only the indexed rates and amounts are, by the stated rule.
    /// It stays exact while it fits Decimal's 28 decimals (seven years of two-decimal
    /// percentages); beyond that Decimal rounds its 28th digit, far below an öre.
    pub fn factor(&self, fee_year: i32) -> Result<Decimal, ContributionError> {
        Ok(self.changes(fee_year)?.1)
    }

    /// The factor together with the yearly changes it was compounded from.
    fn changes(&self, fee_year: i32) -> Result<(Vec<(i32, Decimal)>, Decimal), ContributionError> {
        if fee_year < self.base_year {
            return Err(ContributionError::FeeYearBeforeIndexBase {
                fee_year,
                base_year: self.base_year,
            });
        }
        let mut changes = Vec::new();
        let mut factor = Decimal::ONE;
        for year in self.base_year.saturating_add(1)..=fee_year {
            let percent = *self
                .series
                .points
                .get(&year)
                .ok_or(ContributionError::MissingIndexYear { year })?;
            // A fall of 100 % or more would make fees zero or negative: surely a typing error.
            if percent <= -Decimal::ONE_HUNDRED {
                return Err(ContributionError::PercentOutOfRange {
                    what: "index_percent",
                    value: percent,
                });
            }
            let step = overflow(
                percent
                    .checked_div(Decimal::ONE_HUNDRED)
                    .and_then(|p| p.checked_add(Decimal::ONE)),
            )?;
            factor = overflow(factor.checked_mul(step))?;
            changes.push((year, percent));
        }
        Ok((changes, factor))
    }

    /// Records the base year, each year's change, the factor and the rounding rule as inputs,
    /// and returns the index to apply to the model's values.
    pub(crate) fn prepare(
        &self,
        fee_year: i32,
        trace: &mut Trace,
    ) -> Result<AppliedIndex, ContributionError> {
        let (changes, factor) = self.changes(fee_year)?;
        trace.input(InputName::IndexBaseYear, Value::Year(self.base_year));
        for (year, percent) in changes {
            trace.input(
                InputName::IndexPercent,
                Value::YearPercent { year, percent },
            );
        }
        trace.input(InputName::IndexFactor, Value::Decimal(factor));
        trace.input(InputName::IndexRounding, Value::Rounding(self.rounding));
        Ok(AppliedIndex {
            factor,
            rounding: self.rounding,
        })
    }
}

/// Prepares an optional indexation; no indexation leaves values as decided.
pub(crate) fn prepare(
    indexation: Option<&Indexation>,
    fee_year: i32,
    trace: &mut Trace,
) -> Result<Option<AppliedIndex>, ContributionError> {
    indexation.map(|ix| ix.prepare(fee_year, trace)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::RoundingMode;
    use crate::domain::test_support::d;

    fn indexation(points: &[(i32, &str)]) -> Indexation {
        Indexation {
            series: IndexSeries {
                points: points.iter().map(|(y, p)| (*y, d(p))).collect(),
            },
            base_year: 2024,
            rounding: Rounding::ORE,
        }
    }

    #[test]
    fn compounds_from_the_base_year() {
        let ix = indexation(&[(2024, "9.9"), (2025, "3.0"), (2026, "2.5"), (2027, "-1")]);
        assert_eq!(ix.factor(2024).unwrap(), Decimal::ONE);
        assert_eq!(ix.factor(2025).unwrap(), d("1.03"));
        assert_eq!(ix.factor(2026).unwrap(), d("1.05575"));
        assert_eq!(ix.factor(2027).unwrap(), d("1.0451925"));
    }

    #[test]
    fn names_what_is_missing() {
        let ix = indexation(&[(2025, "3.0"), (2027, "2.0")]);
        assert_eq!(
            ix.factor(2027),
            Err(ContributionError::MissingIndexYear { year: 2026 })
        );
        assert_eq!(
            ix.factor(2023),
            Err(ContributionError::FeeYearBeforeIndexBase {
                fee_year: 2023,
                base_year: 2024
            })
        );
        let ix = indexation(&[(2025, "-100")]);
        assert!(matches!(
            ix.factor(2025),
            Err(ContributionError::PercentOutOfRange { .. })
        ));
    }

    #[test]
    fn factor_stays_exact_over_many_years() {
        let points: Vec<(i32, &str)> = (2025..=2031).map(|y| (y, "2.37")).collect();
        let ix = indexation(&points);
        // 1.0237^7 has 28 decimals: computed exactly, not rounded.
        let expected = (0..7).fold(Decimal::ONE, |f, _| f * d("1.0237"));
        assert_eq!(ix.factor(2031).unwrap(), expected);
        assert_eq!(expected.scale(), 28);
    }

    #[test]
    fn indexed_values_are_rounded_by_the_stated_rule_and_recorded() {
        let mut ix = indexation(&[(2025, "3.0"), (2026, "2.5")]);
        let mut trace = Trace::default();
        let applied = ix.prepare(2026, &mut trace).unwrap();
        let rate = trace
            .index(
                Some(applied),
                super::super::explain::Quantity::Rate,
                d("28.50"),
            )
            .unwrap();
        // 28.50 × 1.05575 = 30.0888750 → 30.09
        assert_eq!(rate, d("30.09"));
        assert_eq!(trace.steps.len(), 2);
        assert!(trace.inputs.contains(&super::super::explain::Input {
            name: InputName::IndexFactor,
            value: Value::Decimal(d("1.05575")),
        }));

        ix.rounding = Rounding {
            decimals: 0,
            mode: RoundingMode::Down,
        };
        let mut trace = Trace::default();
        let applied = ix.prepare(2026, &mut trace).unwrap();
        let amount = trace
            .index(
                Some(applied),
                super::super::explain::Quantity::Amount,
                d("50000"),
            )
            .unwrap();
        assert_eq!(amount, d("52787"));
    }
}
