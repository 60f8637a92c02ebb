//! The operations. Each reads its input (422s first), then reads or changes
//! records; every change is one compare-and-swap read-modify-write of one
//! record ([`Channels::update_channel`], [`Channels::update_endpoint`]).

mod channels;
mod cmaf;
mod dash;
mod endpoints;
mod hls;
mod tags;

use serde_json::Value;
use tributary_mediapackage::{ChannelRecord, EndpointRecord};

use super::Ctx;
use super::error::{Error, Result};
use super::input::Members;
use super::paths::{Operation, Route};
use crate::store::Channels;

/// Run the operation `route` names.
pub fn dispatch<S: Channels>(
    route: &Route,
    body: &Value,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Option<Value>> {
    use Operation as Op;
    let input = Members::top(body);
    let id = route.id.as_deref().unwrap_or_default();
    let value = match route.op {
        Op::CreateChannel => channels::create(&input, ctx, store)?,
        Op::DescribeChannel => channels::describe(id, store)?,
        Op::ListChannels => channels::list(ctx, store)?,
        Op::UpdateChannel => channels::update(id, &input, store)?,
        Op::DeleteChannel => {
            channels::delete(id, store)?;
            Value::Object(serde_json::Map::new())
        }
        Op::ConfigureLogs => channels::configure_logs(id, &input, store)?,
        Op::RotateChannelCredentials => channels::rotate(id, None, ctx, store)?,
        Op::RotateIngestEndpointCredentials => {
            channels::rotate(id, route.ingest_id.as_deref(), ctx, store)?
        }
        Op::CreateOriginEndpoint => endpoints::create(&input, ctx, store)?,
        Op::DescribeOriginEndpoint => endpoints::describe(id, store)?,
        Op::ListOriginEndpoints => endpoints::list(ctx, store)?,
        Op::UpdateOriginEndpoint => endpoints::update(id, &input, ctx, store)?,
        Op::DeleteOriginEndpoint => {
            endpoints::delete(id, store)?;
            Value::Object(serde_json::Map::new())
        }
        Op::ListTagsForResource => tags::list(id, store)?,
        Op::TagResource => {
            tags::tag(id, &input, store)?;
            return Ok(None);
        }
        Op::UntagResource => {
            tags::untag(id, ctx, store)?;
            return Ok(None);
        }
    };
    Ok(Some(value))
}

fn channel_not_found(id: &str) -> Error {
    Error::not_found(format!("Channel not found: {id}"))
}

fn endpoint_not_found(id: &str) -> Error {
    Error::not_found(format!("OriginEndpoint not found: {id}"))
}

/// The record of channel `id`; 404 when there is none.
fn load_channel<S: Channels>(store: &S, id: &str) -> Result<ChannelRecord> {
    store.channel(id)?.ok_or_else(|| channel_not_found(id))
}

/// The record of origin endpoint `id`; 404 when there is none.
fn load_endpoint<S: Channels>(store: &S, id: &str) -> Result<EndpointRecord> {
    store.endpoint(id)?.ok_or_else(|| endpoint_not_found(id))
}

/// A record as the API returns it.
fn to_value<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::internal(format!("Could not encode a record: {e}")))
}
