//! Webhooks on the wire: the signing secret and the signature of the Standard Webhooks
//! specification (<https://www.standardwebhooks.com>), the delivery settings, and the
//! worker that posts what the services queued.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the base64 of 24 random bytes, as the specification
/// recommends (between 24 and 64 bytes).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` header's value for a body: `v1,` and the base64 HMAC-SHA256
/// of `{id}.{timestamp}.{body}`, keyed with the secret's bytes (the base64 after
/// `whsec_`). `None` for a secret that is not of that form, which avtal never makes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Whether `serve` runs the delivery worker.
    pub worker: bool,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// The wait after the first failed attempt; doubled after each further one.
    pub retry_base: Duration,
    /// Attempts in a series before a delivery is marked failed.
    pub max_attempts: i32,
    /// Deliveries one worker posts at the same time.
    pub max_in_flight: usize,
    /// How often an idle worker looks for due deliveries (PostgreSQL also wakes it).
    pub poll: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            worker: true,
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(60),
            max_attempts: 8,
            max_in_flight: 8,
            poll: Duration::from_secs(1),
        }
    }
}

impl WebhookSettings {
    /// How long a worker holds a delivery it posts: the attempt's timeout and a margin for
    /// recording it. A worker that died is taken over after this.
    pub fn lease(&self) -> Duration {
        self.timeout.saturating_mul(2) + Duration::from_secs(30)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the specification publishes (and its reference libraries test).
    #[test]
    fn the_signature_matches_the_specifications_example() {
        assert_eq!(
            sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            )
            .as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("whsec_not base64!", "m", 1, "{}"), None);
    }

    #[test]
    fn secrets_are_24_random_bytes_in_base64() {
        let s = new_secret();
        let bytes = STANDARD.decode(s.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(bytes.len(), 24);
        assert_ne!(s, new_secret());
    }
}
