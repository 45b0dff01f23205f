//! Starts the real server on port 0 with a fresh database and hands back an HTTP client.

use std::sync::Once;

use avtal::configuration::{EmailOverrides, FileSettings, Overrides, Settings, WebhookOverrides};
use avtal::domain::Role;
use avtal::startup::Application;
use avtal::storage::{self, DatabaseUrl, Pool};
use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The URL of a PostgreSQL server's admin database; each test gets its own database.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `AVTAL_TEST_POSTGRES_URL` is set. In CI (`CI` set) it must be: a
    /// PostgreSQL test that silently skips would prove nothing.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("AVTAL_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(without_encryption(&url))),
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
}

/// Test connections go to a server on loopback with trust auth, so they need neither TLS
/// nor GSS encryption; leaving both off keeps libpq away from OpenSSL and Kerberos state,
/// whose clean-up at process exit can crash a thread still holding a connection.
pub fn without_encryption(url: &str) -> String {
    let mut url = url.to_owned();
    for param in ["sslmode=disable", "gssencmode=disable"] {
        let key = param.split('=').next().unwrap_or(param);
        if !url.contains(key) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(param);
        }
    }
    url
}

/// Runs each listed test function once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = $crate::helpers::Backend::postgres() {
                        super::$name(backend).await
                    }
                }
            )*
        }
    };
}

