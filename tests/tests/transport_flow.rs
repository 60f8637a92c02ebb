//! Transport end to end: MediaConnect flows created with the AWS SDK for
//! Rust, fed by ffmpeg (`rtp_mpegts`) and by an RTP sender written in
//! `tributary_tests::transport`, read back by ffmpeg and UDP collectors.

use anyhow::{Context, Result, bail, ensure};
use aws_sdk_mediaconnect::Client;
use aws_sdk_mediaconnect::client::Waiters;
use aws_sdk_mediaconnect::types::{
    AddOutputRequest, FailoverConfig, FailoverMode, GrantEntitlementRequest, Protocol,
    SetSourceRequest, SourcePriority, State, Status,
};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::net::UdpSocket;
use tributary_tests::transport::{
    Collector, free_udp_port, metric, numbered_ts, rtp_packets, rtp_parts, send_paced,
    test_pattern_ts, wait_until,
};
use tributary_tests::{ACCOUNT_ID, Options, Server, run_with_timeout, which};

/// A server whose flow sources bind on 127.0.0.1.
async fn server() -> Result<Server> {
    Server::start_with(Options {
        extra_args: vec!["--transport-address".into(), "127.0.0.1".into()],
        ..Options::default()
    })
    .await
}

fn rtp_source(name: &str, port: u16, cidr: &str) -> SetSourceRequest {
    SetSourceRequest::builder()
        .name(name)
        .protocol(Protocol::Rtp)
        .ingest_port(i32::from(port))
        .whitelist_cidr(cidr)
        .build()
}

fn output(name: &str, protocol: Protocol, to: SocketAddr) -> AddOutputRequest {
    AddOutputRequest::builder()
        .name(name)
        .protocol(protocol)
        .destination(to.ip().to_string())
        .port(i32::from(to.port()))
        .build()
}

