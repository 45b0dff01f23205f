//! When an agreement is invoiced: the billing plan's schedules and the instalments of a
//! year, and how a year's amount is split among them.

use chrono::{Datelike, NaiveDate};

use crate::domain::money::Money;

vocabulary! {
    /// How often the fixed part is invoiced.
    Schedule {
        Annual = "annual",
        HalfYearly = "half_yearly",
        Quarterly = "quarterly",
        Monthly = "monthly",
    }
}

vocabulary! {
    /// When the variable part is invoiced: ordered services with the first instalment of
    /// the year, or recorded usage after the period it was used in.
    VariableBilling {
        Advance = "advance",
        Arrears = "arrears",
    }
}

/// How an agreement is invoiced over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BillingPlan {
    pub schedule: Schedule,
    pub variable: VariableBilling,
    /// 1..=28: the day of the period's first month the invoice is dated. Capped at 28 so
    /// that every month has the day; values outside the range are clamped into it.
    pub invoice_day: u32,
}

impl Default for BillingPlan {
    /// One invoice a year, dated the 15th of January, usage billed afterwards.
    fn default() -> Self {
        Self {
            schedule: Schedule::Annual,
            variable: VariableBilling::Arrears,
            invoice_day: 15,
        }
    }
}

impl Schedule {
    /// Invoices per calendar year.
    pub fn count(self) -> u32 {
        match self {
            Schedule::Annual => 1,
            Schedule::HalfYearly => 2,
            Schedule::Quarterly => 4,
            Schedule::Monthly => 12,
        }
    }

    /// The inclusive start and end of each period of the calendar year, in order. Empty only
    /// for a year outside what dates can represent.
    pub fn periods(self, year: i32) -> Vec<(NaiveDate, NaiveDate)> {
        let months = 12 / self.count();
        (0..self.count())
            .filter_map(|i| {
                let first_month = 1 + i * months;
                let start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
                let end = last_day_of_month(year, first_month + months - 1)?;
                Some((start, end))
            })
            .collect()
    }
}

/// The last day of `month` (1..=12) of `year`: the day before the next month's first.
fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    next.pred_opt()
}

/// One invoice of the fixed part: which days it covers and the date it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instalment {
    /// 1-based among the instalments returned, so "2 of 3" for a member who joined in April
    /// on a quarterly plan.
    pub index: u32,
    /// How many instalments were returned.
    pub count: u32,
    /// The first day invoiced: the period's start, or the coverage start when later.
    pub start: NaiveDate,
    /// The last day invoiced: the period's end, or the coverage end when earlier.
    pub end: NaiveDate,
    pub invoice_date: NaiveDate,
}

/// The schedule's periods of `year` that share a day with the coverage `[start, end]` (end
/// `None` = open); index and count are renumbered over those returned.
///
/// Each instalment's `start`/`end` are its period clipped to the coverage, since an invoice
/// must not claim days the agreement does not cover. `invoice_date` is the period's first
/// month, day `invoice_day`, but never before the coverage start within that period (a
/// member who joins on the 20th is not invoiced on the 15th for it). It may fall after a
/// coverage that ends early in the period; the invoice is still dated by the plan.
pub fn instalments(
    plan: &BillingPlan,
    year: i32,
    coverage_start: NaiveDate,
    coverage_end: Option<NaiveDate>,
) -> Vec<Instalment> {
    let day = plan.invoice_day.clamp(1, 28);
    let covered: Vec<(NaiveDate, NaiveDate, NaiveDate)> = plan
        .schedule
        .periods(year)
        .into_iter()
        .filter(|&(start, end)| end >= coverage_start && coverage_end.is_none_or(|e| start <= e))
        .filter_map(|(period_start, period_end)| {
            // Dated by the period's first month, even when coverage starts later in it.
            let nominal = NaiveDate::from_ymd_opt(year, period_start.month(), day)?;
            let start = period_start.max(coverage_start);
            let end = coverage_end.map_or(period_end, |e| period_end.min(e));
            Some((start, end, nominal.max(start)))
        })
        .collect();
    let count = u32::try_from(covered.len()).unwrap_or(u32::MAX);
    covered
        .into_iter()
        .zip(1..)
        .map(|((start, end, invoice_date), index)| Instalment {
            index,
            count,
            start,
            end,
            invoice_date,
        })
        .collect()
}

