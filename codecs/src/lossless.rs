//! JPEG Lossless (ITU-T T.81 Annex H, Huffman, non-hierarchical: SOF3), as DICOM carries it in
//! 1.2.840.10008.1.2.4.57 (process 14, any predictor) and 1.2.840.10008.1.2.4.70 (selection
//! value 1). Written here rather than taken from `jpeg-decoder` 0.3, whose lossless path
//! predicts from point-transformed (shifted) samples, ignores restart intervals when
//! predicting, and asserts or underflows on hostile headers.
//!
//! The encoder writes selection value 1, point transform 0, one interleaved scan and one
//! Huffman table made for the frame (Annex K.2), which both transfer syntaxes accept.

use crate::samples::{CodecError, Image};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DHT: u8 = 0xC4;
const DRI: u8 = 0xDD;
const SOF3: u8 = 0xC3;

fn malformed(why: impl Into<String>) -> CodecError {
    CodecError::Malformed(format!("JPEG Lossless: {}", why.into()))
}

fn unsupported(why: impl Into<String>) -> CodecError {
    CodecError::Unsupported(format!("JPEG Lossless: {}", why.into()))
}

/// A Huffman table for decoding (T.81 F.2.2.3), with a lookup of the codes of 8 bits or less.
#[derive(Clone)]
struct Table {
    /// For each 8-bit prefix: code length (0 if longer than 8) and value.
    fast: [(u8, u8); 256],
    /// Largest code of each length 1..=16 (index 0 unused), -1 if none.
    maxcode: [i32; 17],
    /// Index into `values` of the first code of each length, minus that code.
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Table {
    fn new(counts: &[u8; 16], values: Vec<u8>) -> Result<Table, CodecError> {
        let mut t = Table {
            fast: [(0, 0); 256],
            maxcode: [-1; 17],
            offset: [0; 17],
            values,
        };
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16usize {
            let n = i32::from(counts[len - 1]);
            if n > 0 {
                t.offset[len] = k as i32 - code;
                for _ in 0..n {
                    if len <= 8 {
                        let value = t.values.get(k).copied().unwrap_or(0);
                        let first = (code << (8 - len)) as usize;
                        for e in t.fast.iter_mut().skip(first).take(1 << (8 - len)) {
                            *e = (len as u8, value);
                        }
                    }
                    code += 1;
                    k += 1;
                }
                t.maxcode[len] = code - 1;
            }
            // More codes than the length can hold: not a prefix code.
            if code > 1 << len {
                return Err(malformed("Huffman table with too many codes"));
            }
            code <<= 1;
        }
        Ok(t)
    }
}

/// Reads the entropy-coded segment: removes the stuffed zero after 0xFF, stops at a marker.
/// Past the marker it feeds zero bits, but a code that needs them is an error (truncation).
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    /// Bits in `acc`, counted from its top.
    count: u32,
    /// How many of the lowest of those bits are padding past the segment's end.
    padding: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Bits<'a> {
        Bits {
            data,
            pos,
            acc: 0,
            count: 0,
            padding: 0,
        }
    }

    fn fill(&mut self) {
        while self.count <= 56 {
            let byte = match self.data.get(self.pos) {
                Some(&0xFF) => match self.data.get(self.pos + 1) {
                    Some(0) => {
                        self.pos += 2;
                        Some(0xFF)
                    }
                    _ => None, // a marker (or the end): stays in place
                },
                Some(&b) => {
                    self.pos += 1;
                    Some(b)
                }
                None => None,
            };
            let byte = byte.unwrap_or_else(|| {
                self.padding += 8;
                0
            });
            self.acc |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    fn peek16(&mut self) -> u32 {
        self.fill();
        (self.acc >> 48) as u32
    }

    fn consume(&mut self, n: u32) -> Result<(), CodecError> {
        self.acc <<= n;
        self.count -= n;
        if self.count < self.padding {
            return Err(malformed("entropy-coded data ends early"));
        }
        Ok(())
    }

    fn bits(&mut self, n: u32) -> Result<u32, CodecError> {
        if n == 0 {
            return Ok(0);
        }
        let v = self.peek16() >> (16 - n);
        self.consume(n)?;
        Ok(v)
    }

    fn decode(&mut self, t: &Table) -> Result<u8, CodecError> {
        let peek = self.peek16();
        let (len, value) = t.fast[(peek >> 8) as usize];
        if len > 0 {
            self.consume(u32::from(len))?;
            return Ok(value);
        }
        for len in 9..=16usize {
            let code = (peek >> (16 - len)) as i32;
            if code <= t.maxcode[len] {
                self.consume(len as u32)?;
                let at = t.offset[len] + code;
                return usize::try_from(at)
                    .ok()
                    .and_then(|i| t.values.get(i).copied())
                    .ok_or_else(|| malformed("Huffman code without a value"));
            }
        }
        Err(malformed("invalid Huffman code"))
    }

    /// One difference (T.81 H.1.2.2; category 16 is 32768 with no extra bits).
    fn difference(&mut self, t: &Table) -> Result<i32, CodecError> {
        let ssss = self.decode(t)?;
        match ssss {
            0 => Ok(0),
            1..=15 => {
                let n = u32::from(ssss);
                let v = self.bits(n)? as i32;
                Ok(if v < 1 << (n - 1) {
                    v - (1 << n) + 1
                } else {
                    v
                })
            }
            16 => Ok(32768),
            _ => Err(malformed(format!("difference category {ssss}"))),
        }
    }

    /// Where the next marker is, past the byte alignment bits (and, as libjpeg tolerates,
    /// any extraneous bytes before it).
    fn resync(&mut self) -> usize {
        let mut at = self.pos;
        while at < self.data.len()
            && !(self.data[at] == 0xFF && self.data.get(at + 1).is_some_and(|&b| b != 0))
        {
            at += 1;
        }
        at
    }
}

struct Frame {
    precision: u8,
    height: u16,
    width: u16,
    /// Component identifiers, in frame order.
    ids: Vec<u8>,
}

/// Reads a marker segment's length and returns its body.
fn segment(data: &[u8], at: usize) -> Result<&[u8], CodecError> {
    let len = match data.get(at..at + 2) {
        Some(&[a, b]) => usize::from(u16::from_be_bytes([a, b])),
        _ => return Err(malformed("truncated marker segment")),
    };
    if len < 2 {
        return Err(malformed("marker segment length below 2"));
    }
    data.get(at + 2..at + len)
        .ok_or_else(|| malformed("marker segment runs past the end"))
}

/// Decodes one frame (SOI..EOI; whatever follows EOI is ignored). `max_samples` bounds
/// width×height×components.
pub fn decode(frame: &[u8], max_samples: u64) -> Result<Image, CodecError> {
    if frame.get(..2) != Some(&[0xFF, SOI]) {
        return Err(malformed("no SOI marker at the start"));
    }
    let mut at = 2;
    let mut tables: [Option<Table>; 4] = [None, None, None, None];
    let mut restart = 0u32;
    let mut header: Option<Frame> = None;
    let mut image: Option<Image> = None;
    // Which frame components some scan has decoded.
    let mut done = [false; 4];
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while frame.get(at) == Some(&0xFF) && frame.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = match frame.get(at..at + 2) {
            Some(&[0xFF, m]) => m,
            Some(_) => return Err(malformed(format!("no marker at byte {at}"))),
            None => return Err(malformed("no EOI marker")),
        };
        at += 2;
        match marker {
            EOI => break,
            SOF3 => {
                if header.is_some() {
                    return Err(malformed("a second SOF marker"));
                }
                let body = segment(frame, at)?;
                at += 2 + body.len();
                let (h, img) = start_frame(body, max_samples)?;
                header = Some(h);
                image = Some(img);
            }
            0xC0..=0xCF if !matches!(marker, DHT | 0xC8 | 0xCC) => {
                return Err(unsupported(format!(
                    "SOF{} frame (only SOF3, lossless Huffman, is decoded)",
                    marker - 0xC0
                )))
            }
            DHT => {
                let body = segment(frame, at)?;
                at += 2 + body.len();
                read_tables(body, &mut tables)?;
            }
            DRI => {
                let body = segment(frame, at)?;
                at += 2 + body.len();
                restart = match body {
                    &[a, b] => u32::from(u16::from_be_bytes([a, b])),
                    _ => return Err(malformed("DRI segment of wrong length")),
                };
            }
            SOS => {
                let body = segment(frame, at)?;
                at += 2 + body.len();
                let (Some(h), Some(img)) = (&header, &mut image) else {
                    return Err(malformed("SOS before SOF"));
                };
                let scan = Scan::read(body, h, &tables)?;
                for c in &scan.components {
                    if let Some(d) = done.get_mut(c.index) {
                        *d = true;
                    }
                }
                at = scan.decode(frame, at, h, restart, img)?;
            }
            0xDC => return Err(unsupported("DNL marker (height defined after the scan)")),
            // APPn, COM, DQT and other segments that do not change lossless decoding.
            0xDB | 0xE0..=0xEF | 0xFE => {
                let body = segment(frame, at)?;
                at += 2 + body.len();
            }
            0xD0..=0xD7 => return Err(malformed("RST marker outside a scan")),
            m => return Err(malformed(format!("unexpected marker FF{m:02X}"))),
        }
    }
    // What follows EOI (padding, junk) is ignored, as DCMTK and GDCM ignore it: the frame is
    // encoded again from its samples, so none of it reaches the output.
    let (Some(h), Some(img)) = (header, image) else {
        return Err(malformed("no SOF3 frame"));
    };
    if !done.iter().take(h.ids.len()).all(|&d| d) {
        return Err(malformed("a component that no scan codes"));
    }
    Ok(img)
}

