//! Tables as CSV for spreadsheet users in Sweden and Norway.
//!
//! Excel in a Swedish or Norwegian locale opens a file directly when it is UTF-8 with a byte
//! order mark (without it, å/ä/ö/ø come out garbled), separated by `;` (the comma is the
//! decimal sign there) and with a decimal comma in numbers. No thousands separator: a space
//! or a dot in an amount would make it text, not a number.

use ::csv::{Terminator, Writer, WriterBuilder};
use rust_decimal::Decimal;

use super::{Cell, Table, check, iso_date};
use crate::export::ExportError;

/// The UTF-8 byte order mark, which tells Excel the encoding.
pub(in crate::export) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer in the dialect above, the byte order mark already written.
pub(in crate::export) fn writer() -> Writer<Vec<u8>> {
    WriterBuilder::new()
        .delimiter(b';')
        // RFC 4180 line ends, what Excel on Windows writes itself.
        .terminator(Terminator::CRLF)
        .from_writer(BOM.to_vec())
}

/// The bytes written.
pub(in crate::export) fn finish(writer: Writer<Vec<u8>>) -> Result<Vec<u8>, ExportError> {
    writer
        .into_inner()
        .map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// The exact decimal text with a comma as the decimal sign: `278844.00` → `278844,00`.
pub(in crate::export) fn decimal_comma(value: Decimal) -> String {
    value.to_string().replace('.', ",")
}

/// A cell's text: amounts with their two decimals and a decimal comma, whole numbers without
/// grouping, dates in ISO form.
pub(in crate::export) fn field(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => inert(text),
        Cell::Money(amount) => decimal_comma(amount.amount()),
        Cell::Date(date) => iso_date(*date),
        Cell::Integer(n) => n.to_string(),
    }
}

/// Text a spreadsheet will not run: Excel and LibreOffice take a field starting with `=`,
/// `+`, `-` or `@` (or a tab or carriage return before one) as a formula, so a member named
/// `=HYPERLINK(…)` would run in the treasurer's spreadsheet. Such text gets a leading
/// apostrophe, as OWASP advises against CSV injection; numbers and dates are never text
/// here, so a negative amount is untouched.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The table as CSV bytes: the headings, the rows and, when asked for, the totals row with
/// the exact sums. The title is left out, so that the first row names the columns.
pub fn to_csv(table: &Table) -> Result<Vec<u8>, ExportError> {
    let totals = check(table)?;
    let mut writer = writer();
    writer.write_record(&table.headings)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(field))?;
    }
    if let Some(totals) = totals {
        let mut record = vec![String::new(); table.headings.len()];
        if let Some(label) = record.get_mut(totals.label_column) {
            totals.label.clone_into(label);
        }
        for (column, sum) in totals.sums {
            if let Some(cell) = record.get_mut(column) {
                *cell = field(&sum.cell());
            }
        }
        writer.write_record(record)?;
    }
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{open_items, sek, text};
    use super::super::{Table, Totals};
    use super::*;

    fn csv(table: &Table) -> String {
        let bytes = to_csv(table).unwrap();
        assert!(bytes.starts_with(BOM));
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn open_items_exactly() {
        let expected = "\u{FEFF}\
            Medlem;Faktura;Förfallodag;Dagar;Belopp (SEK)\r\n\
            Borås;NAV-2027-0001;2027-03-31;91;278844,00\r\n\
            Bollebygd;NAV-2027-0002;2027-05-31;30;19700,50\r\n\
            Bollebygd;NAV-2027-0007;;;-0,05\r\n\
            Totalt;;;121;298544,45\r\n";
        assert_eq!(csv(&open_items()), expected);
    }

    #[test]
    fn separators_quotes_and_line_breaks_are_quoted() {
        let mut table = open_items();
        table.rows.truncate(1);
        table.rows[0][0] = text("Mark; Kinna");
        table.rows[0][1] = text("\"Väst\"");
        table.headings[2] = "Förfallo-\ndag".to_owned();
        table.totals = None;
        let text = csv(&table);
        let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "Medlem;Faktura;\"Förfallo-\ndag\";Dagar;Belopp (SEK)",
                "\"Mark; Kinna\";\"\"\"Väst\"\"\";2027-03-31;91;278844,00",
                ""
            ]
        );
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_made_inert() {
        let mut table = open_items();
        table.rows.truncate(1);
        table.rows[0][0] = text("=HYPERLINK(\"http://x\";\"Mark\")");
        table.rows[0][1] = text("@SUM(A1)");
        table.totals = None;
        let text = csv(&table);
        let row = text.split("\r\n").nth(1).unwrap();
        assert_eq!(
            row,
            "\"'=HYPERLINK(\"\"http://x\"\";\"\"Mark\"\")\";'@SUM(A1);2027-03-31;91;278844,00"
        );
        for (raw, written) in [
            ("+46", "'+46"),
            ("-1", "'-1"),
            ("\t=1", "'\t=1"),
            ("Kinna", "Kinna"),
        ] {
            assert_eq!(inert(raw), written);
        }
    }

    #[test]
    fn negative_amounts_and_a_label_after_summed_columns() {
        let table = Table {
            title: String::new(),
            sheet: "Per år".to_owned(),
            headings: vec!["Avgift (SEK)".to_owned(), "År".to_owned()],
            rows: vec![
                vec![sek("-1250.5"), Cell::Integer(2026)],
                vec![sek("-0.5"), Cell::Integer(2027)],
            ],
            totals: Some(Totals {
                label: "Summa".to_owned(),
                columns: vec![0],
            }),
        };
        assert_eq!(
            csv(&table),
            "\u{FEFF}Avgift (SEK);År\r\n-1250,50;2026\r\n-0,50;2027\r\n-1251,00;Summa\r\n"
        );
    }

    #[test]
    fn an_empty_table_has_headings_and_zero_totals() {
        let mut table = open_items();
        table.rows.clear();
        assert_eq!(
            csv(&table),
            "\u{FEFF}Medlem;Faktura;Förfallodag;Dagar;Belopp (SEK)\r\nTotalt;;;0;0\r\n"
        );
        table.totals = None;
        assert_eq!(
            csv(&table),
            "\u{FEFF}Medlem;Faktura;Förfallodag;Dagar;Belopp (SEK)\r\n"
        );
    }

    #[test]
    fn a_row_that_does_not_fit_is_refused() {
        let mut table = open_items();
        table.rows[0].push(Cell::Empty);
        assert!(matches!(
            to_csv(&table),
            Err(ExportError::RowLength {
                row: 1,
                expected: 5,
                found: 6
            })
        ));
    }
}
