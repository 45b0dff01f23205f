//! The calculation of one member's statement for one fee year: every fixed component
//! (pro-rated to the part of the year the agreement is active), every variable line, the
//! variable cap, and totals per currency and VAT treatment.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::error::ContributionError;
use super::explain::{
    ContributionStatement, InputName, LineKind, Quantity, StatementLine, Step, Total, Value,
};
use super::facts::MemberFacts;
use super::model::{FeeModelVersion, evaluate};
use super::pool::PoolShare;
use super::price_list::{PriceListItem, price_index};
use super::prorata::{Fraction, ProRata, pro_rata_fraction};
use super::trace::{Trace, overflow};
use super::variable::{VariableComponent, cap_adjustments, variable_line};
use super::vat::VatTreatment;
use crate::domain::Currency;
use crate::domain::money::{Money, Rounding};

/// One component of an agreement's fixed part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedComponent {
    /// Names the line, and keys the pool share of a pool component.
    pub id: String,
    pub model: FeeModelVersion,
    /// An amount agreed for this member that replaces the model's result. It is neither
    /// indexed (it was agreed as is) nor exempt from pro-rating.
    pub amount_override: Option<Money>,
    /// Usually [`VatTreatment::OutsideScope`]: a contribution with no service in return.
    pub vat: VatTreatment,
}

/// A conversion of amounts from the fee model's currency into the agreement's, e.g. an
/// Interreg budget in EUR shared by partners who pay in SEK or NOK. The rate, its date and
/// its source are part of the statement, with both amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub from: Currency,
    pub to: Currency,
    /// Units of `to` for one unit of `from`, e.g. 11.4520 SEK per EUR.
    pub rate: Decimal,
    pub date: NaiveDate,
    pub source: String,
}

impl StatementLine {
    /// The conversion the line's amount went through, with the amount before it: read
    /// back from the inputs [`calculate`] records when it converts.
    pub fn conversion(&self) -> Option<(Money, Conversion)> {
        let Some(Value::Money(from)) = self.input(InputName::ConvertedFrom) else {
            return None;
        };
        let (Some(Value::Decimal(rate)), Some(Value::Date(date)), Some(Value::Code(source))) = (
            self.input(InputName::ExchangeRate),
            self.input(InputName::ExchangeDate),
            self.input(InputName::ExchangeSource),
        ) else {
            return None;
        };
        Some((
            *from,
            Conversion {
                from: from.currency(),
                to: self.amount.currency(),
                rate: *rate,
                date: *date,
                source: source.clone(),
            },
        ))
    }
}

/// Everything one member's statement for one fee year is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalculationInput {
    pub fee_year: i32,
    pub member: MemberFacts,
    /// The agreement is active from `start` to `end`, both inclusive; `None` = ongoing.
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub pro_rata: ProRata,
    pub fixed: Vec<FixedComponent>,
    /// This member's share of each pool component, by component id, from
    /// [`super::share_pool`] run over the whole pool.
    pub pool_shares: BTreeMap<String, PoolShare>,
    pub price_list: Vec<PriceListItem>,
    pub variable: Vec<VariableComponent>,
    /// The most the variable lines may add up to.
    pub variable_cap: Option<Money>,
    /// Converts fixed components computed in `from` into `to`, after pro-rating.
    pub conversion: Option<Conversion>,
}

/// Computes the statement: one line per fixed component, one per variable component, cap
/// adjustments when the variable lines exceed the cap, and totals per (currency, VAT
/// treatment) sorted by currency, then treatment. Lines keep the input's order.
pub fn calculate(input: &CalculationInput) -> Result<ContributionStatement, ContributionError> {
    if let Some(end) = input.end
        && end < input.start
    {
        return Err(ContributionError::EndBeforeStart {
            start: input.start,
            end,
        });
    }
    let fraction = pro_rata_fraction(input.pro_rata, input.fee_year, input.start, input.end)?;

    let mut lines = Vec::with_capacity(input.fixed.len() + input.variable.len());
    for component in &input.fixed {
        lines.push(fixed_line(component, input, fraction)?);
    }

    let prices = price_index(&input.price_list)?;
    let first_variable = lines.len();
    for component in &input.variable {
        lines.push(variable_line(component, &prices)?);
    }
    if let Some(cap) = input.variable_cap {
        let adjustments = cap_adjustments(&lines[first_variable..], cap)?;
        lines.extend(adjustments);
    }

    let totals = totals(&lines)?;
    Ok(ContributionStatement {
        fee_year: input.fee_year,
        member_id: input.member.id.clone(),
        lines,
        totals,
    })
}

