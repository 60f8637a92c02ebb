//! What the packager knows about a channel: its renditions, and per
//! rendition the index of ingested segments.

use crate::{Error, Result};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One ingested input segment of one rendition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The packager's sequence number: contiguous within a rendition and
    /// never reused, whichever ingest endpoint delivered the segment (the
    /// encoder's own numbers restart; these do not).
    pub sequence: u64,
    /// Duration in milliseconds (`#EXTINF`), more than zero.
    pub duration_ms: u32,
    /// Wall-clock start, ms since the Unix epoch: the encoder's
    /// `EXT-X-PROGRAM-DATE-TIME` when it sends one, otherwise assigned from
    /// the packager's clock at ingest. Never decreases along the index; all
    /// windows, delays and time-shifts are measured on it.
    pub program_date_time_ms: i64,
    /// Presentation time of the first frame, 90 kHz, when the packager
    /// probed it (for CMAF/DASH timelines).
    pub pts: Option<u64>,
    /// The segment starts a discontinuity (encoder restart, ingest switch,
    /// `#EXT-X-DISCONTINUITY` on ingest).
    pub discontinuity: bool,
    /// The blob key the segment's bytes are stored under.
    pub key: String,
}

impl Segment {
    /// Wall-clock end, ms since the Unix epoch.
    pub fn end_ms(&self) -> i64 {
        self.program_date_time_ms + i64::from(self.duration_ms)
    }
}

/// The retained segments of one rendition, oldest first, with the history
/// of discontinuities.
///
/// The history keeps the sequence number of every segment that ever started
/// a discontinuity, also after the segment itself expired: output segment
/// numbers (when input segments are combined) and
/// `EXT-X-DISCONTINUITY-SEQUENCE` are counted from it, so they stay the same
/// on every reload. It grows by one entry per discontinuity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentIndex {
    target_duration_s: u32,
    segments: Vec<Segment>,
    discontinuities: Vec<u64>,
}

impl SegmentIndex {
    /// An empty index for input segments of at most `target_duration_s`
    /// (the ingest `#EXT-X-TARGETDURATION`; at least 1).
    pub fn new(target_duration_s: u32) -> Self {
        Self {
            target_duration_s: target_duration_s.max(1),
            segments: Vec::new(),
            discontinuities: Vec::new(),
        }
    }

    /// Rebuilds an index from stored parts, checking every rule [`push`]
    /// keeps: contiguous sequences, durations over zero, non-decreasing
    /// times, a strictly ascending history that holds exactly the flagged
    /// retained segments.
    ///
    /// [`push`]: SegmentIndex::push
    pub fn from_parts(
        target_duration_s: u32,
        segments: Vec<Segment>,
        discontinuities: Vec<u64>,
    ) -> Result<Self> {
        if target_duration_s == 0 {
            return Err(Error::InvalidIndex("target duration is 0".into()));
        }
        if discontinuities.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::InvalidIndex(
                "discontinuity history is not strictly ascending".into(),
            ));
        }
        // Checked in place and then kept whole: the plug rebuilds an index
        // per call, and moving an hour of segments one by one showed.
        let mut previous = None;
        for segment in &segments {
            check_follows(previous, segment, &[])?;
            previous = Some(segment);
        }
        let mut index = Self {
            target_duration_s,
            segments,
            discontinuities: Vec::new(),
        };
        if let Some(last) = index.segments.last().map(|s| s.sequence) {
            for s in &index.segments {
                if s.discontinuity != discontinuities.binary_search(&s.sequence).is_ok() {
                    return Err(Error::InvalidIndex(format!(
                        "segment {} disagrees with the discontinuity history",
                        s.sequence
                    )));
                }
            }
            if discontinuities.iter().any(|&d| d > last) {
                return Err(Error::InvalidIndex(format!(
                    "discontinuity history names a segment after {last}"
                )));
            }
        }
        index.discontinuities = discontinuities;
        Ok(index)
    }

    /// Appends the next segment. Refused (index unchanged) when its sequence
    /// is not the last one plus one, its duration is zero, or it starts
    /// before the last segment started.
    pub fn push(&mut self, segment: Segment) -> Result<()> {
        self.check_next(&segment)?;
        if segment.discontinuity {
            self.discontinuities.push(segment.sequence);
        }
        self.segments.push(segment);
        Ok(())
    }

    fn check_next(&self, segment: &Segment) -> Result<()> {
        check_follows(self.segments.last(), segment, &self.discontinuities)
    }

    /// Drops every segment before `sequence` (they expired); the history of
    /// discontinuities is kept. Returns the dropped segments, whose blobs the
    /// caller deletes.
    pub fn expire_before(&mut self, sequence: u64) -> Vec<Segment> {
        let n = self.segments.partition_point(|s| s.sequence < sequence);
        self.segments.drain(..n).collect()
    }

    /// The ingest target duration, in whole seconds.
    pub fn target_duration_s(&self) -> u32 {
        self.target_duration_s
    }

    /// Retained segments, oldest first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Sequence numbers of every segment that started a discontinuity,
    /// ascending, including expired ones.
    pub fn discontinuities(&self) -> &[u64] {
        &self.discontinuities
    }

    /// The next sequence number [`push`](SegmentIndex::push) accepts, if
    /// the index holds any segment.
    pub fn next_sequence(&self) -> Option<u64> {
        self.segments.last().map(|s| s.sequence + 1)
    }
}

/// What a rendition carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaKind {
    /// Video, possibly with audio muxed into the same segments (a variant
    /// stream, `#EXT-X-STREAM-INF`).
    Video,
    /// Audio only (an `#EXT-X-MEDIA:TYPE=AUDIO` rendition, or an audio-only
    /// variant).
    Audio,
}

