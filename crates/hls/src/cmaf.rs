//! CMAF (fragmented MP4) outputs of the same index: the URL layout shared
//! by CMAF HLS and DASH endpoints, the media timeline of a rendition, and
//! the CMAF HLS master and media playlists.
//!
//! Each ingest rendition (TS, video with muxed audio or audio alone) is
//! remuxed into one CMAF track per kind, so URLs name the rendition *and*
//! the track (`v` or `a`):
//!
//! | path (after `/out/v1/<endpoint>/`) | what |
//! |---|---|
//! | `<manifest>.m3u8` | CMAF HLS master playlist (one per HLS manifest) |
//! | `<manifest>_<n>_<t>.m3u8` | media playlist of track `t` of rendition `n` |
//! | `<manifest>.mpd` | DASH MPD |
//! | `<prefix>_<n>_<t>_init.mp4` | init segment of that track |
//! | `<prefix>_<n>_<t>_<number>.m4s` | output segment `number` of that track |
//! | `<prefix>_<n>_<t>_t<time>.m4s` | the output segment starting at media time `time` (DASH `$Time$`) |
//!
//! Output segments are the HLS endpoints' ([`window`], combining and
//! numbering included); one fragment per input segment. Media times are
//! 90 kHz ticks of the wall clock since the Unix epoch: a segment starts at
//! its program date time ([`media_times`]), and the packager shifts each
//! remuxed fragment's `tfdt` there (one offset for all tracks of a segment,
//! so audio stays in sync). The timeline is therefore stable while segments
//! expire, rises across encoder restarts and PTS wraps, and `$Time$` URLs
//! name the same fragment for as long as it is retained.

use crate::endpoint::HlsEndpoint;
use crate::filter::{admit_rendition, select_renditions};
use crate::media::{Layout, render_with};
use crate::model::{Channel, MediaKind, Resolution, SegmentIndex};
use crate::query::Request;
use crate::text::{push_clean, push_u64};
use crate::window::window;
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;

/// The media timescale of every CMAF timeline (MPEG-TS's clock).
pub const TIMESCALE: u64 = 90_000;

/// One track of a remuxed rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Track {
    /// The video track (`v`).
    Video,
    /// The audio track (`a`).
    Audio,
}

impl Track {
    /// Its letter in URLs.
    pub fn letter(self) -> char {
        match self {
            Track::Video => 'v',
            Track::Audio => 'a',
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "v" => Some(Track::Video),
            "a" => Some(Track::Audio),
            _ => None,
        }
    }
}

/// What a remux of one of a rendition's segments says about one track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// Video or audio.
    pub track: Track,
    /// RFC 6381 codec string (`avc1.64001F`, `mp4a.40.2`).
    pub codec: String,
    /// Video: picture size.
    pub resolution: Option<Resolution>,
    /// Audio: sampling rate, Hz.
    pub sample_rate: Option<u32>,
    /// Audio: channel configuration.
    pub channels: Option<u8>,
}

/// What a CMAF/DASH playback path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmp4Target {
    /// The DASH MPD.
    Mpd,
    /// CMAF HLS master playlist of HLS manifest number `0` (0-based).
    Master(usize),
    /// A CMAF HLS media playlist (of manifest `manifest`, 0-based).
    Media {
        /// 0-based HLS manifest.
        manifest: usize,
        /// 1-based rendition.
        rendition: u32,
        /// Which track.
        track: Track,
    },
    /// An init segment.
    Init {
        /// 1-based rendition.
        rendition: u32,
        /// Which track.
        track: Track,
    },
    /// Output segment `number`.
    Segment {
        /// 1-based rendition.
        rendition: u32,
        /// Which track.
        track: Track,
        /// Output number.
        number: u64,
    },
    /// The output segment that starts at media time `time` (90 kHz).
    SegmentAt {
        /// 1-based rendition.
        rendition: u32,
        /// Which track.
        track: Track,
        /// Media time.
        time: u64,
    },
}

