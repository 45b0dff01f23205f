//! Tables as Excel workbooks: a title, a bold header row that stays in view, the rows, and a
//! bold totals row whose sums are formulas, so that a reader who edits an amount sees the
//! totals follow.

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    ColNum, ExcelDateTime, Format, Formula, RowNum, Workbook, Worksheet, cell_range,
};

use super::{Cell, Sum, Table, check, iso_date, sheet_name};
use crate::domain::money::{MINOR_DECIMALS, Money};
use crate::export::ExportError;

pub(in crate::export) const TITLE_ROW: RowNum = 0;
pub(in crate::export) const HEADER_ROW: RowNum = 1;
/// The first row under the headings.
pub(in crate::export) const FIRST_ROW: RowNum = 2;

/// Below this an amount with two decimals has at most 15 significant digits, which an `f64`
/// holds exactly enough to show the same decimal again (and Excel shows at most 15 digits).
const SPREADSHEET_LIMIT: i64 = 10_000_000_000_000;

/// Excel's last column is XFD, the 16 384th.
const COLUMNS_MAX: usize = 16_384;

/// The characters a date takes, as `yyyy-mm-dd` and as ISO text.
pub(in crate::export) const DATE_WIDTH: usize = "yyyy-mm-dd".len();

/// The cell formats every table uses.
pub(in crate::export) struct Formats {
    pub title: Format,
    pub bold: Format,
    pub money: Format,
    pub bold_money: Format,
    pub integer: Format,
    pub bold_integer: Format,
    pub date: Format,
}

impl Formats {
    pub fn new() -> Self {
        let money = Format::new().set_num_format("#,##0.00");
        let integer = Format::new().set_num_format("#,##0");
        Self {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            bold_money: money.clone().set_bold(),
            money,
            bold_integer: integer.clone().set_bold(),
            integer,
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// The row of the totals under `rows` rows.
pub(in crate::export) fn totals_row(rows: usize) -> Result<RowNum, ExportError> {
    RowNum::try_from(rows)
        .ok()
        .and_then(|rows| FIRST_ROW.checked_add(rows))
        .ok_or(ExportError::TooManyRows)
}

/// A worksheet named `name` (cleaned to what Excel accepts) with `title` in its first row
/// and `headings` in bold in the second; both stay in view while scrolling through many rows.
pub(in crate::export) fn add_sheet<'w>(
    workbook: &'w mut Workbook,
    name: &str,
    title: &str,
    headings: &[String],
    formats: &Formats,
) -> Result<&'w mut Worksheet, ExportError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(name))?;
    if !title.is_empty() {
        sheet.write_string_with_format(TITLE_ROW, 0, title, &formats.title)?;
    }
    for (col, heading) in (0..).zip(headings) {
        sheet.write_string_with_format(HEADER_ROW, col, heading, &formats.bold)?;
    }
    sheet.set_freeze_panes(FIRST_ROW, 0)?;
    Ok(sheet)
}

/// One cell: text as text (so that codes keep their leading zeros), amounts and whole
/// numbers as numbers, dates as dates.
pub(in crate::export) fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), ExportError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            sheet.write_string(row, col, text)?;
        }
        Cell::Money(amount) => {
            let number = spreadsheet_number(amount.amount())?;
            sheet.write_number_with_format(row, col, number, &formats.money)?;
        }
        Cell::Date(date) => write_date(sheet, row, col, *date, &formats.date)?,
        Cell::Integer(n) => {
            let number = spreadsheet_number(Decimal::from(*n))?;
            sheet.write_number_with_format(row, col, number, &formats.integer)?;
        }
    }
    Ok(())
}

