//! The fee table for the board: loads the members, their population histories and the fee
//! model (saved or proposed), and runs the pure preview.

use std::collections::BTreeMap;

use crate::domain::MemberStatus;
use crate::domain::contribution::{MemberFacts, Preview, PreviewComponent, PreviewMember, preview};
use crate::domain::member::{Member, PopulationCount};
use crate::error::Error;
use crate::services::agreements::Ordered;
use crate::services::fee_models::FeeModelSpec;
use crate::storage::{self, DbConnection};

/// Which parameters to preview.
#[derive(Debug, Clone)]
pub enum ModelChoice {
    /// A fee model the organisation has saved.
    Saved(String),
    /// Parameters proposed but not saved, to try before a decision.
    Proposed(Box<FeeModelSpec>),
}

#[derive(Debug, Clone)]
pub struct PreviewRequest {
    pub fee_year: i32,
    /// The fixed components, at least one; their parts add up per member.
    pub models: Vec<ModelChoice>,
    /// Members to include: these ids, or every non-archived member with one of `statuses`.
    pub member_ids: Option<Vec<String>>,
    pub statuses: Vec<MemberStatus>,
}

/// Loads everything the preview needs in one read and computes it. Also returns the
/// organisation's name for exports.
pub fn run(
    conn: &mut DbConnection,
    org: &str,
    req: &PreviewRequest,
) -> Result<(String, Preview), Error> {
    let organisation =
        storage::organisations::get(conn, org)?.ok_or(Error::NotFound("organisation"))?;
    let components = components(conn, org, &req.models)?;
    let price_list: Vec<_> = storage::pricing::price_list(conn, org, req.fee_year)?
        .into_iter()
        .map(|p| p.item)
        .collect();
    let members = storage::members::with_population_history(
        conn,
        org,
        &req.statuses,
        req.member_ids.as_deref(),
    )?;
    if let Some(ids) = &req.member_ids
        && let Some((i, _)) = ids
            .iter()
            .enumerate()
            .find(|(_, id)| !members.iter().any(|(m, _)| &m.id == *id))
    {
        return Err(Error::field(
            &format!("member_ids[{i}]"),
            crate::domain::Invalid::OneOf {
                allowed: &["en medlem i organisationen"],
            },
        ));
    }
    let ordered = crate::services::agreements::ordered_for_year(conn, org, req.fee_year)?;
    let inputs = preview_members(members, ordered);
    let names: std::collections::HashMap<String, String> = inputs
        .iter()
        .map(|m| (m.facts.id.clone(), m.name.clone()))
        .collect();
    let table = preview(req.fee_year, &components, &price_list, &inputs)
        .map_err(|e| Error::Contribution(e.naming_members(|id| names.get(id).cloned())))?;
    Ok((organisation.details.name, table))
}

/// The fixed components to preview, each model checked with its index series; bad fields
/// named under `models[i].`.
fn components(
    conn: &mut DbConnection,
    org: &str,
    models: &[ModelChoice],
) -> Result<Vec<PreviewComponent>, Error> {
    let mut components = Vec::with_capacity(models.len());
    for (i, choice) in models.iter().enumerate() {
        let field = format!("models[{i}]");
        let (id, spec) = match choice {
            ModelChoice::Saved(id) => {
                let record =
                    storage::pricing::get_fee_model(conn, org, id).map_err(|e| match e {
                        crate::storage::Error::NotFound(_) => Error::field(
                            &format!("{field}.fee_model_id"),
                            crate::domain::Invalid::OneOf {
                                allowed: &["en avgiftsmodell i organisationen"],
                            },
                        ),
                        other => other.into(),
                    })?;
                let spec = crate::services::fee_models::saved_spec(&record)?;
                (record.name, spec)
            }
            ModelChoice::Proposed(spec) => (format!("proposal-{}", i + 1), (**spec).clone()),
        };
        let model = crate::services::fee_models::resolve(conn, org, &spec, &format!("{field}."))?;
        components.push(PreviewComponent { id, model });
    }
    Ok(components)
}

/// Each member's facts for the preview, with the services it ordered for the year.
fn preview_members(
    members: Vec<(Member, Vec<PopulationCount>)>,
    mut ordered: BTreeMap<String, Ordered>,
) -> Vec<PreviewMember> {
    members
        .into_iter()
        .map(|(m, history)| {
            let services = ordered.remove(&m.id).unwrap_or_default();
            PreviewMember {
                facts: MemberFacts {
                    id: m.id.clone(),
                    kind: m.details.kind,
                    population: history,
                },
                name: m.details.name.clone(),
                municipality_code: m
                    .details
                    .municipality_code
                    .as_ref()
                    .map(ToString::to_string),
                variable: services.services,
                variable_cap: services.cap,
            }
        })
        .collect()
}
