//! CreateChannel, DescribeChannel, ListChannels, UpdateChannel,
//! DeleteChannel, ConfigureLogs, RotateChannelCredentials and
//! RotateIngestEndpointCredentials.

use serde_json::{Value, json};
use tributary_guest::state::Change;
use tributary_mediapackage::wire::{AccessLogs, Channel, HlsIngest, IngestEndpoint};
use tributary_mediapackage::{ChannelRecord, arn, url};

use super::{channel_not_found, load_channel, to_value};
use crate::mediapackage::Ctx;
use crate::mediapackage::error::{Error, Result};
use crate::mediapackage::input::{Members, invalid};
use crate::mediapackage::validate;
use crate::store::Channels;

/// Ingest endpoints per channel: two, so an encoder pair can feed the
/// channel redundantly (either may).
pub const INGEST_ENDPOINTS: usize = 2;

/// AWS's log group when ConfigureLogs names none.
const DEFAULT_EGRESS_LOGS: &str = "/aws/MediaPackage/EgressAccessLogs";
/// AWS's log group when ConfigureLogs names none.
const DEFAULT_INGRESS_LOGS: &str = "/aws/MediaPackage/IngressAccessLogs";

/// A fresh ingest endpoint of `channel`: random id, user name and password.
fn ingest_endpoint(channel: &str, ctx: &Ctx<'_>) -> IngestEndpoint {
    let id = ctx.hex32();
    IngestEndpoint {
        url: format!(
            "{}{}",
            ctx.settings.endpoint,
            url::ingest_path(channel, &id)
        ),
        id,
        username: ctx.hex32(),
        password: ctx.hex32(),
    }
}

/// CreateChannel: a channel with two ingest endpoints; 422 when the id is
/// taken.
pub fn create<S: Channels>(input: &Members<'_>, ctx: &Ctx<'_>, store: &mut S) -> Result<Value> {
    let id = input.str("id")?;
    validate::id("id", id)?;
    let description = input.opt_str("description")?.map(str::to_owned);
    let tags = input.opt_string_map("tags")?.unwrap_or_default();
    validate::tags("tags", &tags)?;
    let channel = Channel {
        arn: arn::format(
            &ctx.settings.region,
            &ctx.settings.account,
            arn::Kind::Channel,
            id,
        ),
        created_at: validate::iso8601(ctx.now_ms),
        description,
        egress_access_logs: None,
        hls_ingest: HlsIngest {
            ingest_endpoints: (0..INGEST_ENDPOINTS)
                .map(|_| ingest_endpoint(id, ctx))
                .collect(),
        },
        id: id.to_owned(),
        ingress_access_logs: None,
        tags,
    };
    let record = ChannelRecord { channel };
    store.update_channel(id, |current| match current {
        Some(_) => Err(Error::unprocessable(format!(
            "id: a channel with id {id} already exists"
        ))),
        None => Ok(Change::Write(record.clone(), ())),
    })?;
    to_value(&record.channel)
}

/// DescribeChannel.
pub fn describe<S: Channels>(id: &str, store: &S) -> Result<Value> {
    to_value(&load_channel(store, id)?.channel)
}

