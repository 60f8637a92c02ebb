//! CreateOriginEndpoint, DescribeOriginEndpoint, ListOriginEndpoints,
//! UpdateOriginEndpoint and DeleteOriginEndpoint. An endpoint packages
//! exactly one of HLS (TS), CMAF (fMP4 HLS) and DASH; Smooth Streaming,
//! encryption and CDN authorization are refused by member name.

use serde_json::{Value, json};
use tributary_guest::state::Change;
use tributary_mediapackage::wire::{CmafPackage, DashPackage, HlsPackage};
use tributary_mediapackage::wire::{OriginEndpoint, Origination};
use tributary_mediapackage::{EndpointRecord, arn, url};

use super::{cmaf, dash, endpoint_not_found, hls, load_endpoint, to_value};
use crate::mediapackage::Ctx;
use crate::mediapackage::error::{Error, Result};
use crate::mediapackage::input::{Members, invalid};
use crate::mediapackage::validate;
use crate::store::Channels;

/// Longest startover window, seconds (14 days, MediaPackage's limit on
/// time-shifted content age).
pub const MAX_STARTOVER_SECONDS: i64 = 1_209_600;
/// Shortest and longest time delay, seconds (MediaPackage's documented
/// 5–86400; 0 means none).
pub const TIME_DELAY_SECONDS: (i64, i64) = (5, 86_400);

/// Members of the model Tributary does not run yet, and why.
const NOT_YET: [(&str, &str); 2] = [
    (
        "mssPackage",
        "Microsoft Smooth Streaming packaging is not planned",
    ),
    (
        "authorization",
        "CDN authorization (Secrets Manager) is a later issue",
    ),
];

fn refuse_unsupported(input: &Members<'_>) -> Result<()> {
    for (member, why) in NOT_YET {
        input.refuse(&[member], why)?;
    }
    Ok(())
}

/// The one package a request gives.
#[derive(Clone)]
enum Package {
    Hls(HlsPackage),
    Cmaf(CmafPackage),
    Dash(DashPackage),
}

/// The package `input` gives, if any; two or more is a 422.
fn package(input: &Members<'_>) -> Result<Option<Package>> {
    let given: Vec<&str> = PACKAGES.into_iter().filter(|p| input.has(p)).collect();
    if given.len() > 1 {
        return Err(invalid(
            given[1],
            format_args!(
                "an origin endpoint has exactly one package, and {} is given too",
                given[0]
            ),
        ));
    }
    Ok(match given.first().copied() {
        None => None,
        Some("hlsPackage") => input
            .opt_object("hlsPackage")?
            .map(|m| hls::package(&m))
            .transpose()?
            .map(Package::Hls),
        Some("cmafPackage") => input
            .opt_object("cmafPackage")?
            .map(|m| cmaf::package(&m))
            .transpose()?
            .map(Package::Cmaf),
        Some(_) => input
            .opt_object("dashPackage")?
            .map(|m| dash::package(&m))
            .transpose()?
            .map(Package::Dash),
    })
}

/// The package members, in the order errors name them.
const PACKAGES: [&str; 3] = ["hlsPackage", "cmafPackage", "dashPackage"];

/// What Create and Update both accept, each `None` when absent.
#[derive(Clone)]
struct Changes {
    description: Option<String>,
    package: Option<Package>,
    manifest_name: Option<String>,
    origination: Option<Origination>,
    /// `Some(None)`: given as 0, turned off.
    startover: Option<Option<u32>>,
    time_delay: Option<Option<u32>>,
    whitelist: Option<Vec<String>>,
}

fn seconds(n: i64) -> Option<u32> {
    u32::try_from(n).ok().filter(|n| *n > 0)
}

fn changes(input: &Members<'_>) -> Result<Changes> {
    refuse_unsupported(input)?;
    let package = package(input)?;
    let manifest_name = input.opt_str("manifestName")?;
    if let Some(name) = manifest_name {
        validate::manifest_name("manifestName", name)?;
    }
    let origination = input.opt_enum("origination", &["ALLOW", "DENY"])?.map(|o| {
        if o == "DENY" {
            Origination::Deny
        } else {
            Origination::Allow
        }
    });
    let startover = input
        .opt_int("startoverWindowSeconds", 0, MAX_STARTOVER_SECONDS)?
        .map(seconds);
    let time_delay = match input.opt_int("timeDelaySeconds", 0, TIME_DELAY_SECONDS.1)? {
        None => None,
        Some(0) => Some(None),
        Some(n) if n < TIME_DELAY_SECONDS.0 => {
            return Err(invalid(
                "timeDelaySeconds",
                format_args!(
                    "{n} is below the minimum of {} seconds (0 turns the delay off)",
                    TIME_DELAY_SECONDS.0
                ),
            ));
        }
        Some(n) => Some(seconds(n)),
    };
    let whitelist = match input.opt_strings("whitelist")? {
        None => None,
        Some(list) => {
            for (i, c) in list.iter().enumerate() {
                validate::cidr(&format!("whitelist[{i}]"), c)?;
            }
            Some(list.into_iter().map(str::to_owned).collect())
        }
    };
    Ok(Changes {
        description: input.opt_str("description")?.map(str::to_owned),
        package,
        manifest_name: manifest_name.map(str::to_owned),
        origination,
        startover,
        time_delay,
        whitelist,
    })
}

