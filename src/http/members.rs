//! Members of an organisation, their population history and contact persons.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::member::{self, Member};
use crate::domain::{Errors, Invalid, MemberKind, MemberStatus};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller, from_value, from_value_at, with_part};
use crate::http::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::http::{merge_patch, to_value};
use crate::services::members::{
    self, ContactBody, MemberBody, MemberFilter, MemberSort, PopulationBody, PopulationView,
};

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub id: String,
    pub organisation_id: String,
    #[serde(flatten)]
    pub body: MemberBody,
    /// The most recent population count.
    pub population: Option<PopulationView>,
    pub archived: bool,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        Self {
            body: MemberBody::from_details(&m.details),
            id: m.id,
            organisation_id: m.organisation_id,
            population: m.population.map(Into::into),
            archived: m.archived_at.is_some(),
            archived_at: m.archived_at.map(|t| t.and_utc()),
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
        }
    }
}
#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// 1–500, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    #[param(value_type = Option<names::MemberKind>, inline)]
    pub kind: Option<String>,
    #[param(value_type = Option<names::MemberStatus>, inline)]
    pub status: Option<String>,
    /// County (län / fylke) code, e.g. `14`.
    pub county: Option<String>,
    /// Part of the name, case-insensitive.
    pub q: Option<String>,
    /// `name` (default), `-name`, `created`, `-created`.
    #[param(value_type = Option<names::MemberSort>, inline)]
    pub sort: Option<String>,
    /// Include archived members (default false).
    #[param(value_type = Option<bool>)]
    pub include_archived: Option<String>,
}

fn parse_limit(raw: Option<&str>) -> Result<i64, Invalid> {
    match raw.map(|r| r.trim().parse::<i64>()) {
        None => Ok(50),
        Some(Ok(n @ 1..=500)) => Ok(n),
        Some(_) => Err(Invalid::OutOfRange { min: 1, max: 500 }),
    }
}

fn parse_flag(raw: Option<&str>) -> Result<bool, Invalid> {
    match raw.map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(Invalid::OneOf {
            allowed: &["true", "false"],
        }),
    }
}

const CURSOR_EXPECTED: &str = "ett värde från next_cursor";

