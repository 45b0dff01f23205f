//! Two avtal servers on one PostgreSQL database, each with its outbox worker sending to one
//! SMTP server on loopback (`tests/smtp_server.py`), used at once the way a load balancer
//! would spread the requests: overlapping invoice runs, the same drafts issued through
//! both, every invoice sent through both. Whatever the interleaving, the numbers have no
//! gap and no duplicate, every instalment and service is billed once, every message
//! arrives once, every invoice.issued webhook is delivered once by the two delivery
//! workers together, and a token revoked through one server stops working at the other.
//!
//! PostgreSQL only (SQLite serves one process): skipped, saying so, without
//! `AVTAL_TEST_POSTGRES_URL`, except under CI, where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use futures_util::future::join_all;
use serde_json::{Value, json};

/// The admin URL of the PostgreSQL server, without TLS or GSS (a server on loopback with
/// trust auth needs neither).
fn postgres() -> Option<String> {
    match std::env::var("AVTAL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let mut url = url;
            for param in ["sslmode=disable", "gssencmode=disable"] {
                let key = param.split('=').next().unwrap_or(param);
                if !url.contains(key) {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(param);
                }
            }
            Some(url)
        }
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must set AVTAL_TEST_POSTGRES_URL"
            );
            eprintln!(
                "skipped: AVTAL_TEST_POSTGRES_URL is not set, so this PostgreSQL test did not run"
            );
            None
        }
    }
}

/// Whether Python can run the SMTP server. In CI it must.
fn smtp_available() -> bool {
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
        eprintln!("skipped: python3 with aiosmtpd is not installed, so this test did not run");
    }
    ok
}

/// A fresh database of its own, dropped afterwards.
struct Database {
    admin_url: String,
    name: String,
    url: String,
}

