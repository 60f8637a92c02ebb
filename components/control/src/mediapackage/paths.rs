//! Which operation a request is: HTTP method + URI template of the
//! 2017-10-12 model. Path labels (`{id}`, `{ingest_endpoint_id}`,
//! `{resource-arn}`) arrive percent-encoded as one segment each, so the raw
//! path is split on `/` first and each segment decoded after
//! ([`crate::route::segments`]).

use super::error::Result;

type Path<'a> = crate::rest::paths::Path<'a, super::error::MediaPackage>;

/// The MediaPackage operations Tributary answers (harvest jobs are not
/// routed yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    missing_docs,
    reason = "each variant is the AWS operation of that name"
)]
pub enum Operation {
    ConfigureLogs,
    CreateChannel,
    DeleteChannel,
    DescribeChannel,
    ListChannels,
    RotateChannelCredentials,
    RotateIngestEndpointCredentials,
    UpdateChannel,
    CreateOriginEndpoint,
    DeleteOriginEndpoint,
    DescribeOriginEndpoint,
    ListOriginEndpoints,
    UpdateOriginEndpoint,
    ListTagsForResource,
    TagResource,
    UntagResource,
}

impl Operation {
    /// The status of a successful answer, from the model.
    pub fn success_status(self) -> u16 {
        use Operation as Op;
        match self {
            Op::DeleteChannel | Op::DeleteOriginEndpoint => 202,
            Op::TagResource | Op::UntagResource => 204,
            _ => 200,
        }
    }
}

/// A routed request: the operation and its decoded path labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The operation.
    pub op: Operation,
    /// `{id}` (channel or origin endpoint) or, for the tag operations,
    /// `{resource-arn}`.
    pub id: Option<String>,
    /// `{ingest_endpoint_id}`.
    pub ingest_id: Option<String>,
}

/// The operation for `method` on `raw_path`; 404 `NotFoundException` when
/// none matches.
pub fn route(method: &str, raw_path: &str) -> Result<Route> {
    use Operation as Op;
    let path = Path::new(method, raw_path);
    let s = path.segments();
    let no_route = || path.no_route();
    let label = |i: usize| path.label(i);
    let plain = |op| Route {
        op,
        id: None,
        ingest_id: None,
    };
    let with_id = |op| -> Result<Route> {
        Ok(Route {
            op,
            id: Some(label(1)?),
            ingest_id: None,
        })
    };
    match (method, s.as_slice()) {
        ("GET", ["channels"]) => Ok(plain(Op::ListChannels)),
        ("POST", ["channels"]) => Ok(plain(Op::CreateChannel)),
        ("GET", ["channels", _]) => with_id(Op::DescribeChannel),
        ("PUT", ["channels", _]) => with_id(Op::UpdateChannel),
        ("DELETE", ["channels", _]) => with_id(Op::DeleteChannel),
        ("PUT", ["channels", _, "configure_logs"]) => with_id(Op::ConfigureLogs),
        ("PUT", ["channels", _, "credentials"]) => with_id(Op::RotateChannelCredentials),
        ("PUT", ["channels", _, "ingest_endpoints", _, "credentials"]) => Ok(Route {
            op: Op::RotateIngestEndpointCredentials,
            id: Some(label(1)?),
            ingest_id: Some(label(3)?),
        }),
        ("GET", ["origin_endpoints"]) => Ok(plain(Op::ListOriginEndpoints)),
        ("POST", ["origin_endpoints"]) => Ok(plain(Op::CreateOriginEndpoint)),
        ("GET", ["origin_endpoints", _]) => with_id(Op::DescribeOriginEndpoint),
        ("PUT", ["origin_endpoints", _]) => with_id(Op::UpdateOriginEndpoint),
        ("DELETE", ["origin_endpoints", _]) => with_id(Op::DeleteOriginEndpoint),
        ("GET", ["tags", _]) => with_id(Op::ListTagsForResource),
        ("POST", ["tags", _]) => with_id(Op::TagResource),
        ("DELETE", ["tags", _]) => with_id(Op::UntagResource),
        _ => Err(no_route()),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const CHANNEL_ARN: &str =
        "arn%3Aaws%3Amediapackage%3Aus-east-1%3A000000000000%3Achannels%2Flive";

    #[test]
    fn every_operation_has_its_method_and_template() {
        use Operation as Op;
        let cases = [
            ("GET", "/channels".to_owned(), Op::ListChannels),
            ("POST", "/channels".to_owned(), Op::CreateChannel),
            ("GET", "/channels/live".to_owned(), Op::DescribeChannel),
            ("PUT", "/channels/live".to_owned(), Op::UpdateChannel),
            ("DELETE", "/channels/live".to_owned(), Op::DeleteChannel),
            (
                "PUT",
                "/channels/live/configure_logs".to_owned(),
                Op::ConfigureLogs,
            ),
            (
                "PUT",
                "/channels/live/credentials".to_owned(),
                Op::RotateChannelCredentials,
            ),
            (
                "PUT",
                "/channels/live/ingest_endpoints/abc/credentials".to_owned(),
                Op::RotateIngestEndpointCredentials,
            ),
            (
                "GET",
                "/origin_endpoints".to_owned(),
                Op::ListOriginEndpoints,
            ),
            (
                "POST",
                "/origin_endpoints".to_owned(),
                Op::CreateOriginEndpoint,
            ),
            (
                "GET",
                "/origin_endpoints/hls".to_owned(),
                Op::DescribeOriginEndpoint,
            ),
            (
                "PUT",
                "/origin_endpoints/hls".to_owned(),
                Op::UpdateOriginEndpoint,
            ),
            (
                "DELETE",
                "/origin_endpoints/hls".to_owned(),
                Op::DeleteOriginEndpoint,
            ),
            (
                "GET",
                format!("/tags/{CHANNEL_ARN}"),
                Op::ListTagsForResource,
            ),
            ("POST", format!("/tags/{CHANNEL_ARN}"), Op::TagResource),
            ("DELETE", format!("/tags/{CHANNEL_ARN}"), Op::UntagResource),
        ];
        for (method, path, op) in cases {
            let r = route(method, &path).unwrap();
            assert_eq!(r.op, op, "{method} {path}");
            assert_eq!(
                op.success_status(),
                match op {
                    Op::DeleteChannel | Op::DeleteOriginEndpoint => 202,
                    Op::TagResource | Op::UntagResource => 204,
                    _ => 200,
                }
            );
        }
    }

    #[test]
    fn labels_are_decoded_after_splitting() {
        let r = route("GET", &format!("/tags/{CHANNEL_ARN}")).unwrap();
        assert_eq!(
            r.id.as_deref(),
            Some("arn:aws:mediapackage:us-east-1:000000000000:channels/live")
        );
        let r = route("PUT", "/channels/a%2Db/ingest_endpoints/i1/credentials").unwrap();
        assert_eq!(r.id.as_deref(), Some("a-b"));
        assert_eq!(r.ingest_id.as_deref(), Some("i1"));
    }

    #[test]
    fn other_paths_and_methods_are_not_found() {
        for (method, path) in [
            ("PATCH", "/channels"),
            ("DELETE", "/channels"),
            ("GET", "/channels/"),
            ("PUT", "/channels/live/nope"),
            ("GET", "/channels/live/credentials"),
            ("PUT", "/channels/live/ingest_endpoints//credentials"),
            ("POST", "/origin_endpoints/hls"),
            ("PUT", "/tags/x"),
            ("GET", "/harvest_jobs"),
        ] {
            let e = route(method, path).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (404, "NotFoundException"),
                "{method} {path}"
            );
        }
    }
}
