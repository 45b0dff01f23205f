//! The fee table as CSV for spreadsheet users in Sweden and Norway, in the dialect of
//! [`crate::export::table::to_csv`]: UTF-8 with a byte order mark, `;`, CRLF and a decimal
//! comma.

use rust_decimal::Decimal;

use super::{FeeTable, Labels, shares, totals};
use crate::domain::Language;
use crate::domain::money::MINOR_DECIMALS;
use crate::export::table::csv::{decimal_comma, field, finish, writer};
use crate::export::{Cell, ExportError};

// The tests check that the file starts with it.
#[cfg(test)]
use crate::export::table::csv::BOM;

/// The table as CSV bytes: a header row in `lang`, one row per member, and a totals row.
pub fn to_csv(table: &FeeTable, lang: Language) -> Result<Vec<u8>, ExportError> {
    let (fixed, variable, total) = totals(&table.rows, table.currency)?;
    let shares = shares(&table.rows);
    let labels = Labels::of(lang);

    let mut writer = writer();
    writer.write_record(labels.headings(table.currency))?;
    for (row, share) in table.rows.iter().zip(&shares) {
        let mut record: Vec<String> = row.cells().iter().map(field).collect();
        record.push(decimal_comma(*share));
        writer.write_record(record)?;
    }
    // The sum of the shares, not a literal 100,00: with no total to share they are all zero.
    let share_sum = shares
        .iter()
        .fold(Decimal::new(0, MINOR_DECIMALS), |sum, share| sum + share);
    writer.write_record([
        labels.totals_row.to_owned(),
        String::new(),
        String::new(),
        String::new(),
        field(&Cell::Money(fixed)),
        field(&Cell::Money(variable)),
        field(&Cell::Money(total)),
        decimal_comma(share_sum),
    ])?;
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{row, small_table};
    use super::*;

    #[test]
    fn swedish_table_exactly() {
        let bytes = to_csv(&small_table(), Language::Sv).unwrap();
        let expected = "\u{FEFF}\
            Medlem;Kommunkod;Invånare;Per datum;Fast del (SEK);Rörlig del (SEK);Totalt (SEK);Andel (%)\r\n\
            Borås;1490;115000;2025-12-31;50000,00;228844,00;278844,00;80,00\r\n\
            Bollebygd;1443;9900;2025-12-31;50000,00;19700,50;69700,50;20,00\r\n\
            Totalt;;;;100000,00;248544,50;348544,50;100,00\r\n";
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
        assert!(bytes.starts_with(BOM));
    }

    #[test]
    fn separators_and_quotes_in_names_are_quoted() {
        let mut table = small_table();
        table.rows = vec![row("Mark; Kinna", "1", "0"), row("\"Väst\"", "1", "0")];
        let text = String::from_utf8(to_csv(&table, Language::Sv).unwrap()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[1], "\"Mark; Kinna\";;;;1,00;0,00;1,00;50,00");
        assert_eq!(lines[2], "\"\"\"Väst\"\"\";;;;1,00;0,00;1,00;50,00");
    }

    #[test]
    fn english_headings_and_negative_amounts() {
        let mut table = small_table();
        table.rows = vec![row("Borås", "0", "-0.05")];
        let text = String::from_utf8(to_csv(&table, Language::En).unwrap()).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Member;Municipality code;Population;As of;Fixed part (SEK);Variable part (SEK);Total (SEK);Share (%)"
        );
        assert_eq!(lines[1], "Borås;;;;0,00;-0,05;-0,05;0,00");
        assert_eq!(lines[2], "Total;;;;0,00;-0,05;-0,05;0,00");
    }

    #[test]
    fn an_empty_table_has_headings_and_a_zero_total() {
        let mut table = small_table();
        table.rows.clear();
        let text = String::from_utf8(to_csv(&table, Language::Nb).unwrap()).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert!(lines[0].starts_with("Medlem;Kommunenummer;Innbyggere;Per dato;"));
        assert_eq!(lines[1], "Totalt;;;;0,00;0,00;0,00;0,00");
    }
}
