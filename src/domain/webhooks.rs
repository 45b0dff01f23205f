//! Webhooks as the domain sees them: the events an endpoint may ask for, what makes an
//! endpoint's address and event list acceptable, and when a failed delivery is tried again.

use std::time::Duration;

use crate::domain::{Invalid, text};

/// Every event avtal tells endpoints of, by its `type`.
pub const EVENTS: &[&str] = &[
    "offer.issued",
    "agreement.accepted",
    "invoice.issued",
    "invoice.sent",
    "invoice.paid",
    "invoice.overdue",
    "payment.unmatched",
    "message.failed",
];

/// The longest endpoint address accepted; longer ones are not addresses people type.
pub const URL_MAX: usize = 2000;

/// An endpoint's address: an absolute http or https URL with a host. Anything else (ftp,
/// file, a bare host) could never receive a POST.
pub fn endpoint_url(raw: &str) -> Result<String, Invalid> {
    const EXPECTED: &str = "en adress som börjar med http:// eller https://";
    let url = text(raw, URL_MAX)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(Invalid::Format { expected: EXPECTED })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || rest.chars().any(char::is_whitespace) {
        return Err(Invalid::Format { expected: EXPECTED });
    }
    Ok(url)
}

/// An endpoint's events: at least one, each known, each once (in the order given).
pub fn event_list(raw: &[String]) -> Result<Vec<String>, Invalid> {
    if raw.is_empty() {
        return Err(Invalid::Empty);
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for e in raw {
        let e = e.trim();
        if !EVENTS.contains(&e) {
            return Err(Invalid::OneOf { allowed: EVENTS });
        }
        if !out.iter().any(|o| o == e) {
            out.push(e.to_owned());
        }
    }
    Ok(out)
}

/// The longest wait between two attempts.
pub const RETRY_CAP: Duration = Duration::from_secs(6 * 3600);

/// How long after the `attempts`-th failed attempt the next one is made: `base`, then
/// doubling with each further attempt, capped at six hours. (The worker adds a little
/// jitter, so that deliveries that failed together do not all come back at once.)
pub fn retry_delay(base: Duration, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
    base.saturating_mul(2u32.saturating_pow(exp)).min(RETRY_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_addresses_with_a_host() {
        assert_eq!(
            endpoint_url(" https://hooks.boras.se/avtal?x=1 ").unwrap(),
            "https://hooks.boras.se/avtal?x=1"
        );
        assert!(endpoint_url("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "ftp://hooks.boras.se/",
            "hooks.boras.se",
            "https://",
            "https:///path",
            "http://a b/",
            "file:///etc/passwd",
            "",
        ] {
            assert!(endpoint_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_are_known_non_empty_and_kept_once() {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            event_list(&list(&["invoice.paid", "invoice.issued", "invoice.paid"])).unwrap(),
            list(&["invoice.paid", "invoice.issued"])
        );
        assert_eq!(event_list(&[]), Err(Invalid::Empty));
        assert!(matches!(
            event_list(&list(&["invoice.deleted"])),
            Err(Invalid::OneOf { .. })
        ));
    }

    #[test]
    fn the_backoff_schedule_doubles_to_a_cap() {
        let base = Duration::from_secs(60);
        let minutes: Vec<u64> = (1..=8)
            .map(|n| retry_delay(base, n).as_secs() / 60)
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128]);
        assert_eq!(retry_delay(base, 0), base);
        assert_eq!(retry_delay(base, 40), RETRY_CAP);
        assert_eq!(
            retry_delay(Duration::from_millis(20), 3),
            Duration::from_millis(80)
        );
    }
}
