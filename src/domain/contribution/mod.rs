//! The contribution engine: what a member owes for a fee year under its agreement, a fixed
//! part and a variable part, exact to the öre and explained line by line.
//!
//! Pure and deterministic: the same input always gives the same statement, so a calculation
//! can be dry-run, shown before it is invoiced, and recomputed later. Money is `Decimal`
//! (never a float); every rounding is a named [`Rounding`](crate::domain::money::Rounding)
//! recorded as a [`Step`], and a total shared among members uses the largest-remainder
//! method so that the parts add up to it exactly. Intermediate products are exact up to
//! Decimal's 28 significant digits, far beyond any öre.

mod calculate;
mod error;
mod explain;
mod index;
mod model;
mod pool;
mod population;
mod preview;
mod prorata;
mod variable;

pub use calculate::{CalculationInput, Conversion, FixedComponent, MemberFacts, calculate};
pub use error::{BandProblem, ContributionError};
pub use explain::{
    ContributionStatement, Input, InputName, Limit, LineKind, Quantity, StatementLine, Step, Total,
    Value,
};
pub use index::{IndexSeries, Indexation};
pub use model::{Band, BandMode, FeeModel, FeeModelVersion, validate_bands};
pub use pool::{CoFunder, External, Key, KeyKind, Pool, PoolMember, PoolShare, share_pool};
pub use population::{ReferenceDateRule, population_at};
pub use preview::{Preview, PreviewComponent, PreviewFailure, PreviewMember, PreviewRow, preview};
pub use prorata::{Fraction, ProRata, pro_rata_fraction};
pub use variable::{CAP_COMPONENT, PriceListItem, Unit, VariableComponent, VatTreatment};
