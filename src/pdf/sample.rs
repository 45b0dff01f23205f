//! Realistic sample documents, so that template authors can see their edits on something
//! that looks like a real letter or invoice (`avtal render --sample`), and tests and
//! benchmarks have a fixed input. A Swedish federation bills Borås; a Norwegian regional
//! council bills Kautokeino.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::contribution::VatTreatment;
use crate::domain::documents::{
    Buyer, Calculation, DocumentKind, InvoiceDocument, ItemKind, MenuItem, OfferFixedLine,
    OfferLetter, OpenItem, OverdueItem, PaymentReference, ReminderDocument, Seller,
    StatementDocument,
};
use crate::domain::invoicing::{
    BillingPlan, CollectionRules, Invoice, InvoiceLine, Schedule, VariableBilling,
};
use crate::domain::money::Money;
use crate::domain::organisation::{CurrencyAccount, PaymentAccounts, Signatory};
use crate::domain::{
    Address, Bankgiro, Bic, Country, Currency, Iban, Kontonummer, Language, Plusgiro,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn dec(units: i64, scale: u32) -> Decimal {
    Decimal::new(units, scale)
}

fn norwegian(lang: Language) -> bool {
    lang == Language::Nb
}

fn currency(lang: Language) -> Currency {
    if norwegian(lang) {
        Currency::Nok
    } else {
        Currency::Sek
    }
}

fn money(minor: i64, lang: Language) -> Money {
    Money::from_minor(minor, currency(lang))
}

pub fn seller(lang: Language) -> Seller {
    if norwegian(lang) {
        norwegian_seller()
    } else {
        swedish_seller()
    }
}

fn norwegian_seller() -> Seller {
    Seller {
        name: "Regionrådet Nord-Troms og Finnmark".into(),
        legal_name: "Regionrådet Nord-Troms og Finnmark IKS".into(),
        address: Address {
            line1: "Storgata 12".into(),
            line2: None,
            postal_code: "9510".into(),
            city: "Alta".into(),
            country: Country::No,
        },
        org_number: "998 877 660".into(),
        vat_number: Some("998 877 660 MVA".into()),
        f_skatt: false,
        in_business_register: true,
        seat: "Alta".into(),
        email: "faktura@regionradet.no".into(),
        accounts: PaymentAccounts {
            bankgiro: None,
            plusgiro: None,
            iban: Iban::parse("NO9386011117947").ok(),
            bic: Bic::parse("DNBANOKK").ok(),
            by_currency: BTreeMap::from([(
                Currency::Nok,
                CurrencyAccount {
                    kontonummer: Kontonummer::parse("8601.11.17947").ok(),
                    iban: None,
                    bic: None,
                },
            )]),
        },
        default_currency: Currency::Nok,
        signatories: vec![
            Signatory {
                name: "Ingrid Sørbø".into(),
                title: "Daglig leder".into(),
            },
            Signatory {
                name: "Ánde Somby".into(),
                title: "Styreleder".into(),
            },
        ],
    }
}

fn swedish_seller() -> Seller {
    Seller {
        name: "Navet science center".into(),
        legal_name: "Boråsregionen Sjuhärads kommunalförbund".into(),
        address: Address {
            line1: "Nicolaigatan 3".into(),
            line2: None,
            postal_code: "503 38".into(),
            city: "Borås".into(),
            country: Country::Se,
        },
        org_number: "222000-1321".into(),
        vat_number: Some("SE222000132101".into()),
        f_skatt: true,
        in_business_register: false,
        seat: "Borås".into(),
        email: "ekonomi@navet.com".into(),
        accounts: PaymentAccounts {
            bankgiro: Bankgiro::parse("5050-1055").ok(),
            plusgiro: Plusgiro::parse("28 65 43-4").ok(),
            iban: None,
            bic: None,
            by_currency: BTreeMap::new(),
        },
        default_currency: Currency::Sek,
        signatories: vec![
            Signatory {
                name: "Lisa Belfrage".into(),
                title: "Verksamhetschef Navet science center".into(),
            },
            Signatory {
                name: "Magnus Haggren".into(),
                title: "Förbundsdirektör Boråsregionen Sjuhärad".into(),
            },
        ],
    }
}

pub fn buyer(lang: Language) -> Buyer {
    if norwegian(lang) {
        return Buyer {
            name: "Kautokeino kommune – Guovdageainnu suohkan".into(),
            address: Some(Address {
                line1: "Hannoluohkka 2".into(),
                line2: Some("Att. Økonomiavdelingen".into()),
                postal_code: "9520".into(),
                city: "Kautokeino".into(),
                country: Country::No,
            }),
            org_number: Some("945 475 056".into()),
            vat_number: Some("NO945475056MVA".into()),
        };
    }
    Buyer {
        name: "Borås Stad".into(),
        address: Some(Address {
            line1: "Fakturaservice, Box 5003".into(),
            line2: Some("Ref. 4711 Förskola och skola".into()),
            postal_code: "507 05".into(),
            city: "Borås".into(),
            country: Country::Se,
        }),
        org_number: Some("212000-1561".into()),
        vat_number: Some("SE212000156101".into()),
    }
}

fn words(lang: Language) -> [&'static str; 9] {
    match lang {
        Language::Sv => [
            "Fast del per invånare",
            "invånare",
            "Skolprogram Kemi åk 4–6",
            "klass",
            "Kompetensutveckling för lärare (halvdag)",
            "tillfälle",
            "Prova-på-verkstad Teknik",
            "Lärarfortbildning Hållbar utveckling, Ängsgården",
            "deltagare",
        ],
        Language::Nb => [
            "Fast del per innbygger",
            "innbyggere",
            "Skoleprogram Kjemi 4.–7. trinn",
            "klasse",
            "Kompetanseutvikling for lærere (halv dag)",
            "gang",
            "Prøv-selv-verksted Teknologi",
            "Etterutdanning Bærekraft, Ørnes",
            "deltakere",
        ],
        Language::En => [
            "Fixed part per inhabitant",
            "inhabitants",
            "School programme Chemistry, years 4–6",
            "class",
            "Professional development for teachers (half day)",
            "session",
            "Hands-on workshop Technology",
            "Teacher training Sustainable development, Ängsgården",
            "participants",
        ],
    }
}

pub fn offer(lang: Language) -> OfferLetter {
    let w = words(lang);
    let (population, rate) = if norwegian(lang) {
        (2848, 4250)
    } else {
        (9784, 2850)
    };
    OfferLetter {
        language: lang,
        date: day(2026, 11, 2),
        diarienummer: Some("BRS 2026/0412".into()),
        addressees: Some(
            match lang {
                Language::Sv => "Till Anna Lind, kommundirektör, och Per Ek, utbildningschef",
                Language::Nb => "Til Anne Lie, kommunedirektør, og Per Moe, oppvekstsjef",
                Language::En => "To Anna Lind, municipal director, and Per Ek, head of education",
            }
            .into(),
        ),
        seller: seller(lang),
        buyer: offer_buyer(lang),
        fee_year: 2027,
        period_start: day(2027, 1, 1),
        period_end: None,
        notice_months: 6,
        billing: BillingPlan {
            schedule: Schedule::Quarterly,
            variable: VariableBilling::Arrears,
            invoice_day: 15,
        },
        first_invoice: Some(day(2027, 1, 15)),
        answer_by: day(2026, 12, 15),
        currency: currency(lang),
        conversion: None,
        fixed: vec![OfferFixedLine {
            description: w[0].into(),
            calculation: Calculation::PerUnit {
                quantity: Decimal::from(population),
                unit: w[1].into(),
                price: money(rate, lang),
                discount_percent: None,
            },
            population_date: Some(day(2025, 12, 31)),
            converted_from: None,
            index: None,
            amount: money(population * rate, lang),
        }],
        variable: true,
        years: Vec::new(),
        menu: menu(lang),
        ordered: vec![OfferFixedLine {
            description: w[2].into(),
            calculation: Calculation::PerUnit {
                quantity: Decimal::from(6),
                unit: w[3].into(),
                price: money(350_000, lang),
                discount_percent: None,
            },
            population_date: None,
            converted_from: None,
            index: None,
            amount: money(2_100_000, lang),
        }],
        attachments: offer_attachments(lang),
    }
}

/// The municipality an offer goes to: a smaller one than the invoices' buyer.
fn offer_buyer(lang: Language) -> Buyer {
    let (name, line1, postal_code, city, country) = if norwegian(lang) {
        (
            "Kautokeino kommune – Guovdageainnu suohkan",
            "Hannoluohkka 2",
            "9520",
            "Kautokeino",
            Country::No,
        )
    } else {
        (
            "Bollebygds kommun",
            "Box 52",
            "517 22",
            "Bollebygd",
            Country::Se,
        )
    };
    Buyer {
        name: name.into(),
        address: Some(Address {
            line1: line1.into(),
            line2: None,
            postal_code: postal_code.into(),
            city: city.into(),
            country,
        }),
        org_number: None,
        vat_number: None,
    }
}

/// The services members can order, at their prices.
fn menu(lang: Language) -> Vec<MenuItem> {
    let w = words(lang);
    let vat = dec(25, 0);
    let item = |service: &str, unit: &str, price: i64| MenuItem {
        service: service.into(),
        unit: unit.into(),
        price: money(price, lang),
        vat: VatTreatment::Rate(vat),
    };
    vec![
        item(w[2], w[3], 350_000),
        item(w[4], w[5], 1_200_000),
        item(w[6], w[3], 280_000),
        item(w[7], w[8], 95_000),
    ]
}

fn offer_attachments(lang: Language) -> Vec<String> {
    match lang {
        Language::Sv => vec![
            "Affärsplan Navet science center 2022–2025".to_owned(),
            "Avtalskommun? Så kan du använda Navet".to_owned(),
            "Rörlig del – ett smörgåsbord av möjligheter och riktade/särskilda insatser".to_owned(),
        ],
        Language::Nb => vec![
            "Handlingsplan 2026–2029".to_owned(),
            "Slik kan kommunen bruke tjenestene våre".to_owned(),
        ],
        Language::En => vec![
            "Business plan 2022–2025".to_owned(),
            "Member municipality? How to use Navet".to_owned(),
        ],
    }
}

fn reference(lang: Language) -> PaymentReference {
    if norwegian(lang) {
        PaymentReference::Kid("20260001236".into())
    } else {
        PaymentReference::Ocr("202600012326".into())
    }
}

/// An invoice with six lines of services, two VAT treatments: education exempt from VAT
/// (with the reason the law asks for) and taxed services. The fixed part, outside the scope
/// of VAT, is invoiced on its own (Peppol allows no other category beside it).
pub fn invoice(lang: Language) -> InvoiceDocument {
    let w = words(lang);
    let vat = VatTreatment::Rate(dec(25, 0));
    let (education, days, reason) = match lang {
        Language::Sv => (
            "Studiedag för lärare, NO",
            "dag",
            "Utbildning, undantagen enligt 10 kap. 41 § mervärdesskattelagen",
        ),
        Language::Nb => (
            "Studiedag for lærere, realfag",
            "dag",
            "Undervisning, unntatt etter merverdiavgiftsloven § 3-5",
        ),
        Language::En => (
            "Study day for teachers, science",
            "day",
            "Education, exempt under the Swedish VAT Act, chapter 10, section 41",
        ),
    };
    let exempt = VatTreatment::Exempt {
        reason: reason.into(),
    };
    let line = |description: &str, quantity: i64, unit: &str, price: i64, vat: &VatTreatment| {
        InvoiceLine {
            description: description.into(),
            quantity: Decimal::from(quantity),
            unit: unit.into(),
            unit_price: money(price, lang),
            vat: vat.clone(),
            amount: money(quantity * price, lang),
            component: None,
            fee_year: None,
            discount: None,
            domestic_vat_abroad: false,
        }
    };
    let prefix = if norwegian(lang) { "RNTF" } else { "NAV" };
    InvoiceDocument {
        invoice: Invoice {
            language: lang,
            date: day(2026, 11, 22),
            period_start: day(2027, 1, 1),
            period_end: day(2027, 12, 31),
            buyer_reference: Some(if norwegian(lang) {
                "Ellen Máret Hætta".into()
            } else {
                "4711 Åsa Öberg".into()
            }),
            our_reference: Some(if norwegian(lang) {
                "Ingrid Sørbø".into()
            } else {
                "Lisa Belfrage".into()
            }),
            currency: currency(lang),
            lines: vec![
                line(education, 2, days, 950_000, &exempt),
                line(w[2], 6, w[3], 350_000, &vat),
                line(w[4], 2, w[5], 1_200_000, &vat),
                line(w[6], 3, w[3], 280_000, &vat),
                line(w[7], 14, w[8], 95_000, &vat),
                line(w[2], 1, w[3], 175_050, &vat),
            ],
            rounding: money(0, lang),
        },
        number: format!("{prefix}-2026-0001"),
        due_date: day(2026, 12, 22),
        seller: seller(lang),
        buyer: buyer(lang),
        reference: reference(lang),
        credits: None,
        late_interest_percent: Some(dec(10, 0)),
        accounting_vat: None,
    }
}

/// The sample invoice with many lines, so that it runs over two pages.
pub fn long_invoice(lang: Language) -> InvoiceDocument {
    let mut doc = invoice(lang);
    let template = doc.invoice.lines.clone();
    for i in 0..40 {
        let mut line = template[1 + i % 5].clone();
        line.description = format!("{} ({})", line.description, i + 1);
        doc.invoice.lines.push(line);
    }
    doc
}

/// A partial credit of the sample invoice: two of the workshops did not happen.
pub fn credit_note(lang: Language) -> InvoiceDocument {
    let mut doc = invoice(lang);
    let w = words(lang);
    let prefix = if norwegian(lang) { "RNTF" } else { "NAV" };
    doc.number = format!("{prefix}-K-2026-0001");
    doc.credits = Some((format!("{prefix}-2026-0001"), day(2026, 11, 22)));
    doc.invoice.date = day(2026, 12, 5);
    doc.due_date = day(2026, 12, 5);
    doc.invoice.lines = vec![InvoiceLine {
        description: w[6].into(),
        quantity: Decimal::from(-2),
        unit: w[3].into(),
        unit_price: money(280_000, lang),
        vat: VatTreatment::Rate(dec(25, 0)),
        amount: money(-560_000, lang),
        component: None,
        fee_year: None,
        discount: None,
        domestic_vat_abroad: false,
    }];
    doc
}

pub fn reminder(lang: Language) -> ReminderDocument {
    let prefix = if norwegian(lang) { "RNTF" } else { "NAV" };
    ReminderDocument {
        language: lang,
        date: day(2027, 2, 10),
        new_due_date: day(2027, 2, 24),
        seller: seller(lang),
        buyer: buyer(lang),
        currency: currency(lang),
        overdue: vec![
            OverdueItem {
                number: format!("{prefix}-2026-0001"),
                date: day(2026, 11, 22),
                due_date: day(2026, 12, 22),
                outstanding: money(3_671_533, lang),
                days_late: 50,
                interest: money(50_295, lang),
            },
            OverdueItem {
                number: format!("{prefix}-2026-0014"),
                date: day(2026, 12, 1),
                due_date: day(2026, 12, 31),
                outstanding: money(1_250_000, lang),
                days_late: 41,
                interest: money(14_041, lang),
            },
        ],
        // A Swedish public debtor owes the 450 kr förseningsersättning, which absorbs a
        // reminder fee; a Norwegian one a purregebyr.
        fee: money(if norwegian(lang) { 3_500 } else { 0 }, lang),
        compensation: money(if norwegian(lang) { 0 } else { 45_000 }, lang),
        interest_percent: dec(10, 0),
        reference: reference(lang),
        law: CollectionRules::of(
            if norwegian(lang) {
                Country::No
            } else {
                Country::Se
            },
            currency(lang),
            true,
            day(2027, 2, 10),
            &[],
        )
        .law(lang)
        .to_owned(),
    }
}

pub fn statement(lang: Language) -> StatementDocument {
    let prefix = if norwegian(lang) { "RNTF" } else { "NAV" };
    let item = |kind, n: &str, date, due, amount: i64, paid: i64| OpenItem {
        kind,
        number: format!("{prefix}-{n}"),
        date,
        due_date: due,
        amount: money(amount, lang),
        paid: money(paid, lang),
    };
    StatementDocument {
        language: lang,
        date: day(2027, 3, 1),
        seller: seller(lang),
        buyer: buyer(lang),
        currency: currency(lang),
        items: vec![
            item(
                ItemKind::Document(DocumentKind::Invoice),
                "2026-0001",
                day(2026, 11, 22),
                Some(day(2026, 12, 22)),
                3_671_533,
                1_000_000,
            ),
            item(
                ItemKind::Document(DocumentKind::CreditNote),
                "K-2026-0001",
                day(2026, 12, 5),
                None,
                -700_000,
                0,
            ),
            item(
                ItemKind::Document(DocumentKind::Invoice),
                "2027-0003",
                day(2027, 2, 15),
                Some(day(2027, 3, 17)),
                1_250_000,
                0,
            ),
            item(
                ItemKind::Payment,
                "2027-0002",
                day(2027, 2, 20),
                None,
                -500_000,
                0,
            ),
        ],
    }
}
