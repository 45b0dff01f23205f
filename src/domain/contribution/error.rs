//! What can make a contribution impossible to calculate. Each variant names the missing or
//! wrong fact, so an administrator learns what to enter or correct.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::money::{AllocationError, MoneyError};
use crate::domain::{Currency, Language};

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

impl ContributionError {
    /// One error of each kind, for the list of codes the API documents. A new variant
    /// stops [`ContributionError::code`] compiling until it has a code; add it here too.
    pub fn samples() -> Vec<ContributionError> {
        let mut all = Self::fact_and_model_samples();
        all.extend(Self::sharing_and_line_samples());
        all
    }

    /// Errors in the facts a calculation reads and in a fee model's parameters.
    fn fact_and_model_samples() -> Vec<ContributionError> {
        use ContributionError as E;
        let (member, date, zero) = (String::new(), NaiveDate::MIN, Decimal::ZERO);
        vec![
            E::MissingPopulation {
                member: member.clone(),
                date,
            },
            E::AmbiguousPopulation { member, date },
            E::InvalidReferenceDate {
                year: 0,
                month: 0,
                day: 0,
            },
            E::YearOutOfRange { year: 0 },
            E::MissingIndexYear { year: 0 },
            E::FeeYearBeforeIndexBase {
                fee_year: 0,
                base_year: 0,
            },
            E::CurrencyMismatch {
                expected: Currency::Sek,
                found: Currency::Sek,
            },
            E::NotWholeMinorUnits { amount: zero },
            E::InvalidBands {
                problem: BandProblem::Empty,
            },
            E::PopulationOutsideBands { population: 0 },
            E::FloorAboveCeiling {
                floor: zero,
                ceiling: zero,
            },
            E::PercentOutOfRange {
                what: "",
                value: zero,
            },
            E::NegativeAmount {
                what: "",
                value: zero,
            },
        ]
    }

    /// Errors in sharing a pool, in the variable lines, in the agreement's dates and in the
    /// arithmetic.
    fn sharing_and_line_samples() -> Vec<ContributionError> {
        use ContributionError as E;
        let (member, date, zero) = (String::new(), NaiveDate::MIN, Decimal::ZERO);
        vec![
            E::AgreedPercentagesNot100 { sum: zero },
            E::MissingAgreedPercentage {
                member: member.clone(),
            },
            E::AgreedPercentageForNonMember {
                member: member.clone(),
            },
            E::WeightedKeyNot100 { sum: zero },
            E::ExternalExceedsTotal {
                total: zero,
                external: zero,
            },
            E::EmptyPool,
            E::DuplicatePoolMember {
                member: member.clone(),
            },
            E::ZeroPopulation,
            E::MissingPoolShare {
                component: String::new(),
            },
            E::PoolShareForOtherMember {
                component: String::new(),
                member,
            },
            E::UnknownPriceListItem {
                code: String::new(),
            },
            E::DuplicatePriceListItem {
                code: String::new(),
            },
            E::NegativeQuantity {
                code: String::new(),
            },
            E::EndBeforeStart {
                start: date,
                end: date,
            },
            E::Allocation(AllocationError::NoWeights),
            E::Overflow,
        ]
    }
}

impl ContributionError {
    /// The error in the reader's language, for the problem's `detail`: every fact it names
    /// (a member by its name once [`ContributionError::naming_members`] has run, a date, an
    /// item code), never an internal key. One function per language, so that each lists
    /// every variant.
    pub fn message(&self, lang: Language) -> String {
        match lang {
            Language::Sv => self.swedish(),
            Language::Nb => self.norwegian(),
            Language::En => self.english(),
        }
    }

