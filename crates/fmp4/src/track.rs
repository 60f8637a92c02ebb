//! Elementary streams of consecutive segments → one track's samples, one
//! run of samples per segment, with decode times on the extended timeline.

use crate::aac;
use crate::demux::{Es, EsKind};
use crate::error::{Error, Result};
use crate::h264;
use crate::hevc;
use crate::timeline::{self, Unwrapper};

/// The 90 kHz clock of MPEG-TS timestamps, and of video tracks.
pub(crate) const TS_CLOCK: u32 = 90_000;
/// Frame duration used when no two frames give a DTS difference: 1/30 s.
const FALLBACK_FRAME: u32 = 3000;

/// One MP4 sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    /// Decode time in the track's timescale.
    pub dts: u64,
    /// Composition offset (PTS − DTS) in the track's timescale.
    pub cts: i64,
    pub duration: u32,
    pub size: u32,
    pub sync: bool,
}

/// One segment's samples and their bytes back to back (the `mdat` body).
#[derive(Debug, Default)]
pub(crate) struct Run {
    pub samples: Vec<Sample>,
    pub data: Vec<u8>,
}

/// How the sample entry describes the stream.
#[derive(Debug, Clone)]
pub(crate) enum Codec {
    H264(h264::Config),
    Hevc(hevc::Config),
    Aac(aac::Config),
}

/// A track built from all segments: its codec and one run per segment.
#[derive(Debug)]
pub(crate) struct Built {
    pub codec: Codec,
    pub timescale: u32,
    pub runs: Vec<Run>,
}

fn size_of(bytes: usize) -> Result<u32> {
    u32::try_from(bytes).map_err(|_| Error::Unsupported("sample larger than 4 GiB".into()))
}

/// A PES-delimited access unit: its byte range in `Es::data` and timestamps.
struct AccessUnit {
    pts: u64,
    dts: u64,
    start: usize,
    end: usize,
}

/// Groups PES packets into access units: a packet with a PTS starts one,
/// one without continues the previous (encoders may split a big picture).
/// Data before the first timestamped packet began in the previous segment
/// and is dropped.
fn access_units(es: &Es) -> Vec<AccessUnit> {
    let mut out: Vec<AccessUnit> = Vec::new();
    for p in &es.pes {
        match (p.pts, out.last_mut()) {
            (Some(pts), _) => out.push(AccessUnit {
                pts,
                dts: p.dts.unwrap_or(pts),
                start: p.start,
                end: p.end,
            }),
            (None, Some(last)) => last.end = p.end,
            (None, None) => {}
        }
    }
    out
}

/// The video track: `streams[i]` is segment `i`'s video stream.
pub(crate) fn video(streams: &[&Es], kind: EsKind, reference: Option<u64>) -> Result<Built> {
    let units: Vec<Vec<AccessUnit>> = streams.iter().map(|es| access_units(es)).collect();
    let all = || {
        streams
            .iter()
            .zip(&units)
            .flat_map(|(es, us)| us.iter().map(|u| &es.data[u.start..u.end]))
    };
    let codec = match kind {
        EsKind::H264 => Codec::H264(h264::Config::find(all())?),
        EsKind::Hevc => Codec::Hevc(hevc::Config::find(all())?),
        EsKind::Adts => return Err(Error::NoStreams),
    };
    let first = units.iter().flatten().next().ok_or(Error::EmptySegment {
        segment: 0,
        stream: "video",
    })?;
    let mut clock = Unwrapper::new(reference.map_or(first.dts, |r| timeline::extend(first.dts, r)));

    let mut runs = Vec::with_capacity(streams.len());
    let mut dts = Vec::with_capacity(streams.len());
    for (segment, (es, us)) in streams.iter().zip(&units).enumerate() {
        if us.is_empty() {
            return Err(Error::EmptySegment {
                segment,
                stream: "video",
            });
        }
        let mut run = Run {
            samples: Vec::with_capacity(us.len()),
            // Start codes (3-4 bytes) become 4-byte lengths: a little more room.
            data: Vec::with_capacity(es.data.len() + 4 * us.len()),
        };
        let mut times = Vec::with_capacity(us.len());
        for u in us {
            let start = run.data.len();
            let au = &es.data[u.start..u.end];
            let sync = match &codec {
                Codec::H264(c) => h264::push_sample(&mut run.data, au, c)?,
                Codec::Hevc(c) => hevc::push_sample(&mut run.data, au, c)?,
                Codec::Aac(_) => false,
            };
            let d = clock.extend(u.dts);
            let p = timeline::extend(u.pts, d);
            let cts =
                i64::try_from(i128::from(p) - i128::from(d)).map_err(|_| Error::Malformed {
                    stream: "video",
                    reason: "PTS and DTS too far apart".into(),
                })?;
            times.push(d);
            run.samples.push(Sample {
                dts: d,
                cts,
                duration: 0,
                size: size_of(run.data.len() - start)?,
                sync,
            });
        }
        runs.push(run);
        dts.push(times);
    }

    // Durations from DTS differences; a segment's last sample runs to the
    // next segment's first. The very last one, which nothing follows, lasts
    // the frame duration: the most common difference (not the one before
    // it, which may span a lost picture).
    for i in 0..runs.len() {
        let next_first = dts.get(i + 1).and_then(|t| t.first().copied());
        for j in 0..runs[i].samples.len() {
            let Some(next) = dts[i].get(j + 1).copied().or(next_first) else {
                continue;
            };
            runs[i].samples[j].duration =
                u32::try_from(next.saturating_sub(dts[i][j])).map_err(|_| Error::Malformed {
                    stream: "video",
                    reason: "a gap of more than 13 hours between frames".into(),
                })?;
        }
    }
    let frame = frame_duration(&runs);
    if let Some(last) = runs.last_mut().and_then(|r| r.samples.last_mut()) {
        last.duration = frame;
    }
    Ok(Built {
        codec,
        timescale: TS_CLOCK,
        runs,
    })
}

