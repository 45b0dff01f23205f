//! The messages in the outbox, and sending a failed one again.

use crate::error::{Error, StateConflict};
use crate::storage::DbConnection;
use crate::storage::members;
pub use crate::storage::outbox::Message;
use crate::storage::outbox::{self};

/// A failed or partly failed message back to the queue, its attempts counted anew; it goes
/// to the recipients that failed, never again to one that had it.
pub fn retry(conn: &mut DbConnection, org: &str, id: &str) -> Result<Message, Error> {
    let message = outbox::get(conn, org, id)?;
    if message.status != outbox::FAILED && message.status != outbox::PARTLY_FAILED {
        return Err(Error::State(StateConflict::MessageNotFailed));
    }
    if let Some(doc) = &message.document_id
        && outbox::live_for_document(conn, org, doc)?.is_some_and(|live| live.id != message.id)
    {
        // The document was sent anew after this message failed.
        return Err(Error::State(StateConflict::MessageNotFailed));
    }
    outbox::retry(conn, org, id)?;
    Ok(outbox::message(conn, org, id)?)
}
/// The organisation's messages, newest first, with how each recipient stands.
pub fn messages(
    conn: &mut DbConnection,
    org: &str,
    status: Option<&str>,
    member: Option<&str>,
) -> Result<Vec<Message>, Error> {
    let list = outbox::list(conn, org, status, member)?;
    Ok(outbox::with_deliveries(conn, list)?)
}
/// The messages sent (or to be sent) to one member, newest first.
pub fn member_messages(
    conn: &mut DbConnection,
    org: &str,
    member: &str,
) -> Result<Vec<Message>, Error> {
    members::get(conn, org, member)?;
    messages(conn, org, None, Some(member))
}
