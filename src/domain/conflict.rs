//! Requests that are well-formed but meet a record in a state that does not allow them.

use crate::domain::agreement::AgreementStatus;

/// A request that is well-formed but not possible in the record's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateConflict {
    MemberArchived,
    /// Only a draft's terms and details change in place; the status says what it is now.
    AgreementNotDraft(AgreementStatus),
    /// New versions of the terms need an accepted or active agreement.
    AgreementNotInForce(AgreementStatus),
    /// Usage is recorded against an agreement that was concluded.
    AgreementNotConcluded(AgreementStatus),
    /// An issued invoice never changes: corrections are credit notes.
    InvoiceIssued,
    /// Issuing an invoice that was issued already, perhaps by a request a moment earlier.
    AlreadyIssued,
    /// A request with this `Idempotency-Key` is still being answered.
    RequestInFlight,
    /// Crediting, paying or sending needs an issued invoice, not a draft.
    InvoiceNotIssued,
    /// A payment already reversed cannot be reversed or allocated again.
    PaymentReversed,
    /// Only a failed message is sent again by a retry (and only while its document has
    /// no newer message).
    MessageNotFailed,
    /// Another request (in this or another process) is issuing the run now.
    RunUnderWay,
}
