//! Fee models as the API sends them and the database keeps them: JSON with amounts and rates
//! as decimal strings, parsed into the contribution engine's types with every bad field
//! named.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::contribution::{
    Band, BandMode, CoFunder, External, FeeModel, FeeModelVersion, IndexSeries, Indexation, Key,
    Pool, ReferenceDateRule,
};
use crate::domain::money::{
    Money, Rounding, RoundingMode, parse_amount, parse_decimal, parse_non_negative, parse_percent,
};
use crate::domain::{Currency, Errors, Invalid, MemberKind};
use crate::schemas;

/// How a population band sets the fee: `step` (the band decides the whole fee) or
/// `graduated` (like income-tax brackets).
pub const BAND_MODES: &[&str] = &["step", "graduated"];

mod doc {
    use crate::schemas;

    schemas::string_schema!(/// How a population band sets the fee.
        BandMode => schemas::words(super::BAND_MODES));
}

/// A fee model's parameters and, optionally, its indexation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeeModelSpec {
    pub model: ModelSpec,
    pub indexation: Option<IndexationSpec>,
}

/// The kinds of fee model. Amounts and rates are decimal strings in `currency`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    /// The same amount for every member; `by_kind` sets another amount for a member kind.
    Flat {
        #[schema(value_type = schemas::Currency)]
        currency: String,
        #[schema(value_type = schemas::Amount, example = "50000.00")]
        amount: String,
        /// Member kind → amount.
        #[serde(default)]
        #[schema(value_type = BTreeMap<String, schemas::Amount>)]
        by_kind: BTreeMap<String, String>,
    },
    /// `base + rate × population`, within `[floor, ceiling]`.
    PerInhabitant {
        #[schema(value_type = schemas::Currency)]
        currency: String,
        #[schema(value_type = schemas::Decimal, example = "28.50")]
        rate: String,
        reference: Option<ReferenceSpec>,
        #[schema(value_type = Option<schemas::Amount>)]
        base: Option<String>,
        #[schema(value_type = Option<schemas::Amount>)]
        floor: Option<String>,
        /// Not below `floor`.
        #[schema(value_type = Option<schemas::Amount>)]
        ceiling: Option<String>,
    },
    /// By population band: `step` (the band decides the whole fee) or `graduated`.
    Bands {
        #[schema(value_type = schemas::Currency)]
        currency: String,
        #[schema(value_type = doc::BandMode)]
        mode: String,
        reference: Option<ReferenceSpec>,
        bands: Vec<BandSpec>,
    },
    /// A share of a budget, after external funding, by a key.
    Pool {
        #[schema(value_type = schemas::Currency)]
        currency: String,
        /// The budget of every fee year not in `totals`; 0 when only `totals` is given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<schemas::Amount>, example = "4200000.00")]
        total: Option<String>,
        /// A budget over several years in one model, each fee year its own total, e.g.
        /// `{"2016": "1202282.67", "2017": "1202282.67", "2018": "1202282.66"}`.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        #[schema(value_type = BTreeMap<String, schemas::Amount>)]
        totals: BTreeMap<String, String>,
        /// External funding as an amount (of each fee year's total).
        #[schema(value_type = Option<schemas::Amount>)]
        external_amount: Option<String>,
        /// External funding as a percentage of the total, e.g. "50".
        #[schema(value_type = Option<schemas::Percent>)]
        external_percent: Option<String>,
        key: KeySpec,
        /// Members who pay their own part of the net before the key splits the rest among
        /// the others, e.g. a region paying 40 %.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        co_funders: Vec<CoFunderSpec>,
    },
}

/// A member who pays its own part of a pool: `percent` of the net, or an `amount`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CoFunderSpec {
    pub member_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Percent>, example = "40")]
    pub percent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Amount>)]
    pub amount: Option<String>,
}

