//! E-invoice cases that cover what avtal issues: a Swedish service invoice at 25 %, a
//! membership fee outside the scope of VAT, taxed and exempt services together, a credit
//! note, öresavrundning, a Norwegian seller with a KID, and an invoice and a credit note in
//! EUR that state their VAT in SEK too. The tests write each one and
//! check it against the Peppol rules.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::contribution::VatTreatment;
use crate::domain::documents::{Buyer, Seller};
use crate::domain::documents::{InvoiceDocument, PaymentReference};
use crate::domain::invoicing::rounding_to_whole;
use crate::domain::invoicing::{AccountingVat, ExchangeRate, Invoice, InvoiceLine};
use crate::domain::money::Money;
use crate::domain::organisation::{CurrencyAccount, PaymentAccounts};
use crate::domain::{
    Address, Bankgiro, Bic, Country, Currency, Iban, Language, OrgNumber, Plusgiro, VatNumber,
};
use crate::einvoice::Parties;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn line(
    description: &str,
    quantity: i64,
    unit: &str,
    price_minor: i64,
    vat: VatTreatment,
    currency: Currency,
) -> InvoiceLine {
    InvoiceLine {
        description: description.into(),
        quantity: Decimal::from(quantity),
        unit: unit.into(),
        unit_price: Money::from_minor(price_minor, currency),
        vat,
        amount: Money::from_minor(quantity * price_minor, currency),
        component: None,
        fee_year: None,
        discount: None,
        domestic_vat_abroad: false,
    }
}

fn parties(doc: &InvoiceDocument) -> Option<Parties> {
    let seller_country = doc.seller.address.country;
    let buyer_country = doc
        .buyer
        .address
        .as_ref()
        .map_or(seller_country, |a| a.country);
    Some(Parties {
        seller_org_number: OrgNumber::parse(seller_country, &doc.seller.org_number).ok()?,
        seller_vat_number: match &doc.seller.vat_number {
            Some(v) => Some(VatNumber::parse(seller_country, v).ok()?),
            None => None,
        },
        buyer_org_number: match &doc.buyer.org_number {
            Some(o) => Some(OrgNumber::parse(buyer_country, o).ok()?),
            None => None,
        },
        buyer_vat_number: match &doc.buyer.vat_number {
            Some(v) => Some(VatNumber::parse(buyer_country, v).ok()?),
            None => None,
        },
        buyer_endpoint: None,
    })
}

fn case(
    name: &'static str,
    doc: InvoiceDocument,
) -> Option<(&'static str, InvoiceDocument, Parties)> {
    let p = parties(&doc)?;
    Some((name, doc, p))
}

fn address(
    line1: &str,
    line2: Option<&str>,
    postal_code: &str,
    city: &str,
    country: Country,
) -> Address {
    Address {
        line1: line1.into(),
        line2: line2.map(Into::into),
        postal_code: postal_code.into(),
        city: city.into(),
        country,
    }
}

