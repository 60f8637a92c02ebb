//! The query of a playback URL: time-shift and manifest filters.
//!
//! MediaPackage (v1) accepts `?start=…&end=…` and the `aws.manifestsettings`
//! namespace (`start:…;end:…;time_delay:…;manifest_window_seconds:…`) for
//! time-shift, with times as epoch seconds or ISO 8601, and
//! `aws.manifestfilter=video_bitrate:0-9000000;video_height:240-360,720-1080`
//! for filters. Names are case-insensitive; `:`, `;`, `,` and `+` inside a
//! value arrive percent-encoded. Other query parameters (CDN tokens) are
//! ignored here and carried on into child playlist URLs.

use crate::filter::{ManifestFilter, Ranges};
use crate::time::parse_time;
use crate::{Error, Result};
use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use percent_encoding::percent_decode_str;

/// Longest query accepted (MediaPackage's limit for these queries).
pub const MAX_QUERY_LEN: usize = 1024;

/// What a playback request's query asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Time-shift start, epoch ms.
    pub start_ms: Option<i64>,
    /// Time-shift end, epoch ms.
    pub end_ms: Option<i64>,
    /// `time_delay`: seconds of delay; the endpoint's own delay still holds
    /// when larger (a viewer cannot remove a delay the operator set).
    pub time_delay_s: Option<u32>,
    /// `manifest_window_seconds`: a shorter window than the endpoint's; a
    /// longer one is capped at the endpoint's.
    pub manifest_window_s: Option<u32>,
    /// `aws.manifestfilter`.
    pub filter: ManifestFilter,
    /// The query as received (without `?`), to append to child playlist
    /// URLs so that media playlists see the same time-shift, filter and
    /// tokens as their master playlist.
    pub query: String,
}

impl Request {
    /// Parses a URL query (without `?`). Unknown parameters are kept only in
    /// [`Request::query`]; a parameter given twice, a bad time or number, or
    /// an unknown `aws.manifestsettings` name is an error.
    pub fn parse(query: &str) -> Result<Self> {
        if query.len() > MAX_QUERY_LEN {
            return Err(Error::MalformedQuery(format!(
                "longer than {MAX_QUERY_LEN} characters"
            )));
        }
        let mut req = Request {
            query: String::from(query),
            ..Request::default()
        };
        let mut seen_filter = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name)?;
            let value = decode(value)?;
            if name.eq_ignore_ascii_case("start") {
                set(&mut req.start_ms, time("start", &value)?, "start")?;
            } else if name.eq_ignore_ascii_case("end") {
                set(&mut req.end_ms, time("end", &value)?, "end")?;
            } else if name.eq_ignore_ascii_case("aws.manifestsettings") {
                req.settings(&value)?;
            } else if name.eq_ignore_ascii_case("aws.manifestfilter") {
                if seen_filter {
                    return Err(Error::MalformedQuery(
                        "aws.manifestfilter given twice".into(),
                    ));
                }
                seen_filter = true;
                req.filter = ManifestFilter::parse(&value)?;
            }
        }
        Ok(req)
    }

    /// Whether the request asks for a time-shifted playlist.
    pub fn is_time_shifted(&self) -> bool {
        self.start_ms.is_some() || self.end_ms.is_some()
    }

    fn settings(&mut self, value: &str) -> Result<()> {
        for item in value.split(';').filter(|i| !i.is_empty()) {
            let (name, v) = item.split_once(':').ok_or_else(|| {
                Error::MalformedQuery(format!("aws.manifestsettings: {item:?} has no ':'"))
            })?;
            let name = name.trim();
            if name.eq_ignore_ascii_case("start") {
                set(&mut self.start_ms, time("start", v)?, "start")?;
            } else if name.eq_ignore_ascii_case("end") {
                set(&mut self.end_ms, time("end", v)?, "end")?;
            } else if name.eq_ignore_ascii_case("time_delay") {
                set(&mut self.time_delay_s, seconds(name, v)?, "time_delay")?;
            } else if name.eq_ignore_ascii_case("manifest_window_seconds") {
                let s = seconds(name, v)?;
                if s == 0 {
                    return Err(Error::MalformedQuery(
                        "manifest_window_seconds must be at least 1".into(),
                    ));
                }
                set(&mut self.manifest_window_s, s, "manifest_window_seconds")?;
            } else {
                return Err(Error::MalformedQuery(format!(
                    "aws.manifestsettings: unknown setting {name:?}"
                )));
            }
        }
        Ok(())
    }
}

