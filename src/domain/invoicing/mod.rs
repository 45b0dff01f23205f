//! The arithmetic of invoicing, with no I/O: when instalments fall and how a total is split
//! among them, which invoices a run makes, invoice numbers and payment references,
//! the VAT of a foreign-currency invoice in the organisation's own currency,
//! late-payment interest, the status an invoice has by what has happened to it, aging
//! buckets, reminders and öresavrundning.
//!
//! Amounts are whole öre throughout; every rounding is named where it happens, and sums
//! that must add up (instalments, interest) are computed exactly and rounded once.

mod collection;
mod exchange;
mod gaps;
mod interest;
mod invoice;
mod lines;
mod numbering;
mod plan;
mod reminders;
mod rounding;
mod schedule;
mod status;

pub use collection::*;
pub use exchange::*;
pub use gaps::*;
pub use interest::*;
pub use invoice::*;
pub use lines::*;
pub use numbering::*;
pub use plan::*;
pub use reminders::*;
pub use rounding::*;
pub use schedule::*;
pub use status::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        for s in Schedule::ALL {
            assert_eq!(Schedule::parse(s.as_str()), Ok(*s));
        }
        for v in VariableBilling::ALL {
            assert_eq!(VariableBilling::parse(v.as_str()), Ok(*v));
        }
        for r in ReferenceScheme::ALL {
            assert_eq!(ReferenceScheme::parse(r.as_str()), Ok(*r));
        }
        for s in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::parse(s.as_str()), Ok(*s));
        }
        for b in AgingBucket::ALL {
            assert_eq!(AgingBucket::parse(b.as_str()), Ok(*b));
        }
        assert_eq!(AgingBucket::Days1To30.to_string(), "1-30");
        assert_eq!(InvoiceStatus::PartiallyPaid.as_str(), "partially_paid");
        assert!(Schedule::parse("weekly").is_err());
    }
}
