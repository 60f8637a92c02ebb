//! Package CMAF and DASH end to end, with clients no one here wrote: the
//! channel and its endpoints made with the AWS SDK for Rust
//! (`aws-sdk-mediapackage`), ffmpeg pushing a live two-rendition test
//! pattern into the ingest URL (`tributary_tests::hls_push`), and the
//! just-in-time TS → fMP4 remux read back by ffmpeg and ffprobe, by
//! dash.js in Debian's headless Chromium, and by an independent MPD and
//! box reader (`tributary_tests::dash_check`: roxmltree and alfg's `mp4`
//! crate, not the renderer's or the muxer's code).
//!
//! One server, one encoder, three endpoints (DASH with `$Number$` and with
//! `$Time$` addressing, CMAF HLS); the phases run side by side so the file
//! takes about a minute, every step bounded by a timeout, every
//! process killed when the test ends.

use anyhow::{Context, Result, bail, ensure};
use aws_sdk_mediapackage::types::{
    CmafPackageCreateOrUpdateParameters, DashPackage, HlsManifestCreateOrUpdateParameters,
    SegmentTemplateFormat,
};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::process::Command;
use std::time::{Duration, Instant};
use tributary_tests::dash_check::{self, Fragment, Init, Representation, Segment};
use tributary_tests::hls_check;
use tributary_tests::hls_push::{Pusher, RENDITIONS, SEGMENT_SECONDS};
use tributary_tests::playback::{BrowserPlayer, FPS, Phases, bounded, ffmpeg_decodes};
use tributary_tests::{Server, http_client, which};

/// Each endpoint's window (`ManifestWindowSeconds`, `PlaylistWindowSeconds`).
const WINDOW_S: i32 = 30;
/// How long the MPD structure is followed, and how much ffmpeg decodes.
const FOLLOW: Duration = Duration::from_secs(22);
const DECODE_S: u32 = 20;
/// The encoder's audio frame (AAC: 1024 samples at 48 kHz); its frame rate is `FPS`.
const AUDIO_RATE: u64 = 48_000;
const AAC_FRAME: u64 = 1024;

// ---------------------------------------------------------------------------
// Set-up with the SDK
// ---------------------------------------------------------------------------

/// The endpoints of one channel.
struct Endpoints {
    /// DASH, `NUMBER_WITH_TIMELINE`.
    dash_number: String,
    /// DASH, `TIME_WITH_TIMELINE`.
    dash_time: String,
    /// CMAF, its HLS master playlist.
    cmaf: String,
}