/// One fixed component's line: the model's fee (or the agreed amount), pro-rated to the part
/// of the year the agreement is active, converted into the agreement's currency if asked.
fn fixed_line(
    component: &FixedComponent,
    input: &CalculationInput,
    fraction: Fraction,
) -> Result<StatementLine, ContributionError> {
    let mut trace = Trace::default();
    let (mut amount, currency) = match component.amount_override {
        Some(agreed) => {
            trace.input(InputName::AmountOverride, Value::Money(agreed));
            (agreed.amount(), agreed.currency())
        }
        None => {
            let fee = evaluate(
                &component.model,
                &component.id,
                &input.member,
                input.fee_year,
                &input.pool_shares,
                &mut trace,
            )?;
            (fee.amount, fee.currency)
        }
    };
    trace.input(InputName::AgreementStart, Value::Date(input.start));
    if let Some(end) = input.end {
        trace.input(InputName::AgreementEnd, Value::Date(end));
    }
    trace.input(InputName::ProRataRule, Value::ProRata(input.pro_rata));
    trace.input(InputName::ProRataFraction, Value::Fraction(fraction));
    if !fraction.is_whole() {
        let result = overflow(fraction.apply(amount))?;
        trace.steps.push(Step::ProRated {
            before: amount,
            fraction,
            result,
        });
        amount = trace.round(Quantity::ProRatedFee, result, Rounding::ORE);
    }
    let (amount, currency) = convert(input.conversion.as_ref(), amount, currency, &mut trace)?;
    Ok(StatementLine {
        component: component.id.clone(),
        kind: LineKind::Fixed,
        inputs: trace.inputs,
        steps: trace.steps,
        amount: Money::new(amount, currency)?,
        vat: component.vat.clone(),
        domestic_vat_abroad: false,
    })
}

/// Converts an amount in the conversion's `from` currency, recording the rate, its date and
/// source; amounts in any other currency pass unchanged.
fn convert(
    conversion: Option<&Conversion>,
    amount: Decimal,
    currency: Currency,
    trace: &mut Trace,
) -> Result<(Decimal, Currency), ContributionError> {
    Ok(match conversion {
        Some(conversion) if conversion.from == currency => {
            trace.input(
                InputName::ConvertedFrom,
                Value::Money(Money::new(amount, currency)?),
            );
            trace.input(InputName::ExchangeRate, Value::Decimal(conversion.rate));
            trace.input(InputName::ExchangeDate, Value::Date(conversion.date));
            trace.input(
                InputName::ExchangeSource,
                Value::Code(conversion.source.clone()),
            );
            let converted = trace.multiply(Quantity::Converted, amount, conversion.rate)?;
            (
                trace.round(Quantity::Converted, converted, Rounding::ORE),
                conversion.to,
            )
        }
        _ => (amount, currency),
    })
}

