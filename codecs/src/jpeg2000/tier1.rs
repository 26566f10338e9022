//! Tier-1 (Annex D): the bit-plane decoding of one code-block, its three coding passes, and
//! every code-block style (bypass, context reset, termination on each pass, vertically causal
//! contexts, segmentation symbols). Predictable termination needs nothing from a decoder.

use super::mq::{initial_contexts, Contexts, Mq, Raw};
use super::{malformed, unsupported};
use crate::samples::CodecError;

pub const STYLE_BYPASS: u8 = 1;
pub const STYLE_RESET: u8 = 2;
pub const STYLE_TERMALL: u8 = 4;
pub const STYLE_VCAUSAL: u8 = 8;
pub const STYLE_SEGSYM: u8 = 32;

// Flag bits of a coefficient: which neighbours are significant (one bit each), the sign of the
// four direct neighbours, then its own state.
const NW: u32 = 1;
const N: u32 = 2;
const NE: u32 = 4;
const W: u32 = 8;
const E: u32 = 16;
const SW: u32 = 32;
const S: u32 = 64;
const SE: u32 = 128;
const NEG_N: u32 = 1 << 8;
const NEG_W: u32 = 1 << 9;
const NEG_E: u32 = 1 << 10;
const NEG_S: u32 = 1 << 11;
const SIG: u32 = 1 << 12;
const NEG: u32 = 1 << 13;
const REFINED: u32 = 1 << 14;
const VISITED: u32 = 1 << 15;
/// What a vertically causal stripe may not see: the row below it.
const BELOW: u32 = SW | S | SE | NEG_S;

/// Table D.1: zero-coding contexts for LL/LH, HL and HH, by the 8 neighbour bits.
const fn zc_table() -> [[u8; 256]; 3] {
    let mut t = [[0u8; 256]; 3];
    let mut o = 0;
    while o < 3 {
        let mut f = 0;
        while f < 256 {
            let fu = f as u32;
            let mut h = ((fu & W != 0) as u32) + ((fu & E != 0) as u32);
            let mut v = ((fu & N != 0) as u32) + ((fu & S != 0) as u32);
            let d = ((fu & NW != 0) as u32)
                + ((fu & NE != 0) as u32)
                + ((fu & SW != 0) as u32)
                + ((fu & SE != 0) as u32);
            if o == 1 {
                let x = h;
                h = v;
                v = x;
            }
            let ctx = if o < 2 {
                if h == 2 {
                    8
                } else if h == 1 {
                    if v >= 1 {
                        7
                    } else if d >= 1 {
                        6
                    } else {
                        5
                    }
                } else if v == 2 {
                    4
                } else if v == 1 {
                    3
                } else if d >= 2 {
                    2
                } else {
                    d
                }
            } else {
                let hv = h + v;
                if d >= 3 {
                    8
                } else if d == 2 {
                    if hv >= 1 {
                        7
                    } else {
                        6
                    }
                } else if d == 1 {
                    if hv >= 2 {
                        5
                    } else if hv == 1 {
                        4
                    } else {
                        3
                    }
                } else if hv >= 2 {
                    2
                } else {
                    hv
                }
            };
            t[o][f] = ctx as u8;
            f += 1;
        }
        o += 1;
    }
    t
}

const fn contrib(f: u32, sig: u32, neg: u32) -> i32 {
    if f & sig == 0 {
        0
    } else if f & neg != 0 {
        -1
    } else {
        1
    }
}

/// Table D.3: sign context (9..13) and the bit to XOR, packed `ctx << 1 | xor`, by the low 12
/// flag bits.
const fn sc_table() -> [u8; 4096] {
    let mut t = [0u8; 4096];
    let mut f = 0;
    while f < 4096 {
        let fu = f as u32;
        let h = contrib(fu, W, NEG_W) + contrib(fu, E, NEG_E);
        let v = contrib(fu, N, NEG_N) + contrib(fu, S, NEG_S);
        let h = if h > 1 {
            1
        } else if h < -1 {
            -1
        } else {
            h
        };
        let v = if v > 1 {
            1
        } else if v < -1 {
            -1
        } else {
            v
        };
        let (ctx, xor) = match (h, v) {
            (1, 1) => (13, 0),
            (1, 0) => (12, 0),
            (1, _) => (11, 0),
            (0, 1) => (10, 0),
            (0, 0) => (9, 0),
            (0, _) => (10, 1),
            (_, 1) => (11, 1),
            (_, 0) => (12, 1),
            _ => (13, 1),
        };
        t[f] = (ctx << 1 | xor) as u8;
        f += 1;
    }
    t
}

