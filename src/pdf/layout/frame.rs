//! What every page carries besides its blocks: the footer with the page label, and on
//! the pages after the first a running header.

use super::text::fit;
use super::{LEADING, Layout, mm};
use crate::pdf::page::{FontStyle, Item, Page};
use crate::pdf::template::Piece;

impl Layout<'_> {
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
    pub(super) fn running_header(&self, page: &mut Page, number: usize, total: usize, size: f32) {
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

    pub(super) fn footer(&self, page: &mut Page, number: usize, total: usize, size: f32) {
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
