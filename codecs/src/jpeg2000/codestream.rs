//! The codestream's markers (Annex A): the main header, tile-part headers, and where each
//! tile's coded data lies. Nothing is copied but packed packet headers (PPM, PPT).

use super::{malformed, unsupported};
use crate::samples::CodecError;

type Res<T> = Result<T, CodecError>;

/// A component's coding style (COD/COC SPcod).
#[derive(Clone, Debug)]
pub struct Style {
    pub levels: u8,
    pub xcb: u8,
    pub ycb: u8,
    pub cb_style: u8,
    pub reversible: bool,
    /// Precinct size exponents per resolution, `PPx | PPy << 4` (15/15 when not given).
    pub precincts: Vec<u8>,
}

/// A component's quantization (QCD/QCC).
#[derive(Clone, Debug, Default)]
pub struct Quant {
    pub guard: u8,
    /// 0 none, 1 scalar derived, 2 scalar expounded.
    pub kind: u8,
    /// (exponent, mantissa) per sub-band: LL, then HL, LH, HH of each level, coarsest first.
    pub steps: Vec<(u8, u16)>,
}

impl Quant {
    /// The (exponent, mantissa) of sub-band `band` (0 LL, 1 HL, 2 LH, 3 HH) of resolution
    /// `r` with `levels` decomposition levels (E.1.1.1: derived steps from the LL's).
    pub fn step(&self, r: u8, band: u8, levels: u8) -> Res<(u8, u16)> {
        let idx = if r == 0 {
            0
        } else {
            3 * (usize::from(r) - 1) + usize::from(band)
        };
        if self.kind == 1 {
            let (e, m) = *self.steps.first().ok_or_else(|| malformed("empty QCD"))?;
            // n_b = levels - r + 1 for high bands, levels for LL: e_b = e_0 - levels + n_b.
            let nb = if r == 0 { levels } else { levels - r + 1 };
            let e = (i32::from(e) - i32::from(levels) + i32::from(nb)).max(0);
            return Ok((e as u8, m));
        }
        self.steps
            .get(idx)
            .copied()
            .ok_or_else(|| malformed("QCD has fewer steps than sub-bands"))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Poc {
    pub rs: u8,
    pub cs: u16,
    pub le: u16,
    pub re: u8,
    pub ce: u16,
    pub order: u8,
}

#[derive(Clone, Debug)]
pub struct Comp {
    pub style: Style,
    pub quant: Quant,
    pub roi: u8,
}

/// What the packets of a tile are coded with, after the tile header's overrides.
#[derive(Clone, Debug)]
pub struct Params {
    pub order: u8,
    pub layers: u16,
    pub mct: bool,
    pub sop: bool,
    pub eph: bool,
    pub comps: Vec<Comp>,
    pub pocs: Vec<Poc>,
}

#[derive(Clone, Debug, Default)]
pub struct TileData {
    /// Byte ranges of the tile's tile-part bodies, in order.
    pub parts: Vec<(usize, usize)>,
    /// Packed packet headers (PPM or PPT) when the packets carry none.
    pub headers: Option<Vec<u8>>,
    pub seen: bool,
}

pub struct Header {
    pub x1: u32,
    pub y1: u32,
    pub x0: u32,
    pub y0: u32,
    pub tw: u32,
    pub th: u32,
    pub tx0: u32,
    pub ty0: u32,
    pub ncomp: u16,
    pub precision: u8,
    pub signed: bool,
    pub tiles_x: u32,
    pub tiles: Vec<TileData>,
}

pub fn be16(b: &[u8], at: usize) -> Res<u16> {
    match b.get(at..at.saturating_add(2)) {
        Some(&[x, y]) => Ok(u16::from_be_bytes([x, y])),
        _ => Err(malformed("truncated marker segment")),
    }
}

pub fn be32(b: &[u8], at: usize) -> Res<u32> {
    match b.get(at..at.saturating_add(4)) {
        Some(&[a, b2, c, d]) => Ok(u32::from_be_bytes([a, b2, c, d])),
        _ => Err(malformed("truncated marker segment")),
    }
}

fn byte(b: &[u8], at: usize) -> Res<u8> {
    b.get(at)
        .copied()
        .ok_or_else(|| malformed("truncated marker segment"))
}

/// The coding style fields of COD/COC from `at` (SPcod), with `precincts` set by Scod.
fn style(seg: &[u8], at: usize, precincts: bool) -> Res<Style> {
    let levels = byte(seg, at)?;
    if levels > 32 {
        return Err(malformed("more than 32 decomposition levels"));
    }
    let xcb = byte(seg, at + 1)?.saturating_add(2);
    let ycb = byte(seg, at + 2)?.saturating_add(2);
    if !(2..=10).contains(&xcb) || !(2..=10).contains(&ycb) || xcb + ycb > 12 {
        return Err(malformed("bad code-block size"));
    }
    let cb_style = byte(seg, at + 3)?;
    if cb_style & 0xC0 != 0 {
        return Err(unsupported("code-block style of Part 2 or HTJ2K"));
    }
    let reversible = match byte(seg, at + 4)? {
        0 => false,
        1 => true,
        _ => return Err(unsupported("Part 2 wavelet")),
    };
    let n = usize::from(levels) + 1;
    let precincts = if precincts {
        let p = seg
            .get(at + 5..at + 5 + n)
            .ok_or_else(|| malformed("truncated precinct sizes"))?
            .to_vec();
        // PPx = PPy = 0 only at resolution 0 (A.6.1).
        if p.iter().skip(1).any(|&v| v & 0x0F == 0 || v >> 4 == 0) {
            return Err(malformed("precinct size 1 above resolution 0"));
        }
        p
    } else {
        vec![0xFF; n]
    };
    Ok(Style {
        levels,
        xcb,
        ycb,
        cb_style,
        reversible,
        precincts,
    })
}

fn quant(seg: &[u8], at: usize) -> Res<Quant> {
    let s = byte(seg, at)?;
    let kind = s & 0x1F;
    let body = seg.get(at + 1..).unwrap_or_default();
    let steps = match kind {
        0 => body.iter().map(|&b| (b >> 3, 0)).collect(),
        1 | 2 => body
            .chunks_exact(2)
            .map(|c| {
                let v = u16::from_be_bytes([c[0], c[1]]);
                ((v >> 11) as u8, v & 0x7FF)
            })
            .collect::<Vec<_>>(),
        _ => return Err(malformed("bad quantization style")),
    };
    if steps.is_empty() {
        return Err(malformed("quantization without steps"));
    }
    Ok(Quant {
        guard: s >> 5,
        kind,
        steps,
    })
}

/// Main-header or tile-header defaults as read so far.
#[derive(Clone, Default)]
struct Defaults {
    cod: Option<(u8, u16, bool, bool, bool, Style)>,
    coc: Vec<Option<Style>>,
    qcd: Option<Quant>,
    qcc: Vec<Option<Quant>>,
    roi: Vec<u8>,
    pocs: Vec<Poc>,
}

impl Defaults {
    fn new(n: usize) -> Self {
        Defaults {
            coc: vec![None; n],
            qcc: vec![None; n],
            roi: vec![0; n],
            ..Default::default()
        }
    }

    /// Reads one marker segment that may appear in a main or first tile-part header. Returns
    /// false for markers it does not know.
    fn read(&mut self, marker: u16, seg: &[u8], ncomp: u16) -> Res<bool> {
        let wide = ncomp >= 257;
        let comp = |at: usize| -> Res<(usize, usize)> {
            let c = if wide {
                usize::from(be16(seg, at)?)
            } else {
                usize::from(byte(seg, at)?)
            };
            if c >= usize::from(ncomp) {
                return Err(malformed("component index past Csiz"));
            }
            Ok((c, at + if wide { 2 } else { 1 }))
        };
        match marker {
            0xFF52 => {
                let scod = byte(seg, 0)?;
                let order = byte(seg, 1)?;
                let layers = be16(seg, 2)?;
                let mct = byte(seg, 4)?;
                if order > 4 {
                    return Err(malformed("bad progression order"));
                }
                if layers == 0 {
                    return Err(malformed("zero layers"));
                }
                let st = style(seg, 5, scod & 1 != 0)?;
                self.cod = Some((order, layers, mct != 0, scod & 2 != 0, scod & 4 != 0, st));
            }
            0xFF53 => {
                let (c, at) = comp(0)?;
                let scoc = byte(seg, at)?;
                self.coc[c] = Some(style(seg, at + 1, scoc & 1 != 0)?);
            }
            0xFF5C => self.qcd = Some(quant(seg, 0)?),
            0xFF5D => {
                let (c, at) = comp(0)?;
                self.qcc[c] = Some(quant(seg, at)?);
            }
            0xFF5E => {
                let (c, at) = comp(0)?;
                if byte(seg, at)? != 0 {
                    return Err(unsupported("ROI style other than maxshift"));
                }
                self.roi[c] = byte(seg, at + 1)?;
            }
            0xFF5F => {
                let n = if wide { 9 } else { 7 };
                for e in seg.chunks_exact(n) {
                    let (cs, rest) = if wide {
                        (be16(e, 1)?, 3)
                    } else {
                        (u16::from(e[1]), 2)
                    };
                    let le = be16(e, rest)?;
                    let re = byte(e, rest + 2)?;
                    let ce = if wide {
                        be16(e, rest + 3)?
                    } else {
                        u16::from(byte(e, rest + 3)?)
                    };
                    let order = byte(e, n - 1)?;
                    if order > 4 {
                        return Err(malformed("bad progression order in POC"));
                    }
                    // Csiz 0 in a narrow POC means 256.
                    let ce = if !wide && ce == 0 { 256 } else { ce };
                    self.pocs.push(Poc {
                        rs: e[0],
                        cs,
                        le,
                        re,
                        ce,
                        order,
                    });
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The tile's parameters: its own header over the main header (A.6: tile COC > tile COD >
/// main COC > main COD).
fn resolve(main: &Defaults, tile: Option<&Defaults>, ncomp: usize) -> Res<Params> {
    let cod = tile
        .and_then(|t| t.cod.clone())
        .or_else(|| main.cod.clone())
        .ok_or_else(|| malformed("no COD segment"))?;
    let mut comps = Vec::with_capacity(ncomp);
    for c in 0..ncomp {
        let st = tile
            .and_then(|t| t.coc[c].clone())
            .or_else(|| tile.and_then(|t| t.cod.as_ref().map(|d| d.5.clone())))
            .or_else(|| main.coc[c].clone())
            .unwrap_or_else(|| cod.5.clone());
        let q = tile
            .and_then(|t| t.qcc[c].clone())
            .or_else(|| tile.and_then(|t| t.qcd.clone()))
            .or_else(|| main.qcc[c].clone())
            .or_else(|| main.qcd.clone())
            .ok_or_else(|| malformed("no QCD segment"))?;
        let roi = tile
            .map(|t| t.roi[c])
            .filter(|&r| r != 0)
            .unwrap_or(main.roi[c]);
        comps.push(Comp {
            style: st,
            quant: q,
            roi,
        });
    }
    let pocs = match tile {
        Some(t) if !t.pocs.is_empty() => t.pocs.clone(),
        _ => main.pocs.clone(),
    };
    Ok(Params {
        order: cod.0,
        layers: cod.1,
        mct: cod.2,
        sop: cod.3,
        eph: cod.4,
        comps,
        pocs,
    })
}

pub struct Parsed {
    pub header: Header,
    main: Defaults,
    tile_defaults: Vec<Option<Defaults>>,
}

impl Parsed {
    pub fn params(&self, tile: usize) -> Res<Params> {
        let t = self.tile_defaults.get(tile).and_then(|d| d.as_ref());
        resolve(&self.main, t, usize::from(self.header.ncomp))
    }
}

/// Parses the whole codestream's markers. `max_samples` is checked on SIZ before any
/// allocation that scales with the image.
pub fn parse(cs: &[u8], max_samples: u64) -> Res<Parsed> {
    if !cs.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(malformed("codestream does not start with SOC, SIZ"));
    }
    let lsiz = usize::from(be16(cs, 4)?);
    let siz = cs
        .get(4..4 + lsiz)
        .ok_or_else(|| malformed("truncated SIZ segment"))?;
    let f = |at| be32(siz, at);
    let (x1, y1, x0, y0) = (f(4)?, f(8)?, f(12)?, f(16)?);
    let (tw, th, tx0, ty0) = (f(20)?, f(24)?, f(28)?, f(32)?);
    let ncomp = be16(siz, 36)?;
    let comps = siz
        .get(38..38 + 3 * usize::from(ncomp))
        .ok_or_else(|| malformed("truncated SIZ segment"))?;
    let (width, height) = match (x1.checked_sub(x0), y1.checked_sub(y0)) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(malformed("empty image area in SIZ")),
    };
    let Some(&ssiz) = comps.first() else {
        return Err(malformed("no component in SIZ"));
    };
    if !(1..=4).contains(&ncomp) {
        return Err(unsupported(format!(
            "{ncomp} components (1 to 4 are decoded)"
        )));
    }
    for c in comps.chunks_exact(3) {
        if c[0] != ssiz {
            return Err(unsupported("components of different precision or sign"));
        }
        if c[1] != 1 || c[2] != 1 {
            return Err(unsupported("subsampled components"));
        }
    }
    let precision = (ssiz & 0x7F) + 1;
    if precision > 16 {
        return Err(unsupported(format!("precision {precision} (up to 16)")));
    }
    let count = u64::from(width)
        .saturating_mul(u64::from(height))
        .saturating_mul(u64::from(ncomp));
    if count > max_samples {
        return Err(unsupported(format!(
            "{width}x{height}x{ncomp} samples exceed the limit of {max_samples}"
        )));
    }
    if tw == 0 || th == 0 || tx0 > x0 || ty0 > y0 {
        return Err(malformed("bad tile grid in SIZ"));
    }
    if u64::from(tx0) + u64::from(tw) <= u64::from(x0)
        || u64::from(ty0) + u64::from(th) <= u64::from(y0)
    {
        return Err(malformed("first tile outside the image"));
    }
    let tiles_x = (x1 - tx0).div_ceil(tw);
    let tiles_y = (y1 - ty0).div_ceil(th);
    let ntiles = u64::from(tiles_x) * u64::from(tiles_y);
    // Each tile has a tile-part of at least 14 bytes: more tiles than that is no codestream.
    if ntiles > 65535 || ntiles > (cs.len() / 14) as u64 + 1 {
        return Err(malformed("more tiles than the codestream can hold"));
    }
    let ntiles = ntiles as usize;
    let nc = usize::from(ncomp);
    let mut main = Defaults::new(nc);
    let mut ppm: Vec<(u8, &[u8])> = Vec::new();
    let mut at = 4 + lsiz;
    // Main header.
    loop {
        let marker = be16(cs, at)?;
        if marker == 0xFF90 {
            break;
        }
        let len = usize::from(be16(cs, at + 2)?);
        if len < 2 {
            return Err(malformed("marker segment length below 2"));
        }
        let seg = cs
            .get(at + 4..at + 2 + len)
            .ok_or_else(|| malformed("truncated marker segment"))?;
        if !main.read(marker, seg, ncomp)? {
            match marker {
                0xFF60 => ppm.push((byte(seg, 0)?, &seg[1..])),
                0xFF55 | 0xFF57 | 0xFF63 | 0xFF64 => {}
                m if m >> 8 != 0xFF => return Err(malformed("not a marker in the main header")),
                0xFF50 | 0xFF59 | 0xFF5A | 0xFF5B | 0xFF74 | 0xFF75 | 0xFF77 | 0xFF78 => {
                    return Err(unsupported("Part 2 or HTJ2K marker"))
                }
                _ => {}
            }
        }
        at += 2 + len;
    }
    if main.cod.is_none() || main.qcd.is_none() {
        return Err(malformed("main header without COD or QCD"));
    }
    let mut tiles = vec![TileData::default(); ntiles];
    let mut tile_defaults: Vec<Option<Defaults>> = vec![None; ntiles];
    ppm.sort_by_key(|p| p.0);
    let ppm_all: Option<Vec<u8>> = if ppm.is_empty() {
        None
    } else {
        Some(ppm.iter().flat_map(|p| p.1.iter().copied()).collect())
    };
    let mut ppm_at = 0usize;
    // Tile-parts.
    while at < cs.len() {
        let marker = be16(cs, at)?;
        if marker == 0xFFD9 {
            break;
        }
        if marker != 0xFF90 {
            return Err(malformed("expected SOT"));
        }
        let sot = cs
            .get(at + 4..at + 12)
            .ok_or_else(|| malformed("truncated SOT"))?;
        let isot = usize::from(be16(sot, 0)?);
        let psot = be32(sot, 2)? as usize;
        let tile = tiles
            .get_mut(isot)
            .ok_or_else(|| malformed("tile index past the tile grid"))?;
        let end = if psot == 0 {
            // Up to EOC (or the end).
            if cs.ends_with(&[0xFF, 0xD9]) {
                cs.len() - 2
            } else {
                cs.len()
            }
        } else {
            at.checked_add(psot)
                .filter(|&e| e <= cs.len())
                .ok_or_else(|| malformed("tile-part past the end of the codestream"))?
        };
        let first = !tile.seen;
        tile.seen = true;
        let mut tdef = tile_defaults[isot]
            .take()
            .unwrap_or_else(|| Defaults::new(nc));
        let mut ppt: Vec<(u8, &[u8])> = Vec::new();
        let mut p = at + 12;
        loop {
            if p >= end {
                return Err(malformed("tile-part header without SOD"));
            }
            let m = be16(cs, p)?;
            if m == 0xFF93 {
                p += 2;
                break;
            }
            let len = usize::from(be16(cs, p + 2)?);
            if len < 2 || p + 2 + len > end {
                return Err(malformed("bad marker segment in a tile-part header"));
            }
            let seg = &cs[p + 4..p + 2 + len];
            if m == 0xFF5F || (first && m != 0xFF61) {
                tdef.read(m, seg, ncomp)?;
            } else if m == 0xFF61 {
                ppt.push((byte(seg, 0)?, &seg[1..]));
            }
            p += 2 + len;
        }
        tile_defaults[isot] = Some(tdef);
        tile.parts.push((p, end));
        if let Some(all) = &ppm_all {
            let n = be32(all, ppm_at)? as usize;
            let body = all
                .get(ppm_at.saturating_add(4)..ppm_at.saturating_add(4).saturating_add(n))
                .ok_or_else(|| malformed("PPM shorter than its tile-parts"))?;
            tile.headers
                .get_or_insert_with(Vec::new)
                .extend_from_slice(body);
            ppm_at = ppm_at.saturating_add(4).saturating_add(n);
        } else if !ppt.is_empty() {
            ppt.sort_by_key(|p| p.0);
            let h = tile.headers.get_or_insert_with(Vec::new);
            for (_, d) in ppt {
                h.extend_from_slice(d);
            }
        }
        at = end;
    }
    if tiles.iter().any(|t| !t.seen) {
        return Err(malformed("a tile has no tile-part"));
    }
    Ok(Parsed {
        header: Header {
            x1,
            y1,
            x0,
            y0,
            tw,
            th,
            tx0,
            ty0,
            ncomp,
            precision,
            signed: ssiz & 0x80 != 0,
            tiles_x,
            tiles,
        },
        main,
        tile_defaults,
    })
}
