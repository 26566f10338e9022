//! Pure-Rust codecs that blank rectangles in coded image frames: JPEG Baseline and Extended in
//! the coded domain (`jpeg`), JPEG Lossless (`lossless`), JPEG-LS (`jpegls`) and RLE Lossless
//! (`rle`) decoded and encoded again, JPEG 2000 (`jpeg2000`) decoded stripe by stripe and encoded
//! in JPEG-LS. Also the
//! marker walker that empties the text segments (APPn, COM) of JPEG streams that pass unblanked
//! (`segments`).
//!
//! Nothing here knows a file format around the frames: the caller says what the frames should
//! hold (size, components, bits) and what a blanked pixel becomes, and gets each frame back
//! coded. One frame is in memory at a time. Broken streams are `CodecError::Malformed`, never a
//! panic; valid ones this crate does not handle are `CodecError::Unsupported`.

#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod fuzzing;
pub mod jpeg;
pub mod jpeg2000;
pub mod jpegls;
pub mod lossless;
pub mod rle;
mod samples;
pub mod segments;
mod transcode;

pub use samples::{Clip, CodecError, Image};
pub use transcode::{Shape, Transcoder};

/// What a frame stream calls, frame after frame: one coded frame in, the same frame with every
/// pixel inside the regions set to its fill, coded again, out.
pub trait BlankFrame {
    /// Appends the blanked `frame` to `out`, coded. On error what was appended is unspecified.
    fn blank(
        &mut self,
        frame: &[u8],
        regions: &[Clip],
        out: &mut Vec<u8>,
    ) -> Result<Outcome, CodecError>;
}

/// What blanking a frame did beyond the regions, for a caller's report (JPEG's coded-domain
/// blanking; zero for the others).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Blocks whose DC could not be set to black (the table had no code and no room for one):
    /// flat at their average instead. Counted in `blocks_blanked` too.
    pub flat_at_average: u64,
    /// APPn / COM segments dropped.
    pub segments_dropped: u32,
    /// Blocks whose AC coefficients were dropped (every block that touches a region).
    pub blocks_blanked: u64,
    /// Bytes after the end-of-image marker other than zero padding (junk, a second image),
    /// which decoders ignore: dropped, never copied.
    pub after_eoi: u64,
}
