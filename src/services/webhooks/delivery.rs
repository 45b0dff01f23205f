//! The delivery worker: claims due deliveries under a lease, posts each signed, and records
//! every attempt. It runs on its own thread (diesel and the blocking HTTP client both
//! block) inside `serve`, beside the email outbox worker, and stops with the server.
//!
//! A 2xx is delivered. Anything else — another status, a timeout, a connection that fails —
//! is tried again after a backoff, until the last allowed attempt, after which the delivery
//! is failed (a replay starts a new series). Several processes on one PostgreSQL share the
//! work: a claim locks with `FOR UPDATE SKIP LOCKED` and holds the delivery for a lease, so
//! no two post it while the lease holds.

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use reqwest::blocking::Client;

use crate::error::Error;
use crate::services::background::{Handle, Stop};
use crate::storage::webhooks::{self as store, Claimed, Outcome};
use crate::storage::{self, Pool, now};
use crate::webhooks::{WebhookSettings, sign};

pub struct Worker {
    pool: Pool,
    settings: WebhookSettings,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
}

impl Worker {
    pub fn new(pool: Pool, settings: WebhookSettings) -> Self {
        Self { pool, settings }
    }

    /// The HTTP client. Made on the thread that uses it: the blocking client runs a
    /// runtime of its own, which may not be made or dropped inside the server's.
    pub fn client(&self) -> reqwest::Result<Client> {
        Client::builder()
            .timeout(self.settings.timeout)
            .connect_timeout(self.settings.timeout)
            .user_agent(concat!("avtal/", env!("CARGO_PKG_VERSION")))
            // A receiver's redirect is its answer, not a new address to post the event to.
            .redirect(reqwest::redirect::Policy::none())
            .build()
    }

