//! Documents: offer letters, invoices, credit notes, reminders and account statements.
//! A document's data becomes values (`context`), fills a template into a model (`model`),
//! is laid out on pages (`layout`) and written as PDF (`writer`). Everything up to the
//! writer is pure; fonts and the shipped templates are parsed once per process.

pub mod context;
pub mod fonts;
pub mod format;
pub mod layout;
pub mod model;
pub mod page;
pub mod sample;
pub mod template;
pub mod writer;

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::Language;
use crate::domain::documents::DocumentKind;
use context::Context;
use fonts::Fonts;
use page::Raster;
use template::{Template, TemplateError};

/// The templates avtal ships, one per kind and language, compiled in so that the binary
/// works from any directory. Organisations override them with their own copies.
const SHIPPED: &[(DocumentKind, Language, &str)] = &[
    (
        DocumentKind::Offer,
        Language::Sv,
        include_str!("../../pdf-templates/offer.sv.toml"),
    ),
    (
        DocumentKind::Offer,
        Language::Nb,
        include_str!("../../pdf-templates/offer.nb.toml"),
    ),
    (
        DocumentKind::Offer,
        Language::En,
        include_str!("../../pdf-templates/offer.en.toml"),
    ),
    (
        DocumentKind::Invoice,
        Language::Sv,
        include_str!("../../pdf-templates/invoice.sv.toml"),
    ),
    (
        DocumentKind::Invoice,
        Language::Nb,
        include_str!("../../pdf-templates/invoice.nb.toml"),
    ),
    (
        DocumentKind::Invoice,
        Language::En,
        include_str!("../../pdf-templates/invoice.en.toml"),
    ),
    (
        DocumentKind::CreditNote,
        Language::Sv,
        include_str!("../../pdf-templates/credit-note.sv.toml"),
    ),
    (
        DocumentKind::CreditNote,
        Language::Nb,
        include_str!("../../pdf-templates/credit-note.nb.toml"),
    ),
    (
        DocumentKind::CreditNote,
        Language::En,
        include_str!("../../pdf-templates/credit-note.en.toml"),
    ),
    (
        DocumentKind::Reminder,
        Language::Sv,
        include_str!("../../pdf-templates/reminder.sv.toml"),
    ),
    (
        DocumentKind::Reminder,
        Language::Nb,
        include_str!("../../pdf-templates/reminder.nb.toml"),
    ),
    (
        DocumentKind::Reminder,
        Language::En,
        include_str!("../../pdf-templates/reminder.en.toml"),
    ),
    (
        DocumentKind::Statement,
        Language::Sv,
        include_str!("../../pdf-templates/statement.sv.toml"),
    ),
    (
        DocumentKind::Statement,
        Language::Nb,
        include_str!("../../pdf-templates/statement.nb.toml"),
    ),
    (
        DocumentKind::Statement,
        Language::En,
        include_str!("../../pdf-templates/statement.en.toml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("shipped template {kind} ({language}): {error}")]
    ShippedTemplate {
        kind: DocumentKind,
        language: Language,
        error: TemplateError,
    },
    #[error("no template for {kind} ({language})")]
    NoTemplate {
        kind: DocumentKind,
        language: Language,
    },
    #[error(transparent)]
    Font(#[from] fonts::FontError),
    #[error(transparent)]
    Write(#[from] writer::WriteError),
}

/// Parses a template for `kind` in `language`, checking it against what that kind of
/// document offers.
pub fn parse_template(
    source: &str,
    kind: DocumentKind,
    language: Language,
) -> Result<Template, TemplateError> {
    template::parse(source, kind, language, context::vocabulary(kind))
}

/// The shipped source of a template, for organisations to start their own copy from.
pub fn shipped_source(kind: DocumentKind, language: Language) -> &'static str {
    SHIPPED
        .iter()
        .find(|(k, l, _)| *k == kind && *l == language)
        .map_or("", |(_, _, s)| s)
}

/// Fonts and shipped templates, parsed once; renders any number of documents, from any
/// number of threads.
pub struct Renderer {
    fonts: Fonts,
    templates: HashMap<(DocumentKind, Language), Template>,
}

impl Renderer {
    pub fn new() -> Result<Self, RenderError> {
        let fonts = Fonts::shipped()?;
        let mut templates = HashMap::new();
        for (kind, language, source) in SHIPPED {
            let t = parse_template(source, *kind, *language).map_err(|error| {
                RenderError::ShippedTemplate {
                    kind: *kind,
                    language: *language,
                    error,
                }
            })?;
            templates.insert((*kind, *language), t);
        }
        Ok(Renderer { fonts, templates })
    }

    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// The shipped template for a kind and language.
    pub fn template(&self, kind: DocumentKind, language: Language) -> Option<&Template> {
        self.templates.get(&(kind, language))
    }

    /// The model of a document: its template (an organisation's own, or the shipped one)
    /// filled with its values.
    pub fn model(
        &self,
        ctx: &Context,
        own: Option<&Template>,
        logo: Option<Arc<Raster>>,
    ) -> Option<model::Document> {
        let template = own.or_else(|| self.template(ctx.kind, ctx.language))?;
        Some(model::build(template, ctx, logo))
    }

    /// Renders a document to PDF bytes.
    pub fn render(
        &self,
        ctx: &Context,
        own: Option<&Template>,
        logo: Option<Arc<Raster>>,
    ) -> Result<Vec<u8>, RenderError> {
        let doc = self.model(ctx, own, logo).ok_or(RenderError::NoTemplate {
            kind: ctx.kind,
            language: ctx.language,
        })?;
        let pages = layout::layout(&doc, &self.fonts);
        Ok(writer::write_pdf(&self.fonts, &pages, &doc.meta)?)
    }
}

/// The sample document of a kind in a language, as values.
pub fn sample_context(kind: DocumentKind, language: Language) -> Context {
    match kind {
        DocumentKind::Offer => context::offer(&sample::offer(language)),
        DocumentKind::Invoice => context::invoice(&sample::invoice(language)),
        DocumentKind::CreditNote => context::invoice(&sample::credit_note(language)),
        DocumentKind::Reminder => context::reminder(&sample::reminder(language)),
        DocumentKind::Statement => context::statement(&sample::statement(language)),
    }
}

#[cfg(test)]
mod tests;
