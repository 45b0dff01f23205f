//! What one avtal process tells the others on the same PostgreSQL database: a token was
//! revoked (forget what you cached), a message was queued (the outbox has work). Sent with
//! `NOTIFY` in the transaction that causes it, so it arrives only if that commits, and
//! heard by one listening connection per process.
//!
//! SQLite serves one process, which needs no telling: nothing is sent, nobody listens.

use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::storage::Error;
use crate::storage::{DatabaseUrl, DbConnection};

/// What a listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A token was revoked by some process.
    TokenRevoked,
    /// A message was queued or put back in the queue.
    OutboxQueued,
    /// A webhook delivery was queued or replayed.
    WebhookQueued,
    /// The listener (re)connected: what was sent before is lost, so act as if every kind
    /// had arrived.
    Listening,
    /// The listener lost its connection: until it is back, nothing sent is heard.
    Deaf,
}

const TOKENS: &str = "avtal_tokens";
const OUTBOX: &str = "avtal_outbox";
const WEBHOOKS: &str = "avtal_webhooks";

impl Signal {
    fn channel(self) -> Option<&'static str> {
        match self {
            Signal::TokenRevoked => Some(TOKENS),
            Signal::OutboxQueued => Some(OUTBOX),
            Signal::WebhookQueued => Some(WEBHOOKS),
            Signal::Listening | Signal::Deaf => None,
        }
    }

    fn of(channel: &str) -> Option<Signal> {
        match channel {
            TOKENS => Some(Signal::TokenRevoked),
            OUTBOX => Some(Signal::OutboxQueued),
            WEBHOOKS => Some(Signal::WebhookQueued),
            _ => None,
        }
    }
}

/// Tells the other processes, when the caller's transaction commits. PostgreSQL folds the
/// same signal sent many times in one transaction into one.
pub fn send(conn: &mut DbConnection, signal: Signal) -> Result<(), Error> {
    if let (DbConnection::Postgresql(c), Some(channel)) = (conn, signal.channel()) {
        diesel::sql_query(format!("NOTIFY {channel}")).execute(c)?;
    }
    Ok(())
}

/// Stops a listener, and wakes it from its wait.
#[derive(Clone, Default)]
pub struct Stop(std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>);

impl Stop {
    pub fn stop(&self) {
        let (flag, cvar) = &*self.0;
        if let Ok(mut stopped) = flag.lock() {
            *stopped = true;
        }
        cvar.notify_all();
    }

    /// Waits up to `d`; `true` when asked to stop.
    fn wait(&self, d: Duration) -> bool {
        let (flag, cvar) = &*self.0;
        match flag.lock() {
            Ok(guard) => cvar
                .wait_timeout_while(guard, d, |stopped| !*stopped)
                .map(|(s, _)| *s)
                .unwrap_or(true),
            Err(_) => true,
        }
    }
}

/// The listening thread; it stops when the handle is dropped.
pub struct Listener {
    stop: Stop,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How often the listener reads what arrived: a notification costs no round trip, it is
/// already in the socket's buffer.
const POLL: Duration = Duration::from_millis(50);
/// How often it asks the server whether the connection still stands.
const PROBE: Duration = Duration::from_secs(5);
/// How long it waits before connecting again.
const RECONNECT: Duration = Duration::from_secs(1);

impl Listener {
    /// Listens on PostgreSQL on a connection of its own (a pooled one goes back to the
    /// pool and would stop listening), calling `on` for every signal. `None` for SQLite.
    pub fn spawn(
        url: &DatabaseUrl,
        on: impl Fn(Signal) + Send + 'static,
    ) -> anyhow::Result<Option<Listener>> {
        let DatabaseUrl::Postgres(url) = url else {
            return Ok(None);
        };
        let url = url.clone();
        let stop = Stop::default();
        let own = stop.clone();
        let thread = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || listen(&url, &own, &on))?;
        Ok(Some(Listener {
            stop,
            thread: Some(thread),
        }))
    }
}

fn listen(url: &str, stop: &Stop, on: &dyn Fn(Signal)) {
    loop {
        match connect(url) {
            Ok(mut conn) => {
                on(Signal::Listening);
                match hear(&mut conn, stop, on) {
                    Ok(()) => return,
                    Err(e) => {
                        on(Signal::Deaf);
                        tracing::warn!(error = %e, "listening for other instances failed");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other instances"),
        }
        if stop.wait(RECONNECT) {
            return;
        }
    }
}

fn connect(url: &str) -> anyhow::Result<PgConnection> {
    let mut conn = PgConnection::establish(url)?;
    for channel in [TOKENS, OUTBOX, WEBHOOKS] {
        diesel::sql_query(format!("LISTEN {channel}")).execute(&mut conn)?;
    }
    Ok(conn)
}

/// Passes on what arrives until asked to stop (`Ok`) or the connection fails (`Err`).
fn hear(conn: &mut PgConnection, stop: &Stop, on: &dyn Fn(Signal)) -> anyhow::Result<()> {
    let mut probed = Instant::now();
    loop {
        for n in conn.notifications_iter() {
            if let Some(signal) = Signal::of(&n?.channel) {
                on(signal);
            }
        }
        if probed.elapsed() >= PROBE {
            // A server that went away without closing the socket is only noticed by asking.
            diesel::sql_query("SELECT 1").execute(conn)?;
            probed = Instant::now();
        }
        if stop.wait(POLL) {
            return Ok(());
        }
    }
}