    /// Runs the worker on a thread of its own until the handle is stopped or dropped;
    /// fails when the thread cannot make its HTTP client.
    pub fn spawn(self) -> anyhow::Result<Handle> {
        let stop = Stop::default();
        let own = stop.clone();
        let (ready, made) = std::sync::mpsc::channel();
        let thread =
            std::thread::Builder::new()
                .name("webhooks".into())
                .spawn(move || match self.client() {
                    Ok(client) => {
                        let _ = ready.send(Ok(()));
                        self.run(&client, &own);
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                })?;
        made.recv()
            .map_err(|_| anyhow::anyhow!("the webhook worker did not start"))?
            .map_err(|e| anyhow::anyhow!("the webhook worker's HTTP client: {e}"))?;
        Ok(Handle::new(stop, thread))
    }

    /// Posts until asked to stop: passes back to back while there is work, otherwise a
    /// wait of the poll interval.
    pub fn run(&self, client: &Client, stop: &Stop) {
        while !stop.is_stopped() {
            match self.pass(client) {
                Ok(p) if p.claimed > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook pass failed"),
            }
            if stop.wait(self.settings.poll) {
                break;
            }
        }
    }

    /// Claims up to `max_in_flight` due deliveries, posts them at the same time, and
    /// records each attempt.
    pub fn pass(&self, client: &Client) -> Result<Pass, Error> {
        let mut conn = self.pool.get().map_err(crate::storage::Error::from)?;
        let at = now();
        if !store::any_due(&mut conn, at)? {
            return Ok(Pass::default());
        }
        let lease = TimeDelta::from_std(self.settings.lease()).unwrap_or(TimeDelta::minutes(5));
        let limit = i64::try_from(self.settings.max_in_flight.max(1)).unwrap_or(1);
        let claimed = storage::write(&mut conn, |c| store::claim(c, at, at + lease, limit))?;
        let mut pass = Pass {
            claimed: claimed.len(),
            ..Pass::default()
        };
        if claimed.is_empty() {
            return Ok(pass);
        }
        // No connection is held while the network does its part.
        drop(conn);
        let outcomes: Vec<(Claimed, Outcome)> = std::thread::scope(|s| {
            let running: Vec<_> = claimed
                .into_iter()
                .map(|c| {
                    s.spawn(move || {
                        let outcome = self.post(client, &c);
                        (c, outcome)
                    })
                })
                .collect();
            running.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let mut conn = self.pool.get().map_err(crate::storage::Error::from)?;
        for (c, outcome) in outcomes {
            let d = &c.delivery;
            let give_up = d.attempts >= self.settings.max_attempts;
            let retry_at = now() + delay(self.settings.retry_base, d.attempts);
            let status = storage::write(&mut conn, |db| {
                store::record(db, d, &outcome, give_up, retry_at)
            })?;
            match status {
                Some(store::DELIVERED) => {
                    pass.delivered += 1;
                    tracing::info!(delivery = %d.id, event = %d.event_type, "webhook delivered");
                }
                Some(store::FAILED) => {
                    pass.failed += 1;
                    tracing::warn!(delivery = %d.id, attempts = d.attempts, error = ?outcome.error, status = ?outcome.status_code, "webhook failed");
                }
                Some(_) => {
                    pass.retried += 1;
                    tracing::info!(delivery = %d.id, attempts = d.attempts, "webhook delayed");
                }
                None => {}
            }
        }
        Ok(pass)
    }

    /// One attempt: the body as queued, signed with the endpoint's secret now.
    fn post(&self, client: &Client, c: &Claimed) -> Outcome {
        let d = &c.delivery;
        let attempted_at = now();
        let timestamp = chrono::Utc::now().timestamp();
        let started = Instant::now();
        let elapsed =
            |started: Instant| i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let Some(signature) = sign(&c.secret, &d.id, timestamp, &d.payload) else {
            return Outcome {
                attempted_at,
                status_code: None,
                error: Some("the endpoint's secret cannot sign".into()),
                duration_ms: 0,
                delivered: false,
            };
        };
        let sent = client
            .post(&c.url)
            .header("webhook-id", &d.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(d.payload.clone())
            .send()
            // The body is read so that a receiver that answers slowly is timed whole.
            .and_then(|r| {
                let status = r.status();
                r.bytes().map(|_| status)
            });
        let duration_ms = elapsed(started);
        match sent {
            Ok(status) => Outcome {
                attempted_at,
                status_code: Some(i32::from(status.as_u16())),
                error: None,
                duration_ms,
                delivered: status.is_success(),
            },
            Err(e) => Outcome {
                attempted_at,
                status_code: e.status().map(|s| i32::from(s.as_u16())),
                error: Some(describe(&e, self.settings.timeout)),
                duration_ms,
                delivered: false,
            },
        }
    }
}

/// An error as a receiver's operator reads it: a timeout says how long was waited, a
/// failed connection says so, with the cause.
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = format!("{cause}: {s}");
        source = s.source();
    }
    if e.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if e.is_connect() {
        format!("connection failed: {cause}")
    } else {
        cause
    }
}

/// The wait before the next attempt: the schedule's, plus up to a quarter of it again at
/// random, so that deliveries that failed together do not all come back at once.
fn delay(base: Duration, attempts: i32) -> TimeDelta {
    let d = crate::domain::webhooks::retry_delay(base, attempts);
    let jitter_ms = u64::try_from(d.as_millis() / 4).unwrap_or(0);
    let jitter = Duration::from_millis(rand::random_range(0..=jitter_ms));
    TimeDelta::from_std(d + jitter).unwrap_or(TimeDelta::hours(6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_is_the_schedule_with_a_little_jitter() {
        let base = Duration::from_secs(10);
        for attempts in 1..=5 {
            let d = delay(base, attempts).num_milliseconds();
            let plain = 10_000 * 2i64.pow(u32::try_from(attempts - 1).unwrap());
            assert!(d >= plain && d <= plain + plain / 4, "{attempts}: {d}");
        }
    }
}