fn encode_cursor(sort: &str, key: &str, id: &str) -> String {
    let raw = serde_json::json!([sort, key, id]).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(sort: &str, cursor: &str) -> Result<(String, String), Invalid> {
    let bad = Invalid::Format {
        expected: CURSOR_EXPECTED,
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad.clone())?;
    let (s, key, id): (String, String, String) =
        serde_json::from_slice(&bytes).map_err(|_| bad.clone())?;
    if s != sort {
        return Err(bad);
    }
    Ok((key, id))
}

impl MemberQuery {
    fn parse(self) -> Result<(MemberFilter, String), Error> {
        let mut e = Errors::new();
        // Query values arrive as text and are parsed here, so a bad one names its parameter.
        let limit = e.check("limit", parse_limit(self.limit.as_deref()));
        let include_archived = e.check(
            "include_archived",
            parse_flag(self.include_archived.as_deref()),
        );

        let sort_name = self.sort.unwrap_or_else(|| "name".to_owned());
        let sort = e.check("sort", MemberSort::parse(&sort_name));
        let kind = e.check_opt("kind", self.kind.as_deref(), MemberKind::parse);
        let status = e.check_opt("status", self.status.as_deref(), MemberStatus::parse);
        let after = e.check_opt("cursor", self.cursor.as_deref(), |c| {
            decode_cursor(&sort_name, c)
        });
        let filter = e
            .finish(|| {
                Some(MemberFilter {
                    kind: kind?,
                    status: status?,
                    county_code: self.county,
                    name_contains: self.q.filter(|q| !q.trim().is_empty()),
                    include_archived: include_archived?,
                    sort: sort?,
                    limit: limit?,
                    after: after?,
                })
            })
            .map_err(Error::Validation)?;
        Ok((filter, sort_name))
    }
}

type OrgPath = web::Path<String>;
type MemberPath = web::Path<(String, String)>;

/// Lists members: paginated by cursor, filtered and sorted.
#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), MemberQuery),
    responses((status = 200, body = MemberList), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/members")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: OrgPath,
    query: web::Query<MemberQuery>,
) -> Result<web::Json<MemberList>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let (filter, sort_name) = query.into_inner().parse()?;
    let page = db
        .run(move |conn| members::list(conn, &org, &filter))
        .await?;
    Ok(web::Json(MemberList {
        next_cursor: page
            .next
            .map(|(key, id)| encode_cursor(&sort_name, &key, &id)),
        items: page.members.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(
    tag = "members",
    params(("org" = String, Path)),
    request_body = crate::services::members::NewMemberBody,
    responses((status = 201, body = MemberView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/members")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: OrgPath,
    Body(body): Body<serde_json::Value>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let (details, population) = with_part(
        body,
        "population",
        false,
        |b| from_value::<MemberBody>(b).and_then(MemberBody::parse),
        |p, prefix| {
            let p = from_value_at::<PopulationBody>(p, prefix)?;
            let mut e = Errors::new();
            let parsed = p.parse(prefix, &mut e);
            e.finish(|| parsed).map_err(Error::Validation)
        },
    )?;
    let actor = caller.0.name.clone();
    let member = db
        .write(move |conn| members::create(conn, &org, &details, population.as_ref(), &actor))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/organisations/{}/members/{}",
                member.organisation_id, member.id
            ),
        ))
        .json(MemberView::from(member)))
}

#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), ("member" = String, Path)),
    responses((status = 200, body = MemberView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/members/{member}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: MemberPath,
) -> Result<web::Json<MemberView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let member = db.run(move |conn| members::get(conn, &org, &id)).await?;
    Ok(web::Json(member.into()))
}

/// Changes a member with a JSON merge patch (RFC 7396).
#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), ("member" = String, Path)),
    request_body(content = MemberBody, content_type = "application/merge-patch+json"),
    responses((status = 200, body = MemberView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/organisations/{org}/members/{member}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    path: MemberPath,
    Body(patch): Body<serde_json::Value>,
) -> Result<web::Json<MemberView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let member = db
        .write(move |conn| {
            members::update(conn, &org, &id, &actor, |current| {
                let mut doc = to_value(&MemberBody::from_details(current))?;
                merge_patch(&mut doc, &patch);
                from_value::<MemberBody>(doc)?.parse()
            })
        })
        .await?;
    Ok(web::Json(member.into()))
}

/// Archives a member: it leaves lists (unless `include_archived`), keeps its history, and
/// its status becomes `former`.
#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), ("member" = String, Path)),
    responses((status = 200, body = MemberView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/members/{member}/archive")]
pub async fn archive(
    db: web::Data<Db>,
    caller: Caller,
    path: MemberPath,
) -> Result<web::Json<MemberView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let member = db
        .write(move |conn| members::archive(conn, &org, &id, &actor))
        .await?;
    Ok(web::Json(member.into()))
}

/// The member's population counts, newest first.
#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), ("member" = String, Path), PagingParams),
    responses((status = 200, body = Items<PopulationView>), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/members/{member}/population")]
pub async fn population_list(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: MemberPath,
) -> Result<web::Json<Items<PopulationView>>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let items = db
        .run(move |conn| members::population(conn, &org, &id))
        .await?;
    Ok(web::Json(paging.page(items)))
}

/// Records a population count; a count for the same reference date replaces the earlier one.
#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), ("member" = String, Path)),
    request_body = PopulationBody,
    responses((status = 200, body = Items<PopulationView>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[put("/organisations/{org}/members/{member}/population")]
pub async fn population_record(
    db: web::Data<Db>,
    caller: Caller,
    path: MemberPath,
    Body(body): Body<PopulationBody>,
) -> Result<web::Json<Items<PopulationView>>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let mut e = Errors::new();
    let pop = body.parse("", &mut e);
    let pop = e.finish(|| pop).map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let items = db
        .write(move |conn| members::record_population(conn, &org, &id, &pop, &actor))
        .await?;
    Ok(web::Json(Items::of(items)))
}

#[utoipa::path(
    tag = "members",
    params(("org" = String, Path), ("member" = String, Path), ("date" = NaiveDate, Path, description = "Reference date")),
    responses((status = 204), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[delete("/organisations/{org}/members/{member}/population/{date}")]
pub async fn population_delete(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id, date) = path.into_inner();
    caller.write_members(&org)?;
    let date = crate::domain::iso_date(&date).map_err(|e| Error::field("date", e))?;
    let actor = caller.0.name.clone();
    db.write(move |conn| members::delete_population(conn, &org, &id, date, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub id: String,
    pub member_id: String,
    #[serde(flatten)]
    pub body: ContactBody,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<member::Contact> for ContactView {
    fn from(c: member::Contact) -> Self {
        Self {
            body: ContactBody::from_details(&c.details),
            id: c.id,
            member_id: c.member_id,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

#[utoipa::path(
    tag = "contacts",
    params(("org" = String, Path), ("member" = String, Path), PagingParams),
    responses((status = 200, body = Items<ContactView>), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/members/{member}/contacts")]
pub async fn contact_list(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: MemberPath,
) -> Result<web::Json<Items<ContactView>>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let items = db
        .run(move |conn| members::contacts(conn, &org, &id))
        .await?;
    Ok(web::Json(paging.page(items)))
}

#[utoipa::path(
    tag = "contacts",
    params(("org" = String, Path), ("member" = String, Path)),
    request_body = ContactBody,
    responses((status = 201, body = ContactView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/members/{member}/contacts")]
pub async fn contact_create(
    db: web::Data<Db>,
    caller: Caller,
    path: MemberPath,
    Body(body): Body<ContactBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let details = body.parse()?;
    let actor = caller.0.name.clone();
    let contact = db
        .write(move |conn| members::add_contact(conn, &org, &id, &details, &actor))
        .await?;
    Ok(HttpResponse::Created().json(ContactView::from(contact)))
}

#[utoipa::path(
    tag = "contacts",
    params(("org" = String, Path), ("member" = String, Path), ("contact" = String, Path)),
    responses((status = 200, body = ContactView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/members/{member}/contacts/{contact}")]
pub async fn contact_read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<web::Json<ContactView>, Error> {
    let (org, member, id) = path.into_inner();
    caller.read_members(&org)?;
    let contact = db
        .run(move |conn| members::contact(conn, &org, &member, &id))
        .await?;
    Ok(web::Json(contact.into()))
}

/// Changes a contact person with a JSON merge patch (RFC 7396).
#[utoipa::path(
    tag = "contacts",
    params(("org" = String, Path), ("member" = String, Path), ("contact" = String, Path)),
    request_body(content = ContactBody, content_type = "application/merge-patch+json"),
    responses((status = 200, body = ContactView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/organisations/{org}/members/{member}/contacts/{contact}")]
pub async fn contact_update(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    Body(patch): Body<serde_json::Value>,
) -> Result<web::Json<ContactView>, Error> {
    let (org, member, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let contact = db
        .write(move |conn| {
            members::update_contact(conn, &org, &member, &id, &actor, |current| {
                let mut doc = to_value(&ContactBody::from_details(current))?;
                merge_patch(&mut doc, &patch);
                from_value::<ContactBody>(doc)?.parse()
            })
        })
        .await?;
    Ok(web::Json(contact.into()))
}

/// Deletes a contact person (personal data is removed, not archived).
#[utoipa::path(
    tag = "contacts",
    params(("org" = String, Path), ("member" = String, Path), ("contact" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[delete("/organisations/{org}/members/{member}/contacts/{contact}")]
pub async fn contact_delete(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, member, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| members::delete_contact(conn, &org, &member, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
