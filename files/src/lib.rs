//! One file from disk into another through the sanitizer, for the native front ends (the CLI
//! and the Python package): the same reads, writes and threads, so both write the same bytes at
//! the same speed. Small files go through one thread; large ones through three (read,
//! sanitize, write), so hashing overlaps the kernel's copying and a file passes at close to copy
//! speed. Memory is bounded by the header and a few read buffers, whatever the file's size.

use std::fs::File;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;

use dicom_sanitizer::{Emitted, Error, Finished, Sanitizer};

/// Read size: a typical CT or MR slice is read, and passes, in one piece.
pub const CHUNK: usize = 1 << 20;
/// Files larger than this are read, sanitized and written on three threads at once.
pub const PIPELINE_FROM: u64 = 8 << 20;
/// Read buffers in flight in the pipeline: enough for the reader and the writer to be busy
/// while a chunk is hashed.
const BUFFERS: usize = 4;

/// Why a file did not pass.
#[derive(Debug)]
pub enum Failure<E> {
    /// The sanitizer refused it.
    Sanitize(Error),
    /// The input could not be read.
    Read(std::io::Error),
    /// The output could not be written.
    Write(std::io::Error),
    /// The caller's check between chunks stopped it (Python's Ctrl-C).
    Stopped(E),
}

/// Sanitizes `input` (of `size` bytes) into `output`, streaming. `buf` is the one-thread path's
/// read buffer, kept by the caller between files (a fresh 1 MiB per file costs more than
/// reading a CT slice). `between(chunks)` is called on this thread after every chunk read; an
/// error from it stops the file. On any failure the output holds a part of the file: the caller
/// writes to a temporary name and removes it.
pub fn stream<E>(
    s: &Sanitizer,
    mut input: File,
    mut output: File,
    size: u64,
    buf: &mut Vec<u8>,
    between: &mut dyn FnMut(u64) -> Result<(), E>,
) -> Result<Finished, Failure<E>> {
    if size > PIPELINE_FROM {
        return pipelined(s, input, output, between);
    }
    buf.resize(CHUNK, 0);
    let mut stream = s.stream();
    for chunks in 1.. {
        let n = read_full(&mut input, buf).map_err(Failure::Read)?;
        if n == 0 {
            break;
        }
        // Unbuffered: the output comes in a few large pieces (header, pixel chunks), and a
        // buffer would only copy them once more.
        match stream.write_passing(&buf[..n]).map_err(Failure::Sanitize)? {
            Emitted::Nothing => {}
            Emitted::Input(r) => write_pieces(&mut output, &buf[r]).map_err(Failure::Write)?,
            Emitted::Bytes(b) => write_pieces(&mut output, &b).map_err(Failure::Write)?,
        }
        between(chunks).map_err(Failure::Stopped)?;
    }
    let mut rest = Vec::new();
    let done = stream
        .end(&mut |b: &[u8]| rest.extend_from_slice(b))
        .map_err(Failure::Sanitize)?;
    write_pieces(&mut output, &rest).map_err(Failure::Write)?;
    Ok(done)
}

/// What the sanitizing thread hands the writer: a read buffer whose range passes unchanged
/// (the buffer then goes back to the reader), or bytes of its own.
enum Piece {
    Read(Vec<u8>, Range<usize>),
    Owned(Vec<u8>),
}

