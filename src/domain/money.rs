//! Exact money: amounts in whole minor units (öre, øre, cent), named rounding rules, and
//! splitting a total into parts that add up to it exactly.
//!
//! Nothing here rounds on its own. A value with more decimals than a currency has is either
//! rejected ([`Money::new`]) or rounded by a [`Rounding`] the caller names, so every rounding
//! in a calculation is one the caller can show.

use std::cmp::Reverse;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::Currency;

/// The decimals of every currency avtal bills in: SEK, NOK and EUR all have 100 minor units.
pub const MINOR_DECIMALS: u32 = 2;

/// An exact amount in one currency, always a whole number of minor units.
///
/// Kept as an `i64` count of minor units — what storage holds — so that the two-decimal
/// invariant cannot be broken and `to_minor` cannot fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Why an amount could not be made or combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amounts in {left} and {right} cannot be combined")]
    CurrencyMismatch { left: Currency, right: Currency },
    /// Money never rounds implicitly: the caller must apply a [`Rounding`] first.
    #[error("{amount} has more than two decimals")]
    TooManyDecimals { amount: Decimal },
    #[error("the amount is too large")]
    Overflow,
}

impl Money {
    /// The amount as given, which must already be whole minor units: rounding is a decision
    /// that belongs to the caller, not a side effect of making money.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let minor = amount
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(MoneyError::Overflow)?;
        if minor.fract() != Decimal::ZERO {
            return Err(MoneyError::TooManyDecimals { amount });
        }
        let minor = minor.to_i64().ok_or(MoneyError::Overflow)?;
        Ok(Self { minor, currency })
    }

    /// Money from minor units, as stored (`BIGINT` öre plus a currency code).
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Nothing, in a currency: the start of a sum.
    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// The minor units, for storage.
    pub fn to_minor(self) -> i64 {
        self.minor
    }

    /// The amount with exactly two decimals (`278844.00`).
    pub fn amount(self) -> Decimal {
        Decimal::new(self.minor, MINOR_DECIMALS)
    }

    /// The currency, which every combination of amounts must agree on.
    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Whether there is nothing to pay, e.g. to leave out an empty line.
    pub fn is_zero(self) -> bool {
        self.minor == 0
    }

    /// Adds amounts of the same currency; adding SEK to NOK is a mistake, never a conversion.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Subtracts amounts of the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// The same amount with the opposite sign, e.g. for a credit.
    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

/// How a midpoint or a remainder is resolved when decimals are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoundingMode {
    /// Midpoint away from zero (2.345 → 2.35, −2.345 → −2.35): "avrunda uppåt vid 5".
    HalfUp,
    /// Midpoint to the even neighbour (2.345 → 2.34, 2.355 → 2.36): banker's rounding.
    HalfEven,
    /// Toward zero: drop the decimals (2.349 → 2.34).
    Down,
    /// Away from zero (2.341 → 2.35).
    Up,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

/// A named rounding rule: to how many decimals, and how. Agreements state their rules (e.g.
/// "the indexed rate is rounded to whole kronor"), so the rule is data, recorded with each
/// rounding it performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rounding {
    pub decimals: u32,
    pub mode: RoundingMode,
}

impl Rounding {
    /// To öre (øre, cent), half up: the rule for every amount line.
    pub const ORE: Rounding = Rounding {
        decimals: 2,
        mode: RoundingMode::HalfUp,
    };

    /// To whole kronor, half up: öresavrundning and many indexed rates.
    pub const KRONA: Rounding = Rounding {
        decimals: 0,
        mode: RoundingMode::HalfUp,
    };

    /// The value rounded by this rule. Values with fewer decimals are returned unchanged.
    pub fn apply(&self, value: Decimal) -> Decimal {
        value.round_dp_with_strategy(self.decimals, self.mode.strategy())
    }
}

