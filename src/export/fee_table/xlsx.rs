//! The fee table as an Excel workbook: a title, a bold header row, the members and a bold
//! totals row whose sums are formulas, so a board member who edits an amount sees the totals
//! follow.

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    ColNum, ExcelDateTime, Format, Formula, RowNum, Workbook, Worksheet, cell_range,
};

use super::{COLUMNS, FeeTable, Labels, iso_date, shares, totals};
use crate::domain::Language;
use crate::domain::money::{MINOR_DECIMALS, Money};
use crate::export::ExportError;

const TITLE_ROW: RowNum = 0;
const HEADER_ROW: RowNum = 1;
const FIRST_MEMBER_ROW: RowNum = 2;

const MEMBER: ColNum = 0;
const CODE: ColNum = 1;
const POPULATION: ColNum = 2;
const AS_OF: ColNum = 3;
const FIXED: ColNum = 4;
const VARIABLE: ColNum = 5;
const TOTAL: ColNum = 6;
const SHARE: ColNum = 7;

/// Below this an amount with two decimals has at most 15 significant digits, which an `f64`
/// holds exactly enough to show the same decimal again (and Excel shows at most 15 digits).
const SPREADSHEET_LIMIT: i64 = 10_000_000_000_000;

/// The table as XLSX bytes, in `lang`.
pub fn to_xlsx(table: &FeeTable, lang: Language) -> Result<Vec<u8>, ExportError> {
    let (fixed, variable, total) = totals(&table.rows, table.currency)?;
    let shares = shares(&table.rows);
    let labels = Labels::of(lang);
    let member_count = RowNum::try_from(table.rows.len()).map_err(|_| ExportError::TooManyRows)?;
    let totals_row = FIRST_MEMBER_ROW
        .checked_add(member_count)
        .ok_or(ExportError::TooManyRows)?;

    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("{} {}", labels.sheet, table.fee_year))?;

    let title = format!(
        "{} – {} {}",
        table.organisation, labels.fees, table.fee_year
    );
    sheet.write_string_with_format(TITLE_ROW, MEMBER, title, &formats.title)?;

    let headings = labels.headings(table.currency);
    for (col, heading) in (0..).zip(&headings) {
        sheet.write_string_with_format(HEADER_ROW, col, heading, &formats.bold)?;
    }
    // Title and headings stay in view while scrolling through many members.
    sheet.set_freeze_panes(FIRST_MEMBER_ROW, 0)?;

    for (r, (row, share)) in (FIRST_MEMBER_ROW..).zip(table.rows.iter().zip(&shares)) {
        sheet.write_string(r, MEMBER, &row.member)?;
        if let Some(code) = &row.municipality_code {
            // Text, so that Norwegian and Swedish codes keep their leading zero (0301, 0180).
            sheet.write_string(r, CODE, code)?;
        }
        if let Some(population) = row.population {
            let number = i32::try_from(population).map_err(|_| too_large(population))?;
            sheet.write_number_with_format(r, POPULATION, number, &formats.people)?;
        }
        if let Some(date) = row.population_date {
            write_date(sheet, r, date, &formats.date)?;
        }
        write_money(sheet, r, FIXED, row.fixed, &formats.money)?;
        write_money(sheet, r, VARIABLE, row.variable, &formats.money)?;
        write_money(sheet, r, TOTAL, row.total, &formats.money)?;
        sheet.write_number_with_format(r, SHARE, spreadsheet_number(*share)?, &formats.share)?;
    }

    let share_sum = shares
        .iter()
        .fold(Decimal::new(0, MINOR_DECIMALS), |sum, share| sum + share);
    sheet.write_string_with_format(totals_row, MEMBER, labels.totals_row, &formats.bold)?;
    let sums = [
        (FIXED, fixed.amount(), &formats.bold_money),
        (VARIABLE, variable.amount(), &formats.bold_money),
        (TOTAL, total.amount(), &formats.bold_money),
        (SHARE, share_sum, &formats.bold_share),
    ];
    for (col, value, format) in sums {
        if member_count == 0 {
            // A SUM over no rows would have to name an upside-down range; zero says it plainly.
            sheet.write_number_with_format(totals_row, col, spreadsheet_number(value)?, format)?;
        } else {
            let range = cell_range(FIRST_MEMBER_ROW, col, totals_row - 1, col);
            // The cached result is the exact decimal text, shown by readers that do not
            // recalculate (previews, some mobile apps) until the file is opened in Excel.
            let formula = Formula::new(format!("SUM({range})")).set_result(value.to_string());
            sheet.write_formula_with_format(totals_row, col, formula, format)?;
        }
    }

    for (col, width) in (0..).zip(column_widths(table, &headings, total)) {
        sheet.set_column_width(col, width)?;
    }

    Ok(workbook.save_to_buffer()?)
}

