//! Invoicing: settings and reference rates, draft and issued invoices, credit notes, the
//! events an invoice's status follows, invoice runs, and the audit trail. Request bodies
//! and answer views each have their file; the handlers are grouped by what they act on.

mod audit;
mod bodies;
mod drafts;
mod invoice_runs;
mod issuing;
mod listing;
mod settings;
mod views;

pub use audit::*;
pub use bodies::*;
pub use drafts::*;
pub use invoice_runs::*;
pub use issuing::*;
pub use listing::*;
pub use settings::*;
pub use views::*;

use crate::domain::Currency;
use crate::domain::money::Money;

pub(crate) fn money(minor: i64, currency: &str) -> String {
    Money::from_minor(minor, Currency::parse(currency).unwrap_or(Currency::Sek))
        .amount()
        .to_string()
}
