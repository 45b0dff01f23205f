//! Sending documents and newsletters by email. Each use case writes the message into the
//! outbox in the caller's transaction, together with the event it records (an invoice's
//! `sent`), so that both are stored or neither; the outbox worker sends it afterwards.
//!
//! Sending a document twice does not mail the municipality twice: while a message for the
//! document is pending, under way or delivered, a second send answers with that message.
//! A message that failed is sent again with `POST …/outbox/{id}/retry` (or by sending the
//! document anew, which writes a new message). A message that reached some recipients and
//! was refused for others is partly failed: its retry goes to the refused ones only.
//!
//! Each message is written with its From and Reply-To (see
//! [`crate::domain::mail_sender::senders`]), so that every attempt carries the same.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::organisation::Organisation;
use crate::domain::{Currency, Email, FieldError, Invalid, Language};
use crate::email::EmailSettings;
use crate::email::templates::{self, MessageKind, Sources};
use crate::error::{Error, StateConflict};
use crate::pdf::format;
use crate::services::invoicing;
use crate::storage::members;
use crate::storage::outbox::{self, Message, OutboxRow, PENDING};
use crate::storage::{DbConnection, documents, invoicing as store, new_id, now};

/// What the use cases need of the email settings.
#[derive(Debug, Clone)]
pub struct Composer {
    /// The organisation's own templates, when it has a folder of them.
    pub templates: Option<PathBuf>,
    /// The domain of the Message-IDs.
    pub domain: String,
    /// The deployment's own sender, which sends in an organisation's name unless it chose
    /// a From of its own; `None` when it is only a placeholder (`avtal@localhost`).
    pub sender: Option<Email>,
}

impl Composer {
    pub fn new(settings: &EmailSettings) -> Self {
        Self {
            templates: settings.templates.clone(),
            domain: settings.message_id_domain(),
            sender: settings.sender(),
        }
    }

    /// A new Message-ID, fixed at enqueue so that every attempt carries the same one.
    pub(crate) fn message_id(&self) -> String {
        self.message_id_in(&self.domain)
    }

    /// A new Message-ID in the domain of the message's From address, not the deployment's
    /// (which may be a placeholder at `localhost`).
    pub(crate) fn message_id_in(&self, domain: &str) -> String {
        let domain = if domain.is_empty() {
            &self.domain
        } else {
            domain
        };
        format!("<{}@{}>", uuid::Uuid::new_v4().simple(), domain)
    }
}

/// A message a send wrote, or the one already there for the same document.
#[derive(Debug, Clone)]
pub struct Queued {
    pub message: Message,
    /// `false` when the document already had a live message and nothing new was written.
    pub created: bool,
}

/// What a bulk send did: the messages, and the members it could not write to.
#[derive(Debug, Clone, Default)]
pub struct BulkReport {
    pub queued: Vec<Queued>,
    pub without_recipient: Vec<Missing>,
}

/// A member a message could not go to, and which recipient it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub member_id: String,
    pub member_name: String,
    pub document_id: Option<String>,
    /// The recipient that is missing, e.g. `invoice_email or a contact receiving invoices`.
    pub recipient: &'static str,
}

/// Who gets a kind of message.
pub(crate) fn wanted(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Offer => "contacts.receives_offers",
        MessageKind::Invoice
        | MessageKind::CreditNote
        | MessageKind::Reminder
        | MessageKind::Statement => "invoice_email or contacts.receives_invoices",
        MessageKind::Newsletter => "contacts.receives_newsletters",
    }
}

/// The addresses a kind of message goes to at a member: offers to the contacts flagged for
/// offers; invoices, credit notes and reminders to the invoice address and the contacts
/// flagged for invoices; newsletters to the contacts flagged for them. Each address once.
pub fn recipients(
    conn: &mut DbConnection,
    org: &str,
    member: &Member,
    kind: MessageKind,
) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |address: &str| {
        if !out.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            out.push(address.to_owned());
        }
    };
    let invoicing = matches!(
        kind,
        MessageKind::Invoice
            | MessageKind::CreditNote
            | MessageKind::Reminder
            | MessageKind::Statement
    );
    if invoicing && let Some(e) = &member.details.invoice_email {
        push(e.as_str());
    }
    for c in members::contacts(conn, org, &member.id)? {
        let flagged = match kind {
            MessageKind::Offer => c.details.mailings.offers,
            MessageKind::Invoice
            | MessageKind::CreditNote
            | MessageKind::Reminder
            | MessageKind::Statement => c.details.mailings.invoices,
            MessageKind::Newsletter => c.details.mailings.newsletters,
        };
        if flagged && let Some(e) = &c.details.email {
            push(e.as_str());
        }
    }
    Ok(out)
}

