//! Any report as a table for spreadsheet users — a member ledger, open items, an aging
//! report, totals per year — written as the same two files as the fee table: CSV that Excel
//! in a Swedish or Norwegian locale opens as it is ([`to_csv`]) and an XLSX workbook
//! ([`to_xlsx`]).
//!
//! The rules of both files live here once (the CSV dialect, the decimal comma, the exact
//! decimal → `f64` step, date cells, cell formats, column widths, SUM formulas); the fee
//! table writes its files with the same pieces.

pub(super) mod csv;
pub(super) mod xlsx;

pub use self::csv::to_csv;
pub use self::xlsx::to_xlsx;

use chrono::NaiveDate;

use crate::domain::money::{Money, MoneyError};
use crate::export::ExportError;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number with two decimals in both files. The currency is not written: name it in
    /// the column's heading, e.g. "Belopp (SEK)".
    Money(Money),
    /// A date cell in XLSX, so that it sorts and filters as a date; `2027-03-31` in CSV.
    Date(NaiveDate),
    Integer(i64),
}

/// A report as rows under headings, optionally with a totals row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The first row of the XLSX sheet, above the headings. Not in the CSV file, whose
    /// first row is the headings so that it reads back as a table.
    pub title: String,
    /// The worksheet's name, cleaned to what Excel accepts (31 characters, no `/` …).
    pub sheet: String,
    pub headings: Vec<String>,
    /// Each row as long as `headings` (else [`ExportError::RowLength`]).
    pub rows: Vec<Vec<Cell>>,
    /// Columns whose sum is written in a bold totals row: a SUM formula in XLSX with the
    /// exact sum as its cached result, the exact sum in CSV. `None`: no totals row.
    pub totals: Option<Totals>,
}

/// The totals row: its label, written in the first column that is not summed, and the
/// columns summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub label: String,
    /// Positions in `headings`, from 0. A summed column holds amounts in one currency or
    /// whole numbers, and empty cells, which count as nothing.
    pub columns: Vec<usize>,
}

/// The sum of one totals column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sum {
    Money(Money),
    Integer(i64),
}

impl Sum {
    fn cell(self) -> Cell {
        match self {
            Sum::Money(m) => Cell::Money(m),
            Sum::Integer(n) => Cell::Integer(n),
        }
    }
}

/// The totals row of a checked table.
#[derive(Debug)]
struct TotalsRow<'a> {
    label: &'a str,
    label_column: usize,
    /// By column, left to right.
    sums: Vec<(usize, Sum)>,
}

/// Checks that every row fits the headings and sums the totals columns, so that both files
/// refuse the same tables.
fn check(table: &Table) -> Result<Option<TotalsRow<'_>>, ExportError> {
    let columns = table.headings.len();
    for (i, row) in table.rows.iter().enumerate() {
        if row.len() != columns {
            return Err(ExportError::RowLength {
                row: i + 1,
                expected: columns,
                found: row.len(),
            });
        }
    }
    let Some(totals) = &table.totals else {
        return Ok(None);
    };
    let mut summed = totals.columns.clone();
    summed.sort_unstable();
    summed.dedup();
    if let Some(&column) = summed.iter().find(|&&c| c >= columns) {
        return Err(ExportError::NoSuchColumn { column, columns });
    }
    let label_column = (0..columns)
        .find(|c| summed.binary_search(c).is_err())
        .ok_or(ExportError::NoRoomForLabel)?;
    let sums = summed
        .into_iter()
        .map(|c| Ok((c, column_sum(table, c)?)))
        .collect::<Result<_, ExportError>>()?;
    Ok(Some(TotalsRow {
        label: &totals.label,
        label_column,
        sums,
    }))
}

