//! Stored records → the manifest plug's WIT types, field by field: the
//! endpoint's settings (`HlsPackage` plus manifest name, time delay,
//! startover window and stream selection), the channel's renditions and a
//! rendition's segment index.

use tributary_mediapackage::ingest::{StoredIndex, StoredKind, StoredRendition};
use tributary_mediapackage::stored::{Decoded, SegmentHead};
use tributary_mediapackage::wire::{HlsPackage, OriginEndpoint};

use crate::bindings::manifest as wit;

/// The manifest name players see when the record has none (MediaPackage's default).
pub const DEFAULT_MANIFEST_NAME: &str = "index";

/// The plug's view of `endpoint` packaging `hls`. Unknown `PlaylistType` or
/// `StreamOrder` strings (control accepts only the model's) fall back to
/// the defaults, `NONE` and `ORIGINAL`; a startover window of 0 is none.
pub fn endpoint(endpoint: &OriginEndpoint, hls: &HlsPackage) -> wit::Endpoint {
    let selection = hls.stream_selection.as_ref();
    wit::Endpoint {
        manifest_name: manifest_name(endpoint).to_owned(),
        segment_duration_s: hls.segment_duration_seconds,
        playlist_window_s: hls.playlist_window_seconds,
        program_date_time_interval_s: hls.program_date_time_interval_seconds,
        playlist_type: match hls.playlist_type.as_str() {
            "EVENT" => wit::PlaylistType::Event,
            "VOD" => wit::PlaylistType::Vod,
            _ => wit::PlaylistType::None,
        },
        time_delay_s: endpoint.time_delay_seconds.unwrap_or(0),
        startover_window_s: endpoint.startover_window_seconds.filter(|&s| s > 0),
        min_video_bps: selection.and_then(|s| s.min_video_bits_per_second),
        max_video_bps: selection.and_then(|s| s.max_video_bits_per_second),
        stream_order: match selection.and_then(|s| s.stream_order.as_deref()) {
            Some("VIDEO_BITRATE_ASCENDING") => wit::StreamOrder::VideoBitrateAscending,
            Some("VIDEO_BITRATE_DESCENDING") => wit::StreamOrder::VideoBitrateDescending,
            _ => wit::StreamOrder::Original,
        },
    }
}

/// What retention must keep for `endpoint`, whichever its package: the
/// window and segment duration of its HLS, DASH (`ManifestWindowSeconds`)
/// or CMAF package (its longest HLS manifest window), with the endpoint's
/// delay and startover window. `None` without a package.
pub fn retention_endpoint(endpoint: &OriginEndpoint) -> Option<wit::Endpoint> {
    if let Some(hls) = &endpoint.hls_package {
        return Some(self::endpoint(endpoint, hls));
    }
    let (segment, window) = match (&endpoint.dash_package, &endpoint.cmaf_package) {
        (Some(d), _) => (d.segment_duration_seconds, d.manifest_window_seconds),
        (None, Some(c)) => (
            c.segment_duration_seconds,
            c.hls_manifests
                .iter()
                .map(|m| m.playlist_window_seconds)
                .max()
                .unwrap_or(HlsPackage::default().playlist_window_seconds),
        ),
        (None, None) => return None,
    };
    let as_hls = HlsPackage {
        segment_duration_seconds: segment,
        playlist_window_seconds: window,
        ..HlsPackage::default()
    };
    Some(self::endpoint(endpoint, &as_hls))
}

/// `ManifestName`, or `index` when the record has an empty one.
pub fn manifest_name(endpoint: &OriginEndpoint) -> &str {
    if endpoint.manifest_name.is_empty() {
        DEFAULT_MANIFEST_NAME
    } else {
        &endpoint.manifest_name
    }
}

/// The channel's renditions, in ingest order (rendition n = element n - 1).
pub fn renditions(stored: &[StoredRendition]) -> Vec<wit::Rendition> {
    stored.iter().map(rendition).collect()
}

fn rendition(r: &StoredRendition) -> wit::Rendition {
    wit::Rendition {
        name: r.name.clone(),
        kind: match r.kind {
            StoredKind::Video => wit::MediaKind::Video,
            StoredKind::Audio => wit::MediaKind::Audio,
        },
        bandwidth: r.bandwidth,
        average_bandwidth: r.average_bandwidth,
        resolution: r.resolution,
        frame_rate: r.frame_rate,
        codecs: r.codecs.clone(),
        group: r.group.clone(),
        language: r.language.clone(),
        title: r.title.clone(),
        default: r.default,
    }
}

