//! The JPEG 2000 decoder against OpenJPEG (`opj_compress` encodes, `opj_decompress` and
//! hayro-jpeg2000 decode) over the coding options, plus refusals. The tools must be
//! installed (Debian: libopenjp2-tools); a missing tool fails the tests.

mod common;

use pixel_codecs::jpeg2000::{decode, Decoder};
use pixel_codecs::{CodecError, Image};
use std::path::PathBuf;
use std::process::Command;
use test_tools::Scratch;

/// A test image: gradient plus noise, `n` components, planar values in `bits` bits.
fn image(w: u32, h: u32, n: u8, bits: u8, signed: bool, seed: u32) -> Image {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
    let max = (1u32 << bits) - 1;
    let mut samples = Vec::with_capacity((w * h) as usize * n as usize);
    for y in 0..h {
        for x in 0..w {
            for c in 0..n as u32 {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let g = ((x * 7 + y * 3 + c * 50) * max / (w * 7 + h * 3 + 150)).min(max);
                let noise = s % (max / 16 + 2);
                let v = (g + noise).min(max);
                samples.push(v as u16);
            }
        }
    }
    let mut img = Image {
        width: w,
        height: h,
        components: n,
        precision: bits,
        samples,
    };
    if signed {
        // As two's complement in `bits` bits (the decoder's output form).
        let flip = 1u16 << (bits - 1);
        img.samples.iter_mut().for_each(|v| *v ^= flip);
    }
    img
}