/// The fördelningsnyckel of a pool.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeySpec {
    Equal,
    Population {
        reference: Option<ReferenceSpec>,
    },
    /// Percent per member id; they must add up to 100.
    Agreed {
        #[schema(value_type = BTreeMap<String, schemas::Percent>)]
        percentages: BTreeMap<String, String>,
    },
    /// E.g. 50 % in equal parts and 50 % by population; they add up to 100.
    Weighted {
        #[schema(value_type = schemas::Percent)]
        equal_percent: String,
        #[schema(value_type = schemas::Percent)]
        population_percent: String,
        reference: Option<ReferenceSpec>,
    },
}

/// Which population count applies: the one at `month`/`day`, `years_before` the fee year.
/// Default: 31 December two years before (SCB's count as known when fees are decided).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    #[schema(minimum = 1, maximum = 12)]
    pub month: u32,
    /// A day every year has: not 29 February.
    #[schema(minimum = 1, maximum = 31)]
    pub day: u32,
    #[schema(minimum = 0, maximum = 10)]
    pub years_before: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BandSpec {
    pub from: i64,
    pub to: Option<i64>,
    #[serde(default = "zero")]
    #[schema(value_type = schemas::Decimal)]
    pub rate: String,
    #[schema(value_type = Option<schemas::Amount>)]
    pub fixed: Option<String>,
}

/// A fee year as a JSON object's key: "2016".
fn parse_year_key(raw: &str) -> Result<i32, Invalid> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| Invalid::Format {
            expected: "ÅÅÅÅ"
        })
        .and_then(fee_year)
}

/// A fee year as a number: within the years avtal bills.
pub fn fee_year(raw: i64) -> Result<i32, Invalid> {
    match raw {
        2000..=2100 => Ok(raw as i32),
        _ => Err(Invalid::OutOfRange {
            min: 2000,
            max: 2100,
        }),
    }
}

fn zero() -> String {
    "0".to_owned()
}

/// Uplift by an index series, compounding from `base_year`; the indexed value is rounded
/// by `rounding` (default: to öre, half up).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndexationSpec {
    pub series_id: String,
    pub base_year: i32,
    pub rounding: Option<RoundingSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoundingSpec {
    #[schema(minimum = 0, maximum = 6)]
    pub decimals: u32,
    #[schema(value_type = schemas::RoundingMode)]
    pub mode: String,
}

impl RoundingSpec {
    pub fn parse(&self, field: &str, e: &mut Errors) -> Option<Rounding> {
        let mode = e.check(&format!("{field}.mode"), RoundingMode::parse(&self.mode));
        let decimals = e.check(
            &format!("{field}.decimals"),
            match self.decimals {
                d @ 0..=6 => Ok(d),
                _ => Err(Invalid::OutOfRange { min: 0, max: 6 }),
            },
        );
        Some(Rounding {
            decimals: decimals?,
            mode: mode?,
        })
    }
}

fn reference(
    spec: Option<ReferenceSpec>,
    field: &str,
    e: &mut Errors,
) -> Option<ReferenceDateRule> {
    let Some(r) = spec else {
        return Some(ReferenceDateRule::SCB_TWO_YEARS_BEFORE);
    };
    let rule = ReferenceDateRule {
        month: r.month,
        day: r.day,
        years_before: r.years_before,
    };
    // A date that exists in leap years only would pick no count in other years.
    let valid = (1..=12).contains(&r.month)
        && (0..=10).contains(&r.years_before)
        && chrono::NaiveDate::from_ymd_opt(2023, r.month, r.day).is_some();
    if valid {
        Some(rule)
    } else {
        e.add(
            field,
            Invalid::Format {
                expected: "month 1–12, en dag som finns varje år, years_before 0–10",
            },
        );
        None
    }
}

fn opt_amount(
    raw: Option<&str>,
    currency: Currency,
    field: &str,
    e: &mut Errors,
) -> Option<Option<Money>> {
    e.check_opt(field, raw, |r| parse_amount(r, currency))
}