    fn swedish(&self) -> String {
        use ContributionError as E;
        match self {
            E::MissingPopulation { member, date } => {
                format!("{member} saknar folkmängd per {date}; lägg in folkmängden för det datumet")
            }
            E::AmbiguousPopulation { member, date } => {
                format!("{member} har flera olika folkmängder per {date}")
            }
            E::InvalidReferenceDate { year, month, day } => {
                format!("datumet {day}/{month} finns inte år {year}")
            }
            E::YearOutOfRange { year } => format!("året {year} ligger utanför kalendern"),
            E::MissingIndexYear { year } => format!("indexserien saknar värde för {year}"),
            E::FeeYearBeforeIndexBase {
                fee_year,
                base_year,
            } => format!("avgiftsåret {fee_year} ligger före indexets basår {base_year}"),
            E::CurrencyMismatch { expected, found } => {
                format!("ett belopp i {found} där {expected} väntades")
            }
            E::NotWholeMinorUnits { amount } => format!("{amount} är inte ett helt antal ören"),
            E::InvalidBands { problem } => {
                format!("befolkningsintervallen är felaktiga ({problem})")
            }
            E::PopulationOutsideBands { population } => {
                format!("folkmängden {population} faller inte i något intervall")
            }
            E::FloorAboveCeiling { floor, ceiling } => {
                format!("golvet {floor} är högre än taket {ceiling}")
            }
            E::PercentOutOfRange { what, value } => {
                format!("{what} måste vara mellan 0 och 100 %, inte {value}")
            }
            E::NegativeAmount { what, value } => format!("{what} får inte vara negativt: {value}"),
            E::AgreedPercentagesNot100 { sum } => {
                format!("de överenskomna andelarna blir {sum} %, inte 100 %")
            }
            E::MissingAgreedPercentage { member } => {
                format!("{member} har ingen överenskommen andel i fördelningsnyckeln")
            }
            E::AgreedPercentageForNonMember { member } => {
                format!("{member} har en andel men är inte med i poolen")
            }
            E::WeightedKeyNot100 { sum } => {
                format!("lika delar och delar efter folkmängd blir {sum} %, inte 100 %")
            }
            E::ExternalExceedsTotal { total, external } => {
                format!("{external} tas av först men det finns bara {total} att fördela")
            }
            E::EmptyPool => "poolen har inga medlemmar".into(),
            E::DuplicatePoolMember { member } => format!("{member} finns två gånger i poolen"),
            E::ZeroPopulation => "poolens medlemmar har inga invånare att fördela efter".into(),
            E::MissingPoolShare { component } => format!("andelen i poolen saknas för {component}"),
            E::PoolShareForOtherMember { component, member } => {
                format!("andelen för {component} tillhör {member}")
            }
            E::UnknownPriceListItem { code } => format!("prislistan saknar tjänsten {code}"),
            E::DuplicatePriceListItem { code } => {
                format!("prislistan har tjänsten {code} två gånger")
            }
            E::NegativeQuantity { code } => format!("antalet av {code} är negativt"),
            E::EndBeforeStart { start, end } => {
                format!("avtalet slutar ({end}) innan det börjar ({start})")
            }
            E::Allocation(_) | E::Overflow => {
                "beloppen är för stora eller för exakta för att fördela".into()
            }
        }
    }

    fn norwegian(&self) -> String {
        use ContributionError as E;
        match self {
            E::MissingPopulation { member, date } => format!(
                "{member} mangler folketall per {date}; legg inn folketallet for den datoen"
            ),
            E::AmbiguousPopulation { member, date } => {
                format!("{member} har flere ulike folketall per {date}")
            }
            E::InvalidReferenceDate { year, month, day } => {
                format!("datoen {day}.{month}. finnes ikke i {year}")
            }
            E::YearOutOfRange { year } => format!("året {year} ligger utenfor kalenderen"),
            E::MissingIndexYear { year } => format!("indeksserien mangler verdi for {year}"),
            E::FeeYearBeforeIndexBase {
                fee_year,
                base_year,
            } => format!("avgiftsåret {fee_year} ligger før indeksens basisår {base_year}"),
            E::CurrencyMismatch { expected, found } => {
                format!("et beløp i {found} der {expected} var ventet")
            }
            E::NotWholeMinorUnits { amount } => format!("{amount} er ikke et helt antall øre"),
            E::InvalidBands { problem } => format!("innbyggerintervallene er feil ({problem})"),
            E::PopulationOutsideBands { population } => {
                format!("folketallet {population} faller ikke i noe intervall")
            }
            E::FloorAboveCeiling { floor, ceiling } => {
                format!("gulvet {floor} er høyere enn taket {ceiling}")
            }
            E::PercentOutOfRange { what, value } => {
                format!("{what} må være mellom 0 og 100 %, ikke {value}")
            }
            E::NegativeAmount { what, value } => format!("{what} kan ikke være negativ: {value}"),
            E::AgreedPercentagesNot100 { sum } => {
                format!("de avtalte andelene blir {sum} %, ikke 100 %")
            }
            E::MissingAgreedPercentage { member } => {
                format!("{member} har ingen avtalt andel i fordelingsnøkkelen")
            }
            E::AgreedPercentageForNonMember { member } => {
                format!("{member} har en andel, men er ikke med i poolen")
            }
            E::WeightedKeyNot100 { sum } => {
                format!("like deler og deler etter folketall blir {sum} %, ikke 100 %")
            }
            E::ExternalExceedsTotal { total, external } => {
                format!("{external} trekkes fra først, men det er bare {total} å fordele")
            }
            E::EmptyPool => "poolen har ingen medlemmer".into(),
            E::DuplicatePoolMember { member } => format!("{member} står to ganger i poolen"),
            E::ZeroPopulation => "poolens medlemmer har ingen innbyggere å fordele etter".into(),
            E::MissingPoolShare { component } => {
                format!("andelen i poolen mangler for {component}")
            }
            E::PoolShareForOtherMember { component, member } => {
                format!("andelen for {component} tilhører {member}")
            }
            E::UnknownPriceListItem { code } => format!("prislisten mangler tjenesten {code}"),
            E::DuplicatePriceListItem { code } => {
                format!("prislisten har tjenesten {code} to ganger")
            }
            E::NegativeQuantity { code } => format!("antallet av {code} er negativt"),
            E::EndBeforeStart { start, end } => {
                format!("avtalen slutter ({end}) før den begynner ({start})")
            }
            E::Allocation(_) | E::Overflow => {
                "beløpene er for store eller for presise til å fordele".into()
            }
        }
    }

