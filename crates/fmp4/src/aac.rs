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

/// The frames of one segment's ADTS stream, and how many bytes had to be
/// skipped to find them.
#[derive(Debug, Default)]
pub(crate) struct Frames {
    pub frames: Vec<Frame>,
    /// Bytes skipped while lost (damaged or missing TS packets).
    pub skipped: usize,
}

/// One ADTS header's fields.
struct Header {
    config: Config,
    header_len: usize,
    frame_len: usize,
}

/// Parses the ADTS header at the start of `h` (at least 7 bytes).
fn header(h: &[u8]) -> Result<Header> {
    if h[0] != 0xff || h[1] & 0xf6 != 0xf0 {
        return Err(malformed("no ADTS sync word".into()));
    }
    let protection_absent = h[1] & 1 == 1;
    let object_type = (h[2] >> 6) + 1;
    let frequency_index = (h[2] >> 2) & 0x0f;
    let channel_config = ((h[2] & 1) << 2) | (h[3] >> 6);
    let frame_len =
        (usize::from(h[3] & 0x03) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
    let blocks = (h[6] & 0x03) + 1;
    let header_len = if protection_absent { 7 } else { 9 };
    if usize::from(frequency_index) >= RATES.len() {
        return Err(malformed(format!(
            "sampling frequency index {frequency_index}"
        )));
    }
    if frame_len <= header_len {
        return Err(malformed(format!("ADTS frame length {frame_len}")));
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
    Ok(Header {
        config: Config {
            object_type,
            frequency_index,
            channel_config,
        },
        header_len,
        frame_len,
    })
}

/// Splits `data` into ADTS frames. An incomplete frame at the end is left
/// out. Where sync is lost (a damaged header, e.g. after lost TS packets),
/// the bytes up to the next header that another header follows are skipped,
/// as decoders do. Errors when the stream is unsupported (judged on its
/// first frame) or has no frame at all.
pub(crate) fn frames(data: &[u8]) -> Result<Frames> {
    let mut out = Frames::default();
    let mut at = 0;
    while data.len() - at >= 7 {
        match header(&data[at..]) {
            Ok(h) if data.len() - at < h.frame_len => break,
            // A frame counts when another header (or the end) follows it: a
            // frame cut short by lost packets runs into the next PES packet.
            Ok(h) if followed(data, at + h.frame_len) => {
                out.frames.push(Frame {
                    config: h.config,
                    payload: at + h.header_len..at + h.frame_len,
                });
                at += h.frame_len;
            }
            Err(e @ Error::Unsupported(_)) if out.frames.is_empty() => return Err(e),
            Ok(_) | Err(_) => {
                let next = resync(data, at + 1);
                out.skipped += next - at;
                at = next;
            }
        }
    }
    if out.frames.is_empty() {
        return Err(malformed("no complete ADTS frame".into()));
    }
    Ok(out)
}

/// Whether `next` (the end of a frame) is the end of the data, too close to
/// it for a header, or the start of another header.
fn followed(data: &[u8], next: usize) -> bool {
    next >= data.len() || data.len() - next < 7 || header(&data[next..]).is_ok()
}

/// The first offset from `from` on where a header starts whose frame is
/// followed by another header or by the end of the data; the data's end if
/// there is none.
fn resync(data: &[u8], from: usize) -> usize {
    let plausible = |i: usize| {
        data.get(i..i + 7)
            .and_then(|h| header(h).ok())
            .is_some_and(|h| followed(data, i + h.frame_len))
    };
    (from..data.len().saturating_sub(6))
        .find(|&i| data[i] == 0xff && plausible(i))
        .unwrap_or(data.len())
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
        let Frames { frames, skipped } = frames(&data).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(&data[frames[0].payload.clone()], &[1, 2, 3]);
        assert_eq!(&data[frames[1].payload.clone()], &[4, 5]);
        assert_eq!(skipped, 0);
        let c = frames[0].config;
        assert_eq!(
            (c.object_type, c.sample_rate(), c.channel_config),
            (2, 48000, 2)
        );
        assert_eq!(c.codec(), "mp4a.40.2");
    }

    #[test]
    fn a_frame_not_followed_by_a_header_is_skipped_up_to_the_next_one() {
        // The first frame runs into damage: it may be cut short, so it goes too.
        let mut data = header(10);
        data.extend([1, 2, 3]);
        data.extend([0x12, 0xff, 0x00, 0x34, 0xff]); // damage, with a false 0xff
        data.extend(header(9));
        data.extend([4, 5]);
        data.extend(header(8));
        data.push(6);
        let Frames { frames, skipped } = frames(&data).unwrap();
        let payloads: Vec<&[u8]> = frames.iter().map(|f| &data[f.payload.clone()]).collect();
        assert_eq!(payloads, vec![&[4, 5][..], &[6]]);
        assert_eq!(skipped, 15);
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
