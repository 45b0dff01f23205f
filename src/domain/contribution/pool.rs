//! Sharing a budget: a total, less external funding, split across all members of a pool by a
//! key. The parts add up to the net amount to the öre, so it is computed for the whole pool
//! at once.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::error::ContributionError;
use super::explain::{Input, InputName, Quantity, Step, Value};
use super::facts::MemberFacts;
use super::index::{self, Indexation};
use super::key::Key;
use super::trace::{Trace, exact_share, overflow};
use super::weights::{percent_in_range, weights};
use crate::domain::money::{MINOR_DECIMALS, Money, Rounding, allocate};

/// A budget shared by the members of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The total of every fee year not in `by_year`.
    pub total: Money,
    /// The total of particular fee years: a project's budget over several years, each year
    /// its own. Empty for a budget that is the same every year.
    pub by_year: BTreeMap<i32, Money>,
    /// Funding from outside the pool (e.g. 50 % EU), taken off the total first.
    pub external: Option<External>,
    pub key: Key,
    /// Members who pay their own part of the net before the key splits the rest among
    /// the others: a region co-funding its municipalities' project.
    pub co_funders: Vec<CoFunder>,
}

/// A member who pays a part of a pool's net of its own: an amount, or a percentage of the
/// net (rounded to öre, half up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoFunder {
    pub member_id: String,
    pub part: External,
}

impl Pool {
    /// The pool's total in `fee_year`.
    pub fn total_in(&self, fee_year: i32) -> Money {
        self.by_year.get(&fee_year).copied().unwrap_or(self.total)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum External {
    Amount(Money),
    /// Percent of the total; the amount is rounded to öre (half up).
    Share(Decimal),
}

/// A member of the pool: the same facts a member's own calculation uses (population-based
/// keys read its population history).
pub type PoolMember = MemberFacts;

/// One member's part of a pool, with the explanation of the whole sharing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolShare {
    pub member_id: String,
    pub amount: Money,
    pub inputs: Vec<Input>,
    pub steps: Vec<Step>,
}

/// Shares the pool's net amount (total, indexed when an indexation is given, less external
/// funding) among `members` by its key, with one largest-remainder allocation so that the
/// shares add up to the net exactly. Shares come back in the order of `members`, which also
/// breaks ties of the allocation (lower position first).
///
/// Weights are kept exact: the weighted key uses `equal_percent × Σpop + population_percent ×
/// n × pop_i`, the same proportions as its formula without dividing by n or Σpop.
pub fn share_pool(
    pool: &Pool,
    indexation: Option<&Indexation>,
    members: &[PoolMember],
    fee_year: i32,
) -> Result<Vec<PoolShare>, ContributionError> {
    check_members_and_totals(pool, members)?;
    if let Some(shares) = share_over_every_agreed_member(pool, indexation, members, fee_year)? {
        return Ok(shares);
    }

    let mut common = Trace::default();
    common.input(InputName::PoolTotal, Value::Money(pool.total_in(fee_year)));
    common.input(InputName::Key, Value::Key(pool.key.kind()));
    let net = net_amount(pool, indexation, fee_year, &mut common)?;
    let CoFunding { parts, rest } = co_funding(pool, net)?;
    if !parts.is_empty() {
        let taken = overflow(net.amount().checked_sub(rest.amount()))?;
        common.subtract(Quantity::NetAmount, net.amount(), taken)?;
    }
    let sharing: Vec<PoolMember> = members
        .iter()
        .filter(|m| !parts.contains_key(m.id.as_str()))
        .cloned()
        .collect();
    let keyed = if sharing.is_empty() {
        Keyed::default()
    } else {
        let (weights, inputs) = weights(&pool.key, &sharing, fee_year, &mut common)?;
        let parts = allocate(rest, &weights)?;
        Keyed {
            weights,
            inputs,
            parts,
        }
    };
    member_shares(members, &sharing, &common, &parts, keyed, rest)
}

/// Refuses an empty pool, a member listed twice and a negative total.
fn check_members_and_totals(pool: &Pool, members: &[PoolMember]) -> Result<(), ContributionError> {
    if members.is_empty() {
        return Err(ContributionError::EmptyPool);
    }
    let mut seen = BTreeSet::new();
    for member in members {
        if !seen.insert(member.id.as_str()) {
            return Err(ContributionError::DuplicatePoolMember {
                member: member.id.clone(),
            });
        }
    }
    if let Some(negative) = std::iter::once(&pool.total)
        .chain(pool.by_year.values())
        .find(|t| t.to_minor() < 0)
    {
        return Err(ContributionError::NegativeAmount {
            what: "pool_total",
            value: negative.amount(),
        });
    }
    Ok(())
}

/// The shares of `members` under an agreed key that lists members not among them, `None`
/// when the key lists no one else.
///
/// A share by agreed percentage does not depend on who has signed so far: the net is
/// allocated over every member the key lists, in id order, so that one member's share is
/// the same whether it is offered first or last.
fn share_over_every_agreed_member(
    pool: &Pool,
    indexation: Option<&Indexation>,
    members: &[PoolMember],
    fee_year: i32,
) -> Result<Option<Vec<PoolShare>>, ContributionError> {
    let Key::Agreed(percentages) = &pool.key else {
        return Ok(None);
    };
    let absent: Vec<PoolMember> = percentages
        .keys()
        .filter(|id| !members.iter().any(|m| &m.id == *id))
        .map(|id| PoolMember {
            id: id.clone(),
            kind: crate::domain::MemberKind::Municipality,
            population: Vec::new(),
        })
        .collect();
    if absent.is_empty() {
        return Ok(None);
    }
    let mut listed: Vec<PoolMember> = members.iter().cloned().chain(absent).collect();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    let shares = share_pool(pool, indexation, &listed, fee_year)?;
    Ok(Some(
        members
            .iter()
            .filter_map(|m| shares.iter().find(|s| s.member_id == m.id).cloned())
            .collect(),
    ))
}

/// The co-funders' own parts, each with its explanation, and what is left of the net for
/// the key to share.
struct CoFunding<'a> {
    parts: BTreeMap<&'a str, (Money, Trace)>,
    rest: Money,
}

