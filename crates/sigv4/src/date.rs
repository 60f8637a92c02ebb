//! The two date forms a signed request carries, as seconds since the epoch.
//!
//! Hand-rolled rather than `time` so the crate stays `no_std` (the `time`
//! crate's formatting needs `std`), and because both forms are fixed-width.

use alloc::format;
use alloc::string::String;

/// A UTC instant with the request date's `YYYYMMDD` kept for the scope check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestDate {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// `YYYYMMDD'T'HHMMSS'Z'`, as it appears in the string to sign.
    pub amz: String,
}

impl RequestDate {
    /// `YYYYMMDD`, the part the credential scope must repeat.
    pub fn day(&self) -> &str {
        self.amz.get(..8).unwrap_or_default()
    }

    /// Parses ISO 8601 basic form, `20261121T120000Z`, as `x-amz-date` and
    /// `X-Amz-Date` carry it.
    pub fn parse_amz(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
            return None;
        }
        let year = digits(s, 0, 4)?;
        let month = digits(s, 4, 2)?;
        let day = digits(s, 6, 2)?;
        let (h, m, sec) = (digits(s, 9, 2)?, digits(s, 11, 2)?, digits(s, 13, 2)?);
        Self::from_parts(year, month, day, h, m, sec)
    }

    /// Parses an HTTP `Date` header in IMF-fixdate form,
    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7), the fallback when
    /// `x-amz-date` is absent. The obsolete RFC 850 and asctime forms are not
    /// accepted: no AWS SDK sends them.
    pub fn parse_http(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 29
            || b.get(3) != Some(&b',')
            || b.get(4) != Some(&b' ')
            || b.get(7) != Some(&b' ')
            || b.get(11) != Some(&b' ')
            || b.get(16) != Some(&b' ')
            || b.get(19) != Some(&b':')
            || b.get(22) != Some(&b':')
            || s.get(25..) != Some(" GMT")
        {
            return None;
        }
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month_name = s.get(8..11)?;
        let month = MONTHS.iter().position(|m| *m == month_name)? + 1;
        let day = digits(s, 5, 2)?;
        let year = digits(s, 12, 4)?;
        let (h, m, sec) = (digits(s, 17, 2)?, digits(s, 20, 2)?, digits(s, 23, 2)?);
        Self::from_parts(year, u32::try_from(month).ok()?, day, h, m, sec)
    }

    fn from_parts(year: u32, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || h > 23
            || m > 59
            || s > 59
        {
            return None;
        }
        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        let unix = days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
        let amz = format!("{year:04}{month:02}{day:02}T{h:02}{m:02}{s:02}Z");
        Some(Self { unix, amz })
    }
}

/// `len` ASCII digits at `at`, as a number; `None` if any is not a digit.
fn digits(s: &str, at: usize, len: usize) -> Option<u32> {
    let part = s.get(at..at.checked_add(len)?)?;
    if !part.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn amz_date_parses_to_unix_seconds() {
        let d = RequestDate::parse_amz("20150830T123600Z").unwrap();
        assert_eq!(d.unix, 1_440_938_160);
        assert_eq!(d.day(), "20150830");
    }

    #[test]
    fn epoch_and_leap_day_parse() {
        assert_eq!(RequestDate::parse_amz("19700101T000000Z").unwrap().unix, 0);
        assert_eq!(
            RequestDate::parse_amz("20240229T000000Z").unwrap().unix,
            1_709_164_800
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        for s in [
            "20230229T000000Z",
            "20241301T000000Z",
            "20240100T000000Z",
            "20240101T240000Z",
            "20240101T000060Z",
            "20240101 000000Z",
            "2024010T1000000Z",
            "+0240101T000000Z",
            "20240101T000000",
            "",
            "2024-01-01T00:00:00Z",
        ] {
            assert_eq!(RequestDate::parse_amz(s), None, "{s}");
        }
    }

    #[test]
    fn http_date_parses_and_renders_in_amz_form() {
        let d = RequestDate::parse_http("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(d.unix, 784_111_777);
        assert_eq!(d.amz, "19941106T084937Z");
    }

    #[test]
    fn http_date_in_other_forms_is_refused() {
        for s in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT ",
        ] {
            assert_eq!(RequestDate::parse_http(s), None, "{s}");
        }
    }

    #[test]
    fn non_ascii_input_does_not_panic() {
        assert_eq!(RequestDate::parse_amz("2015083é123600Z"), None);
        assert_eq!(
            RequestDate::parse_http("Sun, 06 Nov 1994 08:49:3é GMT"),
            None
        );
    }
}
