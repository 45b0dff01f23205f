//! Invoice runs: a run's proposals issued in batches, each batch in one transaction, under
//! a lease that lets an interrupted run be resumed.

use chrono::NaiveDate;
use rayon::prelude::*;

use super::book::Book;
use super::drafts::{DraftInput, draft_row};
use super::issuer::Issuer;
use super::issuing::{Numbered, finish, number};
use super::proposal::{Proposal, RunRequest};
use super::propose::{Skipped, propose, propose_among};
use super::reading::{Listed, with_lines};
use super::settings::settings_of;
use crate::domain::Invalid;
use crate::error::Error;
use crate::pdf::Renderer;
use crate::services::mail::Composer;
use crate::services::progress::{Progress, Unwatched};
use crate::storage::invoicing::{self as store, InvoiceRow, RunRow};
use crate::storage::{self, DbConnection, new_id, now};

/// The outcome of issuing a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub run: RunRow,
    pub issued: Vec<InvoiceRow>,
    /// Proposals another run issued first (their periods were claimed meanwhile).
    pub already_billed: Vec<String>,
    pub skipped: Vec<Skipped>,
}

/// How many invoices of a run share one transaction: enough to keep every core rendering,
/// few enough that the write lock is held for tens of milliseconds only.
const RUN_BATCH: usize = 32;

/// How long a run's lease lasts unless renewed. Every batch renews it, so it runs out
/// only when its process died or hangs; the run can then be resumed elsewhere.
const RUN_LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Issues a run. Its invoices are issued in batches, each batch in one transaction: every
/// invoice in a savepoint that claims the periods it bills and takes its number (in the
/// run's order, so the numbers follow the members' names), then the batch's PDFs are
/// rendered on every core and stored with the rest. An interrupted run has issued whole
/// batches only; running it again (or the same period in a new run) issues the rest and
/// never bills a period twice.
///
/// The process issuing a run holds its lease (see [`store::claim_run`]), so that a resume
/// sent to any process while it works is refused, and gives it back when the run ends.
pub fn issue_run(
    conn: &mut DbConnection,
    renderer: &Renderer,
    org: &str,
    req: &RunRequest,
    resume: Option<&str>,
    actor: &str,
) -> Result<RunOutcome, Error> {
    issue_run_watched(conn, renderer, org, req, resume, actor, &Unwatched)
}

/// [`issue_run`], telling `progress` how many of the run's agreements are issued.
pub fn issue_run_watched(
    conn: &mut DbConnection,
    renderer: &Renderer,
    org: &str,
    req: &RunRequest,
    resume: Option<&str>,
    actor: &str,
    progress: &dyn Progress,
) -> Result<RunOutcome, Error> {
    if resume.is_none() && req.to < req.from {
        // Checked before the run is recorded: a run that cannot start leaves no trace.
        return Err(Error::field("to", Invalid::Mismatch { other: "from" }));
    }
    let at = now();
    let run = match resume {
        Some(id) => {
            crate::storage::write(conn, |c| store::claim_run(c, org, id, at, at + RUN_LEASE))?
        }
        None => {
            let run = RunRow {
                id: new_id(),
                organisation_id: org.to_owned(),
                period_start: req.from,
                period_end: req.to,
                created_by: actor.to_owned(),
                created_at: at,
                lease_until: Some(at + RUN_LEASE),
                finished_at: None,
            };
            crate::storage::write(conn, |c| store::insert_run(c, &run))?;
            run
        }
    };
    let req = RunRequest {
        from: run.period_start,
        to: run.period_end,
        invoice_date: req.invoice_date,
    };
    let id = run.id.clone();
    let outcome = issue_batches(conn, renderer, org, &req, run, actor, progress);
    progress.finish();
    // Given back whatever happened, so that an interrupted run can be resumed at once.
    if let Err(e) = crate::storage::write(conn, |c| store::end_run(c, &id, outcome.is_ok())) {
        tracing::warn!(run = %id, error = %e, "the run's lease was not given back");
    }
    outcome
}

