#![forbid(unsafe_code)]
pub mod jpeg2000;
pub mod samples;