/// The exact sum of one column. A column without a number sums to the whole number 0: with
/// no amount in it there is no currency to give the sum.
fn column_sum(table: &Table, column: usize) -> Result<Sum, ExportError> {
    let heading = table.headings.get(column).map_or("", String::as_str);
    let mut sum: Option<Sum> = None;
    for (i, row) in table.rows.iter().enumerate() {
        let at = || format!("{heading}, row {}", i + 1);
        sum = match (sum, row.get(column)) {
            (_, None | Some(Cell::Empty)) => sum,
            (None, Some(Cell::Money(m))) => Some(Sum::Money(*m)),
            (None, Some(Cell::Integer(n))) => Some(Sum::Integer(*n)),
            (Some(Sum::Money(s)), Some(Cell::Money(m))) => {
                if s.currency() != m.currency() {
                    return Err(ExportError::CurrencyMismatch {
                        member: at(),
                        expected: s.currency(),
                        found: m.currency(),
                    });
                }
                Some(Sum::Money(s.checked_add(*m)?))
            }
            (Some(Sum::Integer(s)), Some(Cell::Integer(n))) => {
                Some(Sum::Integer(s.checked_add(*n).ok_or(MoneyError::Overflow)?))
            }
            _ => return Err(ExportError::NotSummable { at: at() }),
        };
    }
    Ok(sum.unwrap_or(Sum::Integer(0)))
}

/// A date as the ISO text both files use where they write a date as text (`2024-12-31`),
/// unambiguous in every language.
fn iso_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The longest sheet name Excel accepts, in UTF-16 code units.
const SHEET_NAME_MAX: usize = 31;

