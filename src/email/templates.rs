//! Email templates: a subject, a plain-text body and an HTML body per kind of message and
//! language, as plain files with the PDF templates' `{{placeholders}}`. The shipped ones live
//! in `pdf-templates/email/<kind>/<lang>/` and are built in; a folder laid out the same way
//! (`AVTAL_MAIL_TEMPLATES`) replaces any of them without rebuilding.

use std::collections::HashMap;
use std::path::Path;

use crate::domain::Language;

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Offer,
    Invoice,
    CreditNote,
    Reminder,
    Statement,
    Newsletter,
}

impl MessageKind {
    pub const NAMES: &'static [&'static str] = &[
        "offer",
        "invoice",
        "credit-note",
        "reminder",
        "statement",
        "newsletter",
    ];
    pub const ALL: [MessageKind; 6] = [
        MessageKind::Offer,
        MessageKind::Invoice,
        MessageKind::CreditNote,
        MessageKind::Reminder,
        MessageKind::Statement,
        MessageKind::Newsletter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Offer => "offer",
            MessageKind::Invoice => "invoice",
            MessageKind::CreditNote => "credit-note",
            MessageKind::Reminder => "reminder",
            MessageKind::Statement => "statement",
            MessageKind::Newsletter => "newsletter",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::domain::Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or(crate::domain::Invalid::OneOf {
                allowed: Self::NAMES,
            })
    }

    /// The placeholders a template of this kind may use; the same names as the PDF
    /// templates where the value is the same.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            MessageKind::Offer => &[
                "organisation.name",
                "organisation.email",
                "member.name",
                "signatory.name",
                "signatory.title",
                "document.title",
                "fee_year",
            ],
            MessageKind::Invoice => &[
                "organisation.name",
                "organisation.email",
                "member.name",
                "signatory.name",
                "signatory.title",
                "document.title",
                "invoice.number",
                "invoice.date",
                "invoice.due_date",
                "invoice.total",
                "invoice.reference",
            ],
            MessageKind::CreditNote => &[
                "organisation.name",
                "organisation.email",
                "member.name",
                "signatory.name",
                "signatory.title",
                "document.title",
                "credit_note.number",
                "credit_note.date",
                "credit_note.amount",
                "credit_note.invoice",
            ],
            MessageKind::Reminder => &[
                "organisation.name",
                "organisation.email",
                "member.name",
                "signatory.name",
                "signatory.title",
                "document.title",
                "reminder.date",
                "reminder.due_date",
                "reminder.total",
                "reminder.reference",
            ],
            MessageKind::Statement => &[
                "organisation.name",
                "organisation.email",
                "member.name",
                "signatory.name",
                "signatory.title",
                "document.title",
                "statement.date",
                "statement.balance",
                "statement.overdue",
            ],
            MessageKind::Newsletter => &[
                "organisation.name",
                "organisation.email",
                "member.name",
                "mailing.subject",
                "mailing.text",
                "mailing.html",
            ],
        }
    }
}

/// A message's text, filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Values that are HTML already and go into the HTML body as they are.
const RAW_HTML: &[&str] = &["mailing.html"];

macro_rules! shipped {
    ($($kind:literal / $lang:literal),* $(,)?) => {
        fn shipped(kind: &str, lang: &str, file: &str) -> Option<&'static str> {
            match (kind, lang, file) {
                $(
                    ($kind, $lang, "subject") => Some(include_str!(concat!("../../pdf-templates/email/", $kind, "/", $lang, "/subject"))),
                    ($kind, $lang, "body.txt") => Some(include_str!(concat!("../../pdf-templates/email/", $kind, "/", $lang, "/body.txt"))),
                    ($kind, $lang, "body.html") => Some(include_str!(concat!("../../pdf-templates/email/", $kind, "/", $lang, "/body.html"))),
                )*
                _ => None,
            }
        }
    };
}

shipped!(
    "offer" / "sv",
    "offer" / "nb",
    "offer" / "en",
    "invoice" / "sv",
    "invoice" / "nb",
    "invoice" / "en",
    "credit-note" / "sv",
    "credit-note" / "nb",
    "credit-note" / "en",
    "reminder" / "sv",
    "reminder" / "nb",
    "reminder" / "en",
    "statement" / "sv",
    "statement" / "nb",
    "statement" / "en",
    "newsletter" / "sv",
    "newsletter" / "nb",
    "newsletter" / "en",
);

/// A template that cannot be filled: the file and what is wrong in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("email template {file}: {detail}")]
pub struct TemplateError {
    pub file: String,
    pub detail: String,
}

fn source(
    own: Option<&Path>,
    kind: MessageKind,
    lang: Language,
    file: &str,
) -> Result<String, TemplateError> {
    let name = format!("{}/{}/{file}", kind.as_str(), lang.as_str());
    if let Some(dir) = own {
        let path = dir.join(&name);
        if path.exists() {
            return std::fs::read_to_string(&path).map_err(|e| TemplateError {
                file: path.display().to_string(),
                detail: e.to_string(),
            });
        }
    }
    shipped(kind.as_str(), lang.as_str(), file)
        .map(str::to_owned)
        .ok_or(TemplateError {
            file: name,
            detail: "no such template".into(),
        })
}

