//! What the codec tests share: images built in code, written as the smallest DICOM files DCMTK
//! and GDCM take (explicit VR little endian Part 10, written and read here by hand: this crate
//! has no DICOM dependency), and those tools run on them as independent encoders and decoders.

#![allow(dead_code)] // each test binary uses its own part

pub mod jpeg;

use pixel_codecs::{CodecError, Image};

pub const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";

/// An image layout: what the DICOM attributes say.
#[derive(Clone, Debug)]
pub struct Layout {
    pub rows: u16,
    pub cols: u16,
    pub frames: u16,
    pub spp: u16,
    /// Colour by plane (Planar Configuration 1) in the native file.
    pub planar: bool,
    pub bits: u16,
    /// Bits Stored (High Bit one less); Bits Allocated when `None`.
    pub stored: Option<u16>,
    pub photometric: &'static str,
    /// Pixel Representation 1: two's complement samples.
    pub signed: bool,
}

impl Layout {
    pub fn new(photometric: &'static str, bits: u16, rows: u16, cols: u16, frames: u16) -> Layout {
        Layout {
            rows,
            cols,
            frames,
            spp: if photometric.starts_with("MONO") {
                1
            } else {
                3
            },
            planar: false,
            bits,
            stored: None,
            photometric,
            signed: false,
        }
    }

    pub fn stored(self, stored: u16) -> Layout {
        Layout {
            stored: Some(stored),
            ..self
        }
    }

    pub fn planar(self) -> Layout {
        Layout {
            planar: true,
            ..self
        }
    }

    pub fn precision(&self) -> u16 {
        self.stored.unwrap_or(self.bits)
    }

    /// Samples a frame holds.
    pub fn samples(&self) -> usize {
        self.rows as usize * self.cols as usize * self.spp as usize
    }

    /// A native file of these frames (pixel-interleaved samples, written by plane when the
    /// layout is planar). Signed samples below 16 bits are sign-extended, as DICOM stores them.
    pub fn native_file(&self, frames: &[Vec<u16>]) -> Vec<u8> {
        let spp = self.spp as usize;
        let stored = u32::from(self.precision());
        let mut value = Vec::new();
        for f in frames {
            let order: Vec<u16> = match self.planar {
                false => f.clone(),
                true => (0..spp)
                    .flat_map(|s| f.iter().skip(s).step_by(spp).copied())
                    .collect(),
            };
            for v in order {
                let v = match self.signed && stored < 16 {
                    true => ((i32::from(v) << (32 - stored)) >> (32 - stored)) as u16,
                    false => v,
                };
                match self.bits {
                    8 => value.push(v as u8),
                    _ => value.extend_from_slice(&v.to_le_bytes()),
                }
            }
        }
        let vr = if self.bits == 8 { b"OB" } else { b"OW" };
        let mut file = self.header(EXPLICIT_VR_LE);
        long_element(&mut file, 0x7FE0, 0x0010, vr, &value);
        file
    }

    /// An encapsulated file whose fragments are these frames, one each, with an empty Basic
    /// Offset Table.
    pub fn encapsulated_file(&self, transfer_syntax: &str, frames: &[Vec<u8>]) -> Vec<u8> {
        let mut file = self.header(transfer_syntax);
        file.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0]);
        file.extend_from_slice(&u32::MAX.to_le_bytes());
        item(&mut file, &[]);
        for f in frames {
            item(&mut file, f);
        }
        file.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        file
    }

    /// The file up to Pixel Data: meta group, then the image attributes, in tag order.
    fn header(&self, transfer_syntax: &str) -> Vec<u8> {
        const SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.7"; // Secondary Capture
        const INSTANCE: &str = "1.2.826.0.1.3680043.8.498.1";
        let mut meta = Vec::new();
        long_element(&mut meta, 0x0002, 0x0001, b"OB", &[0, 1]);
        short_element(&mut meta, 0x0002, 0x0002, b"UI", SOP_CLASS.as_bytes());
        short_element(&mut meta, 0x0002, 0x0003, b"UI", INSTANCE.as_bytes());
        short_element(&mut meta, 0x0002, 0x0010, b"UI", transfer_syntax.as_bytes());
        short_element(
            &mut meta,
            0x0002,
            0x0012,
            b"UI",
            b"1.2.826.0.1.3680043.8.498.2",
        );
        let mut file = vec![0; 128];
        file.extend_from_slice(b"DICM");
        short_element(
            &mut file,
            0x0002,
            0x0000,
            b"UL",
            &(meta.len() as u32).to_le_bytes(),
        );
        file.extend_from_slice(&meta);
        let us = |v: u16| v.to_le_bytes();
        short_element(&mut file, 0x0008, 0x0016, b"UI", SOP_CLASS.as_bytes());
        short_element(&mut file, 0x0008, 0x0018, b"UI", INSTANCE.as_bytes());
        short_element(&mut file, 0x0008, 0x0060, b"CS", b"OT");
        short_element(&mut file, 0x0028, 0x0002, b"US", &us(self.spp));
        short_element(
            &mut file,
            0x0028,
            0x0004,
            b"CS",
            self.photometric.as_bytes(),
        );
        if self.spp > 1 {
            short_element(&mut file, 0x0028, 0x0006, b"US", &us(self.planar as u16));
        }
        short_element(
            &mut file,
            0x0028,
            0x0008,
            b"IS",
            self.frames.to_string().as_bytes(),
        );
        short_element(&mut file, 0x0028, 0x0010, b"US", &us(self.rows));
        short_element(&mut file, 0x0028, 0x0011, b"US", &us(self.cols));
        short_element(&mut file, 0x0028, 0x0100, b"US", &us(self.bits));
        short_element(&mut file, 0x0028, 0x0101, b"US", &us(self.precision()));
        short_element(&mut file, 0x0028, 0x0102, b"US", &us(self.precision() - 1));
        short_element(&mut file, 0x0028, 0x0103, b"US", &us(self.signed as u16));
        file
    }

    /// Frame `f` of `frames` as the decoders give it.
    pub fn image(&self, samples: Vec<u16>) -> Image {
        Image {
            width: u32::from(self.cols),
            height: u32::from(self.rows),
            components: self.spp as u8,
            precision: self.precision() as u8,
            samples,
        }
    }
}

