//! Invoices and credit notes: drafts, issuing with gapless numbers and payment references,
//! credit notes, invoice runs over the organisation's agreements, and the book every
//! balance and status is derived from — one file per concept.

mod audit_trail;
mod book;
mod credit_notes;
mod drafts;
mod events;
mod gaps;
mod issuer;
mod issuing;
mod proposal;
mod propose;
mod reading;
mod runs;
mod settings;

pub use audit_trail::*;
pub use book::*;
pub use credit_notes::*;
pub use drafts::*;
pub use events::*;
pub use gaps::*;
pub use issuer::*;
pub use issuing::*;
pub use proposal::*;
pub use propose::*;
pub use reading::*;
pub use runs::*;
pub use settings::*;

use crate::services::audit::{Change, Entity};

fn change<'a>(
    org: &'a str,
    entity: Entity,
    id: &'a str,
    action: &'a str,
    actor: &'a str,
) -> Change<'a> {
    Change {
        org,
        entity,
        entity_id: id,
        action,
        actor,
    }
}
