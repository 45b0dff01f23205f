//! Tests of the document pipeline short of PDF bytes: templates, models and layout.

use std::sync::OnceLock;

use crate::domain::Language;
use crate::domain::documents::DocumentKind;
use crate::pdf::page::{FontStyle, Item, Measure, Page};
use crate::pdf::template::Problem;
use crate::pdf::{Renderer, context, layout, model, parse_template, sample, sample_context};

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new().unwrap())
}

fn every_document() -> Vec<(DocumentKind, Language)> {
    DocumentKind::ALL
        .iter()
        .flat_map(|k| Language::ALL.iter().map(move |l| (*k, *l)))
        .collect()
}

fn pages(ctx: &context::Context) -> Vec<Page> {
    let r = renderer();
    let doc = r.model(ctx, None, None).unwrap();
    layout::layout(&doc, r.fonts())
}

#[test]
fn every_shipped_template_parses() {
    for (kind, lang) in every_document() {
        assert!(renderer().template(kind, lang).is_some(), "{kind} {lang}");
    }
}

#[test]
fn models_of_the_samples() {
    for (kind, lang) in every_document() {
        let ctx = sample_context(kind, lang);
        let doc = renderer().model(&ctx, None, None).unwrap();
        insta::assert_debug_snapshot!(format!("{kind}_{lang}"), doc);
    }
}

fn template_error(source: &str) -> (usize, Problem) {
    let e = parse_template(source, DocumentKind::Invoice, Language::Sv).unwrap_err();
    (e.line, e.problem)
}

const HEADER: &str = "kind = \"invoice\"\nlanguage = \"sv\"\n";

#[test]
fn an_unknown_placeholder_is_named_with_its_line() {
    let source = format!(
        "{HEADER}\n[[blocks]]\ntype = \"paragraph\"\ntext = \"\"\"\nHej {{{{member.name}}}},\nbetala {{{{invoice.totl}}}} senast.\n\"\"\"\n"
    );
    assert_eq!(
        template_error(&source),
        (8, Problem::UnknownPlaceholder("invoice.totl".into()))
    );
    let e = parse_template(&source, DocumentKind::Invoice, Language::Sv).unwrap_err();
    assert_eq!(
        e.message(Language::Sv),
        "rad 8: okänd platshållare {{invoice.totl}}"
    );
    assert_eq!(
        e.message(Language::En),
        "line 8: unknown placeholder {{invoice.totl}}"
    );
}

#[test]
fn placeholders_of_other_kinds_are_refused() {
    let source =
        format!("{HEADER}[[blocks]]\ntype = \"title\"\ntext = \"{{{{offer.answer_by}}}}\"\n");
    assert_eq!(
        template_error(&source),
        (5, Problem::UnknownPlaceholder("offer.answer_by".into()))
    );
}

#[test]
fn syntax_errors_give_their_line() {
    let source = format!("{HEADER}\n[[blocks]]\ntype = \"title\"\ntext = \"Faktura\n");
    let (line, problem) = template_error(&source);
    assert_eq!(line, 6);
    assert!(matches!(problem, Problem::Syntax(_)), "{problem:?}");

    let unclosed = format!("{HEADER}[[blocks]]\ntype = \"title\"\ntext = \"{{{{invoice.number\"\n");
    assert_eq!(template_error(&unclosed), (5, Problem::Unclosed));
}

