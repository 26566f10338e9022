//! Blanking of JPEG Baseline and Extended (8- and 12-bit) frames in the coded domain
//! (`jpeg::blank`): frames encoded by DCMTK's `dcmcjpeg` and by hand, blanked, decoded
//! by DCMTK's `dcmdjpeg` (libjpeg; GDCM too for 12-bit) and compared with the decoding of the
//! original block by block.

mod common;

use common::jpeg::*;
use common::{transfer_syntax, Layout};
use pixel_codecs::jpeg::blank;
use pixel_codecs::{Clip, CodecError, Outcome};
use test_tools::run as dcmtk;

fn clip(x0: u64, y0: u64, x1: u64, y1: u64) -> Clip {
    Clip { x0, x1, y0, y1 }
}

/// Where a component's samples come from: its subsampling (Hmax/H, Vmax/V).
#[derive(Clone, Copy)]
struct Grid {
    sx: usize,
    sy: usize,
}

/// Checks a decoded blanked frame against the decoded original, component by component, in the
/// decoder's output (upsampled, no colour conversion). A block (8×8 samples of the component,
/// `8sx × 8sy` pixels) is blanked iff its footprint touches a region. libjpeg's "fancy"
/// upsampling mixes each chroma sample with its neighbours, so a pixel is checked only where the
/// samples within one of its own (±1 in each subsampled direction) are all of blanked blocks
/// (then it must be the fill, ±1) or all of kept blocks (then it must equal the original
/// exactly). Returns (pixels checked as blanked, as kept).
#[allow(clippy::too_many_arguments)]
fn check(
    name: &str,
    original: &[u8],
    blanked: &[u8],
    width: usize,
    height: usize,
    grids: &[Grid],
    regions: &[Clip],
    fills: &[u8],
) -> (usize, usize) {
    let n = grids.len();
    assert_eq!(original.len(), width * height * n, "{name}");
    assert_eq!(blanked.len(), original.len(), "{name}");
    let touched = |g: Grid, bx: usize, by: usize| {
        let (x0, x1) = ((bx * 8 * g.sx) as u64, ((bx + 1) * 8 * g.sx) as u64);
        let (y0, y1) = ((by * 8 * g.sy) as u64, ((by + 1) * 8 * g.sy) as u64);
        regions
            .iter()
            .filter(|r| r.x0 < r.x1 && r.y0 < r.y1)
            .any(|r| x0 < r.x1 && r.x0 < x1 && y0 < r.y1 && r.y0 < y1)
    };
    let (mut inside, mut outside) = (0, 0);
    for y in 0..height {
        for x in 0..width {
            for (c, &g) in grids.iter().enumerate() {
                let (rx, ry) = ((g.sx > 1) as isize, (g.sy > 1) as isize);
                let (cx, cy) = ((x / g.sx) as isize, (y / g.sy) as isize);
                let (cw, ch) = (
                    width.div_ceil(g.sx) as isize,
                    height.div_ceil(g.sy) as isize,
                );
                let mut states = Vec::new();
                for dy in -ry..=ry {
                    for dx in -rx..=rx {
                        let (sx, sy) = ((cx + dx).clamp(0, cw - 1), (cy + dy).clamp(0, ch - 1));
                        states.push(touched(g, sx as usize / 8, sy as usize / 8));
                    }
                }
                let i = (y * width + x) * n + c;
                let (o, b) = (original[i], blanked[i]);
                if states.iter().all(|&s| s) {
                    assert!(
                        b.abs_diff(fills[c]) <= 1,
                        "{name}: component {c} at ({x}, {y}) is {b}, not the fill {}",
                        fills[c]
                    );
                    inside += 1;
                } else if states.iter().all(|&s| !s) {
                    assert_eq!(b, o, "{name}: component {c} at ({x}, {y}) changed outside");
                    outside += 1;
                }
            }
        }
    }
    (inside, outside)
}

/// An 8-bit image: a smooth gradient, with a band of high-contrast "text" (1-pixel strokes).
fn picture(width: usize, height: usize, spp: usize, band: Clip) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height * spp);
    for y in 0..height {
        for x in 0..width {
            let text = (band.x0..band.x1).contains(&(x as u64))
                && (band.y0..band.y1).contains(&(y as u64))
                && (x % 5 == 1 || y % 4 == 2 || (x + y) % 7 == 0);
            for s in 0..spp {
                let v = match text {
                    true => 250 - 20 * s,
                    false => 60 + (x * 90 / width) + (y * 60 / height) + 15 * s,
                };
                out.push(v as u8);
            }
        }
    }
    out
}

fn native_file(
    photometric: &'static str,
    width: u16,
    height: u16,
    frames: u16,
    band: Clip,
) -> Vec<u8> {
    let n = Layout::new(photometric, 8, height, width, frames);
    let spp = n.spp as usize;
    let frame: Vec<u16> = picture(width as usize, height as usize, spp, band)
        .into_iter()
        .map(u16::from)
        .collect();
    n.native_file(&vec![frame; usize::from(frames)])
}

