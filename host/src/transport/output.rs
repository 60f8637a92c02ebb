//! Flow outputs, sans-IO: what each output sends for a unit of media.
//!
//! | unit in | output `rtp` | output `udp` |
//! | --- | --- | --- |
//! | RTP | the datagram as it came | the RTP payload (TS packets) |
//! | TS | wrapped in RTP: PT 33, the output's own SSRC and sequence, 90 kHz timestamp | the datagram as it came |
//!
//! The TS bytes are never touched. An output into a MediaPackage channel is
//! a [`Sink::Channel`]: the segmenter and the queue to its pusher
//! ([`super::channel`]).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tributary_mediaconnect::wire::Protocol;
use tributary_rtp::{Encode, RtpPacket};

use super::channel::ChannelSink;
use super::channel::push::PushCtx;
use super::ingress::{PT_MP2T, Unit};
use super::plan::{OutputPlan, SinkPlan};

/// Where one output sends, with its state.
#[derive(Debug)]
pub enum Sink {
    /// Datagrams to a UDP destination.
    Udp(UdpSink),
    /// Segments into a MediaPackage channel.
    Channel(Box<ChannelSink>),
}

impl Sink {
    /// The sink for `plan` of flow `flow`; `seed` picks the SSRC, first
    /// sequence number and timestamp offset of RTP it originates (RFC 3550
    /// §5.1: random). A channel sink starts its pusher task on `push`.
    pub fn new(flow: &str, plan: &OutputPlan, seed: [u32; 3], push: &PushCtx) -> Self {
        match &plan.sink {
            SinkPlan::Udp { to, protocol } => Sink::Udp(UdpSink {
                to: *to,
                protocol: *protocol,
                ssrc: seed[0],
                sequence: (seed[1] & 0xffff) as u16,
                timestamp_base: seed[2],
            }),
            SinkPlan::Channel(channel) => Sink::Channel(Box::new(ChannelSink::start(
                flow, &plan.name, channel, push,
            ))),
        }
    }

    /// Whether this sink still suits `plan`, so a new generation keeps it.
    pub fn matches(&self, plan: &OutputPlan) -> bool {
        match (self, &plan.sink) {
            (Sink::Udp(s), _) => s.matches(plan),
            (Sink::Channel(s), SinkPlan::Channel(c)) => s.matches(c),
            (Sink::Channel(_), _) => false,
        }
    }
}

/// An output sending datagrams to `destination:port`.
#[derive(Debug)]
pub struct UdpSink {
    to: SocketAddr,
    protocol: Protocol,
    ssrc: u32,
    sequence: u16,
    timestamp_base: u32,
}

impl UdpSink {
    /// The destination.
    pub fn to(&self) -> SocketAddr {
        self.to
    }

    /// Whether this sink still suits `plan` (same destination and protocol).
    pub fn matches(&self, plan: &OutputPlan) -> bool {
        plan.sink
            == SinkPlan::Udp {
                to: self.to,
                protocol: self.protocol,
            }
    }

    /// The datagram to send for `unit`, which left the flow at `now` (time
    /// since the flow started); `None` if there is nothing to send.
    pub fn encode(&mut self, now: Duration, unit: &Unit) -> Option<Bytes> {
        match (unit, self.protocol) {
            (Unit::Rtp(datagram), Protocol::Rtp) | (Unit::Ts(datagram), Protocol::Udp) => {
                Some(datagram.clone())
            }
            (Unit::Rtp(_), Protocol::Udp) => Some(unit.ts()).filter(|b| !b.is_empty()),
            (Unit::Ts(ts), Protocol::Rtp) => {
                // 90 kHz clock; wrapping is RTP's own arithmetic.
                let ticks = (now.as_micros() * 9 / 100) as u32;
                let packet = RtpPacket::new(
                    PT_MP2T,
                    self.sequence,
                    self.timestamp_base.wrapping_add(ticks),
                    self.ssrc,
                    ts,
                );
                let mut out = Vec::with_capacity(packet.encoded_len());
                packet.encode(&mut out).ok()?;
                self.sequence = self.sequence.wrapping_add(1);
                Some(Bytes::from(out))
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use tributary_rtp::Decode;

    fn sink(protocol: Protocol) -> UdpSink {
        let plan = OutputPlan {
            name: "o".into(),
            sink: SinkPlan::Udp {
                to: "127.0.0.1:9".parse().unwrap(),
                protocol,
            },
        };
        let push = PushCtx {
            kv: std::sync::Arc::new(crate::storage::MemoryKvBackend::default()),
            http: "127.0.0.1:9".parse().unwrap(),
        };
        match Sink::new("f", &plan, [0xfeed, 65535, 1000], &push) {
            Sink::Udp(s) => s,
            Sink::Channel(_) => unreachable!("a UDP plan"),
        }
    }

    fn ts(n: u8) -> Vec<u8> {
        let mut p = vec![0x47, 0x01, 0x00, 0x10 | (n & 0x0f)];
        p.resize(188, n);
        p
    }

    fn rtp(seq: u16, payload: &[u8]) -> Bytes {
        let mut out = Vec::new();
        RtpPacket::new(33, seq, 5, 0xabc, payload)
            .encode(&mut out)
            .unwrap();
        Bytes::from(out)
    }

    #[test]
    fn rtp_to_rtp_and_udp_to_udp_forward_the_datagram_untouched() {
        let wire = rtp(9, &ts(1));
        let mut out = sink(Protocol::Rtp);
        assert_eq!(
            out.encode(Duration::ZERO, &Unit::Rtp(wire.clone())),
            Some(wire)
        );
        let raw = Bytes::from(ts(2));
        let mut out = sink(Protocol::Udp);
        assert_eq!(
            out.encode(Duration::ZERO, &Unit::Ts(raw.clone())),
            Some(raw)
        );
    }

    #[test]
    fn rtp_to_udp_strips_the_header() {
        let mut out = sink(Protocol::Udp);
        let sent = out
            .encode(Duration::ZERO, &Unit::Rtp(rtp(9, &ts(3))))
            .unwrap();
        assert_eq!(sent.as_ref(), &ts(3)[..]);
    }

    #[test]
    fn udp_to_rtp_wraps_in_the_outputs_own_stream() {
        let mut out = sink(Protocol::Rtp);
        let first = out
            .encode(Duration::ZERO, &Unit::Ts(Bytes::from(ts(4))))
            .unwrap();
        let second = out
            .encode(Duration::from_secs(1), &Unit::Ts(Bytes::from(ts(5))))
            .unwrap();
        let a = RtpPacket::decode(&first).unwrap();
        let b = RtpPacket::decode(&second).unwrap();
        assert_eq!((a.payload_type, a.ssrc, a.sequence), (33, 0xfeed, 65535));
        assert_eq!(b.sequence, 0, "wraps");
        assert_eq!(b.timestamp.wrapping_sub(a.timestamp), 90_000);
        assert_eq!(a.payload, &ts(4)[..]);
        assert_eq!(b.payload, &ts(5)[..]);
    }
}
