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

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};

use crate::domain::Email;
use crate::email::{EmailSettings, Mailer, SendError, Verdict};
use crate::error::Error;
use crate::storage::outbox::{self, Delivery, OutboxRow, Outcome};
use crate::storage::{self, Pool, documents, now};

/// Asks a worker to stop, or to look for work now rather than at its next poll.
#[derive(Clone, Default)]
pub struct Stop(Arc<(Mutex<State>, Condvar)>);

#[derive(Default)]
struct State {
    stopped: bool,
    /// Work arrived since the worker last looked.
    woken: bool,
}

impl Stop {
    pub fn stop(&self) {
        let (state, cvar) = &*self.0;
        if let Ok(mut s) = state.lock() {
            s.stopped = true;
        }
        cvar.notify_all();
    }

    pub fn is_stopped(&self) -> bool {
        self.0.0.lock().map(|s| s.stopped).unwrap_or(true)
    }

    /// A message was queued (by any process): the worker looks now. A wake during a pass
    /// is kept, so the pass after it does not wait.
    pub fn wake(&self) {
        let (state, cvar) = &*self.0;
        if let Ok(mut s) = state.lock() {
            s.woken = true;
        }
        cvar.notify_all();
    }

    /// Waits up to `d`, less when woken; `true` when asked to stop.
    pub fn wait(&self, d: Duration) -> bool {
        let (state, cvar) = &*self.0;
        match state.lock() {
            Ok(guard) => cvar
                .wait_timeout_while(guard, d, |s| !s.stopped && !s.woken)
                .map(|(mut s, _)| {
                    s.woken = false;
                    s.stopped
                })
                .unwrap_or(true),
            Err(_) => true,
        }
    }
}