/// The (H, V) sampling factors of each component, from the SOF.
fn sampling(jpeg: &[u8]) -> Vec<(usize, usize)> {
    let at = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC1])
        .unwrap();
    let n = jpeg[at + 9] as usize;
    (0..n)
        .map(|c| {
            let hv = jpeg[at + 11 + 3 * c];
            ((hv >> 4) as usize, (hv & 15) as usize)
        })
        .collect()
}

/// Blanks every frame of an encapsulated file; the new file and each frame's outcome.
fn blank_file(
    file: &[u8],
    rows: u64,
    cols: u64,
    regions: &[Clip],
    fills: &[u16],
) -> (Vec<u8>, Vec<Outcome>) {
    let mut outcomes = Vec::new();
    let mut blanked = Vec::new();
    for f in frames(file) {
        let mut out = Vec::new();
        let o = blank(&f, rows, cols, regions, fills, &mut out)
            .unwrap_or_else(|e| panic!("blank: {e:?}"));
        assert_eq!(out[..2], [0xFF, 0xD8]);
        assert_eq!(out[out.len() - 2..], [0xFF, 0xD9]);
        outcomes.push(o);
        blanked.push(out);
    }
    (with_frames(file, &blanked), outcomes)
}

/// Name, photometric, width, height, frames, `dcmcjpeg` options, each component's subsampling,
/// fills, the transfer syntax DCMTK should write.
type Case = (
    &'static str,
    &'static str,
    u16,
    u16,
    u16,
    Vec<&'static str>,
    Vec<Grid>,
    Vec<u8>,
    &'static str,
);

#[test]
fn dcmtk_encoded_frames_are_blanked_block_by_block() {
    let band = clip(8, 16, 100, 40);
    let cases: Vec<Case> = vec![
        (
            "grey baseline",
            "MONOCHROME2",
            128,
            96,
            1,
            vec!["+eb"],
            vec![Grid { sx: 1, sy: 1 }],
            vec![0],
            BASELINE,
        ),
        (
            "grey extended, 2 frames, odd size",
            "MONOCHROME2",
            101,
            77,
            2,
            vec!["+ee"],
            vec![Grid { sx: 1, sy: 1 }],
            vec![0],
            EXTENDED,
        ),
        (
            "grey baseline, low quality",
            "MONOCHROME2",
            64,
            48,
            1,
            vec!["+eb", "+q", "20"],
            vec![Grid { sx: 1, sy: 1 }],
            vec![0],
            BASELINE,
        ),
        (
            "RGB to YBR_FULL_422, 4:2:2, odd size, 2 frames",
            "RGB",
            103,
            75,
            2,
            vec!["+eb", "+s2"],
            vec![
                Grid { sx: 1, sy: 1 },
                Grid { sx: 2, sy: 1 },
                Grid { sx: 2, sy: 1 },
            ],
            vec![0, 128, 128],
            BASELINE,
        ),
        (
            "RGB to YBR_FULL, 4:4:4, extended",
            "RGB",
            96,
            64,
            1,
            vec!["+ee", "+s4"],
            vec![Grid { sx: 1, sy: 1 }; 3],
            vec![0, 128, 128],
            EXTENDED,
        ),
        (
            "RGB to YBR_FULL, DCMTK's \"4:1:1\" (which is 4:2:0)",
            "RGB",
            130,
            50,
            1,
            vec!["+eb", "+n1"],
            vec![
                Grid { sx: 1, sy: 1 },
                Grid { sx: 2, sy: 2 },
                Grid { sx: 2, sy: 2 },
            ],
            vec![0, 128, 128],
            BASELINE,
        ),
        (
            "RGB kept as RGB",
            "RGB",
            64,
            40,
            1,
            vec!["+eb", "+cr"],
            vec![Grid { sx: 1, sy: 1 }; 3],
            vec![0, 0, 0],
            BASELINE,
        ),
    ];
    for (name, photometric, w, h, frames_n, args, grids, fills, ts) in cases {
        let native = native_file(photometric, w, h, frames_n, band);
        let jpeg = dcmcjpeg(&native, &args);
        assert_eq!(transfer_syntax(&jpeg), ts, "{name}");
        let regions = [band, clip(13, 50, 41, 59)];
        let regions: Vec<Clip> = regions
            .iter()
            .map(|r| {
                clip(
                    r.x0.min(w as u64),
                    r.y0.min(h as u64),
                    r.x1.min(w as u64),
                    r.y1.min(h as u64),
                )
            })
            .filter(|r| r.x0 < r.x1 && r.y0 < r.y1)
            .collect();
        let fills16: Vec<u16> = fills.iter().map(|&f| f.into()).collect();
        let first = &frames(&jpeg)[0];
        let (hmax, vmax) = sampling(first)
            .iter()
            .fold((1, 1), |m, s| (m.0.max(s.0), m.1.max(s.1)));
        let found: Vec<(usize, usize)> = sampling(first)
            .iter()
            .map(|s| (hmax / s.0, vmax / s.1))
            .collect();
        let want: Vec<(usize, usize)> = grids.iter().map(|g| (g.sx, g.sy)).collect();
        assert_eq!(found, want, "{name}: DCMTK's subsampling");
        let (out, outcomes) = blank_file(&jpeg, h.into(), w.into(), &regions, &fills16);
        for o in &outcomes {
            assert!(o.blocks_blanked > 0, "{name}");
            assert_eq!(
                o.flat_at_average, 0,
                "{name}: DCMTK's tables have room for new codes"
            );
        }
        let (before, _) = dcmdjpeg(&jpeg);
        let (after, _) = dcmdjpeg(&out);
        let px = w as usize * h as usize * grids.len();
        assert_eq!(before.len(), px * frames_n as usize, "{name}");
        for f in 0..frames_n as usize {
            let (a, b) = (&before[f * px..(f + 1) * px], &after[f * px..(f + 1) * px]);
            let (inside, outside) =
                check(name, a, b, w as usize, h as usize, &grids, &regions, &fills);
            assert!(
                inside > 1000 && outside > 1000,
                "{name}: {inside} inside, {outside} outside"
            );
            assert_ne!(a, b, "{name}");
        }
    }
}