/// The body of [`issue_run`] once the run is recorded: any failure names the run, whose
/// finished batches stand.
fn issue_batches(
    conn: &mut DbConnection,
    renderer: &Renderer,
    org: &str,
    req: &RunRequest,
    run: RunRow,
    actor: &str,
    progress: &dyn Progress,
) -> Result<RunOutcome, Error> {
    let interrupted = |cause: Error| Error::RunInterrupted {
        run: run.id.clone(),
        cause: Box::new(cause),
    };
    let (proposals, skipped) = propose(conn, org, req).map_err(interrupted)?;
    let mut issuer = Issuer::new(conn, renderer, org).map_err(interrupted)?;
    let mut issued = Vec::new();
    let mut already_billed = Vec::new();
    progress.start("fakturaunderlag", proposals.len() as u64);
    for (i, batch) in proposals.chunks(RUN_BATCH).enumerate() {
        let rows = crate::storage::write(conn, |c| {
            // One batch of an organisation's runs at a time, in whatever process: a batch
            // claims periods and then waits for the number series, and two batches that
            // did so in opposite orders would deadlock. The numbers take turns anyway.
            store::lock_runs(c, org, "invoices")?;
            store::renew_run(c, &run.id, now() + RUN_LEASE)?;
            let mut numbered = Vec::with_capacity(batch.len());
            for p in batch {
                match number_in_savepoint(c, &mut issuer, &run.id, p, actor) {
                    Ok(n) => numbered.extend(n),
                    // Another run billed some of it after it was proposed: what is left of
                    // the same period, from what is billed now (which the lock holds still).
                    Err(Error::Conflict { .. }) => match propose_again(c, org, req, p)? {
                        Some(rest) => {
                            match number_in_savepoint(c, &mut issuer, &run.id, &rest, actor) {
                                Ok(n) => numbered.extend(n),
                                Err(Error::Conflict { .. }) => {
                                    already_billed.push(p.agreement_id.clone());
                                }
                                Err(e) => return Err(e),
                            }
                        }
                        None => already_billed.push(p.agreement_id.clone()),
                    },
                    Err(e) => return Err(e),
                }
            }
            let pdfs = numbered
                .par_iter()
                .map(|n| issuer.render(&n.context, n.kind))
                .collect::<Result<Vec<Vec<u8>>, Error>>()?;
            numbered
                .into_iter()
                .zip(pdfs)
                .map(|(n, pdf)| finish(c, &issuer, n, &pdf, actor))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(interrupted)?;
        issued.extend(rows);
        progress.reached((i * RUN_BATCH + batch.len()) as u64);
    }
    Ok(RunOutcome {
        run,
        issued,
        already_billed,
        skipped,
    })
}

/// [`number_proposal`] in a savepoint, so that a conflict takes back its drafts alone.
fn number_in_savepoint(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    run: &str,
    p: &Proposal,
    actor: &str,
) -> Result<Vec<Numbered>, Error> {
    storage::savepoint(conn, |c| number_proposal(c, issuer, run, p, actor))
}

/// The proposal for `p`'s agreement and period made again from what is billed now; `None`
/// when nothing of it is left to bill.
fn propose_again(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
    p: &Proposal,
) -> Result<Option<Proposal>, Error> {
    let (fresh, _) = propose_among(conn, org, req, Some(&p.agreement_id))?;
    Ok(fresh.into_iter().find(|f| f.period() == p.period()))
}

/// A run's proposal as drafts, the first of which claims the periods they bill, each with
/// its number. A period another run claimed meanwhile is a conflict.
fn number_proposal(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    run: &str,
    p: &Proposal,
    actor: &str,
) -> Result<Vec<Numbered>, Error> {
    let org = issuer.organisation.id.clone();
    let mut ids = Vec::with_capacity(p.invoices.len());
    for invoice in &p.invoices {
        let id = new_id();
        let input = DraftInput {
            member_id: p.member_id.clone(),
            agreement_id: Some(p.agreement_id.clone()),
            language: Some(invoice.language),
            period_start: invoice.period_start,
            period_end: invoice.period_end,
            buyer_reference: invoice.buyer_reference.clone(),
            our_reference: invoice.our_reference.clone(),
            lines: invoice.lines.clone(),
        };
        let row = draft_row(conn, &org, &id, &input, actor, Some(run))?;
        store::insert_invoice(conn, &row, &store::line_rows(&id, &invoice.lines))?;
        ids.push((id, invoice.date));
    }
    let (first, _) = ids
        .first()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("a proposal without invoices")))?;
    for (part, start) in &p.claims {
        if !store::claim_period(conn, &p.agreement_id, part, *start, first)? {
            return Err(Error::Conflict { field: None });
        }
    }
    ids.iter()
        .map(|(id, date)| number(conn, issuer, id, *date, None))
        .collect()
}

/// What issuing a run for the API did: the run, its issued invoices as listed, and, when
/// the organisation sends on issue, the members left without email for want of an invoice
/// recipient.
pub struct RunIssued {
    pub run: RunRow,
    pub invoices: Listed,
    pub already_billed: Vec<String>,
    pub skipped: Vec<Skipped>,
    pub without_recipient: Vec<String>,
}

/// Issues (or resumes) a run and, when the organisation sends on issue, queues its emails —
/// after the run's own transactions: a crash in between leaves the invoices unsent, and
/// resuming the run (or …/send) queues them, each once.
#[allow(clippy::too_many_arguments)]
pub fn issue_run_and_send(
    conn: &mut DbConnection,
    renderer: &Renderer,
    composer: &Composer,
    org: &str,
    req: &RunRequest,
    resume: Option<&str>,
    today: NaiveDate,
    actor: &str,
    progress: &dyn Progress,
) -> Result<RunIssued, Error> {
    let out = issue_run_watched(conn, renderer, org, req, resume, actor, progress)?;
    let settings = settings_of(conn, org)?;
    let without_recipient = if settings.send_on_issue {
        let run_id = &out.run.id;
        crate::storage::write(conn, |c| {
            crate::services::mail::send_invoice_run(c, composer, org, run_id, today, actor)
        })?
        .without_recipient
        .into_iter()
        .map(|m| m.member_id)
        .collect()
    } else {
        Vec::new()
    };
    let book = Book::load(conn, org)?;
    Ok(RunIssued {
        invoices: with_lines(conn, out.issued, book)?,
        run: out.run,
        already_billed: out.already_billed,
        skipped: out.skipped,
        without_recipient,
    })
}

/// An invoice run as listed: how many invoices it issued so far and whether it is running,
/// finished or interrupted.
pub struct RunSummary {
    pub run: RunRow,
    pub issued: i64,
    pub status: &'static str,
}

/// An organisation's invoice runs, newest first: what a person looks at to find a run to
/// resume.
pub fn run_summaries(conn: &mut DbConnection, org: &str) -> Result<Vec<RunSummary>, Error> {
    let runs = store::runs(conn, org)?;
    let at = now();
    Ok(runs
        .into_iter()
        .map(|(run, issued)| RunSummary {
            status: run.status(at),
            run,
            issued,
        })
        .collect())
}
