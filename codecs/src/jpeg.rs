//! Block-selective redaction of JPEG Baseline (process 1) and Extended (processes 2 and 4: 8- and
//! 12-bit samples) frames in the coded domain, after Clunie & Gebow 2015 (PixelMed, RSNA CTP):
//! the Huffman symbols of every 8×8 block are decoded (no IDCT) and written again. A block whose
//! footprint touches a region loses its AC coefficients and gets the DC of its component's fill,
//! so it decodes flat; every other block keeps its coefficients, so it decodes exactly as before
//! and nothing outside the regions suffers a second lossy generation. Only the DC differences
//! around blanked blocks change. What follows the end-of-image marker is not copied.
//!
//! Two passes over each scan's entropy-coded data: the first decodes every block's DC (2 bytes a
//! block, the only per-block state), then the new DC of each run of blanked blocks is chosen
//! (adding Huffman codes where a table lacks a category), then the second pass decodes again and
//! writes. Memory is bounded by the input: every block costs at least 2 bits of it.

use std::ops::Range;

use crate::samples::{Clip, CodecError};
use crate::{BlankFrame, Outcome};

type Res<T> = Result<T, CodecError>;

fn bad(why: impl Into<String>) -> CodecError {
    CodecError::Malformed(why.into())
}

fn unsupported(why: impl Into<String>) -> CodecError {
    CodecError::Unsupported(why.into())
}

/// Blanks JPEG frames of one image in the coded domain.
#[derive(Debug, Clone)]
pub struct Blanker {
    pub rows: u64,
    pub cols: u64,
    /// What each component of a blanked block becomes (see `blank`).
    pub fills: Vec<u16>,
}

impl BlankFrame for Blanker {
    fn blank(
        &mut self,
        frame: &[u8],
        regions: &[Clip],
        out: &mut Vec<u8>,
    ) -> Result<Outcome, CodecError> {
        blank(frame, self.rows, self.cols, regions, &self.fills, out)
    }
}