/// Takes the co-funders' parts off the net, whether or not they have signed yet.
fn co_funding(pool: &Pool, net: Money) -> Result<CoFunding<'_>, ContributionError> {
    let mut parts: BTreeMap<&str, (Money, Trace)> = BTreeMap::new();
    let mut rest = net.amount();
    for co in &pool.co_funders {
        let mut own = Trace::default();
        let part = match &co.part {
            External::Amount(amount) => {
                if amount.currency() != net.currency() {
                    return Err(ContributionError::CurrencyMismatch {
                        expected: net.currency(),
                        found: amount.currency(),
                    });
                }
                own.input(InputName::CoFunderAmount, Value::Money(*amount));
                amount.amount()
            }
            External::Share(percent) => {
                percent_in_range("co_funder_percent", *percent)?;
                own.input(InputName::CoFunderPercent, Value::Percent(*percent));
                let exact = own.percent_of(Quantity::CoFunderAmount, net.amount(), *percent)?;
                own.round(Quantity::CoFunderAmount, exact, Rounding::ORE)
            }
        };
        if part < Decimal::ZERO || part > rest {
            return Err(ContributionError::ExternalExceedsTotal {
                total: rest,
                external: part,
            });
        }
        rest = overflow(rest.checked_sub(part))?;
        parts.insert(
            co.member_id.as_str(),
            (Money::new(part, net.currency())?, own),
        );
    }
    Ok(CoFunding {
        parts,
        rest: Money::new(rest, net.currency())?,
    })
}

/// The key's allocation over the members who share the rest: each one's weight, the inputs
/// that are its own, and its part.
#[derive(Default)]
struct Keyed {
    weights: Vec<Decimal>,
    inputs: Vec<Vec<Input>>,
    parts: Vec<Money>,
}

/// Shares in the order of `members`: a co-funder's part where it stands, the key's
/// allocation (made over the others, `sharing`, in the same order) for everyone else.
fn member_shares(
    members: &[PoolMember],
    sharing: &[PoolMember],
    common: &Trace,
    co_funded: &BTreeMap<&str, (Money, Trace)>,
    keyed: Keyed,
    net: Money,
) -> Result<Vec<PoolShare>, ContributionError> {
    let total_weight = keyed
        .weights
        .iter()
        .try_fold(Decimal::ZERO, |sum, w| sum.checked_add(*w))
        .ok_or(ContributionError::Overflow)?;
    let mut allocated = sharing
        .iter()
        .zip(keyed.weights)
        .zip(keyed.parts)
        .zip(keyed.inputs);
    let mut shares = Vec::with_capacity(members.len());
    for member in members {
        let mut trace = common.clone();
        let amount = match co_funded.get(member.id.as_str()) {
            Some((part, own)) => {
                trace.inputs.extend(own.inputs.iter().cloned());
                trace.steps.extend(own.steps.iter().cloned());
                *part
            }
            None => {
                let (((_, weight), part), inputs) =
                    allocated.next().ok_or(ContributionError::Overflow)?;
                trace.inputs.extend(inputs);
                trace.steps.push(Step::Allocated {
                    net: net.amount(),
                    weight,
                    total_weight,
                    exact_share: exact_share(net.amount(), weight, total_weight)?,
                    result: part.amount(),
                });
                part
            }
        };
        shares.push(PoolShare {
            member_id: member.id.clone(),
            amount,
            inputs: trace.inputs,
            steps: trace.steps,
        });
    }
    Ok(shares)
}

