//! JPEG-LS (ITU-T T.87; DICOM 1.2.840.10008.1.2.4.80 lossless and .81 near-lossless): a decoder
//! of one frame (any interleave, NEAR ≥ 0, preset coding parameters, restart intervals) and a
//! lossless encoder, so regions can be blanked in the decoded samples and the frame coded again.
//!
//! Not handled (`Unsupported`): mapping tables (LSE 2 and 3, a scan's Tm), oversize dimensions
//! (LSE 4), subsampled components, a point transform, and CharLS's HP colour transforms (APP8
//! "mrfx"), whose samples are not the image's without an inverse transform.

use crate::samples::{CodecError, Image};

type Res<T> = Result<T, CodecError>;

/// T.87 A.7.1.2: the order of the run-length code for each run index.
const J: [u32; 32] = [
    0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13,
    14, 15,
];

/// Regular-mode contexts: |81·Q1 + 9·Q2 + Q3| ≤ 364. Context 0 is only used by sample
/// interleaving, where one component may be flat while another is not.
const CONTEXTS: usize = 365;

/// No valid mapped error exceeds RANGE + 1 (≤ 65537); anything larger is corrupt data, and
/// refusing it keeps the context sums far from overflow.
const MAX_MAPPED: u64 = 1 << 17;

fn malformed(message: impl std::fmt::Display) -> CodecError {
    CodecError::Malformed(format!("JPEG-LS: {message}"))
}

fn unsupported(message: impl std::fmt::Display) -> CodecError {
    CodecError::Unsupported(format!("JPEG-LS: {message}"))
}

/// Preset coding parameters from an LSE segment of type 1 (0: the default).
#[derive(Debug, Clone, Copy, Default)]
struct Preset {
    maxval: u16,
    t1: u16,
    t2: u16,
    t3: u16,
    reset: u16,
}

/// The coding parameters of one scan (T.87 A.2, C.2.4.1.1).
#[derive(Debug, Clone, Copy)]
struct Params {
    maxval: i32,
    near: i32,
    range: i32,
    qbpp: u32,
    limit: u32,
    t1: i32,
    t2: i32,
    t3: i32,
    reset: i32,
}

/// Bits needed to write `v` (v ≥ 0).
fn bits_for(v: i32) -> u32 {
    32 - v.max(0).leading_zeros()
}

impl Params {
    /// The parameters for this precision, NEAR and preset, checked against T.87's ranges.
    fn new(precision: u8, near: i32, preset: Preset) -> Res<Params> {
        let full = (1i32 << precision.clamp(2, 16)) - 1;
        let maxval = match preset.maxval {
            0 => full,
            m => i32::from(m),
        };
        if maxval > full {
            return Err(malformed(format!(
                "MAXVAL {maxval} exceeds the precision's {full}"
            )));
        }
        if near > (maxval / 2).min(255) {
            return Err(malformed(format!(
                "NEAR {near} too large for MAXVAL {maxval}"
            )));
        }
        let p = Params::unchecked(maxval, near, preset);
        if !(near < p.t1 && p.t1 <= p.t2 && p.t2 <= p.t3 && p.t3 <= maxval) {
            return Err(malformed(format!(
                "thresholds {}, {}, {} not in order within NEAR + 1..=MAXVAL",
                p.t1, p.t2, p.t3
            )));
        }
        if !(3..=maxval.max(255)).contains(&p.reset) {
            return Err(malformed(format!("RESET {} out of range", p.reset)));
        }
        Ok(p)
    }

    /// The parameters of a MAXVAL, NEAR and preset, as `new` checks them: for the encoder, whose
    /// own (lossless, default thresholds) are always in range.
    fn unchecked(maxval: i32, near: i32, preset: Preset) -> Params {
        let range = (maxval + 2 * near) / (2 * near + 1) + 1;
        let bpp = bits_for(maxval).max(2);
        let (d1, d2, d3) = default_thresholds(maxval, near);
        let pick = |v: u16, d: i32| if v == 0 { d } else { i32::from(v) };
        Params {
            maxval,
            near,
            range,
            qbpp: bits_for(range - 1),
            limit: 2 * (bpp + bpp.max(8)),
            t1: pick(preset.t1, d1),
            t2: pick(preset.t2, d2),
            t3: pick(preset.t3, d3),
            reset: pick(preset.reset, 64),
        }
    }
}

/// T.87 C.2.4.1.1.1: the default T1, T2, T3 for MAXVAL and NEAR.
fn default_thresholds(maxval: i32, near: i32) -> (i32, i32, i32) {
    let clamp = |i: i32, j: i32| if i > maxval || i < j { j } else { i };
    if maxval >= 128 {
        let f = (maxval.min(4095) + 128) / 256;
        let t1 = clamp(f + 2 + 3 * near, near + 1);
        let t2 = clamp(f * 4 + 3 + 5 * near, t1);
        let t3 = clamp(f * 17 + 4 + 7 * near, t2);
        (t1, t2, t3)
    } else {
        let f = 256 / (maxval + 1);
        let t1 = clamp((3 / f + 3 * near).max(2), near + 1);
        let t2 = clamp((7 / f + 5 * near).max(3), t1);
        let t3 = clamp((21 / f + 7 * near).max(4), t2);
        (t1, t2, t3)
    }
}

/// A regular-mode context (T.87 A.2.1).
#[derive(Debug, Clone, Copy)]
struct Ctx {
    a: i64,
    b: i32,
    c: i32,
    n: i32,
}

/// The least k with N·2^k ≥ A, at most 24 (T.87 A.5.1's loop, without looping): N·2^k has
/// A's bit length at k = len(A) − len(N), and one more bit at k + 1.
fn golomb_k(n: i64, a: i64) -> u32 {
    if n >= a {
        return 0;
    }
    let k = n.leading_zeros() - a.leading_zeros();
    let k = if n << k < a { k + 1 } else { k };
    k.min(24)
}

impl Ctx {
    fn k(&self) -> u32 {
        // A/N is bounded by MAX_MAPPED, so k stays below 24.
        golomb_k(i64::from(self.n), self.a)
    }

