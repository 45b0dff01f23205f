//! An invoice run on SQLite (goal: 290 invoices in under 1 s): one organisation, all 290
//! Swedish municipalities as members, one active agreement each with a shared cost pool
//! (50 % equal, 50 % by population), a fee per inhabitant and three ordered services,
//! billed quarterly with the variable part in advance. The run of the first quarter
//! calculates, numbers, renders and stores two invoices per member (the fees, outside the
//! scope of VAT, apart from the taxed services, as Peppol requires), in batches of one
//! transaction each whose PDFs are rendered on every core. The database is set up once through the same service and storage
//! functions the HTTP handlers call; every measured run starts from a copy of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use avtal::domain::agreement::{AgreementStatus, TransitionDetails};
use avtal::domain::contribution::{PriceListItem, ProRata, Unit, VatTreatment};
use avtal::domain::money::Money;
use avtal::domain::{Country, Currency};
use avtal::http::organisations::OrganisationBody;
use avtal::http::pricing::{FeeModelBody, validate_fee_model};
use avtal::pdf::Renderer;
use avtal::services::agreements::{self, HeaderInput, TermsSpec};
use avtal::services::invoicing::{RunRequest, issue_run, propose};
use avtal::services::members::MemberBody;
use avtal::storage::{self, DatabaseUrl, DbConnection, Pool};
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use diesel::connection::SimpleConnection;
use serde_json::json;

const MEMBERS: usize = 290;
/// The fees and the services of each member are invoiced apart.
const INVOICES: usize = 2 * MEMBERS;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn open(path: &Path) -> Pool {
    storage::connect(&DatabaseUrl::Sqlite(path.display().to_string()), 1).unwrap()
}

fn fee_model(conn: &mut DbConnection, org: &str, body: serde_json::Value) -> String {
    let body: FeeModelBody = serde_json::from_value(body).unwrap();
    let (year, name, spec) = validate_fee_model(conn, org, &body).unwrap();
    storage::pricing::insert_fee_model(conn, org, year, &name, &spec)
        .unwrap()
        .id
}

/// The organisation, its members, fee models, price list and active agreements.
fn prepare(path: &Path) -> String {
    let pool = open(path);
    let mut conn = pool.get().unwrap();
    let conn = &mut *conn;
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
        "signatories": [
            {"name": "Lisa Belfrage", "title": "Verksamhetschef Navet science center"},
            {"name": "Magnus Haggren", "title": "Förbundsdirektör Boråsregionen Sjuhärad"}
        ]
    }))
    .unwrap()
    .parse()
    .unwrap();
    let org = storage::organisations::insert(conn, &details).unwrap().id;

    let pool_model = fee_model(
        conn,
        &org,
        json!({"fee_year": 2027, "name": "Gemensam verksamhet",
               "model": {"type": "pool", "currency": "SEK", "total": "4200000.00",
                         "external_percent": "50",
                         "key": {"type": "weighted", "equal_percent": "50", "population_percent": "50"}},
               "indexation": null}),
    );
    let per_inhabitant = fee_model(
        conn,
        &org,
        json!({"fee_year": 2027, "name": "Medlemsavgift per invånare",
               "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "2.85", "base": "5000.00"},
               "indexation": null}),
    );
    let services = [
        ("SKOLPROG", "Skolprogram Kemi åk 4–6", Unit::Class, 350_000),
        ("FORTB", "Fortbildning NO-lärare", Unit::Participant, 95_000),
        ("LABB", "Labbdag", Unit::Day, 1_200_000),
    ];
    for (code, name, unit, price) in services {
        storage::pricing::insert_item(
            conn,
            &org,
            2027,
            &storage::pricing::Names {
                sv: name.to_owned(),
                nb: None,
                en: None,
            },
            &PriceListItem {
                code: code.to_owned(),
                unit,
                unit_price: Money::from_minor(price, Currency::Sek),
                vat: VatTreatment::Rate(25.into()),
                domestic_vat_abroad: false,
            },
        )
        .unwrap();
    }

    let municipalities = avtal::services::import::shipped(Country::Se).unwrap();
    assert_eq!(municipalities.len(), MEMBERS);
    for (i, m) in municipalities.into_iter().enumerate() {
        let member = storage::write(conn, |c| {
            let details = serde_json::from_value::<MemberBody>(json!({
                "kind": "municipality",
                "name": format!("{} kommun", m.name),
                "country": "SE",
                "org_number": m.org_number.map(|o| o.to_string()),
                "municipality_code": m.code.to_string(),
                "county_code": m.county.code,
                "county_name": m.county.name,
                "billing_address": {"line1": "Box 100", "postal_code": "123 45", "city": m.name},
                "buyer_reference": format!("{:04}", 1000 + i),
            }))
            .unwrap()
            .parse()?;
            let population = avtal::domain::member::PopulationCount {
                reference_date: date(2025, 12, 31),
                count: m.population,
                source: Some("SCB".into()),
            };
            Ok::<_, avtal::error::Error>(storage::members::insert(
                c,
                &org,
                &details,
                Some(&population),
            )?)
        })
        .unwrap();
        let terms: TermsSpec = serde_json::from_value(json!({
            "fixed": [
                {"id": "gemensam", "fee_model_id": pool_model},
                {"id": "avgift", "fee_model_id": per_inhabitant}
            ],
            "variable": [
                {"fee_year": 2027, "item_code": "SKOLPROG", "quantity": (i % 7 + 1).to_string(),
                 "included_quantity": "2"},
                {"fee_year": 2027, "item_code": "FORTB", "quantity": (i % 11 + 1).to_string(),
                 "discount_percent": "10"},
                {"fee_year": 2027, "item_code": "LABB", "quantity": (i % 3 + 1).to_string()}
            ],
            "billing": {"schedule": "quarterly", "variable": "advance", "invoice_day": 15}
        }))
        .unwrap();
        storage::write(conn, |c| {
            let header = HeaderInput {
                member_id: member.id.clone(),
                currency: None,
                pro_rata: ProRata::WholeMonths,
                notice_months: 6,
                start_date: date(2027, 1, 1),
                end_date: None,
            };
            let id = agreements::create(c, &org, &header, &terms, "bench")?.id;
            agreements::change_status(
                c,
                &org,
                &id,
                AgreementStatus::Offered,
                TransitionDetails::default(),
                None,
                "bench",
            )?;
            let accepted = TransitionDetails {
                date: Some(date(2026, 12, 1)),
                signed_by: Some("Kommundirektören".into()),
                decision_reference: Some(format!("KS 2026/{}", i + 1)),
                reason: None,
            };
            agreements::change_status(
                c,
                &org,
                &id,
                AgreementStatus::Accepted,
                accepted,
                None,
                "bench",
            )?;
            agreements::change_status(
                c,
                &org,
                &id,
                AgreementStatus::Active,
                TransitionDetails::default(),
                None,
                "bench",
            )
        })
        .unwrap();
    }
    // Everything into the main file, so that a copy of it alone is the whole database.
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    org
}

