//! The transport's Prometheus series, labelled `flow_id`, `flow` and
//! `source` or `output`. A flow's series are removed when it stops.
//!
//! Flows count in plain integers on their own task ([`super::pipeline`]);
//! [`FlowMetrics::export`] moves the growth into these counters a few times a
//! second, so the packet path touches no shared state.

use std::collections::HashMap;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::ingress::DropReason;
use super::source::SourceSnapshot;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    flow_id: String,
    flow: String,
    source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DropLabels {
    flow_id: String,
    flow: String,
    source: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutputLabels {
    flow_id: String,
    flow: String,
    output: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FlowLabels {
    flow_id: String,
    flow: String,
}

/// What one output has done; each counter only grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputCounters {
    /// Datagrams sent (a channel output: TS packets segmented).
    pub packets: u64,
    /// Bytes sent (a channel output: bytes of segments the channel took).
    pub bytes: u64,
    /// Sends the socket refused.
    pub send_errors: u64,
    /// A channel output's own counts.
    pub channel: Option<ChannelOutputCounters>,
}

/// What a channel output counts beside [`OutputCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelOutputCounters {
    /// Segments the channel accepted.
    pub segments_pushed: u64,
    /// Segments lost before reaching it (queue full, no random access point).
    pub segments_dropped: u64,
    /// PUTs that failed for good.
    pub push_failures: u64,
}

impl OutputCounters {
    /// The counters of a channel output.
    pub fn of_channel(c: super::channel::ChannelCounters) -> Self {
        Self {
            packets: c.packets,
            bytes: c.bytes_pushed,
            send_errors: 0,
            channel: Some(ChannelOutputCounters {
                segments_pushed: c.segments_pushed,
                segments_dropped: c.segments_dropped,
                push_failures: c.push_failures,
            }),
        }
    }
}

type Counters<L> = Family<L, Counter>;
type Gauges<L> = Family<L, Gauge>;

/// The transport's metric families, registered in the host registry.
#[derive(Debug)]
pub struct TransportMetrics {
    source_packets: Counters<SourceLabels>,
    source_bytes: Counters<SourceLabels>,
    source_bitrate: Gauges<SourceLabels>,
    source_dropped: Counters<DropLabels>,
    source_lost: Counters<SourceLabels>,
    source_recovered: Counters<SourceLabels>,
    source_reordered: Counters<SourceLabels>,
    source_duplicates: Counters<SourceLabels>,
    source_cc_errors: Counters<SourceLabels>,
    source_sync_errors: Counters<SourceLabels>,
    source_pat: Gauges<SourceLabels>,
    source_pmt: Gauges<SourceLabels>,
    source_active: Gauges<SourceLabels>,
    output_packets: Counters<OutputLabels>,
    output_bytes: Counters<OutputLabels>,
    output_send_errors: Counters<OutputLabels>,
    output_segments_pushed: Counters<OutputLabels>,
    output_segments_dropped: Counters<OutputLabels>,
    output_push_failures: Counters<OutputLabels>,
    failover_switches: Counters<FlowLabels>,
}

