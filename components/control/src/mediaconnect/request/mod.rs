//! The request shapes (`SetSourceRequest`, `AddOutputRequest`,
//! `GrantEntitlementRequest`, `FailoverConfig` and the update forms), read
//! and checked member by member into the wire shapes the flow record keeps.
//! Rules that need the whole flow or other flows (unique names, ports,
//! entitlements) are in [`super::rules`].

mod entitlement;
mod failover;
mod output;
mod source;

use std::collections::BTreeMap;

use tributary_mediaconnect::wire::{Protocol, Switch};

use super::error::Result;
use super::input::{Members, invalid};
use super::validate;

pub use entitlement::{entitlement_patch, new_entitlement};
pub use failover::{default_failover, failover};
pub use output::{new_output, output_patch};
pub use source::{new_source, source_patch};

/// Every protocol of the model; only `rtp` and `udp` run here.
const PROTOCOLS: [&str; 13] = [
    "zixi-push",
    "rtp-fec",
    "rtp",
    "zixi-pull",
    "rist",
    "st2110-jpegxs",
    "cdi",
    "srt-listener",
    "srt-caller",
    "fujitsu-qos",
    "udp",
    "ndi-speed-hq",
    "rtmp-push",
];

const SWITCH: [(&str, Switch); 2] = [("ENABLED", Switch::Enabled), ("DISABLED", Switch::Disabled)];

/// Members that belong to protocols other than rtp and udp.
const OTHER_PROTOCOLS: &str = "it applies to protocols Tributary does not run (SRT, Zixi, CDI, RIST); rtp and udp do not use it";

/// CreateFlow / UpdateFlow members of features Tributary does not run.
pub const FLOW_FEATURES: [(&[&str], &str); 5] = [
    (&["vpcInterfaces"], "Tributary has no VPC interfaces"),
    (
        &["mediaStreams"],
        "Tributary does not run media streams (CDI / ST 2110)",
    ),
    (
        &["ndiConfig", "encodingConfig"],
        "Tributary does not run NDI",
    ),
    (
        &["maintenance"],
        "Tributary has no maintenance windows; flows are updated in place",
    ),
    (
        &["sourceMonitoringConfig"],
        "Tributary has no thumbnails or content quality analysis",
    ),
];

/// Refuse every member of `features` that `m` sets.
pub fn refuse(m: &Members<'_>, features: &[(&[&str], &str)]) -> Result<()> {
    for (names, why) in features {
        m.refuse(names, why)?;
    }
    Ok(())
}

/// `flowSize`: only `MEDIUM`, the size of a flow without NDI, runs here.
pub fn flow_size(m: &Members<'_>) -> Result<()> {
    match m.opt_str("flowSize")? {
        None | Some("MEDIUM") => Ok(()),
        Some(other) => Err(invalid(
            &m.path_of("flowSize"),
            format_args!("{other:?} is not supported: Tributary runs MEDIUM flows (no NDI)"),
        )),
    }
}

fn protocol(m: &Members<'_>, name: &str) -> Result<Option<Protocol>> {
    let Some(s) = m.opt_str(name)? else {
        return Ok(None);
    };
    match s {
        "rtp" => Ok(Some(Protocol::Rtp)),
        "udp" => Ok(Some(Protocol::Udp)),
        other if PROTOCOLS.contains(&other) => Err(invalid(
            &m.path_of(name),
            format_args!("protocol {other} is not supported; use rtp or udp"),
        )),
        other => Err(invalid(
            &m.path_of(name),
            format_args!("{other:?} is not one of {}", PROTOCOLS.join(", ")),
        )),
    }
}

fn name(m: &Members<'_>) -> Result<String> {
    let n = m.str("name")?;
    validate::name(&m.path_of("name"), n)?;
    Ok(n.to_owned())
}

fn opt_string(m: &Members<'_>, name: &str) -> Result<Option<String>> {
    Ok(m.opt_str(name)?.map(str::to_owned))
}

fn tags(m: &Members<'_>, member: &str) -> Result<BTreeMap<String, String>> {
    let tags = m.opt_string_map(member)?.unwrap_or_default();
    validate::tags(&m.path_of(member), &tags)?;
    Ok(tags)
}

fn u16_of(n: i64) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn u32_of(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn u64_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

const I32_MAX: i64 = i32::MAX as i64;

fn cidr(m: &Members<'_>, name: &str) -> Result<Option<String>> {
    let Some(c) = m.opt_str(name)? else {
        return Ok(None);
    };
    validate::cidr(&m.path_of(name), c)?;
    Ok(Some(c.to_owned()))
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
    fn unsupported_features_are_refused_by_member() {
        for member in [
            "decryption",
            "vpcInterfaceName",
            "ndiSourceSettings",
            "minLatency",
        ] {
            let e = with(
                json!({"name": "s", "protocol": "rtp", "ingestPort": 5000, member: {}}),
                new_source,
            )
            .unwrap_err();
            assert!(
                e.message
                    .starts_with(&format!("{member}: is not supported")),
                "{}",
                e.message
            );
        }
        let e = with(
            json!({"name": "o", "encryption": {"roleArn": "r"}}),
            new_output,
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("encryption: is not supported"),
            "{}",
            e.message
        );
    }
}