/// Three threads: the reader fills buffers, this thread sanitizes (and hashes) them, the writer
/// writes them and hands the buffers back. Any failure stops all three.
fn pipelined<E>(
    s: &Sanitizer,
    mut input: File,
    mut out: File,
    between: &mut dyn FnMut(u64) -> Result<(), E>,
) -> Result<Finished, Failure<E>> {
    let (free_tx, free_rx) = sync_channel::<Vec<u8>>(BUFFERS);
    for _ in 0..BUFFERS {
        free_tx
            .send(vec![0; CHUNK])
            .expect("the channel holds them all");
    }
    let (read_tx, read_rx) = sync_channel::<std::io::Result<(Vec<u8>, usize)>>(BUFFERS);
    let (write_tx, write_rx) = sync_channel::<Piece>(BUFFERS);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // Ends when the input does, or when nobody takes or returns buffers any more.
            for mut buf in free_rx.iter() {
                let read = read_full(&mut input, &mut buf).map(|n| (buf, n));
                let end = matches!(read, Ok((_, 0)) | Err(_));
                if read_tx.send(read).is_err() || end {
                    break;
                }
            }
        });
        let give_back = free_tx.clone();
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for piece in write_rx {
                match piece {
                    Piece::Read(buf, range) => {
                        write_pieces(&mut out, &buf[range])?;
                        let _ = give_back.send(buf);
                    }
                    Piece::Owned(bytes) => write_pieces(&mut out, &bytes)?,
                }
            }
            Ok(())
        });
        let mut stream = s.stream();
        // A send fails only when the writer stopped, on an error of its own (taken below).
        let stopped = || Failure::Write(std::io::Error::other("the writer stopped"));
        let sanitized = (|| {
            for (chunks, read) in (1..).zip(read_rx) {
                let (buf, n) = read.map_err(Failure::Read)?;
                if n == 0 {
                    break;
                }
                let sent = match stream.write_passing(&buf[..n]).map_err(Failure::Sanitize)? {
                    Emitted::Input(range) => write_tx.send(Piece::Read(buf, range)),
                    other => {
                        let _ = free_tx.send(buf);
                        match other {
                            Emitted::Bytes(bytes) => write_tx.send(Piece::Owned(bytes)),
                            _ => Ok(()),
                        }
                    }
                };
                sent.map_err(|_| stopped())?;
                between(chunks).map_err(Failure::Stopped)?;
            }
            let mut rest = Vec::new();
            let done = stream
                .end(&mut |b: &[u8]| rest.extend_from_slice(b))
                .map_err(Failure::Sanitize)?;
            write_tx.send(Piece::Owned(rest)).map_err(|_| stopped())?;
            Ok(done)
        })();
        drop(write_tx);
        drop(free_tx);
        let wrote = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writer panicked")));
        match (sanitized, wrote) {
            (Err(e @ (Failure::Sanitize(_) | Failure::Stopped(_))), _) => Err(e),
            // The writer's own error, not "it stopped".
            (_, Err(e)) => Err(Failure::Write(e)),
            (sanitized, Ok(())) => sanitized,
        }
    })
}

/// Writes `bytes` in pieces of at most 512 KiB. Linux serves bigger writes with large page-cache
/// folios, and on a virtual machine those are often memory the host has taken back: copying a
/// 1 GiB file in 1 MiB writes ran 2× slower here than in 512 KiB ones, in 4 MiB writes 4× slower.
fn write_pieces(out: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    bytes
        .chunks(512 << 10)
        .try_for_each(|piece| out.write_all(piece))
}

/// Fills `buf` unless the input ends first; the number of bytes read.
fn read_full(input: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `STUDY/SERIES/INSTANCE.dcm` from a sanitized file's header (pseudonymised UIDs, or the
/// input's under Retain UIDs; never other values): the name of an output under the `uids`
/// layout, as a PACS export names its files.
pub fn uid_path(file: &Path) -> Result<PathBuf, String> {
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(file)
        .map_err(|e| format!("{}: cannot read the output back: {e}", file.display()))?;
    let uid = |tag| {
        obj.get(tag)
            .and_then(|e| e.value().to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .unwrap_or_else(|| "unknown".into())
    };
    Ok(PathBuf::from(uid(tags::STUDY_INSTANCE_UID))
        .join(uid(tags::SERIES_INSTANCE_UID))
        .join(format!("{}.dcm", uid(tags::SOP_INSTANCE_UID))))
}