impl TransportMetrics {
    /// Registers every family in `registry` (whose prefix is `tributary`).
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self {
            source_packets: Family::default(),
            source_bytes: Family::default(),
            source_bitrate: Family::default(),
            source_dropped: Family::default(),
            source_lost: Family::default(),
            source_recovered: Family::default(),
            source_reordered: Family::default(),
            source_duplicates: Family::default(),
            source_cc_errors: Family::default(),
            source_sync_errors: Family::default(),
            source_pat: Family::default(),
            source_pmt: Family::default(),
            source_active: Family::default(),
            output_packets: Family::default(),
            output_bytes: Family::default(),
            output_send_errors: Family::default(),
            output_segments_pushed: Family::default(),
            output_segments_dropped: Family::default(),
            output_push_failures: Family::default(),
            failover_switches: Family::default(),
        };
        let r = registry;
        r.register(
            "flow_source_packets",
            "Datagrams a flow source accepted",
            m.source_packets.clone(),
        );
        r.register(
            "flow_source_bytes",
            "Bytes of datagrams a flow source accepted",
            m.source_bytes.clone(),
        );
        r.register(
            "flow_source_bitrate_bps",
            "Accepted bits per second over the last second",
            m.source_bitrate.clone(),
        );
        r.register(
            "flow_source_dropped",
            "Datagrams a flow source dropped, by reason",
            m.source_dropped.clone(),
        );
        r.register(
            "flow_source_lost",
            "RTP sequence numbers missing on the source's path and not recovered",
            m.source_lost.clone(),
        );
        r.register(
            "flow_source_recovered",
            "RTP sequence numbers missing on this path that a MERGE took from the other path",
            m.source_recovered.clone(),
        );
        r.register(
            "flow_source_reordered",
            "RTP packets that arrived after a later one on the same path",
            m.source_reordered.clone(),
        );
        r.register(
            "flow_source_duplicates",
            "RTP packets repeated on the same path",
            m.source_duplicates.clone(),
        );
        r.register(
            "flow_source_ts_continuity_errors",
            "MPEG-TS continuity-counter errors",
            m.source_cc_errors.clone(),
        );
        r.register(
            "flow_source_ts_sync_errors",
            "MPEG-TS packets without the sync byte",
            m.source_sync_errors.clone(),
        );
        r.register(
            "flow_source_pat_present",
            "1 while a PAT is being received",
            m.source_pat.clone(),
        );
        r.register(
            "flow_source_pmt_present",
            "1 while a PMT is being received",
            m.source_pmt.clone(),
        );
        r.register(
            "flow_source_active",
            "1 while the source feeds the outputs",
            m.source_active.clone(),
        );
        r.register(
            "flow_output_packets",
            "Datagrams a flow output sent",
            m.output_packets.clone(),
        );
        r.register(
            "flow_output_bytes",
            "Bytes a flow output sent",
            m.output_bytes.clone(),
        );
        r.register(
            "flow_output_send_errors",
            "Datagrams a flow output could not send",
            m.output_send_errors.clone(),
        );
        r.register(
            "flow_output_segments_pushed",
            "Segments a channel output pushed into its MediaPackage channel",
            m.output_segments_pushed.clone(),
        );
        r.register(
            "flow_output_segments_dropped",
            "Segments a channel output lost before the channel (queue full, no random access point)",
            m.output_segments_dropped.clone(),
        );
        r.register(
            "flow_output_push_failures",
            "HTTP PUTs of a channel output that failed after retries",
            m.output_push_failures.clone(),
        );
        r.register(
            "flow_failover_switches",
            "Times a FAILOVER flow changed its active source",
            m.failover_switches.clone(),
        );
        m
    }
}

/// One flow's series, and what of its counters was already exported.
#[derive(Debug)]
pub struct FlowMetrics {
    families: Arc<TransportMetrics>,
    flow: FlowLabels,
    sources: HashMap<String, SourceSnapshot>,
    outputs: HashMap<String, OutputCounters>,
    switches: u64,
}

impl FlowMetrics {
    /// Series for flow `flow_id` named `flow`.
    pub fn new(families: Arc<TransportMetrics>, flow_id: &str, flow: &str) -> Self {
        Self {
            families,
            flow: FlowLabels {
                flow_id: flow_id.to_owned(),
                flow: flow.to_owned(),
            },
            sources: HashMap::new(),
            outputs: HashMap::new(),
            switches: 0,
        }
    }

    fn source_labels(&self, source: &str) -> SourceLabels {
        SourceLabels {
            flow_id: self.flow.flow_id.clone(),
            flow: self.flow.flow.clone(),
            source: source.to_owned(),
        }
    }

    fn drop_labels(&self, source: &str, reason: DropReason) -> DropLabels {
        DropLabels {
            flow_id: self.flow.flow_id.clone(),
            flow: self.flow.flow.clone(),
            source: source.to_owned(),
            reason: reason.label().to_owned(),
        }
    }

    fn output_labels(&self, output: &str) -> OutputLabels {
        OutputLabels {
            flow_id: self.flow.flow_id.clone(),
            flow: self.flow.flow.clone(),
            output: output.to_owned(),
        }
    }

