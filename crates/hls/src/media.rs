//! Media playlists, rendered just in time from a [`Window`].

use crate::Result;
use crate::endpoint::{HlsEndpoint, PlaylistType};
use crate::model::SegmentIndex;
use crate::query::Request;
use crate::text::{push_seconds_ms, push_u64};
use crate::time::push_rfc3339_ms;
use crate::uri::push_segment_uri;
use crate::window::{Window, window};
use alloc::string::String;

/// The media playlist of rendition `rendition` (1-based; it names the
/// segment URLs) over `index`, for `request` on `endpoint` at `now_ms`.
///
/// `#EXT-X-PROGRAM-DATE-TIME` (when `ProgramDateTimeIntervalSeconds` > 0)
/// goes on the first segment, on every discontinuity, and on each segment
/// that starts a new interval of wall-clock time, so a segment that carries
/// it keeps carrying it on every reload.
pub fn media_playlist(
    index: &SegmentIndex,
    rendition: u32,
    endpoint: &HlsEndpoint,
    request: &Request,
    now_ms: i64,
) -> Result<String> {
    let w = window(index, endpoint, request, now_ms)?;
    Ok(render(&w, rendition, endpoint))
}

/// Renders a computed window.
pub(crate) fn render(w: &Window, rendition: u32, endpoint: &HlsEndpoint) -> String {
    // Every segment line shares this prefix: build it once.
    let mut prefix = String::with_capacity(endpoint.manifest_name.len() + 12);
    push_segment_uri(&mut prefix, &endpoint.manifest_name, rendition, 0);
    prefix.truncate(prefix.len() - "0.ts".len());
    render_with(
        w,
        endpoint,
        &Layout {
            version: 3,
            map: None,
            prefix: &prefix,
            suffix: ".ts",
        },
    )
}

/// How a media playlist names its segments: `<prefix><number><suffix>`,
/// after `#EXT-X-VERSION:<version>` and, for fMP4, `#EXT-X-MAP:URI="<map>"`.
pub(crate) struct Layout<'a> {
    pub(crate) version: u8,
    pub(crate) map: Option<&'a str>,
    pub(crate) prefix: &'a str,
    pub(crate) suffix: &'a str,
}

/// Renders a computed window with `layout`'s segment names.
pub(crate) fn render_with(w: &Window, endpoint: &HlsEndpoint, layout: &Layout<'_>) -> String {
    let pdt_every = i64::from(endpoint.program_date_time_interval_s) * 1000;
    let per_segment = 48 + layout.prefix.len() + if pdt_every > 0 { 8 } else { 0 };
    let mut out = String::with_capacity(160 + w.segments.len() * per_segment);
    out.push_str("#EXTM3U\n#EXT-X-VERSION:");
    push_u64(&mut out, layout.version.into());
    out.push_str("\n#EXT-X-TARGETDURATION:");
    push_u64(&mut out, w.target_duration_s);
    out.push_str("\n#EXT-X-MEDIA-SEQUENCE:");
    push_u64(&mut out, w.media_sequence);
    out.push('\n');
    if w.discontinuity_sequence > 0 {
        out.push_str("#EXT-X-DISCONTINUITY-SEQUENCE:");
        push_u64(&mut out, w.discontinuity_sequence);
        out.push('\n');
    }
    match w.playlist_type {
        PlaylistType::Event => out.push_str("#EXT-X-PLAYLIST-TYPE:EVENT\n"),
        PlaylistType::Vod => out.push_str("#EXT-X-PLAYLIST-TYPE:VOD\n"),
        _ => {}
    }
    if let Some(map) = layout.map {
        out.push_str("#EXT-X-MAP:URI=\"");
        crate::text::push_clean(&mut out, map);
        out.push_str("\"\n");
    }
    // Most EXTINF lines repeat the previous one: build it once.
    let mut extinf = String::with_capacity(24);
    let mut extinf_ms = None;
    let mut previous: Option<i64> = None;
    for s in &w.segments {
        if s.discontinuity {
            out.push_str("#EXT-X-DISCONTINUITY\n");
        }
        if pdt_every > 0 {
            let t = s.program_date_time_ms;
            let new_interval =
                previous.is_none_or(|p| p.div_euclid(pdt_every) != t.div_euclid(pdt_every));
            if s.discontinuity || new_interval {
                out.push_str("#EXT-X-PROGRAM-DATE-TIME:");
                push_rfc3339_ms(&mut out, t);
                out.push('\n');
            }
            previous = Some(t);
        }
        if extinf_ms != Some(s.duration_ms) {
            extinf.clear();
            extinf.push_str("#EXTINF:");
            push_seconds_ms(&mut extinf, s.duration_ms);
            extinf.push_str(",\n");
            extinf_ms = Some(s.duration_ms);
        }
        out.push_str(&extinf);
        out.push_str(layout.prefix);
        push_u64(&mut out, s.number);
        out.push_str(layout.suffix);
        out.push('\n');
    }
    if w.ended {
        out.push_str("#EXT-X-ENDLIST\n");
    }
    out
}
