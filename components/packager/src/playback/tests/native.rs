//! The manifest plug, natively: the conversions `components/manifest` does
//! around the same `tributary-hls` calls, so the playlists these tests read
//! are what the component renders.

use tributary_hls as hls;

use crate::bindings::manifest as wit;
use crate::playback::serve::{CmafMediaRequest, DashRequest, Manifest};

/// The plug over the native crate.
pub struct NativePlug;

impl Manifest for NativePlug {
    fn route(&self, manifest_name: &str, path: &str) -> Option<wit::Target> {
        hls::route(manifest_name, path).map(|t| match t {
            hls::Target::Media { rendition } => wit::Target::Media(rendition),
            hls::Target::Segment { rendition, number } => wit::Target::Segment((rendition, number)),
            _ => wit::Target::Master,
        })
    }

    fn master_playlist(
        &self,
        renditions: &[wit::Rendition],
        endpoint: &wit::Endpoint,
        query: &str,
    ) -> Result<String, wit::Error> {
        let request = hls::Request::parse(query).map_err(error)?;
        hls::master_playlist(&channel(renditions), &settings(endpoint), &request).map_err(error)
    }

    fn media_playlist(
        &self,
        renditions: &[wit::Rendition],
        rendition: u32,
        index: &wit::SegmentIndex,
        endpoint: &wit::Endpoint,
        query: &str,
        now_ms: i64,
    ) -> Result<String, wit::Error> {
        let request = hls::Request::parse(query).map_err(error)?;
        let endpoint = settings(endpoint);
        hls::admit_rendition(&channel(renditions), rendition, &endpoint, &request)
            .map_err(error)?;
        let index = segment_index(index)?;
        hls::media_playlist(&index, rendition, &endpoint, &request, now_ms).map_err(error)
    }

    fn resolve_segment(
        &self,
        index: &wit::SegmentIndex,
        endpoint: &wit::Endpoint,
        number: u64,
    ) -> Result<Vec<u64>, wit::Error> {
        let index = segment_index(index)?;
        let k = hls::combine_factor(endpoint.segment_duration_s, index.target_duration_s());
        let inputs = hls::resolve_segment(&index, k, number).map_err(error)?;
        Ok(inputs.iter().map(|s| s.sequence).collect())
    }

    fn dash_manifest(&self, m: &DashRequest<'_>) -> Result<String, wit::Error> {
        let request = hls::Request::parse(m.query).map_err(error)?;
        let indexes = m
            .indexes
            .iter()
            .map(segment_index)
            .collect::<Result<Vec<_>, _>>()?;
        let tracks: Vec<Vec<hls::TrackInfo>> = m.tracks.iter().map(|t| track_infos(t)).collect();
        let sources: Vec<hls::Source<'_>> = indexes
            .iter()
            .zip(&tracks)
            .map(|(index, tracks)| hls::Source { index, tracks })
            .collect();
        let d = m.dash;
        let dash = hls::DashSettings {
            min_buffer_time_s: d.min_buffer_time_s,
            min_update_period_s: d.min_update_period_s,
            suggested_presentation_delay_s: d.suggested_presentation_delay_s,
            template: match d.template {
                wit::TemplateFormat::NumberWithTimeline => hls::TemplateFormat::NumberWithTimeline,
                wit::TemplateFormat::TimeWithTimeline => hls::TemplateFormat::TimeWithTimeline,
                wit::TemplateFormat::NumberWithDuration => hls::TemplateFormat::NumberWithDuration,
            },
            utc_timing: d.utc_timing.as_ref().map(|(scheme, value)| {
                let scheme = match scheme {
                    wit::UtcScheme::HttpHead => hls::UtcScheme::HttpHead,
                    wit::UtcScheme::HttpIso => hls::UtcScheme::HttpIso,
                    wit::UtcScheme::HttpXsdate => hls::UtcScheme::HttpXsdate,
                };
                (scheme, value.clone())
            }),
        };
        hls::dash_manifest(
            &channel(m.renditions),
            &sources,
            &settings(m.endpoint),
            &dash,
            m.prefix,
            &request,
            m.now_ms,
        )
        .map_err(error)
    }

    fn cmaf_master_playlist(
        &self,
        renditions: &[wit::Rendition],
        tracks: &[Vec<wit::TrackInfo>],
        endpoint: &wit::Endpoint,
        manifest_name: &str,
        query: &str,
    ) -> Result<String, wit::Error> {
        let request = hls::Request::parse(query).map_err(error)?;
        let tracks: Vec<Vec<hls::TrackInfo>> = tracks.iter().map(|t| track_infos(t)).collect();
        hls::cmaf_master_playlist(
            &channel(renditions),
            &tracks,
            &settings(endpoint),
            manifest_name,
            &request,
        )
        .map_err(error)
    }

