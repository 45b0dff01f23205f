//! Webhooks end to end: avtal posts to a real HTTP receiver on loopback (a small actix
//! server started by the test), which records every request and can answer 500 or hang
//! on demand. Signatures are checked with an independent implementation: the reference
//! Python library of the Standard Webhooks specification (`pip install standardwebhooks`).

use std::collections::VecDeque;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use avtal::configuration::{EmailOverrides, FileSettings, Overrides, Settings, WebhookOverrides};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Org, TestApp, bollebygd, error_fields, organisation, spawn_app_configured, str_of,
};

/// What the receiver does with the next request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Waits this long before answering 200: longer than avtal's timeout.
    Hang(Duration),
}

#[derive(Debug, Clone)]
struct Request {
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: String,
}

impl Request {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Log {
    /// Answers for the next requests, in order; 200 once they run out.
    script: VecDeque<Answer>,
    received: Vec<Request>,
}

/// The receiver: stopped when dropped.
struct Receiver {
    url: String,
    log: Arc<Mutex<Log>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    fn start(script: &[Answer]) -> Receiver {
        let log = Arc::new(Mutex::new(Log {
            script: script.iter().copied().collect(),
            received: Vec::new(),
        }));
        let shared = web::Data::from(log.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/avtal"),
            log,
            handle,
        }
    }

    fn received(&self) -> Vec<Request> {
        self.log.lock().unwrap().received.clone()
    }

    fn of_type(&self, kind: &str) -> Vec<Request> {
        self.received()
            .into_iter()
            .filter(|r| r.json()["type"] == kind)
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, log: web::Data<Mutex<Log>>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let answer = {
        let mut log = log.lock().unwrap();
        log.received.push(Request {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            content_type: header("content-type"),
            body: String::from_utf8(body.to_vec()).unwrap(),
        });
        log.script.pop_front().unwrap_or(Answer::Status(200))
    };
    match answer {
        Answer::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap()).finish()
        }
        Answer::Hang(d) => {
            tokio::time::sleep(d).await;
            HttpResponse::Ok().finish()
        }
    }
}

/// Whether Python has the reference library. In CI it must: a test that skips proves
/// nothing.
fn standardwebhooks_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 with standardwebhooks (pip install standardwebhooks)"
        );
        eprintln!(
            "skipped: python3 with standardwebhooks is not installed, so the signatures were not verified independently"
        );
    }
    ok
}

const VERIFY: &str = r#"
import json, sys
from standardwebhooks import Webhook
d = json.load(sys.stdin)
Webhook(d["secret"]).verify(d["body"], {
    "webhook-id": d["id"],
    "webhook-timestamp": d["timestamp"],
    "webhook-signature": d["signature"],
})
print("verified")
"#;

/// Verifies a request's signature with the Python reference library; panics when it
/// refuses it.
fn verify_independently(secret: &str, r: &Request) {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", VERIFY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = json!({"secret": secret, "body": r.body, "id": r.id,
                       "timestamp": r.timestamp, "signature": r.signature});
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("verified"),
        "standardwebhooks refused the signature of {}: {}",
        r.id,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Quick retries and a short timeout, so that a test sees several attempts in a moment.
fn quick() -> WebhookOverrides {
    WebhookOverrides {
        timeout_ms: Some(700),
        retry_base_ms: Some(50),
        poll_ms: Some(50),
        max_attempts: Some(4),
        ..WebhookOverrides::default()
    }
}

async fn spawn(backend: Backend, webhooks: WebhookOverrides) -> TestApp {
    let email = EmailOverrides {
        poll_ms: Some(1000),
        ..EmailOverrides::default()
    };
    spawn_app_configured(backend, email, webhooks).await
}

