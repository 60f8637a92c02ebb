//! GetObject and DescribeObject decisions: given what the blob store says
//! about an object and what the client asked, which status and headers.

use crate::conditional::{Conditions, Validators};
use crate::httpdate;
use crate::range::{self, ByteRange};
use tributary_mediastore::ContainerRecord;
use tributary_mediastore::lifecycle::LifecyclePolicy;

/// `Content-Type` of objects stored without one. MediaStore's documentation
/// does not say what it sends; `application/octet-stream` is what RFC 9110
/// §8.3 and RFC 2046 name for unknown bytes, and S3 sends the same. Applied
/// when reading, so changing it changes old objects too.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// What the blob store says about an object, in plain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Bytes (so far, while a STREAMING upload is still arriving).
    pub size: u64,
    /// Unquoted entity tag; empty while still being written.
    pub etag: String,
    /// As given at PutObject.
    pub content_type: Option<String>,
    /// As given at PutObject.
    pub cache_control: Option<String>,
    /// Milliseconds since the epoch when the upload started.
    pub created_ms: u64,
    /// False while a STREAMING upload is still arriving.
    pub complete: bool,
}

impl From<&tributary_guest::blob::ObjectMeta> for ObjectInfo {
    fn from(meta: &tributary_guest::blob::ObjectMeta) -> Self {
        Self {
            size: meta.size,
            etag: meta.etag.clone(),
            content_type: meta.content_type.clone(),
            cache_control: meta.cache_control.clone(),
            created_ms: meta.created_ms,
            complete: meta.complete,
        }
    }
}

impl ObjectInfo {
    /// Last-Modified in whole seconds (HTTP dates have no fractions).
    pub fn last_modified(&self) -> u64 {
        self.created_ms / 1000
    }

    fn validators(&self) -> Validators<'_> {
        Validators {
            etag: &self.etag,
            last_modified: self.last_modified(),
        }
    }

    /// Headers describing the object, for 200 and 206 (and HEAD): type,
    /// validators, caching, and whether ranges are served. `Content-Length`
    /// and `Content-Range` are the caller's: they depend on the body sent.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut h = vec![(
            "content-type".to_owned(),
            self.content_type
                .clone()
                .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
        )];
        h.extend(self.validator_headers());
        // A growing object ignores Range, so do not invite one.
        let ranges = if self.complete { "bytes" } else { "none" };
        h.push(("accept-ranges".to_owned(), ranges.to_owned()));
        h
    }

    /// Headers of a 304: the validators and caching the client should
    /// update its stored copy with (RFC 9110 §15.4.5).
    pub fn validator_headers(&self) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if !self.etag.is_empty() {
            h.push(("etag".to_owned(), format!("\"{}\"", self.etag)));
        }
        h.push((
            "last-modified".to_owned(),
            httpdate::format(self.last_modified()),
        ));
        if let Some(cc) = &self.cache_control {
            h.push(("cache-control".to_owned(), cc.clone()));
        }
        h
    }
}

/// How to answer a GET or HEAD of an existing object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// 304, no body.
    NotModified,
    /// 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
    /// 200 with the whole object (of unknown length while still being written).
    Full,
    /// 206 with bytes `first..=last`.
    Partial {
        /// First byte offset.
        first: u64,
        /// Last byte offset, inclusive.
        last: u64,
    },
}

impl Plan {
    /// Decide, in RFC 9110 order: conditions first (304), then the range.
    /// Range is ignored for objects still being written (as MediaStore does)
    /// and when `If-Range` no longer matches.
    pub fn new(info: &ObjectInfo, conditions: &Conditions, range: Option<ByteRange>) -> Self {
        if conditions.not_modified(info.validators()) {
            return Self::NotModified;
        }
        let Some(range) = range else {
            return Self::Full;
        };
        if !info.complete || !conditions.range_applies(info.validators()) {
            return Self::Full;
        }
        match range.resolve(info.size) {
            Some((first, last)) => Self::Partial { first, last },
            None => Self::Unsatisfiable,
        }
    }

    /// Whether a body stream the blob store opened (starting at `start`,
    /// `length` bytes, `None` = until a growing object ends) is the one this
    /// plan sends. When not — the store was asked for a range this plan
    /// ignores — the caller reads the whole object again.
    pub fn fits(&self, info: &ObjectInfo, start: u64, length: Option<u64>) -> bool {
        match *self {
            Self::Full if info.complete => start == 0 && length == Some(info.size),
            Self::Full => start == 0,
            Self::Partial { first, last } => start == first && length == Some(last - first + 1),
            Self::NotModified | Self::Unsatisfiable => true,
        }
    }

