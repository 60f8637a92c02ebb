//! `AddOutputRequest` (CreateFlow, AddFlowOutputs) and UpdateFlowOutput.

use std::collections::BTreeMap;

use tributary_mediaconnect::wire::{Output, Protocol, Switch, Transport};

use super::{
    I32_MAX, OTHER_PROTOCOLS, SWITCH, name, opt_string, protocol, refuse, tags, u16_of, u32_of,
};
use crate::mediaconnect::error::Result;
use crate::mediaconnect::input::{Members, invalid};
use crate::mediaconnect::validate;

const OUTPUT_FEATURES: [(&[&str], &str); 7] = [
    (&["encryption"], "Tributary does not encrypt outputs"),
    (
        &["mediaStreamOutputConfigurations"],
        "Tributary does not run media streams (CDI / ST 2110)",
    ),
    (
        &["vpcInterfaceAttachment"],
        "Tributary has no VPC interfaces",
    ),
    (
        &[
            "ndiSpeedHqQuality",
            "ndiProgramName",
            "ndiOutputTimecodeSource",
            "ndiAudioReferenceLevel",
        ],
        "Tributary does not run NDI",
    ),
    (
        &[
            "routerIntegrationState",
            "routerIntegrationTransitEncryption",
        ],
        "Tributary does not run router integration",
    ),
    (&["rtmpPushSettings"], "Tributary does not run RTMP"),
    (
        &[
            "minLatency",
            "remoteId",
            "senderControlPort",
            "senderIpAddress",
        ],
        OTHER_PROTOCOLS,
    ),
];

fn cidr_list(m: &Members<'_>) -> Result<Option<Vec<String>>> {
    let Some(list) = m.opt_strings("cidrAllowList")? else {
        return Ok(None);
    };
    let path = m.path_of("cidrAllowList");
    for (i, c) in list.iter().enumerate() {
        validate::cidr(&format!("{path}[{i}]"), c)?;
    }
    Ok(Some(list.into_iter().map(str::to_owned).collect()))
}

fn destination(m: &Members<'_>) -> Result<Option<String>> {
    let Some(d) = m.opt_str("destination")? else {
        return Ok(None);
    };
    if d.starts_with("arn:") {
        if channel_of(d).is_none() {
            return Err(invalid(
                &m.path_of("destination"),
                format_args!(
                    "{d:?} is not a MediaPackage channel ARN (arn:aws:mediapackage:<region>:<account>:channels/<id>)"
                ),
            ));
        }
    } else {
        validate::ip(&m.path_of("destination"), d)?;
    }
    Ok(Some(d.to_owned()))
}

/// The channel id when `destination` is a MediaPackage channel ARN: a
/// Tributary extension standing in for MediaConnect → MediaLive →
/// MediaPackage. The host segments the flow's TS and pushes it into the
/// channel's ingest; such an output has no port, and its protocol is `udp`
/// (plain MPEG-TS, the default) — `rtp` is refused, nothing is RTP-wrapped.
pub fn channel_of(destination: &str) -> Option<&str> {
    match tributary_mediapackage::arn::parse(destination) {
        Some((tributary_mediapackage::arn::Kind::Channel, id)) => Some(id),
        _ => None,
    }
}

const CHANNEL_PORT: &str =
    "a channel output has no port: its destination is a MediaPackage channel, fed over HTTP";
const CHANNEL_PROTOCOL: &str = "a channel output carries the flow's MPEG-TS as HLS segments: use udp or leave protocol out; rtp does not apply";

