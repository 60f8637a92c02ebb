//! Flow outputs into MediaPackage channels (a Tributary extension: an
//! output whose `destination` is a channel ARN stands in for MediaConnect →
//! MediaLive → MediaPackage).
//!
//! ```text
//!  flow units ─▶ ChannelSink ─ segmenter (sans-IO) ─▶ bounded queue ─▶ Pusher task
//!                (packet path: never waits)        full: drop + count   │ PUT segment,
//!                                                                        │ master, media
//!                                                                        ▼ playlist
//!                                    http://<own listener>/in/v1/<channel>/<ingest>/…
//! ```
//!
//! [`segmenter`] cuts the TS at random access points, [`playlist`] writes
//! what an encoder writes, [`auth`] answers Basic/Digest, [`target`] picks
//! the segment duration, [`push`] is the task.

pub mod auth;
pub mod es;
pub mod playlist;
pub mod push;
pub mod segmenter;
pub mod target;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;

use super::ingress::Unit;
use super::plan::ChannelPlan;
use push::{Job, PushCtx, PushStats, Pusher};
use segmenter::{Segment, Segmenter};

/// Segments waiting for the pusher: 8 segments is 16–48 s of media, so a
/// slow moment of the packager is absorbed; a channel slower than that
/// loses segments rather than stalling the flow.
pub const QUEUE: usize = 8;

/// What a channel output has done; each only grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelCounters {
    /// TS packets the segmenter took in.
    pub packets: u64,
    /// Segments the channel accepted.
    pub segments_pushed: u64,
    /// Their bytes.
    pub bytes_pushed: u64,
    /// Segments lost: the queue was full, or the stream gave no random
    /// access point to close them at.
    pub segments_dropped: u64,
    /// PUTs that failed for good.
    pub push_failures: u64,
}

/// A flow output into a channel: the segmenter, on the packet path, and
/// the queue to its pusher task.
#[derive(Debug)]
pub struct ChannelSink {
    plan: ChannelPlan,
    segmenter: Segmenter,
    jobs: mpsc::Sender<Job>,
    stats: Arc<PushStats>,
    queue_drops: u64,
    gap: bool,
    out: Vec<Segment>,
}

impl ChannelSink {
    /// Starts the pusher task of output `output` of flow `flow`.
    pub fn start(flow: &str, output: &str, plan: &ChannelPlan, ctx: &PushCtx) -> Self {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let stats = Arc::new(PushStats::default());
        // Epoch seconds: a restarted output numbers after what it pushed
        // before (segments last at least a second), as ffmpeg's
        // `-hls_start_number_source epoch` does.
        let first_sequence = super::flow::epoch_ms() / 1000;
        let pusher = Pusher::new(
            flow,
            output,
            &plan.channel,
            plan.ingest.clone(),
            plan.target_s,
            first_sequence,
            ctx.clone(),
            stats.clone(),
        );
        tokio::spawn(pusher.run(rx));
        tracing::info!(flow, output, channel = %plan.channel, target_s = plan.target_s, "channel output started");
        Self {
            plan: plan.clone(),
            segmenter: Segmenter::new(plan.target_s.saturating_mul(1000)),
            jobs,
            stats,
            queue_drops: 0,
            gap: false,
            out: Vec::new(),
        }
    }

    /// Whether this sink still suits `plan` (same channel and target; new
    /// credentials are picked up by the pusher itself).
    pub fn matches(&self, plan: &ChannelPlan) -> bool {
        self.plan.channel == plan.channel && self.plan.target_s == plan.target_s
    }

    /// Takes one unit that left the flow at wall-clock `now_ms`.
    pub fn take(&mut self, now_ms: i64, unit: &Unit) {
        let ts = unit.ts();
        self.segmenter.push(now_ms, &ts, &mut self.out);
        if self.out.is_empty() {
            return;
        }
        let codecs = self.segmenter.codecs();
        for segment in self.out.drain(..) {
            let job = Job {
                segment,
                codecs: codecs.clone(),
                gap_before: self.gap,
            };
            match self.jobs.try_send(job) {
                Ok(()) => self.gap = false,
                Err(_) => {
                    self.queue_drops += 1;
                    self.gap = true;
                }
            }
        }
    }

    /// Its counts.
    pub fn counters(&self) -> ChannelCounters {
        let s = self.segmenter.counters();
        ChannelCounters {
            packets: s.packets,
            segments_pushed: self.stats.segments.load(Ordering::Relaxed),
            bytes_pushed: self.stats.bytes.load(Ordering::Relaxed),
            segments_dropped: self.queue_drops + s.dropped_segments,
            push_failures: self.stats.failures.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests;
