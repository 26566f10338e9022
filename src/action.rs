//! The closed set of things the sanitizer does to one attribute.

use crate::profile::Basic;

/// What happens to one attribute. Behaviour is a `match` on this, never on strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// K, and every attribute the table does not list. Sequences are still walked.
    Keep,
    /// X.
    Remove,
    /// Z: a zero-length value; an empty sequence.
    Empty,
    /// D: a dummy value valid for the VR; for UIDs a pseudonym; sequences are walked.
    Dummy,
    /// C: identifying text removed; see the README for what clean does per VR.
    Clean,
    /// U: a keyed `2.25.` pseudonym UID; sequences (`X/Z/U*`) keep their items and are walked.
    ReplaceUid,
    /// C under Retain Longitudinal Modified Dates: dates move by the per-patient offset.
    ShiftDate,
    /// Keyed Patient ID pseudonym.
    PseudonymizeId,
    /// A user rule's fixed value.
    Replace(String),
    /// A user rule's keyed hash.
    Hash,
}

impl Action {
    /// The resolution of the combined codes, chosen so the output stays a valid object without
    /// knowing each IOD: keep the attribute present (empty for `X/Z`, a dummy for `X/D`, `Z/D`
    /// and `X/Z/D`, as Type 2 and Type 1 attributes need), and keep reference sequences
    /// (`X/Z/U*`) with their UIDs replaced. A sequence cannot hold a meaningful dummy, so for
    /// sequences `Z/D` and `X/Z/D` give an empty sequence and `X/D` removes it.
    pub fn from_basic(code: Basic, is_sequence: bool) -> Action {
        match code {
            Basic::ZD | Basic::XZD if is_sequence => Action::Empty,
            Basic::XD if is_sequence => Action::Remove,
            Basic::X => Action::Remove,
            Basic::Z | Basic::XZ => Action::Empty,
            Basic::D | Basic::XD | Basic::ZD | Basic::XZD => Action::Dummy,
            Basic::K => Action::Keep,
            Basic::C => Action::Clean,
            Basic::U | Basic::XZU => Action::ReplaceUid,
        }
    }

    /// The report's name for the action.
    pub fn label(&self) -> &'static str {
        match self {
            Action::Keep => "kept",
            Action::Remove => "removed",
            Action::Empty => "emptied",
            Action::Dummy => "dummied",
            Action::Clean => "cleaned",
            Action::ReplaceUid => "uidReplaced",
            Action::ShiftDate => "dateShifted",
            Action::PseudonymizeId => "idPseudonymized",
            Action::Replace(_) => "replaced",
            Action::Hash => "hashed",
        }
    }
}
