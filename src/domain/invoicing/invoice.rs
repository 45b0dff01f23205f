//! The invoice as one value, from the plan to the page: the lines a run or a draft bills,
//! the period they cover, the date, the currency and the references. A run's proposal, the
//! dry run, the stored draft, the PDF and the e-invoice all hold this same [`Invoice`];
//! issuing adds a number, parties and a payment reference around it
//! ([`crate::domain::documents::InvoiceDocument`]).

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::rounding_to_whole;
use crate::domain::contribution::VatTreatment;
use crate::domain::money::{AMOUNT_MAX, AMOUNT_MAX_MINOR, Money, QUANTITY_MAX};
use crate::domain::{Currency, Language};

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Money,
    pub vat: VatTreatment,
    /// Net of VAT: the quantity times the unit price rounded to the öre ([`Self::priced`]),
    /// or a whole amount their product would not give exactly (a share of an instalment, a
    /// difference of usage).
    pub amount: Money,
    /// What the line bills (a statement component), so later runs bill only the rest.
    pub component: Option<String>,
    pub fee_year: Option<i32>,
    /// A discount on the quantity times the unit price: the amount is what is left of it.
    pub discount: Option<Discount>,
    /// `vat` is the seller's own rate charged to a buyer abroad by choice, where the law
    /// places the supply in the seller's country (see [`VatTreatment::for_buyer`]).
    pub domestic_vat_abroad: bool,
}

/// A line's discount, stated as its own allowance: the percent agreed and what it takes
/// off the quantity times the unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount {
    pub percent: Decimal,
    pub amount: Money,
}

impl Discount {
    /// What the PDF and the e-invoice call it.
    pub fn name(lang: Language) -> &'static str {
        match lang {
            Language::Sv | Language::Nb => "Rabatt",
            Language::En => "Discount",
        }
    }
}

impl InvoiceLine {
    /// A free line whose amount is the quantity times the unit price, rounded to the öre
    /// half away from zero; `None` when that is more than [`AMOUNT_MAX`] either way.
    pub fn priced(
        description: String,
        quantity: Decimal,
        unit: String,
        unit_price: Money,
        vat: VatTreatment,
    ) -> Option<Self> {
        let exact = quantity.checked_mul(unit_price.amount())?;
        let rounded = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let amount = Money::new(rounded, unit_price.currency())
            .ok()
            .filter(|a| a.to_minor().abs() <= AMOUNT_MAX_MINOR)?;
        Some(InvoiceLine {
            description,
            quantity,
            unit,
            unit_price,
            vat,
            amount,
            component: None,
            fee_year: None,
            discount: None,
            domestic_vat_abroad: false,
        })
    }

    /// The largest quantity, either way, that `unit_price` may be billed for: what keeps the
    /// line's amount within [`AMOUNT_MAX`], and never more than [`QUANTITY_MAX`].
    pub fn max_quantity(unit_price: Money) -> i64 {
        let price = unit_price.amount().abs();
        if price.is_zero() {
            return QUANTITY_MAX;
        }
        (Decimal::from(AMOUNT_MAX) / price)
            .floor()
            .to_i64()
            .map_or(QUANTITY_MAX, |q| q.min(QUANTITY_MAX))
    }

    /// Outside the scope of VAT (a contribution with nothing in return): such lines are
    /// never invoiced together with taxed or exempt ones (see
    /// [`super::invoices_by_vat_scope`]).
    pub fn outside_scope(&self) -> bool {
        self.vat == VatTreatment::OutsideScope
    }

    /// The line as a credit note states it: the quantity, the amount and the discount
    /// negated, the unit price as it was.
    pub fn credited(&self) -> Self {
        let negated = |m: Money| Money::from_minor(-m.to_minor(), m.currency());
        InvoiceLine {
            quantity: -self.quantity,
            amount: negated(self.amount),
            discount: self.discount.as_ref().map(|d| Discount {
                percent: d.percent,
                amount: negated(d.amount),
            }),
            ..self.clone()
        }
    }

    /// The quantity times the unit price, before the discount.
    pub fn gross(&self) -> Money {
        match &self.discount {
            Some(d) => Money::from_minor(
                self.amount.to_minor() + d.amount.to_minor(),
                self.amount.currency(),
            ),
            None => self.amount,
        }
    }
}

/// One VAT treatment's part of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatSummaryLine {
    pub vat: VatTreatment,
    pub base: Money,
    pub vat_amount: Money,
}

