//! The outbox worker: claims due messages, sends at most N at a time, and records each
//! outcome. It runs on its own thread (diesel and lettre's SMTP client both block), inside
//! the server or as `avtal outbox run`.
//!
//! A message is marked sent only after the server accepted it. A worker that dies between
//! the two leaves the message `sending`; when its lease runs out another worker sends it
//! again with the same Message-ID. That is the one case of a duplicate, and no message is
//! ever lost.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::email::{EmailSettings, Mailer, SendError};
use crate::error::Error;
use crate::storage::outbox::{self, OutboxRow};
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
    fn wait(&self, d: Duration) -> bool {
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
    from: Mailbox,
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

impl Worker {
    pub fn new(pool: Pool, settings: EmailSettings) -> anyhow::Result<Self> {
        let mailer = Mailer::new(&settings)?;
        let from = settings.from_mailbox()?;
        Ok(Self {
            pool,
            mailer,
            settings,
            from,
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
        let mut messages = Vec::with_capacity(claimed.len());
        for row in claimed {
            let built = self.message(&mut conn, &row);
            messages.push((row, built));
        }
        drop(conn);
        let outcomes: Vec<(OutboxRow, Result<(), SendError>)> = std::thread::scope(|s| {
            let running: Vec<_> = messages
                .into_iter()
                .map(|(row, built)| {
                    s.spawn(move || {
                        let outcome = built.and_then(|m| self.mailer.send(&m));
                        (row, outcome)
                    })
                })
                .collect();
            running.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let mut conn = self.pool.get()?;
        for (row, outcome) in outcomes {
            match outcome {
                Ok(()) => {
                    outbox::mark_sent(&mut conn, &row.id)?;
                    pass.sent += 1;
                    tracing::info!(message = %row.message_id, kind = %row.kind, "email sent");
                }
                Err(SendError::Permanent(reply)) => {
                    outbox::mark_failed(&mut conn, &row.id, &reply)?;
                    pass.failed += 1;
                    tracing::warn!(message = %row.message_id, %reply, "email refused");
                }
                Err(SendError::Temporary(reason)) if row.attempts >= self.settings.max_attempts => {
                    let note = format!("{reason} (gave up after {} attempts)", row.attempts);
                    outbox::mark_failed(&mut conn, &row.id, &note)?;
                    pass.failed += 1;
                    tracing::warn!(message = %row.message_id, %reason, "email given up");
                }
                Err(SendError::Temporary(reason)) => {
                    let next = now() + backoff(self.settings.retry_base, row.attempts);
                    outbox::mark_retry(&mut conn, &row.id, next, &reason)?;
                    pass.retried += 1;
                    tracing::info!(message = %row.message_id, %reason, attempts = row.attempts, "email delayed");
                }
            }
        }
        Ok(pass)
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
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        let recipients = row.recipients();
        if recipients.is_empty() {
            return Err(SendError::Permanent("no recipients".into()));
        }
        for r in &recipients {
            let mailbox: Mailbox = r.parse().map_err(|e| permanent(r, &e))?;
            builder = builder.to(mailbox);
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
