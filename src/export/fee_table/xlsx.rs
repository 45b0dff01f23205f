//! The fee table as an Excel workbook, laid out as [`crate::export::table::to_xlsx`] lays out
//! any table: a title, a bold header row, the members and a bold totals row whose sums are
//! formulas, so a board member who edits an amount sees the totals follow.

use rust_decimal::Decimal;
use rust_xlsxwriter::{ColNum, Format, Workbook};

use super::{COLUMNS, FeeTable, Labels, shares, totals};
use crate::domain::Language;
use crate::domain::money::{MINOR_DECIMALS, Money};
use crate::export::ExportError;
use crate::export::table::xlsx::{
    DATE_WIDTH, FIRST_ROW, Formats, add_sheet, cell_width, column_width, money_width,
    spreadsheet_number, totals_row, write_cell, write_sum,
};

// The tests check the widths of grouped numbers.
#[cfg(test)]
use crate::export::table::xlsx::grouped_width;

const MEMBER: ColNum = 0;
const AS_OF: ColNum = 3;
const FIXED: ColNum = 4;
const VARIABLE: ColNum = 5;
const TOTAL: ColNum = 6;
const SHARE: ColNum = 7;

/// The table as XLSX bytes, in `lang`.
pub fn to_xlsx(table: &FeeTable, lang: Language) -> Result<Vec<u8>, ExportError> {
    let (fixed, variable, total) = totals(&table.rows, table.currency)?;
    let shares = shares(&table.rows);
    let labels = Labels::of(lang);
    let totals_row = totals_row(table.rows.len())?;

    let formats = Formats::new();
    // A percentage, without the thousands separator of the amounts beside it.
    let share_format = Format::new().set_num_format("0.00");
    let bold_share = share_format.clone().set_bold();
    let mut workbook = Workbook::new();
    let title = format!(
        "{} – {} {}",
        table.organisation, labels.fees, table.fee_year
    );
    let headings = labels.headings(table.currency);
    let sheet = add_sheet(
        &mut workbook,
        &format!("{} {}", labels.sheet, table.fee_year),
        &title,
        &headings,
        &formats,
    )?;

    for (r, (row, share)) in (FIRST_ROW..).zip(table.rows.iter().zip(&shares)) {
        for (col, cell) in (0..).zip(&row.cells()) {
            write_cell(sheet, r, col, cell, &formats)?;
        }
        sheet.write_number_with_format(r, SHARE, spreadsheet_number(*share)?, &share_format)?;
    }

    let share_sum = shares
        .iter()
        .fold(Decimal::new(0, MINOR_DECIMALS), |sum, share| sum + share);
    sheet.write_string_with_format(totals_row, MEMBER, labels.totals_row, &formats.bold)?;
    let sums = [
        (FIXED, fixed.amount(), &formats.bold_money),
        (VARIABLE, variable.amount(), &formats.bold_money),
        (TOTAL, total.amount(), &formats.bold_money),
        (SHARE, share_sum, &bold_share),
    ];
    for (col, value, format) in sums {
        write_sum(sheet, totals_row, col, value, format)?;
    }

    for (col, width) in (0..).zip(column_widths(table, &headings, total)) {
        sheet.set_column_width(col, width)?;
    }

    Ok(workbook.save_to_buffer()?)
}

