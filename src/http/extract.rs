//! Extractors: a JSON body that reports every failure as a problem, and the caller's token.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::value::StringDeserializer;
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor};

use super::Db;
use crate::domain::{FieldError, Invalid, Role};
use crate::error::{Error, Forbidden};
use crate::services::tokens::Token;

/// Bodies larger than this are refused with 413 (imports accept larger CSV bodies).
pub const BODY_LIMIT: usize = 256 * 1024;
pub const CSV_LIMIT: usize = 4 * 1024 * 1024;

/// Reads the whole body up to `limit` bytes.
pub async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::BytesMut, Error> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| Error::BadRequest(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(crate) fn is_json(req: &HttpRequest) -> bool {
    match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        // A missing content type is read as JSON: curl users forget it.
        None => true,
        Some(ct) => {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

/// Turns serde's message about one field into a field error: unknown fields name themselves,
/// wrong types name the path where they were found.
fn field_error(path: &str, message: &str) -> FieldError {
    // serde_path_to_error ends the path at an unknown field, but at the parent of a missing one.
    let named = |name: &str| {
        if path == "." {
            name.to_owned()
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        return FieldError {
            field: named(name),
            invalid: Invalid::UnknownField,
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        return FieldError {
            field: named(name),
            invalid: Invalid::Required,
        };
    }
    let detail = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    FieldError {
        field: path.to_owned(),
        invalid: Invalid::WrongType { detail },
    }
}

/// Parses JSON text into `T`: bad syntax is a 400, a body of the wrong shape a 422 naming the
/// field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Error::MalformedJson(e.to_string()))?;
    if let Some((field, c)) = control_at(&value, "") {
        // PostgreSQL cannot store NUL and no document can print a control character:
        // refused here, by name, the same on every backend.
        let invalid = if c == '\0' {
            Invalid::NulCharacter
        } else {
            Invalid::ControlCharacter
        };
        return Err(Error::Validation(vec![FieldError { field, invalid }]));
    }
    from_value(value)
}

/// A control character that text may not hold: tab and line breaks are text.
fn forbidden_control(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The path of the first string (or key) in a JSON value that holds a forbidden control
/// character, and the character.
fn control_at(value: &serde_json::Value, path: &str) -> Option<(String, char)> {
    use serde_json::Value;
    match value {
        Value::String(s) => forbidden_control(s).map(|c| (path.to_owned(), c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_at(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match forbidden_control(k) {
                Some(c) => Some((at, c)),
                None => control_at(v, &at),
            }
        }),
        _ => None,
    }
}

/// Reads a JSON value into `T`, naming the field at fault.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    from_value_at(value, "")
}

/// Like [`from_value`] for a value found under `prefix` (e.g. `population.`) in the request.
pub fn from_value_at<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(Strict(value)).map_err(|e| {
        let path = e.path().to_string();
        let mut field = field_error(&path, &e.inner().to_string());
        field.field = format!("{prefix}{}", field.field)
            .trim_end_matches(['.'])
            .to_owned();
        Error::Validation(vec![field])
    })
}

/// A JSON value read as JSON Schema reads it: a struct only from an object. serde's
/// derived structs also take an array of their fields in order, which would let `[null,
/// null]` stand for a body the OpenAPI document says is an object.
struct Strict(serde_json::Value);

impl<'de> serde::Deserializer<'de> for Strict {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            serde_json::Value::Object(map) => visitor.visit_map(Fields {
                entries: map.into_iter(),
                value: None,
            }),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let unexpected = match &self.0 {
            serde_json::Value::Object(_) => return self.deserialize_any(visitor),
            serde_json::Value::Array(_) => Unexpected::Seq,
            serde_json::Value::Null => Unexpected::Unit,
            serde_json::Value::Bool(b) => Unexpected::Bool(*b),
            serde_json::Value::Number(_) => Unexpected::Other("number"),
            serde_json::Value::String(s) => Unexpected::Str(s),
        };
        Err(serde::de::Error::invalid_type(unexpected, &visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map ignored_any
    }

    /// A field or variant is named by text only: serde would also take a variant's number
    /// (`"type": 0` for the first kind of fee model).
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::String(name) => visitor.visit_string(name),
            other => Err(serde::de::Error::invalid_type(
                match &other {
                    serde_json::Value::Number(_) => Unexpected::Other("number"),
                    serde_json::Value::Bool(b) => Unexpected::Bool(*b),
                    _ => Unexpected::Other("not text"),
                },
                &visitor,
            )),
        }
    }
}

/// The items of an array, each read strictly.
struct Items(std::vec::IntoIter<serde_json::Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Strict(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The fields of an object, each value read strictly.
struct Fields {
    entries: serde_json::map::IntoIter,
    value: Option<serde_json::Value>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(StringDeserializer::<serde_json::Error>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| serde::de::Error::custom("a value without its key"))?;
        seed.deserialize(Strict(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// Reads a body that carries a nested part (a member's first population count, an
/// agreement's terms) as two values, so that errors in either name their full path and all
/// of them are reported together. The part is `None` when absent or `null`, which is an
/// error of its own when it is `required`.
pub fn with_part<M, P>(
    mut body: serde_json::Value,
    key: &str,
    required: bool,
    main: impl FnOnce(serde_json::Value) -> Result<M, Error>,
    part: impl FnOnce(serde_json::Value, &str) -> Result<P, Error>,
) -> Result<(M, Option<P>), Error> {
    let nested = body
        .as_object_mut()
        .and_then(|o| o.remove(key))
        .filter(|p| !p.is_null());
    let mut fields = Vec::new();
    let mut collect = |e: Error| match e {
        Error::Validation(f) => {
            fields.extend(f);
            Ok(())
        }
        other => Err(other),
    };
    let main = match main(body) {
        Ok(m) => Some(m),
        Err(e) => {
            collect(e)?;
            None
        }
    };
    let part = match nested.map(|p| part(p, &format!("{key}."))) {
        None if required => {
            fields.push(crate::domain::FieldError {
                field: key.to_owned(),
                invalid: Invalid::Required,
            });
            None
        }
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            collect(e)?;
            None
        }
    };
    match main {
        Some(m) if fields.is_empty() => Ok((m, part)),
        _ => Err(Error::Validation(fields)),
    }
}

/// A JSON request body.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(Error::UnsupportedMediaType);
            }
            let bytes = read_body(&mut payload, BODY_LIMIT).await?;
            parse_json(&bytes).map(Body)
        })
    }
}

/// Who is calling: the live token named by `Authorization: Bearer …`, found by
/// [`authenticate`] before any other part of the request is looked at.
pub struct Caller(pub Token);

impl FromRequest for Caller {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Token>()
                .cloned()
                .map(Caller)
                .ok_or(Error::Unauthorized),
        )
    }
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim().to_owned())
}

