//! Program-specific information (ISO/IEC 13818-1 §2.4.4): the section
//! syntax with its CRC32/MPEG-2, the PAT and the PMT.

use crate::{Error, Result};

/// CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial 0xFFFFFFFF, not reflected,
/// no final xor), the CRC every PSI section ends with.
pub fn crc32_mpeg2(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in data {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// A long-form PSI section: header fields and the table data between the
/// header and the CRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section<'a> {
    /// The table id (0x00 PAT, 0x02 PMT).
    pub table_id: u8,
    /// The transport stream id (PAT) or program number (PMT).
    pub table_id_extension: u16,
    /// The 5-bit version number.
    pub version: u8,
    /// Whether this version applies now (or is the next one).
    pub current: bool,
    /// This section's number.
    pub section_number: u8,
    /// The last section's number.
    pub last_section_number: u8,
    /// The table data.
    pub data: &'a [u8],
}

/// Bytes the section starting at `buf` occupies, once its 3-byte header is there.
pub(crate) fn section_len(buf: &[u8]) -> Option<usize> {
    match buf {
        [_, hi, lo, ..] => Some(3 + usize::from(u16::from_be_bytes([hi & 0x0f, *lo]))),
        _ => None,
    }
}

impl<'a> Section<'a> {
    /// Parses one section at the start of `buf` and checks its CRC.
    pub fn decode(buf: &'a [u8]) -> Result<Self> {
        let total = section_len(buf).ok_or(Error::Truncated {
            needed: 3,
            actual: buf.len(),
        })?;
        let section = buf.get(..total).ok_or(Error::Truncated {
            needed: total,
            actual: buf.len(),
        })?;
        let [
            table_id,
            flags,
            _,
            ext_hi,
            ext_lo,
            version,
            number,
            last,
            rest @ ..,
        ] = section
        else {
            return Err(Error::Section("shorter than the section syntax header"));
        };
        if flags & 0x80 == 0 {
            return Err(Error::Section("section_syntax_indicator is 0"));
        }
        let Some((data, crc)) = rest.split_last_chunk::<4>() else {
            return Err(Error::Section("no room for the CRC"));
        };
        let carried = u32::from_be_bytes(*crc);
        let computed = crc32_mpeg2(section.get(..total - 4).unwrap_or(&[]));
        if computed != carried {
            return Err(Error::Crc { computed, carried });
        }
        Ok(Self {
            table_id: *table_id,
            table_id_extension: u16::from_be_bytes([*ext_hi, *ext_lo]),
            version: (version >> 1) & 0x1f,
            current: version & 1 != 0,
            section_number: *number,
            last_section_number: *last,
            data,
        })
    }
}

/// The program association table: which PID carries each program's PMT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pat {
    /// The transport stream id.
    pub transport_stream_id: u16,
    /// `(program_number, pmt_pid)`; program 0 (the network PID) left out.
    pub programs: Vec<(u16, u16)>,
}

impl Pat {
    /// Reads a PAT from a decoded section.
    pub fn from_section(section: &Section<'_>) -> Result<Self> {
        if section.table_id != 0x00 {
            return Err(Error::Section("PAT table_id is not 0x00"));
        }
        let programs = section
            .data
            .chunks_exact(4)
            .filter_map(|entry| match entry {
                [n_hi, n_lo, p_hi, p_lo] => {
                    let number = u16::from_be_bytes([*n_hi, *n_lo]);
                    (number != 0).then_some((number, u16::from_be_bytes([p_hi & 0x1f, *p_lo])))
                }
                _ => None,
            })
            .collect();
        Ok(Self {
            transport_stream_id: section.table_id_extension,
            programs,
        })
    }
}

/// One elementary stream of a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The PID carrying it.
    pub pid: u16,
    /// The PMT stream_type.
    pub stream_type: u8,
}

impl Stream {
    /// The codec for common stream types, `None` for others.
    pub fn codec(&self) -> Option<&'static str> {
        codec_name(self.stream_type)
    }

    /// What the stream carries.
    pub fn kind(&self) -> Kind {
        Kind::of(self.stream_type)
    }
}

/// What an elementary stream carries, as MediaConnect's source metadata
/// names it (`video`, `audio`, `data`, `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pictures.
    Video,
    /// Sound.
    Audio,
    /// Timed metadata, SCTE-35, private sections.
    Data,
    /// A stream type not known here.
    Unknown,
}