/// Blanks `regions` of one JPEG frame (`frame`: its whole codestream, fragments concatenated),
/// appending a complete JPEG (SOI … EOI) to `out`; on error `out` is left as it was.
///
/// `fills[c]`: the sample value (8-bit, unsigned) blanked blocks of component c become, e.g. [0]
/// for MONOCHROME2, [0, 128, 128] for YBR_FULL(_422), [0, 0, 0] for RGB. `rows`, `cols`: the image
/// attributes; the SOF must agree, as must its number of components with `fills`.
pub fn blank(
    frame: &[u8],
    rows: u64,
    cols: u64,
    regions: &[Clip],
    fills: &[u16],
    out: &mut Vec<u8>,
) -> Result<Outcome, CodecError> {
    let start = out.len();
    let r = Parser::new(frame, rows, cols, regions, fills).and_then(|p| p.run(out));
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Huffman table, as defined by one table of a DHT segment. Codes may be appended (never changed)
/// when a blanked block needs a symbol the table lacks.
struct Huffman {
    /// Tc << 4 | Th, as in the DHT.
    class_id: u8,
    /// `counts[l]`: codes of length l (1..=16).
    counts: [u8; 17],
    /// Symbols in code order.
    symbols: Vec<u8>,
    /// Codes of up to `FAST` bits by their first `FAST` bits: (length << 8) | symbol, 0 if none.
    fast: Vec<u16>,
    /// Largest code of each length, -1 if none; and symbol index minus code, per length.
    maxcode: [i32; 17],
    offset: [i32; 17],
    /// (code, length) of each symbol; length 0 if absent.
    codes: [(u16, u8); 256],
}

const FAST: u32 = 9;

impl Huffman {
    fn new(class_id: u8, counts: [u8; 17], symbols: Vec<u8>) -> Res<Huffman> {
        let mut h = Huffman {
            class_id,
            counts,
            symbols,
            fast: vec![0; 1 << FAST],
            maxcode: [-1; 17],
            offset: [0; 17],
            codes: [(0, 0); 256],
        };
        // Canonical codes, T.81 Annex C.
        let (mut code, mut k) = (0u32, 0usize);
        for len in 1..=16u32 {
            let n = usize::from(h.counts[len as usize]);
            if n > 0 {
                h.offset[len as usize] = k as i32 - code as i32;
                for _ in 0..n {
                    if code >= 1 << len {
                        return Err(bad("a Huffman table has more codes than its lengths allow"));
                    }
                    let sym = *h.symbols.get(k).ok_or_else(|| bad("short Huffman table"))?;
                    if h.codes[usize::from(sym)].1 != 0 {
                        return Err(bad(format!("a Huffman table has symbol {sym:#04x} twice")));
                    }
                    h.codes[usize::from(sym)] = (code as u16, len as u8);
                    if len <= FAST {
                        let first = (code << (FAST - len)) as usize;
                        let entry = (len as u16) << 8 | u16::from(sym);
                        h.fast[first..first + (1 << (FAST - len))].fill(entry);
                    }
                    code += 1;
                    k += 1;
                }
                h.maxcode[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        Ok(h)
    }

    /// The next symbol and its code length, not consumed.
    #[inline]
    fn decode(&self, r: &mut Reader) -> Res<(u8, u32)> {
        r.refill();
        let p = r.peek(16);
        let e = self.fast[(p >> (16 - FAST)) as usize];
        if e != 0 {
            return Ok(((e & 0xFF) as u8, u32::from(e >> 8)));
        }
        for len in FAST + 1..=16 {
            let code = (p >> (16 - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let at = code + self.offset[len as usize];
                if let Some(&sym) = usize::try_from(at).ok().and_then(|i| self.symbols.get(i)) {
                    return Ok((sym, len));
                }
            }
        }
        Err(match r.overrun_at(0) {
            true => bad("entropy-coded data ends early (truncated)"),
            false => bad("a bit pattern that is no code of its Huffman table"),
        })
    }

    fn has(&self, sym: u8) -> bool {
        self.codes[usize::from(sym)].1 != 0
    }

    /// Where the next appended code would go: at or after the longest length, so no existing code
    /// moves, and never the all-ones code (T.81 C: reserved as a prefix).
    fn room(counts: &[u8; 17]) -> Option<(u8, u16)> {
        let (mut code, mut longest, mut next) = (0u32, 0u32, 0u32);
        for len in 1..=16 {
            code += u32::from(counts[len as usize]);
            if counts[len as usize] > 0 {
                longest = len;
                next = code;
            }
            code <<= 1;
        }
        (longest.max(1)..=16).find_map(|len| {
            let c = next << (len - longest);
            (c < (1 << len) - 1).then_some((len as u8, c as u16))
        })
    }

    /// Whether all of `syms` can be coded, appending codes for those missing; all or nothing.
    fn ensure(&mut self, syms: &[u8]) -> bool {
        let mut counts = self.counts;
        let mut added: Vec<(u8, u16, u8)> = Vec::new();
        for &s in syms {
            if self.has(s) || added.iter().any(|a| a.0 == s) {
                continue;
            }
            if self.symbols.len() + added.len() >= 256 {
                return false;
            }
            let Some((len, code)) = Self::room(&counts) else {
                return false;
            };
            let Some(n) = counts[usize::from(len)].checked_add(1) else {
                return false;
            };
            counts[usize::from(len)] = n;
            added.push((s, code, len));
        }
        for (s, code, len) in added {
            self.symbols.push(s);
            self.codes[usize::from(s)] = (code, len);
        }
        self.counts = counts;
        true
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.class_id);
        out.extend_from_slice(&self.counts[1..]);
        out.extend_from_slice(&self.symbols);
    }
}

/// MSB-first bit reader over de-stuffed entropy-coded data. Past the end it reads 1-bits (as a
/// segment's padding) and remembers how many, so running out is detected per block.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    bits: u32,
    padding: u32,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            acc: 0,
            bits: 0,
            padding: 0,
        }
    }

    #[inline]
    fn refill(&mut self) {
        if self.bits > 32 {
            return;
        }
        if let Some(b) = self.data.get(self.pos..self.pos + 4) {
            let w = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            self.acc |= u64::from(w) << (32 - self.bits);
            self.bits += 32;
            self.pos += 4;
            return;
        }
        while self.bits <= 56 {
            let b = match self.data.get(self.pos) {
                Some(&b) => {
                    self.pos += 1;
                    b
                }
                None => {
                    self.padding += 8;
                    0xFF
                }
            };
            self.acc |= u64::from(b) << (56 - self.bits);
            self.bits += 8;
        }
    }

    /// The next `n` bits (1..=32), after a refill that left at least `n`.
    #[inline]
    fn peek(&self, n: u32) -> u32 {
        (self.acc >> (64 - n)) as u32
    }

    #[inline]
    fn consume(&mut self, n: u32) {
        self.acc <<= n;
        self.bits -= n;
    }

    /// Whether consuming `n` more bits would read past the data.
    fn overrun_at(&self, n: u32) -> bool {
        self.bits < self.padding + n
    }

    /// Consumes a symbol of `len` bits and its `extra` bits, returning them all (`len + extra`
    /// ≤ 32 bits), for copying as they are.
    #[inline]
    fn take(&mut self, len: u32, extra: u32) -> Res<u32> {
        let n = len + extra;
        self.refill();
        if self.overrun_at(n) {
            return Err(bad("entropy-coded data ends early (truncated)"));
        }
        let v = self.peek(n);
        self.consume(n);
        Ok(v)
    }
}

/// MSB-first bit writer with byte stuffing (0xFF → FF 00).
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    bits: u32,
}

impl Writer<'_> {
    #[inline]
    fn put(&mut self, v: u32, n: u32) {
        if n == 0 {
            return;
        }
        self.acc = (self.acc << n) | u64::from(v & (u32::MAX >> (32 - n)));
        self.bits += n;
        while self.bits >= 8 {
            self.bits -= 8;
            let b = (self.acc >> self.bits) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
        }
    }

    /// Pads the last byte with 1-bits (T.81 F.1.2.3).
    fn flush(&mut self) {
        if self.bits > 0 {
            self.put(0xFF, 8 - self.bits);
        }
    }
}