/// A Swedish federation's invoice to Borås, without lines.
fn swedish() -> InvoiceDocument {
    InvoiceDocument {
        invoice: Invoice {
            language: Language::Sv,
            currency: Currency::Sek,
            date: day(2026, 11, 22),
            period_start: day(2027, 1, 1),
            period_end: day(2027, 12, 31),
            buyer_reference: Some("4711 Åsa Öberg".into()),
            our_reference: Some("Lisa Belfrage".into()),
            lines: Vec::new(),
            rounding: Money::zero(Currency::Sek),
        },
        number: "NAV-2026-0001".into(),
        due_date: day(2026, 12, 22),
        seller: Seller {
            name: "Navet science center".into(),
            legal_name: "Boråsregionen Sjuhärads kommunalförbund".into(),
            address: address("Nicolaigatan 3", None, "503 38", "Borås", Country::Se),
            org_number: "222000-1321".into(),
            vat_number: Some("SE222000132101".into()),
            f_skatt: true,
            in_business_register: false,
            seat: "Borås".into(),
            email: "ekonomi@navet.com".into(),
            accounts: PaymentAccounts {
                bankgiro: Bankgiro::parse("5050-1055").ok(),
                plusgiro: None,
                iban: None,
                bic: None,
                by_currency: BTreeMap::new(),
            },
            default_currency: Currency::Sek,
            signatories: Vec::new(),
        },
        buyer: Buyer {
            name: "Borås Stad".into(),
            address: Some(address(
                "Fakturaservice, Box 5003",
                Some("Ref. 4711 Förskola och skola"),
                "507 05",
                "Borås",
                Country::Se,
            )),
            org_number: Some("212000-1561".into()),
            vat_number: Some("SE212000156101".into()),
        },
        reference: PaymentReference::Ocr("202600012326".into()),
        credits: None,
        late_interest_percent: Some(Decimal::from(10)),
        accounting_vat: None,
    }
}

/// A Swedish federation invoicing Borås for services at 25 %, paid by bankgiro and OCR.
pub fn se_services() -> InvoiceDocument {
    let sek = Currency::Sek;
    let vat = || VatTreatment::Rate(Decimal::from(25));
    let mut doc = swedish();
    doc.invoice.lines = vec![
        line("Skolprogram Kemi åk 4–6", 6, "klass", 350_000, vat(), sek),
        line(
            "Konsulttimmar & handledning",
            10,
            "timmar",
            95_000,
            vat(),
            sek,
        ),
        line(
            "Lärarfortbildning <heldag>",
            2,
            "dagar",
            1_200_000,
            vat(),
            sek,
        ),
    ];
    doc
}

/// A membership fee outside the scope of VAT from a body that is not VAT-registered, to a
/// buyer who gave no reference.
pub fn se_membership_fee() -> InvoiceDocument {
    let mut doc = swedish();
    doc.seller.vat_number = None;
    doc.seller.f_skatt = false;
    doc.invoice.buyer_reference = None;
    doc.number = "NAV-2026-0002".into();
    doc.invoice.lines = vec![InvoiceLine {
        description: "Medlemsavgift 2027, 115 238 invånare × 0,50 kr".into(),
        quantity: Decimal::from(115_238),
        unit: "invånare".into(),
        unit_price: Money::from_minor(50, Currency::Sek),
        vat: VatTreatment::OutsideScope,
        amount: Money::from_minor(5_761_900, Currency::Sek),
        component: None,
        fee_year: None,
        discount: None,
        domestic_vat_abroad: false,
    }];
    doc
}

/// Taxed workshops beside exempt education (two exemption reasons), plusgiro and bankgiro,
/// and a line whose amount is a share rather than quantity × price.
pub fn se_mixed() -> InvoiceDocument {
    let sek = Currency::Sek;
    let mut doc = swedish();
    doc.number = "NAV-2026-0003".into();
    doc.seller.accounts.plusgiro = Plusgiro::parse("28 65 43-4").ok();
    let exempt = |reason: &str| VatTreatment::Exempt {
        reason: reason.into(),
    };
    // A share of a shared cost: its amount is set, quantity × price does not give it.
    let mut share = line(
        "Andel av gemensam utbildningsinsats",
        7,
        "deltagare",
        14_286,
        exempt("Utbildning, 10 kap. 41 § ML"),
        sek,
    );
    share.amount = Money::from_minor(100_000, sek);
    doc.invoice.lines = vec![
        line(
            "Prova-på-verkstad Teknik",
            3,
            "klass",
            280_000,
            VatTreatment::Rate(Decimal::from(25)),
            sek,
        ),
        line(
            "Kursmaterial",
            40,
            "st",
            12_050,
            VatTreatment::Rate(Decimal::from(6)),
            sek,
        ),
        line(
            "Lärarfortbildning",
            14,
            "deltagare",
            95_000,
            exempt("Utbildning, 10 kap. 41 § ML"),
            sek,
        ),
        share,
        line(
            "Studiebesök",
            1,
            "besök",
            150_000,
            exempt("Undantag enligt 10 kap. ML"),
            sek,
        ),
    ];
    doc
}

