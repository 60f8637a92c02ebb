//! What a flow record asks the host to run, checked: addresses parsed,
//! allowlists read, redundancy chosen. A record that cannot run yields the
//! messages DescribeFlow shows (`messages.errors`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tributary_mediaconnect::FlowRecord;
use tributary_mediaconnect::wire::{FailoverMode, Protocol, Switch};
use tributary_mediapackage::ChannelRecord;
use tributary_mediapackage::arn::{self as channel_arn, Kind as ArnKind};
use tributary_redundancy::DEFAULT_RECOVERY_WINDOW;

use super::allowlist::Allowlist;
use super::channel::push::Ingest;
use super::channel::target::target_seconds;

/// How long a `FAILOVER` source may be silent before the switch moves away.
/// MediaConnect does not publish its figure; half a second is far above the
/// packet gap of any live stream and short enough for viewers.
pub const FAILOVER_SILENCE: Duration = Duration::from_millis(500);

/// A flow as the host runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowPlan {
    /// The key under `flow/`.
    pub id: String,
    /// The flow's name (a metric label).
    pub name: String,
    /// The record generation this plan was made from.
    pub generation: u64,
    /// The sources that run: one, or two with redundancy.
    pub sources: Vec<SourcePlan>,
    /// How two sources are combined.
    pub redundancy: Redundancy,
    /// Where packets go.
    pub outputs: Vec<OutputPlan>,
    /// ARNs of this flow's ENABLED entitlements: subscribers get its packets.
    pub entitlements: Vec<String>,
}

/// One source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePlan {
    /// The source's name.
    pub name: String,
    /// Where its packets come from.
    pub input: InputPlan,
}

/// Where a source's packets come from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputPlan {
    /// A UDP port of this host.
    Socket {
        /// `<transport address>:<ingestPort>`.
        bind: SocketAddr,
        /// How datagrams are read.
        protocol: Protocol,
        /// Who may send.
        allowlist: Allowlist,
    },
    /// Another flow's entitlement, in process.
    Entitlement {
        /// The entitlement's ARN.
        arn: String,
    },
}

impl InputPlan {
    /// The protocol, when the source reads datagrams itself.
    pub fn protocol(&self) -> Option<Protocol> {
        match self {
            InputPlan::Socket { protocol, .. } => Some(*protocol),
            InputPlan::Entitlement { .. } => None,
        }
    }
}

/// How the sources feed the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redundancy {
    /// One source.
    Single,
    /// SMPTE 2022-7 merge of two RTP sources.
    Merge {
        /// `recoveryWindow`.
        window: Duration,
    },
    /// Switch between two sources on silence.
    Failover {
        /// Index of `sourcePriority.primarySource`, if set.
        primary: Option<usize>,
    },
}

/// One output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputPlan {
    /// The output's name.
    pub name: String,
    /// Where it sends.
    pub sink: SinkPlan,
}

/// Where an output sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkPlan {
    /// UDP datagrams to `destination:port`.
    Udp {
        /// `destination:port`.
        to: SocketAddr,
        /// What the datagrams carry.
        protocol: Protocol,
    },
    /// HLS segments pushed into a MediaPackage channel.
    Channel(ChannelPlan),
}

/// An output into a channel (its `destination` is the channel's ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPlan {
    /// The channel id.
    pub channel: String,
    /// Its first ingest endpoint, as the record said when planned.
    pub ingest: Ingest,
    /// Segment duration, seconds ([`target_seconds`]).
    pub target_s: u32,
}

/// What the store says of one channel a flow pushes into.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    /// The channel record.
    pub record: ChannelRecord,
    /// `segmentDurationSeconds` of each of its origin endpoints.
    pub segment_durations: Vec<u32>,
}

/// Channels known in the store, by id: those a flow's outputs name.
pub type ChannelIndex = HashMap<String, ChannelInfo>;

/// The channel id when `destination` is a MediaPackage channel ARN.
pub fn channel_of(destination: &str) -> Option<&str> {
    match channel_arn::parse(destination.trim()) {
        Some((ArnKind::Channel, id)) => Some(id),
        _ => None,
    }
}

