//! Fee models for the fixed part: the parameters a board decides, and how one member's fee
//! follows from them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::bands::{Band, BandMode, validate_bands};
use super::error::ContributionError;
use super::explain::{InputName, Limit, Quantity, Step, Value};
use super::facts::MemberFacts;
use super::index::{self, Indexation};
use super::pool::{Pool, PoolShare};
use super::population::{ReferenceDateRule, population_at};
use super::trace::{AppliedIndex, Trace, overflow};
use crate::domain::money::{MINOR_DECIMALS, Money, Rounding};
use crate::domain::{Currency, MemberKind};

/// How a fixed component's fee is decided. Amounts are [`Money`]; rates are per inhabitant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeModel {
    /// The same amount for every member, e.g. 50 000 kr, unless its kind has its own.
    Flat {
        amount: Money,
        by_kind: BTreeMap<MemberKind, Money>,
    },
    /// `base + rate × population`, kept within `[floor, ceiling]`, rounded to öre.
    PerInhabitant {
        rate: Decimal,
        currency: Currency,
        reference: ReferenceDateRule,
        base: Option<Money>,
        floor: Option<Money>,
        ceiling: Option<Money>,
    },
    /// A fee by population band; see [`BandMode`].
    Bands {
        mode: BandMode,
        bands: Vec<Band>,
        currency: Currency,
        reference: ReferenceDateRule,
    },
    /// A share of a budget; computed for all the pool's members at once by
    /// [`super::share_pool`], and handed to the calculation as a [`PoolShare`].
    Pool(Pool),
}

/// A fee model as decided for a period, with the index it follows, if any. Indexation
/// applies to the model's rates and amounts (for a pool: its total), each rounded by the
/// indexation's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeModelVersion {
    pub model: FeeModel,
    pub indexation: Option<Indexation>,
}

/// A fixed component's fee before pro-rating, in the model's currency, in whole öre.
pub(crate) struct Fee {
    pub amount: Decimal,
    pub currency: Currency,
}

/// One member's fee under a model, recording inputs and steps in `trace`. A pool's share is
/// taken from `pool_shares` by component id, since it was computed for the whole pool.
pub(crate) fn evaluate(
    version: &FeeModelVersion,
    component: &str,
    member: &MemberFacts,
    fee_year: i32,
    pool_shares: &BTreeMap<String, PoolShare>,
    trace: &mut Trace,
) -> Result<Fee, ContributionError> {
    let subject = Subject {
        indexation: version.indexation.as_ref(),
        member,
        fee_year,
    };
    match &version.model {
        FeeModel::Flat { amount, by_kind } => flat(*amount, by_kind, &subject, trace),
        FeeModel::PerInhabitant {
            rate,
            currency,
            reference,
            base,
            floor,
            ceiling,
        } => {
            let limits = Limits {
                base: *base,
                floor: *floor,
                ceiling: *ceiling,
            };
            per_inhabitant(*rate, *currency, reference, limits, &subject, trace)
        }
        FeeModel::Bands {
            mode,
            bands,
            currency,
            reference,
        } => banded(*mode, bands, *currency, reference, &subject, trace),
        FeeModel::Pool(_) => {
            // The index, if any, was applied to the pool's total when it was shared.
            let share =
                pool_shares
                    .get(component)
                    .ok_or_else(|| ContributionError::MissingPoolShare {
                        component: component.to_owned(),
                    })?;
            if share.member_id != member.id {
                return Err(ContributionError::PoolShareForOtherMember {
                    component: component.to_owned(),
                    member: share.member_id.clone(),
                });
            }
            trace.inputs.extend(share.inputs.iter().cloned());
            trace.steps.extend(share.steps.iter().cloned());
            Ok(Fee {
                amount: share.amount.amount(),
                currency: share.amount.currency(),
            })
        }
    }
}

/// Who and when a fee is computed for, and the index it follows.
struct Subject<'a> {
    indexation: Option<&'a Indexation>,
    member: &'a MemberFacts,
    fee_year: i32,
}