    /// T.87 A.6: the error's statistics and the bias correction.
    fn update(&mut self, e: i32, near: i32, reset: i32) {
        self.b += e * (2 * near + 1);
        self.a += i64::from(e.unsigned_abs());
        if self.n == reset {
            self.a >>= 1;
            self.b >>= 1;
            self.n >>= 1;
        }
        self.n += 1;
        if self.b + self.n <= 0 {
            self.b += self.n;
            if self.b <= -self.n {
                self.b = -self.n + 1;
            }
            if self.c > -128 {
                self.c -= 1;
            }
        } else if self.b > 0 {
            self.b -= self.n;
            if self.b > 0 {
                self.b = 0;
            }
            if self.c < 127 {
                self.c += 1;
            }
        }
    }
}

/// A run-interruption context (T.87 A.7.2); index 1 is RItype 1 (|Ra − Rb| ≤ NEAR).
#[derive(Debug, Clone, Copy)]
struct RunCtx {
    a: i64,
    n: i32,
    nn: i32,
}

impl RunCtx {
    fn k(&self, ritype: i32) -> u32 {
        golomb_k(
            i64::from(self.n),
            self.a + i64::from(ritype) * i64::from(self.n >> 1),
        )
    }

    fn update(&mut self, e: i32, em: i32, ritype: i32, reset: i32) {
        if e < 0 {
            self.nn += 1;
        }
        self.a += i64::from((em + 1 - ritype) >> 1);
        if self.n == reset {
            self.a >>= 1;
            self.n >>= 1;
            self.nn >>= 1;
        }
        self.n += 1;
    }
}

/// The adaptive state of a scan, shared by its components (reset at each restart marker).
struct State {
    p: Params,
    ctx: [Ctx; CONTEXTS],
    run: [RunCtx; 2],
    /// `quantize(d)` for every gradient of samples in 0..=MAXVAL, at `d + MAXVAL`: three
    /// lookups a sample instead of three chains of comparisons.
    q: Vec<i8>,
}

impl State {
    fn new(p: Params) -> State {
        let mut st = State {
            p,
            ctx: [Ctx {
                a: 0,
                b: 0,
                c: 0,
                n: 1,
            }; CONTEXTS],
            run: [RunCtx { a: 0, n: 1, nn: 0 }; 2],
            q: Vec::new(),
        };
        st.reset();
        // `quantize` without its chain of branches (NEAR < T1 ≤ T2 ≤ T3): the thresholds |d|
        // reaches, signed; a loop the compiler vectorises, a table per scan being a cost in wasm.
        st.q = (-p.maxval..=p.maxval)
            .map(|d| {
                let a = d.abs();
                let steps = [a > p.near, a >= p.t1, a >= p.t2, a >= p.t3];
                let q = steps.iter().map(|&s| i8::from(s)).sum::<i8>();
                if d < 0 {
                    -q
                } else {
                    q
                }
            })
            .collect();
        st
    }

    /// The contexts as a scan (or restart interval) starts them; the table stays.
    fn reset(&mut self) {
        let a = i64::from(((self.p.range + 32) / 64).max(2));
        self.ctx = [Ctx {
            a,
            b: 0,
            c: 0,
            n: 1,
        }; CONTEXTS];
        self.run = [RunCtx { a, n: 1, nn: 0 }; 2];
    }

    /// `quantize` from the table; gradients outside it (none, as samples are clamped) computed.
    fn q(&self, d: i32) -> i32 {
        match self.q.get((d + self.p.maxval) as usize) {
            Some(&q) => i32::from(q),
            None => self.quantize(d),
        }
    }

    fn quantize(&self, d: i32) -> i32 {
        let p = &self.p;
        if d <= -p.t3 {
            -4
        } else if d <= -p.t2 {
            -3
        } else if d <= -p.t1 {
            -2
        } else if d < -p.near {
            -1
        } else if d <= p.near {
            0
        } else if d < p.t1 {
            1
        } else if d < p.t2 {
            2
        } else if d < p.t3 {
            3
        } else {
            4
        }
    }

    /// The signed context of a sample; 0 exactly when every gradient is within NEAR (run mode).
    fn context(&self, ra: i32, rb: i32, rc: i32, rd: i32) -> i32 {
        81 * self.q(rd - rb) + 9 * self.q(rb - rc) + self.q(rc - ra)
    }

    /// T.87 A.4.2's reconstruction: undo the modulo reduction, then clamp to 0..=MAXVAL.
    fn fix(&self, v: i32) -> i32 {
        let p = &self.p;
        let span = p.range * (2 * p.near + 1);
        let v = if v < -p.near {
            v + span
        } else if v > p.maxval + p.near {
            v - span
        } else {
            v
        };
        v.clamp(0, p.maxval)
    }

    /// Reduces a (quantized) error modulo RANGE into -RANGE/2..RANGE/2.
    fn modulo(&self, e: i32) -> i32 {
        let r = self.p.range;
        let e = if e < 0 { e + r } else { e };
        if e >= (r + 1) / 2 {
            e - r
        } else {
            e
        }
    }
}

/// The median edge detector (T.87 A.4.1).
fn predict(ra: i32, rb: i32, rc: i32) -> i32 {
    if rc >= ra.max(rb) {
        ra.min(rb)
    } else if rc <= ra.min(rb) {
        ra.max(rb)
    } else {
        ra + rb - rc
    }
}

