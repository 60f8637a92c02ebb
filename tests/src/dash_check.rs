//! An independent reader of what a DASH or CMAF endpoint serves, for the
//! package tests: dynamic MPDs parsed with roxmltree (not our renderer's
//! code) into representations and their `SegmentTimeline`s, and fMP4 init
//! segments and fragments parsed with alfg's `mp4` crate (not the
//! `mp4-atom` that writes them) into the facts a strict player relies on:
//! `tfdt`, sample counts and durations, the first sample's sync flag, and
//! sample sizes that fit the `mdat`.
//!
//! Sans-IO: the tests fetch, these functions judge.

use anyhow::{Context, Result, bail, ensure};
use std::io::Cursor;

/// `urn:mpeg:dash:schema:mpd:2011`.
const MPD_NS: &str = "urn:mpeg:dash:schema:mpd:2011";

/// One parsed MPD.
#[derive(Debug, Clone)]
pub struct Mpd {
    /// `@type`.
    pub kind: String,
    /// `@availabilityStartTime`, milliseconds since the epoch.
    pub availability_start_ms: i64,
    /// `@publishTime`, milliseconds since the epoch.
    pub publish_ms: i64,
    /// `@timeShiftBufferDepth`, seconds.
    pub time_shift_buffer_s: Option<f64>,
    /// `@minimumUpdatePeriod`, seconds.
    pub minimum_update_period_s: Option<f64>,
    /// Every representation of the (single) period.
    pub representations: Vec<Representation>,
}

/// One `Representation`, its template resolved.
#[derive(Debug, Clone)]
pub struct Representation {
    /// `@id`.
    pub id: String,
    /// The adaptation set's `@contentType` (or the MIME type's top level).
    pub content_type: String,
    /// `@mimeType` (representation's, else the set's).
    pub mime_type: String,
    /// `@codecs`.
    pub codecs: String,
    /// `@width`/`@height` when given.
    pub size: Option<(u32, u32)>,
    /// `SegmentTemplate@timescale`.
    pub timescale: u64,
    /// `SegmentTemplate@presentationTimeOffset`.
    pub presentation_time_offset: u64,
    /// The init segment's URL, relative to the MPD.
    pub init: String,
    /// The segments of the `SegmentTimeline`, in order.
    pub segments: Vec<Segment>,
}

/// One segment of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// `$Number$`.
    pub number: u64,
    /// `S@t`: start, in the template's timescale.
    pub t: u64,
    /// `S@d`.
    pub d: u64,
}

impl Representation {
    /// The media URL of `segment`, relative to the MPD.
    pub fn media_url(&self, template: &str, segment: &Segment) -> Result<String> {
        fill(template, &self.id, Some(segment))
    }

    /// Seconds listed.
    pub fn listed_seconds(&self) -> f64 {
        self.segments.iter().map(|s| s.d).sum::<u64>() as f64 / self.timescale as f64
    }
}

/// A parsed MPD with each representation's `@media` template kept beside
/// it (same order as [`Mpd::representations`]).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The MPD.
    pub mpd: Mpd,
    /// `SegmentTemplate@media` per representation.
    pub media: Vec<String>,
}

