//! Playback of CMAF and DASH endpoints: the same stored TS segments,
//! remuxed just in time into CMAF tracks by `tributary-fmp4`.
//!
//! | path | answer |
//! | --- | --- |
//! | `<manifest>.mpd` | the MPD (`application/dash+xml`), tracks from a remux of each rendition's newest segment |
//! | `<hls manifest>.m3u8`, `…_<n>_<t>.m3u8` | CMAF HLS master / media playlists |
//! | `<prefix>_<n>_<t>_init.mp4` | init segment, from the rendition's newest segment |
//! | `<prefix>_<n>_<t>_<number>.m4s`, `…_t<time>.m4s` | the output segment's input segments remuxed, one fragment each |
//!
//! Unlike TS segments, which the host splices from the blob store, these
//! bodies pass through guest memory: a remux has to read every byte. The
//! MPD and master playlists remux one segment per rendition for codec
//! strings and picture sizes (no cache yet).
//!
//! Media times are the wall clock (program date times, 90 kHz since the
//! epoch, [`hls::media_times`]); each fragment's `tfdt` is shifted there
//! from the PTS the remux gives it ([`shift_tfdt`]).
//!
//! The MPD and the CMAF playlists are rendered by the manifest plug (as the
//! HLS ones are); routing, the `$Time$` lookup and the 90 kHz media times a
//! fragment's `tfdt` must match come from the same `tributary-hls` code,
//! linked here.

use tributary_fmp4 as fmp4;
use tributary_hls as hls;
use tributary_mediapackage::ingest::{StoredIndex, StoredKind, StoredRendition};
use tributary_mediapackage::wire::{CmafPackage, DashPackage, OriginEndpoint, StreamSelection};

use crate::bindings::manifest as wit;
use crate::playback::convert;
use crate::playback::reply::{self, Body, Reply};
use crate::playback::segment::{self, BlobMeta};
use crate::playback::serve::{CmafMediaRequest, DashRequest, Fault, Manifest, Store};

/// `Content-Type` of init segments and fragments.
pub const MP4_TYPE: &str = "video/mp4";
/// `Content-Type` of MPDs.
pub const MPD_TYPE: &str = "application/dash+xml";
/// `max-age` of init segments: the encoder may change its parameter sets on
/// a restart, so not the fragments' 14 days.
pub const INIT_MAX_AGE_S: u32 = 300;

type Step<T, B> = Result<T, Reply<B>>;