fn sign_of(d: i32) -> i32 {
    if d < 0 {
        -1
    } else {
        1
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A decoded mapped error value, refused beyond any sample range.
fn mapped(v: u64) -> Res<i32> {
    if v > MAX_MAPPED {
        return Err(malformed("an error value beyond the sample range"));
    }
    Ok(v as i32)
}

/// Reads the bits of a scan's coded data, dropping the stuffed bit after each 0xFF, and stops
/// at a marker (0xFF then a byte with its high bit set).
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Valid bits from the top; the bits below them are zero.
    cache: u64,
    bits: u32,
    /// The last byte taken was 0xFF: the next carries 7 bits.
    after_ff: bool,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], pos: usize) -> Reader<'a> {
        Reader {
            data,
            pos,
            cache: 0,
            bits: 0,
            after_ff: false,
        }
    }

    fn fill(&mut self) {
        while self.bits <= 56 {
            let Some(&b) = self.data.get(self.pos) else {
                return;
            };
            if self.after_ff {
                // Only a byte below 0x80 follows a data 0xFF (checked before taking the 0xFF).
                self.cache |= u64::from(b & 0x7F) << (57 - self.bits);
                self.bits += 7;
                self.after_ff = false;
            } else if b == 0xFF {
                match self.data.get(self.pos + 1) {
                    Some(&next) if next < 0x80 => self.after_ff = true,
                    _ => return, // a marker (or the end): the coded data ends here
                }
                self.cache |= 0xFF << (56 - self.bits);
                self.bits += 8;
            } else {
                self.cache |= u64::from(b) << (56 - self.bits);
                self.bits += 8;
            }
            self.pos += 1;
        }
    }

    fn consume(&mut self, n: u32) {
        self.cache = self.cache.checked_shl(n).unwrap_or(0);
        self.bits -= n;
    }

    fn short() -> CodecError {
        malformed("the coded data ends before the scan's samples do")
    }

    /// `n` ≤ 32 bits, most significant first.
    fn read(&mut self, n: u32) -> Res<u32> {
        if n == 0 {
            return Ok(0);
        }
        if self.bits < n {
            self.fill();
            if self.bits < n {
                return Err(Self::short());
            }
        }
        let v = (self.cache >> (64 - n)) as u32;
        self.consume(n);
        Ok(v)
    }

    fn bit(&mut self) -> Res<bool> {
        Ok(self.read(1)? == 1)
    }

    /// Zeros up to the next one bit (which is taken too); more than `max` is corrupt data.
    fn zeros(&mut self, max: u32) -> Res<u32> {
        let mut z = 0;
        loop {
            if self.bits == 0 {
                self.fill();
                if self.bits == 0 {
                    return Err(Self::short());
                }
            }
            let lz = self.cache.leading_zeros();
            if lz < self.bits {
                z += lz;
                self.consume(lz + 1);
                break;
            }
            z += self.bits;
            self.consume(self.bits);
            if z > max {
                break;
            }
        }
        if z > max {
            return Err(malformed("a Golomb code longer than LIMIT"));
        }
        Ok(z)
    }

    /// A limited-length Golomb code (T.87 A.5.3), the mapped error value. Inlined into the
    /// sample loops: most codes are short and in the cache already, and the zeros, the one and
    /// the k low bits are taken at once; the rest go the long way.
    #[inline(always)]
    fn golomb(&mut self, k: u32, limit: u32, qbpp: u32) -> Res<i32> {
        let max = limit.saturating_sub(qbpp + 1);
        if self.bits < 32 {
            self.fill();
        }
        let lz = self.cache.leading_zeros();
        if lz < max && lz + 1 + k <= self.bits {
            self.consume(lz + 1);
            let low = match k {
                0 => 0,
                _ => self.cache >> (64 - k),
            };
            self.consume(k);
            // lz < LIMIT ≤ 64 and k ≤ 24: within MAX_MAPPED's check below.
            return mapped((u64::from(lz) << k) | low);
        }
        self.golomb_long(k, max, qbpp)
    }

    #[inline(never)]
    fn golomb_long(&mut self, k: u32, max: u32, qbpp: u32) -> Res<i32> {
        let z = self.zeros(max)?;
        let v = if z < max {
            (u64::from(z) << k) | u64::from(self.read(k)?)
        } else {
            u64::from(self.read(qbpp)?) + 1
        };
        mapped(v)
    }

    /// Where the next marker starts, after this interval's or scan's coded data (its last bits
    /// are padding and are dropped).
    fn marker(&mut self) -> Res<usize> {
        self.cache = 0;
        self.bits = 0;
        self.after_ff = false;
        let rest = self.data.get(self.pos..).unwrap_or_default();
        rest.windows(2)
            .position(|w| w[0] == 0xFF && w[1] >= 0x80)
            .map(|at| self.pos + at)
            .ok_or_else(|| malformed("the coded data runs to the end with no marker"))
    }

    /// Skips the restart marker RSTm that must come next.
    fn restart(&mut self, m: u8) -> Res<()> {
        let at = self.marker()?;
        let mut i = at;
        while self.data.get(i + 1) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        match self.data.get(i + 1) {
            Some(&code) if code == 0xD0 + m => {
                self.pos = i + 2;
                Ok(())
            }
            _ => Err(malformed(format!("RST{m} missing at a restart interval"))),
        }
    }
}

impl State {
    fn decode_regular(&mut self, r: &mut Reader, qs: i32, pred: i32) -> Res<i32> {
        let p = self.p;
        let sign = sign_of(qs);
        let cx = &mut self.ctx[qs.unsigned_abs() as usize];
        let px = (pred + sign * cx.c).clamp(0, p.maxval);
        let k = cx.k();
        let m = r.golomb(k, p.limit, p.qbpp)?;
        let mut e = (m >> 1) ^ -(m & 1);
        // The inverted mapping of T.87 A.5.2 when the context's bias is negative.
        if p.near == 0 && k == 0 && 2 * cx.b + cx.n - 1 < 0 {
            e = !e;
        }
        cx.update(e, p.near, p.reset);
        Ok(self.fix(px + sign * e * (2 * p.near + 1)))
    }

    /// The error of a run-interruption sample (T.87 A.7.2), coded at run index `ri`.
    fn decode_ri_error(&mut self, r: &mut Reader, ritype: i32, ri: usize) -> Res<i32> {
        let p = self.p;
        let cx = &mut self.run[ritype as usize];
        let k = cx.k(ritype);
        let em = r.golomb(k, p.limit.saturating_sub(J[ri] + 1), p.qbpp)?;
        let temp = em + ritype;
        let map = temp & 1;
        let abs = (temp + map) / 2;
        let e = if (k != 0 || 2 * cx.nn >= cx.n) == (map == 1) {
            -abs
        } else {
            abs
        };
        cx.update(e, em, ritype, p.reset);
        Ok(e)
    }

    /// One line of one component; `prev` and `cur` carry a sample of margin at each end.
    fn decode_line(
        &mut self,
        r: &mut Reader,
        prev: &[i32],
        cur: &mut [i32],
        ri: &mut usize,
    ) -> Res<()> {
        let w = cur.len() - 2;
        let mut x = 1;
        while x <= w {
            let (ra, rb, rc, rd) = (cur[x - 1], prev[x], prev[x - 1], prev[x + 1]);
            let qs = self.context(ra, rb, rc, rd);
            if qs == 0 {
                x += self.decode_run(r, prev, cur, x, ri)?;
            } else {
                cur[x] = self.decode_regular(r, qs, predict(ra, rb, rc))?;
                x += 1;
            }
        }
        Ok(())
    }

