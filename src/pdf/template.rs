//! Document templates: plain TOML files an organisation can edit. A template holds the
//! wording with `{{placeholders}}`, the order of the blocks, margins, font size, colours and
//! where the address window sits. It is parsed and checked once, against the placeholders
//! and tables its kind of document offers, so that a typo is refused with its line before
//! any document is made from it.

use serde::Deserialize;
use toml::Spanned;

use crate::domain::Language;
use crate::domain::documents::DocumentKind;
use crate::pdf::page::{FontFamily, Rgb};

/// A template, checked and ready to fill.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub kind: DocumentKind,
    pub language: Language,
    /// Top, right, bottom, left, in millimetres.
    pub margins_mm: [f32; 4],
    pub font_size: f32,
    pub font: FontFamily,
    pub colours: Colours,
    pub window: Window,
    pub logo_width_mm: f32,
    pub blocks: Vec<Block>,
    pub footer: Vec<Text>,
    pub page_label: Text,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colours {
    pub text: Rgb,
    pub accent: Rgb,
    pub muted: Rgb,
    pub rule: Rgb,
}

/// Where the recipient's address goes, for a window envelope (SS 19 10 11 puts it on the
/// right; Norwegian envelopes mostly have the window on the left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub x_mm: f32,
    pub y_mm: f32,
    pub width_mm: f32,
}

/// Text with placeholders, split once so that filling it is a walk over its pieces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Placeholder(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub spec: BlockSpec,
    /// Shown only when this placeholder's value is not empty.
    pub when: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    Regular,
    Bold,
    Muted,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockSpec {
    /// The organisation's name, logo and a line under them.
    Letterhead {
        text: Text,
    },
    /// The recipient in the envelope window, with label/value rows beside it.
    Address {
        text: Text,
        rows: Vec<Row>,
    },
    Title(Text),
    Heading(Text),
    Paragraph {
        text: Text,
        style: TextStyle,
        size: Option<f32>,
    },
    /// Label/value pairs in two columns.
    Facts(Vec<Row>),
    Table {
        source: &'static str,
        columns: Vec<Column>,
    },
    /// Label/value pairs aligned right under a table; rows with an empty value are left out.
    Totals(Vec<Row>),
    /// A framed block with how to pay and, when asked, the payment QR code.
    Payment {
        title: Text,
        rows: Vec<Row>,
        qr: bool,
    },
    Signatures,
    List {
        source: &'static str,
        title: Text,
    },
    Spacer {
        mm: f32,
    },
    Rule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: Text,
    pub value: Text,
    pub bold: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Index of the field in the table's row.
    pub field: usize,
    pub title: String,
    /// Share of the text width, in percent; the widths of a table add up to 100.
    pub width: f32,
    pub align: Align,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// What a kind of document can fill in: its placeholders, tables (with their fields) and
/// lists.
pub struct Vocabulary {
    pub values: &'static [&'static str],
    pub tables: &'static [(&'static str, &'static [(&'static str, Align)])],
    pub lists: &'static [&'static str],
}

/// Placeholders only the footer can use: they are known once the pages are counted.
pub const PAGE_VALUES: &[&str] = &["page", "pages"];

/// A template that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub line: usize,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not TOML, or a key the format does not have.
    Syntax(String),
    UnknownPlaceholder(String),
    /// `{{` without `}}`.
    Unclosed,
    UnknownBlock(String),
    /// A key the block type does not take.
    UnexpectedKey {
        block: String,
        key: String,
    },
    MissingKey {
        block: String,
        key: String,
    },
    UnknownTable(String),
    UnknownField {
        table: String,
        field: String,
    },
    UnknownList(String),
    WrongKind {
        expected: String,
        found: String,
    },
    WrongLanguage {
        expected: String,
        found: String,
    },
    BadValue {
        key: String,
        expected: String,
    },
}

impl TemplateError {
    /// The message in the reader's language, always naming the line.
    pub fn message(&self, lang: Language) -> String {
        let (line_word, text) = match lang {
            Language::Sv => ("rad", self.sv()),
            Language::Nb => ("linje", self.nb()),
            Language::En => ("line", self.en()),
        };
        format!("{line_word} {}: {text}", self.line)
    }

