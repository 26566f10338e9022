//! Row-by-row synthesis of one tile-component. Each sub-band keeps only the code-block rows
//! that the current stripe needs (decoded once, on demand); each resolution recomputes, for
//! the rows asked of it, a window a few rows wider than they are, from the window below it.
//! Memory is O(tile width × (stripe + code-block height)), whatever the image height.

use super::dwt::Sample;
use super::malformed;
use super::tier1::{Block, Scratch};
use super::tier2::{Band, Tile, TileComp};
use crate::samples::CodecError;

type Res<T> = Result<T, CodecError>;

/// What Tier-1 needs besides the band: the input, the tile's code-blocks, reusable buffers.
pub struct Ctx<'a, 'b> {
    pub cs: &'a [u8],
    pub tile: &'b Tile,
    pub t1: &'b mut T1,
}

#[derive(Default)]
pub struct T1 {
    scratch: Scratch,
    data: Vec<u8>,
    chunks: Vec<(usize, usize)>,
}

/// A coefficient as Tier-1 reconstructs it (E.1.1): magnitude plus half the weight of the
/// lowest decoded bit-plane, times the step.
pub trait Coef: Sample {
    fn make(neg: bool, mag: u32, pos: u32, step: f32) -> Self;
}

impl Coef for i32 {
    fn make(neg: bool, mag: u32, pos: u32, _: f32) -> i32 {
        let half = if pos > 0 && pos < 33 {
            1i64 << (pos - 1)
        } else {
            0
        };
        let v = (i64::from(mag) + half).min(i64::from(i32::MAX)) as i32;
        if neg {
            -v
        } else {
            v
        }
    }
}

impl Coef for f32 {
    fn make(neg: bool, mag: u32, pos: u32, step: f32) -> f32 {
        let v = (mag as f32 + 0.5 * 2f32.powi(pos.min(62) as i32)) * step;
        if neg {
            -v
        } else {
            v
        }
    }
}

/// The cached rows of one sub-band.
struct BandRows<T> {
    band: usize,
    res: usize,
    x0: u32,
    y0: u32,
    y1: u32,
    width: usize,
    rows: Vec<T>,
    r0: u32,
    r1: u32,
}

impl<T: Coef> BandRows<T> {
    fn new(res: usize, band: usize, b: &Band) -> Self {
        BandRows {
            band,
            res,
            x0: b.x0,
            y0: b.y0,
            y1: b.y1,
            width: (b.x1 - b.x0) as usize,
            rows: Vec::new(),
            r0: b.y0,
            r1: b.y0,
        }
    }

    /// Makes band rows [u0, u1) available; rows above u0 are dropped for good.
    fn ensure(&mut self, u0: u32, u1: u32, comp: &TileComp, ctx: &mut Ctx<'_, '_>) -> Res<()> {
        let (u0, u1) = (u0.max(self.y0), u1.min(self.y1));
        if u1 <= u0 {
            return Ok(());
        }
        if u0 < self.r0 {
            return Err(malformed("internal: sub-band rows asked out of order"));
        }
        let drop = (u0.min(self.r1) - self.r0) as usize;
        self.rows.drain(..drop * self.width);
        self.r0 += drop as u32;
        let b = &comp.res[self.res].bands[self.band];
        while self.r1 < u1 {
            // Code-block row holding band row r1.
            let gy = self.r1 >> b.ycb;
            let top = self.r1;
            let bottom = ((u64::from(gy) + 1) << b.ycb).min(u64::from(self.y1)) as u32;
            let h = (bottom - top) as usize;
            let base = self.rows.len();
            self.rows.resize(base + h * self.width, T::default());
            for gx in b.gx0..b.gx0 + b.gw {
                let left = (u64::from(gx) << b.xcb).max(u64::from(b.x0)) as u32;
                let right = ((u64::from(gx) + 1) << b.xcb).min(u64::from(b.x1)) as u32;
                let idx =
                    b.first_block + (gy - b.gy0) as usize * b.gw as usize + (gx - b.gx0) as usize;
                let cb = ctx
                    .tile
                    .blocks
                    .get(idx)
                    .ok_or_else(|| malformed("internal: code-block index"))?;
                if cb.passes == 0 {
                    continue;
                }
                let t1 = &mut *ctx.t1;
                t1.data.clear();
                t1.chunks.clear();
                let mut c = cb.head;
                while let Some(ch) = ctx.tile.chunks.get(c as usize) {
                    let s = ch.start as usize;
                    let bytes = ctx
                        .cs
                        .get(s..s + ch.len as usize)
                        .ok_or_else(|| malformed("code-block data past the end"))?;
                    t1.data.extend_from_slice(bytes);
                    t1.chunks.push((t1.data.len(), usize::from(ch.passes)));
                    c = ch.next;
                }
                let w = (right - left) as usize;
                t1.scratch.decode(&Block {
                    w,
                    h,
                    orient: b.orient,
                    planes: b.planes,
                    zero_planes: cb.zero_planes,
                    style: comp.cb_style,
                    passes: usize::from(cb.passes),
                    data: &t1.data,
                    chunks: &t1.chunks,
                })?;
                let step = b.step;
                let col = (left - self.x0) as usize;
                for y in 0..h {
                    let row = &mut self.rows[base + y * self.width + col..][..w];
                    t1.scratch.row(y, comp.roi, |x, neg, mag, pos| {
                        if let Some(v) = row.get_mut(x) {
                            *v = T::make(neg, mag, pos, step);
                        }
                    });
                }
            }
            self.r1 = bottom;
        }
        Ok(())
    }

