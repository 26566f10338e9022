//! JPEG 2000 (ISO/IEC 15444-1) decoding, as DICOM carries it in 1.2.840.10008.1.2.4.90
//! (lossless only) and 1.2.840.10008.1.2.4.91: a raw codestream (FF4F FF51), or a JP2 file.
//! The decoding is `hayro-jpeg2000`'s (pure Rust, no unsafe). What it does not give, this
//! module does from the SIZ segment: the signedness of the samples, which it ignores, and the
//! checks (size, subsampling, equal precisions) that the `Image` layout needs.

use crate::samples::{CodecError, Image};
use hayro_jpeg2000::{DecodeError, DecodeSettings, DecoderContext, FormatError, MarkerError};

fn malformed(why: impl Into<String>) -> CodecError {
    CodecError::Malformed(format!("JPEG 2000: {}", why.into()))
}

fn unsupported(why: impl Into<String>) -> CodecError {
    CodecError::Unsupported(format!("JPEG 2000: {}", why.into()))
}

/// The image size and components as SIZ declares them.
struct Siz {
    width: u32,
    height: u32,
    precision: u8,
    signed: bool,
    components: u8,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The codestream: the frame itself, or the contents of a JP2 file's `jp2c` box.
fn codestream(frame: &[u8]) -> Result<&[u8], CodecError> {
    if frame.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Ok(frame);
    }
    if !frame.starts_with(b"\0\0\0\x0CjP  ") {
        return Err(malformed("neither a codestream (FF4F FF51) nor a JP2 file"));
    }
    let mut at = 0usize;
    while at < frame.len() {
        let len = be32(frame, at).ok_or_else(|| malformed("truncated JP2 box"))?;
        let kind = frame.get(at + 4..at + 8).unwrap_or_default();
        let (head, len) = match len {
            0 => (8, (frame.len() - at) as u64),
            1 => {
                let hi = be32(frame, at + 8).ok_or_else(|| malformed("truncated JP2 box"))?;
                let lo = be32(frame, at + 12).ok_or_else(|| malformed("truncated JP2 box"))?;
                (16, u64::from(hi) << 32 | u64::from(lo))
            }
            n => (8, u64::from(n)),
        };
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| at.checked_add(l))
            .filter(|&e| e <= frame.len() && e >= at + head)
            .ok_or_else(|| malformed("JP2 box length past the end"))?;
        if kind == b"jp2c" {
            return frame
                .get(at + head..end)
                .ok_or_else(|| malformed("empty JP2 codestream box"));
        }
        at = end;
    }
    Err(malformed("JP2 file without a codestream box"))
}

fn siz(stream: &[u8]) -> Result<Siz, CodecError> {
    if !stream.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(malformed("codestream does not start with SOC, SIZ"));
    }
    let field = |at| be32(stream, at).ok_or_else(|| malformed("truncated SIZ segment"));
    let (x, y, x0, y0) = (field(8)?, field(12)?, field(16)?, field(20)?);
    let n = match stream.get(40..42) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => return Err(malformed("truncated SIZ segment")),
    };
    let comps = stream
        .get(42..42 + 3 * usize::from(n))
        .ok_or_else(|| malformed("truncated SIZ segment"))?;
    let (width, height) = match (x.checked_sub(x0), y.checked_sub(y0)) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(malformed("empty image area in SIZ")),
    };
    let first = comps.get(..3).unwrap_or_default();
    let &[ssiz, ..] = first else {
        return Err(malformed("no component in SIZ"));
    };
    if !(1..=4).contains(&n) {
        return Err(unsupported(format!("{n} components (1 to 4 are decoded)")));
    }
    for c in comps.chunks_exact(3) {
        if c[0] != ssiz {
            return Err(unsupported("components of different precision or sign"));
        }
        // hayro stretches subsampled components to the full grid; DICOM has none in J2K.
        if c[1] != 1 || c[2] != 1 {
            return Err(unsupported("subsampled components"));
        }
    }
    let precision = (ssiz & 0x7F) + 1;
    if precision > 16 {
        return Err(unsupported(format!("precision {precision} (up to 16)")));
    }
    Ok(Siz {
        width,
        height,
        precision,
        signed: ssiz & 0x80 != 0,
        components: n as u8,
    })
}

fn from_hayro(e: DecodeError) -> CodecError {
    match e {
        DecodeError::Format(FormatError::Unsupported)
        | DecodeError::Marker(MarkerError::Unsupported) => unsupported(e.to_string()),
        e => malformed(e.to_string()),
    }
}

/// Decodes one frame: a JPEG 2000 codestream or JP2 file. `max_samples` bounds
/// width×height×components. Three components come out as coded after the inverse component
/// transform (RCT or ICT, where the codestream says): RGB for DICOM's YBR_RCT and YBR_ICT.
/// Signed samples come out as their two's complement in `precision` bits, as JPEG Lossless
/// decodes them.
pub fn decode(frame: &[u8], max_samples: u64) -> Result<Image, CodecError> {
    let siz = siz(codestream(frame)?)?;
    let (w, h, n) = (siz.width, siz.height, siz.components);
    // SIZ sizes are 32-bit: their product can overflow even u64 (found by fuzzing).
    let count = u64::from(w)
        .saturating_mul(u64::from(h))
        .saturating_mul(u64::from(n));
    if count > max_samples {
        return Err(unsupported(format!(
            "{w}x{h}x{n} samples exceed the limit of {max_samples}"
        )));
    }
    let settings = DecodeSettings {
        // Palette indices are the samples (DICOM has no palettes in JP2).
        resolve_palette_indices: false,
        strict: false,
        target_resolution: None,
    };
    let image = hayro_jpeg2000::Image::new(frame, &settings).map_err(from_hayro)?;
    if (image.width(), image.height()) != (w, h) {
        return Err(malformed("decoder and SIZ disagree on the size"));
    }
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(from_hayro)?;
    let planes = decoded.components();
    let pixels = (u64::from(w) * u64::from(h)) as usize;
    if planes.len() != usize::from(n) || planes.iter().any(|p| p.samples().len() < pixels) {
        return Err(malformed("decoded components do not match SIZ"));
    }
    let max = ((1u32 << siz.precision) - 1) as f32;
    // hayro always adds 2^(p-1) (the unsigned level shift); for signed data that turns the
    // value into offset binary, whose top bit flipped is the two's complement.
    let flip = if siz.signed {
        1u16 << (siz.precision - 1)
    } else {
        0
    };
    let mut samples = Vec::with_capacity(count as usize);
    for i in 0..pixels {
        for p in planes {
            let v = p.samples().get(i).copied().unwrap_or(0.0);
            // Exact for reversible coding: f32 holds every integer up to 2^24.
            samples.push((v.round().clamp(0.0, max) as u16) ^ flip);
        }
    }
    Ok(Image {
        width: w,
        height: h,
        components: n,
        precision: siz.precision,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_jpeg_2000_is_malformed() {
        for bad in [
            &b""[..],
            b"\xFF\x4F",
            b"\xFF\x4F\xFF\x51\x00",
            b"\0\0\0\x0CjP  \r\n",
        ] {
            assert!(matches!(decode(bad, 1000), Err(CodecError::Malformed(_))));
        }
    }
}