/// A DICOM file around hand-made JPEG frames, for `dcmdjpeg`.
fn wrap(frames: Vec<Vec<u8>>, width: u16, height: u16, spp: u16) -> Vec<u8> {
    let photometric = if spp == 1 {
        "MONOCHROME2"
    } else {
        "YBR_FULL_422"
    };
    let n = frames.len() as u16;
    Layout::new(photometric, 8, height, width, n).encapsulated_file(BASELINE, &frames)
}

/// Coefficients that vary block to block, with AC "texture" and DC jumps of every size.
fn busy(c: usize, bx: usize, by: usize) -> [i32; 64] {
    let mut k = [0i32; 64];
    let seed = (c * 7919 + bx * 104_729 + by * 1_299_709) as i32;
    k[0] = (seed % 201) - 100;
    for (i, v) in k.iter_mut().enumerate().skip(1) {
        if (seed + i as i32 * 31) % 5 == 0 {
            *v = ((seed >> 3) + i as i32 * 17) % 41 - 20;
        }
    }
    if bx.is_multiple_of(3) {
        k[63] = 3; // a block with no EOB
    }
    k
}

#[test]
fn handmade_layouts_restarts_and_odd_edges() {
    let cases = vec![
        (
            "grey, restart every 3 MCUs, odd size",
            37u16,
            29u16,
            vec![comp(1, 1, 4)],
            3u16,
            false,
        ),
        (
            "4:2:0 interleaved, restart every 2, odd size",
            45,
            35,
            vec![comp(2, 2, 2), comp(1, 1, 3), comp(1, 1, 3)],
            2,
            false,
        ),
        (
            "4:2:2 non-interleaved scans, restart every 5",
            43,
            21,
            vec![comp(2, 1, 2), comp(1, 1, 3), comp(1, 1, 3)],
            5,
            true,
        ),
        (
            "4:2:0 non-interleaved, no restart",
            50,
            33,
            vec![comp(2, 2, 8), comp(1, 1, 5), comp(1, 1, 5)],
            0,
            true,
        ),
        (
            "restart every MCU, more than 8 intervals",
            40,
            40,
            vec![comp(1, 1, 1)],
            1,
            false,
        ),
    ];
    for (name, w, h, comps, restart, separate) in cases {
        let grids: Vec<Grid> = {
            let hmax = comps.iter().map(|c| c.h).max().unwrap() as usize;
            let vmax = comps.iter().map(|c| c.v).max().unwrap() as usize;
            comps
                .iter()
                .map(|c| Grid {
                    sx: hmax / c.h as usize,
                    sy: vmax / c.v as usize,
                })
                .collect()
        };
        let m = Handmade {
            width: w,
            height: h,
            comps,
            restart,
            separate_scans: separate,
            extra: vec![],
        };
        let jpeg = m.encode(busy);
        let spp = grids.len();
        let fills: Vec<u8> = if spp == 1 { vec![0] } else { vec![0, 128, 128] };
        let fills16: Vec<u16> = fills.iter().map(|&f| f.into()).collect();
        // A region at the right and bottom edges (partial MCUs) and one inside.
        let regions = vec![
            clip(w as u64 - 5, 3, w as u64, h as u64),
            clip(2, 9, 11, 14),
        ];
        let mut out = Vec::new();
        let o = blank(&jpeg, h.into(), w.into(), &regions, &fills16, &mut out)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(
            o.blocks_blanked > 0 && o.flat_at_average == 0,
            "{name}: {o:?}"
        );
        let px = w as usize * h as usize * spp;
        let (before, _) = dcmdjpeg(&wrap(vec![jpeg.clone()], w, h, spp as u16));
        let (after, _) = dcmdjpeg(&wrap(vec![out.clone()], w, h, spp as u16));
        let (before, after) = (&before[..px], &after[..px]);
        let (inside, outside) = check(
            name, before, after, w as usize, h as usize, &grids, &regions, &fills,
        );
        assert!(
            inside > 50 && outside > 500,
            "{name}: {inside} inside, {outside} outside"
        );
        // Blanking nothing gives the same decoded image.
        let mut same = Vec::new();
        let o = blank(&jpeg, h.into(), w.into(), &[], &fills16, &mut same).unwrap();
        assert_eq!(o, Outcome::default(), "{name}");
        assert_eq!(same, jpeg, "{name}: nothing to blank: the same bytes");
    }
}