fn start_frame(body: &[u8], max_samples: u64) -> Result<(Frame, Image), CodecError> {
    let (&[p, y0, y1, x0, x1, n], rest) = body
        .split_first_chunk::<6>()
        .ok_or_else(|| malformed("SOF segment too short"))?;
    let (height, width) = (u16::from_be_bytes([y0, y1]), u16::from_be_bytes([x0, x1]));
    if !(2..=16).contains(&p) {
        return Err(malformed(format!("precision {p} (2 to 16)")));
    }
    if height == 0 {
        return Err(unsupported("height 0 (defined by a DNL marker)"));
    }
    if width == 0 {
        return Err(malformed("width 0"));
    }
    if !(1..=4).contains(&n) {
        return Err(unsupported(format!("{n} components (1 to 4 are decoded)")));
    }
    if rest.len() != 3 * usize::from(n) {
        return Err(malformed(
            "SOF segment length does not match its components",
        ));
    }
    let mut ids = Vec::new();
    for c in rest.chunks_exact(3) {
        if ids.contains(&c[0]) {
            return Err(malformed("two components with one identifier"));
        }
        if c[1] != 0x11 {
            return Err(unsupported("subsampled components"));
        }
        ids.push(c[0]);
    }
    let count = u64::from(width) * u64::from(height) * u64::from(n);
    if count > max_samples {
        return Err(unsupported(format!(
            "{width}x{height}x{n} samples exceed the limit of {max_samples}"
        )));
    }
    let image = Image {
        width: u32::from(width),
        height: u32::from(height),
        components: n,
        precision: p,
        samples: vec![0; count as usize],
    };
    Ok((
        Frame {
            precision: p,
            height,
            width,
            ids,
        },
        image,
    ))
}