/// An output to add (`AddOutputRequest`) and its `outputTags`; ARN left empty.
pub fn new_output(m: &Members<'_>) -> Result<(Output, BTreeMap<String, String>)> {
    refuse(m, &OUTPUT_FEATURES)?;
    let name = name(m)?;
    if let Some(d) = destination(m)?
        && channel_of(&d).is_some()
    {
        if m.opt_int("port", 0, 65535)?.is_some() {
            return Err(invalid(&m.path_of("port"), CHANNEL_PORT));
        }
        if protocol(m, "protocol")?.is_some_and(|p| p != Protocol::Udp) {
            return Err(invalid(&m.path_of("protocol"), CHANNEL_PROTOCOL));
        }
        let output = Output {
            description: opt_string(m, "description")?,
            destination: Some(d),
            entitlement_arn: None,
            name,
            output_arn: String::new(),
            port: None,
            transport: Some(Transport {
                cidr_allow_list: cidr_list(m)?,
                max_bitrate: None,
                max_latency: m.opt_int("maxLatency", 0, I32_MAX)?.map(u32_of),
                protocol: Protocol::Udp,
                smoothing_latency: m.opt_int("smoothingLatency", 0, I32_MAX)?.map(u32_of),
                stream_id: opt_string(m, "streamId")?,
            }),
            output_status: Some(m.opt_enum("outputStatus", &SWITCH)?.unwrap_or_default()),
        };
        return Ok((output, tags(m, "outputTags")?));
    }
    let protocol = protocol(m, "protocol")?
        .ok_or_else(|| invalid(&m.path_of("protocol"), "is required (rtp or udp)"))?;
    let destination = destination(m)?.ok_or_else(|| {
        invalid(
            &m.path_of("destination"),
            "is required: the IP address to send to",
        )
    })?;
    let port = m
        .opt_int("port", 1, 65535)?
        .ok_or_else(|| invalid(&m.path_of("port"), "is required: the UDP port to send to"))?;
    let output = Output {
        description: opt_string(m, "description")?,
        destination: Some(destination),
        entitlement_arn: None,
        name,
        output_arn: String::new(),
        port: Some(u16_of(port)),
        transport: Some(Transport {
            cidr_allow_list: cidr_list(m)?,
            max_bitrate: None,
            max_latency: m.opt_int("maxLatency", 0, I32_MAX)?.map(u32_of),
            protocol,
            smoothing_latency: m.opt_int("smoothingLatency", 0, I32_MAX)?.map(u32_of),
            stream_id: opt_string(m, "streamId")?,
        }),
        output_status: Some(m.opt_enum("outputStatus", &SWITCH)?.unwrap_or_default()),
    };
    Ok((output, tags(m, "outputTags")?))
}

/// The members of an UpdateFlowOutput request.
#[derive(Debug, Clone, Default)]
pub struct OutputPatch {
    description: Option<String>,
    destination: Option<String>,
    port: Option<u16>,
    protocol: Option<Protocol>,
    cidr_allow_list: Option<Vec<String>>,
    max_latency: Option<u32>,
    smoothing_latency: Option<u32>,
    stream_id: Option<String>,
    output_status: Option<Switch>,
}

/// Read an UpdateFlowOutput body.
pub fn output_patch(m: &Members<'_>) -> Result<OutputPatch> {
    refuse(m, &OUTPUT_FEATURES)?;
    Ok(OutputPatch {
        description: opt_string(m, "description")?,
        destination: destination(m)?,
        port: m.opt_int("port", 1, 65535)?.map(u16_of),
        protocol: protocol(m, "protocol")?,
        cidr_allow_list: cidr_list(m)?,
        max_latency: m.opt_int("maxLatency", 0, I32_MAX)?.map(u32_of),
        smoothing_latency: m.opt_int("smoothingLatency", 0, I32_MAX)?.map(u32_of),
        stream_id: opt_string(m, "streamId")?,
        output_status: m.opt_enum("outputStatus", &SWITCH)?,
    })
}