/// Replaces each `{{name}}`; a name the kind does not offer is an error, so a typo in an
/// edited template is found on its first use rather than sent to a municipality.
pub fn fill(
    template: &str,
    file: &str,
    kind: MessageKind,
    values: &HashMap<&str, String>,
    html: bool,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| TemplateError {
            file: file.to_owned(),
            detail: "a {{ without its }}".into(),
        })?;
        let name = after[..end].trim();
        if !kind.placeholders().contains(&name) {
            return Err(TemplateError {
                file: file.to_owned(),
                detail: format!("unknown placeholder {{{{{name}}}}}"),
            });
        }
        let value = values.get(name).map(String::as_str).unwrap_or("");
        if html && !RAW_HTML.contains(&name) {
            out.push_str(&escape_html(value));
        } else {
            out.push_str(value);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>\n"),
            c => out.push(c),
        }
    }
    out
}

/// The three sources of a template: subject, plain text, HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The template a kind and language use without an organisation's own: the folder's file
/// where it has one, else the shipped one.
pub fn sources(
    own: Option<&Path>,
    kind: MessageKind,
    lang: Language,
) -> Result<Sources, TemplateError> {
    Ok(Sources {
        subject: source(own, kind, lang, "subject")?,
        text: source(own, kind, lang, "body.txt")?,
        html: source(own, kind, lang, "body.html")?,
    })
}

/// Fills the subject and both bodies.
pub fn render_sources(
    src: &Sources,
    kind: MessageKind,
    lang: Language,
    values: &HashMap<&str, String>,
) -> Result<Rendered, TemplateError> {
    let name = |file: &str| format!("{}/{}/{file}", kind.as_str(), lang.as_str());
    let subject = fill(&src.subject, &name("subject"), kind, values, false)?;
    // A subject is one line: a trailing newline of the file or an inserted one must not
    // end up in the header.
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Rendered {
        subject,
        text: fill(&src.text, &name("body.txt"), kind, values, false)?,
        html: fill(&src.html, &name("body.html"), kind, values, true)?,
    })
}

/// Fills the subject and both bodies of a kind of message in a language.
pub fn render(
    own: Option<&Path>,
    kind: MessageKind,
    lang: Language,
    values: &HashMap<&str, String>,
) -> Result<Rendered, TemplateError> {
    render_sources(&sources(own, kind, lang)?, kind, lang, values)
}

/// Checks an organisation's template before it is stored: every placeholder known, every
/// `{{` closed, a subject that is not empty. The error names the part at fault: `subject`,
/// `text` or `html`.
pub fn check(src: &Sources, kind: MessageKind) -> Result<(), (&'static str, TemplateError)> {
    let values: HashMap<&str, String> = kind
        .placeholders()
        .iter()
        .map(|p| (*p, "x".to_owned()))
        .collect();
    for (part, text, html) in [
        ("subject", &src.subject, false),
        ("text", &src.text, false),
        ("html", &src.html, true),
    ] {
        fill(text, part, kind, &values, html).map_err(|e| (part, e))?;
    }
    if src.subject.trim().is_empty() {
        return Err((
            "subject",
            TemplateError {
                file: "subject".into(),
                detail: "empty".into(),
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: MessageKind) -> HashMap<&'static str, String> {
        kind.placeholders()
            .iter()
            .map(|p| (*p, format!("<{p}>")))
            .collect()
    }

    #[test]
    fn every_shipped_template_fills_with_its_kinds_placeholders() {
        for kind in MessageKind::ALL {
            for lang in [Language::Sv, Language::Nb, Language::En] {
                let r = render(None, kind, lang, &sample(kind)).unwrap();
                assert!(!r.subject.is_empty(), "{kind:?} {lang:?}");
                assert!(!r.subject.contains('\n'));
                assert!(r.text.contains("<organisation.name>"), "{kind:?} {lang:?}");
                assert!(!r.html.contains("<organisation.name>"), "escaped in HTML");
                assert!(r.html.contains("&lt;organisation.name&gt;"));
            }
        }
    }

    #[test]
    fn languages_differ() {
        let values = sample(MessageKind::Invoice);
        let sv = render(None, MessageKind::Invoice, Language::Sv, &values).unwrap();
        let nb = render(None, MessageKind::Invoice, Language::Nb, &values).unwrap();
        let en = render(None, MessageKind::Invoice, Language::En, &values).unwrap();
        assert!(sv.text.contains("Hej"));
        assert_ne!(sv.text, nb.text);
        assert!(en.subject.starts_with("Invoice"));
    }

    #[test]
    fn unknown_placeholders_are_refused_with_the_file() {
        let e = fill(
            "Förfaller {{invoice.duedate}}",
            "invoice/sv/body.txt",
            MessageKind::Invoice,
            &HashMap::new(),
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("invoice/sv/body.txt"));
        assert!(e.to_string().contains("invoice.duedate"));
    }

    #[test]
    fn checks_name_the_part_at_fault() {
        let mut src = sources(None, MessageKind::Reminder, Language::Nb).unwrap();
        assert!(check(&src, MessageKind::Reminder).is_ok());
        src.html.push_str("{{invoice.number}}");
        let (part, e) = check(&src, MessageKind::Reminder).unwrap_err();
        assert_eq!(part, "html");
        assert!(e.detail.contains("invoice.number"));
        src.html = "{{reminder.total".into();
        assert_eq!(check(&src, MessageKind::Reminder).unwrap_err().0, "html");
    }

    #[test]
    fn an_own_folder_replaces_a_shipped_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("invoice/sv");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join("subject"), "Räkning {{invoice.number}}\n").unwrap();
        let mut values = HashMap::new();
        values.insert("invoice.number", "NAV-2027-0001".to_owned());
        let r = render(
            Some(dir.path()),
            MessageKind::Invoice,
            Language::Sv,
            &values,
        )
        .unwrap();
        assert_eq!(r.subject, "Räkning NAV-2027-0001");
        assert!(r.text.contains("NAV-2027-0001"));
    }
}
