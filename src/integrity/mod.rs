//! Checks of the input that do not change it: structure, preamble.

pub mod preamble;
pub(crate) mod structure;
