//! Value rules shared by the operations: ids, manifest names, CIDR blocks,
//! log group names, tags, list paging and timestamps.

use std::collections::BTreeMap;

use super::error::Result;
use super::input::invalid;
pub use crate::rest::validate::page;
use crate::rest::validate::{self as rest, is_word};

/// Longest channel or origin endpoint id.
pub const MAX_ID: usize = 256;
/// Page size when the caller gives no `maxResults`.
pub const DEFAULT_RESULTS: usize = 50;

/// A channel or origin endpoint id: letters, digits, `_` and `-`, at most
/// [`MAX_ID`] (MediaPackage's documented rule; it also keeps ids safe in
/// keys, ARNs and URL paths).
pub fn id(path: &str, s: &str) -> Result<()> {
    if is_word(s) && s.len() <= MAX_ID {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!("{s:?} is not a valid id: use 1 to {MAX_ID} letters, digits, '-' and '_'"),
        ))
    }
}

/// A manifest name: a file stem of letters, digits, `_` and `-` (the URL
/// adds `.m3u8`), at most [`MAX_ID`].
pub fn manifest_name(path: &str, s: &str) -> Result<()> {
    if is_word(s) && s.len() <= MAX_ID {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!(
                "{s:?} is not a valid manifest name: use 1 to {MAX_ID} letters, digits, '-' and '_' (the URL adds .m3u8)"
            ),
        ))
    }
}

/// An IPv4 or IPv6 CIDR block, `address/prefix`.
pub fn cidr(path: &str, s: &str) -> Result<()> {
    rest::cidr(path, s)
}

/// A CloudWatch log group name: 1–512 of letters, digits and `._-/#`.
pub fn log_group(path: &str, s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 512
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/#".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!("{s:?} is not a log group name: 1 to 512 letters, digits and ._-/#"),
        ))
    }
}

/// Tags as a resource may carry them: keys 1–128 characters, values up to
/// 256, no `aws:` prefix (AWS reserves it), at most [`MAX_TAGS`](crate::rest::validate::MAX_TAGS).
pub fn tags(path: &str, tags: &BTreeMap<String, String>) -> Result<()> {
    rest::tags(path, tags)
}

/// Paging parameters of a List call, from its query string: the page size
/// and the key the page starts after.
pub fn paging(query: &[(String, String)], op: &str) -> Result<(usize, Option<String>)> {
    rest::paging(query, op, DEFAULT_RESULTS)
}

/// Milliseconds since the Unix epoch as an ISO 8601 UTC timestamp
/// (`2025-11-13T02:13:20.123Z`), the model's `createdAt` string.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn ids_are_words_of_at_most_256() {
        for ok in ["a", "live-1_B", &"x".repeat(256)] {
            id("id", ok).unwrap();
        }
        for bad in ["", "a b", "a/b", "a.b", "é", &"x".repeat(257)] {
            let e = id("id", bad).unwrap_err();
            assert_eq!(e.status, 422);
            assert!(e.message.starts_with("id: "), "{}", e.message);
        }
    }

    #[test]
    fn manifest_names_are_safe_file_stems() {
        manifest_name("manifestName", "index").unwrap();
        for bad in ["", "../x", "a.m3u8", "a/b", "a%2f"] {
            assert!(manifest_name("manifestName", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidrs_are_address_slash_prefix() {
        for ok in ["10.0.0.0/8", "203.0.113.7/32", "0.0.0.0/0", "2001:db8::/32"] {
            cidr("whitelist[0]", ok).unwrap();
        }
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "300.0.0.0/8",
            "10.0.0.0/+8",
            "::/129",
            "x/1",
        ] {
            let e = cidr("whitelist[0]", bad).unwrap_err();
            assert!(e.message.starts_with("whitelist[0]: "), "{bad}");
        }
    }

    #[test]
    fn log_groups_follow_cloudwatch_names() {
        log_group("g", "/aws/MediaPackage/EgressAccessLogs").unwrap();
        assert!(log_group("g", "").is_err());
        assert!(log_group("g", "a b").is_err());
    }

    #[test]
    fn tags_respect_the_aws_limits() {
        let t = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        tags("tags", &t("team", "live")).unwrap();
        assert!(tags("tags", &t("", "v")).is_err());
        assert!(tags("tags", &t("aws:x", "v")).is_err());
        assert!(tags("tags", &t("k", &"v".repeat(257))).is_err());
        let many: BTreeMap<String, String> =
            (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(tags("tags", &many).is_err());
    }

    #[test]
    fn pages_continue_after_the_token() {
        let items: Vec<(String, u32)> = (1..=5).map(|i| (format!("k{i}"), i)).collect();
        let (first, token) = page(items.clone(), 2, None);
        assert_eq!(first, vec![1, 2]);
        let q = vec![("nextToken".to_owned(), token.unwrap())];
        let (_, after) = paging(&q, "ListChannels").unwrap();
        let (second, token) = page(items.clone(), 2, after.as_deref());
        assert_eq!(second, vec![3, 4]);
        let (last, token) = page(
            items,
            2,
            paging(&[("nextToken".to_owned(), token.unwrap())], "X")
                .unwrap()
                .1
                .as_deref(),
        );
        assert_eq!((last, token), (vec![5], None));
    }

    #[test]
    fn bad_paging_parameters_are_refused() {
        for (k, v) in [
            ("maxResults", "0"),
            ("maxResults", "1001"),
            ("maxResults", "x"),
            ("nextToken", "!!"),
        ] {
            let e = paging(&[(k.to_owned(), v.to_owned())], "ListChannels").unwrap_err();
            assert_eq!(e.status, 422, "{k}={v}");
            assert!(e.message.starts_with(k), "{}", e.message);
        }
        assert_eq!(paging(&[], "X").unwrap(), (DEFAULT_RESULTS, None));
    }

    #[test]
    fn timestamps_are_iso8601_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_763_000_000_123), "2025-11-13T02:13:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
