//! Streaming one file from disk into a temporary output file. Small files go through one
//! thread; large ones through three (read, sanitize, write), so hashing overlaps the kernel's
//! copying and a file passes at close to copy speed.

use std::fs::File;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use dicom_sanitizer::{Emitted, Finished, Sanitizer};

use crate::{Failure, CHUNK};

/// Read buffers in flight in the pipeline: enough for the reader and the writer to be busy
/// while a chunk is hashed.
const BUFFERS: usize = 4;

fn written(tmp: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::Io(format!("{}: {e}", tmp.display()))
}

fn read_failed(e: std::io::Error) -> Failure {
    Failure::Io(e.to_string())
}

/// One thread: read a chunk, sanitize it, write what it gave.
pub(crate) fn serial(
    s: &Sanitizer,
    input: &mut File,
    tmp: &Path,
    buf: &mut [u8],
) -> Result<Finished, Failure> {
    // Unbuffered: the output comes in a few large pieces (header, pixel chunks), and a buffer
    // would only copy them once more.
    let mut out = File::create(tmp).map_err(written(tmp))?;
    let mut failed: Option<std::io::Error> = None;
    let mut sink = |bytes: &[u8]| {
        if failed.is_none() {
            failed = write_pieces(&mut out, bytes).err();
        }
    };
    let mut stream = s.stream();
    loop {
        let n = input.read(buf).map_err(read_failed)?;
        if n == 0 {
            break;
        }
        stream
            .write(&buf[..n], &mut sink)
            .map_err(Failure::Sanitize)?;
    }
    let done = stream.end(&mut sink).map_err(Failure::Sanitize)?;
    match failed {
        Some(e) => Err(written(tmp)(e)),
        None => Ok(done),
    }
}

/// What the sanitizing thread hands the writer: a read buffer whose range passes unchanged
/// (the buffer then goes back to the reader), or bytes of its own.
enum Piece {
    Read(Vec<u8>, Range<usize>),
    Owned(Vec<u8>),
}

/// Three threads: the reader fills buffers, this thread sanitizes (and hashes) them, the writer
/// writes them and hands the buffers back. Any failure stops all three.
pub(crate) fn pipelined(s: &Sanitizer, mut input: File, tmp: &Path) -> Result<Finished, Failure> {
    let mut out = File::create(tmp).map_err(written(tmp))?;
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
        let sanitized = (|| {
            let stopped = || Failure::Io(format!("{}: the writer stopped", tmp.display()));
            for read in read_rx {
                let (buf, n) = read.map_err(read_failed)?;
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
        let wrote = writer.join().expect("the writer does not panic");
        match (sanitized, wrote) {
            (Err(Failure::Sanitize(e)), _) => Err(Failure::Sanitize(e)),
            (_, Err(e)) => Err(written(tmp)(e)), // the writer's own error, not "it stopped"
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