fn flat(
    amount: Money,
    by_kind: &BTreeMap<MemberKind, Money>,
    subject: &Subject<'_>,
    trace: &mut Trace,
) -> Result<Fee, ContributionError> {
    let kind = subject.member.kind;
    let amount = by_kind.get(&kind).copied().unwrap_or(amount);
    trace.input(InputName::MemberKind, Value::Kind(kind));
    trace.input(InputName::Amount, Value::Money(amount));
    let index = index::prepare(subject.indexation, subject.fee_year, trace)?;
    let mut value = trace.index(index, Quantity::Amount, amount.amount())?;
    // An index rounded to finer than öre (e.g. 4 decimals) still has to end in öre.
    if index.is_some_and(|ix| ix.rounding.decimals > MINOR_DECIMALS) {
        value = trace.round(Quantity::Fee, value, Rounding::ORE);
    }
    Ok(Fee {
        amount: value,
        currency: amount.currency(),
    })
}

/// The optional amounts of a per-inhabitant model.
struct Limits {
    base: Option<Money>,
    floor: Option<Money>,
    ceiling: Option<Money>,
}

fn same_currency(expected: Currency, amount: Option<Money>) -> Result<(), ContributionError> {
    match amount {
        Some(m) if m.currency() != expected => Err(ContributionError::CurrencyMismatch {
            expected,
            found: m.currency(),
        }),
        _ => Ok(()),
    }
}

fn not_negative(what: &'static str, value: Decimal) -> Result<(), ContributionError> {
    if value < Decimal::ZERO {
        Err(ContributionError::NegativeAmount { what, value })
    } else {
        Ok(())
    }
}

/// The member's population at the model's reference date, recorded with its date.
fn population(
    reference: &ReferenceDateRule,
    member: &MemberFacts,
    fee_year: i32,
    trace: &mut Trace,
) -> Result<i64, ContributionError> {
    let date = reference.date_for(fee_year)?;
    let count = population_at(&member.id, &member.population, date)?.count;
    trace.input(InputName::Population, Value::PopulationAt { count, date });
    Ok(count)
}

fn index_money(
    trace: &mut Trace,
    index: Option<AppliedIndex>,
    quantity: Quantity,
    amount: Option<Money>,
) -> Result<Option<Decimal>, ContributionError> {
    amount
        .map(|m| trace.index(index, quantity, m.amount()))
        .transpose()
}

fn per_inhabitant(
    rate: Decimal,
    currency: Currency,
    reference: &ReferenceDateRule,
    limits: Limits,
    subject: &Subject<'_>,
    trace: &mut Trace,
) -> Result<Fee, ContributionError> {
    not_negative("rate", rate)?;
    for amount in [limits.base, limits.floor, limits.ceiling] {
        same_currency(currency, amount)?;
    }
    let inhabitants = population(reference, subject.member, subject.fee_year, trace)?;
    trace.input(InputName::Rate, Value::Decimal(rate));
    for (name, amount) in [
        (InputName::BaseAmount, limits.base),
        (InputName::Floor, limits.floor),
        (InputName::Ceiling, limits.ceiling),
    ] {
        if let Some(amount) = amount {
            trace.input(name, Value::Money(amount));
        }
    }
    let index = index::prepare(subject.indexation, subject.fee_year, trace)?;

    let rate = trace.index(index, Quantity::Rate, rate)?;
    let base = index_money(trace, index, Quantity::BaseAmount, limits.base)?;
    let floor = index_money(trace, index, Quantity::Floor, limits.floor)?;
    let ceiling = index_money(trace, index, Quantity::Ceiling, limits.ceiling)?;
    if let (Some(floor), Some(ceiling)) = (floor, ceiling)
        && floor > ceiling
    {
        return Err(ContributionError::FloorAboveCeiling { floor, ceiling });
    }

    let part = trace.multiply(Quantity::PopulationPart, rate, Decimal::from(inhabitants))?;
    let mut fee = match base {
        Some(base) => trace.add(Quantity::Fee, base, part)?,
        None => part,
    };
    if let Some(floor) = floor.filter(|floor| fee < *floor) {
        trace.steps.push(Step::Clamped {
            limit: Limit::Floor,
            before: fee,
            after: floor,
        });
        fee = floor;
    }
    if let Some(ceiling) = ceiling.filter(|ceiling| fee > *ceiling) {
        trace.steps.push(Step::Clamped {
            limit: Limit::Ceiling,
            before: fee,
            after: ceiling,
        });
        fee = ceiling;
    }
    let fee = trace.round(Quantity::Fee, fee, Rounding::ORE);
    Ok(Fee {
        amount: fee,
        currency,
    })
}

