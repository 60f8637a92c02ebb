//! Per-packet cost of the transport ingest's sans-IO cores, natively, on a
//! real MPEG-TS stream that ffmpeg makes at start (4 s of 720p H.264 at
//! ~4 Mb/s and AAC, muxed CBR at 6 Mb/s with null packets, as contribution
//! encoders send it), cut into 7-packet RTP datagrams:
//!
//! - **TS probe** (`tributary-ts`): parsing one 188-byte packet alone, and
//!   `Probe::push` per packet (continuity counting per PID, PAT/PMT
//!   reassembly and parsing), then per 7-packet RTP datagram: the RTP parse
//!   and the probe of its payload, and the crate work of the host's source
//!   path for one datagram (`host/src/transport/source.rs` and `ingress.rs`:
//!   parse and copy on receive, parse again and probe on accept; not the
//!   host's allowlist and sequence counters, which are private to the binary).
//! - **2022-7 merge** (`tributary-redundancy`): one arriving datagram on one
//!   of two legs, as the host's pipeline feeds it (copy, RTP parse for the
//!   sequence number, `Merger::push`, `poll` when the next deadline has
//!   passed), in simulated time at 100 Mbit/s per leg with leg B 1 ms behind:
//!   both legs clean, leg B losing 2% of its packets, and both legs
//!   reordering 2% of theirs. Then `FAILOVER`: one packet of one of two
//!   healthy sources through `Failover::on_packet`.
//!
//! The state (probe, merger, switch) lives on across iterations, cycling
//! through the stream, so every figure is a steady-state cost. Besides
//! criterion's estimates the bench prints a `packets summary:` line: medians
//! of interleaved rounds, each beside the packet's time budget at 100 Mbit/s
//! (a 188-byte TS packet every 15.0 µs, a 1328-byte RTP datagram every
//! 106 µs), as the share of one core that rate would take.
//!
//! ```sh
//! cargo bench -p tributary-benches --bench packets   # needs ffmpeg
//! ```

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};
use tributary_redundancy::{Failover, Merged, Merger, PathId, Source, SourceId};
use tributary_rtp::{Decode, Encode, RtpPacket};
use tributary_ts::{NULL_PID, PACKET_SIZE, Probe, TsPacket};

/// RTP payload type of MPEG-TS (RFC 3551 `MP2T`).
const PT_MP2T: u8 = 33;
/// TS packets per RTP datagram, as encoders send them.
const PER_DATAGRAM: usize = 7;
/// The rate the budgets are given at.
const BUDGET_BITS_PER_SECOND: f64 = 100e6;

/// A 4-second CBR transport stream made by ffmpeg.
fn ts_stream() -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", "4", "-c:v", "libx264", "-preset", "veryfast"])
        .args(["-b:v", "4M", "-maxrate", "4M", "-bufsize", "2M", "-g", "50"])
        .args(["-c:a", "aac", "-b:a", "128k", "-ac", "2"])
        .args(["-f", "mpegts", "-muxrate", "6M", "pipe:1"])
        .output()
        .expect("ffmpeg makes the bench's TS");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.len() > 1 << 20, "a few MB of TS");
    out.stdout
}

/// RTP datagrams of seven TS packets each (a trailing partial one is left out).
fn rtp_datagrams(ts: &[u8]) -> Vec<Vec<u8>> {
    ts.chunks_exact(PACKET_SIZE * PER_DATAGRAM)
        .enumerate()
        .map(|(i, payload)| {
            let seq = i as u16;
            let mut out = Vec::new();
            RtpPacket::new(PT_MP2T, seq, u32::from(seq) * 1_200, 0x5eed, payload)
                .encode(&mut out)
                .unwrap();
            out
        })
        .collect()
}

/// A step of steady-state work, on state that lives across calls.
trait Step {
    fn step(&mut self);
}

/// `Probe::push` of one TS packet, cycling through the stream.
struct ProbePackets<'a> {
    probe: Probe,
    packets: Vec<&'a [u8]>,
    next: usize,
}

impl Step for ProbePackets<'_> {
    fn step(&mut self) {
        let packet = self.packets[self.next];
        self.probe.push(black_box(packet));
        self.next = (self.next + 1) % self.packets.len();
    }
}

/// What the probe is fed per RTP datagram: the parse and the payload's probe,
/// optionally with the host source path's copy and second parse.
struct ProbeDatagrams<'a> {
    probe: Probe,
    datagrams: &'a [Vec<u8>],
    next: usize,
    source_path: bool,
}

