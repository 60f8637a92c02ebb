//! The live playlist fixture: a MediaPackage channel whose one rendition
//! holds an hour of 2 s segments (1800), and two HLS origin endpoints over
//! that index — a 3600 s window (all 1800 segments listed) and a 60 s one.
//!
//! Everything goes through the real interfaces, as an operator and an
//! encoder would: the channel and the endpoints with the AWS SDK
//! (`aws-sdk-mediapackage`); the segments, cut by ffmpeg from a tiny test
//! pattern (64×36, 5 fps, one keyframe per segment, so continuous PTS), and
//! the master and media playlists PUT to the channel's ingest endpoint with
//! its credentials (Basic). The media playlists carry
//! `EXT-X-PROGRAM-DATE-TIME` so that the hour ends a few seconds before the
//! ingest starts. They are PUT in batches of [`BATCH`] segments — a sliding
//! playlist as an encoder sends — because an ingest endpoint remembers at
//! most 256 uploads not yet listed.
//!
//! Retention is judged on the clock at each ingest PUT: the hour endpoint
//! has a two-hour startover window (as in `benches/manifest.rs`), so no
//! segment of the hour expires while the fixture is ingested, however long
//! that takes. With no time delay the live window is anchored at the
//! index's newest segment, not at the clock, so once ingest stops the
//! rendered playlists do not change: their bytes, fetched once here, are
//! what nginx and the native handler serve from disk at the same path.

use anyhow::{Context, Result, bail, ensure};
use aws_sdk_mediapackage::types::HlsPackage;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tributary_tests::Keys;

/// The channel's id.
pub const CHANNEL: &str = "benchlive";
/// The origin endpoint with a 3600 s window: the 1800 segments.
pub const HOUR_ENDPOINT: &str = "benchhour";
/// The origin endpoint with a 60 s window over the same index.
pub const MINUTE_ENDPOINT: &str = "benchminute";
/// Both endpoints' `ManifestName`.
pub const MANIFEST_NAME: &str = "index";
/// Segments in the index: one hour.
pub const SEGMENTS: usize = 1800;
/// Seconds per segment (the encoder's and the endpoints').
pub const SEGMENT_SECONDS: u32 = 2;
/// The hour endpoint's `PlaylistWindowSeconds`.
pub const HOUR_WINDOW_S: u32 = 3600;
/// The minute endpoint's `PlaylistWindowSeconds`.
pub const MINUTE_WINDOW_S: u32 = 60;
/// The hour endpoint's `StartoverWindowSeconds` (retention keeps the hour).
pub const STARTOVER_S: u32 = 7200;
/// Both endpoints' `ProgramDateTimeIntervalSeconds`.
pub const PDT_INTERVAL_S: u32 = 60;
/// Segments per ingest media playlist; an ingest endpoint keeps at most
/// 256 uploads that no playlist has listed yet.
pub const BATCH: usize = 200;
/// Segment PUTs in flight at once.
const IN_FLIGHT: usize = 4;
/// The hour ends this long before ingest starts.
const HOUR_ENDS_BEFORE_MS: i64 = 5_000;
/// The rendition's media playlist name at ingest (ffmpeg's `channel_%v`).
const RENDITION_PLAYLIST: &str = "channel_0.m3u8";

/// Path of an endpoint's (only) media playlist: `/out/v1/<id>/index_1.m3u8`.
pub fn media_playlist_path(endpoint: &str) -> String {
    format!("/out/v1/{endpoint}/{MANIFEST_NAME}_1.m3u8")
}

/// One segment as the encoder cut it.
#[derive(Debug, Clone)]
pub struct Cut {
    /// File name (PUT next to the ingest URL, listed by the playlist).
    pub name: String,
    /// `#EXTINF`, in milliseconds.
    pub duration_ms: u32,
    /// The TS bytes.
    pub bytes: Vec<u8>,
}

/// The two rendered media playlists, as Tributary served them after ingest.
#[derive(Debug, Clone)]
pub struct Playlists {
    /// The hour endpoint's: 1800 segments.
    pub hour: Vec<u8>,
    /// The minute endpoint's.
    pub minute: Vec<u8>,
}

