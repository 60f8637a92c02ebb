//! The response-side shapes of the MediaPackage (2017-10-12) API that
//! Tributary supports, with the model's wire (camelCase) member names.
//! Absent optional members are left out of the JSON, as AWS does.
//!
//! `cmafPackage` and `dashPackage` are not here yet (the CMAF/DASH issue);
//! `mssPackage`, `authorization` and HLS `encryption` are refused by control.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A channel: what Create/Describe/Update/Rotate* return.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// `arn:aws:mediapackage:<region>:<account>:channels/<id>`.
    pub arn: String,
    /// ISO 8601 (a string in the model, not a timestamp).
    pub created_at: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Egress access logging, as ConfigureLogs set it (stored and reported;
    /// Tributary writes no CloudWatch logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_access_logs: Option<AccessLogs>,
    /// The two ingest endpoints.
    pub hls_ingest: HlsIngest,
    /// Unique per account, immutable.
    pub id: String,
    /// Ingress access logging, as ConfigureLogs set it (stored and reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_access_logs: Option<AccessLogs>,
    /// Tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// `EgressAccessLogs` / `IngressAccessLogs` (the same one member).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogs {
    /// The CloudWatch log group; control fills in AWS's default
    /// (`/aws/MediaPackage/EgressAccessLogs`, `…/IngressAccessLogs`) when
    /// the caller gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
}

/// `HlsIngest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HlsIngest {
    /// Always two: either may feed the channel.
    pub ingest_endpoints: Vec<IngestEndpoint>,
}

/// `IngestEndpoint`: where and as whom an encoder pushes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestEndpoint {
    /// 32 hex digits, unique per channel.
    pub id: String,
    /// `<public endpoint>/in/v1/<channel>/<id>/channel` ([`crate::url`]).
    pub url: String,
    /// The digest (or basic) user name.
    pub username: String,
    /// The digest (or basic) password.
    pub password: String,
}

/// An origin endpoint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginEndpoint {
    /// `arn:aws:mediapackage:<region>:<account>:origin_endpoints/<id>`.
    pub arn: String,
    /// The channel it plays out.
    pub channel_id: String,
    /// ISO 8601.
    pub created_at: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The HLS packaging settings (always set today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hls_package: Option<HlsPackage>,
    /// Unique per account, immutable.
    pub id: String,
    /// Defaults to `index`.
    pub manifest_name: String,
    /// `ALLOW` (default) or `DENY`: DENY answers every playback request 403.
    pub origination: Origination,
    /// Seconds of content kept for startover/time-shift; absent = disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startover_window_seconds: Option<u32>,
    /// Tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Seconds playback lags live; absent = none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_delay_seconds: Option<u32>,
    /// `<public endpoint>/out/v1/<id>/<manifestName>.m3u8` ([`crate::url`]).
    pub url: String,
    /// CIDRs allowed to play; empty = everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub whitelist: Vec<String>,
}

/// `Origination`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Origination {
    /// Players may request.
    #[default]
    Allow,
    /// Every playback request is refused (403).
    Deny,
}

/// `HlsPackage`, with the defaults AWS fills in on create.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HlsPackage {
    /// Accepted and reported; SCTE-35 is a later issue, so no markers are emitted.
    pub ad_markers: String,
    /// Accepted and reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ad_triggers: Vec<String>,
    /// Accepted and reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ads_on_delivery_restrictions: Option<String>,
    /// Accepted and reported; no DVB subtitles are carried.
    pub include_dvb_subtitles: bool,
    /// Accepted and reported; no I-frame playlist is rendered.
    pub include_iframe_only_stream: bool,
    /// `NONE` (default), `EVENT` or `VOD`.
    pub playlist_type: String,
    /// Default 60.
    pub playlist_window_seconds: u32,
    /// Default 0: no `#EXT-X-PROGRAM-DATE-TIME`.
    pub program_date_time_interval_seconds: u32,
    /// Default 6.
    pub segment_duration_seconds: u32,
    /// Stream selection, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_selection: Option<StreamSelection>,
    /// Audio renditions as `#EXT-X-MEDIA` groups (the packager groups
    /// whatever the encoder grouped, whatever this says).
    pub use_audio_rendition_group: bool,
}

impl Default for HlsPackage {
    fn default() -> Self {
        HlsPackage {
            ad_markers: "NONE".into(),
            ad_triggers: Vec::new(),
            ads_on_delivery_restrictions: None,
            include_dvb_subtitles: false,
            include_iframe_only_stream: false,
            playlist_type: "NONE".into(),
            playlist_window_seconds: 60,
            program_date_time_interval_seconds: 0,
            segment_duration_seconds: 6,
            stream_selection: None,
            use_audio_rendition_group: false,
        }
    }
}

/// `StreamSelection`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamSelection {
    /// Upper bound on video bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_video_bits_per_second: Option<u64>,
    /// Lower bound on video bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_video_bits_per_second: Option<u64>,
    /// `ORIGINAL` (default), `VIDEO_BITRATE_ASCENDING`, `VIDEO_BITRATE_DESCENDING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_order: Option<String>,
}