impl Kind {
    /// The kind of a PMT stream_type.
    pub fn of(stream_type: u8) -> Self {
        match stream_type {
            0x01 | 0x02 | 0x10 | 0x1b | 0x24 => Kind::Video,
            0x03 | 0x04 | 0x0f | 0x11 | 0x81 | 0x87 => Kind::Audio,
            0x05 | 0x06 | 0x15 | 0x86 => Kind::Data,
            _ => Kind::Unknown,
        }
    }

    /// `video`, `audio`, `data` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Video => "video",
            Kind::Audio => "audio",
            Kind::Data => "data",
            Kind::Unknown => "unknown",
        }
    }
}

/// The codec name of common PMT stream types, in the short upper-case form
/// MediaConnect's source metadata uses (its documentation shows `H264` and
/// `AAC`).
pub fn codec_name(stream_type: u8) -> Option<&'static str> {
    Some(match stream_type {
        0x01 => "MPEG1",
        0x02 => "MPEG2",
        0x03 => "MPEG1_AUDIO",
        0x04 => "MPEG2_AUDIO",
        0x0f | 0x11 => "AAC",
        0x10 => "MPEG4",
        0x15 => "ID3",
        0x1b => "H264",
        0x24 => "H265",
        0x81 => "AC3",
        0x86 => "SCTE35",
        0x87 => "EAC3",
        _ => return None,
    })
}

/// The program map table: a program's PCR PID and elementary streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pmt {
    /// The program number.
    pub program_number: u16,
    /// The PID carrying the program clock reference.
    pub pcr_pid: u16,
    /// The streams, in PMT order.
    pub streams: Vec<Stream>,
}

