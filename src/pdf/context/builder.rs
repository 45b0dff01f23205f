//! The values every document shares: the organisation, its accounts in the document's
//! currency, the member, the signatory and the date.

use std::collections::HashMap;

use crate::domain::documents::{Buyer, Seller};
use crate::domain::money::Money;
use crate::domain::organisation::PayTo;
use crate::domain::{Address, Country, Currency, Language};
use crate::pdf::format;

/// Lines of an address: street, c/o, postal code and city.
fn address_lines(a: &Address) -> String {
    let mut out = a.line1.clone();
    if let Some(l2) = &a.line2 {
        out.push('\n');
        out.push_str(l2);
    }
    out.push('\n');
    out.push_str(&a.postal_code);
    out.push_str("  ");
    out.push_str(&a.city);
    out
}

pub(super) struct Builder {
    lang: Language,
    pub(super) values: HashMap<&'static str, String>,
}

impl Builder {
    /// The organisation's accounts are those that take `currency`, the document's: an NOK
    /// invoice from a Swedish body shows its kontonummer and NOK IBAN, not its bankgiro.
    pub(super) fn new(
        lang: Language,
        seller: &Seller,
        buyer: &Buyer,
        date: chrono::NaiveDate,
        currency: Currency,
    ) -> Self {
        let mut b = Builder {
            lang,
            values: HashMap::with_capacity(48),
        };
        b.organisation(seller);
        b.accounts(seller, currency);
        b.member(buyer);
        if let Some(first) = seller.signatories.first() {
            b.set("signatory.name", &first.name);
            b.set("signatory.title", &first.title);
        }
        b.set("document.date", &format::date(date, lang));
        b
    }

    fn organisation(&mut self, s: &Seller) {
        self.set("organisation.name", &s.name);
        self.set("organisation.legal_name", &s.legal_name);
        self.set("organisation.address", &address_lines(&s.address));
        self.set(
            "organisation.address_line",
            &format!(
                "{}, {} {}",
                s.address.line1, s.address.postal_code, s.address.city
            ),
        );
        self.set("organisation.org_number", &s.org_number);
        self.set(
            "organisation.vat_number",
            s.vat_number.as_deref().unwrap_or(""),
        );
        // Norwegian VAT-registered businesses print "MVA" after the organisation number; a
        // Swedish seller's Norwegian-language documents state its VAT number, as every
        // invoice must (ML 17 kap. 24 §).
        let mva = match (&s.vat_number, s.address.country) {
            (None, _) => String::new(),
            (Some(_), Country::No) => "MVA".to_owned(),
            (Some(v), Country::Se) => format!("MVA-nr. {v}"),
        };
        self.set("organisation.mva", &mva);
        let f_skatt = match (s.f_skatt, self.lang) {
            (false, _) => "",
            (true, Language::Sv | Language::Nb) => "Godkänd för F-skatt",
            (true, Language::En) => "Approved for F-tax (Godkänd för F-skatt)",
        };
        self.set("organisation.f_skatt", f_skatt);
        self.set(
            "organisation.register",
            if s.in_business_register {
                "Foretaksregisteret"
            } else {
                ""
            },
        );
        self.set("organisation.seat", &s.seat);
        self.set("organisation.email", &s.email);
    }

    fn accounts(&mut self, s: &Seller, currency: Currency) {
        let (mut bankgiro, mut plusgiro, mut kontonummer) = (None, None, None);
        let mut iban = None;
        for account in s.accounts.accepting(currency, s.default_currency) {
            match account {
                PayTo::Bankgiro(g) => bankgiro = Some(g.to_string()),
                PayTo::Plusgiro(g) => plusgiro = Some(g.to_string()),
                PayTo::Kontonummer(k) => kontonummer = Some(k.to_string()),
                PayTo::Iban { iban: i, bic } if iban.is_none() => iban = Some((i, bic)),
                PayTo::Iban { .. } => {}
            }
        }
        self.set("organisation.bankgiro", &bankgiro.unwrap_or_default());
        self.set("organisation.plusgiro", &plusgiro.unwrap_or_default());
        self.set("organisation.kontonummer", &kontonummer.unwrap_or_default());
        let (iban, bic) = match iban {
            Some((i, bic)) => (i.to_string(), bic.map(|b| b.as_str().to_owned())),
            None => (String::new(), None),
        };
        self.set("organisation.iban", &iban);
        self.set("organisation.bic", &bic.unwrap_or_default());
    }

    fn member(&mut self, buyer: &Buyer) {
        self.set("member.name", &buyer.name);
        self.set(
            "member.address",
            &buyer
                .address
                .as_ref()
                .map(address_lines)
                .unwrap_or_default(),
        );
        self.set(
            "member.org_number",
            buyer.org_number.as_deref().unwrap_or(""),
        );
        self.set(
            "member.vat_number",
            buyer.vat_number.as_deref().unwrap_or(""),
        );
    }

    pub(super) fn set(&mut self, key: &'static str, value: &str) {
        self.values.insert(key, value.to_owned());
    }

    pub(super) fn money(&mut self, key: &'static str, m: Money) {
        let v = format::money(m, self.lang);
        self.set(key, &v);
    }

    /// Like `money`, but empty when zero, so the template's row disappears.
    pub(super) fn money_unless_zero(&mut self, key: &'static str, m: Money) {
        if m.is_zero() {
            self.set(key, "");
        } else {
            self.money(key, m);
        }
    }

    pub(super) fn date(&mut self, key: &'static str, d: chrono::NaiveDate) {
        let v = format::date(d, self.lang);
        self.set(key, &v);
    }
}