/// Splits `total` into `count` parts as equal as possible in öre, the remainder on the LAST
/// part (100.00 / 3 → 33.33, 33.33, 33.34), so that earlier invoices show the round figure
/// and the parts add up to the total exactly. Negative totals (credits) split the same way,
/// the remainder again on the last. `count` 0 gives no parts.
pub fn split_evenly(total: Money, count: u32) -> Vec<Money> {
    let Some(last_index) = count.checked_sub(1) else {
        return Vec::new();
    };
    let minor = total.to_minor();
    // Division truncates toward zero, so every part but the last has the same sign as the
    // total and the last takes what is left; |base × (count − 1)| ≤ |total|, no overflow.
    let base = minor / i64::from(count);
    let last = minor - base * i64::from(last_index);
    let mut parts = vec![Money::from_minor(base, total.currency()); last_index as usize];
    parts.push(Money::from_minor(last, total.currency()));
    parts
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::test_support::{date, sek};

    fn minors(parts: &[Money]) -> Vec<i64> {
        parts.iter().map(|m| m.to_minor()).collect()
    }

    fn plan(schedule: Schedule, invoice_day: u32) -> BillingPlan {
        BillingPlan {
            schedule,
            invoice_day,
            ..BillingPlan::default()
        }
    }

    /// (start, end, invoice_date) of each instalment, with index and count checked.
    fn spans(list: &[Instalment]) -> Vec<(NaiveDate, NaiveDate, NaiveDate)> {
        for (i, inst) in list.iter().enumerate() {
            assert_eq!(inst.index as usize, i + 1);
            assert_eq!(inst.count as usize, list.len());
        }
        list.iter()
            .map(|i| (i.start, i.end, i.invoice_date))
            .collect()
    }

    // --- Schedules -----------------------------------------------------------------------

    #[test]
    fn default_plan_is_annual_in_arrears_on_the_15th() {
        let p = BillingPlan::default();
        assert_eq!(p.schedule, Schedule::Annual);
        assert_eq!(p.variable, VariableBilling::Arrears);
        assert_eq!(p.invoice_day, 15);
    }

    #[test]
    fn schedule_counts() {
        let counts: Vec<u32> = Schedule::ALL.iter().map(|s| s.count()).collect();
        assert_eq!(counts, [1, 2, 4, 12]);
    }

    #[test]
    fn periods_of_each_schedule() {
        assert_eq!(
            Schedule::Annual.periods(2026),
            [(date(2026, 1, 1), date(2026, 12, 31))]
        );
        assert_eq!(
            Schedule::HalfYearly.periods(2026),
            [
                (date(2026, 1, 1), date(2026, 6, 30)),
                (date(2026, 7, 1), date(2026, 12, 31)),
            ]
        );
        assert_eq!(
            Schedule::Quarterly.periods(2026),
            [
                (date(2026, 1, 1), date(2026, 3, 31)),
                (date(2026, 4, 1), date(2026, 6, 30)),
                (date(2026, 7, 1), date(2026, 9, 30)),
                (date(2026, 10, 1), date(2026, 12, 31)),
            ]
        );
    }

    #[test]
    fn monthly_periods_know_leap_februaries() {
        let leap = Schedule::Monthly.periods(2024);
        assert_eq!(leap.len(), 12);
        assert_eq!(leap[1], (date(2024, 2, 1), date(2024, 2, 29)));
        assert_eq!(
            Schedule::Monthly.periods(2026)[1],
            (date(2026, 2, 1), date(2026, 2, 28))
        );
        // 2100 is not a leap year, 2000 was.
        assert_eq!(Schedule::Monthly.periods(2100)[1].1, date(2100, 2, 28));
        assert_eq!(Schedule::Monthly.periods(2000)[1].1, date(2000, 2, 29));
        assert_eq!(leap[11], (date(2024, 12, 1), date(2024, 12, 31)));
    }

    #[test]
    fn periods_tile_the_year_without_gaps() {
        for schedule in Schedule::ALL {
            for year in [2023, 2024, 2026, 2100] {
                let periods = schedule.periods(year);
                assert_eq!(periods.len() as u32, schedule.count());
                assert_eq!(periods[0].0, date(year, 1, 1));
                assert_eq!(periods[periods.len() - 1].1, date(year, 12, 31));
                for pair in periods.windows(2) {
                    assert_eq!(pair[0].1.succ_opt(), Some(pair[1].0));
                }
                let days: i64 = periods.iter().map(|(s, e)| (*e - *s).num_days() + 1).sum();
                let year_days = (date(year, 12, 31) - date(year, 1, 1)).num_days() + 1;
                assert_eq!(days, year_days);
            }
        }
    }

    #[test]
    fn periods_of_an_unrepresentable_year_are_empty() {
        assert!(Schedule::Monthly.periods(i32::MAX).is_empty());
    }

    #[test]
    fn instalments_over_a_whole_year() {
        let list = instalments(&plan(Schedule::Quarterly, 15), 2026, date(2025, 1, 1), None);
        assert_eq!(
            spans(&list),
            [
                (date(2026, 1, 1), date(2026, 3, 31), date(2026, 1, 15)),
                (date(2026, 4, 1), date(2026, 6, 30), date(2026, 4, 15)),
                (date(2026, 7, 1), date(2026, 9, 30), date(2026, 7, 15)),
                (date(2026, 10, 1), date(2026, 12, 31), date(2026, 10, 15)),
            ]
        );
    }

    #[test]
    fn coverage_starting_mid_period_after_the_invoice_day() {
        // Joins 20 May: Q2 is invoiced from the 20th and dated then, not 15 April.
        let list = instalments(
            &plan(Schedule::Quarterly, 15),
            2026,
            date(2026, 5, 20),
            None,
        );
        assert_eq!(
            spans(&list),
            [
                (date(2026, 5, 20), date(2026, 6, 30), date(2026, 5, 20)),
                (date(2026, 7, 1), date(2026, 9, 30), date(2026, 7, 15)),
                (date(2026, 10, 1), date(2026, 12, 31), date(2026, 10, 15)),
            ]
        );
    }

    #[test]
    fn coverage_starting_before_the_invoice_day_keeps_the_day() {
        // Joins 10 April, invoice day 15: the nominal date is already inside the coverage.
        let list = instalments(
            &plan(Schedule::Quarterly, 15),
            2026,
            date(2026, 4, 10),
            None,
        );
        assert_eq!(list[0].start, date(2026, 4, 10));
        assert_eq!(list[0].invoice_date, date(2026, 4, 15));
        // Joining on the invoice day itself is the same date either way.
        let list = instalments(&plan(Schedule::Monthly, 15), 2026, date(2026, 4, 15), None);
        assert_eq!(list[0].invoice_date, date(2026, 4, 15));
        assert_eq!(list.len(), 9);
    }

    #[test]
    fn annual_plan_for_a_member_joining_in_september() {
        // The nominal date is 15 January, the period's first month, not 15 September: the
        // instalment is dated when coverage starts.
        let list = instalments(&BillingPlan::default(), 2026, date(2026, 9, 1), None);
        assert_eq!(
            spans(&list),
            [(date(2026, 9, 1), date(2026, 12, 31), date(2026, 9, 1))]
        );
        // Likewise within a quarter: joining 10 May is dated 10 May, not 15 May.
        let list = instalments(
            &plan(Schedule::Quarterly, 15),
            2026,
            date(2026, 5, 10),
            None,
        );
        assert_eq!(list[0].invoice_date, date(2026, 5, 10));
    }

    #[test]
    fn coverage_ending_mid_year() {
        let list = instalments(
            &plan(Schedule::Quarterly, 1),
            2026,
            date(2024, 1, 1),
            Some(date(2026, 8, 31)),
        );
        assert_eq!(
            spans(&list),
            [
                (date(2026, 1, 1), date(2026, 3, 31), date(2026, 1, 1)),
                (date(2026, 4, 1), date(2026, 6, 30), date(2026, 4, 1)),
                (date(2026, 7, 1), date(2026, 8, 31), date(2026, 7, 1)),
            ]
        );
        // Ending on a period's last day leaves the next period out.
        let list = instalments(
            &plan(Schedule::HalfYearly, 15),
            2026,
            date(2024, 1, 1),
            Some(date(2026, 6, 30)),
        );
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].end, date(2026, 6, 30));
        // Ending on a period's first day still shares that day.
        let list = instalments(
            &plan(Schedule::HalfYearly, 15),
            2026,
            date(2024, 1, 1),
            Some(date(2026, 7, 1)),
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].start, list[1].end);
    }

    #[test]
    fn coverage_ending_before_the_invoice_day_is_still_dated_by_the_plan() {
        let list = instalments(
            &plan(Schedule::Monthly, 15),
            2026,
            date(2025, 6, 1),
            Some(date(2026, 1, 10)),
        );
        assert_eq!(
            spans(&list),
            [(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 15))]
        );
    }

    #[test]
    fn coverage_within_one_month() {
        let list = instalments(
            &plan(Schedule::Monthly, 5),
            2026,
            date(2026, 2, 10),
            Some(date(2026, 2, 20)),
        );
        assert_eq!(
            spans(&list),
            [(date(2026, 2, 10), date(2026, 2, 20), date(2026, 2, 10))]
        );
    }

    #[test]
    fn coverage_outside_the_year_gives_no_instalments() {
        let p = plan(Schedule::Monthly, 15);
        assert!(instalments(&p, 2026, date(2027, 1, 1), None).is_empty());
        assert!(instalments(&p, 2026, date(2020, 1, 1), Some(date(2025, 12, 31))).is_empty());
        // An end before the start covers nothing.
        assert!(instalments(&p, 2026, date(2026, 5, 1), Some(date(2026, 4, 1))).is_empty());
    }

    #[test]
    fn invoice_day_is_clamped_to_one_through_twenty_eight() {
        let list = instalments(&plan(Schedule::Monthly, 31), 2026, date(2026, 1, 1), None);
        assert_eq!(list[1].invoice_date, date(2026, 2, 28));
        assert_eq!(list[0].invoice_date, date(2026, 1, 28));
        let list = instalments(&plan(Schedule::Monthly, 0), 2026, date(2026, 1, 1), None);
        assert_eq!(list[0].invoice_date, date(2026, 1, 1));
    }

    // --- Splitting -----------------------------------------------------------------------

    #[test]
    fn split_puts_the_remainder_on_the_last_part() {
        assert_eq!(minors(&split_evenly(sek("100"), 3)), [3333, 3333, 3334]);
        assert_eq!(minors(&split_evenly(sek("100"), 4)), [2500; 4]);
        assert_eq!(
            minors(&split_evenly(sek("1000.00"), 12)),
            [
                8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8337
            ]
        );
        // Fewer öre than parts: everything on the last.
        assert_eq!(
            minors(&split_evenly(Money::from_minor(2, Currency::Nok), 3)),
            [0, 0, 2]
        );
        assert!(
            split_evenly(Money::from_minor(2, Currency::Nok), 3)
                .iter()
                .all(|m| m.currency() == Currency::Nok)
        );
    }

    #[test]
    fn split_of_a_credit_mirrors_a_charge() {
        assert_eq!(minors(&split_evenly(sek("-100"), 3)), [-3333, -3333, -3334]);
        assert_eq!(
            minors(&split_evenly(Money::from_minor(-2, Currency::Sek), 3)),
            [0, 0, -2]
        );
    }

    #[test]
    fn split_edge_counts() {
        assert!(split_evenly(sek("100"), 0).is_empty());
        assert_eq!(minors(&split_evenly(sek("100"), 1)), [10000]);
        assert_eq!(minors(&split_evenly(sek("0"), 3)), [0, 0, 0]);
        let extreme = Money::from_minor(i64::MIN, Currency::Sek);
        let parts = split_evenly(extreme, 7);
        assert_eq!(
            parts.iter().map(|m| i128::from(m.to_minor())).sum::<i128>(),
            i128::from(i64::MIN)
        );
    }

    proptest! {
        #[test]
        fn split_parts_add_up_and_only_the_last_differs(
            total in any::<i64>(),
            count in 1_u32..=400,
        ) {
            let parts = split_evenly(Money::from_minor(total, Currency::Sek), count);
            prop_assert_eq!(parts.len(), count as usize);
            let sum: i128 = parts.iter().map(|m| i128::from(m.to_minor())).sum();
            prop_assert_eq!(sum, i128::from(total));
            let base = parts[0].to_minor();
            prop_assert!(parts[..parts.len() - 1].iter().all(|m| m.to_minor() == base));
            // The last part carries the remainder: same sign as the total, less than `count` öre.
            let extra = i128::from(parts[parts.len() - 1].to_minor()) - i128::from(base);
            prop_assert!(extra.abs() < i128::from(count));
            prop_assert!(extra == 0 || extra.signum() == i128::from(total.signum()));
        }
    }
}