impl Pmt {
    /// Reads a PMT from a decoded section.
    pub fn from_section(section: &Section<'_>) -> Result<Self> {
        if section.table_id != 0x02 {
            return Err(Error::Section("PMT table_id is not 0x02"));
        }
        let [pcr_hi, pcr_lo, info_hi, info_lo, rest @ ..] = section.data else {
            return Err(Error::Section("PMT shorter than its fixed fields"));
        };
        let info_len = usize::from(u16::from_be_bytes([info_hi & 0x0f, *info_lo]));
        let mut entries = rest
            .get(info_len..)
            .ok_or(Error::Section("program_info_length runs past the section"))?;
        let mut streams = Vec::new();
        while let [stream_type, pid_hi, pid_lo, es_hi, es_lo, tail @ ..] = entries {
            let es_len = usize::from(u16::from_be_bytes([es_hi & 0x0f, *es_lo]));
            entries = tail
                .get(es_len..)
                .ok_or(Error::Section("ES_info_length runs past the section"))?;
            streams.push(Stream {
                pid: u16::from_be_bytes([pid_hi & 0x1f, *pid_lo]),
                stream_type: *stream_type,
            });
        }
        if !entries.is_empty() {
            return Err(Error::Section("trailing bytes after the last PMT stream"));
        }
        Ok(Self {
            program_number: section.table_id_extension,
            pcr_pid: u16::from_be_bytes([pcr_hi & 0x1f, *pcr_lo]),
            streams,
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
pub(crate) mod tests {
    use super::*;

    /// A long-form section with a correct CRC32/MPEG-2.
    pub(crate) fn section(table_id: u8, extension: u16, data: &[u8]) -> Vec<u8> {
        let len = u16::try_from(5 + data.len() + 4).unwrap();
        let mut s = vec![table_id, 0xb0 | (len >> 8) as u8, len as u8];
        s.extend_from_slice(&extension.to_be_bytes());
        s.extend_from_slice(&[0xc1, 0x00, 0x00]); // version 0, current
        s.extend_from_slice(data);
        let crc = crc32_mpeg2(&s);
        s.extend_from_slice(&crc.to_be_bytes());
        s
    }

    pub(crate) fn pat(programs: &[(u16, u16)]) -> Vec<u8> {
        let data: Vec<u8> = programs
            .iter()
            .flat_map(|&(n, pid)| [n.to_be_bytes(), (0xe000 | pid).to_be_bytes()].concat())
            .collect();
        section(0x00, 1, &data)
    }

    pub(crate) fn pmt(program: u16, pcr_pid: u16, streams: &[(u8, u16)]) -> Vec<u8> {
        let mut data = (0xe000 | pcr_pid).to_be_bytes().to_vec();
        data.extend_from_slice(&[0xf0, 0x00]);
        for &(stream_type, pid) in streams {
            data.push(stream_type);
            data.extend_from_slice(&(0xe000 | pid).to_be_bytes());
            data.extend_from_slice(&[0xf0, 0x00]);
        }
        section(0x02, program, &data)
    }

    fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn crc32_mpeg2_matches_the_catalogue_check_value() {
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_e6e7);
    }

    #[test]
    fn a_real_pat_with_its_crc_decodes() {
        // ffmpeg's PAT: program 1 on PMT PID 0x1000.
        let wire = hex("00 b0 0d 00 01 c1 00 00 00 01 f0 00 2a b1 04 b2");
        let s = Section::decode(&wire).unwrap();
        assert_eq!(
            (s.table_id, s.table_id_extension, s.version, s.current),
            (0, 1, 0, true)
        );
        let pat = Pat::from_section(&s).unwrap();
        assert_eq!(pat.programs, [(1, 0x1000)]);
    }

    #[test]
    fn the_network_pid_entry_is_left_out_of_the_programs() {
        let s = pat(&[(0, 0x10), (5, 0x100)]);
        let pat = Pat::from_section(&Section::decode(&s).unwrap()).unwrap();
        assert_eq!(pat.programs, [(5, 0x100)]);
    }

    #[test]
    fn a_flipped_bit_fails_the_crc() {
        let mut s = pat(&[(1, 0x100)]);
        if let Some(b) = s.get_mut(9) {
            *b ^= 1;
        }
        assert!(matches!(Section::decode(&s), Err(Error::Crc { .. })));
    }

    #[test]
    fn a_section_without_syntax_or_cut_short_is_refused() {
        let mut s = pat(&[(1, 0x100)]);
        if let Some(b) = s.get_mut(1) {
            *b &= 0x7f;
        }
        assert_eq!(
            Section::decode(&s),
            Err(Error::Section("section_syntax_indicator is 0"))
        );
        let whole = pat(&[(1, 0x100)]);
        let cut = whole.get(..10).unwrap();
        assert_eq!(
            Section::decode(cut),
            Err(Error::Truncated {
                needed: 16,
                actual: 10
            })
        );
    }

    #[test]
    fn a_pmt_lists_its_streams_with_codec_names() {
        let s = pmt(
            1,
            0x100,
            &[(0x1b, 0x100), (0x0f, 0x101), (0x81, 0x102), (0x99, 0x103)],
        );
        let pmt = Pmt::from_section(&Section::decode(&s).unwrap()).unwrap();
        assert_eq!(pmt.program_number, 1);
        assert_eq!(pmt.pcr_pid, 0x100);
        let codecs: Vec<_> = pmt.streams.iter().map(|s| (s.pid, s.codec())).collect();
        assert_eq!(
            codecs,
            [
                (0x100, Some("H264")),
                (0x101, Some("AAC")),
                (0x102, Some("AC3")),
                (0x103, None)
            ]
        );
    }

    #[test]
    fn common_stream_types_have_codec_names_and_kinds() {
        assert_eq!(codec_name(0x24), Some("H265"));
        assert_eq!(codec_name(0x11), Some("AAC"));
        assert_eq!(codec_name(0x06), None);
        let kinds = [0x1b, 0x0f, 0x86, 0x99].map(|t| Kind::of(t).as_str());
        assert_eq!(kinds, ["video", "audio", "data", "unknown"]);
    }

    #[test]
    fn a_pmt_whose_lengths_overrun_is_an_error() {
        let data = [0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 0x09];
        let s = section(0x02, 1, &data);
        let decoded = Section::decode(&s).unwrap();
        assert_eq!(
            Pmt::from_section(&decoded),
            Err(Error::Section("ES_info_length runs past the section"))
        );
        let pat_bytes = pat(&[]);
        let table = Section::decode(&pat_bytes).unwrap();
        assert!(Pmt::from_section(&table).is_err(), "a PAT is not a PMT");
    }

    #[test]
    fn random_bytes_never_panic_the_section_parsers() {
        let mut state = 0x1234_5678_9abc_def1_u64;
        for len in 0..64 {
            for _ in 0..300 {
                let mut data: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state.to_le_bytes()[0]
                    })
                    .collect();
                let _ = Section::decode(&data);
                // Also with a valid CRC so the table parsers see the garbage.
                data.truncate(len / 2);
                let s = section(0x02, 1, &data);
                let decoded = Section::decode(&s).unwrap();
                let _ = Pmt::from_section(&decoded);
                let _ = Pat::from_section(&Section {
                    table_id: 0,
                    ..decoded
                });
            }
        }
    }
}
