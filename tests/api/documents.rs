use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, TestApp, bollebygd, spawn_app};

/// Navet with Bollebygd as a member, a fee of 28.50 kr per inhabitant for 2027, a school
/// programme on the price list, and a draft agreement that orders six of them.
struct Setup {
    org: String,
    admin: String,
    agreement: String,
}

async fn setup(app: &TestApp) -> Setup {
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(&admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/fee-models"),
            &json!({
                "fee_year": 2027,
                "name": "Fast del per invånare",
                "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"},
                "indexation": null
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({
                "code": "SKOLPROG", "name_sv": "Skolprogram Kemi åk 4–6", "unit": "class",
                "unit_price": "3500.00", "currency": "SEK", "vat": "25"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/agreements"),
            &json!({
                "member_id": member,
                "pro_rata": "whole_months",
                "notice_months": 6,
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
                "terms": {
                    "fixed": [{"id": "fast-del", "fee_model_id": model}],
                    "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "6"}]
                }
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agreement = format!("{base}/agreements/{}", r.body["id"].as_str().unwrap());
    Setup {
        org,
        admin,
        agreement,
    }
}

/// A GET whose body is bytes, not JSON.
async fn bytes(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let media = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, media, res.bytes().await.unwrap().to_vec())
}

async fn put_bytes(app: &TestApp, token: &str, path: &str, media: &str, body: Vec<u8>) -> Reply {
    app.send(
        app.client
            .put(app.url(path))
            .bearer_auth(token)
            .header("content-type", media)
            .body(body),
    )
    .await
}

async fn put_json(app: &TestApp, token: &str, path: &str, body: &Value) -> Reply {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(body))
        .await
}

/// The text of a PDF by `pdftotext`, no-break spaces read as spaces, on one line. `None`
/// on a developer's machine without poppler-utils; in CI its absence fails the test.
pub(crate) fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout)
                .unwrap()
                .replace('\u{a0}', " ");
            Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext missing; .ci/run installs poppler-utils"
            );
            eprintln!("pdftotext not installed: PDF text not checked");
            None
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn status_of(app: &TestApp, token: &str, agreement: &str) -> String {
    let r = app.get(token, agreement).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["status"].as_str().unwrap().to_owned()
}

async fn an_offer_is_previewed_then_issued_and_kept_unchanged(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    // The letter is addressed to the member's contacts who receive offers.
    let member = app.get(&s.admin, &s.agreement).await.body["member_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, title, offers) in [
        ("Anna Lind", "kommundirektör", true),
        ("Per Ek", "utbildningschef", true),
        ("Eva Ek", "ekonomichef", false),
    ] {
        let r = app
            .post(
                &s.admin,
                &format!("/api/v1/organisations/{}/members/{member}/contacts", s.org),
                &json!({"name": name, "title": title, "email": "kansli@bollebygd.se", "receives_offers": offers}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    // The preview: a PDF from the data as it stands, and nothing changes.
    let (status, media, pdf) = bytes(
        &app,
        &s.admin,
        &format!(
            "{}/offer.pdf?year=2027&date=2026-11-02&diarienummer=BRS%202026/0412",
            s.agreement
        ),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(media, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&pdf) {
        for expected in [
            "Navet science center",
            "Bollebygds kommun",
            "Box 100",
            "Till Anna Lind, kommundirektör, och Per Ek, utbildningschef",
            "Erbjudande att ingå avtal om samarbete med Navet science center",
            "Avtalet gäller 2027-01-01 – 2027-12-31. Uppsägningstiden är 6 månader.",
            "Avtalsperiod 2027-01-01 – 2027-12-31",
            "Fakturering Fast del en gång om året, fakturadatum den 15:e",
            "Första faktura 2027-01-15",
            "Diarienummer BRS 2026/0412",
            "Svar senast 2026-12-02",
            "Fast del per invånare 9 784 invånare (2025-12-31) × 28,50 kr 278 844,00 kr",
            "Skolprogram Kemi åk 4–6 klass 3 500,00 kr 25 %",
            "Skolprogram Kemi åk 4–6 6 klasser × 3 500,00 kr 21 000,00 kr",
            "Totalt för 2027 299 844,00 kr",
            "Lisa Belfrage",
            "Förbundsdirektör Boråsregionen Sjuhärad",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in {text}");
        }
    }
    assert_eq!(status_of(&app, &s.admin, &s.agreement).await, "draft");

    // The same preview twice is the same bytes: the date is the letter's, not the clock's.
    let (_, _, again) = bytes(
        &app,
        &s.admin,
        &format!(
            "{}/offer.pdf?year=2027&date=2026-11-02&diarienummer=BRS%202026/0412",
            s.agreement
        ),
    )
    .await;
    assert_eq!(pdf, again);

    // Issuing stores the PDF with its hash and moves the draft to offered.
    let r = app
        .post(
            &s.admin,
            &format!("{}/offers", s.agreement),
            &json!({"fee_year": 2027, "date": "2026-11-02", "answer_by": "2026-12-15",
                    "diarienummer": "BRS 2026/0412",
                    "addressees": "Till kommunstyrelsen och skolchefen",
                    "attachments": ["Affärsplan 2022–2025", "Rörlig del – ett smörgåsbord"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let doc = r.body.clone();
    assert_eq!(doc["kind"], "offer");
    assert_eq!(doc["language"], "sv");
    assert_eq!(doc["fee_year"], 2027);
    assert_eq!(doc["title"], "Erbjudande 2027 – Bollebygds kommun");
    assert_eq!(status_of(&app, &s.admin, &s.agreement).await, "offered");
    // The move is in the audit trail, by the token that issued the offer.
    let id = s.agreement.rsplit('/').next().unwrap();
    let r = app
        .get(
            &s.admin,
            &format!(
                "/api/v1/organisations/{}/audit?entity=agreement&entity_id={id}",
                s.org
            ),
        )
        .await;
    let moved = r.body["items"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&moved["action"], &moved["actor"], &moved["after"]["status"]),
        (
            &json!("transition"),
            &json!("admin i test"),
            &json!("offered")
        )
    );
    let (status, media, stored) = bytes(&app, &s.admin, doc["pdf"].as_str().unwrap()).await;
    assert_eq!((status, media.as_str()), (200, "application/pdf"));
    let res = app
        .client
        .get(app.url(doc["pdf"].as_str().unwrap()))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", doc["sha256"].as_str().unwrap())
    );
    assert_eq!(doc["sha256"], sha256(&stored).as_str());
    assert_eq!(doc["size_bytes"], stored.len());
    if let Some(text) = pdf_text(&stored) {
        assert!(text.contains("Svar senast 2026-12-15"), "{text}");
        assert!(
            text.contains("Till kommunstyrelsen och skolchefen"),
            "{text}"
        );
        assert!(
            text.contains("Bilagor – Affärsplan 2022–2025 – Rörlig del – ett smörgåsbord"),
            "{text}"
        );
    }

    // A second letter (say, corrected) is a new document; the first stays as it was.
    let r = app
        .post(
            &s.admin,
            &format!("{}/offers", s.agreement),
            &json!({"fee_year": 2027}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_ne!(r.body["id"], doc["id"]);
    let list = app
        .get(
            &s.admin,
            &format!(
                "/api/v1/organisations/{}/documents?agreement_id={}",
                s.org,
                s.agreement.rsplit('/').next().unwrap()
            ),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let r = app
        .get(
            &s.admin,
            &format!(
                "/api/v1/organisations/{}/documents/{}",
                s.org,
                doc["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(r.body["sha256"], doc["sha256"]);

    // Bad input names its field; a viewer cannot issue; another organisation sees nothing.
    let r = app
        .post(
            &s.admin,
            &format!("{}/offers", s.agreement),
            &json!({"fee_year": 1999, "answer_by": "15/12"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        crate::helpers::error_fields(&r.body),
        vec!["fee_year", "answer_by"]
    );
    // Without a year, the letter sets out the agreement's first year.
    let (status, _, pdf) = bytes(&app, &s.admin, &format!("{}/offer.pdf", s.agreement)).await;
    assert_eq!(status, 200);
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Fast del 2027"), "{text}");
    }
    // The agreement runs through 2027: there is nothing to offer for 2028.
    let r = app
        .post(
            &s.admin,
            &format!("{}/offers", s.agreement),
            &json!({"fee_year": 2028}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), vec!["fee_year"]);
    let viewer = app.token(&s.org, "viewer").await;
    let r = app
        .post(
            &viewer,
            &format!("{}/offers", s.agreement),
            &json!({"fee_year": 2027}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let (_, other) = app.organisation_with_admin("Annan").await;
    let (status, _, _) = bytes(&app, &other, doc["pdf"].as_str().unwrap()).await;
    assert_eq!(status, 404);
}

async fn templates_are_checked_before_they_are_stored_and_then_used(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let path = format!("/api/v1/organisations/{}/templates/offer/sv", s.org);

    let r = app.get(&s.admin, &path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["custom"], false);
    let shipped = r.body["source"].as_str().unwrap().to_owned();
    assert!(shipped.contains("kind = \"offer\""));

    // A misspelt placeholder is refused with its line, and nothing is stored.
    let broken = shipped.replace(
        "text = \"{{offer.addressees}}\"",
        "text = \"Till {{member.nme}}\"",
    );
    assert_ne!(broken, shipped);
    let line = broken
        .lines()
        .position(|l| l.contains("member.nme"))
        .unwrap()
        + 1;
    let r = put_json(&app, &s.admin, &path, &json!({"source": broken})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "source");
    assert_eq!(r.body["errors"][0]["code"], "template");
    assert_eq!(
        r.body["errors"][0]["message"],
        format!("rad {line}: okänd platshållare {{{{member.nme}}}}").as_str()
    );
    let r = app
        .send(
            app.client
                .put(app.url(&path))
                .bearer_auth(&s.admin)
                .header("accept-language", "en")
                .json(&json!({"source": "kind = \"offer\"\nlanguage = \"sv\"\n[[blocks]]\ntype = \"banner\"\n"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["errors"][0]["message"],
        "line 4: unknown block type \"banner\""
    );
    assert_eq!(app.get(&s.admin, &path).await.body["custom"], false);

    // Only an admin changes templates.
    let finance = app.token(&s.org, "finance").await;
    let edited = shipped.replace(
        "when = \"offer.addressees\"\ntext = \"{{offer.addressees}}\"",
        "text = \"Till förskolechef och rektor i {{member.name}}\"",
    );
    assert_ne!(edited, shipped);
    let r = put_json(&app, &finance, &path, &json!({"source": edited})).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // A good edit is stored and used for the organisation's letters from then on.
    let r = put_json(&app, &s.admin, &path, &json!({"source": edited})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["custom"], true);
    let (status, _, pdf) = bytes(
        &app,
        &s.admin,
        &format!("{}/offer.pdf?year=2027", s.agreement),
    )
    .await;
    assert_eq!(status, 200);
    if let Some(text) = pdf_text(&pdf) {
        assert!(
            text.contains("Till förskolechef och rektor i Bollebygds kommun"),
            "{text}"
        );
    }
    let (status, media, sample) = bytes(&app, &s.admin, &format!("{path}/sample.pdf")).await;
    assert_eq!((status, media.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&sample) {
        assert!(text.contains("Till förskolechef och rektor i"), "{text}");
        assert!(text.contains("Navet science center"), "{text}");
    }
    let list = app
        .get(
            &s.admin,
            &format!("/api/v1/organisations/{}/templates", s.org),
        )
        .await;
    let custom: Vec<&Value> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["custom"] == true)
        .collect();
    assert_eq!(custom.len(), 1);

    // Back to the shipped template.
    let r = app.delete(&s.admin, &path).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(app.delete(&s.admin, &path).await.status, 404);
    let r = app
        .get(
            &s.admin,
            &format!("/api/v1/organisations/{}/templates/memo/sv", s.org),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), vec!["kind"]);
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| [(i % 251) as u8, 0x4e, 0x79])
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

async fn a_logo_is_printed_on_the_letterhead(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let path = format!("/api/v1/organisations/{}/logo", s.org);
    let logo = png(120, 40);
    let r = put_bytes(&app, &s.admin, &path, "image/png", logo.clone()).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let (status, media, stored) = bytes(&app, &s.admin, &path).await;
    assert_eq!((status, media.as_str(), stored), (200, "image/png", logo));

    let (status, _, pdf) = bytes(
        &app,
        &s.admin,
        &format!("{}/offer.pdf?year=2027", s.agreement),
    )
    .await;
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/Subtype /Image") || text.contains("/Subtype/Image"),
        "no image in the PDF"
    );

    // Not a picture: refused, and the stored logo stays.
    let r = put_bytes(
        &app,
        &s.admin,
        &path,
        "image/png",
        b"\x89PNG but not really".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), vec!["logo"]);
    // Bytes of no picture at all under a picture's media type are invalid content too,
    // not a media type the route does not take.
    for media in ["image/png", "image/jpeg"] {
        let r = put_bytes(&app, &s.admin, &path, media, b"[]".to_vec()).await;
        assert_eq!(r.status, 422, "{media}: {}", r.body);
        assert_eq!(crate::helpers::error_fields(&r.body), vec!["logo"]);
    }
    let r = put_bytes(&app, &s.admin, &path, "image/gif", b"GIF89a".to_vec()).await;
    assert_eq!(r.status, 415, "{}", r.body);
    assert_eq!(bytes(&app, &s.admin, &path).await.0, 200);
    assert_eq!(app.delete(&s.admin, &path).await.status, 204);
    assert_eq!(bytes(&app, &s.admin, &path).await.0, 404);
}

crate::on_both_backends!(
    an_offer_is_previewed_then_issued_and_kept_unchanged,
    templates_are_checked_before_they_are_stored_and_then_used,
    a_logo_is_printed_on_the_letterhead,
);
