//! Agreements: their terms as the API sends them and the database keeps them, the checks of
//! those terms against the organisation's data, the lifecycle use cases, and the
//! contribution an agreement owes for a fee year.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::agreement::{
    self, Agreement, AgreementHeader, AgreementStatus, TransitionDetails, version_on,
};
use crate::domain::contribution::{
    CalculationInput, ContributionError, ContributionStatement, Conversion, FeeModel,
    FeeModelVersion, FixedComponent, Indexation, MemberFacts, Pool, PoolShare, PriceListItem,
    ProRata, VariableComponent, VatTreatment, calculate, share_pool,
};
use crate::domain::invoicing::{BillingPlan, Schedule, VariableBilling};
use crate::domain::member::Member;
use crate::domain::money::{Money, parse_amount};
use crate::domain::{Currency, Errors, FieldError, Invalid};
use crate::error::{Error, StateConflict};
use crate::schemas;
use crate::services::audit::{self, Change, Entity};
use crate::services::fee_models::{FeeModelSpec, ModelSpec};
use crate::storage::DbConnection;
use crate::storage::agreements::{
    self as store, AgreementRow, EventRecord, NewUsage, StatusChange, UsageRecord, VersionRecord,
};
use crate::storage::pricing::PriceItem;
use crate::storage::{members, pricing};

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

pub fn fee_year(raw: i64) -> Result<i32, Invalid> {
    match raw {
        2000..=2100 => Ok(raw as i32),
        _ => Err(Invalid::OutOfRange {
            min: 2000,
            max: 2100,
        }),
    }
}

fn model_currency(model: &FeeModel) -> Currency {
    match model {
        FeeModel::Flat { amount, .. } => amount.currency(),
        FeeModel::PerInhabitant { currency, .. } | FeeModel::Bands { currency, .. } => *currency,
        FeeModel::Pool(pool) => pool.total.currency(),
    }
}

