//! The documents as a reader gets them: `avtal render` writes each kind in each language,
//! `pdftotext` reads the text back, and `zbarimg` scans the payment QR code off the page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The external tools these tests read PDFs with. On a developer's machine without them
/// the tests say so and skip; in CI (`CI` set) a missing tool fails the test.
fn tools_present(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| Command::new(t).arg("-v").output().is_err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} missing; .ci/run installs them", missing.join(", "));
    }
    eprintln!(
        "skipped: {} not installed (apt-get install poppler-utils zbar-tools)",
        missing.join(", ")
    );
    false
}

fn render(kind: &str, lang: &str, dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("{kind}-{lang}.pdf"));
    let status = Command::new(env!("CARGO_BIN_EXE_avtal"))
        .args(["render", "--kind", kind, "--lang", lang, "--sample", "-o"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

/// The text of a PDF, with no-break spaces read as spaces.
fn text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .replace('\u{a0}', " ")
}

fn assert_contains(kind: &str, lang: &str, text: &str, expected: &[&str]) {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for e in expected {
        assert!(flat.contains(e), "{kind} {lang}: missing {e:?} in\n{text}");
    }
}

#[test]
fn every_kind_and_language_reads_back_with_its_mandatory_fields() {
    if !tools_present(&["pdftotext"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "invoice",
            "sv",
            &[
                "Navet science center",
                "Boråsregionen Sjuhärads kommunalförbund",
                "Faktura",
                "Fakturanummer NAV-2026-0001",
                "Fakturadatum 2026-11-22",
                "Förfallodatum 2026-12-22",
                "Leveransperiod 2027-01-01 – 2027-12-31",
                "Er referens 4711 Åsa Öberg",
                "Vår referens Lisa Belfrage",
                "Borås Stad",
                "212000-1561",
                "Org.nr 222000-1321",
                "Momsreg.nr SE222000132101",
                "Godkänd för F-skatt",
                "Beskrivning Antal Enhet À-pris Moms Belopp",
                "Studiedag för lärare, NO 2 dag 9 500,00 Undantag 19 000,00",
                "Skolprogram Kemi åk 4–6 6 klass 3 500,00 25 % 21 000,00",
                "Momssats Underlag Moms Summa",
                "25 % 68 450,50 17 112,63 85 563,13",
                "Summa exkl. moms 87 450,50 kr",
                "Att betala 104 563,13 kr",
                "Bankgiro 5050-1055",
                "Plusgiro 28 65 43-4",
                "OCR-nummer 202600012326",
                "Utbildning, undantagen enligt 10 kap. 41 § mervärdesskattelagen",
                "dröjsmålsränta enligt räntelagen, för närvarande 10 %",
                "Sida 1 av 1",
            ],
        ),
        (
            "invoice",
            "nb",
            &[
                "Regionrådet Nord-Troms og Finnmark",
                "Faktura",
                "Fakturanummer RNTF-2026-0001",
                "Fakturadato 22.11.2026",
                "Forfallsdato 22.12.2026",
                "Leveringsperiode 01.01.2027 – 31.12.2027",
                "Deres referanse Ellen Máret Hætta",
                "Vår referanse Ingrid Sørbø",
                "Att. Økonomiavdelingen",
                "Org.nr. 998 877 660 MVA",
                "Foretaksregisteret",
                "Beskrivelse Antall Enhet Enhetspris MVA Beløp",
                "Etterutdanning Bærekraft, Ørnes",
                "Sum eks. MVA 87 450,50 kr",
                "Å betale 104 563,13 kr",
                "IBAN NO93 8601 1117 947",
                "BIC DNBANOKK",
                "KID 20260001236",
                "forsinkelsesrente",
                "Side 1 av 1",
            ],
        ),
        (
            "invoice",
            "en",
            &[
                "Invoice",
                "Invoice number NAV-2026-0001",
                "Invoice date 2026-11-22",
                "Due date 2026-12-22",
                "Period of supply",
                "Your reference 4711 Åsa Öberg",
                "Our reference Lisa Belfrage",
                "VAT no. SE222000132101",
                "Description Qty Unit Unit price VAT Amount",
                "Total excl. VAT SEK 87,450.50",
                "Amount due SEK 104,563.13",
                "OCR reference 202600012326",
                "Education, exempt under the Swedish VAT Act, chapter 10, section 41",
                "Page 1 of 1",
            ],
        ),
        (
            "credit-note",
            "sv",
            &[
                "Kreditfaktura",
                "Kreditfakturanummer NAV-K-2026-0001",
                "Krediterar faktura NAV-2026-0001",
                "Fakturans datum 2026-11-22",
                "krediterar faktura NAV-2026-0001 daterad 2026-11-22",
                "Prova-på-verkstad Teknik −2 klass 2 800,00 25 % −5 600,00",
                "Att erhålla −7 000,00 kr",
                "Momsreg.nr SE222000132101",
            ],
        ),
        (
            "credit-note",
            "nb",
            &[
                "Kreditnota",
                "Krediterer faktura RNTF-2026-0001",
                "Prøv-selv-verksted",
            ],
        ),
        (
            "credit-note",
            "en",
            &[
                "Credit note",
                "Credits invoice NAV-2026-0001",
                "Amount credited",
            ],
        ),
        (
            "reminder",
            "sv",
            &[
                "Påminnelse",
                "Ny förfallodag 2027-02-24",
                "NAV-2026-0001 2026-11-22 2026-12-22 50 36 715,33 502,95",
                "NAV-2026-0014",
                "Obetalt belopp 49 215,33 kr",
                "Dröjsmålsränta 10 % 643,36 kr",
                "Förseningsersättning 450,00 kr",
                "Att betala 50 308,69 kr",
                "enligt räntelagen",
                "OCR-nummer 202600012326",
            ],
        ),
        (
            "reminder",
            "nb",
            &[
                "Purring",
                "Purregebyr 35,00 kr",
                "minst 14 dager",
                "etter forsinkelsesrenteloven",
                "KID 20260001236",
            ],
        ),
        (
            "reminder",
            "en",
            &[
                "Reminder",
                "Late-payment compensation SEK 450.00",
                "Swedish Interest Act",
            ],
        ),
        (
            "statement",
            "sv",
            &[
                "Kontoutdrag",
                "Faktura NAV-2026-0001 2026-11-22 2026-12-22 36 715,33 10 000,00 26 715,33",
                "Kreditfaktura NAV-K-2026-0001 2026-12-05 −7 000,00 0,00 −7 000,00",
                "Inbetalning NAV-2027-0002 2027-02-20 −5 000,00 0,00 −5 000,00",
                "Varav förfallet 26 715,33 kr",
                "Inbetalt, ej avräknat −5 000,00 kr",
                "Saldo att betala 27 215,33 kr",
            ],
        ),
        (
            "statement",
            "nb",
            &[
                "Kontoutskrift",
                "Kreditnota",
                "Innbetaling",
                "Innbetalt, ikke avregnet",
                "Saldo å betale",
            ],
        ),
        (
            "statement",
            "en",
            &[
                "Statement of account",
                "Credit note",
                "Payment",
                "Paid, not yet applied",
                "Balance due",
            ],
        ),
        (
            "offer",
            "sv",
            &[
                "Erbjudande att ingå avtal om samarbete med Navet science center",
                "Till Anna Lind, kommundirektör, och Per Ek, utbildningschef",
                "Avtalet gäller från och med 2027-01-01 och tills vidare.",
                "Uppsägningstiden är 6 månader.",
                "Första faktura 2027-01-15",
                "Bollebygds kommun",
                "Diarienummer BRS 2026/0412",
                "Svar senast 2026-12-15",
                "Fast del per invånare 9 784 invånare (2025-12-31) × 28,50 kr 278 844,00 kr",
                "Rörlig del – tjänster att beställa",
                "Skolprogram Kemi åk 4–6 klass 3 500,00 kr 25 %",
                "Totalt för 2027 299 844,00 kr",
                "Lisa Belfrage",
                "Verksamhetschef Navet science center",
                "Magnus Haggren",
                "Bilagor",
                "Rörlig del – ett smörgåsbord av möjligheter",
                "Sida 1 av 2",
                "Sida 2 av 2",
            ],
        ),
        (
            "offer",
            "nb",
            &[
                "Tilbud om avtale om samarbeid",
                "Til Anne Lie, kommunedirektør, og Per Moe, oppvekstsjef",
                "Avtalen gjelder fra og med 01.01.2027 og inntil videre.",
                "2 848 innbyggere (31.12.2025) × 42,50 kr",
                "Ánde Somby",
                "Vedlegg",
            ],
        ),
        (
            "offer",
            "en",
            &[
                "Offer of a cooperation agreement",
                "9,784 inhabitants (2025-12-31) × SEK 28.50",
                "The agreement runs from 2027-01-01 until further notice.",
                "The notice period is 6 months.",
                "How to accept",
                "Attachments",
            ],
        ),
    ];
    for (kind, lang, expected) in cases {
        let pdf = render(kind, lang, dir.path(), &[]);
        assert_contains(kind, lang, &text(&pdf), expected);
    }
}

#[test]
fn the_payment_qr_code_scans_to_using_qr_with_the_ocr_number_and_amount() {
    if !tools_present(&["pdftoppm", "zbarimg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (kind, reference, due) in [
        ("invoice", "202600012326", "104563.13"),
        ("reminder", "202600012326", "50308.69"),
    ] {
        let pdf = render(kind, "sv", dir.path(), &[]);
        let prefix = dir.path().join(kind);
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "150", "-f", "1", "-l", "1"])
            .arg(&pdf)
            .arg(&prefix)
            .status()
            .unwrap();
        assert!(status.success());
        let png = dir.path().join(format!("{kind}-1.png"));
        let out = Command::new("zbarimg")
            .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
            .arg(&png)
            .output()
            .unwrap();
        let raw = String::from_utf8(out.stdout).unwrap();
        let json: serde_json::Value = serde_json::from_str(raw.trim()).unwrap();
        assert_eq!(json["uqr"], 1, "{raw}");
        assert_eq!(json["tp"], 1);
        assert_eq!(json["nme"], "Navet science center");
        assert_eq!(json["cid"], "222000-1321");
        assert_eq!(json["iref"], reference);
        assert_eq!(json["cur"], "SEK");
        assert_eq!(json["pt"], "BG");
        assert_eq!(json["acc"], "5050-1055");
        // A JSON number, written with its two decimals.
        assert!(json["due"].is_number(), "{raw}");
        assert!(raw.contains(&format!("\"due\":{due}")), "{raw}");
    }
}

