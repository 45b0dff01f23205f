//! Agreements between an organisation and one member: the lifecycle an agreement goes
//! through, and which version of its terms applies on a date.

use chrono::NaiveDate;

use crate::domain::contribution::ProRata;
use crate::domain::{Currency, Errors, FieldError, Invalid};

vocabulary! {
    /// Where an agreement is in its life.
    ///
    /// ```text
    /// draft → offered → accepted → active → terminated
    ///            │                    └───→ expired
    ///            └────→ declined
    /// ```
    ///
    /// Draft: being written, terms may still change in place. Offered: sent to the member
    /// (erbjudande / tilbud). Accepted: the member decided and signed. Active: in force.
    /// Terminated: ended early by notice. Expired: ran to its end. Declined: the member said
    /// no to the offer.
    AgreementStatus {
        Draft = "draft",
        Offered = "offered",
        Accepted = "accepted",
        Active = "active",
        Terminated = "terminated",
        Expired = "expired",
        Declined = "declined",
    }
}

impl AgreementStatus {
    /// Terms may be replaced in place only while nobody has seen them as an offer.
    pub fn terms_editable(self) -> bool {
        self == Self::Draft
    }

    /// New versions of the terms are agreed only while the agreement binds both parties.
    pub fn accepts_new_versions(self) -> bool {
        matches!(self, Self::Accepted | Self::Active)
    }

    /// Usage can be recorded once the agreement was concluded, also after it ended: usage is
    /// often reported after the fact.
    pub fn accepts_usage(self) -> bool {
        matches!(
            self,
            Self::Accepted | Self::Active | Self::Terminated | Self::Expired
        )
    }

    /// Whether the agreement takes part in the organisation's fee year (and so in the pools
    /// of the fee models it uses). Declined offers do not. Drafts do: a pool is split over
    /// every member in it, offered or not, so that offering its members one by one gives
    /// each the share the whole pool's preview shows.
    pub fn counts_in_pools(self) -> bool {
        self != Self::Declined
    }
}

/// A move the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an agreement cannot go from {from} to {to}")]
pub struct TransitionError {
    pub from: AgreementStatus,
    pub to: AgreementStatus,
}

/// Whether an agreement may go from `from` to `to`. Every other move — backwards, skipping a
/// step, leaving an end state, or staying put — is refused.
pub fn transition(from: AgreementStatus, to: AgreementStatus) -> Result<(), TransitionError> {
    use AgreementStatus::{Accepted, Active, Declined, Draft, Expired, Offered, Terminated};
    match (from, to) {
        (Draft, Offered)
        | (Offered, Accepted)
        | (Offered, Declined)
        | (Accepted, Active)
        | (Active, Terminated)
        | (Active, Expired) => Ok(()),
        _ => Err(TransitionError { from, to }),
    }
}

/// What a transition may carry besides its target status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionDetails {
    pub date: Option<NaiveDate>,
    pub signed_by: Option<String>,
    pub decision_reference: Option<String>,
    pub reason: Option<String>,
}

/// The acceptance or termination a move to `to` records. Accepting needs the date, who
/// signed and the member's decision reference (diarienummer); terminating needs a date and a
/// reason. A detail that does not belong to the move is refused rather than silently dropped.
pub fn transition_details(
    to: AgreementStatus,
    d: TransitionDetails,
) -> Result<(Option<Acceptance>, Option<Termination>), Vec<FieldError>> {
    use AgreementStatus::{Accepted, Terminated};
    let needed = |field: &str| match to {
        Accepted => matches!(field, "date" | "signed_by" | "decision_reference"),
        Terminated => matches!(field, "date" | "reason"),
        _ => false,
    };
    let mut e = Errors::new();
    let given = [
        ("date", d.date.is_some()),
        ("signed_by", d.signed_by.is_some()),
        ("decision_reference", d.decision_reference.is_some()),
        ("reason", d.reason.is_some()),
    ];
    for (field, present) in given {
        match (needed(field), present) {
            (true, false) => e.add(field, Invalid::Required),
            (false, true) => e.add(field, Invalid::Mismatch { other: "to" }),
            _ => {}
        }
    }
    e.finish(|| {
        Some(match to {
            Accepted => (
                Some(Acceptance {
                    on: d.date?,
                    signed_by: d.signed_by?,
                    decision_reference: d.decision_reference?,
                }),
                None,
            ),
            Terminated => (
                None,
                Some(Termination {
                    on: d.date?,
                    reason: d.reason?,
                }),
            ),
            _ => (None, None),
        })
    })
}

/// The longest notice period an agreement may state.
pub const NOTICE_MONTHS_MAX: i64 = 120;

/// The member's acceptance: when, who signed, and the member's decision (diarienummer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub on: NaiveDate,
    pub signed_by: String,
    pub decision_reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    pub on: NaiveDate,
    pub reason: String,
}