/// Keeps `result`'s value, or moves its field errors into `fields`.
fn fields_of<T>(
    result: Result<T, Error>,
    fields: &mut Vec<FieldError>,
) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::Validation(f)) => {
            fields.extend(f);
            Ok(None)
        }
        Err(other) => Err(other),
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
                Err(Error::NotFound(_)) => {
                    e.add(
                        field,
                        Invalid::OneOf {
                            allowed: &["en avgiftsmodell i organisationen"],
                        },
                    );
                    return Ok(None);
                }
                Err(other) => return Err(other),
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
        let amount_override =
            e.check_opt(&at("amount_override"), c.amount_override.as_deref(), |r| {
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
        let model = fixed_model(conn, org, c, currency, converts_from, &at, &mut e)?;
        fixed.push((|| {
            Some(FixedTerm {
                component: FixedComponent {
                    id: id?,
                    model: model?,
                    amount_override: amount_override?,
                    vat: vat?,
                },
                fee_model_id: c.fee_model_id.clone(),
            })
        })());
    }
    let mut variable = Vec::with_capacity(spec.variable.len());
    for (i, v) in spec.variable.iter().enumerate() {
        let at = |name: &str| format!("{prefix}variable[{i}].{name}");
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
        variable.push((|| {
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
        })());
    }
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

fn terms_json(spec: &TermsSpec) -> Result<String, Error> {
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

/// An agreement's details as asked for; the currency defaults to the member's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInput {
    pub member_id: String,
    pub currency: Option<Currency>,
    pub pro_rata: ProRata,
    pub notice_months: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// The header for `input`: the member must belong to the organisation and not be archived.
/// Field errors are added to `fields`; `None` when the member is unknown and no currency was
/// given, so the currency cannot be known.
fn header_for(
    conn: &mut DbConnection,
    org: &str,
    input: &HeaderInput,
    current: Option<&str>,
    fields: &mut Vec<FieldError>,
) -> Result<Option<AgreementHeader>, Error> {
    let member = match members::get(conn, org, &input.member_id) {
        Ok(m) => Some(m),
        Err(Error::NotFound(_)) => {
            fields.push(FieldError {
                field: "member_id".to_owned(),
                invalid: Invalid::OneOf {
                    allowed: &["en medlem i organisationen"],
                },
            });
            None
        }
        Err(other) => return Err(other),
    };
    if let Some(m) = &member {
        members::ensure_active(m)?;
    }
    let Some(currency) = input.currency.or(member.map(|m| m.details.currency)) else {
        return Ok(None);
    };
    let header = AgreementHeader {
        member_id: input.member_id.clone(),
        currency,
        pro_rata: input.pro_rata,
        notice_months: input.notice_months,
        start_date: input.start_date,
        end_date: input.end_date,
    };
    // One member has one agreement with the organisation at a time.
    let others = store::list(
        conn,
        org,
        &store::AgreementFilter {
            member_id: Some(header.member_id.clone()),
            status: None,
        },
    )?;
    if others.iter().any(|o| {
        Some(o.id.as_str()) != current && o.status.occupies_period() && o.header.overlaps(&header)
    }) {
        fields.push(FieldError {
            field: "start_date".to_owned(),
            invalid: Invalid::OverlapsAgreement,
        });
    }
    Ok(Some(AgreementHeader {
        member_id: input.member_id.clone(),
        currency,
        pro_rata: input.pro_rata,
        notice_months: input.notice_months,
        start_date: input.start_date,
        end_date: input.end_date,
    }))
}

/// A change to an agreement in the audit trail, by `actor` (the token's name). Every entry
/// of an agreement, its versions and usage included, is under the agreement's id, so that
/// one filter shows its whole story.
fn change<'a>(org: &'a str, id: &'a str, action: &'a str, actor: &'a str) -> Change<'a> {
    Change {
        org,
        entity: Entity::Agreement,
        entity_id: id,
        action,
        actor,
    }
}

/// An agreement as the audit trail records it where its versions change with it (created,
/// its details changed — version 1 follows the start date — or deleted): the stored fields
/// and every version of the terms.
#[derive(Serialize)]
struct Recorded {
    #[serde(flatten)]
    agreement: AgreementRow,
    versions: Vec<VersionRecord>,
}

fn recorded(conn: &mut DbConnection, org: &str, agreement: &Agreement) -> Result<Recorded, Error> {
    Ok(Recorded {
        agreement: agreement.into(),
        versions: store::versions(conn, org, &agreement.id)?,
    })
}

/// Creates a draft whose terms become version 1, effective from the start date.
pub fn create(
    conn: &mut DbConnection,
    org: &str,
    input: &HeaderInput,
    terms: &TermsSpec,
    actor: &str,
) -> Result<Agreement, Error> {
    let mut fields = Vec::new();
    let header = header_for(conn, org, input, None, &mut fields)?;
    if let Some(h) = &header {
        fields_of(
            resolve_terms(conn, org, terms, h.currency, "terms."),
            &mut fields,
        )?;
    }
    let created = match header {
        Some(h) if fields.is_empty() => store::insert(conn, org, &h, &terms_json(terms)?)?,
        _ => return Err(Error::Validation(fields)),
    };
    let after = recorded(conn, org, &created)?;
    audit::created(conn, &change(org, &created.id, "create", actor), &after)?;
    Ok(created)
}

fn ensure_draft(agreement: &Agreement) -> Result<(), Error> {
    if agreement.status.terms_editable() {
        Ok(())
    } else {
        Err(Error::State(StateConflict::AgreementNotDraft(
            agreement.status,
        )))
    }
}

/// Changes a draft's details. Its terms are checked again, as the currency may change.
pub fn update(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    input: &HeaderInput,
    actor: &str,
) -> Result<Agreement, Error> {
    let current = store::get(conn, org, id)?;
    ensure_draft(&current)?;
    let mut fields = Vec::new();
    let header = header_for(conn, org, input, Some(id), &mut fields)?;
    if let Some(h) = &header {
        let first = store::get_version(conn, org, id, 1)?;
        fields_of(
            resolve_terms(conn, org, &stored_terms(&first)?, h.currency, "terms."),
            &mut fields,
        )?;
    }
    let before = recorded(conn, org, &current)?;
    let updated = match header {
        Some(h) if fields.is_empty() => store::update_header(conn, org, id, &h)?,
        _ => return Err(Error::Validation(fields)),
    };
    let after = recorded(conn, org, &updated)?;
    audit::changed(conn, &change(org, id, "update", actor), &before, &after)?;
    Ok(updated)
}

pub fn delete(conn: &mut DbConnection, org: &str, id: &str, actor: &str) -> Result<(), Error> {
    let current = store::get(conn, org, id)?;
    ensure_draft(&current)?;
    let before = recorded(conn, org, &current)?;
    store::delete_draft(conn, org, id)?;
    audit::removed(conn, &change(org, id, "delete", actor), &before)
}

/// Replaces a draft's terms in place; after the offer, changed terms are a new version.
pub fn replace_terms(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    terms: &TermsSpec,
    actor: &str,
) -> Result<VersionRecord, Error> {
    let agreement = store::get(conn, org, id)?;
    ensure_draft(&agreement)?;
    resolve_terms(conn, org, terms, agreement.header.currency, "")?;
    let before = store::get_version(conn, org, id, 1)?;
    let after = store::replace_draft_terms(conn, org, id, &terms_json(terms)?)?;
    audit::changed(
        conn,
        &change(org, id, "replace_terms", actor),
        &before,
        &after,
    )?;
    Ok(after)
}

/// An agreement with every version of its terms and its lifecycle history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRecord {
    pub agreement: Agreement,
    pub versions: Vec<VersionRecord>,
    pub history: Vec<EventRecord>,
}

pub fn read(conn: &mut DbConnection, org: &str, id: &str) -> Result<AgreementRecord, Error> {
    Ok(AgreementRecord {
        agreement: store::get(conn, org, id)?,
        versions: store::versions(conn, org, id)?,
        history: store::events(conn, org, id)?,
    })
}

/// Moves an agreement through its lifecycle. The move itself is judged first, so that a
/// forbidden move is reported as such, not as a missing detail.
pub fn change_status(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    to: AgreementStatus,
    details: TransitionDetails,
    note: Option<String>,
    actor: &str,
) -> Result<AgreementRecord, Error> {
    let current = store::get(conn, org, id)?;
    agreement::transition(current.status, to)?;
    let (acceptance, termination) =
        agreement::transition_details(to, details).map_err(Error::Validation)?;
    if let Some(t) = &termination
        && t.on < current.header.start_date
    {
        return Err(Error::field(
            "date",
            Invalid::Mismatch {
                other: "start_date",
            },
        ));
    }
    if to == AgreementStatus::Offered {
        members::ensure_active(&members::get(conn, org, &current.header.member_id)?)?;
    }
    let changed = store::change_status(
        conn,
        org,
        id,
        &StatusChange {
            from: current.status,
            to,
            acceptance,
            termination,
            note,
        },
    )?;
    // The note is kept with the event in the agreement's history.
    audit::changed(
        conn,
        &change(org, id, "transition", actor),
        &AgreementRow::from(&current),
        &AgreementRow::from(&changed),
    )?;
    if to == AgreementStatus::Accepted {
        crate::services::webhooks::agreement_accepted(conn, &changed)?;
    }
    read(conn, org, id)
}

/// Agrees new terms from `effective_from`, which must come after the latest version's and
/// within the agreement's period. Earlier versions stay as they were.
pub fn add_version(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    effective_from: NaiveDate,
    terms: &TermsSpec,
    actor: &str,
) -> Result<VersionRecord, Error> {
    let agreement = store::get(conn, org, id)?;
    if !agreement.status.accepts_new_versions() {
        return Err(Error::State(StateConflict::AgreementNotInForce(
            agreement.status,
        )));
    }
    let mut fields = Vec::new();
    let latest = store::versions(conn, org, id)?
        .into_iter()
        .map(|v| v.effective_from)
        .max();
    if latest.is_some_and(|latest| effective_from <= latest) {
        fields.push(FieldError {
            field: "effective_from".to_owned(),
            invalid: Invalid::Mismatch {
                other: "previous_version.effective_from",
            },
        });
    }
    if agreement
        .header
        .end_date
        .is_some_and(|end| effective_from > end)
    {
        fields.push(FieldError {
            field: "effective_from".to_owned(),
            invalid: Invalid::Mismatch { other: "end_date" },
        });
    }
    fields_of(
        resolve_terms(conn, org, terms, agreement.header.currency, "terms."),
        &mut fields,
    )?;
    if !fields.is_empty() {
        return Err(Error::Validation(fields));
    }
    let version = store::insert_version(conn, org, id, effective_from, &terms_json(terms)?)?;
    audit::created(conn, &change(org, id, "add_version", actor), &version)?;
    Ok(version)
}

/// Records usage of a service under a concluded agreement, within its period. The service
/// must be on the price list of the year it was used in: a wrong code would otherwise stop
/// the year's calculation until someone noticed.
pub fn record_usage(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    usage: &NewUsage,
    actor: &str,
) -> Result<UsageRecord, Error> {
    let agreement = store::get(conn, org, id)?;
    if !agreement.status.accepts_usage() {
        return Err(Error::State(StateConflict::AgreementNotConcluded(
            agreement.status,
        )));
    }
    let mut e = Errors::new();
    if usage.used_on < agreement.header.start_date {
        e.add(
            "used_on",
            Invalid::Mismatch {
                other: "start_date",
            },
        );
    }
    if agreement
        .header
        .end_date
        .is_some_and(|end| usage.used_on > end)
    {
        e.add("used_on", Invalid::Mismatch { other: "end_date" });
    }
    let year = chrono::Datelike::year(&usage.used_on);
    let listed = pricing::price_list(conn, org, year)?
        .iter()
        .any(|p| p.item.code == usage.item_code);
    if !listed {
        e.add(
            "item_code",
            Invalid::OneOf {
                allowed: &["en tjänst i prislistan för året"],
            },
        );
    }
    e.finish(|| Some(())).map_err(Error::Validation)?;
    let recorded = store::insert_usage(conn, org, id, usage)?;
    audit::created(conn, &change(org, id, "record_usage", actor), &recorded)?;
    Ok(recorded)
}

/// Where a statement line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSource {
    /// A fixed component or an ordered service of the terms.
    Terms,
    /// Usage recorded during the fee year.
    Usage,
    /// The reduction to the variable cap.
    Cap,
}

