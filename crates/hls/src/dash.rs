//! Dynamic DASH MPDs over the same index, windows and numbering as the HLS
//! endpoints ([`window`]), for the CMAF tracks of [`crate::cmaf`].
//!
//! - One `Period` (`id="0"`, `start="PT0S"`) on a 90 kHz media timeline
//!   locked to the wall clock: a segment's media time `t` is its program
//!   date time in ticks since the Unix epoch ([`media_times`]), so
//!   `availabilityStartTime` is the epoch (`1970-01-01T00:00:00Z`) and does
//!   not move between updates, nor across encoder restarts.
//! - Video renditions are the `Representation`s of one video
//!   `AdaptationSet` (`StreamSelection` order, filters applied); the audio
//!   track of the first audio rendition (or of the first video rendition
//!   that muxes audio) is the audio `AdaptationSet`.
//! - Each `Representation` carries its own `SegmentTemplate` (renditions
//!   are ingested separately, so their timelines may differ by a segment):
//!   `SegmentTimeline` with `$Number$` or `$Time$`, or `duration` with
//!   `$Number$` ([`duration_origin`]: `presentationTimeOffset` and
//!   `startNumber` put the numbers at their real media times).
//! - A time-shifted request whose end has passed is a `static` MPD with a
//!   `mediaPresentationDuration`.

use crate::cmaf::{TIMESCALE, Track, TrackInfo, media_times, push_track_prefix};
use crate::endpoint::HlsEndpoint;
use crate::filter::select_renditions;
use crate::model::{Channel, MediaKind, Rendition, SegmentIndex};
use crate::query::Request;
use crate::text::push_u64;
use crate::time::push_rfc3339_ms;
use crate::window::{Window, window};
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Reverse;

/// `SegmentTemplateFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TemplateFormat {
    /// `NUMBER_WITH_TIMELINE`: `SegmentTimeline`, `$Number$`.
    #[default]
    NumberWithTimeline,
    /// `TIME_WITH_TIMELINE`: `SegmentTimeline`, `$Time$`.
    TimeWithTimeline,
    /// `NUMBER_WITH_DURATION`: `duration`, `$Number$`.
    NumberWithDuration,
}

/// `UtcTiming` (other than `NONE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtcScheme {
    /// `HTTP-HEAD`: the `Date` header of a HEAD.
    HttpHead,
    /// `HTTP-ISO`: an ISO 8601 body.
    HttpIso,
    /// `HTTP-XSDATE`: an xs:dateTime body.
    HttpXsdate,
}

impl UtcScheme {
    fn uri(self) -> &'static str {
        match self {
            UtcScheme::HttpHead => "urn:mpeg:dash:utc:http-head:2014",
            UtcScheme::HttpIso => "urn:mpeg:dash:utc:http-iso:2014",
            UtcScheme::HttpXsdate => "urn:mpeg:dash:utc:http-xsdate:2014",
        }
    }
}

/// The DASH-only settings of a `DashPackage` (the window, segment
/// duration, delay, startover and selection are in the [`HlsEndpoint`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DashSettings {
    /// `minBufferTime`, seconds.
    pub min_buffer_time_s: u32,
    /// `minimumUpdatePeriod`, seconds.
    pub min_update_period_s: u32,
    /// `suggestedPresentationDelay`, seconds.
    pub suggested_presentation_delay_s: u32,
    /// Addressing.
    pub template: TemplateFormat,
    /// `UTCTiming` scheme and value.
    pub utc_timing: Option<(UtcScheme, String)>,
}

/// One rendition's input to the MPD.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Its retained segments.
    pub index: &'a SegmentIndex,
    /// Its tracks (empty while unknown: the rendition is left out).
    pub tracks: &'a [TrackInfo],
}

/// One representation, computed.
struct Rep<'a> {
    rendition: u32,
    track: &'a TrackInfo,
    r: &'a Rendition,
    window: Window,
    times: Vec<u64>,
    index: &'a SegmentIndex,
}