/// The DHT segments of a JPEG: (class and id, counts, symbols) of each table.
fn dhts(jpeg: &[u8]) -> Vec<(u8, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 2;
    while jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA {
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if jpeg[i + 1] == 0xC4 {
            let mut b = &jpeg[i + 4..i + 2 + len];
            while !b.is_empty() {
                let n: usize = b[1..17].iter().map(|&c| c as usize).sum();
                out.push((b[0], b[1..17].to_vec(), b[17..17 + n].to_vec()));
                b = &b[17 + n..];
            }
        }
        i += 2 + len;
    }
    out
}

#[test]
fn a_missing_dc_category_gets_a_code_and_a_full_table_falls_back_to_the_average() {
    let (w, h) = (40u16, 24u16);
    let regions = vec![clip(8, 8, 24, 16)];
    for (name, jpeg, flat) in small_dc_frames() {
        let mut out = Vec::new();
        let o = blank(&jpeg, h.into(), w.into(), &regions, &[0], &mut out).unwrap();
        assert_eq!(o.blocks_blanked, 2, "{name}");
        assert_eq!(o.flat_at_average, if flat { 2 } else { 0 }, "{name}");
        let (before, _) = dcmdjpeg(&wrap(vec![jpeg.clone()], w, h, 1));
        let (after, _) = dcmdjpeg(&wrap(vec![out.clone()], w, h, 1));
        let g = [Grid { sx: 1, sy: 1 }];
        if flat {
            // Kept blocks identical; blanked ones flat (no AC), at their own average.
            let outside: Vec<usize> = (0..before.len())
                .filter(|&p| {
                    !(8..24).contains(&(p % w as usize)) || !(8..16).contains(&(p / w as usize))
                })
                .collect();
            assert!(outside.iter().all(|&p| before[p] == after[p]), "{name}");
            for bx in [1usize, 2] {
                let px: Vec<u8> = (8..16)
                    .flat_map(|y| (0..8).map(move |x| (y, bx * 8 + x)))
                    .map(|(y, x)| after[y * w as usize + x])
                    .collect();
                assert!(px.iter().all(|&v| v == px[0]), "{name}: block {bx} is flat");
            }
            assert_eq!(dhts(&out), dhts(&jpeg), "{name}: tables unchanged");
        } else {
            check(
                name,
                &before,
                &after,
                w as usize,
                h as usize,
                &g,
                &regions,
                &[0],
            );
            let (old, new) = (dhts(&jpeg), dhts(&out));
            assert_eq!(new[1], old[1], "AC table unchanged");
            let (counts, symbols) = (&new[0].1, &new[0].2);
            assert_eq!(&symbols[..3], &[0, 1, 2], "existing symbols kept, in order");
            assert!(symbols.len() > 3, "a DC category added");
            // Existing codes unchanged: the added ones are longer than 2 bits.
            assert_eq!(counts[1], 3, "{counts:?}");
        }
    }
}