/// A credit of two workshops of the service invoice.
pub fn se_credit_note() -> InvoiceDocument {
    let mut doc = se_services();
    doc.number = "NAV-K-2026-0001".into();
    doc.credits = Some(("NAV-2026-0001".into(), day(2026, 11, 22)));
    doc.invoice.date = day(2026, 12, 5);
    doc.due_date = doc.invoice.date;
    doc.invoice.lines = vec![line(
        "Skolprogram Kemi åk 4–6",
        -2,
        "klass",
        350_000,
        VatTreatment::Rate(Decimal::from(25)),
        Currency::Sek,
    )];
    doc
}

/// Öresavrundning: 1 001,30 + 250,33 VAT = 1 251,63, paid as 1 252 kr.
pub fn se_rounded() -> InvoiceDocument {
    let sek = Currency::Sek;
    let mut doc = se_services();
    doc.number = "NAV-2026-0004".into();
    doc.invoice.lines = vec![line(
        "Handledning",
        1,
        "st",
        100_130,
        VatTreatment::Rate(Decimal::from(25)),
        sek,
    )];
    let total = doc.invoice.total();
    doc.invoice.rounding = rounding_to_whole(total);
    doc
}

/// The Swedish federation invoicing a partner in EUR at 25 %, paid to its EUR IBAN: the
/// VAT is stated in SEK too, at 11.23 SEK per EUR (2 × 500 EUR net, 250 EUR VAT, 2 807.50
/// SEK).
pub fn se_eur() -> InvoiceDocument {
    let eur = Currency::Eur;
    let mut doc = swedish();
    doc.number = "NAV-2027-0001".into();
    doc.invoice.language = Language::En;
    doc.invoice.currency = eur;
    doc.invoice.rounding = Money::zero(eur);
    doc.invoice.date = day(2027, 4, 1);
    doc.due_date = day(2027, 5, 1);
    doc.seller.accounts.by_currency = BTreeMap::from([(
        eur,
        CurrencyAccount {
            kontonummer: None,
            iban: Iban::parse("DE89 3704 0044 0532 0130 00").ok(),
            bic: Bic::parse("COBADEFFXXX").ok(),
        },
    )]);
    doc.invoice.lines = vec![line(
        "Workshop",
        2,
        "day",
        50_000,
        VatTreatment::Rate(Decimal::from(25)),
        eur,
    )];
    let rate = ExchangeRate {
        quote: Currency::Sek,
        currency: eur,
        date: day(2027, 3, 1),
        rate: Decimal::new(1123, 2),
        source: "Riksbanken".into(),
    };
    doc.accounting_vat = rate
        .convert(doc.invoice.vat())
        .map(|vat| AccountingVat { rate, vat });
    doc
}

/// A credit of one of the two days of [`se_eur`], at the invoice's rate.
pub fn se_eur_credit_note() -> InvoiceDocument {
    let mut doc = se_eur();
    doc.number = "NAV-K-2027-0001".into();
    doc.credits = Some(("NAV-2027-0001".into(), day(2027, 4, 1)));
    doc.invoice.date = day(2027, 4, 20);
    doc.due_date = doc.invoice.date;
    doc.invoice.lines = vec![line(
        "Workshop",
        -1,
        "day",
        50_000,
        VatTreatment::Rate(Decimal::from(25)),
        Currency::Eur,
    )];
    doc.accounting_vat = doc.accounting_vat.map(|a| AccountingVat {
        vat: a.rate.convert(doc.invoice.vat()).unwrap_or(a.vat),
        rate: a.rate,
    });
    doc
}

