//! Every list takes `limit` and `cursor` and answers with `next_cursor`, the same way.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::domain::{FieldError, Invalid};
use crate::error::Error;
use crate::http::Items;

/// The largest page, and a list's page when `limit` is not given.
pub const MAX_LIMIT: usize = 500;
const CURSOR_EXPECTED: &str = "ett värde från next_cursor";

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    limit: usize,
    offset: usize,
}

/// The paging parameters as documented.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PagingParams {
    /// 1–500, default 500.
    limit: Option<u32>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            limit: MAX_LIMIT,
            offset: 0,
        }
    }
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o{offset}"))
}

fn decode_cursor(cursor: &str) -> Result<usize, Invalid> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix('o').and_then(|n| n.parse().ok()))
        .ok_or(Invalid::Format {
            expected: CURSOR_EXPECTED,
        })
}

impl Paging {
    fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let limit = match limit.map(|l| l.trim().parse::<usize>()) {
            None => MAX_LIMIT,
            Some(Ok(n @ 1..=MAX_LIMIT)) => n,
            Some(_) => {
                errors.push(FieldError {
                    field: "limit".into(),
                    invalid: Invalid::OutOfRange {
                        min: 1,
                        max: MAX_LIMIT as i64,
                    },
                });
                MAX_LIMIT
            }
        };
        let offset = match cursor.map(decode_cursor) {
            None => 0,
            Some(Ok(offset)) => offset,
            Some(Err(invalid)) => {
                errors.push(FieldError {
                    field: "cursor".into(),
                    invalid,
                });
                0
            }
        };
        if errors.is_empty() {
            Ok(Self { limit, offset })
        } else {
            Err(Error::Validation(errors))
        }
    }

    /// The page of `records` (in the list's own stable order), as views.
    pub fn page<T, R: Into<T>>(&self, records: impl IntoIterator<Item = R>) -> Items<T> {
        let mut rest = records.into_iter().skip(self.offset);
        let items: Vec<T> = rest.by_ref().take(self.limit).map(Into::into).collect();
        let next_cursor = rest
            .next()
            .is_some()
            .then(|| encode_cursor(self.offset + items.len()));
        Items { items, next_cursor }
    }
}

/// Splits the query string into the paging parameters and the rest.
fn split(req: &HttpRequest) -> Result<(Paging, String), Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| Error::BadRequest(format!("query string: {e}")))?;
    let (mut limit, mut cursor, mut rest) = (None, None, Vec::new());
    for (name, value) in pairs {
        match name.as_str() {
            "limit" => limit = Some(value),
            "cursor" => cursor = Some(value),
            _ => rest.push((name, value)),
        }
    }
    let paging = Paging::parse(limit.as_deref(), cursor.as_deref())?;
    let rest = serde_urlencoded::to_string(&rest)
        .map_err(|e| Error::BadRequest(format!("query string: {e}")))?;
    Ok((paging, rest))
}

/// A list's query without filters: only `limit` and `cursor`; anything else is refused.
impl FromRequest for Paging {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            ListQuery::<NoFilters>::of(req)
                .map(|ListQuery(_, paging)| paging)
                .map_err(Into::into),
        )
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFilters {}

/// A list's query: its filters `F` (read as `web::Query` reads them, unknown parameters
/// refused by name) and the paging.
pub struct ListQuery<F>(pub web::Query<F>, pub Paging);

impl<F: DeserializeOwned> ListQuery<F> {
    fn of(req: &HttpRequest) -> Result<Self, Error> {
        let (paging, rest) = split(req)?;
        let filters = serde_urlencoded::from_str::<F>(&rest)
            .map_err(|e| crate::http::query_error(&e.to_string()))?;
        Ok(ListQuery(web::Query(filters), paging))
    }
}

impl<F: DeserializeOwned> FromRequest for ListQuery<F> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req).map_err(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_each_other_to_the_end() {
        let first = Paging::parse(Some("2"), None).unwrap();
        let page: Items<u32> = first.page([1u32, 2, 3, 4, 5]);
        assert_eq!(page.items, [1, 2]);
        let next = Paging::parse(Some("2"), page.next_cursor.as_deref()).unwrap();
        let page: Items<u32> = next.page([1u32, 2, 3, 4, 5]);
        assert_eq!(page.items, [3, 4]);
        let last = Paging::parse(Some("2"), page.next_cursor.as_deref()).unwrap();
        let page: Items<u32> = last.page([1u32, 2, 3, 4, 5]);
        assert_eq!((page.items, page.next_cursor), (vec![5], None));
    }

    #[test]
    fn bad_limits_and_cursors_name_themselves() {
        for (limit, cursor, field) in [
            (Some("0"), None, "limit"),
            (Some("501"), None, "limit"),
            (Some("x"), None, "limit"),
            (None, Some("nonsense!"), "cursor"),
        ] {
            match Paging::parse(limit, cursor) {
                Err(Error::Validation(f)) => assert_eq!(f[0].field, field),
                other => panic!("{other:?}"),
            }
        }
    }
}
