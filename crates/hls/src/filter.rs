//! Which renditions a playback request gets: the endpoint's
//! `StreamSelection` first, then the request's `aws.manifestfilter`.
//!
//! Filter grammar (MediaPackage): `key:values[;key:values…]`, `values` a
//! comma-separated list of numbers and inclusive ranges `low-high`
//! (`video_height:240-360,720-1080,1440`). Implemented keys:
//! `video_bitrate` and `video_height` (video renditions; a rendition with an
//! unknown height never matches a height filter) and `audio_bitrate` (audio
//! renditions). Other MediaPackage keys (`video_codec`, `audio_sample_rate`,
//! `video_framerate`, languages, …) are refused as unsupported rather than
//! silently ignored.

use crate::endpoint::HlsEndpoint;
use crate::endpoint::{StreamOrder, StreamSelection};
use crate::model::{Channel, MediaKind, Rendition};
use crate::query::Request;
use crate::{Error, Result};
use alloc::format;
use alloc::vec::Vec;

/// A set of inclusive numeric ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges(pub Vec<(u64, u64)>);

impl Ranges {
    /// Parses `240-360,720-1080,1440`.
    pub fn parse(key: &str, s: &str) -> Result<Self> {
        let mut ranges = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            let bad = || {
                Error::MalformedQuery(format!(
                    "aws.manifestfilter: {key}: {part:?} is not a number or a range"
                ))
            };
            let (lo, hi) = match part.split_once('-') {
                Some((lo, hi)) => (
                    Self::number(lo.trim()).ok_or_else(bad)?,
                    Self::number(hi.trim()).ok_or_else(bad)?,
                ),
                None => {
                    let n = Self::number(part).ok_or_else(bad)?;
                    (n, n)
                }
            };
            if lo > hi {
                return Err(Error::MalformedQuery(format!(
                    "aws.manifestfilter: {key}: range {part:?} is upside down"
                )));
            }
            ranges.push((lo, hi));
        }
        Ok(Self(ranges))
    }

    /// Whether `v` falls in any of the ranges.
    pub fn contains(&self, v: u64) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= v && v <= hi)
    }

    /// A plain decimal number: ASCII digits only, no sign, fits in `u64`.
    pub(crate) fn number(s: &str) -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }
}

/// `aws.manifestfilter`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestFilter {
    /// `video_bitrate`: video renditions' bits per second.
    pub video_bitrate: Option<Ranges>,
    /// `audio_bitrate`: audio renditions' bits per second.
    pub audio_bitrate: Option<Ranges>,
    /// `video_height`: video renditions' height in pixels.
    pub video_height: Option<Ranges>,
}

impl ManifestFilter {
    /// Parses the (percent-decoded) value of `aws.manifestfilter`.
    pub fn parse(s: &str) -> Result<Self> {
        let mut f = Self::default();
        for item in s.split(';').filter(|i| !i.trim().is_empty()) {
            let (key, values) = item.split_once(':').ok_or_else(|| {
                Error::MalformedQuery(format!("aws.manifestfilter: {item:?} has no ':'"))
            })?;
            let key = key.trim();
            let slot = if key.eq_ignore_ascii_case("video_bitrate") {
                &mut f.video_bitrate
            } else if key.eq_ignore_ascii_case("audio_bitrate") {
                &mut f.audio_bitrate
            } else if key.eq_ignore_ascii_case("video_height") {
                &mut f.video_height
            } else {
                return Err(Error::UnsupportedFilter(format!("{key:?}")));
            };
            if slot.is_some() {
                return Err(Error::MalformedQuery(format!(
                    "aws.manifestfilter: {key} given twice"
                )));
            }
            *slot = Some(Ranges::parse(key, values)?);
        }
        Ok(f)
    }

    /// Whether `r` passes this filter.
    pub fn admits(&self, r: &Rendition) -> bool {
        match r.kind {
            MediaKind::Video => {
                self.video_bitrate
                    .as_ref()
                    .is_none_or(|f| f.contains(r.bandwidth))
                    && self.video_height.as_ref().is_none_or(|f| {
                        r.resolution
                            .is_some_and(|res| f.contains(res.height.into()))
                    })
            }
            MediaKind::Audio => self
                .audio_bitrate
                .as_ref()
                .is_none_or(|f| r.bandwidth > 0 && f.contains(r.bandwidth)),
        }
    }
}

impl StreamSelection {
    /// Whether `r` passes the endpoint's selection (audio always does).
    pub fn admits(&self, r: &Rendition) -> bool {
        r.kind != MediaKind::Video
            || (self.min_video_bps.is_none_or(|min| r.bandwidth >= min)
                && self.max_video_bps.is_none_or(|max| r.bandwidth <= max))
    }
}

/// The renditions a master playlist lists: indexes into `renditions`,
/// video first in `StreamSelection` order, then audio in ingest order.
/// [`Error::NoMatchingStreams`] when none is left.
pub fn select_renditions(
    renditions: &[Rendition],
    selection: &StreamSelection,
    filter: &ManifestFilter,
) -> Result<Vec<usize>> {
    let admitted = |r: &Rendition| selection.admits(r) && filter.admits(r);
    let mut video: Vec<usize> = (0..renditions.len())
        .filter(|&i| renditions[i].kind == MediaKind::Video && admitted(&renditions[i]))
        .collect();
    match selection.order {
        StreamOrder::VideoBitrateAscending => video.sort_by_key(|&i| renditions[i].bandwidth),
        StreamOrder::VideoBitrateDescending => {
            video.sort_by_key(|&i| core::cmp::Reverse(renditions[i].bandwidth));
        }
        _ => {}
    }
    video.extend(
        (0..renditions.len())
            .filter(|&i| renditions[i].kind == MediaKind::Audio && admitted(&renditions[i])),
    );
    if video.is_empty() {
        return Err(Error::NoMatchingStreams);
    }
    Ok(video)
}

