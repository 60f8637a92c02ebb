//! The RTP fixed header (RFC 3550 §5.1), CSRC list, header extension (§5.3.1)
//! and padding.

use crate::{Decode, Encode, Error, Result};

/// Most CSRC identifiers a header can carry (the CC field has 4 bits).
pub const MAX_CSRC: usize = 15;

const FIXED_HEADER: usize = 12;

/// An RTP header extension (RFC 3550 §5.3.1): a profile-defined 16-bit tag
/// and data whose length is a multiple of 4 bytes. Passed through untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The profile-defined first 16 bits (`0xBEDE` for RFC 8285 one-byte headers).
    pub profile: u16,
    /// The extension data, without its 4-byte preamble.
    pub data: &'a [u8],
}

/// One RTP packet, borrowing its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The marker bit (profile-defined; end of frame for video).
    pub marker: bool,
    /// The 7-bit payload type (33 is MP2T).
    pub payload_type: u8,
    /// The sequence number, +1 per packet, wrapping at 65535.
    pub sequence: u16,
    /// The media timestamp (90 kHz for MP2T).
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    csrc: [u32; MAX_CSRC],
    csrc_count: u8,
    /// The header extension, when the X bit is set.
    pub extension: Option<Extension<'a>>,
    /// Padding bytes after the payload (including the count byte), 0 for none.
    pub padding: u8,
    /// The payload, without padding.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// A packet with no CSRCs, extension or padding.
    pub fn new(
        payload_type: u8,
        sequence: u16,
        timestamp: u32,
        ssrc: u32,
        payload: &'a [u8],
    ) -> Self {
        Self {
            marker: false,
            payload_type,
            sequence,
            timestamp,
            ssrc,
            csrc: [0; MAX_CSRC],
            csrc_count: 0,
            extension: None,
            padding: 0,
            payload,
        }
    }

    /// The contributing sources, in header order.
    pub fn csrcs(&self) -> &[u32] {
        self.csrc.get(..usize::from(self.csrc_count)).unwrap_or(&[])
    }

    /// Replaces the contributing sources; more than [`MAX_CSRC`] is an error.
    pub fn set_csrcs(&mut self, csrcs: &[u32]) -> Result<()> {
        let slot = self
            .csrc
            .get_mut(..csrcs.len())
            .ok_or(Error::Encode("more than 15 CSRCs"))?;
        slot.copy_from_slice(csrcs);
        // At most 15, checked just above.
        self.csrc_count = u8::try_from(csrcs.len()).unwrap_or(0);
        Ok(())
    }
}

fn need(buf: &[u8], needed: usize) -> Result<()> {
    if buf.len() < needed {
        return Err(Error::Truncated {
            needed,
            actual: buf.len(),
        });
    }
    Ok(())
}

fn be16(buf: &[u8], at: usize) -> u16 {
    match buf.get(at..at + 2) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    }
}

fn be32(buf: &[u8], at: usize) -> u32 {
    match buf.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

impl<'a> Decode<'a> for RtpPacket<'a> {
    fn decode(buf: &'a [u8]) -> Result<Self> {
        need(buf, FIXED_HEADER)?;
        let (b0, b1) = match buf {
            [b0, b1, ..] => (*b0, *b1),
            _ => {
                return Err(Error::Truncated {
                    needed: FIXED_HEADER,
                    actual: buf.len(),
                });
            }
        };
        let version = b0 >> 6;
        if version != 2 {
            return Err(Error::Version(version));
        }
        let has_padding = b0 & 0x20 != 0;
        let has_extension = b0 & 0x10 != 0;
        let csrc_count = b0 & 0x0f;

        let mut at = FIXED_HEADER;
        need(buf, at + 4 * usize::from(csrc_count))?;
        let mut csrc = [0; MAX_CSRC];
        for slot in csrc.iter_mut().take(usize::from(csrc_count)) {
            *slot = be32(buf, at);
            at += 4;
        }

        let extension = if has_extension {
            need(buf, at + 4)?;
            let profile = be16(buf, at);
            let len = 4 * usize::from(be16(buf, at + 2));
            at += 4;
            need(buf, at + len)?;
            let data = buf.get(at..at + len).unwrap_or(&[]);
            at += len;
            Some(Extension { profile, data })
        } else {
            None
        };

        let mut end = buf.len();
        let mut padding = 0;
        if has_padding {
            padding = buf.last().copied().unwrap_or(0);
            if padding == 0 || usize::from(padding) > end - at {
                return Err(Error::Padding(padding));
            }
            end -= usize::from(padding);
        }

        Ok(Self {
            marker: b1 & 0x80 != 0,
            payload_type: b1 & 0x7f,
            sequence: be16(buf, 2),
            timestamp: be32(buf, 4),
            ssrc: be32(buf, 8),
            csrc,
            csrc_count,
            extension,
            padding,
            payload: buf.get(at..end).unwrap_or(&[]),
        })
    }
}