impl Step for ProbeDatagrams<'_> {
    fn step(&mut self) {
        let datagram = black_box(self.datagrams[self.next].as_slice());
        let packet = RtpPacket::decode(datagram).unwrap();
        assert!(packet.payload_type == PT_MP2T && !packet.payload.is_empty());
        if self.source_path {
            // `ingress::classify` copies the accepted datagram into a unit;
            // `SourceState::accept` parses the unit again for its sequence
            // number and probes its payload.
            let unit = Bytes::copy_from_slice(datagram);
            let again = RtpPacket::decode(&unit).unwrap();
            black_box(again.sequence);
            self.probe.push(again.payload);
        } else {
            self.probe.push(packet.payload);
        }
        self.next = (self.next + 1) % self.datagrams.len();
    }
}

/// One arrival on one leg of a 2022-7 merge.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    at: Duration,
    path: PathId,
    seq: u16,
}

/// How the two legs deliver the stream.
#[derive(Debug, Clone, Copy)]
enum Legs {
    Clean,
    BLoses2Percent,
    BothReorder2Percent,
}

impl Legs {
    const ALL: [Legs; 3] = [Legs::Clean, Legs::BLoses2Percent, Legs::BothReorder2Percent];

    fn name(self) -> &'static str {
        match self {
            Legs::Clean => "two_clean_legs",
            Legs::BLoses2Percent => "leg_b_loses_2pct",
            Legs::BothReorder2Percent => "both_legs_reorder_2pct",
        }
    }
}

/// Datagrams per merge cycle: 65536 / CYCLE cycles make the sequence
/// numbers wrap exactly, so the schedule repeats seamlessly.
const CYCLE: usize = 4096;

/// The datagram interval at 100 Mbit/s per leg.
fn datagram_interval(datagram_len: usize) -> Duration {
    Duration::from_secs_f64(datagram_len as f64 * 8.0 / BUDGET_BITS_PER_SECOND)
}

/// One cycle of arrivals on both legs, in arrival order; sequence numbers
/// and times are offsets into the cycle.
fn schedule(legs: Legs, interval: Duration) -> Vec<Arrival> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut one_in_50 = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.is_multiple_of(50)
    };
    let skew = Duration::from_millis(1);
    let mut arrivals = Vec::new();
    for seq in 0..CYCLE {
        let sent = interval * seq as u32;
        for (path, delay) in [(PathId::A, Duration::ZERO), (PathId::B, skew)] {
            let mut at = sent + delay;
            match legs {
                Legs::Clean => {}
                Legs::BLoses2Percent => {
                    if path == PathId::B && one_in_50() {
                        continue;
                    }
                }
                // Arrives just after its successor on the same leg.
                Legs::BothReorder2Percent => {
                    if one_in_50() {
                        at += interval + interval / 2;
                    }
                }
            }
            arrivals.push(Arrival {
                at,
                path,
                seq: seq as u16,
            });
        }
    }
    arrivals.sort_by_key(|a| a.at);
    arrivals
}

/// The merge as the host's pipeline drives it, endlessly over the schedule.
struct Merge<'a> {
    merger: Merger,
    schedule: Vec<Arrival>,
    datagrams: &'a [Vec<u8>],
    period: Duration,
    cycle: u32,
    next: usize,
    released: Vec<Merged>,
    emitted: u64,
}

impl<'a> Merge<'a> {
    fn new(legs: Legs, datagrams: &'a [Vec<u8>]) -> Self {
        let interval = datagram_interval(datagrams[0].len());
        Self {
            merger: Merger::new(Duration::from_millis(200)).unwrap(),
            schedule: schedule(legs, interval),
            datagrams,
            period: interval * CYCLE as u32,
            cycle: 0,
            next: 0,
            released: Vec::new(),
            emitted: 0,
        }
    }
}

impl Step for Merge<'_> {
    fn step(&mut self) {
        let arrival = self.schedule[self.next];
        let now = self.period * self.cycle + arrival.at;
        let seq = arrival
            .seq
            .wrapping_add((self.cycle as usize * CYCLE) as u16);
        // The datagram as it comes off the socket: the host copies it once
        // (`classify`), then parses it for the sequence number.
        let template = &self.datagrams[usize::from(seq) % self.datagrams.len()];
        let mut bytes = template.clone();
        bytes[2..4].copy_from_slice(&seq.to_be_bytes());
        let parsed = RtpPacket::decode(&bytes).unwrap().sequence;
        self.merger
            .push(now, arrival.path, parsed, bytes, &mut self.released);
        if self.merger.next_deadline().is_some_and(|d| d <= now) {
            self.merger.poll(now, &mut self.released);
        }
        // The outputs would send these; here they are dropped.
        self.emitted += self.released.len() as u64;
        self.released.clear();
        self.next += 1;
        if self.next == self.schedule.len() {
            self.next = 0;
            self.cycle += 1;
        }
    }
}

