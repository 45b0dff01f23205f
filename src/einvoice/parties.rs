//! The parties: the seller (AccountingSupplierParty) and the buyer
//! (AccountingCustomerParty) with their endpoints, addresses, VAT and legal registration.

use super::Parties;
use super::vat::tax_scheme;
use super::xml::Xml;
use crate::domain::documents::InvoiceDocument;
use crate::domain::{Country, OrgNumber, PeppolEndpoint};

pub(super) fn seller_party(
    x: &mut Xml,
    doc: &InvoiceDocument,
    parties: &Parties,
    outside_scope: bool,
) {
    let seller = &doc.seller;
    let org = &parties.seller_org_number;
    let endpoint = PeppolEndpoint::for_org_number(org);
    x.open("cac:AccountingSupplierParty");
    x.open("cac:Party");
    x.leaf_attrs(
        "cbc:EndpointID",
        &[("schemeID", endpoint.scheme())],
        endpoint.id(),
    );
    x.open("cac:PartyName");
    x.leaf("cbc:Name", &seller.name);
    x.close("cac:PartyName");
    address(x, &seller.address);
    // BR-O-02: an invoice outside the scope of VAT carries no seller VAT number.
    if let Some(vat) = parties
        .seller_vat_number
        .as_ref()
        .filter(|_| !outside_scope)
    {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", &vat.to_string());
        tax_scheme(x);
        x.close("cac:PartyTaxScheme");
    }
    let registration = match org.country() {
        Country::Se if seller.f_skatt => Some("Godkänd för F-skatt"),
        Country::No if seller.in_business_register => Some("Foretaksregisteret"),
        _ => None,
    };
    if let Some(text) = registration {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", text);
        x.open("cac:TaxScheme");
        x.leaf("cbc:ID", "TAX");
        x.close("cac:TaxScheme");
        x.close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity");
    x.leaf("cbc:RegistrationName", &seller.legal_name);
    x.leaf_attrs(
        "cbc:CompanyID",
        &[("schemeID", endpoint.scheme())],
        org.digits(),
    );
    if org.country() == Country::Se && !seller.seat.trim().is_empty() {
        x.leaf("cbc:CompanyLegalForm", &format!("Säte: {}", seller.seat));
    }
    x.close("cac:PartyLegalEntity");
    let contact = doc.invoice.our_reference.as_deref().unwrap_or("");
    if !contact.trim().is_empty() || !seller.email.trim().is_empty() {
        x.open("cac:Contact");
        x.leaf("cbc:Name", contact);
        x.leaf("cbc:ElectronicMail", &seller.email);
        x.close("cac:Contact");
    }
    x.close("cac:Party");
    x.close("cac:AccountingSupplierParty");
}

pub(super) fn buyer_party(
    x: &mut Xml,
    doc: &InvoiceDocument,
    parties: &Parties,
    outside_scope: bool,
) {
    let buyer = &doc.buyer;
    let endpoint = parties.buyer_endpoint.clone().or_else(|| {
        parties
            .buyer_org_number
            .as_ref()
            .map(PeppolEndpoint::for_org_number)
    });
    x.open("cac:AccountingCustomerParty");
    x.open("cac:Party");
    if let Some(e) = &endpoint {
        x.leaf_attrs("cbc:EndpointID", &[("schemeID", e.scheme())], e.id());
    }
    x.open("cac:PartyName");
    x.leaf("cbc:Name", &buyer.name);
    x.close("cac:PartyName");
    match &buyer.address {
        Some(a) => address(x, a),
        None => {
            // BR-11: the buyer's country is required even without an address.
            let country = parties
                .buyer_org_number
                .as_ref()
                .map_or(doc.seller.address.country, OrgNumber::country);
            x.open("cac:PostalAddress");
            country_code(x, country);
            x.close("cac:PostalAddress");
        }
    }
    // UBL's order: PartyTaxScheme after the address, before the legal entity. BR-O-02: an
    // invoice outside the scope of VAT names no buyer VAT number either.
    if let Some(vat) = parties.buyer_vat_number.as_ref().filter(|_| !outside_scope) {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", &vat.to_string());
        tax_scheme(x);
        x.close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity");
    x.leaf("cbc:RegistrationName", &buyer.name);
    if let Some(org) = &parties.buyer_org_number {
        let scheme = PeppolEndpoint::for_org_number(org);
        x.leaf_attrs(
            "cbc:CompanyID",
            &[("schemeID", scheme.scheme())],
            org.digits(),
        );
    }
    x.close("cac:PartyLegalEntity");
    x.close("cac:Party");
    x.close("cac:AccountingCustomerParty");
}

fn address(x: &mut Xml, a: &crate::domain::Address) {
    x.open("cac:PostalAddress");
    x.leaf("cbc:StreetName", &a.line1);
    if let Some(line2) = a.line2.as_deref().filter(|l| !l.trim().is_empty()) {
        x.leaf("cbc:AdditionalStreetName", line2);
    }
    x.leaf("cbc:CityName", &a.city);
    x.leaf("cbc:PostalZone", &a.postal_code);
    country_code(x, a.country);
    x.close("cac:PostalAddress");
}

fn country_code(x: &mut Xml, country: Country) {
    x.open("cac:Country");
    x.leaf("cbc:IdentificationCode", country.as_str());
    x.close("cac:Country");
}
