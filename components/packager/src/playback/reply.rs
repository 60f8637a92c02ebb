//! What playback answers: status, headers and body, before any WASI type is
//! involved. Every reply carries CORS headers (browser players fetch from
//! other origins); playlists and segments carry the content types and
//! `Cache-Control` MediaPackage sends, so a CDN in front behaves as it
//! would in front of MediaPackage.

use crate::bindings::manifest as wit;

/// `Content-Type` of playlists.
pub const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";
/// `Content-Type` of MPEG-TS segments.
pub const SEGMENT_TYPE: &str = "video/MP2T";
/// `Content-Type` of error bodies.
pub const TEXT_TYPE: &str = "text/plain; charset=utf-8";

/// Segments never change once listed: MediaPackage's 14 days.
pub const SEGMENT_MAX_AGE_S: u32 = 1_209_600;
/// A complete (`#EXT-X-ENDLIST`) time-shifted playlist does not change, but
/// its oldest segments leave the startover window in time: five minutes.
pub const COMPLETE_PLAYLIST_MAX_AGE_S: u32 = 300;
/// Errors: cached for a second, as MediaPackage's CDN guidance suggests,
/// so a burst of players asking for a missing resource reaches us once.
pub const ERROR_MAX_AGE_S: u32 = 1;

/// Methods playback answers (besides OPTIONS).
pub const ALLOWED_METHODS: &str = "GET, HEAD";
/// Response headers scripts on other origins may read (hls.js reads the
/// length and range of segments).
pub const EXPOSED_HEADERS: &str = "Content-Length, Content-Range, Accept-Ranges, ETag, Date";
/// How long browsers may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE_S: u32 = 86_400;

/// A response body.
#[derive(Debug)]
pub enum Body<B> {
    /// None (HEAD, 304).
    Empty,
    /// A playlist or an error message.
    Text(String),
    /// Blob streams sent one after another, spliced host-side.
    Blobs(Vec<B>),
    /// Bytes made in the guest (remuxed fMP4).
    Bytes(Vec<u8>),
}

/// A response, headers with lower-case names.
#[derive(Debug)]
pub struct Reply<B> {
    /// HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body<B>,
}

impl<B> Reply<B> {
    /// A reply with CORS headers and nothing else.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: vec![
                ("access-control-allow-origin".into(), "*".into()),
                (
                    "access-control-expose-headers".into(),
                    EXPOSED_HEADERS.into(),
                ),
            ],
            body: Body::Empty,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The first value of header `name`.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An error: a short text body saying what, cached for a second (403s,
    /// which depend on who asks, not at all).
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        let mut message = message.into();
        message.push('\n');
        let cache = if status == 403 {
            "no-store".to_owned()
        } else {
            format!("max-age={ERROR_MAX_AGE_S}")
        };
        let mut r = Self::new(status)
            .header("content-type", TEXT_TYPE)
            .header("cache-control", cache)
            .header("content-length", message.len().to_string());
        r.body = Body::Text(message);
        r
    }

    /// A playlist, cached for `max_age_s`.
    pub fn playlist(text: String, max_age_s: u32) -> Self {
        let mut r = Self::new(200)
            .header("content-type", PLAYLIST_TYPE)
            .header("cache-control", format!("max-age={max_age_s}"))
            .header("content-length", text.len().to_string());
        r.body = Body::Text(text);
        r
    }

    /// 405 for anything but GET, HEAD and OPTIONS.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::error(405, format!("{method} is not allowed on playback URLs"))
            .header("allow", "GET, HEAD, OPTIONS")
    }

    /// The answer to OPTIONS: a CORS preflight (or a plain OPTIONS) gets 200
    /// with the methods, and the request headers it asked for when they are
    /// plain header names (players send `Range`, CDNs their own).
    pub fn preflight(requested_headers: Option<&str>) -> Self {
        let mut r = Self::new(200)
            .header("allow", "GET, HEAD, OPTIONS")
            .header("access-control-allow-methods", ALLOWED_METHODS)
            .header("access-control-max-age", PREFLIGHT_MAX_AGE_S.to_string())
            .header("content-length", "0");
        let names = requested_headers.map(str::trim).filter(|h| {
            !h.is_empty()
                && h.split(',').all(|n| {
                    let n = n.trim();
                    !n.is_empty() && n.bytes().all(is_token_byte)
                })
        });
        if let Some(names) = names {
            r = r.header("access-control-allow-headers", names);
        }
        r
    }
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `max-age` of a live playlist whose segments last `segment_s`: half of it,
/// at least one second (MediaPackage: "half the duration of the media segments").
pub fn live_max_age(segment_s: u32) -> u32 {
    (segment_s / 2).max(1)
}

/// `max-age` of a rendered media playlist: complete ones (`#EXT-X-ENDLIST`)
/// longer, live ones (whatever their `PlaylistType`) half an output segment.
pub fn media_max_age(text: &str, output_segment_s: u32) -> u32 {
    if text.ends_with("#EXT-X-ENDLIST\n") {
        COMPLETE_PLAYLIST_MAX_AGE_S
    } else {
        live_max_age(output_segment_s)
    }
}

