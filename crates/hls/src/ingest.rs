//! What encoders PUT at an ingest endpoint — ffmpeg's `-f hls -method PUT`
//! and AWS Elemental MediaLive's HLS output to MediaPackage — read with
//! m3u8-rs and checked into this crate's model.
//!
//! Only what a TS packager can serve is accepted: segments with `#EXTINF`
//! durations over zero and at most an hour, relative URIs without `..`,
//! scheme, query or control characters, no encryption (`#EXT-X-KEY`), no
//! byte ranges, no `#EXT-X-MAP` (fMP4 ingest is a later issue). Anything
//! else is [`Error::MalformedPlaylist`] saying what and where, and the
//! caller keeps serving what it had.
//!
//! `#EXT-X-PROGRAM-DATE-TIME` is read in every offset form encoders write:
//! m3u8-rs takes RFC 3339, and ffmpeg's `+0000` (which m3u8-rs leaves among
//! the unknown tags) is read here.

use crate::model::{MediaKind, Rendition, Resolution};
use crate::time::parse_iso8601;
use crate::{Error, Result};
use m3u8_rs::{AlternativeMediaType, MediaSegment, Playlist};

/// Longest input segment accepted.
pub const MAX_SEGMENT_MS: u32 = 3_600_000;
/// Largest ingest playlist accepted, in bytes.
pub const MAX_PLAYLIST_BYTES: usize = 1 << 20;

/// A parsed ingest playlist.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Ingest {
    /// A master playlist: the channel's renditions.
    Master(IngestMaster),
    /// A media playlist of one rendition.
    Media(IngestMedia),
}

/// The renditions an encoder announces, in its order.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestMaster {
    /// Each rendition with the URI of its media playlist (relative to the
    /// master playlist) in [`Rendition::name`].
    pub renditions: Vec<Rendition>,
}

/// One rendition's media playlist as the encoder last wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestMedia {
    /// `#EXT-X-TARGETDURATION`, at least 1.
    pub target_duration_s: u32,
    /// `#EXT-X-MEDIA-SEQUENCE`: the encoder's number of the first segment.
    pub media_sequence: u64,
    /// `#EXT-X-DISCONTINUITY-SEQUENCE`.
    pub discontinuity_sequence: u64,
    /// The listed segments, oldest first.
    pub segments: Vec<IngestSegment>,
    /// `#EXT-X-ENDLIST`: the encoder stopped.
    pub ended: bool,
}

/// A segment as the ingest playlist lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestSegment {
    /// The encoder's sequence number (`media_sequence` + position).
    pub sequence: u64,
    /// Relative URI, as the encoder PUTs the segment.
    pub uri: String,
    /// `#EXTINF`, in milliseconds.
    pub duration_ms: u32,
    /// `#EXT-X-DISCONTINUITY` before it.
    pub discontinuity: bool,
    /// `#EXT-X-PROGRAM-DATE-TIME`, epoch ms, when given.
    pub program_date_time_ms: Option<i64>,
}

impl IngestMedia {
    /// Segments the encoder numbered after `last_seen` (all when `None`):
    /// what a re-PUT of a live playlist adds.
    pub fn after(&self, last_seen: Option<u64>) -> impl Iterator<Item = &IngestSegment> {
        self.segments
            .iter()
            .filter(move |s| last_seen.is_none_or(|l| s.sequence > l))
    }
}

/// Parses an ingest playlist, master or media.
pub fn parse(bytes: &[u8]) -> Result<Ingest> {
    if bytes.len() > MAX_PLAYLIST_BYTES {
        return Err(malformed(format!("larger than {MAX_PLAYLIST_BYTES} bytes")));
    }
    if !bytes.trim_ascii_start().starts_with(b"#EXTM3U") {
        return Err(malformed("does not start with #EXTM3U".into()));
    }
    match m3u8_rs::parse_playlist_res(bytes) {
        Ok(Playlist::MasterPlaylist(m)) => master(m).map(Ingest::Master),
        Ok(Playlist::MediaPlaylist(m)) => media(m).map(Ingest::Media),
        Err(e) => Err(malformed(format!("not an HLS playlist ({})", short(&e)))),
    }
}

/// Parses an ingest master playlist; a media playlist is an error.
pub fn parse_master(bytes: &[u8]) -> Result<IngestMaster> {
    match parse(bytes)? {
        Ingest::Master(m) => Ok(m),
        Ingest::Media(_) => Err(malformed(
            "a media playlist where a master playlist was expected".into(),
        )),
    }
}