/// The magnitude category of a DC difference, and its extra bits.
fn category(diff: i32) -> (u8, u32) {
    let m = diff.unsigned_abs();
    let s = 32 - m.leading_zeros();
    let bits = if diff < 0 {
        (diff - 1) as u32 // ones' complement in the low s bits
    } else {
        diff as u32
    };
    (s as u8, bits)
}

#[derive(Debug, Clone)]
struct Component {
    id: u8,
    h: u32,
    v: u32,
    tq: u8,
    /// Already coded in a scan (sequential: exactly once).
    coded: bool,
}

/// One component of a scan.
struct ScanComp {
    /// Index in the frame's components.
    c: usize,
    dc: usize,
    ac: usize,
    /// The quantised DC that decodes to the fill.
    fill_dc: i32,
}

struct Scan {
    comps: Vec<ScanComp>,
    /// MCUs per line and per column (non-interleaved: blocks of the one component).
    mcus_x: u64,
    mcus_y: u64,
    /// MCUs per restart interval (all of them if no restart).
    interval: u64,
    /// Each interval's de-stuffed data, in `Parser::data`.
    segments: Vec<Range<usize>>,
    /// This scan's first block in `Parser::dcs`.
    first: usize,
}

/// What goes to the output, in order.
enum Item {
    Copy(Range<usize>),
    Bytes(Vec<u8>),
    /// A DHT segment: its tables, written with any codes added.
    Dht(Vec<usize>),
    Entropy(usize),
}

struct Parser<'a> {
    frame: &'a [u8],
    rows: u64,
    cols: u64,
    regions: Vec<Clip>,
    fills: &'a [u16],
    comps: Vec<Component>,
    hmax: u32,
    vmax: u32,
    /// Sample precision from the SOF: 8 or 12.
    precision: u8,
    /// Quantiser of the DC coefficient of each table id, once defined.
    q_dc: [Option<u16>; 4],
    tables: Vec<Huffman>,
    /// Current definition of (class, id): index in `tables`.
    current: [[Option<usize>; 4]; 2],
    restart: u64,
    scans: Vec<Scan>,
    items: Vec<Item>,
    /// De-stuffed entropy-coded data of every scan.
    data: Vec<u8>,
    /// Every block's DC in coding order: as decoded, then as it will be written.
    dcs: Vec<i16>,
    outcome: Outcome,
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