    /// A run from column `x` and the sample that interrupts it; returns the samples decoded.
    fn decode_run(
        &mut self,
        r: &mut Reader,
        prev: &[i32],
        cur: &mut [i32],
        x: usize,
        ri: &mut usize,
    ) -> Res<usize> {
        let w = cur.len() - 2;
        let left = w + 1 - x;
        let ra = cur[x - 1];
        let n = run_length(r, left, ri)?;
        cur[x..x + n].fill(ra);
        if n == left {
            return Ok(n);
        }
        let at = x + n;
        let (rb, near) = (prev[at], self.p.near);
        cur[at] = if (ra - rb).abs() <= near {
            let e = self.decode_ri_error(r, 1, *ri)?;
            self.fix(ra + e * (2 * near + 1))
        } else {
            let e = self.decode_ri_error(r, 0, *ri)?;
            self.fix(rb + e * sign_of(rb - ra) * (2 * near + 1))
        };
        *ri = ri.saturating_sub(1);
        Ok(n + 1)
    }

    /// One line of pixels, sample-interleaved (ILV 2): a run needs every component flat.
    fn decode_pixels(&mut self, r: &mut Reader, lines: &mut [Lines], ri: &mut usize) -> Res<()> {
        let w = lines.first().map_or(0, |l| l.cur.len() - 2);
        let mut x = 1;
        let mut qs = [0i32; 4];
        while x <= w {
            for (q, l) in qs.iter_mut().zip(lines.iter()) {
                *q = self.context(l.cur[x - 1], l.prev[x], l.prev[x - 1], l.prev[x + 1]);
            }
            if qs.iter().all(|&q| q == 0) {
                x += self.decode_pixel_run(r, lines, x, ri)?;
                continue;
            }
            for (&q, l) in qs.iter().zip(lines.iter_mut()) {
                let pred = predict(l.cur[x - 1], l.prev[x], l.prev[x - 1]);
                l.cur[x] = self.decode_regular(r, q, pred)?;
            }
            x += 1;
        }
        Ok(())
    }

    /// A run of whole pixels; the interrupting pixel's components are all coded as RItype 0
    /// against the sample above, as CharLS (and so DCMTK) codes them.
    fn decode_pixel_run(
        &mut self,
        r: &mut Reader,
        lines: &mut [Lines],
        x: usize,
        ri: &mut usize,
    ) -> Res<usize> {
        let w = lines.first().map_or(0, |l| l.cur.len() - 2);
        let left = w + 1 - x;
        let n = run_length(r, left, ri)?;
        for l in lines.iter_mut() {
            let ra = l.cur[x - 1];
            l.cur[x..x + n].fill(ra);
        }
        if n == left {
            return Ok(n);
        }
        let (at, near) = (x + n, self.p.near);
        for l in lines.iter_mut() {
            let (ra, rb) = (l.cur[x - 1], l.prev[at]);
            let e = self.decode_ri_error(r, 0, *ri)?;
            l.cur[at] = self.fix(rb + e * sign_of(rb - ra) * (2 * near + 1));
        }
        *ri = ri.saturating_sub(1);
        Ok(n + 1)
    }
}

/// The length of a run (T.87 A.7.1.2) of at most `left` samples.
fn run_length(r: &mut Reader, left: usize, ri: &mut usize) -> Res<usize> {
    let mut n = 0;
    while r.bit()? {
        let step = 1usize << J[*ri];
        let count = step.min(left - n);
        n += count;
        if count == step {
            *ri = (*ri + 1).min(31);
        }
        if n == left {
            return Ok(n);
        }
    }
    n += r.read(J[*ri])? as usize;
    if n > left {
        return Err(malformed("a run past the end of the line"));
    }
    Ok(n)
}

/// The line above and the current line of one component, with a margin sample at each end:
/// `cur[0]` is Ra of the first column, `prev[w + 1]` Rd of the last.
#[derive(Debug, Clone)]
struct Lines {
    prev: Vec<i32>,
    cur: Vec<i32>,
}

impl Lines {
    fn new(w: usize) -> Lines {
        Lines {
            prev: vec![0; w + 2],
            cur: vec![0; w + 2],
        }
    }

    /// T.87 A.2.1's edges: Rd past the last column repeats the sample above, Ra before the
    /// first column is the sample above (so Rc there is the first sample two lines up).
    fn start(&mut self) {
        let w = self.cur.len() - 2;
        self.prev[w + 1] = self.prev[w];
        self.cur[0] = self.prev[1];
    }

    fn clear(&mut self) {
        self.prev.fill(0);
        self.cur.fill(0);
    }
}

/// The frame header (SOF55).
struct Frame {
    width: usize,
    height: usize,
    precision: u8,
    /// Component identifiers, in frame order.
    ids: Vec<u8>,
}

/// Decodes one frame (a whole JPEG-LS stream, SOI..EOI; whatever follows EOI is ignored).
/// `max_samples` bounds width × height × components: more is `Unsupported`, before any
/// allocation.
pub fn decode(frame: &[u8], max_samples: u64) -> Result<Image, CodecError> {
    if frame.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(malformed("no SOI marker at the start"));
    }
    let mut pos = 2;
    let mut header: Option<Frame> = None;
    let mut samples: Vec<u16> = Vec::new();
    let mut decoded = [false; 4];
    let mut preset = Preset::default();
    let mut restart = 0usize;
    loop {
        let (code, body, next) = segment(frame, pos)?;
        pos = next;
        match code {
            0xF7 => {
                if header.is_some() {
                    return Err(malformed("a second SOF55"));
                }
                let f = parse_frame(body?)?;
                let n = (f.width as u64)
                    .checked_mul(f.height as u64)
                    .and_then(|p| p.checked_mul(f.ids.len() as u64))
                    .filter(|&n| n <= max_samples)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        unsupported(format!(
                            "{}x{}x{} samples exceed the limit of {max_samples}",
                            f.width,
                            f.height,
                            f.ids.len()
                        ))
                    })?;
                samples = vec![0; n];
                header = Some(f);
            }
            0xF8 => preset = parse_lse(body?)?,
            0xDD => restart = parse_dri(body?)?,
            0xDA => {
                let f = header
                    .as_ref()
                    .ok_or_else(|| malformed("SOS before SOF55"))?;
                let scan = parse_scan(body?, f, &mut decoded)?;
                let p = Params::new(f.precision, scan.near, preset)?;
                pos = decode_scan(frame, pos, f, &scan, p, restart, &mut samples)?;
            }
            0xD9 => {
                let f = header.ok_or_else(|| malformed("EOI before any frame"))?;
                if decoded.iter().take(f.ids.len()).any(|d| !d) {
                    return Err(malformed("EOI before every component was decoded"));
                }
                // What follows EOI (the pad byte, which DCMTK 3.6.7 does not always make 0;
                // padding or junk) is ignored, as DCMTK and GDCM ignore it: the frame is encoded
                // again from its samples, so none of it reaches the output.
                return Ok(Image {
                    width: f.width as u32,
                    height: f.height as u32,
                    components: f.ids.len() as u8,
                    precision: f.precision,
                    samples,
                });
            }
            0xE8 => {
                // CharLS marks its reversible colour transforms so: samples need the inverse.
                let body = body?;
                if body.starts_with(b"mrfx") && body.get(4).is_some_and(|&t| t != 0) {
                    return Err(unsupported("a CharLS (HP) colour transform"));
                }
            }
            0xE0..=0xEF | 0xFE => {
                body?;
            }
            0xC0..=0xCF => return Err(malformed(format!("SOF{} is not JPEG-LS", code - 0xC0))),
            0xD0..=0xD7 => return Err(malformed("a restart marker outside a scan")),
            0xD8 => return Err(malformed("a second SOI")),
            0xDC => return Err(unsupported("DNL (lines defined after the scan)")),
            other => return Err(malformed(format!("unexpected marker 0xFF{other:02X}"))),
        }
    }
}

