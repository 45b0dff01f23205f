//! What every operation of the OpenAPI document shares, stated once here rather than in
//! each handler's annotation: the problems (RFC 9457) it can answer with and their codes,
//! response descriptions, operation ids that are unique, object schemas for the bodies
//! that `#[serde(flatten)]` composes, and the merge-patch form of what a PATCH takes.

use std::collections::BTreeMap;

use actix_web::dev::{AppService, HttpServiceFactory};
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, PathItem, Paths};
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{
    AdditionalProperties, AllOf, AnyOf, ArrayItems, Object, ObjectBuilder, OneOf, Schema,
    SchemaType, Type,
};
use utoipa::openapi::{Components, Content, OpenApi, Ref, RefOr};
use utoipa::{Modify, PartialSchema};
use utoipa_actix_web::OpenApiFactory;

use super::problem::codes_by_status;

const PROBLEM_JSON: &str = "application/problem+json";

/// The error responses, by status: the name of their component and what they mean.
const PROBLEMS: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "The request cannot be read: malformed JSON, or a path segment of the wrong form.",
    ),
    (
        401,
        "Unauthorized",
        "No valid token: `Authorization: Bearer <token>` is missing, unknown or revoked.",
    ),
    (403, "Forbidden", "The token's role may not do this."),
    (
        404,
        "NotFound",
        "No such record, or one of another organisation; or no such route.",
    ),
    (
        405,
        "MethodNotAllowed",
        "The path does not take this method; `Allow` lists the methods it takes.",
    ),
    (
        409,
        "Conflict",
        "The record exists already, or its current state does not allow this.",
    ),
    (413, "PayloadTooLarge", "The body is larger than the limit."),
    (
        415,
        "UnsupportedMediaType",
        "The body is not of a media type this operation reads.",
    ),
    (
        422,
        "UnprocessableContent",
        "Invalid input: `errors` names every field at fault, with a code and a message.",
    ),
    (
        500,
        "InternalError",
        "An internal error; it has been logged.",
    ),
    (503, "ServiceUnavailable", "The database does not answer."),
];

/// The problems any authenticated operation can answer with, besides its own.
const EVERY_API_OPERATION: &[u16] = &[400, 401, 403, 404, 405, 413, 422, 503];
/// And those of operations that change something: a duplicate, or a record whose state
/// (an archived member, an issued invoice, …) does not allow the change.
const EVERY_CHANGE: &[u16] = &[409];
/// And those of operations that read a body.
const WITH_A_BODY: &[u16] = &[415];
/// The public ones (health, readiness, this document).
const EVERY_PUBLIC_OPERATION: &[u16] = &[405];

fn problem(status: u16) -> Option<(&'static str, &'static str)> {
    PROBLEMS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, name, description)| (*name, *description))
}

/// Completes the document that the handlers' annotations produced.
pub struct Contract;

impl Modify for Contract {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Components::new);
        flatten_compositions(&mut components.schemas);
        problem_components(components);
        for item in api.paths.paths.values_mut() {
            for (method, op) in operations_mut(item) {
                complete(method, op);
                if method == "patch" {
                    merge_patch_body(op, &mut components.schemas);
                }
            }
        }
    }
}

/// Every operation of a path, with its method.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}

