//! Who an organisation's email comes from, and where the members' replies go.
//!
//! A municipality answers an invoice by pressing reply: that answer must reach the
//! organisation, not the deployment's technical sender and never `avtal@localhost`.

use crate::domain::{Email, Invalid, NAME_MAX, text};

/// An email address with an optional display name, as in
/// `Navet science center <navet@boras.se>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub email: Email,
}

impl Mailbox {
    /// A display name: one line of text, no control characters (they would let a name
    /// write headers of its own).
    pub fn name(raw: &str) -> Result<String, Invalid> {
        text(raw, NAME_MAX)
    }
}

/// The From and Reply-To of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Senders {
    pub from: Mailbox,
    /// `None` when replies go to the From address anyway.
    pub reply_to: Option<Mailbox>,
}

/// What an organisation's messages carry: its own From and Reply-To where it chose them.
/// Otherwise From is the deployment's sender under the organisation's name, or the
/// organisation's contact address when the deployment has no sender that can be answered;
/// Reply-To is the contact address. A chosen address without a display name gets the
/// organisation's name.
pub fn senders(
    name: &str,
    contact: &Email,
    own_from: Option<&Mailbox>,
    own_reply_to: Option<&Mailbox>,
    deployment: Option<&Email>,
) -> Senders {
    let named = |email: &Email, display: Option<&String>| Mailbox {
        name: Some(display.cloned().unwrap_or_else(|| name.to_owned())),
        email: email.clone(),
    };
    let from = match (own_from, deployment) {
        (Some(own), _) => named(&own.email, own.name.as_ref()),
        (None, Some(sender)) => named(sender, None),
        (None, None) => named(contact, None),
    };
    let reply_to = match own_reply_to {
        Some(own) => named(&own.email, own.name.as_ref()),
        None => named(contact, None),
    };
    let same = reply_to
        .email
        .as_str()
        .eq_ignore_ascii_case(from.email.as_str());
    Senders {
        from,
        reply_to: (!same).then_some(reply_to),
    }
}

/// Whether a configured sender can be written to: not a placeholder at `localhost`, which
/// no receiving server accepts and no reply reaches.
pub fn answerable(sender: &Email) -> bool {
    let domain = sender.domain().to_ascii_lowercase();
    domain != "localhost" && !domain.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).unwrap()
    }

    const NAVET: &str = "Navet science center";

    #[test]
    fn by_default_the_deployment_sends_in_the_organisations_name() {
        let s = senders(
            NAVET,
            &email("navet@boras.se"),
            None,
            None,
            Some(&email("avtal@kommunalforbund.se")),
        );
        assert_eq!(s.from.email.as_str(), "avtal@kommunalforbund.se");
        assert_eq!(s.from.name.as_deref(), Some(NAVET));
        let reply_to = s.reply_to.unwrap();
        assert_eq!(reply_to.email.as_str(), "navet@boras.se");
        assert_eq!(reply_to.name.as_deref(), Some(NAVET));
    }

    #[test]
    fn without_a_deployment_sender_the_contact_address_sends() {
        let s = senders(NAVET, &email("navet@boras.se"), None, None, None);
        assert_eq!(s.from.email.as_str(), "navet@boras.se");
        // Replies go there anyway: no Reply-To that repeats the From.
        assert_eq!(s.reply_to, None);
    }

    #[test]
    fn the_organisations_own_choice_wins() {
        let from = Mailbox {
            name: Some("Navet – Boråsregionen".into()),
            email: email("utskick@navet.se"),
        };
        let reply_to = Mailbox {
            name: None,
            email: email("ekonomi@navet.se"),
        };
        let s = senders(
            NAVET,
            &email("navet@boras.se"),
            Some(&from),
            Some(&reply_to),
            Some(&email("avtal@kommunalforbund.se")),
        );
        assert_eq!(s.from, from);
        assert_eq!(
            s.reply_to,
            Some(Mailbox {
                name: Some(NAVET.into()),
                email: email("ekonomi@navet.se"),
            })
        );
    }

    #[test]
    fn placeholders_at_localhost_are_not_senders() {
        assert!(answerable(&email("avtal@kommunalforbund.se")));
        assert!(!answerable(&email("avtal@mail.localhost")));
        assert!(!answerable(&email("avtal@LOCALHOST.localhost")));
    }
}