#[test]
fn text_carrying_segments_are_dropped_and_jfif_loses_its_thumbnail() {
    let mut jfif = b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x02\x01".to_vec();
    jfif.extend_from_slice(b"THUMBNAILPHI");
    let mut adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01".to_vec();
    adobe.extend_from_slice(b"ADOBETRAILERPHI");
    let seg = |m: u8, body: &[u8]| {
        let mut s = vec![0xFF, m];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let extra = vec![
        seg(0xE0, &jfif),
        seg(0xE1, b"Exif\0\0PATIENT^EXIFNAME"),
        seg(0xE2, b"ICC_PROFILE\0ICCPHI"),
        seg(0xEE, &adobe),
        seg(0xFE, b"COMMENTPHI Doe^Jane"),
        seg(0xE0, b"JFXX\0\x10THUMBJFXXPHI"),
    ];
    let m = Handmade {
        width: 16,
        height: 16,
        comps: vec![comp(1, 1, 4)],
        restart: 0,
        separate_scans: false,
        extra,
    };
    let jpeg = m.encode(busy);
    let mut out = Vec::new();
    let o = blank(&jpeg, 16, 16, &[clip(0, 0, 4, 4)], &[0], &mut out).unwrap();
    assert_eq!(o.segments_dropped, 4);
    for phi in [&b"PHI"[..], b"EXIF", b"Doe^Jane"] {
        assert!(
            !out.windows(phi.len()).any(|w| w == phi),
            "{:?} gone",
            String::from_utf8_lossy(phi)
        );
    }
    for marker in [0xE1u8, 0xE2, 0xFE] {
        assert!(
            !out.windows(2).any(|w| w == [0xFF, marker]),
            "FF {marker:02X} gone"
        );
    }
    assert_eq!(
        &out[2..20],
        b"\xFF\xE0\x00\x10JFIF\0\x01\x02\x01\x00\x48\x00\x48\x00\x00"
    );
    assert_eq!(
        &out[20..36],
        b"\xFF\xEE\x00\x0EAdobe\x00\x64\x00\x00\x00\x00\x01"
    );
    // Still decodes as the same image outside the region.
    let (before, _) = dcmdjpeg(&wrap(vec![jpeg], 16, 16, 1));
    let (after, _) = dcmdjpeg(&wrap(vec![out], 16, 16, 1));
    check(
        "segments",
        &before,
        &after,
        16,
        16,
        &[Grid { sx: 1, sy: 1 }],
        &[clip(0, 0, 4, 4)],
        &[0],
    );
}

fn sample_jpeg() -> Vec<u8> {
    Handmade {
        width: 24,
        height: 16,
        comps: vec![comp(1, 1, 4)],
        restart: 2,
        separate_scans: false,
        extra: vec![],
    }
    .encode(busy)
}

fn run(jpeg: &[u8], rows: u64, cols: u64) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![7];
    let r = blank(jpeg, rows, cols, &[clip(0, 0, 9, 9)], &[0], &mut out);
    match r {
        Ok(_) => Ok(out[1..].to_vec()),
        Err(e) => {
            assert_eq!(out, [7], "nothing written on error");
            Err(e)
        }
    }
}

fn malformed(r: Result<Vec<u8>, CodecError>) -> bool {
    matches!(r, Err(CodecError::Malformed(_)))
}

fn unsupported(r: Result<Vec<u8>, CodecError>) -> bool {
    matches!(r, Err(CodecError::Unsupported(_)))
}

#[test]
fn malformed_frames_are_refused_and_other_processes_are_unsupported() {
    let good = sample_jpeg();
    assert!(run(&good, 16, 24).is_ok());
    let mut padded = good.clone();
    padded.push(0);
    let blanked = run(&good, 16, 24).unwrap();
    assert_eq!(
        run(&padded, 16, 24).unwrap(),
        blanked,
        "a padding byte after EOI"
    );
    // Anything after EOI (padding, junk, text, a second image) is ignored by DCMTK and GDCM,
    // and dropped: the output ends at EOI.
    for tail in [
        &[0u8; 9][..],
        b"JUNK",
        b"DOE^JANE",
        &[0xFF, 0xD8, 0xFF, 0xD9],
    ] {
        let mut out = Vec::new();
        let jpeg = [&good[..], tail].concat();
        let o = blank(&jpeg, 16, 24, &[clip(0, 0, 9, 9)], &[0], &mut out).unwrap();
        assert_eq!(out, blanked, "{tail:?}");
        let junk = tail.iter().any(|&b| b != 0);
        assert_eq!(o.after_eoi, if junk { tail.len() as u64 } else { 0 });
    }
    let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let sof = good.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let data = sos + 2 + 10; // SOS of one component: 8 bytes + length
    let with = |at: usize, bytes: &[u8]| {
        let mut j = good.clone();
        j[at..at + bytes.len()].copy_from_slice(bytes);
        j
    };
    // Truncated: in the entropy-coded data, and in a segment.
    assert!(malformed(run(&good[..good.len() - 12], 16, 24)));
    assert!(malformed(run(&good[..data + 3], 16, 24)));
    assert!(malformed(run(&good[..sof + 6], 16, 24)));
    // A bit pattern that is no code (sixteen 1s), a marker inside the data.
    assert!(malformed(run(
        &with(data, &[0xFF, 0x00, 0xFF, 0x00]),
        16,
        24
    )));
    assert!(malformed(run(&with(data + 4, &[0xFF, 0xD9]), 16, 24)));
    // The SOF disagrees with the attributes; the wrong number of components.
    assert!(malformed(run(&good, 17, 24)));
    assert!(malformed(run(&good, 16, 23)));
    let mut out = Vec::new();
    assert!(matches!(
        blank(&good, 16, 24, &[], &[0, 128, 128], &mut out),
        Err(CodecError::Malformed(_))
    ));
    // RST markers out of order or missing.
    let rst = good.windows(2).position(|w| w == [0xFF, 0xD0]).unwrap();
    assert!(malformed(run(&with(rst, &[0xFF, 0xD3]), 16, 24)));
    assert!(malformed(run(&with(rst, &[0xFF, 0xC4]), 16, 24)));
    assert!(malformed(run(&good[2..], 16, 24)), "no SOI");
    // Other processes, DNL, 12-bit.
    for (m, what) in [
        (0xC2u8, "progressive"),
        (0xC3, "lossless"),
        (0xC5, "hierarchical"),
        (0xC9, "arithmetic"),
    ] {
        assert!(unsupported(run(&with(sof, &[0xFF, m]), 16, 24)), "{what}");
    }
    assert!(
        unsupported(run(&with(sof + 5, &[0, 0]), 16, 24)),
        "DNL height"
    );
    // Precisions other than 8 and 12 bits (12 is walked: see the 12-bit tests).
    for p in [0u8, 7, 11, 13, 16] {
        assert!(malformed(run(&with(sof + 4, &[p]), 16, 24)), "{p}-bit");
    }
}

