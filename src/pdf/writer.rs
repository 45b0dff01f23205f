//! PDF writing: laid-out pages to bytes with printpdf.
//!
//! printpdf turns the drawing operations into a `lopdf` document; this module then does
//! what printpdf's own save would do too slowly or not deterministically: it embeds the
//! per-document font subsets that [`Fonts`] built and deflated once, deflates the rest
//! with a fast level, and gives the file dates and an ID that depend on the input only.

use std::collections::BTreeMap;
use std::sync::Arc;

use lopdf::{Dictionary, Object, StringFormat};
use printpdf::{
    Color, DictItem, ExternalStream, ExternalXObject, FontId, Line, LinePoint, Op, PaintMode,
    PdfDocument, PdfDocumentInfo, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point,
    PrintpdfFontMeta, Pt, TextItem, TextMatrix, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use super::fonts::{FontError, FontSubset, Fonts};
use super::page::{FontStyle, Item, Metadata, Page, Raster, Rgb};

/// zlib level for what is compressed per document (content streams, ToUnicode maps, QR
/// codes). Measured on an invoice's 7 KB content stream: level 2 takes 40 µs for 1.9 KB,
/// level 6 70 µs for 1.6 KB, and level 1 (zlib-rs's "quick" mode) 20 µs for 2.8 KB.
const CONTENT_DEFLATE_LEVEL: u32 = 2;

/// zlib level for logos: compressed once per process, so a good level pays.
const RASTER_DEFLATE_LEVEL: u32 = 6;

/// The largest logo accepted, in pixels (a 4000 × 4000 image is 48 MB decoded).
const MAX_LOGO_PIXELS: u64 = 16_000_000;

/// The trailer ID written first and replaced by a hash of the finished file.
const ID_PLACEHOLDER: [u8; 16] = [0; 16];

const PRODUCER: &str = concat!("avtal ", env!("CARGO_PKG_VERSION"));

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("a document needs at least one page")]
    NoPages,
    #[error("an image raster of {width}×{height} needs {expected} RGB bytes but has {actual}")]
    BadRaster {
        width: u32,
        height: u32,
        expected: u64,
        actual: usize,
    },
    #[error("the logo is neither PNG nor JPEG")]
    UnknownImageFormat,
    #[error("the logo cannot be decoded: {0}")]
    ImageDecode(String),
    #[error("the logo is too large: {width}×{height} pixels")]
    ImageTooLarge { width: u32, height: u32 },
    #[error("the PDF cannot be assembled: {0}")]
    Assemble(String),
}

/// Renders `pages` to a PDF. The same pages and metadata always give the same bytes.
pub fn write_pdf(fonts: &Fonts, pages: &[Page], meta: &Metadata) -> Result<Vec<u8>, WriteError> {
    if pages.is_empty() {
        return Err(WriteError::NoPages);
    }
    let mut doc = PdfDocument::new(&meta.title);
    doc.metadata.info = document_info(meta);

    // The characters each face shows, for its subset.
    let mut used: [Vec<char>; 4] = Default::default();
    for item in pages.iter().flat_map(|p| &p.items) {
        if let Item::Text { text, style, .. } = item {
            used[*style as usize].extend(text.chars());
        }
    }
    let mut subsets: Vec<Arc<FontSubset>> = Vec::with_capacity(2);
    for style in FontStyle::ALL {
        let chars = &mut used[style as usize];
        if chars.is_empty() {
            continue;
        }
        chars.sort_unstable();
        chars.dedup();
        let subset = fonts.subset(style, chars)?;
        doc.resources.fonts.map.insert(
            font_id(style),
            PdfFont {
                parsed_font: subset.parsed_font().clone(),
                meta: PrintpdfFontMeta::default(),
            },
        );
        subsets.push(subset);
    }

    // Each distinct raster once per document, named in order of first appearance.
    let mut images: Vec<&Arc<Raster>> = Vec::new();
    for item in pages.iter().flat_map(|p| &p.items) {
        if let Item::Image { raster, .. } = item
            && !images.iter().any(|r| Arc::ptr_eq(r, raster))
        {
            check_raster(raster)?;
            let id = image_id(images.len());
            let data = match &raster.jpeg {
                Some(jpeg) => Arc::new(jpeg.clone()),
                None => fonts.deflated_raster(raster, RASTER_DEFLATE_LEVEL),
            };
            doc.resources
                .xobjects
                .map
                .insert(id, image_xobject(raster, &data));
            images.push(raster);
        }
    }

    let mut forms = Vec::new();
    doc.pages = pages
        .iter()
        .map(|page| {
            let ops = PageOps::new(page.height).build(&page.items, &images, &mut forms);
            PdfPage {
                media_box: page_box(page),
                trim_box: page_box(page),
                crop_box: page_box(page),
                ops,
            }
        })
        .collect();
    doc.resources.xobjects.map.extend(forms);

    let options = PdfSaveOptions {
        // Compression is done below; printpdf's would deflate every stream at the
        // best level, the font programs included, on every document.
        optimize: false,
        // The fonts handed over are subsets already: printpdf must embed them as they
        // are.
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&options, &mut warnings);
    for w in &warnings {
        tracing::debug!(message = %w.msg, "printpdf");
    }
    finish(&mut lo, fonts, &subsets, meta)?;

    let mut out = Vec::with_capacity(16 * 1024);
    lo.save_to(&mut out)
        .map_err(|e| WriteError::Assemble(e.to_string()))?;
    stamp_id(&mut out)?;
    Ok(out)
}

fn font_id(style: FontStyle) -> FontId {
    // Fixed names instead of printpdf's random ones, for identical output.
    FontId(
        match style {
            FontStyle::Regular => "F1",
            FontStyle::Bold => "F2",
            FontStyle::SerifRegular => "F3",
            FontStyle::SerifBold => "F4",
        }
        .to_owned(),
    )
}

fn image_id(index: usize) -> XObjectId {
    XObjectId(format!("Im{}", index + 1))
}

fn page_box(page: &Page) -> printpdf::Rect {
    printpdf::Rect::from_wh(Pt(round2(page.width)), Pt(round2(page.height)))
}

