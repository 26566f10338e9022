//! Encapsulated Pixel Data as it streams (PS3.5 A.4): items of defined length up to the
//! sequence delimiter, always little endian. The item headers are read here, across chunk
//! boundaries, for the stream that passes fragments through and for the blankers that rewrite
//! them.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::findings::Finding;
use pixel_codecs::segments::Segments;

/// What an item header said.
pub(crate) enum Item {
    /// A fragment (or the Basic Offset Table) of this many bytes.
    Fragment(u32),
    /// The sequence delimiter.
    End,
}

/// Item headers read across chunks, and where in the value the reading is.
#[derive(Default)]
pub(crate) struct ItemHeads {
    head: [u8; 8],
    have: usize,
    /// Offset in the value, for error messages.
    pub at: u64,
}

impl ItemHeads {
    /// Takes header bytes from `chunk[*used..]`; the item once its header is whole.
    pub fn take(&mut self, chunk: &[u8], used: &mut usize) -> Result<Option<Item>> {
        let n = (8 - self.have).min(chunk.len() - *used);
        self.head[self.have..self.have + n].copy_from_slice(&chunk[*used..*used + n]);
        self.have += n;
        *used += n;
        if self.have < 8 {
            return Ok(None);
        }
        self.have = 0;
        self.at += 8;
        let (group, element, len) = self.fields();
        match (group, element) {
            (0xFFFE, 0xE0DD) if len == 0 => Ok(Some(Item::End)),
            (0xFFFE, 0xE000) if len != u32::MAX => Ok(Some(Item::Fragment(len))),
            _ => Err(self.unexpected()),
        }
    }

    /// The header just read, as it was.
    pub fn head(&self) -> &[u8; 8] {
        &self.head
    }

    /// The header just read, where a fragment or the delimiter had to be.
    pub fn unexpected(&self) -> Error {
        let (group, element, len) = self.fields();
        Error::Read {
            code: "read.bad_structure",
            offset: None,
            message: format!(
                "at byte {} of Pixel Data: expected a fragment item or the sequence delimiter, found ({group:04X},{element:04X}) with length {len}",
                self.at - 8
            ),
        }
    }

    fn fields(&self) -> (u16, u16, u32) {
        let h = &self.head;
        (
            u16::from_le_bytes([h[0], h[1]]),
            u16::from_le_bytes([h[2], h[3]]),
            u32::from_le_bytes([h[4], h[5], h[6], h[7]]),
        )
    }
}

/// Checks encapsulated Pixel Data as it passes, unchanged but for the JPEG segments that can
/// hold text (`Segments`), when there is a scrubber.
#[derive(Default)]
pub(crate) struct Fragments {
    heads: ItemHeads,
    /// Bytes left in the current fragment.
    left: u64,
    /// Items read so far: the first is the Basic Offset Table, not codestream.
    items: u64,
    scrub: Option<Segments>,
}

impl Fragments {
    pub fn new(scrub: Option<Segments>) -> Fragments {
        Fragments {
            scrub,
            ..Fragments::default()
        }
    }

    /// Consumes what it can of `chunk`: (bytes used, whether the delimiter was reached). The
    /// ranges of the chunk to zero are appended to `zero`.
    pub fn take(&mut self, chunk: &[u8], zero: &mut Vec<Range<usize>>) -> Result<(usize, bool)> {
        let mut used = 0;
        while used < chunk.len() {
            if self.left > 0 {
                let n = self.left.min((chunk.len() - used) as u64) as usize;
                if let Some(s) = self.scrub.as_mut().filter(|_| self.items > 1) {
                    let from = zero.len();
                    s.walk(&chunk[used..used + n], zero);
                    for r in &mut zero[from..] {
                        *r = r.start + used..r.end + used;
                    }
                }
                self.left -= n as u64;
                used += n;
                self.heads.at += n as u64;
                continue;
            }
            match self.heads.take(chunk, &mut used)? {
                None => break,
                Some(Item::End) => return Ok((used, true)),
                Some(Item::Fragment(len)) => {
                    self.left = u64::from(len);
                    self.items += 1;
                    if let Some(s) = self.scrub.as_mut() {
                        s.fragment_start();
                    }
                }
            }
        }
        Ok((used, false))
    }

    /// What the scrubber did, if anything.
    pub fn findings(&self) -> Vec<Finding> {
        self.scrub
            .as_ref()
            .map(crate::pixels::text_segments::findings)
            .unwrap_or_default()
    }
}
