//! API read throughput and memory against the goals in PERFORMANCE.md: a member read through
//! the whole stack (token check, SQLite, JSON) must reach at least half the throughput of a
//! bare actix-web handler answering the same bytes on the same machine, and the server must
//! stay under 50 MB RSS under that load. The load comes from `wrk` (Debian package `wrk`)
//! on loopback; both servers are measured in the same run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

const SECONDS: &str = "8";
const CONNECTIONS: &str = "32";

fn start_avtal(dir: &std::path::Path) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avtal"))
        .current_dir(dir)
        .env("AVTAL_LISTEN", "127.0.0.1:0")
        .env("AVTAL_LOG", "warn,avtal::startup=info")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines.next().expect("start-up line").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split(' ').next().unwrap().parse().unwrap();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

fn cli(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_avtal"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Requests per second `wrk` reaches against `url`.
fn wrk(url: &str, token: Option<&str>) -> f64 {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c", CONNECTIONS, "-d", SECONDS, "--latency"]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk is installed (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .unwrap_or_else(|| panic!("{text}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing and must not
    // spend a minute under load.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut avtal, port) = start_avtal(dir.path());
    let base = format!("http://127.0.0.1:{port}");
    let operator = cli(
        dir.path(),
        &["token", "create", "--role", "operator", "--name", "bench"],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let org = rt.block_on(async {
        let org: serde_json::Value = client
            .post(format!("{base}/api/v1/organisations"))
            .bearer_auth(&operator)
            .json(&json!({"name": "Navet", "legal_name": "Boråsregionen Sjuhärads kommunalförbund", "country": "SE",
                "org_number": "222000-1321", "address": {"line1": "Box 55", "postal_code": "50338", "city": "Borås"},
                "seat": "Borås", "invoice_prefix": "NAV", "contact_email": "navet@boras.se"}))
            .send().await.unwrap().json().await.unwrap();
        org["id"].as_str().unwrap().to_owned()
    });
    let admin = cli(
        dir.path(),
        &[
            "token",
            "create",
            "--role",
            "viewer",
            "--organisation",
            &org,
            "--name",
            "bench",
        ],
    );
    cli(
        dir.path(),
        &[
            "import",
            "municipalities",
            "--organisation",
            &org,
            "--all-se",
        ],
    );
    let (member, body) = rt.block_on(async {
        let list: serde_json::Value = client
            .get(format!(
                "{base}/api/v1/organisations/{org}/members?q=bor%C3%A5s"
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let member = list["items"][0]["id"].as_str().unwrap().to_owned();
        let body = client
            .get(format!(
                "{base}/api/v1/organisations/{org}/members/{member}"
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        (member, body)
    });

    // The baseline: a bare actix-web handler answering the same bytes, in its own process
    // thread pool of the same size.
    let baseline_body = body.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                let b = baseline_body.clone();
                actix_web::App::new().route(
                    "/member",
                    actix_web::web::get().to(move || {
                        let b = b.clone();
                        async move {
                            actix_web::HttpResponse::Ok()
                                .content_type("application/json")
                                .body(b)
                        }
                    }),
                )
            })
            .workers(2)
            .bind("127.0.0.1:0")
            .unwrap();
            tx.send(server.addrs()[0].port()).unwrap();
            server.run().await.unwrap();
        });
    });
    let bare_port = rx.recv_timeout(Duration::from_secs(10)).unwrap();

    let member_url = format!("{base}/api/v1/organisations/{org}/members/{member}");
    let list_url = format!("{base}/api/v1/organisations/{org}/members?limit=50");
    let bare = wrk(&format!("http://127.0.0.1:{bare_port}/member"), None);
    let one = wrk(&member_url, Some(&admin));
    let page = wrk(&list_url, Some(&admin));
    let peak = rss_kib(avtal.id(), "VmHWM:");
    let now = rss_kib(avtal.id(), "VmRSS:");
    println!(
        "bare actix-web handler, same {} bytes: {bare:.0} req/s",
        body.len()
    );
    println!(
        "GET member (token, SQLite, JSON):     {one:.0} req/s = {:.0} % of bare (goal ≥ 50 %)",
        100.0 * one / bare
    );
    println!("GET 50 members with populations:     {page:.0} req/s");
    println!(
        "avtal RSS under load: peak {} KiB, now {} KiB (goal ≤ 50 MB)",
        peak, now
    );
    let _ = avtal.kill();
}
