//! H.264 access units → MP4 samples; SPS/PPS → `avcC`; the `avc1` codec string.

use crate::error::{Error, Result};
use crate::nal;
use h264_reader::nal::sps::SeqParameterSet;
use h264_reader::rbsp::BitReader;

const SLICE_IDR: u8 = 5;
const SPS: u8 = 7;
const PPS: u8 = 8;
const AUD: u8 = 9;
const FILLER: u8 = 12;

/// What the sample entry needs from the first SPS and PPS.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub sps: Vec<u8>,
    pub pps: Vec<u8>,
    pub width: u16,
    pub height: u16,
    /// Present for the High profiles, whose `avcC` carries them.
    pub ext: Option<mp4_atom::AvccExt>,
}

impl Config {
    /// The first SPS and PPS in the access units, parsed.
    pub(crate) fn find<'a>(mut access_units: impl Iterator<Item = &'a [u8]>) -> Result<Self> {
        let (mut sps, mut pps) = (None, None);
        for unit in access_units.by_ref().flat_map(nal::units) {
            match unit[0] & 0x1f {
                SPS if sps.is_none() => sps = Some(unit),
                PPS if pps.is_none() => pps = Some(unit),
                _ => {}
            }
            if sps.is_some() && pps.is_some() {
                break;
            }
        }
        let (Some(sps), Some(pps)) = (sps, pps) else {
            return Err(Error::NoParameterSets);
        };
        let malformed = |e: String| Error::Malformed {
            stream: "video",
            reason: format!("SPS: {e}"),
        };
        if sps.len() < 4 {
            return Err(malformed("shorter than 4 bytes".into()));
        }
        let rbsp = nal::rbsp(&sps[1..]);
        let parsed = SeqParameterSet::from_bits(BitReader::new(&rbsp[..]))
            .map_err(|e| malformed(format!("{e:?}")))?;
        let (w, h) = parsed
            .pixel_dimensions()
            .map_err(|e| malformed(format!("{e:?}")))?;
        let dim = |v: u32| u16::try_from(v).map_err(|_| malformed(format!("{v} pixels")));
        // ISO 14496-15 §5.3.3.1.2: the extension follows for these profiles only.
        let chroma = &parsed.chroma_info;
        let chroma_format = u8::try_from(chroma.chroma_format.to_u32())
            .map_err(|_| malformed("chroma_format_idc out of range".into()))?;
        let ext = matches!(sps[1], 100 | 110 | 122 | 144).then(|| mp4_atom::AvccExt {
            chroma_format,
            bit_depth_luma: chroma.bit_depth_luma_minus8.saturating_add(8),
            bit_depth_chroma: chroma.bit_depth_chroma_minus8.saturating_add(8),
            sequence_parameter_sets_ext: Vec::new(),
        });
        Ok(Self {
            sps: sps.to_vec(),
            pps: pps.to_vec(),
            width: dim(w)?,
            height: dim(h)?,
            ext,
        })
    }

    /// The RFC 6381 codec string: `avc1.` and profile_idc, the constraint
    /// byte and level_idc in hex, e.g. `avc1.64001F`.
    pub(crate) fn codec(&self) -> String {
        format!(
            "avc1.{:02X}{:02X}{:02X}",
            self.sps[1], self.sps[2], self.sps[3]
        )
    }

    /// The `avcC` box contents.
    pub(crate) fn avcc(&self) -> mp4_atom::Avcc {
        mp4_atom::Avcc {
            configuration_version: 1,
            avc_profile_indication: self.sps[1],
            profile_compatibility: self.sps[2],
            avc_level_indication: self.sps[3],
            length_size: 4,
            sequence_parameter_sets: vec![self.sps.clone()],
            picture_parameter_sets: vec![self.pps.clone()],
            ext: self.ext.clone(),
        }
    }
}

/// Appends one Annex B access unit to `out` as length-prefixed NAL units and
/// says whether it is a sync sample (holds an IDR slice). Delimiters and
/// filler are dropped; parameter sets equal to the sample entry's are dropped
/// (they are in `avcC`), others stay in band so a mid-stream change decodes.
pub(crate) fn push_sample(out: &mut Vec<u8>, access_unit: &[u8], config: &Config) -> Result<bool> {
    let mut sync = false;
    for unit in nal::units(access_unit) {
        match unit[0] & 0x1f {
            AUD | FILLER => continue,
            SPS if unit == config.sps => continue,
            PPS if unit == config.pps => continue,
            SLICE_IDR => sync = true,
            _ => {}
        }
        nal::push_length_prefixed(out, unit)?;
    }
    Ok(sync)
}
