//! The document model: a template filled with one document's values. It says what is on
//! the pages, block by block, with every text final, but not where: that is layout's job.
//! Tests snapshot this model rather than PDF bytes.

use std::sync::Arc;

use crate::pdf::context::Context;
use crate::pdf::page::{FontFamily, Metadata, Raster};
use crate::pdf::template::{
    self, Align, BlockSpec, Colours, Piece, Template, Text, TextStyle, Window,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub meta: Metadata,
    pub margins_mm: [f32; 4],
    pub font_size: f32,
    pub font: FontFamily,
    pub colours: Colours,
    pub window: Window,
    pub logo: Option<Logo>,
    pub blocks: Vec<Block>,
    /// Footer columns, each a list of lines.
    pub footer: Vec<Vec<String>>,
    /// The page label with `{{page}}` and `{{pages}}` still open, filled in by layout.
    pub page_label: Text,
}

/// The organisation's logo and how wide to print it.
#[derive(Clone, PartialEq)]
pub struct Logo {
    pub raster: Arc<Raster>,
    pub width_mm: f32,
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Logo({}×{} px, {} mm wide)",
            self.raster.width, self.raster.height, self.width_mm
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub label: String,
    pub value: String,
    pub bold: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    pub width: f32,
    pub align: Align,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Letterhead {
        name: String,
        lines: Vec<String>,
    },
    Address {
        lines: Vec<String>,
        beside: Vec<Pair>,
    },
    Title(String),
    Heading(String),
    Paragraph {
        text: String,
        style: TextStyle,
        size: Option<f32>,
    },
    Facts(Vec<Pair>),
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    Totals(Vec<Pair>),
    Payment {
        title: String,
        rows: Vec<Pair>,
        qr: Option<String>,
    },
    Signatures(Vec<(String, String)>),
    List {
        title: String,
        items: Vec<String>,
    },
    Spacer {
        mm: f32,
    },
    Rule,
}

/// Fills `text`, leaving out every line whose placeholders all came out empty, so that
/// "Momsreg.nr {{organisation.vat_number}}" disappears when there is none.
pub fn fill(text: &Text, ctx: &Context) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut placeholders = 0;
    let mut filled = 0;
    let flush = |line: &mut String, out: &mut String, placeholders: &mut i32, filled: &mut i32| {
        if *placeholders == 0 || *filled > 0 {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line.trim_end());
        }
        line.clear();
        *placeholders = 0;
        *filled = 0;
    };
    for piece in &text.0 {
        match piece {
            Piece::Literal(s) => {
                let mut parts = s.split('\n');
                if let Some(first) = parts.next() {
                    line.push_str(first);
                }
                for part in parts {
                    flush(&mut line, &mut out, &mut placeholders, &mut filled);
                    line.push_str(part);
                }
            }
            Piece::Placeholder(name) => {
                placeholders += 1;
                let value = ctx.values.get(name).map(String::as_str).unwrap_or("");
                if !value.is_empty() {
                    filled += 1;
                }
                let mut parts = value.split('\n');
                if let Some(first) = parts.next() {
                    line.push_str(first);
                }
                for part in parts {
                    flush(&mut line, &mut out, &mut placeholders, &mut filled);
                    placeholders = 1;
                    filled = 1;
                    line.push_str(part);
                }
            }
        }
    }
    flush(&mut line, &mut out, &mut placeholders, &mut filled);
    out
}

fn pairs(rows: &[template::Row], ctx: &Context) -> Vec<Pair> {
    rows.iter()
        .filter_map(|r| {
            let value = fill(&r.value, ctx);
            (!value.is_empty()).then(|| Pair {
                label: fill(&r.label, ctx),
                value,
                bold: r.bold,
            })
        })
        .collect()
}