/// Resolves the bearer token of every API request; a missing, unknown or revoked token is a
/// 401 before the request's body or parameters are read.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    use crate::services::tokens::{TokenCache, authenticate as lookup, well_formed};
    let db = req.app_data::<web::Data<Db>>().cloned();
    let cache = req.app_data::<web::Data<TokenCache>>().cloned();
    let token = match (bearer(&req).filter(|s| well_formed(s)), db) {
        (Some(secret), Some(db)) => match cache.as_ref().and_then(|c| c.get(&secret)) {
            Some(token) => Ok(Some(token)),
            None => {
                let since = cache.as_ref().map(|c| c.generation());
                let looked_up = {
                    let secret = secret.clone();
                    db.run(move |conn| lookup(conn, &secret)).await
                };
                if let (Ok(Some(token)), Some(cache), Some(since)) = (&looked_up, &cache, since) {
                    cache.insert(&secret, token, since);
                }
                looked_up
            }
        },
        _ => Ok(None),
    };
    match token {
        Ok(Some(token)) => {
            let right = super::access::required(req.method(), req.path());
            if let Some(right) = right.filter(|r| !r.granted(token.role)) {
                let refused = Error::Forbidden(right.refusal(token.role));
                return Ok(req.error_response(refused).map_into_right_body());
            }
            req.extensions_mut().insert(token);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Ok(None) => Ok(req
            .error_response(Error::Unauthorized)
            .map_into_right_body()),
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

impl Caller {
    fn same_org(&self, org: &str) -> bool {
        self.0.organisation_id.as_deref() == Some(org)
    }

    /// Reading the organisation record itself: its own tokens and the operator.
    pub fn read_organisation(&self, org: &str) -> Result<(), Error> {
        if self.0.role == Role::Operator || self.same_org(org) {
            Ok(())
        } else {
            Err(Error::NotFound("organisation"))
        }
    }

    /// Reading an organisation's members and everything under them. Another organisation's
    /// data is not found rather than forbidden, so its existence does not leak.
    pub fn read_members(&self, org: &str) -> Result<(), Error> {
        if self.0.role == Role::Operator {
            return Err(Error::Forbidden(Forbidden::OperatorNoMemberData));
        }
        if !self.same_org(org) {
            return Err(Error::NotFound("organisation"));
        }
        Ok(())
    }

    pub fn write_members(&self, org: &str) -> Result<(), Error> {
        self.read_members(org)?;
        if !self.0.role.can_write() {
            return Err(Error::Forbidden(Forbidden::ReadOnly));
        }
        Ok(())
    }

    /// Changing the organisation and its tokens: the operator or the organisation's admin.
    pub fn administer(&self, org: &str) -> Result<(), Error> {
        self.read_organisation(org)?;
        match self.0.role {
            Role::Operator | Role::Admin => Ok(()),
            Role::Viewer => Err(Error::Forbidden(Forbidden::ReadOnly)),
            Role::Finance => Err(Error::Forbidden(Forbidden::AdminOnly)),
        }
    }

    /// Changing the organisation's settings, templates and logo: its admin.
    pub fn configure(&self, org: &str) -> Result<(), Error> {
        self.read_members(org)?;
        match self.0.role {
            Role::Admin => Ok(()),
            Role::Viewer => Err(Error::Forbidden(Forbidden::ReadOnly)),
            _ => Err(Error::Forbidden(Forbidden::AdminOnly)),
        }
    }

    pub fn operator(&self) -> Result<(), Error> {
        if self.0.role == Role::Operator {
            Ok(())
        } else {
            Err(Error::Forbidden(Forbidden::OperatorOnly))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        city: Option<String>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: Option<String>,
        address: Option<Inner>,
        n: Option<i64>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(tag = "type", rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Kind {
        Flat { amount: String },
        Pool { total: String },
    }

    fn fields(body: &str) -> Vec<(String, &'static str)> {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(Error::Validation(f)) => {
                f.into_iter().map(|f| (f.field, f.invalid.code())).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(
            fields(r#"{"nmae":"x"}"#),
            [("nmae".to_owned(), "unknown_field")]
        );
        assert_eq!(
            fields(r#"{"address":{"town":"x"}}"#),
            [("address.town".to_owned(), "unknown_field")]
        );
        assert_eq!(fields(r#"{"n":"seven"}"#), [("n".to_owned(), "wrong_type")]);
        // An object is an object: not the array of its fields in order, at any depth.
        assert_eq!(fields(r#"["x", null, 1]"#), [("".to_owned(), "wrong_type")]);
        assert_eq!(
            fields(r#"{"address":["Borås"]}"#),
            [("address".to_owned(), "wrong_type")]
        );
        assert!(parse_json::<Outer>(br#"{"name":"x","address":{"city":null},"n":7}"#).is_ok());
        // A kind is named, not numbered.
        assert!(parse_json::<Kind>(br#"{"type":"flat","amount":"1"}"#).is_ok());
        assert!(matches!(
            parse_json::<Kind>(br#"{"type":0,"amount":"1"}"#),
            Err(Error::Validation(_))
        ));
        assert!(matches!(
            parse_json::<Outer>(b"{\"name\":"),
            Err(Error::MalformedJson(_))
        ));
    }

    #[test]
    fn control_characters_are_refused_by_name() {
        assert_eq!(
            fields(r#"{"address":{"city":"Bor\u0000s"}}"#),
            [("address.city".to_owned(), "nul_character")]
        );
        assert_eq!(
            fields(r#"{"name":"a\u001bb"}"#),
            [("name".to_owned(), "control_character")]
        );
        assert_eq!(
            fields(r#"{"name":"a\u0085b"}"#),
            [("name".to_owned(), "control_character")]
        );
        // Tab and line breaks are text.
        assert!(parse_json::<Outer>(br#"{"name":"a\tb\r\nc"}"#).is_ok());
    }
}
