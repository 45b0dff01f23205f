//! Layout: the document model onto A4 pages. Text is measured and wrapped to its box,
//! tables break between rows and repeat their header, and every page gets the footer and
//! "page n of m". Nothing is placed outside the margins or over something else: each block
//! takes the height it needs and the cursor moves past it.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{EcLevel, bits, ec};

use crate::pdf::model::{Block, Column, Document, Pair};
use crate::pdf::page::{FontFamily, FontStyle, Item, Measure, Page, Rgb};
use crate::pdf::template::{Align, Piece, TextStyle};

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
            Block::List { title, items } => {
                self.ensure(self.line_height(size) * 3.0);
                if !title.is_empty() {
                    self.y += size * 0.4;
                    self.paragraph(title, FontStyle::Bold, size, c.text);
                }
                let indent = self.measure.width(FontStyle::Regular, "–  ", size);
                for item in items {
                    let lines = self.wrap(item, FontStyle::Regular, size, self.width() - indent);
                    self.ensure(self.line_height(size));
                    let baseline = self.y + size * self.measure.ascent();
                    self.text(self.left, baseline, "–", FontStyle::Regular, size, c.text);
                    self.lines(&lines, self.left + indent, FontStyle::Regular, size, c.text);
                }
                self.y += size * 0.5;
            }
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

    fn letterhead(&mut self, name: &str, lines: &[String]) {
        let c = self.doc.colours;
        let size = self.size;
        let start = self.y;
        let mut text_right = self.right;
        let mut logo_bottom = start;
        if let Some(logo) = &self.doc.logo {
            let w = mm(logo.width_mm).min(self.width() / 2.0);
            let ratio = logo.raster.height as f32 / logo.raster.width.max(1) as f32;
            let h = (w * ratio).min(mm(30.0));
            let w = h / ratio.max(f32::EPSILON);
            self.items.push(Item::Image {
                x: self.right - w,
                y: start,
                w,
                h,
                raster: logo.raster.clone(),
            });
            text_right = self.right - w - mm(5.0);
            logo_bottom = start + h;
        }
        let name_size = size * 1.6;
        let width = text_right - self.left;
        let name_lines = self.wrap(name, FontStyle::Bold, name_size, width);
        self.lines(&name_lines, self.left, FontStyle::Bold, name_size, c.accent);
        for line in lines {
            let wrapped = self.wrap(line, FontStyle::Regular, size * 0.9, width);
            self.lines(&wrapped, self.left, FontStyle::Regular, size * 0.9, c.muted);
        }
        self.y = self.y.max(logo_bottom) + size * 0.8;
        self.rule(self.y, self.left, self.right, 0.8);
        self.y += size * 1.2;
    }

    /// The recipient at the window position on the first page, with label/value pairs
    /// beside it on the side the window leaves free.
    fn address(&mut self, lines: &[String], beside: &[Pair]) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        let window = self.doc.window;
        let wx = mm(window.x_mm).clamp(self.left, self.right - mm(20.0));
        let ww = mm(window.width_mm).min(self.right - wx);
        let top = if self.pages.is_empty() {
            self.y.max(mm(window.y_mm))
        } else {
            self.y
        };
        let window_on_right = wx > self.left + self.width() / 3.0;
        let (bx, bw) = if window_on_right {
            (self.left, wx - self.left - mm(6.0))
        } else {
            let x = wx + ww + mm(6.0);
            (x, self.right - x)
        };
        // Pairs start at the cursor: beside a right-hand window they can sit above its top.
        let start = if window_on_right { self.y } else { top };
        let mut y = start;
        let label_w = bw * 0.42;
        for p in beside {
            let label = wrap(
                self.measure,
                &p.label,
                FontStyle::Regular,
                size * 0.85,
                label_w - 4.0,
            );
            let style = if p.bold {
                FontStyle::Bold
            } else {
                FontStyle::Regular
            };
            let value = wrap(self.measure, &p.value, style, size, bw - label_w);
            for (i, l) in label.iter().enumerate() {
                let base = y + i as f32 * lh + size * self.measure.ascent();
                self.text(bx, base, l, FontStyle::Regular, size * 0.85, c.muted);
            }
            for (i, v) in value.iter().enumerate() {
                let base = y + i as f32 * lh + size * self.measure.ascent();
                self.text(bx + label_w, base, v, style, size, c.text);
            }
            y += label.len().max(value.len()) as f32 * lh;
        }
        let mut ay = top;
        for (i, line) in lines.iter().enumerate() {
            let style = if i == 0 {
                FontStyle::Bold
            } else {
                FontStyle::Regular
            };
            for l in wrap(self.measure, line, style, size * 1.05, ww) {
                let base = ay + size * 1.05 * self.measure.ascent();
                self.text(wx, base, &l, style, size * 1.05, c.text);
                ay += size * 1.05 * LEADING;
            }
        }
        self.y = y.max(ay) + size * 1.5;
    }

    fn facts(&mut self, pairs: &[Pair]) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        let col_w = (self.width() - mm(8.0)) / 2.0;
        let label_w = col_w * 0.42;
        for chunk in pairs.chunks(2) {
            let mut cells = Vec::new();
            for (i, p) in chunk.iter().enumerate() {
                let x = self.left + i as f32 * (col_w + mm(8.0));
                let style = if p.bold {
                    FontStyle::Bold
                } else {
                    FontStyle::Regular
                };
                let label = self.wrap(&p.label, FontStyle::Regular, size * 0.85, label_w - 4.0);
                let value = self.wrap(&p.value, style, size, col_w - label_w);
                cells.push((x, label, value, style));
            }
            let rows = cells
                .iter()
                .map(|(_, l, v, _)| l.len().max(v.len()))
                .max()
                .unwrap_or(1);
            self.ensure(rows as f32 * lh);
            for (x, label, value, style) in cells {
                for (i, l) in label.iter().enumerate() {
                    let base = self.y + i as f32 * lh + size * self.measure.ascent();
                    self.text(x, base, l, FontStyle::Regular, size * 0.85, c.muted);
                }
                for (i, v) in value.iter().enumerate() {
                    let base = self.y + i as f32 * lh + size * self.measure.ascent();
                    self.text(x + label_w, base, v, style, size, c.text);
                }
            }
            self.y += rows as f32 * lh;
        }
        self.y += size * 0.8;
    }

    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        let widths: Vec<f32> = columns
            .iter()
            .map(|col| self.width() * col.width / 100.0)
            .collect();
        let wrap_row = |l: &Self, cells: &[String], style: FontStyle| -> Vec<Vec<String>> {
            cells
                .iter()
                .zip(&widths)
                .map(|(text, w)| l.wrap(text, style, size, w - 2.0 * CELL_PAD))
                .collect()
        };
        let titles: Vec<String> = columns.iter().map(|col| col.title.clone()).collect();
        let header = wrap_row(self, &titles, FontStyle::Bold);
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + CELL_PAD * 2.0;
        let first_row_h = rows
            .first()
            .map(|r| {
                wrap_row(self, r, FontStyle::Regular)
                    .iter()
                    .map(Vec::len)
                    .max()
                    .unwrap_or(1)
            })
            .unwrap_or(1) as f32
            * lh
            + CELL_PAD * 2.0;
        self.ensure(header_h + first_row_h);
        self.y += size * 0.3;
        self.table_row(columns, &widths, &header, FontStyle::Bold, c.text);
        self.rule(self.y, self.left, self.right, 0.8);
        for row in rows {
            let cells = wrap_row(self, row, FontStyle::Regular);
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + CELL_PAD * 2.0;
            if self.y + h > self.bottom {
                self.finish_page();
                self.table_row(columns, &widths, &header, FontStyle::Bold, c.text);
                self.rule(self.y, self.left, self.right, 0.8);
            }
            self.table_row(columns, &widths, &cells, FontStyle::Regular, c.text);
            self.rule(self.y, self.left, self.right, 0.3);
        }
        self.y += size * 0.6;
    }

    fn table_row(
        &mut self,
        columns: &[Column],
        widths: &[f32],
        cells: &[Vec<String>],
        style: FontStyle,
        colour: Rgb,
    ) {
        let size = self.size;
        let lh = self.line_height(size);
        let mut x = self.left;
        let top = self.y + CELL_PAD;
        for ((col, w), lines) in columns.iter().zip(widths).zip(cells) {
            for (i, line) in lines.iter().enumerate() {
                let base = top + i as f32 * lh + size * self.measure.ascent();
                self.aligned(
                    x + CELL_PAD,
                    w - 2.0 * CELL_PAD,
                    base,
                    line,
                    style,
                    size,
                    colour,
                    col.align,
                );
            }
            x += w;
        }
        let rows = cells.iter().map(Vec::len).max().unwrap_or(1);
        self.y = top + rows as f32 * lh + CELL_PAD;
    }

    fn totals(&mut self, pairs: &[Pair]) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        let w = (self.width() * 0.5).max(mm(70.0)).min(self.width());
        let x = self.right - w;
        self.ensure(pairs.len() as f32 * lh * 1.2);
        for p in pairs {
            let (style, s) = if p.bold {
                (FontStyle::Bold, size * 1.15)
            } else {
                (FontStyle::Regular, size)
            };
            let value_w = self.measure.width(style, &p.value, s);
            let label = self.wrap(
                &p.label,
                style,
                s,
                (w - value_w - CELL_PAD * 3.0).max(mm(15.0)),
            );
            let h = label.len().max(1) as f32 * s * LEADING;
            self.ensure(h + 2.0);
            if p.bold {
                self.rule(self.y, x, self.right, 0.8);
                self.y += 2.0;
            }
            for (i, l) in label.iter().enumerate() {
                let base = self.y + i as f32 * s * LEADING + s * self.measure.ascent();
                self.text(x + CELL_PAD, base, l, style, s, c.text);
            }
            let base = self.y + s * self.measure.ascent();
            self.aligned(
                x,
                w - CELL_PAD,
                base,
                &p.value,
                style,
                s,
                c.text,
                Align::Right,
            );
            self.y += h;
        }
        self.y += size * 0.8;
    }

    fn payment(&mut self, title: &str, rows: &[Pair], qr: Option<&str>) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        let pad = mm(3.0);
        let code = qr.and_then(qr_modules);
        let qr_size = if code.is_some() { mm(30.0) } else { 0.0 };
        let inner_w = self.width() - 2.0 * pad - if code.is_some() { qr_size + pad } else { 0.0 };
        let label_w = inner_w * 0.4;
        let mut body: Vec<(Vec<String>, Vec<String>, FontStyle)> = Vec::new();
        for p in rows {
            let style = if p.bold {
                FontStyle::Bold
            } else {
                FontStyle::Regular
            };
            body.push((
                self.wrap(&p.label, FontStyle::Regular, size, label_w - 4.0),
                self.wrap(&p.value, style, size, inner_w - label_w),
                style,
            ));
        }
        let title_h = if title.is_empty() {
            0.0
        } else {
            size * 1.1 * LEADING + 2.0
        };
        let rows_h: f32 = body
            .iter()
            .map(|(l, v, _)| l.len().max(v.len()) as f32 * lh)
            .sum();
        let h = (title_h + rows_h).max(qr_size) + 2.0 * pad;
        self.y += size * 0.5;
        self.ensure(h);
        let top = self.y;
        let (x1, x2, y1, y2) = (self.left, self.right, top, top + h);
        for (a, b, cc, d) in [
            (x1, y1, x2, y1),
            (x2, y1, x2, y2),
            (x2, y2, x1, y2),
            (x1, y2, x1, y1),
        ] {
            self.items.push(Item::Line {
                x1: a,
                y1: b,
                x2: cc,
                y2: d,
                width: 0.8,
                colour: c.accent,
            });
        }
        let mut y = top + pad;
        if !title.is_empty() {
            self.text(
                self.left + pad,
                y + size * 1.1 * self.measure.ascent(),
                title,
                FontStyle::Bold,
                size * 1.1,
                c.accent,
            );
            y += title_h;
        }
        for (label, value, style) in &body {
            for (i, l) in label.iter().enumerate() {
                self.text(
                    self.left + pad,
                    y + i as f32 * lh + size * self.measure.ascent(),
                    l,
                    FontStyle::Regular,
                    size,
                    c.muted,
                );
            }
            for (i, v) in value.iter().enumerate() {
                self.text(
                    self.left + pad + label_w,
                    y + i as f32 * lh + size * self.measure.ascent(),
                    v,
                    *style,
                    size,
                    c.text,
                );
            }
            y += label.len().max(value.len()) as f32 * lh;
        }
        if let Some(modules) = code {
            let module = qr_size / modules.len().max(1) as f32;
            self.items.push(Item::Qr {
                x: self.right - pad - qr_size,
                y: top + (h - qr_size) / 2.0,
                module,
                modules,
            });
        }
        self.y = top + h + size;
    }

    fn signatures(&mut self, people: &[(String, String)]) {
        let c = self.doc.colours;
        let size = self.size;
        let lh = self.line_height(size);
        let col_w = (self.width() - mm(10.0)) / 2.0;
        for pair in people.chunks(2) {
            let cells: Vec<(Vec<String>, Vec<String>)> = pair
                .iter()
                .map(|(name, title)| {
                    (
                        self.wrap(name, FontStyle::Bold, size, col_w),
                        self.wrap(title, FontStyle::Regular, size, col_w),
                    )
                })
                .collect();
            let rows = cells
                .iter()
                .map(|(n, t)| n.len() + t.len())
                .max()
                .unwrap_or(2);
            let space = mm(12.0);
            self.ensure(space + rows as f32 * lh);
            self.y += space;
            for (i, (name, title)) in cells.iter().enumerate() {
                let x = self.left + i as f32 * (col_w + mm(10.0));
                let lines = name
                    .iter()
                    .map(|l| (l, FontStyle::Bold))
                    .chain(title.iter().map(|l| (l, FontStyle::Regular)));
                for (row, (l, style)) in lines.enumerate() {
                    let base = self.y + row as f32 * lh + size * self.measure.ascent();
                    self.text(x, base, l, style, size, c.text);
                }
            }
            self.y += rows as f32 * lh;
        }
        self.y += size;
    }

    /// The page label with its number filled in: "Sida 2 av 3".
    fn page_label(&self, number: usize, total: usize) -> String {
        self.doc
            .page_label
            .0
            .iter()
            .map(|p| match p {
                Piece::Literal(s) => s.clone(),
                Piece::Placeholder("page") => number.to_string(),
                Piece::Placeholder("pages") => total.to_string(),
                Piece::Placeholder(_) => String::new(),
            })
            .collect()
    }

    /// What a page after the first begins with, so that a loose page still says whose and
    /// which document it is: the sender and the title (e.g. "Faktura NAV-2026-0001") on the
    /// left, the page label on the right, over a rule.
    fn running_header(&self, page: &mut Page, number: usize, total: usize, size: f32) {
        let c = self.doc.colours;
        let label = self.page_label(number, total);
        let base = self.top + size * self.measure.ascent();
        let label_w = self.measure.width(FontStyle::Regular, &label, size);
        page.items.push(Item::Text {
            x: self.right - label_w,
            y: base,
            text: label,
            style: FontStyle::Regular,
            size,
            colour: c.muted,
        });
        let meta = &self.doc.meta;
        let title = if meta.author.is_empty() {
            meta.title.clone()
        } else {
            format!("{} · {}", meta.author, meta.title)
        };
        let fitted = fit(
            self.measure,
            &title,
            FontStyle::Regular,
            size,
            self.width() - label_w - mm(4.0),
        );
        page.items.push(Item::Text {
            x: self.left,
            y: base,
            text: fitted,
            style: FontStyle::Regular,
            size,
            colour: c.muted,
        });
        let rule = self.top + size * LEADING + 2.0;
        page.items.push(Item::Line {
            x1: self.left,
            y1: rule,
            x2: self.right,
            y2: rule,
            width: 0.5,
            colour: c.rule,
        });
    }

    fn footer(&self, page: &mut Page, number: usize, total: usize, size: f32) {
        let c = self.doc.colours;
        let label = self.page_label(number, total);
        let top = self.bottom + 8.0;
        page.items.push(Item::Line {
            x1: self.left,
            y1: top - 4.0,
            x2: self.right,
            y2: top - 4.0,
            width: 0.5,
            colour: c.rule,
        });
        let label_w = self.measure.width(FontStyle::Regular, &label, size);
        let base = top + size * self.measure.ascent();
        page.items.push(Item::Text {
            x: self.right - label_w,
            y: base,
            text: label,
            style: FontStyle::Regular,
            size,
            colour: c.muted,
        });
        let avail = self.width() - label_w - mm(4.0);
        let widths = self.footer_widths(avail, size);
        let lh = size * LEADING;
        let mut x = self.left;
        for (column, col_w) in self.doc.footer.iter().zip(widths) {
            let mut y = base;
            for line in column {
                // Footer lines are short by design; one too long for its column is cut
                // rather than wrapped, so that the footer keeps its height.
                let fitted = fit(self.measure, line, FontStyle::Regular, size, col_w - 6.0);
                page.items.push(Item::Text {
                    x,
                    y,
                    text: fitted,
                    style: FontStyle::Regular,
                    size,
                    colour: c.muted,
                });
                y += lh;
            }
            x += col_w;
        }
    }

    /// Footer columns as wide as their longest line plus an even share of what is left;
    /// when the lines do not fit, every column gives up width in proportion.
    fn footer_widths(&self, avail: f32, size: f32) -> Vec<f32> {
        let natural: Vec<f32> = self
            .doc
            .footer
            .iter()
            .map(|c| {
                c.iter()
                    .map(|l| self.measure.width(FontStyle::Regular, l, size) + 6.0)
                    .fold(0.0, f32::max)
            })
            .collect();
        let sum: f32 = natural.iter().sum();
        if sum <= 0.0 {
            return natural;
        }
        if sum <= avail {
            let extra = (avail - sum) / natural.len() as f32;
            natural.iter().map(|w| w + extra).collect()
        } else {
            natural.iter().map(|w| w * avail / sum).collect()
        }
    }
}

