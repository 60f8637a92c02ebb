//! Rules over a whole flow, checked after every change: source count and
//! failover, unique names, quotas, the primary source, ingest ports across
//! all flows, and entitlements used as sources.

use std::collections::BTreeSet;

use tributary_mediaconnect::FlowRecord;
use tributary_mediaconnect::wire::{Flow, Source, Switch};

use super::error::{Error, Result};
use super::validate;

/// Sources a flow may have (two only with failover enabled).
pub const MAX_SOURCES: usize = 2;
/// Outputs per flow (AWS quota).
pub const MAX_OUTPUTS: usize = 50;
/// Entitlements per flow (AWS quota).
pub const MAX_ENTITLEMENTS: usize = 50;

/// What a change is checked against.
pub struct Check<'a> {
    /// The flow before the change (`None` for a new flow): sources that did
    /// not change are not checked against other flows again.
    pub before: Option<&'a Flow>,
    /// Every other flow, as read before the change.
    pub others: &'a [FlowRecord],
    /// Our account, which an entitlement must list to be used as a source.
    pub account: &'a str,
    /// The operation's 420 code for quotas (`AddFlowOutputs420Exception`),
    /// `None` for a 400.
    pub quota_code: Option<&'static str>,
}

fn unique<'a>(kind: &str, names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(Error::bad_request(format!(
                "This flow already has a {kind} named {n}; {kind} names are unique within a flow"
            )));
        }
    }
    Ok(())
}

/// Whether `source` is new or changed what it listens on or takes.
fn changed(source: &Source, before: Option<&Flow>) -> bool {
    !before.is_some_and(|b| {
        b.sources.iter().any(|s| {
            s.source_arn == source.source_arn
                && s.ingest_port == source.ingest_port
                && s.entitlement_arn == source.entitlement_arn
        })
    })
}

impl Check<'_> {
    /// Check `flow` as it would be written.
    pub fn flow(&self, flow: &Flow) -> Result<()> {
        let n = flow.sources.len();
        if n == 0 {
            return Err(Error::bad_request(
                "A flow needs a source: give source or sources",
            ));
        }
        let failover_on = flow
            .source_failover_config
            .as_ref()
            .is_some_and(|c| c.state == Some(Switch::Enabled));
        if n > MAX_SOURCES {
            return Err(Error::bad_request(format!(
                "A flow has at most {MAX_SOURCES} sources, not {n}"
            )));
        }
        if n == MAX_SOURCES && !failover_on {
            return Err(Error::bad_request(
                "A flow has two sources only with failover on: set sourceFailoverConfig.state to ENABLED (UpdateFlow) first",
            ));
        }
        unique("source", flow.sources.iter().map(|s| s.name.as_str()))?;
        unique("output", flow.outputs.iter().map(|o| o.name.as_str()))?;
        unique(
            "entitlement",
            flow.entitlements.iter().map(|e| e.name.as_str()),
        )?;
        if flow.outputs.len() > MAX_OUTPUTS {
            return Err(validate::quota(
                self.quota_code,
                format!(
                    "A flow has at most {MAX_OUTPUTS} outputs; this would make {}",
                    flow.outputs.len()
                ),
            ));
        }
        if flow.entitlements.len() > MAX_ENTITLEMENTS {
            return Err(validate::quota(
                self.quota_code,
                format!(
                    "A flow has at most {MAX_ENTITLEMENTS} entitlements; this would make {}",
                    flow.entitlements.len()
                ),
            ));
        }
        if let Some(primary) = flow
            .source_failover_config
            .as_ref()
            .and_then(|c| c.source_priority.as_ref())
            .and_then(|p| p.primary_source.as_deref())
            && !flow.sources.iter().any(|s| s.name == primary)
        {
            return Err(Error::bad_request(format!(
                "sourceFailoverConfig.sourcePriority.primarySource: this flow has no source named {primary}"
            )));
        }
        for (i, source) in flow.sources.iter().enumerate() {
            if let Some(port) = source.ingest_port {
                if let Some(other) = flow.sources[..i]
                    .iter()
                    .find(|s| s.ingest_port == Some(port))
                {
                    return Err(Error::bad_request(format!(
                        "Sources {} and {} both listen on port {port}; each source needs its own ingest port",
                        other.name, source.name
                    )));
                }
                if changed(source, self.before) {
                    self.port_is_free(port, &source.name)?;
                }
            }
            if let Some(arn) = &source.entitlement_arn
                && changed(source, self.before)
            {
                self.entitlement_usable(flow, arn)?;
            }
        }
        Ok(())
    }

    /// Checked against the other flows as read before the write: the store
    /// has no transaction across keys, so two requests racing for one port
    /// can both pass; the host's bind then fails for one of them, which shows
    /// ERROR with the bind error in DescribeFlow's messages.
    fn port_is_free(&self, port: u16, name: &str) -> Result<()> {
        for record in self.others {
            if let Some(s) = record
                .flow
                .sources
                .iter()
                .find(|s| s.ingest_port == Some(port))
            {
                return Err(Error::bad_request(format!(
                    "Ingest port {port} (source {name}) is already used by source {} of flow {} ({}); \
                     flows share one ingest address, so each source needs its own port",
                    s.name, record.flow.name, record.flow.flow_arn
                )));
            }
        }
        Ok(())
    }

    fn entitlement_usable(&self, flow: &Flow, arn: &str) -> Result<()> {
        if flow.entitlements.iter().any(|e| e.entitlement_arn == arn) {
            return Err(Error::bad_request(format!(
                "Entitlement {arn} is granted on this flow; a flow cannot take its content from itself"
            )));
        }
        let found = self.others.iter().find_map(|r| {
            r.flow
                .entitlements
                .iter()
                .find(|e| e.entitlement_arn == arn)
        });
        let Some(entitlement) = found else {
            return Err(Error::not_found(format!("Entitlement {arn} not found")));
        };
        if entitlement.entitlement_status == Some(Switch::Disabled) {
            return Err(Error::forbidden(format!(
                "Entitlement {arn} is disabled by its flow's owner"
            )));
        }
        if !entitlement.subscribers.iter().any(|s| s == self.account) {
            return Err(Error::forbidden(format!(
                "Entitlement {arn} is not granted to account {}",
                self.account
            )));
        }
        Ok(())
    }
}