fn no_recipient(kind: MessageKind) -> Error {
    Error::Validation(vec![FieldError {
        field: "recipients".to_owned(),
        invalid: Invalid::NoRecipient {
            wanted: wanted(kind),
        },
    }])
}

pub(crate) fn organisation(conn: &mut DbConnection, org: &str) -> Result<Organisation, Error> {
    invoicing::organisation(conn, org)
}

fn stored_language(raw: &str) -> Language {
    Language::parse(raw).unwrap_or(Language::Sv)
}

fn money(minor: i64, currency: &str, lang: Language) -> String {
    let currency = Currency::parse(currency).unwrap_or(Currency::Sek);
    format::money(Money::from_minor(minor, currency), lang)
}

/// The values every kind of message has.
pub(crate) fn common(org: &Organisation, member: &Member) -> HashMap<&'static str, String> {
    let mut v = HashMap::new();
    v.insert("organisation.name", org.details.name.clone());
    v.insert(
        "organisation.email",
        org.details.contact_email.as_str().to_owned(),
    );
    v.insert("member.name", member.details.name.clone());
    if let Some(s) = org.details.signatories.first() {
        v.insert("signatory.name", s.name.clone());
        v.insert("signatory.title", s.title.clone());
    }
    v
}

/// What a message about a document is made of.
pub(crate) struct Draft<'a> {
    pub kind: MessageKind,
    pub member: &'a Member,
    pub document_id: Option<&'a str>,
    pub attachment: Option<(String, Vec<u8>)>,
    pub attachment_name: Option<String>,
    pub language: Language,
    pub values: HashMap<&'static str, String>,
}

/// Writes the message into the outbox in the caller's transaction. A document has one
/// live message: when a send of the same document in another transaction (of this or
/// another process) wrote its message first, that message is the answer, not created now.
pub(crate) fn enqueue(
    conn: &mut DbConnection,
    composer: &Composer,
    organisation: &Organisation,
    draft: Draft<'_>,
    recipients: Vec<String>,
    actor: &str,
) -> Result<Queued, Error> {
    let org = organisation.id.as_str();
    let (src, _) = template(conn, composer, org, draft.kind, draft.language)?;
    let rendered = templates::render_sources(&src, draft.kind, draft.language, &draft.values)
        .map_err(|e| Error::Internal(e.into()))?;
    let at = now();
    let (attachment_name, attachment_content) = match draft.attachment {
        Some((name, bytes)) => (Some(name), Some(bytes)),
        None => (draft.attachment_name, None),
    };
    let senders = organisation.details.senders(composer.sender.as_ref());
    let row = OutboxRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        member_id: Some(draft.member.id.clone()),
        kind: draft.kind.as_str().to_owned(),
        document_id: draft.document_id.map(str::to_owned),
        language: draft.language.as_str().to_owned(),
        recipients: serde_json::to_string(&recipients).map_err(|e| Error::Internal(e.into()))?,
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: Some(rendered.html),
        attachment_name,
        attachment_content,
        message_id: composer.message_id_in(senders.from.email.domain()),
        status: PENDING.to_owned(),
        attempts: 0,
        next_attempt_at: at,
        last_error: None,
        created_by: actor.to_owned(),
        created_at: at,
        sent_at: None,
        from_name: senders.from.name,
        from_address: Some(senders.from.email.as_str().to_owned()),
        reply_to_name: senders.reply_to.as_ref().and_then(|m| m.name.clone()),
        reply_to_address: senders.reply_to.map(|m| m.email.as_str().to_owned()),
    };
    // In a savepoint: on PostgreSQL the insert waits for the other send to commit and then
    // fails on the one-live-message index, and the transaction goes on without it.
    match diesel::Connection::transaction(conn, |c| outbox::enqueue(c, &row)) {
        Ok(()) => Ok(Queued {
            message: outbox::message(conn, org, &row.id)?,
            created: true,
        }),
        Err(Error::Conflict { .. })
            if let Some(document) = &row.document_id
                && let Some(message) = live_message(conn, org, document)? =>
        {
            Ok(Queued {
                message,
                created: false,
            })
        }
        Err(e) => Err(e),
    }
}

