//! The outbox worker: claims due messages, sends at most N at a time, and records each
//! outcome. It runs on its own thread (diesel and lettre's SMTP client both block), inside
//! the server or as `avtal outbox run`.
//!
//! A recipient is marked delivered only after the server accepted the message for it. A
//! worker that dies between the two leaves the message `sending`; when its lease runs out
//! another worker sends it again with the same Message-ID to the recipients not recorded
//! as delivered. That is the one case of a duplicate, and no message is ever lost.
//!
//! The server answers each recipient on its own: one it refuses (550) fails alone, the
//! others get the message, and a later attempt goes only to those still pending.

use chrono::TimeDelta;
use lettre::message::Mailbox;
use lettre::{Address, Message};

use crate::domain::Email;
use crate::email::message::{self, Attached, Outgoing};
use crate::email::{EmailSettings, Mailer, SendError, Verdict};
use crate::error::Error;
use crate::services::background::{Handle, Stop, backoff};
use crate::services::progress::Progress;
use crate::storage::outbox::{self, Delivery, OutboxRow, Outcome};
use crate::storage::{self, DbConnection, Pool, documents, now};

pub struct Worker {
    pool: Pool,
    mailer: Mailer,
    settings: EmailSettings,
    /// The deployment's own sender; see [`EmailSettings::sender`].
    sender: Option<Email>,
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    /// Failed for some recipients, delivered to the others.
    pub partly_failed: usize,
    pub failed: usize,
}

impl Worker {
    pub fn new(pool: Pool, settings: EmailSettings) -> anyhow::Result<Self> {
        let mailer = Mailer::new(&settings)?;
        let sender = settings.sender();
        Ok(Self {
            pool,
            mailer,
            settings,
            sender,
        })
    }

    /// Runs the worker on a thread of its own until the handle is stopped or dropped.
    pub fn spawn(self) -> anyhow::Result<Handle> {
        let stop = Stop::default();
        let own = stop.clone();
        let thread = std::thread::Builder::new()
            .name("outbox".into())
            .spawn(move || self.run(&own))?;
        Ok(Handle::new(stop, thread))
    }

    /// Sends until asked to stop: passes back to back while there is work, otherwise a
    /// wait of the poll interval.
    pub fn run(&self, stop: &Stop) {
        while !stop.is_stopped() {
            match self.pass() {
                Ok(p) if p.claimed > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
            }
            if stop.wait(self.settings.poll) {
                break;
            }
        }
    }

    /// Runs passes until no message is due; for `avtal outbox run --once`. Tells
    /// `progress` how many of the messages due at the start have been tried.
    pub fn drain(&self, progress: &dyn Progress) -> Result<Pass, Error> {
        let due = {
            let mut conn = self.pool.get().map_err(crate::storage::Error::from)?;
            u64::try_from(outbox::due_count(&mut conn, now())?).unwrap_or(0)
        };
        progress.start("meddelanden", due);
        let mut total = Pass::default();
        let drained = loop {
            let p = match self.pass() {
                Ok(p) => p,
                Err(e) => break Err(e),
            };
            if p.claimed == 0 {
                break Ok(total);
            }
            total.claimed += p.claimed;
            total.sent += p.sent;
            total.retried += p.retried;
            total.partly_failed += p.partly_failed;
            total.failed += p.failed;
            // Messages queued meanwhile are sent too; the count stops at the total.
            progress.reached(u64::try_from(total.claimed).unwrap_or(0).min(due));
        };
        progress.finish();
        drained
    }

