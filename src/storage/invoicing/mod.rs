//! Invoices and credit notes, their numbering, the periods they billed, payments and where
//! their money went, idempotency keys, reminders and the audit trail — one file each.
//!
//! Only drafts are updated or deleted (`issued_at IS NULL` is part of every such statement);
//! everything issued, paid or recorded is only ever inserted.

mod allocations;
mod audit;
mod events;
mod idempotency;
mod invoices;
mod numbering;
mod periods;
mod reminders;
mod runs;
mod settings;

pub use allocations::*;
pub use audit::*;
pub use events::*;
pub use idempotency::*;
pub use invoices::*;
pub use numbering::*;
pub use periods::*;
pub use reminders::*;
pub use runs::*;
pub use settings::*;
