//! Fonts: loaded once, subset per document.
//!
//! The two faces are parsed once per process ([`Fonts::shipped`] or [`Fonts::load`]);
//! text is measured from the parsed tables. Each document then embeds only the glyphs it
//! shows: [`Fonts::subset`] cuts the font program down with `subsetter`, deflates it once
//! and caches the result by glyph set, so that the PDF writer never subsets or compresses
//! the same font program twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use flate2::{Compress, Compression, FlushCompress, Status};

use printpdf::{FontMetrics, FontType, ParsedFont, PdfFontMetricsStub};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId, name_id};

use super::page::{FontStyle, Measure, Raster};

/// The trimmed, hint-free DejaVu Sans of `pdf-templates/fonts` (see the README there),
/// compiled in so that the binary needs no font files at run time.
const SHIPPED_REGULAR: &[u8] = include_bytes!("../../pdf-templates/fonts/DejaVuSans.ttf");
const SHIPPED_BOLD: &[u8] = include_bytes!("../../pdf-templates/fonts/DejaVuSans-Bold.ttf");
const SHIPPED_SERIF: &[u8] = include_bytes!("../../pdf-templates/fonts/DejaVuSerif.ttf");
const SHIPPED_SERIF_BOLD: &[u8] = include_bytes!("../../pdf-templates/fonts/DejaVuSerif-Bold.ttf");

/// Code points below this are looked up in a flat table: Latin, punctuation and the
/// common symbols, i.e. nearly every character an invoice shows.
const DENSE_LIMIT: u32 = 0x2200;

/// Subsets kept per style; one costs about 15 KB of memory (program, deflated program,
/// maps), so the caches stay under 4 MB. Documents that repeat a glyph set (the same
/// document again, bold labels and amounts) hit; a run of invoices to different buyers
/// mostly misses on the regular face, which is why building a subset must be fast too.
const SUBSET_CACHE_CAP: usize = 128;

/// Deflated logos kept: a deployment shows one or a few.
const RASTER_CACHE_CAP: usize = 8;

/// Compressor states kept for reuse (two levels in use, two cores).
const IDLE_COMPRESSORS: usize = 4;

/// zlib level for font programs, compressed once per glyph set. On a 6.7 KB subset:
/// level 6 gives 4.9 KB in 95 µs, level 9 2 % less in 25 % more time, level 1 15 % more.
const FONT_DEFLATE_LEVEL: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("the {style:?} font cannot be read: {reason}")]
    Parse { style: FontStyle, reason: String },
    #[error("the {style:?} font cannot be subset: {reason}")]
    Subset { style: FontStyle, reason: String },
}

/// One parsed face: everything measuring and subsetting need, without re-parsing.
struct FaceData {
    style: FontStyle,
    program: Vec<u8>,
    postscript_name: String,
    units_per_em: u16,
    /// hhea metrics, what the PDF font descriptor states.
    ascent: i16,
    descent: i16,
    /// OS/2 typographic metrics (hhea when there is no OS/2), what layout uses.
    typo_ascent: i16,
    typo_descent: i16,
    bbox: [i16; 4],
    italic_angle: f32,
    weight_class: u16,
    /// Glyph id by code point below [`DENSE_LIMIT`]; 0 means the font lacks it.
    dense: Vec<u16>,
    sparse: HashMap<u32, u16>,
    /// Advance widths in font units, by glyph id.
    advances: Vec<u16>,
    /// The glyph drawn (and measured) for characters the font lacks: U+FFFD, else `?`.
    /// Never `.notdef` when the font has either, because PDF/A forbids showing it.
    fallback: u16,
}

impl std::fmt::Debug for FaceData {
    // Not the tables: they are tens of kilobytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceData")
            .field("style", &self.style)
            .field("postscript_name", &self.postscript_name)
            .field("glyphs", &self.advances.len())
            .field("program_bytes", &self.program.len())
            .finish_non_exhaustive()
    }
}