/// The sum of the rows above `row` in `col`, as a SUM formula whose cached result is the
/// exact decimal text: readers that do not recalculate (previews, some mobile apps) show it
/// until the file is opened in Excel.
pub(in crate::export) fn write_sum(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: Decimal,
    format: &Format,
) -> Result<(), ExportError> {
    if row <= FIRST_ROW {
        // A SUM over no rows would have to name an upside-down range; zero says it plainly.
        sheet.write_number_with_format(row, col, spreadsheet_number(value)?, format)?;
    } else {
        let range = cell_range(FIRST_ROW, col, row - 1, col);
        let formula = Formula::new(format!("SUM({range})")).set_result(value.to_string());
        sheet.write_formula_with_format(row, col, formula, format)?;
    }
    Ok(())
}

/// A date cell, so that it sorts and filters as a date; as ISO text where Excel has no
/// serial number for it (before 1900 or after 9999).
pub(in crate::export) fn write_date(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    date: chrono::NaiveDate,
    format: &Format,
) -> Result<(), ExportError> {
    use chrono::Datelike;

    let excel = u16::try_from(date.year()).ok().and_then(|year| {
        let month = u8::try_from(date.month()).ok()?;
        let day = u8::try_from(date.day()).ok()?;
        ExcelDateTime::from_ymd(year, month, day).ok()
    });
    match excel {
        Some(excel) => sheet.write_datetime_with_format(row, col, excel, format)?,
        None => sheet.write_string(row, col, iso_date(date))?,
    };
    Ok(())
}

/// An exact value with at most two decimals as the `f64` a spreadsheet cell stores.
///
/// Money is never computed in floating point; this is only the last step, for display.
/// Parsing the exact decimal text gives the nearest `f64`, and below 10^13 (15 significant
/// digits) that nearest `f64` reads back as the same two-decimal number, so Excel shows the
/// exact amount. Larger values are refused rather than shown wrong.
pub(in crate::export) fn spreadsheet_number(value: Decimal) -> Result<f64, ExportError> {
    let text = value.to_string();
    if value.abs() >= Decimal::from(SPREADSHEET_LIMIT) || value.scale() > MINOR_DECIMALS {
        return Err(ExportError::TooLargeForSpreadsheet { value: text });
    }
    text.parse::<f64>()
        .map_err(|_| ExportError::TooLargeForSpreadsheet { value: text })
}

/// The characters `#,##0` takes for a whole number, plus `decimals` (with the decimal sign).
pub(in crate::export) fn grouped_width(whole: u64, decimals: usize) -> usize {
    let digits = whole.checked_ilog10().map_or(1, |log| log as usize + 1);
    digits + (digits - 1) / 3 + decimals
}

/// The characters an amount takes as `#,##0.00`, with its minus sign.
pub(in crate::export) fn money_width(amount: Money) -> usize {
    let minor = amount.to_minor();
    grouped_width(minor.unsigned_abs() / 100, 3) + usize::from(minor < 0)
}

/// The characters a cell takes as the workbook shows it.
pub(in crate::export) fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Empty => 0,
        Cell::Text(text) => text.chars().count(),
        Cell::Money(amount) => money_width(*amount),
        Cell::Date(_) => DATE_WIDTH,
        Cell::Integer(n) => grouped_width(n.unsigned_abs(), 0) + usize::from(*n < 0),
    }
}

/// A column's width in characters: its heading or its widest value, whichever is longer,
/// plus a margin, and at most 62 so that one long text does not push the rest out of view.
/// The title is left out; it may run across the empty cells to its right.
pub(in crate::export) fn column_width(heading: &str, content: usize) -> f64 {
    let chars = heading.chars().count().max(content).min(60) + 2;
    // At most 62, so the conversion is exact.
    f64::from(u32::try_from(chars).unwrap_or(62))
}