/// A worker stops when its handle is dropped, e.g. with the server that spawned it.
pub struct Handle {
    stop: Stop,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// The handle of a worker thread that `stop` stops; the webhook worker has one too.
    pub fn new(stop: Stop, thread: std::thread::JoinHandle<()>) -> Self {
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// What wakes the worker when a message is queued.
    pub fn waker(&self) -> Stop {
        self.stop.clone()
    }

    /// Stops the worker and waits until the messages under way are recorded.
    pub fn stop(mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

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
        Ok(Handle {
            stop,
            thread: Some(thread),
        })
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

    /// Runs passes until no message is due; for `avtal outbox run --once`.
    pub fn drain(&self) -> Result<Pass, Error> {
        let mut total = Pass::default();
        loop {
            let p = self.pass()?;
            if p.claimed == 0 {
                return Ok(total);
            }
            total.claimed += p.claimed;
            total.sent += p.sent;
            total.retried += p.retried;
            total.partly_failed += p.partly_failed;
            total.failed += p.failed;
        }
    }

    /// Claims up to `max_in_flight` due messages, sends them at the same time, and records
    /// each outcome.
    pub fn pass(&self) -> Result<Pass, Error> {
        let mut conn = self.pool.get()?;
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
        let mut conn = self.pool.get()?;
        for (row, outcomes) in outcomes {
            let retry_at = now() + backoff(self.settings.retry_base, row.attempts);
            let status = storage::write(&mut conn, |c| {
                let status = outbox::record(c, &row.id, &outcomes, retry_at)?;
                if matches!(status, outbox::FAILED | outbox::PARTLY_FAILED) {
                    crate::services::webhooks::message_failed(c, &row, status)?;
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
        conn: &mut storage::DbConnection,
        org: &str,
    ) -> Result<(Mailbox, Option<Mailbox>), SendError> {
        let organisation = storage::organisations::get(conn, org)
            .map_err(|e| SendError::Temporary(format!("reading the organisation: {e}")))?
            .ok_or_else(|| SendError::Permanent("the organisation is gone".into()))?;
        let senders = organisation.details.senders(self.sender.as_ref());
        let mailbox = |m: crate::domain::mail_sender::Mailbox| {
            m.email
                .as_str()
                .parse::<Address>()
                .map(|a| Mailbox::new(m.name, a))
                .map_err(|e| SendError::Permanent(format!("{}: {e}", m.email.as_str())))
        };
        Ok((
            mailbox(senders.from)?,
            senders.reply_to.map(mailbox).transpose()?,
        ))
    }

    /// The message as sent: headers, both bodies, and the attachment. A message that cannot
    /// be built (an address the parser refuses) fails permanently.
    fn message(
        &self,
        conn: &mut storage::DbConnection,
        row: &OutboxRow,
    ) -> Result<Message, SendError> {
        let permanent =
            |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
        let mailbox = |name: &Option<String>, address: &str| {
            address
                .parse::<Address>()
                .map(|a| Mailbox::new(name.clone(), a))
                .map_err(|e| permanent(address, &e))
        };
        let (from, reply_to) = match &row.from_address {
            Some(address) => (
                mailbox(&row.from_name, address)?,
                match &row.reply_to_address {
                    Some(r) => Some(mailbox(&row.reply_to_name, r)?),
                    None => None,
                },
            ),
            // Written before messages stored their senders: the organisation's as they
            // stand now, so that none goes out from a placeholder sender either.
            None => self.senders_now(conn, &row.organisation_id)?,
        };
        let mut builder = Message::builder()
            .from(from)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        if let Some(reply_to) = reply_to {
            builder = builder.reply_to(reply_to);
        }
        // The To header names everyone the message is for, also those who had it before;
        // an address lettre cannot take is left out of it (and fails on its own).
        let mut named = 0;
        for r in row.recipients() {
            if let Ok(m) = r.parse::<Mailbox>() {
                builder = builder.to(m);
                named += 1;
            }
        }
        if named == 0 {
            return Err(SendError::Permanent("no recipients".into()));
        }
        let text = SinglePart::plain(row.body_text.clone());
        let body = match &row.body_html {
            Some(html) => MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::html(html.clone())),
            None => MultiPart::mixed().singlepart(text),
        };
        let mut attachments = Vec::new();
        let read_error =
            |what: &str, e: Error| SendError::Temporary(format!("reading {what}: {e}"));
        match (&row.document_id, &row.attachment_content) {
            (Some(doc), _) => {
                let bytes = documents::content(conn, &row.organisation_id, doc)
                    .map_err(|e| read_error(doc, e))?;
                let name = row
                    .attachment_name
                    .clone()
                    .unwrap_or_else(|| format!("{doc}.pdf"));
                // An invoice travels with its e-invoice (Peppol BIS Billing 3.0), for buyers
                // who book it from the XML.
                if row.kind == "invoice"
                    && let Some(xml_id) = outbox::einvoice_of(conn, &row.organisation_id, doc)
                        .map_err(|e| read_error(doc, e))?
                {
                    let xml = documents::einvoice_content(conn, &row.organisation_id, &xml_id)
                        .map_err(|e| read_error(&xml_id, e))?;
                    let xml_name = match name.strip_suffix(".pdf") {
                        Some(stem) => format!("{stem}.xml"),
                        None => format!("{name}.xml"),
                    };
                    attachments.push(Attachment::new(name).body(bytes, pdf()));
                    attachments.push(Attachment::new(xml_name).body(xml, xml_type()));
                } else {
                    attachments.push(Attachment::new(name).body(bytes, pdf()));
                }
            }
            (None, Some(bytes)) => {
                let name = row
                    .attachment_name
                    .clone()
                    .unwrap_or_else(|| "bilaga".to_owned());
                let kind = ContentType::parse(media_type(&name)).unwrap_or(ContentType::TEXT_PLAIN);
                attachments.push(Attachment::new(name).body(bytes.clone(), kind));
            }
            (None, None) => {}
        }
        let built = if attachments.is_empty() {
            builder.multipart(body)
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for a in attachments {
                mixed = mixed.singlepart(a);
            }
            builder.multipart(mixed)
        };
        built.map_err(|e| permanent("building the message", &e))
    }
}

fn pdf() -> ContentType {
    ContentType::parse("application/pdf").unwrap_or(ContentType::TEXT_PLAIN)
}

fn xml_type() -> ContentType {
    ContentType::parse("application/xml").unwrap_or(ContentType::TEXT_PLAIN)
}

/// The media type of an attachment, by its name.
pub fn media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("txt") => "text/plain; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

/// Exponential back-off: `base` after the first attempt, doubling with each further one
/// (capped at six hours), plus up to half of it again at random, so that messages that
/// failed together do not all come back at the same moment.
pub fn backoff(base: Duration, attempts: i32) -> TimeDelta {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    let delay = base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(6 * 3600));
    let jitter_ms = u64::try_from(delay.as_millis() / 2).unwrap_or(0);
    let jitter = Duration::from_millis(rand::random_range(0..=jitter_ms));
    TimeDelta::from_std(delay + jitter).unwrap_or(TimeDelta::hours(6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_cuts_the_wait_short_and_is_not_lost() {
        let stop = Stop::default();
        let started = std::time::Instant::now();
        stop.wake();
        assert!(!stop.wait(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
        let woken = stop.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            woken.wake();
        });
        assert!(!stop.wait(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
        stop.stop();
        assert!(stop.wait(Duration::from_secs(10)));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let base = Duration::from_secs(10);
        for attempts in 1..=4 {
            let d = backoff(base, attempts).num_milliseconds();
            let plain = 10_000 * 2i64.pow(u32::try_from(attempts - 1).unwrap());
            assert!(d >= plain && d <= plain + plain / 2, "{attempts}: {d}");
        }
        assert!(backoff(base, 100) <= TimeDelta::hours(9));
    }

    #[test]
    fn attachments_get_their_media_type() {
        assert_eq!(media_type("Program 2027.PDF"), "application/pdf");
        assert_eq!(media_type("okänt"), "application/octet-stream");
    }
}
