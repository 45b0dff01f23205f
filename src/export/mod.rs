//! Documents built for people outside avtal, as bytes in memory: the caller decides where
//! they go (an HTTP response, a mail attachment). Nothing here reads or writes files.

pub mod fee_table;

pub use fee_table::{FeeTable, FeeTableRow, shares, to_csv, to_xlsx, totals};

use crate::domain::Currency;
use crate::domain::money::MoneyError;

/// Why an export could not be built. Every variant but the writer failures is a fault in the
/// table handed in, named by member so the caller can point at the row.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{member}: amounts in {found}, but the table is in {expected}")]
    CurrencyMismatch {
        member: String,
        expected: Currency,
        found: Currency,
    },
    /// A board reads the total column; it must be the sum of the two parts beside it.
    #[error("{member}: the total is not the fixed part plus the variable part")]
    TotalMismatch { member: String },
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// A spreadsheet number is an `f64`; beyond this it could no longer show the exact value.
    #[error("{value} is too large to show exactly in a spreadsheet")]
    TooLargeForSpreadsheet { value: String },
    #[error("the table has more rows than a worksheet holds")]
    TooManyRows,
    #[error("could not write the CSV file: {0}")]
    Csv(#[from] csv::Error),
    #[error("could not write the XLSX file: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}