/// A stored index as the plug's: the timeline only, blob keys stay here
/// (see [`keys`]).
pub fn index(stored: &StoredIndex) -> wit::SegmentIndex {
    timeline(Decoded {
        target_duration_s: stored.target_duration_s,
        segments: stored.segments.iter().map(|s| segment(s.head())).collect(),
        discontinuities: stored.discontinuities.clone(),
    })
}

/// A stored segment as the plug's.
pub fn segment(s: SegmentHead) -> wit::Segment {
    wit::Segment {
        sequence: s.sequence,
        duration_ms: s.duration_ms,
        program_date_time_ms: s.program_date_time_ms,
        pts: s.pts,
        discontinuity: s.discontinuity,
    }
}

/// An index decoded straight into the plug's segments.
pub fn timeline(decoded: Decoded<wit::Segment>) -> wit::SegmentIndex {
    wit::SegmentIndex {
        target_duration_s: decoded.target_duration_s.max(1),
        segments: decoded.segments,
        discontinuities: decoded.discontinuities,
    }
}

/// The blob keys of the segments `sequences` of `stored`, in order; `None`
/// when one is not in the index.
pub fn keys(stored: &StoredIndex, sequences: &[u64]) -> Option<Vec<String>> {
    let first = stored.segments.first()?.sequence;
    sequences
        .iter()
        .map(|&n| {
            let at = usize::try_from(n.checked_sub(first)?).ok()?;
            let s = stored.segments.get(at).filter(|s| s.sequence == n)?;
            Some(s.key.clone())
        })
        .collect()
}

