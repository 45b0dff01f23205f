//! The variable part: services from the organisation's price list, ordered or used, with the
//! agreement's quota, discount and cap.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::error::ContributionError;
use super::explain::{InputName, LineKind, Quantity, StatementLine, Step, Value};
use super::price_list::PriceListItem;
use super::trace::{Trace, exact_share, overflow};
use super::vat::VatTreatment;
use crate::domain::money::{Money, Rounding, allocate};

/// One service on an agreement: how much was ordered or used, and the agreement's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableComponent {
    pub item_code: String,
    pub quantity: Decimal,
    /// A price agreed for this member instead of the list price.
    pub unit_price_override: Option<Money>,
    pub discount_percent: Option<Decimal>,
    /// The quota already paid for in the fixed part; only what exceeds it is billed.
    pub included_quantity: Decimal,
}

/// The component name of cap adjustment lines.
pub const CAP_COMPONENT: &str = "variable_cap";

/// One line: `max(0, quantity − included) × price × (1 − discount/100)`, rounded to öre per
/// line.
pub(crate) fn variable_line(
    component: &VariableComponent,
    prices: &BTreeMap<&str, &PriceListItem>,
) -> Result<StatementLine, ContributionError> {
    let code = component.item_code.as_str();
    let item = prices
        .get(code)
        .ok_or_else(|| ContributionError::UnknownPriceListItem {
            code: code.to_owned(),
        })?;
    let price = agreed_price(component, item)?;
    let mut trace = Trace::default();
    record_terms(component, item, &mut trace)?;
    let amount = line_amount(component, price, &mut trace)?;
    Ok(StatementLine {
        component: code.to_owned(),
        kind: LineKind::Variable,
        inputs: trace.inputs,
        steps: trace.steps,
        amount: Money::new(amount, price.currency())?,
        vat: item.vat.clone(),
        domestic_vat_abroad: item.domestic_vat_abroad,
    })
}

/// The unit price the line is charged at, the agreed one or the list price, once the
/// quantities and the price are known to be billable.
fn agreed_price(
    component: &VariableComponent,
    item: &PriceListItem,
) -> Result<Money, ContributionError> {
    if component.quantity < Decimal::ZERO || component.included_quantity < Decimal::ZERO {
        return Err(ContributionError::NegativeQuantity {
            code: component.item_code.clone(),
        });
    }
    let price = component.unit_price_override.unwrap_or(item.unit_price);
    if price.currency() != item.unit_price.currency() {
        return Err(ContributionError::CurrencyMismatch {
            expected: item.unit_price.currency(),
            found: price.currency(),
        });
    }
    if price.to_minor() < 0 {
        return Err(ContributionError::NegativeAmount {
            what: "unit_price",
            value: price.amount(),
        });
    }
    Ok(price)
}

/// Records the item, the quantities, the prices and the discount as the line's inputs,
/// refusing a discount outside 0–100 %.
fn record_terms(
    component: &VariableComponent,
    item: &PriceListItem,
    trace: &mut Trace,
) -> Result<(), ContributionError> {
    trace.input(
        InputName::ItemCode,
        Value::Code(component.item_code.clone()),
    );
    trace.input(InputName::Unit, Value::Unit(item.unit));
    trace.input(InputName::Quantity, Value::Decimal(component.quantity));
    if !component.included_quantity.is_zero() {
        trace.input(
            InputName::IncludedQuantity,
            Value::Decimal(component.included_quantity),
        );
    }
    trace.input(InputName::UnitPrice, Value::Money(item.unit_price));
    if let Some(agreed) = component.unit_price_override {
        trace.input(InputName::UnitPriceOverride, Value::Money(agreed));
    }
    if let Some(percent) = component.discount_percent {
        if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            return Err(ContributionError::PercentOutOfRange {
                what: "discount_percent",
                value: percent,
            });
        }
        trace.input(InputName::DiscountPercent, Value::Percent(percent));
    }
    Ok(())
}

/// The billable quantity at the price, less the discount, rounded to öre.
fn line_amount(
    component: &VariableComponent,
    price: Money,
    trace: &mut Trace,
) -> Result<Decimal, ContributionError> {
    let billable = if component.included_quantity.is_zero() {
        component.quantity
    } else {
        let exceeding = overflow(component.quantity.checked_sub(component.included_quantity))?;
        let result = exceeding.max(Decimal::ZERO);
        trace.steps.push(Step::Billable {
            quantity: component.quantity,
            included: component.included_quantity,
            result,
        });
        result
    };
    let mut amount = trace.multiply(Quantity::LineAmount, billable, price.amount())?;
    if let Some(percent) = component.discount_percent {
        let keep = overflow(
            percent
                .checked_div(Decimal::ONE_HUNDRED)
                .and_then(|p| Decimal::ONE.checked_sub(p)),
        )?;
        let result = overflow(amount.checked_mul(keep))?;
        trace.steps.push(Step::Discounted {
            before: amount,
            percent,
            result,
        });
        amount = result;
    }
    Ok(trace.round(Quantity::LineAmount, amount, Rounding::ORE))
}