/// Entitlements known in the store: ARN → whether ENABLED.
pub type EntitlementIndex = HashMap<String, bool>;

/// Indexes the entitlements granted by `records`.
pub fn entitlement_index<'a>(
    records: impl IntoIterator<Item = &'a FlowRecord>,
) -> EntitlementIndex {
    records
        .into_iter()
        .flat_map(|r| r.flow.entitlements.iter())
        .map(|e| {
            (
                e.entitlement_arn.clone(),
                e.entitlement_status.unwrap_or_default() == Switch::Enabled,
            )
        })
        .collect()
}

/// The plan for flow `id` on a host whose sources bind on `transport`, or
/// why it cannot run. `channels` holds the channels its outputs name (a
/// missing one is an error).
pub fn plan(
    id: &str,
    record: &FlowRecord,
    transport: IpAddr,
    entitlements: &EntitlementIndex,
    channels: &ChannelIndex,
) -> Result<FlowPlan, Vec<String>> {
    let flow = &record.flow;
    let mut errors = Vec::new();
    let all_sources = if flow.sources.is_empty() {
        std::slice::from_ref(&flow.source)
    } else {
        &flow.sources[..]
    };
    let failover = flow
        .source_failover_config
        .as_ref()
        .filter(|c| c.state == Some(Switch::Enabled));
    let running = match (all_sources.len(), failover) {
        (0, _) => {
            errors.push("the flow has no source".to_owned());
            &[][..]
        }
        (1, _) => all_sources,
        (2, Some(_)) => all_sources,
        // Redundancy off: MediaConnect runs one source.
        (2, None) => all_sources.get(..1).unwrap_or(&[]),
        (n, _) => {
            errors.push(format!("the flow has {n} sources; at most 2 can run"));
            &[][..]
        }
    };

    let mut sources = Vec::new();
    for source in running {
        let name = &source.name;
        let input = if let Some(arn) = &source.entitlement_arn {
            if entitlements.contains_key(arn) {
                Some(InputPlan::Entitlement { arn: arn.clone() })
            } else {
                errors.push(format!(
                    "source {name}: entitlement {arn} does not exist (revoked, or its flow was deleted)"
                ));
                None
            }
        } else {
            socket_input(source, transport, &mut errors)
        };
        if let Some(input) = input {
            sources.push(SourcePlan {
                name: name.clone(),
                input,
            });
        }
    }

    let redundancy = match failover {
        Some(config) if running.len() == 2 => match config.failover_mode {
            Some(FailoverMode::Merge) => {
                let window = config
                    .recovery_window
                    .map_or(DEFAULT_RECOVERY_WINDOW, |ms| {
                        Duration::from_millis(u64::from(ms))
                    });
                if !(100..=15_000).contains(&window.as_millis()) {
                    errors.push(format!(
                        "recoveryWindow {} ms is outside 100–15000 ms",
                        window.as_millis()
                    ));
                }
                if sources
                    .iter()
                    .any(|s| s.input.protocol() != Some(Protocol::Rtp))
                {
                    errors.push(
                        "MERGE needs both sources to use protocol rtp (it merges by RTP sequence number)"
                            .to_owned(),
                    );
                }
                Redundancy::Merge { window }
            }
            // FAILOVER is MediaConnect's original (and default) mode.
            Some(FailoverMode::Failover) | None => {
                let primary = match config
                    .source_priority
                    .as_ref()
                    .and_then(|p| p.primary_source.as_deref())
                {
                    None => None,
                    Some(name) => {
                        let index = running.iter().position(|s| s.name == name);
                        if index.is_none() {
                            errors.push(format!(
                                "sourcePriority.primarySource {name:?} is not a source of this flow"
                            ));
                        }
                        index
                    }
                };
                Redundancy::Failover { primary }
            }
        },
        _ => Redundancy::Single,
    };

    let mut outputs = Vec::new();
    for output in &flow.outputs {
        let name = &output.name;
        if output.output_status == Some(Switch::Disabled) {
            continue;
        }
        // Outputs standing for an entitlement carry no destination: the
        // entitlement's subscribers are fed in process.
        if output.entitlement_arn.is_some() && output.destination.is_none() {
            continue;
        }
        if let Some(channel) = output.destination.as_deref().and_then(channel_of) {
            match channel_output(name, channel, channels) {
                Ok(plan) => outputs.push(OutputPlan {
                    name: name.clone(),
                    sink: SinkPlan::Channel(plan),
                }),
                Err(e) => errors.push(e),
            }
            continue;
        }
        let Some(protocol) = output.transport.as_ref().map(|t| t.protocol) else {
            errors.push(format!("output {name}: no protocol"));
            continue;
        };
        let Some(destination) = output.destination.as_deref() else {
            errors.push(format!("output {name}: no destination"));
            continue;
        };
        let Ok(ip) = destination.trim().parse::<IpAddr>() else {
            errors.push(format!(
                "output {name}: destination {destination:?} is not an IP address"
            ));
            continue;
        };
        let Some(port) = output.port.filter(|&p| p != 0) else {
            errors.push(format!("output {name}: no port"));
            continue;
        };
        outputs.push(OutputPlan {
            name: name.clone(),
            sink: SinkPlan::Udp {
                to: SocketAddr::new(ip, port),
                protocol,
            },
        });
    }

    let entitlements = flow
        .entitlements
        .iter()
        .filter(|e| e.entitlement_status.unwrap_or_default() == Switch::Enabled)
        .map(|e| e.entitlement_arn.clone())
        .collect();

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FlowPlan {
        id: id.to_owned(),
        name: flow.name.clone(),
        generation: record.generation,
        sources,
        redundancy,
        outputs,
        entitlements,
    })
}