/// The status and message a manifest plug error is answered with (the
/// statuses `hls.wit` documents).
pub fn plug_error(e: wit::Error) -> (u16, String) {
    use wit::Error as E;
    match e {
        E::MalformedQuery(m) => (400, format!("malformed query: {m}")),
        E::UnsupportedFilter(m) => (400, format!("unsupported manifest filter: {m}")),
        E::InvalidTimeRange(m) => (400, format!("invalid time range: {m}")),
        E::TimeShiftDisabled => (
            404,
            "time-shifted viewing needs a startover window on the endpoint".into(),
        ),
        E::OutsideStartoverWindow => (
            404,
            "the requested time is outside the startover window".into(),
        ),
        E::NoMatchingStreams => (
            404,
            "no stream matches the endpoint's stream selection and the manifest filter".into(),
        ),
        E::UnknownRendition => (404, "no such rendition".into()),
        E::RenditionExcluded => (
            404,
            "the rendition is excluded by stream selection or the manifest filter".into(),
        ),
        E::SegmentUnavailable => (404, "segment not available".into()),
        E::InvalidIndex(m) => (500, format!("the channel's segment index is invalid: {m}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Reply<()>;

    #[test]
    fn every_plug_error_maps_to_the_status_its_wit_documents() {
        let s = |e| plug_error(e).0;
        assert_eq!(s(wit::Error::MalformedQuery("x".into())), 400);
        assert_eq!(s(wit::Error::UnsupportedFilter("video_codec".into())), 400);
        assert_eq!(s(wit::Error::InvalidTimeRange("x".into())), 400);
        assert_eq!(s(wit::Error::TimeShiftDisabled), 404);
        assert_eq!(s(wit::Error::OutsideStartoverWindow), 404);
        assert_eq!(s(wit::Error::NoMatchingStreams), 404);
        assert_eq!(s(wit::Error::UnknownRendition), 404);
        assert_eq!(s(wit::Error::RenditionExcluded), 404);
        assert_eq!(s(wit::Error::SegmentUnavailable), 404);
        assert_eq!(s(wit::Error::InvalidIndex("gap".into())), 500);
        let (_, m) = plug_error(wit::Error::UnsupportedFilter("video_codec".into()));
        assert!(m.contains("video_codec"), "{m}");
    }

    #[test]
    fn errors_are_short_text_with_cors_and_a_one_second_cache() {
        let r = R::error(404, "segment not available");
        assert_eq!(r.status, 404);
        assert_eq!(r.header_value("content-type"), Some(TEXT_TYPE));
        assert_eq!(r.header_value("access-control-allow-origin"), Some("*"));
        assert_eq!(r.header_value("cache-control"), Some("max-age=1"));
        assert_eq!(r.header_value("content-length"), Some("22"));
        let Body::Text(t) = &r.body else {
            panic!("expected text")
        };
        assert_eq!(t, "segment not available\n");
        assert_eq!(
            R::error(403, "no").header_value("cache-control"),
            Some("no-store")
        );
    }

    #[test]
    fn playlists_are_mpegurl_with_half_a_segment_of_cache() {
        let r = R::playlist("#EXTM3U\n".into(), live_max_age(6));
        assert_eq!(r.header_value("content-type"), Some(PLAYLIST_TYPE));
        assert_eq!(r.header_value("cache-control"), Some("max-age=3"));
        assert_eq!(r.header_value("content-length"), Some("8"));
        assert_eq!(
            r.header_value("access-control-expose-headers"),
            Some(EXPOSED_HEADERS)
        );
        assert_eq!(live_max_age(1), 1);
        assert_eq!(live_max_age(3), 1);
        assert_eq!(
            media_max_age("#EXTM3U\n#EXT-X-ENDLIST\n", 2),
            COMPLETE_PLAYLIST_MAX_AGE_S
        );
        assert_eq!(media_max_age("#EXTM3U\nindex_1_3.ts\n", 10), 5);
    }

    #[test]
    fn preflight_allows_get_and_head_and_echoes_plain_header_names() {
        let r = R::preflight(Some("range, x-cdn-token"));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header_value("access-control-allow-methods"),
            Some("GET, HEAD")
        );
        assert_eq!(r.header_value("access-control-allow-origin"), Some("*"));
        assert_eq!(
            r.header_value("access-control-allow-headers"),
            Some("range, x-cdn-token")
        );
        assert_eq!(
            R::preflight(None).header_value("access-control-allow-headers"),
            None
        );
        assert_eq!(
            R::preflight(Some("range, bad header\r\nx: y"))
                .header_value("access-control-allow-headers"),
            None
        );
    }

    #[test]
    fn other_methods_are_405_with_allow() {
        let r = R::method_not_allowed("PUT");
        assert_eq!(r.status, 405);
        assert_eq!(r.header_value("allow"), Some("GET, HEAD, OPTIONS"));
        assert_eq!(r.header_value("access-control-allow-origin"), Some("*"));
    }
}