fn banded(
    mode: BandMode,
    bands: &[Band],
    currency: Currency,
    reference: &ReferenceDateRule,
    subject: &Subject<'_>,
    trace: &mut Trace,
) -> Result<Fee, ContributionError> {
    validate_bands(bands)?;
    for band in bands {
        not_negative("band_rate", band.rate)?;
        same_currency(currency, band.fixed)?;
    }
    let inhabitants = population(reference, subject.member, subject.fee_year, trace)?;
    trace.input(InputName::BandMode, Value::BandMode(mode));
    for (index, band) in bands.iter().enumerate() {
        trace.input(
            InputName::Band,
            Value::Band {
                index,
                from: band.from,
                to: band.to,
                rate: band.rate,
                fixed: band.fixed,
            },
        );
    }
    let index = index::prepare(subject.indexation, subject.fee_year, trace)?;
    let Some(chosen) = bands.iter().position(|b| b.contains(inhabitants)) else {
        return Err(ContributionError::PopulationOutsideBands {
            population: inhabitants,
        });
    };

    let fee = match mode {
        BandMode::Step => step_fee(bands, chosen, inhabitants, index, trace)?,
        BandMode::Graduated => graduated_fee(bands, chosen, inhabitants, index, trace)?,
    };
    let fee = trace.round(Quantity::Fee, fee, Rounding::ORE);
    Ok(Fee {
        amount: fee,
        currency,
    })
}

/// Step bands: `fixed + rate × population` of the chosen band, before rounding.
fn step_fee(
    bands: &[Band],
    chosen: usize,
    inhabitants: i64,
    index: Option<AppliedIndex>,
    trace: &mut Trace,
) -> Result<Decimal, ContributionError> {
    let band = &bands[chosen];
    trace.steps.push(Step::BandChosen {
        index: chosen,
        from: band.from,
        to: band.to,
    });
    let rate = trace.index(index, Quantity::Rate, band.rate)?;
    let part = trace.multiply(Quantity::PopulationPart, rate, Decimal::from(inhabitants))?;
    Ok(
        match index_money(trace, index, Quantity::BandFixed, band.fixed)? {
            Some(fixed) => trace.add(Quantity::Fee, fixed, part)?,
            None => part,
        },
    )
}

/// Graduated bands: each band up to the chosen one charges the inhabitants inside it at its
/// rate, plus its fixed amount; the sum, before rounding.
fn graduated_fee(
    bands: &[Band],
    chosen: usize,
    inhabitants: i64,
    index: Option<AppliedIndex>,
    trace: &mut Trace,
) -> Result<Decimal, ContributionError> {
    let mut terms = Vec::new();
    for (i, band) in bands.iter().enumerate().take(chosen + 1) {
        // Inhabitants k = max(from, 1) ..= min(to, population): inhabitant 0 does
        // not exist, so a band starting at 0 holds the first `to` inhabitants.
        let lowest = band.from.max(1);
        let highest = band.to.map_or(inhabitants, |to| to.min(inhabitants));
        let inside = overflow(highest.checked_sub(lowest))?
            .saturating_add(1)
            .max(0);
        let rate = trace.index(index, Quantity::Rate, band.rate)?;
        let portion = overflow(rate.checked_mul(Decimal::from(inside)))?;
        trace.steps.push(Step::BandPortion {
            index: i,
            inhabitants: inside,
            rate,
            result: portion,
        });
        terms.push(portion);
        if let Some(fixed) = index_money(trace, index, Quantity::BandFixed, band.fixed)? {
            terms.push(fixed);
        }
    }
    let result = terms
        .iter()
        .try_fold(Decimal::ZERO, |sum, t| sum.checked_add(*t))
        .ok_or(ContributionError::Overflow)?;
    trace.steps.push(Step::Summed {
        quantity: Quantity::Fee,
        terms,
        result,
    });
    Ok(result)
}

#[cfg(test)]
mod tests {
    use crate::domain::test_support::{d, sek};
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::contribution::BandProblem;
    use crate::domain::member::PopulationCount;
    use crate::domain::money::RoundingMode;

    fn member(kind: MemberKind, population: i64) -> MemberFacts {
        MemberFacts {
            id: "mark".into(),
            kind,
            population: vec![PopulationCount {
                reference_date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                count: population,
                source: Some("SCB".into()),
            }],
        }
    }