/// Parses `path` for a DASH endpoint (`mpd` its manifest name) or a CMAF
/// one (`hls` its HLS manifests' names); `prefix` names segments. `None`
/// when it names nothing. Numbers must be canonical decimals.
pub fn route_fmp4(mpd: Option<&str>, hls: &[&str], prefix: &str, path: &str) -> Option<Fmp4Target> {
    if let Some(name) = mpd
        && path.strip_prefix(name) == Some(".mpd")
    {
        return Some(Fmp4Target::Mpd);
    }
    for (i, name) in hls.iter().enumerate() {
        let Some(rest) = path.strip_prefix(name) else {
            continue;
        };
        if rest == ".m3u8" {
            return Some(Fmp4Target::Master(i));
        }
        if let Some(media) = rest.strip_prefix('_').and_then(|r| r.strip_suffix(".m3u8"))
            && let Some((n, t)) = media.split_once('_')
            && let (Some(rendition), Some(track)) = (rendition_number(n), Track::parse(t))
        {
            return Some(Fmp4Target::Media {
                manifest: i,
                rendition,
                track,
            });
        }
    }
    let rest = path.strip_prefix(prefix)?.strip_prefix('_')?;
    let mut parts = rest.splitn(3, '_');
    let rendition = rendition_number(parts.next()?)?;
    let track = Track::parse(parts.next()?)?;
    let last = parts.next()?;
    if last == "init.mp4" {
        return Some(Fmp4Target::Init { rendition, track });
    }
    let stem = last.strip_suffix(".m4s")?;
    if let Some(time) = stem.strip_prefix('t') {
        return Some(Fmp4Target::SegmentAt {
            rendition,
            track,
            time: number(time)?,
        });
    }
    Some(Fmp4Target::Segment {
        rendition,
        track,
        number: number(stem)?,
    })
}

