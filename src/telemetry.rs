//! Logs: human-readable text by default, one JSON object per line by setting. Every line of a
//! request carries its request id (tracing-actix-web).

use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// Installs the global subscriber once; later calls (tests) keep the first.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_env("AVTAL_LOG").unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
