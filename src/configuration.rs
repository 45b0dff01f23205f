//! Typed settings. Precedence: command-line flag, then environment variable (`AVTAL_…`,
//! `DATABASE_URL`), then the optional TOML file, then the defaults, which need nothing set:
//! 127.0.0.1:8080, and a SQLite file `avtal.db` and a mail folder `outbox` in the data
//! directory — the platform's place for an application's data (`$XDG_DATA_HOME/avtal`,
//! i.e. `~/.local/share/avtal` on Linux), so that the same database is found from
//! wherever a command is started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::email::{EmailSettings, Secret, Security, SmtpSettings};
use crate::storage::DatabaseUrl;
use crate::webhooks::WebhookSettings;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The SQLite file's name in the data directory.
pub const DEFAULT_DATABASE: &str = "avtal.db";
/// The folder for `.eml` files in the data directory, when there is no SMTP server.
pub const DEFAULT_MAIL_FOLDER: &str = "outbox";

/// The platform's data directory for avtal; the current directory on a system without one
/// (no home directory).
pub fn platform_data_dir() -> PathBuf {
    dirs::data_dir().map_or_else(|| PathBuf::from("."), |d| d.join("avtal"))
}

/// Takes each optional field from the first of two structs that gives it:
/// `first_given!(a, b, Type { field, …; other: value, … })`, with the fields that merge
/// otherwise after the semicolon. The struct literal names every field, so a new one
/// cannot be forgotten.
macro_rules! first_given {
    ($first:ident, $then:ident, $ty:ident {
        $($field:ident),* $(,)? $(; $($other:ident: $value:expr),* $(,)?)?
    }) => {
        $ty {
            $($field: $first.$field.or($then.$field),)*
            $($($other: $value,)*)?
        }
    };
}

/// Settings as given, every one optional: by the TOML file, or by flags and environment
/// variables, which win field by field.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<String>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub log_filter: Option<String>,
    pub workers: Option<usize>,
    pub pool_size: Option<u32>,
    pub token_cache_seconds: Option<u64>,
    /// The `[email]` table.
    #[serde(default)]
    pub email: EmailOverrides,
    /// The `[webhooks]` table.
    #[serde(default)]
    pub webhooks: WebhookOverrides,
}

/// What the TOML file may set: the same keys as the flags.
pub type FileSettings = Overrides;

impl Overrides {
    /// `self` where given, else `file`.
    fn or(self, file: Overrides) -> Overrides {
        first_given!(self, file, Overrides {
            listen,
            data_dir,
            database_url,
            log_format,
            log_filter,
            workers,
            pool_size,
            token_cache_seconds;
            email: self.email.or(file.email),
            webhooks: self.webhooks.or(file.webhooks),
        })
    }
}

/// Webhook delivery settings as given: the `[webhooks]` table of the file, or flags and
/// environment variables (`AVTAL_WEBHOOK_…`), which win field by field.
#[derive(Debug, Default, Clone, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
#[command(next_help_heading = "Webhooks")]
pub struct WebhookOverrides {
    /// Whether `serve` runs the webhook delivery worker (default true).
    #[arg(
        id = "webhook_worker",
        value_name = "WEBHOOK_WORKER",
        long = "webhook-worker",
        env = "AVTAL_WEBHOOK_WORKER"
    )]
    pub worker: Option<bool>,
    /// Milliseconds one delivery attempt may take (default 10000).
    #[arg(
        id = "webhook_timeout_ms",
        value_name = "WEBHOOK_TIMEOUT_MS",
        long = "webhook-timeout-ms",
        env = "AVTAL_WEBHOOK_TIMEOUT_MS"
    )]
    pub timeout_ms: Option<u64>,
    /// Milliseconds before the first retry; doubled for each further one (default 60000).
    #[arg(
        id = "webhook_retry_base_ms",
        value_name = "WEBHOOK_RETRY_BASE_MS",
        long = "webhook-retry-base-ms",
        env = "AVTAL_WEBHOOK_RETRY_BASE_MS"
    )]
    pub retry_base_ms: Option<u64>,
    /// Attempts before a delivery is marked failed (default 8).
    #[arg(
        id = "webhook_max_attempts",
        value_name = "WEBHOOK_MAX_ATTEMPTS",
        long = "webhook-max-attempts",
        env = "AVTAL_WEBHOOK_MAX_ATTEMPTS"
    )]
    pub max_attempts: Option<i32>,
    /// Deliveries posted at the same time (default 8).
    #[arg(
        id = "webhook_max_in_flight",
        value_name = "WEBHOOK_MAX_IN_FLIGHT",
        long = "webhook-max-in-flight",
        env = "AVTAL_WEBHOOK_MAX_IN_FLIGHT"
    )]
    pub max_in_flight: Option<usize>,
    /// Milliseconds between looks for due deliveries (default 1000).
    #[arg(
        id = "webhook_poll_ms",
        value_name = "WEBHOOK_POLL_MS",
        long = "webhook-poll-ms",
        env = "AVTAL_WEBHOOK_POLL_MS"
    )]
    pub poll_ms: Option<u64>,
}

