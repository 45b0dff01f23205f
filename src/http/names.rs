//! The schemas of the words the HTTP API spells one way, besides the domain's, and the
//! word lists the handlers parse them with, so the document cannot drift from the code.

use crate::schemas::string_schema;
pub use crate::schemas::*;

string_schema!(/// The roles of an organisation's tokens.
    OrganisationRole => crate::schemas::words(ORGANISATION_ROLES));
string_schema!(/// How a member list is sorted; `-` for descending.
    MemberSort => crate::schemas::words(crate::services::members::MemberSort::NAMES));
string_schema!(/// The kind of an email message.
    MessageKind => crate::schemas::words(crate::email::templates::MessageKind::NAMES));
string_schema!(/// Where an email message is.
    MessageStatus => crate::schemas::words(crate::services::mail::STATUSES));
string_schema!(/// A report's format.
    ReportFormat => crate::schemas::words(crate::services::ledger::Format::NAMES));
string_schema!(/// What the audit trail records changes of.
    AuditEntity => crate::schemas::words(crate::services::audit::Entity::NAMES));
string_schema!(/// What can happen to an issued invoice besides payment.
    InvoiceEvent => crate::schemas::words(INVOICE_EVENTS));
string_schema!(/// Where a payment stands.
    PaymentStatus => crate::schemas::words(PAYMENT_STATUSES));
string_schema!(/// Where a payment was registered from.
    PaymentSource => crate::schemas::words(crate::services::payments::Source::NAMES));
string_schema!(/// The events a webhook endpoint may ask for.
    WebhookEvent => crate::schemas::words(crate::domain::webhooks::EVENTS));
string_schema!(/// Where a webhook delivery stands.
    DeliveryStatus => crate::schemas::words(DELIVERY_STATUSES));
string_schema!(/// The bank files a payment import reads.
    BankFileFormat => crate::schemas::words(BANK_FILE_FORMATS));

/// The roles of an organisation's tokens.
pub const ORGANISATION_ROLES: &[&str] = &["admin", "finance", "viewer"];

/// Where a payment stands.
pub const PAYMENT_STATUSES: &[&str] = &[
    "unmatched",
    "on_account",
    "allocated",
    "reversed",
    "reversal",
];

/// The bank files a payment import reads.
pub const BANK_FILE_FORMATS: &[&str] = &["bgmax", "camt054"];

/// Where a webhook delivery stands.
pub const DELIVERY_STATUSES: &[&str] = &[
    crate::services::webhooks::PENDING,
    crate::services::webhooks::DELIVERED,
    crate::services::webhooks::FAILED,
];

/// What can happen to an issued invoice besides payment.
pub const INVOICE_EVENTS: &[&str] = &["sent", "written_off"];
