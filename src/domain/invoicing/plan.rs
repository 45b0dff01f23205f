//! The invoice plan: which invoices an agreement's billing plan makes due in a run, on
//! which dates, over which days, and what share of a year's fixed part each instalment
//! bills. Pure: the services gather what is stored (the plan, the agreement's coverage,
//! what earlier invoices billed), ask the plan, then write what it decides.
//!
//! One invoice per instalment of the fixed part, dated on the plan's invoice day of the
//! instalment's first month, and one per usage period of the variable part billed in
//! arrears, dated on the invoice day of the month after the period. Every period is
//! claimed by the invoice that bills it, so that it is billed once, however runs overlap.

use chrono::{Datelike, NaiveDate};

use super::{BillingPlan, Instalment, VariableBilling, instalments, split_evenly};
use crate::domain::money::Money;

vocabulary! {
    /// What a claimed period bills: an instalment of the fixed part, or the variable part
    /// (ordered services, usage) of a period.
    BilledPart {
        Fixed = "fixed",
        Variable = "variable",
    }
}

/// What a run asks for: every period that starts (fixed part, and variable in advance) or
/// is over (variable in arrears, the day after it ends) between `from` and `to`, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl RunWindow {
    fn holds(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The fee years whose periods the window can bill: arrears of a year's last period
    /// are billed in the next year's first run.
    pub fn fee_years(&self) -> std::ops::RangeInclusive<i32> {
        (self.from.year() - 1)..=self.to.year()
    }
}

/// The variable part an invoice bills: everything ordered, and used up to and including
/// `through`, less what earlier invoices billed. `claim` is the first day of the period
/// it is claimed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableDue {
    pub claim: NaiveDate,
    pub through: NaiveDate,
}

/// One invoice the plan makes due, before its lines are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueInvoice {
    pub fee_year: i32,
    pub invoice_date: NaiveDate,
    /// The delivery period the invoice states (Leveransperiod, the e-invoice's
    /// `InvoicePeriod`): the instalment's or the usage period's own days.
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The instalment of the fixed part it bills.
    pub instalment: Option<Instalment>,
    /// The variable part it bills.
    pub variable: Option<VariableDue>,
}

impl DueInvoice {
    /// The periods the invoice claims when it bills something of each part it is due for:
    /// the fixed part always; the variable part only when it has a line, so that usage
    /// recorded late is billed by a later run.
    pub fn claims(&self, bills_variable: bool) -> Vec<(BilledPart, NaiveDate)> {
        let fixed = self.instalment.map(|i| (BilledPart::Fixed, i.start));
        let variable = self
            .variable
            .filter(|_| bills_variable)
            .map(|v| (BilledPart::Variable, v.claim));
        fixed.into_iter().chain(variable).collect()
    }
}

/// The date of the invoice for a usage period in arrears: the plan's invoice day of the
/// month after the period, never before the day after it.
pub fn arrears_invoice_date(plan: &BillingPlan, period_end: NaiveDate) -> NaiveDate {
    let next = period_end.succ_opt().unwrap_or(period_end);
    NaiveDate::from_ymd_opt(next.year(), next.month(), plan.invoice_day.clamp(1, 28))
        .unwrap_or(next)
        .max(next)
}