impl ModelSpec {
    fn currency(&self) -> &str {
        match self {
            ModelSpec::Flat { currency, .. }
            | ModelSpec::PerInhabitant { currency, .. }
            | ModelSpec::Bands { currency, .. }
            | ModelSpec::Pool { currency, .. } => currency,
        }
    }

    /// The engine's model, or every bad field under `prefix` (e.g. `model.rate`).
    pub fn parse(&self, prefix: &str, e: &mut Errors) -> Option<FeeModel> {
        let f = |name: &str| format!("{prefix}.{name}");
        let currency = e.check(&f("currency"), Currency::parse(self.currency()))?;
        match self {
            ModelSpec::Flat {
                amount, by_kind, ..
            } => flat(amount, by_kind, currency, prefix, e),
            ModelSpec::PerInhabitant {
                rate,
                reference: rf,
                base,
                floor,
                ceiling,
                ..
            } => {
                let limits = [base, floor, ceiling].map(Option::as_deref);
                per_inhabitant(rate, *rf, limits, currency, prefix, e)
            }
            ModelSpec::Bands {
                mode,
                reference: rf,
                bands,
                ..
            } => banded(mode, *rf, bands, currency, prefix, e),
            ModelSpec::Pool {
                total,
                totals,
                external_amount,
                external_percent,
                key,
                co_funders,
                ..
            } => {
                let total = match (total, totals.is_empty()) {
                    (Some(t), _) => e.check(&f("total"), parse_amount(t, currency)),
                    (None, false) => Some(Money::zero(currency)),
                    (None, true) => {
                        e.add(f("total"), Invalid::Required);
                        None
                    }
                };
                let by_year = yearly_totals(totals, currency, prefix, e);
                let funders = funders(co_funders, currency, prefix, e);
                let external = external(
                    (external_amount.as_deref(), external_percent.as_deref()),
                    currency,
                    prefix,
                    e,
                );
                if let (Some(t), Some(Some(External::Amount(x)))) = (&total, &external)
                    && x.to_minor() > t.to_minor()
                {
                    e.add(f("external_amount"), Invalid::Mismatch { other: "total" });
                }
                let key = key.parse(&f("key"), e);
                if funders.len() != co_funders.len() {
                    return None;
                }
                Some(FeeModel::Pool(Pool {
                    total: total?,
                    by_year,
                    external: external?,
                    key: key?,
                    co_funders: funders,
                }))
            }
        }
    }
}