/// Cuts [`SEGMENTS`] segments of [`SEGMENT_SECONDS`] with ffmpeg into `dir`
/// and reads them back with the durations ffmpeg's playlist gives.
pub fn encode(dir: &Path) -> Result<Vec<Cut>> {
    std::fs::create_dir_all(dir)?;
    let seconds = SEGMENTS as u32 * SEGMENT_SECONDS;
    let fps = 5;
    let status = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=64x36:rate={fps}"))
        .args(["-t", &seconds.to_string()])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args([
            "-g",
            &(fps * SEGMENT_SECONDS).to_string(),
            "-sc_threshold",
            "0",
        ])
        .args(["-f", "hls", "-hls_time", &SEGMENT_SECONDS.to_string()])
        .args([
            "-hls_list_size",
            "0",
            "-hls_segment_filename",
            "channel_0_%05d.ts",
        ])
        .arg(RENDITION_PLAYLIST)
        .stdin(Stdio::null())
        .status()
        .context("cannot run ffmpeg (benches/load/run installs it)")?;
    ensure!(status.success(), "ffmpeg failed ({status})");
    let listing = std::fs::read_to_string(dir.join(RENDITION_PLAYLIST))?;
    let cuts = parse_listing(&listing)?
        .into_iter()
        .map(|(name, duration_ms)| {
            let bytes = std::fs::read(dir.join(&name)).with_context(|| format!("read {name}"))?;
            Ok(Cut {
                name,
                duration_ms,
                bytes,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    ensure!(
        cuts.len() == SEGMENTS,
        "ffmpeg cut {} segments, not {SEGMENTS}",
        cuts.len()
    );
    Ok(cuts)
}

/// Segment names and `#EXTINF` durations (ms) of a media playlist.
pub fn parse_listing(text: &str) -> Result<Vec<(String, u32)>> {
    let mut out = Vec::new();
    let mut duration = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            let seconds: f64 = rest
                .split(',')
                .next()
                .unwrap_or_default()
                .parse()
                .with_context(|| format!("bad {line:?}"))?;
            duration = Some((seconds * 1000.0).round() as u32);
        } else if !line.is_empty() && !line.starts_with('#') {
            let ms = duration
                .take()
                .with_context(|| format!("{line} has no #EXTINF"))?;
            out.push((line.to_owned(), ms));
        }
    }
    Ok(out)
}

/// The encoder's master playlist: one video variant.
pub fn master_playlist(bandwidth: u64) -> String {
    format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n\
         #EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION=64x36,FRAME-RATE=5.000\n\
         {RENDITION_PLAYLIST}\n"
    )
}

/// An ingest media playlist listing `cuts`, the first numbered `first`
/// (the encoder's media sequence), each with its program date time
/// (`pdts`, epoch ms).
pub fn ingest_playlist(first: usize, cuts: &[Cut], pdts: &[i64]) -> Result<String> {
    let longest = cuts.iter().map(|c| c.duration_ms).max().unwrap_or(1000);
    let mut out = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:{first}\n",
        longest.div_ceil(1000)
    );
    for (cut, pdt) in cuts.iter().zip(pdts) {
        out.push_str(&format!(
            "#EXT-X-PROGRAM-DATE-TIME:{}\n#EXTINF:{}.{:03},\n{}\n",
            rfc3339_ms(*pdt)?,
            cut.duration_ms / 1000,
            cut.duration_ms % 1000,
            cut.name
        ));
    }
    Ok(out)
}

/// `2025-11-21T20:22:00.000Z`.
pub fn rfc3339_ms(ms: i64) -> Result<String> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)?;
    Ok(t.format(format)?)
}

