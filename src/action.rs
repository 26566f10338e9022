//! The closed set of things the sanitizer does to one attribute.

use crate::profile::Basic;

/// What a table row names, as far as resolving its combined code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Value,
    /// A sequence that is Type 3 where modules use it.
    Sequence,
    /// A sequence that is Type 2 in every module that holds it.
    Type2Sequence,
}

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
    /// (`X/Z/U*`) with their UIDs replaced. A sequence cannot hold a meaningful dummy, and an
    /// empty one is valid only where it is Type 2: the `X/Z`, `X/Z/D` and `X/D` sequences
    /// (Referenced Study, Referenced Performed Procedure Step, Institution Code, Operator
    /// Identification) are Type 3 in the modules that hold them and are removed, but for those
    /// that are Type 2 wherever they occur (Acquisition Context), which are emptied; `Z/D`
    /// empties.
    pub fn from_basic(code: Basic, shape: Shape) -> Action {
        let is_sequence = shape != Shape::Value;
        match code {
            Basic::XZ | Basic::XZD if shape == Shape::Type2Sequence => Action::Empty,
            Basic::XZ | Basic::XZD | Basic::XD if is_sequence => Action::Remove,
            Basic::ZD if is_sequence => Action::Empty,
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
