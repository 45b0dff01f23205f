//! The fee table ("avgiftstabell") a board decides on: per member the fixed part, the
//! variable part, their total and its share of the whole, with a totals row.
//!
//! The numbers are computed elsewhere; this module only checks that they agree with each
//! other and lays them out as CSV ([`to_csv`]) or XLSX ([`to_xlsx`]), with the pieces of
//! [`crate::export::table`]. It is not a [`Table`](crate::export::Table) itself: its share
//! column is a percentage, which has its own format, and its amount columns share one width.

mod csv;
mod xlsx;

pub use self::csv::to_csv;
pub use self::xlsx::to_xlsx;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::money::{MINOR_DECIMALS, Money, allocate};
use crate::domain::{Currency, Language};
use crate::export::{Cell, ExportError};

/// One year's fees of all members of a body, in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeTable {
    /// The body's name, e.g. "Navet science center".
    pub organisation: String,
    pub fee_year: i32,
    /// The currency of every amount in `rows`.
    pub currency: Currency,
    pub rows: Vec<FeeTableRow>,
}

/// One member's fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeTableRow {
    /// The member's name, e.g. "Borås".
    pub member: String,
    pub municipality_code: Option<String>,
    /// The population the fixed part was computed from.
    pub population: Option<i64>,
    /// The date the population was counted on.
    pub population_date: Option<NaiveDate>,
    pub fixed: Money,
    pub variable: Money,
    /// `fixed + variable`.
    pub total: Money,
}

/// The whole, in hundredths of a percent: shares are split from it so they add up to 100.00.
const BASIS_POINTS: i64 = 10_000;

/// Each row's share of the grand total in percent with two decimals (`12.34`).
///
/// The shares are 10 000 basis points split by largest remainder with the row totals as
/// weights, so they add up to exactly 100.00 — rounding each share on its own can give 99.99
/// or 100.01, which a board member will notice. Where there is no share to give (no total,
/// or a negative total that `allocate` refuses) every row gets 0.00 rather than an error:
/// the share column is a reading aid, and the amounts beside it stay exact.
pub fn shares(rows: &[FeeTableRow]) -> Vec<Decimal> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let weights: Vec<Decimal> = rows
        .iter()
        .map(|row| Decimal::from(row.total.to_minor()))
        .collect();
    // Basis points are hundredths of a percent just as öre are hundredths of a krona, so
    // `allocate` on minor units does the split and `amount()` reads it back as a percentage.
    let whole = Money::from_minor(BASIS_POINTS, first.total.currency());
    match allocate(whole, &weights) {
        Ok(parts) => parts.into_iter().map(Money::amount).collect(),
        Err(_) => vec![Decimal::new(0, MINOR_DECIMALS); rows.len()],
    }
}

/// The sums of the fixed parts, the variable parts and the totals, in that order.
///
/// The currency is passed in rather than taken from the first row so that an empty table
/// still has totals (zero), and so that every row is checked against the table's currency.
/// Each row is also checked to be `fixed + variable = total`: the exported totals row must
/// agree with the columns above it.
pub fn totals(
    rows: &[FeeTableRow],
    currency: Currency,
) -> Result<(Money, Money, Money), ExportError> {
    let mut fixed = Money::zero(currency);
    let mut variable = Money::zero(currency);
    let mut total = Money::zero(currency);
    for row in rows {
        row.check(currency)?;
        fixed = fixed.checked_add(row.fixed)?;
        variable = variable.checked_add(row.variable)?;
        total = total.checked_add(row.total)?;
    }
    Ok((fixed, variable, total))
}

impl FeeTableRow {
    /// Every column but the share, as the cells of a table.
    fn cells(&self) -> [Cell; COLUMNS - 1] {
        [
            Cell::Text(self.member.clone()),
            // Text, so that Norwegian and Swedish codes keep their leading zero (0301, 0180).
            self.municipality_code
                .clone()
                .map_or(Cell::Empty, Cell::Text),
            self.population.map_or(Cell::Empty, Cell::Integer),
            self.population_date.map_or(Cell::Empty, Cell::Date),
            Cell::Money(self.fixed),
            Cell::Money(self.variable),
            Cell::Money(self.total),
        ]
    }