fn arn_of(flow: Option<&aws_sdk_mediaconnect::types::Flow>) -> Result<String> {
    flow.and_then(|f| f.flow_arn())
        .map(str::to_owned)
        .context("the response has no flow ARN")
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Start the flow and poll DescribeFlow until it is ACTIVE.
async fn start(client: &Client, arn: &str) -> Result<()> {
    let started = client.start_flow().flow_arn(arn).send().await?;
    ensure!(
        matches!(started.status(), Some(Status::Starting | Status::Active)),
        "StartFlow answered {:?}",
        started.status()
    );
    wait_status(client, arn, Status::Active).await
}

async fn wait_status(client: &Client, arn: &str, want: Status) -> Result<()> {
    wait_until(
        &format!("flow {arn} {want:?}"),
        Duration::from_secs(15),
        || async {
            let flow = client.describe_flow().flow_arn(arn).send().await?;
            let status = flow.flow().and_then(|f| f.status().cloned());
            Ok((
                status.as_ref() == Some(&want),
                (status, flow.messages().cloned()),
            ))
        },
    )
    .await?;
    Ok(())
}

/// A running flow `name` with one rtp source open to 127.0.0.1 and one udp
/// output into a collector: its ingest port and the collector.
async fn simple_flow(server: &Server, name: &str) -> Result<(u16, Collector)> {
    let client = server.mediaconnect();
    let ingest = free_udp_port(false)?;
    let collector = Collector::bind(Duration::from_secs(2), Duration::from_secs(20)).await?;
    let flow = client
        .create_flow()
        .name(name)
        .source(rtp_source("s", ingest, "127.0.0.1/32"))
        .outputs(output("o", Protocol::Udp, collector.addr))
        .send()
        .await?;
    start(&client, &arn_of(flow.flow())?).await?;
    Ok((ingest, collector))
}

fn require_ffmpeg() -> Result<()> {
    for tool in ["ffmpeg", "ffprobe"] {
        ensure!(
            which(tool).is_some(),
            "`{tool}` is not installed: run ./tests/run, which installs ffmpeg"
        );
    }
    Ok(())
}

/// Video frames ffprobe counts in `path` and its codecs, after checking that
/// ffmpeg decodes all of it without one error. (ffprobe's own frame counting
/// complains about the first GOP of any capture made by ffmpeg's RTP reader,
/// server or not, so only ffmpeg's verdict counts.)
fn decode(path: &std::path::Path) -> Result<(u64, Vec<String>)> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"]);
    let out = run_with_timeout(cmd, Duration::from_secs(60))?;
    let errors = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success() && errors.trim().is_empty(),
        "ffmpeg decoding {} reported: {errors}",
        path.display()
    );
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-v", "error", "-count_frames", "-show_entries"])
        .args(["stream=codec_name,nb_read_frames", "-of", "json"])
        .arg(path);
    let out = run_with_timeout(cmd, Duration::from_secs(60))?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let codecs = streams
        .iter()
        .filter_map(|s| s["codec_name"].as_str().map(str::to_owned))
        .collect();
    let frames = streams
        .iter()
        .find(|s| s["codec_name"] == "h264")
        .and_then(|s| s["nb_read_frames"].as_str())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok((frames, codecs))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffmpeg_feeds_a_flow_and_ffmpeg_decodes_both_outputs() -> Result<()> {
    require_ffmpeg()?;
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("in.ts");
    test_pattern_ts(&input, 10)?;
    let server = server().await?;
    let client = server.mediaconnect();

    let ingest = free_udp_port(false)?;
    let rtp_out = free_udp_port(true)?;
    let udp_out = free_udp_port(false)?;
    let flow = client
        .create_flow()
        .name("venue-a")
        .source(rtp_source("camera", ingest, "127.0.0.1/32"))
        .outputs(output("to-rtp", Protocol::Rtp, loopback(rtp_out)))
        .outputs(output("to-udp", Protocol::Udp, loopback(udp_out)))
        .send()
        .await?;
    let arn = &arn_of(flow.flow())?;
    client.start_flow().flow_arn(arn).send().await?;
    // The official waiter, as a user would wait.
    client
        .wait_until_flow_active()
        .flow_arn(arn)
        .wait(Duration::from_secs(30))
        .await
        .context("FlowActive waiter")?;

    // Readers first, so they see the stream from its first packet.
    let readers = [
        (
            format!("rtp://127.0.0.1:{rtp_out}"),
            dir.path().join("rtp.ts"),
        ),
        (
            format!("udp://127.0.0.1:{udp_out}"),
            dir.path().join("udp.ts"),
        ),
    ]
    .map(|(url, file)| {
        let child = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i", &url, "-t", "6", "-c", "copy"])
            .args(["-f", "mpegts"])
            .arg(&file)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        (child, file)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut sender = Command::new("ffmpeg");
    sender
        .args(["-v", "error", "-re", "-i"])
        .arg(&input)
        .args(["-c", "copy", "-f", "rtp_mpegts"])
        .arg(format!("rtp://127.0.0.1:{ingest}"));
    let sent =
        tokio::task::spawn_blocking(move || run_with_timeout(sender, Duration::from_secs(30)))
            .await??;
    ensure!(
        sent.status.success(),
        "ffmpeg sender: {}",
        String::from_utf8_lossy(&sent.stderr)
    );

    for (child, file) in readers {
        let child = child?;
        let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await??;
        ensure!(
            out.status.success(),
            "ffmpeg reading an output: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (frames, codecs) = decode(&file)?;
        // 6 s at 25 fps asked; ffmpeg's RTP reader, fed straight by
        // ffmpeg's sender with no server between, keeps 125 of them.
        ensure!(
            frames >= 120,
            "{}: {frames} frames decoded, want ≥ 120",
            file.display()
        );
        ensure!(
            codecs.contains(&"h264".to_owned()) && codecs.contains(&"aac".to_owned()),
            "{}: codecs {codecs:?}",
            file.display()
        );
    }

    let meta = client
        .describe_flow_source_metadata()
        .flow_arn(arn)
        .send()
        .await?;
    let programs = meta
        .transport_media_info()
        .with_context(|| format!("DescribeFlowSourceMetadata: no transportMediaInfo: {meta:?}"))?
        .programs();
    let mut streams: Vec<(String, String)> = programs
        .iter()
        .flat_map(|p| p.streams())
        .map(|s| {
            let kind = s.stream_type().unwrap_or("");
            (kind.to_owned(), s.codec().unwrap_or("").to_owned())
        })
        .collect();
    streams.sort();
    ensure!(
        streams
            == [
                ("audio".into(), "AAC".into()),
                ("video".into(), "H264".into())
            ],
        "source metadata streams {streams:?}"
    );

    let source = [("flow", "venue-a"), ("source", "camera")];
    ensure!(metric(&server, "tributary_flow_source_packets_total", &source).await? > 1000.0);
    ensure!(
        metric(
            &server,
            "tributary_flow_source_ts_continuity_errors_total",
            &source
        )
        .await?
            == 0.0
    );
    for name in ["to-rtp", "to-udp"] {
        let labels = [("flow", "venue-a"), ("output", name)];
        let packets = metric(&server, "tributary_flow_output_packets_total", &labels).await?;
        ensure!(packets > 1000.0, "output {name} sent {packets} packets");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_outside_the_allowlist_are_dropped_and_counted() -> Result<()> {
    let server = server().await?;
    let (ingest, collector) = simple_flow(&server, "allowlisted").await?;

    let outsider_ts = numbered_ts(2, 7 * 50);
    let outsider = UdpSocket::bind("127.0.0.2:0").await?;
    let packets = rtp_packets(&outsider_ts, 100, 2);
    send_paced(&outsider, loopback(ingest), &packets, 1000, |_| false).await?;
    let labels = [("flow", "allowlisted"), ("reason", "not_allowed")];
    wait_until("50 drops counted", Duration::from_secs(10), || async {
        let n = metric(&server, "tributary_flow_source_dropped_total", &labels).await?;
        Ok((n == 50.0, n))
    })
    .await?;

    let insider_ts = numbered_ts(1, 7 * 50);
    let insider = UdpSocket::bind("127.0.0.1:0").await?;
    let packets = rtp_packets(&insider_ts, 500, 1);
    send_paced(&insider, loopback(ingest), &packets, 1000, |_| false).await?;
    let got = collector.finish().await?;
    // A udp output carries the TS alone: exactly the allowed sender's bytes.
    ensure!(got.len() == 50, "{} datagrams arrived, want 50", got.len());
    ensure!(
        got.concat() == insider_ts,
        "the output is not the allowed stream"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_rebuilds_the_stream_from_two_lossy_paths() -> Result<()> {
    require_ffmpeg()?;
    let dir = tempfile::tempdir()?;
    let ts = test_pattern_ts(&dir.path().join("in.ts"), 6)?;
    let server = server().await?;
    let client = server.mediaconnect();
    let (a, b) = (free_udp_port(false)?, free_udp_port(false)?);
    let collector = Collector::bind(Duration::from_secs(2), Duration::from_secs(60)).await?;
    let flow = client
        .create_flow()
        .name("hitless")
        .sources(rtp_source("path-a", a, "127.0.0.0/8"))
        .sources(rtp_source("path-b", b, "127.0.0.0/8"))
        .source_failover_config(
            FailoverConfig::builder()
                .state(State::Enabled)
                .failover_mode(FailoverMode::Merge)
                .recovery_window(300)
                .build(),
        )
        .outputs(output("o", Protocol::Rtp, collector.addr))
        .send()
        .await?;
    let arn = arn_of(flow.flow())?;
    start(&client, &arn).await?;

    // Sequence numbers wrap during the stream; each path loses a different
    // 5% (a scattered pattern, disjoint between the paths), and path B runs
    // 40 ms behind A, inside the 300 ms window.
    let packets = rtp_packets(&ts, 65_000, 0xfeed);
    let lost_on = |path: u64, i: usize| (i as u64).wrapping_mul(2_654_435_761) % 20 == path;
    let (sa, sb) = (
        UdpSocket::bind("127.0.0.1:0").await?,
        UdpSocket::bind("127.0.0.1:0").await?,
    );
    let path_a = send_paced(&sa, loopback(a), &packets, 1500, |i| lost_on(0, i));
    let path_b = async {
        tokio::time::sleep(Duration::from_millis(40)).await;
        send_paced(&sb, loopback(b), &packets, 1500, |i| lost_on(1, i)).await
    };
    tokio::try_join!(path_a, path_b)?;
    let got = collector.finish().await?;

    let parts: Vec<_> = got
        .iter()
        .map(|p| rtp_parts(p).context("the output sent a non-RTP datagram"))
        .collect::<Result<_>>()?;
    if parts.len() != packets.len() {
        let seen: std::collections::HashSet<u16> = parts.iter().map(|p| p.0).collect();
        let missing: Vec<usize> = (0..packets.len())
            .filter(|i| !seen.contains(&65_000u16.wrapping_add(*i as u16)))
            .collect();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for i in missing {
            match ranges.last_mut() {
                Some(r) if r.1 + 1 == i => r.1 = i,
                _ => ranges.push((i, i)),
            }
        }
        let mut counters = Vec::new();
        for name in [
            "tributary_flow_source_packets_total",
            "tributary_flow_source_lost_total",
            "tributary_flow_source_recovered_total",
            "tributary_flow_output_packets_total",
        ] {
            counters.push((name, metric(&server, name, &[("flow", "hitless")]).await?));
        }
        bail!(
            "{} packets out, {} in; missing index ranges {ranges:?}; server counters {counters:?}",
            parts.len(),
            packets.len(),
        );
    }
    for (i, (seq, _)) in parts.iter().enumerate() {
        ensure!(
            *seq == 65_000u16.wrapping_add(i as u16),
            "packet {i} has sequence {seq}"
        );
    }
    let payload: Vec<u8> = parts.iter().flat_map(|p| p.1.iter().copied()).collect();
    ensure!(payload == ts, "the merged payload differs from the source");
    let flow_label = [("flow", "hitless")];
    let recovered = metric(
        &server,
        "tributary_flow_source_recovered_total",
        &flow_label,
    )
    .await?;
    let lost = metric(&server, "tributary_flow_source_lost_total", &flow_label).await?;
    ensure!(recovered > 0.0, "no packet counted as recovered");
    ensure!(lost == 0.0, "{lost} packets counted lost");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_counted_and_the_flow_keeps_forwarding() -> Result<()> {
    let mut server = server().await?;
    let (ingest, collector) = simple_flow(&server, "robust").await?;

    let ts = numbered_ts(7, 7 * 20);
    let good = rtp_packets(&ts, 1, 9);
    let mut wrong_type = good[0].clone();
    wrong_type[1] = 96;
    let mut version_1 = good[0].clone();
    version_1[0] = 0x40;
    let mut csrc_overrun = good[0][..20].to_vec();
    csrc_overrun[0] = 0x8f; // 15 CSRCs announced, 2 present
    let noise: Vec<u8> = (0..1400u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect();
    let garbage: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x80],
        good[0][..11].to_vec(),
        version_1,
        csrc_overrun,
        noise,
        wrong_type,
    ];
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    for datagram in &garbage {
        socket.send_to(datagram, loopback(ingest)).await?;
    }
    send_paced(&socket, loopback(ingest), &good, 500, |_| false).await?;
    let got = collector.finish().await?;
    ensure!(
        got.concat() == ts,
        "the output is not exactly the 20 good packets"
    );

    let labels = [("flow", "robust")];
    let dropped = wait_until("7 drops counted", Duration::from_secs(5), || async {
        let n = metric(&server, "tributary_flow_source_dropped_total", &labels).await?;
        Ok((n == garbage.len() as f64, n))
    })
    .await?;
    let wrong = metric(
        &server,
        "tributary_flow_source_dropped_total",
        &[("flow", "robust"), ("reason", "wrong_payload_type")],
    )
    .await?;
    ensure!(
        wrong >= 1.0,
        "wrong payload type not counted ({dropped} dropped)"
    );
    server.assert_healthy().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_switches_to_the_backup_when_the_primary_goes_silent() -> Result<()> {
    let server = server().await?;
    let client = server.mediaconnect();
    let (main, backup) = (free_udp_port(false)?, free_udp_port(false)?);
    let collector = Collector::bind(Duration::from_secs(5), Duration::from_secs(60)).await?;
    let flow = client
        .create_flow()
        .name("switching")
        .sources(rtp_source("main", main, "127.0.0.1/32"))
        .sources(rtp_source("backup", backup, "127.0.0.1/32"))
        .source_failover_config(
            FailoverConfig::builder()
                .state(State::Enabled)
                .failover_mode(FailoverMode::Failover)
                .source_priority(SourcePriority::builder().primary_source("main").build())
                .build(),
        )
        .outputs(output("o", Protocol::Udp, collector.addr))
        .send()
        .await?;
    let arn = arn_of(flow.flow())?;
    start(&client, &arn).await?;

    // Both send for 2 s; then the primary stops and the backup sends 4 s more.
    let main_ts = numbered_ts(1, 7 * 400);
    let backup_ts = numbered_ts(2, 7 * 1200);
    let (sm, sb) = (
        UdpSocket::bind("127.0.0.1:0").await?,
        UdpSocket::bind("127.0.0.1:0").await?,
    );
    let main_packets = rtp_packets(&main_ts, 0, 1);
    let backup_packets = rtp_packets(&backup_ts, 30_000, 2);
    tokio::try_join!(
        send_paced(&sm, loopback(main), &main_packets, 200, |_| false),
        send_paced(&sb, loopback(backup), &backup_packets, 200, |_| false),
    )?;
    let got = collector.finish().await?;
    let tags: Vec<u8> = got
        .iter()
        .flat_map(|d| d.chunks(188).map(|p| p[4]))
        .collect();
    let first_backup = tags
        .iter()
        .position(|t| *t == 2)
        .context("the backup never came through")?;
    ensure!(
        first_backup > 0 && tags[..first_backup].iter().all(|t| *t == 1),
        "the primary did not lead"
    );
    ensure!(
        tags[first_backup..].iter().all(|t| *t == 2),
        "the sources were mixed after the switch"
    );
    let switches = metric(
        &server,
        "tributary_flow_failover_switches_total",
        &[("flow", "switching")],
    )
    .await?;
    ensure!(switches >= 1.0, "no switch counted");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entitlements_updates_and_stop_apply_while_the_server_runs() -> Result<()> {
    let server = server().await?;
    let client = server.mediaconnect();
    let ingest = free_udp_port(false)?;
    let first = Collector::bind(Duration::from_secs(3), Duration::from_secs(30)).await?;
    let publisher = client
        .create_flow()
        .name("publisher")
        .source(rtp_source("s", ingest, "127.0.0.1/32"))
        .entitlements(
            GrantEntitlementRequest::builder()
                .name("share")
                .subscribers(ACCOUNT_ID)
                .build(),
        )
        .send()
        .await?;
    let publisher = publisher.flow().context("no flow")?;
    let publisher_arn = arn_of(Some(publisher))?;
    let entitlement = publisher
        .entitlements()
        .first()
        .and_then(|e| e.entitlement_arn())
        .context("the flow lists no entitlement ARN")?
        .to_owned();

    let subscriber = client
        .create_flow()
        .name("subscriber")
        .source(
            SetSourceRequest::builder()
                .name("from-publisher")
                .entitlement_arn(&entitlement)
                .build(),
        )
        .outputs(output("o", Protocol::Udp, first.addr))
        .send()
        .await?;
    let subscriber_arn = arn_of(subscriber.flow())?;
    start(&client, &publisher_arn).await?;
    start(&client, &subscriber_arn).await?;

    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    let ts = numbered_ts(3, 7 * 100);
    send_paced(
        &socket,
        loopback(ingest),
        &rtp_packets(&ts, 0, 3),
        500,
        |_| false,
    )
    .await?;
    let got = first.finish().await?;
    ensure!(
        got.concat() == ts,
        "the subscriber flow did not carry the publisher's stream"
    );

    // An output added to the running publisher starts receiving.
    let second = Collector::bind(Duration::from_secs(3), Duration::from_secs(30)).await?;
    client
        .add_flow_outputs()
        .flow_arn(&publisher_arn)
        .outputs(output("late", Protocol::Udp, second.addr))
        .send()
        .await?;
    wait_status(&client, &publisher_arn, Status::Active).await?;
    let ts = numbered_ts(4, 7 * 50);
    send_paced(
        &socket,
        loopback(ingest),
        &rtp_packets(&ts, 100, 3),
        500,
        |_| false,
    )
    .await?;
    ensure!(
        second.finish().await?.concat() == ts,
        "the added output did not get the stream"
    );

    // Stopped: the port is released and nothing more is sent.
    client.stop_flow().flow_arn(&publisher_arn).send().await?;
    wait_status(&client, &publisher_arn, Status::Standby).await?;
    let freed = std::net::UdpSocket::bind(("127.0.0.1", ingest));
    ensure!(
        freed.is_ok(),
        "the ingest port is still bound after StopFlow"
    );
    Ok(())
}