    fn run(
        model: FeeModel,
        indexation: Option<Indexation>,
        member: &MemberFacts,
    ) -> (Decimal, Trace) {
        let version = FeeModelVersion { model, indexation };
        let mut trace = Trace::default();
        let fee = evaluate(&version, "fast", member, 2027, &BTreeMap::new(), &mut trace).unwrap();
        assert_eq!(fee.currency, Currency::Sek);
        (fee.amount, trace)
    }

    fn try_run(model: FeeModel, population: i64) -> Result<Fee, ContributionError> {
        let version = FeeModelVersion {
            model,
            indexation: None,
        };
        let member = member(MemberKind::Municipality, population);
        evaluate(
            &version,
            "fast",
            &member,
            2027,
            &BTreeMap::new(),
            &mut Trace::default(),
        )
    }

    fn per_inhabitant(
        rate: &str,
        base: Option<&str>,
        floor: Option<&str>,
        ceiling: Option<&str>,
    ) -> FeeModel {
        FeeModel::PerInhabitant {
            rate: d(rate),
            currency: Currency::Sek,
            reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
            base: base.map(sek),
            floor: floor.map(sek),
            ceiling: ceiling.map(sek),
        }
    }

    fn band(from: i64, to: Option<i64>, rate: &str, fixed: Option<&str>) -> Band {
        Band {
            from,
            to,
            rate: d(rate),
            fixed: fixed.map(sek),
        }
    }

    fn bands(mode: BandMode) -> FeeModel {
        FeeModel::Bands {
            mode,
            bands: vec![
                band(0, Some(10_000), "30", Some("10000")),
                band(10_001, Some(50_000), "20", None),
                band(50_001, None, "10", Some("5000")),
            ],
            currency: Currency::Sek,
            reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
        }
    }

    #[test]
    fn flat_by_kind() {
        let mut by_kind = BTreeMap::new();
        by_kind.insert(MemberKind::Company, sek("15000"));
        let model = FeeModel::Flat {
            amount: sek("50000"),
            by_kind,
        };
        let (fee, trace) = run(model.clone(), None, &member(MemberKind::Municipality, 1));
        assert_eq!(fee, d("50000"));
        assert!(trace.steps.is_empty());
        let (fee, _) = run(model, None, &member(MemberKind::Company, 1));
        assert_eq!(fee, d("15000"));
    }

    #[test]
    fn flat_indexed_to_whole_kronor() {
        let indexation = Indexation {
            series: super::super::IndexSeries {
                points: [(2026, d("3.0")), (2027, d("2.5"))].into_iter().collect(),
            },
            base_year: 2025,
            rounding: Rounding::KRONA,
        };
        let model = FeeModel::Flat {
            amount: sek("50000"),
            by_kind: BTreeMap::new(),
        };
        let (fee, trace) = run(model, Some(indexation), &member(MemberKind::Region, 1));
        // 50 000 × 1.05575 = 52 787.50 → 52 788 (half up to whole kronor).
        assert_eq!(fee, d("52788"));
        assert_eq!(
            trace.steps,
            vec![
                Step::Indexed {
                    quantity: Quantity::Amount,
                    before: d("50000.00"),
                    factor: d("1.05575"),
                    result: d("52787.5"),
                },
                Step::Rounded {
                    quantity: Quantity::Amount,
                    before: d("52787.5"),
                    after: d("52788"),
                    rule: Rounding::KRONA,
                },
            ]
        );
    }

    #[test]
    fn per_inhabitant_worked_example() {
        // 28,50 kr × 9 784 = 278 844,00 kr.
        let (fee, trace) = run(
            per_inhabitant("28.50", None, None, None),
            None,
            &member(MemberKind::Municipality, 9_784),
        );
        assert_eq!(fee, d("278844.00"));
        assert_eq!(
            trace.inputs[0].value,
            Value::PopulationAt {
                count: 9_784,
                date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
            }
        );
        assert!(matches!(
            trace.steps[0],
            Step::Multiplied { result, .. } if result == d("278844.00")
        ));
        assert!(matches!(
            trace.steps[1],
            Step::Rounded {
                rule: Rounding::ORE,
                ..
            }
        ));
    }

