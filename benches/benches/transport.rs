//! Transport load: sustained RTP ingest into a flow with two outputs on
//! loopback, at rising bitrates, beside a minimal native UDP relay doing the
//! same job in the same run. Reports, for each, the highest rate at which
//! both outputs received every packet, and the relay's CPU per 100 Mbps.
//!
//! ```sh
//! ./tests/run --no-run   # or: build the workspace and components in release
//! cargo bench -p tributary-benches --bench transport
//! ```
//!
//! Not a timed test: nothing here passes or fails on speed.

use anyhow::{Context, Result, bail, ensure};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tributary_tests::transport::{MP2T_PAYLOAD_TYPE, TS_PACKET, TS_PER_RTP, free_udp_port};
use tributary_tests::{Options, Server};

/// Bitrates tried, in Mbit/s, each for [`STEP`].
const RATES_MBPS: [u32; 8] = [25, 50, 100, 200, 300, 400, 600, 800];
const STEP: Duration = Duration::from_secs(3);
const PAYLOAD: usize = TS_PACKET * TS_PER_RTP;
/// Environment variable that turns this binary into the baseline relay.
const RELAY_ENV: &str = "TRIBUTARY_BENCH_RELAY";

fn main() -> Result<()> {
    if let Ok(spec) = std::env::var(RELAY_ENV) {
        return relay(&spec);
    }
    if std::env::args().any(|a| a == "--list") {
        return Ok(()); // `cargo test --benches` asks for a listing
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    rows.push((
        "native UDP relay (baseline)",
        run_ladder(&mut Relay::spawn)?,
    ));
    let server = rt.block_on(Server::start_with(Options {
        extra_args: vec!["--transport-address".into(), "127.0.0.1".into()],
        ..Options::default()
    }))?;
    let mut tributary = |ingest: u16, outs: [SocketAddr; 2]| -> Result<Box<dyn Relaying>> {
        rt.block_on(start_flow(&server, ingest, outs))?;
        Ok(Box::new(Flow {
            pid: server.pid().context("server has no pid")?,
        }))
    };
    rows.push((
        "tributary flow (rtp in, 2 rtp outs)",
        run_ladder(&mut tributary)?,
    ));
    print_report(&rows);
    Ok(())
}

/// One rate's outcome.
struct Step {
    mbps: u32,
    sent: u64,
    received: [u64; 2],
    cpu_percent: f64,
}

/// Something forwarding ingest → two outputs whose CPU can be read.
trait Relaying {
    /// CPU seconds used so far.
    fn cpu_seconds(&self) -> Result<f64>;
}

/// Rising rates until one loses packets; a fresh relay/flow per ladder.
fn run_ladder(
    start: &mut dyn FnMut(u16, [SocketAddr; 2]) -> Result<Box<dyn Relaying>>,
) -> Result<Vec<Step>> {
    let ingest = free_udp_port(false)?;
    let receivers = [Receiver::bind()?, Receiver::bind()?];
    let relay = start(ingest, [receivers[0].addr, receivers[1].addr])?;
    std::thread::sleep(Duration::from_millis(500));
    let mut steps = Vec::new();
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    let mut seq = 0u16;
    for mbps in RATES_MBPS {
        let before = [receivers[0].count(), receivers[1].count()];
        let cpu_before = relay.cpu_seconds()?;
        let started = Instant::now();
        let sent = send_at(&sender, ingest, mbps, &mut seq)?;
        std::thread::sleep(Duration::from_millis(300)); // let queues drain
        let cpu = relay.cpu_seconds()? - cpu_before;
        let elapsed = started.elapsed().as_secs_f64();
        let received = [
            receivers[0].count() - before[0],
            receivers[1].count() - before[1],
        ];
        let step = Step {
            mbps,
            sent,
            received,
            cpu_percent: 100.0 * cpu / elapsed,
        };
        let lossless = step.received.iter().all(|r| *r == sent);
        steps.push(step);
        if !lossless {
            break;
        }
    }
    Ok(steps)
}

/// Sends RTP/MPEG-TS at `mbps` (payload bits) for [`STEP`], paced in 1 ms
/// slices; returns how many packets went out.
fn send_at(socket: &UdpSocket, port: u16, mbps: u32, seq: &mut u16) -> Result<u64> {
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let pps = f64::from(mbps) * 1e6 / (PAYLOAD as f64 * 8.0);
    let mut packet = vec![0u8; 12 + PAYLOAD];
    packet[0] = 0x80;
    packet[1] = MP2T_PAYLOAD_TYPE;
    packet[8..12].copy_from_slice(&0x5eed_u32.to_be_bytes());
    for ts in packet[12..].chunks_mut(TS_PACKET) {
        ts[0] = 0x47;
        ts[1] = 0x1f; // null PID: a valid TS the probe ignores
        ts[2] = 0xff;
        ts[3] = 0x10;
    }
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < STEP {
        let due = (start.elapsed().as_secs_f64() * pps) as u64;
        while sent < due {
            packet[2..4].copy_from_slice(&seq.to_be_bytes());
            packet[4..8].copy_from_slice(&((sent as u32).wrapping_mul(90)).to_be_bytes());
            socket.send_to(&packet, to)?;
            *seq = seq.wrapping_add(1);
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(sent)
}

/// Counts datagrams on a 127.0.0.1 port in a thread, with a 4 MiB receive
/// buffer asked for (the kernel caps it at `net.core.rmem_max`), so the
/// measuring end is not what drops packets.
struct Receiver {
    addr: SocketAddr,
    count: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    fn bind() -> Result<Self> {
        let socket = udp_socket(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let addr = socket.local_addr()?;
        let count = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (count.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !s.load(Ordering::Relaxed) {
                if socket.recv_from(&mut buf).is_ok() {
                    c.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        Ok(Self { addr, count, stop })
    }

    fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The baseline: this binary re-run as a blocking recv → 2× send loop.
struct Relay {
    child: Child,
}

impl Relay {
    fn spawn(ingest: u16, outs: [SocketAddr; 2]) -> Result<Box<dyn Relaying>> {
        let child = Command::new(std::env::current_exe()?)
            .env(RELAY_ENV, format!("{ingest},{},{}", outs[0], outs[1]))
            .spawn()?;
        Ok(Box::new(Self { child }))
    }
}

impl Relaying for Relay {
    fn cpu_seconds(&self) -> Result<f64> {
        process_cpu_seconds(self.child.id())
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The relay process: `ingest,out1,out2`.
fn relay(spec: &str) -> Result<()> {
    let mut parts = spec.split(',');
    let port: u16 = parts.next().context("no port")?.parse()?;
    let outs: Vec<SocketAddr> = parts.map(str::parse).collect::<Result<_, _>>()?;
    // The same 4 MiB receive buffer the flow's sockets ask for, so the
    // baseline is not handicapped by the kernel default.
    let socket = udp_socket(SocketAddr::from(([127, 0, 0, 1], port)))?;
    let out = UdpSocket::bind("127.0.0.1:0")?;
    let mut buf = [0u8; 2048];
    loop {
        let (n, _) = socket.recv_from(&mut buf)?;
        for to in &outs {
            out.send_to(&buf[..n], to)?;
        }
    }
}

/// A UDP socket bound to `addr` asking for a 4 MiB receive buffer.
fn udp_socket(addr: SocketAddr) -> Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    // Best effort: the kernel caps it at net.core.rmem_max.
    let _ = socket.set_recv_buffer_size(4 << 20);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// A flow running in the tributary server.
struct Flow {
    pid: u32,
}

impl Relaying for Flow {
    fn cpu_seconds(&self) -> Result<f64> {
        process_cpu_seconds(self.pid)
    }
}

async fn start_flow(server: &Server, ingest: u16, outs: [SocketAddr; 2]) -> Result<()> {
    use aws_sdk_mediaconnect::types::{AddOutputRequest, Protocol, SetSourceRequest, Status};
    let client = server.mediaconnect();
    let output = |name: &str, to: SocketAddr| {
        AddOutputRequest::builder()
            .name(name)
            .protocol(Protocol::Rtp)
            .destination(to.ip().to_string())
            .port(i32::from(to.port()))
            .build()
    };
    let flow = client
        .create_flow()
        .name("bench")
        .source(
            SetSourceRequest::builder()
                .name("in")
                .protocol(Protocol::Rtp)
                .ingest_port(i32::from(ingest))
                .whitelist_cidr("127.0.0.1/32")
                .build(),
        )
        .outputs(output("out-1", outs[0]))
        .outputs(output("out-2", outs[1]))
        .send()
        .await?;
    let arn = flow
        .flow()
        .and_then(|f| f.flow_arn())
        .context("no flow ARN")?
        .to_owned();
    client.start_flow().flow_arn(&arn).send().await?;
    for _ in 0..100 {
        let described = client.describe_flow().flow_arn(&arn).send().await?;
        if described.flow().and_then(|f| f.status()) == Some(&Status::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the bench flow did not become ACTIVE")
}

/// utime + stime of a process, from `/proc/<pid>/stat`, in seconds.
fn process_cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall.
    let rest = stat.rsplit_once(')').context("odd /proc stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    ensure!(fields.len() > 13, "short /proc stat");
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // USER_HZ: the unit of /proc times, 100 on Linux (fixed ABI).
    Ok(ticks / 100.0)
}

fn print_report(rows: &[(&str, Vec<Step>)]) {
    println!("\n## Transport: RTP ingest → 2 outputs on loopback ({STEP:?} per rate)\n");
    println!("| relay | rate (Mbit/s) | sent | out 1 | out 2 | loss | CPU % of one core |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, steps) in rows {
        for s in steps {
            let lost = s.received.iter().map(|r| s.sent.saturating_sub(*r)).max();
            println!(
                "| {name} | {} | {} | {} | {} | {} | {:.1} |",
                s.mbps,
                s.sent,
                s.received[0],
                s.received[1],
                lost.unwrap_or(0),
                s.cpu_percent
            );
        }
    }
    println!("\n| relay | highest lossless rate (Mbit/s) | CPU % per 100 Mbit/s at that rate |");
    println!("| --- | ---: | ---: |");
    for (name, steps) in rows {
        let best = steps
            .iter()
            .filter(|s| s.received.iter().all(|r| *r == s.sent))
            .max_by_key(|s| s.mbps);
        match best {
            Some(s) => println!(
                "| {name} | {} | {:.1} |",
                s.mbps,
                s.cpu_percent * 100.0 / f64::from(s.mbps)
            ),
            None => println!("| {name} | none (lost at {} Mbit/s) | – |", RATES_MBPS[0]),
        }
    }
}
