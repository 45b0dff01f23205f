//! Who a kind of message goes to at a member.

use super::*;
use crate::domain::member::Member;
use crate::domain::{FieldError, Invalid};
use crate::email::templates::MessageKind;
use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::members;

/// The addresses a kind of message goes to at a member: offers to the contacts flagged for
/// offers; invoices, credit notes and reminders to the invoice address and the contacts
/// flagged for invoices; newsletters to the contacts flagged for them. Each address once.
pub fn recipients(
    conn: &mut DbConnection,
    org: &str,
    member: &Member,
    kind: MessageKind,
) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |address: &str| {
        if !out.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            out.push(address.to_owned());
        }
    };
    let invoicing = matches!(
        kind,
        MessageKind::Invoice
            | MessageKind::CreditNote
            | MessageKind::Reminder
            | MessageKind::Statement
    );
    if invoicing && let Some(e) = &member.details.invoice_email {
        push(e.as_str());
    }
    for c in members::contacts(conn, org, &member.id)? {
        let flagged = match kind {
            MessageKind::Offer => c.details.mailings.offers,
            MessageKind::Invoice
            | MessageKind::CreditNote
            | MessageKind::Reminder
            | MessageKind::Statement => c.details.mailings.invoices,
            MessageKind::Newsletter => c.details.mailings.newsletters,
        };
        if flagged && let Some(e) = &c.details.email {
            push(e.as_str());
        }
    }
    Ok(out)
}
pub(super) fn no_recipient(kind: MessageKind) -> Error {
    Error::Validation(vec![FieldError {
        field: "recipients".to_owned(),
        invalid: Invalid::NoRecipient {
            wanted: wanted(kind),
        },
    }])
}
