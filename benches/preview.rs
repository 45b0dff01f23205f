//! The board's fee table for all 290 Swedish municipalities (goal ≤ 2 ms), as issue 3 states
//! it: one cost-sharing pool (50 % equal + 50 % population), a per-inhabitant component
//! (indexed) and five ordered services per member, computed by the pure engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use avtal::domain::contribution::{
    External, FeeModel, FeeModelVersion, IndexSeries, Indexation, Key, MemberFacts, Pool,
    PreviewComponent, PreviewMember, PriceListItem, ReferenceDateRule, Unit, VariableComponent,
    VatTreatment, preview,
};
use avtal::domain::member::PopulationCount;
use avtal::domain::money::{Money, Rounding};
use avtal::domain::{Country, Currency, MemberKind};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const SERVICES: [(&str, Unit, i64); 5] = [
    ("SKOLPROG", Unit::Class, 145_000),
    ("FORTB", Unit::Participant, 95_000),
    ("PROVA", Unit::Visit, 60_000),
    ("LABB", Unit::Day, 1_200_000),
    ("HANDL", Unit::Hour, 85_000),
];

fn members() -> Vec<PreviewMember> {
    let date = chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    avtal::services::import::shipped(Country::Se)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, m)| PreviewMember {
            facts: MemberFacts {
                id: m.code.to_string(),
                kind: MemberKind::Municipality,
                population: vec![PopulationCount {
                    reference_date: date,
                    count: m.population,
                    source: None,
                }],
            },
            name: m.name,
            municipality_code: Some(m.code.to_string()),
            variable: SERVICES
                .iter()
                .enumerate()
                .map(|(j, (code, _, _))| VariableComponent {
                    item_code: (*code).to_owned(),
                    quantity: Decimal::from((i + j) % 17 + 1),
                    unit_price_override: None,
                    discount_percent: (j == 1).then(|| Decimal::new(10, 0)),
                    included_quantity: if j == 0 {
                        Decimal::new(2, 0)
                    } else {
                        Decimal::ZERO
                    },
                })
                .collect(),
            variable_cap: Some(Money::from_minor(20_000_000, Currency::Sek)),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let members = members();
    assert_eq!(members.len(), 290);
    let price_list: Vec<PriceListItem> = SERVICES
        .iter()
        .map(|(code, unit, price)| PriceListItem {
            code: (*code).to_owned(),
            unit: *unit,
            unit_price: Money::from_minor(*price, Currency::Sek),
            vat: VatTreatment::Rate(Decimal::new(25, 0)),
            domestic_vat_abroad: false,
        })
        .collect();
    let pool = PreviewComponent {
        id: "pool".into(),
        model: FeeModelVersion {
            model: FeeModel::Pool(Pool {
                total: Money::from_minor(420_000_000, Currency::Sek),
                external: Some(External::Share(Decimal::new(50, 0))),
                key: Key::Weighted {
                    equal_percent: Decimal::new(50, 0),
                    population_percent: Decimal::new(50, 0),
                    reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
                },
                by_year: std::collections::BTreeMap::new(),
                co_funders: Vec::new(),
            }),
            indexation: None,
        },
    };
    let per_inhabitant = PreviewComponent {
        id: "per_inhabitant".into(),
        model: FeeModelVersion {
            model: FeeModel::PerInhabitant {
                rate: Decimal::new(2850, 2),
                currency: Currency::Sek,
                reference: ReferenceDateRule::SCB_TWO_YEARS_BEFORE,
                base: None,
                floor: None,
                ceiling: None,
            },
            indexation: Some(Indexation {
                series: IndexSeries {
                    points: [(2026, Decimal::new(30, 1)), (2027, Decimal::new(25, 1))]
                        .into_iter()
                        .collect(),
                },
                base_year: 2025,
                rounding: Rounding::ORE,
            }),
        },
    };
    let components = [pool, per_inhabitant];
    let mut group = c.benchmark_group("preview_290_se");
    group.bench_function("pool_plus_per_inhabitant_plus_5_services", |b| {
        b.iter(|| {
            let p = preview(2027, &components, &price_list, &members).unwrap();
            assert_eq!(p.rows.len(), 290);
        })
    });
    let fixed_only: Vec<PreviewMember> = members
        .iter()
        .cloned()
        .map(|m| PreviewMember {
            variable: Vec::new(),
            ..m
        })
        .collect();
    group.bench_function("per_inhabitant_only", |b| {
        b.iter(|| {
            let p = preview(2027, &components[1..], &[], &fixed_only).unwrap();
            assert_eq!(p.rows.len(), 290);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
