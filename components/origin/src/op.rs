//! From an HTTP request to a typed MediaStore data-plane operation.
//!
//! The container endpoint is `<public>/store/<container>`; botocore keeps that
//! prefix, so `aws mediastore-data put-object --path a/seg 1.ts` arrives as
//! `PUT /store/<container>/a/seg%201.ts`, and ListItems as
//! `GET /store/<container>?Path=a%2Fb` (with a trailing `/` when the endpoint
//! URL has one). The raw path is split on `/` before percent-decoding, so an
//! encoded `%2F` stays inside its segment, where path validation refuses it.

use tributary_guest::http::{decode_component, decode_path};
use tributary_mediastore::{
    ApiError, ContainerName, FolderPath, MAX_OBJECT_SIZE, MAX_STREAMING_OBJECT_SIZE, ObjectPath,
};

use crate::conditional::Conditions;
use crate::list;
use crate::range::ByteRange;
use crate::reply::{Failure, Result};

/// Where the origin's routes start.
pub const ROUTE_PREFIX: &str = "/store";

/// The parts of a request that choose and shape the operation.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// Path as received, still percent-encoded.
    pub path: &'a str,
    /// Query as received, without `?`.
    pub query: &'a str,
    /// Headers with lower-case names, in order.
    pub headers: &'a [(String, String)],
}

impl<'a> RequestHead<'a> {
    /// First value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// First query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k) == name).then(|| decode_component(v))
        })
    }
}

/// A request addressed to a container: which one, and what to do (or why
/// the request is refused — kept apart so the refusal can still carry the
/// container's CORS headers).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The container the URL names.
    pub container: ContainerName,
    /// The operation, or why there is none.
    pub op: Result<Op>,
}

/// How an object becomes readable while being uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Readable when the upload is complete (the default).
    Standard,
    /// Readable while it is arriving (`x-amz-upload-availability: STREAMING`).
    Streaming,
}

impl Availability {
    /// Largest body this availability accepts.
    pub fn max_size(self) -> u64 {
        match self {
            Self::Standard => MAX_OBJECT_SIZE,
            Self::Streaming => MAX_STREAMING_OBJECT_SIZE,
        }
    }
}

/// PutObject's headers, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOptions {
    /// `Content-Type`, stored and served back.
    pub content_type: Option<String>,
    /// `Cache-Control`, stored and served back.
    pub cache_control: Option<String>,
    /// STANDARD or STREAMING.
    pub availability: Availability,
    /// Lower-case hex SHA-256 the client declared (`x-amz-content-sha256`),
    /// for the store to check; `None` for `UNSIGNED-PAYLOAD` or no header.
    pub expected_sha256: Option<String>,
}

/// A MediaStore data-plane operation (or a CORS preflight).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /<path>`.
    GetObject {
        /// Object path.
        path: ObjectPath,
        /// `Range`, when valid (an invalid one is ignored).
        range: Option<ByteRange>,
        /// Conditional headers.
        conditions: Conditions,
    },
    /// `HEAD /<path>`.
    DescribeObject {
        /// Object path.
        path: ObjectPath,
        /// Conditional headers.
        conditions: Conditions,
    },
    /// `PUT /<path>`.
    PutObject {
        /// Object path.
        path: ObjectPath,
        /// Validated headers.
        options: PutOptions,
    },
    /// `DELETE /<path>`.
    DeleteObject {
        /// Object path.
        path: ObjectPath,
    },
    /// `GET /` on the container (`?Path=&MaxResults=&NextToken=`).
    ListItems {
        /// The folder listed.
        folder: FolderPath,
        /// Page size, 1–1000.
        max_results: u32,
        /// The store cursor from `NextToken`.
        cursor: Option<String>,
    },
    /// `OPTIONS` anywhere in the container: a CORS preflight.
    Preflight {
        /// `Origin`.
        origin: Option<String>,
        /// `Access-Control-Request-Method`.
        method: Option<String>,
        /// `Access-Control-Request-Headers`, split.
        headers: Vec<String>,
    },
}

