//! Moving DA and DT values by whole days, on the proleptic Gregorian calendar.

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYYMMDD` moved by `days`; `None` when the value is not a full, valid date.
pub(crate) fn shift_da(value: &str, days: i64) -> Option<String> {
    let v = value.trim();
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        v[..4].parse().ok()?,
        v[4..6].parse().ok()?,
        v[6..].parse().ok()?,
    );
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + days);
    (0..=9999)
        .contains(&y)
        .then(|| format!("{y:04}{m:02}{d:02}"))
}

/// A DT whose first 8 characters are a full date: the date moves, the time and offset stay.
pub(crate) fn shift_dt(value: &str, days: i64) -> Option<String> {
    let v = value.trim();
    let date = shift_da(v.get(..8)?, days)?;
    Some(format!("{date}{}", &v[8..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_across_month_year_and_leap_day() {
        assert_eq!(shift_da("20240301", -1).as_deref(), Some("20240229"));
        assert_eq!(shift_da("20230101", -1).as_deref(), Some("20221231"));
        assert_eq!(shift_da("20000101", -3650).as_deref(), Some("19900103"));
        assert_eq!(
            shift_dt("20240301120000.5+0100", -1).as_deref(),
            Some("20240229120000.5+0100")
        );
    }

    #[test]
    fn refuses_what_is_not_a_full_date() {
        for bad in ["2024", "20241301", "20230229", "2024-03-01", "", "abcdefgh"] {
            assert_eq!(shift_da(bad, -1), None, "{bad}");
        }
        assert_eq!(shift_dt("2024", -1), None);
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        for z in days_from_civil(1800, 1, 1)..days_from_civil(2200, 1, 1) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