/// Program date times of `cuts` back to back, the last one ending at
/// `end_ms` and the first starting on a whole second at or before
/// `end_ms − their duration`.
pub fn program_date_times(cuts: &[Cut], end_ms: i64) -> Vec<i64> {
    let total: i64 = cuts.iter().map(|c| i64::from(c.duration_ms)).sum();
    let mut at = (end_ms - total).div_euclid(1000) * 1000;
    cuts.iter()
        .map(|c| {
            let pdt = at;
            at += i64::from(c.duration_ms);
            pdt
        })
        .collect()
}

/// Segments a media playlist lists.
pub fn count_segments(playlist: &[u8]) -> usize {
    String::from_utf8_lossy(playlist)
        .lines()
        .filter(|l| l.starts_with("#EXTINF:"))
        .count()
}

/// The last segment URI a media playlist lists.
pub fn last_segment(playlist: &[u8]) -> Option<String> {
    String::from_utf8_lossy(playlist)
        .lines()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
}

/// The first `#EXT-X-PROGRAM-DATE-TIME` a playlist carries.
pub fn first_program_date_time(playlist: &[u8]) -> Option<String> {
    String::from_utf8_lossy(playlist)
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:"))
        .map(str::to_owned)
}

/// Writes the playlists under `root` at the paths Tributary serves them.
pub fn write_files(root: &Path, playlists: &Playlists) -> Result<()> {
    for (endpoint, bytes) in [
        (HOUR_ENDPOINT, &playlists.hour),
        (MINUTE_ENDPOINT, &playlists.minute),
    ] {
        let file = root.join(media_playlist_path(endpoint).trim_start_matches('/'));
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&file, bytes).with_context(|| format!("write {}", file.display()))?;
    }
    Ok(())
}

fn mediapackage(base_url: &str, keys: &Keys) -> aws_sdk_mediapackage::Client {
    use aws_sdk_mediapackage::config;
    let conf = config::Builder::new()
        .behavior_version(config::BehaviorVersion::latest())
        .region(config::Region::new(tributary_tests::REGION))
        .credentials_provider(keys.credentials())
        .endpoint_url(base_url)
        .http_client(crate::fixtures::sdk_http_client())
        .build();
    aws_sdk_mediapackage::Client::from_conf(conf)
}

/// One ingest endpoint's URL and credentials.
#[derive(Clone)]
struct Ingest {
    url: String,
    username: String,
    password: String,
}

impl Ingest {
    /// PUT `body` as `file` next to the ingest URL.
    async fn put(&self, client: &reqwest::Client, file: &str, body: Vec<u8>) -> Result<()> {
        let base = self.url.rsplit_once('/').map_or(&*self.url, |(b, _)| b);
        let url = format!("{base}/{file}");
        let content_type = if file.ends_with(".m3u8") {
            "application/vnd.apple.mpegurl"
        } else {
            "video/MP2T"
        };
        let resp = client
            .put(&url)
            .basic_auth(&self.username, Some(&self.password))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .with_context(|| format!("PUT {url}"))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            bail!("PUT {url}: {status}: {text}");
        }
        Ok(())
    }
}