/// Picture size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

/// One rendition of a channel, as the encoder's master playlist announced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    /// The encoder's name for it: its media playlist's URI in the ingest
    /// master playlist (`stream_0.m3u8`).
    pub name: String,
    /// Video (with or without muxed audio) or audio only.
    pub kind: MediaKind,
    /// Peak bits per second (`BANDWIDTH`; for an `EXT-X-MEDIA` audio
    /// rendition, what the packager measured, 0 when unknown).
    pub bandwidth: u64,
    /// `AVERAGE-BANDWIDTH`, when known.
    pub average_bandwidth: Option<u64>,
    /// `RESOLUTION`, when known.
    pub resolution: Option<Resolution>,
    /// `FRAME-RATE`, when known.
    pub frame_rate: Option<f64>,
    /// `CODECS` (`avc1.64001f,mp4a.40.2`), when known.
    pub codecs: Option<String>,
    /// Video: the `AUDIO` group it plays with. Audio: its `GROUP-ID`.
    pub group: Option<String>,
    /// Audio: `LANGUAGE`.
    pub language: Option<String>,
    /// Audio: `NAME`.
    pub title: Option<String>,
    /// Audio: `DEFAULT=YES`.
    pub default: bool,
}

impl Rendition {
    /// A rendition of `kind` named `name` with `bandwidth` and nothing else known.
    pub fn new(name: impl Into<String>, kind: MediaKind, bandwidth: u64) -> Self {
        Self {
            name: name.into(),
            kind,
            bandwidth,
            average_bandwidth: None,
            resolution: None,
            frame_rate: None,
            codecs: None,
            group: None,
            language: None,
            title: None,
            default: false,
        }
    }
}

/// A channel's renditions in ingest order. Rendition `n` (1-based) is
/// `renditions[n - 1]`; that number appears in playback URLs
/// (`index_<n>.m3u8`), so it never depends on selection or filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channel {
    /// In the order the encoder's master playlist lists them.
    pub renditions: Vec<Rendition>,
}

/// May `segment` follow `last` (the index's newest, if any)? A first
/// segment must come after every sequence in `history`.
fn check_follows(last: Option<&Segment>, segment: &Segment, history: &[u64]) -> Result<()> {
    if segment.duration_ms == 0 {
        return Err(Error::InvalidIndex(format!(
            "segment {} has no duration",
            segment.sequence
        )));
    }
    if let Some(last) = last {
        if Some(segment.sequence) != last.sequence.checked_add(1) {
            return Err(Error::InvalidIndex(format!(
                "segment {} does not follow {}",
                segment.sequence, last.sequence
            )));
        }
        if segment.program_date_time_ms < last.program_date_time_ms {
            return Err(Error::InvalidIndex(format!(
                "segment {} starts before segment {}",
                segment.sequence, last.sequence
            )));
        }
    } else if history.last().is_some_and(|&d| d >= segment.sequence) {
        return Err(Error::InvalidIndex(format!(
            "segment {} is not after the discontinuity history",
            segment.sequence
        )));
    }
    Ok(())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn seg(sequence: u64, t: i64, discontinuity: bool) -> Segment {
        Segment {
            sequence,
            duration_ms: 2000,
            program_date_time_ms: t,
            pts: None,
            discontinuity,
            key: sequence.to_string(),
        }
    }

    #[test]
    fn push_refuses_gaps_time_going_back_and_empty_segments() {
        let mut index = SegmentIndex::new(2);
        index.push(seg(5, 1000, false)).unwrap();
        assert!(index.push(seg(7, 3000, false)).is_err());
        assert!(index.push(seg(6, 999, false)).is_err());
        let mut zero = seg(6, 3000, false);
        zero.duration_ms = 0;
        assert!(index.push(zero).is_err());
        index.push(seg(6, 3000, true)).unwrap();
        assert_eq!(index.segments().len(), 2);
        assert_eq!(index.discontinuities(), &[6]);
        assert_eq!(index.next_sequence(), Some(7));
    }

    #[test]
    fn expiry_keeps_the_discontinuity_history() {
        let mut index = SegmentIndex::new(2);
        for s in 0..10 {
            index.push(seg(s, s as i64 * 2000, s == 3)).unwrap();
        }
        let gone = index.expire_before(5);
        assert_eq!(gone.len(), 5);
        assert_eq!(index.segments()[0].sequence, 5);
        assert_eq!(index.discontinuities(), &[3]);
        // and a rebuilt index accepts exactly that
        let again = SegmentIndex::from_parts(
            2,
            index.segments().to_vec(),
            index.discontinuities().to_vec(),
        )
        .unwrap();
        assert_eq!(again, index);
    }

    #[test]
    fn from_parts_refuses_a_history_that_disagrees_with_the_flags() {
        let segments = vec![seg(1, 0, false), seg(2, 2000, true)];
        assert!(SegmentIndex::from_parts(2, segments.clone(), vec![2]).is_ok());
        assert!(SegmentIndex::from_parts(2, segments.clone(), vec![]).is_err());
        assert!(SegmentIndex::from_parts(2, segments.clone(), vec![1, 2]).is_err());
        assert!(SegmentIndex::from_parts(2, segments.clone(), vec![2, 9]).is_err());
        assert!(SegmentIndex::from_parts(2, segments.clone(), vec![2, 2]).is_err());
        assert!(SegmentIndex::from_parts(0, segments, vec![2]).is_err());
        let gap = vec![seg(1, 0, false), seg(3, 2000, false)];
        assert!(SegmentIndex::from_parts(2, gap, vec![]).is_err());
    }
}
