//! Members of an organisation, their population history and contact persons.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use base64::Engine;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::member::{
    self, ContactDetails, County, Mailings, Member, MemberDetails, PopulationCount,
};
use crate::domain::{
    Country, Currency, Email, Errors, Invalid, Language, MemberKind, MemberStatus,
    MunicipalityCode, OrgNumber, PeppolEndpoint, VatNumber, text,
};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller, from_value, from_value_at, with_part};
use crate::http::openapi::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::http::{AddressBody, merge_patch, to_value};
use crate::services::Db;
use crate::services::audit::{self, Change, Entity};
use crate::storage::members::{self as store, MemberFilter, MemberSort};

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[schema(value_type = names::MemberKind)]
    pub kind: Option<String>,
    #[schema(example = "Bollebygd", value_type = String)]
    pub name: Option<String>,
    #[schema(value_type = names::Country)]
    pub country: Option<String>,
    /// Checked per country: SE 10 digits, Luhn, third digit ≥ 2; NO 9 digits, mod 11.
    #[schema(example = "212000-1561")]
    pub org_number: Option<String>,
    /// The member's VAT registration number, printed on its invoices and named in a
    /// reverse-charge note. Checked against `country`: SE + the 10 digits of an
    /// organisationsnummer + 01; NO + 9 digits of an organisasjonsnummer + MVA. Spaces,
    /// dots and hyphens are dropped and letters upper-cased.
    #[schema(example = "SE212000156101")]
    pub vat_number: Option<String>,
    /// SE kommunkod / NO kommunenummer.
    #[schema(example = "1443")]
    pub municipality_code: Option<String>,
    #[schema(example = "14", pattern = r"^[0-9]{2}$")]
    pub county_code: Option<String>,
    #[schema(example = "Västra Götalands län")]
    pub county_name: Option<String>,
    pub billing_address: Option<AddressBody>,
    #[schema(format = Email)]
    pub invoice_email: Option<String>,
    /// Peppol participant, `scheme:id`; for municipalities and regions `0007:`/`0192:` +
    /// organisation number unless given.
    #[schema(example = "0007:2120001561")]
    pub peppol_endpoint: Option<String>,
    /// "Er referens": the reference the member wants on its invoices.
    pub buyer_reference: Option<String>,
    #[schema(value_type = Option<names::Language>)]
    pub language: Option<String>,
    #[schema(value_type = Option<names::Currency>)]
    pub currency: Option<String>,
    /// `member` when not given.
    #[schema(value_type = Option<names::MemberStatus>)]
    pub status: Option<String>,
}

