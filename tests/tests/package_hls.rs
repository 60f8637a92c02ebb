//! Package HLS end to end, with clients no one here wrote: channels and
//! origin endpoints made with the AWS SDK for Rust (`aws-sdk-mediapackage`);
//! ffmpeg pushing a live two-rendition test pattern into the ingest URL
//! (`-f hls -method PUT`, credentials in the URL, answering the Digest
//! challenge itself); ffprobe, ffmpeg, the independent checker in
//! `tributary_tests::hls_check` and hls.js in Debian's headless Chromium
//! playing the endpoints back.
//!
//! Each test owns a server and its encoders; everything is bounded by a
//! timeout and every process is killed when its test ends.

use anyhow::{Context, Result, anyhow, bail, ensure};
use aws_sdk_mediapackage::types::HlsPackage;
use base64::Engine as _;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tributary_tests::hls_check::{
    self, Expect, MediaPlaylist, Report, check_live, check_segment, fetch_master, fetch_media, get,
    iso,
};
use tributary_tests::hls_push::{Pusher, RENDITIONS, SEGMENT_SECONDS};
use tributary_tests::playback::{BrowserPlayer, Phases, bounded, ffmpeg_decodes};
use tributary_tests::{Server, http_client, which};

/// How long a channel may take from the encoder's start to a playable
/// endpoint: ffmpeg's first segments take 2 s, the master playlist follows.
const FIRST_PLAYBACK: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// Set-up with the SDK
// ---------------------------------------------------------------------------

/// One ingest endpoint as CreateChannel returned it.
#[derive(Debug, Clone)]
struct Ingest {
    url: String,
    username: String,
    password: String,
}

impl Ingest {
    /// ffmpeg pushing the live test pattern here.
    fn push(&self) -> Result<Pusher> {
        Pusher::to_ingest(&self.url, &self.username, &self.password)
    }

    /// The URL of `file` next to the ingest URL (`…/channel` + `_0.m3u8`).
    fn file(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.url)
    }
}