/// A short-form explicit VR element, its value padded even (UI with a zero, text with a space).
fn short_element(out: &mut Vec<u8>, group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) {
    let pad = value.len() % 2;
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&elem.to_le_bytes());
    out.extend_from_slice(vr);
    out.extend_from_slice(&((value.len() + pad) as u16).to_le_bytes());
    out.extend_from_slice(value);
    if pad == 1 {
        out.push(if vr == b"UI" { 0 } else { b' ' });
    }
}

/// An OB/OW element (4-byte length), padded even with a zero.
fn long_element(out: &mut Vec<u8>, group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) {
    let pad = value.len() % 2;
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&elem.to_le_bytes());
    out.extend_from_slice(vr);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&((value.len() + pad) as u32).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + pad, 0);
}

/// An item of encapsulated Pixel Data, padded even.
fn item(out: &mut Vec<u8>, value: &[u8]) {
    let pad = value.len() % 2;
    out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
    out.extend_from_slice(&((value.len() + pad) as u32).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + pad, 0);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The transfer syntax of a Part 10 file the tools wrote.
pub fn transfer_syntax(file: &[u8]) -> String {
    let at = find(file, &[0x02, 0x00, 0x10, 0x00, b'U', b'I']).expect("a transfer syntax");
    let len = u16::from_le_bytes([file[at + 6], file[at + 7]]) as usize;
    String::from_utf8_lossy(&file[at + 8..at + 8 + len])
        .trim_end_matches(['\0', ' '])
        .to_string()
}

/// Where the top-level Pixel Data value is in an explicit VR little endian file (the last
/// element in every file these tests make or the tools write from them).
pub fn pixel_value(file: &[u8]) -> std::ops::Range<usize> {
    let at = (0..file.len().saturating_sub(12))
        .rev()
        .find(|&i| {
            file[i..i + 4] == [0xE0, 0x7F, 0x10, 0x00]
                && matches!(&file[i + 4..i + 6], b"OB" | b"OW")
        })
        .expect("Pixel Data");
    let len = u32::from_le_bytes(file[at + 8..at + 12].try_into().unwrap());
    match len {
        u32::MAX => at + 12..file.len(),
        n => at + 12..at + 12 + n as usize,
    }
}

/// The fragments of an encapsulated file's Pixel Data, without the Basic Offset Table, and
/// its transfer syntax.
pub fn fragments(file: &[u8]) -> (String, Vec<Vec<u8>>) {
    let value = &file[pixel_value(file)];
    let mut at = 0;
    let mut out = Vec::new();
    while value.get(at..at + 4) == Some(&[0xFE, 0xFF, 0x00, 0xE0]) {
        let len = u32::from_le_bytes(value[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push(value[at + 8..at + 8 + len].to_vec());
        at += 8 + len;
    }
    assert!(!out.is_empty(), "Pixel Data is not encapsulated");
    out.remove(0);
    (transfer_syntax(file), out)
}

/// The value of a short-form explicit VR little endian element before Pixel Data.
pub fn element<'a>(file: &'a [u8], group: u16, elem: u16, vr: &[u8; 2]) -> Option<&'a [u8]> {
    let header = &file[..pixel_value(file).start];
    let [g0, g1] = group.to_le_bytes();
    let [e0, e1] = elem.to_le_bytes();
    let at = find(header, &[g0, g1, e0, e1, vr[0], vr[1]])?;
    let len = u16::from_le_bytes([header[at + 6], header[at + 7]]) as usize;
    header.get(at + 8..at + 8 + len)
}

/// Whether a native file the tools wrote stores colour by plane (Planar Configuration 1).
pub fn planar(file: &[u8]) -> bool {
    element(file, 0x0028, 0x0006, b"US") == Some(&[1, 0])
}

/// The value of a native file's Pixel Data.
pub fn pixel_bytes(file: &[u8]) -> Vec<u8> {
    file[pixel_value(file)].to_vec()
}

/// The samples of a native file's Pixel Data as stored, frame by frame, pixel-interleaved.
pub fn native_words(file: &[u8], layout: &Layout) -> Vec<Vec<u16>> {
    let value = &file[pixel_value(file)];
    let samples: Vec<u16> = match layout.bits {
        8 => value.iter().map(|&b| u16::from(b)).collect(),
        _ => value
            .chunks_exact(2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
            .collect(),
    };
    samples
        .chunks(layout.samples())
        .take(layout.frames as usize)
        .map(<[u16]>::to_vec)
        .collect()
}

/// `native_words`, each sample masked to Bits Stored.
pub fn native_frames(file: &[u8], layout: &Layout) -> Vec<Vec<u16>> {
    let mask = ((1u32 << layout.precision()) - 1) as u16;
    let mut frames = native_words(file, layout);
    frames.iter_mut().flatten().for_each(|v| *v &= mask);
    frames
}

/// A test image: its layout and every frame's samples (row by row, pixel-interleaved).
pub struct Built {
    pub layout: Layout,
    pub frames: Vec<Vec<u16>>,
}

impl Built {
    /// Samples that mix smooth gradients, noise and the extremes of the stored range, so
    /// every difference category occurs; never the same from frame to frame.
    pub fn new(layout: Layout) -> Built {
        let stored = u64::from(layout.precision());
        let max = (1u64 << stored) - 1;
        let (rows, cols, spp) = (layout.rows as u64, layout.cols as u64, layout.spp as u64);
        let mut seed = 0x1234_5678_9ABC_DEF1u64 ^ (rows << 32 | cols << 16 | stored);
        let mut frames = Vec::new();
        for f in 0..layout.frames as u64 {
            let mut s = Vec::new();
            for y in 0..rows {
                for x in 0..cols {
                    for c in 0..spp {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let v = match (x / 5 + y / 4 + f + c) % 4 {
                            0 => (x * 977 + y * 131 + f * 7 + c * 1000) % (max + 1),
                            1 => seed % (max + 1),
                            2 => [0, max][((x + y) % 2) as usize],
                            _ => max / 2 + (seed % 16),
                        };
                        s.push(v.min(max) as u16);
                    }
                }
            }
            frames.push(s);
        }
        Built { layout, frames }
    }

    /// Pixel Representation 1: the samples are two's complement in Bits Stored.
    pub fn signed(mut self) -> Built {
        self.layout.signed = true;
        self
    }

    pub fn native_file(&self) -> Vec<u8> {
        self.layout.native_file(&self.frames)
    }

    /// Frame `f` as the decoders give it.
    pub fn image(&self, f: usize) -> Image {
        self.layout.image(self.frames[f].clone())
    }
}

/// A decoder refuses `frame` cut at each of `cuts` as malformed, refuses it as unsupported when
/// it holds one sample more than `max`, and never panics on a byte corrupted anywhere.
pub fn refuses_broken(
    decode: fn(&[u8], u64) -> Result<Image, CodecError>,
    frame: &[u8],
    cuts: &[usize],
    samples: u64,
) {
    // A corrupt header may claim any size: the bound keeps the decoders' allocations sane.
    const BOUND: u64 = 1 << 22;
    for &len in cuts {
        assert!(
            matches!(
                decode(&frame[..len], u64::MAX),
                Err(CodecError::Malformed(_))
            ),
            "truncated to {len}"
        );
    }
    assert!(matches!(
        decode(frame, samples - 1),
        Err(CodecError::Unsupported(_))
    ));
    for at in 0..frame.len() {
        let mut bad = frame.to_vec();
        bad[at] ^= 0x5A;
        let _ = decode(&bad, BOUND);
    }
}