    /// The bytes to ask the store for: `Some(None)` the whole object,
    /// `Some(Some(range))` a range, `None` no body at all (304, 416).
    pub fn wanted(&self) -> Option<Option<ByteRange>> {
        match *self {
            Self::Full => Some(None),
            Self::Partial { first, last } => Some(Some(ByteRange::FromTo(first, last))),
            Self::NotModified | Self::Unsatisfiable => None,
        }
    }

    /// `Content-Range` for this plan's response, if it has one.
    pub fn content_range(&self, size: u64) -> Option<String> {
        match *self {
            Self::Partial { first, last } => Some(range::content_range(first, last, size)),
            Self::Unsatisfiable => Some(range::unsatisfied_range(size)),
            Self::Full | Self::NotModified => None,
        }
    }
}

/// A container's lifecycle rules, parsed once per request.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    policy: Option<LifecyclePolicy>,
    since_ms: u64,
}

impl Lifecycle {
    /// The rules of `record`. A stored policy that no longer parses (it was
    /// validated when put) expires nothing rather than failing reads.
    pub fn of(record: &ContainerRecord) -> Self {
        Self {
            policy: record
                .lifecycle
                .as_deref()
                .and_then(|doc| LifecyclePolicy::parse(doc).ok()),
            since_ms: record.lifecycle_since_ms,
        }
    }

