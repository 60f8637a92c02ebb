//! MediaPackage ARNs: `arn:aws:mediapackage:<region>:<account>:channels/<id>`
//! and `…:origin_endpoints/<id>`.

/// What an ARN names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `channels/<id>`.
    Channel,
    /// `origin_endpoints/<id>`.
    OriginEndpoint,
}

impl Kind {
    fn segment(self) -> &'static str {
        match self {
            Kind::Channel => "channels",
            Kind::OriginEndpoint => "origin_endpoints",
        }
    }
}

/// The ARN of a channel or origin endpoint.
pub fn format(region: &str, account: &str, kind: Kind, id: &str) -> String {
    format!(
        "arn:aws:mediapackage:{region}:{account}:{}/{id}",
        kind.segment()
    )
}

/// The kind and id an ARN names; `None` when it is not a MediaPackage
/// channel or origin endpoint ARN.
pub fn parse(arn: &str) -> Option<(Kind, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(_partition),
        Some("mediapackage"),
        Some(_region),
        Some(_account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let (segment, id) = resource.split_once('/')?;
    let kind = match segment {
        "channels" => Kind::Channel,
        "origin_endpoints" => Kind::OriginEndpoint,
        _ => return None,
    };
    (!id.is_empty() && !id.contains('/')).then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_round_trip() {
        let arn = format("us-east-1", "123456789012", Kind::Channel, "live-1");
        assert_eq!(
            arn,
            "arn:aws:mediapackage:us-east-1:123456789012:channels/live-1"
        );
        assert_eq!(parse(&arn), Some((Kind::Channel, "live-1")));
        let arn = format("eu-west-1", "1", Kind::OriginEndpoint, "hls");
        assert_eq!(parse(&arn), Some((Kind::OriginEndpoint, "hls")));
    }

    #[test]
    fn other_arns_are_not_ours() {
        assert_eq!(parse("arn:aws:mediaconnect:us-east-1:1:flow:x:y"), None);
        assert_eq!(
            parse("arn:aws:mediapackage:us-east-1:1:harvest_jobs/x"),
            None
        );
        assert_eq!(parse("arn:aws:mediapackage:us-east-1:1:channels/"), None);
        assert_eq!(parse("arn:aws:mediapackage:us-east-1:1:channels/a/b"), None);
        assert_eq!(parse("channels/x"), None);
    }
}