/// A Norwegian inter-municipal company invoicing Kautokeino in NOK, with a KID and an IBAN.
pub fn no_kid() -> InvoiceDocument {
    let nok = Currency::Nok;
    let mut doc = swedish();
    doc.invoice.language = Language::Nb;
    doc.number = "RNTF-2026-0001".into();
    doc.invoice.currency = nok;
    doc.invoice.rounding = Money::zero(nok);
    doc.late_interest_percent = None;
    doc.seller = Seller {
        name: "Regionrådet Nord-Troms og Finnmark".into(),
        legal_name: "Regionrådet Nord-Troms og Finnmark IKS".into(),
        address: address("Storgata 12", None, "9510", "Alta", Country::No),
        org_number: "998 877 660".into(),
        vat_number: Some("NO998877660MVA".into()),
        f_skatt: false,
        in_business_register: true,
        seat: "Alta".into(),
        email: "faktura@regionradet.no".into(),
        accounts: PaymentAccounts {
            bankgiro: None,
            plusgiro: None,
            iban: Iban::parse("NO9386011117947").ok(),
            bic: Bic::parse("DNBANOKK").ok(),
            by_currency: BTreeMap::new(),
        },
        default_currency: nok,
        signatories: Vec::new(),
    };
    doc.buyer = Buyer {
        name: "Kautokeino kommune – Guovdageainnu suohkan".into(),
        address: Some(address(
            "Hannoluohkka 2",
            Some("Att. Økonomiavdelingen"),
            "9520",
            "Kautokeino",
            Country::No,
        )),
        org_number: Some("945 475 056".into()),
        vat_number: None,
    };
    doc.invoice.buyer_reference = Some("Ellen Máret Hætta".into());
    doc.invoice.our_reference = Some("Ingrid Sørbø".into());
    doc.reference = PaymentReference::Kid("20260001236".into());
    doc.invoice.lines = vec![
        line(
            "Skoleprogram Kjemi 4.–7. trinn",
            6,
            "klasse",
            350_000,
            VatTreatment::Rate(Decimal::from(25)),
            nok,
        ),
        line(
            "Kurs, halv dag",
            2,
            "dager",
            1_200_000,
            VatTreatment::Rate(Decimal::from(15)),
            nok,
        ),
    ];
    doc
}

/// A Swedish federation's course for a Norwegian municipality: the buyer reverse-charges
/// the VAT under its own VAT number (mervärdesskattelagen 6 kap. 33 §).
pub fn se_reverse_charge_no() -> InvoiceDocument {
    let sek = Currency::Sek;
    let mut doc = swedish();
    doc.number = "NAV-2026-0007".into();
    doc.buyer = Buyer {
        name: "Halden kommune".into(),
        address: Some(address("Postboks 150", None, "1751", "Halden", Country::No)),
        org_number: Some("959 159 092".into()),
        vat_number: Some("NO959159092MVA".into()),
    };
    doc.invoice.lines = vec![line(
        "Lärarfortbildning, naturvetenskap",
        3,
        "deltagare",
        450_000,
        VatTreatment::ReverseCharge,
        sek,
    )];
    doc
}

/// Every case, named, with the identifiers an e-invoice needs; a case whose sample
/// identifiers do not parse is left out (the tests count them).
pub fn cases() -> Vec<(&'static str, InvoiceDocument, Parties)> {
    [
        case("se-services-25", se_services()),
        case("se-membership-fee-O", se_membership_fee()),
        case("se-mixed-S-E", se_mixed()),
        case("se-credit-note", se_credit_note()),
        case("se-oresavrundning", se_rounded()),
        case("no-kid", no_kid()),
        case("se-reverse-charge-no", se_reverse_charge_no()),
        case("se-eur-sek-vat", se_eur()),
        case("se-eur-credit-note", se_eur_credit_note()),
    ]
    .into_iter()
    .flatten()
    .collect()
}