    /// Whether the object at `path` (inside its container) has expired at `now_ms`.
    pub fn is_expired(&self, path: &str, created_ms: u64, now_ms: u64) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| p.is_expired(path, created_ms, now_ms, self.since_ms))
    }

    /// Whether a transient rule governs the object (left out of ListItems).
    pub fn is_transient(&self, path: &str, created_ms: u64) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| p.is_transient(path, created_ms, self.since_ms))
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::range::ByteRange::*;

    fn info() -> ObjectInfo {
        ObjectInfo {
            size: 10,
            etag: "abc".into(),
            content_type: Some("video/MP2T".into()),
            cache_control: Some("max-age=5".into()),
            created_ms: 784_111_777_500,
            complete: true,
        }
    }

    fn growing() -> ObjectInfo {
        ObjectInfo {
            etag: String::new(),
            complete: false,
            ..info()
        }
    }

    fn when(headers: &[(&str, &str)]) -> Conditions {
        Conditions::from_headers(|n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v))
    }

    fn find<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn store_metadata_carries_over_field_by_field() {
        let meta = tributary_guest::blob::ObjectMeta {
            key: "live/a.ts".into(),
            size: 10,
            sha256: "ff".into(),
            etag: "abc".into(),
            content_type: Some("video/MP2T".into()),
            cache_control: Some("max-age=5".into()),
            created_ms: 784_111_777_500,
            user_metadata: vec![("k".into(), "v".into())],
            complete: true,
        };
        assert_eq!(ObjectInfo::from(&meta), info());
    }

    #[test]
    fn a_plain_get_serves_the_whole_object() {
        assert_eq!(Plan::new(&info(), &when(&[]), None), Plan::Full);
    }

    #[test]
    fn a_satisfiable_range_serves_206_with_content_range() {
        let plan = Plan::new(&info(), &when(&[]), Some(FromTo(0, 1)));
        assert_eq!(plan, Plan::Partial { first: 0, last: 1 });
        assert_eq!(plan.content_range(10).as_deref(), Some("bytes 0-1/10"));
        let plan = Plan::new(&info(), &when(&[]), Some(Suffix(3)));
        assert_eq!(plan.content_range(10).as_deref(), Some("bytes 7-9/10"));
    }

    #[test]
    fn a_range_starting_at_the_end_is_416_with_the_size() {
        let plan = Plan::new(&info(), &when(&[]), Some(From(10)));
        assert_eq!(plan, Plan::Unsatisfiable);
        assert_eq!(plan.content_range(10).as_deref(), Some("bytes */10"));
    }

    #[test]
    fn a_matching_if_none_match_wins_over_range() {
        let plan = Plan::new(
            &info(),
            &when(&[("if-none-match", "\"abc\"")]),
            Some(From(99)),
        );
        assert_eq!(plan, Plan::NotModified);
    }

    #[test]
    fn if_modified_since_compares_at_second_precision() {
        // created at …777.500 s; Last-Modified says …777.
        let plan = Plan::new(
            &info(),
            &when(&[("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT")]),
            None,
        );
        assert_eq!(plan, Plan::NotModified);
    }

    #[test]
    fn a_growing_object_ignores_range_and_is_streamed_whole() {
        assert_eq!(
            Plan::new(&growing(), &when(&[]), Some(FromTo(0, 1))),
            Plan::Full
        );
        assert_eq!(
            Plan::new(&growing(), &when(&[]), Some(From(999))),
            Plan::Full
        );
    }

    #[test]
    fn a_stale_if_range_serves_the_whole_object() {
        let plan = Plan::new(
            &info(),
            &when(&[("if-range", "\"old\"")]),
            Some(FromTo(0, 1)),
        );
        assert_eq!(plan, Plan::Full);
    }

    #[test]
    fn a_stream_fits_the_plan_only_if_it_covers_the_planned_bytes() {
        let i = info();
        assert!(Plan::Full.fits(&i, 0, Some(10)));
        assert!(
            !Plan::Full.fits(&i, 0, Some(2)),
            "a ranged stream for a Full plan is re-read"
        );
        assert!(Plan::Partial { first: 2, last: 4 }.fits(&i, 2, Some(3)));
        assert!(!Plan::Partial { first: 2, last: 4 }.fits(&i, 0, Some(10)));
        assert!(Plan::Full.fits(&growing(), 0, None));
        assert!(!Plan::Full.fits(&growing(), 5, None));
    }

    #[test]
    fn a_plan_asks_the_store_for_exactly_the_bytes_it_sends() {
        assert_eq!(Plan::Full.wanted(), Some(None));
        assert_eq!(
            Plan::Partial { first: 2, last: 4 }.wanted(),
            Some(Some(FromTo(2, 4)))
        );
        assert_eq!(Plan::NotModified.wanted(), None);
        assert_eq!(Plan::Unsatisfiable.wanted(), None);
    }

    #[test]
    fn object_headers_carry_quoted_etag_dates_type_and_caching() {
        let h = info().headers();
        assert_eq!(find(&h, "content-type"), Some("video/MP2T"));
        assert_eq!(find(&h, "etag"), Some("\"abc\""));
        assert_eq!(
            find(&h, "last-modified"),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(find(&h, "cache-control"), Some("max-age=5"));
        assert_eq!(find(&h, "accept-ranges"), Some("bytes"));
    }

    #[test]
    fn objects_without_type_or_caching_get_the_default_type_and_no_cache_control() {
        let h = ObjectInfo {
            content_type: None,
            cache_control: None,
            ..info()
        }
        .headers();
        assert_eq!(find(&h, "content-type"), Some(DEFAULT_CONTENT_TYPE));
        assert_eq!(find(&h, "cache-control"), None);
    }

    #[test]
    fn a_growing_object_has_no_etag_and_refuses_ranges() {
        let h = growing().headers();
        assert_eq!(find(&h, "etag"), None);
        assert_eq!(find(&h, "accept-ranges"), Some("none"));
    }

    #[test]
    fn not_modified_headers_are_the_validators_and_caching_only() {
        let h = info().validator_headers();
        let names: Vec<&str> = h.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["etag", "last-modified", "cache-control"]);
    }

    #[test]
    fn lifecycle_rules_of_a_container_expire_matching_objects() {
        let record: ContainerRecord = serde_json::from_value(serde_json::json!({
            "name": "live", "arn": "arn", "endpoint": "e", "creation_time": 0.0, "status": "ACTIVE",
            "lifecycle": r#"{"rules":[{"definition":{"path":[{"wildcard":"*.m3u8"}],
                "seconds_since_create":[{"numeric":[">",20]}]},"action":"EXPIRE"}]}"#,
            "lifecycle_since_ms": 1000
        }))
        .unwrap();
        let l = Lifecycle::of(&record);
        assert!(l.is_expired("a/index.m3u8", 2_000, 30_000));
        assert!(!l.is_expired("a/index.m3u8", 2_000, 10_000));
        assert!(!l.is_expired("a/seg.ts", 2_000, 30_000));
        assert!(l.is_transient("a/index.m3u8", 2_000));
        assert!(
            !l.is_transient("a/index.m3u8", 500),
            "created before the policy"
        );
    }

    #[test]
    fn a_container_without_lifecycle_rules_expires_nothing() {
        let l = Lifecycle::default();
        assert!(!l.is_expired("a", 0, u64::MAX));
        assert!(!l.is_transient("a", 0));
    }
}
