//! Agreements with members: the agreement itself, its lifecycle, the versions of its terms,
//! recorded usage, and the contribution it gives for a fee year.

mod contributions;
mod lifecycle;
mod terms;
mod usage;
mod views;

use actix_web::web;

use crate::domain::Invalid;
use crate::services::agreements as service;

pub use contributions::{
    ContributionQuery, ContributionView, InputView, StatementLineView, StepView, TotalView,
    ValueView, contribution,
};
pub use lifecycle::{create, list, read, remove, replace_terms, transition, update};
pub use terms::{create_version, read_version, versions};
pub use usage::{usage_list, usage_record};
pub use views::{
    AgreementDetail, AgreementHeaderBody, AgreementQuery, AgreementView, EventView,
    NewAgreementBody, NewVersionBody, TransitionBody, UsageBody, UsageQuery, UsageView,
    VersionView,
};

pub(crate) fn parse_year(raw: &str) -> Result<i32, Invalid> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(|y| service::fee_year(y).ok())
        .ok_or(Invalid::OutOfRange {
            min: 2000,
            max: 2100,
        })
}

type OrgPath = web::Path<String>;
type AgreementPath = web::Path<(String, String)>;
