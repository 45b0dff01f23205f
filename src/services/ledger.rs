//! What members owe, derived from the book: a member's ledger with its running balance,
//! and the organisation's open items, aging and totals per year. Nothing here is stored;
//! every figure follows from issued documents, payments and allocations.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::domain::documents::DocumentKind;
use crate::domain::invoicing::{AgingBucket, aging_bucket};
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::{Currency, Invalid, Language};
use crate::error::Error;
use crate::services::invoicing::Book;
use crate::services::payments::{self, state::PaymentState};
use crate::storage::invoicing::InvoiceRow;
use crate::storage::{DbConnection, members};

fn currency_of(raw: &str) -> Result<Currency, Error> {
    Currency::parse(raw).map_err(|_| Error::Internal(anyhow::anyhow!("stored currency {raw}")))
}

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    Invoice,
    CreditNote,
    Payment,
    /// Money of a payment going to an invoice: it moves nothing on the balance.
    Allocation,
    Refund,
    Reversal,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Invoice => "invoice",
            EntryKind::CreditNote => "credit_note",
            EntryKind::Payment => "payment",
            EntryKind::Allocation => "allocation",
            EntryKind::Refund => "refund",
            EntryKind::Reversal => "reversal",
        }
    }
}

/// One line of a member's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub date: NaiveDate,
    pub kind: EntryKind,
    /// The invoice, credit note or payment.
    pub id: String,
    /// The document's number, or the reference a payment quoted.
    pub number: Option<String>,
    /// For an allocation, the invoice the money went to; for a credit note, the invoice
    /// it credits.
    pub invoice_number: Option<String>,
    /// What the member owes more (an invoice) or less (a payment, a credit note).
    pub amount: Money,
    /// The amount an allocation moved (not part of the balance).
    pub allocated: Option<Money>,
    /// What the member owes after this entry; negative is money to the member's credit.
    pub balance: Money,
}

/// A member's ledger in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub currency: Currency,
    pub entries: Vec<Entry>,
    /// Open invoices, less credit on account: the last entry's balance.
    pub balance: Money,
    pub outstanding: Money,
    pub on_account: Money,
}

fn number_of(book: &Book, id: &str) -> Option<String> {
    book.invoices
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.number.clone())
}

/// A member's invoices, credit notes, payments and allocations in date order, with the
/// running balance; one account per currency the member was invoiced or paid in.
pub fn member_ledger(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
) -> Result<Vec<Account>, Error> {
    members::get(conn, org, member_id)?;
    let book = Book::load(conn, org)?;
    let paid = payments::states(conn, org, Some(member_id))?;
    accounts(&book, &paid, member_id)
}

/// Ledger entries by currency, each with its order among entries of the same date:
/// documents before money, money before its allocations.
type Raw = BTreeMap<String, Vec<(u8, Entry)>>;

fn entry(
    date: NaiveDate,
    kind: EntryKind,
    id: &str,
    number: Option<String>,
    invoice_number: Option<String>,
    amount: Money,
    allocated: Option<Money>,
) -> Entry {
    Entry {
        date,
        kind,
        id: id.to_owned(),
        number,
        invoice_number,
        amount,
        allocated,
        balance: amount,
    }
}

/// The member's accounts, decided from its documents and payments alone.
fn accounts(book: &Book, paid: &[PaymentState], member_id: &str) -> Result<Vec<Account>, Error> {
    let mut raw = Raw::new();
    document_entries(book, member_id, &mut raw)?;
    for s in paid {
        payment_entries(book, s, &mut raw)?;
    }
    let mut accounts = Vec::with_capacity(raw.len());
    for (currency, list) in raw {
        let currency = currency_of(&currency)?;
        accounts.push(account(book, paid, member_id, currency, list));
    }
    Ok(accounts)
}

fn document_entries(book: &Book, member_id: &str, raw: &mut Raw) -> Result<(), Error> {
    for i in book.invoices.iter().filter(|i| i.member_id == member_id) {
        let currency = currency_of(&i.currency)?;
        let kind = if i.kind == DocumentKind::CreditNote.as_str() {
            EntryKind::CreditNote
        } else {
            EntryKind::Invoice
        };
        let credits = i
            .credits_invoice_id
            .as_deref()
            .and_then(|c| number_of(book, c));
        raw.entry(i.currency.clone()).or_default().push((
            0,
            entry(
                i.invoice_date.unwrap_or_default(),
                kind,
                &i.id,
                i.number.clone(),
                credits,
                Money::from_minor(i.total_minor, currency),
                None,
            ),
        ));
    }
    Ok(())
}