/// Parses `text`, checking what every dynamic MPD must hold: the DASH
/// namespace, `@availabilityStartTime` and `@publishTime` as xs:dateTime,
/// one `Period`, and per representation a `SegmentTemplate` (its own or
/// its set's) with `@initialization`, `@media` and a `SegmentTimeline`
/// whose `S` elements are contiguous: `t[n+1] = t[n] + d[n]·(r[n]+1)`
/// wherever a later `S` repeats `@t`, no negative `@r`, no zero `@d`.
pub fn parse_mpd(text: &str) -> Result<Parsed> {
    let doc = roxmltree::Document::parse(text).context("the MPD is not well-formed XML")?;
    let root = doc.root_element();
    ensure!(
        root.tag_name().name() == "MPD" && root.tag_name().namespace() == Some(MPD_NS),
        "root element is {:?}, expected MPD in {MPD_NS}",
        root.tag_name()
    );
    let date = |name: &str| -> Result<i64> {
        let v = root
            .attribute(name)
            .with_context(|| format!("MPD@{name} is missing"))?;
        let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("MPD@{name}={v:?} is not an xs:dateTime"))?;
        Ok(i64::try_from(t.unix_timestamp_nanos() / 1_000_000)?)
    };
    let kind = root.attribute("type").unwrap_or("static").to_owned();
    let availability_start_ms = date("availabilityStartTime")?;
    let publish_ms = date("publishTime")?;
    let time_shift_buffer_s = root
        .attribute("timeShiftBufferDepth")
        .map(duration_s)
        .transpose()?;
    let minimum_update_period_s = root
        .attribute("minimumUpdatePeriod")
        .map(duration_s)
        .transpose()?;
    let periods: Vec<_> = children(root, "Period").collect();
    ensure!(
        periods.len() == 1,
        "{} Period elements, expected 1",
        periods.len()
    );
    let mut representations = Vec::new();
    let mut media = Vec::new();
    for set in children(periods[0], "AdaptationSet") {
        for rep in children(set, "Representation") {
            let id = rep
                .attribute("id")
                .context("Representation without @id")?
                .to_owned();
            let template = children(rep, "SegmentTemplate")
                .next()
                .or_else(|| children(set, "SegmentTemplate").next())
                .with_context(|| format!("Representation {id} has no SegmentTemplate"))?;
            let attr = |n: &str| rep.attribute(n).or_else(|| set.attribute(n));
            let mime_type = attr("mimeType").unwrap_or_default().to_owned();
            let content_type = set
                .attribute("contentType")
                .map(str::to_owned)
                .unwrap_or_else(|| mime_type.split('/').next().unwrap_or_default().to_owned());
            let num = |n: &str, default: u64| -> Result<u64> {
                template.attribute(n).map_or(Ok(default), |v| {
                    v.parse()
                        .with_context(|| format!("{id}: SegmentTemplate@{n}={v:?}"))
                })
            };
            let timescale = num("timescale", 1)?;
            ensure!(timescale > 0, "{id}: SegmentTemplate@timescale is 0");
            let start_number = num("startNumber", 1)?;
            let init = template
                .attribute("initialization")
                .with_context(|| format!("{id}: SegmentTemplate without @initialization"))?;
            let media_t = template
                .attribute("media")
                .with_context(|| format!("{id}: SegmentTemplate without @media"))?;
            let timeline = children(template, "SegmentTimeline")
                .next()
                .with_context(|| format!("{id}: SegmentTemplate without SegmentTimeline"))?;
            let mut segments: Vec<Segment> = Vec::new();
            let mut next_t: Option<u64> = None;
            for (k, s) in children(timeline, "S").enumerate() {
                let get = |n: &str| -> Result<Option<i64>> {
                    s.attribute(n)
                        .map(|v| v.parse().with_context(|| format!("{id}: S[{k}]@{n}={v:?}")))
                        .transpose()
                };
                let d = get("d")?.with_context(|| format!("{id}: S[{k}] without @d"))?;
                let r = get("r")?.unwrap_or(0);
                ensure!(d > 0, "{id}: S[{k}]@d={d}");
                ensure!(
                    r >= 0,
                    "{id}: S[{k}]@r={r} (open-ended repeats are not expected here)"
                );
                let t = match (get("t")?, next_t) {
                    (Some(t), Some(expected)) => {
                        ensure!(
                            u64::try_from(t)? == expected,
                            "{id}: S[{k}]@t={t}, but the previous S ends at {expected} \
                             (t[n+1] = t[n] + d[n]·(r[n]+1)): a hole or an overlap in the timeline"
                        );
                        expected
                    }
                    (Some(t), None) => u64::try_from(t)?,
                    (None, Some(expected)) => expected,
                    (None, None) => bail!("{id}: the first S has no @t"),
                };
                let (d, r) = (u64::try_from(d)?, u64::try_from(r)?);
                for i in 0..=r {
                    let number = start_number + segments.len() as u64;
                    segments.push(Segment {
                        number,
                        t: t + i * d,
                        d,
                    });
                }
                next_t = Some(t + d * (r + 1));
            }
            ensure!(!segments.is_empty(), "{id}: an empty SegmentTimeline");
            let size = match (attr("width"), attr("height")) {
                (Some(w), Some(h)) => Some((w.parse()?, h.parse()?)),
                _ => None,
            };
            representations.push(Representation {
                id: id.clone(),
                content_type,
                mime_type,
                codecs: attr("codecs").unwrap_or_default().to_owned(),
                size,
                timescale,
                presentation_time_offset: num("presentationTimeOffset", 0)?,
                init: fill(init, &id, None)?,
                segments,
            });
            media.push(media_t.to_owned());
        }
    }
    ensure!(!representations.is_empty(), "no Representation");
    Ok(Parsed {
        mpd: Mpd {
            kind,
            availability_start_ms,
            publish_ms,
            time_shift_buffer_s,
            minimum_update_period_s,
            representations,
        },
        media,
    })
}