/// The lines grouped by VAT treatment, VAT rounded per rate to the öre (half away from
/// zero), in the order treatments first appear.
pub fn vat_summary(lines: &[InvoiceLine], currency: Currency) -> Vec<VatSummaryLine> {
    let mut out: Vec<VatSummaryLine> = Vec::new();
    for line in lines {
        let minor = line.amount.to_minor();
        match out.iter_mut().find(|s| s.vat == line.vat) {
            Some(s) => s.base = Money::from_minor(s.base.to_minor() + minor, currency),
            None => out.push(VatSummaryLine {
                vat: line.vat.clone(),
                base: Money::from_minor(minor, currency),
                vat_amount: Money::zero(currency),
            }),
        }
    }
    for s in &mut out {
        if let VatTreatment::Rate(rate) = &s.vat {
            let vat = (s.base.amount() * rate / Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            s.vat_amount = Money::new(vat, currency).unwrap_or_else(|_| Money::zero(currency));
        }
    }
    out
}

/// Net and VAT of lines as an invoice sums them: VAT once per rate, not per line.
pub fn net_and_vat(lines: &[InvoiceLine], currency: Currency) -> (Money, Money) {
    let summary = vat_summary(lines, currency);
    let sum = |part: fn(&VatSummaryLine) -> i64| {
        Money::from_minor(summary.iter().map(part).sum(), currency)
    };
    (sum(|s| s.base.to_minor()), sum(|s| s.vat_amount.to_minor()))
}

/// Whether the sums of `lines` (the net and the VAT of each treatment, and the total with
/// a whole-kronor rounding) fit the öre storage holds, so that [`net_and_vat`] and
/// [`Invoice::total`] cannot overflow. Counted wide; what a run computes from large
/// quantities and prices is checked with it before it becomes an invoice.
pub fn totals_fit(lines: &[InvoiceLine]) -> bool {
    let mut bases: Vec<(&VatTreatment, i128)> = Vec::new();
    for line in lines {
        let minor = i128::from(line.amount.to_minor());
        match bases.iter_mut().find(|(vat, _)| **vat == line.vat) {
            Some((_, base)) => *base += minor,
            None => bases.push((&line.vat, minor)),
        }
    }
    let mut total: i128 = 0;
    for (vat, base) in bases {
        let Ok(base_minor) = i64::try_from(base) else {
            return false;
        };
        total += base;
        if let VatTreatment::Rate(rate) = vat {
            let vat = Decimal::new(base_minor, 2)
                .checked_mul(*rate)
                .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED))
                .map(|v| v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
                .and_then(|v| Money::new(v, Currency::Sek).ok());
            match vat {
                Some(v) => total += i128::from(v.to_minor()),
                None => return false,
            }
        }
    }
    // A krona either way for the rounding to whole kronor.
    total.abs() + 100 <= i128::from(i64::MAX)
}

/// An invoice or a credit note: what it bills, for which period, on which date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub language: Language,
    pub currency: Currency,
    /// The invoice date: the plan's invoice day for a run's invoice, the day of issue once
    /// issued.
    pub date: NaiveDate,
    /// The delivery period ("Leveransperiod", the e-invoice's `InvoicePeriod`).
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// "Er referens": the buyer's reference, often a cost centre or a person.
    pub buyer_reference: Option<String>,
    /// "Vår referens".
    pub our_reference: Option<String>,
    /// Positive amounts on an invoice, negative on a credit note.
    pub lines: Vec<InvoiceLine>,
    /// Öresavrundning: what rounding the total to whole kronor added (may be negative).
    pub rounding: Money,
}

impl Invoice {
    pub fn vat_summary(&self) -> Vec<VatSummaryLine> {
        vat_summary(&self.lines, self.currency)
    }

    pub fn net(&self) -> Money {
        net_and_vat(&self.lines, self.currency).0
    }

    pub fn vat(&self) -> Money {
        net_and_vat(&self.lines, self.currency).1
    }

    /// Att betala: net + VAT + öresavrundning.
    pub fn total(&self) -> Money {
        let minor = self.net().to_minor() + self.vat().to_minor() + self.rounding.to_minor();
        Money::from_minor(minor, self.currency)
    }

