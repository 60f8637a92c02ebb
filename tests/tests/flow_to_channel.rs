//! Flow → channel end to end, with clients no one here wrote: a MediaPackage
//! channel and HLS origin endpoint made with `aws-sdk-mediapackage`, a
//! MediaConnect flow made with `aws-sdk-mediaconnect` whose output's
//! destination is the channel's ARN, ffmpeg sending a live H.264 + AAC test
//! pattern into the flow as `rtp_mpegts`, and ffmpeg plus the independent
//! checker in `tributary_tests::hls_check` playing the endpoint back.
//!
//! The flow's host segments the TS at random access points and pushes the
//! segments and playlists into the channel's first ingest endpoint with its
//! credentials, as an encoder would; nothing here reaches past the public
//! APIs, the endpoint URL and `/metrics`.
//!
//! Every test owns its server and its encoder (both killed when it ends)
//! and is bounded by [`TEST_LIMIT`].

use anyhow::{Context, Result, ensure};
use aws_sdk_mediaconnect::types::{AddOutputRequest, Protocol, SetSourceRequest, Status};
use aws_sdk_mediapackage::types::HlsPackage;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tributary_tests::hls_check::{Expect, Report, check_live, fetch_master, fetch_media};
use tributary_tests::playback::ffmpeg_decodes;
use tributary_tests::transport::{free_udp_port, metric, wait_until};
use tributary_tests::{Options, Server, http_client, which, within};

/// The most any test here may take.
const TEST_LIMIT: Duration = Duration::from_secs(150);
/// The encoder's keyframe interval, seconds (50 frames at 25 fps): it
/// divides every segment duration used here, so every segment is whole.
const GOP_SECONDS: f64 = 2.0;

// ---------------------------------------------------------------------------
// The encoder
// ---------------------------------------------------------------------------

/// ffmpeg sending a live test pattern (H.264 640×360 at 25 fps with a
/// keyframe every 2 s, AAC) as RTP/MPEG-TS to a flow source; stops by
/// itself after `seconds`, and is killed when dropped.
struct Encoder {
    child: Option<Child>,
    log: PathBuf,
    _dir: TempDir,
}

impl Encoder {
    fn rtp(port: u16, seconds: u32) -> Result<Self> {
        ensure!(
            which("ffmpeg").is_some(),
            "ffmpeg is not installed: run ./tests/run, which installs it"
        );
        let dir = tempfile::Builder::new()
            .prefix("tributary-encoder-")
            .tempdir()?;
        let log = dir.path().join("ffmpeg.log");
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "warning", "-nostdin"])
            .args(["-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25"])
            .args(["-re", "-f", "lavfi", "-i"])
            .arg("sine=frequency=440:sample_rate=48000")
            .args(["-t", &seconds.to_string()])
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt"])
            .args(["yuv420p", "-g", "50", "-keyint_min", "50"])
            .args(["-sc_threshold", "0", "-b:v", "800k"])
            .args(["-c:a", "aac", "-b:a", "64k", "-f", "rtp_mpegts"])
            .arg(format!("rtp://127.0.0.1:{port}"));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log)?)
            .spawn()
            .context("spawn ffmpeg")?;
        Ok(Self {
            child: Some(child),
            log,
            _dir: dir,
        })
    }

    fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let from = text.len().saturating_sub(4096);
        String::from_utf8_lossy(&text[from..]).into_owned()
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---------------------------------------------------------------------------
// Set-up with the SDKs
// ---------------------------------------------------------------------------

/// A server whose flow sources bind on 127.0.0.1.
async fn server() -> Result<Server> {
    Server::start_with(Options {
        extra_args: vec!["--transport-address".into(), "127.0.0.1".into()],
        ..Options::default()
    })
    .await
}

/// A channel as CreateChannel returned it: its ARN and its first ingest
/// endpoint (the one a flow pushes into).
#[derive(Debug, Clone)]
struct Channel {
    id: String,
    arn: String,
    ingest_id: String,
    ingest_url: String,
    username: String,
    password: String,
}