/// Widths in characters as for any table, except that the three amount columns share the
/// width of the widest amount, so that they line up, and the date and share columns have
/// the width of their format whether or not a value is there.
fn column_widths(table: &FeeTable, headings: &[String; COLUMNS], total: Money) -> [f64; COLUMNS] {
    let mut content = [0_usize; COLUMNS];
    for row in &table.rows {
        for (width, cell) in content.iter_mut().zip(&row.cells()) {
            *width = (*width).max(cell_width(cell));
        }
    }
    content[usize::from(AS_OF)] = DATE_WIDTH;
    // The grand total is the widest amount unless credits make a row wider than it.
    let amounts = [FIXED, VARIABLE, TOTAL].map(usize::from);
    let widest_amount = amounts
        .iter()
        .map(|&col| content[col])
        .fold(money_width(total), usize::max);
    for col in amounts {
        content[col] = widest_amount;
    }
    content[usize::from(SHARE)] = "100.00".len();

    let mut widths = [0.0; COLUMNS];
    for ((width, heading), content) in widths.iter_mut().zip(headings).zip(content) {
        *width = column_width(heading, content);
    }
    widths
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::super::test_support::{row, small_table};
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn numbers_for_the_spreadsheet_are_the_exact_decimals() {
        assert_eq!(
            spreadsheet_number(Decimal::new(27_884_400, 2)).unwrap(),
            278_844.0
        );
        assert_eq!(spreadsheet_number(Decimal::new(-5, 2)).unwrap(), -0.05);
        let largest = Decimal::new(999_999_999_999_999, 2);
        assert_eq!(
            spreadsheet_number(largest).unwrap().to_string(),
            "9999999999999.99"
        );
        assert!(matches!(
            spreadsheet_number(Decimal::new(1_000_000_000_000_000, 2)),
            Err(ExportError::TooLargeForSpreadsheet { .. })
        ));
    }

    #[test]
    fn widths_follow_the_longest_value() {
        assert_eq!(grouped_width(0, 0), 1);
        assert_eq!(grouped_width(999, 0), 3);
        assert_eq!(grouped_width(1_000, 0), 5);
        assert_eq!(grouped_width(348_544, 3), 10);
        let table = small_table();
        let headings = Labels::of(Language::Sv).headings(Currency::Sek);
        let widths = column_widths(&table, &headings, Money::zero(Currency::Sek));
        assert_eq!(widths[usize::from(MEMBER)], 11.0); // "Bollebygd" is 9, "Medlem" 6
        assert_eq!(widths[usize::from(VARIABLE)], 18.0); // "Rörlig del (SEK)"
    }

    #[test]
    fn the_bytes_are_a_zip() {
        for lang in Language::ALL {
            let bytes = to_xlsx(&small_table(), *lang).unwrap();
            assert!(bytes.starts_with(b"PK\x03\x04"));
        }
        let mut empty = small_table();
        empty.rows.clear();
        assert!(to_xlsx(&empty, Language::Sv).unwrap().starts_with(b"PK"));
    }

    #[test]
    fn inconsistent_tables_are_refused() {
        let mut table = small_table();
        table.currency = Currency::Nok;
        assert!(matches!(
            to_xlsx(&table, Language::Nb),
            Err(ExportError::CurrencyMismatch { .. })
        ));
        let mut table = small_table();
        table.rows = vec![row("Borås", "10000000000000", "0")];
        assert!(matches!(
            to_xlsx(&table, Language::Sv),
            Err(ExportError::TooLargeForSpreadsheet { .. })
        ));
    }

    /// One part of the workbook as text, or `None` when `unzip` is not installed.
    fn unzip(file: &Path, part: &str) -> Option<String> {
        let output = Command::new("unzip")
            .arg("-p")
            .arg(file)
            .arg(part)
            .output()
            .ok()?;
        assert!(output.status.success(), "unzip {part}: {output:?}");
        Some(String::from_utf8(output.stdout).unwrap())
    }

    /// The XML of one cell, e.g. `<c r="E5" s="7"><f>SUM(E3:E4)</f><v>100000.00</v></c>`.
    fn cell<'a>(sheet: &'a str, reference: &str) -> &'a str {
        let start = sheet.find(&format!(r#"<c r="{reference}""#)).unwrap();
        let end = start + sheet[start..].find("</c>").unwrap();
        &sheet[start..end]
    }

    #[test]
    fn the_workbook_holds_headings_members_and_sum_formulas() {
        let mut table = small_table();
        table.rows[1].member = "Mark & <Kinna>".to_owned();
        table.rows[1].municipality_code = Some("0180".to_owned());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("avgifter.xlsx");
        std::fs::write(&file, to_xlsx(&table, Language::Sv).unwrap()).unwrap();

        let Some(strings) = unzip(&file, "xl/sharedStrings.xml") else {
            println!("skipped: unzip not installed");
            return;
        };
        for text in [
            "Navet science center – avgifter 2027",
            "Medlem",
            "Kommunkod",
            "Invånare",
            "Per datum",
            "Fast del (SEK)",
            "Rörlig del (SEK)",
            "Totalt (SEK)",
            "Andel (%)",
            "Borås",
            "Mark &amp; &lt;Kinna&gt;",
            "0180",
            "Totalt",
        ] {
            assert!(strings.contains(text), "{text} missing from {strings}");
        }

        let sheet = unzip(&file, "xl/worksheets/sheet1.xml").unwrap();
        // The totals row is row 5: title, header, two members. Cached results are exact.
        for (reference, content) in [
            ("E5", "<f>SUM(E3:E4)</f><v>100000.00</v>"),
            ("F5", "<f>SUM(F3:F4)</f><v>248544.50</v>"),
            ("G5", "<f>SUM(G3:G4)</f><v>348544.50</v>"),
            ("H5", "<f>SUM(H3:H4)</f><v>100.00</v>"),
            // Amounts and population are numbers, not text.
            ("G3", "<v>278844</v>"),
            ("C3", "<v>115000</v>"),
        ] {
            assert!(
                cell(&sheet, reference).contains(content),
                "{reference}: {sheet}"
            );
        }
        assert!(sheet.contains(
            r#"<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>"#
        ));

        let workbook = unzip(&file, "xl/workbook.xml").unwrap();
        assert!(workbook.contains(r#"<sheet name="Avgifter 2027""#));
        let styles = unzip(&file, "xl/styles.xml").unwrap();
        for format in ["#,##0.00", "0.00", "#,##0", "yyyy-mm-dd"] {
            assert!(
                styles.contains(&format!(r#"formatCode="{format}""#)),
                "{format}"
            );
        }
    }
}
