//! PS3.15 Annex E as data: the options with their CID 7050 codes, and the generated tables.

mod safe_private;
mod table_e1_1;
mod terms;

pub use safe_private::SAFE_PRIVATE;
pub use table_e1_1::{EDITION, PRIVATE_ATTRIBUTES, ROWS};
pub use terms::{
    Basic, Code, Column, ProfileOption, Row, Step, TagPattern, BASIC_PROFILE_CODE,
    CLEAN_PIXEL_DATA_CODE,
};