fn children<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// An xs:duration of the `PT…H…M…S` kind (what MPDs use), in seconds.
pub fn duration_s(v: &str) -> Result<f64> {
    let rest = v
        .strip_prefix("PT")
        .with_context(|| format!("duration {v:?} does not start with PT"))?;
    let mut total = 0.0;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' | 'M' | 'S' => {
                let n: f64 = num.parse().with_context(|| format!("duration {v:?}"))?;
                total += n * match c {
                    'H' => 3600.0,
                    'M' => 60.0,
                    _ => 1.0,
                };
                num.clear();
            }
            _ => bail!("duration {v:?}: unexpected {c:?}"),
        }
    }
    ensure!(num.is_empty(), "duration {v:?} ends in a bare number");
    Ok(total)
}

/// Fills `$RepresentationID$`, `$Number$`, `$Time$` (with `%0Nd` widths)
/// and `$$` in a template.
fn fill(template: &str, id: &str, segment: Option<&Segment>) -> Result<String> {
    let mut out = String::new();
    let mut parts = template.split('$');
    out.push_str(parts.next().unwrap_or_default());
    let mut inside = true;
    for part in parts {
        if inside {
            let (name, width) = match part.split_once('%') {
                Some((n, f)) => {
                    let w = f
                        .strip_prefix('0')
                        .and_then(|f| f.strip_suffix('d'))
                        .with_context(|| format!("template {template:?}: format {f:?}"))?;
                    (n, w.parse::<usize>()?)
                }
                None => (part, 0),
            };
            let value = match (name, segment) {
                ("", _) => "$".to_owned(),
                ("RepresentationID", _) => id.to_owned(),
                ("Number", Some(s)) => format!("{:0width$}", s.number),
                ("Time", Some(s)) => format!("{:0width$}", s.t),
                _ => bail!("template {template:?}: ${name}$ not expected here"),
            };
            out.push_str(&value);
        } else {
            out.push_str(part);
        }
        inside = !inside;
    }
    ensure!(inside, "template {template:?}: an unclosed $");
    Ok(out)
}

/// What an init segment says about its one track.
#[derive(Debug, Clone, Copy)]
pub struct Init {
    /// `tkhd` track id.
    pub track_id: u32,
    /// `mdhd` timescale.
    pub timescale: u32,
    /// Video (`vide`) or not.
    pub video: bool,
    /// `trex` defaults.
    pub default_duration: u32,
    /// `trex` default sample flags.
    pub default_flags: u32,
}

/// Parses an init segment: one track, `mvex` present, no samples.
pub fn parse_init(bytes: &[u8]) -> Result<Init> {
    let top = top_level_boxes(bytes)?;
    let kinds: Vec<&str> = top.iter().map(|b| b.kind.as_str()).collect();
    ensure!(
        kinds.first() == Some(&"ftyp") && kinds.contains(&"moov") && !kinds.contains(&"mdat"),
        "init segment boxes {kinds:?}, expected ftyp, moov and no mdat"
    );
    let reader = mp4::Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64)
        .context("the mp4 crate cannot read the init segment")?;
    let moov = &reader.moov;
    ensure!(
        moov.traks.len() == 1,
        "init segment with {} tracks, expected 1 per representation",
        moov.traks.len()
    );
    let trak = &moov.traks[0];
    let mvex = moov.mvex.as_ref().context("init segment without mvex")?;
    let handler = trak.mdia.hdlr.handler_type.to_string();
    ensure!(
        trak.mdia.minf.stbl.stsz.sample_count == 0,
        "init segment's sample table lists {} samples",
        trak.mdia.minf.stbl.stsz.sample_count
    );
    Ok(Init {
        track_id: trak.tkhd.track_id,
        timescale: trak.mdia.mdhd.timescale,
        video: handler == "vide",
        default_duration: mvex.trex.default_sample_duration,
        default_flags: mvex.trex.default_sample_flags,
    })
}