#[test]
fn unknown_blocks_keys_tables_and_fields_are_refused() {
    let block = format!("{HEADER}[[blocks]]\ntype = \"banner\"\n");
    assert_eq!(
        template_error(&block),
        (4, Problem::UnknownBlock("banner".into()))
    );

    let key = format!("{HEADER}[[blocks]]\ntype = \"rule\"\ntext = \"x\"\n");
    assert_eq!(
        template_error(&key),
        (
            4,
            Problem::UnexpectedKey {
                block: "rule".into(),
                key: "text".into()
            }
        )
    );

    let table = format!("{HEADER}[[blocks]]\ntype = \"table\"\nsource = \"menu\"\ncolumns = []\n");
    assert_eq!(
        template_error(&table),
        (5, Problem::UnknownTable("menu".into()))
    );

    let field = format!(
        "{HEADER}[[blocks]]\ntype = \"table\"\nsource = \"lines\"\ncolumns = [\n  {{ field = \"price\", title = \"Pris\", width = 10 }},\n]\n"
    );
    assert_eq!(
        template_error(&field),
        (
            7,
            Problem::UnknownField {
                table: "lines".into(),
                field: "price".into()
            }
        )
    );

    let unknown_top = format!("{HEADER}paper = \"A5\"\n");
    let (line, problem) = template_error(&unknown_top);
    assert_eq!(line, 3);
    assert!(matches!(problem, Problem::Syntax(m) if m.contains("paper")));
}

#[test]
fn a_template_for_another_kind_or_language_is_refused() {
    let source = "kind = \"offer\"\nlanguage = \"sv\"\n";
    assert!(matches!(
        template_error(source),
        (1, Problem::WrongKind { .. })
    ));
    let source = "kind = \"invoice\"\nlanguage = \"nb\"\n";
    assert!(matches!(
        template_error(source),
        (2, Problem::WrongLanguage { .. })
    ));
}

#[test]
fn lines_whose_placeholders_are_all_empty_disappear() {
    let mut doc = sample::invoice(Language::Sv);
    doc.seller.vat_number = None;
    doc.seller.f_skatt = false;
    let ctx = context::invoice(&doc);
    let t = parse_template(
        &format!(
            "{HEADER}[[blocks]]\ntype = \"paragraph\"\ntext = \"Org.nr {{{{organisation.org_number}}}}\\nMomsreg.nr {{{{organisation.vat_number}}}}\\n{{{{organisation.f_skatt}}}}\\nSlut\"\n"
        ),
        DocumentKind::Invoice,
        Language::Sv,
    )
    .unwrap();
    let m = model::build(&t, &ctx, None);
    assert_eq!(
        m.blocks,
        vec![model::Block::Paragraph {
            text: "Org.nr 222000-1321\nSlut".into(),
            style: crate::pdf::template::TextStyle::Regular,
            size: None
        }]
    );
}

/// The box a text item covers, from its measured width and the font's ascent and descent.
fn text_box(item: &Item) -> Option<(f32, f32, f32, f32)> {
    let fonts = renderer().fonts();
    match item {
        Item::Text {
            x,
            y,
            text,
            style,
            size,
            ..
        } => Some((
            *x,
            y - size * fonts.ascent(),
            x + fonts.width(*style, text, *size),
            y + size * fonts.descent(),
        )),
        _ => None,
    }
}

/// Left, top, right and bottom of something drawn.
type Box4 = (f32, f32, f32, f32);