fn decode(s: &str) -> Result<Cow<'_, str>> {
    percent_decode_str(s)
        .decode_utf8()
        .map_err(|_| Error::MalformedQuery("not UTF-8 after percent-decoding".into()))
}

fn set<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<()> {
    if slot.is_some() {
        return Err(Error::MalformedQuery(format!("{name} given twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn time(name: &str, v: &str) -> Result<i64> {
    parse_time(v.trim()).ok_or_else(|| {
        Error::MalformedQuery(format!(
            "{name}: {v:?} is neither epoch seconds nor an ISO 8601 time"
        ))
    })
}

fn seconds(name: &str, v: &str) -> Result<u32> {
    Ranges::number(v.trim())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            Error::MalformedQuery(format!("{name}: {v:?} is not a whole number of seconds"))
        })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn plain_start_and_end_take_epoch_or_iso() {
        let r = Request::parse("start=1732285823&end=2024-11-22T15:30:23Z").unwrap();
        assert_eq!(r.start_ms, Some(1_732_285_823_000));
        assert_eq!(r.end_ms, Some(1_732_289_423_000));
        assert!(r.is_time_shifted());
        // an ISO offset with its `+` and `:` percent-encoded, as the docs ask
        let r = Request::parse("start=2024-11-22T16%3A30%3A23%2B02%3A00").unwrap();
        assert_eq!(r.start_ms, Some(1_732_285_823_000));
    }

    #[test]
    fn manifestsettings_carries_start_end_delay_and_window() {
        let r = Request::parse(
            "aws.manifestsettings=start%3A1732285823%3Bend%3A1732300175%3Btime_delay%3A30%3Bmanifest_window_seconds%3A20",
        )
        .unwrap();
        assert_eq!(r.start_ms, Some(1_732_285_823_000));
        assert_eq!(r.end_ms, Some(1_732_300_175_000));
        assert_eq!(r.time_delay_s, Some(30));
        assert_eq!(r.manifest_window_s, Some(20));
        // unencoded works too when it is the only parameter; names ignore case
        let r = Request::parse("AWS.ManifestSettings=START:2024-11-22T14:30:23Z").unwrap();
        assert_eq!(r.start_ms, Some(1_732_285_823_000));
    }

    #[test]
    fn unknown_parameters_pass_through_untouched() {
        let r = Request::parse("token=abc%3D&aws.manifestfilter=video_height%3A720-1080").unwrap();
        assert_eq!(
            r.query,
            "token=abc%3D&aws.manifestfilter=video_height%3A720-1080"
        );
        assert!(!r.is_time_shifted());
        assert!(r.filter.video_height.is_some());
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        for (q, needle) in [
            ("start=yesterday", "start"),
            ("start=1&start=2", "twice"),
            ("start=1&aws.manifestsettings=start:2", "twice"),
            ("aws.manifestsettings=foo:1", "unknown setting"),
            ("aws.manifestsettings=time_delay", "no ':'"),
            ("aws.manifestsettings=time_delay:-3", "time_delay"),
            (
                "aws.manifestsettings=manifest_window_seconds:0",
                "at least 1",
            ),
            ("start=%FF", "UTF-8"),
            (
                "aws.manifestfilter=video_height:1&aws.manifestfilter=audio_bitrate:2",
                "twice",
            ),
        ] {
            let e = Request::parse(q).unwrap_err();
            assert!(
                matches!(&e, Error::MalformedQuery(m) if m.contains(needle)),
                "{q}: {e:?}"
            );
        }
        let long = "x".repeat(MAX_QUERY_LEN + 1);
        assert!(Request::parse(&long).is_err());
    }
}
