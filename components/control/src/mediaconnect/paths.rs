//! Which operation a request is: HTTP method + URI template of the
//! 2018-11-14 model. Path labels (`{FlowArn}`, `{OutputArn}`, …) arrive
//! percent-encoded as one segment each, so the raw path is split on `/` first
//! and each segment decoded after ([`crate::route::segments`]).

use super::error::{Error, Result};

type Path<'a> = crate::rest::paths::Path<'a, super::error::MediaConnect>;

/// The MediaConnect operations Tributary answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    missing_docs,
    reason = "each variant is the AWS operation of that name"
)]
pub enum Operation {
    CreateFlow,
    DescribeFlow,
    ListFlows,
    UpdateFlow,
    DeleteFlow,
    StartFlow,
    StopFlow,
    AddFlowSources,
    UpdateFlowSource,
    RemoveFlowSource,
    AddFlowOutputs,
    UpdateFlowOutput,
    RemoveFlowOutput,
    GrantFlowEntitlements,
    UpdateFlowEntitlement,
    RevokeFlowEntitlement,
    ListEntitlements,
    DescribeFlowSourceMetadata,
    ListTagsForResource,
    TagResource,
    UntagResource,
}

impl Operation {
    /// The status of a successful answer, from the model.
    pub fn success_status(self) -> u16 {
        use Operation as Op;
        match self {
            Op::CreateFlow | Op::AddFlowSources | Op::AddFlowOutputs => 201,
            Op::UpdateFlow
            | Op::DeleteFlow
            | Op::StartFlow
            | Op::StopFlow
            | Op::UpdateFlowSource
            | Op::RemoveFlowSource
            | Op::UpdateFlowOutput
            | Op::RemoveFlowOutput
            | Op::UpdateFlowEntitlement
            | Op::RevokeFlowEntitlement => 202,
            Op::TagResource | Op::UntagResource => 204,
            Op::DescribeFlow
            | Op::ListFlows
            | Op::GrantFlowEntitlements
            | Op::ListEntitlements
            | Op::DescribeFlowSourceMetadata
            | Op::ListTagsForResource => 200,
        }
    }
}

/// A routed request: the operation and its decoded path labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The operation.
    pub op: Operation,
    /// `{FlowArn}`, for flow-scoped operations.
    pub flow_arn: Option<String>,
    /// `{SourceArn}`, `{OutputArn}`, `{EntitlementArn}` or, for the tag
    /// operations, `{ResourceArn}`.
    pub item_arn: Option<String>,
}

/// Flow sub-resources of the model that Tributary does not run.
const UNSUPPORTED: [(&str, &str); 3] = [
    ("mediaStreams", "media streams (CDI / ST 2110)"),
    ("vpcInterfaces", "VPC interfaces"),
    ("source-thumbnail", "source thumbnails"),
];

