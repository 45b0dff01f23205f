//! The lopdf document printpdf made, finished: font programs and streams deflated, the
//! catalog and document information tidied, and the trailer ID stamped from the bytes.

use std::sync::Arc;

use lopdf::{Dictionary, Object, StringFormat};
use sha2::{Digest, Sha256};

use super::pdf_a::declare_pdf_a;
use super::{CONTENT_DEFLATE_LEVEL, ID_PLACEHOLDER, WriteError};
use crate::pdf::fonts::{FontSubset, Fonts};
use crate::pdf::page::Metadata;

/// What printpdf leaves to do: embed the pre-deflated font programs, deflate the other
/// streams, and make the trailer and catalog what a viewer and an archive want.
pub(super) fn finish(
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

/// Replaces the placeholder trailer ID by the first half of the file's SHA-256, the
/// same for both entries: unique per content and identical for identical input.
pub(super) fn stamp_id(out: &mut [u8]) -> Result<(), WriteError> {
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