#[test]
fn hostile_mutations_never_panic_and_never_blow_up() {
    let mut seeds = vec![sample_jpeg()];
    let colour = Handmade {
        width: 21,
        height: 19,
        comps: vec![comp(2, 2, 2), comp(1, 1, 3), comp(1, 1, 3)],
        restart: 1,
        separate_scans: false,
        extra: vec![],
    };
    seeds.push(colour.encode(busy));
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        let fills: &[u16] = if seed.len() > 400 {
            &[0, 128, 128]
        } else {
            &[0]
        };
        let (rows, cols) = if seed.len() > 400 { (19, 21) } else { (16, 24) };
        for _ in 0..3000 {
            let mut j = seed.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % j.len() as u64) as usize;
                match next() % 4 {
                    0 => j[at] = next() as u8,
                    1 => j[at] ^= 1 << (next() % 8),
                    2 => j.truncate(at.max(2)),
                    _ => j.insert(at, 0xFF),
                }
            }
            let mut out = Vec::new();
            if blank(&j, rows, cols, &[clip(0, 0, 12, 12)], fills, &mut out).is_ok() {
                assert!(out.len() <= 24 * j.len() + 4096);
            }
        }
    }
}

/// `cargo test --release --test jpeg -- --ignored --nocapture speed`
#[test]
#[ignore]
fn speed() {
    let native = native_file("RGB", 640, 480, 1, clip(40, 40, 400, 120));
    let jpeg = dcmcjpeg(&native, &["+eb", "+s2"]);
    let frame = frames(&jpeg).remove(0);
    let regions = [clip(40, 40, 400, 120)];
    let start = std::time::Instant::now();
    let n = 200;
    let mut out = Vec::new();
    for _ in 0..n {
        out.clear();
        blank(&frame, 480, 640, &regions, &[0, 128, 128], &mut out).unwrap();
    }
    let fps = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "640×480 RGB 4:2:2 ({} bytes): {fps:.0} frames/s",
        frame.len()
    );
}

#[test]
fn a_missing_end_of_block_is_added_or_the_frame_is_unsupported() {
    // Every AC coefficient is 1: no block needs EOB, so the tables lack it.
    let dense = |_: usize, bx: usize, _: usize| {
        let mut k = [1i32; 64];
        k[0] = bx as i32 % 3;
        k
    };
    let one = |n: usize| {
        let mut counts = [0u8; 16];
        counts[0] = n as u8;
        counts
    };
    let (w, h) = (32u16, 16u16);
    let regions = [clip(8, 0, 16, 8)];
    for (name, ac, added) in [
        (
            "room",
            Table {
                counts: one(1),
                symbols: vec![0x01],
            },
            true,
        ),
        (
            "full",
            Table {
                counts: one(2),
                symbols: vec![0x01, 0x11],
            },
            false,
        ),
    ] {
        let c = Comp {
            h: 1,
            v: 1,
            q: 4,
            dc: Table::dc(),
            ac,
        };
        let m = Handmade {
            width: w,
            height: h,
            comps: vec![c],
            restart: 0,
            separate_scans: false,
            extra: vec![],
        };
        let jpeg = m.encode(dense);
        let mut out = Vec::new();
        let r = blank(&jpeg, h.into(), w.into(), &regions, &[0], &mut out);
        if !added {
            assert!(
                matches!(r, Err(CodecError::Unsupported(_))),
                "{name}: {r:?}"
            );
            continue;
        }
        assert_eq!(r.unwrap().blocks_blanked, 1, "{name}");
        assert_eq!(dhts(&out)[1].2, vec![0x01, 0x00], "{name}: EOB appended");
        let (before, _) = dcmdjpeg(&wrap(vec![jpeg], w, h, 1));
        let (after, _) = dcmdjpeg(&wrap(vec![out], w, h, 1));
        check(
            name,
            &before,
            &after,
            w as usize,
            h as usize,
            &[Grid { sx: 1, sy: 1 }],
            &regions,
            &[0],
        );
    }
}

