//! Layout: the document model onto A4 pages. Text is measured and wrapped to its box,
//! tables break between rows and repeat their header, and every page gets the footer and
//! "page n of m". Nothing is placed outside the margins or over something else: each block
//! takes the height it needs and the cursor moves past it.

mod blocks;
mod frame;
mod payment;
mod table;
mod text;

use crate::pdf::model::{Block, Document};
use crate::pdf::page::{FontFamily, FontStyle, Item, Measure, Page, Rgb};
use crate::pdf::template::{Align, TextStyle};

pub use text::wrap;

pub const A4_WIDTH: f32 = 595.28;
pub const A4_HEIGHT: f32 = 841.89;
const PT_PER_MM: f32 = 72.0 / 25.4;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;
const CELL_PAD: f32 = 3.0;

pub fn mm(v: f32) -> f32 {
    v * PT_PER_MM
}

/// Measures the faces of one family: layout thinks in regular and bold, and the template
/// says which family those are.
struct InFamily<'a> {
    measure: &'a dyn Measure,
    family: FontFamily,
}

impl Measure for InFamily<'_> {
    fn width(&self, style: FontStyle, text: &str, size: f32) -> f32 {
        self.measure.width(style.in_family(self.family), text, size)
    }

    fn ascent(&self) -> f32 {
        self.measure.ascent()
    }

    fn descent(&self) -> f32 {
        self.measure.descent()
    }
}

/// Lays the document out on as many pages as it needs, in the template's font family.
pub fn layout(doc: &Document, measure: &dyn Measure) -> Vec<Page> {
    let family = InFamily {
        measure,
        family: doc.font,
    };
    let mut pages = layout_in(doc, &family);
    if doc.font != FontFamily::Sans {
        for item in pages.iter_mut().flat_map(|p| p.items.iter_mut()) {
            if let Item::Text { style, .. } = item {
                *style = style.in_family(doc.font);
            }
        }
    }
    pages
}

fn layout_in(doc: &Document, measure: &dyn Measure) -> Vec<Page> {
    let [top, right, bottom, left] = doc.margins_mm.map(mm);
    let footer_size = doc.font_size * 0.8;
    let footer_lines = doc.footer.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let footer_height = footer_lines as f32 * footer_size * LEADING + 8.0;
    let mut l = Layout {
        measure,
        doc,
        left,
        right: A4_WIDTH - right,
        top,
        bottom: A4_HEIGHT - bottom - footer_height,
        y: top,
        pages: Vec::new(),
        items: Vec::new(),
        size: doc.font_size,
        running: footer_size * LEADING + 10.0,
    };
    for block in &doc.blocks {
        l.block(block);
    }
    l.finish_page();
    let total = l.pages.len();
    let mut pages = std::mem::take(&mut l.pages);
    for (i, page) in pages.iter_mut().enumerate() {
        l.footer(page, i + 1, total, footer_size);
        if i > 0 {
            l.running_header(page, i + 1, total, footer_size);
        }
    }
    pages
}

struct Layout<'a> {
    measure: &'a dyn Measure,
    doc: &'a Document,
    left: f32,
    right: f32,
    top: f32,
    /// The lowest a block may reach, above the footer.
    bottom: f32,
    y: f32,
    pages: Vec<Page>,
    items: Vec<Item>,
    size: f32,
    /// The height of the running header every page after the first begins with.
    running: f32,
}