impl<'a> Parser<'a> {
    fn new(
        frame: &'a [u8],
        rows: u64,
        cols: u64,
        regions: &[Clip],
        fills: &'a [u16],
    ) -> Res<Parser<'a>> {
        Ok(Parser {
            frame,
            rows,
            cols,
            regions: regions
                .iter()
                .filter(|r| r.x0 < r.x1 && r.y0 < r.y1)
                .copied()
                .collect(),
            fills,
            comps: Vec::new(),
            hmax: 1,
            vmax: 1,
            precision: 8,
            q_dc: [None; 4],
            tables: Vec::new(),
            current: [[None; 4]; 2],
            restart: 0,
            scans: Vec::new(),
            items: Vec::new(),
            data: Vec::with_capacity(frame.len()),
            dcs: Vec::new(),
            outcome: Outcome::default(),
        })
    }

    fn run(mut self, out: &mut Vec<u8>) -> Res<Outcome> {
        self.parse()?;
        for s in 0..self.scans.len() {
            self.decide(s)?;
        }
        out.reserve(self.frame.len() + self.frame.len() / 4 + 64);
        for item in std::mem::take(&mut self.items) {
            match item {
                Item::Copy(r) => out.extend_from_slice(self.frame.get(r).unwrap_or_default()),
                Item::Bytes(b) => out.extend_from_slice(&b),
                Item::Dht(defs) => {
                    let len: usize = 2 + defs
                        .iter()
                        .map(|&d| 17 + self.tables[d].symbols.len())
                        .sum::<usize>();
                    out.extend_from_slice(&[0xFF, 0xC4]);
                    out.extend_from_slice(&(len as u16).to_be_bytes());
                    defs.iter().for_each(|&d| self.tables[d].write(out));
                }
                Item::Entropy(s) => self.emit(s, out)?,
            }
        }
        Ok(self.outcome)
    }

    fn parse(&mut self) -> Res<()> {
        let f = self.frame;
        if f.get(..2) != Some(&[0xFF, 0xD8]) {
            return Err(bad("does not start with SOI (FF D8)"));
        }
        self.items.push(Item::Copy(0..2));
        let mut i = 2;
        loop {
            let Some(&b) = f.get(i) else {
                // Some encoders omit EOI; complete scans still make a whole image.
                self.complete("the data ends without EOI")?;
                self.items.push(Item::Bytes(vec![0xFF, 0xD9]));
                return Ok(());
            };
            if b != 0xFF {
                return Err(bad(format!("byte {i}: {b:#04x} where a marker should be")));
            }
            while f.get(i) == Some(&0xFF) {
                i += 1; // fill bytes
            }
            let at = i - 1;
            let m = *f.get(i).ok_or_else(|| bad("ends inside a marker"))?;
            i += 1;
            match m {
                0xD9 => {
                    self.complete("EOI")?;
                    self.items.push(Item::Bytes(vec![0xFF, 0xD9]));
                    // Decoders (libjpeg in DCMTK, GDCM) stop at EOI; what follows (DICOM's pad
                    // byte, some modalities' padding or junk) is dropped, and with it any text.
                    let rest = f.get(i..).unwrap_or_default();
                    if rest.iter().any(|&b| b != 0) {
                        self.outcome.after_eoi = rest.len() as u64;
                    }
                    return Ok(());
                }
                0xD8 => return Err(bad(format!("byte {at}: a second SOI"))),
                0xD0..=0xD7 => return Err(bad(format!("byte {at}: RST outside a scan"))),
                0x00..=0xBF => return Err(bad(format!("byte {at}: invalid marker FF {m:02X}"))),
                _ => {}
            }
            let len = usize::from(u16_at(f, i).ok_or_else(|| bad("ends inside a marker"))?);
            let body = f
                .get(i + 2..i + len)
                .filter(|_| len >= 2)
                .ok_or_else(|| bad(format!("byte {at}: segment FF {m:02X} runs past the end")))?;
            let next = i + len;
            match m {
                0xE0 if body.starts_with(b"JFIF\0") && body.len() >= 14 => {
                    // Keep version, units and density; drop the thumbnail.
                    let mut s = vec![0xFF, 0xE0, 0, 16];
                    s.extend_from_slice(&body[..12]);
                    s.extend_from_slice(&[0, 0]);
                    self.items.push(Item::Bytes(s));
                }
                0xEE if body.starts_with(b"Adobe") && body.len() >= 12 => {
                    // The colour transform flag decoders need; anything after it is dropped.
                    let mut s = vec![0xFF, 0xEE, 0, 14];
                    s.extend_from_slice(&body[..12]);
                    self.items.push(Item::Bytes(s));
                }
                0xE0..=0xEF | 0xFE => self.outcome.segments_dropped += 1,
                0xDB => {
                    self.dqt(body)?;
                    self.items.push(Item::Copy(at..next));
                }
                0xC4 => {
                    let defs = self.dht(body)?;
                    self.items.push(Item::Dht(defs));
                }
                0xC0 | 0xC1 => {
                    self.sof(m, body)?;
                    self.items.push(Item::Copy(at..next));
                }
                0xC2 => return Err(unsupported("progressive JPEG")),
                0xC3 => return Err(unsupported("lossless JPEG (process 14)")),
                0xC5..=0xC7 | 0xDE | 0xDF => return Err(unsupported("hierarchical JPEG")),
                0xC9..=0xCF => return Err(unsupported("arithmetic-coded JPEG")),
                0xDC => return Err(unsupported("JPEG with a DNL marker")),
                0xDD => {
                    self.restart = u64::from(
                        u16_at(body, 0)
                            .filter(|_| body.len() == 2)
                            .ok_or_else(|| bad("DRI of the wrong length"))?,
                    );
                    self.items.push(Item::Copy(at..next));
                }
                0xDA => {
                    self.items.push(Item::Copy(at..next));
                    i = self.sos(body, next)?;
                    continue;
                }
                // JPG, JPGn (JPEG-LS and other extensions).
                _ => return Err(unsupported(format!("JPEG marker FF {m:02X}"))),
            }
            i = next;
        }
    }

    /// Checks the image is whole: a frame whose every component was coded.
    fn complete(&self, at: &str) -> Res<()> {
        if self.comps.is_empty() {
            return Err(bad(format!("{at} before any frame (SOF)")));
        }
        match self.comps.iter().all(|c| c.coded) {
            true => Ok(()),
            false => Err(bad(format!("{at} before every component was coded"))),
        }
    }

    fn dqt(&mut self, mut b: &[u8]) -> Res<()> {
        while let Some(&pt) = b.first() {
            let (p, t) = (pt >> 4, usize::from(pt & 15));
            let size = match p {
                0 => 64,
                1 => 128,
                _ => return Err(bad(format!("DQT precision {p}"))),
            };
            let table = b.get(1..1 + size).filter(|_| t < 4);
            let table = table.ok_or_else(|| bad("DQT of the wrong length or table id"))?;
            self.q_dc[t] = Some(match p {
                0 => u16::from(table[0]),
                _ => u16::from_be_bytes([table[0], table[1]]),
            });
            b = &b[1 + size..];
        }
        Ok(())
    }

    fn dht(&mut self, mut b: &[u8]) -> Res<Vec<usize>> {
        let mut defs = Vec::new();
        while let Some(&tc_th) = b.first() {
            let (class, id) = (usize::from(tc_th >> 4), usize::from(tc_th & 15));
            if class > 1 || id > 3 {
                return Err(bad(format!("DHT table class {class} id {id}")));
            }
            let mut counts = [0u8; 17];
            counts[1..].copy_from_slice(b.get(1..17).ok_or_else(|| bad("short DHT"))?);
            let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let symbols = b.get(17..17 + n).filter(|_| n <= 256);
            let symbols = symbols.ok_or_else(|| bad("DHT of the wrong length"))?;
            self.tables
                .push(Huffman::new(tc_th, counts, symbols.to_vec())?);
            self.current[class][id] = Some(self.tables.len() - 1);
            defs.push(self.tables.len() - 1);
            b = &b[17 + n..];
        }
        Ok(defs)
    }

    fn sof(&mut self, m: u8, b: &[u8]) -> Res<()> {
        if !self.comps.is_empty() {
            return Err(bad("a second SOF"));
        }
        let precision = *b.first().ok_or_else(|| bad("short SOF"))?;
        // 12-bit samples (process 4) are walked alike: only the DC's level shift and range
        // differ. T.81 allows them in SOF1; libjpeg (DCMTK) and GDCM decode them in SOF0 too.
        if precision != 8 && precision != 12 {
            return Err(bad(format!("SOF{} with {precision}-bit samples", m & 15)));
        }
        self.precision = precision;
        let y = u64::from(u16_at(b, 1).ok_or_else(|| bad("short SOF"))?);
        let x = u64::from(u16_at(b, 3).ok_or_else(|| bad("short SOF"))?);
        let n = usize::from(*b.get(5).ok_or_else(|| bad("short SOF"))?);
        if y == 0 {
            return Err(unsupported("JPEG with its height in a DNL marker"));
        }
        if (y, x) != (self.rows, self.cols) {
            return Err(bad(format!(
                "the JPEG is {x}×{y}; the image attributes say {}×{}",
                self.cols, self.rows
            )));
        }
        if n != self.fills.len() || n == 0 || b.len() != 6 + 3 * n {
            return Err(bad(format!(
                "a SOF of {n} components (length {}); the image has {} samples per pixel",
                b.len() + 2,
                self.fills.len()
            )));
        }
        for c in b[6..].chunks_exact(3) {
            let (h, v, tq) = (u32::from(c[1] >> 4), u32::from(c[1] & 15), c[2]);
            if !(1..=4).contains(&h) || !(1..=4).contains(&v) || tq > 3 {
                return Err(bad(
                    "SOF sampling factor or quantisation table out of range",
                ));
            }
            if self.comps.iter().any(|k| k.id == c[0]) {
                return Err(bad("SOF with two components of the same id"));
            }
            self.comps.push(Component {
                id: c[0],
                h,
                v,
                tq,
                coded: false,
            });
        }
        self.hmax = self.comps.iter().map(|c| c.h).max().unwrap_or(1);
        self.vmax = self.comps.iter().map(|c| c.v).max().unwrap_or(1);
        Ok(())
    }

    /// A component's size in its own samples.
    fn comp_size(&self, c: &Component) -> (u64, u64) {
        let w = (self.cols * u64::from(c.h)).div_ceil(u64::from(self.hmax));
        let h = (self.rows * u64::from(c.v)).div_ceil(u64::from(self.vmax));
        (w, h)
    }

    /// Parses an SOS header and its entropy-coded data (from `at`), decodes it (first pass) and
    /// returns where the marker after it is.
    fn sos(&mut self, b: &[u8], at: usize) -> Res<usize> {
        if self.comps.is_empty() {
            return Err(bad("SOS before SOF"));
        }
        let n = usize::from(*b.first().ok_or_else(|| bad("short SOS"))?);
        if !(1..=4).contains(&n) || b.len() != 4 + 2 * n {
            return Err(bad("SOS of the wrong length or component count"));
        }
        let mut comps = Vec::with_capacity(n);
        for s in b[1..1 + 2 * n].chunks_exact(2) {
            let c = self.comps.iter().position(|k| k.id == s[0]);
            let c = c.ok_or_else(|| bad(format!("SOS names component {} not in the SOF", s[0])))?;
            if self.comps[c].coded || comps.last().is_some_and(|l: &ScanComp| l.c >= c) {
                return Err(bad("SOS components coded twice or out of the SOF's order"));
            }
            let (td, ta) = (usize::from(s[1] >> 4), usize::from(s[1] & 15));
            let table = |class: usize, id: usize| {
                self.current
                    .get(class)
                    .and_then(|t| t.get(id))
                    .copied()
                    .flatten()
                    .ok_or_else(|| bad(format!("SOS uses Huffman table {class}/{id}, undefined")))
            };
            let (dc, ac) = (table(0, td)?, table(1, ta)?);
            let tq = usize::from(self.comps[c].tq);
            let q = self.q_dc[tq]
                .filter(|&q| q > 0)
                .ok_or_else(|| bad(format!("quantisation table {tq} undefined or zero")))?;
            comps.push(ScanComp {
                c,
                dc,
                ac,
                fill_dc: fill_dc(self.fills.get(c).copied().unwrap_or(0), q, self.precision),
            });
        }
        if b[1 + 2 * n..] != [0, 63, 0] {
            return Err(bad(
                "SOS spectral selection or approximation of a progressive scan",
            ));
        }
        for s in &comps {
            self.comps[s.c].coded = true;
        }
        let (mcus_x, mcus_y) = match comps.as_slice() {
            [one] => {
                let (w, h) = self.comp_size(&self.comps[one.c]);
                (w.div_ceil(8), h.div_ceil(8))
            }
            _ => {
                let per_mcu: u32 = comps
                    .iter()
                    .map(|s| self.comps[s.c].h * self.comps[s.c].v)
                    .sum();
                if per_mcu > 10 {
                    return Err(bad("an interleaved MCU of more than 10 blocks"));
                }
                let w = u64::from(8 * self.hmax);
                let h = u64::from(8 * self.vmax);
                (self.cols.div_ceil(w), self.rows.div_ceil(h))
            }
        };
        let mcus = mcus_x * mcus_y;
        let interval = match self.restart {
            0 => mcus,
            r => r,
        };
        // Split at RST markers, removing the stuffing.
        let f = self.frame;
        let mut segments = Vec::new();
        let (mut i, mut seg_start) = (at, self.data.len());
        let end = loop {
            let Some(ff) = f.get(i..).and_then(|r| r.iter().position(|&b| b == 0xFF)) else {
                self.data.extend_from_slice(f.get(i..).unwrap_or_default());
                break f.len();
            };
            self.data.extend_from_slice(&f[i..i + ff]);
            let mut j = i + ff + 1;
            while f.get(j) == Some(&0xFF) {
                j += 1;
            }
            match f.get(j) {
                Some(0) => {
                    self.data.push(0xFF);
                    i = j + 1;
                }
                Some(&m @ 0xD0..=0xD7) => {
                    let k = segments.len();
                    if u64::from(m - 0xD0) != k as u64 % 8 {
                        return Err(bad(format!("RST{} where RST{} was due", m - 0xD0, k % 8)));
                    }
                    segments.push(seg_start..self.data.len());
                    seg_start = self.data.len();
                    i = j + 1;
                }
                _ => break i + ff,
            }
        };
        segments.push(seg_start..self.data.len());
        let want = mcus.div_ceil(interval.max(1));
        if (segments.len() as u64) < want {
            return Err(bad(format!(
                "{} restart intervals of the {want} due (truncated)",
                segments.len()
            )));
        }
        // Some encoders end with a surplus RST; an empty interval after it carries nothing.
        if segments[want as usize..].iter().any(|s| !s.is_empty()) {
            return Err(bad("entropy-coded data after the last restart interval"));
        }
        segments.truncate(want as usize);
        let scan = Scan {
            comps,
            mcus_x,
            mcus_y,
            interval,
            segments,
            first: self.dcs.len(),
        };
        self.decode(&scan)?;
        self.scans.push(scan);
        self.items.push(Item::Entropy(self.scans.len() - 1));
        Ok(end)
    }

    /// The blocks of MCU `m` of `scan`: (scan component, block column, block row).
    fn mcu(&self, scan: &Scan, m: u64, out: &mut Vec<(usize, u64, u64)>) {
        out.clear();
        let (mx, my) = (m % scan.mcus_x, m / scan.mcus_x);
        if let [_] = scan.comps.as_slice() {
            out.push((0, mx, my));
            return;
        }
        for (j, s) in scan.comps.iter().enumerate() {
            let c = &self.comps[s.c];
            let (h, v) = (u64::from(c.h), u64::from(c.v));
            for y in 0..v {
                for x in 0..h {
                    out.push((j, mx * h + x, my * v + y));
                }
            }
        }
    }

    /// Whether the block's pixels (mapped from the component's grid to the image's) touch a
    /// region; rounding outwards, so a chroma block shared with a region's pixels is blanked.
    fn blanked(&self, c: usize, bx: u64, by: u64) -> bool {
        let Some(comp) = self.comps.get(c) else {
            return false;
        };
        let (hm, vm) = (u64::from(self.hmax), u64::from(self.vmax));
        let (h, v) = (u64::from(comp.h), u64::from(comp.v));
        let (x0, x1) = (8 * bx * hm / h, ((8 * bx + 8) * hm).div_ceil(h));
        let (y0, y1) = (8 * by * vm / v, ((8 * by + 8) * vm).div_ceil(v));
        self.regions
            .iter()
            .any(|r| x0 < r.x1 && r.x0 < x1 && y0 < r.y1 && r.y0 < y1)
    }

    /// First pass: every block's DC, checking the whole scan decodes.
    fn decode(&mut self, scan: &Scan) -> Res<()> {
        let mut blocks = Vec::with_capacity(10);
        let mcus = scan.mcus_x * scan.mcus_y;
        for (k, seg) in scan.segments.iter().enumerate() {
            let mut r = Reader::new(self.data.get(seg.clone()).unwrap_or_default());
            let mut pred = [0i32; 4];
            let first = k as u64 * scan.interval;
            for m in first..(first + scan.interval).min(mcus) {
                self.mcu(scan, m, &mut blocks);
                for &(j, _, _) in &blocks {
                    let s = &scan.comps[j];
                    let (sym, len) = self.tables[s.dc].decode(&mut r)?;
                    if sym > 15 {
                        return Err(bad(format!("DC difference category {sym}")));
                    }
                    let bits = r.take(len, u32::from(sym))?;
                    pred[j] += extend(bits, u32::from(sym));
                    let dc = i16::try_from(pred[j])
                        .map_err(|_| bad("a DC coefficient out of any sample range"))?;
                    self.dcs.push(dc);
                    skip_ac(&self.tables[s.ac], &mut r, None)?;
                }
            }
        }
        Ok(())
    }

    /// Chooses the DC written for each blanked block of `scan`: run by run (consecutive blanked
    /// blocks of a component), the fill's DC if the table can code the differences into, inside
    /// and out of the run, else each block's own DC (flat at its average).
    fn decide(&mut self, s: usize) -> Res<()> {
        let scan = &self.scans[s];
        let n = scan.comps.len();
        let mut blocks = Vec::with_capacity(10);
        let mut runs: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut before = vec![0i32; n];
        let mut prev = vec![0i32; n];
        let mut eob_checked = vec![false; n];
        let mcus = scan.mcus_x * scan.mcus_y;
        let mut idx = scan.first;
        let mut decisions: Vec<(usize, Vec<usize>, i32, Option<i32>)> = Vec::new();
        for k in 0..scan.segments.len() as u64 {
            prev.fill(0);
            let first = k * scan.interval;
            for m in first..(first + scan.interval).min(mcus) {
                self.mcu(scan, m, &mut blocks);
                for &(j, bx, by) in &blocks {
                    let o = i32::from(self.dcs.get(idx).copied().unwrap_or(0));
                    if self.blanked(scan.comps[j].c, bx, by) {
                        self.outcome.blocks_blanked += 1;
                        if !eob_checked[j] {
                            eob_checked[j] = true;
                            if !self.tables[scan.comps[j].ac].ensure(&[0]) {
                                return Err(unsupported(
                                    "an AC Huffman table with no end-of-block code and no room for one",
                                ));
                            }
                        }
                        if runs[j].is_empty() {
                            before[j] = prev[j];
                        }
                        runs[j].push(idx);
                    } else {
                        if !runs[j].is_empty() {
                            decisions.push((j, std::mem::take(&mut runs[j]), before[j], Some(o)));
                        }
                        prev[j] = o;
                    }
                    idx += 1;
                }
            }
            for (j, run) in runs.iter_mut().enumerate() {
                if !run.is_empty() {
                    decisions.push((j, std::mem::take(run), before[j], None));
                }
            }
            // Decide interval by interval, in coding order, so earlier runs get codes first.
            for (j, run, before, after) in decisions.drain(..) {
                let sc = &self.scans[s].comps[j];
                let f = sc.fill_dc;
                let mut need = vec![category(f - before).0];
                if run.len() > 1 {
                    need.push(0);
                }
                if let Some(a) = after {
                    need.push(category(a - f).0);
                }
                let dc = sc.dc;
                if need.iter().all(|&c| c <= 15) && self.tables[dc].ensure(&need) {
                    for i in run {
                        if let Some(d) = self.dcs.get_mut(i) {
                            *d = f as i16;
                        }
                    }
                } else {
                    self.outcome.flat_at_average += run.len() as u64;
                }
            }
        }
        Ok(())
    }

    /// Second pass: writes the scan's entropy-coded data, its RST markers included.
    fn emit(&self, s: usize, out: &mut Vec<u8>) -> Res<()> {
        let scan = &self.scans[s];
        let mut blocks = Vec::with_capacity(10);
        let mcus = scan.mcus_x * scan.mcus_y;
        let mut idx = scan.first;
        for (k, seg) in scan.segments.iter().enumerate() {
            let mut r = Reader::new(self.data.get(seg.clone()).unwrap_or_default());
            let mut w = Writer {
                out: &mut *out,
                acc: 0,
                bits: 0,
            };
            let mut pred = [0i32; 4];
            let first = k as u64 * scan.interval;
            for m in first..(first + scan.interval).min(mcus) {
                self.mcu(scan, m, &mut blocks);
                for &(j, bx, by) in &blocks {
                    let sc = &scan.comps[j];
                    let (dc, ac) = (&self.tables[sc.dc], &self.tables[sc.ac]);
                    let (sym, len) = dc.decode(&mut r)?;
                    r.take(len, u32::from(sym))?;
                    let e = i32::from(self.dcs.get(idx).copied().unwrap_or(0));
                    idx += 1;
                    let (cat, extra) = category(e - pred[j]);
                    pred[j] = e;
                    let (code, clen) = dc.codes[usize::from(cat)];
                    if clen == 0 || cat > 15 {
                        return Err(bad("internal: a DC difference with no code"));
                    }
                    w.put(u32::from(code), u32::from(clen));
                    w.put(extra, u32::from(cat));
                    if self.blanked(sc.c, bx, by) {
                        skip_ac(ac, &mut r, None)?;
                        let (code, clen) = ac.codes[0];
                        w.put(u32::from(code), u32::from(clen));
                    } else {
                        skip_ac(ac, &mut r, Some(&mut w))?;
                    }
                }
            }
            w.flush();
            if k + 1 < scan.segments.len() {
                out.extend_from_slice(&[0xFF, 0xD0 + (k % 8) as u8]);
            }
        }
        Ok(())
    }
}

