//! QR codes as form XObjects: the dark modules merged into rectangles and filled as one
//! path.

use std::collections::BTreeMap;

use printpdf::{DictItem, ExternalStream, ExternalXObject, XObject};

/// A QR code as a form XObject in module units (one unit per module, origin at the
/// bottom-left corner): the merged rectangles of [`qr_rects`] filled as one path.
/// Written here rather than as printpdf operations because printpdf formats every
/// coordinate as a float (a third of the time of an invoice went into that), and
/// because one fill for all rectangles leaves no hairline seams between neighbours
/// in anti-aliasing viewers. `None` when no module is dark.
pub(super) fn qr_form(modules: &[Vec<bool>]) -> Option<XObject> {
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
pub(super) fn qr_rects(modules: &[Vec<bool>]) -> Vec<(u32, u32, u32, u32)> {
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
