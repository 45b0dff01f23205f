//! ISO 20022 camt.054 (BankToCustomerDebitCreditNotification): the XML notification of the
//! entries booked on an account, which Swedish and Norwegian banks send for incoming
//! payments (OCR and KID references included). Versions 001.02 to 001.13 share the parts
//! read here; names are matched without their namespace so that every version reads the
//! same way.
//!
//! Each booked credit entry is read as its transactions (`TxDtls`), or as one payment when
//! the bank sends none. Debits, reversals and entries not booked are listed for a person.

use chrono::NaiveDate;
use roxmltree::{Document, Node};
use rust_decimal::Decimal;

use super::{BankFile, BankFileError, BankFormat, BankPayment, PaidTo, Unread, fail};
use crate::domain::Currency;
use crate::domain::money::Money;

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text at `path` below `node`, when there is any.
fn text_at(node: Node<'_, '_>, path: &[&str]) -> Option<String> {
    let mut at = node;
    for name in path {
        at = child(at, name)?;
    }
    at.text()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn line_of(doc: &Document<'_>, node: Node<'_, '_>) -> usize {
    doc.text_pos_at(node.range().start).row as usize
}

/// An `Amt` element: its decimal text in its `Ccy` currency.
fn amount(doc: &Document<'_>, node: Node<'_, '_>) -> Result<Money, BankFileError> {
    let line = line_of(doc, node);
    let currency = node
        .attribute("Ccy")
        .ok_or_else(|| fail(line, "an amount without its currency (Ccy)"))?;
    let currency = Currency::parse(currency)
        .map_err(|_| fail(line, format!("currency {currency} is not handled")))?;
    let raw = node.text().map(str::trim).unwrap_or("");
    let value: Decimal = raw
        .parse()
        .ok()
        .filter(|v: &Decimal| v.scale() <= 2 && !v.is_sign_negative())
        .ok_or_else(|| fail(line, format!("the amount {raw:?} is not an amount")))?;
    let money = Money::new(value, currency)
        .map_err(|_| fail(line, format!("the amount {raw} is too large")))?;
    super::check_amount(money.to_minor(), line)?;
    Ok(money)
}

/// A date element holding `Dt` (or `DtTm`, whose date is taken).
fn date(node: Node<'_, '_>) -> Option<NaiveDate> {
    let raw = text_at(node, &["Dt"]).or_else(|| text_at(node, &["DtTm"]))?;
    NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// The account the notification is about: its IBAN, or another identifier (a bankgiro
/// number, an account number) as digits.
fn paid_to(notification: Node<'_, '_>) -> Option<PaidTo> {
    let id = child(child(notification, "Acct")?, "Id")?;
    if let Some(iban) = text_at(id, &["IBAN"]) {
        return Some(PaidTo::Iban(
            iban.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase(),
        ));
    }
    let other = text_at(id, &["Othr", "Id"])?;
    let digits: String = other.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(PaidTo::Account(digits))
}

/// The payer's reference: the structured creditor reference (OCR, KID, RF) when given,
/// else the unstructured remittance text.
fn reference(tx: Node<'_, '_>) -> Option<String> {
    let info = child(tx, "RmtInf")?;
    children(info, "Strd")
        .find_map(|s| text_at(s, &["CdtrRefInf", "Ref"]))
        .or_else(|| {
            children(info, "Ustrd").find_map(|u| u.text().map(str::trim).map(str::to_owned))
        })
        .filter(|r| !r.is_empty())
}

/// The debtor's name and organisation number: `Dbtr/Nm` (up to version 7) or
/// `Dbtr/Pty/Nm` (version 8 on).
fn payer(tx: Node<'_, '_>) -> (Option<String>, Option<String>) {
    let Some(debtor) = child(tx, "RltdPties").and_then(|p| child(p, "Dbtr")) else {
        return (None, None);
    };
    let party = child(debtor, "Pty").unwrap_or(debtor);
    let name = text_at(party, &["Nm"]);
    let org_number = text_at(party, &["Id", "OrgId", "Othr", "Id"]);
    (name, org_number)
}

fn status(entry: Node<'_, '_>) -> Option<String> {
    // `<Sts>BOOK</Sts>` up to version 7, `<Sts><Cd>BOOK</Cd></Sts>` from version 8.
    text_at(entry, &["Sts", "Cd"]).or_else(|| text_at(entry, &["Sts"]))
}

/// Reads a camt.054 notification.
pub fn parse_camt054(text: &str) -> Result<BankFile, BankFileError> {
    let doc = Document::parse(text).map_err(|e| {
        let pos = e.pos();
        fail(pos.row as usize, format!("not well-formed XML: {e}"))
    })?;
    let root = doc.root_element();
    let namespace = root.tag_name().namespace().unwrap_or("");
    let body = child(root, "BkToCstmrDbtCdtNtfctn")
        .filter(|_| namespace.contains("camt.054"))
        .ok_or_else(|| fail(1, "not a camt.054 notification (BkToCstmrDbtCdtNtfctn)"))?;
    let message = text_at(body, &["GrpHdr", "MsgId"])
        .ok_or_else(|| fail(line_of(&doc, body), "no message id (GrpHdr/MsgId)"))?;
    let mut account: Option<PaidTo> = None;
    let mut read = Read::default();
    for (n, notification) in children(body, "Ntfctn").enumerate() {
        let line = line_of(&doc, notification);
        let to = paid_to(notification).ok_or_else(|| fail(line, "no account (Ntfctn/Acct/Id)"))?;
        match &account {
            Some(a) if *a != to => {
                return Err(fail(line, "notifications of two accounts in one file"));
            }
            _ => account = Some(to),
        }
        let notification_id = text_at(notification, &["Id"]).unwrap_or_else(|| n.to_string());
        for (e, entry) in children(notification, "Ntry").enumerate() {
            // Without the bank's own reference an entry is named by its place in the file.
            let place = format!("{message}/{notification_id}/{e}");
            read.entry(&doc, entry, place)?;
        }
    }
    Ok(BankFile {
        format: BankFormat::Camt054,
        paid_to: account.ok_or_else(|| fail(0, "no notification (Ntfctn)"))?,
        test: false,
        payments: read.payments,
        unread: read.unread,
    })
}

/// The payments read so far, and the entries and transactions left to a person.
#[derive(Default)]
struct Read {
    payments: Vec<BankPayment>,
    unread: Vec<Unread>,
}

impl Read {
    /// One entry (`Ntry`): a booked credit becomes its transactions, or one payment when
    /// the bank lists none; anything else is left to a person. `place` names the entry
    /// when the bank gives it no reference.
    fn entry(
        &mut self,
        doc: &Document<'_>,
        entry: Node<'_, '_>,
        place: String,
    ) -> Result<(), BankFileError> {
        let line = line_of(doc, entry);
        let credit = text_at(entry, &["CdtDbtInd"]).as_deref() == Some("CRDT");
        let reversal = text_at(entry, &["RvslInd"]).as_deref() == Some("true");
        let booked = status(entry).as_deref() == Some("BOOK");
        let reason = match (credit, reversal, booked) {
            (false, _, _) => Some("debit"),
            (_, true, _) => Some("reversal"),
            (_, _, false) => Some("not booked"),
            _ => None,
        };
        if let Some(reason) = reason {
            self.unread.push(Unread { line, reason });
            return Ok(());
        }
        let total = amount(
            doc,
            child(entry, "Amt").ok_or_else(|| fail(line, "an entry without an amount"))?,
        )?;
        let paid_on = child(entry, "BookgDt")
            .and_then(date)
            .or_else(|| child(entry, "ValDt").and_then(date))
            .ok_or_else(|| fail(line, "an entry without a booking date"))?;
        let entry_ref = text_at(entry, &["AcctSvcrRef"]).unwrap_or(place);
        let transactions: Vec<Node<'_, '_>> = children(entry, "NtryDtls")
            .flat_map(|d| children(d, "TxDtls"))
            .collect();
        if transactions.is_empty() {
            self.payments.push(BankPayment {
                amount: total,
                paid_on,
                reference: reference(entry),
                payer: None,
                payer_org_number: None,
                payer_bankgiro: None,
                serial: entry_ref,
                line,
            });
            return Ok(());
        }
        let booked = Booked {
            total,
            paid_on,
            entry_ref,
        };
        let mut sum = Money::zero(total.currency());
        let mut left_out = false;
        for (t, tx) in transactions.into_iter().enumerate() {
            match self.transaction(doc, tx, t, &booked)? {
                Some(amount) => {
                    sum = sum
                        .checked_add(amount)
                        .map_err(|_| fail(line_of(doc, tx), "the amounts are too large"))?;
                }
                None => left_out = true,
            }
        }
        if !left_out && sum != total {
            return Err(fail(
                line,
                format!(
                    "the entry states {}, its transactions add up to {}",
                    total.amount(),
                    sum.amount()
                ),
            ));
        }
        Ok(())
    }

    /// One transaction (`TxDtls`, the `t`-th of its entry) as a payment, and its amount;
    /// `None` for a debit, which is left to a person.
    fn transaction(
        &mut self,
        doc: &Document<'_>,
        tx: Node<'_, '_>,
        t: usize,
        entry: &Booked,
    ) -> Result<Option<Money>, BankFileError> {
        let line = line_of(doc, tx);
        if text_at(tx, &["CdtDbtInd"]).is_some_and(|i| i != "CRDT") {
            self.unread.push(Unread {
                line,
                reason: "debit",
            });
            return Ok(None);
        }
        // A batch's transactions carry their own amounts; a single one may leave it to the
        // entry.
        let amount = match child(tx, "Amt").or_else(|| {
            child(tx, "AmtDtls")
                .and_then(|d| child(d, "TxAmt"))
                .and_then(|d| child(d, "Amt"))
        }) {
            Some(node) => amount(doc, node)?,
            None => entry.total,
        };
        if amount.currency() != entry.total.currency() {
            return Err(fail(
                line,
                "a transaction in another currency than its entry",
            ));
        }
        let (payer, payer_org_number) = payer(tx);
        let serial = text_at(tx, &["Refs", "AcctSvcrRef"])
            .unwrap_or_else(|| format!("{}/{t}", entry.entry_ref));
        self.payments.push(BankPayment {
            amount,
            paid_on: entry.paid_on,
            reference: reference(tx),
            payer,
            payer_org_number,
            payer_bankgiro: None,
            serial,
            line,
        });
        Ok(Some(amount))
    }
}

/// What a booked entry says of all its transactions.
struct Booked {
    total: Money,
    paid_on: NaiveDate,
    entry_ref: String,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::test_support::{date, sek};

    /// A camt.054.001.02 notification of one booked credit entry to IBAN
    /// SE45 5000 0000 0583 9825 7466 on 2027-03-20, holding `transactions`
    /// (OCR reference, amount, bank reference, payer).
    pub(crate) fn camt054(transactions: &[(&str, &str, &str, &str)]) -> String {
        let total: Decimal = transactions
            .iter()
            .map(|t| t.1.parse::<Decimal>().unwrap_or_default())
            .sum();
        let details: String = transactions
            .iter()
            .map(|(ocr, amount, reference, payer)| {
                format!(
                    r#"
        <TxDtls>
          <Refs><AcctSvcrRef>{reference}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="SEK">{amount}</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>{payer}</Nm><Id><OrgId><Othr><Id>2120001561</Id></Othr></OrgId></Id></Dbtr></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{ocr}</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls>"#
                )
            })
            .collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>20270320-0001</MsgId><CreDtTm>2027-03-20T06:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>20270320-0001-1</Id>
      <CreDtTm>2027-03-20T06:00:00</CreDtTm>
      <Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="SEK">{total:.2}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2027-03-20</Dt></BookgDt>
        <ValDt><Dt>2027-03-20</Dt></ValDt>
        <AcctSvcrRef>E-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>{details}
        </NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"#
        )
    }

    #[test]
    fn reads_a_batch_of_ocr_payments() {
        let text = camt054(&[
            ("202700000124", "69711.00", "T-1", "Bollebygds kommun"),
            ("4711", "123.45", "T-2", "Marks kommun &amp; Co"),
        ]);
        let file = parse_camt054(&text).unwrap();
        assert_eq!(file.format, BankFormat::Camt054);
        assert_eq!(
            file.paid_to,
            PaidTo::Iban("SE4550000000058398257466".into())
        );
        assert!(file.unread.is_empty());
        let read: Vec<_> = file
            .payments
            .iter()
            .map(|p| {
                (
                    p.amount,
                    p.paid_on,
                    p.reference.as_deref(),
                    p.payer.as_deref(),
                    p.payer_org_number.as_deref(),
                    p.serial.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    sek("69711.00"),
                    date(2027, 3, 20),
                    Some("202700000124"),
                    Some("Bollebygds kommun"),
                    Some("2120001561"),
                    "T-1"
                ),
                (
                    sek("123.45"),
                    date(2027, 3, 20),
                    Some("4711"),
                    Some("Marks kommun & Co"),
                    Some("2120001561"),
                    "T-2"
                ),
            ]
        );
        // The line of each transaction, for a person looking into the file.
        assert!(file.payments[0].line > 1 && file.payments[1].line > file.payments[0].line);
    }

    #[test]
    fn an_entry_whose_transactions_do_not_add_up_is_refused() {
        let text = camt054(&[("4711", "100.00", "T-1", "Mark")]).replace(
            "<Amt Ccy=\"SEK\">100.00</Amt>\n        <CdtDbtInd>",
            "<Amt Ccy=\"SEK\">100.01</Amt>\n        <CdtDbtInd>",
        );
        let e = parse_camt054(&text).unwrap_err();
        assert!(e.reason.contains("100.01"), "{e}");
    }

    #[test]
    fn an_absurd_amount_is_refused_naming_its_line() {
        let text = camt054(&[
            ("4711", "100.00", "T-1", "Mark"),
            ("4712", "5000000000000.00", "T-2", "Mark"),
        ]);
        let e = parse_camt054(&text).unwrap_err();
        assert!(e.reason.contains("largest amount"), "{e}");
        assert!(e.line > 1, "{e:?}");
    }

    #[test]
    fn debits_reversals_and_pending_entries_are_left_to_a_person() {
        let base = camt054(&[("4711", "100.00", "T-1", "Mark")]);
        for (from, to, reason) in [
            (
                "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>",
                "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>",
                "debit",
            ),
            ("<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>", "not booked"),
            (
                "<Sts>BOOK</Sts>",
                "<RvslInd>true</RvslInd><Sts>BOOK</Sts>",
                "reversal",
            ),
        ] {
            let file = parse_camt054(&base.replacen(from, to, 1)).unwrap();
            assert!(file.payments.is_empty(), "{reason}");
            assert_eq!(file.unread.len(), 1);
            assert_eq!(file.unread[0].reason, reason);
        }
    }

    #[test]
    fn version_8_status_and_party_and_an_entry_without_details() {
        let text = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><Othr><Id>5050-1055</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr></Id></Acct>
<Ntry><Amt Ccy="SEK">500</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2027-03-21T10:00:00</DtTm></BookgDt>
<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>Borås stad</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>Faktura NAV-2027-0002</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="SEK">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2027-03-22</Dt></BookgDt><AcctSvcrRef>E-2</AcctSvcrRef></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"#;
        let file = parse_camt054(text).unwrap();
        assert_eq!(file.paid_to, PaidTo::Account("50501055".into()));
        let read: Vec<_> = file
            .payments
            .iter()
            .map(|p| {
                (
                    p.amount,
                    p.paid_on,
                    p.reference.as_deref(),
                    p.payer.as_deref(),
                    p.serial.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    sek("500.00"),
                    date(2027, 3, 21),
                    Some("Faktura NAV-2027-0002"),
                    Some("Borås stad"),
                    "M1/N1/0/0"
                ),
                (sek("10.00"), date(2027, 3, 22), None, None, "E-2"),
            ]
        );
    }

    #[test]
    fn what_is_not_a_notification_is_refused_naming_the_line() {
        for (text, line) in [
            ("<Document><Ntfctn>", 1),
            (
                "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>",
                1,
            ),
            ("01BGMAX", 1),
        ] {
            let e = parse_camt054(text).unwrap_err();
            assert_eq!(e.line, line, "{e}");
        }
        let e = parse_camt054(&camt054(&[("1", "1.001", "T", "P")])).unwrap_err();
        assert!(e.reason.contains("1.001"), "{e}");
        // A DTD is refused: no entity expansion from a bank file.
        let dtd = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">]><d>&a;</d>";
        assert!(parse_camt054(dtd).is_err());
    }
}
