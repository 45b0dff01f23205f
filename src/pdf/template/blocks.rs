//! The blocks of a template: each `[[blocks]]` entry checked for the keys its type takes,
//! its text, rows, table columns or list against the vocabulary.

use toml::Spanned;

use super::parse::Checker;
use super::raw::RawBlock;
use super::{Block, BlockSpec, Column, Problem, Row, TemplateError, Text, TextStyle};

/// The keys each block type takes; `None` for a type there is not.
fn allowed_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "letterhead" => &["text"],
        "address" => &["text", "rows"],
        "title" | "heading" => &["text"],
        "paragraph" => &["text", "style", "size"],
        "facts" | "totals" => &["rows"],
        "table" => &["source", "columns"],
        "payment" => &["title", "rows", "qr"],
        "signatures" | "rule" => &[],
        "list" => &["source", "title"],
        "spacer" => &["mm"],
        _ => return None,
    })
}

impl Checker<'_> {
    pub(super) fn block(&self, raw: &RawBlock) -> Result<Block, TemplateError> {
        let kind = raw.kind.get_ref().as_str();
        let at = raw.kind.span().start;
        self.check_keys(raw, kind, at)?;
        let spec = match kind {
            "letterhead" => BlockSpec::Letterhead {
                text: self.optional_text(&raw.text)?,
            },
            "address" => BlockSpec::Address {
                text: self.required_text(raw, kind, at)?,
                rows: self.rows(raw, at)?,
            },
            "title" => BlockSpec::Title(self.required_text(raw, kind, at)?),
            "heading" => BlockSpec::Heading(self.required_text(raw, kind, at)?),
            "paragraph" => self.paragraph(raw, kind, at)?,
            "facts" => BlockSpec::Facts(self.rows(raw, at)?),
            "totals" => BlockSpec::Totals(self.rows(raw, at)?),
            "table" => self.table(raw, kind, at)?,
            "payment" => BlockSpec::Payment {
                title: self.optional_text(&raw.title)?,
                rows: self.rows(raw, at)?,
                qr: raw.qr.unwrap_or(false),
            },
            "signatures" => BlockSpec::Signatures,
            "list" => self.list(raw, kind, at)?,
            "spacer" => BlockSpec::Spacer {
                mm: raw.mm.unwrap_or(5.0).clamp(0.0, 100.0),
            },
            _ => BlockSpec::Rule,
        };
        let when = raw.when.as_ref().map(|w| self.value_name(w)).transpose()?;
        Ok(Block { spec, when })
    }

    /// A block type there is, with only the keys it takes.
    fn check_keys(&self, raw: &RawBlock, kind: &str, at: usize) -> Result<(), TemplateError> {
        let Some(allowed) = allowed_keys(kind) else {
            return Err(self.error(at, Problem::UnknownBlock(kind.to_owned())));
        };
        let present = [
            ("text", raw.text.is_some()),
            ("title", raw.title.is_some()),
            ("style", raw.style.is_some()),
            ("size", raw.size.is_some()),
            ("mm", raw.mm.is_some()),
            ("qr", raw.qr.is_some()),
            ("source", raw.source.is_some()),
            ("rows", raw.rows.is_some()),
            ("columns", raw.columns.is_some()),
        ];
        if let Some((key, _)) = present
            .iter()
            .find(|(key, there)| *there && !allowed.contains(key))
        {
            return Err(self.error(
                at,
                Problem::UnexpectedKey {
                    block: kind.into(),
                    key: (*key).into(),
                },
            ));
        }
        Ok(())
    }

    fn missing(&self, kind: &str, at: usize, key: &str) -> TemplateError {
        self.error(
            at,
            Problem::MissingKey {
                block: kind.into(),
                key: key.into(),
            },
        )
    }

    fn optional_text(&self, raw: &Option<Spanned<String>>) -> Result<Text, TemplateError> {
        match raw {
            Some(t) => self.text(t, &[]),
            None => Ok(Text::default()),
        }
    }

    fn required_text(&self, raw: &RawBlock, kind: &str, at: usize) -> Result<Text, TemplateError> {
        let text = raw
            .text
            .as_ref()
            .ok_or_else(|| self.missing(kind, at, "text"))?;
        self.text(text, &[])
    }

    fn rows(&self, raw: &RawBlock, at: usize) -> Result<Vec<Row>, TemplateError> {
        raw.rows
            .iter()
            .flatten()
            .map(|row| self.row(row, at))
            .collect()
    }

    fn paragraph(&self, raw: &RawBlock, kind: &str, at: usize) -> Result<BlockSpec, TemplateError> {
        Ok(BlockSpec::Paragraph {
            text: self.required_text(raw, kind, at)?,
            style: match raw.style.as_ref().map(|s| s.get_ref().as_str()) {
                None | Some("regular") => TextStyle::Regular,
                Some("bold") => TextStyle::Bold,
                Some("muted") => TextStyle::Muted,
                Some(_) => {
                    return Err(self.error(
                        raw.style.as_ref().map_or(at, |s| s.span().start),
                        Problem::BadValue {
                            key: "style".into(),
                            expected: "regular, bold or muted".into(),
                        },
                    ));
                }
            },
            size: raw.size.map(|s| s.clamp(6.0, 24.0)),
        })
    }

    /// A table of one of the kind's tables, its columns fields of that table, their widths
    /// scaled to add up to 100.
    fn table(&self, raw: &RawBlock, kind: &str, at: usize) -> Result<BlockSpec, TemplateError> {
        let source = raw
            .source
            .as_ref()
            .ok_or_else(|| self.missing(kind, at, "source"))?;
        let (name, fields) = self
            .vocabulary
            .tables
            .iter()
            .find(|(name, _)| name == source.get_ref())
            .ok_or_else(|| {
                self.error(
                    source.span().start,
                    Problem::UnknownTable(source.get_ref().clone()),
                )
            })?;
        let raw_columns = raw
            .columns
            .as_ref()
            .ok_or_else(|| self.missing(kind, at, "columns"))?;
        let mut columns = Vec::with_capacity(raw_columns.len());
        for c in raw_columns {
            let field = fields
                .iter()
                .position(|(f, _)| f == c.field.get_ref())
                .ok_or_else(|| {
                    self.error(
                        c.field.span().start,
                        Problem::UnknownField {
                            table: (*name).into(),
                            field: c.field.get_ref().clone(),
                        },
                    )
                })?;
            columns.push(Column {
                field,
                title: c.title.get_ref().clone(),
                width: c.width.max(1.0),
                align: fields[field].1,
            });
        }
        let sum: f32 = columns.iter().map(|c| c.width).sum();
        for c in &mut columns {
            c.width = c.width * 100.0 / sum;
        }
        Ok(BlockSpec::Table {
            source: name,
            columns,
        })
    }

    fn list(&self, raw: &RawBlock, kind: &str, at: usize) -> Result<BlockSpec, TemplateError> {
        let source = raw
            .source
            .as_ref()
            .ok_or_else(|| self.missing(kind, at, "source"))?;
        let name = self
            .vocabulary
            .lists
            .iter()
            .find(|l| **l == source.get_ref())
            .ok_or_else(|| {
                self.error(
                    source.span().start,
                    Problem::UnknownList(source.get_ref().clone()),
                )
            })?;
        Ok(BlockSpec::List {
            source: name,
            title: self.optional_text(&raw.title)?,
        })
    }

    fn row(&self, raw: &[Spanned<String>], at: usize) -> Result<Row, TemplateError> {
        let bad = || {
            self.error(
                raw.first().map_or(at, |r| r.span().start),
                Problem::BadValue {
                    key: "rows".into(),
                    expected: "[\"label\", \"value\"] or [\"label\", \"value\", \"bold\"]".into(),
                },
            )
        };
        match raw {
            [label, value] => Ok(Row {
                label: self.text(label, &[])?,
                value: self.text(value, &[])?,
                bold: false,
            }),
            [label, value, style] if style.get_ref() == "bold" => Ok(Row {
                label: self.text(label, &[])?,
                value: self.text(value, &[])?,
                bold: true,
            }),
            _ => Err(bad()),
        }
    }
}
