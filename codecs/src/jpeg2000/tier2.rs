//! Tier-2 (Annex B): the geometry of a tile (resolutions, sub-bands, precincts, code-blocks),
//! the progression orders, and the packet headers with their tag trees. What it keeps of each
//! code-block is small: its passes, zero bit-planes, and where its coded bytes lie in the input.

use super::codestream::{Params, TileData};
use super::tier1::segment_end;
use super::{malformed, unsupported};
use crate::samples::CodecError;

type Res<T> = Result<T, CodecError>;

#[derive(Clone, Copy, Default)]
pub struct CodeBlock {
    pub passes: u16,
    pub zero_planes: u8,
    lblock: u8,
    included: bool,
    /// First and last chunk of the list of its coded bytes (u32::MAX: none).
    pub head: u32,
    tail: u32,
}

/// A run of a code-block's coded bytes as one packet brought it.
#[derive(Clone, Copy)]
pub struct Chunk {
    pub start: u32,
    pub len: u32,
    pub passes: u16,
    pub next: u32,
}

pub struct Band {
    /// 0 LL, 1 HL, 2 LH, 3 HH.
    pub orient: u8,
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// Code-block size exponents in this band (bounded by the precinct's).
    pub xcb: u8,
    pub ycb: u8,
    /// The code-block grid: first cell, cells across and down.
    pub gx0: u32,
    pub gy0: u32,
    pub gw: u32,
    pub first_block: usize,
    /// Magnitude bit-planes Mb (with the ROI shift) and the dequantization step.
    pub planes: u8,
    pub step: f32,
}

struct TagTree {
    w: Vec<u32>,
    off: Vec<usize>,
    nodes: Vec<(u32, u32)>,
}

impl TagTree {
    fn new(w: u32, h: u32) -> TagTree {
        let (mut ws, mut off) = (Vec::new(), Vec::new());
        let (mut lw, mut lh, mut n) = (w.max(1), h.max(1), 0usize);
        loop {
            ws.push(lw);
            off.push(n);
            n += (lw as usize) * (lh as usize);
            if lw == 1 && lh == 1 {
                break;
            }
            lw = lw.div_ceil(2);
            lh = lh.div_ceil(2);
        }
        TagTree {
            w: ws,
            off,
            nodes: vec![(u32::MAX, 0); n],
        }
    }

    /// Whether leaf (x, y)'s value is below `threshold`, reading what the tree still needs.
    fn decode(&mut self, x: u32, y: u32, threshold: u32, b: &mut BitReader<'_, '_>) -> Res<bool> {
        let mut low = 0u32;
        let mut idx = 0;
        for l in (0..self.w.len()).rev() {
            idx = self.off[l] + ((y >> l) * self.w[l] + (x >> l)) as usize;
            let node = self
                .nodes
                .get_mut(idx)
                .ok_or_else(|| malformed("tag tree"))?;
            if low > node.1 {
                node.1 = low;
            } else {
                low = node.1;
            }
            while low < threshold && low < node.0 {
                if b.bit()? == 1 {
                    node.0 = low;
                } else {
                    low += 1;
                }
            }
            node.1 = low;
        }
        Ok(self
            .nodes
            .get(idx)
            .map(|n| n.0 < threshold)
            .unwrap_or(false))
    }
}

struct Precinct {
    /// Per band: code-block cells (x0, y0, w, h) relative to the band grid, and the
    /// inclusion and zero bit-plane trees once a packet needs them.
    cells: Vec<(u32, u32, u32, u32)>,
    trees: Vec<(TagTree, TagTree)>,
    layers_done: u16,
    /// Where the position-driven progressions meet it on the reference grid.
    hit: (u64, u64),
}

pub struct Resolution {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    pub bands: Vec<Band>,
    precincts: Vec<Precinct>,
}

pub struct TileComp {
    pub reversible: bool,
    pub cb_style: u8,
    pub roi: u8,
    pub res: Vec<Resolution>,
}

pub struct Tile {
    pub x0: u32,
    pub x1: u32,
    pub mct: bool,
    pub comps: Vec<TileComp>,
    pub blocks: Vec<CodeBlock>,
    pub chunks: Vec<Chunk>,
}

fn ceil_shr(v: u32, s: u32) -> u32 {
    if s >= 32 {
        return u32::from(v > 0);
    }
    ((u64::from(v) + (1u64 << s) - 1) >> s) as u32
}

fn shr(v: u32, s: u32) -> u32 {
    v.checked_shr(s).unwrap_or(0)
}