impl Op {
    /// IAM action name (`mediastore:GetObject`).
    pub fn action(&self) -> &'static str {
        match self {
            Self::GetObject { .. } => "mediastore:GetObject",
            Self::DescribeObject { .. } => "mediastore:DescribeObject",
            Self::PutObject { .. } => "mediastore:PutObject",
            Self::DeleteObject { .. } => "mediastore:DeleteObject",
            Self::ListItems { .. } => "mediastore:ListItems",
            Self::Preflight { .. } => "mediastore:Preflight",
        }
    }

    /// Resource ARN the action is on: `<container arn>/<path>` for objects,
    /// the container ARN (or `<container arn>/<folder>`) for ListItems.
    pub fn resource(&self, container_arn: &str) -> String {
        let path = match self {
            Self::GetObject { path, .. }
            | Self::DescribeObject { path, .. }
            | Self::PutObject { path, .. }
            | Self::DeleteObject { path } => path.as_str(),
            Self::ListItems { folder, .. } => folder.as_str(),
            Self::Preflight { .. } => "",
        };
        if path.is_empty() {
            container_arn.to_owned()
        } else {
            format!("{container_arn}/{path}")
        }
    }
}

/// Identify the container and the operation. `Err` when the URL names no
/// container at all; a container that is named but whose request is wrong
/// comes back as `Ok` with `op: Err(..)`.
pub fn parse(head: &RequestHead<'_>) -> Result<Parsed> {
    let (container, object) = split_path(head.path)?;
    Ok(Parsed {
        container,
        op: parse_op(head, object),
    })
}

/// `/store/<container>[/<object path>]` → the container and the raw
/// (still encoded) object path; `None` or `Some("")` for the container root.
fn split_path(path: &str) -> Result<(ContainerName, Option<&str>)> {
    let no_container = || {
        Failure::from(ApiError::invalid_request(format!(
            "Expected {ROUTE_PREFIX}/<container>/<path>; got {path:?}"
        )))
    };
    let rest = path
        .strip_prefix(ROUTE_PREFIX)
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(no_container)?;
    let (raw_container, object) = match rest.split_once('/') {
        Some((c, o)) => (c, Some(o)),
        None => (rest, None),
    };
    if raw_container.is_empty() {
        return Err(no_container());
    }
    // A name MediaStore cannot have names no container.
    let container = ContainerName::parse(&decode_path(raw_container))
        .map_err(|e| ApiError::data_container_not_found(e.0))?;
    Ok((container, object))
}

fn parse_op(head: &RequestHead<'_>, object: Option<&str>) -> Result<Op> {
    let object = object.filter(|o| !o.is_empty());
    match (head.method, object) {
        ("OPTIONS", _) => Ok(Op::Preflight {
            origin: head.header("origin").map(str::to_owned),
            method: head
                .header("access-control-request-method")
                .map(str::to_owned),
            headers: crate::cors::requested_headers(head.header("access-control-request-headers")),
        }),
        ("GET", None) => list_items(head),
        ("HEAD" | "PUT" | "DELETE", None) => Err(ApiError::invalid_request(
            "Path is required: name an object after the container, e.g. /store/<container>/<path>",
        )
        .into()),
        ("GET", Some(raw)) => Ok(Op::GetObject {
            path: object_path(raw)?,
            range: head.header("range").and_then(ByteRange::parse),
            conditions: Conditions::from_headers(|n| head.header(n)),
        }),
        ("HEAD", Some(raw)) => Ok(Op::DescribeObject {
            path: object_path(raw)?,
            conditions: Conditions::from_headers(|n| head.header(n)),
        }),
        ("PUT", Some(raw)) => Ok(Op::PutObject {
            path: object_path(raw)?,
            options: put_options(head)?,
        }),
        ("DELETE", Some(raw)) => Ok(Op::DeleteObject {
            path: object_path(raw)?,
        }),
        (method, object) => {
            let allow = if object.is_some() {
                "GET, HEAD, PUT, DELETE, OPTIONS"
            } else {
                "GET, OPTIONS"
            };
            Err(Failure::from(ApiError::method_not_allowed(format!(
                "Method {method} is not allowed here; use {allow}"
            )))
            .with_header("allow", allow))
        }
    }
}