/// `name` as a worksheet name Excel accepts: no `[ ] : * ? / \`, not starting or ending
/// with an apostrophe, at most 31 UTF-16 units, not empty and not "History" (reserved by
/// Excel). Report names come from labels and years ("Reskontra 2027/28"), so the name is
/// cleaned rather than refused.
fn sheet_name(name: &str) -> String {
    let mut units = 0;
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            ':' | '*' | '?' | '/' | '\\' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .take_while(|c| {
            units += c.len_utf16();
            units <= SHEET_NAME_MAX
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    if trimmed.is_empty() {
        "Sheet1".to_owned()
    } else if trimmed.eq_ignore_ascii_case("history") {
        format!("{trimmed} 1")
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod test_support {
    use std::str::FromStr;

    use super::*;
    use crate::domain::Currency;

    pub fn sek(text: &str) -> Cell {
        Cell::Money(
            Money::new(
                rust_decimal::Decimal::from_str(text).unwrap(),
                Currency::Sek,
            )
            .unwrap(),
        )
    }

    pub fn text(text: &str) -> Cell {
        Cell::Text(text.to_owned())
    }

    pub fn date(text: &str) -> Cell {
        Cell::Date(NaiveDate::from_str(text).unwrap())
    }

    /// Open items of two members: text, dates, amounts, a count and an empty cell.
    pub fn open_items() -> Table {
        Table {
            title: "Navet science center – öppna poster 2027-06-30".to_owned(),
            sheet: "Öppna poster".to_owned(),
            headings: ["Medlem", "Faktura", "Förfallodag", "Dagar", "Belopp (SEK)"]
                .map(str::to_owned)
                .to_vec(),
            rows: vec![
                vec![
                    text("Borås"),
                    text("NAV-2027-0001"),
                    date("2027-03-31"),
                    Cell::Integer(91),
                    sek("278844.00"),
                ],
                vec![
                    text("Bollebygd"),
                    text("NAV-2027-0002"),
                    date("2027-05-31"),
                    Cell::Integer(30),
                    sek("19700.50"),
                ],
                vec![
                    text("Bollebygd"),
                    text("NAV-2027-0007"),
                    Cell::Empty,
                    Cell::Empty,
                    sek("-0.05"),
                ],
            ],
            totals: Some(Totals {
                label: "Totalt".to_owned(),
                columns: vec![3, 4],
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{open_items, sek, text};
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn totals_are_exact_sums_beside_the_label() {
        let table = open_items();
        let totals = check(&table).unwrap().unwrap();
        assert_eq!((totals.label, totals.label_column), ("Totalt", 0));
        assert_eq!(
            totals.sums,
            [
                (3, Sum::Integer(121)),
                (4, Sum::Money(Money::from_minor(29_854_445, Currency::Sek)))
            ]
        );

        // The label goes to the first column that is not summed; columns count once.
        let mut table = open_items();
        table.totals = Some(Totals {
            label: "Summa".to_owned(),
            columns: vec![4, 0, 4],
        });
        for row in &mut table.rows {
            row[0] = Cell::Integer(1);
        }
        let totals = check(&table).unwrap().unwrap();
        assert_eq!(totals.label_column, 1);
        assert_eq!(totals.sums.len(), 2);

        let mut table = open_items();
        table.rows.clear();
        let totals = check(&table).unwrap().unwrap();
        assert_eq!(totals.sums, [(3, Sum::Integer(0)), (4, Sum::Integer(0))]);
        table.totals = None;
        assert!(check(&table).unwrap().is_none());
    }

    #[test]
    fn tables_that_do_not_hold_together_are_refused() {
        let mut table = open_items();
        table.rows[1].pop();
        assert!(matches!(
            check(&table),
            Err(ExportError::RowLength {
                row: 2,
                expected: 5,
                found: 4
            })
        ));

        let mut table = open_items();
        table.rows[2][4] = Cell::Money(Money::from_minor(-5, Currency::Nok));
        let Err(e) = check(&table) else {
            panic!("mixed currencies summed")
        };
        assert!(matches!(
            &e,
            ExportError::CurrencyMismatch { member, expected: Currency::Sek, found: Currency::Nok }
                if member == "Belopp (SEK), row 3"
        ));
        assert_eq!(
            e.to_string(),
            "Belopp (SEK), row 3: an amount in NOK cannot be added to amounts in SEK"
        );

        let mut table = open_items();
        table.rows[0][3] = sek("1");
        assert!(
            matches!(check(&table), Err(ExportError::NotSummable { at }) if at == "Dagar, row 2")
        );
        let mut table = open_items();
        table.rows[0][4] = text("12,50");
        assert!(matches!(
            check(&table),
            Err(ExportError::NotSummable { .. })
        ));

        let mut table = open_items();
        table.totals = Some(Totals {
            label: "Totalt".to_owned(),
            columns: vec![5],
        });
        assert!(matches!(
            check(&table),
            Err(ExportError::NoSuchColumn {
                column: 5,
                columns: 5
            })
        ));
        table.totals = Some(Totals {
            label: "Totalt".to_owned(),
            columns: (0..5).collect(),
        });
        assert!(matches!(check(&table), Err(ExportError::NoRoomForLabel)));

        let mut table = open_items();
        table.rows[0][3] = Cell::Integer(i64::MAX);
        assert!(matches!(
            check(&table),
            Err(ExportError::Money(MoneyError::Overflow))
        ));
    }

    #[test]
    fn sheet_names_are_cleaned_to_what_excel_accepts() {
        assert_eq!(sheet_name("Avgifter 2027"), "Avgifter 2027");
        assert_eq!(sheet_name("Reskontra 2027/28"), "Reskontra 2027-28");
        assert_eq!(sheet_name("[Utkast] a:b*c?d\\e"), "(Utkast) a-b-c-d-e");
        assert_eq!(sheet_name("'Öppna poster'"), "Öppna poster");
        assert_eq!(sheet_name("  "), "Sheet1");
        assert_eq!(sheet_name("History"), "History 1");
        let long = sheet_name("Åldersanalys av kundfordringar per medlem 2027");
        assert_eq!(long, "Åldersanalys av kundfordringar");
        assert_eq!(long.encode_utf16().count(), 30);
        // Counted in UTF-16 units as Excel does: an emoji takes two.
        let emoji = sheet_name(&"😀".repeat(20));
        assert_eq!(emoji.encode_utf16().count(), 30);
        assert_eq!(sheet_name(&format!("{}'x", "a".repeat(30))), "a".repeat(30));
    }
}
