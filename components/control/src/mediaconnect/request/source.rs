//! `SetSourceRequest` (CreateFlow, AddFlowSources) and UpdateFlowSource.

use std::collections::BTreeMap;

use tributary_mediaconnect::arn::{self, Kind};
use tributary_mediaconnect::wire::{Protocol, Source, Transport};

use super::{
    I32_MAX, OTHER_PROTOCOLS, cidr, name, opt_string, protocol, refuse, tags, u16_of, u32_of,
    u64_of,
};
use crate::mediaconnect::error::Result;
use crate::mediaconnect::input::{Members, invalid};

/// Lowest and highest ingest port a source may listen on.
pub const INGEST_PORTS: (i64, i64) = (1024, 65535);

/// Model features Tributary does not run, and the members that ask for them.
const SOURCE_FEATURES: [(&[&str], &str); 8] = [
    (&["decryption"], "Tributary does not decrypt sources"),
    (
        &["mediaStreamSourceConfigurations"],
        "Tributary does not run media streams (CDI / ST 2110)",
    ),
    (&["vpcInterfaceName"], "Tributary has no VPC interfaces"),
    (
        &["gatewayBridgeSource"],
        "Tributary does not run gateway bridges",
    ),
    (&["ndiSourceSettings"], "Tributary does not run NDI"),
    (
        &[
            "routerIntegrationState",
            "routerIntegrationTransitDecryption",
        ],
        "Tributary does not run router integration",
    ),
    (&["rtmpPushSettings"], "Tributary does not run RTMP"),
    (
        &[
            "minLatency",
            "maxSyncBuffer",
            "senderControlPort",
            "senderIpAddress",
            "sourceListenerAddress",
            "sourceListenerPort",
        ],
        OTHER_PROTOCOLS,
    ),
];

fn entitlement_arn(m: &Members<'_>) -> Result<Option<String>> {
    let Some(a) = m.opt_str("entitlementArn")? else {
        return Ok(None);
    };
    if arn::parse(a, Kind::Entitlement).is_none() {
        return Err(invalid(
            &m.path_of("entitlementArn"),
            format_args!(
                "{a:?} is not an entitlement ARN (arn:aws:mediaconnect:<region>:<account>:entitlement:<id>:<name>)"
            ),
        ));
    }
    Ok(Some(a.to_owned()))
}

/// A source to add (`SetSourceRequest`) and its `sourceTags`. Its ARN is
/// left empty for the operation to fill.
pub fn new_source(m: &Members<'_>) -> Result<(Source, BTreeMap<String, String>)> {
    refuse(m, &SOURCE_FEATURES)?;
    let name = name(m)?;
    let description = opt_string(m, "description")?;
    let tags = tags(m, "sourceTags")?;
    let entitlement_arn = entitlement_arn(m)?;
    let protocol = protocol(m, "protocol")?;
    let ingest_port = m.opt_int("ingestPort", INGEST_PORTS.0, INGEST_PORTS.1)?;
    let whitelist_cidr = cidr(m, "whitelistCidr")?;
    let max_bitrate = m.opt_int("maxBitrate", 0, I32_MAX)?;
    let max_latency = m.opt_int("maxLatency", 0, I32_MAX)?;
    let stream_id = opt_string(m, "streamId")?;
    let mut source = Source {
        description,
        entitlement_arn: None,
        ingest_ip: None,
        ingest_port: None,
        name,
        source_arn: String::new(),
        transport: None,
        whitelist_cidr: None,
    };
    if let Some(ent) = entitlement_arn {
        // The content comes from the entitlement's flow: nothing to listen on.
        for member in [
            "protocol",
            "ingestPort",
            "whitelistCidr",
            "maxBitrate",
            "maxLatency",
            "streamId",
        ] {
            if m.has(member) {
                return Err(invalid(
                    &m.path_of(member),
                    "does not apply to a source that takes its content from an entitlement (entitlementArn)",
                ));
            }
        }
        source.entitlement_arn = Some(ent);
        return Ok((source, tags));
    }
    let protocol = protocol.ok_or_else(|| {
        invalid(
            &m.path_of("protocol"),
            "is required (rtp or udp) unless the source is an entitlement (entitlementArn)",
        )
    })?;
    let port = ingest_port.ok_or_else(|| {
        invalid(
            &m.path_of("ingestPort"),
            format_args!(
                "is required ({}–{}) unless the source is an entitlement (entitlementArn)",
                INGEST_PORTS.0, INGEST_PORTS.1
            ),
        )
    })?;
    source.ingest_port = Some(u16_of(port));
    source.whitelist_cidr = whitelist_cidr;
    source.transport = Some(Transport {
        cidr_allow_list: None,
        max_bitrate: max_bitrate.map(u64_of),
        max_latency: max_latency.map(u32_of),
        protocol,
        smoothing_latency: None,
        stream_id,
    });
    Ok((source, tags))
}

/// The members of an UpdateFlowSource request.
#[derive(Debug, Clone, Default)]
pub struct SourcePatch {
    description: Option<String>,
    entitlement_arn: Option<String>,
    protocol: Option<Protocol>,
    ingest_port: Option<u16>,
    whitelist_cidr: Option<String>,
    max_bitrate: Option<u64>,
    max_latency: Option<u32>,
    stream_id: Option<String>,
}