/// Reads a block's AC symbols, copying their bits to `copy` if given.
#[inline]
fn skip_ac(ac: &Huffman, r: &mut Reader, mut copy: Option<&mut Writer>) -> Res<()> {
    let mut k = 1u32;
    while k < 64 {
        let (sym, len) = ac.decode(r)?;
        let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
        let bits = r.take(len, size)?;
        if let Some(w) = copy.as_deref_mut() {
            w.put(bits, len + size);
        }
        if size == 0 {
            if run != 15 {
                break; // EOB (libjpeg ends the block on any run/0 but ZRL likewise)
            }
            k += 16;
            if k > 64 {
                return Err(bad("a zero run past the end of a block"));
            }
        } else {
            k += run;
            if k > 63 {
                return Err(bad("an AC coefficient past the end of a block"));
            }
            k += 1;
        }
    }
    Ok(())
}

/// T.81 F.2.2.1 EXTEND: `bits` of category `s` as a signed difference.
#[inline]
fn extend(bits: u32, s: u32) -> i32 {
    let v = (bits & ((1u32 << s) - 1)) as i32;
    if s == 0 {
        0
    } else if v < 1 << (s - 1) {
        v - (1 << s) + 1
    } else {
        v
    }
}

/// The quantised DC that decodes to `fill` (`precision` bits, 8 or 12) with quantiser `q`: the
/// level shift and the DCT's factor 8. At the ends of the range rounded outwards, so the
/// decoder's clamp gives the fill exactly whatever `q`.
fn fill_dc(fill: u16, q: u16, precision: u8) -> i32 {
    let max = (1i32 << precision) - 1;
    let v = i32::from(fill).min(max);
    let (t, q) = ((v - (max + 1) / 2) * 8, i32::from(q));
    match v {
        0 => t.div_euclid(q),
        _ if v == max => -((-t).div_euclid(q)),
        _ if t >= 0 => (2 * t + q) / (2 * q),
        _ => -((q - 2 * t) / (2 * q)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_extension_invert() {
        for d in -2047..=2047 {
            let (s, bits) = category(d);
            assert_eq!(extend(bits, u32::from(s)), d, "{d}");
        }
        assert_eq!(category(0), (0, 0));
        assert_eq!(category(-1).0, 1);
        assert_eq!(category(1024).0, 11);
    }

    #[test]
    fn appended_codes_follow_the_longest_and_skip_all_ones() {
        // Two codes of length 2 (00, 01): next is 10 at length 2.
        let mut c = [0u8; 17];
        c[2] = 2;
        assert_eq!(Huffman::room(&c), Some((2, 0b10)));
        // Three of length 2: only 11 is left, all ones, so 110 at length 3.
        c[2] = 3;
        assert_eq!(Huffman::room(&c), Some((3, 0b110)));
        c[2] = 4;
        assert_eq!(Huffman::room(&c), None);
        assert_eq!(Huffman::room(&[0; 17]), Some((1, 0)));
        let mut full = [0u8; 17];
        full[16] = 255;
        full[8] = 255;
        assert_eq!(Huffman::room(&full), None);
    }

    #[test]
    fn fill_dc_decodes_to_the_fill() {
        for (p, fills) in [
            (8u8, [0u16, 1, 100, 128, 200, 254, 255]),
            (12, [0, 1, 1000, 2048, 3000, 4094, 4095]),
        ] {
            let max = f64::from((1u16 << p) - 1);
            for q in (1..=255u16).chain([1000, 4095, 65535]) {
                for fill in fills {
                    let dc = fill_dc(fill, q, p);
                    let px = (f64::from(dc) * f64::from(q) / 8.0 + (max + 1.0) / 2.0)
                        .round()
                        .clamp(0.0, max);
                    let tol = f64::from(q) / 16.0 + 0.5;
                    assert!(
                        (px - f64::from(fill)).abs() <= tol,
                        "{p}-bit fill {fill} q {q}: {px}"
                    );
                    if fill == 0 || f64::from(fill) == max {
                        assert_eq!(px, f64::from(fill), "{p}-bit q {q}");
                    }
                }
            }
        }
    }
}
