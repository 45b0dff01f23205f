//! The fee table a board decides on: one fee model (saved or proposed) applied to a set of
//! members for a fee year, every member's fixed part, variable part, total and share.
//! Pure, so a proposal can be tried any number of times before it is decided.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{
    CalculationInput, ContributionError, ContributionStatement, FeeModel, FeeModelVersion,
    FixedComponent, InputName, LineKind, MemberFacts, PoolShare, PriceListItem, ProRata, Value,
    VariableComponent, VatTreatment, calculate, share_pool,
};
use crate::domain::Currency;
use crate::domain::member::PopulationCount;
use crate::domain::money::Money;

/// A member as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewMember {
    pub facts: MemberFacts,
    pub name: String,
    pub municipality_code: Option<String>,
    /// The services ordered for the year, priced from the price list.
    pub variable: Vec<VariableComponent>,
    pub variable_cap: Option<Money>,
}

/// One fixed component of the table, e.g. a per-inhabitant fee plus a share of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewComponent {
    pub id: String,
    pub model: FeeModelVersion,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    pub member_id: String,
    pub name: String,
    pub municipality_code: Option<String>,
    /// The population count the fixed part was computed from, when the model uses one.
    pub population: Option<PopulationCount>,
    pub fixed: Money,
    pub variable: Money,
    pub total: Money,
}

/// A member whose fee could not be computed, with the reason; never left out silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewFailure {
    pub member_id: String,
    pub name: String,
    pub error: ContributionError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub fee_year: i32,
    pub currency: Currency,
    pub rows: Vec<PreviewRow>,
    pub failures: Vec<PreviewFailure>,
}

fn model_currency(model: &FeeModel) -> Currency {
    match model {
        FeeModel::Flat { amount, .. } => amount.currency(),
        FeeModel::PerInhabitant { currency, .. } | FeeModel::Bands { currency, .. } => *currency,
        FeeModel::Pool(pool) => pool.total.currency(),
    }
}

/// Applies the fixed components to every member for the whole fee year, and prices the
/// services each member ordered. A pool is shared across exactly these members; if it cannot
/// be shared (a member lacks the population its key needs), the whole table fails, since
/// every share depends on every member. All components must be in one currency.
pub fn preview(
    fee_year: i32,
    components: &[PreviewComponent],
    price_list: &[PriceListItem],
    members: &[PreviewMember],
) -> Result<Preview, ContributionError> {
    let currency = components
        .first()
        .map_or(Currency::Sek, |c| model_currency(&c.model.model));
    let mut pool_shares = pool_shares_by_member(fee_year, components, currency, members)?;
    let start = NaiveDate::from_ymd_opt(fee_year, 1, 1).ok_or(ContributionError::Overflow)?;
    let fixed: Vec<FixedComponent> = components
        .iter()
        .map(|c| FixedComponent {
            id: c.id.clone(),
            model: c.model.clone(),
            amount_override: None,
            vat: VatTreatment::OutsideScope,
        })
        .collect();
    let mut rows = Vec::with_capacity(members.len());
    let mut failures = Vec::new();
    for member in members {
        let input = CalculationInput {
            fee_year,
            member: member.facts.clone(),
            start,
            end: None,
            pro_rata: ProRata::WholeMonths,
            fixed: fixed.clone(),
            pool_shares: pool_shares.remove(&member.facts.id).unwrap_or_default(),
            price_list: price_list.to_vec(),
            variable: member.variable.clone(),
            variable_cap: member.variable_cap,
            conversion: None,
        };
        match calculate(&input) {
            Ok(statement) => rows.push(row(member, &statement, currency)?),
            Err(error) => failures.push(PreviewFailure {
                member_id: member.facts.id.clone(),
                name: member.name.clone(),
                error,
            }),
        }
    }
    Ok(Preview {
        fee_year,
        currency,
        rows,
        failures,
    })
}

/// Every pool component shared across the members, by member id, then component id; every
/// component must be in `currency`.
fn pool_shares_by_member(
    fee_year: i32,
    components: &[PreviewComponent],
    currency: Currency,
    members: &[PreviewMember],
) -> Result<BTreeMap<String, BTreeMap<String, PoolShare>>, ContributionError> {
    let mut pool_shares: BTreeMap<String, BTreeMap<String, PoolShare>> = BTreeMap::new();
    let facts: Vec<MemberFacts> = members.iter().map(|m| m.facts.clone()).collect();
    for component in components {
        let other = model_currency(&component.model.model);
        if other != currency {
            return Err(crate::domain::money::MoneyError::CurrencyMismatch {
                left: currency,
                right: other,
            }
            .into());
        }
        if let FeeModel::Pool(pool) = &component.model.model {
            for share in share_pool(pool, component.model.indexation.as_ref(), &facts, fee_year)? {
                pool_shares
                    .entry(share.member_id.clone())
                    .or_default()
                    .insert(component.id.clone(), share);
            }
        }
    }
    Ok(pool_shares)
}