/// The operation for `method` on `raw_path`; 404 `NotFoundException` when
/// none matches, 400 for the model's operations on features Tributary does
/// not run.
pub fn route(method: &str, raw_path: &str) -> Result<Route> {
    use Operation as Op;
    let path = Path::new(method, raw_path);
    let s = path.segments();
    let no_route = || path.no_route();
    let label = |i: usize| path.label(i);
    let plain = |op| Route {
        op,
        flow_arn: None,
        item_arn: None,
    };
    let flow = |op, i| -> Result<Route> {
        Ok(Route {
            op,
            flow_arn: Some(label(i)?),
            item_arn: None,
        })
    };
    let item = |op| -> Result<Route> {
        Ok(Route {
            op,
            flow_arn: Some(label(2)?),
            item_arn: Some(label(4)?),
        })
    };
    match (method, s.as_slice()) {
        ("GET", ["v1", "flows"]) => Ok(plain(Op::ListFlows)),
        ("POST", ["v1", "flows"]) => Ok(plain(Op::CreateFlow)),
        ("GET", ["v1", "entitlements"]) => Ok(plain(Op::ListEntitlements)),
        ("POST", ["v1", "flows", "start", _]) => flow(Op::StartFlow, 3),
        ("POST", ["v1", "flows", "stop", _]) => flow(Op::StopFlow, 3),
        ("GET", ["v1", "flows", _]) => flow(Op::DescribeFlow, 2),
        ("PUT", ["v1", "flows", _]) => flow(Op::UpdateFlow, 2),
        ("DELETE", ["v1", "flows", _]) => flow(Op::DeleteFlow, 2),
        ("POST", ["v1", "flows", _, "source"]) => flow(Op::AddFlowSources, 2),
        ("PUT", ["v1", "flows", _, "source", _]) => item(Op::UpdateFlowSource),
        ("DELETE", ["v1", "flows", _, "source", _]) => item(Op::RemoveFlowSource),
        ("POST", ["v1", "flows", _, "outputs"]) => flow(Op::AddFlowOutputs, 2),
        ("PUT", ["v1", "flows", _, "outputs", _]) => item(Op::UpdateFlowOutput),
        ("DELETE", ["v1", "flows", _, "outputs", _]) => item(Op::RemoveFlowOutput),
        ("POST", ["v1", "flows", _, "entitlements"]) => flow(Op::GrantFlowEntitlements, 2),
        ("PUT", ["v1", "flows", _, "entitlements", _]) => item(Op::UpdateFlowEntitlement),
        ("DELETE", ["v1", "flows", _, "entitlements", _]) => item(Op::RevokeFlowEntitlement),
        ("GET", ["v1", "flows", _, "source-metadata"]) => flow(Op::DescribeFlowSourceMetadata, 2),
        (_, ["v1", "flows", _, kind, ..]) => match UNSUPPORTED.iter().find(|(k, _)| k == kind) {
            Some((_, what)) => Err(Error::bad_request(format!(
                "Tributary does not run {what}; its flows carry one MPEG-TS stream over rtp or udp"
            ))),
            None => Err(no_route()),
        },
        (verb @ ("GET" | "POST" | "DELETE"), ["tags", _]) => {
            let op = match verb {
                "GET" => Op::ListTagsForResource,
                "POST" => Op::TagResource,
                _ => Op::UntagResource,
            };
            Ok(Route {
                op,
                flow_arn: None,
                item_arn: Some(label(1)?),
            })
        }
        _ => Err(no_route()),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const FLOW: &str = "arn%3Aaws%3Amediaconnect%3Aus-east-1%3A000000000000%3Aflow%3A1-a%3Af";
    const OUTPUT: &str = "arn%3Aaws%3Amediaconnect%3Aus-east-1%3A000000000000%3Aoutput%3A1-b%3Ao";

    #[test]
    fn every_operation_has_its_method_and_template() {
        use Operation as Op;
        let cases = [
            ("GET", "/v1/flows".to_owned(), Op::ListFlows),
            ("POST", "/v1/flows".to_owned(), Op::CreateFlow),
            ("GET", "/v1/entitlements".to_owned(), Op::ListEntitlements),
            ("POST", format!("/v1/flows/start/{FLOW}"), Op::StartFlow),
            ("POST", format!("/v1/flows/stop/{FLOW}"), Op::StopFlow),
            ("GET", format!("/v1/flows/{FLOW}"), Op::DescribeFlow),
            ("PUT", format!("/v1/flows/{FLOW}"), Op::UpdateFlow),
            ("DELETE", format!("/v1/flows/{FLOW}"), Op::DeleteFlow),
            (
                "POST",
                format!("/v1/flows/{FLOW}/source"),
                Op::AddFlowSources,
            ),
            (
                "PUT",
                format!("/v1/flows/{FLOW}/source/x"),
                Op::UpdateFlowSource,
            ),
            (
                "DELETE",
                format!("/v1/flows/{FLOW}/source/x"),
                Op::RemoveFlowSource,
            ),
            (
                "POST",
                format!("/v1/flows/{FLOW}/outputs"),
                Op::AddFlowOutputs,
            ),
            (
                "PUT",
                format!("/v1/flows/{FLOW}/outputs/{OUTPUT}"),
                Op::UpdateFlowOutput,
            ),
            (
                "DELETE",
                format!("/v1/flows/{FLOW}/outputs/x"),
                Op::RemoveFlowOutput,
            ),
            (
                "POST",
                format!("/v1/flows/{FLOW}/entitlements"),
                Op::GrantFlowEntitlements,
            ),
            (
                "PUT",
                format!("/v1/flows/{FLOW}/entitlements/x"),
                Op::UpdateFlowEntitlement,
            ),
            (
                "DELETE",
                format!("/v1/flows/{FLOW}/entitlements/x"),
                Op::RevokeFlowEntitlement,
            ),
            (
                "GET",
                format!("/v1/flows/{FLOW}/source-metadata"),
                Op::DescribeFlowSourceMetadata,
            ),
            ("GET", format!("/tags/{FLOW}"), Op::ListTagsForResource),
            ("POST", format!("/tags/{FLOW}"), Op::TagResource),
            ("DELETE", format!("/tags/{FLOW}"), Op::UntagResource),
        ];
        for (method, path, op) in cases {
            assert_eq!(route(method, &path).unwrap().op, op, "{method} {path}");
        }
    }

    #[test]
    fn labels_are_decoded_after_splitting() {
        let r = route("PUT", &format!("/v1/flows/{FLOW}/outputs/{OUTPUT}")).unwrap();
        assert_eq!(
            r.flow_arn.as_deref(),
            Some("arn:aws:mediaconnect:us-east-1:000000000000:flow:1-a:f")
        );
        assert_eq!(
            r.item_arn.as_deref(),
            Some("arn:aws:mediaconnect:us-east-1:000000000000:output:1-b:o")
        );
    }

    #[test]
    fn other_paths_and_methods_are_not_found() {
        for (method, path) in [
            ("PATCH", "/v1/flows".to_owned()),
            ("DELETE", "/v1/flows".to_owned()),
            ("GET", "/v1/flows/".to_owned()),
            ("GET", format!("/v1/flows/{FLOW}/nope")),
            ("POST", format!("/v1/flows/{FLOW}/outputs/")),
            ("PUT", "/tags/x".to_owned()),
        ] {
            let e = route(method, &path).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (404, "NotFoundException"),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn model_operations_on_features_not_run_are_bad_requests() {
        for tail in ["mediaStreams", "vpcInterfaces/v", "source-thumbnail"] {
            let e = route("POST", &format!("/v1/flows/{FLOW}/{tail}")).unwrap_err();
            assert_eq!(e.code, "BadRequestException", "{tail}");
        }
    }
}
