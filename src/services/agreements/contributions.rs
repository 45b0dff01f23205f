//! The contribution an agreement owes for a fee year: its inputs loaded once per pass, pools
//! shared among the members that use the same saved model, and the engine's statement.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::Invalid;
use crate::domain::agreement::{Agreement, AgreementStatus, version_on};
use crate::domain::contribution::{
    CalculationInput, ContributionError, ContributionStatement, FeeModel, Indexation, MemberFacts,
    Pool, PoolShare, PriceListItem, VariableComponent, calculate, share_pool,
};
use crate::domain::invoicing::BillingPlan;
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::agreements::{self as store, UsageRecord, VersionRecord};
use crate::storage::members;
use crate::storage::pricing::{self, PriceItem};

use super::terms::{Billing, Terms, VariableTerm, resolve_terms, stored_terms};

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

/// An agreement's shares of the pools it takes part in, and the members each pool was
/// shared among, both by component id.
type PoolSharing = (BTreeMap<String, PoolShare>, BTreeMap<String, Arc<[String]>>);

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
            Err(crate::storage::Error::NotFound(_)) => None,
            Err(other) => return Err(other.into()),
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

    /// The shares of the saved pool models in `terms` that `member` pays in `fee_year`,
    /// and the members each pool was shared among, by component id. An agreed amount
    /// replaces the share; inline pools are refused when saved.
    fn pools_of(
        &mut self,
        conn: &mut DbConnection,
        org: &str,
        terms: &Terms,
        member: &MemberFacts,
        fee_year: i32,
        year_end: NaiveDate,
    ) -> Result<PoolSharing, Error> {
        let mut pool_shares = BTreeMap::new();
        let mut pools = BTreeMap::new();
        for term in &terms.fixed {
            let FeeModel::Pool(pool) = &term.component.model.model else {
                continue;
            };
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
                member,
            )?;
            if let Some(share) = share {
                pool_shares.insert(term.component.id.clone(), share);
            }
            pools.insert(term.component.id.clone(), sharing);
        }
        Ok((pool_shares, pools))
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

        let (pool_shares, pools) = self.pools_of(conn, org, &terms, &member, fee_year, year_end)?;
        let price_list: Vec<PriceListItem> = self
            .price_list(conn, org, fee_year)?
            .iter()
            .map(|p| p.item.clone())
            .collect();
        if let Some(last) = usage_through {
            usage.retain(|u| u.used_on <= last);
        }
        let (variable, mut sources) = variable_part(&terms, fee_year, &usage)?;

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

/// The variable part of `fee_year`: the services ordered for it, then the recorded
/// `usage`; with where each line comes from, the fixed components' lines first.
fn variable_part(
    terms: &Terms,
    fee_year: i32,
    usage: &[UsageRecord],
) -> Result<(Vec<VariableComponent>, Vec<LineSource>), Error> {
    let ordered: Vec<&VariableTerm> = terms
        .variable
        .iter()
        .filter(|v| v.fee_year == fee_year)
        .collect();
    let used = usage_components(&ordered, usage)?;
    let mut sources = vec![LineSource::Terms; terms.fixed.len() + ordered.len()];
    sources.extend(std::iter::repeat_n(LineSource::Usage, used.len()));
    let mut variable: Vec<VariableComponent> =
        ordered.iter().map(|v| v.component.clone()).collect();
    variable.extend(used);
    Ok((variable, sources))
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
    use crate::domain::Currency;

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
}
