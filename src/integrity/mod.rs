//! Checks of the input that do not change it: structure, preamble, signature sequences.

pub(crate) mod encoding;
pub mod preamble;
pub(crate) mod sequences;
pub(crate) mod structure;
