//! What can make a contribution impossible to calculate. Each variant names the missing or
//! wrong fact, so an administrator learns what to enter or correct.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::Currency;
use crate::domain::money::{AllocationError, MoneyError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContributionError {
    #[error("member {member} has no population count at {date}")]
    MissingPopulation { member: String, date: NaiveDate },
    #[error("member {member} has conflicting population counts at {date}")]
    AmbiguousPopulation { member: String, date: NaiveDate },
    #[error("there is no date {month}/{day} in {year}")]
    InvalidReferenceDate { year: i32, month: u32, day: u32 },
    #[error("the year {year} is outside the calendar")]
    YearOutOfRange { year: i32 },
    #[error("the index series has no value for {year}")]
    MissingIndexYear { year: i32 },
    #[error("fee year {fee_year} is before the index base year {base_year}")]
    FeeYearBeforeIndexBase { fee_year: i32, base_year: i32 },
    #[error("expected an amount in {expected}, got {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("{amount} is not a whole number of öre")]
    NotWholeMinorUnits { amount: Decimal },
    #[error("the population bands are invalid: {problem}")]
    InvalidBands { problem: BandProblem },
    #[error("a population of {population} falls in no band")]
    PopulationOutsideBands { population: i64 },
    #[error("the floor {floor} is above the ceiling {ceiling}")]
    FloorAboveCeiling { floor: Decimal, ceiling: Decimal },
    /// `what` is a stable key such as `external_percent` or `discount_percent`.
    #[error("{what} is out of range: {value}")]
    PercentOutOfRange { what: &'static str, value: Decimal },
    /// `what` is a stable key such as `pool_total` or `unit_price`.
    #[error("{what} must not be negative: {value}")]
    NegativeAmount { what: &'static str, value: Decimal },
    #[error("the agreed percentages sum to {sum}, not 100")]
    AgreedPercentagesNot100 { sum: Decimal },
    #[error("member {member} has no agreed percentage")]
    MissingAgreedPercentage { member: String },
    #[error("an agreed percentage is given for {member}, who is not in the pool")]
    AgreedPercentageForNonMember { member: String },
    #[error("the equal and population parts sum to {sum}, not 100")]
    WeightedKeyNot100 { sum: Decimal },
    #[error("the external funding {external} exceeds the total {total}")]
    ExternalExceedsTotal { total: Decimal, external: Decimal },
    #[error("the pool has no members")]
    EmptyPool,
    #[error("member {member} is listed twice in the pool")]
    DuplicatePoolMember { member: String },
    #[error("the pool's members have no inhabitants to share by")]
    ZeroPopulation,
    #[error("no pool share was given for component {component}")]
    MissingPoolShare { component: String },
    #[error("the pool share for component {component} belongs to member {member}")]
    PoolShareForOtherMember { component: String, member: String },
    #[error("the price list has no item {code}")]
    UnknownPriceListItem { code: String },
    #[error("the price list has item {code} twice")]
    DuplicatePriceListItem { code: String },
    #[error("the quantity of {code} is negative")]
    NegativeQuantity { code: String },
    #[error("the agreement ends ({end}) before it starts ({start})")]
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error(transparent)]
    Allocation(#[from] AllocationError),
    #[error("the calculation overflowed")]
    Overflow,
}

impl ContributionError {
    /// A stable code for clients and logs; the message may change, the code does not.
    pub fn code(&self) -> &'static str {
        use ContributionError as E;
        match self {
            E::MissingPopulation { .. } => "missing_population",
            E::AmbiguousPopulation { .. } => "ambiguous_population",
            E::InvalidReferenceDate { .. } => "invalid_reference_date",
            E::YearOutOfRange { .. } => "year_out_of_range",
            E::MissingIndexYear { .. } => "missing_index_year",
            E::FeeYearBeforeIndexBase { .. } => "fee_year_before_index_base",
            E::CurrencyMismatch { .. } => "currency_mismatch",
            E::NotWholeMinorUnits { .. } => "not_whole_minor_units",
            E::InvalidBands { .. } => "invalid_bands",
            E::PopulationOutsideBands { .. } => "population_outside_bands",
            E::FloorAboveCeiling { .. } => "floor_above_ceiling",
            E::PercentOutOfRange { .. } => "percent_out_of_range",
            E::NegativeAmount { .. } => "negative_amount",
            E::AgreedPercentagesNot100 { .. } => "agreed_percentages_not_100",
            E::MissingAgreedPercentage { .. } => "missing_agreed_percentage",
            E::AgreedPercentageForNonMember { .. } => "agreed_percentage_for_non_member",
            E::WeightedKeyNot100 { .. } => "weighted_key_not_100",
            E::ExternalExceedsTotal { .. } => "external_exceeds_total",
            E::EmptyPool => "empty_pool",
            E::DuplicatePoolMember { .. } => "duplicate_pool_member",
            E::ZeroPopulation => "zero_population",
            E::MissingPoolShare { .. } => "missing_pool_share",
            E::PoolShareForOtherMember { .. } => "pool_share_for_other_member",
            E::UnknownPriceListItem { .. } => "unknown_price_list_item",
            E::DuplicatePriceListItem { .. } => "duplicate_price_list_item",
            E::NegativeQuantity { .. } => "negative_quantity",
            E::EndBeforeStart { .. } => "end_before_start",
            E::Allocation(_) => "allocation",
            E::Overflow => "overflow",
        }
    }
}

impl From<MoneyError> for ContributionError {
    fn from(error: MoneyError) -> Self {
        match error {
            MoneyError::CurrencyMismatch { left, right } => ContributionError::CurrencyMismatch {
                expected: left,
                found: right,
            },
            MoneyError::TooManyDecimals { amount } => {
                ContributionError::NotWholeMinorUnits { amount }
            }
            MoneyError::Overflow => ContributionError::Overflow,
        }
    }
}

/// What is wrong with a band table. Bands must start at 0 and follow each other without gap
/// or overlap, so that every population falls in exactly one band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BandProblem {
    #[error("there are no bands")]
    Empty,
    #[error("the first band starts at {from}, not 0")]
    FirstNotAtZero { from: i64 },
    #[error("band {index} ends before it starts")]
    EndsBeforeStart { index: usize },
    #[error("band {index} does not start right after the band before it")]
    NotContiguous { index: usize },
    #[error("band {index} is open-ended but is not the last band")]
    OpenBandNotLast { index: usize },
}
