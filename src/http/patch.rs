//! Changes by JSON merge patch (RFC 7396): the body that would create a record, written out
//! from the record as it stands, patched, then read and parsed like any new body.
//!
//! A handler hands the service the [`edit`] a patch makes; the service applies it to the
//! record it loads, in the same transaction as its write, and so decides and records the
//! change as it would any other.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::http::extract::from_value;
use crate::http::{merge_patch, to_value};

/// A request body that a merge patch edits.
pub trait Patchable: Serialize + DeserializeOwned {
    /// What is stored, which the body is written out from.
    type Record;
    /// What the body parses into: what the service writes.
    type Input;

    /// The body that would create `record` as it stands.
    fn of(record: &Self::Record) -> Self;

    /// The body checked and parsed, every bad field named.
    fn parse(self) -> Result<Self::Input, Error>;
}

/// The change `patch` makes to a record: what the record becomes, given the record as it
/// stands, or the request's errors.
pub fn edit<B: Patchable>(
    patch: serde_json::Value,
) -> impl FnOnce(&B::Record) -> Result<B::Input, Error> {
    move |record| {
        let mut body = to_value(&B::of(record))?;
        merge_patch(&mut body, &patch);
        from_value::<B>(body)?.parse()
    }
}