/// The same amount for every member, or another for a member kind.
fn flat(
    amount: &str,
    by_kind: &BTreeMap<String, String>,
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Option<FeeModel> {
    let f = |name: &str| format!("{prefix}.{name}");
    let amount = e.check(&f("amount"), parse_amount(amount, currency));
    let mut kinds = BTreeMap::new();
    for (kind, value) in by_kind {
        let field = f(&format!("by_kind.{kind}"));
        let k = e.check(&field, MemberKind::parse(kind));
        let v = e.check(&field, parse_amount(value, currency));
        if let (Some(k), Some(v)) = (k, v) {
            kinds.insert(k, v);
        }
    }
    Some(FeeModel::Flat {
        amount: amount?,
        by_kind: kinds,
    })
}

/// `base + rate × population`, within the floor and the ceiling.
fn per_inhabitant(
    rate: &str,
    rf: Option<ReferenceSpec>,
    [base, floor, ceiling]: [Option<&str>; 3],
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Option<FeeModel> {
    let f = |name: &str| format!("{prefix}.{name}");
    let rate = e.check(&f("rate"), parse_non_negative(rate));
    let reference = reference(rf, &f("reference"), e);
    let base = opt_amount(base, currency, &f("base"), e);
    let floor = opt_amount(floor, currency, &f("floor"), e);
    let ceiling = opt_amount(ceiling, currency, &f("ceiling"), e);
    if let (Some(Some(lo)), Some(Some(hi))) = (floor, ceiling)
        && lo.to_minor() > hi.to_minor()
    {
        e.add(f("ceiling"), Invalid::Mismatch { other: "floor" });
    }
    Some(FeeModel::PerInhabitant {
        rate: rate?,
        currency,
        reference: reference?,
        base: base?,
        floor: floor?,
        ceiling: ceiling?,
    })
}

/// By population band.
fn banded(
    mode: &str,
    rf: Option<ReferenceSpec>,
    bands: &[BandSpec],
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Option<FeeModel> {
    let f = |name: &str| format!("{prefix}.{name}");
    let mode = e.check(
        &f("mode"),
        match mode {
            "step" => Ok(BandMode::Step),
            "graduated" => Ok(BandMode::Graduated),
            _ => Err(Invalid::OneOf {
                allowed: BAND_MODES,
            }),
        },
    );
    let reference = reference(rf, &f("reference"), e);
    let parsed: Vec<Option<Band>> = bands
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let rate = e.check(&f(&format!("bands[{i}].rate")), parse_non_negative(&b.rate));
            let fixed = opt_amount(
                b.fixed.as_deref(),
                currency,
                &f(&format!("bands[{i}].fixed")),
                e,
            );
            Some(Band {
                from: b.from,
                to: b.to,
                rate: rate?,
                fixed: fixed?,
            })
        })
        .collect();
    let bands: Option<Vec<Band>> = parsed.into_iter().collect();
    if let Some(bands) = &bands
        && let Err(problem) = crate::domain::contribution::validate_bands(bands)
    {
        e.add(
            f("bands"),
            Invalid::WrongType {
                detail: problem.to_string(),
            },
        );
    }
    Some(FeeModel::Bands {
        mode: mode?,
        bands: bands?,
        currency,
        reference: reference?,
    })
}

/// A pool's budget per fee year, where it differs from year to year.
fn yearly_totals(
    totals: &BTreeMap<String, String>,
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> BTreeMap<i32, Money> {
    let mut by_year = BTreeMap::new();
    for (year, amount) in totals {
        let field = format!("{prefix}.totals.{year}");
        let y = e.check(&field, parse_year_key(year));
        let a = e.check(&field, parse_amount(amount, currency));
        if let (Some(y), Some(a)) = (y, a) {
            by_year.insert(y, a);
        }
    }
    by_year
}

/// The members who pay their own part of a pool; those with a bad field are left out.
fn funders(
    co_funders: &[CoFunderSpec],
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Vec<CoFunder> {
    let mut funders = Vec::with_capacity(co_funders.len());
    for (i, co) in co_funders.iter().enumerate() {
        let at = |name: &str| format!("{prefix}.co_funders[{i}].{name}");
        let part = match (&co.percent, &co.amount) {
            (Some(p), None) => e
                .check(&at("percent"), parse_percent(p))
                .map(External::Share),
            (None, Some(a)) => e
                .check(&at("amount"), parse_amount(a, currency))
                .map(External::Amount),
            (Some(_), Some(_)) => {
                e.add(at("amount"), Invalid::Mismatch { other: "percent" });
                None
            }
            (None, None) => {
                e.add(at("percent"), Invalid::Required);
                None
            }
        };
        let member = e.check(&at("member_id"), crate::domain::code(&co.member_id, 64));
        if let (Some(member_id), Some(part)) = (member, part) {
            funders.push(CoFunder { member_id, part });
        }
    }
    funders
}

/// A pool's external funding: an amount or a percentage of the total, not both.
fn external(
    (amount, percent): (Option<&str>, Option<&str>),
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Option<Option<External>> {
    let f = |name: &str| format!("{prefix}.{name}");
    match (amount, percent) {
        (Some(_), Some(_)) => {
            e.add(
                f("external_percent"),
                Invalid::Mismatch {
                    other: "external_amount",
                },
            );
            None
        }
        (Some(a), None) => e
            .check(&f("external_amount"), parse_amount(a, currency))
            .map(|m| Some(External::Amount(m))),
        (None, Some(p)) => e
            .check(&f("external_percent"), parse_percent(p))
            .map(|p| Some(External::Share(p))),
        (None, None) => Some(None),
    }
}

impl KeySpec {
    fn parse(&self, prefix: &str, e: &mut Errors) -> Option<Key> {
        let f = |name: &str| format!("{prefix}.{name}");
        match self {
            KeySpec::Equal => Some(Key::Equal),
            KeySpec::Population { reference: rf } => Some(Key::Population {
                reference: reference(*rf, &f("reference"), e)?,
            }),
            KeySpec::Agreed { percentages } => {
                let mut out = BTreeMap::new();
                for (member, p) in percentages {
                    if let Some(p) = e.check(&f(&format!("percentages.{member}")), parse_percent(p))
                    {
                        out.insert(member.clone(), p);
                    }
                }
                let sum: Decimal = out.values().copied().sum();
                if out.len() == percentages.len() && sum != Decimal::ONE_HUNDRED {
                    e.add(f("percentages"), Invalid::Mismatch { other: "100 %" });
                }
                Some(Key::Agreed(out))
            }
            KeySpec::Weighted {
                equal_percent,
                population_percent,
                reference: rf,
            } => {
                let eq = e.check(&f("equal_percent"), parse_percent(equal_percent));
                let pop = e.check(&f("population_percent"), parse_percent(population_percent));
                if let (Some(a), Some(b)) = (eq, pop)
                    && a + b != Decimal::ONE_HUNDRED
                {
                    e.add(
                        f("population_percent"),
                        Invalid::Mismatch {
                            other: "100 % − equal_percent",
                        },
                    );
                }
                Some(Key::Weighted {
                    equal_percent: eq?,
                    population_percent: pop?,
                    reference: reference(*rf, &f("reference"), e)?,
                })
            }
        }
    }
}

impl FeeModelSpec {
    /// The series the indexation names, which the caller loads (it must belong to the same
    /// organisation).
    pub fn series_id(&self) -> Option<&str> {
        self.indexation.as_ref().map(|i| i.series_id.as_str())
    }

    /// The engine's model version; `series` is the loaded index series, if any.
    pub fn parse(
        &self,
        series: Option<&IndexSeries>,
    ) -> Result<FeeModelVersion, Vec<crate::domain::FieldError>> {
        let mut e = Errors::new();
        let model = self.model.parse("model", &mut e);
        let indexation = match &self.indexation {
            None => Some(None),
            Some(spec) => {
                let rounding = match &spec.rounding {
                    None => Some(Rounding::ORE),
                    Some(r) => r.parse("indexation.rounding", &mut e),
                };
                match series {
                    None => {
                        e.add(
                            "indexation.series_id",
                            Invalid::OneOf {
                                allowed: &["en indexserie i organisationen"],
                            },
                        );
                        None
                    }
                    Some(series) => rounding.map(|rounding| {
                        Some(Indexation {
                            series: series.clone(),
                            base_year: spec.base_year,
                            rounding,
                        })
                    }),
                }
            }
        };
        e.finish(|| {
            Some(FeeModelVersion {
                model: model?,
                indexation: indexation?,
            })
        })
    }
}

/// The specification a saved fee model holds.
pub fn saved_spec(
    record: &crate::storage::pricing::FeeModelRecord,
) -> Result<FeeModelSpec, crate::error::Error> {
    serde_json::from_str(&record.spec).map_err(|e| {
        crate::error::Error::Internal(anyhow::anyhow!("stored fee model {}: {e}", record.id))
    })
}

/// Parses `spec` for the engine with the index series it names, loaded from the
/// organisation (another organisation's series is simply not found). Bad fields come back as
/// one validation error, named under `prefix` (e.g. `models[0].`).
pub fn resolve(
    conn: &mut crate::storage::DbConnection,
    org: &str,
    spec: &FeeModelSpec,
    prefix: &str,
) -> Result<FeeModelVersion, crate::error::Error> {
    use crate::error::Error;
    let series = match spec.series_id() {
        None => None,
        Some(id) => match crate::storage::pricing::get_index_series(conn, org, id) {
            Ok(record) => Some(record.series),
            Err(crate::storage::Error::NotFound(_)) => None,
            Err(other) => return Err(other.into()),
        },
    };
    spec.parse(series.as_ref()).map_err(|fields| {
        Error::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    f.field = format!("{prefix}{}", f.field);
                    f
                })
                .collect(),
        )
    })
}

/// An index series' points as the API carries them: year → percent as text.
pub fn parse_index_points(
    points: &BTreeMap<String, String>,
) -> Result<IndexSeries, Vec<crate::domain::FieldError>> {
    let mut e = Errors::new();
    let mut out = BTreeMap::new();
    for (year, pct) in points {
        let field = format!("points.{year}");
        let y = e.check(
            &field,
            year.trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=2200).contains(y))
                .ok_or(Invalid::OutOfRange {
                    min: 1900,
                    max: 2200,
                }),
        );
        let p = e.check(
            &field,
            parse_decimal(pct).and_then(|p| {
                if p > Decimal::NEGATIVE_ONE * Decimal::ONE_HUNDRED && p < Decimal::ONE_THOUSAND {
                    Ok(p)
                } else {
                    Err(Invalid::OutOfRange {
                        min: -100,
                        max: 1000,
                    })
                }
            }),
        );
        if let (Some(y), Some(p)) = (y, p) {
            out.insert(y, p);
        }
    }
    e.finish(|| Some(IndexSeries { points: out }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> FeeModelSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn per_inhabitant_parses_with_the_default_reference() {
        let s = spec(
            serde_json::json!({"model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28,50"}, "indexation": null}),
        );
        let v = s.parse(None).unwrap();
        let FeeModel::PerInhabitant {
            rate, reference, ..
        } = v.model
        else {
            panic!()
        };
        assert_eq!(rate, Decimal::new(2850, 2));
        assert_eq!(reference, ReferenceDateRule::SCB_TWO_YEARS_BEFORE);
    }

    #[test]
    fn every_bad_field_is_named() {
        let s = spec(
            serde_json::json!({"model": {"type": "pool", "currency": "SEK", "total": "abc", "external_percent": "150",
            "key": {"type": "weighted", "equal_percent": "50", "population_percent": "40"}}, "indexation": {"series_id": "x", "base_year": 2025, "rounding": {"decimals": 9, "mode": "sideways"}}}),
        );
        let errors = s.parse(None).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "model.total",
                "model.external_percent",
                "model.key.population_percent",
                "indexation.rounding.mode",
                "indexation.rounding.decimals",
                "indexation.series_id"
            ]
        );
    }

    #[test]
    fn bands_are_validated() {
        let s = spec(
            serde_json::json!({"model": {"type": "bands", "currency": "SEK", "mode": "step",
            "bands": [{"from": 0, "to": 9999, "rate": "30"}, {"from": 12000, "to": null, "rate": "25"}]}, "indexation": null}),
        );
        let errors = s.parse(None).unwrap_err();
        assert_eq!(errors[0].field, "model.bands");
    }

    #[test]
    fn unknown_fields_and_types_are_rejected() {
        assert!(serde_json::from_value::<FeeModelSpec>(serde_json::json!({"model": {"type": "flat", "currency": "SEK", "amount": "1", "colour": "x"}, "indexation": null})).is_err());
        assert!(
            serde_json::from_value::<FeeModelSpec>(
                serde_json::json!({"model": {"type": "lottery"}, "indexation": null})
            )
            .is_err()
        );
    }

    #[test]
    fn index_points() {
        let points: BTreeMap<String, String> = [
            ("2026".to_owned(), "3.0".to_owned()),
            ("20x7".to_owned(), "2".to_owned()),
        ]
        .into_iter()
        .collect();
        let errors = parse_index_points(&points).unwrap_err();
        assert_eq!(errors[0].field, "points.20x7");
    }
}
