//! Email end to end: avtal sends to a real SMTP server on loopback (Python's aiosmtpd,
//! `tests/smtp_server.py`), which records every message it accepts and can be told to
//! answer 451 or 550, or be started late.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use avtal::configuration::EmailOverrides;
use avtal::domain::money::Money;
use avtal::domain::{Currency, Language};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Org, TestApp, bollebygd, error_fields, organisation, spawn_app_with,
};

/// Whether Python can run the SMTP server. In CI it must: a test that skips proves nothing.
pub(crate) fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 with aiosmtpd (pip install aiosmtpd)"
        );
        eprintln!(
            "skipped: python3 with aiosmtpd is not installed, so this email test did not run"
        );
    }
    ok
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The SMTP server process; stopped when dropped.
pub(crate) struct Smtp {
    child: Child,
    folder: PathBuf,
}

impl Smtp {
    pub(crate) fn start(port: u16, folder: &Path, args: &[&str]) -> Smtp {
        use std::io::BufRead;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--folder"])
            .arg(folder)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("READY"), "SMTP server: {line}");
        Smtp {
            child,
            folder: folder.to_path_buf(),
        }
    }

    pub(crate) fn received(&self) -> Vec<Value> {
        received(&self.folder)
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server recorded, oldest first: envelope, headers, bodies, attachments.
fn received(folder: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p.with_extension("json")).unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .collect()
}

pub(crate) fn smtp_settings(port: u16) -> EmailOverrides {
    EmailOverrides {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_security: Some("plain".into()),
        smtp_timeout_seconds: Some(5),
        ..EmailOverrides::default()
    }
}