/// Sums per (currency, VAT treatment): what an invoice shows per VAT rate.
fn totals(lines: &[StatementLine]) -> Result<Vec<Total>, ContributionError> {
    let mut sums: BTreeMap<(Currency, &VatTreatment), Money> = BTreeMap::new();
    for line in lines {
        let currency = line.amount.currency();
        let sum = sums
            .entry((currency, &line.vat))
            .or_insert(Money::zero(currency));
        *sum = sum.checked_add(line.amount)?;
    }
    Ok(sums
        .into_iter()
        .map(|((currency, vat), amount)| Total {
            currency,
            vat: vat.clone(),
            amount,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::domain::test_support::{d, date, sek};
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::MemberKind;
    use crate::domain::contribution::{
        External, FeeModel, IndexSeries, Indexation, Key, Pool, PoolMember, ReferenceDateRule,
        Unit, share_pool,
    };
    use crate::domain::member::PopulationCount;

    fn mark() -> MemberFacts {
        MemberFacts {
            id: "mark".into(),
            kind: MemberKind::Municipality,
            population: vec![
                PopulationCount {
                    reference_date: date(2024, 12, 31),
                    count: 9_700,
                    source: Some("SCB".into()),
                },
                PopulationCount {
                    reference_date: date(2025, 12, 31),
                    count: 9_784,
                    source: Some("SCB".into()),
                },
            ],
        }
    }

    fn per_inhabitant() -> FixedComponent {
        FixedComponent {
            id: "fast_del".into(),
            model: FeeModelVersion {
                model: FeeModel::PerInhabitant {
                    rate: d("28.50"),
                    currency: Currency::Sek,
                    reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
                    base: None,
                    floor: None,
                    ceiling: None,
                },
                indexation: None,
            },
            amount_override: None,
            vat: VatTreatment::OutsideScope,
        }
    }

    fn price_list() -> Vec<PriceListItem> {
        vec![
            PriceListItem {
                code: "skolprogram".into(),
                unit: Unit::Class,
                unit_price: sek("2500"),
                vat: VatTreatment::Rate(d("25")),
                domestic_vat_abroad: false,
            },
            PriceListItem {
                code: "lärarfortbildning".into(),
                unit: Unit::Participant,
                unit_price: sek("1200"),
                vat: VatTreatment::Exempt {
                    reason: "utbildning".into(),
                },
                domestic_vat_abroad: false,
            },
        ]
    }

    fn ordered(code: &str, quantity: &str) -> VariableComponent {
        VariableComponent {
            item_code: code.into(),
            quantity: d(quantity),
            unit_price_override: None,
            discount_percent: None,
            included_quantity: Decimal::ZERO,
        }
    }

    fn input() -> CalculationInput {
        CalculationInput {
            fee_year: 2027,
            member: mark(),
            start: date(2023, 1, 1),
            end: None,
            pro_rata: ProRata::WholeMonths,
            fixed: vec![per_inhabitant()],
            pool_shares: BTreeMap::new(),
            price_list: price_list(),
            variable: vec![
                ordered("skolprogram", "6"),
                ordered("lärarfortbildning", "10"),
            ],
            variable_cap: None,
            conversion: None,
        }
    }

    fn amounts(statement: &ContributionStatement) -> Vec<i64> {
        statement
            .lines
            .iter()
            .map(|l| l.amount.to_minor())
            .collect()
    }

    /// An EUR fee paid in SEK: the statement shows the EUR amount, the rate, its date and
    /// source, and the SEK amount rounded to öre.
    #[test]
    fn a_fixed_part_in_another_currency_is_converted_with_both_amounts_shown() {
        let mut i = input();
        i.variable.clear();
        i.fixed[0].amount_override = Some(Money::new(d("15781.25"), Currency::Eur).unwrap());
        i.conversion = Some(Conversion {
            from: Currency::Eur,
            to: Currency::Sek,
            rate: d("11.4527"),
            date: date(2026, 12, 30),
            source: "Riksbanken".into(),
        });
        let statement = calculate(&i).unwrap();
        let line = &statement.lines[0];
        // 15 781.25 × 11.4527 = 180 737.921875 → 180 737.92 kr.
        assert_eq!(line.amount, sek("180737.92"));
        let input = |name| {
            line.inputs
                .iter()
                .find(|x| x.name == name)
                .map(|x| x.value.clone())
        };
        assert_eq!(
            input(InputName::ConvertedFrom),
            Some(Value::Money(
                Money::new(d("15781.25"), Currency::Eur).unwrap()
            ))
        );
        assert_eq!(
            input(InputName::ExchangeRate),
            Some(Value::Decimal(d("11.4527")))
        );
        assert_eq!(
            input(InputName::ExchangeSource),
            Some(Value::Code("Riksbanken".into()))
        );
        assert!(matches!(
            line.steps.last(),
            Some(Step::Rounded {
                quantity: Quantity::Converted,
                ..
            })
        ));
        assert_eq!(statement.totals[0].currency, Currency::Sek);
        // A line already in the agreement's currency is left alone.
        i.fixed[0].amount_override = Some(sek("100.00"));
        assert_eq!(calculate(&i).unwrap().lines[0].amount, sek("100.00"));
    }

    #[test]
    fn fixed_and_variable_with_totals_per_vat_treatment() {
        let statement = calculate(&input()).unwrap();
        assert_eq!(statement.member_id, "mark");
        assert_eq!(amounts(&statement), [27_884_400, 1_500_000, 1_200_000]);
        let fixed = &statement.lines[0];
        assert_eq!(fixed.kind, LineKind::Fixed);
        assert_eq!(fixed.vat, VatTreatment::OutsideScope);
        assert!(
            fixed
                .inputs
                .iter()
                .any(|i| i.name == InputName::ProRataFraction
                    && i.value
                        == Value::Fraction(crate::domain::contribution::Fraction {
                            numerator: 12,
                            denominator: 12
                        }))
        );
        // A full year adds no pro-rating step.
        assert!(
            !fixed
                .steps
                .iter()
                .any(|s| matches!(s, Step::ProRated { .. }))
        );

        let totals: Vec<(VatTreatment, i64)> = statement
            .totals
            .iter()
            .map(|t| (t.vat.clone(), t.amount.to_minor()))
            .collect();
        assert_eq!(
            totals,
            [
                (VatTreatment::OutsideScope, 27_884_400),
                (
                    VatTreatment::Exempt {
                        reason: "utbildning".into()
                    },
                    1_200_000
                ),
                (VatTreatment::Rate(d("25")), 1_500_000),
            ]
        );
    }

    #[test]
    fn joining_mid_march_pays_from_april() {
        let mut input = input();
        input.start = date(2027, 3, 15);
        let statement = calculate(&input).unwrap();
        // 278 844,00 × 9/12 = 209 133,00
        assert_eq!(statement.lines[0].amount, sek("209133.00"));
        assert!(statement.lines[0].steps.iter().any(|s| matches!(
            s,
            Step::Rounded {
                quantity: Quantity::ProRatedFee,
                rule: Rounding::ORE,
                ..
            }
        )));

        // By days in a leap year: 50 000 × 306/366 = 41 803,278… → 41 803,28.
        let mut input = input.clone();
        input.fee_year = 2028;
        input.start = date(2028, 3, 1);
        input.pro_rata = ProRata::Days;
        input.fixed = vec![FixedComponent {
            amount_override: Some(sek("50000")),
            ..per_inhabitant()
        }];
        let statement = calculate(&input).unwrap();
        assert_eq!(statement.lines[0].amount, sek("41803.28"));
        assert_eq!(statement.lines[0].inputs[0].name, InputName::AmountOverride);
    }

    #[test]
    fn an_agreement_ended_before_the_year_owes_no_fixed_part() {
        let mut input = input();
        input.end = Some(date(2026, 12, 31));
        input.variable.clear();
        let statement = calculate(&input).unwrap();
        assert_eq!(amounts(&statement), [0]);

        input.end = Some(date(2022, 12, 31));
        assert_eq!(
            calculate(&input).err(),
            Some(ContributionError::EndBeforeStart {
                start: date(2023, 1, 1),
                end: date(2022, 12, 31)
            })
        );
    }

    #[test]
    fn variable_cap_adds_up_to_the_cap() {
        let mut input = input();
        input.variable_cap = Some(sek("20000"));
        let statement = calculate(&input).unwrap();
        let variable: i64 = statement
            .lines
            .iter()
            .filter(|l| l.kind != LineKind::Fixed)
            .map(|l| l.amount.to_minor())
            .sum();
        assert_eq!(variable, 2_000_000);
        // Reduction 7 000 shared 15 000 : 12 000 → 3 888,89 and 3 111,11.
        let adjustments: Vec<(i64, VatTreatment)> = statement
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::CapAdjustment)
            .map(|l| (l.amount.to_minor(), l.vat.clone()))
            .collect();
        assert_eq!(
            adjustments,
            [
                (
                    -311_111,
                    VatTreatment::Exempt {
                        reason: "utbildning".into()
                    }
                ),
                (-388_889, VatTreatment::Rate(d("25"))),
            ]
        );
        let rated = statement
            .totals
            .iter()
            .find(|t| t.vat == VatTreatment::Rate(d("25")))
            .unwrap();
        assert_eq!(rated.amount, sek("11111.11"));
    }

    #[test]
    fn pool_component_takes_the_precomputed_share() {
        let pool = Pool {
            total: sek("4200000"),
            external: Some(External::Share(d("50"))),
            key: Key::Weighted {
                equal_percent: d("50"),
                population_percent: d("50"),
                reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
            },
            by_year: BTreeMap::new(),
            co_funders: Vec::new(),
        };
        let others = [12472, 11873, 35134, 10616, 9509, 115238, 24954];
        let mut members = vec![mark()];
        members.extend(others.iter().enumerate().map(|(i, count)| PoolMember {
            id: format!("m{i}"),
            kind: MemberKind::Municipality,
            population: vec![PopulationCount {
                reference_date: date(2025, 12, 31),
                count: *count,
                source: None,
            }],
        }));
        let shares = share_pool(&pool, None, &members, 2027).unwrap();
        let mut input = input();
        input.variable.clear();
        input.fixed = vec![FixedComponent {
            id: "budget".into(),
            model: FeeModelVersion {
                model: FeeModel::Pool(pool),
                indexation: None,
            },
            amount_override: None,
            vat: VatTreatment::OutsideScope,
        }];
        assert_eq!(
            calculate(&input).err(),
            Some(ContributionError::MissingPoolShare {
                component: "budget".into()
            })
        );
        input.pool_shares.insert("budget".into(), shares[1].clone());
        assert!(matches!(
            calculate(&input),
            Err(ContributionError::PoolShareForOtherMember { .. })
        ));
        input.pool_shares.insert("budget".into(), shares[0].clone());
        let statement = calculate(&input).unwrap();
        // Mark's share, population 9 784 of 229 580.
        assert_eq!(statement.lines[0].amount, sek("175997.80"));
        assert!(
            statement.lines[0]
                .steps
                .iter()
                .any(|s| matches!(s, Step::Allocated { .. }))
        );
    }

    #[test]
    fn indexed_component_explains_every_figure() {
        let mut input = input();
        input.variable.clear();
        input.fixed[0].model.indexation = Some(Indexation {
            series: IndexSeries {
                points: [(2026, d("3.0")), (2027, d("2.5"))].into_iter().collect(),
            },
            base_year: 2025,
            rounding: Rounding::ORE,
        });
        let statement = calculate(&input).unwrap();
        let line = &statement.lines[0];
        assert_eq!(line.amount, sek("294400.56"));
        let names: Vec<InputName> = line.inputs.iter().map(|i| i.name).collect();
        assert_eq!(
            names,
            [
                InputName::Population,
                InputName::Rate,
                InputName::IndexBaseYear,
                InputName::IndexPercent,
                InputName::IndexPercent,
                InputName::IndexFactor,
                InputName::IndexRounding,
                InputName::AgreementStart,
                InputName::ProRataRule,
                InputName::ProRataFraction,
            ]
        );
        assert_eq!(
            line.steps,
            vec![
                Step::Indexed {
                    quantity: Quantity::Rate,
                    before: d("28.50"),
                    factor: d("1.05575"),
                    result: d("30.0888750"),
                },
                Step::Rounded {
                    quantity: Quantity::Rate,
                    before: d("30.0888750"),
                    after: d("30.09"),
                    rule: Rounding::ORE,
                },
                Step::Multiplied {
                    quantity: Quantity::PopulationPart,
                    left: d("30.09"),
                    right: d("9784"),
                    result: d("294400.56"),
                },
                Step::Rounded {
                    quantity: Quantity::Fee,
                    before: d("294400.56"),
                    after: d("294400.56"),
                    rule: Rounding::ORE,
                },
            ]
        );

        input.fee_year = 2028;
        input.member.population.push(PopulationCount {
            reference_date: date(2026, 12, 31),
            count: 9_800,
            source: None,
        });
        assert_eq!(
            calculate(&input).err(),
            Some(ContributionError::MissingIndexYear { year: 2028 })
        );
    }

    #[test]
    fn errors_name_what_is_missing() {
        let mut input = input();
        input.fee_year = 2028;
        assert_eq!(
            calculate(&input).err(),
            Some(ContributionError::MissingPopulation {
                member: "mark".into(),
                date: date(2026, 12, 31)
            })
        );
        let mut input = self::input();
        input.variable.push(ordered("planetarium", "1"));
        assert_eq!(
            calculate(&input).err().map(|e| e.code()),
            Some("unknown_price_list_item")
        );
    }

    #[test]
    fn same_input_same_statement() {
        assert_eq!(calculate(&input()), calculate(&input()));
    }
}