impl RoundingMode {
    pub const NAMES: &'static [&'static str] = &["half_up", "half_even", "down", "up"];

    pub fn parse(raw: &str) -> Result<Self, crate::domain::Invalid> {
        match raw.trim() {
            "half_up" => Ok(Self::HalfUp),
            "half_even" => Ok(Self::HalfEven),
            "down" => Ok(Self::Down),
            "up" => Ok(Self::Up),
            _ => Err(crate::domain::Invalid::OneOf {
                allowed: Self::NAMES,
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HalfUp => "half_up",
            Self::HalfEven => "half_even",
            Self::Down => "down",
            Self::Up => "up",
        }
    }
}

/// A decimal written as text at the boundary (`"28.50"`, also `"28,50"`): never through a
/// float, so what the user wrote is what is computed with.
pub fn parse_decimal(raw: &str) -> Result<Decimal, crate::domain::Invalid> {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let normalised = compact.replace(',', ".");
    normalised
        .parse::<Decimal>()
        .ok()
        .filter(|_| !normalised.is_empty() && !normalised.contains(['e', 'E']))
        .ok_or(crate::domain::Invalid::Format {
            expected: "ett decimaltal, t.ex. 28.50",
        })
}

/// The largest amount avtal takes in, in whole kronor (kroner, euro): a thousand billion,
/// far beyond any body's budget. With it, a sum of tens of thousands of amounts, or a
/// quantity times a price, fits the öre of an `i64` that storage holds, so no arithmetic
/// on what a client or a bank sent can overflow.
pub const AMOUNT_MAX: i64 = 1_000_000_000_000;

/// [`AMOUNT_MAX`] in minor units.
pub const AMOUNT_MAX_MINOR: i64 = AMOUNT_MAX * 100;

/// The largest quantity of a service or a line: a thousand million units.
pub const QUANTITY_MAX: i64 = 1_000_000_000;

/// A quantity written as text, of either sign (a credit line counts back), at most
/// [`QUANTITY_MAX`] units either way.
pub fn parse_quantity(raw: &str) -> Result<Decimal, crate::domain::Invalid> {
    let value = parse_decimal(raw)?;
    if value.abs() > Decimal::from(QUANTITY_MAX) {
        return Err(crate::domain::Invalid::OutOfRange {
            min: -QUANTITY_MAX,
            max: QUANTITY_MAX,
        });
    }
    Ok(value)
}

/// A quantity of at least zero written as text: what was ordered, used or included.
pub fn parse_count(raw: &str) -> Result<Decimal, crate::domain::Invalid> {
    let value = parse_decimal(raw)?;
    if value < Decimal::ZERO || value > Decimal::from(QUANTITY_MAX) {
        return Err(crate::domain::Invalid::OutOfRange {
            min: 0,
            max: QUANTITY_MAX,
        });
    }
    Ok(value)
}

/// A decimal of at least zero written as text: a rate, a quantity.
pub fn parse_non_negative(raw: &str) -> Result<Decimal, crate::domain::Invalid> {
    let value = parse_decimal(raw)?;
    if value < Decimal::ZERO {
        return Err(crate::domain::Invalid::OutOfRange {
            min: 0,
            max: i64::MAX,
        });
    }
    Ok(value)
}

/// A percentage from 0 to 100 written as text.
pub fn parse_percent(raw: &str) -> Result<Decimal, crate::domain::Invalid> {
    let value = parse_decimal(raw)?;
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err(crate::domain::Invalid::OutOfRange { min: 0, max: 100 });
    }
    Ok(value)
}

/// An amount written as text: at most two decimals (öre), never rounded silently, and at
/// most [`AMOUNT_MAX`] either way.
pub fn parse_money(raw: &str, currency: Currency) -> Result<Money, crate::domain::Invalid> {
    let value = parse_decimal(raw)?;
    let too_large = crate::domain::Invalid::OutOfRange {
        min: -AMOUNT_MAX,
        max: AMOUNT_MAX,
    };
    let money = Money::new(value, currency).map_err(|e| match e {
        MoneyError::Overflow => too_large.clone(),
        _ => crate::domain::Invalid::Format {
            expected: "högst två decimaler",
        },
    })?;
    if money.to_minor().abs() > AMOUNT_MAX_MINOR {
        return Err(too_large);
    }
    Ok(money)
}

/// A non-negative amount written as text.
pub fn parse_amount(raw: &str, currency: Currency) -> Result<Money, crate::domain::Invalid> {
    let out_of_range = crate::domain::Invalid::OutOfRange {
        min: 0,
        max: AMOUNT_MAX,
    };
    match parse_money(raw, currency) {
        Ok(money) if money.to_minor() >= 0 => Ok(money),
        Ok(_) | Err(crate::domain::Invalid::OutOfRange { .. }) => Err(out_of_range),
        Err(other) => Err(other),
    }
}