/// ListChannels: in creation order, paged.
pub fn list<S: Channels>(ctx: &Ctx<'_>, store: &S) -> Result<Value> {
    let (max, after) = validate::paging(&ctx.query, "ListChannels")?;
    let mut all: Vec<(String, Channel)> = store
        .channels()?
        .into_iter()
        .map(|r| {
            (
                format!("{}/{}", r.channel.created_at, r.channel.id),
                r.channel,
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, token) = validate::page(all, max, after.as_deref());
    let mut out = json!({ "channels": page });
    if let Some(token) = token {
        out["nextToken"] = json!(token);
    }
    Ok(out)
}

/// Change channel `id` with `f` in one compare-and-swap read-modify-write;
/// 404 when there is no such channel. Returns the channel as written.
fn change<S: Channels>(
    store: &mut S,
    id: &str,
    mut f: impl FnMut(&mut Channel) -> Result<()>,
) -> Result<Channel> {
    store.update_channel(id, |current| {
        let before = current.ok_or_else(|| channel_not_found(id))?;
        let mut next = before.clone();
        f(&mut next.channel)?;
        Ok(if next == before {
            Change::Keep(next.channel)
        } else {
            Change::Write(next.clone(), next.channel)
        })
    })
}

/// UpdateChannel: the description (left as it is when not given).
pub fn update<S: Channels>(id: &str, input: &Members<'_>, store: &mut S) -> Result<Value> {
    let description = input.opt_str("description")?;
    let channel = change(store, id, |c| {
        if let Some(d) = description {
            c.description = Some(d.to_owned());
        }
        Ok(())
    })?;
    to_value(&channel)
}

/// DeleteChannel: refused (422) while origin endpoints play it out.
pub fn delete<S: Channels>(id: &str, store: &mut S) -> Result<()> {
    load_channel(store, id)?;
    let users: Vec<String> = store
        .endpoints()?
        .into_iter()
        .filter(|e| e.endpoint.channel_id == id)
        .map(|e| e.endpoint.id)
        .collect();
    if !users.is_empty() {
        return Err(Error::unprocessable(format!(
            "Channel {id} still has origin endpoints ({}); delete them first (DeleteOriginEndpoint)",
            users.join(", ")
        )));
    }
    // An endpoint created between the check and here is left without its
    // channel (the store has no multi-key transaction); the packager answers
    // 404 for it, and DeleteOriginEndpoint still removes it.
    store.delete_channel(id)
}

/// One of ConfigureLogs' members: absent turns that log off; present
/// without `logGroupName` uses AWS's default group.
fn access_logs(input: &Members<'_>, name: &str, default: &str) -> Result<Option<AccessLogs>> {
    let Some(m) = input.opt_object(name)? else {
        return Ok(None);
    };
    let group = m.opt_str("logGroupName")?.unwrap_or(default);
    validate::log_group(&m.path_of("logGroupName"), group)?;
    Ok(Some(AccessLogs {
        log_group_name: Some(group.to_owned()),
    }))
}

/// ConfigureLogs: store and echo the access-log settings (no logs are
/// shipped anywhere).
pub fn configure_logs<S: Channels>(id: &str, input: &Members<'_>, store: &mut S) -> Result<Value> {
    let egress = access_logs(input, "egressAccessLogs", DEFAULT_EGRESS_LOGS)?;
    let ingress = access_logs(input, "ingressAccessLogs", DEFAULT_INGRESS_LOGS)?;
    let channel = change(store, id, |c| {
        c.egress_access_logs.clone_from(&egress);
        c.ingress_access_logs.clone_from(&ingress);
        Ok(())
    })?;
    to_value(&channel)
}

/// RotateIngestEndpointCredentials (`ingest` given): a new user name and
/// password for that ingest endpoint, 404 when the channel has none of that
/// id. RotateChannelCredentials (`ingest` absent, deprecated): the same
/// for the channel's first ingest endpoint, as the model documents.
pub fn rotate<S: Channels>(
    id: &str,
    ingest: Option<&str>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    let channel = change(store, id, |c| {
        let endpoints = &mut c.hls_ingest.ingest_endpoints;
        let target = match ingest {
            Some(ingest) => endpoints
                .iter_mut()
                .find(|e| e.id == ingest)
                .ok_or_else(|| {
                    Error::not_found(format!(
                        "IngestEndpoint not found: channel {id} has no ingest endpoint {ingest}"
                    ))
                })?,
            None => endpoints.first_mut().ok_or_else(|| {
                invalid("id", format_args!("channel {id} has no ingest endpoints"))
            })?,
        };
        target.username = ctx.hex32();
        target.password = ctx.hex32();
        Ok(())
    })?;
    to_value(&channel)
}