fn number(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

fn rendition_number(s: &str) -> Option<u32> {
    u32::try_from(number(s)?).ok().filter(|&r| r > 0)
}

/// Appends `<prefix>_<n>_<t>_`.
pub(crate) fn push_track_prefix(out: &mut String, prefix: &str, rendition: u32, track: Track) {
    out.push_str(prefix);
    out.push('_');
    push_u64(out, rendition.into());
    out.push('_');
    out.push(track.letter());
    out.push('_');
}

/// The 90 kHz media time at which each retained segment of `index` starts:
/// its program date time in ticks since the Unix epoch (never decreasing
/// along the index, the same on every call).
pub fn media_times(index: &SegmentIndex) -> Vec<u64> {
    index
        .segments()
        .iter()
        .map(|s| media_time_of_ms(s.program_date_time_ms))
        .collect()
}

/// Epoch milliseconds as 90 kHz media time (0 before the epoch).
pub fn media_time_of_ms(epoch_ms: i64) -> u64 {
    u64::try_from(epoch_ms).unwrap_or(0) * (TIMESCALE / 1000)
}

/// The output segment of `index` (combined `k` at a time) that starts at
/// media time `time`: its number. [`Error::SegmentUnavailable`] when none does.
pub fn number_at_time(
    index: &SegmentIndex,
    endpoint: &HlsEndpoint,
    time: u64,
    now_ms: i64,
) -> Result<u64> {
    let times = media_times(index);
    let w = window(
        index,
        &HlsEndpoint {
            // Every retained segment: a $Time$ URL stays valid while retained.
            playlist_window_s: u32::MAX / 1000,
            time_delay_s: 0,
            ..endpoint.clone()
        },
        &Request::default(),
        now_ms,
    )?;
    w.segments
        .iter()
        .find(|o| times.get(o.inputs.start) == Some(&time))
        .map(|o| o.number)
        .ok_or(Error::SegmentUnavailable)
}

/// The CMAF HLS master playlist of `channel` for `request` on `endpoint`
/// (`manifest_name` the HLS manifest's, which names its media playlists).
/// `tracks[i]` are rendition `i + 1`'s tracks (empty while unknown: the
/// rendition is left out). Video tracks become variants whose `CODECS`
/// name the video and the audio codec; the audio track of the first audio
/// rendition (or, without one, of the first video rendition that muxes
/// audio) is the `#EXT-X-MEDIA` audio group they play with.
pub fn cmaf_master_playlist(
    channel: &Channel,
    tracks: &[Vec<TrackInfo>],
    endpoint: &HlsEndpoint,
    manifest_name: &str,
    request: &Request,
) -> Result<String> {
    let rs = &channel.renditions;
    let chosen = select_renditions(rs, &endpoint.stream_selection, &request.filter)?;
    let track_of = |i: usize, t: Track| {
        tracks
            .get(i)
            .and_then(|ts| ts.iter().find(|x| x.track == t))
    };
    let audio = chosen
        .iter()
        .copied()
        .find(|&i| rs[i].kind == MediaKind::Audio && track_of(i, Track::Audio).is_some())
        .or_else(|| {
            chosen
                .iter()
                .copied()
                .find(|&i| track_of(i, Track::Audio).is_some())
        });
    let video: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| rs[i].kind == MediaKind::Video && track_of(i, Track::Video).is_some())
        .collect();
    if video.is_empty() && audio.is_none() {
        return Err(Error::NoMatchingStreams);
    }
    let mut out = String::with_capacity(256 + video.len() * 200);
    out.push_str("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    let query = |out: &mut String| {
        if !request.query.is_empty() {
            out.push('?');
            push_clean(out, &request.query);
        }
    };
    let media_uri = |out: &mut String, i: usize, t: Track| {
        out.push_str(manifest_name);
        out.push('_');
        push_u64(out, i as u64 + 1);
        out.push('_');
        out.push(t.letter());
        out.push_str(".m3u8");
        query(out);
    };
    let audio_codec = audio
        .and_then(|a| track_of(a, Track::Audio))
        .map(|t| &t.codec);
    if let Some(a) = audio
        && !video.is_empty()
    {
        let r = &rs[a];
        out.push_str("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"");
        match (&r.title, &r.language) {
            (Some(t), _) => push_clean(&mut out, t),
            (None, Some(l)) => push_clean(&mut out, l),
            (None, None) => out.push_str("audio"),
        }
        out.push('"');
        if let Some(lang) = &r.language {
            out.push_str(",LANGUAGE=\"");
            push_clean(&mut out, lang);
            out.push('"');
        }
        if let Some(ch) = track_of(a, Track::Audio).and_then(|t| t.channels) {
            out.push_str(",CHANNELS=\"");
            push_u64(&mut out, ch.into());
            out.push('"');
        }
        out.push_str(",DEFAULT=YES,AUTOSELECT=YES,URI=\"");
        media_uri(&mut out, a, Track::Audio);
        out.push_str("\"\n");
    }
    for &i in &video {
        let r = &rs[i];
        let Some(v) = track_of(i, Track::Video) else {
            continue;
        };
        out.push_str("#EXT-X-STREAM-INF:BANDWIDTH=");
        push_u64(&mut out, r.bandwidth.max(1));
        if let Some(avg) = r.average_bandwidth {
            out.push_str(",AVERAGE-BANDWIDTH=");
            push_u64(&mut out, avg);
        }
        if let Some(res) = v.resolution.or(r.resolution) {
            out.push_str(",RESOLUTION=");
            push_u64(&mut out, res.width.into());
            out.push('x');
            push_u64(&mut out, res.height.into());
        }
        if let Some(fps) = r.frame_rate.filter(|f| f.is_finite() && *f > 0.0) {
            out.push_str(",FRAME-RATE=");
            crate::text::push_seconds_ms(&mut out, (fps * 1000.0 + 0.5) as u64);
        }
        out.push_str(",CODECS=\"");
        push_clean(&mut out, &v.codec);
        if let Some(c) = audio_codec {
            out.push(',');
            push_clean(&mut out, c);
        }
        out.push('"');
        if audio.is_some() {
            out.push_str(",AUDIO=\"audio\"");
        }
        out.push('\n');
        media_uri(&mut out, i, Track::Video);
        out.push('\n');
    }
    if video.is_empty()
        && let (Some(a), Some(c)) = (audio, audio_codec)
    {
        // An audio-only channel: the audio track is the variant.
        out.push_str("#EXT-X-STREAM-INF:BANDWIDTH=");
        push_u64(&mut out, rs[a].bandwidth.max(1));
        out.push_str(",CODECS=\"");
        push_clean(&mut out, c);
        out.push_str("\"\n");
        media_uri(&mut out, a, Track::Audio);
        out.push('\n');
    }
    Ok(out)
}

/// The CMAF HLS media playlist of `track` of rendition `rendition`
/// (1-based): the HLS endpoint's window, combining, program date times and
/// discontinuities, with `#EXT-X-VERSION:7`, `#EXT-X-MAP` naming the init
/// segment and `.m4s` segments under `prefix`.
pub fn cmaf_media_playlist(
    channel: &Channel,
    index: &SegmentIndex,
    (rendition, track): (u32, Track),
    endpoint: &HlsEndpoint,
    prefix: &str,
    request: &Request,
    now_ms: i64,
) -> Result<String> {
    admit_rendition(channel, rendition, endpoint, request)?;
    let w = window(index, endpoint, request, now_ms)?;
    let mut seg = String::with_capacity(prefix.len() + 12);
    push_track_prefix(&mut seg, prefix, rendition, track);
    let mut map = seg.clone();
    map.push_str("init.mp4");
    Ok(render_with(
        &w,
        endpoint,
        &Layout {
            version: 7,
            map: Some(&map),
            prefix: &seg,
            suffix: ".m4s",
        },
    ))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::model::{Rendition, Segment};
    use alloc::format;
    use alloc::vec;

    fn index(n: u64, pts0: u64) -> SegmentIndex {
        let mut ix = SegmentIndex::new(2);
        for s in 0..n {
            ix.push(Segment {
                sequence: s,
                duration_ms: 2000,
                program_date_time_ms: 1_800_000_000_000 + s as i64 * 2000,
                pts: Some((pts0 + s * 180_000) & ((1 << 33) - 1)),
                discontinuity: false,
                key: format!("k{s}"),
            })
            .unwrap();
        }
        ix
    }

    #[test]
    fn every_layout_path_routes_and_nothing_else_does() {
        let r = |p| route_fmp4(Some("index"), &["main", "alt"], "seg", p);
        assert_eq!(r("index.mpd"), Some(Fmp4Target::Mpd));
        assert_eq!(r("alt.m3u8"), Some(Fmp4Target::Master(1)));
        assert_eq!(
            r("main_2_a.m3u8"),
            Some(Fmp4Target::Media {
                manifest: 0,
                rendition: 2,
                track: Track::Audio
            })
        );
        assert_eq!(
            r("seg_1_v_init.mp4"),
            Some(Fmp4Target::Init {
                rendition: 1,
                track: Track::Video
            })
        );
        assert_eq!(
            r("seg_1_v_42.m4s"),
            Some(Fmp4Target::Segment {
                rendition: 1,
                track: Track::Video,
                number: 42
            })
        );
        assert_eq!(
            r("seg_3_a_t900000.m4s"),
            Some(Fmp4Target::SegmentAt {
                rendition: 3,
                track: Track::Audio,
                time: 900_000
            })
        );
        for bad in [
            "index.m3u8",
            "seg_0_v_1.m4s",
            "seg_1_x_1.m4s",
            "seg_1_v_01.m4s",
            "seg_1_v_1.ts",
            "seg_1_v_t.m4s",
            "main_1.m3u8",
            "main_1_v_2.m3u8",
            "other.mpd",
        ] {
            assert_eq!(r(bad), None, "{bad}");
        }
    }

    #[test]
    fn media_times_are_program_date_times_whatever_the_pts_does() {
        // The PTS wraps past 2^33 in the middle: the timeline does not care.
        let ix = index(5, (1 << 33) - 200_000);
        let t = media_times(&ix);
        assert_eq!(t[0], 1_800_000_000_000 * 90);
        for w in t.windows(2) {
            assert_eq!(w[1] - w[0], 180_000);
        }
    }

    #[test]
    fn a_time_names_the_output_segment_starting_there() {
        let ix = index(10, 900_000);
        let e = HlsEndpoint {
            segment_duration_s: 4,
            ..HlsEndpoint::default()
        };
        // k = 2: output n holds inputs 2n, 2n+1.
        let t0 = media_time_of_ms(1_800_000_000_000);
        assert_eq!(number_at_time(&ix, &e, t0 + 4 * 180_000, 0), Ok(2));
        assert_eq!(
            number_at_time(&ix, &e, t0 + 180_000, 0),
            Err(Error::SegmentUnavailable)
        );
    }

    fn channel() -> (Channel, Vec<Vec<TrackInfo>>) {
        let mut hi = Rendition::new("hi.m3u8", MediaKind::Video, 2_000_000);
        hi.frame_rate = Some(25.0);
        let lo = Rendition::new("lo.m3u8", MediaKind::Video, 600_000);
        let v = |w, h| TrackInfo {
            track: Track::Video,
            codec: "avc1.64001F".into(),
            resolution: Some(Resolution {
                width: w,
                height: h,
            }),
            sample_rate: None,
            channels: None,
        };
        let a = TrackInfo {
            track: Track::Audio,
            codec: "mp4a.40.2".into(),
            resolution: None,
            sample_rate: Some(48_000),
            channels: Some(2),
        };
        (
            Channel {
                renditions: vec![hi, lo],
            },
            vec![vec![v(1280, 720), a.clone()], vec![v(640, 360), a]],
        )
    }

    #[test]
    fn the_master_names_codecs_and_one_audio_group() {
        let (ch, tracks) = channel();
        let text = cmaf_master_playlist(
            &ch,
            &tracks,
            &HlsEndpoint::default(),
            "main",
            &Request::parse("token=x").unwrap(),
        )
        .unwrap();
        let m3u8_rs::Playlist::MasterPlaylist(m) =
            m3u8_rs::parse_playlist_res(text.as_bytes()).unwrap()
        else {
            panic!("not a master playlist: {text}");
        };
        assert_eq!(m.version, Some(7));
        assert_eq!(m.variants.len(), 2);
        assert_eq!(m.variants[0].uri, "main_1_v.m3u8?token=x");
        assert_eq!(m.variants[1].uri, "main_2_v.m3u8?token=x");
        assert_eq!(
            m.variants[0].codecs.as_deref(),
            Some("avc1.64001F,mp4a.40.2")
        );
        assert_eq!(m.variants[0].audio.as_deref(), Some("audio"));
        assert_eq!(m.variants[1].resolution.unwrap().height, 360);
        assert_eq!(m.alternatives.len(), 1);
        assert_eq!(
            m.alternatives[0].uri.as_deref(),
            Some("main_1_a.m3u8?token=x")
        );
        assert_eq!(m.alternatives[0].channels.as_deref(), Some("2"));
        // Renditions whose tracks are not known yet are left out.
        let none = cmaf_master_playlist(
            &ch,
            &[vec![], vec![]],
            &HlsEndpoint::default(),
            "main",
            &Request::default(),
        );
        assert_eq!(none, Err(Error::NoMatchingStreams));
    }

    #[test]
    fn media_playlists_map_the_init_segment_and_list_m4s() {
        let (ch, _) = channel();
        let ix = index(30, 900_000);
        let e = HlsEndpoint {
            playlist_window_s: 10,
            segment_duration_s: 2,
            ..HlsEndpoint::default()
        };
        let text = cmaf_media_playlist(
            &ch,
            &ix,
            (2, Track::Audio),
            &e,
            "seg",
            &Request::default(),
            1_800_000_000_000 + 60_000,
        )
        .unwrap();
        let m3u8_rs::Playlist::MediaPlaylist(m) =
            m3u8_rs::parse_playlist_res(text.as_bytes()).unwrap()
        else {
            panic!("not a media playlist: {text}");
        };
        assert_eq!(m.version, Some(7));
        assert_eq!(m.media_sequence, 25);
        assert_eq!(m.segments.len(), 5);
        assert_eq!(m.segments[0].uri, "seg_2_a_25.m4s");
        assert_eq!(
            m.segments[0].map.as_ref().map(|x| x.uri.as_str()),
            Some("seg_2_a_init.mp4")
        );
        assert!(
            cmaf_media_playlist(
                &ch,
                &ix,
                (3, Track::Video),
                &e,
                "seg",
                &Request::default(),
                0
            )
            .is_err()
        );
    }
}