/// Why a total could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("there is nothing to share the amount among")]
    NoWeights,
    #[error("weight number {index} is negative")]
    NegativeWeight { index: usize },
    #[error("all weights are zero")]
    AllWeightsZero,
    /// The weights carry more significant digits than exact integer arithmetic can hold.
    #[error("the weights are too large or too precise to share exactly")]
    Overflow,
}

/// Splits `total` into parts proportional to `weights`, by the largest-remainder method at
/// the minor unit, so that the parts add up to the total exactly (rounding each part on its
/// own can lose or invent an öre).
///
/// Each part gets its exact share floored to whole öre; the öre left over (fewer than the
/// number of parts) go one each to the parts with the largest remainders, ties to the lower
/// index — the order the caller lists the parts in decides, which keeps the result
/// deterministic. A zero weight always gets zero. A negative total (a credit) is split as its
/// absolute value and negated, so credits mirror charges öre for öre.
///
/// The arithmetic is exact: weights are brought to whole numbers at their common scale and
/// the shares computed with integer division, never with a rounded decimal quotient.
pub fn allocate(total: Money, weights: &[Decimal]) -> Result<Vec<Money>, AllocationError> {
    if weights.is_empty() {
        return Err(AllocationError::NoWeights);
    }
    if let Some(index) = weights.iter().position(|w| *w < Decimal::ZERO) {
        return Err(AllocationError::NegativeWeight { index });
    }
    let integers = integer_weights(weights)?;
    let sum = integers
        .iter()
        .try_fold(0_i128, |acc, w| acc.checked_add(*w))
        .ok_or(AllocationError::Overflow)?;
    if sum == 0 {
        return Err(AllocationError::AllWeightsZero);
    }

    let units = i128::from(total.to_minor()).abs();
    let mut parts = Vec::with_capacity(integers.len());
    let mut remainders = Vec::with_capacity(integers.len());
    for w in &integers {
        let product = units.checked_mul(*w).ok_or(AllocationError::Overflow)?;
        parts.push(product / sum);
        remainders.push(product % sum);
    }
    let handed_out: i128 = parts.iter().sum();
    let left_over = usize::try_from(units - handed_out).map_err(|_| AllocationError::Overflow)?;

    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (Reverse(remainders[i]), i));
    for &i in order.iter().take(left_over) {
        parts[i] += 1;
    }

    let negative = total.to_minor() < 0;
    parts
        .into_iter()
        .map(|part| {
            let signed = if negative { -part } else { part };
            i64::try_from(signed)
                .map(|minor| Money::from_minor(minor, total.currency()))
                .map_err(|_| AllocationError::Overflow)
        })
        .collect()
}

