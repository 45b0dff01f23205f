//! The fördelningsnyckel: how a pool's net amount is shared among its members.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::population::ReferenceDateRule;

/// The fördelningsnyckel: how the net amount is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Equal,
    Population {
        reference: ReferenceDateRule,
    },
    /// Percent by member id; must name every member and sum to 100.
    Agreed(BTreeMap<String, Decimal>),
    /// Part equal, part by population: member i's share is
    /// `equal_percent/100 × 1/n + population_percent/100 × pop_i/Σpop`.
    Weighted {
        equal_percent: Decimal,
        population_percent: Decimal,
        reference: ReferenceDateRule,
    },
}

/// Which key was used, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    Equal,
    Population,
    Agreed,
    Weighted,
}

impl Key {
    /// The key without its parameters, for the explanation.
    pub fn kind(&self) -> KeyKind {
        match self {
            Key::Equal => KeyKind::Equal,
            Key::Population { .. } => KeyKind::Population,
            Key::Agreed(_) => KeyKind::Agreed,
            Key::Weighted { .. } => KeyKind::Weighted,
        }
    }
}