impl Encode for RtpPacket<'_> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        if self.payload_type > 0x7f {
            return Err(Error::Encode("payload type above 127"));
        }
        let ext_words = match self.extension {
            Some(ext) if ext.data.len() % 4 != 0 => {
                return Err(Error::Encode("extension data not a multiple of 4 bytes"));
            }
            Some(ext) => Some(
                u16::try_from(ext.data.len() / 4)
                    .map_err(|_| Error::Encode("extension data longer than 65535 words"))?,
            ),
            None => None,
        };
        out.reserve(self.encoded_len());
        out.push(
            0x80 | if self.padding > 0 { 0x20 } else { 0 }
                | if self.extension.is_some() { 0x10 } else { 0 }
                | (self.csrc_count & 0x0f),
        );
        out.push(if self.marker { 0x80 } else { 0 } | self.payload_type);
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for csrc in self.csrcs() {
            out.extend_from_slice(&csrc.to_be_bytes());
        }
        if let (Some(ext), Some(words)) = (self.extension, ext_words) {
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&words.to_be_bytes());
            out.extend_from_slice(ext.data);
        }
        out.extend_from_slice(self.payload);
        if self.padding > 0 {
            out.extend(std::iter::repeat_n(0, usize::from(self.padding) - 1));
            out.push(self.padding);
        }
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        FIXED_HEADER
            + 4 * usize::from(self.csrc_count)
            + self.extension.map_or(0, |ext| 4 + ext.data.len())
            + self.payload.len()
            + usize::from(self.padding)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    fn round_trip(wire: &[u8]) {
        let packet = RtpPacket::decode(wire).unwrap();
        let mut out = Vec::new();
        packet.encode(&mut out).unwrap();
        assert_eq!(out, wire);
        assert_eq!(packet.encoded_len(), wire.len());
    }

    #[test]
    fn a_plain_mp2t_packet_decodes_field_by_field() {
        let wire = hex("80a1 ffff 00015f90 12345678 47 1f ff 10");
        let p = RtpPacket::decode(&wire).unwrap();
        assert!(p.marker);
        assert_eq!(p.payload_type, 33);
        assert_eq!(p.sequence, 65535);
        assert_eq!(p.timestamp, 90_000);
        assert_eq!(p.ssrc, 0x1234_5678);
        assert!(p.csrcs().is_empty());
        assert_eq!(p.extension, None);
        assert_eq!(p.padding, 0);
        assert_eq!(p.payload, hex("471fff10"));
        round_trip(&wire);
    }

    #[test]
    fn csrcs_are_read_in_order_and_the_payload_follows_them() {
        let wire = hex("82 21 0001 00000000 00000001 aaaaaaaa bbbbbbbb 47");
        let p = RtpPacket::decode(&wire).unwrap();
        assert_eq!(p.csrcs(), &[0xaaaa_aaaa, 0xbbbb_bbbb]);
        assert_eq!(p.payload, &[0x47]);
        round_trip(&wire);
    }

    #[test]
    fn a_header_extension_passes_through_untouched() {
        let wire = hex("90 21 0002 00000000 00000001 bede 0001 10ff0000 47 00");
        let p = RtpPacket::decode(&wire).unwrap();
        let ext = p.extension.unwrap();
        assert_eq!(ext.profile, 0xbede);
        assert_eq!(ext.data, hex("10ff0000"));
        assert_eq!(p.payload, hex("4700"));
        round_trip(&wire);
    }

    #[test]
    fn padding_is_stripped_from_the_payload_and_restored_on_encode() {
        let wire = hex("a0 21 0003 00000000 00000001 4711 000003");
        let p = RtpPacket::decode(&wire).unwrap();
        assert_eq!(p.padding, 3);
        assert_eq!(p.payload, hex("4711"));
        round_trip(&wire);
    }

    #[test]
    fn an_empty_payload_is_allowed() {
        let wire = hex("80 21 0004 00000000 00000001");
        assert!(RtpPacket::decode(&wire).unwrap().payload.is_empty());
        round_trip(&wire);
    }

    #[test]
    fn a_datagram_shorter_than_the_fixed_header_is_truncated() {
        for len in 0..12 {
            let wire = vec![0x80; len];
            assert_eq!(
                RtpPacket::decode(&wire),
                Err(Error::Truncated {
                    needed: 12,
                    actual: len
                })
            );
        }
    }

    #[test]
    fn a_version_other_than_2_is_refused() {
        let wire = hex("40 21 0001 00000000 00000001");
        assert_eq!(RtpPacket::decode(&wire), Err(Error::Version(1)));
        // Raw MPEG-TS sent to an RTP port starts with 0x47: version 1.
        let mut ts = vec![0x47, 0x1f, 0xff, 0x10];
        ts.resize(188, 0xff);
        assert_eq!(RtpPacket::decode(&ts), Err(Error::Version(1)));
    }

    #[test]
    fn missing_csrcs_are_truncated() {
        let wire = hex("83 21 0001 00000000 00000001 aaaaaaaa");
        assert_eq!(
            RtpPacket::decode(&wire),
            Err(Error::Truncated {
                needed: 24,
                actual: 16
            })
        );
    }

    #[test]
    fn an_extension_longer_than_the_datagram_is_truncated() {
        let wire = hex("90 21 0001 00000000 00000001 bede 0002 00000000");
        assert_eq!(
            RtpPacket::decode(&wire),
            Err(Error::Truncated {
                needed: 24,
                actual: 20
            })
        );
        let cut = hex("90 21 0001 00000000 00000001 bede");
        assert_eq!(
            RtpPacket::decode(&cut),
            Err(Error::Truncated {
                needed: 16,
                actual: 14
            })
        );
    }

    #[test]
    fn padding_of_zero_or_beyond_the_payload_is_refused() {
        let zero = hex("a0 21 0001 00000000 00000001 47 00");
        assert_eq!(RtpPacket::decode(&zero), Err(Error::Padding(0)));
        let over = hex("a0 21 0001 00000000 00000001 47 05");
        assert_eq!(RtpPacket::decode(&over), Err(Error::Padding(5)));
        let header_only = hex("a0 21 0001 00000000 00000001");
        assert_eq!(RtpPacket::decode(&header_only), Err(Error::Padding(1)));
    }

    #[test]
    fn no_byte_pattern_makes_decode_panic() {
        // A tiny deterministic PRNG walks short datagrams of every shape.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..200 {
            for _ in 0..200 {
                let wire: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state.to_le_bytes()[0]
                    })
                    .collect();
                if let Ok(p) = RtpPacket::decode(&wire) {
                    let mut out = Vec::new();
                    p.encode(&mut out).unwrap();
                    // Padding contents are not kept, only their length.
                    assert_eq!(out.len(), wire.len());
                }
            }
        }
    }

    #[test]
    fn a_built_packet_encodes_to_the_expected_bytes() {
        let mut p = RtpPacket::new(33, 0x0102, 0x0304_0506, 0x0708_090a, &[0x47]);
        p.marker = true;
        p.set_csrcs(&[0xdead_beef]).unwrap();
        let mut out = Vec::new();
        p.encode(&mut out).unwrap();
        assert_eq!(out, hex("81a1 0102 03040506 0708090a deadbeef 47"));
    }

    #[test]
    fn encoding_refuses_out_of_range_fields_and_appends_nothing() {
        let mut p = RtpPacket::new(128, 0, 0, 0, &[]);
        let mut out = Vec::new();
        assert!(p.encode(&mut out).is_err());
        p.payload_type = 33;
        p.extension = Some(Extension {
            profile: 1,
            data: &[1, 2, 3],
        });
        assert!(p.encode(&mut out).is_err());
        assert!(out.is_empty());
        assert!(p.set_csrcs(&[0; 16]).is_err());
    }
}
