//! Where an invoice stands by what has happened to it, and how late an open item is.

use chrono::NaiveDate;

use crate::domain::money::Money;

vocabulary! {
    /// Where an invoice stands, derived from what has happened to it; never typed in.
    InvoiceStatus {
        Draft = "draft",
        Issued = "issued",
        Sent = "sent",
        PartiallyPaid = "partially_paid",
        Paid = "paid",
        Overdue = "overdue",
        Credited = "credited",
        WrittenOff = "written_off",
    }
}

/// What is recorded about an invoice, from which its status follows. All amounts are in the
/// invoice's currency (that of `total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvoiceFacts {
    pub issued: bool,
    pub sent: bool,
    /// Including VAT: what the buyer owes.
    pub total: Money,
    /// The sum of credit notes against the invoice, positive.
    pub credited: Money,
    /// Net payments allocated to the invoice, positive.
    pub paid: Money,
    pub written_off: bool,
    pub due_date: NaiveDate,
}

impl InvoiceFacts {
    /// Total − credited − paid; negative when overpaid. Saturates rather than overflow,
    /// which no real invoice comes near.
    pub fn outstanding(&self) -> Money {
        let minor = self
            .total
            .to_minor()
            .saturating_sub(self.credited.to_minor())
            .saturating_sub(self.paid.to_minor());
        Money::from_minor(minor, self.total.currency())
    }

    /// The status on `today`. The first rule that holds decides: not issued → draft;
    /// written off; credited in full; nothing outstanding → paid; past the due date →
    /// overdue; something paid → partially paid; sent; otherwise issued.
    pub fn status(&self, today: NaiveDate) -> InvoiceStatus {
        let credited = self.credited.to_minor();
        if !self.issued {
            InvoiceStatus::Draft
        } else if self.written_off {
            InvoiceStatus::WrittenOff
        } else if credited > 0 && credited >= self.total.to_minor() {
            InvoiceStatus::Credited
        } else if self.outstanding().to_minor() <= 0 {
            InvoiceStatus::Paid
        } else if today > self.due_date {
            InvoiceStatus::Overdue
        } else if self.paid.to_minor() > 0 {
            InvoiceStatus::PartiallyPaid
        } else if self.sent {
            InvoiceStatus::Sent
        } else {
            InvoiceStatus::Issued
        }
    }
}

// ---------------------------------------------------------------------------------------
// Aging
// ---------------------------------------------------------------------------------------

vocabulary! {
    /// How late an open item is, in the brackets of an aging report.
    AgingBucket {
        NotDue = "not_due",
        Days1To30 = "1-30",
        Days31To60 = "31-60",
        Days61To90 = "61-90",
        Over90 = "over_90",
    }
}