async fn wait_for<F: FnMut() -> bool>(what: &str, secs: u64, mut done: F) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls the outbox until `done` holds for its messages.
async fn wait_outbox<F: Fn(&[Value]) -> bool>(app: &TestApp, token: &str, org: &str, done: F) {
    let start = Instant::now();
    loop {
        let r = app
            .get(token, &format!("/api/v1/organisations/{org}/outbox"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        if done(&items) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "outbox never got there: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A member with the given invoice address, a contact for invoices and one for
/// newsletters (each optional).
async fn member(
    app: &TestApp,
    o: &Org,
    name: &str,
    code: &str,
    invoice_email: Option<&str>,
    contacts: &[Value],
) -> String {
    let mut body = bollebygd();
    body["name"] = json!(name);
    body["municipality_code"] = json!(code);
    match invoice_email {
        Some(e) => body["invoice_email"] = json!(e),
        None => {
            body.as_object_mut().unwrap().remove("invoice_email");
        }
    }
    let r = app.post(&o.admin, &o.path("/members"), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    for c in contacts {
        let r = app
            .post(&o.admin, &o.path(&format!("/members/{id}/contacts")), c)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    id
}

/// Three municipalities, each with a head of education receiving newsletters at
/// `skola@<code>.example.se`.
async fn newsletter_members(app: &TestApp, o: &Org) {
    for (name, code) in [
        ("Bollebygds kommun", "1443"),
        ("Borås stad", "1490"),
        ("Marks kommun", "1463"),
    ] {
        member(
            app,
            o,
            name,
            code,
            None,
            &[json!({"name": "Utbildningschef", "email": format!("skola@{code}.example.se"), "receives_newsletters": true})],
        )
        .await;
    }
}

/// An issued invoice to the member; returns the invoice.
async fn issued_invoice(app: &TestApp, o: &Org, member: &str) -> Value {
    let r = app
        .post(
            &o.admin,
            &o.path("/invoices"),
            &json!({
                "member_id": member,
                "period_start": "2027-03-01",
                "period_end": "2027-03-31",
                "our_reference": "Lisa Belfrage",
                "lines": [{"description": "Fortbildningsdag NO-lärare", "quantity": "2",
                           "unit": "dag", "unit_price": "12000.00", "vat": "25"}]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/issue")),
            &json!({"date": "2027-03-05"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The SHA-256 recorded for a document when it was issued.
/// Bollebygd, with an invoice address, and an issued invoice sent to it:
/// the invoice and the send's reply (202, the message queued).
pub(crate) async fn send_an_invoice(app: &TestApp, o: &Org) -> (Value, crate::helpers::Reply) {
    let m = member(
        app,
        o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[],
    )
    .await;
    let invoice = issued_invoice(app, o, &m).await;
    let id = invoice["id"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    (invoice, r)
}

async fn document_sha256(app: &TestApp, o: &Org, document: &str) -> String {
    let r = app
        .get(&o.admin, &o.path(&format!("/documents/{document}")))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["sha256"].as_str().unwrap().to_owned()
}

fn set(values: &Value) -> BTreeSet<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_lowercase())
        .collect()
}

/// An invoice reaches the invoice address and the contact for invoices, in Swedish, with
/// the stored PDF attached byte for byte; the invoice becomes sent, and sending it again
/// answers with the same message instead of a second one.
async fn an_invoice_arrives_with_its_pdf_and_is_sent_once(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let m = member(
        &app,
        &o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[
            json!({"name": "Ekonomienheten", "email": "ekonomi@bollebygd.se", "receives_invoices": true}),
            json!({"name": "Anna Andersson", "title": "Kommundirektör", "email": "anna@bollebygd.se", "receives_offers": true}),
        ],
    )
    .await;
    let invoice = issued_invoice(&app, &o, &m).await;
    let id = invoice["id"].as_str().unwrap();
    let number = invoice["number"].as_str().unwrap();
    let document = invoice["document_id"].as_str().unwrap();

    let first = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(first.status, 202, "{}", first.body);
    assert_eq!(first.body["kind"], "invoice");
    assert_eq!(first.body["language"], "sv");
    // The invoice is sent as soon as its message is stored.
    let r = app.get(&o.admin, &o.path(&format!("/invoices/{id}"))).await;
    assert_eq!(r.body["status"], "sent", "{}", r.body);
    let again = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);

    wait_for("the invoice to arrive", 30, || smtp.received().len() == 1).await;
    let mail = &smtp.received()[0];
    assert_eq!(
        set(&mail["rcpt_tos"]),
        BTreeSet::from([
            "faktura@bollebygd.se".to_owned(),
            "ekonomi@bollebygd.se".to_owned()
        ])
    );
    let subject = mail["subject"].as_str().unwrap();
    assert!(
        subject.starts_with(&format!("Faktura {number} från")),
        "{subject}"
    );
    assert!(
        mail["text"].as_str().unwrap().contains("Att betala"),
        "{mail}"
    );
    assert!(
        mail["html"].as_str().unwrap().contains("Förfallodag"),
        "{mail}"
    );
    assert_eq!(mail["message_id"], first.body["message_id"]);
    let attachments = mail["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2, "{mail}");
    assert_eq!(attachments[0]["content_type"], "application/pdf");
    assert_eq!(
        attachments[0]["sha256"].as_str().unwrap(),
        document_sha256(&app, &o, document).await
    );
    // The e-invoice travels with it, byte for byte as stored.
    let xml = app
        .client
        .get(app.url(&o.path(&format!("/invoices/{id}/e-invoice"))))
        .bearer_auth(&o.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status(), 200);
    let xml = xml.bytes().await.unwrap();
    assert_eq!(attachments[1]["content_type"], "application/xml");
    assert!(
        attachments[1]["filename"]
            .as_str()
            .unwrap()
            .ends_with(".xml")
    );
    assert_eq!(
        attachments[1]["sha256"].as_str().unwrap(),
        avtal::storage::documents::sha256_hex(&xml)
    );

    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.len() == 1 && items[0]["status"] == "sent"
    })
    .await;
    let log = app
        .get(&o.admin, &o.path(&format!("/members/{m}/messages")))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(log.body["items"][0]["attempts"], 1);
    // Still one message a moment later: nothing was sent twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 1);
}

/// An English-speaking member gets the English wording.
async fn a_member_gets_its_own_language(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let mut body = bollebygd();
    body["language"] = json!("en");
    let r = app.post(&o.admin, &o.path("/members"), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = r.body["id"].as_str().unwrap().to_owned();
    let invoice = issued_invoice(&app, &o, &m).await;
    let id = invoice["id"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["language"], "en");
    wait_for("the invoice to arrive", 30, || smtp.received().len() == 1).await;
    let mail = &smtp.received()[0];
    assert!(
        mail["subject"].as_str().unwrap().starts_with("Invoice "),
        "{mail}"
    );
    assert!(
        mail["text"].as_str().unwrap().contains("Amount due"),
        "{mail}"
    );
}

/// The mail server is down when sending starts and comes up later: every message is
/// delivered, each once.
async fn a_server_that_comes_up_late_gets_every_message_once(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    newsletter_members(&app, &o).await;
    let r = app
        .post(
            &o.admin,
            &o.path("/mailings"),
            &json!({"subject": "Nyheter från Navet", "text": "Hej!\nVårens program är klart."}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 3, "{}", r.body);
    // Refused connections are temporary: the messages wait with their reason.
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.len() == 3
            && items
                .iter()
                .all(|m| m["status"] != "sent" && m["last_error"].is_string())
    })
    .await;
    let smtp = Smtp::start(port, dir.path(), &[]);
    wait_for("three messages", 30, || smtp.received().len() >= 3).await;
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.iter().all(|m| m["status"] == "sent")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: Vec<String> = smtp
        .received()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 3, "{ids:?}");
}

/// 451 first, then 250: delivered on the second attempt.
async fn a_temporary_refusal_is_retried(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--fail-first", "1"]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    send_an_invoice(&app, &o).await;
    wait_for("the message", 30, || smtp.received().len() == 1).await;
    wait_outbox(&app, &o.admin, &o.org, |items| items[0]["status"] == "sent").await;
    let r = app.get(&o.admin, &o.path("/outbox?status=sent")).await;
    assert_eq!(r.body["items"][0]["attempts"], 2, "{}", r.body);
}

/// 550: the message fails with the server's reply; a retry queues it again.
async fn a_permanent_refusal_fails_with_the_reply(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--reject"]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let (_, r) = send_an_invoice(&app, &o).await;
    let message = r.body["id"].as_str().unwrap().to_owned();
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items[0]["status"] == "failed"
    })
    .await;
    let r = app.get(&o.admin, &o.path("/outbox?status=failed")).await;
    let failed = &r.body["items"][0];
    assert_eq!(failed["attempts"], 1, "{failed}");
    let reply = failed["last_error"].as_str().unwrap();
    assert!(reply.contains("550"), "{reply}");
    assert!(reply.contains("relaying denied"), "{reply}");
    assert!(smtp.received().is_empty());
    // A message that has not failed is not retried; a failed one is, from zero.
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/outbox/{message}/retry")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["attempts"], 0);
    assert_eq!(r.body["status"], "pending");
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/outbox/{message}/retry")),
            &json!({}),
        )
        .await;
    assert!(r.status == 409 || r.status == 200, "{}", r.body);
}

/// Without an SMTP server each message becomes an .eml file in the mail folder.
async fn without_smtp_messages_land_as_eml_files(backend: Backend) {
    let app = spawn_app_with(backend, EmailOverrides::default()).await;
    let o = organisation(&app).await;
    let (_, r) = send_an_invoice(&app, &o).await;
    let message_id = r.body["message_id"].as_str().unwrap().to_owned();
    let folder = app.mail_folder.clone();
    let eml = || -> Vec<PathBuf> {
        std::fs::read_dir(&folder)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default()
    };
    // lettre writes the file in place: it is complete once its headers and body are there.
    let complete = |p: &PathBuf| {
        std::fs::read_to_string(p)
            .is_ok_and(|t| t.contains("Message-ID") && t.trim_end().ends_with("--"))
    };
    wait_for("an .eml file", 30, || {
        eml().len() == 1 && complete(&eml()[0])
    })
    .await;
    let text = std::fs::read_to_string(&eml()[0]).unwrap();
    assert!(
        text.contains(&format!("Message-ID: {message_id}")),
        "{text}"
    );
    assert!(text.contains("To: faktura@bollebygd.se"), "{text}");
    assert!(text.contains("application/pdf"), "{text}");
    wait_outbox(&app, &o.admin, &o.org, |items| items[0]["status"] == "sent").await;
}

/// A CA and a certificate it issued for 127.0.0.1, made with the openssl command; `None`
/// (a skip, said so) where openssl is missing outside CI.
fn certificates(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let openssl = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !openssl(&["version"]) {
        assert!(std::env::var_os("CI").is_none(), "CI must have openssl");
        eprintln!("skipped: openssl is not installed, so the TLS email test did not run");
        return None;
    }
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    for args in [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=avtal test CA",
        ][..],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "smtp.key",
            "-out",
            "smtp.csr",
            "-subj",
            "/CN=127.0.0.1",
        ][..],
        &[
            "x509",
            "-req",
            "-in",
            "smtp.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "smtp.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ][..],
    ] {
        assert!(openssl(args), "openssl {args:?}");
    }
    Some((
        dir.join("ca.pem"),
        dir.join("smtp.pem"),
        dir.join("smtp.key"),
    ))
}

/// STARTTLS (required by the server) and implicit TLS, with the relay's own CA given by
/// `smtp_ca_file`: the message arrives over an encrypted connection.
async fn tls_and_starttls_reach_a_relay_with_its_own_ca(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = certificates(certs.path()) else {
        return;
    };
    for (security, extra) in [("starttls", None), ("tls", Some("--implicit-tls"))] {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut args = vec![
            "--cert".to_owned(),
            cert.display().to_string(),
            "--key".to_owned(),
            key.display().to_string(),
        ];
        args.extend(extra.map(str::to_owned));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let smtp = Smtp::start(port, dir.path(), &args);
        let app = spawn_app_with(
            backend.clone(),
            EmailOverrides {
                smtp_security: Some(security.into()),
                smtp_ca_file: Some(ca.display().to_string()),
                ..smtp_settings(port)
            },
        )
        .await;
        let o = organisation(&app).await;
        send_an_invoice(&app, &o).await;
        wait_outbox(&app, &o.admin, &o.org, |items| items[0]["status"] == "sent").await;
        assert_eq!(smtp.received().len(), 1, "{security}");
    }
    // Without the CA the certificate is not trusted: nothing is sent, and the outbox says
    // why and tries again later.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cert = cert.display().to_string();
    let key = key.display().to_string();
    let smtp = Smtp::start(port, dir.path(), &["--cert", &cert, "--key", &key]);
    let app = spawn_app_with(
        backend,
        EmailOverrides {
            smtp_security: Some("starttls".into()),
            ..smtp_settings(port)
        },
    )
    .await;
    let o = organisation(&app).await;
    send_an_invoice(&app, &o).await;
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.to_lowercase().contains("certificate"))
    })
    .await;
    assert!(smtp.received().is_empty());
}