impl FaceData {
    fn parse(style: FontStyle, program: Vec<u8>) -> Result<FaceData, FontError> {
        let err = |reason: String| FontError::Parse { style, reason };
        let face = Face::parse(&program, 0).map_err(|e| err(e.to_string()))?;
        let units_per_em = face.units_per_em();
        if units_per_em == 0 {
            return Err(err("units per em is 0".into()));
        }

        let mut dense = vec![0u16; DENSE_LIMIT as usize];
        let mut sparse = HashMap::new();
        if let Some(cmap) = face.tables().cmap {
            for subtable in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                subtable.codepoints(|cp| {
                    let Some(gid) = subtable.glyph_index(cp) else {
                        return;
                    };
                    // The first Unicode subtable that maps a code point wins, as in
                    // text renderers.
                    match dense.get_mut(cp as usize) {
                        Some(slot) if *slot == 0 => *slot = gid.0,
                        Some(_) => {}
                        None => {
                            sparse.entry(cp).or_insert(gid.0);
                        }
                    }
                });
            }
        }
        if dense.iter().all(|&g| g == 0) && sparse.is_empty() {
            return Err(err("no Unicode character map".into()));
        }

        let advances = (0..face.number_of_glyphs())
            .map(|gid| face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0))
            .collect();
        let (typo_ascent, typo_descent) = match face.tables().os2 {
            Some(os2) => (os2.typographic_ascender(), os2.typographic_descender()),
            None => (face.ascender(), face.descender()),
        };
        let bbox = face.global_bounding_box();
        let postscript_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or_else(|| match style {
                FontStyle::Regular => "Regular".to_owned(),
                FontStyle::Bold => "Bold".to_owned(),
                FontStyle::SerifRegular => "SerifRegular".to_owned(),
                FontStyle::SerifBold => "SerifBold".to_owned(),
            });

        let mut data = FaceData {
            style,
            postscript_name,
            units_per_em,
            ascent: face.ascender(),
            descent: face.descender(),
            typo_ascent,
            typo_descent,
            bbox: [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max],
            italic_angle: face.italic_angle(),
            weight_class: face.weight().to_number(),
            dense,
            sparse,
            advances,
            fallback: 0,
            program: Vec::new(),
        };
        data.fallback = data.glyph('\u{FFFD}').or(data.glyph('?')).unwrap_or(0);
        data.program = program;
        Ok(data)
    }

    fn glyph(&self, ch: char) -> Option<u16> {
        let cp = ch as u32;
        let gid = match self.dense.get(cp as usize) {
            Some(&gid) => gid,
            None => self.sparse.get(&cp).copied().unwrap_or(0),
        };
        (gid != 0).then_some(gid)
    }

    fn glyph_or_fallback(&self, ch: char) -> u16 {
        self.glyph(ch).unwrap_or(self.fallback)
    }

    fn advance(&self, gid: u16) -> u16 {
        self.advances.get(gid as usize).copied().unwrap_or(0)
    }

    /// The hhea caret slope printpdf derives the descriptor's /ItalicAngle from.
    fn caret_slope(&self) -> (i16, i16) {
        if self.italic_angle == 0.0 {
            return (1, 0);
        }
        let run = (-self.italic_angle.to_radians()).tan() * 1000.0;
        (1000, run.round() as i16)
    }

    fn build_subset(&self, chars: &[char], deflater: &Deflater) -> Result<FontSubset, FontError> {
        let style = self.style;
        let mut gids: Vec<u16> = chars.iter().map(|&c| self.glyph_or_fallback(c)).collect();
        gids.sort_unstable();
        gids.dedup();
        // Ascending old ids give ascending new ids, which keeps the /W array compact.
        let mut remapper = GlyphRemapper::new();
        for &gid in &gids {
            remapper.remap(gid);
        }
        let program =
            subsetter::subset(&self.program, 0, &remapper).map_err(|e| FontError::Subset {
                style,
                reason: e.to_string(),
            })?;

        let mut codepoint_to_glyph = BTreeMap::new();
        let mut glyph_widths = BTreeMap::new();
        for &ch in chars {
            let old = self.glyph_or_fallback(ch);
            let new = remapper.get(old).ok_or_else(|| FontError::Subset {
                style,
                reason: format!("glyph {old} missing from the subset"),
            })?;
            codepoint_to_glyph.insert(ch as u32, new);
            glyph_widths.insert(new, self.advance(old));
        }

        let base_font = format!("{}+{}", subset_tag(style, &gids), self.postscript_name);
        let deflated = deflater.deflate(&program, FONT_DEFLATE_LEVEL);
        let (caret_slope_rise, caret_slope_run) = self.caret_slope();
        let font = ParsedFont {
            original_bytes: program,
            font_index: 0,
            font_name: Some(base_font.clone()),
            codepoint_to_glyph,
            glyph_widths,
            units_per_em: self.units_per_em,
            font_metrics: FontMetrics {
                ascent: self.ascent,
                descent: self.descent,
            },
            font_type: FontType::TrueType,
            pdf_font_metrics: PdfFontMetricsStub {
                units_per_em: self.units_per_em,
                x_min: self.bbox[0],
                y_min: self.bbox[1],
                x_max: self.bbox[2],
                y_max: self.bbox[3],
                caret_slope_rise,
                caret_slope_run,
                us_weight_class: self.weight_class,
            },
        };
        Ok(FontSubset {
            style,
            base_font,
            font,
            deflated,
        })
    }
}