impl WebhookOverrides {
    /// `self` where given, else `file`.
    fn or(self, file: WebhookOverrides) -> WebhookOverrides {
        first_given!(
            self,
            file,
            WebhookOverrides {
                worker,
                timeout_ms,
                retry_base_ms,
                max_attempts,
                max_in_flight,
                poll_ms,
            }
        )
    }

    fn resolve(self) -> anyhow::Result<WebhookSettings> {
        let d = WebhookSettings::default();
        let max_attempts = self.max_attempts.unwrap_or(d.max_attempts);
        anyhow::ensure!(
            (1..=100).contains(&max_attempts),
            "webhook max attempts must be 1–100"
        );
        let max_in_flight = self.max_in_flight.unwrap_or(d.max_in_flight);
        anyhow::ensure!(
            (1..=64).contains(&max_in_flight),
            "webhook max in flight must be 1–64"
        );
        Ok(WebhookSettings {
            worker: self.worker.unwrap_or(d.worker),
            timeout: self
                .timeout_ms
                .map_or(d.timeout, |ms| Duration::from_millis(ms.max(1))),
            retry_base: self
                .retry_base_ms
                .map_or(d.retry_base, Duration::from_millis),
            max_attempts,
            max_in_flight,
            poll: self
                .poll_ms
                .map_or(d.poll, |ms| Duration::from_millis(ms.max(10))),
        })
    }
}

/// Email settings as given: the `[email]` table of the file, or flags and environment
/// variables (`AVTAL_SMTP_HOST`, …), which win field by field. Without an SMTP host,
/// messages are written as `.eml` files into a folder.
#[derive(Debug, Default, Clone, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
#[command(next_help_heading = "Email")]
pub struct EmailOverrides {
    /// SMTP server host; without one, messages are written as .eml files into --mail-folder.
    #[arg(long, env = "AVTAL_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default 587 for starttls, 465 for tls, 25 for plain).
    #[arg(long, env = "AVTAL_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// starttls (default), tls or plain (only for a relay on the same machine or network).
    #[arg(long, env = "AVTAL_SMTP_SECURITY")]
    pub smtp_security: Option<String>,
    #[arg(long, env = "AVTAL_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "AVTAL_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Seconds to wait for the SMTP server (default 30).
    #[arg(long, env = "AVTAL_SMTP_TIMEOUT_SECONDS")]
    pub smtp_timeout_seconds: Option<u64>,
    /// A PEM root certificate to trust besides the Mozilla roots (a relay with an internal CA).
    #[arg(long, env = "AVTAL_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<String>,
    /// The From address, e.g. "Navet <navet@boras.se>".
    #[arg(
        id = "mail_from",
        value_name = "MAIL_FROM",
        long = "mail-from",
        env = "AVTAL_MAIL_FROM"
    )]
    pub from: Option<String>,
    /// Folder for .eml files when no SMTP host is set (default outbox in the data directory).
    #[arg(
        id = "mail_folder",
        value_name = "MAIL_FOLDER",
        long = "mail-folder",
        env = "AVTAL_MAIL_FOLDER"
    )]
    pub folder: Option<String>,
    /// Messages one worker sends at the same time (default 4).
    #[arg(
        id = "mail_max_in_flight",
        value_name = "MAIL_MAX_IN_FLIGHT",
        long = "mail-max-in-flight",
        env = "AVTAL_MAIL_MAX_IN_FLIGHT"
    )]
    pub max_in_flight: Option<usize>,
    /// Attempts before a message is marked failed (default 8).
    #[arg(
        id = "mail_max_attempts",
        value_name = "MAIL_MAX_ATTEMPTS",
        long = "mail-max-attempts",
        env = "AVTAL_MAIL_MAX_ATTEMPTS"
    )]
    pub max_attempts: Option<i32>,
    /// Milliseconds before the first retry; doubled for each further one (default 30000).
    #[arg(
        id = "mail_retry_base_ms",
        value_name = "MAIL_RETRY_BASE_MS",
        long = "mail-retry-base-ms",
        env = "AVTAL_MAIL_RETRY_BASE_MS"
    )]
    pub retry_base_ms: Option<u64>,
    /// Seconds a worker holds a message it sends before another may take it over (default 300).
    #[arg(
        id = "mail_lease_seconds",
        value_name = "MAIL_LEASE_SECONDS",
        long = "mail-lease-seconds",
        env = "AVTAL_MAIL_LEASE_SECONDS"
    )]
    pub lease_seconds: Option<u64>,
    /// Milliseconds between looks into an empty outbox (default 2000).
    #[arg(
        id = "mail_poll_ms",
        value_name = "MAIL_POLL_MS",
        long = "mail-poll-ms",
        env = "AVTAL_MAIL_POLL_MS"
    )]
    pub poll_ms: Option<u64>,
    /// A folder with own email templates (<kind>/<lang>/subject, body.txt, body.html).
    #[arg(
        id = "mail_templates",
        value_name = "MAIL_TEMPLATES",
        long = "mail-templates",
        env = "AVTAL_MAIL_TEMPLATES"
    )]
    pub templates: Option<String>,
    /// Whether `serve` runs the outbox worker (default true).
    #[arg(
        id = "mail_worker",
        value_name = "MAIL_WORKER",
        long = "mail-worker",
        env = "AVTAL_MAIL_WORKER"
    )]
    pub worker: Option<bool>,
}

