//! How far a long piece of work has come, for whoever watches it: a bar on a terminal,
//! lines in a log. Under the HTTP API nobody watches (the run resource tells instead).

/// Told the size of the work once, and then how much of it is done. The work calls it
/// from the thread it runs on, between its steps, never inside a step.
pub trait Progress {
    /// `total` steps of `what` (a plural noun, e.g. "kommuner") lie ahead.
    fn start(&self, _what: &str, _total: u64) {}
    /// `done` of the steps are done so far.
    fn reached(&self, _done: u64) {}
    /// The work has ended, whether or not every step was done.
    fn finish(&self) {}
}

/// Nobody watches.
pub struct Unwatched;

impl Progress for Unwatched {}
