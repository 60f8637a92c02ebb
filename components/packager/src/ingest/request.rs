//! The HTTP side of an ingest request, before any body is read: which
//! file of which endpoint, whether the method is one ingest takes, whether
//! the credentials hold, and the answers when they do not.
//!
//! Nothing here reads the body: an encoder that sent `Expect: 100-continue`
//! (ffmpeg does, with credentials) gets its 401 challenge, 404 or 405
//! before it sends a byte, because the host answers `100 Continue` only
//! when a component starts reading.

use tributary_mediapackage::ChannelRecord;
use tributary_mediapackage::wire::IngestEndpoint;

use crate::ingest::auth::{self, Credentials, Verdict};

/// Methods ingest answers (`Allow` of a 405).
pub const ALLOWED: &str = "PUT, POST, DELETE";

/// An answer without a stored body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra headers (a `text/plain` content type comes with any body).
    pub headers: Vec<(String, String)>,
    /// A short explanation for people, or empty.
    pub body: String,
}

impl Reply {
    /// `status` with `message` as a plain-text body.
    pub fn text(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: message.into(),
        }
    }

    /// 204: stored (or, for DELETE, ignored).
    pub fn done() -> Self {
        Self::text(204, "")
    }
}

/// What a file PUT to an ingest endpoint is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.m3u8`: a master or media playlist (told apart by content).
    Playlist,
    /// A media segment, stored as-is with this content type.
    Segment(&'static str),
}

/// The kind of `file`; `None` for names ingest does not take.
pub fn file_kind(file: &str) -> Option<FileKind> {
    let ext = file.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "m3u8" => FileKind::Playlist,
        "ts" => FileKind::Segment("video/MP2T"),
        "aac" => FileKind::Segment("audio/aac"),
        "ac3" => FileKind::Segment("audio/ac3"),
        "ec3" => FileKind::Segment("audio/eac3"),
        "mp3" => FileKind::Segment("audio/mpeg"),
        "mp4" | "m4s" | "m4v" => FileKind::Segment("video/mp4"),
        "m4a" => FileKind::Segment("audio/mp4"),
        "vtt" | "webvtt" => FileKind::Segment("text/vtt"),
        _ => return None,
    })
}

/// A request that passed [`admit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// DELETE from an encoder cleaning up (`hls_flags delete_segments`):
    /// answered 204 and ignored, retention is the packager's.
    Delete,
    /// PUT or POST of `file`.
    Store(FileKind),
}

/// Checks method, channel, ingest endpoint, credentials and file name of
/// a request for `file` at `ingest` of the channel `channel` (`None`: no
/// such channel). `request_uri` is the path and query as sent.
pub fn admit(
    method: &str,
    request_uri: &str,
    authorization: Option<&str>,
    channel: Option<&ChannelRecord>,
    ingest: &str,
    file: &str,
    now_ms: i64,
) -> Result<Admitted, Reply> {
    if !matches!(method, "PUT" | "POST" | "DELETE") {
        let mut r = Reply::text(
            405,
            format!("{method} is not an ingest method; encoders PUT, POST or DELETE"),
        );
        r.headers.push(("allow".into(), ALLOWED.into()));
        return Err(r);
    }
    let Some(channel) = channel else {
        return Err(Reply::text(404, "no such channel"));
    };
    let Some(endpoint) = endpoint(channel, ingest) else {
        return Err(Reply::text(404, "no such ingest endpoint on this channel"));
    };
    let scope = format!("{}/{}", channel.channel.id, endpoint.id);
    let creds = Credentials {
        username: &endpoint.username,
        password: &endpoint.password,
        scope: &scope,
    };
    match auth::check(authorization, method, request_uri, &creds, now_ms) {
        Verdict::Granted => {}
        verdict => {
            let mut r = Reply::text(401, "ingest needs the endpoint's username and password");
            for c in auth::challenge(&creds, now_ms, verdict == Verdict::Stale) {
                r.headers.push(("www-authenticate".into(), c));
            }
            return Err(r);
        }
    }
    if method == "DELETE" {
        return Ok(Admitted::Delete);
    }
    file_kind(file).map(Admitted::Store).ok_or_else(|| {
        Reply::text(
            400,
            format!(
                "{file}: ingest takes .m3u8 playlists and media segments (.ts, .aac, .mp4, .m4s, …)"
            ),
        )
    })
}

fn endpoint<'a>(channel: &'a ChannelRecord, id: &str) -> Option<&'a IngestEndpoint> {
    channel
        .channel
        .hls_ingest
        .ingest_endpoints
        .iter()
        .find(|e| e.id == id)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use base64::Engine as _;
    use tributary_mediapackage::wire::{Channel, HlsIngest};

    fn channel() -> ChannelRecord {
        ChannelRecord {
            channel: Channel {
                id: "live".into(),
                created_at: "2026-01-01T00:00:00Z".into(),
                hls_ingest: HlsIngest {
                    ingest_endpoints: vec![IngestEndpoint {
                        id: "i1".into(),
                        url: String::new(),
                        username: "u".into(),
                        password: "p".into(),
                    }],
                },
                ..Channel::default()
            },
        }
    }

    fn basic(pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("u:{pass}"))
        )
    }

    #[test]
    fn methods_channels_and_endpoints_are_checked_before_credentials() {
        let ch = channel();
        let r = admit("GET", "/", None, Some(&ch), "i1", "a.ts", 0).unwrap_err();
        assert_eq!(r.status, 405);
        assert!(r.headers.contains(&("allow".into(), ALLOWED.into())));
        assert_eq!(
            admit("PUT", "/", None, None, "i1", "a.ts", 0)
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(
            admit("PUT", "/", None, Some(&ch), "i9", "a.ts", 0)
                .unwrap_err()
                .status,
            404
        );
    }

    #[test]
    fn missing_or_wrong_credentials_get_a_digest_challenge() {
        let ch = channel();
        for auth in [None, Some(basic("wrong"))] {
            let r = admit("PUT", "/x", auth.as_deref(), Some(&ch), "i1", "a.ts", 0).unwrap_err();
            assert_eq!(r.status, 401);
            let challenges: Vec<_> = r
                .headers
                .iter()
                .filter(|(k, _)| k == "www-authenticate")
                .collect();
            assert_eq!(challenges.len(), 2);
            assert!(challenges[1].1.contains("algorithm=MD5"));
        }
    }

    #[test]
    fn granted_requests_are_sorted_by_file_and_deletes_ignored() {
        let ch = channel();
        let ok = basic("p");
        let admit = |m, f| admit(m, "/x", Some(&ok), Some(&ch), "i1", f, 0);
        assert_eq!(
            admit("PUT", "c.m3u8"),
            Ok(Admitted::Store(FileKind::Playlist))
        );
        assert_eq!(
            admit("POST", "c_1_7.TS"),
            Ok(Admitted::Store(FileKind::Segment("video/MP2T")))
        );
        assert_eq!(admit("DELETE", "c_1_7.ts"), Ok(Admitted::Delete));
        assert_eq!(admit("PUT", "notes.txt").unwrap_err().status, 400);
        assert_eq!(admit("PUT", "noextension").unwrap_err().status, 400);
    }
}