/// Read an UpdateFlowSource body.
pub fn source_patch(m: &Members<'_>) -> Result<SourcePatch> {
    refuse(m, &SOURCE_FEATURES)?;
    Ok(SourcePatch {
        description: opt_string(m, "description")?,
        entitlement_arn: entitlement_arn(m)?,
        protocol: protocol(m, "protocol")?,
        ingest_port: m
            .opt_int("ingestPort", INGEST_PORTS.0, INGEST_PORTS.1)?
            .map(u16_of),
        whitelist_cidr: cidr(m, "whitelistCidr")?,
        max_bitrate: m.opt_int("maxBitrate", 0, I32_MAX)?.map(u64_of),
        max_latency: m.opt_int("maxLatency", 0, I32_MAX)?.map(u32_of),
        stream_id: opt_string(m, "streamId")?,
    })
}

impl SourcePatch {
    /// Apply to `source`. A source keeps its kind: an entitlement source can
    /// change only its description and entitlement, a listening source
    /// anything but the entitlement.
    pub fn apply(&self, source: &mut Source) -> Result<()> {
        if let Some(d) = &self.description {
            source.description = Some(d.clone());
        }
        if source.entitlement_arn.is_some() {
            let listening = [
                ("protocol", self.protocol.is_some()),
                ("ingestPort", self.ingest_port.is_some()),
                ("whitelistCidr", self.whitelist_cidr.is_some()),
                ("maxBitrate", self.max_bitrate.is_some()),
                ("maxLatency", self.max_latency.is_some()),
                ("streamId", self.stream_id.is_some()),
            ];
            if let Some((member, _)) = listening.iter().find(|(_, set)| *set) {
                return Err(invalid(
                    member,
                    format_args!(
                        "source {} takes its content from an entitlement; remove it and add a source with protocol and ingestPort instead",
                        source.name
                    ),
                ));
            }
            if let Some(e) = &self.entitlement_arn {
                source.entitlement_arn = Some(e.clone());
            }
            return Ok(());
        }
        if self.entitlement_arn.is_some() {
            return Err(invalid(
                "entitlementArn",
                format_args!(
                    "source {} listens on a port; remove it and add a source with entitlementArn instead",
                    source.name
                ),
            ));
        }
        if let Some(p) = self.ingest_port {
            source.ingest_port = Some(p);
        }
        if let Some(c) = &self.whitelist_cidr {
            source.whitelist_cidr = Some(c.clone());
        }
        let transport = source.transport.get_or_insert(Transport {
            cidr_allow_list: None,
            max_bitrate: None,
            max_latency: None,
            protocol: Protocol::Rtp,
            smoothing_latency: None,
            stream_id: None,
        });
        if let Some(p) = self.protocol {
            transport.protocol = p;
        }
        if let Some(b) = self.max_bitrate {
            transport.max_bitrate = Some(b);
        }
        if let Some(l) = self.max_latency {
            transport.max_latency = Some(l);
        }
        if let Some(s) = &self.stream_id {
            transport.stream_id = Some(s.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::mediaconnect::input::Members;
    use serde_json::{Value, json};

    fn with<T>(v: Value, f: impl FnOnce(&Members<'_>) -> T) -> T {
        f(&Members::top(&v))
    }

    #[test]
    fn a_listening_source_needs_protocol_and_port() {
        let e = with(json!({"name": "s", "ingestPort": 5000}), new_source).unwrap_err();
        assert!(
            e.message.starts_with("protocol: is required"),
            "{}",
            e.message
        );
        let e = with(json!({"name": "s", "protocol": "rtp"}), new_source).unwrap_err();
        assert!(
            e.message.starts_with("ingestPort: is required"),
            "{}",
            e.message
        );
        let e = with(
            json!({"name": "s", "protocol": "rtp", "ingestPort": 80}),
            new_source,
        )
        .unwrap_err();
        assert!(
            e.message.contains("between 1024 and 65535"),
            "{}",
            e.message
        );
        let (s, _) = with(
            json!({"name": "s", "protocol": "udp", "ingestPort": 5000, "whitelistCidr": "10.0.0.0/8"}),
            new_source,
        )
        .unwrap();
        assert_eq!(s.ingest_port, Some(5000));
        assert_eq!(s.transport.unwrap().protocol, Protocol::Udp);
    }

    #[test]
    fn other_protocols_are_named_as_unsupported() {
        let e = with(
            json!({"name": "s", "protocol": "srt-listener", "ingestPort": 5000}),
            new_source,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "protocol: protocol srt-listener is not supported; use rtp or udp"
        );
        let e = with(
            json!({"name": "s", "protocol": "carrier-pigeon"}),
            new_source,
        )
        .unwrap_err();
        assert!(
            e.message.contains("is not one of zixi-push"),
            "{}",
            e.message
        );
    }

    #[test]
    fn entitlement_sources_take_no_listening_members() {
        let arn = "arn:aws:mediaconnect:us-east-1:111122223333:entitlement:1-a:e";
        let (s, _) = with(json!({"name": "s", "entitlementArn": arn}), new_source).unwrap();
        assert_eq!(s.entitlement_arn.as_deref(), Some(arn));
        assert!(s.transport.is_none() && s.ingest_port.is_none());
        let e = with(
            json!({"name": "s", "entitlementArn": arn, "ingestPort": 5000}),
            new_source,
        )
        .unwrap_err();
        assert!(e.message.starts_with("ingestPort:"), "{}", e.message);
        let e = with(
            json!({"name": "s", "entitlementArn": "arn:aws:mediaconnect:x"}),
            new_source,
        )
        .unwrap_err();
        assert!(
            e.message.contains("not an entitlement ARN"),
            "{}",
            e.message
        );
    }
}