fn document_info(meta: &Metadata) -> PdfDocumentInfo {
    let midnight = meta
        .date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |dt| dt.and_utc().timestamp());
    let defaults = PdfDocumentInfo::default();
    // Out-of-range dates (year > 9999) fall back to printpdf's epoch default.
    let date =
        printpdf::OffsetDateTime::from_unix_timestamp(midnight).unwrap_or(defaults.creation_date);
    PdfDocumentInfo {
        document_title: meta.title.clone(),
        author: meta.author.clone(),
        subject: meta.subject.clone(),
        creator: PRODUCER.to_owned(),
        producer: PRODUCER.to_owned(),
        creation_date: date,
        modification_date: date,
        metadata_date: date,
        ..defaults
    }
}

fn check_raster(raster: &Raster) -> Result<(), WriteError> {
    let expected = u64::from(raster.width) * u64::from(raster.height) * 3;
    if raster.width == 0 || raster.height == 0 || expected != raster.rgb.len() as u64 {
        return Err(WriteError::BadRaster {
            width: raster.width,
            height: raster.height,
            expected,
            actual: raster.rgb.len(),
        });
    }
    Ok(())
}

/// An image XObject whose pixels are deflated already, or a JPEG as it came, so that
/// nothing compresses them again per document.
fn image_xobject(raster: &Raster, deflated: &[u8]) -> XObject {
    let name = |n: &str| DictItem::Name(n.as_bytes().to_vec());
    let dict = BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Image")),
        ("Width".to_owned(), DictItem::Int(i64::from(raster.width))),
        ("Height".to_owned(), DictItem::Int(i64::from(raster.height))),
        ("ColorSpace".to_owned(), name("DeviceRGB")),
        ("BitsPerComponent".to_owned(), DictItem::Int(8)),
        (
            "Filter".to_owned(),
            name(if raster.jpeg.is_some() {
                "DCTDecode"
            } else {
                "FlateDecode"
            }),
        ),
    ]);
    XObject::External(ExternalXObject {
        stream: ExternalStream {
            dict,
            content: deflated.to_vec(),
            compress: false,
        },
        // No size: the placement below scales the unit square itself.
        width: None,
        height: None,
        dpi: None,
    })
}

