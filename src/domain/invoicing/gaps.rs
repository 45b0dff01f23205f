//! What a member's invoice would lack, judged before a run issues it.

use crate::domain::Language;

/// What a member's invoice would lack. A dry run lists it so that a person completes the
/// member before the run; the run still issues (an issued invoice cannot be completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InvoiceGap {
    /// The buyer's address, which an invoice must show (mervärdesskattelagen 17 kap. 24 §).
    BillingAddress,
    /// Er referens: public buyers send back invoices without it.
    BuyerReference,
    /// Neither a Peppol address nor an organisation number: the e-invoice names no receiver
    /// (PEPPOL-EN16931-R010).
    EinvoiceAddress,
    /// No invoice email and no contact for invoices: the invoice cannot be emailed.
    InvoiceRecipient,
    /// Domestic VAT charged to a buyer in another country: services to a business or public
    /// body abroad are usually taxed where the buyer is (reverse charge in the EU, outside
    /// Swedish or Norwegian VAT otherwise), so the price list's rate is likely wrong here.
    ForeignVat,
}

/// What [`invoice_gaps`] looks at of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyerFacts {
    /// Municipalities, regions and universities: authorities that require a reference and
    /// e-invoices.
    pub public: bool,
    pub billing_address: bool,
    pub buyer_reference: bool,
    pub einvoice_address: bool,
    pub invoice_recipient: bool,
    /// The buyer is in another country than the seller and the invoice charges VAT.
    pub foreign_with_vat: bool,
}

pub fn invoice_gaps(f: BuyerFacts) -> Vec<InvoiceGap> {
    [
        (!f.billing_address, InvoiceGap::BillingAddress),
        (f.public && !f.buyer_reference, InvoiceGap::BuyerReference),
        (f.public && !f.einvoice_address, InvoiceGap::EinvoiceAddress),
        (!f.invoice_recipient, InvoiceGap::InvoiceRecipient),
        (f.foreign_with_vat, InvoiceGap::ForeignVat),
    ]
    .into_iter()
    .filter_map(|(missing, gap)| missing.then_some(gap))
    .collect()
}

impl InvoiceGap {
    pub fn code(self) -> &'static str {
        match self {
            InvoiceGap::BillingAddress => "billing_address",
            InvoiceGap::BuyerReference => "buyer_reference",
            InvoiceGap::EinvoiceAddress => "einvoice_address",
            InvoiceGap::InvoiceRecipient => "invoice_recipient",
            InvoiceGap::ForeignVat => "foreign_vat",
        }
    }

    pub fn message(self, lang: Language) -> &'static str {
        use Language::{En, Nb, Sv};
        match (self, lang) {
            (InvoiceGap::BillingAddress, Sv) => {
                "medlemmen saknar fakturaadress, som en faktura måste visa"
            }
            (InvoiceGap::BillingAddress, Nb) => {
                "medlemmen mangler fakturaadresse, som en faktura må vise"
            }
            (InvoiceGap::BillingAddress, En) => {
                "the member has no billing address, which an invoice must show"
            }
            (InvoiceGap::BuyerReference, Sv) => {
                "medlemmen saknar Er referens; offentliga köpare skickar tillbaka fakturor utan"
            }
            (InvoiceGap::BuyerReference, Nb) => {
                "medlemmen mangler Deres referanse; offentlige kjøpere returnerer fakturaer uten"
            }
            (InvoiceGap::BuyerReference, En) => {
                "the member has no buyer reference; public buyers return invoices without one"
            }
            (InvoiceGap::EinvoiceAddress, Sv) => {
                "medlemmen saknar Peppol-adress och organisationsnummer: e-fakturan får ingen mottagare"
            }
            (InvoiceGap::EinvoiceAddress, Nb) => {
                "medlemmen mangler Peppol-adresse og organisasjonsnummer: e-fakturaen får ingen mottaker"
            }
            (InvoiceGap::EinvoiceAddress, En) => {
                "the member has neither a Peppol address nor an organisation number: the e-invoice has no receiver"
            }
            (InvoiceGap::InvoiceRecipient, Sv) => {
                "medlemmen saknar e-post för fakturor och kontakt för fakturor: fakturan kan inte mejlas"
            }
            (InvoiceGap::InvoiceRecipient, Nb) => {
                "medlemmen mangler e-post for fakturaer og kontakt for fakturaer: fakturaen kan ikke sendes på e-post"
            }
            (InvoiceGap::InvoiceRecipient, En) => {
                "the member has no invoice email and no contact for invoices: the invoice cannot be emailed"
            }
            (InvoiceGap::ForeignVat, Sv) => {
                "köparen finns i ett annat land men fakturan tar ut svensk moms: tjänster till en utländsk verksamhet beskattas oftast där köparen finns (omvänd skattskyldighet inom EU), kontrollera momsen"
            }
            (InvoiceGap::ForeignVat, Nb) => {
                "kjøperen er i et annet land, men fakturaen beregner innenlandsk MVA: tjenester til en utenlandsk virksomhet beskattes oftest der kjøperen er, kontroller MVA-en"
            }
            (InvoiceGap::ForeignVat, En) => {
                "the buyer is in another country but the invoice charges domestic VAT: services to a business or public body abroad are usually taxed where the buyer is (reverse charge in the EU); check the VAT"
            }
        }
    }
}

