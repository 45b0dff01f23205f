//! Documents: offer letters (previewed and issued), the issued documents themselves, and
//! the templates and logo an organisation prints with.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::documents::DocumentKind;
use crate::domain::iso_date;
use crate::domain::{Errors, Invalid, Language};
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::agreements::parse_year;
use crate::http::extract::{Body, Caller, read_body};
use crate::http::names;
use crate::http::paging::{ListQuery, Paging, PagingParams};
use crate::http::problem::Problem;
use crate::pdf::Renderer;
use crate::services::documents::{
    self as service, DocumentRecord, DocumentTemplates, OfferOptions,
};

/// Logos are small pictures; anything larger is refused with 413.
const LOGO_LIMIT: usize = 1024 * 1024;
/// Template sources are text of a few kilobytes.
const TEMPLATE_LIMIT: usize = 64 * 1024;

fn pdf(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ))
        .body(bytes)
}

/// What an offer letter says beyond the agreement: all optional.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OfferQuery {
    /// The fee year whose fees the letter sets out, e.g. 2027; the agreement's first year
    /// (or this year, for an agreement that began earlier) when not given.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// The member's language when not given.
    #[param(value_type = Option<names::Language>, inline)]
    pub lang: Option<String>,
    /// The letter's date; today when not given.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub date: Option<String>,
    /// The date to answer by; 30 days after the letter's date when not given.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub answer_by: Option<String>,
    pub diarienummer: Option<String>,
    /// Whom the letter is for, e.g. "Till kommundirektör och utbildningschef"; the
    /// member's contacts who receive offers, by name and role, when not given.
    pub addressees: Option<String>,
}

/// Issuing an offer letter.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    #[schema(example = 2027, minimum = 2000, maximum = 2100)]
    pub fee_year: Option<i64>,
    /// The member's language when not given.
    #[schema(value_type = Option<names::Language>)]
    pub language: Option<String>,
    #[schema(example = "2026-11-02", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    #[schema(example = "2026-12-15", value_type = Option<String>, format = Date)]
    pub answer_by: Option<String>,
    #[schema(example = "BRS 2026/0412")]
    pub diarienummer: Option<String>,
    #[schema(example = "Till kommundirektör och utbildningschef")]
    pub addressees: Option<String>,
    /// The attachments the letter lists.
    #[serde(default)]
    pub attachments: Vec<String>,
}

struct OfferInput<'a> {
    year: Option<&'a str>,
    lang: Option<&'a str>,
    date: Option<&'a str>,
    answer_by: Option<&'a str>,
    diarienummer: Option<&'a str>,
    addressees: Option<&'a str>,
    attachments: Vec<String>,
}

impl OfferInput<'_> {
    fn parse(self, year_field: &str, lang_field: &str) -> Result<OfferOptions, Error> {
        let mut e = Errors::new();
        let year = e.check_opt(year_field, self.year, parse_year);
        let language = e.check_opt(lang_field, self.lang, Language::parse);
        let date = e.check_opt("date", self.date, iso_date);
        let answer_by = e.check_opt("answer_by", self.answer_by, iso_date);
        let line = |d: &str| crate::domain::text(d, crate::domain::LINE_MAX);
        let diarienummer = e.check_opt("diarienummer", self.diarienummer, line);
        let addressees = e.check_opt("addressees", self.addressees, line);
        let attachments: Vec<Option<String>> = self
            .attachments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                e.check(
                    &format!("attachments[{i}]"),
                    crate::domain::text(a, crate::domain::LINE_MAX),
                )
            })
            .collect();
        let today = crate::http::clock::today();
        e.finish(|| {
            let date = date?.unwrap_or(today);
            Some(OfferOptions {
                fee_year: year?,
                language: language?,
                date,
                answer_by: answer_by?,
                diarienummer: diarienummer?,
                addressees: addressees?,
                attachments: attachments.into_iter().collect::<Option<Vec<_>>>()?,
            })
        })
        .map_err(Error::Validation)
    }
}

/// An issued document's record; its bytes are at `pdf`.
#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    #[schema(value_type = names::DocumentKind)]
    pub kind: String,
    #[schema(value_type = names::Language)]
    pub language: String,
    pub member_id: String,
    pub agreement_id: Option<String>,
    pub fee_year: Option<i32>,
    pub title: String,
    /// SHA-256 of the PDF, in hex: the stored bytes can be checked against it at any time.
    pub sha256: String,
    pub size_bytes: i32,
    /// The token that issued it.
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Where the PDF is.
    pub pdf: String,
}

