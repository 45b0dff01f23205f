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

/// What the TOML file may set; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
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

/// Webhook delivery settings as given: the `[webhooks]` table of the file, or flags and
/// environment variables (`AVTAL_WEBHOOK_…`), which win field by field.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookOverrides {
    pub worker: Option<bool>,
    pub timeout_ms: Option<u64>,
    pub retry_base_ms: Option<u64>,
    pub max_attempts: Option<i32>,
    pub max_in_flight: Option<usize>,
    pub poll_ms: Option<u64>,
}

impl WebhookOverrides {
    /// `self` where given, else `file`.
    fn or(self, file: WebhookOverrides) -> WebhookOverrides {
        WebhookOverrides {
            worker: self.worker.or(file.worker),
            timeout_ms: self.timeout_ms.or(file.timeout_ms),
            retry_base_ms: self.retry_base_ms.or(file.retry_base_ms),
            max_attempts: self.max_attempts.or(file.max_attempts),
            max_in_flight: self.max_in_flight.or(file.max_in_flight),
            poll_ms: self.poll_ms.or(file.poll_ms),
        }
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
/// variables (`AVTAL_SMTP_HOST`, …), which win field by field.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailOverrides {
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// starttls (default), tls or plain.
    pub smtp_security: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_timeout_seconds: Option<u64>,
    /// A PEM root certificate to trust besides the Mozilla roots.
    pub smtp_ca_file: Option<String>,
    pub from: Option<String>,
    /// Where messages are written as `.eml` files when there is no SMTP host.
    pub folder: Option<String>,
    pub max_in_flight: Option<usize>,
    pub max_attempts: Option<i32>,
    pub retry_base_ms: Option<u64>,
    pub lease_seconds: Option<u64>,
    pub poll_ms: Option<u64>,
    pub templates: Option<String>,
    pub worker: Option<bool>,
}

impl EmailOverrides {
    /// `self` where given, else `file`.
    fn or(self, file: EmailOverrides) -> EmailOverrides {
        EmailOverrides {
            smtp_host: self.smtp_host.or(file.smtp_host),
            smtp_port: self.smtp_port.or(file.smtp_port),
            smtp_security: self.smtp_security.or(file.smtp_security),
            smtp_username: self.smtp_username.or(file.smtp_username),
            smtp_password: self.smtp_password.or(file.smtp_password),
            smtp_timeout_seconds: self.smtp_timeout_seconds.or(file.smtp_timeout_seconds),
            smtp_ca_file: self.smtp_ca_file.or(file.smtp_ca_file),
            from: self.from.or(file.from),
            folder: self.folder.or(file.folder),
            max_in_flight: self.max_in_flight.or(file.max_in_flight),
            max_attempts: self.max_attempts.or(file.max_attempts),
            retry_base_ms: self.retry_base_ms.or(file.retry_base_ms),
            lease_seconds: self.lease_seconds.or(file.lease_seconds),
            poll_ms: self.poll_ms.or(file.poll_ms),
            templates: self.templates.or(file.templates),
            worker: self.worker.or(file.worker),
        }
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

/// Values given on the command line or in the environment, which win over the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<String>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub log_filter: Option<String>,
    pub workers: Option<usize>,
    pub pool_size: Option<u32>,
    pub token_cache_seconds: Option<u64>,
    pub email: EmailOverrides,
    pub webhooks: WebhookOverrides,
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
        let data_dir = over
            .data_dir
            .or(file.data_dir)
            .filter(|d| !d.trim().is_empty())
            .map_or_else(platform, PathBuf::from);
        let database_url = over.database_url.or(file.database_url).unwrap_or_else(|| {
            data_dir
                .join(DEFAULT_DATABASE)
                .to_string_lossy()
                .into_owned()
        });
        let log_format = over
            .log_format
            .or(file.log_format)
            .unwrap_or_else(|| "text".to_owned());
        let pool_size = over.pool_size.or(file.pool_size).unwrap_or(8);
        anyhow::ensure!((1..=256).contains(&pool_size), "pool size must be 1–256");
        Ok(Self {
            listen: over
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            database: DatabaseUrl::parse(&database_url),
            log_format: LogFormat::parse(&log_format)?,
            log_filter: over
                .log_filter
                .or(file.log_filter)
                .unwrap_or_else(|| "info".to_owned()),
            workers: over.workers.or(file.workers),
            pool_size,
            token_cache: std::time::Duration::from_secs(
                over.token_cache_seconds
                    .or(file.token_cache_seconds)
                    .unwrap_or(30),
            ),
            email: over.email.or(file.email).resolve(&data_dir)?,
            webhooks: over.webhooks.or(file.webhooks).resolve()?,
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
