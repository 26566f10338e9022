//! An attribute's value as the pixel plan and the region rules read it.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

/// An attribute's text, trimmed; `None` when absent, empty, or a value the output will not carry
/// (characters its VR does not allow: `value.invalid_removed`). The plan is read from the input
/// but must be what a second pass over the output reads too: found by fuzzing, a Photometric
/// Interpretation `YBR_FUL\u{9d}` gave blanked JPEG chroma the middle (YBR) in the first pass,
/// was removed, and the second pass blanked the same blocks to zero chroma.
pub(crate) fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj
        .get(tag)
        .filter(|e| !crate::values::kept_value_dropped(e))?;
    let s = e.value().to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

/// An attribute's number: its binary value, or its text read as one.
pub(crate) fn number(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    let e = obj.get(tag)?;
    e.value()
        .to_int::<u32>()
        .ok()
        .or_else(|| text(obj, tag)?.parse().ok())
}