    fn row(&self, v: u32) -> &[T] {
        window_row(&self.rows, v.wrapping_sub(self.r0), self.width)
    }
}

/// Row `k` of rows of `w` samples, empty if there is none (never on valid requests).
fn window_row<T>(buf: &[T], k: u32, w: usize) -> &[T] {
    (k as usize)
        .checked_mul(w)
        .and_then(|at| buf.get(at..at.checked_add(w)?))
        .unwrap_or(&[])
}

/// Resolution r ≥ 1: its three high bands and the window of rows last synthesized.
struct Level<T> {
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    bands: [BandRows<T>; 3],
    buf: Vec<T>,
    w0: u32,
    w1: u32,
}

pub struct Pyramid<T> {
    ll: BandRows<T>,
    levels: Vec<Level<T>>,
    comp: usize,
    wins: Vec<(u32, u32)>,
}

impl<T: Coef> Pyramid<T> {
    pub fn new(tile: &Tile, comp: usize) -> Self {
        let tc = &tile.comps[comp];
        let ll = BandRows::new(0, 0, &tc.res[0].bands[0]);
        let levels = tc.res[1..]
            .iter()
            .enumerate()
            .map(|(i, r)| Level {
                x0: r.x0,
                x1: r.x1,
                y0: r.y0,
                y1: r.y1,
                bands: [0, 1, 2].map(|b| BandRows::new(i + 1, b, &r.bands[b])),
                buf: Vec::new(),
                w0: 0,
                w1: 0,
            })
            .collect();
        Pyramid {
            ll,
            levels,
            comp,
            wins: Vec::new(),
        }
    }

    /// Rows [y0, y1) of the tile-component, `x1 - x0` samples each, contiguous.
    pub fn rows(&mut self, y0: u32, y1: u32, ctx: &mut Ctx<'_, '_>) -> Res<&[T]> {
        let tile = ctx.tile;
        let comp = &tile.comps[self.comp];
        let n = self.levels.len();
        if n == 0 {
            self.ll.ensure(y0, y1, comp, ctx)?;
            let w = self.ll.width;
            let at = (y0 - self.ll.r0) as usize * w;
            return self
                .ll
                .rows
                .get(at..at + (y1 - y0) as usize * w)
                .ok_or_else(|| malformed("internal: rows"));
        }
        // Windows, finest level first: each a margin wider than what the level above needs.
        self.wins.clear();
        let (mut a, mut b) = (y0, y1);
        for lv in self.levels.iter().rev() {
            let wa = a.saturating_sub(T::MARGIN).max(lv.y0);
            let wb = b.saturating_add(T::MARGIN).min(lv.y1);
            self.wins.push((wa, wb));
            a = wa.div_ceil(2);
            b = wb.div_ceil(2);
        }
        self.wins.reverse();
        self.ll.ensure(a, b, comp, ctx)?;
        for i in 0..n {
            let (wa, wb) = self.wins[i];
            let (below, above) = self.levels.split_at_mut(i);
            let lv = &mut above[0];
            let w = (lv.x1 - lv.x0) as usize;
            let (la, lb) = (wa.div_ceil(2), wb.div_ceil(2));
            let (ha, hb) = (wa / 2, wb / 2);
            lv.bands[0].ensure(la, lb, comp, ctx)?;
            lv.bands[1].ensure(ha, hb, comp, ctx)?;
            lv.bands[2].ensure(ha, hb, comp, ctx)?;
            let rows = wb.saturating_sub(wa) as usize;
            lv.buf.clear();
            lv.buf.resize(rows * w, T::default());
            lv.w0 = wa;
            lv.w1 = wb;
            // The LL rows: the window of the level below, or the LL band.
            let low_row = |v: u32| -> &[T] {
                match below.last() {
                    Some(d) => window_row(&d.buf, v.wrapping_sub(d.w0), (d.x1 - d.x0) as usize),
                    None => self.ll.row(v),
                }
            };
            let odd_x = lv.x0 % 2 == 1;
            for (k, y) in (wa..wb).enumerate() {
                let out = &mut lv.buf[k * w..(k + 1) * w];
                let (lo, hi) = if y % 2 == 0 {
                    (low_row(y / 2), lv.bands[0].row(y / 2))
                } else {
                    (lv.bands[1].row(y / 2), lv.bands[2].row(y / 2))
                };
                // Even positions take the low band, odd ones the high band.
                let (first, second) = if odd_x { (hi, lo) } else { (lo, hi) };
                for (j, o) in out.iter_mut().enumerate() {
                    let src = if j % 2 == 0 { first } else { second };
                    *o = src.get(j / 2).copied().unwrap_or_default();
                }
                T::row(out, odd_x);
            }
            if rows > 0 && w > 0 {
                T::column(&mut lv.buf, w, rows, wa % 2 == 1);
            }
        }
        let top = self
            .levels
            .last()
            .ok_or_else(|| malformed("internal: no level"))?;
        let w = (top.x1 - top.x0) as usize;
        let at = (y0 - top.w0) as usize * w;
        top.buf
            .get(at..at + (y1 - y0) as usize * w)
            .ok_or_else(|| malformed("internal: rows"))
    }
}
