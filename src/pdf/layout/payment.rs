//! The payment block: a frame with how to pay and, beside it, the payment QR code.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{EcLevel, bits, ec};

use super::{LEADING, Layout, mm};
use crate::pdf::model::Pair;
use crate::pdf::page::{FontStyle, Item};

/// A row's label and value, wrapped, and the value's style.
type WrappedRow = (Vec<String>, Vec<String>, FontStyle);

impl Layout<'_> {
    pub(super) fn payment(&mut self, title: &str, rows: &[Pair], qr: Option<&str>) {
        let size = self.size;
        let lh = self.line_height(size);
        let pad = mm(3.0);
        let code = qr.and_then(qr_modules);
        let qr_size = if code.is_some() { mm(30.0) } else { 0.0 };
        let inner_w = self.width() - 2.0 * pad - if code.is_some() { qr_size + pad } else { 0.0 };
        let label_w = inner_w * 0.4;
        let body = self.payment_rows(rows, label_w, inner_w);
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
        self.frame(top, h);
        let mut y = top + pad;
        if !title.is_empty() {
            self.text(
                self.left + pad,
                y + size * 1.1 * self.measure.ascent(),
                title,
                FontStyle::Bold,
                size * 1.1,
                self.doc.colours.accent,
            );
            y += title_h;
        }
        for (label, value, style) in &body {
            self.pair(self.left + pad, label_w, y, label, size, value, *style);
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

    fn payment_rows(&self, rows: &[Pair], label_w: f32, inner_w: f32) -> Vec<WrappedRow> {
        let size = self.size;
        let mut body = Vec::new();
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
        body
    }

    /// The frame around the block, from `top`, `h` high, across the text width.
    fn frame(&mut self, top: f32, h: f32) {
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
                colour: self.doc.colours.accent,
            });
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
