//! The findings of the text emptied from JPEG codestreams that pass unblanked
//! (`pixel_codecs::segments`), and of bytes after their end-of-image marker.

use pixel_codecs::segments::Segments;

use super::geometry::PIXEL_PATH;
use crate::findings::Finding;

/// `pixel.segments_emptied`, when any segment was; `pixel.after_eoi_removed`, when bytes after
/// an EOI were zeroed.
pub(crate) fn findings(scrub: &Segments) -> Vec<Finding> {
    let mut out = Vec::new();
    if scrub.emptied() > 0 {
        out.push(Finding {
            code: "pixel.segments_emptied".into(),
            path: Some(PIXEL_PATH.into()),
            message: format!(
                "{} APPn or COM segment(s) of the compressed frames (Exif, XMP, comments, SPIFF directory entries: text beside the pixels) had their contents zeroed; their lengths, the fragments and the offset table are unchanged",
                scrub.emptied()
            ),
        });
    }
    if scrub.after_eoi() > 0 {
        out.push(after_eoi_finding(
            scrub.after_eoi(),
            "zeroed (the fragments keep their lengths)",
        ));
    }
    out
}

/// `pixel.after_eoi_removed`: `frames` frames had bytes after their end of image, `done` to them.
pub(crate) fn after_eoi_finding(frames: u64, done: &str) -> Finding {
    Finding {
        code: "pixel.after_eoi_removed".into(),
        path: Some(PIXEL_PATH.into()),
        message: format!("{frames} compressed frame(s) had bytes after their end-of-image marker (EOI), which decoders ignore and which can hold text; they were {done}"),
    }
}