/// The geometry of one tile (B.2 to B.7). `budget` bounds the precincts.
pub fn build(rect: (u32, u32, u32, u32), p: &Params, precision: u8, budget: usize) -> Res<Tile> {
    let (tx0, ty0, tx1, ty1) = rect;
    let mut blocks = 0usize;
    let mut precincts = 0usize;
    let mut comps = Vec::with_capacity(p.comps.len());
    for comp in &p.comps {
        let st = &comp.style;
        let nl = u32::from(st.levels);
        let mut res = Vec::with_capacity(st.precincts.len());
        for r in 0..=nl {
            let s = nl - r;
            let (rx0, ry0, rx1, ry1) = (
                ceil_shr(tx0, s),
                ceil_shr(ty0, s),
                ceil_shr(tx1, s),
                ceil_shr(ty1, s),
            );
            let pp = st.precincts.get(r as usize).copied().unwrap_or(0xFF);
            let (ppx, ppy) = (u32::from(pp & 15), u32::from(pp >> 4));
            let mut bands = Vec::new();
            let orients: &[u8] = if r == 0 { &[0] } else { &[1, 2, 3] };
            let (bpx, bpy) = if r == 0 {
                (ppx, ppy)
            } else {
                (ppx - 1, ppy - 1)
            };
            let xcb = u32::from(st.xcb).min(bpx);
            let ycb = u32::from(st.ycb).min(bpy);
            for &o in orients {
                // B-15: the band's extent, n_b the level that made it.
                let nb = if r == 0 { nl } else { nl - r + 1 };
                let (xo, yo) = (u32::from(o & 1), u32::from(o >> 1));
                let band_edge = |v: u32, off: u32| -> u32 {
                    if nb == 0 {
                        return v;
                    }
                    let sub = (off as u64) << (nb - 1);
                    let v = u64::from(v);
                    if v < sub {
                        0
                    } else {
                        ceil_shr(u32::try_from(v - sub).unwrap_or(u32::MAX), nb)
                    }
                };
                let (bx0, by0, bx1, by1) = (
                    band_edge(tx0, xo),
                    band_edge(ty0, yo),
                    band_edge(tx1, xo),
                    band_edge(ty1, yo),
                );
                let (gx0, gy0) = (shr(bx0, xcb), shr(by0, ycb));
                let (gw, gh) = if bx1 > bx0 && by1 > by0 {
                    (ceil_shr(bx1, xcb) - gx0, ceil_shr(by1, ycb) - gy0)
                } else {
                    (0, 0)
                };
                let (e, m) = comp.quant.step(r as u8, o, st.levels)?;
                let planes = u32::from(comp.quant.guard) + u32::from(e) + u32::from(comp.roi);
                let planes = planes.saturating_sub(1);
                if planes > 31 {
                    return Err(unsupported("more than 31 bit-planes"));
                }
                let gain = match o {
                    0 => 0,
                    3 => 2,
                    _ => 1,
                };
                let rb = i32::from(precision) + gain;
                let step = if comp.quant.kind == 0 {
                    1.0
                } else {
                    2f32.powi(rb - i32::from(e)) * (1.0 + f32::from(m) / 2048.0)
                };
                let first_block = blocks;
                blocks = blocks
                    .checked_add(gw as usize * gh as usize)
                    .ok_or_else(|| malformed("too many code-blocks"))?;
                bands.push(Band {
                    orient: o,
                    x0: bx0,
                    y0: by0,
                    x1: bx1,
                    y1: by1,
                    xcb: xcb as u8,
                    ycb: ycb as u8,
                    gx0,
                    gy0,
                    gw,
                    first_block,
                    planes: planes as u8,
                    step,
                });
            }
            // B-16: precincts in resolution coordinates.
            let (npx, npy, px0, py0) = if rx1 > rx0 && ry1 > ry0 {
                let (px0, py0) = (shr(rx0, ppx), shr(ry0, ppy));
                (ceil_shr(rx1, ppx) - px0, ceil_shr(ry1, ppy) - py0, px0, py0)
            } else {
                (0, 0, 0, 0)
            };
            let n = npx as usize * npy as usize;
            precincts += n;
            if precincts > budget {
                return Err(malformed("more precincts than the tile has bytes"));
            }
            let mut ps = Vec::with_capacity(n);
            for ky in py0..py0 + npy {
                for kx in px0..px0 + npx {
                    let cells = bands
                        .iter()
                        .map(|b| {
                            let (bx, by) = (u64::from(kx) << bpx, u64::from(ky) << bpy);
                            let ax0 = bx.max(u64::from(b.x0));
                            let ay0 = by.max(u64::from(b.y0));
                            let ax1 = (bx + (1u64 << bpx)).min(u64::from(b.x1));
                            let ay1 = (by + (1u64 << bpy)).min(u64::from(b.y1));
                            if ax1 <= ax0 || ay1 <= ay0 {
                                return (0, 0, 0, 0);
                            }
                            let cx0 = (ax0 >> xcb) as u32;
                            let cy0 = (ay0 >> ycb) as u32;
                            let cx1 = ((ax1 + (1u64 << xcb) - 1) >> xcb) as u32;
                            let cy1 = ((ay1 + (1u64 << ycb) - 1) >> ycb) as u32;
                            (cx0 - b.gx0, cy0 - b.gy0, cx1 - cx0, cy1 - cy0)
                        })
                        .collect();
                    let hx = (u64::from(kx) << (ppx + s)).max(u64::from(tx0));
                    let hy = (u64::from(ky) << (ppy + s)).max(u64::from(ty0));
                    ps.push(Precinct {
                        cells,
                        trees: Vec::new(),
                        layers_done: 0,
                        hit: (hx, hy),
                    });
                }
            }
            res.push(Resolution {
                x0: rx0,
                y0: ry0,
                x1: rx1,
                y1: ry1,
                bands,
                precincts: ps,
            });
        }
        comps.push(TileComp {
            reversible: st.reversible,
            cb_style: st.cb_style,
            roi: comp.roi,
            res,
        });
    }
    if blocks > (1 << 26) {
        return Err(unsupported("too many code-blocks"));
    }
    Ok(Tile {
        x0: tx0,
        x1: tx1,
        mct: p.mct,
        comps,
        blocks: vec![
            CodeBlock {
                head: u32::MAX,
                tail: u32::MAX,
                ..Default::default()
            };
            blocks
        ],
        chunks: Vec::new(),
    })
}