    #[test]
    fn per_inhabitant_base_floor_ceiling() {
        let m = |pop| member(MemberKind::Municipality, pop);
        let model = per_inhabitant("2.125", Some("10000"), Some("20000"), Some("100000"));
        // 10 000 + 2.125 × 9 784 = 30 791.00
        assert_eq!(run(model.clone(), None, &m(9_784)).0, d("30791.00"));
        // 10 000 + 2.125 × 1 001 = 12 127.125 → floor 20 000
        let (fee, trace) = run(model.clone(), None, &m(1_001));
        assert_eq!(fee, d("20000"));
        assert!(trace.steps.iter().any(|s| matches!(
            s,
            Step::Clamped {
                limit: Limit::Floor,
                ..
            }
        )));
        // 10 000 + 2.125 × 115 238 = 254 880.75 → ceiling 100 000
        let (fee, trace) = run(model, None, &m(115_238));
        assert_eq!(fee, d("100000"));
        assert!(trace.steps.iter().any(|s| matches!(
            s,
            Step::Clamped {
                limit: Limit::Ceiling,
                ..
            }
        )));
        // Half an öre is rounded half up: 0.125 × 3 = 0.375 → 0.38.
        let (fee, _) = run(per_inhabitant("0.125", None, None, None), None, &m(3));
        assert_eq!(fee, d("0.38"));
    }

    #[test]
    fn per_inhabitant_indexed_rate() {
        let indexation = Indexation {
            series: super::super::IndexSeries {
                points: [(2026, d("3.0")), (2027, d("2.5"))].into_iter().collect(),
            },
            base_year: 2025,
            rounding: Rounding {
                decimals: 2,
                mode: RoundingMode::HalfUp,
            },
        };
        // 28.50 × 1.05575 = 30.088875 → 30.09; × 9 784 = 294 400.56
        let (fee, _) = run(
            per_inhabitant("28.50", None, None, None),
            Some(indexation),
            &member(MemberKind::Municipality, 9_784),
        );
        assert_eq!(fee, d("294400.56"));
    }

    #[test]
    fn per_inhabitant_errors() {
        assert!(matches!(
            try_run(per_inhabitant("1", None, Some("200"), Some("100")), 5),
            Err(ContributionError::FloorAboveCeiling { .. })
        ));
        let mut model = per_inhabitant("1", None, None, None);
        if let FeeModel::PerInhabitant { base, .. } = &mut model {
            *base = Some(Money::from_minor(1, Currency::Nok));
        }
        assert!(matches!(
            try_run(model, 5),
            Err(ContributionError::CurrencyMismatch { .. })
        ));
        let mut model = per_inhabitant("1", None, None, None);
        if let FeeModel::PerInhabitant { reference, .. } = &mut model {
            *reference = ReferenceDateRule::SSB_FEE_YEAR;
        }
        assert_eq!(
            try_run(model, 5).err(),
            Some(ContributionError::MissingPopulation {
                member: "mark".into(),
                date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
            })
        );
    }

    #[test]
    fn step_bands_at_their_edges() {
        let fee = |pop| try_run(bands(BandMode::Step), pop).unwrap().amount;
        assert_eq!(fee(0), d("10000"));
        assert_eq!(fee(10_000), d("310000")); // 10 000 + 30 × 10 000
        assert_eq!(fee(10_001), d("200020")); // 20 × 10 001
        assert_eq!(fee(50_000), d("1000000"));
        assert_eq!(fee(50_001), d("505010")); // 5 000 + 10 × 50 001
    }

    #[test]
    fn graduated_bands_charge_each_inhabitant_once() {
        let fee = |pop| try_run(bands(BandMode::Graduated), pop).unwrap().amount;
        assert_eq!(fee(0), d("10000"));
        assert_eq!(fee(1), d("10030"));
        assert_eq!(fee(10_000), d("310000"));
        assert_eq!(fee(10_001), d("310020"));
        // 10 000 + 30 × 10 000 + 20 × 40 000 + 5 000 + 10 × 1
        assert_eq!(fee(50_001), d("1115010"));
        assert_eq!(fee(115_238), d("1767380"));
    }