/// The first quarter's run on a fresh copy of the prepared database; returns its duration.
fn run_once(renderer: &Renderer, prepared: &Path, copy: &PathBuf, org: &str) -> Duration {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(prepared, copy).unwrap();
    let pool = open(copy);
    let mut conn = pool.get().unwrap();
    let req = RunRequest {
        from: date(2027, 1, 1),
        to: date(2027, 3, 31),
        invoice_date: None,
    };
    let start = Instant::now();
    let outcome = issue_run(&mut conn, renderer, org, &req, None, "bench").unwrap();
    let elapsed = start.elapsed();
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    assert!(outcome.already_billed.is_empty());
    assert_eq!(outcome.issued.len(), INVOICES);
    let mut numbers: Vec<String> = outcome
        .issued
        .iter()
        .map(|i| {
            assert!(i.document_id.is_some() && i.total_minor > 0);
            i.number.clone().unwrap()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=INVOICES).map(|n| format!("NAV-2027-{n:04}")).collect();
    assert_eq!(numbers, expected);
    elapsed
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let prepared = dir.path().join("prepared.db");
    let org = prepare(&prepared);
    let copy = dir.path().join("run.db");
    let renderer = Renderer::new().unwrap();

    let first = run_once(&renderer, &prepared, &copy, &org);
    println!(
        "first run: {INVOICES} invoices for {MEMBERS} members in {:.3} s, {:.2} ms per invoice",
        first.as_secs_f64(),
        first.as_secs_f64() * 1000.0 / INVOICES as f64
    );

    let mut group = c.benchmark_group("invoice_run");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("290_members_580_invoices_sqlite", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| run_once(&renderer, &prepared, &copy, &org))
                .sum()
        })
    });
    // The dry run alone: what the run spends calculating, before numbering, rendering and
    // storing.
    std::fs::copy(&prepared, &copy).unwrap();
    let pool = open(&copy);
    let mut conn = pool.get().unwrap();
    let q1 = RunRequest {
        from: date(2027, 1, 1),
        to: date(2027, 3, 31),
        invoice_date: None,
    };
    group.bench_function("290_proposals_sqlite", |b| {
        b.iter(|| {
            let (proposals, skipped) = propose(&mut conn, &org, &q1).unwrap();
            assert_eq!((proposals.len(), skipped.len()), (MEMBERS, 0));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
