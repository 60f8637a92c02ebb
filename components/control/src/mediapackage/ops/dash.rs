//! `dashPackage` as a request gives it: enums and ranges checked, AWS's
//! defaults filled in. Profiles other than `NONE` are refused (no HbbTV,
//! Hybridcast or DVB-DASH conformance is claimed).

use tributary_mediapackage::wire::DashPackage;

use super::hls::{
    AD_TRIGGERS, RESTRICTIONS, SEGMENT_SECONDS, WINDOW_SECONDS, enum_list, stream_selection, u32_of,
};
use crate::mediapackage::error::Result;
use crate::mediapackage::input::{Members, invalid};

/// `SegmentTemplateFormat`.
pub const TEMPLATE_FORMATS: [&str; 3] = [
    "NUMBER_WITH_TIMELINE",
    "TIME_WITH_TIMELINE",
    "NUMBER_WITH_DURATION",
];
/// `UtcTiming`.
pub const UTC_TIMINGS: [&str; 4] = ["NONE", "HTTP-HEAD", "HTTP-ISO", "HTTP-XSDATE"];
/// `ManifestLayout`.
const LAYOUTS: [&str; 3] = ["FULL", "COMPACT", "DRM_TOP_LEVEL_COMPACT"];
/// `Profile`.
const PROFILES: [&str; 4] = ["NONE", "HBBTV_1_5", "HYBRIDCAST", "DVB_DASH_2014"];
/// `__PeriodTriggersElement`.
const PERIOD_TRIGGERS: [&str; 1] = ["ADS"];
/// Buffer, update period and presentation delay, seconds: up to an hour.
pub const PLAYER_SECONDS: (i64, i64) = (0, 3600);
/// Longest `utcTimingUri`.
const MAX_URI: usize = 2048;

/// `dashPackage` from `m`, defaults filled in.
pub fn package(m: &Members<'_>) -> Result<DashPackage> {
    m.refuse(
        &["encryption"],
        "DASH encryption (CENC with SPEKE) is a later issue",
    )?;
    let d = DashPackage::default();
    let int = |name: &str, (min, max): (i64, i64), default: u32| -> Result<u32> {
        Ok(m.opt_int(name, min, max)?.map_or(default, u32_of))
    };
    let segment = int(
        "segmentDurationSeconds",
        SEGMENT_SECONDS,
        d.segment_duration_seconds,
    )?;
    let window = int(
        "manifestWindowSeconds",
        WINDOW_SECONDS,
        d.manifest_window_seconds,
    )?;
    if window < segment {
        return Err(invalid(
            &m.path_of("manifestWindowSeconds"),
            format_args!("{window} is shorter than one segment (segmentDurationSeconds {segment})"),
        ));
    }
    let profile = m.opt_enum("profile", &PROFILES)?.unwrap_or("NONE");
    if profile != "NONE" {
        return Err(invalid(
            &m.path_of("profile"),
            format_args!("is not supported yet: {profile} (only NONE)"),
        ));
    }
    let utc_timing = m.opt_enum("utcTiming", &UTC_TIMINGS)?.unwrap_or("NONE");
    let uri = m.opt_str("utcTimingUri")?;
    if let Some(u) = uri
        && (u.is_empty() || u.len() > MAX_URI || u.chars().any(char::is_whitespace))
    {
        return Err(invalid(
            &m.path_of("utcTimingUri"),
            format_args!("{u:?} is not a URI (1 to {MAX_URI} characters, no spaces)"),
        ));
    }
    if utc_timing != "NONE" && uri.is_none() {
        return Err(invalid(
            &m.path_of("utcTimingUri"),
            format_args!("is required when utcTiming is {utc_timing}"),
        ));
    }
    let stream_selection = match m.opt_object("streamSelection")? {
        None => None,
        Some(s) => Some(stream_selection(&s)?),
    };
    Ok(DashPackage {
        ad_triggers: enum_list(m, "adTriggers", &AD_TRIGGERS)?,
        ads_on_delivery_restrictions: m
            .opt_enum("adsOnDeliveryRestrictions", &RESTRICTIONS)?
            .map(str::to_owned),
        include_iframe_only_stream: m.opt_bool("includeIframeOnlyStream")?.unwrap_or(false),
        manifest_layout: m
            .opt_enum("manifestLayout", &LAYOUTS)?
            .map_or(d.manifest_layout, str::to_owned),
        manifest_window_seconds: window,
        min_buffer_time_seconds: int(
            "minBufferTimeSeconds",
            PLAYER_SECONDS,
            d.min_buffer_time_seconds,
        )?,
        min_update_period_seconds: int(
            "minUpdatePeriodSeconds",
            PLAYER_SECONDS,
            d.min_update_period_seconds,
        )?,
        period_triggers: enum_list(m, "periodTriggers", &PERIOD_TRIGGERS)?,
        profile: profile.to_owned(),
        segment_duration_seconds: segment,
        segment_template_format: m
            .opt_enum("segmentTemplateFormat", &TEMPLATE_FORMATS)?
            .map_or(d.segment_template_format, str::to_owned),
        stream_selection,
        suggested_presentation_delay_seconds: int(
            "suggestedPresentationDelaySeconds",
            PLAYER_SECONDS,
            d.suggested_presentation_delay_seconds,
        )?,
        utc_timing: utc_timing.to_owned(),
        utc_timing_uri: uri.map(str::to_owned),
    })
}