impl Changes {
    /// Apply what was given to `e`, then check the rules that span members
    /// and recompute the URL.
    fn apply(self, e: &mut OriginEndpoint, ctx: &Ctx<'_>) -> Result<()> {
        if let Some(d) = self.description {
            e.description = Some(d);
        }
        if let Some(p) = self.package {
            // A given package replaces whichever the endpoint had.
            e.hls_package = None;
            e.cmaf_package = None;
            e.dash_package = None;
            match p {
                Package::Hls(p) => e.hls_package = Some(p),
                Package::Cmaf(p) => e.cmaf_package = Some(p),
                Package::Dash(p) => e.dash_package = Some(p),
            }
        }
        if let Some(m) = self.manifest_name {
            e.manifest_name = m;
        }
        if let Some(o) = self.origination {
            e.origination = o;
        }
        if let Some(s) = self.startover {
            e.startover_window_seconds = s;
        }
        if let Some(d) = self.time_delay {
            e.time_delay_seconds = d;
        }
        if let Some(w) = self.whitelist {
            e.whitelist = w;
        }
        if let (Some(delay), Some(startover)) = (e.time_delay_seconds, e.startover_window_seconds)
            && delay >= startover
        {
            return Err(invalid(
                "timeDelaySeconds",
                format_args!("{delay} must be less than startoverWindowSeconds {startover}"),
            ));
        }
        let master = format!(
            "{}{}",
            ctx.settings.endpoint,
            url::playback_path(&e.id, &e.manifest_name)
        );
        e.url = if e.dash_package.is_some() {
            // `playback_path` ends `.m3u8`; DASH swaps the extension.
            format!("{}.mpd", master.trim_end_matches(".m3u8"))
        } else {
            master
        };
        if let Some(p) = e.cmaf_package.as_mut() {
            let base = format!("{}/out/v1/{}", ctx.settings.endpoint, e.id);
            cmaf::urls(p, &base);
            if let Some(first) = p.hls_manifests.first() {
                e.url.clone_from(&first.url);
            }
        }
        Ok(())
    }
}

/// CreateOriginEndpoint: an HLS, CMAF or DASH endpoint on an existing channel. A
/// `channelId` that names no channel is 422 (the request refers to
/// something that is not there; the resource being created is not
/// missing), and so is an id already taken.
pub fn create<S: Channels>(input: &Members<'_>, ctx: &Ctx<'_>, store: &mut S) -> Result<Value> {
    let id = input.str("id")?;
    validate::id("id", id)?;
    let channel_id = input.str("channelId")?;
    validate::id("channelId", channel_id)?;
    let changes = changes(input)?;
    if changes.package.is_none() {
        return Err(invalid(
            "hlsPackage",
            "is required, or cmafPackage or dashPackage: an endpoint packages one of them",
        ));
    }
    let tags = input.opt_string_map("tags")?.unwrap_or_default();
    validate::tags("tags", &tags)?;
    if store.channel(channel_id)?.is_none() {
        return Err(invalid(
            "channelId",
            format_args!("channel {channel_id} does not exist"),
        ));
    }
    let mut endpoint = OriginEndpoint {
        arn: arn::format(
            &ctx.settings.region,
            &ctx.settings.account,
            arn::Kind::OriginEndpoint,
            id,
        ),
        channel_id: channel_id.to_owned(),
        created_at: validate::iso8601(ctx.now_ms),
        id: id.to_owned(),
        manifest_name: "index".to_owned(),
        tags,
        ..OriginEndpoint::default()
    };
    changes.apply(&mut endpoint, ctx)?;
    let record = EndpointRecord { endpoint };
    store.update_endpoint(id, |current| match current {
        Some(_) => Err(Error::unprocessable(format!(
            "id: an origin endpoint with id {id} already exists"
        ))),
        None => Ok(Change::Write(record.clone(), ())),
    })?;
    to_value(&record.endpoint)
}

/// DescribeOriginEndpoint.
pub fn describe<S: Channels>(id: &str, store: &S) -> Result<Value> {
    to_value(&load_endpoint(store, id)?.endpoint)
}

/// ListOriginEndpoints: in creation order, optionally only those of
/// `channelId`, paged.
pub fn list<S: Channels>(ctx: &Ctx<'_>, store: &S) -> Result<Value> {
    let (max, after) = validate::paging(&ctx.query, "ListOriginEndpoints")?;
    let channel = ctx.param("channelId");
    let mut all: Vec<(String, OriginEndpoint)> = store
        .endpoints()?
        .into_iter()
        .filter(|r| channel.is_none_or(|c| r.endpoint.channel_id == c))
        .map(|r| {
            (
                format!("{}/{}", r.endpoint.created_at, r.endpoint.id),
                r.endpoint,
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, token) = validate::page(all, max, after.as_deref());
    let mut out = json!({ "originEndpoints": page });
    if let Some(token) = token {
        out["nextToken"] = json!(token);
    }
    Ok(out)
}

/// UpdateOriginEndpoint: members given replace the stored ones (a given
/// package replaces the whole package, whichever kind it was, defaults
/// filled in; a given `whitelist` replaces the list; 0 turns startover or delay off); the rest
/// stay. `channelId` and `tags` cannot change here.
pub fn update<S: Channels>(
    id: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    let changes = changes(input)?;
    let endpoint = store.update_endpoint(id, |current| {
        let before = current.ok_or_else(|| endpoint_not_found(id))?;
        let mut next = before.clone();
        changes.clone().apply(&mut next.endpoint, ctx)?;
        Ok(if next == before {
            Change::Keep(next.endpoint)
        } else {
            Change::Write(next.clone(), next.endpoint)
        })
    })?;
    to_value(&endpoint)
}

/// DeleteOriginEndpoint.
pub fn delete<S: Channels>(id: &str, store: &mut S) -> Result<()> {
    load_endpoint(store, id)?;
    store.delete_endpoint(id)
}