    /// Brings the series up to these counts. Sources and outputs not listed
    /// any more lose their series; a source whose counts went backwards
    /// (state rebuilt) continues from its new counts.
    pub fn export(
        &mut self,
        sources: &[SourceSnapshot],
        outputs: &[(String, OutputCounters)],
        switches: u64,
        failover: bool,
    ) {
        let families = self.families.clone();
        let f = &*families;
        for now in sources {
            let before = self
                .sources
                .get(&now.name)
                .filter(|b| {
                    b.packets <= now.packets
                        && b.dropped.iter().zip(&now.dropped).all(|(b, n)| b <= n)
                })
                .cloned()
                .unwrap_or_default();
            let l = self.source_labels(&now.name);
            let add = |family: &Counters<SourceLabels>, new: u64, old: u64| {
                family.get_or_create(&l).inc_by(new.saturating_sub(old));
            };
            add(&f.source_packets, now.packets, before.packets);
            add(&f.source_bytes, now.bytes, before.bytes);
            add(&f.source_lost, now.seq.lost, before.seq.lost);
            add(&f.source_recovered, now.seq.recovered, before.seq.recovered);
            add(&f.source_reordered, now.seq.reordered, before.seq.reordered);
            add(
                &f.source_duplicates,
                now.seq.duplicates,
                before.seq.duplicates,
            );
            add(&f.source_cc_errors, now.cc_errors, before.cc_errors);
            add(&f.source_sync_errors, now.sync_errors, before.sync_errors);
            for reason in DropReason::ALL {
                let i = reason.index();
                let new = now.dropped.get(i).copied().unwrap_or(0);
                let old = before.dropped.get(i).copied().unwrap_or(0);
                f.source_dropped
                    .get_or_create(&self.drop_labels(&now.name, reason))
                    .inc_by(new.saturating_sub(old));
            }
            let gauge = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            f.source_bitrate
                .get_or_create(&l)
                .set(gauge(now.bitrate_bps));
            f.source_pat
                .get_or_create(&l)
                .set(i64::from(now.pat_present));
            f.source_pmt
                .get_or_create(&l)
                .set(i64::from(now.pmt_present));
            f.source_active.get_or_create(&l).set(i64::from(now.active));
            self.sources.insert(now.name.clone(), now.clone());
        }
        let gone: Vec<String> = self
            .sources
            .keys()
            .filter(|name| !sources.iter().any(|s| &s.name == *name))
            .cloned()
            .collect();
        for name in gone {
            self.remove_source(&name);
        }

        for (name, now) in outputs {
            let before = self.outputs.get(name).copied().unwrap_or_default();
            let l = self.output_labels(name);
            f.output_packets
                .get_or_create(&l)
                .inc_by(now.packets.saturating_sub(before.packets));
            f.output_bytes
                .get_or_create(&l)
                .inc_by(now.bytes.saturating_sub(before.bytes));
            f.output_send_errors
                .get_or_create(&l)
                .inc_by(now.send_errors.saturating_sub(before.send_errors));
            if let Some(c) = now.channel {
                let b = before.channel.unwrap_or_default();
                f.output_segments_pushed
                    .get_or_create(&l)
                    .inc_by(c.segments_pushed.saturating_sub(b.segments_pushed));
                f.output_segments_dropped
                    .get_or_create(&l)
                    .inc_by(c.segments_dropped.saturating_sub(b.segments_dropped));
                f.output_push_failures
                    .get_or_create(&l)
                    .inc_by(c.push_failures.saturating_sub(b.push_failures));
            }
            self.outputs.insert(name.clone(), *now);
        }
        let gone: Vec<String> = self
            .outputs
            .keys()
            .filter(|name| !outputs.iter().any(|(n, _)| n == *name))
            .cloned()
            .collect();
        for name in gone {
            self.remove_output(&name);
        }

        if failover {
            f.failover_switches
                .get_or_create(&self.flow)
                .inc_by(switches.saturating_sub(self.switches));
            self.switches = switches;
        } else {
            f.failover_switches.remove(&self.flow);
            self.switches = 0;
        }
    }

    fn remove_source(&mut self, name: &str) {
        let families = self.families.clone();
        let f = &*families;
        let l = self.source_labels(name);
        for family in [
            &f.source_packets,
            &f.source_bytes,
            &f.source_lost,
            &f.source_recovered,
            &f.source_reordered,
            &f.source_duplicates,
            &f.source_cc_errors,
            &f.source_sync_errors,
        ] {
            family.remove(&l);
        }
        for family in [
            &f.source_bitrate,
            &f.source_pat,
            &f.source_pmt,
            &f.source_active,
        ] {
            family.remove(&l);
        }
        for reason in DropReason::ALL {
            f.source_dropped.remove(&self.drop_labels(name, reason));
        }
        self.sources.remove(name);
    }

    fn remove_output(&mut self, name: &str) {
        let families = self.families.clone();
        let f = &*families;
        let l = self.output_labels(name);
        for family in [
            &f.output_packets,
            &f.output_bytes,
            &f.output_send_errors,
            &f.output_segments_pushed,
            &f.output_segments_dropped,
            &f.output_push_failures,
        ] {
            family.remove(&l);
        }
        self.outputs.remove(name);
    }

