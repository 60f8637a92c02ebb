//! Tracks → CMAF bytes with `mp4-atom`: the init segment (`ftyp` + `moov`)
//! and one fragment (`styp` + `moof` + `mdat`) per run of samples.

use crate::error::{Error, Result};
use crate::track::{Codec, Run, Sample};
use mp4_atom::{
    Audio, Avc1, Dinf, Dref, DrefEntry, Encode, FixedPoint, FourCC, Ftyp, Hdlr, Hvc1, Mdhd, Mdia,
    Mfhd, Minf, Moof, Moov, Mp4a, Mvex, Mvhd, Smhd, Stbl, Stco, Stsd, Styp, Tfdt, Tfhd, Tkhd, Traf,
    Trak, Trex, Trun, TrunEntry, TrunSamples, Url, Vmhd,
};

/// `sample_depends_on` = 2 (does not depend on others): a sync sample.
const SYNC: u32 = 0x0200_0000;
/// `sample_depends_on` = 1 and `sample_is_non_sync_sample`.
const NON_SYNC: u32 = 0x0101_0000;

fn encode(atom: &impl Encode, out: &mut Vec<u8>) -> Result<()> {
    atom.encode(out).map_err(|e| Error::Encode(e.to_string()))
}

/// `ftyp` + `moov` for one track with one sample entry and `mvex`/`trex`.
pub(crate) fn init(track_id: u32, timescale: u32, codec: &Codec) -> Result<Vec<u8>> {
    let ftyp = Ftyp {
        major_brand: b"iso6".into(),
        minor_version: 0,
        compatible_brands: vec![
            b"iso6".into(),
            b"cmfc".into(),
            b"dash".into(),
            b"mp41".into(),
        ],
    };
    let (handler, entry, width, height, volume) = match codec {
        Codec::H264(c) => (
            b"vide",
            mp4_atom::Codec::Avc1(Avc1 {
                visual: visual(c.width, c.height),
                avcc: c.avcc(),
                ..Default::default()
            }),
            c.width,
            c.height,
            0,
        ),
        Codec::Hevc(c) => (
            b"vide",
            mp4_atom::Codec::Hvc1(Hvc1 {
                visual: visual(c.width, c.height),
                hvcc: c.hvcc(),
                ..Default::default()
            }),
            c.width,
            c.height,
            0,
        ),
        Codec::Aac(c) => (
            b"soun",
            mp4_atom::Codec::Mp4a(Mp4a {
                audio: Audio {
                    data_reference_index: 1,
                    channel_count: u16::from(c.channel_config.min(7)),
                    sample_size: 16,
                    // 16.16 fixed point: rates above 65535 Hz do not fit;
                    // the real rate is the timescale and the esds.
                    sample_rate: FixedPoint::new(u16::try_from(c.sample_rate()).unwrap_or(0), 0),
                },
                esds: c.esds(),
                btrt: None,
                taic: None,
            }),
            0,
            0,
            1,
        ),
    };
    let video = width > 0;
    let trak = Trak {
        tkhd: Tkhd {
            track_id,
            enabled: true,
            in_movie: true,
            volume: FixedPoint::new(volume, 0),
            width: FixedPoint::new(width, 0),
            height: FixedPoint::new(height, 0),
            ..Default::default()
        },
        mdia: Mdia {
            mdhd: Mdhd {
                timescale,
                language: "und".into(),
                ..Default::default()
            },
            hdlr: Hdlr {
                handler: FourCC::new(handler),
                name: if video {
                    "VideoHandler"
                } else {
                    "SoundHandler"
                }
                .into(),
            },
            minf: Minf {
                vmhd: video.then(Vmhd::default),
                smhd: (!video).then(Smhd::default),
                dinf: Dinf {
                    dref: Dref {
                        entries: vec![DrefEntry::Url(Url::default())],
                    },
                },
                stbl: Stbl {
                    stsd: Stsd {
                        codecs: vec![entry],
                    },
                    stco: Some(Stco::default()),
                    ..Default::default()
                },
                ..Default::default()
            },
        },
        ..Default::default()
    };
    let moov = Moov {
        mvhd: Mvhd {
            timescale,
            next_track_id: track_id + 1,
            ..Default::default()
        },
        mvex: Some(Mvex {
            mehd: None,
            trex: vec![Trex {
                track_id,
                default_sample_description_index: 1,
                ..Default::default()
            }],
        }),
        trak: vec![trak],
        ..Default::default()
    };
    let mut out = Vec::with_capacity(1024);
    encode(&ftyp, &mut out)?;
    encode(&moov, &mut out)?;
    Ok(out)
}

