//! Document templates: plain TOML files an organisation can edit. A template holds the
//! wording with `{{placeholders}}`, the order of the blocks, margins, font size, colours and
//! where the address window sits. It is parsed and checked once, against the placeholders
//! and tables its kind of document offers, so that a typo is refused with its line before
//! any document is made from it.

mod blocks;
mod error;
mod parse;
mod raw;

use crate::domain::Language;
use crate::domain::documents::DocumentKind;
use crate::pdf::page::{FontFamily, Rgb};

pub use error::{Problem, TemplateError};
pub use parse::parse;

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
