//! What a reminder charges on an overdue invoice: interest since the last reminder and
//! förseningsersättning once.

use chrono::NaiveDate;

use super::*;
use crate::domain::money::Money;

/// The component of a charge invoice's line that carries the påminnelseavgift; the
/// interest and compensation lines carry `interest:` and `compensation:` with the invoice
/// they are charged on.
pub const FEE_COMPONENT: &str = "reminder_fee";

/// Whether a line's component is a reminder's charge (interest, compensation, fee): damages
/// for late payment, not a supply.
pub fn is_reminder_charge(component: &str) -> bool {
    component == FEE_COMPONENT
        || component.starts_with("interest:")
        || component.starts_with("compensation:")
}

/// One overdue invoice as a reminder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueInvoice {
    /// What was owed at the due date: the total less what credit notes took off.
    pub principal: Money,
    pub due_date: NaiveDate,
    /// Payments allocated to it, by date; reversals are negative.
    pub payments: Vec<(NaiveDate, Money)>,
    /// Interest earlier reminders already charged on it.
    pub interest_charged: Money,
    pub compensation_charged: bool,
    /// Interest and compensation themselves bear no interest (no ränta på ränta).
    pub bears_interest: bool,
}

/// What one reminder run charges on one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderCharge {
    /// Interest accrued from the due date until the reminder's date.
    pub interest_to_date: Money,
    /// What this reminder charges of it: the accrued interest less earlier charges.
    pub interest: Money,
    pub compensation: Money,
}

/// How a reminder run charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRules<'a> {
    pub date: NaiveDate,
    pub rates: &'a [ReferenceRate],
    pub charge_interest: bool,
    /// The förseningsersättning, when the run charges it and the debtor is a business or
    /// a public authority.
    pub compensation: Option<Money>,
}

/// The interest and compensation a reminder dated `rules.date` charges on an invoice.
/// Interest accrues per day on what stays unpaid ([`late_interest`]); each reminder charges
/// what accrued since the last, so the sum of all charges is the interest to date. The
/// compensation is due once per invoice, and only when interest is due.
pub fn reminder_charge(
    invoice: &OverdueInvoice,
    rules: &ReminderRules<'_>,
) -> Result<ReminderCharge, InterestError> {
    let currency = invoice.principal.currency();
    let zero = Money::zero(currency);
    if !invoice.bears_interest {
        return Ok(ReminderCharge {
            interest_to_date: zero,
            interest: zero,
            compensation: zero,
        });
    }
    let accrued = late_interest(
        invoice.principal,
        invoice.due_date,
        &invoice.payments,
        rules.date,
        rules.rates,
        STATUTORY_MARGIN,
    )?
    .total;
    let interest = if rules.charge_interest {
        Money::from_minor(
            (accrued.to_minor() - invoice.interest_charged.to_minor()).max(0),
            currency,
        )
    } else {
        zero
    };
    let compensation = match rules.compensation {
        Some(c) if !invoice.compensation_charged && accrued.to_minor() > 0 => {
            if c.currency() != currency {
                return Err(InterestError::CurrencyMismatch);
            }
            c
        }
        _ => zero,
    };
    Ok(ReminderCharge {
        interest_to_date: accrued,
        interest,
        compensation,
    })
}

#[cfg(test)]
mod tests {

    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::test_support::{date, sek};

    fn overdue(principal: &str, due: NaiveDate) -> OverdueInvoice {
        OverdueInvoice {
            principal: sek(principal),
            due_date: due,
            payments: Vec::new(),
            interest_charged: Money::zero(Currency::Sek),
            compensation_charged: false,
            bears_interest: true,
        }
    }

    fn ten_percent() -> Vec<ReferenceRate> {
        vec![ReferenceRate {
            from: date(2026, 1, 1),
            percent: Decimal::new(2, 0),
        }]
    }

    #[test]
    fn a_first_reminder_charges_interest_to_date_and_the_compensation() {
        let rates = ten_percent();
        let rules = ReminderRules {
            date: date(2026, 10, 17),
            rates: &rates,
            charge_interest: true,
            compensation: Some(Money::from_minor(LATE_COMPENSATION_SEK, Currency::Sek)),
        };
        // 10 000 kr due 2 April, 198 days at 2 + 8 %: 10 000 × 0.10 × 198 / 365 = 542.47.
        let charge = reminder_charge(&overdue("10000", date(2026, 4, 2)), &rules).unwrap();
        assert_eq!(charge.interest_to_date, sek("542.47"));
        assert_eq!(charge.interest, sek("542.47"));
        assert_eq!(charge.compensation, sek("450"));
    }

    #[test]
    fn a_second_reminder_charges_only_what_accrued_since_and_no_second_compensation() {
        let rates = ten_percent();
        let mut invoice = overdue("10000", date(2026, 4, 2));
        invoice.interest_charged = sek("542.47");
        invoice.compensation_charged = true;
        let rules = ReminderRules {
            date: date(2026, 11, 16),
            rates: &rates,
            charge_interest: true,
            compensation: Some(sek("450")),
        };
        let charge = reminder_charge(&invoice, &rules).unwrap();
        // 228 days: 624.66 in all, 82.19 of it new (30 days).
        assert_eq!(charge.interest_to_date, sek("624.66"));
        assert_eq!(charge.interest, sek("82.19"));
        assert_eq!(charge.compensation, sek("0"));
    }

    #[test]
    fn charges_on_charges_and_runs_without_interest() {
        let rates = ten_percent();
        let mut invoice = overdue("542.47", date(2026, 4, 2));
        let rules = ReminderRules {
            date: date(2026, 10, 17),
            rates: &rates,
            charge_interest: true,
            compensation: Some(sek("450")),
        };
        invoice.bears_interest = false;
        let none = reminder_charge(&invoice, &rules).unwrap();
        assert!(none.interest.is_zero() && none.compensation.is_zero());

        // Interest not charged, but due: the compensation still is.
        let invoice = overdue("10000", date(2026, 4, 2));
        let rules = ReminderRules {
            charge_interest: false,
            ..rules
        };
        let charge = reminder_charge(&invoice, &rules).unwrap();
        assert!(charge.interest.is_zero());
        assert_eq!(charge.compensation, sek("450"));

        // Paid before the due date in full: nothing accrued, so no compensation either.
        let mut paid = overdue("10000", date(2026, 4, 2));
        paid.payments = vec![(date(2026, 4, 1), sek("10000"))];
        let charge = reminder_charge(&paid, &rules).unwrap();
        assert!(charge.interest_to_date.is_zero() && charge.compensation.is_zero());
    }

    #[test]
    fn a_reminder_needs_the_rates_of_its_days() {
        let rules = ReminderRules {
            date: date(2026, 10, 17),
            rates: &[],
            charge_interest: true,
            compensation: None,
        };
        assert_eq!(
            reminder_charge(&overdue("100", date(2026, 4, 2)), &rules),
            Err(InterestError::NoReferenceRate {
                on: date(2026, 4, 3)
            })
        );
    }
}
