//! PDF/A-2b: the sRGB output intent and the XMP metadata an archive asks for.

use lopdf::{Dictionary, Object};

use super::{PRODUCER, RASTER_DEFLATE_LEVEL, WriteError};
use crate::pdf::fonts::Fonts;
use crate::pdf::page::Metadata;

/// The sRGB profile the colours are in, for the PDF/A output intent: lcms2's built-in
/// sRGB, 588 bytes (pdf-templates/icc/README.md says how it was made).
const SRGB_ICC: &[u8] = include_bytes!("../../../pdf-templates/icc/sRGB.icc");

/// The profile deflated, once per process.
static SRGB_DEFLATED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// Declares PDF/A-2b: an sRGB output intent for the DeviceRGB colours, and XMP metadata
/// that repeats the document information with the conformance level. The rest of what
/// PDF/A asks (embedded fonts with ToUnicode, no .notdef, a trailer ID, no encryption,
/// no transparency) the writer does anyway.
pub(super) fn declare_pdf_a(
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
