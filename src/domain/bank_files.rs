//! Bank files of incoming payments. BgMax is Bankgirot's file of the payments to a
//! bankgiro number: fixed-width records of 80 characters, each starting with its
//! transaction code (TK). A file holds one or more deposits (TK05 … TK15); each payment
//! (TK20) may be followed by records about the payer (TK25–TK29). The banks' ISO 20022
//! notification, camt.054, is read by [`camt`] into the same [`BankFile`].

mod camt;

pub use camt::parse_camt054;

use chrono::NaiveDate;

use crate::domain::Currency;
use crate::domain::money::{AMOUNT_MAX, AMOUNT_MAX_MINOR, Money};

/// A payment read from a bank file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankPayment {
    pub amount: Money,
    pub paid_on: NaiveDate,
    /// The OCR number or other reference the payer gave, when any.
    pub reference: Option<String>,
    pub payer: Option<String>,
    pub payer_org_number: Option<String>,
    /// The payer's bankgiro number, when paid from one.
    pub payer_bankgiro: Option<String>,
    /// Bankgirot's serial number of the payment: the same payment in two files has the
    /// same one, so importing a file twice registers nothing twice.
    pub serial: String,
    /// The file line of the payment record, from 1.
    pub line: usize,
}

/// A record the import leaves to a person, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub line: usize,
    pub reason: &'static str,
}

/// The kind of a bank file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankFormat {
    BgMax,
    Camt054,
}

impl BankFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            BankFormat::BgMax => "bgmax",
            BankFormat::Camt054 => "camt054",
        }
    }
}

/// The account a file's payments were made to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidTo {
    /// A bankgiro number, digits only (BgMax).
    Bankgiro(String),
    /// An IBAN, compact and upper-case.
    Iban(String),
    /// Another account identifier, digits only: a bankgiro, plusgiro or account number.
    Account(String),
}

impl PaidTo {
    /// The identifier as written in keys.
    pub fn as_str(&self) -> &str {
        match self {
            PaidTo::Bankgiro(id) | PaidTo::Iban(id) | PaidTo::Account(id) => id,
        }
    }
}

/// A bank file of incoming payments, checked against its own totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankFile {
    pub format: BankFormat,
    pub paid_to: PaidTo,
    /// Bankgirot's test files carry test data only.
    pub test: bool,
    pub payments: Vec<BankPayment>,
    /// What is never registered on its own, since its meaning needs a person: deductions
    /// (TK21) and extra references (TK22, TK23); debits, reversals and entries not booked.
    pub unread: Vec<Unread>,
}

/// Reads a bank file of either format, told apart by its first character: camt.054 is
/// XML, BgMax starts with its TK01 record.
pub fn parse(text: &str) -> Result<BankFile, BankFileError> {
    if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
    {
        parse_camt054(text)
    } else {
        parse_bgmax(text)
    }
}

/// Why a file cannot be read, with the line at fault (from 1; 0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct BankFileError {
    pub line: usize,
    pub reason: String,
}

fn fail(line: usize, reason: impl Into<String>) -> BankFileError {
    BankFileError {
        line,
        reason: reason.into(),
    }
}

/// The text of a file: UTF-8 when it is, else ISO-8859-1, in which Bankgirot writes.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        // Every ISO-8859-1 byte is the Unicode code point of the same number.
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Characters `from..=to` of a record, counted from 1 as the specification does, trimmed.
fn field(record: &str, from: usize, to: usize) -> &str {
    let start = record
        .char_indices()
        .nth(from - 1)
        .map_or(record.len(), |(i, _)| i);
    let end = record
        .char_indices()
        .nth(to)
        .map_or(record.len(), |(i, _)| i);
    record.get(start..end).unwrap_or("").trim()
}

fn number(
    record: &str,
    from: usize,
    to: usize,
    line: usize,
    what: &str,
) -> Result<i64, BankFileError> {
    let digits = field(record, from, to);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(line, format!("{what} is not a number: {digits:?}")));
    }
    digits
        .parse()
        .map_err(|_| fail(line, format!("{what} is too large")))
}

/// A payment's amount in öre: 18 digits could say ten million billion kronor, which no
/// payment is; such a file is refused rather than anything added up from it.
fn amount_minor(record: &str, line: usize) -> Result<i64, BankFileError> {
    let minor = number(record, 38, 55, line, "the amount")?;
    check_amount(minor, line)?;
    Ok(minor)
}

