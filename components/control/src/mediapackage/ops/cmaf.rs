//! `cmafPackage` as a request gives it: its HLS manifests (ids and names
//! unique, at least one), segment duration and prefix, stream selection;
//! AWS's defaults filled in. The manifests' URLs are set by the endpoint
//! once its id is known ([`urls`]).

use std::collections::BTreeSet;

use tributary_mediapackage::wire::{CmafPackage, HlsManifest};

use super::hls::{
    AD_MARKERS, AD_TRIGGERS, PDT_SECONDS, PLAYLIST_TYPES, RESTRICTIONS, SEGMENT_SECONDS,
    WINDOW_SECONDS, enum_list, stream_selection, u32_of,
};
use crate::mediapackage::error::Result;
use crate::mediapackage::input::{Members, invalid};
use crate::mediapackage::validate;

/// Most HLS manifests on one CMAF endpoint.
pub const MAX_MANIFESTS: usize = 20;

/// `cmafPackage` from `m`, defaults filled in.
pub fn package(m: &Members<'_>) -> Result<CmafPackage> {
    m.refuse(
        &["encryption"],
        "CMAF encryption (CENC/CBCS with SPEKE) is a later issue",
    )?;
    let defaults = CmafPackage::default();
    let segment = m
        .opt_int(
            "segmentDurationSeconds",
            SEGMENT_SECONDS.0,
            SEGMENT_SECONDS.1,
        )?
        .map_or(defaults.segment_duration_seconds, u32_of);
    let segment_prefix = m.opt_str("segmentPrefix")?;
    if let Some(p) = segment_prefix {
        validate::id(&m.path_of("segmentPrefix"), p)?;
    }
    let manifests = m.opt_objects("hlsManifests")?.unwrap_or_default();
    if manifests.is_empty() {
        return Err(invalid(
            &m.path_of("hlsManifests"),
            "is required: a CMAF endpoint plays through its HLS manifests (at least one)",
        ));
    }
    if manifests.len() > MAX_MANIFESTS {
        return Err(invalid(
            &m.path_of("hlsManifests"),
            format_args!("at most {MAX_MANIFESTS} manifests, not {}", manifests.len()),
        ));
    }
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut hls_manifests = Vec::with_capacity(manifests.len());
    for h in &manifests {
        let manifest = manifest(h, segment)?;
        if !ids.insert(manifest.id.clone()) {
            return Err(invalid(
                &h.path_of("id"),
                format_args!("{:?} is used by another manifest", manifest.id),
            ));
        }
        if !names.insert(manifest.manifest_name.clone()) {
            return Err(invalid(
                &h.path_of("manifestName"),
                format_args!("{:?} is used by another manifest", manifest.manifest_name),
            ));
        }
        hls_manifests.push(manifest);
    }
    let stream_selection = match m.opt_object("streamSelection")? {
        None => None,
        Some(s) => Some(stream_selection(&s)?),
    };
    Ok(CmafPackage {
        hls_manifests,
        segment_duration_seconds: segment,
        segment_prefix: segment_prefix.map(str::to_owned),
        stream_selection,
    })
}

fn manifest(m: &Members<'_>, segment: u32) -> Result<HlsManifest> {
    let defaults = HlsManifest::default();
    let id = m.str("id")?;
    validate::id(&m.path_of("id"), id)?;
    let name = m.opt_str("manifestName")?.unwrap_or(id);
    validate::manifest_name(&m.path_of("manifestName"), name)?;
    let window = m
        .opt_int("playlistWindowSeconds", WINDOW_SECONDS.0, WINDOW_SECONDS.1)?
        .map_or(defaults.playlist_window_seconds, u32_of);
    if window < segment {
        return Err(invalid(
            &m.path_of("playlistWindowSeconds"),
            format_args!("{window} is shorter than one segment (segmentDurationSeconds {segment})"),
        ));
    }
    Ok(HlsManifest {
        ad_markers: m
            .opt_enum("adMarkers", &AD_MARKERS)?
            .map_or(defaults.ad_markers, str::to_owned),
        ad_triggers: enum_list(m, "adTriggers", &AD_TRIGGERS)?,
        ads_on_delivery_restrictions: m
            .opt_enum("adsOnDeliveryRestrictions", &RESTRICTIONS)?
            .map(str::to_owned),
        id: id.to_owned(),
        include_iframe_only_stream: m.opt_bool("includeIframeOnlyStream")?.unwrap_or(false),
        manifest_name: name.to_owned(),
        playlist_type: m
            .opt_enum("playlistType", &PLAYLIST_TYPES)?
            .map_or(defaults.playlist_type, str::to_owned),
        playlist_window_seconds: window,
        program_date_time_interval_seconds: m
            .opt_int(
                "programDateTimeIntervalSeconds",
                PDT_SECONDS.0,
                PDT_SECONDS.1,
            )?
            .map_or(defaults.program_date_time_interval_seconds, u32_of),
        url: String::new(),
    })
}

/// Set every manifest's URL: `<base>/<manifestName>.m3u8`, where `base` is
/// the public endpoint and `/out/v1/<endpoint id>`.
pub fn urls(p: &mut CmafPackage, base: &str) {
    for h in &mut p.hls_manifests {
        h.url = format!("{base}/{}.m3u8", h.manifest_name);
    }
}
