//! What a flow source accepts: a datagram read as its protocol says, or a
//! reason to drop it. Nothing here can panic on network input.

use bytes::Bytes;
use tributary_mediaconnect::wire::Protocol;
use tributary_rtp::{Decode, RtpPacket};
use tributary_ts::{PACKET_SIZE, SYNC_BYTE};

/// RTP payload type of MPEG-TS (RFC 3551 `MP2T`).
pub const PT_MP2T: u8 = 33;

/// One packet of media as a flow moves it: an RTP datagram carrying MPEG-TS,
/// or whole TS packets straight from UDP. Cheap to clone (shared bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A valid RTP datagram (version 2, payload type 33), header included.
    Rtp(Bytes),
    /// One or more whole 188-byte TS packets.
    Ts(Bytes),
}

impl Unit {
    /// The bytes on the wire.
    pub fn datagram(&self) -> &Bytes {
        match self {
            Unit::Rtp(b) | Unit::Ts(b) => b,
        }
    }

    /// The RTP header, when this is RTP.
    pub fn rtp(&self) -> Option<RtpPacket<'_>> {
        match self {
            Unit::Rtp(b) => RtpPacket::decode(b).ok(),
            Unit::Ts(_) => None,
        }
    }

    /// The transport stream bytes: the RTP payload, or the whole datagram.
    pub fn ts(&self) -> Bytes {
        match self {
            Unit::Rtp(b) => match RtpPacket::decode(b) {
                Ok(p) => b.slice_ref(p.payload),
                Err(_) => Bytes::new(),
            },
            Unit::Ts(b) => b.clone(),
        }
    }
}

/// Why a datagram was not accepted; each is a `reason` label of
/// `tributary_flow_source_dropped_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The sender is outside the source's `whitelistCidr`.
    NotAllowed,
    /// Not an RTP packet: truncated, garbage, version other than 2, bad
    /// padding, or no payload.
    Malformed,
    /// RTP with a payload type other than 33 (MPEG-TS).
    WrongPayloadType,
    /// Raw UDP that is not whole TS packets (length a multiple of 188, each
    /// starting with the sync byte).
    NotTs,
}

impl DropReason {
    /// Every reason, in label order.
    pub const ALL: [DropReason; 4] = [
        DropReason::NotAllowed,
        DropReason::Malformed,
        DropReason::WrongPayloadType,
        DropReason::NotTs,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::NotAllowed => "not_allowed",
            DropReason::Malformed => "malformed",
            DropReason::WrongPayloadType => "wrong_payload_type",
            DropReason::NotTs => "not_ts",
        }
    }

    /// Index into per-reason arrays.
    pub fn index(self) -> usize {
        match self {
            DropReason::NotAllowed => 0,
            DropReason::Malformed => 1,
            DropReason::WrongPayloadType => 2,
            DropReason::NotTs => 3,
        }
    }
}

/// Reads `datagram` as `protocol` says; the bytes are copied once, into the unit.
pub fn classify(protocol: Protocol, datagram: &[u8]) -> Result<Unit, DropReason> {
    match protocol {
        Protocol::Rtp => {
            let packet = RtpPacket::decode(datagram).map_err(|_| DropReason::Malformed)?;
            if packet.payload_type != PT_MP2T {
                return Err(DropReason::WrongPayloadType);
            }
            if packet.payload.is_empty() {
                return Err(DropReason::Malformed);
            }
            Ok(Unit::Rtp(Bytes::copy_from_slice(datagram)))
        }
        Protocol::Udp => {
            if is_ts(datagram) {
                Ok(Unit::Ts(Bytes::copy_from_slice(datagram)))
            } else {
                Err(DropReason::NotTs)
            }
        }
    }
}

/// Whole TS packets: a non-zero multiple of 188 bytes, each with the sync byte.
fn is_ts(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len().is_multiple_of(PACKET_SIZE)
        && bytes
            .chunks_exact(PACKET_SIZE)
            .all(|p| p.first() == Some(&SYNC_BYTE))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use tributary_rtp::Encode;

    fn ts_packets(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..n {
            let mut p = vec![SYNC_BYTE, 0x1f, 0xff, 0x10];
            p.resize(PACKET_SIZE, 0xff);
            out.extend(p);
        }
        out
    }

    fn rtp(pt: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        RtpPacket::new(pt, 7, 90_000, 0x1234, payload)
            .encode(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn rtp_carrying_mpeg_ts_is_accepted_whole() {
        let wire = rtp(PT_MP2T, &ts_packets(7));
        let unit = classify(Protocol::Rtp, &wire).unwrap();
        assert_eq!(unit.datagram().as_ref(), &wire[..]);
        assert_eq!(unit.ts().as_ref(), &ts_packets(7)[..]);
        assert_eq!(unit.rtp().unwrap().sequence, 7);
    }

    #[test]
    fn rtp_garbage_is_malformed_and_other_payload_types_are_refused() {
        assert_eq!(classify(Protocol::Rtp, &[]), Err(DropReason::Malformed));
        assert_eq!(
            classify(Protocol::Rtp, &[0x80, 33, 0]),
            Err(DropReason::Malformed)
        );
        let mut v1 = rtp(PT_MP2T, &ts_packets(1));
        v1[0] = 0x40;
        assert_eq!(classify(Protocol::Rtp, &v1), Err(DropReason::Malformed));
        assert_eq!(
            classify(Protocol::Rtp, &rtp(PT_MP2T, &[])),
            Err(DropReason::Malformed)
        );
        assert_eq!(
            classify(Protocol::Rtp, &rtp(96, &ts_packets(1))),
            Err(DropReason::WrongPayloadType)
        );
    }

    #[test]
    fn raw_udp_must_be_whole_ts_packets() {
        let good = ts_packets(7);
        assert_eq!(
            classify(Protocol::Udp, &good).unwrap(),
            Unit::Ts(Bytes::from(good.clone()))
        );
        assert_eq!(
            classify(Protocol::Udp, &good[..187]),
            Err(DropReason::NotTs)
        );
        assert_eq!(classify(Protocol::Udp, &[]), Err(DropReason::NotTs));
        let mut lost_sync = good.clone();
        lost_sync[188 * 3] = 0x00;
        assert_eq!(classify(Protocol::Udp, &lost_sync), Err(DropReason::NotTs));
        // RTP sent to a udp source is not TS either.
        assert_eq!(
            classify(Protocol::Udp, &rtp(PT_MP2T, &good)),
            Err(DropReason::NotTs)
        );
    }

    #[test]
    fn every_short_prefix_of_a_valid_packet_is_handled() {
        let wire = rtp(PT_MP2T, &ts_packets(2));
        for len in 0..wire.len() {
            let _ = classify(Protocol::Rtp, &wire[..len]);
            let _ = classify(Protocol::Udp, &wire[..len]);
        }
    }
}