impl From<DocumentRecord> for DocumentView {
    fn from(d: DocumentRecord) -> Self {
        DocumentView {
            pdf: format!(
                "/api/v1/organisations/{}/documents/{}/pdf",
                d.organisation_id, d.id
            ),
            id: d.id,
            kind: d.kind,
            language: d.language,
            member_id: d.member_id,
            agreement_id: d.agreement_id,
            fee_year: d.fee_year,
            title: d.title,
            sha256: d.sha256,
            size_bytes: d.size_bytes,
            created_by: d.created_by,
            created_at: d.created_at.and_utc(),
        }
    }
}

/// The offer letter of an agreement as a PDF, rendered from the data as it stands; nothing
/// is stored and the agreement does not change.
#[utoipa::path(
    tag = "documents",
    params(("org" = String, Path), ("agreement" = String, Path), OfferQuery),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/offer.pdf")]
pub async fn offer_preview(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<OfferQuery>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    let opts = OfferInput {
        year: q.year.as_deref(),
        lang: q.lang.as_deref(),
        date: q.date.as_deref(),
        answer_by: q.answer_by.as_deref(),
        diarienummer: q.diarienummer.as_deref(),
        addressees: q.addressees.as_deref(),
        attachments: Vec::new(),
    }
    .parse("year", "lang")?;
    let (bytes, year) = db
        .run(move |conn| {
            let prepared = service::prepare_offer(conn, &org, &id, &opts)?;
            Ok((
                service::render(&renderer, &prepared)?,
                prepared.fee_year.unwrap_or_default(),
            ))
        })
        .await?;
    Ok(pdf(bytes, &format!("offer-{year}.pdf")))
}

/// Issues the offer letter: the PDF is stored with its SHA-256 and never changes, and a
/// draft agreement moves to offered.
#[utoipa::path(
    tag = "documents",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = OfferBody,
    responses(
        (status = 201, body = DocumentView),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/offers")]
pub async fn offer_issue(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<OfferBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let year = body.fee_year.map(|y| y.to_string());
    let opts = OfferInput {
        year: year.as_deref(),
        lang: body.language.as_deref(),
        date: body.date.as_deref(),
        answer_by: body.answer_by.as_deref(),
        diarienummer: body.diarienummer.as_deref(),
        addressees: body.addressees.as_deref(),
        attachments: body.attachments,
    }
    .parse("fee_year", "language")?;
    let issued_by = caller.0.name.clone();
    let doc = db
        .write(move |conn| service::issue_offer(conn, &renderer, &org, &id, &opts, &issued_by))
        .await?;
    Ok(HttpResponse::Created().json(DocumentView::from(doc)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    pub agreement_id: Option<String>,
    pub member_id: Option<String>,
}

/// The organisation's issued documents, newest first.
#[utoipa::path(tag = "documents", params(("org" = String, Path), DocumentQuery, PagingParams), responses((status = 200, body = Items<DocumentView>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/documents")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<DocumentQuery>,
) -> Result<web::Json<Items<DocumentView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    let docs = db
        .run(move |conn| {
            service::list(
                conn,
                &org,
                q.agreement_id.as_deref(),
                q.member_id.as_deref(),
            )
        })
        .await?;
    Ok(web::Json(paging.page(docs)))
}

#[utoipa::path(tag = "documents", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, body = DocumentView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/documents/{id}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<DocumentView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let doc = db.run(move |conn| service::get(conn, &org, &id)).await?;
    Ok(web::Json(doc.into()))
}

/// The issued PDF, byte for byte as it was stored; its ETag is its SHA-256.
#[utoipa::path(tag = "documents", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/documents/{id}/pdf")]
pub async fn read_pdf(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let filename = format!("{id}.pdf");
    let (bytes, sha256) = db.run(move |conn| service::pdf(conn, &org, &id)).await?;
    // The ETag is the SHA-256 the document was stored with, so that a client can check
    // what it received against the record.
    let etag = format!("\"{sha256}\"");
    let mut response = pdf(bytes, &filename);
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

fn kind_and_language(kind: &str, lang: &str) -> Result<(DocumentKind, Language), Error> {
    let mut e = Errors::new();
    let k = e.check("kind", DocumentKind::parse(kind));
    let l = e.check("language", Language::parse(lang));
    e.finish(|| Some((k?, l?))).map_err(Error::Validation)
}

/// A template: the organisation's own copy, or the shipped one it would start from.
#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    pub kind: String,
    pub language: String,
    /// Whether this is the organisation's own copy rather than the shipped template.
    pub custom: bool,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The template, in the format `pdf-templates/README.md` describes.
    pub source: Option<String>,
}