    fn check(&self, expected: Currency) -> Result<(), ExportError> {
        for amount in [self.fixed, self.variable, self.total] {
            if amount.currency() != expected {
                return Err(ExportError::CurrencyMismatch {
                    member: self.member.clone(),
                    expected,
                    found: amount.currency(),
                });
            }
        }
        if self.fixed.checked_add(self.variable)? != self.total {
            return Err(ExportError::TotalMismatch {
                member: self.member.clone(),
            });
        }
        Ok(())
    }
}

/// The words of the table in one language.
struct Labels {
    member: &'static str,
    code: &'static str,
    population: &'static str,
    as_of: &'static str,
    fixed: &'static str,
    variable: &'static str,
    total: &'static str,
    share: &'static str,
    /// The first cell of the totals row.
    totals_row: &'static str,
    /// The sheet name before the year: "Avgifter 2027".
    sheet: &'static str,
    /// The title after the body's name: "Navet science center – avgifter 2027".
    fees: &'static str,
}

impl Labels {
    fn of(lang: Language) -> &'static Labels {
        match lang {
            Language::Sv => &Labels {
                member: "Medlem",
                code: "Kommunkod",
                population: "Invånare",
                as_of: "Per datum",
                fixed: "Fast del",
                variable: "Rörlig del",
                total: "Totalt",
                share: "Andel (%)",
                totals_row: "Totalt",
                sheet: "Avgifter",
                fees: "avgifter",
            },
            Language::Nb => &Labels {
                member: "Medlem",
                code: "Kommunenummer",
                population: "Innbyggere",
                as_of: "Per dato",
                fixed: "Fast del",
                variable: "Variabel del",
                total: "Totalt",
                share: "Andel (%)",
                totals_row: "Totalt",
                sheet: "Avgifter",
                fees: "avgifter",
            },
            Language::En => &Labels {
                member: "Member",
                code: "Municipality code",
                population: "Population",
                as_of: "As of",
                fixed: "Fixed part",
                variable: "Variable part",
                total: "Total",
                share: "Share (%)",
                totals_row: "Total",
                sheet: "Fees",
                fees: "fees",
            },
        }
    }

    /// The column headings, amounts marked with the currency so a copied column keeps it.
    fn headings(&self, currency: Currency) -> [String; COLUMNS] {
        [
            self.member.to_owned(),
            self.code.to_owned(),
            self.population.to_owned(),
            self.as_of.to_owned(),
            format!("{} ({currency})", self.fixed),
            format!("{} ({currency})", self.variable),
            format!("{} ({currency})", self.total),
            self.share.to_owned(),
        ]
    }
}

/// Member, code, population, date, fixed, variable, total, share.
const COLUMNS: usize = 8;

#[cfg(test)]
pub(super) mod test_support {
    use std::str::FromStr;

    use super::*;

    pub fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    pub fn sek(text: &str) -> Money {
        Money::new(d(text), Currency::Sek).unwrap()
    }

    pub fn date(text: &str) -> NaiveDate {
        NaiveDate::from_str(text).unwrap()
    }

    pub fn row(member: &str, fixed: &str, variable: &str) -> FeeTableRow {
        let fixed = sek(fixed);
        let variable = sek(variable);
        FeeTableRow {
            member: member.to_owned(),
            municipality_code: None,
            population: None,
            population_date: None,
            fixed,
            variable,
            total: fixed.checked_add(variable).unwrap(),
        }
    }