fn read_tables(mut body: &[u8], tables: &mut [Option<Table>; 4]) -> Result<(), CodecError> {
    while let Some((&tc_th, rest)) = body.split_first() {
        let (counts, rest) = rest
            .split_first_chunk::<16>()
            .ok_or_else(|| malformed("DHT segment too short"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let values = rest
            .get(..total)
            .ok_or_else(|| malformed("DHT values run past the segment"))?;
        body = &rest[total..];
        let (class, id) = (tc_th >> 4, usize::from(tc_th & 0x0F));
        if class > 1 || id > 3 {
            return Err(malformed(format!("Huffman table class {class} id {id}")));
        }
        // AC tables (class 1) mean nothing to a lossless scan.
        if class == 0 {
            tables[id] = Some(Table::new(counts, values.to_vec())?);
        }
    }
    Ok(())
}

struct ScanComponent {
    /// Index in the frame (and in each pixel of the image).
    index: usize,
    table: Table,
}

struct Scan {
    components: Vec<ScanComponent>,
    predictor: u8,
    transform: u8,
}

impl Scan {
    fn read(body: &[u8], frame: &Frame, tables: &[Option<Table>; 4]) -> Result<Scan, CodecError> {
        let (&n, rest) = body
            .split_first()
            .ok_or_else(|| malformed("SOS segment too short"))?;
        if n == 0 || usize::from(n) > frame.ids.len() || rest.len() != 2 * usize::from(n) + 3 {
            return Err(malformed("SOS segment does not match its components"));
        }
        let (specs, tail) = rest.split_at(2 * usize::from(n));
        let mut components: Vec<ScanComponent> = Vec::new();
        for c in specs.chunks_exact(2) {
            let index = frame
                .ids
                .iter()
                .position(|&id| id == c[0])
                .ok_or_else(|| malformed("scan names a component not in the frame"))?;
            if components.iter().any(|s| s.index == index) {
                return Err(malformed("scan names a component twice"));
            }
            let table = tables
                .get(usize::from(c[1] >> 4))
                .and_then(|t| t.clone())
                .ok_or_else(|| malformed("scan uses an undefined Huffman table"))?;
            components.push(ScanComponent { index, table });
        }
        let (predictor, se, ah, al) = match tail {
            &[ss, se, a] => (ss, se, a >> 4, a & 0x0F),
            _ => return Err(malformed("SOS segment too short")),
        };
        if !(1..=7).contains(&predictor) {
            return Err(unsupported(format!("selection value {predictor} (1 to 7)")));
        }
        if se != 0 || ah != 0 || al >= frame.precision {
            return Err(malformed("invalid Se, Ah or point transform"));
        }
        Ok(Scan {
            components,
            predictor,
            transform: al,
        })
    }

    /// Decodes the scan into `img`, returning where the next marker starts.
    fn decode(
        &self,
        data: &[u8],
        at: usize,
        frame: &Frame,
        restart: u32,
        img: &mut Image,
    ) -> Result<usize, CodecError> {
        let (w, h) = (usize::from(frame.width), usize::from(frame.height));
        let n = usize::from(img.components);
        let restart = restart as usize;
        // Prediction restarts as on the first line; partial rows would need per-sample rules.
        if restart != 0 && !restart.is_multiple_of(w) {
            return Err(unsupported(
                "restart interval that is not a whole number of lines",
            ));
        }
        let p = u32::from(frame.precision - self.transform);
        let mask = (1u32 << p) - 1;
        let start = 1i32 << (p - 1);
        let mut bits = Bits::new(data, at);
        let mut next_rst = 0u8;
        // Samples before the point transform's shift: the predictors work on these.
        let mut row = vec![0u16; w * n];
        let mut above = vec![0u16; w * n];
        let shift = u32::from(self.transform);
        for y in 0..h {
            let first_line = if restart == 0 {
                y == 0
            } else {
                (y * w) % restart == 0
            };
            if first_line && y > 0 {
                let mut pos = bits.resync();
                while data.get(pos + 1) == Some(&0xFF) {
                    pos += 1; // fill bytes
                }
                match data.get(pos..pos + 2) {
                    Some(&[0xFF, m]) if m == 0xD0 + next_rst => {}
                    _ => return Err(malformed("expected RST marker missing")),
                }
                bits = Bits::new(data, pos + 2);
                next_rst = (next_rst + 1) & 7;
            }
            for x in 0..w {
                for c in &self.components {
                    let diff = bits.difference(&c.table)?;
                    let i = x * n + c.index;
                    let left = |r: &[u16]| i32::from(r.get(i - n).copied().unwrap_or(0));
                    let pred = if x == 0 {
                        if first_line {
                            start
                        } else {
                            i32::from(above.get(i).copied().unwrap_or(0))
                        }
                    } else if first_line {
                        left(&row)
                    } else {
                        let ra = left(&row);
                        let rb = i32::from(above.get(i).copied().unwrap_or(0));
                        let rc = left(&above);
                        match self.predictor {
                            1 => ra,
                            2 => rb,
                            3 => rc,
                            4 => ra + rb - rc,
                            5 => ra + ((rb - rc) >> 1),
                            6 => rb + ((ra - rc) >> 1),
                            _ => (ra + rb) >> 1,
                        }
                    };
                    // Modulo 2^16 (H.1.2.2), then kept within the precision.
                    let v = ((pred + diff) as u32 & 0xFFFF & mask) as u16;
                    if let Some(s) = row.get_mut(i) {
                        *s = v;
                    }
                    if let Some(s) = img.samples.get_mut((y * w + x) * n + c.index) {
                        *s = v << shift;
                    }
                }
            }
            std::mem::swap(&mut row, &mut above);
        }
        Ok(bits.resync())
    }
}

/// Encodes losslessly with first-order prediction (selection value 1, point transform 0) and a
/// Huffman table made for the frame (T.81 K.2), appending a complete SOF3 stream to `out`.
/// Samples above the precision are masked to it; missing samples are coded as 0. Width and
/// height must fit in 16 bits (DICOM Rows and Columns do).
pub fn encode(image: &Image, out: &mut Vec<u8>) {
    let p = image.precision.clamp(2, 16);
    let n = usize::from(image.components.clamp(1, 4));
    let (w, h) = (image.width as usize, image.height as usize);
    let mask = ((1u32 << p) - 1) as u16;
    let sample = |i: usize| image.samples.get(i).copied().unwrap_or(0) & mask;
    let start = 1i32 << (p - 1);
    let predict = |x: usize, y: usize, c: usize| -> i32 {
        match (x, y) {
            (0, 0) => start,
            (0, _) => i32::from(sample(((y - 1) * w) * n + c)),
            _ => i32::from(sample((y * w + x - 1) * n + c)),
        }
    };
    // Differences modulo 2^16 in -32767..=32768 (H.1.2.2), as (category, extra bits).
    let code = |x: usize, y: usize, c: usize| -> (u8, u16) {
        let d = (i32::from(sample((y * w + x) * n + c)) - predict(x, y, c)) & 0xFFFF;
        let d = if d > 32768 { d - 65536 } else { d };
        let cat = (32 - d.unsigned_abs().leading_zeros()) as u8;
        let extra = if d < 0 { d - 1 } else { d };
        (cat, extra as u16)
    };
    let mut freq = [0u32; 17];
    for y in 0..h {
        for x in 0..w {
            for c in 0..n {
                freq[usize::from(code(x, y, c).0)] += 1;
            }
        }
    }
    let lengths = optimal_lengths(&freq);
    let (counts, values, codes) = canonical(&lengths);

    let dim = |v: u32| u16::try_from(v).unwrap_or(u16::MAX).to_be_bytes();
    out.extend_from_slice(&[0xFF, SOI, 0xFF, SOF3]);
    out.extend_from_slice(&(8 + 3 * n as u16).to_be_bytes());
    out.push(p);
    out.extend_from_slice(&dim(image.height));
    out.extend_from_slice(&dim(image.width));
    out.push(n as u8);
    for c in 1..=n as u8 {
        out.extend_from_slice(&[c, 0x11, 0]);
    }
    out.extend_from_slice(&[0xFF, DHT]);
    out.extend_from_slice(&(3 + 16 + values.len() as u16).to_be_bytes());
    out.push(0x00);
    out.extend_from_slice(&counts);
    out.extend_from_slice(&values);
    out.extend_from_slice(&[0xFF, SOS]);
    out.extend_from_slice(&(6 + 2 * n as u16).to_be_bytes());
    out.push(n as u8);
    for c in 1..=n as u8 {
        out.extend_from_slice(&[c, 0x00]);
    }
    out.extend_from_slice(&[1, 0, 0]);

    let mut writer = BitWriter { out, acc: 0, n: 0 };
    for y in 0..h {
        for x in 0..w {
            for c in 0..n {
                let (cat, extra) = code(x, y, c);
                let (len, bits) = codes[usize::from(cat)];
                writer.put(u32::from(bits), u32::from(len));
                if (1..16).contains(&cat) {
                    let cat = u32::from(cat);
                    writer.put(u32::from(extra) & ((1 << cat) - 1), cat);
                }
            }
        }
    }
    writer.flush();
    out.extend_from_slice(&[0xFF, EOI]);
}

struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter<'_> {
    /// Appends the low `len` (at most 16) bits of `bits`, stuffing a zero after each 0xFF.
    fn put(&mut self, bits: u32, len: u32) {
        self.acc = (self.acc << len) | bits;
        self.n += len;
        while self.n >= 8 {
            self.n -= 8;
            let byte = (self.acc >> self.n) as u8;
            self.out.push(byte);
            if byte == 0xFF {
                self.out.push(0);
            }
        }
        self.acc &= (1 << self.n) - 1;
    }

    /// Pads the last byte with one bits (F.1.2.3).
    fn flush(&mut self) {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.put((1 << pad) - 1, pad);
        }
    }
}

