//! The facts about a member that a calculation reads.

use crate::domain::MemberKind;
use crate::domain::member::PopulationCount;

/// What the calculation needs to know about the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub id: String,
    pub kind: MemberKind,
    /// Every count on record; a model picks the one at its reference date.
    pub population: Vec<PopulationCount>,
}
