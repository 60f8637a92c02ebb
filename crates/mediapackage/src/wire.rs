//! The response-side shapes of the MediaPackage (2017-10-12) API that
//! Tributary supports, with the model's wire (camelCase) member names.
//! Absent optional members are left out of the JSON, as AWS does.
//!
//! An endpoint carries exactly one of `hlsPackage`, `cmafPackage` and
//! `dashPackage`; `mssPackage`, `authorization` and every package's
//! `encryption` are refused by control.

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
    /// CMAF (fMP4) HLS packaging settings, when this is a CMAF endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmaf_package: Option<CmafPackage>,
    /// DASH packaging settings, when this is a DASH endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dash_package: Option<DashPackage>,
    /// HLS (TS) packaging settings, when this is an HLS endpoint.
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
    /// `<public endpoint>/out/v1/<id>/<manifestName>.m3u8` ([`crate::url`]);
    /// `.mpd` for DASH; for CMAF the first HLS manifest's URL.
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

/// `CmafPackage`, with the defaults AWS fills in on create.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CmafPackage {
    /// The HLS (fMP4) manifests this endpoint serves, each at its own URL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hls_manifests: Vec<HlsManifest>,
    /// Default 6.
    pub segment_duration_seconds: u32,
    /// Prepended to every segment's name; absent = the packager's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_prefix: Option<String>,
    /// Stream selection, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_selection: Option<StreamSelection>,
}

impl Default for CmafPackage {
    fn default() -> Self {
        CmafPackage {
            hls_manifests: Vec::new(),
            segment_duration_seconds: 6,
            segment_prefix: None,
            stream_selection: None,
        }
    }
}

/// `HlsManifest`: one CMAF HLS master playlist of a CMAF endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HlsManifest {
    /// Accepted and reported; no markers are emitted.
    pub ad_markers: String,
    /// Accepted and reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ad_triggers: Vec<String>,
    /// Accepted and reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ads_on_delivery_restrictions: Option<String>,
    /// Unique within the package.
    pub id: String,
    /// Accepted and reported; no I-frame playlist is rendered.
    pub include_iframe_only_stream: bool,
    /// Defaults to the manifest's `id`.
    pub manifest_name: String,
    /// `NONE` (default), `EVENT` or `VOD`.
    pub playlist_type: String,
    /// Default 60.
    pub playlist_window_seconds: u32,
    /// Default 0: no `#EXT-X-PROGRAM-DATE-TIME`.
    pub program_date_time_interval_seconds: u32,
    /// `<public endpoint>/out/v1/<endpoint>/<manifestName>.m3u8`.
    #[serde(default)]
    pub url: String,
}

impl Default for HlsManifest {
    fn default() -> Self {
        HlsManifest {
            ad_markers: "NONE".into(),
            ad_triggers: Vec::new(),
            ads_on_delivery_restrictions: None,
            id: String::new(),
            include_iframe_only_stream: false,
            manifest_name: String::new(),
            playlist_type: "NONE".into(),
            playlist_window_seconds: 60,
            program_date_time_interval_seconds: 0,
            url: String::new(),
        }
    }
}

/// `DashPackage`, with the defaults AWS fills in on create.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashPackage {
    /// Accepted and reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ad_triggers: Vec<String>,
    /// Accepted and reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ads_on_delivery_restrictions: Option<String>,
    /// Accepted and reported; no trick-play adaptation set is rendered.
    pub include_iframe_only_stream: bool,
    /// `FULL` (default); `COMPACT` and `DRM_TOP_LEVEL_COMPACT` accepted.
    pub manifest_layout: String,
    /// Default 60.
    pub manifest_window_seconds: u32,
    /// Default 30.
    pub min_buffer_time_seconds: u32,
    /// Default 15.
    pub min_update_period_seconds: u32,
    /// Accepted and reported (`ADS`); one period is always rendered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub period_triggers: Vec<String>,
    /// `NONE` (default); the others are refused.
    pub profile: String,
    /// Default 6.
    pub segment_duration_seconds: u32,
    /// `NUMBER_WITH_TIMELINE` (default), `TIME_WITH_TIMELINE`, `NUMBER_WITH_DURATION`.
    pub segment_template_format: String,
    /// Stream selection, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_selection: Option<StreamSelection>,
    /// Default 25.
    pub suggested_presentation_delay_seconds: u32,
    /// `NONE` (default), `HTTP-HEAD`, `HTTP-ISO`, `HTTP-XSDATE`.
    pub utc_timing: String,
    /// The `UTCTiming` value when `utcTiming` is not `NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_timing_uri: Option<String>,
}

impl Default for DashPackage {
    fn default() -> Self {
        DashPackage {
            ad_triggers: Vec::new(),
            ads_on_delivery_restrictions: None,
            include_iframe_only_stream: false,
            manifest_layout: "FULL".into(),
            manifest_window_seconds: 60,
            min_buffer_time_seconds: 30,
            min_update_period_seconds: 15,
            period_triggers: Vec::new(),
            profile: "NONE".into(),
            segment_duration_seconds: 6,
            segment_template_format: "NUMBER_WITH_TIMELINE".into(),
            stream_selection: None,
            suggested_presentation_delay_seconds: 25,
            utc_timing: "NONE".into(),
            utc_timing_uri: None,
        }
    }
}
