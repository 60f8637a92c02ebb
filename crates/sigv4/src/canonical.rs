//! The canonical request: the exact bytes both sides hash and sign.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

use crate::parse::QueryParam;

/// Everything but the unreserved characters `A-Z a-z 0-9 - . _ ~`, as the
/// SigV4 `UriEncode()` function defines it.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// [`ENCODE`] keeping `/`, for paths.
const ENCODE_PATH: &AsciiSet = &ENCODE.remove(b'/');

/// The canonical URI of `path` (the path exactly as received, still
/// percent-encoded) for requests to `service`.
///
/// S3 signs the path as sent. Every other service signs it normalized
/// (RFC 3986 dot segments and empty segments removed) and URI-encoded once
/// more, so `%2F` becomes `%252F` and a space sent as `%20` becomes `%2520`:
/// this is what botocore (`SigV4Auth`, not `S3SigV4Auth`) and `aws-sigv4`'s
/// defaults (`PercentEncodingMode::Double`, `UriPathNormalizationMode::Enabled`)
/// produce. Normalizing works on the encoded path, so `%2F` never splits a
/// segment.
pub(crate) fn uri(path: &str, service: &str) -> String {
    if service == "s3" {
        return if path.is_empty() {
            "/".into()
        } else {
            path.into()
        };
    }
    let normalized = normalize_path(path);
    percent_encode(normalized.as_bytes(), ENCODE_PATH).collect()
}

/// RFC 3986 §5.2.4 "Remove Dot Segments", also dropping empty segments, as
/// `aws-sigv4` does: `/a/./b/../c//d/` → `/a/c/d/`.
fn normalize_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    if path.starts_with('/') && !path.contains('.') && !path.contains("//") {
        return Cow::Borrowed(path);
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    let trailing = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|s| path.ends_with(s));
    if out.is_empty() || (trailing && !out.ends_with('/')) {
        out.push('/');
    }
    Cow::Owned(out)
}

/// The canonical query: every parameter decoded, URI-encoded again, sorted by
/// encoded key then encoded value, joined with `&`. `X-Amz-Signature` is left
/// out when `presigned` (it cannot sign itself).
pub(crate) fn query(params: &[QueryParam], presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|p| !(presigned && p.key == b"X-Amz-Signature"))
        .map(|p| {
            (
                percent_encode(&p.key, ENCODE).collect(),
                percent_encode(&p.value, ENCODE).collect(),
            )
        })
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The value of header `name` (lower-case) as the canonical request has it:
/// every occurrence trimmed, runs of spaces collapsed, joined with `,`.
/// `None` when the request does not carry it.
pub(crate) fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for (_, value) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)) {
        match &mut out {
            None => out = Some(trimmed(value)),
            Some(joined) => {
                joined.push(',');
                joined.push_str(&trimmed(value));
            }
        }
    }
    out
}

/// Spaces only (not tabs): what S3 and `aws-sigv4` trim.
fn trimmed(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut previous_space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' && previous_space {
            continue;
        }
        previous_space = c == ' ';
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::query_params;

    #[test]
    fn non_s3_paths_are_normalized_and_encoded_twice() {
        assert_eq!(uri("/a%20b/c%2Fd/~e", "mediastore"), "/a%2520b/c%252Fd/~e");
        assert_eq!(uri("/a/./b/../c//d/", "mediastore"), "/a/c/d/");
        assert_eq!(uri("", "mediastore"), "/");
        assert_eq!(uri("/..", "mediastore"), "/");
        assert_eq!(uri("/a:b@c", "mediastore"), "/a%3Ab%40c");
    }

    #[test]
    fn s3_paths_are_signed_as_sent() {
        assert_eq!(uri("/a%20b/./c//d", "s3"), "/a%20b/./c//d");
        assert_eq!(uri("", "s3"), "/");
    }

    #[test]
    fn query_is_sorted_by_encoded_key_then_value() {
        let q = query_params("b=2&a=2&a=1&A=0&c&d=%7e+x");
        assert_eq!(query(&q, false), "A=0&a=1&a=2&b=2&c=&d=~%20x");
    }

    #[test]
    fn presigned_query_leaves_out_the_signature() {
        let q = query_params("X-Amz-Signature=ab&X-Amz-Date=1");
        assert_eq!(query(&q, true), "X-Amz-Date=1");
        assert_eq!(query(&q, false), "X-Amz-Date=1&X-Amz-Signature=ab");
    }

    #[test]
    fn header_values_are_trimmed_collapsed_and_joined() {
        let h: Vec<(String, String)> = vec![
            ("X-Amz-Meta-A".into(), "  one   two  ".into()),
            ("x-amz-meta-a".into(), "three".into()),
            ("x-amz-meta-b".into(), "".into()),
            ("x-amz-meta-b".into(), "x".into()),
        ];
        assert_eq!(
            header_value(&h, "x-amz-meta-a").as_deref(),
            Some("one two,three")
        );
        assert_eq!(header_value(&h, "x-amz-meta-b").as_deref(), Some(",x"));
        assert_eq!(header_value(&h, "x-amz-meta-c"), None);
    }
}
