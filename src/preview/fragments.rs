//! The coded bytes of one frame of encapsulated Pixel Data (PS3.5 A.4), read from a source item
//! header by item header: only the frame's fragments are read whole, so a file of any number of
//! frames is never in memory. Frames are found as `pixels::frames` finds their ends: one
//! fragment per frame in RLE; otherwise the Basic Offset Table when it lists every frame, else
//! the whole value for one frame, else one fragment per frame, else fragments ending with an
//! end-of-image marker.

use std::ops::Range;

use super::source::{read_exact, ReadAt};
use crate::error::{Error, Result};
use crate::pixels::Compression;

/// An item of the value: where its header is (from the value's start) and its value's range
/// (in the file).
struct Item {
    header: u64,
    value: Range<u64>,
}

/// The items of an encapsulated value, read header by header.
struct Items {
    /// Where the value starts in the file, and the next header in it.
    value_at: u64,
    at: u64,
    compression: Compression,
}

impl Items {
    /// The next item; `None` at the sequence delimiter.
    fn next(&mut self, source: &mut dyn ReadAt) -> Result<Option<Item>> {
        let start = self.value_at + self.at;
        if start.saturating_add(8) > source.size() {
            return Err(bad(
                self.compression,
                "ends before its sequence delimiter".into(),
            ));
        }
        let head = read_exact(source, start, 8)?;
        let (group, element) = (
            u16::from_le_bytes([head[0], head[1]]),
            u16::from_le_bytes([head[2], head[3]]),
        );
        let len = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        match (group, element) {
            (0xFFFE, 0xE0DD) => Ok(None),
            (0xFFFE, 0xE000) if start + 8 + len <= source.size() => {
                let item = Item {
                    header: self.at,
                    value: start + 8..start + 8 + len,
                };
                self.at += 8 + len;
                Ok(Some(item))
            }
            _ => Err(bad(
                self.compression,
                format!("({group:04X},{element:04X}) where an item must be"),
            )),
        }
    }
}

fn bad(compression: Compression, why: String) -> Error {
    Error::Read {
        code: compression.bad_code(),
        offset: None,
        message: format!("encapsulated Pixel Data: {why}"),
    }
}

/// The coded bytes of frame `frame` of `frames`, the value starting at `value_at`.
pub(super) fn frame_bytes(
    source: &mut dyn ReadAt,
    value_at: u64,
    frame: u32,
    frames: u32,
    compression: Compression,
) -> Result<Vec<u8>> {
    let items = || Items {
        value_at,
        at: 0,
        compression,
    };
    // First pass: the offset table (read only when it can list every frame), the fragments'
    // number and where the first one starts.
    let mut walk = items();
    let table = walk
        .next(source)?
        .ok_or_else(|| bad(compression, "no Basic Offset Table".into()))?;
    let (f, n) = (u64::from(frame), u64::from(frames));
    let offsets: Vec<u64> = match (table.value.end - table.value.start) / 4 == n {
        true => read_exact(source, table.value.start, 4 * n)?
            .chunks_exact(4)
            .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        false => Vec::new(),
    };
    let (mut count, mut base) = (0u64, None);
    while let Some(item) = walk.next(source)? {
        base.get_or_insert(item.header);
        count += 1;
    }
    let base = base.unwrap_or(0);
    let ordered = offsets.first() == Some(&0) && offsets.windows(2).all(|w| w[0] < w[1]);
    // RLE has one fragment per frame (PS3.5 A.4.2); as many fragments as frames are frames.
    let one_each = compression == Compression::Rle || count == n && n > 1;
    if compression == Compression::Rle && count != n {
        return Err(bad(
            compression,
            format!("{count} fragments for {n} frames"),
        ));
    }
    // Second pass: the frame's fragments.
    let mut walk = items();
    walk.next(source)?;
    let mut chosen = Vec::new();
    let mut k = 0u64; // the frame the next fragment belongs to, by end-of-image markers
    while let Some(item) = walk.next(source)? {
        let mine = if one_each {
            k += 1;
            k - 1 == f
        } else if n == 1 {
            true
        } else if ordered && offsets.len() as u64 == n {
            let end = offsets.get(f as usize + 1).copied().unwrap_or(u64::MAX);
            (offsets[f as usize]..end).contains(&(item.header - base))
        } else {
            let mine = k == f;
            if ends_with_eoi_at(source, &item.value)? {
                k += 1;
            }
            mine
        };
        if mine {
            chosen.push(item.value);
        }
    }
    if chosen.is_empty() {
        return Err(bad(compression, format!("no fragment holds frame {frame}")));
    }
    let mut coded = Vec::new();
    for r in chosen {
        coded.extend(read_exact(source, r.start, r.end - r.start)?);
    }
    Ok(coded)
}

/// Whether a fragment ends with an end-of-image marker before its zero padding: its tail is
/// read, in windows growing from 16 bytes back from the end, until a byte other than zero.
fn ends_with_eoi_at(source: &mut dyn ReadAt, value: &Range<u64>) -> Result<bool> {
    let (mut end, mut window) = (value.end, 16u64);
    while end > value.start {
        let start = end.saturating_sub(window).max(value.start);
        let tail = read_exact(source, start, end - start)?;
        let Some(last) = tail.iter().rposition(|&b| b != 0) else {
            (end, window) = (start, window.saturating_mul(2).min(1 << 20));
            continue;
        };
        return Ok(match (tail[last], last) {
            (0xD9, 1..) => tail[last - 1] == 0xFF,
            // The marker's FF would be just before the window.
            (0xD9, 0) if start > value.start => read_exact(source, start - 1, 1)? == [0xFF],
            _ => false,
        });
    }
    Ok(false)
}
