//! One decoded frame's stored samples to 8-bit RGBA for display: the grey pipeline of PS3.3
//! C.11 (Modality LUT as Rescale Slope/Intercept, then the first VOI window, else the frame's
//! own range), MONOCHROME1 inverted, YBR to RGB, palette colour through its LUTs; then an
//! area-average downscale. What a person reviews before upload, not a diagnostic display.

use pixel_codecs::Image;

/// How stored samples are seen: everything the display pipeline reads from the attributes.
#[derive(Debug, Clone)]
pub(super) struct Look {
    pub photometric: Photometric,
    /// Bits Stored, and whether the samples are two's complement in them.
    pub stored: u32,
    pub signed: bool,
    pub slope: f64,
    pub intercept: f64,
    /// The first Window Center and Width, and the VOI LUT Function.
    pub window: Option<Window>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub center: f64,
    pub width: f64,
    pub function: VoiFunction,
}

/// VOI LUT Function (0028,1056); LINEAR when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VoiFunction {
    Linear,
    LinearExact,
    Sigmoid,
}

#[derive(Debug, Clone)]
pub(super) enum Photometric {
    /// MONOCHROME1 (`inverted`: the minimum is white) and MONOCHROME2.
    Grey {
        inverted: bool,
    },
    /// RGB, and what the decoders give as RGB (YBR_RCT, YBR_ICT after JPEG 2000's inverse
    /// component transform).
    Rgb,
    /// YBR_FULL (and YBR_FULL_422 once its chroma is repeated for both pixels of a pair).
    Ybr,
    Palette(Box<Palette>),
}

/// PALETTE COLOR lookup tables (PS3.3 C.7.6.3.1.5): red, green and blue, each of the same
/// descriptor, their entries already scaled to 8 bits.
#[derive(Debug, Clone)]
pub(super) struct Palette {
    /// The stored value mapped to the first entry.
    pub first: i64,
    pub entries: [Vec<u8>; 3],
}

impl Look {
    /// A stored sample as its value: the bits above Bits Stored dropped, sign-extended.
    fn value(&self, s: u16) -> i64 {
        let s = i64::from(s) & ((1i64 << self.stored) - 1);
        match self.signed && s >> (self.stored - 1) & 1 == 1 {
            true => s - (1i64 << self.stored),
            false => s,
        }
    }

    /// Renders `image` (whose samples are as stored) to RGBA.
    pub(super) fn rgba(&self, image: &Image) -> Vec<u8> {
        let pixels = image.width as usize * image.height as usize;
        let mut out = Vec::with_capacity(pixels * 4);
        match &self.photometric {
            Photometric::Grey { inverted } => {
                let modality = |s: u16| self.value(s) as f64 * self.slope + self.intercept;
                let grey = self.grey_map(image.samples.iter().map(|&s| modality(s)));
                for &s in &image.samples[..pixels] {
                    let g = grey(modality(s));
                    let g = if *inverted { 255 - g } else { g };
                    out.extend_from_slice(&[g, g, g, 255]);
                }
            }
            Photometric::Rgb => {
                let shift = self.stored.saturating_sub(8);
                let eight = |s: u16| (self.value(s).max(0) >> shift).min(255) as u8;
                for px in image.samples.chunks_exact(3) {
                    out.extend_from_slice(&[eight(px[0]), eight(px[1]), eight(px[2]), 255]);
                }
            }
            Photometric::Ybr => {
                let shift = self.stored.saturating_sub(8);
                let eight = |s: u16| (self.value(s).max(0) >> shift).min(255) as f64;
                for px in image.samples.chunks_exact(3) {
                    let [r, g, b] = ybr_to_rgb(eight(px[0]), eight(px[1]), eight(px[2]));
                    out.extend_from_slice(&[r, g, b, 255]);
                }
            }
            Photometric::Palette(p) => {
                let last = p.entries[0].len() as i64 - 1;
                for &s in &image.samples[..pixels] {
                    let i = (self.value(s) - p.first).clamp(0, last) as usize;
                    out.extend_from_slice(&[
                        p.entries[0][i],
                        p.entries[1][i],
                        p.entries[2][i],
                        255,
                    ]);
                }
            }
        }
        out
    }

