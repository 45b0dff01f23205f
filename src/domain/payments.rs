//! Where an incoming payment's money goes when nobody says: to the invoice whose payment
//! reference (OCR number, KID) it quotes, for at most what that invoice still owes; a
//! reminder's reference pays its charges, then the invoices it listed. What is left stays
//! with the member (an overpayment) or, when nobody is known, waits unmatched.
//!
//! Pure: the open items come in, the decisions go out, and each decision lowers what the
//! items owe, so the payments of one bank file are matched one after the other exactly as
//! if each had been registered on its own.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::Currency;

/// An issued invoice as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payable {
    pub id: String,
    pub member_id: String,
    pub currency: Currency,
    /// What it still owes, in minor units (never below zero for matching).
    pub outstanding: i64,
    /// Listed invoices are paid in the order of their due dates, then numbers.
    pub due_date: Option<NaiveDate>,
    pub number: Option<String>,
}

/// Where one payment's money went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settlement {
    /// The member the payment belongs to: the matched invoice's, else the one given.
    pub member_id: Option<String>,
    /// (invoice id, minor units), in the order they were paid.
    pub allocations: Vec<(String, i64)>,
}

/// The invoices payments may pay, found by their payment references, with what each still
/// owes as payments are settled.
#[derive(Debug, Clone, Default)]
pub struct OpenItems {
    payables: HashMap<String, Payable>,
    /// Payment reference → invoice id; credit notes are never quoted.
    by_reference: HashMap<String, String>,
    /// A reminder's charge invoice → the invoices that reminder listed.
    listed_with: HashMap<String, Vec<String>>,
}

impl OpenItems {
    pub fn new() -> Self {
        Self::default()
    }

    /// An issued invoice; `reference` only when a payment may quote it (an invoice, not a
    /// credit note). The first invoice given for a reference keeps it.
    pub fn add(&mut self, reference: Option<String>, payable: Payable) {
        if let Some(r) = reference {
            self.by_reference
                .entry(r)
                .or_insert_with(|| payable.id.clone());
        }
        self.payables.insert(payable.id.clone(), payable);
    }

    /// A reminder whose charges are the invoice `charge_invoice`, and the invoices it
    /// listed. The first reminder given for a charge invoice keeps it.
    pub fn add_reminder(&mut self, charge_invoice: String, listed: Vec<String>) {
        self.listed_with.entry(charge_invoice).or_insert(listed);
    }

    /// What an invoice still owes, if it is among the items.
    pub fn outstanding(&self, invoice: &str) -> Option<i64> {
        self.payables.get(invoice).map(|p| p.outstanding)
    }