fn channel_output(
    name: &str,
    channel: &str,
    channels: &ChannelIndex,
) -> Result<ChannelPlan, String> {
    let info = channels.get(channel).ok_or_else(|| {
        format!("output {name}: MediaPackage channel {channel} does not exist (create it, or change the output's destination)")
    })?;
    let ingest = Ingest::first_of(&info.record)
        .ok_or_else(|| format!("output {name}: channel {channel} has no ingest endpoint"))?;
    Ok(ChannelPlan {
        channel: channel.to_owned(),
        ingest,
        target_s: target_seconds(&info.segment_durations),
    })
}

fn socket_input(
    source: &tributary_mediaconnect::wire::Source,
    transport: IpAddr,
    errors: &mut Vec<String>,
) -> Option<InputPlan> {
    let name = &source.name;
    let Some(protocol) = source.transport.as_ref().map(|t| t.protocol) else {
        errors.push(format!("source {name}: no protocol"));
        return None;
    };
    let Some(port) = source.ingest_port.filter(|&p| p != 0) else {
        errors.push(format!("source {name}: no ingestPort"));
        return None;
    };
    let allowlist = match source.whitelist_cidr.as_deref() {
        None => Allowlist::any(),
        Some(cidr) => match Allowlist::parse(cidr) {
            Ok(list) => list,
            Err(e) => {
                errors.push(format!("source {name}: {e}"));
                return None;
            }
        },
    };
    Some(InputPlan::Socket {
        bind: SocketAddr::new(transport, port),
        protocol,
        allowlist,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
pub(crate) mod tests {
    use super::*;
    use tributary_mediaconnect::Desired;
    use tributary_mediaconnect::wire::{
        Entitlement, FailoverConfig, Flow, Output, Source, SourcePriority, Status, Transport,
    };

    pub(crate) fn transport(protocol: Protocol) -> Transport {
        Transport {
            cidr_allow_list: None,
            max_bitrate: None,
            max_latency: None,
            protocol,
            smoothing_latency: None,
            stream_id: None,
        }
    }

    pub(crate) fn source(name: &str, protocol: Protocol, port: u16) -> Source {
        Source {
            description: None,
            entitlement_arn: None,
            ingest_ip: None,
            ingest_port: Some(port),
            name: name.into(),
            source_arn: format!("arn:aws:mediaconnect:us-east-1:000000000000:source:1-x:{name}"),
            transport: Some(transport(protocol)),
            whitelist_cidr: None,
        }
    }

    pub(crate) fn output(name: &str, protocol: Protocol, to: SocketAddr) -> Output {
        Output {
            description: None,
            destination: Some(to.ip().to_string()),
            entitlement_arn: None,
            name: name.into(),
            output_arn: format!("arn:aws:mediaconnect:us-east-1:000000000000:output:1-x:{name}"),
            port: Some(to.port()),
            transport: Some(transport(protocol)),
            output_status: None,
        }
    }

    pub(crate) fn record(name: &str, sources: Vec<Source>, outputs: Vec<Output>) -> FlowRecord {
        FlowRecord {
            flow: Flow {
                availability_zone: "us-east-1a".into(),
                description: None,
                egress_ip: None,
                entitlements: vec![],
                flow_arn: format!("arn:aws:mediaconnect:us-east-1:000000000000:flow:1-x:{name}"),
                name: name.into(),
                outputs,
                source: sources[0].clone(),
                source_failover_config: None,
                sources,
                status: Status::Standby,
            },
            desired: Desired::Active,
            generation: 1,
            created_ms: 0,
            tags: Default::default(),
        }
    }

    pub(crate) fn failover(mode: FailoverMode, primary: Option<&str>) -> FailoverConfig {
        FailoverConfig {
            failover_mode: Some(mode),
            recovery_window: Some(200),
            source_priority: primary.map(|p| SourcePriority {
                primary_source: Some(p.into()),
            }),
            state: Some(Switch::Enabled),
        }
    }

    fn lo() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    /// Plans flow `1-x` with no entitlements or channels to resolve.
    fn plan_alone(r: &FlowRecord) -> Result<FlowPlan, Vec<String>> {
        plan(
            "1-x",
            r,
            lo(),
            &EntitlementIndex::new(),
            &ChannelIndex::new(),
        )
    }

    #[test]
    fn a_single_rtp_source_binds_on_the_transport_address() {
        let dest: SocketAddr = "127.0.0.1:6000".parse().unwrap();
        let r = record(
            "f",
            vec![source("s", Protocol::Rtp, 5000)],
            vec![output("o", Protocol::Udp, dest)],
        );
        let p = plan_alone(&r).unwrap();
        assert_eq!(p.redundancy, Redundancy::Single);
        assert_eq!(
            p.sources[0].input,
            InputPlan::Socket {
                bind: "127.0.0.1:5000".parse().unwrap(),
                protocol: Protocol::Rtp,
                allowlist: Allowlist::any()
            }
        );
        assert_eq!(
            p.outputs[0].sink,
            SinkPlan::Udp {
                to: dest,
                protocol: Protocol::Udp
            }
        );
    }

    #[test]
    fn two_sources_without_redundancy_run_the_first() {
        let r = record(
            "f",
            vec![
                source("a", Protocol::Rtp, 5000),
                source("b", Protocol::Rtp, 5002),
            ],
            vec![],
        );
        let p = plan_alone(&r).unwrap();
        assert_eq!(p.sources.len(), 1);
        assert_eq!(p.sources[0].name, "a");
    }

    #[test]
    fn merge_needs_rtp_on_both_paths_and_a_window_in_range() {
        let mut r = record(
            "f",
            vec![
                source("a", Protocol::Rtp, 5000),
                source("b", Protocol::Udp, 5002),
            ],
            vec![],
        );
        let mut config = failover(FailoverMode::Merge, None);
        config.recovery_window = Some(50);
        r.flow.source_failover_config = Some(config);
        let errors = plan_alone(&r).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("recoveryWindow 50 ms"));
        assert!(errors[1].contains("MERGE needs both sources"));
    }

    #[test]
    fn failover_finds_its_primary_by_name() {
        let mut r = record(
            "f",
            vec![
                source("a", Protocol::Udp, 5000),
                source("b", Protocol::Rtp, 5002),
            ],
            vec![],
        );
        r.flow.source_failover_config = Some(failover(FailoverMode::Failover, Some("b")));
        let p = plan_alone(&r).unwrap();
        assert_eq!(p.redundancy, Redundancy::Failover { primary: Some(1) });
        r.flow.source_failover_config = Some(failover(FailoverMode::Failover, Some("c")));
        let errors = plan_alone(&r).unwrap_err();
        assert!(errors[0].contains("\"c\""), "{errors:?}");
    }

    #[test]
    fn bad_addresses_and_missing_entitlements_are_reported_together() {
        let mut bad_source = source("s", Protocol::Rtp, 5000);
        bad_source.whitelist_cidr = Some("10.0.0.0/99".into());
        let mut ent_source = source("e", Protocol::Rtp, 0);
        ent_source.entitlement_arn =
            Some("arn:aws:mediaconnect:us-east-1:000000000000:entitlement:1-y:gone".into());
        ent_source.transport = None;
        let mut bad_output = output("o", Protocol::Rtp, "127.0.0.1:1".parse().unwrap());
        bad_output.destination = Some("example.com".into());
        let mut r = record("f", vec![bad_source, ent_source], vec![bad_output]);
        r.flow.source_failover_config = Some(failover(FailoverMode::Failover, None));
        let errors = plan_alone(&r).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("whitelistCidr"));
        assert!(errors[1].contains("does not exist"));
        assert!(errors[2].contains("not an IP address"));
    }

    #[test]
    fn disabled_outputs_are_skipped_and_enabled_entitlements_published() {
        let mut off = output("off", Protocol::Rtp, "127.0.0.1:7000".parse().unwrap());
        off.output_status = Some(Switch::Disabled);
        let mut r = record("f", vec![source("s", Protocol::Rtp, 5000)], vec![off]);
        let ent = |name: &str, status| Entitlement {
            data_transfer_subscriber_fee_percent: None,
            description: None,
            entitlement_arn: format!("arn:aws:mediaconnect:us-east-1:1:entitlement:1-x:{name}"),
            entitlement_status: status,
            name: name.into(),
            subscribers: vec!["000000000000".into()],
        };
        r.flow.entitlements = vec![ent("on", None), ent("off", Some(Switch::Disabled))];
        let p = plan_alone(&r).unwrap();
        assert!(p.outputs.is_empty());
        assert_eq!(p.entitlements.len(), 1);
        assert!(p.entitlements[0].ends_with(":on"));
        let index = entitlement_index([&r]);
        assert_eq!(index.len(), 2);
        assert!(index.values().filter(|on| **on).count() == 1);
    }

    #[test]
    fn a_channel_output_needs_its_channel_and_fits_its_endpoints() {
        use tributary_mediapackage::wire::{Channel, HlsIngest, IngestEndpoint};
        let mut out = output("to-channel", Protocol::Udp, "127.0.0.1:1".parse().unwrap());
        out.destination = Some("arn:aws:mediapackage:us-east-1:000000000000:channels/live".into());
        out.port = None;
        let r = record("f", vec![source("s", Protocol::Rtp, 5000)], vec![out]);
        let errors = plan_alone(&r).unwrap_err();
        assert_eq!(
            errors,
            [
                "output to-channel: MediaPackage channel live does not exist (create it, or change the output's destination)"
            ]
        );
        let ingest = |id: &str| IngestEndpoint {
            id: id.into(),
            url: format!("http://h/in/v1/live/{id}/channel"),
            username: format!("u-{id}"),
            password: "p".into(),
        };
        let info = ChannelInfo {
            record: ChannelRecord {
                channel: Channel {
                    id: "live".into(),
                    hls_ingest: HlsIngest {
                        ingest_endpoints: vec![ingest("a"), ingest("b")],
                    },
                    ..Channel::default()
                },
            },
            segment_durations: vec![6, 4],
        };
        let channels = ChannelIndex::from([("live".to_owned(), info)]);
        let p = plan("1-x", &r, lo(), &EntitlementIndex::new(), &channels).unwrap();
        assert_eq!(
            p.outputs[0].sink,
            SinkPlan::Channel(ChannelPlan {
                channel: "live".into(),
                ingest: Ingest {
                    id: "a".into(),
                    username: "u-a".into(),
                    password: "p".into()
                },
                target_s: 2,
            })
        );
    }
}