/// Refuses an amount above the largest avtal takes in, naming the line.
fn check_amount(minor: i64, line: usize) -> Result<(), BankFileError> {
    if minor.unsigned_abs() > AMOUNT_MAX_MINOR.unsigned_abs() {
        return Err(fail(
            line,
            format!(
                "the amount {} is larger than the largest amount taken in, {AMOUNT_MAX}",
                Money::from_minor(minor, Currency::Sek).amount()
            ),
        ));
    }
    Ok(())
}

/// Digits without leading zeros; `None` when nothing is left.
fn significant(digits: &str) -> Option<String> {
    let s = digits.trim_start_matches('0');
    (!s.is_empty()).then(|| s.to_owned())
}

/// A payment before its deposit's date is known.
struct Pending {
    amount_minor: i64,
    reference: Option<String>,
    payer: Option<String>,
    payer_org_number: Option<String>,
    payer_bankgiro: Option<String>,
    serial: String,
    line: usize,
}

/// Reads a BgMax file (layout version 01 and later): the payments of every deposit, each
/// dated by its deposit, and checks the counts and amounts the file states about itself.
pub fn parse_bgmax(text: &str) -> Result<BankFile, BankFileError> {
    let mut reader = BgMax {
        bankgiro: None,
        test: false,
        started: false,
        ended: false,
        currency: Currency::Sek,
        section: Vec::new(),
        payments: Vec::new(),
        unread: Vec::new(),
        counted_payments: 0,
        counted_deposits: 0,
    };
    for (i, record) in text.lines().enumerate() {
        let line = i + 1;
        let record = record.trim_end_matches('\r');
        if record.trim().is_empty() {
            continue;
        }
        if reader.ended {
            return Err(fail(line, "records after the end record (TK70)"));
        }
        reader.record(record, line)?;
    }
    reader.finish()
}

/// What a BgMax file has said so far, read record by record.
struct BgMax {
    bankgiro: Option<String>,
    test: bool,
    started: bool,
    ended: bool,
    currency: Currency,
    /// The payments of the deposit being read, dated when its TK15 comes.
    section: Vec<Pending>,
    payments: Vec<BankPayment>,
    unread: Vec<Unread>,
    counted_payments: i64,
    counted_deposits: i64,
}

impl BgMax {
    /// Reads one record by its transaction code.
    fn record(&mut self, record: &str, line: usize) -> Result<(), BankFileError> {
        let code = field(record, 1, 2);
        if !self.started && code != "01" {
            return Err(fail(line, "a BgMax file starts with a TK01 record"));
        }
        match code {
            "01" => {
                if field(record, 3, 22) != "BGMAX" {
                    return Err(fail(line, "not a BgMax file"));
                }
                self.test = field(record, 45, 45) == "T";
                self.started = true;
            }
            "05" => self.opening(record, line)?,
            "20" => {
                self.counted_payments += 1;
                let reference = field(record, 13, 37);
                self.section.push(Pending {
                    amount_minor: amount_minor(record, line)?,
                    reference: (!reference.is_empty()).then(|| reference.to_owned()),
                    payer: None,
                    payer_org_number: None,
                    payer_bankgiro: significant(field(record, 3, 12)),
                    serial: field(record, 58, 69).to_owned(),
                    line,
                });
            }
            "21" => {
                self.counted_payments += 1;
                self.unread.push(Unread {
                    line,
                    reason: "deduction",
                });
            }
            "22" | "23" => self.unread.push(Unread {
                line,
                reason: "extra reference",
            }),
            "25" | "27" | "28" => {}
            "26" => {
                if let Some(p) = self.section.last_mut() {
                    p.payer = Some(field(record, 3, 37).to_owned()).filter(|n| !n.is_empty());
                }
            }
            "29" => {
                if let Some(p) = self.section.last_mut() {
                    p.payer_org_number = significant(field(record, 3, 14));
                }
            }
            "15" => self.deposit(record, line)?,
            "70" => self.end(record, line)?,
            // A record type this reader does not know (Bankgirot adds some over time) is
            // passed over and reported, never the cause of a refused file.
            _ => self.unread.push(Unread {
                line,
                reason: "unknown record type",
            }),
        }
        Ok(())
    }

    /// TK05, a deposit's opening record: the bankgiro paid to (one per file) and the
    /// currency.
    fn opening(&mut self, record: &str, line: usize) -> Result<(), BankFileError> {
        let bg = significant(field(record, 3, 12))
            .ok_or_else(|| fail(line, "no bankgiro number in the opening record"))?;
        match &self.bankgiro {
            Some(b) if *b != bg => {
                return Err(fail(line, "payments to two bankgiro numbers in one file"));
            }
            _ => self.bankgiro = Some(bg),
        }
        let raw = field(record, 23, 25);
        self.currency = match raw {
            "" | "SEK" => Currency::Sek,
            "EUR" => Currency::Eur,
            other => return Err(fail(line, format!("currency {other} is not handled"))),
        };
        self.section.clear();
        Ok(())
    }

