//! HEVC access units → MP4 samples; VPS/SPS/PPS → `hvcC`; the `hvc1` codec
//! string (ISO 14496-15 Annex E). The SPS is read only as far as `hvcC` and
//! the sample entry need: profile/tier/level, chroma format, size, bit depth.

use crate::error::{Error, Result};
use crate::nal;

const VPS: u8 = 32;
const SPS: u8 = 33;
const PPS: u8 = 34;
const AUD: u8 = 35;
const FILLER: u8 = 38;

fn unit_type(unit: &[u8]) -> u8 {
    (unit[0] >> 1) & 0x3f
}

/// What the sample entry needs from the first VPS, SPS and PPS.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub vps: Vec<u8>,
    pub sps: Vec<u8>,
    pub pps: Vec<u8>,
    pub width: u16,
    pub height: u16,
    hvcc: mp4_atom::Hvcc,
}

impl Config {
    /// The first VPS, SPS and PPS in the access units, parsed.
    pub(crate) fn find<'a>(access_units: impl Iterator<Item = &'a [u8]>) -> Result<Self> {
        let (mut vps, mut sps, mut pps) = (None, None, None);
        for unit in access_units.flat_map(nal::units) {
            if unit.len() < 2 {
                continue;
            }
            match unit_type(unit) {
                VPS if vps.is_none() => vps = Some(unit),
                SPS if sps.is_none() => sps = Some(unit),
                PPS if pps.is_none() => pps = Some(unit),
                _ => {}
            }
            if vps.is_some() && sps.is_some() && pps.is_some() {
                break;
            }
        }
        let (Some(vps), Some(sps), Some(pps)) = (vps, sps, pps) else {
            return Err(Error::NoParameterSets);
        };
        let parsed = Sps::parse(&nal::rbsp(&sps[2..])).ok_or_else(|| Error::Malformed {
            stream: "video",
            reason: "HEVC SPS ends early".into(),
        })?;
        let array = |nal_unit_type, unit: &[u8]| mp4_atom::HvcCArray {
            completeness: true,
            nal_unit_type,
            nalus: vec![unit.to_vec()],
        };
        let hvcc = mp4_atom::Hvcc {
            configuration_version: 1,
            general_profile_space: parsed.profile_space,
            general_tier_flag: parsed.tier,
            general_profile_idc: parsed.profile_idc,
            general_profile_compatibility_flags: parsed.compatibility,
            general_constraint_indicator_flags: parsed.constraints,
            general_level_idc: parsed.level_idc,
            min_spatial_segmentation_idc: 0,
            parallelism_type: 0,
            chroma_format_idc: parsed.chroma_format_idc,
            bit_depth_luma_minus8: parsed.bit_depth_luma_minus8,
            bit_depth_chroma_minus8: parsed.bit_depth_chroma_minus8,
            avg_frame_rate: 0,
            constant_frame_rate: 0,
            num_temporal_layers: parsed.max_sub_layers,
            temporal_id_nested: parsed.temporal_id_nesting,
            length_size_minus_one: 3,
            arrays: vec![array(VPS, vps), array(SPS, sps), array(PPS, pps)],
        };
        Ok(Self {
            vps: vps.to_vec(),
            sps: sps.to_vec(),
            pps: pps.to_vec(),
            width: parsed.width,
            height: parsed.height,
            hvcc,
        })
    }

    /// The `hvcC` box contents.
    pub(crate) fn hvcc(&self) -> mp4_atom::Hvcc {
        self.hvcc.clone()
    }

    /// The RFC 6381 codec string per ISO 14496-15 E.3, e.g. `hvc1.1.6.L93.B0`.
    pub(crate) fn codec(&self) -> String {
        let h = &self.hvcc;
        let space = ["", "A", "B", "C"][usize::from(h.general_profile_space & 3)];
        // The 32 compatibility flags in reverse bit order, in hex.
        let compat = u32::from_be_bytes(h.general_profile_compatibility_flags).reverse_bits();
        let tier = if h.general_tier_flag { 'H' } else { 'L' };
        let mut s = format!(
            "hvc1.{space}{}.{compat:X}.{tier}{}",
            h.general_profile_idc, h.general_level_idc
        );
        let flags = &h.general_constraint_indicator_flags;
        let used = flags.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        for b in &flags[..used] {
            s.push_str(&format!(".{b:X}"));
        }
        s
    }
}

/// Appends one Annex B access unit as length-prefixed NAL units; says
/// whether it is a sync sample (an IRAP picture: BLA, IDR or CRA).
pub(crate) fn push_sample(out: &mut Vec<u8>, access_unit: &[u8], config: &Config) -> Result<bool> {
    let mut sync = false;
    for unit in nal::units(access_unit) {
        if unit.len() < 2 {
            continue;
        }
        match unit_type(unit) {
            AUD | FILLER => continue,
            VPS if unit == config.vps => continue,
            SPS if unit == config.sps => continue,
            PPS if unit == config.pps => continue,
            16..=21 => sync = true,
            _ => {}
        }
        nal::push_length_prefixed(out, unit)?;
    }
    Ok(sync)
}

/// The parts of an HEVC SPS (H.265 §7.3.2.2) the sample entry needs.
#[derive(Debug, PartialEq, Eq)]
struct Sps {
    max_sub_layers: u8,
    temporal_id_nesting: bool,
    profile_space: u8,
    tier: bool,
    profile_idc: u8,
    compatibility: [u8; 4],
    constraints: [u8; 6],
    level_idc: u8,
    chroma_format_idc: u8,
    width: u16,
    height: u16,
    bit_depth_luma_minus8: u8,
    bit_depth_chroma_minus8: u8,
}