/// The MPD of `channel` (`sources[i]` is rendition `i + 1`) for `request`
/// on `endpoint` at `now_ms`; segments are named under `prefix`.
/// [`Error::NoMatchingStreams`] when selection and filter leave nothing,
/// [`Error::SegmentUnavailable`] while no representation has a segment.
pub fn dash_manifest(
    channel: &Channel,
    sources: &[Source<'_>],
    endpoint: &HlsEndpoint,
    settings: &DashSettings,
    prefix: &str,
    request: &Request,
    now_ms: i64,
) -> Result<String> {
    let rs = &channel.renditions;
    let chosen = select_renditions(rs, &endpoint.stream_selection, &request.filter)?;
    let track_of = |i: usize, t: Track| {
        sources
            .get(i)
            .and_then(|s| s.tracks.iter().find(|x| x.track == t))
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
    let mut video = Vec::new();
    let mut audio_rep = None;
    let windows = |i: usize, t: Track| -> Result<Option<Rep<'_>>> {
        let (Some(track), Some(src)) = (track_of(i, t), sources.get(i)) else {
            return Ok(None);
        };
        let w = window(src.index, endpoint, request, now_ms)?;
        if w.segments.is_empty() {
            return Ok(None);
        }
        Ok(Some(Rep {
            rendition: u32::try_from(i + 1).unwrap_or(u32::MAX),
            track,
            r: &rs[i],
            window: w,
            times: media_times(src.index),
            index: src.index,
        }))
    };
    for &i in &chosen {
        if rs[i].kind == MediaKind::Video
            && let Some(rep) = windows(i, Track::Video)?
        {
            video.push(rep);
        }
    }
    if let Some(a) = audio {
        audio_rep = windows(a, Track::Audio)?;
    }
    let Some(first) = video.first().or(audio_rep.as_ref()) else {
        return Err(Error::SegmentUnavailable);
    };
    // Presentation time 0 (the period start, at availabilityStartTime) is
    // media time `origin` of the first representation.
    let s0 = &first.window.segments[0];
    let t0 = first.times[s0.inputs.start];
    let origin = match settings.template {
        TemplateFormat::NumberWithDuration => duration_origin(first, endpoint).1,
        _ => 0,
    };
    let ast_ms = s0.program_date_time_ms - ms_of(t0.saturating_sub(origin));
    let ended = video
        .iter()
        .chain(audio_rep.as_ref())
        .all(|r| r.window.ended);
    // A static (ended time-shift) MPD presents from its first segment:
    // presentationTimeOffset there, so players start at 0, not at the epoch.
    let pto = if ended {
        video
            .iter()
            .chain(audio_rep.as_ref())
            .map(|r| Reverse(r.times[r.window.segments[0].inputs.start]))
            .max()
            .map_or(0, |Reverse(t)| t)
    } else {
        0
    };

    let mut out = String::with_capacity(1024 + 256 * (video.len() + 1));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" \
         profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"",
    );
    if ended {
        let end = video
            .iter()
            .chain(audio_rep.as_ref())
            .filter_map(|r| r.window.segments.last().map(|s| (r, s)))
            .map(|(r, s)| r.times[s.inputs.start] + s.duration_ms * TIMESCALE / 1000)
            .max()
            .unwrap_or(0);
        out.push_str(" type=\"static\" mediaPresentationDuration=\"");
        push_duration_ms(
            &mut out,
            ms_of(end.saturating_sub(origin.max(pto))).unsigned_abs(),
        );
        out.push('"');
    } else {
        out.push_str(" type=\"dynamic\" minimumUpdatePeriod=\"");
        push_duration_ms(&mut out, u64::from(settings.min_update_period_s) * 1000);
        out.push_str("\" timeShiftBufferDepth=\"");
        let window_s = request
            .manifest_window_s
            .map_or(endpoint.playlist_window_s, |w| {
                w.min(endpoint.playlist_window_s)
            });
        push_duration_ms(&mut out, u64::from(window_s) * 1000);
        out.push_str("\" suggestedPresentationDelay=\"");
        push_duration_ms(
            &mut out,
            u64::from(settings.suggested_presentation_delay_s) * 1000,
        );
        out.push('"');
    }
    out.push_str(" availabilityStartTime=\"");
    push_rfc3339_ms(&mut out, ast_ms);
    out.push_str("\" publishTime=\"");
    push_rfc3339_ms(&mut out, now_ms);
    out.push_str("\" minBufferTime=\"");
    push_duration_ms(&mut out, u64::from(settings.min_buffer_time_s) * 1000);
    out.push_str("\">\n<Period id=\"0\" start=\"PT0S\">\n");
    let template = |out: &mut String, rep: &Rep<'_>| {
        template(out, rep, endpoint, settings, prefix, pto);
    };
    if !video.is_empty() {
        out.push_str(
            "<AdaptationSet id=\"1\" contentType=\"video\" mimeType=\"video/mp4\" \
             segmentAlignment=\"true\" startWithSAP=\"1\">\n",
        );
        for rep in &video {
            out.push_str("<Representation id=\"");
            push_rep_id(&mut out, rep);
            out.push_str("\" bandwidth=\"");
            push_u64(&mut out, rep.r.bandwidth.max(1));
            out.push_str("\" codecs=\"");
            push_xml(&mut out, &rep.track.codec);
            out.push('"');
            if let Some(res) = rep.track.resolution.or(rep.r.resolution) {
                out.push_str(" width=\"");
                push_u64(&mut out, res.width.into());
                out.push_str("\" height=\"");
                push_u64(&mut out, res.height.into());
                out.push('"');
            }
            if let Some(fps) = rep.r.frame_rate.filter(|f| f.is_finite() && *f > 0.0) {
                // Integer rates as such, others as a fraction of 1000.
                out.push_str(" frameRate=\"");
                let milli = (fps * 1000.0 + 0.5) as u64;
                push_u64(
                    &mut out,
                    if milli.is_multiple_of(1000) {
                        milli / 1000
                    } else {
                        milli
                    },
                );
                if !milli.is_multiple_of(1000) {
                    out.push_str("/1000");
                }
                out.push('"');
            }
            out.push_str(">\n");
            template(&mut out, rep);
            out.push_str("</Representation>\n");
        }
        out.push_str("</AdaptationSet>\n");
    }
    if let Some(rep) = &audio_rep {
        out.push_str(
            "<AdaptationSet id=\"2\" contentType=\"audio\" mimeType=\"audio/mp4\" \
             segmentAlignment=\"true\" startWithSAP=\"1\"",
        );
        if let Some(lang) = &rep.r.language {
            out.push_str(" lang=\"");
            push_xml(&mut out, lang);
            out.push('"');
        }
        out.push_str(">\n<Representation id=\"");
        push_rep_id(&mut out, rep);
        out.push_str("\" bandwidth=\"");
        // An audio track muxed into a video rendition has no bitrate of its
        // own in the ingest master playlist.
        let bandwidth = if rep.r.kind == MediaKind::Audio {
            rep.r.bandwidth
        } else {
            0
        };
        push_u64(&mut out, bandwidth.max(AUDIO_BANDWIDTH_UNKNOWN));
        out.push_str("\" codecs=\"");
        push_xml(&mut out, &rep.track.codec);
        out.push('"');
        if let Some(rate) = rep.track.sample_rate {
            out.push_str(" audioSamplingRate=\"");
            push_u64(&mut out, rate.into());
            out.push('"');
        }
        out.push_str(">\n");
        if let Some(ch) = rep.track.channels {
            out.push_str(
                "<AudioChannelConfiguration \
                 schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"",
            );
            push_u64(&mut out, ch.into());
            out.push_str("\"/>\n");
        }
        template(&mut out, rep);
        out.push_str("</Representation>\n</AdaptationSet>\n");
    }
    out.push_str("</Period>\n");
    if let Some((scheme, value)) = &settings.utc_timing {
        out.push_str("<UTCTiming schemeIdUri=\"");
        out.push_str(scheme.uri());
        out.push_str("\" value=\"");
        push_xml(&mut out, value);
        out.push_str("\"/>\n");
    }
    out.push_str("</MPD>\n");
    Ok(out)
}