/// What describes an agreement apart from its terms and lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementHeader {
    pub member_id: String,
    pub currency: Currency,
    pub pro_rata: ProRata,
    pub notice_months: i32,
    pub start_date: NaiveDate,
    /// `None`: until further notice.
    pub end_date: Option<NaiveDate>,
}

/// An agreement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub organisation_id: String,
    pub header: AgreementHeader,
    pub status: AgreementStatus,
    pub acceptance: Option<Acceptance>,
    pub termination: Option<Termination>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl Agreement {
    /// Whether the agreement is active on some day of `fee_year`.
    pub fn reaches_into(&self, fee_year: i32) -> bool {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(fee_year, 1, 1),
            NaiveDate::from_ymd_opt(fee_year, 12, 31),
        ) else {
            return false;
        };
        self.header.start_date <= last && self.header.end_date.is_none_or(|end| end >= first)
    }
}

impl AgreementHeader {
    /// Whether two agreements' periods share a day. An open end runs until further notice.
    pub fn overlaps(&self, other: &AgreementHeader) -> bool {
        let ends_after = |end: Option<NaiveDate>, start: NaiveDate| end.is_none_or(|e| e >= start);
        ends_after(self.end_date, other.start_date) && ends_after(other.end_date, self.start_date)
    }
}

impl AgreementStatus {
    /// A declined offer binds nobody, so it does not stand in the way of another agreement.
    pub fn occupies_period(self) -> bool {
        self != Self::Declined
    }
}

/// The number and start of a version of the terms.
pub trait Effective {
    fn version(&self) -> i32;
    fn effective_from(&self) -> NaiveDate;
}

