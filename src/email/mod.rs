//! Email: lettre's transports behind one [`Mailer`], the message templates, and the outbox
//! worker that sends what the use cases wrote into the outbox.
//!
//! Without an SMTP host the mailer writes each message as an `.eml` file into a folder, so
//! a new installation shows what it would send without a mail server.

pub mod message;
pub mod templates;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::Email;
use crate::domain::mail_sender;
use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::{Address, FileTransport, Message, Transport};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption at all: only for a relay on the same machine or network.
    Plain,
}

impl Security {
    pub const NAMES: &'static [&'static str] = &["starttls", "tls", "plain"];

    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        match raw {
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            "plain" => Ok(Self::Plain),
            other => anyhow::bail!(
                "SMTP security must be one of {}, not {other:?}",
                Self::NAMES.join(", ")
            ),
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::Plain => 25,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartTls => "starttls",
            Self::Tls => "tls",
            Self::Plain => "plain",
        }
    }
}

/// A password that never shows up in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// For connecting and for each command.
    pub timeout: Duration,
    /// A PEM file with a root certificate to trust besides the Mozilla roots, for a relay
    /// whose certificate an internal CA issued.
    pub ca_file: Option<PathBuf>,
}

/// Everything about sending email, resolved from flags, environment and file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// `None`: messages are written as `.eml` files into `folder`.
    pub smtp: Option<SmtpSettings>,
    /// The From address, e.g. `Navet <navet@boras.se>`.
    pub from: String,
    pub folder: PathBuf,
    /// Messages sent at the same time by one worker.
    pub max_in_flight: usize,
    /// Tries before a message that keeps failing temporarily is marked failed.
    pub max_attempts: i32,
    /// The first retry waits this long; each further one twice as long, plus jitter.
    pub retry_base: Duration,
    /// How long a claimed message belongs to its worker; after that another worker takes
    /// it over (the first one died).
    pub lease: Duration,
    /// How often an idle worker looks for due messages.
    pub poll: Duration,
    /// A folder with the organisation's own email templates, laid out like
    /// `pdf-templates/email`; the shipped ones are used for what it does not hold.
    pub templates: Option<PathBuf>,
    /// Whether the server runs a worker itself (turn off when `avtal outbox run` does).
    pub worker: bool,
}

pub const DEFAULT_FROM: &str = "avtal <avtal@localhost>";
pub const DEFAULT_FOLDER: &str = "./outbox";

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            smtp: None,
            from: DEFAULT_FROM.to_owned(),
            folder: PathBuf::from(DEFAULT_FOLDER),
            max_in_flight: 4,
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(2),
            templates: None,
            worker: true,
        }
    }
}

impl EmailSettings {
    /// The From mailbox, checked.
    pub fn from_mailbox(&self) -> anyhow::Result<Mailbox> {
        self.from
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("mail from address {:?}: {e}", self.from))
    }

    /// The deployment's own sender, which sends in an organisation's name unless it chose
    /// a From of its own; `None` when it is only a placeholder (`avtal@localhost`).
    pub fn sender(&self) -> Option<Email> {
        self.from_mailbox()
            .ok()
            .and_then(|m| Email::parse(m.email.as_ref()).ok())
            .filter(mail_sender::answerable)
    }

    /// The domain the outbox's Message-IDs are made in: the From address's.
    pub fn message_id_domain(&self) -> String {
        self.from_mailbox()
            .map(|m| m.email.domain().to_owned())
            .unwrap_or_else(|_| "avtal.localhost".to_owned())
    }
}

/// Whether lettre can put an address in a message. A From or Reply-To is checked with it
/// when an organisation chooses one, not when its first message fails.
pub fn accepts(address: &str) -> bool {
    address.parse::<Address>().is_ok()
}

/// Why a message was not accepted, as the outbox needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: a 4xx reply, a refused or lost connection, a timeout, TLS
    /// or disk trouble.
    #[error("temporary: {0}")]
    Temporary(String),
    /// A 5xx reply or a message the server can never take; the text is the server's reply.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// The one way avtal sends email.
pub enum Mailer {
    Smtp(Box<SmtpClient>),
    Files {
        transport: FileTransport,
        folder: PathBuf,
    },
}

/// How to reach the SMTP server. avtal speaks to it through lettre's connection rather than
/// its transport, which gives up on a message at the first refused recipient: here each
/// recipient gets its own answer, and the others their message.
pub struct SmtpClient {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
}