    /// The VOI stage, to 0..=255: the window's function, or the frame's own range stretched
    /// linearly when there is no (usable) window.
    fn grey_map(&self, values: impl Iterator<Item = f64>) -> impl Fn(f64) -> u8 {
        let window = self
            .window
            .filter(|w| w.width >= 1.0 || w.function != VoiFunction::Linear);
        let window = window.filter(|w| w.width > 0.0);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        if window.is_none() {
            for v in values {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        move |x: f64| {
            let y = match window {
                // PS3.3 C.11.2.1.2.1, with y_min 0 and y_max 255.
                Some(Window {
                    center: c,
                    width: w,
                    function: VoiFunction::Linear,
                }) => {
                    if x <= c - 0.5 - (w - 1.0) / 2.0 {
                        0.0
                    } else if x > c - 0.5 + (w - 1.0) / 2.0 {
                        255.0
                    } else {
                        ((x - (c - 0.5)) / (w - 1.0) + 0.5) * 255.0
                    }
                }
                // C.11.2.1.3.2.
                Some(Window {
                    center: c,
                    width: w,
                    function: VoiFunction::LinearExact,
                }) => {
                    if x <= c - w / 2.0 {
                        0.0
                    } else if x > c + w / 2.0 {
                        255.0
                    } else {
                        ((x - c) / w + 0.5) * 255.0
                    }
                }
                // C.11.2.1.3.1.
                Some(Window {
                    center: c,
                    width: w,
                    function: VoiFunction::Sigmoid,
                }) => 255.0 / (1.0 + (-4.0 * (x - c) / w).exp()),
                None if hi > lo => (x - lo) / (hi - lo) * 255.0,
                None => 0.0,
            };
            y.round().clamp(0.0, 255.0) as u8
        }
    }
}

/// YBR_FULL to RGB (PS3.3 C.7.6.3.1.2, the inverse of its ITU-R BT.601 full-range matrix).
fn ybr_to_rgb(y: f64, cb: f64, cr: f64) -> [u8; 3] {
    let (cb, cr) = (cb - 128.0, cr - 128.0);
    let r = y + 1.402 * cr;
    let g = y - 0.114 * 1.772 / 0.587 * cb - 0.299 * 1.402 / 0.587 * cr;
    let b = y + 1.772 * cb;
    [r, g, b].map(|v| v.round().clamp(0.0, 255.0) as u8)
}

/// The size an image of `width`×`height` takes to fit `max` pixels on its long side (never
/// larger than it is, never zero).
pub(super) fn fitted(width: u32, height: u32, max: Option<u32>) -> (u32, u32) {
    let long = width.max(height);
    match max {
        Some(m) if m > 0 && long > m => {
            let scale = |v: u32| {
                ((u64::from(v) * u64::from(m) + u64::from(long) / 2) / u64::from(long)).max(1)
                    as u32
            };
            (scale(width), scale(height))
        }
        _ => (width, height),
    }
}

/// Area-average downscale of RGBA: each output pixel is the mean of the source pixels whose
/// centres fall in its footprint (every source pixel counts once), so fine detail such as
/// burned-in text greys out rather than flickering as nearest-neighbour would.
pub(super) fn downscale(rgba: &[u8], width: u32, height: u32, to: (u32, u32)) -> Vec<u8> {
    if (width, height) == to {
        return rgba.to_vec();
    }
    let (w, h) = (width as usize, height as usize);
    let (tw, th) = (to.0 as usize, to.1 as usize);
    // Source column ranges of each output column, and row ranges of each output row.
    let spans = |n: usize, t: usize| -> Vec<(usize, usize)> {
        (0..t)
            .map(|i| (i * n / t, ((i + 1) * n / t).max(i * n / t + 1)))
            .collect()
    };
    let (xs, ys) = (spans(w, tw), spans(h, th));
    let mut out = Vec::with_capacity(tw * th * 4);
    let mut sums = vec![0u64; tw * 4];
    for &(y0, y1) in &ys {
        sums.fill(0);
        for y in y0..y1 {
            let row = &rgba[y * w * 4..(y + 1) * w * 4];
            for (i, &(x0, x1)) in xs.iter().enumerate() {
                for px in row[x0 * 4..x1 * 4].chunks_exact(4) {
                    for c in 0..4 {
                        sums[i * 4 + c] += u64::from(px[c]);
                    }
                }
            }
        }
        for (i, &(x0, x1)) in xs.iter().enumerate() {
            let n = ((x1 - x0) * (y1 - y0)) as u64;
            for c in 0..4 {
                out.push(((sums[i * 4 + c] + n / 2) / n) as u8);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(samples: Vec<u16>, look: Look) -> Vec<u8> {
        let image = Image {
            width: samples.len() as u32,
            height: 1,
            components: 1,
            precision: 16,
            samples,
        };
        look.rgba(&image).chunks(4).map(|p| p[0]).collect()
    }

    fn look(window: Option<Window>) -> Look {
        Look {
            photometric: Photometric::Grey { inverted: false },
            stored: 12,
            signed: true,
            slope: 1.0,
            intercept: -1024.0,
            window,
        }
    }

    #[test]
    fn linear_window_follows_the_standard_formula() {
        let w = Window {
            center: 40.0,
            width: 400.0,
            function: VoiFunction::Linear,
        };
        // Stored 1024 + x → x HU; 12-bit two's complement: 0xFFF is -1 → -1025 HU.
        let out = grey(
            vec![1024 - 160, 1024 + 40, 1024 + 240, 0xFFF],
            look(Some(w)),
        );
        assert_eq!(out, vec![0, 128, 255, 0]);
    }

    #[test]
    fn without_a_window_the_frame_range_is_stretched_and_monochrome1_inverts() {
        let mut l = look(None);
        l.photometric = Photometric::Grey { inverted: true };
        assert_eq!(grey(vec![10, 20, 30], l), vec![255, 127, 0]);
    }

    #[test]
    fn area_average_keeps_the_mean() {
        // 4×2 → 2×1: each output pixel averages a 2×2 block.
        let rgba: Vec<u8> = [0u8, 100, 200, 50, 10, 110, 210, 60]
            .iter()
            .flat_map(|&v| [v, v, v, 255])
            .collect();
        let out = downscale(&rgba, 4, 2, fitted(4, 2, Some(2)));
        assert_eq!(out, vec![55, 55, 55, 255, 130, 130, 130, 255]);
    }
}
