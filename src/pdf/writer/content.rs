//! A page's content stream: the laid-out items as printpdf operations, in PDF's
//! coordinates, without state changes that change nothing.

use std::sync::Arc;

use printpdf::{
    Color, Line, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, TextItem, TextMatrix, XObject,
    XObjectId, XObjectTransform,
};

use super::font_id;
use super::images::image_id;
use super::qr::qr_form;
use crate::pdf::page::{FontStyle, Item, Raster, Rgb};

/// Points rounded to 1/100: finer than any printer, and it keeps the numbers in the
/// content stream short (`f32` prints the shortest form that reads back the same).
/// Not-a-number and infinities, which would make the file unreadable, become 0.
pub(super) fn round2(v: f32) -> f32 {
    if v.is_finite() {
        (v * 100.0).round() / 100.0
    } else {
        0.0
    }
}

fn colour(c: Rgb) -> Color {
    let channel = |v: u8| (f32::from(v) / 255.0 * 1000.0).round() / 1000.0;
    Color::Rgb(printpdf::Rgb::new(
        channel(c.0),
        channel(c.1),
        channel(c.2),
        None,
    ))
}

/// Builds one page's operations, flipping y (layout's top-left, y down, to PDF's
/// bottom-left, y up) and leaving out state changes that change nothing.
pub(super) struct PageOps {
    height: f32,
    ops: Vec<Op>,
    in_text: bool,
    font: Option<(FontStyle, f32)>,
    fill: Option<Rgb>,
    stroke: Option<Rgb>,
    line_width: Option<f32>,
}

impl PageOps {
    pub(super) fn new(height: f32) -> PageOps {
        PageOps {
            height,
            ops: Vec::new(),
            in_text: false,
            font: None,
            fill: None,
            stroke: None,
            line_width: None,
        }
    }

    /// `forms` collects the form XObjects the pages draw (QR codes), for all pages of
    /// the document so that their names stay unique.
    pub(super) fn build(
        mut self,
        items: &[Item],
        images: &[&Arc<Raster>],
        forms: &mut Vec<(XObjectId, XObject)>,
    ) -> Vec<Op> {
        self.ops.reserve(items.len() * 3);
        for item in items {
            match item {
                Item::Text {
                    x,
                    y,
                    text,
                    style,
                    size,
                    colour,
                } => self.text(*x, *y, text, *style, *size, *colour),
                Item::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    colour,
                } => self.line((*x1, *y1), (*x2, *y2), *width, *colour),
                Item::Rect { x, y, w, h, fill } => self.rect(*x, *y, *w, *h, *fill),
                Item::Qr {
                    x,
                    y,
                    module,
                    modules,
                } => self.qr(*x, *y, *module, modules, forms),
                Item::Image { x, y, w, h, raster } => {
                    if let Some(index) = images.iter().position(|r| Arc::ptr_eq(r, raster)) {
                        self.image(*x, *y, *w, *h, index);
                    }
                }
            }
        }
        self.end_text();
        self.ops
    }

    fn y(&self, y: f32) -> f32 {
        round2(self.height - y)
    }

    fn end_text(&mut self) {
        if self.in_text {
            self.ops.push(Op::EndTextSection);
            self.in_text = false;
        }
    }

    fn set_fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            self.ops.push(Op::SetFillColor { col: colour(c) });
            self.fill = Some(c);
        }
    }

    fn text(&mut self, x: f32, y: f32, text: &str, style: FontStyle, size: f32, c: Rgb) {
        if text.is_empty() {
            return;
        }
        if !self.in_text {
            self.ops.push(Op::StartTextSection);
            self.in_text = true;
        }
        let size = round2(size);
        if self.font != Some((style, size)) {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font_id(style)),
                size: Pt(size),
            });
            self.font = Some((style, size));
        }
        self.set_fill(c);
        // An absolute text matrix per line: `Td` would be relative to the previous one.
        self.ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(round2(x)), Pt(self.y(y))),
        });
        self.ops.push(Op::ShowText {
            items: vec![TextItem::Text(text.to_owned())],
        });
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, c: Rgb) {
        self.end_text();
        if self.stroke != Some(c) {
            self.ops.push(Op::SetOutlineColor { col: colour(c) });
            self.stroke = Some(c);
        }
        let width = round2(width);
        if self.line_width != Some(width) {
            self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
            self.line_width = Some(width);
        }
        let point = |(x, y): (f32, f32)| LinePoint {
            p: Point {
                x: Pt(round2(x)),
                y: Pt(self.y(y)),
            },
            bezier: false,
        };
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![point(from), point(to)],
                is_closed: false,
            },
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.end_text();
        self.set_fill(fill);
        self.ops
            .push(fill_rect(round2(x), self.y(y + h), round2(w), round2(h)));
    }

    fn qr(
        &mut self,
        x: f32,
        y: f32,
        module: f32,
        modules: &[Vec<bool>],
        forms: &mut Vec<(XObjectId, XObject)>,
    ) {
        if !(module.is_finite() && module > 0.0) {
            return;
        }
        let Some(form) = qr_form(modules) else {
            return;
        };
        self.end_text();
        let rows = modules.len() as f32;
        let id = XObjectId(format!("Qr{}", forms.len() + 1));
        forms.push((id.clone(), form));
        // The form is drawn in module units; place its bottom-left corner.
        self.ops.push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Pt(round2(x))),
                translate_y: Some(Pt(self.y(y + rows * module))),
                scale_x: Some(module),
                scale_y: Some(module),
                rotate: None,
                dpi: None,
                no_auto_scale: true,
            },
        });
    }

    fn image(&mut self, x: f32, y: f32, w: f32, h: f32, index: usize) {
        self.end_text();
        self.ops.push(Op::UseXobject {
            id: image_id(index),
            transform: XObjectTransform {
                translate_x: Some(Pt(round2(x))),
                translate_y: Some(Pt(self.y(y + h))),
                scale_x: Some(round2(w)),
                scale_y: Some(round2(h)),
                rotate: None,
                dpi: None,
                no_auto_scale: true,
            },
        });
    }
}

fn fill_rect(x: f32, y: f32, w: f32, h: f32) -> Op {
    Op::DrawRectangle {
        rectangle: printpdf::Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(w),
            height: Pt(h),
            mode: Some(PaintMode::Fill),
            winding_order: None,
        },
    }
}