async fn create_channel(server: &Server, id: &str) -> Result<Channel> {
    let out = server
        .mediapackage()
        .create_channel()
        .id(id)
        .description("flow_to_channel test channel")
        .send()
        .await
        .with_context(|| format!("CreateChannel {id}"))?;
    let first = out
        .hls_ingest()
        .and_then(|h| h.ingest_endpoints().first())
        .context("CreateChannel returned no ingest endpoint")?;
    Ok(Channel {
        id: id.to_owned(),
        arn: out
            .arn()
            .context("CreateChannel returned no Arn")?
            .to_owned(),
        ingest_id: first.id().context("ingest endpoint without Id")?.to_owned(),
        ingest_url: first.url().context("without Url")?.to_owned(),
        username: first.username().context("without Username")?.to_owned(),
        password: first.password().context("without Password")?.to_owned(),
    })
}

/// What the endpoint is made with, and what the checker holds it to.
#[derive(Debug, Clone, Copy)]
struct EndpointSpec {
    segment: i32,
    window: i32,
    pdt_interval: i32,
}

impl EndpointSpec {
    fn expect(&self) -> Expect {
        Expect {
            window_seconds: Some(f64::from(self.window)),
            program_date_time: true,
            pdt_interval_seconds: Some(f64::from(self.pdt_interval)),
            variants: Some(1),
            ..Expect::default()
        }
    }
}

/// Creates HLS origin endpoint `id` on `channel`; its playback URL.
async fn create_endpoint(
    server: &Server,
    channel: &str,
    id: &str,
    spec: EndpointSpec,
) -> Result<String> {
    let package = HlsPackage::builder()
        .segment_duration_seconds(spec.segment)
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
        .send()
        .await
        .with_context(|| format!("CreateOriginEndpoint {id}"))?;
    Ok(out
        .url()
        .context("CreateOriginEndpoint returned no Url")?
        .to_owned())
}

/// Creates flow `name` with an RTP source on `port` (open to 127.0.0.1)
/// and one output `to-channel` whose destination is `channel_arn`, starts
/// it and waits until it is ACTIVE.
async fn start_flow(server: &Server, name: &str, port: u16, channel_arn: &str) -> Result<()> {
    let client = server.mediaconnect();
    let source = SetSourceRequest::builder()
        .name("camera")
        .protocol(Protocol::Rtp)
        .ingest_port(i32::from(port))
        .whitelist_cidr("127.0.0.1/32")
        .build();
    let output = AddOutputRequest::builder()
        .name("to-channel")
        .protocol(Protocol::Udp)
        .destination(channel_arn)
        .build();
    let flow = client
        .create_flow()
        .name(name)
        .source(source)
        .outputs(output)
        .send()
        .await
        .with_context(|| format!("CreateFlow {name} into {channel_arn}"))?;
    let arn = flow
        .flow()
        .and_then(|f| f.flow_arn())
        .context("CreateFlow returned no FlowArn")?
        .to_owned();
    client.start_flow().flow_arn(&arn).send().await?;
    wait_until(
        &format!("flow {name} ACTIVE"),
        Duration::from_secs(15),
        || async {
            let d = client.describe_flow().flow_arn(&arn).send().await?;
            let status = d.flow().and_then(|f| f.status().cloned());
            Ok((
                status == Some(Status::Active),
                (status, d.messages().cloned()),
            ))
        },
    )
    .await?;
    Ok(())
}

/// The counters of output `to-channel` of flow `flow` on `/metrics`:
/// segments pushed, dropped, push failures.
async fn push_counters(server: &Server, flow: &str) -> Result<(f64, f64, f64)> {
    let labels = [("flow", flow), ("output", "to-channel")];
    Ok((
        metric(
            server,
            "tributary_flow_output_segments_pushed_total",
            &labels,
        )
        .await?,
        metric(
            server,
            "tributary_flow_output_segments_dropped_total",
            &labels,
        )
        .await?,
        metric(server, "tributary_flow_output_push_failures_total", &labels).await?,
    ))
}