impl LineSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LineSource::Terms => "terms",
            LineSource::Usage => "usage",
            LineSource::Cap => "cap",
        }
    }
}

/// An agreement's statement for one fee year, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub agreement: Agreement,
    /// The version of the terms used: the one in force at the end of the fee year.
    pub version: VersionRecord,
    pub statement: ContributionStatement,
    /// One per statement line.
    pub sources: Vec<LineSource>,
    /// The members each pool component was shared among, by component id.
    pub pools: BTreeMap<String, Arc<[String]>>,
    /// How the agreement is invoiced, from the same version of the terms.
    pub billing: Billing,
}

/// What a member ordered for a fee year: the services and the cap on their total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ordered {
    pub services: Vec<VariableComponent>,
    pub cap: Option<Money>,
}

/// The services each member ordered for `fee_year` under its agreements that take part in
/// the year (not declined offers), from the terms in force at the end of the
/// year: the variable part of the board's fee table. Keyed by member id.
pub fn ordered_for_year(
    conn: &mut DbConnection,
    org: &str,
    fee_year: i32,
) -> Result<BTreeMap<String, Ordered>, Error> {
    let year_end = NaiveDate::from_ymd_opt(fee_year, 12, 31)
        .ok_or(Error::Contribution(ContributionError::Overflow))?;
    let statuses: Vec<AgreementStatus> = AgreementStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.counts_in_pools())
        .collect();
    let mut ordered: BTreeMap<String, Ordered> = BTreeMap::new();
    for (agreement, versions) in store::with_versions(conn, org, &statuses)? {
        if !agreement.reaches_into(fee_year) {
            continue;
        }
        let Some(version) = version_on(&versions, year_end) else {
            continue;
        };
        let terms = resolve_terms(
            conn,
            org,
            &stored_terms(version)?,
            agreement.header.currency,
            "",
        )?;
        let entry = ordered
            .entry(agreement.header.member_id.clone())
            .or_default();
        entry.services.extend(
            terms
                .variable
                .into_iter()
                .filter(|v| v.fee_year == fee_year)
                .map(|v| v.component),
        );
        entry.cap = match (entry.cap, terms.variable_cap) {
            (Some(a), Some(b)) => Some(
                a.checked_add(b)
                    .map_err(|e| Error::Contribution(e.into()))?,
            ),
            (a, b) => a.or(b),
        };
    }
    Ok(ordered)
}

