//! Resource limits checked before anything is allocated from a declared length.

use serde::{Deserialize, Serialize};

/// Bounds on what one input may make the sanitizer do. Exceeding any gives a `limit.*` error
/// and no output. The defaults are sized for a 128 MB edge-worker isolate, where the one-shot
/// API holds the input, the parsed object and the output at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Limits {
    /// Largest input accepted, in bytes. Default 32 MiB.
    pub max_input_bytes: u64,
    /// Largest value of any one element other than Pixel Data, in bytes. Default 16 MiB.
    pub max_element_bytes: u64,
    /// Deepest nesting of sequences. Default 32.
    pub max_depth: u32,
    /// Most data elements in the whole file, counting those in sequence items. Default 200,000.
    pub max_elements: u64,
    /// Largest original Pixel Data value enclosed in the Encrypted Attributes
    /// ([`enclose_pixels`](crate::Settings::enclose_pixels)), in bytes. Default 64 MiB. The
    /// Encrypted Attributes come before Pixel Data, so the original is held whole until the
    /// header is written (beside its content, ciphertext and envelope in turn: three times
    /// this at the peak); a larger one is refused (`limit.enclosed_pixels`) rather than held.
    pub max_enclosed_pixel_bytes: u64,
}

impl Limits {
    /// For bytes this code wrote itself (the output, a file under verification): only the
    /// structure is checked, not the size.
    pub(crate) const STRUCTURE_ONLY: Limits = Limits {
        max_input_bytes: u64::MAX,
        max_element_bytes: u64::MAX,
        max_depth: 256,
        max_elements: u64::MAX,
        max_enclosed_pixel_bytes: u64::MAX,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 32 << 20,
            max_element_bytes: 16 << 20,
            max_depth: 32,
            max_elements: 200_000,
            // Every single-frame image (a CT slice is 0.5 MiB, a radiograph 10 to 30, a
            // mammogram about 50); multi-frame files past it are what streaming is for.
            max_enclosed_pixel_bytes: 64 << 20,
        }
    }
}
