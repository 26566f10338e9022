//! The terms Annex E is written in: action codes, columns, rows, options and their codes,
//! and the steps of a path to a safe private attribute. The generated tables are made of them.

use serde::{Deserialize, Serialize};

/// An action code of the Basic Profile column of Table E.1-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basic {
    D,
    Z,
    X,
    K,
    C,
    U,
    /// `X/D`
    XD,
    /// `X/Z`
    XZ,
    /// `Z/D`
    ZD,
    /// `X/Z/D`
    XZD,
    /// `X/Z/U*`: sequences of references
    XZU,
}

/// The action an option column of Table E.1-1 prescribes for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    K,
    C,
}

/// Which attributes a row of Table E.1-1 covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagPattern {
    Exact(u16, u16),
    /// Repeating groups such as `(50XX,XXXX)` and `(60XX,3000)`.
    Masked {
        group: u16,
        group_mask: u16,
        element: u16,
        element_mask: u16,
    },
    /// `(GGGG,EEEE) where GGGG is odd`.
    OddGroup,
}

impl TagPattern {
    pub fn matches(&self, group: u16, element: u16) -> bool {
        match *self {
            TagPattern::Exact(g, e) => g == group && e == element,
            TagPattern::Masked {
                group: g,
                group_mask,
                element: e,
                element_mask,
            } => group & group_mask == g && element & element_mask == e,
            TagPattern::OddGroup => group % 2 == 1,
        }
    }
}

/// One row of Table E.1-1.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub tag: TagPattern,
    pub name: &'static str,
    pub basic: Basic,
    /// Whether the attribute is in a standard composite IOD.
    pub std_comp_iod: bool,
    /// The option columns, indexed by [`ProfileOption`] as `usize`.
    pub options: [Option<Column>; 10],
}

impl Row {
    pub const fn new(
        tag: TagPattern,
        name: &'static str,
        basic: Basic,
        std_comp_iod: bool,
        options: [Option<Column>; 10],
    ) -> Self {
        Row {
            tag,
            name,
            basic,
            std_comp_iod,
            options,
        }
    }

    /// The value of this row under `option`'s column.
    pub fn column(&self, option: ProfileOption) -> Option<Column> {
        self.options[option as usize]
    }
}

/// One step of a path to a safe private attribute in the TCIA knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A public attribute (a sequence on the way down).
    Public(u16, u16),
    /// Group, private creator, and the low byte of the element number.
    Private(u16, &'static str, u8),
}

/// The ten options of Table E.1-1; the order is that of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProfileOption {
    RetainSafePrivate = 0,
    RetainUids = 1,
    RetainDeviceIdentity = 2,
    RetainInstitutionIdentity = 3,
    RetainPatientCharacteristics = 4,
    RetainLongitudinalFullDates = 5,
    RetainLongitudinalModifiedDates = 6,
    CleanDescriptors = 7,
    CleanStructuredContent = 8,
    CleanGraphics = 9,
}

/// A code of CID 7050 (De-identification Method), scheme DCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub value: &'static str,
    pub meaning: &'static str,
}

/// CID 7050 code of the Basic Application Confidentiality Profile.
pub const BASIC_PROFILE_CODE: Code = Code {
    value: "113100",
    meaning: "Basic Application Confidentiality Profile",
};

/// CID 7050 code of the Clean Pixel Data Option.
pub const CLEAN_PIXEL_DATA_CODE: Code = Code {
    value: "113101",
    meaning: "Clean Pixel Data Option",
};

impl ProfileOption {
    pub const ALL: [ProfileOption; 10] = [
        ProfileOption::RetainSafePrivate,
        ProfileOption::RetainUids,
        ProfileOption::RetainDeviceIdentity,
        ProfileOption::RetainInstitutionIdentity,
        ProfileOption::RetainPatientCharacteristics,
        ProfileOption::RetainLongitudinalFullDates,
        ProfileOption::RetainLongitudinalModifiedDates,
        ProfileOption::CleanDescriptors,
        ProfileOption::CleanStructuredContent,
        ProfileOption::CleanGraphics,
    ];

    /// The option's code in CID 7050 (PS3.16), written to (0012,0064).
    pub const fn code(self) -> Code {
        let (value, meaning) = match self {
            ProfileOption::CleanGraphics => ("113103", "Clean Graphics Option"),
            ProfileOption::CleanStructuredContent => ("113104", "Clean Structured Content Option"),
            ProfileOption::CleanDescriptors => ("113105", "Clean Descriptors Option"),
            ProfileOption::RetainLongitudinalFullDates => (
                "113106",
                "Retain Longitudinal Temporal Information Full Dates Option",
            ),
            ProfileOption::RetainLongitudinalModifiedDates => (
                "113107",
                "Retain Longitudinal Temporal Information Modified Dates Option",
            ),
            ProfileOption::RetainPatientCharacteristics => {
                ("113108", "Retain Patient Characteristics Option")
            }
            ProfileOption::RetainDeviceIdentity => ("113109", "Retain Device Identity Option"),
            ProfileOption::RetainUids => ("113110", "Retain UIDs Option"),
            ProfileOption::RetainSafePrivate => ("113111", "Retain Safe Private Option"),
            ProfileOption::RetainInstitutionIdentity => {
                ("113112", "Retain Institution Identity Option")
            }
        };
        Code { value, meaning }
    }

    /// The option's key in the settings and the report (camelCase, as serde writes it).
    pub fn key(self) -> &'static str {
        match self {
            ProfileOption::RetainSafePrivate => "retainSafePrivate",
            ProfileOption::RetainUids => "retainUids",
            ProfileOption::RetainDeviceIdentity => "retainDeviceIdentity",
            ProfileOption::RetainInstitutionIdentity => "retainInstitutionIdentity",
            ProfileOption::RetainPatientCharacteristics => "retainPatientCharacteristics",
            ProfileOption::RetainLongitudinalFullDates => "retainLongitudinalFullDates",
            ProfileOption::RetainLongitudinalModifiedDates => "retainLongitudinalModifiedDates",
            ProfileOption::CleanDescriptors => "cleanDescriptors",
            ProfileOption::CleanStructuredContent => "cleanStructuredContent",
            ProfileOption::CleanGraphics => "cleanGraphics",
        }
    }
}
