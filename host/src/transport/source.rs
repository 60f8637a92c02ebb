//! One flow source, sans-IO: allowlist, protocol check, counters, RTP
//! sequence accounting, TS probe, bitrate and PAT/PMT presence.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tributary_mediaconnect::wire::{
    Protocol, TransportMediaInfo, TransportStream, TransportStreamProgram,
};
use tributary_ts::Probe;

use super::allowlist::Allowlist;
use super::ingress::{DropReason, Unit, classify};
use super::plan::{InputPlan, SourcePlan};
use super::seqstats::{Emitted, SeqCounters, SeqStats};

/// PAT/PMT count as present while their PIDs carried a packet this recently
/// (ISO/IEC 13818-1 asks for them every 100 ms; TR 101 290 flags 500 ms).
const PSI_PRESENCE: Duration = Duration::from_secs(3);
/// Bitrate is measured over windows of this length.
const RATE_WINDOW: Duration = Duration::from_secs(1);
/// The PAT's PID.
const PAT_PID: u16 = 0;

/// What one source has counted and found, for metrics and the runtime record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceSnapshot {
    /// The source's name.
    pub name: String,
    /// Datagrams accepted.
    pub packets: u64,
    /// Bytes of accepted datagrams.
    pub bytes: u64,
    /// Datagrams dropped, by [`DropReason::index`].
    pub dropped: [u64; 4],
    /// RTP sequence accounting.
    pub seq: SeqCounters,
    /// TS continuity-counter errors.
    pub cc_errors: u64,
    /// TS sync errors.
    pub sync_errors: u64,
    /// Accepted bits per second over the last window.
    pub bitrate_bps: u64,
    /// A PAT was read and is still being sent.
    pub pat_present: bool,
    /// A PMT was read and is still being sent.
    pub pmt_present: bool,
    /// The last accepted sender.
    pub peer: Option<IpAddr>,
    /// Programs and streams found.
    pub media: Option<TransportMediaInfo>,
    /// Feeding the outputs now.
    pub active: bool,
}

/// The state of one source.
#[derive(Debug)]
pub struct SourceState {
    plan: SourcePlan,
    packets: u64,
    bytes: u64,
    dropped: [u64; 4],
    seq: SeqStats,
    probe: Probe,
    peer: Option<IpAddr>,
    window_start: Duration,
    window_bytes: u64,
    bitrate_bps: u64,
    pat_packets: u64,
    pat_seen: Option<Duration>,
    pmt_packets: u64,
    pmt_seen: Option<Duration>,
}

impl SourceState {
    /// A source that has seen nothing; `merged` when a merge may fill its gaps.
    pub fn new(plan: SourcePlan, merged: bool) -> Self {
        Self {
            plan,
            packets: 0,
            bytes: 0,
            dropped: [0; 4],
            seq: SeqStats::new(merged),
            probe: Probe::new(),
            peer: None,
            window_start: Duration::ZERO,
            window_bytes: 0,
            bitrate_bps: 0,
            pat_packets: 0,
            pat_seen: None,
            pmt_packets: 0,
            pmt_seen: None,
        }
    }

    /// The plan it runs.
    pub fn plan(&self) -> &SourcePlan {
        &self.plan
    }

    /// Takes a newer plan for the same input (a changed allowlist, say).
    pub fn replan(&mut self, plan: SourcePlan) {
        self.plan = plan;
    }

    /// Checks a datagram from `from`: allowed sender, right protocol.
    /// Accepted packets are counted and probed.
    pub fn datagram(
        &mut self,
        from: SocketAddr,
        bytes: &[u8],
        merged: &Emitted,
    ) -> Result<Unit, DropReason> {
        let checked = match &self.plan.input {
            InputPlan::Socket {
                protocol,
                allowlist,
                ..
            } => check(*protocol, allowlist, from.ip(), bytes),
            // Nothing reaches an entitlement source by socket.
            InputPlan::Entitlement { .. } => Err(DropReason::NotAllowed),
        };
        match checked {
            Ok(unit) => {
                self.peer = Some(from.ip());
                self.accept(&unit, merged);
                Ok(unit)
            }
            Err(reason) => {
                if let Some(n) = self.dropped.get_mut(reason.index()) {
                    *n += 1;
                }
                Err(reason)
            }
        }
    }

