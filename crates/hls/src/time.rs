//! Wall-clock instants as milliseconds since the Unix epoch (UTC), to and
//! from the forms HLS and MediaPackage URLs use.
//!
//! Hand-rolled (civil-date arithmetic after Howard Hinnant's algorithms)
//! rather than `time`/`chrono` so the crate stays `no_std`, and because the
//! forms are few: `EXT-X-PROGRAM-DATE-TIME` out, and in: ISO 8601 with `Z`,
//! `±HH:MM` or `±HHMM` (ffmpeg writes `+0000`) and optional fractions, or
//! epoch seconds.

use alloc::string::String;

/// Appends `2026-11-21T14:28:58.792Z`: RFC 3339 UTC with milliseconds, the
/// form `EXT-X-PROGRAM-DATE-TIME` carries.
pub fn push_rfc3339_ms(out: &mut String, epoch_ms: i64) {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    push_padded(out, y, 4);
    out.push('-');
    push_padded(out, m.into(), 2);
    out.push('-');
    push_padded(out, d.into(), 2);
    out.push('T');
    push_padded(out, ms_of_day / 3_600_000, 2);
    out.push(':');
    push_padded(out, ms_of_day / 60_000 % 60, 2);
    out.push(':');
    push_padded(out, ms_of_day / 1000 % 60, 2);
    out.push('.');
    push_padded(out, ms_of_day % 1000, 3);
    out.push('Z');
}

/// `2026-11-21T14:28:58.792Z` as a new string.
pub fn rfc3339_ms(epoch_ms: i64) -> String {
    let mut s = String::with_capacity(24);
    push_rfc3339_ms(&mut s, epoch_ms);
    s
}

/// Parses a time as MediaPackage's `start`/`end` accept it: epoch seconds
/// (`1732285823`) or ISO 8601 (`2024-08-26T10:00:00Z`,
/// `2024-08-26T10:00:00.5+02:00`). `None` when it is neither.
pub fn parse_time(s: &str) -> Option<i64> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        return secs.checked_mul(1000);
    }
    parse_iso8601(s)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM|±HHMM)` (case-insensitive
/// `T`/`Z`) to epoch milliseconds; fractions past milliseconds are
/// truncated. `None` for anything else, including impossible dates.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [_, _, b':', _, _] => (digits(rest, 0, 2)?, digits(rest, 3, 2)?),
                [_, _, _, _] => (digits(rest, 0, 2)?, digits(rest, 2, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 60 + m;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let mut v = 0i64;
    for &c in b.get(at..at + len)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn push_padded(out: &mut String, v: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = buf.len() - i;
    if v < 0 {
        out.push('-');
    }
    for _ in len..width {
        out.push('0');
    }
    for &c in &buf[i..] {
        out.push(char::from(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_milliseconds_in_utc() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_795_011_738_792), "2026-11-18T14:22:18.792Z");
        assert_eq!(rfc3339_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_every_offset_form_encoders_write() {
        let t = 1_795_011_738_792;
        assert_eq!(parse_iso8601("2026-11-18T14:22:18.792Z"), Some(t));
        assert_eq!(parse_iso8601("2026-11-18T14:22:18.792+00:00"), Some(t));
        // ffmpeg's `-hls_flags program_date_time` form
        assert_eq!(parse_iso8601("2026-11-18T14:22:18.792+0000"), Some(t));
        assert_eq!(parse_iso8601("2026-11-18T16:22:18.792+02:00"), Some(t));
        assert_eq!(parse_iso8601("2026-11-18T13:52:18.792-0030"), Some(t));
        assert_eq!(parse_iso8601("2026-11-18t14:22:18.792123z"), Some(t));
        assert_eq!(parse_iso8601("2026-11-18T14:22:18.7Z"), Some(t - 92));
        assert_eq!(parse_iso8601("2026-11-18T14:22:18Z"), Some(t - 792));
    }

    #[test]
    fn refuses_impossible_or_partial_dates() {
        for bad in [
            "",
            "2026-11-18",
            "2026-11-18T14:22:18",
            "2026-13-18T14:22:18Z",
            "2026-02-29T00:00:00Z",
            "2026-11-18T24:00:00Z",
            "2026-11-18T14:22:18.Z",
            "2026-11-18T14:22:18+1",
            "2026-11-18T14:22:18+25:00",
            "2026-11-18T14:22:18Zjunk",
            "２026-11-18T14:22:18Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn start_and_end_take_epoch_seconds_or_iso() {
        assert_eq!(parse_time("1732285823"), Some(1_732_285_823_000));
        assert_eq!(parse_time("2024-11-22T14:30:23Z"), Some(1_732_285_823_000));
        assert_eq!(parse_time("-5"), None);
        assert_eq!(parse_time("99999999999999999999"), None);
    }

    #[test]
    fn formatting_and_parsing_agree_over_centuries() {
        let mut t = -2_208_988_800_000i64; // 1900-01-01
        while t < 4_102_444_800_000 {
            assert_eq!(parse_iso8601(&rfc3339_ms(t)), Some(t));
            t += 86_399_997 * 37;
        }
    }
}
