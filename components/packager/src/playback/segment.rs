//! The answer to a segment request, from the sizes and entity tags of the
//! blobs it is made of (one, or several when input segments are combined):
//! 200 with their total length, 206 for one satisfiable byte range (mapped
//! onto the blobs it covers), 416, or 304 for a matching `If-None-Match`.

use crate::playback::reply::{Reply, SEGMENT_MAX_AGE_S, SEGMENT_TYPE};

/// What the blob store says about one blob of the segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// Bytes.
    pub size: u64,
    /// Entity tag (unquoted; empty while still being written).
    pub etag: String,
}

/// The request headers a segment answer depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions<'a> {
    /// `Range`.
    pub range: Option<&'a str>,
    /// `If-Range`.
    pub if_range: Option<&'a str>,
    /// `If-None-Match`.
    pub if_none_match: Option<&'a str>,
}

/// Bytes `from..=to` of blob number `blob` (0-based, in segment order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Which blob.
    pub blob: usize,
    /// First byte, within the blob.
    pub from: u64,
    /// Last byte, within the blob (inclusive).
    pub to: u64,
}

/// How to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// 304: the client's copy is current.
    NotModified,
    /// 416: the range starts past the end.
    Unsatisfiable,
    /// 200: every blob, whole.
    Whole,
    /// 206: these parts, `first..=last` of the segment.
    Partial {
        /// First byte of the segment sent.
        first: u64,
        /// Last byte of the segment sent.
        last: u64,
        /// The blob ranges to read, in order.
        parts: Vec<Part>,
    },
}

/// The segment's entity tag: the blob's own for one blob; for several, a
/// hash of theirs with the count (`"<fnv64>-<n>"`, like multipart uploads).
/// `None` when any blob has none yet.
pub fn etag(blobs: &[BlobMeta]) -> Option<String> {
    if blobs.is_empty() || blobs.iter().any(|b| b.etag.is_empty()) {
        return None;
    }
    if let [one] = blobs {
        return Some(format!("\"{}\"", one.etag));
    }
    // FNV-1a 64: cheap, stable, and collisions only cost a revalidation.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, b) in blobs.iter().enumerate() {
        if i > 0 {
            h = (h ^ u64::from(b',')).wrapping_mul(0x0100_0000_01b3);
        }
        for &byte in b.etag.as_bytes() {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Some(format!("\"{h:016x}-{}\"", blobs.len()))
}

/// Total bytes of the segment.
pub fn total(blobs: &[BlobMeta]) -> u64 {
    blobs.iter().map(|b| b.size).sum()
}

/// Decides the answer to a GET (`ranges` false for HEAD: a HEAD ignores
/// `Range`, as RFC 9110 lets it).
pub fn plan(blobs: &[BlobMeta], c: &Conditions<'_>, ranges: bool) -> Plan {
    let tag = etag(blobs);
    if let (Some(inm), Some(tag)) = (c.if_none_match, tag.as_deref())
        && none_match_hits(inm, tag)
    {
        return Plan::NotModified;
    }
    let range = c.range.filter(|_| ranges).and_then(parse_range);
    // If-Range with anything but our current strong tag (a date, an old
    // tag): send the whole segment.
    let range = range.filter(|_| match c.if_range {
        None => true,
        Some(v) => tag.as_deref() == Some(v.trim()),
    });
    let Some(range) = range else {
        return Plan::Whole;
    };
    let size = total(blobs);
    let Some((first, last)) = range.resolve(size) else {
        return Plan::Unsatisfiable;
    };
    let mut parts = Vec::new();
    let mut offset = 0u64;
    for (blob, b) in blobs.iter().enumerate() {
        let end = offset + b.size; // exclusive
        if b.size > 0 && first < end && last >= offset {
            parts.push(Part {
                blob,
                from: first.max(offset) - offset,
                to: last.min(end - 1) - offset,
            });
        }
        offset = end;
    }
    Plan::Partial { first, last, parts }
}

/// The reply for `plan` (the body is filled in by the caller for 200/206).
pub fn reply<B>(plan: &Plan, blobs: &[BlobMeta]) -> Reply<B> {
    let size = total(blobs);
    let tag = etag(blobs);
    let base = |status: u16| {
        let mut r = Reply::new(status)
            .header("cache-control", format!("max-age={SEGMENT_MAX_AGE_S}"))
            .header("accept-ranges", "bytes");
        if let Some(t) = &tag {
            r = r.header("etag", t.clone());
        }
        r
    };
    match plan {
        Plan::NotModified => base(304),
        Plan::Unsatisfiable => Reply::error(
            416,
            format!("the range starts past the end of the {size}-byte segment"),
        )
        .header("content-range", format!("bytes */{size}")),
        Plan::Whole => base(200)
            .header("content-type", SEGMENT_TYPE)
            .header("content-length", size.to_string()),
        Plan::Partial { first, last, .. } => base(206)
            .header("content-type", SEGMENT_TYPE)
            .header("content-length", (last - first + 1).to_string())
            .header("content-range", format!("bytes {first}-{last}/{size}")),
    }
}

/// Whether `If-None-Match` names `tag` (weak comparison, `*` matches).
fn none_match_hits(header: &str, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    header
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(tag))
}

