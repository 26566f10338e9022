//! Inverse wavelet lifting (F.3.8): the reversible 5/3 on integers and the irreversible 9/7
//! on floats, along a row (interleaved samples) or down the rows of a window. Both extend
//! the signal symmetrically at its ends (F.3.7); callers keep false ends outside what they use.

/// A coefficient type with its own synthesis filter.
pub trait Sample: Copy + Default + 'static {
    /// Margin each side of a window that false (window) ends spoil.
    const MARGIN: u32;
    /// Synthesizes `x` in place: samples interleaved, the first at an odd position if `odd`.
    fn row(x: &mut [Self], odd: bool);
    /// Synthesizes down the columns of `rows` rows of `w` samples, the first row odd if `odd`.
    fn column(buf: &mut [Self], w: usize, rows: usize, odd: bool);
}

/// Applies `f(target, left, right)` to the rows of parity `first` (0 or 1), the neighbours
/// mirrored at the ends.
fn lift_rows<T: Copy>(buf: &mut [T], w: usize, n: usize, first: usize, f: impl Fn(&mut T, T, T)) {
    let mut i = first;
    while i < n {
        let l = if i > 0 { i - 1 } else { i + 1 };
        let r = if i + 1 < n { i + 1 } else { i - 1 };
        let (lo, hi) = buf.split_at_mut(i * w);
        let (cur, after) = hi.split_at_mut(w);
        let row_of = |k: usize| -> &[T] {
            if k < i {
                &lo[k * w..k * w + w]
            } else {
                &after[(k - i - 1) * w..(k - i) * w]
            }
        };
        let (lr, rr) = (row_of(l), row_of(r));
        for ((t, &a), &b) in cur.iter_mut().zip(lr).zip(rr) {
            f(t, a, b);
        }
        i += 2;
    }
}

/// The same along one row: positions of parity `first`.
#[inline(always)]
fn lift_1d<T: Copy>(x: &mut [T], first: usize, f: impl Fn(&mut T, T, T)) {
    let n = x.len();
    if n < 2 {
        return;
    }
    let mut i = first;
    if i == 0 {
        let r = x[1];
        f(&mut x[0], r, r);
        i = 2;
    }
    while i + 1 < n {
        let (a, b) = (x[i - 1], x[i + 1]);
        f(&mut x[i], a, b);
        i += 2;
    }
    if i == n - 1 {
        let a = x[i - 1];
        f(&mut x[i], a, a);
    }
}

impl Sample for i32 {
    const MARGIN: u32 = 3;
    fn row(x: &mut [i32], odd: bool) {
        if x.len() == 1 {
            if odd {
                x[0] /= 2;
            }
            return;
        }
        let (even, oddp) = if odd { (1, 0) } else { (0, 1) };
        lift_1d(x, even, |t, a, b| {
            *t = t.wrapping_sub(a.wrapping_add(b).wrapping_add(2) >> 2)
        });
        lift_1d(x, oddp, |t, a, b| {
            *t = t.wrapping_add(a.wrapping_add(b) >> 1)
        });
    }
    fn column(buf: &mut [i32], w: usize, n: usize, odd: bool) {
        if n == 1 {
            if odd {
                buf.iter_mut().for_each(|v| *v /= 2);
            }
            return;
        }
        let (even, oddp) = if odd { (1, 0) } else { (0, 1) };
        lift_rows(buf, w, n, even, |t, a, b| {
            *t = t.wrapping_sub(a.wrapping_add(b).wrapping_add(2) >> 2)
        });
        lift_rows(buf, w, n, oddp, |t, a, b| {
            *t = t.wrapping_add(a.wrapping_add(b) >> 1)
        });
    }
}

// Table F.4, as hayro-jpeg2000 applies them (the negated lifting constants).
const ALPHA: f32 = 1.586_134_3;
const BETA: f32 = 0.052_980_117;
const GAMMA: f32 = -0.882_911_1;
const DELTA: f32 = -0.443_506_87;
const KAPPA: f32 = 1.230_174_1;

impl Sample for f32 {
    const MARGIN: u32 = 5;
    fn row(x: &mut [f32], odd: bool) {
        if x.len() == 1 {
            if odd {
                x[0] *= 0.5;
            }
            return;
        }
        let (even, oddp) = if odd { (1, 0) } else { (0, 1) };
        let inv = 1.0 / KAPPA;
        for (i, v) in x.iter_mut().enumerate() {
            *v *= if i % 2 == even { KAPPA } else { inv };
        }
        lift_1d(x, even, |t, a, b| *t += (a + b) * DELTA);
        lift_1d(x, oddp, |t, a, b| *t += (a + b) * GAMMA);
        lift_1d(x, even, |t, a, b| *t += (a + b) * BETA);
        lift_1d(x, oddp, |t, a, b| *t += (a + b) * ALPHA);
    }
    fn column(buf: &mut [f32], w: usize, n: usize, odd: bool) {
        if n == 1 {
            if odd {
                buf.iter_mut().for_each(|v| *v *= 0.5);
            }
            return;
        }
        let (even, oddp) = if odd { (1, 0) } else { (0, 1) };
        let inv = 1.0 / KAPPA;
        for (i, row) in buf.chunks_exact_mut(w).take(n).enumerate() {
            let k = if i % 2 == even { KAPPA } else { inv };
            row.iter_mut().for_each(|v| *v *= k);
        }
        lift_rows(buf, w, n, even, |t, a, b| *t += (a + b) * DELTA);
        lift_rows(buf, w, n, oddp, |t, a, b| *t += (a + b) * GAMMA);
        lift_rows(buf, w, n, even, |t, a, b| *t += (a + b) * BETA);
        lift_rows(buf, w, n, oddp, |t, a, b| *t += (a + b) * ALPHA);
    }
}
