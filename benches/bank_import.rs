//! Import of a BgMax file of incoming payments (goal: 20 000 payments in under 5 s on
//! SQLite), at 2 000 and 20 000 payments against the same 10 000 open invoices, so that the
//! cost per payment of the larger file can be compared with the smaller one's in the same
//! run: an import that is linear costs the same per payment at both sizes.
//!
//! Each invoice is paid by two payments quoting its OCR number: part of it, then the rest,
//! every tenth time with something over (kept on the member's account); every fiftieth
//! payment quotes a number nobody issued and waits unmatched. A measured import reads the
//! file, matches and writes in one transaction, as `POST …/payment-files` does, on a fresh
//! copy of the prepared database; the file is then imported again and must register
//! nothing. On PostgreSQL too when `AVTAL_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use avtal::domain::bank_files::{decode, parse_bgmax};
use avtal::domain::organisation::Organisation;
use avtal::domain::{OcrReference, luhn_check_digit};
use avtal::http::organisations::OrganisationBody;
use avtal::services::members::MemberBody;
use avtal::services::payments::import_file;
use avtal::storage::invoicing::{InvoiceRow, insert_invoice};
use avtal::storage::{self, DatabaseUrl, DbConnection, Pool};
use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use serde_json::json;

const INVOICES: usize = 10_000;
const MEMBERS: usize = 100;
const SIZES: [usize; 2] = [2_000, 20_000];
/// Each invoice owes 1 000,00 kr.
const OWED: i64 = 100_000;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ocr(n: usize) -> String {
    OcrReference::generate(&format!("2027{n:06}"), true)
        .unwrap()
        .as_str()
        .to_owned()
}

/// The organisation, its members and its open invoices, through the storage functions
/// the services use.
fn prepare(conn: &mut DbConnection) -> Organisation {
    let details = serde_json::from_value::<OrganisationBody>(json!({
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
        "invoice_prefix": "NAV",
        "contact_email": "navet@boras.se",
        "signatories": []
    }))
    .unwrap()
    .parse()
    .unwrap();
    let org = storage::organisations::insert(conn, &details).unwrap();
    storage::write(conn, |c| {
        let mut members = Vec::new();
        for i in 0..MEMBERS {
            let details = serde_json::from_value::<MemberBody>(json!({
                "kind": "municipality",
                "name": format!("Kommun {i}"),
                "country": "SE",
                "billing_address": {"line1": "Box 100", "postal_code": "123 45", "city": "Borås"},
            }))
            .unwrap()
            .parse()?;
            members.push(storage::members::insert(c, &org.id, &details, None)?.id);
        }
        let at = storage::now();
        for n in 0..INVOICES {
            let row = InvoiceRow {
                id: storage::new_id(),
                organisation_id: org.id.clone(),
                member_id: members[n % MEMBERS].clone(),
                agreement_id: None,
                run_id: None,
                kind: "invoice".into(),
                credits_invoice_id: None,
                language: "sv".into(),
                currency: "SEK".into(),
                period_start: date(2027, 1, 1),
                period_end: date(2027, 12, 31),
                buyer_reference: None,
                our_reference: None,
                series: Some("NAV".into()),
                number: Some(format!("NAV-2027-{:05}", n + 1)),
                invoice_date: Some(date(2027, 1, 15)),
                due_date: Some(date(2027, 2, 14)),
                payment_reference: Some(ocr(n)),
                net_minor: OWED,
                vat_minor: 0,
                rounding_minor: 0,
                total_minor: OWED,
                document_id: None,
                issued_by: Some("bench".into()),
                issued_at: Some(at),
                created_by: "bench".into(),
                created_at: at,
                updated_at: at,
                einvoice_document_id: None,
                accounting_currency: None,
                exchange_rate: None,
                exchange_rate_date: None,
                exchange_rate_source: None,
                accounting_vat_minor: None,
            };
            insert_invoice(c, &row, &[])?;
        }
        Ok::<_, avtal::error::Error>(())
    })
    .unwrap();
    org
}