/// Parses an ingest media playlist; a master playlist is an error.
pub fn parse_media(bytes: &[u8]) -> Result<IngestMedia> {
    match parse(bytes)? {
        Ingest::Media(m) => Ok(m),
        Ingest::Master(_) => Err(malformed(
            "a master playlist where a media playlist was expected".into(),
        )),
    }
}

fn master(m: m3u8_rs::MasterPlaylist) -> Result<IngestMaster> {
    let mut renditions = Vec::new();
    for alt in &m.alternatives {
        if alt.media_type != AlternativeMediaType::Audio {
            continue;
        }
        // An audio rendition without URI is muxed into the variants.
        let Some(uri) = &alt.uri else { continue };
        check_uri(uri, "EXT-X-MEDIA")?;
        let mut r = Rendition::new(uri.clone(), MediaKind::Audio, 0);
        r.group = Some(alt.group_id.clone());
        r.language = alt.language.clone();
        r.title = Some(alt.name.clone());
        r.default = alt.default;
        renditions.push(r);
    }
    for v in m.variants.iter().filter(|v| !v.is_i_frame) {
        check_uri(&v.uri, "EXT-X-STREAM-INF")?;
        if v.bandwidth == 0 {
            return Err(malformed(format!("variant {} has no BANDWIDTH", v.uri)));
        }
        let audio_only = v.resolution.is_none()
            && v.codecs.as_deref().is_some_and(|c| {
                c.split(',').all(|c| {
                    c.trim().starts_with("mp4a")
                        || c.trim().starts_with("ac-3")
                        || c.trim().starts_with("ec-3")
                })
            });
        let kind = if audio_only {
            MediaKind::Audio
        } else {
            MediaKind::Video
        };
        let mut r = Rendition::new(v.uri.clone(), kind, v.bandwidth);
        r.average_bandwidth = v.average_bandwidth;
        r.resolution = v.resolution.map(|res| Resolution {
            width: u32::try_from(res.width).unwrap_or(u32::MAX),
            height: u32::try_from(res.height).unwrap_or(u32::MAX),
        });
        r.frame_rate = v.frame_rate;
        r.codecs = v.codecs.clone();
        r.group = if kind == MediaKind::Video {
            v.audio.clone()
        } else {
            None
        };
        renditions.push(r);
    }
    if !renditions
        .iter()
        .any(|r| r.kind == MediaKind::Video || r.group.is_none())
    {
        return Err(malformed("master playlist lists no variant stream".into()));
    }
    // Variants first, as players expect them first in the channel's order.
    renditions.sort_by_key(|r| r.kind == MediaKind::Audio && r.group.is_some());
    Ok(IngestMaster { renditions })
}

fn media(m: m3u8_rs::MediaPlaylist) -> Result<IngestMedia> {
    if m.target_duration == 0 {
        return Err(malformed("#EXT-X-TARGETDURATION is missing or 0".into()));
    }
    let target_duration_s = u32::try_from(m.target_duration)
        .ok()
        .filter(|&t| u64::from(t) * 1000 <= u64::from(MAX_SEGMENT_MS))
        .ok_or_else(|| {
            malformed(format!(
                "#EXT-X-TARGETDURATION:{} is too long",
                m.target_duration
            ))
        })?;
    let mut segments = Vec::with_capacity(m.segments.len());
    for (i, s) in m.segments.iter().enumerate() {
        let sequence = m.media_sequence + i as u64;
        let at = || format!("segment {sequence} ({})", s.uri);
        check_uri(&s.uri, &at())?;
        if s.key
            .as_ref()
            .is_some_and(|k| k.method != m3u8_rs::KeyMethod::None)
        {
            return Err(malformed(format!(
                "{}: encrypted ingest (#EXT-X-KEY) is not supported",
                at()
            )));
        }
        if s.byte_range.is_some() {
            return Err(malformed(format!(
                "{}: byte-range segments are not supported",
                at()
            )));
        }
        if s.map.is_some() {
            return Err(malformed(format!(
                "{}: fMP4 ingest (#EXT-X-MAP) is not supported",
                at()
            )));
        }
        let seconds = f64::from(s.duration);
        if !(seconds.is_finite() && seconds > 0.0 && seconds * 1000.0 <= f64::from(MAX_SEGMENT_MS))
        {
            return Err(malformed(format!(
                "{}: #EXTINF duration {} is not usable",
                at(),
                s.duration
            )));
        }
        segments.push(IngestSegment {
            sequence,
            uri: s.uri.clone(),
            duration_ms: ((seconds * 1000.0).round() as u32).max(1),
            discontinuity: s.discontinuity,
            program_date_time_ms: program_date_time(s)
                .map_err(|e| malformed(format!("{}: {e}", at())))?,
        });
    }
    Ok(IngestMedia {
        target_duration_s,
        media_sequence: m.media_sequence,
        discontinuity_sequence: m.discontinuity_sequence,
        segments,
        ended: m.end_list,
    })
}