/// Creates channel `id`; its two ingest endpoints.
async fn create_channel(server: &Server, id: &str) -> Result<[Ingest; 2]> {
    let out = server
        .mediapackage()
        .create_channel()
        .id(id)
        .description("package_hls test channel")
        .send()
        .await
        .with_context(|| format!("CreateChannel {id}"))?;
    let endpoints = out
        .hls_ingest()
        .map(|h| h.ingest_endpoints())
        .unwrap_or_default();
    let ingest = endpoints
        .iter()
        .map(|e| {
            Ok(Ingest {
                url: e.url().context("ingest endpoint without Url")?.to_owned(),
                username: e.username().context("without Username")?.to_owned(),
                password: e.password().context("without Password")?.to_owned(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    ingest.try_into().map_err(|v: Vec<Ingest>| {
        anyhow!("CreateChannel returned {} ingest endpoints, not 2", v.len())
    })
}

/// What an origin endpoint is made with.
#[derive(Debug, Clone, Copy)]
struct EndpointSpec {
    window: i32,
    pdt_interval: i32,
    delay: Option<i32>,
    startover: Option<i32>,
}

impl Default for EndpointSpec {
    fn default() -> Self {
        Self {
            window: 20,
            pdt_interval: 2,
            delay: None,
            startover: None,
        }
    }
}

impl EndpointSpec {
    /// What the checker holds this endpoint to.
    fn expect(&self) -> Expect {
        Expect {
            window_seconds: Some(f64::from(self.window)),
            program_date_time: self.pdt_interval > 0,
            pdt_interval_seconds: (self.pdt_interval > 0).then_some(f64::from(self.pdt_interval)),
            variants: Some(RENDITIONS.len()),
            ..Expect::default()
        }
    }
}

/// Creates an HLS origin endpoint `id` on `channel` with 2 s segments
/// (the encoder's); its playback URL.
async fn create_endpoint(
    server: &Server,
    channel: &str,
    id: &str,
    spec: EndpointSpec,
) -> Result<String> {
    let package = HlsPackage::builder()
        .segment_duration_seconds(SEGMENT_SECONDS as i32)
        .playlist_window_seconds(spec.window)
        .program_date_time_interval_seconds(spec.pdt_interval)
        .build();
    let out = server
        .mediapackage()
        .create_origin_endpoint()
        .channel_id(channel)
        .id(id)
        .manifest_name("index")
        .hls_package(package)
        .set_time_delay_seconds(spec.delay)
        .set_startover_window_seconds(spec.startover)
        .send()
        .await
        .with_context(|| format!("CreateOriginEndpoint {id}"))?;
    let url = out.url().context("CreateOriginEndpoint returned no Url")?;
    ensure!(
        url.starts_with(&server.base_url()) && url.ends_with(&format!("/out/v1/{id}/index.m3u8")),
        "endpoint Url {url} is not <server>/out/v1/{id}/index.m3u8"
    );
    Ok(url.to_owned())
}

/// Polls `master` until it lists every rendition and each media playlist
/// holds at least `segments` segments; fails with the encoder's log.
async fn wait_playable(master: &str, segments: usize, pusher: &mut Pusher) -> Result<()> {
    let client = http_client()?;
    let deadline = Instant::now() + FIRST_PLAYBACK;
    loop {
        ensure!(
            pusher.is_running(),
            "the encoder exited before {master} was playable; its log:\n{}",
            pusher.log_tail()
        );
        let last = match playable(&client, master, segments).await {
            Ok(()) => return Ok(()),
            Err(e) => format!("{e:#}"),
        };
        ensure!(
            Instant::now() < deadline,
            "{master} was not playable within {FIRST_PLAYBACK:?}; last: {last}\nencoder log:\n{}",
            pusher.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn playable(client: &reqwest::Client, master: &str, segments: usize) -> Result<()> {
    let variants = fetch_master(client, master).await?;
    ensure!(
        variants.len() == RENDITIONS.len(),
        "{} variants",
        variants.len()
    );
    for (_, url) in &variants {
        let p = fetch_media(client, url.as_str(), &Expect::default()).await?;
        ensure!(
            p.segments.len() >= segments,
            "{url} has {} segments",
            p.segments.len()
        );
    }
    Ok(())
}

fn require_tools(tools: &[&str]) -> Result<()> {
    for tool in tools {
        ensure!(
            which(tool).is_some(),
            "`{tool}` is not installed: run ./tests/run, which installs it"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Players
// ---------------------------------------------------------------------------

/// ffprobe reads the master playlist: one program per variant, with the
/// encoder's two video sizes.
async fn ffprobe_variants(master: &str) -> Result<String> {
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-hide_banner", "-v", "error", "-of", "json"])
        .args([
            "-show_entries",
            "program=program_id:stream=codec_type,codec_name,width,height",
        ])
        .arg(master);
    let out = bounded(cmd, Duration::from_secs(60)).await?;
    ensure!(
        out.status.success(),
        "ffprobe {master} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let programs = json["programs"].as_array().cloned().unwrap_or_default();
    let mut sizes: Vec<(u64, u64)> = programs
        .iter()
        .flat_map(|p| p["streams"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["codec_type"] == "video")
        .filter_map(|s| Some((s["width"].as_u64()?, s["height"].as_u64()?)))
        .collect();
    sizes.sort_unstable();
    let mut want: Vec<(u64, u64)> = RENDITIONS
        .iter()
        .map(|&(w, h)| (u64::from(w), u64::from(h)))
        .collect();
    want.sort_unstable();
    ensure!(
        programs.len() == RENDITIONS.len() && sizes == want,
        "ffprobe saw {} programs with video sizes {sizes:?}, expected {} with {want:?}: {json}",
        programs.len(),
        RENDITIONS.len()
    );
    Ok(format!("{} variants, video {sizes:?}", programs.len()))
}

/// The newest segment of the first variant of `master`.
async fn newest_segment(client: &reqwest::Client, master: &str) -> Result<hls_check::Segment> {
    let variants = fetch_master(client, master).await?;
    let (_, url) = variants.first().context("no variant")?;
    let p = fetch_media(client, url.as_str(), &Expect::default()).await?;
    p.segments.last().cloned().context("no segment")
}

/// The media playlists a master playlist leads to (query included).
async fn media_playlists(
    client: &reqwest::Client,
    master: &str,
) -> Result<Vec<(reqwest::Url, MediaPlaylist)>> {
    let mut out = Vec::new();
    for (_, url) in fetch_master(client, master).await? {
        let p = fetch_media(client, url.as_str(), &Expect::default()).await?;
        out.push((url, p));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Ingest by hand (reqwest with Basic, and raw sockets)
// ---------------------------------------------------------------------------

/// PUT `body` to `url` as `user`/`password` (Basic, which ingest accepts
/// besides Digest); status and body.
async fn put(url: &str, auth: Option<(&str, &str)>, body: Vec<u8>) -> Result<(u16, String)> {
    let mut req = http_client()?.put(url).body(body);
    if let Some((user, password)) = auth {
        req = req.basic_auth(user, Some(password));
    }
    let resp = req.send().await.with_context(|| format!("PUT {url}"))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Ok((status, text))
}

/// PUT to `url` announcing `declared` bytes, send only `body`, then close
/// the sending side: an encoder whose connection dies mid-segment. Whatever
/// the server answered (if anything) within 10 s.
async fn truncated_put(
    url: &str,
    auth: (&str, &str),
    declared: usize,
    body: &[u8],
) -> Result<String> {
    let parsed = reqwest::Url::parse(url)?;
    let addr = format!(
        "{}:{}",
        parsed.host_str().context("no host")?,
        parsed.port_or_known_default().context("no port")?
    );
    let mut stream = tokio::net::TcpStream::connect(&addr).await?;
    let head = format!(
        "PUT {} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {}\r\nContent-Type: video/MP2T\r\nContent-Length: {declared}\r\n\r\n",
        parsed.path(),
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", auth.0, auth.1))
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    stream.shutdown().await?;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    Ok(match read {
        Ok(Ok(_)) if answer.is_empty() => {
            "the server closed the connection without answering".into()
        }
        Ok(Ok(_)) => String::from_utf8_lossy(&answer[..answer.len().min(300)]).into_owned(),
        Ok(Err(e)) => format!("the connection failed: {e}"),
        Err(_) => "no answer within 10 s".into(),
    })
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The main path on one live encoder: ffprobe sees both variants, ffmpeg
/// decodes 20 s, the checker passes over 20 s while malformed playlists are
/// PUT (refused; the channel keeps serving), a manifest filter leaves one
/// variant, a delayed endpoint lags by its delay, and startover answers a
/// past range with a closed playlist covering it.
#[tokio::test]
async fn a_live_push_plays_back_through_every_endpoint_feature() -> Result<()> {
    require_tools(&["ffmpeg", "ffprobe"])?;
    let server = Server::start().await?;
    let ingest = create_channel(&server, "live").await?;
    let live_spec = EndpointSpec {
        startover: Some(300),
        ..EndpointSpec::default()
    };
    let delayed_spec = EndpointSpec {
        delay: Some(10),
        ..EndpointSpec::default()
    };
    let live = create_endpoint(&server, "live", "live-hls", live_spec).await?;
    let delayed = create_endpoint(&server, "live", "live-delayed", delayed_spec).await?;
    let mut pusher = ingest[0].push()?;
    wait_playable(&live, 2, &mut pusher).await?;
    let client = http_client()?;
    let (live_expect, delayed_expect) = (live_spec.expect(), delayed_spec.expect());
    let mut phases = Phases::default();

    // 1. Players and the checker, side by side, for 20+ s; malformed
    //    playlists arrive in the middle.
    let (checked, decoded, probed, malformed) = tokio::join!(
        check_live(&client, &live, &live_expect, Duration::from_secs(22)),
        ffmpeg_decodes(&[], &live, 20),
        ffprobe_variants(&live),
        async {
            tokio::time::sleep(Duration::from_secs(6)).await;
            malformed_playlists_are_refused(&client, &ingest[0], &live).await
        },
    );
    phases.record("checker over 22 s (live endpoint)", checked);
    phases.record("ffmpeg decodes 20 s", decoded);
    phases.record("ffprobe lists both variants", probed);
    phases.record(
        "malformed playlists refused, channel keeps serving",
        malformed,
    );

    // 2. Endpoint features on the same stream (now ~35 s old).
    phases
        .run(
            "manifest filter video_height:1-200",
            manifest_filter(&client, &live),
        )
        .await;
    phases
        .run(
            "time delay of 10 s",
            time_delay(&client, &live, &delayed, 10),
        )
        .await;
    let (delayed_checked, startover_checked) = tokio::join!(
        check_live(&client, &delayed, &delayed_expect, Duration::from_secs(8)),
        startover(&client, &live),
    );
    phases.record("checker over 8 s (delayed endpoint)", delayed_checked);
    phases.record("startover ?start=&end=", startover_checked);
    ensure!(
        pusher.is_running(),
        "the encoder died during the test:\n{}",
        pusher.log_tail()
    );
    phases.finish()
}

/// A media playlist that is not one, and one whose segment URI climbs out
/// of the ingest directory: 4xx with a message (the credentials are right,
/// so not 401/403); afterwards the endpoint's playlists still advance.
async fn malformed_playlists_are_refused(
    client: &reqwest::Client,
    ingest: &Ingest,
    master: &str,
) -> Result<String> {
    let before = media_playlists(client, master).await?;
    let auth = Some((ingest.username.as_str(), ingest.password.as_str()));
    let cases: [(&str, &[u8]); 2] = [
        ("garbage", b"this is not a playlist\n"),
        (
            "a segment URI with ..",
            b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:2.000000,\n../../other/channel_0_00007.ts\n",
        ),
    ];
    let mut seen = Vec::new();
    for (what, body) in cases {
        let (status, text) = put(&ingest.file("_0.m3u8"), auth, body.to_vec()).await?;
        ensure!(
            (400..500).contains(&status) && status != 401 && status != 403,
            "PUT of a malformed media playlist ({what}) answered {status}, expected a 4xx refusal: {text}"
        );
        ensure!(
            !text.trim().is_empty(),
            "the {status} refusing a malformed playlist ({what}) says nothing"
        );
        seen.push(format!("{what}: {status} {}", text.trim()));
    }
    // Three target durations later every media playlist still lists
    // segments and has moved on.
    tokio::time::sleep(Duration::from_secs(3 * u64::from(SEGMENT_SECONDS))).await;
    let after = media_playlists(client, master).await?;
    for ((url, b), (_, a)) in before.iter().zip(&after) {
        let (was, now) = (b.last_sequence(), a.last_sequence());
        ensure!(
            now > was && a.media_sequence >= b.media_sequence,
            "{url}: the live edge went from {was:?} to {now:?} after the malformed PUTs"
        );
    }
    Ok(seen.join("; "))
}

/// `aws.manifestfilter=video_height:1-200` leaves the 320×180 variant only,
/// and its media playlist plays.
async fn manifest_filter(client: &reqwest::Client, master: &str) -> Result<String> {
    let all = fetch_master(client, master).await?;
    ensure!(all.len() == 2, "unfiltered: {} variants", all.len());
    let filtered_url = format!("{master}?aws.manifestfilter=video_height:1-200");
    let filtered = fetch_master(client, &filtered_url).await?;
    let sizes: Vec<_> = filtered.iter().map(|(v, _)| v.resolution).collect();
    ensure!(
        sizes == [Some((320, 180))],
        "{filtered_url} lists variants of sizes {sizes:?}, expected only 320x180"
    );
    let (_, media) = &filtered[0];
    let p = fetch_media(client, media.as_str(), &Expect::default()).await?;
    let seg = p.segments.last().context("no segment")?;
    let seg_url = media.join(&seg.uri)?;
    let (status, headers, body) = get(client, seg_url.as_str()).await?;
    check_segment(seg_url.as_str(), status, &headers, &body)?;
    Ok(format!(
        "one variant (320x180), {} segments",
        p.segments.len()
    ))
}

/// The delayed endpoint's newest segment starts `delay` s (± one segment
/// and the fetch gap) before the live endpoint's.
async fn time_delay(
    client: &reqwest::Client,
    live: &str,
    delayed: &str,
    delay: i64,
) -> Result<String> {
    let a = newest_segment(client, live).await?;
    let b = newest_segment(client, delayed).await?;
    let c = newest_segment(client, live).await?;
    let (Some(live_a), Some(d), Some(live_c)) = (
        a.program_date_time_ms,
        b.program_date_time_ms,
        c.program_date_time_ms,
    ) else {
        bail!("no program date time on the newest segments: {a:?} {b:?} {c:?}");
    };
    // The live edge may have moved between fetches: take both ends.
    let slack = i64::from(SEGMENT_SECONDS) * 1000;
    let lag_min = live_a - d;
    let lag_max = live_c - d;
    ensure!(
        lag_min <= delay * 1000 + slack && lag_max >= delay * 1000 - slack,
        "the delayed endpoint's newest segment starts at {}, the live one's at {} .. {}: a lag of {lag_min}..{lag_max} ms, expected {delay} s ± {slack} ms",
        iso(d),
        iso(live_a),
        iso(live_c)
    );
    Ok(format!("lag {lag_min}..{lag_max} ms"))
}

/// A past range inside the startover window: `?start=&end=` on the master
/// playlist leads to media playlists that are closed (`EXT-X-ENDLIST`) and
/// cover exactly the segments overlapping the range, every one fetchable.
async fn startover(client: &reqwest::Client, master: &str) -> Result<String> {
    let variants = fetch_master(client, master).await?;
    let (_, first_url) = variants.first().context("no variant")?;
    let now = fetch_media(client, first_url.as_str(), &Expect::default()).await?;
    ensure!(
        now.segments.len() >= 8,
        "only {} segments to choose a range from",
        now.segments.len()
    );
    // Ranges start and end mid-segment (whole seconds, as people write
    // them), well behind the live edge.
    let pick = |s: &hls_check::Segment| -> Result<i64> {
        let pdt = s
            .program_date_time_ms
            .context("segment without date-time")?;
        Ok((pdt + 500).div_euclid(1000) * 1000 + 1000)
    };
    let k = now.segments.len() - 8;
    let start = pick(&now.segments[k])?;
    let end = pick(&now.segments[k + 4])?;
    let iso_s = |ms: i64| iso(ms).replace(".000Z", "Z");
    let url = format!("{master}?start={}&end={}", iso_s(start), iso_s(end));
    let mut summary = Vec::new();
    for (variant, media) in fetch_master(client, &url).await? {
        let p = fetch_media(client, media.as_str(), &Expect::default()).await?;
        let first = p.segments.first().context("empty")?;
        let last = p.segments.last().context("empty")?;
        let (Some(first_start), Some(first_end), Some(last_start), Some(last_end)) = (
            first.program_date_time_ms,
            first.end_ms(),
            last.program_date_time_ms,
            last.end_ms(),
        ) else {
            bail!("{media}: segments without EXT-X-PROGRAM-DATE-TIME: {p:?}");
        };
        ensure!(
            p.end_list,
            "{media} (range {} .. {}, in the past) has no EXT-X-ENDLIST: {p:?}",
            iso(start),
            iso(end)
        );
        ensure!(
            first_start <= start && first_end > start && last_start < end && last_end >= end,
            "{media} covers {} .. {} with segments {}..{}, expected exactly the segments overlapping {} .. {}",
            iso(first_start),
            iso(last_end),
            first.sequence,
            last.sequence,
            iso(start),
            iso(end)
        );
        for s in &p.segments {
            let seg_url = media.join(&s.uri)?;
            let (status, headers, body) = get(client, seg_url.as_str()).await?;
            check_segment(seg_url.as_str(), status, &headers, &body)?;
        }
        summary.push(format!(
            "{:?}: {} segments {}..{}",
            variant.resolution,
            p.segments.len(),
            iso(first_start),
            iso(last_end)
        ));
    }
    ensure!(summary.len() == 2, "{url} lists {} variants", summary.len());
    Ok(summary.join("; "))
}

/// Wrong credentials store nothing: ffmpeg with a wrong password, no
/// credentials, Basic with a wrong password and another endpoint's
/// credentials are all refused (401/403) and the endpoint has nothing to
/// play; the same ffmpeg with the right password makes it playable. A
/// segment whose upload is cut short is not stored: a playlist naming it
/// adds nothing playable, and the whole segment, PUT afterwards, plays
/// byte for byte.
#[tokio::test]
async fn ingest_stores_nothing_from_wrong_credentials_or_truncated_segments() -> Result<()> {
    require_tools(&["ffmpeg"])?;
    let server = Server::start().await?;
    let ingest = create_channel(&server, "guarded").await?;
    let master =
        create_endpoint(&server, "guarded", "guarded-hls", EndpointSpec::default()).await?;
    let client = http_client()?;
    let media = master.replace("index.m3u8", "index_1.m3u8");
    let nothing_playable = |when: &'static str| {
        let client = client.clone();
        let (master, media) = (master.clone(), media.clone());
        async move {
            for url in [&master, &media] {
                let (status, _, body) = get(&client, url).await?;
                ensure!(
                    status == 404,
                    "{when}: GET {url} answered {status}, expected 404 (nothing was stored): {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Ok(())
        }
    };

    // ffmpeg with a wrong password. (ffmpeg cannot tell: after the first
    // challenge it streams each body before reading the answer, and never
    // reads it; what counts is what the server kept.)
    let mut wrong = Pusher::to_ingest_for(
        &ingest[0].url,
        &ingest[0].username,
        "wrong-password",
        Some(4),
    )?;
    wrong.wait(Duration::from_secs(30)).await?;
    nothing_playable("after ffmpeg pushed with a wrong password").await?;

    // By hand: no credentials, a wrong password, the other endpoint's.
    let segment = tokio::task::spawn_blocking(tributary_tests::hls)
        .await??
        .segments()[1]
        .bytes
        .clone();
    let target = ingest[0].file("_0_00000.ts");
    let resp = http_client()?
        .put(&target)
        .body(segment.clone())
        .send()
        .await?;
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(" | ");
    ensure!(
        status == 401 && challenge.contains("Digest"),
        "an unauthenticated PUT answered {status} with WWW-Authenticate {challenge:?}, expected 401 with a Digest challenge"
    );
    for (what, user, password) in [
        (
            "a wrong password",
            ingest[0].username.as_str(),
            "wrong-password",
        ),
        ("a wrong user name", "nobody", ingest[0].password.as_str()),
        (
            "the other ingest endpoint's credentials",
            ingest[1].username.as_str(),
            ingest[1].password.as_str(),
        ),
    ] {
        let (status, text) = put(&target, Some((user, password)), segment.clone()).await?;
        ensure!(
            status == 401 || status == 403,
            "a PUT with {what} answered {status}, expected 401 or 403: {text}"
        );
        let (status, text) = put(
            &ingest[0].file("_0.m3u8"),
            Some((user, password)),
            b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\nchannel_0_00000.ts\n".to_vec(),
        )
        .await?;
        ensure!(
            status == 401 || status == 403,
            "a playlist PUT with {what} answered {status}, expected 401 or 403: {text}"
        );
    }
    nothing_playable("after PUTs with wrong credentials").await?;

    // The same ffmpeg with the right password: playable.
    let mut right = Pusher::to_ingest_for(
        &ingest[0].url,
        &ingest[0].username,
        &ingest[0].password,
        Some(8),
    )?;
    wait_playable(&master, 2, &mut right).await?;
    right.wait(Duration::from_secs(30)).await?;

    // A segment cut short, then a playlist naming it.
    let before = fetch_media(&client, &media, &Expect::default()).await?;
    let suffix = "_0_00090.ts";
    let name = format!("channel{suffix}");
    let cut = segment.len() / 2 / 188 * 188;
    let auth = (ingest[0].username.as_str(), ingest[0].password.as_str());
    let answer = truncated_put(
        &ingest[0].file(suffix),
        auth,
        segment.len(),
        &segment[..cut],
    )
    .await?;
    let playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:90\n#EXTINF:2.000000,\n{name}\n"
    );
    let (status, text) = put(
        &ingest[0].file("_0.m3u8"),
        Some(auth),
        playlist.clone().into_bytes(),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = fetch_media(&client, &media, &Expect::default()).await?;
    ensure!(
        after.last_sequence() == before.last_sequence(),
        "after a segment upload cut off at {cut} of {} bytes (server: {answer}) and a playlist naming it (answered {status} {text}), {media} lists new segments: before {before:?}, after {after:?}",
        segment.len()
    );

    // The whole segment, then the same playlist: exactly one new segment,
    // served byte for byte.
    let (status, text) = put(&ingest[0].file(suffix), Some(auth), segment.clone()).await?;
    ensure!(
        (200..300).contains(&status),
        "PUT of the whole segment answered {status}: {text}"
    );
    let (status, text) = put(
        &ingest[0].file("_0.m3u8"),
        Some(auth),
        playlist.into_bytes(),
    )
    .await?;
    ensure!(
        (200..300).contains(&status),
        "PUT of the playlist answered {status}: {text}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let p = fetch_media(&client, &media, &Expect::default()).await?;
        if p.last_sequence() > before.last_sequence() || Instant::now() > deadline {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let new: Vec<_> = after
        .segments
        .iter()
        .filter(|s| Some(s.sequence) > before.last_sequence())
        .collect();
    ensure!(
        new.len() == 1,
        "after the whole segment and its playlist, {media} lists {} new segments, expected 1: {after:?}",
        new.len()
    );
    let seg_url = reqwest::Url::parse(&media)?.join(&new[0].uri)?;
    let (status, headers, body) = get(&client, seg_url.as_str()).await?;
    check_segment(seg_url.as_str(), status, &headers, &body)?;
    ensure!(
        body == segment,
        "{seg_url} serves {} bytes, not the {} bytes PUT (sha256 {} vs {})",
        body.len(),
        segment.len(),
        tributary_tests::sha256_hex(&body),
        tributary_tests::sha256_hex(&segment)
    );
    Ok(())
}

/// Two encoders push the same stream into the two ingest endpoints; the
/// active one is killed (each in turn, so whichever was active goes): the
/// checker, polling throughout, sees the live edge keep moving with every
/// sequence number, and no stall longer than four target durations.
#[tokio::test]
async fn redundant_ingest_survives_losing_either_encoder_without_a_sequence_gap() -> Result<()> {
    require_tools(&["ffmpeg"])?;
    let server = Server::start().await?;
    let ingest = create_channel(&server, "redundant").await?;
    let spec = EndpointSpec {
        window: 30,
        ..EndpointSpec::default()
    };
    let master = create_endpoint(&server, "redundant", "redundant-hls", spec).await?;
    let mut a = ingest[0].push()?;
    let b = ingest[1].push()?;
    wait_playable(&master, 2, &mut a).await?;
    let client = http_client()?;
    let expect = Expect {
        max_stall: Some(Duration::from_secs(4 * u64::from(SEGMENT_SECONDS))),
        ..spec.expect()
    };
    let run = Duration::from_secs(40);
    let chaos = async {
        let mut a = a;
        let mut b = b;
        let mut events = Vec::new();
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(8)).await;
        a.kill();
        events.push(format!(
            "{:.1} s: encoder 1 killed",
            t0.elapsed().as_secs_f64()
        ));
        tokio::time::sleep(Duration::from_secs(12)).await;
        let mut a = ingest[0].push()?;
        events.push(format!(
            "{:.1} s: encoder 1 restarted",
            t0.elapsed().as_secs_f64()
        ));
        tokio::time::sleep(Duration::from_secs(8)).await;
        ensure!(
            a.is_running(),
            "restarted encoder 1 exited:\n{}",
            a.log_tail()
        );
        b.kill();
        events.push(format!(
            "{:.1} s: encoder 2 killed",
            t0.elapsed().as_secs_f64()
        ));
        Ok::<_, anyhow::Error>((events, a))
    };
    let (checked, chaos) = tokio::join!(check_live(&client, &master, &expect, run), chaos);
    let (events, _a) = chaos?;
    let report: Report = checked.with_context(|| format!("events: {events:?}"))?;
    for t in &report.tracks {
        let (from, to) = t.edges.context("no live edge")?;
        ensure!(
            to >= from + 14,
            "{}: the live edge moved only from {from} to {to} in {run:?} (events {events:?})\n{report}",
            t.name
        );
    }
    eprintln!("{report}events: {events:?}");
    Ok(())
}

/// hls.js 1.x in Debian's headless Chromium, on a page served from another
/// origin (127.0.0.2), plays the endpoint: `playing`, then currentTime
/// advances 5 s. Fails with hls.js's events and the browser console.
#[tokio::test]
async fn hls_js_in_chromium_plays_an_endpoint_from_another_origin() -> Result<()> {
    require_tools(&["ffmpeg", "node"])?;
    let player = BrowserPlayer::check("hls.js/dist/hls.min.js")?;
    let server = Server::start().await?;
    let ingest = create_channel(&server, "web").await?;
    let master = create_endpoint(&server, "web", "web-hls", EndpointSpec::default()).await?;
    let mut pusher = ingest[0].push()?;
    wait_playable(&master, 3, &mut pusher).await?;

    let result = player
        .plays("page.html", &master, Duration::from_secs(90))
        .await
        .with_context(|| format!("encoder log:\n{}", pusher.log_tail()))?;
    eprintln!("hls.js: {result}");
    Ok(())
}