/// The invoices `plan` makes due in `window` for fee year `year` of an agreement covering
/// `[coverage_start, coverage_end]`, leaving out the periods `billed` says were claimed,
/// in date order:
///
/// - each instalment of the fixed part that starts in the window, on its own invoice,
///   dated on the plan's invoice day;
/// - the variable part in advance: with the first instalment due (ordered services, and
///   usage recorded before its period);
/// - the variable part in arrears: each period that is over in the window (the day after
///   it ends lies in it), on its own invoice dated by [`arrears_invoice_date`].
pub fn due_invoices(
    plan: &BillingPlan,
    year: i32,
    coverage_start: NaiveDate,
    coverage_end: Option<NaiveDate>,
    window: &RunWindow,
    billed: impl Fn(BilledPart, NaiveDate) -> bool,
) -> Vec<DueInvoice> {
    let periods = instalments(plan, year, coverage_start, coverage_end);
    let mut due: Vec<DueInvoice> = periods
        .iter()
        .filter(|p| window.holds(p.start) && !billed(BilledPart::Fixed, p.start))
        .map(|p| DueInvoice {
            fee_year: year,
            invoice_date: p.invoice_date,
            start: p.start,
            end: p.end,
            instalment: Some(*p),
            variable: None,
        })
        .collect();
    match plan.variable {
        VariableBilling::Advance => {
            if let Some(first) = due.first_mut()
                && !billed(BilledPart::Variable, first.start)
            {
                first.variable = Some(VariableDue {
                    claim: first.start,
                    through: first.start.pred_opt().unwrap_or(first.start),
                });
            }
        }
        VariableBilling::Arrears => {
            for p in &periods {
                let over = p.end.succ_opt().unwrap_or(p.end);
                if window.holds(over) && !billed(BilledPart::Variable, p.start) {
                    due.push(DueInvoice {
                        fee_year: year,
                        invoice_date: arrears_invoice_date(plan, p.end),
                        start: p.start,
                        end: p.end,
                        instalment: None,
                        variable: Some(VariableDue {
                            claim: p.start,
                            through: p.end,
                        }),
                    });
                }
            }
        }
    }
    due.sort_by_key(|d| (d.invoice_date, d.start, d.instalment.is_none()));
    due
}

/// What an instalment bills of a fixed component whose amount for the year is
/// `year_amount`, when the instalments before it billed `billed_before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstalmentPart {
    pub amount: Money,
    /// The year's amount changed after earlier instalments were issued (a member joined
    /// the pool, a new version of the terms): the instalments not yet issued share what
    /// is left, and the issued ones stay as they are.
    pub resplit: bool,
}

/// The instalment's part of `year_amount` when the instalments before it were billed, in
/// order (see [`instalment_part_among`]).
pub fn instalment_part(
    year_amount: Money,
    billed_before: Money,
    inst: &Instalment,
) -> InstalmentPart {
    let before: Vec<u32> = (1..inst.index).collect();
    instalment_part_among(year_amount, billed_before, inst, &before)
}

/// The instalment's part of `year_amount`, the instalments numbered in `billed` (1-based,
/// in any order: a run of a later period may come first) having billed `billed_total`:
/// its even part ([`split_evenly`]) while those billed exactly their even parts, otherwise
/// its share of what is left over the instalments not yet billed, so that the year's
/// instalments always add up to the year's amount.
pub fn instalment_part_among(
    year_amount: Money,
    billed_total: Money,
    inst: &Instalment,
    billed: &[u32],
) -> InstalmentPart {
    let index = inst.index.max(1);
    let parts = split_evenly(year_amount, inst.count);
    let even_billed: i64 = billed
        .iter()
        .filter_map(|i| parts.get((*i as usize).checked_sub(1)?))
        .map(|m| m.to_minor())
        .sum();
    if even_billed == billed_total.to_minor()
        && let Some(part) = parts.get(index as usize - 1)
    {
        return InstalmentPart {
            amount: *part,
            resplit: false,
        };
    }
    let left = Money::from_minor(
        year_amount.to_minor() - billed_total.to_minor(),
        year_amount.currency(),
    );
    let unbilled: Vec<u32> = (1..=inst.count.max(index))
        .filter(|i| *i == index || !billed.contains(i))
        .collect();
    let position = unbilled.iter().position(|i| *i == index).unwrap_or(0);
    InstalmentPart {
        amount: split_evenly(left, unbilled.len() as u32)
            .get(position)
            .copied()
            .unwrap_or(left),
        resplit: true,
    }
}

