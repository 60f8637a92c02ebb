//! GetObject and DescribeObject over any object store: the sequence of store
//! calls and what each outcome means. The store is a trait so that this
//! sequence — range first, re-read when the plan needs other bytes, metadata
//! for 416/304, lifecycle expiry — is tested natively against a fake; the
//! blob-store implementation lives in [`crate::service`].

use tributary_guest::blob;
use tributary_mediastore::{ApiError, ObjectPath};

use crate::conditional::Conditions;
use crate::object::{Lifecycle, ObjectInfo, Plan};
use crate::range::ByteRange;
use crate::reply::{self, Failure, Result};

/// Most store reads for one GetObject: the first with the client's range,
/// then re-reads while the object changes under us.
const MAX_READS: usize = 3;

/// The object store calls reading needs.
pub trait Objects {
    /// An open body stream (a host `input-stream`; dropping it unread costs
    /// nothing and copies no bytes).
    type Body;
    /// Open `key` at `range` (`None`: whole object).
    fn read(&self, key: &str, range: Option<ByteRange>) -> Result<Opened<Self::Body>, blob::Error>;
    /// Metadata of `key`; `None` when absent.
    fn stat(&self, key: &str) -> Result<Option<ObjectInfo>, blob::Error>;
    /// Remove `key`; false when absent.
    fn delete(&self, key: &str) -> Result<bool, blob::Error>;
}

/// What a store read opened.
#[derive(Debug)]
pub struct Opened<B> {
    /// The object's metadata when reading started.
    pub info: ObjectInfo,
    /// First byte offset of `body`.
    pub start: u64,
    /// Bytes `body` yields; `None` for a growing object.
    pub length: Option<u64>,
    /// The bytes.
    pub body: B,
}

/// A successful answer.
#[derive(Debug)]
pub enum Answer<B> {
    /// 200 or 206 with a body from the store.
    Stream {
        /// 200 or 206.
        status: u16,
        /// Object headers (and `Content-Range` for 206).
        headers: Vec<(String, String)>,
        /// The stream to splice into the response.
        body: B,
        /// Its length; `None` means chunked.
        length: Option<u64>,
    },
    /// 304, or 200 to a HEAD: headers only.
    Headers {
        /// 200 or 304.
        status: u16,
        /// Object headers (HEAD) or validators (304).
        headers: Vec<(String, String)>,
    },
}

/// Reading objects of one container at one instant.
#[derive(Debug)]
pub struct Reader<'a, S> {
    /// The store.
    pub store: &'a S,
    /// The container's lifecycle rules.
    pub lifecycle: &'a Lifecycle,
    /// Now, in milliseconds since the epoch.
    pub now_ms: u64,
}