/// The `bandwidth` of an audio representation whose bitrate is not known
/// (DASH requires one): a typical AAC stereo rate, a hint for players only.
pub const AUDIO_BANDWIDTH_UNKNOWN: u64 = 128_000;

fn push_rep_id(out: &mut String, rep: &Rep<'_>) {
    push_u64(out, rep.rendition.into());
    out.push('_');
    out.push(rep.track.track.letter());
}

/// `NUMBER_WITH_DURATION` addressing of `rep`: number `n` starts at media
/// time `origin + (n − start) · d`. `start` is chosen so that `origin`, the
/// `presentationTimeOffset`, lies within one `d` of the media timeline's
/// zero; both move only when the segments' real durations drift from the
/// nominal by a whole segment.
fn duration_origin(rep: &Rep<'_>, endpoint: &HlsEndpoint) -> (u64, u64) {
    let d = (u64::from(endpoint.segment_duration_s) * TIMESCALE).max(1);
    let s = &rep.window.segments[0];
    let t = rep.times[s.inputs.start];
    let start = s.number.saturating_sub(t / d);
    let origin = t - (s.number - start) * d;
    (start, origin)
}

fn template(
    out: &mut String,
    rep: &Rep<'_>,
    endpoint: &HlsEndpoint,
    settings: &DashSettings,
    prefix: &str,
    pto: u64,
) {
    let mut base = String::new();
    push_track_prefix(&mut base, prefix, rep.rendition, rep.track.track);
    out.push_str("<SegmentTemplate timescale=\"90000\" initialization=\"");
    push_xml(out, &base);
    out.push_str("init.mp4\" media=\"");
    push_xml(out, &base);
    let segs = &rep.window.segments;
    match settings.template {
        TemplateFormat::TimeWithTimeline => out.push_str("t$Time$.m4s\""),
        _ => out.push_str("$Number$.m4s\""),
    }
    if settings.template == TemplateFormat::NumberWithDuration {
        let (start, origin) = duration_origin(rep, endpoint);
        out.push_str(" startNumber=\"");
        push_u64(out, start);
        out.push_str("\" duration=\"");
        push_u64(out, u64::from(endpoint.segment_duration_s) * TIMESCALE);
        out.push_str("\" presentationTimeOffset=\"");
        push_u64(out, origin);
        out.push_str("\"/>\n");
        return;
    }
    if settings.template == TemplateFormat::NumberWithTimeline {
        out.push_str(" startNumber=\"");
        push_u64(out, segs[0].number);
        out.push('"');
    }
    if pto > 0 {
        out.push_str(" presentationTimeOffset=\"");
        push_u64(out, pto);
        out.push('"');
    }
    out.push_str(">\n<SegmentTimeline>\n");
    // (t, d) per output segment; d runs to the next segment's start unless a
    // discontinuity (or the window's end) comes first.
    let all = rep.index.segments();
    let spans: Vec<(u64, u64)> = segs
        .iter()
        .map(|s| {
            let t = rep.times[s.inputs.start];
            let by_duration = s.duration_ms * TIMESCALE / 1000;
            let d = match all.get(s.inputs.end) {
                Some(next) if !next.discontinuity => rep.times[s.inputs.end]
                    .checked_sub(t)
                    .filter(|&d| d > 0)
                    .unwrap_or(by_duration),
                _ => by_duration,
            };
            (t, d)
        })
        .collect();
    let mut i = 0;
    while i < spans.len() {
        let (t, d) = spans[i];
        let mut repeat = 0u64;
        while let Some(&(tn, dn)) = spans.get(i + 1 + repeat as usize) {
            if dn == d && tn == t + (repeat + 1) * d {
                repeat += 1;
            } else {
                break;
            }
        }
        out.push_str("<S t=\"");
        push_u64(out, t);
        out.push_str("\" d=\"");
        push_u64(out, d);
        if repeat > 0 {
            out.push_str("\" r=\"");
            push_u64(out, repeat);
        }
        out.push_str("\"/>\n");
        i += 1 + repeat as usize;
    }
    out.push_str("</SegmentTimeline>\n</SegmentTemplate>\n");
}