    fn sv(&self) -> String {
        match &self.problem {
            Problem::Syntax(m) => format!("felaktig mall: {m}"),
            Problem::UnknownPlaceholder(n) => format!("okänd platshållare {{{{{n}}}}}"),
            Problem::Unclosed => "{{ saknar sitt }}".into(),
            Problem::UnknownBlock(b) => format!("okänd blocktyp \"{b}\""),
            Problem::UnexpectedKey { block, key } => {
                format!("blocktypen \"{block}\" har ingen nyckel \"{key}\"")
            }
            Problem::MissingKey { block, key } => {
                format!("blocktypen \"{block}\" behöver nyckeln \"{key}\"")
            }
            Problem::UnknownTable(t) => format!("okänd tabell \"{t}\""),
            Problem::UnknownField { table, field } => {
                format!("tabellen \"{table}\" har ingen kolumn \"{field}\"")
            }
            Problem::UnknownList(l) => format!("okänd lista \"{l}\""),
            Problem::WrongKind { expected, found } => {
                format!("mallen är för \"{found}\", inte \"{expected}\"")
            }
            Problem::WrongLanguage { expected, found } => {
                format!("mallen är på \"{found}\", inte \"{expected}\"")
            }
            Problem::BadValue { key, expected } => format!("\"{key}\" ska vara {expected}"),
        }
    }

    fn nb(&self) -> String {
        match &self.problem {
            Problem::Syntax(m) => format!("ugyldig mal: {m}"),
            Problem::UnknownPlaceholder(n) => format!("ukjent plassholder {{{{{n}}}}}"),
            Problem::Unclosed => "{{ mangler sin }}".into(),
            Problem::UnknownBlock(b) => format!("ukjent blokktype \"{b}\""),
            Problem::UnexpectedKey { block, key } => {
                format!("blokktypen \"{block}\" har ingen nøkkel \"{key}\"")
            }
            Problem::MissingKey { block, key } => {
                format!("blokktypen \"{block}\" trenger nøkkelen \"{key}\"")
            }
            Problem::UnknownTable(t) => format!("ukjent tabell \"{t}\""),
            Problem::UnknownField { table, field } => {
                format!("tabellen \"{table}\" har ingen kolonne \"{field}\"")
            }
            Problem::UnknownList(l) => format!("ukjent liste \"{l}\""),
            Problem::WrongKind { expected, found } => {
                format!("malen er for \"{found}\", ikke \"{expected}\"")
            }
            Problem::WrongLanguage { expected, found } => {
                format!("malen er på \"{found}\", ikke \"{expected}\"")
            }
            Problem::BadValue { key, expected } => format!("\"{key}\" skal være {expected}"),
        }
    }

    fn en(&self) -> String {
        match &self.problem {
            Problem::Syntax(m) => format!("invalid template: {m}"),
            Problem::UnknownPlaceholder(n) => format!("unknown placeholder {{{{{n}}}}}"),
            Problem::Unclosed => "{{ without its }}".into(),
            Problem::UnknownBlock(b) => format!("unknown block type \"{b}\""),
            Problem::UnexpectedKey { block, key } => {
                format!("block type \"{block}\" has no key \"{key}\"")
            }
            Problem::MissingKey { block, key } => {
                format!("block type \"{block}\" needs the key \"{key}\"")
            }
            Problem::UnknownTable(t) => format!("unknown table \"{t}\""),
            Problem::UnknownField { table, field } => {
                format!("table \"{table}\" has no column \"{field}\"")
            }
            Problem::UnknownList(l) => format!("unknown list \"{l}\""),
            Problem::WrongKind { expected, found } => {
                format!("the template is for \"{found}\", not \"{expected}\"")
            }
            Problem::WrongLanguage { expected, found } => {
                format!("the template is in \"{found}\", not \"{expected}\"")
            }
            Problem::BadValue { key, expected } => format!("\"{key}\" must be {expected}"),
        }
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Language::En))
    }
}

