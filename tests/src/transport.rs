//! Tools for the transport (MediaConnect flow) tests: an MPEG-TS test
//! stream made by ffmpeg, RTP packetisation written here from RFC 3550 (not
//! with our own `rtp` crate, so the server's parser is checked against an
//! independent writer), a paced sender that can leave out chosen packets, a
//! UDP collector, and a Prometheus scrape of `/metrics`.

use anyhow::{Context, Result, bail, ensure};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

use crate::{Server, http_client, run_with_timeout};

/// Bytes in an MPEG-TS packet.
pub const TS_PACKET: usize = 188;
/// TS packets per RTP packet, as ffmpeg and every encoder send them.
pub const TS_PER_RTP: usize = 7;
/// The static RTP payload type of MPEG-TS (RFC 3551).
pub const MP2T_PAYLOAD_TYPE: u8 = 33;

/// Writes a test-pattern MPEG-TS (H.264 640×360 at 25 fps, AAC) of
/// `seconds` to `path`, encoded by ffmpeg, and returns its bytes.
pub fn test_pattern_ts(path: &Path, seconds: u32) -> Result<Vec<u8>> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=640x360:rate=25:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency=1000:sample_rate=48000:duration={seconds}"
        ))
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"])
        .args(["-b:v", "1500k", "-c:a", "aac", "-b:a", "96k"])
        .args(["-f", "mpegts"])
        .arg(path);
    let out = run_with_timeout(cmd, Duration::from_secs(60))?;
    ensure!(
        out.status.success(),
        "ffmpeg could not make the test stream: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(path)?;
    ensure!(
        !bytes.is_empty() && bytes.len() % TS_PACKET == 0,
        "ffmpeg wrote {} bytes, not whole TS packets",
        bytes.len()
    );
    Ok(bytes)
}

/// `count` MPEG-TS packets on PID 0x100 with continuity counters counting
/// up and a payload that names the packet (`tag`, then its index), so any
/// reordering, loss or mix-up shows.
pub fn numbered_ts(tag: u8, count: usize) -> Vec<u8> {
    let mut ts = Vec::with_capacity(count * TS_PACKET);
    for i in 0..count {
        ts.extend_from_slice(&[0x47, 0x41, 0x00, 0x10 | (i % 16) as u8]);
        ts.push(tag);
        ts.extend_from_slice(&(i as u32).to_be_bytes());
        ts.resize(ts.len() + TS_PACKET - 9, 0xa5);
    }
    ts
}

/// `ts` cut into RTP packets of [`TS_PER_RTP`] TS packets (the last may
/// hold fewer): version 2, payload type 33, sequence numbers from
/// `first_seq` (wrapping), a 90 kHz timestamp advancing 90 ticks a packet.
pub fn rtp_packets(ts: &[u8], first_seq: u16, ssrc: u32) -> Vec<Vec<u8>> {
    ts.chunks(TS_PACKET * TS_PER_RTP)
        .enumerate()
        .map(|(i, payload)| {
            let seq = first_seq.wrapping_add(i as u16);
            let timestamp = (i as u32).wrapping_mul(90);
            let mut packet = Vec::with_capacity(12 + payload.len());
            packet.push(0x80); // V=2, no padding, no extension, no CSRC
            packet.push(MP2T_PAYLOAD_TYPE);
            packet.extend_from_slice(&seq.to_be_bytes());
            packet.extend_from_slice(&timestamp.to_be_bytes());
            packet.extend_from_slice(&ssrc.to_be_bytes());
            packet.extend_from_slice(payload);
            packet
        })
        .collect()
}

/// The sequence number and payload of an RTP packet, read per RFC 3550
/// (CSRCs, header extension and padding skipped); `None` when it is not one.
pub fn rtp_parts(packet: &[u8]) -> Option<(u16, &[u8])> {
    if packet.len() < 12 || packet[0] >> 6 != 2 {
        return None;
    }
    let csrcs = usize::from(packet[0] & 0x0f);
    let mut start = 12 + 4 * csrcs;
    if packet[0] & 0x10 != 0 {
        let words = u16::from_be_bytes([*packet.get(start + 2)?, *packet.get(start + 3)?]);
        start += 4 + 4 * usize::from(words);
    }
    let mut end = packet.len();
    if packet[0] & 0x20 != 0 {
        end = end.checked_sub(usize::from(*packet.last()?))?;
    }
    let seq = u16::from_be_bytes([packet[2], packet[3]]);
    Some((seq, packet.get(start..end)?))
}