    fn cmaf_media_playlist(&self, p: &CmafMediaRequest<'_>) -> Result<String, wit::Error> {
        let request = hls::Request::parse(p.query).map_err(error)?;
        let index = segment_index(p.index)?;
        hls::cmaf_media_playlist(
            &channel(p.renditions),
            &index,
            (p.rendition, track_of(p.track)),
            &settings(p.endpoint),
            p.prefix,
            &request,
            p.now_ms,
        )
        .map_err(error)
    }
}

fn track_of(t: wit::Track) -> hls::Track {
    match t {
        wit::Track::Video => hls::Track::Video,
        wit::Track::Audio => hls::Track::Audio,
    }
}

fn track_infos(tracks: &[wit::TrackInfo]) -> Vec<hls::TrackInfo> {
    tracks
        .iter()
        .map(|t| hls::TrackInfo {
            track: track_of(t.track),
            codec: t.codec.clone(),
            resolution: t
                .resolution
                .map(|(width, height)| hls::Resolution { width, height }),
            sample_rate: t.sample_rate,
            channels: t.channels,
        })
        .collect()
}

fn channel(renditions: &[wit::Rendition]) -> hls::Channel {
    let renditions = renditions
        .iter()
        .map(|r| {
            let kind = match r.kind {
                wit::MediaKind::Video => hls::MediaKind::Video,
                wit::MediaKind::Audio => hls::MediaKind::Audio,
            };
            let mut out = hls::Rendition::new(r.name.clone(), kind, r.bandwidth);
            out.average_bandwidth = r.average_bandwidth;
            out.resolution = r
                .resolution
                .map(|(width, height)| hls::Resolution { width, height });
            out.frame_rate = r.frame_rate;
            out.codecs = r.codecs.clone();
            out.group = r.group.clone();
            out.language = r.language.clone();
            out.title = r.title.clone();
            out.default = r.default;
            out
        })
        .collect();
    hls::Channel { renditions }
}

fn settings(e: &wit::Endpoint) -> hls::HlsEndpoint {
    hls::HlsEndpoint {
        manifest_name: e.manifest_name.clone(),
        segment_duration_s: e.segment_duration_s,
        playlist_window_s: e.playlist_window_s,
        program_date_time_interval_s: e.program_date_time_interval_s,
        playlist_type: match e.playlist_type {
            wit::PlaylistType::None => hls::PlaylistType::None,
            wit::PlaylistType::Event => hls::PlaylistType::Event,
            wit::PlaylistType::Vod => hls::PlaylistType::Vod,
        },
        time_delay_s: e.time_delay_s,
        startover_window_s: e.startover_window_s,
        stream_selection: hls::StreamSelection {
            min_video_bps: e.min_video_bps,
            max_video_bps: e.max_video_bps,
            order: match e.stream_order {
                wit::StreamOrder::Original => hls::StreamOrder::Original,
                wit::StreamOrder::VideoBitrateAscending => hls::StreamOrder::VideoBitrateAscending,
                wit::StreamOrder::VideoBitrateDescending => {
                    hls::StreamOrder::VideoBitrateDescending
                }
            },
        },
    }
}

fn segment_index(ix: &wit::SegmentIndex) -> Result<hls::SegmentIndex, wit::Error> {
    let segments = ix
        .segments
        .iter()
        .map(|s| hls::Segment {
            sequence: s.sequence,
            duration_ms: s.duration_ms,
            program_date_time_ms: s.program_date_time_ms,
            pts: s.pts,
            discontinuity: s.discontinuity,
            key: String::new(),
        })
        .collect();
    hls::SegmentIndex::from_parts(ix.target_duration_s, segments, ix.discontinuities.clone())
        .map_err(error)
}

fn error(e: hls::Error) -> wit::Error {
    use hls::Error as E;
    match e {
        E::MalformedQuery(m) => wit::Error::MalformedQuery(m),
        E::UnsupportedFilter(m) => wit::Error::UnsupportedFilter(m),
        E::InvalidTimeRange(m) => wit::Error::InvalidTimeRange(m),
        E::TimeShiftDisabled => wit::Error::TimeShiftDisabled,
        E::OutsideStartoverWindow => wit::Error::OutsideStartoverWindow,
        E::NoMatchingStreams => wit::Error::NoMatchingStreams,
        E::UnknownRendition => wit::Error::UnknownRendition,
        E::RenditionExcluded => wit::Error::RenditionExcluded,
        E::SegmentUnavailable => wit::Error::SegmentUnavailable,
        other => wit::Error::InvalidIndex(other.to_string()),
    }
}
