//! Guards over the two migration trees: the same migrations, and a schema that matches
//! `src/storage/schema.rs` on each backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use avtal::storage::{self, DatabaseUrl, DbConnection};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_migrations::MigrationHarness;

fn names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_trees_hold_the_same_migrations() {
    let sqlite = names("migrations/sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("migrations/postgres"));
    for name in &sqlite {
        for tree in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(tree)
                    .join(name)
                    .join(file);
                assert!(path.exists(), "{}", path.display());
            }
        }
    }
}

/// Table → column → nullable, as `schema.rs` declares them.
fn declared() -> BTreeMap<String, BTreeMap<String, bool>> {
    let text = include_str!("../src/storage/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(name) = current.as_ref() {
            if line == "}" {
                current = None;
            } else if let Some((col, ty)) = line.split_once("->") {
                let entry: &mut BTreeMap<String, bool> = tables.entry(name.clone()).or_default();
                entry.insert(col.trim().to_owned(), ty.trim().starts_with("Nullable<"));
            }
        } else if line.ends_with('{') && line.contains('(') && !line.starts_with("diesel::") {
            current = Some(line.split_whitespace().next().unwrap().to_owned());
        }
    }
    tables
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

fn applied(conn: &mut DbConnection) -> BTreeMap<String, BTreeMap<String, bool>> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    let mut tables: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for c in diesel::sql_query(query).load::<Column>(conn).unwrap() {
        tables
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, c.nullable == 1);
    }
    tables
}

fn check(url: DatabaseUrl) {
    let pool = storage::connect(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    assert_eq!(applied(&mut conn), declared(), "{}", url.backend_name());
    // Every down migration undoes its up migration.
    match &mut *conn {
        DbConnection::Sqlite(c) => c
            .revert_all_migrations(storage::SQLITE_MIGRATIONS)
            .map(|_| ()),
        DbConnection::Postgresql(c) => c
            .revert_all_migrations(storage::POSTGRES_MIGRATIONS)
            .map(|_| ()),
    }
    .unwrap();
    assert!(
        applied(&mut conn).is_empty(),
        "{}: tables left after reverting",
        url.backend_name()
    );
    storage::migrate(&mut conn).unwrap();
    assert_eq!(applied(&mut conn), declared());
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Recipient {
    #[diesel(sql_type = Text)]
    outbox_id: String,
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(sql_type = Text)]
    address: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    reply: Option<String>,
}

/// Messages written before recipients had a status of their own get one each, as their
/// message stood: a retry of a failed one must reach its recipients, and a sent one none.
fn recipients_of_earlier_messages(url: DatabaseUrl) {
    let pool = storage::connect(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    // Back to before the recipients' table, however many migrations came after it.
    loop {
        let reverted = match &mut *conn {
            DbConnection::Sqlite(c) => c
                .revert_last_migration(storage::SQLITE_MIGRATIONS)
                .map(|v| v.to_string()),
            DbConnection::Postgresql(c) => c
                .revert_last_migration(storage::POSTGRES_MIGRATIONS)
                .map(|v| v.to_string()),
        }
        .unwrap();
        if reverted == "20261205000000" {
            break;
        }
    }
    diesel::sql_query(
        "INSERT INTO organisations (id, name, legal_name, country, org_number, vat_status, \
         address_line1, postal_code, city, address_country, seat, f_skatt, default_currency, \
         default_language, payment_terms_days, invoice_prefix, contact_email, signatories, \
         created_at, updated_at) VALUES ('o', 'Navet', 'Navet', 'SE', '2220001321', \
         'not_registered', 'Box 55', '50338', 'Borås', 'SE', 'Borås', FALSE, 'SEK', 'sv', 30, \
         'NAV', 'navet@boras.se', '[]', '2026-12-01 10:00:00', '2026-12-01 10:00:00')",
    )
    .execute(&mut *conn)
    .unwrap();
    for (id, status, recipients, error) in [
        (
            "a",
            "sent",
            r#"["faktura@bollebygd.se","ekonomi@bollebygd.se"]"#,
            "NULL",
        ),
        (
            "b",
            "failed",
            r#"["skola@boras.se"]"#,
            "'550 relaying denied'",
        ),
        ("c", "pending", r#"["skola@mark.se"]"#, "NULL"),
    ] {
        diesel::sql_query(format!(
            "INSERT INTO outbox (id, organisation_id, kind, language, recipients, subject, \
             body_text, message_id, status, attempts, next_attempt_at, last_error, created_by, \
             created_at, sent_at) VALUES ('{id}', 'o', 'newsletter', 'sv', '{recipients}', 'Hej', \
             'Hej', '<{id}@boras.se>', '{status}', 1, '2026-12-01 10:00:00', {error}, 'test', \
             '2026-12-01 10:00:00', NULL)"
        ))
        .execute(&mut *conn)
        .unwrap();
    }
    storage::migrate(&mut conn).unwrap();
    let got = diesel::sql_query(
        "SELECT outbox_id, position, address, status, reply FROM outbox_recipients \
         ORDER BY outbox_id, position",
    )
    .load::<Recipient>(&mut *conn)
    .unwrap();
    let row =
        |outbox_id: &str, position, address: &str, status: &str, reply: Option<&str>| Recipient {
            outbox_id: outbox_id.into(),
            position,
            address: address.into(),
            status: status.into(),
            reply: reply.map(Into::into),
        };
    assert_eq!(
        got,
        [
            row("a", 0, "faktura@bollebygd.se", "delivered", None),
            row("a", 1, "ekonomi@bollebygd.se", "delivered", None),
            row(
                "b",
                0,
                "skola@boras.se",
                "failed",
                Some("550 relaying denied")
            ),
            row("c", 0, "skola@mark.se", "pending", None),
        ],
        "{}",
        url.backend_name()
    );
}

#[test]
fn sqlite_recipients_of_earlier_messages() {
    let dir = tempfile::tempdir().unwrap();
    recipients_of_earlier_messages(DatabaseUrl::Sqlite(
        dir.path().join("recipients.db").display().to_string(),
    ));
}

#[test]
fn postgres_recipients_of_earlier_messages() {
    on_postgres(recipients_of_earlier_messages);
}

#[test]
fn sqlite_schema_matches_schema_rs() {
    let dir = tempfile::tempdir().unwrap();
    check(DatabaseUrl::Sqlite(
        dir.path().join("guard.db").display().to_string(),
    ));
}

#[test]
fn postgres_schema_matches_schema_rs() {
    on_postgres(check);
}

/// Runs `f` on a new, empty PostgreSQL database, dropped afterwards.
fn on_postgres(f: fn(DatabaseUrl)) {
    let Ok(admin) = std::env::var("AVTAL_TEST_POSTGRES_URL").map(|u| {
        // Loopback with trust auth: no TLS or GSS, whose exit-time clean-up can crash (see
        // tests/api/helpers.rs).
        if u.contains('?') {
            u
        } else {
            format!("{u}?sslmode=disable&gssencmode=disable")
        }
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set AVTAL_TEST_POSTGRES_URL"
        );
        eprintln!(
            "skipped: AVTAL_TEST_POSTGRES_URL is not set, so this PostgreSQL test did not run"
        );
        return;
    };
    let name = format!("avtal_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin_conn = diesel::PgConnection::establish(&admin).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin_conn)
        .unwrap();
    f(DatabaseUrl::parse(&admin).with_database(&name));
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin_conn)
        .unwrap();
}