/// What one media segment holds, per fragment.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// `tfdt` baseMediaDecodeTime.
    pub decode_time: u64,
    /// Samples in the `trun`.
    pub samples: u32,
    /// Sum of the sample durations.
    pub duration: u64,
    /// Whether the first sample is a sync sample.
    pub first_is_sync: bool,
}

/// Parses a media segment (`styp`? then `moof`+`mdat` pairs) against its
/// init segment: each `traf` is the init's track, has a `tfdt` and a
/// `trun` with samples, every sample has a non-zero duration, and the
/// sample sizes fill the `mdat` that follows exactly.
pub fn parse_fragments(init: &Init, init_bytes: &[u8], bytes: &[u8]) -> Result<Vec<Fragment>> {
    let top = top_level_boxes(bytes)?;
    let kinds: Vec<&str> = top.iter().map(|b| b.kind.as_str()).collect();
    ensure!(
        kinds.contains(&"moof"),
        "media segment boxes {kinds:?}: no moof"
    );
    // Every moof is followed by its mdat; sizes are checked against it.
    let mut mdat_payloads = Vec::new();
    for (k, b) in top.iter().enumerate() {
        if b.kind == "moof" {
            let next = top
                .get(k + 1)
                .filter(|n| n.kind == "mdat")
                .with_context(|| {
                    format!(
                        "moof at {} is not followed by an mdat ({kinds:?})",
                        b.offset
                    )
                })?;
            mdat_payloads.push(next.size - next.header);
        }
    }
    let mut whole = init_bytes.to_vec();
    whole.extend_from_slice(bytes);
    let reader = mp4::Mp4Reader::read_header(Cursor::new(&whole[..]), whole.len() as u64)
        .context("the mp4 crate cannot read init + segment")?;
    ensure!(
        reader.moofs.len() == mdat_payloads.len(),
        "the mp4 crate read {} moofs, the box walk found {}",
        reader.moofs.len(),
        mdat_payloads.len()
    );
    let mut out = Vec::new();
    for (moof, mdat_len) in reader.moofs.iter().zip(mdat_payloads) {
        ensure!(
            moof.trafs.len() == 1,
            "a moof with {} trafs",
            moof.trafs.len()
        );
        let traf = &moof.trafs[0];
        ensure!(
            traf.tfhd.track_id == init.track_id,
            "traf for track {}, the init segment has track {}",
            traf.tfhd.track_id,
            init.track_id
        );
        let tfdt = traf.tfdt.as_ref().context("traf without tfdt")?;
        let trun = traf.trun.as_ref().context("traf without trun")?;
        let n = trun.sample_count;
        ensure!(n > 0, "a trun with no samples");
        let default_duration = traf
            .tfhd
            .default_sample_duration
            .unwrap_or(init.default_duration);
        let durations: Vec<u64> = if trun.sample_durations.is_empty() {
            vec![u64::from(default_duration); n as usize]
        } else {
            trun.sample_durations
                .iter()
                .map(|&d| u64::from(d))
                .collect()
        };
        ensure!(
            durations.len() == n as usize,
            "trun: {n} samples, {} durations",
            durations.len()
        );
        if let Some(k) = durations.iter().position(|&d| d == 0) {
            bail!("sample {k} of {n} has duration 0");
        }
        let default_size = traf.tfhd.default_sample_size.unwrap_or(0);
        let size: u64 = if trun.sample_sizes.is_empty() {
            u64::from(default_size) * u64::from(n)
        } else {
            trun.sample_sizes.iter().map(|&s| u64::from(s)).sum()
        };
        ensure!(
            size == mdat_len,
            "the {n} samples' sizes add up to {size} bytes, the mdat holds {mdat_len}"
        );
        let default_flags = traf.tfhd.default_sample_flags.unwrap_or(init.default_flags);
        let first_flags = trun
            .first_sample_flags
            .or_else(|| trun.sample_flags.first().copied())
            .unwrap_or(default_flags);
        out.push(Fragment {
            decode_time: tfdt.base_media_decode_time,
            samples: n,
            duration: durations.iter().sum(),
            first_is_sync: is_sync(first_flags),
        });
    }
    Ok(out)
}

/// ISO/IEC 14496-12 sample flags: `sample_is_non_sync_sample` clear and
/// `sample_depends_on` not 1 ("depends on others").
pub fn is_sync(flags: u32) -> bool {
    let non_sync = flags & 0x0001_0000 != 0;
    let depends_on = (flags >> 24) & 0b11;
    !non_sync && depends_on != 1
}