impl Database {
    fn create(admin_url: &str) -> Database {
        let name = format!("avtal_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin_url).expect("PostgreSQL reachable");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create test database");
        let url = avtal::storage::DatabaseUrl::parse(admin_url).with_database(&name);
        let avtal::storage::DatabaseUrl::Postgres(url) = url else {
            unreachable!("a PostgreSQL URL stays one");
        };
        Database {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The SMTP server: every message it accepts is a `.json` file in its folder.
struct Smtp {
    child: Child,
}

impl Smtp {
    fn start(port: u16, folder: &Path) -> Smtp {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--folder"])
            .arg(folder)
            // A little time per message, so that both workers have messages under way.
            .args(["--delay-ms", "5"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("READY"), "SMTP server: {line}");
        Smtp { child }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Message-ID → how many times the SMTP server accepted it.
fn arrivals(folder: &Path) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return seen;
    };
    let files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    for eml in files {
        let text = std::fs::read_to_string(eml.with_extension("json")).unwrap();
        let meta: Value = serde_json::from_str(&text).unwrap();
        *seen
            .entry(meta["message_id"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    seen
}

/// One `avtal` server process; killed when dropped.
struct Instance {
    child: Child,
    base: String,
    /// Everything it logged, for the checks and for a failure's message.
    log: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    fn start(database_url: &str, smtp_port: u16, dir: &Path) -> Instance {
        let mut child = Command::new(env!("CARGO_BIN_EXE_avtal"))
            .current_dir(dir)
            .env_remove("AVTAL_CONFIG")
            .env("DATABASE_URL", database_url)
            .env("AVTAL_LISTEN", "127.0.0.1:0")
            .env("AVTAL_WORKERS", "2")
            .env("AVTAL_POOL_SIZE", "6")
            .env("AVTAL_LOG", "info")
            .env("AVTAL_LOG_FORMAT", "text")
            .env("NO_COLOR", "1")
            .env("AVTAL_SMTP_HOST", "127.0.0.1")
            .env("AVTAL_SMTP_PORT", smtp_port.to_string())
            .env("AVTAL_SMTP_SECURITY", "plain")
            .env("AVTAL_MAIL_FROM", "Navet <navet@boras.se>")
            .env("AVTAL_MAIL_FOLDER", dir.join("eml"))
            .env("AVTAL_MAIL_RETRY_BASE_MS", "50")
            .env("AVTAL_MAIL_MAX_IN_FLIGHT", "4")
            // A worker that looked in vain waits a minute: the messages queued through
            // either server go out only because every worker is woken when they are.
            .env("AVTAL_MAIL_POLL_MS", "60000")
            .env("AVTAL_WEBHOOK_POLL_MS", "100")
            .env("AVTAL_WEBHOOK_RETRY_BASE_MS", "50")
            // The default token cache: a revocation must reach the other server anyway.
            .env_remove("AVTAL_TOKEN_CACHE_SECONDS")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("avtal starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            // Read to the end, so that the server never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.contains("listens on") {
                        let _ = tx.send(line.clone());
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no start-up line: {:?}", log.lock().unwrap()));
        let port: u16 = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line}"));
        Instance {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    fn logged(&self, what: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(what))
            .count()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A webhook receiver on loopback: records each delivery's id and event, answers 200;
/// stopped when dropped.
struct Hooks {
    url: String,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Hooks {
    fn start() -> Hooks {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let received: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
        let shared = web::Data::from(received.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new().app_data(shared.clone()).default_service(web::to(
                |req: HttpRequest,
                 body: web::Bytes,
                 log: web::Data<Mutex<Vec<(String, Value)>>>| async move {
                    let id = req
                        .headers()
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let event = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    log.lock().unwrap().push((id, event));
                    HttpResponse::Ok().finish()
                },
            ))
        })
        .workers(2)
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Hooks {
            url: format!("http://127.0.0.1:{port}/hooks"),
            received,
            handle,
        }
    }
}

impl Drop for Hooks {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

struct Reply {
    status: u16,
    body: Value,
}

/// Requests to either server, as one client behind a load balancer.
struct Client {
    http: reqwest::Client,
}

impl Client {
    async fn call(&self, req: reqwest::RequestBuilder) -> Reply {
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }

    async fn get(&self, at: &Instance, token: &str, path: String) -> Reply {
        self.call(
            self.http
                .get(format!("{}{path}", at.base))
                .bearer_auth(token),
        )
        .await
    }

    /// Takes what it sends, so that many requests can be under way at once.
    async fn post(&self, at: &Instance, token: &str, path: String, body: Value) -> Reply {
        self.call(
            self.http
                .post(format!("{}{path}", at.base))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }
}

/// Asserts a status, showing the body otherwise.
fn expect(r: &Reply, status: u16) -> &Value {
    assert_eq!(r.status, status, "{}", r.body);
    &r.body
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// The members: Swedish municipalities with an invoice address each.
const MEMBERS: usize = 24;
/// Drafts issued through both servers at once.
const DRAFTS: usize = 8;

/// The numbers of one series `PREFIX-YEAR-NNNN` run 1, 2, … without a gap or a duplicate.
fn gapless(numbers: &[String]) -> Result<(), String> {
    let mut by_series: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for n in numbers {
        let (series, seq) = n.rsplit_once('-').ok_or(format!("number {n}"))?;
        let seq = seq.parse().map_err(|_| format!("number {n}"))?;
        by_series.entry(series).or_default().push(seq);
    }
    for (series, mut seqs) in by_series {
        seqs.sort_unstable();
        let expected: Vec<u32> = (1..=u32::try_from(seqs.len()).unwrap()).collect();
        if seqs != expected {
            return Err(format!("{series}: {seqs:?}"));
        }
    }
    Ok(())
}

/// Every key of `expected` seen exactly once, and nothing else.
fn exactly_once<K: Ord + std::fmt::Debug + Clone>(
    what: &str,
    expected: &BTreeSet<K>,
    seen: &[K],
) -> Result<(), String> {
    let mut counts: BTreeMap<K, usize> = BTreeMap::new();
    for k in seen {
        *counts.entry(k.clone()).or_insert(0) += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|k| !counts.contains_key(k))
        .collect();
    let extra: Vec<_> = counts.keys().filter(|k| !expected.contains(k)).collect();
    if twice.is_empty() && missing.is_empty() && extra.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{what}: more than once {twice:?}, missing {missing:?}, unexpected {extra:?}"
        ))
    }
}

/// The checks this test relies on catch what they are there to catch.
#[test]
fn the_checks_catch_a_duplicate_a_gap_and_a_loss() {
    let numbers = |ns: &[&str]| ns.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!(
        gapless(&numbers(&[
            "NAV-2027-0002",
            "NAV-2027-0001",
            "CN-2027-0001"
        ]))
        .is_ok()
    );
    assert!(gapless(&numbers(&["NAV-2027-0001", "NAV-2027-0001"])).is_err());
    assert!(gapless(&numbers(&["NAV-2027-0001", "NAV-2027-0003"])).is_err());
    let expected = BTreeSet::from(["a", "b"]);
    assert!(exactly_once("m", &expected, &["b", "a"]).is_ok());
    assert!(exactly_once("m", &expected, &["a", "b", "a"]).is_err());
    assert!(exactly_once("m", &expected, &["a"]).is_err());
    assert!(exactly_once("m", &expected, &["a", "b", "c"]).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_bill_number_and_mail_everything_once() {
    let Some(admin_url) = postgres() else {
        return;
    };
    if !smtp_available() {
        return;
    }
    let started = Instant::now();
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let smtp_dir = dir.path().join("smtp");
    let smtp_port = free_port();
    let _smtp = Smtp::start(smtp_port, &smtp_dir);
    // Both start at once on the empty database: one applies the migrations, the other
    // waits for it and finds nothing left to apply.
    let (a, b) = std::thread::scope(|s| {
        let one = s.spawn(|| Instance::start(&db.url, smtp_port, dir.path()));
        let two = s.spawn(|| Instance::start(&db.url, smtp_port, dir.path()));
        (one.join().unwrap(), two.join().unwrap())
    });
    let servers = [&a, &b];
    let operator = {
        let url = avtal::storage::DatabaseUrl::Postgres(db.url.clone());
        let pool = avtal::storage::connect(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        avtal::services::tokens::create(&mut conn, None, avtal::domain::Role::Operator, "test")
            .unwrap()
            .secret
    };
    let c = Client {
        http: reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(1))
            .build()
            .unwrap(),
    };

    // The organisation and its admin through one server, everything else through both.
    let mut navet = avtal_org();
    navet["invoice_prefix"] = json!("NAV");
    let r = c
        .post(&a, &operator, "/api/v1/organisations".into(), navet)
        .await;
    let org = text(expect(&r, 201), "id").to_owned();
    let base = format!("/api/v1/organisations/{org}");
    let r = c
        .post(
            &b,
            &operator,
            format!("{base}/tokens"),
            json!({"role": "admin", "name": "Administration"}),
        )
        .await;
    let admin = text(expect(&r, 201), "token").to_owned();
    let hooks = Hooks::start();
    let r = c
        .post(
            &b,
            &admin,
            format!("{base}/webhooks"),
            json!({"url": hooks.url, "events": ["invoice.issued"]}),
        )
        .await;
    expect(&r, 201);
    let r = c
        .post(
            &a,
            &admin,
            format!("{base}/price-lists/2027/items"),
            json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class",
                   "unit_price": "3500.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    expect(&r, 201);
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let at = servers[i % 2];
        let m = member(&c, at, &admin, &base, i).await;
        // 40 000 kr a year billed quarterly, four school programmes (14 000 kr) in advance.
        let agreement = json!({
            "member_id": m, "notice_months": 6, "pro_rata": "whole_months",
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {
                "fixed": [{"id": "avgift", "model": {"model":
                    {"type": "flat", "currency": "SEK", "amount": "40000.00"}}}],
                "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "4"}],
                "billing": {"schedule": "quarterly", "variable": "advance", "invoice_day": 15}
            }
        });
        let r = c
            .post(at, &admin, format!("{base}/agreements"), agreement)
            .await;
        let path = format!("{base}/agreements/{}", text(expect(&r, 201), "id"));
        for to in [
            json!({"to": "offered"}),
            json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Kommundirektören",
                   "decision_reference": "KS 1"}),
        ] {
            let other = servers[(i + 1) % 2];
            let r = c
                .post(other, &admin, format!("{path}/transitions"), to)
                .await;
            expect(&r, 200);
        }
        members.push(m);
    }
    let mut drafts = Vec::new();
    for (i, m) in members.iter().take(DRAFTS).enumerate() {
        let r = c
            .post(
                servers[i % 2],
                &admin,
                format!("{base}/invoices"),
                json!({"member_id": m, "period_start": "2027-03-01", "period_end": "2027-03-31",
                       "lines": [{"description": "Fortbildningsdag", "quantity": "1",
                                  "unit_price": "9500.00", "vat": "25"}]}),
            )
            .await;
        drafts.push(text(expect(&r, 201), "id").to_owned());
    }
    let setup = started.elapsed();

    // At once: runs of overlapping periods through both servers, and every draft issued
    // through both. They all take their numbers from the same series.
    let runs = format!("{base}/invoice-runs");
    let periods = [
        (&a, "2027-01-01", "2027-06-30"),
        (&b, "2027-04-01", "2027-09-30"),
        (&a, "2027-07-01", "2027-12-31"),
        (&b, "2027-01-01", "2027-12-31"),
        (&a, "2027-01-01", "2027-03-31"),
        (&b, "2027-10-01", "2027-12-31"),
    ];
    let run_replies =
        join_all(periods.iter().map(|(at, from, to)| {
            c.post(at, &admin, runs.clone(), json!({"from": from, "to": to}))
        }));
    let issues = join_all(drafts.iter().flat_map(|d| {
        servers.map(|at| {
            c.post(
                at,
                &admin,
                format!("{base}/invoices/{d}/issue"),
                json!({"date": "2027-05-02"}),
            )
        })
    }));
    let (run_replies, issue_replies) = tokio::join!(run_replies, issues);
    let run_ids: Vec<String> = run_replies
        .iter()
        .map(|r| text(expect(r, 201), "id").to_owned())
        .collect();
    for pair in issue_replies.chunks(2) {
        let mut statuses: Vec<u16> = pair.iter().map(|r| r.status).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{} {}", pair[0].body, pair[1].body);
        let refused = pair.iter().find(|r| r.status == 409).unwrap();
        assert_eq!(refused.body["code"], "already_issued", "{}", refused.body);
    }
    // The same run resumed through both at once: one issues, or each in turn; a resume
    // while the other holds the run is told so. Nothing is left to bill.
    let resume = format!("{runs}/{}/resume", run_ids[3]);
    let resumes = join_all(servers.map(|at| c.post(at, &admin, resume.clone(), json!({})))).await;
    for r in &resumes {
        match r.status {
            201 => assert_eq!(r.body["invoices"], json!([]), "{}", r.body),
            409 => assert_eq!(r.body["code"], "run_under_way", "{}", r.body),
            _ => panic!("{}", r.body),
        }
    }
    let listed = c.get(&b, &admin, runs.clone()).await;
    for run in expect(&listed, 200)["items"].as_array().unwrap() {
        assert_eq!(run["status"], "finished", "{run}");
    }
    let billed = started.elapsed() - setup;

    // Every invoice sent through both servers at once: the runs and the issued drafts.
    let sends: Vec<String> = run_ids
        .iter()
        .map(|id| format!("{runs}/{id}/send"))
        .chain(drafts.iter().map(|d| format!("{base}/invoices/{d}/send")))
        .collect();
    let sent = join_all(
        sends
            .iter()
            .flat_map(|path| servers.map(|at| c.post(at, &admin, path.clone(), json!({})))),
    )
    .await;
    for r in &sent {
        assert!([200, 202].contains(&r.status), "{}", r.body);
    }

    // The invoices: numbered without a gap, each instalment and service billed once.
    let r = c.get(&a, &admin, format!("{base}/invoices")).await;
    let invoices = expect(&r, 200)["items"].as_array().unwrap().clone();
    let numbers: Vec<String> = invoices
        .iter()
        .map(|i| text(i, "number").to_owned())
        .collect();
    gapless(&numbers).unwrap();
    let quarters = ["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"];
    let mut fixed: Vec<(String, String)> = Vec::new();
    let mut services: Vec<String> = Vec::new();
    let mut manual: Vec<String> = Vec::new();
    for i in &invoices {
        let member = text(i, "member_id").to_owned();
        for l in i["lines"].as_array().unwrap() {
            let description = text(l, "description");
            if description.starts_with("Skolprogram") {
                assert_eq!(text(l, "amount"), "14000.00", "{l}");
                services.push(member.clone());
            } else if description == "Fortbildningsdag" {
                manual.push(text(i, "id").to_owned());
            } else {
                assert_eq!(text(l, "amount"), "10000.00", "{l}");
                fixed.push((member.clone(), text(i, "period_start").to_owned()));
            }
        }
    }
    let every_quarter: BTreeSet<(String, String)> = members
        .iter()
        .flat_map(|m| quarters.map(|q| (m.clone(), q.to_owned())))
        .collect();
    let every_member: BTreeSet<String> = members.iter().cloned().collect();
    let every_draft: BTreeSet<String> = drafts.iter().cloned().collect();
    exactly_once("instalments", &every_quarter, &fixed).unwrap();
    exactly_once("services", &every_member, &services).unwrap();
    exactly_once("drafts", &every_draft, &manual).unwrap();

    // The messages: one per invoice, each delivered once, by both workers together.
    let wait = Instant::now();
    let messages = loop {
        let r = c.get(&b, &admin, format!("{base}/outbox")).await;
        let items = expect(&r, 200)["items"].as_array().unwrap().clone();
        if items.len() == invoices.len() && items.iter().all(|m| m["status"] == "sent") {
            break items;
        }
        assert!(
            wait.elapsed() < Duration::from_secs(30),
            "the outbox did not drain: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // A duplicate would arrive after the message was recorded as sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let expected: BTreeSet<String> = messages
        .iter()
        .map(|m| text(m, "message_id").to_owned())
        .collect();
    let delivered: Vec<String> = arrivals(&smtp_dir)
        .into_iter()
        .flat_map(|(id, n)| std::iter::repeat_n(id, n))
        .collect();
    exactly_once("messages", &expected, &delivered).unwrap();
    let documents: BTreeSet<&str> = messages.iter().map(|m| text(m, "document_id")).collect();
    assert_eq!(documents.len(), invoices.len(), "one message per invoice");
    for server in servers {
        assert!(
            server.logged("email sent") > 0,
            "both workers send: {:?}",
            server.log.lock().unwrap()
        );
    }
    let mailed = started.elapsed() - setup - billed;

    // The webhooks: one invoice.issued per invoice, each delivery once, whichever server's
    // worker took it.
    let wait = Instant::now();
    let every_invoice: BTreeSet<String> =
        invoices.iter().map(|i| text(i, "id").to_owned()).collect();
    while hooks.received.lock().unwrap().len() < every_invoice.len() {
        assert!(
            wait.elapsed() < Duration::from_secs(30),
            "the webhooks did not all arrive: {} of {}",
            hooks.received.lock().unwrap().len(),
            every_invoice.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A duplicate would arrive after its delivery was recorded.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = hooks.received.lock().unwrap().clone();
    assert!(
        received.iter().all(|(_, e)| e["type"] == "invoice.issued"),
        "only the events subscribed to"
    );
    let told: Vec<String> = received
        .iter()
        .map(|(_, e)| text(&e["data"], "invoice_id").to_owned())
        .collect();
    exactly_once("invoice.issued events", &every_invoice, &told).unwrap();
    let ids: BTreeSet<&String> = received.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), received.len(), "each delivery once");

    // A token revoked through one server stops working at the other, which trusts it from
    // its cache.
    let r = c
        .post(
            &a,
            &admin,
            format!("{base}/tokens"),
            json!({"role": "viewer", "name": "Revisor"}),
        )
        .await;
    let viewer = text(expect(&r, 201), "token").to_owned();
    let viewer_id = text(&r.body, "id").to_owned();
    let members_path = format!("{base}/members");
    expect(&c.get(&b, &viewer, members_path.clone()).await, 200);
    expect(&c.get(&b, &viewer, members_path.clone()).await, 200);
    let r = c
        .post(
            &a,
            &admin,
            format!("{base}/tokens/{viewer_id}/revoke"),
            json!({}),
        )
        .await;
    expect(&r, 200);
    let revoked = Instant::now();
    while c.get(&b, &viewer, members_path.clone()).await.status != 401 {
        assert!(
            revoked.elapsed() < Duration::from_secs(2),
            "the other server still takes the revoked token"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "two servers: set-up {setup:?}, billing {billed:?}, mail {mailed:?}, in all {:?}",
        started.elapsed()
    );
}

/// The organisation of the first seed document.
fn avtal_org() -> Value {
    json!({
        "name": "Navet science center",
        "legal_name": "Boråsregionen Sjuhärads kommunalförbund",
        "country": "SE",
        "org_number": "222000-1321",
        "vat_status": "registered",
        "vat_number": "SE222000132101",
        "address": {"line1": "Box 55", "postal_code": "50338", "city": "Borås"},
        "seat": "Borås",
        "f_skatt": true,
        "bankgiro": "5050-1055",
        "contact_email": "navet@boras.se"
    })
}

/// A municipality with an invoice address; returns its id.
async fn member(c: &Client, at: &Instance, admin: &str, base: &str, i: usize) -> String {
    let code = format!("{:04}", 1000 + i);
    let body = json!({
        "kind": "municipality",
        "name": format!("Kommun {i:02}"),
        "country": "SE",
        "municipality_code": code,
        "billing_address": {"line1": "Box 100", "postal_code": "517 21", "city": "Bollebygd"},
        "invoice_email": format!("faktura@{code}.example.se"),
        "buyer_reference": "4411",
        "population": {"count": 9784, "reference_date": "2025-12-31", "source": "SCB"}
    });
    let r = c.post(at, admin, format!("{base}/members"), body).await;
    text(expect(&r, 201), "id").to_owned()
}
