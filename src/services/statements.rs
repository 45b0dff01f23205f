//! Account statements (kontoutdrag): every open invoice of a member on a day, with what
//! was paid or credited of it, the member's payments not yet set against an invoice (its
//! credit) and the balance, issued as a stored PDF per currency and sent like any document.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::Currency;
use crate::domain::documents::{Buyer, DocumentKind, ItemKind, OpenItem, StatementDocument};
use crate::domain::money::Money;
use crate::error::Error;
use crate::pdf::context;
use crate::services::documents::seller;
use crate::services::invoicing::{Book, Issuer};
use crate::services::mail::StatementFacts;
use crate::services::payments;
use crate::storage::{DbConnection, members};

/// One statement issued: its stored PDF and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub document_id: String,
    pub currency: Currency,
    pub items: usize,
    pub facts: StatementFacts,
}

/// Issues a member's statement on `on`: one per currency it has open invoices or money on
/// account in (one in its own currency, saying nothing is open, when it has neither).
pub fn issue(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    member_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Vec<Issued>, Error> {
    let org = issuer.org().to_owned();
    let member = members::get(conn, &org, member_id)?;
    let book = Book::load(conn, &org)?;
    let mut by_currency: BTreeMap<Currency, Vec<OpenItem>> = BTreeMap::new();
    for row in book.invoices.iter().filter(|r| {
        r.member_id == member.id
            && r.kind == DocumentKind::Invoice.as_str()
            && r.invoice_date.is_some_and(|d| d <= on)
            && book.outstanding(r) != 0
            && !book.facts(r).written_off
    }) {
        let currency = row.currency()?;
        let outstanding = book.outstanding(row);
        by_currency.entry(currency).or_default().push(OpenItem {
            kind: ItemKind::Document(DocumentKind::Invoice),
            number: row.number.clone().unwrap_or_default(),
            date: row.invoice_date.unwrap_or(on),
            due_date: row.due_date,
            amount: Money::from_minor(row.total_minor, currency),
            paid: Money::from_minor(row.total_minor - outstanding, currency),
        });
    }
    for state in payments::states(conn, &org, Some(&member.id))?
        .iter()
        .filter(|s| s.unallocated() != 0 && s.payment.paid_on <= on)
    {
        let p = &state.payment;
        let currency = Currency::parse(&p.currency)
            .map_err(|_| Error::Internal(anyhow::anyhow!("stored payment currency")))?;
        by_currency.entry(currency).or_default().push(OpenItem {
            kind: ItemKind::Payment,
            number: p.reference.clone().unwrap_or_default(),
            date: p.paid_on,
            due_date: None,
            amount: Money::from_minor(-p.amount_minor, currency),
            paid: Money::from_minor(-state.allocated(), currency),
        });
    }
    if by_currency.is_empty() {
        by_currency.insert(member.details.currency, Vec::new());
    }
    let mut out = Vec::with_capacity(by_currency.len());
    for (currency, mut items) in by_currency {
        items.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
        let document = StatementDocument {
            language: member.details.language,
            date: on,
            seller: seller(&issuer.organisation),
            buyer: Buyer::of(&member.details),
            currency,
            items,
        };
        let document_id = issuer.store_pdf(
            conn,
            &context::statement(&document),
            DocumentKind::Statement,
            &member.id,
            None,
            actor,
        )?;
        out.push(Issued {
            document_id,
            currency,
            items: document.items.len(),
            facts: StatementFacts {
                date: on,
                balance: document.balance(),
                overdue: document.overdue(),
            },
        });
    }
    Ok(out)
}