/// One byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByteRange {
    /// `a-b` / `a-`.
    From(u64, Option<u64>),
    /// `-n`.
    Suffix(u64),
}

impl ByteRange {
    /// The inclusive bytes of a `size`-byte body, or `None` when unsatisfiable.
    fn resolve(self, size: u64) -> Option<(u64, u64)> {
        match self {
            ByteRange::From(a, _) if a >= size => None,
            ByteRange::From(a, b) => Some((a, b.map_or(size - 1, |b| b.min(size - 1)))),
            ByteRange::Suffix(0) => None,
            ByteRange::Suffix(_) if size == 0 => None,
            ByteRange::Suffix(n) => Some((size - n.min(size), size - 1)),
        }
    }
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n`. Anything else — several ranges,
/// another unit, `b < a`, garbage — is `None`: the header is ignored and the
/// whole segment sent, which RFC 9110 allows.
fn parse_range(header: &str) -> Option<ByteRange> {
    let (unit, spec) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return None;
    }
    let (a, b) = spec.trim().split_once('-')?;
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, false) => Some(ByteRange::Suffix(num(b)?)),
        (false, true) => Some(ByteRange::From(num(a)?, None)),
        (false, false) => {
            let (a, b) = (num(a)?, num(b)?);
            (b >= a).then_some(ByteRange::From(a, Some(b)))
        }
        (true, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs(sizes: &[u64]) -> Vec<BlobMeta> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| BlobMeta {
                size,
                etag: format!("e{i}"),
            })
            .collect()
    }

    fn range(r: &str) -> Conditions<'_> {
        Conditions {
            range: Some(r),
            ..Conditions::default()
        }
    }

    #[test]
    fn one_blob_keeps_its_own_etag_and_several_get_a_stable_combined_one() {
        assert_eq!(etag(&blobs(&[10])).as_deref(), Some("\"e0\""));
        let a = etag(&blobs(&[10, 20, 30]));
        assert_eq!(a, etag(&blobs(&[1, 2, 3])), "sizes do not enter the tag");
        assert!(a.as_deref().is_some_and(|t| t.ends_with("-3\"")), "{a:?}");
        let mut other = blobs(&[10, 20, 30]);
        other[2].etag = "changed".into();
        assert_ne!(etag(&other), a);
        other[2].etag.clear();
        assert_eq!(etag(&other), None);
    }

    #[test]
    fn a_plain_request_gets_every_blob_and_their_total_length() {
        let b = blobs(&[100, 50]);
        let p = plan(&b, &Conditions::default(), true);
        assert_eq!(p, Plan::Whole);
        let r: Reply<()> = reply(&p, &b);
        assert_eq!(r.status, 200);
        assert_eq!(r.header_value("content-length"), Some("150"));
        assert_eq!(r.header_value("content-type"), Some("video/MP2T"));
        assert_eq!(r.header_value("cache-control"), Some("max-age=1209600"));
        assert_eq!(r.header_value("accept-ranges"), Some("bytes"));
        assert_eq!(r.header_value("access-control-allow-origin"), Some("*"));
        assert!(r.header_value("etag").is_some());
    }

    #[test]
    fn a_range_across_a_blob_boundary_reads_the_tail_of_one_and_the_head_of_the_next() {
        let b = blobs(&[100, 50, 70]);
        let p = plan(&b, &range("bytes=90-109"), true);
        assert_eq!(
            p,
            Plan::Partial {
                first: 90,
                last: 109,
                parts: vec![
                    Part {
                        blob: 0,
                        from: 90,
                        to: 99
                    },
                    Part {
                        blob: 1,
                        from: 0,
                        to: 9
                    },
                ]
            }
        );
        let r: Reply<()> = reply(&p, &b);
        assert_eq!(r.status, 206);
        assert_eq!(r.header_value("content-range"), Some("bytes 90-109/220"));
        assert_eq!(r.header_value("content-length"), Some("20"));
    }

    #[test]
    fn open_and_suffix_ranges_are_clamped_to_the_segment() {
        let b = blobs(&[100, 50]);
        assert_eq!(
            plan(&b, &range("bytes=120-"), true),
            Plan::Partial {
                first: 120,
                last: 149,
                parts: vec![Part {
                    blob: 1,
                    from: 20,
                    to: 49
                }]
            }
        );
        assert_eq!(
            plan(&b, &range("bytes=-500"), true),
            Plan::Partial {
                first: 0,
                last: 149,
                parts: vec![
                    Part {
                        blob: 0,
                        from: 0,
                        to: 99
                    },
                    Part {
                        blob: 1,
                        from: 0,
                        to: 49
                    }
                ]
            }
        );
        assert_eq!(
            plan(&b, &range("bytes=0-9999"), true),
            Plan::Partial {
                first: 0,
                last: 149,
                parts: vec![
                    Part {
                        blob: 0,
                        from: 0,
                        to: 99
                    },
                    Part {
                        blob: 1,
                        from: 0,
                        to: 49
                    }
                ]
            }
        );
    }

    #[test]
    fn a_range_past_the_end_is_416_with_the_size() {
        let b = blobs(&[100, 50]);
        for r in ["bytes=150-", "bytes=150-160", "bytes=-0"] {
            let p = plan(&b, &range(r), true);
            assert_eq!(p, Plan::Unsatisfiable, "{r}");
            let reply: Reply<()> = reply(&p, &b);
            assert_eq!(reply.status, 416);
            assert_eq!(reply.header_value("content-range"), Some("bytes */150"));
        }
    }

    #[test]
    fn unreadable_or_multiple_ranges_and_head_requests_get_the_whole_segment() {
        let b = blobs(&[100]);
        for r in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=5-2",
            "bytes=-",
            "bytes=x-1",
            "garbage",
        ] {
            assert_eq!(plan(&b, &range(r), true), Plan::Whole, "{r}");
        }
        assert_eq!(plan(&b, &range("bytes=0-1"), false), Plan::Whole);
    }

    #[test]
    fn if_range_with_an_old_tag_or_a_date_sends_everything() {
        let b = blobs(&[100]);
        let c = |if_range| Conditions {
            range: Some("bytes=0-9"),
            if_range: Some(if_range),
            if_none_match: None,
        };
        assert!(matches!(plan(&b, &c("\"e0\""), true), Plan::Partial { .. }));
        assert_eq!(plan(&b, &c("\"old\""), true), Plan::Whole);
        assert_eq!(
            plan(&b, &c("Sun, 06 Nov 1994 08:49:37 GMT"), true),
            Plan::Whole
        );
    }

    #[test]
    fn a_matching_if_none_match_is_304_with_the_tag_and_no_length() {
        let b = blobs(&[100]);
        for inm in ["\"e0\"", "W/\"e0\"", "\"x\", \"e0\"", "*"] {
            let c = Conditions {
                if_none_match: Some(inm),
                range: Some("bytes=0-1"),
                ..Conditions::default()
            };
            let p = plan(&b, &c, true);
            assert_eq!(p, Plan::NotModified, "{inm}");
            let r: Reply<()> = reply(&p, &b);
            assert_eq!(r.status, 304);
            assert_eq!(r.header_value("etag"), Some("\"e0\""));
            assert_eq!(r.header_value("content-length"), None);
        }
        let c = Conditions {
            if_none_match: Some("\"other\""),
            ..Conditions::default()
        };
        assert_eq!(plan(&b, &c, true), Plan::Whole);
    }
}