/// Builds the model of one document from its template and values.
pub fn build(template: &Template, ctx: &Context, logo: Option<Arc<Raster>>) -> Document {
    let mut blocks = Vec::with_capacity(template.blocks.len());
    for b in &template.blocks {
        if let Some(when) = b.when
            && ctx.values.get(when).is_none_or(|v| v.is_empty())
        {
            continue;
        }
        if let Some(block) = block(&b.spec, ctx) {
            blocks.push(block);
        }
    }
    Document {
        meta: metadata(ctx),
        margins_mm: template.margins_mm,
        font_size: template.font_size,
        font: template.font,
        colours: template.colours,
        window: template.window,
        logo: logo.map(|raster| Logo {
            raster,
            width_mm: template.logo_width_mm,
        }),
        blocks,
        footer: template
            .footer
            .iter()
            .map(|c| lines(&fill(c, ctx)))
            .filter(|c| !c.is_empty())
            .collect(),
        page_label: template.page_label.clone(),
    }
}

/// A block filled with the document's values; `None` when it has nothing to show.
fn block(spec: &BlockSpec, ctx: &Context) -> Option<Block> {
    Some(match spec {
        BlockSpec::Letterhead { text } => Block::Letterhead {
            name: ctx
                .values
                .get("organisation.name")
                .cloned()
                .unwrap_or_default(),
            lines: lines(&fill(text, ctx)),
        },
        BlockSpec::Address { text, rows } => Block::Address {
            lines: lines(&fill(text, ctx)),
            beside: pairs(rows, ctx),
        },
        BlockSpec::Title(t) => Block::Title(fill(t, ctx)),
        BlockSpec::Heading(t) => Block::Heading(fill(t, ctx)),
        BlockSpec::Paragraph { text, style, size } => {
            let text = fill(text, ctx);
            if text.is_empty() {
                return None;
            }
            Block::Paragraph {
                text,
                style: *style,
                size: *size,
            }
        }
        BlockSpec::Facts(rows) => Block::Facts(pairs(rows, ctx)),
        BlockSpec::Totals(rows) => Block::Totals(pairs(rows, ctx)),
        BlockSpec::Table { source, columns } => return table(source, columns, ctx),
        BlockSpec::Payment { title, rows, qr } => Block::Payment {
            title: fill(title, ctx),
            rows: pairs(rows, ctx),
            qr: if *qr { ctx.qr.clone() } else { None },
        },
        BlockSpec::Signatures => {
            if ctx.signatories.is_empty() {
                return None;
            }
            Block::Signatures(ctx.signatories.clone())
        }
        BlockSpec::List { source, title } => {
            let items = ctx.lists.get(source).cloned().unwrap_or_default();
            if items.is_empty() {
                return None;
            }
            Block::List {
                title: fill(title, ctx),
                items,
            }
        }
        BlockSpec::Spacer { mm } => Block::Spacer { mm: *mm },
        BlockSpec::Rule => Block::Rule,
    })
}

/// A table of the document's rows, each cut to the template's columns; `None` when the
/// document has no rows.
fn table(source: &str, columns: &[template::Column], ctx: &Context) -> Option<Block> {
    let data = ctx.tables.get(source).map(Vec::as_slice).unwrap_or(&[]);
    if data.is_empty() {
        return None;
    }
    Some(Block::Table {
        columns: columns
            .iter()
            .map(|c| Column {
                title: c.title.clone(),
                width: c.width,
                align: c.align,
            })
            .collect(),
        rows: data
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|c| row.get(c.field).cloned().unwrap_or_default())
                    .collect()
            })
            .collect(),
    })
}

fn metadata(ctx: &Context) -> Metadata {
    let locale = match ctx.language {
        crate::domain::Language::Sv => "sv-SE",
        crate::domain::Language::Nb => "nb-NO",
        crate::domain::Language::En => "en",
    };
    Metadata {
        title: ctx.title.clone(),
        author: ctx.author.clone(),
        subject: ctx.kind.as_str().to_owned(),
        date: ctx.date,
        language: locale.to_owned(),
    }
}

fn lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n').map(str::to_owned).collect()
}