impl SmtpClient {
    fn connect(&self) -> Result<SmtpConnection, lettre::transport::smtp::Error> {
        let wrapper = match &self.tls {
            Tls::Wrapper(p) => Some(p),
            _ => None,
        };
        let mut conn = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &self.hello,
            wrapper,
            None,
        )?;
        let ready = match &self.tls {
            Tls::Required(p) => conn.starttls(p, &self.hello),
            Tls::Opportunistic(p) if conn.can_starttls() => conn.starttls(p, &self.hello),
            _ => Ok(()),
        }
        .and_then(|()| match &self.credentials {
            Some(c) => conn.auth(DEFAULT_MECHANISMS, c).map(drop),
            None => Ok(()),
        });
        match ready {
            Ok(()) => Ok(conn),
            Err(e) => {
                conn.abort();
                Err(e)
            }
        }
    }

    /// One connection, one transaction: MAIL, a RCPT per recipient, and the message once
    /// to those the server took.
    fn deliver(&self, from: Option<&Address>, to: &[Address], email: &[u8]) -> Vec<Verdict> {
        let mut conn = match self.connect() {
            Ok(c) => c,
            Err(e) => return vec![Err(classify(e)); to.len()],
        };
        let verdicts = transaction(&mut conn, from, to, email);
        if !conn.has_broken() {
            let _ = conn.quit();
        }
        verdicts
    }
}

/// What the server said to one recipient: `Ok` when it took the message for it.
pub type Verdict = Result<(), SendError>;