/// The marker at `pos` (after any fill bytes): its code, its segment's body (an error if the
/// segment is cut short, taken only by markers that have one), and where the next one starts.
#[allow(clippy::type_complexity)]
fn segment(data: &[u8], mut pos: usize) -> Res<(u8, Res<&[u8]>, usize)> {
    if data.get(pos) != Some(&0xFF) {
        return Err(malformed(format!("no marker at byte {pos}")));
    }
    while data.get(pos + 1) == Some(&0xFF) {
        pos += 1;
    }
    let code = *data
        .get(pos + 1)
        .ok_or_else(|| malformed("the stream ends without EOI"))?;
    pos += 2;
    if matches!(code, 0xD0..=0xD9 | 0x01) {
        return Ok((code, Ok(&[]), pos));
    }
    let len = match data.get(pos..pos + 2) {
        Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
        _ => return Err(malformed("a marker segment cut short")),
    };
    let body = data
        .get(pos + 2..pos + len.max(2))
        .filter(|_| len >= 2)
        .ok_or_else(|| malformed(format!("marker 0xFF{code:02X}'s segment cut short")));
    // A segment cut short ends the stream: its error is the stream's.
    let next = if body.is_ok() { pos + len } else { data.len() };
    Ok((code, body, next))
}

fn be16(b: &[u8], at: usize) -> Res<u16> {
    match b.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(u16::from_be_bytes([hi, lo])),
        _ => Err(malformed("a marker segment shorter than its fields")),
    }
}

fn byte(b: &[u8], at: usize) -> Res<u8> {
    b.get(at)
        .copied()
        .ok_or_else(|| malformed("a marker segment shorter than its fields"))
}

fn parse_frame(b: &[u8]) -> Res<Frame> {
    let precision = byte(b, 0)?;
    let (height, width) = (be16(b, 1)?, be16(b, 3)?);
    let n = byte(b, 5)?;
    if !(2..=16).contains(&precision) {
        return Err(malformed(format!("precision {precision} outside 2..=16")));
    }
    if width == 0 || height == 0 {
        return Err(unsupported(
            "zero width or height (dimensions given elsewhere)",
        ));
    }
    if n == 0 || n > 4 {
        return Err(unsupported(format!("{n} components (1 to 4 handled)")));
    }
    if b.len() != 6 + 3 * usize::from(n) {
        return Err(malformed("SOF55's length does not match its components"));
    }
    let comps: Vec<&[u8]> = b[6..].chunks_exact(3).collect();
    let ids: Vec<u8> = comps.iter().map(|c| c[0]).collect();
    if (1..ids.len()).any(|i| ids[..i].contains(&ids[i])) {
        return Err(malformed("two components with one identifier"));
    }
    if comps.iter().any(|c| c[1] != comps[0][1]) {
        return Err(unsupported("subsampled components"));
    }
    Ok(Frame {
        width: usize::from(width),
        height: usize::from(height),
        precision,
        ids,
    })
}

fn parse_lse(b: &[u8]) -> Res<Preset> {
    match byte(b, 0)? {
        1 => {
            if b.len() != 11 {
                return Err(malformed("LSE preset parameters of the wrong length"));
            }
            Ok(Preset {
                maxval: be16(b, 1)?,
                t1: be16(b, 3)?,
                t2: be16(b, 5)?,
                t3: be16(b, 7)?,
                reset: be16(b, 9)?,
            })
        }
        2 | 3 => Err(unsupported("mapping tables (LSE 2, 3)")),
        4 => Err(unsupported("oversize dimensions (LSE 4)")),
        id => Err(malformed(format!("LSE of unknown type {id}"))),
    }
}

fn parse_dri(b: &[u8]) -> Res<usize> {
    // Ri may be 2, 3 or 4 bytes (T.87 C.2.5).
    if !(2..=4).contains(&b.len()) {
        return Err(malformed("DRI of the wrong length"));
    }
    Ok(b.iter().fold(0usize, |v, &x| (v << 8) | usize::from(x)))
}

/// A scan header (SOS).
struct Scan {
    /// Indices in frame order of the scan's components.
    comps: Vec<usize>,
    near: i32,
    ilv: u8,
}

fn parse_scan(b: &[u8], f: &Frame, decoded: &mut [bool; 4]) -> Res<Scan> {
    let n = usize::from(byte(b, 0)?);
    if n == 0 || b.len() != 4 + 2 * n {
        return Err(malformed("SOS's length does not match its components"));
    }
    let mut comps = Vec::with_capacity(n);
    for c in b[1..1 + 2 * n].chunks_exact(2) {
        let i = f
            .ids
            .iter()
            .position(|&id| id == c[0])
            .ok_or_else(|| malformed(format!("SOS names component {} not in SOF", c[0])))?;
        if decoded[i] || comps.contains(&i) {
            return Err(malformed("a component coded twice"));
        }
        if c[1] != 0 {
            return Err(unsupported("a mapping table"));
        }
        comps.push(i);
    }
    let (near, ilv, pt) = (b[1 + 2 * n], b[2 + 2 * n], b[3 + 2 * n]);
    if ilv > 2 || (ilv == 0 && n > 1) {
        return Err(malformed(format!("ILV {ilv} with {n} components")));
    }
    if pt != 0 {
        return Err(unsupported("a point transform"));
    }
    for &i in &comps {
        decoded[i] = true;
    }
    Ok(Scan {
        comps,
        near: i32::from(near),
        ilv,
    })
}