/// The six capital letters that mark a subset's font name (ISO 32000-1, 9.6.4), derived
/// from the glyph set so that the same document always gets the same name.
fn subset_tag(style: FontStyle, gids: &[u16]) -> String {
    // FNV-1a: stable across processes and Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    eat(style as u8);
    for gid in gids {
        gid.to_be_bytes().into_iter().for_each(&mut eat);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 10)) % 26) as u8))
        .collect()
}

/// zlib compression that reuses compressor states. A state is a few hundred KB;
/// allocating and zeroing one per stream cost more than compressing a content stream.
/// At most [`IDLE_COMPRESSORS`] are kept, so memory stays bounded however many threads
/// write PDFs.
#[derive(Default)]
pub(crate) struct Deflater {
    idle: Mutex<Vec<(u32, Compress)>>,
}

impl Deflater {
    /// `data` zlib-compressed at `level` (0–9).
    pub(crate) fn deflate(&self, data: &[u8], level: u32) -> Vec<u8> {
        let level = level.min(9);
        let reused = {
            let mut idle = lock(&self.idle);
            idle.iter()
                .position(|(l, _)| *l == level)
                .map(|i| idle.swap_remove(i).1)
        };
        let mut compressor = reused.unwrap_or_else(|| Compress::new(Compression::new(level), true));
        compressor.reset();
        let out = compress_all(&mut compressor, data);
        let mut idle = lock(&self.idle);
        if idle.len() < IDLE_COMPRESSORS {
            idle.push((level, compressor));
        }
        out
    }
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater").finish_non_exhaustive()
    }
}

fn compress_all(compressor: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        let consumed = compressor.total_in() as usize;
        let status = compressor.compress_vec(
            data.get(consumed..).unwrap_or_default(),
            &mut out,
            FlushCompress::Finish,
        );
        match status {
            Ok(Status::StreamEnd) => return out,
            Ok(_) => out.reserve(out.capacity().max(1024)),
            // Cannot happen for in-memory data; stored is still valid zlib.
            Err(_) => return stored_zlib(data),
        }
    }
}