    /// Claims up to `max_in_flight` due messages, sends them at the same time, and records
    /// each outcome.
    pub fn pass(&self) -> Result<Pass, Error> {
        let mut conn = self.pool.get().map_err(crate::storage::Error::from)?;
        let at = now();
        let lease = TimeDelta::from_std(self.settings.lease).unwrap_or(TimeDelta::minutes(5));
        let limit = i64::try_from(self.settings.max_in_flight.max(1)).unwrap_or(1);
        if !outbox::any_due(&mut conn, at)? {
            return Ok(Pass::default());
        }
        let claimed = storage::write(&mut conn, |c| outbox::claim(c, at, at + lease, limit))?;
        let mut pass = Pass {
            claimed: claimed.len(),
            ..Pass::default()
        };
        if claimed.is_empty() {
            return Ok(pass);
        }
        // Build every message first (reading attachments), then let go of the database
        // while the network does its part.
        let mut jobs = Vec::with_capacity(claimed.len());
        for row in claimed {
            let pending: Vec<Delivery> = outbox::deliveries(&mut conn, &row.id)?
                .into_iter()
                .filter(|d| d.status == outbox::PENDING)
                .collect();
            let built = self.message(&mut conn, &row);
            jobs.push((row, pending, built));
        }
        drop(conn);
        let outcomes: Vec<(OutboxRow, Vec<(i32, Outcome)>)> = std::thread::scope(|s| {
            let running: Vec<_> = jobs
                .into_iter()
                .map(|(row, pending, built)| {
                    s.spawn(move || {
                        let outcomes = self.attempt(&row, &pending, built);
                        (row, outcomes)
                    })
                })
                .collect();
            running.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let mut conn = self.pool.get().map_err(crate::storage::Error::from)?;
        for (row, outcomes) in outcomes {
            let retry_at = now() + backoff(self.settings.retry_base, row.attempts);
            let status = storage::write(&mut conn, |c| {
                let status = outbox::record(c, &row.id, &outcomes, retry_at)?;
                if matches!(status, outbox::FAILED | outbox::PARTLY_FAILED) {
                    super::webhooks::message_failed(c, &row, status)?;
                }
                Ok::<_, Error>(status)
            })?;
            let refused: Vec<&str> = outcomes
                .iter()
                .filter_map(|(_, o)| match o {
                    Outcome::Failed(reply) => Some(reply.as_str()),
                    _ => None,
                })
                .collect();
            match status {
                outbox::SENT => {
                    pass.sent += 1;
                    tracing::info!(message = %row.message_id, kind = %row.kind, "email sent");
                }
                outbox::PENDING => {
                    pass.retried += 1;
                    tracing::info!(message = %row.message_id, attempts = row.attempts, "email delayed");
                }
                outbox::PARTLY_FAILED => {
                    pass.partly_failed += 1;
                    tracing::warn!(message = %row.message_id, ?refused, "email refused for some recipients");
                }
                _ => {
                    pass.failed += 1;
                    tracing::warn!(message = %row.message_id, ?refused, "email refused");
                }
            }
        }
        Ok(pass)
    }

    /// Sends one message to its pending recipients and says what became of each. A
    /// temporary failure after the last allowed attempt is given up.
    fn attempt(
        &self,
        row: &OutboxRow,
        pending: &[Delivery],
        built: Result<Message, SendError>,
    ) -> Vec<(i32, Outcome)> {
        let outcome = |v: Verdict| match v {
            Ok(()) => Outcome::Delivered,
            Err(SendError::Permanent(reply)) => Outcome::Failed(reply),
            Err(SendError::Temporary(reason)) if row.attempts >= self.settings.max_attempts => {
                Outcome::Failed(format!(
                    "{reason} (gave up after {} attempts)",
                    row.attempts
                ))
            }
            Err(SendError::Temporary(reason)) => Outcome::Deferred(reason),
        };
        let message = match built {
            Ok(m) => m,
            Err(e) => {
                return pending
                    .iter()
                    .map(|d| (d.position, outcome(Err(e.clone()))))
                    .collect();
            }
        };
        let mut outcomes = Vec::with_capacity(pending.len());
        let (mut to, mut positions) = (Vec::new(), Vec::new());
        for d in pending {
            match d.address.parse::<Address>() {
                Ok(a) => {
                    to.push(a);
                    positions.push(d.position);
                }
                // An address lettre cannot take fails alone.
                Err(e) => {
                    outcomes.push((d.position, Outcome::Failed(format!("{}: {e}", d.address))))
                }
            }
        }
        let verdicts = self.mailer.send_to(&message, &to);
        outcomes.extend(
            positions
                .into_iter()
                .zip(verdicts)
                .map(|(p, v)| (p, outcome(v))),
        );
        outcomes
    }

    /// The organisation's From and Reply-To as its settings make them today.
    fn senders_now(
        &self,
        conn: &mut DbConnection,
        org: &str,
    ) -> Result<(Mailbox, Option<Mailbox>), SendError> {
        let organisation = storage::organisations::get(conn, org)
            .map_err(|e| SendError::Temporary(format!("reading the organisation: {e}")))?
            .ok_or_else(|| SendError::Permanent("the organisation is gone".into()))?;
        let senders = organisation.details.senders(self.sender.as_ref());
        let mailbox =
            |m: crate::domain::mail_sender::Mailbox| message::mailbox(m.name, m.email.as_str());
        Ok((
            mailbox(senders.from)?,
            senders.reply_to.map(mailbox).transpose()?,
        ))
    }

    /// The message as sent, from its row and the documents it carries. A message that
    /// cannot be built (an address the parser refuses) fails permanently; one whose
    /// attachment cannot be read now is tried again.
    fn message(&self, conn: &mut DbConnection, row: &OutboxRow) -> Result<Message, SendError> {
        let (from, reply_to) = match &row.from_address {
            Some(address) => (
                message::mailbox(row.from_name.clone(), address)?,
                match &row.reply_to_address {
                    Some(r) => Some(message::mailbox(row.reply_to_name.clone(), r)?),
                    None => None,
                },
            ),
            // Written before messages stored their senders: the organisation's as they
            // stand now, so that none goes out from a placeholder sender either.
            None => self.senders_now(conn, &row.organisation_id)?,
        };
        message::build(Outgoing {
            from,
            reply_to,
            subject: row.subject.clone(),
            message_id: row.message_id.clone(),
            recipients: row.recipients(),
            body_text: row.body_text.clone(),
            body_html: row.body_html.clone(),
            attachments: attachments(conn, row)?,
        })
    }
}

/// The files a message carries: its document (an invoice with its e-invoice, for buyers who
/// book it from the XML), or the file attached when it was written.
fn attachments(conn: &mut DbConnection, row: &OutboxRow) -> Result<Vec<Attached>, SendError> {
    let read_error = |what: &str, e: Error| SendError::Temporary(format!("reading {what}: {e}"));
    match (&row.document_id, &row.attachment_content) {
        (Some(doc), _) => {
            let bytes = documents::content(conn, &row.organisation_id, doc)
                .map_err(|e| read_error(doc, e.into()))?;
            let name = row
                .attachment_name
                .clone()
                .unwrap_or_else(|| format!("{doc}.pdf"));
            let mut files = Vec::with_capacity(2);
            // An invoice travels with its e-invoice (Peppol BIS Billing 3.0).
            let einvoice = if row.kind == "invoice" {
                outbox::einvoice_of(conn, &row.organisation_id, doc)
                    .map_err(|e| read_error(doc, e.into()))?
            } else {
                None
            };
            let xml = match einvoice {
                Some(xml_id) => {
                    let xml = documents::einvoice_content(conn, &row.organisation_id, &xml_id)
                        .map_err(|e| read_error(&xml_id, e.into()))?;
                    let xml_name = match name.strip_suffix(".pdf") {
                        Some(stem) => format!("{stem}.xml"),
                        None => format!("{name}.xml"),
                    };
                    Some(Attached {
                        name: xml_name,
                        bytes: xml,
                        media_type: "application/xml",
                    })
                }
                None => None,
            };
            files.push(Attached {
                name,
                bytes,
                media_type: "application/pdf",
            });
            files.extend(xml);
            Ok(files)
        }
        (None, Some(bytes)) => {
            let name = row
                .attachment_name
                .clone()
                .unwrap_or_else(|| "bilaga".to_owned());
            Ok(vec![Attached {
                media_type: message::media_type(&name),
                name,
                bytes: bytes.clone(),
            }])
        }
        (None, None) => Ok(Vec::new()),
    }
}
