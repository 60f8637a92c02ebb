//! Master playlists: the channel's renditions after `StreamSelection` and
//! `aws.manifestfilter`, pointing at the endpoint's media playlists.

use crate::Result;
use crate::endpoint::HlsEndpoint;
use crate::filter::select_renditions;
use crate::model::{Channel, MediaKind, Rendition};
use crate::query::Request;
use crate::text::{push_clean, push_u64};
use crate::uri::push_media_uri;
use alloc::string::String;
use alloc::vec::Vec;

/// The master playlist of `channel` for `request` on `endpoint`.
///
/// Video renditions become `#EXT-X-STREAM-INF` variants (in `StreamOrder`);
/// audio renditions with a group become `#EXT-X-MEDIA:TYPE=AUDIO` entries of
/// that group, and a variant names its `AUDIO` group only while some of the
/// group is left; audio renditions without a group (an audio-only channel)
/// become variants. Child URLs carry the request's query, so media
/// playlists see the same time-shift, filter and tokens.
/// [`Error::NoMatchingStreams`](crate::Error::NoMatchingStreams) when
/// selection and filter leave nothing.
pub fn master_playlist(
    channel: &Channel,
    endpoint: &HlsEndpoint,
    request: &Request,
) -> Result<String> {
    let rs = &channel.renditions;
    let chosen = select_renditions(rs, &endpoint.stream_selection, &request.filter)?;
    let grouped_audio: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| rs[i].kind == MediaKind::Audio && rs[i].group.is_some())
        .collect();
    let mut out = String::with_capacity(256 + chosen.len() * 200);
    out.push_str("#EXTM3U\n#EXT-X-VERSION:3\n");
    for &i in &grouped_audio {
        let r = &rs[i];
        out.push_str("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"");
        push_clean(&mut out, r.group.as_deref().unwrap_or_default());
        out.push_str("\",NAME=\"");
        match &r.title {
            Some(t) => push_clean(&mut out, t),
            None => push_clean(&mut out, r.language.as_deref().unwrap_or(&r.name)),
        }
        out.push('"');
        if let Some(lang) = &r.language {
            out.push_str(",LANGUAGE=\"");
            push_clean(&mut out, lang);
            out.push('"');
        }
        out.push_str(if r.default {
            ",DEFAULT=YES,AUTOSELECT=YES"
        } else {
            ",DEFAULT=NO,AUTOSELECT=YES"
        });
        out.push_str(",URI=\"");
        child_uri(&mut out, endpoint, i, request);
        out.push_str("\"\n");
    }
    for &i in &chosen {
        let r = &rs[i];
        if r.kind == MediaKind::Audio && r.group.is_some() {
            continue;
        }
        stream_inf(&mut out, r, rs, &grouped_audio);
        child_uri(&mut out, endpoint, i, request);
        out.push('\n');
    }
    Ok(out)
}

fn stream_inf(out: &mut String, r: &Rendition, rs: &[Rendition], grouped_audio: &[usize]) {
    out.push_str("#EXT-X-STREAM-INF:BANDWIDTH=");
    push_u64(out, r.bandwidth.max(1));
    if let Some(avg) = r.average_bandwidth {
        out.push_str(",AVERAGE-BANDWIDTH=");
        push_u64(out, avg);
    }
    if let Some(res) = r.resolution {
        out.push_str(",RESOLUTION=");
        push_u64(out, res.width.into());
        out.push('x');
        push_u64(out, res.height.into());
    }
    if let Some(fps) = r.frame_rate.filter(|f| f.is_finite() && *f > 0.0) {
        out.push_str(",FRAME-RATE=");
        let milli = (fps * 1000.0 + 0.5) as u64;
        crate::text::push_seconds_ms(out, milli);
    }
    if let Some(codecs) = &r.codecs {
        out.push_str(",CODECS=\"");
        push_clean(out, codecs);
        out.push('"');
    }
    if r.kind == MediaKind::Video
        && let Some(group) = &r.group
        && grouped_audio
            .iter()
            .any(|&a| rs[a].group.as_ref() == Some(group))
    {
        out.push_str(",AUDIO=\"");
        push_clean(out, group);
        out.push('"');
    }
    out.push('\n');
}

fn child_uri(out: &mut String, endpoint: &HlsEndpoint, i: usize, request: &Request) {
    let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
    push_media_uri(out, &endpoint.manifest_name, n);
    if !request.query.is_empty() {
        out.push('?');
        push_clean(out, &request.query);
    }
}
