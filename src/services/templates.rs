//! An organisation's own templates, of documents or of email: each kind in each language
//! is the shipped template until the organisation stores its own, which is checked before
//! it is stored and can be removed to go back to the shipped one.

use chrono::NaiveDateTime;

use crate::domain::Language;
use crate::error::Error;
use crate::storage::DbConnection;

/// One family of templates (documents, email): where its own templates are kept, where
/// the shipped ones come from, and what makes one usable.
pub trait Templates {
    /// What a template is for: the kind of document or message it makes.
    type Kind: Copy;
    /// A template's text: one source, or the parts of a message.
    type Source;

    /// The organisation's own template, with when it was stored.
    fn own(
        &self,
        conn: &mut DbConnection,
        org: &str,
        kind: Self::Kind,
        lang: Language,
    ) -> Result<Option<(Self::Source, NaiveDateTime)>, Error>;

    /// The template avtal ships.
    fn shipped(&self, kind: Self::Kind, lang: Language) -> Result<Self::Source, Error>;

    /// Refuses a template that cannot be used, naming where it is at fault.
    fn check(&self, kind: Self::Kind, lang: Language, source: &Self::Source) -> Result<(), Error>;

    /// Stores the organisation's own template; returns when.
    fn store(
        &self,
        conn: &mut DbConnection,
        org: &str,
        kind: Self::Kind,
        lang: Language,
        source: &Self::Source,
    ) -> Result<NaiveDateTime, Error>;

    /// Removes the organisation's own template; false when it had none.
    fn remove(
        &self,
        conn: &mut DbConnection,
        org: &str,
        kind: Self::Kind,
        lang: Language,
    ) -> Result<bool, Error>;
}

/// The template a kind and language use: the organisation's own with when it was stored,
/// or the shipped one.
pub fn template<T: Templates>(
    templates: &T,
    conn: &mut DbConnection,
    org: &str,
    kind: T::Kind,
    lang: Language,
) -> Result<(T::Source, Option<NaiveDateTime>), Error> {
    match templates.own(conn, org, kind, lang)? {
        Some((source, at)) => Ok((source, Some(at))),
        None => Ok((templates.shipped(kind, lang)?, None)),
    }
}

/// Checks and stores the organisation's own template; returns when it was stored.
pub fn put<T: Templates>(
    templates: &T,
    conn: &mut DbConnection,
    org: &str,
    kind: T::Kind,
    lang: Language,
    source: &T::Source,
) -> Result<NaiveDateTime, Error> {
    templates.check(kind, lang, source)?;
    templates.store(conn, org, kind, lang, source)
}

/// Goes back to the shipped template; there must be an own one to remove.
pub fn delete<T: Templates>(
    templates: &T,
    conn: &mut DbConnection,
    org: &str,
    kind: T::Kind,
    lang: Language,
) -> Result<(), Error> {
    if templates.remove(conn, org, kind, lang)? {
        Ok(())
    } else {
        Err(Error::NotFound("template"))
    }
}
