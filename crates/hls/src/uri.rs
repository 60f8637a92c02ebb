//! The playback URL layout of one endpoint, after `/out/v1/<endpoint>/`
//! (DESIGN §6), in MediaPackage v1's naming:
//!
//! | path | what |
//! |---|---|
//! | `<manifest>.m3u8` | master playlist |
//! | `<manifest>_<n>.m3u8` | media playlist of rendition `n` (1-based, ingest order) |
//! | `<manifest>_<n>_<number>.ts` | output segment `number` of rendition `n` |
//!
//! Playlists refer to each other and to segments by these relative paths.
//! Numbers are plain decimals without leading zeros, so each resource has
//! exactly one URL (a CDN caches it once).

use crate::text::push_u64;
use alloc::string::String;

/// What a playback path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// The master playlist.
    Master,
    /// The media playlist of rendition `rendition` (1-based).
    Media {
        /// 1-based rendition number.
        rendition: u32,
    },
    /// Output segment `number` of rendition `rendition`.
    Segment {
        /// 1-based rendition number.
        rendition: u32,
        /// Output media sequence number.
        number: u64,
    },
}

/// Parses `path` (relative to the endpoint, no query) against the
/// endpoint's manifest name. `None` when it names nothing.
pub fn route(manifest_name: &str, path: &str) -> Option<Target> {
    let rest = path.strip_prefix(manifest_name)?;
    if rest == ".m3u8" {
        return Some(Target::Master);
    }
    let rest = rest.strip_prefix('_')?;
    if let Some(n) = rest.strip_suffix(".m3u8") {
        let rendition = u32::try_from(number(n)?).ok().filter(|&r| r > 0)?;
        return Some(Target::Media { rendition });
    }
    let (n, seq) = rest.strip_suffix(".ts")?.split_once('_')?;
    let rendition = u32::try_from(number(n)?).ok().filter(|&r| r > 0)?;
    Some(Target::Segment {
        rendition,
        number: number(seq)?,
    })
}

fn number(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// Appends `<manifest>_<n>.m3u8`.
pub(crate) fn push_media_uri(out: &mut String, manifest: &str, rendition: u32) {
    out.push_str(manifest);
    out.push('_');
    push_u64(out, rendition.into());
    out.push_str(".m3u8");
}

/// Appends `<manifest>_<n>_<number>.ts`.
pub(crate) fn push_segment_uri(out: &mut String, manifest: &str, rendition: u32, number: u64) {
    out.push_str(manifest);
    out.push('_');
    push_u64(out, rendition.into());
    out.push('_');
    push_u64(out, number);
    out.push_str(".ts");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_path_routes_and_nothing_else_does() {
        assert_eq!(route("index", "index.m3u8"), Some(Target::Master));
        assert_eq!(
            route("index", "index_2.m3u8"),
            Some(Target::Media { rendition: 2 })
        );
        assert_eq!(
            route("index", "index_2_1618.ts"),
            Some(Target::Segment {
                rendition: 2,
                number: 1618
            })
        );
        assert_eq!(
            route("index", "index_1_0.ts"),
            Some(Target::Segment {
                rendition: 1,
                number: 0
            })
        );
        assert_eq!(
            route("my-show", "my-show_10.m3u8"),
            Some(Target::Media { rendition: 10 })
        );
        for bad in [
            "index",
            "index.ts",
            "index_0.m3u8",
            "index_01.m3u8",
            "index_+1.m3u8",
            "index_1_01.ts",
            "index_1.ts",
            "index_1_2_3.ts",
            "other.m3u8",
            "index_1_2.m3u8",
            "index_x.m3u8",
            "index_99999999999.m3u8",
            "../index.m3u8",
            "index.m3u8/",
            "index_1_.ts",
        ] {
            assert_eq!(route("index", bad), None, "{bad}");
        }
    }

    #[test]
    fn rendered_uris_route_back() {
        let mut s = String::new();
        push_segment_uri(&mut s, "index", 3, 42);
        assert_eq!(
            route("index", &s),
            Some(Target::Segment {
                rendition: 3,
                number: 42
            })
        );
        s.clear();
        push_media_uri(&mut s, "index", 3);
        assert_eq!(route("index", &s), Some(Target::Media { rendition: 3 }));
    }
}