fn program_date_time(s: &MediaSegment) -> core::result::Result<Option<i64>, String> {
    if let Some(t) = &s.program_date_time {
        return Ok(Some(t.timestamp_millis()));
    }
    match s
        .unknown_tags
        .iter()
        .find(|t| t.tag == "X-PROGRAM-DATE-TIME")
    {
        Some(tag) => {
            let v = tag.rest.as_deref().unwrap_or_default().trim();
            parse_iso8601(v)
                .map(Some)
                .ok_or_else(|| format!("#EXT-X-PROGRAM-DATE-TIME {v:?} is not a date-time"))
        }
        None => Ok(None),
    }
}

fn check_uri(uri: &str, at: &str) -> Result<()> {
    let bad = |why: &str| Err(malformed(format!("{at}: URI {uri:?} {why}")));
    if uri.is_empty() {
        return bad("is empty");
    }
    if uri.len() > 1024 {
        return bad("is longer than 1024 bytes");
    }
    if uri.chars().any(|c| c.is_control()) {
        return bad("holds control characters");
    }
    if uri.starts_with('/')
        || uri.contains("://")
        || uri.contains('?')
        || uri.contains('#')
        || uri.contains('\\')
    {
        return bad("is not a plain relative path");
    }
    if uri
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return bad("has an empty, '.' or '..' segment");
    }
    Ok(())
}

fn malformed(m: String) -> Error {
    Error::MalformedPlaylist(m)
}