fn transaction(
    conn: &mut SmtpConnection,
    from: Option<&Address>,
    to: &[Address],
    email: &[u8],
) -> Vec<Verdict> {
    let everyone = |e: SendError| vec![Err(e); to.len()];
    // As lettre's own transport does: SMTPUTF8 and 8BITMIME only when needed, and then
    // only when the server offers them.
    let mut options = Vec::new();
    if from
        .into_iter()
        .chain(to)
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii())
    {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return everyone(SendError::Permanent(
                "the mail server takes no addresses beyond ASCII (no SMTPUTF8)".into(),
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !email.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return everyone(SendError::Permanent(
                "the mail server takes no 8-bit message (no 8BITMIME)".into(),
            ));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    if let Err(e) = conn.command(Mail::new(from.cloned(), options)) {
        conn.abort();
        return everyone(classify(e));
    }
    let mut verdicts: Vec<Option<Verdict>> = vec![None; to.len()];
    for (i, address) in to.iter().enumerate() {
        match conn.command(Rcpt::new(address.clone(), vec![])) {
            Ok(_) => {}
            // The server answered about this address: the others go on.
            Err(e) if e.status().is_some() => verdicts[i] = Some(Err(classify(e))),
            // The connection broke: nobody not yet answered got anything.
            Err(e) => {
                conn.abort();
                let e = classify(e);
                return verdicts
                    .into_iter()
                    .map(|v| v.unwrap_or_else(|| Err(e.clone())))
                    .collect();
            }
        }
    }
    if verdicts.iter().all(Option::is_some) {
        // Every recipient refused: end the transaction without a message.
        if conn.command(Rset).is_err() {
            conn.abort();
        }
        return verdicts.into_iter().flatten().collect();
    }
    let taken = match conn.command(Data).and_then(|_| conn.message(email)) {
        Ok(_) => Ok(()),
        Err(e) => {
            if e.status().is_none() {
                conn.abort();
            }
            Err(classify(e))
        }
    };
    verdicts
        .into_iter()
        .map(|v| v.unwrap_or_else(|| taken.clone()))
        .collect()
}

impl Mailer {
    pub fn new(settings: &EmailSettings) -> anyhow::Result<Self> {
        settings.from_mailbox()?;
        match &settings.smtp {
            Some(smtp) => {
                let extra_root = match &smtp.ca_file {
                    Some(path) => {
                        let pem = std::fs::read(path)
                            .map_err(|e| anyhow::anyhow!("SMTP CA file {}: {e}", path.display()))?;
                        Some(
                            Certificate::from_pem(&pem).map_err(|e| {
                                anyhow::anyhow!("SMTP CA file {}: {e}", path.display())
                            })?,
                        )
                    }
                    None => None,
                };
                let tls = || {
                    let mut builder = TlsParameters::builder(smtp.host.clone());
                    if let Some(root) = extra_root.clone() {
                        builder = builder.add_root_certificate(root);
                    }
                    builder
                        .build()
                        .map_err(|e| anyhow::anyhow!("TLS for {}: {e}", smtp.host))
                };
                let tls = match smtp.security {
                    Security::StartTls => Tls::Required(tls()?),
                    Security::Tls => Tls::Wrapper(tls()?),
                    Security::Plain => Tls::None,
                };
                let credentials = smtp.username.as_ref().map(|user| {
                    let password = smtp.password.as_ref().map(|p| p.0.clone());
                    Credentials::new(user.clone(), password.unwrap_or_default())
                });
                Ok(Mailer::Smtp(Box::new(SmtpClient {
                    host: smtp.host.clone(),
                    port: smtp.port,
                    tls,
                    credentials,
                    timeout: smtp.timeout,
                    hello: ClientId::default(),
                })))
            }
            None => {
                std::fs::create_dir_all(&settings.folder).map_err(|e| {
                    anyhow::anyhow!("mail folder {}: {e}", settings.folder.display())
                })?;
                Ok(Mailer::Files {
                    transport: FileTransport::new(&settings.folder),
                    folder: settings.folder.clone(),
                })
            }
        }
    }

    /// One line for the start-up log: where messages go.
    pub fn describe(settings: &EmailSettings) -> String {
        match &settings.smtp {
            Some(s) => format!(
                "email goes to SMTP server {}:{} ({}{})",
                s.host,
                s.port,
                s.security.as_str(),
                if s.username.is_some() {
                    ", with authentication"
                } else {
                    ""
                }
            ),
            None => format!(
                "no SMTP server configured (AVTAL_SMTP_HOST): email is written as .eml files into {}",
                absolute(&settings.folder).display()
            ),
        }
    }

    /// Hands a message to the server for every recipient its headers name; `Ok` when the
    /// server took it for all of them.
    pub fn send(&self, message: &Message) -> Result<(), SendError> {
        let to = message.envelope().to().to_vec();
        self.send_to(message, &to).into_iter().collect()
    }

    /// Hands a message to the server for the recipients `to` (its headers may name more,
    /// who had it before), or writes its file; says for each recipient, in order, whether
    /// the server took it.
    pub fn send_to(&self, message: &Message, to: &[Address]) -> Vec<Verdict> {
        if to.is_empty() {
            return Vec::new();
        }
        let from = message.envelope().from();
        let email = message.formatted();
        match self {
            Mailer::Smtp(client) => client.deliver(from, to, &email),
            Mailer::Files { transport, folder } => {
                let written = Envelope::new(from.cloned(), to.to_vec())
                    .map_err(|e| SendError::Permanent(format!("the envelope: {e}")))
                    .and_then(|envelope| {
                        transport
                            .send_raw(&envelope, &email)
                            .map(drop)
                            .map_err(|e| {
                                SendError::Temporary(format!(
                                    "writing into {}: {e}",
                                    folder.display()
                                ))
                            })
                    });
                vec![written; to.len()]
            }
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A 5xx reply (or a message lettre refuses to send) is permanent; everything else — a
/// 4xx reply, a refused or broken connection, a timeout, TLS — may pass.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_names_round_trip() {
        for name in Security::NAMES {
            assert_eq!(Security::parse(name).unwrap().as_str(), *name);
        }
        assert!(Security::parse("ssl").is_err());
    }

    #[test]
    fn passwords_stay_out_of_debug_output() {
        let s = SmtpSettings {
            host: "smtp.example.se".into(),
            port: 587,
            security: Security::StartTls,
            username: Some("navet".into()),
            password: Some(Secret("hemligt".into())),
            timeout: Duration::from_secs(10),
            ca_file: None,
        };
        assert!(!format!("{s:?}").contains("hemligt"));
    }

    #[test]
    fn a_refused_connection_is_temporary() {
        // Port 9 on loopback: nothing listens there on a test machine.
        let settings = EmailSettings {
            smtp: Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port: 9,
                security: Security::Plain,
                username: None,
                password: None,
                timeout: Duration::from_secs(2),
                ca_file: None,
            }),
            ..EmailSettings::default()
        };
        let mailer = Mailer::new(&settings).unwrap();
        let message = Message::builder()
            .from(settings.from_mailbox().unwrap())
            .to("kommun@example.se".parse().unwrap())
            .subject("Prov")
            .body("Hej".to_owned())
            .unwrap();
        assert!(matches!(
            mailer.send(&message),
            Err(SendError::Temporary(_))
        ));
    }

    #[test]
    fn message_ids_use_the_from_domain() {
        let s = EmailSettings {
            from: "Navet <navet@boras.se>".into(),
            ..EmailSettings::default()
        };
        assert_eq!(s.message_id_domain(), "boras.se");
    }
}