/// Five sends of the same invoice at once write one message and one `sent` event: the
/// others answer with that message (or 409 where two transactions raced on PostgreSQL).
async fn concurrent_sends_write_one_message(backend: Backend) {
    use diesel::prelude::*;
    let app = spawn_app_with(
        backend,
        EmailOverrides {
            worker: Some(false),
            ..EmailOverrides::default()
        },
    )
    .await;
    let o = organisation(&app).await;
    let m = member(
        &app,
        &o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[],
    )
    .await;
    let invoice = issued_invoice(&app, &o, &m).await;
    let id = invoice["id"].as_str().unwrap().to_owned();
    let path = o.path(&format!("/invoices/{id}/send"));
    let body = json!({});
    let replies =
        futures_util::future::join_all((0..5).map(|_| app.post(&o.admin, &path, &body))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    // The others answer with that message, whichever process or transaction they ran in.
    assert!(
        statuses.iter().all(|s| [200, 202].contains(s)),
        "{statuses:?}"
    );
    let r = app.get(&o.admin, &o.path("/outbox")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    use avtal::storage::schema::invoice_events::dsl as e;
    let mut conn = app.pool().get().unwrap();
    let sent: i64 = e::invoice_events
        .filter(e::invoice_id.eq(&id))
        .filter(e::kind.eq("sent"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(sent, 1);
}

/// The same mailing sent five times at once is written once; the other answers name it
/// as sent already (never a conflict).
async fn a_mailing_sent_at_once_is_written_once(backend: Backend) {
    let app = spawn_app_with(
        backend,
        EmailOverrides {
            worker: Some(false),
            ..EmailOverrides::default()
        },
    )
    .await;
    let o = organisation(&app).await;
    newsletter_members(&app, &o).await;
    let mailing = json!({"subject": "Nyheter från Navet", "text": "Vårens program är klart."});
    let path = o.path("/mailings");
    let replies =
        futures_util::future::join_all((0..5).map(|_| app.post(&o.admin, &path, &mailing))).await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 202], "{statuses:?}");
    let ids: BTreeSet<&str> = replies
        .iter()
        .map(|r| r.body["mailing_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let r = app.get(&o.admin, &o.path("/outbox")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3, "{}", r.body);
}

/// An organisation words its own email: checked before it is stored, used for the next
/// message, and removed again to fall back on the shipped wording.
async fn an_organisation_words_its_own_email(backend: Backend) {
    let app = spawn_app_with(backend, EmailOverrides::default()).await;
    let o = organisation(&app).await;
    let path = o.path("/email-templates/invoice/sv");
    let r = app.get(&o.admin, &path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["custom"], false);
    assert!(
        r.body["subject"]
            .as_str()
            .unwrap()
            .contains("{{invoice.number}}")
    );
    assert!(
        r.body["placeholders"]
            .as_array()
            .unwrap()
            .contains(&json!("invoice.reference"))
    );
    let put = |body: Value| {
        app.send(
            app.client
                .put(app.url(&path))
                .bearer_auth(&o.admin)
                .json(&body),
        )
    };
    let r = put(
        json!({"subject": "Faktura {{invoice.number}}", "text": "Betala",
                       "html": "<p>Senast {{invoice.duedate}}</p>"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["html"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invoice.duedate")
    );
    let r = put(json!({"text": "Betala"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["subject", "html"]);
    let r = put(
        json!({"subject": "Invoice {{invoice.number}} - {{member.name}}",
                       "text": "Pay {{invoice.total}} by {{invoice.due_date}}.",
                       "html": "<p>Pay by {{invoice.due_date}}.</p>"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["custom"], true);

    let (invoice, r) = send_an_invoice(&app, &o).await;
    let subject = format!(
        "Invoice {} - Bollebygds kommun",
        invoice["number"].as_str().unwrap()
    );
    assert_eq!(r.body["subject"], subject.as_str());
    let folder = app.mail_folder.clone();
    let eml = move || -> Option<String> {
        let entry = std::fs::read_dir(&folder)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "eml"))?;
        std::fs::read_to_string(entry.path()).ok()
    };
    wait_for("the .eml file", 30, || eml().is_some()).await;
    assert!(eml().unwrap().contains(&format!("Subject: {subject}")));

    let r = app.delete(&o.admin, &path).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = app.get(&o.admin, &path).await;
    assert_eq!(r.body["custom"], false);
    let r = app.delete(&o.admin, &path).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .get(&o.admin, &o.path("/email-templates/letter/se"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["kind", "lang"]);
}

/// Members without a recipient are named, never skipped silently; bad input is a problem
/// naming the field.
async fn missing_recipients_and_bad_input_are_reported(backend: Backend) {
    let app = spawn_app_with(backend, EmailOverrides::default()).await;
    let o = organisation(&app).await;
    let m = member(&app, &o, "Bollebygds kommun", "1443", None, &[]).await;
    let invoice = issued_invoice(&app, &o, &m).await;
    let id = invoice["id"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["recipients"]);
    assert_eq!(r.body["errors"][0]["code"], "no_recipient", "{}", r.body);
    // Nothing was stored: the invoice is not sent.
    let r = app.get(&o.admin, &o.path(&format!("/invoices/{id}"))).await;
    assert_eq!(r.body["status"], "issued", "{}", r.body);

    let r = app
        .post(
            &o.admin,
            &o.path("/mailings"),
            &json!({"subject": "Nyheter", "text": "Hej"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 0);
    assert_eq!(r.body["without_recipient"][0]["member_id"], m.as_str());
    assert_eq!(
        r.body["without_recipient"][0]["recipient"],
        "contacts.receives_newsletters"
    );

    let r = app
        .post(
            &o.admin,
            &o.path("/mailings"),
            &json!({"text": "", "attachment": {"filename": "a/b.pdf", "content_base64": "###"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        error_fields(&r.body),
        [
            "subject",
            "text",
            "attachment.filename",
            "attachment.content_base64"
        ]
    );
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let r = app.get(&o.admin, &o.path("/outbox?status=lost")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["status"]);
    let r = app
        .post(&o.admin, &o.path("/invoices/nothing/send"), &json!({}))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .post(
            &o.admin,
            &o.path("/reminder-runs/2027-13-01/send"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["date"]);
}

/// A newsletter with an attachment reaches each member's newsletter contacts.
async fn a_newsletter_carries_its_attachment(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    member(
        &app,
        &o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[json!({"name": "Utbildningschef", "email": "skola@bollebygd.se", "receives_newsletters": true})],
    )
    .await;
    use base64::Engine;
    let program = b"%PDF-1.7 Program 2027".to_vec();
    let r = app
        .post(
            &o.admin,
            &o.path("/mailings"),
            &json!({"subject": "Program 2027", "text": "Hej!\nHär är programmet.",
                    "attachment": {"filename": "Program 2027.pdf",
                                   "content_base64": base64::engine::general_purpose::STANDARD.encode(&program)}}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    wait_for("the newsletter", 30, || smtp.received().len() == 1).await;
    let mail = &smtp.received()[0];
    assert_eq!(
        set(&mail["rcpt_tos"]),
        BTreeSet::from(["skola@bollebygd.se".to_owned()])
    );
    assert_eq!(mail["subject"], "Program 2027");
    assert!(
        mail["text"]
            .as_str()
            .unwrap()
            .contains("Här är programmet.")
    );
    assert_eq!(mail["attachments"][0]["filename"], "Program 2027.pdf");
    assert_eq!(
        mail["attachments"][0]["sha256"].as_str().unwrap(),
        avtal::storage::documents::sha256_hex(&program)
    );
}

/// `avtal outbox run` on the test's database and SMTP server.
fn outbox_run(app: &TestApp, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_avtal"))
        .args(["outbox", "run"])
        .env("DATABASE_URL", &app.database_url)
        .env("AVTAL_SMTP_HOST", "127.0.0.1")
        .env("AVTAL_SMTP_PORT", port.to_string())
        .env("AVTAL_SMTP_SECURITY", "plain")
        .env("AVTAL_MAIL_FROM", "Navet <navet@boras.se>")
        .env("AVTAL_MAIL_LEASE_SECONDS", "2")
        .env("AVTAL_MAIL_POLL_MS", "50")
        .env("AVTAL_MAIL_RETRY_BASE_MS", "50")
        .env("AVTAL_MAIL_MAX_IN_FLIGHT", "4")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("avtal starts")
}

/// 100 members, each with a contact for newsletters, and a newsletter to them: 100
/// messages in the outbox. Returns their Message-IDs.
async fn hundred_messages(app: &TestApp, o: &Org) -> BTreeSet<String> {
    for i in 0..100 {
        member(
            app,
            o,
            &format!("Kommun {i:03}"),
            &format!("{:04}", 1000 + i),
            None,
            &[json!({"name": "Kontakt", "email": format!("k{i}@example.se"), "receives_newsletters": true})],
        )
        .await;
    }
    let r = app
        .post(
            &o.admin,
            &o.path("/mailings"),
            &json!({"subject": "Hundra", "text": "Hej"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 100, "{}", r.body);
    r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Message-ID → how many times it arrived.
fn arrivals(folder: &Path) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for m in received(folder) {
        *seen
            .entry(m["message_id"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    seen
}

/// Two `avtal outbox run` processes and the server's own worker send the same 100 messages
/// at once: each arrives exactly once (on PostgreSQL the claims skip locked rows, on
/// SQLite they queue for the write lock).
async fn several_senders_never_send_a_message_twice(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--delay-ms", "10"]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let expected = hundred_messages(&app, &o).await;
    let mut a = outbox_run(&app, port);
    let mut b = outbox_run(&app, port);
    wait_for("all 100 messages", 120, || {
        arrivals(dir.path()).len() >= 100
    })
    .await;
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.len() == 100 && items.iter().all(|m| m["status"] == "sent")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());
    let seen = arrivals(dir.path());
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(seen.values().all(|n| *n == 1), "sent twice: {seen:?}");
    assert_eq!(smtp.received().len(), 100);
}

/// A slow SMTP server (40 ms a message) and 100 messages in the outbox of a server that
/// only writes them: for the tests that run `avtal outbox run` themselves.
struct Sending {
    dir: tempfile::TempDir,
    port: u16,
    smtp: Smtp,
    app: TestApp,
    o: Org,
    expected: BTreeSet<String>,
}

impl Sending {
    async fn start(backend: Backend) -> Sending {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let smtp = Smtp::start(port, dir.path(), &["--delay-ms", "40"]);
        let app = spawn_app_with(
            backend,
            EmailOverrides {
                worker: Some(false),
                ..smtp_settings(port)
            },
        )
        .await;
        let o = organisation(&app).await;
        let expected = hundred_messages(&app, &o).await;
        Sending {
            dir,
            port,
            smtp,
            app,
            o,
            expected,
        }
    }

    /// A sender started once the first 10 messages have arrived.
    async fn sender_under_way(&self) -> Child {
        let sender = outbox_run(&self.app, self.port);
        wait_for("the first messages", 60, || {
            self.smtp.received().len() >= 10
        })
        .await;
        sender
    }

    /// A second sender sends the rest: every message arrives and is recorded as sent.
    /// Returns how often each Message-ID arrived.
    async fn finish(&self) -> BTreeMap<String, usize> {
        let mut second = outbox_run(&self.app, self.port);
        let dir = self.dir.path();
        wait_for("all 100 messages", 120, || arrivals(dir).len() >= 100).await;
        wait_outbox(&self.app, &self.o.admin, &self.o.org, |items| {
            items.len() == 100 && items.iter().all(|m| m["status"] == "sent")
        })
        .await;
        second.kill().unwrap();
        second.wait().unwrap();
        let seen = arrivals(dir);
        assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), self.expected);
        seen
    }
}

/// `avtal outbox run` is killed while it sends 100 messages and started again: all 100
/// arrive (a Message-ID may arrive twice, none may be missing).
async fn a_killed_sender_loses_nothing(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let s = Sending::start(backend).await;
    let mut first = s.sender_under_way().await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        s.smtp.received().len() < 100,
        "the sender finished before it was killed"
    );

    let seen = s.finish().await;
    // At most the messages under way when the first sender died came twice.
    let twice = seen.values().filter(|n| **n > 1).count();
    assert!(twice <= 4, "{twice} messages arrived twice");
}

/// `avtal outbox run` asked to stop (SIGTERM, as a service manager does) finishes the
/// messages under way, records them as sent and exits 0: nothing is left leased, and the
/// next sender sends the rest without sending any message twice.
async fn a_stopped_sender_finishes_what_it_was_sending(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let s = Sending::start(backend).await;
    let mut first = s.sender_under_way().await;
    let term = Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let mut exited = None;
    wait_for("the sender to stop", 20, || {
        exited = first.try_wait().unwrap();
        exited.is_some()
    })
    .await;
    assert!(exited.unwrap().success(), "{exited:?}");
    let arrived = arrivals(s.dir.path());
    assert!(
        arrived.len() < 100,
        "the sender finished before it was stopped"
    );
    let r = s.app.get(&s.o.admin, &s.o.path("/outbox")).await;
    let sent: BTreeSet<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            assert_ne!(m["status"], "sending", "{m}");
            m["status"] == "sent"
        })
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(sent, arrived.keys().map(String::as_str).collect());

    let seen = s.finish().await;
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
}

/// With `send_on_issue` an issued invoice is a sent one: an invoice issued alone, a run's
/// invoices, a reminder run and a credit note (in its own words) reach their recipients
/// without a send call. A member without an invoice
/// recipient gets its invoice issued all the same, unsent, and the run names it. Off (the
/// default), issuing sends nothing.
async fn invoices_go_out_when_issued_if_the_organisation_says_so(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let bollebygd = member(
        &app,
        &o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[],
    )
    .await;
    let boras = member(&app, &o, "Borås stad", "1490", None, &[]).await;

    let r = app.get(&o.admin, &o.path("/invoicing-settings")).await;
    assert_eq!(r.body["send_on_issue"], false, "{}", r.body);
    let quiet = issued_invoice(&app, &o, &bollebygd).await;
    assert_eq!(quiet["status"], "issued");
    let mut settings = r.body.clone();
    settings["send_on_issue"] = json!(true);
    let r = app
        .send(
            app.client
                .put(app.url(&o.path("/invoicing-settings")))
                .bearer_auth(&o.admin)
                .json(&settings),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["send_on_issue"], true);

    let alone = issued_invoice(&app, &o, &bollebygd).await;
    assert_eq!(alone["status"], "sent", "{alone}");
    let unaddressed = issued_invoice(&app, &o, &boras).await;
    assert_eq!(unaddressed["status"], "issued", "{unaddressed}");

    let r = app
        .post(
            &o.admin,
            &o.path("/fee-models"),
            &json!({"fee_year": 2027, "name": "Medlemsavgift", "indexation": null,
                    "model": {"type": "flat", "currency": "SEK", "amount": "10000.00"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = r.body["id"].as_str().unwrap().to_owned();
    for m in [&bollebygd, &boras] {
        let r = app
            .post(
                &o.admin,
                &o.path("/agreements"),
                &json!({
                    "member_id": m, "pro_rata": "whole_months", "notice_months": 6,
                    "start_date": "2027-01-01", "end_date": "2027-12-31",
                    "terms": {"fixed": [{"id": "avgift", "fee_model_id": model}],
                              "billing": {"schedule": "annual", "variable": "arrears", "invoice_day": 15}}
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let a = o.path(&format!("/agreements/{}", r.body["id"].as_str().unwrap()));
        for to in [
            json!({"to": "offered"}),
            json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Kommundirektören", "decision_reference": "KS 2026/1"}),
            json!({"to": "active"}),
        ] {
            let r = app.post(&o.admin, &format!("{a}/transitions"), &to).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    let r = app
        .post(
            &o.admin,
            &o.path("/invoice-runs"),
            &json!({"from": "2027-01-01", "to": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let statuses: BTreeSet<(String, String)> = r.body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["member_id"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        BTreeSet::from([
            (bollebygd.clone(), "sent".to_owned()),
            (boras.clone(), "issued".to_owned())
        ])
    );
    assert_eq!(r.body["without_recipient"], json!([boras]));
    let from_run = r.body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["member_id"] == bollebygd.as_str())
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();

    // A reminder run is sent the same way: Bollebygd's reminder goes out, Borås' is listed.
    let r = app
        .send(
            app.client
                .put(app.url("/api/v1/reference-rates/SE/2027-01-01"))
                .bearer_auth(&app.operator)
                .json(&json!({"percent": "2.00"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &o.admin,
            &o.path("/reminder-runs"),
            &json!({"date": "2027-05-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["reminders"].as_array().unwrap().len(),
        2,
        "{}",
        r.body
    );
    assert_eq!(r.body["without_recipient"], json!([boras]));

    // A credit note goes out in its own words: what it credits, nothing to pay.
    let alone_number = alone["number"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{}/credit-notes", alone["id"].as_str().unwrap())),
            &json!({"date": "2027-06-01", "lines": [
                {"description": "Rättelse", "quantity": "1", "unit_price": "1000.00", "vat": "25"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let credit_number = r.body["number"].as_str().unwrap().to_owned();

    // Exactly the two invoices, the reminder and the credit note arrive, at Bollebygd's
    // invoice address.
    wait_for("four messages", 30, || smtp.received().len() >= 4).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = smtp.received();
    assert_eq!(received.len(), 4, "{received:?}");
    let mut subjects = BTreeSet::new();
    for mail in &received {
        assert_eq!(
            set(&mail["rcpt_tos"]),
            BTreeSet::from(["faktura@bollebygd.se".to_owned()])
        );
        let subject = mail["subject"].as_str().unwrap();
        subjects.insert(subject.split(' ').take(2).collect::<Vec<_>>().join(" "));
        if subject.starts_with("Kreditfaktura") {
            let text = mail["text"].as_str().unwrap().replace('\u{a0}', " ");
            assert!(
                text.contains(&format!("krediterar faktura {alone_number}"))
                    && text.contains("Krediterat belopp: 1 250,00 kr")
                    && !text.contains("Att betala"),
                "{text}"
            );
        }
    }
    let [a, b] = [alone_number, from_run.as_str()].map(|n| format!("Faktura {n}"));
    let expected = [
        a,
        b,
        "Påminnelse om".to_owned(),
        format!("Kreditfaktura {credit_number}"),
    ];
    assert_eq!(subjects, BTreeSet::from(expected));
}

/// An offer, an invoice run and a reminder run, each sent to its own recipients with its
/// document attached; a member without an invoice recipient is reported by the runs and
/// refused (422) on a single send.
async fn offers_and_runs_reach_their_recipients(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let r = app
        .post(
            &o.admin,
            &o.path("/fee-models"),
            &json!({"fee_year": 2027, "name": "Medlemsavgift per invånare",
                    "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"},
                    "indexation": null}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = r.body["id"].as_str().unwrap().to_owned();
    let bollebygd = member(
        &app,
        &o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[
            json!({"name": "Anna Andersson", "title": "Kommundirektör", "email": "anna@bollebygd.se", "receives_offers": true}),
            json!({"name": "Bo Berg", "title": "Utbildningschef", "email": "bo@bollebygd.se", "receives_offers": true}),
        ],
    )
    .await;
    let boras = member(&app, &o, "Borås stad", "1490", None, &[]).await;
    let mut offer = None;
    for m in [&bollebygd, &boras] {
        let r = app
            .post(
                &o.admin,
                &o.path("/agreements"),
                &json!({
                    "member_id": m, "pro_rata": "whole_months", "notice_months": 6,
                    "start_date": "2027-01-01", "end_date": "2027-12-31",
                    "terms": {
                        "fixed": [{"id": "avgift", "fee_model_id": model}],
                        "billing": {"schedule": "quarterly", "variable": "arrears", "invoice_day": 15}
                    }
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let a = o.path(&format!("/agreements/{}", r.body["id"].as_str().unwrap()));
        if *m == bollebygd {
            let r = app
                .post(
                    &o.admin,
                    &format!("{a}/offers"),
                    &json!({"fee_year": 2027, "date": "2026-11-02"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            offer = Some(r.body.clone());
        } else {
            let r = app
                .post(
                    &o.admin,
                    &format!("{a}/transitions"),
                    &json!({"to": "offered"}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        for to in [
            json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Kommundirektören", "decision_reference": "KS 2026/1"}),
            json!({"to": "active"}),
        ] {
            let r = app.post(&o.admin, &format!("{a}/transitions"), &to).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    let offer = offer.unwrap();
    let offer_id = offer["id"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/offers/{offer_id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["kind"], "offer");
    assert_eq!(
        set(&r.body["recipients"]),
        BTreeSet::from(["anna@bollebygd.se".to_owned(), "bo@bollebygd.se".to_owned()])
    );

    let r = app
        .post(
            &o.admin,
            &o.path("/invoice-runs"),
            &json!({"from": "2027-01-01", "to": "2027-03-31", "dry_run": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.body["invoices"].as_array().unwrap().len(),
        2,
        "{}",
        r.body
    );
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoice-runs/{run}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 1, "{}", r.body);
    assert_eq!(r.body["messages"][0]["member_id"], bollebygd.as_str());
    assert_eq!(r.body["without_recipient"][0]["member_id"], boras.as_str());
    assert_eq!(
        r.body["without_recipient"][0]["recipient"],
        "invoice_email or contacts.receives_invoices"
    );
    // The run again: the sent invoice answers with its message, nothing new is written.
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoice-runs/{run}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(
        (r.body["queued"].as_u64(), r.body["already_queued"].as_u64()),
        (Some(0), Some(1))
    );

    let r = app
        .send(
            app.client
                .put(app.url("/api/v1/reference-rates/SE/2027-01-01"))
                .bearer_auth(&app.operator)
                .json(&json!({"percent": "2.00"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &o.admin,
            &o.path("/reminder-runs"),
            &json!({"date": "2027-05-31", "dry_run": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let reminders = r.body["reminders"].as_array().unwrap().clone();
    assert_eq!(reminders.len(), 2, "{}", r.body);
    let of_boras = reminders
        .iter()
        .find(|x| x["member_id"] == boras.as_str())
        .unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!(
                "/reminders/{}/send",
                of_boras["id"].as_str().unwrap()
            )),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["recipients"]);
    let r = app
        .post(
            &o.admin,
            &o.path("/reminder-runs/2027-05-31/send"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 1, "{}", r.body);
    assert_eq!(r.body["without_recipient"][0]["member_id"], boras.as_str());
    let reminder_doc = reminders
        .iter()
        .find(|x| x["member_id"] == bollebygd.as_str())
        .unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &o.admin,
            &o.path("/reminder-runs/2027-06-30/send"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    wait_for("offer, invoice and reminder", 30, || {
        smtp.received().len() >= 3
    })
    .await;
    let mails = smtp.received();
    let by_subject = |prefix: &str| -> Value {
        mails
            .iter()
            .find(|m| m["subject"].as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {mails:?}"))
            .clone()
    };
    let offer_mail = by_subject("Erbjudande om avtal 2027 från Navet science center");
    assert_eq!(
        offer_mail["attachments"][0]["sha256"].as_str().unwrap(),
        offer["sha256"].as_str().unwrap()
    );
    assert!(
        offer_mail["text"]
            .as_str()
            .unwrap()
            .contains("Lisa Belfrage")
    );
    let invoice_mail = by_subject("Faktura NAV-2027-0001 från");
    assert_eq!(
        set(&invoice_mail["rcpt_tos"]),
        BTreeSet::from(["faktura@bollebygd.se".to_owned()])
    );
    let reminder_mail = by_subject("Påminnelse om obetald faktura");
    assert_eq!(
        reminder_mail["attachments"][0]["sha256"].as_str().unwrap(),
        document_sha256(&app, &o, &reminder_doc).await
    );
    // The mail asks for the reminder's own total, to be paid with its charge invoice's OCR.
    let of_bollebygd = reminders
        .iter()
        .find(|x| x["member_id"] == bollebygd.as_str())
        .unwrap();
    let total = avtal::pdf::format::money(
        Money::new(
            of_bollebygd["total"].as_str().unwrap().parse().unwrap(),
            Currency::Sek,
        )
        .unwrap(),
        Language::Sv,
    );
    let text = reminder_mail["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("Att betala: {total}")),
        "{total} in {text}"
    );
    let charge = app
        .get(
            &o.admin,
            &o.path(&format!(
                "/invoices/{}",
                of_bollebygd["charge_invoice_id"].as_str().unwrap()
            )),
        )
        .await;
    let ocr = charge.body["payment_reference"].as_str().unwrap();
    assert!(text.contains(ocr), "{ocr} in {text}");
    let log = app
        .get(&o.admin, &o.path(&format!("/members/{bollebygd}/messages")))
        .await;
    let kinds: BTreeSet<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["invoice", "offer", "reminder"]));
}

/// A mailing is sent once: sending it again writes nothing, a resend reaches only the
/// member whose message failed, and everyone only when asked.
async fn a_mailing_never_mails_twice_by_accident(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--reject-to", "skola@1490.example.se"]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    newsletter_members(&app, &o).await;
    let mailing = json!({"subject": "Nyheter från Navet", "text": "Vårens program är klart."});
    let r = app.post(&o.admin, &o.path("/mailings"), &mailing).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        (r.body["queued"].as_u64(), r.body["already_sent"].as_bool()),
        (Some(3), Some(false))
    );
    let id = r.body["mailing_id"].as_str().unwrap().to_owned();
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.iter().filter(|m| m["status"] == "sent").count() == 2
            && items.iter().filter(|m| m["status"] == "failed").count() == 1
    })
    .await;

    // Pressing send again mails nobody.
    let r = app.post(&o.admin, &o.path("/mailings"), &mailing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["already_sent"], true);
    assert_eq!(r.body["mailing_id"], id.as_str());
    assert_eq!(r.body["queued"], 0);
    let r = app.get(&o.admin, &o.path(&format!("/mailings/{id}"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["sent"].as_u64(), r.body["failed"].as_u64()),
        (Some(2), Some(1)),
        "{}",
        r.body
    );
    let list = app.get(&o.admin, &o.path("/mailings")).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    // Borås's server takes mail again: a resend reaches Borås alone.
    drop(smtp);
    let again = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(port, again.path(), &[]);
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/mailings/{id}/resend")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 1, "{}", r.body);
    wait_for("Borås's message", 30, || !smtp.received().is_empty()).await;
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.iter().all(|m| m["status"] == "sent")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = smtp.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["rcpt_tos"], json!(["skola@1490.example.se"]));
    // Nothing failed now: a resend writes nothing; everyone, when asked, gets it anew.
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/mailings/{id}/resend")),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["queued"], 0, "{}", r.body);
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/mailings/{id}/resend")),
            &json!({"everyone": true}),
        )
        .await;
    assert_eq!(r.body["queued"], 3, "{}", r.body);
    wait_for("three more", 30, || smtp.received().len() >= 4).await;
    let r = app
        .post(
            &o.admin,
            &o.path("/mailings/nothing/resend"),
            &json!({"everyone": "yes"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["everyone"]);
}

/// Bollebygd with two invoice recipients, the invoice address and the finance office, and an
/// issued invoice sent to both: the invoice id and the message the send wrote.
async fn send_to_two(app: &TestApp, o: &Org) -> (String, Value) {
    let m = member(
        app,
        o,
        "Bollebygds kommun",
        "1443",
        Some("faktura@bollebygd.se"),
        &[json!({"name": "Ekonomienheten", "email": "ekonomi@bollebygd.se", "receives_invoices": true})],
    )
    .await;
    let invoice = issued_invoice(app, o, &m).await;
    let id = invoice["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let addresses: Vec<&str> = r.body["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["status"], "pending", "{d}");
            d["address"].as_str().unwrap()
        })
        .collect();
    assert_eq!(addresses, ["faktura@bollebygd.se", "ekonomi@bollebygd.se"]);
    (id, r.body)
}

/// One message of the outbox, by id.
async fn outbox_message(app: &TestApp, o: &Org, id: &str) -> Value {
    let r = app.get(&o.admin, &o.path("/outbox")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no message {id} in {}", r.body))
}

/// A recipient's entry in a message's `deliveries`.
fn delivery<'a>(message: &'a Value, address: &str) -> &'a Value {
    message["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["address"] == address)
        .unwrap_or_else(|| panic!("no delivery to {address} in {message}"))
}

/// The server refuses one of two recipients (550 at RCPT TO): the other gets the invoice,
/// once; the message shows the refused one failed with the server's answer and is partly
/// failed. Its retry reaches the refused recipient alone, never the delivered one again.
async fn a_refused_recipient_fails_alone_and_a_retry_reaches_only_it(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--reject-to", "ekonomi@bollebygd.se"]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let (invoice, sent) = send_to_two(&app, &o).await;
    let id = sent["id"].as_str().unwrap().to_owned();
    wait_outbox(&app, &o.admin, &o.org, |items| {
        items.len() == 1 && items[0]["status"] == "partly_failed"
    })
    .await;

    let got = smtp.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["rcpt_tos"], json!(["faktura@bollebygd.se"]));
    assert_eq!(got[0]["message_id"], sent["message_id"]);
    let message = outbox_message(&app, &o, &id).await;
    assert_eq!(message["attempts"], 1, "{message}");
    assert!(message["sent_at"].is_string(), "{message}");
    let delivered = delivery(&message, "faktura@bollebygd.se");
    assert_eq!(delivered["status"], "delivered", "{message}");
    assert!(delivered["delivered_at"].is_string(), "{message}");
    assert!(delivered["reply"].is_null(), "{message}");
    let refused = delivery(&message, "ekonomi@bollebygd.se");
    assert_eq!(refused["status"], "failed", "{message}");
    assert!(refused["delivered_at"].is_null(), "{message}");
    let reply = refused["reply"].as_str().unwrap();
    assert!(reply.contains("550"), "{reply}");
    assert!(reply.contains("Recipient address rejected"), "{reply}");
    assert!(
        message["last_error"].as_str().unwrap().contains("550"),
        "{message}"
    );
    let r = app
        .get(&o.admin, &o.path("/outbox?status=partly_failed"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    // The invoice reached its address: sending it again writes no second message.
    let again = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{invoice}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], id.as_str());

    // The finance office's mailbox works again: the retry goes to it alone.
    drop(smtp);
    let later = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(port, later.path(), &[]);
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/outbox/{id}/retry")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "pending", "{}", r.body);
    assert_eq!(r.body["attempts"], 0, "{}", r.body);
    assert_eq!(
        delivery(&r.body, "faktura@bollebygd.se")["status"],
        "delivered"
    );
    assert_eq!(
        delivery(&r.body, "ekonomi@bollebygd.se")["status"],
        "pending"
    );
    wait_outbox(&app, &o.admin, &o.org, |items| items[0]["status"] == "sent").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = smtp.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["rcpt_tos"], json!(["ekonomi@bollebygd.se"]));
    assert_eq!(got[0]["message_id"], sent["message_id"]);
    assert_eq!(
        received(dir.path()).len(),
        1,
        "the first server got one copy"
    );
    let message = outbox_message(&app, &o, &id).await;
    assert_eq!(
        delivery(&message, "ekonomi@bollebygd.se")["status"],
        "delivered"
    );
    assert!(message["last_error"].is_null(), "{message}");
    // Nothing failed any more: there is nothing to retry.
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/outbox/{id}/retry")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
}

/// A recipient the server turns away for now (450) is tried again on its own; the other
/// recipient, delivered on the first attempt, does not get the message twice.
async fn a_recipient_turned_away_for_now_is_tried_again_alone(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--defer-to", "ekonomi@bollebygd.se"]);
    let app = spawn_app_with(backend, smtp_settings(port)).await;
    let o = organisation(&app).await;
    let (_, sent) = send_to_two(&app, &o).await;
    wait_outbox(&app, &o.admin, &o.org, |items| items[0]["status"] == "sent").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = smtp.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["rcpt_tos"], json!(["faktura@bollebygd.se"]));
    assert_eq!(got[1]["rcpt_tos"], json!(["ekonomi@bollebygd.se"]));
    assert!(got.iter().all(|m| m["message_id"] == sent["message_id"]));
    let message = outbox_message(&app, &o, sent["id"].as_str().unwrap()).await;
    assert_eq!(message["attempts"], 2, "{message}");
    assert!(
        message["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "delivered"),
        "{message}"
    );
}

/// The deployment sends in the organisation's name with replies to its contact address;
/// the organisation may choose a From and Reply-To of its own, checked when it does.
async fn mail_comes_from_the_organisation(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(
        backend,
        EmailOverrides {
            from: Some("avtal <avtal@kommunalforbund.se>".into()),
            ..smtp_settings(port)
        },
    )
    .await;
    let o = organisation(&app).await;
    let r = app.get(&o.admin, &o.path("")).await;
    assert!(r.body["email_from"].is_null(), "{}", r.body);
    assert!(r.body["email_reply_to"].is_null(), "{}", r.body);

    let (_, r) = send_an_invoice(&app, &o).await;
    assert_eq!(
        r.body["from"],
        json!({"name": "Navet science center", "address": "avtal@kommunalforbund.se"})
    );
    assert_eq!(
        r.body["reply_to"],
        json!({"name": "Navet science center", "address": "navet@boras.se"})
    );
    wait_for("the invoice", 30, || smtp.received().len() == 1).await;
    let mail = &smtp.received()[0];
    assert_eq!(
        mail["from_mailbox"],
        json!({"name": "Navet science center", "address": "avtal@kommunalforbund.se"}),
        "{mail}"
    );
    assert_eq!(
        mail["reply_to_mailbox"],
        json!({"name": "Navet science center", "address": "navet@boras.se"}),
        "{mail}"
    );

    // The API's description says so too.
    let doc = app.send(app.client.get(app.url("/openapi.json"))).await;
    let schemas = &doc.body["components"]["schemas"];
    for (schema, property) in [
        ("MessageView", "deliveries"),
        ("MessageView", "from"),
        ("MessageView", "reply_to"),
        ("DeliveryView", "reply"),
        ("OrganisationBody", "email_from"),
        ("OrganisationBody", "email_reply_to"),
        ("MailboxBody", "address"),
    ] {
        assert!(
            schemas[schema]["properties"][property].is_object(),
            "{schema}.{property}: {}",
            schemas[schema]
        );
    }

    // Bad input names the field.
    for (body, field) in [
        (
            json!({"email_from": {"address": "inte en adress"}}),
            "email_from.address",
        ),
        (
            json!({"email_from": {"name": "Navet"}}),
            "email_from.address",
        ),
        (
            json!({"email_reply_to": {"name": "Rad ett\nRad två", "address": "a@navet.se"}}),
            "email_reply_to.name",
        ),
        (
            json!({"email_from": {"address": "avtal@localhost"}}),
            "email_from.address",
        ),
    ] {
        let r = app.patch(&o.admin, &o.path(""), &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(error_fields(&r.body), [field], "{}", r.body);
    }

    let own_from =
        json!({"name": "Navet – Boråsregionen, Sjuhärad", "address": "utskick@navet.se"});
    let r = app
        .patch(
            &o.admin,
            &o.path(""),
            &json!({"email_from": own_from, "email_reply_to": {"address": "ekonomi@navet.se"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["email_from"], own_from);
    assert_eq!(
        r.body["email_reply_to"],
        json!({"name": null, "address": "ekonomi@navet.se"})
    );
    let m = member(
        &app,
        &o,
        "Borås stad",
        "1490",
        Some("faktura@boras.se"),
        &[],
    )
    .await;
    let invoice = issued_invoice(&app, &o, &m).await;
    let id = invoice["id"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["from"], own_from);
    wait_for("the second invoice", 30, || smtp.received().len() == 2).await;
    let mail = &smtp.received()[1];
    assert_eq!(mail["from_mailbox"], own_from, "{mail}");
    assert_eq!(
        mail["reply_to_mailbox"],
        json!({"name": "Navet science center", "address": "ekonomi@navet.se"}),
        "{mail}"
    );
    assert_eq!(mail["mail_from"], "utskick@navet.se", "{mail}");

    // Back to the defaults.
    let r = app
        .patch(
            &o.admin,
            &o.path(""),
            &json!({"email_from": null, "email_reply_to": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["email_from"].is_null(), "{}", r.body);
}

/// A deployment that never configured a sender (`avtal@localhost`) sends from the
/// organisation's contact address, which then takes the replies as well. A message written
/// before messages stored their senders goes out with the organisation's as they stand.
async fn a_placeholder_sender_is_never_used(backend: Backend) {
    use diesel::prelude::*;
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &[]);
    let app = spawn_app_with(
        backend,
        EmailOverrides {
            from: Some("avtal <avtal@localhost>".into()),
            worker: Some(false),
            ..smtp_settings(port)
        },
    )
    .await;
    let o = organisation(&app).await;
    let (_, r) = send_an_invoice(&app, &o).await;
    assert_eq!(
        r.body["from"],
        json!({"name": "Navet science center", "address": "navet@boras.se"})
    );
    assert!(r.body["reply_to"].is_null(), "{}", r.body);
    let m = member(
        &app,
        &o,
        "Borås stad",
        "1490",
        Some("faktura@boras.se"),
        &[],
    )
    .await;
    let invoice = issued_invoice(&app, &o, &m).await;
    let id = invoice["id"].as_str().unwrap();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{id}/send")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let older = r.body["id"].as_str().unwrap().to_owned();
    diesel::sql_query(format!(
        "UPDATE outbox SET from_name = NULL, from_address = NULL, reply_to_name = NULL, \
         reply_to_address = NULL WHERE id = '{older}'"
    ))
    .execute(&mut *app.pool().get().unwrap())
    .unwrap();
    let r = app
        .patch(
            &o.admin,
            &o.path(""),
            &json!({"email_reply_to": {"address": "ekonomi@navet.se"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let settings = avtal::email::EmailSettings {
        smtp: Some(avtal::email::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            security: avtal::email::Security::Plain,
            username: None,
            password: None,
            timeout: Duration::from_secs(5),
            ca_file: None,
        }),
        from: "avtal <avtal@localhost>".into(),
        folder: dir.path().join("eml"),
        ..avtal::email::EmailSettings::default()
    };
    let worker = avtal::services::outbox::Worker::new(app.pool().clone(), settings).unwrap();
    let pass =
        tokio::task::spawn_blocking(move || worker.drain(&avtal::services::progress::Unwatched))
            .await
            .unwrap()
            .unwrap();
    assert_eq!((pass.sent, pass.failed), (2, 0), "{pass:?}");
    let got = smtp.received();
    assert!(!json!(got).to_string().contains("localhost"), "{got:?}");
    let to = |address: &str| {
        got.iter()
            .find(|m| m["rcpt_tos"] == json!([address]))
            .unwrap_or_else(|| panic!("nothing to {address}: {got:?}"))
    };
    let first = to("faktura@bollebygd.se");
    assert_eq!(
        first["from_mailbox"],
        json!({"name": "Navet science center", "address": "navet@boras.se"}),
        "{first}"
    );
    assert!(first["reply_to_mailbox"].is_null(), "{first}");
    let older = to("faktura@boras.se");
    assert_eq!(
        older["from_mailbox"]["address"], "navet@boras.se",
        "{older}"
    );
    assert_eq!(
        older["reply_to_mailbox"],
        json!({"name": "Navet science center", "address": "ekonomi@navet.se"}),
        "{older}"
    );
}

crate::on_both_backends!(
    a_refused_recipient_fails_alone_and_a_retry_reaches_only_it,
    a_recipient_turned_away_for_now_is_tried_again_alone,
    mail_comes_from_the_organisation,
    a_placeholder_sender_is_never_used,
    a_mailing_never_mails_twice_by_accident,
    offers_and_runs_reach_their_recipients,
    an_invoice_arrives_with_its_pdf_and_is_sent_once,
    a_member_gets_its_own_language,
    a_server_that_comes_up_late_gets_every_message_once,
    a_temporary_refusal_is_retried,
    a_permanent_refusal_fails_with_the_reply,
    without_smtp_messages_land_as_eml_files,
    missing_recipients_and_bad_input_are_reported,
    a_newsletter_carries_its_attachment,
    a_killed_sender_loses_nothing,
    a_stopped_sender_finishes_what_it_was_sending,
    invoices_go_out_when_issued_if_the_organisation_says_so,
    several_senders_never_send_a_message_twice,
    an_organisation_words_its_own_email,
    concurrent_sends_write_one_message,
    a_mailing_sent_at_once_is_written_once,
    tls_and_starttls_reach_a_relay_with_its_own_ca,
);