/// Decodes a scan's coded data from `start` into `out`; returns where the next marker starts.
fn decode_scan(
    data: &[u8],
    start: usize,
    f: &Frame,
    scan: &Scan,
    p: Params,
    restart: usize,
    out: &mut [u16],
) -> Res<usize> {
    let (w, nf) = (f.width, f.ids.len());
    let mut r = Reader::new(data, start);
    let mut st = State::new(p);
    let mut lines = vec![Lines::new(w); scan.comps.len()];
    // The run index is kept per component, except in sample interleaving where runs are of
    // whole pixels.
    let mut ris = [0usize; 4];
    for (y, row) in out.chunks_exact_mut(w * nf).enumerate() {
        if restart > 0 && y > 0 && y % restart == 0 {
            r.restart(((y / restart - 1) % 8) as u8)?;
            st.reset();
            ris = [0; 4];
            lines.iter_mut().for_each(Lines::clear);
        }
        lines.iter_mut().for_each(Lines::start);
        if scan.ilv == 2 && lines.len() > 1 {
            st.decode_pixels(&mut r, &mut lines, &mut ris[0])?;
        } else {
            for (l, ri) in lines.iter_mut().zip(ris.iter_mut()) {
                st.decode_line(&mut r, &l.prev, &mut l.cur, ri)?;
            }
        }
        for (l, &c) in lines.iter_mut().zip(&scan.comps) {
            for (o, &v) in row.iter_mut().skip(c).step_by(nf).zip(&l.cur[1..=w]) {
                *o = v as u16; // 0..=MAXVAL < 2^16
            }
            std::mem::swap(&mut l.prev, &mut l.cur);
        }
    }
    r.marker()
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Writes bits, stuffing a 0 bit after every 0xFF byte (T.87 A.1) so the coded data never
/// holds a marker.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    /// Pending bits, at the bottom of `acc` (fewer than 32 between calls).
    n: u32,
    /// Bits the next byte carries: 7 after a 0xFF.
    slot: u32,
}

impl<'a> Writer<'a> {
    fn new(out: &'a mut Vec<u8>) -> Writer<'a> {
        Writer {
            out,
            acc: 0,
            n: 0,
            slot: 8,
        }
    }

    /// The low `bits` (≤ 32) of `v`.
    fn put(&mut self, v: u32, bits: u32) {
        self.acc = (self.acc << bits) | (u64::from(v) & ((1u64 << bits) - 1));
        self.n += bits;
        if self.n >= 32 {
            self.drain();
        }
    }

    /// Writes the whole bytes pending, each of 7 bits after a 0xFF, 8 otherwise.
    fn drain(&mut self) {
        // Four bytes with no 0xFF among them, after a byte that was not 0xFF, at once.
        if self.n >= 32 && self.slot == 8 {
            let word = ((self.acc >> (self.n - 32)) as u32).to_be_bytes();
            if !word.contains(&0xFF) {
                self.out.extend_from_slice(&word);
                self.n -= 32;
                self.acc &= (1u64 << self.n) - 1;
            }
        }
        while self.n >= self.slot {
            self.n -= self.slot;
            let byte = (self.acc >> self.n) as u8;
            self.acc &= (1u64 << self.n) - 1;
            self.out.push(byte);
            self.slot = if byte == 0xFF { 7 } else { 8 };
        }
    }

    fn zeros(&mut self, mut z: u32) {
        while z > 0 {
            let now = z.min(32);
            self.put(0, now);
            z -= now;
        }
    }

    /// Inlined into the sample loops: short codes (the zeros, the one and the k low bits) in
    /// one go; the rest the long way.
    #[inline(always)]
    fn golomb(&mut self, k: u32, m: u32, limit: u32, qbpp: u32) {
        let max = limit.saturating_sub(qbpp + 1);
        let high = m >> k;
        if high < max && high + 1 + k <= 32 {
            self.put((1 << k) | (m & ((1 << k) - 1)), high + 1 + k);
        } else {
            self.golomb_long(k, m, max, qbpp);
        }
    }

    #[inline(never)]
    fn golomb_long(&mut self, k: u32, m: u32, max: u32, qbpp: u32) {
        let high = m >> k;
        if high < max {
            self.zeros(high);
            self.put(1, 1);
            self.put(m, k);
        } else {
            self.zeros(max);
            self.put(1, 1);
            self.put(m - 1, qbpp);
        }
    }

    /// Pads the last byte with zeros; a final 0xFF is followed by its stuffed zero byte, so the
    /// marker after it is not read as data.
    fn finish(&mut self) {
        self.drain();
        if self.n > 0 {
            let pad = self.slot - self.n;
            self.acc <<= pad;
            self.n += pad;
            self.drain();
        }
        if self.slot == 7 {
            self.out.push(0);
        }
        self.slot = 8;
    }
}

impl State {
    fn encode_regular(&mut self, wr: &mut Writer, qs: i32, pred: i32, v: i32) {
        let p = self.p;
        let sign = sign_of(qs);
        let px = {
            let c = self.ctx[qs.unsigned_abs() as usize].c;
            (pred + sign * c).clamp(0, p.maxval)
        };
        let e = self.modulo(sign * (v - px));
        let cx = &mut self.ctx[qs.unsigned_abs() as usize];
        let k = cx.k();
        let mapped = if k == 0 && 2 * cx.b + cx.n - 1 < 0 {
            !e
        } else {
            e
        };
        let m = if mapped >= 0 {
            2 * mapped
        } else {
            -2 * mapped - 1
        };
        wr.golomb(k, m as u32, p.limit, p.qbpp);
        cx.update(e, 0, p.reset);
    }

    fn encode_ri_error(&mut self, wr: &mut Writer, ritype: i32, e: i32, ri: usize) {
        let p = self.p;
        let cx = &mut self.run[ritype as usize];
        let k = cx.k(ritype);
        let map = (k == 0 && e > 0 && 2 * cx.nn < cx.n) || (e < 0 && (2 * cx.nn >= cx.n || k != 0));
        let em = 2 * e.abs() - ritype - i32::from(map);
        wr.golomb(k, em as u32, p.limit.saturating_sub(J[ri] + 1), p.qbpp);
        cx.update(e, em, ritype, p.reset);
    }

