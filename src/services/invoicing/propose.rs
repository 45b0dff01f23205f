//! Proposing a run: for each billable agreement, everything its proposals are decided
//! from is gathered from the database, then decided by [`super::proposal::decide`].

use crate::domain::Invalid;
use crate::domain::Language;
use crate::domain::agreement::{Agreement, AgreementStatus};
use crate::domain::invoicing::RunWindow;
use crate::error::Error;
use crate::services::agreements::{Contributions, stored_terms};
use crate::services::documents::LineNames;
use crate::storage::DbConnection;
use crate::storage::invoicing as store;

use super::proposal::{
    AgreementInputs, BilledPeriods, Deciding, Proposal, RunRequest, YearInputs, decide, due_in,
};
use super::settings::organisation;

/// An agreement the run could not bill, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub agreement_id: String,
    pub member_id: String,
    pub reason: String,
}

/// What a run would invoice, changing nothing: one proposal per agreement with something
/// due, and the agreements that could not be calculated. Everything it reads is of one
/// moment: an instalment's part follows from what is billed, and a run committing between
/// two reads would otherwise show its amounts in one and not its instalments in the other.
pub fn propose(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
) -> Result<(Vec<Proposal>, Vec<Skipped>), Error> {
    crate::storage::snapshot(conn, |c| propose_among(c, org, req, None))
}

/// [`propose`] for every agreement, or only for `only`.
pub(super) fn propose_among(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
    only: Option<&str>,
) -> Result<(Vec<Proposal>, Vec<Skipped>), Error> {
    if req.to < req.from {
        return Err(Error::field("to", Invalid::Mismatch { other: "from" }));
    }
    let billed: BilledPeriods = store::billed_periods(conn, org)?.into_iter().collect();
    let billable = [
        AgreementStatus::Accepted,
        AgreementStatus::Active,
        AgreementStatus::Terminated,
        AgreementStatus::Expired,
    ];
    let mut proposals = Vec::new();
    let mut skipped = Vec::new();
    let mut contributions = Contributions::default();
    let seller = organisation(conn, org)?.details;
    let exchange_rates = crate::services::exchange_rates::quoted_in(conn, seller.default_currency)?;
    for (agreement, _) in crate::storage::agreements::with_versions(conn, org, &billable)? {
        if only.is_some_and(|id| id != agreement.id) {
            continue;
        }
        let at = Deciding {
            seller: &seller,
            exchange_rates: &exchange_rates,
            agreement: &agreement,
            req,
            billed: &billed,
        };
        let decided = gather(conn, org, &mut contributions, &agreement, req, &billed)
            .and_then(|inputs| decide(&at, inputs));
        match decided {
            Ok(due) => proposals.extend(due),
            Err(e @ (Error::Contribution(_) | Error::Validation(_))) => skipped.push(Skipped {
                agreement_id: agreement.id.clone(),
                member_id: agreement.header.member_id.clone(),
                reason: skip_reason(&e),
            }),
            Err(e) => return Err(e),
        }
    }
    proposals.sort_by(|a, b| a.order().cmp(&b.order()));
    Ok((proposals, skipped))
}

/// Why an agreement is left out of a run, in Swedish: the fields at fault by name (such as
/// `accounts.NOK`), so that whoever runs it knows what to complete.
fn skip_reason(e: &Error) -> String {
    match e {
        Error::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.invalid.message(Language::Sv)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.detail(Language::Sv),
    }
}

/// Everything [`decide`] needs of an agreement: its member, and for each fee year of the
/// run with something due, the plan, the year's contribution, the names of its lines,
/// what was billed of it, and the contributions through the end of each due variable
/// period. A year that cannot be read ends the list with its error.
fn gather(
    conn: &mut DbConnection,
    org: &str,
    contributions: &mut Contributions,
    agreement: &Agreement,
    req: &RunRequest,
    billed: &BilledPeriods,
) -> Result<AgreementInputs, Error> {
    let member = contributions
        .member(conn, org, &agreement.header.member_id)?
        .clone();
    let window = RunWindow {
        from: req.from,
        to: req.to,
    };
    let mut years = Vec::new();
    for year in window.fee_years() {
        if !agreement.reaches_into(year) {
            continue;
        }
        match gather_year(conn, org, contributions, agreement, year, &window, billed) {
            Ok(None) => {}
            Ok(Some(inputs)) => {
                let failed = inputs.variable.last().is_some_and(Result::is_err);
                years.push(Ok(inputs));
                if failed {
                    break;
                }
            }
            Err(e) => {
                years.push(Err(e));
                break;
            }
        }
    }
    Ok(AgreementInputs { member, years })
}

/// One fee year's inputs, or `None` when the plan makes nothing of it due in the run.
fn gather_year(
    conn: &mut DbConnection,
    org: &str,
    contributions: &mut Contributions,
    agreement: &Agreement,
    year: i32,
    window: &RunWindow,
    billed: &BilledPeriods,
) -> Result<Option<YearInputs>, Error> {
    let (plan, has_variable) = contributions.billing_of(conn, org, &agreement.id, year)?;
    let due = due_in(&plan, has_variable, year, agreement, window, billed);
    if due.is_empty() {
        return Ok(None);
    }
    let whole_year = contributions.through(conn, org, &agreement.id, year, None)?;
    let terms = stored_terms(&whole_year.version)?;
    let prices = contributions.price_list(conn, org, year)?.to_vec();
    let names = LineNames::new(&terms, prices, |model| {
        contributions.model_name(conn, org, model)
    })?;
    let billed_lines = store::billed_lines(conn, &agreement.id, year)?;
    let mut variable = Vec::new();
    for through in due.iter().filter_map(|d| d.variable).map(|v| v.through) {
        let read = contributions.through(conn, org, &agreement.id, year, Some(through));
        let failed = read.is_err();
        variable.push(read);
        if failed {
            break;
        }
    }
    Ok(Some(YearInputs {
        year,
        plan,
        due,
        whole_year,
        names,
        billed_lines,
        variable,
    }))
}