/// The total, indexed if there is an index, less external funding.
fn net_amount(
    pool: &Pool,
    indexation: Option<&Indexation>,
    fee_year: i32,
    trace: &mut Trace,
) -> Result<Money, ContributionError> {
    let currency = pool.total.currency();
    let index = index::prepare(indexation, fee_year, trace)?;
    let mut total = trace.index(index, Quantity::PoolTotal, pool.total_in(fee_year).amount())?;
    if index.is_some_and(|ix| ix.rounding.decimals > MINOR_DECIMALS) {
        total = trace.round(Quantity::PoolTotal, total, Rounding::ORE);
    }
    let Some(external) = &pool.external else {
        return Ok(Money::new(total, currency)?);
    };
    let external = match external {
        External::Amount(amount) => {
            if amount.currency() != currency {
                return Err(ContributionError::CurrencyMismatch {
                    expected: currency,
                    found: amount.currency(),
                });
            }
            if amount.to_minor() < 0 {
                return Err(ContributionError::NegativeAmount {
                    what: "external_amount",
                    value: amount.amount(),
                });
            }
            trace.input(InputName::ExternalAmount, Value::Money(*amount));
            amount.amount()
        }
        External::Share(percent) => {
            if *percent < Decimal::ZERO || *percent > Decimal::ONE_HUNDRED {
                return Err(ContributionError::PercentOutOfRange {
                    what: "external_percent",
                    value: *percent,
                });
            }
            trace.input(InputName::ExternalPercent, Value::Percent(*percent));
            let amount = trace.percent_of(Quantity::ExternalAmount, total, *percent)?;
            trace.round(Quantity::ExternalAmount, amount, Rounding::ORE)
        }
    };
    if external > total {
        return Err(ContributionError::ExternalExceedsTotal { total, external });
    }
    let net = trace.subtract(Quantity::NetAmount, total, external)?;
    Ok(Money::new(net, currency)?)
}

#[cfg(test)]
mod tests {
    use crate::domain::test_support::{d, sek};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::contribution::ReferenceDateRule;
    use crate::domain::money::AllocationError;

    const SCB: ReferenceDateRule = ReferenceDateRule::SCB_TWO_YEARS_BEFORE;

    fn members(populations: &[i64]) -> Vec<PoolMember> {
        populations
            .iter()
            .enumerate()
            .map(|(i, count)| PoolMember {
                id: format!("m{}", i + 1),
                kind: crate::domain::MemberKind::Municipality,
                population: vec![crate::domain::member::PopulationCount {
                    reference_date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                    count: *count,
                    source: None,
                }],
            })
            .collect()
    }

    fn minors(shares: &[PoolShare]) -> Vec<i64> {
        shares.iter().map(|s| s.amount.to_minor()).collect()
    }

    const SJUHARAD: [i64; 8] = [12472, 9784, 11873, 35134, 10616, 9509, 115238, 24954];

    #[test]
    fn sjuharad_budget_half_external_half_equal_half_population() {
        let pool = Pool {
            total: sek("4200000"),
            external: Some(External::Share(d("50"))),
            key: Key::Weighted {
                equal_percent: d("50"),
                population_percent: d("50"),
                reference: SCB,
            },
            by_year: BTreeMap::new(),
            co_funders: Vec::new(),
        };
        let shares = share_pool(&pool, None, &members(&SJUHARAD), 2027).unwrap();
        assert_eq!(minors(&shares).iter().sum::<i64>(), 210_000_000);
        // Computed independently with exact fractions and the largest-remainder rule.
        assert_eq!(
            minors(&shares),
            [
                18_829_155, 17_599_780, 18_555_199, 29_193_778, 17_980_301, 17_474_007, 65_829_896,
                24_537_884
            ]
        );
        let second = &shares[1];
        assert_eq!(second.member_id, "m2");
        assert!(second.inputs.contains(&Input {
            name: InputName::Population,
            value: Value::PopulationAt {
                count: 9784,
                date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
            }
        }));
        assert!(second.inputs.contains(&Input {
            name: InputName::TotalPopulation,
            value: Value::Integer(229_580)
        }));
        assert!(second.steps.contains(&Step::Subtracted {
            quantity: Quantity::NetAmount,
            left: d("4200000.00"),
            right: d("2100000.00"),
            result: d("2100000.00"),
        }));
        assert!(matches!(
            second.steps.last(),
            Some(Step::Allocated { total_weight, result, .. })
                if *total_weight == d("183664000") && *result == d("175997.80")
        ));
    }

