//! Value rules shared by the operations: resource names, addresses and CIDR
//! blocks, account ids, tags and list paging.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::error::{Error, Result};
use super::input::invalid;
pub use crate::rest::validate::page;
use crate::rest::validate::{self as rest, is_word};

/// Page size when the caller gives no `maxResults`.
pub const DEFAULT_RESULTS: usize = 10;

/// A source, output, entitlement or flow name: `[a-zA-Z0-9_-]+`, the name
/// part of the model's ARN patterns (so every name makes a valid ARN).
pub fn name(path: &str, s: &str) -> Result<()> {
    if is_word(s) {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!("{s:?} is not a valid name: use letters, digits, '-' and '_'"),
        ))
    }
}

/// An IP address literal (no host names: nothing here resolves them).
pub fn ip(path: &str, s: &str) -> Result<IpAddr> {
    match s.parse::<IpAddr>() {
        Ok(ip) if !ip.is_unspecified() => Ok(ip),
        _ => Err(invalid(
            path,
            format_args!("{s:?} is not an IP address (such as 203.0.113.7 or 2001:db8::7)"),
        )),
    }
}

/// An IPv4 or IPv6 CIDR block, `address/prefix`.
pub fn cidr(path: &str, s: &str) -> Result<()> {
    rest::cidr(path, s)
}

/// An AWS account id: 12 digits.
pub fn account(path: &str, s: &str) -> Result<()> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!("{s:?} is not an AWS account id (12 digits)"),
        ))
    }
}

/// Tags as a resource may carry them: keys 1–128 characters, values up to
/// 256, no `aws:` prefix (AWS reserves it), at most [`MAX_TAGS`](crate::rest::validate::MAX_TAGS).
pub fn tags(path: &str, tags: &BTreeMap<String, String>) -> Result<()> {
    rest::tags(path, tags)
}

/// Paging parameters of a List call, from its query string: the page size and
/// the key the page starts after.
pub fn paging(query: &[(String, String)], op: &str) -> Result<(usize, Option<String>)> {
    rest::paging(query, op, DEFAULT_RESULTS)
}

/// `Error` for a list past its quota: `code` is the operation's 420 code.
pub fn quota(code: Option<&'static str>, message: String) -> Error {
    match code {
        Some(code) => Error::quota(code, message),
        None => Error::bad_request(message),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;

    use super::*;

    #[test]
    fn names_follow_the_arn_pattern() {
        for ok in ["a", "Cam-1_b", "0"] {
            name("name", ok).unwrap();
        }
        for bad in ["", "a b", "a:b", "a/b", "é"] {
            assert_eq!(
                name("name", bad).unwrap_err().code,
                "BadRequestException",
                "{bad}"
            );
        }
    }

    #[test]
    fn cidrs_are_address_slash_prefix() {
        for ok in [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "127.0.0.1/32",
            "::/0",
            "2001:db8::/32",
        ] {
            cidr("c", ok).unwrap();
        }
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "::/129",
            "x/8",
            "10.0.0/8",
            "10.0.0.0/+8",
            "10.0.0.0/",
        ] {
            assert!(cidr("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn destinations_are_ip_literals() {
        ip("d", "127.0.0.1").unwrap();
        ip("d", "::1").unwrap();
        for bad in ["localhost", "0.0.0.0", "::", "1.2.3.4:5"] {
            assert!(ip("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accounts_are_twelve_digits() {
        account("s", "111122223333").unwrap();
        for bad in ["11112222333", "1111222233334", "11112222333x"] {
            assert!(account("s", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_respect_the_aws_limits() {
        let one = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        tags("t", &one("team", "")).unwrap();
        assert!(tags("t", &one("", "v")).is_err());
        assert!(tags("t", &one("aws:x", "v")).is_err());
        assert!(tags("t", &one(&"k".repeat(129), "v")).is_err());
        assert!(tags("t", &one("k", &"v".repeat(257))).is_err());
        let many: BTreeMap<_, _> = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(tags("t", &many).is_err());
    }

    #[test]
    fn pages_continue_after_the_token() {
        let items: Vec<(String, u32)> = (1..=5).map(|i| (format!("k{i}"), i)).collect();
        let (first, token) = page(items.clone(), 2, None);
        assert_eq!(first, vec![1, 2]);
        let q = vec![
            ("maxResults".to_owned(), "2".to_owned()),
            ("nextToken".to_owned(), token.unwrap()),
        ];
        let (max, after) = paging(&q, "ListFlows").unwrap();
        let (second, token) = page(items.clone(), max, after.as_deref());
        assert_eq!(second, vec![3, 4]);
        let (third, token) = page(
            items,
            2,
            Some(&String::from_utf8(BASE64.decode(token.unwrap()).unwrap()).unwrap()),
        );
        assert_eq!((third, token), (vec![5], None));
    }

    #[test]
    fn bad_paging_parameters_are_refused() {
        for (k, v) in [
            ("maxResults", "0"),
            ("maxResults", "1001"),
            ("maxResults", "x"),
            ("nextToken", "!!"),
        ] {
            let q = vec![(k.to_owned(), v.to_owned())];
            assert_eq!(paging(&q, "ListFlows").unwrap_err().status, 400, "{k}={v}");
        }
        assert_eq!(paging(&[], "ListFlows").unwrap(), (DEFAULT_RESULTS, None));
    }
}
