//! An origin endpoint's HLS packaging settings (MediaPackage v1 `HlsPackage`
//! plus the endpoint-level delay, startover window and manifest name).

use alloc::string::String;

/// `PlaylistType`: which `#EXT-X-PLAYLIST-TYPE` media playlists carry. As in
/// MediaPackage, it adds the tag and changes nothing else; time-shifted
/// requests get `EVENT`/`VOD` from their range instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlaylistType {
    /// No tag (`NONE`).
    #[default]
    None,
    /// `#EXT-X-PLAYLIST-TYPE:EVENT`.
    Event,
    /// `#EXT-X-PLAYLIST-TYPE:VOD`.
    Vod,
}

/// `StreamOrder`: the order of variant streams in the master playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StreamOrder {
    /// As the encoder listed them.
    #[default]
    Original,
    /// Lowest video bitrate first.
    VideoBitrateAscending,
    /// Highest video bitrate first.
    VideoBitrateDescending,
}

/// `StreamSelection`: which video renditions the endpoint offers, in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamSelection {
    /// `MinVideoBitsPerSecond`: video renditions below it are left out.
    pub min_video_bps: Option<u64>,
    /// `MaxVideoBitsPerSecond`: video renditions above it are left out.
    pub max_video_bps: Option<u64>,
    /// `StreamOrder`.
    pub order: StreamOrder,
}

/// One HLS origin endpoint. Durations are whole seconds, as the API has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlsEndpoint {
    /// `ManifestName` (default `index`): the master playlist is
    /// `<name>.m3u8`, rendition `n` is `<name>_<n>.m3u8`, its segments
    /// `<name>_<n>_<sequence>.ts`.
    pub manifest_name: String,
    /// `SegmentDurationSeconds` (default 6). When it is a whole multiple
    /// `k ≥ 2` of the ingest target duration, `k` input segments are served
    /// as one output segment; otherwise input segments pass through.
    pub segment_duration_s: u32,
    /// `PlaylistWindowSeconds` (default 60): how much of the live edge a
    /// media playlist lists.
    pub playlist_window_s: u32,
    /// `ProgramDateTimeIntervalSeconds` (0 = no `#EXT-X-PROGRAM-DATE-TIME`).
    pub program_date_time_interval_s: u32,
    /// `PlaylistType`.
    pub playlist_type: PlaylistType,
    /// `TimeDelaySeconds` (0 = none): a segment is listed only once this long
    /// has passed since its end.
    pub time_delay_s: u32,
    /// `StartoverWindowSeconds`: how far back time-shifted requests may
    /// reach, and how long segments are kept. `None` = startover disabled.
    pub startover_window_s: Option<u32>,
    /// `StreamSelection`.
    pub stream_selection: StreamSelection,
}

impl Default for HlsEndpoint {
    /// MediaPackage's defaults: `index`, 6 s segments, a 60 s window, no
    /// program date time, no delay, no startover.
    fn default() -> Self {
        Self {
            manifest_name: String::from("index"),
            segment_duration_s: 6,
            playlist_window_s: 60,
            program_date_time_interval_s: 0,
            playlist_type: PlaylistType::None,
            time_delay_s: 0,
            startover_window_s: None,
            stream_selection: StreamSelection::default(),
        }
    }
}