/// Code lengths (at most 16) for categories 0..=16, by T.81 K.2: a reserved symbol keeps the
/// all-ones code free, then lengths over 16 are folded back (Figure K.3).
fn optimal_lengths(freq: &[u32; 17]) -> [u8; 17] {
    const N: usize = 18; // 17 categories and the reserved symbol
    let mut f = [0u64; N];
    for (d, &s) in f.iter_mut().zip(freq) {
        *d = u64::from(s);
    }
    f[17] = 1;
    let mut size = [0usize; N];
    let mut others = [usize::MAX; N];
    loop {
        // The two least frequent non-zero entries, the larger index first on ties (K.2).
        let mut v1 = None::<usize>;
        for i in 0..N {
            if f[i] > 0 && v1.is_none_or(|v| f[i] <= f[v]) {
                v1 = Some(i);
            }
        }
        let mut v2 = None::<usize>;
        for i in 0..N {
            if f[i] > 0 && Some(i) != v1 && v2.is_none_or(|v| f[i] <= f[v]) {
                v2 = Some(i);
            }
        }
        let (Some(v1), Some(v2)) = (v1, v2) else {
            break;
        };
        f[v1] += f[v2];
        f[v2] = 0;
        let mut i = v1;
        loop {
            size[i] += 1;
            if others[i] == usize::MAX {
                break;
            }
            i = others[i];
        }
        others[i] = v2;
        let mut i = v2;
        loop {
            size[i] += 1;
            if others[i] == usize::MAX {
                break;
            }
            i = others[i];
        }
    }
    let mut bits = [0u32; 40];
    for &s in &size {
        if s > 0 {
            bits[s.min(39)] += 1;
        }
    }
    // Figure K.3: no code longer than 16 bits.
    let mut i = 39;
    while i > 16 {
        while bits[i] > 0 {
            let mut j = i - 2;
            while bits[j] == 0 {
                j -= 1;
            }
            bits[i] -= 2;
            bits[i - 1] += 1;
            bits[j + 1] += 2;
            bits[j] -= 1;
        }
        i -= 1;
    }
    // Drop the reserved code: it is one of the longest.
    let mut i = 16;
    while i > 0 && bits[i] == 0 {
        i -= 1;
    }
    bits[i] = bits[i].saturating_sub(1);
    // Give the lengths out, shortest to the most frequent symbols (K.2 sorts by size).
    let mut order: Vec<usize> = (0..17).filter(|&s| freq[s] > 0).collect();
    order.sort_by_key(|&s| (size[s], s));
    let mut lengths = [0u8; 17];
    let mut it = order.into_iter();
    for (len, &count) in bits.iter().enumerate().take(17).skip(1) {
        for _ in 0..count {
            if let Some(s) = it.next() {
                lengths[s] = len as u8;
            }
        }
    }
    lengths
}

