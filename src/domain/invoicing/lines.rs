//! What each invoice the plan makes due bills: an instalment's part of each fixed
//! component ([`instalment_part`]), and of the variable part what the year's statement
//! comes to up to the invoice's cut-off less what earlier invoices billed, so that caps,
//! quotas and late usage come out right and nothing is billed twice. Pure: the statement's
//! amounts and what was billed come in, the amounts to invoice go out; the services name
//! and word the lines.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{Instalment, instalment_part_among};
use crate::domain::money::Money;

/// A component of a statement as the plan bills it: its key (as invoice lines record it),
/// its amount for the year (fixed) or up to a cut-off (variable), and the quantity and unit
/// price behind the amount when it is exactly their product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billable {
    pub key: String,
    pub amount: Money,
    pub per_unit: Option<(Decimal, Money)>,
}

/// One amount to invoice: the component (its index among those given) and how much; with
/// the quantity and unit price when the line bills the whole of an ordered quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub index: usize,
    pub amount: Money,
    pub per_unit: Option<(Decimal, Money)>,
}

/// What issued documents billed of a fee year, per component key, kept up to date as the
/// plan bills more: the fixed part by invoices alone (a credit note corrects an invoice, it
/// does not move its amount to the next instalment), the variable part by invoices and
/// credit notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Billed {
    fixed: HashMap<String, i64>,
    variable: HashMap<String, i64>,
}