impl Sps {
    /// `rbsp` is the SPS after its 2-byte NAL header, without emulation
    /// prevention. `None` when it ends early or a value is out of range.
    fn parse(rbsp: &[u8]) -> Option<Self> {
        let mut r = Bits { data: rbsp, at: 0 };
        r.bits(4)?; // sps_video_parameter_set_id
        let max_sub_layers_minus1 = r.bits(3)? as u8;
        let temporal_id_nesting = r.bits(1)? == 1;
        let profile_space = r.bits(2)? as u8;
        let tier = r.bits(1)? == 1;
        let profile_idc = r.bits(5)? as u8;
        let mut compatibility = [0; 4];
        for b in &mut compatibility {
            *b = r.bits(8)? as u8;
        }
        let mut constraints = [0; 6];
        for b in &mut constraints {
            *b = r.bits(8)? as u8;
        }
        let level_idc = r.bits(8)? as u8;
        let mut present = [(false, false); 8];
        for p in present.iter_mut().take(usize::from(max_sub_layers_minus1)) {
            *p = (r.bits(1)? == 1, r.bits(1)? == 1);
        }
        if max_sub_layers_minus1 > 0 {
            for _ in max_sub_layers_minus1..8 {
                r.bits(2)?; // reserved_zero_2bits
            }
        }
        for &(profile, level) in present.iter().take(usize::from(max_sub_layers_minus1)) {
            if profile {
                r.skip(88)?;
            }
            if level {
                r.skip(8)?;
            }
        }
        r.ue()?; // sps_seq_parameter_set_id
        let chroma_format_idc = r.ue()?;
        if chroma_format_idc == 3 {
            r.bits(1)?; // separate_colour_plane_flag
        }
        let mut width = r.ue()?;
        let mut height = r.ue()?;
        if r.bits(1)? == 1 {
            let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
            let sub_width = if matches!(chroma_format_idc, 1 | 2) {
                2
            } else {
                1
            };
            let sub_height = if chroma_format_idc == 1 { 2 } else { 1 };
            width = width.checked_sub(sub_width * left.checked_add(right)?)?;
            height = height.checked_sub(sub_height * top.checked_add(bottom)?)?;
        }
        let bit_depth_luma_minus8 = u8::try_from(r.ue()?).ok()?;
        let bit_depth_chroma_minus8 = u8::try_from(r.ue()?).ok()?;
        Some(Self {
            max_sub_layers: max_sub_layers_minus1 + 1,
            temporal_id_nesting,
            profile_space,
            tier,
            profile_idc,
            compatibility,
            constraints,
            level_idc,
            chroma_format_idc: u8::try_from(chroma_format_idc).ok()?,
            width: u16::try_from(width).ok()?,
            height: u16::try_from(height).ok()?,
            bit_depth_luma_minus8,
            bit_depth_chroma_minus8,
        })
    }
}

/// A big-endian bit reader with Exp-Golomb codes.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = self.data.get(self.at / 8)?;
        let bit = (byte >> (7 - self.at % 8)) & 1;
        self.at += 1;
        Some(u32::from(bit))
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        (0..n).try_fold(0, |v, _| Some((v << 1) | self.bit()?))
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.at += n;
        (self.at <= self.data.len() * 8).then_some(())
    }

    /// ue(v): unsigned Exp-Golomb, at most 32 bits of value.
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some((1u32 << zeros) - 1 + self.bits(zeros)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_reads_small_and_large_values() {
        // 1 | 010 | 011 | 00100 | 0001000 → 0, 1, 2, 3, 7
        let data = [0b1010_0110, 0b0100_0001, 0b0000_0000];
        let mut r = Bits { data: &data, at: 0 };
        let got: Vec<u32> = (0..5).filter_map(|_| r.ue()).collect();
        assert_eq!(got, vec![0, 1, 2, 3, 7]);
        assert_eq!(r.ue(), None);
    }

    fn config(hvcc: mp4_atom::Hvcc) -> Config {
        Config {
            vps: vec![],
            sps: vec![],
            pps: vec![],
            width: 0,
            height: 0,
            hvcc,
        }
    }

    #[test]
    fn codec_strings_follow_iso_14496_15_annex_e() {
        // The examples of ISO/IEC 14496-15 E.3.
        let main = mp4_atom::Hvcc {
            general_profile_idc: 1,
            general_profile_compatibility_flags: [0x60, 0, 0, 0],
            general_level_idc: 93,
            general_constraint_indicator_flags: [0xb0, 0, 0, 0, 0, 0],
            ..Default::default()
        };
        assert_eq!(config(main.clone()).codec(), "hvc1.1.6.L93.B0");
        let main10_high = mp4_atom::Hvcc {
            general_profile_space: 1,
            general_tier_flag: true,
            general_profile_idc: 2,
            general_profile_compatibility_flags: [0x20, 0, 0, 0],
            general_level_idc: 120,
            general_constraint_indicator_flags: [0x90, 0, 0, 0x01, 0, 0],
            ..main
        };
        assert_eq!(config(main10_high).codec(), "hvc1.A2.4.H120.90.0.0.1");
    }

    #[test]
    fn a_truncated_sps_is_none_not_a_panic() {
        assert_eq!(Sps::parse(&[0x01, 0x01]), None);
        assert_eq!(Sps::parse(&[]), None);
    }
}