/// Recorded usage of the year as variable components, one per service. A service also
/// ordered in the terms gets the agreed unit price and discount, and the part of the quota
/// the ordered quantity left unused.
fn usage_components(
    ordered: &[&VariableTerm],
    usage: &[UsageRecord],
) -> Result<Vec<VariableComponent>, Error> {
    let overflow = || Error::Contribution(ContributionError::Overflow);
    let mut used: BTreeMap<&str, Decimal> = BTreeMap::new();
    for u in usage {
        let sum = used.entry(u.item_code.as_str()).or_insert(Decimal::ZERO);
        *sum = sum.checked_add(u.quantity).ok_or_else(overflow)?;
    }
    used.into_iter()
        .map(|(code, quantity)| {
            let agreed = ordered
                .iter()
                .find(|v| v.component.item_code == code)
                .map(|v| &v.component);
            let quota_left = match agreed {
                None => Decimal::ZERO,
                Some(a) => a
                    .included_quantity
                    .checked_sub(a.quantity)
                    .ok_or_else(overflow)?
                    .max(Decimal::ZERO),
            };
            Ok(VariableComponent {
                item_code: code.to_owned(),
                quantity,
                unit_price_override: agreed.and_then(|a| a.unit_price_override),
                discount_percent: agreed.and_then(|a| a.discount_percent),
                included_quantity: quota_left,
            })
        })
        .collect()
}

