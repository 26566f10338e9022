//! The encoding of a data set that does not say what it is: one without a Part 10 header (read
//! only when the caller asks, `accept_raw`), or after a file meta group that lacks its Transfer
//! Syntax UID. Detected as DCMTK does, from the first element's header.

use dicom_core::VR;

pub(crate) const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
pub(crate) const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
pub(crate) const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
pub(crate) const DEFLATED_VR_LE: &str = "1.2.840.10008.1.2.1.99";

/// The transfer syntax of the data set starting `data`, or `None` when its first element does
/// not look like one in any of the three uncompressed encodings.
///
/// Explicit VR: two uppercase letters naming a VR at bytes 4..6, then a length that fits; the
/// byte order is the one giving the smaller, plausible group number (0x0008 reads as 0x0800 the
/// other way round). Implicit VR little endian: a plausible group and a 4-byte length that fits.
pub(crate) fn detect(data: &[u8]) -> Option<&'static str> {
    let head = data.get(..8)?;
    let (le, be) = (
        u16::from_le_bytes([head[0], head[1]]),
        u16::from_be_bytes([head[0], head[1]]),
    );
    let rest = data.len() as u64 - 8;
    if let Some(vr) = VR::from_binary([head[4], head[5]]).filter(|_| head[4..6] != *b"\0\0") {
        let little = plausible(le) && (!plausible(be) || le <= be);
        if !little && !plausible(be) {
            return None;
        }
        let len = |b: [u8; 2]| {
            if little {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            }
        };
        if long_length(vr) {
            // Reserved bytes, then a 4-byte length (checked by the pre-scan).
            if head[6..8] != [0, 0] || rest < 4 {
                return None;
            }
        } else if u64::from(len([head[6], head[7]])) > rest {
            return None;
        }
        return Some(if little {
            EXPLICIT_VR_LE
        } else {
            EXPLICIT_VR_BE
        });
    }
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    (plausible(le) && (u64::from(len) <= rest || len == u32::MAX)).then_some(IMPLICIT_VR_LE)
}

/// Whether `data` may yet be detected as a bare data set once more of it has come: its first
/// element looks like one but declares more bytes than are here so far. A stream must not
/// decide "not DICOM" before then, or it would answer otherwise than for the whole input (found
/// by fuzzing).
pub(crate) fn undecided(data: &[u8]) -> bool {
    let Some(head) = data.get(..8) else {
        return true;
    };
    let rest = data.len() as u64 - 8;
    let group = u16::from_le_bytes([head[0], head[1]]);
    let implicit_len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let explicit_len =
        u16::from_le_bytes([head[6], head[7]]).max(u16::from_be_bytes([head[6], head[7]]));
    let group_be = u16::from_be_bytes([head[0], head[1]]);
    (plausible(group) && u64::from(implicit_len) > rest)
        || ((plausible(group) || plausible(group_be)) && u64::from(explicit_len) > rest)
}

/// The group of a data set's first element: not the command or meta group, not an item.
/// (Group 0001 is not allowed, but pydicom's `meta_missing_tsyntax.dcm` starts with it.)
fn plausible(group: u16) -> bool {
    group != 0x0002 && (0x0001..0xFFFE).contains(&group)
}

/// VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
pub(crate) fn long_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB
            | VR::OD
            | VR::OF
            | VR::OL
            | VR::OV
            | VR::OW
            | VR::SQ
            | VR::SV
            | VR::UC
            | VR::UN
            | VR::UR
            | VR::UT
            | VR::UV
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_encodings_and_garbage() {
        let mut implicit = vec![0x08, 0x00, 0x05, 0x00, 10, 0, 0, 0];
        implicit.extend_from_slice(b"ISO_IR 100");
        assert_eq!(detect(&implicit), Some(IMPLICIT_VR_LE));
        let mut le = vec![0x08, 0x00, 0x05, 0x00, b'C', b'S', 10, 0];
        le.extend_from_slice(b"ISO_IR 100");
        assert_eq!(detect(&le), Some(EXPLICIT_VR_LE));
        let mut be = vec![0x00, 0x08, 0x00, 0x05, b'C', b'S', 0, 10];
        be.extend_from_slice(b"ISO_IR 100");
        assert_eq!(detect(&be), Some(EXPLICIT_VR_BE));
        assert_eq!(detect(b"hello, this is not an image"), None);
        assert_eq!(detect(&[0u8; 64]), None);
        assert_eq!(detect(&le[..7]), None);
        // pydicom's no_meta.dcm: one stray byte before an explicit VR data set.
        let mut shifted = vec![0x20];
        shifted.extend_from_slice(&le);
        assert_eq!(detect(&shifted), None);
    }
}
