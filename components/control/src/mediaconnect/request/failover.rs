//! `FailoverConfig` (CreateFlow) and `UpdateFailoverConfig` (UpdateFlow).

use tributary_mediaconnect::wire::{FailoverConfig, FailoverMode, SourcePriority, Switch};

use super::{SWITCH, opt_string, u32_of};
use crate::mediaconnect::error::Result;
use crate::mediaconnect::input::Members;

/// Merge recovery window bounds and default, milliseconds.
pub const RECOVERY_WINDOW: (i64, i64, u32) = (100, 15_000, 200);

const MODES: [(&str, FailoverMode); 2] = [
    ("MERGE", FailoverMode::Merge),
    ("FAILOVER", FailoverMode::Failover),
];

/// A `FailoverConfig` / `UpdateFailoverConfig`: the members given.
#[derive(Debug, Clone, Default)]
pub struct FailoverPatch {
    mode: Option<FailoverMode>,
    recovery_window: Option<u32>,
    /// `Some(None)`: `sourcePriority` given without `primarySource` (clears it).
    primary_source: Option<Option<String>>,
    state: Option<Switch>,
}

/// Read a `sourceFailoverConfig` member.
pub fn failover(m: &Members<'_>) -> Result<Option<FailoverPatch>> {
    let Some(f) = m.opt_object("sourceFailoverConfig")? else {
        return Ok(None);
    };
    let primary_source = match f.opt_object("sourcePriority")? {
        None => None,
        Some(p) => Some(opt_string(&p, "primarySource")?),
    };
    Ok(Some(FailoverPatch {
        mode: f.opt_enum("failoverMode", &MODES)?,
        recovery_window: f
            .opt_int("recoveryWindow", RECOVERY_WINDOW.0, RECOVERY_WINDOW.1)?
            .map(u32_of),
        primary_source,
        state: f.opt_enum("state", &SWITCH)?,
    }))
}

/// The configuration of a new flow: FAILOVER, 200 ms and DISABLED unless
/// given, so the record always says what runs.
pub fn default_failover() -> FailoverConfig {
    FailoverConfig {
        failover_mode: Some(FailoverMode::Failover),
        recovery_window: Some(RECOVERY_WINDOW.2),
        source_priority: None,
        state: Some(Switch::Disabled),
    }
}

impl FailoverPatch {
    /// Apply to `config`: members given replace, the others stay.
    pub fn apply(&self, config: &mut FailoverConfig) {
        if let Some(m) = self.mode {
            config.failover_mode = Some(m);
        }
        if let Some(w) = self.recovery_window {
            config.recovery_window = Some(w);
        }
        if let Some(p) = &self.primary_source {
            config.source_priority = p.as_ref().map(|name| SourcePriority {
                primary_source: Some(name.clone()),
            });
        }
        if let Some(s) = self.state {
            config.state = Some(s);
        }
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
    fn failover_patches_merge_and_priority_can_be_cleared() {
        let mut c = default_failover();
        with(
            json!({"sourceFailoverConfig": {"failoverMode": "MERGE", "recoveryWindow": 500, "state": "ENABLED", "sourcePriority": {"primarySource": "a"}}}),
            failover,
        )
        .unwrap()
        .unwrap()
        .apply(&mut c);
        assert_eq!(c.failover_mode, Some(FailoverMode::Merge));
        assert_eq!(c.recovery_window, Some(500));
        assert_eq!(
            c.source_priority
                .as_ref()
                .unwrap()
                .primary_source
                .as_deref(),
            Some("a")
        );
        with(
            json!({"sourceFailoverConfig": {"sourcePriority": {}}}),
            failover,
        )
        .unwrap()
        .unwrap()
        .apply(&mut c);
        assert!(c.source_priority.is_none());
        assert_eq!(c.state, Some(Switch::Enabled));
        for w in [99, 15001] {
            assert!(
                with(
                    json!({"sourceFailoverConfig": {"recoveryWindow": w}}),
                    failover
                )
                .is_err()
            );
        }
    }
}
