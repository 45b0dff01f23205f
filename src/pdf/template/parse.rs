//! The parser: TOML in, a checked [`Template`] out. Page settings, colours, the window and
//! the footer are checked here, the blocks in `blocks`.

use toml::Spanned;

use super::raw::{RawColours, RawFooter, RawPage, RawTemplate, RawWindow};
use super::{
    Colours, PAGE_VALUES, Piece, Problem, Template, TemplateError, Text, Vocabulary, Window,
};
use crate::domain::Language;
use crate::domain::documents::DocumentKind;
use crate::pdf::page::{FontFamily, Rgb};

/// Parses and checks a template for `kind` in `language` against `vocabulary`.
pub fn parse(
    source: &str,
    kind: DocumentKind,
    language: Language,
    vocabulary: &Vocabulary,
) -> Result<Template, TemplateError> {
    let raw: RawTemplate = toml::from_str(source).map_err(|e| TemplateError {
        line: e.span().map_or(1, |s| line_of(source, s.start)),
        problem: Problem::Syntax(e.message().trim().to_owned()),
    })?;
    let ctx = Checker { source, vocabulary };
    ctx.kind_and_language(&raw, kind, language)?;
    let margins_mm = ctx.margins(&raw.page)?;
    let font_size = ctx.font_size(&raw.page)?;
    let font = ctx.font(&raw.page)?;
    let colours = ctx.colours(&raw.colours)?;
    let window = window(&raw.window);
    let logo_width_mm = raw.logo.width_mm.unwrap_or(35.0).clamp(5.0, 100.0);
    let blocks = raw
        .blocks
        .iter()
        .map(|b| ctx.block(b))
        .collect::<Result<Vec<_>, _>>()?;
    let (footer, page_label) = ctx.footer(&raw.footer)?;
    Ok(Template {
        kind,
        language,
        margins_mm,
        font_size,
        font,
        colours,
        window,
        logo_width_mm,
        blocks,
        footer,
        page_label,
    })
}

fn window(raw: &RawWindow) -> Window {
    Window {
        x_mm: raw.x_mm.unwrap_or(118.0).clamp(0.0, 190.0),
        y_mm: raw.y_mm.unwrap_or(50.0).clamp(0.0, 250.0),
        width_mm: raw.width_mm.unwrap_or(80.0).clamp(20.0, 190.0),
    }
}

/// Checks a template's parts against the source (for line numbers) and the vocabulary of
/// its kind.
pub(super) struct Checker<'a> {
    pub(super) source: &'a str,
    pub(super) vocabulary: &'a Vocabulary,
}

