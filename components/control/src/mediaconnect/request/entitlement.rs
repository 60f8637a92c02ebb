//! `GrantEntitlementRequest` (CreateFlow, GrantFlowEntitlements) and
//! UpdateFlowEntitlement.

use std::collections::BTreeMap;

use tributary_mediaconnect::wire::{Entitlement, Switch};

use super::{SWITCH, name, opt_string, tags};
use crate::mediaconnect::error::Result;
use crate::mediaconnect::input::{Members, invalid};
use crate::mediaconnect::validate;

fn subscribers(m: &Members<'_>) -> Result<Option<Vec<String>>> {
    let Some(list) = m.opt_strings("subscribers")? else {
        return Ok(None);
    };
    let path = m.path_of("subscribers");
    if list.is_empty() {
        return Err(invalid(&path, "must name at least one AWS account id"));
    }
    for (i, s) in list.iter().enumerate() {
        validate::account(&format!("{path}[{i}]"), s)?;
    }
    Ok(Some(list.into_iter().map(str::to_owned).collect()))
}

/// An entitlement to grant (`GrantEntitlementRequest`) and its
/// `entitlementTags`; ARN left empty.
pub fn new_entitlement(m: &Members<'_>) -> Result<(Entitlement, BTreeMap<String, String>)> {
    m.refuse(&["encryption"], "Tributary does not encrypt entitlements")?;
    let name = name(m)?;
    let subscribers = subscribers(m)?.ok_or_else(|| {
        invalid(
            &m.path_of("subscribers"),
            "is required: the AWS account ids that may use the entitlement",
        )
    })?;
    let fee = m.opt_int("dataTransferSubscriberFeePercent", 0, 100)?;
    let entitlement = Entitlement {
        data_transfer_subscriber_fee_percent: Some(fee.map_or(0, |f| u8::try_from(f).unwrap_or(0))),
        description: opt_string(m, "description")?,
        entitlement_arn: String::new(),
        entitlement_status: Some(
            m.opt_enum("entitlementStatus", &SWITCH)?
                .unwrap_or_default(),
        ),
        name,
        subscribers,
    };
    Ok((entitlement, tags(m, "entitlementTags")?))
}

/// The members of an UpdateFlowEntitlement request.
#[derive(Debug, Clone, Default)]
pub struct EntitlementPatch {
    description: Option<String>,
    status: Option<Switch>,
    subscribers: Option<Vec<String>>,
}

/// Read an UpdateFlowEntitlement body.
pub fn entitlement_patch(m: &Members<'_>) -> Result<EntitlementPatch> {
    m.refuse(&["encryption"], "Tributary does not encrypt entitlements")?;
    Ok(EntitlementPatch {
        description: opt_string(m, "description")?,
        status: m.opt_enum("entitlementStatus", &SWITCH)?,
        subscribers: subscribers(m)?,
    })
}

impl EntitlementPatch {
    /// Apply to `entitlement`.
    pub fn apply(&self, entitlement: &mut Entitlement) {
        if let Some(d) = &self.description {
            entitlement.description = Some(d.clone());
        }
        if let Some(s) = self.status {
            entitlement.entitlement_status = Some(s);
        }
        if let Some(s) = &self.subscribers {
            entitlement.subscribers = s.clone();
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
    fn entitlements_need_account_subscribers_and_a_fee_in_range() {
        let (e, _) = with(
            json!({"name": "e", "subscribers": ["111122223333"]}),
            new_entitlement,
        )
        .unwrap();
        assert_eq!(e.data_transfer_subscriber_fee_percent, Some(0));
        assert_eq!(e.entitlement_status, Some(Switch::Enabled));
        for body in [
            json!({"name": "e"}),
            json!({"name": "e", "subscribers": []}),
            json!({"name": "e", "subscribers": ["12"]}),
            json!({"name": "e", "subscribers": ["111122223333"], "dataTransferSubscriberFeePercent": 101}),
        ] {
            assert_eq!(with(body, new_entitlement).unwrap_err().status, 400);
        }
    }
}