/// One top-level box.
#[derive(Debug, Clone)]
pub struct TopBox {
    /// Four-character type.
    pub kind: String,
    /// Offset in the file.
    pub offset: u64,
    /// Size including the header.
    pub size: u64,
    /// Header size (8 or 16).
    pub header: u64,
}

/// Walks the top-level boxes of `bytes`; they must tile it exactly.
pub fn top_level_boxes(bytes: &[u8]) -> Result<Vec<TopBox>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let head = bytes
            .get(at..at + 8)
            .with_context(|| format!("a truncated box header at {at}"))?;
        let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = String::from_utf8_lossy(&head[4..8]).into_owned();
        let mut header = 8;
        if size == 1 {
            let large = bytes
                .get(at + 8..at + 16)
                .with_context(|| format!("a truncated largesize at {at}"))?;
            size = u64::from_be_bytes(large.try_into()?);
            header = 16;
        } else if size == 0 {
            size = (bytes.len() - at) as u64;
        }
        ensure!(
            size >= header && at as u64 + size <= bytes.len() as u64,
            "box {kind:?} at {at} has size {size}, past the end ({} bytes)",
            bytes.len()
        );
        out.push(TopBox {
            kind,
            offset: at as u64,
            size,
            header,
        });
        at += usize::try_from(size)?;
    }
    Ok(out)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const MPD: &str = r#"<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="1970-01-01T00:00:00Z"
     publishTime="2026-11-21T18:00:00.500Z" minimumUpdatePeriod="PT2S" timeShiftBufferDepth="PT30S" minBufferTime="PT6S">
 <Period id="0" start="PT0S">
  <AdaptationSet contentType="video" mimeType="video/mp4">
   <Representation id="v1" codecs="avc1.64001e" width="640" height="360" bandwidth="1">
    <SegmentTemplate timescale="90000" startNumber="7" initialization="i_$RepresentationID$.mp4" media="s_$RepresentationID$_$Number%05d$.m4s">
     <SegmentTimeline><S t="900" d="180000" r="1"/><S d="179000"/><S t="539900" d="1000"/></SegmentTimeline>
    </SegmentTemplate>
   </Representation>
  </AdaptationSet>
 </Period>
</MPD>"#;

    #[test]
    fn a_timeline_expands_with_numbers_and_urls() {
        let p = parse_mpd(MPD).unwrap();
        assert_eq!(p.mpd.kind, "dynamic");
        assert_eq!(p.mpd.publish_ms, 1_795_284_000_500);
        assert_eq!(p.mpd.time_shift_buffer_s, Some(30.0));
        let r = &p.mpd.representations[0];
        assert_eq!(r.init, "i_v1.mp4");
        let ts: Vec<(u64, u64)> = r.segments.iter().map(|s| (s.number, s.t)).collect();
        assert_eq!(ts, [(7, 900), (8, 180_900), (9, 360_900), (10, 539_900)]);
        assert_eq!(
            r.media_url(&p.media[0], &r.segments[1]).unwrap(),
            "s_v1_00008.m4s"
        );
    }

    #[test]
    fn a_hole_or_overlap_in_the_timeline_is_refused() {
        for bad in [r#"t="539901""#, r#"t="539899""#] {
            let e = parse_mpd(&MPD.replace(r#"t="539900""#, bad))
                .unwrap_err()
                .to_string();
            assert!(e.contains("a hole or an overlap"), "{bad}: {e}");
        }
    }

    #[test]
    fn missing_dates_and_open_repeats_are_refused() {
        let e = parse_mpd(&MPD.replace("publishTime=", "x="))
            .unwrap_err()
            .to_string();
        assert!(e.contains("publishTime"), "{e}");
        let e = parse_mpd(&MPD.replace(r#"r="1""#, r#"r="-1""#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("open-ended"), "{e}");
    }

    #[test]
    fn durations_and_sync_flags() {
        assert_eq!(duration_s("PT1M2.5S").unwrap(), 62.5);
        assert!(duration_s("P1D").is_err());
        assert!(is_sync(0x0200_0000));
        assert!(!is_sync(0x0101_0000));
        assert!(!is_sync(0x0001_0000));
    }
}