/// The message for a document that is waiting, under way, delivered or partly delivered,
/// with its recipients.
fn live_message(
    conn: &mut DbConnection,
    org: &str,
    document_id: &str,
) -> Result<Option<Message>, Error> {
    match outbox::live_for_document(conn, org, document_id)? {
        Some(summary) => Ok(outbox::with_deliveries(conn, vec![summary])?.pop()),
        None => Ok(None),
    }
}

/// The template a kind and language use for the organisation, and when it stored its own
/// (`None`: the shipped one, or the deployment's folder).
pub fn template(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    kind: MessageKind,
    lang: Language,
) -> Result<(Sources, Option<NaiveDateTime>), Error> {
    if let Some(own) = outbox::template(conn, org, kind.as_str(), lang.as_str())? {
        return Ok((
            Sources {
                subject: own.subject,
                text: own.body_text,
                html: own.body_html,
            },
            Some(own.updated_at),
        ));
    }
    let src = templates::sources(composer.templates.as_deref(), kind, lang)
        .map_err(|e| Error::Internal(e.into()))?;
    Ok((src, None))
}

/// Stores the organisation's own template after checking it: an unknown placeholder is
/// refused naming the part (`subject`, `text` or `html`), before any message uses it.
pub fn put_template(
    conn: &mut DbConnection,
    org: &str,
    kind: MessageKind,
    lang: Language,
    src: &Sources,
) -> Result<NaiveDateTime, Error> {
    templates::check(src, kind).map_err(|(part, e)| {
        Error::field(
            part,
            Invalid::Template {
                sv: format!("mallen kan inte användas: {}", e.detail),
                nb: format!("malen kan ikke brukes: {}", e.detail),
                en: format!("the template cannot be used: {}", e.detail),
            },
        )
    })?;
    outbox::put_template(
        conn,
        org,
        kind.as_str(),
        lang.as_str(),
        &src.subject,
        &src.text,
        &src.html,
    )
}

/// The file name of a document's attachment: its title, made safe for a file name.
fn file_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{}.pdf", clean.trim())
}

