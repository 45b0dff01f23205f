//! PDF writing: laid-out pages to bytes with printpdf.
//!
//! printpdf turns the drawing operations into a `lopdf` document; this module then does
//! what printpdf's own save would do too slowly or not deterministically: it embeds the
//! per-document font subsets that [`Fonts`] built and deflated once, deflates the rest
//! with a fast level, and gives the file dates and an ID that depend on the input only.

mod content;
mod finish;
mod images;
mod logo;
mod pdf_a;
mod qr;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use printpdf::{
    FontId, PdfDocument, PdfDocumentInfo, PdfFont, PdfPage, PdfSaveOptions, PrintpdfFontMeta, Pt,
};

use super::fonts::{FontError, FontSubset, Fonts};
use super::page::{FontStyle, Item, Metadata, Page};
use content::{PageOps, round2};
pub use logo::decode_logo;

/// zlib level for what is compressed per document (content streams, ToUnicode maps, QR
/// codes). Measured on an invoice's 7 KB content stream: level 2 takes 40 µs for 1.9 KB,
/// level 6 70 µs for 1.6 KB, and level 1 (zlib-rs's "quick" mode) 20 µs for 2.8 KB.
const CONTENT_DEFLATE_LEVEL: u32 = 2;

/// zlib level for logos: compressed once per process, so a good level pays.
const RASTER_DEFLATE_LEVEL: u32 = 6;

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
    let subsets = embed_fonts(&mut doc, fonts, pages)?;
    let images = images::embed(&mut doc, fonts, pages)?;

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
    finish::finish(&mut lo, fonts, &subsets, meta)?;

    let mut out = Vec::with_capacity(16 * 1024);
    lo.save_to(&mut out)
        .map_err(|e| WriteError::Assemble(e.to_string()))?;
    finish::stamp_id(&mut out)?;
    Ok(out)
}

/// One subset per face the pages show, of the characters it shows, registered with the
/// document under the face's fixed name.
fn embed_fonts(
    doc: &mut PdfDocument,
    fonts: &Fonts,
    pages: &[Page],
) -> Result<Vec<Arc<FontSubset>>, WriteError> {
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
    Ok(subsets)
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