/// Reads bytes across a tile's tile-parts.
struct Cursor<'a> {
    data: &'a [u8],
    parts: &'a [(usize, usize)],
    i: usize,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], parts: &'a [(usize, usize)]) -> Self {
        let pos = parts.first().map(|p| p.0).unwrap_or(0);
        Cursor {
            data,
            parts,
            i: 0,
            pos,
        }
    }

    fn settle(&mut self) {
        while let Some(&(_, e)) = self.parts.get(self.i) {
            if self.pos < e {
                return;
            }
            self.i += 1;
            if let Some(&(s, _)) = self.parts.get(self.i) {
                self.pos = s;
            }
        }
    }

    fn at_end(&mut self) -> bool {
        self.settle();
        self.i >= self.parts.len()
    }

    fn byte(&mut self) -> Res<u8> {
        self.settle();
        let b = self
            .data
            .get(self.pos)
            .copied()
            .filter(|_| self.i < self.parts.len())
            .ok_or_else(|| malformed("packet past the end of the tile data"))?;
        self.pos += 1;
        Ok(b)
    }

    /// Skips a marker (SOP, EPH) of `len` bytes if it is next.
    fn skip_marker(&mut self, marker: u8, len: usize) {
        self.settle();
        if let Some(&(_, e)) = self.parts.get(self.i) {
            if self.pos + len <= e && self.data.get(self.pos..self.pos + 2) == Some(&[0xFF, marker])
            {
                self.pos += len;
            }
        }
    }

    /// `len` bytes as one range of the input.
    fn take(&mut self, len: usize) -> Res<usize> {
        if len == 0 {
            return Ok(self.pos);
        }
        self.settle();
        let &(_, e) = self
            .parts
            .get(self.i)
            .ok_or_else(|| malformed("packet body past the end of the tile data"))?;
        if e - self.pos < len {
            return Err(malformed("packet body past its tile-part"));
        }
        let s = self.pos;
        self.pos += len;
        Ok(s)
    }
}

struct BitReader<'c, 'a> {
    cur: &'c mut Cursor<'a>,
    buf: u32,
    ct: u32,
}

impl BitReader<'_, '_> {
    fn bit(&mut self) -> Res<u32> {
        if self.ct == 0 {
            // A 0xFF byte is followed by a stuffed 0 bit.
            self.ct = if self.buf == 0xFF { 7 } else { 8 };
            self.buf = u32::from(self.cur.byte()?);
        }
        self.ct -= 1;
        Ok((self.buf >> self.ct) & 1)
    }

