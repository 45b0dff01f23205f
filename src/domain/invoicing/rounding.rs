//! Öresavrundning: a total rounded to whole kronor, the difference shown on its own.

use crate::domain::money::Money;

/// What rounding `total` to whole units adds, half away from zero: 1234.50 → +0.50,
/// 1234.49 → −0.49, −1234.50 → −0.50. The result is at most half a unit either way.
pub fn rounding_to_whole(total: Money) -> Money {
    // Whole öre, so the remainder of 100 is the fraction; rounding it away is exact in
    // integers (equal to `round_dp_with_strategy(0, MidpointAwayFromZero)`, which the
    // tests check) and cannot fail.
    let fraction = total.to_minor() % 100;
    let added = match fraction {
        50..=99 => 100 - fraction,
        -99..=-50 => -100 - fraction,
        _ => -fraction,
    };
    Money::from_minor(added, total.currency())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::RoundingStrategy;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::test_support::sek;

    #[test]
    fn rounding_to_whole_units() {
        let cases = [
            ("1234.50", "0.50"),
            ("1234.49", "-0.49"),
            ("1234.51", "0.49"),
            ("1234.00", "0"),
            ("1234.01", "-0.01"),
            ("1234.99", "0.01"),
            ("-1234.50", "-0.50"),
            ("-1234.49", "0.49"),
            ("-1234.51", "-0.49"),
            ("0.50", "0.50"),
            ("-0.01", "0.01"),
            ("0", "0"),
        ];
        for (total, added) in cases {
            assert_eq!(rounding_to_whole(sek(total)), sek(added), "{total}");
        }
        assert_eq!(
            rounding_to_whole(Money::from_minor(150, Currency::Eur)).currency(),
            Currency::Eur
        );
    }

    proptest! {
        #[test]
        fn rounding_to_whole_matches_decimal_rounding(minor in any::<i64>()) {
            let total = Money::from_minor(minor, Currency::Sek);
            let added = rounding_to_whole(total);
            let whole = total
                .amount()
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(added.amount(), whole - total.amount());
            prop_assert!(added.to_minor().abs() <= 50);
        }
    }
}
