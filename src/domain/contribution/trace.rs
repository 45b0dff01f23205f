//! Checked arithmetic that records itself: every figure of a statement is computed through a
//! [`Trace`], so that it cannot be computed without being explained.

use rust_decimal::Decimal;

use super::error::ContributionError;
use super::explain::{Input, InputName, Quantity, Step, Value};
use crate::domain::money::Rounding;

/// An index prepared for one fee year: its exact factor and the rounding of indexed values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AppliedIndex {
    pub factor: Decimal,
    pub rounding: Rounding,
}

/// Collects inputs and steps while computing, with checked arithmetic that records itself,
/// so that a figure cannot be computed without being explained.
#[derive(Debug, Default, Clone)]
pub(crate) struct Trace {
    pub inputs: Vec<Input>,
    pub steps: Vec<Step>,
}

/// Turns a checked operation's `None` into the overflow error, so no operation can panic.
pub(crate) fn overflow<T>(value: Option<T>) -> Result<T, ContributionError> {
    value.ok_or(ContributionError::Overflow)
}

/// `net × weight / total_weight` for display in [`Step::Allocated`]: multiplied first so that
/// whole results stay whole, divided first only when the product would overflow.
pub(crate) fn exact_share(
    net: Decimal,
    weight: Decimal,
    total_weight: Decimal,
) -> Result<Decimal, ContributionError> {
    overflow(
        net.checked_mul(weight)
            .and_then(|p| p.checked_div(total_weight))
            .or_else(|| {
                weight
                    .checked_div(total_weight)
                    .and_then(|f| net.checked_mul(f))
            }),
    )
}

impl Trace {
    /// Records an input, in the order it is used.
    pub fn input(&mut self, name: InputName, value: Value) {
        self.inputs.push(Input { name, value });
    }

    /// `left × right`, recorded.
    pub fn multiply(
        &mut self,
        quantity: Quantity,
        left: Decimal,
        right: Decimal,
    ) -> Result<Decimal, ContributionError> {
        let result = overflow(left.checked_mul(right))?;
        self.steps.push(Step::Multiplied {
            quantity,
            left,
            right,
            result,
        });
        Ok(result)
    }

    /// `left + right`, recorded.
    pub fn add(
        &mut self,
        quantity: Quantity,
        left: Decimal,
        right: Decimal,
    ) -> Result<Decimal, ContributionError> {
        let result = overflow(left.checked_add(right))?;
        self.steps.push(Step::Added {
            quantity,
            left,
            right,
            result,
        });
        Ok(result)
    }

    /// `left − right`, recorded.
    pub fn subtract(
        &mut self,
        quantity: Quantity,
        left: Decimal,
        right: Decimal,
    ) -> Result<Decimal, ContributionError> {
        let result = overflow(left.checked_sub(right))?;
        self.steps.push(Step::Subtracted {
            quantity,
            left,
            right,
            result,
        });
        Ok(result)
    }

    /// `base × percent / 100`, recorded (exact: dividing by 100 only moves the point).
    pub fn percent_of(
        &mut self,
        quantity: Quantity,
        base: Decimal,
        percent: Decimal,
    ) -> Result<Decimal, ContributionError> {
        let result = overflow(
            base.checked_mul(percent)
                .and_then(|p| p.checked_div(Decimal::ONE_HUNDRED)),
        )?;
        self.steps.push(Step::PercentOf {
            quantity,
            base,
            percent,
            result,
        });
        Ok(result)
    }

    /// Rounds by a named rule and records it, changed or not: the rule is part of the
    /// explanation even when the value already fits it.
    pub fn round(&mut self, quantity: Quantity, before: Decimal, rule: Rounding) -> Decimal {
        let after = rule.apply(before);
        self.steps.push(Step::Rounded {
            quantity,
            before,
            after,
            rule,
        });
        after
    }

    /// Uplifts a rate or amount by the index, when there is one, and rounds it by the
    /// index's rule.
    pub fn index(
        &mut self,
        index: Option<AppliedIndex>,
        quantity: Quantity,
        before: Decimal,
    ) -> Result<Decimal, ContributionError> {
        let Some(index) = index else {
            return Ok(before);
        };
        let result = overflow(before.checked_mul(index.factor))?;
        self.steps.push(Step::Indexed {
            quantity,
            before,
            factor: index.factor,
            result,
        });
        Ok(self.round(quantity, result, index.rounding))
    }
}