fn visual(width: u16, height: u16) -> mp4_atom::Visual {
    mp4_atom::Visual {
        data_reference_index: 1,
        width,
        height,
        ..Default::default()
    }
}

/// `styp` + `moof` + `mdat` for one run, with `tfdt` = the first sample's
/// decode time. `run.samples` must not be empty.
pub(crate) fn fragment(
    track_id: u32,
    sequence_number: u32,
    video: bool,
    run: &Run,
) -> Result<Vec<u8>> {
    let first = run
        .samples
        .first()
        .ok_or(Error::Encode("empty run".into()))?;
    let entries = |first_only_flags: bool| -> Vec<TrunEntry> {
        run.samples
            .iter()
            .enumerate()
            .map(|(i, s): (usize, &Sample)| TrunEntry {
                duration: Some(s.duration),
                size: Some(s.size),
                flags: match (video, first_only_flags, i) {
                    (false, _, _) => None,
                    (true, true, 0) => Some(SYNC),
                    (true, true, _) => None,
                    (true, false, _) => Some(if s.sync { SYNC } else { NON_SYNC }),
                },
                cts: video.then_some(s.cts),
            })
            .collect()
    };
    // The common case, one sync sample opening the fragment, is written as
    // first_sample_flags plus a non-sync default in tfhd.
    let first_only = first.sync && run.samples.iter().skip(1).all(|s| !s.sync);
    let mut moof = Moof {
        mfhd: Mfhd { sequence_number },
        traf: vec![Traf {
            tfhd: Tfhd {
                track_id,
                default_sample_flags: Some(if video { NON_SYNC } else { SYNC }),
                default_base_is_moof: true,
                ..Default::default()
            },
            tfdt: Some(Tfdt {
                base_media_decode_time: first.dts,
            }),
            trun: vec![Trun {
                data_offset: Some(0),
                samples: TrunSamples::Explicit(entries(video && first_only)),
            }],
            ..Default::default()
        }],
    };
    let styp = Styp {
        major_brand: b"msdh".into(),
        minor_version: 0,
        compatible_brands: vec![b"msdh".into(), b"cmfs".into(), b"cmff".into()],
    };
    let mut out = Vec::with_capacity(run.data.len() + 64 * run.samples.len() + 256);
    encode(&styp, &mut out)?;
    let moof_start = out.len();
    encode(&moof, &mut out)?;
    // data_offset counts from the moof's first byte to the first sample.
    let moof_len = out.len() - moof_start;
    let mdat_header = 8;
    let offset = i32::try_from(moof_len + mdat_header)
        .map_err(|_| Error::Encode("moof larger than 2 GiB".into()))?;
    if let Some(trun) = moof.traf.first_mut().and_then(|t| t.trun.first_mut()) {
        trun.data_offset = Some(offset);
    }
    out.truncate(moof_start);
    encode(&moof, &mut out)?;
    let mdat_len = u32::try_from(run.data.len() + mdat_header)
        .map_err(|_| Error::Encode("mdat larger than 4 GiB".into()))?;
    // The mdat is written by hand: mp4-atom's Mdat owns a Vec, and copying
    // every sample twice is the remux's largest cost.
    out.extend_from_slice(&mdat_len.to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.extend_from_slice(&run.data);
    Ok(out)
}
