//! Work that runs beside the server on a thread of its own (the email outbox, webhook
//! deliveries): how it is stopped or woken, and how long it waits before trying again.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::TimeDelta;

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
    /// The handle of a worker thread that `stop` stops; the outbox and the webhook deliveries have one each.
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
}