    /// A two-member table with every column filled.
    pub fn small_table() -> FeeTable {
        FeeTable {
            organisation: "Navet science center".to_owned(),
            fee_year: 2027,
            currency: Currency::Sek,
            rows: vec![
                FeeTableRow {
                    municipality_code: Some("1490".to_owned()),
                    population: Some(115_000),
                    population_date: Some(date("2025-12-31")),
                    ..row("Borås", "50000", "228844")
                },
                FeeTableRow {
                    municipality_code: Some("1443".to_owned()),
                    population: Some(9_900),
                    population_date: Some(date("2025-12-31")),
                    ..row("Bollebygd", "50000", "19700.50")
                },
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{d, row, sek};
    use super::*;
    use crate::domain::money::MoneyError;

    /// The eight Sjuhärad municipalities with totals whose shares do not round evenly.
    fn sjuharad() -> Vec<FeeTableRow> {
        vec![
            row("Borås", "50000", "228844"),
            row("Mark", "50000", "69849.10"),
            row("Ulricehamn", "50000", "49411.17"),
            row("Vårgårda", "50000", "23990.34"),
            row("Tranemo", "50000", "23478.99"),
            row("Svenljunga", "50000", "21702.50"),
            row("Bollebygd", "50000", "19700.50"),
            row("Herrljunga", "50000", "18912.77"),
        ]
    }

    #[test]
    fn shares_add_up_to_exactly_one_hundred() {
        let rows = sjuharad();
        let shares = shares(&rows);
        assert_eq!(shares.len(), 8);
        assert_eq!(shares.iter().sum::<Decimal>(), d("100.00"));
        assert!(shares.iter().all(|s| s.scale() == 2));
        // Borås: 278 844.00 of 855 889.37 is 32.579…%.
        assert_eq!(shares[0], d("32.58"));
        // Rounding each share on its own would not add up here, which is why allocate is used.
        let grand: Decimal = rows.iter().map(|r| r.total.amount()).sum();
        let naive: Decimal = rows
            .iter()
            .map(|r| (r.total.amount() * d("100") / grand).round_dp(2))
            .sum();
        assert_ne!(naive, d("100.00"));
    }

    #[test]
    fn shares_without_a_total_are_zero() {
        let rows = vec![row("Mark", "0", "0"), row("Tranemo", "0", "0")];
        let shares = shares(&rows);
        assert_eq!(shares, [d("0.00"), d("0.00")]);
        assert_eq!(shares[0].to_string(), "0.00");
        assert!(super::shares(&[]).is_empty());
        // A credit cannot be given a share of the whole; no panic, just zeros.
        let credit = vec![row("Mark", "-10", "0"), row("Tranemo", "20", "0")];
        assert_eq!(super::shares(&credit), [d("0.00"), d("0.00")]);
    }

    #[test]
    fn totals_sum_and_check_the_rows() {
        let rows = sjuharad();
        let (fixed, variable, total) = totals(&rows, Currency::Sek).unwrap();
        assert_eq!(fixed, sek("400000"));
        assert_eq!(variable, sek("455889.37"));
        assert_eq!(total, sek("855889.37"));

        let empty = totals(&[], Currency::Nok).unwrap();
        assert_eq!(empty.2, Money::zero(Currency::Nok));

        assert!(matches!(
            totals(&rows, Currency::Nok),
            Err(ExportError::CurrencyMismatch { member, expected: Currency::Nok, found: Currency::Sek })
                if member == "Borås"
        ));

        let mut wrong = row("Mark", "1", "2");
        wrong.total = sek("4");
        assert!(matches!(
            totals(&[wrong], Currency::Sek),
            Err(ExportError::TotalMismatch { member }) if member == "Mark"
        ));

        let huge = FeeTableRow {
            fixed: Money::from_minor(i64::MAX, Currency::Sek),
            variable: Money::zero(Currency::Sek),
            total: Money::from_minor(i64::MAX, Currency::Sek),
            ..row("Borås", "0", "0")
        };
        assert!(matches!(
            totals(&[huge.clone(), huge], Currency::Sek),
            Err(ExportError::Money(MoneyError::Overflow))
        ));
    }

    #[test]
    fn headings_carry_the_currency() {
        let headings = Labels::of(Language::Nb).headings(Currency::Nok);
        assert_eq!(headings[1], "Kommunenummer");
        assert_eq!(headings[5], "Variabel del (NOK)");
        assert_eq!(headings[7], "Andel (%)");
    }
}