impl Checker<'_> {
    pub(super) fn error(&self, offset: usize, problem: Problem) -> TemplateError {
        TemplateError {
            line: line_of(self.source, offset),
            problem,
        }
    }

    fn kind_and_language(
        &self,
        raw: &RawTemplate,
        kind: DocumentKind,
        language: Language,
    ) -> Result<(), TemplateError> {
        if raw.kind.get_ref() != kind.as_str() {
            return Err(self.error(
                raw.kind.span().start,
                Problem::WrongKind {
                    expected: kind.as_str().into(),
                    found: raw.kind.get_ref().clone(),
                },
            ));
        }
        if raw.language.get_ref() != language.as_str() {
            return Err(self.error(
                raw.language.span().start,
                Problem::WrongLanguage {
                    expected: language.as_str().into(),
                    found: raw.language.get_ref().clone(),
                },
            ));
        }
        Ok(())
    }

    fn margins(&self, page: &RawPage) -> Result<[f32; 4], TemplateError> {
        match &page.margins_mm {
            None => Ok([18.0, 18.0, 18.0, 20.0]),
            Some(m) => match m.get_ref().as_slice() {
                &[t, r, b, l] if [t, r, b, l].iter().all(|v| (5.0..=60.0).contains(v)) => {
                    Ok([t, r, b, l])
                }
                _ => Err(self.error(
                    m.span().start,
                    Problem::BadValue {
                        key: "margins_mm".into(),
                        expected: "[top, right, bottom, left], 5–60 mm".into(),
                    },
                )),
            },
        }
    }

    fn font_size(&self, page: &RawPage) -> Result<f32, TemplateError> {
        match &page.font_size {
            None => Ok(9.0),
            Some(s) if (6.0..=14.0).contains(s.get_ref()) => Ok(*s.get_ref()),
            Some(s) => Err(self.error(
                s.span().start,
                Problem::BadValue {
                    key: "font_size".into(),
                    expected: "6–14".into(),
                },
            )),
        }
    }

    fn font(&self, page: &RawPage) -> Result<FontFamily, TemplateError> {
        match page
            .font
            .as_ref()
            .map(|f| (f.get_ref().as_str(), f.span().start))
        {
            None | Some(("sans", _)) => Ok(FontFamily::Sans),
            Some(("serif", _)) => Ok(FontFamily::Serif),
            Some((_, at)) => Err(self.error(
                at,
                Problem::BadValue {
                    key: "font".into(),
                    expected: "\"sans\" (DejaVu Sans) or \"serif\" (DejaVu Serif)".into(),
                },
            )),
        }
    }

    fn colours(&self, raw: &RawColours) -> Result<Colours, TemplateError> {
        Ok(Colours {
            text: self.colour(&raw.text, "text", Rgb(0x1b, 0x1b, 0x1b))?,
            accent: self.colour(&raw.accent, "accent", Rgb(0x1f, 0x4e, 0x79))?,
            muted: self.colour(&raw.muted, "muted", Rgb(0x5a, 0x62, 0x70))?,
            rule: self.colour(&raw.rule, "rule", Rgb(0xb8, 0xbf, 0xc9))?,
        })
    }

    fn colour(
        &self,
        raw: &Option<Spanned<String>>,
        key: &str,
        default: Rgb,
    ) -> Result<Rgb, TemplateError> {
        let Some(raw) = raw else { return Ok(default) };
        parse_colour(raw.get_ref()).ok_or_else(|| {
            self.error(
                raw.span().start,
                Problem::BadValue {
                    key: key.into(),
                    expected: "#rrggbb".into(),
                },
            )
        })
    }

    /// Splits text into literals and placeholders, each checked against the vocabulary
    /// (plus `extra`, for the footer's page numbers).
    pub(super) fn text(
        &self,
        raw: &Spanned<String>,
        extra: &[&'static str],
    ) -> Result<Text, TemplateError> {
        let value = raw.get_ref();
        let start = raw.span().start;
        // A multi-line string's first newline right after the quotes is not part of it.
        let skipped = self.source[start..].starts_with("\"\"\"\n")
            || self.source[start..].starts_with("'''\n");
        let line_at = |at: usize| {
            line_of(self.source, start) + usize::from(skipped) + value[..at].matches('\n').count()
        };
        let mut pieces = Vec::new();
        let mut rest = 0;
        while let Some(open) = value[rest..].find("{{").map(|i| rest + i) {
            let Some(close) = value[open + 2..].find("}}").map(|i| open + 2 + i) else {
                return Err(TemplateError {
                    line: line_at(open),
                    problem: Problem::Unclosed,
                });
            };
            if open > rest {
                pieces.push(Piece::Literal(value[rest..open].to_owned()));
            }
            let name = value[open + 2..close].trim();
            let known = self
                .vocabulary
                .values
                .iter()
                .chain(extra)
                .find(|v| **v == name)
                .ok_or_else(|| TemplateError {
                    line: line_at(open),
                    problem: Problem::UnknownPlaceholder(name.to_owned()),
                })?;
            pieces.push(Piece::Placeholder(known));
            rest = close + 2;
        }
        if rest < value.len() {
            pieces.push(Piece::Literal(value[rest..].to_owned()));
        }
        Ok(Text(pieces))
    }

    pub(super) fn value_name(&self, raw: &Spanned<String>) -> Result<&'static str, TemplateError> {
        let name = raw
            .get_ref()
            .trim()
            .trim_start_matches("{{")
            .trim_end_matches("}}");
        self.vocabulary
            .values
            .iter()
            .find(|v| **v == name.trim())
            .copied()
            .ok_or_else(|| {
                self.error(
                    raw.span().start,
                    Problem::UnknownPlaceholder(name.trim().to_owned()),
                )
            })
    }

    /// The footer's columns and page label, which may also use the page numbers.
    fn footer(&self, raw: &RawFooter) -> Result<(Vec<Text>, Text), TemplateError> {
        let footer = raw
            .columns
            .iter()
            .map(|c| self.text(c, PAGE_VALUES))
            .collect::<Result<Vec<_>, _>>()?;
        let page_label = match &raw.page_label {
            Some(l) => self.text(l, PAGE_VALUES)?,
            None => Text(vec![
                Piece::Placeholder("page"),
                Piece::Literal(" / ".into()),
                Piece::Placeholder("pages"),
            ]),
        };
        Ok((footer, page_label))
    }
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

fn parse_colour(raw: &str) -> Option<Rgb> {
    let hex = raw.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
}