/// A DICOM file around hand-made 12-bit JPEG Extended frames (16 bits allocated, 12 stored).
fn wrap12(frames: Vec<Vec<u8>>, width: u16, height: u16) -> Vec<u8> {
    Layout::new("MONOCHROME2", 16, height, width, frames.len() as u16)
        .stored(12)
        .encapsulated_file(EXTENDED, &frames)
}

/// 16-bit samples of a decoded file, little endian.
fn words(file: &[u8]) -> Vec<u16> {
    common::pixel_bytes(file)
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// A 12-bit grey frame blanked and decoded by DCMTK and GDCM: every pixel of a block touching a
/// region is 0, every other pixel as the input decodes to. (pixels blanked, pixels kept)
fn check12(name: &str, jpeg: &[u8], w: u16, h: u16, regions: &[Clip]) -> (usize, usize) {
    let mut out = Vec::new();
    let o = blank(jpeg, h.into(), w.into(), regions, &[0], &mut out)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert!(
        o.blocks_blanked > 0 && o.flat_at_average == 0,
        "{name}: {o:?}"
    );
    let (input, output) = (wrap12(vec![jpeg.to_vec()], w, h), wrap12(vec![out], w, h));
    let before = words(&dcmtk("dcmdjpeg", &[], &input));
    let after = words(&dcmtk("dcmdjpeg", &[], &output));
    let gdcm = words(&dcmtk("gdcmconv", &["--raw"], &output));
    assert_eq!(
        gdcm, after,
        "{name}: GDCM and DCMTK decode the output alike"
    );
    assert_eq!(
        words(&dcmtk("gdcmconv", &["--raw"], &input)),
        before,
        "{name}"
    );
    let (w, h) = (w as usize, h as usize);
    assert!(before.iter().any(|&v| v > 255), "{name}: 12-bit samples");
    let (mut inside, mut outside) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            let (bx, by) = ((x / 8 * 8) as u64, (y / 8 * 8) as u64);
            let touched = regions
                .iter()
                .any(|r| bx < r.x1 && r.x0 < bx + 8 && by < r.y1 && r.y0 < by + 8);
            let (a, b) = (before[y * w + x], after[y * w + x]);
            match touched {
                true => {
                    assert_eq!(b, 0, "{name}: ({x}, {y}) blanked");
                    inside += 1;
                }
                false => {
                    assert_eq!(b, a, "{name}: ({x}, {y}) outside");
                    outside += 1;
                }
            }
        }
    }
    (inside, outside)
}

#[test]
fn twelve_bit_extended_frames_are_blanked_block_by_block() {
    // DCMTK: 12-bit input to `dcmcjpeg +ee` gives process 4 (SOF1, 12-bit precision).
    let (w, h) = (100u16, 61u16);
    let n = Layout::new("MONOCHROME2", 16, h, w, 2).stored(12);
    let band = clip(13, 10, 83, 21);
    let mut px = Vec::new();
    for f in 0..2usize {
        for y in 0..h as usize {
            for x in 0..w as usize {
                let (xb, yb) = (x as u64, y as u64);
                let in_band = (band.x0..band.x1).contains(&xb) && (band.y0..band.y1).contains(&yb);
                let text = in_band && (x / 2 + y / 3 + f) % 3 == 0;
                px.push(match text {
                    true => 4095u16,
                    false => (300 + x * 31 + y * 17 + f * 50) as u16 % 3800 + 100,
                });
            }
        }
    }
    let frame_len = n.samples();
    let native = n.native_file(
        &px.chunks(frame_len)
            .map(<[u16]>::to_vec)
            .collect::<Vec<_>>(),
    );
    let jpeg = dcmcjpeg(&native, &["+ee"]);
    assert_eq!(transfer_syntax(&jpeg), EXTENDED);
    let frames = frames(&jpeg);
    assert_eq!(frames.len(), 2);
    for (i, frame) in frames.iter().enumerate() {
        let sof = frame.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
        assert_eq!(frame[sof + 4], 12, "DCMTK's precision");
        let (inside, outside) = check12(&format!("DCMTK frame {i}"), frame, w, h, &[band]);
        assert!(inside > 1000 && outside > 3000, "{inside} {outside}");
    }

    // By hand: DC differences of every category up to 15 (12-bit DCs), a table coding them
    // all, quantiser 1 (the fill's DC, -16384, is far from the blocks'), restarts; and in SOF0,
    // which T.81 keeps for 8 bits but libjpeg and GDCM decode at 12 as well.
    let dc = Table {
        counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        symbols: (0..16).collect(),
    };
    let big = |c: usize, bx: usize, by: usize| {
        let mut k = busy(c, bx, by);
        k[0] = ((bx * 7919 + by * 104_729) % 30_001) as i32 - 15_000;
        k
    };
    for (sof, restart) in [(0xC1u8, 3u16), (0xC0, 0)] {
        let (w, h) = (45u16, 29u16);
        let m = Handmade {
            width: w,
            height: h,
            comps: vec![Comp {
                h: 1,
                v: 1,
                q: 1,
                dc: dc.clone(),
                ac: Table::ac(),
            }],
            restart,
            separate_scans: false,
            extra: vec![],
        };
        let mut jpeg = m.encode(big);
        let at = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[at + 1] = sof;
        jpeg[at + 4] = 12;
        let regions = [
            clip(w as u64 - 5, 3, w as u64, h as u64),
            clip(2, 9, 11, 14),
        ];
        let name = format!("hand-made SOF{}", sof & 15);
        let (inside, outside) = check12(&name, &jpeg, w, h, &regions);
        assert!(inside > 200 && outside > 500, "{name}: {inside} {outside}");
    }
}