/// `data` as an uncompressed ("stored") zlib stream.
fn stored_zlib(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(0xFFFF).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        let len = block.len() as u16;
        out.push(u8::from(blocks.peek().is_none()));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// One document's share of a face: the cut-down font program, and a printpdf font whose
/// glyph ids are the subset's, so that printpdf embeds the program as it is.
#[derive(Debug)]
pub struct FontSubset {
    style: FontStyle,
    base_font: String,
    font: ParsedFont,
    deflated: Vec<u8>,
}

impl FontSubset {
    pub fn style(&self) -> FontStyle {
        self.style
    }

    /// The PDF font name, `ABCDEF+DejaVuSans`.
    pub fn base_font(&self) -> &str {
        &self.base_font
    }

    /// For printpdf: `original_bytes` is the subset program; `codepoint_to_glyph` and
    /// `glyph_widths` use the subset's glyph ids. Characters the font lacks map to the
    /// fallback glyph.
    pub fn parsed_font(&self) -> &ParsedFont {
        &self.font
    }

    /// The TrueType program (no `cmap`: the PDF's ToUnicode and Identity encoding do
    /// that job).
    pub fn program(&self) -> &[u8] {
        &self.font.original_bytes
    }

    /// [`Self::program`] zlib-compressed, ready for a `/FlateDecode` stream.
    pub fn deflated_program(&self) -> &[u8] {
        &self.deflated
    }

    /// The number of glyphs in the subset, `.notdef` and composite parts included.
    pub fn glyph_count(&self) -> usize {
        let data = self.program();
        ttf_parser::Face::parse(data, 0).map_or(0, |f| usize::from(f.number_of_glyphs()))
    }
}

type SubsetCache = Mutex<HashMap<Vec<char>, Arc<FontSubset>>>;

/// Deflated pixels by the raster they were made from.
type RasterCache = Mutex<Vec<(Weak<Raster>, Arc<Vec<u8>>)>>;

/// The regular and bold face, parsed once per process, plus the caches of what documents
/// derive from them.
#[derive(Debug)]
pub struct Fonts {
    regular: FaceData,
    bold: FaceData,
    /// The serif family, for templates that ask for it.
    serif: FaceData,
    serif_bold: FaceData,
    /// By style, then by the sorted characters a document shows in it.
    subsets: [SubsetCache; 4],
    /// Deflated logo pixels. Kept here because `Fonts` is the one per-process object the
    /// PDF writer is handed; keyed by the `Arc` that layout shares between documents, so
    /// no pixels need hashing. A `Weak` keeps its allocation alive, so an address is
    /// never reused while it is in this list.
    rasters: RasterCache,
    deflater: Deflater,
}

impl Fonts {
    /// Parses the faces, sans-serif regular and bold, then serif regular and bold. Call
    /// once per process and share the result.
    pub fn load(
        regular: Vec<u8>,
        bold: Vec<u8>,
        serif: Vec<u8>,
        serif_bold: Vec<u8>,
    ) -> Result<Fonts, FontError> {
        Ok(Fonts {
            regular: FaceData::parse(FontStyle::Regular, regular)?,
            bold: FaceData::parse(FontStyle::Bold, bold)?,
            serif: FaceData::parse(FontStyle::SerifRegular, serif)?,
            serif_bold: FaceData::parse(FontStyle::SerifBold, serif_bold)?,
            subsets: Default::default(),
            rasters: Mutex::new(Vec::new()),
            deflater: Deflater::default(),
        })
    }

    /// DejaVu Sans and DejaVu Serif, regular and bold, compiled into the binary.
    pub fn shipped() -> Result<Fonts, FontError> {
        Fonts::load(
            SHIPPED_REGULAR.to_vec(),
            SHIPPED_BOLD.to_vec(),
            SHIPPED_SERIF.to_vec(),
            SHIPPED_SERIF_BOLD.to_vec(),
        )
    }

    fn face(&self, style: FontStyle) -> &FaceData {
        match style {
            FontStyle::Regular => &self.regular,
            FontStyle::Bold => &self.bold,
            FontStyle::SerifRegular => &self.serif,
            FontStyle::SerifBold => &self.serif_bold,
        }
    }

    /// Whether both faces have a glyph for `ch`; other characters are drawn as the
    /// replacement character �.
    pub fn supports(&self, ch: char) -> bool {
        self.regular.glyph(ch).is_some() && self.bold.glyph(ch).is_some()
    }

    /// Whether the face of `style` has a glyph for `ch`.
    pub fn supports_in(&self, style: FontStyle, ch: char) -> bool {
        self.face(style).glyph(ch).is_some()
    }

    /// The face's font program as loaded (for tests and diagnostics).
    pub fn program(&self, style: FontStyle) -> &[u8] {
        &self.face(style).program
    }

    /// The subset of `style` that holds the glyphs of `chars` (sorted and deduplicated
    /// here if they are not), from the cache when a document with the same characters
    /// was written before.
    pub fn subset(&self, style: FontStyle, chars: &[char]) -> Result<Arc<FontSubset>, FontError> {
        let sorted;
        let chars = if chars.windows(2).all(|w| w[0] < w[1]) {
            chars
        } else {
            let mut v = chars.to_vec();
            v.sort_unstable();
            v.dedup();
            sorted = v;
            &sorted
        };
        let cache = &self.subsets[style as usize];
        if let Some(hit) = lock(cache).get(chars) {
            return Ok(Arc::clone(hit));
        }
        // Built outside the lock so that concurrent documents do not queue behind it;
        // two threads may build the same subset once, which is harmless.
        let subset = Arc::new(self.face(style).build_subset(chars, &self.deflater)?);
        let mut map = lock(cache);
        if map.len() >= SUBSET_CACHE_CAP {
            // Crude but bounded; the subsets are deterministic, so which ones go does
            // not change any output.
            map.clear();
        }
        map.insert(chars.to_vec(), Arc::clone(&subset));
        Ok(subset)
    }

    /// Like [`Self::subset`], but never cached: for measuring the cold path.
    pub fn subset_uncached(
        &self,
        style: FontStyle,
        chars: &[char],
    ) -> Result<FontSubset, FontError> {
        let mut v = chars.to_vec();
        v.sort_unstable();
        v.dedup();
        self.face(style).build_subset(&v, &self.deflater)
    }

    /// Empties the subset caches (for measuring the cold path).
    pub fn clear_caches(&self) {
        for cache in &self.subsets {
            lock(cache).clear();
        }
        lock(&self.rasters).clear();
    }

    /// `data` zlib-compressed at `level`, with a reused compressor.
    pub(crate) fn deflate(&self, data: &[u8], level: u32) -> Vec<u8> {
        self.deflater.deflate(data, level)
    }

    /// `raster`'s RGB bytes zlib-compressed at `level`, compressed once per shared
    /// `Arc<Raster>`.
    pub(crate) fn deflated_raster(&self, raster: &Arc<Raster>, level: u32) -> Arc<Vec<u8>> {
        {
            let cache = lock(&self.rasters);
            let hit = cache.iter().find(|(weak, _)| {
                weak.upgrade()
                    .is_some_and(|cached| Arc::ptr_eq(&cached, raster))
            });
            if let Some((_, data)) = hit {
                return Arc::clone(data);
            }
        }
        let data = Arc::new(self.deflate(&raster.rgb, level));
        let mut cache = lock(&self.rasters);
        cache.retain(|(weak, _)| weak.strong_count() > 0);
        if cache.len() >= RASTER_CACHE_CAP {
            cache.remove(0);
        }
        cache.push((Arc::downgrade(raster), Arc::clone(&data)));
        data
    }
}

/// A poisoned cache only means another thread panicked while inserting; the map itself
/// is still consistent, so keep using it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Measure for Fonts {
    fn width(&self, style: FontStyle, text: &str, size: f32) -> f32 {
        let face = self.face(style);
        let units: u32 = text
            .chars()
            .map(|c| u32::from(face.advance(face.glyph_or_fallback(c))))
            .sum();
        units as f32 * size / f32::from(face.units_per_em)
    }

    fn ascent(&self) -> f32 {
        f32::from(self.regular.typo_ascent) / f32::from(self.regular.units_per_em)
    }

    fn descent(&self) -> f32 {
        -f32::from(self.regular.typo_descent) / f32::from(self.regular.units_per_em)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn fonts() -> Fonts {
        Fonts::shipped().unwrap()
    }

    #[test]
    fn widths_add_up_and_scale() {
        let f = fonts();
        // DejaVu Sans: 'M' is 1767 units of 2048, 'i' 569.
        let m = f.width(FontStyle::Regular, "M", 10.0);
        assert!((m - 10.0 * 1767.0 / 2048.0).abs() < 1e-3, "{m}");
        let mi = f.width(FontStyle::Regular, "Mi", 10.0);
        assert!((mi - 10.0 * (1767.0 + 569.0) / 2048.0).abs() < 1e-3, "{mi}");
        assert_eq!(f.width(FontStyle::Regular, "", 10.0), 0.0);
        // Doubling the size doubles the width; bold is wider.
        let text = "Fakturanummer 2025-0042";
        let w = f.width(FontStyle::Regular, text, 9.0);
        assert!((f.width(FontStyle::Regular, text, 18.0) - 2.0 * w).abs() < 1e-3);
        assert!(f.width(FontStyle::Bold, text, 9.0) > w);
        // Digits are tabular, so amounts align.
        let one = f.width(FontStyle::Regular, "1", 10.0);
        for d in "0123456789".chars() {
            assert_eq!(f.width(FontStyle::Regular, &d.to_string(), 10.0), one);
        }
    }

    #[test]
    fn vertical_metrics_are_dejavus() {
        let f = fonts();
        assert!((f.ascent() - 0.76).abs() < 0.01, "{}", f.ascent());
        assert!((f.descent() - 0.24).abs() < 0.01, "{}", f.descent());
    }

    #[test]
    fn nordic_and_sami_letters_are_supported() {
        let f = fonts();
        for ch in
            "åäöæøÅÄÖÆØŊŋĐđŦŧŠšŽžČčǮǯǦǧǨǩÁá€–—‘’“”„…•‰\u{A0}\u{202F}\u{2009}£$×−÷±§°™©→←".chars()
        {
            assert!(f.supports(ch), "{ch:?}");
        }
        assert!(!f.supports('漢'));
        assert!(!f.supports('😀'));
    }

    #[test]
    fn a_missing_glyph_measures_as_the_replacement_character() {
        let f = fonts();
        let replacement = f.width(FontStyle::Regular, "\u{FFFD}", 10.0);
        assert!(replacement > 0.0);
        assert_eq!(f.width(FontStyle::Regular, "漢", 10.0), replacement);
        assert_eq!(
            f.width(FontStyle::Bold, "😀", 10.0),
            f.width(FontStyle::Bold, "\u{FFFD}", 10.0)
        );
    }

    #[test]
    fn subset_holds_only_the_used_glyphs() {
        let f = fonts();
        let text = "Faktura 1 234,00 kr – Åsa Öberg, Malmö";
        let chars: Vec<char> = text.chars().collect();
        let sub = f.subset(FontStyle::Regular, &chars).unwrap();
        let distinct = {
            let mut v = chars.clone();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        // .notdef, the characters, and the parts of composite glyphs (Å Ö ö use the
        // ring and the dieresis).
        let count = sub.glyph_count();
        assert!(
            count > distinct && count <= distinct + 6,
            "{count} glyphs for {distinct}"
        );
        let full = f.program(FontStyle::Regular).len();
        assert!(
            sub.program().len() * 4 < full,
            "{} of {full}",
            sub.program().len()
        );
        assert!(sub.deflated_program().len() < sub.program().len());
        assert!(sub.base_font().ends_with("+DejaVuSans"));
        // The subset's own glyph ids: dense, starting after .notdef.
        let font = sub.parsed_font();
        let mut ids: Vec<u16> = font.codepoint_to_glyph.values().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids, (1..=distinct as u16).collect::<Vec<_>>());
        assert_eq!(font.original_bytes, sub.program());
        // Same characters, any order: the cached subset.
        let mut reversed = chars.clone();
        reversed.reverse();
        let again = f.subset(FontStyle::Regular, &reversed).unwrap();
        assert!(Arc::ptr_eq(&sub, &again));
        // The uncached path builds the same bytes.
        let cold = f.subset_uncached(FontStyle::Regular, &chars).unwrap();
        assert_eq!(cold.program(), sub.program());
        assert_eq!(cold.base_font(), sub.base_font());
    }

    #[test]
    fn subset_maps_missing_characters_to_the_replacement_glyph() {
        let f = fonts();
        let sub = f.subset(FontStyle::Bold, &['A', '漢', '\u{FFFD}']).unwrap();
        let map = &sub.parsed_font().codepoint_to_glyph;
        assert_eq!(map.get(&('漢' as u32)), map.get(&0xFFFD));
        assert_ne!(map.get(&('漢' as u32)), Some(&0));
        assert!(sub.base_font().ends_with("+DejaVuSans-Bold"));
    }

    #[test]
    fn bad_font_bytes_are_an_error() {
        assert!(
            Fonts::load(
                vec![1, 2, 3],
                SHIPPED_BOLD.to_vec(),
                SHIPPED_SERIF.to_vec(),
                SHIPPED_SERIF_BOLD.to_vec()
            )
            .is_err()
        );
    }

    fn inflate(data: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn deflate_round_trips_at_every_level() {
        let deflater = Deflater::default();
        let data: Vec<u8> = (0..70_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 97) as u8)
            .collect();
        for level in [0, 1, 2, 6, 9] {
            for input in [&data[..], b"", b"BT /F1 9 Tf ET"] {
                assert_eq!(
                    inflate(&deflater.deflate(input, level)),
                    input,
                    "level {level}"
                );
            }
        }
        assert_eq!(inflate(&stored_zlib(&data)), data);
        assert_eq!(inflate(&stored_zlib(b"")), b"");
    }

    #[test]
    fn raster_is_deflated_once_per_arc() {
        let f = fonts();
        let raster = Arc::new(Raster {
            width: 2,
            height: 1,
            rgb: vec![0, 0, 0, 255, 255, 255],
            jpeg: None,
        });
        let a = f.deflated_raster(&raster, 6);
        let b = f.deflated_raster(&raster, 6);
        assert!(Arc::ptr_eq(&a, &b));
        let other = Arc::new((*raster).clone());
        let c = f.deflated_raster(&other, 6);
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(a, c);
    }
}
