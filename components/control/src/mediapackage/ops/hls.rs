//! `hlsPackage` (and its `streamSelection`) as a request gives it: enums and
//! ranges checked, AWS's defaults filled in for what is absent.

use tributary_mediapackage::wire::{HlsPackage, StreamSelection};

use crate::mediapackage::error::Result;
use crate::mediapackage::input::{Members, check_enum, invalid};

/// `AdMarkers`.
pub const AD_MARKERS: [&str; 4] = ["NONE", "SCTE35_ENHANCED", "PASSTHROUGH", "DATERANGE"];
/// `__AdTriggersElement`.
pub const AD_TRIGGERS: [&str; 8] = [
    "SPLICE_INSERT",
    "BREAK",
    "PROVIDER_ADVERTISEMENT",
    "DISTRIBUTOR_ADVERTISEMENT",
    "PROVIDER_PLACEMENT_OPPORTUNITY",
    "DISTRIBUTOR_PLACEMENT_OPPORTUNITY",
    "PROVIDER_OVERLAY_PLACEMENT_OPPORTUNITY",
    "DISTRIBUTOR_OVERLAY_PLACEMENT_OPPORTUNITY",
];
/// `AdsOnDeliveryRestrictions`.
pub const RESTRICTIONS: [&str; 4] = ["NONE", "RESTRICTED", "UNRESTRICTED", "BOTH"];
/// `PlaylistType`.
pub const PLAYLIST_TYPES: [&str; 3] = ["NONE", "EVENT", "VOD"];
/// `StreamOrder`.
const STREAM_ORDERS: [&str; 3] = [
    "ORIGINAL",
    "VIDEO_BITRATE_ASCENDING",
    "VIDEO_BITRATE_DESCENDING",
];

/// Output segment duration, seconds (MediaPackage's documented 1–30).
pub const SEGMENT_SECONDS: (i64, i64) = (1, 30);
/// Playlist window, seconds: up to a day, the longest manifest MediaPackage
/// serves (its time-shifted manifest limit).
pub const WINDOW_SECONDS: (i64, i64) = (1, 86_400);
/// Interval between `EXT-X-PROGRAM-DATE-TIME` tags, seconds; 0 = none.
pub const PDT_SECONDS: (i64, i64) = (0, 1_209_600);

pub fn u32_of(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// List member `name` of `m`, each one of `values`; empty when absent.
pub fn enum_list(m: &Members<'_>, name: &str, values: &[&'static str]) -> Result<Vec<String>> {
    match m.opt_strings(name)? {
        None => Ok(Vec::new()),
        Some(list) => {
            let path = m.path_of(name);
            list.iter()
                .enumerate()
                .map(|(i, s)| check_enum(&format!("{path}[{i}]"), s, values).map(str::to_owned))
                .collect()
        }
    }
}

/// `hlsPackage` from `m`, defaults filled in.
pub fn package(m: &Members<'_>) -> Result<HlsPackage> {
    m.refuse(
        &["encryption"],
        "HLS encryption (AES-128/SAMPLE-AES with SPEKE) is a later issue",
    )?;
    let defaults = HlsPackage::default();
    let ad_triggers = enum_list(m, "adTriggers", &AD_TRIGGERS)?;
    let segment = m
        .opt_int(
            "segmentDurationSeconds",
            SEGMENT_SECONDS.0,
            SEGMENT_SECONDS.1,
        )?
        .map_or(defaults.segment_duration_seconds, u32_of);
    let window = m
        .opt_int("playlistWindowSeconds", WINDOW_SECONDS.0, WINDOW_SECONDS.1)?
        .map_or(defaults.playlist_window_seconds, u32_of);
    if window < segment {
        return Err(invalid(
            &m.path_of("playlistWindowSeconds"),
            format_args!("{window} is shorter than one segment (segmentDurationSeconds {segment})"),
        ));
    }
    let stream_selection = match m.opt_object("streamSelection")? {
        None => None,
        Some(s) => Some(stream_selection(&s)?),
    };
    Ok(HlsPackage {
        ad_markers: m
            .opt_enum("adMarkers", &AD_MARKERS)?
            .map_or(defaults.ad_markers, str::to_owned),
        ad_triggers,
        ads_on_delivery_restrictions: m
            .opt_enum("adsOnDeliveryRestrictions", &RESTRICTIONS)?
            .map(str::to_owned),
        include_dvb_subtitles: m.opt_bool("includeDvbSubtitles")?.unwrap_or(false),
        include_iframe_only_stream: m.opt_bool("includeIframeOnlyStream")?.unwrap_or(false),
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
        segment_duration_seconds: segment,
        stream_selection,
        use_audio_rendition_group: m.opt_bool("useAudioRenditionGroup")?.unwrap_or(false),
    })
}

pub fn stream_selection(m: &Members<'_>) -> Result<StreamSelection> {
    let bits = |name: &str| -> Result<Option<u64>> {
        Ok(m.opt_int(name, 0, i64::from(i32::MAX))?
            .and_then(|n| u64::try_from(n).ok()))
    };
    let max = bits("maxVideoBitsPerSecond")?;
    let min = bits("minVideoBitsPerSecond")?;
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(invalid(
            &m.path_of("minVideoBitsPerSecond"),
            format_args!("{min} is above maxVideoBitsPerSecond {max}"),
        ));
    }
    Ok(StreamSelection {
        max_video_bits_per_second: max,
        min_video_bits_per_second: min,
        stream_order: m
            .opt_enum("streamOrder", &STREAM_ORDERS)?
            .map(str::to_owned),
    })
}