    /// Removes every series of the flow.
    pub fn remove(&mut self) {
        let sources: Vec<String> = self.sources.keys().cloned().collect();
        for name in sources {
            self.remove_source(&name);
        }
        let outputs: Vec<String> = self.outputs.keys().cloned().collect();
        for name in outputs {
            self.remove_output(&name);
        }
        self.families.failover_switches.remove(&self.flow);
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn render(registry: &Registry) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, registry).unwrap();
        out
    }

    #[test]
    fn series_carry_the_agreed_names_and_go_when_the_flow_stops() {
        let mut registry = Registry::with_prefix("tributary");
        let families = Arc::new(TransportMetrics::register(&mut registry));
        let mut flow = FlowMetrics::new(families, "1-abc", "news");
        let mut source = SourceSnapshot {
            name: "in".into(),
            packets: 10,
            bytes: 13_160,
            bitrate_bps: 105_280,
            pat_present: true,
            active: true,
            ..Default::default()
        };
        source.dropped[DropReason::NotAllowed.index()] = 3;
        source.seq.lost = 2;
        let out = OutputCounters {
            packets: 10,
            bytes: 13_160,
            send_errors: 0,
            channel: None,
        };
        let mut pushed = crate::transport::channel::ChannelCounters {
            packets: 700,
            segments_pushed: 2,
            bytes_pushed: 131_600,
            segments_dropped: 1,
            push_failures: 0,
        };
        let ch = |c| ("ch".to_owned(), OutputCounters::of_channel(c));
        flow.export(
            &[source.clone()],
            &[("out".into(), out), ch(pushed)],
            0,
            true,
        );
        source.packets = 15;
        pushed.segments_pushed = 3;
        pushed.push_failures = 4;
        flow.export(&[source], &[("out".into(), out), ch(pushed)], 1, true);
        let text = render(&registry);
        let l = r#"flow_id="1-abc",flow="news""#;
        for line in [
            format!("tributary_flow_source_packets_total{{{l},source=\"in\"}} 15"),
            format!("tributary_flow_source_bytes_total{{{l},source=\"in\"}} 13160"),
            format!("tributary_flow_source_bitrate_bps{{{l},source=\"in\"}} 105280"),
            format!(
                "tributary_flow_source_dropped_total{{{l},source=\"in\",reason=\"not_allowed\"}} 3"
            ),
            format!(
                "tributary_flow_source_dropped_total{{{l},source=\"in\",reason=\"wrong_payload_type\"}} 0"
            ),
            format!("tributary_flow_source_lost_total{{{l},source=\"in\"}} 2"),
            format!("tributary_flow_source_recovered_total{{{l},source=\"in\"}} 0"),
            format!("tributary_flow_source_reordered_total{{{l},source=\"in\"}} 0"),
            format!("tributary_flow_source_duplicates_total{{{l},source=\"in\"}} 0"),
            format!("tributary_flow_source_ts_continuity_errors_total{{{l},source=\"in\"}} 0"),
            format!("tributary_flow_source_ts_sync_errors_total{{{l},source=\"in\"}} 0"),
            format!("tributary_flow_source_pat_present{{{l},source=\"in\"}} 1"),
            format!("tributary_flow_source_pmt_present{{{l},source=\"in\"}} 0"),
            format!("tributary_flow_source_active{{{l},source=\"in\"}} 1"),
            format!("tributary_flow_output_packets_total{{{l},output=\"out\"}} 10"),
            format!("tributary_flow_output_bytes_total{{{l},output=\"out\"}} 13160"),
            format!("tributary_flow_output_send_errors_total{{{l},output=\"out\"}} 0"),
            format!("tributary_flow_failover_switches_total{{{l}}} 1"),
            format!("tributary_flow_output_bytes_total{{{l},output=\"ch\"}} 131600"),
            format!("tributary_flow_output_segments_pushed_total{{{l},output=\"ch\"}} 3"),
            format!("tributary_flow_output_segments_dropped_total{{{l},output=\"ch\"}} 1"),
            format!("tributary_flow_output_push_failures_total{{{l},output=\"ch\"}} 4"),
        ] {
            assert!(text.contains(&line), "missing {line} in\n{text}");
        }
        flow.remove();
        let text = render(&registry);
        assert!(!text.contains("1-abc"), "{text}");
    }
}
