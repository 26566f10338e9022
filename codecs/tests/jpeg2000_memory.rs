//! Peak heap of decoding a mammogram-sized frame (4096x3328, 12 bits in 16, one tile,
//! lossless) through `read_rows`, against hayro-jpeg2000 decoding it whole. A counting
//! global allocator measures it; this binary runs only this test so nothing else allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = NOW.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        NOW.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

fn reset_peak() -> usize {
    let now = NOW.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

fn mammogram(args: &[&str]) -> Vec<u8> {
    let (w, h) = (4096usize, 3328usize);
    let mut raw = Vec::with_capacity(w * h * 2);
    let mut s = 12345u32;
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            // A breast-like blob on a dark background, with noise.
            let (dx, dy) = (x as f64 / w as f64, y as f64 / h as f64 - 0.5);
            let inside = dx * dx + dy * dy < 0.3;
            let v = if inside {
                1500.0 + 1500.0 * (1.0 - dx) + (s % 200) as f64
            } else {
                (s % 8) as f64
            };
            raw.extend_from_slice(&(v.min(4095.0) as u16).to_be_bytes());
        }
    }
    let dir = std::env::temp_dir().join(format!("j2k-mem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (i, o) = (dir.join("m.raw"), dir.join("m.j2k"));
    std::fs::write(&i, raw).unwrap();
    let st = Command::new("opj_compress")
        .arg("-i")
        .arg(&i)
        .arg("-o")
        .arg(&o)
        .args(["-F", "4096,3328,1,12,u"])
        .args(args)
        .output()
        .expect("opj_compress (apt-get install libopenjp2-tools)");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let v = std::fs::read(&o).unwrap();
    let t = std::time::Instant::now();
    let st = Command::new("opj_decompress")
        .arg("-i")
        .arg(&o)
        .arg("-o")
        .arg(dir.join("d.raw"))
        .output()
        .expect("opj_decompress");
    assert!(st.status.success());
    eprintln!(
        "opj_decompress {args:?} (whole process, writing raw): {:?}",
        t.elapsed()
    );
    let _ = std::fs::remove_dir_all(dir);
    v
}

#[test]
fn mammogram_decodes_in_bounded_memory() {
    for args in [&[][..], &["-I", "-r", "10"][..]] {
        let j2k = mammogram(args);
        let coded = j2k.len();
        let base = reset_peak();
        let t = std::time::Instant::now();
        let mut d = pixel_codecs::jpeg2000::Decoder::new(&j2k, 1 << 26).unwrap();
        let mut rows = vec![0u16; 4096 * 16];
        let mut total = 0u64;
        let mut sum = 0u64;
        loop {
            let n = d.read_rows(&mut rows).unwrap();
            if n == 0 {
                break;
            }
            total += n as u64;
            sum += rows[..n * 4096].iter().map(|&v| u64::from(v)).sum::<u64>();
        }
        let ours_time = t.elapsed();
        drop(d);
        let ours = PEAK.load(Ordering::Relaxed) - base;
        assert_eq!(total, 3328);
        // hayro, whole image (what src/pixels/j2k.rs does).
        let base = reset_peak();
        let t = std::time::Instant::now();
        let settings = hayro_jpeg2000::DecodeSettings {
            resolve_palette_indices: false,
            strict: false,
            target_resolution: None,
        };
        let image = hayro_jpeg2000::Image::new(&j2k, &settings).unwrap();
        let mut ctx = hayro_jpeg2000::DecoderContext::default();
        let decoded = image.decode(&mut ctx).unwrap();
        let hsum: u64 = decoded.components()[0]
            .samples()
            .iter()
            .take(4096 * 3328)
            .map(|&v| v.round().clamp(0.0, 4095.0) as u64)
            .sum();
        let hayro_time = t.elapsed();
        drop(decoded);
        drop(ctx);
        let hayro = PEAK.load(Ordering::Relaxed) - base;
        eprintln!(
            "{args:?}: coded {coded} B; peak heap: ours {ours} B ({:.1} MiB, read_rows of 16 rows), hayro {hayro} B ({:.1} MiB); time: ours {ours_time:?}, hayro {hayro_time:?}",
            ours as f64 / 1048576.0,
            hayro as f64 / 1048576.0
        );
        assert_eq!(sum, hsum, "{args:?}: sums differ from hayro");
        assert!(ours < 16 << 20, "{args:?}: peak {ours} B");
    }
}