/// What a dry run says of an instalment whose year's fixed amount changed after earlier
/// instalments were issued: those stay as issued, and the rest share what is left.
pub const RESPLIT_CODE: &str = "fixed_part_resplit";

pub fn resplit_message(lang: Language) -> &'static str {
    match lang {
        Language::Sv => {
            "årets fasta del har ändrats sedan tidigare delfakturor utfärdades (t.ex. en ny medlem i poolen eller nya villkor): de utfärdade fakturorna står kvar och återstående delfakturor delar på resten"
        }
        Language::Nb => {
            "årets faste del er endret siden tidligere delfakturaer ble utstedt (f.eks. et nytt medlem i poolen eller nye vilkår): de utstedte fakturaene står, og gjenstående delfakturaer deler resten"
        }
        Language::En => {
            "the year's fixed part changed after earlier instalments were issued (a new member of the pool, new terms): the issued invoices stand and the instalments left share the rest"
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn a_public_buyer_needs_a_reference_and_an_einvoice_address() {
        let complete = BuyerFacts {
            public: true,
            billing_address: true,
            buyer_reference: true,
            einvoice_address: true,
            invoice_recipient: true,
            foreign_with_vat: false,
        };
        assert_eq!(invoice_gaps(complete), []);
        let bare = BuyerFacts {
            public: true,
            billing_address: false,
            buyer_reference: false,
            einvoice_address: false,
            invoice_recipient: false,
            foreign_with_vat: false,
        };
        assert_eq!(
            invoice_gaps(bare),
            [
                InvoiceGap::BillingAddress,
                InvoiceGap::BuyerReference,
                InvoiceGap::EinvoiceAddress,
                InvoiceGap::InvoiceRecipient
            ]
        );
        // A company need not give a reference or take e-invoices; every buyer needs an
        // address on the invoice and a way to receive it.
        let company = BuyerFacts {
            public: false,
            ..bare
        };
        assert_eq!(
            invoice_gaps(company),
            [InvoiceGap::BillingAddress, InvoiceGap::InvoiceRecipient]
        );
        // Complete, but charging Swedish VAT to a Norwegian municipality.
        let abroad = BuyerFacts {
            foreign_with_vat: true,
            ..complete
        };
        assert_eq!(invoice_gaps(abroad), [InvoiceGap::ForeignVat]);
        for gap in invoice_gaps(BuyerFacts {
            foreign_with_vat: true,
            ..bare
        }) {
            for lang in [Language::Sv, Language::Nb, Language::En] {
                assert!(!gap.message(lang).is_empty());
            }
        }
    }
}
