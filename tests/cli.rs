//! The `avtal` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// `avtal` started in `dir`, with nothing configured and the platform's data directory
/// (XDG) under `dir/data`.
fn avtal(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_avtal"));
    cmd.current_dir(dir)
        .env("XDG_DATA_HOME", data_home(dir))
        .env_remove("AVTAL_DATA_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("AVTAL_CONFIG")
        .env_remove("AVTAL_LISTEN")
        .env_remove("AVTAL_LOG_FORMAT")
        .env_remove("AVTAL_SMTP_HOST")
        .env_remove("AVTAL_MAIL_FOLDER");
    cmd
}

fn data_home(dir: &Path) -> std::path::PathBuf {
    // A subdirectory of `dir` is also a test's other current directory: the test dir
    // itself holds the data home.
    let root = if dir.ends_with("elsewhere") {
        dir.parent().unwrap()
    } else {
        dir
    };
    root.join("data")
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The help is short: the global options once, a command's own options with the command.
#[test]
fn help_is_short_and_options_stay_with_their_command() {
    let dir = tempfile::tempdir().unwrap();
    let help =
        |args: &[&str]| String::from_utf8(run_ok(avtal(dir.path()).args(args)).stdout).unwrap();
    let top = help(&["--help"]);
    assert!(top.lines().count() <= 25, "{top}");
    assert!(
        top.contains("Global options:") && top.contains("--data-dir"),
        "{top}"
    );
    assert!(
        !top.contains("--smtp-host") && !top.contains("--listen"),
        "{top}"
    );
    let token = help(&["token", "create", "--help"]);
    assert!(
        !token.contains("--smtp-host") && !token.contains("--listen"),
        "{token}"
    );
    let serve = help(&["serve", "--help"]);
    assert!(
        serve.contains("--listen") && serve.contains("--smtp-host"),
        "{serve}"
    );
    let outbox = help(&["outbox", "run", "--help"]);
    assert!(
        outbox.contains("--smtp-host") && !outbox.contains("--listen"),
        "{outbox}"
    );
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["token", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["import", "--help"],
        vec!["import", "municipalities", "--help"],
        vec!["outbox", "--help"],
        vec!["outbox", "run", "--help"],
        vec!["invoices", "--help"],
        vec!["invoices", "run", "--help"],
    ] {
        let out = run_ok(avtal(dir.path()).args(&args));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: avtal"), "{args:?}: {text}");
    }
    let out = avtal(dir.path())
        .args(["import", "municipalities", "--organisation", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a selection is required");
}

struct Server {
    child: Child,
    port: u16,
    startup: String,
}

impl Server {
    /// Starts `avtal` with no subcommand and no settings but a free port.
    fn start(dir: &Path) -> Server {
        let mut child = avtal(dir)
            .env("AVTAL_LISTEN", "127.0.0.1:0")
            .env("NO_COLOR", "1")
            // A revocation from the command line must show at once in these tests.
            .env("AVTAL_TOKEN_CACHE_SECONDS", "0")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut startup = String::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("start-up line");
            startup.push_str(&line);
            startup.push('\n');
            if line.contains("listens on") {
                break;
            }
        }
        let port = startup
            .split("http://127.0.0.1:")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Server {
            child,
            port,
            startup,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn serves_with_nothing_configured_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    // The database is in the platform's data directory, which is created and named.
    let data = dir.path().join("data").join("avtal");
    let database = data.join("avtal.db");
    assert!(
        server
            .startup
            .contains(&format!("SQLite at {}", database.display())),
        "{}",
        server.startup
    );
    let health = reqwest::get(server.url("/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(database.exists());
    assert!(!dir.path().join("avtal.db").exists());
    // Without an SMTP server, mail goes into a folder, and the server says where.
    assert!(
        server
            .startup
            .contains("email is written as .eml files into"),
        "{}",
        server.startup
    );
    assert!(server.startup.contains("outbox"), "{}", server.startup);
    assert!(data.join("outbox").is_dir());
    sigterm(&server.child);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status}");
}

/// `avtal demo` fills an empty database with a year of Navet's work, which the server then
/// shows; a second demo needs `--reset`, which starts the embedded database afresh.
#[tokio::test]
async fn the_demo_makes_a_year_to_look_at() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(avtal(dir.path()).args(["demo", "--date", "2026-12-04"]));
    let said = String::from_utf8(out.stdout).unwrap();
    let line = |label: &str| {
        said.lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {label} in {said}"))
    };
    let (org, admin) = (line("Organisation:"), line("Administratörsnyckel:"));
    assert!(said.contains("http://127.0.0.1:8080/docs/"), "{said}");

    let server = Server::start(dir.path());
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client.get(server.url(&path)).bearer_auth(&admin);
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let base = format!("/api/v1/organisations/{org}");
    let count = |v: &serde_json::Value| v["items"].as_array().unwrap().len();
    // The eight Sjuhärad municipalities, with their population.
    let members = get(format!("{base}/members?limit=50")).await;
    assert_eq!(count(&members), 8);
    assert!(
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["population"]["count"].as_i64() > Some(0))
    );
    // Agreements in every state.
    let agreements = get(format!("{base}/agreements")).await;
    let mut states: Vec<String> = agreements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .collect();
    states.sort();
    states.dedup();
    assert_eq!(states, ["active", "draft", "offered", "terminated"]);
    // A year of invoices: paid, part paid and unpaid; payments matched and not.
    let invoices = get(format!("{base}/invoices")).await;
    let statuses: Vec<&str> = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["status"].as_str())
        .collect();
    for status in ["paid", "overdue"] {
        assert!(
            statuses.contains(&status),
            "no {status} invoice: {statuses:?}"
        );
    }
    let part_paid = invoices["items"].as_array().unwrap().iter().any(|i| {
        let (total, outstanding) = (i["total"].as_str(), i["outstanding"].as_str());
        outstanding != Some("0.00") && outstanding != total
    });
    assert!(part_paid, "{invoices}");
    assert_eq!(
        count(&get(format!("{base}/payments?status=unmatched")).await),
        1
    );
    assert!(count(&get(format!("{base}/payments?status=allocated")).await) >= 20);
    // The overdue invoices were reminded, and a newsletter waits in the outbox.
    let reminders = get(format!("{base}/reminders")).await;
    assert_eq!(count(&reminders), 2, "{reminders}");
    let outbox = get(format!("{base}/outbox")).await;
    assert!(
        outbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "newsletter"),
        "{outbox}"
    );
    drop(server);

    // Again: refused, the example is already there; with --reset it is made anew.
    let again = avtal(dir.path())
        .args(["demo", "--date", "2026-12-04"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--reset"));
    let out = run_ok(avtal(dir.path()).args(["demo", "--reset", "--date", "2026-12-04"]));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("8 medlemmar")
    );
}

#[tokio::test]
async fn tokens_and_imports_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let out = run_ok(
        avtal(dir.path()).args(["token", "create", "--role", "operator", "--name", "Drift"]),
    );
    let operator = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(operator.starts_with("avtal_"));

    let client = reqwest::Client::new();
    let org: serde_json::Value = client
        .post(server.url("/api/v1/organisations"))
        .bearer_auth(&operator)
        .json(&serde_json::json!({
            "name": "Navet", "legal_name": "Boråsregionen Sjuhärads kommunalförbund", "country": "SE",
            "org_number": "222000-1321", "address": {"line1": "Box 55", "postal_code": "50338", "city": "Borås"},
            "seat": "Borås", "invoice_prefix": "NAV", "contact_email": "navet@boras.se"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org = org["id"].as_str().unwrap();

    let out = run_ok(avtal(dir.path()).args([
        "import",
        "municipalities",
        "--organisation",
        org,
        "--all-se",
    ]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("290 kommuner: 290 nya, 0 ändrade, 0 oförändrade"),
        "{text}"
    );
    let out = run_ok(avtal(dir.path()).args([
        "import",
        "municipalities",
        "--organisation",
        org,
        "--all-se",
    ]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("290 kommuner: 0 nya, 0 ändrade, 290 oförändrade"),
        "{text}"
    );
    // The shipped example of one's own file: a newer count for two of them.
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kommuner.csv");
    let out = run_ok(avtal(dir.path()).args([
        "import",
        "municipalities",
        "--organisation",
        org,
        "--csv",
        csv.to_str().unwrap(),
        "--reference-date",
        "2026-06-30",
    ]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("2 kommuner: 0 nya, 2 ändrade, 0 oförändrade"),
        "{text}"
    );

    let out = avtal(dir.path())
        .args([
            "import",
            "municipalities",
            "--organisation",
            org,
            "--codes",
            "1490,9999",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("codes[1]"));

    let out = run_ok(avtal(dir.path()).args([
        "token",
        "create",
        "--role",
        "viewer",
        "--organisation",
        org,
        "--name",
        "Läsare",
    ]));
    let viewer = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let members = client
        .get(server.url(&format!("/api/v1/organisations/{org}/members?limit=1")))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(members.status(), 200);

    // Started from another directory, the command finds the same database.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let out = run_ok(avtal(&elsewhere).args(["token", "list", "--organisation", org]));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    let id = listing
        .lines()
        .find(|l| l.contains("viewer"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    run_ok(avtal(dir.path()).args(["token", "revoke", &id]));
    let members = client
        .get(server.url(&format!("/api/v1/organisations/{org}/members")))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(members.status(), 401);

    let out = avtal(dir.path())
        .args(["token", "create", "--role", "admin", "--name", "x"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "an admin token needs an organisation"
    );
}

#[test]
fn migrate_applies_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(avtal(dir.path()).args(["migrate"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SQLite"));
    let out = run_ok(avtal(dir.path()).args(["--database-url", "other.db", "migrate"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("other.db"));
    assert!(dir.path().join("other.db").exists());
}

/// The README's walk-through, every command as a reader copies it, against a fresh server:
/// only the address (the server's own port) and `cargo run` (the binary under test)
/// differ. Any request that fails stops it.
#[test]
fn the_readme_walk_through_runs_as_written() {
    let tools = ["bash", "curl", "jq"];
    if let Some(missing) = tools.iter().find(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .map_or(true, |o| !o.status.success())
    }) {
        assert!(std::env::var_os("CI").is_none(), "CI must have {missing}");
        eprintln!("skipped: {missing} is not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("## A walk-through with curl").unwrap();
    let section = &readme[start..];
    let section = &section[..section[5..].find("\n## ").unwrap() + 5];
    let mut script =
        String::from("set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n");
    for block in section.split("```").skip(1).step_by(2) {
        if let Some(body) = block
            .strip_prefix("sh\n")
            .or_else(|| block.strip_prefix("bash\n"))
        {
            script.push_str(body);
        }
    }
    assert!(script.contains("reminder-runs"), "{script}");

    let dir = tempfile::tempdir().unwrap();
    // The walk-through's paths are relative to the repository.
    std::os::unix::fs::symlink(root.join("tests"), dir.path().join("tests")).unwrap();
    std::os::unix::fs::symlink(root.join("pdf-templates"), dir.path().join("pdf-templates"))
        .unwrap();
    let server = Server::start(dir.path());
    let script = script
        .replace("cargo run -q --release --", env!("CARGO_BIN_EXE_avtal"))
        .replace("http://127.0.0.1:8080", &server.url(""));
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .env("XDG_DATA_HOME", data_home(dir.path()))
        .env_remove("AVTAL_DATA_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("AVTAL_CONFIG")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{said}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The invoice was paid from the bank file, and the next quarter reminded with
    // 69 711 × (2 + 8) % × 17/365 = 324,68 kr interest.
    assert!(said.contains("\"allocated\""), "{said}");
    assert!(said.contains("}paid"), "{said}");
    assert!(said.contains("\"324.68\""), "{said}");
    // The camt.054 notification pays the reminded invoice.
    assert!(said.contains("\"324.68\"\nallocated\n"), "{said}");
    for (file, needles) in [
        (
            "erbjudande.pdf",
            &["Till Anna Lind, kommundirektör", "278 844,00"][..],
        ),
        ("faktura.pdf", &["NAV-2027-0001", "69 711,00", "4411"][..]),
    ] {
        let text = Command::new("pdftotext")
            .arg(dir.path().join(file))
            .arg("-")
            .output();
        match text {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                for needle in needles {
                    assert!(text.contains(needle), "{file}: {needle} missing in {text}");
                }
            }
            _ => assert!(std::env::var_os("CI").is_none(), "CI must have pdftotext"),
        }
    }
    assert!(
        dir.path()
            .join("avgifter-2027.xlsx")
            .metadata()
            .unwrap()
            .len()
            > 1000
    );
    let xml = std::fs::read_to_string(dir.path().join("faktura.xml")).unwrap();
    assert!(xml.contains("<cbc:ID>NAV-2027-0001</cbc:ID>"), "{xml}");
}

/// Long commands say how far they have come. Not on a terminal (as here, or in a log) that
/// is plain lines on standard error: the size of the work, every tenth of the way with
/// the time left, and the end; what the command did stays on standard output.
#[test]
fn long_commands_report_progress_in_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(avtal(dir.path()).args(["demo", "--date", "2026-12-04"]));
    let said = String::from_utf8(out.stdout).unwrap();
    let org = said
        .lines()
        .find_map(|l| l.strip_prefix("Organisation:"))
        .map(|v| v.trim().to_owned())
        .unwrap();

    let out = run_ok(avtal(dir.path()).args([
        "import",
        "municipalities",
        "--organisation",
        &org,
        "--all-no",
    ]));
    let progress = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = progress.lines().collect();
    assert_eq!(lines.first(), Some(&"Import: 357 kommuner"), "{progress}");
    let steps: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains(" kvar"))
        .copied()
        .collect();
    assert_eq!(steps.len(), 7, "a line per 50 of 357: {progress}");
    assert!(
        steps[0].starts_with("Import: 50 av 357 kommuner (14 %), ")
            && steps[6].starts_with("Import: 350 av 357 kommuner (98 %), "),
        "{progress}"
    );
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("Import: 357 av 357 kommuner klara på ") && last.ends_with(" s"),
        "{progress}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("357 kommuner: 357 nya"),
        "the report stays on standard output"
    );

    let out = run_ok(avtal(dir.path()).args([
        "invoices",
        "run",
        "--organisation",
        &org,
        "--from",
        "2028-01-01",
        "--to",
        "2028-12-31",
    ]));
    let progress = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = progress.lines().collect();
    let total = lines
        .first()
        .and_then(|l| l.strip_prefix("Fakturakörning: "))
        .and_then(|l| l.strip_suffix(" fakturaunderlag"))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{progress}"));
    assert!(total > 0, "{progress}");
    assert!(
        lines.last().unwrap().starts_with(&format!(
            "Fakturakörning: {total} av {total} fakturaunderlag klara på "
        )),
        "{progress}"
    );
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.starts_with("Fakturakörning "), "{said}");
    assert!(said.contains(" fakturor utfärdade"), "{said}");

    // The messages due, written as .eml files (no SMTP server is set).
    let out = run_ok(avtal(dir.path()).args(["outbox", "run", "--once"]));
    let progress = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = progress
        .lines()
        .filter(|l| l.starts_with("Utkorgen: "))
        .collect();
    let due = lines
        .first()
        .and_then(|l| l.strip_prefix("Utkorgen: "))
        .and_then(|l| l.strip_suffix(" meddelanden"))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{progress}"));
    assert!(due > 0, "the demo's messages: {progress}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("Utkorgen: {due} av {due} meddelanden klara på ")),
        "{progress}"
    );
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains(" skickade, "), "{said}");
}
