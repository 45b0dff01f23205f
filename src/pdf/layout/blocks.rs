//! The blocks that stand on their own: the letterhead, the address in the envelope
//! window, facts in two columns, a list, and the signatures.

use super::text::wrap;
use super::{LEADING, Layout, mm};
use crate::pdf::model::Pair;
use crate::pdf::page::{FontStyle, Item};

impl Layout<'_> {
    pub(super) fn letterhead(&mut self, name: &str, lines: &[String]) {
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
    pub(super) fn address(&mut self, lines: &[String], beside: &[Pair]) {
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
            self.pair(bx, label_w, y, &label, size * 0.85, &value, style);
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

    pub(super) fn facts(&mut self, pairs: &[Pair]) {
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
                self.pair(x, label_w, self.y, &label, size * 0.85, &value, style);
            }
            self.y += rows as f32 * lh;
        }
        self.y += size * 0.8;
    }

    pub(super) fn list(&mut self, title: &str, items: &[String]) {
        let c = self.doc.colours;
        let size = self.size;
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

    pub(super) fn signatures(&mut self, people: &[(String, String)]) {
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
}