/// The invoices some lines need. Peppol BIS Billing 3.0 (BR-O-11 to BR-O-14) allows a line
/// outside the scope of VAT only on an invoice whose every line is outside it, so a
/// membership contribution and a taxable or exempt service are invoiced apart: the
/// outside-scope lines first, then the others, each in their own order, and no invoice
/// without lines.
pub fn invoices_by_vat_scope<T>(lines: Vec<T>, outside_scope: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let (outside, inside): (Vec<T>, Vec<T>) = lines.into_iter().partition(|l| outside_scope(l));
    [outside, inside]
        .into_iter()
        .filter(|group| !group.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::invoicing::Schedule;
    use crate::domain::test_support::{date, sek};

    #[test]
    fn outside_scope_lines_get_an_invoice_of_their_own() {
        let split = |l: Vec<(char, bool)>| invoices_by_vat_scope(l, |(_, o)| *o);
        assert_eq!(
            split(vec![('a', true), ('b', false), ('c', true), ('d', false)]),
            [
                vec![('a', true), ('c', true)],
                vec![('b', false), ('d', false)]
            ]
        );
        assert_eq!(split(vec![('a', false), ('b', false)]).len(), 1);
        assert_eq!(split(vec![('a', true)]), [vec![('a', true)]]);
        assert!(split(Vec::new()).is_empty());
    }

    proptest! {
        /// Every line lands on exactly one invoice, in its order, and no invoice mixes an
        /// outside-scope line with another.
        #[test]
        fn scope_split_keeps_every_line_once(scopes in proptest::collection::vec(any::<bool>(), 0..40)) {
            let lines: Vec<(usize, bool)> = scopes.iter().copied().enumerate().collect();
            let invoices = invoices_by_vat_scope(lines.clone(), |(_, o)| *o);
            prop_assert!(invoices.len() <= 2);
            for invoice in &invoices {
                prop_assert!(!invoice.is_empty());
                prop_assert!(invoice.iter().all(|l| l.1 == invoice[0].1));
                prop_assert!(invoice.windows(2).all(|w| w[0].0 < w[1].0));
            }
            let mut all: Vec<(usize, bool)> = invoices.concat();
            all.sort_unstable();
            prop_assert_eq!(all, lines);
        }
    }

    fn plan(schedule: Schedule, variable: VariableBilling, invoice_day: u32) -> BillingPlan {
        BillingPlan {
            schedule,
            variable,
            invoice_day,
        }
    }

    fn window(from: NaiveDate, to: NaiveDate) -> RunWindow {
        RunWindow { from, to }
    }

    #[test]
    fn a_quarterly_year_is_four_invoices_on_the_fifteenth() {
        let quarterly = plan(Schedule::Quarterly, VariableBilling::Arrears, 15);
        let due = due_invoices(
            &quarterly,
            2027,
            date(2023, 1, 1),
            None,
            &window(date(2027, 1, 1), date(2027, 12, 31)),
            |_, _| false,
        );
        let fixed: Vec<_> = due
            .iter()
            .filter(|d| d.instalment.is_some())
            .map(|d| (d.invoice_date, d.start, d.end))
            .collect();
        assert_eq!(
            fixed,
            [
                (date(2027, 1, 15), date(2027, 1, 1), date(2027, 3, 31)),
                (date(2027, 4, 15), date(2027, 4, 1), date(2027, 6, 30)),
                (date(2027, 7, 15), date(2027, 7, 1), date(2027, 9, 30)),
                (date(2027, 10, 15), date(2027, 10, 1), date(2027, 12, 31)),
            ]
        );
        // Usage of the first three quarters is billed after each; the fourth's next year.
        let usage: Vec<_> = due
            .iter()
            .filter_map(|d| d.variable.map(|v| (d.invoice_date, v.claim, v.through)))
            .collect();
        assert_eq!(
            usage,
            [
                (date(2027, 4, 15), date(2027, 1, 1), date(2027, 3, 31)),
                (date(2027, 7, 15), date(2027, 4, 1), date(2027, 6, 30)),
                (date(2027, 10, 15), date(2027, 7, 1), date(2027, 9, 30)),
            ]
        );
        // In date order; on one day, the earlier period first.
        assert!(
            due.windows(2)
                .all(|w| w[0].invoice_date <= w[1].invoice_date)
        );
        assert!(due[1].variable.is_some() && due[2].instalment.is_some());
    }

    #[test]
    fn arrears_of_december_are_billed_in_january_on_the_invoice_day() {
        let annual = plan(Schedule::Annual, VariableBilling::Arrears, 20);
        assert_eq!(
            arrears_invoice_date(&annual, date(2026, 12, 31)),
            date(2027, 1, 20)
        );
        let due = due_invoices(
            &annual,
            2026,
            date(2026, 1, 1),
            None,
            &window(date(2027, 1, 1), date(2027, 1, 31)),
            |_, _| false,
        );
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].invoice_date, date(2027, 1, 20));
        assert_eq!(
            (due[0].start, due[0].end),
            (date(2026, 1, 1), date(2026, 12, 31))
        );
    }

    #[test]
    fn ordered_services_in_advance_go_with_the_first_instalment_due() {
        let advance = plan(Schedule::HalfYearly, VariableBilling::Advance, 1);
        let due = due_invoices(
            &advance,
            2027,
            date(2027, 1, 1),
            None,
            &window(date(2027, 1, 1), date(2027, 12, 31)),
            |_, _| false,
        );
        assert_eq!(due.len(), 2);
        assert_eq!(
            due[0].variable,
            Some(VariableDue {
                claim: date(2027, 1, 1),
                through: date(2026, 12, 31)
            })
        );
        assert_eq!(due[1].variable, None);
        assert_eq!(
            due[0].claims(false),
            [(BilledPart::Fixed, date(2027, 1, 1))]
        );
        assert_eq!(
            due[0].claims(true),
            [
                (BilledPart::Fixed, date(2027, 1, 1)),
                (BilledPart::Variable, date(2027, 1, 1))
            ]
        );
    }

    #[test]
    fn a_changed_year_amount_is_shared_by_the_instalments_left() {
        let quarterly = plan(Schedule::Quarterly, VariableBilling::Arrears, 15);
        let list = instalments(&quarterly, 2027, date(2027, 1, 1), None);
        // 1 000.03 kr: 250.00 three times and 250.03 last.
        let first = instalment_part(sek("1000.03"), sek("0"), &list[0]);
        assert_eq!((first.amount, first.resplit), (sek("250.00"), false));
        let last = instalment_part(sek("1000.03"), sek("750.00"), &list[3]);
        assert_eq!((last.amount, last.resplit), (sek("250.03"), false));
        // A member joined the pool after the first quarter: the share fell to 900.00.
        let second = instalment_part(sek("900.00"), sek("250.00"), &list[1]);
        assert_eq!((second.amount, second.resplit), (sek("216.66"), true));
        let third = instalment_part(sek("900.00"), sek("466.66"), &list[2]);
        assert_eq!(third.amount, sek("216.67"));
        let fourth = instalment_part(sek("900.00"), sek("683.33"), &list[3]);
        assert_eq!(fourth.amount, sek("216.67"));
    }

    fn schedules() -> impl Strategy<Value = BillingPlan> {
        (
            prop::sample::select(Schedule::ALL.to_vec()),
            prop::sample::select(VariableBilling::ALL.to_vec()),
            1_u32..=28,
        )
            .prop_map(|(s, v, day)| plan(s, v, day))
    }

    proptest! {
        /// Over any plan, any coverage and any sequence of runs (overlapping, repeated,
        /// out of order), every period is claimed at most once, and once runs have covered
        /// the whole time every instalment of every year the agreement covers was invoiced
        /// exactly once.
        #[test]
        fn every_instalment_is_invoiced_exactly_once(
            plan in schedules(),
            start_offset in 0_i64..(3 * 365),
            length in prop::option::of(1_i64..(3 * 365)),
            cuts in prop::collection::vec((0_i64..(5 * 365), 0_i64..120), 0..12),
        ) {
            let origin = date(2025, 1, 1);
            let start = origin + chrono::Duration::days(start_offset);
            let end = length.map(|l| start + chrono::Duration::days(l));
            let mut claimed: std::collections::BTreeSet<(BilledPart, NaiveDate)> = Default::default();
            let mut fixed_invoices = Vec::new();
            let mut runs: Vec<RunWindow> = cuts
                .iter()
                .map(|&(at, len)| {
                    let from = origin + chrono::Duration::days(at);
                    window(from, from + chrono::Duration::days(len))
                })
                .collect();
            // At last one run over everything.
            runs.push(window(date(2024, 1, 1), date(2031, 12, 31)));
            for run in &runs {
                for year in run.fee_years() {
                    for d in due_invoices(&plan, year, start, end, run, |p, s| claimed.contains(&(p, s))) {
                        prop_assert!(d.start <= d.end);
                        prop_assert_eq!(d.fee_year, year);
                        for claim in d.claims(true) {
                            prop_assert!(claimed.insert(claim), "claimed twice: {:?}", claim);
                        }
                        if let Some(i) = d.instalment {
                            prop_assert!(run.holds(i.start));
                            fixed_invoices.push(i);
                        }
                    }
                }
            }
            let mut expected = Vec::new();
            for year in 2024..=2031 {
                expected.extend(instalments(&plan, year, start, end));
            }
            fixed_invoices.sort_by_key(|i| i.start);
            prop_assert_eq!(fixed_invoices, expected);
        }

        /// However the year's amount changes between instalments, the instalments add up
        /// to the amount known when the last is billed; while it does not change, each
        /// is its even part.
        #[test]
        fn instalments_add_up_to_the_years_fee(
            schedule in prop::sample::select(Schedule::ALL.to_vec()),
            amounts in prop::collection::vec(0_i64..100_000_000, 12),
            changes in any::<bool>(),
        ) {
            let list = instalments(&plan(schedule, VariableBilling::Arrears, 15), 2027, date(2027, 1, 1), None);
            let amount_at = |i: usize| {
                Money::from_minor(if changes { amounts[i] } else { amounts[0] }, Currency::Sek)
            };
            let mut billed = 0_i64;
            let mut parts = Vec::new();
            for (i, inst) in list.iter().enumerate() {
                let part = instalment_part(amount_at(i), Money::from_minor(billed, Currency::Sek), inst);
                prop_assert!(changes || !part.resplit);
                billed += part.amount.to_minor();
                parts.push(part.amount);
            }
            prop_assert_eq!(billed, amount_at(list.len() - 1).to_minor());
            if !changes {
                prop_assert_eq!(parts, split_evenly(amount_at(0), list.len() as u32));
            }
        }

        /// Billed in any order, while the year's amount stays, every instalment gets its
        /// even part and the year adds up.
        #[test]
        fn instalments_billed_out_of_order_are_even(
            schedule in prop::sample::select(Schedule::ALL.to_vec()),
            amount in 0_i64..100_000_000,
            order in Just(()).prop_perturb(|_, mut rng| rng.next_u64()),
        ) {
            let list = instalments(&plan(schedule, VariableBilling::Arrears, 15), 2027, date(2027, 1, 1), None);
            let mut indices: Vec<usize> = (0..list.len()).collect();
            // A permutation from the seed: the order the periods' runs happened to come in.
            let mut seed = order;
            for i in (1..indices.len()).rev() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                indices.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let year = Money::from_minor(amount, Currency::Sek);
            let mut billed: Vec<u32> = Vec::new();
            let mut total = 0_i64;
            let even = split_evenly(year, list.len() as u32);
            for i in indices {
                let part = instalment_part_among(year, Money::from_minor(total, Currency::Sek), &list[i], &billed);
                prop_assert!(!part.resplit);
                prop_assert_eq!(part.amount, even[i]);
                total += part.amount.to_minor();
                billed.push(list[i].index);
            }
            prop_assert_eq!(total, amount);
        }

        /// An issued invoice is never changed by a later version of the terms: when the
        /// year's amount changes after instalment `k`, the instalments up to `k` are what
        /// they were under the old amount, and only those after it differ.
        #[test]
        fn a_later_version_never_changes_an_issued_instalment(
            schedule in prop::sample::select(Schedule::ALL.to_vec()),
            before in 0_i64..100_000_000,
            after in 0_i64..100_000_000,
            k in 0_usize..12,
        ) {
            let list = instalments(&plan(schedule, VariableBilling::Arrears, 15), 2027, date(2027, 1, 1), None);
            let k = k.min(list.len());
            let run = |amount_after_k: i64| {
                let mut billed = 0_i64;
                list.iter().enumerate().map(|(i, inst)| {
                    let amount = if i < k { before } else { amount_after_k };
                    let part = instalment_part(
                        Money::from_minor(amount, Currency::Sek),
                        Money::from_minor(billed, Currency::Sek),
                        inst,
                    ).amount;
                    billed += part.to_minor();
                    part
                }).collect::<Vec<_>>()
            };
            let unchanged = run(before);
            let changed = run(after);
            prop_assert_eq!(&unchanged[..k], &changed[..k]);
        }
    }
}
