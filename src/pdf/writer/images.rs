//! Images: each distinct raster once per document, as an XObject whose pixels are
//! compressed already.

use std::collections::BTreeMap;
use std::sync::Arc;

use printpdf::{DictItem, ExternalStream, ExternalXObject, PdfDocument, XObject, XObjectId};

use super::{RASTER_DEFLATE_LEVEL, WriteError};
use crate::pdf::fonts::Fonts;
use crate::pdf::page::{Item, Page, Raster};

/// Each distinct raster once per document, named in order of first appearance; the
/// rasters in that order, for the pages to refer to.
pub(super) fn embed<'p>(
    doc: &mut PdfDocument,
    fonts: &Fonts,
    pages: &'p [Page],
) -> Result<Vec<&'p Arc<Raster>>, WriteError> {
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
    Ok(images)
}

pub(super) fn image_id(index: usize) -> XObjectId {
    XObjectId(format!("Im{}", index + 1))
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
        // No size: the page's placement scales the unit square itself.
        width: None,
        height: None,
        dpi: None,
    })
}
