//! Numbers, amounts and dates as each language writes them. Swedish and Norwegian group
//! thousands with a no-break space and use a decimal comma ("1 234,00 kr"), so that an
//! amount never breaks across lines; English uses "SEK 1,234.00".

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::contribution::{Conversion, Unit, VatTreatment};
use crate::domain::invoicing::{AccountingVat, BillingPlan, Schedule, VariableBilling};
use crate::domain::money::Money;
use crate::domain::{Currency, Language};

/// U+00A0, the no-break space between groups of digits and before the currency.
pub const NBSP: char = '\u{a0}';

/// An amount with its currency: "278 844,00 kr", "1 803 424,00 EUR", "SEK 278,844.00".
pub fn money(m: Money, lang: Language) -> String {
    let number = amount(m, lang);
    match (lang, m.currency()) {
        (Language::Sv, Currency::Sek) | (Language::Nb, Currency::Nok) => {
            format!("{number}{NBSP}kr")
        }
        (Language::En, c) => format!("{c}{NBSP}{number}"),
        (_, c) => format!("{number}{NBSP}{c}"),
    }
}

/// An amount without its currency, for table columns: "278 844,00".
pub fn amount(m: Money, lang: Language) -> String {
    number(m.amount(), lang, 2)
}

/// A decimal with at least `min_dp` decimals and no trailing zeros beyond them:
/// `number(9784, Sv, 0)` = "9 784", `number(1.5, Sv, 0)` = "1,5".
pub fn number(value: Decimal, lang: Language, min_dp: u32) -> String {
    let (group, point) = match lang {
        Language::En => (',', '.'),
        Language::Sv | Language::Nb => (NBSP, ','),
    };
    let mut v = value.normalize();
    if v.scale() < min_dp {
        v.rescale(min_dp);
    }
    let text = v.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + 4);
    if v.is_sign_negative() && !v.is_zero() {
        // U+2212, the minus sign, reads better than a hyphen in print.
        out.push('−');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A percentage: "25 %" in Swedish and Norwegian, "25%" in English.
pub fn percent(value: Decimal, lang: Language) -> String {
    let n = number(value, lang, 0);
    match lang {
        Language::En => format!("{n}%"),
        Language::Sv | Language::Nb => format!("{n}{NBSP}%"),
    }
}

/// A date: ISO 8601 in Swedish and English invoices, "22.11.2026" in Norwegian.
pub fn date(d: NaiveDate, lang: Language) -> String {
    match lang {
        Language::Nb => d.format("%d.%m.%Y").to_string(),
        Language::Sv | Language::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// A period "2027-01-01 – 2027-12-31", or "from 2027-01-01" when it has no end.
pub fn period(start: NaiveDate, end: Option<NaiveDate>, lang: Language) -> String {
    match end {
        Some(end) => format!("{}{NBSP}–{NBSP}{}", date(start, lang), date(end, lang)),
        None => {
            let from = match lang {
                Language::Sv => "från och med",
                Language::Nb => "fra og med",
                Language::En => "from",
            };
            format!("{from} {}", date(start, lang))
        }
    }
}

/// A price-list unit in the reader's language, in the plural when `plural`.
pub fn unit(u: Unit, lang: Language, plural: bool) -> &'static str {
    use Language::{En, Nb, Sv};
    match (u, lang, plural) {
        (Unit::Class, Sv, false) => "klass",
        (Unit::Class, Sv, true) => "klasser",
        (Unit::Class, Nb, false) => "klasse",
        (Unit::Class, Nb, true) => "klasser",
        (Unit::Class, En, false) => "class",
        (Unit::Class, En, true) => "classes",
        (Unit::Participant, Sv, _) => "deltagare",
        (Unit::Participant, Nb, false) => "deltaker",
        (Unit::Participant, Nb, true) => "deltakere",
        (Unit::Participant, En, false) => "participant",
        (Unit::Participant, En, true) => "participants",
        (Unit::Day, Sv, false) => "dag",
        (Unit::Day, Sv, true) => "dagar",
        (Unit::Day, Nb, false) => "dag",
        (Unit::Day, Nb, true) => "dager",
        (Unit::Day, En, false) => "day",
        (Unit::Day, En, true) => "days",
        (Unit::Visit, Sv, _) => "besök",
        (Unit::Visit, Nb, _) => "besøk",
        (Unit::Visit, En, false) => "visit",
        (Unit::Visit, En, true) => "visits",
        (Unit::Hour, Sv, false) => "timme",
        (Unit::Hour, Sv, true) => "timmar",
        (Unit::Hour, Nb, false) => "time",
        (Unit::Hour, Nb, true) => "timer",
        (Unit::Hour, En, false) => "hour",
        (Unit::Hour, En, true) => "hours",
        (Unit::Piece, Sv | Nb, _) => "st",
        (Unit::Piece, En, _) => "pcs",
    }
}

/// "invånare": the unit of a per-inhabitant fee.
pub fn inhabitants(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "invånare",
        Language::Nb => "innbyggere",
        Language::En => "inhabitants",
    }
}

/// The VAT column of a line: "25 %", or in a word why no VAT is charged (the note under
/// the lines says it in full).
pub fn vat(v: &VatTreatment, lang: Language) -> String {
    let word = match (v, lang) {
        (VatTreatment::Rate(rate), _) => return percent(*rate, lang),
        (VatTreatment::Exempt { .. }, Language::Sv) => "Undantag",
        (VatTreatment::Exempt { .. }, Language::Nb) => "Fritatt",
        (VatTreatment::Exempt { .. }, Language::En) => "Exempt",
        (VatTreatment::OutsideScope, Language::Sv) => "Utanför",
        (VatTreatment::OutsideScope, Language::Nb) => "Utenfor",
        (VatTreatment::OutsideScope, Language::En) => "Outside",
        (VatTreatment::ReverseCharge, Language::Sv) => "Omvänd",
        (VatTreatment::ReverseCharge, Language::Nb) => "Omvendt",
        (VatTreatment::ReverseCharge, Language::En) => "Reverse",
    };
    word.to_owned()
}

/// An agreed period as a letter states it: "2016-01-01 – 2018-12-31", or "från och med
/// 2027-01-01 och tills vidare" when it runs until further notice.
pub fn agreed_period(start: NaiveDate, end: Option<NaiveDate>, lang: Language) -> String {
    match end {
        Some(_) => period(start, end, lang),
        None => {
            let until = match lang {
                Language::Sv => "och tills vidare",
                Language::Nb => "og inntil videre",
                Language::En => "until further notice",
            };
            format!("{} {until}", period(start, None, lang))
        }
    }
}

/// A number of months: "6 månader", "1 måned", "12 months".
pub fn months(n: i32, lang: Language) -> String {
    let word = match (lang, n == 1) {
        (Language::Sv, true) => "månad",
        (Language::Sv, false) => "månader",
        (Language::Nb, true) => "måned",
        (Language::Nb, false) => "måneder",
        (Language::En, true) => "month",
        (Language::En, false) => "months",
    };
    format!("{n}{NBSP}{word}")
}

/// How a billing plan invoices, in words: "Fast del kvartalsvis, fakturadatum den 15:e i
/// periodens första månad; rörlig del i efterskott".
pub fn billing_plan(plan: &BillingPlan, variable: bool, lang: Language) -> String {
    use Language::{En, Nb, Sv};
    let how_often = match (plan.schedule, lang) {
        (Schedule::Annual, Sv) => "en gång om året",
        (Schedule::HalfYearly, Sv) => "halvårsvis",
        (Schedule::Quarterly, Sv) => "kvartalsvis",
        (Schedule::Monthly, Sv) => "månadsvis",
        (Schedule::Annual, Nb) => "én gang i året",
        (Schedule::HalfYearly, Nb) => "halvårlig",
        (Schedule::Quarterly, Nb) => "kvartalsvis",
        (Schedule::Monthly, Nb) => "månedlig",
        (Schedule::Annual, En) => "once a year",
        (Schedule::HalfYearly, En) => "every half-year",
        (Schedule::Quarterly, En) => "quarterly",
        (Schedule::Monthly, En) => "monthly",
    };
    let day = plan.invoice_day.clamp(1, 28);
    let mut text = match lang {
        Sv => format!(
            "Fast del {how_often}, fakturadatum den {day}:{} i periodens första månad",
            if matches!(day % 10, 1 | 2) && day / 10 != 1 {
                "a"
            } else {
                "e"
            }
        ),
        Nb => format!("Fast del {how_often}, fakturadato den {day}. i periodens første måned"),
        En => format!("Fixed part {how_often}, invoiced on day {day} of the period's first month"),
    };
    if variable {
        let when = match (plan.variable, lang) {
            (VariableBilling::Advance, Sv) => "; rörlig del i förskott",
            (VariableBilling::Arrears, Sv) => "; rörlig del i efterskott",
            (VariableBilling::Advance, Nb) => "; variabel del forskuddsvis",
            (VariableBilling::Arrears, Nb) => "; variabel del etterskuddsvis",
            (VariableBilling::Advance, En) => "; variable part in advance",
            (VariableBilling::Arrears, En) => "; variable part in arrears",
        };
        text.push_str(when);
    }
    text
}

/// A conversion as a document states it: "Beloppen är beräknade i EUR och omräknade till
/// SEK med kursen 11,4527 SEK per EUR (Riksbanken, 2026-12-30)".
pub fn conversion(c: &Conversion, lang: Language) -> String {
    let rate = number(c.rate, lang, 0);
    let date = date(c.date, lang);
    let (from, to, source) = (c.from, c.to, &c.source);
    match lang {
        Language::Sv => format!(
            "Beloppen är beräknade i {from} och omräknade till {to} med kursen {rate}{NBSP}{to} per {from} ({source}, {date})."
        ),
        Language::Nb => format!(
            "Beløpene er beregnet i {from} og omregnet til {to} med kursen {rate}{NBSP}{to} per {from} ({source}, {date})."
        ),
        Language::En => format!(
            "The amounts are computed in {from} and converted to {to} at {rate}{NBSP}{to} per {from} ({source}, {date})."
        ),
    }
}

/// The VAT of an invoice in another currency in the organisation's own, with the rate it
/// was converted at (ML 17 kap. 24 §): "Moms i SEK: 2 807,50 (1 EUR = 11,2300 SEK,
/// Riksbanken 2027-03-01)". The rate shows at least four decimals, as banks quote it.
pub fn accounting_vat(a: &AccountingVat, lang: Language) -> String {
    let (vat, within) = match lang {
        Language::Sv => ("Moms", "i"),
        Language::Nb => ("MVA", "i"),
        Language::En => ("VAT", "in"),
    };
    let r = &a.rate;
    let (quote, currency) = (r.quote, r.currency);
    format!(
        "{vat} {within} {quote}: {} (1{NBSP}{currency} = {}{NBSP}{quote}, {} {})",
        amount(a.vat, lang),
        number(r.rate, lang, 4),
        r.source,
        date(r.date, lang),
    )
}

/// A converted amount's origin, for a calculation column or an invoice line: "541 027,20
/// EUR × 11,4527".
pub fn converted(from: Money, rate: Decimal, lang: Language) -> String {
    format!("{} × {}", money(from, lang), number(rate, lang, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{d, date as ymd, sek};

    #[test]
    fn swedish_amounts_group_with_no_break_spaces() {
        assert_eq!(
            money(sek("278844"), Language::Sv),
            "278\u{a0}844,00\u{a0}kr"
        );
        assert_eq!(money(sek("0.5"), Language::Sv), "0,50\u{a0}kr");
        assert_eq!(
            money(sek("-1234.5"), Language::Sv),
            "−1\u{a0}234,50\u{a0}kr"
        );
        assert_eq!(
            money(sek("1234567.89"), Language::En),
            "SEK\u{a0}1,234,567.89"
        );
        let eur = Money::new(d("1803424"), Currency::Eur).unwrap();
        assert_eq!(money(eur, Language::Sv), "1\u{a0}803\u{a0}424,00\u{a0}EUR");
        let nok = Money::new(d("100"), Currency::Nok).unwrap();
        assert_eq!(money(nok, Language::Nb), "100,00\u{a0}kr");
    }

    #[test]
    fn numbers_keep_what_they_need() {
        assert_eq!(number(d("9784"), Language::Sv, 0), "9\u{a0}784");
        assert_eq!(number(d("1.50"), Language::Sv, 0), "1,5");
        assert_eq!(number(d("28.5"), Language::Nb, 2), "28,50");
        assert_eq!(number(d("999"), Language::En, 0), "999");
        assert_eq!(number(d("1000"), Language::En, 0), "1,000");
        assert_eq!(number(d("0"), Language::Sv, 2), "0,00");
        assert_eq!(percent(d("25"), Language::Sv), "25\u{a0}%");
        assert_eq!(percent(d("10.5"), Language::En), "10.5%");
    }

    #[test]
    fn the_vat_in_the_organisations_currency_says_its_rate() {
        use crate::domain::invoicing::ExchangeRate;
        let a = AccountingVat {
            rate: ExchangeRate {
                quote: Currency::Sek,
                currency: Currency::Eur,
                date: ymd(2027, 3, 1),
                rate: d("11.23"),
                source: "Riksbanken".into(),
            },
            vat: sek("2807.50"),
        };
        let plain = |lang| accounting_vat(&a, lang).replace(NBSP, " ");
        assert_eq!(
            plain(Language::Sv),
            "Moms i SEK: 2 807,50 (1 EUR = 11,2300 SEK, Riksbanken 2027-03-01)"
        );
        assert_eq!(
            plain(Language::Nb),
            "MVA i SEK: 2 807,50 (1 EUR = 11,2300 SEK, Riksbanken 01.03.2027)"
        );
        assert_eq!(
            plain(Language::En),
            "VAT in SEK: 2,807.50 (1 EUR = 11.2300 SEK, Riksbanken 2027-03-01)"
        );
        // A credit note's VAT is negative; a rate of more decimals keeps them.
        let credit = AccountingVat {
            vat: sek("-2807.50"),
            rate: ExchangeRate {
                rate: d("11.234567"),
                ..a.rate.clone()
            },
        };
        assert_eq!(
            accounting_vat(&credit, Language::Sv).replace(NBSP, " "),
            "Moms i SEK: −2 807,50 (1 EUR = 11,234567 SEK, Riksbanken 2027-03-01)"
        );
    }

    #[test]
    fn dates_and_periods() {
        let a = ymd(2027, 1, 1);
        let b = ymd(2027, 12, 31);
        assert_eq!(date(a, Language::Sv), "2027-01-01");
        assert_eq!(date(b, Language::Nb), "31.12.2027");
        assert_eq!(
            period(a, Some(b), Language::Sv),
            "2027-01-01\u{a0}–\u{a0}2027-12-31"
        );
        assert_eq!(period(a, None, Language::Sv), "från och med 2027-01-01");
    }
}