async fn wait_for<F: FnMut() -> bool>(what: &str, mut done: F) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Registers an endpoint for `events`; returns its id and secret.
async fn endpoint(app: &TestApp, o: &Org, url: &str, events: &[&str]) -> (String, String) {
    let r = app
        .post(
            &o.admin,
            &o.path("/webhooks"),
            &json!({"url": url, "events": events, "description": "Ekonomisystemet"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = str_of(&r.body, "secret").to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (str_of(&r.body, "id").to_owned(), secret)
}

async fn member(app: &TestApp, o: &Org) -> String {
    let r = app.post(&o.admin, &o.path("/members"), &bollebygd()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

/// An issued invoice of 30 000 kr (24 000 + 25 % VAT) to the member.
async fn issued_invoice(app: &TestApp, o: &Org, member: &str) -> Value {
    let r = app
        .post(
            &o.admin,
            &o.path("/invoices"),
            &json!({
                "member_id": member,
                "period_start": "2027-03-01",
                "period_end": "2027-03-31",
                "lines": [{"description": "Fortbildningsdag NO-lärare", "quantity": "2",
                           "unit": "dag", "unit_price": "12000.00", "vat": "25"}]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = str_of(&r.body, "id").to_owned();
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

async fn pay(app: &TestApp, o: &Org, key: &str, amount: &str, reference: &str) -> Value {
    let r = app
        .send(
            app.client
                .post(app.url(&o.path("/payments")))
                .bearer_auth(&o.admin)
                .header("Idempotency-Key", key)
                .json(&json!({"amount": amount, "paid_on": "2027-04-01", "reference": reference})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn deliveries(app: &TestApp, o: &Org, endpoint: &str) -> Vec<Value> {
    let r = app
        .get(
            &o.admin,
            &o.path(&format!("/webhooks/{endpoint}/deliveries")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Polls the endpoint's deliveries until every one is `status` and there are `n`.
async fn wait_deliveries(
    app: &TestApp,
    o: &Org,
    endpoint: &str,
    n: usize,
    status: &str,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let items = deliveries(app, o, endpoint).await;
        if items.len() == n && items.iter().all(|d| d["status"] == status) {
            return items;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "deliveries never got to {n} {status}: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An invoice issued, a payment that pays it, and a payment nobody's: each event arrives
/// once, with its type and data, signed so that the reference library verifies it; each
/// delivery shows one attempt answered 200.
async fn events_arrive_once_signed_with_their_data(backend: Backend) {
    let verify = standardwebhooks_available();
    let receiver = Receiver::start(&[]);
    let app = spawn(backend, quick()).await;
    let o = organisation(&app).await;
    let (hook, secret) = endpoint(
        &app,
        &o,
        &receiver.url,
        &[
            "invoice.issued",
            "invoice.sent",
            "invoice.paid",
            "payment.unmatched",
        ],
    )
    .await;
    // A disabled endpoint and one for other events get nothing.
    let (quiet, _) = endpoint(&app, &o, &receiver.url, &["offer.issued"]).await;
    let (off, _) = endpoint(&app, &o, &receiver.url, &["invoice.issued"]).await;
    let r = app
        .patch(
            &o.admin,
            &o.path(&format!("/webhooks/{off}")),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["enabled"], false);
    assert_eq!(r.body["url"], receiver.url.as_str());

    let m = member(&app, &o).await;
    let invoice = issued_invoice(&app, &o, &m).await;
    let invoice_id = str_of(&invoice, "id");
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/invoices/{invoice_id}/events")),
            &json!({"kind": "sent", "date": "2027-03-06", "note": "med post"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    pay(
        &app,
        &o,
        "betalning-1",
        "30000.00",
        str_of(&invoice, "payment_reference"),
    )
    .await;
    let unmatched = pay(&app, &o, "betalning-2", "1250.00", "99999999999").await;

    let items = wait_deliveries(&app, &o, &hook, 4, "delivered").await;
    wait_for("four requests", || receiver.received().len() >= 4).await;
    // Nothing more comes: once each.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 4, "{received:#?}");
    for kind in [
        "invoice.issued",
        "invoice.sent",
        "invoice.paid",
        "payment.unmatched",
    ] {
        assert_eq!(receiver.of_type(kind).len(), 1, "{kind}");
    }
    let sent = &receiver.of_type("invoice.sent")[0].json();
    assert_eq!(sent["data"]["invoice_id"], invoice_id);
    assert_eq!(sent["data"]["sent_on"], "2027-03-06");

    let issued = &receiver.of_type("invoice.issued")[0].json();
    assert_eq!(issued["data"]["invoice_id"], invoice_id);
    assert_eq!(issued["data"]["organisation_id"], o.org.as_str());
    assert_eq!(issued["data"]["member_id"], m.as_str());
    assert_eq!(issued["data"]["number"], invoice["number"]);
    assert_eq!(issued["data"]["total"], "30000.00");
    assert_eq!(issued["data"]["currency"], "SEK");
    assert_eq!(issued["data"]["due_date"], invoice["due_date"]);
    let timestamp = issued["timestamp"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(timestamp).is_ok() && timestamp.ends_with("+00:00"),
        "{timestamp}"
    );
    let paid = &receiver.of_type("invoice.paid")[0].json();
    assert_eq!(paid["data"]["invoice_id"], invoice_id);
    assert_eq!(paid["data"]["paid"], "30000.00");
    let lost = &receiver.of_type("payment.unmatched")[0].json();
    assert_eq!(lost["data"]["payment_id"], unmatched["id"]);
    assert_eq!(lost["data"]["amount"], "1250.00");
    assert_eq!(lost["data"]["reference"], "99999999999");

    for r in &received {
        assert_eq!(r.content_type, "application/json");
        assert!(r.signature.starts_with("v1,"), "{}", r.signature);
        assert!(items.iter().any(|d| d["id"] == r.id.as_str()), "{}", r.id);
        if verify {
            verify_independently(&secret, r);
        }
    }
    // The body signed with another secret does not verify.
    if verify {
        let other = std::panic::catch_unwind(|| {
            verify_independently("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &received[0])
        });
        assert!(other.is_err(), "a foreign secret verified");
    }
    for d in &items {
        let attempts = d["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1, "{d}");
        assert_eq!(attempts[0]["status_code"], 200);
        assert!(d["next_attempt_at"].is_null(), "{d}");
        assert!(
            d["delivered_at"].as_str().unwrap().ends_with('Z')
                || d["delivered_at"].as_str().unwrap().contains('+')
        );
    }
    assert!(deliveries(&app, &o, &quiet).await.is_empty());
    assert!(deliveries(&app, &o, &off).await.is_empty());
    // The secret is shown once.
    let r = app
        .get(&o.admin, &o.path(&format!("/webhooks/{hook}")))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("secret").is_none(), "{}", r.body);
    let r = app.get(&o.admin, &o.path("/webhooks")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3, "{}", r.body);
    assert!(!r.body.to_string().contains(&secret));
}

/// A receiver that answers 500 twice gets the event on the third attempt, and all three
/// attempts are visible; a replay posts it again with the same webhook-id, as a new series.
async fn failures_are_retried_visible_and_replayable(backend: Backend) {
    let receiver = Receiver::start(&[Answer::Status(500), Answer::Status(500)]);
    let app = spawn(backend, quick()).await;
    let o = organisation(&app).await;
    let (hook, _) = endpoint(&app, &o, &receiver.url, &["invoice.issued"]).await;
    let m = member(&app, &o).await;
    issued_invoice(&app, &o, &m).await;

    let items = wait_deliveries(&app, &o, &hook, 1, "delivered").await;
    let d = &items[0];
    let codes: Vec<&Value> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(200)], "{d}");
    assert!(
        d["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["series"] == 1 && a["attempted_at"].is_string())
    );
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    let id = d["id"].as_str().unwrap();
    assert!(
        received.iter().all(|r| r.id == id),
        "the webhook-id changed between attempts"
    );

    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/webhooks/{hook}/deliveries/{id}/replay")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    wait_for("the replay", || receiver.received().len() == 4).await;
    let again = &receiver.received()[3];
    assert_eq!(again.id, id);
    assert_eq!(again.body, received[0].body);
    let items = wait_deliveries(&app, &o, &hook, 1, "delivered").await;
    let last = items[0]["attempts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["number"].clone(), last["series"].clone()),
        (json!(4), json!(2))
    );

    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/webhooks/{hook}/deliveries/nej/replay")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

/// A receiver that answers nothing within the timeout is tried again; one that always
/// fails leaves the delivery failed after the last allowed attempt.
async fn a_hanging_receiver_is_retried_and_a_broken_one_fails(backend: Backend) {
    let receiver = Receiver::start(&[Answer::Hang(Duration::from_secs(3))]);
    let broken = Receiver::start(&[Answer::Status(503); 10]);
    let app = spawn(backend, quick()).await;
    let o = organisation(&app).await;
    let (hook, _) = endpoint(&app, &o, &receiver.url, &["invoice.issued"]).await;
    let (dead, _) = endpoint(&app, &o, &broken.url, &["invoice.issued"]).await;
    let m = member(&app, &o).await;
    issued_invoice(&app, &o, &m).await;

    let items = wait_deliveries(&app, &o, &hook, 1, "delivered").await;
    let attempts = items[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{}", items[0]);
    assert!(attempts[0]["status_code"].is_null(), "{}", attempts[0]);
    assert!(
        attempts[0]["error"].as_str().unwrap().contains("700 ms"),
        "{}",
        attempts[0]
    );
    assert!(
        attempts[0]["duration_ms"].as_i64().unwrap() >= 600,
        "{}",
        attempts[0]
    );
    assert_eq!(attempts[1]["status_code"], 200);

    let items = wait_deliveries(&app, &o, &dead, 1, "failed").await;
    let attempts = items[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4, "{}", items[0]);
    assert!(attempts.iter().all(|a| a["status_code"] == 503));
    assert!(items[0]["last_error"].as_str().unwrap().contains("503"));
    assert_eq!(broken.received().len(), 4);
}

/// An event queued while no worker runs is kept, and delivered once by the server started
/// after on the same database: nothing is lost across a restart.
async fn a_delivery_waits_for_the_next_server(backend: Backend) {
    let receiver = Receiver::start(&[]);
    let off = WebhookOverrides {
        worker: Some(false),
        ..quick()
    };
    let app = spawn(backend, off).await;
    let o = organisation(&app).await;
    let (hook, secret) = endpoint(&app, &o, &receiver.url, &["invoice.issued"]).await;
    let m = member(&app, &o).await;
    issued_invoice(&app, &o, &m).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = deliveries(&app, &o, &hook).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["status"], "pending");
    assert!(waiting[0]["attempts"].as_array().unwrap().is_empty());
    assert!(waiting[0]["next_attempt_at"].is_string());
    assert!(receiver.received().is_empty());
    app.server.stop(true).await;

    // The next server on the same database, with its worker.
    let settings = Settings::resolve(
        FileSettings::default(),
        Overrides {
            listen: Some("127.0.0.1:0".into()),
            database_url: Some(app.database_url.clone()),
            workers: Some(1),
            pool_size: Some(2),
            email: EmailOverrides {
                folder: Some(app.mail_folder.display().to_string()),
                from: Some("Navet <navet@boras.se>".into()),
                ..EmailOverrides::default()
            },
            webhooks: quick(),
            ..Default::default()
        },
    )
    .unwrap();
    let next = avtal::startup::Application::build(&settings).unwrap();
    let handle = next.handle();
    tokio::spawn(next.run_until_stopped());
    wait_for("the delivery after the restart", || {
        !receiver.received().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].id, waiting[0]["id"].as_str().unwrap());
    if standardwebhooks_available() {
        verify_independently(&secret, &received[0]);
    }
    handle.stop(true).await;
}

/// Bad input names its field; only the admin manages webhooks.
async fn bad_input_and_other_roles_are_refused(backend: Backend) {
    let app = spawn(backend, quick()).await;
    let o = organisation(&app).await;
    for (body, field) in [
        (
            json!({"url": "ftp://ekonomi.boras.se/in", "events": ["invoice.paid"]}),
            "url",
        ),
        (
            json!({"url": "ekonomi.boras.se", "events": ["invoice.paid"]}),
            "url",
        ),
        (json!({"events": ["invoice.paid"]}), "url"),
        (
            json!({"url": "https://ekonomi.boras.se/in", "events": ["invoice.deleted"]}),
            "events",
        ),
        (
            json!({"url": "https://ekonomi.boras.se/in", "events": []}),
            "events",
        ),
        (json!({"url": "https://ekonomi.boras.se/in"}), "events"),
    ] {
        let r = app.post(&o.admin, &o.path("/webhooks"), &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(error_fields(&r.body), [field], "{body}: {}", r.body);
    }
    let (hook, _) = endpoint(&app, &o, "https://ekonomi.boras.se/in", &["invoice.paid"]).await;
    let r = app
        .patch(
            &o.admin,
            &o.path(&format!("/webhooks/{hook}")),
            &json!({"url": "ftp://x.se/"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["url"]);
    let r = app
        .patch(
            &o.admin,
            &o.path(&format!("/webhooks/{hook}")),
            &json!({"events": ["invoice.paid", "invoice.overdue"], "description": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["events"], json!(["invoice.paid", "invoice.overdue"]));
    assert!(r.body["description"].is_null());

    for role in ["finance", "viewer"] {
        let token = app.token(&o.org, role).await;
        for r in [
            app.get(&token, &o.path("/webhooks")).await,
            app.get(&token, &o.path(&format!("/webhooks/{hook}"))).await,
            app.post(
                &token,
                &o.path("/webhooks"),
                &json!({"url": "https://x.se/", "events": ["invoice.paid"]}),
            )
            .await,
            app.delete(&token, &o.path(&format!("/webhooks/{hook}")))
                .await,
        ] {
            assert_eq!(r.status, 403, "{role}: {}", r.body);
        }
    }
    let r = app.get(&app.operator, &o.path("/webhooks")).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Another organisation's admin does not find it.
    let other = organisation(&app).await;
    let r = app
        .get(
            &other.admin,
            &format!("/api/v1/organisations/{}/webhooks/{hook}", o.org),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    let r = app
        .delete(&o.admin, &o.path(&format!("/webhooks/{hook}")))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = app
        .get(&o.admin, &o.path(&format!("/webhooks/{hook}")))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Each change is in the audit trail, without the secret.
    let r = app.get(&o.admin, &o.path("/audit?entity=webhook")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["create", "update", "delete"] {
        assert!(actions.contains(&action), "{action}: {}", r.body);
    }
    assert!(!r.body.to_string().contains("whsec_"));
}

/// The agreement's events and the overdue one: an offer letter issued, the agreement
/// accepted, and an invoice the reminder run finds overdue each arrive once, signed, with
/// the ids a receiver needs.
async fn offers_acceptances_and_overdue_invoices_are_told(backend: Backend) {
    let verify = standardwebhooks_available();
    let receiver = Receiver::start(&[]);
    let app = spawn(backend, quick()).await;
    let o = organisation(&app).await;
    let (hook, secret) = endpoint(
        &app,
        &o,
        &receiver.url,
        &["offer.issued", "agreement.accepted", "invoice.overdue"],
    )
    .await;
    let member = member(&app, &o).await;
    let r = app
        .post(
            &o.admin,
            &o.path("/agreements"),
            &json!({"member_id": member, "pro_rata": "whole_months", "notice_months": 6,
                    "start_date": "2027-01-01",
                    "terms": {"fixed": [{"id": "avgift", "model": {"model":
                        {"type": "flat", "currency": "SEK", "amount": "40000.00"}}}]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agreement = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/agreements/{agreement}/offers")),
            &json!({"fee_year": 2027, "date": "2026-11-02"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let offer = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &o.admin,
            &o.path(&format!("/agreements/{agreement}/transitions")),
            &json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Anna Lind",
                    "decision_reference": "KS 2026/88"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // An invoice due 4 April, unpaid on 1 May: the reminder run finds it overdue.
    let invoice = issued_invoice(&app, &o, &member).await;
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
            &json!({"date": "2027-05-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    wait_deliveries(&app, &o, &hook, 3, "delivered").await;
    let received = receiver.log.lock().unwrap().received.clone();
    let mut seen: Vec<(String, Value)> = received
        .iter()
        .map(|r| {
            if verify {
                verify_independently(&secret, r);
            }
            let event = r.json();
            (str_of(&event, "type").to_owned(), event["data"].clone())
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let types: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["agreement.accepted", "invoice.overdue", "offer.issued"],
        "{seen:#?}"
    );
    assert_eq!(
        seen[0].1["agreement_id"],
        json!(agreement),
        "{:#}",
        seen[0].1
    );
    assert_eq!(seen[1].1["invoice_id"], invoice["id"], "{:#}", seen[1].1);
    assert_eq!(seen[2].1["document_id"], json!(offer), "{:#}", seen[2].1);
}

/// An email the SMTP server refuses for good (550) is told: message.failed arrives once,
/// signed, naming the message, its document and member, and how it failed, but not the
/// server's answer, which names addresses.
async fn a_failed_message_is_told(backend: Backend) {
    use crate::email::{Smtp, free_port, send_an_invoice, smtp_available, smtp_settings};
    if !smtp_available() {
        return;
    }
    let verify = standardwebhooks_available();
    let receiver = Receiver::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(port, dir.path(), &["--reject"]);
    let app = spawn_app_configured(backend, smtp_settings(port), quick()).await;
    let o = organisation(&app).await;
    let (hook, secret) = endpoint(&app, &o, &receiver.url, &["message.failed"]).await;
    let (invoice, r) = send_an_invoice(&app, &o).await;
    let message = str_of(&r.body, "id").to_owned();

    wait_deliveries(&app, &o, &hook, 1, "delivered").await;
    let received = receiver.log.lock().unwrap().received.clone();
    assert_eq!(received.len(), 1, "{received:#?}");
    if verify {
        verify_independently(&secret, &received[0]);
    }
    let event = received[0].json();
    assert_eq!(event["type"], "message.failed", "{event:#}");
    let data = &event["data"];
    assert_eq!(data["message_id"], json!(message), "{data:#}");
    assert_eq!(data["document_id"], invoice["document_id"], "{data:#}");
    assert_eq!(data["member_id"], invoice["member_id"], "{data:#}");
    assert_eq!(data["status"], "failed", "{data:#}");
    assert_eq!(data["kind"], "invoice", "{data:#}");
    assert!(
        !event.to_string().contains("bollebygd.se"),
        "no address in the event: {event:#}"
    );
    assert!(smtp.received().is_empty());
}

crate::on_both_backends!(
    a_failed_message_is_told,
    events_arrive_once_signed_with_their_data,
    offers_acceptances_and_overdue_invoices_are_told,
    failures_are_retried_visible_and_replayable,
    a_hanging_receiver_is_retried_and_a_broken_one_fails,
    a_delivery_waits_for_the_next_server,
    bad_input_and_other_roles_are_refused,
);
