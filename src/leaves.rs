//! The BLAKE3 digest of a stream's output, hashed in leaves so that whole leaves of unchanged
//! pixel data can be hashed elsewhere, at the same time (Node worker threads, Web Workers), and
//! handed back. A leaf is [`LEAF_LEN`] bytes at a multiple of [`LEAF_LEN`] in the output: a
//! power of two of BLAKE3 chunks, so every leaf is one whole subtree of the file's BLAKE3 tree
//! and the root joins their chaining values with BLAKE3's own `hazmat` functions. The digest is
//! the same as hashing the output in one pass (tested against `blake3::hash`).

use std::ops::Range;

use blake3::hazmat::{
    left_subtree_len, merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};

use crate::digest::{Digest, DigestAlgorithm};
use crate::error::{Error, Result};
use crate::hex::hex;

/// The length of a leaf: 4 MiB, a power of two of BLAKE3's 1 KiB chunks.
pub const LEAF_LEN: u64 = 4 << 20;

/// The chaining value of one leaf: `bytes` found at `offset` in the output. `offset` must be a
/// multiple of [`LEAF_LEN`] and `bytes` a whole leaf.
pub fn leaf_digest(bytes: &[u8], offset: u64) -> Result<[u8; 32]> {
    if !offset.is_multiple_of(LEAF_LEN) || bytes.len() as u64 != LEAF_LEN {
        return Err(leaf_error(format!(
            "a leaf is {LEAF_LEN} bytes at a multiple of {LEAF_LEN}, not {} bytes at {offset}",
            bytes.len()
        )));
    }
    let mut h = blake3::Hasher::new();
    h.set_input_offset(offset);
    h.update(bytes);
    Ok(h.finalize_non_root())
}

/// Leaves of the output that the caller hashes, and where their bytes are in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delegation {
    /// How many leaves, numbered from 0 for [`SanitizeStream::set_leaf`](crate::SanitizeStream::set_leaf).
    pub leaves: u64,
    /// Where leaf 0 starts in the output (a multiple of [`LEAF_LEN`]).
    pub output_offset: u64,
    /// Where leaf 0's bytes start in the input; leaf `i` is `LEAF_LEN` bytes from
    /// `input_offset + i * LEAF_LEN`, passed through unchanged.
    pub input_offset: u64,
}

/// The output hasher of a stream that hands leaves out.
pub(crate) struct Leaves {
    /// Output bytes counted so far, hashed here or owed.
    len: u64,
    /// The leaf being hashed here, and its index.
    current: blake3::Hasher,
    open: u64,
    cvs: Vec<Option<ChainingValue>>,
    /// Leaf indices hashed by the caller.
    owed: Range<u64>,
}

impl Default for Leaves {
    fn default() -> Leaves {
        Leaves {
            len: 0,
            current: blake3::Hasher::new(),
            open: 0,
            cvs: Vec::new(),
            owed: 0..0,
        }
    }
}

