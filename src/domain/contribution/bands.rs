//! Population bands: a table of fees by population, and the rule that it covers every
//! population once.

use rust_decimal::Decimal;

use super::error::{BandProblem, ContributionError};
use crate::domain::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BandMode {
    /// The band that contains the population sets the whole fee: `fixed + rate × population`.
    Step,
    /// Like income-tax brackets: the k-th inhabitant is charged the rate of the band that
    /// contains k, and the fixed amount of every band reached (`from ≤ population`) is added.
    Graduated,
}

/// A band of populations `from..=to` (`to = None`: and above).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub from: i64,
    pub to: Option<i64>,
    /// Per inhabitant.
    pub rate: Decimal,
    pub fixed: Option<Money>,
}

impl Band {
    pub(super) fn contains(&self, population: i64) -> bool {
        self.from <= population && self.to.is_none_or(|to| population <= to)
    }
}

/// Checks that bands start at 0 and follow each other without gap or overlap, so that every
/// population up to the last band's end falls in exactly one band.
pub fn validate_bands(bands: &[Band]) -> Result<(), ContributionError> {
    let problem = |problem| Err(ContributionError::InvalidBands { problem });
    let Some(first) = bands.first() else {
        return problem(BandProblem::Empty);
    };
    if first.from != 0 {
        return problem(BandProblem::FirstNotAtZero { from: first.from });
    }
    for (index, band) in bands.iter().enumerate() {
        if band.to.is_some_and(|to| to < band.from) {
            return problem(BandProblem::EndsBeforeStart { index });
        }
        if index > 0 {
            match bands[index - 1].to {
                None => return problem(BandProblem::OpenBandNotLast { index: index - 1 }),
                Some(previous) if previous.checked_add(1) != Some(band.from) => {
                    return problem(BandProblem::NotContiguous { index });
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}
