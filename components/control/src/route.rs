//! Which control plane a request is for. Everything arrives at one
//! component; the API families are told apart by the raw request path, split
//! on `/` *before* percent-decoding each segment, so an ARN label such as
//! `arn%3Aaws%3Amediapackage%3A…%3Achannels%2Fabc` stays one segment.
//!
//! | path | family |
//! | --- | --- |
//! | `/v1/flows…`, `/v1/entitlements…` | MediaConnect (REST-JSON) |
//! | `/tags/<ARN>` with a `mediaconnect` ARN | MediaConnect |
//! | `/channels…`, `/origin_endpoints…` | MediaPackage (REST-JSON) |
//! | `/tags/<ARN>` with a `mediapackage` ARN | MediaPackage |
//! | anything else | MediaStore (JSON 1.1, `POST /` + `X-Amz-Target`) |

use tributary_guest::http::decode_path;

/// An API family the control component speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// MediaStore control plane.
    MediaStore,
    /// MediaConnect flows.
    MediaConnect,
    /// MediaPackage (v1) channels and origin endpoints.
    MediaPackage,
}

/// The segments of a raw (still percent-encoded) path, each decoded: `/a/b%2Fc`
/// → `["a", "b/c"]`. A trailing `/` gives a last empty segment, so it can be
/// told from its absence.
pub fn segments(raw_path: &str) -> Vec<String> {
    let trimmed = raw_path.strip_prefix('/').unwrap_or(raw_path);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('/').map(decode_path).collect()
}

/// The service an ARN names (`arn:aws:mediaconnect:…` → `mediaconnect`).
fn arn_service(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_partition), Some(service)) => Some(service),
        _ => None,
    }
}

/// The family a request with this raw path belongs to.
pub fn family(raw_path: &str) -> Family {
    let segments = segments(raw_path);
    let first = |s: &str| segments.first().is_some_and(|f| f == s);
    if first("channels") || first("origin_endpoints") {
        return Family::MediaPackage;
    }
    match segments.get(1).map(String::as_str) {
        Some("flows" | "entitlements") if first("v1") => Family::MediaConnect,
        Some(arn) if first("tags") => match arn_service(arn) {
            Some("mediaconnect") => Family::MediaConnect,
            Some("mediapackage") => Family::MediaPackage,
            _ => Family::MediaStore,
        },
        _ => Family::MediaStore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_and_entitlements_are_mediaconnect() {
        for path in [
            "/v1/flows",
            "/v1/flows/",
            "/v1/entitlements",
            "/v1/flows/arn%3Aaws%3Amediaconnect%3Aus-east-1%3A000000000000%3Aflow%3A1-a%3Af/outputs",
            "/v1/flows/start/arn%3Aaws%3Amediaconnect%3Aus-east-1%3A0%3Aflow%3A1-a%3Af",
        ] {
            assert_eq!(family(path), Family::MediaConnect, "{path}");
        }
    }

    #[test]
    fn tags_go_by_the_service_of_the_decoded_arn() {
        assert_eq!(
            family("/tags/arn%3Aaws%3Amediaconnect%3Aus-east-1%3A000000000000%3Aflow%3A1-a%3Af"),
            Family::MediaConnect
        );
        assert_eq!(
            family("/tags/arn%3Aaws%3Amediapackage%3Aus-east-1%3A000000000000%3Achannels%2Fabc"),
            Family::MediaPackage
        );
        assert_eq!(
            family(
                "/tags/arn%3Aaws%3Amediapackage%3Aus-east-1%3A000000000000%3Aorigin_endpoints%2Fhls"
            ),
            Family::MediaPackage
        );
        // MediaPackage v2 and VOD sign as other services and are not ours.
        assert_eq!(
            family("/tags/arn%3Aaws%3Amediapackagev2%3Aus-east-1%3A0%3Achannelgroup%2Fg"),
            Family::MediaStore
        );
        assert_eq!(family("/tags/not-an-arn"), Family::MediaStore);
    }

    #[test]
    fn channels_and_origin_endpoints_are_mediapackage() {
        for path in [
            "/channels",
            "/channels/live",
            "/channels/live/ingest_endpoints/abc/credentials",
            "/origin_endpoints",
            "/origin_endpoints/hls",
        ] {
            assert_eq!(family(path), Family::MediaPackage, "{path}");
        }
        for path in [
            "/channelsx",
            "/v1/channels",
            "/origin_endpoint",
            "/harvest_jobs",
        ] {
            assert_eq!(family(path), Family::MediaStore, "{path}");
        }
    }

    #[test]
    fn everything_else_is_mediastore() {
        for path in [
            "/",
            "",
            "/v1",
            "/v1/flowsx",
            "/v2/flows",
            "/flows",
            "/store/x",
        ] {
            assert_eq!(family(path), Family::MediaStore, "{path}");
        }
    }

    #[test]
    fn segments_split_before_decoding() {
        assert_eq!(segments("/tags/a%2Fb"), vec!["tags", "a/b"]);
        assert_eq!(segments("/v1/flows/"), vec!["v1", "flows", ""]);
        assert!(segments("/").is_empty());
    }
}
