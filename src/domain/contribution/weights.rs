//! The weights a pool's key gives its members: equal, by population, by agreed percentage,
//! or part equal and part by population. Kept exact, so the allocation that follows shares
//! the net in the key's proportions.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::error::ContributionError;
use super::explain::{Input, InputName, Value};
use super::facts::MemberFacts;
use super::key::Key;
use super::population::{ReferenceDateRule, population_at};
use super::trace::{Trace, overflow};

pub(super) fn percent_in_range(
    what: &'static str,
    value: Decimal,
) -> Result<(), ContributionError> {
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        Err(ContributionError::PercentOutOfRange { what, value })
    } else {
        Ok(())
    }
}

/// The members' populations at a key's reference date.
struct Populations {
    counts: Vec<i64>,
    /// Each member's own count with its date, for its explanation.
    inputs: Vec<Vec<Input>>,
    total: i64,
}

/// The members' populations at the key's reference date, recorded per member, and their sum.
fn populations(
    reference: &ReferenceDateRule,
    members: &[MemberFacts],
    fee_year: i32,
    common: &mut Trace,
) -> Result<Populations, ContributionError> {
    let date = reference.date_for(fee_year)?;
    let mut counts = Vec::with_capacity(members.len());
    let mut inputs = Vec::with_capacity(members.len());
    for member in members {
        let count = population_at(&member.id, &member.population, date)?.count;
        counts.push(count);
        inputs.push(vec![Input {
            name: InputName::Population,
            value: Value::PopulationAt { count, date },
        }]);
    }
    let total = counts
        .iter()
        .try_fold(0_i64, |sum, c| sum.checked_add(*c))
        .ok_or(ContributionError::Overflow)?;
    common.input(InputName::TotalPopulation, Value::Integer(total));
    Ok(Populations {
        counts,
        inputs,
        total,
    })
}

/// Each member's weight under the key, and the inputs that belong to that member alone.
pub(super) fn weights(
    key: &Key,
    members: &[MemberFacts],
    fee_year: i32,
    common: &mut Trace,
) -> Result<(Vec<Decimal>, Vec<Vec<Input>>), ContributionError> {
    let n = i64::try_from(members.len()).map_err(|_| ContributionError::Overflow)?;
    match key {
        Key::Equal => {
            common.input(InputName::MemberCount, Value::Integer(n));
            Ok((
                vec![Decimal::ONE; members.len()],
                vec![Vec::new(); members.len()],
            ))
        }
        Key::Population { reference } => {
            let Populations {
                counts,
                inputs,
                total,
            } = populations(reference, members, fee_year, common)?;
            if total == 0 {
                return Err(ContributionError::ZeroPopulation);
            }
            Ok((counts.into_iter().map(Decimal::from).collect(), inputs))
        }
        Key::Agreed(percentages) => agreed_weights(percentages, members),
        Key::Weighted {
            equal_percent,
            population_percent,
            reference,
        } => {
            let (equal, by_population) = (*equal_percent, *population_percent);
            percent_in_range("equal_percent", equal)?;
            percent_in_range("population_percent", by_population)?;
            let sum = overflow(equal.checked_add(by_population))?;
            if sum != Decimal::ONE_HUNDRED {
                return Err(ContributionError::WeightedKeyNot100 { sum });
            }
            common.input(InputName::EqualPercent, Value::Percent(equal));
            common.input(InputName::PopulationPercent, Value::Percent(by_population));
            common.input(InputName::MemberCount, Value::Integer(n));
            let populations = populations(reference, members, fee_year, common)?;
            weighted_weights(equal, by_population, n, populations)
        }
    }
}

/// The agreed percentages as weights, each member's recorded as its own; they must name
/// every member and sum to 100.
fn agreed_weights(
    percentages: &BTreeMap<String, Decimal>,
    members: &[MemberFacts],
) -> Result<(Vec<Decimal>, Vec<Vec<Input>>), ContributionError> {
    let mut weights = Vec::with_capacity(members.len());
    let mut inputs = Vec::with_capacity(members.len());
    for member in members {
        let percent = *percentages.get(&member.id).ok_or_else(|| {
            ContributionError::MissingAgreedPercentage {
                member: member.id.clone(),
            }
        })?;
        percent_in_range("agreed_percent", percent)?;
        weights.push(percent);
        inputs.push(vec![Input {
            name: InputName::AgreedPercent,
            value: Value::Percent(percent),
        }]);
    }
    let sum = weights
        .iter()
        .try_fold(Decimal::ZERO, |sum, w| sum.checked_add(*w))
        .ok_or(ContributionError::Overflow)?;
    if sum != Decimal::ONE_HUNDRED {
        return Err(ContributionError::AgreedPercentagesNot100 { sum });
    }
    Ok((weights, inputs))
}

/// The weights of a key part equal, part by population, over `n` members.
fn weighted_weights(
    equal: Decimal,
    by_population: Decimal,
    n: i64,
    populations: Populations,
) -> Result<(Vec<Decimal>, Vec<Vec<Input>>), ContributionError> {
    let Populations {
        counts,
        inputs,
        total,
    } = populations;
    if total == 0 {
        // Without inhabitants only an all-equal key can be shared.
        if !by_population.is_zero() {
            return Err(ContributionError::ZeroPopulation);
        }
        return Ok((vec![Decimal::ONE; counts.len()], inputs));
    }
    // equal/100 × 1/n + population/100 × pop_i/P, multiplied by 100·n·P.
    let equal_part = overflow(equal.checked_mul(Decimal::from(total)))?;
    let per_inhabitant = overflow(by_population.checked_mul(Decimal::from(n)))?;
    let weights = counts
        .into_iter()
        .map(|count| {
            overflow(
                per_inhabitant
                    .checked_mul(Decimal::from(count))
                    .and_then(|p| p.checked_add(equal_part)),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((weights, inputs))
}