/// The lines that bring the variable total down to `cap` when it exceeds it.
///
/// The reduction is shared across the VAT treatments of the lines in proportion to their
/// subtotals (largest remainder, treatments in their sorted order), one adjustment line per
/// treatment: a single line could not carry one VAT rate for a reduction of lines taxed
/// differently. Variable lines plus adjustments add up to the cap exactly.
pub(crate) fn cap_adjustments(
    lines: &[StatementLine],
    cap: Money,
) -> Result<Vec<StatementLine>, ContributionError> {
    if cap.to_minor() < 0 {
        return Err(ContributionError::NegativeAmount {
            what: "variable_cap",
            value: cap.amount(),
        });
    }
    // Keyed also by the override: a reduction of lines charged abroad at the domestic rate
    // is charged so too, one of reverse-charged lines is reverse-charged.
    let mut subtotals: BTreeMap<(&VatTreatment, bool), Money> = BTreeMap::new();
    let mut total = Money::zero(cap.currency());
    for line in lines.iter().filter(|l| l.kind == LineKind::Variable) {
        if line.amount.currency() != cap.currency() {
            return Err(ContributionError::CurrencyMismatch {
                expected: cap.currency(),
                found: line.amount.currency(),
            });
        }
        total = total.checked_add(line.amount)?;
        let subtotal = subtotals
            .entry((&line.vat, line.domestic_vat_abroad))
            .or_insert(Money::zero(cap.currency()));
        *subtotal = subtotal.checked_add(line.amount)?;
    }
    if total.to_minor() <= cap.to_minor() {
        return Ok(Vec::new());
    }

    let reduction = total.checked_sub(cap)?;
    let weights: Vec<Decimal> = subtotals.values().map(|m| m.amount()).collect();
    let parts = allocate(reduction, &weights)?;
    let mut adjustments = Vec::new();
    for (((vat, domestic_vat_abroad), subtotal), part) in subtotals.into_iter().zip(parts) {
        if part.is_zero() {
            continue;
        }
        let mut trace = Trace::default();
        trace.input(InputName::VariableCap, Value::Money(cap));
        trace.input(InputName::VariableTotal, Value::Money(total));
        trace.input(InputName::VatSubtotal, Value::Money(subtotal));
        trace.subtract(Quantity::CapReduction, total.amount(), cap.amount())?;
        trace.steps.push(Step::Allocated {
            net: reduction.amount(),
            weight: subtotal.amount(),
            total_weight: total.amount(),
            exact_share: exact_share(reduction.amount(), subtotal.amount(), total.amount())?,
            result: part.amount(),
        });
        adjustments.push(StatementLine {
            component: CAP_COMPONENT.to_owned(),
            kind: LineKind::CapAdjustment,
            inputs: trace.inputs,
            steps: trace.steps,
            amount: part.checked_neg()?,
            vat: vat.clone(),
            domestic_vat_abroad,
        });
    }
    Ok(adjustments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::domain::contribution::price_list::{Unit, price_index};
    use crate::domain::test_support::{d, sek};

    fn items() -> Vec<PriceListItem> {
        vec![
            PriceListItem {
                code: "skolprogram".into(),
                unit: Unit::Class,
                unit_price: sek("2500"),
                vat: VatTreatment::Exempt {
                    reason: "utbildning".into(),
                },
                domestic_vat_abroad: false,
            },
            PriceListItem {
                code: "fortbildning".into(),
                unit: Unit::Participant,
                unit_price: sek("1333.33"),
                vat: VatTreatment::Rate(d("25")),
                domestic_vat_abroad: false,
            },
        ]
    }

    #[test]
    fn a_line_and_its_cap_adjustment_keep_the_override_of_its_item() {
        let mut items = items();
        items.push(PriceListItem {
            code: "konferens".into(),
            unit: Unit::Participant,
            unit_price: sek("1000"),
            vat: VatTreatment::Rate(d("25")),
            domestic_vat_abroad: true,
        });
        let prices = price_index(&items).unwrap();
        let event = variable_line(&component("konferens", "4"), &prices).unwrap();
        assert!(event.domestic_vat_abroad);
        let course = variable_line(&component("fortbildning", "3"), &prices).unwrap();
        assert!(!course.domestic_vat_abroad);
        // Both at 25 %, one charged abroad and one reverse-charged: one adjustment each.
        let adjustments = cap_adjustments(&[event, course], sek("5000")).unwrap();
        assert_eq!(adjustments.len(), 2);
        assert_eq!(
            adjustments.iter().filter(|l| l.domestic_vat_abroad).count(),
            1
        );
    }

    fn component(code: &str, quantity: &str) -> VariableComponent {
        VariableComponent {
            item_code: code.into(),
            quantity: d(quantity),
            unit_price_override: None,
            discount_percent: None,
            included_quantity: Decimal::ZERO,
        }
    }

    #[test]
    fn quota_price_and_discount() {
        let items = items();
        let prices = price_index(&items).unwrap();
        let mut c = component("skolprogram", "14");
        c.included_quantity = d("10");
        let line = variable_line(&c, &prices).unwrap();
        assert_eq!(line.amount, sek("10000"));
        assert_eq!(line.kind, LineKind::Variable);
        assert!(matches!(line.steps[0], Step::Billable { .. }));

        // Within the quota: nothing to pay.
        c.quantity = d("7");
        assert_eq!(variable_line(&c, &prices).unwrap().amount, sek("0"));

        // 3 × 1 333,33 × (1 − 12,5 %) = 3 499,99125 → 3 499,99 (one rounding per line).
        let mut c = component("fortbildning", "3");
        c.discount_percent = Some(d("12.5"));
        let line = variable_line(&c, &prices).unwrap();
        assert_eq!(line.amount, sek("3499.99"));
        assert_eq!(line.vat, VatTreatment::Rate(d("25")));
        assert!(matches!(
            line.steps.last(),
            Some(Step::Rounded { before, .. }) if *before == d("3499.99125")
        ));

        let mut c = component("fortbildning", "2.5");
        c.unit_price_override = Some(sek("1000"));
        assert_eq!(variable_line(&c, &prices).unwrap().amount, sek("2500"));
    }

    #[test]
    fn refuses_what_cannot_be_billed() {
        let items = items();
        let prices = price_index(&items).unwrap();
        assert_eq!(
            variable_line(&component("okänd", "1"), &prices),
            Err(ContributionError::UnknownPriceListItem {
                code: "okänd".into()
            })
        );
        assert!(matches!(
            variable_line(&component("skolprogram", "-1"), &prices),
            Err(ContributionError::NegativeQuantity { .. })
        ));
        let mut c = component("skolprogram", "1");
        c.discount_percent = Some(d("101"));
        assert!(matches!(
            variable_line(&c, &prices),
            Err(ContributionError::PercentOutOfRange { .. })
        ));
        let mut c = component("skolprogram", "1");
        c.unit_price_override = Some(Money::from_minor(100, Currency::Nok));
        assert!(matches!(
            variable_line(&c, &prices),
            Err(ContributionError::CurrencyMismatch { .. })
        ));
        let mut twice = items.clone();
        twice.push(items[0].clone());
        assert!(matches!(
            price_index(&twice),
            Err(ContributionError::DuplicatePriceListItem { .. })
        ));
    }

    #[test]
    fn cap_is_split_across_vat_treatments_and_adds_up() {
        let items = items();
        let prices = price_index(&items).unwrap();
        let lines = vec![
            variable_line(&component("skolprogram", "4"), &prices).unwrap(), // 10 000,00
            variable_line(&component("fortbildning", "3"), &prices).unwrap(), // 3 999,99
        ];
        let cap = sek("10000");
        let adjustments = cap_adjustments(&lines, cap).unwrap();
        assert_eq!(adjustments.len(), 2);
        let sum: i64 = lines
            .iter()
            .chain(&adjustments)
            .map(|l| l.amount.to_minor())
            .sum();
        assert_eq!(sum, cap.to_minor());
        // Reduction 3 999,99 shared 10 000 : 3 999,99 across the two treatments.
        let exempt = adjustments
            .iter()
            .find(|l| matches!(l.vat, VatTreatment::Exempt { .. }))
            .unwrap();
        assert_eq!(exempt.amount, sek("-2857.14"));
        assert!(
            adjustments
                .iter()
                .all(|l| l.kind == LineKind::CapAdjustment)
        );

        assert!(cap_adjustments(&lines, sek("13999.99")).unwrap().is_empty());
        assert!(matches!(
            cap_adjustments(&lines, sek("-1")),
            Err(ContributionError::NegativeAmount { .. })
        ));
        assert!(matches!(
            cap_adjustments(&lines, Money::from_minor(1, Currency::Eur)),
            Err(ContributionError::CurrencyMismatch { .. })
        ));
    }
}
