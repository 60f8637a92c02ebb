//! The ingest and playback paths, built by control (for the URLs it
//! returns) and parsed by the packager.

/// The path of ingest endpoint `ingest` of channel `channel`, without the
/// public endpoint: `/in/v1/<channel>/<ingest>/channel`. Encoders PUT
/// `channel.m3u8` (or any name) and everything else next to it.
pub fn ingest_path(channel: &str, ingest: &str) -> String {
    format!("/in/v1/{channel}/{ingest}/channel")
}

/// The path of origin endpoint `endpoint`'s master playlist:
/// `/out/v1/<endpoint>/<manifest_name>.m3u8`.
pub fn playback_path(endpoint: &str, manifest_name: &str) -> String {
    format!("/out/v1/{endpoint}/{manifest_name}.m3u8")
}

/// `/in/v1/<channel>/<ingest>/<file>` split into its three parts; `None` for
/// anything else (including an empty or nested `file`).
pub fn parse_ingest(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.strip_prefix("/in/v1/")?;
    let mut parts = rest.splitn(3, '/');
    let (channel, ingest, file) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && !s.contains('/');
    (ok(channel) && ok(ingest) && ok(file)).then_some((channel, ingest, file))
}

/// `/out/v1/<endpoint>/<file>` split into its two parts; `None` otherwise.
pub fn parse_playback(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/out/v1/")?;
    let (endpoint, file) = rest.split_once('/')?;
    let ok = |s: &str| !s.is_empty() && !s.contains('/');
    (ok(endpoint) && ok(file)).then_some((endpoint, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_paths_round_trip() {
        let base = ingest_path("live", "a1b2");
        assert_eq!(base, "/in/v1/live/a1b2/channel");
        assert_eq!(
            parse_ingest(&format!("{base}.m3u8")),
            Some(("live", "a1b2", "channel.m3u8"))
        );
        assert_eq!(
            parse_ingest("/in/v1/live/a1b2/channel_1_00001.ts"),
            Some(("live", "a1b2", "channel_1_00001.ts"))
        );
        assert_eq!(parse_ingest("/in/v1/live/a1b2/"), None);
        assert_eq!(parse_ingest("/in/v1/live/a1b2/x/y.ts"), None);
        assert_eq!(parse_ingest("/in/v1/live"), None);
        assert_eq!(parse_ingest("/out/v1/live/a/b"), None);
    }

    #[test]
    fn playback_paths_round_trip() {
        assert_eq!(playback_path("hls", "index"), "/out/v1/hls/index.m3u8");
        assert_eq!(
            parse_playback("/out/v1/hls/index.m3u8"),
            Some(("hls", "index.m3u8"))
        );
        assert_eq!(
            parse_playback("/out/v1/hls/index_1_7.ts"),
            Some(("hls", "index_1_7.ts"))
        );
        assert_eq!(parse_playback("/out/v1/hls/"), None);
        assert_eq!(parse_playback("/out/v1/hls/a/b"), None);
    }
}