/// What the agreement's member owes for `fee_year` under it.
///
/// The terms are those of the version in force at the end of the fee year (31 December):
/// one set of terms per year keeps each statement explainable by one version, and a change
/// agreed during a year applies to that whole year — a version effective from 1 January is
/// the way to change terms from a year on. Pro-rating follows the agreement's own start and
/// end dates; the variable part is the services ordered for the fee year plus the usage
/// recorded in it.
pub fn contribution(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    fee_year: i32,
) -> Result<Contribution, Error> {
    Contributions::default().through(conn, org, id, fee_year, None)
}

/// An agreement's inputs to its statement for one fee year, with all the usage of the year:
/// a usage cut-off applies afterwards, so that the whole year's statement and a period's
/// share one load.
#[derive(Debug, Clone)]
struct YearInputs {
    agreement: Agreement,
    version: VersionRecord,
    terms: Terms,
    member: MemberFacts,
    usage: Vec<UsageRecord>,
}

/// A saved pool model shared in a fee year: the model it was shared by, the members sharing
/// it in id order, and their shares in the same order.
#[derive(Debug)]
struct SharedPool {
    pool: Pool,
    indexation: Option<Indexation>,
    members: Arc<[String]>,
    shares: Vec<PoolShare>,
}

/// What the contributions of many agreements have in common, loaded once: the agreements
/// that count in pools, the members' facts, each pool's sharing, the price lists, the fee
/// models' names and each agreement's inputs per year. Calculated one by one, the
/// statements of n members sharing a pool load and share that pool n times; an invoice run
/// calculates them all through one `Contributions`. It lives for one pass over data that
/// does not change meanwhile, and is never kept between requests.
#[derive(Debug, Default)]
pub struct Contributions {
    pooling: Option<Vec<(Agreement, Vec<VersionRecord>)>>,
    members: HashMap<String, (Member, MemberFacts)>,
    pools: HashMap<(String, i32), SharedPool>,
    price_lists: HashMap<i32, Vec<PriceItem>>,
    model_names: HashMap<String, Option<String>>,
    inputs: HashMap<(String, i32), YearInputs>,
}

impl Contributions {
    fn loaded(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
    ) -> Result<&(Member, MemberFacts), Error> {
        if !self.members.contains_key(id) {
            let member = members::get(conn, org, id)?;
            let facts = MemberFacts {
                population: members::populations(conn, org, id)?,
                kind: member.details.kind,
                id: member.id.clone(),
            };
            self.members.insert(id.to_owned(), (member, facts));
        }
        self.members.get(id).ok_or(Error::NotFound("member"))
    }