fn payment_entries(book: &Book, s: &PaymentState, raw: &mut Raw) -> Result<(), Error> {
    let p = &s.payment;
    let currency = currency_of(&p.currency)?;
    let money = |m| Money::from_minor(m, currency);
    let kind = if p.reverses_id.is_some() {
        EntryKind::Reversal
    } else {
        EntryKind::Payment
    };
    let list = raw.entry(p.currency.clone()).or_default();
    let paid = entry(
        p.paid_on,
        kind,
        &p.id,
        p.reference.clone(),
        None,
        money(-p.amount_minor),
        None,
    );
    list.push((1, paid));
    for a in &s.allocations {
        list.push(match &a.invoice_id {
            Some(invoice) => (
                2,
                entry(
                    a.allocated_on,
                    EntryKind::Allocation,
                    &p.id,
                    p.reference.clone(),
                    number_of(book, invoice),
                    money(0),
                    Some(money(a.amount_minor)),
                ),
            ),
            // Money paid back raises what the member owes by as much.
            None => (
                3,
                entry(
                    a.allocated_on,
                    EntryKind::Refund,
                    &p.id,
                    p.reference.clone(),
                    None,
                    money(a.amount_minor),
                    None,
                ),
            ),
        });
    }
    Ok(())
}

/// One currency's account: its entries in order with the running balance.
fn account(
    book: &Book,
    paid: &[PaymentState],
    member_id: &str,
    currency: Currency,
    mut list: Vec<(u8, Entry)>,
) -> Account {
    list.sort_by(|(a_rank, a), (b_rank, b)| (a.date, a_rank).cmp(&(b.date, b_rank)));
    let mut balance = 0i64;
    let entries: Vec<Entry> = list
        .into_iter()
        .map(|(_, mut e)| {
            balance += e.amount.to_minor();
            e.balance = Money::from_minor(balance, currency);
            e
        })
        .collect();
    let outstanding: i64 = book
        .invoices
        .iter()
        .filter(|i| i.member_id == member_id && i.currency == currency.as_str())
        .map(|i| book.outstanding(i))
        .sum();
    let on_account: i64 = paid
        .iter()
        .filter(|s| s.payment.currency == currency.as_str())
        .map(PaymentState::unallocated)
        .sum();
    Account {
        currency,
        entries,
        balance: Money::from_minor(balance, currency),
        outstanding: Money::from_minor(outstanding, currency),
        on_account: Money::from_minor(on_account, currency),
    }
}

/// Member names by id, loaded once per report.
struct Names<'c> {
    conn: &'c mut DbConnection,
    org: &'c str,
    known: HashMap<String, Member>,
}

impl<'c> Names<'c> {
    fn new(conn: &'c mut DbConnection, org: &'c str) -> Self {
        Names {
            conn,
            org,
            known: HashMap::new(),
        }
    }

    fn of(&mut self, id: &str) -> Result<&Member, Error> {
        if !self.known.contains_key(id) {
            let member = members::get(self.conn, self.org, id)?;
            self.known.insert(id.to_owned(), member);
        }
        self.known
            .get(id)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("member {id}")))
    }
}

/// Something still open on a day: an invoice not fully paid, or money on a member's
/// account (negative) or waiting to be matched (no member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub member_id: Option<String>,
    pub member_name: Option<String>,
    pub kind: EntryKind,
    pub id: String,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub days_late: i64,
    pub bucket: AgingBucket,
    pub amount: Money,
    pub outstanding: Money,
}

/// Whether an issued invoice still counts as owed: not paid off, credited or written off.
fn open(book: &Book, row: &InvoiceRow) -> bool {
    row.kind == DocumentKind::Invoice.as_str()
        && book.outstanding(row) != 0
        && !book.facts(row).written_off
}

/// The organisation's open items on `on`, by member, oldest first.
pub fn open_items(
    conn: &mut DbConnection,
    org: &str,
    on: NaiveDate,
) -> Result<Vec<OpenItem>, Error> {
    let book = Book::load(conn, org)?;
    let paid = payments::states(conn, org, None)?;
    let mut items = Vec::new();
    let mut names = Names::new(conn, org);
    for row in book.invoices.iter().filter(|r| open(&book, r)) {
        let currency = currency_of(&row.currency)?;
        let due = row.due_date.unwrap_or(on);
        let member = names.of(&row.member_id)?;
        items.push(OpenItem {
            member_id: Some(row.member_id.clone()),
            member_name: Some(member.details.name.clone()),
            kind: EntryKind::Invoice,
            id: row.id.clone(),
            number: row.number.clone(),
            date: row.invoice_date.unwrap_or(on),
            due_date: row.due_date,
            days_late: (on - due).num_days().max(0),
            bucket: aging_bucket(due, on),
            amount: Money::from_minor(row.total_minor, currency),
            outstanding: Money::from_minor(book.outstanding(row), currency),
        });
    }
    for s in paid.iter().filter(|s| s.unallocated() != 0) {
        let p = &s.payment;
        let currency = currency_of(&p.currency)?;
        let name = match &p.member_id {
            Some(m) => Some(names.of(m)?.details.name.clone()),
            None => None,
        };
        items.push(OpenItem {
            member_id: p.member_id.clone(),
            member_name: name,
            kind: EntryKind::Payment,
            id: p.id.clone(),
            number: p.reference.clone(),
            date: p.paid_on,
            due_date: None,
            days_late: 0,
            bucket: AgingBucket::NotDue,
            amount: Money::from_minor(-p.amount_minor, currency),
            outstanding: Money::from_minor(-s.unallocated(), currency),
        });
    }
    items.sort_by(|a, b| {
        (&a.member_name, a.date, &a.number).cmp(&(&b.member_name, b.date, &b.number))
    });
    Ok(items)
}