    #[test]
    fn graduated_explanation_lists_each_band() {
        let version = FeeModelVersion {
            model: bands(BandMode::Graduated),
            indexation: None,
        };
        let member = member(MemberKind::Municipality, 12_472);
        let mut trace = Trace::default();
        evaluate(
            &version,
            "fast",
            &member,
            2027,
            &BTreeMap::new(),
            &mut trace,
        )
        .unwrap();
        let portions: Vec<(usize, i64)> = trace
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::BandPortion {
                    index, inhabitants, ..
                } => Some((*index, *inhabitants)),
                _ => None,
            })
            .collect();
        assert_eq!(portions, [(0, 10_000), (1, 2_472)]);
        assert_eq!(
            trace
                .inputs
                .iter()
                .filter(|i| i.name == InputName::Band)
                .count(),
            3
        );
    }

    #[test]
    fn bands_must_tile_from_zero() {
        let invalid = |bands: Vec<Band>| match validate_bands(&bands) {
            Err(ContributionError::InvalidBands { problem }) => problem,
            other => panic!("expected invalid bands, got {other:?}"),
        };
        assert_eq!(invalid(vec![]), BandProblem::Empty);
        assert_eq!(
            invalid(vec![band(1, None, "1", None)]),
            BandProblem::FirstNotAtZero { from: 1 }
        );
        assert_eq!(
            invalid(vec![
                band(0, Some(10), "1", None),
                band(12, None, "1", None)
            ]),
            BandProblem::NotContiguous { index: 1 }
        );
        assert_eq!(
            invalid(vec![
                band(0, Some(10), "1", None),
                band(10, None, "1", None)
            ]),
            BandProblem::NotContiguous { index: 1 }
        );
        assert_eq!(
            invalid(vec![band(0, None, "1", None), band(11, None, "1", None)]),
            BandProblem::OpenBandNotLast { index: 0 }
        );
        assert_eq!(
            invalid(vec![
                band(0, Some(10), "1", None),
                band(11, Some(5), "1", None)
            ]),
            BandProblem::EndsBeforeStart { index: 1 }
        );
        assert!(
            validate_bands(&[band(0, Some(0), "1", None), band(1, Some(1), "1", None)]).is_ok()
        );

        let closed = FeeModel::Bands {
            mode: BandMode::Step,
            bands: vec![band(0, Some(10_000), "1", None)],
            currency: Currency::Sek,
            reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
        };
        assert_eq!(
            try_run(closed, 10_001).err(),
            Some(ContributionError::PopulationOutsideBands { population: 10_001 })
        );
    }

    proptest::proptest! {
        /// A municipality that grows never pays less, whatever the base, floor and ceiling.
        #[test]
        fn per_inhabitant_fees_never_decrease_as_population_grows(
            rate_cents in 0_i64..10_000,
            base in proptest::option::of(0_i64..1_000_000),
            pop in 0_i64..2_000_000,
            growth in 0_i64..100_000,
        ) {
            let base = base.map(|b| b.to_string());
            let model = per_inhabitant(&Decimal::new(rate_cents, 2).to_string(), base.as_deref(), Some("1000"), Some("5000000"));
            let (small, _) = run(model.clone(), None, &member(MemberKind::Municipality, pop));
            let (large, _) = run(model, None, &member(MemberKind::Municipality, pop + growth));
            proptest::prop_assert!(large >= small);
        }

        /// Indexing over two years equals applying the product of the two yearly factors,
        /// rounded once by the stated rule.
        #[test]
        fn two_years_of_indexation_equal_the_product_of_the_factors(
            p1 in -500_i64..1_500,
            p2 in -500_i64..1_500,
            rate_cents in 1_i64..10_000,
        ) {
            let (p1, p2) = (Decimal::new(p1, 2), Decimal::new(p2, 2));
            let indexation = Indexation {
                series: super::super::IndexSeries { points: [(2026, p1), (2027, p2)].into_iter().collect() },
                base_year: 2025,
                rounding: Rounding::ORE,
            };
            let factor = indexation.factor(2027).unwrap();
            let hundred = Decimal::ONE_HUNDRED;
            proptest::prop_assert_eq!(factor, (Decimal::ONE + p1 / hundred) * (Decimal::ONE + p2 / hundred));
            let rate = Decimal::new(rate_cents, 2);
            let model = per_inhabitant(&rate.to_string(), None, None, None);
            let (fee, _) = run(model, Some(indexation), &member(MemberKind::Municipality, 1000));
            let expected = Rounding::ORE.apply(Rounding::ORE.apply(rate * factor) * Decimal::new(1000, 0));
            proptest::prop_assert_eq!(fee, expected);
        }
    }
}
