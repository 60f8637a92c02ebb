//! Test streams: a small valid MPEG-TS (PAT, PMT with H.264 and AAC, payload
//! packets with running continuity counters) and RTP around it.
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use tributary_rtp::{Encode, RtpPacket};
use tributary_ts::{PACKET_SIZE, crc32_mpeg2};

/// The PMT's PID in [`TsGen`] streams.
pub const PMT_PID: u16 = 0x1000;
/// The video PID (H.264, also the PCR PID).
pub const VIDEO_PID: u16 = 0x100;
/// The audio PID (AAC).
pub const AUDIO_PID: u16 = 0x101;
/// The transport stream id.
pub const TS_ID: u16 = 0x2a;

/// Makes TS packets: a PAT and PMT every 20 datagrams, then payload.
#[derive(Default)]
pub struct TsGen {
    cc: [u8; 4],
    datagrams: u64,
}

fn section(table_id: u8, extension: u16, data: &[u8]) -> Vec<u8> {
    let len = 5 + data.len() + 4;
    let mut s = vec![table_id, 0xb0 | (len >> 8) as u8, len as u8];
    s.extend_from_slice(&extension.to_be_bytes());
    s.extend_from_slice(&[0xc1, 0x00, 0x00]);
    s.extend_from_slice(data);
    let crc = crc32_mpeg2(&s);
    s.extend_from_slice(&crc.to_be_bytes());
    s
}

impl TsGen {
    /// A generator at the start of its stream.
    pub fn new() -> Self {
        Self::default()
    }

    fn packet(&mut self, slot: usize, pid: u16, pusi: bool, payload: &[u8]) -> Vec<u8> {
        let cc = self.cc[slot];
        self.cc[slot] = (cc + 1) & 0x0f;
        let mut p = vec![
            0x47,
            (u8::from(pusi) << 6) | (pid >> 8) as u8,
            pid as u8,
            0x10 | cc,
        ];
        p.extend_from_slice(payload);
        p.resize(PACKET_SIZE, 0xff);
        p
    }

    /// Seven TS packets (1316 bytes), as an encoder puts in one datagram.
    pub fn datagram(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(7 * PACKET_SIZE);
        let mut n = 0;
        if self.datagrams.is_multiple_of(20) {
            let pat = section(
                0x00,
                TS_ID,
                &[0x00, 0x01, 0xe0 | (PMT_PID >> 8) as u8, PMT_PID as u8],
            );
            let mut payload = vec![0];
            payload.extend(pat);
            out.extend(self.packet(0, 0, true, &payload));
            let mut pmt_data = vec![0xe0 | (VIDEO_PID >> 8) as u8, VIDEO_PID as u8, 0xf0, 0x00];
            for (stream_type, pid) in [(0x1b, VIDEO_PID), (0x0f, AUDIO_PID)] {
                pmt_data.extend([stream_type, 0xe0 | (pid >> 8) as u8, pid as u8, 0xf0, 0x00]);
            }
            let mut payload = vec![0];
            payload.extend(section(0x02, 1, &pmt_data));
            out.extend(self.packet(1, PMT_PID, true, &payload));
            n = 2;
        }
        let mut k = self.datagrams as u8;
        while n < 7 {
            let (slot, pid) = if n % 3 == 2 {
                (3, AUDIO_PID)
            } else {
                (2, VIDEO_PID)
            };
            out.extend(self.packet(slot, pid, false, &[k; 16]));
            k = k.wrapping_add(1);
            n += 1;
        }
        self.datagrams += 1;
        out
    }
}

/// An RTP datagram (PT 33) carrying `payload`.
pub fn rtp(seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RtpPacket::new(33, seq, u32::from(seq) * 3000, 0x5eed, payload)
        .encode(&mut out)
        .unwrap();
    out
}

/// `n` RTP datagrams of a TS stream, sequence numbers from `first`.
pub fn rtp_stream(first: u16, n: usize) -> Vec<Vec<u8>> {
    let mut ts = TsGen::new();
    (0..n)
        .map(|i| rtp(first.wrapping_add(i as u16), &ts.datagram()))
        .collect()
}
