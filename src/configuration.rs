//! Typed settings. Precedence: command-line flag, then environment variable (`AVTAL_…`,
//! `DATABASE_URL`), then the optional TOML file, then the defaults, which need nothing set:
//! 127.0.0.1:8080 and a SQLite file `./avtal.db`.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::storage::DatabaseUrl;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "./avtal.db";

/// What the TOML file may set; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub log_filter: Option<String>,
    pub workers: Option<usize>,
    pub pool_size: Option<u32>,
    pub token_cache_seconds: Option<u64>,
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
    pub database: DatabaseUrl,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// HTTP worker threads; the number of cores when `None`.
    pub workers: Option<usize>,
    pub pool_size: u32,
    /// How long a checked token is trusted without asking the database again; a revocation
    /// made elsewhere than through this server's API takes effect within it. Zero disables.
    pub token_cache: std::time::Duration,
}

/// Values given on the command line or in the environment, which win over the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub log_filter: Option<String>,
    pub workers: Option<usize>,
    pub pool_size: Option<u32>,
    pub token_cache_seconds: Option<u64>,
}

impl Settings {
    pub fn resolve(file: FileSettings, over: Overrides) -> anyhow::Result<Self> {
        let database_url = over
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_nothing_set() {
        let s = Settings::resolve(FileSettings::default(), Overrides::default()).unwrap();
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.database, DatabaseUrl::Sqlite("./avtal.db".into()));
        assert_eq!(s.log_format, LogFormat::Text);
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
    fn unknown_file_keys_are_errors() {
        assert!(toml::from_str::<FileSettings>("lisen = \"x\"").is_err());
    }
}