    /// Counts and probes an accepted unit.
    pub fn accept(&mut self, unit: &Unit, merged: &Emitted) {
        let len = unit.datagram().len() as u64;
        self.packets += 1;
        self.bytes += len;
        self.window_bytes += len;
        match unit.rtp() {
            Some(rtp) => {
                self.seq.packet(rtp.sequence, merged);
                self.probe.push(rtp.payload);
            }
            None => self.probe.push(unit.datagram()),
        }
    }

    /// The merge released `seq`.
    pub fn released(&mut self, seq: u16) {
        self.seq.released(seq);
    }

    /// Advances the bitrate window and PAT/PMT presence to `now`.
    pub fn tick(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.window_start);
        if elapsed >= RATE_WINDOW {
            let bits = u128::from(self.window_bytes) * 8 * 1_000_000;
            self.bitrate_bps = u64::try_from(bits / elapsed.as_micros().max(1)).unwrap_or(u64::MAX);
            self.window_start = now;
            self.window_bytes = 0;
        }
        let pat = self.probe.pid(PAT_PID).map_or(0, |s| s.packets);
        if pat > self.pat_packets {
            self.pat_packets = pat;
            self.pat_seen = Some(now);
        }
        let pmt: u64 = self
            .probe
            .programs()
            .iter()
            .filter(|p| p.pmt.is_some())
            .filter_map(|p| self.probe.pid(p.pmt_pid))
            .map(|s| s.packets)
            .sum();
        if pmt > self.pmt_packets {
            self.pmt_packets = pmt;
            self.pmt_seen = Some(now);
        }
    }

    /// What it has counted and found; `active` is decided by the caller.
    pub fn snapshot(&self, now: Duration, active: bool) -> SourceSnapshot {
        let recent =
            |at: Option<Duration>| at.is_some_and(|t| now.saturating_sub(t) <= PSI_PRESENCE);
        let ts = self.probe.counters();
        let programs = self.probe.programs();
        SourceSnapshot {
            name: self.plan.name.clone(),
            packets: self.packets,
            bytes: self.bytes,
            dropped: self.dropped,
            seq: self.seq.counters(),
            cc_errors: ts.cc_errors,
            sync_errors: ts.sync_errors,
            bitrate_bps: self.bitrate_bps,
            pat_present: self.probe.pat().is_some() && recent(self.pat_seen),
            pmt_present: programs.iter().any(|p| p.pmt.is_some()) && recent(self.pmt_seen),
            peer: self.peer,
            media: media_info(&self.probe),
            active,
        }
    }
}

fn check(
    protocol: Protocol,
    allowlist: &Allowlist,
    sender: IpAddr,
    bytes: &[u8],
) -> Result<Unit, DropReason> {
    if !allowlist.allows(sender) {
        return Err(DropReason::NotAllowed);
    }
    classify(protocol, bytes)
}

/// DescribeFlowSourceMetadata's view of the probe: the PAT's programs whose
/// PMT has been read, with their streams; `None` before any PAT.
pub fn media_info(probe: &Probe) -> Option<TransportMediaInfo> {
    let pat = probe.pat()?;
    let programs = probe
        .programs()
        .into_iter()
        .filter_map(|program| {
            let pmt = program.pmt?;
            Some(TransportStreamProgram {
                pcr_pid: pmt.pcr_pid,
                program_name: None,
                program_number: program.number,
                program_pid: program.pmt_pid,
                streams: pmt
                    .streams
                    .iter()
                    .map(|s| TransportStream {
                        codec: s.codec().map(str::to_owned),
                        pid: s.pid,
                        stream_type: s.kind().as_str().to_owned(),
                    })
                    .collect(),
            })
        })
        .collect();
    Some(TransportMediaInfo {
        programs,
        ts_id: Some(pat.transport_stream_id),
    })
}
