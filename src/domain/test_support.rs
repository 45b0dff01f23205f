//! Shorthands for writing amounts, rates and dates in the domain's tests.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::Currency;
use crate::domain::money::Money;

/// A decimal written as text, exactly: `d("28.50")`.
pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Swedish kronor written as text: `sek("278844.00")`.
pub fn sek(s: &str) -> Money {
    Money::new(d(s), Currency::Sek).unwrap()
}

pub fn date(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
