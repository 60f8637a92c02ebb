//! DescribeFlowSourceMetadata: what the host running the flow found in its
//! active source's transport stream (programs and streams from the PAT and
//! PMTs), or a message saying why nothing is known.

use serde_json::{Value, json};
use tributary_mediaconnect::RuntimeState;

use super::{Ctx, load};
use crate::mediaconnect::error::Result;
use crate::mediaconnect::time::iso8601;
use crate::mediaconnect::view;
use crate::store::Flows;

/// DescribeFlowSourceMetadata (200).
pub fn describe<S: Flows>(flow_arn: &str, ctx: &Ctx<'_>, store: &S) -> Result<Value> {
    let (id, record) = load(store, flow_arn)?;
    let runtime = store.runtime(&id)?;
    let running =
        view::live(runtime.as_ref(), ctx.now_ms).filter(|r| r.state == RuntimeState::Running);
    let Some(runtime) = running else {
        return Ok(json!({
            "flowArn": flow_arn,
            "timestamp": iso8601(ctx.now_ms),
            "messages": [{
                "code": "FLOW_NOT_RUNNING",
                "message": format!(
                    "Flow {} is not running, so nothing is known of its source's stream; start it (StartFlow) and send it MPEG-TS",
                    record.flow.name
                ),
                "resourceName": record.flow.name,
            }],
        }));
    };
    let active = runtime.sources.iter().find(|s| s.active);
    match active.and_then(|s| s.media.as_ref().map(|m| (s, m))) {
        Some((source, media)) => Ok(json!({
            "flowArn": flow_arn,
            "timestamp": iso8601(source.media_changed_ms.unwrap_or(runtime.updated_ms)),
            "transportMediaInfo": media,
        })),
        None => {
            let name = active.map_or(record.flow.source.name.as_str(), |s| s.name.as_str());
            Ok(json!({
                "flowArn": flow_arn,
                "timestamp": iso8601(ctx.now_ms),
                "messages": [{
                    "code": "NO_PROGRAM_TABLES",
                    "message": format!(
                        "No MPEG-TS program tables (PAT and PMT) have arrived on source {name} yet"
                    ),
                    "resourceName": name,
                }],
            }))
        }
    }
}
