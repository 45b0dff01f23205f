//! The organisation's own email templates, beside the shipped ones.

use chrono::NaiveDateTime;

use super::*;
use crate::domain::{Invalid, Language};
use crate::email::templates::{self, MessageKind, Sources};
use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::outbox::{self};

/// The template a kind and language use for the organisation, and when it stored its own
/// (`None`: the shipped one, or the deployment's folder). An unknown organisation is not found.
pub fn template(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    kind: MessageKind,
    lang: Language,
) -> Result<(Sources, Option<NaiveDateTime>), Error> {
    organisation(conn, org)?;
    if let Some(own) = outbox::template(conn, org, kind.as_str(), lang.as_str())? {
        return Ok((
            Sources {
                subject: own.subject,
                text: own.body_text,
                html: own.body_html,
            },
            Some(own.updated_at),
        ));
    }
    let src = templates::sources(composer.templates.as_deref(), kind, lang)
        .map_err(|e| Error::Internal(e.into()))?;
    Ok((src, None))
}
/// Stores the organisation's own template after checking it: an unknown placeholder is
/// refused naming the part (`subject`, `text` or `html`), before any message uses it.
pub fn put_template(
    conn: &mut DbConnection,
    org: &str,
    kind: MessageKind,
    lang: Language,
    src: &Sources,
) -> Result<NaiveDateTime, Error> {
    templates::check(src, kind).map_err(|(part, e)| {
        Error::field(
            part,
            Invalid::Template {
                sv: format!("mallen kan inte användas: {}", e.detail),
                nb: format!("malen kan ikke brukes: {}", e.detail),
                en: format!("the template cannot be used: {}", e.detail),
            },
        )
    })?;
    Ok(outbox::put_template(
        conn,
        org,
        kind.as_str(),
        lang.as_str(),
        &src.subject,
        &src.text,
        &src.html,
    )?)
}
/// Goes back to the shipped template; `false` when the organisation had none of its own.
pub fn delete_template(
    conn: &mut DbConnection,
    org: &str,
    kind: MessageKind,
    lang: Language,
) -> Result<bool, Error> {
    Ok(outbox::delete_template(
        conn,
        org,
        kind.as_str(),
        lang.as_str(),
    )?)
}