/// The table as XLSX bytes.
pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, ExportError> {
    let totals = check(table)?;
    let totals_at = totals_row(table.rows.len())?;
    if table.headings.len() > COLUMNS_MAX {
        return Err(ExportError::TooManyColumns);
    }
    let col = |index: usize| ColNum::try_from(index).map_err(|_| ExportError::TooManyColumns);

    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = add_sheet(
        &mut workbook,
        &table.sheet,
        &table.title,
        &table.headings,
        &formats,
    )?;
    let mut content = vec![0_usize; table.headings.len()];
    for (r, row) in (FIRST_ROW..).zip(&table.rows) {
        for ((c, cell), width) in (0..).zip(row).zip(&mut content) {
            write_cell(sheet, r, c, cell, &formats)?;
            *width = (*width).max(cell_width(cell));
        }
    }

    if let Some(totals) = totals {
        let label = col(totals.label_column)?;
        sheet.write_string_with_format(totals_at, label, totals.label, &formats.bold)?;
        if let Some(width) = content.get_mut(totals.label_column) {
            *width = (*width).max(totals.label.chars().count());
        }
        for (column, sum) in totals.sums {
            let (value, format) = match sum {
                Sum::Money(m) => (m.amount(), &formats.bold_money),
                Sum::Integer(n) => (Decimal::from(n), &formats.bold_integer),
            };
            write_sum(sheet, totals_at, col(column)?, value, format)?;
            if let Some(width) = content.get_mut(column) {
                *width = (*width).max(cell_width(&sum.cell()));
            }
        }
    }

    for ((c, heading), content) in (0..).zip(&table.headings).zip(content) {
        sheet.set_column_width(c, column_width(heading, content))?;
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::super::Totals;
    use super::super::test_support::{date, open_items, sek, text};
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn numbers_for_the_spreadsheet_are_exact_or_refused() {
        assert_eq!(
            spreadsheet_number(Decimal::new(1_970_050, 2)).unwrap(),
            19_700.5
        );
        assert_eq!(spreadsheet_number(Decimal::from(-91)).unwrap(), -91.0);
        assert!(matches!(
            spreadsheet_number(Decimal::from(SPREADSHEET_LIMIT)),
            Err(ExportError::TooLargeForSpreadsheet { .. })
        ));
        // A third decimal would be rounded by the float; it is refused instead.
        assert!(spreadsheet_number(Decimal::new(1_005, 3)).is_err());
    }

    #[test]
    fn widths_follow_what_the_cells_show() {
        assert_eq!(cell_width(&Cell::Empty), 0);
        assert_eq!(cell_width(&text("Bollebygd")), 9);
        assert_eq!(cell_width(&sek("278844.00")), "278,844.00".len());
        assert_eq!(cell_width(&sek("-0.05")), "-0.05".len());
        assert_eq!(cell_width(&Cell::Integer(-12_345)), "-12,345".len());
        assert_eq!(cell_width(&date("2027-03-31")), 10);
        assert_eq!(column_width("Medlem", 9), 11.0);
        assert_eq!(column_width("Belopp (SEK)", 10), 14.0);
        assert_eq!(column_width(&"x".repeat(200), 0), 62.0);
        let amount = Money::from_minor(-123_456_789, Currency::Sek);
        assert_eq!(money_width(amount), "-1,234,567.89".len());
    }

    #[test]
    fn the_bytes_are_a_zip() {
        assert!(to_xlsx(&open_items()).unwrap().starts_with(b"PK\x03\x04"));
        let mut empty = open_items();
        empty.rows.clear();
        empty.title.clear();
        assert!(to_xlsx(&empty).unwrap().starts_with(b"PK"));
    }

    #[test]
    fn tables_that_cannot_be_shown_are_refused() {
        let mut table = open_items();
        table.rows[0][4] = sek("10000000000000");
        assert!(matches!(
            to_xlsx(&table),
            Err(ExportError::TooLargeForSpreadsheet { .. })
        ));
        let mut table = open_items();
        table.rows[2].clear();
        assert!(matches!(
            to_xlsx(&table),
            Err(ExportError::RowLength { row: 3, .. })
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

    /// The XML of one cell, e.g. `<c r="E6" s="7"><f>SUM(E3:E5)</f><v>298544.45</v></c>`.
    fn cell<'a>(sheet: &'a str, reference: &str) -> &'a str {
        let start = sheet.find(&format!(r#"<c r="{reference}""#)).unwrap();
        let end = start + sheet[start..].find("</c>").unwrap();
        &sheet[start..end]
    }

    /// `table` written to a file in `dir`.
    fn written(table: &Table, dir: &tempfile::TempDir) -> std::path::PathBuf {
        let file = dir.path().join("tabell.xlsx");
        std::fs::write(&file, to_xlsx(table).unwrap()).unwrap();
        file
    }

    #[test]
    fn the_workbook_holds_title_headings_rows_and_sum_formulas() {
        let mut table = open_items();
        table.rows[1][0] = text("Mark & <Kinna>");
        table.rows[1][1] = text("0180");
        table.sheet = "Poster 2027/06/30 [utkast] för styrelsen".to_owned();
        let dir = tempfile::tempdir().unwrap();
        let file = written(&table, &dir);

        let Some(strings) = unzip(&file, "xl/sharedStrings.xml") else {
            println!("skipped: unzip not installed");
            return;
        };
        for text in [
            "Navet science center – öppna poster 2027-06-30",
            "Medlem",
            "Förfallodag",
            "Belopp (SEK)",
            "Borås",
            "Mark &amp; &lt;Kinna&gt;",
            "0180",
            "Totalt",
        ] {
            assert!(strings.contains(text), "{text} missing from {strings}");
        }

        let sheet = unzip(&file, "xl/worksheets/sheet1.xml").unwrap();
        // Title, headings, three rows: the totals are in row 6, the label in A6.
        for (reference, content) in [
            ("D6", "<f>SUM(D3:D5)</f><v>121</v>"),
            ("E6", "<f>SUM(E3:E5)</f><v>298544.45</v>"),
            ("E3", "<v>278844</v>"),
            ("E5", "<v>-0.05</v>"),
            ("D3", "<v>91</v>"),
            // 2027-03-31 as Excel's serial day number.
            ("C3", "<v>46477</v>"),
        ] {
            assert!(
                cell(&sheet, reference).contains(content),
                "{reference}: {sheet}"
            );
        }
        assert!(cell(&sheet, "A6").contains(r#"t="s""#));
        assert!(
            !sheet.contains(r#"<c r="C5""#),
            "an empty cell is not written"
        );
        assert!(sheet.contains(
            r#"<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>"#
        ));
        // Widths: "NAV-2027-0001" (13) and the heading "Belopp (SEK)" (12) plus the margin.
        assert!(sheet.contains(r#"<col min="2" max="2" width="15.7109375" customWidth="1"/>"#));
        assert!(sheet.contains(r#"<col min="5" max="5" width="14.7109375" customWidth="1"/>"#));

        let workbook = unzip(&file, "xl/workbook.xml").unwrap();
        assert!(
            workbook.contains(r#"<sheet name="Poster 2027-06-30 (utkast) för""#),
            "{workbook}"
        );
        let styles = unzip(&file, "xl/styles.xml").unwrap();
        for format in ["#,##0.00", "#,##0", "yyyy-mm-dd"] {
            assert!(
                styles.contains(&format!(r#"formatCode="{format}""#)),
                "{format}"
            );
        }
    }

    #[test]
    fn an_empty_table_has_zero_totals_and_no_formula() {
        let mut table = open_items();
        table.rows.clear();
        table.totals = Some(Totals {
            label: "Totalt".to_owned(),
            columns: vec![4],
        });
        let dir = tempfile::tempdir().unwrap();
        let file = written(&table, &dir);
        let Some(sheet) = unzip(&file, "xl/worksheets/sheet1.xml") else {
            println!("skipped: unzip not installed");
            return;
        };
        assert!(cell(&sheet, "E3").contains("<v>0</v>"), "{sheet}");
        assert!(!sheet.contains("SUM("));
    }
}
