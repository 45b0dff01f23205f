#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use std::sync::Arc;

use printpdf::XObject;

use super::qr::{qr_form, qr_rects};
use super::*;
use crate::pdf::page::{Measure, Raster, Rgb};

pub(super) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::shipped().unwrap())
}

pub(super) fn meta() -> Metadata {
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
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
    let full = fonts().program(FontStyle::Regular).len() + fonts().program(FontStyle::Bold).len();
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
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