/// The weights as whole numbers in the same proportions: scaled to their common number of
/// decimals, then divided by their greatest common divisor to keep the products small.
fn integer_weights(weights: &[Decimal]) -> Result<Vec<i128>, AllocationError> {
    let normalized: Vec<Decimal> = weights.iter().map(Decimal::normalize).collect();
    let scale = normalized.iter().map(Decimal::scale).max().unwrap_or(0);
    let mut integers = Vec::with_capacity(normalized.len());
    for w in &normalized {
        let factor = 10_i128
            .checked_pow(scale - w.scale())
            .ok_or(AllocationError::Overflow)?;
        let integer = w
            .mantissa()
            .abs()
            .checked_mul(factor)
            .ok_or(AllocationError::Overflow)?;
        integers.push(integer);
    }
    let divisor = integers.iter().fold(0, |acc, w| gcd(acc, *w));
    if divisor > 1 {
        for w in &mut integers {
            *w /= divisor;
        }
    }
    Ok(integers)
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_parsed_from_text_exactly() {
        assert_eq!(parse_decimal("28,50").unwrap(), d("28.50"));
        assert_eq!(parse_decimal("4 200 000").unwrap(), d("4200000"));
        assert!(parse_decimal("1e3").is_err());
        assert!(parse_decimal("abc").is_err());
        assert_eq!(
            parse_money("278844.00", Currency::Sek).unwrap(),
            sek("278844")
        );
        assert!(parse_money("0.125", Currency::Sek).is_err());
        assert!(parse_amount("-1", Currency::Sek).is_err());
        assert_eq!(RoundingMode::parse("half_even"), Ok(RoundingMode::HalfEven));
    }

    #[test]
    fn amounts_and_quantities_beyond_the_bounds_are_out_of_range() {
        fn out<T>(min: i64, max: i64) -> Result<T, crate::domain::Invalid> {
            Err(crate::domain::Invalid::OutOfRange { min, max })
        }
        assert_eq!(
            parse_money("1000000000000.00", Currency::Sek),
            Ok(sek("1000000000000"))
        );
        assert_eq!(
            parse_money("-1000000000000.01", Currency::Sek),
            out(-AMOUNT_MAX, AMOUNT_MAX)
        );
        // Beyond what an i64 of öre holds, too: out of range, not a format error.
        assert_eq!(
            parse_amount("92233720368547758.08", Currency::Sek),
            out(0, AMOUNT_MAX)
        );
        assert_eq!(
            parse_amount("79228162514264337593543950335", Currency::Sek),
            out(0, AMOUNT_MAX)
        );
        assert_eq!(parse_quantity("-1000000000"), Ok(d("-1000000000")));
        assert_eq!(
            parse_quantity("1000000000.5"),
            out(-QUANTITY_MAX, QUANTITY_MAX)
        );
        assert_eq!(parse_count("-0.5"), out(0, QUANTITY_MAX));
        assert_eq!(
            parse_count("79228162514264337593543950335"),
            out(0, QUANTITY_MAX)
        );
    }

    use crate::domain::test_support::{d, sek};
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn money_is_whole_ore_and_never_rounds_by_itself() {
        let m = sek("278844");
        assert_eq!(m.to_minor(), 27_884_400);
        assert_eq!(m.amount().to_string(), "278844.00");
        assert_eq!(sek("12.5").to_minor(), 1250);
        assert_eq!(sek("-0.01").to_minor(), -1);
        assert_eq!(sek("3.4500").to_minor(), 345);
        assert_eq!(
            Money::new(d("3.455"), Currency::Sek),
            Err(MoneyError::TooManyDecimals { amount: d("3.455") })
        );
        assert_eq!(
            Money::new(d("100000000000000000"), Currency::Sek),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::from_minor(-5, Currency::Nok).amount().to_string(),
            "-0.05"
        );
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies() {
        let a = sek("10.10");
        let b = Money::from_minor(5, Currency::Sek);
        assert_eq!(a.checked_add(b).unwrap().to_minor(), 1015);
        assert_eq!(a.checked_sub(b).unwrap().to_minor(), 1005);
        assert_eq!(
            a.checked_add(Money::from_minor(1, Currency::Eur)),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::Sek,
                right: Currency::Eur
            })
        );
        assert_eq!(
            Money::from_minor(i64::MAX, Currency::Sek).checked_add(b),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::from_minor(i64::MIN, Currency::Sek).checked_neg(),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn rounding_modes() {
        let cases = [
            (RoundingMode::HalfUp, "2.345", "2.35"),
            (RoundingMode::HalfUp, "-2.345", "-2.35"),
            (RoundingMode::HalfUp, "2.344", "2.34"),
            (RoundingMode::HalfEven, "2.345", "2.34"),
            (RoundingMode::HalfEven, "2.355", "2.36"),
            (RoundingMode::Down, "2.349", "2.34"),
            (RoundingMode::Down, "-2.349", "-2.34"),
            (RoundingMode::Up, "2.341", "2.35"),
            (RoundingMode::Up, "-2.341", "-2.35"),
        ];
        for (mode, before, after) in cases {
            let rule = Rounding { decimals: 2, mode };
            assert_eq!(rule.apply(d(before)), d(after), "{mode:?} {before}");
        }
        assert_eq!(Rounding::KRONA.apply(d("29.50")), d("30"));
        assert_eq!(Rounding::KRONA.apply(d("29.49")), d("29"));
        assert_eq!(Rounding::ORE.apply(d("30.088875")), d("30.09"));
        assert_eq!(Rounding::ORE.apply(d("7")), d("7"));
    }

    #[test]
    fn allocate_by_largest_remainder() {
        // 100.00 in three equal parts: 33.33 each, the left-over öre to the first.
        let parts = allocate(sek("100"), &[Decimal::ONE; 3]).unwrap();
        let minors: Vec<i64> = parts.iter().map(|m| m.to_minor()).collect();
        assert_eq!(minors, [3334, 3333, 3333]);

        // Largest remainder wins over index: shares 0.666…, 0.333… of 1 öre each.
        let parts = allocate(Money::from_minor(1, Currency::Sek), &[d("1"), d("2")]).unwrap();
        assert_eq!(parts[0].to_minor(), 0);
        assert_eq!(parts[1].to_minor(), 1);

        // Zero weights get nothing even when there are öre to hand out.
        let parts = allocate(
            Money::from_minor(2, Currency::Sek),
            &[d("0"), d("1"), d("1"), d("1")],
        )
        .unwrap();
        let minors: Vec<i64> = parts.iter().map(|m| m.to_minor()).collect();
        assert_eq!(minors, [0, 1, 1, 0]);

        // Credits mirror charges.
        let parts = allocate(sek("-100"), &[Decimal::ONE; 3]).unwrap();
        let minors: Vec<i64> = parts.iter().map(|m| m.to_minor()).collect();
        assert_eq!(minors, [-3334, -3333, -3333]);
        assert!(parts.iter().all(|m| m.currency() == Currency::Sek));

        // Decimal weights of different scales are compared exactly.
        let parts = allocate(sek("10"), &[d("0.5"), d("0.25"), d("0.250")]).unwrap();
        let minors: Vec<i64> = parts.iter().map(|m| m.to_minor()).collect();
        assert_eq!(minors, [500, 250, 250]);
    }

    #[test]
    fn allocate_rejects_bad_weights() {
        assert_eq!(allocate(sek("1"), &[]), Err(AllocationError::NoWeights));
        assert_eq!(
            allocate(sek("1"), &[d("1"), d("-1")]),
            Err(AllocationError::NegativeWeight { index: 1 })
        );
        assert_eq!(
            allocate(sek("1"), &[d("0"), d("0.00")]),
            Err(AllocationError::AllWeightsZero)
        );
        // Negative zero is zero, not negative.
        assert_eq!(
            allocate(sek("1"), &[d("-0"), d("1")]).unwrap()[1].to_minor(),
            100
        );
    }

    fn weight() -> impl Strategy<Value = Decimal> {
        (0_u32..=1_000_000, 0_u32..=4).prop_map(|(m, s)| Decimal::new(i64::from(m), s))
    }

    /// Exact check that `part` is within one öre of `total × w / Σw`:
    /// |part·Σw − total·w| < Σw, in integers at the weights' common scale.
    fn within_one_ore(total: i64, weights: &[Decimal], index: usize, part: i64) -> bool {
        let scaled: Vec<i128> = weights
            .iter()
            .map(|w| w.mantissa() * 10_i128.pow(4 - w.scale()))
            .collect();
        let sum: i128 = scaled.iter().sum();
        (i128::from(part) * sum - i128::from(total) * scaled[index]).abs() < sum
    }

    proptest! {
        #[test]
        fn parts_add_up_and_stay_within_an_ore(
            total in -10_000_000_000_i64..10_000_000_000,
            weights in prop::collection::vec(weight(), 1..20),
        ) {
            prop_assume!(weights.iter().any(|w| !w.is_zero()));
            let parts = allocate(Money::from_minor(total, Currency::Sek), &weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().map(|m| m.to_minor()).sum::<i64>(), total);
            for (i, part) in parts.iter().enumerate() {
                prop_assert!(within_one_ore(total, &weights, i, part.to_minor()));
                if weights[i].is_zero() {
                    prop_assert_eq!(part.to_minor(), 0);
                }
            }
        }

        #[test]
        fn equal_weights_differ_by_at_most_an_ore(
            total in -10_000_000_000_i64..10_000_000_000,
            n in 1_usize..40,
            w in 1_u32..1000,
        ) {
            let weights = vec![Decimal::from(w); n];
            let parts = allocate(Money::from_minor(total, Currency::Eur), &weights).unwrap();
            let minors: Vec<i64> = parts.iter().map(|m| m.to_minor()).collect();
            let max = minors.iter().max().unwrap();
            let min = minors.iter().min().unwrap();
            prop_assert!(max - min <= 1);
            prop_assert_eq!(minors.iter().sum::<i64>(), total);
        }
    }
}