/// Where a page's layout breaks the rules, if it does: a text outside the margins, two
/// texts on top of each other, a text over the QR code, a shape off the page.
fn check_pages(name: &str, ctx: &context::Context, pages: &[Page]) -> Result<(), String> {
    let template = renderer().template(ctx.kind, ctx.language).unwrap();
    let [top, right, bottom, left] = template.margins_mm.map(layout::mm);
    let apart = |b: &Box4, o: &Box4| {
        b.2 <= o.0 + 0.01 || o.2 <= b.0 + 0.01 || b.3 <= o.1 + 0.01 || o.3 <= b.1 + 0.01
    };
    for (n, page) in pages.iter().enumerate() {
        let n = n + 1;
        let boxes: Vec<(&Item, Box4)> = page
            .items
            .iter()
            .filter_map(|i| text_box(i).map(|b| (i, b)))
            .collect();
        let mut shapes = Vec::new();
        for item in &page.items {
            match item {
                Item::Rect { x, y, w, h, .. } | Item::Image { x, y, w, h, .. }
                    if !(*x >= 0.0 && *y >= 0.0 && x + w <= page.width && y + h <= page.height) =>
                {
                    return Err(format!("{name} page {n}: {item:?} off the page"));
                }
                Item::Qr {
                    x,
                    y,
                    module,
                    modules,
                } => {
                    let size = module * modules.len() as f32;
                    if !(*x >= left
                        && x + size <= page.width - right
                        && y + size <= page.height - bottom)
                    {
                        return Err(format!("{name} page {n}: the QR code leaves the margins"));
                    }
                    shapes.push((*x, *y, x + size, y + size));
                }
                _ => {}
            }
        }
        for (i, (item, b)) in boxes.iter().enumerate() {
            let inside = b.0 >= left - 0.01
                && b.2 <= page.width - right + 0.01
                && b.1 >= top - 0.01
                && b.3 <= page.height - bottom + 0.01;
            if !inside {
                return Err(format!("{name} page {n}: {item:?} outside the margins"));
            }
            if let Some((other, _)) = boxes[i + 1..].iter().find(|(_, o)| !apart(b, o)) {
                return Err(format!("{name} page {n}: {item:?} overlaps {other:?}"));
            }
            if shapes.iter().any(|q| !apart(b, q)) {
                return Err(format!(
                    "{name} page {n}: {item:?} is drawn over the QR code"
                ));
            }
        }
    }
    Ok(())
}

/// Nothing leaves the page's margins and nothing is drawn over anything else, on every
/// sample and on an invoice long enough to need more pages.
#[test]
fn nothing_overlaps_and_nothing_leaves_the_page() {
    let mut cases: Vec<(String, context::Context)> = every_document()
        .into_iter()
        .map(|(k, l)| (format!("{k} {l}"), sample_context(k, l)))
        .collect();
    for l in Language::ALL {
        cases.push((
            format!("long {l}"),
            context::invoice(&sample::long_invoice(*l)),
        ));
    }
    for (name, ctx) in cases {
        check_pages(&name, &ctx, &pages(&ctx)).unwrap();
    }
}

mod arbitrary_invoices {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::money::Money;

    /// Words of Nordic text, now and then one far too long for any column.
    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                8 => "[a-zåäöæøA-ZÅÄÖ]{1,12}",
                1 => "[a-zåäö0-9]{30,90}",
            ],
            1..14,
        )
        .prop_map(|words| words.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the lines say and however many there are, the invoice stays on its
        /// pages and nothing is drawn over anything else.
        #[test]
        fn any_invoice_lays_out_cleanly(
            lines in prop::collection::vec((text(), 1i64..100_000, 1i64..100_000_000), 1..45),
            buyer in text(),
            reference in text(),
            lang in prop::sample::select(Language::ALL),
        ) {
            let mut doc = sample::invoice(lang);
            let currency = doc.invoice.currency;
            let template = doc.invoice.lines[0].clone();
            doc.invoice.lines = lines
                .into_iter()
                .map(|(description, quantity, price)| {
                    let mut line = template.clone();
                    line.description = description;
                    line.quantity = quantity.into();
                    line.unit_price = Money::from_minor(price, currency);
                    line.amount = Money::from_minor(price.saturating_mul(quantity), currency);
                    line
                })
                .collect();
            doc.buyer.name = buyer;
            doc.invoice.buyer_reference = Some(reference);
            let ctx = context::invoice(&doc);
            let laid_out = pages(&ctx);
            prop_assert!(check_pages("arbitrary", &ctx, &laid_out).is_ok(), "{:?}", check_pages("arbitrary", &ctx, &laid_out));
        }
    }
}

