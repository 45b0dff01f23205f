//! What an organisation prints its documents with: its own templates and its logo, and
//! the sample documents that show them.

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::domain::documents::{DocumentKind, OfferLetter};
use crate::domain::{Invalid, Language};
use crate::error::Error;
use crate::pdf::page::Raster;
use crate::pdf::template::{Template, TemplateError};
use crate::pdf::{context, parse_template, writer};
use crate::services::templates::Templates;
use crate::storage::DbConnection;
use crate::storage::documents as store;
use crate::storage::organisations;

use super::{Prepared, seller};

/// The organisation's own template for a kind and language, and its logo.
pub(crate) fn own_template_and_logo(
    conn: &mut DbConnection,
    org: &str,
    kind: DocumentKind,
    lang: Language,
) -> Result<(Option<Template>, Option<Arc<Raster>>), Error> {
    let template =
        match store::template(conn, org, kind.as_str(), lang.as_str())? {
            // Stored templates were checked when saved; one that no longer parses (after an
            // upgrade renamed a placeholder) is an internal fault to fix, not the user's.
            Some((source, _)) => Some(parse_template(&source, kind, lang).map_err(|e| {
                Error::Internal(anyhow::anyhow!("stored template {kind}/{lang}: {e}"))
            })?),
            None => None,
        };
    let logo = match store::logo(conn, org)? {
        Some((_, bytes)) => {
            Some(Arc::new(writer::decode_logo(&bytes).map_err(|e| {
                Error::Internal(anyhow::anyhow!("stored logo: {e}"))
            })?))
        }
        None => None,
    };
    Ok((template, logo))
}

/// A template error as the API reports it: on the `source` field, naming the line.
pub fn template_invalid(e: &TemplateError) -> Error {
    Error::field(
        "source",
        Invalid::Template {
            sv: e.message(Language::Sv),
            nb: e.message(Language::Nb),
            en: e.message(Language::En),
        },
    )
}

/// The organisation's own document templates, one source per kind and language, checked
/// by parsing them as the renderer will.
pub struct DocumentTemplates;

impl Templates for DocumentTemplates {
    type Kind = DocumentKind;
    type Source = String;

    fn own(
        &self,
        conn: &mut DbConnection,
        org: &str,
        kind: DocumentKind,
        lang: Language,
    ) -> Result<Option<(String, NaiveDateTime)>, Error> {
        Ok(store::template(conn, org, kind.as_str(), lang.as_str())?)
    }

    fn shipped(&self, kind: DocumentKind, lang: Language) -> Result<String, Error> {
        Ok(crate::pdf::shipped_source(kind, lang).to_owned())
    }

    fn check(&self, kind: DocumentKind, lang: Language, source: &String) -> Result<(), Error> {
        parse_template(source, kind, lang).map_err(|e| template_invalid(&e))?;
        Ok(())
    }

    fn store(
        &self,
        conn: &mut DbConnection,
        org: &str,
        kind: DocumentKind,
        lang: Language,
        source: &String,
    ) -> Result<NaiveDateTime, Error> {
        Ok(store::put_template(
            conn,
            org,
            kind.as_str(),
            lang.as_str(),
            source,
        )?)
    }

    fn remove(
        &self,
        conn: &mut DbConnection,
        org: &str,
        kind: DocumentKind,
        lang: Language,
    ) -> Result<bool, Error> {
        Ok(store::delete_template(
            conn,
            org,
            kind.as_str(),
            lang.as_str(),
        )?)
    }
}

/// The kinds and languages the organisation has its own template of, with when each was
/// stored.
pub fn own_templates(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(String, String, NaiveDateTime)>, Error> {
    Ok(store::templates(conn, org)?)
}

/// Checks an uploaded logo and stores it. The request's media type was one a logo may
/// have; bytes that are no such picture are invalid content, not another media type.
pub fn put_logo(conn: &mut DbConnection, org: &str, bytes: &[u8]) -> Result<(), Error> {
    let not_a_picture = || {
        Error::field(
            "logo",
            Invalid::Format {
                expected: "PNG eller JPEG",
            },
        )
    };
    let media_type = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        "image/jpeg"
    } else {
        return Err(not_a_picture());
    };
    writer::decode_logo(bytes).map_err(|_| not_a_picture())?;
    Ok(store::put_logo(conn, org, media_type, bytes)?)
}

/// The logo as it was uploaded, with its media type.
pub fn logo(conn: &mut DbConnection, org: &str) -> Result<(String, Vec<u8>), Error> {
    store::logo(conn, org)?.ok_or(Error::NotFound("logo"))
}

/// Removes the logo; there must be one.
pub fn delete_logo(conn: &mut DbConnection, org: &str) -> Result<(), Error> {
    if store::delete_logo(conn, org)? {
        Ok(())
    } else {
        Err(Error::NotFound("logo"))
    }
}

/// The sample document of a kind, under the organisation's own name, address and
/// accounts, with its own template and logo.
pub fn prepare_sample(
    conn: &mut DbConnection,
    org: &str,
    kind: DocumentKind,
    lang: Language,
) -> Result<Prepared, Error> {
    use crate::pdf::sample;
    let organisation = organisations::get(conn, org)?.ok_or(Error::NotFound("organisation"))?;
    let me = seller(&organisation);
    let context = match kind {
        DocumentKind::Offer => context::offer(&OfferLetter {
            seller: me,
            ..sample::offer(lang)
        }),
        DocumentKind::Invoice => context::invoice(&crate::domain::documents::InvoiceDocument {
            seller: me,
            ..sample::invoice(lang)
        }),
        DocumentKind::CreditNote => context::invoice(&crate::domain::documents::InvoiceDocument {
            seller: me,
            ..sample::credit_note(lang)
        }),
        DocumentKind::Reminder => context::reminder(&crate::domain::documents::ReminderDocument {
            seller: me,
            ..sample::reminder(lang)
        }),
        DocumentKind::Statement => {
            context::statement(&crate::domain::documents::StatementDocument {
                seller: me,
                ..sample::statement(lang)
            })
        }
    };
    let (template, logo) = own_template_and_logo(conn, org, kind, lang)?;
    Ok(Prepared {
        context,
        template,
        logo,
        member_id: String::new(),
        fee_year: None,
    })
}