/// m3u8-rs's error, cut to a line (it can quote the whole input).
fn short(e: &impl core::fmt::Display) -> String {
    let s = e.to_string();
    let line = s.lines().next().unwrap_or_default();
    line.chars().take(120).collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const FFMPEG_MASTER: &str = include_str!("../tests/fixtures/ffmpeg_master.m3u8");
    const FFMPEG_MASTER_AUDIO: &str =
        include_str!("../tests/fixtures/ffmpeg_master_audio_group.m3u8");
    const FFMPEG_MEDIA: &str = include_str!("../tests/fixtures/ffmpeg_media.m3u8");
    const MEDIALIVE_MASTER: &str = include_str!("../tests/fixtures/medialive_master.m3u8");
    const MEDIALIVE_MEDIA: &str = include_str!("../tests/fixtures/medialive_media.m3u8");

    #[test]
    fn ffmpeg_master_gives_two_muxed_video_renditions() {
        let m = parse_master(FFMPEG_MASTER.as_bytes()).unwrap();
        assert_eq!(m.renditions.len(), 2);
        let r = &m.renditions[0];
        assert_eq!(r.name, "stream_0.m3u8");
        assert_eq!(r.kind, MediaKind::Video);
        assert_eq!(r.bandwidth, 985_600);
        assert_eq!(
            r.resolution,
            Some(Resolution {
                width: 640,
                height: 360
            })
        );
        assert_eq!(r.codecs.as_deref(), Some("avc1.64001e,mp4a.40.2"));
        assert_eq!(m.renditions[1].resolution.unwrap().height, 180);
    }

    #[test]
    fn ffmpeg_audio_group_becomes_an_audio_rendition_after_the_variants() {
        let m = parse_master(FFMPEG_MASTER_AUDIO.as_bytes()).unwrap();
        let kinds: Vec<_> = m.renditions.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [MediaKind::Video, MediaKind::Video, MediaKind::Audio]
        );
        let a = &m.renditions[2];
        assert_eq!(a.name, "stream_english.m3u8");
        assert_eq!(a.group.as_deref(), Some("group_aud"));
        assert_eq!(a.language.as_deref(), Some("en"));
        assert!(a.default);
        assert_eq!(m.renditions[0].group.as_deref(), Some("group_aud"));
    }

    #[test]
    fn ffmpeg_media_reads_durations_sequence_and_its_plus0000_pdt() {
        let m = parse_media(FFMPEG_MEDIA.as_bytes()).unwrap();
        assert_eq!(m.target_duration_s, 2);
        assert_eq!(m.media_sequence, 2);
        assert!(m.ended);
        let s: Vec<_> = m
            .segments
            .iter()
            .map(|s| (s.sequence, s.uri.as_str(), s.duration_ms))
            .collect();
        assert_eq!(
            s,
            [
                (2, "stream_02.ts", 2000),
                (3, "stream_03.ts", 2000),
                (4, "stream_04.ts", 1000)
            ]
        );
        // 2026-11-21T14:28:58.792+0000
        assert_eq!(m.segments[0].program_date_time_ms, Some(1_795_271_338_792));
        assert_eq!(m.segments[1].program_date_time_ms, Some(1_795_271_340_792));
        assert_eq!(
            m.after(Some(3)).map(|s| s.sequence).collect::<Vec<_>>(),
            [4]
        );
        assert_eq!(m.after(None).count(), 3);
    }

    #[test]
    fn medialive_shaped_playlists_parse_with_discontinuity_and_rfc3339_pdt() {
        let m = parse_master(MEDIALIVE_MASTER.as_bytes()).unwrap();
        assert_eq!(m.renditions.len(), 3);
        assert_eq!(m.renditions[0].average_bandwidth, Some(4_800_000));
        assert_eq!(m.renditions[0].frame_rate, Some(29.97));
        let media = parse_media(MEDIALIVE_MEDIA.as_bytes()).unwrap();
        assert_eq!(media.media_sequence, 1_041);
        assert_eq!(media.discontinuity_sequence, 0);
        assert!(!media.ended);
        assert_eq!(media.segments.len(), 5);
        assert_eq!(media.segments[0].duration_ms, 6006);
        assert!(media.segments[3].discontinuity);
        assert!(
            media
                .segments
                .iter()
                .all(|s| s.program_date_time_ms.is_some())
        );
        assert_eq!(
            media.segments[1].program_date_time_ms,
            Some(1_795_000_006_006)
        );
    }

    fn err(text: &str) -> String {
        match parse(text.as_bytes()) {
            Err(Error::MalformedPlaylist(m)) => m,
            other => panic!("expected MalformedPlaylist for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn malformed_ingest_gets_a_clear_error() {
        assert!(err("").contains("#EXTM3U"));
        assert!(err("hello\n").contains("#EXTM3U"));
        assert!(err("<html></html>").contains("#EXTM3U"));
        let media = |body: &str| {
            format!("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:7\n{body}")
        };
        assert!(err(&media("#EXTINF:0,\na.ts\n")).contains("segment 7 (a.ts): #EXTINF duration 0"));
        assert!(err(&media("#EXTINF:-2,\na.ts\n")).contains("duration"));
        assert!(err(&media("#EXTINF:99999,\na.ts\n")).contains("duration"));
        assert!(err(&media("#EXTINF:6,\n../../etc/passwd\n")).contains("'..'"));
        assert!(err(&media("#EXTINF:6,\nhttp://evil/a.ts\n")).contains("relative"));
        assert!(err(&media("#EXTINF:6,\n/abs.ts\n")).contains("relative"));
        assert!(err(&media("#EXTINF:6,\na.ts?x=1\n")).contains("relative"));
        assert!(
            err(&media(
                "#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:6,\na.ts\n"
            ))
            .contains("encrypted")
        );
        assert!(err(&media("#EXT-X-BYTERANGE:100@0\n#EXTINF:6,\na.ts\n")).contains("byte-range"));
        assert!(err(&media("#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6,\na.m4s\n")).contains("fMP4"));
        assert!(
            err(&media(
                "#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:6,\na.ts\n"
            ))
            .contains("date-time")
        );
        assert!(
            err("#EXTM3U\n#EXT-X-TARGETDURATION:0\n#EXTINF:6,\na.ts\n").contains("TARGETDURATION")
        );
        assert!(err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=0\na.m3u8\n").contains("BANDWIDTH"));
        assert!(err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5\n../a.m3u8\n").contains("'..'"));
        let big = format!("#EXTM3U\n{}", "#".repeat(MAX_PLAYLIST_BYTES));
        assert!(err(&big).contains("larger"));
    }

    #[test]
    fn the_wrong_kind_of_playlist_is_an_error() {
        assert!(parse_media(FFMPEG_MASTER.as_bytes()).is_err());
        assert!(parse_master(FFMPEG_MEDIA.as_bytes()).is_err());
    }

    #[test]
    fn an_empty_live_media_playlist_is_not_an_error() {
        let m =
            parse_media(b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n").unwrap();
        assert!(m.segments.is_empty());
    }
}