#[test]
fn rendering_twice_gives_the_same_small_pdf_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read(render("invoice", "sv", dir.path(), &[])).unwrap();
    let b = std::fs::read(render("invoice", "sv", dir.path(), &[])).unwrap();
    assert_eq!(a, b);
    assert!(a.len() < 20_000, "{} bytes", a.len());
    // Declared PDF/A-2b: XMP metadata with the conformance level, and an sRGB output intent.
    let has = |needle: &[u8]| a.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"<pdfaid:part>2</pdfaid:part>"));
    assert!(has(b"<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(has(b"/S/GTS_PDFA1") || has(b"/S /GTS_PDFA1"));
    assert!(has(b"/OutputIntents"));
}

#[test]
fn a_broken_template_is_refused_with_its_line_and_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("invoice.sv.toml");
    let shipped = include_str!("../pdf-templates/invoice.sv.toml");
    let edited = shipped.replace(
        "{{invoice.due_date}}\", \"bold\"",
        "{{invoice.duedate}}\", \"bold\"",
    );
    assert_ne!(shipped, edited);
    std::fs::write(&broken, &edited).unwrap();
    let line = edited
        .lines()
        .position(|l| l.contains("invoice.duedate"))
        .unwrap()
        + 1;
    let out = Command::new(env!("CARGO_BIN_EXE_avtal"))
        .args([
            "render", "--kind", "invoice", "--lang", "sv", "--sample", "-o",
        ])
        .arg(dir.path().join("x.pdf"))
        .arg("--template")
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "rad {line}: okänd platshållare {{{{invoice.duedate}}}}"
        )),
        "{stderr}"
    );
    assert!(!dir.path().join("x.pdf").exists());
}