/// Adds the problems every operation shares, answers every problem as
/// `application/problem+json` with the schema of its status, and describes every response.
fn complete(method: &str, op: &mut Operation) {
    let authenticated = op.security.is_some();
    let common: Vec<u16> = if authenticated {
        let mut common = EVERY_API_OPERATION.to_vec();
        if method != "get" {
            common.extend(EVERY_CHANGE);
        }
        if op.request_body.is_some() {
            common.extend(WITH_A_BODY);
        }
        common
    } else {
        EVERY_PUBLIC_OPERATION.to_vec()
    };
    let responses = &mut op.responses.responses;
    for status in common {
        if let Some((name, _)) = problem(status) {
            responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    }
    for (status, response) in responses.iter_mut() {
        let status: u16 = status.parse().unwrap_or(0);
        let RefOr::T(response) = response else {
            continue;
        };
        if status >= 400
            && let Some((name, description)) = problem(status)
        {
            response.content.clear();
            response.content.insert(
                PROBLEM_JSON.to_owned(),
                RefOr::T(Content::new(Some(Ref::from_schema_name(format!(
                    "{name}Problem"
                ))))),
            );
            if response.description.is_empty() {
                description.clone_into(&mut response.description);
            }
        }
        if response.description.is_empty() {
            response.description = success_description(status).to_owned();
        }
    }
}

/// Updates are JSON merge patches (RFC 7396) of the body a create takes: the body is read as
/// `application/json` or `application/merge-patch+json`, and its schema is the create's
/// with every field optional and nullable.
fn merge_patch_body(op: &mut Operation, schemas: &mut BTreeMap<String, RefOr<Schema>>) {
    let Some(RefOr::T(body)) = &mut op.request_body else {
        return;
    };
    let name = body.content.values().find_map(|content| match content {
        RefOr::T(Content {
            schema: Some(RefOr::Ref(r)),
            ..
        }) => r
            .ref_location
            .strip_prefix("#/components/schemas/")
            .map(str::to_owned),
        _ => None,
    });
    let Some(patch) = name.and_then(|name| patch_schema(&name, schemas)) else {
        return;
    };
    body.content.clear();
    for media in ["application/json", "application/merge-patch+json"] {
        body.content.insert(
            media.to_owned(),
            RefOr::T(Content::new(Some(Ref::from_schema_name(patch.clone())))),
        );
    }
}

/// The schema of a merge patch of the object schema `name`, added as `{name}Patch`: the
/// same fields, none required, each also `null` (which removes it), and objects within it
/// patches in turn.
fn patch_schema(name: &str, schemas: &mut BTreeMap<String, RefOr<Schema>>) -> Option<String> {
    let patch_name = format!("{name}Patch");
    if schemas.contains_key(&patch_name) {
        return Some(patch_name);
    }
    let Some(RefOr::T(Schema::Object(mut patch))) = schemas.get(name).cloned() else {
        return None;
    };
    // Taken first, so that an object that contains itself ends.
    schemas.insert(patch_name.clone(), RefOr::T(Schema::Object(Object::new())));
    patch.required.clear();
    patch.description = Some(format!(
        "A JSON merge patch (RFC 7396) of {name}: the fields given replace, `null` removes, \
         the fields left out stay."
    ));
    for property in patch.properties.values_mut() {
        *property = or_null(patch_part(property, schemas));
    }
    schemas.insert(patch_name.clone(), RefOr::T(Schema::Object(patch)));
    Some(patch_name)
}

/// A property of a patch: a reference to an object (or a map of them) becomes one to its
/// patch; anything else, arrays included, is replaced whole.
fn patch_part(
    property: &RefOr<Schema>,
    schemas: &mut BTreeMap<String, RefOr<Schema>>,
) -> RefOr<Schema> {
    match property {
        RefOr::Ref(r) => r
            .ref_location
            .strip_prefix("#/components/schemas/")
            .filter(|name| {
                matches!(
                    schemas.get(*name),
                    Some(RefOr::T(Schema::Object(o))) if !o.properties.is_empty()
                )
            })
            .map(str::to_owned)
            .and_then(|name| patch_schema(&name, schemas))
            .map_or_else(
                || property.clone(),
                |patch| RefOr::Ref(Ref::from_schema_name(patch)),
            ),
        RefOr::T(Schema::OneOf(one_of)) => {
            let mut one_of = one_of.clone();
            for item in &mut one_of.items {
                *item = patch_part(item, schemas);
            }
            RefOr::T(Schema::OneOf(one_of))
        }
        RefOr::T(Schema::Object(map)) if map.properties.is_empty() => {
            let mut map = map.clone();
            if let Some(AdditionalProperties::RefOr(value)) = map.additional_properties.as_deref() {
                let value = or_null(patch_part(value, schemas));
                map.additional_properties = Some(Box::new(AdditionalProperties::RefOr(value)));
            }
            RefOr::T(Schema::Object(map))
        }
        other => other.clone(),
    }
}

/// The schema, or `null`.
fn or_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    let takes_null = match &schema {
        RefOr::T(Schema::Object(o)) => {
            o.enum_values.is_none()
                && matches!(&o.schema_type, SchemaType::Array(types) if types.contains(&Type::Null))
        }
        RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter().any(is_null),
        RefOr::T(Schema::AnyOf(any_of)) => any_of.items.iter().any(is_null),
        _ => false,
    };
    if takes_null {
        return schema;
    }
    let mut any_of = AnyOf::new();
    any_of.items = vec![schema, ObjectBuilder::new().schema_type(Type::Null).into()];
    RefOr::T(Schema::AnyOf(any_of))
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
}