/// Points rounded to 1/100: finer than any printer, and it keeps the numbers in the
/// content stream short (`f32` prints the shortest form that reads back the same).
/// Not-a-number and infinities, which would make the file unreadable, become 0.
fn round2(v: f32) -> f32 {
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
struct PageOps {
    height: f32,
    ops: Vec<Op>,
    in_text: bool,
    font: Option<(FontStyle, f32)>,
    fill: Option<Rgb>,
    stroke: Option<Rgb>,
    line_width: Option<f32>,
}

impl PageOps {
    fn new(height: f32) -> PageOps {
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
    fn build(
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

/// A QR code as a form XObject in module units (one unit per module, origin at the
/// bottom-left corner): the merged rectangles of [`qr_rects`] filled as one path.
/// Written here rather than as printpdf operations because printpdf formats every
/// coordinate as a float (a third of the time of an invoice went into that), and
/// because one fill for all rectangles leaves no hairline seams between neighbours
/// in anti-aliasing viewers. `None` when no module is dark.
fn qr_form(modules: &[Vec<bool>]) -> Option<XObject> {
    let rects = qr_rects(modules);
    if rects.is_empty() {
        return None;
    }
    let rows = modules.len() as u32;
    let cols = modules.iter().map(Vec::len).max().unwrap_or(0) as u32;
    let mut content = Vec::with_capacity(rects.len() * 14 + 16);
    content.extend_from_slice(b"0 g\n");
    for (col, row, w, h) in rects {
        // PDF's y grows upwards: the rectangle's bottom edge, counted from the bottom.
        for v in [col, rows - row - h, w, h] {
            push_u32(&mut content, v);
            content.push(b' ');
        }
        content.extend_from_slice(b"re\n");
    }
    content.extend_from_slice(b"f\n");
    let dict = BTreeMap::from([
        ("Type".to_owned(), DictItem::Name(b"XObject".to_vec())),
        ("Subtype".to_owned(), DictItem::Name(b"Form".to_vec())),
        (
            "BBox".to_owned(),
            DictItem::Array(vec![
                DictItem::Int(0),
                DictItem::Int(0),
                DictItem::Int(i64::from(cols)),
                DictItem::Int(i64::from(rows)),
            ]),
        ),
    ]);
    Some(XObject::External(ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            compress: true,
        },
        width: None,
        height: None,
        dpi: None,
    }))
}

fn push_u32(out: &mut Vec<u8>, v: u32) {
    let mut digits = [0u8; 10];
    let mut n = v;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// The dark modules of a QR code as rectangles `(column, row, width, height)` in module
/// units: each horizontal run of dark modules is one rectangle, and runs that repeat
/// exactly in the rows below grow that rectangle downwards. The rectangles do not
/// overlap and cover exactly the dark modules.
fn qr_rects(modules: &[Vec<bool>]) -> Vec<(u32, u32, u32, u32)> {
    let mut done = Vec::new();
    // Rectangles that reach the previous row and may grow into this one.
    let mut open: Vec<(u32, u32, u32, u32)> = Vec::new();
    for (row, cells) in modules.iter().enumerate() {
        let row = row as u32;
        let mut next = Vec::new();
        let mut col = 0;
        while col < cells.len() {
            if !cells[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < cells.len() && cells[col] {
                col += 1;
            }
            let (start, width) = (start as u32, (col - start) as u32);
            match open.iter().position(|r| r.0 == start && r.2 == width) {
                Some(i) => {
                    let mut r = open.swap_remove(i);
                    r.3 += 1;
                    next.push(r);
                }
                None => next.push((start, row, width, 1)),
            }
        }
        done.append(&mut open);
        open = next;
    }
    done.append(&mut open);
    // `swap_remove` shuffles; a fixed order keeps the output identical.
    done.sort_unstable_by_key(|r| (r.1, r.0));
    done
}

/// What printpdf leaves to do: embed the pre-deflated font programs, deflate the other
/// streams, and make the trailer and catalog what a viewer and an archive want.
fn finish(
    doc: &mut lopdf::Document,
    fonts: &Fonts,
    subsets: &[Arc<FontSubset>],
    meta: &Metadata,
) -> Result<(), WriteError> {
    // /Lang needs 1.4; 1.7 (ISO 32000-1) is what current readers and PDF/A-2 expect.
    doc.version = "1.7".to_owned();

    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.has(b"Filter") {
            continue;
        }
        // A TrueType font program (/FontFile2 carries /Length1): one of ours.
        if stream.dict.has(b"Length1")
            && let Some(subset) = subsets.iter().find(|s| s.program() == stream.content)
        {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(subset.deflated_program().to_vec());
            continue;
        }
        let packed = fonts.deflate(&stream.content, CONTENT_DEFLATE_LEVEL);
        if packed.len() < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }

    let catalog = doc
        .catalog_mut()
        .map_err(|e| WriteError::Assemble(e.to_string()))?;
    if !meta.language.is_empty() {
        catalog.set("Lang", Object::string_literal(meta.language.as_str()));
    }
    // Viewers show the title rather than the file name.
    catalog.set(
        "ViewerPreferences",
        Dictionary::from_iter([("DisplayDocTitle", Object::Boolean(true))]),
    );

    if let Ok(info_id) = doc.trailer.get(b"Info").and_then(Object::as_reference)
        && let Ok(info) = doc.get_object_mut(info_id).and_then(Object::as_dict_mut)
    {
        // printpdf writes these even when empty; they say nothing then.
        for key in [&b"GTS_PDFXVersion"[..], b"Identifier", b"Keywords"] {
            let empty = info
                .get(key)
                .and_then(Object::as_str)
                .is_ok_and(<[u8]>::is_empty);
            if empty {
                info.remove(key);
            }
        }
    }

    declare_pdf_a(doc, fonts, meta)?;

    let placeholder = Object::String(ID_PLACEHOLDER.to_vec(), StringFormat::Hexadecimal);
    doc.trailer
        .set("ID", Object::Array(vec![placeholder.clone(), placeholder]));
    Ok(())
}

/// The sRGB profile the colours are in, for the PDF/A output intent: lcms2's built-in
/// sRGB, 588 bytes (pdf-templates/icc/README.md says how it was made).
const SRGB_ICC: &[u8] = include_bytes!("../../pdf-templates/icc/sRGB.icc");

/// The profile deflated, once per process.
static SRGB_DEFLATED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// Declares PDF/A-2b: an sRGB output intent for the DeviceRGB colours, and XMP metadata
/// that repeats the document information with the conformance level. The rest of what
/// PDF/A asks (embedded fonts with ToUnicode, no .notdef, a trailer ID, no encryption,
/// no transparency) the writer does anyway.
fn declare_pdf_a(
    doc: &mut lopdf::Document,
    fonts: &Fonts,
    meta: &Metadata,
) -> Result<(), WriteError> {
    let mut icc = lopdf::Stream::new(
        Dictionary::from_iter([
            ("N", Object::Integer(3)),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ]),
        SRGB_DEFLATED
            .get_or_init(|| fonts.deflate(SRGB_ICC, RASTER_DEFLATE_LEVEL))
            .clone(),
    );
    icc.allows_compression = false;
    let icc_id = doc.add_object(icc);
    let intent = Dictionary::from_iter([
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        (
            "OutputConditionIdentifier",
            Object::string_literal("sRGB IEC61966-2.1"),
        ),
        ("Info", Object::string_literal("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);
    // PDF/A wants the metadata readable without decoding: the stream stays uncompressed.
    let mut xmp = lopdf::Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp_packet(meta).into_bytes(),
    );
    xmp.allows_compression = false;
    let xmp_id = doc.add_object(xmp);
    let catalog = doc
        .catalog_mut()
        .map_err(|e| WriteError::Assemble(e.to_string()))?;
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    catalog.set("Metadata", Object::Reference(xmp_id));
    Ok(())
}

/// XMP metadata matching the document information dictionary field by field, as PDF/A
/// requires, with `pdfaid` part 2, conformance B.
fn xmp_packet(meta: &Metadata) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let date = format!("{}T00:00:00Z", meta.date.format("%Y-%m-%d"));
    let lang = if meta.language.is_empty() {
        "x-default"
    } else {
        meta.language.as_str()
    };
    format!(
        concat!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n",
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n",
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n",
            "<rdf:Description rdf:about=\"\"",
            " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"",
            " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"",
            " xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"",
            " xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n",
            "<dc:format>application/pdf</dc:format>\n",
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n",
            "<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>\n",
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{subject}</rdf:li></rdf:Alt></dc:description>\n",
            "<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>\n",
            "<xmp:CreateDate>{date}</xmp:CreateDate>\n",
            "<xmp:ModifyDate>{date}</xmp:ModifyDate>\n",
            "<xmp:MetadataDate>{date}</xmp:MetadataDate>\n",
            "<xmp:CreatorTool>{producer}</xmp:CreatorTool>\n",
            "<pdf:Producer>{producer}</pdf:Producer>\n",
            "<pdfaid:part>2</pdfaid:part>\n",
            "<pdfaid:conformance>B</pdfaid:conformance>\n",
            "</rdf:Description>\n",
            "</rdf:RDF>\n",
            "</x:xmpmeta>\n",
            "<?xpacket end=\"r\"?>"
        ),
        title = escape(&meta.title),
        author = escape(&meta.author),
        subject = escape(&meta.subject),
        lang = escape(lang),
        date = date,
        producer = escape(PRODUCER),
    )
}

/// Replaces the placeholder trailer ID by the first half of the file's SHA-256, the
/// same for both entries: unique per content and identical for identical input.
fn stamp_id(out: &mut [u8]) -> Result<(), WriteError> {
    let placeholder: Vec<u8> = {
        let mut p = vec![b'<'];
        p.extend(std::iter::repeat_n(b'0', ID_PLACEHOLDER.len() * 2));
        p.push(b'>');
        p
    };
    // The trailer is at the end; look only there.
    let tail_start = out.len().saturating_sub(1024);
    let positions: Vec<usize> = out[tail_start..]
        .windows(placeholder.len())
        .enumerate()
        .filter(|(_, w)| *w == placeholder.as_slice())
        .map(|(i, _)| tail_start + i)
        .collect();
    if positions.len() != 2 {
        return Err(WriteError::Assemble("trailer ID not found".into()));
    }
    let digest = Sha256::digest(&*out);
    let mut hex = Vec::with_capacity(32);
    for byte in &digest[..ID_PLACEHOLDER.len()] {
        hex.extend_from_slice(format!("{byte:02X}").as_bytes());
    }
    for at in positions {
        out[at + 1..at + 1 + hex.len()].copy_from_slice(&hex);
    }
    Ok(())
}

/// Decodes a logo (PNG or JPEG) into the RGB raster pages carry. Transparency is
/// composed onto white, the paper colour.
pub fn decode_logo(bytes: &[u8]) -> Result<Raster, WriteError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        decode_jpeg(bytes)
    } else {
        Err(WriteError::UnknownImageFormat)
    }
}

fn check_logo_size(width: u32, height: u32) -> Result<(), WriteError> {
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_LOGO_PIXELS {
        return Err(WriteError::ImageTooLarge { width, height });
    }
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<Raster, WriteError> {
    let err = |e: png::DecodingError| WriteError::ImageDecode(e.to_string());
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Palette and sub-byte grey to 8 bits, 16-bit channels to 8.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(err)?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    check_logo_size(width, height)?;
    let size = reader
        .output_buffer_size()
        .ok_or(WriteError::ImageTooLarge { width, height })?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(err)?;
    let data = &buf[..frame.buffer_size()];
    let pixels = (width * height) as usize;
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => {
            return Err(WriteError::ImageDecode("palette not expanded".into()));
        }
    };
    if frame.bit_depth != png::BitDepth::Eight || data.len() < pixels * channels {
        return Err(WriteError::ImageDecode("unexpected pixel layout".into()));
    }
    let on_white = |v: u8, alpha: u8| {
        let (v, a) = (u32::from(v), u32::from(alpha));
        ((v * a + 255 * (255 - a) + 127) / 255) as u8
    };
    let mut rgb = Vec::with_capacity(pixels * 3);
    for px in data.chunks_exact(channels).take(pixels) {
        match *px {
            [g] => rgb.extend_from_slice(&[g, g, g]),
            [g, a] => {
                let g = on_white(g, a);
                rgb.extend_from_slice(&[g, g, g]);
            }
            [r, g, b] => rgb.extend_from_slice(&[r, g, b]),
            [r, g, b, a] => {
                rgb.extend_from_slice(&[on_white(r, a), on_white(g, a), on_white(b, a)])
            }
            _ => {}
        }
    }
    Ok(Raster {
        width,
        height,
        rgb,
        jpeg: None,
    })
}

fn decode_jpeg(bytes: &[u8]) -> Result<Raster, WriteError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let err = |e: zune_jpeg::errors::DecodeErrors| WriteError::ImageDecode(e.to_string());
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(16_384)
        .set_max_height(16_384);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(err)?;
    let (width, height) = decoder
        .dimensions()
        .map(|(w, h)| (w as u32, h as u32))
        .ok_or_else(|| WriteError::ImageDecode("no image size".into()))?;
    check_logo_size(width, height)?;
    // Colour JPEGs (YCbCr or RGB) go into the PDF as they are; CMYK and grey ones are
    // embedded from their decoded RGB pixels, so that every image is DeviceRGB.
    let passes = matches!(
        decoder.input_colorspace(),
        Some(ColorSpace::YCbCr | ColorSpace::RGB)
    );
    let rgb = decoder.decode().map_err(err)?;
    if rgb.len() != (width as usize) * (height as usize) * 3 {
        return Err(WriteError::ImageDecode("unexpected pixel layout".into()));
    }
    Ok(Raster {
        width,
        height,
        rgb,
        jpeg: passes.then(|| bytes.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::process::Command;
    use std::sync::OnceLock;
    use std::time::Instant;

    use super::*;
    use crate::pdf::page::Measure;

    fn fonts() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts::shipped().unwrap())
    }

    fn meta() -> Metadata {
        Metadata {
            title: "Faktura 2025-0042".into(),
            author: "Kommunförbundet Norrbotten".into(),
            subject: "Medlemsavgift 2025".into(),
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
            language: "sv-SE".into(),
        }
    }

    fn text(x: f32, y: f32, text: &str, style: FontStyle, size: f32) -> Item {
        Item::Text {
            x,
            y,
            text: text.into(),
            style,
            size,
            colour: Rgb::BLACK,
        }
    }

    fn qr_modules(data: &str) -> Vec<Vec<bool>> {
        let code = qrcode::QrCode::with_version(
            data.as_bytes(),
            qrcode::Version::Normal(6),
            qrcode::EcLevel::M,
        )
        .unwrap();
        let width = code.width();
        let colors = code.to_colors();
        colors
            .chunks(width)
            .map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect())
            .collect()
    }

    /// A one-page invoice as layout would produce it: about 60 text items in regular
    /// and bold at 9–10 pt, a few lines and rectangles, and a 41×41 QR code.
    fn invoice_page(number: u32) -> Page {
        let r = FontStyle::Regular;
        let b = FontStyle::Bold;
        let mut items = vec![
            Item::Rect {
                x: 0.0,
                y: 0.0,
                w: 595.28,
                h: 6.0,
                fill: Rgb(0, 82, 147),
            },
            text(56.7, 80.0, "Kommunförbundet Norrbotten", b, 14.0),
            text(56.7, 96.0, "Box 947, 971 28 Luleå", r, 9.0),
            text(
                56.7,
                108.0,
                "Org.nr 897000-1234 · Bankgiro 5555-1234",
                r,
                9.0,
            ),
            text(400.0, 80.0, "FAKTURA", b, 16.0),
            text(400.0, 100.0, "Fakturanummer", b, 9.0),
            text(480.0, 100.0, &format!("2025-{number:04}"), r, 9.0),
            text(400.0, 112.0, "Fakturadatum", b, 9.0),
            text(480.0, 112.0, "2025-01-31", r, 9.0),
            text(400.0, 124.0, "Förfallodatum", b, 9.0),
            text(480.0, 124.0, "2025-03-02", r, 9.0),
            text(400.0, 136.0, "OCR-nummer", b, 9.0),
            text(480.0, 136.0, &format!("{}20250042", 1000 + number), r, 9.0),
            text(56.7, 170.0, "Faktureras", b, 9.0),
            text(56.7, 182.0, "Överkalix kommun", r, 10.0),
            text(56.7, 194.0, "Att. Åsa Lindqvist-Ærø", r, 10.0),
            text(56.7, 206.0, "Storgatan 17", r, 10.0),
            text(56.7, 218.0, "956 31 Överkalix", r, 10.0),
            text(56.7, 260.0, "Beskrivning", b, 9.0),
            text(330.0, 260.0, "Antal", b, 9.0),
            text(400.0, 260.0, "À-pris", b, 9.0),
            text(490.0, 260.0, "Belopp", b, 9.0),
            Item::Line {
                x1: 56.7,
                y1: 265.0,
                x2: 538.6,
                y2: 265.0,
                width: 0.75,
                colour: Rgb::BLACK,
            },
        ];
        let rows = [
            (
                "Medlemsavgift 2025, grundavgift",
                "1",
                "25 000,00",
                "25 000,00",
            ),
            (
                "Medlemsavgift 2025, per invånare",
                "3 112",
                "12,50",
                "38 900,00",
            ),
            (
                "Gemensam upphandling – e-arkiv",
                "1",
                "4 250,00",
                "4 250,00",
            ),
            (
                "Utbildningsdag för nämndsekreterare",
                "2",
                "1 950,00",
                "3 900,00",
            ),
            ("Sámi giellaguovddáš, bidrag", "1", "2 000,00", "2 000,00"),
            (
                "Justering föregående år (ändrat underlag)",
                "1",
                "−1 234,00",
                "−1 234,00",
            ),
        ];
        let mut y = 280.0;
        for (what, qty, price, sum) in rows {
            items.push(text(56.7, y, what, r, 9.0));
            items.push(text(330.0, y, qty, r, 9.0));
            items.push(text(400.0, y, &format!("{price}\u{a0}kr"), r, 9.0));
            items.push(text(490.0, y, &format!("{sum}\u{a0}kr"), r, 9.0));
            y += 14.0;
        }
        items.push(Item::Line {
            x1: 56.7,
            y1: y,
            x2: 538.6,
            y2: y,
            width: 0.5,
            colour: Rgb(128, 128, 128),
        });
        for (label, value) in [
            ("Summa exkl. moms", "72 816,00\u{a0}kr"),
            ("Moms 0 %", "0,00\u{a0}kr"),
            ("Öresavrundning", "0,00\u{a0}kr"),
        ] {
            y += 14.0;
            items.push(text(330.0, y, label, r, 9.0));
            items.push(text(490.0, y, value, r, 9.0));
        }
        y += 18.0;
        items.push(Item::Rect {
            x: 325.0,
            y: y - 12.0,
            w: 213.6,
            h: 17.0,
            fill: Rgb(230, 236, 242),
        });
        items.push(text(330.0, y, "Att betala", b, 10.0));
        items.push(text(490.0, y, "72 816,00\u{a0}kr", b, 10.0));
        let notes = [
            "Betalningsvillkor 30 dagar netto. Dröjsmålsränta enligt räntelagen.",
            "Ange OCR-numret vid betalning. Frågor om fakturan: ekonomi@kfnb.se,",
            "telefon 0920-45 60 00. Fakturan avser medlemsavgift enligt förbundsordningen § 12.",
            "Avgiften är beslutad av förbundsstämman 2024-11-14 (protokoll § 7).",
        ];
        y += 40.0;
        for line in notes {
            items.push(text(56.7, y, line, r, 9.0));
            y += 12.0;
        }
        items.push(Item::Qr {
            x: 56.7,
            y: 680.0,
            module: 2.0,
            modules: qr_modules(&format!(
                "BG:5555-1234;OCR:{}20250042;AMT:72816.00;DUE:20250302",
                1000 + number
            )),
        });
        items.push(text(150.0, 700.0, "Betala med bankappen", b, 9.0));
        items.push(text(
            150.0,
            712.0,
            "Skanna QR-koden för att betala.",
            r,
            9.0,
        ));
        for (i, (label, value)) in [
            ("Adress", "Box 947, 971 28 Luleå"),
            ("Telefon", "0920-45 60 00"),
            ("E-post", "info@kfnb.se"),
            ("Bankgiro", "5555-1234"),
            ("Org.nr", "897000-1234"),
            ("Momsreg.nr", "SE897000123401"),
        ]
        .iter()
        .enumerate()
        {
            let x = 56.7 + (i % 3) as f32 * 165.0;
            let y = 790.0 + (i / 3) as f32 * 22.0;
            items.push(text(x, y, label, b, 8.0));
            items.push(text(x, y + 10.0, value, r, 8.0));
        }
        items.push(Item::Line {
            x1: 56.7,
            y1: 778.0,
            x2: 538.6,
            y2: 778.0,
            width: 0.5,
            colour: Rgb(128, 128, 128),
        });
        Page {
            width: 595.28,
            height: 841.89,
            items,
        }
    }

    /// Runs a poppler tool on `pdf`; `None` (with a note) where poppler is missing and
    /// this is not CI, where it must be there.
    fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, pdf).unwrap();
        let mut cmd = Command::new(tool);
        cmd.args(args).arg(&path);
        if tool == "pdftotext" {
            cmd.arg("-");
        }
        match cmd.output() {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "{tool} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(
                    out.stderr.is_empty(),
                    "{tool} complained: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                Some(String::from_utf8(out.stdout).unwrap())
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() =>
            {
                eprintln!(
                    "note: {tool} not installed (apt-get install poppler-utils); skipping that check"
                );
                None
            }
            Err(e) => panic!("cannot run {tool}: {e}"),
        }
    }

    #[test]
    fn nordic_text_on_two_pages_reads_back() {
        let page = |lines: &[&str]| Page {
            width: 595.28,
            height: 841.89,
            items: lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let style = if i == 0 {
                        FontStyle::Bold
                    } else {
                        FontStyle::Regular
                    };
                    text(56.7, 80.0 + 20.0 * i as f32, l, style, 10.0)
                })
                .collect(),
        };
        let pages = [
            page(&["Räksmörgås på Åland", "Att betala: 1\u{a0}234,00\u{a0}kr"]),
            page(&["Blåbærsyltetøy", "ÆØÅ æøå ÄÖ äö – Čáhcesuolu Ŋ ŧ ǯ"]),
        ];
        let pdf = write_pdf(fonts(), &pages, &meta()).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7"));
        assert!(pdf.ends_with(b"%%EOF"));
        let Some(text) = poppler("pdftotext", &["-layout", "-enc", "UTF-8"], &pdf) else {
            return;
        };
        let pages: Vec<&str> = text.split('\u{c}').collect();
        assert!(pages.len() >= 2, "{text:?}");
        assert!(pages[0].contains("Räksmörgås på Åland"), "{text:?}");
        // The no-break space has its own glyph and ToUnicode entry (U+00A0), but
        // pdftotext prints every space-like character as a plain space.
        assert!(pages[0].contains("Att betala: 1 234,00 kr"), "{text:?}");
        assert!(pages[1].contains("Blåbærsyltetøy"), "{text:?}");
        assert!(
            pages[1].contains("ÆØÅ æøå ÄÖ äö – Čáhcesuolu Ŋ ŧ ǯ"),
            "{text:?}"
        );

        let info = poppler("pdfinfo", &["-isodates"], &pdf).unwrap();
        let field = |key: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(field("Title"), "Faktura 2025-0042", "{info}");
        assert_eq!(field("Author"), "Kommunförbundet Norrbotten", "{info}");
        assert_eq!(field("Subject"), "Medlemsavgift 2025", "{info}");
        assert_eq!(field("CreationDate"), "2025-01-31T00:00:00Z", "{info}");
        assert_eq!(field("Pages"), "2", "{info}");
        assert_eq!(field("Page size"), "595.28 x 841.89 pts (A4)", "{info}");
        let fonts = poppler("pdffonts", &[], &pdf).unwrap();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(rows.len(), 2, "{fonts}");
        for row in rows {
            // name, type, encoding, emb, sub, uni
            assert!(
                row.contains("CID TrueType") && row.contains("Identity-H"),
                "{row}"
            );
            assert!(row.contains(" yes yes yes "), "{row}");
        }
    }

    #[test]
    fn text_sits_where_layout_put_it() {
        let page = Page {
            width: 200.0,
            height: 100.0,
            items: vec![text(20.0, 30.0, "Hej", FontStyle::Regular, 10.0)],
        };
        let pdf = write_pdf(fonts(), &[page], &meta()).unwrap();
        let Some(bbox) = poppler("pdftotext", &["-bbox"], &pdf) else {
            return;
        };
        // <word xMin="20.000000" yMin="…" xMax="…" yMax="…">Hej</word>, y from the top.
        let word = bbox.lines().find(|l| l.contains(">Hej<")).unwrap();
        let attr = |name: &str| -> f32 {
            let start = word.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            word[start..].split('"').next().unwrap().parse().unwrap()
        };
        assert!((attr("xMin") - 20.0).abs() < 0.1, "{word}");
        let width = fonts().width(FontStyle::Regular, "Hej", 10.0);
        assert!((attr("xMax") - 20.0 - width).abs() < 0.2, "{word}");
        // The baseline is at 30; poppler's box spans ascent to descent around it.
        assert!(attr("yMin") < 30.0 && attr("yMin") > 20.0, "{word}");
        assert!(attr("yMax") > 30.0 && attr("yMax") < 34.0, "{word}");
    }

    #[test]
    fn same_input_same_bytes() {
        let pages = [invoice_page(42), invoice_page(43)];
        let a = write_pdf(fonts(), &pages, &meta()).unwrap();
        fonts().clear_caches();
        let b = write_pdf(fonts(), &pages, &meta()).unwrap();
        assert_eq!(a, b);
        // The date is the document's, at midnight UTC; the ID is a hash of the content.
        let s = String::from_utf8_lossy(&a);
        assert!(s.contains("/CreationDate(D:20250131000000+00'00')"), "{s}");
        assert!(s.contains("/ModDate(D:20250131000000+00'00')"));
        assert!(s.contains("/Lang(sv-SE)"));
        assert!(!s.contains("<00000000000000000000000000000000>"));
        let other = write_pdf(fonts(), &[invoice_page(44)], &meta()).unwrap();
        let id = |pdf: &[u8]| {
            let s = String::from_utf8_lossy(pdf).into_owned();
            let at = s.rfind("/ID[").unwrap();
            s[at..at + 72].to_owned()
        };
        assert_ne!(id(&a), id(&other));
    }

    #[test]
    fn invoice_is_small_and_embeds_only_subsets() {
        let page = invoice_page(42);
        let pdf = write_pdf(fonts(), std::slice::from_ref(&page), &meta()).unwrap();
        assert!(pdf.len() < 20_000, "{} bytes", pdf.len());
        let full =
            fonts().program(FontStyle::Regular).len() + fonts().program(FontStyle::Bold).len();
        assert!(pdf.len() < full / 3, "{} bytes", pdf.len());
        if let Some(fonts) = poppler("pdffonts", &[], &pdf) {
            assert!(fonts.contains("+DejaVuSans "), "{fonts}");
            assert!(fonts.contains("+DejaVuSans-Bold "), "{fonts}");
        }
        if let Some(text) = poppler("pdftotext", &["-layout"], &pdf) {
            assert!(text.contains("72 816,00 kr"), "{text}");
            assert!(text.contains("Justering föregående år"), "{text}");
        }
    }

    #[test]
    fn qr_code_becomes_merged_rectangles() {
        let modules = qr_modules("https://example.org/betala?ocr=100020250042");
        let rects = qr_rects(&modules);
        let dark: usize = modules.iter().flatten().filter(|d| **d).count();
        assert!(!rects.is_empty());
        assert!(
            rects.len() * 2 < dark,
            "{} rects for {dark} modules",
            rects.len()
        );
        // Exactly the dark modules, each once.
        let mut covered = vec![vec![0u8; 41]; 41];
        for (c, r, w, h) in &rects {
            for row in covered.iter_mut().skip(*r as usize).take(*h as usize) {
                for cell in row.iter_mut().skip(*c as usize).take(*w as usize) {
                    *cell += 1;
                }
            }
        }
        for (row, cells) in modules.iter().enumerate() {
            for (col, dark) in cells.iter().enumerate() {
                assert_eq!(covered[row][col], u8::from(*dark), "module {row},{col}");
            }
        }
        // Drawn as one filled path of rectangles, in a form the page places.
        let Some(XObject::External(form)) = qr_form(&modules) else {
            panic!("no form");
        };
        let content = String::from_utf8(form.stream.content.clone()).unwrap();
        assert_eq!(content.matches(" re\n").count(), rects.len());
        assert!(
            content.starts_with("0 g\n") && content.ends_with("\nf\n"),
            "{content}"
        );
        assert!(qr_form(&vec![vec![false; 21]; 21]).is_none());

        // Rendered, every module is where it belongs: 4 pt modules at 72 dpi are 4 px.
        let (x0, y0) = (12.0, 20.0);
        let page = Page {
            width: 200.0,
            height: 200.0,
            items: vec![
                text(10.0, 10.0, "QR", FontStyle::Bold, 8.0),
                Item::Qr {
                    x: x0,
                    y: y0,
                    module: 4.0,
                    modules: modules.clone(),
                },
            ],
        };
        let pdf = write_pdf(fonts(), &[page], &meta()).unwrap();
        let Some(img) = render(&pdf, 72) else {
            return;
        };
        assert_eq!((img.width, img.height), (200, 200));
        for (row, cells) in modules.iter().enumerate() {
            for (col, dark) in cells.iter().enumerate() {
                let x = x0 as usize + col * 4 + 2;
                let y = y0 as usize + row * 4 + 2;
                let v = img.rgb[(y * 200 + x) * 3];
                assert_eq!(v < 128, *dark, "module {row},{col}: {v}");
            }
        }
    }

    /// The first page rendered by pdftoppm at `dpi`; `None` (with a note) where poppler is
    /// missing and this is not CI.
    fn render(pdf: &[u8], dpi: u32) -> Option<Raster> {
        let dir = tempfile::tempdir().unwrap();
        let pdf_path = dir.path().join("doc.pdf");
        std::fs::write(&pdf_path, pdf).unwrap();
        let out = dir.path().join("page");
        match Command::new("pdftoppm")
            .args([
                "-r",
                &dpi.to_string(),
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
            ])
            .arg(&pdf_path)
            .arg(&out)
            .status()
        {
            Ok(status) => assert!(status.success()),
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() =>
            {
                eprintln!(
                    "note: pdftoppm not installed (apt-get install poppler-utils); skipping that check"
                );
                return None;
            }
            Err(e) => panic!("cannot run pdftoppm: {e}"),
        }
        Some(decode_logo(&std::fs::read(dir.path().join("page.png")).unwrap()).unwrap())
    }

    #[test]
    fn qr_rects_edge_cases() {
        assert!(qr_rects(&[]).is_empty());
        assert!(qr_rects(&[vec![false; 3]]).is_empty());
        assert_eq!(
            qr_rects(&[vec![true; 3], vec![true; 3]]),
            vec![(0, 0, 3, 2)]
        );
        assert_eq!(
            qr_rects(&[vec![true, false, true], vec![true, true, true]]),
            vec![(0, 0, 1, 1), (2, 0, 1, 1), (0, 1, 3, 1)]
        );
    }

    #[test]
    fn missing_glyphs_do_not_panic() {
        let page = Page {
            width: 200.0,
            height: 100.0,
            items: vec![
                text(10.0, 20.0, "漢字 😀 \t ok", FontStyle::Regular, 10.0),
                text(10.0, 40.0, "\u{FFFD}\u{0}", FontStyle::Bold, 10.0),
                text(10.0, 60.0, "", FontStyle::Bold, 10.0),
            ],
        };
        let pdf = write_pdf(fonts(), &[page], &meta()).unwrap();
        if let Some(text) = poppler("pdftotext", &[], &pdf) {
            assert!(text.contains("ok"), "{text:?}");
        }
    }

    #[test]
    fn lines_rects_and_images_are_drawn() {
        let raster = Arc::new(Raster {
            width: 2,
            height: 2,
            rgb: vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255],
            jpeg: None,
        });
        let page = Page {
            width: 100.0,
            height: 100.0,
            items: vec![
                Item::Image {
                    x: 10.0,
                    y: 10.0,
                    w: 40.0,
                    h: 20.0,
                    raster: Arc::clone(&raster),
                },
                Item::Rect {
                    x: 60.0,
                    y: 10.0,
                    w: 30.0,
                    h: 20.0,
                    fill: Rgb(0, 0, 0),
                },
                Item::Line {
                    x1: 10.0,
                    y1: 50.0,
                    x2: 90.0,
                    y2: 50.0,
                    width: 2.0,
                    colour: Rgb(0, 0, 0),
                },
                Item::Image {
                    x: 10.0,
                    y: 60.0,
                    w: 20.0,
                    h: 20.0,
                    raster,
                },
            ],
        };
        let pdf = write_pdf(fonts(), &[page], &meta()).unwrap();
        let s = String::from_utf8_lossy(&pdf);
        // One image object although it is drawn twice.
        assert_eq!(
            s.matches("/Subtype/Image").count() + s.matches("/Subtype /Image").count(),
            1
        );
        if let Some(list) = poppler("pdfimages", &["-list"], &pdf) {
            let rows: Vec<&str> = list.lines().skip(2).collect();
            assert_eq!(rows.len(), 2, "{list}");
            assert!(
                rows[0].contains("image       2     2  rgb     3   8  image  no"),
                "{list}"
            );
        }
        // The image box is where layout put it: render and look at a few pixels.
        let Some(img) = render(&pdf, 72) else {
            return;
        };
        assert_eq!((img.width, img.height), (100, 100));
        let px = |x: usize, y: usize| {
            let i = (y * 100 + x) * 3;
            (img.rgb[i], img.rgb[i + 1], img.rgb[i + 2])
        };
        assert_eq!(px(15, 15), (255, 0, 0)); // top-left pixel of the image is red
        assert_eq!(px(45, 25), (255, 255, 255)); // bottom-right is white
        assert_eq!(px(75, 20), (0, 0, 0)); // the rectangle
        assert_eq!(px(5, 5), (255, 255, 255)); // outside everything
        assert_eq!(px(50, 50), (0, 0, 0)); // the line
        assert_eq!(px(50, 45), (255, 255, 255));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            write_pdf(fonts(), &[], &meta()),
            Err(WriteError::NoPages)
        ));
        let page = Page {
            width: 100.0,
            height: 100.0,
            items: vec![Item::Image {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
                raster: Arc::new(Raster {
                    width: 2,
                    height: 2,
                    rgb: vec![0; 5],
                    jpeg: None,
                }),
            }],
        };
        assert!(matches!(
            write_pdf(fonts(), &[page], &meta()),
            Err(WriteError::BadRaster { .. })
        ));
        assert!(matches!(
            decode_logo(b"GIF89a"),
            Err(WriteError::UnknownImageFormat)
        ));
        assert!(decode_logo(b"\x89PNG\r\n\x1a\nbroken").is_err());
        assert!(decode_logo(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_err());
    }

    fn encode_png(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn png_logos_decode_to_rgb_on_white() {
        let rgba = encode_png(2, 1, png::ColorType::Rgba, &[255, 0, 0, 255, 0, 0, 0, 0]);
        let raster = decode_logo(&rgba).unwrap();
        assert_eq!((raster.width, raster.height), (2, 1));
        // Opaque red stays red; a fully transparent pixel is the paper's white.
        assert_eq!(raster.rgb, vec![255, 0, 0, 255, 255, 255]);
        let grey = encode_png(1, 2, png::ColorType::Grayscale, &[0, 200]);
        assert_eq!(
            decode_logo(&grey).unwrap().rgb,
            vec![0, 0, 0, 200, 200, 200]
        );
        let half = encode_png(1, 1, png::ColorType::GrayscaleAlpha, &[0, 128]);
        assert_eq!(decode_logo(&half).unwrap().rgb, vec![127, 127, 127]);
    }

    /// A 16×8 JPEG, left half red, right half blue, made with
    /// `pdftoppm -jpeg -jpegopt quality=90 -r 72` from a page with two rectangles.
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00,
        0x48, 0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x03, 0x02, 0x02, 0x03, 0x02,
        0x02, 0x03, 0x03, 0x03, 0x03, 0x04, 0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04,
        0x05, 0x0A, 0x07, 0x07, 0x06, 0x08, 0x0C, 0x0A, 0x0C, 0x0C, 0x0B, 0x0A, 0x0B, 0x0B, 0x0D,
        0x0E, 0x12, 0x10, 0x0D, 0x0E, 0x11, 0x0E, 0x0B, 0x0B, 0x10, 0x16, 0x10, 0x11, 0x13, 0x14,
        0x15, 0x15, 0x15, 0x0C, 0x0F, 0x17, 0x18, 0x16, 0x14, 0x18, 0x12, 0x14, 0x15, 0x14, 0xFF,
        0xDB, 0x00, 0x43, 0x01, 0x03, 0x04, 0x04, 0x05, 0x04, 0x05, 0x09, 0x05, 0x05, 0x09, 0x14,
        0x0D, 0x0B, 0x0D, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
        0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
        0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
        0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x08,
        0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xC4, 0x00,
        0x1F, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B,
        0xFF, 0xC4, 0x00, 0xB5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05,
        0x04, 0x04, 0x00, 0x00, 0x01, 0x7D, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21,
        0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08,
        0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A,
        0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37,
        0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56,
        0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75,
        0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93,
        0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9,
        0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6,
        0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
        0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7,
        0xF8, 0xF9, 0xFA, 0xFF, 0xC4, 0x00, 0x1F, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
        0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0xFF, 0xC4, 0x00, 0xB5, 0x11, 0x00, 0x02, 0x01, 0x02,
        0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00, 0x01, 0x02,
        0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22,
        0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0, 0x15,
        0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
        0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47,
        0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66,
        0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84,
        0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A,
        0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7,
        0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4,
        0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA,
        0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01,
        0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0xF9, 0xD2, 0xBC, 0x0A, 0x8A, 0x2B, 0xF7,
        0x0F, 0xA3, 0x2F, 0xFC, 0xCE, 0x3F, 0xEE, 0x07, 0xFE, 0xE6, 0x3F, 0xA3, 0x7E, 0x90, 0xDF,
        0xF3, 0x2A, 0xFF, 0x00, 0xB8, 0xDF, 0xFB, 0x88, 0xFF, 0xD9,
    ];

    #[test]
    fn jpeg_logos_decode() {
        let raster = decode_logo(JPEG).unwrap();
        assert_eq!((raster.width, raster.height), (16, 8));
        assert_eq!(raster.rgb.len(), 16 * 8 * 3);
        let px = |x: usize, y: usize| {
            let i = (y * 16 + x) * 3;
            (raster.rgb[i], raster.rgb[i + 1], raster.rgb[i + 2])
        };
        let near = |(r, g, b): (u8, u8, u8), (er, eg, eb): (u8, u8, u8)| {
            r.abs_diff(er) < 24 && g.abs_diff(eg) < 24 && b.abs_diff(eb) < 24
        };
        assert!(near(px(2, 4), (255, 0, 0)), "{:?}", px(2, 4));
        assert!(near(px(13, 4), (0, 0, 255)), "{:?}", px(13, 4));
        // Truncated data is an error, not a panic.
        assert!(decode_logo(&JPEG[..JPEG.len() / 2]).is_err());
        // A colour JPEG is kept as it came and embedded with DCTDecode, not re-deflated.
        assert_eq!(raster.jpeg.as_deref(), Some(JPEG));
        let page = Page {
            width: 100.0,
            height: 100.0,
            items: vec![Item::Image {
                x: 10.0,
                y: 10.0,
                w: 32.0,
                h: 16.0,
                raster: Arc::new(raster),
            }],
        };
        let pdf = write_pdf(fonts(), &[page], &meta()).unwrap();
        let has = |needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"/DCTDecode"));
        assert!(has(JPEG));
    }

    /// Median time and size of writing one invoice page, with the font subsets cold
    /// (every document new glyph sets) and cached. Run with
    /// `cargo test --release --lib pdf::writer -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing; run in release"]
    fn timing() {
        let fonts = fonts();
        let meta = meta();
        let pages: Vec<Page> = (0..50).map(invoice_page).collect();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let mut size = 0;
        for cold in [true, false] {
            let mut times = Vec::new();
            for round in 0..10 {
                for page in &pages {
                    if cold {
                        fonts.clear_caches();
                    }
                    let start = Instant::now();
                    let pdf = write_pdf(fonts, std::slice::from_ref(page), &meta).unwrap();
                    let ms = start.elapsed().as_secs_f64() * 1000.0;
                    if round > 0 {
                        times.push(ms);
                    }
                    size = pdf.len();
                }
            }
            let what = if cold {
                "uncached subsets"
            } else {
                "cached subsets"
            };
            println!("{what}: median {:.3} ms, {size} bytes", median(times));
        }
        // The parts of the cold path.
        let chars: Vec<char> = pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text {
                    text,
                    style: FontStyle::Regular,
                    ..
                } => Some(text.chars()),
                _ => None,
            })
            .flatten()
            .collect();
        let mut times = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let s = fonts.subset_uncached(FontStyle::Regular, &chars).unwrap();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            size = s.program().len();
        }
        println!(
            "subset regular (incl. deflate): median {:.3} ms, {size} bytes",
            median(times)
        );
        let start = Instant::now();
        let loaded = Fonts::shipped().unwrap();
        println!(
            "Fonts::shipped(): {:.3} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
        drop(loaded);
    }
}
