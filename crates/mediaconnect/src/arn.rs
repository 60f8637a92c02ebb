//! MediaConnect ARNs: `arn:aws:mediaconnect:<region>:<account>:<kind>:<id>:<name>`,
//! the form AWS uses for flows, sources, outputs and entitlements.

/// What an ARN names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A flow.
    Flow,
    /// A flow's source.
    Source,
    /// A flow's output.
    Output,
    /// An entitlement granted on a flow.
    Entitlement,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Flow => "flow",
            Kind::Source => "source",
            Kind::Output => "output",
            Kind::Entitlement => "entitlement",
        }
    }
}

/// The ARN of a `kind` resource with this `id` and `name`.
pub fn format(region: &str, account: &str, kind: Kind, id: &str, name: &str) -> String {
    format!(
        "arn:aws:mediaconnect:{region}:{account}:{}:{id}:{name}",
        kind.as_str()
    )
}

/// The parts of a MediaConnect ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// Region.
    pub region: &'a str,
    /// Account id.
    pub account: &'a str,
    /// Resource id (the key under `flow/`, for flows).
    pub id: &'a str,
    /// Resource name: the rest of the ARN.
    pub name: &'a str,
}

/// `arn` split into its parts when it is a MediaConnect ARN of `kind`.
pub fn parse(arn: &str, kind: Kind) -> Option<Parsed<'_>> {
    let mut parts = arn.splitn(8, ':');
    let (Some("arn"), Some(_partition), Some("mediaconnect")) =
        (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let region = parts.next()?;
    let account = parts.next()?;
    if parts.next()? != kind.as_str() {
        return None;
    }
    let id = parts.next()?;
    let name = parts.next()?;
    if id.is_empty() || name.is_empty() {
        return None;
    }
    Some(Parsed {
        region,
        account,
        id,
        name,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let arn = format("us-east-1", "123456789012", Kind::Flow, "1-abc", "f1");
        assert_eq!(
            arn,
            "arn:aws:mediaconnect:us-east-1:123456789012:flow:1-abc:f1"
        );
        let p = parse(&arn, Kind::Flow).unwrap();
        assert_eq!(
            (p.region, p.account, p.id, p.name),
            ("us-east-1", "123456789012", "1-abc", "f1")
        );
    }

    #[test]
    fn rejects_other_kinds_and_services() {
        let arn = format("us-east-1", "123456789012", Kind::Output, "1-abc", "o");
        assert!(parse(&arn, Kind::Flow).is_none());
        assert!(parse("arn:aws:mediastore:us-east-1:1:flow:a:b", Kind::Flow).is_none());
        assert!(parse("arn:aws:mediaconnect:us-east-1:1:flow::b", Kind::Flow).is_none());
        assert!(parse("garbage", Kind::Flow).is_none());
    }
}