/// The DHT counts and values and each category's (length, code) from code lengths (Annex C).
fn canonical(lengths: &[u8; 17]) -> ([u8; 16], Vec<u8>, [(u8, u16); 17]) {
    let mut counts = [0u8; 16];
    let mut values = Vec::new();
    let mut codes = [(0u8, 0u16); 17];
    let mut code = 0u32;
    for len in 1..=16u8 {
        for (s, &l) in lengths.iter().enumerate() {
            if l == len {
                counts[usize::from(len - 1)] += 1;
                values.push(s as u8);
                codes[s] = (len, code as u16);
                code += 1;
            }
        }
        code <<= 1;
    }
    (counts, values, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn random_image(rng: &mut Rng) -> Image {
        let width = 1 + rng.below(40) as u32;
        let height = 1 + rng.below(40) as u32;
        let components = [1u8, 3, 2, 4][rng.below(4) as usize];
        let precision = 2 + rng.below(15) as u8;
        let max = (1u64 << precision) - 1;
        let smooth = rng.below(2) == 0;
        let n = (width * height) as usize * usize::from(components);
        let mut samples = Vec::with_capacity(n);
        let mut v = rng.below(max + 1);
        for _ in 0..n {
            v = if smooth {
                (v + rng.below(5)).saturating_sub(2).min(max)
            } else {
                // Extremes too, for the categories 15 and 16.
                [0, max, rng.below(max + 1)][rng.below(3) as usize]
            };
            samples.push(v as u16);
        }
        Image {
            width,
            height,
            components,
            precision,
            samples,
        }
    }

    #[test]
    fn round_trips_random_sizes_and_precisions() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..400 {
            let image = random_image(&mut rng);
            let mut out = Vec::new();
            encode(&image, &mut out);
            assert_eq!(decode(&out, u64::MAX).as_ref(), Ok(&image));
        }
    }

    #[test]
    fn category_16_round_trips() {
        // 0 then 32768 then 0: differences of +32768 (category 16) and -32768 ≡ +32768.
        let image = Image {
            width: 4,
            height: 2,
            components: 1,
            precision: 16,
            samples: vec![0, 32768, 0, 65535, 32768, 0, 65535, 1],
        };
        let mut out = Vec::new();
        encode(&image, &mut out);
        assert_eq!(decode(&out, 8), Ok(image));
        assert!(matches!(decode(&out, 7), Err(CodecError::Unsupported(_))));
    }

    #[test]
    fn lengths_fit_16_bits_for_skewed_frequencies() {
        let mut freq = [0u32; 17];
        for (i, f) in freq.iter_mut().enumerate() {
            *f = 1 << i.min(30);
        }
        let lengths = optimal_lengths(&freq);
        assert!(lengths.iter().all(|&l| (1..=16).contains(&l)));
        let kraft: f64 = lengths.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!(kraft < 1.0, "the all-ones code stays free");
        // One symbol alone still gets a code.
        let mut one = [0u32; 17];
        one[0] = 10;
        assert_eq!(optimal_lengths(&one)[0], 1);
    }

    #[test]
    fn mutated_streams_never_panic() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut streams = Vec::new();
        for _ in 0..20 {
            let mut out = Vec::new();
            encode(&random_image(&mut rng), &mut out);
            streams.push(out);
        }
        let started = std::time::Instant::now();
        for i in 0..5000 {
            let mut s = streams[i % streams.len()].clone();
            match rng.below(4) {
                0 => s.truncate(rng.below(s.len() as u64) as usize),
                _ => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(s.len() as u64) as usize;
                        s[at] = rng.next() as u8;
                    }
                }
            }
            let _ = decode(&s, 1 << 16);
        }
        assert!(started.elapsed().as_secs() < 30);
    }

    #[test]
    fn truncated_and_foreign_streams_are_malformed() {
        let image = Image {
            width: 3,
            height: 3,
            components: 1,
            precision: 8,
            samples: (0..9).map(|v| v * 20).collect(),
        };
        let mut out = Vec::new();
        encode(&image, &mut out);
        for len in 0..out.len() - 2 {
            assert!(
                matches!(decode(&out[..len], 100), Err(CodecError::Malformed(_))),
                "{len}"
            );
        }
        // A baseline (SOF0) frame is valid JPEG but not this codec's.
        let mut sof0 = out.clone();
        sof0[3] = 0xC0;
        assert!(matches!(
            decode(&sof0, 100),
            Err(CodecError::Unsupported(_))
        ));
        // A pad byte after EOI is accepted, and so is junk (ignored, as DCMTK and GDCM do).
        out.push(0);
        assert_eq!(decode(&out, 100), Ok(image.clone()));
        out.extend_from_slice(b"DOE^JANE\xFF\xD8");
        assert_eq!(decode(&out, 100), Ok(image));
    }
}
