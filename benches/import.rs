//! Import of all 290 Swedish municipalities into a fresh SQLite database (goal ≤ 1 s), and
//! the second run that changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use avtal::domain::organisation::{OrganisationDetails, PaymentAccounts};
use avtal::domain::{
    Address, Country, Currency, Email, Language, MemberStatus, OrgNumber, VatStatus,
};
use avtal::services::import::{ImportRequest, Selection, import};
use avtal::storage::{self, DatabaseUrl, Pool};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn organisation() -> OrganisationDetails {
    OrganisationDetails {
        name: "Navet science center".into(),
        legal_name: "Boråsregionen Sjuhärads kommunalförbund".into(),
        country: Country::Se,
        org_number: OrgNumber::parse(Country::Se, "222000-1321").unwrap(),
        vat_status: VatStatus::NotRegistered,
        vat_number: None,
        address: Address {
            line1: "Box 55".into(),
            line2: None,
            postal_code: "503 38".into(),
            city: "Borås".into(),
            country: Country::Se,
        },
        seat: "Borås".into(),
        f_skatt: false,
        accounts: PaymentAccounts::default(),
        default_currency: Currency::Sek,
        default_language: Language::Sv,
        payment_terms_days: 30,
        invoice_prefix: "NAV".into(),
        contact_email: Email::parse("navet@boras.se").unwrap(),
        signatories: vec![],
        email_from: None,
        email_reply_to: None,
    }
}

fn fresh() -> (tempfile::TempDir, Pool, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("bench.db").display().to_string());
    let pool = storage::connect(&url, 1).unwrap();
    let org = storage::organisations::insert(&mut pool.get().unwrap(), &organisation())
        .unwrap()
        .id;
    (dir, pool, org)
}

fn all_se() -> ImportRequest {
    ImportRequest {
        country: Country::Se,
        selection: Selection::All,
        csv: None,
        reference_date: None,
        status: MemberStatus::Member,
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("import_290_se_sqlite");
    group.sample_size(30);
    group.bench_function("fresh_database", |b| {
        b.iter_batched(
            fresh,
            |(dir, pool, org)| {
                let report = import(&mut pool.get().unwrap(), &org, &all_se()).unwrap();
                assert_eq!(report.created.len(), 290);
                (dir, pool)
            },
            BatchSize::PerIteration,
        );
    });
    let (_dir, pool, org) = fresh();
    import(&mut pool.get().unwrap(), &org, &all_se()).unwrap();
    group.bench_function("second_run_unchanged", |b| {
        b.iter(|| {
            let report = import(&mut pool.get().unwrap(), &org, &all_se()).unwrap();
            assert_eq!(report.unchanged.len(), 290);
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