impl Layout<'_> {
    fn width(&self) -> f32 {
        self.right - self.left
    }

    fn line_height(&self, size: f32) -> f32 {
        size * LEADING
    }

    fn finish_page(&mut self) {
        self.pages.push(Page {
            width: A4_WIDTH,
            height: A4_HEIGHT,
            items: std::mem::take(&mut self.items),
        });
        self.y = self.top + self.running;
    }

    /// Starts a new page unless `height` still fits under the cursor. A block taller
    /// than a page starts at the top and is split by its own logic.
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom && self.y > self.top {
            self.finish_page();
        }
    }

    fn text(
        &mut self,
        x: f32,
        baseline: f32,
        text: &str,
        style: FontStyle,
        size: f32,
        colour: Rgb,
    ) {
        if text.is_empty() {
            return;
        }
        self.items.push(Item::Text {
            x,
            y: baseline,
            text: text.to_owned(),
            style,
            size,
            colour,
        });
    }

    /// Text aligned in the box from `x` to `x + width`.
    #[allow(clippy::too_many_arguments)]
    fn aligned(
        &mut self,
        x: f32,
        width: f32,
        baseline: f32,
        text: &str,
        style: FontStyle,
        size: f32,
        colour: Rgb,
        align: Align,
    ) {
        let x = match align {
            Align::Left => x,
            Align::Right => x + width - self.measure.width(style, text, size),
        };
        self.text(x, baseline, text, style, size, colour);
    }

    fn rule(&mut self, y: f32, x1: f32, x2: f32, width: f32) {
        self.items.push(Item::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
            colour: self.doc.colours.rule,
        });
    }

    /// Wrapped lines of `text` that fit `width`.
    fn wrap(&self, text: &str, style: FontStyle, size: f32, width: f32) -> Vec<String> {
        wrap(self.measure, text, style, size, width)
    }

    /// Writes wrapped lines from the cursor, breaking pages between lines.
    fn lines(&mut self, lines: &[String], x: f32, style: FontStyle, size: f32, colour: Rgb) {
        let lh = self.line_height(size);
        for line in lines {
            self.ensure(lh);
            let baseline = self.y + size * self.measure.ascent();
            self.text(x, baseline, line, style, size, colour);
            self.y += lh;
        }
    }

    fn paragraph(&mut self, text: &str, style: FontStyle, size: f32, colour: Rgb) {
        let lines = self.wrap(text, style, size, self.width());
        self.lines(&lines, self.left, style, size, colour);
    }

    fn block(&mut self, block: &Block) {
        let c = self.doc.colours;
        let size = self.size;
        match block {
            Block::Letterhead { name, lines } => self.letterhead(name, lines),
            Block::Address { lines, beside } => self.address(lines, beside),
            Block::Title(t) => {
                let s = size * 1.9;
                self.ensure(s * LEADING + 4.0 * self.line_height(size));
                self.paragraph(t, FontStyle::Bold, s, c.accent);
                self.y += size * 0.4;
            }
            Block::Heading(t) => {
                let s = size * 1.2;
                self.y += size * 0.6;
                self.ensure(s * LEADING + 3.0 * self.line_height(size));
                self.paragraph(t, FontStyle::Bold, s, c.text);
                self.y += size * 0.2;
            }
            Block::Paragraph {
                text,
                style,
                size: s,
            } => {
                let s = s.unwrap_or(size);
                let (font, colour) = match style {
                    TextStyle::Regular => (FontStyle::Regular, c.text),
                    TextStyle::Bold => (FontStyle::Bold, c.text),
                    TextStyle::Muted => (FontStyle::Regular, c.muted),
                };
                self.paragraph(text, font, s, colour);
                self.y += s * 0.5;
            }
            Block::Facts(pairs) => self.facts(pairs),
            Block::Table { columns, rows } => self.table(columns, rows),
            Block::Totals(pairs) => self.totals(pairs),
            Block::Payment { title, rows, qr } => self.payment(title, rows, qr.as_deref()),
            Block::Signatures(people) => self.signatures(people),
            Block::List { title, items } => self.list(title, items),
            Block::Spacer { mm: v } => {
                self.y = (self.y + mm(*v)).min(self.bottom);
            }
            Block::Rule => {
                self.ensure(size);
                self.y += size * 0.4;
                self.rule(self.y, self.left, self.right, 0.6);
                self.y += size * 0.6;
            }
        }
    }

    /// Label/value pairs: the label's lines muted and smaller, the value's at `label_w`
    /// beside them, from `top`, a line height apart.
    #[allow(clippy::too_many_arguments)]
    fn pair(
        &mut self,
        x: f32,
        label_w: f32,
        top: f32,
        label: &[String],
        label_size: f32,
        value: &[String],
        style: FontStyle,
    ) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        for (i, l) in label.iter().enumerate() {
            let base = top + i as f32 * lh + size * self.measure.ascent();
            self.text(x, base, l, FontStyle::Regular, label_size, c.muted);
        }
        for (i, v) in value.iter().enumerate() {
            let base = top + i as f32 * lh + size * self.measure.ascent();
            self.text(x + label_w, base, v, style, size, c.text);
        }
    }
}