fn success_description(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted: queued, to be done in the background",
        204 => "Done; no content",
        _ => "See the operation",
    }
}

/// A response and a schema per problem status, the schema listing the codes that status
/// comes with, and the field codes of a 422.
fn problem_components(components: &mut Components) {
    let codes = codes_by_status();
    let base = components.schemas.get("Problem").cloned();
    let Some(RefOr::T(Schema::Object(base))) = base else {
        return;
    };
    if let Some(RefOr::T(Schema::Object(field))) = components.schemas.get_mut("ProblemField") {
        let field_codes = crate::domain::Invalid::samples()
            .iter()
            .map(crate::domain::Invalid::code)
            .collect::<std::collections::BTreeSet<_>>();
        field
            .properties
            .insert("code".to_owned(), string_enum(field_codes).into());
        field.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    }
    for &(status, name, description) in PROBLEMS {
        let mut schema = base.clone();
        schema.description = Some(format!("A problem with status {status}."));
        schema.properties.insert(
            "status".to_owned(),
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([status]))
                .into(),
        );
        if let Some(codes) = codes.get(&status) {
            schema
                .properties
                .insert("code".to_owned(), string_enum(codes.iter().copied()).into());
        }
        if let Some(codes) = codes.get(&status) {
            let types = codes
                .iter()
                .map(|code| format!("https://avtal.se/problems/{code}"))
                .collect::<Vec<_>>();
            schema.properties.insert(
                "type".to_owned(),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(types))
                    .into(),
            );
        }
        if status != 422 {
            schema.properties.remove("errors");
        }
        schema.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        components
            .schemas
            .insert(format!("{name}Problem"), RefOr::T(Schema::Object(schema)));
        let mut response = Response::new(description);
        response.content.insert(
            PROBLEM_JSON.to_owned(),
            RefOr::T(Content::new(Some(Ref::from_schema_name(format!(
                "{name}Problem"
            ))))),
        );
        match status {
            401 => {
                response.headers.insert(
                    "WWW-Authenticate".to_owned(),
                    RefOr::T(header("The scheme to authenticate with: `Bearer`.")),
                );
            }
            405 => {
                response.headers.insert(
                    "Allow".to_owned(),
                    RefOr::T(header("The methods the path takes.")),
                );
            }
            _ => {}
        }
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }
}

fn header(description: &str) -> Header {
    let mut header = Header::new(String::schema());
    header.description = Some(description.to_owned());
    header
}

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

/// Replaces every `allOf` of object schemas with the one object they describe together.
///
/// `#[serde(flatten)]` makes utoipa compose a body as `allOf: [A, B]`, and when a part
/// denies unknown fields (`additionalProperties: false`) no value satisfies the whole: each
/// part refuses the other's fields. The merged object has every part's properties and
/// required ones, and refuses other fields if a part did. A part that is a `oneOf` of
/// objects (a tagged enum) makes the merge a `oneOf` of merged objects.
fn flatten_compositions(schemas: &mut BTreeMap<String, RefOr<Schema>>) {
    let originals = schemas.clone();
    for schema in schemas.values_mut() {
        flatten(schema, &originals, 0);
    }
}

/// References are followed this deep, which no real body comes near; it stops a cycle.
const MAX_DEPTH: usize = 16;