/// Decode each raw segment on its own, then validate the whole path.
fn object_path(raw: &str) -> Result<ObjectPath> {
    let mut segments = Vec::new();
    for segment in raw.split('/') {
        let decoded = decode_path(segment);
        if decoded.contains('/') {
            return Err(ApiError::invalid_request(format!(
                "Path segment {segment:?} contains an encoded '/'; separate folders with a plain '/'"
            ))
            .into());
        }
        segments.push(decoded);
    }
    ObjectPath::parse(&segments.join("/")).map_err(|e| ApiError::invalid_request(e.0).into())
}

fn list_items(head: &RequestHead<'_>) -> Result<Op> {
    let folder = FolderPath::parse(&head.query_param("Path").unwrap_or_default())
        .map_err(|e| ApiError::invalid_request(e.0))?;
    let max_results = list::max_results(head.query_param("MaxResults").as_deref())?;
    let cursor = match head.query_param("NextToken").filter(|t| !t.is_empty()) {
        Some(token) => Some(list::decode_token(&token, &folder)?),
        None => None,
    };
    Ok(Op::ListItems {
        folder,
        max_results,
        cursor,
    })
}

fn put_options(head: &RequestHead<'_>) -> Result<PutOptions> {
    let content_type = head.header("content-type").map(|ct| ct.trim().to_owned());
    if let Some(ct) = &content_type
        && !valid_content_type(ct)
    {
        return Err(ApiError::invalid_request(format!(
            "Content-Type {ct:?} is not valid: use 1 to 255 of letters, digits and _ - / . + (no parameters)"
        ))
        .into());
    }
    if let Some(class) = head.header("x-amz-storage-class")
        && class != "TEMPORAL"
    {
        return Err(ApiError::invalid_request(format!(
            "x-amz-storage-class must be TEMPORAL, got {class:?}"
        ))
        .into());
    }
    let availability = match head.header("x-amz-upload-availability") {
        None | Some("STANDARD") => Availability::Standard,
        Some("STREAMING") => Availability::Streaming,
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "x-amz-upload-availability must be STANDARD or STREAMING, got {other:?}"
            ))
            .into());
        }
    };
    if let Some(length) = head.header("content-length") {
        let length: u64 = length.trim().parse().map_err(|_| {
            ApiError::invalid_request(format!("Content-Length {length:?} is not a number"))
        })?;
        let max = availability.max_size();
        if length > max {
            return Err(ApiError::object_too_large(format!(
                "The body is {length} bytes; {} uploads take at most {max}",
                if availability == Availability::Streaming {
                    "STREAMING"
                } else {
                    "STANDARD"
                }
            ))
            .into());
        }
    }
    Ok(PutOptions {
        content_type,
        cache_control: head.header("cache-control").map(str::to_owned),
        availability,
        expected_sha256: payload_hash(head.header("x-amz-content-sha256"))?,
    })
}

/// `^[\w\-\/\.\+]{1,255}$`, with `\w` read as ASCII.
fn valid_content_type(ct: &str) -> bool {
    (1..=255).contains(&ct.len())
        && ct
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/' | b'.' | b'+'))
}

