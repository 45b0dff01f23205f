//! An agreement's terms: as the API sends them and the database keeps them, and checked
//! against the organisation's data (fee models, index series) for the engine.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::contribution::{
    Conversion, FeeModel, FeeModelVersion, FixedComponent, VariableComponent, VatTreatment,
};
use crate::domain::invoicing::{BillingPlan, Schedule, VariableBilling};
use crate::domain::money::{Money, parse_amount};
use crate::domain::{Currency, Errors, Invalid};
use crate::error::Error;
use crate::schemas;
use crate::services::fee_models::{FeeModelSpec, ModelSpec, fee_year};
use crate::storage::DbConnection;
use crate::storage::agreements::VersionRecord;
use crate::storage::pricing;

use super::fields_of;

/// An agreement's terms: the components of the fixed part, the services ordered per fee year
/// for the variable part, and a cap on the variable part. Amounts, rates and quantities are
/// decimal strings; amounts are in the agreement's currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TermsSpec {
    #[serde(default)]
    pub fixed: Vec<FixedSpec>,
    #[serde(default)]
    pub variable: Vec<VariableSpec>,
    /// The most the variable part may come to in a fee year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Amount>, example = "60000.00")]
    pub variable_cap: Option<String>,
    /// When the fee models are in another currency than the agreement (an EUR budget paid
    /// in SEK or NOK): the rate used, its date and its source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion: Option<ConversionSpec>,
    /// How the agreement is invoiced; annually, the variable part in arrears, dated the
    /// 15th, when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingSpec>,
}

/// How an agreement is invoiced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BillingSpec {
    /// Instalments of the fixed part.
    #[schema(value_type = schemas::Schedule, example = "quarterly")]
    pub schedule: String,
    /// advance (ordered services with the instalment, usage before its period) or arrears
    /// (what was used in a period, after it ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::VariableBilling>, example = "arrears")]
    pub variable: Option<String>,
    /// The day of the period's first month the invoice is dated (15 when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 15, minimum = 1, maximum = 28)]
    pub invoice_day: Option<i64>,
    /// Påminnelseavgift agreed in advance; no fee is charged without it. At most 60 kr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Amount>, example = "60.00")]
    pub reminder_fee: Option<String>,
}

/// A currency conversion as the terms state it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConversionSpec {
    /// The fee models' currency, e.g. EUR.
    #[schema(value_type = schemas::Currency, example = "EUR")]
    pub from: String,
    /// Units of the agreement's currency per unit of `from`.
    #[schema(value_type = schemas::Decimal, example = "11.4520")]
    pub rate: String,
    #[schema(example = "2026-12-31", value_type = String, format = Date)]
    pub date: String,
    #[schema(example = "Riksbanken")]
    pub source: String,
}

/// A component of the fixed part: a saved fee model (`fee_model_id`) or the component's own
/// parameters (`model`, a fee model specification; pools must be saved fee models so that
/// every member of the pool shares the same one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FixedSpec {
    /// Names the line in the statement; unique within the terms.
    #[schema(example = "fast-del")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_model_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<FeeModelSpec>,
    /// An amount agreed with this member instead of the model's result. It is still
    /// pro-rated when the agreement covers part of the year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Amount>, example = "50000.00")]
    pub amount_override: Option<String>,
    /// outside_scope when not given: a contribution with no service in return. `exempt`
    /// needs `vat_exempt_reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Vat>, example = "outside_scope")]
    pub vat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_exempt_reason: Option<String>,
}

/// A service from the price list of `fee_year`, ordered for that year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    #[schema(example = 2027, minimum = 2000, maximum = 2100)]
    pub fee_year: i64,
    /// Checked against the price list of `fee_year` when the contribution is calculated.
    #[schema(example = "SKOLPROG", pattern = r"^[A-Za-z0-9_-]{1,30}$")]
    pub item_code: String,
    #[schema(value_type = schemas::Decimal, example = "12")]
    pub quantity: String,
    /// A unit price agreed with this member instead of the list price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Amount>, example = "1400.00")]
    pub unit_price_override: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Percent>, example = "10")]
    pub discount_percent: Option<String>,
    /// The quota included in the fixed part: only what exceeds it is billed. What the
    /// ordered quantity leaves of the quota covers recorded usage of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::Decimal>, example = "2")]
    pub included_quantity: Option<String>,
}

