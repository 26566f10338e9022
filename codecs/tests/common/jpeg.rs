//! JPEG (baseline, extended 8-bit) frames: encoded by DCMTK's `dcmcjpeg` or by hand (at the
//! coefficient level, for the variants DCMTK does not write), taken out of and put back into
//! the encapsulated Pixel Data, and decoded by DCMTK's `dcmdjpeg`.

use super::{element, pixel_value};
use test_tools::run as dcmtk;

pub const BASELINE: &str = "1.2.840.10008.1.2.4.50";
pub const EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// The frames of an encapsulated file with one fragment per frame (the offset table skipped).
pub fn frames(file: &[u8]) -> Vec<Vec<u8>> {
    let value = &file[pixel_value(file)];
    let mut at = 0;
    let mut out = Vec::new();
    while value[at..at + 4] == [0xFE, 0xFF, 0x00, 0xE0] {
        let len = u32::from_le_bytes(value[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push(value[at + 8..at + 8 + len].to_vec());
        at += 8 + len;
    }
    out.remove(0);
    out
}

/// The file with these frames as its fragments (an empty offset table), each padded even.
pub fn with_frames(file: &[u8], frames: &[Vec<u8>]) -> Vec<u8> {
    let at = pixel_value(file).start;
    let mut out = file[..at].to_vec();
    out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
    for f in frames {
        let len = f.len() + f.len() % 2;
        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(f);
        if f.len() % 2 == 1 {
            out.push(0);
        }
    }
    out.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    out
}

pub fn dcmcjpeg(native: &[u8], args: &[&str]) -> Vec<u8> {
    dcmtk("dcmcjpeg", args, native)
}

/// Decoded by `dcmdjpeg` without colour conversion (`+cn`): the samples in the JPEG's own colour
/// space, pixel-interleaved, frame after frame, and the Photometric Interpretation.
pub fn dcmdjpeg(file: &[u8]) -> (Vec<u8>, String) {
    let decoded = dcmtk("dcmdjpeg", &["+cn"], file);
    let raw = decoded[pixel_value(&decoded)].to_vec();
    let num = |elem| {
        element(&decoded, 0x0028, elem, b"US")
            .map(|v| usize::from(u16::from_le_bytes([v[0], v[1]])))
    };
    let photometric = element(&decoded, 0x0028, 0x0004, b"CS")
        .map(|v| String::from_utf8_lossy(v).trim_end().to_string())
        .unwrap_or_default();
    let spp = num(0x0002).unwrap_or(1);
    if spp == 1 || num(0x0006) != Some(1) {
        return (raw, photometric);
    }
    let px = num(0x0010).unwrap() * num(0x0011).unwrap();
    let mut out = Vec::with_capacity(raw.len());
    for frame in raw.chunks(px * spp) {
        for p in 0..px {
            for s in 0..spp {
                out.push(frame[s * px + p]);
            }
        }
    }
    (out, photometric)
}

/// A Huffman table: code counts by length (1..=16) and symbols.
#[derive(Clone)]
pub struct Table {
    pub counts: [u8; 16],
    pub symbols: Vec<u8>,
}

impl Table {
    /// T.81 Table K.3: luminance DC.
    pub fn dc() -> Table {
        Table {
            counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
            symbols: (0..12).collect(),
        }
    }

    /// T.81 Table K.5: luminance AC.
    pub fn ac() -> Table {
        let symbols = vec![
            0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51,
            0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1,
            0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18,
            0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
            0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57,
            0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
            0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92,
            0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
            0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
            0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
            0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2,
            0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
        ];
        assert_eq!(symbols.len(), 162);
        Table {
            counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
            symbols,
        }
    }

    /// (code, length) of each symbol, T.81 Annex C.
    fn codes(&self) -> Vec<Option<(u32, u32)>> {
        let mut out = vec![None; 256];
        let (mut code, mut k) = (0u32, 0);
        for len in 1..=16 {
            for _ in 0..self.counts[len - 1] {
                out[self.symbols[k] as usize] = Some((code, len as u32));
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        out
    }
}

/// A component of a hand-made frame.
#[derive(Clone)]
pub struct Comp {
    pub h: u8,
    pub v: u8,
    /// The DC quantiser (every AC one is 1).
    pub q: u8,
    pub dc: Table,
    pub ac: Table,
}

/// A hand-made baseline frame: every block's coefficients (zigzag order, quantised) come from
/// `coef(component, block column, block row)`.
pub struct Handmade {
    pub width: u16,
    pub height: u16,
    pub comps: Vec<Comp>,
    pub restart: u16,
    /// One scan per component rather than one interleaved scan.
    pub separate_scans: bool,
    /// Segments written after SOI (APPn, COM), whole.
    pub extra: Vec<Vec<u8>>,
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.acc = self.acc << 1 | u64::from(v >> i & 1);
            self.n += 1;
            if self.n == 8 {
                let b = self.acc as u8;
                self.out.push(b);
                if b == 0xFF {
                    self.out.push(0);
                }
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    fn flush(&mut self) {
        while self.n != 0 {
            self.put(1, 1);
        }
    }
}

fn magnitude(v: i32) -> (u32, u32) {
    let s = 32 - v.unsigned_abs().leading_zeros();
    let bits = if v < 0 { (v - 1) as u32 } else { v as u32 };
    (s, bits & ((1u32 << s) - 1))
}

impl Handmade {
    pub fn encode(&self, coef: impl Fn(usize, usize, usize) -> [i32; 64]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        self.extra.iter().for_each(|s| out.extend_from_slice(s));
        for (i, c) in self.comps.iter().enumerate() {
            let mut q = vec![i as u8, c.q];
            q.extend_from_slice(&[1; 63]);
            out.extend(segment(0xDB, &q));
            for (class, t) in [(0u8, &c.dc), (1, &c.ac)] {
                let mut b = vec![class << 4 | i as u8];
                b.extend_from_slice(&t.counts);
                b.extend_from_slice(&t.symbols);
                out.extend(segment(0xC4, &b));
            }
        }
        let mut sof = vec![8];
        sof.extend_from_slice(&self.height.to_be_bytes());
        sof.extend_from_slice(&self.width.to_be_bytes());
        sof.push(self.comps.len() as u8);
        for (i, c) in self.comps.iter().enumerate() {
            sof.extend_from_slice(&[i as u8 + 1, c.h << 4 | c.v, i as u8]);
        }
        out.extend(segment(0xC0, &sof));
        if self.restart > 0 {
            out.extend(segment(0xDD, &self.restart.to_be_bytes()));
        }
        let scans: Vec<Vec<usize>> = match self.separate_scans {
            true => (0..self.comps.len()).map(|c| vec![c]).collect(),
            false => vec![(0..self.comps.len()).collect()],
        };
        let hmax = self.comps.iter().map(|c| c.h as usize).max().unwrap();
        let vmax = self.comps.iter().map(|c| c.v as usize).max().unwrap();
        let (w, h) = (self.width as usize, self.height as usize);
        for scan in scans {
            let mut sos = vec![scan.len() as u8];
            for &c in &scan {
                sos.extend_from_slice(&[c as u8 + 1, (c as u8) << 4 | c as u8]);
            }
            sos.extend_from_slice(&[0, 63, 0]);
            out.extend(segment(0xDA, &sos));
            // MCUs: (component, block column, block row) of each.
            let mut mcus: Vec<Vec<(usize, usize, usize)>> = Vec::new();
            if let [c] = scan[..] {
                let cw = (w * self.comps[c].h as usize).div_ceil(hmax);
                let ch = (h * self.comps[c].v as usize).div_ceil(vmax);
                for by in 0..ch.div_ceil(8) {
                    for bx in 0..cw.div_ceil(8) {
                        mcus.push(vec![(c, bx, by)]);
                    }
                }
            } else {
                for my in 0..h.div_ceil(8 * vmax) {
                    for mx in 0..w.div_ceil(8 * hmax) {
                        let mut m = Vec::new();
                        for &c in &scan {
                            let (ch, cv) = (self.comps[c].h as usize, self.comps[c].v as usize);
                            for y in 0..cv {
                                for x in 0..ch {
                                    m.push((c, mx * ch + x, my * cv + y));
                                }
                            }
                        }
                        mcus.push(m);
                    }
                }
            }
            let codes: Vec<_> = self
                .comps
                .iter()
                .map(|c| (c.dc.codes(), c.ac.codes()))
                .collect();
            let mut bits = Bits {
                out: Vec::new(),
                acc: 0,
                n: 0,
            };
            let mut pred = [0i32; 4];
            let interval = match self.restart {
                0 => usize::MAX,
                r => r as usize,
            };
            for (m, mcu) in mcus.iter().enumerate() {
                if m > 0 && m % interval == 0 {
                    bits.flush();
                    bits.out
                        .extend_from_slice(&[0xFF, 0xD0 + ((m / interval - 1) % 8) as u8]);
                    pred = [0; 4];
                }
                for &(c, bx, by) in mcu {
                    let k = coef(c, bx, by);
                    let (dc, ac) = &codes[c];
                    let (s, v) = magnitude(k[0] - pred[c]);
                    pred[c] = k[0];
                    let (code, len) = dc[s as usize].expect("DC category in the table");
                    bits.put(code, len);
                    bits.put(v, s);
                    let mut run = 0;
                    let last = (1..64).rev().find(|&i| k[i] != 0).unwrap_or(0);
                    for &x in &k[1..=last] {
                        if x == 0 {
                            run += 1;
                            continue;
                        }
                        while run > 15 {
                            let (code, len) = ac[0xF0].expect("ZRL");
                            bits.put(code, len);
                            run -= 16;
                        }
                        let (s, v) = magnitude(x);
                        let (code, len) = ac[(run << 4 | s) as usize].expect("AC symbol");
                        bits.put(code, len);
                        bits.put(v, s);
                        run = 0;
                    }
                    if last < 63 {
                        let (code, len) = ac[0].expect("EOB");
                        bits.put(code, len);
                    }
                }
            }
            bits.flush();
            out.extend(bits.out);
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }
}

/// A component of the default tables, sampled (h, v), quantised by `q`.
pub fn comp(h: u8, v: u8, q: u8) -> Comp {
    Comp {
        h,
        v,
        q,
        dc: Table::dc(),
        ac: Table::ac(),
    }
}

/// 100×48 4:2:0, like the frame fuzzing found (7×3 MCUs), restarting every MCU row. Chroma DCs
/// climb 20 a block along each row, so its DC tables need only categories 0 and 5 (`dc`): a
/// blanked run's differences into and out of the fill are categories the table lacks.
pub fn climbing_chroma(dc: &Table) -> Vec<u8> {
    let chroma = |q| Comp {
        h: 1,
        v: 1,
        q,
        dc: dc.clone(),
        ac: Table::ac(),
    };
    Handmade {
        width: 100,
        height: 48,
        comps: vec![comp(2, 2, 4), chroma(3), chroma(3)],
        restart: 7,
        separate_scans: false,
        extra: vec![],
    }
    .encode(|c, bx, by| {
        let mut k = [0i32; 64];
        k[0] = match c {
            0 => (bx % 4) as i32 * 8 - 12 + (by % 2) as i32,
            _ => 20 * bx as i32,
        };
        k[1] = 2 + c as i32;
        k[5] = -1;
        k
    })
}

/// A 40×24 grey frame whose DC differences are −1, 0 and 1, coded with DC table `dc`, for each
/// of two tables: "sparse" (categories 0..=2 in 2 bits, room for the fill's category) and "full"
/// (categories 0 and 1 in one bit each: no room, so blanked blocks go flat at their average,
/// the last element `true`).
pub fn small_dc_frames() -> [(&'static str, Vec<u8>, bool); 2] {
    let sparse = Table {
        counts: [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        symbols: vec![0, 1, 2],
    };
    let full = Table {
        counts: [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        symbols: vec![0, 1],
    };
    let frame = |dc: Table| {
        Handmade {
            width: 40,
            height: 24,
            comps: vec![Comp {
                h: 1,
                v: 1,
                q: 2,
                dc,
                ac: Table::ac(),
            }],
            restart: 0,
            separate_scans: false,
            extra: vec![],
        }
        .encode(|_, bx, by| {
            let mut k = [0i32; 64];
            k[0] = ((bx + by) % 2) as i32;
            k[1] = 2;
            k
        })
    };
    [
        ("sparse", frame(sparse), false),
        ("full", frame(full), true),
    ]
}