/// Sends `packets` from `socket` to `to` at `pps` packets a second, leaving
/// out every index for which `skip` is true (they keep their time slot, as
/// a lost packet would).
pub async fn send_paced(
    socket: &UdpSocket,
    to: SocketAddr,
    packets: &[Vec<u8>],
    pps: u32,
    skip: impl Fn(usize) -> bool,
) -> Result<()> {
    let start = tokio::time::Instant::now();
    for (i, packet) in packets.iter().enumerate() {
        let at = start + Duration::from_secs_f64(i as f64 / f64::from(pps));
        tokio::time::sleep_until(at).await;
        if !skip(i) {
            socket.send_to(packet, to).await?;
        }
    }
    Ok(())
}

/// A UDP socket on 127.0.0.1 that keeps every datagram it receives, until
/// `quiet` passes without one after the first (or `limit` passes). It reads
/// on its own thread into a 4 MiB socket buffer, so a busy test runtime or
/// a loaded machine does not make it drop what the server sent.
pub struct Collector {
    /// Where to send.
    pub addr: SocketAddr,
    thread: std::thread::JoinHandle<Vec<Vec<u8>>>,
}

impl Collector {
    /// Bind a free port and start collecting.
    pub async fn bind(quiet: Duration, limit: Duration) -> Result<Self> {
        let socket = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )?;
        // Best effort: the kernel caps it at net.core.rmem_max.
        let _ = socket.set_recv_buffer_size(4 << 20);
        socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        let socket: std::net::UdpSocket = socket.into();
        let addr = socket.local_addr()?;
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + limit;
            let mut got = Vec::new();
            let mut buf = vec![0u8; 65_536];
            loop {
                let now = Instant::now();
                let until = if got.is_empty() {
                    deadline
                } else {
                    (now + quiet).min(deadline)
                };
                let Some(wait) = until.checked_duration_since(now).filter(|w| !w.is_zero()) else {
                    return got;
                };
                if socket.set_read_timeout(Some(wait)).is_err() {
                    return got;
                }
                match socket.recv_from(&mut buf) {
                    Ok((n, _)) => got.push(buf[..n].to_vec()),
                    Err(_) => return got,
                }
            }
        });
        Ok(Self { addr, thread })
    }

    /// What arrived, once collecting has stopped.
    pub async fn finish(self) -> Result<Vec<Vec<u8>>> {
        let thread = self.thread;
        tokio::task::spawn_blocking(move || thread.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the collector thread panicked"))
    }
}

/// A UDP port on 127.0.0.1 that was free a moment ago (and, with `pair`,
/// whose successor was free too, as an RTP receiver binds port+1 for RTCP).
pub fn free_udp_port(pair: bool) -> Result<u16> {
    for _ in 0..100 {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let port = socket.local_addr()?.port();
        if !pair {
            return Ok(port);
        }
        if port % 2 == 0
            && port < u16::MAX
            && std::net::UdpSocket::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return Ok(port);
        }
    }
    bail!("found no free UDP port pair on 127.0.0.1")
}

/// The sum of every series of metric `name` on the server's `/metrics`
/// whose labels include all of `labels` (0 when there is none).
pub async fn metric(server: &Server, name: &str, labels: &[(&str, &str)]) -> Result<f64> {
    let text = http_client()?
        .get(format!("{}/metrics", server.base_url()))
        .send()
        .await?
        .text()
        .await?;
    let mut sum = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (series_name, series_labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        if series_name != name {
            continue;
        }
        let has = |(k, v): &(&str, &str)| {
            series_labels
                .split(',')
                .any(|pair| pair == format!("{k}=\"{v}\""))
        };
        if labels.iter().all(has) {
            sum += value
                .parse::<f64>()
                .with_context(|| format!("metric line {line:?}"))?;
        }
    }
    Ok(sum)
}

/// Polls `check` every 100 ms until it returns true; fails after `limit`
/// with `what` and the last value seen.
pub async fn wait_until<T: std::fmt::Debug, F, Fut>(
    what: &str,
    limit: Duration,
    mut check: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(bool, T)>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let (done, seen) = check().await?;
        if done {
            return Ok(seen);
        }
        if Instant::now() > deadline {
            bail!("{what}: not within {limit:?} (last seen: {seen:?})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn packets_round_trip_through_the_parser() {
        let ts: Vec<u8> = (0..TS_PACKET * 15).map(|i| i as u8).collect();
        let packets = rtp_packets(&ts, u16::MAX - 1, 7);
        assert_eq!(packets.len(), 3);
        let parts: Vec<_> = packets.iter().map(|p| rtp_parts(p).unwrap()).collect();
        assert_eq!(
            parts.iter().map(|p| p.0).collect::<Vec<_>>(),
            [u16::MAX - 1, u16::MAX, 0]
        );
        let payloads: Vec<u8> = parts.iter().flat_map(|p| p.1.iter().copied()).collect();
        assert_eq!(payloads, ts);
    }
}