/// Terms checked against the organisation's data, ready for the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub fixed: Vec<FixedTerm>,
    pub variable: Vec<VariableTerm>,
    pub variable_cap: Option<Money>,
    pub conversion: Option<Conversion>,
    pub billing: Billing,
}

/// How an agreement is invoiced, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billing {
    pub plan: BillingPlan,
    pub reminder_fee: Option<Money>,
}

fn billing(
    spec: Option<&BillingSpec>,
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Option<Billing> {
    let Some(spec) = spec else {
        return Some(Billing {
            plan: BillingPlan::default(),
            reminder_fee: None,
        });
    };
    let at = |name: &str| format!("{prefix}billing.{name}");
    let schedule = e.check(&at("schedule"), Schedule::parse(&spec.schedule));
    let variable = e.check_opt(
        &at("variable"),
        spec.variable.as_deref(),
        VariableBilling::parse,
    );
    let day = match spec.invoice_day {
        None => Some(BillingPlan::default().invoice_day),
        Some(d) if (1..=28).contains(&d) => u32::try_from(d).ok(),
        Some(_) => {
            e.add(at("invoice_day"), Invalid::OutOfRange { min: 1, max: 28 });
            None
        }
    };
    let fee = e.check_opt(&at("reminder_fee"), spec.reminder_fee.as_deref(), |r| {
        let fee = parse_amount(r, currency)?;
        if fee.to_minor() < 0
            || (currency == Currency::Sek
                && fee.to_minor() > crate::domain::invoicing::REMINDER_FEE_MAX_SEK)
        {
            return Err(Invalid::OutOfRange { min: 0, max: 60 });
        }
        Ok(fee)
    });
    Some(Billing {
        plan: BillingPlan {
            schedule: schedule?,
            variable: variable?.unwrap_or(BillingPlan::default().variable),
            invoice_day: day?,
        },
        reminder_fee: fee?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedTerm {
    pub component: FixedComponent,
    /// The saved model the component uses; a pool is shared among the agreements that use
    /// the same one.
    pub fee_model_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableTerm {
    pub fee_year: i32,
    pub component: VariableComponent,
}

fn model_currency(model: &FeeModel) -> Currency {
    match model {
        FeeModel::Flat { amount, .. } => amount.currency(),
        FeeModel::PerInhabitant { currency, .. } | FeeModel::Bands { currency, .. } => *currency,
        FeeModel::Pool(pool) => pool.total.currency(),
    }
}

/// A fee model with its index series loaded from the organisation; bad fields are recorded
/// under `prefix`.
fn parse_model(
    conn: &mut DbConnection,
    org: &str,
    spec: &FeeModelSpec,
    prefix: &str,
    e: &mut Errors,
) -> Result<Option<FeeModelVersion>, Error> {
    let mut fields = Vec::new();
    let version = fields_of(
        crate::services::fee_models::resolve(conn, org, spec, prefix),
        &mut fields,
    )?;
    for f in fields {
        e.add(f.field, f.invalid);
    }
    Ok(version)
}

/// The model of one fixed component, in the agreement's currency or in the currency the
/// terms convert from.
fn fixed_model(
    conn: &mut DbConnection,
    org: &str,
    spec: &FixedSpec,
    currency: Currency,
    converts_from: Option<Currency>,
    at: &dyn Fn(&str) -> String,
    e: &mut Errors,
) -> Result<Option<FeeModelVersion>, Error> {
    let (version, currency_field) = match (&spec.fee_model_id, &spec.model) {
        (Some(_), Some(_)) => {
            e.add(
                at("model"),
                Invalid::Mismatch {
                    other: "fee_model_id",
                },
            );
            return Ok(None);
        }
        (None, None) => {
            e.add(at("fee_model_id"), Invalid::Required);
            return Ok(None);
        }
        (Some(id), None) => {
            let field = at("fee_model_id");
            let record = match pricing::get_fee_model(conn, org, id) {
                Ok(r) => r,
                Err(crate::storage::Error::NotFound(_)) => {
                    e.add(
                        field,
                        Invalid::OneOf {
                            allowed: &["en avgiftsmodell i organisationen"],
                        },
                    );
                    return Ok(None);
                }
                Err(other) => return Err(other.into()),
            };
            let saved = crate::services::fee_models::saved_spec(&record)?;
            let version = parse_model(conn, org, &saved, &format!("{field}."), e)?;
            (version, field)
        }
        (None, Some(inline)) => {
            if matches!(inline.model, ModelSpec::Pool { .. }) {
                e.add(
                    at("model.model.type"),
                    Invalid::OneOf {
                        allowed: &["flat", "per_inhabitant", "bands"],
                    },
                );
                return Ok(None);
            }
            let version = parse_model(conn, org, inline, &at("model."), e)?;
            (version, at("model.model.currency"))
        }
    };
    match version {
        Some(v)
            if model_currency(&v.model) != currency
                && Some(model_currency(&v.model)) != converts_from =>
        {
            e.add(currency_field, Invalid::Mismatch { other: "currency" });
            Ok(None)
        }
        other => Ok(other),
    }
}

/// Checks terms against the organisation's data (fee models, index series) and parses them
/// for the engine; every bad field is named under `prefix` (e.g. `terms.`).
pub fn resolve_terms(
    conn: &mut DbConnection,
    org: &str,
    spec: &TermsSpec,
    currency: Currency,
    prefix: &str,
) -> Result<Terms, Error> {
    let mut e = Errors::new();
    let conversion = match &spec.conversion {
        None => Some(None),
        Some(c) => conversion(c, currency, &format!("{prefix}conversion."), &mut e).map(Some),
    };
    let converts_from = conversion.as_ref().and_then(|c| c.as_ref().map(|c| c.from));
    let mut ids = BTreeSet::new();
    let mut fixed = Vec::with_capacity(spec.fixed.len());
    for (i, c) in spec.fixed.iter().enumerate() {
        let at = |name: &str| format!("{prefix}fixed[{i}].{name}");
        let term = fixed_term(
            conn,
            org,
            c,
            (currency, converts_from),
            &at,
            &mut ids,
            &mut e,
        )?;
        fixed.push(term);
    }
    let variable: Vec<Option<VariableTerm>> = spec
        .variable
        .iter()
        .enumerate()
        .map(|(i, v)| {
            variable_term(
                v,
                currency,
                &|name| format!("{prefix}variable[{i}].{name}"),
                &mut e,
            )
        })
        .collect();
    let cap = e.check_opt(
        &format!("{prefix}variable_cap"),
        spec.variable_cap.as_deref(),
        |r| parse_amount(r, currency),
    );
    let billing = billing(spec.billing.as_ref(), currency, prefix, &mut e);
    e.finish(|| {
        Some(Terms {
            billing: billing?,
            fixed: fixed.into_iter().collect::<Option<_>>()?,
            variable: variable.into_iter().collect::<Option<_>>()?,
            variable_cap: cap?,
            conversion: conversion?,
        })
    })
    .map_err(Error::Validation)
}

/// One fixed component of the terms, in the agreement's currency or the one the terms
/// convert from; its id must be one `ids` has not seen.
fn fixed_term(
    conn: &mut DbConnection,
    org: &str,
    c: &FixedSpec,
    (currency, converts_from): (Currency, Option<Currency>),
    at: &dyn Fn(&str) -> String,
    ids: &mut BTreeSet<String>,
    e: &mut Errors,
) -> Result<Option<FixedTerm>, Error> {
    let id = e.check(&at("id"), crate::domain::code(&c.id, 50));
    if let Some(id) = &id
        && !ids.insert(id.clone())
    {
        e.add(
            at("id"),
            Invalid::Format {
                expected: "ett id som inte redan används i villkoren",
            },
        );
    }
    let amount_override = e.check_opt(&at("amount_override"), c.amount_override.as_deref(), |r| {
        parse_amount(r, currency)
    });
    let vat = match c.vat.as_deref() {
        None => Some(VatTreatment::OutsideScope),
        Some(raw) => match VatTreatment::parse(raw, c.vat_exempt_reason.as_deref()) {
            Ok(vat) => Some(vat),
            // A missing reason is reported where it belongs.
            Err(Invalid::Required) => {
                e.add(at("vat_exempt_reason"), Invalid::Required);
                None
            }
            Err(other) => {
                e.add(at("vat"), other);
                None
            }
        },
    };
    let model = fixed_model(conn, org, c, currency, converts_from, at, e)?;
    Ok((|| {
        Some(FixedTerm {
            component: FixedComponent {
                id: id?,
                model: model?,
                amount_override: amount_override?,
                vat: vat?,
            },
            fee_model_id: c.fee_model_id.clone(),
        })
    })())
}

/// One ordered service of the terms.
fn variable_term(
    v: &VariableSpec,
    currency: Currency,
    at: &dyn Fn(&str) -> String,
    e: &mut Errors,
) -> Option<VariableTerm> {
    let year = e.check(&at("fee_year"), fee_year(v.fee_year));
    let item_code = e.check(&at("item_code"), crate::domain::code(&v.item_code, 30));
    let amount = e.check(
        &at("quantity"),
        crate::domain::money::parse_count(&v.quantity),
    );
    let price = e.check_opt(
        &at("unit_price_override"),
        v.unit_price_override.as_deref(),
        |r| parse_amount(r, currency),
    );
    let discount = e.check_opt(
        &at("discount_percent"),
        v.discount_percent.as_deref(),
        crate::domain::money::parse_percent,
    );
    let included = e.check_opt(
        &at("included_quantity"),
        v.included_quantity.as_deref(),
        crate::domain::money::parse_count,
    );
    Some(VariableTerm {
        fee_year: year?,
        component: VariableComponent {
            item_code: item_code?,
            quantity: amount?,
            unit_price_override: price?,
            discount_percent: discount?,
            included_quantity: included?.unwrap_or(Decimal::ZERO),
        },
    })
}

/// A conversion into the agreement's `currency`; every bad field named under `prefix`.
fn conversion(
    spec: &ConversionSpec,
    currency: Currency,
    prefix: &str,
    e: &mut Errors,
) -> Option<Conversion> {
    let at = |name: &str| format!("{prefix}{name}");
    let from = e.check(
        &at("from"),
        Currency::parse(&spec.from).and_then(|from| {
            if from == currency {
                Err(Invalid::Mismatch { other: "currency" })
            } else {
                Ok(from)
            }
        }),
    );
    let rate = e.check(
        &at("rate"),
        crate::domain::money::parse_decimal(&spec.rate).and_then(|r| {
            if r > Decimal::ZERO {
                Ok(r)
            } else {
                Err(Invalid::OutOfRange {
                    min: 0,
                    max: i64::MAX,
                })
            }
        }),
    );
    let date = e.check(
        &at("date"),
        NaiveDate::parse_from_str(spec.date.trim(), "%Y-%m-%d").map_err(|_| Invalid::Format {
            expected: "ÅÅÅÅ-MM-DD",
        }),
    );
    let source = e.check(&at("source"), crate::domain::text(&spec.source, 100));
    Some(Conversion {
        from: from?,
        to: currency,
        rate: rate?,
        date: date?,
        source: source?,
    })
}

pub(super) fn terms_json(spec: &TermsSpec) -> Result<String, Error> {
    serde_json::to_string(spec).map_err(|e| Error::Internal(e.into()))
}

/// The terms a version holds, as they were saved.
pub fn stored_terms(version: &VersionRecord) -> Result<TermsSpec, Error> {
    serde_json::from_str(&version.terms).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "stored terms of agreement {} version {}: {e}",
            version.agreement_id,
            version.version
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_round_trip_without_empty_fields() {
        let spec: TermsSpec = serde_json::from_value(serde_json::json!({
            "fixed": [{"id": "fast-del", "fee_model_id": "m1"}],
            "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "12"}]
        }))
        .unwrap();
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "fixed": [{"id": "fast-del", "fee_model_id": "m1"}],
                "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "12"}]
            })
        );
        assert!(
            serde_json::from_value::<TermsSpec>(serde_json::json!({"fixed": [], "colour": 1}))
                .is_err()
        );
        assert_eq!(crate::domain::code(" SKOLPROG ", 30), Ok("SKOLPROG".into()));
        assert!(crate::domain::code("a b", 30).is_err());
        assert!(crate::domain::money::parse_non_negative("-1").is_err());
    }
}
