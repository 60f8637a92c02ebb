//! The 188-byte transport stream packet (ISO/IEC 13818-1 §2.4.3.2).

use crate::{Error, Result};

/// Bytes in a TS packet.
pub const PACKET_SIZE: usize = 188;
/// The sync byte every packet starts with.
pub const SYNC_BYTE: u8 = 0x47;
/// The null packet PID (stuffing; no continuity counting).
pub const NULL_PID: u16 = 0x1fff;

/// One TS packet, borrowing its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsPacket<'a> {
    /// The transport error indicator (set by a demodulator on uncorrectable errors).
    pub transport_error: bool,
    /// Payload unit start: a PES packet or PSI section starts in this payload.
    pub pusi: bool,
    /// The 13-bit packet identifier.
    pub pid: u16,
    /// The 2-bit scrambling control (0: clear).
    pub scrambling: u8,
    /// The 4-bit continuity counter.
    pub continuity_counter: u8,
    /// The adaptation field after its length byte, when present.
    pub adaptation: Option<&'a [u8]>,
    /// The payload, when the adaptation field control says there is one.
    pub payload: Option<&'a [u8]>,
}

impl<'a> TsPacket<'a> {
    /// Parses the first 188 bytes of `buf`.
    pub fn decode(buf: &'a [u8]) -> Result<Self> {
        let packet = buf.get(..PACKET_SIZE).ok_or(Error::Truncated {
            needed: PACKET_SIZE,
            actual: buf.len(),
        })?;
        let [sync, b1, b2, b3, rest @ ..] = packet else {
            return Err(Error::Truncated {
                needed: PACKET_SIZE,
                actual: buf.len(),
            });
        };
        if *sync != SYNC_BYTE {
            return Err(Error::Sync(*sync));
        }
        let control = (b3 >> 4) & 0b11;
        let (adaptation, payload) = if control & 0b10 != 0 {
            let len = rest.first().copied().unwrap_or(0);
            let field = rest
                .get(1..1 + usize::from(len))
                .ok_or(Error::AdaptationLength(len))?;
            (Some(field), rest.get(1 + usize::from(len)..).unwrap_or(&[]))
        } else {
            (None, rest)
        };
        Ok(Self {
            transport_error: b1 & 0x80 != 0,
            pusi: b1 & 0x40 != 0,
            pid: u16::from_be_bytes([b1 & 0x1f, *b2]),
            scrambling: b3 >> 6,
            continuity_counter: b3 & 0x0f,
            adaptation,
            payload: (control & 0b01 != 0).then_some(payload),
        })
    }

    /// The adaptation field's discontinuity indicator: the continuity
    /// counter may jump here.
    pub fn discontinuity(&self) -> bool {
        self.adaptation
            .and_then(|field| field.first())
            .is_some_and(|flags| flags & 0x80 != 0)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn packet(header: [u8; 4], rest: &[u8]) -> Vec<u8> {
        let mut p = header.to_vec();
        p.extend_from_slice(rest);
        p.resize(PACKET_SIZE, 0xff);
        p
    }

    #[test]
    fn a_payload_only_packet_decodes_field_by_field() {
        let p = packet([0x47, 0x41, 0x00, 0x17], &[0xaa]);
        let ts = TsPacket::decode(&p).unwrap();
        assert!(ts.pusi);
        assert!(!ts.transport_error);
        assert_eq!(ts.pid, 0x100);
        assert_eq!(ts.continuity_counter, 7);
        assert_eq!(ts.adaptation, None);
        let payload = ts.payload.unwrap();
        assert_eq!(payload.len(), 184);
        assert_eq!(payload.first(), Some(&0xaa));
    }

    #[test]
    fn an_adaptation_field_is_split_from_the_payload() {
        let p = packet([0x47, 0x1f, 0xff, 0x33], &[0x02, 0x80, 0x00, 0xbb]);
        let ts = TsPacket::decode(&p).unwrap();
        assert_eq!(ts.pid, NULL_PID);
        assert_eq!(ts.adaptation, Some(&[0x80, 0x00][..]));
        assert!(ts.discontinuity());
        assert_eq!(ts.payload.unwrap().len(), 184 - 3);
    }

    #[test]
    fn an_adaptation_only_packet_has_no_payload() {
        let p = packet([0x47, 0x01, 0x00, 0x20], &[183, 0x00]);
        let ts = TsPacket::decode(&p).unwrap();
        assert_eq!(ts.payload, None);
        assert_eq!(ts.adaptation.unwrap().len(), 183);
    }

    #[test]
    fn a_wrong_sync_byte_short_packet_or_long_adaptation_field_is_an_error() {
        assert_eq!(
            TsPacket::decode(&packet([0x48, 0, 0, 0x10], &[])),
            Err(Error::Sync(0x48))
        );
        assert_eq!(
            TsPacket::decode(&[0x47; 10]),
            Err(Error::Truncated {
                needed: 188,
                actual: 10
            })
        );
        let long = packet([0x47, 0x01, 0x00, 0x30], &[184]);
        assert_eq!(TsPacket::decode(&long), Err(Error::AdaptationLength(184)));
    }
}