    /// Sets the öresavrundning: to whole kronor when the organisation rounds, none
    /// otherwise.
    pub fn rounded(mut self, to_whole: bool) -> Self {
        self.rounding = Money::zero(self.currency);
        if to_whole {
            self.rounding = rounding_to_whole(self.total());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek(s: &str) -> Money {
        Money::new(s.parse().unwrap(), Currency::Sek).unwrap()
    }

    fn line(amount: &str, vat: VatTreatment) -> InvoiceLine {
        InvoiceLine::priced("x".into(), Decimal::ONE, String::new(), sek(amount), vat).unwrap()
    }

    fn invoice(lines: Vec<InvoiceLine>) -> Invoice {
        let day = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        Invoice {
            language: Language::Sv,
            currency: Currency::Sek,
            date: day,
            period_start: day,
            period_end: day,
            buyer_reference: None,
            our_reference: None,
            lines,
            rounding: Money::zero(Currency::Sek),
        }
    }

    #[test]
    fn a_priced_line_rounds_half_away_from_zero_once() {
        let l = InvoiceLine::priced(
            "Skolprogram".into(),
            "3.5".parse().unwrap(),
            "st".into(),
            sek("10.01"),
            VatTreatment::OutsideScope,
        )
        .unwrap();
        assert_eq!(l.amount, sek("35.04"));
        let huge = InvoiceLine::priced(
            "x".into(),
            Decimal::MAX,
            String::new(),
            sek("2"),
            VatTreatment::OutsideScope,
        );
        assert_eq!(huge, None);
        // A quantity the price makes more than the largest amount is refused; the largest
        // quantity that price allows is said.
        let price = sek("3000000.00");
        assert_eq!(InvoiceLine::max_quantity(price), 333_333);
        let line = |q: i64| {
            InvoiceLine::priced(
                "x".into(),
                Decimal::from(q),
                String::new(),
                price,
                VatTreatment::OutsideScope,
            )
        };
        assert!(line(333_333).is_some());
        assert_eq!(line(333_334), None);
        assert_eq!(line(-333_334), None);
        assert_eq!(InvoiceLine::max_quantity(sek("0.00")), QUANTITY_MAX);
        assert_eq!(InvoiceLine::max_quantity(sek("0.01")), QUANTITY_MAX);
    }

    #[test]
    fn totals_sum_vat_per_rate_and_round_to_whole_kronor() {
        let rate = |r: &str| VatTreatment::Rate(r.parse().unwrap());
        let i = invoice(vec![
            line("100.10", rate("25")),
            line("0.11", rate("25")),
            line("50.00", VatTreatment::OutsideScope),
        ]);
        assert_eq!(i.vat_summary().len(), 2);
        assert_eq!(i.net(), sek("150.21"));
        // 25 % of 100.21 is 25.0525: 25.05 once per rate, not per line.
        assert_eq!(i.vat(), sek("25.05"));
        assert_eq!(i.total(), sek("175.26"));
        let rounded = i.rounded(true);
        assert_eq!(rounded.rounding, sek("-0.26"));
        assert_eq!(rounded.total(), sek("175.00"));
        assert_eq!(rounded.rounded(false).total(), sek("175.26"));
    }

    #[test]
    fn totals_that_would_overflow_are_found_before_they_are_summed() {
        let rate = VatTreatment::Rate(Decimal::from(25));
        let line = |minor: i64, vat: VatTreatment| InvoiceLine {
            amount: Money::from_minor(minor, Currency::Sek),
            ..InvoiceLine::priced("x".into(), Decimal::ONE, String::new(), sek("1"), vat).unwrap()
        };
        let big = i64::MAX / 2;
        assert!(totals_fit(&[line(big / 2, rate.clone())]));
        // Two halves of the largest amount: each fits, their sum does not.
        assert!(!totals_fit(&[
            line(big, VatTreatment::OutsideScope),
            line(big, rate.clone())
        ]));
        // One line whose VAT takes the total over.
        assert!(!totals_fit(&[line(i64::MAX / 10 * 9, rate)]));
        assert!(totals_fit(&[]));
    }

    #[test]
    fn a_credited_line_negates_quantity_and_amount_not_the_price() {
        let l = InvoiceLine::priced(
            "Workshop".into(),
            Decimal::from(2),
            "st".into(),
            sek("2800.00"),
            VatTreatment::Rate(Decimal::from(25)),
        )
        .unwrap()
        .credited();
        assert_eq!(
            (l.quantity, l.unit_price, l.amount),
            (Decimal::from(-2), sek("2800.00"), sek("-5600.00"))
        );
    }
}
