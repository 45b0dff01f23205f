//! The contribution engine: what a member owes for a fee year under its agreement, a fixed
//! part and a variable part, exact to the öre and explained line by line.
//!
//! Pure and deterministic: the same input always gives the same statement, so a calculation
//! can be dry-run, shown before it is invoiced, and recomputed later. Money is `Decimal`
//! (never a float); every rounding is a named [`Rounding`](crate::domain::money::Rounding)
//! recorded as a [`Step`], and a total shared among members uses the largest-remainder
//! method so that the parts add up to it exactly. Intermediate products are exact up to
//! Decimal's 28 significant digits, far beyond any öre.
//!
//! The files build on each other in one direction. At the bottom the words a statement is
//! told in (`error`, `facts`, `bands`, `key`, `price_list`, `vat`, `prorata`, `population`);
//! `explain` holds the statement itself and `trace` the arithmetic that records into it;
//! `index`, `weights`, `pool` and `variable` compute, `model` evaluates a fee model (a pool's share
//! comes from `pool`), `calculate` composes them into a statement and `preview` into a
//! board's fee table.

mod bands;
mod calculate;
mod error;
mod explain;
mod facts;
mod index;
mod key;
mod model;
mod pool;
mod population;
mod preview;
mod price_list;
mod prorata;
mod trace;
mod variable;
mod vat;
mod weights;

pub use bands::{Band, BandMode, validate_bands};
pub use calculate::{CalculationInput, Conversion, FixedComponent, calculate};
pub use error::{BandProblem, ContributionError};
pub use explain::{
    ContributionStatement, Input, InputName, Limit, LineKind, Quantity, StatementLine, Step, Total,
    Value,
};
pub use facts::MemberFacts;
pub use index::{IndexSeries, Indexation};
pub use key::{Key, KeyKind};
pub use model::{FeeModel, FeeModelVersion};
pub use pool::{CoFunder, External, Pool, PoolMember, PoolShare, share_pool};
pub use population::{ReferenceDateRule, population_at};
pub use preview::{Preview, PreviewComponent, PreviewFailure, PreviewMember, PreviewRow, preview};
pub use price_list::{PriceListItem, Unit};
pub use prorata::{Fraction, ProRata, pro_rata_fraction};
pub use variable::{CAP_COMPONENT, VariableComponent};
pub use vat::VatTreatment;
