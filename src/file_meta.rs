//! The output's preamble and File Meta Information (PS3.10 7.1), written here rather than by
//! dicom-rs so that a UID the input did not have is left out, not written empty (a data set
//! that is no composite instance has no SOP Class or Instance UID to name it by).

/// Name of this product, as written to the report and to (0012,0063).
pub const PRODUCT: &str = "dicom-sanitizer";
/// Version of this product.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Implementation Class UID written to the output's file meta group (a `2.25` UUID-based UID).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.264090329737839425614392387340331476245";
pub(crate) const IMPLEMENTATION_VERSION_NAME: &str = "DICOMSAN_0_1";

/// What the file meta group names.
pub(crate) struct FileMeta<'a> {
    pub sop_class: &'a str,
    pub sop_instance: &'a str,
    pub transfer_syntax: &'a str,
}

impl FileMeta<'_> {
    /// A zeroed preamble, `DICM`, and the group (explicit VR little endian, as PS3.10 requires).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut group = Vec::with_capacity(200);
        element(&mut group, 0x0001, b"OB", &[0, 1], 0);
        for (element_no, uid) in [(0x0002, self.sop_class), (0x0003, self.sop_instance)] {
            if !uid.is_empty() {
                element(&mut group, element_no, b"UI", uid.as_bytes(), 0);
            }
        }
        element(
            &mut group,
            0x0010,
            b"UI",
            self.transfer_syntax.as_bytes(),
            0,
        );
        element(
            &mut group,
            0x0012,
            b"UI",
            IMPLEMENTATION_CLASS_UID.as_bytes(),
            0,
        );
        element(
            &mut group,
            0x0013,
            b"SH",
            IMPLEMENTATION_VERSION_NAME.as_bytes(),
            b' ',
        );
        let mut out = vec![0u8; 128];
        out.extend_from_slice(b"DICM");
        element(
            &mut out,
            0x0000,
            b"UL",
            &(group.len() as u32).to_le_bytes(),
            0,
        );
        out.extend_from_slice(&group);
        out
    }
}

/// One explicit VR little endian element of group 0002, padded to even length with `pad`.
fn element(out: &mut Vec<u8>, element_no: u16, vr: &[u8; 2], value: &[u8], pad: u8) {
    let len = value.len() + value.len() % 2;
    out.extend_from_slice(&0x0002u16.to_le_bytes());
    out.extend_from_slice(&element_no.to_le_bytes());
    out.extend_from_slice(vr);
    if vr == b"OB" {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    if value.len() % 2 == 1 {
        out.push(pad);
    }
}