/// An offer letter to the member's contacts flagged for offers.
pub fn send_offer(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    document_id: &str,
    actor: &str,
) -> Result<Queued, Error> {
    let doc = documents::get(conn, org, document_id)?;
    if doc.kind != "offer" {
        return Err(Error::NotFound("offer"));
    }
    if let Some(message) = live_message(conn, org, document_id)? {
        return Ok(Queued {
            message,
            created: false,
        });
    }
    let organisation = organisation(conn, org)?;
    let member = members::get(conn, org, &doc.member_id)?;
    let to = recipients(conn, org, &member, MessageKind::Offer)?;
    if to.is_empty() {
        return Err(no_recipient(MessageKind::Offer));
    }
    let mut values = common(&organisation, &member);
    values.insert("document.title", doc.title.clone());
    values.insert(
        "fee_year",
        doc.fee_year.map(|y| y.to_string()).unwrap_or_default(),
    );
    let draft = Draft {
        kind: MessageKind::Offer,
        member: &member,
        document_id: Some(document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: stored_language(&doc.language),
        values,
    };
    enqueue(conn, composer, &organisation, draft, to, actor)
}

/// Why a bulk send could not write to a member, or the error that stops it.
enum Outcome {
    Queued(Box<Queued>),
    Missing(Missing),
}

fn invoice_outcome(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &Organisation,
    invoice_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Outcome, Error> {
    let row = store::invoice(conn, &org.id, invoice_id)?;
    let document_id = match (&row.document_id, row.issued_at) {
        (Some(d), Some(_)) => d.clone(),
        _ => return Err(Error::State(StateConflict::InvoiceNotIssued)),
    };
    if let Some(message) = live_message(conn, &org.id, &document_id)? {
        return Ok(Outcome::Queued(Box::new(Queued {
            message,
            created: false,
        })));
    }
    let member = members::get(conn, &org.id, &row.member_id)?;
    let to = recipients(conn, &org.id, &member, MessageKind::Invoice)?;
    if to.is_empty() {
        return Ok(Outcome::Missing(Missing {
            member_id: member.id.clone(),
            member_name: member.details.name.clone(),
            document_id: Some(document_id),
            recipient: wanted(MessageKind::Invoice),
        }));
    }
    let doc = documents::get(conn, &org.id, &document_id)?;
    let lang = stored_language(&row.language);
    let mut values = common(org, &member);
    values.insert("document.title", doc.title.clone());
    let date = row
        .invoice_date
        .map(|d| format::date(d, lang))
        .unwrap_or_default();
    // A credit note goes to the invoice's recipients in its own words: what it credits,
    // not an amount to pay.
    let kind = match &row.credits_invoice_id {
        Some(credited) => {
            let credited = store::invoice(conn, &org.id, credited)?;
            values.insert("credit_note.number", row.number.clone().unwrap_or_default());
            values.insert("credit_note.date", date);
            values.insert(
                "credit_note.amount",
                money(-row.total_minor, &row.currency, lang),
            );
            values.insert("credit_note.invoice", credited.number.unwrap_or_default());
            MessageKind::CreditNote
        }
        None => {
            values.insert("invoice.number", row.number.clone().unwrap_or_default());
            values.insert("invoice.date", date);
            values.insert(
                "invoice.due_date",
                row.due_date
                    .map(|d| format::date(d, lang))
                    .unwrap_or_default(),
            );
            values.insert("invoice.total", money(row.total_minor, &row.currency, lang));
            values.insert(
                "invoice.reference",
                row.payment_reference.clone().unwrap_or_default(),
            );
            MessageKind::Invoice
        }
    };
    let draft = Draft {
        kind,
        member: &member,
        document_id: Some(&document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: lang,
        values,
    };
    let queued = enqueue(conn, composer, org, draft, to, actor)?;
    if queued.created {
        // The invoice counts as sent from now on: its message is stored with the event.
        invoicing::record_event(
            conn,
            &org.id,
            invoice_id,
            "sent",
            on,
            Some(format!("e-post {}", queued.message.summary.message_id)),
            actor,
        )?;
    }
    Ok(Outcome::Queued(Box::new(queued)))
}

/// An issued invoice to the member's invoice address and the contacts flagged for
/// invoices; records the invoice's `sent` event in the same transaction.
pub fn send_invoice(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    invoice_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Queued, Error> {
    let organisation = organisation(conn, org)?;
    match invoice_outcome(conn, composer, &organisation, invoice_id, on, actor)? {
        Outcome::Queued(q) => Ok(*q),
        Outcome::Missing(_) => Err(no_recipient(MessageKind::Invoice)),
    }
}

/// Queues an issued invoice's email when its member has an invoice recipient; `None` when
/// it has none (issuing with `send_on_issue` goes on without the email).
pub fn queue_invoice(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    invoice_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Option<Queued>, Error> {
    let organisation = organisation(conn, org)?;
    Ok(
        match invoice_outcome(conn, composer, &organisation, invoice_id, on, actor)? {
            Outcome::Queued(q) => Some(*q),
            Outcome::Missing(_) => None,
        },
    )
}

/// Every issued invoice of an invoice run; members without an invoice recipient are
/// reported, and their invoices stay unsent.
pub fn send_invoice_run(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    run_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<BulkReport, Error> {
    store::run(conn, org, run_id)?;
    let organisation = organisation(conn, org)?;
    let invoices = store::invoices(
        conn,
        org,
        &store::InvoiceFilter {
            run_id: Some(run_id.to_owned()),
            issued_only: true,
            ..store::InvoiceFilter::default()
        },
    )?;
    let mut report = BulkReport::default();
    for invoice in invoices {
        match invoice_outcome(conn, composer, &organisation, &invoice.id, on, actor)? {
            Outcome::Queued(q) => report.queued.push(*q),
            Outcome::Missing(m) => report.without_recipient.push(m),
        }
    }
    Ok(report)
}

fn reminder_outcome(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &Organisation,
    reminder_id: &str,
    actor: &str,
) -> Result<Outcome, Error> {
    let reminder = crate::services::reminders::read(conn, &org.id, reminder_id)?;
    let row = &reminder.row;
    if let Some(message) = live_message(conn, &org.id, &row.document_id)? {
        return Ok(Outcome::Queued(Box::new(Queued {
            message,
            created: false,
        })));
    }
    let member = members::get(conn, &org.id, &row.member_id)?;
    let to = recipients(conn, &org.id, &member, MessageKind::Reminder)?;
    if to.is_empty() {
        return Ok(Outcome::Missing(Missing {
            member_id: member.id.clone(),
            member_name: member.details.name.clone(),
            document_id: Some(row.document_id.clone()),
            recipient: wanted(MessageKind::Reminder),
        }));
    }
    let doc = documents::get(conn, &org.id, &row.document_id)?;
    let lang = stored_language(&doc.language);
    let asked = reminder.asked(conn, &org.id)?;
    let mut values = common(org, &member);
    values.insert("document.title", doc.title.clone());
    values.insert("reminder.date", format::date(row.reminder_date, lang));
    values.insert("reminder.due_date", format::date(row.new_due_date, lang));
    values.insert(
        "reminder.total",
        money(asked.total_minor, &asked.currency, lang),
    );
    values.insert("reminder.reference", asked.reference.unwrap_or_default());
    let draft = Draft {
        kind: MessageKind::Reminder,
        member: &member,
        document_id: Some(&row.document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: lang,
        values,
    };
    let queued = enqueue(conn, composer, org, draft, to, actor)?;
    Ok(Outcome::Queued(Box::new(queued)))
}

/// A reminder to the member's invoice address and the contacts flagged for invoices.
pub fn send_reminder(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    reminder_id: &str,
    actor: &str,
) -> Result<Queued, Error> {
    let organisation = organisation(conn, org)?;
    match reminder_outcome(conn, composer, &organisation, reminder_id, actor)? {
        Outcome::Queued(q) => Ok(*q),
        Outcome::Missing(_) => Err(no_recipient(MessageKind::Reminder)),
    }
}

/// Every reminder of a reminder run: the reminders made on one date.
pub fn send_reminder_run(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    date: NaiveDate,
    actor: &str,
) -> Result<BulkReport, Error> {
    let organisation = organisation(conn, org)?;
    let mut report = BulkReport::default();
    let reminders: Vec<_> = store::reminders(conn, org)?
        .into_iter()
        .filter(|r| r.reminder_date == date)
        .collect();
    if reminders.is_empty() {
        return Err(Error::NotFound("reminder run"));
    }
    for r in reminders {
        match reminder_outcome(conn, composer, &organisation, &r.id, actor)? {
            Outcome::Queued(q) => report.queued.push(*q),
            Outcome::Missing(m) => report.without_recipient.push(m),
        }
    }
    Ok(report)
}

/// What an account statement's message says beside its PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFacts {
    pub date: NaiveDate,
    pub balance: Money,
    pub overdue: Money,
}

/// An account statement to the member's invoice address and the contacts flagged for
/// invoices, once per statement document.
pub fn send_statement(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    document_id: &str,
    facts: &StatementFacts,
    actor: &str,
) -> Result<Queued, Error> {
    let doc = documents::get(conn, org, document_id)?;
    if doc.kind != "statement" {
        return Err(Error::NotFound("statement"));
    }
    if let Some(message) = live_message(conn, org, document_id)? {
        return Ok(Queued {
            message,
            created: false,
        });
    }
    let organisation = organisation(conn, org)?;
    let member = members::get(conn, org, &doc.member_id)?;
    let to = recipients(conn, org, &member, MessageKind::Statement)?;
    if to.is_empty() {
        return Err(no_recipient(MessageKind::Statement));
    }
    let lang = stored_language(&doc.language);
    let mut values = common(&organisation, &member);
    values.insert("document.title", doc.title.clone());
    values.insert("statement.date", format::date(facts.date, lang));
    values.insert("statement.balance", format::money(facts.balance, lang));
    values.insert("statement.overdue", format::money(facts.overdue, lang));
    let draft = Draft {
        kind: MessageKind::Statement,
        member: &member,
        document_id: Some(document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: lang,
        values,
    };
    enqueue(conn, composer, &organisation, draft, to, actor)
}

/// A failed or partly failed message back to the queue, its attempts counted anew; it goes
/// to the recipients that failed, never again to one that had it.
pub fn retry(conn: &mut DbConnection, org: &str, id: &str) -> Result<Message, Error> {
    let message = outbox::get(conn, org, id)?;
    if message.status != outbox::FAILED && message.status != outbox::PARTLY_FAILED {
        return Err(Error::State(StateConflict::MessageNotFailed));
    }
    if let Some(doc) = &message.document_id
        && outbox::live_for_document(conn, org, doc)?.is_some_and(|live| live.id != message.id)
    {
        // The document was sent anew after this message failed.
        return Err(Error::State(StateConflict::MessageNotFailed));
    }
    outbox::retry(conn, org, id)?;
    outbox::message(conn, org, id)
}

/// The organisation's messages, newest first, with how each recipient stands.
pub fn messages(
    conn: &mut DbConnection,
    org: &str,
    status: Option<&str>,
    member: Option<&str>,
) -> Result<Vec<Message>, Error> {
    let list = outbox::list(conn, org, status, member)?;
    outbox::with_deliveries(conn, list)
}
