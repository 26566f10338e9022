//! A decoded frame: what the codecs that cannot blank in the coded domain (JPEG Lossless,
//! JPEG-LS, JPEG 2000) decode to, blank, and encode from. One frame at a time.

/// One frame's samples, row by row, pixel-interleaved (the components of a pixel side by side),
/// whatever the interleaving of the coded stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// Components (samples per pixel): 1 to 4.
    pub components: u8,
    /// Bits per sample as coded (the JPEG precision, 2 to 16).
    pub precision: u8,
    /// `width × height × components` samples.
    pub samples: Vec<u16>,
}

impl Image {
    /// Sets every sample of every pixel in the regions to that component's fill (black).
    pub(crate) fn blank(&mut self, regions: &[Clip], fills: &[u16]) {
        let (cols, n) = (self.width as usize, self.components as usize);
        blank_rows(&mut self.samples, 0, cols, n, regions, fills);
    }
}

/// Blanks the regions in `rows`: whole rows of `cols` pixels of `n` samples, pixel-interleaved,
/// the first of them row `y0` of the image (a stripe of it).
pub(crate) fn blank_rows(
    rows: &mut [u16],
    y0: u64,
    cols: usize,
    n: usize,
    regions: &[Clip],
    fills: &[u16],
) {
    let height = (rows.len() / (cols * n).max(1)) as u64;
    for r in regions {
        for y in r.y0.max(y0)..r.y1.min(y0 + height) {
            let at = (y - y0) as usize * cols;
            let row = &mut rows[(at + r.x0 as usize) * n..(at + r.x1 as usize) * n];
            for px in row.chunks_exact_mut(n) {
                px.copy_from_slice(&fills[..n]);
            }
        }
    }
}

/// Why a frame could not be decoded or blanked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// The coded data is broken: not what its transfer syntax says (`read.bad_…`).
    Malformed(String),
    /// Well-formed, but a variant this build does not handle (`pixel.unsupported`).
    Unsupported(String),
}

/// A region clipped to the image, in pixels: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    pub x0: u64,
    pub x1: u64,
    pub y0: u64,
    pub y1: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_sets_every_component_of_the_pixels_inside_only() {
        let mut image = Image {
            width: 4,
            height: 3,
            components: 3,
            precision: 8,
            samples: vec![9; 36],
        };
        let clip = Clip {
            x0: 1,
            x1: 3,
            y0: 1,
            y1: 2,
        };
        image.blank(&[clip], &[0, 128, 128]);
        for (i, px) in image.samples.chunks(3).enumerate() {
            let inside = i / 4 == 1 && (1..3).contains(&(i % 4));
            assert_eq!(px, if inside { &[0, 128, 128] } else { &[9, 9, 9] }, "{i}");
        }
    }
}
