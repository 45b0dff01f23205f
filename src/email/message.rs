//! A message as it goes on the wire: headers, both bodies and the attachments, built from
//! plain values so that nothing here knows where they were stored.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::email::SendError;

/// Everything a message is built from.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub subject: String,
    pub message_id: String,
    /// Everyone the message is for, also those who had it before.
    pub recipients: Vec<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments: Vec<Attached>,
}

#[derive(Debug, Clone)]
pub struct Attached {
    pub name: String,
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
}

/// A sender as a mailbox; an address the parser refuses fails the message permanently.
pub fn mailbox(name: Option<String>, address: &str) -> Result<Mailbox, SendError> {
    address
        .parse::<lettre::Address>()
        .map(|a| Mailbox::new(name, a))
        .map_err(|e| SendError::Permanent(format!("{address}: {e}")))
}

/// The message as sent. One that cannot be built (no recipient lettre can take) fails
/// permanently.
pub fn build(out: Outgoing) -> Result<Message, SendError> {
    let mut builder = Message::builder()
        .from(out.from)
        .subject(out.subject)
        .message_id(Some(out.message_id));
    if let Some(reply_to) = out.reply_to {
        builder = builder.reply_to(reply_to);
    }
    // The To header names everyone the message is for; an address lettre cannot take is
    // left out of it (and fails on its own).
    let mut named = 0;
    for r in &out.recipients {
        if let Ok(m) = r.parse::<Mailbox>() {
            builder = builder.to(m);
            named += 1;
        }
    }
    if named == 0 {
        return Err(SendError::Permanent("no recipients".into()));
    }
    let text = SinglePart::plain(out.body_text);
    let body = match out.body_html {
        Some(html) => MultiPart::alternative()
            .singlepart(text)
            .singlepart(SinglePart::html(html)),
        None => MultiPart::mixed().singlepart(text),
    };
    let built = if out.attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in out.attachments {
            let kind = ContentType::parse(a.media_type).unwrap_or(ContentType::TEXT_PLAIN);
            mixed = mixed.singlepart(Attachment::new(a.name).body(a.bytes, kind));
        }
        builder.multipart(mixed)
    };
    built.map_err(|e| SendError::Permanent(format!("building the message: {e}")))
}

/// The media type of an attachment, by its name.
pub fn media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("txt") => "text/plain; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_get_their_media_type() {
        assert_eq!(media_type("Program 2027.PDF"), "application/pdf");
        assert_eq!(media_type("okänt"), "application/octet-stream");
    }
}