/// The two packages this module serves.
pub enum Package<'a> {
    /// `cmafPackage`.
    Cmaf(&'a CmafPackage),
    /// `dashPackage`.
    Dash(&'a DashPackage),
}

/// The window settings of `endpoint` for this package (for CMAF, of HLS
/// manifest `manifest`, or the first).
fn settings(endpoint: &OriginEndpoint, package: &Package<'_>, manifest: usize) -> hls::HlsEndpoint {
    let (segment_s, window_s, pdt_s, playlist_type, selection) = match package {
        Package::Dash(d) => (
            d.segment_duration_seconds,
            d.manifest_window_seconds,
            0,
            "NONE",
            d.stream_selection.as_ref(),
        ),
        Package::Cmaf(c) => {
            let m = c.hls_manifests.get(manifest).or(c.hls_manifests.first());
            (
                c.segment_duration_seconds,
                m.map_or(60, |m| m.playlist_window_seconds),
                m.map_or(0, |m| m.program_date_time_interval_seconds),
                m.map_or("NONE", |m| m.playlist_type.as_str()),
                c.stream_selection.as_ref(),
            )
        }
    };
    hls::HlsEndpoint {
        manifest_name: convert::manifest_name(endpoint).to_owned(),
        segment_duration_s: segment_s,
        playlist_window_s: window_s,
        program_date_time_interval_s: pdt_s,
        playlist_type: match playlist_type {
            "EVENT" => hls::PlaylistType::Event,
            "VOD" => hls::PlaylistType::Vod,
            _ => hls::PlaylistType::None,
        },
        time_delay_s: endpoint.time_delay_seconds.unwrap_or(0),
        startover_window_s: endpoint.startover_window_seconds.filter(|&s| s > 0),
        stream_selection: selection_of(selection),
    }
}

fn selection_of(s: Option<&StreamSelection>) -> hls::StreamSelection {
    hls::StreamSelection {
        min_video_bps: s.and_then(|s| s.min_video_bits_per_second),
        max_video_bps: s.and_then(|s| s.max_video_bits_per_second),
        order: match s.and_then(|s| s.stream_order.as_deref()) {
            Some("VIDEO_BITRATE_ASCENDING") => hls::StreamOrder::VideoBitrateAscending,
            Some("VIDEO_BITRATE_DESCENDING") => hls::StreamOrder::VideoBitrateDescending,
            _ => hls::StreamOrder::Original,
        },
    }
}

/// The plug's view of a `DashPackage`'s MPD-only settings.
fn dash_settings(d: &DashPackage) -> wit::DashSettings {
    wit::DashSettings {
        min_buffer_time_s: d.min_buffer_time_seconds,
        min_update_period_s: d.min_update_period_seconds,
        suggested_presentation_delay_s: d.suggested_presentation_delay_seconds,
        template: match d.segment_template_format.as_str() {
            "TIME_WITH_TIMELINE" => wit::TemplateFormat::TimeWithTimeline,
            "NUMBER_WITH_DURATION" => wit::TemplateFormat::NumberWithDuration,
            _ => wit::TemplateFormat::NumberWithTimeline,
        },
        utc_timing: match (d.utc_timing.as_str(), &d.utc_timing_uri) {
            ("HTTP-HEAD", Some(u)) => Some((wit::UtcScheme::HttpHead, u.clone())),
            ("HTTP-ISO", Some(u)) => Some((wit::UtcScheme::HttpIso, u.clone())),
            ("HTTP-XSDATE", Some(u)) => Some((wit::UtcScheme::HttpXsdate, u.clone())),
            _ => None,
        },
    }
}

/// The plug's view of the window settings.
fn wit_endpoint(e: &hls::HlsEndpoint) -> wit::Endpoint {
    wit::Endpoint {
        manifest_name: e.manifest_name.clone(),
        segment_duration_s: e.segment_duration_s,
        playlist_window_s: e.playlist_window_s,
        program_date_time_interval_s: e.program_date_time_interval_s,
        playlist_type: match e.playlist_type {
            hls::PlaylistType::Event => wit::PlaylistType::Event,
            hls::PlaylistType::Vod => wit::PlaylistType::Vod,
            _ => wit::PlaylistType::None,
        },
        time_delay_s: e.time_delay_s,
        startover_window_s: e.startover_window_s,
        min_video_bps: e.stream_selection.min_video_bps,
        max_video_bps: e.stream_selection.max_video_bps,
        stream_order: match e.stream_selection.order {
            hls::StreamOrder::VideoBitrateAscending => wit::StreamOrder::VideoBitrateAscending,
            hls::StreamOrder::VideoBitrateDescending => wit::StreamOrder::VideoBitrateDescending,
            _ => wit::StreamOrder::Original,
        },
    }
}

fn wit_tracks(tracks: &[Vec<hls::TrackInfo>]) -> Vec<Vec<wit::TrackInfo>> {
    tracks
        .iter()
        .map(|ts| {
            ts.iter()
                .map(|t| wit::TrackInfo {
                    track: wit_track(t.track),
                    codec: t.codec.clone(),
                    resolution: t.resolution.map(|r| (r.width, r.height)),
                    sample_rate: t.sample_rate,
                    channels: t.channels,
                })
                .collect()
        })
        .collect()
}

fn wit_track(t: hls::Track) -> wit::Track {
    match t {
        hls::Track::Video => wit::Track::Video,
        hls::Track::Audio => wit::Track::Audio,
    }
}

/// Where segments are named: `segmentPrefix` for CMAF when set, otherwise
/// the endpoint's manifest name.
fn prefix<'a>(endpoint: &'a OriginEndpoint, package: &Package<'a>) -> &'a str {
    match package {
        Package::Cmaf(c) => c
            .segment_prefix
            .as_deref()
            .unwrap_or_else(|| convert::manifest_name(endpoint)),
        Package::Dash(_) => convert::manifest_name(endpoint),
    }
}

/// Answers `file` of a CMAF or DASH endpoint at `now_ms`: routing, time
/// lookups and the remux here, manifests rendered by the plug.
pub fn answer<S: Store, M: Manifest>(
    store: &S,
    plug: &M,
    endpoint: &OriginEndpoint,
    package: &Package<'_>,
    file: &str,
    query: &str,
    now_ms: i64,
) -> Step<Reply<S::Body>, S::Body> {
    let id = &endpoint.id;
    let hls_names: Vec<&str> = match package {
        Package::Cmaf(c) => c
            .hls_manifests
            .iter()
            .map(|m| m.manifest_name.as_str())
            .collect(),
        Package::Dash(_) => Vec::new(),
    };
    let mpd = matches!(package, Package::Dash(_)).then(|| convert::manifest_name(endpoint));
    let prefix = prefix(endpoint, package);
    let Some(target) = hls::route_fmp4(mpd, &hls_names, prefix, file) else {
        return Err(Reply::error(
            404,
            format!("origin endpoint {id} has no {file}"),
        ));
    };
    let request = hls::Request::parse(query).map_err(hls_fault)?;
    let channel_id = endpoint.channel_id.as_str();
    let channel = store
        .channel(channel_id)
        .map_err(state_fault)?
        .ok_or_else(|| Reply::error(404, format!("channel {channel_id} no longer exists")))?;
    let state = store
        .ingest_state(channel_id)
        .map_err(state_fault)?
        .filter(|s| s.channel_created_at == channel.channel.created_at)
        .unwrap_or_default();
    let renditions = hls::Channel {
        renditions: state.renditions.iter().map(rendition).collect(),
    };
    if renditions.renditions.is_empty() {
        return Err(Reply::error(
            404,
            format!("channel {channel_id} has not received a stream yet"),
        ));
    }
    let stored = |n: u32| -> Step<Option<StoredIndex>, S::Body> {
        store.index(channel_id, n).map_err(state_fault)
    };
    let load = |n: u32| -> Step<hls::SegmentIndex, S::Body> { index(stored(n)?) };
    let wit_renditions = convert::renditions(&state.renditions);
    let known = |n: u32| n >= 1 && (n as usize) <= renditions.renditions.len();
    let manifest = match target {
        hls::Fmp4Target::Master(m) | hls::Fmp4Target::Media { manifest: m, .. } => m,
        _ => 0,
    };
    let settings = settings(endpoint, package, manifest);
    let k = |ix: &hls::SegmentIndex| {
        hls::combine_factor(settings.segment_duration_s, ix.target_duration_s())
    };
    match target {
        hls::Fmp4Target::Mpd => {
            let Package::Dash(d) = package else {
                return Err(Reply::error(404, "not a DASH endpoint"));
            };
            let mut indexes = Vec::with_capacity(renditions.renditions.len());
            let mut wit_indexes = Vec::with_capacity(renditions.renditions.len());
            for n in 1..=renditions.renditions.len() {
                let s = stored(u32::try_from(n).unwrap_or(u32::MAX))?;
                wit_indexes.push(s.as_ref().map_or_else(
                    || convert::empty_index(&wit_endpoint(&settings)),
                    convert::index,
                ));
                indexes.push(index(s)?);
            }
            let tracks = tracks_of(store, &renditions, &indexes, &settings, &request)?;
            let text = plug
                .dash_manifest(&DashRequest {
                    renditions: &wit_renditions,
                    indexes: &wit_indexes,
                    tracks: &wit_tracks(&tracks),
                    endpoint: &wit_endpoint(&settings),
                    dash: &dash_settings(d),
                    prefix,
                    query,
                    now_ms,
                })
                .map_err(plug_fault)?;
            let mut r = Reply::new(200)
                .header("content-type", MPD_TYPE)
                .header(
                    "cache-control",
                    format!(
                        "max-age={}",
                        reply::live_max_age(settings.segment_duration_s)
                    ),
                )
                .header("content-length", text.len().to_string());
            r.body = Body::Text(text);
            Ok(r)
        }
        hls::Fmp4Target::Master(m) => {
            let indexes = (1..=renditions.renditions.len())
                .map(|n| load(u32::try_from(n).unwrap_or(u32::MAX)))
                .collect::<Result<Vec<_>, _>>()?;
            let tracks = tracks_of(store, &renditions, &indexes, &settings, &request)?;
            let text = plug
                .cmaf_master_playlist(
                    &wit_renditions,
                    &wit_tracks(&tracks),
                    &wit_endpoint(&settings),
                    hls_names.get(m).copied().unwrap_or_default(),
                    query,
                )
                .map_err(plug_fault)?;
            Ok(Reply::playlist(
                text,
                reply::live_max_age(settings.segment_duration_s),
            ))
        }
        hls::Fmp4Target::Media {
            rendition, track, ..
        } => {
            if !known(rendition) {
                return Err(hls_fault(hls::Error::UnknownRendition));
            }
            let s = stored(rendition)?;
            let wit_settings = wit_endpoint(&settings);
            let wit_index = s
                .as_ref()
                .map_or_else(|| convert::empty_index(&wit_settings), convert::index);
            let ix = index(s)?;
            let output_s = ix.target_duration_s().saturating_mul(k(&ix));
            let text = plug
                .cmaf_media_playlist(&CmafMediaRequest {
                    renditions: &wit_renditions,
                    rendition,
                    track: wit_track(track),
                    index: &wit_index,
                    endpoint: &wit_settings,
                    prefix,
                    query,
                    now_ms,
                })
                .map_err(plug_fault)?;
            let max_age = reply::media_max_age(&text, output_s);
            Ok(Reply::playlist(text, max_age))
        }
        hls::Fmp4Target::Init { rendition, track } => {
            if !known(rendition) {
                return Err(hls_fault(hls::Error::UnknownRendition));
            }
            let ix = load(rendition)?;
            let newest = ix
                .segments()
                .last()
                .ok_or_else(|| hls_fault(hls::Error::SegmentUnavailable))?;
            let (meta, bytes) = read(store, &newest.key)?;
            let out = remux(&[&bytes], track, 1, None)?;
            let t = out.track(kind(track)).ok_or_else(|| no_track(track))?;
            Ok(mp4_reply(t.init.clone(), INIT_MAX_AGE_S, &[meta], track))
        }
        hls::Fmp4Target::Segment {
            rendition,
            track,
            number,
        } => fragment(
            store,
            known(rendition),
            rendition,
            track,
            number,
            &load,
            &settings,
        ),
        hls::Fmp4Target::SegmentAt {
            rendition,
            track,
            time,
        } => {
            if !known(rendition) {
                return Err(hls_fault(hls::Error::UnknownRendition));
            }
            let ix = load(rendition)?;
            let number = hls::number_at_time(&ix, &settings, time, now_ms).map_err(hls_fault)?;
            fragment(store, true, rendition, track, number, &load, &settings)
        }
    }
}

/// Output segment `number` of `track` of `rendition`: its input segments
/// remuxed, fragments concatenated (a CMAF segment of one fragment per
/// input segment), tfdt on the same 90 kHz timeline the manifests use.
fn fragment<S: Store>(
    store: &S,
    known: bool,
    rendition: u32,
    track: hls::Track,
    number: u64,
    load: &dyn Fn(u32) -> Step<hls::SegmentIndex, S::Body>,
    settings: &hls::HlsEndpoint,
) -> Step<Reply<S::Body>, S::Body> {
    if !known {
        return Err(hls_fault(hls::Error::UnknownRendition));
    }
    let ix = load(rendition)?;
    let k = hls::combine_factor(settings.segment_duration_s, ix.target_duration_s());
    let inputs = hls::resolve_segment(&ix, k, number).map_err(hls_fault)?;
    let first = inputs
        .first()
        .ok_or_else(|| hls_fault(hls::Error::SegmentUnavailable))?;
    let times = hls::media_times(&ix);
    let at = ix
        .segments()
        .iter()
        .position(|s| s.sequence == first.sequence)
        .unwrap_or(0);
    let mut metas = Vec::with_capacity(inputs.len());
    let mut blobs = Vec::with_capacity(inputs.len());
    for s in inputs {
        let (meta, bytes) = read(store, &s.key)?;
        metas.push(meta);
        blobs.push(bytes);
    }
    let slices: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    let sequence = u32::try_from(number % (1 << 32)).unwrap_or(0);
    let out = remux(&slices, track, sequence, first.pts)?;
    let t = out.track(kind(track)).ok_or_else(|| no_track(track))?;
    // The manifests put this segment at its program date time; the remux
    // put it at its PTS. One shift for every track of the segment (from the
    // probed PTS, common to audio and video) keeps them in sync; without a
    // probe, this track's own first presentation time stands in.
    let target = i128::from(times.get(at).copied().unwrap_or(0));
    let scale = i128::from(t.timescale.max(1));
    let reference = match first.pts {
        Some(pts) => i128::from(pts),
        None => t.fragments.first().map_or(0, |f| {
            i128::from(f.earliest_presentation_time) * 90_000 / scale
        }),
    };
    let shift = (target - reference) * scale / 90_000;
    let mut body: Vec<u8> = t
        .fragments
        .iter()
        .flat_map(|f| f.bytes.iter().copied())
        .collect();
    shift_tfdt(&mut body, shift)
        .map_err(|e| Reply::error(500, format!("the remuxed segment cannot be placed: {e}")))?;
    Ok(mp4_reply(body, reply::SEGMENT_MAX_AGE_S, &metas, track))
}

/// Adds `shift` to the base media decode time of every `tfdt` in `data`
/// (`styp`/`moof`/`mdat` boxes; `tfdt` inside `moof`/`traf`).
pub fn shift_tfdt(data: &mut [u8], shift: i128) -> Result<(), String> {
    let mut at = 0;
    while at + 8 <= data.len() {
        let size =
            u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
        if size < 8 || at + size > data.len() {
            return Err(format!("a box of {size} bytes at {at} does not fit"));
        }
        let kind = [data[at + 4], data[at + 5], data[at + 6], data[at + 7]];
        let body = &mut data[at + 8..at + size];
        match &kind {
            b"moof" | b"traf" => shift_tfdt(body, shift)?,
            b"tfdt" => {
                let wide = body.first() == Some(&1);
                let width = if wide { 8 } else { 4 };
                let field = body
                    .get_mut(4..4 + width)
                    .ok_or_else(|| "a short tfdt".to_owned())?;
                let old = field.iter().fold(0i128, |v, b| v << 8 | i128::from(*b));
                let new = old + shift;
                let max = if wide {
                    i128::from(u64::MAX)
                } else {
                    i128::from(u32::MAX)
                };
                if !(0..=max).contains(&new) {
                    return Err(format!("tfdt {old} shifted by {shift} is out of range"));
                }
                let bytes = new.to_be_bytes();
                field.copy_from_slice(&bytes[16 - width..]);
            }
            _ => {}
        }
        at += size;
    }
    Ok(())
}

fn mp4_reply<B>(body: Vec<u8>, max_age: u32, metas: &[BlobMeta], track: hls::Track) -> Reply<B> {
    let mut r = Reply::new(200)
        .header("content-type", MP4_TYPE)
        .header("cache-control", format!("max-age={max_age}"))
        .header("content-length", body.len().to_string());
    if let Some(tag) = segment::etag(metas) {
        // The source blobs' tag, told apart per track.
        let tag = tag.trim_end_matches('"').to_owned();
        r = r.header("etag", format!("{tag}-{}\"", track.letter()));
    }
    r.body = Body::Bytes(body);
    r
}

/// The tracks of each rendition the selection and filter leave, from a
/// remux of its newest segment; empty for the others and for renditions
/// with no segment yet.
fn tracks_of<S: Store>(
    store: &S,
    channel: &hls::Channel,
    indexes: &[hls::SegmentIndex],
    settings: &hls::HlsEndpoint,
    request: &hls::Request,
) -> Step<Vec<Vec<hls::TrackInfo>>, S::Body> {
    let chosen = hls::select_renditions(
        &channel.renditions,
        &settings.stream_selection,
        &request.filter,
    )
    .map_err(hls_fault)?;
    let mut out = vec![Vec::new(); indexes.len()];
    for i in chosen {
        let Some(newest) = indexes.get(i).and_then(|ix| ix.segments().last()) else {
            continue;
        };
        if let Some(tracks) = store.remembered_tracks(&newest.key) {
            out[i] = tracks;
            continue;
        }
        let (_, bytes) = read(store, &newest.key)?;
        let remuxed = fmp4::remux(&[&bytes], &fmp4::Options::default())
            .map_err(|e| Reply::error(502, format!("the stored segment cannot be remuxed: {e}")))?;
        let tracks: Vec<hls::TrackInfo> = remuxed
            .tracks
            .iter()
            .map(|t| hls::TrackInfo {
                track: match t.kind {
                    fmp4::TrackKind::Audio => hls::Track::Audio,
                    _ => hls::Track::Video,
                },
                codec: t.codec.clone(),
                resolution: t.resolution.map(|(w, h)| hls::Resolution {
                    width: w.into(),
                    height: h.into(),
                }),
                sample_rate: t.audio.map(|(rate, _)| rate),
                channels: t.audio.map(|(_, ch)| ch),
            })
            .collect();
        store.remember_tracks(&newest.key, tracks.clone());
        out[i] = tracks;
    }
    Ok(out)
}

fn kind(track: hls::Track) -> fmp4::TrackKind {
    match track {
        hls::Track::Video => fmp4::TrackKind::Video,
        hls::Track::Audio => fmp4::TrackKind::Audio,
    }
}

fn remux<B>(
    segments: &[&[u8]],
    track: hls::Track,
    sequence_number: u32,
    timeline_reference: Option<u64>,
) -> Step<fmp4::Remux, B> {
    fmp4::remux(
        segments,
        &fmp4::Options {
            sequence_number,
            timeline_reference,
            only: Some(kind(track)),
        },
    )
    .map_err(|e| Reply::error(502, format!("the stored segment cannot be remuxed: {e}")))
}

fn no_track<B>(track: hls::Track) -> Reply<B> {
    Reply::error(
        404,
        format!(
            "the rendition carries no {} track",
            match track {
                hls::Track::Video => "video",
                hls::Track::Audio => "audio",
            }
        ),
    )
}

/// Blob `key`, whole, in memory.
fn read<S: Store>(store: &S, key: &str) -> Step<(BlobMeta, Vec<u8>), S::Body> {
    store
        .read_bytes(key)
        .map_err(|f| Reply::error(500, format!("reading the segment failed: {f}")))?
        .ok_or_else(|| Reply::error(404, "segment not available: its stored bytes are gone"))
}

fn rendition(r: &StoredRendition) -> hls::Rendition {
    let mut out = hls::Rendition::new(
        r.name.clone(),
        match r.kind {
            StoredKind::Video => hls::MediaKind::Video,
            StoredKind::Audio => hls::MediaKind::Audio,
        },
        r.bandwidth,
    );
    out.average_bandwidth = r.average_bandwidth;
    out.resolution = r
        .resolution
        .map(|(width, height)| hls::Resolution { width, height });
    out.frame_rate = r.frame_rate;
    out.codecs.clone_from(&r.codecs);
    out.group.clone_from(&r.group);
    out.language.clone_from(&r.language);
    out.title.clone_from(&r.title);
    out.default = r.default;
    out
}

fn index<B>(stored: Option<StoredIndex>) -> Step<hls::SegmentIndex, B> {
    let Some(stored) = stored else {
        return Ok(hls::SegmentIndex::new(1));
    };
    let segments = stored
        .segments
        .into_iter()
        .map(|s| hls::Segment {
            sequence: s.sequence,
            duration_ms: s.duration_ms,
            program_date_time_ms: s.program_date_time_ms,
            pts: s.pts,
            discontinuity: s.discontinuity,
            key: s.key,
        })
        .collect();
    hls::SegmentIndex::from_parts(
        stored.target_duration_s.max(1),
        segments,
        stored.discontinuities,
    )
    .map_err(hls_fault)
}

fn hls_fault<B>(e: hls::Error) -> Reply<B> {
    use hls::Error as E;
    let e = match e {
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
    };
    let (status, message) = reply::plug_error(e);
    Reply::error(status, message)
}

fn plug_fault<B>(e: wit::Error) -> Reply<B> {
    let (status, message) = reply::plug_error(e);
    Reply::error(status, message)
}

fn state_fault<B>(f: Fault) -> Reply<B> {
    Reply::error(500, format!("reading the channel's state failed: {f}"))
}