    /// One line of one component, losslessly (so the reconstructed samples are the samples).
    fn encode_line(&mut self, wr: &mut Writer, prev: &[i32], cur: &[i32], ri: &mut usize) {
        let w = cur.len() - 2;
        let mut x = 1;
        while x <= w {
            let (ra, rb, rc, rd) = (cur[x - 1], prev[x], prev[x - 1], prev[x + 1]);
            let qs = self.context(ra, rb, rc, rd);
            if qs == 0 {
                x += self.encode_run(wr, prev, cur, x, ri);
            } else {
                self.encode_regular(wr, qs, predict(ra, rb, rc), cur[x]);
                x += 1;
            }
        }
    }

    fn encode_run(
        &mut self,
        wr: &mut Writer,
        prev: &[i32],
        cur: &[i32],
        x: usize,
        ri: &mut usize,
    ) -> usize {
        let w = cur.len() - 2;
        let ra = cur[x - 1];
        let n = cur[x..=w].iter().take_while(|&&v| v == ra).count();
        let mut count = n;
        while count >= 1 << J[*ri] {
            wr.put(1, 1);
            count -= 1 << J[*ri];
            *ri = (*ri + 1).min(31);
        }
        if x + n > w {
            if count > 0 {
                wr.put(1, 1);
            }
            return n;
        }
        // A 0, then what is left of the run in J[RUNindex] bits.
        wr.put(count as u32, J[*ri] + 1);
        let at = x + n;
        let (rb, v) = (prev[at], cur[at]);
        let (ritype, e) = if ra == rb {
            (1, v - ra)
        } else {
            (0, sign_of(rb - ra) * (v - rb))
        };
        let e = self.modulo(e);
        self.encode_ri_error(wr, ritype, e, *ri);
        *ri = ri.saturating_sub(1);
        n + 1
    }
}

/// Encodes losslessly (NEAR = 0, default parameters of T.87 C.2.4.1.1 for the precision),
/// appending a complete stream to `out`. One component is one scan; more are line-interleaved
/// (ILV 1) in one scan: the same line coder as one component, contexts shared across
/// components, and the mode every JPEG-LS decoder reads (DCMTK's default).
///
/// The image is taken as `decode` gives it: width and height up to 65535 (DICOM's Rows and
/// Columns are 16-bit), samples up to 2^precision − 1; anything else is clipped, never a panic.
pub fn encode(image: &Image, out: &mut Vec<u8>) {
    encode_with(image, 0, out);
}

/// `encode`, with a restart marker every `restart` lines when non-zero (for the tests).
fn encode_with(image: &Image, restart: u16, out: &mut Vec<u8>) {
    let mut e = Encoder::with_restart(
        image.width,
        image.height,
        image.components,
        image.precision,
        restart,
        out,
    );
    e.push_rows(&image.samples);
    e.finish();
}

/// The lossless encoder of `encode`, fed rows as they come (a decoder's stripes): memory is two
/// lines per component, whatever the image's height.
pub struct Encoder<'a> {
    st: State,
    lines: Vec<Lines>,
    ris: [usize; 4],
    wr: Writer<'a>,
    maxval: i32,
    w: usize,
    h: usize,
    nc: usize,
    restart: u16,
    /// Rows encoded so far.
    y: usize,
}

impl<'a> Encoder<'a> {
    /// Writes SOI, SOF55 and SOS for an image of this size to `out`; its rows follow.
    pub fn new(
        width: u32,
        height: u32,
        components: u8,
        precision: u8,
        out: &'a mut Vec<u8>,
    ) -> Self {
        Encoder::with_restart(width, height, components, precision, 0, out)
    }