    #[test]
    fn equal_population_and_agreed_keys() {
        let pool = |key| Pool {
            total: sek("1000"),
            external: Some(External::Amount(sek("100"))),
            key,
            by_year: BTreeMap::new(),
            co_funders: Vec::new(),
        };
        let three = members(&[100, 200, 700]);
        let shares = share_pool(&pool(Key::Equal), None, &three, 2027).unwrap();
        assert_eq!(minors(&shares), [30_000, 30_000, 30_000]);
        assert_eq!(
            shares[0].steps.last(),
            Some(&Step::Allocated {
                net: d("900.00"),
                weight: Decimal::ONE,
                total_weight: d("3"),
                exact_share: d("300"),
                result: d("300.00"),
            })
        );

        let shares = share_pool(
            &pool(Key::Population { reference: SCB }),
            None,
            &three,
            2027,
        )
        .unwrap();
        assert_eq!(minors(&shares), [9_000, 18_000, 63_000]);

        let agreed: BTreeMap<String, Decimal> = [("m1", "33.34"), ("m2", "33.33"), ("m3", "33.33")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), d(v)))
            .collect();
        let shares = share_pool(&pool(Key::Agreed(agreed.clone())), None, &three, 2027).unwrap();
        // 900 × 33.34 % = 300.06; 900 × 33.33 % = 299.97.
        assert_eq!(minors(&shares), [30_006, 29_997, 29_997]);

        let mut short = agreed.clone();
        short.insert("m3".into(), d("33.32"));
        assert_eq!(
            share_pool(&pool(Key::Agreed(short)), None, &three, 2027).err(),
            Some(ContributionError::AgreedPercentagesNot100 { sum: d("99.99") })
        );
        let mut missing = agreed.clone();
        missing.remove("m3");
        assert!(matches!(
            share_pool(&pool(Key::Agreed(missing)), None, &three, 2027),
            Err(ContributionError::MissingAgreedPercentage { .. })
        ));
        // A member the key lists who has no agreement yet keeps its part unbilled: the
        // others pay their agreed percentages, the same as when all have signed.
        let two = &three[..2];
        let of_two = share_pool(&pool(Key::Agreed(agreed.clone())), None, two, 2027).unwrap();
        assert_eq!(of_two, shares[..2]);
        let mut stranger = agreed;
        stranger.insert("m9".into(), d("0"));
        assert_eq!(
            share_pool(&pool(Key::Agreed(stranger)), None, &three, 2027)
                .unwrap()
                .iter()
                .map(|s| s.amount)
                .collect::<Vec<_>>(),
            shares.iter().map(|s| s.amount).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_co_funder_pays_its_part_before_the_key_splits_the_rest() {
        let pool = Pool {
            total: sek("1000.00"),
            by_year: BTreeMap::from([(2028, sek("500.00"))]),
            external: None,
            key: Key::Population { reference: SCB },
            co_funders: vec![CoFunder {
                member_id: "m1".into(),
                part: External::Share(d("40")),
            }],
        };
        // The region (m1, no inhabitants of its own counted) pays 40 % = 400.00; the
        // municipalities share 600.00 by population, 1:2.
        let all = members(&[0, 100, 200]);
        let shares = share_pool(&pool, None, &all, 2027).unwrap();
        assert_eq!(minors(&shares), [40_000, 20_000, 40_000]);
        assert!(
            shares[0]
                .inputs
                .iter()
                .any(|i| i.name == InputName::CoFunderPercent)
        );
        // The co-funder's part comes off whether or not it has signed yet.
        let without_region = share_pool(&pool, None, &all[1..], 2027).unwrap();
        assert_eq!(minors(&without_region), [20_000, 40_000]);
        // 2028 has a budget of its own: 200.00 for the region, 150.00 each.
        let equal = Pool {
            key: Key::Equal,
            ..pool.clone()
        };
        let shares = share_pool(&equal, None, &all, 2028).unwrap();
        assert_eq!(minors(&shares), [20_000, 15_000, 15_000]);
        // Co-funders cannot take more than the net.
        let greedy = Pool {
            co_funders: vec![CoFunder {
                member_id: "m1".into(),
                part: External::Amount(sek("1000.01")),
            }],
            ..pool
        };
        assert!(matches!(
            share_pool(&greedy, None, &all, 2027),
            Err(ContributionError::ExternalExceedsTotal { .. })
        ));
    }

    #[test]
    fn pool_errors() {
        let pool = Pool {
            total: sek("1000"),
            external: None,
            key: Key::Equal,
            by_year: BTreeMap::new(),
            co_funders: Vec::new(),
        };
        assert_eq!(
            share_pool(&pool, None, &[], 2027).err(),
            Some(ContributionError::EmptyPool)
        );
        let mut twice = members(&[1, 2]);
        twice[1].id = "m1".into();
        assert!(matches!(
            share_pool(&pool, None, &twice, 2027),
            Err(ContributionError::DuplicatePoolMember { .. })
        ));
        let over = Pool {
            external: Some(External::Amount(sek("1000.01"))),
            ..pool.clone()
        };
        assert!(matches!(
            share_pool(&over, None, &members(&[1]), 2027),
            Err(ContributionError::ExternalExceedsTotal { .. })
        ));
        let weighted = Pool {
            key: Key::Weighted {
                equal_percent: d("60"),
                population_percent: d("50"),
                reference: SCB,
            },
            ..pool.clone()
        };
        assert!(matches!(
            share_pool(&weighted, None, &members(&[1]), 2027),
            Err(ContributionError::WeightedKeyNot100 { .. })
        ));
        let by_population = Pool {
            key: Key::Population { reference: SCB },
            ..pool.clone()
        };
        assert_eq!(
            share_pool(&by_population, None, &members(&[0, 0]), 2027).err(),
            Some(ContributionError::ZeroPopulation)
        );
        let mut no_count = members(&[5]);
        no_count[0].population.clear();
        assert!(matches!(
            share_pool(&by_population, None, &no_count, 2027),
            Err(ContributionError::MissingPopulation { .. })
        ));
        assert!(matches!(
            share_pool(&by_population, None, &members(&[-1, 5]), 2027),
            Err(ContributionError::Allocation(
                AllocationError::NegativeWeight { index: 0 }
            ))
        ));
    }

    #[test]
    fn indexed_total() {
        let indexation = Indexation {
            series: super::super::IndexSeries {
                points: [(2027, d("2.5"))].into_iter().collect(),
            },
            base_year: 2026,
            rounding: Rounding::KRONA,
        };
        let pool = Pool {
            total: sek("1000.20"),
            external: None,
            key: Key::Equal,
            by_year: BTreeMap::new(),
            co_funders: Vec::new(),
        };
        // 1 000.20 × 1.025 = 1 025.205 → 1 025 kr.
        let shares = share_pool(&pool, Some(&indexation), &members(&[1, 1]), 2027).unwrap();
        assert_eq!(minors(&shares), [51_250, 51_250]);
    }

    fn key() -> impl Strategy<Value = Key> {
        prop_oneof![
            Just(Key::Equal),
            Just(Key::Population { reference: SCB }),
            (0_u32..=10_000).prop_map(|e| {
                let equal = Decimal::new(i64::from(e), 2);
                Key::Weighted {
                    equal_percent: equal,
                    population_percent: Decimal::ONE_HUNDRED - equal,
                    reference: SCB,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn shares_add_up_to_the_net_exactly(
            total in 0_i64..100_000_000_000,
            external_percent in proptest::option::of(0_u32..=10_000),
            populations in prop::collection::vec(1_i64..2_000_000, 1..60),
            key in key(),
        ) {
            let pool = Pool {
                total: Money::from_minor(total, Currency::Nok),
                external: external_percent.map(|p| External::Share(Decimal::new(i64::from(p), 2))),
                key,
                by_year: BTreeMap::new(),
                co_funders: Vec::new(),
            };
            let shares = share_pool(&pool, None, &members(&populations), 2027).unwrap();
            let net = match shares[0].steps.iter().find_map(|s| match s {
                Step::Subtracted { result, .. } => Some(*result),
                _ => None,
            }) {
                Some(net) => Money::new(net, Currency::Nok).unwrap().to_minor(),
                None => total,
            };
            prop_assert_eq!(minors(&shares).iter().sum::<i64>(), net);
            prop_assert!(net <= total);
            prop_assert!(shares.iter().all(|s| s.amount.currency() == Currency::Nok));
            // Equal keys differ by at most one öre.
            if pool.key == Key::Equal {
                let m = minors(&shares);
                prop_assert!(m.iter().max().unwrap() - m.iter().min().unwrap() <= 1);
            }
        }
    }
}