    /// A calculation's error naming the members it concerns by their names.
    fn named(&self, e: ContributionError) -> Error {
        Error::Contribution(
            e.naming_members(|id| self.members.get(id).map(|(m, _)| m.details.name.clone())),
        )
    }

    /// A member of the organisation.
    pub fn member(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
    ) -> Result<&Member, Error> {
        Ok(&self.loaded(conn, org, id)?.0)
    }

    /// The price list of a fee year, ordered by code.
    pub fn price_list(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        fee_year: i32,
    ) -> Result<&[PriceItem], Error> {
        let list = match self.price_lists.entry(fee_year) {
            Entry::Occupied(kept) => kept.into_mut(),
            Entry::Vacant(slot) => slot.insert(pricing::price_list(conn, org, fee_year)?),
        };
        Ok(list)
    }

    /// The name of a saved fee model; `None` once the model has been deleted.
    pub fn model_name(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
    ) -> Result<Option<String>, Error> {
        if let Some(name) = self.model_names.get(id) {
            return Ok(name.clone());
        }
        let name = match pricing::get_fee_model(conn, org, id) {
            Ok(model) => Some(model.name),
            Err(Error::NotFound(_)) => None,
            Err(other) => return Err(other),
        };
        self.model_names.insert(id.to_owned(), name.clone());
        Ok(name)
    }

    fn pooling(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
    ) -> Result<&[(Agreement, Vec<VersionRecord>)], Error> {
        if self.pooling.is_none() {
            let statuses: Vec<AgreementStatus> = AgreementStatus::ALL
                .iter()
                .copied()
                .filter(|s| s.counts_in_pools())
                .collect();
            self.pooling = Some(store::with_versions(conn, org, &statuses)?);
        }
        Ok(self.pooling.as_deref().unwrap_or_default())
    }

    /// The members sharing saved model `model_id` in `fee_year`: the members of every
    /// agreement that counts in pools (not declined), reaches into the year,
    /// and whose terms in force at the end of the year use the model.
    fn pool_member_ids(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        model_id: &str,
        fee_year: i32,
        year_end: NaiveDate,
    ) -> Result<BTreeSet<String>, Error> {
        let mut ids = BTreeSet::new();
        for (agreement, versions) in self.pooling(conn, org)? {
            if !agreement.reaches_into(fee_year) {
                continue;
            }
            let Some(version) = version_on(versions, year_end) else {
                continue;
            };
            let uses_model = stored_terms(version)?
                .fixed
                .iter()
                .any(|f| f.fee_model_id.as_deref() == Some(model_id));
            if uses_model {
                ids.insert(agreement.header.member_id.clone());
            }
        }
        Ok(ids)
    }

    /// `own`'s share of the pool of saved model `model_id` in `fee_year`, and the members
    /// sharing it. The members are those of `pool_member_ids` plus `own`, so that a draft
    /// can be previewed; ordered by member id, which keeps the largest-remainder tie-breaks
    /// the same in every member's calculation. A sharing is kept for the next member only
    /// when `own` was one of the pool's members, so that a preview's extra member never
    /// changes another member's share.
    #[allow(clippy::too_many_arguments)]
    fn share(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        model_id: &str,
        pool: &Pool,
        indexation: Option<&Indexation>,
        fee_year: i32,
        year_end: NaiveDate,
        own: &MemberFacts,
    ) -> Result<(Arc<[String]>, Option<PoolShare>), Error> {
        let key = (model_id.to_owned(), fee_year);
        let kept = self.pools.get(&key).filter(|s| {
            s.pool == *pool
                && s.indexation.as_ref() == indexation
                && s.members.binary_search(&own.id).is_ok()
        });
        let shared = match kept {
            Some(shared) => shared,
            None => {
                let mut ids = self.pool_member_ids(conn, org, model_id, fee_year, year_end)?;
                let counted = ids.contains(&own.id);
                ids.insert(own.id.clone());
                let mut sharing = Vec::with_capacity(ids.len());
                for id in &ids {
                    sharing.push(if *id == own.id {
                        own.clone()
                    } else {
                        self.loaded(conn, org, id)?.1.clone()
                    });
                }
                let shared = SharedPool {
                    shares: share_pool(pool, indexation, &sharing, fee_year)
                        .map_err(|e| self.named(e))?,
                    pool: pool.clone(),
                    indexation: indexation.cloned(),
                    members: ids.into_iter().collect(),
                };
                if !counted {
                    return Ok((shared.members.clone(), own_share(&shared, &own.id)));
                }
                self.pools.insert(key.clone(), shared);
                self.pools
                    .get(&key)
                    .ok_or_else(|| Error::Internal(anyhow::anyhow!("pool not kept")))?
            }
        };
        Ok((shared.members.clone(), own_share(shared, &own.id)))
    }

