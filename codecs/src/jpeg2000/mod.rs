//! A memory-bounded JPEG 2000 (ISO/IEC 15444-1) decoder: the image comes out in stripes of
//! rows, and decoding it needs the coded bytes plus working memory proportional to the width
//! (sub-band rows of the current code-block row, a window of rows per resolution), never the
//! whole image.
//!
//! The output is what DICOM wants of 1.2.840.10008.1.2.4.90/.91: after the inverse
//! component transform (RCT, ICT) and the DC level shift, clamped to the precision; signed
//! samples as their two's complement in `precision` bits.

mod codestream;
mod dwt;
mod mq;
mod stripes;
mod tier1;
mod tier2;

use crate::samples::{CodecError, Image};
use codestream::Parsed;
use stripes::{Ctx, Pyramid, T1};
use tier2::Tile;

pub(crate) fn malformed(why: impl Into<String>) -> CodecError {
    CodecError::Malformed(format!("JPEG 2000: {}", why.into()))
}

pub(crate) fn unsupported(why: impl Into<String>) -> CodecError {
    CodecError::Unsupported(format!("JPEG 2000: {}", why.into()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    pub precision: u8,
    pub signed: bool,
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

/// One tile-component's synthesis: integers for 5/3, floats for 9/7.
enum Synth {
    I(Pyramid<i32>),
    F(Pyramid<f32>),
}

enum Rows<'r> {
    I(&'r [i32]),
    F(&'r [f32]),
}

struct TileState {
    tile: Tile,
    comps: Vec<Synth>,
}

/// The tiles of the current row of tiles.
struct TileRow {
    index: u32,
    /// Rows of the reference grid it covers.
    y0: u32,
    y1: u32,
    tiles: Vec<TileState>,
}

pub struct Decoder<'a> {
    cs: &'a [u8],
    parsed: Parsed,
    info: Info,
    /// Next image row to decode into the stripe.
    next: u32,
    row: Option<TileRow>,
    stripe: Vec<u16>,
    /// Rows in the stripe, and those already handed out.
    stripe_rows: usize,
    stripe_out: usize,
    t1: T1,
}

impl<'a> Decoder<'a> {
    /// A raw codestream (FF4F FF51…) or a JP2 file. `max_samples` bounds
    /// width × height × components.
    pub fn new(frame: &'a [u8], max_samples: u64) -> Result<Decoder<'a>, CodecError> {
        let cs = codestream(frame)?;
        if cs.len() >= u32::MAX as usize {
            return Err(unsupported("codestream of 4 GiB or more"));
        }
        let parsed = codestream::parse(cs, max_samples)?;
        let h = &parsed.header;
        let info = Info {
            width: h.x1 - h.x0,
            height: h.y1 - h.y0,
            components: h.ncomp as u8,
            precision: h.precision,
            signed: h.signed,
        };
        // Every tile's parameters are checked now, not half-way through the image.
        for t in 0..parsed.header.tiles.len() {
            let p = parsed.params(t)?;
            if p.mct && info.components >= 3 {
                let r = &p.comps[..3];
                if r.iter()
                    .any(|c| c.style.reversible != r[0].style.reversible)
                {
                    return Err(unsupported("component transform across wavelets"));
                }
            }
        }
        Ok(Decoder {
            cs,
            parsed,
            info,
            next: 0,
            row: None,
            stripe: Vec::new(),
            stripe_rows: 0,
            stripe_out: 0,
            t1: T1::default(),
        })
    }

    pub fn info(&self) -> Info {
        self.info
    }

    /// The next rows, top to bottom, into `rows` (a whole number of rows of
    /// width × components pixel-interleaved samples). Returns how many (0 at the end).
    pub fn read_rows(&mut self, rows: &mut [u16]) -> Result<usize, CodecError> {
        let row_len = self.info.width as usize * usize::from(self.info.components);
        let cap = rows.len() / row_len.max(1);
        let mut done = 0;
        while done < cap {
            if self.stripe_out == self.stripe_rows {
                if self.next >= self.info.height {
                    break;
                }
                self.decode_stripe()?;
            }
            let n = (self.stripe_rows - self.stripe_out).min(cap - done);
            rows[done * row_len..(done + n) * row_len].copy_from_slice(
                &self.stripe[self.stripe_out * row_len..(self.stripe_out + n) * row_len],
            );
            self.stripe_out += n;
            done += n;
        }
        if cap == 0 && self.next < self.info.height {
            return Err(unsupported("buffer smaller than a row"));
        }
        Ok(done)
    }

    /// Loads the row of tiles holding reference row `y`: its packets, then empty pyramids.
    fn load_row(&mut self, y: u32) -> Result<(), CodecError> {
        let h = &self.parsed.header;
        let ty = (y - h.ty0) / h.th;
        if self.row.as_ref().is_some_and(|r| r.index == ty) {
            return Ok(());
        }
        self.row = None;
        let y0 = (h.ty0 + ty * h.th).max(h.y0);
        let y1 =
            (u64::from(h.ty0) + (u64::from(ty) + 1) * u64::from(h.th)).min(u64::from(h.y1)) as u32;
        let mut tiles = Vec::with_capacity(h.tiles_x as usize);
        for tx in 0..h.tiles_x {
            let h = &self.parsed.header;
            let x0 = (h.tx0 + tx * h.tw).max(h.x0);
            let x1 = (u64::from(h.tx0) + (u64::from(tx) + 1) * u64::from(h.tw)).min(u64::from(h.x1))
                as u32;
            let ti = (ty * h.tiles_x + tx) as usize;
            let p = self.parsed.params(ti)?;
            let data = &self.parsed.header.tiles[ti];
            let bytes: usize = data.parts.iter().map(|(s, e)| e - s).sum::<usize>()
                + data.headers.as_ref().map_or(0, |v| v.len());
            let mut tile = tier2::build(
                (x0, y0, x1, y1),
                &p,
                self.info.precision,
                bytes.saturating_mul(8) + 4096,
            )?;
            tier2::read_packets(&mut tile, &p, self.cs, data)?;
            let comps = (0..tile.comps.len())
                .map(|c| {
                    if tile.comps[c].reversible {
                        Synth::I(Pyramid::new(&tile, c))
                    } else {
                        Synth::F(Pyramid::new(&tile, c))
                    }
                })
                .collect();
            tiles.push(TileState { tile, comps });
        }
        self.row = Some(TileRow {
            index: ty,
            y0,
            y1,
            tiles,
        });
        Ok(())
    }

    fn decode_stripe(&mut self) -> Result<(), CodecError> {
        let (y0_img, x0_img) = (self.parsed.header.y0, self.parsed.header.x0);
        let y = self.next + y0_img;
        self.load_row(y)?;
        let info = self.info;
        let n = usize::from(info.components);
        let width = info.width as usize;
        // Stripes of about 512 Ki samples, 32 to 64 rows.
        let target = ((1usize << 19) / (width * n).max(1)).clamp(32, 64) as u32;
        let Some(row) = self.row.as_mut() else {
            return Err(malformed("internal: no tile row"));
        };
        let y1 = y.saturating_add(target).min(row.y1);
        let rows = (y1 - y) as usize;
        self.stripe.clear();
        self.stripe.resize(rows * width * n, 0);
        let max = if info.precision >= 16 {
            65535
        } else {
            (1i32 << info.precision) - 1
        };
        let offset = 1i32 << (info.precision - 1);
        let flip = if info.signed { offset as u16 } else { 0 };
        let _ = row.y0;
        for ts in &mut row.tiles {
            let tile = &ts.tile;
            let tw = (tile.x1 - tile.x0) as usize;
            let xo = (tile.x0 - x0_img) as usize;
            let mut outs: Vec<Rows<'_>> = Vec::with_capacity(n);
            let t1 = &mut self.t1;
            // Each component's rows, kept borrowed together for the component transform.
            let mut synths: Vec<&mut Synth> = ts.comps.iter_mut().collect();
            for s in synths.iter_mut() {
                let mut ctx = Ctx {
                    cs: self.cs,
                    tile,
                    t1,
                };
                let r = match &mut **s {
                    Synth::I(p) => Rows::I(p.rows(y, y1, &mut ctx)?),
                    Synth::F(p) => Rows::F(p.rows(y, y1, &mut ctx)?),
                };
                outs.push(r);
            }
            let mct = tile.mct && n >= 3;
            for k in 0..rows {
                let out = &mut self.stripe[(k * width + xo) * n..(k * width + xo + tw) * n];
                let at = k * tw;
                match (mct, outs.as_slice()) {
                    (true, [Rows::I(a), Rows::I(b), Rows::I(c), ..]) => {
                        let (a, b, c) = (&a[at..at + tw], &b[at..at + tw], &c[at..at + tw]);
                        for (x, px) in out.chunks_exact_mut(n).enumerate() {
                            let (y0, y1, y2) = (a[x], b[x], c[x]);
                            let g = y0.wrapping_sub(y2.wrapping_add(y1) >> 2);
                            let v = [y2.wrapping_add(g), g, y1.wrapping_add(g)];
                            for (o, v) in px.iter_mut().zip(v) {
                                *o = (v.wrapping_add(offset).clamp(0, max) as u16) ^ flip;
                            }
                        }
                    }
                    (true, [Rows::F(a), Rows::F(b), Rows::F(c), ..]) => {
                        let (a, b, c) = (&a[at..at + tw], &b[at..at + tw], &c[at..at + tw]);
                        let (off, fmax) = (offset as f32, max as f32);
                        for (x, px) in out.chunks_exact_mut(n).enumerate() {
                            let (y0, y1, y2) = (a[x], b[x], c[x]);
                            let v = [
                                y0 + 1.402 * y2,
                                y0 - 0.34413 * y1 - 0.71414 * y2,
                                y0 + 1.772 * y1,
                            ];
                            for (o, v) in px.iter_mut().zip(v) {
                                *o = ((v + off).round().clamp(0.0, fmax) as u16) ^ flip;
                            }
                        }
                    }
                    (true, _) => return Err(unsupported("component transform across wavelets")),
                    _ => {}
                }
                let first = if mct { 3 } else { 0 };
                for (c, r) in outs.iter().enumerate().skip(first) {
                    match r {
                        Rows::I(v) => {
                            for (px, &s) in out.chunks_exact_mut(n).zip(&v[at..at + tw]) {
                                px[c] = (s.wrapping_add(offset).clamp(0, max) as u16) ^ flip;
                            }
                        }
                        Rows::F(v) => {
                            let (off, fmax) = (offset as f32, max as f32);
                            for (px, &s) in out.chunks_exact_mut(n).zip(&v[at..at + tw]) {
                                px[c] = ((s + off).round().clamp(0.0, fmax) as u16) ^ flip;
                            }
                        }
                    }
                }
            }
        }
        self.stripe_rows = rows;
        self.stripe_out = 0;
        self.next += rows as u32;
        if self.next + y0_img >= self.row.as_ref().map_or(0, |r| r.y1) {
            // The row of tiles is done: free its code-blocks and windows.
            self.row = None;
        }
        Ok(())
    }
}

/// Decodes the whole frame at once (the same samples as `Decoder::read_rows`).
pub fn decode(frame: &[u8], max_samples: u64) -> Result<Image, CodecError> {
    let mut d = Decoder::new(frame, max_samples)?;
    let i = d.info();
    let count = i.width as usize * i.height as usize * usize::from(i.components);
    let mut samples = vec![0u16; count];
    let mut at = 0;
    let row_len = i.width as usize * usize::from(i.components);
    while at < count {
        let n = d.read_rows(&mut samples[at..])?;
        if n == 0 {
            return Err(malformed("fewer rows than SIZ declares"));
        }
        at += n * row_len;
    }
    Ok(Image {
        width: i.width,
        height: i.height,
        components: i.components,
        precision: i.precision,
        samples,
    })
}
