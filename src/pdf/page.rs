//! Laid-out pages: what the layout produces and the PDF writer draws. Positions are in
//! PDF points (1/72 inch) from the page's top-left corner, y growing downwards, because
//! that is how layout thinks; the writer flips them.

use std::sync::Arc;

/// The faces documents are set in: a regular and a bold weight of a sans-serif and a
/// serif family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontStyle {
    Regular,
    Bold,
    SerifRegular,
    SerifBold,
}

impl FontStyle {
    pub const ALL: [FontStyle; 4] = [
        FontStyle::Regular,
        FontStyle::Bold,
        FontStyle::SerifRegular,
        FontStyle::SerifBold,
    ];

    /// The same weight in `family`.
    pub fn in_family(self, family: FontFamily) -> FontStyle {
        let bold = matches!(self, FontStyle::Bold | FontStyle::SerifBold);
        match (family, bold) {
            (FontFamily::Sans, false) => FontStyle::Regular,
            (FontFamily::Sans, true) => FontStyle::Bold,
            (FontFamily::Serif, false) => FontStyle::SerifRegular,
            (FontFamily::Serif, true) => FontStyle::SerifBold,
        }
    }
}

/// The family a template sets its document in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FontFamily {
    /// DejaVu Sans.
    #[default]
    Sans,
    /// DejaVu Serif.
    Serif,
}

/// An sRGB colour, 0–255 per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
}

/// A decoded raster image (a logo), shared between the pages and documents that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    /// 8-bit RGB, row by row, top row first.
    pub rgb: Vec<u8>,
    /// The original file, when it is a JPEG a PDF can carry as it is: re-compressing its
    /// decoded pixels would make the file several times larger.
    pub jpeg: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        text: String,
        style: FontStyle,
        size: f32,
        colour: Rgb,
    },
    /// A straight stroke.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        colour: Rgb,
    },
    /// A filled rectangle; `y` is its top edge.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    /// A QR code: `modules[row][column]` dark or light, each module `module` points wide,
    /// drawn with its top-left corner at (x, y). The quiet zone is the caller's margin.
    Qr {
        x: f32,
        y: f32,
        module: f32,
        modules: Vec<Vec<bool>>,
    },
    /// An image scaled into the box whose top-left corner is (x, y).
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        raster: Arc<Raster>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

/// What the PDF's document information says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub title: String,
    pub author: String,
    pub subject: String,
    /// The document's own date: it is the creation date, so that the same input always
    /// gives the same bytes.
    pub date: chrono::NaiveDate,
    /// BCP 47 language of the text, e.g. `sv-SE`.
    pub language: String,
}

/// Text measurement, so that layout can wrap and align without knowing about font files.
pub trait Measure {
    /// The width of `text` in points at `size`.
    fn width(&self, style: FontStyle, text: &str, size: f32) -> f32;
    /// Ascent above the baseline, as a fraction of the size (about 0.76 for DejaVu Sans).
    fn ascent(&self) -> f32;
    /// Descent below the baseline, as a positive fraction of the size.
    fn descent(&self) -> f32;
}