    fn bits(&mut self, n: u32) -> Res<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            v = v << 1 | self.bit()?;
        }
        Ok(v)
    }

    fn align(&mut self) -> Res<()> {
        if self.buf == 0xFF {
            self.cur.byte()?;
        }
        Ok(())
    }
}

/// Reads every packet of the tile, recording each code-block's passes and coded ranges.
pub fn read_packets(tile: &mut Tile, p: &Params, cs: &[u8], data: &TileData) -> Res<()> {
    let packed: Vec<(usize, usize)>;
    let hdr_data: &[u8];
    if let Some(h) = &data.headers {
        packed = vec![(0, h.len())];
        hdr_data = h;
    } else {
        packed = Vec::new();
        hdr_data = cs;
    }
    let body = Cursor::new(cs, &data.parts);
    let hdr = if data.headers.is_some() {
        Some(Cursor::new(hdr_data, &packed))
    } else {
        None
    };
    let total: usize = data.parts.iter().map(|(s, e)| e - s).sum();
    let budget = total.saturating_mul(64).saturating_add(1 << 20);
    let ncomp = tile.comps.len() as u16;
    let default = [super::codestream::Poc {
        rs: 0,
        cs: 0,
        le: p.layers,
        re: 33,
        ce: ncomp,
        order: p.order,
    }];
    let pocs: &[super::codestream::Poc] = if p.pocs.is_empty() { &default } else { &p.pocs };
    let mut rd = Reader {
        hdr,
        body,
        contrib: Vec::new(),
        lens: Vec::new(),
        budget,
        done: false,
    };
    for poc in pocs {
        let le = poc.le.min(p.layers);
        let ce = poc.ce.min(ncomp);
        // (c, r, precinct) in the order of this progression, layers aside.
        let mut items: Vec<(u16, u8, u32)> = Vec::new();
        for c in poc.cs..ce {
            let comp = &tile.comps[usize::from(c)];
            let re = usize::from(poc.re).min(comp.res.len());
            for r in usize::from(poc.rs)..re {
                for k in 0..comp.res[r].precincts.len() {
                    items.push((c, r as u8, k as u32));
                }
            }
        }
        let hit = |t: &Tile, it: &(u16, u8, u32)| -> (u64, u64) {
            t.comps[usize::from(it.0)].res[usize::from(it.1)].precincts[it.2 as usize].hit
        };
        match poc.order {
            0 => items.sort_by_key(|i| (i.1, i.0, i.2)),
            1 => items.sort_by_key(|i| (i.1, i.0, i.2)),
            2 => items.sort_by_key(|i| {
                let (x, y) = hit(tile, i);
                (u64::from(i.1), y, x, u64::from(i.0))
            }),
            3 => items.sort_by_key(|i| {
                let (x, y) = hit(tile, i);
                (y, x, u64::from(i.0), u64::from(i.1))
            }),
            _ => items.sort_by_key(|i| {
                let (x, y) = hit(tile, i);
                (u64::from(i.0), y, x, u64::from(i.1))
            }),
        }
        match poc.order {
            0 => {
                for l in 0..le {
                    for &it in &items {
                        rd.packet(tile, p, it, l)?;
                    }
                    if rd.done {
                        break;
                    }
                }
            }
            1 => {
                let mut i = 0;
                while i < items.len() {
                    let r = items[i].1;
                    let j = i + items[i..].iter().take_while(|t| t.1 == r).count();
                    for l in 0..le {
                        for &it in &items[i..j] {
                            rd.packet(tile, p, it, l)?;
                        }
                        if rd.done {
                            break;
                        }
                    }
                    i = j;
                }
            }
            _ => {
                for &it in &items {
                    for l in 0..le {
                        rd.packet(tile, p, it, l)?;
                    }
                    if rd.done {
                        break;
                    }
                }
            }
        }
        if rd.done {
            break;
        }
    }
    Ok(())
}

struct Reader<'a> {
    hdr: Option<Cursor<'a>>,
    body: Cursor<'a>,
    contrib: Vec<(usize, u16)>,
    lens: Vec<u32>,
    budget: usize,
    done: bool,
}