/// A BgMax record: fields at their 1-based positions, padded to 80 characters.
fn record(pieces: &[(usize, &str)]) -> String {
    let mut chars = vec![' '; 80];
    for (from, text) in pieces {
        for (i, c) in text.chars().enumerate() {
            chars[from - 1 + i] = c;
        }
    }
    chars.into_iter().collect()
}

/// `payments` payments to bankgiro 5050-1055 on 2027-02-14, paying the first
/// `payments / 2` invoices in two parts each.
fn bgmax(payments: usize) -> String {
    let mut lines = vec![
        record(&[(1, "01BGMAX"), (23, "0120270214103000123456P")]),
        record(&[(1, "05"), (3, "0050501055"), (23, "SEK")]),
    ];
    let mut total = 0i64;
    for i in 0..payments {
        let invoice = i / 2;
        let (reference, ore) = if i % 50 == 49 {
            let base = format!("99{i:08}");
            let check = luhn_check_digit(base.as_bytes());
            (format!("{base}{check}"), 12_345)
        } else if i % 2 == 0 {
            (ocr(invoice), 40_000)
        } else if invoice % 10 == 0 {
            (ocr(invoice), OWED - 40_000 + 5_000)
        } else {
            (ocr(invoice), OWED - 40_000)
        };
        total += ore;
        lines.push(record(&[
            (1, "20"),
            (3, "0009912346"),
            (13, &reference),
            (38, &format!("{ore:018}")),
            (56, "2"),
            (57, "1"),
            (58, &format!("{:012}", i + 1)),
        ]));
        lines.push(record(&[
            (1, "26"),
            (3, &format!("Kommun {}", invoice % MEMBERS)),
        ]));
    }
    lines.push(record(&[
        (1, "15"),
        (3, "00000000000000000000000000000000099"),
        (38, "20270214"),
        (46, "00001"),
        (51, &format!("{total:018}")),
        (69, "SEK"),
        (72, &format!("{payments:08}")),
    ]));
    lines.push(record(&[
        (1, "70"),
        (3, &format!("{payments:08}")),
        (11, "00000000"),
        (19, "00000000"),
        (27, "00000001"),
    ]));
    lines.join("\r\n") + "\r\n"
}

/// The processor time this process has used, where Linux tells it (`/proc/self/stat`, in
/// clock ticks of 10 ms): on a shared machine the wall-clock time also counts the waits
/// for a core, this does not (nor what the PostgreSQL server spends).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Reads and imports the file in one write transaction, as the endpoint does; returns the
/// wall-clock and processor time taken and checks what was registered.
fn import(
    conn: &mut DbConnection,
    org: &Organisation,
    bytes: &[u8],
    payments: usize,
) -> (Duration, Option<Duration>) {
    let cpu = cpu_time();
    let start = Instant::now();
    let file = parse_bgmax(&decode(bytes)).unwrap();
    let outcome = storage::write(conn, |c| import_file(c, org, &file, "bench")).unwrap();
    let elapsed = (start.elapsed(), cpu.zip(cpu_time()).map(|(a, b)| b - a));
    assert_eq!(outcome.registered.len(), payments);
    let count = |status: &str| {
        outcome
            .registered
            .iter()
            .filter(|s| s.status() == status)
            .count()
    };
    let unmatched = payments / 50;
    let over = (payments / 2).div_ceil(10);
    assert_eq!(count("unmatched"), unmatched);
    assert_eq!(count("on_account"), over);
    assert_eq!(count("allocated"), payments - unmatched - over);
    // Imported again, nothing is new.
    let again = storage::write(conn, |c| import_file(c, org, &file, "bench")).unwrap();
    assert!(again.registered.is_empty());
    assert_eq!(again.already_imported.len(), payments);
    elapsed
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Where each measured import starts from a fresh copy of the prepared database.
trait Fresh {
    fn name(&self) -> &'static str;
    fn connection(&mut self) -> Pool;
}

struct Sqlite {
    prepared: std::path::PathBuf,
    copy: std::path::PathBuf,
}

impl Sqlite {
    fn new(dir: &Path) -> (Self, Organisation) {
        let prepared = dir.join("prepared.db");
        let pool = open_sqlite(&prepared);
        let mut conn = pool.get().unwrap();
        let org = prepare(&mut conn);
        // Everything into the main file, so that a copy of it alone is the whole database.
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let copy = dir.join("run.db");
        (Self { prepared, copy }, org)
    }
}

fn open_sqlite(path: &Path) -> Pool {
    storage::connect(&DatabaseUrl::Sqlite(path.display().to_string()), 1).unwrap()
}

impl Fresh for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn connection(&mut self) -> Pool {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.copy.display()));
        }
        std::fs::copy(&self.prepared, &self.copy).unwrap();
        open_sqlite(&self.copy)
    }
}