impl<S: Objects> Reader<'_, S> {
    /// GetObject of `path` stored under `key`. One `read` in the common case:
    /// the store is asked for the client's range right away. When the plan
    /// needs other bytes (If-Range no longer matches, the object is still
    /// growing, or it was replaced between calls) the unread stream is
    /// dropped and the store asked again.
    pub fn get(
        &self,
        key: &str,
        path: &ObjectPath,
        range: Option<ByteRange>,
        conditions: &Conditions,
    ) -> Result<Answer<S::Body>> {
        let mut ask = range;
        for _ in 0..MAX_READS {
            let opened = match self.store.read(key, ask) {
                Ok(opened) => opened,
                Err(blob::Error::RangeNotSatisfiable(_)) => {
                    // Expiry and 304 come before 416: decide on the metadata.
                    let info = self.live_info(key, path)?;
                    let plan = Plan::new(&info, conditions, range);
                    match plan.wanted() {
                        Some(wanted) => ask = wanted,
                        None => return without_body(&info, plan),
                    }
                    continue;
                }
                Err(e) => return Err(reply::blob_failure(e, path.as_str()).into()),
            };
            let info = opened.info;
            if self.expired(path, &info) {
                drop(opened.body);
                self.remove_if_unchanged(key, &info);
                return Err(not_found(path));
            }
            let plan = Plan::new(&info, conditions, range);
            match plan.wanted() {
                None => return without_body(&info, plan),
                Some(_) if plan.fits(&info, opened.start, opened.length) => {
                    let mut headers = info.headers();
                    headers.extend(
                        plan.content_range(info.size)
                            .map(|cr| ("content-range".to_owned(), cr)),
                    );
                    let status = if plan == Plan::Full { 200 } else { 206 };
                    return Ok(Answer::Stream {
                        status,
                        headers,
                        body: opened.body,
                        length: opened.length,
                    });
                }
                Some(wanted) => ask = wanted,
            }
        }
        Err(ApiError::internal(format!(
            "The object at {path} kept changing while being read; retry"
        ))
        .into())
    }

    /// DescribeObject: metadata only, never a body stream.
    pub fn describe(
        &self,
        key: &str,
        path: &ObjectPath,
        conditions: &Conditions,
    ) -> Result<Answer<S::Body>> {
        let info = self.live_info(key, path)?;
        without_body(&info, Plan::new(&info, conditions, None))
    }

    /// Metadata of an object that exists and has not expired.
    fn live_info(&self, key: &str, path: &ObjectPath) -> Result<ObjectInfo> {
        let info = self
            .store
            .stat(key)
            .map_err(|e| reply::blob_failure(e, path.as_str()))?
            .ok_or_else(|| not_found(path))?;
        if self.expired(path, &info) {
            self.remove_if_unchanged(key, &info);
            return Err(not_found(path));
        }
        Ok(info)
    }

    fn expired(&self, path: &ObjectPath, info: &ObjectInfo) -> bool {
        self.lifecycle
            .is_expired(path.as_str(), info.created_ms, self.now_ms)
    }

    /// Delete an expired object, unless it was replaced since `seen` was
    /// read: a fresh upload to the same path must not be lost to an old
    /// one's expiry. The store has no conditional delete, so a replacement
    /// landing between the `stat` and the `delete` can still be lost; the
    /// window is two host calls wide. Best effort: if the delete fails, the
    /// object is still expired to every reader and the next one tries again.
    pub fn remove_if_unchanged(&self, key: &str, seen: &ObjectInfo) {
        if let Ok(Some(current)) = self.store.stat(key)
            && current.created_ms == seen.created_ms
            && current.etag == seen.etag
        {
            let _ = self.store.delete(key);
        }
    }
}

/// 304, 416, or (for HEAD) 200 with the object's headers.
fn without_body<B>(info: &ObjectInfo, plan: Plan) -> Result<Answer<B>> {
    match plan {
        Plan::NotModified => Ok(Answer::Headers {
            status: 304,
            headers: info.validator_headers(),
        }),
        Plan::Unsatisfiable => {
            let mut f = Failure::from(ApiError::range_not_satisfiable(format!(
                "The range starts at or past the end of the {}-byte object",
                info.size
            )));
            if let Some(cr) = plan.content_range(info.size) {
                f = f.with_header("content-range", cr);
            }
            Err(f)
        }
        Plan::Full | Plan::Partial { .. } => {
            let mut headers = info.headers();
            // A growing object's final length is unknown.
            if info.complete {
                headers.push(("content-length".to_owned(), info.size.to_string()));
            }
            Ok(Answer::Headers {
                status: 200,
                headers,
            })
        }
    }
}