/// 90 kHz ticks as milliseconds.
fn ms_of(ticks: u64) -> i64 {
    i64::try_from(ticks / 90).unwrap_or(i64::MAX)
}

/// Appends an xs:duration with milliseconds (`PT1.5S`, `PT60S`).
fn push_duration_ms(out: &mut String, ms: u64) {
    out.push_str("PT");
    push_u64(out, ms / 1000);
    if !ms.is_multiple_of(1000) {
        let frac = ms % 1000;
        out.push('.');
        let digits = [frac / 100, frac / 10 % 10, frac % 10];
        let keep = if digits[2] != 0 {
            3
        } else if digits[1] != 0 {
            2
        } else {
            1
        };
        for d in &digits[..keep] {
            out.push(char::from(b'0' + *d as u8));
        }
    }
    out.push('S');
}

/// Appends `s` escaped for an XML attribute value.
fn push_xml(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::model::{Resolution, Segment};
    use alloc::format;
    use alloc::vec;

    const T0: i64 = 1_800_000_000_000;
    const PTS0: u64 = 126_000;

    /// `n` 2-second segments from `T0`, PTS from `PTS0`, the one at `gap`
    /// (if any) starting a discontinuity 10 s of media time later.
    fn index(n: u64) -> SegmentIndex {
        let mut ix = SegmentIndex::new(2);
        for s in 0..n {
            ix.push(Segment {
                sequence: s,
                duration_ms: 2000,
                program_date_time_ms: T0 + s as i64 * 2000,
                pts: Some(PTS0 + s * 180_000),
                discontinuity: false,
                key: format!("k{s}"),
            })
            .unwrap();
        }
        ix
    }

    fn tracks() -> Vec<TrackInfo> {
        vec![
            TrackInfo {
                track: Track::Video,
                codec: "avc1.64001F".into(),
                resolution: Some(Resolution {
                    width: 1280,
                    height: 720,
                }),
                sample_rate: None,
                channels: None,
            },
            TrackInfo {
                track: Track::Audio,
                codec: "mp4a.40.2".into(),
                resolution: None,
                sample_rate: Some(48_000),
                channels: Some(2),
            },
        ]
    }

    fn channel() -> Channel {
        let mut hi = Rendition::new("hi.m3u8", MediaKind::Video, 2_000_000);
        hi.frame_rate = Some(25.0);
        let lo = Rendition::new("lo.m3u8", MediaKind::Video, 600_000);
        Channel {
            renditions: vec![hi, lo],
        }
    }

    fn endpoint() -> HlsEndpoint {
        HlsEndpoint {
            playlist_window_s: 10,
            segment_duration_s: 2,
            ..HlsEndpoint::default()
        }
    }

    fn settings(template: TemplateFormat) -> DashSettings {
        DashSettings {
            min_buffer_time_s: 4,
            min_update_period_s: 2,
            suggested_presentation_delay_s: 6,
            template,
            utc_timing: Some((UtcScheme::HttpIso, "https://time.example/?iso&x=1".into())),
        }
    }

    fn render(template: TemplateFormat, request: &str, now: i64) -> Result<String> {
        let (ix, t) = (index(30), tracks());
        let sources = [
            Source {
                index: &ix,
                tracks: &t,
            },
            Source {
                index: &ix,
                tracks: &t,
            },
        ];
        dash_manifest(
            &channel(),
            &sources,
            &endpoint(),
            &settings(template),
            "index",
            &Request::parse(request).unwrap(),
            now,
        )
    }

    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Vec<roxmltree::Node<'a, 'i>> {
        n.children().filter(|c| c.has_tag_name(name)).collect()
    }

    fn secs(d: &str) -> f64 {
        d.strip_prefix("PT")
            .and_then(|d| d.strip_suffix('S'))
            .unwrap()
            .parse()
            .unwrap()
    }

    #[test]
    fn a_live_mpd_has_the_dash_settings_and_a_timeline_per_representation() {
        let now = T0 + 60_000;
        let text = render(TemplateFormat::NumberWithTimeline, "", now).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let mpd = doc.root_element();
        assert_eq!(mpd.tag_name().name(), "MPD");
        assert_eq!(mpd.attribute("type"), Some("dynamic"));
        assert_eq!(secs(mpd.attribute("minimumUpdatePeriod").unwrap()), 2.0);
        assert_eq!(secs(mpd.attribute("timeShiftBufferDepth").unwrap()), 10.0);
        assert_eq!(
            secs(mpd.attribute("suggestedPresentationDelay").unwrap()),
            6.0
        );
        assert_eq!(secs(mpd.attribute("minBufferTime").unwrap()), 4.0);
        assert_eq!(
            mpd.attribute("publishTime"),
            Some(crate::time::rfc3339_ms(now).as_str())
        );
        // The timeline is the wall clock since the epoch.
        let ast = crate::time::parse_iso8601(mpd.attribute("availabilityStartTime").unwrap());
        assert_eq!(ast, Some(0));
        let utc = &child(mpd, "UTCTiming")[0];
        assert_eq!(
            utc.attribute("schemeIdUri"),
            Some("urn:mpeg:dash:utc:http-iso:2014")
        );
        assert_eq!(
            utc.attribute("value"),
            Some("https://time.example/?iso&x=1")
        );
        let period = &child(mpd, "Period")[0];
        let sets = child(*period, "AdaptationSet");
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].attribute("contentType"), Some("video"));
        let reps = child(sets[0], "Representation");
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[0].attribute("id"), Some("1_v"));
        assert_eq!(reps[0].attribute("codecs"), Some("avc1.64001F"));
        assert_eq!(reps[0].attribute("bandwidth"), Some("2000000"));
        assert_eq!(reps[0].attribute("width"), Some("1280"));
        assert_eq!(reps[0].attribute("frameRate"), Some("25"));
        let st = &child(reps[1], "SegmentTemplate")[0];
        assert_eq!(st.attribute("timescale"), Some("90000"));
        assert_eq!(st.attribute("initialization"), Some("index_2_v_init.mp4"));
        assert_eq!(st.attribute("media"), Some("index_2_v_$Number$.m4s"));
        assert_eq!(st.attribute("startNumber"), Some("25"));
        let s = child(child(*st, "SegmentTimeline")[0], "S");
        // Five segments of 2 s, one S with four repeats (the last one's
        // duration is its own, the same); segment 25 starts at T0 + 50 s.
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].attribute("t"),
            Some(format!("{}", (T0 + 50_000) as u64 * 90).as_str())
        );
        assert_eq!(s[0].attribute("d"), Some("180000"));
        assert_eq!(s[0].attribute("r"), Some("4"));
        let audio = child(sets[1], "Representation");
        assert_eq!(audio.len(), 1);
        assert_eq!(audio[0].attribute("id"), Some("1_a"));
        assert_eq!(audio[0].attribute("audioSamplingRate"), Some("48000"));
        assert_eq!(
            child(audio[0], "AudioChannelConfiguration")[0].attribute("value"),
            Some("2")
        );
    }

    #[test]
    fn time_addressing_names_segments_by_their_media_time() {
        let text = render(TemplateFormat::TimeWithTimeline, "", T0 + 60_000).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let st = doc
            .descendants()
            .find(|n| n.has_tag_name("SegmentTemplate"))
            .unwrap();
        assert_eq!(st.attribute("media"), Some("index_1_v_t$Time$.m4s"));
        assert_eq!(st.attribute("startNumber"), None);
        // And such a time resolves to the output segment that starts there.
        let t: u64 = doc
            .descendants()
            .find(|n| n.has_tag_name("S"))
            .and_then(|n| n.attribute("t"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            crate::cmaf::number_at_time(&index(30), &endpoint(), t, T0 + 60_000),
            Ok(25)
        );
    }

    #[test]
    fn duration_addressing_puts_each_number_at_its_wall_clock_time() {
        let now = T0 + 60_000;
        let text = render(TemplateFormat::NumberWithDuration, "", now).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let mpd = doc.root_element();
        let ast =
            crate::time::parse_iso8601(mpd.attribute("availabilityStartTime").unwrap()).unwrap();
        let st = doc
            .descendants()
            .find(|n| n.has_tag_name("SegmentTemplate"))
            .unwrap();
        assert!(
            doc.descendants()
                .all(|n| !n.has_tag_name("SegmentTimeline"))
        );
        let num = |a: &str| st.attribute(a).unwrap().parse::<u64>().unwrap();
        let (start, d, pto) = (
            num("startNumber"),
            num("duration"),
            num("presentationTimeOffset"),
        );
        assert_eq!(d, 180_000);
        // Number 27 starts at T0 + 54 s, on the wall clock and the media
        // timeline alike.
        let n = 27u64;
        assert_eq!(ast + ((n - start) * d / 90) as i64, T0 + 54_000);
        assert_eq!(pto + (n - start) * d, (T0 + 54_000) as u64 * 90);
    }

    #[test]
    fn a_passed_time_shift_is_a_static_mpd() {
        let mut e = endpoint();
        e.startover_window_s = Some(3600);
        let (ix, t) = (index(30), tracks());
        let sources = [Source {
            index: &ix,
            tracks: &t,
        }];
        let ch = Channel {
            renditions: vec![channel().renditions[0].clone()],
        };
        let q = format!(
            "start={}&end={}",
            (T0 + 10_000) / 1000,
            (T0 + 20_000) / 1000
        );
        let text = dash_manifest(
            &ch,
            &sources,
            &e,
            &settings(TemplateFormat::NumberWithTimeline),
            "index",
            &Request::parse(&q).unwrap(),
            T0 + 60_000,
        )
        .unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let mpd = doc.root_element();
        assert_eq!(mpd.attribute("type"), Some("static"));
        assert!(mpd.attribute("minimumUpdatePeriod").is_none());
        let st = doc
            .descendants()
            .find(|n| n.has_tag_name("SegmentTemplate"))
            .unwrap();
        assert_eq!(st.attribute("startNumber"), Some("5"));
        // Segments 5..=9, presented from the first of them.
        assert_eq!(
            st.attribute("presentationTimeOffset"),
            Some(format!("{}", (T0 + 10_000) as u64 * 90).as_str())
        );
        let dur = secs(mpd.attribute("mediaPresentationDuration").unwrap());
        assert!((dur - 10.0).abs() < 0.002, "{dur}");
        // Without startover the same request is refused, as for HLS.
        e.startover_window_s = None;
        let refused = dash_manifest(
            &ch,
            &sources,
            &e,
            &settings(TemplateFormat::NumberWithTimeline),
            "index",
            &Request::parse(&q).unwrap(),
            T0 + 60_000,
        );
        assert_eq!(refused, Err(Error::TimeShiftDisabled));
    }

    #[test]
    fn filters_selection_and_unknown_tracks_shape_the_sets() {
        // The filter drops the 2 Mb/s rendition.
        let text = render(
            TemplateFormat::NumberWithTimeline,
            "aws.manifestfilter=video_bitrate:0-1000000",
            T0 + 60_000,
        )
        .unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let ids: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Representation"))
            .filter_map(|n| n.attribute("id"))
            .collect();
        assert_eq!(ids, ["2_v", "2_a"]);
        // Nothing ingested yet: no MPD.
        let empty = SegmentIndex::new(2);
        let t = tracks();
        let sources = [Source {
            index: &empty,
            tracks: &t,
        }];
        let r = dash_manifest(
            &channel(),
            &sources,
            &endpoint(),
            &DashSettings::default(),
            "index",
            &Request::default(),
            T0,
        );
        assert_eq!(r, Err(Error::SegmentUnavailable));
    }

    #[test]
    fn durations_render_as_xs_durations() {
        let mut s = String::new();
        for ms in [0, 1500, 60_000, 2_040] {
            push_duration_ms(&mut s, ms);
            s.push(' ');
        }
        assert_eq!(s, "PT0S PT1.5S PT60S PT2.04S ");
    }
}