impl EmailOverrides {
    /// `self` where given, else `file`.
    fn or(self, file: EmailOverrides) -> EmailOverrides {
        first_given!(
            self,
            file,
            EmailOverrides {
                smtp_host,
                smtp_port,
                smtp_security,
                smtp_username,
                smtp_password,
                smtp_timeout_seconds,
                smtp_ca_file,
                from,
                folder,
                max_in_flight,
                max_attempts,
                retry_base_ms,
                lease_seconds,
                poll_ms,
                templates,
                worker,
            }
        )
    }

    fn resolve(self, data_dir: &Path) -> anyhow::Result<EmailSettings> {
        let d = EmailSettings::default();
        let smtp = match self.smtp_host.filter(|h| !h.trim().is_empty()) {
            None => None,
            Some(host) => {
                let security =
                    Security::parse(self.smtp_security.as_deref().unwrap_or("starttls"))?;
                anyhow::ensure!(
                    self.smtp_password.is_none() || self.smtp_username.is_some(),
                    "an SMTP password needs a username"
                );
                Some(SmtpSettings {
                    host,
                    port: self.smtp_port.unwrap_or_else(|| security.default_port()),
                    security,
                    username: self.smtp_username.filter(|u| !u.is_empty()),
                    password: self.smtp_password.map(Secret),
                    timeout: Duration::from_secs(self.smtp_timeout_seconds.unwrap_or(30).max(1)),
                    ca_file: self.smtp_ca_file.map(PathBuf::from),
                })
            }
        };
        let max_in_flight = self.max_in_flight.unwrap_or(d.max_in_flight);
        anyhow::ensure!(
            (1..=64).contains(&max_in_flight),
            "mail max in flight must be 1–64"
        );
        let max_attempts = self.max_attempts.unwrap_or(d.max_attempts);
        anyhow::ensure!(
            (1..=100).contains(&max_attempts),
            "mail max attempts must be 1–100"
        );
        let settings = EmailSettings {
            smtp,
            from: self.from.unwrap_or(d.from),
            folder: self
                .folder
                .map_or_else(|| data_dir.join(DEFAULT_MAIL_FOLDER), PathBuf::from),
            max_in_flight,
            max_attempts,
            retry_base: self
                .retry_base_ms
                .map_or(d.retry_base, Duration::from_millis),
            lease: self
                .lease_seconds
                .map_or(d.lease, |s| Duration::from_secs(s.max(1))),
            poll: self
                .poll_ms
                .map_or(d.poll, |ms| Duration::from_millis(ms.max(10))),
            templates: self.templates.map(PathBuf::from),
            worker: self.worker.unwrap_or(d.worker),
        };
        settings.from_mailbox()?;
        Ok(settings)
    }
}

impl FileSettings {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        match raw {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => anyhow::bail!("log format must be text or json, not {other:?}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    /// Where the embedded database and the mail folder are unless set on their own.
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// HTTP worker threads; the number of cores when `None`.
    pub workers: Option<usize>,
    pub pool_size: u32,
    /// How long a checked token is trusted without asking the database again; a revocation
    /// made elsewhere than through this server's API takes effect within it. Zero disables.
    pub token_cache: std::time::Duration,
    pub email: EmailSettings,
    pub webhooks: WebhookSettings,
}

impl Settings {
    /// The settings, with the data directory from the platform when none is given.
    pub fn resolve(file: FileSettings, over: Overrides) -> anyhow::Result<Self> {
        Self::resolve_in(file, over, platform_data_dir)
    }