    /// An agreement's inputs for a fee year, loaded once.
    fn inputs(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
        fee_year: i32,
        year_end: NaiveDate,
    ) -> Result<&YearInputs, Error> {
        let key = (id.to_owned(), fee_year);
        if !self.inputs.contains_key(&key) {
            let inputs = self.load_inputs(conn, org, id, year_end, fee_year)?;
            self.inputs.insert(key.clone(), inputs);
        }
        self.inputs
            .get(&key)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("inputs not kept")))
    }

    fn load_inputs(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
        year_end: NaiveDate,
        fee_year: i32,
    ) -> Result<YearInputs, Error> {
        let agreement = store::get(conn, org, id)?;
        let versions = store::versions(conn, org, id)?;
        let version = version_on(&versions, year_end)
            .cloned()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("agreement {id} has no terms")))?;
        let terms = resolve_terms(
            conn,
            org,
            &stored_terms(&version)?,
            agreement.header.currency,
            "terms.",
        )?;
        let member = self
            .loaded(conn, org, &agreement.header.member_id)?
            .1
            .clone();
        let usage = store::usage(conn, org, id, Some(fee_year))?;
        Ok(YearInputs {
            agreement,
            version,
            terms,
            member,
            usage,
        })
    }

    /// How agreement `id` is invoiced in `fee_year`, and whether it has a variable part that
    /// year (services ordered for it, or usage recorded in it), from its terms alone: what
    /// an invoice run needs to know before anything is calculated, so that a year with
    /// nothing due is never calculated (nor fails for want of a population count).
    pub fn billing_of(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
        fee_year: i32,
    ) -> Result<(BillingPlan, bool), Error> {
        let year_end = NaiveDate::from_ymd_opt(fee_year, 12, 31).ok_or(Error::field(
            "year",
            Invalid::OutOfRange {
                min: 2000,
                max: 2100,
            },
        ))?;
        let inputs = self.inputs(conn, org, id, fee_year, year_end)?;
        let variable = !inputs.usage.is_empty()
            || inputs.terms.variable.iter().any(|v| v.fee_year == fee_year);
        Ok((inputs.terms.billing.plan, variable))
    }

    /// The contribution of agreement `id` for `fee_year`, counting only the usage recorded
    /// up to and including `usage_through` when given: what an invoice for a period can
    /// bill of the variable part.
    pub fn through(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        id: &str,
        fee_year: i32,
        usage_through: Option<NaiveDate>,
    ) -> Result<Contribution, Error> {
        let year_end = NaiveDate::from_ymd_opt(fee_year, 12, 31).ok_or_else(|| {
            Error::field(
                "year",
                Invalid::OutOfRange {
                    min: 2000,
                    max: 2100,
                },
            )
        })?;
        let YearInputs {
            agreement,
            version,
            terms,
            member,
            mut usage,
        } = self.inputs(conn, org, id, fee_year, year_end)?.clone();

        let mut pool_shares = BTreeMap::new();
        let mut pools = BTreeMap::new();
        for term in &terms.fixed {
            let FeeModel::Pool(pool) = &term.component.model.model else {
                continue;
            };
            // An agreed amount replaces the share; inline pools are refused when saved.
            let (None, Some(model_id)) = (term.component.amount_override, &term.fee_model_id)
            else {
                continue;
            };
            let (sharing, share) = self.share(
                conn,
                org,
                model_id,
                pool,
                term.component.model.indexation.as_ref(),
                fee_year,
                year_end,
                &member,
            )?;
            if let Some(share) = share {
                pool_shares.insert(term.component.id.clone(), share);
            }
            pools.insert(term.component.id.clone(), sharing);
        }

        let price_list: Vec<PriceListItem> = self
            .price_list(conn, org, fee_year)?
            .iter()
            .map(|p| p.item.clone())
            .collect();
        let ordered: Vec<&VariableTerm> = terms
            .variable
            .iter()
            .filter(|v| v.fee_year == fee_year)
            .collect();
        if let Some(last) = usage_through {
            usage.retain(|u| u.used_on <= last);
        }
        let used = usage_components(&ordered, &usage)?;
        let mut sources = vec![LineSource::Terms; terms.fixed.len() + ordered.len()];
        sources.extend(std::iter::repeat_n(LineSource::Usage, used.len()));
        let mut variable: Vec<VariableComponent> =
            ordered.iter().map(|v| v.component.clone()).collect();
        variable.extend(used);

        let input = CalculationInput {
            fee_year,
            member,
            start: agreement.header.start_date,
            end: agreement.header.end_date,
            pro_rata: agreement.header.pro_rata,
            fixed: terms.fixed.into_iter().map(|t| t.component).collect(),
            pool_shares,
            price_list,
            variable,
            variable_cap: terms.variable_cap,
            conversion: terms.conversion,
        };
        let statement = calculate(&input).map_err(|e| self.named(e))?;
        sources.resize(statement.lines.len(), LineSource::Cap);
        Ok(Contribution {
            agreement,
            version,
            statement,
            sources,
            pools,
            billing: terms.billing,
        })
    }
}