    /// TK15, a deposit record: dates the deposit's payments and checks their sum.
    fn deposit(&mut self, record: &str, line: usize) -> Result<(), BankFileError> {
        self.counted_deposits += 1;
        let date = field(record, 38, 45);
        let paid_on = NaiveDate::parse_from_str(date, "%Y%m%d")
            .map_err(|_| fail(line, format!("the deposit date {date:?} is not a date")))?;
        let stated = number(record, 51, 68, line, "the deposit amount")?;
        // Summed wide: amounts a file may state would overflow an i64 together.
        let sum: i128 = self
            .section
            .iter()
            .map(|p| i128::from(p.amount_minor))
            .sum();
        if self.unread.iter().all(|u| u.reason != "deduction") && i128::from(stated) != sum {
            return Err(fail(
                line,
                format!("the deposit states {stated} öre, its payments add up to {sum}"),
            ));
        }
        let currency = self.currency;
        self.payments
            .extend(self.section.drain(..).map(|p| BankPayment {
                amount: Money::from_minor(p.amount_minor, currency),
                paid_on,
                reference: p.reference,
                payer: p.payer,
                payer_org_number: p.payer_org_number,
                payer_bankgiro: p.payer_bankgiro,
                serial: p.serial,
                line: p.line,
            }));
        Ok(())
    }

    /// TK70, the end record: the counts of payments and deposits the file states.
    fn end(&mut self, record: &str, line: usize) -> Result<(), BankFileError> {
        let stated_payments = number(record, 3, 10, line, "the number of payments")?;
        let stated_deposits = number(record, 27, 34, line, "the number of deposits")?;
        let (counted_payments, counted_deposits) = (self.counted_payments, self.counted_deposits);
        if stated_payments != counted_payments || stated_deposits != counted_deposits {
            return Err(fail(
                line,
                format!(
                    "the file states {stated_payments} payments in {stated_deposits} deposits, \
                     it holds {counted_payments} in {counted_deposits}"
                ),
            ));
        }
        self.ended = true;
        Ok(())
    }