/// The bucket for an item due on `due_date`, seen on `on`: days late = `on − due_date`.
pub fn aging_bucket(due_date: NaiveDate, on: NaiveDate) -> AgingBucket {
    match (on - due_date).num_days() {
        i64::MIN..=0 => AgingBucket::NotDue,
        1..=30 => AgingBucket::Days1To30,
        31..=60 => AgingBucket::Days31To60,
        61..=90 => AgingBucket::Days61To90,
        _ => AgingBucket::Over90,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::domain::test_support::{date, sek};

    fn days(n: i64) -> chrono::Duration {
        chrono::Duration::days(n)
    }

    // --- Status --------------------------------------------------------------------------

    fn open_invoice() -> InvoiceFacts {
        InvoiceFacts {
            issued: true,
            sent: false,
            total: sek("1000"),
            credited: sek("0"),
            paid: sek("0"),
            written_off: false,
            due_date: date(2026, 3, 31),
        }
    }

    fn before_due() -> NaiveDate {
        date(2026, 3, 1)
    }

    fn after_due() -> NaiveDate {
        date(2026, 4, 1)
    }

    #[test]
    fn outstanding_is_total_less_credits_and_payments() {
        let facts = InvoiceFacts {
            credited: sek("100"),
            paid: sek("250.50"),
            ..open_invoice()
        };
        assert_eq!(facts.outstanding(), sek("649.50"));
        let overpaid = InvoiceFacts {
            paid: sek("1200"),
            ..open_invoice()
        };
        assert_eq!(overpaid.outstanding(), sek("-200"));
    }

    #[test]
    fn status_of_each_stage() {
        let today = before_due();
        let draft = InvoiceFacts {
            issued: false,
            ..open_invoice()
        };
        assert_eq!(draft.status(today), InvoiceStatus::Draft);
        assert_eq!(open_invoice().status(today), InvoiceStatus::Issued);
        let sent = InvoiceFacts {
            sent: true,
            ..open_invoice()
        };
        assert_eq!(sent.status(today), InvoiceStatus::Sent);
        let partly = InvoiceFacts {
            sent: true,
            paid: sek("400"),
            ..open_invoice()
        };
        assert_eq!(partly.status(today), InvoiceStatus::PartiallyPaid);
        assert_eq!(sent.status(after_due()), InvoiceStatus::Overdue);
        let paid = InvoiceFacts {
            paid: sek("1000"),
            ..sent
        };
        assert_eq!(paid.status(today), InvoiceStatus::Paid);
        let credited = InvoiceFacts {
            credited: sek("1000"),
            ..sent
        };
        assert_eq!(credited.status(today), InvoiceStatus::Credited);
        let written_off = InvoiceFacts {
            written_off: true,
            ..sent
        };
        assert_eq!(written_off.status(today), InvoiceStatus::WrittenOff);
    }

    #[test]
    fn the_due_date_itself_is_not_overdue() {
        let facts = open_invoice();
        assert_eq!(facts.status(date(2026, 3, 31)), InvoiceStatus::Issued);
        assert_eq!(facts.status(date(2026, 4, 1)), InvoiceStatus::Overdue);
    }

    #[test]
    fn status_precedence() {
        // A draft is a draft whatever else is recorded.
        let everything = InvoiceFacts {
            issued: false,
            sent: true,
            credited: sek("1000"),
            paid: sek("1000"),
            written_off: true,
            ..open_invoice()
        };
        assert_eq!(everything.status(after_due()), InvoiceStatus::Draft);
        // Written off outranks credited.
        let issued = InvoiceFacts {
            issued: true,
            ..everything
        };
        assert_eq!(issued.status(after_due()), InvoiceStatus::WrittenOff);
        // Credited in full outranks paid.
        let not_written_off = InvoiceFacts {
            written_off: false,
            ..issued
        };
        assert_eq!(not_written_off.status(after_due()), InvoiceStatus::Credited);
        // Over-credited is credited too.
        let over = InvoiceFacts {
            credited: sek("1500"),
            paid: sek("0"),
            ..not_written_off
        };
        assert_eq!(over.status(before_due()), InvoiceStatus::Credited);
        // Partly credited and the rest paid: paid, not credited.
        let mixed = InvoiceFacts {
            credited: sek("300"),
            paid: sek("700"),
            ..open_invoice()
        };
        assert_eq!(mixed.status(after_due()), InvoiceStatus::Paid);
        // Partly credited, nothing paid, late: overdue.
        let partly_credited = InvoiceFacts {
            credited: sek("300"),
            ..open_invoice()
        };
        assert_eq!(partly_credited.status(after_due()), InvoiceStatus::Overdue);
        assert_eq!(partly_credited.status(before_due()), InvoiceStatus::Issued);
        // Paid in part and late: overdue outranks partially paid.
        let partly_paid = InvoiceFacts {
            paid: sek("1"),
            sent: true,
            ..open_invoice()
        };
        assert_eq!(partly_paid.status(after_due()), InvoiceStatus::Overdue);
        // Overpaid is paid, even late.
        let overpaid = InvoiceFacts {
            paid: sek("1001"),
            ..open_invoice()
        };
        assert_eq!(overpaid.status(after_due()), InvoiceStatus::Paid);
    }

    #[test]
    fn a_zero_invoice_is_paid_not_credited() {
        let zero = InvoiceFacts {
            total: sek("0"),
            ..open_invoice()
        };
        assert_eq!(zero.status(after_due()), InvoiceStatus::Paid);
    }

    // --- Aging ---------------------------------------------------------------------------

    #[test]
    fn aging_bucket_boundaries() {
        let due = date(2026, 3, 31);
        let cases = [
            (-400, AgingBucket::NotDue),
            (0, AgingBucket::NotDue),
            (1, AgingBucket::Days1To30),
            (30, AgingBucket::Days1To30),
            (31, AgingBucket::Days31To60),
            (60, AgingBucket::Days31To60),
            (61, AgingBucket::Days61To90),
            (90, AgingBucket::Days61To90),
            (91, AgingBucket::Over90),
            (5000, AgingBucket::Over90),
        ];
        for (late, bucket) in cases {
            assert_eq!(aging_bucket(due, due + days(late)), bucket, "{late} days");
        }
    }
}