/// Creates channel `id`, starts ffmpeg pushing into its first ingest
/// endpoint and makes the three endpoints.
async fn set_up(server: &Server, id: &str) -> Result<(Pusher, Endpoints)> {
    let mp = server.mediapackage();
    let out = mp
        .create_channel()
        .id(id)
        .description("package_dash test channel")
        .send()
        .await
        .with_context(|| format!("CreateChannel {id}"))?;
    let ingest = out
        .hls_ingest()
        .and_then(|h| h.ingest_endpoints().first())
        .context("CreateChannel returned no ingest endpoint")?;
    let pusher = Pusher::to_ingest(
        ingest.url().context("ingest endpoint without Url")?,
        ingest.username().context("without Username")?,
        ingest.password().context("without Password")?,
    )?;
    let dash = |endpoint: &str, format: SegmentTemplateFormat| {
        let mp = mp.clone();
        let endpoint = endpoint.to_owned();
        async move {
            let package = DashPackage::builder()
                .segment_duration_seconds(SEGMENT_SECONDS as i32)
                .manifest_window_seconds(WINDOW_S)
                .min_buffer_time_seconds(4)
                .min_update_period_seconds(SEGMENT_SECONDS as i32)
                .suggested_presentation_delay_seconds(6)
                .segment_template_format(format)
                .build();
            let out = mp
                .create_origin_endpoint()
                .channel_id(id)
                .id(&endpoint)
                .manifest_name("index")
                .dash_package(package)
                .send()
                .await
                .with_context(|| format!("CreateOriginEndpoint {endpoint}"))?;
            let url = out.url().context("CreateOriginEndpoint returned no Url")?;
            ensure!(
                url == format!("{}/out/v1/{endpoint}/index.mpd", server.base_url()),
                "DASH endpoint Url {url} is not <server>/out/v1/{endpoint}/index.mpd"
            );
            Ok::<_, anyhow::Error>(url.to_owned())
        }
    };
    let dash_number = dash("dash-number", SegmentTemplateFormat::NumberWithTimeline).await?;
    let dash_time = dash("dash-time", SegmentTemplateFormat::TimeWithTimeline).await?;
    let package = CmafPackageCreateOrUpdateParameters::builder()
        .segment_duration_seconds(SEGMENT_SECONDS as i32)
        .hls_manifests(
            HlsManifestCreateOrUpdateParameters::builder()
                .id("main")
                .manifest_name("index")
                .playlist_window_seconds(WINDOW_S)
                .build(),
        )
        .build();
    let out = mp
        .create_origin_endpoint()
        .channel_id(id)
        .id("cmaf")
        .cmaf_package(package)
        .send()
        .await
        .context("CreateOriginEndpoint cmaf")?;
    let cmaf = out
        .cmaf_package()
        .and_then(|c| c.hls_manifests().first())
        .and_then(|m| m.url())
        .context("the CMAF endpoint has no HLS manifest Url")?
        .to_owned();
    ensure!(
        cmaf == format!("{}/out/v1/cmaf/index.m3u8", server.base_url()),
        "CMAF manifest Url {cmaf} is not <server>/out/v1/cmaf/index.m3u8"
    );
    Ok((
        pusher,
        Endpoints {
            dash_number,
            dash_time,
            cmaf,
        },
    ))
}

/// Polls `mpd` until every representation lists at least `segments`
/// segments (and there is video and audio); fails with the encoder's log.
async fn wait_listed(mpd: &str, segments: usize, pusher: &mut Pusher) -> Result<()> {
    let client = http_client()?;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        ensure!(
            pusher.is_running(),
            "the encoder exited before {mpd} listed segments; its log:\n{}",
            pusher.log_tail()
        );
        let last = match fetch_mpd(&client, mpd).await {
            Ok(p) => {
                let reps = &p.mpd.representations;
                let kinds = |k: &str| reps.iter().filter(|r| r.content_type == k).count();
                if kinds("video") == RENDITIONS.len()
                    && kinds("audio") >= 1
                    && reps.iter().all(|r| r.segments.len() >= segments)
                {
                    return Ok(());
                }
                format!(
                    "representations {:?}",
                    reps.iter()
                        .map(|r| (&r.id, &r.content_type, r.segments.len()))
                        .collect::<Vec<_>>()
                )
            }
            Err(e) => format!("{e:#}"),
        };
        ensure!(
            Instant::now() < deadline,
            "{mpd} did not list {segments} segments per representation within 40 s; last: {last}\nencoder log:\n{}",
            pusher.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits (up to 30 s) until every representation of `mpd` lists at least
/// `seconds`.
async fn wait_window(mpd: &str, seconds: f64) -> Result<()> {
    let client = http_client()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p = fetch_mpd(&client, mpd).await?;
        let least = p
            .mpd
            .representations
            .iter()
            .map(Representation::listed_seconds)
            .fold(f64::INFINITY, f64::min);
        if least >= seconds {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{mpd} lists only {least:.1} s, not {seconds} s, after 30 s more"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// GET `url`: status, `Content-Type`, body.
async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, String, Vec<u8>)> {
    let (status, headers, body) = hls_check::get(client, url).await?;
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, ctype, body))
}

/// GET and parse an MPD (200, `application/dash+xml`).
async fn fetch_mpd(client: &reqwest::Client, url: &str) -> Result<dash_check::Parsed> {
    let (status, ctype, body) = get(client, url).await?;
    let text = String::from_utf8_lossy(&body);
    ensure!(status == 200, "GET {url} answered {status}: {text}");
    ensure!(
        ctype.starts_with("application/dash+xml"),
        "GET {url}: Content-Type {ctype:?}, expected application/dash+xml"
    );
    dash_check::parse_mpd(&text).with_context(|| format!("{url}:\n{text}"))
}

/// `fut`, failing after `limit`.
async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| anyhow::anyhow!("{what}: no verdict within {limit:?}"))?
}

