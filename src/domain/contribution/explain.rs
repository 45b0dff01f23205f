//! The explanation of a calculation: its inputs and every step, each rounding with its rule.
//!
//! Everything here is keys and numbers, never sentences: the same statement is rendered in
//! Swedish, Norwegian or English elsewhere, and a renderer matches on these enums.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::bands::BandMode;
use super::key::KeyKind;
use super::price_list::Unit;
use super::prorata::{Fraction, ProRata};
use super::vat::VatTreatment;
use crate::domain::money::{Money, Rounding};
use crate::domain::{Currency, MemberKind};

/// What an input is. The order of the inputs on a line is the order they were used in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputName {
    MemberKind,
    /// The flat amount that applies to the member's kind.
    Amount,
    /// An amount agreed for this member that replaces the model's calculation.
    AmountOverride,
    /// Rate per inhabitant.
    Rate,
    BaseAmount,
    Floor,
    Ceiling,
    Population,
    TotalPopulation,
    MemberCount,
    BandMode,
    Band,
    IndexBaseYear,
    IndexPercent,
    IndexFactor,
    IndexRounding,
    PoolTotal,
    ExternalAmount,
    ExternalPercent,
    CoFunderAmount,
    CoFunderPercent,
    Key,
    EqualPercent,
    PopulationPercent,
    AgreedPercent,
    AgreementStart,
    AgreementEnd,
    ProRataRule,
    ProRataFraction,
    ItemCode,
    Unit,
    Quantity,
    IncludedQuantity,
    UnitPrice,
    UnitPriceOverride,
    DiscountPercent,
    VariableCap,
    /// The variable lines' total before the cap.
    VariableTotal,
    /// The variable lines' total under one VAT treatment, before the cap.
    VatSubtotal,
    /// The amount in the fee model's currency, before it was converted.
    ConvertedFrom,
    /// Units of the agreement's currency per unit of the model's.
    ExchangeRate,
    ExchangeDate,
    /// Who published the rate, e.g. Riksbanken or Norges Bank.
    ExchangeSource,
}

/// The value of an input, typed so a renderer can format it for its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Integer(i64),
    Decimal(Decimal),
    Percent(Decimal),
    Money(Money),
    Date(NaiveDate),
    Year(i32),
    /// An identifier or code (member id, price-list item code).
    Code(String),
    Kind(MemberKind),
    Unit(Unit),
    Vat(VatTreatment),
    PopulationAt {
        count: i64,
        date: NaiveDate,
    },
    /// One year's index change.
    YearPercent {
        year: i32,
        percent: Decimal,
    },
    Fraction(Fraction),
    Rounding(Rounding),
    ProRata(ProRata),
    BandMode(BandMode),
    Band {
        index: usize,
        from: i64,
        to: Option<i64>,
        rate: Decimal,
        fixed: Option<Money>,
    },
    Key(KeyKind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: InputName,
    pub value: Value,
}

/// What a step's result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quantity {
    Rate,
    Amount,
    BaseAmount,
    Floor,
    Ceiling,
    BandFixed,
    /// Rate × population.
    PopulationPart,
    /// The fee of a fixed component before pro-rating.
    Fee,
    /// The fee after pro-rating.
    ProRatedFee,
    PoolTotal,
    ExternalAmount,
    CoFunderAmount,
    NetAmount,
    LineAmount,
    /// How much the variable lines exceed the cap.
    CapReduction,
    /// An amount converted into the agreement's currency.
    Converted,
}

/// Which limit replaced an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    Floor,
    Ceiling,
}

/// One computation. Values are exact unless the step is a [`Step::Rounded`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `before × factor`, the index uplift, before its rounding.
    Indexed {
        quantity: Quantity,
        before: Decimal,
        factor: Decimal,
        result: Decimal,
    },
    Multiplied {
        quantity: Quantity,
        left: Decimal,
        right: Decimal,
        result: Decimal,
    },
    Added {
        quantity: Quantity,
        left: Decimal,
        right: Decimal,
        result: Decimal,
    },
    Subtracted {
        quantity: Quantity,
        left: Decimal,
        right: Decimal,
        result: Decimal,
    },
    Summed {
        quantity: Quantity,
        terms: Vec<Decimal>,
        result: Decimal,
    },
    /// `base × percent / 100`.
    PercentOf {
        quantity: Quantity,
        base: Decimal,
        percent: Decimal,
        result: Decimal,
    },
    /// A floor or ceiling replaced the amount.
    Clamped {
        limit: Limit,
        before: Decimal,
        after: Decimal,
    },
    /// Step bands: the band (0-based index into the table) that sets the whole fee.
    BandChosen {
        index: usize,
        from: i64,
        to: Option<i64>,
    },
    /// Graduated bands: the inhabitants inside one band, at its rate.
    BandPortion {
        index: usize,
        inhabitants: i64,
        rate: Decimal,
        result: Decimal,
    },
    /// `max(0, quantity − included)`: what is billed beyond the quota in the fixed part.
    Billable {
        quantity: Decimal,
        included: Decimal,
        result: Decimal,
    },
    /// `before × (1 − percent / 100)`.
    Discounted {
        before: Decimal,
        percent: Decimal,
        result: Decimal,
    },
    /// `before × fraction` for joining or leaving during the year.
    ProRated {
        before: Decimal,
        fraction: Fraction,
        result: Decimal,
    },
    /// A share of `net` by the largest-remainder method at öre: `result` is the member's
    /// part, `exact_share` = net × weight / total_weight shown to Decimal's 28 significant
    /// digits (for display; the allocation itself is computed exactly in integers).
    Allocated {
        net: Decimal,
        weight: Decimal,
        total_weight: Decimal,
        exact_share: Decimal,
        result: Decimal,
    },
    Rounded {
        quantity: Quantity,
        before: Decimal,
        after: Decimal,
        rule: Rounding,
    },
}

/// What a statement line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKind {
    /// A component of the fixed part (pro-rating, when it applies, is a step of the line).
    Fixed,
    /// One ordered or used service from the price list.
    Variable,
    /// The reduction that brings the variable lines down to the agreed cap, one line per VAT
    /// treatment so that every line still has a single VAT rate.
    CapAdjustment,
}

/// One line of a statement: a component, how it was computed, and its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// The fixed component's id, the price-list item code, or `variable_cap`.
    pub component: String,
    pub kind: LineKind,
    pub inputs: Vec<Input>,
    pub steps: Vec<Step>,
    pub amount: Money,
    pub vat: VatTreatment,
    /// The price-list item's choice to charge `vat` also to a buyer abroad (see
    /// [`VatTreatment::for_buyer`]); never for a fixed part.
    pub domestic_vat_abroad: bool,
}

impl StatementLine {
    /// The value of the input named `name`, when the line has one.
    pub fn input(&self, name: InputName) -> Option<&Value> {
        self.inputs
            .iter()
            .find(|i| i.name == name)
            .map(|i| &i.value)
    }
}

/// The sum of the lines in one currency under one VAT treatment: what an invoice shows per
/// VAT rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub currency: Currency,
    pub vat: VatTreatment,
    pub amount: Money,
}

/// What one member owes for one fee year, line by line, with totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionStatement {
    pub fee_year: i32,
    pub member_id: String,
    pub lines: Vec<StatementLine>,
    /// Sorted by currency, then VAT treatment.
    pub totals: Vec<Total>,
}