fn flatten(schema: &mut RefOr<Schema>, all: &BTreeMap<String, RefOr<Schema>>, depth: usize) {
    let RefOr::T(inner) = schema else {
        return;
    };
    match inner {
        Schema::AllOf(composition) => {
            if let Some(merged) = merge(composition, all, depth) {
                *inner = merged;
            }
        }
        Schema::Object(object) => {
            for property in object.properties.values_mut() {
                flatten(property, all, depth);
            }
            if let Some(extra) = object.additional_properties.as_deref_mut()
                && let AdditionalProperties::RefOr(extra) = extra
            {
                flatten(extra, all, depth);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                flatten(items, all, depth);
            }
        }
        Schema::OneOf(one_of) => {
            for item in &mut one_of.items {
                flatten(item, all, depth);
            }
        }
        Schema::AnyOf(any_of) => {
            for item in &mut any_of.items {
                flatten(item, all, depth);
            }
        }
        _ => {}
    }
}

/// The objects a schema can be: itself, or each of a `oneOf`'s; `None` when it is not made
/// of objects.
fn alternatives(
    schema: &RefOr<Schema>,
    all: &BTreeMap<String, RefOr<Schema>>,
    depth: usize,
) -> Option<Vec<Object>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match schema {
        RefOr::Ref(r) => {
            let name = r.ref_location.strip_prefix("#/components/schemas/")?;
            alternatives(all.get(name)?, all, depth + 1)
        }
        RefOr::T(Schema::Object(object)) => Some(vec![object.clone()]),
        RefOr::T(Schema::OneOf(one_of)) => one_of
            .items
            .iter()
            .map(|item| alternatives(item, all, depth + 1))
            .collect::<Option<Vec<_>>>()
            .map(|nested| nested.into_iter().flatten().collect()),
        RefOr::T(Schema::AllOf(composition)) => match merge(composition, all, depth + 1)? {
            Schema::Object(object) => Some(vec![object]),
            Schema::OneOf(one_of) => Some(
                one_of
                    .items
                    .into_iter()
                    .filter_map(|item| match item {
                        RefOr::T(Schema::Object(object)) => Some(object),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        },
        RefOr::T(_) => None,
    }
}

fn merge(
    composition: &AllOf,
    all: &BTreeMap<String, RefOr<Schema>>,
    depth: usize,
) -> Option<Schema> {
    let mut combined = vec![ObjectBuilder::new().schema_type(Type::Object).build()];
    for part in &composition.items {
        let choices = alternatives(part, all, depth + 1)?;
        combined = combined
            .iter()
            .flat_map(|sofar| choices.iter().map(move |choice| join(sofar, choice)))
            .collect();
    }
    for object in &mut combined {
        for property in object.properties.values_mut() {
            flatten(property, all, depth + 1);
        }
    }
    let mut merged = if combined.len() == 1 {
        Schema::Object(combined.pop()?)
    } else {
        let mut one_of = OneOf::new();
        one_of.items = combined
            .into_iter()
            .map(|object| RefOr::T(Schema::Object(object)))
            .collect();
        Schema::OneOf(one_of)
    };
    match &mut merged {
        Schema::Object(object) => object.description.clone_from(&composition.description),
        Schema::OneOf(one_of) => one_of.description.clone_from(&composition.description),
        _ => {}
    }
    Some(merged)
}

fn join(a: &Object, b: &Object) -> Object {
    let mut joined = a.clone();
    for (name, property) in &b.properties {
        joined.properties.insert(name.clone(), property.clone());
    }
    for name in &b.required {
        if !joined.required.contains(name) {
            joined.required.push(name.clone());
        }
    }
    let closed = |o: &Object| {
        matches!(
            o.additional_properties.as_deref(),
            Some(AdditionalProperties::FreeForm(false))
        )
    };
    if closed(a) || closed(b) {
        joined.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    }
    joined
}

/// A handler registered with its module's name in its operation id, `members_list` rather
/// than `list`: handlers of different modules share names, operation ids may not.
pub struct Named<S> {
    pub module: &'static str,
    pub service: S,
}

impl<S: HttpServiceFactory> HttpServiceFactory for Named<S> {
    fn register(self, config: &mut AppService) {
        self.service.register(config);
    }
}

impl<S: OpenApiFactory> OpenApiFactory for Named<S> {
    fn paths(&self) -> Paths {
        let mut paths = self.service.paths();
        for item in paths.paths.values_mut() {
            for (_, op) in operations_mut(item) {
                op.operation_id = op
                    .operation_id
                    .take()
                    .map(|id| format!("{}_{id}", self.module));
            }
        }
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.service.schemas(schemas);
    }
}

pub use super::names;
