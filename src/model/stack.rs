//! The technology stacks a firm can adopt.
//!
//! A lab's stack follows from its bloc and whether it publishes weights; the
//! race is scored by which stacks firms around the world end up on.

use crate::config::{Bloc, Release};

/// Number of stacks.
pub const N_STACKS: usize = 5;
/// Marker for "has not adopted".
pub const NO_STACK: u8 = u8::MAX;

/// A model stack, by origin and openness.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[repr(u8)]
pub enum Stack {
    /// US closed models behind an API.
    UsClosed = 0,
    /// US open-weight models.
    UsOpen = 1,
    /// Chinese open-weight models.
    CnOpen = 2,
    /// Chinese closed models.
    CnClosed = 3,
    /// Everyone else (e.g. European labs).
    Other = 4,
}

impl Stack {
    /// All stacks in report order.
    pub const ALL: [Stack; N_STACKS] = [
        Stack::UsClosed,
        Stack::UsOpen,
        Stack::CnOpen,
        Stack::CnClosed,
        Stack::Other,
    ];

    /// Name used in metric names (`adoption_share.cn_open`).
    pub fn code(self) -> &'static str {
        match self {
            Stack::UsClosed => "us_closed",
            Stack::UsOpen => "us_open",
            Stack::CnOpen => "cn_open",
            Stack::CnClosed => "cn_closed",
            Stack::Other => "other",
        }
    }

    /// The metric of this stack's share of firms (`adoption_share.<code>`),
    /// spelled out so recording it every quarter allocates nothing.
    pub fn adoption_share_metric(self) -> &'static str {
        match self {
            Stack::UsClosed => "adoption_share.us_closed",
            Stack::UsOpen => "adoption_share.us_open",
            Stack::CnOpen => "adoption_share.cn_open",
            Stack::CnClosed => "adoption_share.cn_closed",
            Stack::Other => "adoption_share.other",
        }
    }

    /// The stack of a lab in `bloc` with release policy `release`.
    pub fn of(bloc: Bloc, release: Release) -> Stack {
        match (bloc, release) {
            (Bloc::US, Release::Closed) => Stack::UsClosed,
            (Bloc::US, Release::Open) => Stack::UsOpen,
            (Bloc::CN, Release::Open) => Stack::CnOpen,
            (Bloc::CN, Release::Closed) => Stack::CnClosed,
            _ => Stack::Other,
        }
    }

    /// Weights are published.
    pub fn is_open(self) -> bool {
        matches!(self, Stack::UsOpen | Stack::CnOpen)
    }

    /// +1 for US stacks, −1 for Chinese stacks, 0 otherwise (sign of the alignment term).
    pub fn side(self) -> f64 {
        match self {
            Stack::UsClosed | Stack::UsOpen => 1.0,
            Stack::CnOpen | Stack::CnClosed => -1.0,
            Stack::Other => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adoption_share_metrics_are_named_after_the_stack_codes() {
        for s in Stack::ALL {
            assert_eq!(
                s.adoption_share_metric(),
                format!("adoption_share.{}", s.code())
            );
        }
    }
}