    fn english(&self) -> String {
        use ContributionError as E;
        match self {
            E::MissingPopulation { member, date } => {
                format!("{member} has no population count at {date}; enter the count for that date")
            }
            E::AmbiguousPopulation { member, date } => {
                format!("{member} has conflicting population counts at {date}")
            }
            E::InvalidReferenceDate { year, month, day } => {
                format!("there is no date {month}/{day} in {year}")
            }
            E::YearOutOfRange { year } => format!("the year {year} is outside the calendar"),
            E::MissingIndexYear { year } => format!("the index series has no value for {year}"),
            E::FeeYearBeforeIndexBase {
                fee_year,
                base_year,
            } => format!("fee year {fee_year} is before the index base year {base_year}"),
            E::CurrencyMismatch { expected, found } => {
                format!("expected an amount in {expected}, got {found}")
            }
            E::NotWholeMinorUnits { amount } => format!("{amount} is not a whole number of öre"),
            E::InvalidBands { problem } => format!("the population bands are invalid: {problem}"),
            E::PopulationOutsideBands { population } => {
                format!("a population of {population} falls in no band")
            }
            E::FloorAboveCeiling { floor, ceiling } => {
                format!("the floor {floor} is above the ceiling {ceiling}")
            }
            E::PercentOutOfRange { what, value } => {
                format!("{what} must be between 0 and 100%, not {value}")
            }
            E::NegativeAmount { what, value } => format!("{what} must not be negative: {value}"),
            E::AgreedPercentagesNot100 { sum } => {
                format!("the agreed percentages sum to {sum}%, not 100%")
            }
            E::MissingAgreedPercentage { member } => {
                format!("{member} has no agreed percentage in the key")
            }
            E::AgreedPercentageForNonMember { member } => {
                format!("{member} has an agreed percentage but is not in the pool")
            }
            E::WeightedKeyNot100 { sum } => {
                format!("the equal and population parts sum to {sum}%, not 100%")
            }
            E::ExternalExceedsTotal { total, external } => {
                format!("{external} comes off first but there is only {total} to share")
            }
            E::EmptyPool => "the pool has no members".into(),
            E::DuplicatePoolMember { member } => format!("{member} is listed twice in the pool"),
            E::ZeroPopulation => "the pool's members have no inhabitants to share by".into(),
            E::MissingPoolShare { component } => format!("no pool share was given for {component}"),
            E::PoolShareForOtherMember { component, member } => {
                format!("the pool share for {component} belongs to {member}")
            }
            E::UnknownPriceListItem { code } => format!("the price list has no item {code}"),
            E::DuplicatePriceListItem { code } => format!("the price list has item {code} twice"),
            E::NegativeQuantity { code } => format!("the quantity of {code} is negative"),
            E::EndBeforeStart { start, end } => {
                format!("the agreement ends ({end}) before it starts ({start})")
            }
            E::Allocation(_) | E::Overflow => {
                "the amounts are too large or too precise to share".into()
            }
        }
    }
    /// The same error naming each member by what `name` gives for its id (its name),
    /// rather than by an id no reader knows.
    pub fn naming_members(self, name: impl Fn(&str) -> Option<String>) -> Self {
        use ContributionError as E;
        let named = |id: String| name(&id).unwrap_or(id);
        match self {
            E::MissingPopulation { member, date } => E::MissingPopulation {
                member: named(member),
                date,
            },
            E::AmbiguousPopulation { member, date } => E::AmbiguousPopulation {
                member: named(member),
                date,
            },
            E::MissingAgreedPercentage { member } => E::MissingAgreedPercentage {
                member: named(member),
            },
            E::AgreedPercentageForNonMember { member } => E::AgreedPercentageForNonMember {
                member: named(member),
            },
            E::DuplicatePoolMember { member } => E::DuplicatePoolMember {
                member: named(member),
            },
            E::PoolShareForOtherMember { component, member } => E::PoolShareForOtherMember {
                component,
                member: named(member),
            },
            other => other,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_member_in_the_readers_language() {
        let e = ContributionError::MissingPopulation {
            member: "0193a7c2-id".into(),
            date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        }
        .naming_members(|id| (id == "0193a7c2-id").then(|| "Bollebygd".to_owned()));
        assert_eq!(
            e.message(Language::Sv),
            "Bollebygd saknar folkmängd per 2025-12-31; lägg in folkmängden för det datumet"
        );
        assert!(
            e.message(Language::Nb)
                .starts_with("Bollebygd mangler folketall")
        );
        assert!(
            e.message(Language::En)
                .starts_with("Bollebygd has no population count")
        );
        // Every variant has a message in every language, and none is empty.
        for lang in Language::ALL {
            assert!(!ContributionError::EmptyPool.message(*lang).is_empty());
        }
    }
}
