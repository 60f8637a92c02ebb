//! Value rules both rest-json models have: names made of ARN-safe
//! characters, CIDR blocks, tags and list paging. A broken rule is the
//! family's invalid-request error naming the member.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;

use super::input::invalid;
use super::{Error, Family};

/// Largest page a List call returns (models: `MaxResults` 1–1000).
pub const MAX_RESULTS: i64 = 1000;
/// Tags per resource (the AWS-wide tagging limit).
pub const MAX_TAGS: usize = 50;

/// `s` is one or more letters, digits, `_` and `-`: the name part of the
/// models' ARN patterns, safe in keys, ARNs and URL paths.
pub fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// An IPv4 or IPv6 CIDR block, `address/prefix`.
pub fn cidr<F: Family>(path: &str, s: &str) -> Result<(), Error<F>> {
    let bad = || {
        invalid(
            path,
            format_args!("{s:?} is not a CIDR block (such as 203.0.113.0/24 or 2001:db8::/32)"),
        )
    };
    let (addr, prefix) = s.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    match prefix.parse::<u8>() {
        Ok(p) if p <= max && prefix.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(bad()),
    }
}

/// Tags as a resource may carry them: keys 1–128 characters, values up to
/// 256, no `aws:` prefix (AWS reserves it), at most [`MAX_TAGS`].
pub fn tags<F: Family>(path: &str, tags: &BTreeMap<String, String>) -> Result<(), Error<F>> {
    for (k, v) in tags {
        let n = k.chars().count();
        if n == 0 || n > 128 {
            return Err(invalid(
                path,
                format_args!("tag key {k:?} must be 1 to 128 characters"),
            ));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid(
                path,
                format_args!("tag key {k:?} uses the prefix aws:, which AWS reserves"),
            ));
        }
        if v.chars().count() > 256 {
            return Err(invalid(
                path,
                format_args!("the value of tag {k:?} is longer than 256 characters"),
            ));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid(
            path,
            format_args!(
                "a resource may have at most {MAX_TAGS} tags, not {}",
                tags.len()
            ),
        ));
    }
    Ok(())
}

/// A `nextToken` for a listing that continues after `key`.
pub fn encode_token(key: &str) -> String {
    BASE64.encode(key)
}

/// Paging parameters of a List call, from its query string: the page size
/// (`default` when not given) and the key the page starts after.
pub fn paging<F: Family>(
    query: &[(String, String)],
    op: &str,
    default: usize,
) -> Result<(usize, Option<String>), Error<F>> {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let max = match param("maxResults") {
        None => default,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_RESULTS).contains(&n) => usize::try_from(n).unwrap_or(default),
            _ => {
                return Err(invalid(
                    "maxResults",
                    format_args!("{v:?} must be an integer from 1 to {MAX_RESULTS}"),
                ));
            }
        },
    };
    let after = match param("nextToken") {
        None => None,
        Some(t) => Some(
            BASE64
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|k| !k.is_empty())
                .ok_or_else(|| {
                    invalid(
                        "nextToken",
                        format_args!("is not a token from an earlier {op} call"),
                    )
                })?,
        ),
    };
    Ok((max, after))
}

/// One page of `items` (sorted by key): those after `after`, at most `max`,
/// and the token for the rest when there is more.
pub fn page<T>(
    items: Vec<(String, T)>,
    max: usize,
    after: Option<&str>,
) -> (Vec<T>, Option<String>) {
    let mut rest = items
        .into_iter()
        .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
        .peekable();
    let mut out = Vec::new();
    let mut last = None;
    while out.len() < max {
        match rest.next() {
            Some((k, v)) => {
                out.push(v);
                last = Some(k);
            }
            None => break,
        }
    }
    let token = match (rest.peek(), last) {
        (Some(_), Some(last)) => Some(encode_token(&last)),
        _ => None,
    };
    (out, token)
}
