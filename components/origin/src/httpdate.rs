//! HTTP dates (RFC 9110 §5.6.7): `Last-Modified` out, `If-Modified-Since` and
//! `If-Range` in. We send IMF-fixdate and accept all three forms, as the RFC
//! asks of recipients.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// `Sun, 06 Nov 1994 08:49:37 GMT`
const IMF_FIXDATE: &[BorrowedFormatItem<'_>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);
/// IMF-fixdate after the weekday: the weekday is redundant, and a wrong one
/// should not make us ignore an otherwise valid date.
const DATE_TIME: &[BorrowedFormatItem<'_>] =
    format_description!("[day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
/// asctime: `Nov  6 08:49:37 1994` (after the weekday).
const ASCTIME: &[BorrowedFormatItem<'_>] =
    format_description!("[month repr:short] [day padding:space] [hour]:[minute]:[second] [year]");

/// The last second IMF-fixdate can show with a four-digit year.
const MAX_SECONDS: u64 = 253_402_300_799;

/// IMF-fixdate for `seconds` since the Unix epoch.
pub fn format(seconds: u64) -> String {
    let seconds = i64::try_from(seconds.min(MAX_SECONDS)).unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(IMF_FIXDATE).ok())
        .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned())
}

/// Seconds since the Unix epoch for an HTTP-date in any of its three forms;
/// `None` when it is none of them (callers then ignore the header). Dates
/// before 1970 come out as 0.
pub fn parse(value: &str) -> Option<u64> {
    let value = value.trim();
    let (weekday, rest) = value.split_once([',', ' '])?;
    if !weekday.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = rest.trim_start();
    let parsed = if value.as_bytes().get(weekday.len()) == Some(&b' ') {
        PrimitiveDateTime::parse(rest, ASCTIME).ok()
    } else if weekday.len() == 3 {
        PrimitiveDateTime::parse(rest, DATE_TIME).ok()
    } else {
        rfc850(rest)
    }?;
    u64::try_from(parsed.assume_utc().unix_timestamp())
        .ok()
        .or(Some(0))
}

/// RFC 850: `06-Nov-94 08:49:37 GMT` (after `Sunday, `). Two-digit years are
/// read as 1970–2069 (RFC 9110 asks for "no more than 50 years in the future").
fn rfc850(rest: &str) -> Option<PrimitiveDateTime> {
    let (date, time) = rest.split_once(' ')?;
    let mut parts = date.split('-');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 2 {
        return None;
    }
    let yy: u32 = year.parse().ok()?;
    let full_year = if yy < 70 { 2000 + yy } else { 1900 + yy };
    PrimitiveDateTime::parse(&format!("{day} {month} {full_year} {time}"), DATE_TIME).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUNDAY: u64 = 784_111_777;

    #[test]
    fn last_modified_is_written_as_imf_fixdate() {
        assert_eq!(format(SUNDAY), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn dates_past_year_9999_are_clamped_rather_than_garbled() {
        assert_eq!(format(u64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
    }

    #[test]
    fn all_three_http_date_forms_are_understood() {
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(SUNDAY));
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), Some(SUNDAY));
        assert_eq!(parse("Sun Nov  6 08:49:37 1994"), Some(SUNDAY));
    }

    #[test]
    fn formatted_dates_parse_back_to_the_same_second() {
        for s in [0, 1, SUNDAY, 1_763_683_200, 4_102_444_799] {
            assert_eq!(parse(&format(s)), Some(s));
        }
    }

    #[test]
    fn rfc850_two_digit_years_land_within_a_century() {
        assert_eq!(parse("Monday, 01-Jan-24 00:00:00 GMT"), Some(1_704_067_200));
    }

    #[test]
    fn garbage_dates_are_not_dates() {
        for bad in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "1994-11-06T08:49:37Z",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "☃, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