fn not_found(path: &ObjectPath) -> Failure {
    ApiError::object_not_found(format!("No object at {path}")).into()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::range::ByteRange::*;
    use std::cell::RefCell;
    use tributary_mediastore::ContainerRecord;

    const KEY: &str = "live/a.ts";
    const CREATED: u64 = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT

    /// A store holding one object (or none), recording every call.
    #[derive(Default)]
    struct Fake {
        /// Successive versions: each read/stat sees the next one, the last
        /// one stays (to model an object replaced between calls).
        versions: RefCell<Vec<Option<ObjectInfo>>>,
        /// Growing objects: apply the range anyway (a store that does not
        /// ignore Range for incomplete objects).
        ranges_on_growing: bool,
        calls: RefCell<Vec<String>>,
    }

    impl Fake {
        fn with(info: ObjectInfo) -> Self {
            Self {
                versions: RefCell::new(vec![Some(info)]),
                ..Self::default()
            }
        }

        fn current(&self) -> Option<ObjectInfo> {
            let mut v = self.versions.borrow_mut();
            if v.len() > 1 {
                v.remove(0)
            } else {
                v.first().cloned().flatten()
            }
        }

        fn calls(&self) -> Vec<String> {
            self.calls.borrow().clone()
        }
    }

    impl Objects for Fake {
        type Body = (u64, Option<u64>);

        fn read(
            &self,
            key: &str,
            range: Option<ByteRange>,
        ) -> Result<Opened<Self::Body>, blob::Error> {
            self.calls
                .borrow_mut()
                .push(format!("read {key} {range:?}"));
            let info = self.current().ok_or(blob::Error::NotFound)?;
            let (start, length) = match range {
                Some(_) if !info.complete && !self.ranges_on_growing => (0, None),
                Some(r) if !info.complete => (r.resolve(u64::MAX).unwrap().0, None),
                None if !info.complete => (0, None),
                None => (0, Some(info.size)),
                Some(r) => match (r, info.size) {
                    (FromTo(a, _) | From(a), size) if a >= size => {
                        return Err(blob::Error::RangeNotSatisfiable(size));
                    }
                    // The blob store serves suffix(0) and empty objects as empty streams.
                    (_, 0) | (Suffix(0), _) => (0, Some(0)),
                    (r, size) => {
                        let (first, last) = r.resolve(size).unwrap();
                        (first, Some(last - first + 1))
                    }
                },
            };
            Ok(Opened {
                info,
                start,
                length,
                body: (start, length),
            })
        }

        fn stat(&self, key: &str) -> Result<Option<ObjectInfo>, blob::Error> {
            self.calls.borrow_mut().push(format!("stat {key}"));
            Ok(self.current())
        }

        fn delete(&self, key: &str) -> Result<bool, blob::Error> {
            self.calls.borrow_mut().push(format!("delete {key}"));
            Ok(true)
        }
    }

    fn object() -> ObjectInfo {
        ObjectInfo {
            size: 10,
            etag: "abc".into(),
            content_type: Some("video/MP2T".into()),
            cache_control: None,
            created_ms: CREATED,
            complete: true,
        }
    }

    fn growing() -> ObjectInfo {
        ObjectInfo {
            etag: String::new(),
            complete: false,
            ..object()
        }
    }

    fn path() -> ObjectPath {
        ObjectPath::parse("a.ts").unwrap()
    }

    fn when(headers: &[(&str, &str)]) -> Conditions {
        Conditions::from_headers(|n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v))
    }

    fn get(
        store: &Fake,
        range: Option<ByteRange>,
        conditions: &Conditions,
    ) -> Result<Answer<(u64, Option<u64>)>> {
        let lifecycle = Lifecycle::default();
        Reader {
            store,
            lifecycle: &lifecycle,
            now_ms: CREATED,
        }
        .get(KEY, &path(), range, conditions)
    }

    fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn expiring_after_one_second() -> Lifecycle {
        let record: ContainerRecord = serde_json::from_value(serde_json::json!({
            "name": "live", "arn": "a", "endpoint": "e", "creation_time": 0.0, "status": "ACTIVE",
            "lifecycle": r#"{"rules":[{"definition":{"path":[{"wildcard":"*.ts"}],
                "seconds_since_create":[{"numeric":[">",1]}]},"action":"EXPIRE"}]}"#,
        }))
        .unwrap();
        Lifecycle::of(&record)
    }

    #[test]
    fn a_plain_get_is_one_whole_read_answered_200_with_its_length() {
        let store = Fake::with(object());
        let Answer::Stream {
            status,
            headers,
            body,
            length,
        } = get(&store, None, &when(&[])).unwrap()
        else {
            panic!("expected a body")
        };
        assert_eq!((status, body, length), (200, (0, Some(10)), Some(10)));
        assert_eq!(header(&headers, "etag"), Some("\"abc\""));
        assert_eq!(header(&headers, "content-range"), None);
        assert_eq!(store.calls(), ["read live/a.ts None"]);
    }

    #[test]
    fn a_range_is_asked_of_the_store_once_and_answered_206() {
        let store = Fake::with(object());
        let Answer::Stream {
            status,
            headers,
            body,
            ..
        } = get(&store, Some(Suffix(4)), &when(&[])).unwrap()
        else {
            panic!("expected a body")
        };
        assert_eq!((status, body), (206, (6, Some(4))));
        assert_eq!(header(&headers, "content-range"), Some("bytes 6-9/10"));
        assert_eq!(store.calls(), ["read live/a.ts Some(Suffix(4))"]);
    }

    #[test]
    fn a_range_past_the_end_is_416_with_the_size_from_metadata() {
        let store = Fake::with(object());
        let f = get(&store, Some(From(10)), &when(&[])).unwrap_err();
        assert_eq!(
            (f.error.code, f.error.status),
            ("RequestedRangeNotSatisfiableException", 416)
        );
        assert_eq!(
            f.headers,
            [("content-range".to_owned(), "bytes */10".to_owned())]
        );
        assert_eq!(
            store.calls(),
            ["read live/a.ts Some(From(10))", "stat live/a.ts"]
        );
    }

    #[test]
    fn a_zero_suffix_the_store_would_serve_empty_is_still_416() {
        let store = Fake::with(object());
        let f = get(&store, Some(Suffix(0)), &when(&[])).unwrap_err();
        assert_eq!(f.error.status, 416);
    }

    #[test]
    fn not_modified_wins_over_an_unsatisfiable_range() {
        let store = Fake::with(object());
        let answer = get(
            &store,
            Some(From(99)),
            &when(&[("if-none-match", "\"abc\"")]),
        )
        .unwrap();
        let Answer::Headers { status, headers } = answer else {
            panic!("expected no body")
        };
        assert_eq!(status, 304);
        assert_eq!(header(&headers, "etag"), Some("\"abc\""));
        assert_eq!(header(&headers, "content-length"), None);
    }

    #[test]
    fn a_stale_if_range_rereads_the_whole_object_and_answers_200() {
        let store = Fake::with(object());
        let answer = get(
            &store,
            Some(FromTo(0, 1)),
            &when(&[("if-range", "\"old\"")]),
        )
        .unwrap();
        let Answer::Stream { status, body, .. } = answer else {
            panic!("expected a body")
        };
        assert_eq!((status, body), (200, (0, Some(10))));
        assert_eq!(
            store.calls(),
            ["read live/a.ts Some(FromTo(0, 1))", "read live/a.ts None"]
        );
    }

    #[test]
    fn a_growing_object_is_streamed_whole_and_chunked_despite_a_range() {
        let store = Fake::with(growing());
        let Answer::Stream {
            status,
            headers,
            length,
            ..
        } = get(&store, Some(FromTo(2, 3)), &when(&[])).unwrap()
        else {
            panic!("expected a body")
        };
        assert_eq!((status, length), (200, None));
        assert_eq!(header(&headers, "etag"), None);
        assert_eq!(store.calls().len(), 1);
    }

    #[test]
    fn a_store_that_ranges_a_growing_object_anyway_is_asked_again_for_all_of_it() {
        let store = Fake {
            ranges_on_growing: true,
            ..Fake::with(growing())
        };
        let Answer::Stream { status, body, .. } = get(&store, Some(From(5)), &when(&[])).unwrap()
        else {
            panic!("expected a body")
        };
        assert_eq!((status, body), (200, (0, None)));
        assert_eq!(
            store.calls(),
            ["read live/a.ts Some(From(5))", "read live/a.ts None"]
        );
    }

    #[test]
    fn an_object_replaced_by_a_larger_one_after_a_416_is_served_its_range() {
        let bigger = ObjectInfo {
            size: 100,
            etag: "new".into(),
            ..object()
        };
        let store = Fake::with(object());
        store.versions.borrow_mut().push(Some(bigger));
        // read (old: 416) → stat (new, 100 bytes: the range fits) → read again.
        let Answer::Stream {
            status, headers, ..
        } = get(&store, Some(From(50)), &when(&[])).unwrap()
        else {
            panic!("expected a body")
        };
        assert_eq!(status, 206);
        assert_eq!(header(&headers, "content-range"), Some("bytes 50-99/100"));
    }

    #[test]
    fn an_object_that_keeps_changing_gives_up_with_a_retryable_error() {
        let store = Fake::with(object());
        // A store whose ranged reads never match: every read returns the whole object.
        struct Stubborn(Fake);
        impl Objects for Stubborn {
            type Body = ();
            fn read(&self, key: &str, _: Option<ByteRange>) -> Result<Opened<()>, blob::Error> {
                let o = self.0.read(key, None)?;
                Ok(Opened {
                    info: o.info,
                    start: o.start,
                    length: o.length,
                    body: (),
                })
            }
            fn stat(&self, key: &str) -> Result<Option<ObjectInfo>, blob::Error> {
                self.0.stat(key)
            }
            fn delete(&self, key: &str) -> Result<bool, blob::Error> {
                self.0.delete(key)
            }
        }
        let stubborn = Stubborn(store);
        let lifecycle = Lifecycle::default();
        let reader = Reader {
            store: &stubborn,
            lifecycle: &lifecycle,
            now_ms: CREATED,
        };
        let f = reader
            .get(KEY, &path(), Some(FromTo(0, 1)), &when(&[]))
            .unwrap_err();
        assert_eq!((f.error.code, f.error.status), ("InternalServerError", 500));
        assert_eq!(stubborn.0.calls().len(), MAX_READS);
    }

    #[test]
    fn a_missing_object_is_object_not_found() {
        let store = Fake::default();
        let f = get(&store, None, &when(&[])).unwrap_err();
        assert_eq!(
            (f.error.code, f.error.status),
            ("ObjectNotFoundException", 404)
        );
    }

    #[test]
    fn an_expired_object_is_404_and_deleted() {
        let store = Fake::with(object());
        let lifecycle = expiring_after_one_second();
        let reader = Reader {
            store: &store,
            lifecycle: &lifecycle,
            now_ms: CREATED + 5_000,
        };
        let f = reader.get(KEY, &path(), None, &when(&[])).unwrap_err();
        assert_eq!(f.error.status, 404);
        assert_eq!(
            store.calls(),
            ["read live/a.ts None", "stat live/a.ts", "delete live/a.ts"]
        );
    }

    #[test]
    fn an_expired_object_replaced_meanwhile_is_not_deleted() {
        let store = Fake::with(object());
        let fresh = ObjectInfo {
            etag: "fresh".into(),
            created_ms: CREATED + 4_900,
            ..object()
        };
        store.versions.borrow_mut().push(Some(fresh));
        let lifecycle = expiring_after_one_second();
        let reader = Reader {
            store: &store,
            lifecycle: &lifecycle,
            now_ms: CREATED + 5_000,
        };
        assert_eq!(
            reader
                .get(KEY, &path(), None, &when(&[]))
                .unwrap_err()
                .error
                .status,
            404
        );
        assert!(
            !store.calls().iter().any(|c| c.starts_with("delete")),
            "{:?}",
            store.calls()
        );
    }

    #[test]
    fn describe_reads_metadata_only_and_declares_the_length() {
        let store = Fake::with(object());
        let lifecycle = Lifecycle::default();
        let reader = Reader {
            store: &store,
            lifecycle: &lifecycle,
            now_ms: CREATED,
        };
        let Answer::Headers { status, headers } =
            reader.describe(KEY, &path(), &when(&[])).unwrap()
        else {
            panic!("HEAD has no body")
        };
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-length"), Some("10"));
        assert_eq!(header(&headers, "content-type"), Some("video/MP2T"));
        assert_eq!(
            header(&headers, "last-modified"),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(store.calls(), ["stat live/a.ts"]);
    }

    #[test]
    fn describe_of_a_growing_object_leaves_the_length_out() {
        let store = Fake::with(growing());
        let lifecycle = Lifecycle::default();
        let reader = Reader {
            store: &store,
            lifecycle: &lifecycle,
            now_ms: CREATED,
        };
        let Answer::Headers { headers, .. } = reader.describe(KEY, &path(), &when(&[])).unwrap()
        else {
            panic!()
        };
        assert_eq!(header(&headers, "content-length"), None);
    }

    #[test]
    fn describe_honours_if_modified_since() {
        let store = Fake::with(object());
        let lifecycle = Lifecycle::default();
        let reader = Reader {
            store: &store,
            lifecycle: &lifecycle,
            now_ms: CREATED,
        };
        let c = when(&[("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        let Answer::Headers { status, .. } = reader.describe(KEY, &path(), &c).unwrap() else {
            panic!()
        };
        assert_eq!(status, 304);
    }

    #[test]
    fn store_failures_become_wire_errors() {
        struct Broken;
        impl Objects for Broken {
            type Body = ();
            fn read(&self, _: &str, _: Option<ByteRange>) -> Result<Opened<()>, blob::Error> {
                Err(blob::Error::Io("disk on fire".into()))
            }
            fn stat(&self, _: &str) -> Result<Option<ObjectInfo>, blob::Error> {
                Err(blob::Error::Io("disk on fire".into()))
            }
            fn delete(&self, _: &str) -> Result<bool, blob::Error> {
                Err(blob::Error::Io("disk on fire".into()))
            }
        }
        let lifecycle = Lifecycle::default();
        let reader = Reader {
            store: &Broken,
            lifecycle: &lifecycle,
            now_ms: 0,
        };
        assert_eq!(
            reader
                .get(KEY, &path(), None, &when(&[]))
                .unwrap_err()
                .error
                .status,
            500
        );
        assert_eq!(
            reader
                .describe(KEY, &path(), &when(&[]))
                .unwrap_err()
                .error
                .status,
            500
        );
    }
}