// ---------------------------------------------------------------------------
// The MPD and its segments, over HTTP
// ---------------------------------------------------------------------------

/// What is known of one representation across MPD updates.
#[derive(Default)]
struct Followed {
    /// Every segment ever listed, by number: one identity per number.
    listed: BTreeMap<u64, Segment>,
    /// The init segment, parsed, and its bytes.
    init: Option<(Init, Vec<u8>)>,
    /// Fragments fetched, by segment start `t`.
    fetched: BTreeMap<u64, (Segment, Vec<Fragment>)>,
    codecs: String,
}

/// Fetches `mpd` every `SEGMENT_SECONDS` for [`FOLLOW`] and holds it to
/// what a live DASH player needs: `type="dynamic"`, an
/// `availabilityStartTime` that never moves and a `publishTime` that never
/// goes back, contiguous `SegmentTimeline`s (checked by the parser), a
/// segment number that keeps its `t`/`d` across updates, a window no
/// longer than `timeShiftBufferDepth` plus a segment, the live edge
/// moving. Every listed segment is fetched once (200, `video/mp4`) with
/// its representation's init segment (200, `video/mp4`, one track of the
/// representation's kind), and its fragments held to [`check_fragments`];
/// across the run each track's fragments abut exactly
/// (`tfdt[n+1] = tfdt[n] + Σ durations[n]`).
async fn follow_mpd(mpd: &str) -> Result<String> {
    let client = http_client()?;
    let base = reqwest::Url::parse(mpd)?;
    let mut reps: HashMap<String, Followed> = HashMap::new();
    let mut first_ast = None;
    let mut last_publish = i64::MIN;
    let mut polls = 0;
    let t0 = Instant::now();
    let mut fragments = 0usize;
    loop {
        let parsed = fetch_mpd(&client, mpd).await?;
        let m = &parsed.mpd;
        polls += 1;
        ensure!(
            m.kind == "dynamic",
            "{mpd}: type={:?}, expected dynamic",
            m.kind
        );
        let ast = *first_ast.get_or_insert(m.availability_start_ms);
        ensure!(
            m.availability_start_ms == ast,
            "{mpd}: availabilityStartTime moved from {ast} to {} ms",
            m.availability_start_ms
        );
        ensure!(
            m.publish_ms >= last_publish,
            "{mpd}: publishTime went back from {last_publish} to {} ms",
            m.publish_ms
        );
        last_publish = m.publish_ms;
        let depth = m
            .time_shift_buffer_s
            .context("a dynamic MPD without timeShiftBufferDepth")?;
        ensure!(
            (depth - f64::from(WINDOW_S)).abs() < 0.01,
            "timeShiftBufferDepth {depth} s, the endpoint's window is {WINDOW_S} s"
        );
        ensure!(
            m.minimum_update_period_s.is_some(),
            "a dynamic MPD without minimumUpdatePeriod"
        );
        for (rep, template) in m.representations.iter().zip(&parsed.media) {
            let f = reps.entry(rep.id.clone()).or_default();
            follow_representation(&client, &base, rep, template, f, depth)
                .await
                .with_context(|| format!("{mpd}, representation {}", rep.id))?;
        }
        if t0.elapsed() >= FOLLOW {
            break;
        }
        tokio::time::sleep(Duration::from_secs(u64::from(SEGMENT_SECONDS))).await;
    }
    // Across the whole run: fragments abut, the live edge moved.
    let mut summary = Vec::new();
    let mut ids: Vec<_> = reps.keys().cloned().collect();
    ids.sort();
    for id in ids {
        let f = &reps[&id];
        let all: Vec<&Fragment> = f.fetched.values().flat_map(|(_, v)| v).collect();
        for w in all.windows(2) {
            ensure!(
                w[1].decode_time == w[0].decode_time + w[0].duration,
                "{mpd}, {id}: a fragment at tfdt {} lasting {} is followed by tfdt {} \
                 (expected {}): the timeline has a {}",
                w[0].decode_time,
                w[0].duration,
                w[1].decode_time,
                w[0].decode_time + w[0].duration,
                if w[1].decode_time > w[0].decode_time + w[0].duration {
                    "hole"
                } else {
                    "overlap"
                }
            );
        }
        fragments += all.len();
        let (first, last) = (
            f.listed.keys().next().copied().unwrap_or(0),
            f.listed.keys().next_back().copied().unwrap_or(0),
        );
        let grew = f.listed.len();
        ensure!(
            grew as u64 * u64::from(SEGMENT_SECONDS) >= FOLLOW.as_secs(),
            "{mpd}, {id}: only {grew} segments ({first}..{last}) were ever listed in {FOLLOW:?}"
        );
        summary.push(format!("{id} [{}] {first}..{last}", f.codecs));
    }
    Ok(format!(
        "{polls} MPDs, {fragments} fragments checked; {}",
        summary.join(", ")
    ))
}