/// A member's row of the table: its statement's fixed and variable lines summed, and the
/// population count the first line that used one was computed from.
fn row(
    member: &PreviewMember,
    statement: &ContributionStatement,
    currency: Currency,
) -> Result<PreviewRow, ContributionError> {
    let mut fixed_sum = Money::zero(currency);
    let mut variable_sum = Money::zero(currency);
    let mut population = None;
    for line in &statement.lines {
        match line.kind {
            LineKind::Fixed => fixed_sum = fixed_sum.checked_add(line.amount)?,
            LineKind::Variable | LineKind::CapAdjustment => {
                variable_sum = variable_sum.checked_add(line.amount)?
            }
        }
        population = population.or_else(|| {
            line.inputs.iter().find_map(|i| match (&i.name, &i.value) {
                (InputName::Population, Value::PopulationAt { count, date }) => {
                    Some(PopulationCount {
                        reference_date: *date,
                        count: *count,
                        source: None,
                    })
                }
                _ => None,
            })
        });
    }
    Ok(PreviewRow {
        member_id: member.facts.id.clone(),
        name: member.name.clone(),
        municipality_code: member.municipality_code.clone(),
        population,
        fixed: fixed_sum,
        variable: variable_sum,
        total: fixed_sum.checked_add(variable_sum)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MemberKind;
    use crate::domain::contribution::{External, Key, Pool, ReferenceDateRule};
    use crate::domain::test_support::{d, date, sek};

    const SJUHÄRAD: [(&str, i64); 8] = [
        ("Vårgårda", 12472),
        ("Bollebygd", 9784),
        ("Tranemo", 11873),
        ("Mark", 35134),
        ("Svenljunga", 10616),
        ("Herrljunga", 9509),
        ("Borås", 115238),
        ("Ulricehamn", 24954),
    ];

    fn members() -> Vec<PreviewMember> {
        SJUHÄRAD
            .iter()
            .map(|(name, count)| PreviewMember {
                facts: MemberFacts {
                    id: name.to_lowercase(),
                    kind: MemberKind::Municipality,
                    population: vec![PopulationCount {
                        reference_date: date(2025, 12, 31),
                        count: *count,
                        source: None,
                    }],
                },
                name: (*name).to_owned(),
                municipality_code: None,
                variable: Vec::new(),
                variable_cap: None,
            })
            .collect()
    }

    fn one(model: FeeModel) -> Vec<PreviewComponent> {
        vec![PreviewComponent {
            id: "fee".into(),
            model: FeeModelVersion {
                model,
                indexation: None,
            },
        }]
    }

    #[test]
    fn per_inhabitant_for_every_member() {
        let model = one(FeeModel::PerInhabitant {
            rate: d("28.50"),
            currency: Currency::Sek,
            reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
            base: None,
            floor: None,
            ceiling: None,
        });
        let mut ms = members();
        ms[1].variable = vec![VariableComponent {
            item_code: "SKOLPROG".into(),
            quantity: d("10"),
            unit_price_override: None,
            discount_percent: None,
            included_quantity: d("0"),
        }];
        let price_list = [PriceListItem {
            code: "SKOLPROG".into(),
            unit: crate::domain::contribution::Unit::Class,
            unit_price: sek("1450.00"),
            vat: VatTreatment::Rate(d("25")),
            domestic_vat_abroad: false,
        }];
        let p = preview(2027, &model, &price_list, &ms).unwrap();
        assert!(p.failures.is_empty());
        let bollebygd = &p.rows[1];
        assert_eq!(bollebygd.fixed, sek("278844.00"));
        assert_eq!(bollebygd.variable, sek("14500.00"));
        assert_eq!(bollebygd.total, sek("293344.00"));
        assert_eq!(
            bollebygd
                .population
                .as_ref()
                .map(|p| (p.count, p.reference_date)),
            Some((9784, date(2025, 12, 31)))
        );
    }

    #[test]
    fn a_pool_adds_up_to_the_net_budget() {
        let model = one(FeeModel::Pool(Pool {
            total: sek("4200000.00"),
            external: Some(External::Share(d("50"))),
            key: Key::Weighted {
                equal_percent: d("50"),
                population_percent: d("50"),
                reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
            },
            by_year: std::collections::BTreeMap::new(),
            co_funders: Vec::new(),
        }));
        let p = preview(2027, &model, &[], &members()).unwrap();
        let sum: i64 = p.rows.iter().map(|r| r.fixed.to_minor()).sum();
        assert_eq!(sum, sek("2100000.00").to_minor());
    }

    #[test]
    fn members_without_the_population_are_reported() {
        let model = one(FeeModel::PerInhabitant {
            rate: d("10"),
            currency: Currency::Sek,
            reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
            base: None,
            floor: None,
            ceiling: None,
        });
        let mut ms = members();
        ms[0].facts.population.clear();
        let p = preview(2027, &model, &[], &ms).unwrap();
        assert_eq!(p.rows.len(), 7);
        assert_eq!(p.failures[0].name, "Vårgårda");
        assert_eq!(p.failures[0].error.code(), "missing_population");
    }
}