/// The index of a rendition that has announced itself but delivered no
/// segment yet: no segments, and the endpoint's segment duration as target
/// (so the empty playlist asks players to come back that soon).
pub fn empty_index(endpoint: &wit::Endpoint) -> wit::SegmentIndex {
    wit::SegmentIndex {
        target_duration_s: endpoint.segment_duration_s.max(1),
        segments: Vec::new(),
        discontinuities: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tributary_mediapackage::ingest::StoredSegment;
    use tributary_mediapackage::wire::StreamSelection;

    #[test]
    fn retention_sees_the_window_of_every_package() {
        use tributary_mediapackage::wire::{CmafPackage, DashPackage, HlsManifest};
        let base = OriginEndpoint {
            startover_window_seconds: Some(3600),
            ..OriginEndpoint::default()
        };
        assert!(retention_endpoint(&base).is_none());
        let dash = OriginEndpoint {
            dash_package: Some(DashPackage {
                manifest_window_seconds: 120,
                segment_duration_seconds: 2,
                ..DashPackage::default()
            }),
            ..base.clone()
        };
        let e = retention_endpoint(&dash).expect("a DASH package");
        assert_eq!(
            (
                e.playlist_window_s,
                e.segment_duration_s,
                e.startover_window_s
            ),
            (120, 2, Some(3600))
        );
        let manifest = |w| HlsManifest {
            playlist_window_seconds: w,
            ..HlsManifest::default()
        };
        let cmaf = OriginEndpoint {
            cmaf_package: Some(CmafPackage {
                hls_manifests: vec![manifest(30), manifest(90)],
                ..CmafPackage::default()
            }),
            ..base
        };
        let e = retention_endpoint(&cmaf).expect("a CMAF package");
        assert_eq!((e.playlist_window_s, e.segment_duration_s), (90, 6));
    }

    #[test]
    fn endpoint_settings_carry_every_field_the_plug_reads() {
        let record = OriginEndpoint {
            manifest_name: "show".into(),
            time_delay_seconds: Some(30),
            startover_window_seconds: Some(3600),
            ..OriginEndpoint::default()
        };
        let hls = HlsPackage {
            playlist_type: "EVENT".into(),
            playlist_window_seconds: 120,
            program_date_time_interval_seconds: 10,
            segment_duration_seconds: 4,
            stream_selection: Some(StreamSelection {
                max_video_bits_per_second: Some(5_000_000),
                min_video_bits_per_second: Some(500_000),
                stream_order: Some("VIDEO_BITRATE_DESCENDING".into()),
            }),
            ..HlsPackage::default()
        };
        let e = endpoint(&record, &hls);
        assert_eq!(e.manifest_name, "show");
        assert_eq!(e.segment_duration_s, 4);
        assert_eq!(e.playlist_window_s, 120);
        assert_eq!(e.program_date_time_interval_s, 10);
        assert!(matches!(e.playlist_type, wit::PlaylistType::Event));
        assert_eq!(e.time_delay_s, 30);
        assert_eq!(e.startover_window_s, Some(3600));
        assert_eq!(e.min_video_bps, Some(500_000));
        assert_eq!(e.max_video_bps, Some(5_000_000));
        assert!(matches!(
            e.stream_order,
            wit::StreamOrder::VideoBitrateDescending
        ));
    }

    #[test]
    fn absent_settings_take_mediapackage_defaults() {
        let e = endpoint(&OriginEndpoint::default(), &HlsPackage::default());
        assert_eq!(e.manifest_name, "index");
        assert_eq!(e.time_delay_s, 0);
        assert_eq!(e.startover_window_s, None);
        assert!(matches!(e.playlist_type, wit::PlaylistType::None));
        assert!(matches!(e.stream_order, wit::StreamOrder::Original));
        let zero = OriginEndpoint {
            startover_window_seconds: Some(0),
            ..OriginEndpoint::default()
        };
        assert_eq!(
            endpoint(&zero, &HlsPackage::default()).startover_window_s,
            None
        );
        let vod = HlsPackage {
            playlist_type: "VOD".into(),
            stream_selection: Some(StreamSelection {
                stream_order: Some("VIDEO_BITRATE_ASCENDING".into()),
                ..StreamSelection::default()
            }),
            ..HlsPackage::default()
        };
        let e = endpoint(&OriginEndpoint::default(), &vod);
        assert!(matches!(e.playlist_type, wit::PlaylistType::Vod));
        assert!(matches!(
            e.stream_order,
            wit::StreamOrder::VideoBitrateAscending
        ));
    }

    #[test]
    fn renditions_and_indexes_convert_field_by_field() {
        let stored = StoredRendition {
            name: "channel_1.m3u8".into(),
            kind: StoredKind::Audio,
            bandwidth: 128_000,
            average_bandwidth: Some(120_000),
            resolution: Some((640, 360)),
            frame_rate: Some(29.97),
            codecs: Some("mp4a.40.2".into()),
            group: Some("aud".into()),
            language: Some("en".into()),
            title: Some("English".into()),
            default: true,
        };
        let r = &renditions(std::slice::from_ref(&stored))[0];
        assert_eq!(r.name, "channel_1.m3u8");
        assert!(matches!(r.kind, wit::MediaKind::Audio));
        assert_eq!((r.bandwidth, r.average_bandwidth), (128_000, Some(120_000)));
        assert_eq!(
            (r.resolution, r.frame_rate),
            (Some((640, 360)), Some(29.97))
        );
        assert_eq!(r.codecs.as_deref(), Some("mp4a.40.2"));
        assert_eq!(r.group.as_deref(), Some("aud"));
        assert_eq!(r.language.as_deref(), Some("en"));
        assert_eq!(r.title.as_deref(), Some("English"));
        assert!(r.default);

        let stored = StoredIndex {
            target_duration_s: 0,
            segments: vec![StoredSegment {
                sequence: 7,
                duration_ms: 2002,
                program_date_time_ms: 1_700_000_000_000,
                pts: Some(90_000),
                discontinuity: true,
                key: "k/7.ts".into(),
            }],
            discontinuities: vec![7],
        };
        let ix = index(&stored);
        assert_eq!(ix.target_duration_s, 1);
        let s = &ix.segments[0];
        assert_eq!((s.sequence, s.duration_ms), (7, 2002));
        assert_eq!(
            (s.program_date_time_ms, s.pts),
            (1_700_000_000_000, Some(90_000))
        );
        assert!(s.discontinuity);
        assert_eq!(ix.discontinuities, [7]);
        assert_eq!(keys(&stored, &[7]), Some(vec!["k/7.ts".to_owned()]));
        assert_eq!(keys(&stored, &[8]), None);
        assert_eq!(keys(&stored, &[6]), None);
        assert_eq!(keys(&StoredIndex::default(), &[7]), None);
    }
}