/// What one member owes in one currency, by how late it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingRow {
    pub member_id: String,
    pub member_name: String,
    pub currency: Currency,
    /// Indexed like [`AgingBucket::ALL`].
    pub buckets: [Money; 5],
    /// Credit on the member's account, as a negative amount.
    pub on_account: Money,
    pub total: Money,
}

/// The aging report on `on`: open invoices by member and bucket (not due, 1–30, 31–60,
/// 61–90, over 90 days late), less credit on account. Unmatched payments belong to nobody
/// yet and are listed by [`open_items`] only.
pub fn aging(conn: &mut DbConnection, org: &str, on: NaiveDate) -> Result<Vec<AgingRow>, Error> {
    let items = open_items(conn, org, on)?;
    let mut rows: BTreeMap<(String, String, Currency), AgingRow> = BTreeMap::new();
    for item in items {
        let (Some(member_id), Some(member_name)) = (item.member_id, item.member_name) else {
            continue;
        };
        let currency = item.outstanding.currency();
        let zero = Money::zero(currency);
        let row = rows
            .entry((member_name.clone(), member_id.clone(), currency))
            .or_insert_with(|| AgingRow {
                member_id,
                member_name,
                currency,
                buckets: [zero; 5],
                on_account: zero,
                total: zero,
            });
        let add = |a: Money, b: Money| Money::from_minor(a.to_minor() + b.to_minor(), currency);
        match item.kind {
            EntryKind::Invoice => {
                let at = AgingBucket::ALL
                    .iter()
                    .position(|b| *b == item.bucket)
                    .unwrap_or(0);
                row.buckets[at] = add(row.buckets[at], item.outstanding);
            }
            _ => row.on_account = add(row.on_account, item.outstanding),
        }
        row.total = add(row.total, item.outstanding);
    }
    Ok(rows.into_values().collect())
}

/// One invoicing year in one currency: what was invoiced that year and what became of it.
/// `invoiced − credited − paid = outstanding + written_off`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRow {
    pub year: i32,
    pub currency: Currency,
    pub invoices: usize,
    pub invoiced: Money,
    pub credited: Money,
    pub paid: Money,
    pub written_off: Money,
    pub outstanding: Money,
}

/// Totals per invoice year (of the invoice date) and currency, oldest first.
pub fn years(conn: &mut DbConnection, org: &str) -> Result<Vec<YearRow>, Error> {
    let book = Book::load(conn, org)?;
    let mut rows: BTreeMap<(i32, Currency), YearRow> = BTreeMap::new();
    for row in book
        .invoices
        .iter()
        .filter(|r| r.kind == DocumentKind::Invoice.as_str())
    {
        let currency = currency_of(&row.currency)?;
        let year = row.invoice_date.map_or(0, |d| d.year());
        let zero = Money::zero(currency);
        let y = rows.entry((year, currency)).or_insert(YearRow {
            year,
            currency,
            invoices: 0,
            invoiced: zero,
            credited: zero,
            paid: zero,
            written_off: zero,
            outstanding: zero,
        });
        let add = |a: Money, minor: i64| Money::from_minor(a.to_minor() + minor, currency);
        let owed = book.outstanding(row);
        y.invoices += 1;
        y.invoiced = add(y.invoiced, row.total_minor);
        y.credited = add(y.credited, book.credited(&row.id));
        y.paid = add(y.paid, book.paid(&row.id));
        if book.facts(row).written_off {
            y.written_off = add(y.written_off, owed);
        } else {
            y.outstanding = add(y.outstanding, owed);
        }
    }
    Ok(rows.into_values().collect())
}

/// The reports' formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["json", "csv", "xlsx"];

    pub fn parse(raw: Option<&str>) -> Result<Self, Invalid> {
        match raw.map(str::trim) {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            Some(_) => Err(Invalid::OneOf {
                allowed: Self::NAMES,
            }),
        }
    }
}

/// The language of a file's headings: as asked, else the organisation's.
pub fn language(
    conn: &mut DbConnection,
    org: &str,
    asked: Option<Language>,
) -> Result<Language, Error> {
    match asked {
        Some(l) => Ok(l),
        None => Ok(super::invoicing::organisation(conn, org)?
            .details
            .country
            .language()),
    }
}