fn texts(page: &Page) -> Vec<&str> {
    page.items
        .iter()
        .filter_map(|i| match i {
            Item::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_long_invoice_repeats_the_table_header_and_numbers_its_pages() {
    let ctx = context::invoice(&sample::long_invoice(Language::Sv));
    let pages = pages(&ctx);
    let n = pages.len();
    assert!(n >= 2, "{n} pages");
    for (i, page) in pages.iter().enumerate() {
        let t = texts(page);
        if t.iter().any(|t| t.starts_with("Skolprogram")) {
            assert!(t.contains(&"Beskrivning"), "header on page {}", i + 1);
        }
        assert!(t.contains(&format!("Sida {} av {n}", i + 1).as_str()));
        // Every page after the first says whose and which document it is.
        let running = t
            .iter()
            .any(|t| t.contains("Navet science center") && t.contains("Faktura NAV-2026-0001"));
        assert_eq!(running, i > 0, "running header on page {}", i + 1);
    }
    // The totals and the payment block follow the last line, on the last page.
    assert!(texts(&pages[n - 1]).contains(&"Att betala"));
}

#[test]
fn amounts_align_right_in_their_column() {
    let ctx = sample_context(DocumentKind::Invoice, Language::Sv);
    let page = &pages(&ctx)[0];
    let fonts = renderer().fonts();
    let right_edges: Vec<f32> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text {
                x,
                text,
                size,
                style,
                ..
            } if text.ends_with(",00") && *style == FontStyle::Regular => {
                Some(x + fonts.width(*style, text, *size))
            }
            _ => None,
        })
        .collect();
    // The line amounts share one right edge: the table's right margin less the padding.
    let rightmost = right_edges.iter().copied().fold(0.0, f32::max);
    let at_edge = right_edges
        .iter()
        .filter(|e| (rightmost - **e).abs() < 0.01)
        .count();
    assert!(at_edge >= 6, "{right_edges:?}");
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let ctx = sample_context(DocumentKind::Invoice, Language::Nb);
    let a = renderer().render(&ctx, None, None).unwrap();
    let b = renderer().render(&ctx, None, None).unwrap();
    assert_eq!(a, b);
}

#[test]
fn every_sample_renders_small() {
    for (kind, lang) in every_document() {
        let bytes = renderer()
            .render(&sample_context(kind, lang), None, None)
            .unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{kind} {lang}");
        assert!(bytes.len() < 40_000, "{kind} {lang}: {} bytes", bytes.len());
    }
}

/// The template authors' guide names every placeholder, table, column and list, so that
/// adding one without documenting it fails here.
#[test]
fn the_template_guide_names_everything_a_template_can_use() {
    let guide = include_str!("../../pdf-templates/README.md");
    for kind in DocumentKind::ALL {
        let v = context::vocabulary(*kind);
        for name in v.values.iter().chain(v.lists) {
            assert!(guide.contains(&format!("`{name}`")), "{kind}: {name}");
        }
        for (table, fields) in v.tables {
            assert!(guide.contains(&format!("`{table}`")), "{kind}: {table}");
            let listed = fields
                .iter()
                .map(|(f, _)| *f)
                .collect::<Vec<_>>()
                .join(", ");
            assert!(
                guide.contains(&format!("`{table}`: {listed}")),
                "{kind}: {table}: {listed}"
            );
        }
    }
}

#[test]
fn the_vat_summary_groups_by_rate_and_rounds_per_rate() {
    use crate::domain::contribution::VatTreatment;
    use crate::domain::invoicing::InvoiceLine;
    use crate::domain::test_support::{d, sek};
    let line = |amount: &str, vat: VatTreatment| InvoiceLine {
        description: "x".into(),
        quantity: rust_decimal::Decimal::ONE,
        unit: "st".into(),
        unit_price: sek(amount),
        vat,
        amount: sek(amount),
        component: None,
        fee_year: None,
        discount: None,
        domestic_vat_abroad: false,
    };
    let mut doc = sample::invoice(Language::Sv);
    doc.invoice.lines = vec![
        line("100.05", VatTreatment::Rate(d("25"))),
        line("200.00", VatTreatment::OutsideScope),
        line("0.01", VatTreatment::Rate(d("25"))),
    ];
    doc.invoice.rounding = sek("-0.13");
    let summary = doc.invoice.vat_summary();
    assert_eq!(summary.len(), 2);
    assert_eq!(summary[0].base, sek("100.06"));
    // 25 % of 100.06 = 25.015, half away from zero.
    assert_eq!(summary[0].vat_amount, sek("25.02"));
    assert_eq!(summary[1].vat_amount, sek("0"));
    assert_eq!(doc.invoice.net(), sek("300.06"));
    assert_eq!(doc.invoice.total(), sek("324.95"));
}

/// `font = "serif"` sets the whole document in DejaVu Serif, measured as such.
#[test]
fn a_template_can_set_the_document_in_serif() {
    let source = crate::pdf::shipped_source(DocumentKind::Invoice, Language::Sv).replacen(
        "font = \"sans\"",
        "font = \"serif\"",
        1,
    );
    let template = parse_template(&source, DocumentKind::Invoice, Language::Sv).unwrap();
    assert_eq!(template.font, crate::pdf::page::FontFamily::Serif);
    let ctx = sample_context(DocumentKind::Invoice, Language::Sv);
    let doc = model::build(&template, &ctx, None);
    let laid_out = layout::layout(&doc, renderer().fonts());
    check_pages("serif", &ctx, &laid_out).unwrap();
    let styles: std::collections::BTreeSet<FontStyle> = laid_out
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            Item::Text { style, .. } => Some(*style),
            _ => None,
        })
        .collect();
    assert_eq!(
        styles,
        [FontStyle::SerifRegular, FontStyle::SerifBold].into()
    );
    let pdf = renderer().render(&ctx, Some(&template), None).unwrap();
    let has = |needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"DejaVuSerif"));
    assert!(!has(b"DejaVuSans"));

    let bad = source.replace("font = \"serif\"", "font = \"comic\"");
    let e = parse_template(&bad, DocumentKind::Invoice, Language::Sv).unwrap_err();
    assert!(matches!(e.problem, Problem::BadValue { ref key, .. } if key == "font"));
}