/// The version in force on `date`: the one with the latest `effective_from` on or before it.
/// Before the first version takes effect, the first version (the agreement has not started,
/// so pro-rating leaves nothing to pay for the fixed part).
pub fn version_on<V: Effective>(versions: &[V], date: NaiveDate) -> Option<&V> {
    versions
        .iter()
        .filter(|v| v.effective_from() <= date)
        .max_by_key(|v| (v.effective_from(), v.version()))
        .or_else(|| versions.iter().min_by_key(|v| v.version()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::date;
    use AgreementStatus::{Accepted, Active, Declined, Draft, Expired, Offered, Terminated};

    #[test]
    fn periods_overlap_when_they_share_a_day() {
        let header = |start: NaiveDate, end: Option<NaiveDate>| AgreementHeader {
            member_id: "m".into(),
            currency: Currency::Sek,
            pro_rata: ProRata::WholeMonths,
            notice_months: 6,
            start_date: start,
            end_date: end,
        };
        let open_2023 = header(date(2023, 1, 1), None);
        let y2020_2022 = header(date(2020, 1, 1), Some(date(2022, 12, 31)));
        let y2020_2023 = header(date(2020, 1, 1), Some(date(2023, 1, 1)));
        let y2030 = header(date(2030, 1, 1), Some(date(2030, 12, 31)));
        assert!(!open_2023.overlaps(&y2020_2022) && !y2020_2022.overlaps(&open_2023));
        assert!(
            open_2023.overlaps(&y2020_2023) && y2020_2023.overlaps(&open_2023),
            "one shared day is enough"
        );
        assert!(open_2023.overlaps(&y2030), "an open end runs on");
        assert!(open_2023.overlaps(&open_2023.clone()));
        assert!(
            !AgreementStatus::Declined.occupies_period()
                && AgreementStatus::Draft.occupies_period()
        );
    }

    #[test]
    fn spellings_roundtrip() {
        for s in AgreementStatus::ALL {
            assert_eq!(AgreementStatus::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(AgreementStatus::NAMES.len(), AgreementStatus::ALL.len());
        assert!(matches!(
            AgreementStatus::parse("signed"),
            Err(Invalid::OneOf { .. })
        ));
        assert_eq!(ProRata::parse("days"), Ok(ProRata::Days));
        assert_eq!(ProRata::WholeMonths.as_str(), "whole_months");
        assert!(ProRata::parse("weeks").is_err());
    }

    #[test]
    fn every_allowed_transition() {
        let allowed = [
            (Draft, Offered),
            (Offered, Accepted),
            (Offered, Declined),
            (Accepted, Active),
            (Active, Terminated),
            (Active, Expired),
        ];
        for (from, to) in allowed {
            assert_eq!(transition(from, to), Ok(()), "{from} → {to}");
        }
    }

    #[test]
    fn every_other_pair_is_refused_naming_both_ends() {
        let allowed = [
            (Draft, Offered),
            (Offered, Accepted),
            (Offered, Declined),
            (Accepted, Active),
            (Active, Terminated),
            (Active, Expired),
        ];
        let mut refused = 0;
        for from in AgreementStatus::ALL {
            for to in AgreementStatus::ALL {
                if allowed.contains(&(*from, *to)) {
                    continue;
                }
                assert_eq!(
                    transition(*from, *to),
                    Err(TransitionError {
                        from: *from,
                        to: *to
                    }),
                    "{from} → {to}"
                );
                refused += 1;
            }
        }
        assert_eq!(refused, 7 * 7 - allowed.len());
        // The end states lead nowhere.
        for end in [Terminated, Expired, Declined] {
            assert!(
                AgreementStatus::ALL
                    .iter()
                    .all(|to| transition(end, *to).is_err())
            );
        }
        assert_eq!(
            transition(Draft, Active).unwrap_err().to_string(),
            "an agreement cannot go from draft to active"
        );
    }

    #[test]
    fn what_each_status_allows() {
        let editable: Vec<_> = AgreementStatus::ALL
            .iter()
            .filter(|s| s.terms_editable())
            .collect();
        assert_eq!(editable, [&Draft]);
        let versions: Vec<_> = AgreementStatus::ALL
            .iter()
            .filter(|s| s.accepts_new_versions())
            .collect();
        assert_eq!(versions, [&Accepted, &Active]);
        assert!(!Offered.accepts_usage() && Terminated.accepts_usage());
        assert!(Draft.counts_in_pools() && !Declined.counts_in_pools());
        assert!(Offered.counts_in_pools() && Expired.counts_in_pools());
    }

    #[test]
    fn accepting_and_terminating_say_when_and_why() {
        let fields = |r: Result<_, Vec<FieldError>>| -> Vec<String> {
            r.err()
                .unwrap_or_default()
                .into_iter()
                .map(|f| f.field)
                .collect()
        };
        assert_eq!(
            fields(transition_details(Accepted, TransitionDetails::default())),
            ["date", "signed_by", "decision_reference"]
        );
        assert_eq!(
            fields(transition_details(Terminated, TransitionDetails::default())),
            ["date", "reason"]
        );
        let accepted = TransitionDetails {
            date: Some(date(2026, 11, 20)),
            signed_by: Some("Anna Andersson, kommundirektör".into()),
            decision_reference: Some("KS 2026/123".into()),
            reason: None,
        };
        let (acceptance, termination) = transition_details(Accepted, accepted.clone()).unwrap();
        assert_eq!(acceptance.unwrap().decision_reference, "KS 2026/123");
        assert!(termination.is_none());
        // Details of another move are refused, naming them.
        assert_eq!(
            fields(transition_details(Offered, accepted)),
            ["date", "signed_by", "decision_reference"]
        );
        let ended = TransitionDetails {
            date: Some(date(2028, 6, 30)),
            reason: Some("Uppsägning enligt avtalet".into()),
            ..TransitionDetails::default()
        };
        let (_, termination) = transition_details(Terminated, ended).unwrap();
        assert_eq!(termination.unwrap().on, date(2028, 6, 30));
        assert_eq!(
            transition_details(Active, TransitionDetails::default()),
            Ok((None, None))
        );
    }

    struct V(i32, NaiveDate);

    impl Effective for V {
        fn version(&self) -> i32 {
            self.0
        }
        fn effective_from(&self) -> NaiveDate {
            self.1
        }
    }

    #[test]
    fn the_version_in_force_on_a_date() {
        let versions = [
            V(1, date(2027, 3, 15)),
            V(2, date(2028, 1, 1)),
            V(3, date(2028, 7, 1)),
        ];
        let on = |d| version_on(&versions, d).map(|v| v.0);
        assert_eq!(on(date(2027, 12, 31)), Some(1));
        assert_eq!(on(date(2028, 1, 1)), Some(2));
        assert_eq!(on(date(2028, 6, 30)), Some(2));
        assert_eq!(on(date(2028, 12, 31)), Some(3));
        // Before the agreement starts: the first version.
        assert_eq!(on(date(2026, 12, 31)), Some(1));
        assert_eq!(version_on::<V>(&[], date(2026, 12, 31)).map(|v| v.0), None);
    }

    #[test]
    fn reaching_into_a_year() {
        let mut a = Agreement {
            id: "a".into(),
            organisation_id: "o".into(),
            header: AgreementHeader {
                member_id: "m".into(),
                currency: Currency::Sek,
                pro_rata: ProRata::WholeMonths,
                notice_months: 6,
                start_date: date(2027, 3, 15),
                end_date: None,
            },
            status: Active,
            acceptance: None,
            termination: None,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        assert!(!a.reaches_into(2026));
        assert!(a.reaches_into(2027) && a.reaches_into(2040));
        a.header.end_date = Some(date(2028, 1, 1));
        assert!(a.reaches_into(2028) && !a.reaches_into(2029));
    }
}