    fn resolve_in(
        file: FileSettings,
        over: Overrides,
        platform: impl FnOnce() -> PathBuf,
    ) -> anyhow::Result<Self> {
        let given = over.or(file);
        let data_dir = given
            .data_dir
            .filter(|d| !d.trim().is_empty())
            .map_or_else(platform, PathBuf::from);
        let database_url = given.database_url.unwrap_or_else(|| {
            data_dir
                .join(DEFAULT_DATABASE)
                .to_string_lossy()
                .into_owned()
        });
        let log_format = given.log_format.unwrap_or_else(|| "text".to_owned());
        let pool_size = given.pool_size.unwrap_or(8);
        anyhow::ensure!((1..=256).contains(&pool_size), "pool size must be 1–256");
        Ok(Self {
            listen: given.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            database: DatabaseUrl::parse(&database_url),
            log_format: LogFormat::parse(&log_format)?,
            log_filter: given.log_filter.unwrap_or_else(|| "info".to_owned()),
            workers: given.workers,
            pool_size,
            token_cache: std::time::Duration::from_secs(given.token_cache_seconds.unwrap_or(30)),
            email: given.email.resolve(&data_dir)?,
            webhooks: given.webhooks.resolve()?,
            data_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_data_dir(file: FileSettings, over: Overrides) -> Settings {
        Settings::resolve_in(file, over, || {
            PathBuf::from("/home/lisa/.local/share/avtal")
        })
        .unwrap()
    }

    #[test]
    fn defaults_need_nothing_set() {
        let s = in_data_dir(FileSettings::default(), Overrides::default());
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(
            s.database,
            DatabaseUrl::Sqlite("/home/lisa/.local/share/avtal/avtal.db".into())
        );
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn a_data_dir_given_holds_the_database_and_the_mail_folder() {
        let file: FileSettings = toml::from_str("data_dir = \"/srv/avtal\"").unwrap();
        let s = in_data_dir(file, Overrides::default());
        assert_eq!(s.data_dir, PathBuf::from("/srv/avtal"));
        assert_eq!(
            s.database,
            DatabaseUrl::Sqlite("/srv/avtal/avtal.db".into())
        );
        assert_eq!(s.email.folder, PathBuf::from("/srv/avtal/outbox"));
        // A database or folder of its own is used as given.
        let over = Overrides {
            data_dir: Some("/var/lib/avtal".into()),
            database_url: Some("./here.db".into()),
            ..Default::default()
        };
        let s = in_data_dir(FileSettings::default(), over);
        assert_eq!(s.database, DatabaseUrl::Sqlite("./here.db".into()));
        assert_eq!(s.email.folder, PathBuf::from("/var/lib/avtal/outbox"));
    }

    #[test]
    fn flags_and_environment_win_over_the_file() {
        let file: FileSettings = toml::from_str(
            "listen = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://x/y\"\nlog_format = \"json\"",
        )
        .unwrap();
        let over = Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = Settings::resolve(file, over).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        assert!(matches!(s.database, DatabaseUrl::Postgres(_)));
        assert_eq!(s.log_format, LogFormat::Json);
    }

    #[test]
    fn email_defaults_to_files_and_smtp_settings_resolve() {
        let s = in_data_dir(FileSettings::default(), Overrides::default());
        assert!(s.email.smtp.is_none());
        assert_eq!(
            s.email.folder,
            PathBuf::from("/home/lisa/.local/share/avtal/outbox")
        );
        let file: FileSettings = toml::from_str(
            "[email]\nsmtp_host = \"smtp.boras.se\"\nsmtp_security = \"tls\"\nfrom = \"Navet <navet@boras.se>\"",
        )
        .unwrap();
        let over = Overrides {
            email: EmailOverrides {
                smtp_username: Some("navet".into()),
                smtp_password: Some("hemligt".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let s = Settings::resolve(file, over).unwrap();
        let smtp = s.email.smtp.unwrap();
        assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.boras.se", 465));
        assert_eq!(smtp.security, Security::Tls);
        assert_eq!(smtp.username.as_deref(), Some("navet"));
        let bad = Overrides {
            email: EmailOverrides {
                smtp_host: Some("x".into()),
                smtp_security: Some("ssl".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(Settings::resolve(FileSettings::default(), bad).is_err());
    }

    #[test]
    fn unknown_file_keys_are_errors() {
        assert!(toml::from_str::<FileSettings>("lisen = \"x\"").is_err());
    }
}