impl OutputPatch {
    /// Apply to `output`: members given replace, the others stay. An output
    /// whose destination is (or becomes) a channel has no port and protocol
    /// `udp`; a port or `rtp` for it is refused.
    pub fn apply(&self, output: &mut Output) -> Result<()> {
        let to_channel = self
            .destination
            .as_deref()
            .or(output.destination.as_deref())
            .is_some_and(|d| channel_of(d).is_some());
        if to_channel {
            if self.port.is_some() {
                return Err(invalid("port", CHANNEL_PORT));
            }
            if self.protocol.is_some_and(|p| p != Protocol::Udp) {
                return Err(invalid("protocol", CHANNEL_PROTOCOL));
            }
        } else if output.port.is_none() && self.port.is_none() && self.destination.is_some() {
            return Err(invalid(
                "port",
                "is required when the destination becomes an IP address: the UDP port to send to",
            ));
        }
        if let Some(d) = &self.description {
            output.description = Some(d.clone());
        }
        if let Some(d) = &self.destination {
            output.destination = Some(d.clone());
        }
        if let Some(p) = self.port {
            output.port = Some(p);
        }
        if let Some(s) = self.output_status {
            output.output_status = Some(s);
        }
        let t = output.transport.get_or_insert(Transport {
            cidr_allow_list: None,
            max_bitrate: None,
            max_latency: None,
            protocol: Protocol::Rtp,
            smoothing_latency: None,
            stream_id: None,
        });
        if let Some(p) = self.protocol {
            t.protocol = p;
        }
        if let Some(c) = &self.cidr_allow_list {
            t.cidr_allow_list = Some(c.clone());
        }
        if let Some(l) = self.max_latency {
            t.max_latency = Some(l);
        }
        if let Some(l) = self.smoothing_latency {
            t.smoothing_latency = Some(l);
        }
        if let Some(s) = &self.stream_id {
            t.stream_id = Some(s.clone());
        }
        if to_channel {
            output.port = None;
            t.protocol = Protocol::Udp;
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
    fn outputs_need_an_ip_destination_and_a_port() {
        let base =
            json!({"name": "o", "protocol": "rtp", "destination": "127.0.0.1", "port": 6000});
        let (o, _) = with(base.clone(), new_output).unwrap();
        assert_eq!(o.output_status, Some(Switch::Enabled));
        for (k, v, want) in [
            ("destination", json!("example.com"), "destination:"),
            ("port", json!(0), "port:"),
            ("outputStatus", json!("ON"), "outputStatus:"),
            ("cidrAllowList", json!(["10.0.0.0/99"]), "cidrAllowList[0]:"),
        ] {
            let mut b = base.clone();
            b[k] = v;
            let e = with(b, new_output).unwrap_err();
            assert!(e.message.starts_with(want), "{}", e.message);
        }
    }

    #[test]
    fn a_channel_output_takes_a_channel_arn_no_port_and_udp() {
        let arn = "arn:aws:mediapackage:us-east-1:111122223333:channels/live";
        let (o, _) = with(json!({"name": "o", "destination": arn}), new_output).unwrap();
        assert_eq!((o.destination.as_deref(), o.port), (Some(arn), None));
        assert_eq!(o.transport.unwrap().protocol, Protocol::Udp);
        with(
            json!({"name": "o", "destination": arn, "protocol": "udp"}),
            new_output,
        )
        .unwrap();
        for (body, want) in [
            (
                json!({"name": "o", "destination": arn, "port": 5000}),
                "port: a channel output has no port",
            ),
            (
                json!({"name": "o", "destination": arn, "protocol": "rtp"}),
                "protocol: a channel output",
            ),
            (
                json!({"name": "o", "destination": arn, "protocol": "srt-listener"}),
                "protocol: protocol srt-listener is not supported",
            ),
            (
                json!({"name": "o", "destination": "arn:aws:mediapackage:us-east-1:1:origin_endpoints/e"}),
                "destination: \"arn:aws:mediapackage:us-east-1:1:origin_endpoints/e\" is not a MediaPackage channel ARN",
            ),
        ] {
            let e = with(body, new_output).unwrap_err();
            assert_eq!(e.status, 400);
            assert!(e.message.starts_with(want), "{}", e.message);
        }
    }

    #[test]
    fn updating_an_output_to_a_channel_drops_its_port_and_back_needs_one() {
        let arn = "arn:aws:mediapackage:us-east-1:111122223333:channels/live";
        let base =
            json!({"name": "o", "protocol": "rtp", "destination": "127.0.0.1", "port": 6000});
        let (mut o, _) = with(base, new_output).unwrap();
        let patch = with(json!({"destination": arn}), output_patch).unwrap();
        patch.apply(&mut o).unwrap();
        assert_eq!(o.port, None);
        assert_eq!(o.transport.as_ref().unwrap().protocol, Protocol::Udp);
        let bad = with(json!({"protocol": "rtp"}), output_patch).unwrap();
        assert!(
            bad.apply(&mut o.clone())
                .unwrap_err()
                .message
                .starts_with("protocol:")
        );
        let back = with(json!({"destination": "127.0.0.1"}), output_patch).unwrap();
        assert!(
            back.apply(&mut o.clone())
                .unwrap_err()
                .message
                .starts_with("port:")
        );
        let back = with(
            json!({"destination": "127.0.0.1", "port": 7000}),
            output_patch,
        )
        .unwrap();
        back.apply(&mut o).unwrap();
        assert_eq!(o.port, Some(7000));
    }
}