static ZC: [[u8; 256]; 3] = zc_table();
static SC: [u8; 4096] = sc_table();

/// A source of decisions: the MQ decoder, or raw bits in bypassed passes.
trait Bits: Clone {
    fn bit(&mut self, cx: &mut Contexts, ctx: usize) -> u32;
    fn sign(&mut self, cx: &mut Contexts, packed: u8) -> u32;
}

impl Bits for Mq<'_> {
    #[inline(always)]
    fn bit(&mut self, cx: &mut Contexts, ctx: usize) -> u32 {
        self.decode(&mut cx[ctx & 31])
    }
    #[inline(always)]
    fn sign(&mut self, cx: &mut Contexts, packed: u8) -> u32 {
        self.decode(&mut cx[usize::from(packed >> 1) & 31]) ^ u32::from(packed & 1)
    }
}

impl Bits for Raw<'_> {
    #[inline(always)]
    fn bit(&mut self, _: &mut Contexts, _: usize) -> u32 {
        Raw::bit(self)
    }
    #[inline(always)]
    fn sign(&mut self, _: &mut Contexts, _: u8) -> u32 {
        Raw::bit(self)
    }
}

/// One code-block to decode: its size, sub-band orientation (0 LL, 1 HL, 2 LH, 3 HH), the
/// number of magnitude bit-planes of its sub-band (Mb, with the ROI shift), its missing
/// most significant bit-planes, style, and its coded bytes with the passes of each chunk.
pub struct Block<'a> {
    pub w: usize,
    pub h: usize,
    pub orient: u8,
    pub planes: u8,
    pub zero_planes: u8,
    pub style: u8,
    pub passes: usize,
    /// The code-block's bytes, all layers concatenated, and the (end offset, passes) of
    /// each chunk the packets brought.
    pub data: &'a [u8],
    pub chunks: &'a [(usize, usize)],
}

/// Reusable per-code-block state: flags with a one-coefficient border, magnitudes.
#[derive(Default)]
pub struct Scratch {
    flags: Vec<u32>,
    mags: Vec<u32>,
    stride: usize,
    w: usize,
    h: usize,
    /// The bit-plane of the last pass, and whether it was a significance pass.
    last_plane: u32,
    last_spp: bool,
    decoded: bool,
}

/// The passes of a segment starting at pass `k`: where terminations fall (Table D.9).
pub fn segment_end(k: usize, style: u8) -> usize {
    if style & STYLE_TERMALL != 0 {
        k + 1
    } else if style & STYLE_BYPASS != 0 {
        if k < 10 {
            10
        } else if k.is_multiple_of(3) {
            k + 1
        } else {
            k + 2
        }
    } else {
        usize::MAX
    }
}

#[inline(always)]
fn set_significant(flags: &mut [u32], s: usize, i: usize, neg: bool) {
    // The 3x3 neighbourhood, one bounds check for all nine.
    let Some(win) = flags.get_mut(i.wrapping_sub(s + 1)..i + s + 2) else {
        return;
    };
    if win.len() != 2 * s + 3 {
        return;
    }
    let (ns, nw, ne, nn) = if neg {
        (NEG_S, NEG_W, NEG_E, NEG_N)
    } else {
        (0, 0, 0, 0)
    };
    win[0] |= SE;
    win[1] |= S | ns;
    win[2] |= SW;
    win[s] |= E | ne;
    win[s + 1] |= SIG | if neg { NEG } else { 0 };
    win[s + 2] |= W | nw;
    win[2 * s] |= NE;
    win[2 * s + 1] |= N | nn;
    win[2 * s + 2] |= NW;
}

