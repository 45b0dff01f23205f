//! Newsletters to the members' contacts, each remembered by its content: sending the same
//! mailing again mails nobody twice, and a resend reaches only the members whose message
//! failed (and of those only the recipients it failed for), unless everyone is asked for.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::email::templates::{self, MessageKind};
use crate::error::Error;
use crate::services::mail::{
    BulkReport, Composer, Draft, Missing, Queued, common, enqueue, organisation, recipients, wanted,
};
use crate::storage::mailings as store;
pub use crate::storage::mailings::{MailingMessage, MailingRow};
use crate::storage::members::{self, MemberFilter};
use crate::storage::outbox::{self, FAILED, OutboxRow, PARTLY_FAILED, PENDING};
use crate::storage::{self, DbConnection, new_id, now};

/// A newsletter, parsed.
#[derive(Debug, Clone)]
pub struct Mailing {
    pub subject: String,
    pub text: String,
    /// HTML of the sender's; the plain text, escaped, when not given.
    pub html: Option<String>,
    pub attachment: Option<(String, Vec<u8>)>,
}

impl Mailing {
    /// SHA-256 over everything the mailing says, each part length-prefixed so that no two
    /// different mailings share it.
    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        let mut part = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_be_bytes());
            hash.update(bytes);
        };
        part(self.subject.as_bytes());
        part(self.text.as_bytes());
        part(self.html.as_deref().unwrap_or_default().as_bytes());
        match &self.attachment {
            Some((name, bytes)) => {
                part(name.as_bytes());
                part(bytes);
            }
            None => part(b""),
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What sending a mailing did.
#[derive(Debug, Clone)]
pub struct Sent {
    pub mailing: MailingRow,
    /// The same mailing was sent before: nothing was written now.
    pub already_sent: bool,
    pub report: BulkReport,
}

/// A newsletter to the contacts flagged for newsletters at every member that is not
/// archived: one message per member, in the member's language. The same content sent
/// again writes nothing and names the mailing it was.
pub fn send(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    mailing: &Mailing,
    actor: &str,
) -> Result<Sent, Error> {
    let row = match claim(conn, org, mailing, actor)? {
        Claim::New(row) => row,
        Claim::Sent(existing) => {
            return Ok(Sent {
                mailing: existing,
                already_sent: true,
                report: BulkReport::default(),
            });
        }
    };
    let organisation = organisation(conn, org)?;
    let page = members::list(
        conn,
        org,
        &MemberFilter {
            limit: 100_000,
            ..MemberFilter::default()
        },
    )?;
    let html = mailing
        .html
        .clone()
        .unwrap_or_else(|| format!("<p>{}</p>", templates::escape_html(&mailing.text)));
    let mut report = BulkReport::default();
    for member in page.members {
        let to = recipients(conn, org, &member, MessageKind::Newsletter)?;
        if to.is_empty() {
            report.without_recipient.push(Missing {
                member_id: member.id.clone(),
                member_name: member.details.name.clone(),
                document_id: None,
                recipient: wanted(MessageKind::Newsletter),
            });
            continue;
        }
        let mut values = common(&organisation, &member);
        values.insert("mailing.subject", mailing.subject.clone());
        values.insert("mailing.text", mailing.text.clone());
        values.insert("mailing.html", html.clone());
        let draft = Draft {
            kind: MessageKind::Newsletter,
            member: &member,
            document_id: None,
            attachment: mailing.attachment.clone(),
            attachment_name: None,
            language: member.details.language,
            values,
        };
        let queued = enqueue(conn, composer, &organisation, draft, to, actor)?;
        store::link(conn, &row.id, &queued.message.summary.id, &member.id)?;
        report.queued.push(queued);
    }
    Ok(Sent {
        mailing: row,
        already_sent: false,
        report,
    })
}

/// A mailing written now, or the same mailing sent before.
enum Claim {
    New(MailingRow),
    Sent(MailingRow),
}

/// Writes the mailing unless the same one was sent: by this request's fingerprint, also
/// when another process sends it at the same moment.
fn claim(
    conn: &mut DbConnection,
    org: &str,
    mailing: &Mailing,
    actor: &str,
) -> Result<Claim, Error> {
    let fingerprint = mailing.fingerprint();
    if let Some(existing) = store::by_fingerprint(conn, org, &fingerprint)? {
        return Ok(Claim::Sent(existing));
    }
    let row = MailingRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        fingerprint,
        subject: mailing.subject.clone(),
        created_by: actor.to_owned(),
        created_at: now(),
    };
    // In a savepoint: the same mailing sent at the same moment through another process
    // waits on the fingerprint's index and then finds the mailing that won.
    match storage::savepoint(conn, |c| store::insert(c, &row)) {
        Ok(()) => Ok(Claim::New(row)),
        Err(crate::storage::Error::Conflict { .. })
            if let Some(existing) = store::by_fingerprint(conn, org, &row.fingerprint)? =>
        {
            Ok(Claim::Sent(existing))
        }
        Err(e) => Err(e.into()),
    }
}

/// Each member's latest message of a mailing.
fn latest(messages: Vec<MailingMessage>) -> BTreeMap<String, MailingMessage> {
    messages
        .into_iter()
        .map(|m| (m.member_id.clone(), m))
        .collect()
}

/// Sends a mailing again: to the members whose latest message failed for some or all of
/// its recipients (those messages go back to the queue, for the recipients that did not
/// get them), or, with `everyone`, a new message to every member it went to.
pub fn resend(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    id: &str,
    everyone: bool,
    actor: &str,
) -> Result<BulkReport, Error> {
    let mailing = store::get(conn, org, id)?;
    let mut report = BulkReport::default();
    for (member, message) in latest(store::messages(conn, &mailing.id)?) {
        if everyone {
            let original = outbox::full(conn, org, &message.outbox_id)?;
            let at = now();
            let message_id = match original.from_address.as_deref() {
                Some(from) => composer.message_id_in(from.rsplit_once('@').map_or("", |(_, d)| d)),
                None => composer.message_id(),
            };
            let copy = OutboxRow {
                id: new_id(),
                message_id,
                status: PENDING.to_owned(),
                attempts: 0,
                next_attempt_at: at,
                last_error: None,
                created_by: actor.to_owned(),
                created_at: at,
                sent_at: None,
                ..original
            };
            outbox::enqueue(conn, &copy)?;
            store::link(conn, &mailing.id, &copy.id, &member)?;
            report.queued.push(Queued {
                message: outbox::message(conn, org, &copy.id)?,
                created: true,
            });
        } else if (message.status == FAILED || message.status == PARTLY_FAILED)
            && outbox::retry(conn, org, &message.outbox_id)?
        {
            report.queued.push(Queued {
                message: outbox::message(conn, org, &message.outbox_id)?,
                created: true,
            });
        }
    }
    Ok(report)
}

/// A mailing and how each member's latest message stands.
pub fn status(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<(MailingRow, Vec<MailingMessage>), Error> {
    let mailing = store::get(conn, org, id)?;
    let messages = latest(store::messages(conn, &mailing.id)?)
        .into_values()
        .collect();
    Ok((mailing, messages))
}

/// The organisation's mailings, newest first, each with its members' latest messages.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(MailingRow, Vec<MailingMessage>)>, Error> {
    store::list(conn, org)?
        .into_iter()
        .map(|m| {
            let messages = latest(store::messages(conn, &m.id)?)
                .into_values()
                .collect();
            Ok((m, messages))
        })
        .collect()
}