    /// Settles a payment of `amount` minor units quoting `reference`, from `member` when that
    /// is known without the reference. A reference of another member's invoice, or in another
    /// currency, matches nothing: it is left for a person to look at.
    pub fn settle(
        &mut self,
        reference: Option<&str>,
        currency: Currency,
        amount: i64,
        member: Option<&str>,
    ) -> Settlement {
        let unmatched = Settlement {
            member_id: member.map(str::to_owned),
            allocations: Vec::new(),
        };
        let Some(invoice) = reference
            .and_then(|r| self.by_reference.get(r))
            .and_then(|id| self.payables.get(id))
            .filter(|p| p.currency == currency)
        else {
            return unmatched;
        };
        if member.is_some_and(|m| m != invoice.member_id) {
            return unmatched;
        }
        let member_id = invoice.member_id.clone();
        let mut queue = vec![invoice.id.clone()];
        if let Some(listed) = self.listed_with.get(&invoice.id) {
            let mut listed: Vec<&Payable> = listed
                .iter()
                .filter_map(|id| self.payables.get(id))
                .collect();
            listed.sort_by(|a, b| (a.due_date, &a.number).cmp(&(b.due_date, &b.number)));
            queue.extend(listed.into_iter().map(|p| p.id.clone()));
        }
        let mut left = amount;
        let mut allocations = Vec::new();
        for id in queue {
            let Some(target) = self.payables.get_mut(&id) else {
                continue;
            };
            let take = target.outstanding.max(0).min(left);
            if take > 0 {
                left -= take;
                target.outstanding -= take;
                allocations.push((id, take));
            }
        }
        Settlement {
            member_id: Some(member_id),
            allocations,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::test_support::date;

    fn payable(id: &str, member: &str, owed: i64, due: u32) -> Payable {
        Payable {
            id: id.into(),
            member_id: member.into(),
            currency: Currency::Sek,
            outstanding: owed,
            due_date: Some(date(2027, 3, due)),
            number: Some(format!("NAV-2027-{id}")),
        }
    }

    fn items() -> OpenItems {
        let mut items = OpenItems::new();
        items.add(Some("1001".into()), payable("a", "borås", 10_000, 1));
        items.add(Some("1002".into()), payable("b", "mark", 5_000, 1));
        items
    }

    #[test]
    fn a_payment_pays_the_invoice_it_quotes_and_keeps_the_rest_on_account() {
        let mut items = items();
        let s = items.settle(Some("1001"), Currency::Sek, 4_000, None);
        assert_eq!(s.member_id.as_deref(), Some("borås"));
        assert_eq!(s.allocations, [("a".to_owned(), 4_000)]);
        // The next payment of the same invoice sees what the first one left.
        let s = items.settle(Some("1001"), Currency::Sek, 9_000, None);
        assert_eq!(s.allocations, [("a".to_owned(), 6_000)]);
        assert_eq!(items.outstanding("a"), Some(0));
        // Paid in full: a third payment is all on account.
        let s = items.settle(Some("1001"), Currency::Sek, 100, None);
        assert_eq!(s.member_id.as_deref(), Some("borås"));
        assert!(s.allocations.is_empty());
    }

    #[test]
    fn unknown_references_other_currencies_and_other_members_match_nothing() {
        let mut items = items();
        for (reference, currency, member) in [
            (Some("9999"), Currency::Sek, None),
            (None, Currency::Sek, None),
            (Some("1001"), Currency::Eur, None),
            (Some("1001"), Currency::Sek, Some("mark")),
        ] {
            let s = items.settle(reference, currency, 1_000, member);
            assert_eq!(s.member_id.as_deref(), member);
            assert!(s.allocations.is_empty(), "{reference:?}");
        }
        assert_eq!(items.outstanding("a"), Some(10_000));
    }

    #[test]
    fn a_reminders_reference_pays_its_charges_then_the_listed_invoices_by_due_date() {
        let mut items = items();
        items.add(Some("1003".into()), payable("late", "borås", 3_000, 20));
        items.add(Some("2001".into()), payable("charges", "borås", 500, 28));
        items.add_reminder("charges".into(), vec!["late".into(), "a".into()]);
        let s = items.settle(Some("2001"), Currency::Sek, 11_000, None);
        assert_eq!(
            s.allocations,
            [
                ("charges".to_owned(), 500),
                ("a".to_owned(), 10_000),
                ("late".to_owned(), 500)
            ]
        );
    }

    proptest! {
        /// However payments fall on an invoice, it is never paid more than it owed, and each
        /// payment's allocations never exceed the payment.
        #[test]
        fn nothing_is_paid_twice(amounts in prop::collection::vec(1_i64..20_000, 1..20)) {
            let mut items = items();
            let mut paid = 0;
            for amount in amounts {
                let s = items.settle(Some("1001"), Currency::Sek, amount, None);
                let allocated: i64 = s.allocations.iter().map(|a| a.1).sum();
                prop_assert!(allocated <= amount);
                paid += allocated;
            }
            prop_assert!(paid <= 10_000);
            prop_assert_eq!(items.outstanding("a"), Some(10_000 - paid));
        }
    }
}