    /// The file, once every record is read: it must have ended, with no payment left
    /// outside a deposit.
    fn finish(self) -> Result<BankFile, BankFileError> {
        if !self.ended {
            return Err(fail(
                0,
                "the file has no end record (TK70): it may be cut off",
            ));
        }
        if !self.section.is_empty() {
            return Err(fail(0, "payments after the last deposit record (TK15)"));
        }
        Ok(BankFile {
            format: BankFormat::BgMax,
            paid_to: PaidTo::Bankgiro(
                self.bankgiro
                    .ok_or_else(|| fail(0, "no opening record (TK05)"))?,
            ),
            test: self.test,
            payments: self.payments,
            unread: self.unread,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::test_support::{date, sek};

    /// A record padded to BgMax's 80 characters: (first position, text) pieces.
    pub(crate) fn record(pieces: &[(usize, &str)]) -> String {
        let mut chars = vec![' '; 80];
        for (from, text) in pieces {
            for (i, c) in text.chars().enumerate() {
                chars[from - 1 + i] = c;
            }
        }
        chars.into_iter().collect()
    }

    /// A BgMax file paying `payments` (reference, öre, serial, payer) to bankgiro 5050-1055
    /// on 2027-02-14.
    pub(crate) fn bgmax(payments: &[(&str, i64, &str, &str)]) -> String {
        let mut lines = vec![
            record(&[(1, "01BGMAX"), (23, "0120270214103000123456P")]),
            record(&[(1, "05"), (3, "0050501055"), (23, "SEK")]),
        ];
        for (reference, ore, serial, payer) in payments {
            lines.push(record(&[
                (1, "20"),
                (3, "0009912346"),
                (13, reference),
                (38, &format!("{ore:018}")),
                (56, "2"),
                (57, "1"),
                (58, serial),
            ]));
            if !payer.is_empty() {
                lines.push(record(&[(1, "26"), (3, payer)]));
                lines.push(record(&[(1, "29"), (3, "002120001561")]));
            }
        }
        let total: i64 = payments.iter().map(|p| p.1).sum();
        lines.push(record(&[
            (1, "15"),
            (3, "00000000000000000000000000000000099"),
            (38, "20270214"),
            (46, "00001"),
            (51, &format!("{total:018}")),
            (69, "SEK"),
            (72, &format!("{:08}", payments.len())),
        ]));
        lines.push(record(&[
            (1, "70"),
            (3, &format!("{:08}", payments.len())),
            (11, "00000000"),
            (19, "00000000"),
            (27, "00000001"),
        ]));
        lines.join("\r\n") + "\r\n"
    }

    #[test]
    fn reads_payments_with_their_deposit_date_and_payer() {
        let text = bgmax(&[
            (
                "202700000124",
                6_971_100,
                "000000000001",
                "Bollebygds kommun",
            ),
            ("", 12_345, "000000000002", ""),
        ]);
        let file = parse_bgmax(&text).unwrap();
        assert_eq!(file.paid_to, PaidTo::Bankgiro("50501055".into()));
        assert!(!file.test);
        assert_eq!(file.payments.len(), 2);
        let first = &file.payments[0];
        assert_eq!(first.amount, sek("69711.00"));
        assert_eq!(first.paid_on, date(2027, 2, 14));
        assert_eq!(first.reference.as_deref(), Some("202700000124"));
        assert_eq!(first.payer.as_deref(), Some("Bollebygds kommun"));
        assert_eq!(first.payer_org_number.as_deref(), Some("2120001561"));
        assert_eq!(first.payer_bankgiro.as_deref(), Some("9912346"));
        assert_eq!(first.serial, "000000000001");
        assert_eq!(first.line, 3);
        assert_eq!(file.payments[1].reference, None);
        assert_eq!(file.payments[1].amount, sek("123.45"));
    }

    #[test]
    fn files_that_contradict_themselves_are_refused() {
        let good = bgmax(&[("202700000124", 100, "000000000001", "")]);
        // A cut-off file has no end record.
        let cut: String = good.lines().take(3).collect::<Vec<_>>().join("\n");
        assert_eq!(parse_bgmax(&cut).unwrap_err().line, 0);
        // A deposit whose stated amount is not the sum of its payments.
        let wrong = good.replace(&format!("{:018}SEK", 100), &format!("{:018}SEK", 101));
        assert_eq!(parse_bgmax(&wrong).unwrap_err().line, 4);
        // An amount that is not a number.
        let garbled = good.replace(&format!("{:018}2", 100), &format!("{:>18}2", "1x0"));
        assert!(parse_bgmax(&garbled).unwrap_err().reason.contains("amount"));
        assert!(parse_bgmax("hello").is_err());
        assert!(parse_bgmax("").is_err());
    }

    #[test]
    fn an_unknown_record_is_passed_over_and_reported() {
        let good = bgmax(&[("202700000124", 100, "000000000001", "")]);
        let mut lines: Vec<&str> = good.lines().collect();
        lines.insert(3, "99SOMETHING NEW FROM BANKGIROT");
        let file = parse_bgmax(&lines.join("\n")).unwrap();
        assert_eq!(file.payments.len(), 1);
        assert!(
            file.unread
                .iter()
                .any(|u| u.line == 4 && u.reason == "unknown record type"),
            "{:?}",
            file.unread
        );
    }

    #[test]
    fn amounts_too_large_to_add_up_are_refused_not_wrapped() {
        let payments: Vec<(String, i64)> = (0..10).map(|i| (format!("{:012}", i + 1), 1)).collect();
        let rows: Vec<(&str, i64, &str, &str)> = payments
            .iter()
            .map(|(serial, amount)| ("202700000124", *amount, serial.as_str(), ""))
            .collect();
        let file = bgmax(&rows);
        // Ten payments of 9 999 999 999 999 999.99 kr: their sum does not fit an i64, and
        // no one of them is an amount taken in.
        let huge = file.replace(&format!("{:018}2", 1), "9999999999999999992");
        let e = parse_bgmax(&huge).unwrap_err();
        assert!(e.reason.contains("largest amount"), "{e:?}");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn an_absurd_amount_is_refused_naming_its_line() {
        let file = bgmax(&[
            ("202700000124", 100, "000000000001", ""),
            ("202700000132", 999_999_999_999_999_999, "000000000002", ""),
        ]);
        let e = parse_bgmax(&file).unwrap_err();
        assert_eq!(e.line, 4, "{e:?}");
        assert!(e.reason.contains("largest amount"), "{e:?}");
        // The largest amount taken in is read.
        let file = bgmax(&[("202700000124", AMOUNT_MAX_MINOR, "000000000001", "")]);
        assert_eq!(
            parse_bgmax(&file).unwrap().payments[0].amount.to_minor(),
            AMOUNT_MAX_MINOR
        );
    }

    #[test]
    fn latin_1_files_are_read() {
        let mut bytes = b"01BGMAX".to_vec();
        bytes.push(0xE5); // å in ISO-8859-1
        assert_eq!(decode(&bytes), "01BGMAXå");
        assert_eq!(decode("Borås".as_bytes()), "Borås");
    }
}