/// Blanks `jpeg`, then blanks what that wrote with the same regions and fills: the same bytes,
/// the same outcome. Returns the first pass's frame and outcome.
fn blank_twice(
    name: &str,
    jpeg: &[u8],
    rows: u64,
    cols: u64,
    regions: &[Clip],
    fills: &[u16],
) -> (Vec<u8>, Outcome) {
    let mut once = Vec::new();
    let first = blank(jpeg, rows, cols, regions, fills, &mut once)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let mut twice = Vec::new();
    let second = blank(&once, rows, cols, regions, fills, &mut twice)
        .unwrap_or_else(|e| panic!("{name}, second pass: {e:?}"));
    assert!(twice == once, "{name}: a second pass changed the frame");
    assert_eq!(
        (second.blocks_blanked, second.flat_at_average),
        (first.blocks_blanked, first.flat_at_average),
        "{name}"
    );
    (once, first)
}

#[test]
fn blanking_a_blanked_frame_again_changes_no_byte() {
    // Categories 0 and 5 in 2 bits: room for what the fills need.
    let sparse = Table {
        counts: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        symbols: vec![0, 5],
    };
    // Categories 0 and 5, then codes of 3 to 15 bits for symbols no DC difference uses
    // (0x20 and up): room for one code only (16 bits; all ones is reserved).
    let mut counts = [1u8; 16];
    counts[15] = 0;
    let tight = Table {
        counts,
        symbols: [0, 5].into_iter().chain(0x20..0x2D).collect(),
    };
    let (rows, cols) = (48u64, 100u64);
    // The fuzzer's region (chroma block 0 of row 0, alone: 0 into YBR's 0, 20 out, categories
    // the table has); chroma blocks 3..=4 of row 0 (after 40, before 100: categories 6 and 7
    // into and out of YBR's 0); chroma blocks 0..=1 of row 1 (40 after them: category 6).
    let regions = [clip(1, 1, 7, 6), clip(49, 2, 79, 14), clip(1, 17, 31, 30)];
    let ybr = [0u16, 128, 128];
    let zero = [0u16, 0, 0];
    for (name, dc, fills, flat) in [
        ("room, YBR fills", &sparse, &ybr, 0),
        // Zero chroma is DC -341 at q 3: category 9 into and out of every run.
        ("room, zero chroma", &sparse, &zero, 0),
        // Row 0's run of two needs categories 6 and 7 and only one code fits: flat at its
        // average (in both chroma components); row 1's run then takes the last code for 6. A
        // second pass finds 6 there, and still no room for 7.
        ("one code of room, YBR fills", &tight, &ybr, 4),
        ("one code of room, zero chroma", &tight, &zero, 0),
    ] {
        let jpeg = climbing_chroma(dc);
        let (once, o) = blank_twice(name, &jpeg, rows, cols, &regions, fills);
        assert_eq!(o.flat_at_average, flat, "{name}: {o:?}");
        let (old, new) = (dhts(&jpeg), dhts(&once));
        for c in [1, 2] {
            let (table, added) = (&new[2 * c].2, &new[2 * c].2[old[2 * c].2.len()..]);
            assert_eq!(
                table[..2],
                [0, 5],
                "{name}: existing symbols kept, in order"
            );
            assert!(!added.is_empty(), "{name}: a DC category added");
        }
        // The first pass decodes as its blanking says; the second one is the same bytes.
        if flat == 0 {
            let grids = [
                Grid { sx: 1, sy: 1 },
                Grid { sx: 2, sy: 2 },
                Grid { sx: 2, sy: 2 },
            ];
            let wrap = |f: &[u8]| wrap(vec![f.to_vec()], cols as u16, rows as u16, 3);
            let ((before, _), (after, _)) = (dcmdjpeg(&wrap(&jpeg)), dcmdjpeg(&wrap(&once)));
            let fills8: Vec<u8> = fills.iter().map(|&f| f as u8).collect();
            let px = (rows * cols * 3) as usize;
            check(
                name,
                &before[..px],
                &after[..px],
                cols as usize,
                rows as usize,
                &grids,
                &regions,
                &fills8,
            );
        }
    }
}