/// Encodes with opj_compress from a planar big-endian raw file.
fn opj_encode(img: &Image, signed: bool, args: &[&str]) -> Vec<u8> {
    let dir = Scratch::new("opj-encode");
    let (raw, out) = (dir.0.join("in.raw"), dir.0.join("out.j2k"));
    let (w, h, n) = (
        img.width as usize,
        img.height as usize,
        img.components as usize,
    );
    let wide = img.precision > 8;
    let mut bytes = Vec::new();
    for c in 0..n {
        for i in 0..w * h {
            let v = img.samples[i * n + c];
            // Sign-extend two's complement samples.
            let v = if signed && v >> (img.precision - 1) & 1 == 1 {
                (v as u32 | !((1u32 << img.precision) - 1)) as u16
            } else {
                v
            };
            if wide {
                bytes.extend_from_slice(&v.to_be_bytes());
            } else {
                bytes.push(v as u8);
            }
        }
    }
    std::fs::write(&raw, bytes).unwrap();
    let f = format!(
        "{w},{h},{n},{},{}",
        img.precision,
        if signed { "s" } else { "u" }
    );
    let o = Command::new("opj_compress")
        .arg("-i")
        .arg(&raw)
        .arg("-o")
        .arg(&out)
        .args(["-F", &f])
        .args(args)
        .output()
        .expect("opj_compress (apt-get install libopenjp2-tools)");
    assert!(
        o.status.success(),
        "opj_compress {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read(&out).unwrap()
}

/// opj_decompress's samples (its .raw output is little-endian), pixel-interleaved, two's complement in `precision` bits.
fn opj_decode(j2k: &[u8], info: &Image) -> Vec<u16> {
    let dir = Scratch::new("opj-decode");
    let (inp, out) = (dir.0.join("in.j2k"), dir.0.join("out.raw"));
    std::fs::write(&inp, j2k).unwrap();
    let o = Command::new("opj_decompress")
        .arg("-i")
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("opj_decompress (apt-get install libopenjp2-tools)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&out).unwrap();
    let (w, h, n) = (
        info.width as usize,
        info.height as usize,
        info.components as usize,
    );
    let wide = info.precision > 8;
    let mask = ((1u32 << info.precision) - 1) as u16;
    let mut v = vec![0u16; w * h * n];
    for c in 0..n {
        for i in 0..w * h {
            let k = c * w * h + i;
            let s = if wide {
                u16::from_le_bytes([bytes[2 * k], bytes[2 * k + 1]])
            } else {
                u16::from(bytes[k])
            };
            v[i * n + c] = s & mask;
        }
    }
    v
}

/// What the project decodes today (src/pixels/j2k.rs): hayro-jpeg2000.
fn hayro(frame: &[u8], signed: bool) -> Result<Vec<u16>, String> {
    use hayro_jpeg2000::{DecodeSettings, DecoderContext};
    let settings = DecodeSettings {
        resolve_palette_indices: false,
        strict: false,
        target_resolution: None,
    };
    let image = hayro_jpeg2000::Image::new(frame, &settings).map_err(|e| e.to_string())?;
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(|e| e.to_string())?;
    let planes = decoded.components();
    let pixels = (image.width() * image.height()) as usize;
    let precision = planes[0].bit_depth();
    let max = ((1u32 << precision) - 1) as f32;
    let flip = if signed { 1u16 << (precision - 1) } else { 0 };
    let mut out = Vec::with_capacity(pixels * planes.len());
    for i in 0..pixels {
        for p in planes {
            let v = p.samples().get(i).copied().unwrap_or(0.0);
            out.push((v.round().clamp(0.0, max) as u16) ^ flip);
        }
    }
    Ok(out)
}

/// Decodes through `read_rows` with buffers of a few rows, as the frame stream will.
fn by_rows(frame: &[u8], rows_per_call: usize) -> Result<Vec<u16>, CodecError> {
    let mut d = Decoder::new(frame, 1 << 28)?;
    let i = d.info();
    let row = i.width as usize * i.components as usize;
    let mut out = Vec::new();
    let mut buf = vec![0u16; row * rows_per_call];
    loop {
        let n = d.read_rows(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n * row]);
    }
    Ok(out)
}

struct Outcome {
    differ_opj: usize,
    max_opj: u16,
    differ_hayro: usize,
}

/// Encodes `img` with `args`, decodes with everything, compares.
fn check(img: &Image, signed: bool, args: &[&str], lossless: bool) -> Outcome {
    let j2k = opj_encode(img, signed, args);
    let ours = decode(&j2k, 1 << 28).unwrap_or_else(|e| panic!("{args:?}: {e:?}"));
    assert_eq!(
        (ours.width, ours.height, ours.components, ours.precision),
        (img.width, img.height, img.components, img.precision),
        "{args:?}"
    );
    let rows = by_rows(&j2k, 3).unwrap();
    assert!(
        rows == ours.samples,
        "{args:?}: read_rows and decode differ"
    );
    let opj = opj_decode(&j2k, img);
    let mut o = Outcome {
        differ_opj: 0,
        max_opj: 0,
        differ_hayro: 0,
    };
    for (a, b) in ours.samples.iter().zip(&opj) {
        if a != b {
            o.differ_opj += 1;
            o.max_opj = o.max_opj.max(a.abs_diff(*b));
        }
    }
    if let Ok(h) = hayro(&j2k, signed) {
        o.differ_hayro = ours.samples.iter().zip(&h).filter(|(a, b)| a != b).count();
    } else {
        o.differ_hayro = usize::MAX;
    }
    if lossless {
        if let Some(i) = ours
            .samples
            .iter()
            .zip(&img.samples)
            .position(|(a, b)| a != b)
        {
            panic!(
                "{args:?}: sample {i} (x {} y {}) is {} not {} ({} differ from the source, {} from opj)",
                (i / img.components as usize) % img.width as usize,
                (i / img.components as usize) / img.width as usize,
                ours.samples[i],
                img.samples[i],
                ours.samples.iter().zip(&img.samples).filter(|(a, b)| a != b).count(),
                o.differ_opj
            );
        }
        assert_eq!(o.differ_opj, 0, "{args:?}");
    } else {
        assert!(o.max_opj <= 1, "{args:?}: off by {} from opj", o.max_opj);
    }
    o
}

#[test]
fn lossless_single_tile_gray() {
    for bits in [8, 12, 16] {
        let img = image(67, 45, 1, bits, false, 1);
        check(&img, false, &[], true);
    }
}

/// Runs `check` on each case, reporting all failures at once.
fn matrix(cases: &[(Image, bool, Vec<&str>, bool)]) {
    let mut failures = Vec::new();
    for (img, signed, args, lossless) in cases {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(img, *signed, args, *lossless)
        }));
        match r {
            Ok(o) => eprintln!(
                "{}x{}x{} {}b{} {args:?}: {} differ from opj (max {}), {} from hayro",
                img.width,
                img.height,
                img.components,
                img.precision,
                if *signed { " signed" } else { "" },
                o.differ_opj,
                o.max_opj,
                if o.differ_hayro == usize::MAX {
                    "hayro failed".to_string()
                } else {
                    o.differ_hayro.to_string()
                }
            ),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{args:?}: {msg}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn lossless_options() {
    let gray = image(97, 83, 1, 12, false, 2);
    let rgb = image(61, 53, 3, 8, false, 3);
    let cases: Vec<Vec<&str>> = vec![
        vec!["-n", "1"],
        vec!["-n", "2"],
        vec!["-n", "7"],
        vec!["-r", "20,10,5,1"],
        vec!["-p", "LRCP", "-r", "10,5,1"],
        vec!["-p", "RLCP", "-r", "10,5,1"],
        vec!["-p", "RPCL", "-r", "10,5,1"],
        vec!["-p", "PCRL", "-r", "10,5,1"],
        vec!["-p", "CPRL", "-r", "10,5,1"],
        vec!["-t", "32,32"],
        vec!["-t", "40,24", "-p", "RPCL", "-n", "3"],
        vec!["-d", "3,5"],
        vec!["-d", "17,9", "-t", "32,32", "-T", "5,3"],
        vec!["-c", "[32,32],[16,16]"],
        vec!["-c", "[16,16]", "-p", "PCRL", "-r", "4,1", "-n", "5"],
        vec!["-c", "[64,32],[32,16],[16,8]", "-p", "CPRL"],
        vec!["-b", "32,32"],
        vec!["-b", "64,16"],
        vec!["-b", "4,1024"],
        vec!["-b", "4,4"],
        vec!["-M", "1"],
        vec!["-M", "2"],
        vec!["-M", "4"],
        vec!["-M", "8"],
        vec!["-M", "16"],
        vec!["-M", "32"],
        vec!["-M", "63", "-r", "8,2,1"],
        vec!["-M", "5", "-r", "8,2,1"],
        vec!["-M", "9", "-b", "16,16"],
        vec!["-SOP", "-EPH"],
        vec!["-SOP", "-EPH", "-r", "5,1", "-t", "48,48"],
        vec!["-TP", "R", "-t", "48,48"],
        vec!["-TP", "L", "-r", "5,1"],
        vec!["-TP", "C"],
        vec!["-PLT", "-TLM", "-t", "48,48"],
        vec!["-POC", "T0=0,0,2,3,1,LRCP/T0=0,0,7,6,1,RPCL", "-r", "4,1"],
        vec!["-ROI", "c=0,U=3"],
        vec!["-GuardBits", "1"],
        vec!["-n", "6", "-d", "1,1"],
        vec!["-n", "7", "-d", "63,1", "-b", "4,4"],
    ];
    let mut all = Vec::new();
    for a in &cases {
        all.push((gray.clone(), false, a.clone(), true));
    }
    for a in [
        vec![],
        vec!["-mct", "0"],
        vec!["-mct", "1", "-p", "CPRL", "-r", "6,1"],
        vec!["-t", "29,31", "-d", "2,3", "-n", "4"],
    ] {
        all.push((rgb.clone(), false, a, true));
    }
    // (opj_compress reads no 4-component 12-bit raw file.)
    for (n, bits) in [(1, 16), (1, 8), (4, 16), (4, 8), (3, 16), (1, 2)] {
        all.push((
            image(37, 29, n, bits, false, 9),
            false,
            vec!["-n", "4"],
            true,
        ));
        all.push((
            image(37, 29, n, bits, true, 10),
            true,
            vec!["-n", "3"],
            true,
        ));
    }
    matrix(&all);
}

#[test]
fn lossy_options() {
    let gray = image(97, 83, 1, 12, false, 4);
    let rgb = image(61, 53, 3, 8, false, 5);
    let mut all = Vec::new();
    for a in [
        vec!["-I"],
        vec!["-I", "-r", "10"],
        vec!["-I", "-r", "40,20,10"],
        vec!["-I", "-n", "7", "-d", "5,3"],
        vec!["-I", "-t", "40,24", "-r", "8", "-n", "3"],
        vec!["-I", "-M", "63", "-r", "12"],
        vec!["-r", "12"],
    ] {
        all.push((gray.clone(), false, a, false));
    }
    for a in [
        vec!["-I"],
        vec!["-I", "-r", "20"],
        vec!["-I", "-mct", "0", "-r", "15"],
    ] {
        all.push((rgb.clone(), false, a, false));
    }
    all.push((
        image(50, 40, 1, 16, true, 6),
        true,
        vec!["-I", "-r", "5"],
        false,
    ));
    matrix(&all);
}

/// A Python with pydicom: `DICOM_SANITIZER_PYTHON` (as `make test` sets it), else the
/// workspace's pyenv (`make pyenv`).
fn python() -> PathBuf {
    if let Ok(p) = std::env::var("DICOM_SANITIZER_PYTHON") {
        return p.into();
    }
    let pyenv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pyenv/bin/python");
    assert!(pyenv.exists(), "no Python with pydicom: run `make pyenv`");
    pyenv
}

/// Every JPEG 2000 frame of pydicom's test files equals what hayro-jpeg2000 (the project's
/// decoder until now) gives.
#[test]
fn pydicom_frames_equal_hayro() {
    let scratch = Scratch::new("pydicom");
    let dir = &scratch.0;
    let script = r#"
import os, sys, warnings
warnings.simplefilter("ignore")
import pydicom
import pydicom.data
out = sys.argv[1]
# The files pydicom's wheel carries (get_testdata_files may fetch more from the network).
here = os.path.join(os.path.dirname(pydicom.data.__file__), "test_files")
for f in sorted(os.path.join(here, n) for n in os.listdir(here)):
    try:
        ds = pydicom.dcmread(f)
        ts = str(ds.file_meta.TransferSyntaxUID)
    except Exception:
        continue
    if ts not in ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"):
        continue
    n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    try:
        from pydicom.encaps import generate_frames
        frames = generate_frames(ds.PixelData, number_of_frames=n)
    except ImportError:
        from pydicom.encaps import generate_pixel_data_frame
        frames = generate_pixel_data_frame(ds.PixelData, n)
    for i, fr in enumerate(frames):
        open(os.path.join(out, "%s.%d.j2k" % (os.path.basename(f), i)), "wb").write(fr)
"#;
    let o = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(dir)
        .output()
        .expect("python");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "pydicom gave {} frames", names.len());
    for p in &names {
        let frame = std::fs::read(p).unwrap();
        let ours = decode(&frame, 1 << 28);
        if let Err(CodecError::Unsupported(e)) = &ours {
            // src/pixels/j2k.rs refuses the same from SIZ before hayro sees it (hayro would
            // try to allocate the 3722445056x1024 image of the garbled frame).
            eprintln!("{}: {e}", p.display());
            assert!(e.contains("exceed the limit"), "{e}");
            continue;
        }
        let signed = Decoder::new(&frame, 1 << 28).map(|d| d.info().signed);
        match (ours, hayro(&frame, signed.clone().unwrap_or(false))) {
            (Ok(img), Ok(h)) => {
                let differ = img.samples.iter().zip(&h).filter(|(a, b)| a != b).count();
                eprintln!(
                    "{}: {}x{}x{} {} bits: {differ} samples differ from hayro",
                    p.display(),
                    img.width,
                    img.height,
                    img.components,
                    img.precision
                );
                assert_eq!(differ, 0, "{}", p.display());
                assert_eq!(img.samples.len(), h.len());
            }
            (a, b) => panic!("{}: ours {:?}, hayro {:?}", p.display(), a.err(), b.err()),
        }
    }
}