/// Polls the endpoint until its one media playlist holds at least
/// `seconds` of media; fails with the encoder's and the server's logs and
/// the push counters.
async fn wait_for_media(
    server: &Server,
    flow: &str,
    master: &str,
    seconds: f64,
    limit: Duration,
    encoder: &mut Encoder,
) -> Result<()> {
    let client = http_client()?;
    let deadline = Instant::now() + limit;
    loop {
        ensure!(
            encoder.is_running(),
            "the encoder exited; its log:\n{}",
            encoder.log_tail()
        );
        let last = match media_seconds(&client, master).await {
            Ok(s) if s >= seconds => return Ok(()),
            Ok(s) => format!("{s:.1} s of media"),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() > deadline {
            let counters = push_counters(server, flow).await?;
            anyhow::bail!(
                "{master} did not hold {seconds} s of media within {limit:?}; last: {last}\n\
                 pushed/dropped/failures: {counters:?}\nencoder log:\n{}\nserver log:\n{}",
                encoder.log_tail(),
                server.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn media_seconds(client: &reqwest::Client, master: &str) -> Result<f64> {
    let variants = fetch_master(client, master).await?;
    ensure!(variants.len() == 1, "{} variants", variants.len());
    let p = fetch_media(client, variants[0].1.as_str(), &Expect::default()).await?;
    Ok(p.total_seconds())
}

/// The endpoint's media playlist, as a player reads it.
async fn media_playlist(master: &str) -> Result<tributary_tests::hls_check::MediaPlaylist> {
    let client = http_client()?;
    let variants = fetch_master(&client, master).await?;
    let (_, url) = variants.first().context("no variant")?;
    fetch_media(&client, url.as_str(), &Expect::default()).await
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// ffmpeg → RTP → flow → channel → endpoint: the endpoint's segments are
/// the endpoint's 6 s; ffmpeg decodes 20 s from the start of the window
/// without an error while the checker plays the live endpoint for 20 s
/// (window, program date times, PTS continuity, every segment fetched) and
/// sees the media sequence advance; the output counts segments pushed and
/// neither drops nor failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_feeds_a_channel_and_ffmpeg_decodes_20_s_from_its_endpoint() -> Result<()> {
    within(TEST_LIMIT, "the flow → channel test", async {
        let server = server().await?;
        let channel = create_channel(&server, "studio").await?;
        let spec = EndpointSpec {
            segment: 6,
            window: 60,
            pdt_interval: 6,
        };
        let master = create_endpoint(&server, &channel.id, "studio-hls", spec).await?;
        let port = free_udp_port(false)?;
        start_flow(&server, "to-studio", port, &channel.arn).await?;
        let mut encoder = Encoder::rtp(port, 140)?;

        // 24 s in the window: ffmpeg then decodes 20 s without waiting.
        wait_for_media(
            &server,
            "to-studio",
            &master,
            24.0,
            Duration::from_secs(60),
            &mut encoder,
        )
        .await?;
        let before = media_playlist(&master).await?;
        for s in &before.segments {
            ensure!(
                (s.duration - f64::from(spec.segment)).abs() < 0.05,
                "segment {} lasts {} s, not the endpoint's {} s (the GOP is {GOP_SECONDS} s): {before:?}",
                s.sequence,
                s.duration,
                spec.segment
            );
        }

        let client = http_client()?;
        let expect = spec.expect();
        let (decoded, checked) = tokio::join!(
            ffmpeg_decodes(&["-live_start_index", "0"], &master, 20),
            check_live(&client, &master, &expect, Duration::from_secs(20))
        );
        let decoded = decoded.with_context(|| format!("encoder log:\n{}", encoder.log_tail()))?;
        let report: Report = checked.with_context(|| {
            format!(
                "encoder log:\n{}\nserver log:\n{}",
                encoder.log_tail(),
                server.log_tail()
            )
        })?;
        eprintln!("ffmpeg: {decoded}\n{report}");

        let after = media_playlist(&master).await?;
        ensure!(
            after.last_sequence() > before.last_sequence()
                && after.media_sequence >= before.media_sequence,
            "the media sequence did not advance: before {before:?}, after {after:?}"
        );
        let (pushed, dropped, failures) = push_counters(&server, "to-studio").await?;
        let listed = after.last_sequence().unwrap_or(0) - after.media_sequence + 1;
        ensure!(
            pushed >= listed as f64 && dropped == 0.0 && failures == 0.0,
            "the output pushed {pushed} segments (the endpoint lists {listed}), dropped {dropped}, failed {failures} pushes"
        );
        eprintln!("pushed {pushed} segments, none dropped, no failed push");
        Ok(())
    })
    .await?
}

/// RotateIngestEndpointCredentials on the ingest endpoint the flow pushes
/// into, while it pushes: the old credentials are refused from then on,
/// yet the checker, playing the endpoint throughout, sees the live edge
/// keep moving with every sequence number, and no push fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_ingest_credentials_does_not_stop_the_flow_feeding_the_channel() -> Result<()>
{
    within(TEST_LIMIT, "the credential rotation test", async {
        let server = server().await?;
        let channel = create_channel(&server, "rotating").await?;
        let spec = EndpointSpec {
            segment: 2,
            window: 30,
            pdt_interval: 2,
        };
        let master = create_endpoint(&server, &channel.id, "rotating-hls", spec).await?;
        let port = free_udp_port(false)?;
        start_flow(&server, "to-rotating", port, &channel.arn).await?;
        let mut encoder = Encoder::rtp(port, 120)?;
        wait_for_media(
            &server,
            "to-rotating",
            &master,
            4.0,
            Duration::from_secs(45),
            &mut encoder,
        )
        .await?;

        let client = http_client()?;
        let rotate = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let at_rotation = media_playlist(&master).await?.last_sequence();
            let out = server
                .mediapackage()
                .rotate_ingest_endpoint_credentials()
                .id(&channel.id)
                .ingest_endpoint_id(&channel.ingest_id)
                .send()
                .await
                .context("RotateIngestEndpointCredentials")?;
            let rotated = out
                .hls_ingest()
                .and_then(|h| {
                    h.ingest_endpoints()
                        .iter()
                        .find(|e| e.id() == Some(channel.ingest_id.as_str()))
                })
                .context("the rotated endpoint is missing from the answer")?;
            ensure!(
                rotated.password() != Some(channel.password.as_str()),
                "RotateIngestEndpointCredentials kept the password"
            );
            // The old credentials no longer get in.
            let probe = format!("{}_probe.m3u8", channel.ingest_url);
            let status = client
                .put(&probe)
                .basic_auth(&channel.username, Some(&channel.password))
                .body("#EXTM3U\n")
                .send()
                .await?
                .status();
            ensure!(
                status == reqwest::StatusCode::UNAUTHORIZED,
                "a PUT with the old credentials answered {status}"
            );
            Ok::<_, anyhow::Error>(at_rotation)
        };
        let expect = Expect {
            max_stall: Some(Duration::from_secs(6)),
            ..spec.expect()
        };
        let (checked, rotated) = tokio::join!(
            check_live(&client, &master, &expect, Duration::from_secs(20)),
            rotate
        );
        let at_rotation = rotated?.context("no segment listed at the rotation")?;
        let report: Report = checked.with_context(|| {
            format!(
                "encoder log:\n{}\nserver log:\n{}",
                encoder.log_tail(),
                server.log_tail()
            )
        })?;
        eprintln!("{report}");
        let edge = report
            .tracks
            .first()
            .and_then(|t| t.edges)
            .map(|(_, to)| to)
            .context("no live edge")?;
        // 15 s of 2 s segments after the rotation: at least 5 more.
        ensure!(
            edge >= at_rotation + 5,
            "the live edge was {at_rotation} at the rotation and only {edge} 15 s later\n{report}\nserver log:\n{}",
            server.log_tail()
        );
        let (pushed, dropped, failures) = push_counters(&server, "to-rotating").await?;
        ensure!(
            pushed > 0.0 && dropped == 0.0 && failures == 0.0,
            "the output pushed {pushed} segments, dropped {dropped}, failed {failures} pushes across the rotation"
        );
        Ok(())
    })
    .await?
}
