//! A file read by position, so that a preview holds the header and one frame, never the whole
//! file: a multi-frame file of gigabytes renders in a few MiB. The caller reads (a `Blob` slice
//! in a worker, a file in Node or Python); an in-memory file is a source too.

use crate::error::{Error, Result};

/// A file read by position.
pub trait ReadAt {
    /// The file's size in bytes.
    fn size(&self) -> u64;
    /// The bytes `at..at + len` (fewer only where the file ends). An error is the reader's own,
    /// in words: the preview fails with `preview.read_failed`.
    fn read_at(&mut self, at: u64, len: usize) -> std::result::Result<Vec<u8>, String>;
}

impl ReadAt for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_at(&mut self, at: u64, len: usize) -> std::result::Result<Vec<u8>, String> {
        let start = usize::try_from(at).unwrap_or(usize::MAX).min(self.len());
        let end = start.saturating_add(len).min(self.len());
        Ok(self[start..end].to_vec())
    }
}

/// Reads `len` bytes at `at`, all of them: a short read is a truncated file.
pub(super) fn read_exact(source: &mut dyn ReadAt, at: u64, len: u64) -> Result<Vec<u8>> {
    let n = usize::try_from(len).map_err(|_| truncated(at, len, source.size()))?;
    if at.checked_add(len).is_none_or(|end| end > source.size()) {
        return Err(truncated(at, len, source.size()));
    }
    let bytes = source.read_at(at, n).map_err(|why| Error::Preview {
        code: "preview.read_failed",
        message: format!("reading {len} bytes at {at}: {why}"),
    })?;
    match bytes.len() == n {
        true => Ok(bytes),
        false => Err(truncated(at, len, source.size())),
    }
}

fn truncated(at: u64, len: u64, size: u64) -> Error {
    Error::Read {
        code: "read.truncated",
        offset: None,
        message: format!("{len} bytes at {at} are past the end of the {size}-byte file"),
    }
}

/// The header's first guess: most headers fit in this; larger ones are read again, doubled.
const HEADER_GUESS: u64 = 256 * 1024;

/// The file's first bytes, as many as `parse` needs: it is given 256 KiB, then twice as many,
/// up to the whole file (`whole`), while it asks for more (`None`).
pub(super) fn read_header<T>(
    source: &mut dyn ReadAt,
    mut parse: impl FnMut(&[u8], bool) -> Result<Option<T>>,
) -> Result<(Vec<u8>, T)> {
    let size = source.size();
    let mut len = HEADER_GUESS.min(size);
    loop {
        let prefix = read_exact(source, 0, len)?;
        let whole = len == size;
        match parse(&prefix, whole)? {
            Some(parsed) => return Ok((prefix, parsed)),
            None if whole => return Err(truncated(0, size.saturating_add(1), size)),
            None => len = len.saturating_mul(2).min(size),
        }
    }
}