/// Which templates the organisation has its own copy of.
#[utoipa::path(tag = "documents", params(("org" = String, Path), PagingParams), responses((status = 200, body = Items<TemplateView>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/templates")]
pub async fn templates(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<TemplateView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let own = db
        .run(move |conn| service::own_templates(conn, &org))
        .await?;
    let mut items = Vec::new();
    for kind in DocumentKind::ALL {
        for lang in Language::ALL {
            let mine = own
                .iter()
                .find(|(k, l, _)| k == kind.as_str() && l == lang.as_str());
            items.push(TemplateView {
                kind: kind.as_str().into(),
                language: lang.as_str().into(),
                custom: mine.is_some(),
                updated_at: mine.map(|(_, _, at)| at.and_utc()),
                source: None,
            });
        }
    }
    Ok(web::Json(paging.page(items)))
}

#[utoipa::path(tag = "documents", params(("org" = String, Path), ("kind" = inline(names::DocumentKind), Path), ("lang" = inline(names::Language), Path)), responses((status = 200, body = TemplateView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/templates/{kind}/{lang}")]
pub async fn template(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<web::Json<TemplateView>, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.read_members(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    let (source, at) = db
        .run(move |conn| {
            crate::services::templates::template(&DocumentTemplates, conn, &org, kind, lang)
        })
        .await?;
    Ok(web::Json(TemplateView {
        kind: kind.as_str().into(),
        language: lang.as_str().into(),
        custom: at.is_some(),
        updated_at: at.map(|at| at.and_utc()),
        source: Some(source),
    }))
}

/// A template source to store.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    #[schema(value_type = String)]
    pub source: Option<String>,
}

/// Stores the organisation's own template after checking it; a syntax error or an unknown
/// placeholder is a 422 naming the line.
#[utoipa::path(tag = "documents", params(("org" = String, Path), ("kind" = inline(names::DocumentKind), Path), ("lang" = inline(names::Language), Path)), request_body = TemplateBody, responses((status = 200, body = TemplateView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/templates/{kind}/{lang}")]
pub async fn put_template(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    Body(body): Body<TemplateBody>,
) -> Result<web::Json<TemplateView>, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.configure(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    let source = body
        .source
        .ok_or_else(|| Error::field("source", Invalid::Required))?;
    if source.len() > TEMPLATE_LIMIT {
        return Err(Error::field(
            "source",
            Invalid::TooLong {
                max: TEMPLATE_LIMIT,
            },
        ));
    }
    let stored = source.clone();
    let at = db
        .write(move |conn| {
            crate::services::templates::put(&DocumentTemplates, conn, &org, kind, lang, &stored)
        })
        .await?;
    Ok(web::Json(TemplateView {
        kind: kind.as_str().into(),
        language: lang.as_str().into(),
        custom: true,
        updated_at: Some(at.and_utc()),
        source: Some(source),
    }))
}

/// Goes back to the shipped template.
#[utoipa::path(tag = "documents", params(("org" = String, Path), ("kind" = inline(names::DocumentKind), Path), ("lang" = inline(names::Language), Path)), responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/templates/{kind}/{lang}")]
pub async fn delete_template(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.configure(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    db.write(move |conn| {
        crate::services::templates::delete(&DocumentTemplates, conn, &org, kind, lang)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The template (the organisation's own or the shipped one) filled with sample data, with
/// the organisation's logo: what a template author checks an edit with.
#[utoipa::path(tag = "documents", params(("org" = String, Path), ("kind" = inline(names::DocumentKind), Path), ("lang" = inline(names::Language), Path)), responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/templates/{kind}/{lang}/sample.pdf")]
pub async fn template_sample(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.read_members(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    let bytes = db
        .run(move |conn| {
            let prepared = service::prepare_sample(conn, &org, kind, lang)?;
            service::render(&renderer, &prepared)
        })
        .await?;
    Ok(pdf(bytes, &format!("{kind}-{lang}-sample.pdf")))
}

/// Sets the logo printed on the letterhead: the body is the PNG or JPEG file itself.
#[utoipa::path(
    tag = "documents",
    params(("org" = String, Path)),
    request_body(content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
    responses((status = 204), (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[put("/organisations/{org}/logo")]
pub async fn put_logo(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.configure(&org)?;
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !media.starts_with("image/png") && !media.starts_with("image/jpeg") {
        return Err(Error::UnsupportedMediaType);
    }
    let body = read_body(&mut payload.into_inner(), LOGO_LIMIT).await?;
    db.write(move |conn| service::put_logo(conn, &org, &body))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "documents", params(("org" = String, Path)), responses((status = 200, description = "The logo as it was uploaded", content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/logo")]
pub async fn logo(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let (media, bytes) = db.run(move |conn| service::logo(conn, &org)).await?;
    Ok(HttpResponse::Ok().content_type(media).body(bytes))
}

#[utoipa::path(tag = "documents", params(("org" = String, Path)), responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/logo")]
pub async fn delete_logo(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.configure(&org)?;
    db.write(move |conn| service::delete_logo(conn, &org))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
