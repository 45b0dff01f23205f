//! The audit trail: who changed what, when, and the values before and after. Entries are
//! written in the same transaction as the change they describe, and nothing changes or
//! removes them.

use serde::Serialize;

use crate::error::Error;
use crate::storage::invoicing::{self as store, AuditRow};
use crate::storage::{DbConnection, new_id, now};

/// What kind of record an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Agreement,
    Invoice,
    Payment,
    Reminder,
    Settings,
    ReferenceRate,
    ExchangeRate,
    Inkassosats,
    Member,
    PriceItem,
    IndexSeries,
    FeeModel,
    Webhook,
}

impl Entity {
    pub const NAMES: &'static [&'static str] = &[
        "agreement",
        "invoice",
        "payment",
        "reminder",
        "settings",
        "reference_rate",
        "exchange_rate",
        "inkassosats",
        "member",
        "price_item",
        "index_series",
        "fee_model",
        "webhook",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Agreement => "agreement",
            Entity::Invoice => "invoice",
            Entity::Payment => "payment",
            Entity::Reminder => "reminder",
            Entity::Settings => "settings",
            Entity::ReferenceRate => "reference_rate",
            Entity::ExchangeRate => "exchange_rate",
            Entity::Inkassosats => "inkassosats",
            Entity::Member => "member",
            Entity::PriceItem => "price_item",
            Entity::IndexSeries => "index_series",
            Entity::FeeModel => "fee_model",
            Entity::Webhook => "webhook",
        }
    }
}

/// One change: to what, what was done, and by whom (the token's name).
pub struct Change<'a> {
    pub org: &'a str,
    pub entity: Entity,
    pub entity_id: &'a str,
    pub action: &'a str,
    pub actor: &'a str,
}

impl<'a> Change<'a> {
    pub fn new(
        org: &'a str,
        entity: Entity,
        entity_id: &'a str,
        action: &'a str,
        actor: &'a str,
    ) -> Self {
        Self {
            org,
            entity,
            entity_id,
            action,
            actor,
        }
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.into()))
}

fn row(c: &Change<'_>, old_value: Option<String>, new_value: Option<String>) -> AuditRow {
    AuditRow {
        id: new_id(),
        organisation_id: c.org.to_owned(),
        entity: c.entity.as_str().to_owned(),
        entity_id: c.entity_id.to_owned(),
        action: c.action.to_owned(),
        actor: c.actor.to_owned(),
        occurred_at: now(),
        old_value,
        new_value,
    }
}

fn insert(
    conn: &mut DbConnection,
    c: &Change<'_>,
    old_value: Option<String>,
    new_value: Option<String>,
) -> Result<(), Error> {
    Ok(store::insert_audit(conn, &row(c, old_value, new_value))?)
}

/// The entry [`created`] writes, for a caller that writes many in one statement.
pub fn created_row<A: Serialize>(c: &Change<'_>, after: &A) -> Result<AuditRow, Error> {
    Ok(row(c, None, Some(json(after)?)))
}

pub fn created<A: Serialize>(
    conn: &mut DbConnection,
    c: &Change<'_>,
    after: &A,
) -> Result<(), Error> {
    insert(conn, c, None, Some(json(after)?))
}

pub fn changed<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    c: &Change<'_>,
    before: &B,
    after: &A,
) -> Result<(), Error> {
    insert(conn, c, Some(json(before)?), Some(json(after)?))
}

pub fn removed<B: Serialize>(
    conn: &mut DbConnection,
    c: &Change<'_>,
    before: &B,
) -> Result<(), Error> {
    insert(conn, c, Some(json(before)?), None)
}
