//! Documents built for people outside avtal, as bytes in memory: the caller decides where
//! they go (an HTTP response, a mail attachment). Nothing here reads or writes files.

pub mod fee_table;
pub mod table;

pub use fee_table::{FeeTable, FeeTableRow, shares, to_csv, to_xlsx, totals};
pub use table::{Cell, Table, Totals};

use crate::domain::Currency;
use crate::domain::money::MoneyError;

/// Why an export could not be built. Every variant but the writer failures is a fault in the
/// table handed in, named so the caller can point at the cell: by member in the fee table,
/// by heading and row (counted from 1) in another table.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{member}: an amount in {found} cannot be added to amounts in {expected}")]
    CurrencyMismatch {
        /// Where the amount is: the member's name in the fee table, the column's heading
        /// and the row in another table ("Belopp (SEK), row 3").
        member: String,
        expected: Currency,
        found: Currency,
    },
    /// A board reads the total column; it must be the sum of the two parts beside it.
    #[error("{member}: the total is not the fixed part plus the variable part")]
    TotalMismatch { member: String },
    #[error("row {row} has {found} cells, but the table has {expected} headings")]
    RowLength {
        row: usize,
        expected: usize,
        found: usize,
    },
    #[error("column {column} is to be summed, but the table has {columns} columns (from 0)")]
    NoSuchColumn { column: usize, columns: usize },
    /// A sum of text, dates, or amounts and counts together would mean nothing.
    #[error("{at}: a summed column holds only amounts, or only whole numbers")]
    NotSummable { at: String },
    #[error("every column is summed, which leaves no cell for the totals row's label")]
    NoRoomForLabel,
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// A spreadsheet number is an `f64`; beyond this it could no longer show the exact value.
    #[error("{value} is too large to show exactly in a spreadsheet")]
    TooLargeForSpreadsheet { value: String },
    #[error("the table has more rows than a worksheet holds")]
    TooManyRows,
    #[error("the table has more columns than a worksheet holds")]
    TooManyColumns,
    #[error("could not write the CSV file: {0}")]
    Csv(#[from] csv::Error),
    #[error("could not write the XLSX file: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}