impl Scratch {
    pub fn decode(&mut self, b: &Block<'_>) -> Result<(), CodecError> {
        let (w, h) = (b.w, b.h);
        self.stride = w + 2;
        self.w = w;
        self.h = h;
        let n = (w + 2) * (h + 2);
        self.flags.clear();
        self.flags.resize(n, 0);
        self.mags.clear();
        self.mags.resize(n, 0);
        self.decoded = false;
        if b.passes == 0 {
            return Ok(());
        }
        let planes = i32::from(b.planes) - i32::from(b.zero_planes);
        if planes <= 0 {
            return Err(malformed(
                "code-block with more zero bit-planes than bit-planes",
            ));
        }
        if b.planes > 31 {
            return Err(unsupported("more than 31 bit-planes"));
        }
        let top = (planes - 1) as u32;
        let max_passes = 3 * planes as usize - 2;
        let passes = b.passes.min(max_passes);
        let orient: usize = match b.orient {
            3 => 2,
            1 => 1,
            _ => 0,
        };
        let mut cx = initial_contexts();
        let mut k = 0usize;
        let mut chunk = 0usize;
        let mut byte = 0usize;
        // Passes carried by the chunks consumed so far.
        let mut cum = 0usize;
        while k < passes {
            let end = segment_end(k, b.style).min(passes);
            let start = byte;
            while chunk < b.chunks.len() && cum < end {
                let (e, p) = b.chunks[chunk];
                byte = e;
                cum += p;
                chunk += 1;
            }
            let seg = b.data.get(start..byte).unwrap_or_default();
            let raw = b.style & STYLE_BYPASS != 0 && k >= 10 && !k.is_multiple_of(3);
            if raw {
                let mut r = Raw::new(seg);
                self.run(&mut r, &mut cx, b, orient, top, k, end)?;
            } else {
                let mut m = Mq::new(seg);
                self.run(&mut m, &mut cx, b, orient, top, k, end)?;
            }
            k = end;
        }
        let last = passes - 1;
        self.last_plane = top - (last as u32).div_ceil(3);
        self.last_spp = last > 0 && (last - 1).is_multiple_of(3);
        self.decoded = true;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn run<B: Bits>(
        &mut self,
        src: &mut B,
        cx: &mut Contexts,
        b: &Block<'_>,
        orient: usize,
        top: u32,
        from: usize,
        to: usize,
    ) -> Result<(), CodecError> {
        for k in from..to {
            let plane = top - (k as u32).div_ceil(3);
            let kind = if k == 0 { 2 } else { (k - 1) % 3 };
            match kind {
                0 => self.spp(src, cx, orient, plane, b.style),
                1 => self.mrp(src, cx, plane, b.style),
                _ => {
                    // The cleanup pass is always arithmetic coded.
                    self.cup(src, cx, orient, plane, b.style);
                    if b.style & STYLE_SEGSYM != 0 {
                        for _ in 0..4 {
                            src.bit(cx, 18);
                        }
                    }
                }
            }
            if b.style & STYLE_RESET != 0 {
                *cx = initial_contexts();
            }
        }
        Ok(())
    }

    fn spp<B: Bits>(&mut self, out: &mut B, cx: &mut Contexts, o: usize, plane: u32, st: u8) {
        let (w, h, s) = (self.w, self.h, self.stride);
        // Locals the optimizer keeps in registers across the loop.
        let mut m = out.clone();
        let src = &mut m;
        let flags = &mut self.flags[..];
        let mags = &mut self.mags[..];
        let vc = st & STYLE_VCAUSAL != 0;
        let zc = &ZC[o % 3];
        for y0 in (0..h).step_by(4) {
            let y1 = (y0 + 4).min(h);
            for x in 0..w {
                for y in y0..y1 {
                    let i = (y + 1) * s + x + 1;
                    let mut f = flags[i];
                    if vc && y == y0 + 3 {
                        f &= !BELOW;
                    }
                    if f & SIG != 0 || f & 0xFF == 0 {
                        continue;
                    }
                    let bit = src.bit(cx, usize::from(zc[(f & 0xFF) as usize]));
                    flags[i] |= VISITED;
                    if bit != 0 {
                        let neg = src.sign(cx, SC[(f & 0xFFF) as usize]) != 0;
                        mags[i] |= 1 << plane;
                        set_significant(flags, s, i, neg);
                    }
                }
            }
        }
        *out = m;
    }

    fn mrp<B: Bits>(&mut self, out: &mut B, cx: &mut Contexts, plane: u32, st: u8) {
        let (w, h, s) = (self.w, self.h, self.stride);
        // Locals the optimizer keeps in registers across the loop.
        let mut m = out.clone();
        let src = &mut m;
        let flags = &mut self.flags[..];
        let mags = &mut self.mags[..];
        let vc = st & STYLE_VCAUSAL != 0;
        for y0 in (0..h).step_by(4) {
            let y1 = (y0 + 4).min(h);
            for x in 0..w {
                for y in y0..y1 {
                    let i = (y + 1) * s + x + 1;
                    let mut f = flags[i];
                    if f & (SIG | VISITED) != SIG {
                        continue;
                    }
                    if vc && y == y0 + 3 {
                        f &= !BELOW;
                    }
                    let ctx = if f & REFINED != 0 {
                        16
                    } else if f & 0xFF != 0 {
                        15
                    } else {
                        14
                    };
                    let bit = src.bit(cx, ctx);
                    mags[i] |= bit << plane;
                    flags[i] |= REFINED;
                }
            }
        }
        *out = m;
    }

    fn cup<B: Bits>(&mut self, out: &mut B, cx: &mut Contexts, o: usize, plane: u32, st: u8) {
        let (w, h, s) = (self.w, self.h, self.stride);
        // Locals the optimizer keeps in registers across the loop.
        let mut m = out.clone();
        let src = &mut m;
        let flags = &mut self.flags[..];
        let mags = &mut self.mags[..];
        let vc = st & STYLE_VCAUSAL != 0;
        let zc = &ZC[o % 3];
        for y0 in (0..h).step_by(4) {
            let y1 = (y0 + 4).min(h);
            for x in 0..w {
                let col = (y0 + 1) * s + x + 1;
                let mut first = y0;
                if y1 == y0 + 4 {
                    let mask = |r: usize| if vc && r == 3 { !BELOW } else { !0 };
                    let quiet =
                        (0..4).all(|r| flags[col + r * s] & mask(r) & (SIG | VISITED | 0xFF) == 0);
                    if quiet {
                        if src.bit(cx, 17) == 0 {
                            continue;
                        }
                        let r = (src.bit(cx, 18) << 1 | src.bit(cx, 18)) as usize;
                        let i = col + r * s;
                        let mut f = flags[i];
                        if vc && r == 3 {
                            f &= !BELOW;
                        }
                        let neg = src.sign(cx, SC[(f & 0xFFF) as usize]) != 0;
                        mags[i] |= 1 << plane;
                        set_significant(flags, s, i, neg);
                        first = y0 + r + 1;
                    }
                }
                for y in first..y1 {
                    let i = (y + 1) * s + x + 1;
                    let mut f = flags[i];
                    if vc && y == y0 + 3 {
                        f &= !BELOW;
                    }
                    if f & (SIG | VISITED) == 0 {
                        let bit = src.bit(cx, usize::from(zc[(f & 0xFF) as usize]));
                        if bit != 0 {
                            let neg = src.sign(cx, SC[(f & 0xFFF) as usize]) != 0;
                            mags[i] |= 1 << plane;
                            set_significant(flags, s, i, neg);
                        }
                    }
                }
                for y in y0..y1 {
                    flags[(y + 1) * s + x + 1] &= !VISITED;
                }
            }
        }
        *out = m;
    }

    /// Row `y` of the decoded block as (negative, magnitude, lowest decoded bit-plane), the
    /// reconstruction point being half that plane's weight above the magnitude (E.1.1).
    /// `roi` is the ROI maxshift.
    pub fn row(&self, y: usize, roi: u8, mut f: impl FnMut(usize, bool, u32, u32)) {
        if !self.decoded || y >= self.h {
            return;
        }
        let base = (y + 1) * self.stride + 1;
        for x in 0..self.w {
            let fl = self.flags[base + x];
            let mut mag = self.mags[base + x];
            if fl & SIG == 0 && mag == 0 {
                continue;
            }
            let mut pos = if self.last_spp && fl & VISITED == 0 {
                self.last_plane + 1
            } else {
                self.last_plane
            };
            if roi > 0 {
                let m = mag.checked_shr(u32::from(roi)).unwrap_or(0);
                if m != 0 {
                    mag = m;
                    pos = pos.saturating_sub(u32::from(roi));
                }
            }
            if mag != 0 {
                f(x, fl & NEG != 0, mag, pos);
            }
        }
    }
}