/// `member`'s share of a pool: shares come in the order of the pool's members.
fn own_share(shared: &SharedPool, member: &String) -> Option<PoolShare> {
    let at = shared.members.binary_search(member).ok()?;
    shared
        .shares
        .get(at)
        .filter(|s| s.member_id == *member)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(code: &str, quantity: &str, included: &str) -> VariableTerm {
        VariableTerm {
            fee_year: 2027,
            component: VariableComponent {
                item_code: code.into(),
                quantity: quantity.parse().unwrap(),
                unit_price_override: Some(Money::from_minor(140_000, Currency::Sek)),
                discount_percent: Some(Decimal::TEN),
                included_quantity: included.parse().unwrap(),
            },
        }
    }

    fn used(code: &str, quantity: &str) -> UsageRecord {
        UsageRecord {
            id: "u".into(),
            agreement_id: "a".into(),
            used_on: NaiveDate::from_ymd_opt(2027, 5, 1).unwrap(),
            item_code: code.into(),
            quantity: quantity.parse().unwrap(),
            note: None,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn usage_is_summed_per_service_with_the_agreed_price_and_the_quota_left() {
        let ordered = [term("SKOLPROG", "1", "3")];
        let ordered: Vec<&VariableTerm> = ordered.iter().collect();
        let usage = [
            used("SKOLPROG", "2"),
            used("FORTB", "4"),
            used("SKOLPROG", "1.5"),
        ];
        let components = usage_components(&ordered, &usage).unwrap();
        assert_eq!(components.len(), 2);
        assert_eq!(components[0].item_code, "FORTB");
        assert_eq!(components[0].unit_price_override, None);
        assert_eq!(components[0].included_quantity, Decimal::ZERO);
        let skolprog = &components[1];
        assert_eq!(skolprog.quantity, "3.5".parse::<Decimal>().unwrap());
        assert_eq!(skolprog.included_quantity, Decimal::TWO);
        assert_eq!(skolprog.discount_percent, Some(Decimal::TEN));

        // An ordered quantity beyond the quota leaves none for usage.
        let ordered = [term("SKOLPROG", "12", "2")];
        let ordered: Vec<&VariableTerm> = ordered.iter().collect();
        let components = usage_components(&ordered, &usage[..1]).unwrap();
        assert_eq!(components[0].included_quantity, Decimal::ZERO);
    }

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
