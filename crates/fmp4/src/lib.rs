//! Just-in-time remux of MPEG-TS segments into CMAF (fragmented MP4), for
//! the packager's CMAF HLS and DASH endpoints.
//!
//! Sans-IO: bytes in, bytes out. Give [`remux`] the TS segments of one
//! rendition (H.264 or HEVC video and/or AAC in ADTS), in order; get back one
//! [`Track`] per stream, each with an init segment (`ftyp` + `moov`, one
//! sample entry, `mvex`/`trex`), one fragment (`styp` + `moof` + `mdat`) per
//! input segment, and its RFC 6381 codec string for manifests.
//!
//! Timing: video runs on the 90 kHz TS clock, audio on its sample rate.
//! `tfdt` is the first sample's DTS with the 33-bit wrap carried; sample
//! durations are DTS differences (a segment's last sample runs to the next
//! segment's first, or lasts the most common duration); composition offsets
//! are PTS − DTS (`trun` version 1, so negative offsets are legal); sync
//! samples are IDR (HEVC: IRAP) pictures; AAC frames last 1024 samples.
//!
//! Boxes are encoded by [`mp4_atom`] and TS is demultiplexed by
//! [`mpeg2ts_reader`]; the crate's README says why these two.
//!
//! ```no_run
//! # fn main() -> Result<(), tributary_fmp4::Error> {
//! let segment: &[u8] = &[]; // a stored .ts segment
//! let out = tributary_fmp4::remux(&[segment], &tributary_fmp4::Options::default())?;
//! for track in &out.tracks {
//!     println!("{} {}: init {} bytes", track.id, track.codec, track.init.len());
//!     for f in &track.fragments {
//!         println!("  #{} tfdt {} +{}", f.sequence_number, f.base_media_decode_time, f.duration);
//!     }
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod aac;
mod demux;
mod error;
mod h264;
mod hevc;
mod mux;
mod nal;
pub mod timeline;
mod track;

pub use error::{Error, Result};

use demux::{Es, EsKind};
use track::{Built, Codec};

/// How to number and place the fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `mfhd` sequence number of the first fragment; the next ones follow.
    /// The packager passes the media sequence number of the first segment.
    pub sequence_number: u32,
    /// A 90 kHz time on the extended (64-bit) timeline near which the first
    /// timestamp lies, so segments remuxed one at a time keep the 33-bit wrap
    /// count (e.g. the previous segment's extended PTS). `None`: the first
    /// timestamp is taken as it is, in the first 26.5-hour period.
    pub timeline_reference: Option<u64>,
    /// Remux only this kind of track (a DASH or CMAF HLS request is for one
    /// track; the other's samples are then not even copied out of the TS).
    /// `None`: every track.
    pub only: Option<TrackKind>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sequence_number: 1,
            timeline_reference: None,
            only: None,
        }
    }
}

/// The remuxed rendition: a video track (id 1) and/or an audio track (id 2).
#[derive(Debug, Clone)]
pub struct Remux {
    /// Video first, then audio; only the streams present.
    pub tracks: Vec<Track>,
}

impl Remux {
    /// The track of this kind, if the rendition has one.
    pub fn track(&self, kind: TrackKind) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == kind)
    }
}

/// Video or audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrackKind {
    /// H.264 or HEVC.
    Video,
    /// AAC.
    Audio,
}

/// One CMAF track: init segment, fragments and what manifests say of it.
#[derive(Debug, Clone)]
pub struct Track {
    /// `tkhd`/`tfhd` track id: 1 for video, 2 for audio.
    pub id: u32,
    /// Video or audio.
    pub kind: TrackKind,
    /// RFC 6381 codec string: `avc1.64001F`, `hvc1.1.6.L93.B0`, `mp4a.40.2`.
    pub codec: String,
    /// Media timescale: 90000 for video, the sample rate for audio.
    pub timescale: u32,
    /// Video: picture size in pixels (cropped). Audio: `None`.
    pub resolution: Option<(u16, u16)>,
    /// Audio: sample rate and channel count. Video: `None`.
    pub audio: Option<(u32, u8)>,
    /// The init segment: `ftyp` + `moov`.
    pub init: Vec<u8>,
    /// One fragment per input segment, in order.
    pub fragments: Vec<Fragment>,
}