/// The modules of a QR code for `payload` (level M), row by row. The mask is fixed rather
/// than chosen by scoring all eight, which is what `QrCode::new` does and which took most
/// of an invoice's rendering time; every mask gives a valid code.
fn qr_modules(payload: &str) -> Option<Vec<Vec<bool>>> {
    let bits = bits::encode_auto(payload.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let (data, ec_data) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).ok()?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec_data);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let width = usize::try_from(version.width()).ok()?;
    let colours = canvas.into_colors();
    Some(
        colours
            .chunks(width)
            .map(|row| row.iter().map(|m| *m == qrcode::Color::Dark).collect())
            .collect(),
    )
}

/// `text` cut with an ellipsis so that it fits `width`.
fn fit(measure: &dyn Measure, text: &str, style: FontStyle, size: f32, width: f32) -> String {
    if measure.width(style, text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for ch in text.chars() {
        out.push(ch);
        if measure.width(style, &format!("{out}…"), size) > width {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// Greedy word wrap at spaces (never at no-break spaces); a word wider than the line is
/// broken between characters. Hard line breaks in the text are kept.
pub fn wrap(
    measure: &dyn Measure,
    text: &str,
    style: FontStyle,
    size: f32,
    width: f32,
) -> Vec<String> {
    let mut out = Vec::new();
    let space = measure.width(style, " ", size);
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let w = measure.width(style, word, size);
            if !line.is_empty() && line_w + space + w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if w <= width {
                line.push_str(word);
                line_w = w;
            } else {
                // Too long for any line: break it where it overflows.
                let mut piece = String::new();
                for ch in word.chars() {
                    piece.push(ch);
                    if measure.width(style, &piece, size) > width && piece.chars().count() > 1 {
                        piece.pop();
                        out.push(std::mem::take(&mut piece));
                        piece.push(ch);
                    }
                }
                line_w = measure.width(style, &piece, size);
                line = piece;
            }
        }
        out.push(line);
    }
    while out.len() > 1 && out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}