/// A prepared PostgreSQL database, copied for each import as a template.
struct Postgres {
    admin: String,
    prepared: String,
    run: String,
}

impl Postgres {
    fn new(admin: &str) -> (Self, Organisation) {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let this = Self {
            admin: admin.to_owned(),
            prepared: format!("avtal_bench_{tag}"),
            run: format!("avtal_bench_run_{tag}"),
        };
        this.admin_sql(&format!("CREATE DATABASE {}", this.prepared));
        let url = this.url(&this.prepared);
        let org = {
            let pool = storage::connect(&url, 1).unwrap();
            let mut conn = pool.get().unwrap();
            let org = prepare(&mut conn);
            conn.batch_execute("VACUUM ANALYZE").unwrap();
            org
        };
        (this, org)
    }

    fn admin_sql(&self, sql: &str) {
        let mut conn = PgConnection::establish(&self.admin).unwrap();
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }

    fn url(&self, name: &str) -> DatabaseUrl {
        DatabaseUrl::parse(&self.admin).with_database(name)
    }
}

impl Fresh for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn connection(&mut self) -> Pool {
        self.admin_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.run
        ));
        self.admin_sql(&format!(
            "CREATE DATABASE {} TEMPLATE {}",
            self.run, self.prepared
        ));
        storage::connect(&self.url(&self.run), 1).unwrap()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        for name in [&self.run, &self.prepared] {
            self.admin_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn measure(backend: &mut dyn Fresh, org: &Organisation, rounds: usize) {
    let mut per_payment = Vec::new();
    for payments in SIZES {
        let bytes = bgmax(payments).into_bytes();
        let (times, cpu): (Vec<Duration>, Vec<Option<Duration>>) = (0..rounds)
            .map(|_| {
                let pool = backend.connection();
                let mut conn = pool.get().unwrap();
                import(&mut conn, org, &bytes, payments)
            })
            .unzip();
        let m = median(times.clone());
        let each = m.as_secs_f64() * 1e6 / payments as f64;
        per_payment.push(each);
        let cpu = cpu
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .map(median)
            .map_or(String::new(), |c| {
                format!(", processor {:.3} s", c.as_secs_f64())
            });
        println!(
            "{:<10} {payments:>6} payments: median {:>7.3} s of {rounds} ({:.3}–{:.3} s), {each:>6.1} µs per payment{cpu}",
            backend.name(),
            m.as_secs_f64(),
            times.iter().min().unwrap().as_secs_f64(),
            times.iter().max().unwrap().as_secs_f64(),
        );
    }
    println!(
        "{:<10} cost per payment at {} ÷ at {}: {:.2}",
        backend.name(),
        SIZES[1],
        SIZES[0],
        per_payment[1] / per_payment[0]
    );
}

fn main() {
    let rounds = std::env::var("BANK_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    println!(
        "BgMax import against {INVOICES} open invoices, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let dir = tempfile::tempdir().unwrap();
    let (mut sqlite, org) = Sqlite::new(dir.path());
    measure(&mut sqlite, &org, rounds);
    match std::env::var("AVTAL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let (mut pg, org) = Postgres::new(&url);
            measure(&mut pg, &org, rounds);
        }
        _ => println!("PostgreSQL: skipped, AVTAL_TEST_POSTGRES_URL is not set"),
    }
}
