//! Where a payment stands: what of it is allocated to invoices, refunded, or reversed.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::invoicing::{self as store, AllocationRow, PaymentRow};

/// A payment with where its money went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentState {
    pub payment: PaymentRow,
    pub allocations: Vec<AllocationRow>,
    /// The reversal of this payment, if it was reversed.
    pub reversed_by: Option<String>,
}
impl PaymentState {
    pub fn allocated(&self) -> i64 {
        self.allocations.iter().map(|a| a.amount_minor).sum()
    }

    /// Money not yet allocated or paid back: the member's credit, or an unmatched payment.
    pub fn unallocated(&self) -> i64 {
        if self.reversed_by.is_some() || self.payment.reverses_id.is_some() {
            return 0;
        }
        self.payment.amount_minor - self.allocated()
    }

    pub fn status(&self) -> &'static str {
        if self.payment.reverses_id.is_some() {
            "reversal"
        } else if self.reversed_by.is_some() {
            "reversed"
        } else if self.unallocated() == 0 {
            "allocated"
        } else if self.payment.member_id.is_none() {
            "unmatched"
        } else {
            "on_account"
        }
    }
}
/// The payments of an organisation with their allocations, oldest first.
pub fn states(
    conn: &mut DbConnection,
    org: &str,
    member: Option<&str>,
) -> Result<Vec<PaymentState>, Error> {
    let payments = store::payments(conn, org, None)?;
    let mut allocations: BTreeMap<String, Vec<AllocationRow>> = BTreeMap::new();
    for a in store::allocations(conn, org)? {
        allocations.entry(a.payment_id.clone()).or_default().push(a);
    }
    let reversed: BTreeMap<String, String> = payments
        .iter()
        .filter_map(|p| p.reverses_id.clone().map(|r| (r, p.id.clone())))
        .collect();
    Ok(payments
        .into_iter()
        .filter(|p| member.is_none() || p.member_id.as_deref() == member)
        .map(|p| PaymentState {
            allocations: allocations.remove(&p.id).unwrap_or_default(),
            reversed_by: reversed.get(&p.id).cloned(),
            payment: p,
        })
        .collect())
}
pub fn state(conn: &mut DbConnection, org: &str, id: &str) -> Result<PaymentState, Error> {
    store::payment(conn, org, id)?;
    states(conn, org, None)?
        .into_iter()
        .find(|s| s.payment.id == id)
        .ok_or(Error::NotFound("payment"))
}