impl MemberBody {
    pub fn parse(self) -> Result<MemberDetails, Error> {
        let mut e = Errors::new();
        let kind = e.require("kind", self.kind.as_deref(), MemberKind::parse);
        let name = e.require("name", self.name.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let country = e.require("country", self.country.as_deref(), Country::parse);
        let municipality_code = e.check_opt(
            "municipality_code",
            self.municipality_code.as_deref(),
            MunicipalityCode::parse,
        );
        let county_name = e.check_opt("county_name", self.county_name.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let county_code = e.check_opt("county_code", self.county_code.as_deref(), |s| {
            let s = s.trim();
            if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(Invalid::Length { expected: "2" })
            }
        });
        let invoice_email =
            e.check_opt("invoice_email", self.invoice_email.as_deref(), Email::parse);
        let peppol = e.check_opt(
            "peppol_endpoint",
            self.peppol_endpoint.as_deref(),
            PeppolEndpoint::parse,
        );
        let buyer_reference =
            e.check_opt("buyer_reference", self.buyer_reference.as_deref(), |s| {
                text(s, 100)
            });
        let language = e.check_opt("language", self.language.as_deref(), Language::parse);
        let currency = e.check_opt("currency", self.currency.as_deref(), Currency::parse);
        let status = e.check_opt("status", self.status.as_deref(), MemberStatus::parse);
        let (mut org_number, mut vat_number, mut address) = (None, None, None);
        if let Some(country) = country {
            org_number = e.check_opt("org_number", self.org_number.as_deref(), |s| {
                OrgNumber::parse(country, s)
            });
            vat_number = e.check_opt("vat_number", self.vat_number.as_deref(), |s| {
                VatNumber::parse(country, s)
            });
            address = match self.billing_address {
                None => Some(None),
                Some(a) => a.parse("billing_address", country, &mut e).map(Some),
            };
        }
        // The county follows from the municipality code when none is given.
        let county = match (&municipality_code, county_code, county_name) {
            (_, Some(Some(code)), Some(Some(name))) => Some(Some(County { code, name })),
            (Some(Some(m)), Some(None), Some(Some(name))) => Some(Some(County {
                code: m.county_code().to_owned(),
                name,
            })),
            (_, Some(Some(_)), Some(None)) => {
                e.add("county_name", Invalid::Required);
                None
            }
            _ => Some(None),
        };
        if let (Some(Some(m)), Some(Some(c))) = (&municipality_code, &county)
            && m.county_code() != c.code
        {
            e.add(
                "county_code",
                Invalid::Mismatch {
                    other: "municipality_code",
                },
            );
        }
        e.finish(|| {
            let country = country?;
            let kind = kind?;
            let org_number = org_number?;
            let peppol = peppol?.or_else(|| member::default_peppol(org_number.as_ref(), kind));
            Some(MemberDetails {
                kind,
                name: name?,
                country,
                org_number,
                vat_number: vat_number?,
                municipality_code: municipality_code?,
                county: county?,
                billing_address: address?,
                invoice_email: invoice_email?,
                peppol,
                buyer_reference: buyer_reference?,
                language: language?.unwrap_or(country.language()),
                currency: currency?.unwrap_or(country.currency()),
                status: status?.unwrap_or(MemberStatus::Member),
            })
        })
        .map_err(Error::Validation)
    }

    pub fn from_details(d: &MemberDetails) -> Self {
        Self {
            kind: Some(d.kind.as_str().to_owned()),
            name: Some(d.name.clone()),
            country: Some(d.country.as_str().to_owned()),
            org_number: d.org_number.as_ref().map(ToString::to_string),
            vat_number: d.vat_number.as_ref().map(ToString::to_string),
            municipality_code: d.municipality_code.as_ref().map(ToString::to_string),
            county_code: d.county.as_ref().map(|c| c.code.clone()),
            county_name: d.county.as_ref().map(|c| c.name.clone()),
            billing_address: d.billing_address.as_ref().map(AddressBody::from_domain),
            invoice_email: d.invoice_email.as_ref().map(|e| e.as_str().to_owned()),
            peppol_endpoint: d.peppol.as_ref().map(ToString::to_string),
            buyer_reference: d.buyer_reference.clone(),
            language: Some(d.language.as_str().to_owned()),
            currency: Some(d.currency.as_str().to_owned()),
            status: Some(d.status.as_str().to_owned()),
        }
    }
}

/// A member as created: its details and, optionally, a first population count.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    #[serde(flatten)]
    pub member: MemberBody,
    pub population: Option<PopulationBody>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PopulationBody {
    #[schema(example = 9784, minimum = 0, maximum = 10000000)]
    pub count: i64,
    #[schema(example = "2025-12-31", value_type = String, format = Date)]
    pub reference_date: String,
    #[schema(example = "SCB")]
    pub source: Option<String>,
}

impl PopulationBody {
    fn parse(&self, prefix: &str, e: &mut Errors) -> Option<PopulationCount> {
        let count = e.check(&format!("{prefix}count"), member::population(self.count));
        let reference_date = e.check(
            &format!("{prefix}reference_date"),
            crate::domain::iso_date(&self.reference_date),
        );
        let source = e.check_opt(&format!("{prefix}source"), self.source.as_deref(), |s| {
            text(s, 100)
        });
        Some(PopulationCount {
            reference_date: reference_date?,
            count: count?,
            source: source?,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct PopulationView {
    pub count: i64,
    #[schema(value_type = String, format = Date)]
    pub reference_date: NaiveDate,
    pub source: Option<String>,
}

impl From<PopulationCount> for PopulationView {
    fn from(p: PopulationCount) -> Self {
        Self {
            count: p.count,
            reference_date: p.reference_date,
            source: p.source,
        }
    }
}

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

/// A member's details as the audit trail keeps them.
#[derive(Serialize)]
struct Trace {
    #[serde(flatten)]
    body: MemberBody,
    archived: bool,
}

impl Trace {
    fn of(member: &Member) -> Self {
        Self {
            body: MemberBody::from_details(&member.details),
            archived: member.archived_at.is_some(),
        }
    }
}

/// A contact person as the audit trail keeps it: which contact, its role and what it
/// receives, but no name, address or phone, since a deleted contact's personal data must
/// go while the trail stays.
#[derive(Serialize)]
struct ContactTrace {
    contact_id: String,
    title: Option<String>,
    receives_offers: bool,
    receives_invoices: bool,
    receives_newsletters: bool,
}

impl ContactTrace {
    fn of(contact: &member::Contact) -> Self {
        let d = &contact.details;
        Self {
            contact_id: contact.id.clone(),
            title: d.title.clone(),
            receives_offers: d.mailings.offers,
            receives_invoices: d.mailings.invoices,
            receives_newsletters: d.mailings.newsletters,
        }
    }
}

fn populations(counts: &[PopulationCount]) -> Vec<PopulationView> {
    counts.iter().cloned().map(PopulationView::from).collect()
}

/// A change to member `id`, for the audit trail.
fn changed<'a>(org: &'a str, id: &'a str, action: &'a str, actor: &'a str) -> Change<'a> {
    Change::new(org, Entity::Member, id, action, actor)
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
    let page = db.run(move |conn| store::list(conn, &org, &filter)).await?;
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
    request_body = NewMemberBody,
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
        .write(move |conn| {
            let member = store::insert(conn, &org, &details, population.as_ref())?;
            audit::created(
                conn,
                &changed(&org, &member.id, "create", &actor),
                &Trace::of(&member),
            )?;
            Ok(member)
        })
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
    let member = db.run(move |conn| store::get(conn, &org, &id)).await?;
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
            let current = store::get(conn, &org, &id)?;
            store::ensure_active(&current)?;
            let mut doc = to_value(&MemberBody::from_details(&current.details))?;
            merge_patch(&mut doc, &patch);
            let details = from_value::<MemberBody>(doc)?.parse()?;
            let updated = store::update(conn, &org, &id, &details)?;
            audit::changed(
                conn,
                &changed(&org, &id, "update", &actor),
                &Trace::of(&current),
                &Trace::of(&updated),
            )?;
            Ok(updated)
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
        .write(move |conn| {
            let current = store::get(conn, &org, &id)?;
            let archived = store::archive(conn, &org, &id)?;
            if current.archived_at.is_none() {
                audit::changed(
                    conn,
                    &changed(&org, &id, "archive", &actor),
                    &Trace::of(&current),
                    &Trace::of(&archived),
                )?;
            }
            Ok(archived)
        })
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
        .run(move |conn| store::populations(conn, &org, &id))
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
        .write(move |conn| {
            let member = store::get(conn, &org, &id)?;
            store::ensure_active(&member)?;
            let before = store::populations(conn, &org, &id)?;
            store::record_population(conn, &id, &pop)?;
            let after = store::populations(conn, &org, &id)?;
            audit::changed(
                conn,
                &changed(&org, &id, "record_population", &actor),
                &populations(&before),
                &populations(&after),
            )?;
            Ok(after)
        })
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
    db.write(move |conn| {
        let before = store::populations(conn, &org, &id)?;
        store::delete_population(conn, &org, &id, date)?;
        let after = store::populations(conn, &org, &id)?;
        audit::changed(
            conn,
            &changed(&org, &id, "delete_population", &actor),
            &populations(&before),
            &populations(&after),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    #[schema(example = "Anna Andersson", value_type = String)]
    pub name: Option<String>,
    /// Role at the member, e.g. kommundirektör, utbildningschef, ekonomi.
    #[schema(example = "Kommundirektör")]
    pub title: Option<String>,
    /// Required when the contact receives anything.
    #[schema(format = Email)]
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Receives offer letters.
    pub receives_offers: Option<bool>,
    /// Receives invoices and reminders.
    pub receives_invoices: Option<bool>,
    /// Receives newsletters.
    pub receives_newsletters: Option<bool>,
}

impl ContactBody {
    fn parse(self) -> Result<ContactDetails, Error> {
        let mut e = Errors::new();
        let name = e.require("name", self.name.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let title = e.check_opt("title", self.title.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let email = e.check_opt("email", self.email.as_deref(), Email::parse);
        let phone = e.check_opt("phone", self.phone.as_deref(), crate::domain::phone);
        let mailings = Mailings {
            offers: self.receives_offers.unwrap_or(false),
            invoices: self.receives_invoices.unwrap_or(false),
            newsletters: self.receives_newsletters.unwrap_or(false),
        };
        // Mail needs an address to go to.
        if (mailings.offers || mailings.invoices || mailings.newsletters)
            && matches!(email, Some(None))
        {
            e.add("email", Invalid::Required);
        }
        e.finish(|| {
            Some(ContactDetails {
                name: name?,
                title: title?,
                email: email?,
                phone: phone?,
                mailings,
            })
        })
        .map_err(Error::Validation)
    }

    fn from_details(d: &ContactDetails) -> Self {
        Self {
            name: Some(d.name.clone()),
            title: d.title.clone(),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: d.phone.clone(),
            receives_offers: Some(d.mailings.offers),
            receives_invoices: Some(d.mailings.invoices),
            receives_newsletters: Some(d.mailings.newsletters),
        }
    }
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
    let items = db.run(move |conn| store::contacts(conn, &org, &id)).await?;
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
        .write(move |conn| {
            let contact = store::insert_contact(conn, &org, &id, &details)?;
            audit::created(
                conn,
                &changed(&org, &id, "create_contact", &actor),
                &ContactTrace::of(&contact),
            )?;
            Ok(contact)
        })
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
        .run(move |conn| store::get_contact(conn, &org, &member, &id))
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
            let current = store::get_contact(conn, &org, &member, &id)?;
            let mut doc = to_value(&ContactBody::from_details(&current.details))?;
            merge_patch(&mut doc, &patch);
            let details = from_value::<ContactBody>(doc)?.parse()?;
            let updated = store::update_contact(conn, &org, &member, &id, &details)?;
            audit::changed(
                conn,
                &changed(&org, &member, "update_contact", &actor),
                &ContactTrace::of(&current),
                &ContactTrace::of(&updated),
            )?;
            Ok(updated)
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
    db.write(move |conn| {
        let current = store::get_contact(conn, &org, &member, &id)?;
        store::delete_contact(conn, &org, &member, &id)?;
        audit::removed(
            conn,
            &changed(&org, &member, "delete_contact", &actor),
            &ContactTrace::of(&current),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