impl Reader<'_> {
    /// Packet `l` of precinct `it` (B.9, B.10), if it is the precinct's next one.
    fn packet(&mut self, tile: &mut Tile, p: &Params, it: (u16, u8, u32), l: u16) -> Res<()> {
        self.budget = self.budget.saturating_sub(1);
        if self.budget == 0 {
            return Err(malformed("too many packets"));
        }
        if self.done {
            return Ok(());
        }
        let (c, r, k) = it;
        let (contrib, lens, body) = (&mut self.contrib, &mut self.lens, &mut self.body);
        let cb_style = tile.comps[usize::from(c)].cb_style;
        let prec = &mut tile.comps[usize::from(c)].res[usize::from(r)].precincts[k as usize];
        if prec.layers_done != l {
            return Ok(());
        }
        prec.layers_done += 1;
        let at_end = match &mut self.hdr {
            Some(h) => h.at_end(),
            None => body.at_end(),
        };
        if at_end {
            // The packets that remain are absent (a truncated tile).
            self.done = true;
            return Ok(());
        }
        if p.sop {
            body.skip_marker(0x91, 6);
        }
        contrib.clear();
        lens.clear();
        {
            let hcur = match &mut self.hdr {
                Some(h) => h,
                None => &mut *body,
            };
            let mut b = BitReader {
                cur: hcur,
                buf: 0,
                ct: 0,
            };
            let res = &mut tile.comps[usize::from(c)].res[usize::from(r)];
            let prec = &mut res.precincts[k as usize];
            if b.bit()? == 1 {
                if prec.trees.is_empty() {
                    prec.trees = prec
                        .cells
                        .iter()
                        .map(|&(_, _, w, h)| (TagTree::new(w, h), TagTree::new(w, h)))
                        .collect();
                }
                for (bi, band) in res.bands.iter().enumerate() {
                    let (cx0, cy0, cw, ch) = prec.cells[bi];
                    let trees = &mut prec.trees[bi];
                    for y in 0..ch {
                        for x in 0..cw {
                            let idx = band.first_block
                                + ((cy0 + y) as usize) * band.gw as usize
                                + (cx0 + x) as usize;
                            let cb = tile
                                .blocks
                                .get_mut(idx)
                                .ok_or_else(|| malformed("code-block index"))?;
                            let first = !cb.included;
                            let inc = if first {
                                trees.0.decode(x, y, u32::from(l) + 1, &mut b)?
                            } else {
                                b.bit()? == 1
                            };
                            if !inc {
                                continue;
                            }
                            if first {
                                let mut t = 1;
                                while !trees.1.decode(x, y, t, &mut b)? {
                                    t += 1;
                                    if t > 64 {
                                        return Err(malformed("zero bit-planes"));
                                    }
                                }
                                cb.zero_planes = (t - 1) as u8;
                                cb.included = true;
                                cb.lblock = 3;
                            }
                            let n = if b.bit()? == 0 {
                                1
                            } else if b.bit()? == 0 {
                                2
                            } else {
                                let v = b.bits(2)?;
                                if v < 3 {
                                    3 + v
                                } else {
                                    let v = b.bits(5)?;
                                    if v < 31 {
                                        6 + v
                                    } else {
                                        37 + b.bits(7)?
                                    }
                                }
                            };
                            while b.bit()? == 1 {
                                cb.lblock += 1;
                                if cb.lblock > 32 {
                                    return Err(malformed("Lblock"));
                                }
                            }
                            // One length per codeword segment the passes touch.
                            let mut kp = usize::from(cb.passes);
                            let mut left = n as usize;
                            while left > 0 {
                                let end = segment_end(kp, cb_style);
                                let take = left.min(end - kp);
                                let nbits =
                                    u32::from(cb.lblock) + (usize::BITS - 1 - take.leading_zeros());
                                if nbits > 32 {
                                    return Err(malformed("code-block length too long"));
                                }
                                lens.push(b.bits(nbits)?);
                                contrib.push((idx, take as u16));
                                kp += take;
                                left -= take;
                            }
                            cb.passes = cb.passes.saturating_add(n as u16);
                        }
                    }
                }
            }
            b.align()?;
        }
        if p.eph {
            match &mut self.hdr {
                Some(h) => h.skip_marker(0x92, 2),
                None => body.skip_marker(0x92, 2),
            }
        }
        for (j, &(idx, passes)) in contrib.iter().enumerate() {
            let len = lens[j] as usize;
            let start = body.take(len)?;
            let ci = u32::try_from(tile.chunks.len()).map_err(|_| malformed("too many chunks"))?;
            tile.chunks.push(Chunk {
                start: start as u32,
                len: len as u32,
                passes,
                next: u32::MAX,
            });
            let cb = &mut tile.blocks[idx];
            if cb.head == u32::MAX {
                cb.head = ci;
            } else if let Some(t) = tile.chunks.get_mut(cb.tail as usize) {
                t.next = ci;
            }
            cb.tail = ci;
        }
        Ok(())
    }
}