impl Billed {
    /// From the lines of the year's issued documents: (component key, whether of a credit
    /// note, amount in öre). Fixed components' keys start with `fixed:`.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = (&'a str, bool, i64)>) -> Self {
        let mut billed = Self::default();
        for (key, credit_note, minor) in lines {
            let fixed = key.starts_with("fixed:");
            if fixed && credit_note {
                continue;
            }
            let sums = if fixed {
                &mut billed.fixed
            } else {
                &mut billed.variable
            };
            *sums.entry(key.to_owned()).or_default() += minor;
        }
        billed
    }

    /// An instalment's part of each fixed component with something to bill, and whether
    /// any was re-split because the year's amount changed after earlier instalments;
    /// `billed` numbers the year's instalments already billed, in whatever order.
    pub fn instalment(
        &mut self,
        inst: &Instalment,
        fixed: &[Billable],
        billed: &[u32],
    ) -> (Vec<Charge>, bool) {
        let mut resplit = false;
        let mut charges = Vec::new();
        for (index, c) in fixed.iter().enumerate() {
            let before = self.fixed.entry(c.key.clone()).or_default();
            let part = instalment_part_among(
                c.amount,
                Money::from_minor(*before, c.amount.currency()),
                inst,
                billed,
            );
            *before += part.amount.to_minor();
            resplit |= part.resplit;
            if !part.amount.is_zero() {
                charges.push(Charge {
                    index,
                    amount: part.amount,
                    per_unit: None,
                });
            }
        }
        (charges, resplit)
    }

    /// What the variable part of the year has been billed so far, in öre: the state a run
    /// computes its next variable charges from.
    pub fn variable_total(&self) -> i64 {
        self.variable.values().sum()
    }

    /// The variable part up to a cut-off: what each component comes to then less what was
    /// billed of it before. The quantity and price stay on a line that bills the whole of
    /// a component for the first time.
    pub fn variable(&mut self, through: &[Billable]) -> Vec<Charge> {
        let mut charges = Vec::new();
        for (index, c) in through.iter().enumerate() {
            let before = self.variable.entry(c.key.clone()).or_default();
            let delta = c.amount.to_minor() - *before;
            if delta == 0 {
                continue;
            }
            let first = *before == 0;
            *before += delta;
            let amount = Money::from_minor(delta, c.amount.currency());
            charges.push(Charge {
                index,
                amount,
                per_unit: c
                    .per_unit
                    .filter(|(q, p)| first && *q * p.amount() == amount.amount()),
            });
        }
        charges
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::invoicing::{BillingPlan, Schedule, instalments};
    use crate::domain::test_support::{d, date, sek};

    fn billable(key: &str, amount: &str, per_unit: Option<(&str, &str)>) -> Billable {
        Billable {
            key: key.into(),
            amount: sek(amount),
            per_unit: per_unit.map(|(q, p)| (d(q), sek(p))),
        }
    }

    #[test]
    fn a_credit_note_does_not_move_a_fixed_amount_to_the_next_instalment() {
        let billed = Billed::from_lines([
            ("fixed:avgift", false, 2_500_000),
            ("fixed:avgift", true, -2_500_000),
            ("terms:SKOLPROG", false, 700_000),
            ("terms:SKOLPROG", true, -350_000),
        ]);
        assert_eq!(billed.fixed.get("fixed:avgift"), Some(&2_500_000));
        assert_eq!(billed.variable.get("terms:SKOLPROG"), Some(&350_000));
    }

    #[test]
    fn the_variable_part_bills_what_was_not_billed_before() {
        let mut billed = Billed::default();
        // Two classes ordered: 2 × 3 500 on the first invoice, with quantity and price.
        let first = billed.variable(&[billable(
            "usage:SKOLPROG",
            "7000.00",
            Some(("2", "3500.00")),
        )]);
        assert_eq!(
            first,
            [Charge {
                index: 0,
                amount: sek("7000.00"),
                per_unit: Some((d("2"), sek("3500.00")))
            }]
        );
        // A third class used later: only the difference, as one amount.
        let later = billed.variable(&[billable(
            "usage:SKOLPROG",
            "10500.00",
            Some(("3", "3500.00")),
        )]);
        assert_eq!(
            later,
            [Charge {
                index: 0,
                amount: sek("3500.00"),
                per_unit: None
            }]
        );
        // Nothing new: nothing billed.
        assert!(
            billed
                .variable(&[billable("usage:SKOLPROG", "10500.00", None)])
                .is_empty()
        );
    }

    proptest! {
        /// However the usage grows between cut-offs, the variable lines of a year add up to
        /// what the last statement says, and a component is never billed twice.
        #[test]
        fn variable_charges_add_up_to_the_last_statement(
            steps in prop::collection::vec(0_i64..1_000_000, 1..8),
        ) {
            let mut billed = Billed::default();
            let mut total = 0_i64;
            let mut running = 0_i64;
            for step in steps {
                running += step;
                let charges = billed.variable(&[Billable {
                    key: "usage:X".into(),
                    amount: Money::from_minor(running, Currency::Sek),
                    per_unit: None,
                }]);
                total += charges.iter().map(|c| c.amount.to_minor()).sum::<i64>();
            }
            prop_assert_eq!(total, running);
        }

        /// A year's instalments, billed in order, add up to each fixed component's amount.
        #[test]
        fn instalments_of_every_component_add_up(
            a in 0_i64..10_000_000,
            b in 0_i64..10_000_000,
            schedule in prop::sample::select(Schedule::ALL.to_vec()),
        ) {
            let plan = BillingPlan { schedule, ..BillingPlan::default() };
            let fixed = [
                Billable { key: "fixed:a".into(), amount: Money::from_minor(a, Currency::Sek), per_unit: None },
                Billable { key: "fixed:b".into(), amount: Money::from_minor(b, Currency::Sek), per_unit: None },
            ];
            let mut billed = Billed::default();
            let mut sums = [0_i64; 2];
            for inst in instalments(&plan, 2027, date(2027, 1, 1), None) {
                let before: Vec<u32> = (1..inst.index).collect();
                let (charges, resplit) = billed.instalment(&inst, &fixed, &before);
                prop_assert!(!resplit);
                for c in charges {
                    sums[c.index] += c.amount.to_minor();
                }
            }
            prop_assert_eq!(sums, [a, b]);
        }
    }
}