impl Leaves {
    /// Output bytes counted so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Hands the leaves `owed` to the caller; their bytes are then counted, not hashed.
    pub(crate) fn owe(&mut self, owed: Range<u64>) {
        self.owed = owed;
    }

    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let leaf = self.len / LEAF_LEN;
            if leaf != self.open {
                self.close();
                self.open = leaf;
                self.current = blake3::Hasher::new();
                self.current.set_input_offset(leaf * LEAF_LEN);
            }
            let n = (LEAF_LEN - self.len % LEAF_LEN).min(bytes.len() as u64) as usize;
            if !self.owed.contains(&leaf) {
                self.current.update(&bytes[..n]);
            }
            self.len += n as u64;
            bytes = &bytes[n..];
        }
    }

    /// Counts a whole owed leaf at the current position without its bytes; `false` (nothing
    /// counted) if the position is not the start of one.
    pub(crate) fn pass(&mut self) -> bool {
        let leaf = self.len / LEAF_LEN;
        if !self.len.is_multiple_of(LEAF_LEN) || !self.owed.contains(&leaf) {
            return false;
        }
        if leaf != self.open {
            self.close();
            self.open = leaf;
        }
        self.len += LEAF_LEN;
        true
    }

    /// Stores the open leaf's chaining value, unless the caller owes it.
    fn close(&mut self) {
        if !self.owed.contains(&self.open) {
            self.store(self.open, self.current.finalize_non_root());
        }
    }

    fn store(&mut self, leaf: u64, cv: ChainingValue) {
        let i = leaf as usize;
        if self.cvs.len() <= i {
            self.cvs.resize(i + 1, None);
        }
        self.cvs[i] = Some(cv);
    }

    /// The caller's chaining value for owed leaf `index` (counted from the first owed leaf).
    pub(crate) fn set(&mut self, index: u64, cv: [u8; 32]) -> Result<()> {
        let leaf = self.owed.start.saturating_add(index);
        if !self.owed.contains(&leaf) {
            return Err(not_handed_out(index, self.owed.end - self.owed.start));
        }
        self.store(leaf, cv);
        Ok(())
    }

    /// The digest of the whole output, or an error naming the first leaf still owed.
    pub(crate) fn finish(mut self) -> Result<Digest> {
        let digest = |hash: &[u8; 32], bytes| Digest {
            algorithm: DigestAlgorithm::Blake3,
            hex: hex(hash),
            bytes,
        };
        if self.len <= LEAF_LEN && self.owed.is_empty() {
            return Ok(digest(self.current.finalize().as_bytes(), self.len));
        }
        self.close();
        let short = |i: u64| (i + 1) * LEAF_LEN > self.len;
        if let Some(i) = self
            .owed
            .clone()
            .find(|&i| short(i) || self.cv(i).is_none())
        {
            return Err(Error::Read {
                code: "stream.leaf_missing",
                offset: None,
                message: format!(
                    "the digest of leaf {} (output bytes from {}) was never handed back",
                    i - self.owed.start,
                    i * LEAF_LEN
                ),
            });
        }
        let left = left_subtree_len(self.len);
        let root = merge_subtrees_root(
            &self.node(0, left),
            &self.node(left, self.len - left),
            Mode::Hash,
        );
        Ok(digest(root.as_bytes(), self.len))
    }

    fn cv(&self, leaf: u64) -> Option<ChainingValue> {
        self.cvs.get(leaf as usize).copied().flatten()
    }

    /// The chaining value of the subtree of `len` bytes at `start`: a leaf, or two subtrees
    /// split where BLAKE3 splits them (always at a multiple of a leaf, leaves being powers of two).
    fn node(&self, start: u64, len: u64) -> ChainingValue {
        if len <= LEAF_LEN {
            // Every leaf was closed or checked in `finish`.
            return self.cv(start / LEAF_LEN).unwrap_or_default();
        }
        let left = left_subtree_len(len);
        merge_subtrees_non_root(
            &self.node(start, left),
            &self.node(start + left, len - left),
            Mode::Hash,
        )
    }
}

/// Leaf `index` handed back, or passed, when only `count` were handed out.
pub(crate) fn not_handed_out(index: u64, count: u64) -> Error {
    leaf_error(format!("leaf {index} was not handed out ({count} were)"))
}

fn leaf_error(message: String) -> Error {
    Error::Read {
        code: "stream.leaf_invalid",
        offset: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 4096) as u8).collect()
    }

    /// Every length around the leaf boundaries, fed in odd pieces, hashes as `blake3::hash`.
    #[test]
    fn leaves_hashed_here_give_the_one_pass_digest() {
        let l = LEAF_LEN as usize;
        for n in [1, 1024, l - 1, l, l + 1, 2 * l, 3 * l + 5, 5 * l - 1] {
            let data = bytes(n);
            let mut leaves = Leaves::default();
            data.chunks(1 << 19 | 3).for_each(|c| leaves.update(c));
            let digest = leaves.finish().unwrap();
            assert_eq!(
                digest.hex,
                blake3::hash(&data).to_hex().as_str(),
                "{n} bytes"
            );
            assert_eq!(digest.bytes, n as u64);
        }
    }

    /// Leaves hashed by the caller, handed back in any order, give the same digest; one
    /// missing is an error, and so is a leaf that was never handed out.
    #[test]
    fn owed_leaves_handed_back_give_the_one_pass_digest() {
        let l = LEAF_LEN as usize;
        let data = bytes(6 * l + 100);
        let mut leaves = Leaves::default();
        leaves.owe(2..5);
        leaves.update(&data);
        for i in [2u64, 0] {
            let at = (2 + i) as usize * l;
            let cv = leaf_digest(&data[at..at + l], at as u64).unwrap();
            leaves.set(i, cv).unwrap();
        }
        assert_eq!(
            leaves.set(3, [0; 32]).unwrap_err().code(),
            "stream.leaf_invalid"
        );
        let mut missing = Leaves::default();
        missing.owe(2..5);
        missing.update(&data);
        assert_eq!(missing.finish().unwrap_err().code(), "stream.leaf_missing");
        leaves
            .set(1, leaf_digest(&data[3 * l..4 * l], 3 * LEAF_LEN).unwrap())
            .unwrap();
        assert_eq!(
            leaves.finish().unwrap().hex,
            blake3::hash(&data).to_hex().as_str()
        );
    }

    #[test]
    fn a_leaf_must_be_whole_and_in_place() {
        let l = LEAF_LEN as usize;
        assert_eq!(
            leaf_digest(&bytes(l - 1), 0).unwrap_err().code(),
            "stream.leaf_invalid"
        );
        assert_eq!(
            leaf_digest(&bytes(l), 1024).unwrap_err().code(),
            "stream.leaf_invalid"
        );
    }
}
