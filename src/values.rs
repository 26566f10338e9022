//! Facts about value representations, and the dummy value for each.

use dicom_core::value::PrimitiveValue;
use dicom_core::VR;
use dicom_object::mem::InMemElement;
use smallvec::smallvec;

/// A value without the NUL and space padding DICOM adds to reach an even length.
pub(crate) fn trim_padding(v: &str) -> &str {
    v.trim_matches(['\0', ' '])
}

/// Free-text and code string VRs: what clean, hash and replace work on.
pub(crate) fn is_text(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::CS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::UC
            | VR::UT
            | VR::UR
            | VR::UI
    )
}

/// Longest value (of one of several values) the VR allows, in characters.
pub(crate) fn max_len(vr: VR) -> Option<usize> {
    Some(match vr {
        VR::AE | VR::CS | VR::DS | VR::SH => 16,
        VR::AS => 4,
        VR::DA => 8,
        VR::DT => 26,
        VR::IS => 12,
        VR::LO | VR::UI | VR::PN => 64,
        VR::TM => 14,
        VR::ST => 1024,
        VR::LT => 10240,
        _ => return None,
    })
}

/// The text written where the profile says D and the VR holds text.
pub const DUMMY_TEXT: &str = "ANONYMIZED";

/// A non-empty value valid for `vr` (D). UI and SQ are handled by the caller.
pub(crate) fn dummy(vr: VR) -> PrimitiveValue {
    let s = |v: &str| PrimitiveValue::from(v);
    match vr {
        VR::DA => s("19000101"),
        VR::DT => s("19000101000000"),
        VR::TM => s("000000"),
        VR::AS => s("000Y"),
        VR::DS | VR::IS => s("0"),
        VR::UR => s("urn:anonymized"),
        VR::US | VR::OW => PrimitiveValue::U16(smallvec![0]),
        VR::SS => PrimitiveValue::I16(smallvec![0]),
        VR::UL | VR::OL => PrimitiveValue::U32(smallvec![0]),
        VR::SL => PrimitiveValue::I32(smallvec![0]),
        VR::FL | VR::OF => PrimitiveValue::F32(smallvec![0.0]),
        VR::FD | VR::OD => PrimitiveValue::F64(smallvec![0.0]),
        VR::SV => PrimitiveValue::I64(smallvec![0]),
        VR::UV | VR::OV => PrimitiveValue::U64(smallvec![0]),
        VR::AT => PrimitiveValue::Tags(smallvec![dicom_core::Tag(0, 0)]),
        VR::OB | VR::UN => PrimitiveValue::U8(smallvec![0, 0]),
        _ => s(DUMMY_TEXT),
    }
}

/// Ages above 89 years are grouped as `090Y` (HIPAA Safe Harbor); others pass.
pub(crate) fn clean_age(age: &str) -> String {
    let t = age.trim();
    match (t.get(..3).and_then(|n| n.parse::<u32>().ok()), t.get(3..)) {
        (Some(n), Some("Y")) if n > 89 => "090Y".into(),
        (Some(_), Some("Y" | "M" | "W" | "D")) => t.into(),
        _ => String::new(),
    }
}

/// UID syntax (PS3.5 9.1): digits and dots, no empty component, at most 64 characters. A
/// component with a leading zero breaks 9.1 too, but vendors' RT exports write them
/// (`1.2.840.0010.…`) and readers take them, so they are tolerated here; see [`uid_leading_zero`].
pub(crate) fn uid_well_formed(uid: &str) -> bool {
    uid.len() <= 64
        && uid
            .split('.')
            .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a component of `uid` has a leading zero (`0010`; `0` alone is fine).
pub(crate) fn uid_leading_zero(uid: &str) -> bool {
    uid.split('.').any(|c| c.len() > 1 && c.starts_with('0'))
}

/// Whether a value kept as it is has characters its VR does not allow (ASCII-only VRs; a UID
/// digits and dots), so the output drops it (`value.invalid_removed`). Whatever reads the input
/// to decide what the output holds (the pixel plan: Photometric Interpretation, and with it the
/// fill of blanked chroma) takes such a value as absent, as a second pass will find it, so that
/// sanitizing the output again changes nothing.
pub(crate) fn kept_value_dropped(elem: &InMemElement) -> bool {
    let vr = elem.vr();
    matches!(
        vr,
        VR::UI | VR::DA | VR::DT | VR::TM | VR::CS | VR::AS | VR::DS | VR::IS | VR::AE
    ) && elem.value().to_str().is_ok_and(|v| {
        !v.is_ascii()
            || vr == VR::UI
                && !v
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b".\\\0 ".contains(&b))
    })
}