struct Formats {
    title: Format,
    bold: Format,
    money: Format,
    bold_money: Format,
    share: Format,
    bold_share: Format,
    people: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        let money = Format::new().set_num_format("#,##0.00");
        let share = Format::new().set_num_format("0.00");
        Self {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            bold_money: money.clone().set_bold(),
            money,
            bold_share: share.clone().set_bold(),
            share,
            people: Format::new().set_num_format("#,##0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn write_money(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    amount: Money,
    format: &Format,
) -> Result<(), ExportError> {
    sheet.write_number_with_format(row, col, spreadsheet_number(amount.amount())?, format)?;
    Ok(())
}

/// A date cell, so that it sorts and filters as a date; as ISO text where Excel has no
/// serial number for it (before 1900 or after 9999).
fn write_date(
    sheet: &mut Worksheet,
    row: RowNum,
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
        Some(excel) => sheet.write_datetime_with_format(row, AS_OF, excel, format)?,
        None => sheet.write_string(row, AS_OF, iso_date(date))?,
    };
    Ok(())
}

/// An exact two-decimal value as the `f64` a spreadsheet cell stores.
///
/// Money is never computed in floating point; this is only the last step, for display.
/// Parsing the exact decimal text gives the nearest `f64`, and below 10^13 (15 significant
/// digits) that nearest `f64` reads back as the same two-decimal number, so Excel shows the
/// exact amount. Larger values are refused rather than shown wrong.
fn spreadsheet_number(value: Decimal) -> Result<f64, ExportError> {
    let text = value.to_string();
    if value.abs() >= Decimal::from(SPREADSHEET_LIMIT) || value.scale() > MINOR_DECIMALS {
        return Err(ExportError::TooLargeForSpreadsheet { value: text });
    }
    text.parse::<f64>()
        .map_err(|_| ExportError::TooLargeForSpreadsheet { value: text })
}

fn too_large(value: impl ToString) -> ExportError {
    ExportError::TooLargeForSpreadsheet {
        value: value.to_string(),
    }
}

/// Widths in characters: the longest heading or value of each column plus a margin. The
/// title is left out; it may run across the empty cells to its right.
fn column_widths(table: &FeeTable, headings: &[String; COLUMNS], total: Money) -> [f64; COLUMNS] {
    let longest = |values: &mut dyn Iterator<Item = usize>| values.max().unwrap_or(0);
    let chars = |text: &str| text.chars().count();

    let mut content = [0_usize; COLUMNS];
    content[usize::from(MEMBER)] = longest(&mut table.rows.iter().map(|r| chars(&r.member)));
    content[usize::from(CODE)] = longest(
        &mut table
            .rows
            .iter()
            .filter_map(|r| r.municipality_code.as_deref().map(chars)),
    );
    content[usize::from(POPULATION)] = longest(
        &mut table
            .rows
            .iter()
            .filter_map(|r| r.population.map(|p| grouped_width(p.unsigned_abs(), 0))),
    );
    content[usize::from(AS_OF)] = "yyyy-mm-dd".len();
    // The grand total is the widest amount unless credits make a row wider than it.
    let widest_amount = table
        .rows
        .iter()
        .flat_map(|r| [r.fixed, r.variable, r.total])
        .chain([total])
        .map(|m| {
            grouped_width(m.to_minor().unsigned_abs() / 100, 3) + usize::from(m.to_minor() < 0)
        })
        .max()
        .unwrap_or(0);
    for col in [FIXED, VARIABLE, TOTAL] {
        content[usize::from(col)] = widest_amount;
    }
    content[usize::from(SHARE)] = "100.00".len();

    let mut widths = [0.0; COLUMNS];
    for ((width, heading), content) in widths.iter_mut().zip(headings).zip(content) {
        let chars = chars(heading).max(content).min(60) + 2;
        // At most 62, so the conversion is exact.
        *width = f64::from(u32::try_from(chars).unwrap_or(62));
    }
    widths
}

/// The characters `#,##0` takes for a whole number, plus `decimals` (with the decimal sign).
fn grouped_width(whole: u64, decimals: usize) -> usize {
    let digits = whole.checked_ilog10().map_or(1, |log| log as usize + 1);
    digits + (digits - 1) / 3 + decimals
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