/// The channel and both endpoints with the SDK; the channel's first
/// ingest endpoint.
async fn create(base_url: &str, keys: &Keys) -> Result<Ingest> {
    let mp = mediapackage(base_url, keys);
    let channel = mp
        .create_channel()
        .id(CHANNEL)
        .description("tributary-load: an hour of 2 s segments")
        .send()
        .await
        .context("CreateChannel")?;
    let ingest = channel
        .hls_ingest()
        .and_then(|h| h.ingest_endpoints().first())
        .context("CreateChannel returned no ingest endpoint")?;
    let ingest = Ingest {
        url: ingest.url().context("ingest endpoint without Url")?.into(),
        username: ingest.username().context("without Username")?.into(),
        password: ingest.password().context("without Password")?.into(),
    };
    for (id, window, startover) in [
        (HOUR_ENDPOINT, HOUR_WINDOW_S, Some(STARTOVER_S)),
        (MINUTE_ENDPOINT, MINUTE_WINDOW_S, None),
    ] {
        let package = HlsPackage::builder()
            .segment_duration_seconds(SEGMENT_SECONDS as i32)
            .playlist_window_seconds(window as i32)
            .program_date_time_interval_seconds(PDT_INTERVAL_S as i32)
            .build();
        let out = mp
            .create_origin_endpoint()
            .channel_id(CHANNEL)
            .id(id)
            .manifest_name(MANIFEST_NAME)
            .hls_package(package)
            .set_startover_window_seconds(startover.map(|s| s as i32))
            .send()
            .await
            .with_context(|| format!("CreateOriginEndpoint {id}"))?;
        let url = out.url().unwrap_or_default();
        ensure!(
            url.ends_with(&format!("/out/v1/{id}/{MANIFEST_NAME}.m3u8")),
            "CreateOriginEndpoint {id} returned Url {url:?}"
        );
    }
    Ok(ingest)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Builds the fixture on the Tributary at `base_url` (segments cut in
/// `dir`) and returns both endpoints' media playlists as served, after
/// checking that the hour endpoint lists all 1800 segments and the minute
/// endpoint the last 60 s of them.
pub async fn ingest(base_url: &str, keys: &Keys, dir: &Path) -> Result<Playlists> {
    let started = Instant::now();
    let cuts = encode(dir)?;
    let encoded = started.elapsed();
    let ingest = create(base_url, keys).await?;
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?;

    let max_bytes = cuts.iter().map(|c| c.bytes.len()).max().unwrap_or(0) as u64;
    let bandwidth = max_bytes * 8 / u64::from(SEGMENT_SECONDS);
    ingest
        .put(
            &client,
            "channel.m3u8",
            master_playlist(bandwidth).into_bytes(),
        )
        .await?;
    let pdts = program_date_times(&cuts, now_ms() - HOUR_ENDS_BEFORE_MS);
    for first in (0..cuts.len()).step_by(BATCH) {
        let batch = &cuts[first..(first + BATCH).min(cuts.len())];
        let mut puts = tokio::task::JoinSet::new();
        for cut in batch {
            if puts.len() >= IN_FLIGHT
                && let Some(done) = puts.join_next().await
            {
                done??;
            }
            let (client, ingest) = (client.clone(), ingest.clone());
            let (name, bytes) = (cut.name.clone(), cut.bytes.clone());
            puts.spawn(async move { ingest.put(&client, &name, bytes).await });
        }
        while let Some(done) = puts.join_next().await {
            done??;
        }
        let playlist = ingest_playlist(first, batch, &pdts[first..first + batch.len()])?;
        ingest
            .put(&client, RENDITION_PLAYLIST, playlist.into_bytes())
            .await?;
    }
    let ingested = started.elapsed();

    let get = |endpoint: &str| {
        let url = format!("{base_url}{}", media_playlist_path(endpoint));
        let client = client.clone();
        async move {
            let resp = client
                .get(&url)
                .send()
                .await
                .with_context(|| format!("GET {url}"))?;
            let status = resp.status();
            let body = resp.bytes().await?.to_vec();
            ensure!(
                status.is_success(),
                "GET {url}: {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
            Ok::<_, anyhow::Error>(body)
        }
    };
    let hour = get(HOUR_ENDPOINT).await?;
    let minute = get(MINUTE_ENDPOINT).await?;
    let head = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(400)]).into_owned();
    ensure!(
        count_segments(&hour) == SEGMENTS,
        "the {HOUR_WINDOW_S} s endpoint lists {} segments, not all {SEGMENTS}:\n{}",
        count_segments(&hour),
        head(&hour)
    );
    // One unbroken hour, dated as the encoder said.
    ensure!(
        !String::from_utf8_lossy(&hour).contains("#EXT-X-DISCONTINUITY")
            && first_program_date_time(&hour) == Some(rfc3339_ms(pdts[0])?),
        "the hour is not one timeline starting at {}:\n{}",
        rfc3339_ms(pdts[0])?,
        head(&hour)
    );
    let per_minute = (MINUTE_WINDOW_S / SEGMENT_SECONDS) as usize;
    let listed = count_segments(&minute);
    ensure!(
        (per_minute..=per_minute + 1).contains(&listed)
            && last_segment(&minute) == last_segment(&hour),
        "the {MINUTE_WINDOW_S} s endpoint lists {listed} segments (expected {per_minute}, the \
         newest ones):\n{}",
        head(&minute)
    );
    eprintln!(
        "   live fixture: {SEGMENTS} segments cut in {:.1} s and ingested in {:.1} s; playlists of \
         {} and {} bytes ({} and {listed} segments)",
        encoded.as_secs_f64(),
        (ingested - encoded).as_secs_f64(),
        hour.len(),
        minute.len(),
        SEGMENTS,
    );
    Ok(Playlists { hour, minute })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn cut(name: &str, duration_ms: u32) -> Cut {
        Cut {
            name: name.into(),
            duration_ms,
            bytes: Vec::new(),
        }
    }

    #[test]
    fn ffmpeg_listings_give_names_and_durations() {
        let text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
                    #EXTINF:2.000000,\nchannel_0_00000.ts\n#EXTINF:1.960000,\nchannel_0_00001.ts\n\
                    #EXT-X-ENDLIST\n";
        assert_eq!(
            parse_listing(text).unwrap(),
            vec![
                ("channel_0_00000.ts".into(), 2000),
                ("channel_0_00001.ts".into(), 1960)
            ]
        );
        assert!(parse_listing("#EXTM3U\na.ts\n").is_err());
    }

    #[test]
    fn program_date_times_are_back_to_back_and_end_in_the_past() {
        let cuts = [cut("a", 2000), cut("b", 2000), cut("c", 1500)];
        let pdts = program_date_times(&cuts, 1_000_010_500);
        assert_eq!(pdts, vec![1_000_005_000, 1_000_007_000, 1_000_009_000]);
        assert!(pdts[2] + 1500 <= 1_000_010_500);
    }

    #[test]
    fn ingest_playlists_carry_sequence_and_dates() {
        let cuts = [
            cut("channel_0_00200.ts", 2000),
            cut("channel_0_00201.ts", 1960),
        ];
        let text = ingest_playlist(200, &cuts, &[0, 2000]).unwrap();
        assert_eq!(
            text,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:200\n\
             #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z\n#EXTINF:2.000,\nchannel_0_00200.ts\n\
             #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:02.000Z\n#EXTINF:1.960,\nchannel_0_00201.ts\n"
        );
        assert_eq!(
            rfc3339_ms(1_763_756_520_123).unwrap(),
            "2025-11-21T20:22:00.123Z"
        );
    }

    #[test]
    fn the_master_lists_the_rendition_playlist() {
        let text = master_playlist(12_000);
        assert!(text.starts_with("#EXTM3U\n"));
        assert!(text.contains("BANDWIDTH=12000,RESOLUTION=64x36"));
        assert!(text.ends_with("\nchannel_0.m3u8\n"));
    }

    #[test]
    fn playlists_are_counted_and_written_where_tributary_serves_them() {
        let text = b"#EXTM3U\n#EXTINF:2.000,\nindex_1_1.ts\n#EXTINF:2.000,\nindex_1_2.ts\n";
        assert_eq!(count_segments(text), 2);
        assert_eq!(last_segment(text).as_deref(), Some("index_1_2.ts"));
        assert_eq!(first_program_date_time(text), None);
        let dated =
            b"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T14:28:58.792Z\n#EXTINF:2.000,\na.ts\n";
        assert_eq!(
            first_program_date_time(dated).as_deref(),
            Some("2026-11-21T14:28:58.792Z")
        );
        let dir = tempfile::tempdir().unwrap();
        let p = Playlists {
            hour: text.to_vec(),
            minute: b"x".to_vec(),
        };
        write_files(dir.path(), &p).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("out/v1/benchhour/index_1.m3u8")).unwrap(),
            text
        );
        assert_eq!(
            media_playlist_path(MINUTE_ENDPOINT),
            "/out/v1/benchminute/index_1.m3u8"
        );
    }
}