    fn with_restart(
        width: u32,
        height: u32,
        components: u8,
        precision: u8,
        restart: u16,
        out: &'a mut Vec<u8>,
    ) -> Self {
        let precision = precision.clamp(2, 16);
        let nc = usize::from(components.clamp(1, 4));
        let w = width.min(65535) as usize;
        let h = height.min(65535) as usize;
        let p = Params::unchecked((1i32 << precision) - 1, 0, Preset::default());
        out.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xF7]);
        out.extend_from_slice(&(8 + 3 * nc as u16).to_be_bytes());
        out.push(precision);
        out.extend_from_slice(&(h as u16).to_be_bytes());
        out.extend_from_slice(&(w as u16).to_be_bytes());
        out.push(nc as u8);
        for id in 1..=nc as u8 {
            out.extend_from_slice(&[id, 0x11, 0]);
        }
        if restart > 0 {
            out.extend_from_slice(&[0xFF, 0xDD, 0, 4]);
            out.extend_from_slice(&restart.to_be_bytes());
        }
        out.extend_from_slice(&[0xFF, 0xDA]);
        out.extend_from_slice(&(6 + 2 * nc as u16).to_be_bytes());
        out.push(nc as u8);
        for id in 1..=nc as u8 {
            out.extend_from_slice(&[id, 0]);
        }
        let ilv = u8::from(nc > 1);
        out.extend_from_slice(&[0, ilv, 0]); // NEAR, ILV, no point transform
        Encoder {
            maxval: p.maxval,
            st: State::new(p),
            lines: vec![Lines::new(w); nc],
            ris: [0; 4],
            wr: Writer::new(out),
            w,
            h,
            nc,
            restart,
            y: 0,
        }
    }

    /// Encodes the next rows: `samples` holds whole rows, pixel-interleaved (a partial last row
    /// is completed with zeros). Rows past the image's height are ignored.
    pub fn push_rows(&mut self, samples: &[u16]) {
        let (row, nc) = (self.w * self.nc, self.nc);
        for r in samples.chunks(row.max(1)) {
            if self.y >= self.h {
                return;
            }
            self.row(|x, c| r.get(x * nc + c).copied().unwrap_or(0));
        }
    }

    /// Ends the image, rows never pushed encoded as zeros, and writes EOI.
    pub fn finish(mut self) {
        while self.y < self.h {
            self.row(|_, _| 0);
        }
        self.wr.finish();
        self.wr.out.extend_from_slice(&[0xFF, 0xD9]);
    }

    fn row(&mut self, sample: impl Fn(usize, usize) -> u16) {
        let (y, restart) = (self.y, usize::from(self.restart));
        if restart > 0 && y > 0 && y % restart == 0 {
            self.wr.finish();
            let m = ((y / restart - 1) % 8) as u8;
            self.wr.out.extend_from_slice(&[0xFF, 0xD0 + m]);
            self.st.reset();
            self.ris = [0; 4];
            self.lines.iter_mut().for_each(Lines::clear);
        }
        for (c, (l, ri)) in self.lines.iter_mut().zip(self.ris.iter_mut()).enumerate() {
            l.start();
            for (x, s) in l.cur[1..=self.w].iter_mut().enumerate() {
                *s = i32::from(sample(x, c)).min(self.maxval);
            }
            self.st.encode_line(&mut self.wr, &l.prev, &l.cur, ri);
            std::mem::swap(&mut l.prev, &mut l.cur);
        }
        self.y += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: reproducible noise without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Flat patches, gradients and noise, so both run and regular mode are exercised.
    fn image(rng: &mut Rng, w: u32, h: u32, nc: u8, precision: u8) -> Image {
        let max = (1u32 << precision) - 1;
        let style = rng.below(4);
        let mut samples = Vec::new();
        for y in 0..h {
            for x in 0..w {
                for c in 0..u32::from(nc) {
                    let v = match (style, (x / 5 + y / 3) % 3) {
                        (0, _) => rng.next() as u32,
                        (1, 0) | (2, _) => (x * 7 + y * 3 + c * 11) * (max / 64 + 1),
                        (1, 1) => max / 3,
                        (3, 0) => rng.next() as u32 % 4,
                        _ => (rng.next() as u32 % 3) + x + c,
                    };
                    samples.push((v % (max + 1)) as u16);
                }
            }
        }
        Image {
            width: w,
            height: h,
            components: nc,
            precision,
            samples,
        }
    }

    fn round_trip(img: &Image, restart: u16) -> Vec<u8> {
        let mut stream = Vec::new();
        encode_with(img, restart, &mut stream);
        let back = decode(&stream, u64::MAX).unwrap_or_else(|e| {
            panic!(
                "{}x{}x{} p{} restart {restart}: {e:?}",
                img.width, img.height, img.components, img.precision
            )
        });
        assert_eq!(&back, img, "{}x{}", img.width, img.height);
        stream
    }

    #[test]
    fn decode_of_encode_is_the_identity() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..400 {
            let (w, h) = (1 + rng.below(40) as u32, 1 + rng.below(30) as u32);
            let nc = [1, 3, 2, 4][i % 4];
            let precision = 2 + rng.below(15) as u8;
            let img = image(&mut rng, w, h, nc, precision);
            round_trip(&img, 0);
            round_trip(&img, 1 + rng.below(4) as u16);
        }
        // Wide flat lines: long runs, past RUNindex 31.
        let flat = Image {
            width: 5000,
            height: 3,
            components: 1,
            precision: 16,
            samples: vec![40000; 15000],
        };
        round_trip(&flat, 0);
    }

    #[test]
    fn ff_bytes_are_stuffed() {
        // Full-range noise writes many 0xFF bytes.
        let mut rng = Rng(7);
        let img = image(&mut rng, 64, 64, 1, 16);
        let img = Image {
            samples: (0..64 * 64).map(|_| rng.next() as u16).collect(),
            ..img
        };
        let s = round_trip(&img, 0);
        let data = &s[25..s.len() - 2];
        assert!(data.windows(2).any(|w| w[0] == 0xFF));
        assert!(data.windows(2).all(|w| w[0] != 0xFF || w[1] < 0x80));
    }

    #[test]
    fn hostile_streams_fail_cleanly() {
        let mut rng = Rng(42);
        let img = image(&mut rng, 23, 17, 3, 12);
        let mut good = Vec::new();
        encode_with(&img, 5, &mut good);
        for _ in 0..4000 {
            let mut s = good.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(s.len() as u64) as usize;
                match rng.below(3) {
                    0 => s[at] = rng.next() as u8,
                    1 => s[at] ^= 1 << rng.below(8),
                    _ => s.truncate(at),
                }
            }
            if let Ok(out) = decode(&s, 1 << 20) {
                let n = out.width as usize * out.height as usize * out.components as usize;
                assert_eq!(out.samples.len(), n);
            }
        }
        // Every prefix fails (none ends with EOI).
        for n in 0..good.len() - 1 {
            assert!(matches!(
                decode(&good[..n], 1 << 20),
                Err(CodecError::Malformed(_))
            ));
        }
    }

    #[test]
    fn the_sample_limit_is_enforced_before_allocating() {
        let mut s = Vec::new();
        encode(
            &Image {
                width: 4,
                height: 4,
                components: 1,
                precision: 8,
                samples: vec![0; 16],
            },
            &mut s,
        );
        assert!(decode(&s, 16).is_ok());
        assert!(matches!(decode(&s, 15), Err(CodecError::Unsupported(_))));
        // 65535 × 65535 × 4 claimed by a few bytes.
        s[7..11].copy_from_slice(&[0xFF; 4]);
        assert!(decode(&s, 1 << 24).is_err());
    }

    #[test]
    fn golomb_k_is_t87s_loop() {
        let looped = |n: i64, a: i64| {
            let mut k = 0;
            while (n << k) < a && k < 24 {
                k += 1;
            }
            k
        };
        let mut rng = Rng(5);
        for _ in 0..100_000 {
            let n = 1 + rng.below(300) as i64;
            let bits = rng.below(40);
            let a = rng.below(1 << bits) as i64;
            assert_eq!(golomb_k(n, a), looped(n, a), "N {n} A {a}");
        }
    }

    #[test]
    fn the_gradient_table_is_quantize() {
        for (precision, near) in [(2, 0), (8, 0), (8, 3), (12, 0), (16, 0), (16, 7)] {
            let st = State::new(Params::new(precision, near, Preset::default()).unwrap());
            let m = st.p.maxval;
            for d in -m - 3..=m + 3 {
                assert_eq!(st.q(d), st.quantize(d), "p{precision} near {near} d {d}");
            }
        }
    }

    #[test]
    fn default_thresholds_match_t87() {
        assert_eq!(default_thresholds(255, 0), (3, 7, 21));
        assert_eq!(default_thresholds(4095, 0), (18, 67, 276));
        assert_eq!(default_thresholds(65535, 0), (18, 67, 276));
        assert_eq!(default_thresholds(255, 2), (9, 17, 35));
    }
}
