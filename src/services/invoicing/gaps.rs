//! What an invoice would lack or get wrong, pointed out before it is issued.

use super::proposal::{Proposal, RunRequest};
use super::propose::{Skipped, propose};
use super::settings::organisation;
use crate::domain::MemberKind;
use crate::domain::contribution::VatTreatment;
use crate::domain::invoicing::{BuyerFacts, Invoice, InvoiceGap, invoice_gaps};
use crate::domain::member::Member;
use crate::domain::organisation::Organisation;
use crate::email::templates::MessageKind;
use crate::error::Error;
use crate::storage::{DbConnection, members};

/// What each invoice of a proposal would lack or get wrong (see [`invoice_gaps`]): the
/// invoice address, the reference public buyers require, an e-invoice receiver, someone to
/// email it to (the member's, looked up once), and VAT charged to a buyer abroad that no
/// line chose to charge there.
pub fn gaps(
    conn: &mut DbConnection,
    seller: &Organisation,
    member: &Member,
    invoices: &[Invoice],
) -> Result<Vec<Vec<InvoiceGap>>, Error> {
    let d = &member.details;
    let recipients =
        crate::services::mail::recipients(conn, &seller.id, member, MessageKind::Invoice)?;
    let facts = BuyerFacts {
        foreign_with_vat: false,
        public: matches!(
            d.kind,
            MemberKind::Municipality | MemberKind::Region | MemberKind::University
        ),
        billing_address: d.billing_address.is_some(),
        buyer_reference: d
            .buyer_reference
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty()),
        einvoice_address: d.peppol.is_some() || d.org_number.is_some(),
        invoice_recipient: !recipients.is_empty(),
    };
    let abroad = d.country != seller.details.country;
    Ok(invoices
        .iter()
        .map(|i| {
            invoice_gaps(BuyerFacts {
                // A rate charged abroad by choice (the supply is taxed where the seller
                // is) is no mistake to point out.
                foreign_with_vat: abroad
                    && i.lines
                        .iter()
                        .any(|l| matches!(l.vat, VatTreatment::Rate(_)) && !l.domestic_vat_abroad),
                ..facts
            })
        })
        .collect())
}

/// A proposal with what each of its invoices would lack or get wrong.
pub type ProposalGaps = (Proposal, Vec<Vec<InvoiceGap>>);

/// What a run would invoice, changing nothing (see [`propose`]), each proposal with its
/// gaps, and the agreements that could not be calculated.
pub fn dry_run(
    conn: &mut DbConnection,
    org: &str,
    req: &RunRequest,
) -> Result<(Vec<ProposalGaps>, Vec<Skipped>), Error> {
    let (proposals, skipped) = propose(conn, org, req)?;
    let seller = organisation(conn, org)?;
    let proposals = proposals
        .into_iter()
        .map(|p| {
            let member = members::get(conn, org, &p.member_id)?;
            let gaps = gaps(conn, &seller, &member, &p.invoices)?;
            Ok((p, gaps))
        })
        .collect::<Result<_, Error>>()?;
    Ok((proposals, skipped))
}
