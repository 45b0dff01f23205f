//! Tables, which break between rows and repeat their header, and the totals under them.

use super::{CELL_PAD, LEADING, Layout, mm};
use crate::pdf::model::{Column, Pair};
use crate::pdf::page::{FontStyle, Rgb};
use crate::pdf::template::Align;

impl Layout<'_> {
    pub(super) fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
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

    pub(super) fn totals(&mut self, pairs: &[Pair]) {
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
}