/// Rendition `rendition` (1-based) of `channel`, if `endpoint`'s selection
/// and `request`'s filter let it be played: a media playlist or segment of
/// an excluded rendition is [`Error::RenditionExcluded`], one that does not
/// exist [`Error::UnknownRendition`].
pub fn admit_rendition<'a>(
    channel: &'a Channel,
    rendition: u32,
    endpoint: &HlsEndpoint,
    request: &Request,
) -> Result<&'a Rendition> {
    let r = usize::try_from(rendition)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| channel.renditions.get(i))
        .ok_or(Error::UnknownRendition)?;
    if endpoint.stream_selection.admits(r) && request.filter.admits(r) {
        Ok(r)
    } else {
        Err(Error::RenditionExcluded)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::model::Resolution;

    fn video(name: &str, bps: u64, height: u32) -> Rendition {
        let mut r = Rendition::new(name, MediaKind::Video, bps);
        r.resolution = Some(Resolution {
            width: height * 16 / 9,
            height,
        });
        r
    }

    #[test]
    fn ranges_and_single_values_parse_as_the_docs_write_them() {
        let f = ManifestFilter::parse("video_height:240-360,720-1080,1440,2160").unwrap();
        let h = f.video_height.unwrap();
        assert!(h.contains(240) && h.contains(300) && h.contains(1080) && h.contains(1440));
        assert!(!h.contains(480) && !h.contains(1441));
        let f =
            ManifestFilter::parse("VIDEO_BITRATE:0-9000000;audio_bitrate:64000-128000").unwrap();
        assert!(f.video_bitrate.unwrap().contains(9_000_000));
        assert!(f.audio_bitrate.unwrap().contains(96_000));
    }

    #[test]
    fn malformed_and_unsupported_filters_are_refused() {
        assert!(matches!(
            ManifestFilter::parse("video_height:abc"),
            Err(Error::MalformedQuery(_))
        ));
        assert!(matches!(
            ManifestFilter::parse("video_height:9-3"),
            Err(Error::MalformedQuery(_))
        ));
        assert!(matches!(
            ManifestFilter::parse("video_height"),
            Err(Error::MalformedQuery(_))
        ));
        assert!(matches!(
            ManifestFilter::parse("video_height:1;video_height:2"),
            Err(Error::MalformedQuery(_))
        ));
        assert!(matches!(
            ManifestFilter::parse("video_height:-5"),
            Err(Error::MalformedQuery(_))
        ));
        assert!(matches!(
            ManifestFilter::parse("video_codec:h264"),
            Err(Error::UnsupportedFilter(k)) if k.contains("video_codec")
        ));
    }

    #[test]
    fn selection_then_filter_then_order() {
        let mut audio = Rendition::new("a", MediaKind::Audio, 96_000);
        audio.group = Some("aac".into());
        let rs = [
            video("mid", 2_000_000, 540),
            video("low", 500_000, 234),
            video("high", 6_000_000, 1080),
            audio,
            video("uhd", 15_000_000, 2160),
        ];
        let sel = StreamSelection {
            min_video_bps: Some(400_000),
            max_video_bps: Some(10_000_000),
            order: StreamOrder::VideoBitrateDescending,
        };
        let none = ManifestFilter::default();
        assert_eq!(
            select_renditions(&rs, &sel, &none).unwrap(),
            vec![2, 0, 1, 3]
        );
        let asc = StreamSelection {
            order: StreamOrder::VideoBitrateAscending,
            ..sel
        };
        assert_eq!(
            select_renditions(&rs, &asc, &none).unwrap(),
            vec![1, 0, 2, 3]
        );
        let original = StreamSelection::default();
        assert_eq!(
            select_renditions(&rs, &original, &none).unwrap(),
            vec![0, 1, 2, 4, 3]
        );

        let f = ManifestFilter::parse("video_height:500-1080;audio_bitrate:128000-256000").unwrap();
        assert_eq!(select_renditions(&rs, &sel, &f).unwrap(), vec![2, 0]);
        let f = ManifestFilter::parse("video_bitrate:0-1000000").unwrap();
        assert_eq!(select_renditions(&rs, &original, &f).unwrap(), vec![1, 3]);
        let f = ManifestFilter::parse("video_height:4320;audio_bitrate:1").unwrap();
        assert_eq!(
            select_renditions(&rs, &original, &f),
            Err(Error::NoMatchingStreams)
        );
    }

    #[test]
    fn unknown_height_or_audio_bitrate_never_matches_a_filter_on_it() {
        let no_res = Rendition::new("v", MediaKind::Video, 1_000);
        let f = ManifestFilter::parse("video_height:0-100000").unwrap();
        assert!(!f.admits(&no_res));
        let unmeasured = Rendition::new("a", MediaKind::Audio, 0);
        let f = ManifestFilter::parse("audio_bitrate:0-100000").unwrap();
        assert!(!f.admits(&unmeasured));
        assert!(ManifestFilter::default().admits(&unmeasured));
    }
}
