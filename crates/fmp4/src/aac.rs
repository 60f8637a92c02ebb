//! ADTS (AAC in MPEG-TS) → raw AAC frames; the `esds` configuration and the
//! `mp4a.40.N` codec string.

use crate::error::{Error, Result};

/// Samples per AAC frame (per raw data block) for AAC-LC and HE-AAC's core.
pub(crate) const FRAME_SAMPLES: u32 = 1024;

const RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// The stream configuration an ADTS header announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Config {
    /// MPEG-4 Audio Object Type (ADTS profile + 1): 2 = AAC-LC.
    pub object_type: u8,
    pub frequency_index: u8,
    pub channel_config: u8,
}

impl Config {
    pub(crate) fn sample_rate(self) -> u32 {
        RATES[usize::from(self.frequency_index)]
    }

    /// `mp4a.40.` and the object type (RFC 6381 §3.3).
    pub(crate) fn codec(self) -> String {
        format!("mp4a.40.{}", self.object_type)
    }

    /// The `esds` box: an MPEG-4 audio decoder config with the 2-byte
    /// AudioSpecificConfig (object type, frequency index, channels).
    pub(crate) fn esds(self) -> mp4_atom::Esds {
        use mp4_atom::esds::{DecoderConfig, DecoderSpecific, EsDescriptor, SLConfig};
        mp4_atom::Esds {
            es_desc: EsDescriptor {
                es_id: 0,
                dec_config: DecoderConfig {
                    object_type_indication: 0x40,
                    stream_type: 5,
                    up_stream: 0,
                    dec_specific: Some(DecoderSpecific {
                        profile: self.object_type,
                        freq_index: self.frequency_index,
                        chan_conf: self.channel_config,
                        raw: Vec::new(),
                    }),
                    ..Default::default()
                },
                sl_config: SLConfig::default(),
                ..Default::default()
            },
        }
    }
}

/// One ADTS frame: its configuration and where its raw AAC payload lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub config: Config,
    pub payload: core::ops::Range<usize>,
}

/// Splits `data` into ADTS frames. Returns the frames and how many bytes
/// were consumed; the rest is an incomplete frame that continues in the next
/// PES packet.
pub(crate) fn frames(data: &[u8]) -> Result<(Vec<Frame>, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while data.len() - at >= 7 {
        let h = &data[at..at + 7];
        if h[0] != 0xff || h[1] & 0xf6 != 0xf0 {
            return Err(malformed(format!("no ADTS sync word at byte {at}")));
        }
        let protection_absent = h[1] & 1 == 1;
        let object_type = (h[2] >> 6) + 1;
        let frequency_index = (h[2] >> 2) & 0x0f;
        let channel_config = ((h[2] & 1) << 2) | (h[3] >> 6);
        let length =
            (usize::from(h[3] & 0x03) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        let blocks = (h[6] & 0x03) + 1;
        let header = if protection_absent { 7 } else { 9 };
        if usize::from(frequency_index) >= RATES.len() {
            return Err(malformed(format!(
                "sampling frequency index {frequency_index}"
            )));
        }
        if channel_config == 0 {
            return Err(Error::Unsupported(
                "audio: AAC channel configuration in a program config element".into(),
            ));
        }
        if blocks != 1 {
            return Err(Error::Unsupported(format!(
                "audio: ADTS frame with {blocks} raw data blocks"
            )));
        }
        if length <= header {
            return Err(malformed(format!("ADTS frame length {length}")));
        }
        if data.len() - at < length {
            break;
        }
        out.push(Frame {
            config: Config {
                object_type,
                frequency_index,
                channel_config,
            },
            payload: at + header..at + length,
        });
        at += length;
    }
    Ok((out, at))
}

fn malformed(reason: String) -> Error {
    Error::Malformed {
        stream: "audio",
        reason,
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;

    /// An ADTS header for AAC-LC, 48 kHz, stereo, `len` bytes in all.
    fn header(len: usize) -> Vec<u8> {
        let len = len as u32;
        vec![
            0xff,
            0xf1,
            (1 << 6) | (3 << 2),
            (2 << 6) | ((len >> 11) & 3) as u8,
            ((len >> 3) & 0xff) as u8,
            (((len & 7) << 5) as u8) | 0x1f,
            0xfc,
        ]
    }

    #[test]
    fn frames_are_split_and_the_partial_tail_is_left() {
        let mut data = header(10);
        data.extend([1, 2, 3]);
        data.extend(header(9));
        data.extend([4, 5]);
        data.extend(&header(20)[..5]);
        let (frames, used) = frames(&data).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(&data[frames[0].payload.clone()], &[1, 2, 3]);
        assert_eq!(&data[frames[1].payload.clone()], &[4, 5]);
        assert_eq!(used, 19);
        let c = frames[0].config;
        assert_eq!(
            (c.object_type, c.sample_rate(), c.channel_config),
            (2, 48000, 2)
        );
        assert_eq!(c.codec(), "mp4a.40.2");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(frames(&[0u8; 16]), Err(Error::Malformed { .. })));
        let mut zero_length = header(7);
        zero_length[3] &= 0xfc;
        zero_length[4] = 0;
        zero_length[5] &= 0x1f;
        assert!(frames(&zero_length).is_err());
    }
}