/// One CMAF fragment (a whole CMAF segment of one fragment).
#[derive(Debug, Clone)]
pub struct Fragment {
    /// The `mfhd` sequence number.
    pub sequence_number: u32,
    /// `tfdt`: the first sample's decode time, in the track's timescale.
    pub base_media_decode_time: u64,
    /// The earliest presentation time of its samples (min of DTS + PTS−DTS),
    /// in the track's timescale: a DASH SegmentTimeline `t`, an HLS
    /// segment's start.
    pub earliest_presentation_time: u64,
    /// Sum of the sample durations, in the track's timescale.
    pub duration: u64,
    /// Number of samples.
    pub samples: u32,
    /// `styp` + `moof` + `mdat`.
    pub bytes: Vec<u8>,
}

/// Remuxes consecutive TS segments of one rendition into CMAF tracks.
///
/// Errors (never panics) when a segment is not whole 188-byte TS packets,
/// when no H.264/HEVC/ADTS stream is found, when a segment has a stream's
/// PMT entry but no complete sample of it, or when the streams cannot be
/// carried (no parameter sets, ADTS with several raw blocks, …).
pub fn remux(segments: &[&[u8]], options: &Options) -> Result<Remux> {
    if segments.is_empty() {
        return Err(Error::NoSegments);
    }
    let demuxed: Vec<Vec<Es>> = segments
        .iter()
        .enumerate()
        .map(|(i, ts)| demux::demux(i, ts, options.only))
        .collect::<Result<_>>()?;
    // The rendition's streams: the first video and the first audio stream of
    // the first segment's program; later segments are matched by kind.
    let first = &demuxed[0];
    // (With `only`, the demuxer kept just that kind.)
    let video_kind = first.iter().find(|s| s.kind.is_video()).map(|s| s.kind);
    let has_audio = first.iter().any(|s| s.kind == EsKind::Adts);
    if video_kind.is_none() && !has_audio {
        return Err(Error::NoStreams);
    }
    let streams = |pick: &dyn Fn(&Es) -> bool, stream: &'static str| {
        demuxed
            .iter()
            .enumerate()
            .map(|(segment, s)| {
                s.iter()
                    .find(|e| pick(e))
                    .ok_or(Error::EmptySegment { segment, stream })
            })
            .collect::<Result<Vec<&Es>>>()
    };
    let mut tracks = Vec::with_capacity(2);
    if let Some(kind) = video_kind {
        let es = streams(&|e| e.kind == kind, "video")?;
        let built = track::video(&es, kind, options.timeline_reference)?;
        tracks.push(finish(1, TrackKind::Video, built, options)?);
    }
    if has_audio {
        let es = streams(&|e| e.kind == EsKind::Adts, "audio")?;
        let built = track::audio(&es, options.timeline_reference)?;
        tracks.push(finish(2, TrackKind::Audio, built, options)?);
    }
    Ok(Remux { tracks })
}

fn finish(id: u32, kind: TrackKind, built: Built, options: &Options) -> Result<Track> {
    let init = mux::init(id, built.timescale, &built.codec)?;
    let (codec, resolution, audio) = match &built.codec {
        Codec::H264(c) => (c.codec(), Some((c.width, c.height)), None),
        Codec::Hevc(c) => (c.codec(), Some((c.width, c.height)), None),
        Codec::Aac(c) => (c.codec(), None, Some((c.sample_rate(), c.channel_config))),
    };
    let video = kind == TrackKind::Video;
    let fragments = built
        .runs
        .iter()
        .zip(options.sequence_number..)
        .map(|(run, sequence_number)| {
            let first = run.samples.first();
            Ok(Fragment {
                sequence_number,
                base_media_decode_time: first.map_or(0, |s| s.dts),
                earliest_presentation_time: run
                    .samples
                    .iter()
                    .map(|s| s.dts.saturating_add_signed(s.cts))
                    .min()
                    .unwrap_or(0),
                duration: run.samples.iter().map(|s| u64::from(s.duration)).sum(),
                samples: u32::try_from(run.samples.len()).unwrap_or(u32::MAX),
                bytes: mux::fragment(id, sequence_number, video, run)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Track {
        id,
        kind,
        codec,
        timescale: built.timescale,
        resolution,
        audio,
        init,
        fragments,
    })
}
