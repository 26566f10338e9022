//! Checks of the input that do not change it: structure, preamble, signature sequences.

pub mod preamble;
pub(crate) mod sequences;
pub(crate) mod structure;