/// `FAILOVER` between two healthy sources (the first is the primary),
/// packets alternating, the switch polled every 50 ms as the host does.
struct Switch {
    switch: Failover,
    interval: Duration,
    n: u32,
    polled: Duration,
    forwarded: u64,
}

impl Switch {
    fn new(interval: Duration) -> Self {
        let sources = [
            Source {
                id: SourceId(0),
                priority: 1,
            },
            Source {
                id: SourceId(1),
                priority: 0,
            },
        ];
        Self {
            switch: Failover::new(&sources, Duration::from_millis(500)).unwrap(),
            interval,
            n: 0,
            polled: Duration::ZERO,
            forwarded: 0,
        }
    }
}

impl Step for Switch {
    fn step(&mut self) {
        // Two packets (one per source) per interval; wraps after ~2.5 days
        // of simulated time, far beyond any run.
        let now = self.interval * (self.n / 2);
        let source = SourceId(self.n % 2);
        if self.switch.on_packet(now, source) {
            self.forwarded += 1;
        }
        if now >= self.polled + Duration::from_millis(50) {
            self.switch.poll(now);
            self.polled = now;
        }
        self.n = self.n.wrapping_add(1);
    }
}

fn run(steps: &mut dyn Step, n: u64) {
    for _ in 0..n {
        steps.step();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Criterion's mode: `cargo bench` passes `--bench`; `cargo test --benches`
/// runs each benchmark once, and then the summary needs one short round.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Interleaved rounds of every step kind, medians per step, each beside its
/// budget at 100 Mbit/s.
fn summary(rows: &mut [(&str, f64, &mut dyn Step)]) {
    let (rounds, per_round) = if benchmarking() {
        (15, 20_000)
    } else {
        (1, 100)
    };
    let mut times: Vec<Vec<Duration>> = rows.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for ((_, _, steps), all) in rows.iter_mut().zip(&mut times) {
            let start = Instant::now();
            run(&mut **steps, per_round);
            all.push(start.elapsed() / per_round as u32);
        }
    }
    let parts: Vec<String> = rows
        .iter()
        .zip(times)
        .map(|((name, budget_us, _), all)| {
            let ns = median(all).as_secs_f64() * 1e9;
            format!(
                "{name} {ns:.0} ns ({:.2}% of its {budget_us:.1} µs budget)",
                ns / 10.0 / budget_us
            )
        })
        .collect();
    println!(
        "packets summary: medians of {rounds} interleaved rounds of {per_round}, budgets at \
         {} Mbit/s per input: {}",
        BUDGET_BITS_PER_SECOND / 1e6,
        parts.join("; ")
    );
}

fn bench(c: &mut Criterion) {
    let stream = ts_stream();
    let packets: Vec<&[u8]> = stream.chunks_exact(PACKET_SIZE).collect();
    let datagrams = rtp_datagrams(&stream);
    // The probe reads the stream as ffmpeg wrote it.
    let mut probe = Probe::new();
    for packet in &packets {
        probe.push(packet);
    }
    let counters = probe.counters();
    assert_eq!((counters.sync_errors, counters.cc_errors), (0, 0));
    assert_eq!(counters.section_errors, 0);
    let programs = probe.programs();
    let codecs: Vec<_> = programs[0]
        .pmt
        .as_ref()
        .unwrap()
        .streams
        .iter()
        .map(|s| s.codec())
        .collect();
    assert_eq!(codecs, [Some("H264"), Some("AAC")]);
    let pmt_pids: Vec<u16> = programs.iter().map(|p| p.pmt_pid).collect();
    let pids: Vec<u16> = packets
        .iter()
        .map(|p| TsPacket::decode(p).unwrap().pid)
        .collect();
    let psi = pids
        .iter()
        .filter(|&&pid| pid == 0 || pmt_pids.contains(&pid))
        .count();
    let null = pids.iter().filter(|&&pid| pid == NULL_PID).count();
    println!(
        "stream: {} TS packets ({psi} PAT/PMT, {null} null), {} RTP datagrams of {} bytes",
        packets.len(),
        datagrams.len(),
        datagrams[0].len()
    );

    let packet_budget_us = PACKET_SIZE as f64 * 8.0 / BUDGET_BITS_PER_SECOND * 1e6;
    let datagram_budget_us = datagrams[0].len() as f64 * 8.0 / BUDGET_BITS_PER_SECOND * 1e6;
    let mut probe_packets = ProbePackets {
        probe: Probe::new(),
        packets: packets.clone(),
        next: 0,
    };
    let mut probe_datagrams = ProbeDatagrams {
        probe: Probe::new(),
        datagrams: &datagrams,
        next: 0,
        source_path: false,
    };
    let mut source_path = ProbeDatagrams {
        probe: Probe::new(),
        datagrams: &datagrams,
        next: 0,
        source_path: true,
    };
    let mut merges: Vec<Merge<'_>> = Legs::ALL
        .iter()
        .map(|&legs| Merge::new(legs, &datagrams))
        .collect();
    let mut failover = Switch::new(datagram_interval(datagrams[0].len()));

    // Every merge releases every datagram once, in order, nothing lost:
    // one cycle and the start-up window, then check the counters.
    for merge in &mut merges {
        let first = merge.schedule.len() * 2;
        run(merge, first as u64);
        let c = merge.merger.counters();
        assert_eq!(c.lost, 0);
        assert!(c.emitted >= 2 * CYCLE as u64 - 2_000, "{c:?}");
        assert_eq!(merge.emitted, c.emitted);
    }
    let counts = [0, 1, 2].map(|i| merges[i].merger.counters());
    assert!(counts[0].recovered == 0 && counts[0].reordered == 0);
    assert!(counts[1].recovered > 0, "leg B's losses came from leg A");
    assert!(counts[2].reordered > 0);
    run(&mut failover, 1_000);
    assert_eq!(failover.forwarded, 500, "only the primary's packets");

    let mut g = c_group(c, "ts_probe");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_one_188_byte_packet", |b| {
        let mut i = 0;
        b.iter(|| {
            let packet = TsPacket::decode(black_box(packets[i])).unwrap();
            i = (i + 1) % packets.len();
            packet
        })
    });
    g.bench_function("probe_one_188_byte_packet", |b| {
        b.iter(|| probe_packets.step())
    });
    g.throughput(Throughput::Elements(PER_DATAGRAM as u64));
    g.bench_function("rtp_parse_and_probe_7_packet_datagram", |b| {
        b.iter(|| probe_datagrams.step())
    });
    g.bench_function("source_path_7_packet_datagram", |b| {
        b.iter(|| source_path.step())
    });
    g.finish();

    let mut g = c_group(c, "rtp_2022_7_merge");
    g.throughput(Throughput::Elements(1));
    for (legs, merge) in Legs::ALL.iter().zip(&mut merges) {
        g.bench_function(format!("arrival_{}", legs.name()), |b| {
            b.iter(|| merge.step())
        });
    }
    g.finish();
    let mut g = c_group(c, "rtp_failover");
    g.bench_function("packet_two_healthy_sources", |b| b.iter(|| failover.step()));
    g.finish();

    // Under a merge each leg's datagrams arrive at 100 Mbit/s: two arrivals
    // share one datagram's budget.
    let [clean, lossy, reordered] = &mut merges[..] else {
        unreachable!("three leg scenarios")
    };
    summary(&mut [
        ("probe per TS packet", packet_budget_us, &mut probe_packets),
        (
            "RTP parse + probe per 7-packet datagram",
            datagram_budget_us,
            &mut probe_datagrams,
        ),
        (
            "source path per datagram",
            datagram_budget_us,
            &mut source_path,
        ),
        ("merge arrival, clean legs", datagram_budget_us / 2.0, clean),
        (
            "merge arrival, leg B loses 2%",
            datagram_budget_us / 2.0,
            lossy,
        ),
        (
            "merge arrival, 2% reordered",
            datagram_budget_us / 2.0,
            reordered,
        ),
        ("failover packet", datagram_budget_us / 2.0, &mut failover),
    ]);
    for merge in &merges {
        assert_eq!(merge.merger.counters().lost, 0);
    }
}

/// A group with short runs: the whole bench stays under a minute.
fn c_group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    g
}

criterion_group!(benches, bench);
criterion_main!(benches);