impl std::error::Error for TemplateError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    kind: Spanned<String>,
    language: Spanned<String>,
    #[serde(default)]
    page: RawPage,
    #[serde(default)]
    colours: RawColours,
    #[serde(default)]
    window: RawWindow,
    #[serde(default)]
    logo: RawLogo,
    #[serde(default)]
    footer: RawFooter,
    #[serde(default)]
    blocks: Vec<RawBlock>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPage {
    margins_mm: Option<Spanned<Vec<f32>>>,
    font_size: Option<Spanned<f32>>,
    font: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawColours {
    text: Option<Spanned<String>>,
    accent: Option<Spanned<String>>,
    muted: Option<Spanned<String>>,
    rule: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    x_mm: Option<f32>,
    y_mm: Option<f32>,
    width_mm: Option<f32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLogo {
    width_mm: Option<f32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFooter {
    #[serde(default)]
    columns: Vec<Spanned<String>>,
    page_label: Option<Spanned<String>>,
}

/// One `[[blocks]]` entry. Its keys are checked per type here rather than by serde, so
/// that a key in the wrong block is named together with the block.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    text: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    when: Option<Spanned<String>>,
    style: Option<Spanned<String>>,
    size: Option<f32>,
    mm: Option<f32>,
    qr: Option<bool>,
    source: Option<Spanned<String>>,
    rows: Option<Vec<Vec<Spanned<String>>>>,
    columns: Option<Vec<RawColumn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    field: Spanned<String>,
    title: Spanned<String>,
    width: f32,
}

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
    if raw.kind.get_ref() != kind.as_str() {
        return Err(ctx.error(
            raw.kind.span().start,
            Problem::WrongKind {
                expected: kind.as_str().into(),
                found: raw.kind.get_ref().clone(),
            },
        ));
    }
    if raw.language.get_ref() != language.as_str() {
        return Err(ctx.error(
            raw.language.span().start,
            Problem::WrongLanguage {
                expected: language.as_str().into(),
                found: raw.language.get_ref().clone(),
            },
        ));
    }
    let margins_mm = match &raw.page.margins_mm {
        None => [18.0, 18.0, 18.0, 20.0],
        Some(m) => match m.get_ref().as_slice() {
            &[t, r, b, l] if [t, r, b, l].iter().all(|v| (5.0..=60.0).contains(v)) => [t, r, b, l],
            _ => {
                return Err(ctx.error(
                    m.span().start,
                    Problem::BadValue {
                        key: "margins_mm".into(),
                        expected: "[top, right, bottom, left], 5–60 mm".into(),
                    },
                ));
            }
        },
    };
    let font_size = match &raw.page.font_size {
        None => 9.0,
        Some(s) if (6.0..=14.0).contains(s.get_ref()) => *s.get_ref(),
        Some(s) => {
            return Err(ctx.error(
                s.span().start,
                Problem::BadValue {
                    key: "font_size".into(),
                    expected: "6–14".into(),
                },
            ));
        }
    };
    let font = match raw
        .page
        .font
        .as_ref()
        .map(|f| (f.get_ref().as_str(), f.span().start))
    {
        None | Some(("sans", _)) => FontFamily::Sans,
        Some(("serif", _)) => FontFamily::Serif,
        Some((_, at)) => {
            return Err(ctx.error(
                at,
                Problem::BadValue {
                    key: "font".into(),
                    expected: "\"sans\" (DejaVu Sans) or \"serif\" (DejaVu Serif)".into(),
                },
            ));
        }
    };
    let colours = Colours {
        text: ctx.colour(&raw.colours.text, "text", Rgb(0x1b, 0x1b, 0x1b))?,
        accent: ctx.colour(&raw.colours.accent, "accent", Rgb(0x1f, 0x4e, 0x79))?,
        muted: ctx.colour(&raw.colours.muted, "muted", Rgb(0x5a, 0x62, 0x70))?,
        rule: ctx.colour(&raw.colours.rule, "rule", Rgb(0xb8, 0xbf, 0xc9))?,
    };
    let window = Window {
        x_mm: raw.window.x_mm.unwrap_or(118.0).clamp(0.0, 190.0),
        y_mm: raw.window.y_mm.unwrap_or(50.0).clamp(0.0, 250.0),
        width_mm: raw.window.width_mm.unwrap_or(80.0).clamp(20.0, 190.0),
    };
    let logo_width_mm = raw.logo.width_mm.unwrap_or(35.0).clamp(5.0, 100.0);
    let blocks = raw
        .blocks
        .iter()
        .map(|b| ctx.block(b))
        .collect::<Result<Vec<_>, _>>()?;
    let footer = raw
        .footer
        .columns
        .iter()
        .map(|c| ctx.text(c, PAGE_VALUES))
        .collect::<Result<Vec<_>, _>>()?;
    let page_label = match &raw.footer.page_label {
        Some(l) => ctx.text(l, PAGE_VALUES)?,
        None => Text(vec![
            Piece::Placeholder("page"),
            Piece::Literal(" / ".into()),
            Piece::Placeholder("pages"),
        ]),
    };
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

struct Checker<'a> {
    source: &'a str,
    vocabulary: &'a Vocabulary,
}

impl Checker<'_> {
    fn error(&self, offset: usize, problem: Problem) -> TemplateError {
        TemplateError {
            line: line_of(self.source, offset),
            problem,
        }
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
    fn text(&self, raw: &Spanned<String>, extra: &[&'static str]) -> Result<Text, TemplateError> {
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

    fn value_name(&self, raw: &Spanned<String>) -> Result<&'static str, TemplateError> {
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

    fn block(&self, raw: &RawBlock) -> Result<Block, TemplateError> {
        let kind = raw.kind.get_ref().as_str();
        let at = raw.kind.span().start;
        let allowed: &[&str] = match kind {
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
            other => return Err(self.error(at, Problem::UnknownBlock(other.to_owned()))),
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
        let missing = |key: &str| {
            self.error(
                at,
                Problem::MissingKey {
                    block: kind.into(),
                    key: key.into(),
                },
            )
        };
        let text = |raw: &Option<Spanned<String>>| -> Result<Text, TemplateError> {
            match raw {
                Some(t) => self.text(t, &[]),
                None => Ok(Text::default()),
            }
        };
        let rows = || -> Result<Vec<Row>, TemplateError> {
            raw.rows
                .iter()
                .flatten()
                .map(|row| self.row(row, at))
                .collect()
        };
        let spec = match kind {
            "letterhead" => BlockSpec::Letterhead {
                text: text(&raw.text)?,
            },
            "address" => BlockSpec::Address {
                text: self.text(raw.text.as_ref().ok_or_else(|| missing("text"))?, &[])?,
                rows: rows()?,
            },
            "title" => {
                BlockSpec::Title(self.text(raw.text.as_ref().ok_or_else(|| missing("text"))?, &[])?)
            }
            "heading" => BlockSpec::Heading(
                self.text(raw.text.as_ref().ok_or_else(|| missing("text"))?, &[])?,
            ),
            "paragraph" => BlockSpec::Paragraph {
                text: self.text(raw.text.as_ref().ok_or_else(|| missing("text"))?, &[])?,
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
            },
            "facts" => BlockSpec::Facts(rows()?),
            "totals" => BlockSpec::Totals(rows()?),
            "table" => {
                let source = raw.source.as_ref().ok_or_else(|| missing("source"))?;
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
                let raw_columns = raw.columns.as_ref().ok_or_else(|| missing("columns"))?;
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
                BlockSpec::Table {
                    source: name,
                    columns,
                }
            }
            "payment" => BlockSpec::Payment {
                title: text(&raw.title)?,
                rows: rows()?,
                qr: raw.qr.unwrap_or(false),
            },
            "signatures" => BlockSpec::Signatures,
            "list" => {
                let source = raw.source.as_ref().ok_or_else(|| missing("source"))?;
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
                BlockSpec::List {
                    source: name,
                    title: text(&raw.title)?,
                }
            }
            "spacer" => BlockSpec::Spacer {
                mm: raw.mm.unwrap_or(5.0).clamp(0.0, 100.0),
            },
            _ => BlockSpec::Rule,
        };
        let when = raw.when.as_ref().map(|w| self.value_name(w)).transpose()?;
        Ok(Block { spec, when })
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