async fn follow_representation(
    client: &reqwest::Client,
    base: &reqwest::Url,
    rep: &Representation,
    template: &str,
    f: &mut Followed,
    depth_s: f64,
) -> Result<()> {
    ensure!(
        rep.mime_type == "video/mp4" || rep.mime_type == "audio/mp4",
        "mimeType {:?}",
        rep.mime_type
    );
    let want_codec = if rep.content_type == "video" {
        "avc1."
    } else {
        "mp4a.40."
    };
    ensure!(
        rep.codecs.starts_with(want_codec),
        "{} representation with codecs {:?}, expected {want_codec}…",
        rep.content_type,
        rep.codecs
    );
    f.codecs.clone_from(&rep.codecs);
    let seg_s = f64::from(SEGMENT_SECONDS);
    ensure!(
        rep.listed_seconds() <= depth_s + seg_s + 0.5,
        "lists {:.1} s, more than timeShiftBufferDepth {depth_s} s and a segment",
        rep.listed_seconds()
    );
    for s in &rep.segments {
        if let Some(before) = f.listed.insert(s.number, *s) {
            ensure!(
                before == *s,
                "segment {} was listed as {before:?} and is now {s:?}",
                s.number
            );
        }
    }
    if f.init.is_none() {
        let url = base.join(&rep.init)?;
        let (status, ctype, body) = get(client, url.as_str()).await?;
        ensure!(
            status == 200 && ctype == "video/mp4",
            "init segment {url} answered {status} {ctype:?}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        let init = dash_check::parse_init(&body).with_context(|| format!("init segment {url}"))?;
        ensure!(
            init.video == (rep.content_type == "video"),
            "init segment {url}: a {} track for a {} representation",
            if init.video { "video" } else { "non-video" },
            rep.content_type
        );
        f.init = Some((init, body));
    }
    let Some((init, init_bytes)) = &f.init else {
        bail!("no init segment");
    };
    for s in &rep.segments {
        if f.fetched.contains_key(&s.t) {
            continue;
        }
        let url = base.join(&rep.media_url(template, s)?)?;
        let (status, ctype, body) = get(client, url.as_str()).await?;
        ensure!(
            status == 200 && ctype == "video/mp4",
            "segment {} ({url}, listed) answered {status} {ctype:?}: {}",
            s.number,
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        let frags = dash_check::parse_fragments(init, init_bytes, &body)
            .with_context(|| format!("segment {} ({url}, {} bytes)", s.number, body.len()))?;
        check_fragments(init, rep.timescale, s, &frags)
            .with_context(|| format!("segment {} ({url})", s.number))?;
        f.fetched.insert(s.t, (*s, frags));
    }
    Ok(())
}

/// One segment's fragments against its `S` element (`mpd_ts`: the
/// template's timescale, which may differ from the track's `mdhd` one).
///
/// Video frames fall on the manifest's 90 kHz grid, so a video fragment
/// must start exactly at `S@t` and last exactly `S@d`. AAC frames (1024
/// samples) cannot end on every 2 s boundary: an audio fragment must start
/// and end within one AAC frame of its `S` element, and abut its
/// neighbours exactly (checked across fragments by the caller).
fn check_fragments(init: &Init, mpd_ts: u64, s: &Segment, frags: &[Fragment]) -> Result<()> {
    let first = frags.first().context("no fragment")?;
    let ts = u64::from(init.timescale);
    // Both sides in units of 1 / (ts · mpd_ts) s.
    let start = i128::from(first.decode_time) * i128::from(mpd_ts);
    let s_start = i128::from(s.t) * i128::from(ts);
    let duration: u64 = frags.iter().map(|f| f.duration).sum();
    let end = start + i128::from(duration) * i128::from(mpd_ts);
    let s_end = s_start + i128::from(s.d) * i128::from(ts);
    let tolerance = if init.video {
        0
    } else {
        i128::from(AAC_FRAME * ts / AUDIO_RATE) * i128::from(mpd_ts)
    };
    let secs = |v: i128| v as f64 / (ts * mpd_ts) as f64;
    ensure!(
        (start - s_start).abs() <= tolerance && (end - s_end).abs() <= tolerance,
        "the fragment covers tfdt {} + {duration} ({:.4} .. {:.4} s), S@t {} d {} covers {:.4} .. {:.4} s: \
         off by {:+.4} s at the start, {:+.4} s at the end (allowed {:.4} s)",
        first.decode_time,
        secs(start),
        secs(end),
        s.t,
        s.d,
        secs(s_start),
        secs(s_end),
        secs(start - s_start),
        secs(end - s_end),
        secs(tolerance)
    );
    for (k, fr) in frags.iter().enumerate() {
        ensure!(
            fr.first_is_sync,
            "fragment {k} of {} (tfdt {}) does not start with a sync sample",
            frags.len(),
            fr.decode_time
        );
    }
    for w in frags.windows(2) {
        ensure!(
            w[1].decode_time == w[0].decode_time + w[0].duration,
            "within the segment, tfdt {} + {} is followed by tfdt {}",
            w[0].decode_time,
            w[0].duration,
            w[1].decode_time
        );
    }
    // Sample counts against the time the segment covers in the MPD: 25 fps
    // video; AAC frames of 1024 samples at 48 kHz (±1, as above).
    let samples: u64 = frags.iter().map(|f| u64::from(f.samples)).sum();
    let (expected, slack, what) = if init.video {
        (s.d * FPS / mpd_ts, 0, "frames at 25 fps")
    } else {
        (s.d * AUDIO_RATE / AAC_FRAME / mpd_ts, 2, "AAC frames")
    };
    ensure!(
        samples.abs_diff(expected) <= slack,
        "{samples} samples for S@d {} ({:.3} s), expected {expected} {what}",
        s.d,
        s.d as f64 / mpd_ts as f64
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// ffmpeg, ffprobe, dash.js
// ---------------------------------------------------------------------------

/// ffprobe reads `seconds` of `url`: H.264 video in both renditions' sizes
/// and AAC audio, and in every stream packet timestamps that only go
/// forward without a hole bigger than one and a half frames.
async fn ffprobe_timeline(url: &str, seconds: u32) -> Result<String> {
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-hide_banner", "-v", "error", "-of", "json"])
        .args(["-read_intervals", &format!("%+{seconds}")])
        .args([
            "-show_entries",
            "stream=index,codec_type,codec_name,width,height,time_base:packet=stream_index,dts,duration",
        ])
        .arg(url);
    let out = bounded(cmd, Duration::from_secs(u64::from(seconds) * 3 + 20)).await?;
    ensure!(
        out.status.success() && out.stderr.is_empty(),
        "ffprobe {url} exited {} and reported:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let mut sizes = Vec::new();
    let mut audio = 0;
    let mut time_base = HashMap::new();
    for s in &streams {
        let codec = s["codec_name"].as_str().unwrap_or_default();
        match s["codec_type"].as_str() {
            Some("video") => {
                ensure!(
                    codec == "h264",
                    "a video stream in {codec}, expected h264: {s}"
                );
                sizes.push((
                    s["width"].as_u64().unwrap_or(0),
                    s["height"].as_u64().unwrap_or(0),
                ));
            }
            Some("audio") => {
                ensure!(
                    codec == "aac",
                    "an audio stream in {codec}, expected aac: {s}"
                );
                audio += 1;
            }
            _ => bail!("an unexpected stream: {s}"),
        }
        let tb = s["time_base"].as_str().unwrap_or("1/90000");
        let (n, d) = tb.split_once('/').context("time_base")?;
        time_base.insert(
            s["index"].as_u64().unwrap_or(0),
            n.parse::<f64>()? / d.parse::<f64>()?,
        );
    }
    sizes.sort_unstable();
    sizes.dedup();
    let mut want: Vec<(u64, u64)> = RENDITIONS
        .iter()
        .map(|&(w, h)| (u64::from(w), u64::from(h)))
        .collect();
    want.sort_unstable();
    ensure!(
        sizes == want && audio >= 1,
        "ffprobe saw video sizes {sizes:?} and {audio} audio streams, expected {want:?} and audio"
    );
    let mut per_stream: BTreeMap<u64, Vec<(i64, i64)>> = BTreeMap::new();
    for p in json["packets"].as_array().cloned().unwrap_or_default() {
        let (Some(i), Some(dts), Some(d)) = (
            p["stream_index"].as_u64(),
            p["dts"].as_i64(),
            p["duration"].as_i64(),
        ) else {
            bail!("a packet without dts or duration: {p}");
        };
        per_stream.entry(i).or_default().push((dts, d));
    }
    let mut covered = Vec::new();
    for (i, packets) in &per_stream {
        let tb = time_base.get(i).copied().unwrap_or(1.0 / 90_000.0);
        for w in packets.windows(2) {
            let (a, b) = (w[0], w[1]);
            ensure!(
                b.0 > a.0,
                "stream {i}: dts {} then {}: timestamps went back or stood still",
                a.0,
                b.0
            );
            ensure!(
                b.0 - a.0 <= a.1 * 3 / 2,
                "stream {i}: dts {} (duration {}) then {}: a hole of {:.3} s",
                a.0,
                a.1,
                b.0,
                (b.0 - a.0 - a.1) as f64 * tb
            );
        }
        let span = match (packets.first(), packets.last()) {
            (Some(f), Some(l)) => (l.0 + l.1 - f.0) as f64 * tb,
            _ => 0.0,
        };
        ensure!(
            span >= f64::from(seconds) - f64::from(SEGMENT_SECONDS),
            "stream {i}: packets span only {span:.2} s of {seconds}"
        );
        covered.push(format!("#{i} {} packets {span:.1} s", packets.len()));
    }
    Ok(format!(
        "h264 {sizes:?} + {audio} aac; continuous: {}",
        covered.join(", ")
    ))
}

/// dash.js 5 in Debian's headless Chromium, on a page served from another
/// origin (127.0.0.2), plays `mpd`: `playing`, then currentTime advances
/// 5 s. Fails with dash.js's events and the browser console.
async fn dash_js_plays(mpd: &str) -> Result<String> {
    BrowserPlayer::check("dashjs/dist/modern/umd/dash.all.min.js")?
        .plays("dash.html", mpd, Duration::from_secs(80))
        .await
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

/// One channel, one live encoder, DASH (`$Number$` and `$Time$`) and CMAF
/// HLS endpoints: the MPDs and every fragment they list hold together
/// (followed over 22 s), ffmpeg decodes 20 s of the DASH and of the CMAF
/// endpoint without an error line, ffprobe sees H.264 and AAC with
/// continuous timestamps in both, and dash.js in Chromium plays the DASH
/// endpoint from another origin.
#[tokio::test]
async fn dash_and_cmaf_endpoints_remux_a_live_channel_that_players_play() -> Result<()> {
    for tool in ["ffmpeg", "ffprobe"] {
        ensure!(
            which(tool).is_some(),
            "`{tool}` is not installed: run ./tests/run, which installs it"
        );
    }
    let server = Server::start().await?;
    let (mut pusher, ep) = set_up(&server, "remux").await?;
    wait_listed(&ep.dash_number, 3, &mut pusher).await?;
    let limit = Duration::from_secs(90);
    let (number, time, dash_js, cmaf_decode) = tokio::join!(
        within(
            limit,
            "follow the $Number$ MPD",
            follow_mpd(&ep.dash_number)
        ),
        within(limit, "follow the $Time$ MPD", follow_mpd(&ep.dash_time)),
        within(limit, "dash.js", dash_js_plays(&ep.dash_number)),
        within(
            limit,
            "ffmpeg CMAF",
            ffmpeg_decodes(&[], &ep.cmaf, DECODE_S)
        ),
    );
    let mut phases = Phases::default();
    phases.record("MPD structure and fragments, NUMBER_WITH_TIMELINE", number);
    phases.record("MPD structure and fragments, TIME_WITH_TIMELINE", time);
    phases.record("dash.js in Chromium from another origin", dash_js);
    phases.record("ffmpeg decodes CMAF HLS 20 s", cmaf_decode);
    // ffmpeg's DASH demuxer (5.1) starts a live MPD at the first listed
    // segment and, past the last listed one, asks for the next numbers at
    // once instead of waiting for them ("new fragment" in its debug log,
    // then 404s and skipped segments). So it reads DASH only once the
    // window holds what it decodes, which the 22 s above have given it.
    let listed = wait_window(&ep.dash_number, f64::from(DECODE_S + 2 * SEGMENT_SECONDS))
        .await
        .map_err(|e| format!("{e:#}"));
    let listed = || listed.clone().map_err(anyhow::Error::msg);
    let (dash_decode, dash_probe, cmaf_probe) = tokio::join!(
        async {
            listed()?;
            within(
                limit,
                "ffmpeg DASH",
                ffmpeg_decodes(&[], &ep.dash_number, DECODE_S),
            )
            .await
        },
        async {
            listed()?;
            within(
                limit,
                "ffprobe DASH",
                ffprobe_timeline(&ep.dash_number, DECODE_S),
            )
            .await
        },
        within(limit, "ffprobe CMAF", ffprobe_timeline(&ep.cmaf, DECODE_S)),
    );
    phases.record("ffmpeg decodes DASH 20 s", dash_decode);
    phases.record("ffprobe DASH: codecs, continuous timestamps", dash_probe);
    phases.record(
        "ffprobe CMAF HLS: codecs, continuous timestamps",
        cmaf_probe,
    );
    ensure!(
        pusher.is_running(),
        "the encoder stopped during the test:\n{}",
        pusher.log_tail()
    );
    phases.finish()
}