/// The committed streams (the fuzz seeds, small opj_compress outputs, and inputs the fuzzer
/// found) decode or fail without panicking, the same through `decode` and `read_rows`.
#[test]
fn committed_streams() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jpeg2000");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let frame = std::fs::read(&p).unwrap();
        let whole = decode(&frame, 1 << 22);
        let rows = by_rows(&frame, 5);
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        match (&whole, &rows) {
            (Ok(i), Ok(r)) => assert!(&i.samples == r, "{name}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
            _ => panic!(
                "{name}: decode {:?}, read_rows {:?}",
                whole.err(),
                rows.err()
            ),
        }
        if !name.starts_with("fuzz-") {
            assert!(whole.is_ok(), "{name}: {:?}", whole.err());
        }
        n += 1;
    }
    assert!(n >= 5);
}

/// Truncations and corruptions of a valid stream fail with an error, never a panic.
#[test]
fn truncated_and_garbled_streams_are_errors() {
    let img = image(40, 30, 3, 8, false, 11);
    let j2k = opj_encode(&img, false, &["-n", "3", "-r", "5,1"]);
    for cut in (0..j2k.len()).step_by(7) {
        let r = decode(&j2k[..cut], 1 << 22);
        // Tile-parts declare their length (Psot): any cut before EOC is malformed.
        if cut + 2 < j2k.len() {
            assert!(
                matches!(r, Err(CodecError::Malformed(_))),
                "cut at {cut}: {r:?}"
            );
        }
    }
    let mut s = 1u32;
    for _ in 0..300 {
        let mut bad = j2k.clone();
        for _ in 0..4 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let at = s as usize % bad.len();
            bad[at] ^= (s >> 8) as u8 | 1;
        }
        let _ = decode(&bad, 1 << 22);
    }
    assert!(matches!(decode(&j2k, 100), Err(CodecError::Unsupported(_))));
}