/// An invoice and a credit note in EUR state their VAT in SEK, with the rate, right under
/// the VAT summary, in each language, and still lay out cleanly.
#[test]
fn vat_in_another_currency_is_stated_under_the_vat_summary() {
    use crate::domain::Currency;
    use crate::domain::invoicing::AccountingVat;
    use crate::domain::money::Money;
    use crate::einvoice::sample::{se_eur, se_eur_credit_note};
    use crate::pdf::format;
    use crate::pdf::model::Block;
    for (doc, kind) in [
        (se_eur(), DocumentKind::Invoice),
        (se_eur_credit_note(), DocumentKind::CreditNote),
    ] {
        for lang in Language::ALL {
            let mut doc = doc.clone();
            doc.invoice.language = *lang;
            let converted = doc.accounting_vat.clone().unwrap();
            let ctx = context::invoice(&doc);
            assert_eq!(ctx.kind, kind);
            let model = renderer().model(&ctx, None, None).unwrap();
            let summary = model
                .blocks
                .iter()
                .position(|b| matches!(b, Block::Table { rows, .. } if rows.len() == 1 && rows[0][0].contains('%')))
                .unwrap();
            match &model.blocks[summary + 1] {
                Block::Paragraph { text, .. } => {
                    assert_eq!(text, &format::accounting_vat(&converted, *lang))
                }
                other => panic!("{kind} {lang}: {other:?}"),
            }
            check_pages(&format!("{kind} {lang}"), &ctx, &pages(&ctx)).unwrap();
        }
    }
    // In the organisation's own currency, or without VAT, nothing is said.
    let ctx = sample_context(DocumentKind::Invoice, Language::Sv);
    assert_eq!(ctx.values["invoice.accounting_vat"], "");
    let mut untaxed = se_eur();
    for line in &mut untaxed.invoice.lines {
        line.vat = crate::domain::contribution::VatTreatment::OutsideScope;
    }
    untaxed.accounting_vat = untaxed.accounting_vat.map(|a| AccountingVat {
        vat: Money::zero(Currency::Sek),
        ..a
    });
    assert_eq!(
        context::invoice(&untaxed).values["invoice.accounting_vat"],
        ""
    );
}