pub struct TestApp {
    pub address: String,
    /// Stops the server (and its workers), for a test that starts another on its database.
    pub server: actix_web::dev::ServerHandle,
    pub client: reqwest::Client,
    _pool: Pool,
    /// A token of the deployment's operator.
    pub operator: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
    /// The database URL the server uses, for a second avtal process on it.
    pub database_url: String,
    /// Where the server writes `.eml` files when it has no SMTP server.
    pub mail_folder: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take()
            && let Ok(mut conn) = PgConnection::establish(&admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

static TRACING: Once = Once::new();

fn database_for(
    backend: &Backend,
    dir: &tempfile::TempDir,
) -> (DatabaseUrl, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => (
            DatabaseUrl::Sqlite(dir.path().join("avtal.db").display().to_string()),
            None,
        ),
        Backend::Postgres(admin_url) => {
            let name = format!("avtal_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(admin_url).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create test database");
            (
                DatabaseUrl::parse(admin_url).with_database(&name),
                Some((admin_url.clone(), name)),
            )
        }
    }
}

impl TestApp {
    /// The test's own pool on the server's database, for what the API cannot do (a
    /// transaction that fails on purpose).
    pub fn pool(&self) -> &Pool {
        &self._pool
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    // Tests that send no email need no quick worker.
    let email = EmailOverrides {
        poll_ms: Some(1000),
        ..EmailOverrides::default()
    };
    spawn_app_with(backend, email).await
}

/// [`spawn_app`] with email settings of the test's; unless they say otherwise the server
/// writes `.eml` files into the test's folder and retries after a few milliseconds.
pub async fn spawn_app_with(backend: Backend, email: EmailOverrides) -> TestApp {
    spawn_app_configured(backend, email, WebhookOverrides::default()).await
}

/// [`spawn_app_with`] with webhook settings of the test's too.
pub async fn spawn_app_configured(
    backend: Backend,
    email: EmailOverrides,
    webhooks: WebhookOverrides,
) -> TestApp {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            avtal::telemetry::init(avtal::configuration::LogFormat::Text, "info");
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, pg) = database_for(&backend, &dir);
    let url = match &database {
        DatabaseUrl::Sqlite(p) | DatabaseUrl::Postgres(p) => p.clone(),
    };
    let mail_folder = dir.path().join("outbox");
    let email = EmailOverrides {
        folder: email
            .folder
            .or_else(|| Some(mail_folder.display().to_string())),
        poll_ms: email.poll_ms.or(Some(50)),
        retry_base_ms: email.retry_base_ms.or(Some(50)),
        from: email.from.or_else(|| Some("Navet <navet@boras.se>".into())),
        ..email
    };
    let settings = Settings::resolve(
        FileSettings::default(),
        Overrides {
            listen: Some("127.0.0.1:0".into()),
            database_url: Some(url.clone()),
            workers: Some(2),
            pool_size: Some(4),
            email,
            webhooks,
            ..Default::default()
        },
    )
    .expect("settings");
    let app = Application::build(&settings).expect("server builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    let pool = storage::connect(&settings.database, 2).expect("pool");
    let operator = {
        let mut conn = pool.get().expect("connection");
        avtal::services::tokens::create(&mut conn, None, Role::Operator, "tests")
            .expect("operator token")
            .secret
    };
    TestApp {
        address,
        server,
        // The server closes a connection idle for 5 s; a client that reused one at that
        // moment would fail its request. Idle connections are dropped well before.
        client: reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(1))
            .build()
            .expect("HTTP client"),
        _pool: pool,
        operator,
        _dir: dir,
        pg,
        database_url: url,
        mail_folder,
    }
}

/// A response's status and JSON body (`null` when there is none).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn put(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn patch(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .patch(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Reply {
        self.send(self.client.delete(self.url(path)).bearer_auth(token))
            .await
    }

    /// A document's bytes (a PDF, an e-invoice), which must be there.
    pub async fn bytes(&self, token: &str, path: &str) -> Vec<u8> {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        assert_eq!(r.status(), 200, "{path}");
        r.bytes().await.expect("body").to_vec()
    }

    /// Creates an agreement from `body` under `base` (an organisation's path) and takes it
    /// through offered to accepted; returns the agreement's path.
    pub async fn concluded_agreement(&self, admin: &str, base: &str, body: &Value) -> String {
        let r = self.post(admin, &format!("{base}/agreements"), body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let agreement = format!("{base}/agreements/{}", str_of(&r.body, "id"));
        for to in [
            serde_json::json!({"to": "offered"}),
            serde_json::json!({"to": "accepted", "date": "2025-12-01",
                               "signed_by": "Kommundirektören", "decision_reference": "KS 1"}),
        ] {
            let r = self
                .post(admin, &format!("{agreement}/transitions"), &to)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        agreement
    }

    /// Creates an organisation as the operator and returns its id.
    pub async fn create_organisation(&self, name: &str) -> String {
        let r = self
            .post(&self.operator, "/api/v1/organisations", &navet(name))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// A token of `role` for the organisation, created through the API by the operator.
    pub async fn token(&self, org: &str, role: &str) -> String {
        let r = self
            .post(
                &self.operator,
                &format!("/api/v1/organisations/{org}/tokens"),
                &json!({"role": role, "name": format!("{role} i test")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }

    /// An organisation with an admin token.
    pub async fn organisation_with_admin(&self, name: &str) -> (String, String) {
        let org = self.create_organisation(name).await;
        let admin = self.token(&org, "admin").await;
        (org, admin)
    }
}

/// The organisation of the first seed document.
pub fn navet(name: &str) -> Value {
    json!({
        "name": name,
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
    })
}

/// A Swedish municipality member.
pub fn bollebygd() -> Value {
    json!({
        "kind": "municipality",
        "name": "Bollebygds kommun",
        "country": "SE",
        "municipality_code": "1443",
        "county_name": "Västra Götalands län",
        "billing_address": {"line1": "Box 100", "postal_code": "517 21", "city": "Bollebygd"},
        "invoice_email": "faktura@bollebygd.se",
        "buyer_reference": "4411",
        "population": {"count": 9784, "reference_date": "2025-12-31", "source": "SCB"}
    })
}

/// A text field of a JSON answer, which must be there.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// The field names of a problem's `errors`, in order.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The line of a contribution statement for `component`.
pub fn statement_line<'a>(statement: &'a Value, component: &str) -> &'a Value {
    statement["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|l| l["component"] == component))
        .unwrap_or_else(|| panic!("no line {component} in {statement}"))
}

/// The input `name` of a statement line.
pub fn input<'a>(line: &'a Value, name: &str) -> &'a Value {
    line["inputs"]
        .as_array()
        .and_then(|inputs| inputs.iter().find(|i| i["name"] == name))
        .unwrap_or_else(|| panic!("no input {name} in {line}"))
}

/// A BgMax record: `code` then fields at their 1-based positions, padded to 80 characters.
pub fn bgmax_record(pieces: &[(usize, &str)]) -> String {
    let mut chars = vec![' '; 80];
    for (from, text) in pieces {
        for (i, c) in text.chars().enumerate() {
            chars[from - 1 + i] = c;
        }
    }
    chars.into_iter().collect()
}

/// An organisation with an admin token, and its API paths.
pub struct Org {
    pub org: String,
    pub admin: String,
}

impl Org {
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/organisations/{}{rest}", self.org)
    }
}

/// Navet science center, with an admin token.
pub async fn organisation(app: &TestApp) -> Org {
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    Org { org, admin }
}
