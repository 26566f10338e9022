//! The MQ arithmetic decoder (Annex C) and the raw bit reader of the arithmetic-coding bypass.

/// Qe, next index after an MPS, next index after an LPS, whether an LPS switches the MPS.
#[rustfmt::skip]
const QE: [(u32, u8, u8, bool); 47] = [
    (0x5601, 1, 1, true), (0x3401, 2, 6, false), (0x1801, 3, 9, false), (0x0AC1, 4, 12, false),
    (0x0521, 5, 29, false), (0x0221, 38, 33, false), (0x5601, 7, 6, true), (0x5401, 8, 14, false),
    (0x4801, 9, 14, false), (0x3801, 10, 14, false), (0x3001, 11, 17, false), (0x2401, 12, 18, false),
    (0x1C01, 13, 20, false), (0x1601, 29, 21, false), (0x5601, 15, 14, true), (0x5401, 16, 14, false),
    (0x5101, 17, 15, false), (0x4801, 18, 16, false), (0x3801, 19, 17, false), (0x3401, 20, 18, false),
    (0x3001, 21, 19, false), (0x2801, 22, 19, false), (0x2401, 23, 20, false), (0x2201, 24, 21, false),
    (0x1C01, 25, 22, false), (0x1801, 26, 23, false), (0x1601, 27, 24, false), (0x1401, 28, 25, false),
    (0x1201, 29, 26, false), (0x1101, 30, 27, false), (0x0AC1, 31, 28, false), (0x09C1, 32, 29, false),
    (0x08A1, 33, 30, false), (0x0521, 34, 31, false), (0x0441, 35, 32, false), (0x02A1, 36, 33, false),
    (0x0221, 37, 34, false), (0x0141, 38, 35, false), (0x0111, 39, 36, false), (0x0085, 40, 37, false),
    (0x0049, 41, 38, false), (0x0025, 42, 39, false), (0x0015, 43, 40, false), (0x0009, 44, 41, false),
    (0x0005, 45, 42, false), (0x0001, 45, 43, false), (0x5601, 46, 46, false),
];

/// One word per state (`index << 1 | mps`): Qe in the low 16 bits, the next state after an
/// MPS in bits 16..24, after an LPS in bits 24..32. One load per decision.
const fn table() -> [u32; 128] {
    let mut t = [0u32; 128];
    let mut i = 0;
    while i < 47 {
        let (qe, nm, nl, sw) = QE[i];
        let mut mps = 0;
        while mps < 2 {
            let lps_mps = if sw { 1 - mps } else { mps };
            t[i * 2 + mps] =
                qe | (nm as u32 * 2 + mps as u32) << 16 | (nl as u32 * 2 + lps_mps as u32) << 24;
            mps += 1;
        }
        i += 1;
    }
    t
}

static T: [u32; 128] = table();

/// Context states of the 19 Tier-1 contexts (32 so that a masked index needs no check).
pub type Contexts = [u8; 32];

/// The initial states (Table D.7): uniform 46, run-length 3, all-zero neighbourhood 4.
pub fn initial_contexts() -> Contexts {
    let mut c = [0u8; 32];
    c[0] = 4 << 1;
    c[17] = 3 << 1;
    c[18] = 46 << 1;
    c
}

#[derive(Clone)]
pub struct Mq<'a> {
    data: &'a [u8],
    pos: usize,
    c: u32,
    a: u32,
    ct: u32,
}

impl<'a> Mq<'a> {
    /// INITDEC (C.3.5). Bytes past the end read as 0xFF, which acts as a marker: the decoder
    /// then feeds 1 bits, as the standard's end of segment does.
    pub fn new(data: &'a [u8]) -> Self {
        let mut m = Mq {
            data,
            pos: 0,
            c: u32::from(data.first().copied().unwrap_or(0xFF)) << 16,
            a: 0x8000,
            ct: 0,
        };
        m.byte_in();
        m.c <<= 7;
        m.ct = m.ct.saturating_sub(7);
        m
    }

    #[inline(always)]
    fn byte_in(&mut self) {
        let b = self.data.get(self.pos).copied().unwrap_or(0xFF);
        if b == 0xFF {
            let b1 = self.data.get(self.pos + 1).copied().unwrap_or(0xFF);
            if b1 > 0x8F {
                self.c = self.c.wrapping_add(0xFF00);
                self.ct = 8;
            } else {
                self.pos += 1;
                self.c = self.c.wrapping_add(u32::from(b1) << 9);
                self.ct = 7;
            }
        } else {
            self.pos += 1;
            let nb = self.data.get(self.pos).copied().unwrap_or(0xFF);
            self.c = self.c.wrapping_add(u32::from(nb) << 8);
            self.ct = 8;
        }
    }

    /// RENORMD: shifts A back to 0x8000 or more, all the bits up to the next byte at once.
    #[inline(always)]
    fn renorm(&mut self) {
        let mut shift = self.a.leading_zeros().saturating_sub(16);
        while shift > 0 {
            if self.ct == 0 {
                self.byte_in();
            }
            let k = shift.min(self.ct);
            self.a <<= k;
            self.c <<= k;
            self.ct -= k;
            shift -= k;
        }
    }

    /// DECODE (C.3.2) with the context state `cx`.
    #[inline(always)]
    pub fn decode(&mut self, cx: &mut u8) -> u32 {
        let e = T[usize::from(*cx) & 127];
        let qe = e & 0xFFFF;
        let (nmps, nlps) = ((e >> 16) as u8, (e >> 24) as u8);
        let mps = u32::from(*cx & 1);
        self.a -= qe;
        if (self.c >> 16) < qe {
            // LPS_EXCHANGE
            let d = if self.a < qe {
                *cx = nmps;
                mps
            } else {
                *cx = nlps;
                1 - mps
            };
            self.a = qe;
            self.renorm();
            d
        } else {
            self.c -= qe << 16;
            if self.a & 0x8000 == 0 {
                // MPS_EXCHANGE
                let d = if self.a < qe {
                    *cx = nlps;
                    1 - mps
                } else {
                    *cx = nmps;
                    mps
                };
                self.renorm();
                d
            } else {
                mps
            }
        }
    }
}

/// The raw (bypass) segments: bits MSB first, a 0 bit stuffed after each 0xFF.
#[derive(Clone)]
pub struct Raw<'a> {
    data: &'a [u8],
    pos: usize,
    c: u32,
    ct: u32,
}

impl<'a> Raw<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Raw {
            data,
            pos: 0,
            c: 0,
            ct: 0,
        }
    }

    #[inline(always)]
    pub fn bit(&mut self) -> u32 {
        if self.ct == 0 {
            let b = self.data.get(self.pos).copied().unwrap_or(0xFF);
            if self.c == 0xFF {
                if b > 0x8F {
                    self.c = 0xFF;
                    self.ct = 8;
                } else {
                    self.c = u32::from(b);
                    self.pos += 1;
                    self.ct = 7;
                }
            } else {
                self.c = u32::from(b);
                self.pos += 1;
                self.ct = 8;
            }
        }
        self.ct -= 1;
        (self.c >> self.ct) & 1
    }
}
