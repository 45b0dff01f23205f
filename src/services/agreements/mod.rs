//! Agreements: their terms as the API sends them and the database keeps them, the checks of
//! those terms against the organisation's data, the lifecycle use cases, and the
//! contribution an agreement owes for a fee year.

mod contributions;
mod lifecycle;
mod terms;
mod versions;

pub use crate::services::fee_models::fee_year;
pub use crate::storage::agreements::{
    AgreementFilter, EventRecord, NewUsage, UsageRecord, VersionRecord,
};
pub use contributions::{
    Contribution, Contributions, LineSource, Ordered, contribution, ordered_for_year,
};
pub use lifecycle::{
    AgreementRecord, HeaderInput, change_status, create, create_and_read, delete, list, patch,
    read, replace_terms, update,
};
pub use terms::{
    Billing, BillingSpec, ConversionSpec, FixedSpec, FixedTerm, Terms, TermsSpec, VariableSpec,
    VariableTerm, resolve_terms, stored_terms,
};
pub use versions::{add_version, record_usage, usage, version, versions};

use crate::domain::FieldError;
use crate::error::Error;
use crate::services::audit::{Change, Entity};

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