/// What the store should check the body against. aws-chunked (`STREAMING-…`)
/// bodies carry signature framing in the bytes; storing them would corrupt
/// the object, so they are refused.
fn payload_hash(header: Option<&str>) -> Result<Option<String>> {
    match header {
        None | Some("UNSIGNED-PAYLOAD") => Ok(None),
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(Some(h.to_ascii_lowercase())),
        Some(h) if h.starts_with("STREAMING-") => Err(ApiError::invalid_request(format!(
            "x-amz-content-sha256 {h} (aws-chunked) is not supported; send UNSIGNED-PAYLOAD or the body's SHA-256"
        ))
        .into()),
        Some(h) => Err(ApiError::invalid_request(format!(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a hex SHA-256, got {h:?}"
        ))
        .into()),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    struct Req {
        method: &'static str,
        target: &'static str,
        headers: Vec<(String, String)>,
    }

    fn req(method: &'static str, target: &'static str) -> Req {
        Req {
            method,
            target,
            headers: Vec::new(),
        }
    }

    impl Req {
        fn header(mut self, name: &str, value: &str) -> Self {
            self.headers.push((name.to_owned(), value.to_owned()));
            self
        }

        fn parse(&self) -> Result<Parsed> {
            let (path, query) = self.target.split_once('?').unwrap_or((self.target, ""));
            parse(&RequestHead {
                method: self.method,
                path,
                query,
                headers: &self.headers,
            })
        }

        fn op(&self) -> Result<Op> {
            self.parse().expect("container").op
        }

        fn error(&self) -> (&'static str, u16) {
            let f = self.op().expect_err("refused");
            (f.error.code, f.error.status)
        }
    }

    fn path_of(op: Op) -> String {
        match op {
            Op::GetObject { path, .. }
            | Op::DescribeObject { path, .. }
            | Op::PutObject { path, .. }
            | Op::DeleteObject { path } => path.as_str().to_owned(),
            other => panic!("not an object op: {other:?}"),
        }
    }

    const BAD_REQUEST: (&str, u16) = ("InvalidRequestException", 400);

    #[test]
    fn the_container_comes_from_the_first_segment_after_the_route_prefix() {
        let p = req("GET", "/store/live-1/a/b.ts").parse().unwrap();
        assert_eq!(p.container.as_str(), "live-1");
        assert_eq!(path_of(p.op.unwrap()), "a/b.ts");
    }

    #[test]
    fn urls_outside_the_route_or_without_a_container_are_400() {
        for target in ["/", "/store", "/store/", "/storefront/a", "/other/live/a"] {
            let f = req("GET", target).parse().expect_err(target);
            assert_eq!((f.error.code, f.error.status), BAD_REQUEST, "{target}");
        }
    }

    #[test]
    fn an_impossible_container_name_is_container_not_found() {
        let f = req("GET", "/store/no.dots/a").parse().unwrap_err();
        assert_eq!(
            (f.error.code, f.error.status),
            ("ContainerNotFoundException", 404)
        );
    }

    #[test]
    fn segments_are_percent_decoded_after_splitting() {
        assert_eq!(
            path_of(req("GET", "/store/live/a/seg%2D1.ts").op().unwrap()),
            "a/seg-1.ts"
        );
        assert_eq!(
            path_of(req("GET", "/store/live/%7Euser/x").op().unwrap()),
            "~user/x"
        );
    }

    #[test]
    fn an_encoded_slash_inside_a_segment_is_refused_not_treated_as_a_separator() {
        assert_eq!(req("GET", "/store/live/a%2Fb.ts").error(), BAD_REQUEST);
        assert_eq!(req("PUT", "/store/live/a%2fb.ts").error(), BAD_REQUEST);
    }

    #[test]
    fn paths_mediastore_refuses_are_400() {
        for target in [
            "/store/live/seg%201.ts",
            "/store/live/a//b",
            "/store/live/a/../b",
            "/store/live/a/%2E%2E/b",
            "/store/live/a/",
            "/store/live/%00",
            "/store/live/%FF%FE",
            "/store/live/caf%C3%A9",
        ] {
            assert_eq!(req("GET", target).error(), BAD_REQUEST, "{target}");
        }
        let deep = format!("/store/live/{}f", "d/".repeat(11));
        let deep: &'static str = Box::leak(deep.into_boxed_str());
        assert_eq!(req("GET", deep).error(), BAD_REQUEST);
    }

    #[test]
    fn methods_map_to_operations() {
        assert!(matches!(
            req("GET", "/store/live/a").op(),
            Ok(Op::GetObject { .. })
        ));
        assert!(matches!(
            req("HEAD", "/store/live/a").op(),
            Ok(Op::DescribeObject { .. })
        ));
        assert!(matches!(
            req("PUT", "/store/live/a").op(),
            Ok(Op::PutObject { .. })
        ));
        assert!(matches!(
            req("DELETE", "/store/live/a").op(),
            Ok(Op::DeleteObject { .. })
        ));
        assert!(matches!(
            req("GET", "/store/live").op(),
            Ok(Op::ListItems { .. })
        ));
        assert!(matches!(
            req("GET", "/store/live/").op(),
            Ok(Op::ListItems { .. })
        ));
        assert!(matches!(
            req("OPTIONS", "/store/live/a").op(),
            Ok(Op::Preflight { .. })
        ));
        assert!(matches!(
            req("OPTIONS", "/store/live").op(),
            Ok(Op::Preflight { .. })
        ));
    }

    #[test]
    fn other_methods_are_405_with_an_allow_header() {
        let f = req("POST", "/store/live/a").op().unwrap_err();
        assert_eq!(
            (f.error.code, f.error.status),
            ("MethodNotAllowedException", 405)
        );
        assert_eq!(
            f.headers,
            [(
                "allow".to_owned(),
                "GET, HEAD, PUT, DELETE, OPTIONS".to_owned()
            )]
        );
        let f = req("PATCH", "/store/live").op().unwrap_err();
        assert_eq!(f.headers, [("allow".to_owned(), "GET, OPTIONS".to_owned())]);
    }

    #[test]
    fn object_methods_on_the_container_root_say_a_path_is_required() {
        for method in ["PUT", "HEAD", "DELETE"] {
            let f = req(method, "/store/live/").op().unwrap_err();
            assert_eq!((f.error.code, f.error.status), BAD_REQUEST);
            assert!(f.error.message.contains("Path is required"));
        }
    }

    #[test]
    fn get_object_carries_a_valid_range_and_ignores_a_malformed_one() {
        let Ok(Op::GetObject { range, .. }) = req("GET", "/store/live/a")
            .header("range", "bytes=0-1")
            .op()
        else {
            panic!()
        };
        assert_eq!(range, Some(ByteRange::FromTo(0, 1)));
        let Ok(Op::GetObject { range, .. }) = req("GET", "/store/live/a")
            .header("range", "bytes=0-1,5-6")
            .op()
        else {
            panic!()
        };
        assert_eq!(range, None);
    }

    #[test]
    fn get_object_reads_conditional_headers() {
        let Ok(Op::GetObject { conditions, .. }) = req("GET", "/store/live/a")
            .header("if-none-match", "\"x\"")
            .op()
        else {
            panic!()
        };
        assert_ne!(conditions, Conditions::default());
    }

    #[test]
    fn list_items_defaults_to_the_root_and_1000_results() {
        let op = req("GET", "/store/live").op().unwrap();
        assert_eq!(
            op,
            Op::ListItems {
                folder: FolderPath::default(),
                max_results: 1000,
                cursor: None
            }
        );
        let op = req("GET", "/store/live?Path=&MaxResults=10").op().unwrap();
        assert_eq!(
            op,
            Op::ListItems {
                folder: FolderPath::default(),
                max_results: 10,
                cursor: None
            }
        );
    }

    #[test]
    fn list_items_reads_an_encoded_folder_path_and_a_next_token() {
        let folder = FolderPath::parse("a/b").unwrap();
        let token = list::encode_token(&folder, "cur");
        let target: &'static str =
            Box::leak(format!("/store/live?Path=%2Fa%2Fb%2F&NextToken={token}").into_boxed_str());
        let op = req("GET", target).op().unwrap();
        assert_eq!(
            op,
            Op::ListItems {
                folder,
                max_results: 1000,
                cursor: Some("cur".into())
            }
        );
        assert_eq!(op.resource("arn:c"), "arn:c/a/b");
    }

    #[test]
    fn list_items_refuses_bad_paths_limits_and_tokens() {
        assert_eq!(
            req("GET", "/store/live?Path=a%2F..%2Fb").error(),
            BAD_REQUEST
        );
        assert_eq!(req("GET", "/store/live?MaxResults=0").error(), BAD_REQUEST);
        assert_eq!(
            req("GET", "/store/live?MaxResults=1001").error(),
            BAD_REQUEST
        );
        assert_eq!(
            req("GET", "/store/live?NextToken=%21%21").error(),
            BAD_REQUEST
        );
    }

    #[test]
    fn put_object_reads_and_validates_its_headers() {
        let op = req("PUT", "/store/live/a/seg1.ts")
            .header("content-type", "video/MP2T")
            .header("cache-control", "max-age=5")
            .header("x-amz-storage-class", "TEMPORAL")
            .header("x-amz-upload-availability", "STREAMING")
            .header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
            .header("content-length", "5")
            .op()
            .unwrap();
        let Op::PutObject { options, .. } = op else {
            panic!()
        };
        assert_eq!(
            options,
            PutOptions {
                content_type: Some("video/MP2T".into()),
                cache_control: Some("max-age=5".into()),
                availability: Availability::Streaming,
                expected_sha256: None,
            }
        );
    }

    #[test]
    fn put_object_defaults_to_standard_availability_without_type_or_caching() {
        let Ok(Op::PutObject { options, .. }) = req("PUT", "/store/live/a").op() else {
            panic!()
        };
        assert_eq!(options.availability, Availability::Standard);
        assert_eq!(options.availability.max_size(), MAX_OBJECT_SIZE);
        assert_eq!(options.content_type, None);
    }

    #[test]
    fn content_types_outside_the_model_pattern_are_400() {
        let ok = [
            "application/vnd.apple.mpegurl",
            "video/MP2T",
            "application/dash+xml",
            "a_b-c",
        ];
        for ct in ok {
            assert!(
                req("PUT", "/store/live/a")
                    .header("content-type", ct)
                    .op()
                    .is_ok(),
                "{ct}"
            );
        }
        let long = "a".repeat(256);
        let long: &str = &long;
        for ct in ["text/plain; charset=utf-8", "", "a b", "vidéo/mp4", long] {
            assert_eq!(
                req("PUT", "/store/live/a")
                    .header("content-type", ct)
                    .error(),
                BAD_REQUEST,
                "{ct}"
            );
        }
    }

    #[test]
    fn storage_class_other_than_temporal_is_400() {
        assert_eq!(
            req("PUT", "/store/live/a")
                .header("x-amz-storage-class", "STANDARD")
                .error(),
            BAD_REQUEST
        );
        assert_eq!(
            req("PUT", "/store/live/a")
                .header("x-amz-storage-class", "temporal")
                .error(),
            BAD_REQUEST
        );
    }

    #[test]
    fn unknown_upload_availability_is_400() {
        assert_eq!(
            req("PUT", "/store/live/a")
                .header("x-amz-upload-availability", "LATER")
                .error(),
            BAD_REQUEST
        );
    }

    #[test]
    fn a_declared_content_length_over_the_limit_is_413_before_reading() {
        let too_large = ("ObjectTooLargeException", 413);
        let over = (MAX_OBJECT_SIZE + 1).to_string();
        assert_eq!(
            req("PUT", "/store/live/a")
                .header("content-length", &over)
                .error(),
            too_large
        );
        let at = MAX_OBJECT_SIZE.to_string();
        assert!(
            req("PUT", "/store/live/a")
                .header("content-length", &at)
                .op()
                .is_ok()
        );
        let streaming_over = (MAX_STREAMING_OBJECT_SIZE + 1).to_string();
        let r = req("PUT", "/store/live/a")
            .header("x-amz-upload-availability", "STREAMING")
            .header("content-length", &streaming_over);
        assert_eq!(r.error(), too_large);
        assert_eq!(
            req("PUT", "/store/live/a")
                .header("content-length", "lots")
                .error(),
            BAD_REQUEST
        );
    }

    #[test]
    fn a_declared_payload_hash_is_passed_on_for_checking_in_lower_case() {
        let hash = "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824";
        let Ok(Op::PutObject { options, .. }) = req("PUT", "/store/live/a")
            .header("x-amz-content-sha256", hash)
            .op()
        else {
            panic!()
        };
        assert_eq!(
            options.expected_sha256.as_deref(),
            Some(hash.to_ascii_lowercase().as_str())
        );
    }

    #[test]
    fn aws_chunked_and_nonsense_payload_hashes_are_400() {
        for h in [
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "abc",
            "",
        ] {
            assert_eq!(
                req("PUT", "/store/live/a")
                    .header("x-amz-content-sha256", h)
                    .error(),
                BAD_REQUEST,
                "{h}"
            );
        }
    }

    #[test]
    fn preflight_reads_origin_method_and_requested_headers() {
        let op = req("OPTIONS", "/store/live/a%20b")
            .header("origin", "https://player.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "Range, Authorization")
            .op()
            .unwrap();
        assert_eq!(
            op,
            Op::Preflight {
                origin: Some("https://player.example".into()),
                method: Some("GET".into()),
                headers: vec!["range".into(), "authorization".into()],
            }
        );
    }

    #[test]
    fn no_input_makes_parsing_panic() {
        // A small deterministic generator over characters that matter to URL,
        // header and range parsing, plus multi-byte UTF-8.
        const ALPHABET: &[&str] = &[
            "/", "%", "%2F", "%2f", "%C3", "%FF", "%00", "%2", "..", ".", "a", "Z", "9", "-", "~",
            "?", "&", "=", "+", " ", ",", "*", "\"", "W/", "bytes", "-", "é", "☃", ":", "\u{0}",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % n as u64).unwrap_or(0)
        };
        for _ in 0..5_000 {
            let mut junk = String::new();
            for _ in 0..next(24) {
                junk.push_str(ALPHABET[next(ALPHABET.len())]);
            }
            let target = format!("/store/live/{junk}");
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            let headers: Vec<(String, String)> = [
                "range",
                "if-none-match",
                "if-modified-since",
                "if-range",
                "content-type",
                "content-length",
                "x-amz-content-sha256",
                "x-amz-upload-availability",
                "access-control-request-headers",
            ]
            .iter()
            .map(|h| ((*h).to_owned(), junk.clone()))
            .collect();
            for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", ""] {
                let head = RequestHead {
                    method,
                    path,
                    query,
                    headers: &headers,
                };
                let _ = parse(&head);
                let root = RequestHead {
                    method,
                    path: "/store/live",
                    query: &junk,
                    headers: &headers,
                };
                let _ = parse(&root);
            }
        }
    }

    #[test]
    fn actions_and_resources_name_the_object_or_the_container() {
        let arn = "arn:aws:mediastore:us-east-1:111122223333:container/live";
        let get = req("GET", "/store/live/a/b.ts").op().unwrap();
        assert_eq!(get.action(), "mediastore:GetObject");
        assert_eq!(get.resource(arn), format!("{arn}/a/b.ts"));
        let head = req("HEAD", "/store/live/a").op().unwrap();
        assert_eq!(head.action(), "mediastore:DescribeObject");
        assert_eq!(
            req("PUT", "/store/live/a").op().unwrap().action(),
            "mediastore:PutObject"
        );
        assert_eq!(
            req("DELETE", "/store/live/a").op().unwrap().action(),
            "mediastore:DeleteObject"
        );
        let list = req("GET", "/store/live").op().unwrap();
        assert_eq!(list.action(), "mediastore:ListItems");
        assert_eq!(list.resource(arn), arn);
    }
}