/// The most common positive sample duration (the smaller on a tie), or
/// 1/30 s when there is none.
fn frame_duration(runs: &[Run]) -> u32 {
    let mut durations: Vec<u32> = runs
        .iter()
        .flat_map(|r| &r.samples)
        .map(|s| s.duration)
        .filter(|&d| d > 0)
        .collect();
    durations.sort_unstable();
    let mut best = (0, FALLBACK_FRAME);
    for group in durations.chunk_by(|a, b| a == b) {
        if group.len() > best.0 {
            best = (group.len(), group[0]);
        }
    }
    best.1
}

/// The audio track: `streams[i]` is segment `i`'s ADTS stream.
pub(crate) fn audio(streams: &[&Es], reference: Option<u64>) -> Result<Built> {
    let mut config: Option<aac::Config> = None;
    let mut clock: Option<Unwrapper> = None;
    // The next frame's time in samples, when frames run on without a gap.
    let mut expected: Option<u64> = None;
    let mut runs = Vec::with_capacity(streams.len());
    for (segment, es) in streams.iter().enumerate() {
        let aac::Frames { frames, .. } = aac::frames(&es.data)?;
        let mut run = Run {
            samples: Vec::with_capacity(frames.len()),
            data: Vec::with_capacity(es.data.len()),
        };
        let mut pes = es.pes.iter().peekable();
        for frame in frames {
            let cfg = *config.get_or_insert(frame.config);
            if frame.config != cfg {
                return Err(Error::Unsupported(
                    "audio: the AAC configuration changes mid-stream".into(),
                ));
            }
            let rate = u64::from(cfg.sample_rate());
            // The PES packet this frame starts in; its PTS times the first
            // frame starting there, the others follow 1024 samples apart.
            let mut stamp = None;
            while let Some(p) = pes.peek() {
                if p.end > frame.payload.start || p.start >= frame.payload.start {
                    if p.start <= frame.payload.start {
                        stamp = p.pts;
                        pes.next();
                    }
                    break;
                }
                pes.next();
            }
            let time = match (stamp, expected) {
                (Some(pts), expected) => {
                    let clock = clock.get_or_insert_with(|| {
                        Unwrapper::new(reference.map_or(pts, |r| timeline::extend(pts, r)))
                    });
                    let t = (u128::from(clock.extend(pts)) * u128::from(rate)
                        + u128::from(TS_CLOCK / 2))
                        / u128::from(TS_CLOCK);
                    let t = u64::try_from(t).unwrap_or(u64::MAX);
                    match expected {
                        // Rounding to 90 kHz jitters by a sample or so: stay sample-exact.
                        Some(e) if t.abs_diff(e) < u64::from(aac::FRAME_SAMPLES / 2) => e,
                        _ => t,
                    }
                }
                (None, Some(e)) => e,
                (None, None) => {
                    return Err(Error::MissingTimestamp {
                        segment,
                        stream: "audio",
                    });
                }
            };
            // A real gap lengthens the sample before it, inside a run.
            if let (Some(last), Some(e)) = (run.samples.last_mut(), expected)
                && time > e
            {
                last.duration = u32::try_from(time - last.dts).unwrap_or(u32::MAX);
            }
            run.data.extend_from_slice(&es.data[frame.payload.clone()]);
            run.samples.push(Sample {
                dts: time,
                cts: 0,
                duration: aac::FRAME_SAMPLES,
                size: size_of(frame.payload.len())?,
                sync: true,
            });
            expected = Some(time.saturating_add(u64::from(aac::FRAME_SAMPLES)));
        }
        if run.samples.is_empty() {
            return Err(Error::EmptySegment {
                segment,
                stream: "audio",
            });
        }
        runs.push(run);
    }
    let config = config.ok_or(Error::NoStreams)?;
    Ok(Built {
        codec: Codec::Aac(config),
        timescale: config.sample_rate(),
        runs,
    })
}
