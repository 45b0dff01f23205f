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

#[test]
fn sqlite_schema_matches_schema_rs() {
    let dir = tempfile::tempdir().unwrap();
    check(DatabaseUrl::Sqlite(
        dir.path().join("guard.db").display().to_string(),
    ));
}

#[test]
fn postgres_schema_matches_schema_rs() {
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
    check(DatabaseUrl::parse(&admin).with_database(&name));
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin_conn)
        .unwrap();
}
