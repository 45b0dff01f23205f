//! Webhook endpoints, their deliveries (an outbox of events, like `outbox` for email) and
//! every attempt.
//!
//! A claim sets a delivery to `sending`, counts the attempt and moves `next_attempt_at` to
//! the end of a lease. A delivery whose lease ran out while `sending` is due again: its
//! worker died between posting and recording, and posting again with the same
//! `webhook-id` (which receivers use to drop duplicates) is better than losing the event.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::storage::Error;
use crate::storage::schema::webhook_attempts::dsl as a;
use crate::storage::schema::webhook_deliveries::dsl as d;
use crate::storage::schema::webhook_endpoints::dsl as e;
use crate::storage::signals::{self, Signal};
use crate::storage::{DbConnection, now};

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::storage::schema::webhook_endpoints)]
#[diesel(treat_none_as_null = true)]
pub struct EndpointRow {
    pub id: String,
    pub organisation_id: String,
    pub url: String,
    pub description: Option<String>,
    /// A JSON array of event types.
    pub events: String,
    pub secret: String,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl EndpointRow {
    pub fn events(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::storage::schema::webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub organisation_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::storage::schema::webhook_attempts)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub number: i32,
    pub series: i32,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

pub fn insert_endpoint(conn: &mut DbConnection, row: &EndpointRow) -> Result<(), Error> {
    diesel::insert_into(e::webhook_endpoints)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update_endpoint(conn: &mut DbConnection, row: &EndpointRow) -> Result<(), Error> {
    diesel::update(e::webhook_endpoints.filter(e::id.eq(&row.id)))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// Removes an endpoint with its deliveries and their attempts.
pub fn delete_endpoint(conn: &mut DbConnection, org: &str, id: &str) -> Result<(), Error> {
    let deliveries = d::webhook_deliveries
        .filter(d::endpoint_id.eq(id))
        .select(d::id);
    diesel::delete(a::webhook_attempts.filter(a::delivery_id.eq_any(deliveries))).execute(conn)?;
    diesel::delete(d::webhook_deliveries.filter(d::endpoint_id.eq(id))).execute(conn)?;
    diesel::delete(
        e::webhook_endpoints
            .filter(e::organisation_id.eq(org))
            .filter(e::id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn endpoint(conn: &mut DbConnection, org: &str, id: &str) -> Result<EndpointRow, Error> {
    e::webhook_endpoints
        .filter(e::organisation_id.eq(org))
        .filter(e::id.eq(id))
        .select(EndpointRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("webhook"))
}

/// An organisation's endpoints, oldest first.
pub fn endpoints(conn: &mut DbConnection, org: &str) -> Result<Vec<EndpointRow>, Error> {
    Ok(e::webhook_endpoints
        .filter(e::organisation_id.eq(org))
        .order((e::created_at.asc(), e::id.asc()))
        .select(EndpointRow::as_select())
        .load(conn)?)
}

/// The organisation's enabled endpoints; the caller picks those that want an event.
pub fn enabled_endpoints(conn: &mut DbConnection, org: &str) -> Result<Vec<EndpointRow>, Error> {
    Ok(e::webhook_endpoints
        .filter(e::organisation_id.eq(org))
        .filter(e::enabled.eq(true))
        .order((e::created_at.asc(), e::id.asc()))
        .select(EndpointRow::as_select())
        .load(conn)?)
}

/// Queues deliveries, and tells the workers of other processes when this commits.
pub fn queue(conn: &mut DbConnection, rows: &[DeliveryRow]) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    on_backend!(conn, |c| diesel::insert_into(d::webhook_deliveries)
        .values(rows)
        .execute(c)?);
    signals::send(conn, Signal::WebhookQueued)
}

/// An endpoint's deliveries, newest first.
pub fn deliveries(conn: &mut DbConnection, endpoint_id: &str) -> Result<Vec<DeliveryRow>, Error> {
    Ok(d::webhook_deliveries
        .filter(d::endpoint_id.eq(endpoint_id))
        .order((d::created_at.desc(), d::id.desc()))
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

pub fn delivery(
    conn: &mut DbConnection,
    endpoint_id: &str,
    id: &str,
) -> Result<DeliveryRow, Error> {
    d::webhook_deliveries
        .filter(d::endpoint_id.eq(endpoint_id))
        .filter(d::id.eq(id))
        .select(DeliveryRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("delivery"))
}

/// The attempts of the deliveries `ids`, in order, read in chunks that stay under either
/// backend's limit of bound parameters.
pub fn attempts(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<AttemptRow>, Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            a::webhook_attempts
                .filter(a::delivery_id.eq_any(chunk))
                .order((a::delivery_id.asc(), a::number.asc()))
                .select(AttemptRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Whether any delivery is due: a plain read, so that an idle worker does not take the
/// write lock (SQLite) every time it looks.
pub fn any_due(conn: &mut DbConnection, at: NaiveDateTime) -> Result<bool, Error> {
    Ok(!due_in_queue!(d::webhook_deliveries, d, at)
        .limit(1)
        .load::<String>(conn)?
        .is_empty())
}

/// A claimed delivery with what posting it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` due deliveries until `lease_until` (see `lease_due!`), with what
/// posting them needs.
pub fn claim(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, Error> {
    let ids = lease_due!(conn, d::webhook_deliveries, d, at, lease_until, limit);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(DeliveryRow, String, String)> = d::webhook_deliveries
        .inner_join(e::webhook_endpoints)
        .filter(d::id.eq_any(&ids))
        .order((d::created_at.asc(), d::id.asc()))
        .select((DeliveryRow::as_select(), e::url, e::secret))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, url, secret)| Claimed {
            delivery,
            url,
            secret,
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    /// Delivered (a 2xx).
    pub delivered: bool,
}

/// Records an attempt of a claimed delivery, in one transaction (call inside
/// `storage::write`), and says what the delivery became: delivered, failed when
/// `give_up`, else pending again at `retry_at`. `None` when the delivery is gone (its
/// endpoint was deleted) or someone replayed it meanwhile.
pub fn record(
    conn: &mut DbConnection,
    claimed: &DeliveryRow,
    outcome: &Outcome,
    give_up: bool,
    retry_at: NaiveDateTime,
) -> Result<Option<&'static str>, Error> {
    let earlier: Vec<(i32, i32)> = a::webhook_attempts
        .filter(a::delivery_id.eq(&claimed.id))
        .select((a::number, a::series))
        .load(conn)?;
    let last_number = earlier.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let last_series = earlier.iter().map(|(_, s)| *s).max().unwrap_or(0);
    // The first attempt of a series (the first ever, or after a replay) opens a new one.
    let series = if claimed.attempts <= 1 {
        last_series + 1
    } else {
        last_series.max(1)
    };
    let status = if outcome.delivered {
        DELIVERED
    } else if give_up {
        FAILED
    } else {
        PENDING
    };
    let n = diesel::update(
        d::webhook_deliveries
            .filter(d::id.eq(&claimed.id))
            .filter(d::status.eq(SENDING))
            .filter(d::attempts.eq(claimed.attempts)),
    )
    .set((
        d::status.eq(status),
        d::next_attempt_at.eq(retry_at),
        d::last_error.eq(if outcome.delivered {
            None
        } else {
            outcome.error.clone().or_else(|| {
                outcome
                    .status_code
                    .map(|c| format!("the receiver answered {c}"))
            })
        }),
        d::delivered_at.eq(outcome.delivered.then_some(outcome.attempted_at)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    diesel::insert_into(a::webhook_attempts)
        .values(&AttemptRow {
            delivery_id: claimed.id.clone(),
            number: last_number + 1,
            series,
            attempted_at: outcome.attempted_at,
            status_code: outcome.status_code,
            error: outcome.error.clone(),
            duration_ms: outcome.duration_ms,
        })
        .execute(conn)?;
    Ok(Some(status))
}

/// Queues a delivery again as a new series of attempts (same id, same body). An attempt
/// under way meanwhile is not recorded: the replay's series replaces it.
pub fn replay(conn: &mut DbConnection, endpoint_id: &str, id: &str) -> Result<(), Error> {
    let n = diesel::update(
        d::webhook_deliveries
            .filter(d::endpoint_id.eq(endpoint_id))
            .filter(d::id.eq(id)),
    )
    .set((
        d::status.eq(PENDING),
        d::attempts.eq(0),
        d::next_attempt_at.eq(now()),
        d::last_error.eq(None::<String>),
        d::delivered_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(Error::NotFound("delivery"));
    }
    signals::send(conn, Signal::WebhookQueued)
}

/// Whether a reminder listed the invoice before (the one being written is not yet).
pub fn reminded_before(conn: &mut DbConnection, invoice_id: &str) -> Result<bool, Error> {
    use crate::storage::schema::reminder_items::dsl as ri;
    Ok(!ri::reminder_items
        .filter(ri::invoice_id.eq(invoice_id))
        .select(ri::reminder_id)
        .limit(1)
        .load::<String>(conn)?
        .is_empty())
}
